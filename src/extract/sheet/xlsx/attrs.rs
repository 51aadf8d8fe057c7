//! Attributes as raw `(key, value)` slices, read the way calamine reads them: no entity
//! decoding, and the same errors for a key without `=` or a value without quotes (quick-xml's
//! tokenizer has already refused unclosed quotes). Reading them the same way keeps the cells
//! and the error messages of odd workbooks the same as calamine's.

use quick_xml::events::attributes::AttrError;
use quick_xml::events::BytesStart;

/// The raw attributes of an element, in document order.
pub struct RawAttrs<'a> {
    raw: &'a str,
    pos: usize,
}

/// The raw attributes of `e`.
pub fn raw_attrs<'a>(e: &'a BytesStart<'_>) -> RawAttrs<'a> {
    RawAttrs {
        raw: e.attributes_raw(),
        pos: 0,
    }
}

impl<'a> Iterator for RawAttrs<'a> {
    type Item = Result<(&'a str, &'a str), AttrError>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.raw.as_bytes();
        let skip_space = |mut at: usize| {
            while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
                at += 1;
            }
            at
        };
        let start = skip_space(self.pos);
        if start >= bytes.len() {
            self.pos = start;
            return None;
        }
        let Some(eq) = self.raw[start..].find('=').map(|i| start + i) else {
            self.pos = bytes.len();
            return Some(Err(AttrError::ExpectedEq(start)));
        };
        let key = self.raw[start..eq].trim_ascii_end();
        let open = skip_space(eq + 1);
        let quote = match bytes.get(open) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                self.pos = bytes.len();
                return Some(Err(AttrError::UnquotedValue(open)));
            }
        };
        let value_start = open + 1;
        let value_end = bytes[value_start..]
            .iter()
            .position(|&b| b == quote)
            .map_or(bytes.len(), |i| value_start + i);
        self.pos = (value_end + 1).min(bytes.len());
        Some(Ok((key, &self.raw[value_start..value_end])))
    }
}

/// The first value of the attribute `key` (exact key, prefix included); an error when a
/// malformed attribute comes before it.
pub fn raw_attr<'a>(e: &'a BytesStart<'_>, key: &str) -> Result<Option<&'a str>, AttrError> {
    for attr in raw_attrs(e) {
        let (k, v) = attr?;
        if k == key {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// The values of the attributes `keys` in one pass that stops as soon as as many matches as
/// keys were seen (so a malformed attribute after them is not noticed, as in calamine).
pub fn pick<'a, const N: usize>(
    e: &'a BytesStart<'_>,
    keys: [&str; N],
) -> Result<[Option<&'a str>; N], AttrError> {
    let mut values = [None; N];
    let mut found = 0;
    for attr in raw_attrs(e) {
        let (k, v) = attr?;
        if let Some(i) = keys.iter().position(|&key| key == k) {
            values[i] = Some(v);
            found += 1;
        }
        if found == N {
            break;
        }
    }
    Ok(values)
}

/// Whether the attribute key `key` is `local` with or without a namespace prefix (`r:id`).
pub fn is_local(key: &str, local: &str) -> bool {
    key.strip_suffix(local)
        .is_some_and(|prefix| prefix.is_empty() || prefix.ends_with(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(raw: &str) -> Vec<Result<(&str, &str), AttrError>> {
        RawAttrs { raw, pos: 0 }.collect()
    }

    #[test]
    fn quoted_values_and_errors() {
        assert_eq!(
            all(" a=\"1\"  b = '2' c=\"\""),
            [Ok(("a", "1")), Ok(("b", "2")), Ok(("c", ""))]
        );
        assert_eq!(
            all("a=\"1\" b"),
            [Ok(("a", "1")), Err(AttrError::ExpectedEq(6))]
        );
        assert_eq!(all("a=1"), [Err(AttrError::UnquotedValue(2))]);
        assert_eq!(all("a="), [Err(AttrError::UnquotedValue(2))]);
        assert_eq!(all("a=\"&amp;\""), [Ok(("a", "&amp;"))]);
    }

    #[test]
    fn local_names() {
        assert!(is_local("id", "id"));
        assert!(is_local("r:id", "id"));
        assert!(!is_local("rid", "id"));
        assert!(!is_local("sheetId", "id"));
    }
}

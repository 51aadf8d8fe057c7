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
        // Byte loops rather than `str::find`: the keys and values are a few bytes long, where
        // a searcher costs more than the search (this runs for every cell).
        let bytes = self.raw.as_bytes();
        let len = bytes.len();
        let mut at = self.pos;
        while at < len && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at >= len {
            self.pos = at;
            return None;
        }
        let start = at;
        while at < len && bytes[at] != b'=' {
            at += 1;
        }
        if at >= len {
            self.pos = len;
            return Some(Err(AttrError::ExpectedEq(start)));
        }
        let key = self.raw[start..at].trim_ascii_end();
        at += 1;
        while at < len && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let quote = match bytes.get(at) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                self.pos = len;
                return Some(Err(AttrError::UnquotedValue(at)));
            }
        };
        at += 1;
        let value_start = at;
        while at < len && bytes[at] != quote {
            at += 1;
        }
        let value = &self.raw[value_start..at];
        self.pos = (at + 1).min(len);
        Some(Ok((key, value)))
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
    pick_by(e, |k| keys.iter().position(|&key| key == k))
}

/// `r`, `s` and `t` of a cell (`<c>`), as [`pick`] reads them; matched on literals, as this
/// runs for every cell.
pub fn cell_attrs<'a>(e: &'a BytesStart<'_>) -> Result<[Option<&'a str>; 3], AttrError> {
    pick_by(e, |k| match k {
        "r" => Some(0),
        "s" => Some(1),
        "t" => Some(2),
        _ => None,
    })
}

/// [`pick`] with the position of a key among the wanted ones given by `index`.
fn pick_by<'a, const N: usize>(
    e: &'a BytesStart<'_>,
    index: impl Fn(&str) -> Option<usize>,
) -> Result<[Option<&'a str>; N], AttrError> {
    let mut values = [None; N];
    let mut found = 0;
    for attr in raw_attrs(e) {
        let (k, v) = attr?;
        if let Some(i) = index(k) {
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

//! The two escapes of cell text: XML entity references (`&amp;`, `&#248;`), and Excel's own
//! `_xHHHH_` escape of a UTF-16 code unit, which it uses for characters XML cannot hold
//! (`_x000D_` for a carriage return; `_x005F_` for the `_` of a literal `_xHHHH_`).

use std::borrow::Cow;

use quick_xml::escape::{resolve_xml_entity, EscapeError};
use quick_xml::events::BytesRef;

/// The length of `_xHHHH_`.
const ESCAPE_LEN: usize = 7;

/// Appends the character of the entity reference `entity` to `out`; an unknown entity is an
/// error (only the five XML entities and character references exist in a workbook).
pub fn push_entity(entity: &BytesRef<'_>, out: &mut String) -> Result<(), quick_xml::Error> {
    if let Some(s) = resolve_xml_entity(entity) {
        out.push_str(s);
        return Ok(());
    }
    if let Some(c) = entity.resolve_char_ref()? {
        out.push(c);
        return Ok(());
    }
    let name = format!("&{};", &**entity);
    Err(EscapeError::UnrecognizedEntity(0..0, name).into())
}

/// `text` with every `_xHHHH_` escape replaced by its character; a surrogate pair takes two
/// escapes, and a lone surrogate becomes U+FFFD.
pub fn unescape_excel(text: &str) -> Cow<'_, str> {
    let Some(first) = next_escape(text, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut found) = (0, Some(first));
    while let Some((at, unit)) = found {
        out.push_str(&text[copied..at]);
        let mut end = at + ESCAPE_LEN;
        let c = match unit {
            0xD800..=0xDBFF => match code_unit(text, end) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    end += ESCAPE_LEN;
                    let high = u32::from(unit - 0xD800) << 10;
                    char::from_u32(0x10000 + high + u32::from(low - 0xDC00))
                }
                _ => None,
            },
            _ => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
        copied = end;
        found = next_escape(text, end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The byte position and code unit of the first `_xHHHH_` at or after `from`.
fn next_escape(text: &str, mut from: usize) -> Option<(usize, u16)> {
    while let Some(i) = text.get(from..)?.find('_') {
        let at = from + i;
        if let Some(unit) = code_unit(text, at) {
            return Some((at, unit));
        }
        from = at + 1;
    }
    None
}

/// The code unit of an `_xHHHH_` escape starting at byte `at`, if there is one.
fn code_unit(text: &str, at: usize) -> Option<u16> {
    let b = text.as_bytes().get(at..at + ESCAPE_LEN)?;
    let hex = &b[2..6];
    if b[0] != b'_' || b[1] != b'x' || b[6] != b'_' || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    hex.iter().try_fold(0u16, |n, &d| {
        Some(n << 4 | char::from(d).to_digit(16)? as u16)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_escapes() {
        assert_eq!(unescape_excel("plain"), "plain");
        assert_eq!(unescape_excel("a_x000D_b"), "a\rb");
        assert_eq!(unescape_excel("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_excel("_xD83D__xDCF7_"), "\u{1F4F7}");
        assert_eq!(unescape_excel("_xD83D_x"), "\u{FFFD}x");
        assert_eq!(unescape_excel("_xDCF7_"), "\u{FFFD}");
        assert_eq!(unescape_excel("_x00e5_"), "å");
        assert_eq!(unescape_excel("_x00G5_ _x12_ ø_"), "_x00G5_ _x12_ ø_");
    }
}

//! Raw property values (type and bytes, as stored in a property context or table row) to the
//! shared model's [`PropValue`].

use super::ltp::RawProp;
use super::ndb::le;
use crate::extract::outlook::codepage;
use crate::extract::outlook::model::{prop, ptype as pt, PropValue, PropertyBag};

/// The code page of a message's 8-bit strings: PR_MESSAGE_CODEPAGE, else PR_INTERNET_CPID,
/// else Windows-1252.
pub fn code_page(props: &[RawProp]) -> u32 {
    [prop::MESSAGE_CODEPAGE, prop::INTERNET_CPID]
        .iter()
        .find_map(|&id| {
            let p = props.iter().find(|p| p.id == id && p.ptype == pt::LONG)?;
            let v = le(p.value.as_ref().ok()?, 0, 4) as u32;
            (v != 0).then_some(v)
        })
        .unwrap_or(codepage::DEFAULT)
}

fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let s = String::from_utf16_lossy(&units);
    s.trim_end_matches('\0').to_string()
}

fn string8(bytes: &[u8], cp: u32) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    codepage::decode(&bytes[..end], cp)
}

/// The strings of a multi-valued string property (count, offsets, then the strings), joined by
/// newlines.
fn multi_string(bytes: &[u8], one: impl Fn(&[u8]) -> String) -> String {
    let count = le(bytes, 0, 4) as usize;
    if count == 0 || count > bytes.len() / 4 {
        return String::new();
    }
    let offset = |i: usize| {
        if i == count {
            bytes.len()
        } else {
            (le(bytes, 4 + 4 * i, 4) as usize).min(bytes.len())
        }
    };
    (0..count)
        .map(|i| {
            let (start, end) = (offset(i), offset(i + 1));
            one(&bytes[start.min(end)..end])
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The model value of a property of type `ptype` stored as `bytes`.
pub fn value(ptype: u16, bytes: &[u8], cp: u32) -> PropValue {
    let int = |len: usize| le(bytes, 0, len);
    match ptype {
        pt::SHORT => PropValue::Int(int(2) as u16 as i16 as i64),
        pt::LONG => PropValue::Int(int(4) as u32 as i32 as i64),
        pt::BOOLEAN => PropValue::Bool(bytes.first().is_some_and(|&b| b != 0)),
        pt::I8 => PropValue::Int(int(8) as i64),
        pt::SYSTIME => PropValue::Time(int(8) as i64),
        pt::UNICODE => PropValue::Str(utf16(bytes)),
        pt::STRING8 => PropValue::Str(string8(bytes, cp)),
        t if t == pt::UNICODE | pt::MULTI => PropValue::Str(multi_string(bytes, utf16)),
        t if t == pt::STRING8 | pt::MULTI => {
            PropValue::Str(multi_string(bytes, |b| string8(b, cp)))
        }
        pt::BINARY => PropValue::Binary(bytes.to_vec()),
        _ => PropValue::Other,
    }
}

/// A stored subject may start with U+0001 and a character giving the length of its prefix
/// ("RE: ") ([MS-OXCMSG] 2.2.1.46): the two marker characters are not part of the subject.
fn without_prefix_marker(v: PropValue) -> PropValue {
    match v {
        PropValue::Str(s) if s.starts_with('\u{1}') => PropValue::Str(s.chars().skip(2).collect()),
        v => v,
    }
}

/// The properties of an item as a bag, leaving out `skip` (e.g. attachment data held
/// elsewhere). Values that could not be read are returned as (property id, reason).
pub fn bag(props: &[RawProp], cp: u32, skip: &[u16]) -> (PropertyBag, Vec<(u16, String)>) {
    let mut out = PropertyBag::new();
    let mut errors = Vec::new();
    for p in props.iter().filter(|p| !skip.contains(&p.id)) {
        match &p.value {
            Ok(bytes) if p.id == prop::SUBJECT => {
                out.insert(p.id, without_prefix_marker(value(p.ptype, bytes, cp)))
            }
            Ok(bytes) => out.insert(p.id, value(p.ptype, bytes, cp)),
            Err(e) => errors.push((p.id, e.clone())),
        }
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(id: u16, ptype: u16, value: &[u8]) -> RawProp {
        RawProp {
            id,
            ptype,
            value: Ok(value.to_vec()),
        }
    }

    #[test]
    fn values_by_type() {
        let u16s: Vec<u8> = "Kari Nordmann\0"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(
            value(pt::UNICODE, &u16s, 1252),
            PropValue::Str("Kari Nordmann".into())
        );
        assert_eq!(
            value(pt::STRING8, b"bl\xe5b\xe6r\0", 1252),
            PropValue::Str("blåbær".into())
        );
        assert_eq!(
            value(pt::STRING8, "blåbær".as_bytes(), 65001),
            PropValue::Str("blåbær".into())
        );
        assert_eq!(
            value(pt::LONG, &(-2i32).to_le_bytes(), 0),
            PropValue::Int(-2)
        );
        assert_eq!(value(pt::SHORT, &[0xFF, 0xFF, 0, 0], 0), PropValue::Int(-1));
        assert_eq!(value(pt::BOOLEAN, &[1, 0, 0, 0], 0), PropValue::Bool(true));
        assert_eq!(
            value(pt::SYSTIME, &7i64.to_le_bytes(), 0),
            PropValue::Time(7)
        );
        assert_eq!(
            value(pt::BINARY, b"\x01\x02", 0),
            PropValue::Binary(vec![1, 2])
        );
        assert_eq!(value(0x0005, &[0; 8], 0), PropValue::Other);
        assert_eq!(value(pt::SHORT, &[], 0), PropValue::Int(0));
    }

    #[test]
    fn multi_valued_strings_are_joined_by_newlines() {
        let mut b = Vec::new();
        b.extend_from_slice(&2u32.to_le_bytes());
        b.extend_from_slice(&12u32.to_le_bytes());
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(b"Ola\0Kari");
        assert_eq!(
            value(pt::STRING8 | pt::MULTI, &b, 1252),
            PropValue::Str("Ola\nKari".into())
        );
        // Offsets past the end and absurd counts do not panic.
        assert_eq!(
            value(pt::STRING8 | pt::MULTI, &[9, 0, 0, 0, 200, 0, 0, 0], 1252),
            PropValue::Str(String::new())
        );
        assert_eq!(
            value(pt::UNICODE | pt::MULTI, &[1, 0, 0, 0, 200, 0, 0, 0], 1252),
            PropValue::Str(String::new())
        );
    }

    #[test]
    fn code_page_and_bag() {
        let props = vec![
            raw(prop::MESSAGE_CODEPAGE, pt::LONG, &65001u32.to_le_bytes()),
            raw(prop::SUBJECT, pt::STRING8, "\x01\x04RE: Søknad".as_bytes()),
            raw(prop::ATTACH_DATA_BIN, pt::BINARY, b"data"),
            RawProp {
                id: prop::BODY,
                ptype: pt::UNICODE,
                value: Err("subnode 0x1234 is missing".into()),
            },
        ];
        assert_eq!(code_page(&props), 65001);
        assert_eq!(code_page(&[]), 1252);
        let (bag, errors) = bag(&props, code_page(&props), &[prop::ATTACH_DATA_BIN]);
        assert_eq!(bag.str(prop::SUBJECT), Some("RE: Søknad"));
        assert_eq!(bag.binary(prop::ATTACH_DATA_BIN), None);
        assert_eq!(
            errors,
            [(prop::BODY, "subnode 0x1234 is missing".to_string())]
        );
    }
}

//! Cell text: the shared strings table (`xl/sharedStrings.xml`) and the string items it
//! shares with inline strings (`<si>` and `<is>`): plain `<t>`, rich text runs `<r><t>`
//! joined, phonetic guides `<rPh>` left out, Excel's `_xHHHH_` escapes decoded, and the text
//! trimmed of ASCII whitespace unless `xml:space="preserve"`.

use std::io::{BufRead, Read, Seek};

use calamine::XlsxError;
use quick_xml::events::Event;
use quick_xml::name::QName;
use quick_xml::Reader;
use zip::ZipArchive;

use crate::extract::archive::members::Members;

use super::attrs::raw_attr;
use super::escape::{push_entity, unescape_excel};
use super::parts::{self, next};

/// Shared strings reserved up front at most (a `uniqueCount` is only a hint).
const MAX_RESERVED: usize = 1 << 16;

/// Scratch buffers for reading string items, reused from item to item.
#[derive(Default)]
pub struct StringBufs {
    events: Vec<u8>,
    text: Vec<u8>,
}

/// Reads the shared strings part `path`; none when the workbook has no such part.
pub fn read_shared_strings<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    members: &mut Members,
    path: &str,
) -> Result<Vec<String>, XlsxError> {
    let Some(xml) = parts::open(zip, members, path) else {
        return Ok(Vec::new());
    };
    let mut xml = xml?;
    let mut strings = Vec::new();
    let mut buf = Vec::new();
    loop {
        match next(&mut xml, &mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "sst" => {
                let count = raw_attr(&e, "uniqueCount")?;
                if let Some(n) = count.and_then(atoi::<usize>) {
                    strings.reserve(n.min(MAX_RESERVED));
                }
                break;
            }
            Event::Eof => return Err(XlsxError::XmlEof("sst")),
            _ => {}
        }
    }
    let mut bufs = StringBufs::default();
    loop {
        match next(&mut xml, &mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                if let Some(s) = read_string_item(&mut xml, e.name(), &mut bufs)? {
                    strings.push(s);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "sst" => return Ok(strings),
            Event::Eof => return Err(XlsxError::XmlEof("sst")),
            _ => {}
        }
    }
}

/// Reads a string item (`<si>` or `<is>`, whose start tag was just read and whose name is
/// `closing`) up to its end tag: its `<t>` texts, those of rich text runs joined, phonetic
/// guides left out. An item without any text is an empty string.
pub fn read_string_item<R: BufRead>(
    xml: &mut Reader<R>,
    closing: QName<'_>,
    bufs: &mut StringBufs,
) -> Result<Option<String>, XlsxError> {
    let mut text: Option<String> = None;
    let mut phonetic = false;
    loop {
        match next(xml, &mut bufs.events)? {
            Event::Start(e) if e.local_name().as_ref() == "r" && text.is_none() => {
                text = Some(String::new());
            }
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.name() == closing => return Ok(Some(text.unwrap_or_default())),
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = raw_attr(&e, "xml:space")? == Some("preserve");
                let value = read_t(xml, e.name(), &mut bufs.text)?;
                let value = if preserve {
                    unescape_excel(&value).into_owned()
                } else {
                    unescape_excel(value.trim_matches([' ', '\t', '\r', '\n'])).into_owned()
                };
                match &mut text {
                    Some(s) => s.push_str(&value),
                    None => text = Some(value),
                }
            }
            Event::Eof => return Err(XlsxError::XmlEof("")),
            _ => {}
        }
    }
}

/// The character data of a `<t>` element (named `name`) up to its end tag, entities decoded.
fn read_t<R: BufRead>(
    xml: &mut Reader<R>,
    name: QName<'_>,
    buf: &mut Vec<u8>,
) -> Result<String, XlsxError> {
    let mut value = String::new();
    buf.clear();
    loop {
        match xml.read_event_into(buf)? {
            Event::Text(t) => value.push_str(&t.xml10_content()),
            Event::CData(t) => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => push_entity(&r, &mut value)?,
            Event::End(end) if end.name() == name => return Ok(value),
            Event::Eof => return Err(XlsxError::XmlEof("t")),
            _ => {}
        }
    }
}

/// An unsigned decimal number as calamine reads indexes and counts (`atoi_simd`: digits only,
/// leading zeros allowed, no sign).
pub fn atoi<T: atoi_simd::Parse>(digits: &str) -> Option<T> {
    atoi_simd::parse::<T, true, false>(digits.as_bytes()).ok()
}

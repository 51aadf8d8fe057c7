//! Outlook `.msg` files (MS-OXMSG): an OLE2 compound file whose storages hold one message's
//! properties, its recipients and its attachments (embedded messages nested as storages).
//!
//! Fixed-size properties are entries of the `__properties_version1.0` stream; the others are
//! streams named `__substg1.0_IIIITTTT` (property id and type in hex), multi-valued strings
//! one stream per value (`…-0000000N`). Strings in 8-bit code pages are decoded with the
//! message's code page. Named properties (ids from 0x8000) are kept under their ids, not
//! resolved to names.

use std::collections::BTreeSet;
use std::io::{Read, Seek};

use super::codepage;
use super::model::{prop, AttachmentContent, MapiAttachment, MapiMessage, PropValue, PropertyBag};
use crate::extract::archive::bounded::human_size;
use crate::extract::office::legacy::read_stream;
use crate::extract::{ExtractError, Input, Limits};

const PROPERTIES: &str = "__properties_version1.0";
const SUBSTG: &str = "__substg1.0_";
const RECIP: &str = "__recip_version1.0_#";
const ATTACH: &str = "__attach_version1.0_#";
/// The storage of an embedded message (PR_ATTACH_DATA_OBJ, PT_OBJECT).
const EMBEDDED: &str = "__substg1.0_3701000D";
/// The entry stream of the named-property map: 8 bytes per named property.
const NAMEID_ENTRIES: &str = "/__nameid_version1.0/__substg1.0_00030102";
/// Entries of a storage looked at, at most (a damaged directory can claim millions).
const MAX_ENTRIES: usize = 100_000;

use super::model::ptype::{
    BINARY as PT_BINARY, BOOLEAN as PT_BOOLEAN, I8 as PT_I8, LONG as PT_LONG, MULTI as MV_FLAG,
    SHORT as PT_SHORT, STRING8 as PT_STRING8, SYSTIME as PT_SYSTIME, UNICODE as PT_UNICODE,
};

/// Size of the `__properties_version1.0` header before its 16-byte entries.
#[derive(Clone, Copy)]
enum Level {
    /// The message of the file: 32 bytes.
    TopMessage,
    /// A message embedded in an attachment: 24 bytes.
    Embedded,
    /// A recipient or attachment: 8 bytes.
    Member,
}

impl Level {
    fn header_len(self) -> usize {
        match self {
            Level::TopMessage => 32,
            Level::Embedded => 24,
            Level::Member => 8,
        }
    }
}

/// Reads the message of a `.msg` file.
pub fn read(input: Input<'_>, limits: &Limits) -> Result<MapiMessage, ExtractError> {
    let mut file = cfb::CompoundFile::open(input.open_seekable()?)
        .map_err(|e| ExtractError::Corrupt(format!("OLE2 compound file: {e}")))?;
    if !file.is_stream(format!("/{PROPERTIES}")) {
        return Err(ExtractError::Corrupt(format!(
            "Outlook message without its {PROPERTIES} stream"
        )));
    }
    let string_named = string_named(&mut file, limits);
    let mut reader = Reader {
        file: &mut file,
        limits,
        held: 0,
        string_named,
    };
    Ok(reader.message("", Level::TopMessage, 0))
}

struct Reader<'a, F> {
    file: &'a mut cfb::CompoundFile<F>,
    limits: &'a Limits,
    /// Bytes of attachment data read so far: a message's attachments are held in memory
    /// together, so their sum is kept under `limits.max_member_bytes`.
    held: u64,
    /// Named properties identified by a string name ([`string_named`]): not read.
    string_named: BTreeSet<u16>,
}

/// A child of a storage: its name, whether it is a stream, its length.
struct Child {
    name: String,
    is_stream: bool,
}

impl<F: Read + Seek> Reader<'_, F> {
    fn children(&self, storage: &str) -> Vec<Child> {
        let path = if storage.is_empty() { "/" } else { storage };
        match self.file.read_storage(path) {
            Ok(entries) => entries
                .take(MAX_ENTRIES)
                .map(|e| Child {
                    name: e.name().to_string(),
                    is_stream: e.is_stream(),
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The message stored in `storage` (`""` for the root), its recipients and attachments.
    fn message(&mut self, storage: &str, level: Level, depth: usize) -> MapiMessage {
        let mut msg = MapiMessage::default();
        let children = self.children(storage);
        msg.props = self.properties(storage, &children, level, None, &mut msg.errors);
        let cp = message_codepage(&msg.props);
        for name in numbered(&children, RECIP) {
            let path = format!("{storage}/{name}");
            let sub = self.children(&path);
            let bag = self.properties(&path, &sub, Level::Member, Some(cp), &mut msg.errors);
            msg.recipients.push(bag);
        }
        for name in numbered(&children, ATTACH) {
            let path = format!("{storage}/{name}");
            let attachment = self.attachment(&path, cp, depth, &mut msg.errors);
            msg.attachments.push(attachment);
        }
        msg
    }

    fn attachment(
        &mut self,
        path: &str,
        cp: u32,
        depth: usize,
        errors: &mut Vec<(Option<crate::location::Step>, String)>,
    ) -> MapiAttachment {
        let children = self.children(path);
        let props = self.properties(path, &children, Level::Member, Some(cp), errors);
        let has = |n: &str, stream: bool| {
            children
                .iter()
                .any(|c| c.is_stream == stream && c.name.eq_ignore_ascii_case(n))
        };
        let data_stream = format!("{SUBSTG}{:04X}{PT_BINARY:04X}", prop::ATTACH_DATA_BIN);
        let content = if has(EMBEDDED, false) {
            let inner = format!("{path}/{EMBEDDED}");
            if !self.file.is_stream(format!("{inner}/{PROPERTIES}")) {
                AttachmentContent::Unreadable(
                    "embedded OLE object (not a message); not read".into(),
                )
            } else if depth >= self.limits.max_depth {
                AttachmentContent::Unreadable(format!(
                    "embedded messages nested deeper than {} levels",
                    self.limits.max_depth
                ))
            } else {
                let msg = self.message(&inner, Level::Embedded, depth + 1);
                AttachmentContent::Message(Box::new(msg))
            }
        } else if has(&data_stream, true) {
            self.attachment_data(&format!("{path}/{data_stream}"))
        } else {
            AttachmentContent::Missing
        };
        MapiAttachment { props, content }
    }

    /// The bytes of an attachment, unless they would take the bytes held past the limit.
    fn attachment_data(&mut self, stream: &str) -> AttachmentContent {
        let len = self.file.entry(stream).map_or(0, |e| e.len());
        let max = self.limits.max_member_bytes;
        if self.held.saturating_add(len) > max {
            return AttachmentContent::Unreadable(format!(
                "the message's attachments together are over the {} limit; not read",
                human_size(max)
            ));
        }
        self.held += len;
        match read_stream(self.file, stream, self.limits) {
            Ok(data) => AttachmentContent::Data(data),
            Err(e) => AttachmentContent::Unreadable(e.to_string()),
        }
    }

    /// The properties of `storage`: fixed-size ones from its properties stream, the others
    /// from its `__substg1.0_` streams. Strings in 8-bit code pages use `cp`, or for a
    /// message its own code page property.
    fn properties(
        &mut self,
        storage: &str,
        children: &[Child],
        level: Level,
        cp: Option<u32>,
        errors: &mut Vec<(Option<crate::location::Step>, String)>,
    ) -> PropertyBag {
        let mut bag = PropertyBag::new();
        match read_stream(self.file, &format!("{storage}/{PROPERTIES}"), self.limits) {
            Ok(data) => fixed_properties(&data, level.header_len(), &mut bag),
            Err(e) => errors.push((None, format!("{storage}/{PROPERTIES}: {e}"))),
        }
        let cp = cp.unwrap_or_else(|| message_codepage(&bag));
        let mut multi: Vec<(u16, u32, String)> = Vec::new();
        for child in children.iter().filter(|c| c.is_stream) {
            let Some((id, ty, index)) = parse_substg(&child.name) else {
                continue;
            };
            if self.string_named.contains(&id) {
                continue;
            }
            if id == prop::ATTACH_DATA_BIN && ty == PT_BINARY {
                continue; // read as the attachment's content
            }
            let base = ty & !MV_FLAG;
            let wanted = match (ty & MV_FLAG != 0, index) {
                (false, None) => matches!(ty, PT_STRING8 | PT_UNICODE | PT_BINARY),
                (true, Some(_)) => matches!(base, PT_STRING8 | PT_UNICODE),
                _ => false,
            };
            if !wanted {
                continue;
            }
            let data =
                match read_stream(self.file, &format!("{storage}/{}", child.name), self.limits) {
                    Ok(d) => d,
                    Err(e) => {
                        errors.push((None, format!("property {id:#06x}: {e}")));
                        continue;
                    }
                };
            match (base, index) {
                (PT_BINARY, None) => bag.insert(id, PropValue::Binary(data)),
                (_, None) => bag.insert(id, PropValue::Str(decode_string(&data, base, cp))),
                (_, Some(i)) => multi.push((id, i, decode_string(&data, base, cp))),
            }
        }
        multi.sort_by_key(|(id, i, _)| (*id, *i));
        for chunk in multi.chunk_by(|a, b| a.0 == b.0) {
            let joined: Vec<&str> = chunk.iter().map(|(_, _, s)| s.as_str()).collect();
            bag.insert(chunk[0].0, PropValue::Str(joined.join("\n")));
        }
        bag
    }
}

/// The ids of the named properties that have a string name rather than a numeric LID.
///
/// The properties worth searching that Outlook keeps as named properties (a contact's e-mail
/// addresses and postal addresses, an appointment's location and attendees, a task's owner)
/// all have numeric LIDs. String-named ones are Exchange's bookkeeping (conversation
/// tracking, entity extraction, copies of Internet headers) and hold message ids that read as
/// e-mail addresses: they are left out.
fn string_named<F: Read + Seek>(file: &mut cfb::CompoundFile<F>, limits: &Limits) -> BTreeSet<u16> {
    let Ok(entries) = read_stream(file, NAMEID_ENTRIES, limits) else {
        return BTreeSet::new();
    };
    entries
        .chunks_exact(8)
        .filter(|e| e[4] & 1 == 1)
        .map(|e| 0x8000u16.wrapping_add(u16::from_le_bytes([e[6], e[7]])))
        .filter(|&id| id >= 0x8000)
        .collect()
}

/// The code page of a message's 8-bit strings.
pub fn message_codepage(bag: &PropertyBag) -> u32 {
    [prop::MESSAGE_CODEPAGE, prop::INTERNET_CPID]
        .iter()
        .filter_map(|&id| bag.int(id))
        .map(|cp| cp as u32)
        .find(|&cp| codepage::encoding(cp).is_some() || matches!(cp, 437 | 850 | 865))
        .unwrap_or(codepage::DEFAULT)
}

/// Decodes a PT_UNICODE (UTF-16LE) or PT_STRING8 (code page `cp`) value, without the
/// terminating NULs some writers store. Some writers put UTF-16LE into PT_STRING8 streams;
/// such a value is read as UTF-16 (else every character would be followed by a NUL and no
/// identifier in it could be found).
pub fn decode_string(data: &[u8], ty: u16, cp: u32) -> String {
    let text = if ty == PT_UNICODE || looks_like_utf16le(data) {
        let units: Vec<u16> = data
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        codepage::decode(data, cp)
    };
    text.trim_end_matches('\0').to_string()
}

/// True when the bytes are ASCII-range UTF-16LE: nearly every odd byte is 0, nearly no even
/// byte is.
fn looks_like_utf16le(data: &[u8]) -> bool {
    let sample = &data[..data.len().min(1024) & !1];
    if sample.len() < 4 {
        return false;
    }
    let pairs = sample.len() / 2;
    let odd_zero = sample.chunks_exact(2).filter(|p| p[1] == 0).count();
    let even_zero = sample.chunks_exact(2).filter(|p| p[0] == 0).count();
    odd_zero * 10 >= pairs * 9 && even_zero * 10 <= pairs
}

/// Id, type and value index (for multi-valued properties) from a `__substg1.0_` name.
fn parse_substg(name: &str) -> Option<(u16, u16, Option<u32>)> {
    let rest = name.get(SUBSTG.len()..)?;
    if !name[..SUBSTG.len()].eq_ignore_ascii_case(SUBSTG) || rest.len() < 8 {
        return None;
    }
    let id = u16::from_str_radix(rest.get(0..4)?, 16).ok()?;
    let ty = u16::from_str_radix(rest.get(4..8)?, 16).ok()?;
    let index = match rest.get(8..) {
        Some("") => None,
        Some(s) => Some(u32::from_str_radix(s.strip_prefix('-')?, 16).ok()?),
        None => return None,
    };
    Some((id, ty, index))
}

/// Names of the children called `prefix` + 8 hex digits, in numeric order.
fn numbered<'c>(children: &'c [Child], prefix: &str) -> Vec<&'c str> {
    let mut found: Vec<(u32, &str)> = children
        .iter()
        .filter(|c| !c.is_stream)
        .filter_map(|c| {
            let head = c.name.get(..prefix.len())?;
            if !head.eq_ignore_ascii_case(prefix) {
                return None;
            }
            let n = u32::from_str_radix(c.name.get(prefix.len()..)?, 16).ok()?;
            Some((n, c.name.as_str()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

/// The fixed-size property entries of a properties stream (after its `header` bytes).
fn fixed_properties(data: &[u8], header: usize, bag: &mut PropertyBag) {
    let Some(entries) = data.get(header..) else {
        return;
    };
    for e in entries.chunks_exact(16) {
        let ty = u16::from_le_bytes([e[0], e[1]]);
        let id = u16::from_le_bytes([e[2], e[3]]);
        let value: [u8; 8] = e[8..16].try_into().unwrap_or_default();
        let v = match ty {
            PT_SHORT => PropValue::Int(i16::from_le_bytes([value[0], value[1]]) as i64),
            PT_LONG => {
                PropValue::Int(i32::from_le_bytes([value[0], value[1], value[2], value[3]]) as i64)
            }
            PT_I8 => PropValue::Int(i64::from_le_bytes(value)),
            PT_BOOLEAN => PropValue::Bool(value[0] != 0),
            PT_SYSTIME => PropValue::Time(i64::from_le_bytes(value)),
            _ => continue,
        };
        bag.insert(id, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names() {
        assert_eq!(
            parse_substg("__substg1.0_0037001F"),
            Some((0x37, 0x1F, None))
        );
        assert_eq!(
            parse_substg("__substg1.0_3A58101F-00000001"),
            Some((0x3A58, 0x101F, Some(1)))
        );
        assert_eq!(parse_substg("__substg1.0_00"), None);
        assert_eq!(parse_substg("__substg1.0_0037001F+1"), None);
        assert_eq!(parse_substg("__nameid_version1.0"), None);
        assert_eq!(parse_substg("__substg1.0_ÆØÅ0001F"), None);
    }

    #[test]
    fn strings_in_both_encodings() {
        assert_eq!(
            decode_string(b"K\0\xe5\0r\0i\0\0\0", PT_UNICODE, 1252),
            "Kåri"
        );
        assert_eq!(decode_string(b"K\xe5ri\0", PT_STRING8, 1252), "Kåri");
        assert_eq!(decode_string("Kåri".as_bytes(), PT_STRING8, 65001), "Kåri");
        assert_eq!(decode_string(b"K\0\x01", PT_UNICODE, 1252), "K");
        // UTF-16LE in a PT_STRING8 stream (a writer's bug seen in real files).
        assert_eq!(
            decode_string(b"1\x002\x003\x00\r\x00\n\x00", PT_STRING8, 1252),
            "123\r\n"
        );
        assert_eq!(decode_string(b"a\0", PT_STRING8, 1252), "a");
    }

    #[test]
    fn fixed_entries() {
        let mut data = vec![0u8; 8];
        let mut entry = |ty: u16, id: u16, v: u64| {
            data.extend_from_slice(&ty.to_le_bytes());
            data.extend_from_slice(&id.to_le_bytes());
            data.extend_from_slice(&6u32.to_le_bytes());
            data.extend_from_slice(&v.to_le_bytes());
        };
        entry(PT_LONG, prop::MESSAGE_CODEPAGE, 65001);
        entry(
            PT_SYSTIME,
            prop::CLIENT_SUBMIT_TIME,
            133_000_000_000_000_000,
        );
        entry(PT_BOOLEAN, 0x0E1B, 1);
        entry(PT_UNICODE, prop::SUBJECT, 20);
        data.extend_from_slice(&[1, 2, 3]);
        let mut bag = PropertyBag::new();
        fixed_properties(&data, 8, &mut bag);
        assert_eq!(bag.int(prop::MESSAGE_CODEPAGE), Some(65001));
        assert_eq!(
            bag.time(prop::CLIENT_SUBMIT_TIME),
            Some(133_000_000_000_000_000)
        );
        assert_eq!(bag.get(0x0E1B), Some(&PropValue::Bool(true)));
        assert_eq!(bag.len(), 3);
        assert_eq!(message_codepage(&bag), 65001);
        fixed_properties(&data[..5], 8, &mut bag);
    }
}

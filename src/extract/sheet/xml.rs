//! Small helpers over quick-xml for the parts of workbooks calamine does not read (comments,
//! relationships).

use std::io::{BufRead, Read, Seek};

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::extract::archive::members::{Member, Members};
use crate::extract::office::xml::{read_relationships, Relationship};
use crate::extract::ExtractError;

/// A streaming XML reader over a zip member.
pub type XmlReader<'z, R> = Reader<Member<'z, R>>;

/// Opens the member `path` of `zip` as XML (through `members`); `None` when there is no such
/// member.
pub fn open<'z, R: Read + Seek>(
    zip: &'z mut zip::ZipArchive<R>,
    members: &'z mut Members,
    path: &str,
) -> Option<Result<XmlReader<'z, R>, ExtractError>> {
    let index = zip.index_for_name(path)?;
    Some(
        members
            .open(zip, index)
            .map(Reader::from_reader)
            .map_err(|e| corrupt(path, e)),
    )
}

/// The next event, as an extraction error when the XML is broken.
pub fn next<'b, R: BufRead>(
    reader: &mut Reader<R>,
    buf: &'b mut Vec<u8>,
    part: &str,
) -> Result<Event<'b>, ExtractError> {
    buf.clear();
    reader.read_event_into(buf).map_err(|e| corrupt(part, e))
}

/// `part` of the workbook could not be read.
pub fn corrupt(part: &str, e: impl std::fmt::Display) -> ExtractError {
    ExtractError::Corrupt(format!("{part}: {e}"))
}

/// The unescaped value of the attribute whose local name (without prefix) is `local` and whose
/// key has a prefix exactly when `prefixed` (`r:id` vs `id`).
pub fn attr(e: &BytesStart<'_>, local: &str, prefixed: bool) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        let has_prefix = a.key.prefix().is_some();
        (a.key.local_name().as_ref() == local && has_prefix == prefixed)
            .then(|| {
                a.normalized_value(XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// Appends the character data of `event` (text, CDATA or an entity reference) to `out`.
pub fn push_text(event: &Event<'_>, out: &mut String) {
    match event {
        Event::Text(t) => out.push_str(&t.xml10_content()),
        Event::CData(t) => out.push_str(&t.xml10_content()),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => out.push_str(resolve_xml_entity(r).unwrap_or_default()),
        },
        _ => {}
    }
}

/// The relationships of the part `source` (e.g. `xl/workbook.xml`), targets resolved to zip
/// paths; none when it has no `.rels` part.
pub fn relationships<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
    source: &str,
) -> Result<Vec<Relationship>, ExtractError> {
    let (dir, file) = source.rsplit_once('/').unwrap_or(("", source));
    let rels = format!("{dir}/_rels/{file}.rels");
    let Some(index) = zip.index_for_name(&rels) else {
        return Ok(Vec::new());
    };
    let member = members.open(zip, index).map_err(|e| corrupt(&rels, e))?;
    read_relationships(member, source).map_err(|e| corrupt(&rels, e))
}

//! Parts of the workbook package: zip members found the way Excel (and calamine) find them,
//! ignoring ASCII case and with `\` read as `/`, and opened as XML with calamine's reader
//! settings (empty elements expanded to a start and an end, text kept as it is), so that the
//! events, and hence the values and errors, are the same.

use std::borrow::Cow;
use std::io::{BufRead, Read, Seek};

use calamine::XlsxError;
use quick_xml::events::Event;
use quick_xml::Reader;
use zip::ZipArchive;

use crate::extract::archive::members::{Member, Members};

/// A streaming XML reader over one member of the package.
pub type PartReader<'z, R> = Reader<Member<'z, R>>;

/// Checks that every member name can be decoded (an undecodable name makes the whole
/// workbook unreadable, as in calamine).
pub fn check_names<R: Read + Seek>(zip: &ZipArchive<R>) -> Result<(), XlsxError> {
    for name in zip.file_names() {
        name?;
    }
    Ok(())
}

/// Opens the member `path` as XML (through `members`); `None` when there is no such member.
pub fn open<'z, R: Read + Seek>(
    zip: &'z mut ZipArchive<R>,
    members: &'z mut Members,
    path: &str,
) -> Option<Result<PartReader<'z, R>, XlsxError>> {
    Some(member(zip, members, path)?.map(xml_reader))
}

/// Opens the member `path` (through `members`); `None` when there is no such member.
pub fn member<'z, R: Read + Seek>(
    zip: &'z mut ZipArchive<R>,
    members: &'z mut Members,
    path: &str,
) -> Option<Result<Member<'z, R>, XlsxError>> {
    let index = zip.index_for_name(&member_name(zip, path))?;
    Some(members.open(zip, index).map_err(XlsxError::from))
}

/// An XML reader over `source` with calamine's settings.
pub fn xml_reader<B: BufRead>(source: B) -> Reader<B> {
    let mut reader = Reader::from_reader(source);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    reader
}

/// The name of the member that `path` means: the last one in the directory whose name equals
/// it ignoring ASCII case (and with `\` as `/`), or `path` itself.
fn member_name<'p, R: Read + Seek>(zip: &ZipArchive<R>, path: &'p str) -> Cow<'p, str> {
    let same = |name: &str| {
        name.len() == path.len()
            && name.bytes().zip(path.bytes()).all(|(n, p)| {
                let n = if n == b'\\' { b'/' } else { n };
                n.eq_ignore_ascii_case(&p)
            })
    };
    zip.file_names()
        .flatten()
        .filter(|name| same(name))
        .last()
        .map_or(Cow::Borrowed(path), |name| Cow::Owned(name.into_owned()))
}

/// The next event of `xml`, read into `buf` (cleared first).
pub fn next<'b, R: std::io::BufRead>(
    xml: &mut Reader<R>,
    buf: &'b mut Vec<u8>,
) -> Result<Event<'b>, XlsxError> {
    buf.clear();
    Ok(xml.read_event_into(buf)?)
}

//! Parts of the workbook package: zip members found the way Excel (and calamine) find them,
//! ignoring ASCII case and with `\` read as `/`, and opened as XML with calamine's reader
//! settings (empty elements expanded to a start and an end, text kept as it is), so that the
//! events, and hence the values and errors, are the same.

use std::borrow::Cow;
use std::io::{BufReader, Read, Seek};

use calamine::XlsxError;
use quick_xml::events::Event;
use quick_xml::Reader;
use zip::read::ZipFile;
use zip::result::ZipError;
use zip::ZipArchive;

/// A streaming XML reader over one member of the package.
pub type PartReader<'z, R> = Reader<BufReader<ZipFile<'z, R>>>;

/// Checks that every member name can be decoded (an undecodable name makes the whole
/// workbook unreadable, as in calamine).
pub fn check_names<R: Read + Seek>(zip: &ZipArchive<R>) -> Result<(), XlsxError> {
    for name in zip.file_names() {
        name?;
    }
    Ok(())
}

/// Opens the member `path` as XML; `None` when there is no such member.
pub fn open<'z, R: Read + Seek>(
    zip: &'z mut ZipArchive<R>,
    path: &str,
) -> Option<Result<PartReader<'z, R>, XlsxError>> {
    let name = member_name(zip, path);
    match zip.by_name(&name) {
        Ok(file) => {
            let mut reader = Reader::from_reader(BufReader::new(file));
            let config = reader.config_mut();
            config.check_end_names = false;
            config.trim_text(false);
            config.check_comments = false;
            config.expand_empty_elements = true;
            Some(Ok(reader))
        }
        Err(ZipError::FileNotFound) => None,
        Err(e) => Some(Err(e.into())),
    }
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

//! Where the sheets are: the package relationships (`_rels/.rels`) name the workbook part,
//! the workbook part (`xl/workbook.xml`) lists the sheets in order with their names, hidden
//! state and relationship ids, and its relationships (`xl/_rels/workbook.xml.rels`) give each
//! sheet's part. Read as calamine reads them, so the same packages open or fail.

use std::io::{Read, Seek};

use calamine::{Sheet, SheetType, SheetVisible, XlsxError};
use quick_xml::escape::unescape;
use quick_xml::events::Event;
use zip::ZipArchive;

use crate::extract::archive::members::Members;

use super::attrs::{is_local, pick, raw_attr, raw_attrs};
use super::escape::push_entity;
use super::parts::{self, next};

/// The workbook part: its folder (with a trailing `/`, e.g. `xl/`) and file name.
pub struct WorkbookPart {
    /// Folder of the workbook part; shared strings and styles are beside it.
    pub folder: String,
    /// File name of the workbook part (`workbook.xml`).
    pub name: String,
}

/// The sheets of the workbook part, in workbook order.
#[derive(Default)]
pub struct SheetList {
    /// Name, kind and visibility of each sheet.
    pub sheets: Vec<Sheet>,
    /// The member path of each sheet's part, parallel to `sheets`.
    pub paths: Vec<String>,
    /// Whether dates count from 1904 (`date1904`) instead of 1900.
    pub date1904: bool,
}

/// A relationship as calamine keeps it: `(id, target as written, type)`.
type Relationship = (String, String, String);

/// Finds the workbook part through the package relationships (`officeDocument`).
pub fn workbook_part<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    members: &mut Members,
) -> Result<WorkbookPart, XlsxError> {
    const RELS: &str = "_rels/.rels";
    let mut xml = parts::open(zip, members, RELS).ok_or(XlsxError::FileNotFound(RELS.into()))??;
    let mut buf = Vec::new();
    loop {
        match next(&mut xml, &mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "Relationships" => break,
            Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
            _ => {}
        }
    }
    let mut target = None;
    loop {
        match next(&mut xml, &mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                let [kind, to] = pick(&e, ["Type", "Target"])?;
                if kind.is_some_and(|k| k.ends_with("/relationships/officeDocument")) {
                    if let Some(to) = to {
                        target = Some(unescape(to).map_err(quick_xml::Error::from)?.into_owned());
                    }
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => break,
            Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
            _ => {}
        }
    }
    let target = target.ok_or(XlsxError::RelationshipNotFound)?;
    let (folder, name) = target.split_at(target.rfind('/').map_or(0, |i| i + 1));
    Ok(WorkbookPart {
        folder: folder.strip_prefix('/').unwrap_or(folder).to_string(),
        name: if name.is_empty() {
            "workbook.xml"
        } else {
            name
        }
        .to_string(),
    })
}

/// The relationships of the workbook part (required).
pub fn workbook_relationships<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    members: &mut Members,
    part: &WorkbookPart,
) -> Result<Vec<Relationship>, XlsxError> {
    let path = format!("{}_rels/{}.rels", part.folder, part.name);
    let Some(xml) = parts::open(zip, members, &path) else {
        return Err(XlsxError::FileNotFound(path));
    };
    let mut xml = xml?;
    let mut relationships = Vec::new();
    let mut buf = Vec::new();
    loop {
        match next(&mut xml, &mut buf)? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                if let [Some(id), kind, target] = pick(&e, ["Id", "Type", "Target"])? {
                    let owned = |s: Option<&str>| s.unwrap_or_default().to_string();
                    relationships.push((id.to_string(), owned(target), owned(kind)));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => {
                return Ok(relationships)
            }
            Event::Eof => return Err(XlsxError::XmlEof("Relationships")),
            _ => {}
        }
    }
}

/// Reads the sheet list of the workbook part; an empty list when there is no such part.
pub fn read_sheets<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    members: &mut Members,
    part: &WorkbookPart,
    relationships: &[Relationship],
) -> Result<SheetList, XlsxError> {
    let path = format!("{}{}", part.folder, part.name);
    let mut list = SheetList::default();
    let Some(xml) = parts::open(zip, members, &path) else {
        return Ok(list);
    };
    let mut xml = xml?;
    let (mut buf, mut inner) = (Vec::new(), Vec::new());
    loop {
        match next(&mut xml, &mut buf)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "sheet" => {
                    let (sheet, path) = sheet(&e, part, relationships)?;
                    list.sheets.push(sheet);
                    list.paths.push(path);
                }
                "workbookPr" => {
                    if let Some(v) = raw_attr(&e, "date1904")? {
                        list.date1904 = v == "1" || v == "true";
                    }
                }
                "definedName" => {
                    if let Some(name) = raw_attr(&e, "name")? {
                        unescape(name).map_err(quick_xml::Error::from)?;
                        // The name's formula is not scanned, but a broken one is an error.
                        let mut formula = String::new();
                        loop {
                            match next(&mut xml, &mut inner)? {
                                Event::GeneralRef(r) => push_entity(&r, &mut formula)?,
                                Event::End(end) if end.name() == e.name() => break,
                                Event::Eof => return Err(XlsxError::XmlEof("workbook")),
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "workbook" => return Ok(list),
            Event::Eof => return Err(XlsxError::XmlEof("workbook")),
            _ => {}
        }
    }
}

/// A `<sheet>` element: the sheet and the member path of its part.
fn sheet(
    e: &quick_xml::events::BytesStart<'_>,
    part: &WorkbookPart,
    relationships: &[Relationship],
) -> Result<(Sheet, String), XlsxError> {
    let mut name = String::new();
    let mut id = "";
    let mut visible = SheetVisible::Visible;
    for attr in raw_attrs(e) {
        let (key, value) = attr?;
        match key {
            "name" => {
                name = unescape(value)
                    .map_err(quick_xml::Error::from)?
                    .into_owned()
            }
            "state" => {
                visible = match value {
                    "visible" => SheetVisible::Visible,
                    "hidden" => SheetVisible::Hidden,
                    "veryHidden" => SheetVisible::VeryHidden,
                    other => {
                        return Err(XlsxError::Unrecognized {
                            typ: "sheet:state",
                            val: other.to_string(),
                        })
                    }
                }
            }
            key if is_local(key, "id") => id = value,
            _ => {}
        }
    }
    // The last relationship with the id wins, as in calamine's map.
    let (_, target, kind) = relationships
        .iter()
        .rev()
        .find(|(rid, ..)| rid == id)
        .ok_or(XlsxError::RelationshipNotFound)?;
    let path = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("{}{target}", part.folder),
    };
    let typ = match kind.rsplit('/').next() {
        Some("worksheet") => SheetType::WorkSheet,
        Some("chartsheet") => SheetType::ChartSheet,
        Some("dialogsheet") => SheetType::DialogSheet,
        _ => {
            return Err(XlsxError::Unrecognized {
                typ: "sheet:type",
                val: path,
            })
        }
    };
    Ok((Sheet { name, typ, visible }, path))
}

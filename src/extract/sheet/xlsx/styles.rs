//! The part of `xl/styles.xml` that changes what a cell shows: the number format of each
//! cell style (`cellXfs`), custom formats (`numFmts`) included, as a [`NumberKind`] per
//! style index. Fonts, fills, borders and the theme, which calamine also reads, only change
//! how a cell looks; they are skipped here, but a part cut off inside them is still an
//! error, with calamine's message.

use std::collections::HashMap;
use std::io::{BufRead, Read, Seek};

use calamine::XlsxError;
use quick_xml::events::Event;
use quick_xml::Reader;
use zip::ZipArchive;

use crate::extract::archive::members::Members;

use super::attrs::{pick, raw_attr};
use super::number_format::{self, NumberKind};
use super::parts::{self, next};

/// Reads the number kind of every cell style of the styles part `path`, in style index order;
/// none when the workbook has no such part.
pub fn read_cell_styles<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    members: &mut Members,
    path: &str,
) -> Result<Vec<NumberKind>, XlsxError> {
    let Some(xml) = parts::open(zip, members, path) else {
        return Ok(Vec::new());
    };
    let mut xml = xml?;
    // Custom format codes by `numFmtId` as written (ids are matched as text, as in calamine).
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut styles = Vec::new();
    let (mut buf, mut inner) = (Vec::new(), Vec::new());
    loop {
        match next(&mut xml, &mut buf)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "numFmts" => read_num_fmts(&mut xml, &mut inner, &mut custom)?,
                "cellXfs" => read_cell_xfs(&mut xml, &mut inner, &custom, &mut styles)?,
                "fonts" => skip_list(&mut xml, &mut inner, "fonts", "font")?,
                "fills" => skip_list(&mut xml, &mut inner, "fills", "fill")?,
                "borders" => skip_borders(&mut xml, &mut inner)?,
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "styleSheet" => return Ok(styles),
            Event::Eof => return Err(XlsxError::XmlEof("styleSheet")),
            _ => {}
        }
    }
}

/// `<numFmts>`: custom format codes by id.
fn read_num_fmts<R: BufRead>(
    xml: &mut Reader<R>,
    buf: &mut Vec<u8>,
    custom: &mut HashMap<String, String>,
) -> Result<(), XlsxError> {
    loop {
        match next(xml, buf)? {
            Event::Start(e) if e.local_name().as_ref() == "numFmt" => {
                if let [Some(id), Some(code)] = pick(&e, ["numFmtId", "formatCode"])? {
                    let code = quick_xml::escape::unescape(code).map_err(quick_xml::Error::from)?;
                    custom.insert(id.to_string(), code.into_owned());
                }
            }
            Event::End(e) if e.local_name().as_ref() == "numFmts" => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof("numFmts")),
            _ => {}
        }
    }
}

/// `<cellXfs>`: one number kind per `<xf>`, from its `numFmtId`.
fn read_cell_xfs<R: BufRead>(
    xml: &mut Reader<R>,
    buf: &mut Vec<u8>,
    custom: &HashMap<String, String>,
    styles: &mut Vec<NumberKind>,
) -> Result<(), XlsxError> {
    let mut inside = Vec::new();
    loop {
        match next(xml, buf)? {
            Event::Start(e) if e.local_name().as_ref() == "xf" => {
                let kind = raw_attr(&e, "numFmtId")?.map_or(NumberKind::Number, |id| {
                    custom
                        .get(id)
                        .map_or_else(|| number_format::builtin(id), |c| number_format::custom(c))
                });
                // calamine reads these for the cell's style; a malformed one is an error.
                pick(&e, ["numFmtId", "fontId", "fillId", "borderId"])?;
                skip_xf(xml, &mut inside)?;
                styles.push(kind);
            }
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof("cellXfs")),
            _ => {}
        }
    }
}

/// The rest of an `<xf>`, checking the attributes calamine reads of its `<alignment>` and
/// `<protection>`.
fn skip_xf<R: BufRead>(xml: &mut Reader<R>, buf: &mut Vec<u8>) -> Result<(), XlsxError> {
    const ALIGNMENT: [&str; 6] = [
        "horizontal",
        "vertical",
        "wrapText",
        "textRotation",
        "indent",
        "shrinkToFit",
    ];
    loop {
        match next(xml, buf)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "alignment" => {
                    pick(&e, ALIGNMENT)?;
                }
                "protection" => {
                    pick(&e, ["locked", "hidden"])?;
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "xf" => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof("xf")),
            _ => {}
        }
    }
}

/// Skips a list (`<fonts>`, `<fills>`) of `item` elements up to its end tag.
fn skip_list<R: BufRead>(
    xml: &mut Reader<R>,
    buf: &mut Vec<u8>,
    list: &'static str,
    item: &'static str,
) -> Result<(), XlsxError> {
    loop {
        match next(xml, buf)? {
            Event::Start(e) if e.local_name().as_ref() == item => {
                skip_to_end(xml, buf, item, item)?;
            }
            Event::End(e) if e.local_name().as_ref() == list => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof(list)),
            _ => {}
        }
    }
}

/// Skips `<borders>`: each `<border>` and the sides in it.
fn skip_borders<R: BufRead>(xml: &mut Reader<R>, buf: &mut Vec<u8>) -> Result<(), XlsxError> {
    loop {
        match next(xml, buf)? {
            Event::Start(e) if e.local_name().as_ref() == "border" => loop {
                match next(xml, buf)? {
                    Event::Start(e) => {
                        let side = match e.local_name().as_ref() {
                            "left" => "left",
                            "right" => "right",
                            "top" => "top",
                            "bottom" => "bottom",
                            "diagonal" => "diagonal",
                            _ => continue,
                        };
                        skip_to_end(xml, buf, side, "border side")?;
                    }
                    Event::End(e) if e.local_name().as_ref() == "border" => break,
                    Event::Eof => return Err(XlsxError::XmlEof("border")),
                    _ => {}
                }
            },
            Event::End(e) if e.local_name().as_ref() == "borders" => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof("borders")),
            _ => {}
        }
    }
}

/// Skips to the next end tag whose local name is `local`; `missing` names it in the error
/// when the part ends first.
fn skip_to_end<R: BufRead>(
    xml: &mut Reader<R>,
    buf: &mut Vec<u8>,
    local: &str,
    missing: &'static str,
) -> Result<(), XlsxError> {
    loop {
        match next(xml, buf)? {
            Event::End(e) if e.local_name().as_ref() == local => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof(missing)),
            _ => {}
        }
    }
}

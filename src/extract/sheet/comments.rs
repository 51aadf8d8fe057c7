//! Cell comments, which calamine 0.38 does not read: xlsx `comments*.xml` parts (found through
//! the sheets' relationships) and ods `office:annotation` elements in `content.xml`. (xlsb
//! keeps its comments in binary parts: see the `xlsb` module.)
//!
//! Excel also writes modern threaded comments to `threadedComments/*.xml`, but always with a
//! legacy comment beside it whose text holds the whole thread, so only legacy parts are read
//! (reading both would report every value twice).

use std::io::{BufRead, Read, Seek};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::xml::{self, attr, next, push_text, relationships};
use crate::extract::archive::members::Members;
use crate::extract::ExtractError;

/// Relationship type suffix of a sheet's legacy comments part.
const COMMENTS_REL: &str = "/comments";

/// Names of the people who wrote comments (personal data themselves), in order.
pub type Authors = std::collections::BTreeSet<String>;

/// Adds a finished author name to `authors` (ignoring empty ones).
pub fn add_author(authors: &mut Authors, name: Option<String>) {
    if let Some(name) = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        authors.insert(name);
    }
}

/// For every sheet with comments: its name and the path of its comments part in the zip.
/// `sheets` are the workbook's sheets, each with the path of its part.
pub fn xlsx_comment_parts<'s, R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
    sheets: impl IntoIterator<Item = (&'s str, &'s str)>,
) -> Result<Vec<(String, String)>, ExtractError> {
    let mut parts = Vec::new();
    for (name, path) in sheets {
        let comments = comment_parts_of(zip, members, path)?;
        parts.extend(comments.into_iter().map(|part| (name.to_string(), part)));
    }
    Ok(parts)
}

/// The comments parts of the worksheet part `sheet_path` (xlsx or xlsb), from its relationships.
pub fn comment_parts_of<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
    sheet_path: &str,
) -> Result<Vec<String>, ExtractError> {
    let rels = relationships(zip, members, sheet_path)?;
    Ok(rels
        .into_iter()
        .filter(|r| r.kind.ends_with(COMMENTS_REL))
        .map(|r| r.target)
        .collect())
}

/// Calls `emit(cell, text)` for every comment in the xlsx comments part `path`, and adds the
/// comments' authors to `authors`.
pub fn xlsx_comments<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
    path: &str,
    authors: &mut Authors,
    mut emit: impl FnMut(&str, &str),
) -> Result<(), ExtractError> {
    let Some(reader) = xml::open(zip, members, path) else {
        return Ok(());
    };
    let mut reader = reader?;
    let mut buf = Vec::new();
    // (cell reference, text so far) of the comment being read.
    let mut comment: Option<(String, String)> = None;
    let mut author: Option<String> = None;
    let (mut in_t, mut phonetic) = (false, 0u32);
    loop {
        let event = next(&mut reader, &mut buf, path)?;
        match &event {
            Event::Start(e) => match e.local_name().as_ref() {
                "comment" => {
                    comment = Some((attr(e, "ref", false).unwrap_or_default(), String::new()))
                }
                "t" => in_t = true,
                "rPh" => phonetic += 1,
                "author" => author = Some(String::new()),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "comment" => {
                    if let Some((cell, text)) = comment.take() {
                        emit(&cell, &text);
                    }
                }
                "t" => in_t = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                "author" => add_author(authors, author.take()),
                _ => {}
            },
            Event::Eof => return Ok(()),
            other => {
                if let (Some((_, text)), true, 0) = (comment.as_mut(), in_t, phonetic) {
                    push_text(other, text);
                } else if let Some(name) = author.as_mut() {
                    push_text(other, name);
                }
            }
        }
    }
}

/// Where the ods reader is in `content.xml`.
#[derive(Default)]
struct OdsPosition {
    sheet: String,
    row: u32,
    /// How many rows the current `table:table-row` stands for.
    row_repeat: u32,
    column: u32,
    /// How many columns the current cell stands for.
    column_repeat: u32,
    in_cell: bool,
}

/// Calls `emit(sheet, row, column, text)` (zero-based) for every cell annotation (comment) in
/// an ods `content.xml`, and adds the annotations' authors to `authors`.
pub fn ods_annotations<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
    authors: &mut Authors,
    mut emit: impl FnMut(&str, u32, u32, &str),
) -> Result<(), ExtractError> {
    const PART: &str = "content.xml";
    let Some(reader) = xml::open(zip, members, PART) else {
        return Ok(());
    };
    let mut reader = reader?;
    let mut buf = Vec::new();
    let mut at = OdsPosition::default();
    loop {
        match next(&mut reader, &mut buf, PART)? {
            Event::Start(e) if e.name().as_ref() == "office:annotation" && at.in_cell => {
                let text = ods_annotation_text(&mut reader, PART, authors)?;
                emit(&at.sheet, at.row, at.column, &text);
            }
            Event::Start(e) => ods_start(&mut at, &e, false),
            Event::Empty(e) => ods_start(&mut at, &e, true),
            Event::End(e) => ods_end(&mut at, e.name().as_ref()),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn repeat(e: &BytesStart<'_>, name: &str) -> u32 {
    attr(e, name, true)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1)
}

fn ods_start(at: &mut OdsPosition, e: &BytesStart<'_>, empty: bool) {
    match e.name().as_ref() {
        "table:table" => {
            at.sheet = attr(e, "name", true).unwrap_or_default();
            at.row = 0;
        }
        "table:table-row" => {
            at.row_repeat = repeat(e, "number-rows-repeated");
            at.column = 0;
            if empty {
                ods_end(at, "table:table-row");
            }
        }
        "table:table-cell" | "table:covered-table-cell" => {
            at.column_repeat = repeat(e, "number-columns-repeated");
            at.in_cell = true;
            if empty {
                ods_end(at, "table:table-cell");
            }
        }
        _ => {}
    }
}

fn ods_end(at: &mut OdsPosition, name: &str) {
    match name {
        "table:table-row" => at.row = at.row.saturating_add(at.row_repeat),
        "table:table-cell" | "table:covered-table-cell" => {
            at.column = at.column.saturating_add(at.column_repeat);
            at.in_cell = false;
        }
        _ => {}
    }
}

/// The text of an `office:annotation` (its paragraphs, not its date), read up to its end tag;
/// its author (`dc:creator`) goes to `authors`.
fn ods_annotation_text<R: BufRead>(
    reader: &mut Reader<R>,
    part: &str,
    authors: &mut Authors,
) -> Result<String, ExtractError> {
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut author: Option<String> = None;
    let (mut paragraphs, mut depth) = (0u32, 0u32);
    loop {
        let event = next(reader, &mut buf, part)?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    "text:p" | "text:h" => {
                        if paragraphs > 0 {
                            text.push('\n');
                        }
                        paragraphs += 1;
                        depth += u32::from(!empty);
                    }
                    "text:s" if depth > 0 => {
                        let n = repeat(e, "c") as usize;
                        text.extend(std::iter::repeat_n(' ', n.min(1024)));
                    }
                    "text:tab" if depth > 0 => text.push('\t'),
                    "text:line-break" if depth > 0 => text.push('\n'),
                    "dc:creator" if !empty => author = Some(String::new()),
                    _ => {}
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "office:annotation" => return Ok(text),
                "text:p" | "text:h" => depth = depth.saturating_sub(1),
                "dc:creator" => add_author(authors, author.take()),
                _ => {}
            },
            Event::Eof => return Err(xml::corrupt(part, "annotation not closed")),
            other if depth > 0 => push_text(other, &mut text),
            other => {
                if let Some(name) = author.as_mut() {
                    push_text(other, name);
                }
            }
        }
    }
}

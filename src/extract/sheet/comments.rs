//! Cell comments, which calamine 0.38 does not read: xlsx `comments*.xml` parts (found through
//! the sheets' relationships) and ods `office:annotation` elements in `content.xml`.
//!
//! Excel also writes modern threaded comments to `threadedComments/*.xml`, but always with a
//! legacy comment beside it whose text holds the whole thread, so only legacy parts are read
//! (reading both would report every value twice).

use std::io::{BufRead, Read, Seek};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::xml::{self, attr, next, push_text};
use crate::extract::ExtractError;

/// Relationship type suffix of a sheet's legacy comments part.
const COMMENTS_REL: &str = "/comments";

/// For every sheet with comments: its name and the path of its comments part in the zip.
pub fn xlsx_comment_parts<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Result<Vec<(String, String)>, ExtractError> {
    let sheets = workbook_sheets(zip)?;
    let targets = relationships(zip, "xl/_rels/workbook.xml.rels", "xl")?;
    let mut parts = Vec::new();
    for (name, rid) in sheets {
        let Some((_, sheet_path)) = targets.iter().find(|(id, _)| *id == rid) else {
            continue;
        };
        let (dir, file) = sheet_path.rsplit_once('/').unwrap_or(("", sheet_path));
        let rels = format!("{dir}/_rels/{file}.rels");
        let comments = relationships_of_type(zip, &rels, dir, COMMENTS_REL)?;
        parts.extend(comments.into_iter().map(|path| (name.clone(), path)));
    }
    Ok(parts)
}

/// Calls `emit(cell, text)` for every comment in the xlsx comments part `path`.
pub fn xlsx_comments<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
    mut emit: impl FnMut(&str, &str),
) -> Result<(), ExtractError> {
    let Some(reader) = xml::open(zip, path) else {
        return Ok(());
    };
    let mut reader = reader?;
    let mut buf = Vec::new();
    // (cell reference, text so far) of the comment being read.
    let mut comment: Option<(String, String)> = None;
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
                _ => {}
            },
            Event::Eof => return Ok(()),
            other => {
                if let (Some((_, text)), true, 0) = (comment.as_mut(), in_t, phonetic) {
                    push_text(other, text);
                }
            }
        }
    }
}

/// `(name, relationship id)` of every sheet in `xl/workbook.xml`, in workbook order.
fn workbook_sheets<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Result<Vec<(String, String)>, ExtractError> {
    let mut sheets = Vec::new();
    each_element(zip, "xl/workbook.xml", "sheet", |e| {
        if let (Some(name), Some(id)) = (attr(e, "name", false), attr(e, "id", true)) {
            sheets.push((name, id));
        }
    })?;
    Ok(sheets)
}

/// `(id, target path)` of every relationship in the `.rels` part `rels`, targets resolved
/// against the folder `base`.
pub fn relationships<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    rels: &str,
    base: &str,
) -> Result<Vec<(String, String)>, ExtractError> {
    let mut out = Vec::new();
    each_element(zip, rels, "Relationship", |e| {
        if let (Some(id), Some(target)) = (attr(e, "Id", false), attr(e, "Target", false)) {
            out.push((id, resolve(base, &target)));
        }
    })?;
    Ok(out)
}

/// Target paths of the relationships in `rels` whose type ends with `suffix`.
fn relationships_of_type<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    rels: &str,
    base: &str,
    suffix: &str,
) -> Result<Vec<String>, ExtractError> {
    let mut out = Vec::new();
    each_element(zip, rels, "Relationship", |e| {
        let wanted = attr(e, "Type", false).is_some_and(|t| t.ends_with(suffix));
        if let (true, Some(target)) = (wanted, attr(e, "Target", false)) {
            out.push(resolve(base, &target));
        }
    })?;
    Ok(out)
}

/// Calls `f` for every element named `local` in the zip member `path` (none if it is absent).
fn each_element<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
    local: &str,
    mut f: impl FnMut(&BytesStart<'_>),
) -> Result<(), ExtractError> {
    let Some(reader) = xml::open(zip, path) else {
        return Ok(());
    };
    let mut reader = reader?;
    let mut buf = Vec::new();
    loop {
        match next(&mut reader, &mut buf, path)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == local => f(&e),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// A relationship target as a zip path: absolute (`/xl/comments1.xml`) or relative to `base`
/// (`../comments1.xml` from `xl/worksheets`).
fn resolve(base: &str, target: &str) -> String {
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => base.split('/').filter(|p| !p.is_empty()).collect(),
    };
    for piece in target.split('/') {
        match piece {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
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
/// an ods `content.xml`.
pub fn ods_annotations<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    mut emit: impl FnMut(&str, u32, u32, &str),
) -> Result<(), ExtractError> {
    const PART: &str = "content.xml";
    let Some(reader) = xml::open(zip, PART) else {
        return Ok(());
    };
    let mut reader = reader?;
    let mut buf = Vec::new();
    let mut at = OdsPosition::default();
    loop {
        match next(&mut reader, &mut buf, PART)? {
            Event::Start(e) if e.name().as_ref() == "office:annotation" && at.in_cell => {
                let text = ods_annotation_text(&mut reader, PART)?;
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

/// The text of an `office:annotation` (its paragraphs, not its author or date), read up to
/// its end tag.
fn ods_annotation_text<R: BufRead>(
    reader: &mut Reader<R>,
    part: &str,
) -> Result<String, ExtractError> {
    let mut buf = Vec::new();
    let mut text = String::new();
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
                    _ => {}
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "office:annotation" => return Ok(text),
                "text:p" | "text:h" => depth = depth.saturating_sub(1),
                _ => {}
            },
            Event::Eof => return Err(xml::corrupt(part, "annotation not closed")),
            other if depth > 0 => push_text(other, &mut text),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_targets() {
        assert_eq!(
            resolve("xl", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/worksheets", "../comments1.xml"),
            "xl/comments1.xml"
        );
        assert_eq!(
            resolve("xl/worksheets", "/xl/comments/comment1.xml"),
            "xl/comments/comment1.xml"
        );
    }
}

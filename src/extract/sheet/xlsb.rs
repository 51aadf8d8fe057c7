//! What calamine 0.38 misses in xlsb: cells written in the "short" record form, and comments.
//!
//! MS-XLSB has two forms of each cell record: the full one (`BrtCellReal` …, types 1–11, with
//! the column) and a short one (`BrtShortReal` …, types 12–18, §2.5.10: the column is the
//! previous cell's plus one). Excel writes the full form; SheetJS and others write the short
//! form for every cell after the first of a row, and calamine skips those records without a
//! word. This module reads just the short records of a worksheet part (calamine reads the
//! rest), with the row and column they stand for.
//!
//! Comments live in a binary part per sheet (`BrtBeginComment` with the cell range, then
//! `BrtCommentText`), found through the sheet's relationships.

use std::io::{self, BufReader, Read, Seek};

use calamine::{CellErrorType, Data};

use super::comments::{add_author, comment_parts_of, Authors};
use super::xml::relationships;
use crate::extract::archive::members::Members;

/// `BrtRowHdr`: a new row.
const ROW: u32 = 0x00;
/// Full cell records (`BrtCellBlank` … `BrtFmlaError`): they carry the column.
const FULL_CELLS: std::ops::RangeInclusive<u32> = 0x01..=0x0B;
/// Short cell records (`BrtShortBlank` … `BrtShortIsst`).
const SHORT_CELLS: std::ops::RangeInclusive<u32> = 0x0C..=0x12;
/// `BrtShortIsst`: a short cell holding a shared-string index.
const SHORT_ISST: u32 = 0x12;
/// `BrtSSTItem`: one shared string.
const SST_ITEM: u32 = 0x13;
/// `BrtBundleSh`: a sheet of the workbook.
const BUNDLE_SH: u32 = 0x9C;
/// `BrtCommentAuthor`: the name of one comment author.
const COMMENT_AUTHOR: u32 = 0x278;
/// `BrtBeginComment`: a comment's author and cell range.
const BEGIN_COMMENT: u32 = 0x27B;
/// `BrtCommentText`: a comment's text.
const COMMENT_TEXT: u32 = 0x27D;
/// Records larger than this are not read into memory (no cell record comes near it).
const MAX_RECORD: u32 = 16 * 1024 * 1024;

/// The worksheet parts of an xlsb workbook, which of them hold short cell records and, when
/// one holds shared-string indices, the shared strings.
#[derive(Debug, Default)]
pub struct XlsbSheets {
    /// `(sheet name, worksheet part)` of every sheet.
    parts: Vec<(String, String)>,
    /// The parts with short cell records (none in files Excel wrote).
    short: Vec<String>,
    strings: Vec<String>,
}

/// Reads the workbook's sheet list and finds the short cell records.
pub fn scan<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
) -> io::Result<XlsbSheets> {
    let mut found = XlsbSheets {
        parts: sheet_parts(zip, members)?,
        ..XlsbSheets::default()
    };
    let mut shared = false;
    for (_, part) in &found.parts {
        let mut short = 0;
        each_short_cell(zip, part, |_, _, typ, _| {
            short += 1;
            shared |= typ == SHORT_ISST;
        })?;
        if short > 0 {
            found.short.push(part.clone());
        }
    }
    if shared {
        found.strings = shared_strings(zip)?;
    }
    Ok(found)
}

impl XlsbSheets {
    /// The worksheet part of the sheet `name`.
    pub fn part(&self, name: &str) -> Option<&str> {
        self.parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.as_str())
    }

    /// Calls `emit(row, column, value)` (zero-based) for every short cell of the worksheet
    /// part `part` that holds a value.
    pub fn read_short<R: Read + Seek>(
        &self,
        zip: &mut zip::ZipArchive<R>,
        part: &str,
        mut emit: impl FnMut(u32, u32, &Data),
    ) -> io::Result<()> {
        if !self.short.iter().any(|p| p == part) {
            return Ok(());
        }
        each_short_cell(zip, part, |row, column, typ, body| {
            if let Some(value) = self.value(typ, body) {
                emit(row, column, &value);
            }
        })
    }

    /// The value of a short cell record of type `typ` (the bytes after its style field).
    fn value(&self, typ: u32, body: &[u8]) -> Option<Data> {
        Some(match typ {
            0x0D => Data::Float(rk(u32_at(body, 0)?)),
            0x0E => Data::Error(CellErrorType::Value),
            0x0F => Data::Bool(*body.first()? != 0),
            0x10 => Data::Float(f64::from_le_bytes(body.get(..8)?.try_into().ok()?)),
            0x11 => Data::String(wide_string(body)?),
            SHORT_ISST => Data::String(self.strings.get(u32_at(body, 0)? as usize)?.clone()),
            _ => return None,
        })
    }
}

/// Calls `emit(row, column, text)` (zero-based, the first cell of its range) for every comment
/// on the sheet whose worksheet part is `part`, and adds the comments' authors to `authors`.
pub fn comments<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
    part: &str,
    authors: &mut Authors,
    mut emit: impl FnMut(u32, u32, &str),
) -> io::Result<()> {
    let comment_parts = comment_parts_of(zip, members, part)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    for comments in comment_parts {
        let Ok(member) = zip.by_name(&comments) else {
            continue;
        };
        let mut records = Records::new(BufReader::new(member));
        let mut at = None;
        while let Some(typ) = records.next()? {
            let buf = &records.buf;
            match typ {
                COMMENT_AUTHOR => add_author(authors, wide_string(buf)),
                // iauthor, then rfx: rwFirst, rwLast, colFirst, colLast.
                BEGIN_COMMENT => at = u32_at(buf, 4).zip(u32_at(buf, 12)),
                COMMENT_TEXT => {
                    // A RichStr: one flags byte, then the text.
                    let text = buf.get(1..).and_then(wide_string);
                    if let (Some((row, column)), Some(text)) = (at, text) {
                        emit(row, column, &text);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Calls `f(row, column, type, body)` for every short cell record in the worksheet part.
fn each_short_cell<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    part: &str,
    mut f: impl FnMut(u32, u32, u32, &[u8]),
) -> io::Result<()> {
    let member = zip.by_name(part).map_err(io::Error::other)?;
    let mut records = Records::new(BufReader::new(member));
    let (mut row, mut next_column) = (0u32, 0u32);
    while let Some(typ) = records.next()? {
        let buf = &records.buf;
        match typ {
            ROW => {
                row = u32_at(buf, 0).unwrap_or(row);
                next_column = 0;
            }
            t if FULL_CELLS.contains(&t) => {
                next_column = u32_at(buf, 0).map_or(next_column, |c| c.saturating_add(1));
            }
            t if SHORT_CELLS.contains(&t) => {
                f(row, next_column, t, buf.get(4..).unwrap_or_default());
                next_column = next_column.saturating_add(1);
            }
            _ => {}
        }
    }
    Ok(())
}

/// `(sheet name, worksheet part)` of every sheet in `xl/workbook.bin`.
fn sheet_parts<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    members: &mut Members,
) -> io::Result<Vec<(String, String)>> {
    let targets = relationships(zip, members, "xl/workbook.bin")
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let member = zip.by_name("xl/workbook.bin").map_err(io::Error::other)?;
    let mut records = Records::new(BufReader::new(member));
    let mut sheets = Vec::new();
    while let Some(typ) = records.next()? {
        if typ != BUNDLE_SH {
            continue;
        }
        // hsState, iTabID, strRelID (nullable wide string), strName (wide string).
        let Some((rel_id, used)) = records.buf.get(8..).and_then(nullable_wide_string) else {
            continue;
        };
        let name = records.buf.get(8 + used..).and_then(wide_string);
        let target = targets.iter().find(|r| Some(&r.id) == rel_id.as_ref());
        if let (Some(name), Some(rel)) = (name, target) {
            sheets.push((name, rel.target.clone()));
        }
    }
    Ok(sheets)
}

/// Every string of `xl/sharedStrings.bin`, in order (none when there is no such part).
fn shared_strings<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> io::Result<Vec<String>> {
    let Ok(member) = zip.by_name("xl/sharedStrings.bin") else {
        return Ok(Vec::new());
    };
    let mut records = Records::new(BufReader::new(member));
    let mut strings = Vec::new();
    while let Some(typ) = records.next()? {
        if typ == SST_ITEM {
            // A RichStr: one flags byte, then the text.
            let text = records.buf.get(1..).and_then(wide_string);
            strings.push(text.unwrap_or_default());
        }
    }
    Ok(strings)
}

/// A BIFF12 record stream: type and body of one record at a time.
struct Records<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: Read> Records<R> {
    fn new(reader: R) -> Self {
        Records {
            reader,
            buf: Vec::new(),
        }
    }

    /// The next record's type, its body in `self.buf`; `None` at the end.
    fn next(&mut self) -> io::Result<Option<u32>> {
        let Some(typ) = varint(&mut self.reader, 2)? else {
            return Ok(None);
        };
        let size = varint(&mut self.reader, 4)?.ok_or(io::ErrorKind::UnexpectedEof)?;
        if size > MAX_RECORD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "record too large",
            ));
        }
        self.buf.clear();
        (&mut self.reader)
            .take(u64::from(size))
            .read_to_end(&mut self.buf)?;
        if self.buf.len() < size as usize {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(Some(typ))
    }
}

/// A BIFF12 variable-length number of at most `max_bytes` bytes (7 bits each); `None` at the
/// end of the stream.
fn varint(r: &mut impl Read, max_bytes: u32) -> io::Result<Option<u32>> {
    let mut value = 0u32;
    for i in 0..max_bytes {
        let mut byte = [0u8];
        if r.read(&mut byte)? == 0 {
            return match i {
                0 => Ok(None),
                _ => Err(io::ErrorKind::UnexpectedEof.into()),
            };
        }
        value |= u32::from(byte[0] & 0x7F) << (7 * i);
        if byte[0] & 0x80 == 0 {
            break;
        }
    }
    Ok(Some(value))
}

fn u32_at(buf: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(buf.get(at..at + 4)?.try_into().ok()?))
}

/// An `XLWideString` (u32 character count, UTF-16LE) at the start of `buf`.
fn wide_string(buf: &[u8]) -> Option<String> {
    nullable_wide_string(buf).and_then(|(s, _)| s)
}

/// An `XLNullableWideString` at the start of `buf` (`None` inside for the null string) and
/// the bytes it takes.
fn nullable_wide_string(buf: &[u8]) -> Option<(Option<String>, usize)> {
    let len = u32_at(buf, 0)?;
    if len == u32::MAX {
        return Some((None, 4));
    }
    let end = 4usize.checked_add((len as usize).checked_mul(2)?)?;
    let units: Vec<u16> = buf
        .get(4..end)?
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    Some((Some(String::from_utf16_lossy(&units)), end))
}

/// An `RkNumber` (MS-XLSB 2.5.122): a 30-bit integer or the high bits of a double, maybe
/// divided by 100.
fn rk(v: u32) -> f64 {
    let n = if v & 2 != 0 {
        f64::from((v as i32) >> 2)
    } else {
        f64::from_bits(u64::from(v & 0xFFFF_FFFC) << 32)
    };
    if v & 1 != 0 {
        n / 100.0
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short_cells_of(data: &[u8]) -> Vec<(u32, u32, u32, Vec<u8>)> {
        let mut records = Records::new(data);
        let mut out = Vec::new();
        let (mut row, mut next_column) = (0, 0);
        // The same walk as `each_short_cell`, over bytes instead of a zip member.
        while let Some(typ) = records.next().unwrap() {
            match typ {
                ROW => (row, next_column) = (u32_at(&records.buf, 0).unwrap(), 0),
                t if FULL_CELLS.contains(&t) => next_column = u32_at(&records.buf, 0).unwrap() + 1,
                t if SHORT_CELLS.contains(&t) => {
                    out.push((row, next_column, t, records.buf[4..].to_vec()));
                    next_column += 1;
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn short_records_take_the_next_column() {
        // Row 3; BrtCellReal at column 2; BrtShortReal; BrtShortSt "ab"; a two-byte type.
        let mut data = vec![0, 4, 3, 0, 0, 0];
        data.extend([5, 16, 2, 0, 0, 0, 0, 0, 0, 0]);
        data.extend(1.5f64.to_le_bytes());
        data.extend([16, 12, 0, 0, 0, 0]);
        data.extend(15108695088f64.to_le_bytes());
        data.extend([17, 12, 0, 0, 0, 0, 2, 0, 0, 0, b'a', 0, b'b', 0]);
        data.extend([0xDC, 0x03, 0]);
        let cells = short_cells_of(&data);
        assert_eq!(cells.len(), 2);
        assert_eq!((cells[0].0, cells[0].1, cells[0].2), (3, 3, 16));
        assert_eq!((cells[1].0, cells[1].1), (3, 4));
        let short = XlsbSheets::default();
        assert_eq!(
            short.value(16, &cells[0].3),
            Some(Data::Float(15108695088.0))
        );
        assert_eq!(
            short.value(17, &cells[1].3),
            Some(Data::String("ab".into()))
        );
        assert_eq!(short.value(SHORT_ISST, &[7, 0, 0, 0]), None);
    }

    #[test]
    fn rk_numbers() {
        assert_eq!(rk((12345 << 2) | 2), 12345.0);
        assert_eq!(rk((12345 << 2) | 3), 123.45);
        assert_eq!(rk((1.5f64.to_bits() >> 32) as u32), 1.5);
    }

    #[test]
    fn truncated_records_are_errors_not_panics() {
        assert!(Records::new(&[16u8, 5, 1][..]).next().is_err());
        assert!(Records::new(&[16u8, 0x80][..]).next().is_err());
        assert!(nullable_wide_string(&[9, 0, 0, 0, b'a']).is_none());
    }
}

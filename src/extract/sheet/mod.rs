//! Spreadsheets: xlsx, xlsm, xlsb, xls and ods, read with calamine (xlsx and xlsm with our own
//! reader, module `xlsx`, which reads only what the cells' text needs).
//!
//! Every sheet is read, hidden and very hidden ones too. Each non-empty cell is one segment
//! located by sheet name and A1 reference (`Step::Cell`), so numbers in neighbouring cells can
//! never run together into one identifier. Cell values are written as a person sees them
//! ([`render`]), and identifiers that Excel mangled in number cells are repaired
//! ([`render::restore_number`]). Sheet names are scanned (`Step::Part` `sheet N name`, N the
//! 1-based position in the workbook), and so are cell comments of xlsx/xlsm, xlsb and ods
//! (located at their cell, then `Step::Part` `comment`) and, for those formats, the document
//! properties and comment authors (`Step::Part` `properties`, one line each).
//!
//! xlsx and xlsb sheets are streamed cell by cell; xls and ods sheets are loaded whole by
//! calamine (it has no streaming reader for them). xlsb cells in the short record form, which
//! calamine skips, are read here (module `xlsb`). Zip-based workbooks are checked against the
//! size and ratio limits before anything is decompressed (module `guard`). An Office file
//! encrypted with a password (sniffed as [`Format::EncryptedOffice`]) is reported as encrypted.
//!
//! The detector sees one cell at a time: a column header ("Fødselsnummer") is not context for
//! the cells below it.
//!
//! A workbook encrypted with a password is reported as encrypted, a broken one as corrupt; a
//! sheet that fails half-way is reported at that sheet (`Step::Part` `sheet <name>`) after the
//! cells read before the failure, and the other sheets are still read.

mod comments;
mod guard;
mod properties;
pub mod render;
mod xlsb;
mod xlsx;
mod xml;

use std::io::{BufReader, Read, Seek};

use calamine::{Data, DataRef, DataType, Range, Reader, Sheet, SheetType};

use super::{Context, ExtractError, Extractor, Format, Input, Segment};
use crate::extract::archive::members::Members;
use crate::location::{Location, Step};
use comments::Authors;
use render::{a1, cell_text, write_a1};

/// The spreadsheet extractor (calamine; our own reader for xlsx and xlsm).
pub struct SheetExtractor;

impl Extractor for SheetExtractor {
    fn name(&self) -> &'static str {
        "sheet"
    }

    fn formats(&self) -> &'static [Format] {
        &[
            Format::Xlsx,
            Format::Xlsb,
            Format::Xls,
            Format::Ods,
            Format::EncryptedOffice,
        ]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        match format {
            Format::Xlsx => xlsx(input, ctx),
            Format::Xlsb => xlsb(input, ctx),
            Format::Xls => {
                let mut book: calamine::Xls<_> = open(input)?;
                whole_sheets(&mut book, ctx)
            }
            Format::Ods => ods(input, ctx),
            Format::EncryptedOffice => Err(ExtractError::Encrypted(
                "Office document encrypted with a password (EncryptedPackage)".into(),
            )),
            other => Err(ExtractError::Unsupported(format!(
                "{} is not a spreadsheet",
                other.name()
            ))),
        }
    }
}

/// A buffered, seekable reader over the whole source.
fn reader<'a>(
    input: Input<'a>,
) -> Result<BufReader<Box<dyn super::sniff::ReadSeek + 'a>>, ExtractError> {
    Ok(BufReader::new(input.open_seekable()?))
}

/// Opens a workbook with calamine.
fn open<'a, W>(input: Input<'a>) -> Result<W, ExtractError>
where
    W: Reader<BufReader<Box<dyn super::sniff::ReadSeek + 'a>>>,
    W::Error: Into<calamine::Error>,
{
    W::new(reader(input)?).map_err(error)
}

/// Opens the zip container of an xlsx/xlsb/ods and checks it against the limits.
fn zip_checked<'a>(
    input: Input<'a>,
    ctx: &Context<'_>,
) -> Result<zip::ZipArchive<BufReader<Box<dyn super::sniff::ReadSeek + 'a>>>, ExtractError> {
    let mut zip = zip::ZipArchive::new(reader(input)?)
        .map_err(|e| ExtractError::Corrupt(format!("zip container: {e}")))?;
    guard::check_zip(&mut zip, &ctx.dispatcher.limits, ctx.budget)?;
    Ok(zip)
}

/// A calamine error as an extraction error: a password is `Encrypted`, anything else means
/// the file is not the workbook it claims to be.
fn error(e: impl Into<calamine::Error>) -> ExtractError {
    use calamine::{Error, OdsError, XlsError, XlsbError, XlsxError};
    match e.into() {
        Error::Xlsx(XlsxError::Password)
        | Error::Xlsb(XlsbError::Password)
        | Error::Xls(XlsError::Password)
        | Error::Ods(OdsError::Password) => {
            ExtractError::Encrypted("workbook is protected with a password".into())
        }
        other => ExtractError::Corrupt(other.to_string()),
    }
}

/// The step of a whole sheet, for errors.
fn sheet_step(name: &str) -> Step {
    Step::Part {
        name: format!("sheet {name}"),
    }
}

/// The location of the cells of one sheet, reused from cell to cell: a segment per cell would
/// otherwise allocate a location, a copy of the sheet name and a reference each.
struct SheetCells {
    location: Location,
}

impl SheetCells {
    fn new(ctx: &Context<'_>, sheet: &str) -> Self {
        SheetCells {
            location: ctx.location.child(Step::Cell {
                sheet: sheet.to_string(),
                cell: String::new(),
            }),
        }
    }

    /// Sends one cell's text (a zero-based position) to the sink.
    fn emit<T: DataType>(&mut self, ctx: &mut Context<'_>, row: u32, column: u32, value: &T) {
        let Some(text) = cell_text(value) else {
            return;
        };
        if let Some(Step::Cell { cell, .. }) = self.location.0.last_mut() {
            write_a1(cell, row, column);
        }
        ctx.sink.text(Segment {
            location: &self.location,
            text: &text,
            first_line: None,
            first_column: 1,
            report_before: text.len(),
        });
    }
}

/// Sends a comment on a cell to the sink: the cell, then `Step::Part` `comment`.
fn emit_comment(ctx: &mut Context<'_>, sheet: &str, cell: &str, text: &str) {
    if text.trim().is_empty() {
        return;
    }
    let location = ctx.location.child(Step::Cell {
        sheet: sheet.to_string(),
        cell: cell.to_string(),
    });
    let saved = std::mem::replace(&mut ctx.location, location);
    ctx.text(
        Some(Step::Part {
            name: "comment".into(),
        }),
        text,
        false,
    );
    ctx.location = saved;
}

/// Sends the sheet's name (the `index`-th sheet, 0-based) to the sink.
fn emit_sheet_name(ctx: &mut Context<'_>, index: usize, name: &str) {
    let step = Step::Part {
        name: format!("sheet {} name", index + 1),
    };
    ctx.text(Some(step), name, false);
}

/// Sheets that hold cells (worksheets and Excel 4 macro sheets; not charts or VBA modules).
fn has_cells(sheet: &Sheet) -> bool {
    matches!(sheet.typ, SheetType::WorkSheet | SheetType::MacroSheet)
}

/// Sends every sheet's name to the sink and calls `read(ctx, sheet name)` for each sheet that
/// holds cells, in workbook order.
fn each_sheet(
    sheets: &[Sheet],
    ctx: &mut Context<'_>,
    mut read: impl FnMut(&mut Context<'_>, &str),
) {
    for (i, sheet) in sheets.iter().enumerate() {
        emit_sheet_name(ctx, i, &sheet.name);
        if has_cells(sheet) {
            read(ctx, &sheet.name);
        }
    }
}

/// Reads every sheet of a workbook that calamine only loads whole (xls, ods).
fn whole_sheets<W, RS>(book: &mut W, ctx: &mut Context<'_>) -> Result<(), ExtractError>
where
    W: Reader<RS>,
    RS: Read + Seek,
    W::Error: Into<calamine::Error>,
{
    let sheets = book.sheets_metadata().to_vec();
    each_sheet(&sheets, ctx, |ctx, name| match book.worksheet_range(name) {
        Ok(range) => emit_range(ctx, name, &range),
        Err(e) => ctx.error(Some(sheet_step(name)), &error(e)),
    });
    Ok(())
}

fn emit_range(ctx: &mut Context<'_>, sheet: &str, range: &Range<Data>) {
    let (row0, column0) = range.start().unwrap_or((0, 0));
    let mut cells = SheetCells::new(ctx, sheet);
    for (row, column, value) in range.used_cells() {
        cells.emit(ctx, row0 + row as u32, column0 + column as u32, value);
    }
}

/// Streams the cells of one sheet from a calamine cell reader (or reports why there is
/// none); an error stops this sheet only.
fn stream_sheet<'v, C, E: Into<calamine::Error>>(
    ctx: &mut Context<'_>,
    sheet: &str,
    cells: Result<C, E>,
    next: impl Fn(&mut C) -> Result<Option<calamine::Cell<DataRef<'v>>>, E>,
) {
    let mut cells = match cells {
        Ok(cells) => cells,
        Err(e) => return ctx.error(Some(sheet_step(sheet)), &error(e)),
    };
    let mut at = SheetCells::new(ctx, sheet);
    loop {
        match next(&mut cells) {
            Ok(Some(cell)) => {
                let (row, column) = cell.get_position();
                at.emit(ctx, row, column, cell.get_value());
            }
            Ok(None) => return,
            Err(e) => return ctx.error(Some(sheet_step(sheet)), &error(e)),
        }
    }
}

/// A problem with a part of the workbook outside the sheets (comments, xlsb records).
fn part_error(ctx: &mut Context<'_>, part: &str, e: &ExtractError) {
    let name = part.to_string();
    ctx.error(Some(Step::Part { name }), e);
}

/// xlsx and xlsm: read with our own reader (module `xlsx`), sheets streamed, each followed by
/// its comments; then the properties.
fn xlsx(input: Input<'_>, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let mut zip = zip_checked(input, ctx)?;
    let mut members = Members::default();
    let book = xlsx::Workbook::open(&mut zip, &mut members).map_err(error)?;
    let comment_parts = comments::xlsx_comment_parts(&mut zip, &mut members, book.sheet_parts())
        .unwrap_or_else(|e| {
            part_error(ctx, "comments", &e);
            Vec::new()
        });
    let mut authors = Authors::new();
    each_sheet(&book.sheets, ctx, |ctx, name| {
        let mut at = SheetCells::new(ctx, name);
        let read = book.read_cells(&mut zip, &mut members, name, |row, column, value| {
            at.emit(ctx, row, column, &value)
        });
        if let Err(e) = read {
            ctx.error(Some(sheet_step(name)), &error(e));
        }
        for (_, part) in comment_parts.iter().filter(|(s, _)| s == name) {
            let read = comments::xlsx_comments(
                &mut zip,
                &mut members,
                part,
                &mut authors,
                |cell, text| emit_comment(ctx, name, cell, text),
            );
            if let Err(e) = read {
                part_error(ctx, part, &e);
            }
        }
    });
    properties::emit(&mut zip, &mut members, ctx, &authors);
    Ok(())
}

/// xlsb: sheets streamed by calamine, plus what calamine skips: short cell records and
/// comments (module `xlsb`); then the properties.
fn xlsb(input: Input<'_>, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let mut zip = zip_checked(input, ctx)?;
    let mut book: calamine::Xlsb<_> = open(input)?;
    let mut members = Members::default();
    let parts = xlsb::scan(&mut zip, &mut members).unwrap_or_else(|e| {
        part_error(ctx, "xl/workbook.bin", &xml::corrupt("sheets", e));
        xlsb::XlsbSheets::default()
    });
    let sheets = book.sheets_metadata().to_vec();
    let mut authors = Authors::new();
    each_sheet(&sheets, ctx, |ctx, name| {
        let cells = book.worksheet_cells_reader(name);
        stream_sheet(ctx, name, cells, |c| c.next_cell());
        let Some(part) = parts.part(name) else {
            return;
        };
        let mut at = SheetCells::new(ctx, name);
        let short = parts.read_short(&mut zip, part, |row, column, value| {
            at.emit(ctx, row, column, value)
        });
        let notes = xlsb::comments(
            &mut zip,
            &mut members,
            part,
            &mut authors,
            |row, column, text| emit_comment(ctx, name, &a1(row, column), text),
        );
        if let Err(e) = short.and(notes) {
            part_error(ctx, part, &xml::corrupt(part, e));
        }
    });
    properties::emit(&mut zip, &mut members, ctx, &authors);
    Ok(())
}

/// ods: calamine reads the cells (whole sheets), our own pass the annotations; then the
/// properties.
fn ods(input: Input<'_>, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let mut zip = zip_checked(input, ctx)?;
    let mut book: calamine::Ods<_> = open(input)?;
    whole_sheets(&mut book, ctx)?;
    drop(book);
    let mut authors = Authors::new();
    let mut members = Members::default();
    let found = comments::ods_annotations(
        &mut zip,
        &mut members,
        &mut authors,
        |sheet, row, column, text| emit_comment(ctx, sheet, &a1(row, column), text),
    );
    if let Err(e) = found {
        part_error(ctx, "content.xml", &e);
    }
    properties::emit(&mut zip, &mut members, ctx, &authors);
    Ok(())
}

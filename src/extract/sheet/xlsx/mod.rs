//! Our own reader of xlsx and xlsm workbooks, in place of calamine's `Xlsx`.
//!
//! Opening a workbook with calamine reads everything it could ever need: the theme, every
//! font, fill, border and cell style as a full `Style`, tables and names, each through its own
//! zip archive. For the small workbooks attached to mail that was most of the cost of
//! scanning them. This reader opens the zip archive the extractor has already checked, and
//! reads only what changes the text of a cell: the sheet list, the shared strings, and the
//! number format of each cell style (is a number a date?). Sheets are streamed cell by cell.
//!
//! It reads what calamine reads the way calamine reads it — the same XML reader settings, the
//! same attribute and reference parsing, the same rules for dates — and fails with calamine's
//! own error type, so values, positions and error messages are the same. Where calamine would
//! fail on a broken part that only changes how cells look (a font with a malformed
//! attribute), this reader reads on.

mod attrs;
mod cells;
mod escape;
mod number_format;
mod package;
mod parts;
mod position;
mod strings;
mod styles;

use std::io::{Read, Seek};

use calamine::{DataRef, Sheet, XlsxError};
use zip::ZipArchive;

use crate::extract::archive::members::{Member, Members};

use cells::CellContext;
use number_format::NumberKind;

/// An open workbook: its sheets and what their cells share.
pub struct Workbook {
    /// The sheets in workbook order (worksheets, chart sheets, dialog sheets).
    pub sheets: Vec<Sheet>,
    /// The member path of each sheet's part, parallel to `sheets`.
    paths: Vec<String>,
    strings: Vec<String>,
    styles: Vec<NumberKind>,
    date1904: bool,
}

impl Workbook {
    /// Reads the sheet list, shared strings and cell styles of the workbook in `zip`.
    pub fn open<R: Read + Seek>(
        zip: &mut ZipArchive<R>,
        members: &mut Members,
    ) -> Result<Self, XlsxError> {
        parts::check_names(zip)?;
        let part = package::workbook_part(zip, members)?;
        let folder = &part.folder;
        let strings_path = format!("{folder}sharedStrings.xml");
        let strings = strings::read_shared_strings(zip, members, &strings_path)?;
        let styles = styles::read_cell_styles(zip, members, &format!("{folder}styles.xml"))?;
        let relationships = package::workbook_relationships(zip, members, &part)?;
        let list = package::read_sheets(zip, members, &part, &relationships)?;
        Ok(Workbook {
            sheets: list.sheets,
            paths: list.paths,
            strings,
            styles,
            date1904: list.date1904,
        })
    }

    /// The member path of the part of the (first) sheet named `name`.
    pub fn sheet_path(&self, name: &str) -> Option<&str> {
        let i = self.sheets.iter().position(|s| s.name == name)?;
        Some(&self.paths[i])
    }

    /// The name and part path of every sheet, in workbook order.
    pub fn sheet_parts(&self) -> impl Iterator<Item = (&str, &str)> {
        let names = self.sheets.iter().map(|s| s.name.as_str());
        names.zip(self.paths.iter().map(String::as_str))
    }

    /// Calls `emit(row, column, value)` (zero-based) for each cell of the sheet `name`, in
    /// document order, empty cells too. An error stops the sheet; the cells before it have
    /// been emitted.
    pub fn read_cells<R: Read + Seek>(
        &self,
        zip: &mut ZipArchive<R>,
        members: &mut Members,
        name: &str,
        emit: impl FnMut(u32, u32, DataRef<'_>),
    ) -> Result<(), XlsxError> {
        let not_found = || XlsxError::WorksheetNotFound(name.into());
        let path = self.sheet_path(name).ok_or_else(not_found)?;
        let member = parts::member(zip, members, path).ok_or_else(not_found)??;
        let context = CellContext {
            strings: &self.strings,
            styles: &self.styles,
            date1904: self.date1904,
        };
        // A reader of its own type for each kind of member, so that the many small reads of a
        // large sheet are not dispatched between the two.
        match member {
            Member::Whole(bytes) => {
                cells::read_cells(&mut parts::xml_reader(bytes), &context, emit)
            }
            Member::Stream(stream) => {
                cells::read_cells(&mut parts::xml_reader(*stream), &context, emit)
            }
        }
    }
}

#[cfg(test)]
mod tests;

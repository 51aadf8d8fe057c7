//! The cells of a worksheet part, streamed in document order from `<sheetData>`: each
//! `<c>` with its position (its `r`, or the cell after the previous one when it has none), its
//! type (`t`) and style (`s`), and its value (`<v>`, `<is>`; a formula's cached value). Values
//! are calamine's [`DataRef`]s, made as calamine makes them, so they are written the same.

use std::io::BufRead;

use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType, XlsxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::attrs::{cell_attrs, raw_attr};
use super::number_format::NumberKind;
use super::position::{check_dimension, column_row, row};
use super::strings::{atoi, read_string_item, StringBufs};

/// What the cells of every sheet share: the shared strings, the number kind of each cell
/// style and the date system.
pub struct CellContext<'a> {
    /// The shared strings table.
    pub strings: &'a [String],
    /// The number kind of each cell style.
    pub styles: &'a [NumberKind],
    /// Dates count from 1904.
    pub date1904: bool,
}

/// The `t` attribute of a cell.
enum CellType {
    /// No `t`, or `t="n"`: a number (without `t`, text that is no number stays text).
    Number {
        explicit: bool,
    },
    SharedString,
    Bool,
    Error,
    FormulaString,
    IsoDate,
    InlineString,
    Unknown(String),
}

impl CellType {
    fn of(t: Option<&str>) -> Self {
        match t {
            None => CellType::Number { explicit: false },
            Some("n") => CellType::Number { explicit: true },
            Some("s") => CellType::SharedString,
            Some("b") => CellType::Bool,
            Some("e") => CellType::Error,
            Some("str") => CellType::FormulaString,
            Some("d") => CellType::IsoDate,
            Some("inlineStr" | "is") => CellType::InlineString,
            Some(other) => CellType::Unknown(other.to_string()),
        }
    }

    /// Whether a `<v>` of this type is plain ASCII read from the raw text (no entities).
    fn raw_value(&self) -> bool {
        matches!(
            self,
            CellType::Number { .. } | CellType::SharedString | CellType::Bool | CellType::Error
        )
    }
}

/// A cell's `t` and `s`, read from its start tag.
struct CellAttrs {
    typ: CellType,
    /// The style index (`s`; 0 when it is no number), `None` without `s`.
    style: Option<usize>,
}

/// Scratch buffers reused from cell to cell.
#[derive(Default)]
struct Bufs {
    row: Vec<u8>,
    cell: Vec<u8>,
    value: ValueBufs,
}

/// Scratch buffers for the value of a cell.
#[derive(Default)]
struct ValueBufs {
    events: Vec<u8>,
    text: String,
    strings: StringBufs,
}

/// Reads the worksheet part `xml` up to `<sheetData>` and then calls `emit(row, column,
/// value)` (zero-based) for each cell, empty ones too. An error stops the sheet; the cells
/// before it have been emitted.
pub fn read_cells<'a, R: BufRead>(
    xml: &mut Reader<R>,
    book: &CellContext<'a>,
    mut emit: impl FnMut(u32, u32, DataRef<'a>),
) -> Result<(), XlsxError> {
    let mut bufs = Bufs::default();
    read_to_sheet_data(xml, &mut bufs.row)?;
    let (mut at_row, mut at_column) = (0u32, 0u32);
    loop {
        bufs.row.clear();
        match xml.read_event_into(&mut bufs.row)? {
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                if let Some(r) = raw_attr(&e, "r")? {
                    at_row = row(r)?;
                }
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                at_row = at_row.wrapping_add(1);
                at_column = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let [r, s, t] = cell_attrs(&e)?;
                let (row, column) = match r {
                    Some(r) => {
                        let (row, column) = column_row(r)?;
                        at_column = column;
                        (row, column)
                    }
                    None => (at_row, at_column),
                };
                let attrs = CellAttrs {
                    typ: CellType::of(t),
                    style: s.map(|s| atoi(s).unwrap_or(0)),
                };
                let value = read_cell(xml, book, &attrs, &mut bufs.cell, &mut bufs.value)?;
                at_column = at_column.wrapping_add(1);
                emit(row, column, value);
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(()),
            Event::Eof => return Err(XlsxError::XmlEof("sheetData")),
            _ => {}
        }
    }
}

/// Reads up to `<sheetData>`, checking the `<dimension>` on the way; a part that ends first
/// is no worksheet (a chart sheet, say).
fn read_to_sheet_data<R: BufRead>(xml: &mut Reader<R>, buf: &mut Vec<u8>) -> Result<(), XlsxError> {
    let mut first: Option<String> = None;
    loop {
        buf.clear();
        match xml.read_event_into(buf)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "dimension" => match raw_attr(&e, "ref")? {
                    Some(range) => check_dimension(range)?,
                    None => return Err(XlsxError::UnexpectedNode("dimension")),
                },
                "sheetData" => return Ok(()),
                other => {
                    first.get_or_insert_with(|| other.to_string());
                }
            },
            Event::Eof => {
                return Err(match first {
                    Some(typ) => XlsxError::NotAWorksheet(typ),
                    None => XlsxError::XmlEof("worksheet"),
                })
            }
            _ => {}
        }
    }
}

/// The value of a `<c>` whose start tag was just read, up to its end tag: the value of its
/// last child element (`<v>`, `<is>`, or `<f>`, which is empty).
fn read_cell<'a, R: BufRead>(
    xml: &mut Reader<R>,
    book: &CellContext<'a>,
    attrs: &CellAttrs,
    buf: &mut Vec<u8>,
    bufs: &mut ValueBufs,
) -> Result<DataRef<'a>, XlsxError> {
    let mut value = DataRef::Empty;
    loop {
        buf.clear();
        match xml.read_event_into(buf)? {
            Event::Start(e) => value = read_child(xml, book, &e, attrs, bufs)?,
            Event::End(e) if e.local_name().as_ref() == "c" => return Ok(value),
            Event::Eof => return Err(XlsxError::XmlEof("c")),
            _ => {}
        }
    }
}

/// The value of one child element of a cell, read up to its end tag.
fn read_child<'a, R: BufRead>(
    xml: &mut Reader<R>,
    book: &CellContext<'a>,
    e: &BytesStart<'_>,
    attrs: &CellAttrs,
    bufs: &mut ValueBufs,
) -> Result<DataRef<'a>, XlsxError> {
    match e.local_name().as_ref() {
        "is" => Ok(read_string_item(xml, e.name(), &mut bufs.strings)?
            .map_or(DataRef::Empty, DataRef::String)),
        "v" if matches!(attrs.typ, CellType::InlineString) => skip(xml, e, &mut bufs.events),
        "v" if attrs.typ.raw_value() => {
            bufs.events.clear();
            let value = match xml.read_event_into(&mut bufs.events)? {
                Event::Text(t) => typed_value(book, &t, attrs)?,
                Event::End(end) if end.name() == e.name() => return Ok(DataRef::Empty),
                Event::Eof => return Err(XlsxError::XmlEof("v")),
                _ => DataRef::Empty,
            };
            skip(xml, e, &mut bufs.events)?;
            Ok(value)
        }
        "v" => {
            bufs.text.clear();
            loop {
                bufs.events.clear();
                match xml.read_event_into(&mut bufs.events)? {
                    Event::Text(t) => bufs.text.push_str(&t.xml10_content()),
                    Event::GeneralRef(r) => super::escape::push_entity(&r, &mut bufs.text)?,
                    Event::End(end) if end.name() == e.name() => break,
                    Event::Eof => return Err(XlsxError::XmlEof("v")),
                    _ => {}
                }
            }
            typed_value(book, &bufs.text, attrs)
        }
        "f" => skip(xml, e, &mut bufs.events),
        _ => Err(XlsxError::UnexpectedNode("v, f, or is")),
    }
}

/// Skips the element `e` up to its end tag; its value is empty.
fn skip<'a, R: BufRead>(
    xml: &mut Reader<R>,
    e: &BytesStart<'_>,
    buf: &mut Vec<u8>,
) -> Result<DataRef<'a>, XlsxError> {
    buf.clear();
    xml.read_to_end_into(e.name(), buf)?;
    Ok(DataRef::Empty)
}

/// The value of a cell of type `attrs.typ` whose `<v>` holds `v`.
fn typed_value<'a>(
    book: &CellContext<'a>,
    v: &str,
    attrs: &CellAttrs,
) -> Result<DataRef<'a>, XlsxError> {
    Ok(match &attrs.typ {
        CellType::SharedString if v.is_empty() => DataRef::Empty,
        CellType::SharedString => {
            let index = atoi::<usize>(v).unwrap_or(0);
            let s = book.strings.get(index).ok_or(XlsxError::Unexpected(
                "Cell string index not found in shared strings table",
            ))?;
            DataRef::SharedString(s)
        }
        CellType::Bool => match v.trim() {
            "" => DataRef::Empty,
            b if b == "0" || b.eq_ignore_ascii_case("false") => DataRef::Bool(false),
            b if b == "1" || b.eq_ignore_ascii_case("true") => DataRef::Bool(true),
            _ => {
                return Err(XlsxError::Unrecognized {
                    typ: "boolean cell value",
                    val: v.to_string(),
                })
            }
        },
        CellType::IsoDate => DataRef::DateTimeIso(v.to_string()),
        CellType::Error => DataRef::Error(v.parse::<CellErrorType>()?),
        CellType::FormulaString => DataRef::String(super::escape::unescape_excel(v).into_owned()),
        CellType::Number { .. } if v.is_empty() => DataRef::Empty,
        CellType::Number { explicit } => match fast_float2::parse::<f64, _>(v.as_bytes()) {
            Ok(n) => number(book, n, attrs.style),
            Err(_) if !explicit => DataRef::String(v.to_string()),
            Err(_) => match v.parse::<f64>() {
                Err(e) => return Err(XlsxError::ParseFloat(e)),
                Ok(n) => number(book, n, attrs.style),
            },
        },
        CellType::InlineString => DataRef::Empty,
        CellType::Unknown(t) => return Err(XlsxError::CellTAttribute(t.clone())),
    })
}

/// A number in a cell with the style `style`: a date or a duration when its number format
/// says so (a cell without a style has the plain "General" format).
fn number<'a>(book: &CellContext<'a>, n: f64, style: Option<usize>) -> DataRef<'a> {
    let kind = match style {
        Some(i) => book.styles.get(i).copied(),
        None => Some(NumberKind::Number),
    };
    let typ = match kind {
        Some(NumberKind::DateTime) => ExcelDateTimeType::DateTime,
        Some(NumberKind::Duration) => ExcelDateTimeType::TimeDelta,
        _ => return DataRef::Float(n),
    };
    DataRef::DateTime(ExcelDateTime::new(n, typ, book.date1904))
}

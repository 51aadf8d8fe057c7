//! Cell values as text: what a person sees in the cell, written so the detector can match it.
//!
//! Numbers are written the way a spreadsheet shows them in its "General" format: integers as
//! integers (`15108695088`, never `1.5108695088e10` or `15108695088.0`), other numbers with at
//! most 15 significant digits. Booleans are `TRUE`/`FALSE`, errors `#N/A` …, dates ISO 8601.
//!
//! Two repairs undo what spreadsheets do to identifiers typed as numbers (see
//! [`restore_number`]): a fødselsnummer whose leading zero was dropped, and a phone number
//! whose `+` before the country code was dropped.

use std::borrow::Cow;
use std::fmt::Write as _;

use calamine::{DataType, ExcelDateTime};

use crate::detect::validate::{digits, fnr, phone};

/// Integers up to 2^53 are exact in an `f64`; they are written digit for digit.
const EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// The text of a cell, or `None` for an empty cell (or one holding only whitespace).
pub fn cell_text<T: DataType>(value: &T) -> Option<Cow<'_, str>> {
    let text: Cow<'_, str> = if let Some(s) = value.get_string() {
        Cow::Borrowed(s)
    } else if let Some(i) = value.get_int() {
        restore_number(Cow::Owned(i.to_string()))
    } else if let Some(f) = value.get_float() {
        restore_number(Cow::Owned(number(f)))
    } else if let Some(b) = value.get_bool() {
        Cow::Borrowed(if b { "TRUE" } else { "FALSE" })
    } else if let Some(d) = value.get_datetime() {
        Cow::Owned(date_time(&d))
    } else if let Some(s) = value.get_datetime_iso().or(value.get_duration_iso()) {
        Cow::Borrowed(s)
    } else if let Some(e) = value.get_error() {
        Cow::Owned(e.to_string())
    } else {
        return None;
    };
    (!text.trim().is_empty()).then_some(text)
}

/// A number as the "General" cell format shows it, without a trailing `.0` and without an
/// exponent for any integer a sheet can hold exactly.
pub fn number(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < EXACT_INTEGER {
        // `as i64` is exact here; `{}` of the f64 would print the same digits.
        return (f as i64).to_string();
    }
    // Spreadsheets keep 15 significant digits; round to them so 0.1 + 0.2 shows as 0.3 (the
    // shortest representation usually has fewer digits already, and is much cheaper).
    let shortest = f.to_string();
    let significant = shortest.bytes().filter(u8::is_ascii_digit).count();
    if significant <= 15 && (1e-9..1e21).contains(&f.abs()) {
        return shortest;
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded != 0.0 && !(1e-9..1e21).contains(&rounded.abs()) {
        format!("{rounded:e}")
    } else {
        rounded.to_string()
    }
}

/// Undoes what a spreadsheet does to an identifier typed into a number cell, when `text` is
/// exactly ten ASCII digits:
///
/// - `0` + the digits is a valid fødselsnummer (D-, H-, synthetic …): the leading zero that
///   Excel dropped is put back, `1019…` → `01019…`. The finding's value is then the number as
///   the cell shows it with the usual leading-zero format (`00000000000`), and its fingerprint
///   is the same as for that number in any other file.
/// - `47` + a Norwegian mobile or fixed-line number: the `+` that Excel dropped is put back,
///   `4791234567` → `+47 91234567` (a country code without `+` is otherwise too ambiguous to
///   report without a phone keyword).
///
/// Anything else is returned unchanged. The two cannot collide: a restored fødselsnummer
/// starting `047` would have month 7x, which no kind of number uses.
pub fn restore_number(text: Cow<'_, str>) -> Cow<'_, str> {
    if text.len() != 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return text;
    }
    let d = digits(&text);
    let mut padded = Vec::with_capacity(11);
    padded.push(0);
    padded.extend_from_slice(&d);
    if fnr::classify(&padded).is_some() {
        return Cow::Owned(format!("0{text}"));
    }
    if d.starts_with(&[4, 7])
        && matches!(
            phone::classify(&d[2..]),
            Some(phone::Class::Mobile | phone::Class::Fixed)
        )
    {
        return Cow::Owned(format!("+47 {}", &text[2..]));
    }
    text
}

/// A date, time or duration cell in ISO 8601 form (`2024-11-01`, `2024-11-01 13:45:00`,
/// `13:45:00`); durations as hours, minutes and seconds (`36:15:00`).
fn date_time(d: &ExcelDateTime) -> String {
    if d.is_duration() {
        let seconds = (d.as_f64() * 86_400.0).round() as i64;
        let (sign, s) = if seconds < 0 {
            ("-", -seconds)
        } else {
            ("", seconds)
        };
        return format!("{sign}{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    }
    let (year, month, day, hour, minute, second, _) = d.to_ymd_hms_milli();
    let date = format!("{year:04}-{month:02}-{day:02}");
    let time = format!("{hour:02}:{minute:02}:{second:02}");
    match (d.as_f64() >= 1.0, d.as_f64().fract() != 0.0) {
        (true, false) => date,
        (false, _) => time,
        (true, true) => format!("{date} {time}"),
    }
}

/// A1 notation of a zero-based (row, column): (6, 1) → `B7`.
pub fn a1(row: u32, column: u32) -> String {
    let mut s = String::with_capacity(8);
    write_a1(&mut s, row, column);
    s
}

/// Writes the A1 notation of a zero-based (row, column) into `out`, replacing its content.
pub fn write_a1(out: &mut String, row: u32, column: u32) {
    let mut letters = [0u8; 7]; // 26^7 > 2^32 columns
    let mut n = 0;
    let mut c = u64::from(column) + 1;
    while c > 0 {
        letters[n] = b'A' + ((c - 1) % 26) as u8;
        c = (c - 1) / 26;
        n += 1;
    }
    out.clear();
    out.extend(letters[..n].iter().rev().map(|&b| char::from(b)));
    let _ = write!(out, "{}", u64::from(row) + 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, Data, ExcelDateTimeType};

    fn shown(d: Data) -> Option<String> {
        cell_text(&d).map(Cow::into_owned)
    }

    #[test]
    fn numbers_as_a_sheet_shows_them() {
        assert_eq!(number(15108695088.0), "15108695088");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(1234.5), "1234.5");
        assert_eq!(number(4111111111111111.0), "4111111111111111");
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(1.5e-12), "1.5e-12");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn every_kind_of_cell() {
        assert_eq!(shown(Data::Float(15108695088.0)).unwrap(), "15108695088");
        assert_eq!(shown(Data::Int(42)).unwrap(), "42");
        assert_eq!(shown(Data::Bool(true)).unwrap(), "TRUE");
        assert_eq!(shown(Data::Error(CellErrorType::NA)).unwrap(), "#N/A");
        assert_eq!(shown(Data::String("  ".into())), None);
        assert_eq!(shown(Data::Empty), None);
        let date = ExcelDateTime::new(45597.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(shown(Data::DateTime(date)).unwrap(), "2024-11-01");
        let stamp = ExcelDateTime::new(45597.5, ExcelDateTimeType::DateTime, false);
        assert_eq!(shown(Data::DateTime(stamp)).unwrap(), "2024-11-01 12:00:00");
        let time = ExcelDateTime::new(0.25, ExcelDateTimeType::DateTime, false);
        assert_eq!(shown(Data::DateTime(time)).unwrap(), "06:00:00");
        let long = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(shown(Data::DateTime(long)).unwrap(), "36:00:00");
    }

    #[test]
    fn lost_leading_zero_and_lost_plus_are_restored() {
        let r = |s: &str| restore_number(Cow::Borrowed(s)).into_owned();
        // Tenor synthetic numbers (month + 80) stored as numbers lose their leading zero.
        assert_eq!(r("1912451204"), "01912451204");
        assert_eq!(r("3851598730"), "03851598730");
        assert_eq!(r("1912451205"), "1912451205"); // not valid with a zero either
        assert_eq!(r("4791234567"), "+47 91234567");
        assert_eq!(r("4722334455"), "+47 22334455");
        assert_eq!(r("4780022222"), "4780022222"); // 8xx: not a personal number
        assert_eq!(r("15108695088"), "15108695088"); // 11 digits: as it is
        assert_eq!(r("12345"), "12345");
    }

    #[test]
    fn a1_notation() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 1), "B7");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
        assert_eq!(a1(u32::MAX, u32::MAX), "MWLQKWV4294967296");
    }
}

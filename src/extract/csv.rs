//! Delimited text (`.csv`, `.tsv`): every field is one segment located by record and column
//! (`Step::Record`, both 1-based; the row counts records, so a quoted field with line breaks in
//! it does not shift the rows after it).
//!
//! Decoding is the text extractor's ([`stream_source`]: BOM, UTF-16, Windows-1252 fallback), and
//! so is the streaming: the decoded chunks are fed to an incremental parser that keeps only the
//! field being read, so memory does not grow with the file. The delimiter (`;` `,` tab `|`) is
//! the one that splits the first records of the file into the same number of fields; a file
//! where none does is read as one column. Quoted fields (`"a;b"`, `"line\nbreak"`, `""`
//! escapes) follow RFC 4180, read leniently (a stray quote inside an unquoted field is text).
//!
//! A field of exactly ten digits goes through the same repair as a number cell in a
//! spreadsheet ([`restore_number`]): CSV files are mostly exports of spreadsheets, and the
//! export writes a number cell as it holds it, leading zero or `+` already lost.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

use super::sheet::render::restore_number;
use super::text::stream_source;
use super::{Context, ExtractError, Extractor, Format, Input};
use crate::location::Step;

/// Delimiters tried, in order of preference when two split the sample equally well.
const DELIMITERS: [u8; 4] = [b';', b',', b'\t', b'|'];
/// Records looked at to choose the delimiter.
const SAMPLE_RECORDS: usize = 20;
/// Text held back to choose the delimiter when the first records are very long.
const SAMPLE_BYTES: usize = 64 * 1024;

/// The CSV extractor.
pub struct CsvExtractor;

impl Extractor for CsvExtractor {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Csv]
    }

    fn extract(
        &self,
        input: Input<'_>,
        head: &[u8],
        _format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        let chunk_size = ctx.dispatcher.limits.chunk_size;
        let mut parser = Parser::new(chunk_size);
        stream_source(input, head, chunk_size, |segment| {
            // Chunks overlap; the part before `report_before` tiles the text exactly once.
            parser.feed(
                &segment.text[..segment.report_before],
                &mut |row, column, field| emit(ctx, row, column, field),
            );
            None // the parser places fields by row, not by line
        })?;
        parser.finish(&mut |row, column, field| emit(ctx, row, column, field));
        Ok(())
    }
}

/// Sends one field to the sink, repaired like a number cell.
fn emit(ctx: &mut Context<'_>, row: u64, column: u64, field: &str) {
    let text = restore_number(Cow::Borrowed(field.trim()));
    if !text.is_empty() {
        ctx.text(Some(Step::Record { row, column }), &text, false);
    }
}

/// Where the parser is inside a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside a field that did not start with a quote.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: an escaped quote or the field's end.
    QuoteInQuoted,
}

/// An incremental CSV parser over decoded text.
struct Parser {
    /// `None` until the sample is complete; then the delimiter, or `None` for one column.
    delimiter: Option<Option<u8>>,
    /// Text held back until the delimiter is chosen.
    sample: String,
    state: State,
    field: String,
    row: u64,
    column: u64,
    /// A field longer than this (an unclosed quote) is sent on in pieces.
    max_field: usize,
}

impl Parser {
    fn new(max_field: usize) -> Self {
        Parser {
            delimiter: None,
            sample: String::new(),
            state: State::FieldStart,
            field: String::new(),
            row: 1,
            column: 1,
            max_field: max_field.max(1024),
        }
    }

    /// Takes the next piece of text, calling `emit(row, column, field)` for each field that
    /// ends in it. The first records are held back until the delimiter can be chosen.
    fn feed(&mut self, text: &str, emit: &mut dyn FnMut(u64, u64, &str)) {
        if self.delimiter.is_some() {
            return self.parse(text, emit);
        }
        self.sample.push_str(text);
        let records = memchr::memchr_iter(b'\n', self.sample.as_bytes()).count();
        if records >= SAMPLE_RECORDS || self.sample.len() >= SAMPLE_BYTES {
            self.parse_sample(emit);
        }
    }

    /// Chooses the delimiter from the text held back, then parses it.
    fn parse_sample(&mut self, emit: &mut dyn FnMut(u64, u64, &str)) {
        let sample = std::mem::take(&mut self.sample);
        let delimiter = detect_delimiter(&sample);
        self.delimiter = Some(delimiter);
        self.parse(&sample, emit);
    }

    /// Parses a piece of text once the delimiter is known.
    fn parse(&mut self, text: &str, emit: &mut dyn FnMut(u64, u64, &str)) {
        let delimiter = self.delimiter.flatten();
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            i = match self.state {
                State::FieldStart if bytes[i] == b'"' => {
                    self.state = State::Quoted;
                    i + 1
                }
                State::FieldStart | State::Unquoted => {
                    self.state = State::Unquoted;
                    self.unquoted(text, i, delimiter, emit)
                }
                State::Quoted => self.quoted(text, i),
                State::QuoteInQuoted => self.after_quote(bytes[i], i, delimiter, emit),
            };
        }
        if self.field.len() > self.max_field {
            emit(self.row, self.column, &self.field);
            self.field.clear();
        }
    }

    /// Reads unquoted text from `i` to the next delimiter or line break; returns where to go on.
    fn unquoted(
        &mut self,
        text: &str,
        i: usize,
        delimiter: Option<u8>,
        emit: &mut dyn FnMut(u64, u64, &str),
    ) -> usize {
        let rest = &text.as_bytes()[i..];
        let found = match delimiter {
            Some(d) => memchr2(d, b'\n', rest),
            None => memchr(b'\n', rest),
        };
        let Some(at) = found else {
            self.field.push_str(&text[i..]);
            return text.len();
        };
        self.field.push_str(&text[i..i + at]);
        if rest[at] == b'\n' {
            if self.field.ends_with('\r') {
                self.field.pop();
            }
            self.end_field(emit);
            self.end_record();
        } else {
            self.end_field(emit);
        }
        i + at + 1
    }

    /// Reads quoted text from `i` up to the next quote.
    fn quoted(&mut self, text: &str, i: usize) -> usize {
        match memchr(b'"', &text.as_bytes()[i..]) {
            Some(at) => {
                self.field.push_str(&text[i..i + at]);
                self.state = State::QuoteInQuoted;
                i + at + 1
            }
            None => {
                self.field.push_str(&text[i..]);
                text.len()
            }
        }
    }

    /// The byte `b` at `i` right after a quote in a quoted field.
    fn after_quote(
        &mut self,
        b: u8,
        i: usize,
        delimiter: Option<u8>,
        emit: &mut dyn FnMut(u64, u64, &str),
    ) -> usize {
        match b {
            b'"' => {
                self.field.push('"');
                self.state = State::Quoted;
            }
            b'\r' => {}
            b'\n' => {
                self.end_field(emit);
                self.end_record();
            }
            _ if Some(b) == delimiter => self.end_field(emit),
            // `"a"b`: text after the closing quote belongs to the field.
            _ => {
                self.state = State::Unquoted;
                return i;
            }
        }
        i + 1
    }

    fn end_field(&mut self, emit: &mut dyn FnMut(u64, u64, &str)) {
        emit(self.row, self.column, &self.field);
        self.field.clear();
        self.column += 1;
        self.state = State::FieldStart;
    }

    fn end_record(&mut self) {
        self.row += 1;
        self.column = 1;
    }

    /// Ends the last record when the text does not end with a line break.
    fn finish(&mut self, emit: &mut dyn FnMut(u64, u64, &str)) {
        if self.delimiter.is_none() {
            self.parse_sample(emit);
        }
        if self.state != State::FieldStart || !self.field.is_empty() || self.column > 1 {
            self.end_field(emit);
        }
    }
}

/// The delimiter that splits the first records of `sample` into the same number of fields
/// (more than one) most often; `None` when no delimiter occurs in the first record.
fn detect_delimiter(sample: &str) -> Option<u8> {
    let mut best: Option<(usize, usize, u8)> = None;
    for d in DELIMITERS {
        let counts = counts_per_record(sample, d);
        let Some(&first) = counts.first().filter(|&&c| c > 0) else {
            continue;
        };
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if best.is_none_or(|(n, c, _)| (consistent, first) > (n, c)) {
            best = Some((consistent, first, d));
        }
    }
    best.map(|(_, _, d)| d)
}

/// How many times `d` occurs outside quotes in each of the first records of `sample`.
fn counts_per_record(sample: &str, d: u8) -> Vec<usize> {
    let mut counts = Vec::with_capacity(SAMPLE_RECORDS);
    let (mut in_quotes, mut n) = (false, 0);
    for &b in sample.as_bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                counts.push(n);
                n = 0;
                if counts.len() == SAMPLE_RECORDS {
                    return counts;
                }
            }
            _ if b == d && !in_quotes => n += 1,
            _ => {}
        }
    }
    if n > 0 {
        counts.push(n);
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (row, column, field) of every non-empty field, feeding `text` in pieces of `piece` bytes.
    fn parse(text: &str, piece: usize) -> Vec<(u64, u64, String)> {
        let mut out = Vec::new();
        let mut parser = Parser::new(1 << 20);
        let mut collect = |r: u64, c: u64, f: &str| {
            if !f.is_empty() {
                out.push((r, c, f.to_string()));
            }
        };
        let mut start = 0;
        while start < text.len() {
            let mut end = (start + piece).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            parser.feed(&text[start..end], &mut collect);
            start = end;
        }
        parser.finish(&mut collect);
        out
    }

    fn f(r: u64, c: u64, s: &str) -> (u64, u64, String) {
        (r, c, s.to_string())
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(
            detect_delimiter("navn;beløp\nKari;1,5\nOla;2,0\n"),
            Some(b';')
        );
        assert_eq!(detect_delimiter("a,b,c\n1,2,3\n"), Some(b','));
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), Some(b'\t'));
        assert_eq!(detect_delimiter("a|b\n1|2\n"), Some(b'|'));
        assert_eq!(detect_delimiter("\"x;y\",z\n\"1;2\",3\n"), Some(b','));
        assert_eq!(detect_delimiter("bare tekst\nuten skilletegn\n"), None);
    }

    #[test]
    fn quoted_fields_newlines_and_escapes() {
        let text = "navn;notat\r\nKari;\"linje 1\nlinje 2; med \"\"sitat\"\"\"\r\n;Ola\n\"slutt\"";
        let want = vec![
            f(1, 1, "navn"),
            f(1, 2, "notat"),
            f(2, 1, "Kari"),
            f(2, 2, "linje 1\nlinje 2; med \"sitat\""),
            f(3, 2, "Ola"),
            f(4, 1, "slutt"),
        ];
        for piece in [1, 2, 3, 7, 1000] {
            assert_eq!(parse(text, piece), want, "pieces of {piece}");
        }
    }

    #[test]
    fn blank_lines_count_as_rows_and_one_column_files_work() {
        assert_eq!(parse("a\n\nb", 100), vec![f(1, 1, "a"), f(3, 1, "b")]);
        assert_eq!(
            parse("x,\"a\"b,c\n", 100),
            vec![f(1, 1, "x"), f(1, 2, "ab"), f(1, 3, "c")]
        );
    }

    #[test]
    fn an_unclosed_quote_does_not_grow_memory() {
        let mut parser = Parser::new(1024);
        let mut pieces = 0;
        let mut count = |_: u64, _: u64, _: &str| pieces += 1;
        parser.feed(&"a;b\n".repeat(SAMPLE_RECORDS), &mut count);
        parser.feed("a;\"", &mut count);
        for _ in 0..100 {
            parser.feed(&"x".repeat(600), &mut count);
            assert!(parser.field.len() <= 1024 + 600);
        }
        assert!(pieces > 40);
    }
}

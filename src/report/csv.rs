//! CSV (`--format csv`): one row per finding, error or skipped file, streamed as the scan
//! goes. Values and snippets are masked unless the scan ran with `--show-values`.
//!
//! Fields are quoted per RFC 4180; a field starting with `=`, `+`, `-`, `@`, tab or carriage
//! return gets a leading `'` so spreadsheets show it as text instead of running a formula.

use std::io::{self, Write};

use super::{FileError, Finding, ReportSink, Skipped, Summary};

/// The header row.
pub const COLUMNS: [&str; 12] = [
    "type",
    "path",
    "location",
    "rule",
    "category",
    "kind",
    "severity",
    "confidence",
    "value",
    "context",
    "fingerprint",
    "message",
];

/// Streams a scan as CSV.
pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the table by writing the header row.
    pub fn new(mut out: W) -> io::Result<Self> {
        write_row(&mut out, &COLUMNS)?;
        Ok(CsvWriter { out })
    }
}

fn write_row(out: &mut impl Write, fields: &[&str]) -> io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(quote(field).as_bytes())?;
    }
    out.write_all(b"\r\n")
}

/// One field, defused and quoted when needed.
fn quote(field: &str) -> String {
    let defused = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

impl<W: Write> ReportSink for CsvWriter<W> {
    fn finding(&mut self, f: Finding) -> io::Result<()> {
        let location = f.location.to_string();
        let confidence = format!("{:.2}", f.confidence);
        write_row(
            &mut self.out,
            &[
                "finding",
                &f.path,
                &location,
                &f.rule,
                &f.category,
                f.kind.as_deref().unwrap_or(""),
                f.severity.name(),
                &confidence,
                &f.value,
                &f.context,
                &f.fingerprint,
                "",
            ],
        )
    }

    fn error(&mut self, e: FileError) -> io::Result<()> {
        let location = e.location.to_string();
        let mut row = [""; 12];
        row[0] = "error";
        row[1] = &e.path;
        row[2] = &location;
        row[11] = &e.message;
        write_row(&mut self.out, &row)
    }

    fn skipped(&mut self, s: Skipped) -> io::Result<()> {
        let location = s.location.to_string();
        let mut row = [""; 12];
        row[0] = "skipped";
        row[1] = &s.path;
        row[2] = &location;
        row[11] = &s.reason;
        write_row(&mut self.out, &row)
    }

    fn finish(&mut self, _summary: &Summary, _seconds: f64) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Severity;
    use crate::location::{Location, Step};

    #[test]
    fn rows_are_quoted_and_defused() {
        let mut out = Vec::new();
        let mut w = CsvWriter::new(&mut out).unwrap();
        w.finding(Finding {
            rule: "no.phone".into(),
            category: "phone".into(),
            kind: Some("mobile".into()),
            severity: Severity::Medium,
            confidence: 0.9,
            path: "a,b.txt".into(),
            location: Location::root().child(Step::Line { line: 2, column: 3 }),
            value: "+47 9** ** ***".into(),
            fingerprint: "ff".into(),
            context: "ring \"meg\" på +47 9** ** ***".into(),
            related: None,
        })
        .unwrap();
        w.error(FileError {
            path: "x.zip".into(),
            location: Location::root(),
            message: "encrypted".into(),
        })
        .unwrap();
        w.finish(&Summary::default(), 0.0).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "type,path,location,rule,category,kind,severity,confidence,value,context,fingerprint,message\r\n\
             finding,\"a,b.txt\",2:3,no.phone,phone,mobile,medium,0.90,'+47 9** ** ***,\"ring \"\"meg\"\" på +47 9** ** ***\",ff,\r\n\
             error,x.zip,,,,,,,,,,encrypted\r\n"
        );
    }
}

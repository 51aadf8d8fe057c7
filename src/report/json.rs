//! JSON (one document, `--format json`) and JSON Lines (`--format jsonl`, one record per line
//! as the scan goes, constant memory). Both follow `docs/report.schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use super::group::{MessageGroup, MessageGrouper};
use super::{FileError, Finding, Header, Report, ReportSink, Skipped, Summary};

/// Writes a whole report as pretty-printed JSON.
pub fn write_report(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Through a buffer of a concrete type: serde_json's many small writes then cost a copy
    // each instead of a dynamic call into the caller's writer.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// One JSON Lines record, tagged by `type`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Header(&'a Header),
    Finding(&'a Finding),
    Error(&'a FileError),
    Skipped(&'a Skipped),
    Message(&'a MessageGroup),
    Summary {
        summary: &'a Summary,
        duration_seconds: f64,
    },
}

/// Streams a scan as JSON Lines: a `header` record, then `finding` / `error` / `skipped`
/// records in the order they happen, then (with `--group-by message`) one `message` record per
/// message holding findings, then one `summary` record.
pub struct JsonLinesWriter<W: Write> {
    out: W,
    messages: Option<MessageGrouper>,
}

impl<W: Write> JsonLinesWriter<W> {
    /// Starts the stream by writing the header record.
    pub fn new(mut out: W, header: &Header) -> io::Result<Self> {
        write_line(&mut out, &Line::Header(header))?;
        Ok(JsonLinesWriter {
            out,
            messages: None,
        })
    }

    /// Also writes a `message` record per message holding findings, before the summary.
    pub fn grouping_by_message(mut self) -> Self {
        self.messages = Some(MessageGrouper::default());
        self
    }
}

fn write_line(out: &mut impl Write, line: &Line<'_>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

impl<W: Write> ReportSink for JsonLinesWriter<W> {
    fn finding(&mut self, finding: Finding) -> io::Result<()> {
        if let Some(grouper) = &mut self.messages {
            grouper.add(&finding);
        }
        write_line(&mut self.out, &Line::Finding(&finding))
    }

    fn error(&mut self, error: FileError) -> io::Result<()> {
        write_line(&mut self.out, &Line::Error(&error))
    }

    fn skipped(&mut self, skipped: Skipped) -> io::Result<()> {
        write_line(&mut self.out, &Line::Skipped(&skipped))
    }

    fn finish(&mut self, summary: &Summary, duration_seconds: f64) -> io::Result<()> {
        if let Some(grouper) = self.messages.take() {
            for group in grouper.finish() {
                write_line(&mut self.out, &Line::Message(&group))?;
            }
        }
        write_line(
            &mut self.out,
            &Line::Summary {
                summary,
                duration_seconds,
            },
        )?;
        self.out.flush()
    }
}

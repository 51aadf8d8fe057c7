//! JSON (one document, `--format json`) and JSON Lines (`--format jsonl`, one record per line
//! as the scan goes, constant memory). Both follow `docs/report.schema.json`.

mod block;
mod pretty;

use std::io::{self, IoSlice, Write};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use super::group::{MessageGroup, MessageGrouper};
use super::{FileError, Finding, Header, Report, ReportSink, Skipped, Summary};
pub use block::{
    category_name, severities, BlockText, CategoryName, FileBlock, NoStore, SeverityCounts,
    SharedText, TextStore,
};
use pretty::RenderMemo;

/// Writes a whole report as pretty-printed JSON.
///
/// The findings, most of a large report, are rendered on the rayon pool in chunks and spliced
/// into the rest of the report: the bytes are exactly those of `serde_json::to_writer_pretty`
/// on the whole report, without a single thread doing all the work after the scan.
pub fn write_report(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_report_with_blocks(report, &[], &NoStore, out)
}

/// Writes a report whose findings are those of `report` and those rendered in `blocks`
/// (sorted by path, none sharing a path with a finding of `report`, as
/// [`super::Collector::into_json_parts`] gives them; texts not in memory read from `store`),
/// in path order: the same bytes as [`write_report`] on a report holding all of them.
pub fn write_report_with_blocks(
    report: &Report,
    blocks: &[Arc<FileBlock>],
    store: &dyn TextStore,
    out: &mut dyn Write,
) -> io::Result<()> {
    let shell = Report {
        header: report.header.clone(),
        duration_seconds: report.duration_seconds,
        summary: report.summary.clone(),
        findings: Vec::new(),
        errors: report.errors.clone(),
        skipped: report.skipped.clone(),
        messages: report.messages.clone(),
    };
    let text = serde_json::to_vec_pretty(&shell)?;
    // The only top-level line of the empty list: a string cannot hold a raw line break.
    const EMPTY: &[u8] = b"\n  \"findings\": []";
    let at = memchr::memmem::find(&text, EMPTY).ok_or_else(|| io::Error::other("no findings"))?;
    out.write_all(&text[..at])?;
    if report.findings.is_empty() && blocks.is_empty() {
        out.write_all(EMPTY)?;
    } else {
        out.write_all(b"\n  \"findings\": [\n    ")?;
        let mut first = true;
        let mut rest = &report.findings[..];
        let mut gathered = Gathered::default();
        for block in blocks {
            let before = rest.partition_point(|f| f.path < block.path);
            if before > 0 {
                gathered.write_to(out)?;
                write_findings(&rest[..before], out, &mut first)?;
                rest = &rest[before..];
            }
            if !std::mem::take(&mut first) {
                gathered.push(Piece::Static(ITEM_SEPARATOR));
            }
            gathered.push(Piece::Text(block.shared_text(store)?));
            if gathered.is_full() {
                gathered.write_to(out)?;
            }
        }
        gathered.write_to(out)?;
        write_findings(rest, out, &mut first)?;
        out.write_all(b"\n  ]")?;
    }
    out.write_all(&text[at + EMPTY.len()..])?;
    out.write_all(b"\n")
}

/// Writes `findings` as the items of the report's findings list, a batch at a time so the
/// rendered text in memory stays small: while one batch is written out on this thread, the
/// next is rendered on the rayon pool. `first`: nothing has been written to the list yet.
fn write_findings(findings: &[Finding], out: &mut dyn Write, first: &mut bool) -> io::Result<()> {
    if findings.is_empty() {
        // Between two blocks, as in most of a rescan's report: no need to start rayon's pool
        // (its threads and a look at the cgroup's CPU quota, half a millisecond).
        return Ok(());
    }
    let render = |batch: &[Finding]| -> io::Result<Vec<Vec<u8>>> {
        batch
            .par_chunks(FINDINGS_PER_CHUNK)
            .map(render_findings)
            .collect()
    };
    let size = FINDINGS_PER_CHUNK * 4 * rayon::current_num_threads();
    let mut batches = findings.chunks(size);
    let mut ready = batches.next().map(render).transpose()?;
    while let Some(chunks) = ready.take() {
        let mut next = None;
        let next_batch = batches.next();
        let written = rayon::in_place_scope(|scope| {
            if let Some(batch) = next_batch {
                scope.spawn(|_| next = Some(render(batch)));
            }
            chunks
                .iter()
                .try_for_each(|chunk| write_item(chunk, out, first))
        });
        written?;
        ready = next.transpose()?;
    }
    Ok(())
}

/// Blocks' texts and the separators between them, gathered for one vectored write: the
/// texts are not copied on their way to the report (a rescan's report is mostly texts
/// straight from the cache's memory map, which the kernel copies into the report file).
#[derive(Default)]
struct Gathered {
    pieces: Vec<Piece>,
    bytes: usize,
}

/// A piece of a [`Gathered`] write.
enum Piece {
    Static(&'static [u8]),
    Text(SharedText),
}

impl Gathered {
    /// Pieces per write: as many buffers as one `writev` takes (`IOV_MAX` on Linux) …
    const PIECES: usize = 1024;
    /// … or this many bytes.
    const BYTES: usize = 4 << 20;

    fn push(&mut self, piece: Piece) {
        self.bytes += match &piece {
            Piece::Static(b) => b.len(),
            Piece::Text(t) => t.len(),
        };
        self.pieces.push(piece);
    }

    fn is_full(&self) -> bool {
        self.pieces.len() >= Self::PIECES || self.bytes >= Self::BYTES
    }

    /// Writes the pieces gathered, in order, and forgets them.
    fn write_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut slices: Vec<IoSlice<'_>> = self
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Static(b) => IoSlice::new(b),
                Piece::Text(t) => IoSlice::new(t),
            })
            .collect();
        write_all_vectored(out, &mut slices)?;
        self.pieces.clear();
        self.bytes = 0;
        Ok(())
    }
}

/// Writes all of `slices` with as few vectored writes as `out` allows.
fn write_all_vectored(out: &mut dyn Write, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        match out.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes rendered items of the findings list, after a separator unless they are the first.
fn write_item(items: &[u8], out: &mut dyn Write, first: &mut bool) -> io::Result<()> {
    if !std::mem::take(first) {
        out.write_all(ITEM_SEPARATOR)?;
    }
    out.write_all(items)
}

/// Findings rendered per rayon task.
const FINDINGS_PER_CHUNK: usize = 512;

/// Between two items of the top-level findings list, as the pretty printer writes it.
const ITEM_SEPARATOR: &[u8] = b",\n    ";

/// `findings` as items of the report's findings list: pretty-printed, every line after the
/// first indented by the list's four spaces.
fn render_findings(findings: &[Finding]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(findings.len() * 700);
    let mut memo = RenderMemo::default();
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(ITEM_SEPARATOR);
        }
        pretty::write_finding(&mut out, f, 4, &mut memo)?;
    }
    Ok(out)
}

/// One JSON Lines record, tagged by `type`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Header(&'a Header),
    /// Written by `pretty::write_finding_record`, which is tested to write what serde writes
    /// for this variant.
    #[cfg_attr(not(test), allow(dead_code))]
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
    /// The record being written (reused).
    line: Vec<u8>,
    /// What was rendered for the findings last written.
    locations: RenderMemo,
}

impl<W: Write> JsonLinesWriter<W> {
    /// Starts the stream by writing the header record.
    pub fn new(mut out: W, header: &Header) -> io::Result<Self> {
        write_line(&mut out, &Line::Header(header))?;
        Ok(JsonLinesWriter {
            out,
            messages: None,
            line: Vec::new(),
            locations: RenderMemo::default(),
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
        // What `write_line(&Line::Finding(..))` writes, without serde (the hot path).
        self.line.clear();
        pretty::write_finding_record(&mut self.line, &finding, "finding", &mut self.locations)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)
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

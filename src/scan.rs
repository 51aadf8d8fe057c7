//! The scan pipeline: walk → extract → detect → report, with one worker per walker thread and
//! results streamed through a bounded channel to a single report sink.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_channel::{bounded, Sender};

use crate::cache::Cache;
use crate::detect::{Detection, Engine, Scratch};
use crate::extract::{Dispatcher, ExtractError, Limits, Outcome, Segment, SegmentSink};
use crate::location::{Location, Step};
use crate::report::fingerprint::Fingerprinter;
use crate::report::mask::{mask_value, snippet};
use crate::report::{FileError, Finding, ReportSink, Skipped, Summary};
use crate::walk::{walk, WalkEvent, WalkOptions};

/// How findings are turned into report entries.
#[derive(Debug, Clone)]
pub struct FindingOptions {
    /// Show values and snippets unmasked.
    pub show_values: bool,
    /// Findings below this confidence are dropped.
    pub min_confidence: f32,
}

impl Default for FindingOptions {
    fn default() -> Self {
        FindingOptions {
            show_values: false,
            min_confidence: 0.5,
        }
    }
}

/// Live counters for a progress display.
#[derive(Debug, Default)]
pub struct Progress {
    /// Files scanned so far.
    pub files: AtomicU64,
    /// Bytes of those files.
    pub bytes: AtomicU64,
    /// Findings so far.
    pub findings: AtomicU64,
    /// Errors so far.
    pub errors: AtomicU64,
}

/// Everything a scan needs, built once and shared by the worker threads.
#[derive(Debug)]
pub struct Scanner {
    /// Compiled rules.
    pub engine: Engine,
    /// Format dispatcher.
    pub dispatcher: Dispatcher,
    /// Fingerprint key.
    pub fingerprinter: Fingerprinter,
    /// Masking and confidence options.
    pub options: FindingOptions,
    /// Results of unchanged files from earlier scans (`None`: every file is read).
    pub cache: Option<Cache>,
}

/// What a worker sends to the report thread.
enum Event {
    Finding(Finding),
    Error(FileError),
    Skipped(Skipped),
    Scanned { bytes: u64, cached: bool },
}

impl Scanner {
    /// A scanner with the default limits.
    pub fn new(engine: Engine, fingerprinter: Fingerprinter, options: FindingOptions) -> Self {
        Scanner {
            engine,
            dispatcher: Dispatcher::new(Limits::default()),
            fingerprinter,
            options,
            cache: None,
        }
    }

    /// Scans everything under `walk_options.roots`, streaming results into `sink`.
    /// Returns the summary and the duration in seconds.
    pub fn scan(
        &self,
        walk_options: &WalkOptions,
        sink: &mut dyn ReportSink,
        progress: &Progress,
    ) -> std::io::Result<(Summary, f64)> {
        let started = Instant::now();
        let (tx, rx) = bounded::<Event>(4096);
        let mut summary = Summary::default();
        let walk_result = std::thread::scope(|scope| -> std::io::Result<Result<(), String>> {
            let walker = scope.spawn(move || {
                walk(walk_options, || {
                    let tx = tx.clone();
                    let mut scratch = self.engine.scratch();
                    move |event| self.visit(event, &tx, &mut scratch)
                })
            });
            for event in rx {
                match event {
                    Event::Finding(f) => {
                        summary.add_finding(&f);
                        progress.findings.fetch_add(1, Ordering::Relaxed);
                        sink.finding(f)?;
                    }
                    Event::Error(e) => {
                        summary.errors += 1;
                        progress.errors.fetch_add(1, Ordering::Relaxed);
                        sink.error(e)?;
                    }
                    Event::Skipped(s) => {
                        summary.add_skipped(&s);
                        sink.skipped(s)?;
                    }
                    Event::Scanned { bytes, cached } => {
                        summary.files_scanned += 1;
                        summary.files_from_cache += u64::from(cached);
                        summary.bytes_scanned += bytes;
                        progress.files.fetch_add(1, Ordering::Relaxed);
                        progress.bytes.fetch_add(bytes, Ordering::Relaxed);
                    }
                }
            }
            Ok(walker.join().expect("walker thread"))
        })?;
        walk_result.map_err(std::io::Error::other)?;
        if let Some(cache) = &self.cache {
            cache.finish(&walk_options.roots);
        }
        summary.complete = summary.errors == 0;
        let seconds = started.elapsed().as_secs_f64();
        sink.finish(&summary, seconds)?;
        Ok((summary, seconds))
    }

    /// Handles one walk event on a worker thread; `false` when the report side has gone
    /// (e.g. the output pipe closed), so the walk should stop.
    fn visit(&self, event: WalkEvent, tx: &Sender<Event>, scratch: &mut Scratch) -> bool {
        let open = std::cell::Cell::new(true);
        let send = |e: Event| {
            if tx.send(e).is_err() {
                open.set(false);
            }
        };
        match event {
            WalkEvent::File { path, size } => {
                let (outcome, cached) = self.scan_file_cached(&path, scratch, &send);
                match outcome {
                    Ok(Outcome::Extracted) => send(Event::Scanned {
                        bytes: size,
                        cached,
                    }),
                    Ok(Outcome::Skipped(reason)) => send(Event::Skipped(Skipped {
                        path: display(&path),
                        reason,
                    })),
                    Err(e) => send(Event::Error(FileError {
                        path: display(&path),
                        location: Location::root(),
                        message: e.to_string(),
                    })),
                }
            }
            WalkEvent::Skipped { path, reason } => send(Event::Skipped(Skipped {
                path: display(&path),
                reason,
            })),
            WalkEvent::Error { path, message } => send(Event::Error(FileError {
                path: display(&path),
                location: Location::root(),
                message,
            })),
        }
        open.get()
    }

    /// [`Scanner::scan_file`] through the cache when there is one; `true` when the results
    /// came from it.
    fn scan_file_cached(
        &self,
        path: &Path,
        scratch: &mut Scratch,
        send: &dyn Fn(Event),
    ) -> (Result<Outcome, ExtractError>, bool) {
        let on_finding = &mut |f| send(Event::Finding(f));
        let on_error = &mut |e| send(Event::Error(e));
        match &self.cache {
            None => (self.scan_file(path, scratch, on_finding, on_error), false),
            Some(cache) => cache.scan_file(
                path,
                &display(path),
                &mut |f, e| self.scan_file(path, scratch, f, e),
                on_finding,
                on_error,
            ),
        }
    }

    /// Extracts and searches one file, calling `on_finding` / `on_error` for what it finds.
    pub fn scan_file(
        &self,
        path: &Path,
        scratch: &mut Scratch,
        on_finding: &mut dyn FnMut(Finding),
        on_error: &mut dyn FnMut(FileError),
    ) -> Result<Outcome, ExtractError> {
        let mut sink = FindingSink {
            scanner: self,
            path: display(path),
            scratch,
            on_finding,
            on_error,
        };
        self.dispatcher.extract_file(path, &mut sink)
    }

    /// Turns one detection in a segment into a report finding.
    fn finding(
        &self,
        path: &str,
        segment: &Segment<'_>,
        d: &Detection,
        others: &[(usize, usize)],
        lines: &mut LineIndex,
    ) -> Finding {
        let rule = &self.engine.rules()[d.rule].rule;
        let written = &segment.text[d.start..d.end];
        let shown = if self.options.show_values {
            written.to_string()
        } else {
            mask_value(written)
        };
        let mut location = segment.location.clone();
        if segment.first_line.is_some() {
            let (line, column) = lines.position(segment, d.start);
            location = location.child(Step::Line { line, column });
        }
        Finding {
            rule: rule.id.clone(),
            category: rule.category.clone(),
            kind: d.kind.map(str::to_string),
            severity: d.severity,
            confidence: (d.confidence * 100.0).round() / 100.0,
            path: path.to_string(),
            location,
            context: snippet(
                segment.text,
                d.start,
                d.end,
                &shown,
                !self.options.show_values,
                others,
            ),
            value: shown,
            fingerprint: self.fingerprinter.fingerprint(&rule.id, &d.normalized),
        }
    }
}

/// The path as shown in reports.
fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Bytes around a value that its snippet can reach (40 characters of up to 4 bytes).
const SNIPPET_REACH: usize = 4 * 41;

/// Receives segments of one file, runs the engine and forwards findings.
struct FindingSink<'a> {
    scanner: &'a Scanner,
    path: String,
    scratch: &'a mut Scratch,
    on_finding: &'a mut dyn FnMut(Finding),
    on_error: &'a mut dyn FnMut(FileError),
}

impl SegmentSink for FindingSink<'_> {
    fn text(&mut self, segment: Segment<'_>) {
        let scanner = self.scanner;
        let mut lines = LineIndex::default();
        let mut found = Vec::new();
        scanner
            .engine
            .scan(segment.text, segment.report_before, self.scratch, |d| {
                if d.confidence >= scanner.options.min_confidence {
                    found.push(d);
                }
            });
        let spans: Vec<(usize, usize)> = found.iter().map(|d| (d.start, d.end)).collect();
        for d in &found {
            // Only the detections that can fall inside this finding's snippet (spans are in
            // order and do not overlap); all of them would make a dense chunk quadratic.
            let (lo, hi) = (d.start.saturating_sub(SNIPPET_REACH), d.end + SNIPPET_REACH);
            let a = spans.partition_point(|&(_, e)| e <= lo);
            let b = spans.partition_point(|&(s, _)| s < hi);
            let f = scanner.finding(&self.path, &segment, d, &spans[a..b], &mut lines);
            (self.on_finding)(f);
        }
    }

    fn error(&mut self, location: &Location, error: &ExtractError) {
        (self.on_error)(FileError {
            path: self.path.clone(),
            location: location.clone(),
            message: error.to_string(),
        });
    }
}

/// Line and column of offsets visited in increasing order, counted incrementally.
#[derive(Default)]
struct LineIndex {
    offset: usize,
    newlines: u64,
    line_start: usize,
}

impl LineIndex {
    fn position(&mut self, segment: &Segment<'_>, at: usize) -> (u64, u64) {
        let bytes = &segment.text.as_bytes()[self.offset..at];
        for i in memchr::memchr_iter(b'\n', bytes) {
            self.newlines += 1;
            self.line_start = self.offset + i + 1;
        }
        self.offset = at;
        let first = segment.first_line.unwrap_or(1);
        let chars = segment.text[self.line_start..at].chars().count() as u64;
        let column = if self.newlines == 0 {
            segment.first_column + chars
        } else {
            1 + chars
        };
        (first + self.newlines, column)
    }
}

//! The scan pipeline: walk → extract → detect → report, with one worker per walker thread and
//! results streamed through a bounded channel to a single report sink.

use std::borrow::BorrowMut;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_channel::{bounded, Sender};

use crate::detect::pairing::search_ranges;
use crate::detect::{Detection, Engine, Scratch};
use crate::extract::{Dispatcher, ExtractError, Limits, Outcome, Segment, SegmentSink};
use crate::location::{Location, Step};
use crate::policy::{FilePolicy, Policy};
use crate::report::fingerprint::Fingerprinter;
use crate::report::mask::{mask_value, snippet};
use crate::report::{FileError, Finding, ReportSink, Skipped, Summary};
use crate::special::Pairing;
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
    /// Allowlists and baseline (the default hides nothing).
    pub policy: Policy,
}

/// What a worker sends to the report thread.
enum Event {
    Finding(Finding),
    Error(FileError),
    Skipped(Skipped),
    Scanned { bytes: u64 },
}

impl Scanner {
    /// A scanner with the default limits.
    pub fn new(engine: Engine, fingerprinter: Fingerprinter, options: FindingOptions) -> Self {
        Scanner {
            engine,
            dispatcher: Dispatcher::new(Limits::default()),
            fingerprinter,
            options,
            policy: Policy::default(),
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
        let mut tracker = self.policy.tracker();
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
                        if !self.policy.admit(&mut tracker, &f) {
                            summary.hidden_by_baseline += 1;
                            continue;
                        }
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
                    Event::Scanned { bytes } => {
                        summary.files_scanned += 1;
                        summary.bytes_scanned += bytes;
                        progress.files.fetch_add(1, Ordering::Relaxed);
                        progress.bytes.fetch_add(bytes, Ordering::Relaxed);
                    }
                }
            }
            Ok(walker.join().expect("walker thread"))
        })?;
        walk_result.map_err(std::io::Error::other)?;
        summary.complete = summary.errors == 0;
        summary.hidden_by_allowlist = self.policy.take_allowed();
        self.policy.finish(tracker)?;
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
                let outcome = self.scan_file(&path, scratch, tx);
                match outcome {
                    Ok(Outcome::Extracted) => send(Event::Scanned { bytes: size }),
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

    /// Extracts and searches one file, sending what it finds to `tx`.
    fn scan_file(
        &self,
        path: &Path,
        scratch: &mut Scratch,
        tx: &Sender<Event>,
    ) -> Result<Outcome, ExtractError> {
        let mut sink = FindingSink {
            scanner: self,
            path: display(path),
            policy: self.policy.for_file(path),
            scratch,
            tx: tx.clone(),
            pairing: Pairing::default(),
        };
        // Dropping the sink pairs the special-category keywords still waiting.
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
            kind: d.kind.map(str::to_string).or_else(|| rule.kind.clone()),
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
            related: None,
        }
    }
}

/// The path as shown in reports.
fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Bytes around a value that its snippet can reach (40 characters of up to 4 bytes).
const SNIPPET_REACH: usize = 4 * 41;

/// Receives segments of one file, runs the engine and forwards findings to the report thread.
/// `S` is the detector scratch space: borrowed from the worker thread, or owned by a fork.
struct FindingSink<'a, S> {
    scanner: &'a Scanner,
    path: String,
    /// Allowlist decisions for this file.
    policy: FilePolicy<'a>,
    scratch: S,
    tx: Sender<Event>,
    /// Special-category keywords waiting for the end of their record.
    pairing: Pairing,
}

impl<S> FindingSink<'_, S> {
    /// Sends a finding to the report thread. A closed channel means the report side has
    /// gone; the walk notices and stops.
    fn emit(tx: &Sender<Event>, f: Finding) {
        let _ = tx.send(Event::Finding(f));
    }

    /// Finds the keyword-rule hits of `segment` and hands them to the pairing: the whole text
    /// inside a record, only the windows around identifiers elsewhere.
    fn keywords(&mut self, segment: &Segment<'_>, found: &[Detection], spans: &[(usize, usize)]) {
        let scanner = self.scanner;
        let engine = &scanner.engine;
        let text = segment.text;
        let mut hits = Vec::new();
        for range in search_ranges(engine, text, found, self.pairing.in_record()) {
            engine.find_keywords(text, range, segment.report_before, &mut hits);
        }
        let mut lines = LineIndex::default();
        for h in hits {
            let d = Pairing::keyword_detection(engine, text, h.rule, h.start, h.end);
            if d.confidence < scanner.options.min_confidence
                || self
                    .policy
                    .allows(&engine.rules()[d.rule].rule.id, &d.normalized)
            {
                continue;
            }
            let f = scanner.finding(&self.path, segment, &d, nearby(spans, &d), &mut lines);
            let fp = &scanner.fingerprinter;
            let tx = &self.tx;
            self.pairing
                .keyword(&d, f, engine, fp, &mut |f| Self::emit(tx, f));
        }
    }
}

/// The detection spans (in order, not overlapping) that can fall inside `d`'s snippet; all of
/// them would make a dense chunk quadratic.
fn nearby<'s>(spans: &'s [(usize, usize)], d: &Detection) -> &'s [(usize, usize)] {
    let (lo, hi) = (d.start.saturating_sub(SNIPPET_REACH), d.end + SNIPPET_REACH);
    let a = spans.partition_point(|&(_, e)| e <= lo);
    let b = spans.partition_point(|&(s, _)| s < hi);
    &spans[a..b]
}

impl<S: BorrowMut<Scratch>> SegmentSink for FindingSink<'_, S> {
    fn text(&mut self, segment: Segment<'_>) {
        let scanner = self.scanner;
        let mut lines = LineIndex::default();
        let mut found = Vec::new();
        scanner.engine.scan(
            segment.text,
            segment.report_before,
            self.scratch.borrow_mut(),
            |d| {
                if d.confidence >= scanner.options.min_confidence {
                    found.push(d);
                }
            },
        );
        let spans: Vec<(usize, usize)> = found.iter().map(|d| (d.start, d.end)).collect();
        let engine = &scanner.engine;
        let pairs = engine.has_keyword_rules();
        let fp = &scanner.fingerprinter;
        if pairs {
            let tx = &self.tx;
            self.pairing
                .begin_text(segment.location, engine, fp, &mut |f| Self::emit(tx, f));
        }
        for d in &found {
            // An allowlisted value (the company's own number, a known test number) is neither
            // reported nor paired with special-category words.
            if self
                .policy
                .allows(&engine.rules()[d.rule].rule.id, &d.normalized)
            {
                continue;
            }
            let f = scanner.finding(&self.path, &segment, d, nearby(&spans, d), &mut lines);
            if pairs && engine.identifies_person(d.rule) {
                self.pairing.identifier(d, &f);
            }
            Self::emit(&self.tx, f);
        }
        if pairs {
            self.keywords(&segment, &found, &spans);
            let tx = &self.tx;
            self.pairing
                .end_text(engine, fp, &mut |f| Self::emit(tx, f));
        }
    }

    fn error(&mut self, location: &Location, error: &ExtractError) {
        let _ = self.tx.send(Event::Error(FileError {
            path: self.path.clone(),
            location: location.clone(),
            message: error.to_string(),
        }));
    }

    fn fork(&self) -> Option<Box<dyn SegmentSink + Send + '_>> {
        Some(Box::new(FindingSink {
            scanner: self.scanner,
            path: self.path.clone(),
            policy: self.policy,
            scratch: self.scanner.engine.scratch(),
            tx: self.tx.clone(),
            pairing: Pairing::default(),
        }))
    }
}

impl<S> Drop for FindingSink<'_, S> {
    /// The end of a file (or of a fork's share of one) closes every open record: keywords
    /// still waiting are paired with the identifiers seen, or dropped.
    fn drop(&mut self) {
        let scanner = self.scanner;
        let tx = &self.tx;
        self.pairing
            .finish(&scanner.engine, &scanner.fingerprinter, &mut |f| {
                Self::emit(tx, f)
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

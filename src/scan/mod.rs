//! The scan pipeline: walk → extract → detect → report, with one worker per walker thread and
//! results streamed through a bounded channel to a single report sink.

pub mod records;

use std::borrow::BorrowMut;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::{bounded, Sender};

use crate::cache::{Cache, CachedFile, Recorded, Replay, MAX_FINDINGS_STORED};
use crate::detect::keywords::KeywordHit;
use crate::detect::pairing::{name_ranges, pairs_names, search_ranges};
use crate::detect::{Detection, Engine, Scratch};
use crate::extract::{
    Dispatcher, ExtractError, Limits, LinesCounted, Outcome, Segment, SegmentSink,
};
use crate::location::{Location, Step};
use crate::policy::baseline::Tracker;
use crate::policy::{FilePolicy, Policy};
use crate::report::fingerprint::Fingerprinter;
use crate::report::json::{FileBlock, NoStore};
use crate::report::mask::{mask_value, snippet, LocationMasker};
use crate::report::{FileError, Finding, ReportSink, Skipped, Summary};
use crate::walk::{walk, FileStat, WalkEvent, WalkOptions};
use records::Pairing;

/// How findings are turned into report entries.
#[derive(Debug, Clone)]
pub struct FindingOptions {
    /// Show values and snippets unmasked.
    pub show_values: bool,
    /// Findings below this confidence are dropped.
    pub min_confidence: f32,
    /// Special-category words are searched in all text, so a name alone can pair with them
    /// outside records too (costs a keyword search over every byte).
    pub names_everywhere: bool,
}

impl Default for FindingOptions {
    fn default() -> Self {
        FindingOptions {
            show_values: false,
            min_confidence: 0.5,
            names_everywhere: false,
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
    /// Results of unchanged files from earlier scans (`None`: every file is read).
    pub cache: Option<Cache>,
}

/// What a worker sends to the report thread: an item of type `T` (a finding for `scan`), or
/// what happened to a file.
enum Event<T> {
    Item(T),
    /// Many items in one message (a file's results from the cache).
    Items(Vec<T>),
    /// All findings of a file, rendered (see [`FileBlock`]).
    Block(Arc<FileBlock>),
    Error(FileError),
    Skipped(Skipped),
    /// A file's end.
    Scanned(FileEnd),
    /// The ends of files answered from the cache, one after another (see [`ENDS_PER_MESSAGE`]).
    Ends(Vec<FileEnd>),
}

/// A file's end, as its walker tells the report thread.
struct FileEnd {
    bytes: u64,
    /// Its results came from the cache.
    from_cache: bool,
    /// All its findings, rendered, when they came as one block (one message per file).
    block: Option<Arc<FileBlock>>,
}

/// Ends of files answered from the cache that a walker sends in one message. A rescan of
/// small files is little more than a message per file, which the report thread took from the
/// channel on the same two cores (slots of 200 bytes, the channel's shared positions passed
/// between the threads, a wake-up when it waited). A walker sends what it holds before
/// anything else it sends, and before it reads a file, so the report thread still gets each
/// walker's messages in order and hears of a file before a long one is read.
const ENDS_PER_MESSAGE: usize = 32;

/// Receives, on the report thread, what the workers of [`run_walk`] produced.
pub trait ItemSink<T> {
    /// One item; `summary` is the run's running total, for the sink to count the item in.
    fn item(&mut self, item: T, summary: &mut Summary) -> std::io::Result<()>;
    /// A file or part of one that could not be read.
    fn error(&mut self, error: FileError) -> std::io::Result<()>;
    /// A file not scanned on purpose.
    fn skipped(&mut self, skipped: Skipped) -> std::io::Result<()>;
    /// All findings of one file, rendered; only a scan of findings for a sink that
    /// [takes blocks](ReportSink::takes_blocks) sends them, so other sinks refuse them.
    fn block(&mut self, _block: Arc<FileBlock>, _summary: &mut Summary) -> std::io::Result<()> {
        Err(std::io::Error::other(
            "this report does not take rendered findings",
        ))
    }
}

impl<S: ReportSink + ?Sized> ItemSink<Finding> for S {
    fn item(&mut self, finding: Finding, summary: &mut Summary) -> std::io::Result<()> {
        summary.add_finding(&finding);
        self.finding(finding)
    }
    fn block(&mut self, block: Arc<FileBlock>, summary: &mut Summary) -> std::io::Result<()> {
        summary.add_block(&block);
        ReportSink::block(self, block)
    }
    fn error(&mut self, error: FileError) -> std::io::Result<()> {
        ReportSink::error(self, error)
    }
    fn skipped(&mut self, skipped: Skipped) -> std::io::Result<()> {
        ReportSink::skipped(self, skipped)
    }
}

/// Where a worker sends what it finds in a file: items and per-part errors go to the report
/// thread. Cloneable and `Send`, so a sink forked for another thread can take its own.
pub struct Outbox<T> {
    tx: Sender<Event<T>>,
    /// When set, copies of what is sent are kept too (for the cache), up to a limit.
    tap: Option<Arc<Tap<T>>>,
    /// Set by [`Outbox::from_cache`] on this outbox (not on its clones): told with the file's
    /// end rather than in a message of its own.
    cached: AtomicBool,
    /// On a walker's own outbox: what it holds back (clones send everything at once).
    held: Option<Mutex<HeldBack>>,
}

/// What a walker's own outbox holds back.
#[derive(Default)]
struct HeldBack {
    /// The file's block, sent with the file's end rather than in a message of its own.
    block: Option<Arc<FileBlock>>,
    /// Ends of files not sent yet ([`ENDS_PER_MESSAGE`]).
    ends: Vec<FileEnd>,
}

impl<T> Drop for Outbox<T> {
    fn drop(&mut self) {
        // What could not be sent is lost only when the report side has gone.
        let _ = self.send_ends();
    }
}

impl<T> Clone for Outbox<T> {
    fn clone(&self) -> Self {
        Outbox {
            tx: self.tx.clone(),
            tap: self.tap.clone(),
            cached: AtomicBool::new(false),
            held: None,
        }
    }
}

/// Copies of what an outbox sent, shared by its clones (forks on other threads).
struct Tap<T> {
    kept: Mutex<Kept<T>>,
    limit: usize,
    copy: fn(&T) -> T,
    /// Items are kept instead of sent (moved, not copied) until more than `limit` arrive:
    /// then those kept are sent, and the rest go straight through.
    holding: bool,
}

/// Adds `value()` to `list` unless it already holds `limit` values.
fn keep_bounded<V>(list: &mut Vec<V>, limit: usize, value: impl FnOnce() -> V) {
    if list.len() < limit {
        list.push(value());
    }
}

/// What a tap kept: items, errors and skipped parts.
pub struct Kept<T> {
    /// Items: copies of those sent, or those held back.
    pub items: Vec<T>,
    /// Copies of the errors sent.
    pub errors: Vec<FileError>,
    /// Copies of the parts reported skipped.
    pub skipped: Vec<Skipped>,
    /// More than the limit came: not every item is in `items`.
    pub overflowed: bool,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept {
            items: Vec::new(),
            errors: Vec::new(),
            skipped: Vec::new(),
            overflowed: false,
        }
    }
}

impl<T> Outbox<T> {
    /// An outbox without a tap.
    fn new(tx: Sender<Event<T>>) -> Self {
        Outbox {
            tx,
            tap: None,
            cached: AtomicBool::new(false),
            held: None,
        }
    }

    /// A walker's own outbox, used for file after file: a file's block goes with its end
    /// ([`Outbox::take_held`]).
    fn for_walker(tx: Sender<Event<T>>) -> Self {
        Outbox {
            tx,
            tap: None,
            cached: AtomicBool::new(false),
            held: Some(Mutex::default()),
        }
    }

    /// Sends `event`, after the ends of files this outbox still holds; an error when the
    /// report side has gone.
    fn send(&self, event: Event<T>) -> Result<(), ()> {
        self.send_ends()?;
        self.tx.send(event).map_err(|_| ())
    }

    /// Sends the ends of files this outbox holds, if any.
    pub(crate) fn send_ends(&self) -> Result<(), ()> {
        let Some(held) = &self.held else {
            return Ok(());
        };
        let ends = std::mem::take(&mut held.lock().unwrap_or_else(|p| p.into_inner()).ends);
        match ends.is_empty() {
            true => Ok(()),
            false => self.tx.send(Event::Ends(ends)).map_err(|_| ()),
        }
    }

    /// Tells of a file's end: held with others when the file was answered from the cache,
    /// sent at once (with those held) when it was read.
    fn end_file(&self, end: FileEnd) -> Result<(), ()> {
        let Some(held) = &self.held else {
            return self.send(Event::Scanned(end));
        };
        let full = {
            let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
            let ends = &mut held.ends;
            let cached = end.from_cache;
            ends.push(end);
            !cached || ends.len() >= ENDS_PER_MESSAGE
        };
        match full {
            true => self.send_ends(),
            false => Ok(()),
        }
    }

    /// The block held for the file's end, if any.
    fn take_held(&self) -> Option<Arc<FileBlock>> {
        let held = self.held.as_ref()?;
        held.lock().unwrap_or_else(|p| p.into_inner()).block.take()
    }

    /// Sends an item (or holds it back, on a [`Outbox::holding`] outbox). A closed channel
    /// means the report side has gone; the walk notices and stops.
    pub fn item(&self, item: T) {
        // The item is moved into the list or the message once (it went through an `Option`
        // and a closure before: three copies of a finding of ~200 bytes).
        let item = match &self.tap {
            Some(tap) if tap.holding => {
                let mut kept = tap.kept.lock().unwrap_or_else(|p| p.into_inner());
                match hold(&mut kept, tap.limit, item) {
                    Held::Kept => return,
                    Held::Send(item) => item,
                    Held::Release(release, item) => {
                        drop(kept);
                        if !release.is_empty() {
                            let _ = self.send(Event::Items(release));
                        }
                        item
                    }
                }
            }
            _ => {
                self.keep(|kept, tap| {
                    keep_bounded(&mut kept.items, tap.limit, || (tap.copy)(&item))
                });
                item
            }
        };
        let _ = self.send(Event::Item(item));
    }

    /// Sends many items in one message (cheaper than one by one for the report thread).
    pub fn items(&self, items: Vec<T>) {
        if items.is_empty() {
            return;
        }
        if self.tap.as_ref().is_some_and(|tap| tap.holding) {
            return items.into_iter().for_each(|item| self.item(item));
        }
        self.keep(|kept, tap| {
            for item in &items {
                keep_bounded(&mut kept.items, tap.limit, || (tap.copy)(item));
            }
        });
        let _ = self.send(Event::Items(items));
    }

    /// Sends all findings of a file, rendered (a walker's own outbox holds them for the
    /// file's end; a second block of the same file is sent at once).
    pub fn block(&self, block: Arc<FileBlock>) {
        if let Some(held) = &self.held {
            let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
            if held.block.is_none() {
                held.block = Some(block);
                return;
            }
        }
        let _ = self.send(Event::Block(block));
    }

    /// Sends an error about part of a file.
    pub fn error(&self, error: FileError) {
        self.keep(|kept, tap| keep_bounded(&mut kept.errors, tap.limit, || error.clone()));
        let _ = self.send(Event::Error(error));
    }

    /// Reports a part of a file not read on purpose.
    pub fn skipped(&self, skipped: Skipped) {
        self.keep(|kept, tap| keep_bounded(&mut kept.skipped, tap.limit, || skipped.clone()));
        let _ = self.send(Event::Skipped(skipped));
    }

    /// What a segment sink reports as an error at `location` inside the file at `path`.
    pub fn error_at(&self, path: &str, location: &Location, error: &ExtractError) {
        self.error(FileError {
            path: path.to_string(),
            location: location.clone(),
            message: error.to_string(),
        });
    }

    /// What a segment sink reports as skipped at `location` inside the file at `path`.
    pub fn skipped_at(&self, path: &str, location: &Location, reason: &str) {
        self.skipped(Skipped {
            path: path.to_string(),
            location: location.clone(),
            reason: reason.to_string(),
        });
    }

    /// Runs `add` on the tap's copies, when this outbox has a tap.
    fn keep(&self, add: impl FnOnce(&mut Kept<T>, &Tap<T>)) {
        if let Some(tap) = &self.tap {
            let mut kept = tap.kept.lock().unwrap_or_else(|p| p.into_inner());
            add(&mut kept, tap);
        }
    }

    /// Says that the file being scanned was answered from the cache.
    pub fn from_cache(&self) {
        self.cached.store(true, Ordering::Relaxed);
    }

    /// An outbox sending to the same place that also keeps copies of the first `limit` items
    /// and errors (memory stays bounded however much a file holds).
    pub fn tapped(&self, limit: usize) -> Outbox<T>
    where
        T: Clone,
    {
        self.with_tap(limit, false, Vec::new())
    }

    /// An outbox sending errors and skipped parts to the same place (keeping copies of the
    /// first `limit`) but holding items back for [`Outbox::take_recorded`], up to `limit`:
    /// should more come, those held are sent and so is every later one.
    pub fn holding(&self, limit: usize) -> Outbox<T>
    where
        T: Clone,
    {
        self.holding_in(limit, Vec::new())
    }

    /// [`Outbox::holding`], holding the items in `items` (emptied first), so a list kept from
    /// an earlier file need not grow again.
    pub fn holding_in(&self, limit: usize, mut items: Vec<T>) -> Outbox<T>
    where
        T: Clone,
    {
        items.clear();
        self.with_tap(limit, true, items)
    }

    fn with_tap(&self, limit: usize, holding: bool, items: Vec<T>) -> Outbox<T>
    where
        T: Clone,
    {
        Outbox {
            tx: self.tx.clone(),
            tap: Some(Arc::new(Tap {
                kept: Mutex::new(Kept {
                    items,
                    ..Kept::default()
                }),
                limit,
                copy: T::clone,
                holding,
            })),
            cached: AtomicBool::new(false),
            held: None,
        }
    }

    /// What a [`Outbox::tapped`] or [`Outbox::holding`] outbox kept (nothing for any other).
    pub fn take_recorded(&self) -> Kept<T> {
        match &self.tap {
            Some(tap) => std::mem::take(&mut *tap.kept.lock().unwrap_or_else(|p| p.into_inner())),
            None => Kept::default(),
        }
    }
}

/// What became of an item arriving at a holding tap (see [`hold`]).
enum Held<T> {
    /// Kept in the tap.
    Kept,
    /// To be sent (the tap has overflowed).
    Send(T),
    /// The tap overflowed with this item: what it held is to be sent, then the item.
    Release(Vec<T>, T),
}

/// One item arriving at a holding tap: kept while fewer than `limit` are; at the first one
/// over, everything held is released and the tap overflows, so the item and all later ones
/// are sent as they come.
fn hold<T>(kept: &mut Kept<T>, limit: usize, item: T) -> Held<T> {
    if kept.overflowed {
        return Held::Send(item);
    }
    if kept.items.len() < limit {
        kept.items.push(item);
        return Held::Kept;
    }
    kept.overflowed = true;
    Held::Release(std::mem::take(&mut kept.items), item)
}

/// Runs `work` with an outbox outside a walk (one source, e.g. in tests or when embedding) and
/// returns what it sent: items and errors.
pub fn collect<T>(work: impl FnOnce(&Outbox<T>)) -> (Vec<T>, Vec<FileError>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    work(&Outbox::new(tx));
    let (mut items, mut errors) = (Vec::new(), Vec::new());
    for event in rx {
        match event {
            Event::Item(i) => items.push(i),
            Event::Items(i) => items.extend(i),
            Event::Error(e) => errors.push(e),
            Event::Block(_) | Event::Skipped(_) | Event::Scanned(_) | Event::Ends(_) => {}
        }
    }
    (items, errors)
}

/// What a worker made of one file: extracted or skipped, or why it could not be read.
pub type FileResult = Result<Outcome, ExtractError>;

/// Searches one file on a worker thread with that thread's engine scratch space, sending
/// items and per-part errors to the outbox.
pub type FileWork<'a, T> =
    dyn Fn(&Path, &FileStat, &mut Scratch, &Outbox<T>) -> FileResult + Sync + 'a;

/// Walks `walk_options.roots`, runs `work` on every file with one worker (and one scratch
/// space of `engine`) per walker thread, and delivers everything to `sink` on the calling
/// thread. Returns the totals (`complete` set) and the duration in seconds, without calling
/// any finishing step.
pub fn run_walk<T: Send, S: ItemSink<T> + ?Sized>(
    walk_options: &WalkOptions,
    engine: &Engine,
    work: &FileWork<'_, T>,
    sink: &mut S,
    progress: &Progress,
) -> std::io::Result<(Summary, f64)> {
    let started = Instant::now();
    // Slots of ~200 bytes, all written when the channel is made (before the walk starts):
    // 4,096 of them were 800 KB of fresh pages, 0.6 ms of a 25 ms rescan of small files
    // (alternating rounds); a dense text scan to JSONL, all findings one by one, is as fast
    // with 1,024 (262 against 267 ms).
    let (tx, rx) = bounded::<Event<T>>(1024);
    let mut summary = Summary::default();
    let walk_result = std::thread::scope(|scope| -> std::io::Result<Result<(), String>> {
        let walker = scope.spawn(move || {
            walk(walk_options, || {
                // One outbox per walker, for file after file: cloning and dropping the sender
                // for each file made the walkers contend for its shared count.
                let out = Outbox::for_walker(tx.clone());
                let mut scratch = engine.scratch();
                move |event| visit(event, &out, work, &mut scratch)
            })
        });
        for event in rx {
            match event {
                Event::Item(item) => {
                    progress.findings.fetch_add(1, Ordering::Relaxed);
                    sink.item(item, &mut summary)?;
                }
                Event::Items(items) => {
                    progress
                        .findings
                        .fetch_add(items.len() as u64, Ordering::Relaxed);
                    for item in items {
                        sink.item(item, &mut summary)?;
                    }
                }
                Event::Block(block) => deliver_block(block, sink, &mut summary, progress)?,
                Event::Error(e) => {
                    summary.errors += 1;
                    progress.errors.fetch_add(1, Ordering::Relaxed);
                    sink.error(e)?;
                }
                Event::Skipped(s) => {
                    summary.add_skipped(&s);
                    sink.skipped(s)?;
                }
                Event::Scanned(end) => end_file(end, sink, &mut summary, progress)?,
                Event::Ends(ends) => {
                    for end in ends {
                        end_file(end, sink, &mut summary, progress)?;
                    }
                }
            }
        }
        Ok(walker.join().expect("walker thread"))
    })?;
    walk_result.map_err(std::io::Error::other)?;
    summary.complete = summary.errors == 0;
    Ok((summary, started.elapsed().as_secs_f64()))
}

/// Counts a file's end, and hands its block (if any) to `sink`.
fn end_file<T, S: ItemSink<T> + ?Sized>(
    end: FileEnd,
    sink: &mut S,
    summary: &mut Summary,
    progress: &Progress,
) -> std::io::Result<()> {
    let FileEnd {
        bytes,
        from_cache,
        block,
    } = end;
    if let Some(block) = block {
        deliver_block(block, sink, summary, progress)?;
    }
    summary.files_scanned += 1;
    summary.files_from_cache += u64::from(from_cache);
    summary.bytes_scanned += bytes;
    progress.files.fetch_add(1, Ordering::Relaxed);
    progress.bytes.fetch_add(bytes, Ordering::Relaxed);
    Ok(())
}

/// Hands a file's rendered findings to `sink`, counting them in `progress`.
fn deliver_block<T, S: ItemSink<T> + ?Sized>(
    block: Arc<FileBlock>,
    sink: &mut S,
    summary: &mut Summary,
    progress: &Progress,
) -> std::io::Result<()> {
    progress.findings.fetch_add(block.count, Ordering::Relaxed);
    sink.block(block, summary)
}

/// Handles one walk event on a worker thread, with its outbox; `false` when the report side
/// has gone (e.g. the output pipe closed), so the walk should stop.
fn visit<T>(
    event: WalkEvent,
    out: &Outbox<T>,
    work: &FileWork<'_, T>,
    scratch: &mut Scratch,
) -> bool {
    let open = std::cell::Cell::new(true);
    let send = |e: Event<T>| {
        if out.send(e).is_err() {
            open.set(false);
        }
    };
    match event {
        WalkEvent::File { path, stat } => {
            out.cached.store(false, Ordering::Relaxed);
            let outcome = work(&path, &stat, scratch, out);
            // The held block goes with the file's end, or alone before a skip or an error.
            let block = match (out.take_held(), &outcome) {
                (Some(block), Ok(Outcome::Skipped(_)) | Err(_)) => {
                    send(Event::Block(block));
                    None
                }
                (block, _) => block,
            };
            match outcome {
                Ok(Outcome::Extracted) => {
                    let end = FileEnd {
                        bytes: stat.len,
                        from_cache: out.cached.load(Ordering::Relaxed),
                        block,
                    };
                    if out.end_file(end).is_err() {
                        open.set(false);
                    }
                }
                Ok(Outcome::Skipped(reason)) => send(Event::Skipped(Skipped {
                    path: shown_path(&path),
                    location: Location::root(),
                    reason,
                })),
                Err(e) => send(Event::Error(FileError {
                    path: shown_path(&path),
                    location: Location::root(),
                    message: e.to_string(),
                })),
            }
        }
        WalkEvent::Skipped { path, reason } => send(Event::Skipped(Skipped {
            path: shown_path(&path),
            location: Location::root(),
            reason,
        })),
        WalkEvent::Error { path, message } => send(Event::Error(FileError {
            path: shown_path(&path),
            location: Location::root(),
            message,
        })),
    }
    open.get()
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
        // A file's findings reach the report rendered, once, on the worker that found them,
        // when the report takes them so and no baseline must look at each of them.
        let blocks = sink.takes_blocks() && !self.policy.tracks_findings();
        let work = |path: &Path, stat: &FileStat, scratch: &mut Scratch, out: &Outbox<Finding>| {
            self.scan_file_cached(path, stat, scratch, out, blocks)
        };
        let mut admitted = Admitted {
            sink,
            policy: &self.policy,
            tracker: self.policy.tracker(),
            masker: (!self.options.show_values).then(|| LocationMasker::new(&self.engine)),
        };
        let (mut summary, seconds) =
            run_walk(walk_options, &self.engine, &work, &mut admitted, progress)?;
        summary.hidden_by_allowlist = self.policy.take_allowed();
        self.policy.finish(admitted.tracker)?;
        if let Some(cache) = &self.cache {
            cache.finish(&walk_options.roots);
        }
        sink.finish(&summary, seconds)?;
        Ok((summary, seconds))
    }

    /// [`Scanner::scan_file`] through the cache when there is one: an unchanged file's
    /// findings and errors come from the cache (and the outbox is told so), a changed one is
    /// scanned and its results recorded. With `blocks`, a file's findings are sent as one
    /// rendered [`FileBlock`].
    fn scan_file_cached(
        &self,
        path: &Path,
        stat: &FileStat,
        scratch: &mut Scratch,
        out: &Outbox<Finding>,
        blocks: bool,
    ) -> Result<Outcome, ExtractError> {
        let Some(cache) = &self.cache else {
            if !blocks {
                return self.scan_file(path, scratch, out);
            }
            let (result, recorded) = self.scan_file_recorded(path, scratch, out, true);
            // Nothing keeps the findings once their block is sent: their list serves the
            // thread's next file.
            if let Some(recorded) = recorded {
                keep_spare(&SPARE_FINDINGS, recorded.findings);
            }
            return result;
        };
        let shown = shown_path(path);
        let file = CachedFile {
            path,
            stat,
            shown: &shown,
        };
        let (result, cached) = cache.scan_file(
            file,
            &mut || {
                // The report thread hears of the files before this one (answered from the
                // cache, so far held back) before this one is read, which may take long.
                let _ = out.send_ends();
                self.scan_file_recorded(path, scratch, out, blocks)
            },
            Replay {
                findings: &mut |findings| out.items(findings),
                blocks,
                block: &mut |block| out.block(block),
                error: &mut |e| out.error(e),
                skipped: &mut |k| out.skipped(k),
            },
        );
        // Counted among the scanned files only (a skipped file is listed as skipped).
        if cached && matches!(result, Ok(Outcome::Extracted)) {
            out.from_cache();
        }
        result
    }

    /// [`Scanner::scan_file`], keeping what it sent as the report shows it (the cache stores
    /// that); `None` for a file with more findings than the cache stores. With `blocks`, the
    /// findings are held back and sent as one block at the end (one by one if there are too
    /// many).
    fn scan_file_recorded(
        &self,
        path: &Path,
        scratch: &mut Scratch,
        out: &Outbox<Finding>,
        blocks: bool,
    ) -> (Result<Outcome, ExtractError>, Option<Recorded>) {
        // One more than the cache stores, so it can tell a file it must not keep.
        let limit = MAX_FINDINGS_STORED + 1;
        let tap = match blocks {
            true => out.holding_in(limit, SPARE_FINDINGS.take()),
            false => out.tapped(limit),
        };
        let result = self.scan_file(path, scratch, &tap);
        let Kept {
            items: mut findings,
            mut errors,
            mut skipped,
            overflowed,
        } = tap.take_recorded();
        // As reported: the texts of locations (subjects, senders, attachment names) masked
        // like values, so no raw identifier is kept in the cache (nor in a block).
        let any = !(findings.is_empty() && errors.is_empty() && skipped.is_empty());
        if any && !self.options.show_values {
            let mut m = LocationMasker::new(&self.engine);
            findings.iter_mut().for_each(|f| m.mask_finding(f));
            errors
                .iter_mut()
                .for_each(|e| m.mask_in_place(&mut e.location));
            skipped
                .iter_mut()
                .for_each(|k| m.mask_in_place(&mut k.location));
        }
        let mut block = None;
        if blocks && !findings.is_empty() {
            match FileBlock::render(shown_path(path), &mut findings) {
                Ok(b) => {
                    let b = Arc::new(b);
                    out.block(b.clone());
                    block = Some(b);
                }
                // Cannot happen (rendering writes to memory); the findings still go out.
                Err(_) => out.items(findings.clone()),
            }
        }
        let recorded = Recorded {
            findings,
            errors,
            skipped,
            block,
        };
        (result, (!overflowed).then_some(recorded))
    }

    /// Extracts and searches one file, sending what it finds to `out`.
    pub fn scan_file(
        &self,
        path: &Path,
        scratch: &mut Scratch,
        out: &Outbox<Finding>,
    ) -> Result<Outcome, ExtractError> {
        let mut sink = FindingSink {
            scanner: self,
            path: shown_path(path),
            policy: self.policy.for_file(path),
            scratch,
            out: out.clone(),
            pairing: Pairing::default(),
            names: pairs_names(&self.engine),
            counted: LinesCounted::default(),
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
        let location = lines.location(segment, d.start);
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

/// The report side of a scan: values in locations are masked (unless values are shown),
/// findings already in the baseline are hidden (and counted), the rest go to the report sink.
struct Admitted<'a> {
    sink: &'a mut dyn ReportSink,
    policy: &'a Policy,
    tracker: Tracker,
    masker: Option<LocationMasker<'a>>,
}

impl ItemSink<Finding> for Admitted<'_> {
    fn item(&mut self, mut finding: Finding, summary: &mut Summary) -> std::io::Result<()> {
        if let Some(m) = &mut self.masker {
            m.mask_finding(&mut finding);
        }
        if !self.policy.admit(&mut self.tracker, &finding) {
            summary.hidden_by_baseline += 1;
            return Ok(());
        }
        // Counted and written as by any report sink.
        ItemSink::item(&mut *self.sink, finding, summary)
    }
    fn error(&mut self, mut error: FileError) -> std::io::Result<()> {
        if let Some(m) = &mut self.masker {
            m.mask_in_place(&mut error.location);
        }
        self.sink.error(error)
    }
    fn skipped(&mut self, mut skipped: Skipped) -> std::io::Result<()> {
        if let Some(m) = &mut self.masker {
            m.mask_in_place(&mut skipped.location);
        }
        self.sink.skipped(skipped)
    }
    fn block(&mut self, block: Arc<FileBlock>, summary: &mut Summary) -> std::io::Result<()> {
        // Blocks are only made when no baseline must look at each finding (see
        // `Scanner::scan`), from findings masked where they were rendered.
        if self.policy.tracks_findings() {
            return block
                .findings(&NoStore)?
                .into_iter()
                .try_for_each(|f| self.item(f, summary));
        }
        ItemSink::block(&mut *self.sink, block, summary)
    }
}

/// The path as shown in reports (of scans and of subject searches). A UTF-8 path is checked by `to_str`, which reads ASCII a word
/// at a time; `to_string_lossy` checks a byte at a time even when nothing is to be replaced
/// (~400 instructions for a path of 100 bytes, once per file).
pub(crate) fn shown_path(path: &Path) -> String {
    match path.to_str() {
        Some(utf8) => utf8.to_owned(),
        None => path.to_string_lossy().into_owned(),
    }
}

/// A list a thread keeps, emptied, for its next file, text or record (see [`keep_spare`]).
type SpareList<T> = std::thread::LocalKey<std::cell::Cell<Vec<T>>>;

/// Lists with room for more than this many entries are not kept as spares (memory stays
/// bounded after a file with an unusual number of findings).
const SPARE_UP_TO: usize = 16 * 1024;

/// Empties `list` and keeps it in `spare` for the thread's next use, unless it has room for
/// more than [`SPARE_UP_TO`] entries or the spare already kept has more room. In dense text a
/// new list grew by doubling in every file or chunk, copying its entries again and again.
pub(super) fn keep_spare<T>(spare: &'static SpareList<T>, mut list: Vec<T>) {
    list.clear();
    if list.capacity() > SPARE_UP_TO {
        return;
    }
    let kept = spare.take();
    spare.set(match kept.capacity() > list.capacity() {
        true => kept,
        false => list,
    });
}

thread_local! {
    /// The thread's spare finding list, for a file's findings held until their block is
    /// rendered (when nothing else keeps them: no cache). 3.3 M of 393 M instructions on 20 MB
    /// of dense text went to growing a new one per file.
    static SPARE_FINDINGS: std::cell::Cell<Vec<Finding>> =
        const { std::cell::Cell::new(Vec::new()) };
    /// The thread's spare detection list, for the detections of a text.
    static SPARE_FOUND: std::cell::Cell<Vec<Detection>> =
        const { std::cell::Cell::new(Vec::new()) };
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
    out: Outbox<Finding>,
    /// Special-category keywords waiting for the end of their record.
    pairing: Pairing,
    /// Some keyword rule counts person names as identifiers.
    names: bool,
    /// The line breaks counted in the last text, for [`SegmentSink::lines_counted`].
    counted: LinesCounted,
}

impl<S> FindingSink<'_, S> {
    /// Finds the keyword-rule hits of `segment` and hands them to the pairing: the whole text
    /// inside a record, only the windows around identifiers elsewhere.
    fn keywords(&mut self, segment: &Segment<'_>, found: &[Detection], spans: &[(usize, usize)]) {
        let scanner = self.scanner;
        let engine = &scanner.engine;
        let text = segment.text;
        let mut hits = Vec::new();
        // Outside a record, only the windows around identifiers — unless names may be the only
        // identifier there.
        let everywhere = self.names && scanner.options.names_everywhere;
        let whole = self.pairing.in_record() || everywhere;
        for range in search_ranges(engine, text, found, whole) {
            engine.find_keywords(text, range, segment.report_before, &mut hits);
        }
        let names = if self.names {
            self.names(segment, &hits)
        } else {
            Vec::new()
        };
        // Names are masked in the keywords' snippets like the values found.
        let mut masked = Vec::new();
        let spans = if names.is_empty() {
            spans
        } else {
            masked.extend_from_slice(spans);
            masked.extend(names);
            masked.sort_unstable();
            &masked[..]
        };
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
            let out = &self.out;
            self.pairing
                .keyword(&d, f, engine, fp, &mut |f| out.item(f));
        }
    }

    /// Hands the person names keywords of `segment` may pair with to the pairing: those
    /// around the keyword `hits` now; a short field of a record is kept for the end of the
    /// record instead (read only if the record has a keyword). Never a whole text: a name list
    /// fires on ordinary prose, and the search would cost every byte. Returns the spans of the
    /// names found now.
    fn names(&mut self, segment: &Segment<'_>, hits: &[KeywordHit]) -> Vec<(usize, usize)> {
        let ranges = name_ranges(&self.scanner.engine, segment.text, hits);
        if ranges.is_empty() {
            if self.pairing.in_record() {
                self.pairing.field(segment);
            }
            return Vec::new();
        }
        self.pairing.names(segment, &ranges)
    }
}

/// The detection spans (in order, not overlapping) that can fall inside `d`'s snippet; all of
/// them would make a dense chunk quadratic.
fn nearby<'s>(spans: &'s [(usize, usize)], d: &Detection) -> &'s [(usize, usize)] {
    let (lo, hi) = reach(d);
    let a = spans.partition_point(|&(_, e)| e <= lo);
    let b = spans.partition_point(|&(s, _)| s < hi);
    &spans[a..b]
}

/// The bytes around `d` that its snippet can reach.
fn reach(d: &Detection) -> (usize, usize) {
    (d.start.saturating_sub(SNIPPET_REACH), d.end + SNIPPET_REACH)
}

/// [`nearby`] for detections asked for in order of position, as the detections of a text are:
/// the bounds move a step at a time from where they were (either way, so any order is right),
/// where two binary searches per finding over the thousands of spans of a dense chunk cost
/// ~170 instructions.
struct Nearby<'s> {
    spans: &'s [(usize, usize)],
    /// Spans before `a` end at or before the reach; from `b` on they start after it.
    a: usize,
    b: usize,
}

impl<'s> Nearby<'s> {
    fn new(spans: &'s [(usize, usize)]) -> Self {
        Nearby { spans, a: 0, b: 0 }
    }

    /// The spans that can fall inside `d`'s snippet, as [`nearby`] finds them.
    fn around(&mut self, d: &Detection) -> &'s [(usize, usize)] {
        let (lo, hi) = reach(d);
        let spans = self.spans;
        while self.a > 0 && spans[self.a - 1].1 > lo {
            self.a -= 1;
        }
        while self.a < spans.len() && spans[self.a].1 <= lo {
            self.a += 1;
        }
        while self.b > 0 && spans[self.b - 1].0 >= hi {
            self.b -= 1;
        }
        while self.b < spans.len() && spans[self.b].0 < hi {
            self.b += 1;
        }
        // A span ending before the reach starts before it too: `b` is never below `a`.
        &spans[self.a..self.b]
    }
}

impl<S: BorrowMut<Scratch>> SegmentSink for FindingSink<'_, S> {
    fn text(&mut self, segment: Segment<'_>) {
        let scanner = self.scanner;
        let mut lines = LineIndex::default();
        let mut found = SPARE_FOUND.take();
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
            let out = &self.out;
            self.pairing
                .begin_text(segment.location, engine, fp, &mut |f| out.item(f));
        }
        let mut near = Nearby::new(&spans);
        for d in &found {
            // An allowlisted value (the company's own number, a known test number) is neither
            // reported nor paired with special-category words.
            if self
                .policy
                .allows(&engine.rules()[d.rule].rule.id, &d.normalized)
            {
                continue;
            }
            let f = scanner.finding(&self.path, &segment, d, near.around(d), &mut lines);
            if pairs && engine.identifies_person(d.rule) {
                self.pairing.identifier(d, &f);
            }
            self.out.item(f);
        }
        self.counted = lines.counted();
        if pairs {
            self.keywords(&segment, &found, &spans);
            let out = &self.out;
            self.pairing.end_text(engine, fp, &mut |f| out.item(f));
        }
        keep_spare(&SPARE_FOUND, found);
    }

    fn error(&mut self, location: &Location, error: &ExtractError) {
        self.out.error_at(&self.path, location, error);
    }

    fn skipped(&mut self, location: &Location, reason: &str) {
        self.out.skipped_at(&self.path, location, reason);
    }

    fn lines_counted(&mut self) -> Option<LinesCounted> {
        Some(std::mem::take(&mut self.counted))
    }

    fn fork(&self) -> Option<Box<dyn SegmentSink + Send + '_>> {
        Some(Box::new(FindingSink {
            scanner: self.scanner,
            path: self.path.clone(),
            policy: self.policy,
            scratch: self.scanner.engine.scratch(),
            out: self.out.clone(),
            pairing: Pairing::default(),
            names: self.names,
            counted: LinesCounted::default(),
        }))
    }
}

impl<S> Drop for FindingSink<'_, S> {
    /// The end of a file (or of a fork's share of one) closes every open record: keywords
    /// still waiting are paired with the identifiers seen, or dropped.
    fn drop(&mut self) {
        let scanner = self.scanner;
        let out = &self.out;
        self.pairing
            .finish(&scanner.engine, &scanner.fingerprinter, &mut |f| {
                out.item(f)
            });
    }
}

/// Line and column of offsets visited in increasing order, counted incrementally.
#[derive(Default)]
pub(crate) struct LineIndex {
    offset: usize,
    newlines: u64,
    line_start: usize,
}

impl LineIndex {
    /// The line step of byte `at` of `segment`, when its text counts lines (`None` for a cell,
    /// a field or a page's text); positions must be asked for in increasing order.
    pub(crate) fn step(&mut self, segment: &Segment<'_>, at: usize) -> Option<Step> {
        segment.first_line.map(|_| {
            let (line, column) = self.position(segment, at);
            Step::Line { line, column }
        })
    }

    /// Where byte `at` of `segment` is: the segment's location, then its line step when it
    /// has one (one copy of the location, made with room for the step).
    pub(crate) fn location(&mut self, segment: &Segment<'_>, at: usize) -> Location {
        match self.step(segment, at) {
            Some(step) => segment.location.child(step),
            None => segment.location.clone(),
        }
    }

    /// The line breaks counted so far (from the text's start up to the last position asked
    /// for).
    pub(crate) fn counted(&self) -> LinesCounted {
        LinesCounted {
            upto: self.offset,
            breaks: self.newlines,
            line_start: self.line_start,
        }
    }

    pub(crate) fn position(&mut self, segment: &Segment<'_>, at: usize) -> (u64, u64) {
        let bytes = &segment.text.as_bytes()[self.offset..at];
        // Counted, and the last one found from the end, a block of bytes at a time.
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            self.newlines += memchr::memchr_iter(b'\n', bytes).count() as u64;
            self.line_start = self.offset + last + 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a walker's outbox sent so far, as the report thread sees it: `e` for a file's end
    /// (its size), `i` for an item; `|` between messages.
    fn received(rx: &crossbeam_channel::Receiver<Event<u32>>) -> String {
        let end = |e: FileEnd| format!("e{}", e.bytes);
        let messages: Vec<String> = rx
            .try_iter()
            .map(|event| match event {
                Event::Item(i) => format!("i{i}"),
                Event::Scanned(e) => end(e),
                Event::Ends(ends) => ends.into_iter().map(end).collect::<Vec<_>>().join(","),
                _ => "?".into(),
            })
            .collect();
        messages.join("|")
    }

    /// A walker holds the ends of files answered from the cache and sends them, in order, in
    /// one message: when it has held enough, before anything else it sends, with the end of a
    /// file it read, before it reads one, and when it is done. Nothing is lost or reordered.
    #[test]
    fn a_walker_sends_the_ends_of_cached_files_together_and_in_order() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let out = Outbox::for_walker(tx);
        let end = |bytes: u64, from_cache: bool| FileEnd {
            bytes,
            from_cache,
            block: None,
        };
        for n in 1..=3 {
            out.end_file(end(n, true)).unwrap();
        }
        assert_eq!(received(&rx), "", "held");
        out.item(7);
        assert_eq!(received(&rx), "e1,e2,e3|i7", "before an item");
        out.end_file(end(4, true)).unwrap();
        out.end_file(end(5, false)).unwrap();
        assert_eq!(received(&rx), "e4,e5", "with a file read");
        out.end_file(end(6, true)).unwrap();
        out.send_ends().unwrap();
        assert_eq!(received(&rx), "e6", "before a file is read");
        let many: Vec<u64> = (0..ENDS_PER_MESSAGE as u64 + 1).collect();
        many.iter()
            .for_each(|&n| out.end_file(end(n, true)).unwrap());
        let full: Vec<String> = many[..ENDS_PER_MESSAGE]
            .iter()
            .map(|n| format!("e{n}"))
            .collect();
        assert_eq!(received(&rx), full.join(","), "a full message");
        drop(out);
        assert_eq!(received(&rx), format!("e{}", ENDS_PER_MESSAGE), "when done");
        // A clone (a fork on another thread) holds nothing back.
        let (tx, rx) = crossbeam_channel::unbounded();
        let fork = Outbox::for_walker(tx).clone();
        fork.end_file(end(1, true)).unwrap();
        assert_eq!(received(&rx), "e1");
    }

    proptest::proptest! {
        /// A holding outbox sends nothing until more than its limit arrive, then sends what
        /// it held and everything after; an item is never lost nor sent twice, and whatever
        /// was held is what `take_recorded` gives.
        #[test]
        fn a_holding_outbox_holds_up_to_its_limit(
            limit in 0usize..6,
            batches in proptest::collection::vec(0usize..4, 0..6),
        ) {
            let (tx, rx) = crossbeam_channel::unbounded();
            let out = Outbox::new(tx).holding(limit);
            let fork = out.clone();
            let mut next = 0u32;
            let mut all = Vec::new();
            for (i, n) in batches.into_iter().enumerate() {
                let items: Vec<u32> = (next..next + n as u32).collect();
                next += n as u32;
                all.extend(items.iter().copied());
                // Alternately one by one and in one message, from the outbox and its fork.
                match i % 2 {
                    0 => items.into_iter().for_each(|x| out.item(x)),
                    _ => fork.items(items),
                }
            }
            let kept = fork.take_recorded();
            drop((out, fork));
            let mut sent = Vec::new();
            for event in rx {
                match event {
                    Event::Item(x) => sent.push(x),
                    Event::Items(xs) => sent.extend(xs),
                    _ => proptest::prop_assert!(false, "only items were sent"),
                }
            }
            proptest::prop_assert_eq!(kept.overflowed, all.len() > limit);
            if kept.overflowed {
                proptest::prop_assert!(kept.items.is_empty());
                proptest::prop_assert_eq!(sent, all);
            } else {
                proptest::prop_assert!(sent.is_empty());
                proptest::prop_assert_eq!(kept.items, all);
            }
        }

        /// The spans near detections asked for one after another are those `nearby` finds,
        /// in order of position or not.
        #[test]
        fn nearby_spans_move_with_the_detections(
            gaps in proptest::collection::vec((0usize..300, 1usize..30), 0..40),
            asks in proptest::collection::vec((0usize..8000, 1usize..30), 0..30),
            sorted in proptest::bool::ANY,
        ) {
            let mut spans = Vec::new();
            let mut at = 0;
            for (gap, len) in gaps {
                spans.push((at + gap, at + gap + len));
                at += gap + len;
            }
            let mut asks = asks;
            if sorted {
                asks.sort_unstable();
            }
            let mut near = Nearby::new(&spans);
            for (start, len) in asks {
                let d = Detection {
                    rule: 0,
                    start,
                    end: start + len,
                    kind: None,
                    normalized: String::new(),
                    confidence: 1.0,
                    severity: crate::detect::Severity::Low,
                };
                proptest::prop_assert_eq!(near.around(&d), nearby(&spans, &d));
            }
        }

        /// Positions visited in order agree with counting from the start of the text.
        #[test]
        fn line_index_counts_as_from_the_start(
            text in "[a\nø ]{0,40}",
            cuts in proptest::collection::vec(0usize..40, 0..6),
            first_line in proptest::option::of(1u64..5),
            first_column in 1u64..4,
        ) {
            let location = Location::default();
            let segment = Segment {
                location: &location,
                text: &text,
                first_line,
                first_column,
                report_before: text.len(),
            };
            let mut ats: Vec<usize> = cuts
                .into_iter()
                .map(|c| c.min(text.len()))
                .filter(|&c| text.is_char_boundary(c))
                .collect();
            ats.sort_unstable();
            let mut lines = LineIndex::default();
            for at in ats {
                let before = &text[..at];
                let newlines = before.matches('\n').count() as u64;
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let chars = text[line_start..at].chars().count() as u64;
                let column = if newlines == 0 { first_column + chars } else { 1 + chars };
                let want = (first_line.unwrap_or(1) + newlines, column);
                proptest::prop_assert_eq!(lines.position(&segment, at), want);
            }
        }
    }
}

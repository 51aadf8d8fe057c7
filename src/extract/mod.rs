//! Extraction stage: a source (a file on disk, or bytes from inside a container) → text
//! segments, each with its [`Location`].
//!
//! Every format is one [`Extractor`]. The [`Dispatcher`] sniffs the format from content (not
//! the file name), picks the extractor, enforces limits and turns a panic inside a parser into
//! a per-source error. Containers (zip, mbox, attachments) call [`Context::recurse`] for each
//! member, which goes through the same dispatcher with the location one step deeper.

pub mod archive;
pub mod csv;
pub mod html;
pub mod mail;
mod memo;
pub mod office;
pub mod outlook;
pub mod parallel;
pub mod pdf;
pub mod selection;
pub mod sheet;
pub mod sniff;
pub mod text;

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::location::{Location, Step};
pub use selection::Selection;
pub use sniff::Format;

/// How many bytes of a source are read to sniff its format.
pub const HEAD_LEN: usize = 8 * 1024;

/// A piece of text pulled out of a source.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Where the text is, inside the file on disk.
    pub location: &'a Location,
    /// The text.
    pub text: &'a str,
    /// For line-oriented text: the line number of the text's first line (1-based), so the
    /// sink can add a `line` step. `None` when the location is already exact (a cell).
    pub first_line: Option<u64>,
    /// Column (in characters, 1-based) of the first character, when a chunk starts mid-line.
    pub first_column: u64,
    /// Only matches starting before this byte offset belong to this segment; the rest is
    /// overlap that the next segment of the same stream repeats.
    pub report_before: usize,
}

/// Receives what extractors find.
pub trait SegmentSink {
    /// A piece of text to search.
    fn text(&mut self, segment: Segment<'_>);
    /// A problem with part of a source; the rest of the source goes on.
    fn error(&mut self, location: &Location, error: &ExtractError);
    /// Another sink for the same file that can work on another thread at the same time, so
    /// a container can hand its members to several threads (see [`parallel`]). `None` (the
    /// default) means this sink cannot be shared, and the container works sequentially.
    fn fork(&self) -> Option<Box<dyn SegmentSink + Send + '_>> {
        None
    }
    /// A part of the source deliberately not read (an image attachment, a binary member), for
    /// `reason`. Sinks that keep no list of skipped parts report it as an error.
    fn skipped(&mut self, location: &Location, reason: &str) {
        self.error(location, &ExtractError::Unsupported(reason.to_string()));
    }
    /// Right after [`SegmentSink::text`]: the line breaks this sink counted at the start of
    /// that text (to place what it found), so a streaming extractor that needs the count of
    /// the whole text counts only the rest. `None` (the default): none counted.
    fn lines_counted(&mut self) -> Option<LinesCounted> {
        None
    }
}

/// Line breaks (`\n`) counted in the first bytes of a text (see
/// [`SegmentSink::lines_counted`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinesCounted {
    /// How many bytes from the text's start were counted.
    pub upto: usize,
    /// The line breaks among them.
    pub breaks: u64,
    /// Where the line after the last of them starts (0 when there is none).
    pub line_start: usize,
}

/// Why a source (or part of one) could not be read.
#[derive(Debug)]
pub enum ExtractError {
    /// Reading failed.
    Io(io::Error),
    /// The content is not what its format says.
    Corrupt(String),
    /// Encrypted and no key is available.
    Encrypted(String),
    /// Over a size, depth or ratio limit.
    Limit(String),
    /// A format sporhund recognises but cannot read.
    Unsupported(String),
    /// A parser panicked; the message is the panic's.
    Panic(String),
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::Io(e) => write!(f, "read error: {e}"),
            ExtractError::Corrupt(m) => write!(f, "corrupt: {m}"),
            ExtractError::Encrypted(m) => write!(f, "encrypted, not scanned: {m}"),
            ExtractError::Limit(m) => write!(f, "limit reached: {m}"),
            ExtractError::Unsupported(m) => write!(f, "unsupported format: {m}"),
            ExtractError::Panic(m) => write!(f, "parser crashed (bug, please report): {m}"),
        }
    }
}

impl std::error::Error for ExtractError {}

impl From<io::Error> for ExtractError {
    fn from(e: io::Error) -> Self {
        ExtractError::Io(e)
    }
}

/// Bounds on work and memory (zip bombs, deep nesting, huge members).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of text handed to the detector at a time when streaming.
    pub chunk_size: usize,
    /// Deepest container nesting followed (zip in zip …).
    pub max_depth: usize,
    /// Largest container member (decompressed) held in memory.
    pub max_member_bytes: u64,
    /// Total decompressed bytes read out of one file on disk, all members and levels together.
    pub max_total_bytes: u64,
    /// Largest decompressed / compressed ratio accepted for a member.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            chunk_size: 4 * 1024 * 1024,
            max_depth: 8,
            max_member_bytes: 256 * 1024 * 1024,
            max_total_bytes: 4 * 1024 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

/// Decompressed bytes still allowed for one file on disk, shared by every level of recursion
/// and by every thread working on the file.
#[derive(Debug)]
pub struct Budget {
    remaining: AtomicU64,
}

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Self {
        Budget {
            remaining: AtomicU64::new(bytes),
        }
    }

    /// Takes `bytes` from the budget, or fails when it would run out.
    pub fn charge(&self, bytes: u64) -> Result<(), ExtractError> {
        let charged = self
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            });
        TALLY.with(|tally| {
            let mut t = tally.get();
            match charged {
                Ok(_) => t.charged = t.charged.wrapping_add(bytes),
                Err(_) => t.refused = t.refused.wrapping_add(1),
            }
            tally.set(t);
        });
        charged.map(|_| ()).map_err(|_| {
            ExtractError::Limit("more decompressed data than the per-file limit allows".into())
        })
    }
}

/// What this thread's [`Budget::charge`] calls have done so far, all budgets together: the
/// difference over an extraction is what it took (see [`memo`]).
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// Bytes taken.
    charged: u64,
    /// Charges refused.
    refused: u64,
}

thread_local! {
    static TALLY: Cell<Tally> = const { Cell::new(Tally { charged: 0, refused: 0 }) };
}

/// This thread's [`Tally`].
fn tally() -> Tally {
    TALLY.with(Cell::get)
}

/// Where a source's bytes come from.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A file on disk, opened read-only.
    File(&'a Path),
    /// Bytes already in memory (a container member).
    Bytes(&'a [u8]),
}

impl<'a> Input<'a> {
    /// A reader from the start of the source.
    pub fn open(&self) -> io::Result<Box<dyn Read + 'a>> {
        match *self {
            Input::File(p) => Ok(Box::new(open_read_only(p)?)),
            Input::Bytes(b) => Ok(Box::new(b)),
        }
    }

    /// A seekable reader from the start of the source (for formats with a directory).
    pub fn open_seekable(&self) -> io::Result<Box<dyn sniff::ReadSeek + 'a>> {
        match *self {
            Input::File(p) => Ok(Box::new(open_read_only(p)?)),
            Input::Bytes(b) => Ok(Box::new(io::Cursor::new(b))),
        }
    }

    /// The whole source in memory, refusing sources larger than `limit` bytes.
    pub fn read_all(&self, limit: u64) -> Result<std::borrow::Cow<'a, [u8]>, ExtractError> {
        match *self {
            Input::Bytes(b) if b.len() as u64 <= limit => Ok(std::borrow::Cow::Borrowed(b)),
            Input::Bytes(b) => Err(too_large(b.len() as u64, limit)),
            Input::File(p) => {
                let file = open_read_only(p)?;
                let size = file.metadata()?.len();
                if size > limit {
                    return Err(too_large(size, limit));
                }
                let mut data = Vec::with_capacity(size as usize);
                file.take(limit + 1).read_to_end(&mut data)?;
                if data.len() as u64 > limit {
                    return Err(too_large(data.len() as u64, limit));
                }
                Ok(std::borrow::Cow::Owned(data))
            }
        }
    }
}

fn too_large(size: u64, limit: u64) -> ExtractError {
    ExtractError::Limit(format!(
        "{size} bytes is more than the {limit} bytes read into memory for this format"
    ))
}

/// One `read` into `buf`, done again when a signal interrupted it (as `read_exact` and
/// `read_to_end` do): the bytes read, 0 at the end.
pub fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Opens a file for reading only, without updating its access time where the OS allows it.
/// sporhund never writes to, moves or locks a scanned file.
pub fn open_read_only(path: &Path) -> io::Result<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NOATIME: i32 = 0o1000000;
        if let Ok(f) = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NOATIME)
            .open(path)
        {
            return Ok(f);
        }
    }
    File::open(path)
}

/// What an extractor needs while it works: where it is, where text goes, how to recurse.
pub struct Context<'s> {
    /// Location of the source being extracted.
    pub location: Location,
    /// Receiver of text and errors.
    pub sink: &'s mut dyn SegmentSink,
    /// For containers: the dispatcher to send members through.
    pub dispatcher: &'s Dispatcher,
    /// Decompressed bytes left for this file on disk.
    pub budget: &'s Budget,
}

impl Context<'_> {
    /// Sends text found at `step` (or at this source itself when `None`) to the sink.
    /// `lines` says whether the text is line-oriented (a `line` step is then added).
    pub fn text(&mut self, step: Option<Step>, text: &str, lines: bool) {
        let location = self.at(step);
        self.sink.text(Segment {
            location: &location,
            text,
            first_line: lines.then_some(1),
            first_column: 1,
            report_before: text.len(),
        });
    }

    /// Reports a problem with part of this source (`step` inside it); the source goes on.
    pub fn error(&mut self, step: Option<Step>, error: &ExtractError) {
        let location = self.at(step);
        self.sink.error(&location, error);
    }

    /// This source's location, or one `step` inside it.
    fn at(&self, step: Option<Step>) -> Location {
        match step {
            Some(s) => self.location.child(s),
            None => self.location.clone(),
        }
    }

    /// A context one `step` deeper, sharing this one's sink, dispatcher and budget. When the
    /// step would nest containers deeper than the limit, the error is reported at the step and
    /// `None` returned.
    pub fn child(&mut self, step: Step) -> Option<Context<'_>> {
        let location = self.location.child(step);
        if location.container_depth() > self.dispatcher.limits.max_depth {
            let e = ExtractError::Limit(format!(
                "nesting deeper than {} levels",
                self.dispatcher.limits.max_depth
            ));
            self.sink.error(&location, &e);
            return None;
        }
        Some(Context {
            location,
            sink: &mut *self.sink,
            dispatcher: self.dispatcher,
            budget: self.budget,
        })
    }

    /// Sends a container member through the dispatcher, one step deeper. Problems with the
    /// member are reported as errors at its location; the container goes on.
    pub fn recurse(&mut self, step: Step, data: &[u8]) {
        self.recurse_as(step, data, None);
    }

    /// [`Context::recurse`] for a member held in a transfer `encoding` (`encoded`), which
    /// `decode` undoes: a copy of a member read before is replayed without being decoded (see
    /// [`memo`]). An error from `decode` is reported at the member's step.
    pub fn recurse_encoded<D: std::ops::Deref<Target = [u8]>>(
        &mut self,
        step: Step,
        encoding: &str,
        encoded: &[u8],
        decode: impl FnOnce() -> Result<D, ExtractError>,
    ) {
        let identity = memo::Identity::of_encoded(encoding, encoded);
        if self.dispatcher.memo.replay_member(&identity, &step, self) {
            return;
        }
        match decode() {
            Ok(data) => self.recurse_as(step, &data, Some(identity)),
            Err(e) => self.error(Some(step), &e),
        }
    }

    /// [`Context::recurse`], the member known to the memo by `identity` (by default, by its
    /// bytes).
    fn recurse_as(&mut self, step: Step, data: &[u8], identity: Option<memo::Identity>) {
        let name = match &step {
            Step::Entry { name } => name.clone(),
            Step::Attachment { filename } => filename.clone(),
            _ => String::new(),
        };
        let dispatcher = self.dispatcher;
        let Some(mut child) = self.child(step) else {
            return;
        };
        let head = &data[..data.len().min(HEAD_LEN)];
        match dispatcher.dispatch_as(Input::Bytes(data), head, &name, &mut child, identity) {
            Ok(Outcome::Extracted) => {}
            Ok(Outcome::Skipped(reason)) => child.sink.skipped(&child.location, &reason),
            Err(e) => child.sink.error(&child.location, &e),
        }
    }
}

/// What happened to a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Its text was extracted and searched.
    Extracted,
    /// Nothing could be extracted, for this reason (e.g. an unknown binary format).
    Skipped(String),
}

/// One input format (or a family of formats read by the same code).
pub trait Extractor: Send + Sync {
    /// Short name, e.g. `text`, `pdf`.
    fn name(&self) -> &'static str;
    /// The formats this extractor reads.
    fn formats(&self) -> &'static [Format];
    /// Extracts the text of `input` (whose first bytes are `head` and whose sniffed format is
    /// `format`), sending segments to `ctx`.
    fn extract(
        &self,
        input: Input<'_>,
        head: &[u8],
        format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError>;
}

/// Picks the extractor for a source by content and runs it.
pub struct Dispatcher {
    extractors: Vec<Box<dyn Extractor>>,
    /// Limits every extractor honours.
    pub limits: Limits,
    /// Which files and messages the user asked for (`--older-than`).
    pub selection: Selection,
    /// What members read earlier gave, for their copies.
    memo: memo::Memo,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.extractors.iter().map(|e| e.name()).collect();
        f.debug_struct("Dispatcher")
            .field("extractors", &names)
            .field("limits", &self.limits)
            .field("selection", &self.selection)
            .finish()
    }
}

impl Dispatcher {
    /// The dispatcher with every built-in extractor, most specific first.
    pub fn new(limits: Limits) -> Self {
        Dispatcher {
            extractors: vec![
                Box::new(sheet::SheetExtractor),
                Box::new(csv::CsvExtractor),
                Box::new(office::OfficeExtractor),
                Box::new(office::LegacyOfficeExtractor),
                Box::new(outlook::OutlookExtractor),
                Box::new(archive::ZipExtractor),
                Box::new(archive::GzipExtractor),
                Box::new(archive::TarExtractor),
                Box::new(pdf::PdfExtractor),
                Box::new(mail::MailExtractor),
                Box::new(text::TextExtractor),
            ],
            limits,
            selection: Selection::default(),
            memo: memo::Memo::default(),
        }
    }

    /// A dispatcher with exactly these extractors, tried in order (for embedding and tests).
    pub fn with_extractors(extractors: Vec<Box<dyn Extractor>>, limits: Limits) -> Self {
        Dispatcher {
            extractors,
            limits,
            selection: Selection::default(),
            memo: memo::Memo::default(),
        }
    }

    /// Extracts a file on disk, reporting to `sink`.
    pub fn extract_file(
        &self,
        path: &Path,
        sink: &mut dyn SegmentSink,
    ) -> Result<Outcome, ExtractError> {
        let mut file = open_read_only(path)?;
        let mut head = Vec::with_capacity(HEAD_LEN);
        (&mut file).take(HEAD_LEN as u64).read_to_end(&mut head)?;
        drop(file);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.extract_root(Input::File(path), &head, &name, sink)
    }

    /// Extracts a source held in memory as if it were a file on disk named `name`, reporting
    /// to `sink` (for sources that do not come from the walk, and for tests).
    pub fn extract_bytes(
        &self,
        data: &[u8],
        name: &str,
        sink: &mut dyn SegmentSink,
    ) -> Result<Outcome, ExtractError> {
        let head = &data[..data.len().min(HEAD_LEN)];
        self.extract_root(Input::Bytes(data), head, name, sink)
    }

    /// Dispatches a top-level source with a fresh location and decompression budget.
    fn extract_root(
        &self,
        input: Input<'_>,
        head: &[u8],
        name: &str,
        sink: &mut dyn SegmentSink,
    ) -> Result<Outcome, ExtractError> {
        let budget = Budget::new(self.limits.max_total_bytes);
        let mut ctx = Context {
            location: Location::root(),
            sink,
            dispatcher: self,
            budget: &budget,
        };
        self.dispatch(input, head, name, &mut ctx)
    }

    /// Sniffs the format of `input` (named `name`) and runs the matching extractor, catching
    /// panics.
    pub fn dispatch(
        &self,
        input: Input<'_>,
        head: &[u8],
        name: &str,
        ctx: &mut Context<'_>,
    ) -> Result<Outcome, ExtractError> {
        self.dispatch_as(input, head, name, ctx, None)
    }

    /// [`Dispatcher::dispatch`], a member in memory known to the memo by `identity` (by
    /// default, by its bytes).
    fn dispatch_as(
        &self,
        input: Input<'_>,
        head: &[u8],
        name: &str,
        ctx: &mut Context<'_>,
        identity: Option<memo::Identity>,
    ) -> Result<Outcome, ExtractError> {
        let format = sniff::sniff(input, head, name);
        if ctx.location.is_root() {
            if let Some(reason) = self.selection.leaves_out_file(input, format) {
                return Ok(Outcome::Skipped(reason));
            }
        }
        let Some(extractor) = self
            .extractors
            .iter()
            .find(|e| e.formats().contains(&format))
        else {
            return match (format, Format::claimed_by_extension(name)) {
                (Format::Unknown, Some(claimed)) => Err(ExtractError::Corrupt(format!(
                    "the name says {} but the content is not",
                    claimed.name()
                ))),
                (Format::Unknown, None) => Ok(Outcome::Skipped(match sniff::image_kind(head) {
                    Some(kind) => format!("{kind} image: no text to read (OCR is not done)"),
                    None => "binary file in a format sporhund does not read".into(),
                })),
                (known, _) => Err(ExtractError::Unsupported(format!(
                    "{} files are recognised but not read yet",
                    known.name()
                ))),
            };
        };
        let extract = |ctx: &mut Context<'_>| {
            catch_unwind(AssertUnwindSafe(|| {
                extractor.extract(input, head, format, ctx)
            }))
            .unwrap_or_else(|panic| {
                Err(ExtractError::Panic(format!(
                    "{} extractor: {}",
                    extractor.name(),
                    panic_message(&*panic)
                )))
            })
        };
        match input {
            // A copy of a member read before is replayed (see [`memo`]).
            Input::Bytes(data) if memo::is_remembered(format) && !ctx.location.is_root() => {
                let identity = identity.unwrap_or_else(|| memo::Identity::of(data));
                self.memo.extract(identity, ctx, extract)
            }
            _ => extract(ctx),
        }
        .map(|()| Outcome::Extracted)
    }
}

/// The message of a caught panic (`&str` or `String` payloads).
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy container in text form: `BOX\n` then members separated by `|`; other text is a
    /// leaf.
    struct BoxContainer;
    impl Extractor for BoxContainer {
        fn name(&self) -> &'static str {
            "box"
        }
        fn formats(&self) -> &'static [Format] {
            &[Format::Text]
        }
        fn extract(
            &self,
            input: Input<'_>,
            _: &[u8],
            _: Format,
            ctx: &mut Context<'_>,
        ) -> Result<(), ExtractError> {
            let data = input.read_all(1 << 20)?.into_owned();
            match data.strip_prefix(b"BOX\n") {
                Some(body) => {
                    for (i, member) in body.split(|&b| b == b'|').enumerate() {
                        ctx.recurse(
                            Step::Entry {
                                name: format!("m{i}"),
                            },
                            member,
                        );
                    }
                }
                None => ctx.text(None, &String::from_utf8_lossy(&data), true),
            }
            Ok(())
        }
    }

    /// Stands in for a parser with a bug.
    struct Panics;
    impl Extractor for Panics {
        fn name(&self) -> &'static str {
            "panics"
        }
        fn formats(&self) -> &'static [Format] {
            &[Format::Pdf]
        }
        fn extract(
            &self,
            _: Input<'_>,
            _: &[u8],
            _: Format,
            _: &mut Context<'_>,
        ) -> Result<(), ExtractError> {
            panic!("parser bug")
        }
    }

    #[derive(Default)]
    struct Collect {
        texts: Vec<(String, String)>,
        errors: Vec<(String, String)>,
    }
    impl SegmentSink for Collect {
        fn text(&mut self, s: Segment<'_>) {
            self.texts
                .push((s.location.to_string(), s.text.to_string()));
        }
        fn error(&mut self, location: &Location, e: &ExtractError) {
            self.errors.push((location.to_string(), e.to_string()));
        }
    }

    fn run(max_depth: usize, data: &[u8]) -> (Outcome, Collect) {
        let d = Dispatcher::with_extractors(
            vec![Box::new(BoxContainer), Box::new(Panics)],
            Limits {
                max_depth,
                ..Limits::default()
            },
        );
        let mut sink = Collect::default();
        let out = d.extract_bytes(data, "x", &mut sink).unwrap();
        (out, sink)
    }

    #[test]
    fn containers_recurse_through_the_dispatcher_with_locations() {
        let (out, sink) = run(8, b"BOX\nhei|%PDF-1.4 x|PK\x03\x04junk");
        assert_eq!(out, Outcome::Extracted);
        assert_eq!(sink.texts, [("entry m0".to_string(), "hei".to_string())]);
        assert_eq!(sink.errors.len(), 2, "{:?}", sink.errors);
        assert_eq!(sink.errors[0].0, "entry m1");
        assert!(
            sink.errors[0].1.contains("parser crashed") && sink.errors[0].1.contains("parser bug")
        );
        assert!(
            sink.errors[1]
                .1
                .contains("zip files are recognised but not read"),
            "{:?}",
            sink.errors[1]
        );
    }

    #[test]
    fn nesting_is_bounded() {
        // BOX containing BOX containing BOX containing text: three levels.
        let (_, sink) = run(2, b"BOX\nBOX\nBOX\ndypt");
        assert!(sink.texts.is_empty());
        assert_eq!(sink.errors.len(), 1);
        assert_eq!(sink.errors[0].0, "entry m0 › entry m0 › entry m0");
        assert!(sink.errors[0].1.contains("nesting deeper than 2"));
    }

    #[test]
    fn budget_is_shared() {
        let b = Budget::new(10);
        assert!(b.charge(6).is_ok());
        assert!(b.charge(5).is_err());
        assert!(b.charge(4).is_ok());
    }

    #[test]
    fn a_file_whose_content_contradicts_its_name_is_an_error() {
        let d = Dispatcher::new(Limits::default());
        let mut sink = Collect::default();
        let data = [0u8, 159, 146, 150, 0, 1];
        let e = d
            .extract_bytes(&data, "rapport.pdf", &mut sink)
            .unwrap_err();
        assert!(e.to_string().contains("the name says pdf"), "{e}");
    }
}

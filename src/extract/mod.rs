//! Extraction stage: a source (a file on disk, or bytes from inside a container) → text
//! segments, each with its [`Location`].
//!
//! Every format is one [`Extractor`]. The [`Dispatcher`] sniffs the format from content (not
//! the file name), picks the extractor, enforces limits and turns a panic inside a parser into
//! a per-source error. Containers (zip, mbox, attachments) call [`Context::recurse`] for each
//! member, which goes through the same dispatcher with the location one step deeper.

pub mod text;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::location::{Location, Step};

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

/// Bounds on work and memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of text handed to the detector at a time when streaming.
    pub chunk_size: usize,
    /// Deepest container nesting followed (zip in zip …).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            chunk_size: 4 * 1024 * 1024,
            max_depth: 8,
        }
    }
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
}

impl Context<'_> {
    /// Sends a container member through the dispatcher, one step deeper. Problems with the
    /// member are reported as errors at its location; the container goes on.
    pub fn recurse(&mut self, step: Step, data: &[u8]) {
        let location = self.location.child(step);
        if location.container_depth() > self.dispatcher.limits.max_depth {
            let e = ExtractError::Limit(format!(
                "nesting deeper than {} levels",
                self.dispatcher.limits.max_depth
            ));
            self.sink.error(&location, &e);
            return;
        }
        let mut child = Context {
            location,
            sink: &mut *self.sink,
            dispatcher: self.dispatcher,
        };
        let head = &data[..data.len().min(HEAD_LEN)];
        match self
            .dispatcher
            .dispatch(Input::Bytes(data), head, &mut child)
        {
            Ok(Outcome::Extracted) => {}
            Ok(Outcome::Skipped(reason)) => {
                let e = ExtractError::Unsupported(reason);
                child.sink.error(&child.location, &e);
            }
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

/// One input format.
pub trait Extractor: Send + Sync {
    /// Short name, e.g. `text`, `pdf`.
    fn name(&self) -> &'static str;
    /// True when this extractor reads content that starts with `head`.
    fn sniff(&self, head: &[u8]) -> bool;
    /// Extracts the text of `input`, sending segments to `ctx.sink`.
    fn extract(
        &self,
        input: Input<'_>,
        head: &[u8],
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError>;
}

/// Picks the extractor for a source by content and runs it.
pub struct Dispatcher {
    extractors: Vec<Box<dyn Extractor>>,
    /// Limits every extractor honours.
    pub limits: Limits,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.extractors.iter().map(|e| e.name()).collect();
        f.debug_struct("Dispatcher")
            .field("extractors", &names)
            .field("limits", &self.limits)
            .finish()
    }
}

impl Dispatcher {
    /// The dispatcher with every built-in extractor, most specific first.
    pub fn new(limits: Limits) -> Self {
        Dispatcher {
            extractors: vec![Box::new(text::TextExtractor)],
            limits,
        }
    }

    /// A dispatcher with exactly these extractors, tried in order (for embedding and tests).
    pub fn with_extractors(extractors: Vec<Box<dyn Extractor>>, limits: Limits) -> Self {
        Dispatcher { extractors, limits }
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
        let mut ctx = Context {
            location: Location::root(),
            sink,
            dispatcher: self,
        };
        self.dispatch(Input::File(path), &head, &mut ctx)
    }

    /// Sniffs `head` and runs the matching extractor, catching panics.
    pub fn dispatch(
        &self,
        input: Input<'_>,
        head: &[u8],
        ctx: &mut Context<'_>,
    ) -> Result<Outcome, ExtractError> {
        let Some(extractor) = self.extractors.iter().find(|e| e.sniff(head)) else {
            return Ok(Outcome::Skipped(
                "binary file in a format sporhund does not read".into(),
            ));
        };
        match catch_unwind(AssertUnwindSafe(|| extractor.extract(input, head, ctx))) {
            Ok(result) => result.map(|()| Outcome::Extracted),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(ExtractError::Panic(format!(
                    "{} extractor: {message}",
                    extractor.name()
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy container: `BOX\n` then one member per `|`-separated field.
    struct BoxContainer;
    impl Extractor for BoxContainer {
        fn name(&self) -> &'static str {
            "box"
        }
        fn sniff(&self, head: &[u8]) -> bool {
            head.starts_with(b"BOX\n")
        }
        fn extract(
            &self,
            input: Input<'_>,
            _: &[u8],
            ctx: &mut Context<'_>,
        ) -> Result<(), ExtractError> {
            let mut data = Vec::new();
            input.open()?.read_to_end(&mut data)?;
            let body = data[4..].to_vec();
            for (i, member) in body.split(|&b| b == b'|').enumerate() {
                ctx.recurse(
                    Step::Entry {
                        name: format!("m{i}"),
                    },
                    member,
                );
            }
            Ok(())
        }
    }

    struct Panics;
    impl Extractor for Panics {
        fn name(&self) -> &'static str {
            "panics"
        }
        fn sniff(&self, head: &[u8]) -> bool {
            head.starts_with(b"PANIC")
        }
        fn extract(&self, _: Input<'_>, _: &[u8], _: &mut Context<'_>) -> Result<(), ExtractError> {
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

    fn dispatcher(max_depth: usize) -> Dispatcher {
        Dispatcher::with_extractors(
            vec![
                Box::new(BoxContainer),
                Box::new(Panics),
                Box::new(text::TextExtractor),
            ],
            Limits {
                max_depth,
                ..Limits::default()
            },
        )
    }

    #[test]
    fn containers_recurse_through_the_dispatcher_with_locations() {
        let d = dispatcher(8);
        let mut sink = Collect::default();
        let mut ctx = Context {
            location: Location::root(),
            sink: &mut sink,
            dispatcher: &d,
        };
        let data = b"BOX\nhei|PANIC|\x00\x01\x02";
        let out = d.dispatch(Input::Bytes(data), data, &mut ctx).unwrap();
        assert_eq!(out, Outcome::Extracted);
        assert_eq!(sink.texts, [("entry m0".to_string(), "hei".to_string())]);
        assert_eq!(sink.errors.len(), 2);
        assert!(
            sink.errors[0].1.contains("parser crashed") && sink.errors[0].1.contains("parser bug")
        );
        assert_eq!(sink.errors[0].0, "entry m1");
        assert!(sink.errors[1].1.contains("unsupported format"));
    }

    #[test]
    fn nesting_is_bounded() {
        let d = dispatcher(2);
        let mut sink = Collect::default();
        let mut ctx = Context {
            location: Location::root(),
            sink: &mut sink,
            dispatcher: &d,
        };
        // BOX containing BOX containing BOX containing text: three levels.
        let data = b"BOX\nBOX\nBOX\ndypt";
        d.dispatch(Input::Bytes(data), data, &mut ctx).unwrap();
        assert!(sink.texts.is_empty());
        assert_eq!(sink.errors.len(), 1);
        assert_eq!(sink.errors[0].0, "entry m0 › entry m0 › entry m0");
        assert!(sink.errors[0].1.contains("nesting deeper than 2"));
    }
}

//! Identical documents read once: a mailbox carries the same attachment in message after
//! message (a thread's replies, a forward, a newsletter), and parsing a workbook, document or
//! PDF again costs far more than the text it gives. The first time a member in one of those
//! formats is extracted, what its extractor sends to the sink (text segments, errors, skipped
//! parts, with their locations below the member) and its result are recorded; a member with
//! the same bytes at the same nesting depth and step is then replayed from the recording
//! instead of parsed. The sink sees exactly the calls a fresh extraction would make, in the
//! same order, so findings are those of a fresh extraction. (The format needs no place in the
//! key: a member's format follows from its bytes and its name, and its name from its step.)
//!
//! A member held in a transfer encoding (a base64 attachment) is known by its encoded bytes
//! instead, so that a copy is replayed without being decoded (see
//! [`Context::recurse_encoded`]).
//!
//! Not recorded: extractions that hand work to other threads (their calls go to forked
//! sinks), that hit the decompression budget, or that report an I/O error (which cannot be
//! copied); recordings holding more than 1 MB of text. A replay takes from the budget what
//! the recorded extraction took; when that no longer fits, the member is extracted afresh.

use std::cell::Cell;
use std::sync::{Arc, Mutex};

use super::{tally, Context, ExtractError, Format, Segment, SegmentSink};
use crate::location::{Location, Step};

/// Recordings kept at most.
const KEPT_RECORDINGS: usize = 64;

/// Text one recording may hold; a member giving more is not recorded.
const RECORDING_TEXT_BYTES: usize = 1 << 20;

/// Text all recordings together may hold; the least recently used go first.
const KEPT_TEXT_BYTES: usize = 8 << 20;

/// Formats whose parsing costs far more than replaying what it found: office documents,
/// workbooks and PDF (not text, which is its own output, nor archives and mail, which mostly
/// hand their members on).
pub fn is_remembered(format: Format) -> bool {
    matches!(
        format,
        Format::Pdf
            | Format::Docx
            | Format::Pptx
            | Format::Xlsx
            | Format::Xlsb
            | Format::Odt
            | Format::Ods
            | Format::Odp
            | Format::Xls
            | Format::Doc
            | Format::Ppt
    )
}

/// The recordings of one dispatcher, shared by its threads.
#[derive(Default)]
pub struct Memo {
    /// Least recently used first.
    kept: Mutex<Vec<(Key, Arc<Recording>)>>,
}

/// A member's bytes, by their hash: as they are, or as they stand in a transfer encoding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Identity([u8; 32]);

impl Identity {
    /// The member `data`.
    pub fn of(data: &[u8]) -> Identity {
        Identity(*blake3::hash(data).as_bytes())
    }

    /// The member whose bytes are `encoded` in the transfer `encoding` (a hash of its own
    /// kind: never that of a member's bytes).
    pub fn of_encoded(encoding: &str, encoded: &[u8]) -> Identity {
        let mut hasher = blake3::Hasher::new_derive_key("sporhund memo: encoded member");
        hasher.update(encoding.as_bytes());
        hasher.update(&[0]);
        hasher.update(encoded);
        Identity(*hasher.finalize().as_bytes())
    }
}

/// What makes two extractions give the same calls: the member, how deep in containers it is
/// (the depth limit) and the step it sits at (its name; a gzip member is named after it).
#[derive(PartialEq, Eq)]
struct Key {
    identity: Identity,
    depth: usize,
    step: Option<Step>,
}

impl Memo {
    /// Extracts the member `identity` (at `ctx`) with `extract`, or replays what an earlier
    /// extraction of the same member sent.
    pub fn extract(
        &self,
        identity: Identity,
        ctx: &mut Context<'_>,
        extract: impl FnOnce(&mut Context<'_>) -> Result<(), ExtractError>,
    ) -> Result<(), ExtractError> {
        let key = Key {
            identity,
            depth: ctx.location.container_depth(),
            step: ctx.location.steps().last().cloned(),
        };
        if let Some(recording) = self.find(&key) {
            if ctx.budget.charge(recording.charged).is_ok() {
                return recording.replay(ctx);
            }
            return extract(ctx);
        }
        let before = tally();
        let location = std::mem::take(&mut ctx.location);
        let mut recorder = Recorder {
            sink: &mut *ctx.sink,
            prefix: &location,
            events: Vec::new(),
            text_bytes: 0,
            spoiled: Cell::new(false),
        };
        let mut recording_ctx = Context {
            location: location.clone(),
            sink: &mut recorder,
            dispatcher: ctx.dispatcher,
            budget: ctx.budget,
        };
        let result = extract(&mut recording_ctx);
        drop(recording_ctx);
        let after = tally();
        let kept_result = match &result {
            Ok(()) => Some(Ok(())),
            Err(e) => Kept::of(e).map(Err),
        };
        if let (false, Some(result)) = (recorder.spoiled.get(), kept_result) {
            if after.refused == before.refused {
                let recording = Recording {
                    events: recorder.events,
                    result,
                    charged: after.charged.wrapping_sub(before.charged),
                    text_bytes: recorder.text_bytes,
                };
                self.keep(key, recording);
            }
        }
        ctx.location = location;
        result
    }

    /// Replays the member `identity` at `step` inside `ctx` as [`Context::recurse`] would
    /// extract it, if it was recorded and the budget has room: false when it was not replayed.
    pub fn replay_member(&self, identity: &Identity, step: &Step, ctx: &mut Context<'_>) -> bool {
        let key = Key {
            identity: *identity,
            depth: ctx.location.container_depth() + usize::from(step.is_container()),
            step: Some(step.clone()),
        };
        let Some(recording) = self.find(&key) else {
            return false;
        };
        if ctx.budget.charge(recording.charged).is_err() {
            return false;
        }
        // Recorded at this depth, so within the depth limit: the child is there.
        if let Some(mut child) = ctx.child(step.clone()) {
            if let Err(e) = recording.replay(&mut child) {
                child.sink.error(&child.location, &e);
            }
        }
        true
    }

    /// The recording for `key`, now the most recently used.
    fn find(&self, key: &Key) -> Option<Arc<Recording>> {
        let mut kept = self.kept.lock().ok()?;
        let at = kept.iter().position(|(k, _)| k == key)?;
        let entry = kept.remove(at);
        let recording = entry.1.clone();
        kept.push(entry);
        Some(recording)
    }

    /// Keeps `recording` for `key`, dropping the least recently used over the bounds.
    fn keep(&self, key: Key, recording: Recording) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.iter().any(|(k, _)| *k == key) {
            return; // another thread recorded it meanwhile
        }
        kept.push((key, Arc::new(recording)));
        let mut text: usize = kept.iter().map(|(_, r)| r.text_bytes).sum();
        while kept.len() > KEPT_RECORDINGS || text > KEPT_TEXT_BYTES {
            let (_, dropped) = kept.remove(0);
            text -= dropped.text_bytes;
        }
    }
}

/// What one extraction sent to its sink, and how it ended.
struct Recording {
    events: Vec<Event>,
    result: Result<(), Kept>,
    /// Bytes it took from the decompression budget.
    charged: u64,
    /// Bytes of text in `events`.
    text_bytes: usize,
}

impl Recording {
    /// Sends the recorded calls to `ctx`'s sink, at locations below `ctx`'s, and gives the
    /// recorded result.
    fn replay(&self, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
        let at = |steps: &[Step]| {
            let mut location = Vec::with_capacity(ctx.location.0.len() + steps.len());
            location.extend_from_slice(&ctx.location.0);
            location.extend_from_slice(steps);
            Location(location)
        };
        for event in &self.events {
            match event {
                Event::Text {
                    steps,
                    text,
                    first_line,
                    first_column,
                    report_before,
                } => {
                    let location = at(steps);
                    ctx.sink.text(Segment {
                        location: &location,
                        text,
                        first_line: *first_line,
                        first_column: *first_column,
                        report_before: *report_before,
                    });
                }
                Event::Error { steps, error } => ctx.sink.error(&at(steps), &error.error()),
                Event::Skipped { steps, reason } => ctx.sink.skipped(&at(steps), reason),
            }
        }
        self.result.as_ref().map_err(Kept::error).copied()
    }
}

/// One call to the sink, its location given by the steps below the member's.
enum Event {
    Text {
        steps: Vec<Step>,
        text: String,
        first_line: Option<u64>,
        first_column: u64,
        report_before: usize,
    },
    Error {
        steps: Vec<Step>,
        error: Kept,
    },
    Skipped {
        steps: Vec<Step>,
        reason: String,
    },
}

/// A recorded [`ExtractError`]: any but an I/O error.
enum Kept {
    Corrupt(String),
    Encrypted(String),
    Limit(String),
    Unsupported(String),
    Panic(String),
}

impl Kept {
    /// A copy of `error`, unless it is an I/O error.
    fn of(error: &ExtractError) -> Option<Kept> {
        Some(match error {
            ExtractError::Io(_) => return None,
            ExtractError::Corrupt(m) => Kept::Corrupt(m.clone()),
            ExtractError::Encrypted(m) => Kept::Encrypted(m.clone()),
            ExtractError::Limit(m) => Kept::Limit(m.clone()),
            ExtractError::Unsupported(m) => Kept::Unsupported(m.clone()),
            ExtractError::Panic(m) => Kept::Panic(m.clone()),
        })
    }

    /// The error again.
    fn error(&self) -> ExtractError {
        match self {
            Kept::Corrupt(m) => ExtractError::Corrupt(m.clone()),
            Kept::Encrypted(m) => ExtractError::Encrypted(m.clone()),
            Kept::Limit(m) => ExtractError::Limit(m.clone()),
            Kept::Unsupported(m) => ExtractError::Unsupported(m.clone()),
            Kept::Panic(m) => ExtractError::Panic(m.clone()),
        }
    }
}

/// Passes every call on to `sink` and records it, with its location relative to `prefix`.
struct Recorder<'r> {
    sink: &'r mut dyn SegmentSink,
    prefix: &'r Location,
    events: Vec<Event>,
    text_bytes: usize,
    /// Something was not recorded: the recording must not be kept.
    spoiled: Cell<bool>,
}

impl Recorder<'_> {
    /// The steps of `location` below the member's, or `None` (spoiling the recording) for a
    /// location outside it or once the recording is spoiled.
    fn steps(&self, location: &Location) -> Option<Vec<Step>> {
        let steps = location.0.strip_prefix(&self.prefix.0[..]);
        if steps.is_none() {
            self.spoiled.set(true);
        }
        if self.spoiled.get() {
            return None;
        }
        steps.map(<[Step]>::to_vec)
    }
}

impl SegmentSink for Recorder<'_> {
    fn text(&mut self, segment: Segment<'_>) {
        self.text_bytes += segment.text.len();
        if self.text_bytes > RECORDING_TEXT_BYTES {
            self.spoiled.set(true);
        }
        if let Some(steps) = self.steps(segment.location) {
            self.events.push(Event::Text {
                steps,
                text: segment.text.to_string(),
                first_line: segment.first_line,
                first_column: segment.first_column,
                report_before: segment.report_before,
            });
        }
        self.sink.text(segment);
    }

    fn error(&mut self, location: &Location, error: &ExtractError) {
        match (self.steps(location), Kept::of(error)) {
            (Some(steps), Some(error)) => self.events.push(Event::Error { steps, error }),
            _ => self.spoiled.set(true),
        }
        self.sink.error(location, error);
    }

    fn skipped(&mut self, location: &Location, reason: &str) {
        if let Some(steps) = self.steps(location) {
            self.events.push(Event::Skipped {
                steps,
                reason: reason.to_string(),
            });
        }
        self.sink.skipped(location, reason);
    }

    fn fork(&self) -> Option<Box<dyn SegmentSink + Send + '_>> {
        // What the fork is sent goes past the recording.
        self.spoiled.set(true);
        self.sink.fork()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{Dispatcher, Extractor, Input, Limits};
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A toy format. `BOX\n` then members separated by `|` is a container whose members all
    /// sit at the step `entry doc`; a member `~m` is held in the encoding `reversed` (`m` is
    /// the member backwards; with a `#` in it, it does not decode). Anything else is a leaf:
    /// its first line (`%PDF-` makes it a remembered format, `plain` not) is dropped and the
    /// rest is `;`-separated tokens: `!m` reports an error, `?m` a skipped part, `Em` ends
    /// with an error, `@t` is a leaf `t` (under the same first line) in an entry one level
    /// deeper, anything else is text on its own page. A leaf first takes its length from the
    /// budget. `leaves` counts the leaves read, `decoded` the members decoded.
    struct Toy {
        leaves: Arc<AtomicUsize>,
        decoded: Arc<AtomicUsize>,
    }

    impl Extractor for Toy {
        fn name(&self) -> &'static str {
            "toy"
        }
        fn formats(&self) -> &'static [Format] {
            &[Format::Text, Format::Pdf]
        }
        fn extract(
            &self,
            input: Input<'_>,
            _: &[u8],
            _: Format,
            ctx: &mut Context<'_>,
        ) -> Result<(), ExtractError> {
            let data = input.read_all(1 << 20)?.into_owned();
            let data = String::from_utf8(data).unwrap();
            if let Some(members) = data.strip_prefix("BOX\n") {
                for member in members.split('|') {
                    let step = Step::Entry { name: "doc".into() };
                    let Some(encoded) = member.strip_prefix('~') else {
                        ctx.recurse(step, member.as_bytes());
                        continue;
                    };
                    ctx.recurse_encoded(step, "reversed", encoded.as_bytes(), || {
                        self.decoded.fetch_add(1, Ordering::Relaxed);
                        match encoded.contains('#') {
                            true => Err(ExtractError::Corrupt("not reversed".into())),
                            false => Ok(encoded.bytes().rev().collect::<Vec<u8>>()),
                        }
                    });
                }
                return Ok(());
            }
            self.leaves.fetch_add(1, Ordering::Relaxed);
            let (first, body) = data.split_once('\n').unwrap_or((&data, ""));
            ctx.budget.charge(body.len() as u64)?;
            for (i, token) in body.split(';').enumerate() {
                let page = Step::Page { page: i as u32 + 1 };
                if let Some(m) = token.strip_prefix('!') {
                    ctx.error(Some(page), &ExtractError::Corrupt(m.into()));
                } else if let Some(m) = token.strip_prefix('?') {
                    let location = ctx.location.child(page);
                    ctx.sink.skipped(&location, m);
                } else if let Some(m) = token.strip_prefix('E') {
                    return Err(ExtractError::Encrypted(m.into()));
                } else if let Some(t) = token.strip_prefix('@') {
                    let inner = Step::Entry {
                        name: format!("inner {i}"),
                    };
                    ctx.recurse(inner, format!("{first}\n{t}").as_bytes());
                } else {
                    ctx.text(Some(page), token, true);
                }
            }
            Ok(())
        }
    }

    /// Every call a sink gets, in order.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl SegmentSink for Log {
        fn text(&mut self, s: Segment<'_>) {
            self.0.push(format!(
                "text {} {} {:?} {} {}",
                s.location, s.text, s.first_line, s.first_column, s.report_before
            ));
        }
        fn error(&mut self, location: &Location, e: &ExtractError) {
            self.0.push(format!("error {location} {e}"));
        }
        fn skipped(&mut self, location: &Location, reason: &str) {
            self.0.push(format!("skipped {location} {reason}"));
        }
    }

    /// The calls a box of `members` (each with its first line) gives, how many leaves were
    /// read and how many members decoded.
    fn run(members: &[String], limits: Limits) -> (Vec<String>, usize, usize) {
        let leaves = Arc::new(AtomicUsize::new(0));
        let decoded = Arc::new(AtomicUsize::new(0));
        let toy = Toy {
            leaves: leaves.clone(),
            decoded: decoded.clone(),
        };
        let dispatcher = Dispatcher::with_extractors(vec![Box::new(toy)], limits);
        let mut log = Log::default();
        let data = format!("BOX\n{}", members.join("|"));
        dispatcher
            .extract_bytes(data.as_bytes(), "box", &mut log)
            .unwrap();
        let count = |n: &AtomicUsize| n.load(Ordering::Relaxed);
        (log.0, count(&leaves), count(&decoded))
    }

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z]{1,3}",
            "![a-z]{1,3}",
            "\\?[a-z]{1,3}",
            "E[a-z]{1,3}",
            "@[a-z]{1,3}",
        ]
    }

    #[test]
    fn a_fork_spoils_the_recording() {
        let mut log = Log::default();
        let prefix = Location::root();
        let recorder = Recorder {
            sink: &mut log,
            prefix: &prefix,
            events: Vec::new(),
            text_bytes: 0,
            spoiled: Cell::new(false),
        };
        assert!(recorder.fork().is_none());
        assert!(recorder.spoiled.get());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Members repeated in any order, encoded or not, nested, failing, too deep or over
        /// the budget: the sink gets the calls it gets when nothing is remembered (the same
        /// members in a format that is not), and each distinct remembered member is parsed
        /// once.
        #[test]
        fn replays_are_fresh_extractions(
            pool in proptest::collection::vec(proptest::collection::vec(token(), 1..5), 1..4),
            picks in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3), 1..8),
            budget in prop_oneof![Just(u64::MAX), 0u64..60],
            max_depth in prop_oneof![Just(8usize), 1usize..3],
        ) {
            let bodies: Vec<String> = picks
                .iter()
                .map(|(i, _)| i.get(&pool).join(";"))
                .collect();
            let limits = Limits { max_total_bytes: budget, max_depth, ..Limits::default() };
            let with = |first: &str| -> Vec<String> {
                bodies
                    .iter()
                    .zip(&picks)
                    .map(|(b, (_, held))| {
                        let member = format!("{first}\n{b}");
                        let reversed: String = member.chars().rev().collect();
                        match held {
                            0 => member,
                            1 => format!("~{reversed}"),
                            _ => format!("~{reversed}#"),
                        }
                    })
                    .collect()
            };
            let (fresh, read, decoded) = run(&with("plain"), limits.clone());
            let (remembered, read_once, decoded_once) = run(&with("%PDF-"), limits);
            prop_assert_eq!(remembered, fresh);
            prop_assert!(read_once <= read && decoded_once <= decoded);
            let mut distinct = with("%PDF-");
            distinct.retain(|m| !m.ends_with('#'));
            let members = distinct.len();
            let encoded = distinct.iter().filter(|m| m.starts_with('~')).count();
            distinct.sort();
            distinct.dedup();
            if budget == u64::MAX && distinct.len() < members {
                prop_assert!(read_once < read);
            }
            let distinct_encoded = distinct.iter().filter(|m| m.starts_with('~')).count();
            if budget == u64::MAX && distinct_encoded < encoded {
                prop_assert!(decoded_once < decoded);
            }
        }
    }
}

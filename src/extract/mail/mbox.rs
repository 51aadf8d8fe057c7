//! mbox mailboxes (mboxo and mboxrd, as Thunderbird, Apple Mail, Google Takeout and readpst
//! write them): split on `From ` separator lines, `>From ` lines unescaped, messages scanned
//! on several threads.
//!
//! One pass over the mailbox finds both: every `From ` is either a separator (at the start of
//! a line) or, after `>` characters that start a line, a quoted line to unescape; messages
//! without quoted lines are scanned where they lie, with no second look.
//!
//! A file on disk is memory-mapped read-only, never read whole: threads claim batches of
//! messages in order (so each message keeps its 1-based index) and the pages of a finished
//! batch are handed back to the kernel, so resident memory stays at a few batches however
//! large the mailbox is.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::{LazyLock, Mutex};

use memchr::memmem;
use memmap2::Mmap;

use crate::extract::parallel::for_each_job;
use crate::extract::{open_read_only, Context, ExtractError, Input};

use super::headers::field_name;
use super::message::scan_message;

/// Bytes of mailbox a thread claims at a time (whole messages; a larger message is one batch).
const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// The longest line taken for a `From ` separator.
const MAX_SEPARATOR_LINE: usize = 1000;

/// Scans every message of the mailbox `input`.
pub fn scan_mbox(input: Input<'_>, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let map = match input {
        Input::Bytes(_) => None,
        Input::File(path) => {
            let file = open_read_only(path)?;
            if file.metadata()?.len() == 0 {
                return Ok(());
            }
            // SAFETY: the map is read-only and private to this scan. A mailbox truncated by
            // another program while it is scanned can end the process with SIGBUS; mail
            // programs append or rewrite into a new file, so this is accepted (documented).
            let map = unsafe { Mmap::map(&file)? };
            let _ = map.advise(memmap2::Advice::Sequential);
            Some(map)
        }
    };
    let data: &[u8] = match (&map, input) {
        (Some(map), _) => map,
        (None, Input::Bytes(b)) => b,
        (None, Input::File(_)) => return Ok(()),
    };
    let splitter = Mutex::new(Splitter::new(data));
    let next = || splitter.lock().ok()?.next_batch();
    for_each_job(ctx, next, |ctx, batch: Batch| {
        for message in batch.messages {
            scan_message(ctx, &message.raw(data), Some(message.index));
        }
        if let Some(map) = &map {
            release(map, batch.span);
        }
    });
    Ok(())
}

/// Messages claimed by one thread: their indexes and byte ranges, and the span they cover.
#[derive(Debug, PartialEq, Eq)]
pub struct Batch {
    /// The messages, in order.
    pub messages: Vec<Message>,
    /// The bytes of the mailbox the batch covers.
    pub span: Range<usize>,
}

/// One message of a mailbox, as the [`Splitter`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its 1-based position in the mailbox.
    pub index: u64,
    /// Its bytes in the mailbox, `From ` line included.
    pub range: Range<usize>,
    /// It has lines that are `>` characters then `From ` (see [`unescape`]).
    pub quoted: bool,
}

impl Message {
    /// The message in the mailbox `data`, without its `From ` line and unescaped.
    pub fn raw<'a>(&self, data: &'a [u8]) -> Cow<'a, [u8]> {
        let message = message_after_separator(&data[self.range.clone()]);
        if self.quoted {
            unescape(message)
        } else {
            Cow::Borrowed(message)
        }
    }
}

/// Hands out the messages of a mailbox in order, a batch at a time.
#[derive(Debug)]
pub struct Splitter<'a> {
    data: &'a [u8],
    offset: usize,
    next_index: u64,
}

impl<'a> Splitter<'a> {
    /// A splitter over the whole mailbox `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Splitter {
            data,
            offset: 0,
            next_index: 1,
        }
    }

    /// The next batch of about [`BATCH_BYTES`], or `None` at the end.
    pub fn next_batch(&mut self) -> Option<Batch> {
        self.batch_of(BATCH_BYTES)
    }

    /// The next batch of at least one message and about `size` bytes.
    pub fn batch_of(&mut self, size: usize) -> Option<Batch> {
        let start = self.offset;
        if start >= self.data.len() {
            return None;
        }
        let mut messages = Vec::new();
        let mut at = start;
        while at < self.data.len() && (messages.is_empty() || at - start < size) {
            let Next {
                separator: end,
                quoted,
            } = next_separator(self.data, at + 1);
            messages.push(Message {
                index: self.next_index,
                range: at..end,
                quoted,
            });
            self.next_index += 1;
            at = end;
        }
        self.offset = at;
        Some(Batch {
            messages,
            span: start..at,
        })
    }
}

/// What [`next_separator`] found.
struct Next {
    /// The start of the separator line, or the end of the mailbox.
    separator: usize,
    /// A quoted `From ` line comes before it (see [`Message::quoted`]).
    quoted: bool,
}

/// The next separator line starting at or after `from` (at least 1), and whether a quoted
/// `From ` line comes before it: the `From ` of a line that starts at or after the line of
/// `from - 1` and is one or more `>` characters then `From `.
fn next_separator(data: &[u8], from: usize) -> Next {
    static FROM: LazyLock<memmem::Finder<'static>> =
        LazyLock::new(|| memmem::Finder::new(b"From "));
    let mut quoted = false;
    let mut search = from;
    while let Some(found) = data.get(search..).and_then(|rest| FROM.find(rest)) {
        let at = search + found;
        search = at + 1;
        let line = at - data[..at].iter().rev().take_while(|&&b| b == b'>').count();
        if line > 0 && data[line - 1] != b'\n' {
            continue;
        }
        if line < at {
            quoted = true;
        } else if is_separator(data, at) {
            return Next {
                separator: at,
                quoted,
            };
        }
    }
    Next {
        separator: data.len(),
        quoted,
    }
}

/// A `From ` line is a separator when it reads like one (`From sender date`: a digit in a
/// short line) and the next line is a header field. An unescaped "From " at the start of a
/// body line (mboxo writers that do not escape it) is not followed by a header field.
fn is_separator(data: &[u8], at: usize) -> bool {
    let rest = &data[at..];
    let Some(eol) = memchr::memchr(b'\n', rest) else {
        return false;
    };
    let line = &rest[..eol];
    if line.len() > MAX_SEPARATOR_LINE || !line.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let next = &rest[eol + 1..];
    let next_line = &next[..memchr::memchr(b'\n', next).unwrap_or(next.len())];
    field_name(next_line).is_some()
}

/// A message without its `From ` separator line.
fn message_after_separator(message: &[u8]) -> &[u8] {
    if !message.starts_with(b"From ") {
        return message;
    }
    match memchr::memchr(b'\n', message) {
        Some(eol) => &message[eol + 1..],
        None => &[],
    }
}

/// Undoes mbox quoting: one `>` is removed from lines that are `>` characters then `From `
/// (mboxrd quotes `From ` and `>From `; mboxo quotes `From ` only, which this also undoes).
pub fn unescape(message: &[u8]) -> Cow<'_, [u8]> {
    let quoted = |line: &[u8]| {
        let body = &line[line.iter().take_while(|&&b| b == b'>').count()..];
        line.first() == Some(&b'>') && body.starts_with(b"From ")
    };
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memmem::find_iter(message, b"\n>").map(|i| i + 1))
        .filter(|&i| quoted(&message[i..]))
        .collect();
    if starts.is_empty() {
        return Cow::Borrowed(message);
    }
    let mut out = Vec::with_capacity(message.len());
    let mut from = 0;
    for s in starts {
        out.extend_from_slice(&message[from..s]);
        from = s + 1;
    }
    out.extend_from_slice(&message[from..]);
    Cow::Owned(out)
}

/// Gives the pages of a scanned part of the map back to the kernel (they are re-read from the
/// file if touched again), so resident memory does not grow with the mailbox.
fn release(map: &Mmap, span: Range<usize>) {
    const PAGE: usize = 4096;
    let start = span.start.div_ceil(PAGE) * PAGE;
    let end = span.end / PAGE * PAGE;
    if end > start {
        // SAFETY: the map is read-only and file-backed: dropped pages read back from the file
        // unchanged, and no slice of the span is used after this point.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BOX: &[u8] = b"From a@b.no Mon Jan  1 10:00:00 2024\nFrom: a@b.no\n\nFrom here on\n>From me\n>>From you\n\nFrom c@d.no Tue Jan  2 10:00:00 2024\nSubject: two\n\nbody\n";

    #[test]
    fn splits_on_separator_lines_only() {
        let mut s = Splitter::new(BOX);
        let batch = s.batch_of(1).unwrap();
        assert_eq!(batch.messages.len(), 1);
        let Message {
            index,
            range: r,
            quoted,
        } = batch.messages[0].clone();
        assert_eq!((index, quoted), (1, true));
        assert!(BOX[r.clone()].ends_with(b">>From you\n\n"));
        let second = s.batch_of(1 << 20).unwrap();
        assert_eq!(
            (second.messages[0].index, second.messages[0].quoted),
            (2, false)
        );
        assert_eq!(second.span, r.end..BOX.len());
        assert_eq!(s.batch_of(1), None);
    }

    #[test]
    fn unescapes_from_lines() {
        let msg = message_after_separator(b"From x 1\nA: b\n\n>From me\n>>From you\n> From no\n");
        assert_eq!(
            &*unescape(msg),
            b"A: b\n\nFrom me\n>From you\n> From no\n".as_slice()
        );
        assert!(matches!(unescape(b"plain\n"), Cow::Borrowed(_)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Any bytes: the splitter finds the separators the search for separator lines alone
        /// finds, and each message reads as unescaping every message would read.
        #[test]
        fn one_pass_finds_separators_and_quoted_lines(
            data in proptest::collection::vec(
                prop_oneof![
                    Just(b"From a 1\n".to_vec()),
                    Just(b"X: y\n".to_vec()),
                    Just(b"\n".to_vec()),
                    Just(b">".to_vec()),
                    Just(b"From ".to_vec()),
                    Just(b">From ".to_vec()),
                    proptest::collection::vec(any::<u8>(), 0..8),
                ],
                0..40,
            ).prop_map(|v| v.concat()),
            size in 1usize..64,
        ) {
            let mut splitter = Splitter::new(&data);
            while let Some(batch) = splitter.batch_of(size) {
                for message in batch.messages {
                    let Range { start, end } = message.range.clone();
                    prop_assert_eq!(end, reference_separator(&data, start + 1));
                    let all = unescape(message_after_separator(&data[start..end]));
                    prop_assert_eq!(&*message.raw(&data), &*all);
                }
            }
        }
    }

    /// The separator search before quoted lines were looked for in the same pass.
    fn reference_separator(data: &[u8], from: usize) -> usize {
        (from..data.len())
            .find(|&i| {
                data[i - 1] == b'\n' && data[i..].starts_with(b"From ") && is_separator(data, i)
            })
            .unwrap_or(data.len())
    }
}

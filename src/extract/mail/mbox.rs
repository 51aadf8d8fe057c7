//! mbox mailboxes (mboxo and mboxrd, as Thunderbird, Apple Mail, Google Takeout and readpst
//! write them): split on `From ` separator lines, `>From ` lines unescaped, messages scanned
//! on several threads.
//!
//! A file on disk is memory-mapped read-only, never read whole: threads claim batches of
//! messages in order (so each message keeps its 1-based index) and the pages of a finished
//! batch are handed back to the kernel, so resident memory stays at a few batches however
//! large the mailbox is.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Mutex;

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
        for (index, range) in batch.messages {
            let raw = unescape(message_after_separator(&data[range]));
            scan_message(ctx, &raw, Some(index));
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
    /// (1-based index, byte range including the `From ` line) of each message.
    pub messages: Vec<(u64, Range<usize>)>,
    /// The bytes of the mailbox the batch covers.
    pub span: Range<usize>,
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
            let end = next_separator(self.data, at + 1).unwrap_or(self.data.len());
            messages.push((self.next_index, at..end));
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

/// The start of the next separator line at or after `from`.
pub fn next_separator(data: &[u8], from: usize) -> Option<usize> {
    let finder = memmem::Finder::new(b"\nFrom ");
    let mut search = from.saturating_sub(1);
    while search < data.len() {
        let line = search + finder.find(&data[search..])? + 1;
        if is_separator(data, line) {
            return Some(line);
        }
        search = line;
    }
    None
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

    const BOX: &[u8] = b"From a@b.no Mon Jan  1 10:00:00 2024\nFrom: a@b.no\n\nFrom here on\n>From me\n>>From you\n\nFrom c@d.no Tue Jan  2 10:00:00 2024\nSubject: two\n\nbody\n";

    #[test]
    fn splits_on_separator_lines_only() {
        let mut s = Splitter::new(BOX);
        let batch = s.batch_of(1).unwrap();
        assert_eq!(batch.messages.len(), 1);
        let (i, r) = batch.messages[0].clone();
        assert_eq!(i, 1);
        assert!(BOX[r.clone()].ends_with(b">>From you\n\n"));
        let second = s.batch_of(1 << 20).unwrap();
        assert_eq!(second.messages[0].0, 2);
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
}

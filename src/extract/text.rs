//! Plain text of any extension, streamed in chunks so memory does not grow with file size.
//!
//! Encoding: a BOM decides (UTF-8, UTF-16LE/BE); UTF-16 without a BOM is recognised by its
//! pattern of zero bytes; otherwise each chunk is UTF-8 when valid and Windows-1252 when not
//! (old Norwegian files often are). Content with other zero bytes is binary and not text.
//!
//! Chunks overlap by their last complete line (or the last kilobyte of a line with no
//! breaks), and each chunk reports only matches that start before the overlap, so an
//! identifier wrapped across a line break at a chunk edge is still found exactly once.

use std::borrow::Cow;
use std::io::Read;

use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, WINDOWS_1252};
use memchr::{memchr, memrchr};

use super::{
    read_retrying, Context, ExtractError, Extractor, Format, Input, LinesCounted, Segment,
};

/// Bytes kept as overlap when a chunk has to be cut inside a very long line.
const LONG_LINE_OVERLAP: usize = 1024;

/// The plain-text extractor: everything that is not binary.
pub struct TextExtractor;

impl Extractor for TextExtractor {
    fn name(&self) -> &'static str {
        "text"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Text]
    }

    fn extract(
        &self,
        input: Input<'_>,
        head: &[u8],
        _format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        stream_source(input, head, ctx.dispatcher.limits.chunk_size, |seg| {
            ctx.sink.text(Segment {
                location: &ctx.location,
                ..seg
            });
            ctx.sink.lines_counted()
        })
    }
}

/// Streams a text source whose first bytes are `head`: the encoding is sniffed from them
/// (see [`sniff_encoding`]) and the chunks go to `emit` as in [`stream_text`].
pub fn stream_source(
    input: Input<'_>,
    head: &[u8],
    chunk_size: usize,
    emit: impl FnMut(Segment<'_>) -> Option<LinesCounted>,
) -> Result<(), ExtractError> {
    let encoding = sniff_encoding(head).unwrap_or(TextEncoding::Utf8OrWindows1252);
    match (input, encoding) {
        (Input::Bytes(bytes), TextEncoding::Utf8OrWindows1252)
            if bytes.len() < effective_chunk_size(chunk_size) =>
        {
            whole_text(bytes, emit);
            Ok(())
        }
        _ => stream_text(input.open()?, encoding, chunk_size, emit),
    }
}

/// The chunk size [`stream_text`] works with for a requested `chunk_size`.
fn effective_chunk_size(chunk_size: usize) -> usize {
    chunk_size.max(4 * LONG_LINE_OVERLAP)
}

/// What [`stream_text`] does with UTF-8 or Windows-1252 bytes shorter than a chunk, without
/// copying them into its buffer: one segment of all of it (BOM skipped).
fn whole_text(bytes: &[u8], mut emit: impl FnMut(Segment<'_>) -> Option<LinesCounted>) {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let (text, report_before) = decode_chunk(bytes, bytes.len());
    // Nothing follows: the lines are not counted.
    let _ = emit(Segment {
        location: &crate::location::Location::root(),
        text: &text,
        first_line: Some(1),
        first_column: 1,
        report_before,
    });
}

/// How a text source is decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (BOM skipped); chunks that are not valid UTF-8 are read as Windows-1252.
    Utf8OrWindows1252,
    /// UTF-16 little endian (with or without BOM).
    Utf16Le,
    /// UTF-16 big endian (with or without BOM).
    Utf16Be,
}

/// Decides whether `head` starts a text source and how to decode it; `None` for binary.
pub fn sniff_encoding(head: &[u8]) -> Option<TextEncoding> {
    if head.starts_with(&[0xFF, 0xFE]) {
        return Some(TextEncoding::Utf16Le);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Some(TextEncoding::Utf16Be);
    }
    if memchr(0, head).is_none() {
        return Some(TextEncoding::Utf8OrWindows1252);
    }
    // UTF-16 without BOM: ASCII-range text has a zero in every other byte.
    let sample = &head[..head.len() & !1];
    let pairs = sample.len() / 2;
    if pairs >= 4 {
        let zero_even = sample.iter().step_by(2).filter(|&&b| b == 0).count();
        let zero_odd = sample
            .iter()
            .skip(1)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count();
        if zero_odd * 10 >= pairs * 7 && zero_even * 10 <= pairs {
            return Some(TextEncoding::Utf16Le);
        }
        if zero_even * 10 >= pairs * 7 && zero_odd * 10 <= pairs {
            return Some(TextEncoding::Utf16Be);
        }
    }
    None
}

/// Buffers of [`stream_text`] at most this large are kept for the thread's next text.
const SPARE_KEPT_UP_TO: usize = 16 << 20;

thread_local! {
    /// The buffer of the thread's last [`stream_text`], kept for its next one: a fresh buffer
    /// per file is fresh memory, and faulting it in (a 4 KiB page at a time, zeroed) was 4-6 %
    /// of the CPU of a scan of 300 MB of text in files of 2-6 MB.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A buffer taken from [`SPARE`] (empty, with room for `capacity` bytes) and given back when
/// dropped. A text inside a text (none today, but extractors nest) takes a new one.
struct SpareBuffer(Vec<u8>);

impl SpareBuffer {
    fn take(capacity: usize) -> SpareBuffer {
        let mut buf = SPARE.take();
        buf.clear();
        buf.reserve(capacity);
        SpareBuffer(buf)
    }
}

impl Drop for SpareBuffer {
    fn drop(&mut self) {
        if self.0.capacity() <= SPARE_KEPT_UP_TO {
            SPARE.set(std::mem::take(&mut self.0));
        }
    }
}

/// Reads `reader` to the end and calls `emit` with overlapping chunks of text (the segments'
/// `location` is a placeholder for the caller to replace). `emit` answers with the line breaks
/// it counted at the chunk's start, if any ([`super::SegmentSink::lines_counted`]), so they are
/// not counted again.
pub fn stream_text(
    mut reader: impl Read,
    encoding: TextEncoding,
    chunk_size: usize,
    mut emit: impl FnMut(Segment<'_>) -> Option<LinesCounted>,
) -> Result<(), ExtractError> {
    let chunk_size = effective_chunk_size(chunk_size);
    let mut decoder: Option<Decoder> = match encoding {
        TextEncoding::Utf8OrWindows1252 => None,
        TextEncoding::Utf16Le => Some(UTF_16LE.new_decoder()),
        TextEncoding::Utf16Be => Some(UTF_16BE.new_decoder()),
    };
    let placeholder = crate::location::Location::root();
    // `buf` holds UTF-8 (or, for the fallback, raw bytes) not yet fully reported.
    let mut spare = SpareBuffer::take(chunk_size + LONG_LINE_OVERLAP);
    let buf = &mut spare.0;
    // Raw bytes waiting for the UTF-16 decoder (allocated only for UTF-16).
    let mut raw = Vec::new();
    let mut line: u64 = 1;
    let mut column: u64 = 1;
    let mut eof = false;
    let mut first = true;
    while !eof || !buf.is_empty() {
        while !eof && buf.len() < chunk_size {
            match decoder.as_mut() {
                None => {
                    // Straight into the buffer: the text is not copied on its way in.
                    let want = chunk_size - buf.len();
                    let n = (&mut reader).take(want as u64).read_to_end(buf)?;
                    eof = n < want;
                }
                Some(d) => {
                    raw.resize(64 * 1024, 0);
                    let want = raw.len().min(chunk_size - buf.len());
                    let n = read_retrying(&mut reader, &mut raw[..want])?;
                    decode_into(d, &raw[..n], n == 0, buf);
                    eof = n == 0;
                }
            }
        }
        if first {
            first = false;
            if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
                buf.drain(..3);
            }
        }
        let (end, boundary) = if eof {
            (buf.len(), buf.len())
        } else {
            cut_points(buf)
        };
        let (text, report_before) = decode_chunk(&buf[..end], boundary);
        let counted = emit(Segment {
            location: &placeholder,
            text: &text,
            first_line: Some(line),
            first_column: column,
            report_before,
        });
        // Lines and columns advance over the decoded text, so Windows-1252 bytes count as
        // one character each. The line breaks the consumer counted (up to its last finding)
        // are not counted again: in dense text that was a second pass over every chunk.
        let done = &text.as_bytes()[..report_before];
        let counted = counted.filter(|c| c.upto <= done.len()).unwrap_or_default();
        let rest = &done[counted.upto..];
        line += counted.breaks;
        let line_start = match memrchr(b'\n', rest) {
            Some(i) => {
                line += memchr::memchr_iter(b'\n', rest).count() as u64;
                Some(counted.upto + i + 1)
            }
            None => (counted.breaks > 0).then_some(counted.line_start),
        };
        match line_start {
            Some(start) => column = 1 + char_count(&done[start..]),
            None => column += char_count(done),
        }
        drop(text);
        buf.drain(..boundary);
        if eof && boundary == end {
            buf.clear();
        }
    }
    Ok(())
}

/// Where to cut a full buffer: `end` is the last byte handed to the detector (after the last
/// line break, or at a character boundary), `boundary` is where the next chunk starts.
fn cut_points(buf: &[u8]) -> (usize, usize) {
    if let Some(last) = memrchr(b'\n', buf) {
        let end = last + 1;
        if let Some(prev) = memrchr(b'\n', &buf[..last]) {
            // Keep the last complete line as overlap: an identifier wrapped over the break
            // before it is then whole in this chunk, and the line is re-read in the next.
            return (end, prev + 1);
        }
        if end > 2 * LONG_LINE_OVERLAP {
            return (end, utf8_floor(buf, end - LONG_LINE_OVERLAP));
        }
    }
    let end = utf8_floor(buf, buf.len());
    (end, utf8_floor(buf, end - LONG_LINE_OVERLAP))
}

/// The largest index ≤ `i` that does not split a UTF-8 sequence (at the end of the buffer:
/// that does not leave an incomplete sequence before it).
fn utf8_floor(buf: &[u8], i: usize) -> usize {
    let i = i.min(buf.len());
    // Find the lead byte of the character that `i` falls in or ends after.
    let mut lead = i;
    while lead > 0 && i - lead < 4 && lead <= buf.len() {
        let b = buf[lead - 1];
        if b & 0xC0 != 0x80 {
            lead -= 1;
            break;
        }
        lead -= 1;
    }
    if lead < i && buf[lead] >= 0xC0 {
        let width = match buf[lead] {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        if lead + width > i {
            return lead;
        }
    }
    i
}

fn char_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// The chunk as text, and the overlap boundary translated into the text's offsets.
fn decode_chunk(bytes: &[u8], boundary: usize) -> (Cow<'_, str>, usize) {
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return (Cow::Borrowed(s), boundary);
    }
    let (head, _, _) = WINDOWS_1252.decode(&bytes[..boundary]);
    let (tail, _, _) = WINDOWS_1252.decode(&bytes[boundary..]);
    let report_before = head.len();
    (Cow::Owned(head.into_owned() + &tail), report_before)
}

fn decode_into(decoder: &mut Decoder, input: &[u8], last: bool, out: &mut Vec<u8>) {
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length(input.len())
            .unwrap_or(input.len() * 3),
    );
    let _ = decoder.decode_to_string(input, &mut text, last);
    out.extend_from_slice(text.as_bytes());
}

/// Decodes a whole small byte slice with the same rules (used for values from containers).
pub fn decode_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match sniff_encoding(&bytes[..bytes.len().min(super::HEAD_LEN)]) {
        Some(TextEncoding::Utf16Le) => Cow::Owned(decode_with(UTF_16LE, bytes)),
        Some(TextEncoding::Utf16Be) => Cow::Owned(decode_with(UTF_16BE, bytes)),
        _ => decode_chunk(bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes), 0).0,
    }
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode(bytes).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (text, first_line, first_column, report_before) of every chunk.
    fn chunks(data: &[u8], enc: TextEncoding, size: usize) -> Vec<(String, u64, u64, usize)> {
        let mut out = Vec::new();
        stream_text(data, enc, size, |s| {
            out.push((
                s.text.to_string(),
                s.first_line.unwrap(),
                s.first_column,
                s.report_before,
            ));
            None
        })
        .unwrap();
        out
    }

    #[test]
    fn sniffs_encodings() {
        assert_eq!(
            sniff_encoding(b"hei"),
            Some(TextEncoding::Utf8OrWindows1252)
        );
        assert_eq!(sniff_encoding(b"\xFF\xFEh\0"), Some(TextEncoding::Utf16Le));
        assert_eq!(
            sniff_encoding(b"h\0e\0i\0 \0p\0\xE5\0 \0d\0e\0g\0"),
            Some(TextEncoding::Utf16Le)
        );
        assert_eq!(
            sniff_encoding(b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"),
            None
        );
    }

    #[test]
    fn windows_1252_fallback() {
        let c = chunks(
            b"f\xF8dselsnummer",
            TextEncoding::Utf8OrWindows1252,
            1 << 20,
        );
        assert_eq!(c[0].0, "fødselsnummer");
    }

    #[test]
    fn utf16_is_decoded() {
        let mut data = vec![0xFF, 0xFE];
        for u in "Åse 15108695088".encode_utf16() {
            data.extend_from_slice(&u.to_le_bytes());
        }
        let c = chunks(&data, TextEncoding::Utf16Le, 1 << 20);
        assert_eq!(c[0].0, "Åse 15108695088");
    }

    #[test]
    fn chunks_overlap_by_one_line_and_track_lines() {
        let mut data = String::new();
        for i in 0..2000 {
            data.push_str(&format!("linje {i} med litt tekst\n"));
        }
        let c = chunks(data.as_bytes(), TextEncoding::Utf8OrWindows1252, 4096);
        assert!(c.len() > 5);
        // Reported parts tile the input exactly once, and line numbers follow.
        let mut rebuilt = String::new();
        let mut expected_line = 1;
        for (text, line, col, before) in &c {
            assert_eq!(*line, expected_line);
            assert_eq!(*col, 1);
            rebuilt.push_str(&text[..*before]);
            expected_line += text[..*before].matches('\n').count() as u64;
        }
        assert_eq!(rebuilt, data);
    }

    #[test]
    fn a_buffer_kept_from_an_earlier_text_leaves_nothing_of_it_behind() {
        let long = "12345678901 ".repeat(2000);
        let short = "hei\n";
        let fresh = |data: &'static [u8], enc| {
            std::thread::spawn(move || chunks(data, enc, 4096))
                .join()
                .unwrap()
        };
        let want_short = fresh(short.as_bytes(), TextEncoding::Utf8OrWindows1252);
        // On one thread: a long text fills the buffer, then a short text and a UTF-16 text
        // reuse it.
        let long_chunks = chunks(long.as_bytes(), TextEncoding::Utf8OrWindows1252, 4096);
        assert!(long_chunks.len() > 2);
        assert_eq!(
            chunks(short.as_bytes(), TextEncoding::Utf8OrWindows1252, 4096),
            want_short
        );
        let utf16: &'static [u8] = b"h\0e\0i\0";
        let want_utf16 = fresh(utf16, TextEncoding::Utf16Le);
        chunks(long.as_bytes(), TextEncoding::Utf8OrWindows1252, 4096);
        assert_eq!(chunks(utf16, TextEncoding::Utf16Le, 4096), want_utf16);
        assert_eq!(want_utf16[0].0, "hei");
    }

    #[test]
    fn utf8_floor_never_splits_a_character() {
        let s = "aøb€c😀".as_bytes();
        for i in 0..=s.len() {
            let f = utf8_floor(s, i);
            assert!(f <= i && std::str::from_utf8(&s[..f]).is_ok(), "{i} -> {f}");
            assert!(i - f < 4);
        }
        assert_eq!(utf8_floor("aø".as_bytes(), 2), 1);
        assert_eq!(utf8_floor("aø".as_bytes(), 3), 3);
    }

    #[test]
    fn long_windows_1252_line_keeps_columns() {
        let mut data = vec![b'x'; 10_000];
        data.extend_from_slice(b"\xF8\xF8 fnr");
        data.extend(std::iter::repeat_n(0xF8u8, 10_000));
        let c = chunks(&data, TextEncoding::Utf8OrWindows1252, 4096);
        let mut col = 1;
        for (text, line, first_col, before) in &c {
            assert_eq!(*line, 1);
            assert_eq!(*first_col, col);
            col += text[..*before].chars().count() as u64;
        }
        assert_eq!(col, 1 + data.len() as u64);
    }

    #[test]
    fn a_line_without_breaks_is_cut_with_overlap() {
        let data = "æ".repeat(20_000);
        let c = chunks(data.as_bytes(), TextEncoding::Utf8OrWindows1252, 4096);
        let rebuilt: String = c.iter().map(|(t, _, _, b)| &t[..*b]).collect();
        assert_eq!(rebuilt, data);
        assert_eq!(c[1].2, 1 + c[0].0[..c[0].3].chars().count() as u64);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Bytes in memory (whole or in chunks) give the chunks a reader over them gives.
        #[test]
        fn bytes_in_memory_stream_like_a_reader(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b"\xEF\xBB\xBF".to_vec()),
                    proptest::strategy::Just("fødselsnummer 010203\n".as_bytes().to_vec()),
                    proptest::strategy::Just(b"\xF8\xE6\n".to_vec()),
                    proptest::strategy::Just(vec![b'x'; 1500]),
                    proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
                ],
                0..12,
            ),
            size in 0usize..9000,
        ) {
            let data = parts.concat();
            let mut ours = Vec::new();
            stream_source(Input::Bytes(&data), &data, size, |s| {
                ours.push((s.text.to_string(), s.first_line, s.first_column, s.report_before));
                None
            })
            .unwrap();
            let encoding = sniff_encoding(&data).unwrap_or(TextEncoding::Utf8OrWindows1252);
            let mut theirs = Vec::new();
            stream_text(&data[..], encoding, size, |s| {
                theirs.push((s.text.to_string(), s.first_line, s.first_column, s.report_before));
                None
            })
            .unwrap();
            proptest::prop_assert_eq!(ours, theirs);
        }

        /// A consumer that counted the line breaks of a chunk's start (any start) gets the
        /// chunks a consumer that counted none gets, in UTF-8 and in Windows-1252 text.
        #[test]
        fn lines_counted_by_the_consumer_are_not_counted_again(
            data in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b'a'),
                    proptest::strategy::Just(b'\n'),
                    proptest::strategy::Just(0xF8u8),
                ],
                0..12000,
            ),
            size in 0usize..9000,
            share in 0.0f64..=1.0,
        ) {
            let mut plain = Vec::new();
            stream_text(&data[..], TextEncoding::Utf8OrWindows1252, size, |s| {
                plain.push((s.text.to_string(), s.first_line, s.first_column, s.report_before));
                None
            })
            .unwrap();
            let mut counted = Vec::new();
            stream_text(&data[..], TextEncoding::Utf8OrWindows1252, size, |s| {
                counted.push((s.text.to_string(), s.first_line, s.first_column, s.report_before));
                let upto = (s.report_before as f64 * share) as usize;
                let before = &s.text.as_bytes()[..upto];
                Some(LinesCounted {
                    upto,
                    breaks: memchr::memchr_iter(b'\n', before).count() as u64,
                    line_start: memrchr(b'\n', before).map_or(0, |i| i + 1),
                })
            })
            .unwrap();
            proptest::prop_assert_eq!(plain, counted);
        }
    }
}

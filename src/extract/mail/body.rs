//! Part bodies with their transfer encoding undone, without the copies mailparse makes: 7bit,
//! 8bit and binary bodies are borrowed from the message, clean base64 is decoded in one pass
//! (line breaks skipped as it goes) into a buffer reused by the thread's next part, and text
//! already valid in its charset stays borrowed.
//!
//! Every result is byte for byte what mailparse's `get_body_raw` and `get_body` give: whatever
//! the fast paths do not handle exactly (base64 with stray characters or padding inside,
//! charsets encoding_rs does not know) goes through mailparse.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Deref;

use encoding_rs::{Encoding, GBK};
use mailparse::body::Body;
use mailparse::{MailParseError, ParsedMail};

use super::simd64;

/// A part body with its transfer encoding undone: borrowed from the message, or decoded into
/// a [`Buffer`].
pub enum PartBody<'a> {
    /// The body as it stands in the message (7bit, 8bit, binary).
    Borrowed(&'a [u8]),
    /// The decoded body (base64, quoted-printable).
    Decoded(Buffer),
}

impl Deref for PartBody<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            PartBody::Borrowed(bytes) => bytes,
            PartBody::Decoded(buffer) => buffer,
        }
    }
}

/// Decoded buffers larger than this are freed rather than kept for the thread's next part.
const KEPT_BUFFER_BYTES: usize = 8 << 20;

/// Buffers kept per thread: one for a part, one for a part of a message attached to it.
const KEPT_BUFFERS: usize = 2;

thread_local! {
    /// Buffers of decoded parts given back, for the thread's next parts. A decoded attachment
    /// is a large allocation that the allocator hands back to the kernel when it is freed; in
    /// a fresh one every page faulted in to be zeroed again (a 1.15 GB mailbox spent 3.7 % of
    /// its time there).
    static KEPT: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// Bytes decoded into a vector taken from the thread's kept buffers, given back when dropped
/// (unless larger than 8 MB).
pub struct Buffer {
    /// Its first `len` bytes are the content; the rest is room left from earlier use.
    vec: Vec<u8>,
    len: usize,
}

impl Buffer {
    /// A buffer kept by this thread, or a new one.
    fn take() -> Buffer {
        let vec = KEPT
            .try_with(|kept| kept.borrow_mut().pop())
            .ok()
            .flatten()
            .unwrap_or_default();
        Buffer { vec, len: 0 }
    }

    /// Decodes standard base64 with white space anywhere as the content. Returns false, with
    /// the content empty, unless `encoded` is clean: digits and white space only, then either
    /// nothing or the padding of a last group of two or three digits (`xx==`, `xxx=`) followed
    /// by white space. Clean input decodes as mailparse decodes it (trailing bits ignored); for
    /// anything else mailparse's own decoder decides (errors, or padding inside concatenated
    /// parts).
    fn decode_base64(&mut self, encoded: &[u8]) -> bool {
        let room = encoded.len() / 4 * 3 + 5;
        if self.vec.len() < room {
            // A zeroed allocation rather than a resize: nothing of the old content to copy.
            self.vec = vec![0; room];
        }
        let decoded = decode_into(encoded, &mut self.vec[..room]);
        self.len = decoded.unwrap_or(0);
        decoded.is_some()
    }
}

impl From<Vec<u8>> for Buffer {
    fn from(vec: Vec<u8>) -> Buffer {
        Buffer {
            len: vec.len(),
            vec,
        }
    }
}

impl Deref for Buffer {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.vec[..self.len]
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if self.vec.capacity() > KEPT_BUFFER_BYTES {
            return;
        }
        let vec = std::mem::take(&mut self.vec);
        // A thread ending (its kept buffers already dropped) frees the buffer instead.
        let _ = KEPT.try_with(|kept| {
            if let Ok(mut kept) = kept.try_borrow_mut() {
                if kept.len() < KEPT_BUFFERS {
                    kept.push(vec);
                }
            }
        });
    }
}

/// The body of `part` with its Content-Transfer-Encoding undone, no charset decoding (what
/// `get_body_raw` returns).
pub fn body_bytes<'a>(part: &'a ParsedMail<'_>) -> Result<PartBody<'a>, MailParseError> {
    match part.get_body_encoded() {
        Body::Base64(body) => {
            let mut buffer = Buffer::take();
            if buffer.decode_base64(body.get_raw()) {
                Ok(PartBody::Decoded(buffer))
            } else {
                body.get_decoded().map(|v| PartBody::Decoded(v.into()))
            }
        }
        Body::QuotedPrintable(body) => body.get_decoded().map(|v| PartBody::Decoded(v.into())),
        Body::SevenBit(body) | Body::EightBit(body) => Ok(PartBody::Borrowed(body.get_raw())),
        Body::Binary(body) => Ok(PartBody::Borrowed(body.get_raw())),
    }
}

/// The body of `part` as it stands in a transfer encoding (base64, quoted-printable), with
/// the encoding's name; `None` for a body that is not encoded (7bit, 8bit, binary).
pub fn encoded<'a>(part: &'a ParsedMail<'_>) -> Option<(&'static str, &'a [u8])> {
    match part.get_body_encoded() {
        Body::Base64(body) => Some(("base64", body.get_raw())),
        Body::QuotedPrintable(body) => Some(("quoted-printable", body.get_raw())),
        Body::SevenBit(_) | Body::EightBit(_) | Body::Binary(_) => None,
    }
}

/// The body of `part` as text in its charset (what `get_body` returns), borrowed from the
/// message when it is already valid UTF-8 there.
pub fn body_text<'a>(part: &'a ParsedMail<'_>) -> Result<Cow<'a, str>, MailParseError> {
    let encoding = match Encoding::for_label(part.ctype.charset.as_bytes()) {
        // charset (mailparse's decoder) treats GBK as GB18030; the rest it hands to
        // encoding_rs unchanged, BOM sniffing included, as `decode` does here.
        Some(encoding) if encoding != GBK => encoding,
        _ => return part.get_body().map(Cow::Owned),
    };
    Ok(match body_bytes(part)? {
        PartBody::Borrowed(bytes) => encoding.decode(bytes).0,
        PartBody::Decoded(bytes) => Cow::Owned(encoding.decode(&bytes).0.into_owned()),
    })
}

/// Marks in [`SYMBOLS`] for bytes that are not base64 digits.
const SPACE: u8 = 0xFE;
const PAD: u8 = 0xFD;
const INVALID: u8 = 0xFF;

/// The value of each base64 digit; [`SPACE`] for ASCII white space (skipped, as mailparse
/// does), [`PAD`] for `=`, [`INVALID`] for the rest.
const SYMBOLS: [u8; 256] = {
    let mut table = [INVALID; 256];
    let digits = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < digits.len() {
        table[digits[i] as usize] = i as u8;
        i += 1;
    }
    let spaces = b" \t\n\x0C\r";
    let mut i = 0;
    while i < spaces.len() {
        table[spaces[i] as usize] = SPACE;
        i += 1;
    }
    table[b'=' as usize] = PAD;
    table
};

/// [`Buffer::decode_base64`] into `out` (at least `encoded.len() / 4 * 3 + 5` bytes long):
/// the number of bytes written, or `None` when `encoded` is not clean.
fn decode_into(encoded: &[u8], out: &mut [u8]) -> Option<usize> {
    let (mut written, mut i) = (0, 0);
    let mut digits = [0u8; 4];
    let mut held = 0;
    while i < encoded.len() {
        if held == 0 {
            // Whole groups up to the next line break: the common case.
            let groups = decode_groups(&encoded[i..], &mut out[written..]);
            i += groups * 4;
            written += groups * 3;
            // A line break, where whole groups usually stop, skipped at once.
            match encoded[i..] {
                [] => break,
                [b'\r', b'\n', ..] => {
                    i += 2;
                    continue;
                }
                [b'\n', ..] => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        let symbol = SYMBOLS[usize::from(encoded[i])];
        i += 1;
        match symbol {
            SPACE => {}
            PAD => return padded(&encoded[i..], digits, held, out, written),
            INVALID => return None,
            digit => {
                digits[held] = digit;
                held += 1;
                if held == 4 {
                    out[written..written + 3].copy_from_slice(&group(digits));
                    written += 3;
                    held = 0;
                }
            }
        }
    }
    (held == 0).then_some(written)
}

/// The three bytes four base64 digit values stand for.
fn group(d: [u8; 4]) -> [u8; 3] {
    let n = (u32::from(d[0]) << 18)
        | (u32::from(d[1]) << 12)
        | (u32::from(d[2]) << 6)
        | u32::from(d[3]);
    let [_, a, b, c] = n.to_be_bytes();
    [a, b, c]
}

/// [`SYMBOLS`] shifted into place for each digit of a block of eight (`SHIFTED[k][c]` is the
/// value of `c` as the `k`-th digit of a 48-bit block, in the top bits of a `u64`), with the
/// lowest bit set for anything but a digit.
const SHIFTED: [[u64; 256]; 8] = {
    let mut tables = [[0u64; 256]; 8];
    let mut k = 0;
    while k < 8 {
        let mut c = 0;
        while c < 256 {
            let v = SYMBOLS[c];
            tables[k][c] = if v < 64 {
                (v as u64) << (58 - 6 * k)
            } else {
                1
            };
            c += 1;
        }
        k += 1;
    }
    tables
};

/// Decodes whole groups of four base64 digits from the start of `encoded` into `out` (which
/// has room for three bytes per four digits of `encoded`, and two more), up to the first
/// group with anything else in it: the number of groups decoded. Blocks of sixteen digits go
/// through SSSE3 or AVX2 where the CPU has them ([`simd64`]), the rest through
/// [`scalar_groups`].
fn decode_groups(encoded: &[u8], out: &mut [u8]) -> usize {
    let groups = simd64::decode_blocks(encoded, out);
    let rest = &encoded[groups * 4..];
    // The blocks stopped at a byte that is no digit (a line break): no group follows.
    if groups > 0 && rest.first().is_some_and(|&b| SYMBOLS[usize::from(b)] >= 64) {
        return groups;
    }
    groups + scalar_groups(rest, &mut out[groups * 3..])
}

/// [`decode_groups`] a group (or two) at a time, with lookup tables.
pub(super) fn scalar_groups(encoded: &[u8], out: &mut [u8]) -> usize {
    let mut groups = 0;
    for text in encoded.chunks_exact(8) {
        let n = SHIFTED[0][usize::from(text[0])]
            | SHIFTED[1][usize::from(text[1])]
            | SHIFTED[2][usize::from(text[2])]
            | SHIFTED[3][usize::from(text[3])]
            | SHIFTED[4][usize::from(text[4])]
            | SHIFTED[5][usize::from(text[5])]
            | SHIFTED[6][usize::from(text[6])]
            | SHIFTED[7][usize::from(text[7])];
        if n & 1 != 0 {
            break;
        }
        let at = groups * 3;
        let Some(bytes) = out.get_mut(at..at + 8) else {
            break;
        };
        bytes.copy_from_slice(&n.to_be_bytes());
        groups += 2;
    }
    while let Some(&[a, b, c, d]) = encoded.get(groups * 4..groups * 4 + 4) {
        let n = SHIFTED[0][usize::from(a)]
            | SHIFTED[1][usize::from(b)]
            | SHIFTED[2][usize::from(c)]
            | SHIFTED[3][usize::from(d)];
        if n & 1 != 0 {
            break;
        }
        let at = groups * 3;
        let Some(bytes) = out.get_mut(at..at + 3) else {
            break;
        };
        bytes.copy_from_slice(&n.to_be_bytes()[..3]);
        groups += 1;
    }
    groups
}

/// The end of clean base64 after its first `=`: `held` digits of the last group are in
/// `digits`, `rest` follows that `=`.
fn padded(
    rest: &[u8],
    digits: [u8; 4],
    held: usize,
    out: &mut [u8],
    written: usize,
) -> Option<usize> {
    let mut pads = 1;
    for &b in rest {
        match SYMBOLS[usize::from(b)] {
            SPACE => {}
            PAD => pads += 1,
            _ => return None,
        }
    }
    let n = (u32::from(digits[0]) << 18) | (u32::from(digits[1]) << 12);
    match (held, pads) {
        (2, 2) => {
            out[written] = (n >> 16) as u8;
            Some(written + 1)
        }
        (3, 1) => {
            let n = n | (u32::from(digits[2]) << 6);
            out[written] = (n >> 16) as u8;
            out[written + 1] = (n >> 8) as u8;
            Some(written + 2)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Base64 by an independent encoder (the data-encoding crate).
    fn encode(data: &[u8]) -> String {
        data_encoding::BASE64.encode(data)
    }

    fn part(encoding: &str, charset: &str, body: &[u8]) -> Vec<u8> {
        let mut m = format!(
            "Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n"
        )
        .into_bytes();
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn clean_base64_decodes_in_one_pass() {
        let mut out = Buffer::take();
        assert!(out.decode_base64(b"aGVs\r\nbG8g\nd29y bGQ=\r\n"));
        assert_eq!(&*out, b"hello world");
        assert!(out.decode_base64(b"aA==\n"));
        assert_eq!(&*out, b"h");
        assert!(out.decode_base64(b""));
        assert!(out.is_empty());
        for unclean in [
            &b"aGk=aGk="[..],
            b"aGk",
            b"a===",
            b"aGk*",
            b"====",
            b"aG=k",
            b"aGk\x0b",
        ] {
            let mut out = Buffer::take();
            assert!(out.decode_base64(b"aGk="));
            assert!(!out.decode_base64(unclean), "{unclean:?}");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn text_bodies_are_borrowed_when_valid() {
        let raw = part("8bit", "utf-8", "Søknad\r\n".as_bytes());
        let mail = mailparse::parse_mail(&raw).unwrap();
        let text = body_text(&mail).unwrap();
        assert!(matches!(text, Cow::Borrowed(_)));
        assert_eq!(text, mail.get_body().unwrap());
        assert!(matches!(body_bytes(&mail).unwrap(), PartBody::Borrowed(_)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Any body, any transfer encoding and charset: the same bytes and text as mailparse.
        #[test]
        fn same_as_mailparse(
            data in proptest::collection::vec(any::<u8>(), 0..200),
            noise in proptest::collection::vec(
                prop_oneof![
                    Just(b"\r\n".to_vec()),
                    Just(b"\n".to_vec()),
                    Just(b" ".to_vec()),
                    Just(b"=".to_vec()),
                    Just(b"==".to_vec()),
                    Just(b"\xEF\xBB\xBF".to_vec()),
                    Just(b"\xFF\xFE".to_vec()),
                    proptest::collection::vec(any::<u8>(), 0..3),
                ],
                0..4,
            ),
            at in proptest::collection::vec(any::<prop::sample::Index>(), 4),
            encoding in prop_oneof![Just("base64"), Just("8bit"), Just("quoted-printable"), Just("binary"), Just("x-unknown")],
            charset in prop_oneof![Just("utf-8"), Just("iso-8859-1"), Just("gbk"), Just("utf-7"), Just("nonsense"), Just("utf-16le")],
        ) {
            // Base64 of the data, folded at random places, with random noise put in.
            let mut body = if encoding == "base64" { encode(&data).into_bytes() } else { data.clone() };
            for (k, fold) in at.iter().enumerate() {
                let p = fold.index(body.len() + 1);
                let insert = if k < noise.len() { noise[k].clone() } else { b"\r\n".to_vec() };
                body.splice(p..p, insert);
            }
            let raw = part(encoding, charset, &body);
            let mail = mailparse::parse_mail(&raw).unwrap();
            match (body_bytes(&mail), mail.get_body_raw()) {
                (Ok(ours), Ok(theirs)) => prop_assert_eq!(&*ours, &theirs[..]),
                (ours, theirs) => prop_assert_eq!(ours.is_ok(), theirs.is_ok()),
            }
            match (body_text(&mail), mail.get_body()) {
                (Ok(ours), Ok(theirs)) => prop_assert_eq!(&*ours, &theirs[..]),
                (ours, theirs) => prop_assert_eq!(ours.is_ok(), theirs.is_ok()),
            }
        }

        /// Groups decoded a block of sixteen at a time are those decoded one by one: the
        /// same count and bytes, whatever the input (digits with stray bytes anywhere) and
        /// however little room there is.
        #[test]
        fn blocks_decode_as_groups_do(
            data in proptest::collection::vec(any::<u8>(), 0..200),
            stray in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            room in 0usize..200,
        ) {
            let mut encoded = encode(&data).into_bytes();
            for (at, byte) in stray {
                let i = at.index(encoded.len() + 1);
                encoded.insert(i, byte);
            }
            let room = room.min(encoded.len() / 4 * 3 + 5);
            let (mut fast, mut slow) = (vec![0u8; room], vec![0u8; room]);
            let groups = decode_groups(&encoded, &mut fast);
            prop_assert_eq!(groups, scalar_groups(&encoded, &mut slow));
            prop_assert_eq!(&fast[..groups * 3], &slow[..groups * 3]);
        }

        /// Clean base64 (folded anywhere) always takes the fast path.
        #[test]
        fn clean_base64_is_decoded_here(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            width in 1usize..100,
        ) {
            let encoded = encode(&data);
            let folded: Vec<u8> = encoded
                .as_bytes()
                .chunks(width)
                .flat_map(|line| line.iter().copied().chain(*b"\r\n"))
                .collect();
            let mut out = Buffer::take();
            prop_assert!(out.decode_base64(&folded));
            prop_assert_eq!(&*out, &data[..]);
        }
    }
}

//! Masking: reports are personal data themselves, so values and snippets are masked unless
//! the user asks for them with `--show-values`.

use crate::location::{Location, Step};

/// Masks a value as written: separators stay, letters and digits become `*` except the last
/// two (for values of eight or more) and, for an e-mail address, the first letter and the
/// top-level domain: `15108695088` → `*********88`, `kari@firma.no` → `k***@*****.no`.
pub fn mask_value(value: &str) -> String {
    if value.is_ascii() {
        return mask_ascii_value(value);
    }
    mask_value_chars(value)
}

/// [`mask_value`] for an ASCII value (nearly every value found): the bytes of a copy are
/// replaced in place, without decoding characters.
fn mask_ascii_value(value: &str) -> String {
    let mut out = value.as_bytes().to_vec();
    let hide = |byte: &mut u8| {
        if byte.is_ascii_alphanumeric() {
            *byte = b'*';
        }
    };
    match memchr::memrchr(b'@', &out) {
        Some(at) => {
            // The first byte (of the local part, or the `@` itself) and the top-level domain
            // stay.
            let tld_at = memchr::memrchr(b'.', &out[at..]).map_or(out.len(), |dot| at + dot);
            out[1..tld_at].iter_mut().for_each(hide);
        }
        None => {
            let alnum = out.iter().filter(|b| b.is_ascii_alphanumeric()).count();
            let keep = if alnum >= 8 { 2 } else { 0 };
            out.iter_mut()
                .filter(|b| b.is_ascii_alphanumeric())
                .take(alnum - keep)
                .for_each(hide);
        }
    }
    String::from_utf8(out).expect("ASCII stays UTF-8")
}

/// [`mask_value`] a character at a time.
fn mask_value_chars(value: &str) -> String {
    if let Some((local, domain)) = value.rsplit_once('@') {
        return mask_address_chars(local, domain);
    }
    let alnum = value.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = if alnum >= 8 { 2 } else { 0 };
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen > alnum - keep {
                    return c;
                }
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// [`mask_value`] for an e-mail address `local@domain`, a character at a time.
fn mask_address_chars(local: &str, domain: &str) -> String {
    let hide = |c: char| if c.is_alphanumeric() { '*' } else { c };
    let mut out = String::with_capacity(local.len() + 1 + domain.len());
    let mut chars = local.chars();
    if let Some(c) = chars.next() {
        out.push(c);
    }
    out.extend(chars.map(hide));
    out.push('@');
    let tld_at = domain.rfind('.').unwrap_or(domain.len());
    out.extend(domain[..tld_at].chars().map(hide));
    out.push_str(&domain[tld_at..]);
    out
}

/// Characters of context shown on each side of a value.
const SNIPPET_CHARS: usize = 40;

/// A one-line snippet of `text` around `text[start..end]`, with the value replaced by
/// `shown_value`. When `mask` is set, the other detected values in `others` (byte ranges) are
/// masked like values, and so is every other digit and e-mail local part (a snippet must not
/// leak the neighbouring row's fødselsnummer or a second address).
pub fn snippet(
    text: &str,
    start: usize,
    end: usize,
    shown_value: &str,
    mask: bool,
    others: &[(usize, usize)],
) -> String {
    let (from, to) = window(text, start, end);
    let mut out = Vec::with_capacity(to - from + shown_value.len());
    push_side(&mut out, text, from, start, mask, others);
    push_shown(&mut out, shown_value);
    push_side(&mut out, text, end, to, mask, others);
    snippet_text(out)
}

/// The byte range of a snippet around `text[start..end]`: [`SNIPPET_CHARS`] characters on
/// each side, counted by the bytes that start one (eight at a time while a whole word of
/// them stays inside the count).
fn window(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    // Where the bytes on a side are ASCII (in most snippets), they are as many characters:
    // `is_ascii` checks them a word at a time, where counting took ~450 instructions a
    // snippet.
    let ascii = |a: usize, b: usize| bytes.get(a..b).is_some_and(<[u8]>::is_ascii);
    let from = match start.checked_sub(SNIPPET_CHARS) {
        Some(from) if ascii(from, start) => from,
        _ => window_start(bytes, start),
    };
    let to = match end + SNIPPET_CHARS {
        to if ascii(end, to) => to,
        _ => window_end(bytes, end),
    };
    (from, to)
}

/// Where [`SNIPPET_CHARS`] characters before `start` begin (or 0), counted.
fn window_start(bytes: &[u8], start: usize) -> usize {
    let starts_char = |b: u8| b & 0xC0 != 0x80;
    let (mut from, mut chars) = (start, 0);
    while from >= 8 {
        let n = char_starts(&bytes[from - 8..from]);
        if chars + n >= SNIPPET_CHARS {
            break;
        }
        (from, chars) = (from - 8, chars + n);
    }
    while from > 0 && chars < SNIPPET_CHARS {
        from -= 1;
        chars += usize::from(starts_char(bytes[from]));
    }
    from
}

/// Where [`SNIPPET_CHARS`] characters after `end` end (or the text's length), counted.
fn window_end(bytes: &[u8], end: usize) -> usize {
    let starts_char = |b: u8| b & 0xC0 != 0x80;
    let (mut to, mut chars) = (end, 0);
    while let Some(word) = bytes.get(to..to + 8) {
        let n = char_starts(word);
        if chars + n > SNIPPET_CHARS {
            break;
        }
        (to, chars) = (to + 8, chars + n);
    }
    while to < bytes.len() {
        if starts_char(bytes[to]) {
            if chars == SNIPPET_CHARS {
                break;
            }
            chars += 1;
        }
        to += 1;
    }
    to
}

/// The bytes of a snippet as a string, without validating them again (a snippet is most of
/// the text written per finding, and this was a pass over every byte of it).
fn snippet_text(bytes: Vec<u8>) -> String {
    debug_assert!(std::str::from_utf8(&bytes).is_ok());
    // SAFETY: a snippet is assembled from `text[from..to]` cut at character boundaries
    // (`window` stops on bytes that start a character; values and other spans are `str`
    // ranges), and every change to it replaces a whole character by ASCII (`push_char`) or
    // an ASCII byte by an ASCII byte (the tables map bytes from 0x80 up to themselves, local
    // parts are masked byte-wise only in ASCII text), so the bytes stay UTF-8.
    unsafe { String::from_utf8_unchecked(bytes) }
}

/// How many of eight bytes start a character (are no UTF-8 continuation byte `10xxxxxx`).
fn char_starts(eight: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let w = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
    // A continuation byte has its top bit set and the next one clear.
    let continuation = w & !(w << 1) & HIGH;
    8 - continuation.count_ones() as usize
}

/// A one-line snippet around `text[start..end]` for a subject search: the byte ranges in
/// `keep` (the subject's own values, which must include `start..end`) are shown as written;
/// the rest is masked like a masked [`snippet`] (values in `others`, every digit and e-mail
/// local part), so other people's identifiers do not leak.
pub fn snippet_keeping(
    text: &str,
    start: usize,
    end: usize,
    keep: &[(usize, usize)],
    others: &[(usize, usize)],
) -> String {
    let (from, to) = window(text, start, end);
    let mut kept: Vec<(usize, usize)> = keep
        .iter()
        .map(|&(s, e)| (s.max(from), e.min(to)))
        .filter(|&(s, e)| s < e)
        .collect();
    kept.sort_unstable();
    let mut out = Vec::new();
    let mut at = from;
    for (s, e) in kept {
        if e <= at {
            continue;
        }
        let s = s.max(at);
        if s > at {
            push_side(&mut out, text, at, s, true, others);
        }
        push_side(&mut out, text, s, e, false, &[]);
        at = e;
    }
    if at < to {
        push_side(&mut out, text, at, to, true, others);
    }
    snippet_text(out)
}

/// Appends `text` on one line: control characters become spaces.
fn push_shown(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|&b| b < 0x20 || b == 0x7F || b == 0xC2) {
        return out.extend_from_slice(bytes);
    }
    for c in text.chars() {
        push_char(out, if c.is_control() { ' ' } else { c });
    }
}

/// Appends one character, UTF-8 encoded.
fn push_char(out: &mut Vec<u8>, c: char) {
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

/// Appends `text[a..b]` on one line: control characters become spaces and, when masking,
/// every digit, every letter inside another detected value (`others`, sorted byte ranges) and
/// the local part of anything that looks like an e-mail address.
fn push_side(
    out: &mut Vec<u8>,
    text: &str,
    a: usize,
    b: usize,
    mask: bool,
    others: &[(usize, usize)],
) {
    if !mask {
        return push_shown(out, &text[a..b]);
    }
    let side_start = out.len();
    // Whether the side holds a `0xC2` (see `push_masked_in_place`) and an `@`, found by one
    // search in most sides, which hold neither: a search of a side this short costs mostly
    // its setting up. Masking neither makes nor removes an `@`, so the text tells.
    let side = &text.as_bytes()[a..b];
    let (c2, at) = match memchr::memchr2(0xC2, b'@', side) {
        None => (false, false),
        Some(i) if side[i] == b'@' => (memchr::memchr(0xC2, &side[i + 1..]).is_some(), true),
        Some(i) => (true, memchr::memchr(b'@', &side[i + 1..]).is_some()),
    };
    if c2 || !push_masked_in_place(out, text.as_bytes(), a, b, others) {
        push_masked_by_characters(out, text, a, b, others);
    }
    if at {
        mask_local_parts(out, side_start);
    }
}

/// The masking of [`push_side`] (but the local parts) where it replaces ASCII bytes only:
/// `text[a..b]` is copied whole and its bytes are mapped in place, a run at a time, through
/// [`OUTSIDE_VALUES`] or [`INSIDE_VALUES`]. The caller has made sure that `text[a..b]` holds
/// no byte `0xC2` (which starts the C1 control characters, whose length changes). False, with
/// nothing appended, when some character would change its length: a character outside ASCII
/// inside another value.
fn push_masked_in_place(
    out: &mut Vec<u8>,
    bytes: &[u8],
    a: usize,
    b: usize,
    others: &[(usize, usize)],
) -> bool {
    debug_assert!(memchr::memchr(0xC2, &bytes[a..b]).is_none());
    let base = out.len();
    out.extend_from_slice(&bytes[a..b]);
    // The runs outside and inside other values, decided as `push_masked_by_characters`
    // decides them.
    let mut next = others.partition_point(|&(_, e)| e <= a);
    let mut at = a;
    while at < b {
        while next < others.len() && others[next].1 <= at {
            next += 1;
        }
        let (end, inside) = match others.get(next) {
            Some(&(s, e)) if s <= at => (e.min(b), true),
            Some(&(s, _)) => (s.min(b), false),
            None => (b, false),
        };
        let run = &mut out[base + at - a..base + end - a];
        if inside && !run.is_ascii() {
            out.truncate(base);
            return false;
        }
        let table = if inside {
            &INSIDE_VALUES
        } else {
            &OUTSIDE_VALUES
        };
        run.iter_mut()
            .for_each(|byte| *byte = table[usize::from(*byte)]);
        at = end;
    }
    true
}

/// What [`push_masked_in_place`] makes of each byte outside other values: ASCII control
/// characters become spaces, digits `*`; every other byte stays.
const OUTSIDE_VALUES: [u8; 256] = mask_table(false);

/// What [`push_masked_in_place`] makes of each byte inside another value (ASCII only):
/// control characters become spaces, letters and digits `*`.
const INSIDE_VALUES: [u8; 256] = mask_table(true);

/// The byte map of [`OUTSIDE_VALUES`] (`inside` false) or [`INSIDE_VALUES`] (true).
const fn mask_table(inside: bool) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let hidden = if inside {
            byte.is_ascii_alphanumeric()
        } else {
            byte.is_ascii_digit()
        };
        t[b] = if byte.is_ascii_control() {
            b' '
        } else if hidden {
            b'*'
        } else {
            byte
        };
        b += 1;
    }
    t
}

/// The masking of [`push_side`] (but the local parts) a character at a time, for text the
/// bytes alone cannot do.
fn push_masked_by_characters(
    out: &mut Vec<u8>,
    text: &str,
    a: usize,
    b: usize,
    others: &[(usize, usize)],
) {
    out.reserve(b - a);
    // Spans are sorted and disjoint: walk them alongside the characters. ASCII bytes (most
    // of a snippet) are decided without decoding a character, and runs of kept text are
    // copied whole.
    let mut next = others.partition_point(|&(_, e)| e <= a);
    let bytes = text.as_bytes();
    let mut run = a;
    let mut at = a;
    while at < b {
        while next < others.len() && others[next].1 <= at {
            next += 1;
        }
        let in_other = next < others.len() && others[next].0 <= at;
        if !in_other {
            // Up to the next other value, only the bytes in `MAY_CHANGE` can change.
            let limit = others.get(next).map_or(b, |o| o.0.min(b));
            while at < limit && !MAY_CHANGE[usize::from(bytes[at])] {
                at += 1;
            }
            if at >= limit {
                // On to a character start, where the next value's span is decided.
                while at < b && bytes[at] & 0xC0 == 0x80 {
                    at += 1;
                }
                continue;
            }
        }
        let byte = bytes[at];
        let (len, replacement) = if byte.is_ascii() {
            let r = if byte.is_ascii_control() {
                Some(' ')
            } else if byte.is_ascii_digit() || (in_other && byte.is_ascii_alphanumeric()) {
                Some('*')
            } else {
                None
            };
            (1, r)
        } else {
            let c = text[at..]
                .chars()
                .next()
                .expect("a char boundary inside the text");
            let r = if c.is_control() {
                Some(' ')
            } else if in_other && c.is_alphanumeric() {
                Some('*')
            } else {
                None
            };
            (c.len_utf8(), r)
        };
        if let Some(r) = replacement {
            out.extend_from_slice(&bytes[run..at]);
            push_char(out, r);
            run = at + len;
        }
        at += len;
    }
    out.extend_from_slice(&bytes[run..b]);
}

/// Outside another value, the bytes where [`push_masked_by_characters`] may change a
/// character: ASCII control characters and digits, and `0xC2`, the first byte of the C1
/// control characters (and of other characters from U+0080 to U+00BF, which stay). Every
/// other byte is copied.
const MAY_CHANGE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || b == 0x7F || (b >= 0x30 && b <= 0x39) || b == 0xC2;
        b += 1;
    }
    t
};

/// Characters an e-mail local part does not reach back over (besides white space).
const LOCAL_PART_STOPS: &str = "<(«\"'";

/// Masks the local part of every e-mail address in `out[from..]`: the letters and digits
/// before each `@`, back to a space or an opening bracket or quote.
fn mask_local_parts(out: &mut Vec<u8>, from: usize) {
    if !out[from..].is_ascii() {
        return mask_local_parts_chars(out, from);
    }
    // Each `@` found from where the last one was (masking changes only bytes before it).
    let mut at = from;
    while let Some(i) = memchr::memchr(b'@', &out[at..]).map(|i| at + i) {
        let mut j = i;
        while j > from && !ENDS_LOCAL_PART[usize::from(out[j - 1])] {
            j -= 1;
            if out[j].is_ascii_alphanumeric() {
                out[j] = b'*';
            }
        }
        at = i + 1;
    }
}

/// The ASCII bytes a local part does not reach back over: white space and the ASCII
/// [`LOCAL_PART_STOPS`], as a table (a search of the stops for every byte cost more than the
/// masking).
const ENDS_LOCAL_PART: [bool; 256] = {
    let mut t = [false; 256];
    let stops = LOCAL_PART_STOPS.as_bytes();
    let mut i = 0;
    while i < stops.len() {
        if stops[i].is_ascii() {
            t[stops[i] as usize] = true;
        }
        i += 1;
    }
    let mut b = 0;
    while b < 128 {
        t[b] |= (b as u8).is_ascii_whitespace();
        b += 1;
    }
    t
};

/// [`mask_local_parts`] for text with non-ASCII characters: one pass back over the
/// characters of `out[from..]`, in place. A character is in a local part when an `@` comes
/// after it before any stop does (the walk back from each `@` of the former version, which
/// collected the side into two vectors of characters and one more string).
fn mask_local_parts_chars(out: &mut Vec<u8>, from: usize) {
    let mut end = out.len();
    // An `@` follows, and no stop between it and here.
    let mut local = false;
    while end > from {
        let mut start = end - 1;
        while out[start] & 0xC0 == 0x80 {
            start -= 1;
        }
        let c = char_at(&out[start..end]);
        if c.is_whitespace() || LOCAL_PART_STOPS.contains(c) {
            local = false;
        } else if c == '@' {
            local = true;
        } else if local && c.is_alphanumeric() {
            // Only what follows moves: the characters still to visit stay where they are.
            out[start] = b'*';
            out.drain(start + 1..end);
        }
        end = start;
    }
}

/// The character whose UTF-8 encoding is `bytes` (the bytes of a snippet are UTF-8), decoded
/// without validating: `str::from_utf8` cost more, called a character at a time, than the
/// rest of [`mask_local_parts_chars`].
fn char_at(bytes: &[u8]) -> char {
    let lead = u32::from(bytes[0]);
    let lead = match bytes.len() {
        1 => lead,
        2 => lead & 0x1F,
        3 => lead & 0x0F,
        _ => lead & 0x07,
    };
    let code = bytes[1..]
        .iter()
        .fold(lead, |c, &b| (c << 6) | u32::from(b & 0x3F));
    char::from_u32(code).expect("whole characters")
}

/// True for the steps that carry free text (names, subjects, senders), which may hold
/// personal data; lines, pages and rows are numbers only.
fn has_text(step: &Step) -> bool {
    !matches!(
        step,
        Step::Page { .. } | Step::Record { .. } | Step::Line { .. }
    )
}

/// Masks personal data in the free-text parts of locations: a message's subject and sender,
/// attachment, member and sheet names ("Sykmelding for 01019012345", `cv_01019012345.pdf`).
/// The values the rule engine detects there are masked like finding values; the rest stays
/// readable, so an admin can still find the message or member.
pub struct LocationMasker<'e> {
    engine: &'e crate::detect::Engine,
    scratch: crate::detect::Scratch,
    /// Per depth, the steps last masked there: findings come in runs per message and
    /// attachment (two runs interleaved when two workers send them), and a message's field
    /// and body steps are the same in every message, so each text is searched once per run
    /// at most, not once per finding.
    last: Vec<Vec<Masked>>,
    /// Counts the steps masked, to tell the least recently used one remembered.
    clock: u64,
}

/// Steps remembered per depth by a [`LocationMasker`]: enough for a message's field parts,
/// its body and an attachment or two, from two workers at once.
const MEMO_SLOTS: usize = 8;

/// A step as written and as masked.
struct Masked {
    from: Step,
    to: Step,
    /// Masking changed some text of it.
    changed: bool,
    /// [`LocationMasker::clock`] when it was last used.
    used: u64,
}

impl<'e> LocationMasker<'e> {
    /// A masker using `engine`'s rules.
    pub fn new(engine: &'e crate::detect::Engine) -> Self {
        LocationMasker {
            engine,
            scratch: engine.scratch(),
            last: Vec::new(),
            clock: 0,
        }
    }

    /// `location` with detected values in its texts masked.
    pub fn mask(&mut self, location: &Location) -> Location {
        let mut masked = location.clone();
        self.mask_in_place(&mut masked);
        masked
    }

    /// Masks the location of `finding` and of the identifier it is paired with.
    pub fn mask_finding(&mut self, finding: &mut crate::report::Finding) {
        self.mask_in_place(&mut finding.location);
        if let Some(r) = &mut finding.related {
            self.mask_in_place(&mut r.location);
        }
    }

    /// Masks `location` where it is: a step with nothing to mask is left alone, a masked one
    /// takes its masked texts into the buffers it already has (no new location is built).
    pub fn mask_in_place(&mut self, location: &mut Location) {
        for (depth, step) in location.0.iter_mut().enumerate() {
            if !has_text(step) {
                continue;
            }
            if self.last.len() <= depth {
                self.last.resize_with(depth + 1, Default::default);
            }
            self.clock += 1;
            let slots = &mut self.last[depth];
            // The step of the last finding at this depth first: findings come in runs.
            let recent = slots.iter().enumerate().max_by_key(|(_, m)| m.used);
            let hit = match recent {
                Some((i, m)) if m.from == *step => Some(i),
                _ => slots.iter().position(|m| m.from == *step),
            };
            let i = match hit {
                Some(i) => i,
                None => {
                    let to = self.step(step);
                    let masked = Masked {
                        changed: to != *step,
                        from: step.clone(),
                        to,
                        used: 0,
                    };
                    let slots = &mut self.last[depth];
                    if slots.len() < MEMO_SLOTS {
                        slots.push(masked);
                        slots.len() - 1
                    } else {
                        let (oldest, _) = slots
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, m)| m.used)
                            .expect("slots are full");
                        slots[oldest] = masked;
                        oldest
                    }
                }
            };
            let masked = &mut self.last[depth][i];
            masked.used = self.clock;
            if masked.changed {
                copy_texts(step, &masked.to);
            }
        }
    }

    /// `step` with detected values in its texts masked.
    fn step(&mut self, step: &Step) -> Step {
        let mut step = step.clone();
        match &mut step {
            Step::Message { from, subject, .. } => {
                for text in [from, subject].into_iter().flatten() {
                    *text = self.text(text);
                }
            }
            Step::Entry { name } | Step::Part { name } => *name = self.text(name),
            Step::Attachment { filename } => *filename = self.text(filename),
            Step::Cell { sheet, .. } => *sheet = self.text(sheet),
            Step::Page { .. } | Step::Record { .. } | Step::Line { .. } => {}
        }
        step
    }

    fn text(&mut self, text: &str) -> String {
        let mut spans = Vec::new();
        self.engine.scan(text, text.len(), &mut self.scratch, |d| {
            spans.push((d.start, d.end))
        });
        if spans.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (s, e) in spans {
            out.push_str(&text[at..s]);
            out.push_str(&mask_value(&text[s..e]));
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// Copies the texts [`LocationMasker::step`] masks from `masked` into `step`, the same step
/// unmasked, into the buffers `step` already has.
fn copy_texts(step: &mut Step, masked: &Step) {
    match (step, masked) {
        (
            Step::Message { from, subject, .. },
            Step::Message {
                from: masked_from,
                subject: masked_subject,
                ..
            },
        ) => {
            from.clone_from(masked_from);
            subject.clone_from(masked_subject);
        }
        (Step::Entry { name }, Step::Entry { name: masked })
        | (Step::Part { name }, Step::Part { name: masked })
        | (Step::Attachment { filename: name }, Step::Attachment { filename: masked })
        | (Step::Cell { sheet: name, .. }, Step::Cell { sheet: masked, .. }) => {
            name.clone_from(masked)
        }
        (step, masked) => *step = masked.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-at-a-time masking `push_side` replaced, as an oracle.
    fn reference_side(text: &str, a: usize, b: usize, others: &[(usize, usize)]) -> String {
        let mut out = String::new();
        for (i, c) in text[a..b].char_indices() {
            let at = a + i;
            let in_other = others.iter().any(|&(s, e)| s <= at && at < e);
            out.push(if c.is_control() {
                ' '
            } else if c.is_ascii_digit() || (in_other && c.is_alphanumeric()) {
                '*'
            } else {
                c
            });
        }
        if out.contains('@') {
            out = reference_local_parts(&out);
        }
        out
    }

    /// The masking of local parts walking back from each `@`, a character at a time, as an
    /// oracle.
    fn reference_local_parts(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let mut out = chars.clone();
        for (i, &c) in chars.iter().enumerate() {
            if c == '@' {
                let mut j = i;
                while j > 0
                    && !chars[j - 1].is_whitespace()
                    && !LOCAL_PART_STOPS.contains(chars[j - 1])
                {
                    j -= 1;
                    if chars[j].is_alphanumeric() {
                        out[j] = '*';
                    }
                }
            }
        }
        out.into_iter().collect()
    }

    /// The window as characters count it.
    fn reference_window(text: &str, start: usize, end: usize) -> (usize, usize) {
        let from = text[..start]
            .char_indices()
            .rev()
            .take(SNIPPET_CHARS)
            .last()
            .map_or(start, |(i, _)| i);
        let to = text[end..]
            .char_indices()
            .nth(SNIPPET_CHARS)
            .map_or(text.len(), |(i, _)| end + i);
        (from, to)
    }

    /// The window between two character boundaries picked by `cut` (any numbers) is the
    /// reference's.
    fn window_matches_reference(
        text: &str,
        cut: (usize, usize),
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let (i, j) = (cut.0.min(bounds.len() - 1), cut.1.min(bounds.len() - 1));
        let (start, end) = (bounds[i.min(j)], bounds[i.max(j)]);
        proptest::prop_assert_eq!(window(text, start, end), reference_window(text, start, end));
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn windows_count_characters(
            text in "[a-cø0-9 €\u{10348}]{0,100}",
            cut in (0usize..100, 0usize..100),
        ) {
            window_matches_reference(&text, cut)?;
        }

        /// Windows in text that is mostly ASCII, where sides are not counted.
        #[test]
        fn ascii_windows_count_characters(
            text in "[a-c ]{0,70}(ø|€|\u{10348})?[a-c ]{0,70}",
            cut in (0usize..150, 0usize..150),
        ) {
            window_matches_reference(&text, cut)?;
        }

        /// Whole snippets, with other values anywhere (ASCII or not, next to C1 controls or
        /// not), as the character-at-a-time masking writes them.
        #[test]
        fn snippets_mask_as_the_reference_does(
            text in "[a-cø 0-9@<(«\"'\t\u{85}\u{1}\u{7f}É.\u{a0}ª]{1,80}",
            cuts in proptest::collection::vec(0usize..80, 4),
        ) {
            let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let mut at: Vec<usize> = cuts.iter().map(|&c| bounds[c.min(bounds.len() - 1)]).collect();
            at.sort_unstable();
            let (start, end) = (at[1], at[2]);
            let others = [(at[0], at[1]), (at[2], at[3])];
            let got = snippet(&text, start, end, "v", true, &others);
            let (from, to) = reference_window(&text, start, end);
            let want = format!(
                "{}v{}",
                reference_side(&text, from, start, &others),
                reference_side(&text, end, to, &others)
            );
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn ascii_values_mask_as_characters_do(value in "[a-zA-Z0-9 +().@-]{0,20}") {
            proptest::prop_assert_eq!(mask_ascii_value(&value), mask_value_chars(&value));
        }

        #[test]
        fn sides_mask_as_the_reference_does(
            text in "[a-cø 0-9@<(«\"'\t\u{85}\u{1}\u{7f}É.\u{a0}ª]{0,60}",
            cut in 0usize..60,
            span in (0usize..60, 0usize..20),
        ) {
            let b = text.char_indices().map(|(i, _)| i).chain([text.len()]).nth(cut).unwrap_or(text.len());
            let a = text.char_indices().map(|(i, _)| i).find(|&i| i >= b / 3).unwrap_or(0).min(b);
            let s = text.char_indices().map(|(i, _)| i).find(|&i| i >= span.0).unwrap_or(text.len());
            let others = [(s, (s + span.1).min(text.len()))];
            let mut out = b"x".to_vec();
            push_side(&mut out, &text, a, b, true, &others);
            let out = String::from_utf8(out).unwrap();
            proptest::prop_assert_eq!(&out[1..], reference_side(&text, a, b, &others));
        }
    }

    proptest::proptest! {
        #[test]
        fn characters_decode_as_std_does(c in proptest::char::any()) {
            let mut buf = [0; 4];
            proptest::prop_assert_eq!(char_at(c.encode_utf8(&mut buf).as_bytes()), c);
        }
    }

    #[test]
    fn values() {
        assert_eq!(mask_value("15108695088"), "*********88");
        assert_eq!(mask_value("151086 95088"), "****** ***88");
        assert_eq!(mask_value("kari@firma.no"), "k***@*****.no");
        assert_eq!(mask_value("+47 912 34 567"), "+** *** ** *67");
        assert_eq!(mask_value("1234"), "****");
    }

    #[test]
    fn subject_snippets_keep_only_the_subjects_values() {
        let t = "Åse Mæland 01019012345, Kari 15108695088 kari@firma.no";
        let fnr = t.find("0101").unwrap();
        let snip = snippet_keeping(t, 0, 11, &[(0, 11), (fnr, fnr + 11)], &[]);
        assert_eq!(snip, "Åse Mæland 01019012345, Kari *********** ****@fir");
        let other = t.find("1510").unwrap();
        let snip = snippet_keeping(t, 0, 11, &[(0, 11)], &[(other, other + 11)]);
        assert!(snip.starts_with("Åse Mæland ***********, Kari"), "{snip}");
    }

    #[test]
    fn snippets_mask_neighbours() {
        let t = "Ola 01019012345\nKari 15108695088 kari@firma.no";
        let s = t.find("1510").unwrap();
        let snip = snippet(t, s, s + 11, "*********88", true, &[]);
        assert_eq!(snip, "Ola *********** Kari *********88 ****@firma.no");
        let raw = snippet(t, s, s + 11, "15108695088", false, &[]);
        assert!(raw.contains("01019012345"));
        // Other detections are masked even when the generic rules would not catch them.
        let t = "ola (at) firma.no eller kari (at) eksempel.no";
        let k = t.find("kari").unwrap();
        let snip = snippet(
            t,
            0,
            17,
            "o** (at) *****.no",
            true,
            &[(0, 17), (k, t.len())],
        );
        assert!(
            !snip.contains("kari") && !snip.contains("eksempel"),
            "{snip}"
        );
    }

    #[test]
    fn location_texts_are_masked_where_values_are_detected() {
        let engine =
            crate::detect::Engine::new(&crate::detect::RuleSet::builtin().unwrap()).unwrap();
        let mut m = LocationMasker::new(&engine);
        let loc = Location(vec![
            Step::Message {
                index: Some(1),
                message_id: Some("abc@firma.no".into()),
                date: None,
                from: Some("Kari Nordmann <kari@firma.no>".into()),
                subject: Some("Sykmelding for 15108695088".into()),
                folder: None,
            },
            Step::Attachment {
                filename: "cv_15108695088.pdf".into(),
            },
            Step::Page { page: 2 },
        ]);
        let masked = m.mask(&loc);
        assert_eq!(
            masked.to_string(),
            "message #1 <abc@firma.no> \"Sykmelding for *********88\" › attachment \
             cv_*********88.pdf › page 2"
        );
        let Step::Message { from, .. } = &masked.steps()[0] else {
            panic!("{masked:?}")
        };
        assert_eq!(from.as_deref(), Some("Kari Nordmann <k***@*****.no>"));
        // The same location again comes from the memo, identical; a deeper one shares it.
        assert_eq!(m.mask(&loc), masked);
        let deeper = loc.child(Step::Line { line: 3, column: 1 });
        assert_eq!(
            m.mask(&deeper),
            masked.child(Step::Line { line: 3, column: 1 })
        );
    }
}

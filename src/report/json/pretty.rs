//! A [`Finding`] as pretty-printed JSON, written straight into a byte buffer at a given
//! indentation: the bytes `serde_json::to_writer_pretty` writes for it (with every line after
//! the first indented), without serde's per-value formatter calls and without indenting a
//! second time. Findings are most of a large report, so this is the report's hot path.
//!
//! Location steps other than a line position (rare in a report) and strings that need escapes
//! are handed to serde_json itself, so the output cannot drift from it.

use std::io;

use crate::detect::Severity;
use crate::location::{Location, Step};
use crate::report::{Finding, Related};

/// Indentation added per nesting level, as serde_json's pretty printer does.
const INDENT: usize = 2;

/// How the JSON is laid out: as one of serde_json's two formatters would write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `to_writer_pretty`, every line after the first indented by this many spaces.
    Pretty(usize),
    /// `to_writer`: one line, no spaces.
    Compact,
}

impl Layout {
    /// The layout of a value nested one level deeper.
    fn nested(self) -> Layout {
        match self {
            Layout::Pretty(indent) => Layout::Pretty(indent + INDENT),
            Layout::Compact => Layout::Compact,
        }
    }

    /// Before a member or an array item: a line break and the indentation (nothing compact).
    fn newline(self, out: &mut Vec<u8>) {
        if let Layout::Pretty(indent) = self {
            newline(out, indent);
        }
    }
}

/// Starts member `$name` (a literal that needs no escaping) of the object `$o`: for the
/// layouts of most keys written (a report's findings, at indent 4, members at 6; their line
/// steps, members at 10; JSON Lines) the separator, indentation and name come from a string
/// made at compile time, else from [`Object::key`].
macro_rules! key {
    ($o:expr, $name:literal) => {{
        let (name, texts) = key_texts!($name);
        $o.key_from(name, &texts)
    }};
}

/// A key's name and its [`KeyTexts`], made at compile time.
macro_rules! key_texts {
    ($name:literal) => {
        (
            $name.as_bytes(),
            KeyTexts {
                at_6: concat!(",\n      \"", $name, "\": ").as_bytes(),
                at_10: concat!(",\n          \"", $name, "\": ").as_bytes(),
                compact: concat!(",\"", $name, "\":").as_bytes(),
            },
        )
    };
}

/// A key's text after a member (its leading comma left out for the first) in three layouts.
struct KeyTexts {
    /// Pretty, members indented by 6.
    at_6: &'static [u8],
    /// Pretty, members indented by 10.
    at_10: &'static [u8],
    /// Compact.
    compact: &'static [u8],
}

/// Appends `finding` as serde_json's pretty printer writes it, every line after the first
/// indented by `indent` spaces (the opening brace is not indented).
pub(super) fn write_finding(
    out: &mut Vec<u8>,
    finding: &Finding,
    indent: usize,
    memo: &mut RenderMemo,
) -> io::Result<()> {
    write_finding_as(out, finding, Layout::Pretty(indent), None, memo)
}

/// Appends `finding` as serde_json's compact writer writes it inside an enum tagged `type`:
/// the JSON Lines record `{"type":"<tag>",…}` (without the line break).
pub(super) fn write_finding_record(
    out: &mut Vec<u8>,
    finding: &Finding,
    tag: &str,
    memo: &mut RenderMemo,
) -> io::Result<()> {
    write_finding_as(out, finding, Layout::Compact, Some(tag), memo)
}

fn write_finding_as(
    out: &mut Vec<u8>,
    finding: &Finding,
    layout: Layout,
    tag: Option<&str>,
    memo: &mut RenderMemo,
) -> io::Result<()> {
    let mut o = memo.head(out, finding, layout, tag)?;
    key!(o, "path");
    string(o.out, &finding.path)?;
    key!(o, "location");
    memo.location(o.out, &finding.location, layout.nested())?;
    key!(o, "value");
    string(o.out, &finding.value)?;
    key!(o, "fingerprint");
    string(o.out, &finding.fingerprint)?;
    key!(o, "context");
    string(o.out, &finding.context)?;
    if let Some(related) = &finding.related {
        key!(o, "related");
        write_related(o.out, related, layout.nested())?;
    }
    o.close();
    Ok(())
}

fn write_related(out: &mut Vec<u8>, related: &Related, layout: Layout) -> io::Result<()> {
    let mut o = Object::open(out, layout);
    rule_category_kind(
        &mut o,
        &related.rule,
        &related.category,
        related.kind.as_deref(),
    )?;
    key!(o, "fingerprint");
    string(o.out, &related.fingerprint)?;
    key!(o, "location");
    location(o.out, &related.location, layout.nested())?;
    o.close();
    Ok(())
}

/// The members a finding and the finding it relates to both begin with: `rule`, `category`
/// and, when there is one, `kind`.
fn rule_category_kind(
    o: &mut Object<'_>,
    rule: &str,
    category: &str,
    kind: Option<&str>,
) -> io::Result<()> {
    key!(o, "rule");
    string(o.out, rule)?;
    key!(o, "category");
    string(o.out, category)?;
    if let Some(kind) = kind {
        key!(o, "kind");
        string(o.out, kind)?;
    }
    Ok(())
}

/// A location: an array of step objects (`[]` when empty).
fn location(out: &mut Vec<u8>, location: &Location, layout: Layout) -> io::Result<()> {
    let steps = location.steps();
    if steps.is_empty() {
        out.extend_from_slice(b"[]");
        return Ok(());
    }
    steps_from(out, steps, 0, layout)?;
    close_location(out, layout);
    Ok(())
}

/// The items of a location's array from the `first`-th (the array opened before the first),
/// each after its separator.
fn steps_from(out: &mut Vec<u8>, steps: &[Step], first: usize, layout: Layout) -> io::Result<()> {
    let item = layout.nested();
    for (i, step) in steps.iter().enumerate() {
        if first + i > 0 {
            out.push(b',');
        } else {
            out.push(b'[');
        }
        item.newline(out);
        write_step(out, step, item)?;
    }
    Ok(())
}

/// Closes a location's array after its last item.
fn close_location(out: &mut Vec<u8>, layout: Layout) {
    layout.newline(out);
    out.push(b']');
}

/// What was rendered for the findings last written, for the next ones to copy: the start of
/// their locations (all steps but the last: a message and its part, an attachment and its
/// page), the text of a lone line step ([`LineText`]) and their members before the path
/// ([`Head`]). Findings come in runs per message and
/// attachment, two runs interleaved when two workers send them, so two starts are kept.
#[derive(Default)]
pub(super) struct RenderMemo {
    /// The most recently used first.
    starts: [Start; 2],
    /// The text of a location that is one line step, for the layout last asked for.
    line: Option<LineText>,
    /// The heads of the findings written, in the order first written.
    heads: Vec<Head>,
}

/// A location's steps but its last, and their text as [`location`] writes it (from the
/// array's opening bracket to the end of the last of them).
#[derive(Default)]
struct Start {
    steps: Vec<Step>,
    layout: Option<Layout>,
    text: Vec<u8>,
}

/// A location of one line step (the location of nearly every finding in plain text) as
/// [`location`] writes it at `layout`, cut around its two numbers: such a location is written
/// as three copies and two numbers instead of member by member.
struct LineText {
    layout: Layout,
    /// The text written for line 0, column 0.
    text: Vec<u8>,
    /// Where the line's `0` and the column's `0` are in `text`.
    numbers: [usize; 2],
}

impl LineText {
    /// The text at `layout`, made by [`location`] itself so the two cannot differ.
    fn new(layout: Layout) -> io::Result<LineText> {
        let mut text = Vec::new();
        let zero = Location(vec![Step::Line { line: 0, column: 0 }]);
        location(&mut text, &zero, layout)?;
        // Names and separators hold no digits: the two zeros are the line and the column.
        let mut zeros = memchr::memchr_iter(b'0', &text);
        let (Some(line), Some(column), None) = (zeros.next(), zeros.next(), zeros.next()) else {
            unreachable!("a line step's text has two digits");
        };
        Ok(LineText {
            layout,
            text,
            numbers: [line, column],
        })
    }

    /// Appends the location of one line step, `line` and `column`.
    fn write(&self, out: &mut Vec<u8>, line: u64, column: u64) {
        let [l, c] = self.numbers;
        out.extend_from_slice(&self.text[..l]);
        number(out, line);
        out.extend_from_slice(&self.text[l + 1..c]);
        number(out, column);
        out.extend_from_slice(&self.text[c + 1..]);
    }
}

/// A finding's members before its path (`type`, `rule`, `category`, `kind`, `severity`,
/// `confidence`) as rendered, for the findings with the same values: a scan's findings have
/// a few dozen of them.
struct Head {
    layout: Layout,
    tag: Option<String>,
    rule: String,
    category: String,
    kind: Option<String>,
    severity: Severity,
    confidence: u32,
    /// From the object's opening brace to the end of the confidence.
    text: Vec<u8>,
}

/// Heads a [`RenderMemo`] keeps (the last one makes room for new ones when all are kept).
const HEADS: usize = 64;

impl RenderMemo {
    /// Opens the object of `finding` and writes its members before its path, copied from a
    /// remembered [`Head`] with the same values.
    fn head<'o>(
        &mut self,
        out: &'o mut Vec<u8>,
        finding: &Finding,
        layout: Layout,
        tag: Option<&str>,
    ) -> io::Result<Object<'o>> {
        let same = |h: &Head| {
            h.rule == finding.rule
                && h.category == finding.category
                && h.kind == finding.kind
                && h.severity == finding.severity
                && h.confidence == finding.confidence.to_bits()
                && h.layout == layout
                && h.tag.as_deref() == tag
        };
        let i = match self.heads.iter().position(same) {
            Some(i) => i,
            None => {
                let mut text = Vec::new();
                let mut o = Object::open(&mut text, layout);
                if let Some(tag) = tag {
                    key!(o, "type");
                    string(o.out, tag)?;
                }
                rule_category_kind(
                    &mut o,
                    &finding.rule,
                    &finding.category,
                    finding.kind.as_deref(),
                )?;
                key!(o, "severity");
                string(o.out, finding.severity.name())?;
                key!(o, "confidence");
                serde_json::to_writer(&mut *o.out, &finding.confidence)?;
                let head = Head {
                    layout,
                    tag: tag.map(str::to_string),
                    rule: finding.rule.clone(),
                    category: finding.category.clone(),
                    kind: finding.kind.clone(),
                    severity: finding.severity,
                    confidence: finding.confidence.to_bits(),
                    text,
                };
                if self.heads.len() == HEADS {
                    self.heads.pop();
                }
                self.heads.push(head);
                self.heads.len() - 1
            }
        };
        out.extend_from_slice(&self.heads[i].text);
        Ok(Object {
            out,
            layout,
            first: false,
        })
    }

    /// Writes `location` as [`location`] does, its start copied when remembered.
    fn location(
        &mut self,
        out: &mut Vec<u8>,
        location: &Location,
        layout: Layout,
    ) -> io::Result<()> {
        let steps = location.steps();
        if let [Step::Line { line, column }] = steps {
            return self.line(out, *line, *column, layout);
        }
        let Some((last, start)) = steps.split_last().filter(|(_, start)| !start.is_empty()) else {
            return self::location(out, location, layout);
        };
        let same = |s: &Start| s.layout == Some(layout) && s.steps == start;
        if !same(&self.starts[0]) {
            // The other start, which this one replaces when it is not the same (forgotten
            // until it is written).
            self.starts.swap(0, 1);
            if !same(&self.starts[0]) {
                let s = &mut self.starts[0];
                s.layout = None;
                s.text.clear();
                steps_from(&mut s.text, start, 0, layout)?;
                s.steps.clear();
                s.steps.extend_from_slice(start);
                s.layout = Some(layout);
            }
        }
        out.extend_from_slice(&self.starts[0].text);
        steps_from(out, std::slice::from_ref(last), start.len(), layout)?;
        close_location(out, layout);
        Ok(())
    }

    /// Writes the location of one line step as [`location`] does, from the [`LineText`] of
    /// `layout` (made when the layout changes).
    fn line(
        &mut self,
        out: &mut Vec<u8>,
        line: u64,
        column: u64,
        layout: Layout,
    ) -> io::Result<()> {
        let text = match &mut self.line {
            Some(text) if text.layout == layout => text,
            slot => slot.insert(LineText::new(layout)?),
        };
        text.write(out, line, column);
        Ok(())
    }
}

/// One step as serde writes it: an object tagged by `type`, members in declaration order,
/// absent options left out.
fn write_step(out: &mut Vec<u8>, step: &Step, layout: Layout) -> io::Result<()> {
    let mut o = Object::open(out, layout);
    key!(o, "type");
    match step {
        Step::Line { line, column } => {
            o.out.extend_from_slice(b"\"line\"");
            key!(o, "line");
            number(o.out, *line);
            key!(o, "column");
            number(o.out, *column);
        }
        Step::Entry { name } => {
            o.out.extend_from_slice(b"\"entry\"");
            key!(o, "name");
            string(o.out, name)?;
        }
        Step::Message {
            index,
            message_id,
            date,
            from,
            subject,
            folder,
        } => {
            o.out.extend_from_slice(b"\"message\"");
            if let Some(index) = index {
                key!(o, "index");
                number(o.out, *index);
            }
            let texts = [
                (message_id, key_texts!("message_id")),
                (date, key_texts!("date")),
                (from, key_texts!("from")),
                (subject, key_texts!("subject")),
                (folder, key_texts!("folder")),
            ];
            for (value, (name, texts)) in texts {
                if let Some(value) = value {
                    o.key_from(name, &texts);
                    string(o.out, value)?;
                }
            }
        }
        Step::Attachment { filename } => {
            o.out.extend_from_slice(b"\"attachment\"");
            key!(o, "filename");
            string(o.out, filename)?;
        }
        Step::Part { name } => {
            o.out.extend_from_slice(b"\"part\"");
            key!(o, "name");
            string(o.out, name)?;
        }
        Step::Page { page } => {
            o.out.extend_from_slice(b"\"page\"");
            key!(o, "page");
            number(o.out, u64::from(*page));
        }
        Step::Cell { sheet, cell } => {
            o.out.extend_from_slice(b"\"cell\"");
            key!(o, "sheet");
            string(o.out, sheet)?;
            key!(o, "cell");
            string(o.out, cell)?;
        }
        Step::Record { row, column } => {
            o.out.extend_from_slice(b"\"record\"");
            key!(o, "row");
            number(o.out, *row);
            key!(o, "column");
            number(o.out, *column);
        }
    }
    o.close();
    Ok(())
}

/// A non-empty JSON object being written: its keys are written with the separators and
/// indentation before them.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    layout: Layout,
    first: bool,
}

impl<'a> Object<'a> {
    fn open(out: &'a mut Vec<u8>, layout: Layout) -> Self {
        out.push(b'{');
        Object {
            out,
            layout,
            first: true,
        }
    }

    /// Starts the member `name` with its text from `texts` where they have this object's
    /// layout, else as [`Object::key`] assembles it. Inlined: `texts` are literals, so each
    /// copy is of a length known where the key is written, without a call to `memcpy`.
    #[inline(always)]
    fn key_from(&mut self, name: &[u8], texts: &KeyTexts) {
        let text = match self.layout {
            Layout::Pretty(4) => texts.at_6,
            Layout::Pretty(8) => texts.at_10,
            Layout::Compact => texts.compact,
            Layout::Pretty(_) => return self.key(name),
        };
        let text = if self.first { &text[1..] } else { text };
        self.first = false;
        self.out.extend_from_slice(text);
    }

    /// Starts the member `name` (a key that needs no escaping): the separator, line break,
    /// indentation, quoted name and colon assembled on the stack and appended in one copy.
    fn key(&mut self, name: &[u8]) {
        let (newline, indent, colon): (usize, usize, &[u8]) = match self.layout {
            Layout::Pretty(indent) => (1, indent + INDENT, b"\": "),
            Layout::Compact => (0, 0, b"\":"),
        };
        let mut head = [b' '; 64];
        let comma = usize::from(!self.first);
        let len = comma + newline + indent + 1 + name.len() + colon.len();
        self.first = false;
        if len > head.len() {
            if comma == 1 {
                self.out.push(b',');
            }
            self.layout.nested().newline(self.out);
            self.out.push(b'"');
            self.out.extend_from_slice(name);
            self.out.extend_from_slice(colon);
            return;
        }
        head[0] = b',';
        if newline == 1 {
            head[comma] = b'\n';
        }
        let at = comma + newline + indent;
        head[at] = b'"';
        head[at + 1..at + 1 + name.len()].copy_from_slice(name);
        head[len - colon.len()..len].copy_from_slice(colon);
        self.out.extend_from_slice(&head[..len]);
    }

    fn close(self) {
        self.layout.newline(self.out);
        self.out.push(b'}');
    }
}

/// A line break and `indent` spaces.
fn newline(out: &mut Vec<u8>, indent: usize) {
    const SPACES: &[u8; 32] = b"                                ";
    out.push(b'\n');
    match SPACES.get(..indent) {
        Some(spaces) => out.extend_from_slice(spaces),
        None => out.resize(out.len() + indent, b' '),
    }
}

/// A JSON string: copied as it is when no byte needs an escape (serde_json escapes `"`, `\`
/// and the control characters below U+0020, nothing else), else written by serde_json.
fn string(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    if !needs_escape(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        Ok(serde_json::to_writer(out, s)?)
    }
}

/// True when some byte of `bytes` is escaped in a JSON string: `"`, `\` or below 0x20.
/// Sixteen bytes (two words) at a time, one branch for both, the tail as two words
/// overlapping what comes before (strings under 8 bytes byte by byte): a word has a byte
/// below `n` (for `n` up to 0x80) exactly when `(w - n·0x01…01) & !w & 0x80…80` is not zero,
/// and a byte equal to `c` when `w ^ c·0x01…01` has a zero byte.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // The high bit of each byte below `n`, as one word (tested once for all three classes).
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let escaped = |w: u64| {
        below(w, 0x20)
            | below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
    };
    let word = |b: &[u8]| u64::from_ne_bytes(b[..8].try_into().expect("eight bytes"));
    let n = bytes.len();
    if n < 8 {
        return bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
    }
    // The last (up to) sixteen bytes as two words that may overlap what was already tested:
    // no byte-at-a-time tail.
    let tail = escaped(word(&bytes[n.saturating_sub(16)..])) | escaped(word(&bytes[n - 8..]));
    if tail != 0 {
        return true;
    }
    for pair in bytes[..n - n % 16].chunks_exact(16) {
        if escaped(word(pair)) | escaped(word(&pair[8..])) != 0 {
            return true;
        }
    }
    false
}

/// An unsigned integer in decimal.
fn number(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Severity;
    use proptest::prelude::*;

    /// What the report writer did before: serde_json's pretty printer, lines after the first
    /// indented.
    fn reference(f: &Finding, indent: usize) -> Vec<u8> {
        let text = serde_json::to_vec_pretty(f).unwrap();
        let mut out = Vec::new();
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', &text) {
            out.extend_from_slice(&text[from..=nl]);
            out.resize(out.len() + indent, b' ');
            from = nl + 1;
        }
        out.extend_from_slice(&text[from..]);
        out
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-zø0-9 \"\\\\\t\n\u{1}\u{7f}\u{85}\u{2028}é@.]{0,12}"
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (any::<u64>(), any::<u64>()).prop_map(|(line, column)| Step::Line { line, column }),
            (0u64..1000, 0u64..1000).prop_map(|(line, column)| Step::Line { line, column }),
            any::<u32>().prop_map(|page| Step::Page { page }),
            (any::<u64>(), any::<u64>()).prop_map(|(row, column)| Step::Record { row, column }),
            text().prop_map(|name| Step::Entry { name }),
            text().prop_map(|name| Step::Part { name }),
            text().prop_map(|filename| Step::Attachment { filename }),
            (text(), text()).prop_map(|(sheet, cell)| Step::Cell { sheet, cell }),
            (
                proptest::option::of(any::<u64>()),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
                proptest::option::of(text()),
            )
                .prop_map(|(index, message_id, date, from, subject, folder)| {
                    Step::Message {
                        index,
                        message_id,
                        date,
                        from,
                        subject,
                        folder,
                    }
                }),
        ]
    }

    fn location() -> impl Strategy<Value = Location> {
        proptest::collection::vec(step(), 0..4).prop_map(Location)
    }

    fn related() -> impl Strategy<Value = Related> {
        (
            text(),
            text(),
            proptest::option::of(text()),
            text(),
            location(),
        )
            .prop_map(|(rule, category, kind, fingerprint, location)| Related {
                rule,
                category,
                kind,
                fingerprint,
                location,
            })
    }

    fn finding() -> impl Strategy<Value = Finding> {
        (
            (text(), text(), proptest::option::of(text())),
            (0usize..5, prop_oneof![0.0f32..=1.0, any::<f32>()]),
            (text(), location(), text(), text(), text()),
            proptest::option::of(related()),
        )
            .prop_map(
                |(
                    (rule, category, kind),
                    (severity, confidence),
                    (path, location, value, fingerprint, context),
                    related,
                )| Finding {
                    rule,
                    category,
                    kind,
                    severity: Severity::ALL[severity],
                    confidence: (confidence * 100.0).round() / 100.0,
                    path,
                    location,
                    value,
                    fingerprint,
                    context,
                    related: related.map(Box::new),
                },
            )
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_writes(f in finding(), indent in 0usize..9) {
            let mut ours = b"x".to_vec();
            write_finding(&mut ours, &f, indent, &mut RenderMemo::default()).unwrap();
            let ours = String::from_utf8(ours[1..].to_vec()).unwrap();
            let theirs = String::from_utf8(reference(&f, indent)).unwrap();
            prop_assert_eq!(ours, theirs);
        }
    }

    proptest! {
        #[test]
        fn writes_the_json_lines_record_serde_json_writes(f in finding()) {
            let mut ours = Vec::new();
            write_finding_record(&mut ours, &f, "finding", &mut RenderMemo::default()).unwrap();
            let theirs = serde_json::to_vec(&super::super::Line::Finding(&f)).unwrap();
            prop_assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(theirs).unwrap());
        }
    }

    proptest! {
        /// Findings of a few kinds in a few places, one after another (as runs of findings
        /// come): with their heads and the starts of their locations remembered, each is
        /// written as alone.
        #[test]
        fn remembered_findings_are_written_as_fresh_ones(
            kinds in proptest::collection::vec(finding(), 1..4),
            starts in proptest::collection::vec(proptest::collection::vec(step(), 0..3), 1..4),
            lasts in proptest::collection::vec(
                (any::<prop::sample::Index>(), any::<prop::sample::Index>(), step(), 0usize..9),
                1..12,
            ),
        ) {
            let mut memo = RenderMemo::default();
            for (kind, start, last, indent) in lasts {
                let mut f = kind.get(&kinds).clone();
                let mut steps = start.get(&starts).clone();
                steps.push(last);
                f.location = Location(steps);
                let mut fresh = Vec::new();
                write_finding(&mut fresh, &f, indent, &mut RenderMemo::default()).unwrap();
                let mut ours = Vec::new();
                write_finding(&mut ours, &f, indent, &mut memo).unwrap();
                prop_assert_eq!(&ours, &fresh);
                let mut fresh = Vec::new();
                write_finding_record(&mut fresh, &f, "finding", &mut RenderMemo::default()).unwrap();
                let mut ours = Vec::new();
                write_finding_record(&mut ours, &f, "finding", &mut memo).unwrap();
                prop_assert_eq!(ours, fresh);
            }
        }
    }

    proptest! {
        #[test]
        fn escapes_are_found_as_byte_by_byte(bytes in proptest::collection::vec(prop_oneof![
            3 => proptest::sample::select(vec![b'a', 0x21, 0x5B, 0x5D, 0x9F, 0xA2, 0xDC, 0xFF]),
            1 => any::<u8>(),
        ], 0..40)) {
            let want = bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
            prop_assert_eq!(needs_escape(&bytes), want);
        }
    }

    #[test]
    fn numbers_are_decimal() {
        for n in [0, 7, 10, 99, 12345, u64::MAX] {
            let mut out = Vec::new();
            number(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}

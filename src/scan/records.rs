//! Special-category findings during a scan: keyword hits of keyword rules are held until the
//! text, record, row or message they are in has been read, then paired with a person
//! identifier found there ([`crate::detect::pairing`] makes the choice).
//!
//! Records: extractors send a CSV record field by field (`record` steps with one row), a
//! spreadsheet row cell by cell (`cell` steps whose references share a row number) and a mail
//! message part by part (steps under one `message` step), one after the other. The record of
//! a segment is its location up to the innermost such step (row number only, for cells and
//! fields), so a keyword in B7 and a fødselsnummer in A7 pair up. Records nest (a spreadsheet
//! attached to a message): open records form a stack, and a record is paired and closed when a
//! segment outside it arrives, or when the file ends. Text outside any record is paired on its
//! own, by window.

use crate::detect::names::{self, NAME_RULE, PERSON_NAME};
use crate::detect::pairing::{
    best_partner, distance, names_count, names_in, Candidate, Partner, NAME_SEVERITY,
};
use crate::detect::{Detection, Engine, Severity};
use crate::extract::Segment;
use crate::location::{Location, Step};
use crate::report::fingerprint::Fingerprinter;
use crate::report::{Finding, Related};
use crate::scan::LineIndex;

/// Keyword hits or identifiers held per record; more are paired early (keywords) or not kept
/// (identifiers), so one huge record cannot take unbounded memory.
const MAX_HELD: usize = 4096;

/// Where the innermost record step of `location` is.
fn record_step(location: &Location) -> Option<usize> {
    location.steps().iter().rposition(|s| {
        matches!(
            s,
            Step::Message { .. } | Step::Record { .. } | Step::Cell { .. }
        )
    })
}

/// The row number of an A1 cell reference.
fn row_of(cell: &str) -> &str {
    cell.trim_start_matches(|c: char| c.is_ascii_alphabetic())
}

/// The record `location` belongs to, or `None` for text outside any record.
pub fn record_of(location: &Location) -> Option<Location> {
    let at = record_step(location)?;
    let mut key = location.steps()[..=at].to_vec();
    match &mut key[at] {
        Step::Record { column, .. } => *column = 0,
        Step::Cell { cell, .. } => *cell = row_of(cell).to_string(),
        _ => {}
    }
    Some(Location(key))
}

/// `record_of(location) == Some(record)`, without building the record (a workbook has a
/// segment per cell).
fn is_record_of(record: &Location, location: &Location) -> bool {
    let Some(at) = record_step(location) else {
        return false;
    };
    let (steps, key) = (location.steps(), record.steps());
    if key.len() != at + 1 || steps[..at] != key[..at] {
        return false;
    }
    match (&steps[at], &key[at]) {
        (Step::Record { row, .. }, Step::Record { row: key_row, .. }) => row == key_row,
        (Step::Cell { sheet, cell }, Step::Cell { sheet: s, cell: r }) => {
            sheet == s && row_of(cell) == r
        }
        (step, key_step) => step == key_step,
    }
}

/// A keyword hit whose finding waits for an identifier.
#[derive(Debug)]
struct HeldKeyword {
    rule: usize,
    finding: Finding,
    /// The keyword as written, lower case (part of the fingerprint).
    word: String,
    text: u64,
    span: (usize, usize),
}

/// An identifier finding or a name a keyword may pair with. Most never pair, so what its
/// [`Related`] would copy from the finding is kept only in part: the rule, category and the
/// rule's kind come from the engine, and the location is kept as its steps after those it
/// shares with the record it is in ([`Suffix`]).
#[derive(Debug)]
struct HeldIdentifier {
    partner: Partner,
    severity: Severity,
    /// The detection's kind; the finding's is this or else its rule's (none for a name).
    kind: Option<&'static str>,
    /// The finding's fingerprint; empty for a name (hashed when it pairs: most names never do).
    fingerprint: String,
    location: Suffix,
    normalized: String,
    text: u64,
    span: (usize, usize),
}

impl HeldIdentifier {
    /// What a keyword paired with this identifier (held in the record `record`) relates to.
    fn related(&self, record: Option<&Location>, engine: &Engine, fp: &Fingerprinter) -> Related {
        let kind = self.kind.map(str::to_string);
        let (rule, category, kind, fingerprint) = match self.partner {
            Partner::Rule(rule) => {
                let rule = &engine.rules()[rule].rule;
                // As `Scanner::finding` made the finding's kind.
                let kind = kind.or_else(|| rule.kind.clone());
                (&*rule.id, &*rule.category, kind, self.fingerprint.clone())
            }
            Partner::Name => (
                NAME_RULE,
                PERSON_NAME,
                kind,
                fp.fingerprint(NAME_RULE, &self.normalized),
            ),
        };
        Related {
            rule: rule.to_string(),
            category: category.to_string(),
            kind,
            fingerprint,
            location: self.location.joined(record),
        }
    }
}

/// A location inside a record, without the steps it shares with the record's key (a message
/// step with its headers, for every identifier of a message): the number of leading steps
/// shared and a copy of the rest.
#[derive(Debug)]
struct Suffix {
    shared: usize,
    rest: Rest,
}

/// The steps of a [`Suffix`] after those shared: most are one step (a line, a field, a cell),
/// kept without a vector of its own (an allocation for every identifier held).
#[derive(Debug)]
enum Rest {
    One(Step),
    Many(Vec<Step>),
}

impl Rest {
    fn steps(&self) -> &[Step] {
        match self {
            Rest::One(step) => std::slice::from_ref(step),
            Rest::Many(steps) => steps,
        }
    }
}

impl Suffix {
    /// `location` (then `last`, when given) inside the record whose key is `record`.
    fn of(record: Option<&Location>, location: &Location, last: Option<Step>) -> Self {
        let key = record.map_or(&[][..], Location::steps);
        let steps = location.steps();
        let shared = key.iter().zip(steps).take_while(|(k, s)| k == s).count();
        let rest = match (&steps[shared..], last) {
            ([], Some(step)) => Rest::One(step),
            ([step], None) => Rest::One(step.clone()),
            (tail, last) => {
                let mut rest = Vec::with_capacity(tail.len() + usize::from(last.is_some()));
                rest.extend_from_slice(tail);
                rest.extend(last);
                Rest::Many(rest)
            }
        };
        Suffix { shared, rest }
    }

    /// The whole location again, given the key of the same record.
    fn joined(&self, record: Option<&Location>) -> Location {
        let key = record.map_or(&[][..], Location::steps);
        let rest = self.rest.steps();
        let mut steps = Vec::with_capacity(self.shared + rest.len());
        steps.extend_from_slice(&key[..self.shared]);
        steps.extend_from_slice(rest);
        Location(steps)
    }
}

/// One open record (or a lone text).
#[derive(Debug)]
struct Open {
    /// `None` for a text outside any record.
    record: Option<Location>,
    keywords: Vec<HeldKeyword>,
    identifiers: Vec<HeldIdentifier>,
    /// Short fields that may hold a name, read for names only when the record is paired and
    /// has a keyword (most records have none).
    fields: Vec<HeldField>,
}

/// A copy of a short text of a record (a cell, a CSV field, a header line).
#[derive(Debug)]
struct HeldField {
    text: String,
    location: Suffix,
    first_line: Option<u64>,
    first_column: u64,
    id: u64,
}

/// A record's text up to this many bytes (a CSV field, a cell, a header line) may be read
/// whole for names; a longer one (a message body) only around its keywords.
const SHORT_FIELD: usize = 128;

/// Pairs the keyword hits of one file's texts with its identifiers.
#[derive(Debug, Default)]
pub struct Pairing {
    open: Vec<Open>,
    /// Number of the current text, so distances are only measured within one.
    text: u64,
}

impl Pairing {
    /// A new text at `location` begins. Records it is not part of are paired and closed.
    pub fn begin_text(
        &mut self,
        location: &Location,
        engine: &Engine,
        fp: &Fingerprinter,
        emit: &mut dyn FnMut(Finding),
    ) {
        self.text += 1;
        let same = |o: &Open| o.record.as_ref().is_some_and(|r| is_record_of(r, location));
        if self.open.last().is_some_and(same) {
            return; // the next cell or field of the open record
        }
        let record = record_of(location);
        while let Some(top) = self.open.last() {
            let inside = match (&top.record, &record) {
                (Some(outer), Some(inner)) => inner.steps().starts_with(outer.steps()),
                _ => false,
            };
            if inside {
                break;
            }
            let top = self.open.pop().expect("checked");
            pair(top, engine, fp, emit);
        }
        // A lone text has closed every record above; a record already open is continued.
        if self.open.last().is_none_or(|top| top.record != record) {
            self.open.push(Open {
                record,
                keywords: Vec::new(),
                identifiers: SPARE_IDENTIFIERS.take(),
                fields: Vec::new(),
            });
        }
    }

    /// True when the current text is part of a record (an identifier anywhere in it counts).
    pub fn in_record(&self) -> bool {
        self.open.last().is_some_and(|o| o.record.is_some())
    }

    /// An identifier finding of the current text, from detection `d`.
    pub fn identifier(&mut self, d: &Detection, finding: &Finding) {
        let text = self.text;
        let Some(open) = self.open.last_mut() else {
            return;
        };
        if open.identifiers.len() < MAX_HELD {
            open.identifiers.push(HeldIdentifier {
                partner: Partner::Rule(d.rule),
                severity: d.severity,
                kind: d.kind,
                fingerprint: finding.fingerprint.clone(),
                location: Suffix::of(open.record.as_ref(), &finding.location, None),
                normalized: d.normalized.clone(),
                text,
                span: (d.start, d.end),
            });
        }
    }

    /// The person names in `ranges` of the current text (`segment`) become identifiers a
    /// keyword may pair with. Returns their spans.
    pub fn names(
        &mut self,
        segment: &Segment<'_>,
        ranges: &[(usize, usize)],
    ) -> Vec<(usize, usize)> {
        let text = self.text;
        let Some(open) = self.open.last_mut() else {
            return Vec::new();
        };
        hold_names(open, segment, ranges, text)
    }

    /// The current text, when it is a short field of a record that may hold a name, is kept
    /// until the record is paired (then read for names if the record has a keyword).
    pub fn field(&mut self, segment: &Segment<'_>) {
        let text = segment.text;
        let may_be_name = text.len() <= SHORT_FIELD
            && text.starts_with(|c: char| c.is_uppercase())
            && memchr::memchr2(b' ', b',', text.as_bytes()).is_some();
        let id = self.text;
        let Some(open) = self.open.last_mut() else {
            return;
        };
        if may_be_name && open.record.is_some() && open.fields.len() < MAX_HELD {
            open.fields.push(HeldField {
                text: text.to_string(),
                location: Suffix::of(open.record.as_ref(), segment.location, None),
                first_line: segment.first_line,
                first_column: segment.first_column,
                id,
            });
        }
    }

    /// A keyword hit of the current text (`d` from [`Pairing::keyword_detection`]), with its
    /// finding as it will be reported once paired.
    pub fn keyword(
        &mut self,
        d: &Detection,
        finding: Finding,
        engine: &Engine,
        fp: &Fingerprinter,
        emit: &mut dyn FnMut(Finding),
    ) {
        let text = self.text;
        let Some(open) = self.open.last_mut() else {
            return;
        };
        open.keywords.push(HeldKeyword {
            rule: d.rule,
            finding,
            word: d.normalized.clone(),
            text,
            span: (d.start, d.end),
        });
        if open.keywords.len() >= MAX_HELD {
            pair_keywords(open, engine, fp, emit);
        }
    }

    /// The current text has been read: a lone text is paired now.
    pub fn end_text(&mut self, engine: &Engine, fp: &Fingerprinter, emit: &mut dyn FnMut(Finding)) {
        if self.open.last().is_some_and(|o| o.record.is_none()) {
            let lone = self.open.pop().expect("checked");
            pair(lone, engine, fp, emit);
        }
    }

    /// The file has been read: every open record is paired.
    pub fn finish(&mut self, engine: &Engine, fp: &Fingerprinter, emit: &mut dyn FnMut(Finding)) {
        while let Some(open) = self.open.pop() {
            pair(open, engine, fp, emit);
        }
    }

    /// A keyword hit as a detection of its rule, for building its finding.
    pub fn keyword_detection(
        engine: &Engine,
        text: &str,
        rule: usize,
        start: usize,
        end: usize,
    ) -> Detection {
        let r = &engine.rules()[rule].rule;
        Detection {
            rule,
            start,
            end,
            kind: None,
            normalized: text[start..end].to_lowercase(),
            confidence: r.confidence,
            severity: r.severity,
        }
    }
}

/// Finds the names in `ranges` of text number `id` (`segment`) and adds them to `open`'s
/// identifiers. Returns their spans.
fn hold_names(
    open: &mut Open,
    segment: &Segment<'_>,
    ranges: &[(usize, usize)],
    id: u64,
) -> Vec<(usize, usize)> {
    let text = segment.text;
    let found = names_in(text, ranges);
    let mut lines = LineIndex::default();
    for n in &found {
        if open.identifiers.len() >= MAX_HELD {
            break;
        }
        let line = lines.step(segment, n.start);
        open.identifiers.push(HeldIdentifier {
            partner: Partner::Name,
            severity: NAME_SEVERITY,
            kind: None,
            fingerprint: String::new(),
            location: Suffix::of(open.record.as_ref(), segment.location, line),
            normalized: names::normalize(&text[n.start..n.end]),
            text: id,
            span: (n.start, n.end),
        });
    }
    found.iter().map(|n| (n.start, n.end)).collect()
}

fn pair(mut open: Open, engine: &Engine, fp: &Fingerprinter, emit: &mut dyn FnMut(Finding)) {
    pair_keywords(&mut open, engine, fp, emit);
    super::keep_spare(&SPARE_IDENTIFIERS, open.identifiers);
}

thread_local! {
    /// The thread's spare identifier list, for the next record or text paired (a chunk of a
    /// dense text holds thousands; at most [`MAX_HELD`]).
    static SPARE_IDENTIFIERS: std::cell::Cell<Vec<HeldIdentifier>> =
        const { std::cell::Cell::new(Vec::new()) };
}

/// Pairs and emits the held keywords of `open`; those without a partner are dropped.
fn pair_keywords(
    open: &mut Open,
    engine: &Engine,
    fp: &Fingerprinter,
    emit: &mut dyn FnMut(Finding),
) {
    let in_record = open.record.is_some();
    if open.keywords.iter().any(|k| names_count(engine, k.rule)) {
        for f in std::mem::take(&mut open.fields) {
            let location = f.location.joined(open.record.as_ref());
            let segment = Segment {
                location: &location,
                text: &f.text,
                first_line: f.first_line,
                first_column: f.first_column,
                report_before: f.text.len(),
            };
            hold_names(open, &segment, &[(0, f.text.len())], f.id);
        }
    }
    for kw in open.keywords.drain(..) {
        let candidates = open.identifiers.iter().map(|id| Candidate {
            partner: id.partner,
            severity: id.severity,
            distance: (id.text == kw.text).then(|| distance(kw.span, id.span)),
        });
        let Some((i, severity)) = best_partner(engine, kw.rule, candidates, in_record) else {
            continue;
        };
        let partner = &open.identifiers[i];
        let mut finding = kw.finding;
        finding.severity = severity;
        finding.fingerprint = fp.fingerprint(
            &finding.rule,
            &format!("{}\u{1f}{}", kw.word, partner.normalized),
        );
        let related = partner.related(open.record.as_ref(), engine, fp);
        finding.related = Some(Box::new(related));
        emit(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::RuleSet;

    /// A detection of rule `id` at `start..end` and its finding at `location`.
    fn detection(engine: &Engine, id: &str, start: usize, end: usize) -> Detection {
        let rule = engine.rules().iter().position(|r| r.rule.id == id).unwrap();
        let r = &engine.rules()[rule].rule;
        Detection {
            rule,
            start,
            end,
            kind: None,
            normalized: format!("{id}-value"),
            confidence: r.confidence,
            severity: r.severity,
        }
    }

    fn finding(engine: &Engine, d: &Detection, location: &Location) -> Finding {
        let r = &engine.rules()[d.rule].rule;
        Finding {
            rule: r.id.clone(),
            category: r.category.clone(),
            kind: None,
            severity: d.severity,
            confidence: d.confidence,
            path: "mbox".into(),
            location: location.clone(),
            value: String::new(),
            fingerprint: String::new(),
            context: String::new(),
            related: None,
        }
    }

    fn message(index: u64) -> Location {
        Location::root().child(Step::Message {
            index: Some(index),
            message_id: None,
            date: None,
            from: None,
            subject: None,
            folder: None,
        })
    }

    /// Message 1: the body holds an fnr, an attached sheet has a row with only an e-mail, and
    /// a later part holds "sykmelding" far from anything. Message 2 holds a keyword alone.
    #[test]
    fn a_message_is_one_record_around_its_attachments() {
        let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        let fp = Fingerprinter::from_secret("t");
        let mut out = Vec::new();
        let mut emit = |f: Finding| out.push(f);
        let mut p = Pairing::default();
        let body = message(1).child(Step::Part {
            name: "body".into(),
        });
        p.begin_text(&body, &engine, &fp, &mut emit);
        let fnr = detection(&engine, "no.fnr", 0, 11);
        p.identifier(&fnr, &finding(&engine, &fnr, &body));
        p.end_text(&engine, &fp, &mut emit);
        let row = message(1)
            .child(Step::Attachment {
                filename: "liste.xlsx".into(),
            })
            .child(Step::Cell {
                sheet: "Ark1".into(),
                cell: "A2".into(),
            });
        p.begin_text(&row, &engine, &fp, &mut emit);
        let email = detection(&engine, "email", 0, 13);
        p.identifier(&email, &finding(&engine, &email, &row));
        p.end_text(&engine, &fp, &mut emit);
        let part = message(1).child(Step::Part {
            name: "vedlegg.txt".into(),
        });
        for location in [part, message(2)] {
            p.begin_text(&location, &engine, &fp, &mut emit);
            let text = "sykmelding";
            let health = engine
                .rules()
                .iter()
                .position(|r| r.rule.id == "no.special.health")
                .unwrap();
            let d = Pairing::keyword_detection(&engine, text, health, 0, text.len());
            let f = finding(&engine, &d, &location);
            p.keyword(&d, f, &engine, &fp, &mut emit);
            p.end_text(&engine, &fp, &mut emit);
        }
        p.finish(&engine, &fp, &mut emit);
        assert_eq!(out.len(), 1, "{out:#?}");
        let related = out[0].related.as_ref().unwrap();
        assert_eq!(related.rule, "no.fnr");
        assert_eq!(related.location, body);
        assert_eq!(out[0].severity, Severity::Critical);
        assert_eq!(
            out[0].fingerprint,
            fp.fingerprint("no.special.health", "sykmelding\u{1f}no.fnr-value")
        );
    }

    fn cell(sheet: &str, cell: &str) -> Location {
        Location::root().child(Step::Cell {
            sheet: sheet.into(),
            cell: cell.into(),
        })
    }

    fn segment<'a>(location: &'a Location, text: &'a str) -> Segment<'a> {
        Segment {
            location,
            text,
            first_line: None,
            first_column: 1,
            report_before: text.len(),
        }
    }

    /// A CSV record whose keyword comes before the name: the name field is kept and read when
    /// the record ends. A record without a keyword pairs nothing.
    #[test]
    fn a_name_later_in_the_record_pairs_with_an_earlier_keyword() {
        let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        let fp = Fingerprinter::from_secret("t");
        let health = engine
            .rules()
            .iter()
            .position(|r| r.rule.id == "no.special.health")
            .unwrap();
        let mut out = Vec::new();
        let mut emit = |f: Finding| out.push(f);
        let mut p = Pairing::default();
        let field = |row, column| Location::root().child(Step::Record { row, column });
        for (row, remark) in [(2, "Sykmeldt"), (3, "Ferie")] {
            let (remark_at, name_at) = (field(row, 1), field(row, 2));
            p.begin_text(&remark_at, &engine, &fp, &mut emit);
            if remark == "Sykmeldt" {
                let d = Pairing::keyword_detection(&engine, remark, health, 0, remark.len());
                let f = finding(&engine, &d, &remark_at);
                p.keyword(&d, f, &engine, &fp, &mut emit);
            }
            p.field(&segment(&remark_at, remark));
            p.end_text(&engine, &fp, &mut emit);
            p.begin_text(&name_at, &engine, &fp, &mut emit);
            p.field(&segment(&name_at, "Kari Nordmann"));
            p.end_text(&engine, &fp, &mut emit);
        }
        p.finish(&engine, &fp, &mut emit);
        assert_eq!(out.len(), 1, "{out:#?}");
        let related = out[0].related.as_ref().unwrap();
        assert_eq!(related.rule, NAME_RULE);
        assert_eq!(related.location, field(2, 2));
        assert_eq!(out[0].severity, Severity::High);
        assert_eq!(
            related.fingerprint,
            fp.fingerprint(NAME_RULE, "kari nordmann")
        );
    }

    /// A step of a few kinds, with values from small sets so that locations share prefixes.
    fn any_step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (0u64..3, proptest::option::of("[ab]")).prop_map(|(i, subject)| Step::Message {
                index: Some(i),
                message_id: None,
                date: None,
                from: Some("Kari <k@x.no>".into()),
                subject,
                folder: None,
            }),
            "[ab]".prop_map(|filename| Step::Attachment { filename }),
            ("[ab]", "[AB][12]").prop_map(|(sheet, cell)| Step::Cell { sheet, cell }),
            (1u64..3, 1u64..3).prop_map(|(row, column)| Step::Record { row, column }),
            (1u64..3, 1u64..3).prop_map(|(line, column)| Step::Line { line, column }),
        ]
    }

    proptest::proptest! {
        /// A location kept as its steps after its record's key comes back whole, whatever the
        /// record (its own, another one, or none).
        #[test]
        fn suffix_joins_back_to_the_location(
            steps in proptest::collection::vec(any_step(), 0..5),
            other in proptest::collection::vec(any_step(), 0..5),
            own in proptest::bool::ANY,
            line in proptest::option::of((1u64..3, 1u64..3)),
        ) {
            let location = Location(steps);
            let record = if own { record_of(&location) } else { Some(Location(other)) };
            let last = line.map(|(line, column)| Step::Line { line, column });
            let want = match &last {
                Some(step) => location.child(step.clone()),
                None => location.clone(),
            };
            let suffix = Suffix::of(record.as_ref(), &location, last);
            proptest::prop_assert_eq!(suffix.joined(record.as_ref()), want);
        }
    }

    #[test]
    fn records_of_cells_fields_and_messages() {
        assert_eq!(
            record_of(&cell("Ark1", "B7")),
            record_of(&cell("Ark1", "A7"))
        );
        assert_ne!(
            record_of(&cell("Ark1", "B7")),
            record_of(&cell("Ark1", "B8"))
        );
        assert_ne!(
            record_of(&cell("Ark1", "B7")),
            record_of(&cell("Ark2", "B7"))
        );
        let field = |row, column| Location::root().child(Step::Record { row, column });
        assert_eq!(record_of(&field(3, 1)), record_of(&field(3, 9)));
        assert_ne!(record_of(&field(3, 1)), record_of(&field(4, 1)));
        let message = Location::root().child(Step::Message {
            index: Some(2),
            message_id: None,
            date: None,
            from: None,
            subject: None,
            folder: None,
        });
        let body = message.child(Step::Part {
            name: "body".into(),
        });
        let subject = message.child(Step::Part {
            name: "Subject".into(),
        });
        assert_eq!(record_of(&body), Some(message.clone()));
        assert_eq!(record_of(&subject), Some(message.clone()));
        let attached_row = message
            .child(Step::Attachment {
                filename: "liste.xlsx".into(),
            })
            .child(Step::Cell {
                sheet: "Ark1".into(),
                cell: "C2".into(),
            });
        let record = record_of(&attached_row).unwrap();
        assert!(record.steps().starts_with(message.steps()));
        assert_ne!(record, message);
        let page = Location::root().child(Step::Page { page: 1 });
        assert_eq!(record_of(&page), None);
        for location in [
            cell("Ark1", "B7"),
            field(3, 2),
            body.clone(),
            attached_row,
            page,
        ] {
            for other in [
                cell("Ark1", "AB7"),
                cell("Ark1", "B8"),
                field(3, 5),
                body.clone(),
            ] {
                let same = record_of(&other).is_some_and(|r| is_record_of(&r, &location));
                assert_eq!(same, record_of(&other) == record_of(&location));
            }
        }
    }
}

//! One pass over a text for every subject: an Aho-Corasick automaton over the spellings of all
//! surnames, e-mail addresses and non-numeric identifiers, and one walk over the text's
//! numbers compared through a hash map. The cost does not grow with the number of subjects.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use super::digits::{numbers, Number};
use super::fold::{fold, variants};
use super::names::{full_name, NameKeys};
use super::spec::{national_phone, Identifier, Normalized, Subject, SubjectError};

/// What a pattern or number stands for: one value of one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    subject: usize,
    identifier: Identifier,
    /// Index of the value in the subject's list for `identifier`.
    value: usize,
    /// How the number was written, for numbers.
    variant: Option<&'static str>,
    /// A fødselsnummer without its leading zero: only taken from a cell or record.
    cell_only: bool,
}

/// A subject's value found in a text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SubjectMatch {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset just past the end.
    pub end: usize,
    /// Index of the subject in [`SubjectMatcher::subjects`].
    pub subject: usize,
    /// Which kind of value matched.
    pub identifier: Identifier,
    /// Index of the value in the subject's list of that kind.
    pub value: usize,
    /// How the value was written where that differs from the plain form, e.g.
    /// `reversed order`, `leading zero lost`.
    pub variant: Vec<&'static str>,
}

/// A subject ready for matching.
#[derive(Debug)]
pub struct Compiled {
    /// The subject as given.
    pub subject: Subject,
    /// Its label.
    pub label: String,
    /// Its normalised values.
    pub normalized: Normalized,
    names: Vec<NameKeys>,
}

/// Every subject's values, compiled into one automaton and one number table.
#[derive(Debug)]
pub struct SubjectMatcher {
    subjects: Vec<Compiled>,
    automaton: Option<AhoCorasick>,
    pattern_targets: Vec<Vec<Target>>,
    numbers: HashMap<String, Vec<Target>>,
}

impl SubjectMatcher {
    /// Checks and compiles the subjects. Labels must be distinct.
    pub fn new(subjects: Vec<Subject>) -> Result<Self, SubjectError> {
        let mut compiled: Vec<Compiled> = Vec::with_capacity(subjects.len());
        for subject in subjects {
            let normalized = subject.normalized()?;
            let label = subject.display_label();
            if compiled.iter().any(|c| c.label == label) {
                return Err(SubjectError(format!("two subjects are labelled {label:?}")));
            }
            let names = normalized.names.iter().map(NameKeys::new).collect();
            compiled.push(Compiled {
                subject,
                label,
                normalized,
                names,
            });
        }
        if compiled.is_empty() {
            return Err(SubjectError("no subject to search for".into()));
        }
        let mut patterns: Vec<String> = Vec::new();
        let mut pattern_targets: Vec<Vec<Target>> = Vec::new();
        let mut pattern_index: HashMap<String, usize> = HashMap::new();
        let mut add_pattern = |p: String, t: Target| {
            let key = p.to_ascii_lowercase();
            let i = *pattern_index.entry(key).or_insert_with(|| {
                patterns.push(p);
                pattern_targets.push(Vec::new());
                patterns.len() - 1
            });
            if !pattern_targets[i].contains(&t) {
                pattern_targets[i].push(t);
            }
        };
        let mut table: HashMap<String, Vec<Target>> = HashMap::new();
        let mut add_number = |digits: String, t: Target| {
            let list = table.entry(digits).or_default();
            if !list.contains(&t) {
                list.push(t);
            }
        };
        for (s, c) in compiled.iter().enumerate() {
            let t = |identifier, value| Target {
                subject: s,
                identifier,
                value,
                variant: None,
                cell_only: false,
            };
            for (v, keys) in c.names.iter().enumerate() {
                for spelling in variants(&keys.surname) {
                    add_pattern(spelling, t(Identifier::Name, v));
                }
            }
            for (v, e) in c.normalized.email.iter().enumerate() {
                add_pattern(e.clone(), t(Identifier::Email, v));
            }
            for (v, id) in c.normalized.id.iter().enumerate() {
                if id.bytes().all(|b| b.is_ascii_digit()) {
                    add_number(id.clone(), t(Identifier::Id, v));
                } else {
                    add_pattern(id.clone(), t(Identifier::Id, v));
                }
            }
            for (v, f) in c.normalized.fnr.iter().enumerate() {
                add_number(f.clone(), t(Identifier::Fnr, v));
                if let Some(rest) = f.strip_prefix('0') {
                    let lost = Target {
                        variant: Some("leading zero lost"),
                        cell_only: true,
                        ..t(Identifier::Fnr, v)
                    };
                    add_number(rest.to_string(), lost);
                }
            }
            for (v, p) in c.normalized.phone.iter().enumerate() {
                add_number(p.clone(), t(Identifier::Phone, v));
                if p.len() == 8 {
                    let cc = Target {
                        variant: Some("country code"),
                        ..t(Identifier::Phone, v)
                    };
                    add_number(format!("47{p}"), cc);
                    add_number(format!("0047{p}"), cc);
                }
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            // A DFA: a few thousand spellings for 50 subjects still search at one table lookup
            // per byte (the default NFA was measurably slower).
            Some(
                crate::detect::word_automaton(&patterns)
                    .map_err(|e| SubjectError(format!("cannot build the name automaton: {e}")))?,
            )
        };
        Ok(SubjectMatcher {
            subjects: compiled,
            automaton,
            pattern_targets,
            numbers: table,
        })
    }

    /// The compiled subjects; [`SubjectMatch::subject`] indexes this slice.
    pub fn subjects(&self) -> &[Compiled] {
        &self.subjects
    }

    /// Every subject value in `text` starting before `report_before`, ordered by position.
    /// `in_cell` says the text is one spreadsheet cell or record (where a number may have lost
    /// its leading zero).
    pub fn find(&self, text: &str, report_before: usize, in_cell: bool) -> Vec<SubjectMatch> {
        let mut out = Vec::new();
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(text) {
                for t in &self.pattern_targets[m.pattern().as_usize()] {
                    self.literal(text, m.start(), m.end(), t, &mut out);
                }
            }
        }
        numbers(text, |n: &Number<'_>| {
            if n.start >= report_before {
                return false;
            }
            let Some(targets) = self.numbers.get(n.digits) else {
                return false;
            };
            let mut any = false;
            for t in targets.iter().filter(|t| in_cell || !t.cell_only) {
                any = true;
                out.push(SubjectMatch {
                    start: n.start,
                    end: n.end,
                    subject: t.subject,
                    identifier: t.identifier,
                    value: t.value,
                    variant: t.variant.into_iter().collect(),
                });
            }
            any
        });
        out.retain(|m| m.start < report_before);
        out.sort();
        out.dedup_by(|a, b| {
            (a.subject, a.identifier, a.start) == (b.subject, b.identifier, b.start)
        });
        out
    }

    /// Checks an automaton match of a literal (surname spelling, address, identifier).
    fn literal(
        &self,
        text: &str,
        start: usize,
        end: usize,
        t: &Target,
        out: &mut Vec<SubjectMatch>,
    ) {
        let found = |start, end, variant| SubjectMatch {
            start,
            end,
            subject: t.subject,
            identifier: t.identifier,
            value: t.value,
            variant,
        };
        match t.identifier {
            Identifier::Name => {
                let keys = &self.subjects[t.subject].names[t.value];
                if !name_left(text, start) || fold(&text[start..end]) != keys.surname {
                    return;
                }
                let (end, genitive) = match genitive_end(text, end) {
                    Some(e) => (e, true),
                    None if name_right(text, end) => (end, false),
                    None => return,
                };
                let Some((a, b, written)) = full_name(text, start, end, keys) else {
                    return;
                };
                let mut variant = written.labels();
                if genitive {
                    variant.push("genitive");
                }
                let given = &self.subjects[t.subject].normalized.names[t.value];
                let plain = text[a..b].to_lowercase();
                let given_as_written = given.given.is_empty()
                    || written.initial
                    || plain.contains(&given.given.to_lowercase());
                if !plain.contains(&given.surname.to_lowercase()) || !given_as_written {
                    variant.push("transliterated");
                }
                out.push(found(a, b, variant));
            }
            Identifier::Email => {
                if email_left(text, start) && email_right(text, end) {
                    out.push(found(start, end, Vec::new()));
                }
            }
            _ => {
                let before = text[..start].chars().next_back();
                let after = text[end..].chars().next();
                if !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
                {
                    out.push(found(start, end, Vec::new()));
                }
            }
        }
    }
}

/// A name may start here: no letter, digit or joining hyphen (`Hansen-Berg`) before it.
fn name_left(text: &str, start: usize) -> bool {
    let mut before = text[..start].chars().rev();
    match before.next() {
        None => true,
        Some('-') => !before.next().is_some_and(char::is_alphabetic),
        Some(c) => !c.is_alphanumeric(),
    }
}

/// A name may end here: no letter, digit or joining hyphen (`Berg-Hansen`) after it.
fn name_right(text: &str, end: usize) -> bool {
    let mut after = text[end..].chars();
    match after.next() {
        None => true,
        Some('-') => !after.next().is_some_and(char::is_alphabetic),
        Some(c) => !c.is_alphanumeric(),
    }
}

/// The end of a genitive `s` (`Bergs`, `Berg's`, `Berg’s`) right after a name, if there is one.
fn genitive_end(text: &str, end: usize) -> Option<usize> {
    let tail = &text[end..];
    let len = ["s", "'s", "’s"]
        .iter()
        .find(|g| tail.starts_with(**g))?
        .len();
    name_right(text, end + len).then_some(end + len)
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-".contains(c)
}

/// An address may start here (not inside a longer local part).
fn email_left(text: &str, start: usize) -> bool {
    !text[..start].chars().next_back().is_some_and(is_local_char)
}

/// An address may end here: not inside a longer domain (`.no.` at a sentence end is fine).
fn email_right(text: &str, end: usize) -> bool {
    let mut after = text[end..].chars();
    match after.next() {
        None => true,
        Some('.') => !after.next().is_some_and(char::is_alphanumeric),
        Some(c) => !(c.is_alphanumeric() || c == '-' || c == '_'),
    }
}

/// The phone digits a text number stands for (for comparing a conflicting number).
pub fn phone_key(digits: &str) -> String {
    national_phone(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> SubjectMatcher {
        let ase = Subject {
            label: "A".into(),
            name: vec!["Åse Mæland".into()],
            fnr: vec!["01019012345".into()],
            email: vec!["ase@example.no".into()],
            phone: vec!["+47 912 34 567".into()],
            id: vec!["K-1001".into(), "778899".into()],
        };
        let berg = Subject {
            label: "B".into(),
            name: vec!["Ingrid Marie Berg".into()],
            ..Subject::default()
        };
        SubjectMatcher::new(vec![ase, berg]).unwrap()
    }

    fn hits(text: &str, in_cell: bool) -> Vec<String> {
        matcher()
            .find(text, text.len(), in_cell)
            .iter()
            .map(|m| {
                format!(
                    "{}:{}:{}{}",
                    m.subject,
                    m.identifier.label(),
                    &text[m.start..m.end],
                    if m.variant.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", m.variant.join(", "))
                    }
                )
            })
            .collect()
    }

    #[test]
    fn identifiers_as_written() {
        for t in [
            "fnr 01019012345.",
            "010190 12345",
            "010190-12345",
            "010190.12345",
            "GET /sak?fnr=01019012345&x=1",
        ] {
            assert_eq!(hits(t, false).len(), 1, "{t}");
        }
        assert_eq!(
            hits("1019012345", true),
            ["0:fnr:1019012345 (leading zero lost)"]
        );
        assert!(hits("1019012345", false).is_empty());
        assert!(hits("401019012345", false).is_empty());
        assert_eq!(
            hits("Til: <ASE@Example.no>", false),
            ["0:email:ASE@Example.no"]
        );
        assert_eq!(
            hits("mailto:ase@example.no", false),
            ["0:email:ase@example.no"]
        );
        assert_eq!(
            hits("skriv til ase@example.no.", false),
            ["0:email:ase@example.no"]
        );
        assert!(hits("case@example.no", false).is_empty());
        assert!(hits("ase@example.no.uk", false).is_empty());
        assert_eq!(
            hits("(+47) 91 23 45 67", false),
            ["0:phone:(+47) 91 23 45 67 (country code)"]
        );
        assert_eq!(
            hits("kunde K-1001, ansatt 778 899", false),
            ["0:id:K-1001", "0:id:778 899"]
        );
        assert!(hits("K-10011", false).is_empty());
    }

    #[test]
    fn names_whole_words_only() {
        assert_eq!(hits("Ingrid Berg", false), ["1:name:Ingrid Berg"]);
        assert!(hits("Ingrid Bergersen", false).is_empty());
        assert!(hits("Ingrid Berg-Hansen", false).is_empty());
        assert_eq!(
            hits("Ingrid Bergs søknad", false),
            ["1:name:Ingrid Bergs (genitive)"]
        );
        assert_eq!(
            hits("AASE MAELAND", false),
            ["0:name:AASE MAELAND (transliterated)"]
        );
        assert_eq!(
            hits("Mæland, Åse", false),
            ["0:name:Mæland, Åse (reversed order)"]
        );
    }

    #[test]
    fn report_before_cuts_overlap() {
        let text = "Ingrid Berg og 01019012345";
        assert_eq!(matcher().find(text, 5, false).len(), 1);
        assert_eq!(matcher().find(text, 0, false).len(), 0);
    }

    proptest::proptest! {
        /// No input makes the matcher panic, and every match is a non-empty slice of the text.
        #[test]
        fn any_text_is_safe(
            text in "(Åse|ÅSE|Mæland|Maeland|Ingrid|M\\.|Berg|Bergs|-|,|\\.|'s| |\n|\u{a0}|\\+47|\\(|\\)|[0-9]{1,6}|ase@example\\.no|K-1001|[a-zæøå]{1,4}|\\PC){0,40}",
            cut in 0usize..300,
            in_cell in proptest::bool::ANY,
        ) {
            let m = matcher();
            let cut = cut.min(text.len());
            for found in m.find(&text, cut, in_cell) {
                proptest::prop_assert!(found.start < found.end && found.end <= text.len());
                proptest::prop_assert!(text.is_char_boundary(found.start) && text.is_char_boundary(found.end));
                proptest::prop_assert!(found.start < cut);
            }
        }
    }

    #[test]
    fn duplicate_labels_are_refused() {
        let s = Subject {
            label: "X".into(),
            name: vec!["Ola Nordmann".into()],
            ..Subject::default()
        };
        assert!(SubjectMatcher::new(vec![s.clone(), s]).is_err());
    }
}

//! The subject-search report (`sporhund find`): places where a subject appears, each with its
//! hits, strength, locations and context. JSON contract: `docs/find-report.schema.json` (the
//! same family as the scan report: header, summary, errors and skipped files are shared).
//! Writers: [`human`], [`html`], and JSON through serde.

pub mod html;
pub mod human;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{FileError, Header, Skipped, Summary};
use crate::detect::subject::{Identifier, Strength, Subject};
use crate::location::Location;
use crate::scan::ItemSink;

/// Version of the find report contract.
pub const FIND_SCHEMA_VERSION: &str = "1.0.0";

/// One occurrence of a subject's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Which kind of value matched.
    pub identifier: Identifier,
    /// The subject's value that matched, as given to the search.
    pub value: String,
    /// The text as written where it was found.
    pub written: String,
    /// How it was written where that differs from the plain form (e.g. `reversed order`,
    /// `transliterated`, `leading zero lost`, `country code`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub variant: Vec<String>,
    /// Strength of this hit.
    pub strength: Strength,
    /// For a name hit next to another person's fødselsnummer or e-mail: why it may be a
    /// namesake.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
    /// Where inside the file.
    pub location: Location,
    /// A short snippet: the subject's values shown, other people's identifiers masked.
    pub context: String,
}

/// One place (a file, an archive member, a message or an attachment) where one subject
/// appears.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The subject's label.
    pub subject: String,
    /// The file on disk.
    pub path: String,
    /// The container inside the file (empty for the file itself).
    pub location: Location,
    /// `strong` when the place holds one of the subject's identifiers, else `weak` (the name
    /// only: it may be a namesake).
    pub strength: Strength,
    /// Hits by kind of value, all of them (the `hits` list may be shortened).
    pub counts: BTreeMap<Identifier, u64>,
    /// The hits, in order, at most [`MAX_HITS_LISTED`] per place.
    pub hits: Vec<Hit>,
    /// Notes for the case handler, e.g. a possible namesake.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub notes: Vec<String>,
}

/// Most hits listed per place and subject; the counts cover every hit.
pub const MAX_HITS_LISTED: usize = 100;

/// Places and hits for one subject. A place is strong when it holds one of the subject's
/// identifiers and weak when it holds the name only; its name hits are then corroborated or
/// weak.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectTotals {
    /// Places found.
    pub places: u64,
    /// Places holding one of the subject's identifiers.
    pub strong: u64,
    /// Places holding the name only.
    pub weak: u64,
    /// Hits in all places.
    pub hits: u64,
    /// Listed hits per strength.
    pub hits_by_strength: BTreeMap<Strength, u64>,
}

impl SubjectTotals {
    fn add(&mut self, p: &Place) {
        self.places += 1;
        self.hits += p.counts.values().sum::<u64>();
        if p.strength == Strength::Strong {
            self.strong += 1;
        } else {
            self.weak += 1;
        }
        for h in &p.hits {
            *self.hits_by_strength.entry(h.strength).or_default() += 1;
        }
    }
}

/// Totals of a subject search.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindSummary {
    /// Files whose content was searched.
    pub files_scanned: u64,
    /// Bytes of those files.
    pub bytes_scanned: u64,
    /// Places found, all subjects together.
    pub places: u64,
    /// Totals per subject label (every subject listed, also those not found).
    pub subjects: BTreeMap<String, SubjectTotals>,
    /// Totals per store (each path given to the search) and subject label.
    pub stores: BTreeMap<String, BTreeMap<String, SubjectTotals>>,
    /// Number of errors (files or parts that could not be read).
    pub errors: u64,
    /// Number of files not scanned on purpose.
    pub skipped: u64,
    /// Skipped files per reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// True when every file that should have been searched was.
    pub complete: bool,
}

/// A subject as searched for, with its label (the values are shown: the report goes to the
/// case handler).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchedSubject {
    /// Label.
    pub label: String,
    /// Names.
    pub name: Vec<String>,
    /// Fødselsnummer/D-numbers.
    pub fnr: Vec<String>,
    /// E-mail addresses.
    pub email: Vec<String>,
    /// Phone numbers.
    pub phone: Vec<String>,
    /// Other identifiers.
    pub id: Vec<String>,
}

impl SearchedSubject {
    /// The subject as listed in a report.
    pub fn new(label: &str, s: &Subject) -> Self {
        SearchedSubject {
            label: label.to_string(),
            name: s.name.clone(),
            fnr: s.fnr.clone(),
            email: s.email.clone(),
            phone: s.phone.clone(),
            id: s.id.clone(),
        }
    }
}

/// A whole subject-search report (the `--format json` document).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindReport {
    /// Contract version, tool, roots, start time.
    #[serde(flatten)]
    pub header: Header,
    /// Wall-clock duration in seconds.
    pub duration_seconds: f64,
    /// Who was searched for.
    pub subjects: Vec<SearchedSubject>,
    /// Totals.
    pub summary: FindSummary,
    /// Places, ordered by subject, path and location.
    pub places: Vec<Place>,
    /// Errors, ordered by path.
    pub errors: Vec<FileError>,
    /// Skipped files, ordered by path.
    pub skipped: Vec<Skipped>,
}

/// Collects a search's places, errors and skipped files; [`FindCollector::finish`] builds the
/// sorted report.
#[derive(Debug)]
pub struct FindCollector {
    report: FindReport,
}

impl FindCollector {
    /// An empty report for a search of `subjects` described by `header`.
    pub fn new(header: Header, subjects: Vec<SearchedSubject>) -> Self {
        FindCollector {
            report: FindReport {
                header,
                duration_seconds: 0.0,
                subjects,
                summary: FindSummary::default(),
                places: Vec::new(),
                errors: Vec::new(),
                skipped: Vec::new(),
            },
        }
    }

    /// The finished report: totals from the walk's `summary`, places counted per subject and
    /// store, everything sorted.
    pub fn finish(self, summary: &Summary, duration_seconds: f64) -> FindReport {
        let mut r = self.report;
        r.duration_seconds = duration_seconds;
        r.places.sort_by(|a, b| {
            (&a.subject, &a.path, &a.location).cmp(&(&b.subject, &b.path, &b.location))
        });
        r.errors
            .sort_by(|a, b| (&a.path, &a.location).cmp(&(&b.path, &b.location)));
        r.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        let mut s = FindSummary {
            files_scanned: summary.files_scanned,
            bytes_scanned: summary.bytes_scanned,
            places: r.places.len() as u64,
            errors: summary.errors,
            skipped: summary.skipped,
            skipped_by_reason: summary.skipped_by_reason.clone(),
            complete: summary.complete,
            ..FindSummary::default()
        };
        for subject in &r.subjects {
            s.subjects.entry(subject.label.clone()).or_default();
        }
        for root in &r.header.roots {
            let store = s.stores.entry(root.clone()).or_default();
            for subject in &r.subjects {
                store.entry(subject.label.clone()).or_default();
            }
        }
        for p in &r.places {
            s.subjects.entry(p.subject.clone()).or_default().add(p);
            if let Some(root) = store_of(&r.header.roots, &p.path) {
                s.stores
                    .entry(root.to_string())
                    .or_default()
                    .entry(p.subject.clone())
                    .or_default()
                    .add(p);
            }
        }
        r.summary = s;
        r
    }
}

/// The root a path was found under: the longest root that is the path or a folder above it.
pub fn store_of<'a>(roots: &'a [String], path: &str) -> Option<&'a str> {
    roots
        .iter()
        .filter(|root| {
            let root = root.trim_end_matches('/');
            path == root
                || root.is_empty()
                || path
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|r| r.len())
        .map(String::as_str)
}

impl ItemSink<Place> for FindCollector {
    fn item(&mut self, place: Place, _: &mut Summary) -> std::io::Result<()> {
        self.report.places.push(place);
        Ok(())
    }

    fn error(&mut self, error: FileError) -> std::io::Result<()> {
        self.report.errors.push(error);
        Ok(())
    }

    fn skipped(&mut self, skipped: Skipped) -> std::io::Result<()> {
        self.report.skipped.push(skipped);
        Ok(())
    }
}

/// Writes the report as one JSON document.
pub fn write_json(report: &FindReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_longest_root() {
        let roots = vec!["data".to_string(), "data/mail".to_string(), "x.txt".into()];
        assert_eq!(store_of(&roots, "data/a.txt"), Some("data"));
        assert_eq!(store_of(&roots, "data/mail/b.mbox"), Some("data/mail"));
        assert_eq!(store_of(&roots, "x.txt"), Some("x.txt"));
        assert_eq!(store_of(&roots, "database/c"), None);
    }
}

//! Baselines: the findings known at some point, so later scans show only what is new.
//!
//! A finding's identity is a hash of its keyed fingerprint (rule and normalised value under
//! the fingerprint key), its path relative to the scan root, and its *logical* location: the
//! steps that name things (archive entry, attachment, part, sheet, message id) without the
//! ones that count positions (line, column, page, row, cell, message index). Moving text
//! around in a file keeps identities; a new value anywhere is a new identity. Each identity
//! has a count, so a second copy of a known value in the same place is reported.
//!
//! The file is JSON (`docs/baseline.schema.json`) and holds no value, path or location in
//! the clear: only identities, rule ids and counts.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::location::{Location, Step};
use crate::report::fingerprint::Fingerprinter;
use crate::report::Tool;

/// The `format` field of a baseline file.
pub const FORMAT: &str = "sporhund-baseline";
/// The version of the baseline format this build reads and writes.
pub const VERSION: u32 = 1;

const IDENTITY_CONTEXT: &str = "sporhund 2026 baseline finding identity v1";
const KEY_CHECK_RULE: &str = "sporhund.baseline.key-check";

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// A fingerprint of a fixed string under the key used, to tell a baseline written with
    /// another key from one that simply has no matches.
    pub key_check: String,
    /// The tool that wrote it.
    pub tool: Tool,
    /// RFC 3339 UTC time it was written.
    pub created_at: String,
    /// Known findings, ordered by identity.
    pub findings: Vec<BaselineEntry>,
}

/// One known finding identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// [`identity`] of the finding.
    pub id: String,
    /// The rule id (for people reading the file).
    pub rule: String,
    /// How many findings had this identity.
    pub count: u32,
}

/// The value of [`BaselineFile::key_check`] under `fingerprinter`'s key.
pub fn key_check(fingerprinter: &Fingerprinter) -> String {
    fingerprinter.fingerprint(KEY_CHECK_RULE, "")
}

/// The identity of a finding: see the module docs.
pub fn identity(fingerprint: &str, relative_path: &str, location: &Location) -> String {
    let logical = Location(location.steps().iter().filter_map(logical_step).collect());
    let logical = serde_json::to_string(&logical).expect("locations serialise");
    let mut h = blake3::Hasher::new_derive_key(IDENTITY_CONTEXT);
    for part in [fingerprint, relative_path, &logical] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_hex()[..32].to_string()
}

/// A step without its positional parts; `None` for steps that are only a position.
fn logical_step(step: &Step) -> Option<Step> {
    match step {
        Step::Line { .. } | Step::Page { .. } | Step::Record { .. } => None,
        Step::Cell { sheet, .. } => Some(Step::Cell {
            sheet: sheet.clone(),
            cell: String::new(),
        }),
        Step::Message {
            message_id: Some(id),
            ..
        } => Some(Step::Message {
            index: None,
            message_id: Some(id.clone()),
            date: None,
            from: None,
            subject: None,
            // Moving a message to another folder does not make its findings new.
            folder: None,
        }),
        Step::Message {
            message_id: None,
            date,
            from,
            subject,
            ..
        } => Some(Step::Message {
            index: None,
            message_id: None,
            date: date.clone(),
            from: from.clone(),
            subject: subject.clone(),
            folder: None,
        }),
        Step::Entry { .. } | Step::Attachment { .. } | Step::Part { .. } => Some(step.clone()),
    }
}

/// A loaded baseline: how many findings of each identity are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    counts: HashMap<String, u32>,
}

impl Baseline {
    /// Reads a baseline written under the same fingerprint key (`key_check`).
    pub fn load(path: &Path, key_check: &str) -> Result<Baseline, String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
        Baseline::parse(&text, &name, key_check)
    }

    /// Parses baseline text; `name` names it in errors.
    pub fn parse(text: &str, name: &str, key_check: &str) -> Result<Baseline, String> {
        let file: BaselineFile = serde_json::from_str(text)
            .map_err(|e| format!("{name}: not a sporhund baseline: {e}"))?;
        if file.format != FORMAT || file.version != VERSION {
            return Err(format!(
                "{name}: unsupported baseline format {:?} version {} (this build reads {FORMAT:?} \
                 version {VERSION})",
                file.format, file.version
            ));
        }
        if file.key_check != key_check {
            return Err(format!(
                "{name}: written with a different fingerprint key; set SPORHUND_FINGERPRINT_KEY \
                 to the key used then"
            ));
        }
        let mut counts = HashMap::new();
        for e in file.findings {
            let n: &mut u32 = counts.entry(e.id).or_default();
            *n = n.saturating_add(e.count);
        }
        Ok(Baseline { counts })
    }
}

/// Writes a baseline file (via a temporary file renamed into place).
pub fn write(path: &Path, key_check: &str, findings: Vec<BaselineEntry>) -> Result<(), String> {
    let file = BaselineFile {
        format: FORMAT.into(),
        version: VERSION,
        key_check: key_check.into(),
        tool: Tool::current(),
        created_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        findings,
    };
    let name = path.display();
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let write = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        serde_json::to_writer_pretty(&mut out, &file)?;
        out.write_all(b"\n")?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| format!("{name}: {e}"))
}

/// Per-scan baseline state: what is still unaccounted for in the baseline, and what this
/// scan would record.
#[derive(Debug, Default)]
pub struct Tracker {
    remaining: HashMap<String, u32>,
    recorded: Option<BTreeMap<String, BaselineEntry>>,
}

impl Tracker {
    /// Hides the findings of `known`; records every finding when `record`.
    pub fn new(known: Option<&Baseline>, record: bool) -> Self {
        Tracker {
            remaining: known.map(|b| b.counts.clone()).unwrap_or_default(),
            recorded: record.then(BTreeMap::new),
        }
    }

    /// Counts a finding; `false` when the baseline already knows it (one known copy is used
    /// up per call, so extra copies are new).
    pub fn admit(&mut self, id: String, rule: &str) -> bool {
        let known = match self.remaining.get_mut(&id) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        };
        if let Some(recorded) = &mut self.recorded {
            let entry = recorded.entry(id.clone()).or_insert_with(|| BaselineEntry {
                id,
                rule: rule.to_string(),
                count: 0,
            });
            entry.count = entry.count.saturating_add(1);
        }
        !known
    }

    /// The entries to write when recording, ordered by identity.
    pub fn into_recorded(self) -> Option<Vec<BaselineEntry>> {
        self.recorded.map(|r| r.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(steps: Vec<Step>) -> Location {
        Location(steps)
    }

    fn line(line: u64, column: u64) -> Step {
        Step::Line { line, column }
    }

    #[test]
    fn identity_ignores_positions_but_not_names() {
        let id = |loc: Location| identity("fp1", "a/b.txt", &loc);
        assert_eq!(id(at(vec![line(1, 1)])), id(at(vec![line(40, 7)])));
        assert_eq!(id(at(vec![line(1, 1)])), id(Location::root()));
        let entry = |name: &str| Step::Entry { name: name.into() };
        assert_eq!(
            id(at(vec![entry("x.txt"), line(1, 1)])),
            id(at(vec![entry("x.txt"), line(9, 2)]))
        );
        assert_ne!(id(at(vec![entry("x.txt")])), id(at(vec![entry("y.txt")])));
        let cell = |sheet: &str, cell: &str| Step::Cell {
            sheet: sheet.into(),
            cell: cell.into(),
        };
        assert_eq!(
            id(at(vec![cell("Ark1", "B2")])),
            id(at(vec![cell("Ark1", "C9")]))
        );
        assert_ne!(
            id(at(vec![cell("Ark1", "B2")])),
            id(at(vec![cell("Ark2", "B2")]))
        );
        assert_eq!(
            id(at(vec![Step::Page { page: 1 }])),
            id(at(vec![Step::Page { page: 3 }]))
        );
        let message = |index: u64, message_id: &str| Step::Message {
            index: Some(index),
            message_id: Some(message_id.into()),
            date: None,
            from: None,
            subject: Some("s".into()),
            folder: None,
        };
        assert_eq!(
            id(at(vec![message(1, "m@x")])),
            id(at(vec![message(5, "m@x")]))
        );
        assert_ne!(
            id(at(vec![message(1, "m@x")])),
            id(at(vec![message(1, "n@x")]))
        );
        // Other value (fingerprint) or other file: other identity.
        assert_ne!(
            id(Location::root()),
            identity("fp2", "a/b.txt", &Location::root())
        );
        assert_ne!(
            id(Location::root()),
            identity("fp1", "a/c.txt", &Location::root())
        );
        assert_eq!(id(Location::root()).len(), 32);
    }

    #[test]
    fn tracker_hides_known_copies_and_records_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        let mut first = Tracker::new(None, true);
        assert!(first.admit("a".into(), "no.fnr"));
        assert!(first.admit("b".into(), "no.email"));
        write(&path, "k", first.into_recorded().unwrap()).unwrap();

        let known = Baseline::load(&path, "k").unwrap();
        let mut next = Tracker::new(Some(&known), true);
        assert!(!next.admit("a".into(), "no.fnr"), "known");
        assert!(next.admit("a".into(), "no.fnr"), "a second copy is new");
        assert!(next.admit("c".into(), "no.fnr"), "new identity");
        assert!(!next.admit("b".into(), "no.email"));
        let recorded = next.into_recorded().unwrap();
        let counts: Vec<(&str, u32)> = recorded.iter().map(|e| (e.id.as_str(), e.count)).collect();
        assert_eq!(counts, [("a", 2), ("b", 1), ("c", 1)]);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,300}") {
            let _ = Baseline::parse(&text, "b.json", "k");
        }

        #[test]
        fn parse_never_panics_on_near_baselines(count in proptest::num::u64::ANY, id in "\\PC{0,40}") {
            let text = format!(
                r#"{{"format":"sporhund-baseline","version":1,"key_check":"k","tool":{{"name":"sporhund","version":"0"}},"created_at":"x","findings":[{{"id":{id:?},"rule":"r","count":{count}}},{{"id":{id:?},"rule":"r","count":4294967295}}]}}"#
            );
            let _ = Baseline::parse(&text, "b.json", "k");
        }
    }

    #[test]
    fn load_rejects_other_keys_and_formats() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        write(&path, "k1", vec![]).unwrap();
        let e = Baseline::load(&path, "k2").unwrap_err();
        assert!(e.contains("different fingerprint key"), "{e}");
        std::fs::write(&path, "{\"format\":\"other\"}").unwrap();
        let e = Baseline::load(&path, "k1").unwrap_err();
        assert!(e.contains("not a sporhund baseline"), "{e}");
        let e = Baseline::load(&dir.path().join("missing.json"), "k1").unwrap_err();
        assert!(e.contains("missing.json"), "{e}");
    }
}

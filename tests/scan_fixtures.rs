//! Scans `fixtures/` with the real binary and compares every finding with
//! `fixtures/expected.json`. Document fixtures (`fixtures/documents/`, PDF, spreadsheets,
//! Office files, archives) have their own generators and tests (`tests/formats_*.rs`) and are
//! left out here.
//!
//! The expectations are written by `fixtures/make_fixtures.py` from the texts it generates
//! (each value's rule, kind, line and column), never from running sporhund. A missing finding
//! and an extra finding both fail, with a per-file diff. Current deviations of the engine from
//! the spec are listed in expected.json under `known_engine_issues`: they are tolerated, and a
//! known issue that no longer occurs fails the test too, so the list cannot go stale.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use common::{line_column, run, s, scan_json, sporhund};
use serde_json::Value;

/// One finding as compared: file (relative to fixtures/), rule, kind, line, column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    file: String,
    line: u64,
    column: u64,
    rule: String,
    kind: String,
}

impl Key {
    fn from_expected(file: &str, e: &Value) -> Key {
        Key {
            file: file.to_string(),
            line: e["line"].as_u64().expect("line"),
            column: e["column"].as_u64().expect("column"),
            rule: s(e, "rule").to_string(),
            kind: s(e, "kind").to_string(),
        }
    }

    fn show(&self) -> String {
        let kind = if self.kind.is_empty() {
            String::new()
        } else {
            format!("/{}", self.kind)
        };
        format!("{}:{} {}{}", self.line, self.column, self.rule, kind)
    }
}

fn expected() -> Value {
    let path = common::root().join("fixtures/expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run python3 fixtures/make_fixtures.py)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("fixtures/expected.json is JSON")
}

/// A finding of the report as a key, with a description for messages.
fn actual_key(f: &Value) -> (Key, String) {
    let path = s(f, "path");
    let file = path
        .strip_prefix("fixtures/")
        .unwrap_or_else(|| panic!("finding outside fixtures/: {path}"));
    let (line, column) = line_column(f)
        .unwrap_or_else(|| panic!("{path}: expected a single line step, got {}", f["location"]));
    let key = Key {
        file: file.to_string(),
        line,
        column,
        rule: s(f, "rule").to_string(),
        kind: s(f, "kind").to_string(),
    };
    let about = format!(
        "value {:?}, confidence {}, context {:?}",
        s(f, "value"),
        f["confidence"],
        s(f, "context")
    );
    (key, about)
}

/// Multiset difference `a − b`.
fn minus(a: &[Key], b: &[Key]) -> Vec<Key> {
    let mut rest: Vec<Key> = b.to_vec();
    let mut out = Vec::new();
    for k in a {
        match rest.iter().position(|r| r == k) {
            Some(i) => {
                rest.swap_remove(i);
            }
            None => out.push(k.clone()),
        }
    }
    out
}

/// The folders with their own expectations: document fixtures (tested by
/// `tests/formats_*.rs`) and the subject-search store (tests/find.rs).
const OWN_EXPECTATIONS: [&str; 2] = ["documents", "subjects"];

fn relative_files(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            if OWN_EXPECTATIONS.iter().any(|d| path == base.join(d)) {
                continue;
            }
            relative_files(&path, base, out);
        } else {
            let rel = path.strip_prefix(base).unwrap().to_string_lossy();
            out.insert(rel.replace('\\', "/"));
        }
    }
}

#[test]
fn every_fixture_file_has_expectations() {
    let fixtures = common::root().join("fixtures");
    let mut on_disk = BTreeSet::new();
    relative_files(&fixtures, &fixtures, &mut on_disk);
    let listed: BTreeSet<String> = expected()["files"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    assert!(
        missing.is_empty() && unlisted.is_empty(),
        "fixtures/ and expected.json disagree (run python3 fixtures/make_fixtures.py; \
         ignorert.txt is git-ignored on purpose, commit it with git add -f)\n\
         listed but not on disk: {missing:?}\non disk but not listed: {unlisted:?}"
    );
}

#[test]
fn scan_reports_exactly_the_expected_findings() {
    let exp = expected();
    let files = exp["files"].as_object().unwrap();

    let mut want: Vec<Key> = Vec::new();
    let mut notes: BTreeMap<Key, String> = BTreeMap::new();
    let mut want_skipped: BTreeMap<String, String> = BTreeMap::new();
    for (file, spec) in files {
        if let Some(reason) = spec["skipped"].as_str() {
            want_skipped.insert(format!("fixtures/{file}"), reason.to_string());
            continue;
        }
        for e in spec["findings"].as_array().unwrap() {
            let k = Key::from_expected(file, e);
            notes.insert(k.clone(), s(e, "note").to_string());
            want.push(k);
        }
    }
    // Known engine issues: a "missing" one is not reported today, an "extra" one is.
    let mut known_missing = Vec::new();
    let mut known_extra = Vec::new();
    let mut issue_text: BTreeMap<Key, String> = BTreeMap::new();
    for i in exp["known_engine_issues"].as_array().unwrap() {
        let k = Key::from_expected(s(i, "file"), i);
        issue_text.insert(k.clone(), s(i, "issue").to_string());
        match s(i, "type") {
            "missing" => known_missing.push(k),
            "extra" => known_extra.push(k),
            t => panic!("unknown issue type {t:?}"),
        }
    }
    let mut today = minus(&want, &known_missing);
    today.extend(known_extra.iter().cloned());

    let (code, report) = scan_json([
        "fixtures",
        "--exclude",
        "fixtures/documents",
        "--exclude",
        "fixtures/subjects",
    ]);
    assert_eq!(code, Some(1), "findings in fixtures/ must give exit code 1");
    let mut got = Vec::new();
    let mut about: BTreeMap<Key, String> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let (k, a) = actual_key(f);
        about.insert(k.clone(), a);
        got.push(k);
    }

    let extra = minus(&got, &today);
    let missing = minus(&today, &got);
    if !extra.is_empty() || !missing.is_empty() {
        let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for k in &missing {
            let line = if known_extra.contains(k) {
                format!(
                    "  FIXED?   {}  known false positive no longer reported: {} \
                     (remove it from make_fixtures.py)",
                    k.show(),
                    issue_text[k]
                )
            } else {
                let note = notes.get(k).map(String::as_str).unwrap_or("");
                format!("  MISSING  {}  {note}", k.show())
            };
            by_file.entry(&k.file).or_default().push(line);
        }
        for k in &extra {
            let line = if known_missing.contains(k) {
                format!(
                    "  FIXED?   {}  known miss is now found: {} (remove it from \
                     make_fixtures.py)",
                    k.show(),
                    issue_text[k]
                )
            } else {
                format!("  EXTRA    {}  {}", k.show(), about[k])
            };
            by_file.entry(&k.file).or_default().push(line);
        }
        let mut msg = format!(
            "`sporhund scan fixtures` differs from fixtures/expected.json: {} missing, {} extra\n",
            missing.len(),
            extra.len()
        );
        for (file, lines) in by_file {
            let _ = writeln!(msg, "fixtures/{file}");
            for l in lines {
                let _ = writeln!(msg, "{l}");
            }
        }
        panic!("{msg}");
    }

    // Every finding has a masked value and the documented shape.
    for f in report["findings"].as_array().unwrap() {
        assert!(f["confidence"].as_f64().unwrap() >= 0.5, "{f}");
        assert_eq!(s(f, "fingerprint").len(), 32, "{f}");
    }

    // The binary file is skipped with its reason; nothing else is skipped or fails.
    let skipped: BTreeMap<String, String> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (s(x, "path").to_string(), s(x, "reason").to_string()))
        .collect();
    assert_eq!(skipped, want_skipped, "skipped files");
    assert_eq!(report["errors"], serde_json::json!([]), "no errors");
    let summary = &report["summary"];
    assert_eq!(summary["complete"], true);
    assert_eq!(
        summary["files_scanned"].as_u64(),
        Some((files.len() - want_skipped.len()) as u64),
        "every text fixture (hidden, git-ignored, every encoding) is scanned"
    );
    assert_eq!(summary["findings"].as_u64(), Some(got.len() as u64));
}

/// Values documented as valid but under the default threshold appear with
/// `--min-confidence 0`, at the documented confidence, and the default findings are still there.
#[test]
fn lower_threshold_reveals_the_documented_low_confidence_values() {
    let exp = expected();
    let (code, report) = scan_json([
        "fixtures",
        "--exclude",
        "fixtures/documents",
        "--exclude",
        "fixtures/subjects",
        "--min-confidence",
        "0",
    ]);
    assert_eq!(code, Some(1));
    let mut got: BTreeMap<Key, f64> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        let (k, _) = actual_key(f);
        got.insert(k, f["confidence"].as_f64().unwrap());
    }
    let (_, default_report) = scan_json([
        "fixtures",
        "--exclude",
        "fixtures/documents",
        "--exclude",
        "fixtures/subjects",
    ]);
    for f in default_report["findings"].as_array().unwrap() {
        let (k, _) = actual_key(f);
        assert!(
            got.contains_key(&k),
            "{} lost at --min-confidence 0",
            k.show()
        );
    }
    let mut problems = Vec::new();
    for (file, spec) in exp["files"].as_object().unwrap() {
        for e in spec["below_default_confidence"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let k = Key::from_expected(file, e);
            let want = e["confidence"].as_f64().unwrap();
            match got.get(&k) {
                Some(c) if (c - want).abs() < 0.005 => {}
                Some(c) => problems.push(format!(
                    "{file} {}: confidence {c}, documented {want} ({})",
                    k.show(),
                    s(e, "note")
                )),
                None => problems.push(format!(
                    "{file} {}: not reported even at --min-confidence 0 ({})",
                    k.show(),
                    s(e, "note")
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The committed fixtures are exactly what the generator writes.
#[test]
fn fixtures_match_their_generator() {
    let python = ["python3", "python"].into_iter().find(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(python) = python else {
        eprintln!("SKIPPED fixtures_match_their_generator: no python3 on PATH");
        return;
    };
    let mut cmd = std::process::Command::new(python);
    cmd.current_dir(common::root());
    let r = run(cmd, ["fixtures/make_fixtures.py", "--check"]);
    r.expect_code(0);
    // The generator and its outputs give no findings themselves (values carry '|' breakers).
    let mut cmd = sporhund();
    cmd.args(["scan", "--format", "json"]);
    let r = run(
        cmd,
        [
            "fixtures/make_fixtures.py",
            "fixtures/README.md",
            "fixtures/expected.json",
        ],
    );
    r.expect_code(0);
}

//! The policy stage through the binary: every way a finding can be hidden (path glob, rule
//! id, hashed value; config in the root or given with --config), baselines (known findings
//! hidden, moved text stays hidden, a new value on an old line and an extra copy are
//! reported, another checkout matches), and that neither file ever holds a raw value.

use crate::common;

use std::fs;
use std::path::Path;

use common::{run, s, sporhund, Run};
use serde_json::Value;
use tempfile::TempDir;

const FNR: &str = "15108695088";
const FNR2: &str = "20036914700";
const ORGNR: &str = "974760673";

/// A temporary tree with the given files (parents created).
fn tree(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// `sporhund <args>` run inside `dir`.
fn sporhund_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = sporhund();
    cmd.current_dir(dir);
    run(cmd, args)
}

/// `sporhund scan . --format json <args>` inside `dir`: the report, after checking the code.
fn scan(dir: &Path, args: &[&str], code: i32) -> Value {
    let mut all = vec!["scan", ".", "--format", "json", "--no-progress"];
    all.extend_from_slice(args);
    let r = sporhund_in(dir, &all);
    r.expect_code(code);
    r.json()
}

/// (path, rule, line) of every finding, in report order.
fn found(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let line = f["location"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["type"] == "line")
                .map_or(0, |s| s["line"].as_u64().unwrap());
            (s(f, "path").to_string(), s(f, "rule").to_string(), line)
        })
        .collect()
}

fn hidden(report: &Value) -> (u64, u64) {
    let summary = &report["summary"];
    (
        summary["hidden_by_allowlist"].as_u64().unwrap(),
        summary["hidden_by_baseline"].as_u64().unwrap(),
    )
}

fn f(path: &str, rule: &str, line: u64) -> (String, String, u64) {
    (path.to_string(), rule.to_string(), line)
}

/// A customer file and a test-data file; the org number is the company's own.
fn sample() -> TempDir {
    tree(&[
        (
            "kunder/kari.txt",
            &format!("Kari: fnr {FNR}, kari@firma.no\nVårt org.nr {ORGNR}\n"),
        ),
        ("testdata/syntetisk.txt", &format!("fnr {FNR2}\n")),
    ])
}

#[test]
fn without_config_everything_is_reported() {
    let d = sample();
    let report = scan(d.path(), &[], 1);
    assert_eq!(
        found(&report),
        [
            f("./kunder/kari.txt", "no.fnr", 1),
            f("./kunder/kari.txt", "email", 1),
            f("./kunder/kari.txt", "no.orgnr", 2),
            f("./testdata/syntetisk.txt", "no.fnr", 1),
        ]
    );
    assert_eq!(hidden(&report), (0, 0));
}

#[test]
fn config_in_the_root_allows_path_globs_and_rules() {
    let d = sample();
    write(
        d.path(),
        "sporhund.toml",
        // The config itself is not scanned (not even a number in a comment).
        &format!("# spør {FNR}\n[allow]\npaths = [\"testdata/**\"]\nrules = [\"email\"]\n"),
    );
    let report = scan(d.path(), &[], 1);
    assert_eq!(
        found(&report),
        [
            f("./kunder/kari.txt", "no.fnr", 1),
            f("./kunder/kari.txt", "no.orgnr", 2)
        ]
    );
    assert_eq!(hidden(&report), (2, 0));
    // The root's config applies whichever way the root is named.
    let root = d.path().to_str().unwrap();
    let r = sporhund_in(
        Path::new("/"),
        &["scan", root, "-f", "json", "--no-progress"],
    );
    assert_eq!(hidden(&r.expect_code(1).json()), (2, 0));
    // --no-config ignores it.
    assert_eq!(hidden(&scan(d.path(), &["--no-config"], 1)), (0, 0));
}

#[test]
fn allow_value_hashes_the_value_and_the_scan_matches_any_spelling() {
    let d = sample();
    // No config yet: a whole new file, with a fresh salt.
    let r = sporhund_in(
        d.path(),
        &[
            "allow-value",
            "974 760 673",
            "--rule",
            "no.orgnr",
            "--note",
            "eget org.nr",
        ],
    );
    r.expect_code(0);
    assert!(r.stderr.contains("does not exist yet"), "{}", r.stderr);
    write(d.path(), "sporhund.toml", &r.stdout);
    let config = fs::read_to_string(d.path().join("sporhund.toml")).unwrap();
    assert!(config.starts_with("[allow]\nvalue_salt = \""), "{config}");
    assert!(config.contains("[[allow.value]]\nrule = \"no.orgnr\"\nhash = \""));
    assert!(config.contains("note = \"eget org.nr\""));
    assert!(
        !config.contains(ORGNR) && !config.contains("974 760"),
        "{config}"
    );

    // Written without spaces in the file, with spaces on the command line: same value.
    let report = scan(d.path(), &[], 1);
    assert_eq!(
        found(&report),
        [
            f("./kunder/kari.txt", "no.fnr", 1),
            f("./kunder/kari.txt", "email", 1),
            f("./testdata/syntetisk.txt", "no.fnr", 1),
        ]
    );
    assert_eq!(hidden(&report), (1, 0));

    // With the config in place, the command uses its salt and prints only the entry; a value
    // from standard input stays out of the command line.
    let mut cmd = sporhund();
    cmd.current_dir(d.path())
        .args(["allow-value", "-", "--rule", "no.fnr"]);
    let out = {
        use std::io::Write;
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{FNR2}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert_eq!(out.status.code(), Some(0));
    let entry = String::from_utf8(out.stdout).unwrap();
    assert!(
        entry.starts_with("\n[[allow.value]]\nrule = \"no.fnr\"\nhash = \""),
        "{entry}"
    );
    assert!(!entry.contains(FNR2));
    fs::write(d.path().join("sporhund.toml"), config + &entry).unwrap();
    let report = scan(d.path(), &[], 1);
    assert_eq!(
        found(&report),
        [
            f("./kunder/kari.txt", "no.fnr", 1),
            f("./kunder/kari.txt", "email", 1)
        ]
    );
    assert_eq!(hidden(&report), (2, 0));

    // A value no rule accepts, or not for the rule asked for: usage error.
    sporhund_in(d.path(), &["allow-value", "12345"]).expect_code(2);
    sporhund_in(d.path(), &["allow-value", FNR, "--rule", "no.orgnr"]).expect_code(2);
}

#[test]
fn explicit_config_replaces_the_roots_and_bad_configs_are_usage_errors() {
    let d = sample();
    write(d.path(), "sporhund.toml", "[allow]\nrules = [\"no.fnr\"]\n");
    let elsewhere = tree(&[(
        "policy.toml",
        "[allow]\nrules = [\"email\", \"no.orgnr\"]\n",
    )]);
    let config = elsewhere.path().join("policy.toml");
    let report = scan(d.path(), &["--config", config.to_str().unwrap()], 1);
    assert_eq!(
        found(&report),
        [
            f("./kunder/kari.txt", "no.fnr", 1),
            f("./testdata/syntetisk.txt", "no.fnr", 1),
        ]
    );
    assert_eq!(hidden(&report), (2, 0));

    let r = sporhund_in(d.path(), &["scan", ".", "--config", "missing.toml"]);
    r.expect_code(2);
    assert!(r.stderr.contains("missing.toml"), "{}", r.stderr);

    write(
        d.path(),
        "sporhund.toml",
        "[allow]\nrules = [\"no.fnr\"\npaths = []\n",
    );
    let r = sporhund_in(d.path(), &["scan", "."]);
    r.expect_code(2);
    assert!(r.stderr.contains("sporhund.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("line 3, column 1"), "{}", r.stderr);
    assert!(r.stderr.contains("missing comma"), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    write(d.path(), "sporhund.toml", "[allow]\npath = [\"x\"]\n");
    let r = sporhund_in(d.path(), &["scan", "."]);
    r.expect_code(2);
    assert!(r.stderr.contains("line 2, column 1"), "{}", r.stderr);
    assert!(r.stderr.contains("unknown field `path`"), "{}", r.stderr);
}

#[test]
fn baseline_hides_known_findings_and_reports_what_is_new() {
    let d = tree(&[("a.txt", &format!("Kari: fnr {FNR}\nkari@firma.no\nslutt\n"))]);
    let base_dir = tempfile::tempdir().unwrap();
    let baseline = base_dir.path().join("baseline.json");
    let baseline_arg = baseline.to_str().unwrap();
    let first = scan(d.path(), &["--write-baseline", baseline_arg], 1);
    assert_eq!(found(&first).len(), 2);

    // The baseline holds identities and rule ids only.
    let text = fs::read_to_string(&baseline).unwrap();
    for raw in [FNR, "kari@firma.no", "kari", "a.txt"] {
        assert!(!text.contains(raw), "{raw} in {text}");
    }
    let file: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["format"], "sporhund-baseline");
    assert_eq!(file["version"], 1);
    let rules: Vec<(&str, u64)> = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (s(e, "rule"), e["count"].as_u64().unwrap()))
        .collect();
    let mut sorted = rules.clone();
    sorted.sort();
    assert_eq!(sorted, [("email", 1), ("no.fnr", 1)]);

    // `a.txt` rewritten, then scanned against the baseline.
    let rescan = |text: &str, code: i32| {
        write(d.path(), "a.txt", text);
        scan(d.path(), &["--baseline", baseline_arg], code)
    };

    // Unchanged: nothing to report, exit 0.
    let again = rescan(&format!("Kari: fnr {FNR}\nkari@firma.no\nslutt\n"), 0);
    assert_eq!(found(&again), []);
    assert_eq!(hidden(&again), (0, 2));

    // Text moved around (lines inserted above, lines swapped): still known.
    let moved = rescan(
        &format!("Ny innledning\n\nkari@firma.no\nslutt\nKari:   fnr {FNR}\n"),
        0,
    );
    assert_eq!(found(&moved), []);
    assert_eq!(hidden(&moved), (0, 2));

    // A new value on an old line is reported, the old one on it stays hidden.
    let new_value = rescan(
        &format!("Ny innledning\n\nkari@firma.no\nslutt\nKari:   fnr {FNR}, ektefelle {FNR2}\n"),
        1,
    );
    assert_eq!(found(&new_value), [f("./a.txt", "no.fnr", 5)]);
    assert_eq!(
        new_value["findings"][0]["value"], "*********00",
        "the new number, not the known one"
    );
    assert_eq!(hidden(&new_value), (0, 2));

    // A second copy of a known value in the same file is reported once.
    let copies = rescan(&format!("kari@firma.no\nfnr {FNR}\nkopi: fnr {FNR}\n"), 1);
    assert_eq!(found(&copies), [f("./a.txt", "no.fnr", 3)]);
    assert_eq!(hidden(&copies), (0, 2));

    // The known value in another file is new there.
    write(d.path(), "b.txt", &format!("fnr {FNR}\n"));
    let other_file = scan(d.path(), &["--baseline", baseline_arg], 1);
    assert_eq!(
        found(&other_file),
        [f("./a.txt", "no.fnr", 3), f("./b.txt", "no.fnr", 1)]
    );
}

#[test]
fn baseline_matches_another_checkout_but_not_another_key() {
    let text = format!("fnr {FNR}\n");
    let one = tree(&[("repo/src/a.txt", &text)]);
    let two = tree(&[("elsewhere/checkout/src/a.txt", &text)]);
    let base_dir = tempfile::tempdir().unwrap();
    let baseline = base_dir.path().join("b.json");
    let b = baseline.to_str().unwrap();
    let root_one = one.path().join("repo");
    let root_two = two.path().join("elsewhere/checkout");
    let args = |root: &Path, flag: &str| {
        vec![
            "scan".to_string(),
            root.to_str().unwrap().to_string(),
            "--format".into(),
            "json".into(),
            flag.into(),
            b.into(),
        ]
    };
    run(sporhund(), args(&root_one, "--write-baseline")).expect_code(1);
    let r = run(sporhund(), args(&root_two, "--baseline"));
    assert_eq!(hidden(&r.expect_code(0).json()), (0, 1));

    let mut other_key = sporhund();
    other_key.env("SPORHUND_FINGERPRINT_KEY", "another key");
    let r = run(other_key, args(&root_two, "--baseline"));
    r.expect_code(2);
    assert!(
        r.stderr.contains("different fingerprint key"),
        "{}",
        r.stderr
    );
    let r = run(
        sporhund(),
        args(&root_two, "--baseline").iter().map(|a| {
            if a == b {
                "/nonexistent/b.json".to_string()
            } else {
                a.clone()
            }
        }),
    );
    r.expect_code(2);
}

#[test]
fn allowlist_and_baseline_together() {
    let d = sample();
    write(d.path(), "sporhund.toml", "[allow]\nrules = [\"email\"]\n");
    // A baseline inside the scanned tree is not scanned itself.
    let b = "b.json";
    let first = scan(d.path(), &["--write-baseline", b], 1);
    assert_eq!(hidden(&first), (1, 0));
    write(d.path(), "ny.txt", &format!("fnr {FNR}\nola@firma.no\n"));
    let next = scan(d.path(), &["--baseline", b], 1);
    assert_eq!(found(&next), [f("./ny.txt", "no.fnr", 1)]);
    assert_eq!(hidden(&next), (2, 3));
    let human = sporhund_in(d.path(), &["scan", ".", "--baseline", b, "--no-progress"]);
    assert!(
        human
            .expect_code(1)
            .stdout
            .contains("Not reported: 2 allowlisted (sporhund.toml), 3 already in the baseline."),
        "{}",
        human.stdout
    );
}

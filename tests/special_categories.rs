//! Special categories (GDPR art. 9/10): a scan of `fixtures/documents/special/` (written by
//! its `make_special.py`, bokmål and nynorsk, text, CSV and xlsx) reports exactly the findings
//! in its expected.json — rule, kind, severity, location, and for keyword findings the
//! identifier they are paired with — and `--fail-on` decides the exit code.

use crate::common;
use crate::documents;

use common::{run, s, scan_json, sporhund};
use serde_json::{json, Value};

const DIR: &str = "fixtures/documents/special";

/// What is compared of a finding.
fn key(f: &Value) -> String {
    let related = match f.get("related") {
        Some(r) => json!({"rule": r["rule"], "location": r["location"]}),
        None => Value::Null,
    };
    format!(
        "{} {} {} at {} paired with {}",
        s(f, "rule"),
        f.get("kind").and_then(Value::as_str).unwrap_or(""),
        s(f, "severity"),
        f["location"],
        related
    )
}

fn sorted_keys(list: &Value) -> Vec<String> {
    let mut keys: Vec<String> = list.as_array().expect("list").iter().map(key).collect();
    keys.sort();
    keys
}

#[test]
fn fixtures_give_exactly_the_expected_findings() {
    let expected = documents::expected(DIR);
    let files = expected["files"].as_object().expect("files");
    assert_eq!(files.len(), 5);
    for (file, want) in files {
        let mut args: Vec<String> = want["args"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        args.push(format!("{DIR}/{file}"));
        let (code, report) = scan_json(args);
        assert_eq!(code, Some(1), "{file}");
        let got = sorted_keys(&report["findings"]);
        let wanted = sorted_keys(&want["findings"]);
        let missing: Vec<_> = wanted.iter().filter(|k| !got.contains(k)).collect();
        let extra: Vec<_> = got.iter().filter(|k| !wanted.contains(k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty() && got.len() == wanted.len(),
            "{file}:\nmissing {missing:#?}\nextra {extra:#?}"
        );
    }
}

/// A name alone identifies the person in a record (a CSV row, a sheet row, a message) by
/// default, in running text only with `--names-everywhere`; the name is masked in the snippet.
#[test]
fn names_pair_in_records_by_default_and_in_running_text_when_asked() {
    let (code, report) = scan_json([format!("{DIR}/navn.txt")]);
    assert_eq!(code, Some(1));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| s(f, "rule"))
        .collect();
    assert_eq!(rules, ["no.fnr", "no.special.health"]);
    let (_, report) = scan_json(["--names-everywhere", &format!("{DIR}/navn.txt")]);
    let first = &report["findings"][0];
    assert_eq!(s(first, "value"), "******dt");
    assert_eq!(first["related"]["rule"], "no.person_name");
    assert_eq!(first["related"]["category"], "person_name");
    assert_eq!(s(&first["related"], "fingerprint").len(), 32);
    let context = s(first, "context");
    assert!(
        !context.contains("Kari") && !context.contains("Nordmann"),
        "{context}"
    );
    let (_, shown) = scan_json([
        "--names-everywhere",
        "--show-values",
        &format!("{DIR}/navn.txt"),
    ]);
    assert!(s(&shown["findings"][0], "context").contains("Kari Nordmann"));
    // In the CSV the name column pairs with the remark of its own row only.
    let (_, report) = scan_json([format!("{DIR}/personer.csv")]);
    let union = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| s(f, "kind") == "trade_union" && f["related"]["rule"] == "no.person_name")
        .expect("Ola Hansen's union membership");
    assert_eq!(union["location"][0]["row"], 3);
    assert_eq!(union["related"]["location"][0]["column"], 1);
    assert_eq!(s(union, "severity"), "medium");
}

#[test]
fn every_class_is_covered_in_both_written_standards() {
    let expected = documents::expected(DIR);
    let classes = |file: &str| -> Vec<String> {
        let mut k: Vec<String> = expected["files"][file]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| s(f, "rule").starts_with("no.special."))
            .map(|f| s(f, "kind").to_string())
            .collect();
        k.sort();
        k.dedup();
        k
    };
    let all = [
        "biometric",
        "criminal_record",
        "ethnic_origin",
        "genetic",
        "health",
        "political_opinion",
        "religion",
        "sex_life",
        "trade_union",
    ];
    assert_eq!(classes("bokmaal.txt"), all);
    assert_eq!(classes("nynorsk.txt"), all);
}

#[test]
fn keyword_findings_are_masked_and_fingerprinted_with_their_identifier() {
    let (_, report) = scan_json([format!("{DIR}/personer.csv")]);
    let findings = report["findings"].as_array().unwrap();
    let health = findings
        .iter()
        .find(|f| s(f, "kind") == "health")
        .expect("a health finding");
    assert_eq!(s(health, "value"), "******dt");
    let fnr = findings
        .iter()
        .find(|f| f["location"] == health["related"]["location"] && s(f, "rule") == "no.fnr")
        .expect("the paired fnr is a finding of its own");
    assert_eq!(health["related"]["fingerprint"], fnr["fingerprint"]);
    assert_ne!(health["fingerprint"], fnr["fingerprint"]);
}

#[test]
fn fail_on_counts_only_findings_at_or_above_the_severity() {
    let code = |args: &[&str]| {
        let mut cmd = sporhund();
        cmd.args(["scan", "--no-progress", "--format", "json"]);
        run(cmd, args).code
    };
    let csv = format!("{DIR}/personer.csv");
    let email_only = "fixtures/kontakt";
    // personer.csv has a critical pair (fnr + health).
    assert_eq!(code(&[&csv]), Some(1));
    assert_eq!(code(&["--fail-on", "critical", &csv]), Some(1));
    // The contact fixtures hold e-mail and phone findings, none high or above.
    assert_eq!(code(&["--fail-on", "medium", email_only]), Some(1));
    assert_eq!(code(&["--fail-on", "high", email_only]), Some(0));
    assert_eq!(code(&["--fail-on", "critical", email_only]), Some(0));
    assert_eq!(code(&["--fail-on", "severe", email_only]), Some(2));
}

#[test]
fn human_report_says_what_a_keyword_was_paired_with() {
    let mut cmd = sporhund();
    cmd.args(["scan", "--no-progress"]);
    let r = run(cmd, [format!("{DIR}/personer.csv")]);
    r.expect_code(1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("special_category (health)"))
        .expect("a health finding");
    assert!(
        lines[at].starts_with("  row 2, column 4 critical"),
        "{}",
        lines[at]
    );
    assert_eq!(
        lines[at + 1].trim(),
        "paired with national_id at row 2, column 2"
    );
}

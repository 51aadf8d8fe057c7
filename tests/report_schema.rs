//! The JSON report contract: real reports from the binary, and a report holding every kind of
//! location step, validate against docs/report.schema.json; JSON Lines records validate
//! against its `jsonl_line` definition.

use std::process::Command;

use serde_json::{json, Value};
use sporhund::detect::Severity;
use sporhund::location::{Location, Step};
use sporhund::report::json::JsonLinesWriter;
use sporhund::report::{
    Collector, FileError, Finding, Header, ReportSink, Skipped, Summary, Tool, SCHEMA_VERSION,
};

fn schema() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/report.schema.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn assert_valid(schema: &Value, instance: &Value) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "schema errors: {errors:#?}\n{instance:#}"
    );
}

fn line_schema() -> Value {
    let s = schema();
    json!({"$ref": "#/$defs/jsonl_line", "$defs": s["$defs"].clone()})
}

fn sporhund(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sporhund"))
        .args(args)
        .env("SPORHUND_FINGERPRINT_KEY", "schema-test")
        .env("SPORHUND_STATE_DIR", env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn sample_tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("a.txt"),
        "Fødselsnummer: 15108695088\nkari@firma.no, tlf 912 34 567\n",
    )
    .unwrap();
    std::fs::write(d.path().join("b.bin"), [0u8, 1, 2, 3, 0, 0, 7, 8]).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", d.path().join("broken")).unwrap();
    d
}

#[test]
fn json_report_from_the_binary_is_valid() {
    let d = sample_tree();
    let path = d.path().to_str().unwrap();
    let (code, out) = sporhund(&["scan", path, "--format", "json", "--follow-symlinks"]);
    assert_eq!(code, 4, "findings plus an unreadable link: {out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["schema_version"], SCHEMA_VERSION);
    assert_eq!(report["findings"].as_array().unwrap().len(), 3);
    assert_eq!(report["errors"].as_array().unwrap().len(), 1);
    assert_eq!(report["skipped"].as_array().unwrap().len(), 1);
    assert_valid(&schema(), &report);

    // The schema is strict enough to catch a broken contract.
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let mut broken = report.clone();
    broken["findings"][0]["severity"] = json!("severe");
    assert!(!validator.is_valid(&broken));
    let mut broken = report.clone();
    broken["findings"][0]["location"][0] = json!({"type": "line", "line": 0, "column": 1});
    assert!(!validator.is_valid(&broken));
    let mut broken = report;
    broken["summary"]["surprise"] = json!(1);
    assert!(!validator.is_valid(&broken));
}

#[test]
fn jsonl_records_are_valid() {
    let d = sample_tree();
    let path = d.path().to_str().unwrap();
    let (_, out) = sporhund(&["scan", path, "--format", "jsonl", "--follow-symlinks"]);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.first().unwrap()["type"], "header");
    assert_eq!(lines.last().unwrap()["type"], "summary");
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    for t in ["finding", "error", "skipped"] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    let s = line_schema();
    for l in &lines {
        assert_valid(&s, l);
    }
}

#[test]
fn cached_and_merged_reports_are_valid() {
    let d = sample_tree();
    let path = d.path().to_str().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path().to_str().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for (i, format) in ["json", "jsonl"].iter().enumerate() {
        let (_, report) = sporhund(&["scan", path, "--format", format, "--cache-dir", cache]);
        let file = out.path().join(format!("r{i}.{format}"));
        std::fs::write(&file, &report).unwrap();
        reports.push(file.to_str().unwrap().to_string());
    }
    let second = std::fs::read_to_string(&reports[1]).unwrap();
    let summary: Value = serde_json::from_str(second.lines().last().unwrap()).unwrap();
    assert_eq!(
        summary["summary"]["files_from_cache"], 1,
        "a.txt from the cache"
    );
    let s = line_schema();
    for l in second.lines() {
        assert_valid(&s, &serde_json::from_str(l).unwrap());
    }
    let mut args = vec!["merge", "--format", "json"];
    args.extend(reports.iter().map(String::as_str));
    let (code, merged) = sporhund(&args);
    assert_eq!(code, 1, "{merged}");
    let merged: Value = serde_json::from_str(&merged).unwrap();
    assert_eq!(merged["findings"].as_array().unwrap().len(), 6);
    assert_valid(&schema(), &merged);
}

/// Later formats produce these steps; the contract must already accept every one, and the
/// `--group-by message` list in JSON and JSONL.
#[test]
fn every_location_step_and_message_groups_are_in_the_schema() {
    let location = Location::root()
        .child(Step::Entry {
            name: "arkiv/post.zip".into(),
        })
        .child(Step::Message {
            index: Some(3),
            message_id: Some("abc@firma.no".into()),
            date: Some("Mon, 1 Jan 2024 10:00:00 +0100".into()),
            from: Some("Kari <kari@firma.no>".into()),
            subject: Some("Sykmelding".into()),
            folder: Some("Innboks/Jobbsøknader".into()),
        })
        .child(Step::Attachment {
            filename: "cv.pdf".into(),
        })
        .child(Step::Part {
            name: "comments".into(),
        })
        .child(Step::Page { page: 2 })
        .child(Step::Cell {
            sheet: "Ansatte".into(),
            cell: "B7".into(),
        })
        .child(Step::Record { row: 4, column: 2 })
        .child(Step::Line { line: 1, column: 1 });
    let header = Header {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool::current(),
        roots: vec![".".into()],
        started_at: "2026-11-29T10:00:00Z".into(),
    };
    let mut c = Collector::new(header.clone()).grouping_by_message();
    let mut lines = Vec::new();
    let mut jsonl = JsonLinesWriter::new(&mut lines, &header)
        .unwrap()
        .grouping_by_message();
    let finding = Finding {
        rule: "no.fnr".into(),
        category: "national_id".into(),
        kind: Some("fnr".into()),
        severity: Severity::High,
        confidence: 0.95,
        path: "x".into(),
        location: location.clone(),
        value: "*********88".into(),
        fingerprint: "0123456789abcdef0123456789abcdef".into(),
        context: "fnr *********88".into(),
        related: None,
    };
    let mut summary = Summary::default();
    summary.add_finding(&finding);
    jsonl.finding(finding.clone()).unwrap();
    c.finding(finding).unwrap();
    c.error(FileError {
        path: "x".into(),
        location,
        message: "encrypted, not scanned".into(),
    })
    .unwrap();
    let skipped = Skipped {
        path: "y".into(),
        location: Location::root().child(Step::Attachment {
            filename: "logo.png".into(),
        }),
        reason: "binary".into(),
    };
    summary.add_skipped(&skipped);
    c.skipped(skipped).unwrap();
    c.finish(&summary, 0.5).unwrap();
    let value = serde_json::to_value(c.into_report().unwrap()).unwrap();
    assert_valid(&schema(), &value);
    let messages = value["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["location"].as_array().unwrap().len(), 2);
    assert_eq!(messages[0]["highest_severity"], "high");

    jsonl.finish(&summary, 0.5).unwrap();
    drop(jsonl);
    let lines: Vec<Value> = String::from_utf8(lines)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["header", "finding", "message", "summary"]);
    let line_schema = line_schema();
    for l in &lines {
        assert_valid(&line_schema, l);
    }
}

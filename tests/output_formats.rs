//! The CI and dashboard formats: SARIF validated against the official SARIF 2.1.0 schema
//! (vendored in tests/schemas/, see its README) with containers expressed as nested artifacts
//! and logical locations; `--summary-only` against docs/report.schema.json; CSV; the baseline
//! file against docs/baseline.schema.json.

use crate::common;

use std::fs;
use std::path::Path;

use common::{root, run, s, sporhund};
use serde_json::{json, Value};
use tempfile::TempDir;

const FNR: &str = "15108695088";

fn load(path: &str) -> Value {
    serde_json::from_str(&fs::read_to_string(root().join(path)).unwrap()).unwrap()
}

fn assert_valid(schema: &Value, instance: &Value) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

/// A tree with a plain text file and a zip holding an Office document (copied fixture).
fn tree() -> TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("mappe med mellomrom")).unwrap();
    fs::write(
        d.path().join("mappe med mellomrom/kunde.txt"),
        format!("Kunde\nFødselsnummer: {FNR}\n"),
    )
    .unwrap();
    fs::copy(
        root().join("fixtures/documents/archives/dokumenter.zip"),
        d.path().join("dokumenter.zip"),
    )
    .unwrap();
    fs::copy(
        root().join("fixtures/documents/archives/kryptert.zip"),
        d.path().join("kryptert.zip"),
    )
    .unwrap();
    d
}

fn scan(dir: &Path, args: &[&str], code: i32) -> String {
    let mut all = vec!["scan", dir.to_str().unwrap(), "--no-progress"];
    all.extend_from_slice(args);
    let r = run(sporhund(), all);
    r.expect_code(code);
    r.stdout
}

#[test]
fn sarif_is_valid_and_locates_findings_in_files_and_containers() {
    let d = tree();
    let sarif: Value = serde_json::from_str(&scan(d.path(), &["-f", "sarif"], 4)).unwrap();
    assert_valid(&load("tests/schemas/sarif-schema-2.1.0.json"), &sarif);
    let report: Value = serde_json::from_str(&scan(d.path(), &["-f", "json"], 4)).unwrap();

    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (r, f) in results.iter().zip(findings) {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], f["rule"]);
        assert_eq!(r["ruleId"], f["rule"]);
        assert_eq!(
            r["partialFingerprints"]["valueFingerprint/v1"],
            f["fingerprint"]
        );
        assert_eq!(r["locations"][0]["properties"]["location"], f["location"]);
        assert_eq!(r["properties"]["confidence"], f["confidence"]);
        assert_eq!(r["properties"]["severity"], f["severity"]);
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.ends_with(s(f, "value")), "{text}");
        assert!(!text.contains(FNR), "masked: {text}");
    }

    // The plain file: relative, percent-encoded URI under ROOT0, with a region.
    let plain = results
        .iter()
        .find(|r| {
            s(
                &r["locations"][0]["physicalLocation"]["artifactLocation"],
                "uri",
            )
            .ends_with("kunde.txt")
        })
        .unwrap();
    assert_eq!(plain["ruleId"], "no.fnr");
    assert_eq!(plain["level"], "error");
    let physical = &plain["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "mappe%20med%20mellomrom/kunde.txt"
    );
    assert_eq!(physical["artifactLocation"]["uriBaseId"], "ROOT0");
    assert_eq!(
        physical["region"],
        json!({"startLine": 2, "startColumn": 16})
    );
    let base = run["originalUriBaseIds"]["ROOT0"]["uri"].as_str().unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );

    // A value in a document inside the zip: the zip is the physical location, the document
    // a nested artifact, the step path the logical location; no region of the zip.
    let inner = results
        .iter()
        .find(|r| {
            r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .is_some_and(|n| n.starts_with("entry saker/brev.docx › document › "))
        })
        .unwrap();
    let location = &inner["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "dokumenter.zip"
    );
    assert!(location["physicalLocation"]["region"].is_null());
    let artifacts = run["artifacts"].as_array().unwrap();
    let zip = location["physicalLocation"]["artifactLocation"]["index"]
        .as_u64()
        .unwrap();
    assert_eq!(artifacts[zip as usize]["location"]["uri"], "dokumenter.zip");
    let member = &artifacts[location["properties"]["memberArtifactIndex"]
        .as_u64()
        .unwrap() as usize];
    assert_eq!(member["location"]["uri"], "saker/brev.docx");
    assert_eq!(member["parentIndex"], zip);

    // The encrypted member is a notification; the run says it was incomplete.
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert!(s(&notes[0]["message"], "text").contains("encrypted"));
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "kryptert.zip"
    );
    assert_eq!(
        run["properties"]["summary"]["findings"].as_u64(),
        Some(findings.len() as u64)
    );

    // The schema catches a broken log.
    let validator =
        jsonschema::validator_for(&load("tests/schemas/sarif-schema-2.1.0.json")).unwrap();
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = json!("critical");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn summary_only_counts_by_category_severity_and_store() {
    let d = tree();
    let out = scan(d.path(), &["--summary-only", "-f", "json"], 4);
    let summary: Value = serde_json::from_str(&out).unwrap();
    let schema = load("docs/report.schema.json");
    assert_valid(
        &json!({"$ref": "#/$defs/summary_report", "$defs": schema["$defs"].clone()}),
        &summary,
    );
    assert!(summary.get("findings").is_none(), "no findings listed");
    let full: Value = serde_json::from_str(&scan(d.path(), &["-f", "json"], 4)).unwrap();
    assert_eq!(summary["summary"]["findings"], full["summary"]["findings"]);
    let total = full["summary"]["findings"].as_u64().unwrap();
    // Expected containers: files whose findings lie inside them, with their counts.
    let mut containers = std::collections::BTreeMap::<String, u64>::new();
    for f in full["findings"].as_array().unwrap() {
        if f["location"][0]["type"] == "entry" {
            *containers.entry(s(f, "path").to_string()).or_default() += 1;
        }
    }
    let stores = summary["stores"].as_array().unwrap();
    assert_eq!(stores[0]["kind"], "root");
    assert_eq!(stores[0]["store"], d.path().to_str().unwrap());
    assert_eq!(stores[0]["findings"].as_u64(), Some(total));
    assert_eq!(
        stores[0]["findings_by_severity"],
        full["summary"]["findings_by_severity"]
    );
    assert_eq!(
        stores[0]["findings_by_category"],
        full["summary"]["findings_by_category"]
    );
    let got: std::collections::BTreeMap<String, u64> = stores[1..]
        .iter()
        .map(|st| {
            assert_eq!(st["kind"], "container");
            (s(st, "store").to_string(), st["findings"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(got, containers);
    let zip = format!("{}/dokumenter.zip", d.path().display());
    let in_zip = containers[&zip];
    assert_eq!(
        total - containers.values().sum::<u64>(),
        1,
        "the fødselsnummer in kunde.txt"
    );

    let human = scan(d.path(), &["--summary-only"], 4);
    assert!(!human.contains("kunde.txt"), "{human}");
    assert!(human.contains(&format!("{total} findings")), "{human}");
    assert!(
        human.contains(&format!("  container {zip}: {in_zip} findings")),
        "{human}"
    );

    let r = run(sporhund(), ["scan", ".", "--summary-only", "-f", "sarif"]);
    r.expect_code(2);
}

#[test]
fn csv_lists_masked_findings_and_errors() {
    let d = tree();
    let out = scan(d.path(), &["-f", "csv"], 4);
    let mut lines = out.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("type,path,location,rule,category,kind,severity,confidence,value,context,fingerprint,message")
    );
    let kunde = format!(
        "finding,{}/mappe med mellomrom/kunde.txt,2:16,no.fnr,national_id,fnr,high,",
        d.path().display()
    );
    let row = out.lines().find(|l| l.starts_with(&kunde)).unwrap();
    assert!(row.contains(",*********88,"), "{row}");
    assert!(!out.contains(FNR));
    assert_eq!(out.lines().filter(|l| l.starts_with("error,")).count(), 1);
    let full: Value = serde_json::from_str(&scan(d.path(), &["-f", "json"], 4)).unwrap();
    assert_eq!(
        out.lines().filter(|l| l.starts_with("finding,")).count(),
        full["findings"].as_array().unwrap().len()
    );
}

#[test]
fn baseline_file_follows_its_schema() {
    let d = tree();
    let b = tempfile::tempdir().unwrap();
    let path = b.path().join("b.json");
    let r = run(
        sporhund(),
        [
            "scan",
            d.path().to_str().unwrap(),
            "--write-baseline",
            path.to_str().unwrap(),
            "-o",
            "/dev/null",
        ],
    );
    r.expect_code(4);
    assert!(
        r.stderr
            .contains("baseline written from an incomplete scan"),
        "{}",
        r.stderr
    );
    let baseline: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_valid(&load("docs/baseline.schema.json"), &baseline);
    assert!(!baseline["findings"].as_array().unwrap().is_empty());
}

/// A finding behind every kind of step (zip › message › attachment › part › page › cell ›
/// record › line), as a later mail or nested format reports it, still makes a valid log
/// whose containers are nested artifacts.
#[test]
fn sarif_of_every_location_step_is_valid() {
    use sporhund::detect::RuleSet;
    use sporhund::report::roots::Roots;
    use sporhund::report::sarif::{write_report, SarifInput};
    use sporhund::report::Report;

    let location = json!([
        {"type": "entry", "name": "arkiv/post æ.zip"},
        {"type": "message", "index": 3, "message_id": "abc@firma.no", "subject": "Sykmelding"},
        {"type": "attachment", "filename": "cv.pdf"},
        {"type": "part", "name": "comments"},
        {"type": "page", "page": 2},
        {"type": "cell", "sheet": "Ansatte", "cell": "B7"},
        {"type": "record", "row": 4, "column": 2},
        {"type": "line", "line": 1, "column": 1}
    ]);
    let report: Report = serde_json::from_value(json!({
        "schema_version": "1.0.0",
        "tool": {"name": "sporhund", "version": "0"},
        "roots": ["/srv/share"],
        "started_at": "2026-11-29T10:00:00Z",
        "duration_seconds": 0.5,
        "summary": {"files_scanned": 1, "bytes_scanned": 10, "findings": 1,
                    "findings_by_category": {"national_id": 1},
                    "findings_by_severity": {"high": 1}, "errors": 1, "skipped": 0,
                    "skipped_by_reason": {}, "complete": false},
        "findings": [{"rule": "no.fnr", "category": "national_id", "kind": "fnr",
                      "severity": "high", "confidence": 0.95, "path": "/srv/share/e post/x.mbox",
                      "location": location, "value": "*********88",
                      "fingerprint": "0123456789abcdef0123456789abcdef",
                      "context": "fnr *********88"}],
        "errors": [{"path": "/srv/share/y.zip", "location": [{"type": "entry", "name": "z"}],
                    "message": "encrypted, not scanned"}],
        "skipped": []
    }))
    .unwrap();
    let set = RuleSet::builtin().unwrap();
    let rules: Vec<_> = set.rules().iter().collect();
    let roots = Roots::new(vec!["/srv/share".into()]);
    let mut out = Vec::new();
    let input = SarifInput {
        rules: &rules,
        roots: &roots,
        identity: &|_| "id".into(),
    };
    write_report(&report, &input, &mut out).unwrap();
    let log: Value = serde_json::from_slice(&out).unwrap();
    assert_valid(&load("tests/schemas/sarif-schema-2.1.0.json"), &log);
    let run = &log["runs"][0];
    let uris: Vec<(&str, &Value)> = run["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (s(&a["location"], "uri"), &a["parentIndex"]))
        .collect();
    assert_eq!(
        uris,
        [
            ("e%20post/x.mbox", &Value::Null),
            ("arkiv/post%20%C3%A6.zip", &json!(0)),
            ("cv.pdf", &json!(1)),
            ("y.zip", &Value::Null),
            ("z", &json!(3)),
        ]
    );
    let result = &run["results"][0];
    assert_eq!(
        result["locations"][0]["properties"]["memberArtifactIndex"],
        2
    );
    assert_eq!(result["locations"][0]["properties"]["location"], location);
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "entry arkiv/post æ.zip › message #3 <abc@firma.no> \"Sykmelding\" › attachment cv.pdf \
         › comments › page 2 › Ansatte!B7 › row 4, column 2 › 1:1"
    );
    assert!(result["locations"][0]["physicalLocation"]["region"].is_null());
    assert_eq!(
        run["originalUriBaseIds"]["ROOT0"]["description"]["text"],
        "/srv/share"
    );
}

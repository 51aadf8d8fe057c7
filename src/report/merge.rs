//! Combining reports: the shards of one scan run on many workers (`--shard K/N`), or several
//! scans, into one report as if one scan had produced it (`sporhund merge`).
//!
//! Inputs are JSON documents or JSON Lines streams, in any mix. Every input must carry a
//! `schema_version` with the same major version as this build's [`SCHEMA_VERSION`] and not be
//! newer than it (a newer report may hold fields this build would silently drop). The merged
//! report has the roots of all inputs (first appearance first), the earliest start time, the
//! longest duration (workers run side by side), findings, errors and skipped files sorted as a
//! single scan sorts them, and a summary recomputed from them (file and byte counts, which
//! reports do not list file by file, are summed).

use serde::Deserialize;
use serde_json::Value;

use super::{
    Collector, FileError, Finding, Header, Report, ReportSink, Skipped, Summary, SCHEMA_VERSION,
};

/// One JSON Lines record, as [`super::json::JsonLinesWriter`] writes it.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Header(Header),
    Finding(Finding),
    Error(FileError),
    Skipped(Skipped),
    Summary {
        summary: Summary,
        duration_seconds: f64,
    },
}

/// Reads a report written with `--format json` or `--format jsonl`. `name` names the input in
/// error messages.
pub fn read_report(text: &str, name: &str) -> Result<Report, String> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let is_jsonl = serde_json::from_str::<Value>(first)
        .is_ok_and(|v| v.get("type").and_then(Value::as_str) == Some("header"));
    if is_jsonl {
        read_jsonl(text, name)
    } else {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("{name}: not a JSON report: {e}"))?;
        check_version(value.get("schema_version"), name)?;
        serde_json::from_value(value).map_err(|e| format!("{name}: not a sporhund report: {e}"))
    }
}

fn read_jsonl(text: &str, name: &str) -> Result<Report, String> {
    let mut report: Option<Report> = None;
    let mut finished = false;
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = || format!("{name}: line {}", i + 1);
        let value: Value = serde_json::from_str(line).map_err(|e| format!("{}: {e}", at()))?;
        if report.is_none() {
            check_version(value.get("schema_version"), &at())?;
        }
        let record: Line = serde_json::from_value(value).map_err(|e| format!("{}: {e}", at()))?;
        let Some(r) = report.as_mut() else {
            let Line::Header(header) = record else {
                return Err(format!("{}: a header record must come first", at()));
            };
            report = Some(empty(header));
            continue;
        };
        if finished {
            return Err(format!("{}: records after the summary", at()));
        }
        match record {
            Line::Header(_) => return Err(format!("{}: a second header", at())),
            Line::Finding(f) => r.findings.push(f),
            Line::Error(e) => r.errors.push(e),
            Line::Skipped(s) => r.skipped.push(s),
            Line::Summary {
                summary,
                duration_seconds,
            } => {
                r.summary = summary;
                r.duration_seconds = duration_seconds;
                finished = true;
            }
        }
    }
    match report {
        Some(r) if finished => Ok(r),
        Some(_) => Err(format!(
            "{name}: no summary record (the scan did not finish?)"
        )),
        None => Err(format!("{name}: empty report")),
    }
}

/// A report with nothing in it yet.
fn empty(header: Header) -> Report {
    Collector::new(header)
        .into_report()
        .expect("a collector without blocks cannot fail")
}

/// Accepts `1.x.y` up to this build's version.
fn check_version(version: Option<&Value>, name: &str) -> Result<(), String> {
    let parse = |v: &str| -> Option<(u64, u64, u64)> {
        let mut it = v.split('.').map(|n| n.parse::<u64>().ok());
        let t = (it.next()??, it.next()??, it.next()??);
        it.next().is_none().then_some(t)
    };
    let ours = parse(SCHEMA_VERSION).expect("SCHEMA_VERSION is x.y.z");
    let Some(v) = version.and_then(Value::as_str) else {
        return Err(format!(
            "{name}: no schema_version (not a sporhund report?)"
        ));
    };
    match parse(v) {
        Some(theirs) if theirs.0 == ours.0 && theirs <= ours => Ok(()),
        Some(theirs) if theirs.0 == ours.0 => Err(format!(
            "{name}: schema_version {v} is newer than this sporhund's {SCHEMA_VERSION}; \
             merge with the newer sporhund"
        )),
        _ => Err(format!(
            "{name}: schema_version {v} cannot be merged with version {SCHEMA_VERSION} reports"
        )),
    }
}

/// Merges reports into one (see the module docs). `None` when `reports` is empty.
pub fn merge(reports: Vec<Report>) -> Option<Report> {
    let first = reports.first()?;
    let mut header = Header {
        schema_version: SCHEMA_VERSION.into(),
        ..first.header.clone()
    };
    let mut summary = Summary {
        complete: true,
        ..Summary::default()
    };
    let mut duration: f64 = 0.0;
    for r in &reports {
        for root in &r.header.roots {
            if !header.roots.contains(root) {
                header.roots.push(root.clone());
            }
        }
        if r.header.started_at < header.started_at {
            header.started_at = r.header.started_at.clone();
        }
        duration = duration.max(r.duration_seconds);
        summary.files_scanned += r.summary.files_scanned;
        summary.files_from_cache += r.summary.files_from_cache;
        summary.hidden_by_allowlist += r.summary.hidden_by_allowlist;
        summary.hidden_by_baseline += r.summary.hidden_by_baseline;
        summary.bytes_scanned += r.summary.bytes_scanned;
        summary.complete &= r.summary.complete;
    }
    // Reports written with `--group-by message` are merged with their message list rebuilt.
    let grouped = reports.iter().any(|r| r.messages.is_some());
    let mut sink = Collector::new(header);
    if grouped {
        sink = sink.grouping_by_message();
    }
    for r in reports {
        for f in r.findings {
            summary.add_finding(&f);
            sink.finding(f).expect("collecting cannot fail");
        }
        for e in r.errors {
            summary.errors += 1;
            sink.error(e).expect("collecting cannot fail");
        }
        for s in r.skipped {
            summary.add_skipped(&s);
            sink.skipped(s).expect("collecting cannot fail");
        }
    }
    summary.complete &= summary.errors == 0;
    sink.finish(&summary, duration)
        .expect("collecting cannot fail");
    Some(sink.into_report().expect("collecting cannot fail"))
}

/// Sends a whole report through a streaming writer (e.g. to write it as JSON Lines).
pub fn replay(report: Report, sink: &mut dyn ReportSink) -> std::io::Result<()> {
    for f in report.findings {
        sink.finding(f)?;
    }
    for e in report.errors {
        sink.error(e)?;
    }
    for s in report.skipped {
        sink.skipped(s)?;
    }
    sink.finish(&report.summary, report.duration_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::json::{write_report, JsonLinesWriter};
    use crate::report::Tool;

    fn header(root: &str, started: &str) -> Header {
        Header {
            schema_version: SCHEMA_VERSION.into(),
            tool: Tool::current(),
            roots: vec![root.into()],
            started_at: started.into(),
        }
    }

    fn finding(path: &str, category: &str) -> Finding {
        Finding {
            rule: "no.fnr".into(),
            category: category.into(),
            kind: None,
            severity: crate::detect::Severity::High,
            confidence: 0.9,
            path: path.into(),
            location: crate::location::Location::root(),
            value: "*********88".into(),
            fingerprint: "0".repeat(32),
            context: "fnr *********88".into(),
            related: None,
        }
    }

    fn report(root: &str, started: &str, paths: &[&str], complete: bool) -> Report {
        let mut r = empty(header(root, started));
        r.findings = paths.iter().map(|p| finding(p, "national_id")).collect();
        r.summary = Summary {
            files_scanned: paths.len() as u64,
            bytes_scanned: 100,
            findings: paths.len() as u64,
            complete,
            ..Summary::default()
        };
        r.duration_seconds = paths.len() as f64;
        if !complete {
            r.errors.push(FileError {
                path: format!("{root}/broken.zip"),
                location: crate::location::Location::root(),
                message: "corrupt".into(),
            });
        }
        r
    }

    fn as_jsonl(r: &Report) -> String {
        let mut out = Vec::new();
        let mut w = JsonLinesWriter::new(&mut out, &r.header).unwrap();
        replay(r.clone(), &mut w).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_and_jsonl_read_back_alike() {
        let r = report("a", "2026-11-29T20:00:00Z", &["a/x", "a/y"], false);
        let mut json = Vec::new();
        write_report(&r, &mut json).unwrap();
        let from_json = read_report(std::str::from_utf8(&json).unwrap(), "r.json").unwrap();
        assert_eq!(from_json, r);
        assert_eq!(read_report(&as_jsonl(&r), "r.jsonl").unwrap(), r);
    }

    #[test]
    fn json_report_is_byte_for_byte_serde_json_pretty() {
        // Empty, one, more findings than one rendering chunk, and more than two batches of
        // chunks (one is written while the next is rendered), with errors after them.
        let batches = 2 * 4 * 512 * rayon::current_num_threads() + 100;
        for n in [0, 1, 1100, batches] {
            let paths: Vec<String> = (0..n).map(|i| format!("a/{i}\n\"x\"")).collect();
            let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
            let mut r = report("a", "2026-11-29T20:00:00Z", &paths, false);
            if let Some(f) = r.findings.first_mut() {
                f.location = crate::location::Location(vec![crate::location::Step::Line {
                    line: 3,
                    column: 4,
                }]);
            }
            let mut ours = Vec::new();
            write_report(&r, &mut ours).unwrap();
            let mut theirs = serde_json::to_vec_pretty(&r).unwrap();
            theirs.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }

    #[test]
    fn merges_sorted_with_recomputed_summary() {
        let a = report("d", "2026-11-29T20:00:05Z", &["d/b", "d/c"], true);
        let b = report("d", "2026-11-29T20:00:01Z", &["d/a"], false);
        let m = merge(vec![a, b]).unwrap();
        let paths: Vec<&str> = m.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["d/a", "d/b", "d/c"]);
        assert_eq!(m.header.roots, ["d"]);
        assert_eq!(m.header.started_at, "2026-11-29T20:00:01Z");
        assert_eq!(m.duration_seconds, 2.0);
        assert_eq!(m.summary.files_scanned, 3);
        assert_eq!(m.summary.bytes_scanned, 200);
        assert_eq!(m.summary.findings, 3);
        assert_eq!(m.summary.findings_by_category["national_id"], 3);
        assert_eq!(m.summary.errors, 1);
        assert!(!m.summary.complete);
        assert_eq!(merge(Vec::new()), None);
    }

    #[test]
    fn refuses_other_versions_and_broken_streams() {
        let r = report("a", "2026-11-29T20:00:00Z", &["a/x"], true);
        let jsonl = as_jsonl(&r);
        for (v, ok) in [
            ("1.0.0", true),
            ("2.0.0", false),
            ("1.99.0", false),
            ("x", false),
        ] {
            let text = jsonl.replacen(SCHEMA_VERSION, v, 1);
            assert_eq!(read_report(&text, "r").is_ok(), ok, "{v}");
        }
        let no_summary: String = jsonl.lines().take(2).map(|l| format!("{l}\n")).collect();
        let e = read_report(&no_summary, "r").unwrap_err();
        assert!(e.contains("no summary"), "{e}");
        assert!(read_report("{\"findings\": []}", "r")
            .unwrap_err()
            .contains("no schema_version"));
        assert!(read_report("not json", "r").is_err());
    }
}

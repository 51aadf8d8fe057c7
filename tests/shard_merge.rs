//! One scan split across workers: `scan --shard K/N` partitions the walk, `merge` puts the
//! reports back together, and the result equals a single scan of the whole tree.

use crate::common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use common::{run, sporhund, Run};
use serde_json::Value;

fn sh(args: &[&str]) -> Run {
    run(sporhund(), args)
}

/// `scan fixtures` (the repository's fixture tree: documents, archives, broken files) as
/// `format`, optionally one shard, without the cache so every file is really read.
fn scan_fixtures(format: &str, shard: Option<&str>) -> Run {
    let mut args = vec![
        "scan",
        "fixtures",
        "--no-progress",
        "--no-cache",
        "--format",
        format,
    ];
    if let Some(s) = shard {
        args.extend(["--shard", s]);
    }
    let r = sh(&args);
    r.expect_code(4); // findings, and the fixtures' deliberately broken files
    r
}

/// The report without its timing fields.
fn untimed(report: &Value) -> Value {
    let mut r = report.clone();
    let o = r.as_object_mut().unwrap();
    o.remove("duration_seconds");
    o.remove("started_at");
    r
}

fn paths(report: &Value) -> BTreeSet<String> {
    ["findings", "errors", "skipped"]
        .iter()
        .flat_map(|k| report[*k].as_array().unwrap())
        .map(|v| v["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn three_shards_merged_equal_one_scan() {
    let whole = scan_fixtures("json", None).json();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    let mut scanned = 0;
    // Any mix of JSON and JSON Lines.
    for (k, format) in [(0, "json"), (1, "jsonl"), (2, "json")] {
        let r = scan_fixtures(format, Some(&format!("{k}/3")));
        let file = dir.path().join(format!("shard{k}.{format}"));
        fs::write(&file, &r.stdout).unwrap();
        files.push(file.to_str().unwrap().to_string());
        let report = if format == "json" {
            r.json()
        } else {
            let lines = r.jsonl();
            let summary = &lines.last().unwrap()["summary"];
            scanned += summary["files_scanned"].as_u64().unwrap();
            let mut v = serde_json::json!({"findings": [], "errors": [], "skipped": []});
            for l in &lines {
                let key = match l["type"].as_str().unwrap() {
                    "finding" => "findings",
                    "error" => "errors",
                    "skipped" => "skipped",
                    _ => continue,
                };
                v[key].as_array_mut().unwrap().push(l.clone());
            }
            v
        };
        if format == "json" {
            scanned += report["summary"]["files_scanned"].as_u64().unwrap();
        }
        let mine = paths(&report);
        assert!(!mine.is_empty(), "shard {k} is empty");
        assert!(seen.is_disjoint(&mine), "shard {k} repeats a file");
        seen.extend(mine);
    }
    assert_eq!(scanned, whole["summary"]["files_scanned"].as_u64().unwrap());
    assert_eq!(seen, paths(&whole));

    let mut args = vec!["merge", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let merged = sh(&args);
    merged.expect_code(4);
    assert_eq!(untimed(&merged.json()), untimed(&whole));

    // Merged as JSON Lines and read back by merge again: still the same report.
    let jsonl = dir.path().join("merged.jsonl");
    let mut args = vec!["merge", "--format", "jsonl", "-o", jsonl.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    sh(&args).expect_code(4);
    let again = sh(&["merge", "--format", "json", jsonl.to_str().unwrap()]);
    assert_eq!(untimed(&again.json()), untimed(&whole));

    // Human text carries the summary.
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let human = sh(&args);
    let n = whole["summary"]["files_scanned"].as_u64().unwrap();
    assert!(
        human.stdout.contains(&format!("Scanned {n} files")),
        "{}",
        human.stdout
    );
}

#[test]
fn shards_agree_wherever_the_tree_is_mounted() {
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("share");
    for i in 0..30 {
        let p = tree.join(format!("d{}/f{i}.txt", i % 4));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, format!("kari{i}@firma.no\n")).unwrap();
    }
    std::os::unix::fs::symlink(&tree, d.path().join("mnt")).unwrap();
    let relative_files = |root: &Path, shard: &str| -> BTreeSet<String> {
        let mut cmd = sporhund();
        cmd.arg("scan")
            .arg(root)
            .args(["--format", "json", "--no-cache", "--shard", shard]);
        let r = run(cmd, Vec::<&str>::new()).json();
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = f["path"].as_str().unwrap();
                Path::new(p)
                    .strip_prefix(root)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect()
    };
    let mut all = BTreeSet::new();
    for k in 0..3 {
        let shard = format!("{k}/3");
        let here = relative_files(&tree, &shard);
        assert_eq!(here, relative_files(&d.path().join("mnt"), &shard));
        assert!(all.is_disjoint(&here));
        all.extend(here);
    }
    assert_eq!(all.len(), 30);
}

#[test]
fn merge_refuses_incompatible_or_broken_reports() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    fs::create_dir(&tree).unwrap();
    fs::write(tree.join("a.txt"), "kari@firma.no\n").unwrap();
    let small = |format: &str| {
        let mut cmd = sporhund();
        cmd.arg("scan")
            .arg(&tree)
            .args(["--no-cache", "--format", format]);
        run(cmd, Vec::<&str>::new())
    };
    let good = small("json");
    let good_path = dir.path().join("good.json");
    fs::write(&good_path, &good.stdout).unwrap();
    let mut v2 = good.json();
    v2["schema_version"] = "2.0.0".into();
    let v2_path = dir.path().join("v2.json");
    fs::write(&v2_path, v2.to_string()).unwrap();
    let truncated = small("jsonl");
    let truncated_path = dir.path().join("cut.jsonl");
    let lines: Vec<&str> = truncated.stdout.lines().collect();
    fs::write(&truncated_path, lines[..lines.len() - 1].join("\n")).unwrap();
    for (bad, why) in [
        (&v2_path, "cannot be merged"),
        (&truncated_path, "no summary record"),
        (&dir.path().join("missing.json"), "missing.json"),
    ] {
        let r = sh(&["merge", good_path.to_str().unwrap(), bad.to_str().unwrap()]);
        r.expect_code(2);
        assert!(r.stderr.contains(why), "{why}: {}", r.stderr);
    }
    sh(&["merge"]).expect_code(2);
    assert!(sh(&["scan", "fixtures", "--shard", "3/3"])
        .stderr
        .contains("K/N"));
}

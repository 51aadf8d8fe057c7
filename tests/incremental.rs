//! Incremental rescans through the real binary: unchanged files come from the cache (and the
//! report is still complete and identical to a full scan), changed files, changed settings and
//! `--no-cache` read files again, a damaged or busy cache never fails a scan.

use crate::common;

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{run, sporhund, Run};
use serde_json::Value;
use tempfile::TempDir;

const FNR: &str = "15108695088";
const FNR2: &str = "20036914700";

/// A tree of four files, three with personal data; modification times in the past, so the
/// cache trusts their stat (a file written within 2 s of a scan is always hashed).
fn tree() -> TempDir {
    let d = tempfile::tempdir().unwrap();
    let files = [
        ("kunde.txt", format!("Fødselsnummer: {FNR}\n")),
        (
            "a/b/kontakt.csv",
            "navn;epost\nKari;kari.nordmann@firma.no\n".into(),
        ),
        (
            "a/notat.txt",
            "Møtereferat uten personopplysninger.\n".into(),
        ),
        ("a/fnr.txt", format!("fnr {FNR2}, mobil 912 34 567\n")),
    ];
    for (name, text) in files {
        let p = d.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        age(&p, 3600);
    }
    d
}

/// Moves a file's modification time `secs` seconds into the past.
fn age(path: &Path, secs: u64) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs))
        .unwrap();
}

fn scan(root: &Path, cache: &Path, args: &[&str]) -> Run {
    let mut cmd = sporhund();
    cmd.arg("scan")
        .arg(root)
        .args(["--format", "json", "--no-progress", "--cache-dir"])
        .arg(cache);
    run(cmd, args)
}

/// The report without what legitimately differs between runs (timing, cache counter).
fn comparable(report: &Value) -> Value {
    let mut r = report.clone();
    let o = r.as_object_mut().unwrap();
    o.remove("duration_seconds");
    o.remove("started_at");
    o["summary"]
        .as_object_mut()
        .unwrap()
        .remove("files_from_cache");
    r
}

/// Runs a cached scan, checks it equals a scan without the cache, returns files_from_cache.
fn from_cache(root: &Path, cache: &Path, args: &[&str]) -> u64 {
    let r = scan(root, cache, args);
    r.expect_code(1);
    let report = r.json();
    let mut plain = args.to_vec();
    plain.push("--no-cache");
    let fresh = scan(root, cache, &plain);
    fresh.expect_code(1);
    assert_eq!(comparable(&report), comparable(&fresh.json()), "{}", r.what);
    assert_eq!(fresh.json()["summary"]["files_from_cache"], 0);
    report["summary"]["files_from_cache"].as_u64().unwrap()
}

#[test]
fn unchanged_files_come_from_the_cache_and_the_report_is_complete() {
    let t = tree();
    let c = tempfile::tempdir().unwrap();
    assert_eq!(from_cache(t.path(), c.path(), &[]), 0);
    let r = scan(t.path(), c.path(), &[]);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let report = r.json();
    assert_eq!(report["summary"]["files_from_cache"], 4);
    assert_eq!(report["summary"]["files_scanned"], 4);
    assert_eq!(report["summary"]["findings"], 4);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 4);
    // The same tree reached by another spelling of the root: same entries, paths as given.
    let other = format!("{}/./a/..", t.path().display());
    assert_eq!(from_cache(Path::new(&other), c.path(), &[]), 4);
    // Human output says so.
    let mut cmd = sporhund();
    cmd.arg("scan")
        .arg(t.path())
        .arg("--cache-dir")
        .arg(c.path());
    let human = run(cmd, Vec::<&str>::new());
    assert!(
        human
            .stdout
            .contains("4 of them unchanged since an earlier scan"),
        "{}",
        human.stdout
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(c.path().join("cache.redb"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the cache holds personal data");
    }
}

#[test]
fn changed_files_are_read_again_touched_ones_are_not() {
    let t = tree();
    let c = tempfile::tempdir().unwrap();
    from_cache(t.path(), c.path(), &[]);
    // New content of the same length (another fødselsnummer): read again.
    let kunde = t.path().join("kunde.txt");
    fs::write(&kunde, format!("Fødselsnummer: {FNR2}\n")).unwrap();
    age(&kunde, 60);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 3);
    // Touched (new modification time), same bytes: hashed, results reused.
    age(&t.path().join("a/fnr.txt"), 10);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 4);
    // A new file is read; a removed one is gone from the report.
    fs::write(t.path().join("ny.txt"), format!("fnr {FNR}\n")).unwrap();
    fs::remove_file(t.path().join("a/b/kontakt.csv")).unwrap();
    let r = scan(t.path(), c.path(), &[]).json();
    assert_eq!(r["summary"]["files_scanned"], 4);
    assert_eq!(r["summary"]["files_from_cache"], 3);
    assert!(!r.to_string().contains("kontakt.csv"));
}

#[test]
fn other_settings_read_every_file_again() {
    let t = tree();
    let c = tempfile::tempdir().unwrap();
    from_cache(t.path(), c.path(), &[]);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 4);
    assert_eq!(
        from_cache(t.path(), c.path(), &["--min-confidence", "0.6"]),
        0
    );
    assert_eq!(from_cache(t.path(), c.path(), &["--show-values"]), 0);
    // A user rule file: changing the file changes the results hash.
    let rules = tempfile::tempdir().unwrap();
    let rule = |name: &str| {
        format!(
            "[[rule]]\nid = \"x.kunde\"\nname = \"{name}\"\ncategory = \"customer\"\n\
             patterns = ['K-[0-9]{{6}}']\n"
        )
    };
    let file = rules.path().join("r.toml");
    fs::write(&file, rule("Kundenummer")).unwrap();
    let f = file.to_str().unwrap();
    assert_eq!(from_cache(t.path(), c.path(), &["--rule-file", f]), 0);
    assert_eq!(from_cache(t.path(), c.path(), &["--rule-file", f]), 4);
    fs::write(&file, rule("Kundenr")).unwrap();
    assert_eq!(from_cache(t.path(), c.path(), &["--rule-file", f]), 0);
    // Another fingerprint key gives other fingerprints: nothing reused.
    let mut cmd = sporhund();
    cmd.env("SPORHUND_FINGERPRINT_KEY", "another key")
        .arg("scan")
        .arg(t.path())
        .args(["--format", "json", "--cache-dir"])
        .arg(c.path());
    let r = run(cmd, Vec::<&str>::new()).json();
    assert_eq!(r["summary"]["files_from_cache"], 0);
}

#[test]
fn no_cache_neither_reads_nor_writes_one() {
    let t = tree();
    let state = tempfile::tempdir().unwrap();
    let mut cmd = sporhund();
    cmd.env("SPORHUND_STATE_DIR", state.path())
        .arg("scan")
        .arg(t.path())
        .args(["--format", "json", "--no-cache"]);
    let r = run(cmd, Vec::<&str>::new());
    r.expect_code(1);
    assert_eq!(fs::read_dir(state.path()).unwrap().count(), 0);
    // Without --no-cache the cache goes to the state directory.
    let mut cmd = sporhund();
    cmd.env("SPORHUND_STATE_DIR", state.path().join("s"))
        .arg("scan")
        .arg(t.path())
        .args(["--format", "json"]);
    run(cmd, Vec::<&str>::new()).expect_code(1);
    assert!(state.path().join("s/cache.redb").is_file());
}

#[test]
fn a_damaged_cache_is_replaced_with_a_warning() {
    let t = tree();
    let c = tempfile::tempdir().unwrap();
    from_cache(t.path(), c.path(), &[]);
    fs::write(c.path().join("cache.redb"), "not a database at all").unwrap();
    let r = scan(t.path(), c.path(), &[]);
    r.expect_code(1);
    assert!(r.stderr.contains("unreadable cache"), "{}", r.stderr);
    assert_eq!(r.json()["summary"]["files_from_cache"], 0);
    assert_eq!(r.json()["summary"]["findings"], 4);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 4);
}

#[test]
fn a_cache_in_use_by_another_scan_is_not_touched() {
    let t = tree();
    let c = tempfile::tempdir().unwrap();
    from_cache(t.path(), c.path(), &[]);
    let (held, _) =
        sporhund::cache::Cache::open(&c.path().join("cache.redb"), "other scan".into()).unwrap();
    let r = scan(t.path(), c.path(), &[]);
    r.expect_code(1);
    assert!(r.stderr.contains("in use by another scan"), "{}", r.stderr);
    assert_eq!(r.json()["summary"]["files_from_cache"], 0);
    assert_eq!(r.json()["summary"]["findings"], 4);
    drop(held);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 4);
}

#[test]
fn the_cache_file_itself_is_never_scanned() {
    let t = tree();
    let cache = t.path().join(".cache");
    from_cache(t.path(), &cache, &[]);
    let r = scan(t.path(), &cache, &[]).json();
    assert!(!r.to_string().contains("cache.redb"), "{r:#}"); // nor its lock file
    assert_eq!(r["summary"]["files_scanned"], 4);
}

#[test]
fn content_rewritten_with_size_and_mtime_restored_is_read_again() {
    let t = tree();
    let c = tempfile::tempdir().unwrap();
    from_cache(t.path(), c.path(), &[]);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 4);
    // Another fødselsnummer of the same length, the modification time set back to what it
    // was (as `touch -d`, `cp -p` or a careless tool would): the file's status-change time
    // moved, so it is hashed and read again.
    let kunde = t.path().join("kunde.txt");
    let mtime = fs::metadata(&kunde).unwrap().modified().unwrap();
    fs::write(&kunde, format!("Fødselsnummer: {FNR2}\n")).unwrap();
    fs::File::options()
        .write(true)
        .open(&kunde)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    assert_eq!(from_cache(t.path(), c.path(), &[]), 3);
    let r = scan(t.path(), c.path(), &[]).json();
    let fnrs: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with("kunde.txt"))
        .collect();
    assert_eq!(fnrs.len(), 1);
    assert!(fnrs[0]["value"].as_str().unwrap().ends_with("00"), "{r:#}");
}

#[test]
fn the_cache_holds_no_raw_identifier_and_mail_locations_are_reported_alike() {
    let t = tempfile::tempdir().unwrap();
    let mail = format!(
        "From: Kari Nordmann <kari.nordmann@firma.no>\r\nTo: hr@firma.no\r\n\
         Subject: Sykmelding for {FNR}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0100\r\n\
         Message-ID: <abc@firma.no>\r\n\r\nHei, fnr {FNR2}, mobil 912 34 567.\r\n"
    );
    let p = t.path().join("melding.eml");
    fs::write(&p, mail).unwrap();
    // (Paths are keys and shown in reports as they are; the texts inside files are not.)
    let cv = t.path().join("cv.txt");
    fs::write(&cv, format!("kari.nordmann@firma.no {FNR2}\n")).unwrap();
    age(&p, 3600);
    age(&cv, 3600);
    let c = tempfile::tempdir().unwrap();
    assert_eq!(from_cache(t.path(), c.path(), &[]), 0);
    // Reused with masked location texts, reported exactly as when read.
    assert_eq!(from_cache(t.path(), c.path(), &[]), 2);
    let report = scan(t.path(), c.path(), &[]).json().to_string();
    assert!(report.contains("Sykmelding for"), "{report}");
    for file in ["cache.redb", "cache.redb.texts"] {
        let cache = fs::read(c.path().join(file)).unwrap();
        for raw in [
            FNR,
            FNR2,
            "kari.nordmann@firma.no",
            "912 34 567",
            "91234567",
        ] {
            assert!(
                !cache.windows(raw.len()).any(|w| w == raw.as_bytes()),
                "{raw} in {file}"
            );
        }
    }
}

/// Compaction of the texts file (rendered findings of JSON reports) happens once the report
/// is written: a rescan whose changed file leaves most texts dead still reports the unchanged
/// files' findings from their stored texts, and so does the rescan after the rewrite.
#[test]
fn the_texts_file_is_compacted_after_the_report_and_reports_stay_alike() {
    let t = tree();
    let many = many_findings(t.path(), FNR, 300);
    let c = tempfile::tempdir().unwrap();
    let texts = c.path().join("cache.redb.texts");
    let scan = |args: &[&str]| {
        let mut cmd = sporhund();
        cmd.arg("scan")
            .arg(t.path())
            .args(["--format", "json", "--no-progress", "--cache-dir"])
            .arg(c.path())
            .env("SPORHUND_CACHE_COMPACT_FROM", "0");
        run(cmd, args)
    };
    assert_eq!(scan(&[]).json()["summary"]["files_from_cache"], 0);
    let before = fs::metadata(&texts).unwrap().len();
    // The long file's text is now dead, and outweighs all the others.
    fs::write(&many, format!("fnr {FNR2}\n")).unwrap();
    age(&many, 60);
    let changed = scan(&[]).json();
    assert_eq!(changed["summary"]["files_from_cache"], 4);
    let full = scan(&["--no-cache"]).json();
    assert_eq!(comparable(&changed), comparable(&full));
    let after = fs::metadata(&texts).unwrap().len();
    assert!(after < before / 10, "{before} -> {after}: not compacted");
    let again = scan(&[]).json();
    assert_eq!(again["summary"]["files_from_cache"], 5);
    assert_eq!(comparable(&again), comparable(&full));
}

/// The finding records of a JSON Lines report, sorted.
fn finding_lines(r: &Run) -> Vec<String> {
    let mut lines: Vec<String> = r
        .jsonl()
        .into_iter()
        .filter(|v| v["type"] == "finding")
        .map(|v| v.to_string())
        .collect();
    lines.sort();
    lines
}

/// A file whose findings, rendered, are long enough for the cache to keep them rendered.
fn many_findings(dir: &Path, fnr: &str, lines: usize) -> std::path::PathBuf {
    let many = dir.join("mange.txt");
    let text: String = (0..lines)
        .map(|i| format!("linje {i}: fnr {fnr}\n"))
        .collect();
    fs::write(&many, text).unwrap();
    age(&many, 3600);
    many
}

#[test]
fn rendered_findings_in_the_cache_follow_formats_and_changes() {
    let t = tree();
    let many = many_findings(t.path(), FNR, 300);
    let c = tempfile::tempdir().unwrap();
    // A JSON scan stores the long file's findings rendered as well as listed.
    assert_eq!(from_cache(t.path(), c.path(), &[]), 0);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 5);
    // Other outputs take the listed findings: the same as read from the files.
    let jsonl = |args: &[&str]| {
        let mut cmd = sporhund();
        cmd.arg("scan")
            .arg(t.path())
            .args(["--format", "jsonl", "--no-progress", "--cache-dir"])
            .arg(c.path());
        let r = run(cmd, args);
        r.expect_code(1);
        r
    };
    let listed = finding_lines(&jsonl(&[]));
    assert_eq!(listed.len(), 304);
    assert_eq!(listed, finding_lines(&jsonl(&["--no-cache"])));
    assert_eq!(
        from_cache(t.path(), c.path(), &["--group-by", "message"]),
        5
    );
    // Changed, and stored again by a scan that does not render: the rendered findings kept
    // from before are not shown by the next JSON scan.
    fs::write(&many, format!("fnr {FNR2}\n")).unwrap();
    age(&many, 60);
    let r = jsonl(&[]);
    assert!(r.stdout.contains("\"files_from_cache\":4"), "{}", r.stdout);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 5);
    let report = scan(t.path(), c.path(), &[]).json();
    assert_eq!(report["summary"]["findings"], 5);
    // Long again, then a baseline, which needs each finding: the rendered findings are read
    // back, and hiding works alike.
    many_findings(t.path(), FNR2, 200);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 4);
    let b = t.path().join("baseline.json");
    let written = scan(
        t.path(),
        c.path(),
        &["--write-baseline", b.to_str().unwrap()],
    );
    written.expect_code(1);
    let hidden = scan(t.path(), c.path(), &["--baseline", b.to_str().unwrap()]);
    hidden.expect_code(0);
    assert_eq!(hidden.json()["summary"]["hidden_by_baseline"], 204);
}

#[test]
fn a_file_with_many_findings_is_reported_alike_from_the_cache() {
    let t = tree();
    // Its rendered findings are kept in the cache and read from it while the report is
    // written.
    many_findings(t.path(), FNR, 300);
    let c = tempfile::tempdir().unwrap();
    assert_eq!(from_cache(t.path(), c.path(), &[]), 0);
    assert_eq!(from_cache(t.path(), c.path(), &[]), 5);
    let r = scan(t.path(), c.path(), &[]).json();
    assert_eq!(r["summary"]["findings"], 304);
    assert_eq!(r["summary"]["findings_by_category"]["national_id"], 302);
    // Rendered as reported: masked.
    let cache = fs::read(c.path().join("cache.redb")).unwrap();
    assert!(!cache.windows(FNR.len()).any(|w| w == FNR.as_bytes()));
}

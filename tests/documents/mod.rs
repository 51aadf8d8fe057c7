//! Helpers shared by tests/formats_office.rs and tests/formats_archive.rs: comparing a scan of
//! a fixture folder with the `expected.json` its generator wrote, running the binary while
//! watching its peak memory, and feeding bytes through the library's dispatcher.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sporhund::extract::{Dispatcher, ExtractError, Limits, Segment, SegmentSink};
use sporhund::location::Location;

use crate::common::{self, run, s, sporhund};

/// The `expected.json` of a fixture folder.
pub fn expected(dir: &str) -> Value {
    let path = common::root().join(dir).join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run the folder's generator)", path.display()));
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// A finding as compared: rule, kind and the full location.
pub fn finding_key(f: &Value) -> String {
    format!("{}/{} at {}", s(f, "rule"), s(f, "kind"), f["location"])
}

fn keys(list: &Value) -> Vec<String> {
    let mut k: Vec<String> = list
        .as_array()
        .map(|a| a.iter().map(finding_key).collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// The exit code a scan of one file must end with: given, or from findings and errors.
fn exit_code(want: &Value) -> i64 {
    if let Some(code) = want["exit_code"].as_i64() {
        return code;
    }
    let found = want["findings"].as_array().is_some_and(|a| !a.is_empty());
    let errors = want["errors"].as_array().is_some_and(|a| !a.is_empty());
    match (found, errors) {
        (false, false) => 0,
        (true, false) => 1,
        (false, true) => 3,
        (true, true) => 4,
    }
}

/// Scans every file listed in `dir/expected.json` alone and compares findings (exact: rule,
/// kind and full location, missing and extra both fail), errors (location and message part,
/// nothing unexpected) and exit code. Panics with every difference at once.
pub fn check_fixture_dir(dir: &str) {
    let expected = expected(dir);
    let files = expected["files"].as_object().expect("files");
    assert!(!files.is_empty());
    let mut problems = String::new();
    for (file, want) in files {
        let (code, actual, report) = scan_keys(&format!("{dir}/{file}"));
        if code.map(i64::from) != Some(exit_code(want)) {
            let _ = writeln!(
                problems,
                "  {file}: exit code {code:?}, want {}",
                exit_code(want)
            );
        }
        let wanted = keys(&want["findings"]);
        let gaps = keys(&want["known_gaps"]);
        for k in wanted.iter().filter(|k| !actual.contains(k)) {
            let _ = writeln!(problems, "  {file}: missing {k}");
        }
        for k in actual.iter().filter(|k| !wanted.contains(k)) {
            let what = if gaps.contains(k) {
                "a known gap is found now (move it to the findings in the generator)"
            } else {
                "extra"
            };
            let _ = writeln!(problems, "  {file}: {what}: {k}");
        }
        if actual.len() != wanted.len() && problems.is_empty() {
            let _ = writeln!(problems, "  {file}: duplicate findings: {actual:?}");
        }
        compare_errors(file, want, &report["errors"], &mut problems);
    }
    assert!(
        problems.is_empty(),
        "{dir} differs from expected.json:\n{problems}"
    );
}

fn compare_errors(file: &str, want: &Value, errors: &Value, problems: &mut String) {
    let wanted = want["errors"].as_array().cloned().unwrap_or_default();
    let errors = errors.as_array().cloned().unwrap_or_default();
    for w in &wanted {
        let hit = errors.iter().any(|e| {
            e["location"] == w["location"]
                && s(e, "message")
                    .to_lowercase()
                    .contains(&s(w, "contains").to_lowercase())
        });
        if !hit {
            let _ = writeln!(
                problems,
                "  {file}: missing error at {} containing {:?}; errors: {errors:?}",
                w["location"],
                s(w, "contains")
            );
        }
    }
    if errors.len() != wanted.len() {
        let _ = writeln!(
            problems,
            "  {file}: {} errors, want {}: {errors:?}",
            errors.len(),
            wanted.len()
        );
    }
}

/// The findings of a scan of one fixture, as `(rule/kind at location)` keys. Locations are
/// compared as written (`--show-values`); masking of their texts is tested on its own.
pub fn scan_keys(path: &str) -> (Option<i32>, Vec<String>, Value) {
    let mut cmd = sporhund();
    cmd.args([
        "scan",
        "--format",
        "json",
        "--no-progress",
        "--show-values",
        path,
    ]);
    let r = run(cmd, Vec::<String>::new());
    let report = r.json();
    (r.code, keys(&report["findings"]), report)
}

/// What a run of the binary left behind, with its peak resident memory.
#[derive(Debug)]
pub struct Watched {
    pub code: Option<i32>,
    pub stdout: String,
    /// Largest VmHWM read from /proc while it ran, in KiB (0 where /proc has none).
    pub peak_kib: u64,
    pub elapsed: Duration,
}

/// Runs `sporhund <args>` and polls its VmHWM (peak resident set) until it exits.
pub fn run_watching_memory(args: &[&str]) -> Watched {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stdout");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sporhund"))
        .env("SPORHUND_FINGERPRINT_KEY", common::KEY)
        .env("SPORHUND_STATE_DIR", common::state_dir())
        .current_dir(common::root())
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let status = loop {
        if let Some(hwm) = std::fs::read_to_string(&status_path)
            .ok()
            .and_then(|s| vm_hwm(&s))
        {
            peak = peak.max(hwm);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > common::TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "sporhund {args:?} did not finish within {:?}",
                common::TIMEOUT
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    Watched {
        code: status.code(),
        stdout: std::fs::read_to_string(&out).unwrap(),
        peak_kib: peak,
        elapsed: started.elapsed(),
    }
}

fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// Everything the library's extractors report for one source.
#[derive(Default, Debug)]
pub struct Collect {
    /// (location, text) of every segment.
    pub texts: Vec<(String, String)>,
    /// (location, message) of every error.
    pub errors: Vec<(String, String)>,
}

impl SegmentSink for Collect {
    fn text(&mut self, s: Segment<'_>) {
        self.texts
            .push((s.location.to_string(), s.text.to_string()));
    }
    fn error(&mut self, location: &Location, e: &ExtractError) {
        self.errors.push((location.to_string(), e.to_string()));
    }
}

/// Runs `data` (named `name`) through the dispatcher with `limits`; the dispatcher's own
/// result is recorded as an error at the root.
pub fn extract_bytes(data: &[u8], name: &str, limits: Limits) -> Collect {
    let mut sink = Collect::default();
    if let Err(e) = Dispatcher::new(limits).extract_bytes(data, name, &mut sink) {
        sink.errors.push((String::new(), e.to_string()));
    }
    sink
}

/// A small deterministic generator (xorshift64*), so mutation cases are the same every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A damaged copy of `data`: bytes flipped, a range zeroed, cut short, or a range repeated.
pub fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = data.to_vec();
    if d.is_empty() {
        return d;
    }
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
        }
        1 => {
            let at = rng.below(d.len());
            let len = rng.below(64).min(d.len() - at);
            d[at..at + len].fill(0);
        }
        2 => d.truncate(rng.below(d.len())),
        _ => {
            let at = rng.below(d.len());
            let len = rng.below(256).min(d.len() - at);
            let piece = d[at..at + len].to_vec();
            d.splice(at..at, piece);
        }
    }
    d
}

/// Asserts that no case made a parser panic (the dispatcher turns a panic into an error
/// saying "parser crashed").
pub fn assert_no_panics(cases: &[(String, Collect)]) {
    let crashed: Vec<String> = cases
        .iter()
        .flat_map(|(name, c)| {
            c.errors
                .iter()
                .filter(|(_, m)| m.contains("parser crashed"))
                .map(move |(l, m)| format!("{name} at {l}: {m}"))
        })
        .collect();
    assert!(
        crashed.is_empty(),
        "{} panics:\n{}",
        crashed.len(),
        crashed.join("\n")
    );
}

/// The fixture files of a folder (not the generator, README or expected.json).
pub fn fixture_files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(common::root().join(dir))
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            if !p.is_file() {
                return None; // a Maildir's cur/new/tmp
            }
            let name = p.file_name()?.to_string_lossy().into_owned();
            let meta = name.ends_with(".py") || name.ends_with(".md") || name.ends_with(".json");
            (!meta).then(|| (name, std::fs::read(&p).unwrap()))
        })
        .collect();
    files.sort();
    files
}

/// A file written into `dir`.
pub fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    path.display().to_string()
}

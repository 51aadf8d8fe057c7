//! Helpers shared by the tests that run the real `sporhund` binary (tests/cli.rs,
//! tests/scan_fixtures.rs).

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The fingerprint key every run gets unless a test says otherwise, so no run ever creates a
/// key file in the user's state directory.
pub const KEY: &str = "test";

/// Longest a single run may take before the test fails (a run that blocks, e.g. on a FIFO,
/// must fail the test instead of hanging it).
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The repository root (where `fixtures/` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/fixtures/<rel>` beside the checkout (third-party samples kept outside the
/// repository), or `None` with a note on stderr saying the tests using it were skipped.
pub fn shared_fixture(rel: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/fixtures").join(rel);
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (third-party samples live outside the repository)",
            dir.display()
        );
        None
    }
}

/// The state directory every run gets unless a test says otherwise (so no run keeps a cache in
/// the user's own state directory); shared by all tests, under target/.
pub fn state_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("state")
}

/// `sporhund` with the test fingerprint key and state directory, run from the repository root.
pub fn sporhund() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sporhund"));
    c.env("SPORHUND_FINGERPRINT_KEY", KEY)
        .env("SPORHUND_STATE_DIR", state_dir())
        .current_dir(root());
    c
}

/// What a finished run left behind.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The command line, for messages.
    pub what: String,
}

impl Run {
    /// Asserts the exit code, showing stderr and the start of stdout when it differs.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "{}: exit code\n--- stderr:\n{}\n--- stdout (start):\n{}",
            self.what,
            self.stderr,
            self.stdout.chars().take(3000).collect::<String>()
        );
        self
    }

    /// Stdout parsed as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{}: stdout is not JSON ({e}):\n{}", self.what, self.stdout))
    }

    /// Stdout parsed as JSON Lines.
    pub fn jsonl(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{}: not a JSON line ({e}): {l}", self.what))
            })
            .collect()
    }
}

/// Runs `cmd` with `args` to completion (or [`TIMEOUT`]), capturing stdout and stderr through
/// files so a large report can never fill a pipe and stall the run.
pub fn run<I, S>(mut cmd: Command, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with_timeout(&mut cmd, args, TIMEOUT)
}

/// [`run`] with a custom deadline.
pub fn run_with_timeout<I, S>(cmd: &mut Command, args: I, timeout: Duration) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    cmd.args(args);
    let what = format!("{cmd:?}");
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} did not finish within {timeout:?} (blocked?)\n--- stderr:\n{}",
                read_lossy(&err_path)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        code: status.code(),
        stdout: read_lossy(&out_path),
        stderr: read_lossy(&err_path),
        what,
    }
}

fn read_lossy(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

/// `sporhund scan <args> --format json` from the repository root: exit code and report.
pub fn scan_json<I, S>(args: I) -> (Option<i32>, Value)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = sporhund();
    cmd.args(["scan", "--format", "json", "--no-progress"]);
    let r = run(cmd, args);
    let json = r.json();
    (r.code, json)
}

/// The `line` and `column` of a finding whose location is exactly one line step.
pub fn line_column(finding: &Value) -> Option<(u64, u64)> {
    match finding["location"].as_array()?.as_slice() {
        [step] if step["type"] == "line" => {
            Some((step["line"].as_u64()?, step["column"].as_u64()?))
        }
        _ => None,
    }
}

/// A string field, or "" when absent or null.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

//! The scheduling examples in contrib/: the systemd units pass `systemd-analyze verify`
//! (with ExecStart pointed at the binary under test), and the cron entry runs the same
//! command line the README documents. Where systemd is not installed the units are not
//! verified, and the test says so on stderr.

use crate::common;

use std::fs;
use std::process::Command;

use common::root;

#[test]
fn systemd_units_verify() {
    let dir = tempfile::tempdir().unwrap();
    for unit in ["sporhund-scan.service", "sporhund-scan.timer"] {
        let text = fs::read_to_string(root().join("contrib/systemd").join(unit)).unwrap();
        let text = text.replace("/usr/local/bin/sporhund", env!("CARGO_BIN_EXE_sporhund"));
        fs::write(dir.path().join(unit), text).unwrap();
    }
    let service = fs::read_to_string(dir.path().join("sporhund-scan.service")).unwrap();
    assert!(service.contains("SuccessExitStatus=1\n"));
    assert!(service.contains("--baseline /var/lib/sporhund/baseline.json"));
    let out = match Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.path().join("sporhund-scan.service"))
        .arg(dir.path().join("sporhund-scan.timer"))
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("systemd-analyze not available ({e}); units not verified");
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.trim(), "", "verify warnings");
}

#[test]
fn cron_entry_uses_documented_options() {
    let cron = fs::read_to_string(root().join("contrib/cron/sporhund")).unwrap();
    let job = cron
        .lines()
        .find(|l| l.starts_with("30 2 * * * sporhund "))
        .expect("a nightly job line");
    for option in ["--baseline", "--format json", "--output", "--no-progress"] {
        assert!(job.contains(option), "{option} in {job}");
    }
    assert!(cron.contains("SPORHUND_STATE_DIR=/var/lib/sporhund"));
}

//! Policy stage, between detect and report: what the organisation has decided not to see.
//!
//! - [`config`]: `sporhund.toml`, found in each scanned root or given with `--config`.
//! - [`allowlist`]: paths, rules and (hashed) values that never become findings; applied on
//!   the worker threads to each detection, where the normalised value is at hand.
//! - [`baseline`]: findings known from an earlier scan, hidden on the report thread so that
//!   only new ones are reported; also records a new baseline.
//!
//! Both kinds of hidden finding are counted in the summary.

pub mod allowlist;
pub mod baseline;
pub mod config;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::report::roots::Roots;
use crate::report::Finding;

use allowlist::Allowlist;
use baseline::{Baseline, Tracker};

/// The policy of one scan. The default hides nothing.
#[derive(Debug, Default)]
pub struct Policy {
    roots: Roots,
    /// Allowlist per root (same order as `roots`).
    allowlists: Vec<Option<Allowlist>>,
    baseline: Option<Baseline>,
    write_baseline: Option<PathBuf>,
    key_check: String,
    allowed: AtomicU64,
}

impl Policy {
    /// A policy for a scan of `roots`, each with its allowlist (if any).
    pub fn new(roots: Roots, allowlists: Vec<Option<Allowlist>>) -> Self {
        assert_eq!(
            roots.paths().len(),
            allowlists.len(),
            "one allowlist per root"
        );
        Policy {
            roots,
            allowlists,
            ..Policy::default()
        }
    }

    /// Also hide the findings of `baseline`.
    pub fn with_baseline(mut self, baseline: Baseline) -> Self {
        self.baseline = Some(baseline);
        self
    }

    /// Also record this scan's findings as a baseline at `path`, under the fingerprint key
    /// identified by `key_check` ([`baseline::key_check`]).
    pub fn writing_baseline(mut self, path: PathBuf, key_check: String) -> Self {
        self.write_baseline = Some(path);
        self.key_check = key_check;
        self
    }

    /// True when some root has an allowlist (findings then depend on the config files too).
    pub fn has_allowlists(&self) -> bool {
        self.allowlists.iter().any(Option::is_some)
    }

    /// The allowlist decisions for one file.
    pub fn for_file(&self, path: &Path) -> FilePolicy<'_> {
        if self.allowlists.iter().all(Option::is_none) {
            return FilePolicy::default();
        }
        let (root, relative) = self.roots.relative(path);
        let list = root.and_then(|i| self.allowlists[i].as_ref());
        FilePolicy {
            list,
            whole_file: list.is_some_and(|l| l.allows_path(&relative)),
            counter: Some(&self.allowed),
        }
    }

    /// Findings hidden by allowlists so far (and resets the count).
    pub fn take_allowed(&self) -> u64 {
        self.allowed.swap(0, Ordering::Relaxed)
    }

    /// Baseline state for one scan.
    pub fn tracker(&self) -> Tracker {
        Tracker::new(self.baseline.as_ref(), self.write_baseline.is_some())
    }

    /// True when the scan needs [`Policy::admit`] for each finding.
    pub fn tracks_findings(&self) -> bool {
        self.baseline.is_some() || self.write_baseline.is_some()
    }

    /// The baseline identity of a finding.
    pub fn identity(&self, f: &Finding) -> String {
        let (_, relative) = self.roots.relative(Path::new(&f.path));
        baseline::identity(&f.fingerprint, &relative, &f.location)
    }

    /// Counts a finding against the baseline; `false` when the baseline hides it.
    pub fn admit(&self, tracker: &mut Tracker, f: &Finding) -> bool {
        if !self.tracks_findings() {
            return true;
        }
        tracker.admit(self.identity(f), &f.rule)
    }

    /// Ends a scan: writes the baseline when asked to.
    pub fn finish(&self, tracker: Tracker) -> std::io::Result<()> {
        if let (Some(path), Some(entries)) = (&self.write_baseline, tracker.into_recorded()) {
            baseline::write(path, &self.key_check, entries).map_err(std::io::Error::other)?;
        }
        Ok(())
    }
}

/// The allowlist decisions for one file.
#[derive(Debug, Default, Clone, Copy)]
pub struct FilePolicy<'a> {
    list: Option<&'a Allowlist>,
    whole_file: bool,
    counter: Option<&'a AtomicU64>,
}

impl FilePolicy<'_> {
    /// True (and counted) when a detection of `rule` with this normalised value is allowed.
    pub fn allows(&self, rule: &str, normalized: &str) -> bool {
        let allowed = self
            .list
            .is_some_and(|l| self.whole_file || l.allows(rule, normalized));
        if allowed {
            if let Some(c) = self.counter {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::config::Config;

    #[test]
    fn each_root_uses_its_own_allowlist() {
        let config =
            Config::parse("[allow]\npaths=[\"test/**\"]\nrules=[\"no.email\"]", "t").unwrap();
        let list = Allowlist::new(&config.allow, "t").unwrap();
        let policy = Policy::new(
            Roots::new(vec!["/a".into(), "/b".into()]),
            vec![Some(list), None],
        );
        assert!(policy
            .for_file(Path::new("/a/x.txt"))
            .allows("no.email", "k@x.no"));
        assert!(!policy.for_file(Path::new("/a/x.txt")).allows("no.fnr", "1"));
        assert!(policy
            .for_file(Path::new("/a/test/x.txt"))
            .allows("no.fnr", "1"));
        assert!(!policy
            .for_file(Path::new("/b/test/x.txt"))
            .allows("no.email", "k@x.no"));
        assert_eq!(policy.take_allowed(), 2);
        assert_eq!(policy.take_allowed(), 0);
        assert!(!Policy::default()
            .for_file(Path::new("/a"))
            .allows("no.fnr", "1"));
    }
}

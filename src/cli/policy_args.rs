//! Scan options that load the policy stage: `--config`, `--no-config`, `--baseline`,
//! `--write-baseline`.

use std::path::PathBuf;

use clap::Args;

use crate::policy::allowlist::Allowlist;
use crate::policy::baseline::{self, Baseline};
use crate::policy::config::{Config, FILE_NAME};
use crate::policy::Policy;
use crate::report::fingerprint::Fingerprinter;
use crate::report::roots::Roots;

/// Where allowlists and baselines come from.
#[derive(Debug, Clone, Args)]
pub(super) struct PolicyArgs {
    /// Allowlists from FILE for every root, instead of each root's own sporhund.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore sporhund.toml files in the scanned roots.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Hide findings recorded in this baseline (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record this scan's findings (those not allowlisted) as a baseline in FILE.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
}

impl PolicyArgs {
    /// The policy for a scan of `roots`; any unreadable or malformed file is an error.
    pub(super) fn load(&self, roots: &[PathBuf], keys: &Fingerprinter) -> Result<Policy, String> {
        let allowlists = if let Some(path) = &self.config {
            let list = allowlist_of(&Config::load(path)?, path)?;
            vec![Some(list); roots.len()]
        } else if self.no_config {
            vec![None; roots.len()]
        } else {
            roots
                .iter()
                .map(|root| match Config::find_in(root)? {
                    Some((path, config)) => allowlist_of(&config, &path).map(Some),
                    None => Ok(None),
                })
                .collect::<Result<_, String>>()?
        };
        let mut policy = Policy::new(Roots::new(roots.to_vec()), allowlists);
        let key_check = baseline::key_check(keys);
        if let Some(path) = &self.baseline {
            policy = policy.with_baseline(Baseline::load(path, &key_check)?);
        }
        if let Some(path) = &self.write_baseline {
            policy = policy.writing_baseline(path.clone(), key_check);
        }
        Ok(policy)
    }

    /// True when the scan records a baseline.
    pub(super) fn writes_baseline(&self) -> bool {
        self.write_baseline.is_some()
    }

    /// The policy's own files (configs, baselines), which the walk leaves out: they hold
    /// only hashes, but a long run of hex digits can look like a card or account number.
    pub(super) fn files(&self, roots: &[PathBuf]) -> Vec<PathBuf> {
        let configs = roots
            .iter()
            .map(|r| r.join(FILE_NAME))
            .filter(|p| !self.no_config && p.is_file());
        self.config
            .iter()
            .chain(&self.baseline)
            .chain(&self.write_baseline)
            .cloned()
            .chain(configs)
            .collect()
    }
}

fn allowlist_of(config: &Config, path: &std::path::Path) -> Result<Allowlist, String> {
    Allowlist::new(&config.allow, &path.display().to_string())
}

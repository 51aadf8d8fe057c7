//! Compiled allowlists: paths (globs), rules (ids) and values (salted hashes).
//!
//! Values are never stored raw. A config keeps a random `value_salt`, and each allowed value
//! is BLAKE3 (in key-derivation mode, so the hash is sporhund's own) of salt, rule id and the
//! value as the engine normalises it. The salt lives in the file, so every machine that reads
//! the config (CI runners, laptops) matches the same values without sharing a secret; the
//! price is that someone holding the file can test candidate values one by one. That is why
//! allowlists are for values that are not secret to begin with: the organisation's own org
//! number and switchboard phone, published test numbers. The per-file salt still stops
//! precomputed tables and cross-file comparisons, and nothing in the file shows the value.

use std::collections::HashSet;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::config::AllowConfig;

const VALUE_CONTEXT: &str = "sporhund 2026 allowlisted value v1";

/// Hex digits of a value hash.
pub const HASH_LEN: usize = 32;

/// The hash stored for an allowed value: salted BLAKE3 of rule id and normalised value.
pub fn value_hash(salt: &str, rule: &str, normalized: &str) -> String {
    let mut h = blake3::Hasher::new_derive_key(VALUE_CONTEXT);
    for part in [salt, rule, normalized] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_hex()[..HASH_LEN].to_string()
}

/// A fresh random salt (128 bits, hex).
pub fn new_salt() -> String {
    crate::report::fingerprint::random_hex::<16>()
}

/// One config's allowlists, ready to match.
#[derive(Debug, Clone)]
pub struct Allowlist {
    names: GlobSet,
    paths: GlobSet,
    rules: HashSet<String>,
    salt: String,
    values: HashSet<String>,
}

impl Allowlist {
    /// Compiles an `[allow]` table; `source` names the file in errors.
    pub fn new(config: &AllowConfig, source: &str) -> Result<Self, String> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for g in &config.paths {
            let pattern = g.trim_start_matches("./").trim_end_matches('/');
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("{source}: invalid path glob {g:?}: {e}"))?;
            if pattern.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        let salt = config.value_salt.clone().unwrap_or_default();
        if !config.values.is_empty() && salt.is_empty() {
            return Err(format!(
                "{source}: [[allow.value]] entries need `value_salt` in [allow] (the salt they \
                 were hashed with)"
            ));
        }
        let mut values = HashSet::new();
        for v in &config.values {
            let hash = v.hash.to_ascii_lowercase();
            if hash.len() != HASH_LEN || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "{source}: allowed value for {} has a malformed hash {:?} (expected {HASH_LEN} \
                     hex digits from `sporhund allow-value`)",
                    v.rule, v.hash
                ));
            }
            values.insert(format!("{}\0{hash}", v.rule));
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| format!("{source}: {e}"));
        Ok(Allowlist {
            names: build(names)?,
            paths: build(paths)?,
            rules: config.rules.iter().cloned().collect(),
            salt,
            values,
        })
    }

    /// True when every finding in the file at `relative` (to its scan root, `/`-separated)
    /// is allowed.
    pub fn allows_path(&self, relative: &str) -> bool {
        let name = relative.rsplit('/').next().unwrap_or(relative);
        self.names.is_match(name) || self.paths.is_match(relative)
    }

    /// True when findings of `rule` with this normalised value are allowed.
    pub fn allows(&self, rule: &str, normalized: &str) -> bool {
        self.rules.contains(rule)
            || (!self.values.is_empty()
                && self.values.contains(&format!(
                    "{rule}\0{}",
                    value_hash(&self.salt, rule, normalized)
                )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::config::AllowedValue;

    fn allowlist(paths: &[&str], rules: &[&str], values: &[(&str, &str)]) -> Allowlist {
        let salt = "5a17";
        let config = AllowConfig {
            paths: paths.iter().map(|s| s.to_string()).collect(),
            rules: rules.iter().map(|s| s.to_string()).collect(),
            value_salt: Some(salt.into()),
            values: values
                .iter()
                .map(|(rule, value)| AllowedValue {
                    rule: rule.to_string(),
                    hash: value_hash(salt, rule, value),
                    note: None,
                })
                .collect(),
        };
        Allowlist::new(&config, "test").unwrap()
    }

    #[test]
    fn path_globs_match_names_anywhere_and_paths_from_the_root() {
        let a = allowlist(&["*.example", "testdata/**", "docs/*.md"], &[], &[]);
        assert!(a.allows_path("deep/in/x.example"));
        assert!(a.allows_path("testdata/a/b/c.txt"));
        assert!(a.allows_path("docs/readme.md"));
        assert!(
            !a.allows_path("docs/sub/readme.md"),
            "* stays in one directory"
        );
        assert!(!a.allows_path("src/testdata/a.txt"), "anchored at the root");
        assert!(!a.allows_path("kunde.txt"));
    }

    #[test]
    fn rules_and_hashed_values() {
        let a = allowlist(&[], &["no.email"], &[("no.orgnr", "974760673")]);
        assert!(a.allows("no.email", "kari@firma.no"));
        assert!(a.allows("no.orgnr", "974760673"));
        assert!(!a.allows("no.orgnr", "974760681"));
        assert!(
            !a.allows("no.account", "974760673"),
            "a value is allowed for its rule only"
        );
    }

    #[test]
    fn hashes_depend_on_salt_rule_and_value_and_hide_the_value() {
        let h = value_hash("s1", "no.fnr", "15108695088");
        assert_eq!(h.len(), HASH_LEN);
        assert_eq!(h, value_hash("s1", "no.fnr", "15108695088"));
        assert_ne!(h, value_hash("s2", "no.fnr", "15108695088"));
        assert_ne!(h, value_hash("s1", "no.dnr", "15108695088"));
        assert_ne!(h, value_hash("s1", "no.fnr", "15108695089"));
        // Length-prefixed parts: moving a character between parts changes the hash.
        assert_ne!(value_hash("ab", "c", "d"), value_hash("a", "bc", "d"));
        assert!(!h.contains("15108695088"));
        assert_eq!(new_salt().len(), 32);
        assert_ne!(new_salt(), new_salt());
    }

    #[test]
    fn bad_entries_are_errors() {
        let mut config = AllowConfig {
            values: vec![AllowedValue {
                rule: "no.orgnr".into(),
                hash: "0".repeat(HASH_LEN),
                note: None,
            }],
            ..AllowConfig::default()
        };
        let e = Allowlist::new(&config, "s.toml").unwrap_err();
        assert!(e.contains("value_salt"), "{e}");
        config.value_salt = Some("aa".into());
        config.values[0].hash = "974760673".into();
        let e = Allowlist::new(&config, "s.toml").unwrap_err();
        assert!(e.contains("malformed hash"), "{e}");
        config.values.clear();
        config.paths = vec!["a[".into()];
        let e = Allowlist::new(&config, "s.toml").unwrap_err();
        assert!(e.starts_with("s.toml: invalid path glob"), "{e}");
    }
}

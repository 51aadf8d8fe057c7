//! `sporhund.toml`: the per-tree policy file (allowlists), found in a scanned root or given
//! with `--config`.
//!
//! ```toml
//! [allow]
//! paths = ["testdata/**", "*.example"]   # globs relative to the scan root
//! rules = ["no.email"]                    # rule ids
//! value_salt = "…"                        # salt of the value hashes below
//!
//! [[allow.value]]                         # printed by `sporhund allow-value`
//! rule = "no.orgnr"
//! hash = "…"
//! note = "our own organisation number"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The name looked for in each scanned root.
pub const FILE_NAME: &str = "sporhund.toml";

/// A parsed `sporhund.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What never becomes a finding.
    #[serde(default)]
    pub allow: AllowConfig,
}

/// The `[allow]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    /// Globs of paths relative to the scan root; a glob without `/` matches a file name.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Rule ids whose findings are not reported.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Salt of the value hashes (random, one per config file).
    #[serde(default)]
    pub value_salt: Option<String>,
    /// Allowed values, hashed.
    #[serde(default, rename = "value")]
    pub values: Vec<AllowedValue>,
}

/// One allowed value: the salted hash of a rule's normalised value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedValue {
    /// Rule id the value is allowed for.
    pub rule: String,
    /// `allowlist::value_hash` of the normalised value under the file's `value_salt`.
    pub hash: String,
    /// Why it is allowed (free text; never the value itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Config {
    /// Parses config text; `source` names it in errors, which carry line and column.
    pub fn parse(text: &str, source: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| format!("{source}: {e}"))
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Config::parse(&text, &path.display().to_string())
    }

    /// The `sporhund.toml` of a scan root, if the root is a directory that has one.
    pub fn find_in(root: &Path) -> Result<Option<(PathBuf, Config)>, String> {
        let path = root.join(FILE_NAME);
        if !root.is_dir() || !path.is_file() {
            return Ok(None);
        }
        Config::load(&path).map(|c| Some((path, c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_sections() {
        let c = Config::parse(
            "[allow]\npaths = [\"test/**\"]\nrules = [\"no.email\"]\nvalue_salt = \"ab\"\n\n\
             [[allow.value]]\nrule = \"no.orgnr\"\nhash = \"00\"\nnote = \"own\"\n",
            "t",
        )
        .unwrap();
        assert_eq!(c.allow.paths, ["test/**"]);
        assert_eq!(c.allow.rules, ["no.email"]);
        assert_eq!(c.allow.value_salt.as_deref(), Some("ab"));
        assert_eq!(
            c.allow.values,
            [AllowedValue {
                rule: "no.orgnr".into(),
                hash: "00".into(),
                note: Some("own".into())
            }]
        );
        assert_eq!(Config::parse("", "t").unwrap(), Config::default());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,300}") {
            let _ = Config::parse(&text, "t");
        }

        #[test]
        fn allowlists_from_any_parsed_config_never_panic(
            paths in proptest::collection::vec("\\PC{0,12}", 0..4),
            hash in "[0-9a-fA-F]{0,40}",
        ) {
            let text = format!(
                "[allow]\npaths = {paths:?}\nvalue_salt = \"s\"\n[[allow.value]]\nrule = \"r\"\nhash = {hash:?}\n"
            );
            if let Ok(c) = Config::parse(&text, "t") {
                let _ = crate::policy::allowlist::Allowlist::new(&c.allow, "t");
            }
        }
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let e = Config::parse("[allow]\nrules = [\"a\"\n", "x/sporhund.toml").unwrap_err();
        assert!(e.starts_with("x/sporhund.toml: "), "{e}");
        assert!(e.contains("line 2, column"), "{e}");
        let e = Config::parse("[allow]\npath = []\n", "s.toml").unwrap_err();
        assert!(e.contains("line 2, column 1"), "{e}");
        assert!(e.contains("unknown field `path`"), "{e}");
    }
}

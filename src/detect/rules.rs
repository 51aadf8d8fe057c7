//! The rule-file model: TOML files under `rules/` (built in at compile time) and any the user
//! adds with `--rules DIR` / `--rule-file F`.
//!
//! A file holds one or more `[[rule]]` tables; the README documents every field. Unknown fields
//! are errors, so a typo in a rule file fails `sporhund rules check` instead of being ignored.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::validate::Validator;

/// How serious a finding is; ordered from least to most serious.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, rarely personal (e.g. an organisation number).
    Info,
    /// Personal but low risk, or synthetic test data.
    Low,
    /// Personal data (e-mail, phone).
    #[default]
    Medium,
    /// Identifying or financial data (fødselsnummer, account, card).
    High,
    /// Sensitive combinations (identifier with special-category data).
    Critical,
}

impl Severity {
    /// Every severity, least serious first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// Its place in [`Severity::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The lower-case name used in rule files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The next more serious severity (`critical` stays `critical`).
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("unknown severity {s:?} (info, low, medium, high, critical)"))
    }
}

/// What must surround a match for it to count as a whole value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Boundary {
    /// No check.
    #[default]
    None,
    /// No ASCII letter or digit directly before or after.
    Word,
    /// As `word`, and not part of a decimal number (`1.`, `,5`) on either side.
    Digits,
    /// As `digits`, and no neighbouring digit group joined by a separator (`12 34 …`) or a
    /// leading `+`: for values written in groups, such as phone numbers.
    DigitGroups,
}

/// Context keywords near a match, and what they do.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// Bytes before and after the match that are searched for keywords.
    #[serde(default = "default_window")]
    pub window: usize,
    /// Keywords that support the match (whole words, case-insensitive; `stem*` for a prefix).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Added to the confidence when a keyword is near.
    #[serde(default = "default_boost")]
    pub boost: f32,
    /// Keywords that say the value is something else (e.g. `konto*` near an fnr-shaped number).
    /// When the nearest keyword is one of these, the match is dropped.
    #[serde(default)]
    pub negative: Vec<String>,
}

fn default_window() -> usize {
    64
}

fn default_boost() -> f32 {
    0.1
}

/// Where a keyword rule looks for the person identifier its keyword must be paired with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PairScope {
    /// Only within `window` bytes in the same text.
    Window,
    /// Within the window, or anywhere in the same record: CSV record, spreadsheet row or
    /// mail message.
    #[default]
    Record,
}

/// What a keyword rule (special categories) needs before a keyword counts as a finding.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// Categories of identifier findings that identify a person (`national_id`, `email` …).
    pub categories: Vec<String>,
    /// Bytes between keyword and identifier, either side.
    #[serde(default = "default_requires_window")]
    pub window: usize,
    /// Whether an identifier elsewhere in the same record also counts.
    #[serde(default)]
    pub scope: PairScope,
    /// Severity of the finding per paired identifier category (the rule's `severity` when a
    /// category is missing). It is never more than one step above the identifier's own
    /// severity, so a synthetic test number (low) makes at most a medium finding.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
}

fn default_requires_window() -> usize {
    300
}

/// Overrides for one `kind` a validator reports (e.g. `synthetic` numbers are low severity).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSpec {
    /// Replaces the rule's severity for this kind.
    pub severity: Option<Severity>,
    /// Replaces the rule's base confidence for this kind.
    pub confidence: Option<f32>,
}

/// Example texts that `sporhund rules check` runs through the engine.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Each must produce at least one finding of this rule.
    #[serde(default)]
    pub positive: Vec<String>,
    /// None may produce a finding of this rule.
    #[serde(default)]
    pub negative: Vec<String>,
}

/// One detection rule as written in a rule file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable identifier, e.g. `no.fnr`; a user rule with a built-in's id replaces it.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the rule is for.
    #[serde(default)]
    pub description: String,
    /// Report category: national_id, org_number, bank_account, iban, payment_card, email,
    /// phone, special_category (or a new one).
    pub category: String,
    /// Default severity of its findings.
    #[serde(default)]
    pub severity: Severity,
    /// Base confidence of a validated match, 0–1.
    #[serde(default = "default_confidence")]
    pub confidence: f32,
    /// Higher wins when two rules' patterns match at the same place.
    #[serde(default)]
    pub priority: i32,
    /// Regular expressions, matched on bytes in ASCII mode (see README for `{sep}`, `{gap}`,
    /// `{u}` placeholders). A rule has patterns or keywords, not both.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Keyword rule: words (whole words, any case; `stem*` for a prefix) that are a finding
    /// when a person identifier is near (see `requires`).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Keyword rule: words matched only in exactly this spelling (acronyms such as `LO`, `KrF`).
    #[serde(default)]
    pub exact_keywords: Vec<String>,
    /// Keyword rule: longer words that start like a keyword but are not one
    /// (`diagnoseverktøy*` for `diagnos*`); same syntax as `keywords`.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Keyword rule: the identifier that must be near, and the severity of the pair.
    pub requires: Option<Requires>,
    /// The `kind` of every finding of the rule (for keyword rules: the art. 9/10 class).
    pub kind: Option<String>,
    /// Literals that every match contains (e.g. `@` for e-mail). When set, the rule is not
    /// part of the one-pass automaton: its patterns run only in a small window around each
    /// occurrence of an anchor (case-insensitive). Use it for patterns that can start at any
    /// letter, which would otherwise make every position of the text a candidate.
    #[serde(default)]
    pub anchors: Vec<String>,
    /// Name of a built-in validator run on every match.
    pub validator: Option<String>,
    /// Neighbour check done before the validator.
    #[serde(default)]
    pub boundary: Boundary,
    /// Subtracted from the confidence when the match spans a line break.
    #[serde(default = "default_line_break_penalty")]
    pub line_break_penalty: f32,
    /// Context keywords.
    #[serde(default)]
    pub context: ContextSpec,
    /// Per-kind overrides.
    #[serde(default)]
    pub kinds: BTreeMap<String, KindSpec>,
    /// Examples for `rules check`.
    #[serde(default)]
    pub examples: Examples,
    /// Where the rule was loaded from (`builtin:<file>` or a path); set by the loader.
    #[serde(skip)]
    pub source: String,
}

fn default_confidence() -> f32 {
    0.8
}

fn default_line_break_penalty() -> f32 {
    0.3
}

/// The top level of a rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<Rule>,
}

/// A problem with a rule file or a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// File (or `builtin:<file>`) the problem is in.
    pub source: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.message)
    }
}

impl std::error::Error for RuleError {}

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// An ordered set of rules; later additions with the same id replace earlier ones.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// No rules.
    pub fn empty() -> Self {
        RuleSet::default()
    }

    /// The rules in `rules/*.toml`, compiled into the binary.
    pub fn builtin() -> Result<Self, RuleError> {
        let mut set = RuleSet::empty();
        for (name, text) in builtin::FILES {
            set.add_toml(text, &format!("builtin:{name}"))?;
        }
        Ok(set)
    }

    /// The names and texts of the built-in rule files.
    pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
        builtin::FILES
    }

    /// Parses `text` as a rule file and adds its rules.
    pub fn add_toml(&mut self, text: &str, source: &str) -> Result<(), RuleError> {
        let file: RuleFile = toml::from_str(text).map_err(|e| RuleError {
            source: source.to_string(),
            message: e.to_string(),
        })?;
        for mut rule in file.rule {
            rule.source = source.to_string();
            check_rule(&rule)?;
            self.add(rule);
        }
        Ok(())
    }

    /// Adds one rule, replacing any rule with the same id.
    pub fn add(&mut self, rule: Rule) {
        match self.rules.iter_mut().find(|r| r.id == rule.id) {
            Some(existing) => *existing = rule,
            None => self.rules.push(rule),
        }
    }

    /// Loads a rule file from disk.
    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let text = std::fs::read_to_string(path).map_err(|e| RuleError {
            source: path.display().to_string(),
            message: format!("cannot read rule file: {e}"),
        })?;
        self.add_toml(&text, &path.display().to_string())
    }

    /// Loads every `*.toml` in `dir`, in file-name order.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let read = std::fs::read_dir(dir).map_err(|e| RuleError {
            source: dir.display().to_string(),
            message: format!("cannot read rule directory: {e}"),
        })?;
        let mut files: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            self.add_file(&f)?;
        }
        Ok(())
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Checks what can be checked without compiling: required fields, ranges, validator names.
fn check_rule(rule: &Rule) -> Result<(), RuleError> {
    let fail = |message: String| {
        Err(RuleError {
            source: rule.source.clone(),
            message: format!("rule {}: {message}", rule.id),
        })
    };
    if rule.id.trim().is_empty() {
        return fail("empty id".into());
    }
    let keyword_rule = !rule.keywords.is_empty() || !rule.exact_keywords.is_empty();
    match (rule.patterns.is_empty(), keyword_rule) {
        (true, false) => return fail("no patterns and no keywords".into()),
        (false, true) => return fail("has both patterns and keywords".into()),
        _ => {}
    }
    if keyword_rule != rule.requires.is_some() {
        return fail("keyword rules, and only they, need a [rule.requires] table".into());
    }
    if !keyword_rule && !rule.exclude.is_empty() {
        return fail("exclude is for keyword rules".into());
    }
    if let Some(requires) = &rule.requires {
        if requires.categories.is_empty() {
            return fail("requires.categories is empty".into());
        }
        if let Some(c) = requires
            .severity
            .keys()
            .find(|c| !requires.categories.contains(c))
        {
            return fail(format!("requires.severity names {c:?}, not in categories"));
        }
    }
    let words = rule.keywords.iter().chain(&rule.exact_keywords);
    if words
        .chain(&rule.exclude)
        .any(|w| w.trim_end_matches('*').is_empty())
    {
        return fail("empty keyword".into());
    }
    if rule.anchors.iter().any(|a| a.is_empty()) {
        return fail("empty anchor".into());
    }
    if !(0.0..=1.0).contains(&rule.confidence) {
        return fail(format!("confidence {} is not within 0–1", rule.confidence));
    }
    if let Some(v) = &rule.validator {
        if Validator::from_name(v).is_none() {
            let known: Vec<&str> = Validator::ALL.iter().map(|(n, _)| *n).collect();
            return fail(format!(
                "unknown validator {v:?} (known: {})",
                known.join(", ")
            ));
        }
    }
    for (kind, spec) in &rule.kinds {
        if spec.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
            return fail(format!("kind {kind}: confidence is not within 0–1"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A severity's index is its place in `ALL` (the cache stores it, and blocks count by it).
    #[test]
    fn a_severity_s_index_is_its_place_in_all() {
        for (i, s) in Severity::ALL.into_iter().enumerate() {
            assert_eq!(s.index(), i, "{s:?}");
        }
    }

    #[test]
    fn builtin_rules_parse() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.rules().iter().any(|r| r.id == "no.fnr"));
    }

    #[test]
    fn unknown_fields_and_validators_are_errors() {
        let mut set = RuleSet::empty();
        let typo = "[[rule]]\nid='x'\nname='x'\ncategory='c'\npatterns=['a']\nseverty='low'\n";
        assert!(set.add_toml(typo, "t").is_err());
        let bad = "[[rule]]\nid='x'\nname='x'\ncategory='c'\npatterns=['a']\nvalidator='nope'\n";
        let err = set.add_toml(bad, "t").unwrap_err();
        assert!(err.message.contains("unknown validator"), "{err}");
    }

    #[test]
    fn keyword_rules_are_checked() {
        let head = "[[rule]]\nid='k'\nname='k'\ncategory='special_category'\n";
        let requires = "[rule.requires]\ncategories=['national_id']\n";
        let cases = [
            (
                format!("{head}keywords=['a']\npatterns=['b']\n{requires}"),
                "has both patterns and keywords",
            ),
            (
                format!("{head}keywords=['a']\n"),
                "need a [rule.requires] table",
            ),
            (
                format!("{head}patterns=['b']\n{requires}"),
                "need a [rule.requires] table",
            ),
            (
                format!("{head}keywords=['a']\n{requires}[rule.requires.severity]\nemail='high'\n"),
                "requires.severity names \"email\"",
            ),
            (format!("{head}keywords=['*']\n{requires}"), "empty keyword"),
            (
                format!("{head}patterns=['b']\nexclude=['c']\n"),
                "exclude is for keyword rules",
            ),
        ];
        for (text, want) in cases {
            let err = RuleSet::empty().add_toml(&text, "t").unwrap_err();
            assert!(err.message.contains(want), "{text}: {err}");
        }
        let good = format!("{head}keywords=['a*']\nexact_keywords=['LO']\n{requires}");
        RuleSet::empty().add_toml(&good, "t").unwrap();
    }

    #[test]
    fn same_id_replaces() {
        let mut set = RuleSet::empty();
        let a = "[[rule]]\nid='x'\nname='first'\ncategory='c'\npatterns=['a']\n";
        let b = "[[rule]]\nid='x'\nname='second'\ncategory='c'\npatterns=['b']\n";
        set.add_toml(a, "a").unwrap();
        set.add_toml(b, "b").unwrap();
        assert_eq!(set.rules().len(), 1);
        assert_eq!(set.rules()[0].name, "second");
    }
}

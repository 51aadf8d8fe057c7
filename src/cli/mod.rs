//! The command line: argument definitions and exit codes. Each subcommand lives in its own
//! module and returns an exit code.

mod allow_value_cmd;
mod find_cmd;
mod merge_cmd;
mod policy_args;
mod progress;
mod rules_cmd;
mod scan_cmd;
mod shared;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::detect::{Engine, RuleError, RuleSet};
use crate::walk::shard::Shard;

/// Exit codes, documented in the README.
pub mod exit {
    /// Scan complete, nothing found (or a command succeeded).
    pub const CLEAN: i32 = 0;
    /// Scan complete, findings reported (or `rules check` failed).
    pub const FINDINGS: i32 = 1;
    /// Usage error or fatal error: nothing trustworthy was produced.
    pub const FATAL: i32 = 2;
    /// Some files could not be scanned, and nothing was found in the rest.
    pub const INCOMPLETE: i32 = 3;
    /// Some files could not be scanned, and findings were reported from the rest.
    pub const INCOMPLETE_WITH_FINDINGS: i32 = 4;
}

/// sporhund finds Norwegian personal data (fødselsnummer, bank accounts, phone numbers,
/// e-mail addresses …) in files and directories.
#[derive(Debug, Parser)]
#[command(name = "sporhund", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files and directories for personal data.
    Scan(ScanArgs),
    /// Find every place one or more persons appear (access requests, GDPR art. 15).
    Find(find_cmd::FindArgs),
    /// Combine JSON / JSON Lines reports (e.g. of `scan --shard K/N` workers) into one.
    Merge(MergeArgs),
    /// List or check detection rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print the sporhund.toml entry that allows a value (stored hashed, never raw).
    AllowValue(allow_value_cmd::AllowValueArgs),
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// List the rules in effect.
    List {
        #[command(flatten)]
        rules: RuleSourceArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Validate rule files and run every rule's examples (built-in rules when no file given).
    Check {
        /// Rule files to check.
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

/// Where rules come from.
#[derive(Debug, Clone, Args)]
struct RuleSourceArgs {
    /// Add every *.toml rule file in DIR (a rule with a built-in's id replaces it).
    #[arg(long = "rules", value_name = "DIR")]
    rule_dirs: Vec<PathBuf>,
    /// Add one rule file.
    #[arg(long = "rule-file", value_name = "FILE")]
    rule_files: Vec<PathBuf>,
    /// Start from no rules instead of the built-in set.
    #[arg(long)]
    no_builtin_rules: bool,
}

impl RuleSourceArgs {
    fn load(&self) -> Result<RuleSet, RuleError> {
        let mut set = if self.no_builtin_rules {
            RuleSet::empty()
        } else {
            RuleSet::builtin()?
        };
        for d in &self.rule_dirs {
            set.add_dir(d)?;
        }
        for f in &self.rule_files {
            set.add_file(f)?;
        }
        if set.is_empty() {
            return Err(RuleError {
                source: "rules".into(),
                message: "no rules to run".into(),
            });
        }
        Ok(set)
    }

    /// The engine for these rules. The built-in rules are known to compile (tested), so their
    /// automata wait until a file is read, and a scan answered from the cache never builds
    /// them; rule files of the user's are built now, so an error stops the scan before it
    /// starts.
    fn engine(&self, set: &RuleSet) -> Result<Engine, RuleError> {
        if self.rule_dirs.is_empty() && self.rule_files.is_empty() && !self.no_builtin_rules {
            Ok(Engine::deferred(set))
        } else {
            Engine::new(set)
        }
    }
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for people.
    Human,
    /// One JSON document (docs/report.schema.json).
    Json,
    /// JSON Lines, streamed as the scan goes.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// Comma-separated values, one finding per row, streamed (values masked as usual).
    Csv,
}

#[derive(Debug, Args)]
struct ScanArgs {
    #[command(flatten)]
    walk: WalkArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    format: Format,
    #[command(flatten)]
    output: OutputArgs,
    /// Show matched values and snippets unmasked (the report then holds personal data).
    #[arg(long)]
    show_values: bool,
    /// Let a person's name alone pair with special-category words in running text too
    /// (documents, PDF pages, plain text), not only in records (CSV rows, sheet rows, mail
    /// messages): the words are then searched in all text, not only around fødselsnummer,
    /// e-mail addresses and phone numbers. Costs CPU (see README); no cache.
    #[arg(long)]
    names_everywhere: bool,
    #[command(flatten)]
    rules: RuleSourceArgs,
    #[command(flatten)]
    policy: policy_args::PolicyArgs,
    /// Only totals by category, severity and store (scan root, container file); no findings.
    /// Human or JSON (`$defs/summary_report` in docs/report.schema.json).
    #[arg(long)]
    summary_only: bool,
    /// Drop findings below this confidence (0–1).
    #[arg(long, default_value_t = 0.5, value_parser = parse_confidence)]
    min_confidence: f32,
    /// Exit with a findings code (1 or 4) only for a finding at or above SEVERITY (info, low,
    /// medium, high, critical); every finding is still reported. Default: any finding.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<crate::detect::Severity>,
    /// Only what is older than DURATION (e.g. 365d, 6months): mail messages by their Date
    /// header (messages without a readable date are scanned), other files by modification
    /// time.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    older_than: Option<std::time::Duration>,
    /// Also list findings grouped by mail message (the messages holding personal data).
    #[arg(long, value_enum, value_name = "WHAT")]
    group_by: Option<GroupBy>,
    /// Scan only shard K of N (0 <= K < N), chosen by a hash of each file's path relative to
    /// its root: N workers with the same roots scan every file once (see `merge`).
    #[arg(long, value_name = "K/N", value_parser = clap::value_parser!(Shard))]
    shard: Option<Shard>,
    /// Read every file again: neither use nor update the cache of earlier results.
    #[arg(long)]
    no_cache: bool,
    /// Keep the cache in DIR (default: the state directory).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

/// What is searched, and how the walk goes (shared by `scan` and `find`).
#[derive(Debug, Args)]
struct WalkArgs {
    /// Files or directories to search.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Leave out paths matching GLOB (a name, or a path relative to the root); repeatable.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Skip files larger than SIZE (e.g. 500M, 2G); they are listed as skipped.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_filesize: Option<u64>,
    /// Follow symbolic links.
    #[arg(long)]
    follow_symlinks: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', default_value_t = 0)]
    threads: usize,
}

/// Where the report goes, and the progress line (shared by `scan` and `find`).
#[derive(Debug, Args)]
struct OutputArgs {
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// No progress bar (it is shown only when standard error is a terminal anyway).
    #[arg(long)]
    no_progress: bool,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// Reports written by `scan --format json` or `--format jsonl`, in any mix.
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Write the merged report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// What `--group-by` gathers findings by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// Each mail message (in mbox, .eml, Maildir, .msg, .pst/.ost) with findings in it,
    /// its parts or attachments.
    Message,
}

fn parse_confidence(s: &str) -> Result<f32, String> {
    let v: f32 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 1".into())
    }
}

/// Parses sizes such as `1000`, `64K`, `500M`, `2G` (powers of 1024; a trailing `B` or `iB`
/// is allowed).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t.trim_end_matches("IB").trim_end_matches('B');
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("invalid size {s:?} (e.g. 500M)"))?;
    let mult: u64 = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("invalid size unit in {s:?} (K, M, G, T)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::FATAL
            } else {
                exit::CLEAN
            };
        }
    };
    match cli.command {
        Command::Scan(args) => scan_cmd::run(args),
        Command::AllowValue(args) => allow_value_cmd::run(args),
        Command::Find(args) => find_cmd::run(args),
        Command::Merge(args) => merge_cmd::run(args),
        Command::Rules {
            command: RulesCommand::List { rules, format },
        } => rules_cmd::list(&rules, format),
        Command::Rules {
            command: RulesCommand::Check { files },
        } => rules_cmd::check(&files),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("500MB"), Ok(500 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

//! Writes the benchmark corpus (`benches/corpus.rs`) to disk.
//!
//! ```text
//! cargo run --release --example gen_corpus -- --out DIR --mb 300 --seed 42
//! cargo run --release --example gen_corpus -- --rg-patterns
//! ```
//!
//! `--out DIR` must not exist or be empty; the files (UTF-8 text of `--file-mb MIN-MAX` MB,
//! default 2-6) go into subdirectories of DIR, and `DIR/manifest.json` holds the exact counts of
//! what sporhund should report. `--rg-patterns` prints the built-in fnr, e-mail and phone
//! patterns, expanded, one per line, in a form ripgrep takes (byte mode, one line at a time),
//! for `benches/compare.sh`.

#[path = "../benches/corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use sporhund::detect::engine::expand_pattern;
use sporhund::detect::RuleSet;

const USAGE: &str = "usage: gen_corpus --out DIR [--mb N] [--seed N] [--file-mb MIN-MAX]
       gen_corpus --rg-patterns | --version";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_corpus: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut out: Option<PathBuf> = None;
    let mut mb = 300.0f64;
    let mut seed = 42u64;
    let mut file_mb = (2.0f64, 6.0f64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--mb" => mb = value("--mb")?.parse().map_err(|e| format!("--mb: {e}"))?,
            "--seed" => {
                seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--file-mb" => {
                let v = value("--file-mb")?;
                let (lo, hi) = v.split_once('-').ok_or("--file-mb: expected MIN-MAX")?;
                let parse = |s: &str| s.parse::<f64>().map_err(|e| format!("--file-mb: {e}"));
                file_mb = (parse(lo)?, parse(hi)?);
            }
            "--rg-patterns" => return print_rg_patterns(),
            "--version" => {
                println!("{}", corpus::GENERATOR);
                return Ok(());
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let out = out.ok_or("--out is required")?;
    if !(mb > 0.0 && file_mb.0 > 0.0 && file_mb.0 <= file_mb.1) {
        return Err("sizes must be positive, MIN <= MAX".into());
    }
    if out.exists()
        && std::fs::read_dir(&out)
            .map_err(|e| format!("{}: {e}", out.display()))?
            .next()
            .is_some()
    {
        return Err(format!("{} exists and is not empty", out.display()));
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mib = |x: f64| (x * 1024.0 * 1024.0) as u64;
    let started = Instant::now();
    let manifest = corpus::write_corpus(
        &out,
        mib(mb),
        seed,
        (mib(file_mb.0) as usize, mib(file_mb.1) as usize),
    )
    .map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!(
        "gen_corpus: {} files, {} bytes, {} identifiers ({} below the default confidence), {} decoys in {:.1} s -> {}",
        manifest.files,
        manifest.bytes,
        manifest.expected_total(),
        manifest.below_min_confidence.values().sum::<u64>(),
        manifest.decoys.values().sum::<u64>(),
        started.elapsed().as_secs_f64(),
        out.join("manifest.json").display()
    );
    Ok(())
}

/// The fnr, e-mail and phone patterns as sporhund compiles them, for ripgrep: each wrapped in
/// `(?-u:…)` (bytes, ASCII classes, as sporhund's engine), with `{gap}` (which may span a line
/// break) narrowed to `{sep}`, since ripgrep matches one line at a time.
fn print_rg_patterns() -> Result<(), String> {
    let rules = RuleSet::builtin().map_err(|e| e.to_string())?;
    for id in ["no.fnr", "email", "no.phone"] {
        let rule = rules
            .rules()
            .iter()
            .find(|r| r.id == id)
            .ok_or(format!("no built-in rule {id}"))?;
        for p in &rule.patterns {
            println!("(?-u:{})", expand_pattern(&p.replace("{gap}", "{sep}")));
        }
    }
    Ok(())
}

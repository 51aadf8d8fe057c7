//! `sporhund rules list` and `sporhund rules check`.

use std::path::PathBuf;

use super::{exit, ListFormat, RuleSourceArgs};
use crate::detect::examples::run_examples;
use crate::detect::{Engine, RuleError, RuleSet};

pub(super) fn list(source: &RuleSourceArgs, format: ListFormat) -> i32 {
    let set = match source.load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sporhund: {e}");
            return exit::FATAL;
        }
    };
    match format {
        ListFormat::Json => {
            let json = serde_json::to_string_pretty(set.rules()).expect("rules serialise");
            println!("{json}");
        }
        ListFormat::Human => {
            for r in set.rules() {
                println!(
                    "{:<22} {:<16} {:<8} {}  [{}]",
                    r.id,
                    r.category,
                    r.severity.name(),
                    r.name,
                    r.source
                );
            }
        }
    }
    exit::CLEAN
}

pub(super) fn check(files: &[PathBuf]) -> i32 {
    let set = if files.is_empty() {
        RuleSet::builtin()
    } else {
        files
            .iter()
            .try_fold(RuleSet::empty(), |mut set, f| set.add_file(f).map(|()| set))
    };
    let engine = match set.and_then(|s| {
        if s.is_empty() {
            Err(RuleError {
                source: "rules".into(),
                message: "no rules in the given files".into(),
            })
        } else {
            Engine::new(&s)
        }
    }) {
        Ok(e) => e,
        Err(e) => {
            println!("FAIL {e}");
            return exit::FINDINGS;
        }
    };
    let run = run_examples(&engine);
    for f in &run.failures {
        println!("FAIL {}: {} — {:?}", f.rule, f.problem, f.example);
    }
    println!(
        "{} rules, {} examples: {} passed, {} failed",
        run.rules,
        run.examples,
        run.examples - run.failures.len(),
        run.failures.len()
    );
    if run.failures.is_empty() {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

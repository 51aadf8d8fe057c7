//! `sporhund scan`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::sync::Arc;

use super::progress::ProgressLine;
use super::{exit, Format, GroupBy, ScanArgs};
use crate::detect::{Engine, Severity};
use crate::report::csv::CsvWriter;
use crate::report::fingerprint::Fingerprinter;
use crate::report::json::JsonLinesWriter;
use crate::report::roots::Roots;
use crate::report::sarif::{self, SarifInput};
use crate::report::stores::{self, StoreCounter};
use crate::report::{human, json, Collector, Header, Summary, Tool, SCHEMA_VERSION};
use crate::scan::{FindingOptions, Progress, Scanner};
use crate::walk::WalkOptions;

pub(super) fn run(args: ScanArgs) -> i32 {
    match scan(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sporhund: {message}");
            exit::FATAL
        }
    }
}

fn scan(args: ScanArgs) -> Result<i32, String> {
    for p in &args.paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    let rules = args.rules.load().map_err(|e| e.to_string())?;
    let engine = Engine::new(&rules).map_err(|e| e.to_string())?;
    let (fingerprinter, warning) = Fingerprinter::configured();
    if let Some(w) = warning {
        eprintln!("sporhund: warning: {w}");
    }
    if args.summary_only && !matches!(args.format, Format::Human | Format::Json) {
        return Err("--summary-only writes human or JSON output only".into());
    }
    let roots = distinct_roots(&args.paths);
    let policy = args.policy.load(&roots, &fingerprinter)?;
    let mut scanner = Scanner::new(
        engine,
        fingerprinter,
        FindingOptions {
            show_values: args.show_values,
            min_confidence: args.min_confidence,
        },
    );
    if let Some(age) = args.older_than {
        let cutoff = std::time::SystemTime::now().checked_sub(age);
        scanner.dispatcher.selection.older_than = Some(cutoff.unwrap_or(std::time::UNIX_EPOCH));
    }
    scanner.policy = policy;
    let walk = WalkOptions {
        roots: roots.clone(),
        excludes: args.exclude.clone(),
        exclude_paths: args
            .output
            .iter()
            .cloned()
            .chain(args.policy.files(&roots))
            .collect(),
        max_filesize: args.max_filesize,
        follow_symlinks: args.follow_symlinks,
        threads: args.threads,
    };
    let header = Header {
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool::current(),
        roots: args
            .paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let progress = Arc::new(Progress::default());
    let line = ProgressLine::start(progress.clone(), args.no_progress);
    let by_message = args.group_by == Some(GroupBy::Message);
    let roots = Roots::new(roots);
    let result = match args.format {
        _ if args.summary_only => {
            let mut sink = StoreCounter::new(header, roots);
            scanner.scan(&walk, &mut sink, &progress).and_then(|_| {
                let report = sink.into_report();
                if args.format == Format::Json {
                    serde_json::to_writer_pretty(&mut out, &report)?;
                    writeln!(out)?;
                } else {
                    stores::write_human(&report, &mut out)?;
                }
                Ok(report.summary)
            })
        }
        Format::Csv => {
            let mut sink = CsvWriter::new(&mut out).map_err(|e| e.to_string())?;
            scanner
                .scan(&walk, &mut sink, &progress)
                .map(|(summary, _)| summary)
        }
        Format::Jsonl => {
            let mut sink = JsonLinesWriter::new(&mut out, &header).map_err(|e| e.to_string())?;
            if by_message {
                sink = sink.grouping_by_message();
            }
            scanner
                .scan(&walk, &mut sink, &progress)
                .map(|(summary, _)| summary)
        }
        Format::Json | Format::Human | Format::Sarif => {
            let mut sink = Collector::new(header);
            if by_message {
                sink = sink.grouping_by_message();
            }
            scanner.scan(&walk, &mut sink, &progress).and_then(|_| {
                let report = sink.into_report();
                match args.format {
                    Format::Json => json::write_report(&report, &mut out)?,
                    Format::Sarif => {
                        let rules: Vec<_> =
                            scanner.engine.rules().iter().map(|r| &r.rule).collect();
                        let input = SarifInput {
                            rules: &rules,
                            roots: &roots,
                            identity: &|f| scanner.policy.identity(f),
                        };
                        sarif::write_report(&report, &input, &mut out)?
                    }
                    _ => human::write_report(&report, &mut out)?,
                }
                Ok(report.summary)
            })
        }
    };
    line.finish();
    let summary = result.map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    if !summary.complete && args.policy.writes_baseline() {
        eprintln!(
            "sporhund: warning: baseline written from an incomplete scan; what the unreadable \
             files hold is not in it"
        );
    }
    Ok(exit_code(&summary, args.fail_on))
}

/// The roots without those already inside another root (`scan d d/b.txt` scans b.txt once).
fn distinct_roots(paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let canonical: Vec<Option<std::path::PathBuf>> =
        paths.iter().map(|p| p.canonicalize().ok()).collect();
    paths
        .iter()
        .enumerate()
        .filter(|&(i, _)| {
            let Some(me) = &canonical[i] else {
                return true;
            };
            !canonical.iter().enumerate().any(|(j, other)| {
                other
                    .as_ref()
                    .is_some_and(|o| (me.starts_with(o) && me != o) || (me == o && j < i))
            })
        })
        .map(|(_, p)| p.clone())
        .collect()
}

/// The documented exit code for a finished scan; only findings at or above `fail_on` count.
fn exit_code(s: &Summary, fail_on: Option<Severity>) -> i32 {
    let failing = match fail_on {
        None => s.findings,
        Some(min) => s.findings_by_severity.range(min..).map(|(_, n)| n).sum(),
    };
    match (s.complete, failing > 0) {
        (true, false) => exit::CLEAN,
        (true, true) => exit::FINDINGS,
        (false, false) => exit::INCOMPLETE,
        (false, true) => exit::INCOMPLETE_WITH_FINDINGS,
    }
}

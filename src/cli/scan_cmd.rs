//! `sporhund scan`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::progress::ProgressLine;
use super::shared::{exit_code, or_fatal};
use super::{Format, GroupBy, ScanArgs};
use crate::cache::{self, Cache};
use crate::report::csv::CsvWriter;
use crate::report::fingerprint::Fingerprinter;
use crate::report::json::{FileBlock, JsonLinesWriter, NoStore, TextStore};
use crate::report::roots::Roots;
use crate::report::sarif::{self, SarifInput};
use crate::report::stores::{self, StoreCounter};
use crate::report::{human, json, Collector, Report, Summary, SCHEMA_VERSION};
use crate::scan::{FindingOptions, Progress, Scanner};

pub(super) fn run(args: ScanArgs) -> i32 {
    or_fatal(scan(args))
}

fn scan(args: ScanArgs) -> Result<i32, String> {
    args.walk.check_paths()?;
    let rules = args.rules.load().map_err(|e| e.to_string())?;
    let engine = args.rules.engine(&rules).map_err(|e| e.to_string())?;
    let (fingerprinter, warning) = Fingerprinter::configured();
    if let Some(w) = warning {
        eprintln!("sporhund: warning: {w}");
    }
    if args.summary_only && !matches!(args.format, Format::Human | Format::Json) {
        return Err("--summary-only writes human or JSON output only".into());
    }
    let mut walk = args.walk.options(&args.output);
    let roots = walk.roots.clone();
    let policy = args.policy.load(&roots, &fingerprinter)?;
    let mut scanner = Scanner::new(
        engine,
        fingerprinter,
        FindingOptions {
            show_values: args.show_values,
            min_confidence: args.min_confidence,
            names_everywhere: args.names_everywhere,
        },
    );
    if let Some(age) = args.older_than {
        let cutoff = std::time::SystemTime::now().checked_sub(age);
        scanner.dispatcher.selection.older_than = Some(cutoff.unwrap_or(std::time::UNIX_EPOCH));
    }
    scanner.policy = policy;
    let cache_path = cache_path(&args);
    if scanner.policy.has_allowlists() && !args.no_cache {
        // Allowlisted values are dropped while a file is read, so cached results would not
        // follow an edited sporhund.toml nor count what it hides.
        eprintln!("sporhund: note: allowlists in use, so every file is read (no cache)");
    } else if args.names_everywhere && !args.no_cache {
        // The cache's settings do not include this option: it must not serve other results.
        eprintln!("sporhund: note: --names-everywhere reads every file (no cache)");
    } else if !args.no_cache {
        scanner.cache = cache_path
            .as_deref()
            .and_then(|p| open_cache(p, &scanner, args.format));
    }
    // The policy's own files (configs, baselines) and the cache are never scanned.
    walk.exclude_paths.extend(args.policy.files(&roots));
    walk.exclude_paths
        .extend(cache_path.iter().flat_map(|p| cache::files(p)));
    walk.shard = args.shard;
    let header = args.walk.header(SCHEMA_VERSION);
    let mut out = args.output.open()?;
    let progress = Arc::new(Progress::default());
    let line = ProgressLine::start(progress.clone(), args.output.no_progress);
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
        Format::Json => {
            let mut sink = Collector::new(header).taking_blocks();
            if by_message {
                sink = sink.grouping_by_message();
            }
            scanner.scan(&walk, &mut sink, &progress).and_then(|_| {
                // Long blocks from the cache are read from it as the report is written.
                let store: &dyn TextStore = match &scanner.cache {
                    Some(cache) => cache,
                    None => &NoStore,
                };
                let (report, blocks) = sink.into_json_parts(store)?;
                json::write_report_with_blocks(&report, &blocks, store, &mut out)?;
                Ok(summary_for_exit((report, blocks)))
            })
        }
        Format::Human | Format::Sarif => {
            let mut sink = Collector::new(header);
            if by_message {
                sink = sink.grouping_by_message();
            }
            scanner.scan(&walk, &mut sink, &progress).and_then(|_| {
                let report = sink.into_report()?;
                match args.format {
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
                Ok(summary_for_exit((report, Vec::new())))
            })
        }
    };
    line.finish();
    if let Some(cache) = &scanner.cache {
        // Only now, with the report written: until then it may read stored texts where
        // they were (a JSON report reads them after the scan has returned).
        cache.tidy();
    }
    if let Some(w) = scanner.cache.as_ref().and_then(Cache::warning) {
        eprintln!("sporhund: warning: {w}");
    }
    let summary = result.map_err(|e| e.to_string())?;
    out.finish().map_err(|e| e.to_string())?;
    if !summary.complete && args.policy.writes_baseline() {
        eprintln!(
            "sporhund: warning: baseline written from an incomplete scan; what the unreadable \
             files hold is not in it"
        );
    }
    let failing = match args.fail_on {
        None => summary.findings,
        Some(min) => summary
            .findings_by_severity
            .range(min..)
            .map(|(_, n)| n)
            .sum(),
    };
    Ok(exit_code(summary.complete, failing > 0))
}

/// The process ends soon after the report is written: its findings (and rendered blocks) are
/// not freed one by one (for 100,000 findings that costs more than taking them from the cache
/// did). Returns the summary.
fn summary_for_exit(report: (Report, Vec<Arc<FileBlock>>)) -> Summary {
    let summary = report.0.summary.clone();
    std::mem::forget(report);
    summary
}

/// Where the cache is (even with `--no-cache`: it is never scanned); `None` when there is no
/// state directory.
fn cache_path(args: &ScanArgs) -> Option<PathBuf> {
    match &args.cache_dir {
        Some(dir) => Some(dir.join(cache::FILE_NAME)),
        None => Cache::default_path(),
    }
}

/// Opens the cache; when it cannot be used, says why and the scan reads every file.
fn open_cache(path: &Path, scanner: &Scanner, format: Format) -> Option<Cache> {
    // The scan replays rendered blocks exactly when the report takes them (see `Scanner::scan`).
    let reads = match format == Format::Json && !scanner.policy.tracks_findings() {
        true => cache::Reads::Blocks,
        false => cache::Reads::Findings,
    };
    match Cache::open_for(path, cache::results_hash(scanner), reads) {
        Ok((cache, warning)) => {
            if let Some(w) = warning {
                eprintln!("sporhund: warning: {w}");
            }
            Some(cache)
        }
        Err(e) => {
            eprintln!("sporhund: warning: {e}; scanning without the cache");
            None
        }
    }
}

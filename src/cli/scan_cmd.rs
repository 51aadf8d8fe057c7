//! `sporhund scan`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::progress::ProgressLine;
use super::{exit, Format, ScanArgs};
use crate::cache::{self, Cache};
use crate::detect::Engine;
use crate::report::fingerprint::Fingerprinter;
use crate::report::json::JsonLinesWriter;
use crate::report::{human, json, Collector, Header, Report, Summary, Tool, SCHEMA_VERSION};
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
    let mut scanner = Scanner::new(
        engine,
        fingerprinter,
        FindingOptions {
            show_values: args.show_values,
            min_confidence: args.min_confidence,
        },
    );
    let cache_path = cache_path(&args);
    if !args.no_cache {
        scanner.cache = cache_path.as_deref().and_then(|p| open_cache(p, &scanner));
    }
    let walk = WalkOptions {
        roots: distinct_roots(&args.paths),
        excludes: args.exclude.clone(),
        // Never scan our own output, nor the cache being written.
        exclude_paths: args.output.iter().chain(&cache_path).cloned().collect(),
        max_filesize: args.max_filesize,
        follow_symlinks: args.follow_symlinks,
        threads: args.threads,
        shard: args.shard,
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
    let mut out = open_output(args.output.as_deref())?;
    let progress = Arc::new(Progress::default());
    let line = ProgressLine::start(progress.clone(), args.no_progress);
    let result = match args.format {
        Format::Jsonl => {
            let mut sink = JsonLinesWriter::new(&mut out, &header).map_err(|e| e.to_string())?;
            scanner
                .scan(&walk, &mut sink, &progress)
                .map(|(summary, _)| summary)
        }
        Format::Json | Format::Human => {
            let mut sink = Collector::new(header);
            scanner.scan(&walk, &mut sink, &progress).and_then(|_| {
                let report = sink.into_report();
                write_whole(&report, args.format, &mut out)?;
                Ok(report.summary)
            })
        }
    };
    line.finish();
    if let Some(w) = scanner.cache.as_ref().and_then(Cache::warning) {
        eprintln!("sporhund: warning: {w}");
    }
    let summary = result.map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(exit_code(&summary))
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
fn open_cache(path: &Path, scanner: &Scanner) -> Option<Cache> {
    match Cache::open(path, cache::results_hash(scanner)) {
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

/// The report destination: FILE, or standard output.
pub(super) fn open_output(path: Option<&Path>) -> Result<Box<dyn Write>, String> {
    Ok(match path {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

/// Writes a finished report as JSON or human text (JSON Lines is written as the scan goes).
pub(super) fn write_whole(report: &Report, format: Format, out: &mut dyn Write) -> io::Result<()> {
    if format == Format::Json {
        json::write_report(report, out)
    } else {
        human::write_report(report, out)
    }
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

/// The documented exit code for a finished scan.
pub(super) fn exit_code(s: &Summary) -> i32 {
    match (s.complete, s.findings > 0) {
        (true, false) => exit::CLEAN,
        (true, true) => exit::FINDINGS,
        (false, false) => exit::INCOMPLETE,
        (false, true) => exit::INCOMPLETE_WITH_FINDINGS,
    }
}

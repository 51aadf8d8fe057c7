//! `sporhund scan`.

use std::io::Write;
use std::sync::Arc;

use super::progress::ProgressLine;
use super::shared::{exit_code, or_fatal};
use super::{Format, ScanArgs};
use crate::detect::Engine;
use crate::report::fingerprint::Fingerprinter;
use crate::report::json::JsonLinesWriter;
use crate::report::{human, json, Collector, SCHEMA_VERSION};
use crate::scan::{FindingOptions, Progress, Scanner};

pub(super) fn run(args: ScanArgs) -> i32 {
    or_fatal(scan(args))
}

fn scan(args: ScanArgs) -> Result<i32, String> {
    args.walk.check_paths()?;
    let rules = args.rules.load().map_err(|e| e.to_string())?;
    let engine = Engine::new(&rules).map_err(|e| e.to_string())?;
    let (fingerprinter, warning) = Fingerprinter::configured();
    if let Some(w) = warning {
        eprintln!("sporhund: warning: {w}");
    }
    let scanner = Scanner::new(
        engine,
        fingerprinter,
        FindingOptions {
            show_values: args.show_values,
            min_confidence: args.min_confidence,
        },
    );
    let walk = args.walk.options(&args.output);
    let header = args.walk.header(SCHEMA_VERSION);
    let mut out = args.output.open()?;
    let progress = Arc::new(Progress::default());
    let line = ProgressLine::start(progress.clone(), args.output.no_progress);
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
                if args.format == Format::Json {
                    json::write_report(&report, &mut out)?;
                } else {
                    human::write_report(&report, &mut out)?;
                }
                Ok(report.summary)
            })
        }
    };
    line.finish();
    let summary = result.map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    Ok(exit_code(summary.complete, summary.findings > 0))
}

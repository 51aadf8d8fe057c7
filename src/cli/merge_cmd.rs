//! `sporhund merge`: one report from the reports of several workers or scans.

use super::shared::{exit_code, open_output, or_fatal};
use super::{Format, MergeArgs};
use crate::report::json::JsonLinesWriter;
use crate::report::merge::{merge, read_report, replay};
use crate::report::{human, json};

pub(super) fn run(args: MergeArgs) -> i32 {
    or_fatal(merge_reports(&args))
}

fn merge_reports(args: &MergeArgs) -> Result<i32, String> {
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        reports.push(read_report(&text, &path.display().to_string())?);
    }
    let report = merge(reports).ok_or("no reports to merge")?;
    let summary = report.summary.clone();
    let mut out = open_output(args.output.as_deref())?;
    let written = match args.format {
        Format::Jsonl => JsonLinesWriter::new(&mut out, &report.header)
            .and_then(|mut sink| replay(report, &mut sink)),
        Format::Json => json::write_report(&report, &mut out),
        Format::Human => human::write_report(&report, &mut out),
        Format::Sarif | Format::Csv => {
            return Err("merge writes human, json or jsonl".into());
        }
    };
    written
        .and_then(|()| out.finish())
        .map_err(|e| e.to_string())?;
    Ok(exit_code(summary.complete, summary.findings > 0))
}

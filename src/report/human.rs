//! Human-readable text: findings grouped by file, then errors, then a summary.

use std::io::{self, Write};

use super::{Report, Summary};

/// Writes `report` for a person reading a terminal or a text file.
pub fn write_report(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut current: Option<&str> = None;
    for f in &report.findings {
        if current != Some(f.path.as_str()) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", f.path)?;
            current = Some(&f.path);
        }
        let what = match &f.kind {
            Some(k) => format!("{} ({k})", f.category),
            None => f.category.clone(),
        };
        let location = if f.location.is_root() {
            "-".to_string()
        } else {
            f.location.to_string()
        };
        // A value wrapped over a line break must not break the row.
        let value: String = f
            .value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        writeln!(
            out,
            "  {location:<12} {:<8} {what:<26} {value:<22} {:.2}  {}",
            f.severity.name(),
            f.confidence,
            f.context
        )?;
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    if !report.errors.is_empty() {
        writeln!(out, "Not scanned (errors):")?;
        for e in &report.errors {
            if e.location.is_root() {
                writeln!(out, "  {}: {}", e.path, e.message)?;
            } else {
                writeln!(out, "  {} › {}: {}", e.path, e.location, e.message)?;
            }
        }
        writeln!(out)?;
    }
    write_summary(&report.summary, report.duration_seconds, out)
}

/// The closing summary lines.
pub fn write_summary(s: &Summary, seconds: f64, out: &mut dyn Write) -> io::Result<()> {
    let mb = s.bytes_scanned as f64 / 1e6;
    writeln!(
        out,
        "Scanned {} files ({mb:.1} MB) in {seconds:.2} s ({:.0} MB/s).",
        s.files_scanned,
        if seconds > 0.0 { mb / seconds } else { 0.0 }
    )?;
    if s.files_from_cache > 0 {
        writeln!(
            out,
            "{} of them unchanged since an earlier scan: results taken from the cache.",
            s.files_from_cache
        )?;
    }
    if s.findings == 0 {
        writeln!(out, "No personal data found.")?;
    } else {
        let by: Vec<String> = s
            .findings_by_category
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(out, "{} findings: {}.", s.findings, by.join(", "))?;
    }
    if s.skipped > 0 {
        let by: Vec<String> = s
            .skipped_by_reason
            .iter()
            .map(|(r, n)| format!("{n} {r}"))
            .collect();
        writeln!(out, "Skipped {} files: {}.", s.skipped, by.join("; "))?;
    }
    if s.errors > 0 {
        writeln!(
            out,
            "INCOMPLETE: {} files or parts could not be scanned (listed above).",
            s.errors
        )?;
    }
    Ok(())
}

//! Human-readable text: findings grouped by file, then errors, then a summary.

use std::io::{self, Write};

use super::group::MessageGroup;
use super::{FileError, Report, Summary};
use crate::location::Step;

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
        if let Some(r) = &f.related {
            let at = if r.location.is_root() {
                "-".to_string()
            } else {
                r.location.to_string()
            };
            writeln!(out, "  {:<12} paired with {} at {at}", "", r.category)?;
        }
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    write_errors(&report.errors, out)?;
    if let Some(messages) = &report.messages {
        write_messages(messages, out)?;
    }
    write_summary(&report.summary, report.duration_seconds, out)
}

/// The `--group-by message` list: one line per message holding findings.
fn write_messages(messages: &[MessageGroup], out: &mut dyn Write) -> io::Result<()> {
    if messages.is_empty() {
        return writeln!(out, "No message holds personal data.\n");
    }
    writeln!(out, "Messages holding personal data ({}):", messages.len())?;
    for m in messages {
        let by: Vec<String> = m
            .findings_by_category
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        writeln!(out, "  {} › {}", m.path, m.location)?;
        if let Some(Step::Message { date, from, .. }) = m.location.steps().last() {
            let date = date.as_deref().unwrap_or("no date");
            let from = from.as_deref().unwrap_or("unknown sender");
            writeln!(out, "      {date} · from {from}")?;
        }
        writeln!(
            out,
            "      {} findings, highest {}: {}",
            m.findings,
            m.highest_severity.name(),
            by.join(", ")
        )?;
    }
    writeln!(out)
}

/// The list of files and parts that could not be read (nothing when there are none).
pub fn write_errors(errors: &[FileError], out: &mut dyn Write) -> io::Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    writeln!(out, "Not scanned (errors):")?;
    for e in errors {
        if e.location.is_root() {
            writeln!(out, "  {}: {}", e.path, e.message)?;
        } else {
            writeln!(out, "  {} › {}: {}", e.path, e.location, e.message)?;
        }
    }
    writeln!(out)
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
        writeln!(
            out,
            "Skipped {} files or parts: {}.",
            s.skipped,
            by.join("; ")
        )?;
    }
    if s.hidden_by_allowlist + s.hidden_by_baseline > 0 {
        writeln!(
            out,
            "Not reported: {} allowlisted (sporhund.toml), {} already in the baseline.",
            s.hidden_by_allowlist, s.hidden_by_baseline
        )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Severity;
    use crate::location::Location;
    use crate::report::{Header, Tool};

    #[test]
    fn message_groups_are_listed_with_date_sender_and_counts() {
        let mut report = crate::report::Collector::new(Header {
            schema_version: "1.0.0".into(),
            tool: Tool::current(),
            roots: vec![],
            started_at: String::new(),
        })
        .into_report()
        .unwrap();
        report.messages = Some(vec![MessageGroup {
            path: "post.mbox".into(),
            location: Location(vec![Step::Message {
                index: Some(7),
                message_id: None,
                date: Some("Tue, 2 Jan 2024 09:00:00 +0100".into()),
                from: Some("Kari <kari@example.no>".into()),
                subject: Some("Søknad".into()),
                folder: None,
            }]),
            findings: 3,
            findings_by_category: [("national_id".to_string(), 2), ("phone".to_string(), 1)].into(),
            highest_severity: Severity::High,
        }]);
        let mut out = Vec::new();
        write_report(&report, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "Messages holding personal data (1):\n  post.mbox › message #7 \"Søknad\"\n      \
                 Tue, 2 Jan 2024 09:00:00 +0100 · from Kari <kari@example.no>\n      \
                 3 findings, highest high: national_id 2, phone 1\n\n"
            ),
            "{text}"
        );
    }
}

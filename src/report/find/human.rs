//! Human-readable subject-search report: per subject, each place with its strength, counts,
//! notes and hits; then errors and totals.

use std::io::{self, Write};

use super::{FindReport, Place, SubjectTotals};
use crate::report::human::write_errors;

/// Writes `report` for a person reading a terminal or a text file.
pub fn write_report(report: &FindReport, out: &mut dyn Write) -> io::Result<()> {
    for subject in &report.subjects {
        let totals = report
            .summary
            .subjects
            .get(&subject.label)
            .cloned()
            .unwrap_or_default();
        writeln!(out, "{}: {}", subject.label, totals_line(&totals))?;
        for place in report.places.iter().filter(|p| p.subject == subject.label) {
            write_place(place, out)?;
        }
        writeln!(out)?;
    }
    write_errors(&report.errors, out)?;
    let s = &report.summary;
    writeln!(
        out,
        "Searched {} files ({:.1} MB) in {:.2} s for {} subject{}.",
        s.files_scanned,
        s.bytes_scanned as f64 / 1e6,
        report.duration_seconds,
        report.subjects.len(),
        if report.subjects.len() == 1 { "" } else { "s" }
    )?;
    if s.skipped > 0 {
        writeln!(
            out,
            "Skipped {} files (not searched on purpose).",
            s.skipped
        )?;
    }
    if s.errors > 0 {
        writeln!(
            out,
            "INCOMPLETE: {} files or parts could not be searched (listed above).",
            s.errors
        )?;
    }
    Ok(())
}

/// `3 places (2 strong, 1 weak), 9 hits` or `not found`.
pub fn totals_line(t: &SubjectTotals) -> String {
    if t.places == 0 {
        return "not found".into();
    }
    format!(
        "{} place{} ({} strong, {} weak), {} hit{}",
        t.places,
        if t.places == 1 { "" } else { "s" },
        t.strong,
        t.weak,
        t.hits,
        if t.hits == 1 { "" } else { "s" }
    )
}

/// The file and container of a place, e.g. `arkiv.zip › entry brev.txt`.
pub fn place_name(p: &Place) -> String {
    if p.location.is_root() {
        p.path.clone()
    } else {
        format!("{} › {}", p.path, p.location)
    }
}

/// Hits per identifier, e.g. `name 2, fnr 1`.
pub fn counts_line(p: &Place) -> String {
    let counts: Vec<String> = p
        .counts
        .iter()
        .map(|(i, n)| format!("{} {n}", i.label()))
        .collect();
    counts.join(", ")
}

fn write_place(p: &Place, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "  [{}] {}  ({})",
        p.strength.label(),
        place_name(p),
        counts_line(p)
    )?;
    for note in &p.notes {
        writeln!(out, "      note: {note}")?;
    }
    for h in &p.hits {
        let location = if h.location.is_root() {
            "-".to_string()
        } else {
            h.location.to_string()
        };
        let variant = if h.variant.is_empty() {
            String::new()
        } else {
            format!(" [{}]", h.variant.join(", "))
        };
        writeln!(
            out,
            "      {location:<14} {:<12} {:<6} {:?}{variant}  {}",
            h.strength.label(),
            h.identifier.label(),
            h.written,
            h.context
        )?;
        if let Some(note) = &h.note {
            writeln!(out, "{:21}note: {note}", "")?;
        }
    }
    let listed = p.hits.len() as u64;
    let total: u64 = p.counts.values().sum();
    if total > listed {
        writeln!(out, "      … and {} more", total - listed)?;
    }
    Ok(())
}

//! `--summary-only`: totals for dashboards, by category, severity and store, without listing
//! any finding. A store is a scan root (everything found under it) or a container file on
//! disk (an archive, mailbox or mail store, counting what was found inside it).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::roots::Roots;
use super::{human, FileError, Finding, Header, ReportSink, Skipped, Summary};
use crate::detect::Severity;

/// What kind of store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// A path given to the scan.
    Root,
    /// A file with members (archive entries, messages, attachments).
    Container,
}

/// Findings in one store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreCounts {
    /// The root as given, or the container's path.
    pub store: String,
    /// Root or container.
    pub kind: StoreKind,
    /// Number of findings.
    pub findings: u64,
    /// Findings per category.
    pub findings_by_category: BTreeMap<String, u64>,
    /// Findings per severity.
    pub findings_by_severity: BTreeMap<Severity, u64>,
}

/// The `--summary-only --format json` document (`$defs/summary_report` in
/// docs/report.schema.json).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryReport {
    /// Contract version, tool, roots, start time.
    #[serde(flatten)]
    pub header: Header,
    /// Wall-clock duration in seconds.
    pub duration_seconds: f64,
    /// Totals.
    pub summary: Summary,
    /// Roots first (in the order given), then containers by path.
    pub stores: Vec<StoreCounts>,
}

/// Counts findings per store and forgets them.
#[derive(Debug)]
pub struct StoreCounter {
    roots: Roots,
    /// Per store, the finding counts of a [`Summary`] (the rest of it stays zero).
    stores: BTreeMap<(StoreKind, usize, String), Summary>,
    header: Header,
    summary: Summary,
    duration_seconds: f64,
}

impl StoreCounter {
    /// A counter for a scan of `roots`, described by `header`.
    pub fn new(header: Header, roots: Roots) -> Self {
        StoreCounter {
            roots,
            stores: BTreeMap::new(),
            header,
            summary: Summary::default(),
            duration_seconds: 0.0,
        }
    }

    fn count(&mut self, key: (StoreKind, usize, String), f: &Finding) {
        self.stores.entry(key).or_default().add_finding(f);
    }

    /// The finished summary report.
    pub fn into_report(self) -> SummaryReport {
        SummaryReport {
            header: self.header,
            duration_seconds: self.duration_seconds,
            summary: self.summary,
            stores: self
                .stores
                .into_iter()
                .map(|((kind, _, store), counts)| StoreCounts {
                    store,
                    kind,
                    findings: counts.findings,
                    findings_by_category: counts.findings_by_category,
                    findings_by_severity: counts.findings_by_severity,
                })
                .collect(),
        }
    }
}

impl ReportSink for StoreCounter {
    fn finding(&mut self, f: Finding) -> io::Result<()> {
        if let (Some(i), _) = self.roots.relative(Path::new(&f.path)) {
            let root = self.roots.paths()[i].display().to_string();
            self.count((StoreKind::Root, i, root), &f);
        }
        if f.location.container_depth() > 0 {
            self.count((StoreKind::Container, 0, f.path.clone()), &f);
        }
        Ok(())
    }

    fn error(&mut self, _: FileError) -> io::Result<()> {
        Ok(())
    }

    fn skipped(&mut self, _: Skipped) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self, summary: &Summary, duration_seconds: f64) -> io::Result<()> {
        self.summary = summary.clone();
        self.duration_seconds = duration_seconds;
        Ok(())
    }
}

/// Writes a summary report for people: the usual closing lines, then severities and stores.
pub fn write_human(report: &SummaryReport, out: &mut dyn Write) -> io::Result<()> {
    human::write_summary(&report.summary, report.duration_seconds, out)?;
    if report.summary.findings > 0 {
        writeln!(
            out,
            "By severity: {}.",
            by_severity(&report.summary.findings_by_severity)
        )?;
    }
    for s in &report.stores {
        let kind = match s.kind {
            StoreKind::Root => "root",
            StoreKind::Container => "container",
        };
        writeln!(
            out,
            "  {kind:<9} {}: {} findings ({})",
            s.store,
            s.findings,
            by_severity(&s.findings_by_severity)
        )?;
    }
    Ok(())
}

fn by_severity(counts: &BTreeMap<Severity, u64>) -> String {
    counts
        .iter()
        .rev()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

//! Report stage: the report contract (documented in `docs/report.schema.json`) and one writer
//! per output format. Writers only render what the pipeline decided; they never re-derive it.

pub mod background;
pub mod csv;
pub mod find;
pub mod fingerprint;
pub mod group;
pub mod human;
pub mod json;
pub mod mask;
pub mod merge;
pub mod roots;
pub mod sarif;
pub mod stores;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::detect::Severity;
use crate::location::Location;
use json::{FileBlock, NoStore, TextStore};

/// Version of the JSON report contract. Bump the major number on breaking changes.
pub const SCHEMA_VERSION: &str = "1.0.0";

/// One piece of personal data found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id, e.g. `no.fnr`.
    pub rule: String,
    /// Category, e.g. `national_id`.
    pub category: String,
    /// Sub-type where the rule has one, e.g. `fnr`, `dnr`, `synthetic`, `mobile`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    /// How serious.
    pub severity: Severity,
    /// 0–1, two decimals.
    pub confidence: f32,
    /// The file on disk.
    pub path: String,
    /// Where inside the file.
    pub location: Location,
    /// The value: masked unless the scan ran with `--show-values`.
    pub value: String,
    /// Keyed hash of rule and normalised value: equal values give equal fingerprints under
    /// the same key, and the value cannot be recovered without the key.
    pub fingerprint: String,
    /// A short snippet around the value (masked like the value).
    pub context: String,
    /// For a special-category finding: the person identifier its keyword was paired with.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub related: Option<Box<Related>>,
}

/// The identifier finding a special-category keyword was paired with (its own finding is in
/// the report too, with the same fingerprint).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    /// Rule id of the identifier, e.g. `no.fnr`.
    pub rule: String,
    /// Its category, e.g. `national_id`.
    pub category: String,
    /// Its kind, e.g. `fnr`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    /// Its fingerprint.
    pub fingerprint: String,
    /// Where it is (the same text, or another cell or field of the same record or message).
    pub location: Location,
}

/// A source, or part of one, that could not be scanned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileError {
    /// The file on disk.
    pub path: String,
    /// Where inside the file (empty for the whole file).
    pub location: Location,
    /// What went wrong.
    pub message: String,
}

/// A file, or a part of one (an image attachment, a binary zip member), deliberately not
/// scanned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file on disk.
    pub path: String,
    /// The part inside the file; absent (empty) for the whole file.
    #[serde(default, skip_serializing_if = "Location::is_root")]
    pub location: Location,
    /// Why it was not scanned.
    pub reason: String,
}

/// Totals of a scan.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Files whose content was searched.
    pub files_scanned: u64,
    /// Of `files_scanned`, those whose results came from the cache of an earlier scan
    /// (unchanged files, not read again).
    #[serde(default)]
    pub files_from_cache: u64,
    /// Bytes of those files.
    pub bytes_scanned: u64,
    /// Number of findings.
    pub findings: u64,
    /// Findings per category.
    pub findings_by_category: BTreeMap<String, u64>,
    /// Findings per severity.
    pub findings_by_severity: BTreeMap<Severity, u64>,
    /// Number of errors (files or parts that could not be read).
    pub errors: u64,
    /// Number of files not scanned on purpose.
    pub skipped: u64,
    /// Skipped files per reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// True when every file that should have been scanned was (no errors).
    pub complete: bool,
    /// Findings not reported because an allowlist (`sporhund.toml`) allows them.
    #[serde(default)]
    pub hidden_by_allowlist: u64,
    /// Findings not reported because the baseline (`--baseline`) already knows them.
    #[serde(default)]
    pub hidden_by_baseline: u64,
}

impl Summary {
    /// Counts one finding.
    pub fn add_finding(&mut self, f: &Finding) {
        self.findings += 1;
        self.add_to_category(&f.category, 1);
        *self.findings_by_severity.entry(f.severity).or_default() += 1;
    }

    /// Counts the findings of a rendered block.
    pub fn add_block(&mut self, block: &FileBlock) {
        self.findings += block.count;
        for (category, n) in &block.by_category {
            self.add_to_category(category, *n);
        }
        for (severity, n) in json::severities(&block.by_severity) {
            *self.findings_by_severity.entry(severity).or_default() += n;
        }
    }

    /// Adds `n` findings of `category`. Looked up before inserting: a category's name is
    /// copied once, not per finding.
    fn add_to_category(&mut self, category: &str, n: u64) {
        match self.findings_by_category.get_mut(category) {
            Some(total) => *total += n,
            None => {
                self.findings_by_category.insert(category.to_string(), n);
            }
        }
    }

    /// Counts one skipped file.
    pub fn add_skipped(&mut self, s: &Skipped) {
        self.skipped += 1;
        *self.skipped_by_reason.entry(s.reason.clone()).or_default() += 1;
    }
}

/// The producing tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `sporhund`.
    pub name: String,
    /// Crate version.
    pub version: String,
}

impl Tool {
    /// This build of sporhund.
    pub fn current() -> Self {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// Facts about a scan known before it ends (the JSONL stream's first line).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`SCHEMA_VERSION`].
    pub schema_version: String,
    /// The producing tool.
    pub tool: Tool,
    /// Paths given to the scan.
    pub roots: Vec<String>,
    /// RFC 3339 UTC time the scan started.
    pub started_at: String,
}

/// A whole scan report (the `--format json` document).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Contract version, tool, roots, start time.
    #[serde(flatten)]
    pub header: Header,
    /// Wall-clock duration in seconds.
    pub duration_seconds: f64,
    /// Totals.
    pub summary: Summary,
    /// Findings, ordered by path and location.
    pub findings: Vec<Finding>,
    /// Errors, ordered by path.
    pub errors: Vec<FileError>,
    /// Skipped files, ordered by path.
    pub skipped: Vec<Skipped>,
    /// With `--group-by message`: the messages holding findings, ordered by path and position.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub messages: Option<Vec<group::MessageGroup>>,
}

/// Receives a scan's results as they happen; one implementation per streaming need.
pub trait ReportSink {
    /// A finding.
    fn finding(&mut self, finding: Finding) -> std::io::Result<()>;
    /// An error.
    fn error(&mut self, error: FileError) -> std::io::Result<()>;
    /// A skipped file.
    fn skipped(&mut self, skipped: Skipped) -> std::io::Result<()>;
    /// The scan ended; totals and duration are final.
    fn finish(&mut self, summary: &Summary, duration_seconds: f64) -> std::io::Result<()>;

    /// True when the sink wants a file's findings as one rendered [`FileBlock`] (see
    /// [`ReportSink::block`]) rather than one by one.
    fn takes_blocks(&self) -> bool {
        false
    }

    /// All findings of one file, rendered. A sink that does not take blocks gets them one by
    /// one, parsed back from the rendered text.
    fn block(&mut self, block: Arc<FileBlock>) -> std::io::Result<()> {
        block
            .findings(&NoStore)?
            .into_iter()
            .try_for_each(|f| self.finding(f))
    }
}

/// The order of one file's findings in a report: by location, then rule (a stable sort keeps
/// ties in the order found).
pub fn within_file(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (&a.location, &a.rule).cmp(&(&b.location, &b.rule))
}

/// Sorts `items` stably by path, then by `within`: the same order as one stable sort by both,
/// but each path is compared once per distinct path instead of in every comparison (reports
/// hold many findings per file, and long paths with a common prefix are slow to compare).
/// Items of one file usually arrive together, so a path equal to the one before is not looked
/// up again; and an order of indices is sorted, then the (large) items are permuted in place
/// along it (items already in order are not moved).
fn sort_by_path<T>(
    items: &mut [T],
    path: impl Fn(&T) -> &str,
    within: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let ranks: Vec<u32> = {
        let mut ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let mut previous: Option<(&str, u32)> = None;
        let of_item: Vec<u32> = items
            .iter()
            .map(|t| {
                let p = path(t);
                match previous {
                    Some((q, id)) if q == p => id,
                    _ => {
                        let next = ids.len() as u32;
                        let id = *ids.entry(p).or_insert(next);
                        previous = Some((p, id));
                        id
                    }
                }
            })
            .collect();
        let mut paths: Vec<(&str, u32)> = ids.into_iter().collect();
        paths.sort_unstable();
        let mut rank = vec![0u32; paths.len()];
        for (r, (_, id)) in paths.into_iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        of_item.into_iter().map(|id| rank[id as usize]).collect()
    };
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    order.sort_by_key(|&i| ranks[i as usize]);
    for group in order.chunk_by_mut(|&a, &b| ranks[a as usize] == ranks[b as usize]) {
        group.sort_by(|&a, &b| within(&items[a as usize], &items[b as usize]));
    }
    permute_in_place(items, &mut order);
}

/// Rearranges `items` so that position `k` holds what was at `order[k]`, by swaps along the
/// permutation's cycles: no second copy of the items is made (for a large report that copy
/// was tens of megabytes, every page of it a fault). `order` is used up.
fn permute_in_place<T>(items: &mut [T], order: &mut [u32]) {
    debug_assert_eq!(items.len(), order.len());
    for start in 0..order.len() {
        // Along the cycle through `start`: each swap puts the right item at `at` and carries
        // the start's item on, until the position that wants it. Done positions point at
        // themselves.
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// Blocks sorted together while a scan runs (see [`Collector`]'s `block`).
const SORTED_RUN: usize = 1024;

/// Keeps everything in memory and builds a sorted [`Report`] at the end (for JSON and
/// human output, which need the whole scan before writing).
#[derive(Debug)]
pub struct Collector {
    report: Report,
    group_by_message: bool,
    /// With [`Collector::taking_blocks`]: the files whose findings came rendered.
    blocks: Option<Vec<Arc<FileBlock>>>,
}

impl Collector {
    /// An empty report for a scan described by `header`.
    pub fn new(header: Header) -> Self {
        Collector {
            report: Report {
                header,
                duration_seconds: 0.0,
                summary: Summary::default(),
                findings: Vec::new(),
                errors: Vec::new(),
                skipped: Vec::new(),
                messages: None,
            },
            group_by_message: false,
            blocks: None,
        }
    }

    /// Takes files' findings as rendered blocks (when not grouping by message), for a report
    /// written by [`json::write_report_with_blocks`] from [`Collector::into_json_parts`].
    pub fn taking_blocks(mut self) -> Self {
        self.blocks = Some(Vec::new());
        self
    }

    /// Also lists the messages holding findings ([`Report::messages`]).
    pub fn grouping_by_message(mut self) -> Self {
        self.group_by_message = true;
        self
    }

    /// The finished report, every finding in it (blocks in memory parsed back into findings).
    pub fn into_report(self) -> std::io::Result<Report> {
        let (mut report, blocks) = self.into_json_parts(&NoStore)?;
        if !blocks.is_empty() {
            for block in blocks {
                report.findings.extend(block.findings(&NoStore)?);
            }
            sort_findings(&mut report.findings);
        }
        Ok(report)
    }

    /// The finished report and the rendered blocks (texts not in memory are in `store`),
    /// sorted by path, whose findings it does not list: no block shares its path with another
    /// block or with a finding of the report.
    pub fn into_json_parts(
        mut self,
        store: &dyn TextStore,
    ) -> std::io::Result<(Report, Vec<Arc<FileBlock>>)> {
        self.settle_blocks(store)?;
        Ok((self.report, self.blocks.unwrap_or_default()))
    }

    /// Sorts the blocks by path; a block whose path has findings elsewhere (another block,
    /// or findings that came one by one: the same file reached twice) is parsed back into
    /// findings, so that they sort together as in any other report.
    fn settle_blocks(&mut self, store: &dyn TextStore) -> std::io::Result<()> {
        let Some(blocks) = self.blocks.as_mut() else {
            return Ok(());
        };
        blocks.sort_by(|a, b| a.path.cmp(&b.path));
        let findings = &self.report.findings;
        let has_loose = |path: &str| {
            let at = findings.partition_point(|f| f.path.as_str() < path);
            findings.get(at).is_some_and(|f| f.path == path)
        };
        let shared: Vec<bool> = (0..blocks.len())
            .map(|i| {
                let path = &blocks[i].path;
                (i > 0 && blocks[i - 1].path == *path)
                    || blocks.get(i + 1).is_some_and(|b| b.path == *path)
                    || has_loose(path)
            })
            .collect();
        if !shared.contains(&true) {
            return Ok(());
        }
        let mut kept = Vec::with_capacity(blocks.len());
        for (block, shared) in std::mem::take(blocks).into_iter().zip(shared) {
            if shared {
                self.report.findings.extend(block.findings(store)?);
            } else {
                kept.push(block);
            }
        }
        *blocks = kept;
        sort_findings(&mut self.report.findings);
        Ok(())
    }
}

/// Sorts findings into report order: by path, then [`within_file`].
fn sort_findings(findings: &mut [Finding]) {
    sort_by_path(findings, |f| &f.path, within_file);
}

impl ReportSink for Collector {
    fn finding(&mut self, finding: Finding) -> std::io::Result<()> {
        self.report.findings.push(finding);
        Ok(())
    }

    fn error(&mut self, error: FileError) -> std::io::Result<()> {
        self.report.errors.push(error);
        Ok(())
    }

    fn skipped(&mut self, skipped: Skipped) -> std::io::Result<()> {
        self.report.skipped.push(skipped);
        Ok(())
    }

    fn takes_blocks(&self) -> bool {
        self.blocks.is_some() && !self.group_by_message
    }

    fn block(&mut self, block: Arc<FileBlock>) -> std::io::Result<()> {
        match &mut self.blocks {
            Some(blocks) if !self.group_by_message => {
                blocks.push(block);
                // Each run of blocks is sorted as it completes, while the scan goes on (its
                // paths still in the processor's cache): the sort at the end then merges runs
                // (a stable sort finds them) instead of sorting every block after the walk.
                if blocks.len() % SORTED_RUN == 0 {
                    let run = blocks.len() - SORTED_RUN;
                    blocks[run..].sort_by(|a, b| a.path.cmp(&b.path));
                }
                Ok(())
            }
            _ => {
                let findings = block.findings(&NoStore)?;
                self.report.findings.extend(findings);
                Ok(())
            }
        }
    }

    fn finish(&mut self, summary: &Summary, duration_seconds: f64) -> std::io::Result<()> {
        let r = &mut self.report;
        r.summary = summary.clone();
        r.duration_seconds = duration_seconds;
        sort_findings(&mut r.findings);
        r.errors
            .sort_by(|a, b| (&a.path, &a.location).cmp(&(&b.path, &b.location)));
        r.skipped
            .sort_by(|a, b| (&a.path, &a.location).cmp(&(&b.path, &b.location)));
        if self.group_by_message {
            r.messages = Some(group::group_by_message(&r.findings));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::sort_by_path;

    #[test]
    fn sorting_by_path_then_within_equals_one_stable_sort() {
        // (path, key, arrival): ties in (path, key) must keep their arrival order.
        let mut seed = 7u64;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        // Interleaved paths, then paths arriving in runs (one file's findings together, as
        // from the cache), then input that is already in order.
        let interleaved: Vec<(String, u64, usize)> = (0..2000)
            .map(|i| (format!("/srv/share/dir/{}", next(40)), next(30), i))
            .collect();
        let mut runs = Vec::new();
        for i in 0..2000 {
            let file = if i % 50 == 0 {
                next(40)
            } else {
                runs.last()
                    .map_or(0, |r: &(String, u64, usize)| r.0[15..].parse().unwrap())
            };
            runs.push((format!("/srv/share/dir/{file}"), next(30), i));
        }
        let mut sorted = interleaved.clone();
        sorted.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        for items in [interleaved, runs, sorted] {
            let mut expected = items.clone();
            expected.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            let mut got = items;
            sort_by_path(&mut got, |t| &t.0, |a, b| a.1.cmp(&b.1));
            assert_eq!(got, expected);
        }
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn permuting_in_place_equals_picking_by_index(
            order in (0usize..200).prop_flat_map(|n| {
                Just((0..n as u32).collect::<Vec<_>>())
                    .prop_shuffle()
            })
        ) {
            let items: Vec<String> = (0..order.len()).map(|i| format!("item {i}")).collect();
            let expected: Vec<String> = order.iter().map(|&i| items[i as usize].clone()).collect();
            let mut got = items;
            super::permute_in_place(&mut got, &mut order.clone());
            prop_assert_eq!(got, expected);
        }
    }
}

//! A file's findings rendered once, on the worker that scanned the file, as the items of the
//! JSON report's findings list ([`FileBlock`]). The JSON report splices such blocks in instead
//! of rendering every finding after the scan, and the cache keeps them, so a rescan of an
//! unchanged file neither decodes nor renders its findings: it copies bytes. A large block's
//! text stays in the cache until the report is written ([`BlockText::Stored`]), so a rescan
//! does not hold every file's findings in memory either.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use crate::detect::Severity;
use crate::report::{within_file, Finding};

/// The findings of one file, in report order, rendered as the JSON report writes them: items
/// of the findings list, pretty-printed, indented for the list and separated as the list
/// separates them. Counts come along, since the summary needs them and the findings are not
/// kept.
#[derive(Clone, Debug, PartialEq)]
pub struct FileBlock {
    /// The file on disk (the `path` of every finding).
    pub path: String,
    /// The rendered findings (at least one).
    pub text: BlockText,
    /// Number of findings.
    pub count: u64,
    /// Findings per category.
    pub by_category: Vec<(CategoryName, u64)>,
    /// Findings per severity, in the order of [`Severity::ALL`].
    pub by_severity: SeverityCounts,
}

/// Findings per severity, in the order of [`Severity::ALL`] ([`Severity::index`]).
pub type SeverityCounts = [u64; Severity::ALL.len()];

/// The severities `counts` has findings of, with their numbers, least serious first.
pub fn severities(counts: &SeverityCounts) -> impl Iterator<Item = (Severity, u64)> + '_ {
    Severity::ALL
        .into_iter()
        .zip(counts.iter().copied())
        .filter(|&(_, n)| n > 0)
}

/// A category's name as a block keeps it: shared by every block for the names met so far
/// ([`category_name`]), its own copy past the first [`SHARED_NAMES`].
pub type CategoryName = Cow<'static, str>;

/// Distinct category names shared. Rules name a handful (eight built in, one per rule at
/// most); the bound keeps a damaged cache from growing the list without end.
pub const SHARED_NAMES: usize = 256;

/// The category `name`, shared with every other block of it: a rescan decodes a block per
/// file, and each block's counts held a string per category, four allocations of a file's
/// ten (the thread's own list answers, the process's list, under a lock, once per thread and
/// name).
pub fn category_name(name: &str) -> CategoryName {
    thread_local! {
        static KNOWN: std::cell::RefCell<Vec<&'static str>> = const {
            std::cell::RefCell::new(Vec::new())
        };
    }
    static SHARED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    if let Some(k) = KNOWN.with_borrow(|list| list.iter().copied().find(|k| *k == name)) {
        return Cow::Borrowed(k);
    }
    let shared = shared_name(&mut SHARED.lock().unwrap_or_else(|p| p.into_inner()), name);
    match shared {
        Some(k) => {
            KNOWN.with_borrow_mut(|list| list.push(k));
            Cow::Borrowed(k)
        }
        None => Cow::Owned(name.to_string()),
    }
}

/// Where a block's rendered text is.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockText {
    /// In memory.
    Here(Vec<u8>),
    /// In a [`TextStore`] (the cache): `len` bytes at offset `at`, read as the report is
    /// written. The store finds the file's entry, should it need it, from the block's path
    /// (a key kept in every block was a tenth of a rescan's fresh memory).
    Stored {
        /// Where the text starts in the store.
        at: u64,
        /// Its length in bytes.
        len: u64,
        /// Identity of the store's file the text is in: the store refuses a text of
        /// another (say one rewritten since the block was read).
        file: [u8; 16],
    },
}

/// A block's text, shared with what holds it (the block in memory, the cache's memory map)
/// rather than copied: a report gathers many of them for one vectored write.
#[derive(Clone)]
pub struct SharedText {
    owner: Arc<dyn AsRef<[u8]> + Send + Sync>,
    range: Range<usize>,
}

impl SharedText {
    /// The bytes of `owner` in `range`; `None` when the range is not within them.
    pub fn new(owner: Arc<dyn AsRef<[u8]> + Send + Sync>, range: Range<usize>) -> Option<Self> {
        (*owner).as_ref().get(range.clone())?;
        Some(SharedText { owner, range })
    }

    /// Bytes of its own.
    pub fn owned(bytes: Vec<u8>) -> Self {
        let range = 0..bytes.len();
        SharedText {
            owner: Arc::new(bytes),
            range,
        }
    }
}

impl std::ops::Deref for SharedText {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &(*self.owner).as_ref()[self.range.clone()]
    }
}

/// The text of a block in memory, as the owner of a [`SharedText`].
struct HereText(Arc<FileBlock>);

impl AsRef<[u8]> for HereText {
    fn as_ref(&self) -> &[u8] {
        match &self.0.text {
            BlockText::Here(text) => text,
            BlockText::Stored { .. } => &[],
        }
    }
}

/// Gives the texts of [`BlockText::Stored`] blocks.
pub trait TextStore {
    /// The text stored at `at`, `len` bytes: the findings of the file the report shows as
    /// `path` (as the walk found it), always UTF-8; an error when it cannot be had.
    fn text(&self, path: &str, at: u64, len: u64, file: [u8; 16]) -> io::Result<SharedText>;
}

/// No store: only texts in memory can be read.
pub struct NoStore;

impl TextStore for NoStore {
    fn text(&self, path: &str, _at: u64, _len: u64, _file: [u8; 16]) -> io::Result<SharedText> {
        Err(io::Error::other(format!(
            "the findings of {path} are kept in the cache, which this report cannot read"
        )))
    }
}

/// `name` as kept in `all`, added (for good) if it is not there and `all` has fewer than
/// [`SHARED_NAMES`]; `None` when `all` is full.
fn shared_name(all: &mut Vec<&'static str>, name: &str) -> Option<&'static str> {
    if let Some(k) = all.iter().copied().find(|k| *k == name) {
        return Some(k);
    }
    if all.len() >= SHARED_NAMES {
        return None;
    }
    let k: &'static str = Box::leak(name.into());
    all.push(k);
    Some(k)
}

impl FileBlock {
    /// Renders `findings` (all of the file at `path`, at least one), sorted here into report
    /// order: by location, then rule, ties in the order found, as [`crate::report::Collector`]
    /// sorts a file's findings.
    pub fn render(path: String, findings: &mut [Finding]) -> io::Result<FileBlock> {
        debug_assert!(findings.iter().all(|f| f.path == path));
        findings.sort_by(within_file);
        let mut by_category: BTreeMap<&str, u64> = BTreeMap::new();
        let mut by_severity = SeverityCounts::default();
        for f in findings.iter() {
            *by_category.entry(&f.category).or_default() += 1;
            by_severity[f.severity.index()] += 1;
        }
        Ok(FileBlock {
            text: BlockText::Here(super::render_findings(findings)?),
            count: findings.len() as u64,
            by_category: by_category
                .into_iter()
                .map(|(c, n)| (category_name(c), n))
                .collect(),
            by_severity,
            path,
        })
    }

    /// Length of the rendered text in bytes.
    pub fn text_len(&self) -> u64 {
        match &self.text {
            BlockText::Here(text) => text.len() as u64,
            BlockText::Stored { len, .. } => *len,
        }
    }

    /// The rendered text, from memory or from `store`.
    pub fn shared_text(self: &Arc<Self>, store: &dyn TextStore) -> io::Result<SharedText> {
        match &self.text {
            BlockText::Here(text) => {
                let here: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(HereText(self.clone()));
                Ok(SharedText::new(here, 0..text.len()).expect("the whole text"))
            }
            BlockText::Stored { at, len, file } => store.text(&self.path, *at, *len, *file),
        }
    }

    /// The findings again, parsed from the rendered text: for a report that needs them as
    /// values (another format, or a file whose findings must be merged with others of the
    /// same path).
    pub fn findings(self: &Arc<Self>, store: &dyn TextStore) -> io::Result<Vec<Finding>> {
        let mut list = vec![b'['];
        list.extend_from_slice(&self.shared_text(store)?);
        list.push(b']');
        Ok(serde_json::from_slice(&list)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::{Location, Step};

    fn finding(line: u64, rule: &str, category: &str, severity: Severity) -> Finding {
        finding_in("dir/a \"b\".txt", line, rule, category, severity)
    }

    fn finding_in(path: &str, line: u64, rule: &str, category: &str, sev: Severity) -> Finding {
        Finding {
            rule: rule.into(),
            category: category.into(),
            kind: None,
            severity: sev,
            confidence: 0.87,
            path: path.into(),
            location: Location::root().child(Step::Line { line, column: 3 }),
            value: "12******345".into(),
            fingerprint: "f".repeat(16),
            context: "fnr: 12******345 æøå".into(),
            related: None,
        }
    }

    /// A category's name is one string however many blocks and threads ask for it; past
    /// the bound of the shared list, a name is a copy of its own.
    #[test]
    fn category_names_are_shared_up_to_a_bound() {
        let a = category_name("test_category_shared");
        let b = std::thread::spawn(|| category_name("test_category_shared"))
            .join()
            .unwrap();
        assert!(matches!((&a, &b), (Cow::Borrowed(_), Cow::Borrowed(_))));
        assert!(std::ptr::eq(a.as_ptr(), b.as_ptr()), "one string");
        assert_eq!(a, "test_category_shared");
        let mut all = Vec::new();
        let first = shared_name(&mut all, "c0").unwrap();
        for i in 1..SHARED_NAMES {
            assert!(shared_name(&mut all, &format!("c{i}")).is_some());
        }
        assert!(std::ptr::eq(shared_name(&mut all, "c0").unwrap(), first));
        assert_eq!(shared_name(&mut all, "one more"), None);
        assert_eq!(all.len(), SHARED_NAMES);
    }

    #[test]
    fn renders_in_report_order_with_counts_and_parses_back() {
        let mut found = vec![
            finding(9, "no.fnr", "national_id", Severity::High),
            finding(2, "no.phone", "phone", Severity::Low),
            finding(2, "no.email", "email", Severity::Low),
        ];
        let block = Arc::new(FileBlock::render("dir/a \"b\".txt".into(), &mut found).unwrap());
        let mut sorted = found.clone();
        sorted.sort_by(|a, b| (&a.location, &a.rule).cmp(&(&b.location, &b.rule)));
        assert_eq!(found, sorted);
        assert_eq!(block.count, 3);
        assert_eq!(
            block.by_category,
            [
                ("email".into(), 1),
                ("national_id".into(), 1),
                ("phone".into(), 1)
            ]
        );
        assert_eq!(block.by_severity, [0, 2, 0, 1, 0]);
        assert_eq!(
            severities(&block.by_severity).collect::<Vec<_>>(),
            [(Severity::Low, 2), (Severity::High, 1)]
        );
        assert_eq!(block.findings(&NoStore).unwrap(), sorted);
        // The bytes the JSON report writes for the same findings.
        let text = super::super::render_findings(&sorted).unwrap();
        assert_eq!(block.text, BlockText::Here(text.clone()));
        // Kept in a store, the same.
        struct One(Vec<u8>);
        impl TextStore for One {
            fn text(
                &self,
                path: &str,
                at: u64,
                len: u64,
                file: [u8; 16],
            ) -> io::Result<SharedText> {
                assert_eq!(path, "dir/a \"b\".txt");
                assert_eq!((at, len, file), (9, self.0.len() as u64, [3; 16]));
                Ok(SharedText::owned(self.0.clone()))
            }
        }
        let stored = Arc::new(FileBlock {
            text: BlockText::Stored {
                at: 9,
                len: text.len() as u64,
                file: [3; 16],
            },
            ..(*block).clone()
        });
        assert_eq!(stored.findings(&One(text)).unwrap(), sorted);
        assert!(stored.findings(&NoStore).is_err());
    }
}

#[cfg(test)]
mod report_tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::{FileBlock, NoStore};
    use crate::detect::Severity;
    use crate::location::{Location, Step};
    use crate::report::json::{write_report, write_report_with_blocks};
    use crate::report::{Collector, Finding, Header, ReportSink, Summary, Tool};

    const PATHS: [&str; 4] = ["a", "b/c.txt", "b/c.txt2", "z"];

    fn finding(path: usize, line: u64, rule: usize) -> Finding {
        let rules = [("no.fnr", "national_id"), ("no.phone", "phone")];
        Finding {
            rule: rules[rule].0.into(),
            category: rules[rule].1.into(),
            kind: None,
            severity: [Severity::High, Severity::Low][rule],
            confidence: 0.9,
            path: PATHS[path].into(),
            location: Location::root().child(Step::Line { line, column: 1 }),
            value: format!("v{line}"),
            fingerprint: "f".into(),
            context: String::new(),
            related: None,
        }
    }

    fn collector() -> Collector {
        Collector::new(Header {
            schema_version: "1.0.0".into(),
            tool: Tool::current(),
            roots: vec![".".into()],
            started_at: String::new(),
        })
    }

    proptest! {
        /// However a scan's findings arrive (one by one, as one block per file, a file's
        /// findings split over blocks and single findings, as when a file is reached twice),
        /// the JSON report has the same bytes.
        #[test]
        fn blocks_give_the_report_findings_one_by_one_give(
            found in proptest::collection::vec((0usize..4, 1u64..6, 0usize..2), 0..40),
            how in proptest::collection::vec(0u8..4, 4),
        ) {
            let findings: Vec<Finding> =
                found.iter().map(|&(p, line, rule)| finding(p, line, rule)).collect();
            let mut summary = Summary::default();
            findings.iter().for_each(|f| summary.add_finding(f));
            let mut plain = collector();
            findings.iter().try_for_each(|f| plain.finding(f.clone())).unwrap();
            plain.finish(&summary, 1.0).unwrap();
            let expected = plain.into_report().unwrap();
            let mut want = Vec::new();
            write_report(&expected, &mut want).unwrap();

            let mut blocks = collector().taking_blocks();
            prop_assert!(blocks.takes_blocks());
            let mut counted = Summary::default();
            for (p, path) in PATHS.iter().enumerate() {
                let mut of_path: Vec<Finding> =
                    findings.iter().filter(|f| f.path == *path).cloned().collect();
                if of_path.is_empty() {
                    continue;
                }
                // 0: one by one; 1: one block; 2: two blocks; 3: a block and the rest loose.
                let split = of_path.len() / 2;
                let mut send = |list: &mut [Finding], as_block: bool| {
                    if list.is_empty() {
                        return;
                    }
                    if as_block {
                        let b = FileBlock::render(path.to_string(), list).unwrap();
                        counted.add_block(&b);
                        blocks.block(Arc::new(b)).unwrap();
                    } else {
                        for f in list.iter() {
                            counted.add_finding(f);
                            blocks.finding(f.clone()).unwrap();
                        }
                    }
                };
                match how[p] {
                    0 => send(&mut of_path, false),
                    1 => send(&mut of_path, true),
                    kind => {
                        let (one, two) = of_path.split_at_mut(split);
                        send(one, true);
                        send(two, kind == 2);
                    }
                }
            }
            prop_assert_eq!(&counted, &summary);
            blocks.finish(&summary, 1.0).unwrap();
            let (report, list) = blocks.into_json_parts(&NoStore).unwrap();
            let mut got = Vec::new();
            write_report_with_blocks(&report, &list, &NoStore, &mut got).unwrap();
            prop_assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap());
        }
    }
}

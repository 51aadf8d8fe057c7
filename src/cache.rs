//! Incremental rescans: per-file results kept in an embedded database (redb) so that a file
//! that has not changed since the last scan is not read and extracted again.
//!
//! The cache lives in `cache.redb` in the state directory (see
//! [`crate::report::fingerprint::state_dir`]) or in `--cache-dir`, created owner-only (0600):
//! it holds findings like a report does (values, snippets and the texts of locations masked
//! unless the scan ran with `--show-values`; fingerprints keyed).
//!
//! **Key.** An entry is stored under the file's path with its directory canonicalised (the
//! same file reached through another spelling of a root is the same entry) and records the
//! file's identity and stat (device, inode, size, modification and status-change times in
//! nanoseconds), a BLAKE3 hash of its content, and a hash of everything that changes results
//! ([`results_hash`]: tool version and build (the executable's size and time), every rule as
//! loaded, `--min-confidence`, `--show-values`, extraction limits and the fingerprint key's
//! identity). An entry made under other settings is never used.
//!
//! **Trust model** (git's index works the same way). A file's content is not read again when
//! its stat says it has not changed:
//! 1. Stat unchanged (device, inode, size, mtime, ctime) and both times older than the moment
//!    the entry was made by more than [`RACY_NS`] ⇒ results reused without opening the file.
//!    Writing a file always moves its ctime, which no program can set back, so content
//!    rewritten with the same size and its mtime restored (`touch -d`, `cp -p`, `rsync -t`)
//!    is still noticed; what is trusted is that the clock does not go backwards and that
//!    nobody writes the block device under the file system.
//! 2. Same size but another stat (touched, copied back, restored from backup, metadata
//!    changed), or a time too close to when the entry was made to be trusted ("racily clean":
//!    the file may have been written again within the file system's timestamp granularity,
//!    2 s on FAT) ⇒ the content is hashed; same hash ⇒ results reused and the stat refreshed;
//!    another hash ⇒ scanned again.
//! 3. New file, other size, other settings ⇒ hashed and scanned, entry written.
//!
//! A file that could not be opened at all is never stored (the next scan tries again); errors
//! inside a file (a corrupt member) are stored with its findings, since the same bytes give the
//! same errors. Entries of files that no longer exist under the scanned roots are removed at
//! the end of each scan.
//!
//! **Layout.** Two tables keyed by path: `head` (settings hash, stat, time recorded, content
//! hash: a hundred bytes, all a rescan reads of a file that turns out changed, and all the
//! clean-up at the end walks) and `body` (findings, errors and skipped parts in the compact
//! encoding of [`codec`]). A file whose findings were rendered as the JSON report writes them
//! (a [`FileBlock`]; every file with findings scanned for a JSON report) has its `block`
//! entry after its head, in the same value: the results with the findings' counts in place
//! of the findings, and where the rendered text is in the texts file beside the database
//! (`cache.redb.texts`, module [`texts`]). A JSON rescan of an unchanged file thus makes one
//! lookup and copies the file's text straight from the texts file into the report while it
//! is written ([`Cache`] is the report's [`TextStore`]) instead of decoding and rendering its
//! findings (that was 80 % of a rescan's instructions on a corpus dense with findings, and
//! 55 % on 8,872 small files); other formats use `body`. A block names the path it was
//! rendered with, so the same file reached through another spelling of a root uses `body`.
//! The texts file is about the size of the report's findings; redb held them at twice that
//! (a page per text) and made small files' rescans no faster. A scan reads from one snapshot
//! taken when it starts; its own writes are batched. The walk hands out a directory's files in
//! name order, which is key order, so each worker reads the heads of the files to come ahead,
//! up to 256 of the directory at a time, in one range read ([`Ahead`]) instead of a B-tree
//! lookup per file; a lookup the read-ahead answers takes no lock and mostly finds its entry
//! right after the last one. A stored block keeps no key: should its text be found damaged,
//! the entry whose body renders it again is found from the block's path. The read-only
//! database's page cache is small for a JSON rescan ([`Reads`]): every cached page is memory
//! to fault in, and the heads are read once each.
//!
//! **Concurrency.** A scan holds an exclusive lock on `cache.redb.lock` beside the database: a
//! second scan while one is running gets [`OpenError::InUse`] and should scan without the
//! cache. An existing database is opened read-only and reopened for writing only when the scan
//! has something to store, so a rescan that finds nothing changed writes (and syncs) nothing:
//! a writable redb database costs a synced header write when opened and two syncs when closed,
//! 4–8 ms of a 35 ms rescan. An unreadable (corrupt) cache file is
//! replaced by an empty one. Any later database error switches the cache off for the rest of
//! the scan with one warning; results are never wrong because of the cache, only slower.

mod codec;
mod seal;
mod texts;

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::sync::{Mutex, RwLock};
use std::time::SystemTime;

use redb::backends::FileBackend;
use redb::{
    Builder, Database, DatabaseError, Durability, ReadOnlyDatabase, ReadOnlyTable, ReadTransaction,
    ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition, TableHandle,
    TransactionError,
};

use crate::extract::{open_read_only, read_retrying, ExtractError, Outcome};
use crate::report::json::{BlockText, FileBlock, SharedText, TextStore};
use crate::report::{FileError, Finding, Skipped};
use crate::scan::Scanner;
use crate::walk::FileStat;
use codec::{prefixed, split_prefixed, Dec, Enc};
use seal::Seal;
use texts::{Garbage, TextFile, TextRef};

/// File name of the cache inside its directory.
pub const FILE_NAME: &str = "cache.redb";

/// Path → [`Head`] (encoded, its length in front), then, for a file whose findings are stored
/// rendered, its `block` entry: where the rendered text is in the texts file ([`TextRef`]),
/// then the file's results with those findings as a [`FileBlock`] without its text (for JSON
/// reports; only for files whose findings were rendered when they were scanned). One lookup
/// gives a JSON rescan all it needs of an unchanged file.
const HEADS: TableDefinition<&str, &[u8]> = TableDefinition::new("head.v4");
/// [`TEXTS_END`] → the texts file's identity and its end as of the last commit (a
/// [`TextRef`] from the header to the end): a texts file found shorter than that is started
/// afresh, so no reference can point at texts appended after it was cut.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta.v1");
/// The key of the texts file's end in [`META`].
const TEXTS_END: &str = "texts end";
/// The key of the texts file's [`seal::Seal`] in [`META`]: its stat when last sealed.
const TEXTS_SEAL: &str = "texts seal";
/// Path → the file's results (encoded, see [`Cache::scan_file`]).
const BODIES: TableDefinition<&str, &[u8]> = TableDefinition::new("body.v3");
/// The tables of earlier cache formats (JSON entries; strings inline; texts in the database),
/// dropped when found.
const OLD_TABLES: [&str; 7] = [
    "files", "head.v2", "body.v2", "block.v1", "text.v1", "head.v3", "block.v2",
];

/// A time this close to (or after) the moment an entry was made is not trusted: the file may
/// have been written again within the file system's timestamp granularity (2 s on FAT), so
/// its content is hashed instead ("racily clean", as git calls it).
pub const RACY_NS: i64 = 2_000_000_000;

/// Files with more findings than this are scanned every time instead of being stored.
pub const MAX_FINDINGS_STORED: usize = 100_000;

/// Memory redb may use for its page cache (its default is 1 GiB). A scan reads each entry
/// once, so caching pages buys little; with 64 MiB, freeing the cached pages when the
/// database closed took 50 ms of a 0.35 s rescan (and 25 MB of RSS), while a first scan's
/// writes cost the same with 8 MiB (callgrind, small-files corpus: +0.5 %).
const CACHE_MEMORY: usize = 8 << 20;

/// What a scan reads of the stored results, which sets the page cache of the database opened
/// read-only (a rescan's, until something must be written). Heads are read ahead a directory
/// at a time ([`Ahead`]), each page once, so cached pages serve little beyond the B-tree's
/// upper levels; each page read is a new buffer, and every buffer the cache keeps is fresh
/// memory to fault in (1.2 µs a page on the test VM, and freeing it at exit). A rescan of
/// small files took 29.8 ms (JSON) and 49.1 ms (JSONL) with 8 MiB, 27.9 and 46.3 ms with
/// 2 MiB; later, 26.1 and 47.7 ms with 2 MiB, 24.7 and 49.1 ms with 256 KiB (alternating
/// rounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// Rendered blocks (a JSON report): heads, in key order.
    Blocks,
    /// Findings one by one: bodies too, looked up at random (a cache of the B-tree's upper
    /// levels pays).
    Findings,
}

impl Reads {
    /// Bytes of redb's page cache for the database opened read-only.
    fn page_cache(self) -> usize {
        match self {
            Reads::Blocks => 256 << 10,
            Reads::Findings => 2 << 20,
        }
    }
}

/// Pending entries are written in one transaction once there are this many …
const BATCH_ENTRIES: usize = 512;
/// … or this many bytes.
const BATCH_BYTES: usize = 8 << 20;

/// A hash of everything besides a file's bytes that decides its results. Hex, 64 digits.
pub fn results_hash(scanner: &Scanner) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"sporhund cache v2\0");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    // This very build (size and time of the executable): a rebuilt extractor with the same
    // version number, as in development, must not be served an older build's results.
    if let Ok(m) = std::env::current_exe().and_then(std::fs::metadata) {
        let mtime = m.modified().map(unix_ns).unwrap_or(0);
        h.update(format!("|{}|{mtime}|", m.len()).as_bytes());
    }
    for r in scanner.engine.rules() {
        // Rules serialise to JSON deterministically (struct fields in order, BTreeMaps).
        h.update(&serde_json::to_vec(&r.rule).expect("rules serialise"));
        h.update(b"\0");
    }
    let o = &scanner.options;
    h.update(format!("{}|{}|", o.show_values, o.min_confidence).as_bytes());
    // Extractors and limits.
    h.update(format!("{:?}|", scanner.dispatcher).as_bytes());
    // Fingerprints depend on the key: a keyed hash of a constant names the key, reveals nothing.
    h.update(
        scanner
            .fingerprinter
            .fingerprint("sporhund.cache", "key")
            .as_bytes(),
    );
    h.finalize().to_hex().to_string()
}

/// Why the cache could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// Another scan holds the cache.
    InUse(PathBuf),
    /// The file or its directory could not be created or opened.
    Other(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::InUse(p) => write!(f, "{} is in use by another scan", p.display()),
            OpenError::Other(m) => f.write_str(m),
        }
    }
}

/// The stat fields compared before a file is trusted unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stat {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i64,
    /// Status change time: moves on every write and cannot be set back (0 where unknown).
    ctime_ns: i64,
}

impl Stat {
    /// The stat of a file as the walk took it (`None` where modification times are not
    /// available).
    fn of(s: &FileStat) -> Option<Stat> {
        Some(Stat {
            dev: s.dev,
            ino: s.ino,
            size: s.len,
            mtime_ns: unix_ns(s.modified?),
            ctime_ns: s.ctime_ns,
        })
    }

    /// The later of the two times.
    fn changed_ns(&self) -> i64 {
        self.mtime_ns.max(self.ctime_ns)
    }
}

/// Nanoseconds since the Unix epoch (negative before it).
fn unix_ns(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i64,
        Err(e) => -(e.duration().as_nanos() as i64),
    }
}

/// What is stored per file besides its results: enough to decide whether they still hold.
/// Written with this cache's [`results_hash`] and read only when that matches (a rescan
/// compares it in place rather than copying it out for every file).
#[derive(Debug, PartialEq)]
struct Head {
    stat: Stat,
    /// When the stat was taken (ns since the epoch).
    recorded_ns: i64,
    /// BLAKE3 of the content.
    hash: [u8; 32],
}

/// Version byte in front of every head.
const HEAD_V3: u8 = 3;

impl Head {
    /// The entry, made by a scan whose [`results_hash`] is `results`.
    fn encode(&self, results: &str) -> Vec<u8> {
        let mut e = Enc::with_capacity(128);
        e.rest.push(HEAD_V3);
        e.str(results);
        let s = &self.stat;
        e.u64(s.dev);
        e.u64(s.ino);
        e.u64(s.size);
        e.i64(s.mtime_ns);
        e.i64(s.ctime_ns);
        e.i64(self.recorded_ns);
        e.rest.extend_from_slice(&self.hash);
        e.finish()
    }

    /// The entry `bytes`, when it was made by a scan whose [`results_hash`] is `results`.
    fn decode(bytes: &[u8], results: &str) -> Option<Head> {
        let mut d = Dec::new(bytes)?;
        (d.byte()? == HEAD_V3).then_some(())?;
        (d.str()? == results).then_some(())?;
        Some(Head {
            stat: Stat {
                dev: d.u64()?,
                ino: d.u64()?,
                size: d.u64()?,
                mtime_ns: d.i64()?,
                ctime_ns: d.i64()?,
            },
            recorded_ns: d.i64()?,
            hash: d.bytes(32)?.try_into().ok()?,
        })
    }
}

/// A file's stored results: its outcome, findings, errors and parts skipped, all without
/// their path (the path as found is filled in when they are reused).
struct Results {
    /// `Some(reason)` when the file was skipped by format rather than extracted.
    skipped: Option<String>,
    findings: Found,
    errors: Vec<FileError>,
    parts_skipped: Vec<Skipped>,
}

/// A file's findings as stored: a list (in `body`), or rendered (in `block`, which only
/// files with findings have).
enum Found {
    List(Vec<Finding>),
    Rendered(Arc<FileBlock>),
}

impl Results {
    /// The `body` entry of `recorded` (its findings as a list), or its `block` entry
    /// (without the text, which is stored apart).
    fn encode(outcome: &Outcome, recorded: &Recorded, rendered: Option<&FileBlock>) -> Vec<u8> {
        let size = match rendered {
            None => 160 * recorded.findings.len(),
            Some(_) => 0,
        };
        let mut e = Enc::with_capacity(64 + size);
        match outcome {
            Outcome::Extracted => e.rest.push(0),
            Outcome::Skipped(reason) => {
                e.rest.push(1);
                e.str(reason);
            }
        }
        match rendered {
            Some(block) => e.block(block),
            None => e.list(&recorded.findings, Enc::finding),
        }
        e.list(&recorded.errors, Enc::error);
        e.list(&recorded.skipped, Enc::skipped);
        e.finish()
    }

    /// A `block` entry (its [`TextRef`], then the results), decoded with `shown` as the path
    /// of everything: `None` when it does not decode, when its text is not in
    /// `texts` as it should be ([`TextFile::check`]: here, on the worker, so the report
    /// thread only copies it), or when it was rendered with another path (the same file
    /// reached through another spelling of a root).
    fn decode_block(bytes: &[u8], shown: &str, texts: &TextFile) -> Option<Results> {
        let (text, rest) = TextRef::split(bytes)?;
        let r = Results::decode(rest, shown, Some(text))?;
        match &r.findings {
            Found::Rendered(b) if b.text_len() == text.len && texts.check(text) => Some(r),
            _ => None,
        }
    }

    /// A `body` entry (`text: None`), or the results of a `block` entry whose text is at
    /// `text` in the texts file, decoded with `shown` as the path of everything: `None`
    /// when it does not decode, or when a block was rendered with another path.
    fn decode(bytes: &[u8], shown: &str, text: Option<TextRef>) -> Option<Results> {
        let mut d = Dec::new(bytes)?;
        let skipped = match d.byte()? {
            0 => None,
            1 => Some(d.str()?.to_string()),
            _ => return None,
        };
        let findings = match text {
            Some(t) => Found::Rendered(Arc::new(d.block(t.at, t.id).filter(|b| b.path == shown)?)),
            None => Found::List(d.list(|d| d.finding(shown))?),
        };
        let errors = d.list(|d| d.error(shown))?;
        let parts_skipped = d.list(|d| d.skipped(shown))?;
        d.is_done().then_some(Results {
            skipped,
            findings,
            errors,
            parts_skipped,
        })
    }

    /// Sends the results on; the file's outcome.
    fn replay(self, to: &mut Replay<'_>) -> Outcome {
        match self.findings {
            Found::List(findings) => (to.findings)(findings),
            Found::Rendered(block) => (to.block)(block),
        }
        self.errors.into_iter().for_each(&mut *to.error);
        self.parts_skipped.into_iter().for_each(&mut *to.skipped);
        match self.skipped {
            Some(reason) => Outcome::Skipped(reason),
            None => Outcome::Extracted,
        }
    }
}

/// What the real scan of a file reported, for the cache to store: findings, errors and
/// skipped parts as the report shows them (masked), and the findings rendered when the scan
/// sent them so.
pub struct Recorded {
    /// Every finding.
    pub findings: Vec<Finding>,
    /// Every error inside the file.
    pub errors: Vec<FileError>,
    /// Every part skipped.
    pub skipped: Vec<Skipped>,
    /// The findings, rendered (absent when there are none or they were sent one by one).
    pub block: Option<Arc<FileBlock>>,
}

/// The real scan of one file, called when the cache cannot answer: it delivers its results
/// to the report itself and returns them for the cache to store too; `None` when there is
/// too much to store ([`MAX_FINDINGS_STORED`]).
pub type ScanFn<'a> = &'a mut dyn FnMut() -> (Result<Outcome, ExtractError>, Option<Recorded>);

/// Where a file's stored results go when the cache answers for it.
pub struct Replay<'a> {
    /// All its findings at once.
    pub findings: &'a mut dyn FnMut(Vec<Finding>),
    /// Rendered blocks are wanted: a file's stored block is used where there is one.
    pub blocks: bool,
    /// All its findings rendered (only with `blocks`).
    pub block: &'a mut dyn FnMut(Arc<FileBlock>),
    /// Each error.
    pub error: &'a mut dyn FnMut(FileError),
    /// Each skipped part.
    pub skipped: &'a mut dyn FnMut(Skipped),
}

/// Runs the real scan without recording anything: the cache cannot answer for this file.
fn uncached(scan: ScanFn<'_>) -> (Result<Outcome, ExtractError>, bool) {
    (scan().0, false)
}

/// The file [`Cache::scan_file`] is asked about.
#[derive(Clone, Copy)]
pub struct CachedFile<'a> {
    /// Where it is.
    pub path: &'a Path,
    /// Its stat as the walk took it: before anything read the file and before the cache
    /// notes the time, as the racy-file check needs.
    pub stat: &'a FileStat,
    /// The path as the report shows it.
    pub shown: &'a str,
}

/// The tables as they were when the scan started.
struct Snapshot {
    heads: ReadOnlyTable<&'static str, &'static [u8]>,
    bodies: ReadOnlyTable<&'static str, &'static [u8]>,
}

/// What [`Cache::lookup`] found of a file.
struct Stored {
    head: Head,
    /// Its results, when its stat says they can be trusted without hashing.
    results: Option<Results>,
    /// Otherwise its `block` entry, if it has one.
    block: Option<Vec<u8>>,
}

/// Keys written, pending the next batch: (key, `head` value, `body`); no body when only the
/// stat was refreshed.
type Pending = Vec<(String, Vec<u8>, Option<Vec<u8>>)>;

/// The entries pending and their size in bytes (keys and values).
#[derive(Default)]
struct Batch {
    entries: Pending,
    bytes: usize,
}

/// A fast hasher with fixed keys (the sets of keys and directories seen need no protection
/// against collisions chosen by an attacker: a collision only keeps an entry of a removed
/// file, or looks a directory up again).
type FixedState = foldhash::fast::FixedState;

/// The number of the next cache opened in this process (see `Cache::scan_id`).
static NEXT_CACHE_ID: AtomicU64 = AtomicU64::new(0);

/// The directory of the file a worker thread last looked up, and its canonical form.
struct LastDir {
    /// The cache and scan it was worked out in (`Cache::scan_id`).
    scan: (u64, u64),
    dir: PathBuf,
    canonical: Option<String>,
}

thread_local! {
    /// Files come directory by directory: each worker keeps its last directory's canonical
    /// form at hand instead of asking the shared table (under a lock both workers wanted for
    /// every file) each time.
    static LAST_DIR: std::cell::RefCell<Option<LastDir>> = const { std::cell::RefCell::new(None) };
}

/// The set of key hashes looked up in a scan, and how many of them were stored, in shards
/// (each on its own cache line) so that worker threads adding a key each rarely wait for one
/// another, as they did on one lock (and on one shared count).
#[derive(Default)]
struct Seen {
    shards: [Shard; 16],
}

/// One shard of [`Seen`], alone on its cache line.
#[derive(Default)]
#[repr(align(128))]
struct Shard(Mutex<SeenKeys>);

/// The keys of one shard, and how many of them were stored.
#[derive(Default)]
struct SeenKeys {
    keys: HashSet<u64, FixedState>,
    found: u64,
}

impl Seen {
    fn shard(&self, hash: u64) -> std::sync::MutexGuard<'_, SeenKeys> {
        // The shard from the top bits: the sets hash with the low ones.
        let i = (hash >> 60) as usize % self.shards.len();
        self.shards[i].0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds the key `hash`, counted among those stored when `found` and seen for the first
    /// time (one lock for both: each is a cache line the two workers pass back and forth).
    fn record(&self, hash: u64, found: bool) {
        let mut shard = self.shard(hash);
        if shard.keys.insert(hash) && found {
            shard.found += 1;
        }
    }

    /// How many keys seen were stored.
    fn found_count(&self) -> u64 {
        let found = |s: &Shard| s.0.lock().unwrap_or_else(|p| p.into_inner()).found;
        self.shards.iter().map(found).sum()
    }

    fn contains(&self, hash: u64) -> bool {
        self.shard(hash).keys.contains(&hash)
    }

    fn clear(&self) {
        for s in &self.shards {
            *s.0.lock().unwrap_or_else(|p| p.into_inner()) = SeenKeys::default();
        }
    }
}

/// The database, as opened: read-only until something must be written.
enum Store {
    Reading(ReadOnlyDatabase),
    Writing(Database),
}

impl Store {
    fn begin_read(&self) -> Result<ReadTransaction, TransactionError> {
        match self {
            Store::Reading(db) => db.begin_read(),
            Store::Writing(db) => db.begin_read(),
        }
    }
}

/// An open cache, shared by the scan's worker threads.
pub struct Cache {
    /// `None` only while [`Cache::writer`] swaps a read-only handle for a writable one.
    db: RwLock<Option<Store>>,
    /// Held (locked) as long as the cache is open: one scan at a time.
    _lock: File,
    path: PathBuf,
    /// The texts of stored blocks; `None` when the file could not be opened (then no block
    /// is stored or replayed).
    texts: Option<TextFile>,
    results: String,
    reads: Reads,
    /// [`RACY_NS`], smaller in tests.
    racy_ns: i64,
    /// Read by every lookup; replaced at the end of each scan.
    snapshot: RwLock<Option<Snapshot>>,
    /// How many times `snapshot` was replaced: what a thread's [`AHEAD`] is checked against.
    snapshot_gen: AtomicU64,
    /// Canonical form of the directories files were found in.
    dirs: Mutex<HashMap<OsString, Option<String>, FixedState>>,
    /// This cache and its scan, for [`LAST_DIR`]: a number no other cache in this process has,
    /// and how many scans it has finished.
    scan_id: (u64, AtomicU64),
    /// Hashes of the keys of every file looked up in this scan (those exist), and how many
    /// of them were in the snapshot: when that is all its keys, no file is gone and the
    /// clean-up at the end need not walk them.
    seen: Seen,
    pending: Mutex<Batch>,
    /// Something was written in this scan (the end makes it durable).
    dirty: AtomicBool,
    failed: AtomicBool,
    warning: Mutex<Option<String>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish()
    }
}

impl Cache {
    /// The default cache file: `cache.redb` in the state directory.
    pub fn default_path() -> Option<PathBuf> {
        crate::report::fingerprint::state_dir().map(|d| d.join(FILE_NAME))
    }

    /// Opens (or creates) the cache at `path` for scans whose [`results_hash`] is `results`.
    /// The second value is a warning to show: the file was unreadable and has been replaced.
    pub fn open(path: &Path, results: String) -> Result<(Cache, Option<String>), OpenError> {
        Cache::open_for(path, results, Reads::Findings)
    }

    /// [`Cache::open`] for a scan that `reads` what it says.
    pub fn open_for(
        path: &Path,
        results: String,
        reads: Reads,
    ) -> Result<(Cache, Option<String>), OpenError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir)
                .map_err(|e| OpenError::Other(format!("{}: {e}", dir.display())))?;
        }
        let lock = lock_file(path)?;
        let (db, warning) = match open_store(path, reads) {
            Ok(db) => (db, None),
            Err(DatabaseError::DatabaseAlreadyOpen) => {
                return Err(OpenError::InUse(path.to_path_buf()))
            }
            Err(e) => {
                // Corrupt, truncated or written by an incompatible redb: start afresh.
                std::fs::remove_file(path)
                    .map_err(|r| OpenError::Other(format!("{}: {e}; {r}", path.display())))?;
                let db = open_db(path)
                    .map(Store::Writing)
                    .map_err(|e| OpenError::Other(format!("{}: {e}", path.display())))?;
                let w = format!(
                    "{}: unreadable cache ({e}) replaced by an empty one",
                    path.display()
                );
                (db, Some(w))
            }
        };
        let cache = Cache {
            db: RwLock::new(Some(db)),
            _lock: lock,
            path: path.to_path_buf(),
            texts: TextFile::open(&TextFile::path_of(path)).ok(),
            results,
            reads,
            racy_ns: RACY_NS,
            snapshot: RwLock::new(None),
            snapshot_gen: AtomicU64::new(0),
            dirs: Mutex::new(HashMap::default()),
            scan_id: (
                NEXT_CACHE_ID.fetch_add(1, Ordering::Relaxed),
                AtomicU64::new(0),
            ),
            seen: Seen::default(),
            pending: Mutex::new(Batch::default()),
            dirty: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            warning: Mutex::new(None),
        };
        cache.drop_old_format();
        cache.check_texts();
        cache.trust_texts();
        cache.take_snapshot();
        Ok((cache, warning))
    }

    /// The warning of an error that switched the cache off during the scan, if any.
    pub fn warning(&self) -> Option<String> {
        self.warning.lock().expect("cache warning").clone()
    }

    /// Scans one file through the cache (see the module docs for the policy): either replays
    /// its stored results to `replay`, or runs `scan` and stores what it returns. The flag is
    /// `true` when the results came from the cache.
    pub fn scan_file(
        &self,
        file: CachedFile<'_>,
        scan: ScanFn<'_>,
        mut replay: Replay<'_>,
    ) -> (Result<Outcome, ExtractError>, bool) {
        let CachedFile { path, stat, shown } = file;
        if self.failed.load(Ordering::Relaxed) {
            return uncached(scan);
        }
        let (Some(key), Some(stat)) = (self.key(path), Stat::of(stat)) else {
            return uncached(scan);
        };
        let seen = FixedState::default().hash_one(&key);
        let blocks = replay.blocks;
        let mut hash = None;
        let stored = self.lookup(&key, &stat, shown, blocks, seen);
        if let Some(Stored {
            results: Some(results),
            ..
        }) = stored
        {
            return (Ok(results.replay(&mut replay)), true);
        }
        // Before the file is read: a change while it is read is then after this time.
        let recorded_ns = unix_ns(SystemTime::now());
        if let Some(Stored { head, block, .. }) = stored {
            if head.stat.size == stat.size {
                let Ok(h) = hash_file(path) else {
                    return uncached(scan);
                };
                if h == head.hash {
                    let wanted = block.as_deref().filter(|_| blocks);
                    if let Some(results) = self.results_of(&key, shown, wanted) {
                        let head = Head {
                            stat,
                            recorded_ns,
                            ..head
                        };
                        let head = head.encode(&self.results);
                        let value = prefixed(&head, block.as_deref().unwrap_or(&[]));
                        self.put(key, value, None);
                        return (Ok(results.replay(&mut replay)), true);
                    }
                }
                hash = Some(h);
            }
        }
        let hash = match hash.map(Ok).unwrap_or_else(|| hash_file(path)) {
            Ok(h) => h,
            Err(_) => return uncached(scan),
        };
        let (result, recorded) = scan();
        if let (Ok(outcome), Some(recorded)) = (&result, recorded) {
            if recorded.findings.len() <= MAX_FINDINGS_STORED {
                let head = Head {
                    stat,
                    recorded_ns,
                    hash,
                };
                let block = recorded
                    .block
                    .as_deref()
                    .and_then(|b| self.block_entry(outcome, &recorded, b));
                let value = prefixed(&head.encode(&self.results), block.as_deref().unwrap_or(&[]));
                let body = Results::encode(outcome, &recorded, None);
                self.put(key, value, Some(body));
            }
        }
        (result, false)
    }

    /// The `block` entry of a file whose findings were rendered into `block`: the block's
    /// text is appended to the texts file here. `None` when there is no texts file or the
    /// append fails (the file's `body` then serves every report).
    fn block_entry(
        &self,
        outcome: &Outcome,
        recorded: &Recorded,
        block: &FileBlock,
    ) -> Option<Vec<u8>> {
        let BlockText::Here(text) = &block.text else {
            return None;
        };
        let at = self.texts.as_ref()?.append(text).ok()?;
        let mut entry = at.encode().to_vec();
        entry.extend_from_slice(&Results::encode(outcome, recorded, Some(block)));
        Some(entry)
    }

    /// The stored head of `key` when it was made with this scan's settings, with the results
    /// decoded (path `shown`; rendered where stored, with `blocks`) when the stat says they
    /// can be trusted without hashing, else with its `block` entry as stored (if any).
    /// `seen`: the hash of `key`, recorded as seen in this scan (and as found, if it is there).
    fn lookup(
        &self,
        key: &str,
        stat: &Stat,
        shown: &str,
        blocks: bool,
        seen: u64,
    ) -> Option<Stored> {
        let mut found = false;
        let stored = self.guarded(|| {
            let Some((entries, range)) = self.head_entry(key)? else {
                return Ok(None);
            };
            let value = &entries[range];
            found = true;
            let Some((head, block)) = split_prefixed(value) else {
                return Ok(None);
            };
            let Some(head) = Head::decode(head, &self.results) else {
                return Ok(None);
            };
            let trusted = head.stat == *stat
                && stat.changed_ns().saturating_add(self.racy_ns) < head.recorded_ns;
            let block = (!block.is_empty()).then_some(block);
            if !trusted {
                let block = block.map(<[u8]>::to_vec);
                return Ok(Some(Stored {
                    head,
                    results: None,
                    block,
                }));
            }
            // A body that does not decode is a miss (the file is read and the entry rewritten).
            let results = self.results(key, shown, block.filter(|_| blocks))?;
            Ok(results.map(|r| Stored {
                head,
                results: Some(r),
                block: None,
            }))
        });
        self.seen.record(seen, found);
        stored.flatten()
    }

    /// The stored head entry of `key` (the bytes it is in, and where), from the thread's
    /// read-ahead when that covers `key`: without the snapshot's lock, whose count the two
    /// workers of a rescan otherwise passed back and forth for every file (the read-ahead is
    /// the thread's own copy of the entries, of the snapshot its generation names). Read
    /// ahead again, under the lock, when it does not.
    fn head_entry(&self, key: &str) -> Result<Option<ReadAhead>, redb::Error> {
        let of = || (self.scan_id.0, self.snapshot_gen.load(Ordering::Acquire));
        if let Some(answer) = ahead_known(of(), key) {
            return Ok(answer);
        }
        let snapshot = self.snapshot.read().expect("cache snapshot");
        match snapshot.as_ref() {
            Some(s) => ahead(s, of(), key),
            None => Ok(None),
        }
    }

    /// The stored results of `key`, decoded with path `shown`: from `block` (its stored
    /// `block` entry) where given and valid, else from its `body`.
    fn results_of(&self, key: &str, shown: &str, block: Option<&[u8]>) -> Option<Results> {
        self.guarded(|| self.results(key, shown, block))?
    }

    /// The results of `key`, decoded with path `shown`: from `block` (its `block` entry)
    /// when given and it decodes, else from its `body` in the snapshot; `None` when missing
    /// or undecodable.
    fn results(
        &self,
        key: &str,
        shown: &str,
        block: Option<&[u8]>,
    ) -> Result<Option<Results>, redb::Error> {
        if let Some((block, texts)) = block.zip(self.texts.as_ref()) {
            if let Some(r) = Results::decode_block(block, shown, texts) {
                return Ok(Some(r));
            }
        }
        let snapshot = self.snapshot.read().expect("cache snapshot");
        let Some(s) = snapshot.as_ref() else {
            return Ok(None);
        };
        Ok(s.bodies
            .get(key)?
            .and_then(|v| Results::decode(v.value(), shown, None)))
    }

    /// The findings of `key` from its `body`, rendered as its block's text (path `shown`):
    /// what stands in for a stored text found damaged as the report copies it.
    fn rendered_from_body(&self, key: &str, shown: &str) -> Option<Vec<u8>> {
        let Found::List(mut findings) = self.results_of(key, shown, None)?.findings else {
            return None;
        };
        match FileBlock::render(shown.to_string(), &mut findings)
            .ok()?
            .text
        {
            BlockText::Here(text) => Some(text),
            BlockText::Stored { .. } => None,
        }
    }

    /// The key of `path`: its directory canonicalised (once per directory), then its name.
    /// `None` when that fails or the path is not UTF-8 (no stable key).
    fn key(&self, path: &Path) -> Option<String> {
        let (dir, name) = crate::walk::stat::dir_and_name(path)?;
        let name = name.to_str()?;
        let dir = match dir.as_os_str().is_empty() {
            true => Path::new("."),
            false => dir,
        };
        let scan = (self.scan_id.0, self.scan_id.1.load(Ordering::Relaxed));
        LAST_DIR.with_borrow_mut(|last| {
            if !last
                .as_ref()
                .is_some_and(|l| l.scan == scan && l.dir == dir)
            {
                *last = Some(LastDir {
                    scan,
                    dir: dir.to_path_buf(),
                    canonical: self.canonical_dir(dir),
                });
            }
            let canonical = last.as_ref()?.canonical.as_deref()?;
            // One allocation of the key's length.
            let mut key = String::with_capacity(canonical.len() + 1 + name.len());
            key.push_str(canonical);
            if !key.ends_with(std::path::MAIN_SEPARATOR) {
                key.push(std::path::MAIN_SEPARATOR);
            }
            key.push_str(name);
            Some(key)
        })
    }

    /// The canonical form of `dir` (worked out once per directory and scan); `None` when it
    /// cannot be or is not UTF-8.
    fn canonical_dir(&self, dir: &Path) -> Option<String> {
        let mut dirs = self.dirs.lock().expect("cache directories");
        if let Some(c) = dirs.get(dir.as_os_str()) {
            return c.clone();
        }
        let c = dir
            .canonicalize()
            .ok()
            .and_then(|c| c.into_os_string().into_string().ok());
        dirs.insert(dir.as_os_str().to_owned(), c.clone());
        c
    }

    /// Writes what is pending, removes the entries of files under `roots` that no longer
    /// exist, and makes it durable. Called once when the scan has ended; the cache is then
    /// ready for another scan.
    pub fn finish(&self, roots: &[PathBuf]) {
        let gone = self.gone(roots).unwrap_or_default();
        // The snapshot goes first, so the store can reuse the pages it kept alive.
        *self.snapshot.write().expect("cache snapshot") = None;
        self.snapshot_gen.fetch_add(1, Ordering::Release);
        let batch = std::mem::take(&mut *self.pending.lock().expect("cache batch")).entries;
        if !batch.is_empty() || !gone.is_empty() || self.dirty.load(Ordering::Relaxed) {
            self.write(batch, &gone, Durability::Immediate);
        }
        self.dirty.store(false, Ordering::Relaxed);
        self.seen.clear();
        self.dirs.lock().expect("cache directories").clear();
        self.scan_id.1.fetch_add(1, Ordering::Relaxed);
        self.take_snapshot();
    }

    /// Keys under `roots` (canonicalised) whose file is gone: those not seen in this scan and
    /// not on disk.
    fn gone(&self, roots: &[PathBuf]) -> Option<Vec<String>> {
        let snapshot = self.snapshot.read().expect("cache snapshot");
        let s = snapshot.as_ref()?;
        let seen = &self.seen;
        let state = FixedState::default();
        self.guarded(|| {
            let mut gone = Vec::new();
            if s.heads.len()? == seen.found_count() {
                return Ok(gone); // every key stored was seen
            }
            for root in roots.iter().filter_map(|r| r.canonicalize().ok()) {
                let Some(start) = root.to_str() else { continue };
                for item in s.heads.range(start..)? {
                    let (key, _) = item?;
                    let key = key.value();
                    if !key.starts_with(start) {
                        break;
                    }
                    if !seen.contains(state.hash_one(key))
                        && Path::new(key).starts_with(&root)
                        && std::fs::symlink_metadata(key)
                            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                    {
                        gone.push(key.to_string());
                    }
                }
            }
            Ok(gone)
        })
    }

    /// Opens the read snapshot lookups use (none when the tables do not exist yet).
    fn take_snapshot(&self) {
        let snapshot = self.guarded(|| snapshot_of(self.begin_read()?)).flatten();
        *self.snapshot.write().expect("cache snapshot") = snapshot;
        self.snapshot_gen.fetch_add(1, Ordering::Release);
    }

    /// Starts the texts file afresh when it is shorter than the database says it was.
    fn check_texts(&self) {
        let Some(texts) = &self.texts else { return };
        let committed = self.meta(TEXTS_END, |v| TextRef::split(v).map(|(r, _)| r));
        let now = texts.extent();
        if let Some(r) = committed {
            if r.id == now.id && r.at.saturating_add(r.len) > now.at + now.len {
                // Without a texts file, the bodies serve.
                let _ = texts.restart();
            }
        }
    }

    /// Trusts the texts file's texts without their CRC when the file is as sealed.
    fn trust_texts(&self) {
        let Some(texts) = &self.texts else { return };
        texts.trust(self.meta(TEXTS_SEAL, Seal::decode));
    }

    /// The value of `key` in [`META`] as the database holds it now, decoded; `None` when
    /// missing or undecodable.
    fn meta<T>(&self, key: &str, decode: impl FnOnce(&[u8]) -> Option<T>) -> Option<T> {
        self.guarded(|| {
            let Some(table) = table_if_any(&self.begin_read()?, META)? else {
                return Ok(None);
            };
            Ok(table.get(key)?.and_then(|v| decode(v.value())))
        })
        .flatten()
    }

    /// Removes the tables of earlier formats.
    fn drop_old_format(&self) {
        self.guarded(|| {
            let old: Vec<String> = self
                .begin_read()?
                .list_tables()?
                .map(|t| t.name().to_string())
                .filter(|name| OLD_TABLES.contains(&name.as_str()))
                .collect();
            if !old.is_empty() {
                self.writer(|db| {
                    let txn = db.begin_write()?;
                    for name in &old {
                        txn.delete_table(TableDefinition::<&str, &[u8]>::new(name))?;
                    }
                    txn.commit()?;
                    Ok(())
                })?;
            }
            Ok(())
        });
    }

    /// A read transaction on the database as it is open now (read-only or writable).
    fn begin_read(&self) -> Result<ReadTransaction, redb::Error> {
        let db = self.db.read().expect("cache database");
        match db.as_ref() {
            Some(store) => Ok(store.begin_read()?),
            None => Err(redb::Error::from(std::io::Error::other(
                "the cache database is closed",
            ))),
        }
    }

    /// Runs `op` on the database opened for writing, first reopening it writable (and taking
    /// the lookups' snapshot again) when it was opened read-only.
    fn writer<T>(
        &self,
        op: impl FnOnce(&Database) -> Result<T, redb::Error>,
    ) -> Result<T, redb::Error> {
        {
            let db = self.db.read().expect("cache database");
            if let Some(Store::Writing(db)) = db.as_ref() {
                return op(db);
            }
        }
        {
            // Lookups hold the snapshot's lock: once it is ours, no read is in flight. Another
            // thread may have switched in the meantime: then there is nothing to do.
            let mut snapshot = self.snapshot.write().expect("cache snapshot");
            let mut db = self.db.write().expect("cache database");
            if let Some(Store::Reading(_)) = db.as_ref() {
                *snapshot = None;
                self.snapshot_gen.fetch_add(1, Ordering::Release);
                if let Some(Store::Reading(reading)) = db.take() {
                    reading.close()?;
                }
                // Should this fail, the database is opened read-only again, so the texts of
                // blocks already replayed can still be read (see `with_text`), and `guarded`
                // turns the cache off; failing that too, it stays closed.
                let writing = open_db(&self.path).inspect_err(|_| {
                    *db = open_store(&self.path, self.reads)
                        .ok()
                        .filter(|s| matches!(s, Store::Reading(_)));
                })?;
                *snapshot = snapshot_of(writing.begin_read()?)?;
                self.snapshot_gen.fetch_add(1, Ordering::Release);
                *db = Some(Store::Writing(writing));
            }
        }
        let db = self.db.read().expect("cache database");
        match db.as_ref() {
            Some(Store::Writing(db)) => op(db),
            _ => Err(redb::Error::from(std::io::Error::other(
                "the cache could not be opened for writing",
            ))),
        }
    }

    /// Runs a database operation; an error, or a panic of the store on a damaged file, turns
    /// the cache off (with a warning) instead of failing the scan.
    fn guarded<T>(&self, op: impl FnOnce() -> Result<T, redb::Error>) -> Option<T> {
        if self.failed.load(Ordering::Relaxed) {
            return None;
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(op)) {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.fail(e);
                None
            }
            Err(_) => {
                self.fail("the database file is damaged");
                None
            }
        }
    }

    /// Queues `key`'s `head` value and, unless only its stat was refreshed, its `body`.
    fn put(&self, key: String, head: Vec<u8>, body: Option<Vec<u8>>) {
        let batch = {
            let mut pending = self.pending.lock().expect("cache batch");
            pending.bytes += key.len() + head.len() + body.as_ref().map_or(0, Vec::len);
            pending.entries.push((key, head, body));
            if pending.entries.len() < BATCH_ENTRIES && pending.bytes < BATCH_BYTES {
                return;
            }
            std::mem::take(&mut *pending).entries
        };
        // Durable once at the end (finish); a crash before loses only this scan's entries.
        self.dirty.store(true, Ordering::Relaxed);
        self.write(batch, &[], Durability::None);
    }

    fn write(&self, batch: Pending, remove: &[String], durability: Durability) {
        self.guarded(|| {
            // The texts the entries refer to go first (to the disk, before a durable commit),
            // and the scan's last commit records the file's new seal.
            let mut texts_end = None;
            let mut seal = None;
            if let Some(texts) = &self.texts {
                let last = matches!(durability, Durability::Immediate);
                texts.flush(last)?;
                texts_end = Some(texts.extent());
                if last {
                    seal = texts.seal()?;
                }
            }
            let meta = Meta { texts_end, seal };
            self.writer(|db| Self::commit(db, &batch, remove, meta, durability))
        });
    }

    /// Rewrites the texts file without the texts no entry refers to any more, when those
    /// take more room than the rest (see [`Garbage`]). To be called once the report has been
    /// written, not before: a JSON report reads stored texts at their old places after the
    /// scan has returned (a block whose texts file was rewritten since is an error, never
    /// another text). Also checks every text still referred to and seals the file when it
    /// was not as sealed (see [`texts`]). Does something only after a scan that appended
    /// texts or found the file unsealed, so a rescan that found nothing changed costs nothing
    /// here.
    pub fn tidy(&self) {
        let Some(texts) = self
            .texts
            .as_ref()
            .filter(|t| t.appended() > 0 || !t.whole())
        else {
            return;
        };
        self.guarded(|| {
            let mut refs = Vec::new();
            {
                let Some(table) = table_if_any(&self.begin_read()?, HEADS)? else {
                    return Ok(());
                };
                for item in table.iter()? {
                    let (key, value) = item?;
                    let block = split_prefixed(value.value()).map(|(_, block)| block);
                    if let Some((r, _)) = block.and_then(TextRef::split) {
                        refs.push((key.value().to_string(), r));
                    }
                }
            }
            let live = refs
                .iter()
                .filter(|(_, r)| r.id == texts.id())
                .map(|(_, r)| r.stored_len())
                .sum();
            let garbage = Garbage {
                total: texts.extent().len,
                live,
                min: Garbage::min_from_env(),
            };
            let only: Vec<TextRef> = refs.iter().map(|(_, r)| *r).collect();
            if !garbage.worth_compacting() {
                if !texts.whole() && texts.verify(&only)? {
                    if let Some(seal) = texts.seal()? {
                        self.record_seal(seal)?;
                    }
                }
                return Ok(());
            }
            let moved = texts.compact_into(&only)?;
            let meta = Meta {
                texts_end: Some(texts.extent()),
                seal: texts.seal()?,
            };
            self.writer(|db| {
                let txn = db.begin_write()?;
                meta.record(&txn)?;
                {
                    let mut heads = txn.open_table(HEADS)?;
                    for ((key, _), to) in refs.iter().zip(moved) {
                        let old = heads.get(key.as_str())?.map(|v| v.value().to_vec());
                        let Some((head, block)) = old.as_deref().and_then(split_prefixed) else {
                            continue;
                        };
                        // A text that could not be moved: the entry keeps its head only,
                        // and its body serves.
                        let entry = to.zip(block.get(texts::REF_LEN..)).map(|(to, rest)| {
                            let mut entry = to.encode().to_vec();
                            entry.extend_from_slice(rest);
                            entry
                        });
                        let value = prefixed(head, entry.as_deref().unwrap_or(&[]));
                        heads.insert(key.as_str(), value.as_slice())?;
                    }
                }
                txn.commit()?;
                Ok(())
            })
        });
    }

    /// Writes `batch`, removes `remove` and records `meta` in one transaction.
    fn commit(
        db: &Database,
        batch: &Pending,
        remove: &[String],
        meta: Meta,
        durability: Durability,
    ) -> Result<(), redb::Error> {
        let mut txn = db.begin_write()?;
        txn.set_durability(durability)
            .map_err(|e| redb::Error::from(std::io::Error::other(e.to_string())))?;
        meta.record(&txn)?;
        {
            let mut heads = txn.open_table(HEADS)?;
            let mut bodies = txn.open_table(BODIES)?;
            for (key, head, body) in batch {
                let key = key.as_str();
                heads.insert(key, head.as_slice())?;
                if let Some(body) = body {
                    bodies.insert(key, body.as_slice())?;
                }
            }
            for key in remove {
                for table in [&mut heads, &mut bodies] {
                    table.remove(key.as_str())?;
                }
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Records a new seal of the texts file, checked whole in [`Cache::tidy`].
    fn record_seal(&self, seal: Seal) -> Result<(), redb::Error> {
        self.writer(|db| {
            let txn = db.begin_write()?;
            Meta::sealed(seal).record(&txn)?;
            txn.commit()?;
            Ok(())
        })
    }

    fn fail(&self, e: impl std::fmt::Display) {
        if !self.failed.swap(true, Ordering::Relaxed) {
            *self.warning.lock().expect("cache warning") = Some(format!(
                "{}: {e}; the cache is off for the rest of this scan",
                self.path.display()
            ));
        }
    }

    /// Whether an entry is stored for `key` (reads the database as it is now).
    #[cfg(test)]
    fn stored(&self, key: &str) -> bool {
        let txn = self.begin_read().unwrap();
        txn.open_table(HEADS)
            .is_ok_and(|t| t.get(key).unwrap().is_some())
    }
}

/// The texts of stored blocks, read from the texts file: also after an error turned the cache
/// off for lookups and writes (a failed write, say a full disk, leaves what was written
/// readable), so a cache that fails late costs the report nothing.
///
/// A text is handed over shared with the texts file's memory map (the report's vectored
/// write has the kernel copy it), after a check: none when the file is as sealed, else its
/// CRC-32 must match the one stored after it (see [`texts`]). One found damaged (the texts
/// file changed under the cache) is replaced by the file's findings from its `body`,
/// rendered again: the same bytes as the text was written with.
impl TextStore for Cache {
    fn text(&self, path: &str, at: u64, len: u64, file: [u8; 16]) -> std::io::Result<SharedText> {
        let missing = |why: &dyn std::fmt::Display| {
            std::io::Error::other(format!(
                "{}: the findings of {path} cannot be read from the cache ({why})",
                self.path.display()
            ))
        };
        let texts = self.texts.as_ref();
        let texts = texts.ok_or_else(|| missing(&"no texts file"))?;
        // A texts file rewritten since the block was looked up has another identity, and is
        // refused.
        let text = texts.text(TextRef { id: file, at, len });
        let text = text.map_err(|why| missing(&why))?;
        if text.intact() {
            return Ok(text.shared());
        }
        // The file's entry, from the path the walk found it by (what its key is made of).
        let again = self
            .key(Path::new(path))
            .and_then(|key| self.rendered_from_body(&key, path));
        Ok(SharedText::owned(
            again.ok_or_else(|| missing(&"damaged, and so is its body"))?,
        ))
    }
}

/// What a commit records about the texts file in [`META`], where known.
#[derive(Default)]
struct Meta {
    /// Its end ([`TEXTS_END`]).
    texts_end: Option<TextRef>,
    /// Its new seal ([`TEXTS_SEAL`]).
    seal: Option<Seal>,
}

impl Meta {
    fn sealed(seal: Seal) -> Meta {
        Meta {
            texts_end: None,
            seal: Some(seal),
        }
    }

    fn record(&self, txn: &redb::WriteTransaction) -> Result<(), redb::Error> {
        if self.texts_end.is_none() && self.seal.is_none() {
            return Ok(());
        }
        let mut meta = txn.open_table(META)?;
        if let Some(end) = self.texts_end {
            meta.insert(TEXTS_END, end.encode().as_slice())?;
        }
        if let Some(seal) = self.seal {
            meta.insert(TEXTS_SEAL, seal.encode().as_slice())?;
        }
        Ok(())
    }
}

/// Opens `path` for reading and writing, created if missing, readable by its owner only
/// (0600, also when it existed with wider permissions).
fn open_owner_only(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Only when needed: setting them moves the status-change time, which would break the
        // texts file's seal at every open.
        if file.metadata()?.permissions().mode() & 0o7777 != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// Table `t` as `txn` sees it; `None` when no scan has made it yet.
fn table_if_any(
    txn: &ReadTransaction,
    t: TableDefinition<&'static str, &'static [u8]>,
) -> Result<Option<ReadOnlyTable<&'static str, &'static [u8]>>, redb::Error> {
    match txn.open_table(t) {
        Ok(t) => Ok(Some(t)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(redb::Error::from(e)),
    }
}

/// A thread's head entries read ahead: every stored key from `from` up to `to` included
/// (`None`: to the table's end), keys and values one after another in `bytes`.
///
/// A rescan looks up one head per file, and the walk hands out a directory's files in name
/// order (`walk::Walker::read`), which is key order: the next file's entry is the next in the
/// table. One range read per batch of files, on the worker's own copy, in place of a B-tree
/// descent per file through redb's page cache, whose shared locks and page counts the two
/// workers of a rescan of small files passed back and forth for every lookup.
struct Ahead {
    /// The cache's id and its snapshot's generation when read.
    of: (u64, u64),
    from: String,
    to: Option<String>,
    /// (key, value) ranges in `bytes`, in key order.
    entries: Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>,
    bytes: Arc<Vec<u8>>,
    /// The entry after the last one asked for: the next key asked for, as files come in
    /// order.
    next: usize,
}

impl Ahead {
    /// Whether this read-ahead, of generation `of`, holds `key`'s entry if there is one.
    fn covers(&self, of: (u64, u64), key: &str) -> bool {
        self.of == of && self.from.as_str() <= key && self.to.as_deref().is_none_or(|to| key <= to)
    }

    /// The entry after the last one asked for, when it is `key`'s.
    fn next_is(&mut self, key: &str) -> Option<ReadAhead> {
        let (k, v) = self.entries.get(self.next)?;
        (&self.bytes[k.clone()] == key.as_bytes()).then(|| {
            self.next += 1;
            (self.bytes.clone(), v.clone())
        })
    }

    /// The entry of `key` (which it covers); the next one is looked at first.
    fn find(&mut self, key: &str) -> Option<ReadAhead> {
        if let Some(hit) = self.next_is(key) {
            return Some(hit);
        }
        let at = self
            .entries
            .binary_search_by(|(k, _)| self.bytes[k.clone()].cmp(key.as_bytes()))
            .ok()?;
        self.next = at + 1;
        Some((self.bytes.clone(), self.entries[at].1.clone()))
    }
}

thread_local! {
    static AHEAD: std::cell::RefCell<Option<Ahead>> = const { std::cell::RefCell::new(None) };
}

/// A head entry read ahead: the bytes it is in, and where.
type ReadAhead = (Arc<Vec<u8>>, std::ops::Range<usize>);

/// Head entries read ahead at most at a time: a batch of the walk.
const AHEAD_ENTRIES: usize = 256;

/// What the thread's read-ahead of generation `of` says of `key` when it covers `key`: its
/// entry, or that there is none; `None` when it does not cover `key`.
fn ahead_known(of: (u64, u64), key: &str) -> Option<Option<ReadAhead>> {
    AHEAD.with_borrow_mut(|a| {
        let a = a.as_mut().filter(|a| a.of == of)?;
        // Files come in key order: mostly the entry after the last one asked for, which
        // needs no look at the read-ahead's bounds.
        if let Some(hit) = a.next_is(key) {
            return Some(Some(hit));
        }
        a.covers(of, key).then(|| a.find(key))
    })
}

/// The stored head entry of `key` in snapshot `s` (generation `of`), from the thread's
/// read-ahead, read again from `key` on when `key` is outside it: the entries of `key`'s
/// directory from `key` on (not those of its subdirectories, nor of the directories after
/// it: a tree of one file per directory reads no more than a lookup per file would).
fn ahead(s: &Snapshot, of: (u64, u64), key: &str) -> Result<Option<ReadAhead>, redb::Error> {
    AHEAD.with_borrow_mut(|a| {
        if !a.as_ref().is_some_and(|a| a.covers(of, key)) {
            let dir = key
                .rfind(std::path::MAIN_SEPARATOR)
                .map_or("", |at| &key[..=at]);
            let in_dir = |k: &str| {
                k.strip_prefix(dir)
                    .is_some_and(|name| !name.contains(std::path::MAIN_SEPARATOR))
            };
            // The last read-ahead's memory is used again (its entries are no longer lent out
            // once the lookup that got one has decoded it): growing new buffers for every
            // batch faulted in fresh pages, a fifth more page faults in a rescan.
            let (mut bytes, mut entries) = match a.take() {
                Some(mut old) => match Arc::get_mut(&mut old.bytes) {
                    Some(bytes) => (std::mem::take(bytes), std::mem::take(&mut old.entries)),
                    None => (Vec::new(), Vec::new()),
                },
                None => (Vec::new(), Vec::new()),
            };
            bytes.clear();
            entries.clear();
            let mut stopped = false;
            for item in s.heads.range(key..)? {
                let (k, v) = item?;
                let k = k.value();
                if entries.len() == AHEAD_ENTRIES || !in_dir(k) {
                    stopped = true;
                    break;
                }
                let at = bytes.len();
                bytes.extend_from_slice(k.as_bytes());
                let mid = bytes.len();
                bytes.extend_from_slice(v.value());
                entries.push((at..mid, mid..bytes.len()));
            }
            // Stopped before the table's end: up to the last key read (none is stored
            // between it and the next one).
            let to = stopped.then(|| match entries.last() {
                Some((k, _)) => String::from_utf8_lossy(&bytes[k.clone()]).into_owned(),
                None => key.to_string(),
            });
            *a = Some(Ahead {
                of,
                from: key.to_string(),
                to,
                entries,
                bytes: Arc::new(bytes),
                next: 0,
            });
        }
        Ok(a.as_mut().expect("read ahead").find(key))
    })
}

/// The tables as `txn` sees them (none when they do not exist yet).
fn snapshot_of(txn: ReadTransaction) -> Result<Option<Snapshot>, redb::Error> {
    let open = |t| table_if_any(&txn, t);
    Ok(match (open(HEADS)?, open(BODIES)?) {
        (Some(heads), Some(bodies)) => Some(Snapshot { heads, bodies }),
        _ => None,
    })
}

/// The files of the cache at `path`: the database, the lock beside it (`<path>.lock`) and
/// the texts of stored blocks (`<path>.texts`).
pub fn files(path: &Path) -> [PathBuf; 3] {
    let mut lock = path.as_os_str().to_owned();
    lock.push(".lock");
    [
        path.to_path_buf(),
        PathBuf::from(lock),
        TextFile::path_of(path),
    ]
}

/// Takes the lock that keeps a second scan out: `<cache>.lock`, created owner-only.
fn lock_file(path: &Path) -> Result<File, OpenError> {
    let [_, lock_path, _] = files(path);
    let file = open_owner_only(&lock_path)
        .map_err(|e| OpenError::Other(format!("{}: {e}", lock_path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(OpenError::InUse(path.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(OpenError::Other(format!("{}: {e}", lock_path.display())))
        }
    }
}

/// Opens an existing, cleanly closed database read-only; else (missing, needing repair,
/// unreadable) opens or creates it for writing, as [`open_db`] does.
fn open_store(path: &Path, reads: Reads) -> Result<Store, DatabaseError> {
    if path.metadata().is_ok_and(|m| m.len() > 0) {
        let reading = std::panic::catch_unwind(|| {
            Builder::new()
                .set_cache_size(reads.page_cache())
                .open_read_only(path)
        });
        if let Ok(Ok(db)) = reading {
            return Ok(Store::Reading(db));
        }
    }
    open_db(path).map(Store::Writing)
}

/// Opens or creates the database file owner-only.
fn open_db(path: &Path) -> Result<Database, DatabaseError> {
    let file = open_owner_only(path)?;
    // redb can panic on some damaged files; that is an unreadable cache, not a crashed scan.
    std::panic::catch_unwind(|| {
        Builder::new()
            .set_cache_size(CACHE_MEMORY)
            .create_with_backend(FileBackend::new(file)?)
    })
    .unwrap_or_else(|_| {
        Err(DatabaseError::from(std::io::Error::other(
            "the database file is damaged",
        )))
    })
}

/// BLAKE3 of a file's content.
fn hash_file(path: &Path) -> std::io::Result<[u8; 32]> {
    thread_local! {
        /// Read buffer, one per thread: `Hasher::update_reader` zeroes a fresh 64 KiB buffer
        /// per file, which cost more than hashing a small file.
        static BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 64 << 10]);
    }
    let mut file = open_read_only(path)?;
    let mut h = blake3::Hasher::new();
    BUFFER.with_borrow_mut(|buffer| loop {
        match read_retrying(&mut file, buffer)? {
            0 => return Ok::<_, std::io::Error>(()),
            n => {
                h.update(&buffer[..n]);
            }
        }
    })?;
    Ok(*h.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;
    use std::cell::Cell;

    /// A cache in `dir` and a scan function that counts its calls and reports one finding and
    /// one error per call, naming the file's current content.
    fn scan_once(cache: &Cache, path: &Path, calls: &Cell<u32>) -> (Vec<Finding>, bool) {
        let (found, cached, _) = scan_with(cache, path, calls, false);
        (found, cached)
    }

    /// [`scan_once`]; with `blocks`, the scan sends its findings rendered and the cache may
    /// replay a stored block. The third value: the findings came as a block.
    fn scan_with(
        cache: &Cache,
        path: &Path,
        calls: &Cell<u32>,
        blocks: bool,
    ) -> (Vec<Finding>, bool, bool) {
        // What reaches the report: from the scan itself, or replayed from the cache.
        let found = std::cell::RefCell::new(Vec::new());
        let errors = std::cell::RefCell::new(Vec::new());
        let as_block = Cell::new(false);
        let metadata = std::fs::metadata(path).unwrap();
        // As the walk shows it: the store finds a file's entry by it.
        let shown = path.to_str().unwrap();
        let file = CachedFile {
            path,
            stat: &FileStat::of(&metadata),
            shown,
        };
        let receive_block = |b: Arc<FileBlock>| {
            as_block.set(true);
            found.borrow_mut().extend(b.findings(cache).unwrap());
        };
        let (outcome, cached) = cache.scan_file(
            file,
            &mut || {
                calls.set(calls.get() + 1);
                let text = std::fs::read_to_string(path).unwrap();
                let mut f = vec![finding(shown, &text)];
                let e = FileError {
                    path: shown.into(),
                    location: Location::root(),
                    message: format!("error in {text}"),
                };
                errors.borrow_mut().push(e.clone());
                let block = blocks.then(|| {
                    let b = Arc::new(FileBlock::render(shown.into(), &mut f).unwrap());
                    receive_block(b.clone());
                    b
                });
                if !blocks {
                    found.borrow_mut().extend(f.clone());
                }
                let recorded = Recorded {
                    findings: f,
                    errors: vec![e],
                    skipped: Vec::new(),
                    block,
                };
                (Ok(Outcome::Extracted), Some(recorded))
            },
            Replay {
                findings: &mut |f| found.borrow_mut().extend(f),
                blocks,
                block: &mut |b| receive_block(b),
                error: &mut |e| errors.borrow_mut().push(e),
                skipped: &mut |_| {},
            },
        );
        cache.finish(&[]); // writes are batched until the end of a scan
        assert_eq!(outcome.unwrap(), Outcome::Extracted);
        let errors = errors.into_inner();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, shown);
        (found.into_inner(), cached, as_block.get())
    }

    #[test]
    fn rendered_findings_are_replayed_to_scans_that_take_them_and_never_stale() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        let text = |word: &str| format!("{word} and more");
        std::fs::write(&file, text("one")).unwrap();
        age(&file, 60);
        let cache = trusting(&dir.path().join("c.redb"));
        let calls = Cell::new(0);
        let (first, cached, _) = scan_with(&cache, &file, &calls, true);
        assert!(!cached);
        // Stored both ways: as a block for a report that takes blocks, as a list otherwise.
        assert_eq!(
            scan_with(&cache, &file, &calls, true),
            (first.clone(), true, true)
        );
        assert_eq!(
            scan_with(&cache, &file, &calls, false),
            (first, true, false)
        );
        assert_eq!(calls.get(), 1);
        // Changed, and stored again by a scan sending findings one by one: the old block
        // must not be served.
        std::fs::write(&file, text("two")).unwrap();
        age(&file, 30);
        let (changed, cached, _) = scan_with(&cache, &file, &calls, false);
        assert!(!cached);
        assert_eq!(changed[0].value, text("two"));
        assert_eq!(
            scan_with(&cache, &file, &calls, true),
            (changed, true, false)
        );
        assert_eq!(calls.get(), 2);
    }

    fn finding(path: &str, value: &str) -> Finding {
        Finding {
            rule: "no.fnr".into(),
            category: "national_id".into(),
            kind: Some("fnr".into()),
            severity: crate::detect::Severity::High,
            confidence: 0.9,
            path: path.into(),
            location: Location::root(),
            value: value.into(),
            fingerprint: "f".repeat(32),
            context: value.into(),
            related: None,
        }
    }

    /// Sets the modification time `secs` seconds into the past (out of the racy window).
    fn age(path: &Path, secs: u64) {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - std::time::Duration::from_secs(secs))
            .unwrap();
    }

    /// The cache at `db`, trusting a stat however recent its times (the test files' ctimes
    /// are now).
    fn trusting(db: &Path) -> Cache {
        let (mut cache, _) = Cache::open(db, "r".into()).unwrap();
        cache.racy_ns = 0;
        cache
    }

    /// A file `a.txt` in `dir` holding `text`, old enough to be trusted, scanned once (blocks
    /// taken) into a new cache `c.redb` in `dir`: the file, the database, the count of scans
    /// and what was found.
    fn scanned_once(dir: &Path, text: &str) -> (PathBuf, PathBuf, Cell<u32>, Vec<Finding>) {
        let file = dir.join("a.txt");
        std::fs::write(&file, text).unwrap();
        age(&file, 60);
        let db = dir.join("c.redb");
        let calls = Cell::new(0);
        let (first, _, _) = scan_with(&trusting(&db), &file, &calls, true);
        (file, db, calls, first)
    }

    /// The block `cache` has for `file` (its stat trusted), replayed without its text.
    fn stored_block(cache: &Cache, file: &Path) -> Arc<FileBlock> {
        let key = cache.key(file).unwrap();
        let stat = Stat::of(&FileStat::of(&std::fs::metadata(file).unwrap())).unwrap();
        let stored = cache
            .lookup(&key, &stat, file.to_str().unwrap(), true, 0)
            .unwrap();
        match stored.results.unwrap().findings {
            Found::Rendered(block) => block,
            Found::List(_) => panic!("a block was stored"),
        }
    }

    /// A rescan that finds nothing changed opens the database read-only and leaves its file
    /// as it was; one that must store something reopens it for writing in the middle.
    #[test]
    fn a_rescan_with_nothing_to_store_does_not_write_the_database() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.txt"), d.path().join("b.txt"));
        for f in [&a, &b] {
            std::fs::write(f, "one").unwrap();
            age(f, 100);
        }
        let db = d.path().join("cache.redb");
        let calls = Cell::new(0);
        {
            let cache = trusting(&db);
            assert!(matches!(*cache.db.read().unwrap(), Some(Store::Writing(_))));
            scan_once(&cache, &a, &calls);
            scan_once(&cache, &b, &calls);
        }
        let before = (std::fs::read(&db).unwrap(), std::fs::metadata(&db).unwrap());
        {
            let cache = trusting(&db);
            assert!(matches!(*cache.db.read().unwrap(), Some(Store::Reading(_))));
            assert!(scan_once(&cache, &a, &calls).1);
            assert!(scan_once(&cache, &b, &calls).1);
            assert!(matches!(*cache.db.read().unwrap(), Some(Store::Reading(_))));
        }
        let after = (std::fs::read(&db).unwrap(), std::fs::metadata(&db).unwrap());
        assert!(before.0 == after.0, "the database file changed");
        assert_eq!(before.1.modified().unwrap(), after.1.modified().unwrap());
        assert_eq!(calls.get(), 2);

        // b changes: its new results are stored after the switch to writing, and a's entry,
        // read before the switch, is still served after it.
        std::fs::write(&b, "two").unwrap();
        age(&b, 50);
        {
            let cache = trusting(&db);
            assert!(!scan_once(&cache, &b, &calls).1);
            assert!(matches!(*cache.db.read().unwrap(), Some(Store::Writing(_))));
            assert!(scan_once(&cache, &a, &calls).1);
        }
        let cache = trusting(&db);
        let (found, cached) = scan_once(&cache, &b, &calls);
        assert_eq!(
            (cached, found[0].value.as_str(), calls.get()),
            (true, "two", 3)
        );
    }

    /// Threads that need to write at the same moment switch the database once, and lookups
    /// made meanwhile still find what was stored.
    #[test]
    fn threads_switching_to_writing_at_once_all_get_the_writable_database() {
        // A race: a few rounds, so that one of them hits it.
        for _ in 0..5 {
            let d = tempfile::tempdir().unwrap();
            let file = d.path().join("a.txt");
            std::fs::write(&file, "one").unwrap();
            age(&file, 100);
            let db = d.path().join("cache.redb");
            let calls = Cell::new(0);
            scan_once(&Cache::open(&db, "r".into()).unwrap().0, &file, &calls);
            let cache = trusting(&db);
            assert!(matches!(*cache.db.read().unwrap(), Some(Store::Reading(_))));
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| cache.writer(|_| Ok(())).unwrap());
                    s.spawn(|| {
                        let metadata = std::fs::metadata(&file).unwrap();
                        let stat = Stat::of(&FileStat::of(&metadata)).unwrap();
                        let key = cache.key(&file).unwrap();
                        // Either snapshot (before or after the switch) holds the entry; none is
                        // ever missing while the switch is under way.
                        assert!(cache.lookup(&key, &stat, "shown", false, 0).is_some());
                    });
                }
            });
            assert!(matches!(*cache.db.read().unwrap(), Some(Store::Writing(_))));
            assert!(scan_once(&cache, &file, &calls).1);
            assert_eq!(calls.get(), 1);
        }
    }

    #[test]
    fn unchanged_files_are_not_scanned_again() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("a.txt");
        std::fs::write(&file, "one").unwrap();
        age(&file, 100);
        let (cache, warning) = Cache::open(&d.path().join("c/cache.redb"), "r1".into()).unwrap();
        assert_eq!(warning, None);
        let calls = Cell::new(0);
        let (first, cached) = scan_once(&cache, &file, &calls);
        assert!(!cached);
        let (again, cached) = scan_once(&cache, &file, &calls);
        assert!(cached);
        assert_eq!((calls.get(), &again), (1, &first));
        assert_eq!(again[0].value, "one");

        // Touched, same bytes: hashed, reused, stat refreshed (the next check is stat-only).
        age(&file, 50);
        assert!(scan_once(&cache, &file, &calls).1);
        assert_eq!(calls.get(), 1);

        // New content of the same size: scanned again.
        std::fs::write(&file, "two").unwrap();
        age(&file, 40);
        let (changed, cached) = scan_once(&cache, &file, &calls);
        assert!(!cached);
        assert_eq!((calls.get(), changed[0].value.as_str()), (2, "two"));

        // Same bytes, same mtime, written just now (racy): hashed, not trusted on stat.
        std::fs::write(&file, "three").unwrap();
        assert!(!scan_once(&cache, &file, &calls).1);
        assert!(scan_once(&cache, &file, &calls).1);
        assert_eq!(calls.get(), 3);

        // Other settings: another results hash, scanned again.
        cache.finish(&[d.path().to_path_buf()]);
        drop(cache);
        let (other, _) = Cache::open(&d.path().join("c/cache.redb"), "r2".into()).unwrap();
        assert!(!scan_once(&other, &file, &calls).1);
        assert_eq!(calls.get(), 4);
    }

    /// The stat check with ctime: a rewrite hidden by a restored mtime is noticed, a touch
    /// costs one hash and then nothing.
    #[test]
    fn content_rewritten_with_its_size_and_mtime_restored_is_read_again() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("a.txt");
        std::fs::write(&file, "one").unwrap();
        age(&file, 100);
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
        let (mut cache, _) = Cache::open(&d.path().join("cache.redb"), "r".into()).unwrap();
        // No racy window: the stat is trusted as soon as the entry is older than the file's
        // times (the real window only makes more files hashed).
        cache.racy_ns = 0;
        let calls = Cell::new(0);
        assert!(!scan_once(&cache, &file, &calls).1);
        assert!(scan_once(&cache, &file, &calls).1);
        let key = cache.key(&file).unwrap();
        let head = |c: &Cache| {
            let txn = c.begin_read().unwrap();
            let t = txn.open_table(HEADS).unwrap();
            let value = t.get(key.as_str()).unwrap().unwrap();
            Head::decode(split_prefixed(value.value()).unwrap().0, &c.results).unwrap()
        };
        let before = head(&cache);
        // Trusted on stat alone: neither scanned nor hashed (the head was not rewritten).
        assert!(scan_once(&cache, &file, &calls).1);
        assert_eq!((calls.get(), head(&cache)), (1, before));

        // Other bytes of the same size, the modification time set back to what it was: only
        // the status-change time tells, and it does.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, "two").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().modified().unwrap(), mtime);
        let (found, cached) = scan_once(&cache, &file, &calls);
        assert!(!cached);
        assert_eq!((calls.get(), found[0].value.as_str()), (2, "two"));

        // Touched without a change (times move): hashed, same bytes, reused; the new stat is
        // recorded, so the next scan trusts it without hashing.
        std::thread::sleep(std::time::Duration::from_millis(20));
        age(&file, 50);
        let before = head(&cache);
        assert!(scan_once(&cache, &file, &calls).1);
        let after = head(&cache);
        assert_ne!(after.stat, before.stat);
        assert_eq!((calls.get(), after.hash), (2, before.hash));
        assert!(scan_once(&cache, &file, &calls).1);
        assert_eq!((calls.get(), head(&cache)), (2, after));
    }

    #[test]
    fn entries_survive_reopening_and_removed_files_are_pruned() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("cache.redb");
        let (keep, gone) = (d.path().join("keep.txt"), d.path().join("gone.txt"));
        for f in [&keep, &gone] {
            std::fs::write(f, "x").unwrap();
            age(f, 100);
        }
        let calls = Cell::new(0);
        {
            let (cache, _) = Cache::open(&db, "r".into()).unwrap();
            scan_once(&cache, &keep, &calls);
            scan_once(&cache, &gone, &calls);
            cache.finish(&[d.path().to_path_buf()]);
        }
        let key = gone.canonicalize().unwrap();
        std::fs::remove_file(&gone).unwrap();
        let (cache, _) = Cache::open(&db, "r".into()).unwrap();
        assert!(cache.stored(key.to_str().unwrap()));
        cache.finish(&[d.path().to_path_buf()]);
        assert!(!cache.stored(key.to_str().unwrap()));
        assert!(scan_once(&cache, &keep, &calls).1);
        assert_eq!(calls.get(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&db).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_file_hash_is_the_blake3_of_its_content_whatever_its_size() {
        let d = tempfile::tempdir().unwrap();
        for size in [0, 1, 1023, 65536, 65537, 200_000] {
            let content: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
            let file = d.path().join(format!("f{size}"));
            std::fs::write(&file, &content).unwrap();
            assert_eq!(
                hash_file(&file).unwrap(),
                *blake3::hash(&content).as_bytes(),
                "{size}"
            );
        }
    }

    #[test]
    fn rendered_findings_are_stored_apart_and_read_only_when_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let (file, db, calls, first) = scanned_once(dir.path(), "some text");
        let cache = trusting(&db);
        // Replayed without its text, which the store gives when the report is written.
        let block = stored_block(&cache, &file);
        assert!(matches!(&block.text, BlockText::Stored { .. }));
        assert_eq!(block.findings(&cache).unwrap(), first);
        assert_eq!(
            scan_with(&cache, &file, &calls, true),
            (first.clone(), true, true)
        );
        assert_eq!(calls.get(), 1);
        // An error that turns the cache off (a failed write) does not keep the texts from
        // the report.
        cache.fail("disk full");
        assert_eq!(block.findings(&cache).unwrap(), first);
        // A text gone from the store is an error, never a report without those findings
        // nor another text: cut short (the cache starts the file afresh when it opens), or
        // replaced after the block was read.
        drop(cache);
        let texts = TextFile::path_of(&db);
        let len = std::fs::metadata(&texts).unwrap().len();
        std::fs::File::options()
            .write(true)
            .open(&texts)
            .unwrap()
            .set_len(len - 1)
            .unwrap();
        let cache = trusting(&db);
        let err = block.findings(&cache).unwrap_err().to_string();
        assert!(
            err.contains("cannot be read from the cache (written to another texts file)"),
            "{err}"
        );
        let id = cache.texts.as_ref().unwrap().extent().id;
        let BlockText::Stored { len, .. } = &block.text else {
            unreachable!()
        };
        let past = Arc::new(FileBlock {
            text: BlockText::Stored {
                at: 1 << 20,
                len: *len,
                file: id,
            },
            ..(*block).clone()
        });
        let err = past.findings(&cache).unwrap_err().to_string();
        assert!(
            err.contains("cannot be read from the cache (missing)"),
            "{err}"
        );
        // A texts file replaced (a new identity) is a miss: the file's body serves.
        drop(cache);
        std::fs::remove_file(&texts).unwrap();
        let cache = trusting(&db);
        assert_eq!(scan_with(&cache, &file, &calls, true), (first, true, false));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn a_damaged_text_is_not_used_and_the_body_serves() {
        let dir = tempfile::tempdir().unwrap();
        let (file, db, calls, first) = scanned_once(dir.path(), "words");
        // Every byte after the header made invalid UTF-8.
        let texts = TextFile::path_of(&db);
        let mut bytes = std::fs::read(&texts).unwrap();
        bytes[32..].fill(0xFF);
        std::fs::write(&texts, bytes).unwrap();
        let cache = trusting(&db);
        assert_eq!(scan_with(&cache, &file, &calls, true), (first, true, false));
        assert_eq!(calls.get(), 1);
    }

    /// A text damaged inside (its ends intact, so its block is served) is not copied into the
    /// report: the file's findings come from its body, rendered again to the same bytes; with
    /// the body damaged too, the report fails rather than carry the damage.
    #[test]
    fn a_text_damaged_inside_is_rendered_again_from_the_body() {
        let dir = tempfile::tempdir().unwrap();
        let (file, db, calls, first) = scanned_once(dir.path(), "words");
        let texts = TextFile::path_of(&db);
        let written = std::fs::read(&texts).unwrap();
        let mut bytes = written.clone();
        // One byte changed for another that keeps the text UTF-8 (and its ends): only the
        // CRC tells.
        let middle = (32 + bytes.len()) / 2;
        bytes[middle] = if bytes[middle] == b'x' { b'y' } else { b'x' };
        std::fs::write(&texts, &bytes).unwrap();
        let cache = trusting(&db);
        let key = cache.key(&file).unwrap();
        let block = stored_block(&cache, &file);
        let text = block.shared_text(&cache).unwrap();
        assert_eq!(*text, written[32..written.len() - 4]);
        assert_eq!(scan_with(&cache, &file, &calls, true), (first, true, true));
        assert_eq!(calls.get(), 1);
        // The body damaged as well: an error names the file's key.
        drop(cache);
        let database = Database::create(&db).unwrap();
        let txn = database.begin_write().unwrap();
        txn.open_table(BODIES)
            .unwrap()
            .insert(key.as_str(), &b"x"[..])
            .unwrap();
        txn.commit().unwrap();
        drop(database);
        let cache = trusting(&db);
        let err = block.shared_text(&cache).err().unwrap().to_string();
        assert!(err.contains("damaged, and so is its body"), "{err}");
    }

    /// The texts file is sealed by the scan that wrote it: reopened as it was, its texts are
    /// trusted without their CRC; written by anything since, they are checked, and the file
    /// is sealed again only once every text still referred to has been checked and found
    /// intact (not merely because a scan ran).
    #[test]
    #[cfg(unix)]
    fn texts_are_trusted_only_as_sealed_and_sealed_again_only_once_checked() {
        use std::os::unix::fs::FileExt;
        let dir = tempfile::tempdir().unwrap();
        let (file, db, calls, first) = scanned_once(dir.path(), "words");
        let whole = |cache: &Cache| cache.texts.as_ref().unwrap().whole();
        let cache = trusting(&db);
        assert!(whole(&cache), "as the first scan sealed it");
        cache.tidy();
        drop(cache);
        // One byte changed in place (length kept), so its CRC no longer matches.
        let texts = TextFile::path_of(&db);
        let at = std::fs::metadata(&texts).unwrap().len() / 2;
        let damage = |byte: u8| {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(&texts)
                .unwrap();
            f.write_all_at(&[byte], at).unwrap();
        };
        let original = std::fs::read(&texts).unwrap()[at as usize];
        damage(original ^ 0x01);
        for _ in 0..2 {
            let cache = trusting(&db);
            assert!(!whole(&cache));
            // The damaged text is rendered again from the body; the file stays unsealed.
            assert_eq!(
                scan_with(&cache, &file, &calls, true),
                (first.clone(), true, true)
            );
            cache.tidy();
            assert!(!whole(&cache));
        }
        // Put right by hand: checked whole by the next scan's tidy, sealed, then trusted.
        damage(original);
        let cache = trusting(&db);
        assert!(!whole(&cache), "written since the seal");
        assert_eq!(
            scan_with(&cache, &file, &calls, true),
            (first.clone(), true, true)
        );
        cache.tidy();
        assert!(whole(&cache));
        drop(cache);
        let cache = trusting(&db);
        assert!(whole(&cache));
        assert_eq!(scan_with(&cache, &file, &calls, true), (first, true, true));
        assert_eq!(calls.get(), 1, "never scanned again");
    }

    #[test]
    fn a_block_survives_its_stat_being_refreshed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, "same words").unwrap();
        age(&file, 60);
        let cache = trusting(&dir.path().join("c.redb"));
        let calls = Cell::new(0);
        let (first, cached, _) = scan_with(&cache, &file, &calls, true);
        assert!(!cached);
        // Touched: hashed, found the same, its stat refreshed; the block still served.
        age(&file, 30);
        for _ in 0..2 {
            assert_eq!(
                scan_with(&cache, &file, &calls, true),
                (first.clone(), true, true)
            );
        }
        // Refreshed by a scan that does not take blocks: kept for the next that does.
        age(&file, 20);
        assert_eq!(
            scan_with(&cache, &file, &calls, false),
            (first.clone(), true, false)
        );
        assert_eq!(
            scan_with(&cache, &file, &calls, true),
            (first.clone(), true, true)
        );
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn a_texts_file_shorter_than_recorded_is_started_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
        std::fs::write(&a, "first file").unwrap();
        age(&a, 60);
        let db = dir.path().join("c.redb");
        let calls = Cell::new(0);
        let (first, _, _) = scan_with(&trusting(&db), &a, &calls, true);
        // The texts file cut back to its header (as a restore from an older backup could).
        let texts = TextFile::path_of(&db);
        let id = std::fs::read(&texts).unwrap()[16..32].to_vec();
        std::fs::File::options()
            .write(true)
            .open(&texts)
            .unwrap()
            .set_len(32)
            .unwrap();
        // Another file's text would now be appended where a's was: a must not get it.
        std::fs::write(&b, "other file").unwrap();
        age(&b, 60);
        let cache = trusting(&db);
        assert_ne!(cache.texts.as_ref().unwrap().id().to_vec(), id);
        let (other, cached, _) = scan_with(&cache, &b, &calls, true);
        assert!(!cached);
        assert_eq!(other[0].value, "other file");
        assert_eq!(scan_with(&cache, &a, &calls, true), (first, true, false));
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn texts_left_behind_by_changed_files_are_compacted_away() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        let db = dir.path().join("c.redb");
        let calls = Cell::new(0);
        // Each version's rendered finding holds the file's 9 MiB text.
        let version = |n: u8| format!("{n}{}", "x".repeat(9 << 20));
        let texts = || std::fs::metadata(TextFile::path_of(&db)).unwrap().len() - 32;
        let mut sizes = Vec::new();
        for n in 0..4 {
            std::fs::write(&file, version(n)).unwrap();
            age(&file, 60 - u64::from(n));
            let cache = trusting(&db);
            let (_, cached, _) = scan_with(&cache, &file, &calls, true);
            assert!(!cached);
            cache.finish(&[dir.path().to_path_buf()]);
            cache.tidy();
            sizes.push(texts());
        }
        assert_eq!(calls.get(), 4);
        // Each scan appended one text (the same size); after the third, the two dead ones
        // (more than the live one, and more than 16 MiB) were compacted away.
        let one = sizes[0];
        assert!(one > 9 << 20);
        assert_eq!(sizes, [one, 2 * one, one, 2 * one]);
        let cache = trusting(&db);
        let (found, cached, as_block) = scan_with(&cache, &file, &calls, true);
        assert!(cached && as_block);
        assert_eq!(found[0].value, version(3));
        assert_eq!(calls.get(), 4);
    }

    /// The read-ahead answers as a lookup in the table would, whatever the order of the keys
    /// asked for (in order within a directory, backwards, across directories and their
    /// subdirectories, missing ones, past the end), from what it holds or read again, and
    /// follows a new snapshot.
    #[test]
    fn heads_read_ahead_answer_as_the_table_does() {
        let d = tempfile::tempdir().unwrap();
        let db = open_db(&d.path().join("cache.redb")).unwrap();
        let sep = std::path::MAIN_SEPARATOR;
        let key = |dir: &str, i: usize| format!("{sep}r{sep}{dir}{sep}f{i:04}");
        let write = |keys: &[String], tag: &str| {
            let txn = db.begin_write().unwrap();
            for t in [HEADS, BODIES] {
                let mut t = txn.open_table(t).unwrap();
                for k in keys {
                    t.insert(k.as_str(), format!("{tag}{k}").as_bytes())
                        .unwrap();
                }
            }
            txn.commit().unwrap();
        };
        // Directories of 600 files (more than a read-ahead), of one file each, a subdirectory
        // whose keys sort among its parent's files; every third number missing.
        let mut stored = Vec::new();
        for dir in ["a", "a/f0300x", "b", "c", "d"] {
            let n = if dir == "a" || dir == "c" { 600 } else { 1 };
            stored.extend((0..n).filter(|i| i % 3 != 1).map(|i| key(dir, i)));
        }
        write(&stored, "v1 ");
        let mut asked: Vec<String> = Vec::new();
        for dir in ["a", "a/f0300x", "b", "c", "d", "e"] {
            asked.extend((0..610).map(|i| key(dir, i)));
        }
        let mut backwards = asked.clone();
        backwards.reverse();
        let mut shuffled = asked.clone();
        shuffled.sort_by_key(|k| blake3::hash(k.as_bytes()).as_bytes()[0]);
        let check = |gen: u64| {
            let s = snapshot_of(db.begin_read().unwrap()).unwrap().unwrap();
            for keys in [&asked, &backwards, &shuffled] {
                for k in keys {
                    // As a lookup asks: the read-ahead as it is, else read ahead again.
                    let of = (u64::MAX, gen);
                    let got = ahead_known(of, k)
                        .unwrap_or_else(|| ahead(&s, of, k).unwrap())
                        .map(|(bytes, range)| bytes[range].to_vec());
                    let want = s.heads.get(k.as_str()).unwrap().map(|v| v.value().to_vec());
                    assert_eq!(got, want, "{k}");
                }
            }
        };
        check(0);
        // Changed entries and new ones, in a new snapshot (another generation).
        write(&asked[..700], "v2 ");
        check(1);
    }

    #[test]
    fn tables_of_earlier_formats_are_dropped_on_open() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("cache.redb");
        {
            let old = open_db(&db).unwrap();
            let txn = old.begin_write().unwrap();
            for name in OLD_TABLES {
                let mut t = txn
                    .open_table(TableDefinition::<&str, &[u8]>::new(name))
                    .unwrap();
                t.insert("/some/file", b"old entry".as_slice()).unwrap();
            }
            txn.commit().unwrap();
        }
        let (cache, _) = Cache::open(&db, "r".into()).unwrap();
        let names: Vec<String> = cache
            .begin_read()
            .unwrap()
            .list_tables()
            .unwrap()
            .map(|t| t.name().to_string())
            .collect();
        assert!(
            names.iter().all(|n| !OLD_TABLES.contains(&n.as_str())),
            "{names:?}"
        );
    }

    #[test]
    fn a_second_open_is_refused_and_a_damaged_file_replaced() {
        let d = tempfile::tempdir().unwrap();
        let db = d.path().join("cache.redb");
        let (held, _) = Cache::open(&db, "r".into()).unwrap();
        assert!(matches!(
            Cache::open(&db, "r".into()),
            Err(OpenError::InUse(_))
        ));
        let file = d.path().join("a.txt");
        std::fs::write(&file, "a").unwrap();
        age(&file, 100);
        scan_once(&held, &file, &Cell::new(0));
        held.finish(&[]);
        drop(held);
        // Damaged in many ways: never a panic, always a usable empty cache and a warning.
        let good = std::fs::read(&db).unwrap();
        let mut damaged = vec![
            b"garbage".to_vec(),
            Vec::new(),
            good[..good.len() / 3].to_vec(),
        ];
        for i in 0..20 {
            let mut v = good.clone();
            let at = (i * 7919) % v.len();
            v[at] ^= 0x5a;
            damaged.push(v);
        }
        for bytes in damaged {
            std::fs::write(&db, &bytes).unwrap();
            let (cache, _warning) = Cache::open(&db, "r".into()).unwrap();
            let calls = Cell::new(0);
            let (found, cached) = scan_once(&cache, &file, &calls);
            // Either the entry survived intact or the file was scanned: never wrong results.
            assert_eq!(
                (found[0].value.as_str(), calls.get()),
                ("a", u32::from(!cached))
            );
            cache.finish(&[]);
        }
        std::fs::write(&db, "garbage").unwrap();
        let (_, warning) = Cache::open(&db, "r".into()).unwrap();
        assert!(warning.unwrap().contains("replaced by an empty one"));
    }
}

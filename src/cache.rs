//! Incremental rescans: per-file results kept in an embedded database (redb) so that a file
//! that has not changed since the last scan is not read and extracted again.
//!
//! The cache lives in `cache.redb` in the state directory (see
//! [`crate::report::fingerprint::state_dir`]) or in `--cache-dir`, created owner-only (0600):
//! it holds findings like a report does, masked unless the scan ran with `--show-values`.
//!
//! **Key.** An entry is stored under the file's canonical path and records the file's identity
//! and stat (device, inode, size, modification time in nanoseconds), a BLAKE3 hash of its
//! content, and a hash of everything that changes results ([`results_hash`]: tool version and
//! build (the executable's size and time), every rule as loaded, `--min-confidence`, `--show-values`, extraction limits and the
//! fingerprint key's identity). An entry made under other settings is never used.
//!
//! **Policy.**
//! 1. Stat unchanged (device, inode, size, mtime) and the mtime older than the moment the entry
//!    was made by more than [`RACY_NS`] ⇒ results reused without opening the file.
//! 2. Same size but another stat (touched, copied back, restored from backup), or a stat too
//!    close to when the entry was made to be trusted ⇒ the content is hashed; same hash ⇒
//!    results reused and the stat refreshed; another hash ⇒ scanned again.
//! 3. New file, other size, other settings ⇒ hashed and scanned, entry written.
//!
//! A file that could not be opened at all is never stored (the next scan tries again); errors
//! inside a file (a corrupt member) are stored with its findings, since the same bytes give the
//! same errors. Entries of files that no longer exist under the scanned roots are removed at
//! the end of each scan.
//!
//! **Concurrency.** redb locks the database file: a second scan while one is running gets
//! [`OpenError::InUse`] and should scan without the cache. An unreadable (corrupt) cache file is
//! replaced by an empty one. Any later database error switches the cache off for the rest of
//! the scan with one warning; results are never wrong because of the cache, only slower.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use redb::backends::FileBackend;
use redb::{Builder, Database, DatabaseError, Durability, ReadableDatabase, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::extract::{open_read_only, ExtractError, Outcome};
use crate::report::{FileError, Finding, Skipped};
use crate::scan::Scanner;

/// File name of the cache inside its directory.
pub const FILE_NAME: &str = "cache.redb";

/// Canonical path → JSON-encoded [`Entry`].
const FILES: TableDefinition<&str, &[u8]> = TableDefinition::new("files");

/// A modification time this close to (or after) the moment an entry was made is not trusted:
/// the file may have been written again within the file system's timestamp granularity
/// (2 s on FAT), so its content is hashed instead ("racily clean", as git calls it).
pub const RACY_NS: i64 = 2_000_000_000;

/// Files with more findings than this are scanned every time instead of being stored.
pub const MAX_FINDINGS_STORED: usize = 100_000;

/// Memory redb may use for its page cache (its default is 1 GiB).
const CACHE_MEMORY: usize = 64 << 20;

/// Pending entries are written in one transaction once there are this many …
const BATCH_ENTRIES: usize = 512;
/// … or this many bytes.
const BATCH_BYTES: usize = 8 << 20;

/// A hash of everything besides a file's bytes that decides its results. Hex, 64 digits.
pub fn results_hash(scanner: &Scanner) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"sporhund cache v1\0");
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stat {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i64,
}

impl Stat {
    fn of(path: &Path) -> std::io::Result<Stat> {
        let m = std::fs::metadata(path)?;
        #[cfg(unix)]
        let (dev, ino) = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let (dev, ino) = (0, 0);
        Ok(Stat {
            dev,
            ino,
            size: m.len(),
            mtime_ns: m.modified().map(unix_ns)?,
        })
    }
}

/// Nanoseconds since the Unix epoch (negative before it).
fn unix_ns(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i64,
        Err(e) => -(e.duration().as_nanos() as i64),
    }
}

/// What is stored per file.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    stat: Stat,
    /// BLAKE3 of the content, hex.
    hash: String,
    /// [`results_hash`] of the scan that made the entry.
    results: String,
    /// When the stat was taken (ns since the epoch).
    recorded_ns: i64,
    /// `Some(reason)` when the file was skipped by format rather than extracted.
    skipped: Option<String>,
    /// Findings with an empty `path` (filled in with the path as found when reused).
    findings: Vec<Finding>,
    /// Errors inside the file, `path` empty likewise.
    errors: Vec<FileError>,
    /// Parts of the file not read on purpose (an image attachment), `path` empty likewise.
    #[serde(default)]
    parts_skipped: Vec<Skipped>,
}

impl Entry {
    /// Sends the stored findings and errors on, with `shown` as their path; the file's outcome.
    fn replay(
        self,
        shown: &str,
        on_finding: &mut dyn FnMut(Finding),
        on_error: &mut dyn FnMut(FileError),
        on_skipped: &mut dyn FnMut(Skipped),
    ) -> Outcome {
        for mut f in self.findings {
            f.path = shown.to_string();
            on_finding(f);
        }
        for mut e in self.errors {
            e.path = shown.to_string();
            on_error(e);
        }
        for mut k in self.parts_skipped {
            k.path = shown.to_string();
            on_skipped(k);
        }
        match self.skipped {
            Some(reason) => Outcome::Skipped(reason),
            None => Outcome::Extracted,
        }
    }
}

/// The real scan of one file, called when the cache cannot answer: it delivers its findings
/// and errors to the report itself, and also hands them to the two callbacks it is given so
/// the cache can record them (more than the cache stores may be left out).
pub type ScanFn<'a> = &'a mut dyn FnMut(
    &mut dyn FnMut(Finding),
    &mut dyn FnMut(FileError),
    &mut dyn FnMut(Skipped),
) -> Result<Outcome, ExtractError>;

/// Runs the real scan without recording anything: the cache cannot answer for this file.
fn uncached(scan: ScanFn<'_>) -> (Result<Outcome, ExtractError>, bool) {
    (scan(&mut |_| {}, &mut |_| {}, &mut |_| {}), false)
}

/// An open cache, shared by the scan's worker threads.
pub struct Cache {
    db: Database,
    path: PathBuf,
    results: String,
    pending: Mutex<Vec<(String, Vec<u8>)>>,
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
        let (db, warning) = match open_db(path) {
            Ok(db) => (db, None),
            Err(DatabaseError::DatabaseAlreadyOpen) => {
                return Err(OpenError::InUse(path.to_path_buf()))
            }
            Err(e) => {
                // Corrupt, truncated or written by an incompatible redb: start afresh.
                std::fs::remove_file(path)
                    .map_err(|r| OpenError::Other(format!("{}: {e}; {r}", path.display())))?;
                let db = open_db(path)
                    .map_err(|e| OpenError::Other(format!("{}: {e}", path.display())))?;
                let w = format!(
                    "{}: unreadable cache ({e}) replaced by an empty one",
                    path.display()
                );
                (db, Some(w))
            }
        };
        Ok((
            Cache {
                db,
                path: path.to_path_buf(),
                results,
                pending: Mutex::new(Vec::new()),
                failed: AtomicBool::new(false),
                warning: Mutex::new(None),
            },
            warning,
        ))
    }

    /// The warning of an error that switched the cache off during the scan, if any.
    pub fn warning(&self) -> Option<String> {
        self.warning.lock().expect("cache warning").clone()
    }

    /// Scans one file through the cache (see the module docs for the policy): either replays
    /// its stored results to `on_finding` / `on_error`, or runs `scan` and stores what it
    /// reported. `shown` is the path as the report shows it. The flag is `true` when the
    /// results came from the cache.
    pub fn scan_file(
        &self,
        path: &Path,
        shown: &str,
        scan: ScanFn<'_>,
        on_finding: &mut dyn FnMut(Finding),
        on_error: &mut dyn FnMut(FileError),
        on_skipped: &mut dyn FnMut(Skipped),
    ) -> (Result<Outcome, ExtractError>, bool) {
        if self.failed.load(Ordering::Relaxed) {
            return uncached(scan);
        }
        let canonical = path.canonicalize();
        let (Ok(canonical), Ok(stat)) = (&canonical, Stat::of(path)) else {
            return uncached(scan);
        };
        let Some(key) = canonical.to_str() else {
            return uncached(scan); // not UTF-8: no stable key
        };
        let recorded_ns = unix_ns(SystemTime::now());
        let mut hash = None;
        if let Some(mut entry) = self.get(key).filter(|e| e.results == self.results) {
            if entry.stat == stat && stat.mtime_ns + RACY_NS < entry.recorded_ns {
                return (
                    Ok(entry.replay(shown, on_finding, on_error, on_skipped)),
                    true,
                );
            }
            if entry.stat.size == stat.size {
                let Ok(h) = hash_file(path) else {
                    return uncached(scan);
                };
                if h == entry.hash {
                    entry.stat = stat;
                    entry.recorded_ns = recorded_ns;
                    self.put(key, &entry);
                    return (
                        Ok(entry.replay(shown, on_finding, on_error, on_skipped)),
                        true,
                    );
                }
                hash = Some(h);
            }
        }
        let hash = match hash.map(Ok).unwrap_or_else(|| hash_file(path)) {
            Ok(h) => h,
            Err(_) => return uncached(scan),
        };
        let mut findings = Vec::new();
        let mut errors = Vec::new();
        let mut parts_skipped = Vec::new();
        let mut complete = true;
        let result = scan(
            &mut |f| {
                if findings.len() < MAX_FINDINGS_STORED {
                    findings.push(Finding {
                        path: String::new(),
                        ..f
                    });
                } else {
                    complete = false;
                }
            },
            &mut |e| {
                errors.push(FileError {
                    path: String::new(),
                    ..e
                });
            },
            &mut |k| {
                parts_skipped.push(Skipped {
                    path: String::new(),
                    ..k
                });
            },
        );
        if let (Ok(outcome), true) = (&result, complete) {
            let entry = Entry {
                stat,
                hash,
                results: self.results.clone(),
                recorded_ns,
                skipped: match outcome {
                    Outcome::Extracted => None,
                    Outcome::Skipped(reason) => Some(reason.clone()),
                },
                findings,
                errors,
                parts_skipped,
            };
            self.put(key, &entry);
        }
        (result, false)
    }

    /// Writes what is pending and removes the entries of files under `roots` that no longer
    /// exist. Called once when the scan has ended.
    pub fn finish(&self, roots: &[PathBuf]) {
        let batch = std::mem::take(&mut *self.pending.lock().expect("cache batch"));
        self.write(batch, Durability::Immediate);
        self.guarded(|| {
            let gone = self.gone(roots)?;
            if gone.is_empty() {
                return Ok(());
            }
            let txn = self.db.begin_write()?;
            {
                let mut table = txn.open_table(FILES)?;
                for key in &gone {
                    table.remove(key.as_str())?;
                }
            }
            txn.commit()?;
            Ok(())
        });
    }

    /// Keys under `roots` (canonicalised) whose file is gone.
    fn gone(&self, roots: &[PathBuf]) -> Result<Vec<String>, redb::Error> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(FILES) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut gone = Vec::new();
        for root in roots.iter().filter_map(|r| r.canonicalize().ok()) {
            let Some(start) = root.to_str() else { continue };
            for item in table.range(start..)? {
                let (key, _) = item?;
                let key = key.value();
                if !key.starts_with(start) {
                    break;
                }
                if Path::new(key).starts_with(&root)
                    && std::fs::symlink_metadata(key)
                        .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
                {
                    gone.push(key.to_string());
                }
            }
        }
        Ok(gone)
    }

    fn get(&self, key: &str) -> Option<Entry> {
        self.guarded(|| {
            let txn = self.db.begin_read()?;
            let table = match txn.open_table(FILES) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            // Decoded in place; an entry that does not decode (another format) is a miss and
            // gets overwritten.
            Ok(table
                .get(key)?
                .and_then(|v| serde_json::from_slice(v.value()).ok()))
        })?
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

    fn put(&self, key: &str, entry: &Entry) {
        let bytes = serde_json::to_vec(entry).expect("cache entries serialise");
        let batch = {
            let mut pending = self.pending.lock().expect("cache batch");
            pending.push((key.to_string(), bytes));
            let size: usize = pending.iter().map(|(k, v)| k.len() + v.len()).sum();
            if pending.len() < BATCH_ENTRIES && size < BATCH_BYTES {
                return;
            }
            std::mem::take(&mut *pending)
        };
        // Durable once at the end (finish); a crash before loses only this scan's entries.
        self.write(batch, Durability::None);
    }

    fn write(&self, batch: Vec<(String, Vec<u8>)>, durability: Durability) {
        self.guarded(|| {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(durability)
                .map_err(|e| redb::Error::from(std::io::Error::other(e.to_string())))?;
            {
                let mut table = txn.open_table(FILES)?;
                for (key, value) in &batch {
                    table.insert(key.as_str(), value.as_slice())?;
                }
            }
            txn.commit()?;
            Ok(())
        });
    }

    fn fail(&self, e: impl std::fmt::Display) {
        if !self.failed.swap(true, Ordering::Relaxed) {
            *self.warning.lock().expect("cache warning") = Some(format!(
                "{}: {e}; the cache is off for the rest of this scan",
                self.path.display()
            ));
        }
    }
}

/// Opens or creates the database file owner-only.
fn open_db(path: &Path) -> Result<Database, DatabaseError> {
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
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
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

/// BLAKE3 of a file's content, hex.
fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut h = blake3::Hasher::new();
    h.update_reader(open_read_only(path)?)?;
    Ok(h.finalize().to_hex().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::Location;
    use std::cell::Cell;

    /// A cache in `dir` and a scan function that counts its calls and reports one finding and
    /// one error per call, naming the file's current content.
    fn scan_once(cache: &Cache, path: &Path, calls: &Cell<u32>) -> (Vec<Finding>, bool) {
        // What reaches the report: from the scan itself, or replayed from the cache.
        let found = std::cell::RefCell::new(Vec::new());
        let errors = std::cell::RefCell::new(Vec::new());
        let (outcome, cached) = cache.scan_file(
            path,
            "shown/path",
            &mut |record_f, record_e, _| {
                calls.set(calls.get() + 1);
                let text = std::fs::read_to_string(path).unwrap();
                let f = finding(&text);
                found.borrow_mut().push(f.clone());
                record_f(f);
                let e = FileError {
                    path: "shown/path".into(),
                    location: Location::root(),
                    message: format!("error in {text}"),
                };
                errors.borrow_mut().push(e.clone());
                record_e(e);
                Ok(Outcome::Extracted)
            },
            &mut |f| found.borrow_mut().push(f),
            &mut |e| errors.borrow_mut().push(e),
            &mut |_| {},
        );
        cache.finish(&[]); // writes are batched until the end of a scan
        assert_eq!(outcome.unwrap(), Outcome::Extracted);
        let errors = errors.into_inner();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "shown/path");
        (found.into_inner(), cached)
    }

    fn finding(value: &str) -> Finding {
        Finding {
            rule: "no.fnr".into(),
            category: "national_id".into(),
            kind: Some("fnr".into()),
            severity: crate::detect::Severity::High,
            confidence: 0.9,
            path: "shown/path".into(),
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
        assert!(cache.get(key.to_str().unwrap()).is_some());
        cache.finish(&[d.path().to_path_buf()]);
        assert!(cache.get(key.to_str().unwrap()).is_none());
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

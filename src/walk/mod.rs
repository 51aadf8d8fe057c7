//! Walk stage: scan roots → files, in parallel.
//!
//! Threads share a stack of work ([`queue`]): a directory to read, or a batch of up to
//! [`ENTRIES_PER_ITEM`] of one directory's files to stat and hand over. The thread that reads
//! a directory keeps its last batch and shares the rest, so a directory of thousands of files
//! is spread over the threads. A directory's entries are handed out in name order (the cache
//! reads its entries ahead in that order). A thread going through a batch gives half of what
//! is left to a thread that has nothing to do (a few large files take long), and a thread
//! without work waits to be woken rather than polling. Each file is statted by name in its
//! directory ([`stat`]).
//!
//! Unlike a code search tool, nothing is skipped by default: hidden files and git-ignored
//! files are walked, because personal data hides there. Files over `--max-filesize`,
//! unfollowed symbolic links and non-regular files (FIFOs, devices, which would block or never
//! end) are reported as skipped; paths matching the user's `--exclude` globs are left out
//! silently, as asked.

mod queue;
pub mod shard;
pub mod stat;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use queue::Queue;
use shard::Shard;
use stat::DirStatter;
pub use stat::FileStat;

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Files or directories to scan.
    pub roots: Vec<PathBuf>,
    /// Globs of paths to leave out: a glob without `/` matches a file or directory name
    /// anywhere; one with `/` matches the path relative to its root.
    pub excludes: Vec<String>,
    /// Exact paths never scanned (sporhund's own output file).
    pub exclude_paths: Vec<PathBuf>,
    /// Files larger than this are skipped and reported.
    pub max_filesize: Option<u64>,
    /// Follow symbolic links (loops are detected).
    pub follow_symlinks: bool,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// Only this shard of the files (`--shard K/N`); `None`: all.
    pub shard: Option<Shard>,
}

/// One thing the walk found.
#[derive(Debug, Clone)]
pub enum WalkEvent {
    /// A regular file to scan.
    File {
        /// Path as found (under its root).
        path: PathBuf,
        /// What the walk's stat said (size, times, identity): the scan and the cache use it
        /// rather than asking again.
        stat: FileStat,
    },
    /// Something deliberately not scanned.
    Skipped {
        /// Its path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Something that could not be walked (a directory without permission …).
    Error {
        /// Its path, when known.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl WalkEvent {
    /// The path the event is about.
    pub fn path(&self) -> &Path {
        match self {
            WalkEvent::File { path, .. }
            | WalkEvent::Skipped { path, .. }
            | WalkEvent::Error { path, .. } => path,
        }
    }
}

/// Compiled `--exclude` globs.
#[derive(Debug, Clone)]
pub struct Excludes {
    names: GlobSet,
    paths: GlobSet,
}

impl Excludes {
    /// Compiles the globs; an invalid glob is an error naming it.
    pub fn new(globs: &[String]) -> Result<Self, String> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for g in globs {
            let glob = Glob::new(g.trim_end_matches('/'))
                .map_err(|e| format!("invalid --exclude glob {g:?}: {e}"))?;
            if g.trim_end_matches('/').contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
        }
        Ok(Excludes {
            names: names.build().map_err(|e| e.to_string())?,
            paths: paths.build().map_err(|e| e.to_string())?,
        })
    }

    /// True when `path` (found under `root`) is excluded.
    pub fn excludes(&self, root: &Path, path: &Path) -> bool {
        // An empty set still builds a match candidate (2,400 instructions a file).
        if !self.names.is_empty() && path.file_name().is_some_and(|n| self.names.is_match(n)) {
            return true;
        }
        if self.paths.is_empty() {
            return false;
        }
        let relative = path.strip_prefix(root).unwrap_or(path);
        self.paths.is_match(relative) || self.paths.is_match(path)
    }
}

/// Walks `options.roots` in parallel. `make_visitor` is called once per worker thread (and
/// once for the roots themselves); its visitor receives that thread's events (so per-thread
/// state such as detector scratch space lives in the visitor) and returns `false` to stop the
/// whole walk.
pub fn walk<F, V>(options: &WalkOptions, make_visitor: F) -> Result<(), String>
where
    F: Fn() -> V + Sync,
    V: FnMut(WalkEvent) -> bool + Send,
{
    let walker = Walker::new(options)?;
    let mut visit = make_visitor();
    let mut roots = Vec::new();
    for root in &options.roots {
        let Some(work) = walker.root(root) else {
            continue;
        };
        match work {
            Ok(work) => roots.push(work),
            Err(event) => {
                if !visit(event) {
                    return Ok(());
                }
            }
        }
    }
    let queue = Queue::new(roots);
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let walk_thread = |mut visit: V| {
        let mut statter = DirStatter::default();
        while let Some(work) = queue.take() {
            let taken = queue.taken();
            if !walker.run(work, &queue, &mut statter, &mut visit) {
                queue.stop();
            }
            drop(taken);
        }
    };
    // The calling thread is one of the walk's threads (one thread fewer to start).
    std::thread::scope(|s| {
        for _ in 1..threads {
            let visit = make_visitor();
            s.spawn(|| walk_thread(visit));
        }
        walk_thread(make_visitor());
    });
    Ok(())
}

/// What a walk thread takes from the queue.
enum Work {
    /// A directory to read.
    Dir(Dir),
    /// Files (and links, special files) of one directory to stat and hand over.
    Entries(Vec<Entry>),
}

/// A directory to read, with what is needed to tell a symbolic link loop.
struct Dir {
    path: PathBuf,
    /// When following links: the identity of every directory above it, the root's parents
    /// included (a link to a directory above the root is a loop too), with their paths.
    above: Option<Arc<Ancestors>>,
}

/// A directory's identity and path, and those above it.
struct Ancestors {
    id: (u64, u64),
    path: PathBuf,
    parent: Option<Arc<Ancestors>>,
}

impl Ancestors {
    /// The chain for `path` on top of `parent`; `None` when its identity cannot be had.
    fn push(parent: Option<Arc<Ancestors>>, path: &Path) -> Option<Arc<Ancestors>> {
        Some(Arc::new(Ancestors {
            id: identity(path)?,
            path: path.to_path_buf(),
            parent,
        }))
    }

    /// The ancestor that is the same directory as `id`, if any.
    fn find(self: &Arc<Self>, id: (u64, u64)) -> Option<&Path> {
        let mut at = Some(self);
        while let Some(a) = at {
            if a.id == id {
                return Some(&a.path);
            }
            at = a.parent.as_ref();
        }
        None
    }
}

/// Device and inode of the directory at `path` (following links); `None` where unknown.
fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// A directory's entry that is not a directory to descend into.
struct Entry {
    path: PathBuf,
    /// Its type as the directory listed it (a followed link: its target's).
    file_type: std::fs::FileType,
}

/// A directory's last batch of entries, and events for those that could not be listed or
/// followed.
type Listed = (Vec<Entry>, Vec<WalkEvent>);

/// Entries of one directory handed over per queue item: a directory of thousands of files
/// is shared out among the threads, while its handful of files are not worth a hand-over
/// (a thread going through a batch still gives half of what is left to a waiting thread).
const ENTRIES_PER_ITEM: usize = 256;

/// The walk's settings, compiled, shared by its threads.
struct Walker<'a> {
    options: &'a WalkOptions,
    excludes: Excludes,
    /// `exclude_paths`, canonicalised.
    exact: Vec<PathBuf>,
    /// Their file names: only an entry with one of these names, or a link, can be one of
    /// them, so the others are not canonicalised (a system call per path component).
    exact_names: Vec<std::ffi::OsString>,
}

impl<'a> Walker<'a> {
    fn new(options: &'a WalkOptions) -> Result<Self, String> {
        let exact: Vec<PathBuf> = options
            .exclude_paths
            .iter()
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        let exact_names = exact
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
            .collect();
        Ok(Walker {
            options,
            excludes: Excludes::new(&options.excludes)?,
            exact,
            exact_names,
        })
    }

    /// The work of a root (a root is followed if it is a link, and never excluded by a glob);
    /// an event when it cannot be walked; `None` when it is left out.
    fn root(&self, root: &Path) -> Option<Result<Work, WalkEvent>> {
        if root == Path::new("-") {
            return Some(Err(WalkEvent::Skipped {
                path: root.to_path_buf(),
                reason: "standard input is not scanned".into(),
            }));
        }
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => return Some(Err(error(root, &e))),
        };
        if self.is_exact(root, meta.file_type().is_symlink()) {
            return None;
        }
        Some(Ok(match meta.is_dir() {
            true => {
                let above = self.options.follow_symlinks.then(|| {
                    // Every directory above the root, nearest last.
                    let absolute = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
                    let mut chain = None;
                    for dir in absolute
                        .ancestors()
                        .skip(1)
                        .collect::<Vec<_>>()
                        .iter()
                        .rev()
                    {
                        chain = Ancestors::push(chain.clone(), dir).or(chain);
                    }
                    chain
                });
                Work::Dir(Dir {
                    path: root.to_path_buf(),
                    above: above.flatten(),
                })
            }
            false => Work::Entries(vec![Entry {
                path: root.to_path_buf(),
                file_type: meta.file_type(),
            }]),
        }))
    }

    /// Does `work`, adding what it finds to do to `queue`; `false` when a visitor asked to
    /// stop.
    fn run<V: FnMut(WalkEvent) -> bool>(
        &self,
        work: Work,
        queue: &Queue<Work>,
        statter: &mut DirStatter,
        visit: &mut V,
    ) -> bool {
        let mut entries = match work {
            Work::Entries(entries) => entries,
            Work::Dir(dir) => match self.read(dir, queue) {
                Ok((entries, problems)) => {
                    for event in problems {
                        if !visit(event) {
                            return false;
                        }
                    }
                    entries
                }
                Err(event) => return visit(event),
            },
        };
        while let Some(entry) = entries.pop() {
            // Half of what is left goes to a thread with nothing to do: files can take long
            // to scan (a batch of large PDFs), or be many (a directory of thousands).
            if entries.len() > 1 && queue.hungry() {
                let half = entries.len() / 2;
                queue.add([Work::Entries(entries.drain(..half).collect())]);
            }
            // Another shard's file is left before it is statted (each shard walks the tree).
            if !self.in_shard(&entry.path) {
                continue;
            }
            let event = classify(entry, self.options.max_filesize, statter, self.follow());
            if !visit(event) {
                return false;
            }
        }
        true
    }

    /// Reads `dir`: its subdirectories and all but the last batch of its other entries go to
    /// `queue`; that batch is returned, to be dealt with at once, with an event for each entry
    /// that could not be listed or followed. An event when the directory cannot be read.
    fn read(&self, dir: Dir, queue: &Queue<Work>) -> Result<Listed, WalkEvent> {
        let listing = std::fs::read_dir(&dir.path).map_err(|e| error(&dir.path, &e))?;
        let above = match (&dir.above, self.follow()) {
            (_, false) => None,
            (above, true) => Ancestors::push(above.clone(), &dir.path).or(above.clone()),
        };
        let mut subdirs = Vec::new();
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for item in listing {
            let item = match item {
                Ok(item) => item,
                Err(e) => {
                    problems.push(error(&dir.path, &e));
                    continue;
                }
            };
            let path = item.path();
            let mut file_type = match item.file_type() {
                Ok(t) => t,
                Err(e) => {
                    problems.push(error(&path, &e));
                    continue;
                }
            };
            if self.is_exact(&path, file_type.is_symlink()) || self.is_excluded(&path) {
                continue;
            }
            if file_type.is_symlink() && self.follow() {
                match std::fs::metadata(&path) {
                    Ok(m) => file_type = m.file_type(),
                    Err(e) => {
                        problems.push(error(&path, &e));
                        continue;
                    }
                }
            }
            if !file_type.is_dir() {
                entries.push(Entry { path, file_type });
                continue;
            }
            let looped = above.as_ref().and_then(|a| {
                let id = identity(&path)?;
                a.find(id).map(Path::to_path_buf)
            });
            match looped {
                Some(ancestor) => problems.push(WalkEvent::Error {
                    message: format!("symbolic link loop back to {}", ancestor.display()),
                    path,
                }),
                None => subdirs.push(Work::Dir(Dir {
                    path,
                    above: above.clone(),
                })),
            }
        }
        // In name order, last first (a batch is taken from its end, and the batches of names
        // further on are handed out after this one): a file's cache entry then follows the
        // one before it, which the cache reads ahead (`cache::Ahead`).
        // Every entry's path is the directory's path joined with its name: the names alone
        // are compared (the common start was most of each comparison).
        let common = dir.path.as_os_str().len();
        entries.sort_unstable_by(|a, b| after(&b.path, common).cmp(after(&a.path, common)));
        // The last batch stays; the others, whole batches from the front, go to the queue,
        // each entry moved once (splitting the front off again and again copied the rest of
        // the directory for every batch: quadratic in a directory of a million files).
        let last = entries.len().saturating_sub(1) / ENTRIES_PER_ITEM * ENTRIES_PER_ITEM;
        let kept = entries.split_off(last);
        let mut rest = entries.into_iter();
        let batches: Vec<Work> = std::iter::from_fn(|| {
            let batch: Vec<Entry> = rest.by_ref().take(ENTRIES_PER_ITEM).collect();
            (!batch.is_empty()).then_some(Work::Entries(batch))
        })
        .collect();
        queue.add(subdirs.into_iter().chain(batches));
        Ok((kept, problems))
    }

    fn follow(&self) -> bool {
        self.options.follow_symlinks
    }

    /// Whether `path` (a link when `link`) is one of the exact paths never scanned.
    fn is_exact(&self, path: &Path, link: bool) -> bool {
        let named =
            stat::dir_and_name(path).is_some_and(|(_, n)| self.exact_names.iter().any(|e| e == n));
        (link || named) && path.canonicalize().is_ok_and(|p| self.exact.contains(&p))
    }

    /// Whether an `--exclude` glob leaves `path` out (roots never are).
    fn is_excluded(&self, path: &Path) -> bool {
        self.options
            .roots
            .iter()
            .any(|root| self.excludes.excludes(root, path))
    }

    /// Whether `path` is in this walk's shard (always, without `--shard`).
    fn in_shard(&self, path: &Path) -> bool {
        let Some(shard) = self.options.shard else {
            return true;
        };
        let root = self
            .options
            .roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.as_os_str().len());
        shard.contains(root.map_or(Path::new(""), PathBuf::as_path), path)
    }
}

/// The bytes of `path` from byte `at` on (on platforms without byte paths, all of it: the
/// order of paths with a common start is the same).
fn after(path: &Path, at: usize) -> &[u8] {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        bytes.get(at..).unwrap_or(bytes)
    }
    #[cfg(not(unix))]
    {
        let _ = at;
        path.as_os_str().as_encoded_bytes()
    }
}

/// An error event about `path`.
fn error(path: &Path, e: &std::io::Error) -> WalkEvent {
    WalkEvent::Error {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// What the walk makes of one entry that is not a directory; a file is statted with
/// `statter` (following a final link with `follow`).
fn classify(entry: Entry, max: Option<u64>, statter: &mut DirStatter, follow: bool) -> WalkEvent {
    let Entry { path, file_type } = entry;
    if file_type.is_symlink() {
        return WalkEvent::Skipped {
            path,
            reason: "symbolic link not followed (use --follow-symlinks)".into(),
        };
    }
    if !file_type.is_file() {
        return WalkEvent::Skipped {
            path,
            reason: "not a regular file (FIFO, socket or device)".into(),
        };
    }
    let stat = match statter.stat(&path, follow) {
        Ok(s) => s,
        Err(e) => return error(&path, &e),
    };
    match max {
        Some(limit) if stat.len > limit => WalkEvent::Skipped {
            path,
            reason: format!("larger than --max-filesize ({limit} bytes)"),
        },
        _ => WalkEvent::File { path, stat },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn events(root: &Path, options: WalkOptions) -> Vec<WalkEvent> {
        let all = Mutex::new(Vec::new());
        let opts = WalkOptions {
            roots: vec![root.to_path_buf()],
            ..options
        };
        walk(&opts, || {
            |e| {
                all.lock().unwrap().push(e);
                true
            }
        })
        .unwrap();
        let mut v = all.into_inner().unwrap();
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    }

    fn files(ev: &[WalkEvent], root: &Path) -> Vec<String> {
        ev.iter()
            .filter_map(|e| match e {
                WalkEvent::File { path, .. } => Some(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                ),
                _ => None,
            })
            .collect()
    }

    /// Directories of every size, nested, with more files than one queue item holds: every
    /// file is handed over exactly once, with its stat, whatever the number of threads.
    #[test]
    fn every_file_is_visited_once_by_any_number_of_threads() {
        let d = tempfile::tempdir().unwrap();
        let mut want = Vec::new();
        for (dir, n) in [
            ("", 3),
            ("big", ENTRIES_PER_ITEM * 3 + 5),
            ("a/b/c", 40),
            ("e", 0),
        ] {
            std::fs::create_dir_all(d.path().join(dir)).unwrap();
            for i in 0..n {
                let rel = Path::new(dir).join(format!("f{i}"));
                std::fs::write(d.path().join(&rel), "x".repeat(i % 7)).unwrap();
                want.push(rel.to_string_lossy().into_owned());
            }
        }
        want.sort();
        for threads in [1, 2, 4] {
            let ev = events(
                d.path(),
                WalkOptions {
                    threads,
                    ..Default::default()
                },
            );
            let mut got = files(&ev, d.path());
            got.sort();
            assert_eq!(got, want, "{threads} threads");
            for e in &ev {
                let WalkEvent::File { path, stat } = e else {
                    panic!("{e:?}")
                };
                assert_eq!(stat.len, std::fs::metadata(path).unwrap().len());
            }
        }
    }

    /// A handful of files that take long (say large PDFs) in one directory, so in one batch:
    /// the thread going through it shares them with the idle one.
    #[test]
    fn a_batch_of_slow_files_is_shared_with_an_idle_thread() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..8 {
            std::fs::write(d.path().join(format!("f{i}")), "x").unwrap();
        }
        let threads = Mutex::new(std::collections::HashSet::new());
        let opts = WalkOptions {
            roots: vec![d.path().to_path_buf()],
            threads: 2,
            ..Default::default()
        };
        walk(&opts, || {
            |_| {
                threads.lock().unwrap().insert(std::thread::current().id());
                std::thread::sleep(std::time::Duration::from_millis(20));
                true
            }
        })
        .unwrap();
        assert_eq!(threads.into_inner().unwrap().len(), 2);
    }

    /// A directory's files come in name order (a thread at a time): the cache reads its
    /// entries ahead in that order.
    #[test]
    fn one_thread_visits_a_directory_s_files_in_name_order() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..(ENTRIES_PER_ITEM * 2 + 9) {
            // Written in an order unlike the names'.
            let name = format!("f{:05}", (i * 7919) % 100_000);
            std::fs::write(d.path().join(name), "x").unwrap();
        }
        let seen = Mutex::new(Vec::new());
        let opts = WalkOptions {
            roots: vec![d.path().to_path_buf()],
            threads: 1,
            ..Default::default()
        };
        walk(&opts, || {
            |e: WalkEvent| {
                seen.lock().unwrap().push(e.path().to_path_buf());
                true
            }
        })
        .unwrap();
        let seen = seen.into_inner().unwrap();
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(seen.len(), ENTRIES_PER_ITEM * 2 + 9);
        assert_eq!(seen, sorted);
    }

    #[test]
    fn a_visitor_that_says_stop_ends_the_walk() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..2000 {
            std::fs::write(d.path().join(format!("f{i}")), "x").unwrap();
        }
        let seen = std::sync::atomic::AtomicUsize::new(0);
        let opts = WalkOptions {
            roots: vec![d.path().to_path_buf()],
            threads: 2,
            ..Default::default()
        };
        walk(&opts, || {
            |_| seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 10
        })
        .unwrap();
        let seen = seen.into_inner();
        assert!((11..2000).contains(&seen), "{seen}");
    }

    /// Roots: a file is a file, `-` is not read, a missing one is an error; followed links to
    /// a directory above (or at) the one they are in are loops, reported and not walked,
    /// while a link to a directory elsewhere is walked.
    #[test]
    #[cfg(unix)]
    fn roots_and_links_to_directories() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/f.txt"), "x").unwrap();
        std::fs::create_dir_all(d.path().join("elsewhere")).unwrap();
        std::fs::write(d.path().join("elsewhere/g.txt"), "x").unwrap();
        std::os::unix::fs::symlink(d.path(), root.join("a/b/up")).unwrap();
        std::os::unix::fs::symlink("..", root.join("a/b/parent")).unwrap();
        std::os::unix::fs::symlink(d.path().join("elsewhere"), root.join("there")).unwrap();
        let follow = WalkOptions {
            follow_symlinks: true,
            threads: 2,
            ..Default::default()
        };
        let ev = events(&root, follow.clone());
        let mut got = files(&ev, &root);
        got.sort();
        assert_eq!(got, ["a/b/f.txt", "there/g.txt"]);
        let loops: Vec<String> = ev
            .iter()
            .filter_map(|e| match e {
                WalkEvent::Error { path, message } if message.contains("loop back to") => {
                    Some(path.file_name().unwrap().to_string_lossy().into_owned())
                }
                _ => None,
            })
            .collect();
        assert_eq!(loops.len(), 2, "{ev:?}");
        assert!(loops.contains(&"up".to_string()) && loops.contains(&"parent".to_string()));
        // Not following: three links skipped, one file.
        let ev = events(&root, WalkOptions::default());
        assert_eq!(files(&ev, &root), ["a/b/f.txt"]);
        let skipped = ev.iter().filter(|e| matches!(e, WalkEvent::Skipped { .. }));
        assert_eq!(skipped.count(), 3, "{ev:?}");
        // Roots of each kind.
        let all = Mutex::new(Vec::new());
        let opts = WalkOptions {
            roots: vec![
                root.join("a/b/f.txt"),
                PathBuf::from("-"),
                d.path().join("missing"),
            ],
            ..Default::default()
        };
        walk(&opts, || {
            |e| {
                all.lock().unwrap().push(e);
                true
            }
        })
        .unwrap();
        let all = all.into_inner().unwrap();
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all.iter().any(|e| matches!(e, WalkEvent::File { .. })));
        assert!(all.iter().any(
            |e| matches!(e, WalkEvent::Skipped { reason, .. } if reason.contains("standard input"))
        ));
        assert!(all
            .iter()
            .any(|e| matches!(e, WalkEvent::Error { path, .. } if path.ends_with("missing"))));
    }

    #[test]
    fn hidden_and_ignored_files_are_walked() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".hidden"), "x").unwrap();
        std::fs::write(d.path().join(".gitignore"), "secret.txt\n").unwrap();
        std::fs::write(d.path().join("secret.txt"), "x").unwrap();
        let ev = events(d.path(), WalkOptions::default());
        let f = files(&ev, d.path());
        assert!(f.contains(&".hidden".to_string()));
        assert!(f.contains(&"secret.txt".to_string()));
    }

    #[test]
    fn excludes_and_size_limit() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("node_modules/x")).unwrap();
        std::fs::write(d.path().join("node_modules/x/a.txt"), "x").unwrap();
        std::fs::create_dir_all(d.path().join("logs/2019")).unwrap();
        std::fs::write(d.path().join("logs/2019/b.txt"), "x").unwrap();
        std::fs::write(d.path().join("c.log"), "x").unwrap();
        std::fs::write(d.path().join("big.txt"), "x".repeat(100)).unwrap();
        std::fs::write(d.path().join("keep.txt"), "x").unwrap();
        let opts = WalkOptions {
            excludes: vec!["node_modules".into(), "logs/2019/*".into(), "*.log".into()],
            max_filesize: Some(10),
            ..Default::default()
        };
        let ev = events(d.path(), opts);
        assert_eq!(files(&ev, d.path()), ["keep.txt"]);
        assert!(ev.iter().any(
            |e| matches!(e, WalkEvent::Skipped { reason, .. } if reason.contains("max-filesize"))
        ));
    }
}

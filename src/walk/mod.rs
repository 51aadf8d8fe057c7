//! Walk stage: scan roots → files, in parallel (the `ignore` crate's walker, as in ripgrep).
//!
//! Unlike a code search tool, nothing is skipped by default: hidden files and git-ignored
//! files are walked, because personal data hides there. Files over `--max-filesize`,
//! unfollowed symbolic links and non-regular files (FIFOs, devices, which would block or never
//! end) are reported as skipped; paths matching the user's `--exclude` globs are left out
//! silently, as asked.

pub mod shard;
pub mod stat;

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

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

/// Walks `options.roots` in parallel. `make_visitor` is called once per worker thread; its
/// visitor receives that thread's events (so per-thread state such as detector scratch space
/// lives in the visitor) and returns `false` to stop the whole walk.
pub fn walk<F, V>(options: &WalkOptions, make_visitor: F) -> Result<(), String>
where
    F: Fn() -> V + Sync,
    V: FnMut(WalkEvent) -> bool + Send,
{
    let Some((first, rest)) = options.roots.split_first() else {
        return Ok(());
    };
    let excludes = Excludes::new(&options.excludes)?;
    let mut builder = WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    let roots = options.roots.clone();
    let filter_excludes = excludes.clone();
    let exact: Vec<PathBuf> = options
        .exclude_paths
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    // Only an entry with one of their names, or a link, can be one of them: the others are
    // not canonicalised (a system call per path component, for every file of the walk).
    let exact_names: Vec<std::ffi::OsString> = exact
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
        .collect();
    builder
        .standard_filters(false)
        .follow_links(options.follow_symlinks)
        .threads(options.threads)
        .filter_entry(move |entry| {
            if (entry.path_is_symlink() || exact_names.iter().any(|n| n == entry.file_name()))
                && entry
                    .path()
                    .canonicalize()
                    .is_ok_and(|p| exact.contains(&p))
            {
                return false;
            }
            entry.depth() == 0
                || !roots
                    .iter()
                    .any(|root| filter_excludes.excludes(root, entry.path()))
        });
    let max = options.max_filesize;
    let follow = options.follow_symlinks;
    let in_shard = |path: &Path| match options.shard {
        None => true,
        Some(shard) => {
            let root = options
                .roots
                .iter()
                .filter(|r| path.starts_with(r))
                .max_by_key(|r| r.as_os_str().len());
            shard.contains(root.map_or(Path::new(""), PathBuf::as_path), path)
        }
    };
    builder.build_parallel().run(|| {
        let mut visit = make_visitor();
        let mut statter = DirStatter::default();
        Box::new(move |result| {
            // Another shard's file is left before it is statted (each shard walks the tree);
            // an error's path is known only once it is classified.
            if let Ok(entry) = &result {
                let dir = entry.file_type().is_some_and(|t| t.is_dir());
                if !dir && !in_shard(entry.path()) {
                    return WalkState::Continue;
                }
            }
            let decided = result.is_ok();
            let event = classify(result, max, &mut statter, follow);
            match event
                .filter(|e| decided || in_shard(e.path()))
                .map(&mut visit)
            {
                Some(false) => WalkState::Quit,
                _ => WalkState::Continue,
            }
        })
    });
    Ok(())
}

/// What the walk makes of one entry; a file is statted with `statter` (following a final
/// link with `follow`, as the walker does).
fn classify(
    result: Result<ignore::DirEntry, ignore::Error>,
    max: Option<u64>,
    statter: &mut DirStatter,
    follow: bool,
) -> Option<WalkEvent> {
    let entry = match result {
        Ok(e) => e,
        Err(e) => {
            let path = error_path(&e).unwrap_or_default();
            return Some(WalkEvent::Error {
                path,
                message: error_message(&e),
            });
        }
    };
    let path = entry.path().to_path_buf();
    let Some(file_type) = entry.file_type() else {
        return Some(WalkEvent::Skipped {
            path,
            reason: "standard input is not scanned".into(),
        });
    };
    if file_type.is_dir() {
        return None; // directories produce no event of their own; their contents follow
    }
    if file_type.is_symlink() {
        return Some(WalkEvent::Skipped {
            path,
            reason: "symbolic link not followed (use --follow-symlinks)".into(),
        });
    }
    if !file_type.is_file() {
        return Some(WalkEvent::Skipped {
            path,
            reason: "not a regular file (FIFO, socket or device)".into(),
        });
    }
    let stat = match statter.stat(entry.path(), follow) {
        Ok(s) => s,
        Err(e) => {
            return Some(WalkEvent::Error {
                path,
                message: e.to_string(),
            });
        }
    };
    if let Some(limit) = max {
        if stat.len > limit {
            return Some(WalkEvent::Skipped {
                path,
                reason: format!("larger than --max-filesize ({limit} bytes)"),
            });
        }
    }
    Some(WalkEvent::File { path, stat })
}

/// The error without the path it is about (reports show the path separately).
fn error_message(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to {}", ancestor.display())
        }
        other => other.to_string(),
    }
}

fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
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

//! What `scan` and `find` do alike: check the paths, build the walk options and report
//! header, open the output, and turn totals into the documented exit code.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;

use super::{exit, OutputArgs, WalkArgs};
use crate::report::background::BackgroundWriter;
use crate::report::{Header, Tool};
use crate::walk::WalkOptions;

impl WalkArgs {
    /// Fails on a path that does not exist (a typo must not look like a clean result).
    pub(super) fn check_paths(&self) -> Result<(), String> {
        for p in &self.paths {
            if std::fs::symlink_metadata(p).is_err() {
                return Err(format!("{}: no such file or directory", p.display()));
            }
        }
        Ok(())
    }

    /// The walk over these paths; the report file itself is never searched. With
    /// `--threads N`, the rayon pool (messages of a large mbox, report rendering) gets N
    /// threads too.
    pub(super) fn options(&self, output: &OutputArgs) -> WalkOptions {
        if self.threads > 0 {
            // Fails only when the pool already exists (a second call): it keeps its size.
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(self.threads)
                .build_global();
        }
        WalkOptions {
            roots: distinct_roots(&self.paths),
            excludes: self.exclude.clone(),
            exclude_paths: output.output.iter().cloned().collect(),
            max_filesize: self.max_filesize,
            follow_symlinks: self.follow_symlinks,
            threads: self.threads,
            shard: None,
        }
    }

    /// The report header for a run over these paths, starting now.
    pub(super) fn header(&self, schema_version: &str) -> Header {
        Header {
            schema_version: schema_version.into(),
            tool: Tool::current(),
            roots: self
                .paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        }
    }
}

impl OutputArgs {
    /// The report file, or standard output.
    pub(super) fn open(&self) -> Result<Box<dyn Write>, String> {
        open_output(self.output.as_deref())
    }
}

/// The report destination: FILE, or standard output, written on a thread of its own while
/// the report is made ([`BackgroundWriter`]).
pub(super) fn open_output(path: Option<&std::path::Path>) -> Result<Box<dyn Write>, String> {
    let writer = match path {
        Some(path) => {
            let file = open_report_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
            BackgroundWriter::preparing(file, empty_regular_file)
        }
        None => BackgroundWriter::new(io::stdout()),
    };
    Ok(Box::new(writer.map_err(|e| {
        format!("cannot start the report writer: {e}")
    })?))
}

/// The report file, opened for writing (created if missing) but not yet emptied: that is
/// [`empty_regular_file`]'s work, on the writer's thread.
fn open_report_file(path: &std::path::Path) -> io::Result<File> {
    File::options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Empties the report file as [`File::create`] would, but on the writer's thread while the
/// scan runs, before anything is written: emptying a large earlier report (the kernel frees
/// its cached pages) took 20 ms, a fifth of a rescan writing an 80 MB report. A run that
/// writes nothing still leaves the file empty. Only a regular file is emptied (a device or a
/// pipe has no length to set).
fn empty_regular_file(file: &mut File) -> io::Result<()> {
    match file.metadata()?.is_file() {
        true => file.set_len(0),
        false => Ok(()),
    }
}

/// The roots without those already inside another root (`scan d d/b.txt` scans b.txt once).
fn distinct_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let canonical: Vec<Option<PathBuf>> = paths.iter().map(|p| p.canonicalize().ok()).collect();
    paths
        .iter()
        .enumerate()
        .filter(|&(i, _)| {
            let Some(me) = &canonical[i] else {
                return true;
            };
            !canonical.iter().enumerate().any(|(j, other)| {
                other
                    .as_ref()
                    .is_some_and(|o| (me.starts_with(o) && me != o) || (me == o && j < i))
            })
        })
        .map(|(_, p)| p.clone())
        .collect()
}

/// The documented exit code for a finished run: whether every file was read, and whether
/// anything was found.
pub(super) fn exit_code(complete: bool, found: bool) -> i32 {
    match (complete, found) {
        (true, false) => exit::CLEAN,
        (true, true) => exit::FINDINGS,
        (false, false) => exit::INCOMPLETE,
        (false, true) => exit::INCOMPLETE_WITH_FINDINGS,
    }
}

/// The exit code of a run, or [`exit::FATAL`] with the message on standard error.
pub(super) fn or_fatal(result: Result<i32, String>) -> i32 {
    result.unwrap_or_else(|message| {
        eprintln!("sporhund: {message}");
        exit::FATAL
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_file_replaces_what_was_there_also_when_nothing_is_written() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("report.json");
        std::fs::write(&path, "x".repeat(100_000)).unwrap();
        {
            let mut out = open_output(Some(&path)).unwrap();
            out.write_all(b"{}\n").unwrap();
            out.flush().unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
        drop(open_output(Some(&path)).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"");
        // Not a regular file: written to, never emptied.
        #[cfg(unix)]
        {
            let mut null = open_output(Some(std::path::Path::new("/dev/null"))).unwrap();
            null.write_all(b"report").unwrap();
            null.flush().unwrap();
        }
    }
}

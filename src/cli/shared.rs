//! What `scan` and `find` do alike: check the paths, build the walk options and report
//! header, open the output, and turn totals into the documented exit code.

use std::fs::File;
use std::io::{self, Write};
use std::path::PathBuf;

use super::{exit, OutputArgs, WalkArgs};
use crate::report::background::{BackgroundWriter, Destination};
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
    pub(super) fn open(&self) -> Result<BackgroundWriter, String> {
        open_output(self.output.as_deref())
    }
}

/// The report destination: FILE, or standard output, written on a thread of its own while
/// the report is made ([`BackgroundWriter`]). [`BackgroundWriter::finish`] ends the report
/// (for a file, sets its length to what was written) and says whether all of it was written.
pub(super) fn open_output(path: Option<&std::path::Path>) -> Result<BackgroundWriter, String> {
    let writer = match path {
        Some(path) => {
            let file = ReportFile::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            BackgroundWriter::new(file)
        }
        None => BackgroundWriter::new(io::stdout()),
    };
    writer.map_err(|e| format!("cannot start the report writer: {e}"))
}

/// A report file, written over from its start; when finished, cut to what was written.
///
/// The earlier report is not emptied first (as [`File::create`] would): a nightly scan writes
/// over a report of about the same size, and on ext4 writing into a file's blocks is about a
/// third of the cost of emptying it, writing it afresh and closing it (26 MB: 5 ms against
/// 10–17 ms, most of it the kernel freeing the blocks, allocating them again and, because the
/// file was emptied, flushing it when it is closed). Until the report is finished the file
/// holds the new report followed by the end of the old one, so it is invalid either way while
/// a scan runs. Only a regular file is cut (a device or a pipe has no length).
struct ReportFile(File);

impl ReportFile {
    /// Opens `path` for writing (created if missing), nothing of it changed yet.
    fn open(path: &std::path::Path) -> io::Result<ReportFile> {
        let file = File::options()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        Ok(ReportFile(file))
    }
}

impl Write for ReportFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write(bytes)
    }

    fn write_vectored(&mut self, slices: &[io::IoSlice<'_>]) -> io::Result<usize> {
        self.0.write_vectored(slices)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Destination for ReportFile {
    /// Cuts what is left of an earlier, longer report: the file ends where writing did.
    fn finish(&mut self) -> io::Result<()> {
        let metadata = self.0.metadata()?;
        if !metadata.is_file() {
            return Ok(());
        }
        let written = io::Seek::stream_position(&mut self.0)?;
        if metadata.len() != written {
            self.0.set_len(written)?;
        }
        Ok(())
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

    /// Whatever the earlier file held (longer, shorter, nothing), the finished report file
    /// holds exactly the new report, also when parts of it are written from the caller's
    /// thread (large writes) and also when nothing is written.
    #[test]
    fn a_report_file_replaces_what_was_there_also_when_nothing_is_written() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("report.json");
        let large: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let reports: [&[u8]; 5] = [b"{}\n", &large, b"short", &large[..1_000_001], b""];
        for old in [&b""[..], &b"x".repeat(100_000), &large] {
            for new in reports {
                std::fs::write(&path, old).unwrap();
                let mut out = open_output(Some(&path)).unwrap();
                for piece in new.chunks(700_000) {
                    out.write_all(&piece[..10.min(piece.len())]).unwrap();
                    out.write_all(&piece[10.min(piece.len())..]).unwrap();
                }
                out.finish().unwrap();
                let got = std::fs::read(&path).unwrap();
                assert!(got == new, "{} bytes over {}", new.len(), old.len());
            }
        }
        drop(open_output(Some(&path)).unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"");
        // Not a regular file: written to, never cut.
        #[cfg(unix)]
        {
            let mut null = open_output(Some(std::path::Path::new("/dev/null"))).unwrap();
            null.write_all(b"report").unwrap();
            null.finish().unwrap();
        }
    }
}

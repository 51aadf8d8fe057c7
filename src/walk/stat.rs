//! The stat of each file the walk finds ([`FileStat`]), taken relative to its directory.
//!
//! A stat by the file's whole path (as the `ignore` crate's walker did) has the kernel look up
//! every component again for every file, which was about a third of the cost of a stat (and
//! a stat is a fifth of a rescan's CPU time on many small files). Each walker thread instead keeps
//! its current directory open ([`DirStatter`]) and stats the file's name in it (`fstatat`),
//! so one component is looked up, however deep the tree.

use std::path::Path;
#[cfg(target_os = "linux")]
use std::path::PathBuf;
#[cfg(target_os = "linux")]
use std::time::Duration;
use std::time::SystemTime;

/// What the walk's stat of a file says: what the scan (size) and the cache (identity and
/// times) need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    /// Size in bytes.
    pub len: u64,
    /// Modification time (`None` where the platform has none).
    pub modified: Option<SystemTime>,
    /// Device of the file system (0 where unknown).
    pub dev: u64,
    /// Inode number (0 where unknown).
    pub ino: u64,
    /// Status change time in nanoseconds since the Unix epoch: it moves on every write and
    /// cannot be set back (0 where unknown).
    pub ctime_ns: i64,
}

impl FileStat {
    /// The stat in `m`.
    pub fn of(m: &std::fs::Metadata) -> FileStat {
        #[cfg(unix)]
        let (dev, ino, ctime_ns) = {
            use std::os::unix::fs::MetadataExt;
            (
                m.dev(),
                m.ino(),
                m.ctime().saturating_mul(1_000_000_000) + m.ctime_nsec(),
            )
        };
        #[cfg(not(unix))]
        let (dev, ino, ctime_ns) = (0, 0, 0);
        FileStat {
            len: m.len(),
            modified: m.modified().ok(),
            dev,
            ino,
            ctime_ns,
        }
    }

    /// The stat of the file at `path`, following a final symbolic link only with `follow`.
    pub fn of_path(path: &Path, follow: bool) -> std::io::Result<FileStat> {
        let m = match follow {
            true => std::fs::metadata(path)?,
            false => std::fs::symlink_metadata(path)?,
        };
        Ok(FileStat::of(&m))
    }

    /// The stat in `s` (field types differ between platforms: the casts are no-ops on some).
    #[cfg(target_os = "linux")]
    #[allow(clippy::unnecessary_cast)]
    fn of_rustix(s: &rustix::fs::Stat) -> FileStat {
        let ns = |secs: i64, nanos: i64| secs.saturating_mul(1_000_000_000) + nanos;
        let mtime_ns = ns(s.st_mtime as i64, s.st_mtime_nsec as i64);
        FileStat {
            len: s.st_size as u64,
            modified: Some(match u64::try_from(mtime_ns) {
                Ok(after) => SystemTime::UNIX_EPOCH + Duration::from_nanos(after),
                Err(_) => SystemTime::UNIX_EPOCH - Duration::from_nanos(mtime_ns.unsigned_abs()),
            }),
            dev: s.st_dev as u64,
            ino: s.st_ino as u64,
            ctime_ns: ns(s.st_ctime as i64, s.st_ctime_nsec as i64),
        }
    }
}

/// Stats files relative to the directory they are in, keeping the last directory open (one
/// per walker thread).
#[derive(Default)]
pub struct DirStatter {
    #[cfg(target_os = "linux")]
    dir: Option<(PathBuf, rustix::fd::OwnedFd)>,
}

impl DirStatter {
    /// The stat of the file at `path` (following a final symbolic link only with `follow`):
    /// by its name in its directory, kept open for the next file; by its whole path when the
    /// directory cannot be opened (or on platforms without `fstatat`).
    pub fn stat(&mut self, path: &Path, follow: bool) -> std::io::Result<FileStat> {
        #[cfg(target_os = "linux")]
        if let (Some(dir), Some(name)) = (path.parent(), path.file_name()) {
            use rustix::fs::{statat, AtFlags};
            let flags = match follow {
                true => AtFlags::empty(),
                false => AtFlags::SYMLINK_NOFOLLOW,
            };
            if let Some(fd) = self.open(dir) {
                return match statat(fd, name, flags) {
                    Ok(s) => Ok(FileStat::of_rustix(&s)),
                    Err(e) => Err(e.into()),
                };
            }
        }
        FileStat::of_path(path, follow)
    }

    /// The open directory `dir` (the one kept, or newly opened in its place); `None` when it
    /// cannot be opened.
    #[cfg(target_os = "linux")]
    fn open(&mut self, dir: &Path) -> Option<&rustix::fd::OwnedFd> {
        use rustix::fs::{open, Mode, OFlags};
        if self.dir.as_ref().is_none_or(|(kept, _)| kept != dir) {
            let at = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            // O_PATH: only names are looked up in it (no read permission needed, as a stat
            // by path needs none).
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = open(at, flags, Mode::empty()).ok()?;
            self.dir = Some((dir.to_path_buf(), fd));
        }
        self.dir.as_ref().map(|(_, fd)| fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative to its directory or by its whole path, a file's stat is the same: files in
    /// several directories (the kept one changes), a link followed or not, a relative path,
    /// and a file that does not exist (an error, as by path).
    #[test]
    fn the_stat_in_the_directory_is_the_stat_by_path() {
        let d = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for dir in ["a", "a/b", "c"] {
            std::fs::create_dir_all(d.path().join(dir)).unwrap();
            for (i, name) in ["x.txt", "y"].iter().enumerate() {
                let p = d.path().join(dir).join(name);
                std::fs::write(&p, "z".repeat(i * 100 + dir.len())).unwrap();
                paths.push(p);
            }
        }
        #[cfg(unix)]
        {
            let link = d.path().join("c/link");
            std::os::unix::fs::symlink(d.path().join("a/x.txt"), &link).unwrap();
            paths.push(link);
        }
        let mut statter = DirStatter::default();
        for follow in [false, true] {
            for p in paths.iter().chain(paths.iter().rev()) {
                let want = FileStat::of_path(p, follow).unwrap();
                assert_eq!(statter.stat(p, follow).unwrap(), want, "{}", p.display());
            }
        }
        let missing = d.path().join("a/missing");
        assert!(statter.stat(&missing, false).is_err());
        let here = std::env::current_dir().unwrap();
        let relative = Path::new("Cargo.toml");
        assert_eq!(
            statter.stat(relative, false).unwrap(),
            FileStat::of_path(&here.join("Cargo.toml"), false).unwrap()
        );
    }
}

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

/// The directory `path` is in and its file name, as [`Path::parent`] and [`Path::file_name`]
/// give them (`""` for a bare name's directory, `/` for a name at the root); `None` when `path`
/// has no file name. The walk's paths end in a plain name: that is split off at the last `/`,
/// where the two calls would each parse the path's components back from its end (a few
/// percent of a rescan's CPU time, twice a file). A path ending otherwise (in `.`, `..` or a
/// `/`) takes the slow way. The directory may then keep a repeated `/` (`a//b` gives `a/`),
/// which names the same directory.
pub fn dir_and_name(path: &Path) -> Option<(&Path, &std::ffi::OsStr)> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = path.as_os_str().as_bytes();
        // From the end, byte by byte: a name is short (a vectorised search was 1.6 % of a
        // rescan's CPU time).
        let at = bytes
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(0, |slash| slash + 1);
        let name = &bytes[at..];
        if !matches!(name, b"" | b"." | b"..") {
            let dir = match at {
                0 => &b""[..],
                1 => &b"/"[..],
                _ => &bytes[..at - 1],
            };
            let os = |b| std::ffi::OsStr::from_bytes(b);
            return Some((Path::new(os(dir)), os(name)));
        }
    }
    Some((path.parent()?, path.file_name()?))
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
        if let Some((dir, name)) = dir_and_name(path) {
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

    /// Split at the last `/`, a path's directory and name are what `parent` and `file_name`
    /// say, on any path; a repeated `/` before the name stays in the directory.
    #[test]
    fn directory_and_name_are_parent_and_file_name() {
        let paths = [
            "a/b.txt", "b.txt", "/b", "//b", "./b", "../b", "a/./b", "a/../b", "/", "", ".", "..",
            "a/", "a/.", "a/..", "a/b/", "a//", ".hidden", "a/.b", "a/..b", "dir/b c",
        ];
        for p in paths.map(Path::new) {
            let want = p.parent().zip(p.file_name());
            assert_eq!(dir_and_name(p), want, "{p:?}");
        }
        #[cfg(unix)]
        {
            let (dir, name) = dir_and_name(Path::new("a//b")).unwrap();
            assert_eq!((dir, name), (Path::new("a/"), std::ffi::OsStr::new("b")));
            assert_eq!(dir, Path::new("a"), "the same directory");
        }
    }

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

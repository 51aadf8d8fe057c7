//! The texts file's seal: what its stat was when the scan that last wrote it ended, recorded
//! in the database. A texts file whose stat is still that one has not been written since, so
//! its texts need no CRC check as a report copies them (the check was a tenth of a rescan of
//! many small files); one with another stat has its texts checked one by one as before.
//!
//! Sealing sets the file's modification time to two whole seconds before the moment of
//! sealing, then records size, both times, device and inode. Any later write moves the
//! modification time to the time of that write, never back to a moment before the seal (a
//! write within the same tick of the clock as the last one of the sealing scan included, at
//! any timestamp granularity up to the 2 s of FAT), and any change of the times by hand moves
//! the status-change time, which no program can set. So a match means the bytes are those
//! the sealing scan left, short of someone writing the block device under the file system
//! (which the cache trusts for scanned files too, see the module docs of [`super`]).

use std::fs::File;
use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Bytes of an encoded [`Seal`].
const SEAL_LEN: usize = 16 + 8 * 7;

/// The stat of a sealed texts file, and its identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seal {
    /// Identity of the texts file (from its header).
    pub id: [u8; 16],
    stamp: Stamp,
}

/// What the seal compares: length, modification and status-change times (seconds and
/// nanoseconds), device and inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp([u64; 7]);

impl Seal {
    /// Seals `file` (texts file `id`): sets its modification time (see the module docs) and
    /// returns its stat. An error where the platform has no status-change time.
    pub fn make(file: &File, id: [u8; 16]) -> io::Result<Seal> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let before = Duration::from_secs(now.as_secs().saturating_sub(2));
        file.set_modified(UNIX_EPOCH + before)?;
        Ok(Seal {
            id,
            stamp: Stamp::of(file)?,
        })
    }

    /// Whether `file` (texts file `id`) is as it was sealed.
    pub fn matches(&self, file: &File, id: [u8; 16]) -> bool {
        self.id == id && Stamp::of(file).is_ok_and(|s| s == self.stamp)
    }

    /// Length of the file when it was sealed.
    pub fn file_len(&self) -> u64 {
        self.stamp.0[0]
    }

    /// The seal as stored in the database.
    pub fn encode(&self) -> [u8; SEAL_LEN] {
        let mut out = [0u8; SEAL_LEN];
        out[..16].copy_from_slice(&self.id);
        for (i, v) in self.stamp.0.iter().enumerate() {
            out[16 + 8 * i..24 + 8 * i].copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// A stored seal; `None` when it is not one.
    pub fn decode(bytes: &[u8]) -> Option<Seal> {
        if bytes.len() != SEAL_LEN {
            return None;
        }
        let word = |i: usize| u64::from_le_bytes(bytes[16 + 8 * i..24 + 8 * i].try_into().unwrap());
        Some(Seal {
            id: bytes[..16].try_into().ok()?,
            stamp: Stamp(std::array::from_fn(word)),
        })
    }
}

impl Stamp {
    #[cfg(unix)]
    fn of(file: &File) -> io::Result<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let m = file.metadata()?;
        Ok(Stamp([
            m.len(),
            m.mtime() as u64,
            m.mtime_nsec() as u64,
            m.ctime() as u64,
            m.ctime_nsec() as u64,
            m.dev(),
            m.ino(),
        ]))
    }

    /// Without a status-change time a file's times can be set back unnoticed: never sealed.
    #[cfg(not(unix))]
    fn of(_file: &File) -> io::Result<Stamp> {
        Err(io::Error::other("no status-change time on this platform"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    #[cfg(unix)]
    fn a_seal_holds_until_the_file_is_written_or_its_times_set() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("t");
        std::fs::write(&path, b"texts").unwrap();
        let file = File::options().read(true).write(true).open(&path).unwrap();
        let id = [3; 16];
        let seal = Seal::make(&file, id).unwrap();
        assert_eq!(Seal::decode(&seal.encode()), Some(seal));
        assert_eq!(Seal::decode(&[0; 10]), None);
        assert_eq!(seal.file_len(), 5);
        let reopened = File::open(&path).unwrap();
        assert!(seal.matches(&reopened, id));
        assert!(!seal.matches(&reopened, [4; 16]), "another texts file");
        // One byte changed in place at once, within the same tick of the clock as the seal:
        // the write sets the modification time to now, which the seal's (two seconds back)
        // never is.
        (&file).write_all(b"X").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"Xexts");
        assert!(!seal.matches(&reopened, id));
        // Sealed again, then appended to.
        let seal = Seal::make(&file, id).unwrap();
        assert!(seal.matches(&reopened, id));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"more")
            .unwrap();
        assert!(!seal.matches(&reopened, id));
        // Sealed again, then its modification time set back to the sealed one by hand.
        let seal = Seal::make(&file, id).unwrap();
        let sealed_mtime = file.metadata().unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        file.set_modified(sealed_mtime).unwrap();
        assert!(!seal.matches(&reopened, id), "the status-change time moved");
    }
}

//! Positioned reads from the store: a .pst can be tens of gigabytes, so it is never read whole.

use std::fs::File;

use crate::extract::{open_read_only, ExtractError, Input};

/// Where the store's bytes are read from.
pub enum Source<'a> {
    /// A file on disk, opened read-only, read with positioned reads.
    File {
        /// The open file.
        file: File,
        /// Its length in bytes.
        len: u64,
    },
    /// A store held in memory (an attachment inside another container).
    Bytes(&'a [u8]),
}

impl<'a> Source<'a> {
    /// Opens `input` for positioned reads.
    pub fn open(input: Input<'a>) -> Result<Self, ExtractError> {
        match input {
            Input::Bytes(b) => Ok(Source::Bytes(b)),
            Input::File(path) => {
                let file = open_read_only(path)?;
                let len = file.metadata()?.len();
                Ok(Source::File { file, len })
            }
        }
    }

    /// The size of the store in bytes.
    pub fn size(&self) -> u64 {
        match self {
            Source::File { len, .. } => *len,
            Source::Bytes(b) => b.len() as u64,
        }
    }

    /// Exactly `len` bytes at `offset`, or an error when they are not all in the store.
    pub fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, ExtractError> {
        let end = offset.checked_add(len as u64);
        if end.is_none_or(|end| end > self.size()) {
            return Err(ExtractError::Corrupt(format!(
                "{len} bytes at offset {offset} lie past the end of the store ({} bytes)",
                self.size()
            )));
        }
        match self {
            Source::Bytes(b) => Ok(b[offset as usize..offset as usize + len].to_vec()),
            Source::File { file, .. } => {
                let mut buf = vec![0u8; len];
                read_exact_at(file, &mut buf, offset)?;
                Ok(buf)
            }
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inside_the_store_and_refuses_reads_past_its_end() {
        let data = b"0123456789";
        let s = Source::Bytes(data);
        assert_eq!(s.read_at(2, 3).unwrap(), b"234");
        assert!(s.read_at(8, 3).is_err());
        assert!(s.read_at(u64::MAX, 2).is_err());

        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut tmp, data).unwrap();
        let f = Source::open(Input::File(tmp.path())).unwrap();
        assert_eq!(f.size(), 10);
        assert_eq!(f.read_at(7, 3).unwrap(), b"789");
        assert!(f.read_at(7, 4).is_err());
    }
}

//! Zip members read whole with one inflater for the whole archive (a workbook, an Office
//! document, a zip).
//!
//! zip's own reader sets up a new inflater (and its buffers) for every member it opens; for
//! the small workbooks and documents attached to mail, with a dozen small parts each, that
//! set-up cost more than inflating. A small member stored or deflated is instead inflated here, into a buffer
//! reused from member to member, by an inflater that is reset between members. It is used
//! only when it inflates to exactly the declared size with the declared CRC: then zip's
//! reader would have read the very same bytes without an error. Any other member (large,
//! encrypted, another method, damaged) is read by zip's reader as before, so it fails the
//! same way.

use std::io::{self, BufRead, BufReader, Read, Seek};

use flate2::{Crc, Decompress, FlushDecompress, Status};
use zip::read::ZipFile;
use zip::result::ZipResult;
use zip::{CompressionMethod, ZipArchive};

/// Members up to this size (inflated, and packed) are read whole; larger ones (a big sheet or
/// ods `content.xml`) are streamed, so memory stays bounded by this, not by the member.
const WHOLE_MAX: u64 = 1 << 20;

/// The inflater and buffers shared by the members of one archive.
pub struct Members {
    inflater: Decompress,
    packed: Vec<u8>,
    content: Vec<u8>,
}

impl Default for Members {
    fn default() -> Self {
        Members {
            inflater: Decompress::new(false),
            packed: Vec::new(),
            content: Vec::new(),
        }
    }
}

/// An open member: read whole, or streamed by zip's reader.
pub enum Member<'a, R: Read + Seek> {
    /// The whole content (what is left of it).
    Whole(&'a [u8]),
    /// Streamed and checked by zip's reader (boxed: the rare case, and a large one).
    Stream(Box<BufReader<ZipFile<'a, R>>>),
}

impl Members {
    /// Opens the member at `index` of `zip`.
    pub fn open<'a, R: Read + Seek>(
        &'a mut self,
        zip: &'a mut ZipArchive<R>,
        index: usize,
    ) -> ZipResult<Member<'a, R>> {
        if self.read_whole(zip, index) {
            return Ok(Member::Whole(&self.content));
        }
        Ok(Member::Stream(Box::new(BufReader::new(
            zip.by_index(index)?,
        ))))
    }

    /// Reads the member at `index` into `content` when it is small, stored or deflated, and
    /// inflates to its declared size and CRC; false otherwise.
    fn read_whole<R: Read + Seek>(&mut self, zip: &mut ZipArchive<R>, index: usize) -> bool {
        let Ok(mut raw) = zip.by_index_raw(index) else {
            return false;
        };
        let (size, method, crc) = (raw.size(), raw.compression(), raw.crc32());
        if raw.encrypted() || size > WHOLE_MAX || raw.compressed_size() > WHOLE_MAX {
            return false;
        }
        self.packed.clear();
        if raw.read_to_end(&mut self.packed).is_err() {
            return false;
        }
        self.content.clear();
        match method {
            CompressionMethod::Stored => self.content.extend_from_slice(&self.packed),
            CompressionMethod::Deflated => {
                self.inflater.reset(false);
                // One byte more than declared, so a member that inflates to more is noticed.
                self.content.reserve(size as usize + 1);
                let inflated = self.inflater.decompress_vec(
                    &self.packed,
                    &mut self.content,
                    FlushDecompress::Finish,
                );
                if !matches!(inflated, Ok(Status::StreamEnd)) {
                    return false;
                }
            }
            _ => return false,
        }
        let mut check = Crc::new();
        check.update(&self.content);
        self.content.len() as u64 == size && check.sum() == crc
    }
}

impl<R: Read + Seek> Read for Member<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Member::Whole(rest) => rest.read(buf),
            Member::Stream(stream) => stream.read(buf),
        }
    }
}

impl<R: Read + Seek> BufRead for Member<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Member::Whole(rest) => Ok(rest),
            Member::Stream(stream) => stream.fill_buf(),
        }
    }

    fn consume(&mut self, n: usize) {
        match self {
            Member::Whole(rest) => rest.consume(n),
            Member::Stream(stream) => stream.consume(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;

    fn archive(members: &[(&str, &[u8], CompressionMethod)]) -> ZipArchive<Cursor<Vec<u8>>> {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, bytes, method) in members {
            let options = SimpleFileOptions::default().compression_method(*method);
            w.start_file(*name, options).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
        ZipArchive::new(Cursor::new(out.into_inner())).unwrap()
    }

    fn content(
        members: &mut Members,
        zip: &mut ZipArchive<Cursor<Vec<u8>>>,
        i: usize,
    ) -> (bool, Vec<u8>) {
        let mut member = members.open(zip, i).unwrap();
        let whole = matches!(member, Member::Whole(_));
        let mut out = Vec::new();
        member.read_to_end(&mut out).unwrap();
        (whole, out)
    }

    #[test]
    fn small_members_are_read_whole_with_one_inflater() {
        let text = "<sst><si><t>Kari Nordmann</t></si></sst>".repeat(50);
        let mut zip = archive(&[
            ("a.xml", text.as_bytes(), CompressionMethod::Deflated),
            ("b.xml", b"<b/>", CompressionMethod::Stored),
            ("c.xml", b"", CompressionMethod::Deflated),
            ("d.xml", text.as_bytes(), CompressionMethod::Deflated),
        ]);
        let mut members = Members::default();
        assert_eq!(
            content(&mut members, &mut zip, 0),
            (true, text.as_bytes().to_vec())
        );
        assert_eq!(content(&mut members, &mut zip, 1), (true, b"<b/>".to_vec()));
        assert_eq!(content(&mut members, &mut zip, 2), (true, Vec::new()));
        assert_eq!(
            content(&mut members, &mut zip, 3),
            (true, text.as_bytes().to_vec())
        );
    }

    #[test]
    fn damaged_members_are_left_to_zips_reader() {
        let text = "<row><c r=\"A1\"><v>15108695088</v></c></row>".repeat(40);
        let zip = archive(&[("s.xml", text.as_bytes(), CompressionMethod::Deflated)]);
        let mut bytes = zip.into_inner().into_inner();
        // Flip a bit in the deflate data (it starts after the 30-byte header and the name).
        bytes[30 + 5 + 10] ^= 0x10;
        let mut zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut members = Members::default();
        let mut member = members.open(&mut zip, 0).unwrap();
        assert!(matches!(member, Member::Stream(_)));
        let mut out = Vec::new();
        assert!(member.read_to_end(&mut out).is_err() || out != text.as_bytes());
    }
}

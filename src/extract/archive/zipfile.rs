//! Zip archives: every member goes back through the dispatcher, so zip in zip in zip, a
//! docx in a zip, or a tar.gz in a zip are all read, each one step deeper in the location.
//!
//! A zip on disk is read member by member through its central directory (never whole into
//! memory); each member is decompressed into memory within the [`Limits`] (see
//! [`super::bounded`]). [`ZipReader`] is shared with the Office extractors.

use std::io::{BufReader, Read};

use ::zip::result::ZipError;
use ::zip::ZipArchive;

use super::bounded::{check_declared, Bounded, MemberError};
use super::cp865;
use super::members::Members;
use crate::extract::sniff::ReadSeek;
use crate::extract::{Budget, Context, ExtractError, Extractor, Format, Input, Limits};
use crate::location::Step;

/// What the central directory says about one member.
#[derive(Debug, Clone)]
pub struct Member {
    /// Position in the central directory.
    pub index: usize,
    /// Path inside the archive, decoded (UTF-8 or CP865).
    pub name: String,
    /// Declared decompressed size.
    pub size: u64,
    /// Declared compressed size.
    pub compressed: u64,
    /// Password-protected.
    pub encrypted: bool,
    /// A directory or symbolic link: nothing to read.
    pub is_dir: bool,
}

type Archive<'a> = ZipArchive<BufReader<Box<dyn ReadSeek + 'a>>>;

/// A zip archive open for reading members within the limits.
pub struct ZipReader<'a> {
    archive: Archive<'a>,
    members: Vec<Member>,
    /// Small members are inflated whole, by one inflater for the archive.
    reader: Members,
}

impl<'a> ZipReader<'a> {
    /// Opens `input` (a file on disk is read through its directory, not loaded).
    pub fn open(input: Input<'a>) -> Result<Self, ExtractError> {
        let reader = BufReader::new(input.open_seekable()?);
        let archive = ZipArchive::new(reader).map_err(|e| match e {
            ZipError::Io(e) => ExtractError::Io(e),
            e => ExtractError::Corrupt(format!("not a readable zip archive: {e}")),
        })?;
        let members = (0..archive.len())
            .map(|index| describe(&archive, index))
            .collect();
        Ok(ZipReader {
            archive,
            members,
            reader: Members::default(),
        })
    }

    /// Every member, in central-directory order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The member stored under exactly `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// A reader of the decompressed member, after checking its declared sizes; it stops at
    /// the member size and ratio limits and charges `budget`. A small member is inflated
    /// whole first when it inflates to its declared size and CRC ([`Members`]); any other is
    /// streamed by zip's reader, so it fails as it always did.
    pub fn open_member<'s>(
        &'s mut self,
        member: &Member,
        limits: &Limits,
        budget: &'s Budget,
    ) -> Result<Bounded<'s, impl Read + use<'s, 'a>>, MemberError> {
        if member.encrypted {
            return Err(ExtractError::Encrypted("password-protected zip member".into()).into());
        }
        check_declared(limits, budget, member.size, Some(member.compressed))?;
        let file = self
            .reader
            .open(&mut self.archive, member.index)
            .map_err(member_error)?;
        Ok(Bounded::new(
            file,
            limits,
            Some(member.compressed),
            limits.max_member_bytes,
            Some(budget),
        ))
    }

    /// The decompressed member in memory, within the limits.
    pub fn read_member(
        &mut self,
        member: &Member,
        limits: &Limits,
        budget: &Budget,
    ) -> Result<Vec<u8>, MemberError> {
        self.open_member(member, limits, budget)?
            .read_to_vec(member.size)
    }
}

fn describe(archive: &Archive<'_>, index: usize) -> Member {
    match archive.by_index_data(index) {
        Ok(entry) => Member {
            index,
            name: cp865::member_name(entry.name_raw(), utf8_flag(entry.flags().as_u16())),
            size: entry.size(),
            compressed: entry.compressed_size(),
            encrypted: entry.encrypted(),
            is_dir: entry.is_dir() || entry.is_symlink(),
        },
        // Not reachable for an archive that opened; read it to get the real error.
        Err(_) => Member {
            index,
            name: format!("#{}", index + 1),
            size: 0,
            compressed: 0,
            encrypted: false,
            is_dir: false,
        },
    }
}

/// The language-encoding flag (bit 11): the name is UTF-8.
fn utf8_flag(flags: u16) -> bool {
    flags & 0x0800 != 0
}

/// A zip error about one member.
fn member_error(e: ZipError) -> MemberError {
    MemberError::Failed(match e {
        ZipError::UnsupportedArchive(m) if m == ZipError::PASSWORD_REQUIRED => {
            ExtractError::Encrypted("password-protected zip member".into())
        }
        ZipError::UnsupportedArchive(m) => ExtractError::Unsupported(format!("zip member: {m}")),
        ZipError::CompressionMethodNotSupported(m) => {
            ExtractError::Unsupported(format!("zip compression method {m}"))
        }
        e => ExtractError::Corrupt(format!("zip member: {e}")),
    })
}

/// Plain zip archives (not Office documents, which [`crate::extract::office`] reads).
pub struct ZipExtractor;

impl Extractor for ZipExtractor {
    fn name(&self) -> &'static str {
        "zip"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Zip]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        _format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        let mut zip = ZipReader::open(input)?;
        let members = zip.members().to_vec();
        let files: Vec<&Member> = members.iter().filter(|m| !m.is_dir).collect();
        for (n, member) in files.iter().enumerate() {
            let step = Step::Entry {
                name: member.name.clone(),
            };
            match zip.read_member(member, &ctx.dispatcher.limits, ctx.budget) {
                Ok(data) => ctx.recurse(step, &data),
                Err(MemberError::Failed(e)) => ctx.error(Some(step), &e),
                Err(MemberError::Stop(e)) => {
                    ctx.error(Some(step), &with_rest(e, files.len() - n - 1));
                    break;
                }
            }
        }
        Ok(())
    }
}

/// Adds how many members were left unread to an out-of-budget error.
pub fn with_rest(e: ExtractError, rest: usize) -> ExtractError {
    match e {
        ExtractError::Limit(m) if rest > 0 => {
            ExtractError::Limit(format!("{m} ({rest} more members not read)"))
        }
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            w.start_file(*name, ::zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn members_are_listed_and_read() {
        let data = zip_of(&[("a/b.txt", b"hei"), ("c.txt", b"hallo")]);
        let mut z = ZipReader::open(Input::Bytes(&data)).unwrap();
        let names: Vec<_> = z.members().iter().map(|m| m.name.clone()).collect();
        assert_eq!(names, ["a/b.txt", "c.txt"]);
        let m = z.member("c.txt").unwrap().clone();
        let budget = Budget::new(1 << 20);
        let bytes = z.read_member(&m, &Limits::default(), &budget).unwrap();
        assert_eq!(bytes, b"hallo");
    }

    #[test]
    fn garbage_is_corrupt() {
        let e = ZipReader::open(Input::Bytes(b"PK\x03\x04 not really"))
            .err()
            .unwrap();
        assert!(matches!(e, ExtractError::Corrupt(_)), "{e:?}");
    }
}

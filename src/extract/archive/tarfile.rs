//! tar archives: each regular file member goes back through the dispatcher. The archive is
//! streamed (from disk, or out of a gzip decoder for `.tar.gz`); only one member at a time is
//! held in memory, within the member size limit.

use std::io::Read;

use super::bounded::{check_declared, read_error, Bounded, MemberError};
use super::zipfile::with_rest;
use crate::extract::{Context, ExtractError, Extractor, Format, Input};
use crate::location::Step;

/// tar archives (`ustar` and GNU).
pub struct TarExtractor;

impl Extractor for TarExtractor {
    fn name(&self) -> &'static str {
        "tar"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Tar]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        _format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        read_tar(input.open()?, ctx)
    }
}

/// Reads the tar stream `reader`, recursing into each regular file member. Members are not
/// charged to the budget here: whatever decompressed the stream (gzip) already charged it.
pub fn read_tar(reader: impl Read, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| ExtractError::Corrupt(format!("tar archive: {e}")))?;
    let mut read_any = false;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            // The stream cannot be followed past a broken header (or a limit of the stream).
            Err(e) => {
                let e = match read_error(&e).into_error() {
                    ExtractError::Corrupt(m) if !read_any => {
                        return Err(ExtractError::Corrupt(format!("tar archive: {m}")))
                    }
                    ExtractError::Corrupt(m) => {
                        ExtractError::Corrupt(format!("tar archive, rest not read: {m}"))
                    }
                    e => e,
                };
                ctx.error(None, &e);
                return Ok(());
            }
        };
        read_any = true;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let step = Step::Entry {
            name: String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
        };
        match read_entry(&mut entry, ctx) {
            Ok(data) => ctx.recurse(step, &data),
            Err(MemberError::Failed(e)) => ctx.error(Some(step), &e),
            Err(MemberError::Stop(e)) => {
                ctx.error(Some(step), &with_rest(e, 0));
                return Ok(());
            }
        }
    }
    Ok(())
}

fn read_entry<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    ctx: &Context<'_>,
) -> Result<Vec<u8>, MemberError> {
    let limits = &ctx.dispatcher.limits;
    let size = entry.size();
    check_declared(limits, ctx.budget, size, None)?;
    Bounded::new(entry, limits, None, limits.max_member_bytes, None).read_to_vec(size)
}

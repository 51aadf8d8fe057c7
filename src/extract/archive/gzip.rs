//! gzip: the decompressed data is one member, named after the file without `.gz` (`.tgz`
//! becomes `.tar`), and goes back through the dispatcher. A `.tar.gz` is streamed straight into
//! the tar reader, so only one tar member at a time is in memory.
//!
//! Bounds: the size in the gzip trailer (ISIZE, modulo 4 GiB: a hint only) is checked against
//! the ratio limit before anything is decompressed; while reading, the output is capped at the
//! ratio limit times the compressed size and charged to the per-file budget, and data held in
//! memory at the member size limit.

use std::io::{self, BufReader, Cursor, Read, Seek, SeekFrom};

use flate2::bufread::MultiGzDecoder;

use super::bounded::{check_ratio, read_error, Bounded, MemberError};
use super::tarfile::read_tar;
use crate::extract::{Context, ExtractError, Extractor, Format, Input, HEAD_LEN};
use crate::location::Step;

/// gzip-compressed data.
pub struct GzipExtractor;

impl Extractor for GzipExtractor {
    fn name(&self) -> &'static str {
        "gzip"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Gzip]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        _format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        let limits = ctx.dispatcher.limits.clone();
        let (compressed, declared) = sizes(input)?;
        check_ratio(&limits, ctx.budget, declared, compressed)?;
        let decoder = MultiGzDecoder::new(BufReader::new(input.open()?));
        let mut stream = Bounded::new(decoder, &limits, Some(compressed), u64::MAX, None);
        let head = read_head(&mut stream)?;
        let name = inner_name(input, ctx, stream.get_ref().header());
        let mut budgeted = Bounded::new(
            Cursor::new(&head).chain(&mut stream),
            &limits,
            None,
            u64::MAX,
            Some(ctx.budget),
        );
        let step = Step::Entry { name };
        if is_tar(&head) {
            let mut child = Context {
                location: ctx.location.child(step),
                sink: &mut *ctx.sink,
                dispatcher: ctx.dispatcher,
                budget: ctx.budget,
            };
            return read_tar(&mut budgeted, &mut child);
        }
        let data = Bounded::new(&mut budgeted, &limits, None, limits.max_member_bytes, None)
            .read_to_vec(0)
            .map_err(MemberError::into_error)?;
        ctx.recurse(step, &data);
        Ok(())
    }
}

/// The compressed size and the decompressed size the trailer declares.
fn sizes(input: Input<'_>) -> Result<(u64, u64), ExtractError> {
    let mut reader = input.open_seekable()?;
    let len = reader.seek(SeekFrom::End(0))?;
    if len < 18 {
        return Err(ExtractError::Corrupt("gzip data too short".into()));
    }
    reader.seek(SeekFrom::End(-4))?;
    let mut isize = [0u8; 4];
    reader.read_exact(&mut isize)?;
    Ok((len, u64::from(u32::from_le_bytes(isize))))
}

/// The first decompressed bytes (enough to sniff a tar header).
fn read_head(stream: &mut impl Read) -> Result<Vec<u8>, ExtractError> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    match stream.take(HEAD_LEN as u64).read_to_end(&mut head) {
        Ok(_) => Ok(head),
        Err(e) => Err(gzip_error(&e)),
    }
}

fn gzip_error(e: &io::Error) -> ExtractError {
    match read_error(e).into_error() {
        ExtractError::Corrupt(m) => ExtractError::Corrupt(format!("gzip: {m}")),
        e => e,
    }
}

fn is_tar(head: &[u8]) -> bool {
    head.len() >= 262 && &head[257..262] == b"ustar"
}

/// The decompressed member's name: the outer name without `.gz`, else the name stored in
/// the gzip header, else the outer name with ` (decompressed)`.
fn inner_name(input: Input<'_>, ctx: &Context<'_>, header: Option<&flate2::GzHeader>) -> String {
    let outer = match input {
        Input::File(path) => path.file_name().map(|n| n.to_string_lossy().into_owned()),
        Input::Bytes(_) => ctx.location.steps().iter().rev().find_map(|s| match s {
            Step::Entry { name } => Some(name.clone()),
            Step::Attachment { filename } => Some(filename.clone()),
            _ => None,
        }),
    }
    .unwrap_or_default();
    let base = outer.rsplit('/').next().unwrap_or_default().to_string();
    if let Some(stripped) = strip_gz(&base) {
        return stripped;
    }
    if let Some(stored) = header.and_then(|h| h.filename()) {
        return String::from_utf8_lossy(stored).into_owned();
    }
    if base.is_empty() {
        "(decompressed)".into()
    } else {
        format!("{base} (decompressed)")
    }
}

fn strip_gz(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let cut = |suffix: &str, add: &str| {
        (lower.ends_with(suffix) && name.len() > suffix.len())
            .then(|| format!("{}{add}", &name[..name.len() - suffix.len()]))
    };
    cut(".tgz", ".tar")
        .or_else(|| cut(".svgz", ".svg"))
        .or_else(|| cut(".gz", ""))
        .or_else(|| cut(".gzip", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_the_gz_suffix() {
        assert_eq!(strip_gz("notat.txt.gz").as_deref(), Some("notat.txt"));
        assert_eq!(strip_gz("backup.TGZ").as_deref(), Some("backup.tar"));
        assert_eq!(strip_gz("x.gzip").as_deref(), Some("x"));
        assert_eq!(strip_gz(".gz"), None);
        assert_eq!(strip_gz("data"), None);
    }
}

//! The compressed-RTF body of Outlook items (`PR_RTF_COMPRESSED`): decompression
//! ([`lzfu`]) and conversion to text ([`text`]).

pub mod lzfu;
pub mod text;

use crate::extract::html::html_to_text;

/// The readable text of a `PR_RTF_COMPRESSED` value: the HTML it encapsulates as text, or
/// the RTF's own text. At most `max_len` bytes are decompressed.
pub fn body_text(compressed: &[u8], max_len: u64) -> Result<String, lzfu::LzfuError> {
    let rtf = lzfu::decompress(compressed, max_len)?;
    Ok(match text::convert(&rtf) {
        text::RtfBody::Text(t) => t,
        text::RtfBody::Html(h) => html_to_text(&h),
    })
}

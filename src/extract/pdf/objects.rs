//! Small helpers for lopdf objects: references, numbers, text strings, streams.

use lopdf::{Dictionary, Document, Object, Stream};

/// Follows references (a few levels) to the object itself; `Null` for a dangling one.
pub fn deref<'a>(doc: &'a Document, mut object: &'a Object) -> &'a Object {
    for _ in 0..8 {
        match object {
            Object::Reference(id) => match doc.get_object(*id) {
                Ok(o) => object = o,
                Err(_) => return &Object::Null,
            },
            _ => return object,
        }
    }
    &Object::Null
}

/// The dictionary an object is or refers to.
pub fn dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    deref(doc, object).as_dict().ok()
}

/// The dictionary under `key` of `dict`, direct or referred to.
pub fn dict_entry<'a>(
    doc: &'a Document,
    dict: &'a Dictionary,
    key: &[u8],
) -> Option<&'a Dictionary> {
    self::dict(doc, dict.get(key).ok()?)
}

/// A finite number.
pub fn number(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
    .filter(|n| n.is_finite())
}

/// A PDF text string (PDFDocEncoding, or UTF-16BE with a byte-order mark) as Unicode.
pub fn text_string(object: &Object) -> Option<String> {
    let Object::String(bytes, _) = object else {
        return None;
    };
    Some(
        lopdf::decode_text_string(object)
            .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
    )
}

/// A stream's content, decompressed to at most `limit` bytes; when a filter fails (and not
/// for size), its raw bytes, which producers sometimes leave unfiltered by mistake.
pub fn content(stream: &Stream, limit: usize) -> Result<Vec<u8>, lopdf::Error> {
    match stream.decompressed_content_with_limit(limit) {
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { limit })) => {
            Err(lopdf::DecompressError::MemoryLimitExceeded { limit }.into())
        }
        Err(_) if stream.content.len() <= limit => Ok(stream.content.clone()),
        other => other,
    }
}

/// The content of the stream an entry refers to, if it can be had within `limit`.
pub fn stream_bytes(doc: &Document, entry: Option<&Object>, limit: usize) -> Option<Vec<u8>> {
    content(deref(doc, entry?).as_stream().ok()?, limit).ok()
}

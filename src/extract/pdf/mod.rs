//! PDF: the text of every page, filled-in form fields, comments, document metadata and
//! attached files.
//!
//! lopdf parses the file (and decrypts it when the user password is empty, which it tries on
//! load); the text is this module's own: [`content`] runs each page's content stream (Form
//! XObjects included) with the fonts of [`font`] (ToUnicode CMaps, Type0/Identity-H, simple
//! encodings with `/Differences`), and [`layout`] puts the pieces into lines, joining text
//! that a font change or kerning splits and breaking words only at real gaps.
//!
//! What a report shows:
//! * page text: `page N › line:column`, lines as they read on the page (top to bottom,
//!   left to right);
//! * a filled-in form field: `form field <name>`, no line (the text is `<label>: <value>`);
//! * a comment (text annotation): `comment on page N`, no line (`<author>: <text>`);
//! * metadata: `metadata Author`, `metadata XMP dc:creator` …, no line;
//! * an attached file: `attachment <name>`, then whatever its own format gives (it goes
//!   through the dispatcher like a zip member);
//! * a page with images but no text: the error "no text layer (image only): needs OCR" at
//!   `page N`; when no page of the file has text, one such error for the whole file (a
//!   scanned document is one problem, not one per page);
//! * a page with text in a composite font that has no Unicode map: an error at `page N`
//!   saying how many characters could not be read (their codes are glyph numbers);
//! * a file that needs a password: the error "encrypted, not scanned: PDF needs a password".

mod attachments;
mod cmap;
mod content;
mod encoding;
mod font;
mod forms;
mod layout;
mod meta;
mod objects;
mod tables;

use lopdf::{Document, LoadOptions, Object, ObjectId};

use super::{Context, ExtractError, Extractor, Format, Input};
use crate::location::Step;
use content::{Interpreter, PageText};
use objects::{deref, text_string};

/// Reads PDF files.
pub struct PdfExtractor;

impl Extractor for PdfExtractor {
    fn name(&self) -> &'static str {
        "pdf"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Pdf]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        _format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        let max = ctx.dispatcher.limits.max_member_bytes;
        let data = input.read_all(max)?;
        let limit = usize::try_from(max).unwrap_or(usize::MAX);
        let doc = load(&data, limit)?;
        drop(data);
        pages(&doc, limit, ctx)?;
        for field in forms::fields(&doc) {
            let step = Step::Part {
                name: format!("form field {}", field.name),
            };
            ctx.text(Some(step), &field.text, false);
        }
        for (name, text) in meta::metadata(&doc, limit) {
            ctx.text(Some(Step::Part { name }), &text, false);
        }
        attached_files(&doc, limit, ctx)
    }
}

/// Sends every attached file through the dispatcher.
fn attached_files(doc: &Document, limit: usize, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    for file in attachments::files(doc) {
        let step = Step::Attachment {
            filename: file.name,
        };
        match file.stream.decompressed_content_with_limit(limit) {
            Ok(data) => {
                ctx.budget.charge(data.len() as u64)?;
                ctx.recurse(step, &data);
            }
            Err(e) => ctx.error(Some(step), &content::stream_error(&e)),
        }
    }
    Ok(())
}

/// Loads a document, decrypting it when its user password is empty.
fn load(data: &[u8], limit: usize) -> Result<Document, ExtractError> {
    let options = LoadOptions {
        max_decompressed_size: Some(limit),
        ..LoadOptions::default()
    };
    let needs_password = || ExtractError::Encrypted("PDF needs a password".into());
    match Document::load_mem_with_options(data, options) {
        // Without the password lopdf leaves the /Encrypt entry and reads no objects.
        Ok(doc) if doc.trailer.has(b"Encrypt") => Err(needs_password()),
        Ok(doc) => Ok(doc),
        Err(
            lopdf::Error::InvalidPassword
            | lopdf::Error::Decryption(_)
            | lopdf::Error::UnsupportedSecurityHandler(_),
        ) => Err(needs_password()),
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { limit })) => {
            Err(ExtractError::Limit(format!(
                "a stream decompresses to more than {limit} bytes"
            )))
        }
        Err(e) => Err(ExtractError::Corrupt(format!("not a readable PDF: {e}"))),
    }
}

/// Sends the text and comments of every page; reports pages without a text layer.
fn pages(doc: &Document, limit: usize, ctx: &mut Context<'_>) -> Result<(), ExtractError> {
    let pages = doc.get_pages();
    if pages.is_empty() {
        let e = ExtractError::Corrupt("no pages could be found".into());
        ctx.error(None, &e);
        return Ok(());
    }
    let mut interpreter = Interpreter::new(doc, limit, ctx.budget);
    let mut image_only = Vec::new();
    for (&number, &id) in &pages {
        let page = interpreter.page(id)?;
        if send_page(number, &page, ctx) {
            image_only.push(number);
        }
        for comment in comments(doc, id) {
            let step = Step::Part {
                name: format!("comment on page {number}"),
            };
            ctx.text(Some(step), &comment, false);
        }
    }
    report_image_only(&image_only, pages.len(), ctx);
    Ok(())
}

/// Sends a page's text and problems; true when it has images and no text at all.
fn send_page(number: u32, page: &PageText, ctx: &mut Context<'_>) -> bool {
    let step = || Step::Page { page: number };
    for problem in &page.problems {
        ctx.error(Some(step()), problem);
    }
    if page.unmapped > 0 {
        let e = ExtractError::Unsupported(format!(
            "{} characters in fonts without a Unicode map (Type0 without ToUnicode) could not \
             be read",
            page.unmapped
        ));
        ctx.error(Some(step()), &e);
    }
    if page.text.trim().is_empty() {
        return page.has_images && page.unmapped == 0;
    }
    ctx.text(Some(step()), &page.text, true);
    false
}

/// One error per page without a text layer, or one for the file when no page has text.
fn report_image_only(pages: &[u32], total: usize, ctx: &mut Context<'_>) {
    const NEEDS_OCR: &str = "no text layer (image only): needs OCR";
    if pages.len() == total {
        let message = match total {
            1 => NEEDS_OCR.to_string(),
            n => format!("{NEEDS_OCR} (none of the {n} pages has text)"),
        };
        ctx.error(None, &ExtractError::Unsupported(message));
        return;
    }
    for &page in pages {
        let e = ExtractError::Unsupported(NEEDS_OCR.into());
        ctx.error(Some(Step::Page { page }), &e);
    }
}

/// The text of a page's comments (annotations other than form widgets and links), as
/// `<author>: <text>` when the comment has an author.
fn comments(doc: &Document, page: ObjectId) -> Vec<String> {
    let Ok(annotations) = doc.get_page_annotations(page) else {
        return Vec::new();
    };
    annotations
        .into_iter()
        .filter(|a| {
            !matches!(
                a.get(b"Subtype").and_then(Object::as_name),
                Ok(b"Widget" | b"Link" | b"Popup")
            )
        })
        .filter_map(|a| {
            let text = text_string(deref(doc, a.get(b"Contents").ok()?))?;
            if text.trim().is_empty() {
                return None;
            }
            let author = a.get(b"T").ok().and_then(|t| text_string(deref(doc, t)));
            Some(match author {
                Some(author) if !author.trim().is_empty() => format!("{author}: {text}"),
                _ => text,
            })
        })
        .collect()
}

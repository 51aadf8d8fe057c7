//! The walk over a message's MIME parts: the main text is the `body` (`body (html)` when the
//! message has only HTML), attachments and other parts are `attachment` steps named by their
//! file name or their part number (`part 2.1`, as IMAP numbers them), and attached messages
//! are parsed again as messages.

use std::borrow::Cow;

use mailparse::{DispositionType, ParsedContentDisposition, ParsedMail};

use crate::extract::html::html_to_text;
use crate::extract::{Context, ExtractError};
use crate::location::Step;

use super::{body, headers, message};

/// Scans the parts of `mail` (already located by `ctx`).
pub fn scan_parts(ctx: &mut Context<'_>, mail: &ParsedMail<'_>) {
    let mut walk = Walk {
        ctx,
        has_body: false,
    };
    walk.part(mail, "");
}

struct Walk<'c, 's> {
    ctx: &'c mut Context<'s>,
    /// The main text has been sent; further inline text parts are `part N` attachments.
    has_body: bool,
}

impl Walk<'_, '_> {
    /// One part; `number` is its IMAP part number, empty for the message itself (whose
    /// children are numbered 1, 2 …; a message that is not multipart is part 1).
    fn part(&mut self, part: &ParsedMail<'_>, number: &str) {
        let mime = part.ctype.mimetype.to_ascii_lowercase();
        if mime.starts_with("multipart/") {
            return self.multipart(part, &mime, number);
        }
        let number = if number.is_empty() { "1" } else { number };
        let disposition = part.get_content_disposition();
        let filename = filename(part, &disposition);
        if mime == "message/rfc822" || mime == "message/global" {
            let step = Step::Attachment {
                filename: filename.unwrap_or_else(|| format!("part {number}")),
            };
            return self.attached_message(part, step);
        }
        let attached = disposition.disposition == DispositionType::Attachment;
        if filename.is_none() && !attached && (mime == "text/plain" || mime == "text/html") {
            return self.text(part, mime == "text/html", number);
        }
        if is_unreadable_media(&mime) {
            return; // pictures, sound, signatures: no text to read (no OCR)
        }
        let step = Step::Attachment {
            filename: filename.unwrap_or_else(|| format!("part {number}")),
        };
        let decode = || body::body_bytes(part).map_err(|e| ExtractError::Corrupt(e.to_string()));
        match body::encoded(part) {
            // A document is known by its encoded bytes, so that a copy attached again is not
            // decoded again; a text part is its own text and cheap to read, and hashing it
            // would be wasted.
            Some((encoding, encoded)) if !mime.starts_with("text/") => {
                self.ctx.recurse_encoded(step, encoding, encoded, decode)
            }
            _ => match decode() {
                Ok(data) => self.ctx.recurse(step, &data),
                Err(e) => self.ctx.error(Some(step), &e),
            },
        }
    }

    /// A multipart's children; of the alternatives of `multipart/alternative` only the plain
    /// text is read when there is one (the others repeat it).
    fn multipart(&mut self, part: &ParsedMail<'_>, mime: &str, number: &str) {
        let plain = (mime == "multipart/alternative")
            .then(|| {
                part.subparts
                    .iter()
                    .position(|p| p.ctype.mimetype.eq_ignore_ascii_case("text/plain"))
            })
            .flatten();
        for (i, child) in part.subparts.iter().enumerate() {
            if plain.is_some_and(|p| p != i) {
                continue;
            }
            let n = if number.is_empty() {
                (i + 1).to_string()
            } else {
                format!("{number}.{}", i + 1)
            };
            self.part(child, &n);
        }
    }

    fn text(&mut self, part: &ParsedMail<'_>, html: bool, number: &str) {
        let body = match body::body_text(part) {
            Ok(b) => b,
            Err(_) => Cow::Owned(
                body::body_bytes(part)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default(),
            ),
        };
        let text = if html {
            Cow::Owned(html_to_text(&body))
        } else {
            body
        };
        let step = if self.has_body {
            Step::Attachment {
                filename: format!("part {number}"),
            }
        } else {
            self.has_body = true;
            Step::Part {
                name: if html { "body (html)" } else { "body" }.to_string(),
            }
        };
        self.ctx.text(Some(step), &text, true);
    }

    fn attached_message(&mut self, part: &ParsedMail<'_>, step: Step) {
        let raw = match body::body_bytes(part) {
            Ok(raw) => raw,
            Err(e) => {
                let e = ExtractError::Corrupt(e.to_string());
                return self.ctx.error(Some(step), &e);
            }
        };
        if let Some(mut child) = self.ctx.child(step) {
            message::scan_message(&mut child, &raw, None);
        }
    }
}

/// The part's file name: Content-Disposition (`disposition`, parsed) `filename`, else
/// Content-Type `name` (RFC 2231 and RFC 2047 encodings decoded).
fn filename(part: &ParsedMail<'_>, disposition: &ParsedContentDisposition) -> Option<String> {
    disposition
        .params
        .get("filename")
        .or_else(|| part.ctype.params.get("name"))
        .map(|n| headers::decode_words(n.trim()))
        .filter(|n| !n.is_empty())
}

/// Parts with no text to read: pictures, sound, video and signatures.
fn is_unreadable_media(mime: &str) -> bool {
    mime.starts_with("image/")
        || mime.starts_with("audio/")
        || mime.starts_with("video/")
        || matches!(
            mime,
            "application/pkcs7-signature"
                | "application/x-pkcs7-signature"
                | "application/pgp-signature"
        )
}

//! E-mail: single messages (`.eml`, Maildir files, `message/rfc822` parts) and mbox mailboxes.
//!
//! Each message becomes a `message` step (index in the mbox, Message-ID, Date, From, Subject)
//! under which its address and subject header fields, its body and its attachments are
//! located. Attachments go back through the dispatcher, so a PDF, spreadsheet or zip inside a
//! mail is read like a file on disk. A message that cannot be parsed is an error at its own
//! `message` step; the rest of the mailbox goes on.
//!
//! Modules: [`body`] (part bodies with their transfer encoding undone), [`headers`]
//! (recognising a header block, the message step, the fields scanned), [`message`] (one
//! message, end to end), [`mime`] (the walk over its MIME parts), [`mbox`] (splitting a
//! mailbox and scanning its messages on several threads).

pub mod body;
pub mod headers;
pub mod mbox;
pub mod message;
pub mod mime;
mod simd64;

use super::{Context, ExtractError, Extractor, Format, Input};

/// Reads `.eml` messages and mbox mailboxes.
pub struct MailExtractor;

impl Extractor for MailExtractor {
    fn name(&self) -> &'static str {
        "mail"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Eml, Format::Mbox]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        if format == Format::Mbox {
            return mbox::scan_mbox(input, ctx);
        }
        let raw = input.read_all(ctx.dispatcher.limits.max_member_bytes)?;
        message::scan_message(ctx, &raw, None);
        Ok(())
    }
}

/// The mail format `head` (the first bytes of a text source) starts, if any: a `From ` line
/// followed by a header block is an mbox, a header block alone a message. Prose that begins
/// with "From: …" is not mail unless the lines after it are header fields too (see
/// [`headers::is_header_block`]).
pub fn sniff(head: &[u8]) -> Option<Format> {
    if let Some(rest) = head.strip_prefix(b"From ") {
        let after_line = memchr::memchr(b'\n', rest)? + 1;
        return headers::is_header_block(&rest[after_line..]).then_some(Format::Mbox);
    }
    headers::is_header_block(head).then_some(Format::Eml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_messages_and_mailboxes_but_not_prose() {
        let eml =
            b"Return-Path: <a@b.no>\r\nFrom: Kari <kari@example.no>\r\nSubject: hei\r\n\r\nbody";
        assert_eq!(sniff(eml), Some(Format::Eml));
        let mbox = b"From kari@example.no Mon Jan  1 10:00:00 2024\nFrom: kari@example.no\nDate: Mon, 1 Jan 2024 10:00:00 +0100\n\nhei\n";
        assert_eq!(sniff(mbox), Some(Format::Mbox));
        assert_eq!(
            sniff(b"From: Kari\nI write to you about the invoice.\n"),
            None
        );
        assert_eq!(sniff(b"From here on, all is prose.\nSubject: x\n"), None);
        // One known field is not enough; "Note:" is not a mail header.
        assert_eq!(sniff(b"From: Kari\nNote: ring meg\n\nHei"), None);
        assert_eq!(sniff(b"Subject: hei\nFrom: Kari\n\nHei"), Some(Format::Eml));
        // A memo with only Date and Subject is not mail: its other lines would go unscanned.
        assert_eq!(
            sniff(b"Date: 5. jan\nSubject: m\xc3\xb8te\nDeltakere: Kari\n\nNotat"),
            None
        );
        assert_eq!(sniff(b""), None);
    }
}

//! Header blocks: recognising one, building a message's location step, and the fields whose
//! values are scanned.

use mailparse::MailHeader;

use crate::extract::Context;
use crate::location::Step;

/// Header fields whose (decoded) values are scanned: names and addresses of people, and the
/// subject. Message-ID, In-Reply-To, References and trace fields are not scanned, so their
/// `local@host` values are never reported as e-mail addresses.
pub const SCANNED_FIELDS: &[&str] = &["Subject", "From", "To", "Cc", "Bcc", "Reply-To", "Sender"];

/// How many of the first [`MAIL_FIELDS`] are origin fields.
const ORIGIN_FIELDS: usize = 6;

/// Field names that mark a header block as mail: two different ones are needed, and one of
/// them must be one of the first [`ORIGIN_FIELDS`], which only mail carries (a memo that starts
/// with `Date:` and `Subject:` stays text, so none of its lines go unscanned).
const MAIL_FIELDS: &[&str] = &[
    "from",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "delivered-to",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "content-type",
    "content-transfer-encoding",
    "reply-to",
    "sender",
    "in-reply-to",
    "references",
    "x-mailer",
];

/// True when `text` starts with an RFC 5322 header block: every line up to the first empty
/// line (or the end of `text`, whose last line may be cut) is a `Name: value` field or a
/// folded continuation, the first line is a field, and at least two different well-known mail
/// fields occur, one of them an origin field (From, Message-ID, Received …).
pub fn is_header_block(text: &[u8]) -> bool {
    let mut known = [false; MAIL_FIELDS.len()];
    let mut lines = text.split(|&b| b == b'\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let complete = lines.peek().is_some();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if first {
                return false;
            }
            continue;
        }
        first = false;
        match field_name(line) {
            Some(name) => {
                if let Some(i) = MAIL_FIELDS
                    .iter()
                    .position(|f| f.as_bytes().eq_ignore_ascii_case(name))
                {
                    known[i] = true;
                }
            }
            None if complete => return false,
            None => {}
        }
    }
    known.iter().filter(|&&k| k).count() >= 2 && known[..ORIGIN_FIELDS].contains(&true)
}

/// The field name of a header line `Name: value`, when it is one (see [`is_field_name`]).
pub fn field_name(line: &[u8]) -> Option<&[u8]> {
    let colon = memchr::memchr(b':', line)?;
    let name = &line[..colon];
    is_field_name(name).then_some(name)
}

/// RFC 5322 field names: 1 to 76 printable ASCII characters, no space or colon.
pub fn is_field_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= 76
        && name.iter().all(|&b| (33..=126).contains(&b) && b != b':')
}

/// The `message` step of a message with these headers, `index` its 1-based position in its
/// mailbox (`None` for a lone message).
pub fn message_step(headers: &[MailHeader<'_>], index: Option<u64>) -> Step {
    let text = |name: &str| {
        first_value(headers, name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Step::Message {
        index,
        message_id: text("Message-ID").map(|id| {
            id.trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
                .to_string()
        }),
        date: text("Date"),
        from: text("From"),
        subject: text("Subject"),
        folder: None,
    }
}

/// When the message was sent, in seconds since the Unix epoch, from its `Date` header.
pub fn sent(headers: &[MailHeader<'_>]) -> Option<i64> {
    mailparse::dateparse(&first_value(headers, "Date")?).ok()
}

/// The headers named `name` (ASCII case ignored), in order.
fn named<'h, 'a>(
    headers: &'h [MailHeader<'a>],
    name: &'h str,
) -> impl Iterator<Item = &'h MailHeader<'a>> {
    headers
        .iter()
        .filter(move |h| h.get_key_raw().eq_ignore_ascii_case(name.as_bytes()))
}

/// The value of the first header named `name`, as mailparse's `get_first_value` gives it.
fn first_value(headers: &[MailHeader<'_>], name: &str) -> Option<String> {
    named(headers, name).next().map(value)
}

/// The value of `header` as mailparse's `get_value` gives it (folded lines unfolded, encoded
/// words decoded), without its tokenizing where there is nothing to do: a UTF-8 value on one
/// line with no `=?` is the line without its leading white space.
pub fn value(header: &MailHeader<'_>) -> String {
    let raw = header.get_value_raw();
    match std::str::from_utf8(raw) {
        Ok(line)
            if memchr::memchr2(b'\n', b'\r', raw).is_none()
                && memchr::memmem::find(raw, b"=?").is_none() =>
        {
            line.trim_start().to_string()
        }
        _ => header.get_value(),
    }
}

/// Sends the value of every [`SCANNED_FIELDS`] header to `ctx`, each located by a `part`
/// step named after the field.
pub fn scan_fields(ctx: &mut Context<'_>, headers: &[MailHeader<'_>]) {
    for field in SCANNED_FIELDS {
        for header in named(headers, field) {
            let value = value(header);
            if !value.trim().is_empty() {
                let step = Step::Part {
                    name: (*field).to_string(),
                };
                ctx.text(Some(step), &value, false);
            }
        }
    }
}

/// A header parameter value (a file name) with RFC 2047 encoded words decoded; RFC 2231
/// values are already decoded by mailparse.
pub fn decode_words(value: &str) -> String {
    if !value.contains("=?") {
        return value.to_string();
    }
    let line = format!("X: {value}");
    match mailparse::parse_header(line.as_bytes()) {
        Ok((header, _)) => header.get_value(),
        Err(_) => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_step_strips_brackets_and_decodes() {
        let raw = b"From: =?ISO-8859-1?Q?P=E5l_=D8ye?= <pal@example.no>\r\nSubject: =?UTF-8?B?U8O4a25hZA==?=\r\nMessage-ID: <abc@host.no>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0100\r\n\r\n";
        let mail = mailparse::parse_mail(raw).unwrap();
        assert_eq!(
            message_step(&mail.headers, Some(3)),
            Step::Message {
                index: Some(3),
                message_id: Some("abc@host.no".into()),
                date: Some("Mon, 1 Jan 2024 10:00:00 +0100".into()),
                from: Some("Pål Øye <pal@example.no>".into()),
                subject: Some("Søknad".into()),
                folder: None,
            }
        );
        assert_eq!(sent(&mail.headers), Some(1_704_099_600));
    }

    proptest::proptest! {
        /// Any value, folded or not, with encoded words or not, UTF-8 or not: what mailparse
        /// gives.
        #[test]
        fn values_are_mailparses(
            parts in proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(b"=?utf-8?q?S=C3=B8knad_1?=".to_vec()),
                proptest::strategy::Just(b"=?".to_vec()),
                proptest::strategy::Just(b"?=".to_vec()),
                proptest::strategy::Just(b"\r\n ".to_vec()),
                proptest::strategy::Just(b"\n\t".to_vec()),
                proptest::strategy::Just(b"\r".to_vec()),
                proptest::strategy::Just(b" ".to_vec()),
                proptest::strategy::Just("Pål <pal@firma.no>".as_bytes().to_vec()),
                proptest::strategy::Just(b"\xF8".to_vec()),
                proptest::collection::vec(proptest::prelude::any::<u8>(), 0..4),
            ], 0..6),
        ) {
            let mut line = b"Subject: ".to_vec();
            line.extend(parts.concat());
            if let Ok((header, _)) = mailparse::parse_header(&line) {
                proptest::prop_assert_eq!(value(&header), header.get_value());
            }
        }
    }

    #[test]
    fn encoded_words_in_file_names() {
        assert_eq!(decode_words("=?UTF-8?Q?s=C3=B8knad.pdf?="), "søknad.pdf");
        assert_eq!(decode_words("cv.pdf"), "cv.pdf");
    }

    #[test]
    fn header_lines() {
        assert_eq!(field_name(b"X-Foo: bar"), Some(&b"X-Foo"[..]));
        assert_eq!(field_name(b"Dear Sir: hello"), None);
        assert_eq!(field_name(b": x"), None);
    }
}

//! One Outlook item ([`MapiMessage`]) → text segments, the same for `.msg` and `.pst`/`.ost`.
//!
//! Under the item's `message` step: `Subject`, `From`, `To`, `Cc`, `Bcc` (display names and
//! addresses, one per line), `headers` (transport header fields that name people: Reply-To,
//! Return-Path, Received …; never Message-ID, In-Reply-To or References), `body` (plain
//! text; else the HTML body as text; else the compressed RTF body as text), every other
//! text property not already shown (contact, appointment and task fields, named
//! properties) as its own part, `attachment names` (a file name can hold an identifier), then
//! the attachments: files through the dispatcher,
//! embedded messages as an `attachment` step and a nested `message` step.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use super::model::{prop, AttachmentContent, MapiAttachment, MapiMessage, PropValue, PropertyBag};
use super::{codepage, rtf};
use crate::extract::html::html_to_text;
use crate::extract::text::decode_bytes;
use crate::extract::{Context, ExtractError};
use crate::location::Step;

/// 100 ns intervals between 1601-01-01 (FILETIME) and 1970-01-01 (Unix).
const FILETIME_UNIX_EPOCH: i64 = 116_444_736_000_000_000;

/// Properties the emitter shows in their own parts, or that hold no personal data worth a
/// search (identifiers, address types, body variants).
const NOT_OTHER: &[u16] = &[
    prop::MESSAGE_CLASS,
    prop::SUBJECT,
    prop::SENT_REPRESENTING_NAME,
    prop::SENT_REPRESENTING_EMAIL_ADDRESS,
    prop::TRANSPORT_MESSAGE_HEADERS,
    prop::SENDER_NAME,
    prop::SENDER_EMAIL_ADDRESS,
    prop::SENDER_SMTP_ADDRESS,
    prop::SENT_REPRESENTING_SMTP_ADDRESS,
    prop::DISPLAY_BCC,
    prop::DISPLAY_CC,
    prop::DISPLAY_TO,
    prop::BODY,
    prop::HTML,
    prop::INTERNET_MESSAGE_ID,
    0x003D, // PR_SUBJECT_PREFIX
    0x0064, // PR_SENT_REPRESENTING_ADDRTYPE
    0x0075, // PR_RECEIVED_BY_ADDRTYPE
    0x0077, // PR_RCVD_REPRESENTING_ADDRTYPE
    0x0C1E, // PR_SENDER_ADDRTYPE
    0x1039, // PR_INTERNET_REFERENCES
    0x1042, // PR_IN_REPLY_TO_ID
    0x3002, // PR_ADDRTYPE
];

/// Header fields of PR_TRANSPORT_MESSAGE_HEADERS that name people and are not shown
/// elsewhere (From, To, Cc, Subject have their own parts; message ids are never searched;
/// Received is left out: its `id <…@host>` values look like addresses and its `for <…>` are
/// the recipients shown already).
const PERSON_HEADERS: &[&str] = &[
    "reply-to",
    "return-path",
    "sender",
    "delivered-to",
    "envelope-to",
    "x-original-to",
    "x-sender",
    "x-envelope-from",
    "x-envelope-to",
    "resent-from",
    "resent-to",
    "resent-cc",
    "disposition-notification-to",
];

/// The `message` step of an item: Internet Message-ID (without `<>`), sent or delivered time
/// (RFC 3339, UTC), `Name <address>` of the sender, subject; `index` and `folder` come from
/// the store.
pub fn message_step(props: &PropertyBag, index: Option<u64>, folder: Option<String>) -> Step {
    let message_id = props
        .str(prop::INTERNET_MESSAGE_ID)
        .map(|id| {
            id.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|id| !id.is_empty());
    let date = props
        .time(prop::CLIENT_SUBMIT_TIME)
        .or_else(|| props.time(prop::MESSAGE_DELIVERY_TIME))
        .and_then(filetime_rfc3339);
    let from = senders(props).into_iter().next();
    let subject = props
        .str(prop::SUBJECT)
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    Step::Message {
        index,
        message_id,
        date,
        from,
        subject,
        folder,
    }
}

/// A FILETIME as RFC 3339 UTC (`2024-01-31T09:15:00Z`); `None` when unset or out of range.
pub fn filetime_rfc3339(filetime: i64) -> Option<String> {
    let since_unix = filetime.checked_sub(FILETIME_UNIX_EPOCH)?;
    // 1970 to 9999: what RFC 3339 and humantime can write.
    if !(0..2_534_023_008_000_000_000).contains(&since_unix) {
        return None;
    }
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs((since_unix / 10_000_000) as u64);
    Some(humantime::format_rfc3339_seconds(t).to_string())
}

/// Turns one message into segments at `ctx`'s location plus `message_step`.
pub fn emit_message(msg: &MapiMessage, message_step: Step, ctx: &mut Context<'_>) {
    let mut ctx = child(ctx, message_step);
    let ctx = &mut ctx;
    let mut shown: Vec<String> = Vec::new();
    let props = &msg.props;
    if let Some(subject) = props.str(prop::SUBJECT).filter(|s| !s.trim().is_empty()) {
        show(ctx, &mut shown, "Subject", subject.to_string(), false);
    }
    show(ctx, &mut shown, "From", senders(props).join("\n"), true);
    for (name, kind, display) in [
        ("To", 1, prop::DISPLAY_TO),
        ("Cc", 2, prop::DISPLAY_CC),
        ("Bcc", 3, prop::DISPLAY_BCC),
    ] {
        let mut lines: Vec<String> = msg
            .recipients
            .iter()
            .filter(|r| r.int(prop::RECIPIENT_TYPE).unwrap_or(1) & 0xF == kind)
            .filter_map(recipient)
            .collect();
        if lines.is_empty() {
            lines.extend(props.str(display).map(str::to_string));
        }
        show(ctx, &mut shown, name, lines.join("\n"), true);
    }
    if let Some(headers) = props.str(prop::TRANSPORT_MESSAGE_HEADERS) {
        show(ctx, &mut shown, "headers", person_headers(headers), true);
    }
    match body(msg, ctx) {
        Ok(text) => show(ctx, &mut shown, "body", text, true),
        Err(e) => ctx.error(Some(part("body")), &e),
    }
    other_properties(props, ctx, &mut shown);
    let names: Vec<&str> = msg.attachments.iter().filter_map(stored_name).collect();
    show(ctx, &mut shown, "attachment names", names.join("\n"), true);
    for (step, error) in &msg.errors {
        ctx.error(step.clone(), &ExtractError::Corrupt(error.clone()));
    }
    for (i, attachment) in msg.attachments.iter().enumerate() {
        emit_attachment(attachment, i + 1, ctx);
    }
}

/// A context one step inside `ctx`.
fn child<'c>(ctx: &'c mut Context<'_>, step: Step) -> Context<'c> {
    Context {
        location: ctx.location.child(step),
        sink: &mut *ctx.sink,
        dispatcher: ctx.dispatcher,
        budget: ctx.budget,
    }
}

fn part(name: &str) -> Step {
    Step::Part { name: name.into() }
}

/// Sends non-empty `text` as part `name` and remembers it.
fn show(ctx: &mut Context<'_>, shown: &mut Vec<String>, name: &str, text: String, lines: bool) {
    if text.trim().is_empty() {
        return;
    }
    ctx.text(Some(part(name)), &text, lines);
    shown.push(text);
}

/// `Name <address>` of the one the message is from, then of the sender when that is someone
/// else (a delegate).
fn senders(props: &PropertyBag) -> Vec<String> {
    let representing = person(
        props.str(prop::SENT_REPRESENTING_NAME),
        [
            prop::SENT_REPRESENTING_SMTP_ADDRESS,
            prop::SENT_REPRESENTING_EMAIL_ADDRESS,
        ]
        .iter()
        .filter_map(|&id| props.str(id)),
    );
    let sender = person(
        props.str(prop::SENDER_NAME),
        [prop::SENDER_SMTP_ADDRESS, prop::SENDER_EMAIL_ADDRESS]
            .iter()
            .filter_map(|&id| props.str(id)),
    );
    let mut out: Vec<String> = representing.into_iter().collect();
    if let Some(s) = sender {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// `Name <address>` of a recipient.
fn recipient(bag: &PropertyBag) -> Option<String> {
    person(
        bag.str(prop::DISPLAY_NAME),
        [prop::SMTP_ADDRESS, prop::EMAIL_ADDRESS]
            .iter()
            .filter_map(|&id| bag.str(id)),
    )
}

/// `Name <address>`, `Name` or `address`: the first candidate address that is an Internet
/// address (Exchange X.500 addresses are left out).
fn person<'a>(name: Option<&str>, addresses: impl Iterator<Item = &'a str>) -> Option<String> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let address = addresses.map(str::trim).find(|a| a.contains('@'));
    match (name, address) {
        (Some(n), Some(a)) if n.eq_ignore_ascii_case(a) => Some(a.to_string()),
        (Some(n), Some(a)) => Some(format!("{n} <{a}>")),
        (Some(n), None) => Some(n.to_string()),
        (None, Some(a)) => Some(a.to_string()),
        (None, None) => None,
    }
}

/// The header fields of an RFC 5322 header block that name people ([`PERSON_HEADERS`]),
/// with their continuation lines.
fn person_headers(headers: &str) -> String {
    let mut out = String::new();
    let mut keep = false;
    for line in headers.lines() {
        if line.starts_with([' ', '\t']) {
            if keep {
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        let field = line.split(':').next().unwrap_or("").trim();
        keep = PERSON_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(field));
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The message's text: the plain body, else the HTML body as text, else the compressed RTF
/// body as text.
fn body(msg: &MapiMessage, ctx: &Context<'_>) -> Result<String, ExtractError> {
    let props = &msg.props;
    if let Some(plain) = props.str(prop::BODY).filter(|b| !b.trim().is_empty()) {
        return Ok(plain.to_string());
    }
    let html: Option<Cow<'_, str>> = match props.get(prop::HTML) {
        Some(PropValue::Str(s)) => Some(Cow::Borrowed(s)),
        Some(PropValue::Binary(b)) => Some(match props.int(prop::INTERNET_CPID) {
            Some(cp) if codepage::encoding(cp as u32).is_some() => {
                Cow::Owned(codepage::decode(b, cp as u32))
            }
            _ => decode_bytes(b),
        }),
        _ => None,
    };
    if let Some(html) = html.filter(|h| !h.trim().is_empty()) {
        return Ok(html_to_text(&html));
    }
    let Some(compressed) = props.binary(prop::RTF_COMPRESSED) else {
        return Ok(String::new());
    };
    let max = ctx.dispatcher.limits.max_member_bytes;
    let text = rtf::body_text(compressed, max).map_err(|e| ExtractError::Corrupt(e.to_string()))?;
    ctx.budget.charge(text.len() as u64)?;
    Ok(text)
}

/// Every other text property whose value was not shown yet, each as a part named after the
/// property.
fn other_properties(props: &PropertyBag, ctx: &mut Context<'_>, shown: &mut Vec<String>) {
    for (id, value) in props.iter() {
        let PropValue::Str(text) = value else {
            continue;
        };
        let text = text.trim();
        if NOT_OTHER.contains(&id) || text.is_empty() || shown.iter().any(|s| s.contains(text)) {
            continue;
        }
        let name = property_name(id);
        show(ctx, shown, &name, text.to_string(), true);
    }
}

/// A readable name for a property shown as its own part.
fn property_name(id: u16) -> Cow<'static, str> {
    Cow::Borrowed(match id {
        0x0040 => "received by",
        0x0044 => "received representing",
        0x0076 => "received by address",
        0x0078 => "received representing address",
        0x0070 => "conversation topic",
        0x0E1D => "normalized subject",
        prop::DISPLAY_NAME => "display name",
        prop::EMAIL_ADDRESS => "address",
        prop::COMMENT => "comment",
        prop::ACCOUNT => "account",
        prop::CALLBACK_TELEPHONE_NUMBER => "callback phone",
        prop::GENERATION => "generation",
        prop::GIVEN_NAME => "given name",
        prop::GOVERNMENT_ID_NUMBER => "government id",
        prop::BUSINESS_TELEPHONE_NUMBER => "business phone",
        prop::HOME_TELEPHONE_NUMBER => "home phone",
        prop::INITIALS => "initials",
        prop::KEYWORD => "keyword",
        prop::LANGUAGE => "language",
        prop::LOCATION => "location",
        prop::SURNAME => "surname",
        prop::POSTAL_ADDRESS => "postal address",
        prop::COMPANY_NAME => "company",
        prop::TITLE => "title",
        prop::DEPARTMENT_NAME => "department",
        prop::OFFICE_LOCATION => "office",
        prop::PRIMARY_TELEPHONE_NUMBER => "primary phone",
        prop::BUSINESS2_TELEPHONE_NUMBER => "business phone 2",
        prop::MOBILE_TELEPHONE_NUMBER => "mobile phone",
        prop::CAR_TELEPHONE_NUMBER => "car phone",
        prop::OTHER_TELEPHONE_NUMBER => "other phone",
        prop::PAGER_TELEPHONE_NUMBER => "pager",
        prop::BUSINESS_FAX_NUMBER => "business fax",
        prop::HOME_FAX_NUMBER => "home fax",
        prop::COUNTRY => "country",
        prop::LOCALITY => "locality",
        prop::STATE_OR_PROVINCE => "state or province",
        prop::STREET_ADDRESS => "street address",
        prop::POSTAL_CODE => "postal code",
        prop::HOME2_TELEPHONE_NUMBER => "home phone 2",
        prop::ASSISTANT => "assistant",
        0x3A44 => "middle name",
        0x3A45 => "display name prefix",
        0x3A46 => "profession",
        0x3FFA => "last modified by",
        prop::SPOUSE_NAME => "spouse",
        prop::CHILDRENS_NAMES => "children",
        prop::NICKNAME => "nickname",
        prop::PERSONAL_HOME_PAGE => "personal home page",
        prop::BUSINESS_HOME_PAGE => "business home page",
        prop::HOME_ADDRESS_CITY => "home city",
        prop::HOME_ADDRESS_STREET => "home street",
        prop::HOME_ADDRESS_POSTAL_CODE => "home postal code",
        prop::OTHER_ADDRESS_STREET => "other street",
        _ => return Cow::Owned(format!("property {id:#06x}")),
    })
}

/// The name an attachment is stored under (long file name, 8.3 name or display name).
fn stored_name(a: &MapiAttachment) -> Option<&str> {
    [
        prop::ATTACH_LONG_FILENAME,
        prop::ATTACH_FILENAME,
        prop::DISPLAY_NAME,
    ]
    .iter()
    .filter_map(|&id| a.props.str(id))
    .map(str::trim)
    .find(|s| !s.is_empty())
}

/// The file name of attachment `n` (1-based): its stored name, else one made up.
fn attachment_name(a: &MapiAttachment, n: usize) -> String {
    if let Some(name) = stored_name(a) {
        return name.to_string();
    }
    match &a.content {
        AttachmentContent::Message(m) => match m.props.str(prop::SUBJECT) {
            Some(s) if !s.trim().is_empty() => format!("{}.msg", s.trim()),
            _ => format!("attachment {n}.msg"),
        },
        _ => format!("attachment {n}"),
    }
}

fn emit_attachment(a: &MapiAttachment, n: usize, ctx: &mut Context<'_>) {
    let filename = attachment_name(a, n);
    let step = Step::Attachment {
        filename: filename.clone(),
    };
    match &a.content {
        AttachmentContent::Data(data) => ctx.recurse(step, data),
        AttachmentContent::Message(inner) => {
            let mut at = child(ctx, step);
            let depth = at.location.container_depth();
            let max = at.dispatcher.limits.max_depth;
            if depth >= max {
                let e = ExtractError::Limit(format!("nesting deeper than {max} levels"));
                at.error(None, &e);
                return;
            }
            let inner_step = message_step(&inner.props, None, None);
            emit_message(inner, inner_step, &mut at);
        }
        AttachmentContent::Missing => {}
        AttachmentContent::Unreadable(reason) => {
            ctx.error(Some(step), &ExtractError::Corrupt(reason.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filetimes() {
        assert_eq!(
            filetime_rfc3339(133_480_000_000_000_000).as_deref(),
            Some("2023-12-25T17:46:40Z")
        );
        assert_eq!(filetime_rfc3339(0), None);
        assert_eq!(filetime_rfc3339(i64::MAX), None);
        assert_eq!(filetime_rfc3339(i64::MIN), None);
    }

    #[test]
    fn people() {
        let addrs = ["/O=FIRMA/OU=ADM/CN=KARI", "kari@firma.no"];
        assert_eq!(
            person(Some("Kari Nordmann"), addrs.into_iter()).as_deref(),
            Some("Kari Nordmann <kari@firma.no>")
        );
        assert_eq!(
            person(Some("Kari"), ["/O=X/CN=K"].into_iter()).as_deref(),
            Some("Kari")
        );
        assert_eq!(
            person(Some("kari@firma.no"), ["kari@firma.no"].into_iter()).as_deref(),
            Some("kari@firma.no")
        );
        assert_eq!(person(Some("  "), [].into_iter()), None);
    }

    #[test]
    fn only_headers_naming_people() {
        let h = "Received: from mx.firma.no\r\n\tid <x1@mx.firma.no>; Mon, 1 Jan 2024\r\n\
                 Message-ID: <a1@firma.no>\r\nReferences: <b2@firma.no>\r\n  <c3@firma.no>\r\n\
                 Reply-To: ola@firma.no\r\nFrom: kari@firma.no\r\nDKIM-Signature: b=12345678901\r\n\
                 Return-Path: <kari@firma.no>\r\n";
        assert_eq!(
            person_headers(h),
            "Reply-To: ola@firma.no\nReturn-Path: <kari@firma.no>\n"
        );
    }

    #[test]
    fn message_steps() {
        let mut p = PropertyBag::new();
        p.insert(prop::INTERNET_MESSAGE_ID, PropValue::Str("<x@y.no>".into()));
        p.insert(prop::SUBJECT, PropValue::Str("Søknad".into()));
        p.insert(prop::SENDER_NAME, PropValue::Str("Kari".into()));
        p.insert(
            prop::SENDER_EMAIL_ADDRESS,
            PropValue::Str("kari@y.no".into()),
        );
        p.insert(
            prop::MESSAGE_DELIVERY_TIME,
            PropValue::Time(133_480_000_000_000_000),
        );
        assert_eq!(
            message_step(&p, Some(2), Some("Innboks".into())),
            Step::Message {
                index: Some(2),
                message_id: Some("x@y.no".into()),
                date: Some("2023-12-25T17:46:40Z".into()),
                from: Some("Kari <kari@y.no>".into()),
                subject: Some("Søknad".into()),
                folder: Some("Innboks".into()),
            }
        );
        assert_eq!(
            message_step(&PropertyBag::new(), None, None),
            Step::Message {
                index: None,
                message_id: None,
                date: None,
                from: None,
                subject: None,
                folder: None,
            }
        );
    }
}

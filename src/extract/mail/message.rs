//! One message, end to end: parse, select by date, locate, scan header fields and parts.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::extract::{panic_message, Context, ExtractError};
use crate::location::Step;

use super::{headers, mime};

/// Scans one RFC 5322 message `raw` (`index`: its 1-based position in a mailbox, `None` for a
/// lone message). Everything found is located under the message's `message` step; a message
/// that cannot be parsed, is too large, or crashes the parser is an error at that step, so the
/// caller's other messages go on. Messages whose `Date` is not older than `--older-than` are
/// left out.
pub fn scan_message(ctx: &mut Context<'_>, raw: &[u8], index: Option<u64>) {
    let outcome = catch_unwind(AssertUnwindSafe(|| scan(ctx, raw, index)));
    let error = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(panic) => ExtractError::Panic(format!("mail parser: {}", panic_message(&*panic))),
    };
    ctx.error(Some(bare_step(index)), &error);
}

fn scan(ctx: &mut Context<'_>, raw: &[u8], index: Option<u64>) -> Result<(), ExtractError> {
    let limit = ctx.dispatcher.limits.max_member_bytes;
    if raw.len() as u64 > limit {
        return Err(ExtractError::Limit(format!(
            "message of {} bytes is larger than the {limit} bytes read into memory",
            raw.len()
        )));
    }
    let mail = mailparse::parse_mail(raw).map_err(|e| ExtractError::Corrupt(e.to_string()))?;
    let valid = |h: &mailparse::MailHeader<'_>| headers::is_field_name(h.get_key_ref().as_bytes());
    if mail.headers.is_empty() || !mail.headers.iter().all(valid) {
        return Err(ExtractError::Corrupt(
            "the message does not start with a header block".into(),
        ));
    }
    if !ctx
        .dispatcher
        .selection
        .keeps_message(headers::sent(&mail.headers))
    {
        return Ok(());
    }
    let step = headers::message_step(&mail.headers, index);
    if let Some(mut message) = ctx.child(step) {
        headers::scan_fields(&mut message, &mail.headers);
        mime::scan_parts(&mut message, &mail);
    }
    Ok(())
}

/// The step of a message known only by its position.
fn bare_step(index: Option<u64>) -> Step {
    Step::Message {
        index,
        message_id: None,
        date: None,
        from: None,
        subject: None,
        folder: None,
    }
}

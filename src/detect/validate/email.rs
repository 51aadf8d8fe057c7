//! E-mail addresses (spec §4): Unicode local parts and IDN domains accepted, trailing and
//! leading punctuation trimmed, the top-level domain checked against the Public Suffix List
//! (rejects `icon@2x.png`, Outlook CIDs, `pkg@1.2.3`), bracketed obfuscations
//! (`ola (at) firma (dot) no`, `(krøllalfa)`, `(punktum)`) decoded, and mail-header values that
//! only look like addresses (Message-ID, In-Reply-To, References, Content-ID) rejected.

use super::Verdict;
use std::borrow::Cow;
use std::ops::Range;

/// Local parts of shared mailboxes rather than people (lower confidence, kind `role`).
const ROLE_ACCOUNTS: &[&str] = &[
    "post",
    "postmottak",
    "postmaster",
    "firmapost",
    "kundeservice",
    "kundesenter",
    "info",
    "faktura",
    "invoice",
    "noreply",
    "no-reply",
    "donotreply",
    "support",
    "admin",
    "webmaster",
    "kontakt",
    "salg",
    "sales",
    "hostmaster",
    "abuse",
    "mailer-daemon",
];

/// Headers whose values contain `local@domain` tokens that are identifiers, not addresses.
const ID_HEADERS: &[&str] = &[
    "message-id",
    "in-reply-to",
    "references",
    "content-id",
    "resent-message-id",
    "x-ms-exchange-organization-network-message-id",
];

/// Obfuscated spellings of `@` and `.` inside brackets, lower case.
const AT_WORDS: &[&str] = &["at", "a", "krøllalfa", "alfakrøll", "krøll"];
const DOT_WORDS: &[&str] = &["dot", "punktum", "prikk"];

/// The validator behind `validator = "email"`.
///
/// It runs on every address-shaped candidate, so the common case (a plain ASCII address)
/// allocates once, for the normalised value.
pub fn verdict(text: &str, range: Range<usize>) -> Option<Verdict> {
    let raw = &text[range.clone()];
    // The pattern's `{u}` byte class takes in any non-ASCII character («», quotes, NBSP, €):
    // for a plain address, the local part starts after the last character before the `@`
    // that an address cannot hold, and the domain ends at the first such character after it.
    let (lead, tail) = match position(raw, b'@') {
        Some(at) if !has_bracket(raw) => {
            let lead = raw[..at]
                .char_indices()
                .rev()
                .find(|&(_, c)| !is_local_char(c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let tail = raw[at + 1..]
                .char_indices()
                .find(|&(_, c)| !(c.is_alphanumeric() || c == '-' || c == '.'))
                .map_or(raw.len(), |(i, _)| at + 1 + i);
            (lead, tail)
        }
        _ => (0, raw.len()),
    };
    let window = &raw[..tail];
    // Then trim punctuation at both ends (a sentence's full stop, a leading dot).
    let lead = lead
        + (window.len()
            - lead
            - window[lead..]
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .len());
    let trimmed = window[lead..].trim_end_matches(|c: char| !c.is_alphanumeric());
    let start = range.start + lead;
    let end = start + trimmed.len();

    let (plain, obfuscated) = deobfuscate(trimmed)?;
    let at = plain.as_bytes().iter().rposition(|&b| b == b'@')?;
    let (local, domain) = (&plain[..at], &plain[at + 1..]);
    if !local_ok(local) {
        return None;
    }
    let ascii_domain =
        idna::domain_to_ascii_cow(domain.as_bytes(), idna::AsciiDenyList::EMPTY).ok()?;
    // The normalised value, lower case: the local part, `@`, the ASCII domain.
    let mut normalized = String::with_capacity(local.len() + 1 + ascii_domain.len());
    match local.is_ascii() {
        true => normalized.push_str(local),
        false => normalized.push_str(&local.to_lowercase()),
    }
    let local_len = normalized.len();
    normalized.push('@');
    normalized.push_str(&ascii_domain);
    normalized.make_ascii_lowercase();
    if !domain_ok(&normalized[local_len + 1..])
        || in_id_header(text, start)
        || is_git_remote(text, end)
    {
        return None;
    }
    if text[..start].ends_with("cid:") {
        return None;
    }
    let role = ROLE_ACCOUNTS.contains(&&normalized[..local_len]);
    let mut v = Verdict::new(normalized);
    v.range = Some(start..end);
    if role {
        v = v.kind("role").delta(-0.35);
    } else if obfuscated {
        v = v.kind("obfuscated").delta(-0.1);
    }
    Some(v)
}

/// The first position of byte `b` in `s` (a loop: candidates are short, and a search of a
/// few bytes costs less than setting up `str::find`).
fn position(s: &str, b: u8) -> Option<usize> {
    s.as_bytes().iter().position(|&x| x == b)
}

/// Turns `ola (at) firma (dot) no` into `ola@firma.no`; returns whether anything was decoded.
fn deobfuscate(s: &str) -> Option<(Cow<'_, str>, bool)> {
    if !has_bracket(s) {
        return Some((Cow::Borrowed(s), false));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find(['(', '[']) {
        let close_char = if rest.as_bytes()[open] == b'(' {
            ')'
        } else {
            ']'
        };
        let close = open + rest[open..].find(close_char)?;
        let word = rest[open + 1..close].trim().to_lowercase();
        let replacement = if AT_WORDS.contains(&word.as_str()) {
            "@"
        } else if DOT_WORDS.contains(&word.as_str()) {
            "."
        } else {
            return None;
        };
        out.push_str(rest[..open].trim_end());
        out.push_str(replacement);
        rest = rest[close + 1..].trim_start();
    }
    out.push_str(rest);
    Some((Cow::Owned(out), true))
}

/// True when `s` holds `(` or `[` (an obfuscation's brackets); a byte test, where a char-set
/// pattern would decode every character.
fn has_bracket(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'(' | b'['))
}

/// Characters a local part may hold: letters and digits (any script) and RFC 5322 atext.
fn is_local_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '!' | '#'
                | '$'
                | '%'
                | '&'
                | '\''
                | '*'
                | '+'
                | '/'
                | '='
                | '?'
                | '^'
                | '_'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
                | '.'
                | '-'
        )
}

fn local_ok(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.as_bytes().windows(2).any(|w| w == b"..")
}

fn domain_ok(domain: &str) -> bool {
    let bytes = domain.as_bytes();
    if bytes.len() > 253 || !bytes.contains(&b'.') {
        return false;
    }
    let labels_ok = bytes.split(|&b| b == b'.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with(b"-")
            && !l.ends_with(b"-")
            && l.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let tld = bytes.rsplit(|&b| b == b'.').next().unwrap_or(b"");
    let tld_shape =
        tld.len() >= 2 && (tld.iter().all(u8::is_ascii_alphabetic) || tld.starts_with(b"xn--"));
    labels_ok && tld_shape && psl::suffix(bytes).is_some_and(|s| s.is_known())
}

/// True when the address stands in a header such as Message-ID (also on folded lines).
fn in_id_header(text: &str, start: usize) -> bool {
    let bytes = text.as_bytes();
    let mut line_start = start;
    let floor = start.saturating_sub(4096);
    loop {
        line_start =
            memchr::memrchr(b'\n', &bytes[floor..line_start]).map_or(floor, |i| floor + i + 1);
        let first = bytes.get(line_start).copied();
        let folded = matches!(first, Some(b' ' | b'\t'));
        if folded && line_start > floor {
            line_start -= 1; // step over the '\n' into the previous line
            continue;
        }
        let line = &bytes[line_start..start];
        // A paragraph may be one line of thousands of bytes: memchr, not a byte loop.
        let Some(colon) = memchr::memchr(b':', line) else {
            return false;
        };
        let name = String::from_utf8_lossy(&line[..colon]);
        let name = name.trim();
        return ID_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h));
    }
}

/// `git@github.com:org/repo.git` is an SSH remote, not a mailbox.
fn is_git_remote(text: &str, end: usize) -> bool {
    let after = &text.as_bytes()[end..];
    after.first() == Some(&b':') && after.get(1).is_some_and(|b| !b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Option<(String, Option<&'static str>)> {
        verdict(text, 0..text.len()).map(|v| (v.normalized, v.kind))
    }

    #[test]
    fn accepts_real_addresses() {
        assert_eq!(
            check("Ola.Nordmann@Firma.no").unwrap().0,
            "ola.nordmann@firma.no"
        );
        assert_eq!(
            check("bjørn.ås@blåbærsyltetøy.no").unwrap().0,
            "bjørn.ås@xn--blbrsyltety-y8ao3x.no"
        );
        assert!(check("kari@xn--blbrsyltety-y8ao3x.no").is_some());
        assert!(check("«kari@firma.no»").is_some());
        assert_eq!(check("post@firma.no").unwrap().1, Some("role"));
    }

    #[test]
    fn rejects_look_alikes() {
        assert!(check("icon@2x.png").is_none());
        assert!(check("image001.png@01D9A1B2.3C4D5E60").is_none());
        assert!(check("pkg@1.2.3").is_none());
        assert!(check("user@localhost").is_none());
        assert!(check("a..b@firma.no").is_none());
        let header = "Message-ID: <abc.123@mail.firma.no>";
        assert!(verdict(header, 13..35).is_none());
        let folded = "References: <a@b.no>\n <x1@mail.firma.no>";
        let s = folded.find("x1").unwrap();
        assert!(verdict(folded, s..s + 16).is_none());
        let git = "git@github.com:org/repo.git";
        assert!(verdict(git, 0..14).is_none());
    }

    #[test]
    fn neighbouring_non_ascii_is_not_part_of_the_address() {
        fn found(t: &str) -> Option<(String, &str)> {
            let s = t.find(|c: char| c.is_alphanumeric()).unwrap();
            verdict(t, s..t.len()).map(|v| (v.normalized, &t[v.range.unwrap()]))
        }
        assert_eq!(
            found("Ola Nordmann\u{A0}ola@firma.no").unwrap().1,
            "ola@firma.no"
        );
        assert_eq!(found("10005«kari@firma.no").unwrap().1, "kari@firma.no");
        assert_eq!(found("til“kari@firma.no”").unwrap().1, "kari@firma.no");
        assert_eq!(
            found("kari@firma.no\u{A0}i dag").unwrap().1,
            "kari@firma.no"
        );
        assert_eq!(
            found("bjørn.ås@blåbærsyltetøy.no").unwrap().1,
            "bjørn.ås@blåbærsyltetøy.no"
        );
    }

    #[test]
    fn obfuscations() {
        assert_eq!(check("ola (at) firma.no").unwrap().0, "ola@firma.no");
        assert_eq!(check("ola[at]firma[dot]no").unwrap().0, "ola@firma.no");
        assert_eq!(
            check("ola (krøllalfa) firma (punktum) no").unwrap(),
            ("ola@firma.no".to_string(), Some("obfuscated"))
        );
        assert!(check("ola (hei) firma.no").is_none());
    }
}

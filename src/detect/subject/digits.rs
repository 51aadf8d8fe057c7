//! Numbers however they are grouped: a text's digit groups joined by short separators
//! (`912 34 567`, `(+47) 91 23 45 67`, `010190-12345`) are compared by their digits alone.

/// Most digits a compared number may have (`0047` and eight digits, or a long customer id).
pub const MAX_DIGITS: usize = 16;

/// Longest run of separator bytes between two groups of one number (`) ` in `(+47) 91`).
const MAX_SEPARATOR: usize = 3;

/// A number in a text: its digits and its byte range (first digit to last digit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number<'a> {
    /// The digits only.
    pub digits: &'a str,
    /// Byte offset of the first digit.
    pub start: usize,
    /// Byte offset just past the last digit.
    pub end: usize,
}

/// Bytes that may separate the digit groups of one number: space, tab, `-`, `.`, `(`, `)`,
/// `+`, `/`, and the bytes of NBSP (C2 A0) and narrow NBSP (E2 80 AF).
fn is_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'-' | b'.' | b'(' | b')' | b'+' | b'/' | 0xC2 | 0xA0 | 0xE2 | 0x80 | 0xAF
    )
}

/// Calls `accept` with the numbers of `text` made of consecutive whole digit groups, leftmost
/// and longest first: for each start group, the longest run of groups whose digits `accept`
/// takes (it returns true) is taken, and the search goes on after it. A group is never split,
/// so `4701019012345` does not contain `01019012345`.
pub fn numbers(text: &str, mut accept: impl FnMut(&Number<'_>) -> bool) {
    let bytes = text.as_bytes();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let Some(off) = bytes[i..].iter().position(u8::is_ascii_digit) else {
            break;
        };
        let start = i + off;
        let end = start
            + bytes[start..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(bytes.len() - start);
        let joined = groups.last().is_some_and(|&(_, prev_end)| {
            start - prev_end <= MAX_SEPARATOR
                && bytes[prev_end..start].iter().all(|&b| is_separator(b))
        });
        if !joined {
            chain(text, &groups, &mut accept);
            groups.clear();
        }
        groups.push((start, end));
        i = end;
    }
    chain(text, &groups, &mut accept);
}

/// Tries the runs of consecutive groups of one chain, leftmost-longest. The digits are
/// gathered in a buffer on the stack: most text numbers are not anyone's, and this runs for
/// every one of them.
fn chain(text: &str, groups: &[(usize, usize)], accept: &mut impl FnMut(&Number<'_>) -> bool) {
    let mut first = 0;
    while first < groups.len() {
        let mut buf = [0u8; MAX_DIGITS];
        let mut len = 0;
        // (last group, digits so far) for each run starting at `first`.
        let mut ends: Vec<(usize, usize)> = Vec::new();
        for (last, &(s, e)) in groups.iter().enumerate().skip(first) {
            if len + (e - s) > MAX_DIGITS {
                break;
            }
            buf[len..len + (e - s)].copy_from_slice(&text.as_bytes()[s..e]);
            len += e - s;
            ends.push((last, len));
        }
        let mut best: Option<usize> = None;
        for &(last, n) in ends.iter().rev() {
            let digits = std::str::from_utf8(&buf[..n]).expect("ASCII digits");
            let number = Number {
                digits,
                start: with_prefix(text, groups[first].0),
                end: groups[last].1,
            };
            if accept(&number) {
                best = Some(last);
                break;
            }
        }
        first = best.map_or(first + 1, |l| l + 1);
    }
}

/// Moves a number's start back over a `+` or `(+` written right before it (`(+47) 91 …`).
fn with_prefix(text: &str, start: usize) -> usize {
    let head = &text.as_bytes()[..start];
    match head {
        [.., b'(', b'+'] => start - 2,
        [.., b'+'] => start - 1,
        _ => start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, wanted: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        numbers(text, |n| {
            let hit = wanted.contains(&n.digits);
            if hit {
                out.push(format!("{}@{}..{}", n.digits, n.start, n.end));
            }
            hit
        });
        out
    }

    #[test]
    fn groupings_compare_by_digits() {
        let want = ["91234567", "4791234567", "004791234567"];
        for t in [
            "91234567",
            "912 34 567",
            "91 23 45 67",
            "+47 912 34 567",
            "0047 91234567",
            "(+47) 91 23 45 67",
            "4791234567",
            "tlf:91.23.45.67.",
            "91\u{a0}23\u{a0}45\u{a0}67",
        ] {
            assert_eq!(found(t, &want).len(), 1, "{t}");
        }
    }

    #[test]
    fn groups_are_never_split() {
        assert!(found("4701019012345", &["01019012345"]).is_empty());
        assert!(found("1.5 og 12345678901234567890", &["12345678"]).is_empty());
        assert_eq!(
            found("fnr=010190-12345&x=1", &["01019012345"]),
            ["01019012345@4..16"]
        );
        // Two numbers next to each other are both found.
        assert_eq!(
            found("912 34 567 22 33 44 55", &["91234567", "22334455"]),
            ["91234567@0..10", "22334455@11..22"]
        );
    }
}

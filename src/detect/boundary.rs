//! Neighbour checks for matches. Rust's `regex` has no look-around, so "not part of a longer
//! digit run" is decided here, in code, from the bytes around the match (spec §3.3).

use super::rules::Boundary;

/// Separators that join digit groups (`91 23 45 67`, `1.234`, `12-34`); `,` and `/` list
/// values instead (`912 34 567/22 33 44 55`, CSV).
fn is_group_separator(b: u8) -> bool {
    matches!(b, b' ' | b'.' | b'-' | b'\t')
}

/// True when `text[start..end]` stands on its own under `mode`.
pub fn holds(mode: Boundary, text: &[u8], start: usize, end: usize) -> bool {
    let before = |k: usize| start.checked_sub(k).map(|i| text[i]);
    let after = |k: usize| text.get(end + k - 1).copied();
    let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
    match mode {
        Boundary::None => true,
        Boundary::Word => !alnum(before(1)) && !alnum(after(1)),
        Boundary::Digits => {
            // `1.15108695088` and `15108695088.5` are parts of numbers; a comma usually
            // separates fields (CSV), so it is not taken as a decimal mark.
            let decimal_before = before(1) == Some(b'.') && digit(before(2));
            let decimal_after = after(1) == Some(b'.') && digit(after(2));
            !alnum(before(1)) && !alnum(after(1)) && !decimal_before && !decimal_after
        }
        Boundary::DigitGroups => {
            let group_before = before(1).is_some_and(is_group_separator) && digit(before(2))
                || before(1) == Some(b'+');
            let group_after = after(1).is_some_and(is_group_separator) && digit(after(2));
            holds(Boundary::Digits, text, start, end) && !group_before && !group_after
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(mode: Boundary, text: &str, value: &str) -> bool {
        let s = text.find(value).unwrap();
        holds(mode, text.as_bytes(), s, s + value.len())
    }

    #[test]
    fn digits_mode() {
        assert!(check(Boundary::Digits, "fnr 15108695088.", "15108695088"));
        assert!(!check(Boundary::Digits, "915108695088", "15108695088"));
        assert!(!check(Boundary::Digits, "ID15108695088", "15108695088"));
        assert!(!check(Boundary::Digits, "0.15108695088", "15108695088"));
        assert!(check(
            Boundary::Digits,
            "Kari,15108695088,38",
            "15108695088"
        ));
        assert!(check(Boundary::Digits, "1 15108695088", "15108695088"));
    }

    #[test]
    fn digit_groups_mode() {
        // Spec §3.3: `5812 3456 7890` must not yield `5812 3456`.
        assert!(!check(Boundary::DigitGroups, "5812 3456 7890", "5812 3456"));
        assert!(!check(
            Boundary::DigitGroups,
            "22 33 44 55 66",
            "33 44 55 66"
        ));
        assert!(!check(Boundary::DigitGroups, "+4691234567", "91234567"));
        assert!(check(
            Boundary::DigitGroups,
            "tlf. 912 34 567.",
            "912 34 567"
        ));
    }
}

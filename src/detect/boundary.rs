//! Neighbour checks for matches. Rust's `regex` has no look-around, so "not part of a longer
//! digit run" is decided here, in code, from the bytes around the match (spec §3.3).

use super::rules::Boundary;

/// Separators that join digit groups (`91 23 45 67`, `1.234`, `12-34`); `,` and `/` list
/// values instead (`912 34 567/22 33 44 55`, CSV).
fn is_group_separator(b: u8) -> bool {
    matches!(b, b' ' | b'.' | b'-' | b'\t')
}

/// True when `text[start..end]` stands on its own under `mode`. Inlined: it runs on every
/// candidate the automaton matches.
#[inline]
pub fn holds(mode: Boundary, text: &[u8], start: usize, end: usize) -> bool {
    // The bytes around the value; 0 (no letter, digit, separator or `+`) past either end.
    let before = |k: usize| start.checked_sub(k).map_or(0, |i| text[i]);
    let after = |k: usize| text.get(end + k - 1).copied().unwrap_or(0);
    if mode == Boundary::None {
        return true;
    }
    let (b1, a1) = (before(1), after(1));
    if b1.is_ascii_alphanumeric() || a1.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Boundary::Word {
        return true;
    }
    // Digits: `1.15108695088` and `15108695088.5` are parts of numbers; a comma usually
    // separates fields (CSV), so it is not taken as a decimal mark.
    let (b2, a2) = (before(2), after(2));
    if (b1 == b'.' && b2.is_ascii_digit()) || (a1 == b'.' && a2.is_ascii_digit()) {
        return false;
    }
    if mode == Boundary::Digits {
        return true;
    }
    // DigitGroups: not one group of a longer grouped number, nor after a `+` (a country code).
    let group_before = is_group_separator(b1) && b2.is_ascii_digit() || b1 == b'+';
    let group_after = is_group_separator(a1) && a2.is_ascii_digit();
    !group_before && !group_after
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checks as first written, byte by byte from their definitions.
    fn reference(mode: Boundary, text: &[u8], start: usize, end: usize) -> bool {
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
                reference(Boundary::Digits, text, start, end) && !group_before && !group_after
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_reference(
            text in proptest::collection::vec(
                proptest::prop_oneof![0u8..=255, proptest::sample::select(b"0123456789 .-\t+a".to_vec())],
                0..12,
            ),
            start in 0usize..12,
            len in 0usize..12,
        ) {
            let start = start.min(text.len());
            let end = (start + len).min(text.len());
            for mode in [Boundary::None, Boundary::Word, Boundary::Digits, Boundary::DigitGroups] {
                proptest::prop_assert_eq!(
                    holds(mode, &text, start, end),
                    reference(mode, &text, start, end)
                );
            }
        }
    }

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

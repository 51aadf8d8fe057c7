//! Norwegian phone numbers, classified against Nkom's E.164 numbering plan (spec §3).
//!
//! Accepted forms: 8 digits written `91234567`, `912 34 567`, `91 23 45 67`, `9123 4567`, with
//! an optional `+47`, `0047` or `(+47)` prefix. Digit-run boundaries are checked by the rule
//! engine; here the plan and the shape decide:
//! - mobile (4x, 9x) and fixed (2x–3x, 50–57, 6x–7x) are personal; M2M (58, 59), special
//!   (8xx) and numbers starting 0 or 1 are not;
//! - with a country prefix, or grouped 3-2-3 / 2-2-2-2, no context is needed;
//! - a contiguous run, dot-separated groups (IP-like), 4-4 fixed numbers and anything that
//!   reads as a date (DDMMYYYY, YYYYMMDD) need a phone keyword nearby.

use super::fnr::date_exists;
use super::{digit_groups, digit_string_after, digits, Groups, Verdict};
use std::ops::Range;

/// Class of an 8-digit national number in Nkom's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// 40–49, 90–99.
    Mobile,
    /// 20–39, 50–57, 60–79.
    Fixed,
    /// 59 (8-digit M2M/IoT).
    Machine,
    /// 800–899 special-rate and freephone numbers.
    Special,
}

/// Classifies an 8-digit national number; `None` for series outside the plan (0x, 1x, 58).
pub fn classify(nsn: &[u8]) -> Option<Class> {
    if nsn.len() != 8 {
        return None;
    }
    match nsn[0] * 10 + nsn[1] {
        40..=49 | 90..=99 => Some(Class::Mobile),
        20..=39 | 50..=57 | 60..=79 => Some(Class::Fixed),
        59 => Some(Class::Machine),
        80..=89 => Some(Class::Special),
        _ => None,
    }
}

/// True when 8 digits read as a calendar date, DDMMYYYY or YYYYMMDD.
pub fn looks_like_date(d: &[u8]) -> bool {
    let n = |a: usize, b: usize| d[a..b].iter().fold(0u32, |x, &y| x * 10 + u32::from(y));
    let plausible_year = |y: u32| (1800..=2199).contains(&y);
    let ddmmyyyy =
        plausible_year(n(4, 8)) && date_exists(n(0, 2) as u8, n(2, 4) as u8, (n(4, 8) % 100) as u8);
    let yyyymmdd =
        plausible_year(n(0, 4)) && date_exists(n(6, 8) as u8, n(4, 6) as u8, (n(0, 4) % 100) as u8);
    ddmmyyyy || yyyymmdd
}

/// The groupings people write national phone numbers in: `91234567`, `912 34 567`,
/// `91 23 45 67`, `9123 4567`.
fn phone_grouping(groups: &[u8]) -> bool {
    matches!(*groups, [8] | [3, 2, 3] | [2, 2, 2, 2] | [4, 4])
}

/// The validator behind `validator = "phone_no"`.
pub fn verdict(text: &str, range: Range<usize>) -> Option<Verdict> {
    let value = &text[range];
    if date_shaped(value.as_bytes()) {
        return None;
    }
    let groups = digit_groups(value);
    if surely_not(value, &groups) {
        return None;
    }
    checked(value, groups)
}

/// True for a date written `2023-12-31` or `31.12.2023` (any single non-digit between the
/// groups), which [`checked`] rejects: digit groups 4-2-2 or 2-2-4, eight digits, and no
/// country code (`0047-12-31` is left to the full checks). Dates are most of the candidates
/// of dense text (the 2-2-2-2 pattern reads `2023-12-31` as `20`, `23`, `12`, `31`), and this
/// tells them from their ten bytes without collecting the digit groups.
fn date_shaped(value: &[u8]) -> bool {
    let Ok(v) = <&[u8; 10]>::try_from(value) else {
        return false;
    };
    let digits_at = |positions: &[usize]| positions.iter().all(|&i| v[i].is_ascii_digit());
    let iso = !v[4].is_ascii_digit()
        && !v[7].is_ascii_digit()
        && digits_at(&[0, 1, 2, 3, 5, 6, 8, 9])
        && !v.starts_with(b"0047");
    let european =
        !v[2].is_ascii_digit() && !v[5].is_ascii_digit() && digits_at(&[0, 1, 3, 4, 6, 7, 8, 9]);
    iso || european
}

/// True for a candidate [`checked`] rejects, told from its digit `groups` alone. Most
/// candidates are dates and other numbers with no country code: when the digits are not ten
/// (a bare `47` code) and the grouping is none a phone number has, there is no need to
/// collect the digits.
fn surely_not(value: &str, groups: &[u8]) -> bool {
    // Candidates start with a digit but for a prefix; trimming (Unicode white space) is
    // needed only when they do not.
    let prefixed = match value.as_bytes().first() {
        Some(b) if b.is_ascii_digit() => value.starts_with("0047"),
        _ => {
            let trimmed = value.trim_start();
            trimmed.starts_with(['+', '(']) || trimmed.starts_with("0047")
        }
    };
    if prefixed {
        return false;
    }
    let count: usize = groups.iter().map(|&g| usize::from(g)).sum();
    count != 10 && !phone_grouping(groups)
}

/// The validator's checks on the candidate `value`, whose digit groups are `groups`.
fn checked(value: &str, groups: Groups) -> Option<Verdict> {
    let trimmed = value.trim_start();
    let all = digits(value);
    let prefixed = trimmed.starts_with('+')
        || trimmed.starts_with('(')
        || (trimmed.starts_with("0047") && all.len() == 12);
    // `47 91234567` without + or 00: ambiguous, so only with a phone keyword (spec §3.2).
    let bare_cc = !prefixed && all.len() == 10 && all.starts_with(&[4, 7]);
    let (nsn, groups) = if prefixed || bare_cc {
        // Drop the country code, whether it stands alone (`+47 …`) or is glued on (`+4791…`).
        let cc = if all.starts_with(&[0, 0, 4, 7]) { 4 } else { 2 };
        if all.len() != 8 + cc || all[cc - 2..cc] != [4, 7] {
            return None;
        }
        (&all[cc..], groups.without_leading_digits(cc as u8))
    } else {
        (&all[..], groups)
    };
    let class = classify(nsn)?;
    let kind = match class {
        Class::Mobile => "mobile",
        Class::Fixed => "fixed",
        Class::Machine | Class::Special => return None,
    };
    // Without a country code only the groupings people use for phone numbers count;
    // `31.12.2023` (2-2-4) or `2024-03-12` (4-2-2) is a date, rejected here before any
    // keyword search.
    if !prefixed && !phone_grouping(&groups) {
        return None;
    }
    let dotted = value.contains('.');
    let shape_ok = match *groups {
        [3, 2, 3] | [2, 2, 2, 2] => true,
        [4, 4] => class == Class::Mobile,
        _ => false,
    };
    let needs_context = bare_cc || (!prefixed && (!shape_ok || dotted || looks_like_date(nsn)));
    let mut v = Verdict::new(digit_string_after("+47", nsn))
        .kind(kind)
        .needs_context(needs_context);
    if class == Class::Fixed {
        v = v.delta(-0.1);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) -> Option<(&'static str, bool)> {
        verdict(s, 0..s.len()).map(|v| (v.kind.unwrap(), v.needs_context))
    }

    #[test]
    fn nkom_plan() {
        // Spec §3.1 and the reference prototype's asserts.
        assert_eq!(classify(&digits("58123456")), None);
        assert_eq!(classify(&digits("59123456")), Some(Class::Machine));
        assert_eq!(classify(&digits("80022222")), Some(Class::Special));
        assert_eq!(classify(&digits("01234567")), None);
        assert_eq!(classify(&digits("12345678")), None);
    }

    #[test]
    fn shapes_and_prefixes() {
        assert_eq!(check("912 34 567"), Some(("mobile", false)));
        assert_eq!(check("91 23 45 67"), Some(("mobile", false)));
        assert_eq!(check("9123 4567"), Some(("mobile", false)));
        assert_eq!(check("91234567"), Some(("mobile", true)));
        assert_eq!(check("+47 91234567"), Some(("mobile", false)));
        assert_eq!(check("+4791234567"), Some(("mobile", false)));
        assert_eq!(check("0047 912 34 567"), Some(("mobile", false)));
        assert_eq!(check("(+47) 22 33 44 55"), Some(("fixed", false)));
        assert_eq!(check("22.33.44.55"), Some(("fixed", true)));
        assert_eq!(check("2233 4455"), Some(("fixed", true)));
        assert_eq!(check("800 22 222"), None);
        assert_eq!(check("47 91234567"), Some(("mobile", true)));
        assert_eq!(check("4791234567"), Some(("mobile", true)));
        assert_eq!(check("+46 91234567"), None);
    }

    #[test]
    fn other_groupings_are_not_phones() {
        assert_eq!(check("31.12.2023"), None);
        assert_eq!(check("2024-03-12"), None);
        assert_eq!(check("912 345 67"), None);
        assert_eq!(check("+47 9123 45 67"), Some(("mobile", false)));
    }

    proptest::proptest! {
        /// The early rejection rejects only what the full checks reject.
        #[test]
        fn surely_not_agrees_with_the_checks(
            value in "[ (+]{0,2}(0047|47|\\+47)?[0-9 .\\-]{0,16}",
        ) {
            let groups = digit_groups(&value);
            if surely_not(&value, &groups) {
                proptest::prop_assert!(checked(&value, groups).is_none(), "{value:?}");
            }
        }
    }

    proptest::proptest! {
        /// The date shapes rejected up front are rejected by the full checks too.
        #[test]
        fn date_shapes_are_rejected_by_the_checks(
            value in "[0-9(+]{0,4}[ .\\-/\u{a0}x]?[0-9]{0,4}[ .\\-/]?[0-9]{0,4}",
        ) {
            if date_shaped(value.as_bytes()) {
                proptest::prop_assert!(checked(&value, digit_groups(&value)).is_none(), "{value:?}");
            }
        }
    }

    #[test]
    fn date_shapes() {
        for date in [
            "2023-12-31",
            "2023.12.31",
            "31.12.2023",
            "31/12/2023",
            "1234 56 78",
        ] {
            assert!(date_shaped(date.as_bytes()), "{date}");
            assert_eq!(check(date), None, "{date}");
        }
        for other in [
            "0047-12-31",
            "2023-12-3x",
            "912 34 567",
            "20231231",
            "2023-12-311",
        ] {
            assert!(!date_shaped(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn dates_need_context() {
        assert!(looks_like_date(&digits("31122023")));
        assert!(looks_like_date(&digits("20231231")));
        assert!(!looks_like_date(&digits("91234567")));
        assert_eq!(check("31122023"), Some(("fixed", true)));
    }
}

//! Organisasjonsnummer (9 digits starting 8 or 9, MOD11 with weights 3,2,7,6,5,4,3,2) and the
//! MVA-nummer written around it (`NO 988 077 917 MVA`). Spec §2.1–2.2.

use super::{digit_groups, digit_string, digits, mod11_check_digit, Verdict};

const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// True for a valid organisasjonsnummer given as 9 digit values.
pub fn is_valid(d: &[u8]) -> bool {
    d.len() == 9 && (d[0] == 8 || d[0] == 9) && mod11_check_digit(&d[..8], &WEIGHTS) == Some(d[8])
}

/// The validator behind `validator = "orgnr"`.
///
/// An MVA suffix makes it kind `mva`; a contiguous 9-digit run without it needs context
/// (random 9-digit numbers pass the check one time in eleven).
pub fn verdict(value: &str) -> Option<Verdict> {
    let d = digits(value);
    if !is_valid(&d) {
        return None;
    }
    let normalized = digit_string(&d);
    let upper = value.to_ascii_uppercase();
    if upper.ends_with("MVA") {
        return Some(Verdict::new(normalized).kind("mva").delta(0.1));
    }
    let grouped = digit_groups(value) == [3, 3, 3];
    Some(
        Verdict::new(normalized)
            .kind("orgnr")
            .needs_context(!grouped),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brreg_examples() {
        // Spec §2.1: valid 988077917, 977074010, 995525828; invalid 988077918;
        // 123456785 passes MOD11 but does not start with 8 or 9.
        for ok in ["988077917", "977074010", "995525828"] {
            assert!(is_valid(&digits(ok)), "{ok}");
        }
        assert!(!is_valid(&digits("988077918")));
        assert!(!is_valid(&digits("123456785")));
        assert!(!is_valid(&digits("100000008")));
    }

    #[test]
    fn kinds() {
        assert_eq!(verdict("NO 995 525 828 MVA").unwrap().kind, Some("mva"));
        assert!(!verdict("988 077 917").unwrap().needs_context);
        assert!(verdict("988077917").unwrap().needs_context);
    }
}

//! Kontonummer: 11 digits `XXXX.YY.ZZZZC`, MOD11 with weights 5,4,3,2,7,6,5,4,3,2. Spec §2.3.
//!
//! Every fødselsnummer is also a valid kontonummer (identical weights), so the rule engine
//! tries the fnr rule first; here a contiguous run needs an account keyword nearby, while the
//! 4-2-5 grouping people use for accounts is enough on its own.

use super::{digit_groups, digit_string, digits, mod11_check_digit, Verdict};

const WEIGHTS: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

/// True for a valid kontonummer given as 11 digit values.
pub fn is_valid(d: &[u8]) -> bool {
    d.len() == 11 && mod11_check_digit(&d[..10], &WEIGHTS) == Some(d[10])
}

/// The validator behind `validator = "kontonummer"`.
pub fn verdict(value: &str) -> Option<Verdict> {
    let d = digits(value);
    if !is_valid(&d) || d.iter().all(|&x| x == d[0]) {
        return None;
    }
    let normalized = digit_string(&d);
    let grouped = digit_groups(value) == [4, 2, 5];
    Some(Verdict::new(normalized).needs_context(!grouped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecbs_examples() {
        assert!(is_valid(&digits("86011117947")));
        assert!(is_valid(&digits("32074068323")));
        assert!(!is_valid(&digits("86011117949")));
        // Spec §1.8: 1503.12.00188 is a kontonummer (and also a legacy-valid fnr).
        assert!(is_valid(&digits("15031200188")));
    }

    #[test]
    fn grouping_decides_context() {
        assert!(!verdict("8601.11.17947").unwrap().needs_context);
        assert!(!verdict("8601 11 17947").unwrap().needs_context);
        assert!(verdict("86011117947").unwrap().needs_context);
    }
}

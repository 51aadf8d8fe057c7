//! Norwegian IBAN: `NO` + 2 check digits + an 11-digit kontonummer (15 characters), ISO 13616
//! mod-97 and the kontonummer MOD11 both checked. Spec §2.4.

use super::{account, digits, Verdict};

/// True when `compact` (no spaces, upper case) is a valid Norwegian IBAN.
pub fn is_valid(compact: &str) -> bool {
    let b = compact.as_bytes();
    if b.len() != 15 || !compact.starts_with("NO") || !b[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    // Move "NOkk" to the end, letters as numbers (N = 23, O = 24), then mod 97.
    let rearranged = format!("{}2324{}", &compact[4..], &compact[2..4]);
    let rem = rearranged
        .bytes()
        .fold(0u32, |acc, c| (acc * 10 + u32::from(c - b'0')) % 97);
    rem == 1 && account::is_valid(&digits(&compact[4..]))
}

/// The validator behind `validator = "iban_no"`.
pub fn verdict(value: &str) -> Option<Verdict> {
    let compact: String = value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    is_valid(&compact).then(|| Verdict::new(compact))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecbs_examples() {
        assert!(is_valid("NO9386011117947"));
        assert!(is_valid("NO3932074068323"));
        assert!(!is_valid("NO9286011117947"));
        assert!(!is_valid("NO2386011117946"));
        assert!(verdict("no93 8601 1117 947").is_some());
        assert!(verdict("NO93-8601-1117-947").is_some());
    }
}

//! Payment card numbers: Luhn (ISO/IEC 7812), a known issuer prefix (IIN) and a length that
//! issuer uses. Spec §2.8. Luhn alone passes one random number in ten, so a contiguous run
//! needs a card keyword nearby; the 4-4-4-4 style grouping is enough on its own.

use super::{digit_groups, digit_string, digits, Verdict};

/// True when the digits pass the Luhn check.
pub fn luhn(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = u32::from(x);
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The card brand for an issuer prefix and length, if the combination exists.
pub fn brand(d: &[u8]) -> Option<&'static str> {
    let n = d.len();
    let prefix = |k: usize| -> u32 { d[..k].iter().fold(0, |a, &x| a * 10 + u32::from(x)) };
    if n < 12 {
        return None;
    }
    let p2 = prefix(2);
    let p3 = prefix(3);
    let p4 = prefix(4);
    let p6 = prefix(6);
    match () {
        _ if d[0] == 4 && matches!(n, 13 | 16 | 19) => Some("visa"),
        _ if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && n == 16 => {
            Some("mastercard")
        }
        _ if (p2 == 34 || p2 == 37) && n == 15 => Some("amex"),
        _ if (p4 == 6011
            || p2 == 65
            || (644..=649).contains(&p3)
            || (622126..=622925).contains(&p6))
            && (16..=19).contains(&n) =>
        {
            Some("discover")
        }
        _ if (3528..=3589).contains(&p4) && (16..=19).contains(&n) => Some("jcb"),
        _ if ((300..=305).contains(&p3) || p2 == 36 || p2 == 38) && (14..=19).contains(&n) => {
            Some("diners")
        }
        _ if (p2 == 50 || (56..=69).contains(&p2)) && (12..=19).contains(&n) => Some("maestro"),
        _ => None,
    }
}

/// The validator behind `validator = "payment_card"`.
pub fn verdict(value: &str) -> Option<Verdict> {
    let d = digits(value);
    if !luhn(&d) || d.iter().all(|&x| x == d[0]) {
        return None;
    }
    let brand = brand(&d)?;
    let groups = digit_groups(value);
    let grouped = groups.len() > 1 && groups[..groups.len() - 1].iter().all(|&g| g == 4)
        || groups == [4, 6, 5]
        || groups == [4, 6, 4];
    let normalized = digit_string(&d);
    Some(Verdict::new(normalized).kind(brand).needs_context(!grouped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_reference_numbers() {
        // Spec §2.8 and the issuers' published test numbers.
        assert!(luhn(&digits("4111111111111111")));
        assert!(!luhn(&digits("4111111111111112")));
        assert_eq!(brand(&digits("5555555555554444")), Some("mastercard"));
        assert_eq!(brand(&digits("378282246310005")), Some("amex"));
        assert!(luhn(&digits("378282246310005")));
        assert_eq!(brand(&digits("6011111111111117")), Some("discover"));
        assert_eq!(brand(&digits("2223003122003222")), Some("mastercard"));
    }

    #[test]
    fn grouping_decides_context() {
        assert!(!verdict("4111 1111 1111 1111").unwrap().needs_context);
        assert!(!verdict("3782 822463 10005").unwrap().needs_context);
        assert!(verdict("4111111111111111").unwrap().needs_context);
        assert!(verdict("1234 5678 9012 3456").is_none());
    }
}

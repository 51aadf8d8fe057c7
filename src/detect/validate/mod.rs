//! Built-in validators: code that decides whether a regex candidate really is the identifier
//! its rule looks for (checksums, calendars, numbering plans), what kind it is, and its
//! normalised form.
//!
//! A rule file names its validator with `validator = "<name>"`; [`Validator::from_name`] lists
//! the names. Validators see the whole text and the candidate's byte range, so they can look at
//! neighbouring characters; the rule engine has already checked digit-run boundaries.

pub mod account;
pub mod card;
pub mod email;
pub mod fnr;
pub mod iban;
pub mod orgnr;
pub mod phone;

use std::ops::Range;

/// What a validator concluded about a candidate it accepts.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Sub-type, e.g. `fnr`, `dnr`, `synthetic`, `mobile`, `visa`.
    pub kind: Option<&'static str>,
    /// Canonical form (digits only, lower-cased address …) used for fingerprints and dedupe.
    pub normalized: String,
    /// Added to the rule's base confidence (negative for weak evidence).
    pub confidence_delta: f32,
    /// The candidate is only a finding when one of the rule's context keywords is near.
    pub needs_context: bool,
    /// The byte range of the value, when the validator trimmed the regex match.
    pub range: Option<Range<usize>>,
}

impl Verdict {
    /// An accepted candidate with a normalised value and nothing else to say.
    pub fn new(normalized: String) -> Self {
        Verdict {
            kind: None,
            normalized,
            confidence_delta: 0.0,
            needs_context: false,
            range: None,
        }
    }

    /// Sets the kind.
    pub fn kind(mut self, kind: &'static str) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Lowers or raises confidence.
    pub fn delta(mut self, delta: f32) -> Self {
        self.confidence_delta += delta;
        self
    }

    /// Marks the candidate as needing a context keyword.
    pub fn needs_context(mut self, needs: bool) -> Self {
        self.needs_context |= needs;
        self
    }
}

/// The built-in validators a rule can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validator {
    /// Fødselsnummer family: fnr, D-, H-, synthetic and FH-numbers (`fnr`).
    Fnr,
    /// Organisasjonsnummer and MVA-nummer (`orgnr`).
    Orgnr,
    /// Norwegian bank account number, kontonummer (`kontonummer`).
    Kontonummer,
    /// Norwegian IBAN (`iban_no`).
    IbanNo,
    /// Payment card number: Luhn, IIN and length (`payment_card`).
    PaymentCard,
    /// E-mail address (`email`).
    Email,
    /// Norwegian phone number per Nkom's numbering plan (`phone_no`).
    PhoneNo,
}

impl Validator {
    /// Every validator with the name rule files use for it.
    pub const ALL: [(&'static str, Validator); 7] = [
        ("fnr", Validator::Fnr),
        ("orgnr", Validator::Orgnr),
        ("kontonummer", Validator::Kontonummer),
        ("iban_no", Validator::IbanNo),
        ("payment_card", Validator::PaymentCard),
        ("email", Validator::Email),
        ("phone_no", Validator::PhoneNo),
    ];

    /// Looks a validator up by the name used in rule files.
    pub fn from_name(name: &str) -> Option<Validator> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// Checks the candidate `text[range]`; `None` rejects it.
    pub fn check(self, text: &str, range: Range<usize>) -> Option<Verdict> {
        let value = &text[range.clone()];
        match self {
            Validator::Fnr => fnr::verdict(value),
            Validator::Orgnr => orgnr::verdict(value),
            Validator::Kontonummer => account::verdict(value),
            Validator::IbanNo => iban::verdict(value),
            Validator::PaymentCard => card::verdict(value),
            Validator::Email => email::verdict(text, range),
            Validator::PhoneNo => phone::verdict(text, range),
        }
    }
}

/// A short run of small numbers kept on the stack: the digits, or the digit-group lengths, of
/// one candidate. Validators run on every candidate, so they must not allocate. Values past
/// the capacity are dropped and the run stays full, which no validator accepts as a length.
#[derive(Clone, Copy)]
pub struct Small<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Small<N> {
    fn new() -> Self {
        Small {
            buf: [0; N],
            len: 0,
        }
    }

    fn push(&mut self, v: u8) {
        if self.len < N {
            self.buf[self.len] = v;
            self.len += 1;
        }
    }
}

impl<const N: usize> std::ops::Deref for Small<N> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl<const N: usize, const M: usize> PartialEq<[u8; M]> for Small<N> {
    fn eq(&self, other: &[u8; M]) -> bool {
        **self == *other
    }
}

impl<const N: usize> std::fmt::Debug for Small<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// Digits of one candidate: more than any identifier has.
pub type Digits = Small<48>;

/// The ASCII digits of `s` as numbers 0–9, in order.
pub fn digits(s: &str) -> Digits {
    let mut d = Digits::new();
    for b in s.bytes().filter(u8::is_ascii_digit) {
        d.push(b - b'0');
    }
    d
}

/// Digit-group lengths of one candidate (a group longer than 255 counts as 255).
pub type Groups = Small<16>;

/// The lengths of the runs of ASCII digits in `s`: `"912 34 567"` → `[3, 2, 3]`.
pub fn digit_groups(s: &str) -> Groups {
    let mut groups = Groups::new();
    let mut run: u8 = 0;
    for b in s.bytes() {
        if b.is_ascii_digit() {
            run = run.saturating_add(1);
        } else if run > 0 {
            groups.push(run);
            run = 0;
        }
    }
    if run > 0 {
        groups.push(run);
    }
    groups
}

impl Groups {
    /// The groups of what follows the first `n` digits: `[2, 3, 2, 3]` less 2 → `[3, 2, 3]`,
    /// `[10]` less 2 → `[8]`.
    pub fn without_leading_digits(&self, mut n: u8) -> Groups {
        let mut out = Groups::new();
        for &g in self.iter() {
            if n >= g {
                n -= g;
            } else {
                out.push(g - n);
                n = 0;
            }
        }
        out
    }
}

/// Digits 0–9 as the text they stand for.
pub fn digit_string(d: &[u8]) -> String {
    digit_string_after("", d)
}

/// `prefix`, then digits 0–9 as the text they stand for, in one allocation of the right size.
/// The digits are mapped as bytes (collecting `char`s pushed each one through a capacity check
/// and UTF-8 encoding: ~350 instructions for a fødselsnummer) and checked as UTF-8 once.
pub fn digit_string_after(prefix: &str, d: &[u8]) -> String {
    let mut out = Vec::with_capacity(prefix.len() + d.len());
    out.extend_from_slice(prefix.as_bytes());
    out.extend(d.iter().map(|x| b'0' + x));
    String::from_utf8(out).expect("digits are ASCII")
}

/// `Σ weights[i] · digits[i] mod 11`, the core of every Norwegian MOD11 check.
pub fn mod11_sum(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum::<u32>()
        % 11
}

/// The MOD11 control digit for `digits` with `weights` (11 → 0); `None` when it would be 10,
/// which is never issued.
pub fn mod11_check_digit(digits: &[u8], weights: &[u32]) -> Option<u8> {
    match (11 - mod11_sum(digits, weights)) % 11 {
        10 => None,
        k => Some(k as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_digits() {
        assert_eq!(digit_groups("912 34 567"), [3, 2, 3]);
        assert_eq!(digit_groups("+47 91234567"), [2, 8]);
        assert_eq!(digit_string(&[0, 1, 9]), "019");
        assert_eq!(digit_string_after("+47", &[9, 1]), "+4791");
        assert_eq!(digits("12-3"), [1, 2, 3]);
        assert_eq!(
            digit_groups("+47 912 34 567").without_leading_digits(2),
            [3, 2, 3]
        );
        assert_eq!(digit_groups("+4791234567").without_leading_digits(2), [8]);
        assert_eq!(digit_groups("+4 7 91234567").without_leading_digits(2), [8]);
        // Past the capacity the run stays full, a length no identifier has.
        assert_eq!(digits(&"1".repeat(100)).len(), 48);
        assert_eq!(digit_groups(&"1 ".repeat(40)).len(), 16);
        assert_eq!(digit_groups(&"1".repeat(300)), [255]);
    }

    #[test]
    fn every_name_resolves() {
        for (name, v) in Validator::ALL {
            assert_eq!(Validator::from_name(name), Some(v));
        }
        assert_eq!(Validator::from_name("nope"), None);
    }
}

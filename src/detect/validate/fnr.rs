//! Fødselsnummer family: fnr, D-nummer, H-nummer (and NAV's +40 synthetic numbers), Tenor
//! synthetic numbers (+80 month), FH-nummer — exactly per the spec in
//! `shared/reference/norwegian-identifiers.md` §1.
//!
//! Control digits use the full-sum form: `r1 = Σ(3,7,6,1,8,9,4,5,2,1)·d mod 11` must be 0
//! (legacy) or 1–3 (the 2032 rule); `r2 = Σ(5,4,3,2,7,6,5,4,3,2,1)·d mod 11` must be 0. The date
//! check is century-agnostic; the individnummer/century table and the gender digit are not
//! enforced (both are dead from 2032).

use super::{digit_string, digits, Verdict};

const W1: [u32; 10] = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const W2: [u32; 11] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// What kind of number a valid 11-digit string is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Ordinary fødselsnummer.
    Fnr,
    /// D-nummer (day + 40).
    Dnr,
    /// H-nummer (month + 40); NAV's synthetic test numbers use the same encoding.
    Hnr,
    /// Skatteetaten/Tenor synthetic number (month + 80), alone or combined with D.
    Synthetic,
    /// FH-nummer (first digit 8 or 9, no date).
    Fh,
}

impl Kind {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Fnr => "fnr",
            Kind::Dnr => "dnr",
            Kind::Hnr => "hnr",
            Kind::Synthetic => "synthetic",
            Kind::Fh => "fh",
        }
    }
}

/// A classified number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classified {
    /// The kind of number.
    pub kind: Kind,
    /// True when the first control digit only satisfies the 2032 rule (remainder 1–3).
    pub scheme_2032: bool,
}

/// Classifies 11 digits (values 0–9); `None` when they are not a valid number of the family.
pub fn classify(d: &[u8]) -> Option<Classified> {
    if d.len() != 11 || d.iter().any(|&x| x > 9) {
        return None;
    }
    let r1 = weighted(&d[..10], &W1);
    let r2 = weighted(d, &W2);
    if r2 != 0 || r1 > 3 {
        return None;
    }
    let scheme_2032 = r1 != 0;
    if d[0] >= 8 {
        // FH-nummer: no date; the 2032 rule is unspecified for FH, so legacy only.
        return (!scheme_2032).then_some(Classified {
            kind: Kind::Fh,
            scheme_2032,
        });
    }
    let mut day = 10 * d[0] + d[1];
    let mut month = 10 * d[2] + d[3];
    let year = 10 * d[4] + d[5];
    let d_number = d[0] >= 4;
    if d_number {
        day -= 40;
    }
    let kind = match d[2] {
        0 | 1 => {
            if d_number {
                Kind::Dnr
            } else {
                Kind::Fnr
            }
        }
        4 | 5 => {
            month -= 40;
            Kind::Hnr
        }
        8 | 9 => {
            month -= 80;
            Kind::Synthetic
        }
        _ => return None,
    };
    if !date_exists(day, month, year) {
        return None;
    }
    Some(Classified { kind, scheme_2032 })
}

fn weighted(d: &[u8], w: &[u32]) -> u32 {
    d.iter()
        .zip(w)
        .map(|(&x, &w)| u32::from(x) * w)
        .sum::<u32>()
        % 11
}

/// True when day.month exists in year `yy` of some century (29.02 whenever `yy % 4 == 0`,
/// because 2000 was a leap year).
pub fn date_exists(day: u8, month: u8, yy: u8) -> bool {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if yy.is_multiple_of(4) => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The validator behind `validator = "fnr"`.
///
/// Synthetic and FH numbers and 2032-rule numbers (not issued before 2032) carry less
/// confidence; FH numbers, which have no date, need a context keyword.
pub fn verdict(value: &str) -> Option<Verdict> {
    let d = digits(value);
    if d.iter().all(|&x| x == d[0]) {
        return None;
    }
    let c = classify(&d)?;
    let normalized = digit_string(&d);
    let mut v = Verdict::new(normalized).kind(c.kind.name());
    if c.scheme_2032 && !y2032_in_force() {
        v = v.delta(-0.4);
    }
    if c.kind == Kind::Fh {
        v = v.needs_context(true);
    }
    Some(v)
}

/// True from 1 January 2032, when numbers under the new control-digit rule are issued.
fn y2032_in_force() -> bool {
    // 2032-01-01T00:00:00Z as seconds since the Unix epoch.
    const Y2032: u64 = 1_956_528_000;
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() >= Y2032)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<(&'static str, bool)> {
        let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        classify(&d).map(|c| (c.kind.name(), c.scheme_2032))
    }

    /// The worked examples of spec §1.7 (Skatteetaten's CSV, the 2032 page, NAV/Tenor,
    /// python-stdnum doctests and the pitfall list).
    #[test]
    fn spec_vectors() {
        let cases: &[(&str, Option<(&str, bool)>)] = &[
            ("20036914700", Some(("fnr", false))),
            ("20036914712", None),
            ("29020073150", Some(("fnr", false))),
            ("29020105729", None),
            ("30108299939", Some(("fnr", true))),
            ("30108299920", Some(("fnr", false))),
            ("02013299997", Some(("fnr", false))),
            ("02013299903", Some(("fnr", true))),
            ("55102499947", Some(("dnr", true))),
            ("03851598730", Some(("synthetic", false))),
            ("30908299902", Some(("synthetic", true))),
            ("41819077302", Some(("synthetic", false))),
            ("41819077906", Some(("synthetic", true))),
            ("17912099997", Some(("synthetic", false))),
            ("57912075186", Some(("synthetic", false))),
            ("15507600333", Some(("hnr", false))),
            ("55507608360", Some(("hnr", false))),
            ("13527248013", Some(("hnr", false))),
            ("15108695088", Some(("fnr", false))),
            ("15108695077", None),
            ("11111598403", Some(("fnr", false))),
            ("23114048690", Some(("fnr", false))),
            ("45014054018", Some(("dnr", false))),
            ("01129955131", None),
            ("00000000000", None),
            ("12345678910", None),
        ];
        for (n, want) in cases {
            assert_eq!(kind(n), *want, "{n}");
        }
    }

    #[test]
    fn legal_k1_set_for_2032_prefix() {
        // Spec §1.7: for prefix 301082999 the legal k1 values are {2,3,4,5}.
        for n in ["30108299920", "30108299939", "30108299947", "30108299955"] {
            assert!(kind(n).is_some(), "{n}");
        }
    }

    #[test]
    fn fh_needs_context_and_trivial_rejected() {
        assert!(verdict("00000000000").is_none());
        assert!(verdict("11111111111").is_none());
        let v = verdict("151086 95088").unwrap();
        assert_eq!(v.normalized, "15108695088");
        assert!(!v.needs_context);
    }

    #[test]
    fn leap_years_are_century_agnostic() {
        assert!(date_exists(29, 2, 0));
        assert!(date_exists(29, 2, 96));
        assert!(!date_exists(29, 2, 1));
        assert!(!date_exists(31, 4, 50));
        assert!(!date_exists(0, 1, 50));
    }
}

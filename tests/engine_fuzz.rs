//! Property tests: the rule engine and every validator survive arbitrary input.
//!
//! * `Engine::scan` with the built-in rules never panics and only reports non-empty, in-bounds
//!   ranges on char boundaries, in order, on arbitrary Unicode, on arbitrary bytes decoded
//!   lossily, and on text built from tokens chosen to hit edge cases (digit runs, separators,
//!   line breaks, `@`, `.`, æøå, `+47`, `(at)`, multi-byte characters next to digits …).
//! * Keyword rules (special categories) paired with the scan's detections never panic, and
//!   every pair is a keyword on char boundaries with an identifier of the scan.
//! * A scan that stops early (`report_before`) agrees with the full scan before the cut.
//! * `Validator::check` for every variant in `Validator::ALL` never panics on any char-boundary
//!   range of such texts, and a trimmed range it returns lies inside the range it was given.
//!
//! Case counts are modest so the file runs in seconds in a debug build. Failures are not
//! persisted to a regressions file (proptest prints the shrunk input instead).

use std::cell::RefCell;
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use sporhund::detect::pairing::{pair_in_text, Paired};
use sporhund::detect::validate::Validator;
use sporhund::detect::{Detection, Engine, RuleSet, Scratch};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&RuleSet::builtin().unwrap()).unwrap())
}

/// `cases` cases, or `PROPTEST_CASES` when set (for a long fuzzing run, e.g.
/// `PROPTEST_CASES=200000 cargo test --release --test suite engine_fuzz::`).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn scan(text: &str, report_before: usize) -> Vec<Detection> {
    thread_local! {
        // One scratch per test thread, as the engine's callers keep one per worker.
        static SCRATCH: RefCell<Scratch> = RefCell::new(engine().scratch());
    }
    let mut out = Vec::new();
    SCRATCH.with_borrow_mut(|scratch| {
        engine().scan(text, report_before, scratch, |d| out.push(d));
    });
    out
}

/// Scans `text` and checks every detection's range and fields.
fn check_scan(text: &str) -> Result<Vec<Detection>, TestCaseError> {
    let detections = scan(text, text.len());
    let rules = engine().rules().len();
    let mut previous_start = 0;
    for d in &detections {
        prop_assert!(
            d.start < d.end && d.end <= text.len(),
            "range {}..{} out of bounds (len {}) in {:?}: {:?}",
            d.start,
            d.end,
            text.len(),
            text,
            d
        );
        prop_assert!(
            text.is_char_boundary(d.start) && text.is_char_boundary(d.end),
            "range {}..{} not on char boundaries in {:?}",
            d.start,
            d.end,
            text
        );
        prop_assert!(
            d.start >= previous_start,
            "detections out of order in {:?}",
            text
        );
        previous_start = d.start;
        prop_assert!(d.rule < rules);
        prop_assert!((0.0..=1.0).contains(&d.confidence));
        prop_assert!(!d.normalized.is_empty());
    }
    Ok(detections)
}

/// Runs every validator on `text[a..b]` (indices snapped down to char boundaries).
fn check_validators(text: &str, a: usize, b: usize) -> Result<(), TestCaseError> {
    let snap = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (a, b) = (snap(a.min(b)), snap(a.max(b)));
    for (name, validator) in Validator::ALL {
        if let Some(v) = validator.check(text, a..b) {
            if let Some(r) = &v.range {
                prop_assert!(
                    a <= r.start && r.start <= r.end && r.end <= b,
                    "{name}: trimmed range {r:?} outside {a}..{b} in {text:?}"
                );
                prop_assert!(
                    text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
                    "{name}: trimmed range {r:?} not on char boundaries in {text:?}"
                );
            }
        }
    }
    Ok(())
}

/// Tokens for the edge-case alphabet; digits are drawn separately and more often.
const TOKENS: &[&str] = &[
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u{A0}",
    "\u{202F}",
    "-",
    ".",
    ",",
    ":",
    "/",
    "+",
    "@",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    "«",
    "»",
    "\"",
    "æ",
    "ø",
    "å",
    "Æ",
    "Ø",
    "Å",
    "é",
    "€",
    "\u{1F600}",
    "\u{FFFD}",
    "+47",
    "+47 ",
    "0047",
    "(+47)",
    "(47)",
    "(at)",
    " (at) ",
    "[at]",
    "(dot)",
    "[dot]",
    "(krøllalfa)",
    "(punktum)",
    "a",
    "x",
    "no",
    "NO",
    "MVA",
    ".no",
    ".com",
    "firma",
    "xn--blbrsyltety-y8ao3x",
    "blåbærsyltetøy",
    "fnr ",
    "fødselsnummer ",
    "konto ",
    "kontonr ",
    "tlf ",
    "mobil ",
    "KID ",
    "kort ",
    "iban ",
    "orgnr ",
    "kr ",
    "Message-ID: ",
    "References: ",
    "cid:",
    "git@",
    "mailto:",
    "15108695088",
    "151086 95088",
    "151086\n95088",
    "80000000098",
    "8601.11.17947",
    "86011117947",
    "NO9386011117947",
    "NO93 8601 1117 947",
    "4111 1111 1111 1111",
    "4111111111111111",
    "3782 822463 10005",
    "912 34 567",
    "91 23 45 67",
    "9123 4567",
    "988 077 917",
    "988077917",
    "kari@firma.no",
    "diagnose",
    "DIAGNOSEVERKTØY",
    "sykmeldt",
    "sjukmeld",
    "Ø",
    "psykisk helse",
    "innlagt vann",
    "LO",
    "dømt for",
    "fagforeningstrekk",
    "kvensk",
    "serveren",
];

fn edge_text() -> impl Strategy<Value = String> {
    let digit = (0u8..10).prop_map(|d| char::from(b'0' + d).to_string());
    let token = proptest::sample::select(TOKENS).prop_map(str::to_string);
    proptest::collection::vec(prop_oneof![3 => digit, 2 => token], 0..80)
        .prop_map(|parts| parts.concat())
}

fn unicode_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..200).prop_map(String::from_iter)
}

fn lossy_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 0..300)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Something a validator could be handed by a rule pattern (built-in or user-written): an
/// optional prefix, then digits with the odd separator, e.g. `+4 7 91234567` or `(4 7) 9123 4567`.
fn digit_shape() -> impl Strategy<Value = String> {
    const PREFIXES: &[&str] = &[
        "", "", "+", "(", "(+", "00", "0047", "+47", "(+47)", " ", "NO", "no", "+4", "(4",
    ];
    const SEPARATORS: &[&str] = &[" ", "-", ".", ")", "\n", "\u{A0}", "/", "MVA", "@"];
    let digit = (0u8..10).prop_map(|d| char::from(b'0' + d).to_string());
    let separator = proptest::sample::select(SEPARATORS).prop_map(str::to_string);
    (
        proptest::sample::select(PREFIXES),
        proptest::collection::vec(prop_oneof![5 => digit, 1 => separator], 0..22),
    )
        .prop_map(|(prefix, parts)| format!("{prefix}{}", parts.concat()))
}

/// Any of the kinds of text.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => edge_text(),
        2 => digit_shape(),
        1 => unicode_text(),
        1 => lossy_text(),
    ]
}

/// Found by `validators_survive_any_range`: a country code split across digit groups made the
/// phone validator subtract with overflow (`*g -= cc` in `phone::verdict`; debug builds panicked,
/// release builds wrapped). Kept as fixed cases because random generation hits it only rarely.
#[test]
fn country_code_split_across_groups() {
    for s in [
        "+4 700000000",
        "+4 791234567",
        "+4 7 91234567",
        "(4 7) 91234567",
        "(+4 7) 912 34 567",
        "+0 047 91234567",
    ] {
        for (_, validator) in Validator::ALL {
            let _ = validator.check(s, 0..s.len());
        }
        check_scan(s).unwrap();
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn scan_survives_arbitrary_unicode(text in unicode_text()) {
        check_scan(&text)?;
    }

    #[test]
    fn scan_survives_lossy_bytes(text in lossy_text()) {
        check_scan(&text)?;
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn scan_survives_edge_alphabet(text in edge_text()) {
        check_scan(&text)?;
    }

    #[test]
    fn keyword_pairing_survives_any_text(text in any_text()) {
        let detections = check_scan(&text)?;
        for (hit, partner, _) in pair_in_text(engine(), &text, &detections) {
            prop_assert!(hit.start < hit.end && hit.end <= text.len());
            prop_assert!(text.is_char_boundary(hit.start) && text.is_char_boundary(hit.end));
            prop_assert!(engine().rules()[hit.rule].rule.requires.is_some());
            match partner {
                Paired::Detection(i) => prop_assert!(i < detections.len()),
                Paired::Name(n) => {
                    prop_assert!(n.start < n.end && n.end <= text.len());
                    prop_assert!(text.is_char_boundary(n.start) && text.is_char_boundary(n.end));
                }
            }
        }
    }

    /// `scan(text, cut)` agrees with `scan(text, text.len())` before the cut. Not exactly a
    /// prefix: the engine resolves overlaps between detections, and its last detection before
    /// the cut may lose to an overlapping one that starts at or after the cut, which the early
    /// scan never sees (e.g. `konto 00003782 822463 10005«kari@firma.no` cut at 16: the early
    /// scan reports the account `822463 10005`, the full scan only the e-mail starting at 22).
    #[test]
    fn early_stop_agrees_before_the_cut(text in edge_text(), cut in any::<Index>()) {
        let full = check_scan(&text)?;
        let mut cut = cut.index(text.len() + 1);
        while !text.is_char_boundary(cut) {
            cut -= 1; // callers cut chunks at char boundaries
        }
        let part = scan(&text, cut);
        let n = part.len();
        if n > 0 {
            prop_assert!(full.len() >= n);
            prop_assert_eq!(&part[..n - 1], &full[..n - 1]);
            if full[n - 1] != part[n - 1] {
                prop_assert!(
                    full[n - 1].start >= cut && !full.contains(&part[n - 1]),
                    "cut {}: {:?} vs {:?} in {:?}", cut, part, full, text
                );
            }
        }
        for f in full.iter().filter(|f| f.start < cut) {
            prop_assert!(part.contains(f), "cut {}: {:?} missing from {:?} in {:?}", cut, f, part, text);
        }
    }

    #[test]
    fn validators_survive_any_range(
        text in any_text(),
        a in any::<Index>(),
        b in any::<Index>(),
    ) {
        check_validators(&text, a.index(text.len() + 1), b.index(text.len() + 1))?;
        // Whole-text and empty ranges too.
        check_validators(&text, 0, text.len())?;
        check_validators(&text, text.len(), text.len())?;
    }

    #[test]
    fn validators_survive_digit_shapes(text in digit_shape()) {
        check_validators(&text, 0, text.len())?;
        check_scan(&text)?;
    }
}

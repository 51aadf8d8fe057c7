//! Pairing keyword hits (special categories) with person identifiers.
//!
//! A keyword is a finding only when an identifier of a category its rule `requires` is near:
//! within the rule's window in the same text, or (scope `record`) anywhere in the same record,
//! row or message. A person's name counts when the rule lists the category `person_name`
//! ([`super::names`] finds names, only around keywords). Of several identifiers the one giving
//! the most serious pair wins, then an identifier finding over a name, then the one in the same
//! text, then the nearest. The record bookkeeping lives with the scan (it needs locations); the
//! choice is made here, for the scan and for `rules check` alike.

use std::cmp::Reverse;

use super::engine::{Detection, Engine};
use super::keywords::KeywordHit;
use super::names::{find_names, NameHit, PERSON_NAME};
use super::rules::{PairScope, Severity};

/// What a keyword may be paired with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partner {
    /// A finding of the rule with this index.
    Rule(usize),
    /// A person's name.
    Name,
}

/// The severity a name has as an identifier: personal data like an e-mail address, so a name
/// raises a pair to at most `high`.
pub const NAME_SEVERITY: Severity = Severity::Medium;

/// An identifier a keyword may be paired with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The identifier's rule, or a name.
    pub partner: Partner,
    /// Severity of the identifier.
    pub severity: Severity,
    /// Bytes between keyword and identifier when both are in the same text.
    pub distance: Option<usize>,
}

/// True when some keyword rule counts person names as identifiers.
pub fn pairs_names(engine: &Engine) -> bool {
    (0..engine.rules().len()).any(|rule| names_count(engine, rule))
}

/// True when keyword rule `keyword_rule` counts person names as identifiers.
pub fn names_count(engine: &Engine, keyword_rule: usize) -> bool {
    engine.rules()[keyword_rule]
        .rule
        .requires
        .as_ref()
        .is_some_and(|q| q.categories.iter().any(|c| c == PERSON_NAME))
}

/// The severity of keyword rule `keyword_rule`'s finding paired with `partner` of severity
/// `severity`; `None` when the rule does not count that partner.
fn pair_severity(
    engine: &Engine,
    keyword_rule: usize,
    partner: Partner,
    severity: Severity,
) -> Option<Severity> {
    let category = match partner {
        Partner::Rule(rule) => &engine.rules()[rule].rule.category,
        Partner::Name => PERSON_NAME,
    };
    engine.pair_severity(keyword_rule, category, severity)
}

/// Bytes between two spans of one text (0 when they touch or overlap).
pub fn distance(a: (usize, usize), b: (usize, usize)) -> usize {
    if a.1 <= b.0 {
        b.0 - a.1
    } else {
        a.0.saturating_sub(b.1)
    }
}

/// The candidate keyword rule `keyword_rule` pairs with, by position in `candidates`, and the
/// severity of the pair. `in_record` says the candidates share a record with the keyword.
pub fn best_partner(
    engine: &Engine,
    keyword_rule: usize,
    candidates: impl IntoIterator<Item = Candidate>,
    in_record: bool,
) -> Option<(usize, Severity)> {
    let requires = engine.rules()[keyword_rule].rule.requires.as_ref()?;
    let record_counts = in_record && requires.scope == PairScope::Record;
    candidates
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let near = c.distance.is_some_and(|d| d <= requires.window);
            if !near && !record_counts {
                return None;
            }
            let severity = pair_severity(engine, keyword_rule, c.partner, c.severity)?;
            // Most serious, then an identifier finding (a name may be a namesake's), then in
            // the same text, then nearest, then first.
            let finding = matches!(c.partner, Partner::Rule(_));
            let nearest = Reverse(c.distance.unwrap_or(usize::MAX));
            let rank = (severity, finding, c.distance.is_some(), nearest, Reverse(i));
            Some((i, severity, rank))
        })
        .max_by_key(|&(_, _, rank)| rank)
        .map(|(i, severity, _)| (i, severity))
}

/// The ranges of a text to search for keywords: all of it when `whole` (a record, where an
/// identifier elsewhere in the record counts), else the windows around the identifiers in
/// `detections`, merged (keywords far from any identifier cannot count, so prose without
/// identifiers costs nothing).
pub fn search_ranges(
    engine: &Engine,
    text: &str,
    detections: &[Detection],
    whole: bool,
) -> Vec<(usize, usize)> {
    let identifiers = detections
        .iter()
        .filter(|d| engine.identifies_person(d.rule))
        .map(|d| (d.start, d.end));
    windows(engine, text, identifiers, whole)
}

/// The ranges of a text to search for names: the windows around the keyword `hits` of rules
/// that count names, merged. (A record's short fields are read whole, by the scan, only when
/// the record has a keyword; a name list fires on ordinary prose, and reading costs time.)
pub fn name_ranges(engine: &Engine, text: &str, hits: &[KeywordHit]) -> Vec<(usize, usize)> {
    let keywords = hits
        .iter()
        .filter(|h| names_count(engine, h.rule))
        .map(|h| (h.start, h.end));
    windows(engine, text, keywords, false)
}

/// All of `text` when `whole`, else the windows of the engine's keyword reach around `spans`
/// (in order), merged.
fn windows(
    engine: &Engine,
    text: &str,
    spans: impl Iterator<Item = (usize, usize)>,
    whole: bool,
) -> Vec<(usize, usize)> {
    if whole {
        return vec![(0, text.len())];
    }
    let reach = engine.keyword_reach();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        let lo = super::context::floor_char_boundary(text, start.saturating_sub(reach));
        let hi = super::context::ceil_char_boundary(text, (end + reach).min(text.len()));
        match ranges.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => ranges.push((lo, hi)),
        }
    }
    ranges
}

/// The names in `ranges` of `text`, in order, each once.
pub fn names_in(text: &str, ranges: &[(usize, usize)]) -> Vec<NameHit> {
    let mut names = Vec::new();
    for &(lo, hi) in ranges {
        find_names(text, lo, hi, &mut names);
    }
    names.sort_by_key(|n| (n.start, n.end));
    names.dedup();
    names
}

/// What a keyword of one text on its own was paired with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paired {
    /// The detection with this index.
    Detection(usize),
    /// A person's name.
    Name(NameHit),
}

/// Keyword findings of one text on its own (no record around it): each hit with the
/// identifier or name it pairs with and the pair's severity. `rules check` runs examples
/// through this; they are short, so the whole text is searched for keywords.
pub fn pair_in_text(
    engine: &Engine,
    text: &str,
    detections: &[Detection],
) -> Vec<(KeywordHit, Paired, Severity)> {
    let mut hits = Vec::new();
    engine.find_keywords(text, (0, text.len()), text.len(), &mut hits);
    let names = names_in(text, &name_ranges(engine, text, &hits));
    hits.into_iter()
        .filter_map(|h| {
            let near = |start, end| Some(distance((h.start, h.end), (start, end)));
            let found = detections.iter().map(|d| Candidate {
                partner: Partner::Rule(d.rule),
                severity: d.severity,
                distance: near(d.start, d.end),
            });
            let named = names.iter().map(|n| Candidate {
                partner: Partner::Name,
                severity: NAME_SEVERITY,
                distance: near(n.start, n.end),
            });
            let (i, s) = best_partner(engine, h.rule, found.chain(named), false)?;
            let paired = match i.checked_sub(detections.len()) {
                None => Paired::Detection(i),
                Some(n) => Paired::Name(names[n]),
            };
            Some((h, paired, s))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::RuleSet;

    fn pairs(text: &str) -> Vec<(String, String, Severity)> {
        let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        let mut scratch = engine.scratch();
        let mut found = Vec::new();
        engine.scan(text, text.len(), &mut scratch, |d| found.push(d));
        pair_in_text(&engine, text, &found)
            .into_iter()
            .map(|(h, paired, s)| {
                let (start, end) = match paired {
                    Paired::Detection(i) => (found[i].start, found[i].end),
                    Paired::Name(n) => (n.start, n.end),
                };
                (
                    text[h.start..h.end].to_string(),
                    text[start..end].to_string(),
                    s,
                )
            })
            .collect()
    }

    #[test]
    fn fnr_and_health_is_critical_email_and_union_lower() {
        assert_eq!(
            pairs("Pasient 15108695088 er sykmeldt."),
            [(
                "sykmeldt".to_string(),
                "15108695088".to_string(),
                Severity::Critical
            )]
        );
        assert_eq!(
            pairs("kari@firma.no er medlem av Fagforbundet"),
            [(
                "Fagforbundet".to_string(),
                "kari@firma.no".to_string(),
                Severity::Medium
            )]
        );
    }

    #[test]
    fn most_serious_partner_wins_then_nearest() {
        let got = pairs("Tlf 912 34 567, diagnose F32, fnr 15108695088");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].1, "15108695088");
        assert_eq!(got[0].2, Severity::Critical);
    }

    #[test]
    fn synthetic_numbers_cap_the_severity() {
        // A Tenor test number is low, so the pair is at most medium.
        let got = pairs("Testpasient 03851598730 har diagnose J45");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].2, Severity::Medium);
    }

    #[test]
    fn far_or_technical_keywords_are_not_findings() {
        let padding = "x ".repeat(200);
        assert_eq!(pairs(&format!("15108695088 {padding} diagnose")), []);
        assert_eq!(
            pairs(
                "Ola (ola@firma.no): feildiagnose av serveren, kjør diagnoseverktøy for nettverket"
            ),
            []
        );
        assert_eq!(pairs("Arbeiderpartiet vant valget i Kirkegata 5"), []);
    }

    #[test]
    fn a_name_is_an_identifier_below_fnr_and_after_findings() {
        assert_eq!(
            pairs("Kari Nordmann er sykmeldt med depresjon."),
            [
                (
                    "sykmeldt".to_string(),
                    "Kari Nordmann".to_string(),
                    Severity::High
                ),
                (
                    "depresjon".to_string(),
                    "Kari Nordmann".to_string(),
                    Severity::High
                ),
            ]
        );
        assert_eq!(
            pairs("Ola Hansen er medlem av Fagforbundet."),
            [(
                "Fagforbundet".to_string(),
                "Ola Hansen".to_string(),
                Severity::Medium
            )]
        );
        // An fnr is more serious; an e-mail address as serious, and a finding wins the tie.
        let got = pairs("Kari Nordmann (15108695088) er sykmeldt.");
        assert_eq!(got[0].1, "15108695088");
        assert_eq!(got[0].2, Severity::Critical);
        let got = pairs("Kari Nordmann, kari@firma.no, er sykmeldt.");
        assert_eq!(got[0].1, "kari@firma.no");
        // Technical text, a street, a company: nothing.
        assert_eq!(
            pairs("Ola Hansen: feildiagnose av serveren, kjør diagnose på databasen."),
            []
        );
        assert_eq!(pairs("Diagnose: F32 i Olav Kyrres gate."), []);
        assert_eq!(pairs("Kari Nordmann AS leverer diagnoseutstyr."), []);
    }

    #[test]
    fn distance_between_spans() {
        assert_eq!(distance((0, 5), (8, 10)), 3);
        assert_eq!(distance((8, 10), (0, 5)), 3);
        assert_eq!(distance((0, 5), (3, 10)), 0);
    }
}

//! Pairing keyword hits (special categories) with person identifiers.
//!
//! A keyword is a finding only when an identifier of a category its rule `requires` is near:
//! within the rule's window in the same text, or (scope `record`) anywhere in the same record,
//! row or message. Of several identifiers the one giving the most serious pair wins, then the
//! one in the same text, then the nearest. The record bookkeeping lives with the scan (it
//! needs locations); the choice is made here, for the scan and for `rules check` alike.

use std::cmp::Reverse;

use super::engine::{Detection, Engine};
use super::keywords::KeywordHit;
use super::rules::{PairScope, Severity};

/// An identifier a keyword may be paired with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Rule of the identifier's finding.
    pub rule: usize,
    /// Severity of the identifier's finding.
    pub severity: Severity,
    /// Bytes between keyword and identifier when both are in the same text.
    pub distance: Option<usize>,
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
            let severity = engine.pair_severity(keyword_rule, c.rule, c.severity)?;
            // Most serious, then in the same text, then nearest, then first.
            let nearest = Reverse(c.distance.unwrap_or(usize::MAX));
            let rank = (severity, c.distance.is_some(), nearest, Reverse(i));
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
    if whole {
        return vec![(0, text.len())];
    }
    let reach = engine.keyword_reach();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for d in detections
        .iter()
        .filter(|d| engine.identifies_person(d.rule))
    {
        let lo = super::context::floor_char_boundary(text, d.start.saturating_sub(reach));
        let hi = super::context::ceil_char_boundary(text, (d.end + reach).min(text.len()));
        match ranges.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => ranges.push((lo, hi)),
        }
    }
    ranges
}

/// Keyword findings of one text on its own (no record around it): each hit with the
/// identifier it pairs with (index into `detections`) and the pair's severity. `rules check`
/// runs examples through this.
pub fn pair_in_text(
    engine: &Engine,
    text: &str,
    detections: &[Detection],
) -> Vec<(KeywordHit, usize, Severity)> {
    let mut hits = Vec::new();
    for range in search_ranges(engine, text, detections, false) {
        engine.find_keywords(text, range, text.len(), &mut hits);
    }
    hits.into_iter()
        .filter_map(|h| {
            let candidates = detections.iter().map(|d| Candidate {
                rule: d.rule,
                severity: d.severity,
                distance: Some(distance((h.start, h.end), (d.start, d.end))),
            });
            best_partner(engine, h.rule, candidates, false).map(|(i, s)| (h, i, s))
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
            .map(|(h, i, s)| {
                let d = &found[i];
                (
                    text[h.start..h.end].to_string(),
                    text[d.start..d.end].to_string(),
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
    fn distance_between_spans() {
        assert_eq!(distance((0, 5), (8, 10)), 3);
        assert_eq!(distance((8, 10), (0, 5)), 3);
        assert_eq!(distance((0, 5), (3, 10)), 0);
    }
}

//! Context keywords: each rule's keywords compiled into one word search, run only in a small
//! window around a validated match (matches are rare, so this costs far less than a second
//! pass over the whole text), and only at the window's word starts.

use super::rules::Rule;
use super::word_search::WordSearch;

/// Whether a keyword supports or contradicts its rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Polarity {
    Positive = 0,
    Negative = 1,
}

#[derive(Clone, Debug)]
struct Keyword {
    polarity: Polarity,
    /// `stem*`: may be followed by more letters.
    prefix: bool,
}

/// What the keywords near a match say about it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// A supporting keyword is within the window.
    pub positive: bool,
    /// The nearest keyword before the match contradicts the rule.
    pub contradicted: bool,
    /// A contradicting keyword is within the window, before or after the match.
    pub negative_near: bool,
}

/// Keyword matcher for all rules.
#[derive(Debug)]
pub struct ContextMatcher {
    /// Per rule: its keywords, `None` when it has none.
    rules: Vec<Option<RuleKeywords>>,
    windows: Vec<usize>,
}

/// One rule's context keywords, compiled.
#[derive(Debug)]
struct RuleKeywords {
    search: WordSearch,
    /// Per pattern of `search`: the keyword it spells.
    keywords: Vec<Keyword>,
}

impl ContextMatcher {
    /// Builds the matcher for `rules` (indices are positions in that slice).
    pub fn new(rules: &[&Rule]) -> Result<Self, String> {
        Self::build(rules, true)
    }

    /// [`ContextMatcher::new`]; `at_word_starts: false` searches every position of a window
    /// even where the word-start search would do (the reference it is tested against).
    fn build(rules: &[&Rule], at_word_starts: bool) -> Result<Self, String> {
        let mut compiled = Vec::with_capacity(rules.len());
        for rule in rules {
            let mut patterns: Vec<String> = Vec::new();
            let mut keywords = Vec::new();
            let lists = [
                (&rule.context.keywords, Polarity::Positive),
                (&rule.context.negative, Polarity::Negative),
            ];
            for (list, polarity) in lists {
                for word in list {
                    let prefix = word.ends_with('*');
                    let stem = word.trim_end_matches('*');
                    if stem.is_empty() {
                        return Err(format!("rule {}: empty context keyword", rule.id));
                    }
                    for variant in case_variants(stem) {
                        patterns.push(variant);
                        keywords.push(Keyword { polarity, prefix });
                    }
                }
            }
            compiled.push(if patterns.is_empty() {
                None
            } else {
                // Built once, then searched in every window around a match.
                Some(RuleKeywords {
                    search: WordSearch::new(&patterns, at_word_starts)?,
                    keywords,
                })
            });
        }
        Ok(ContextMatcher {
            rules: compiled,
            windows: rules.iter().map(|r| r.context.window).collect(),
        })
    }

    /// Looks for rule `rule`'s keywords around `text[start..end]`.
    pub fn evidence(&self, text: &str, rule: usize, start: usize, end: usize) -> Evidence {
        let Some(own) = &self.rules[rule] else {
            return Evidence::default();
        };
        let window = self.windows[rule];
        let lo = floor_char_boundary(text, start.saturating_sub(window));
        let hi = ceil_char_boundary(text, (end + window).min(text.len()));
        // Nearest supporting / contradicting keyword before and after the match.
        let mut before: [Option<usize>; 2] = [None, None];
        let mut after: [Option<usize>; 2] = [None, None];
        own.search
            .find(text.as_bytes(), lo, hi, &mut |pattern, ks, ke| {
                let kw = &own.keywords[pattern];
                if ks < end && ke > start {
                    return; // inside the match itself
                }
                if !word_start(text, ks) || (!kw.prefix && !word_end(text, ke)) {
                    return;
                }
                let (side, distance) = if ke <= start {
                    (&mut before, start - ke)
                } else {
                    (&mut after, ks - end)
                };
                let slot = &mut side[kw.polarity as usize];
                *slot = Some(slot.map_or(distance, |d: usize| d.min(distance)));
            });
        // Only a label before the value can veto it: a keyword after it usually labels the
        // next value ("fnr 15108695088, konto 8601 11 17947").
        let contradicted = match (before[1], before[0]) {
            (Some(n), Some(p)) => n < p,
            (Some(_), None) => true,
            _ => false,
        };
        Evidence {
            positive: before[0].is_some() || after[0].is_some(),
            contradicted,
            negative_near: before[1].is_some() || after[1].is_some(),
        }
    }
}

/// The keyword as written, in lower case, upper case and capitalised: the automaton folds ASCII
/// case itself, these cover æ/Æ, ø/Ø, å/Å.
pub(super) fn case_variants(word: &str) -> Vec<String> {
    let lower = word.to_lowercase();
    let upper = word.to_uppercase();
    let mut chars = lower.chars();
    let capital: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    let mut out = vec![word.to_string(), lower, upper, capital];
    out.sort();
    out.dedup();
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// True when no letter or digit comes right before `at`.
pub(super) fn word_start(text: &str, at: usize) -> bool {
    !text[..at].chars().next_back().is_some_and(is_word_char)
}

/// True when no letter or digit comes right at `at`.
pub(super) fn word_end(text: &str, at: usize) -> bool {
    !text[at..].chars().next().is_some_and(is_word_char)
}

/// The largest char boundary ≤ `i`.
pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary ≥ `i` (or the end).
pub fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i.min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::RuleSet;

    fn matcher() -> (ContextMatcher, RuleSet) {
        let mut set = RuleSet::empty();
        set.add_toml(
            "[[rule]]\nid='x'\nname='x'\ncategory='c'\npatterns=['a']\n[rule.context]\nkeywords=['fødselsnummer','fnr']\nnegative=['konto*']\n",
            "t",
        )
        .unwrap();
        let rules: Vec<&Rule> = set.rules().iter().collect();
        (ContextMatcher::new(&rules).unwrap(), set.clone())
    }

    proptest::proptest! {
        /// Searching only a window's word starts finds the evidence a search of every
        /// position finds, for every built-in rule.
        #[test]
        fn word_starts_give_the_evidence_a_full_search_gives(
            text in "(fnr|Fnr:|FØDSELSNUMMER|fødselsnummeret|ufnr|konto|Kontonr.|KID|tlf|tlf.|Mob.|kr|e-post|iban|ssn|social security|E-mail|1510869508|ø|Æ|a|1| |-|\\.|,|«|\n){0,30}",
            at in 0usize..200,
            len in 0usize..16,
        ) {
            let set = RuleSet::builtin().unwrap();
            let rules: Vec<&Rule> = set.rules().iter().collect();
            let fast = ContextMatcher::build(&rules, true).unwrap();
            let reference = ContextMatcher::build(&rules, false).unwrap();
            proptest::prop_assert!(fast
                .rules
                .iter()
                .flatten()
                .all(|r| matches!(r.search, WordSearch::AtWordStarts(_))));
            let start = floor_char_boundary(&text, at.min(text.len()));
            let end = ceil_char_boundary(&text, start + len);
            for rule in 0..rules.len() {
                proptest::prop_assert_eq!(
                    fast.evidence(&text, rule, start, end),
                    reference.evidence(&text, rule, start, end),
                    "rule {}", rule
                );
            }
        }
    }

    #[test]
    fn finds_keywords_in_any_case_and_whole_words() {
        let (m, _) = matcher();
        let t = "FØDSELSNUMMER: 15108695088";
        assert!(m.evidence(t, 0, 16, t.len()).positive);
        let t = "ufnr 15108695088";
        assert!(!m.evidence(t, 0, 5, t.len()).positive);
        let t = "Kontonr 15108695088";
        let e = m.evidence(t, 0, 8, t.len());
        assert!(e.contradicted && !e.positive);
        let t = "kontor 15108695088";
        assert!(
            m.evidence(t, 0, 7, t.len()).contradicted,
            "stem* matches longer words"
        );
    }

    #[test]
    fn label_before_outweighs_label_after() {
        let (m, _) = matcher();
        let t = "Fnr: 15108695088 Kontonummer: 1234";
        let e = m.evidence(t, 0, 5, 16);
        assert!(e.positive && !e.contradicted);
    }

    #[test]
    fn nearest_keyword_decides() {
        let (m, _) = matcher();
        let t = "konto 1234, fnr 15108695088";
        let s = t.find("1510").unwrap();
        let e = m.evidence(t, 0, s, t.len());
        assert!(e.positive && !e.contradicted);
    }
}

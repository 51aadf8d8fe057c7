//! Keyword rules (special categories): every rule's keywords in one Aho-Corasick automaton,
//! matched as whole words, case-insensitive (ÆØÅ included), `stem*` as a prefix, some words
//! only in their exact spelling (acronyms), and minus the rule's `exclude` words that start at
//! the same place and are at least as long (`diagnoseverktøy*` is not `diagnos*`).

use aho_corasick::AhoCorasick;

use super::context::{case_variants, word_end, word_start};
use super::rules::Rule;

/// A keyword of a keyword rule found in a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeywordHit {
    /// Index of the rule (in the slice the matcher was built from).
    pub rule: usize,
    /// Byte offset where the word starts.
    pub start: usize,
    /// Byte offset just past the word.
    pub end: usize,
}

#[derive(Clone, Debug)]
struct Word {
    rule: usize,
    /// `stem*`: may be followed by more letters.
    prefix: bool,
    /// Matches only when the text is written exactly like this.
    exact: Option<String>,
    /// An `exclude` word: hides keywords of its rule that it covers.
    exclude: bool,
}

/// The keywords of every keyword rule, compiled.
#[derive(Debug, Default)]
pub struct KeywordMatcher {
    automaton: Option<AhoCorasick>,
    words: Vec<Word>,
}

impl KeywordMatcher {
    /// Builds the matcher for the keyword rules among `rules` (indices are positions in it).
    pub fn new(rules: &[&Rule]) -> Result<Self, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut words = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            let lists = [
                (&rule.keywords, false, false),
                (&rule.exact_keywords, true, false),
                (&rule.exclude, false, true),
            ];
            for (list, exact, exclude) in lists {
                for word in list {
                    let prefix = word.ends_with('*');
                    let stem = word.trim_end_matches('*');
                    let variants = if exact {
                        vec![stem.to_string()]
                    } else {
                        case_variants(stem)
                    };
                    for variant in variants {
                        patterns.push(variant);
                        words.push(Word {
                            rule: i,
                            prefix,
                            exact: exact.then(|| stem.to_string()),
                            exclude,
                        });
                    }
                }
            }
        }
        if patterns.is_empty() {
            return Ok(KeywordMatcher::default());
        }
        let automaton = super::word_automaton(&patterns).map_err(|e| e.to_string())?;
        Ok(KeywordMatcher {
            automaton: Some(automaton),
            words,
        })
    }

    /// True when no rule has keywords.
    pub fn is_empty(&self) -> bool {
        self.automaton.is_none()
    }

    /// Appends the keywords found in `text[lo..hi]` to `out`, in order of position. A word
    /// inside another found word of the same rule (`helse` in `psykisk helse`) is left out.
    pub fn find(&self, text: &str, lo: usize, hi: usize, out: &mut Vec<KeywordHit>) {
        let Some(ac) = &self.automaton else {
            return;
        };
        let mut found: Vec<(KeywordHit, bool)> = Vec::new();
        for m in ac.find_overlapping_iter(&text.as_bytes()[lo..hi]) {
            let word = &self.words[m.pattern().as_usize()];
            let (start, mut end) = (lo + m.start(), lo + m.end());
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                continue;
            }
            let whole = word_start(text, start) && (word.prefix || word_end(text, end));
            let spelled = word.exact.as_deref().is_none_or(|e| &text[start..end] == e);
            if word.prefix {
                end = end_of_word(text, end);
            }
            if whole && spelled {
                let rule = word.rule;
                found.push((KeywordHit { rule, start, end }, word.exclude));
            }
        }
        // Longest first at each place, exclusions first, so a covering word is seen before what it
        // covers.
        found.sort_by_key(|&(h, exclude)| (h.start, std::cmp::Reverse(h.end), !exclude));
        let first = out.len();
        for (i, &(hit, exclude)) in found.iter().enumerate() {
            let covered = found[..i].iter().any(|(other, other_exclude)| {
                other.rule == hit.rule
                    && other.start <= hit.start
                    && other.end >= hit.end
                    && (*other_exclude || other.start < hit.start || other.end > hit.end)
            }) || out[first..]
                .iter()
                .any(|o| o.rule == hit.rule && o.start <= hit.start && o.end >= hit.end);
            if !exclude && !covered {
                out.push(hit);
            }
        }
    }
}

/// Where the word that goes on at `at` ends.
fn end_of_word(text: &str, at: usize) -> usize {
    text[at..]
        .char_indices()
        .find(|&(_, c)| !c.is_alphanumeric())
        .map_or(text.len(), |(i, _)| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::RuleSet;

    fn matcher(extra: &str) -> KeywordMatcher {
        let mut set = RuleSet::empty();
        let text = format!(
            "[[rule]]\nid='h'\nname='h'\ncategory='special_category'\n\
             keywords=['diagnos*','psykisk helse','helse*','sykmeld*']\n{extra}\n\
             [rule.requires]\ncategories=['national_id']\n"
        );
        set.add_toml(&text, "t").unwrap();
        let rules: Vec<&Rule> = set.rules().iter().collect();
        KeywordMatcher::new(&rules).unwrap()
    }

    fn words(m: &KeywordMatcher, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        m.find(text, 0, text.len(), &mut out);
        out.iter()
            .map(|h| text[h.start..h.end].to_string())
            .collect()
    }

    #[test]
    fn whole_words_stems_and_norwegian_case() {
        let m = matcher("");
        assert_eq!(words(&m, "DIAGNOSE: F32"), ["DIAGNOSE"]);
        assert_eq!(words(&m, "feildiagnose av serveren"), Vec::<String>::new());
        assert_eq!(
            words(&m, "Sykmeldt, psykisk helse"),
            ["Sykmeldt", "psykisk helse"]
        );
        assert_eq!(words(&m, "HELSEOPPLYSNINGER"), ["HELSEOPPLYSNINGER"]);
        assert_eq!(words(&m, "psykisk helsevesen"), ["helsevesen"]);
    }

    #[test]
    fn excluded_words_hide_the_keyword_they_cover() {
        let m = matcher("exclude=['diagnoseverktøy*']");
        assert_eq!(
            words(&m, "Diagnoseverktøyet for nettet"),
            Vec::<String>::new()
        );
        assert_eq!(words(&m, "DIAGNOSEVERKTØY"), Vec::<String>::new());
        assert_eq!(words(&m, "diagnosen er klar"), ["diagnosen"]);
    }

    #[test]
    fn exact_keywords_keep_their_spelling() {
        let m = matcher("exact_keywords=['LO','KrF']");
        assert_eq!(words(&m, "medlem av LO og KrF"), ["LO", "KrF"]);
        assert_eq!(words(&m, "lo og krf, LOL"), Vec::<String>::new());
    }
}

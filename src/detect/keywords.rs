//! Keyword rules (special categories): every rule's keywords in one Aho-Corasick automaton,
//! matched as whole words, case-insensitive (ÆØÅ included), `stem*` as a prefix, some words
//! only in their exact spelling (acronyms), and minus the rule's `exclude` words that start at
//! the same place and are at least as long (`diagnoseverktøy*` is not `diagnos*`).

use super::context::{case_variants, word_end, word_start};
use super::rules::Rule;
use super::word_search::WordSearch;

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
    /// `None` when no rule has keywords.
    search: Option<WordSearch>,
    words: Vec<Word>,
}

/// A rule's word lists as the matcher reads them: (words, exact, exclude).
fn word_lists(rule: &Rule) -> [(&Vec<String>, bool, bool); 3] {
    [
        (&rule.keywords, false, false),
        (&rule.exact_keywords, true, false),
        (&rule.exclude, false, true),
    ]
}

/// True when `rule` gives the matcher words to look for (a keyword rule).
pub fn has_words(rule: &Rule) -> bool {
    word_lists(rule).iter().any(|(list, ..)| !list.is_empty())
}

impl KeywordMatcher {
    /// Builds the matcher for the keyword rules among `rules` (indices are positions in it).
    pub fn new(rules: &[&Rule]) -> Result<Self, String> {
        Self::build(rules, true)
    }

    /// [`KeywordMatcher::new`]; `at_word_starts: false` searches every position even where
    /// the word-start search would do (the reference it is tested against).
    fn build(rules: &[&Rule], at_word_starts: bool) -> Result<Self, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut words = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            for (list, exact, exclude) in word_lists(rule) {
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
        Ok(KeywordMatcher {
            search: Some(WordSearch::new(&patterns, at_word_starts)?),
            words,
        })
    }

    /// Appends the keywords found in `text[lo..hi]` to `out`, in order of position. A word
    /// inside another found word of the same rule (`helse` in `psykisk helse`) is left out.
    pub fn find(&self, text: &str, lo: usize, hi: usize, out: &mut Vec<KeywordHit>) {
        let Some(search) = &self.search else {
            return;
        };
        let mut found: Vec<(KeywordHit, bool)> = Vec::new();
        let mut consider = |pattern: usize, start: usize, end: usize| {
            let word = &self.words[pattern];
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return;
            }
            let whole = word_start(text, start) && (word.prefix || word_end(text, end));
            let spelled = word.exact.as_deref().is_none_or(|e| &text[start..end] == e);
            let end = if word.prefix {
                end_of_word(text, end)
            } else {
                end
            };
            if whole && spelled {
                let rule = word.rule;
                found.push((KeywordHit { rule, start, end }, word.exclude));
            }
        };
        search.find(text.as_bytes(), lo, hi, &mut consider);
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
        matcher_searching(extra, true)
    }

    fn matcher_searching(extra: &str, at_word_starts: bool) -> KeywordMatcher {
        let mut set = RuleSet::empty();
        let text = format!(
            "[[rule]]\nid='h'\nname='h'\ncategory='special_category'\n\
             keywords=['diagnos*','psykisk helse','helse*','sykmeld*']\n{extra}\n\
             [rule.requires]\ncategories=['national_id']\n"
        );
        set.add_toml(&text, "t").unwrap();
        let rules: Vec<&Rule> = set.rules().iter().collect();
        KeywordMatcher::build(&rules, at_word_starts).unwrap()
    }

    fn words(m: &KeywordMatcher, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        m.find(text, 0, text.len(), &mut out);
        out.iter()
            .map(|h| text[h.start..h.end].to_string())
            .collect()
    }

    proptest::proptest! {
        /// The word-start search finds what searching every position finds.
        #[test]
        fn word_starts_find_what_a_full_search_finds(
            text in "(diagnose|Diagnosen|DIAGNOSEVERKTØY|psykisk helse|helse|HELSEsjekk|sykmeldt|a|x|ø|Ø|1| |-|\\.|«|\n){0,24}",
            lo in 0usize..8,
        ) {
            let extra = "exclude=['diagnoseverktøy*']\nexact_keywords=['HIV']";
            let m = matcher(extra);
            proptest::prop_assert!(matches!(m.search, Some(WordSearch::AtWordStarts(_))));
            let lo = crate::detect::context::floor_char_boundary(&text, lo.min(text.len()));
            let everywhere = matcher_searching(extra, false);
            proptest::prop_assert!(matches!(everywhere.search, Some(WordSearch::Everywhere(_))));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            m.find(&text, lo, text.len(), &mut a);
            everywhere.find(&text, lo, text.len(), &mut b);
            proptest::prop_assert_eq!(a, b);
        }
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

//! A word list searched in a text: every place one of its words may start as a word.
//!
//! When every word starts like a word (a letter, a digit or a non-ASCII character), the list
//! is searched only at word starts ([`WordStartSearch`]); otherwise one overlapping
//! Aho-Corasick pass looks at every position. Either way the caller still checks the word
//! boundaries itself (Unicode letters count there): the word-start search only leaves out
//! matches that follow an ASCII letter or digit, which no caller keeps.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::{dfa, AhoCorasick, Anchored, StartKind};

/// A word list, compiled for searching.
#[derive(Debug)]
pub(super) enum WordSearch {
    /// Only at word starts that can begin one (every word starts like a word).
    AtWordStarts(Box<WordStartSearch>),
    /// At every position, overlapping.
    Everywhere(AhoCorasick),
}

impl WordSearch {
    /// Compiles `patterns` (ASCII case-insensitive); `at_word_starts: false` searches every
    /// position even where the word-start search would do (the reference it is tested
    /// against).
    pub(super) fn new(patterns: &[String], at_word_starts: bool) -> Result<WordSearch, String> {
        let word_starts = match at_word_starts {
            true => WordStartSearch::new(patterns)?,
            false => None,
        };
        Ok(match word_starts {
            Some(w) => WordSearch::AtWordStarts(Box::new(w)),
            None => {
                WordSearch::Everywhere(super::word_automaton(patterns).map_err(|e| e.to_string())?)
            }
        })
    }

    /// Calls `found(pattern, start, end)` with every match (overlapping) in `hay[lo..hi]`
    /// that starts after no ASCII letter or digit; matches elsewhere may be reported too.
    #[inline]
    pub(super) fn find(
        &self,
        hay: &[u8],
        lo: usize,
        hi: usize,
        found: &mut impl FnMut(usize, usize, usize),
    ) {
        match self {
            WordSearch::AtWordStarts(w) => w.find(hay, lo, hi, found),
            WordSearch::Everywhere(ac) => {
                for m in ac.find_overlapping_iter(&hay[lo..hi]) {
                    found(m.pattern().as_usize(), lo + m.start(), lo + m.end());
                }
            }
        }
    }
}

/// The words searched only where a word starts, and only where its first three bytes can
/// begin one: every word starts with a letter or digit, and so must be at a word start
/// (after no ASCII letter or digit). The word starts whose first three bytes may begin a word
/// are found thirty-two bytes at a time (a bucketed filter on their nibbles, see
/// [`super::simd::WordPrefixes`]); at each its first three bytes, and then its second to
/// fourth, are looked up in a 32 K-bit set (five low bits of each byte, so ASCII case does not
/// matter), and only then is the automaton run, anchored there.
#[derive(Debug)]
pub(super) struct WordStartSearch {
    /// The words as a DFA that only runs anchored, each spelling once up to ASCII case.
    automaton: dfa::DFA,
    /// Per pattern of the automaton: the caller's words it stands for, in order.
    words: Vec<Vec<usize>>,
    /// Its anchored start state.
    start: StateID,
    /// Bit [`prefix_key`] of `prefixes[o]` set: some word can have those three bytes at
    /// offset `o`.
    prefixes: Box<[[u64; 512]; 2]>,
    /// `first[b]`: some word begins with byte `b` (either case of an ASCII letter).
    first: [bool; 256],
    /// The word starts where a word may begin, found thirty-two bytes at a time.
    #[cfg(target_arch = "x86_64")]
    starts: Option<super::simd::WordPrefixes>,
}

/// The first byte of a word: an ASCII letter or digit, or the first byte of a non-ASCII
/// character.
fn may_start_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0xC0
}

/// The distinct spellings of `words` up to ASCII case, in order of first appearance, and per
/// spelling the indices of the words that have it. Callers list each keyword in lower case, upper
/// case and capitalised (for ÆØÅ, which the automaton does not fold); for an ASCII word these
/// are one pattern to the automaton, and three copies of it in every match state made its match
/// lists three times as long to walk.
fn fold_case(words: &[String]) -> (Vec<Vec<u8>>, Vec<Vec<usize>>) {
    let mut index = std::collections::HashMap::new();
    let (mut spellings, mut owners) = (Vec::new(), Vec::<Vec<usize>>::new());
    for (i, word) in words.iter().enumerate() {
        let folded = word.as_bytes().to_ascii_lowercase();
        let k = *index.entry(folded.clone()).or_insert_with(|| {
            spellings.push(folded);
            owners.push(Vec::new());
            owners.len() - 1
        });
        owners[k].push(i);
    }
    (spellings, owners)
}

/// The prefix-set key of three bytes: their five low bits, so ASCII letters of either case
/// give the same key.
fn prefix_key(a: u8, b: u8, c: u8) -> usize {
    usize::from(a & 0x1F) << 10 | usize::from(b & 0x1F) << 5 | usize::from(c & 0x1F)
}

impl WordStartSearch {
    /// `None` when some word does not start like a word (the caller then searches
    /// everywhere).
    fn new(words: &[String]) -> Result<Option<WordStartSearch>, String> {
        if !words
            .iter()
            .all(|p| p.as_bytes().first().is_some_and(|&b| may_start_word(b)))
        {
            return Ok(None);
        }
        let (patterns, words) = fold_case(words);
        let mut prefixes = Box::new([[0u64; 512]; 2]);
        for p in &patterns {
            // A byte a word does not have (it is shorter) may be anything.
            let any: Vec<u8> = (0..32).collect();
            let at = |i: usize| p.get(i).map_or(any.clone(), |&b| vec![b]);
            for (o, set) in prefixes.iter_mut().enumerate() {
                for &a in &at(o) {
                    for &b in &at(o + 1) {
                        for &c in &at(o + 2) {
                            let k = prefix_key(a, b, c);
                            set[k / 64] |= 1 << (k % 64);
                        }
                    }
                }
            }
        }
        let automaton = dfa::Builder::new()
            .ascii_case_insensitive(true)
            .match_kind(aho_corasick::MatchKind::Standard)
            .start_kind(StartKind::Anchored)
            .build(&patterns)
            .map_err(|e| e.to_string())?;
        let start = automaton
            .start_state(Anchored::Yes)
            .map_err(|e| e.to_string())?;
        // Only bytes some word begins with are word starts worth a look (no keyword begins
        // with a digit, and few with `o` or `c`).
        let mut first = [false; 256];
        for p in &patterns {
            let b = p[0];
            first[usize::from(b.to_ascii_lowercase())] = true;
            first[usize::from(b.to_ascii_uppercase())] = true;
        }
        #[cfg(target_arch = "x86_64")]
        let starts = {
            let prefixes: Vec<[Option<u8>; 3]> = patterns
                .iter()
                .map(|p| std::array::from_fn(|i| p.get(i).copied()))
                .collect();
            super::simd::WordPrefixes::new(&prefixes)
        };
        Ok(Some(WordStartSearch {
            automaton,
            words,
            start,
            prefixes,
            first,
            #[cfg(target_arch = "x86_64")]
            starts,
        }))
    }

    /// True when the four bytes at `p` can begin a word (bytes past the text count as any).
    #[inline(always)]
    fn may_begin(&self, hay: &[u8], p: usize) -> bool {
        let bytes = match hay.get(p..p + 4) {
            Some(&[a, b, c, d]) => [a, b, c, d],
            _ => std::array::from_fn(|i| hay.get(p + i).copied().unwrap_or(0)),
        };
        let has = |o: usize| {
            let key = prefix_key(bytes[o], bytes[o + 1], bytes[o + 2]);
            self.prefixes[o][key / 64] & (1 << (key % 64)) != 0
        };
        has(0) && has(1)
    }

    /// The words that start at word start `p` and end by `hi`. Kept out of line: most word
    /// starts never get here, and the block loop that calls it stays small.
    #[inline(never)]
    fn walk(&self, hay: &[u8], p: usize, hi: usize, found: &mut impl FnMut(usize, usize, usize)) {
        let dfa = &self.automaton;
        let mut sid = self.start;
        for (i, &b) in hay[p..hi].iter().enumerate() {
            sid = dfa.next_state(Anchored::Yes, sid, b);
            if dfa.is_special(sid) {
                if dfa.is_dead(sid) {
                    return;
                }
                self.matches(sid, p, p + i + 1, found);
            }
        }
    }

    /// The words of match state `sid`, reached at `end`, that start at `p`: a state also lists
    /// the words that end there but started later (its suffixes). Kept out of line, so the
    /// walk's loop holds only what a step needs.
    #[inline(never)]
    fn matches(
        &self,
        sid: StateID,
        p: usize,
        end: usize,
        found: &mut impl FnMut(usize, usize, usize),
    ) {
        let dfa = &self.automaton;
        for i in 0..dfa.match_len(sid) {
            let pattern = dfa.match_pattern(sid, i);
            if end - dfa.pattern_len(pattern) == p {
                for &word in &self.words[pattern.as_usize()] {
                    found(word, p, end);
                }
            }
        }
    }

    /// Calls `found(pattern, start, end)` with every match (overlapping) that starts at a
    /// word start in `hay[lo..hi]` and ends by `hi`.
    fn find(&self, hay: &[u8], lo: usize, hi: usize, found: &mut impl FnMut(usize, usize, usize)) {
        let mut i = lo;
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = &self.starts {
            i = simd.for_each(hay, lo, hi, |p| {
                if self.may_begin(hay, p) {
                    self.walk(hay, p, hi, found);
                }
            });
        }
        for p in i..hi {
            if self.first[usize::from(hay[p])]
                && (p == 0 || !hay[p - 1].is_ascii_alphanumeric())
                && self.may_begin(hay, p)
            {
                self.walk(hay, p, hi, found);
            }
        }
    }
}

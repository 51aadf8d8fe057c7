//! Where the main patterns can start, and what matches there.
//!
//! Most text cannot start a match of any main pattern (they begin with a digit, `+`, `(` or a
//! fixed letter), and every rule's boundary rejects a start right after a letter or digit. The
//! [`StartTable`] is read off the anchored start state of the patterns' forward lazy DFA: a
//! 64 K table answers "can a match start at this byte, after that one?" with one lookup per
//! position (thirty-two at a time with AVX2 or SSSE3). The vectors also leave out a candidate
//! whose next few bytes (as many as the shortest match has) are not all bytes some match
//! holds: in dense text most digits begin a date, a time or an amount that a letter or a `,`
//! soon ends, too short for any identifier. At each remaining candidate a fully built DFA is
//! walked by hand from its anchored start state: a number that is not an identifier (a date, a
//! postcode, an amount) costs a few table lookups, not a regex search.
//!
//! The main patterns' DFA is small (the built-in rules: about 200 KB, built in a few ms). A rule
//! set whose DFA would pass [`DFA_SIZE_LIMIT`] gets no table; the engine then runs its meta
//! regex over the text instead.

mod flat;

use flat::FlatDfa;
use regex_automata::dfa::dense;
use regex_automata::dfa::{Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind, PatternID};

#[cfg(target_arch = "x86_64")]
use super::simd;

/// Start-byte sets larger than this do not pay for the table-driven jump.
const MAX_START_BYTES: usize = 64;

/// Largest main-pattern DFA built (bytes), and largest working memory while building it.
pub(super) const DFA_SIZE_LIMIT: usize = 16 << 20;

/// The positions where a match of the main patterns may start, and the patterns' anchored DFA.
#[derive(Debug)]
pub(super) struct StartTable {
    /// The main patterns as a forward DFA, walked anchored at each candidate; its start
    /// states: index 0 for any pattern, `p + 1` for pattern `p` alone.
    dfa: FlatDfa,
    /// `first[b]`: a match can start with byte `b` (used at the start of a text).
    first: [bool; 256],
    /// `after[prev * 256 + b]`: a match can start with byte `b` when `prev` comes before it.
    after: Box<[bool; 256 * 256]>,
    /// The start bytes as nibble tables, tested a block of thirty-two positions at a time.
    #[cfg(target_arch = "x86_64")]
    simd: Option<simd::StartBytes>,
}

impl StartTable {
    /// Builds the table for `patterns`; `None` when too many bytes can start a match for the
    /// jump to help, when the patterns use look-around (the start state then depends on the
    /// byte before), or when their DFA would be too large. `skip_after_alnum`: every rule's
    /// boundary rejects a match that starts right after an ASCII letter or digit, so such
    /// positions are no candidates.
    pub(super) fn new(
        patterns: &[&str],
        syntax: regex_automata::util::syntax::Config,
        skip_after_alnum: bool,
    ) -> Result<Option<StartTable>, String> {
        let nfa = thompson::Compiler::new()
            .syntax(syntax)
            .build_many(patterns)
            .map_err(|e| e.to_string())?;
        if !nfa.look_set_any().is_empty() {
            return Ok(None);
        }
        let built = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .start_kind(StartKind::Anchored)
                    .starts_for_each_pattern(true)
                    .dfa_size_limit(Some(DFA_SIZE_LIMIT))
                    .determinize_size_limit(Some(DFA_SIZE_LIMIT)),
            )
            .build_from_nfa(&nfa);
        let dfa = match built {
            Ok(dfa) => dfa,
            Err(e) if e.is_size_limit_exceeded() => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let start_of = |anchored| {
            dfa.start_state(&start::Config::new().anchored(anchored))
                .map_err(|e| e.to_string())
        };
        let mut starts = vec![start_of(Anchored::Yes)?];
        for p in 0..dfa.pattern_len() {
            let id = PatternID::new(p).map_err(|e| e.to_string())?;
            starts.push(start_of(Anchored::Pattern(id))?);
        }
        let mut first = [false; 256];
        for a in 0..=255u8 {
            first[usize::from(a)] = !dfa.is_dead_state(dfa.next_state(starts[0], a));
        }
        if first.iter().filter(|&&x| x).count() > MAX_START_BYTES {
            return Ok(None);
        }
        let mut after = Box::new([false; 256 * 256]);
        for prev in 0..=255u8 {
            if skip_after_alnum && prev.is_ascii_alphanumeric() {
                continue;
            }
            for b in 0..=255u8 {
                after[usize::from(prev) * 256 + usize::from(b)] = first[usize::from(b)];
            }
        }
        let Some(dfa) = FlatDfa::new(&dfa, &starts) else {
            return Ok(None);
        };
        #[cfg(target_arch = "x86_64")]
        let simd = {
            let (inner, shortest) = dfa.match_bytes();
            simd::StartBytes::new(&first, skip_after_alnum, &inner, shortest)
        };
        Ok(Some(StartTable {
            dfa,
            #[cfg(target_arch = "x86_64")]
            simd,
            first,
            after,
        }))
    }

    /// The candidates of `hay`, for [`Candidates::next_from`].
    pub(super) fn candidates<'a>(&'a self, hay: &'a [u8]) -> Candidates<'a> {
        Candidates {
            table: self,
            hay,
            block: usize::MAX,
            bits: 0,
            span: 0,
        }
    }

    /// The first position at or after `at` whose byte (after its predecessor) can start a
    /// match, with the 64 K table, eight positions per branch: most text has no candidate in
    /// most 8-byte blocks.
    #[inline]
    fn next_start_scalar(&self, hay: &[u8], at: usize) -> Option<usize> {
        if at == 0 {
            if self.first[usize::from(*hay.first()?)] {
                return Some(0);
            }
            return self.next_start_scalar(hay, 1);
        }
        let t = &*self.after;
        let look = |w: &[u8], k: usize| t[usize::from(w[k]) << 8 | usize::from(w[k + 1])];
        let mut i = at;
        // `w` holds the byte before each of the eight positions and the positions themselves.
        while let Some(w) = hay.get(i - 1..i + 8) {
            let any = look(w, 0)
                | look(w, 1)
                | look(w, 2)
                | look(w, 3)
                | look(w, 4)
                | look(w, 5)
                | look(w, 6)
                | look(w, 7);
            if any {
                return (0..8).find(|&k| look(w, k)).map(|k| i + k);
            }
            i += 8;
        }
        (i..hay.len()).find(|&p| t[usize::from(hay[p - 1]) << 8 | usize::from(hay[p])])
    }

    /// The leftmost-first match of the main patterns (of pattern `only`, when given) that
    /// starts exactly at `start`: its pattern and end.
    #[inline(always)]
    pub(super) fn match_at(
        &self,
        hay: &[u8],
        start: usize,
        only: Option<usize>,
    ) -> Option<(usize, usize)> {
        self.dfa.match_at(hay, start, only.map_or(0, |p| p + 1))
    }
}

/// The positions of one text where a match may start, found a block of thirty-two bytes at a
/// time.
pub(super) struct Candidates<'a> {
    table: &'a StartTable,
    hay: &'a [u8],
    /// Start of the blocks `bits` describes (`usize::MAX`: none).
    block: usize,
    /// Bit `k`: a match may start at `block + k`.
    bits: u64,
    /// Bytes from `block` that `bits` describes (one block or two).
    span: usize,
}

impl Candidates<'_> {
    /// The first position at or after `at` whose byte (after its predecessor) can start a
    /// match; a block's candidates are computed once however many are taken from it. (Whether
    /// the next byte can follow is the walk's first lookup, see [`StartTable::match_at`].)
    #[inline]
    pub(super) fn next_from(&mut self, mut at: usize) -> Option<usize> {
        if let Some(offset) = at.checked_sub(self.block).filter(|&o| o < self.span) {
            let bits = self.bits & (u64::MAX << offset);
            if bits != 0 {
                return Some(self.block + bits.trailing_zeros() as usize);
            }
            at = self.block + self.span;
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = &self.table.simd {
            let (block, bits, span) = simd.next_block(self.hay, at, self.hay.len());
            if bits != 0 {
                self.block = block;
                self.bits = bits;
                self.span = span;
                return Some(block + bits.trailing_zeros() as usize);
            }
            at = block;
        }
        self.block = usize::MAX;
        self.table.next_start_scalar(self.hay, at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::meta::Regex;
    use regex_automata::Input;

    const PATTERNS: [&str; 3] = [r"\d{6}[ ]?\d{5}", r"(?i:no)\d{4}", r"\+47\d{8}|\d{8}"];

    fn syntax() -> regex_automata::util::syntax::Config {
        regex_automata::util::syntax::Config::new()
            .unicode(false)
            .utf8(false)
    }

    fn reference() -> Regex {
        Regex::builder()
            .syntax(syntax())
            .configure(Regex::config().match_kind(MatchKind::LeftmostFirst))
            .build_many(&PATTERNS)
            .unwrap()
    }

    /// Every position where the reference regex matches anchored is a candidate, and the
    /// walked DFA gives the reference's match there, for any pattern restriction.
    fn check(text: &[u8]) {
        let table = StartTable::new(&PATTERNS, syntax(), true).unwrap().unwrap();
        let re = reference();
        let mut candidates = Vec::new();
        let mut found = table.candidates(text);
        let mut at = 0;
        while let Some(p) = found.next_from(at) {
            candidates.push(p);
            at = p + 1;
        }
        // Where a match starts (after no letter or digit).
        let starts: Vec<usize> = (0..text.len())
            .filter(|&p| p == 0 || !text[p - 1].is_ascii_alphanumeric())
            .filter(|&p| {
                re.search(&Input::new(text).range(p..).anchored(Anchored::Yes))
                    .is_some()
            })
            .collect();
        // Fresh cursors, and one that skips ahead, find candidates of the scalar table (the
        // blocks leave out some where no match can start, so where their blocks begin
        // matters) and pass over no match.
        let mut skipping = table.candidates(text);
        for at in 0..text.len() {
            let first_match = starts.iter().copied().find(|&p| p >= at);
            for got in [table.candidates(text).next_from(at), skipping.next_from(at)] {
                if let Some(g) = got {
                    assert!(g >= at, "{g} from {at} in {text:?}");
                    assert_eq!(table.next_start_scalar(text, g), Some(g), "{g} in {text:?}");
                }
                assert!(
                    first_match.is_none_or(|m| got.is_some_and(|g| g <= m)),
                    "from {at}: {got:?} passes over {first_match:?} in {text:?}"
                );
            }
        }
        for p in 0..text.len() {
            let boundary_ok = p == 0 || !text[p - 1].is_ascii_alphanumeric();
            for only in [None, Some(0), Some(1), Some(2)] {
                let anchored = match only {
                    Some(i) => Anchored::Pattern(PatternID::must(i)),
                    None => Anchored::Yes,
                };
                let want = re
                    .search(&Input::new(text).range(p..).anchored(anchored))
                    .map(|m| (m.pattern().as_usize(), m.end()));
                let got = table.match_at(text, p, only);
                assert_eq!(got, want, "at {p} ({only:?}) in {text:?}");
                if want.is_some() && boundary_ok && only.is_none() {
                    assert!(candidates.contains(&p), "{p} missed in {text:?}");
                }
            }
        }
    }

    #[test]
    fn match_bytes_are_the_bytes_of_some_match() {
        let table = StartTable::new(&PATTERNS, syntax(), true).unwrap().unwrap();
        let (bytes, shortest) = table.dfa.match_bytes();
        let want: Vec<u8> = b" +0123456789NOno".to_vec();
        let got: Vec<u8> = (0..=255u8).filter(|&b| bytes[usize::from(b)]).collect();
        assert_eq!(got, want);
        assert_eq!(shortest, 6, "no1234");
    }

    #[test]
    fn candidates_need_a_run_of_match_bytes() {
        let table = StartTable::new(&PATTERNS, syntax(), true).unwrap().unwrap();
        // Numbers too short to match (the run tested is 4 bytes, the shortest match has 6),
        // and one that does (at 60), in blocks the vectors read.
        let text =
            b"ab 12 cd 345, ef 678, gh 123x ij 0.5 kl 99 mn 11,22, op 1 x 12345678 end of it all";
        let mut candidates = table.candidates(text);
        let mut found = Vec::new();
        let mut at = 0;
        while let Some(p) = candidates.next_from(at) {
            found.push(p);
            at = p + 1;
        }
        assert!(found.contains(&60), "{found:?}");
        #[cfg(target_arch = "x86_64")]
        if table.simd.is_some() {
            assert_eq!(found, [60]);
        }
        check(text);
    }

    #[test]
    fn walker_and_candidates_agree_with_the_regex() {
        check(b"12345678");
        check(b"fnr 151086 95088, no1234 NO5678 tlf +4791234567 x1234567890");
        check(b"a12345678 12345678a 123456789012 +47 91234567");
        check("ø12345678 æ+4791234567 \u{a0}no1234".as_bytes());
        check(b"");
        check(b"1");
        check(b"x 1 xx 12 n 1234567 no12345 00000000000000000000001234567890123 +47 99");
    }

    proptest::proptest! {
        #[test]
        fn walker_agrees_on_random_text(text in "[0-9 +noNO47a-c\u{e6}]{0,80}") {
            check(text.as_bytes());
        }
    }
}

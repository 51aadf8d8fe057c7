//! The main patterns' DFA copied into one flat transition table, walked at every candidate.
//!
//! A walk is a few bytes long (a date, an amount, an address), and there is one about every
//! twenty bytes of dense text, so the cost per byte decides. Here a step is two loads and one
//! compare: state ids are premultiplied by the alphabet's size (no shift, no stride table),
//! the dead state is 0 and the match states come right after it, so one comparison tells an
//! ordinary state from one that stops the walk or records a match.

use regex_automata::dfa::dense::DFA;
use regex_automata::dfa::Automaton;
use regex_automata::util::primitives::StateID;

/// The DFA's states, renumbered: `0` dead, then every match state, then the rest.
#[derive(Debug)]
pub(super) struct FlatDfa {
    /// Byte → its equivalence class.
    classes: [u8; 256],
    /// Number of classes (a state's row length).
    alphabet: usize,
    /// `next[state + class]`: the state after a byte of that class (ids premultiplied).
    next: Vec<u32>,
    /// Ids up to this one are the dead state or match states.
    last_special: u32,
    /// Per match state, at its id (so a walk needs no division by the alphabet's size to
    /// find its row): the pattern whose match it reports. Other entries are `NONE`.
    pattern: Vec<u32>,
    /// Per state (by row): the pattern that matches when the text ends there, or `NONE`.
    at_end: Vec<u32>,
    /// The anchored start states, in the order given.
    starts: Vec<u32>,
    /// `two[a * alphabet + b]`: the state after two bytes of classes `a`, `b` from the first
    /// start state when neither step reaches a special state; [`DEAD`] when the walk dies
    /// within them without a match; else [`NONE`] (walk them).
    two: Vec<u32>,
}

/// No pattern (in [`FlatDfa::at_end`]).
const NONE: u32 = u32::MAX;

/// In [`FlatDfa::two`]: no match starts with those two bytes.
const DEAD: u32 = u32::MAX - 1;

impl FlatDfa {
    /// Copies the states of `dfa` reachable from `starts`. `None` when the DFA has quit
    /// states (it is built without quit bytes) or more states than 32-bit ids hold.
    pub(super) fn new(dfa: &DFA<Vec<u32>>, starts: &[StateID]) -> Option<FlatDfa> {
        let mut classes = [0u8; 256];
        let mut representative = Vec::new();
        for b in 0..=255u8 {
            let class = dfa.byte_classes().get(b);
            classes[usize::from(b)] = class;
            if usize::from(class) == representative.len() {
                representative.push(b);
            }
        }
        let alphabet = representative.len();
        // Every reachable state, the dead state first.
        let dead = StateID::ZERO;
        if !dfa.is_dead_state(dead) {
            return None;
        }
        // The DFA's own ids are premultiplied too: `id >> stride2` is its row.
        let row = |s: StateID| s.as_usize() >> dfa.stride2();
        let mut seen: Vec<StateID> = Vec::new();
        let mut visited: Vec<bool> = Vec::new();
        let mut visit = |s: StateID, seen: &mut Vec<StateID>| {
            if visited.len() <= row(s) {
                visited.resize(row(s) + 1, false);
            }
            if !visited[row(s)] {
                visited[row(s)] = true;
                seen.push(s);
            }
        };
        visit(dead, &mut seen);
        for &s in starts {
            visit(s, &mut seen);
        }
        let mut i = 1;
        while let Some(&s) = seen.get(i) {
            if dfa.is_quit_state(s) {
                return None;
            }
            for &b in &representative {
                visit(dfa.next_state(s, b), &mut seen);
            }
            i += 1;
        }
        // Renumbered: dead, match states, the rest.
        let rank = |s: StateID| match (dfa.is_dead_state(s), dfa.is_match_state(s)) {
            (true, _) => 0,
            (false, true) => 1,
            (false, false) => 2,
        };
        let mut order = seen;
        order.sort_by_key(|&s| rank(s));
        // Old row → new premultiplied id.
        let mut new_id = vec![0u32; order.iter().map(|&s| row(s) + 1).max().unwrap_or(1)];
        for (n, &s) in order.iter().enumerate() {
            new_id[row(s)] = u32::try_from(n * alphabet).ok()?;
        }
        let id_of = |s: StateID| new_id[row(s)];
        let mut next = Vec::with_capacity(order.len() * alphabet);
        let mut pattern = vec![NONE];
        let mut at_end = Vec::with_capacity(order.len());
        let mut last_special = 0;
        for &s in &order {
            if dfa.is_dead_state(s) {
                next.extend(std::iter::repeat_n(0, alphabet));
            } else {
                next.extend(representative.iter().map(|&b| id_of(dfa.next_state(s, b))));
            }
            if dfa.is_match_state(s) {
                last_special = id_of(s);
                pattern.resize(last_special as usize, NONE);
                pattern.push(pattern_u32(dfa, s));
            }
            let end = dfa.next_eoi_state(s);
            at_end.push(if dfa.is_match_state(end) {
                pattern_u32(dfa, end)
            } else {
                NONE
            });
        }
        if next.len() >= DEAD as usize {
            return None; // an id would read as a marker of `two`
        }
        let starts: Vec<u32> = starts.iter().map(|&s| id_of(s)).collect();
        let step = |s: u32, class: usize| next[s as usize + class];
        let mut two = Vec::with_capacity(alphabet * alphabet);
        for a in 0..alphabet {
            for b in 0..alphabet {
                let s1 = step(starts[0], a);
                let s2 = step(s1, b);
                let ordinary = |s: u32| s > last_special;
                two.push(if ordinary(s1) && ordinary(s2) {
                    s2
                } else if s2 == 0 && (s1 == 0 || ordinary(s1)) {
                    DEAD
                } else {
                    NONE
                });
            }
        }
        Some(FlatDfa {
            classes,
            alphabet,
            next,
            last_special,
            pattern,
            at_end,
            starts,
            two,
        })
    }

    /// The bytes a match from the first start state can hold (or more), and the length of the
    /// shortest such match: no match starts where the next that many bytes are not all such
    /// bytes. Each byte of a match leads to a state from which a match that ends there or
    /// later is still reported, so its bytes are those of the transitions into such states,
    /// from the states a walk reaches.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))] // only the vectors use it
    pub(super) fn match_bytes(&self) -> ([bool; 256], usize) {
        let alphabet = self.alphabet;
        let rows = self.at_end.len();
        let row = |id: u32| id as usize / alphabet;
        let successors = |r: usize| self.next[r * alphabet..(r + 1) * alphabet].iter();
        let is_match = |t: u32| t != 0 && t <= self.last_special;
        // Rows from which a match that ends here or later is reported: one that matches at
        // the end of the text, or goes to a match state (matches are reported one byte late),
        // or to such a row. (A match state itself reports a match that ended a byte before.)
        let mut productive: Vec<bool> = (0..rows)
            .map(|r| r > 0 && (self.at_end[r] != NONE || successors(r).any(|&t| is_match(t))))
            .collect();
        // Most transitions go to the dead state (id 0), which leads nowhere.
        let mut predecessors = vec![Vec::new(); rows];
        for r in 1..rows {
            for &t in successors(r).filter(|&&t| t != 0) {
                predecessors[row(t)].push(r);
            }
        }
        let mut pending: Vec<usize> = (0..rows).filter(|&r| productive[r]).collect();
        while let Some(t) = pending.pop() {
            for &r in &predecessors[t] {
                if !productive[r] {
                    productive[r] = true;
                    pending.push(r);
                }
            }
        }
        // Breadth first from the start state, through productive states only: a match of
        // length `n` ends at a state `n` bytes away that matches at the end of the text or
        // goes to a match state.
        let mut classes = vec![false; alphabet];
        let mut distance = vec![usize::MAX; rows];
        let mut shortest = usize::MAX;
        let start = row(self.starts[0]);
        distance[start] = 0;
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(r) = queue.pop_front() {
            if self.at_end[r] != NONE {
                shortest = shortest.min(distance[r]);
            }
            for (class, &t) in successors(r).enumerate() {
                if is_match(t) {
                    shortest = shortest.min(distance[r]);
                }
                let t = row(t);
                if t != 0 && productive[t] {
                    classes[class] = true;
                    if distance[t] == usize::MAX {
                        distance[t] = distance[r] + 1;
                        queue.push_back(t);
                    }
                }
            }
        }
        let bytes = std::array::from_fn(|b| classes[usize::from(self.classes[b])]);
        (bytes, if shortest == usize::MAX { 0 } else { shortest })
    }

    /// The leftmost-first match that starts exactly at `start`, from start state number
    /// `start_state`: its pattern and end.
    #[inline(always)]
    pub(super) fn match_at(
        &self,
        hay: &[u8],
        start: usize,
        start_state: usize,
    ) -> Option<(usize, usize)> {
        let (next, classes, last_special) = (&self.next[..], &self.classes, self.last_special);
        let class = |x: u8| usize::from(classes[usize::from(x)]);
        let len = hay.len();
        let mut sid = self.starts[start_state];
        let mut found = None;
        let mut at = start;
        // The first two bytes in one lookup, when they reach no special state (or no match
        // can start with them).
        if start_state == 0 && start < len && len - start >= 2 {
            // SAFETY: `start + 1 < len`.
            let (a, b) = unsafe { (*hay.get_unchecked(start), *hay.get_unchecked(start + 1)) };
            let pair = class(a) * self.alphabet + class(b);
            debug_assert!(pair < self.two.len());
            // SAFETY: both classes are below `alphabet`, and `two` holds `alphabet²` entries.
            let s2 = unsafe { *self.two.get_unchecked(pair) };
            if s2 < DEAD {
                sid = s2;
                at = start + 2;
            } else if s2 == DEAD {
                return None;
            }
        }
        // A step is a load, a class, a load and a compare; the position is a plain index, not
        // an iterator's pointer and count.
        while at < len {
            // SAFETY: `at < len`.
            let byte = unsafe { *hay.get_unchecked(at) };
            let id = sid as usize + class(byte);
            debug_assert!(id < next.len());
            // SAFETY: every id in `next` and `starts` starts a row of `alphabet` entries of
            // `next` (see `new`), and a class is below `alphabet`: `id` is inside `next`.
            sid = unsafe { *next.get_unchecked(id) };
            if sid <= last_special {
                if sid == 0 {
                    return found;
                }
                // Matches are reported one byte late: this one ends before `at`.
                found = Some((self.pattern[sid as usize] as usize, at));
            }
            at += 1;
        }
        match self.at_end[sid as usize / self.alphabet] {
            NONE => found,
            p => Some((p as usize, hay.len())),
        }
    }
}

/// The pattern that match state `s` reports (one pattern: leftmost-first, anchored).
fn pattern_u32(dfa: &DFA<Vec<u32>>, s: StateID) -> u32 {
    dfa.match_pattern(s, 0).as_u32()
}

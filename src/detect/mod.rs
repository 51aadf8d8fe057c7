//! Detection stage: rules (data) + validators (code) → detections in a text.
//!
//! [`rules`] loads rule files, [`engine`] compiles every pattern into one pass and runs
//! [`boundary`] checks, [`validate`] validators and [`context`] keywords on the candidates.
//! Keyword rules (special categories) are matched by [`keywords`] and count only when
//! [`pairing`] finds a person identifier near them.

pub mod boundary;
pub mod context;
pub mod engine;
pub mod examples;
pub mod keywords;
pub mod names;
pub mod pairing;
pub mod rules;
#[cfg(target_arch = "x86_64")]
mod simd;
mod starts;
pub mod subject;
pub mod validate;
mod word_search;

pub use engine::{Detection, Engine, Scratch};

/// The automaton every word list here is searched with (context keywords, special-category
/// keywords, subject names): ASCII case-insensitive, every match reported (overlapping
/// searches need `Standard`), and a DFA, built once and then one table lookup per byte.
pub(crate) fn word_automaton<P: AsRef<[u8]>>(
    patterns: &[P],
) -> Result<aho_corasick::AhoCorasick, aho_corasick::BuildError> {
    aho_corasick::AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(patterns)
}
pub use rules::{Rule, RuleError, RuleSet, Severity};

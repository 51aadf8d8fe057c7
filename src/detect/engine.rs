//! The rule engine: finds every rule's validated matches in a text in one pass.
//!
//! Most rules' patterns start with a digit, `+`, `(` or a fixed letter. They are compiled
//! together into one multi-pattern regex (byte/ASCII mode, see the engineering notes), and the
//! set of bytes that can start any of them is computed from the automaton: the scan jumps from
//! one such byte to the next with a table lookup and runs the regex anchored there, so plain
//! prose costs a table lookup per byte. Rules whose patterns may start at any letter (e-mail)
//! name `anchors` instead (`@`): one Aho-Corasick pass finds the anchors and their patterns run
//! only in a window around each. Boundary checks, validators and context keywords then run on
//! the few candidates, and overlapping detections are resolved by rule priority.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind as AcMatchKind};
use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind, PatternID};

use super::boundary;
use super::context::{ceil_char_boundary, floor_char_boundary, ContextMatcher};
use super::keywords::{self, KeywordHit, KeywordMatcher};
use super::rules::{Boundary, Rule, RuleError, RuleSet, Severity};
use super::starts::{Candidates, StartTable};
use super::validate::{Validator, Verdict};

/// Placeholders rule patterns may use, expanded before compiling.
const PLACEHOLDERS: [(&str, &str); 3] = [
    // An optional separator between digit groups: up to three spaces or tabs, a '.' or '-'
    // (with a space on either side), NBSP or narrow NBSP.
    (
        "{sep}",
        r"(?:[ \t]{1,3}|[ \t]?[.\-][ \t]?|\xC2\xA0|\xE2\x80\xAF)?",
    ),
    // A separator, or a line break with spaces around it (identifiers wrapped by an editor).
    (
        "{gap}",
        r"(?:[ \t]{1,3}|[ \t]?[.\-][ \t]?|\xC2\xA0|\xE2\x80\xAF|[ \t]*\r?\n[ \t]*)?",
    ),
    // Any byte of a non-ASCII UTF-8 character (letters such as æ, ø, å in addresses).
    ("{u}", r"[\x80-\xFF]"),
];

/// How far before an anchor an anchored rule's match may start, and after it end (bytes).
const ANCHOR_REACH_BEFORE: usize = 160;
const ANCHOR_REACH_AFTER: usize = 320;

/// Expands the placeholders of a rule pattern.
pub fn expand_pattern(pattern: &str) -> String {
    PLACEHOLDERS
        .iter()
        .fold(pattern.to_string(), |p, (name, re)| p.replace(name, re))
}

/// A rule compiled for the engine.
#[derive(Debug)]
pub struct CompiledRule {
    /// The rule as loaded.
    pub rule: Rule,
    validator: Option<Validator>,
}

/// A validated match of one rule in a text.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// Index of the rule in [`Engine::rules`].
    pub rule: usize,
    /// Byte offset where the value starts.
    pub start: usize,
    /// Byte offset just past the value.
    pub end: usize,
    /// Validator's sub-type.
    pub kind: Option<&'static str>,
    /// Canonical value (for fingerprints).
    pub normalized: String,
    /// 0–1.
    pub confidence: f32,
    /// After per-kind overrides.
    pub severity: Severity,
}

/// Per-thread scratch space for [`Engine::scan`].
#[derive(Debug)]
pub struct Scratch {
    /// The main patterns' meta regex cache, when they are searched that way (made on use).
    main: Option<meta::Cache>,
    anchored: Vec<Option<meta::Cache>>,
    found: Vec<Detection>,
}

/// The rules without anchors, as one automaton.
#[derive(Debug)]
struct MainMatcher {
    search: MainSearch,
    /// Pattern id → rule index; patterns are sorted by rule priority, highest first.
    pattern_rule: Vec<usize>,
}

/// How the main patterns are searched.
#[derive(Debug)]
enum MainSearch {
    /// Jumping between the bytes that can start a match and walking a DFA at each.
    Table(Box<StartTable>),
    /// The meta regex over the text, for rule sets the table does not suit (too many start
    /// bytes, look-around, a DFA past its size limit).
    Regex(Regex),
}

/// Where [`Engine::scan_main`] finds the next match of one text.
enum NextMatch<'a> {
    /// The start table's candidates, each tried with its DFA.
    Candidates(Candidates<'a>),
    /// The meta regex, searching on from a position.
    Regex(&'a Regex),
}

impl MainMatcher {
    /// The leftmost-first match of the main patterns (of pattern `only`, when given) that
    /// starts exactly at `start`: its pattern and end. `cache` is the meta regex's, made on
    /// first use.
    #[inline]
    fn match_at(
        &self,
        cache: &mut Option<meta::Cache>,
        hay: &[u8],
        start: usize,
        only: Option<usize>,
    ) -> Option<(usize, usize)> {
        match &self.search {
            MainSearch::Table(t) => t.match_at(hay, start, only),
            MainSearch::Regex(regex) => regex_match_at(regex, cache, hay, start, only),
        }
    }
}

/// [`MainMatcher::match_at`] with the meta regex (kept out of line: the table's walk is the
/// hot path).
#[inline(never)]
fn regex_match_at(
    regex: &Regex,
    cache: &mut Option<meta::Cache>,
    hay: &[u8],
    start: usize,
    only: Option<usize>,
) -> Option<(usize, usize)> {
    let anchored = match only {
        Some(p) => Anchored::Pattern(PatternID::must(p)),
        None => Anchored::Yes,
    };
    let input = Input::new(hay).range(start..).anchored(anchored);
    regex
        .search_with(cache.get_or_insert_with(|| regex.create_cache()), &input)
        .map(|m| (m.pattern().as_usize(), m.end()))
}

/// The anchors of anchored rules, as one automaton.
#[derive(Debug)]
struct AnchorMatcher {
    automaton: AhoCorasick,
    /// Anchor pattern id → rule index.
    anchor_rule: Vec<usize>,
}

/// All rules, compiled.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    /// The automata: built by [`Engine::new`], or when the first text is scanned after
    /// [`Engine::deferred`].
    matchers: OnceLock<Matchers>,
    /// Some rule has keywords (special categories).
    has_keyword_rules: bool,
    /// Per rule: its category is one a keyword rule pairs with.
    identifies_person: Vec<bool>,
    /// Bytes around an identifier searched for keywords.
    keyword_reach: usize,
}

/// The automata built from the rules (most of the cost of making an [`Engine`]).
#[derive(Debug)]
struct Matchers {
    main: Option<MainMatcher>,
    anchors: Option<AnchorMatcher>,
    /// Per rule, for anchored rules: the rule's own patterns.
    anchored: Vec<Option<Regex>>,
    context: ContextMatcher,
    keywords: KeywordMatcher,
}

/// Bytes added to a keyword rule's window so a keyword that starts inside it is read whole.
const KEYWORD_LENGTH: usize = 64;

impl Engine {
    /// Compiles a rule set. Errors name the rule and pattern at fault.
    pub fn new(set: &RuleSet) -> Result<Engine, RuleError> {
        let engine = Engine::unbuilt(set, true)?;
        let matchers = Matchers::build(&engine.rules)?;
        engine
            .matchers
            .set(matchers)
            .expect("a new engine has no automata yet");
        Ok(engine)
    }

    /// A rule set whose automata are built only when the first text is scanned, so that a
    /// scan answered entirely from the cache does not pay for them (nor for parsing the
    /// patterns, half a millisecond of such a scan). Only for a rule set known to compile:
    /// the built-in rules, which the tests build; any other goes to [`Engine::new`], which
    /// reports every error, naming the rule, before the scan starts.
    pub fn deferred(set: &RuleSet) -> Engine {
        Engine::unbuilt(set, false).expect("patterns are not checked, so nothing fails")
    }

    /// The engine without its automata; with `check`, every pattern's syntax is checked first
    /// (the error names the rule).
    fn unbuilt(set: &RuleSet, check: bool) -> Result<Engine, RuleError> {
        let mut ordered: Vec<&Rule> = set.rules().iter().collect();
        ordered.sort_by_key(|r| std::cmp::Reverse(r.priority));
        let mut rules = Vec::new();
        for rule in ordered {
            for p in rule.patterns.iter().filter(|_| check) {
                // Parsed alone so a bad pattern is reported with its rule (parsing is what
                // fails for a mistyped pattern; compiling each alone costs more).
                syntax::parse_with(&expand_pattern(p), &syntax_config()).map_err(|e| {
                    RuleError {
                        source: rule.source.clone(),
                        message: format!("rule {}: pattern {p:?}: {e}", rule.id),
                    }
                })?;
            }
            rules.push(CompiledRule {
                rule: rule.clone(),
                validator: rule.validator.as_deref().and_then(Validator::from_name),
            });
        }
        let requires: Vec<_> = rules
            .iter()
            .filter_map(|r| r.rule.requires.as_ref())
            .collect();
        let identifies_person = rules
            .iter()
            .map(|r| {
                requires
                    .iter()
                    .any(|q| q.categories.contains(&r.rule.category))
            })
            .collect();
        let keyword_reach = requires.iter().map(|q| q.window).max().unwrap_or(0) + KEYWORD_LENGTH;
        let has_keyword_rules = rules.iter().any(|r| keywords::has_words(&r.rule));
        Ok(Engine {
            identifies_person,
            keyword_reach,
            has_keyword_rules,
            rules,
            matchers: OnceLock::new(),
        })
    }

    /// The automata, built now if they were deferred.
    fn matchers(&self) -> &Matchers {
        self.matchers.get_or_init(|| {
            // Only rule sets known to compile are deferred (see `Engine::deferred`).
            Matchers::build(&self.rules).unwrap_or_else(|e| panic!("deferred rules: {e}"))
        })
    }

    /// The compiled rules; [`Detection::rule`] indexes this slice.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// True when some rule is a keyword rule (special categories).
    pub fn has_keyword_rules(&self) -> bool {
        self.has_keyword_rules
    }

    /// True when rule `rule`'s findings are identifiers some keyword rule pairs with.
    pub fn identifies_person(&self, rule: usize) -> bool {
        self.identifies_person[rule]
    }

    /// Bytes around an identifier within which a keyword can pair with it (the largest
    /// keyword-rule window, plus room for the keyword itself).
    pub fn keyword_reach(&self) -> usize {
        self.keyword_reach
    }

    /// Appends the keyword-rule hits in `text[lo..hi]` that start before `report_before` and
    /// have none of their rule's `context.negative` words near (a technical text) to `out`.
    pub fn find_keywords(
        &self,
        text: &str,
        (lo, hi): (usize, usize),
        report_before: usize,
        out: &mut Vec<KeywordHit>,
    ) {
        let first = out.len();
        let matchers = self.matchers();
        matchers.keywords.find(text, lo, hi, out);
        let mut kept = first;
        for i in first..out.len() {
            let h = out[i];
            if h.start < report_before
                && !matchers
                    .context
                    .evidence(text, h.rule, h.start, h.end)
                    .negative_near
            {
                out[kept] = h;
                kept += 1;
            }
        }
        out.truncate(kept);
    }

    /// The severity of keyword rule `keyword_rule`'s finding when paired with an identifier of
    /// category `category` (a rule's, or `person_name`) at `identifier_severity`; `None` when
    /// that category does not identify a person for it.
    pub fn pair_severity(
        &self,
        keyword_rule: usize,
        category: &str,
        identifier_severity: Severity,
    ) -> Option<Severity> {
        let rule = &self.rules[keyword_rule].rule;
        let requires = rule.requires.as_ref()?;
        if !requires.categories.iter().any(|c| c == category) {
            return None;
        }
        let table = requires.severity.get(category).copied();
        Some(
            table
                .unwrap_or(rule.severity)
                .min(identifier_severity.raised()),
        )
    }

    /// Fresh scratch space; keep one per thread. (Its regex caches are made on first use.)
    pub fn scratch(&self) -> Scratch {
        Scratch {
            main: None,
            anchored: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Finds every validated match in `text` that starts before `report_before`, in order of
    /// position, and calls `emit` for each.
    ///
    /// `report_before` lets a streaming caller scan overlapping chunks without reporting the
    /// overlap twice; pass `text.len()` otherwise.
    pub fn scan(
        &self,
        text: &str,
        report_before: usize,
        scratch: &mut Scratch,
        mut emit: impl FnMut(Detection),
    ) {
        let mut found = std::mem::take(&mut scratch.found);
        found.clear();
        // Candidates are searched in the whole text and overlaps resolved before the cut, so a
        // chunked scan decides exactly as a scan of the whole text would.
        let matchers = self.matchers();
        if let Some(main) = &matchers.main {
            self.scan_main(main, &mut scratch.main, text, &mut found);
        }
        if let Some(anchors) = &matchers.anchors {
            self.scan_anchored(anchors, &mut scratch.anchored, text, &mut found);
        }
        let mut emit = |d: Detection| {
            if d.start < report_before {
                emit(d);
            }
        };
        found.sort_by_key(|d| (d.start, std::cmp::Reverse(d.end)));
        let mut last: Option<Detection> = None;
        for d in found.drain(..) {
            match last.take() {
                Some(prev) if d.start < prev.end => {
                    // Overlap: the higher-priority rule keeps the place, then the longer value.
                    let key = |x: &Detection| (self.rules[x.rule].rule.priority, x.end - x.start);
                    last = Some(if key(&d) > key(&prev) { d } else { prev });
                }
                Some(prev) => {
                    emit(prev);
                    last = Some(d);
                }
                None => last = Some(d),
            }
        }
        if let Some(prev) = last {
            emit(prev);
        }
        scratch.found = found;
    }

    /// The one-pass automaton over the whole text.
    fn scan_main(
        &self,
        main: &MainMatcher,
        cache: &mut Option<meta::Cache>,
        text: &str,
        found: &mut Vec<Detection>,
    ) {
        let hay = text.as_bytes();
        let limit = hay.len();
        let mut next = match &main.search {
            MainSearch::Table(t) => NextMatch::Candidates(t.candidates(hay)),
            MainSearch::Regex(regex) => NextMatch::Regex(regex),
        };
        let mut at = 0;
        while at < limit {
            // The next place a match could start, and a match there (or the next one at all).
            let (first, start, end) = match &mut next {
                NextMatch::Candidates(candidates) => {
                    let Some(p) = candidates.next_from(at) else {
                        break;
                    };
                    match main.match_at(cache, hay, p, None) {
                        Some((pattern, end)) => (pattern, p, end),
                        None => {
                            at = p + 1;
                            continue;
                        }
                    }
                }
                NextMatch::Regex(regex) => {
                    let input = Input::new(hay).range(at..);
                    let cache = cache.get_or_insert_with(|| regex.create_cache());
                    match regex.search_with(cache, &input) {
                        Some(m) if m.start() < limit => {
                            (m.pattern().as_usize(), m.start(), m.end())
                        }
                        _ => break,
                    }
                }
            };
            let mut accepted = self.accept(text, main.pattern_rule[first], start, end);
            // A rejected candidate may still be another rule's value at the same place
            // (an 11-digit run near "konto" is an account, not a fødselsnummer).
            for p in first + 1..main.pattern_rule.len() {
                if accepted.is_some() {
                    break;
                }
                if let Some((_, end2)) = main.match_at(cache, hay, start, Some(p)) {
                    accepted = self.accept(text, main.pattern_rule[p], start, end2);
                }
            }
            match accepted {
                Some(d) => {
                    at = d.end.max(start + 1);
                    found.push(d);
                }
                None => at = next_token(hay, start, end),
            }
        }
    }

    /// Anchored rules: their patterns in a window around each anchor.
    fn scan_anchored(
        &self,
        anchors: &AnchorMatcher,
        caches: &mut Vec<Option<meta::Cache>>,
        text: &str,
        found: &mut Vec<Detection>,
    ) {
        let hay = text.as_bytes();
        let anchored = &self.matchers().anchored;
        caches.resize_with(anchored.len(), || None);
        // End of the last accepted match per rule, so an anchor inside it is not redone.
        let mut covered = vec![0usize; self.rules.len()];
        for a in anchors.automaton.find_iter(hay) {
            let rule = anchors.anchor_rule[a.pattern().as_usize()];
            if a.start() < covered[rule] {
                continue;
            }
            let Some(regex) = anchored[rule].as_ref() else {
                continue;
            };
            let cache = caches[rule].get_or_insert_with(|| regex.create_cache());
            let lo = floor_char_boundary(text, a.start().saturating_sub(ANCHOR_REACH_BEFORE));
            let hi = ceil_char_boundary(text, (a.end() + ANCHOR_REACH_AFTER).min(hay.len()));
            // The leftmost match that contains the anchor.
            let mut from = lo;
            while let Some(m) = regex.search_with(cache, &Input::new(hay).range(from..hi)) {
                if m.start() > a.start() {
                    break;
                }
                if m.end() >= a.end() {
                    if let Some(d) = self.accept(text, rule, m.start(), m.end()) {
                        covered[rule] = d.end;
                        found.push(d);
                    }
                    break;
                }
                from = m.end().max(m.start() + 1);
            }
        }
    }

    /// Boundary, validator and context checks for one candidate of rule `rule_index`.
    fn accept(&self, text: &str, rule_index: usize, start: usize, end: usize) -> Option<Detection> {
        let compiled = &self.rules[rule_index];
        let rule = &compiled.rule;
        let (start, end) = (
            floor_char_boundary(text, start),
            ceil_char_boundary(text, end),
        );
        if !boundary::holds(rule.boundary, text.as_bytes(), start, end) {
            return None;
        }
        let verdict = match compiled.validator {
            Some(v) => v.check(text, start..end)?,
            None => Verdict::new(text[start..end].to_string()),
        };
        let (start, end) = verdict
            .range
            .clone()
            .map_or((start, end), |r| (r.start, r.end));
        let evidence = self
            .matchers()
            .context
            .evidence(text, rule_index, start, end);
        if evidence.contradicted || (verdict.needs_context && !evidence.positive) {
            return None;
        }
        let wrapped = text[start..end].contains('\n');
        if wrapped && !evidence.positive && !wrapped_in_prose(text, start, end) {
            return None; // two numbers alone on adjacent lines (a column), not one value
        }
        let kind_spec = verdict.kind.and_then(|k| rule.kinds.get(k));
        let mut confidence = kind_spec
            .and_then(|k| k.confidence)
            .unwrap_or(rule.confidence)
            + verdict.confidence_delta;
        if evidence.positive {
            confidence += rule.context.boost;
        }
        if wrapped {
            confidence -= rule.line_break_penalty;
        }
        Some(Detection {
            rule: rule_index,
            start,
            end,
            kind: verdict.kind,
            normalized: verdict.normalized,
            confidence: confidence.clamp(0.0, 1.0),
            severity: kind_spec.and_then(|k| k.severity).unwrap_or(rule.severity),
        })
    }
}

impl Matchers {
    /// Builds the automata of `rules` (in priority order, as [`Engine::rules`] holds them).
    fn build(rules: &[CompiledRule]) -> Result<Matchers, RuleError> {
        let ordered: Vec<&Rule> = rules.iter().map(|r| &r.rule).collect();
        // The word automata (keyword rules' and context keywords') take about half as long
        // to build as the patterns' DFA: another thread builds them meanwhile.
        std::thread::scope(|scope| {
            let words = scope.spawn(|| WordMatchers::new(&ordered));
            Self::build_patterns(&ordered, words)
        })
    }

    /// [`Matchers::build`] with the word matchers being built.
    fn build_patterns(
        ordered: &[&Rule],
        words: std::thread::ScopedJoinHandle<'_, Result<WordMatchers, String>>,
    ) -> Result<Matchers, RuleError> {
        let mut main_patterns = Vec::new();
        let mut pattern_rule = Vec::new();
        let mut anchor_words = Vec::new();
        let mut anchor_rule = Vec::new();
        let mut anchored = Vec::new();
        for (index, rule) in ordered.iter().enumerate() {
            let expanded: Vec<String> = rule.patterns.iter().map(|p| expand_pattern(p)).collect();
            anchored.push(if rule.anchors.is_empty() {
                main_patterns.extend(expanded);
                pattern_rule.extend(std::iter::repeat_n(index, rule.patterns.len()));
                None
            } else {
                for a in &rule.anchors {
                    anchor_words.push(a.clone());
                    anchor_rule.push(index);
                }
                let refs: Vec<&str> = expanded.iter().map(String::as_str).collect();
                Some(build_regex(&refs).map_err(|message| RuleError {
                    source: rule.source.clone(),
                    message: format!("rule {}: {message}", rule.id),
                })?)
            });
        }
        let compile_error = |message: String| RuleError {
            source: "rules".into(),
            message,
        };
        let main_rules_need_boundary = ordered
            .iter()
            .filter(|r| r.anchors.is_empty() && !r.patterns.is_empty())
            .all(|r| r.boundary != Boundary::None);
        let main = if main_patterns.is_empty() {
            None
        } else {
            let refs: Vec<&str> = main_patterns.iter().map(String::as_str).collect();
            // The meta regex is built only for rule sets the start table does not suit.
            let search = match StartTable::new(&refs, syntax_config(), main_rules_need_boundary)
                .map_err(compile_error)?
            {
                Some(table) => MainSearch::Table(Box::new(table)),
                None => MainSearch::Regex(build_regex(&refs).map_err(compile_error)?),
            };
            Some(MainMatcher {
                search,
                pattern_rule,
            })
        };
        let anchors = if anchor_words.is_empty() {
            None
        } else {
            Some(AnchorMatcher {
                automaton: AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(AcMatchKind::LeftmostLongest)
                    .build(&anchor_words)
                    .map_err(|e| compile_error(e.to_string()))?,
                anchor_rule,
            })
        };
        let WordMatchers { context, keywords } = words
            .join()
            .map_err(|_| compile_error("building the keyword matchers failed".into()))?
            .map_err(compile_error)?;
        Ok(Matchers {
            main,
            anchors,
            anchored,
            context,
            keywords,
        })
    }
}

/// The word automata of [`Matchers`], built together on a thread of their own.
struct WordMatchers {
    context: ContextMatcher,
    keywords: KeywordMatcher,
}

impl WordMatchers {
    /// Builds the context keywords and the keyword rules' words of `ordered`.
    fn new(ordered: &[&Rule]) -> Result<WordMatchers, String> {
        Ok(WordMatchers {
            context: ContextMatcher::new(ordered)?,
            keywords: KeywordMatcher::new(ordered)?,
        })
    }
}

/// True when a value that spans a line break has other text on its first or last line, as
/// when an editor wrapped a sentence; a column of bare numbers has none.
fn wrapped_in_prose(text: &str, start: usize, end: usize) -> bool {
    let line_before = text[..start].rsplit('\n').next().unwrap_or("");
    let line_after = text[end..].split('\n').next().unwrap_or("");
    !line_before.trim().is_empty() || !line_after.trim().is_empty()
}

/// Where to resume after a rejected candidate: the next token that starts inside it, so a
/// valid value after a space is not skipped, without retrying every byte of a digit run.
fn next_token(hay: &[u8], start: usize, end: usize) -> usize {
    let run = &hay[start..end.min(hay.len())];
    // Pairs (byte before, byte) of the match: a window of two.
    run.windows(2)
        .position(|w| !w[0].is_ascii_alphanumeric() && !w[1].is_ascii_whitespace())
        .map_or(end.max(start + 1), |k| start + 1 + k)
}

fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

fn build_regex(patterns: &[&str]) -> Result<Regex, String> {
    Regex::builder()
        .syntax(syntax_config())
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .utf8_empty(false),
        )
        .build_many(patterns)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::new(&RuleSet::builtin().unwrap()).unwrap()
    }

    fn found(e: &Engine, text: &str) -> Vec<(String, String)> {
        let mut s = e.scratch();
        let mut out = Vec::new();
        e.scan(text, text.len(), &mut s, |d| {
            out.push((
                e.rules()[d.rule].rule.id.clone(),
                text[d.start..d.end].to_string(),
            ))
        });
        out
    }

    #[test]
    fn a_deferred_engine_builds_its_automata_on_first_use_and_finds_the_same() {
        let set = RuleSet::builtin().unwrap();
        let deferred = Engine::deferred(&set);
        assert!(deferred.matchers.get().is_none());
        assert!(deferred.has_keyword_rules());
        let _ = deferred.scratch();
        assert!(
            deferred.matchers.get().is_none(),
            "scratch space needs no automata"
        );
        let t = "Fnr 15108695088, kari@firma.no, konto 1503.12.34567, sykemelding, 912 34 567";
        assert_eq!(found(&deferred, t), found(&engine(), t));
        assert!(deferred.matchers.get().is_some());
    }

    #[test]
    fn bad_pattern_syntax_is_reported_with_its_rule() {
        let mut set = RuleSet::empty();
        set.add_toml(
            "[[rule]]\nid='bad'\nname='bad'\ncategory='email'\nseverity='low'\n\
             patterns=['(unclosed']\n",
            "t",
        )
        .unwrap();
        let e = Engine::new(&set).unwrap_err();
        assert!(e.message.contains("rule bad"), "{}", e.message);
        assert!(e.message.contains("(unclosed"), "{}", e.message);
    }

    #[test]
    fn one_pass_finds_several_rules() {
        let e = engine();
        let t = "Fnr: 15108695088, e-post kari@firma.no, mobil 912 34 567.";
        let ids: Vec<String> = found(&e, t).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["no.fnr", "email", "no.phone"]);
    }

    #[test]
    fn account_context_turns_fnr_shape_into_account() {
        let e = engine();
        let got = found(&e, "Kontonummer: 15031200188");
        assert_eq!(got, [("no.account".to_string(), "15031200188".to_string())]);
    }

    #[test]
    fn line_wrapped_identifier_is_found() {
        let e = engine();
        let got = found(&e, "fødselsnummer 151086\n95088 er registrert");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "no.fnr");
    }

    #[test]
    fn longer_digit_runs_are_not_identifiers() {
        let e = engine();
        assert!(found(&e, "KID 0015108695088 og 1510869508812").is_empty());
    }

    #[test]
    fn rule_sets_the_start_table_does_not_suit_use_the_meta_regex_alike() {
        let table = engine();
        assert!(matches!(
            table.matchers().main.as_ref().unwrap().search,
            MainSearch::Table(_)
        ));
        // A look-around pattern puts every main pattern on the meta regex instead.
        let mut set = RuleSet::builtin().unwrap();
        set.add_toml(
            "[[rule]]\nid='ans'\nname='ans'\ncategory='employee'\nseverity='low'\n\
             patterns=['\\bANS-\\d{6}\\b']\n",
            "t",
        )
        .unwrap();
        let regex = Engine::new(&set).unwrap();
        assert!(matches!(
            regex.matchers().main.as_ref().unwrap().search,
            MainSearch::Regex(_)
        ));
        let text = "Fnr: 15108695088, 2020-12-13, konto 8601 11 17947, mobil 912 34 567,\n\
                    fødselsnummer 151086\n95088, KID 0015108695088, ansatt ANS-123456, \
                    NO93 8601 1117 947, kort 4111 1111 1111 1111, kari@firma.no.";
        let mut want = found(&table, text);
        assert_eq!(want.len(), 7, "{want:?}");
        want.push(("ans".into(), "ANS-123456".into()));
        let mut got = found(&regex, text);
        want.sort();
        got.sort();
        assert_eq!(got, want);
    }
}

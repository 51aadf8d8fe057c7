//! The rule engine: every rule's patterns compiled into one multi-pattern regex and run in one
//! pass over the text (byte/ASCII mode, see the engineering notes), then boundary checks,
//! validators and context keywords on the few candidates.

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind, PatternID};

use super::boundary;
use super::context::{ceil_char_boundary, floor_char_boundary, ContextMatcher};
use super::rules::{Rule, RuleError, RuleSet, Severity};
use super::validate::Validator;

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
    cache: meta::Cache,
}

/// All rules, compiled.
#[derive(Debug)]
pub struct Engine {
    rules: Vec<CompiledRule>,
    regex: Regex,
    /// Pattern id → rule index, patterns sorted by rule priority (highest first).
    pattern_rule: Vec<usize>,
    context: ContextMatcher,
}

impl Engine {
    /// Compiles a rule set. Errors name the rule and pattern at fault.
    pub fn new(set: &RuleSet) -> Result<Engine, RuleError> {
        let mut order: Vec<usize> = (0..set.rules().len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(set.rules()[i].priority));
        let mut rules = Vec::new();
        let mut patterns = Vec::new();
        let mut pattern_rule = Vec::new();
        for (new_index, &i) in order.iter().enumerate() {
            let rule = set.rules()[i].clone();
            for p in &rule.patterns {
                let expanded = expand_pattern(p);
                // Compile alone first so a bad pattern is reported with its rule.
                build_regex(&[expanded.as_str()]).map_err(|e| RuleError {
                    source: rule.source.clone(),
                    message: format!("rule {}: pattern {p:?}: {e}", rule.id),
                })?;
                patterns.push(expanded);
                pattern_rule.push(new_index);
            }
            let validator = rule.validator.as_deref().and_then(Validator::from_name);
            rules.push(CompiledRule { rule, validator });
        }
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let regex = build_regex(&refs).map_err(|e| RuleError {
            source: "rules".into(),
            message: e,
        })?;
        let rule_refs: Vec<&Rule> = rules.iter().map(|r| &r.rule).collect();
        let context = ContextMatcher::new(&rule_refs).map_err(|e| RuleError {
            source: "rules".into(),
            message: e,
        })?;
        Ok(Engine {
            rules,
            regex,
            pattern_rule,
            context,
        })
    }

    /// The compiled rules; [`Detection::rule`] indexes this slice.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// Fresh scratch space; keep one per thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            cache: self.regex.create_cache(),
        }
    }

    /// Finds every validated match in `text` that starts before `report_before`, in order.
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
        let hay = text.as_bytes();
        let mut at = 0;
        while at < hay.len() {
            let input = Input::new(hay).range(at..);
            let Some(m) = self.regex.search_with(&mut scratch.cache, &input) else {
                break;
            };
            if m.start() >= report_before {
                break;
            }
            let first = m.pattern().as_usize();
            let mut accepted = self.accept(text, first, m.start(), m.end());
            // A rejected candidate may still be another rule's value at the same place
            // (an 11-digit run near "konto" is an account, not a fødselsnummer).
            for p in first + 1..self.pattern_rule.len() {
                if accepted.is_some() {
                    break;
                }
                if self.pattern_rule[p] == self.pattern_rule[first] {
                    continue;
                }
                let anchored = Input::new(hay)
                    .range(m.start()..)
                    .anchored(Anchored::Pattern(PatternID::must(p)));
                if let Some(m2) = self.regex.search_with(&mut scratch.cache, &anchored) {
                    accepted = self.accept(text, p, m2.start(), m2.end());
                }
            }
            match accepted {
                Some(d) => {
                    at = d.end.max(m.start() + 1);
                    emit(d);
                }
                None => at = next_token(hay, m.start(), m.end()),
            }
        }
    }

    /// Boundary, validator and context checks for one candidate of pattern `pattern`.
    fn accept(&self, text: &str, pattern: usize, start: usize, end: usize) -> Option<Detection> {
        let rule_index = self.pattern_rule[pattern];
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
            None => super::validate::Verdict::new(text[start..end].to_string()),
        };
        let (start, end) = verdict
            .range
            .clone()
            .map_or((start, end), |r| (r.start, r.end));
        let evidence = self.context.evidence(text, rule_index, start, end);
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
    (start + 1..end)
        .find(|&i| !hay[i - 1].is_ascii_alphanumeric() && !hay[i].is_ascii_whitespace())
        .unwrap_or(end.max(start + 1))
}

fn build_regex(patterns: &[&str]) -> Result<Regex, String> {
    Regex::builder()
        .syntax(
            syntax::Config::new()
                .unicode(false)
                .utf8(false)
                .multi_line(true),
        )
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
}

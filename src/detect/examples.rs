//! Rule examples as tests: every positive example must give a finding of its rule at the
//! default confidence threshold, and no negative example may. Keyword rules' examples are
//! paired with the identifiers in the same example text. `sporhund rules check` and the
//! test suite both run them.

use super::engine::Engine;
use super::pairing::pair_in_text;

/// Confidence a finding needs to count, the same as `scan`'s default `--min-confidence`.
pub const EXAMPLE_CONFIDENCE: f32 = 0.5;

/// One example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// Rule id.
    pub rule: String,
    /// The example text.
    pub example: String,
    /// What went wrong.
    pub problem: String,
}

/// Counts of what was run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExampleRun {
    /// Rules checked.
    pub rules: usize,
    /// Examples run.
    pub examples: usize,
    /// Failures.
    pub failures: Vec<ExampleFailure>,
}

/// Runs every rule's examples through the whole engine (so rules interact as in a real scan).
pub fn run_examples(engine: &Engine) -> ExampleRun {
    let mut scratch = engine.scratch();
    let mut run = ExampleRun::default();
    for compiled in engine.rules() {
        let rule = &compiled.rule;
        run.rules += 1;
        let cases = rule
            .examples
            .positive
            .iter()
            .map(|e| (e, true))
            .chain(rule.examples.negative.iter().map(|e| (e, false)));
        for (example, positive) in cases {
            run.examples += 1;
            let mut detections = Vec::new();
            engine.scan(example, example.len(), &mut scratch, |d| {
                if d.confidence >= EXAMPLE_CONFIDENCE {
                    detections.push(d);
                }
            });
            let keyword_rules = pair_in_text(engine, example, &detections)
                .into_iter()
                .map(|(hit, _, _)| hit.rule)
                .filter(|&r| engine.rules()[r].rule.confidence >= EXAMPLE_CONFIDENCE);
            let hits: Vec<String> = detections
                .iter()
                .map(|d| d.rule)
                .chain(keyword_rules)
                .map(|r| engine.rules()[r].rule.id.clone())
                .collect();
            let hit = hits.contains(&rule.id);
            if hit != positive {
                let problem = if positive {
                    if hits.is_empty() {
                        "positive example gave no finding".to_string()
                    } else {
                        format!("positive example found only by {}", hits.join(", "))
                    }
                } else {
                    "negative example gave a finding".to_string()
                };
                run.failures.push(ExampleFailure {
                    rule: rule.id.clone(),
                    example: example.clone(),
                    problem,
                });
            }
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::RuleSet;

    #[test]
    fn builtin_examples_pass() {
        let engine = Engine::new(&RuleSet::builtin().unwrap()).unwrap();
        let run = run_examples(&engine);
        assert!(run.examples > 40);
        assert_eq!(run.failures, vec![], "{:#?}", run.failures);
    }
}

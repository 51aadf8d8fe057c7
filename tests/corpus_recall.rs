//! Recall and precision on the generated benchmark corpus (`benches/corpus.rs`): the engine
//! must find every planted identifier, each exactly where it was planted, and nothing else —
//! the decoys the generator plants must produce no finding.

#[path = "../benches/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;

use sporhund::detect::{Detection, Engine, RuleSet};
use sporhund::extract::{Dispatcher, Limits};
use sporhund::report::fingerprint::Fingerprinter;
use sporhund::report::{Collector, Header, Tool};
use sporhund::scan::{FindingOptions, Progress, Scanner};
use sporhund::walk::WalkOptions;

const SEED: u64 = 20_261_107;
const BYTES: usize = 2 << 20;

fn engine() -> Engine {
    Engine::new(&RuleSet::builtin().unwrap()).unwrap()
}

/// A line of context around `start..end`, for failure messages (all values are synthetic).
fn around(text: &str, start: usize, end: usize) -> String {
    let mut lo = start.saturating_sub(50);
    while !text.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = (end + 30).min(text.len());
    while !text.is_char_boundary(hi) {
        hi += 1;
    }
    format!(
        "{}[[{}]]{}",
        &text[lo..start],
        &text[start..end],
        &text[end..hi]
    )
    .replace('\n', "⏎")
}

#[test]
fn engine_finds_exactly_the_planted_identifiers() {
    // SPORHUND_CORPUS_SEED / SPORHUND_CORPUS_BYTES try other corpora (e.g. 100 MB in --release).
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("SPORHUND_CORPUS_SEED").unwrap_or(SEED);
    let bytes = env("SPORHUND_CORPUS_BYTES").map_or(BYTES, |b| b as usize);
    let doc = corpus::generate(seed, bytes);
    let engine = engine();
    let mut scratch = engine.scratch();
    let mut detections: Vec<Detection> = Vec::new();
    engine.scan(&doc.text, doc.text.len(), &mut scratch, |d| {
        detections.push(d)
    });
    let rule_id = |d: &Detection| engine.rules()[d.rule].rule.id.clone();

    // Pair detections with plants by position: every plant must be matched by exactly one
    // detection of its rule that overlaps it, and every detection must match a plant.
    let mut problems = Vec::new();
    let mut used = vec![false; detections.len()];
    let mut next = 0;
    for p in &doc.plants {
        while next < detections.len() && detections[next].end <= p.start {
            next += 1;
        }
        let hits: Vec<usize> = (next..detections.len())
            .take_while(|&i| detections[i].start < p.end)
            .collect();
        match hits.as_slice() {
            [i] if rule_id(&detections[*i]) == p.rule => {
                let d = &detections[*i];
                used[*i] = true;
                let kind = d.kind.unwrap_or("");
                let reported = d.confidence >= corpus::MIN_CONFIDENCE;
                if kind != p.kind || reported != p.reported {
                    problems.push(format!(
                        "planted {}/{} (reported: {}) found as kind {kind:?}, confidence {}: {}",
                        p.rule,
                        p.kind,
                        p.reported,
                        d.confidence,
                        around(&doc.text, p.start, p.end)
                    ));
                }
            }
            _ => {
                for &i in &hits {
                    used[i] = true;
                }
                let got: Vec<String> = hits.iter().map(|&i| rule_id(&detections[i])).collect();
                problems.push(format!(
                    "planted {} found as {got:?}: {}",
                    p.rule,
                    around(&doc.text, p.start, p.end)
                ));
            }
        }
    }
    for (d, _) in detections.iter().zip(&used).filter(|(_, u)| !**u) {
        problems.push(format!(
            "extra {} ({:?}): {}",
            rule_id(d),
            d.kind,
            around(&doc.text, d.start, d.end)
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems in {} bytes:\n{}",
        problems.len(),
        doc.text.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    // And the counts, as the manifest states them.
    let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_kind: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut below: BTreeMap<String, u64> = BTreeMap::new();
    for d in &detections {
        if d.confidence >= corpus::MIN_CONFIDENCE {
            *by_rule.entry(rule_id(d)).or_default() += 1;
            *by_kind
                .entry((rule_id(d), d.kind.unwrap_or("").to_string()))
                .or_default() += 1;
        } else {
            *below.entry(rule_id(d)).or_default() += 1;
        }
    }
    let m = &doc.manifest;
    let want = |map: &BTreeMap<&'static str, u64>| -> BTreeMap<String, u64> {
        map.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    assert_eq!(by_rule, want(&m.expected));
    assert_eq!(below, want(&m.below_min_confidence));
    let want_kinds: BTreeMap<(String, String), u64> = m
        .expected_kinds
        .iter()
        .map(|((r, k), v)| ((r.to_string(), k.to_string()), *v))
        .collect();
    assert_eq!(by_kind, want_kinds);

    // The corpus is what it claims to be: every rule planted, decoys present, ~1 per 2 KB.
    for (rule, _) in corpus::RULES {
        assert!(m.expected.get(rule).copied().unwrap_or(0) > 3, "{rule}");
    }
    assert!(m.decoys.values().sum::<u64>() > 100);
    let per_kb = m.expected_total() as f64 / (doc.text.len() as f64 / 1024.0);
    assert!((0.3..1.0).contains(&per_kb), "{per_kb} identifiers per KB");
}

#[test]
fn whole_scan_reports_the_manifest_counts() {
    // The pipeline on files: chunked reading (small chunks, so identifiers and their keywords
    // straddle chunk edges), the default minimum confidence and the report summary.
    let dir = tempfile::tempdir().unwrap();
    let manifest = corpus::write_corpus(dir.path(), 1 << 20, SEED, (150_000, 400_000)).unwrap();
    assert!(manifest.files >= 3);
    let mut scanner = Scanner::new(
        engine(),
        Fingerprinter::from_secret("test"),
        FindingOptions::default(),
    );
    scanner.dispatcher = Dispatcher::new(Limits {
        chunk_size: 16 * 1024,
        ..Limits::default()
    });
    let walk = WalkOptions {
        roots: vec![dir.path().to_path_buf()],
        excludes: vec!["manifest.json".into()],
        threads: 2,
        ..WalkOptions::default()
    };
    let mut sink = Collector::new(Header {
        schema_version: sporhund::report::SCHEMA_VERSION.into(),
        tool: Tool::current(),
        roots: vec![dir.path().display().to_string()],
        started_at: "2026-11-07T00:00:00Z".into(),
    });
    let (summary, _) = scanner
        .scan(&walk, &mut sink, &Progress::default())
        .unwrap();
    assert_eq!(summary.files_scanned, manifest.files);
    assert_eq!(summary.bytes_scanned, manifest.bytes);
    assert_eq!(summary.errors, 0);
    let want: BTreeMap<String, u64> = manifest
        .expected_by_category()
        .into_iter()
        .map(|(c, n)| (c.to_string(), n))
        .collect();
    assert_eq!(summary.findings_by_category, want);
    assert_eq!(summary.findings, manifest.expected_total());
}

#[test]
fn filler_vocabulary_has_no_context_keywords() {
    // Keywords only support a rule; any of them in filler text could turn a filler number (a
    // date is a phone candidate that needs a keyword) into a finding. E-mail needs none.
    let rules = RuleSet::builtin().unwrap();
    let keywords: Vec<(String, bool)> = rules
        .rules()
        .iter()
        .filter(|r| r.id != "email")
        .flat_map(|r| r.context.keywords.iter())
        .map(|k| (k.trim_end_matches('*').to_lowercase(), k.ends_with('*')))
        .collect();
    let mut tokens: Vec<String> = Vec::new();
    let lists: [&[&str]; 6] = [
        corpus::WORDS,
        corpus::FIRST_NAMES,
        corpus::SURNAMES,
        corpus::STREETS,
        corpus::COMPANIES,
        corpus::TEMPLATES,
    ];
    for list in lists {
        for s in list {
            tokens.extend(
                s.split(|c: char| !c.is_alphanumeric() && c != '.' && c != '-')
                    .map(|t| t.trim_matches(['.', '-']).to_lowercase()),
            );
        }
    }
    tokens.extend(corpus::PLACES.iter().map(|(_, p)| p.to_lowercase()));
    for t in tokens.iter().filter(|t| !t.is_empty()) {
        for (k, prefix) in &keywords {
            let hit = if *prefix {
                t.starts_with(k.as_str())
            } else {
                t == k
            };
            assert!(!hit, "filler token {t:?} is the context keyword {k:?}");
        }
    }
}

#[test]
fn generator_is_deterministic() {
    let a = corpus::generate(1, 64 * 1024);
    let b = corpus::generate(1, 64 * 1024);
    assert_eq!(a.text, b.text);
    assert_eq!(a.manifest, b.manifest);
    assert_ne!(a.text, corpus::generate(2, 64 * 1024).text);
}

#[test]
fn generator_check_digits() {
    use corpus::{digits_of, mod11, FNR_W1, FNR_W2, ORGNR_W};
    for (pan, _) in corpus::TEST_CARDS {
        assert!(corpus::luhn_valid(&digits_of(pan)), "{pan}");
    }
    // Spec §1.7 (03851598730), §2.3 (86011117947), §2.1 (988077917), §2.4 (NO93…).
    assert_eq!(mod11(&digits_of("038515987"), &FNR_W1), Some(3));
    assert_eq!(mod11(&digits_of("0385159873"), &FNR_W2), Some(0));
    assert_eq!(mod11(&digits_of("8601111794"), &FNR_W2), Some(7));
    assert_eq!(mod11(&digits_of("98807791"), &ORGNR_W), Some(7));
    let a: [u8; 11] = digits_of("86011117947").try_into().unwrap();
    assert_eq!(corpus::iban_for(&a), "NO9386011117947");
    assert!(corpus::looks_like_date(&digits_of("31122023")));
    assert!(!corpus::looks_like_date(&digits_of("91234567")));
    let mut rng = corpus::Rng::new(3);
    for _ in 0..1000 {
        let d_number = rng.percent(50);
        let d = corpus::tenor_number(&mut rng, d_number);
        assert!(d[2] == 8 || d[2] == 9, "Tenor month +80: {d:?}");
        assert!(d[0] < 8, "not an FH-number: {d:?}");
    }
}

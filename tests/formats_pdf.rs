//! PDF: scans every fixture in `fixtures/documents/pdf/` with the real binary and compares
//! the findings (rule, kind, location), errors and exit code with `expected.json`, which
//! `make_pdfs.py` computes from the lines it writes. A missing and an extra finding both fail.
//!
//! Also: mutated fixtures (flipped, truncated, inserted and repeated bytes) through the
//! library's dispatcher must give `Ok` or a clean `Err`, never a panic, each within seconds.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{s, scan_json};
use serde_json::Value;
use sporhund::extract::{Dispatcher, ExtractError, Limits, Segment, SegmentSink};
use sporhund::location::Location;

const DIR: &str = "fixtures/documents/pdf";

fn dir() -> PathBuf {
    common::root().join(DIR)
}

fn expected() -> Value {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A location as `page 2 › 3:14`, `form field fnr`, `metadata Author` ("" for the file).
fn show_location(steps: &Value) -> String {
    let steps = steps.as_array().expect("location array");
    let shown: Vec<String> = steps
        .iter()
        .map(|step| match s(step, "type") {
            "page" => format!("page {}", step["page"]),
            "line" => format!("{}:{}", step["line"], step["column"]),
            "part" => s(step, "name").to_string(),
            "attachment" => format!("attachment {}", s(step, "filename")),
            other => format!("{other}?"),
        })
        .collect();
    shown.join(" › ")
}

/// (rule, kind, location) of every finding, sorted.
fn actual_findings(report: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let kind = s(f, "kind").to_string();
            (
                s(f, "rule").to_string(),
                kind,
                show_location(&f["location"]),
            )
        })
        .collect();
    v.sort();
    v
}

fn expected_findings(spec: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = spec["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let kind = s(f, "kind").to_string();
            (s(f, "rule").to_string(), kind, s(f, "location").to_string())
        })
        .collect();
    v.sort();
    v
}

/// Differences between one file's report and its expectations, as lines for a message.
fn problems(file: &str, spec: &Value, code: Option<i32>, report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let want = expected_findings(spec);
    let got = actual_findings(report);
    for w in &want {
        if !got.contains(w) {
            out.push(format!("{file}: MISSING {w:?}"));
        }
    }
    for g in &got {
        if !want.contains(g) {
            out.push(format!("{file}: EXTRA   {g:?}"));
        }
    }
    if want.len() != got.len() && out.is_empty() {
        out.push(format!(
            "{file}: {} findings, expected {}",
            got.len(),
            want.len()
        ));
    }
    let errors: Vec<(String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (show_location(&e["location"]), s(e, "message").to_string()))
        .collect();
    let want_errors = spec["errors"].as_array().unwrap();
    let matches = |(loc, msg): &(String, String), w: &Value| {
        loc == s(w, "location") && msg.starts_with(s(w, "message"))
    };
    let all_expected = want_errors
        .iter()
        .all(|w| errors.iter().any(|e| matches(e, w)));
    if errors.len() != want_errors.len() || !all_expected {
        out.push(format!(
            "{file}: errors {errors:?}, expected {want_errors:?}"
        ));
    }
    let want_code = spec["exit_code"].as_i64().map(|c| c as i32);
    if code != want_code {
        out.push(format!(
            "{file}: exit code {code:?}, expected {want_code:?}"
        ));
    }
    out
}

#[test]
fn every_fixture_gives_exactly_the_expected_findings_errors_and_exit_code() {
    let exp = expected();
    let mut all = Vec::new();
    for (file, spec) in exp["files"].as_object().unwrap() {
        let path = format!("{DIR}/{file}");
        let (code, report) = scan_json([path.as_str()]);
        all.extend(problems(file, spec, code, &report));
    }
    assert!(
        all.is_empty(),
        "PDF fixtures differ from expected.json:\n{}",
        all.join("\n")
    );
}

#[test]
fn every_pdf_in_the_folder_has_expectations() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .collect();
    let listed: BTreeSet<String> = expected()["files"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(on_disk, listed, "run fixtures/documents/pdf/make_pdfs.py");
}

#[test]
fn password_protected_pdf_is_an_error_never_an_empty_success() {
    let (code, report) = scan_json([format!("{DIR}/kryptert-passord.pdf")]);
    assert_eq!(code, Some(3), "{report:#}");
    assert_eq!(report["summary"]["complete"], false);
    assert_eq!(report["summary"]["files_scanned"], 0);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        s(&errors[0], "message"),
        "encrypted, not scanned: PDF needs a password"
    );
}

#[test]
fn image_only_pages_say_they_need_ocr() {
    let (code, report) = scan_json([
        format!("{DIR}/bare-bilde.pdf"),
        format!("{DIR}/delvis-skannet.pdf"),
    ]);
    assert_eq!(code, Some(4), "{report:#}");
    let mut errors: Vec<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let file = Path::new(s(e, "path")).file_name().unwrap().to_owned();
            let at = show_location(&e["location"]);
            format!("{} [{at}] {}", file.to_string_lossy(), s(e, "message"))
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            "bare-bilde.pdf [] unsupported format: no text layer (image only): needs OCR \
             (none of the 2 pages has text)",
            "delvis-skannet.pdf [page 2] unsupported format: no text layer (image only): \
             needs OCR",
        ]
    );
}

#[test]
fn scanning_the_folder_is_incomplete_with_findings() {
    let (code, report) = scan_json([DIR]);
    assert_eq!(code, Some(4));
    let want: usize = expected()["files"]
        .as_object()
        .unwrap()
        .values()
        .map(|f| f["findings"].as_array().unwrap().len())
        .sum();
    assert_eq!(report["findings"].as_array().unwrap().len(), want);
}

// --- robustness --------------------------------------------------------------------------------

/// Collects what an extractor sends.
#[derive(Default)]
struct Collect {
    texts: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

impl SegmentSink for Collect {
    fn text(&mut self, segment: Segment<'_>) {
        let location = segment.location.to_string();
        self.texts.push((location, segment.text.to_string()));
    }
    fn error(&mut self, location: &Location, error: &ExtractError) {
        self.errors.push((location.to_string(), error.to_string()));
    }
}

/// Runs `data` through the dispatcher with the default limits.
fn extract(data: &[u8], name: &str) -> (Result<(), ExtractError>, Collect) {
    let mut sink = Collect::default();
    let result = Dispatcher::new(Limits::default())
        .extract_bytes(data, name, &mut sink)
        .map(|_| ());
    (result, sink)
}

/// A small deterministic generator (xorshift64*), so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `data`: flipped bytes, a truncation, inserted bytes, a repeated or
/// removed chunk, or digits changed (offsets and lengths). The `%PDF-` header is kept so the
/// PDF extractor is the one that runs.
fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = data.to_vec();
    let body = |rng: &mut Rng, len: usize| 8 + rng.below(len.saturating_sub(8));
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        if len <= 16 {
            break;
        }
        match rng.below(6) {
            0 => {
                for _ in 0..1 + rng.below(16) {
                    let i = body(rng, len);
                    out[i] ^= 1 << rng.below(8);
                }
            }
            1 => out.truncate(body(rng, len)),
            2 => {
                let i = body(rng, len);
                let junk: Vec<u8> = (0..1 + rng.below(64)).map(|_| rng.next() as u8).collect();
                out.splice(i..i, junk);
            }
            3 => {
                let (a, b) = (body(rng, len), body(rng, len));
                let (a, b) = (a.min(b), a.max(b).min(a.min(b) + 4096));
                let chunk = out[a..b].to_vec();
                out.splice(b..b, chunk);
            }
            4 => {
                let (a, b) = (body(rng, len), body(rng, len));
                out.drain(a.min(b)..a.max(b));
            }
            _ => {
                for b in out.iter_mut().skip(8) {
                    if b.is_ascii_digit() && rng.below(50) == 0 {
                        *b = b'0' + rng.below(10) as u8;
                    }
                }
            }
        }
    }
    out
}

#[test]
fn mutated_pdfs_never_panic_and_finish_quickly() {
    let seed = std::env::var("SPORHUND_PDF_FUZZ_SEED")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0x5EED_F00D_CAFE_0001);
    let mut rng = Rng(seed);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .filter(|p| !p.ends_with("mange-sider.pdf"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    files.sort();
    // More cases for a longer local run: SPORHUND_PDF_FUZZ_CASES=20000 cargo test --release …
    let cases: usize = std::env::var("SPORHUND_PDF_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(400);
    let mut outcomes = [0usize; 2];
    for case in 0..cases {
        let (name, data) = &files[case % files.len()];
        let mutated = mutate(data, &mut rng);
        let started = Instant::now();
        let (result, _) = extract(&mutated, "x.pdf");
        let took = started.elapsed();
        if let Err(ExtractError::Panic(m)) = &result {
            let keep = std::env::temp_dir().join(format!("sporhund-pdf-panic-{case}.pdf"));
            std::fs::write(&keep, &mutated).unwrap();
            panic!(
                "case {case} ({name}) panicked: {m}; input kept in {}",
                keep.display()
            );
        }
        assert!(
            took < Duration::from_secs(10),
            "case {case} ({name}) took {took:?}"
        );
        outcomes[usize::from(result.is_err())] += 1;
    }
    // Both kinds of outcome occur, so the mutations reach the parser and the extractor.
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}

#[test]
fn text_of_each_page_is_one_segment_with_its_page_number() {
    let data = std::fs::read(dir().join("reportlab-standard14.pdf")).unwrap();
    let (result, sink) = extract(&data, "x.pdf");
    result.unwrap();
    let parts: Vec<&str> = sink.texts.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(parts[..2], ["page 1", "page 2"]);
    assert!(
        parts[2..].iter().all(|p| p.starts_with("metadata ")),
        "{parts:?}"
    );
    let first_line = sink.texts[0].1.lines().next().unwrap();
    assert_eq!(first_line, "Kundeopplysninger for Ærlige Øvre Åsen AS");
    assert!(sink.errors.is_empty(), "{:?}", sink.errors);
}

//! Spreadsheets and CSV files (`fixtures/documents/sheets/`), scanned with the real binary and
//! compared with `expected.json`, which `make_sheets.py` writes from the cells, comments and
//! fields it puts in each file (never from running sporhund). A missing finding, an extra
//! finding, a missing or extra error and a wrong exit code all fail. `known_gaps` lists what a
//! complete reader would find and sporhund does not yet; one that starts being found fails too,
//! so the list cannot go stale.
//!
//! The mutation test feeds damaged copies of the workbooks through the library's dispatcher:
//! whatever the damage, the result is findings or errors, never a panic.

use crate::common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Cursor, Read, Write};

use common::{run, s, sporhund};
use serde_json::Value;
use sporhund::extract::{
    Budget, Context, Dispatcher, ExtractError, Input, Limits, Segment, SegmentSink, HEAD_LEN,
};
use sporhund::location::Location;

const DIR: &str = "fixtures/documents/sheets";

fn expected() -> Value {
    let path = common::root().join(DIR).join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run make_sheets.py)", path.display()));
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// A finding as compared: rule/kind and location, as one string. Inside the `properties` part
/// only the part is compared: the line of a property depends on the order in which each
/// producer writes them.
fn finding_key(f: &Value) -> String {
    let mut location = f["location"].clone();
    if let Some(steps) = location.as_array_mut() {
        if steps.first().is_some_and(|p| p["name"] == "properties") {
            steps.truncate(1);
        }
    }
    format!("{}/{} at {location}", s(f, "rule"), s(f, "kind"))
}

/// The file name of a report entry's path.
fn file_of(entry: &Value) -> String {
    let path = s(entry, "path");
    path.rsplit('/').next().unwrap_or(path).to_string()
}

/// Compares what the report says about `file` with its expectations; returns the problems.
fn compare(file: &str, want: &Value, findings: &[&Value], errors: &[&Value]) -> String {
    let mut problems = String::new();
    let keys = |list: &Value| -> Vec<String> {
        list.as_array()
            .map(|a| a.iter().map(finding_key).collect())
            .unwrap_or_default()
    };
    let mut expected = keys(&want["findings"]);
    let gaps = keys(&want["known_gaps"]);
    let mut actual: Vec<String> = findings.iter().map(|f| finding_key(f)).collect();
    expected.sort();
    actual.sort();
    for k in expected.iter().filter(|k| !actual.contains(k)) {
        let _ = writeln!(problems, "  {file}: missing {k}");
    }
    for k in actual.iter().filter(|k| !expected.contains(k)) {
        let what = if gaps.contains(k) {
            "a known gap is found now (move it to findings in make_sheets.py)"
        } else {
            "extra"
        };
        let _ = writeln!(problems, "  {file}: {what}: {k}");
    }
    if actual.len() != expected.len() && problems.is_empty() {
        let _ = writeln!(problems, "  {file}: duplicate findings: {actual:?}");
    }
    compare_errors(file, want, errors, &mut problems);
    problems
}

fn compare_errors(file: &str, want: &Value, errors: &[&Value], problems: &mut String) {
    let wanted = want["errors"].as_array().cloned().unwrap_or_default();
    for w in &wanted {
        let hit = errors
            .iter()
            .any(|e| e["location"] == w["location"] && s(e, "message").contains(s(w, "contains")));
        if !hit {
            let _ = writeln!(
                problems,
                "  {file}: missing error at {} containing {:?}",
                w["location"],
                s(w, "contains")
            );
        }
    }
    if errors.len() != wanted.len() {
        let got: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e["location"], s(e, "message")))
            .collect();
        let _ = writeln!(problems, "  {file}: errors {got:?}, expected {wanted:?}");
    }
}

#[test]
fn every_fixture_gives_exactly_the_expected_findings_and_errors() {
    let r = run(
        sporhund(),
        ["scan", DIR, "--format", "json", "--no-progress"],
    );
    r.expect_code(4);
    let report = r.json();
    let expected = expected();
    let files = expected["files"].as_object().expect("files");
    let mut findings: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        findings.entry(file_of(f)).or_default().push(f);
    }
    let mut errors: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for e in report["errors"].as_array().unwrap() {
        errors.entry(file_of(e)).or_default().push(e);
    }
    let mut problems = String::new();
    for (file, want) in files {
        let found = findings.remove(file).unwrap_or_default();
        let failed = errors.remove(file).unwrap_or_default();
        problems += &compare(file, want, &found, &failed);
    }
    for (file, extra) in findings {
        let _ = writeln!(
            problems,
            "  {file}: not in expected.json, {} findings",
            extra.len()
        );
    }
    for (file, extra) in errors {
        let _ = writeln!(problems, "  {file}: not in expected.json, errors {extra:?}");
    }
    assert!(problems.is_empty(), "findings differ:\n{problems}");
}

#[test]
fn each_file_alone_gives_its_exit_code() {
    let expected = expected();
    let mut problems = String::new();
    for (file, want) in expected["files"].as_object().unwrap() {
        let path = format!("{DIR}/{file}");
        let r = run(
            sporhund(),
            ["scan", &path, "--format", "json", "--no-progress"],
        );
        let code = want["exit_code"].as_i64().map(|c| c as i32);
        if r.code != code {
            let _ = writeln!(problems, "  {file}: exit {:?}, expected {code:?}", r.code);
        }
    }
    assert!(problems.is_empty(), "exit codes differ:\n{problems}");
}

/// (location, value) of every finding in one file, values shown.
fn shown_values(file: &str) -> Vec<(Value, String)> {
    let path = format!("{DIR}/{file}");
    let r = run(
        sporhund(),
        [
            "scan",
            &path,
            "--format",
            "json",
            "--no-progress",
            "--show-values",
        ],
    );
    r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["location"].clone(), s(f, "value").to_string()))
        .collect()
}

fn value_at(values: &[(Value, String)], location: &str) -> String {
    let location: Value = serde_json::from_str(location).unwrap();
    values
        .iter()
        .find(|(l, _)| *l == location)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no finding at {location}: {values:?}"))
}

#[test]
fn number_cells_are_shown_as_a_sheet_shows_them_with_what_excel_dropped_restored() {
    for file in [
        "personer.xlsx",
        "personer.ods",
        "personer.xls",
        "personer.xlsb",
    ] {
        let values = shown_values(file);
        let at = |cell: &str| {
            value_at(
                &values,
                &format!(r#"[{{"type":"cell","sheet":"Ansatte","cell":"{cell}"}}]"#),
            )
        };
        // An 11-digit number: no exponent, no ".0".
        assert_eq!(at("B2"), "15108695088", "{file}");
        // A Tenor number that lost its leading zero gets it back.
        assert_eq!(at("B3"), "01912451204", "{file}");
        // 47 + a mobile number: the + Excel dropped is put back.
        assert_eq!(at("C2"), "+47 91234567", "{file}");
    }
    let csv = shown_values("semikolon.csv");
    let record = |row: u32, column: u32| {
        value_at(
            &csv,
            &format!(r#"[{{"type":"record","row":{row},"column":{column}}}]"#),
        )
    };
    assert_eq!(record(3, 2), "01912451204");
    assert_eq!(record(2, 3), "+47 91234567");
}

// --- document properties ---------------------------------------------------------------------

/// Keeps the text of every segment whose location starts with the part `properties`.
#[derive(Default)]
struct Properties(Vec<String>);

impl SegmentSink for Properties {
    fn text(&mut self, segment: Segment<'_>) {
        if segment.location.to_string().starts_with("properties") {
            self.0.push(segment.text.to_string());
        }
    }
    fn error(&mut self, location: &Location, e: &ExtractError) {
        panic!("{location}: {e}");
    }
}

fn properties_of(data: &[u8], name: &str) -> String {
    let dispatcher = Dispatcher::new(Limits::default());
    let mut sink = Properties::default();
    let budget = Budget::new(dispatcher.limits.max_total_bytes);
    let mut ctx = Context {
        location: Location::root(),
        sink: &mut sink,
        dispatcher: &dispatcher,
        budget: &budget,
    };
    let head = &data[..data.len().min(HEAD_LEN)];
    dispatcher
        .dispatch(Input::Bytes(data), head, name, &mut ctx)
        .unwrap();
    sink.0.join("\n")
}

#[test]
fn document_properties_and_comment_authors_are_scanned() {
    // The creator of the reference workbook replaced with an e-mail address.
    let data = std::fs::read(common::root().join(DIR).join("personer.xlsx")).unwrap();
    let mut members = unzip(&data);
    let core = members
        .iter_mut()
        .find(|(n, _)| n == "docProps/core.xml")
        .expect("openpyxl writes docProps/core.xml");
    let xml = String::from_utf8(core.1.clone()).unwrap();
    core.1 = xml
        .replace("sporhund fixtures", "ola.nordmann@eksempel.no")
        .into_bytes();
    let text = properties_of(&rezip(&members), "personer.xlsx");
    assert!(text.contains("creator: ola.nordmann@eksempel.no"), "{text}");
    assert!(text.contains("author of comments: Saksbehandler"), "{text}");
    // ods: meta.xml, and an annotation's dc:creator (LibreOffice left it out when converting,
    // so it is put in here).
    let ods = std::fs::read(common::root().join(DIR).join("personer.ods")).unwrap();
    let mut members = unzip(&ods);
    let content = members
        .iter_mut()
        .find(|(n, _)| n == "content.xml")
        .unwrap();
    let xml = String::from_utf8(content.1.clone()).unwrap();
    content.1 = xml
        .replacen(
            "<dc:date>",
            "<dc:creator>Kari Nordmann</dc:creator><dc:date>",
            1,
        )
        .into_bytes();
    let text = properties_of(&rezip(&members), "personer.ods");
    assert!(
        text.contains("initial-creator: sporhund fixtures"),
        "{text}"
    );
    assert!(text.contains("author of comments: Kari Nordmann"), "{text}");
}

// --- no panics on damaged workbooks --------------------------------------------------------

/// Counts segments and errors, and keeps the panics (texts themselves do not matter here).
#[derive(Default)]
struct Collect {
    segments: usize,
    errors: usize,
    panics: Vec<String>,
}

impl SegmentSink for Collect {
    fn text(&mut self, _: Segment<'_>) {
        self.segments += 1;
    }
    fn error(&mut self, location: &Location, e: &ExtractError) {
        self.errors += 1;
        if let ExtractError::Panic(m) = e {
            self.panics.push(format!("{location}: {m}"));
        }
    }
}

/// Runs `data` (named `name`) through the full dispatcher; what the sink got.
fn extract(dispatcher: &Dispatcher, data: &[u8], name: &str) -> Collect {
    let mut sink = Collect::default();
    match dispatcher.extract_bytes(data, name, &mut sink) {
        Err(ExtractError::Panic(m)) => sink.panics.push(m),
        Err(_) => sink.errors += 1,
        Ok(_) => {}
    }
    sink
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One damaged copy of `data`: flipped bytes, a cut, a zeroed or duplicated stretch.
fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = data.to_vec();
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
        }
        1 => out.truncate(rng.below(out.len())),
        2 => {
            let i = rng.below(out.len());
            let n = rng.below(64).min(out.len() - i);
            out[i..i + n].fill(0);
        }
        _ => {
            let i = rng.below(out.len());
            let n = rng.below(256).min(out.len() - i);
            let piece = out[i..i + n].to_vec();
            let j = rng.below(out.len());
            out.splice(j..j, piece);
        }
    }
    out
}

/// The members of a zip archive.
fn unzip(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut m = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            m.read_to_end(&mut bytes).unwrap();
            (m.name().unwrap().to_string(), bytes)
        })
        .collect()
}

fn rezip(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut buf);
    for (name, bytes) in members {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
    buf.into_inner()
}

/// A copy of a zip-based workbook with one member's (decompressed) content damaged, so the
/// damage reaches the XML parsers rather than stopping at the zip layer.
fn mutate_member(members: &[(String, Vec<u8>)], rng: &mut Rng) -> Vec<u8> {
    let mut members = members.to_vec();
    let i = rng.below(members.len());
    if !members[i].1.is_empty() {
        members[i].1 = mutate(&members[i].1, rng);
    }
    rezip(&members)
}

/// The workbooks damaged by the mutation test. Not xlsb: calamine 0.38 panics on some damaged
/// xlsb files (it indexes its relationship map with ids from the file); the dispatcher turns
/// that into a "parser crashed" error for the file.
const FUZZED: [&str; 4] = [
    "personer.xlsx",
    "personer.ods",
    "personer.xls",
    "personer.xlsm",
];

#[test]
fn damaged_workbooks_never_panic() {
    let dispatcher = Dispatcher::new(Limits::default());
    let mut rng = Rng(0x5EED_2026);
    let mut panics = Vec::new();
    let (mut cases, mut read, mut failed) = (0, 0, 0);
    for file in FUZZED {
        let data = std::fs::read(common::root().join(DIR).join(file)).unwrap();
        let members = (!file.ends_with(".xls")).then(|| unzip(&data));
        for case in 0..100 {
            let damaged = match &members {
                Some(m) if case % 2 == 0 => mutate_member(m, &mut rng),
                _ => mutate(&data, &mut rng),
            };
            cases += 1;
            let got = extract(&dispatcher, &damaged, file);
            read += usize::from(got.segments > 0);
            failed += usize::from(got.errors > 0);
            for p in got.panics {
                panics.push(format!("{file} case {case}: {p}"));
            }
        }
    }
    // The damage must reach the parsers: some copies still give text, some give errors.
    assert!(
        cases >= 400 && read > cases / 10 && failed > cases / 10,
        "{read} read, {failed} failed of {cases}"
    );
    assert!(
        panics.is_empty(),
        "parsers panicked:\n{}",
        panics.join("\n")
    );
}

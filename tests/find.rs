//! `sporhund find` end to end: the subject store in fixtures/subjects/ gives exactly the
//! places, strengths and hits its generator wrote to expected.json; the JSON report validates
//! against docs/find-report.schema.json; the HTML report renders in headless Chromium without
//! letting a file name or snippet inject markup; the CLI's exit codes and errors.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use common::{root, run, s, sporhund};

const STORE: &str = "fixtures/subjects/store";
const SUBJECTS: &str = "fixtures/subjects/subjects.toml";

fn expected() -> Value {
    let text = std::fs::read_to_string(root().join("fixtures/subjects/expected.json"))
        .expect("run python3 fixtures/subjects/make_subjects.py");
    serde_json::from_str(&text).unwrap()
}

/// One place as compared: subject, path inside the store, container location, strength,
/// whether a namesake note is there, and its hits (identifier, written, strength), sorted.
fn place_key(p: &Value, path: &str) -> String {
    let mut hits: Vec<String> = p["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let h = h.as_array().map_or_else(
                || {
                    vec![
                        h["identifier"].clone(),
                        h["written"].clone(),
                        h["strength"].clone(),
                    ]
                },
                |a| a.clone(),
            );
            format!("{} {} {}", h[0], h[1], h[2])
        })
        .collect();
    hits.sort();
    let namesake = p.get("namesake_note").map_or_else(
        || {
            p["notes"].as_array().is_some_and(|n| {
                n.iter()
                    .any(|n| n.as_str().unwrap().starts_with("possible namesake"))
            })
        },
        |v| v.as_bool().unwrap(),
    );
    format!(
        "{} | {path} | {} | {} | namesake {namesake}\n    {}",
        s(p, "subject"),
        p["location"],
        s(p, "strength"),
        hits.join("\n    ")
    )
}

fn find_json(args: &[&str]) -> (Option<i32>, Value) {
    let r = run(sporhund(), [&["find", "--format", "json"], args].concat());
    let code = r.code;
    (code, r.json())
}

#[test]
fn the_subject_store_gives_exactly_the_expected_places() {
    let exp = expected();
    let (code, report) = find_json(&["--subject", SUBJECTS, STORE]);
    assert_eq!(code, Some(1), "places found, complete: exit code 1");
    let want: BTreeSet<String> = exp["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| place_key(p, s(p, "path")))
        .collect();
    let got: BTreeSet<String> = report["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path = s(p, "path").strip_prefix(&format!("{STORE}/")).unwrap();
            place_key(p, path)
        })
        .collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing:\n{}\nextra:\n{}",
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        extra
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Per subject: places found = places expected; every subject listed in the totals.
    for (label, n) in exp["places_per_subject"].as_object().unwrap() {
        assert_eq!(
            report["summary"]["subjects"][label]["places"], *n,
            "{label}"
        );
        assert_eq!(report["summary"]["stores"][STORE][label]["places"], *n);
    }
    assert_eq!(report["summary"]["complete"], true);
}

#[test]
fn other_peoples_identifiers_stay_masked_and_the_subjects_are_shown() {
    let (_, report) = find_json(&["--subject", SUBJECTS, STORE]);
    let namesake_fnr = "09897911172";
    let text = report["places"].to_string();
    assert!(!text.contains(namesake_fnr), "another person's fnr leaked");
    assert!(
        !text.contains("aase.m@firma.no"),
        "another person's e-mail leaked"
    );
    let log = report["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| s(p, "path").ends_with("tilgang.log") && s(p, "subject") == "Sak 2026-114")
        .unwrap();
    let fnr_hit = &log["hits"][0];
    assert_eq!(s(fnr_hit, "identifier"), "fnr");
    assert_eq!(s(fnr_hit, "value"), "12879030097");
    assert!(s(fnr_hit, "context").contains("fnr=12879030097&felt"));
    // The namesake's name hit says why it is weak.
    let namesake = report["places"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["location"][0]["name"] == "a/annen-aase.txt")
        .unwrap();
    assert!(s(&namesake["hits"][0], "note").starts_with("possible namesake"));
}

#[test]
fn command_line_subject_and_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.txt"), "Hei Ingrid Berg, tlf 41 22 33 44\n").unwrap();
    std::fs::write(d.path().join("b.txt"), "Ingrid Bergersen\n").unwrap();
    let path = d.path().to_str().unwrap();
    let (code, report) = find_json(&["--name", "Ingrid Berg", "--phone", "41223344", path]);
    assert_eq!(code, Some(1));
    let places = report["places"].as_array().unwrap();
    assert_eq!(places.len(), 1);
    assert_eq!(s(&places[0], "strength"), "strong");
    assert_eq!(s(&report["subjects"][0], "label"), "Ingrid Berg");
    let (code, report) = find_json(&["--name", "Kari Nordmann", path]);
    assert_eq!(code, Some(0));
    assert_eq!(report["summary"]["subjects"]["Kari Nordmann"]["places"], 0);
    // An unreadable member makes the search incomplete: exit 3 without places.
    std::fs::write(d.path().join("c.zip"), b"PK\x03\x04broken").unwrap();
    let (code, _) = find_json(&["--name", "Kari Nordmann", path]);
    assert_eq!(code, Some(3));
    let r = run(sporhund(), ["find", path]);
    r.expect_code(2);
    assert!(r.stderr.contains("nothing to search for"), "{}", r.stderr);
    let r = run(sporhund(), ["find", "--fnr", "123", path]);
    r.expect_code(2);
    assert!(r.stderr.contains("11 digits"), "{}", r.stderr);
}

fn schema_validator() -> jsonschema::Validator {
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(root().join("docs").join(name)).unwrap())
            .unwrap()
    };
    let scan_schema = read("report.schema.json");
    let id = s(&scan_schema, "$id").to_string();
    let registry = jsonschema::Registry::new()
        .add(id, scan_schema)
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .build(&read("find-report.schema.json"))
        .expect("find schema compiles")
}

#[test]
fn the_json_report_follows_its_schema() {
    let validator = schema_validator();
    let (_, report) = find_json(&["--subject", SUBJECTS, STORE]);
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // A broken report is refused (the schema checks something).
    let mut bad = report.clone();
    bad["places"][0]["strength"] = json!("certain");
    assert!(!validator.is_valid(&bad));
}

/// Headless Chromium, or `None` when it is not installed (an error when
/// SPORHUND_REQUIRE_CHROMIUM=1, as .ci/run sets).
fn chromium() -> Option<String> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Some(name.to_string());
        }
    }
    assert!(
        std::env::var("SPORHUND_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
        "SPORHUND_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install -y chromium)"
    );
    eprintln!("SKIPPED: no chromium on PATH; the HTML report was not rendered");
    None
}

fn render(browser: &str, html: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_html_report_renders_and_cannot_be_injected() {
    let d = tempfile::tempdir().unwrap();
    let store = d.path().join("store");
    std::fs::create_dir(&store).unwrap();
    let evil = "<img src=x onerror=document.title='pwned'>.txt";
    std::fs::write(
        store.join(evil),
        "<script>document.title='pwned'</script> Åse Mæland, fnr 128790 30097, \
         kollega 01912451204\n",
    )
    .unwrap();
    let html = d.path().join("rapport.html");
    let r = run(
        sporhund(),
        [
            "find",
            "--format",
            "html",
            "--label",
            "Sak <b>1</b>",
            "--name",
            "Åse Mæland",
            "--fnr",
            "12879030097",
            "-o",
            html.to_str().unwrap(),
            store.to_str().unwrap(),
        ],
    );
    r.expect_code(1);
    let source = std::fs::read_to_string(&html).unwrap();
    for external in [
        "http://", "https://", "<script", "<link", "<img", "<iframe", "url(",
    ] {
        assert!(!source.contains(external), "{external} in the HTML source");
    }
    let Some(browser) = chromium() else {
        return;
    };
    let dom = render(&browser, &html);
    assert!(
        dom.contains("<title>sporhund – subject search report</title>"),
        "{dom}"
    );
    assert!(!dom.contains("pwned'>") && !dom.contains("<img") && !dom.contains("<b>1"));
    assert!(
        dom.contains("&lt;script&gt;document.title"),
        "snippet shown as text"
    );
    assert!(
        dom.contains("Sak &lt;b&gt;1&lt;/b&gt;"),
        "label shown as text"
    );
    assert!(dom.contains("data-strength=\"strong\""));
    assert!(dom.contains("Summary per store"));
    assert!(
        dom.contains("128790 30097"),
        "the subject's own value is shown"
    );
    assert!(
        !dom.contains("01912451204"),
        "another person's number is masked"
    );
    let stores = dom.split("id=\"stores\"").nth(1).unwrap();
    assert!(stores.contains(store.to_str().unwrap()));
}

#[test]
fn human_output_lists_places_by_strength() {
    let r = run(sporhund(), ["find", "--subject", SUBJECTS, STORE]);
    r.expect_code(1);
    let wanted = [
        "Sak 2026-114: 5 places (4 strong, 1 weak)",
        // A mail message is a place of its own, named by its message step.
        "[strong] fixtures/subjects/store/post.mbox › message #1 <innsyn.1@example.no> \"Innsynskrav\"",
        "[weak] fixtures/subjects/store/arkiv.zip › entry a/annen-aase.txt",
        "note: possible namesake",
        "Sak 2026-117: 2 places (1 strong, 1 weak)",
    ];
    for want in wanted {
        assert!(r.stdout.contains(want), "{want} missing:\n{}", r.stdout);
    }
}

/// Mutated store files never crash the subject search: the dispatcher turns a panic into a
/// "parser crashed" error, and none may come from a file the search reads.
#[test]
fn mutated_inputs_do_not_crash_the_search() {
    use sporhund::detect::subject::spec::load_file;
    use sporhund::detect::subject::SubjectMatcher;
    use sporhund::detect::{Engine, RuleSet};
    use sporhund::find::Finder;

    let subjects = load_file(&root().join(SUBJECTS)).unwrap();
    let finder = Finder::new(
        Engine::new(&RuleSet::builtin().unwrap()).unwrap(),
        SubjectMatcher::new(subjects).unwrap(),
    );
    let mut seed: u64 = 0x5EED;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for name in ["notat.txt", "kunder.csv", "arkiv.zip", "logg/tilgang.log"] {
        let original = std::fs::read(root().join(STORE).join(name)).unwrap();
        for _ in 0..60 {
            let mut data = original.clone();
            for _ in 0..1 + next() % 8 {
                let i = (next() % data.len() as u64) as usize;
                data[i] = next() as u8;
            }
            let (_, errors) = finder.find_bytes(&data, name);
            for e in errors {
                assert!(!e.message.contains("crashed"), "{name}: {}", e.message);
            }
        }
    }
}

//! Mail (`fixtures/documents/mail/`): .eml files, mboxo and mboxrd mailboxes and a Maildir
//! made with Python's `email` package by `make_mail.py`, scanned with the real binary and
//! compared with the `expected.json` it wrote (exact findings with full locations, errors,
//! exit codes). The named tests spell out the cases that matter most; the mutation test feeds
//! damaged copies of every message and mailbox through the library (findings or errors, never
//! a panic), and a property test runs the mbox splitter on arbitrary bytes.

use crate::common;
use crate::documents;

use documents::{
    assert_no_panics, check_fixture_dir, expected, extract_bytes, fixture_files, mutate, scan_keys,
    Rng,
};
use proptest::prelude::*;
use serde_json::Value;
use sporhund::extract::mail::mbox::{unescape, Splitter};
use sporhund::extract::Limits;

const DIR: &str = "fixtures/documents/mail";

#[test]
fn mail_fixtures_match_expected() {
    check_fixture_dir(DIR);
}

/// The message steps of the findings of a report, as (index, subject).
fn messages(report: &Value) -> Vec<(Option<u64>, String)> {
    let mut m: Vec<(Option<u64>, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let step = &f["location"][0];
            assert_eq!(step["type"], "message", "{f}");
            (
                step["index"].as_u64(),
                step["subject"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    m.dedup();
    m
}

/// Exit code and JSON report of `sporhund scan --older-than AGE PATH`.
fn scan_older_than(age: &str, path: &str) -> (Option<i32>, Value) {
    let mut cmd = common::sporhund();
    cmd.args([
        "scan",
        "--format",
        "json",
        "--no-progress",
        "--older-than",
        age,
        path,
    ]);
    let r = common::run(cmd, Vec::<String>::new());
    (r.code, r.json())
}

#[test]
fn older_than_keeps_old_and_undated_messages() {
    let want: Vec<u64> = expected(DIR)["files"]["datoer.mbox"]["older_than_365d"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(want, [1, 3, 4]);
    let (_, report) = scan_older_than("365d", &format!("{DIR}/datoer.mbox"));
    let got: Vec<u64> = messages(&report).iter().filter_map(|m| m.0).collect();
    assert_eq!(got, want, "{report:#}");
}

#[test]
fn older_than_filters_plain_files_by_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    let new = documents::write(dir.path(), "ny.txt", b"fnr 15108695088\n");
    let (code, report) = scan_older_than("1d", &new);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["findings"], Value::Array(vec![]));
    assert_eq!(
        report["skipped"][0]["reason"],
        "modified more recently than --older-than"
    );
}

#[test]
fn message_ids_and_references_are_not_addresses() {
    let (code, keys, _) = scan_keys(&format!("{DIR}/hoder.eml"));
    assert_eq!(code, Some(1));
    let email_parts: Vec<&str> = ["Cc", "From", "Reply-To", "To"].to_vec();
    let parts: Vec<String> = keys
        .iter()
        .filter(|k| k.starts_with("email/"))
        .map(|k| {
            let start = k.find(r#"{"name":""#).unwrap() + 9;
            k[start..start + k[start..].find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(parts, email_parts, "{keys:#?}");
}

#[test]
fn a_broken_message_is_an_error_and_the_mailbox_goes_on() {
    let (code, _, report) = scan_keys(&format!("{DIR}/postkasse.mboxrd"));
    assert_eq!(code, Some(4));
    assert_eq!(
        messages(&report)
            .iter()
            .map(|m| m.0.unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 4]
    );
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0]["location"],
        serde_json::json!([{"type": "message", "index": 3}])
    );
}

#[test]
fn mutated_mail_never_panics() {
    let mut files = fixture_files(DIR);
    for sub in ["cur", "new", "tmp"] {
        files.extend(fixture_files(&format!("{DIR}/Maildir/{sub}")));
    }
    assert!(files.len() >= 12, "{}", files.len());
    let mut rng = Rng(0x6d61_696c);
    let mut cases = Vec::new();
    for (name, data) in &files {
        for i in 0..40 {
            let damaged = mutate(data, &mut rng);
            cases.push((
                format!("{name} #{i}"),
                extract_bytes(&damaged, name, Limits::default()),
            ));
        }
    }
    assert_no_panics(&cases);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any bytes: the batches cover the mailbox exactly, in order, numbered from 1.
    #[test]
    fn splitter_covers_every_byte_once(
        data in proptest::collection::vec(
            prop_oneof![
                Just(b"From a 1\n".to_vec()),
                Just(b"X: y\n".to_vec()),
                Just(b"\n".to_vec()),
                Just(b">From ".to_vec()),
                proptest::collection::vec(any::<u8>(), 0..20),
            ],
            0..40,
        ).prop_map(|v| v.concat()),
        size in 1usize..64,
    ) {
        let mut splitter = Splitter::new(&data);
        let mut at = 0;
        let mut index = 1;
        while let Some(batch) = splitter.batch_of(size) {
            prop_assert_eq!(batch.span.start, at);
            for message in &batch.messages {
                let range = &message.range;
                prop_assert_eq!(message.index, index);
                prop_assert_eq!(range.start, at);
                prop_assert!(range.end > range.start);
                at = range.end;
                index += 1;
                let _ = unescape(&data[range.clone()]);
                let _ = message.raw(&data);
            }
            prop_assert_eq!(batch.span.end, at);
        }
        prop_assert_eq!(at, data.len());
    }
}

#[test]
fn parts_are_named_by_role_file_name_or_imap_number() {
    let raw = "From: a@b.no\nSubject: deler\nMessage-ID: <d@b.no>\nMIME-Version: 1.0\n\
        Content-Type: multipart/mixed; boundary=\"m\"\n\n\
        --m\nContent-Type: multipart/related; boundary=\"r\"\n\n\
        --r\nContent-Type: text/html; charset=utf-8\n\n<p>hoved&shy;tekst</p>\n\
        --r\nContent-Type: image/png\nContent-ID: <logo>\n\n\u{1}PNG\n--r--\n\
        --m\nContent-Type: text/plain; charset=utf-8\n\nandre tekst\n\
        --m\nContent-Type: application/x-ukjent\n\nukjent innhold\n\
        --m\nContent-Type: text/plain\nContent-Disposition: attachment; \
        filename*=utf-8''n%C3%B8kkel.txt\n\nvedlegg\n--m--\n";
    let got = extract_bytes(raw.as_bytes(), "x.eml", Limits::default());
    let message = r#"message <d@b.no> "deler""#;
    let want: Vec<(String, String)> = [
        ("Subject", "deler"),
        ("From", "a@b.no"),
        ("body (html)", "hoved\u{ad}tekst"),
        ("attachment part 2", "andre tekst"),
        ("attachment part 3", "ukjent innhold"),
        ("attachment nøkkel.txt", "vedlegg"),
    ]
    .iter()
    .map(|(l, t)| (format!("{message} › {l}"), t.to_string()))
    .collect();
    assert_eq!(got.texts, want);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
}

#[test]
fn a_mailbox_inside_a_zip_is_read_sequentially_with_the_same_locations() {
    let mbox = std::fs::read(common::root().join(DIR).join("thunderbird.mbox")).unwrap();
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        w.start_file("eksport/Innboks", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut w, &mbox).unwrap();
        w.finish().unwrap();
    }
    // The test sink cannot fork, so the messages are read on this thread, in order.
    let got = extract_bytes(&buf.into_inner(), "post.zip", Limits::default());
    let bodies: Vec<&str> = got
        .texts
        .iter()
        .filter(|(l, _)| l.ends_with("› body"))
        .map(|(l, _)| l.as_str())
        .collect();
    assert_eq!(
        bodies,
        [
            r#"entry eksport/Innboks › message #1 <tb1@firma.no> "Melding 1" › body"#,
            r#"entry eksport/Innboks › message #2 <tb2@firma.no> "Melding 2" › body"#,
        ]
    );
    assert!(got.errors.is_empty(), "{:?}", got.errors);
}

/// `--group-by message`: one entry per message holding findings, each ending with its message
/// step, with counts that add up to the findings inside it (a forward's inner message counts
/// towards the message that carried it), in JSON and in the human list.
#[test]
fn findings_grouped_by_message() {
    let path = format!("{DIR}/videresendt.eml");
    let (code, report) = common::scan_json([path.as_str(), "--group-by", "message"]);
    assert_eq!(code, Some(1), "{report:#}");
    let groups = report["messages"].as_array().expect("messages");
    assert_eq!(groups.len(), 1, "{report:#}");
    let g = &groups[0];
    let location = g["location"].as_array().unwrap();
    assert_eq!(location.len(), 1);
    assert_eq!(location[0]["message_id"], "fwd.4@firma.no");
    let total = report["findings"].as_array().unwrap().len() as u64;
    assert_eq!(g["findings"].as_u64(), Some(total));
    assert_eq!(
        g["highest_severity"], "critical",
        "sick note with an fnr: {g:#}"
    );
    let sum: u64 = g["findings_by_category"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(sum, total);

    // A mailbox: one group per message with findings, in mailbox order.
    let (_, report) = common::scan_json([
        format!("{DIR}/thunderbird.mbox").as_str(),
        "--group-by",
        "message",
    ]);
    let indices: Vec<u64> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["location"][0]["index"].as_u64().unwrap())
        .collect();
    let mut with_findings: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"][0]["index"].as_u64().unwrap())
        .collect();
    with_findings.dedup();
    with_findings.sort();
    with_findings.dedup();
    assert_eq!(indices, with_findings);

    let mut cmd = common::sporhund();
    cmd.args(["scan", "--no-progress", "--group-by", "message", &path]);
    let r = common::run(cmd, Vec::<String>::new());
    assert!(
        r.stdout.contains("Messages holding personal data (1):")
            // The sender's address is masked like any value unless --show-values.
            && r.stdout.contains("Mon, 05 Jan 2026 10:00:00 +0100 · from l****@*****.no")
            && r.stdout.contains("7 findings, highest critical"),
        "{}",
        r.stdout
    );
}

//! Office documents (`fixtures/documents/office/`): docx and pptx from python-docx and
//! python-pptx, odt/docx/doc and odp/pptx/ppt from LibreOffice, scanned with the real binary
//! and compared with `expected.json` (written by `make_office.py`, which computes every
//! position from the produced XML, never from running sporhund). A missing finding, an extra
//! finding, an error and a wrong exit code all fail.
//!
//! The named tests below spell out the cases that matter most, with full locations. The
//! mutation test feeds damaged copies of every document (container bytes and XML inside)
//! through the library's dispatcher: findings or errors, never a panic.

use crate::documents;

use std::io::{Cursor, Read, Write};

use documents::{
    assert_no_panics, check_fixture_dir, extract_bytes, fixture_files, mutate, scan_keys, Rng,
};
use sporhund::extract::Limits;

const DIR: &str = "fixtures/documents/office";

/// A finding key as `documents::finding_key` writes it: rule/kind, then the location with the
/// part and the line step.
fn key(rule: &str, part: &str, line: u64, column: u64) -> String {
    format!(
        r#"{rule} at [{{"name":"{part}","type":"part"}},{{"column":{column},"line":{line},"type":"line"}}]"#
    )
}

fn findings_of(file: &str) -> Vec<String> {
    let (code, keys, report) = scan_keys(&format!("{DIR}/{file}"));
    assert_eq!(code, Some(1), "{file}: {report:#}");
    keys
}

#[test]
fn office_fixtures_match_expected() {
    check_fixture_dir(DIR);
}

#[test]
fn runs_split_by_formatting_are_joined() {
    // "Fødselsnummer: " + bold "200369" + "14700" in one paragraph.
    assert!(findings_of("brev.docx").contains(&key("no.fnr/fnr", "document", 3, 16)));
    // The same in a pptx text box, on the slide shown third.
    assert!(findings_of("presentasjon.pptx").contains(&key("no.fnr/fnr", "slide 3", 3, 6)));
}

#[test]
fn a_number_split_over_two_table_cells_is_not_one_number() {
    for file in [
        "brev.docx",
        "endringer.docx",
        "endringer.odt",
        "endringer.doc",
    ] {
        let keys = findings_of(file);
        // Exactly the fødselsnummer planted whole; none from the split cells.
        let fnr = keys.iter().filter(|k| k.starts_with("no.fnr/fnr")).count();
        let want = match file {
            "brev.docx" => 2,     // body (split runs) and comment
            "endringer.doc" => 1, // body (the deletion is glued, a known gap)
            _ => 2,               // body and tracked deletion
        };
        assert_eq!(fnr, want, "{file}: {keys:#?}");
    }
}

#[test]
fn tracked_deletions_comments_notes_headers_and_properties_are_read() {
    let docx = findings_of("brev.docx");
    for k in [
        key("no.fnr/dnr", "tracked changes", 1, 10),
        key("no.fnr/fnr", "comments", 1, 28),
        key("email/", "header1", 1, 25),
        key("no.orgnr/orgnr", "footer1", 1, 22),
        key("email/", "properties", 2, 10),
    ] {
        assert!(docx.contains(&k), "brev.docx: {k} not in {docx:#?}");
    }
    let odt = findings_of("endringer.odt");
    for k in [
        key("no.fnr/fnr", "tracked changes", 1, 15),
        key("no.phone/mobile", "comments", 1, 7),
        key("no.fnr/dnr", "footnotes", 1, 34),
        key("email/", "header", 1, 18),
        key("email/", "properties", 4, 16),
    ] {
        assert!(odt.contains(&k), "endringer.odt: {k} not in {odt:#?}");
    }
}

#[test]
fn slides_are_numbered_in_show_order_with_their_notes() {
    // presentasjon.pptx: slide3.xml is shown first; the notes belong to the slide shown third.
    let pptx = findings_of("presentasjon.pptx");
    assert!(
        pptx.contains(&key("no.phone/mobile", "slide 1", 11, 7)),
        "{pptx:#?}"
    );
    assert!(
        pptx.contains(&key("no.fnr/dnr", "notes 3", 1, 16)),
        "{pptx:#?}"
    );
    // The legacy .ppt through its persist directory.
    let ppt = findings_of("foredrag.ppt");
    assert!(
        ppt.contains(&key("no.fnr/dnr", "notes 1", 1, 17)),
        "{ppt:#?}"
    );
    assert!(
        ppt.contains(&key("no.phone/mobile", "slide 2", 1, 6)),
        "{ppt:#?}"
    );
}

/// Copies of a zip package with one member's bytes damaged, stored uncompressed so the
/// damage reaches the XML parser.
fn damaged_packages(data: &[u8], rng: &mut Rng, count: usize) -> Vec<Vec<u8>> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(data)) else {
        return Vec::new();
    };
    let members: Vec<(String, Vec<u8>)> = (0..archive.len())
        .filter_map(|i| {
            let mut f = archive.by_index(i).ok()?;
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).ok()?;
            Some((f.name().ok()?.to_string(), bytes))
        })
        .collect();
    (0..count)
        .map(|_| {
            let victim = rng.below(members.len());
            let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            for (i, (name, bytes)) in members.iter().enumerate() {
                w.start_file(name.as_str(), stored).unwrap();
                let bytes = if i == victim {
                    mutate(bytes, rng)
                } else {
                    bytes.clone()
                };
                w.write_all(&bytes).unwrap();
            }
            w.finish().unwrap().into_inner()
        })
        .collect()
}

#[test]
fn mutated_documents_never_panic() {
    let mut rng = Rng(0x0FF1_CE00);
    let limits = Limits {
        max_member_bytes: 8 << 20,
        max_total_bytes: 32 << 20,
        ..Limits::default()
    };
    let mut cases = Vec::new();
    for (name, data) in fixture_files(DIR) {
        let mut variants: Vec<Vec<u8>> = (0..25).map(|_| mutate(&data, &mut rng)).collect();
        variants.extend(damaged_packages(&data, &mut rng, 25));
        for (i, v) in variants.iter().enumerate() {
            cases.push((
                format!("{name} #{i}"),
                extract_bytes(v, &name, limits.clone()),
            ));
        }
    }
    assert!(cases.len() >= 300, "{} cases", cases.len());
    assert_no_panics(&cases);
}

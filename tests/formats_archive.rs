//! Archives (`fixtures/documents/archives/`): zip (nested, CP865 names, encrypted and damaged
//! members, a docx inside), gzip, tar and tar.gz, scanned with the real binary and compared
//! with `expected.json` (written by `make_archives.py` from the texts it archives). Zip and
//! gzip bombs are made at test time (python3, standard library) and must be refused quickly,
//! with a clear message, in bounded memory. A mutation test feeds damaged copies of every
//! archive through the library's dispatcher: errors, never a panic.

use crate::common;
use crate::documents;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::s;
use documents::{
    assert_no_panics, check_fixture_dir, extract_bytes, fixture_files, mutate, run_watching_memory,
    scan_keys, Rng, Watched,
};
use serde_json::Value;
use sporhund::extract::Limits;

const DIR: &str = "fixtures/documents/archives";

/// Peak resident memory a scan of a bomb may reach. A scan of small files peaks around
/// 20–30 MiB; a bomb that got decompressed into memory would take 200 MiB.
const PEAK_KIB: u64 = 120 * 1024;

/// Writes bombs into a folder with Python's zlib (a debug build of the Rust compressors takes
/// seconds per 100 MB of zeros). Members are deflated once and copied raw, as 42.zip is.
const BOMBS: &str = r#"
import gzip, struct, sys, zlib
from pathlib import Path
out = Path(sys.argv[1])
MB = 1024 * 1024

def deflated_zeros(n):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk, parts, crc = bytes(MB), [], 0
    for _ in range(n // MB):
        parts.append(c.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(c.flush())
    return b"".join(parts), crc, n

def deflated(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)

def raw_zip(members):
    body, central = b"", b""
    for name, (packed, crc, size) in members:
        name = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                               len(packed), size, len(name), 0, 0, 0, 0, 0, len(body)) + name
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(packed),
                            size, len(name), 0) + name + packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                      len(central), len(body), 0)
    return body + central + end

contact = deflated("Kontakt: kari.nordmann@firma.no\n".encode())
zeros200 = deflated_zeros(200 * MB)
(out / "bombe.zip").write_bytes(raw_zip([("nuller.bin", zeros200), ("kontakt.txt", contact)]))

# gzip of 200 MB of zeros, and the same with a trailer that lies (ISIZE 1000).
gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + zeros200[0] + struct.pack("<II", zeros200[1], (200 * MB) & 0xFFFFFFFF)
(out / "nuller.gz").write_bytes(gz)
(out / "lyver.gz").write_bytes(gz[:-4] + struct.pack("<I", 1000))

# 42.zip in small: 10 zips of 10 zips of 10 members of 100 MB of zeros each (100 GB).
inner = deflated_zeros(100 * MB)
level1 = raw_zip([(f"{i}.bin", inner) for i in range(10)])
level2 = raw_zip([(f"{i}.zip", deflated(level1)) for i in range(10)])
level3 = raw_zip([(f"{i}.zip", deflated(level2)) for i in range(10)])
(out / "42.zip").write_bytes(level3)
"#;

fn make_bombs(dir: &Path) {
    let status = Command::new("python3")
        .arg("-c")
        .arg(BOMBS)
        .arg(dir)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "bomb generator failed");
}

fn scan_watching(path: &Path) -> (Watched, Value) {
    let path = path.display().to_string();
    let w = run_watching_memory(&["scan", "--format", "json", "--no-progress", &path]);
    let report: Value = serde_json::from_str(&w.stdout).expect("JSON report");
    (w, report)
}

fn errors(report: &Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["location"].to_string(), s(e, "message").to_string()))
        .collect()
}

#[test]
fn archive_fixtures_match_expected() {
    check_fixture_dir(DIR);
}

#[test]
fn zip_in_zip_in_zip_names_every_member() {
    let (code, keys, _) = scan_keys(&format!("{DIR}/nestet.zip"));
    assert_eq!(code, Some(1));
    assert!(keys.contains(&
        r#"no.fnr/fnr at [{"name":"nivå1/b.zip","type":"entry"},{"name":"c.zip","type":"entry"},{"name":"kunde.txt","type":"entry"},{"column":16,"line":2,"type":"line"}]"#
            .to_string()), "{keys:#?}");
}

#[test]
fn cp865_member_names_are_decoded() {
    let (code, keys, _) = scan_keys(&format!("{DIR}/cp865.zip"));
    assert_eq!(code, Some(1));
    let names = keys.join("\n");
    assert!(
        names.contains(r#""name":"Søknad_Ærlig_Åse.txt""#),
        "{names}"
    );
    assert!(names.contains(r#""name":"Ørnulf/notat.txt""#), "{names}");
}

#[test]
fn an_encrypted_member_is_reported_and_the_rest_is_read() {
    let (code, keys, report) = scan_keys(&format!("{DIR}/kryptert.zip"));
    assert_eq!(code, Some(4), "findings and an unread part");
    assert_eq!(keys.len(), 1);
    assert_eq!(
        errors(&report),
        [(
            r#"[{"name":"hemmelig.txt","type":"entry"}]"#.to_string(),
            "encrypted, not scanned: password-protected zip member".to_string()
        )]
    );
    assert_eq!(report["summary"]["complete"], false);
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error_and_nothing_else() {
    let (code, keys, report) = scan_keys(&format!("{DIR}/dyp.zip"));
    assert_eq!(code, Some(3), "nothing found, something unread");
    assert!(keys.is_empty());
    let e = errors(&report);
    assert_eq!(e.len(), 1);
    assert!(e[0].1.contains("nesting deeper than 8 levels"), "{e:?}");
}

#[test]
fn zip_and_gzip_bombs_are_refused_quickly_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    make_bombs(dir.path());
    for (file, want_error) in [
        ("bombe.zip", r#"[{"name":"nuller.bin","type":"entry"}]"#),
        ("nuller.gz", "[]"),
        ("lyver.gz", "[]"),
    ] {
        let (w, report) = scan_watching(&dir.path().join(file));
        let e = errors(&report);
        assert_eq!(e.len(), 1, "{file}: {e:?}");
        assert_eq!(e[0].0, want_error, "{file}");
        assert!(
            e[0].1
                .contains("over the 200:1 compression ratio limit (a zip bomb?)"),
            "{file}: {}",
            e[0].1
        );
        assert!(w.peak_kib < PEAK_KIB, "{file}: peak {} KiB", w.peak_kib);
        assert!(
            w.elapsed < Duration::from_secs(20),
            "{file}: {:?}",
            w.elapsed
        );
        let found = report["findings"].as_array().unwrap().len();
        if file == "bombe.zip" {
            assert_eq!(
                (w.code, found),
                (Some(4), 1),
                "the member next to the bomb is read"
            );
        } else {
            assert_eq!((w.code, found), (Some(3), 0));
        }
    }
}

#[test]
fn a_nested_bomb_stops_after_a_few_refusals() {
    let dir = tempfile::tempdir().unwrap();
    make_bombs(dir.path());
    let (w, report) = scan_watching(&dir.path().join("42.zip"));
    assert_eq!(w.code, Some(3));
    assert!(w.peak_kib < PEAK_KIB, "peak {} KiB", w.peak_kib);
    let e = errors(&report);
    // Each refused 100 MB member counts against the 4 GiB per-file total: about 40 are
    // refused, then the total is spent and every level stops at its next member.
    assert!(e.len() < 100, "{} errors", e.len());
    assert!(
        e.iter().any(|(_, m)| m.contains("compression ratio")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|(_, m)| m.contains("per-file limit")
            && m.contains("the rest of this container is not read")),
        "{e:?}"
    );

    // The same through the library: it returns quickly.
    let data = std::fs::read(dir.path().join("42.zip")).unwrap();
    let started = Instant::now();
    let c = extract_bytes(&data, "42.zip", Limits::default());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(c.texts.is_empty() && !c.errors.is_empty());
}

#[test]
fn mutated_archives_never_panic() {
    let mut rng = Rng(0x5EED_A7C1);
    let limits = Limits {
        max_member_bytes: 4 << 20,
        max_total_bytes: 16 << 20,
        ..Limits::default()
    };
    let mut cases = Vec::new();
    for (name, data) in fixture_files(DIR) {
        for i in 0..40 {
            let damaged = mutate(&data, &mut rng);
            cases.push((
                format!("{name} #{i}"),
                extract_bytes(&damaged, &name, limits.clone()),
            ));
        }
    }
    assert!(cases.len() >= 300, "{} cases", cases.len());
    assert_no_panics(&cases);
}

//! Outlook `.msg`: sporhund's own reader against an independent one, and a message of our
//! own with Norwegian identifiers in every place an Outlook item keeps text.
//!
//! * Every sample in `../shared/fixtures/outlook/msg/` (third-party files, not in the
//!   repository: the tests say so and pass when the folder is absent) is read and compared
//!   with `tests/outlook/msg_expected.json`, written by `tests/outlook/msg_expected.py` with
//!   Python extract-msg: class, subject, stored bodies, recipients, attachments and embedded
//!   messages. Each is also scanned through the dispatcher: its body comes out as text, and
//!   the broken sample is a clear error.
//! * `norsk.msg` is built here with `cfb` (no tool on our machines writes .msg): identifiers
//!   in subject, sender, recipients, plain body, two RTF-only embedded messages (plain RTF and
//!   HTML encapsulated in RTF), attachments
//!   (txt, xlsx, pdf from the repository's fixtures) and a named property; the findings are
//!   compared exactly.
//! * Mutated copies of every sample never make the reader panic.

use crate::common;
use crate::documents;

use std::io::Write as _;
use std::path::PathBuf;

use serde_json::{json, Value};
use sporhund::extract::outlook::model::ptype::{
    BINARY as PT_BINARY, LONG as PT_LONG, STRING8 as PT_STRING8, SYSTIME as PT_SYSTIME,
    UNICODE as PT_UNICODE,
};
use sporhund::extract::outlook::model::{
    prop, AttachmentContent, MapiMessage, PropValue, PropertyBag,
};
use sporhund::extract::outlook::msg;
use sporhund::extract::{Input, Limits};
use sporhund::location::Location;

use documents::{assert_no_panics, extract_bytes, mutate, Rng};

/// The third-party .msg samples, or `None` when they are not beside the checkout.
fn samples() -> Option<PathBuf> {
    common::shared_fixture("outlook/msg")
}

fn expected() -> Value {
    let path = common::root().join("tests/outlook/msg_expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn text(bag: &PropertyBag, id: u16) -> String {
    bag.str(id).unwrap_or("").to_string()
}

/// What our reader sees, in the shape the generator writes.
fn describe(m: &MapiMessage) -> Value {
    let has = |id: u16| m.props.get(id).is_some();
    let recipients: Vec<Value> = m
        .recipients
        .iter()
        .map(|r| {
            let email = [prop::SMTP_ADDRESS, prop::EMAIL_ADDRESS]
                .iter()
                .find_map(|&id| r.str(id).filter(|s| !s.is_empty()))
                .unwrap_or("");
            json!({
                "type": r.int(prop::RECIPIENT_TYPE).unwrap_or(0),
                "name": text(r, prop::DISPLAY_NAME),
                "email": email,
            })
        })
        .collect();
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .map(|a| {
            let name = [prop::ATTACH_LONG_FILENAME, prop::ATTACH_FILENAME]
                .iter()
                .find_map(|&id| a.props.str(id).filter(|s| !s.is_empty()))
                .unwrap_or("");
            match &a.content {
                AttachmentContent::Data(d) => {
                    json!({"name": name, "kind": "data", "size": d.len()})
                }
                AttachmentContent::Message(inner) => {
                    json!({"name": name, "kind": "message", "message": describe(inner)})
                }
                _ => json!({"name": name, "kind": "other"}),
            }
        })
        .collect();
    json!({
        "class": text(&m.props, prop::MESSAGE_CLASS),
        "subject": text(&m.props, prop::SUBJECT),
        "plain_body": m.props.str(prop::BODY).is_some_and(|b| !b.trim().is_empty()),
        "html_body": has(prop::HTML),
        "rtf_body": has(prop::RTF_COMPRESSED),
        "recipients": recipients,
        "attachments": attachments,
    })
}

/// `v` without its `body_words` fields, at every level.
fn without_body_words(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| k != "body_words")
                .map(|(k, v)| (k, without_body_words(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_body_words).collect()),
        other => other,
    }
}

#[test]
fn every_sample_msg_reads_like_extract_msg_reads_it() {
    let Some(dir) = samples() else { return };
    let expected = expected();
    let files = expected["files"].as_object().unwrap();
    let mut differences = Vec::new();
    for (name, want) in files {
        let path = dir.join(name);
        let got = match msg::read(Input::File(&path), &Limits::default()) {
            Ok(m) => {
                if !m.errors.is_empty() {
                    differences.push(format!("{name}: errors {:?}", m.errors));
                }
                describe(&m)
            }
            Err(e) => json!({"error": e.to_string()}),
        };
        // Bodies are compared in every_sample_body_is_scanned_as_text.
        let want = without_body_words(want.clone());
        let same = match (want.get("error"), got.get("error")) {
            (Some(_), Some(_)) => true,
            _ => got == want,
        };
        if !same {
            differences.push(format!("{name}:\n  want {want}\n  got  {got}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(files.len(), 46);
}
// --- a .msg of our own ---------------------------------------------------------------------

/// `{\rtf1 … Pasient: Jørgen Berg \par Fødselsnummer: 290200{\b 73150} \par Diagnose:
/// depresjon}` compressed by Python `compressed_rtf.compress(rtf, compressed=True)` (an
/// independent LZFu writer).
const LEGEERKLAERING_LZFU: &str = "89000000970000004c5a4675e2643ab903000a00726370673132354e3200f401f702a220430740691662051002807d0af32050610500906502303a204a5c27906638726710e0204204900a670aa34611426473656c50736e756d0780721110320c393001d00a11203733312e350a1101400ab2440730676e2e6f12c011100100700970736a0b02200aa27d1660";

/// HTML encapsulated in RTF (`\fromhtml1`, as Outlook stores HTML mail):
/// `<html><body>Sykmelding for Jørgen<br><b>151086</b> 95088 &amp; mer</body></html>` with
/// `\htmlrtf` runs, compressed by Python `compressed_rtf` as above.
const SYKMELDING_LZFU: &str = "c80000005a0100004c5a467574f1b9ca03000a00726370673132358232034368746d6c3103307f010301f702a403e40713028002912a8e5c0eb201900e1039203c0eb2663e029111673530121006e064fe791270117300210331135013e613502506b06b07806c640b80672003021005c04a5c276638724867656e114a3136136172cf13c80aa214b811493834136117f9026214a9313531303836691149393212102f1a6b149a3901134038382026616d70dc3b20078008b112b8381d12139359114932371d1112347d2290";

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// One storage's properties: fixed-size values for `__properties_version1.0`, the rest as
/// `__substg1.0_` streams.
#[derive(Default)]
struct Props {
    fixed: Vec<(u16, u16, u64)>,
    streams: Vec<(u16, u16, Vec<u8>)>,
}

impl Props {
    fn unicode(mut self, id: u16, v: &str) -> Self {
        self.streams.push((id, PT_UNICODE, utf16(v)));
        self
    }
    fn string8(mut self, id: u16, v: &[u8]) -> Self {
        self.streams.push((id, PT_STRING8, v.to_vec()));
        self
    }
    fn binary(mut self, id: u16, v: Vec<u8>) -> Self {
        self.streams.push((id, PT_BINARY, v));
        self
    }
    fn long(mut self, id: u16, v: u32) -> Self {
        self.fixed.push((PT_LONG, id, v as u64));
        self
    }
    fn time(mut self, id: u16, v: u64) -> Self {
        self.fixed.push((PT_SYSTIME, id, v));
        self
    }

    /// Writes the properties into `storage` (`""`: root) with a header of `header` bytes.
    fn write(
        &self,
        file: &mut cfb::CompoundFile<std::io::Cursor<Vec<u8>>>,
        storage: &str,
        header: Vec<u8>,
    ) {
        let mut table = header;
        for (ty, id, v) in &self.fixed {
            table.extend_from_slice(&ty.to_le_bytes());
            table.extend_from_slice(&id.to_le_bytes());
            table.extend_from_slice(&6u32.to_le_bytes());
            table.extend_from_slice(&v.to_le_bytes());
        }
        let put = |file: &mut cfb::CompoundFile<_>, name: String, data: &[u8]| {
            file.create_stream(format!("{storage}/{name}"))
                .unwrap()
                .write_all(data)
                .unwrap();
        };
        put(file, "__properties_version1.0".into(), &table);
        for (id, ty, data) in &self.streams {
            put(file, format!("__substg1.0_{id:04X}{ty:04X}"), data);
        }
    }
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(common::root().join(path)).unwrap()
}

/// `norsk.msg`: identifiers in every place an Outlook message keeps text.
fn norsk_msg() -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    let mut header = vec![0u8; 8];
    for n in [3u32, 5, 3, 5] {
        header.extend_from_slice(&n.to_le_bytes()); // next ids, counts
    }
    header.extend_from_slice(&[0; 8]);
    Props::default()
        .long(prop::MESSAGE_CODEPAGE, 1252)
        .time(prop::CLIENT_SUBMIT_TIME, 133_480_000_000_000_000)
        .unicode(prop::MESSAGE_CLASS, "IPM.Note")
        .unicode(prop::SUBJECT, "Søknad og sykmelding for 20036914700")
        .unicode(prop::INTERNET_MESSAGE_ID, "<soknad-1@eksempel.no>")
        .unicode(prop::SENDER_NAME, "Kari Nordmann")
        .unicode(prop::SENDER_SMTP_ADDRESS, "kari.nordmann@eksempel.no")
        .unicode(prop::DISPLAY_TO, "Ola Hansen")
        .string8(
            prop::BODY,
            b"Hei!\r\nF\xf8dselsnummeret mitt er 151086 95088, mobil 912 34 567.\r\n",
        )
        .unicode(
            prop::TRANSPORT_MESSAGE_HEADERS,
            "Message-ID: <15108695088@eksempel.no>\r\nReferences: <a@b.no>\r\n <29020073150@eksempel.no>\r\nReply-To: soknad@eksempel.no\r\n",
        )
        .unicode(0x8004, "privat@eksempel.no")
        .unicode(0x8005, "tracking 1@ms.example; <soknad-0@eksempel.no>")
        .write(&mut file, "", header);
    // The named-property map: 0x8004 has a numeric LID (PidLidEmail1EmailAddress, kept),
    // 0x8005 a string name (Exchange bookkeeping, not read).
    file.create_storage("/__nameid_version1.0").unwrap();
    let mut entries = Vec::new();
    for (name, kind_and_guid, index) in [(0x8083u32, 0u16, 4u16), (0, 1 | (3 << 1), 5)] {
        entries.extend_from_slice(&name.to_le_bytes());
        entries.extend_from_slice(&kind_and_guid.to_le_bytes());
        entries.extend_from_slice(&index.to_le_bytes());
    }
    file.create_stream("/__nameid_version1.0/__substg1.0_00030102")
        .unwrap()
        .write_all(&entries)
        .unwrap();
    for (n, (kind, name, address)) in [
        (1, "Ola Hansen", "ola.hansen@firma.no"),
        (2, "Personal", "personal@firma.no"),
        (3, "Lise Berg", "lise.berg@firma.no"),
    ]
    .into_iter()
    .enumerate()
    {
        let storage = format!("/__recip_version1.0_#{n:08X}");
        file.create_storage(&storage).unwrap();
        Props::default()
            .long(prop::RECIPIENT_TYPE, kind)
            .unicode(prop::DISPLAY_NAME, name)
            .string8(prop::EMAIL_ADDRESS, address.as_bytes())
            .write(&mut file, &storage, vec![0; 8]);
    }
    let files = [
        (
            "notat 29020073150.txt",
            b"D-nummer: 450140 54018\n".to_vec(),
        ),
        (
            "personer.xlsx",
            fixture("fixtures/documents/sheets/personer.xlsx"),
        ),
        (
            "skjema.pdf",
            fixture("fixtures/documents/pdf/reportlab-standard14.pdf"),
        ),
    ];
    for (n, (name, data)) in files.into_iter().enumerate() {
        let storage = format!("/__attach_version1.0_#{n:08X}");
        file.create_storage(&storage).unwrap();
        Props::default()
            .long(prop::ATTACH_METHOD, 1)
            .unicode(prop::ATTACH_LONG_FILENAME, name)
            .binary(prop::ATTACH_DATA_BIN, data)
            .write(&mut file, &storage, vec![0; 8]);
    }
    let embedded = [
        ("Legeerklæring", LEGEERKLAERING_LZFU),
        ("Sykmelding", SYKMELDING_LZFU),
    ];
    for (n, (subject, rtf)) in embedded.into_iter().enumerate() {
        let storage = format!("/__attach_version1.0_#{:08X}", n + 3);
        file.create_storage(&storage).unwrap();
        Props::default()
            .long(prop::ATTACH_METHOD, 5)
            .unicode(prop::DISPLAY_NAME, subject)
            .write(&mut file, &storage, vec![0; 8]);
        let inner = format!("{storage}/__substg1.0_3701000D");
        file.create_storage(&inner).unwrap();
        Props::default()
            .unicode(prop::SUBJECT, subject)
            .unicode(prop::SENDER_NAME, "Dr. Per Lege")
            .unicode(prop::SENDER_SMTP_ADDRESS, "per.lege@legekontor.no")
            .binary(prop::RTF_COMPRESSED, unhex(rtf))
            .write(&mut file, &inner, vec![0; 24]);
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// A location as the human report writes it.
fn location_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_json::from_value::<Location>(other.clone())
            .unwrap()
            .to_string(),
    }
}

/// `rule/kind at location` of each finding in a list, the location under `prefix`.
fn finding_strings(findings: &Value, prefix: &str) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}/{} at {prefix}{}",
                common::s(f, "rule"),
                common::s(f, "kind"),
                location_string(&f["location"])
            )
        })
        .collect()
}

/// The findings a fixture's own expected.json lists for `file`, under `prefix`.
fn fixture_findings(dir: &str, file: &str, prefix: &str) -> Vec<String> {
    let expected = documents::expected(dir);
    finding_strings(
        &expected["files"][file]["findings"],
        &format!("{prefix} › "),
    )
}

#[test]
fn our_own_msg_gives_exactly_the_planted_findings() {
    let dir = tempfile::tempdir().unwrap();
    let path = documents::write(dir.path(), "norsk.msg", &norsk_msg());
    let (code, report) = common::scan_json([path.as_str()]);
    assert_eq!(code, Some(1), "{report:#}");
    assert_eq!(report["errors"], json!([]), "{report:#}");
    let mut got = finding_strings(&report["findings"], "");
    got.sort();
    let msg = r#"message <soknad-1@eksempel.no> "Søknad og sykmelding for *********00""#;
    // Values in location texts are masked like finding values (reports are personal data).
    let inner = format!(r#"{msg} › attachment Legeerklæring › message "Legeerklæring""#);
    let html = format!(r#"{msg} › attachment Sykmelding › message "Sykmelding""#);
    let mut want: Vec<String> = [
        // Header fields: the subject, the sender, one recipient of each kind.
        format!("no.fnr/fnr at {msg} › Subject"),
        format!("email/ at {msg} › From › 1:16"),
        format!("email/ at {msg} › To › 1:13"),
        format!("email/ at {msg} › Cc › 1:11"),
        format!("email/ at {msg} › Bcc › 1:12"),
        // Reply-To of the transport headers; Message-ID and References are not searched.
        format!("email/ at {msg} › headers › 1:11"),
        // The plain body, in Windows-1252.
        format!("no.fnr/fnr at {msg} › body › 2:25"),
        format!("no.phone/mobile at {msg} › body › 2:45"),
        // A named property with a numeric LID (a contact's e-mail address in Outlook); the
        // string-named one with message ids is not read.
        format!("email/ at {msg} › property 0x8004 › 1:1"),
        // An attachment's file name, and its content.
        format!("no.fnr/fnr at {msg} › attachment names › 1:7"),
        format!("no.fnr/dnr at {msg} › attachment notat *********50.txt › 1:11"),
        // The embedded messages: their senders, and their RTF-only bodies.
        format!("email/ at {inner} › From › 1:15"),
        format!("no.fnr/fnr at {inner} › body › 2:16"),
        // The second one: HTML encapsulated in RTF, the number split by <b>, after a <br>.
        format!("email/ at {html} › From › 1:15"),
        format!("no.fnr/fnr at {html} › body › 2:1"),
        // Health words with a fødselsnummer in the same message are special-category
        // findings: the subject, the attachments' names, and the embedded notes.
        format!("no.special.health/health at {msg} › Subject"),
        format!("no.special.health/health at {msg} › attachment names › 4:1"),
        format!("no.special.health/health at {msg} › attachment names › 5:1"),
        format!("no.special.health/health at {inner} › Subject"),
        format!("no.special.health/health at {inner} › body › 3:1"),
        format!("no.special.health/health at {inner} › body › 3:11"),
        format!("no.special.health/health at {html} › Subject"),
        format!("no.special.health/health at {html} › body › 1:1"),
    ]
    .into_iter()
    .collect();
    want.extend(fixture_findings(
        "fixtures/documents/sheets",
        "personer.xlsx",
        &format!("{msg} › attachment personer.xlsx"),
    ));
    want.extend(fixture_findings(
        "fixtures/documents/pdf",
        "reportlab-standard14.pdf",
        &format!("{msg} › attachment skjema.pdf"),
    ));
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn our_own_msg_reads_back_as_built() {
    let data = norsk_msg();
    let m = msg::read(Input::Bytes(&data), &Limits::default()).unwrap();
    assert_eq!(m.errors, []);
    assert_eq!(
        m.props.str(prop::BODY),
        Some("Hei!\r\nFødselsnummeret mitt er 151086 95088, mobil 912 34 567.\r\n")
    );
    assert_eq!(m.props.int(prop::MESSAGE_CODEPAGE), Some(1252));
    assert_eq!(m.recipients.len(), 3);
    assert_eq!(
        m.recipients[1].str(prop::EMAIL_ADDRESS),
        Some("personal@firma.no")
    );
    assert_eq!(m.attachments.len(), 5);
    let AttachmentContent::Message(inner) = &m.attachments[3].content else {
        panic!("attachment 4 is not an embedded message");
    };
    assert_eq!(inner.props.str(prop::SUBJECT), Some("Legeerklæring"));
    assert!(matches!(
        inner.props.get(prop::RTF_COMPRESSED),
        Some(PropValue::Binary(b)) if b.len() == 141
    ));
}

#[test]
fn attachments_held_together_stay_under_the_member_limit() {
    let data = norsk_msg();
    // notat … .txt (23 bytes) fits, personer.xlsx does not: it and the pdf are reported.
    let limits = Limits {
        max_member_bytes: 1000,
        ..Limits::default()
    };
    let m = msg::read(Input::Bytes(&data), &limits).unwrap();
    let kinds: Vec<String> = m
        .attachments
        .iter()
        .map(|a| match &a.content {
            AttachmentContent::Data(d) => format!("{} bytes", d.len()),
            AttachmentContent::Unreadable(r) => r.clone(),
            AttachmentContent::Message(_) => "message".into(),
            AttachmentContent::Missing => "missing".into(),
        })
        .collect();
    let over = "the message's attachments together are over the 1000 bytes limit; not read";
    assert_eq!(kinds, ["23 bytes", over, over, "message", "message"]);
}

#[test]
fn the_broken_sample_is_an_error_for_the_reader_and_text_for_the_scan() {
    let Some(dir) = samples() else { return };
    let path = dir.join("bad_outlook.msg");
    let e = msg::read(Input::File(&path), &Limits::default()).unwrap_err();
    assert!(
        e.to_string().starts_with("corrupt: OLE2 compound file"),
        "{e}"
    );
    // Its 11 bytes are plain text, so the dispatcher reads them as text: nothing is hidden.
    let c = extract_bytes(
        &std::fs::read(&path).unwrap(),
        "bad_outlook.msg",
        Limits::default(),
    );
    assert_eq!(c.texts, [(String::new(), "Hello World".to_string())]);
    assert_eq!(c.errors, []);
}

/// Whitespace-separated words, NULs dropped (extract-msg keeps the NULs of a UTF-16 body
/// stored as PT_STRING8; sporhund decodes it as UTF-16).
fn words(s: &str) -> String {
    s.replace('\0', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_sample_body_is_scanned_as_text() {
    let Some(dir) = samples() else { return };
    let expected = expected();
    let mut differences = Vec::new();
    for (name, want) in expected["files"].as_object().unwrap() {
        let Some(reference) = want["body_words"].as_array() else {
            continue; // the broken sample
        };
        let reference: Vec<&str> = reference.iter().map(|w| w.as_str().unwrap()).collect();
        let reference = words(&reference.join(" "));
        let data = std::fs::read(dir.join(name)).unwrap();
        let c = extract_bytes(&data, name, Limits::default());
        let body: Vec<&String> = c
            .texts
            .iter()
            .filter(|(l, _)| l.ends_with(" › body") && l.matches(" › ").count() == 1)
            .map(|(_, t)| t)
            .collect();
        let ok = match body.as_slice() {
            [] => reference.is_empty(),
            [text] => words(text).contains(&reference),
            _ => false,
        };
        if !ok {
            differences.push(format!("{name}: want …{reference:?}, got {body:?}"));
        }
        let crashed: Vec<_> = c
            .errors
            .iter()
            .filter(|(_, m)| m.contains("crashed"))
            .collect();
        assert!(crashed.is_empty(), "{name}: {crashed:?}");
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn mutated_messages_never_panic() {
    let mut inputs = vec![("norsk.msg".to_string(), norsk_msg())];
    if let Some(dir) = samples() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.metadata().unwrap().len() < 256 * 1024)
            .collect();
        files.sort();
        for p in files {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            inputs.push((name, std::fs::read(&p).unwrap()));
        }
    }
    let mut rng = Rng(0x0005_EED1);
    let mut cases = Vec::new();
    for (name, data) in &inputs {
        for i in 0..24 {
            let damaged = mutate(data, &mut rng);
            let c = extract_bytes(&damaged, name, Limits::default());
            cases.push((format!("{name} #{i}"), c));
        }
    }
    assert_no_panics(&cases);
}

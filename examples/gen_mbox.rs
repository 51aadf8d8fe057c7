//! Writes a large mbox for the mail benchmark (README, "Mail"): messages with the benchmark
//! corpus's Norwegian text as bodies (`benches/corpus.rs`, planted identifiers and decoys),
//! a third of them with a base64 attachment (a PDF, an xlsx and a docx from the fixtures, or
//! a generated text file), written as mboxrd.
//!
//! Each attachment is named after its message (`cv-123.pdf`), so that the extractor's memo of
//! identical members (which knows a member by its bytes and its name) cannot replay one: the
//! benchmark pays for reading every attachment, as for a mailbox whose attachments all differ.
//! `--names repeated` gives every copy of a document the same name instead (`cv.pdf`), as for
//! one document forwarded again and again: then each is read once and replayed after that.
//!
//! ```text
//! cargo run --release --example gen_mbox -- --out /tmp/bench.mbox --mb 1100 --seed 7
//! ```

#[path = "../benches/corpus.rs"]
mod corpus;

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen_mbox --out FILE [--mb N] [--seed N] [--names distinct|repeated]";

/// Documents attached in turn (real files from the fixture generators).
const DOCUMENTS: [(&str, &str, &[u8]); 3] = [
    (
        "cv.pdf",
        "application/pdf",
        include_bytes!("../fixtures/documents/pdf/reportlab-standard14.pdf"),
    ),
    (
        "ansatte.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        include_bytes!("../fixtures/documents/sheets/personer.xlsx"),
    ),
    (
        "brev.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        include_bytes!("../fixtures/documents/office/brev.docx"),
    ),
];

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_mbox: {e}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let (mut out, mut mb, mut seed, mut distinct) = (None, 1100u64, 7u64, true);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--mb" => mb = value.parse().map_err(|e| format!("--mb: {e}"))?,
            "--seed" => seed = value.parse().map_err(|e| format!("--seed: {e}"))?,
            "--names" => {
                distinct = match value.as_str() {
                    "distinct" => true,
                    "repeated" => false,
                    _ => return Err(format!("--names: {value}: distinct or repeated")),
                }
            }
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    let out = out.ok_or("--out is required")?;
    let file = std::fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut rng = corpus::Rng::new(seed);
    let (mut written, mut index) = (0u64, 0u64);
    while written < mb << 20 {
        index += 1;
        let message = message(&mut rng, corpus::file_seed(seed, index), index, distinct);
        w.write_all(&message).map_err(|e| e.to_string())?;
        written += message.len() as u64;
    }
    w.flush().map_err(|e| e.to_string())?;
    println!("{}: {index} messages, {written} bytes", out.display());
    Ok(())
}

/// One message with its `From ` line, mboxrd-quoted; `distinct`: its attachment is named
/// after it.
fn message(rng: &mut corpus::Rng, seed: u64, index: u64, distinct: bool) -> Vec<u8> {
    let body = corpus::generate(seed, rng.range(4_000, 24_000)).text;
    let day = 1 + index % 28;
    let mut m = format!(
        "From avsender{index}@firma.no Mon Jan {day:2} 10:00:00 2024\n\
         Message-ID: <{index}.bench@firma.no>\n\
         Date: Mon, {day} Jan 2024 10:00:00 +0100\n\
         From: Avsender {index} <avsender{index}@firma.no>\n\
         To: mottaker@firma.no\n\
         Subject: Melding {index}\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b{index}\"\n\n\
         --b{index}\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\n"
    );
    m.push_str(&quote_from_lines(&body));
    m.push('\n');
    if index.is_multiple_of(3) {
        let (name, mime, data) = match rng.below(4) {
            3 => {
                let text = corpus::generate(seed ^ 1, rng.range(20_000, 200_000)).text;
                ("notater.txt".to_string(), "text/plain", text.into_bytes())
            }
            i => {
                let (n, t, d) = DOCUMENTS[i];
                (n.to_string(), t, d.to_vec())
            }
        };
        let name = match name.rsplit_once('.') {
            Some((stem, extension)) if distinct => format!("{stem}-{index}.{extension}"),
            _ => name,
        };
        m.push_str(&format!(
            "--b{index}\nContent-Type: {mime}; name=\"{name}\"\n\
             Content-Disposition: attachment; filename=\"{name}\"\n\
             Content-Transfer-Encoding: base64\n\n"
        ));
        m.push_str(&base64_lines(&data));
    }
    m.push_str(&format!("--b{index}--\n\n"));
    m.into_bytes()
}

/// mboxrd quoting: `>` before lines that are `>`* then `From `.
fn quote_from_lines(text: &str) -> String {
    text.split('\n')
        .map(|l| {
            if l.trim_start_matches('>').starts_with("From ") {
                format!(">{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Base64 in 76-character lines (RFC 2045).
fn base64_lines(data: &[u8]) -> String {
    let encoded = data_encoding::BASE64.encode(data);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 + 1);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

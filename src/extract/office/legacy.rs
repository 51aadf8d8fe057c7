//! Legacy Word (`.doc`, Word 97–2003) and PowerPoint (`.ppt`) files: OLE2 compound files read
//! with the `cfb` crate. Best effort, with these limits:
//!
//! * `.doc`: the text is taken through the piece table (`Clx` in the table stream), so it is
//!   the document's real text in order, in UTF-16 or Windows-1252 pieces, split into the
//!   stories Word keeps: `document`, `footnotes`, `headers and footers`, `comments`,
//!   `endnotes`, `text boxes`, `header text boxes`. Paragraphs are lines; a table cell ends
//!   with an empty line; field codes are dropped and field results kept. Word 6/95 files
//!   (no piece table in this form) and encrypted files are reported, not guessed at.
//! * `.ppt`: the text atoms (TextChars, TextBytes, CString) of the `PowerPoint Document`
//!   stream. The edit chain (`Current User` → UserEditAtom → persist directory) gives the
//!   slides in show order: text of slide N's shapes and of its placeholders in the slide list
//!   is `slide N`, its notes page `notes N`; masters and handouts are not read. When the
//!   chain cannot be followed, all text atoms in stream order are `text`. Each text body is
//!   followed by an empty line.
//! * Both: the `SummaryInformation` and `DocumentSummaryInformation` property sets (title,
//!   author, last saved by, company …) as the `properties` part.

use std::collections::HashMap;
use std::io::{Read, Seek};

use encoding_rs::{Encoding, MACINTOSH, UTF_16LE, UTF_8, WINDOWS_1252};

use crate::extract::archive::bounded::{human_size, Bounded, MemberError};
use crate::extract::archive::cp865;
use crate::extract::sniff::ReadSeek;
use crate::extract::{Context, ExtractError, Extractor, Format, Input, Limits};
use crate::location::Step;

/// Legacy `.doc` and `.ppt`.
pub struct LegacyOfficeExtractor;

impl Extractor for LegacyOfficeExtractor {
    fn name(&self) -> &'static str {
        "legacy-office"
    }

    fn formats(&self) -> &'static [Format] {
        &[Format::Doc, Format::Ppt]
    }

    fn extract(
        &self,
        input: Input<'_>,
        _head: &[u8],
        format: Format,
        ctx: &mut Context<'_>,
    ) -> Result<(), ExtractError> {
        let mut file = cfb::CompoundFile::open(input.open_seekable()?)
            .map_err(|e| ExtractError::Corrupt(format!("OLE2 compound file: {e}")))?;
        let limits = ctx.dispatcher.limits.clone();
        let parts = match format {
            Format::Ppt => ppt_parts(&mut file, &limits)?,
            _ => doc_parts(&mut file, &limits)?,
        };
        for (name, text) in parts {
            ctx.text(Some(Step::Part { name }), &text, true);
        }
        let properties = summary_lines(&mut file, &limits);
        if !properties.is_empty() {
            let step = Step::Part {
                name: "properties".into(),
            };
            ctx.text(Some(step), &properties.join("\n"), true);
        }
        Ok(())
    }
}

type Ole<'a> = cfb::CompoundFile<Box<dyn ReadSeek + 'a>>;

/// A whole stream, refusing streams over the member size limit.
pub(crate) fn read_stream<F: Read + Seek>(
    file: &mut cfb::CompoundFile<F>,
    path: &str,
    limits: &Limits,
) -> Result<Vec<u8>, ExtractError> {
    let stream = file
        .open_stream(path)
        .map_err(|e| ExtractError::Corrupt(format!("stream {path}: {e}")))?;
    let len = stream.len();
    if len > limits.max_member_bytes {
        return Err(ExtractError::Limit(format!(
            "stream {path} is {}, over the {} limit",
            human_size(len),
            human_size(limits.max_member_bytes)
        )));
    }
    Bounded::new(stream, limits, None, limits.max_member_bytes, None)
        .read_to_vec(len)
        .map_err(MemberError::into_error)
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

fn corrupt(what: &str) -> ExtractError {
    ExtractError::Corrupt(format!("legacy .doc: {what}"))
}

// --- .doc ----------------------------------------------------------------------------------------

/// The stories of a Word document, in the order their characters follow each other.
const STORIES: [&str; 8] = [
    "document",
    "footnotes",
    "headers and footers",
    "macros",
    "comments",
    "endnotes",
    "text boxes",
    "header text boxes",
];

/// What the File Information Block says.
struct Fib {
    table_stream: &'static str,
    /// Character counts of the stories, in [`STORIES`] order.
    story_lengths: [u32; 8],
    fc_clx: u32,
    lcb_clx: u32,
}

fn read_fib(word: &[u8]) -> Result<Fib, ExtractError> {
    if u16_at(word, 0) != Some(0xA5EC) {
        return Err(corrupt("no Word 97-2003 File Information Block"));
    }
    let flags = u16_at(word, 0x0A).ok_or_else(|| corrupt("short FIB"))?;
    if flags & 0x0100 != 0 {
        return Err(ExtractError::Encrypted(
            "password-protected .doc file".into(),
        ));
    }
    let table_stream = if flags & 0x0200 != 0 {
        "1Table"
    } else {
        "0Table"
    };
    let csw = usize::from(u16_at(word, 32).ok_or_else(|| corrupt("short FIB"))?);
    let lw = 34 + csw * 2;
    let cslw = usize::from(u16_at(word, lw).ok_or_else(|| corrupt("short FIB"))?);
    let rg_lw = lw + 2;
    let mut story_lengths = [0u32; 8];
    for (i, len) in story_lengths.iter_mut().enumerate() {
        *len = u32_at(word, rg_lw + 12 + 4 * i).ok_or_else(|| corrupt("short FIB"))?;
    }
    let fc_lcb = rg_lw + cslw * 4;
    let count = usize::from(u16_at(word, fc_lcb).ok_or_else(|| corrupt("short FIB"))?);
    if count <= 33 {
        return Err(ExtractError::Unsupported(
            "legacy .doc older than Word 97 (no piece table)".into(),
        ));
    }
    let clx = fc_lcb + 2 + 33 * 8;
    Ok(Fib {
        table_stream,
        story_lengths,
        fc_clx: u32_at(word, clx).ok_or_else(|| corrupt("short FIB"))?,
        lcb_clx: u32_at(word, clx + 4).ok_or_else(|| corrupt("short FIB"))?,
    })
}

/// The piece table out of the `Clx`: (start CP, end CP, fc with the compression bit).
fn pieces(clx: &[u8]) -> Result<Vec<(u32, u32, u32)>, ExtractError> {
    let mut i = 0;
    while clx.get(i) == Some(&1) {
        let cb = usize::from(u16_at(clx, i + 1).ok_or_else(|| corrupt("bad Clx"))?);
        i += 3 + cb;
    }
    if clx.get(i) != Some(&2) {
        return Err(corrupt("no piece table in the Clx"));
    }
    let lcb = u32_at(clx, i + 1).ok_or_else(|| corrupt("bad Clx"))? as usize;
    let plc = clx
        .get(i + 5..i + 5 + lcb)
        .ok_or_else(|| corrupt("piece table past the end of the table stream"))?;
    let n = lcb.saturating_sub(4) / 12;
    let cp = |k: usize| u32_at(plc, 4 * k).unwrap_or(0);
    Ok((0..n)
        .map(|k| {
            (
                cp(k),
                cp(k + 1),
                u32_at(plc, 4 * (n + 1) + 8 * k + 2).unwrap_or(0),
            )
        })
        .collect())
}

/// All characters of the document as UTF-16 code units, in CP order. A real document has
/// no more characters than its stream has bytes; a piece table claiming more is cut there.
fn doc_units(word: &[u8], pieces: &[(u32, u32, u32)]) -> Vec<u16> {
    let mut units = Vec::new();
    for &(start, end, fc) in pieces {
        if units.len() > word.len() {
            break;
        }
        let count = end.saturating_sub(start) as usize;
        if fc & 0x4000_0000 != 0 {
            let at = ((fc & 0x3FFF_FFFF) / 2) as usize;
            let bytes = word
                .get(at..at.saturating_add(count).min(word.len()))
                .unwrap_or(&[]);
            let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
            units.extend(text.encode_utf16());
        } else {
            let at = fc as usize;
            let end = at.saturating_add(count.saturating_mul(2)).min(word.len());
            let bytes = word.get(at..end).unwrap_or(&[]);
            units.extend(
                bytes
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]])),
            );
        }
    }
    units
}

/// A story's characters as text: paragraph marks become line breaks, cell marks an empty
/// line, field codes are dropped, other control characters removed.
fn clean_story(units: &[u16]) -> String {
    let text = String::from_utf16_lossy(units);
    let mut out = String::with_capacity(text.len());
    // One entry per open field: true while in its code (before the separator).
    let mut fields: Vec<bool> = Vec::new();
    for c in text.chars() {
        match c {
            '\u{13}' => fields.push(true),
            '\u{14}' => {
                if let Some(top) = fields.last_mut() {
                    *top = false;
                }
            }
            '\u{15}' => {
                fields.pop();
            }
            _ if fields.iter().any(|&code| code) => {}
            '\r' | '\u{0B}' | '\u{0C}' | '\u{0E}' => out.push('\n'),
            '\u{07}' => out.push_str("\n\n"),
            '\t' => out.push('\t'),
            '\u{1E}' => out.push('-'),
            c if c < ' ' => {}
            c => out.push(c),
        }
    }
    out
}

fn doc_parts(file: &mut Ole<'_>, limits: &Limits) -> Result<Vec<(String, String)>, ExtractError> {
    let word = read_stream(file, "/WordDocument", limits)?;
    let fib = read_fib(&word)?;
    let table = read_stream(file, &format!("/{}", fib.table_stream), limits)?;
    let clx = table
        .get(fib.fc_clx as usize..(fib.fc_clx as usize).saturating_add(fib.lcb_clx as usize))
        .ok_or_else(|| corrupt("Clx past the end of the table stream"))?;
    let units = doc_units(&word, &pieces(clx)?);
    let mut parts = Vec::new();
    let mut at = 0usize;
    for (name, &len) in STORIES.iter().zip(fib.story_lengths.iter()) {
        let end = at.saturating_add(len as usize).min(units.len());
        let text = clean_story(&units[at.min(end)..end]);
        if *name != "macros" && !text.trim().is_empty() {
            parts.push((name.to_string(), text.trim_end().to_string()));
        }
        at = end;
    }
    Ok(parts)
}

// --- .ppt ----------------------------------------------------------------------------------------

const DOCUMENT: u16 = 0x03E8;
const NOTES_ATOM: u16 = 0x03F1;
const SLIDE_LIST_WITH_TEXT: u16 = 0x0FF0;
const SLIDE_PERSIST_ATOM: u16 = 0x03F3;
const USER_EDIT_ATOM: u16 = 0x0FF5;
const PERSIST_DIRECTORY_ATOM: u16 = 0x1772;
const TEXT_CHARS_ATOM: u16 = 0x0FA0;
const TEXT_BYTES_ATOM: u16 = 0x0FA8;
const CSTRING: u16 = 0x0FBA;

/// One record: type, instance and body.
struct Record<'a> {
    kind: u16,
    instance: u16,
    container: bool,
    body: &'a [u8],
}

/// The record at the start of `data` and the bytes after it.
fn record(data: &[u8]) -> Option<(Record<'_>, &[u8])> {
    let ver_inst = u16_at(data, 0)?;
    let kind = u16_at(data, 2)?;
    let len = (u32_at(data, 4)? as usize).min(data.len() - 8);
    let r = Record {
        kind,
        instance: ver_inst >> 4,
        container: ver_inst & 0xF == 0xF,
        body: &data[8..8 + len],
    };
    Some((r, &data[8 + len..]))
}

/// The records directly inside `data`.
fn records(mut data: &[u8]) -> Vec<Record<'_>> {
    let mut out = Vec::new();
    while let Some((r, rest)) = record(data) {
        out.push(r);
        data = rest;
    }
    out
}

/// The text of a text atom (TextChars, TextBytes, CString), if `r` is one.
fn atom_text(r: &Record<'_>) -> Option<String> {
    let text = match r.kind {
        TEXT_CHARS_ATOM | CSTRING => UTF_16LE.decode_without_bom_handling(r.body).0.into_owned(),
        // "Compressed" UTF-16: the low bytes of characters U+0000–U+00FF.
        TEXT_BYTES_ATOM => r.body.iter().map(|&b| char::from(b)).collect(),
        _ => return None,
    };
    let text = text.replace(['\r', '\u{0B}'], "\n");
    (!text.trim().is_empty() && !text.starts_with("___PPT")).then_some(text)
}

/// Every text atom in the record tree `data`, in stream order.
fn texts_in(data: &[u8], depth: u32, out: &mut Vec<String>) {
    for r in records(data) {
        if r.container && depth < 32 {
            texts_in(r.body, depth + 1, out);
        } else if let Some(t) = atom_text(&r) {
            out.push(t);
        }
    }
}

/// Named text outputs; each text body ends with an empty line, so bodies never join.
#[derive(Default)]
struct PptParts(Vec<(String, String)>);

impl PptParts {
    fn add(&mut self, name: &str, text: &str) {
        let i = match self.0.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                self.0.push((name.to_string(), String::new()));
                self.0.len() - 1
            }
        };
        let part = &mut self.0[i].1;
        part.push_str(text.trim_end_matches('\n'));
        part.push_str("\n\n");
    }

    fn add_all(&mut self, name: &str, texts: &[String]) {
        for t in texts {
            self.add(name, t);
        }
    }

    fn finish(self) -> Vec<(String, String)> {
        self.0
            .into_iter()
            .map(|(name, text)| (name, text.trim_end().to_string()))
            .collect()
    }
}

/// The persist directory (persist id → stream offset), following the chain of edits from
/// the current one back (newer entries win), and the persist id of the Document container.
fn persist_directory(stream: &[u8], current_edit: u32) -> Option<(HashMap<u32, u32>, u32)> {
    // UserEditAtom body: lastSlideIdRef, version (4), offsetLastEdit (8),
    // offsetPersistDirectory (12), docPersistIdRef (16).
    let mut directories = Vec::new();
    let mut doc = None;
    let mut at = current_edit as usize;
    for _ in 0..256 {
        let (edit, _) = record(stream.get(at..)?)?;
        if edit.kind != USER_EDIT_ATOM {
            break;
        }
        doc = doc.or(u32_at(edit.body, 16));
        directories.push(u32_at(edit.body, 12)? as usize);
        match u32_at(edit.body, 8)? as usize {
            0 => break,
            previous => at = previous,
        }
    }
    let mut dir = HashMap::new();
    for &offset in directories.iter().rev() {
        let (atom, _) = record(stream.get(offset..)?)?;
        if atom.kind != PERSIST_DIRECTORY_ATOM {
            return None;
        }
        let mut i = 0;
        while let Some(head) = u32_at(atom.body, i) {
            let (first, count) = (head & 0xF_FFFF, (head >> 20) as usize);
            for k in 0..count {
                dir.insert(first + k as u32, u32_at(atom.body, i + 4 + 4 * k)?);
            }
            i += 4 + 4 * count;
        }
    }
    Some((dir, doc?))
}

/// Text by slide and notes page, in show order, through the persist directory (`None` when
/// the file's edit chain cannot be followed).
fn ppt_by_slide(stream: &[u8], current_user: &[u8]) -> Option<Vec<(String, String)>> {
    let (dir, doc) = persist_directory(stream, u32_at(current_user, 16)?)?;
    let container = |persist: u32| -> Option<&[u8]> {
        let (r, _) = record(stream.get(*dir.get(&persist)? as usize..)?)?;
        Some(r.body)
    };
    let doc = records(stream.get(*dir.get(&doc)? as usize..)?)
        .into_iter()
        .next()
        .filter(|r| r.kind == DOCUMENT)?;
    let mut parts = PptParts::default();
    let mut slide_ids = Vec::new();
    let lists: Vec<Record<'_>> = records(doc.body)
        .into_iter()
        .filter(|r| r.kind == SLIDE_LIST_WITH_TEXT)
        .collect();
    for list in lists.iter().filter(|l| l.instance == 0) {
        for r in records(list.body) {
            if r.kind == SLIDE_PERSIST_ATOM {
                slide_ids.push(u32_at(r.body, 12).unwrap_or(0));
                let mut texts = Vec::new();
                if let Some(body) = container(u32_at(r.body, 0).unwrap_or(0)) {
                    texts_in(body, 0, &mut texts);
                }
                parts.add_all(&format!("slide {}", slide_ids.len()), &texts);
            } else if let (Some(t), n) = (atom_text(&r), slide_ids.len()) {
                parts.add(&format!("slide {n}"), &t);
            }
        }
    }
    if slide_ids.is_empty() {
        return None;
    }
    for list in lists.iter().filter(|l| l.instance == 2) {
        for r in records(list.body)
            .iter()
            .filter(|r| r.kind == SLIDE_PERSIST_ATOM)
        {
            let Some(body) = container(u32_at(r.body, 0).unwrap_or(0)) else {
                continue;
            };
            let slide = records(body)
                .iter()
                .find(|a| a.kind == NOTES_ATOM)
                .and_then(|a| u32_at(a.body, 0))
                .and_then(|id| slide_ids.iter().position(|&s| s == id));
            let name = slide.map_or("notes".to_string(), |i| format!("notes {}", i + 1));
            let mut texts = Vec::new();
            texts_in(body, 0, &mut texts);
            parts.add_all(&name, &texts);
        }
    }
    Some(parts.finish())
}

fn ppt_parts(file: &mut Ole<'_>, limits: &Limits) -> Result<Vec<(String, String)>, ExtractError> {
    if file.exists("/EncryptedSummary") {
        return Err(ExtractError::Encrypted(
            "password-protected .ppt file".into(),
        ));
    }
    let stream = read_stream(file, "/PowerPoint Document", limits)?;
    if let Ok(user) = read_stream(file, "/Current User", limits) {
        if let Some(parts) = ppt_by_slide(&stream, &user) {
            return Ok(parts);
        }
    }
    // No usable edit chain: all text in stream order.
    let mut texts = Vec::new();
    texts_in(&stream, 0, &mut texts);
    let mut parts = PptParts::default();
    parts.add_all("text", &texts);
    Ok(parts.finish())
}

// --- property sets -------------------------------------------------------------------------------

/// Property ids worth reporting, per stream.
const SUMMARY: &[(u32, &str)] = &[
    (2, "title"),
    (3, "subject"),
    (4, "author"),
    (5, "keywords"),
    (6, "comments"),
    (7, "template"),
    (8, "lastAuthor"),
];
const DOC_SUMMARY: &[(u32, &str)] = &[(2, "category"), (14, "manager"), (15, "company")];

/// `name: value` lines from the summary property sets, including user-defined properties
/// (missing or broken sets give none: they are metadata, the document's text was read
/// either way).
fn summary_lines(file: &mut Ole<'_>, limits: &Limits) -> Vec<String> {
    let mut lines = Vec::new();
    if let Ok(data) = read_stream(file, "/\u{5}SummaryInformation", limits) {
        lines.extend(property_set(&data, 0, Some(SUMMARY)));
    }
    if let Ok(data) = read_stream(file, "/\u{5}DocumentSummaryInformation", limits) {
        lines.extend(property_set(&data, 0, Some(DOC_SUMMARY)));
        lines.extend(property_set(&data, 1, None));
    }
    lines
}

/// String properties of property set number `section` in `data` (MS-OLEPS), labelled from
/// `names`, or (`None`) from the set's own dictionary (user-defined properties).
fn property_set(data: &[u8], section: usize, names: Option<&[(u32, &str)]>) -> Vec<String> {
    let sets = u32_at(data, 24).unwrap_or(0) as usize;
    let Some(set) = u32_at(data, 44 + 20 * section)
        .filter(|_| section < sets)
        .map(|o| o as usize)
    else {
        return Vec::new();
    };
    let count = u32_at(data, set + 4).unwrap_or(0).min(1000) as usize;
    let entries: Vec<(u32, usize)> = (0..count)
        .filter_map(|i| {
            let at = set + 8 + 8 * i;
            Some((u32_at(data, at)?, set + u32_at(data, at + 4)? as usize))
        })
        .collect();
    let at_of = |pid: u32| entries.iter().find(|(id, _)| *id == pid).map(|&(_, at)| at);
    let codepage = at_of(1).and_then(|at| u16_at(data, at + 4)).unwrap_or(1252);
    let labels: Vec<(u32, String)> = match names {
        Some(names) => names.iter().map(|&(id, l)| (id, l.to_string())).collect(),
        None => at_of(0).map_or_else(Vec::new, |at| dictionary(data, at, codepage)),
    };
    labels
        .iter()
        .filter_map(|(id, label)| {
            let value = string_property(data, at_of(*id)?, codepage)?;
            let value = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            (!value.is_empty()).then(|| format!("{label}: {value}"))
        })
        .collect()
}

/// The dictionary of a user-defined property set: property id → name.
fn dictionary(data: &[u8], at: usize, codepage: u16) -> Vec<(u32, String)> {
    let count = u32_at(data, at).unwrap_or(0).min(1000);
    let mut names = Vec::new();
    let mut pos = at + 4;
    for _ in 0..count {
        let (Some(id), Some(len)) = (u32_at(data, pos), u32_at(data, pos + 4)) else {
            break;
        };
        let len = len.min(4096) as usize;
        pos += 8;
        let bytes_len = if codepage == 1200 { len * 2 } else { len };
        let Some(bytes) = data.get(pos..pos + bytes_len) else {
            break;
        };
        let name = decode_codepage(bytes, codepage);
        names.push((id, name.trim_end_matches('\0').to_string()));
        pos += bytes_len;
        if codepage == 1200 {
            pos = pos.next_multiple_of(4);
        }
    }
    names
}

/// A VT_LPSTR (in `codepage`) or VT_LPWSTR property value at `at`.
fn string_property(data: &[u8], at: usize, codepage: u16) -> Option<String> {
    let kind = u32_at(data, at)?;
    let len = u32_at(data, at + 4)? as usize;
    match kind {
        0x1E => {
            let bytes = data.get(at + 8..at + 8 + len.min(64 * 1024))?;
            Some(decode_codepage(bytes, codepage))
        }
        0x1F => {
            let bytes = data.get(at + 8..at + 8 + len.min(32 * 1024) * 2)?;
            Some(UTF_16LE.decode_without_bom_handling(bytes).0.into_owned())
        }
        _ => None,
    }
}

fn decode_codepage(bytes: &[u8], codepage: u16) -> String {
    let encoding: &'static Encoding = match codepage {
        65001 => UTF_8,
        1200 => UTF_16LE,
        10000 => MACINTOSH,
        437 | 850 | 865 => return cp865::decode(bytes),
        _ => WINDOWS_1252,
    };
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn stories_are_cleaned() {
        let units = utf16(
            "Navn\u{7}Fnr\u{7}\u{7}Kari\u{7}\u{13} HYPERLINK \"x\" \u{14}lenke\u{15}\rslutt\u{1}\u{1E}x\r",
        );
        assert_eq!(
            clean_story(&units),
            "Navn\n\nFnr\n\n\n\nKari\n\nlenke\nslutt-x\n"
        );
    }

    #[test]
    fn pieces_in_both_encodings() {
        let mut word = vec![0u8; 64];
        word[10..15].copy_from_slice(b"hei \xF8"); // compressed piece at fc 20 (byte 10)
        word[40..46].copy_from_slice(&[b'd', 0, b'u', 0, 0x13, 0x20]); // "du" + U+2013
        let units = doc_units(&word, &[(0, 5, 0x4000_0000 | 20), (5, 8, 40)]);
        assert_eq!(String::from_utf16_lossy(&units), "hei ødu\u{2013}");
    }

    #[test]
    fn ppt_text_atoms() {
        let atom = |kind: u16, body: &[u8]| {
            let mut r = vec![0u8, 0];
            r.extend_from_slice(&kind.to_le_bytes());
            r.extend_from_slice(&(body.len() as u32).to_le_bytes());
            r.extend_from_slice(body);
            r
        };
        let mut inner = atom(TEXT_BYTES_ATOM, b"Tittel\rfnr 15108695088");
        inner.extend(atom(
            CSTRING,
            &[b'_', 0, b'_', 0, b'_', 0, b'P', 0, b'P', 0, b'T', 0],
        ));
        let mut container = vec![0x0Fu8, 0];
        container.extend_from_slice(&SLIDE_LIST_WITH_TEXT.to_le_bytes());
        container.extend_from_slice(&(inner.len() as u32).to_le_bytes());
        container.extend(inner);
        container.extend(atom(TEXT_CHARS_ATOM, &[b'b', 0, 0xE5, 0]));
        let mut texts = Vec::new();
        texts_in(&container, 0, &mut texts);
        assert_eq!(texts, ["Tittel\nfnr 15108695088", "bå"]);
        // No Current User edit chain: nothing by slide.
        assert!(ppt_by_slide(&container, &[0; 20]).is_none());
    }
}

//! Simple-font encodings: the base encodings (WinAnsi, Standard, MacRoman), `/Differences`
//! arrays, and glyph names → Unicode.
//!
//! A font without an `/Encoding` (or with one sporhund does not know) falls back to Latin-1
//! with the Windows-1252 characters in 0x80–0x9F, which reads ASCII digits and letters right
//! whatever the font's built-in encoding is.

use lopdf::{Document, Object};

use super::objects::deref;
use super::tables;

/// A one-byte encoding: code → text.
#[derive(Clone, Debug)]
pub struct SimpleEncoding {
    chars: Box<[Option<char>; 256]>,
    /// Codes whose glyph names stand for several characters (`f_f_i`, `T_h`).
    multi: Vec<(u8, String)>,
}

impl SimpleEncoding {
    /// Latin-1, with Windows-1252's characters in 0x80–0x9F.
    pub fn latin1() -> Self {
        let mut chars = Box::new([None; 256]);
        for (code, slot) in chars.iter_mut().enumerate() {
            let win = tables::WIN_ANSI[code];
            *slot = match code {
                0x80..=0x9F if win != 0 => char::from_u32(u32::from(win)),
                _ => char::from_u32(code as u32),
            };
        }
        SimpleEncoding {
            chars,
            multi: Vec::new(),
        }
    }

    /// One of the named base encodings, or Latin-1 for a name sporhund does not know.
    pub fn named(name: &[u8]) -> Self {
        let table = match name {
            b"WinAnsiEncoding" => &tables::WIN_ANSI,
            b"StandardEncoding" => &tables::STANDARD,
            b"MacRomanEncoding" => &tables::MAC_ROMAN,
            _ => return Self::latin1(),
        };
        let mut chars = Box::new([None; 256]);
        for (slot, &unit) in chars.iter_mut().zip(table.iter()) {
            *slot = (unit != 0)
                .then(|| char::from_u32(u32::from(unit)))
                .flatten();
        }
        SimpleEncoding {
            chars,
            multi: Vec::new(),
        }
    }

    /// The encoding a font's `/Encoding` entry describes (a name, or a dictionary with
    /// `/BaseEncoding` and `/Differences`). `builtin` is the font program's own encoding, the
    /// base when the entry names none.
    pub fn from_font_entry(
        doc: &Document,
        entry: Option<&Object>,
        builtin: Option<SimpleEncoding>,
    ) -> Self {
        let base = || builtin.unwrap_or_else(Self::latin1);
        match entry.map(|o| deref(doc, o)) {
            Some(Object::Name(name)) => Self::named(name),
            Some(Object::Dictionary(dict)) => {
                let mut encoding = match dict.get(b"BaseEncoding").and_then(Object::as_name) {
                    Ok(name) => Self::named(name),
                    Err(_) => base(),
                };
                if let Ok(Object::Array(diffs)) = dict.get(b"Differences").map(|o| deref(doc, o)) {
                    encoding.apply_differences(diffs);
                }
                encoding
            }
            _ => base(),
        }
    }

    /// The built-in encoding of a Type 1 font program (its clear-text part): `StandardEncoding`,
    /// or the glyph names of `dup <code> /<name> put` entries.
    pub fn type1_builtin(program: &[u8]) -> Option<Self> {
        let clear = match memchr::memmem::find(program, b"eexec") {
            Some(end) => &program[..end],
            None => program,
        };
        let start = memchr::memmem::find(clear, b"/Encoding")?;
        let text = String::from_utf8_lossy(&clear[start..]);
        if text.starts_with("/Encoding StandardEncoding") {
            return Some(Self::named(b"StandardEncoding"));
        }
        let mut encoding = SimpleEncoding {
            chars: Box::new([None; 256]),
            multi: Vec::new(),
        };
        let tokens: Vec<&str> = text.split_ascii_whitespace().take(4 * 1024).collect();
        for w in tokens.windows(4) {
            if let ["dup", code, name, "put"] = w {
                if let (Ok(code), Some(name)) = (code.parse::<u8>(), name.strip_prefix('/')) {
                    encoding.set_glyph(code, name.as_bytes());
                }
            }
        }
        Some(encoding)
    }

    /// Applies a `/Differences` array: a code, then glyph names for it and the codes after.
    /// Names that are not known glyph names leave the base encoding's character.
    fn apply_differences(&mut self, diffs: &[Object]) {
        let mut code: Option<u8> = None;
        for item in diffs {
            match item {
                Object::Integer(n) => code = u8::try_from(*n).ok(),
                Object::Name(name) => {
                    if let Some(c) = code {
                        self.set_glyph(c, name);
                        code = c.checked_add(1);
                    }
                }
                _ => {}
            }
        }
    }

    fn set_glyph(&mut self, code: u8, name: &[u8]) {
        let Some(text) = glyph_text(name) else {
            return;
        };
        self.multi.retain(|(c, _)| *c != code);
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => self.chars[usize::from(code)] = Some(c),
            _ => self.multi.push((code, text)),
        }
    }

    /// The text of `code`, written to `out`; false when the encoding has no glyph there.
    pub fn push(&self, code: u8, out: &mut String) -> bool {
        if let Some((_, text)) = self.multi.iter().find(|(c, _)| *c == code) {
            out.push_str(text);
            return true;
        }
        match self.chars[usize::from(code)] {
            Some(c) => {
                out.push(c);
                true
            }
            None => false,
        }
    }
}

/// The Unicode text of a glyph name: Adobe Glyph List names, `uniXXXX…`, `uXXXX[XX]`,
/// ligatures written with `_`, and suffixes such as `.sc` ignored.
pub fn glyph_text(name: &[u8]) -> Option<String> {
    let name = std::str::from_utf8(name).ok()?;
    let base = name.split('.').next().unwrap_or(name);
    let mut out = String::new();
    for part in base.split('_') {
        out.push_str(&component_text(part)?);
    }
    (!out.is_empty()).then_some(out)
}

fn component_text(part: &str) -> Option<String> {
    if let Ok(i) = tables::GLYPH_NAMES.binary_search_by(|(n, _)| n.cmp(&part)) {
        return char::from_u32(u32::from(tables::GLYPH_NAMES[i].1)).map(String::from);
    }
    if let Some(hex) = part.strip_prefix("uni") {
        if hex.len() >= 4 && hex.len() % 4 == 0 {
            let units: Option<Vec<u16>> = (0..hex.len())
                .step_by(4)
                .map(|i| u16::from_str_radix(hex.get(i..i + 4)?, 16).ok())
                .collect();
            return Some(char::decode_utf16(units?).filter_map(Result::ok).collect());
        }
    }
    if let Some(hex) = part.strip_prefix('u') {
        if (4..=6).contains(&hex.len()) {
            let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
            return Some(c.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(e: &SimpleEncoding, codes: &[u8]) -> String {
        let mut s = String::new();
        for &c in codes {
            e.push(c, &mut s);
        }
        s
    }

    #[test]
    fn base_encodings_read_norwegian_letters() {
        let win = SimpleEncoding::named(b"WinAnsiEncoding");
        assert_eq!(
            decode(&win, b"\xe6\xf8\xe5\xc6\xd8\xc5 \x80 \x96"),
            "æøåÆØÅ € –"
        );
        let mac = SimpleEncoding::named(b"MacRomanEncoding");
        assert_eq!(decode(&mac, b"\xbe\xbf\x8c\xae\xaf\x81"), "æøåÆØÅ");
        let std = SimpleEncoding::named(b"StandardEncoding");
        assert_eq!(decode(&std, b"\xf1\xf9\xe1\xe9'"), "æøÆØ’");
        let latin1 = SimpleEncoding::latin1();
        assert_eq!(decode(&latin1, b"f\xf8dt 1\x96"), "født 1–");
    }

    #[test]
    fn differences_override_the_base() {
        let mut e = SimpleEncoding::named(b"WinAnsiEncoding");
        e.apply_differences(&[
            Object::Integer(1),
            Object::Name(b"aring".to_vec()),
            Object::Name(b"oslash".to_vec()),
            Object::Name(b"uni00E6".to_vec()),
            Object::Name(b"f_f_i".to_vec()),
            Object::Name(b"g123".to_vec()),
            Object::Integer(65),
            Object::Name(b"zero.tnum".to_vec()),
        ]);
        assert_eq!(decode(&e, &[1, 2, 3, 4, 5, 65, 66]), "åøæffi0B");
    }

    #[test]
    fn type1_font_programs_built_in_encoding() {
        let program = b"%!PS-AdobeFont-1.0: CMMI10\n/Encoding 256 array\n0 1 255 {1 index exch \
            /.notdef put} for\ndup 58 /period put\ndup 59 /comma put\nreadonly def\n\
            currentfile eexec\xd9\xd6dup 60 /less put";
        let e = SimpleEncoding::type1_builtin(program).unwrap();
        assert_eq!(decode(&e, b":;<A"), ".,");
        let std = SimpleEncoding::type1_builtin(b"/Encoding StandardEncoding def").unwrap();
        assert_eq!(decode(&std, b"'"), "’");
        assert!(SimpleEncoding::type1_builtin(b"no encoding here").is_none());
    }

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_text(b"AE").as_deref(), Some("Æ"));
        assert_eq!(glyph_text(b"u1F600").as_deref(), Some("😀"));
        assert_eq!(glyph_text(b"uni00F800E5").as_deref(), Some("øå"));
        assert_eq!(glyph_text(b"cid42"), None);
        assert_eq!(glyph_text(b".notdef"), None);
    }
}

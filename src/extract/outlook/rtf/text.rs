//! RTF to text, and HTML or plain text encapsulated in RTF (`\fromhtml`, `\fromtext`,
//! MS-OXRTFEX) back to what was encapsulated.
//!
//! One pass over the bytes with a group stack. Kept: text, `\'xx` bytes (decoded with the
//! document's `\ansicpg` code page), `\uN` characters (skipping the `\ucN` fallback
//! characters), paragraph and tab marks, typographic symbols. Dropped: control words, font,
//! colour and style tables, pictures, objects, field instructions and every other
//! destination marked ignorable (`\*`). In encapsulated mode the `\htmlrtf` runs (RTF-only
//! formatting) are dropped and `\*\htmltag` groups (the original HTML tags) are kept.

use super::super::codepage;

/// What a compressed-RTF body turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtfBody {
    /// Text (from plain RTF or encapsulated plain text).
    Text(String),
    /// HTML that was encapsulated with `\fromhtml1`.
    Html(String),
}

/// Destinations whose content is not text of the document.
const SKIPPED_DESTINATIONS: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "objdata",
    "objclass",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "revtbl",
    "generator",
    "xmlnstbl",
    "filetbl",
    "fldinst",
    "pgdsctbl",
    "pntext",
    "pntxta",
    "pntxtb",
    "listtext",
    "mhtmltag",
];

/// Group state that `{` saves and `}` restores.
#[derive(Debug, Clone, Copy)]
struct Group {
    /// Inside a destination whose content is dropped.
    skip: bool,
    /// Characters after `\uN` that stand in for it in readers without Unicode.
    uc: usize,
    /// Inside an `\htmlrtf` run: RTF-only content of encapsulated HTML or text.
    htmlrtf: bool,
    /// Inside a `\*\htmltag` group: a tag of the encapsulated HTML.
    htmltag: bool,
}

struct Converter {
    out: String,
    pending: Vec<u8>,
    codepage: u32,
    html: bool,
    group: Group,
    stack: Vec<Group>,
    /// True right after `{`: the next control word may name a destination.
    group_start: bool,
    /// True after `\*`: the destination that follows may be ignored.
    ignorable: bool,
    /// Fallback characters still to drop after a `\uN`.
    fallback: usize,
}

impl Converter {
    fn emitting(&self) -> bool {
        !self.group.skip && (self.group.htmltag || !self.group.htmlrtf)
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let text = codepage::decode(&self.pending, self.codepage);
            self.out.push_str(&text);
            self.pending.clear();
        }
    }

    fn push_str(&mut self, s: &str) {
        if self.emitting() {
            self.flush();
            self.out.push_str(s);
        }
    }

    /// A text byte (literal or `\'xx`), counted against `\uN` fallbacks.
    fn push_byte(&mut self, b: u8) {
        if self.fallback > 0 {
            self.fallback -= 1;
        } else if self.emitting() && (b >= 0x20 || b == b'\t') {
            self.pending.push(b);
        }
    }

    fn control_word(&mut self, word: &str, param: Option<i32>) {
        if std::mem::take(&mut self.group_start) {
            let ignorable = std::mem::take(&mut self.ignorable);
            if word == "htmltag" && self.html {
                self.group.htmltag = true;
                return;
            }
            if ignorable || SKIPPED_DESTINATIONS.contains(&word) {
                self.group.skip = true;
                return;
            }
        }
        self.ignorable = false;
        self.fallback = 0;
        match word {
            "par" | "line" | "row" | "sect" | "page" => self.push_str("\n"),
            "tab" | "cell" => self.push_str("\t"),
            "u" => {
                let unit = param.map(|p| if p < 0 { p + 65536 } else { p });
                let c = unit.and_then(|u| char::from_u32(u as u32));
                if let Some(c) = c.filter(|c| !c.is_control() || *c == '\t') {
                    self.push_str(c.encode_utf8(&mut [0; 4]));
                }
                self.fallback = self.group.uc;
            }
            "uc" => self.group.uc = param.unwrap_or(1).clamp(0, 16) as usize,
            "ansicpg" => {
                self.flush();
                self.codepage = param.map_or(codepage::DEFAULT, |p| p as u32);
            }
            "fromhtml" => self.html = true,
            "htmlrtf" => self.group.htmlrtf = param != Some(0),
            "emdash" => self.push_str("—"),
            "endash" => self.push_str("–"),
            "bullet" => self.push_str("•"),
            "lquote" => self.push_str("‘"),
            "rquote" => self.push_str("’"),
            "ldblquote" => self.push_str("“"),
            "rdblquote" => self.push_str("”"),
            "emspace" | "enspace" | "qmspace" => self.push_str(" "),
            _ => {}
        }
    }

    fn open_group(&mut self) {
        self.stack.push(self.group);
        self.group_start = true;
        self.ignorable = false;
    }

    fn close_group(&mut self) {
        self.flush();
        if let Some(g) = self.stack.pop() {
            self.group = g;
        }
        self.group_start = false;
        self.fallback = 0;
    }
}

/// Converts an RTF document to its text, or to the HTML it encapsulates.
pub fn convert(rtf: &[u8]) -> RtfBody {
    let mut c = Converter {
        out: String::new(),
        pending: Vec::new(),
        codepage: codepage::DEFAULT,
        html: false,
        group: Group {
            skip: false,
            uc: 1,
            htmlrtf: false,
            htmltag: false,
        },
        stack: Vec::new(),
        group_start: false,
        ignorable: false,
        fallback: 0,
    };
    let mut i = 0;
    while i < rtf.len() {
        let b = rtf[i];
        i += 1;
        match b {
            b'{' => c.open_group(),
            b'}' => c.close_group(),
            b'\r' | b'\n' => {}
            b'\\' => i = control(&mut c, rtf, i),
            _ => {
                c.group_start = false;
                c.push_byte(b);
            }
        }
    }
    c.flush();
    if c.html {
        RtfBody::Html(c.out)
    } else {
        RtfBody::Text(c.out)
    }
}

/// Handles the control word or symbol after a backslash at `rtf[i - 1]`; returns the index
/// after it.
fn control(c: &mut Converter, rtf: &[u8], mut i: usize) -> usize {
    let Some(&first) = rtf.get(i) else {
        return i;
    };
    if !first.is_ascii_alphabetic() {
        i += 1;
        match first {
            b'\'' => {
                let byte = rtf
                    .get(i..i + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = byte {
                    i += 2;
                    c.group_start = false;
                    c.push_byte(byte);
                }
            }
            b'*' => c.ignorable = true,
            b'\\' | b'{' | b'}' => {
                c.group_start = false;
                c.push_byte(first);
            }
            b'~' => c.push_str("\u{a0}"),
            b'_' => c.push_str("-"),
            b'\r' | b'\n' => c.push_str("\n"),
            _ => {}
        }
        return i;
    }
    let start = i;
    while i < rtf.len() && rtf[i].is_ascii_alphabetic() && i - start < 32 {
        i += 1;
    }
    let word = std::str::from_utf8(&rtf[start..i]).unwrap_or("");
    let num_start = i;
    if rtf.get(i) == Some(&b'-') {
        i += 1;
    }
    while i < rtf.len() && rtf[i].is_ascii_digit() {
        i += 1;
    }
    let param = std::str::from_utf8(&rtf[num_start..i])
        .ok()
        .and_then(|p| p.parse::<i32>().ok());
    if rtf.get(i) == Some(&b' ') {
        i += 1;
    }
    if word == "bin" {
        let skip = param.unwrap_or(0).max(0) as usize;
        return i.saturating_add(skip).min(rtf.len());
    }
    c.control_word(word, param);
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rtf: &str) -> String {
        match convert(rtf.as_bytes()) {
            RtfBody::Text(t) => t,
            RtfBody::Html(h) => panic!("expected text, got HTML {h:?}"),
        }
    }

    #[test]
    fn plain_rtf() {
        let rtf = r#"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red0\green0\blue0;}
{\*\generator Riched20;}\pard\f0\fs20 Hei Kari,\par F\'f8dselsnummer: 010190\b 12345\b0\par
Tlf.\tab +47 912 34 567\line {\field{\*\fldinst HYPERLINK "mailto:kari@firma.no"}{\fldrslt kari@firma.no}}\par
\u216?stre \u-1?\'3f ok\emdash slutt\par}"#;
        assert_eq!(
            text(rtf),
            "Hei Kari,\nFødselsnummer: 01019012345\nTlf.\t+47 912 34 567\nkari@firma.no\nØstre \u{ffff}? ok—slutt\n"
        );
    }

    #[test]
    fn code_page_and_unicode_skip_counts() {
        assert_eq!(text(r"{\rtf1\ansicpg1251 \'cf\'f0\'e8}"), "При");
        assert_eq!(text(r"{\rtf1\uc2 \u248\'f8\'f8x}"), "øx");
        assert_eq!(text(r"{\rtf1\uc0 \u248 x}"), "øx");
        assert_eq!(text(r"{\rtf1 a\{b\}\\c\~d}"), "a{b}\\c\u{a0}d");
        assert_eq!(text(r"{\rtf1 {\*\unknown skjult}synlig}"), "synlig");
        assert_eq!(text("{\\rtf1 a\\bin4 \\par}b}"), "ab");
    }

    #[test]
    fn encapsulated_html() {
        let rtf = r#"{\rtf1\ansi\ansicpg1252\fromhtml1 \deff0{\fonttbl{\f0\fswiss Arial;}}
{\*\htmltag19 <html>}{\*\htmltag34 <head>}\htmlrtf {\fonttbl x}\htmlrtf0
{\*\htmltag50 <body>}\htmlrtf \f0\htmlrtf0 Hei {\*\htmltag84 <b>}\htmlrtf\b \htmlrtf0 J\'f8rn{\*\htmltag92 </b>}\htmlrtf\b0\htmlrtf0 &amp; co
{\*\mhtmltag4 <img src=cid:x>}{\*\htmltag4 <img src="x.png">}\htmlrtf {\pict 0102}\htmlrtf0 {\*\htmltag58 </body>}}"#;
        assert_eq!(
            convert(rtf.as_bytes()),
            RtfBody::Html(
                "<html><head><body>Hei <b>Jørn</b>&amp; co<img src=\"x.png\"></body>".to_string()
            )
        );
    }

    #[test]
    fn encapsulated_text_drops_rtf_only_runs() {
        let rtf = r"{\rtf1\ansi\fromtext \fbidis \deff0{\fonttbl{\f0\fswiss Arial;}}
{\*\htmltag64}\htmlrtf {\htmlrtf0 linje 1\par
linje 2\htmlrtf }\htmlrtf0 }";
        assert_eq!(text(rtf), "linje 1\nlinje 2");
    }

    #[test]
    fn unbalanced_and_truncated_input() {
        assert_eq!(text(r"}}}{\rtf1 a}}}b"), "ab");
        assert_eq!(text(r"{\rtf1 a\'"), "a");
        assert_eq!(text(r"{\rtf1 a\'00\'0b}"), "a");
        assert_eq!(text(r"{\rtf1 a\'4"), "a4");
        assert_eq!(text("\\"), "");
        assert_eq!(text(r"{\rtf1 \u99999999999 ?z}"), "z");
    }

    proptest::proptest! {
        /// Arbitrary bytes, and arbitrary RTF-ish token soup, never panic.
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
                        soup in "[{}\\\\a-z0-9 '*-]{0,200}") {
            let _ = convert(&data);
            let _ = convert(soup.as_bytes());
        }
    }
}

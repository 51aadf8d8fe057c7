//! Fonts: character codes → Unicode text and glyph widths.
//!
//! Text comes from the font's `/ToUnicode` CMap when it maps the code; otherwise, for simple
//! fonts, from the `/Encoding` (base encoding plus `/Differences`, Latin-1 when absent).
//! Composite (Type0) fonts without a ToUnicode map give no text (their codes are glyph ids).
//! Widths come from `/Widths` (simple), `/W` and `/DW` (composite), or for the standard 14
//! fonts, which often have no `/Widths`, from Adobe's metrics.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::cmap::CMap;
use super::encoding::SimpleEncoding;
use super::objects::{self, content, deref, dict_entry, number, stream_bytes};
use super::tables;

/// A font as the text extractor needs it.
#[derive(Debug)]
pub struct Font {
    kind: Kind,
    to_unicode: Option<CMap>,
    /// Glyph space → text space (1/1000 except for Type 3 fonts).
    scale: f64,
}

#[derive(Debug)]
enum Kind {
    Simple {
        encoding: SimpleEncoding,
        widths: SimpleWidths,
    },
    Composite {
        /// The `/Encoding` CMap, when embedded (its code space says the code lengths).
        encoding: Option<CMap>,
        widths: CidWidths,
    },
}

#[derive(Debug)]
struct SimpleWidths {
    first: u32,
    widths: Vec<f64>,
    missing: f64,
    /// For fonts without `/Widths`: a standard-14 face to look widths up in.
    standard: Option<StandardFace>,
}

#[derive(Debug, Default)]
struct CidWidths {
    single: HashMap<u32, f64>,
    ranges: Vec<(u32, u32, f64)>,
    default: f64,
}

/// Most widths read from a `/W` array.
const MAX_CID_WIDTHS: usize = 100_000;

/// One character code of a string.
#[derive(Clone, Copy, Debug)]
pub struct Glyph {
    /// Advance in text space units per unit of font size.
    pub width: f64,
    /// A one-byte code 32: word spacing applies to it.
    pub word_space: bool,
    /// A composite-font code with no Unicode mapping: a character that cannot be read.
    pub unmapped: bool,
}

impl Font {
    /// Reads a font dictionary; streams are decompressed up to `limit` bytes each.
    pub fn new(doc: &Document, dict: &Dictionary, limit: usize) -> Font {
        let to_unicode = stream_bytes(doc, dict.get(b"ToUnicode").ok(), limit)
            .map(|d| CMap::parse(&d))
            .filter(|c| !c.is_empty());
        let subtype = dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        let scale = match subtype {
            b"Type3" => font_matrix_scale(doc, dict),
            _ => 0.001,
        };
        let kind = if subtype == b"Type0" {
            composite(doc, dict, limit)
        } else {
            Kind::Simple {
                encoding: SimpleEncoding::from_font_entry(
                    doc,
                    dict.get(b"Encoding").ok(),
                    builtin_encoding(doc, dict, limit),
                ),
                widths: simple_widths(doc, dict),
            }
        };
        Font {
            kind,
            to_unicode,
            scale,
        }
    }

    /// A stand-in for a missing or unreadable font: Latin-1, half-em widths.
    pub fn fallback() -> Font {
        Font {
            kind: Kind::Simple {
                encoding: SimpleEncoding::latin1(),
                widths: SimpleWidths {
                    first: 0,
                    widths: Vec::new(),
                    missing: 500.0,
                    standard: Some(StandardFace::Helvetica),
                },
            },
            to_unicode: None,
            scale: 0.001,
        }
    }

    /// Splits `bytes` into glyphs, appending each glyph's text to `out` and calling
    /// `glyph` for it (in order).
    pub fn decode(&self, bytes: &[u8], out: &mut String, mut glyph: impl FnMut(Glyph)) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let len = self.code_len(rest).clamp(1, rest.len());
            let code = rest[..len]
                .iter()
                .fold(0u32, |v, &b| (v << 8) | u32::from(b));
            rest = &rest[len..];
            let start = out.len();
            self.push_text(code, out);
            let width = self.width(code, &out[start..]) * self.scale;
            glyph(Glyph {
                width,
                word_space: len == 1 && code == 32,
                unmapped: out.len() == start && matches!(self.kind, Kind::Composite { .. }),
            });
        }
    }

    fn code_len(&self, bytes: &[u8]) -> usize {
        match &self.kind {
            Kind::Simple { .. } => 1,
            Kind::Composite { encoding, .. } => encoding
                .as_ref()
                .and_then(|c| c.code_len(bytes))
                .unwrap_or(2),
        }
    }

    fn push_text(&self, code: u32, out: &mut String) {
        if self.to_unicode.as_ref().is_some_and(|m| m.push(code, out)) {
            return;
        }
        if let Kind::Simple { encoding, .. } = &self.kind {
            if let Ok(byte) = u8::try_from(code) {
                encoding.push(byte, out);
            }
        }
    }

    /// Width in glyph space of `code`, whose text is `text`.
    fn width(&self, code: u32, text: &str) -> f64 {
        match &self.kind {
            Kind::Simple { widths, .. } => widths.get(code, text),
            Kind::Composite { widths, .. } => widths.get(code),
        }
    }
}

impl SimpleWidths {
    fn get(&self, code: u32, text: &str) -> f64 {
        if let Some(w) = code
            .checked_sub(self.first)
            .and_then(|i| self.widths.get(i as usize))
        {
            return *w;
        }
        match (self.standard, text.chars().next()) {
            (Some(face), Some(c)) => face.width(c).unwrap_or(self.missing),
            _ => self.missing,
        }
    }
}

impl CidWidths {
    fn get(&self, cid: u32) -> f64 {
        if let Some(w) = self.single.get(&cid) {
            return *w;
        }
        let i = self.ranges.partition_point(|r| r.0 <= cid);
        match i.checked_sub(1).map(|i| self.ranges[i]) {
            Some((_, high, w)) if cid <= high => w,
            _ => self.default,
        }
    }
}

fn simple_widths(doc: &Document, dict: &Dictionary) -> SimpleWidths {
    let widths: Vec<f64> = match dict.get(b"Widths").map(|o| deref(doc, o)) {
        Ok(Object::Array(items)) => items
            .iter()
            .map(|o| number(deref(doc, o)).unwrap_or(0.0))
            .collect(),
        _ => Vec::new(),
    };
    let descriptor = dict_entry(doc, dict, b"FontDescriptor");
    let missing = descriptor
        .and_then(|d| d.get(b"MissingWidth").ok())
        .and_then(|o| number(deref(doc, o)))
        .filter(|w| *w > 0.0)
        .unwrap_or(500.0);
    let base_font = dict
        .get(b"BaseFont")
        .and_then(Object::as_name)
        .unwrap_or(b"");
    SimpleWidths {
        first: dict
            .get(b"FirstChar")
            .ok()
            .and_then(|o| number(deref(doc, o)))
            .map_or(0, |f| f.clamp(0.0, 255.0) as u32),
        standard: widths.is_empty().then(|| StandardFace::of(base_font)),
        widths,
        missing,
    }
}

/// The built-in encoding of an embedded Type 1 font program (`/FontFile`).
fn builtin_encoding(doc: &Document, dict: &Dictionary, limit: usize) -> Option<SimpleEncoding> {
    let descriptor = dict_entry(doc, dict, b"FontDescriptor")?;
    let program = stream_bytes(doc, descriptor.get(b"FontFile").ok(), limit)?;
    SimpleEncoding::type1_builtin(&program)
}

fn composite(doc: &Document, dict: &Dictionary, limit: usize) -> Kind {
    let encoding = match dict.get(b"Encoding").map(|o| deref(doc, o)) {
        Ok(Object::Stream(s)) => content(s, limit).ok().map(|d| CMap::parse(&d)),
        _ => None,
    };
    let descendant = match dict.get(b"DescendantFonts").map(|o| deref(doc, o)) {
        Ok(Object::Array(items)) => items.first().and_then(|o| objects::dict(doc, o)),
        _ => None,
    };
    Kind::Composite {
        encoding,
        widths: descendant.map_or_else(
            || CidWidths {
                default: 1000.0,
                ..CidWidths::default()
            },
            |d| cid_widths(doc, d),
        ),
    }
}

/// Reads `/W` (`c [w1 w2 …]` and `c_first c_last w` entries) and `/DW`.
fn cid_widths(doc: &Document, descendant: &Dictionary) -> CidWidths {
    let mut widths = CidWidths {
        default: descendant
            .get(b"DW")
            .ok()
            .and_then(|o| number(deref(doc, o)))
            .unwrap_or(1000.0),
        ..CidWidths::default()
    };
    let Ok(Object::Array(items)) = descendant.get(b"W").map(|o| deref(doc, o)) else {
        return widths;
    };
    let mut i = 0;
    while i + 1 < items.len() && widths.single.len() + widths.ranges.len() < MAX_CID_WIDTHS {
        let Some(first) = number(deref(doc, &items[i])).map(|f| f as u32) else {
            break;
        };
        match deref(doc, &items[i + 1]) {
            Object::Array(list) => {
                for (k, w) in list.iter().enumerate().take(MAX_CID_WIDTHS) {
                    let w = number(deref(doc, w)).unwrap_or(widths.default);
                    widths.single.insert(first.saturating_add(k as u32), w);
                }
                i += 2;
            }
            last => {
                let (Some(last), Some(w)) = (
                    number(last).map(|l| l as u32),
                    items.get(i + 2).and_then(|o| number(deref(doc, o))),
                ) else {
                    break;
                };
                widths.ranges.push((first, last, w));
                i += 3;
            }
        }
    }
    widths.ranges.sort_by_key(|r| r.0);
    widths
}

fn font_matrix_scale(doc: &Document, dict: &Dictionary) -> f64 {
    match dict.get(b"FontMatrix").map(|o| deref(doc, o)) {
        Ok(Object::Array(m)) => m
            .first()
            .and_then(|o| number(deref(doc, o)))
            .filter(|s| s.is_finite() && *s != 0.0)
            .map_or(0.001, f64::abs),
        _ => 0.001,
    }
}

/// A standard-14 text face whose widths sporhund knows (oblique faces share the upright
/// widths; every Courier glyph is 600).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StandardFace {
    Helvetica,
    HelveticaBold,
    TimesRoman,
    TimesBold,
    TimesItalic,
    TimesBoldItalic,
    Courier,
}

impl StandardFace {
    /// The face for a `/BaseFont` name (Arial and unknown names read as Helvetica).
    fn of(base_font: &[u8]) -> StandardFace {
        let name = String::from_utf8_lossy(base_font);
        let bold = name.contains("Bold");
        let italic = name.contains("Italic") || name.contains("Oblique");
        if name.contains("Courier") {
            StandardFace::Courier
        } else if name.contains("Times") {
            match (bold, italic) {
                (false, false) => StandardFace::TimesRoman,
                (true, false) => StandardFace::TimesBold,
                (false, true) => StandardFace::TimesItalic,
                (true, true) => StandardFace::TimesBoldItalic,
            }
        } else if bold {
            StandardFace::HelveticaBold
        } else {
            StandardFace::Helvetica
        }
    }

    fn width(self, c: char) -> Option<f64> {
        let row = match self {
            StandardFace::Courier => return Some(600.0),
            StandardFace::Helvetica => 0,
            StandardFace::HelveticaBold => 1,
            StandardFace::TimesRoman => 2,
            StandardFace::TimesBold => 3,
            StandardFace::TimesItalic => 4,
            StandardFace::TimesBoldItalic => 5,
        };
        let unit = u16::try_from(u32::from(c)).ok()?;
        let i = tables::METRIC_CHARS.binary_search(&unit).ok()?;
        Some(f64::from(tables::WIDTHS[row][i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    fn glyphs(font: &Font, bytes: &[u8]) -> (String, Vec<f64>) {
        let mut text = String::new();
        let mut widths = Vec::new();
        font.decode(bytes, &mut text, |g| widths.push(g.width));
        (text, widths)
    }

    #[test]
    fn standard_14_font_without_widths() {
        let doc = Document::with_version("1.4");
        let helv = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica-Bold",
            "Encoding" => "WinAnsiEncoding",
        };
        let font = Font::new(&doc, &helv, 1 << 20);
        let (text, widths) = glyphs(&font, b"01\xf8 ");
        assert_eq!(text, "01ø ");
        assert_eq!(widths, [0.556, 0.556, 0.611, 0.278]);
    }

    #[test]
    fn identity_h_with_to_unicode_and_w() {
        let mut doc = Document::with_version("1.4");
        let cmap = b"1 begincodespacerange <0000> <FFFF> endcodespacerange \
            2 beginbfchar <0001> <00E6> <0002> <0031> endbfchar"
            .to_vec();
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap));
        let widths: Vec<Object> = vec![600.into(), 500.into()];
        let cid = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "DW" => 1000,
            "W" => vec![1.into(), widths.into(), 5.into(), 9.into(), 250.into()],
        });
        let font = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "Encoding" => "Identity-H",
            "ToUnicode" => to_unicode,
            "DescendantFonts" => vec![cid.into()],
        };
        let font = Font::new(&doc, &font, 1 << 20);
        let (text, widths) = glyphs(&font, &[0, 1, 0, 2, 0, 7, 0, 3]);
        assert_eq!(text, "æ1");
        assert_eq!(widths, [0.6, 0.5, 0.25, 1.0]);
        let mut unmapped = 0;
        font.decode(&[0, 1, 0, 9], &mut String::new(), |g| {
            unmapped += usize::from(g.unmapped)
        });
        assert_eq!(unmapped, 1);
    }

    #[test]
    fn widths_array_and_faces() {
        let doc = Document::with_version("1.4");
        let tt = dictionary! {
            "Type" => "Font",
            "Subtype" => "TrueType",
            "FirstChar" => 48,
            "Widths" => vec![Object::Integer(510), Object::Integer(520)],
        };
        let (text, widths) = glyphs(&Font::new(&doc, &tt, 1 << 20), b"01A");
        assert_eq!(text, "01A");
        assert_eq!(widths, [0.51, 0.52, 0.5]);
        assert_eq!(
            StandardFace::of(b"Times-BoldItalic"),
            StandardFace::TimesBoldItalic
        );
        assert_eq!(StandardFace::of(b"Courier-Oblique"), StandardFace::Courier);
        assert_eq!(StandardFace::of(b"Arial,Bold"), StandardFace::HelveticaBold);
    }
}

//! CMaps: `/ToUnicode` maps (code → Unicode, `bfchar` / `bfrange`) and the code space ranges
//! of a composite font's `/Encoding` CMap (how many bytes each character code takes).
//!
//! A CMap is PostScript, but its tokens are the tokens of a content stream, so lopdf's content
//! parser reads it: `<0003> <0020> endbfchar` is the operator `endbfchar` with two hex-string
//! operands.

use std::collections::HashMap;

use lopdf::content::Content;
use lopdf::Object;

/// Most mappings kept from one CMap (a ToUnicode map of a large CJK font has ~20,000).
const MAX_ENTRIES: usize = 200_000;

/// A parsed CMap.
#[derive(Debug, Default)]
pub struct CMap {
    /// Code space ranges: (code length in bytes, low, high).
    codespace: Vec<(usize, u32, u32)>,
    /// Single codes (`bfchar`).
    chars: HashMap<u32, String>,
    /// Code ranges (`bfrange`), sorted by their low code.
    ranges: Vec<Range>,
}

#[derive(Debug)]
struct Range {
    low: u32,
    high: u32,
    target: Target,
}

#[derive(Debug)]
enum Target {
    /// The low code maps to this text; each next code to the last character plus one.
    Start(String),
    /// One text per code.
    List(Vec<String>),
}

impl CMap {
    /// Parses a CMap program; whatever cannot be read is left out.
    pub fn parse(data: &[u8]) -> CMap {
        let mut cmap = CMap::default();
        for op in Content::decode_iter(data) {
            let Ok(op) = op else { break };
            match op.operator.as_str() {
                "endcodespacerange" => cmap.codespace_ranges(&op.operands),
                "endbfchar" => cmap.bf_chars(&op.operands),
                "endbfrange" => cmap.bf_ranges(&op.operands),
                _ => {}
            }
            if cmap.chars.len() + cmap.ranges.len() > MAX_ENTRIES {
                break;
            }
        }
        cmap.ranges.sort_by_key(|r| r.low);
        cmap
    }

    fn codespace_ranges(&mut self, operands: &[Object]) {
        for pair in operands.chunks_exact(2) {
            if let (Some((len, low)), Some((_, high))) = (code(&pair[0]), code(&pair[1])) {
                self.codespace.push((len, low, high));
            }
        }
    }

    fn bf_chars(&mut self, operands: &[Object]) {
        for pair in operands.chunks_exact(2) {
            if let (Some((_, src)), Some(dst)) = (code(&pair[0]), unicode(&pair[1])) {
                self.chars.insert(src, dst);
            }
        }
    }

    fn bf_ranges(&mut self, operands: &[Object]) {
        for triple in operands.chunks_exact(3) {
            let (Some((_, low)), Some((_, high))) = (code(&triple[0]), code(&triple[1])) else {
                continue;
            };
            if high < low {
                continue;
            }
            let target = match &triple[2] {
                Object::Array(items) => Target::List(
                    items
                        .iter()
                        .map(|o| unicode(o).unwrap_or_default())
                        .collect(),
                ),
                other => match unicode(other) {
                    Some(start) => Target::Start(start),
                    None => continue,
                },
            };
            self.ranges.push(Range { low, high, target });
        }
    }

    /// True when the CMap maps nothing.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty() && self.ranges.is_empty()
    }

    /// The Unicode text of `code`, written to `out`; false when the CMap does not map it.
    pub fn push(&self, code: u32, out: &mut String) -> bool {
        if let Some(text) = self.chars.get(&code) {
            out.push_str(text);
            return true;
        }
        let i = self.ranges.partition_point(|r| r.low <= code);
        let Some(range) = i.checked_sub(1).map(|i| &self.ranges[i]) else {
            return false;
        };
        if code > range.high {
            return false;
        }
        let offset = code - range.low;
        match &range.target {
            Target::List(items) => match items.get(offset as usize) {
                Some(text) => {
                    out.push_str(text);
                    true
                }
                None => false,
            },
            Target::Start(start) => {
                let mut chars = start.chars();
                let Some(last) = chars.next_back() else {
                    return false;
                };
                out.push_str(chars.as_str());
                match char::from_u32(u32::from(last).saturating_add(offset)) {
                    Some(c) => out.push(c),
                    None => out.push(char::REPLACEMENT_CHARACTER),
                }
                true
            }
        }
    }

    /// How many bytes the character code at the start of `bytes` takes, by the code space
    /// ranges; `None` when the CMap has none.
    pub fn code_len(&self, bytes: &[u8]) -> Option<usize> {
        if self.codespace.is_empty() {
            return None;
        }
        for len in 1..=4.min(bytes.len()) {
            let value = be(&bytes[..len]);
            if self
                .codespace
                .iter()
                .any(|&(l, low, high)| l == len && (low..=high).contains(&value))
            {
                return Some(len);
            }
        }
        // Not in any range: take the shortest length the CMap uses.
        self.codespace.iter().map(|&(l, _, _)| l).min()
    }
}

/// A source code: its length in bytes and its value.
fn code(object: &Object) -> Option<(usize, u32)> {
    match object {
        Object::String(bytes, _) if (1..=4).contains(&bytes.len()) => {
            Some((bytes.len(), be(bytes)))
        }
        _ => None,
    }
}

fn be(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0u32, |v, &b| (v << 8) | u32::from(b))
}

/// A destination: UTF-16BE in a hex string (a lone byte read as Latin-1), or a glyph name.
fn unicode(object: &Object) -> Option<String> {
    match object {
        Object::String(bytes, _) if bytes.len() == 1 => Some(char::from(bytes[0]).to_string()),
        Object::String(bytes, _) => {
            let units = bytes
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
            Some(
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect(),
            )
        }
        Object::Name(name) => super::encoding::glyph_text(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO_UNICODE: &[u8] = b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
3 beginbfchar\n<0003> <0020>\n<0011> <00F8>\n<0012> <FB01>\nendbfchar\n\
2 beginbfrange\n<0013> <001C> <0030>\n<0020> <0022> [<00E6> <00E5> <D83DDE00>]\nendbfrange\n\
endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

    fn text(cmap: &CMap, codes: &[u32]) -> String {
        let mut s = String::new();
        for &c in codes {
            cmap.push(c, &mut s);
        }
        s
    }

    #[test]
    fn bfchar_and_both_bfrange_forms() {
        let cmap = CMap::parse(TO_UNICODE);
        assert_eq!(
            text(&cmap, &[0x13, 0x1C, 3, 0x11, 0x20, 0x21, 0x22, 0x12, 0x99]),
            "09 øæå😀\u{FB01}"
        );
        assert_eq!(cmap.code_len(&[0, 3]), Some(2));
    }

    #[test]
    fn one_byte_code_space() {
        let cmap = CMap::parse(b"2 begincodespacerange <00> <80> <8140> <9FFC> endcodespacerange");
        assert_eq!(cmap.code_len(&[0x41, 0x81]), Some(1));
        assert_eq!(cmap.code_len(&[0x81, 0x41]), Some(2));
        assert!(cmap.is_empty());
    }

    #[test]
    fn garbage_is_not_a_panic() {
        for data in [
            &b"endbfrange endbfchar <01>"[..],
            b"<FFFFFFFF> <00000000> <0041> endbfrange",
            b"\xff\x00((",
        ] {
            let cmap = CMap::parse(data);
            assert!(!cmap.push(0x41, &mut String::new()));
        }
        let huge = CMap::parse(b"<00000000> <FFFFFFFF> <0041> endbfrange");
        let mut s = String::new();
        assert!(huge.push(u32::MAX, &mut s));
    }
}

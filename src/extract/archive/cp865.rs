//! Member names in the DOS code pages: zip tools on Windows write names in the OEM code page
//! without the UTF-8 flag. In Norway that is CP865, which is CP437 with `ø` (0x9B), `Ø` (0x9D)
//! and `¤` (0xAF) in place of `¢`, `¥` and `»`; `æ Æ å Å` are the same in both. Names are read
//! as CP865 because `ø`/`Ø` are common in Norwegian names and `¢`/`¥` rare in any.

/// The characters of bytes 0x80–0xFF in CP865.
const HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '¤', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// Decodes CP865 bytes (every byte is a character; 0x00–0x7F are ASCII).
pub fn decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0..=0x7F => char::from(b),
            _ => HIGH[usize::from(b - 0x80)],
        })
        .collect()
}

/// A zip member name as Unicode: UTF-8 when the name says so (the language-encoding flag,
/// or an Info-ZIP Unicode path the zip crate already applied) or when the bytes are valid
/// UTF-8 (tools that write UTF-8 without the flag); otherwise CP865.
pub fn member_name(raw: &[u8], utf8_flag: bool) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) if utf8_flag => String::from_utf8_lossy(raw).into_owned(),
        Err(_) => decode(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_letters() {
        assert_eq!(
            decode(b"\x9b\x9d\x91\x92\x86\x8f"),
            "\u{f8}\u{d8}\u{e6}\u{c6}\u{e5}\u{c5}"
        );
        assert_eq!(decode(b"S\x9bknad_\x86r.txt"), "Søknad_år.txt");
        assert_eq!(decode(&[0xFF, 0x80, 0xE1]), "\u{a0}Çß");
    }

    #[test]
    fn utf8_names_stay_utf8() {
        assert_eq!(member_name("blåbær.txt".as_bytes(), false), "blåbær.txt");
        assert_eq!(member_name(b"gr\x9bt.txt", false), "grøt.txt");
        assert_eq!(member_name(b"gr\x9bt.txt", true), "gr\u{fffd}t.txt");
    }
}

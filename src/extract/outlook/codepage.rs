//! Windows code page numbers (as MAPI and RTF give them) to text.

use encoding_rs::Encoding;

use crate::extract::archive::cp865;

/// The code page used when a message or document names none.
pub const DEFAULT: u32 = 1252;

/// The `encoding_rs` encoding of Windows code page `cp`, if it has one (437, 850 and 865
/// have none: [`decode`] handles them).
pub fn encoding(cp: u32) -> Option<&'static Encoding> {
    let label: &[u8] = match cp {
        1200 => b"utf-16le",
        1201 => b"utf-16be",
        65001 => b"utf-8",
        20127 | 28591 | 1252 => b"windows-1252",
        1250..=1258 => return Encoding::for_label(format!("windows-{cp}").as_bytes()),
        28592..=28599 | 28603 | 28605 => {
            return Encoding::for_label(format!("iso-8859-{}", cp - 28590).as_bytes())
        }
        874 => b"windows-874",
        866 => b"ibm866",
        932 => b"shift_jis",
        936 => b"gbk",
        949 => b"euc-kr",
        950 => b"big5",
        10000 => b"macintosh",
        20866 => b"koi8-r",
        21866 => b"koi8-u",
        50220..=50222 => b"iso-2022-jp",
        51932 => b"euc-jp",
        54936 => b"gb18030",
        _ => return None,
    };
    Encoding::for_label(label)
}

/// Decodes `bytes` written in Windows code page `cp` (Windows-1252 for unknown pages).
pub fn decode(bytes: &[u8], cp: u32) -> String {
    if matches!(cp, 437 | 850 | 865) {
        return cp865::decode(bytes);
    }
    let encoding = encoding(cp).unwrap_or(encoding_rs::WINDOWS_1252);
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_pages() {
        assert_eq!(decode(b"bl\xe5b\xe6r", 1252), "blåbær");
        assert_eq!(decode(b"bl\xe5b\xe6r", 28591), "blåbær");
        assert_eq!(decode("blåbær".as_bytes(), 65001), "blåbær");
        assert_eq!(decode(b"\xe5", 4242), "å");
        assert_eq!(decode(b"\x86", 865), "å");
        assert_eq!(decode(b"\xb9", 1250), "ą");
        assert_eq!(decode(b"\xe6", 28605), "æ");
        assert_eq!(decode(b"h\0i\0", 1200), "hi");
    }
}

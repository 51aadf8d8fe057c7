//! Compressed RTF (`PR_RTF_COMPRESSED`), MS-OXRTFCP: a 16-byte header, then either the RTF
//! as is ("MELA") or an LZ77 stream over a 4 KiB dictionary pre-filled with common RTF
//! ("LZFu"), protected by a CRC-32.

/// `COMPTYPE` of a compressed stream ("LZFu").
const COMPRESSED: u32 = 0x7546_5A4C;
/// `COMPTYPE` of an uncompressed stream ("MELA").
const UNCOMPRESSED: u32 = 0x414C_454D;
const HEADER_LEN: usize = 16;
const DICT_LEN: usize = 4096;
/// The dictionary's initial content (MS-OXRTFCP 3.1.2.2).
const PREBUF: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// Why a compressed RTF stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LzfuError {
    /// Shorter than its header, or its sizes disagree with the data.
    Truncated,
    /// `COMPTYPE` is neither "LZFu" nor "MELA".
    UnknownType(u32),
    /// The CRC in the header does not match the data.
    Crc {
        /// CRC stored in the header.
        stored: u32,
        /// CRC of the data.
        computed: u32,
    },
    /// The declared uncompressed size is over the caller's limit.
    TooLarge(u64),
}

impl std::fmt::Display for LzfuError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LzfuError::Truncated => f.write_str("compressed RTF is truncated"),
            LzfuError::UnknownType(t) => write!(f, "compressed RTF of unknown type {t:#010x}"),
            LzfuError::Crc { stored, computed } => write!(
                f,
                "compressed RTF fails its CRC check (stored {stored:#010x}, computed {computed:#010x})"
            ),
            LzfuError::TooLarge(n) => write!(f, "compressed RTF declares {n} bytes, over the limit"),
        }
    }
}

impl std::error::Error for LzfuError {}

fn u32_at(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

/// Decompresses a `PR_RTF_COMPRESSED` value, refusing more than `max_len` bytes of output.
pub fn decompress(data: &[u8], max_len: u64) -> Result<Vec<u8>, LzfuError> {
    if data.len() < HEADER_LEN {
        return Err(LzfuError::Truncated);
    }
    let comp_size = u32_at(data, 0) as usize;
    let raw_size = u32_at(data, 4) as u64;
    let comp_type = u32_at(data, 8);
    let stored_crc = u32_at(data, 12);
    if raw_size > max_len {
        return Err(LzfuError::TooLarge(raw_size));
    }
    // COMPSIZE counts the bytes after itself; writers pad, so more data is tolerated.
    let end = comp_size.saturating_add(4);
    let body = data
        .get(HEADER_LEN..end.min(data.len()))
        .ok_or(LzfuError::Truncated)?;
    match comp_type {
        UNCOMPRESSED => {
            let n = (raw_size as usize).min(body.len());
            Ok(body[..n].to_vec())
        }
        COMPRESSED => {
            if end > data.len() {
                return Err(LzfuError::Truncated);
            }
            let computed = crc32(body);
            if computed != stored_crc {
                return Err(LzfuError::Crc {
                    stored: stored_crc,
                    computed,
                });
            }
            Ok(inflate(body, raw_size as usize))
        }
        other => Err(LzfuError::UnknownType(other)),
    }
}

/// Runs the LZ77 decoder over `body`, producing at most `raw_size` bytes.
fn inflate(body: &[u8], raw_size: usize) -> Vec<u8> {
    let mut dict = [0u8; DICT_LEN];
    dict[..PREBUF.len()].copy_from_slice(PREBUF);
    let mut write = PREBUF.len();
    let mut out = Vec::with_capacity(raw_size);
    let mut at = 0;
    'stream: while at < body.len() && out.len() < raw_size {
        let control = body[at];
        at += 1;
        for bit in 0..8 {
            if out.len() >= raw_size {
                break 'stream;
            }
            if control & (1 << bit) == 0 {
                let Some(&byte) = body.get(at) else {
                    break 'stream;
                };
                at += 1;
                out.push(byte);
                dict[write] = byte;
                write = (write + 1) % DICT_LEN;
            } else {
                let Some(token) = body.get(at..at + 2) else {
                    break 'stream;
                };
                at += 2;
                let token = u16::from_be_bytes([token[0], token[1]]) as usize;
                let offset = token >> 4;
                let len = (token & 0xF) + 2;
                if offset == write {
                    break 'stream;
                }
                for i in 0..len {
                    let byte = dict[(offset + i) % DICT_LEN];
                    out.push(byte);
                    dict[write] = byte;
                    write = (write + 1) % DICT_LEN;
                }
            }
        }
    }
    out.truncate(raw_size);
    out
}

/// The CRC-32 of MS-OXRTFCP 3.1.3.2: the IEEE polynomial, reflected, starting at 0 and
/// without a final inversion.
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    data.iter().fold(0u32, |crc, &b| {
        TABLE[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect()
    }

    /// MS-OXRTFCP 4.1 "Simple Compressed RTF".
    #[test]
    fn spec_example_simple() {
        let data = hex(
            "2d 00 00 00 2b 00 00 00 4c 5a 46 75 f1 c5 c7 a7 03 00 0a 00 72 63 70 67 31 32 35 42 \
             32 0a f3 20 68 65 6c 09 00 20 62 77 05 b0 6c 64 7d 0a 80 0f a0",
        );
        let out = decompress(&data, 1 << 20).unwrap();
        assert_eq!(out, b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
    }

    /// MS-OXRTFCP 4.2 "Crossing a Dictionary Write Offset Boundary": a token that copies bytes
    /// it is writing.
    #[test]
    fn spec_example_overlapping_copy() {
        let data = hex(
            "1a 00 00 00 1c 00 00 00 4c 5a 46 75 e2 d4 4b 51 41 00 04 20 57 58 59 5a 0d 6e 7d 01 \
             0e b0",
        );
        let out = decompress(&data, 1 << 20).unwrap();
        assert_eq!(out, b"{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}");
    }

    #[test]
    fn uncompressed_variant() {
        let mut data = Vec::new();
        let rtf = b"{\\rtf1 hei}";
        data.extend_from_slice(&(rtf.len() as u32 + 12).to_le_bytes());
        data.extend_from_slice(&(rtf.len() as u32).to_le_bytes());
        data.extend_from_slice(b"MELA");
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(rtf);
        assert_eq!(decompress(&data, 100).unwrap(), rtf);
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let good = hex(
            "2d 00 00 00 2b 00 00 00 4c 5a 46 75 f1 c5 c7 a7 03 00 0a 00 72 63 70 67 31 32 35 42 \
             32 0a f3 20 68 65 6c 09 00 20 62 77 05 b0 6c 64 7d 0a 80 0f a0",
        );
        let mut bad = good.clone();
        bad[20] ^= 0x40;
        assert!(matches!(
            decompress(&bad, 1 << 20),
            Err(LzfuError::Crc { .. })
        ));
        assert_eq!(decompress(&good[..30], 1 << 20), Err(LzfuError::Truncated));
        assert_eq!(decompress(&good[..10], 1 << 20), Err(LzfuError::Truncated));
        assert_eq!(decompress(&good, 10), Err(LzfuError::TooLarge(0x2b)));
        let mut odd = good.clone();
        odd[8..12].copy_from_slice(b"ABCD");
        assert!(matches!(
            decompress(&odd, 1 << 20),
            Err(LzfuError::UnknownType(_))
        ));
    }

    proptest::proptest! {
        /// Any bytes, and any damage to a valid stream, give a result or an error, never a
        /// panic, and never more than the declared size.
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
                        at in 16usize..49, byte in proptest::num::u8::ANY) {
            let _ = decompress(&data, 1 << 16);
            let mut header = hex("2d 00 00 00 2b 00 00 00 4c 5a 46 75 f1 c5 c7 a7");
            header.extend_from_slice(&data);
            if let Ok(out) = decompress(&header, 1 << 16) {
                proptest::prop_assert!(out.len() <= 0x2b);
            }
            let mut good = hex(
                "2d 00 00 00 2b 00 00 00 4c 5a 46 75 f1 c5 c7 a7 03 00 0a 00 72 63 70 67 31 32 35 42 \
                 32 0a f3 20 68 65 6c 09 00 20 62 77 05 b0 6c 64 7d 0a 80 0f a0",
            );
            good[at] = byte;
            // Past the CRC: inflate itself on damaged data.
            let _ = inflate(&good[16..], 0x2b);
        }
    }
}

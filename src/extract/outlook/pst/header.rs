//! The store header ([MS-PST] 2.2.2.6): which variant the file is and where its two B-trees
//! start.

use super::crypt::CryptMethod;
use crate::extract::ExtractError;

/// Bytes read from the start of the file to parse the header (the Unicode header is 564 bytes).
pub const HEADER_LEN: usize = 564;

/// The on-disk variant, which fixes the size of ids, offsets, pages and entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// wVer 14/15: 32-bit block ids and offsets, 512-byte pages.
    Ansi,
    /// wVer 23: 64-bit block ids and offsets, 512-byte pages.
    Unicode,
    /// wVer 36 (OST from Outlook 2013 on): 64-bit, 4096-byte pages, blocks may be compressed.
    Unicode4k,
}

impl Variant {
    /// Size of a block id or file offset on disk.
    pub fn id_len(self) -> usize {
        match self {
            Variant::Ansi => 4,
            _ => 8,
        }
    }

    /// Size of a B-tree page.
    pub fn page_len(self) -> usize {
        match self {
            Variant::Unicode4k => 4096,
            _ => 512,
        }
    }
}

/// What sporhund needs from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// ANSI, Unicode or Unicode with 4 KiB pages.
    pub variant: Variant,
    /// True for an offline store (.ost, client magic "SO").
    pub offline: bool,
    /// How data blocks are obfuscated.
    pub crypt: CryptMethod,
    /// File offset of the root page of the node B-tree.
    pub nbt_root: u64,
    /// File offset of the root page of the block B-tree.
    pub bbt_root: u64,
}

impl Header {
    /// Parses the first bytes of a store (at least [`HEADER_LEN`] when the file is that long).
    pub fn parse(data: &[u8]) -> Result<Header, ExtractError> {
        let corrupt = |m: &str| ExtractError::Corrupt(format!("PST header: {m}"));
        if data.len() < 4 || &data[..4] != b"!BDN" {
            return Err(corrupt("no !BDN signature"));
        }
        let offline = match data.get(8..10) {
            Some(b"SM") => false,
            Some(b"SO") => true,
            _ => return Err(corrupt("unknown client signature (neither PST nor OST)")),
        };
        let version = match data.get(10..12) {
            Some(v) => u16::from_le_bytes([v[0], v[1]]),
            None => return Err(corrupt("file shorter than its header")),
        };
        let variant = match version {
            14 | 15 => Variant::Ansi,
            23 => Variant::Unicode,
            36 => Variant::Unicode4k,
            v => {
                return Err(ExtractError::Unsupported(format!(
                    "PST file format version {v}"
                )))
            }
        };
        // Offsets of the two root BREFs' `ib` and of bCryptMethod (2.2.2.6).
        let (nbt_at, bbt_at, crypt_at) = match variant {
            Variant::Ansi => (188, 196, 461),
            _ => (224, 240, 513),
        };
        if data.len() <= crypt_at {
            return Err(corrupt("file shorter than its header"));
        }
        let offset = |at: usize| match variant {
            Variant::Ansi => u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as u64,
            _ => u64::from_le_bytes(data[at..at + 8].try_into().unwrap()),
        };
        let crypt = CryptMethod::from_byte(data[crypt_at])
            .ok_or_else(|| ExtractError::Encrypted(format!(
                "unknown PST encryption method {} (only permutation and cyclic obfuscation are read)",
                data[crypt_at]
            )))?;
        Ok(Header {
            variant,
            offline,
            crypt,
            nbt_root: offset(nbt_at),
            bbt_root: offset(bbt_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unicode_header(client: &[u8; 2], crypt: u8) -> Vec<u8> {
        let mut h = vec![0u8; HEADER_LEN];
        h[..4].copy_from_slice(b"!BDN");
        h[8..10].copy_from_slice(client);
        h[10..12].copy_from_slice(&23u16.to_le_bytes());
        h[224..232].copy_from_slice(&0x4400u64.to_le_bytes());
        h[240..248].copy_from_slice(&0x4600u64.to_le_bytes());
        h[513] = crypt;
        h
    }

    #[test]
    fn unicode_pst_and_ost_headers() {
        let h = Header::parse(&unicode_header(b"SM", 1)).unwrap();
        assert_eq!(
            h,
            Header {
                variant: Variant::Unicode,
                offline: false,
                crypt: CryptMethod::Permute,
                nbt_root: 0x4400,
                bbt_root: 0x4600
            }
        );
        assert!(Header::parse(&unicode_header(b"SO", 0)).unwrap().offline);
    }

    #[test]
    fn ansi_header() {
        let mut h = vec![0u8; 512];
        h[..4].copy_from_slice(b"!BDN");
        h[8..10].copy_from_slice(b"SM");
        h[10..12].copy_from_slice(&14u16.to_le_bytes());
        h[188..192].copy_from_slice(&0x1234u32.to_le_bytes());
        h[196..200].copy_from_slice(&0x5678u32.to_le_bytes());
        h[461] = 2;
        let h = Header::parse(&h).unwrap();
        assert_eq!(h.variant, Variant::Ansi);
        assert_eq!((h.nbt_root, h.bbt_root), (0x1234, 0x5678));
        assert_eq!(h.crypt, CryptMethod::Cyclic);
    }

    #[test]
    fn bad_headers_are_errors() {
        assert!(Header::parse(b"").is_err());
        assert!(Header::parse(b"!BDN").is_err());
        assert!(Header::parse(b"!BDN\0\0\0\0SM").is_err());
        assert!(Header::parse(b"!BDN\0\0\0\0SM\x17").is_err());
        let mut h = unicode_header(b"SM", 1);
        h[10] = 99;
        assert!(matches!(
            Header::parse(&h),
            Err(ExtractError::Unsupported(_))
        ));
        let mut h = unicode_header(b"XX", 1);
        assert!(Header::parse(&h).is_err());
        h = unicode_header(b"SM", 0x10);
        assert!(matches!(Header::parse(&h), Err(ExtractError::Encrypted(_))));
        assert!(Header::parse(&unicode_header(b"SM", 1)[..300]).is_err());
    }
}

//! Finding fingerprints: a keyed BLAKE3 hash of rule id and normalised value.
//!
//! A plain hash of a fødselsnummer can be reversed by hashing all ~40 million valid numbers;
//! a keyed hash cannot without the key. The key comes from `SPORHUND_FINGERPRINT_KEY` (any
//! string; share it between machines whose reports must agree), or from a random key kept in
//! the state directory (`$SPORHUND_STATE_DIR`, else `$XDG_STATE_HOME/sporhund`, else
//! `~/.local/state/sporhund`), created on first use with owner-only permissions.

use std::io::Write;
use std::path::PathBuf;

/// Environment variable holding a fingerprint key.
pub const KEY_ENV: &str = "SPORHUND_FINGERPRINT_KEY";
const KEY_CONTEXT: &str = "sporhund 2026 finding fingerprint key v1";

/// Computes fingerprints under one key.
#[derive(Clone)]
pub struct Fingerprinter {
    key: [u8; 32],
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fingerprinter { key: <hidden> }")
    }
}

impl Fingerprinter {
    /// A fingerprinter for a key given as text.
    pub fn from_secret(secret: &str) -> Self {
        Fingerprinter {
            key: blake3::derive_key(KEY_CONTEXT, secret.as_bytes()),
        }
    }

    /// The configured key (see module docs). The second value is a warning to show when the
    /// key could not be stored, so fingerprints will differ between runs.
    pub fn configured() -> (Self, Option<String>) {
        if let Ok(secret) = std::env::var(KEY_ENV) {
            if !secret.is_empty() {
                return (Self::from_secret(&secret), None);
            }
        }
        match state_key() {
            Ok(secret) => (Self::from_secret(&secret), None),
            Err(e) => (
                Self::from_secret(&random_hex::<32>()),
                Some(format!(
                    "could not keep a fingerprint key ({e}); fingerprints will differ between runs \
                     (set {KEY_ENV} to fix)"
                )),
            ),
        }
    }

    /// 32 hex digits identifying (rule, value) under this key.
    pub fn fingerprint(&self, rule: &str, normalized: &str) -> String {
        // Rule, 0 and value in one buffer: a short input is hashed in one call, without a
        // streaming hasher's state.
        let mut buf = [0u8; 128];
        let len = rule.len() + 1 + normalized.len();
        let hash = match buf.get_mut(..len) {
            Some(input) => {
                input[..rule.len()].copy_from_slice(rule.as_bytes());
                input[rule.len() + 1..].copy_from_slice(normalized.as_bytes());
                blake3::keyed_hash(&self.key, input)
            }
            None => {
                let mut h = blake3::Hasher::new_keyed(&self.key);
                h.update(rule.as_bytes());
                h.update(&[0]);
                h.update(normalized.as_bytes());
                h.finalize()
            }
        };
        let (half, _) = hash.as_bytes().split_first_chunk::<16>().expect("32 bytes");
        hex(half)
    }
}

/// The directory sporhund keeps state in.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SPORHUND_STATE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME") {
        return Some(PathBuf::from(d).join("sporhund"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state/sporhund"))
}

fn state_key() -> std::io::Result<String> {
    let dir = state_dir().ok_or_else(|| std::io::Error::other("no state directory"))?;
    let path = dir.join("fingerprint.key");
    if let Ok(s) = std::fs::read_to_string(&path) {
        if !s.trim().is_empty() {
            return Ok(s.trim().to_string());
        }
    }
    std::fs::create_dir_all(&dir)?;
    let secret = random_hex::<32>();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut f) => {
            f.write_all(secret.as_bytes())?;
            Ok(secret)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)?.trim().to_string())
        }
        Err(e) => Err(e),
    }
}

/// `bytes` as lower-case hex digits. The length is a constant, so the loop is unrolled and
/// each byte's two digits come from [`HEX_PAIRS`] into an array on the stack, copied into the
/// string once: a zeroed vector filled a digit at a time was ~300 instructions per
/// fingerprint.
fn hex<const N: usize>(bytes: &[u8; N]) -> String {
    let mut out = [[0u8; 2]; N];
    for (pair, &b) in out.iter_mut().zip(bytes) {
        *pair = HEX_PAIRS[usize::from(b)];
    }
    std::str::from_utf8(out.as_flattened())
        .expect("hex digits are ASCII")
        .to_owned()
}

/// The two lower-case hex digits of every byte.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = [DIGITS[b >> 4], DIGITS[b & 0xF]];
        b += 1;
    }
    t
};

/// `N` random bytes from the OS as lower-case hex digits (keys, salts).
pub(crate) fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random number generator");
    hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_and_stable() {
        let a = Fingerprinter::from_secret("k1");
        let b = Fingerprinter::from_secret("k2");
        let f = a.fingerprint("no.fnr", "15108695088");
        assert_eq!(f.len(), 32);
        assert_eq!(f, a.fingerprint("no.fnr", "15108695088"));
        assert_ne!(f, b.fingerprint("no.fnr", "15108695088"));
        assert_ne!(f, a.fingerprint("no.account", "15108695088"));
        // The first half of the keyed hash of rule, 0 and value, however long the value.
        for value in ["15108695088".to_string(), "x".repeat(300)] {
            let mut h = blake3::Hasher::new_keyed(&a.key);
            h.update(b"no.fnr\0");
            h.update(value.as_bytes());
            assert_eq!(a.fingerprint("no.fnr", &value), h.finalize().to_hex()[..32]);
        }
        assert_eq!(hex(&[0x00, 0x9f, 0xa0, 0xff]), "009fa0ff");
        // Not the unkeyed hash.
        assert!(!blake3::hash(b"no.fnr\x0015108695088")
            .to_hex()
            .starts_with(&f));
    }
}

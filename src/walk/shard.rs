//! `--shard K/N`: a deterministic partition of the walk, so that N workers given the same roots
//! scan every file exactly once between them.
//!
//! A file's shard is a BLAKE3 hash of its path relative to the root it was found under
//! (components joined with `/`), modulo N: the same on every machine, wherever the tree is
//! mounted. A root that is itself a file is placed by its file name. Skipped files and walk
//! errors are placed the same way, so a merged report lists each once.

use std::path::{Component, Path};

/// Shard `index` of `count` (0-based: `0/3`, `1/3`, `2/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This worker's shard, `0 ≤ index < count`.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;

    /// Parses `K/N`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("invalid shard {s:?}: expected K/N with 0 <= K < N, e.g. 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = k.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// True when `path`, found under `root`, belongs to this shard.
    pub fn contains(&self, root: &Path, path: &Path) -> bool {
        shard_of(root, path, self.count) == self.index
    }
}

/// The shard of `path` (under `root`) among `count`.
fn shard_of(root: &Path, path: &Path, count: u64) -> u64 {
    let relative = path
        .strip_prefix(root)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
        .or_else(|| path.file_name().map(Path::new))
        .unwrap_or(path);
    let mut h = blake3::Hasher::new();
    let mut first = true;
    for c in relative.components() {
        if let Component::Normal(name) = c {
            if !first {
                h.update(b"/");
            }
            h.update(name.as_encoded_bytes());
            first = false;
        }
    }
    let digest = h.finalize();
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest.as_bytes()[..8]);
    u64::from_le_bytes(head) % count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n() {
        assert_eq!("2/5".parse(), Ok(Shard { index: 2, count: 5 }));
        assert_eq!("0/1".parse::<Shard>().unwrap().to_string(), "0/1");
        for bad in ["5/5", "1/0", "1", "a/2", "-1/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_file_in_exactly_one_shard_wherever_mounted() {
        let files = [
            "a.txt",
            "d/b.txt",
            "d/e/c.pdf",
            "x",
            "y/z",
            "kunde.txt",
            "bank/k.csv",
        ];
        let mut sizes = [0; 3];
        for f in files {
            let here: Vec<bool> = (0..3)
                .map(|k| {
                    Shard { index: k, count: 3 }
                        .contains(Path::new("/mnt/a"), &Path::new("/mnt/a").join(f))
                })
                .collect();
            assert_eq!(here.iter().filter(|&&b| b).count(), 1, "{f}");
            let k = here.iter().position(|&b| b).unwrap();
            sizes[k] += 1;
            // The same tree mounted elsewhere, or given as a relative root.
            let there = Shard {
                index: k as u64,
                count: 3,
            };
            assert!(there.contains(
                Path::new("/srv/data/share"),
                &Path::new("/srv/data/share").join(f)
            ));
            assert!(there.contains(Path::new("share"), &Path::new("share").join(f)));
            assert!(there.contains(Path::new("./share/"), &Path::new("./share/").join(f)));
        }
        assert!(sizes.iter().all(|&n| n > 0), "{sizes:?}");
        // A file root is placed by its name.
        let k = shard_of(Path::new("a/kunde.txt"), Path::new("a/kunde.txt"), 3);
        assert_eq!(k, shard_of(Path::new("/r"), Path::new("/r/kunde.txt"), 3));
    }
}

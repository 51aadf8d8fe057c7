//! The rendered findings of stored blocks, kept in one flat file beside the database
//! (`<cache>.texts`) instead of in a B-tree: a scan appends each block's text, a rescan's
//! report copies it out of a read-only memory map. A rescan of many small files then costs
//! no B-tree lookup, no page copy and no system call per text (in redb each text was a third
//! lookup per file and a `pread` into a zeroed page).
//!
//! **Format.** [`MAGIC`], a random 16-byte identity, then texts one after another, each
//! followed by its CRC-32 (4 bytes, little-endian). A block's `block` entry starts with a
//! [`TextRef`]: the identity of the file its text was appended to, the offset and the length
//! (without the CRC). A text whose CRC does not match ([`Text::intact`]) is not written into
//! a report: a damaged texts file (a bit flipped on the disk, a byte changed by hand) would
//! otherwise make the report invalid JSON, or worse, valid JSON with other findings. A file
//! created afresh (missing, damaged or replaced) gets a new identity, so an entry never reads
//! another file's bytes at its offset: a reference to another identity is a miss, and the
//! file's `body` is used.
//!
//! **Safety of writes.** Texts are appended (buffered) before the entries that refer to them
//! are handed to the database, and flushed before every commit ([`TextFile::flush`]); the
//! last commit of a scan, the durable one, follows a `sync_data` of this file. A crash leaves
//! at worst unreferenced bytes at the end, never an entry pointing past it.
//!
//! **Trust.** Checking every text's CRC as a report copies it was a tenth of a rescan of many
//! small files. So the scan that last wrote the file seals it ([`Seal`]: its stat, recorded
//! in the database), and a texts file found as it was sealed has its texts copied unchecked:
//! nothing has written it since. Texts are checked when the file is not as sealed (written by
//! something else, or by a scan that did not finish); such a file is sealed again only after
//! all texts still referred to were checked ([`TextFile::verify`], or a compaction that
//! checks what it copies), never just because a later scan appended to it.
//!
//! **Garbage.** A changed file's old text stays behind. After a scan that appended texts,
//! [`TextFile::compact_into`] rewrites the file with only the texts still referred to, in key
//! order, when the others take more room than they do (see [`Garbage`]).

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use memmap2::Mmap;

use super::seal::Seal;
use crate::report::json::SharedText;

/// First bytes of a texts file.
pub const MAGIC: &[u8; 16] = b"sporhund-texts\x00\x02";
/// Bytes before the first text: magic and identity.
pub const HEADER_LEN: u64 = 32;
/// Bytes of a [`TextRef`] at the start of a `block` entry.
pub const REF_LEN: usize = 32;
/// Bytes per memory page (the smallest in use; on larger pages some reads are redundant).
const PAGE: usize = 4096;
/// Bytes of the CRC-32 after each text.
const SUM_LEN: usize = 4;

/// Where a block's text is: the identity of the texts file, offset, length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRef {
    /// Identity of the file the text was appended to.
    pub id: [u8; 16],
    /// Offset of its first byte.
    pub at: u64,
    /// Length in bytes.
    pub len: u64,
}

impl TextRef {
    /// Bytes the text takes in the file: its length and its CRC.
    pub fn stored_len(&self) -> u64 {
        self.len + SUM_LEN as u64
    }

    /// The reference as stored, [`REF_LEN`] bytes.
    pub fn encode(&self) -> [u8; REF_LEN] {
        let mut out = [0u8; REF_LEN];
        out[..16].copy_from_slice(&self.id);
        out[16..24].copy_from_slice(&self.at.to_le_bytes());
        out[24..].copy_from_slice(&self.len.to_le_bytes());
        out
    }

    /// The reference at the start of `bytes` and what follows it.
    pub fn split(bytes: &[u8]) -> Option<(TextRef, &[u8])> {
        let (head, rest) = (bytes.len() >= REF_LEN).then(|| bytes.split_at(REF_LEN))?;
        let word = |r: std::ops::Range<usize>| u64::from_le_bytes(head[r].try_into().unwrap());
        let r = TextRef {
            id: head[..16].try_into().ok()?,
            at: word(16..24),
            len: word(24..32),
        };
        Some((r, rest))
    }
}

/// The open texts file.
pub struct TextFile {
    path: PathBuf,
    writer: Mutex<Appender>,
    /// The file as it was when first read from (texts read are those of earlier scans).
    map: Mutex<Option<std::sync::Arc<Mmap>>>,
    /// A number no other texts file of this process has, and how many times the map or the
    /// identity changed: what a thread's [`VIEW`] of the file is checked against.
    view_id: (u64, AtomicU64),
}

/// Source of [`TextFile::view_id`] numbers.
static NEXT_VIEW_ID: AtomicU64 = AtomicU64::new(0);

/// A thread's view of a texts file for [`TextFile::check`] and [`TextFile::text`]: the
/// file's view id and change count when taken, its identity, map and trusted end. Every
/// worker checks a text per file looked up; through the file's locks and a shared count of
/// the map's users, the two workers of a rescan of small files waited on each other's cache
/// lines for each; and the two locks per text were a tenth of the report's time. The trusted
/// end only grows while the identity stays, so an older one is merely cautious.
struct View {
    of: (u64, u64),
    id: [u8; 16],
    map: std::sync::Arc<Mmap>,
    trusted_end: u64,
}

thread_local! {
    static VIEW: std::cell::RefCell<Option<View>> = const { std::cell::RefCell::new(None) };
}

/// The file being appended to: its identity and end, where the next text goes.
struct Appender {
    id: [u8; 16],
    out: BufWriter<File>,
    end: u64,
    /// Bytes appended since the file was opened.
    appended: u64,
    /// A write failed: what is in the file may no longer match `end`, so nothing more is
    /// appended or flushed (the cache turns itself off; no entry made since is committed).
    broken: bool,
    /// The texts before this offset are known to be as appended (no CRC check needed): the
    /// whole file when it is as sealed, or was created or checked by this process and
    /// appended to by it only; else just the header.
    trusted_end: u64,
    /// The seal recorded in the database is that of the file as it is now.
    sealed: bool,
}

/// How much of a texts file is referred to: compaction pays when the rest is larger than
/// that and than `min` ([`Garbage::MIN`] unless a test asks for less).
pub struct Garbage {
    /// Bytes of the file after its header.
    pub total: u64,
    /// Bytes of the texts still referred to.
    pub live: u64,
    /// Less garbage than this is not worth a rewrite.
    pub min: u64,
}

impl Garbage {
    /// Less garbage than this is never worth a rewrite (outside tests).
    pub const MIN: u64 = 16 << 20;

    /// [`Garbage::MIN`], or the number of bytes in `SPORHUND_CACHE_COMPACT_FROM` (for tests
    /// of compaction through the binary, which could not otherwise afford 16 MiB of texts).
    pub fn min_from_env() -> u64 {
        std::env::var("SPORHUND_CACHE_COMPACT_FROM")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(Self::MIN)
    }

    /// Whether to rewrite the file.
    pub fn worth_compacting(&self) -> bool {
        let garbage = self.total.saturating_sub(self.live);
        garbage > self.live && garbage > self.min
    }
}

impl TextFile {
    /// The texts file of the cache database at `db`.
    pub fn path_of(db: &Path) -> PathBuf {
        let mut p = db.as_os_str().to_owned();
        p.push(".texts");
        PathBuf::from(p)
    }

    /// Opens the texts file at `path` (owner-only), creating it afresh with a new identity
    /// when it is missing or its header is not ours.
    pub fn open(path: &Path) -> io::Result<TextFile> {
        Ok(TextFile {
            path: path.to_path_buf(),
            writer: Mutex::new(Appender::open(path)?),
            map: Mutex::new(None),
            view_id: (
                NEXT_VIEW_ID.fetch_add(1, Ordering::Relaxed),
                AtomicU64::new(0),
            ),
        })
    }

    /// Identity of the file.
    pub fn id(&self) -> [u8; 16] {
        self.writer.lock().expect("texts writer").id
    }

    /// The whole file after its header, all appended so far included, as a reference:
    /// what the database records at each commit, and what a compaction weighs.
    pub fn extent(&self) -> TextRef {
        let w = self.writer.lock().expect("texts writer");
        TextRef {
            id: w.id,
            at: HEADER_LEN,
            len: w.end - HEADER_LEN,
        }
    }

    /// Starts the file afresh under a new identity: for a file shorter than the database
    /// says it was (restored from another time, or cut), whose old references could
    /// otherwise point at texts appended later.
    pub fn restart(&self) -> io::Result<()> {
        let mut w = self.writer.lock().expect("texts writer");
        std::fs::remove_file(&self.path)?;
        *w = Appender::open(&self.path)?;
        *self.map.lock().expect("texts map") = None;
        self.changed();
        Ok(())
    }
}

impl Appender {
    /// An error once a write has failed.
    fn check(&self) -> io::Result<()> {
        match self.broken {
            true => Err(io::Error::other(
                "an earlier write to the texts file failed",
            )),
            false => Ok(()),
        }
    }

    /// The texts file at `path`, opened to append (see [`TextFile::open`]).
    fn open(path: &Path) -> io::Result<Appender> {
        let mut file = super::open_owner_only(path)?;
        let mut header = [0u8; HEADER_LEN as usize];
        let len = file.metadata()?.len();
        let ours = len >= HEADER_LEN && {
            use std::io::Read;
            file.read_exact(&mut header).is_ok() && header[..16] == MAGIC[..]
        };
        let id: [u8; 16] = if ours {
            header[16..].try_into().expect("16 bytes")
        } else {
            let id = new_id();
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            write_header(&mut file, id)?;
            id
        };
        let end = file.seek(SeekFrom::End(0))?;
        Ok(Appender {
            id,
            out: BufWriter::with_capacity(1 << 20, file),
            end,
            appended: 0,
            broken: false,
            // A file created here holds only what this process writes; one found is trusted
            // once its seal is seen to match (`TextFile::trust`).
            trusted_end: if ours { HEADER_LEN } else { end },
            sealed: false,
        })
    }

    /// Everything in the file is known to be as appended.
    fn whole(&self) -> bool {
        self.trusted_end == self.end
    }
}

impl TextFile {
    /// Appends `text`; where it went.
    pub fn append(&self, text: &[u8]) -> io::Result<TextRef> {
        let mut w = self.writer.lock().expect("texts writer");
        let at = w.end;
        w.check()?;
        let sum = crc32fast::hash(text).to_le_bytes();
        let written = w.out.write_all(text).and_then(|()| w.out.write_all(&sum));
        written.inspect_err(|_| w.broken = true)?;
        let whole = w.whole();
        w.end += (text.len() + SUM_LEN) as u64;
        w.appended += (text.len() + SUM_LEN) as u64;
        if whole {
            w.trusted_end = w.end;
        }
        w.sealed = false;
        Ok(TextRef {
            id: w.id,
            at,
            len: text.len() as u64,
        })
    }

    /// Bytes appended since the file was opened.
    pub fn appended(&self) -> u64 {
        self.writer.lock().expect("texts writer").appended
    }

    /// Hands everything appended to the operating system; with `sync`, also to the disk.
    pub fn flush(&self, sync: bool) -> io::Result<()> {
        let mut w = self.writer.lock().expect("texts writer");
        w.check()?;
        w.out.flush().inspect_err(|_| w.broken = true)?;
        if sync {
            w.out.get_ref().sync_data()?;
        }
        Ok(())
    }

    /// Trusts the whole file when it is as `seal` says it was sealed (called once, when the
    /// cache is opened, before anything is appended).
    pub fn trust(&self, seal: Option<Seal>) {
        let mut w = self.writer.lock().expect("texts writer");
        let as_sealed =
            seal.is_some_and(|s| s.file_len() == w.end && s.matches(w.out.get_ref(), w.id));
        if as_sealed && w.appended == 0 {
            w.trusted_end = w.end;
            w.sealed = true;
        }
    }

    /// Whether every text in the file is known to be as appended (no CRC check needed).
    pub fn whole(&self) -> bool {
        self.writer.lock().expect("texts writer").whole()
    }

    /// Seals the file (see [`Seal`]) when everything in it is trusted and it changed since
    /// it was last sealed: the seal for the database to record, else `None` (also when the
    /// file's time cannot be set). Called after the last write of a scan; an error only when
    /// what was appended cannot be flushed.
    pub fn seal(&self) -> io::Result<Option<Seal>> {
        let mut w = self.writer.lock().expect("texts writer");
        w.check()?;
        if w.sealed || !w.whole() {
            return Ok(None);
        }
        w.out.flush().inspect_err(|_| w.broken = true)?;
        // A file system that refuses to set the time (or a platform without a status-change
        // time) leaves the file unsealed, its texts checked as they are copied: sealing only
        // saves that work, and must not fail the scan's last commit.
        let Ok(seal) = Seal::make(w.out.get_ref(), w.id) else {
            return Ok(None);
        };
        w.sealed = true;
        Ok(Some(seal))
    }

    /// Checks the CRC of every text of `refs` in this file (those of other files are not
    /// read); when all match, the whole file is trusted from now on (the texts no reference
    /// points at are never read). Whether they all matched.
    pub fn verify(&self, refs: &[TextRef]) -> io::Result<bool> {
        self.flush(false)?;
        let extent = self.extent();
        let map = self.map(extent.at + extent.len)?;
        let intact = refs
            .iter()
            .filter(|r| r.id == extent.id)
            .all(|r| span(&map, *r).is_some_and(|span| crc_matches(&map, span)));
        if intact {
            let mut w = self.writer.lock().expect("texts writer");
            if w.id == extent.id {
                w.trusted_end = w.end;
            }
        }
        Ok(intact)
    }

    /// Whether the text `r` refers to is there: in this file, within it, and a block's text
    /// (it begins with an item's `{` and ends with one's `}`: a reference off by some bytes
    /// fails). Checked when a block is looked up, on the scan's workers (a text that fails is
    /// a miss: the file's `body` serves), which also maps its pages (one byte of each is read)
    /// so that the report's copy does not stop for them. Its CRC is checked as the report
    /// copies it ([`Text::intact`], in the cache's `TextStore`).
    pub fn check(&self, r: TextRef) -> bool {
        let is_block = |map: &Mmap| {
            span(map, r).is_some_and(|span| {
                let text = &map[span];
                let touched = text.iter().step_by(PAGE).fold(0u8, |a, &b| a ^ b);
                std::hint::black_box(touched);
                text.first() == Some(&b'{') && text.last() == Some(&b'}')
            })
        };
        let of = self.view_of();
        let seen = VIEW.with_borrow(|v| match v {
            Some(v) if v.of == of && r.id == v.id && span(&v.map, r).is_some() => {
                Some(is_block(&v.map))
            }
            _ => None,
        });
        // Else the first text of this thread, or past the map's end: through the locks.
        seen.unwrap_or_else(|| self.text(r).is_ok_and(|text| is_block(&text.map)))
    }

    /// What a thread's [`View`] of this file is checked against.
    fn view_of(&self) -> (u64, u64) {
        (self.view_id.0, self.view_id.1.load(Ordering::Acquire))
    }

    /// The map or the identity changed: threads' views of the file are out of date.
    fn changed(&self) {
        self.view_id.1.fetch_add(1, Ordering::Release);
    }

    /// The text `r` refers to: an error when it is another file's or past the end.
    pub fn text(&self, r: TextRef) -> Result<Text, &'static str> {
        let end = r.at.checked_add(r.stored_len()).ok_or("missing")?;
        let of = self.view_of();
        let seen = VIEW.with_borrow(|v| match v {
            Some(v) if v.of == of && r.id == v.id && v.map.len() as u64 >= end => {
                Some((v.map.clone(), v.trusted_end))
            }
            _ => None,
        });
        let (map, trusted_end) = match seen {
            Some(seen) => seen,
            None => {
                let (id, trusted_end) = {
                    let w = self.writer.lock().expect("texts writer");
                    (w.id, w.trusted_end)
                };
                if r.id != id {
                    return Err("written to another texts file");
                }
                let map = self.map(end).map_err(|_| "unreadable")?;
                VIEW.set(Some(View {
                    of,
                    id,
                    map: map.clone(),
                    trusted_end,
                }));
                (map, trusted_end)
            }
        };
        let span = span(&map, r).ok_or("missing")?;
        Ok(Text {
            map,
            span,
            trusted: end <= trusted_end,
        })
    }

    /// The file mapped read-only: the mapping made when first asked for, or a new one when
    /// that ends before `end` (texts appended since, by an earlier scan of this process).
    fn map(&self, end: u64) -> io::Result<std::sync::Arc<Mmap>> {
        let mut map = self.map.lock().expect("texts map");
        if let Some(m) = map.as_ref().filter(|m| m.len() as u64 >= end) {
            return Ok(m.clone());
        }
        self.flush(false)?;
        // The file appended to, the one whose seal was checked (not whatever the path names).
        let w = self.writer.lock().expect("texts writer");
        // SAFETY: the file is the cache's own, created owner-only in the cache directory and
        // changed only by the scan holding the cache's lock (this one): it is only appended
        // to while mapped (bytes past the mapped length are never read through the map) and
        // replaced by a rename after the report has been written, which leaves this mapping
        // on the old inode. What is read is checked (bounds; the CRC unless sealed) first.
        let m = std::sync::Arc::new(unsafe { Mmap::map(w.out.get_ref())? });
        *map = Some(m.clone());
        self.changed();
        Ok(m)
    }

    /// Writes the texts `refs` refer to (those of this file) into a new texts file with a
    /// new identity, in the order given, and puts it in place of this one; the references
    /// to use from now on, in the same order (`None` where a text could not be read).
    /// Whoever still refers to the old identity gets a miss; texts appended from now on go
    /// to the new file.
    /// Texts are checked as they are copied unless the whole file is trusted: one that does
    /// not match its CRC is not copied (`None`), so the new file can be trusted whole.
    pub fn compact_into(&self, refs: &[TextRef]) -> io::Result<Vec<Option<TextRef>>> {
        let old = self.id();
        let checked = self.whole();
        self.flush(false)?;
        let extent = self.extent();
        let map = self.map(extent.at + extent.len)?;
        let tmp = {
            let mut p = self.path.as_os_str().to_owned();
            p.push(".new");
            PathBuf::from(p)
        };
        let file = super::open_owner_only(&tmp)?;
        file.set_len(0)?;
        let id = new_id();
        let mut out = BufWriter::with_capacity(1 << 20, file);
        write_header(&mut out, id)?;
        let mut end = HEADER_LEN;
        let mut moved = Vec::with_capacity(refs.len());
        for r in refs {
            let text = (r.id == old).then(|| span(&map, *r)).flatten();
            let text = text.filter(|span| checked || crc_matches(&map, span.clone()));
            // The text with its CRC as stored.
            let text = text.map(|span| &map[span.start..span.end + SUM_LEN]);
            moved.push(match text {
                Some(text) => {
                    out.write_all(text)?;
                    let m = TextRef {
                        id,
                        at: end,
                        len: r.len,
                    };
                    end += text.len() as u64;
                    Some(m)
                }
                None => None,
            });
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_data()?;
        drop(file);
        let mut w = self.writer.lock().expect("texts writer");
        std::fs::rename(&tmp, &self.path)?;
        *w = Appender::open(&self.path)?;
        // Written here, from texts known or checked to be intact.
        w.trusted_end = w.end;
        *self.map.lock().expect("texts map") = None;
        self.changed();
        Ok(moved)
    }
}

/// A text in the mapped file.
pub struct Text {
    map: std::sync::Arc<Mmap>,
    span: std::ops::Range<usize>,
    /// In the part of the file known to be as appended: no CRC check needed.
    trusted: bool,
}

impl std::ops::Deref for Text {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map[self.span.clone()]
    }
}

impl Text {
    /// Whether the text is as it was appended: it is in the trusted part of the file (see
    /// the module docs), or its CRC-32 matches the one stored after it.
    pub fn intact(&self) -> bool {
        self.trusted || crc_matches(&self.map, self.span.clone())
    }

    /// The text as the report takes it: shared with the map, not copied.
    pub fn shared(self) -> SharedText {
        SharedText::new(self.map, self.span).expect("a text's span is within its map")
    }
}

/// Whether the text at `span` in `map` matches the CRC-32 stored after it (which `span`
/// leaves room for).
fn crc_matches(map: &Mmap, span: std::ops::Range<usize>) -> bool {
    let stored = &map[span.end..span.end + SUM_LEN];
    crc32fast::hash(&map[span]).to_le_bytes() == stored
}

/// Where the bytes of `r` are in `map`, if they are all there (and the CRC after them).
fn span(map: &Mmap, r: TextRef) -> Option<std::ops::Range<usize>> {
    let at = usize::try_from(r.at).ok()?;
    let end = at.checked_add(usize::try_from(r.len).ok()?)?;
    (end.checked_add(SUM_LEN)? <= map.len()).then_some(at..end)
}

/// The header of a texts file with identity `id`.
fn write_header(out: &mut impl Write, id: [u8; 16]) -> io::Result<()> {
    out.write_all(MAGIC)?;
    out.write_all(&id)
}

/// A random identity for a new file.
fn new_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).unwrap_or_else(|_| {
        // No random source: the time will do to tell files apart.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        id.copy_from_slice(&t.to_le_bytes());
    });
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_read_back_by_reference_and_only_from_their_own_file() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("c.redb.texts");
        let (a, b, id) = {
            let t = TextFile::open(&path).unwrap();
            let a = t.append("{første}".as_bytes()).unwrap();
            let b = t.append(b"{second}").unwrap();
            t.flush(true).unwrap();
            assert_eq!(t.appended(), 17 + 2 * 4);
            (a, b, t.id())
        };
        let t = TextFile::open(&path).unwrap();
        assert_eq!(t.id(), id, "reopened, same identity");
        let read = |r: TextRef| t.text(r).map(|text| text.to_vec());
        assert_eq!(read(a).unwrap(), "{første}".as_bytes());
        assert_eq!(read(b).unwrap(), b"{second}");
        assert_eq!(TextRef::split(&b.encode()).unwrap(), (b, &[][..]));
        let past = TextRef { at: 1 << 40, ..b };
        assert_eq!(read(past), Err("missing"));
        assert!(t.check(a) && t.check(b) && !t.check(past));
        // Off by some bytes at either end (here half a character): not a block's text, so
        // the block is not used (its body is).
        let half_char = TextRef { len: 4, ..a };
        assert!(!t.check(half_char));
        let late = TextRef {
            at: a.at + 1,
            len: a.len - 1,
            ..a
        };
        assert!(!t.check(late));
        let other = TextRef { id: [7; 16], ..a };
        assert_eq!(read(other), Err("written to another texts file"));
        // A file that is not ours is started afresh under a new identity.
        drop(t);
        std::fs::write(&path, b"something else entirely, long enough").unwrap();
        let t = TextFile::open(&path).unwrap();
        assert_ne!(t.id(), id);
        assert_eq!(t.extent().len, 0);
    }

    #[test]
    fn a_file_not_as_sealed_is_checked_before_it_is_trusted_or_compacted() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("c.redb.texts");
        let (a, b, seal) = {
            let t = TextFile::open(&path).unwrap();
            assert!(t.whole(), "created here");
            let a = t.append(b"{one}").unwrap();
            let b = t.append(b"{two}").unwrap();
            t.flush(true).unwrap();
            let seal = t.seal().unwrap().expect("changed since opened");
            assert_eq!(t.seal().unwrap(), None, "already sealed");
            (a, b, seal)
        };
        let t = TextFile::open(&path).unwrap();
        assert!(!t.whole(), "found, no seal seen yet");
        assert!(!t.text(a).unwrap().trusted);
        t.trust(Some(seal));
        assert!(t.whole() && t.text(a).unwrap().trusted && t.text(a).unwrap().intact());
        drop(t);
        // `b` damaged: the seal no longer holds, the check finds it.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[b.at as usize + 2] = b'X';
        std::fs::write(&path, &bytes).unwrap();
        let t = TextFile::open(&path).unwrap();
        t.trust(Some(seal));
        assert!(!t.whole());
        assert!(t.text(a).unwrap().intact() && !t.text(b).unwrap().intact());
        assert!(!t.verify(&[a, b]).unwrap());
        assert!(!t.whole());
        assert!(t.verify(&[a]).unwrap(), "only what is referred to counts");
        assert!(t.whole());
        // Compacting an unchecked file leaves the damaged text out.
        let t = TextFile::open(&path).unwrap();
        let moved = t.compact_into(&[a, b]).unwrap();
        assert!(moved[0].is_some() && moved[1].is_none());
        assert!(t.whole(), "written here from checked texts");
        assert_eq!(&*t.text(moved[0].unwrap()).unwrap(), b"{one}");
    }

    /// A thread's view of the file (taken at its first check or text) follows the file as
    /// it grows, is compacted and is started afresh; texts read through it are the texts
    /// appended, trusted as the file is.
    #[test]
    fn a_thread_s_view_follows_the_file_through_growth_and_compaction() {
        let d = tempfile::tempdir().unwrap();
        let t = TextFile::open(&d.path().join("c.redb.texts")).unwrap();
        let read = |r: TextRef| t.text(r).map(|x| (x.to_vec(), x.intact()));
        let a = t.append(b"{a}").unwrap();
        assert!(t.check(a));
        assert_eq!(read(a), Ok((b"{a}".to_vec(), true)));
        let b = t.append(b"{bb}").unwrap();
        assert!(
            t.check(b) && t.check(a),
            "mapped again past the first map's end"
        );
        assert_eq!(read(b), Ok((b"{bb}".to_vec(), true)));
        assert_eq!(read(a), Ok((b"{a}".to_vec(), true)));
        let moved = t.compact_into(&[b]).unwrap();
        assert!(!t.check(a) && !t.check(b), "the old identity's");
        assert!(read(a).is_err() && read(b).is_err());
        let b2 = moved[0].unwrap();
        assert!(t.check(b2));
        assert_eq!(read(b2), Ok((b"{bb}".to_vec(), true)));
        t.restart().unwrap();
        assert!(!t.check(b2));
        assert!(read(b2).is_err());
        let c = t.append(b"{c}").unwrap();
        assert!(t.check(c));
        assert_eq!(read(c), Ok((b"{c}".to_vec(), true)));
    }

    #[test]
    fn compaction_keeps_the_texts_asked_for_in_that_order() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("c.redb.texts");
        let t = TextFile::open(&path).unwrap();
        let refs: Vec<TextRef> = ["a", "bb", "ccc"]
            .iter()
            .map(|s| t.append(s.as_bytes()).unwrap())
            .collect();
        let foreign = TextRef {
            id: [1; 16],
            ..refs[0]
        };
        let moved = t.compact_into(&[refs[2], foreign, refs[0]]).unwrap();
        assert!(moved[1].is_none());
        let t2 = TextFile::open(&path).unwrap();
        assert_eq!(t2.extent().len, 4 + 2 * 4, "two texts and their CRCs");
        let mut got = Vec::new();
        for r in [moved[0].unwrap(), moved[2].unwrap()] {
            got.extend_from_slice(&t2.text(r).unwrap());
        }
        assert_eq!(got, b"ccca");
        let worth = |total: u64, live: u64| {
            let min = Garbage::MIN;
            Garbage { total, live, min }.worth_compacting()
        };
        assert!(worth(40 << 20, 1 << 20));
        assert!(!worth(10 << 20, 1));
        assert!(!worth(60 << 20, 30 << 20));
    }
}

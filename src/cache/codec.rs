//! The cache's own binary encoding of findings, errors and skipped parts: about a third of
//! their JSON size and decoded without parsing text (a rescan decodes every stored finding).
//!
//! Integers are LEB128 varints, options a 0/1 byte, a string its length in bytes; the
//! strings' bytes follow all the rest, one after another, so a decoder checks that they are
//! UTF-8 once for the whole value instead of once per string (a rescan decodes millions of
//! short strings). An encoded value is: the length of the rest, the rest, the strings. The
//! structs are destructured without `..`, so a field added to a report type does not compile
//! until it is encoded here too. Anything that does not decode (a damaged or foreign value)
//! is `None`: the caller treats it as a miss.

use crate::detect::Severity;
use crate::location::{Location, Step};
use crate::report::json::{category_name, severities, BlockText, FileBlock, SeverityCounts};
use crate::report::{FileError, Finding, Related, Skipped};

/// `first` with its length in front, then `then`: two values in one, split by
/// [`split_prefixed`].
pub(super) fn prefixed(first: &[u8], then: &[u8]) -> Vec<u8> {
    let mut e = Enc::default();
    e.u64(first.len() as u64);
    let mut out = e.rest;
    out.reserve(first.len() + then.len());
    out.extend_from_slice(first);
    out.extend_from_slice(then);
    out
}

/// The two values [`prefixed`] joined; `None` when `bytes` is too short for the first.
pub(super) fn split_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut d = Dec {
        rest: bytes,
        strings: "",
    };
    let n = usize::try_from(d.u64()?).ok()?;
    (d.rest.len() >= n).then(|| d.rest.split_at(n))
}

/// Encodes values: [`Enc::finish`] gives the bytes.
#[derive(Default)]
pub(super) struct Enc {
    /// Everything but the strings' bytes.
    pub(super) rest: Vec<u8>,
    /// The strings' bytes, in the order they were written.
    strings: Vec<u8>,
}

impl Enc {
    /// An encoder with room for about `bytes` bytes.
    pub(super) fn with_capacity(bytes: usize) -> Enc {
        Enc {
            rest: Vec::with_capacity(bytes / 3),
            strings: Vec::with_capacity(bytes),
        }
    }

    /// The encoded value.
    pub(super) fn finish(self) -> Vec<u8> {
        let mut head = Enc::default();
        head.u64(self.rest.len() as u64);
        let mut out = head.rest;
        out.reserve(self.rest.len() + self.strings.len());
        out.extend_from_slice(&self.rest);
        out.extend_from_slice(&self.strings);
        out
    }

    pub(super) fn u64(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.rest.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.rest.push(v as u8);
    }

    pub(super) fn i64(&mut self, v: i64) {
        self.rest.extend_from_slice(&v.to_le_bytes());
    }

    pub(super) fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.strings.extend_from_slice(s.as_bytes());
    }

    /// A file's rendered findings: path, counts and the length of the text (which is stored
    /// apart).
    pub(super) fn block(&mut self, b: &FileBlock) {
        let FileBlock {
            path,
            text: _,
            count,
            by_category,
            by_severity,
        } = b;
        self.str(path);
        self.u64(*count);
        self.list(by_category, |e, (category, n)| {
            e.str(category);
            e.u64(*n);
        });
        let by_severity: Vec<(Severity, u64)> = severities(by_severity).collect();
        self.list(&by_severity, |e, &(severity, n)| {
            e.rest.push(severity_code(severity));
            e.u64(n);
        });
        self.u64(b.text_len());
    }

    /// An option: a 0/1 byte, then the value written by `write` (what [`Dec::opt`] reads).
    fn opt<T>(&mut self, v: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match v {
            None => self.rest.push(0),
            Some(v) => {
                self.rest.push(1);
                write(self, v);
            }
        }
    }

    /// A count, then each item written by `item` (what [`Dec::list`] reads).
    pub(super) fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        self.u64(items.len() as u64);
        for t in items {
            item(self, t);
        }
    }

    fn location(&mut self, l: &Location) {
        self.list(&l.0, Self::step);
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::Entry { name } => {
                self.rest.push(0);
                self.str(name);
            }
            Step::Message {
                index,
                message_id,
                date,
                from,
                subject,
                folder,
            } => {
                self.rest.push(1);
                self.opt(*index, Self::u64);
                for s in [message_id, date, from, subject, folder] {
                    self.opt(s.as_deref(), Self::str);
                }
            }
            Step::Attachment { filename } => {
                self.rest.push(2);
                self.str(filename);
            }
            Step::Part { name } => {
                self.rest.push(3);
                self.str(name);
            }
            Step::Page { page } => {
                self.rest.push(4);
                self.u64(u64::from(*page));
            }
            Step::Cell { sheet, cell } => {
                self.rest.push(5);
                self.str(sheet);
                self.str(cell);
            }
            Step::Record { row, column } => {
                self.rest.push(6);
                self.u64(*row);
                self.u64(*column);
            }
            Step::Line { line, column } => {
                self.rest.push(7);
                self.u64(*line);
                self.u64(*column);
            }
        }
    }

    /// A finding; its `path` is not stored (the path as found is filled in when reused).
    pub(super) fn finding(&mut self, f: &Finding) {
        let Finding {
            rule,
            category,
            kind,
            severity,
            confidence,
            path: _,
            location,
            value,
            fingerprint,
            context,
            related,
        } = f;
        self.str(rule);
        self.str(category);
        self.opt(kind.as_deref(), Self::str);
        self.rest.push(severity_code(*severity));
        self.rest
            .extend_from_slice(&confidence.to_bits().to_le_bytes());
        self.location(location);
        self.str(value);
        self.str(fingerprint);
        self.str(context);
        match related.as_deref() {
            None => self.rest.push(0),
            Some(Related {
                rule,
                category,
                kind,
                fingerprint,
                location,
            }) => {
                self.rest.push(1);
                self.str(rule);
                self.str(category);
                self.opt(kind.as_deref(), Self::str);
                self.str(fingerprint);
                self.location(location);
            }
        }
    }

    /// An error inside a file, without its `path`.
    pub(super) fn error(&mut self, e: &FileError) {
        let FileError {
            path: _,
            location,
            message,
        } = e;
        self.location(location);
        self.str(message);
    }

    /// A part skipped on purpose, without its `path`.
    pub(super) fn skipped(&mut self, s: &Skipped) {
        let Skipped {
            path: _,
            location,
            reason,
        } = s;
        self.location(location);
        self.str(reason);
    }
}

fn severity_code(s: Severity) -> u8 {
    s.index() as u8
}

/// Reads a value written by [`Enc`], front to back.
pub(super) struct Dec<'a> {
    /// What is left of everything but the strings.
    rest: &'a [u8],
    /// What is left of the strings.
    strings: &'a str,
}

impl<'a> Dec<'a> {
    /// A decoder of `bytes`; `None` when they are not an encoded value.
    pub(super) fn new(bytes: &'a [u8]) -> Option<Dec<'a>> {
        let mut head = Dec {
            rest: bytes,
            strings: "",
        };
        let n = usize::try_from(head.u64()?).ok()?;
        let (rest, strings) = (head.rest.len() >= n).then(|| head.rest.split_at(n))?;
        Some(Dec {
            rest,
            strings: simdutf8::basic::from_utf8(strings).ok()?,
        })
    }

    /// True when everything has been read.
    pub(super) fn is_done(&self) -> bool {
        self.rest.is_empty() && self.strings.is_empty()
    }

    pub(super) fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    pub(super) fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(head)
    }

    pub(super) fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    pub(super) fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.bytes(8)?.try_into().ok()?))
    }

    pub(super) fn str(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.u64()?).ok()?;
        // `get` is `None` past the end or inside a character (a damaged length).
        let s = self.strings.get(..n)?;
        self.strings = &self.strings[n..];
        Some(s)
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    fn opt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => read(self).map(Some),
            _ => None,
        }
    }

    /// A count of items that each take at least one byte: never more than the bytes left, so
    /// a damaged count cannot make a huge allocation.
    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?)
            .ok()
            .filter(|&n| n <= self.rest.len())
    }

    /// A count, then that many items read by `item` (the list allocated once).
    pub(super) fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let n = self.count()?;
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(item(self)?);
        }
        Some(items)
    }

    fn location(&mut self) -> Option<Location> {
        self.list(Self::step).map(Location)
    }

    fn step(&mut self) -> Option<Step> {
        Some(match self.byte()? {
            0 => Step::Entry {
                name: self.string()?,
            },
            1 => Step::Message {
                index: self.opt(Self::u64)?,
                message_id: self.opt(Self::string)?,
                date: self.opt(Self::string)?,
                from: self.opt(Self::string)?,
                subject: self.opt(Self::string)?,
                folder: self.opt(Self::string)?,
            },
            2 => Step::Attachment {
                filename: self.string()?,
            },
            3 => Step::Part {
                name: self.string()?,
            },
            4 => Step::Page {
                page: u32::try_from(self.u64()?).ok()?,
            },
            5 => Step::Cell {
                sheet: self.string()?,
                cell: self.string()?,
            },
            6 => Step::Record {
                row: self.u64()?,
                column: self.u64()?,
            },
            7 => Step::Line {
                line: self.u64()?,
                column: self.u64()?,
            },
            _ => return None,
        })
    }

    /// A finding with `path` set to `path`.
    pub(super) fn finding(&mut self, path: &str) -> Option<Finding> {
        Some(Finding {
            rule: self.string()?,
            category: self.string()?,
            kind: self.opt(Self::string)?,
            severity: *Severity::ALL.get(usize::from(self.byte()?))?,
            confidence: f32::from_bits(u32::from_le_bytes(self.bytes(4)?.try_into().ok()?)),
            path: path.to_string(),
            location: self.location()?,
            value: self.string()?,
            fingerprint: self.string()?,
            context: self.string()?,
            related: self.opt(|d| {
                Some(Box::new(Related {
                    rule: d.string()?,
                    category: d.string()?,
                    kind: d.opt(Self::string)?,
                    fingerprint: d.string()?,
                    location: d.location()?,
                }))
            })?,
        })
    }

    /// A block written by [`Enc::block`], its text stored apart (at offset `at` in the texts
    /// file `file`): `None` also when it is empty or its counts do not add up.
    pub(super) fn block(&mut self, at: u64, file: [u8; 16]) -> Option<FileBlock> {
        let path = self.string()?;
        let count = self.u64()?;
        let by_category = self.list(|d| Some((category_name(d.str()?), d.u64()?)))?;
        let mut by_severity = SeverityCounts::default();
        self.list(|d| {
            let severity = *Severity::ALL.get(usize::from(d.byte()?))?;
            let n = d.u64()?;
            let count = &mut by_severity[severity.index()];
            *count = count.checked_add(n)?;
            Some(())
        })?;
        let len = self.u64()?;
        fn sum(counts: impl Iterator<Item = u64>) -> Option<u64> {
            counts.into_iter().try_fold(0u64, u64::checked_add)
        }
        (count > 0
            && len > 0
            && sum(by_category.iter().map(|c| c.1)) == Some(count)
            && sum(by_severity.iter().copied()) == Some(count))
        .then_some(FileBlock {
            path,
            text: BlockText::Stored { at, len, file },
            count,
            by_category,
            by_severity,
        })
    }

    /// An error with `path` set to `path`.
    pub(super) fn error(&mut self, path: &str) -> Option<FileError> {
        Some(FileError {
            path: path.to_string(),
            location: self.location()?,
            message: self.string()?,
        })
    }

    /// A skipped part with `path` set to `path`.
    pub(super) fn skipped(&mut self, path: &str) -> Option<Skipped> {
        Some(Skipped {
            path: path.to_string(),
            location: self.location()?,
            reason: self.string()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_and_field_round_trips_and_damage_is_none() {
        let location = Location(vec![
            Step::Entry {
                name: "a.zip".into(),
            },
            Step::Message {
                index: Some(3),
                message_id: None,
                date: Some("Mon, 1 Jan 2024".into()),
                from: Some("Kari <k***@*****.no>".into()),
                subject: None,
                folder: Some("Innboks".into()),
            },
            Step::Attachment {
                filename: "cv.pdf".into(),
            },
            Step::Part {
                name: "body".into(),
            },
            Step::Page { page: 2 },
            Step::Cell {
                sheet: "Ark1".into(),
                cell: "B7".into(),
            },
            Step::Record {
                row: 300,
                column: 2,
            },
            Step::Line {
                line: u64::MAX,
                column: 0,
            },
        ]);
        let finding = Finding {
            rule: "special.health".into(),
            category: "special_category".into(),
            kind: None,
            severity: Severity::Critical,
            confidence: 0.87,
            path: String::new(),
            location: location.clone(),
            value: "sykmelding".into(),
            fingerprint: "ab".repeat(16),
            context: "… «sykmelding» ø …".into(),
            related: Some(Box::new(Related {
                rule: "no.fnr".into(),
                category: "national_id".into(),
                kind: Some("fnr".into()),
                fingerprint: "cd".repeat(16),
                location: Location::root(),
            })),
        };
        let error = FileError {
            path: String::new(),
            location: location.clone(),
            message: "encrypted".into(),
        };
        let skipped = Skipped {
            path: String::new(),
            location,
            reason: "image".into(),
        };
        let mut e = Enc::default();
        e.finding(&finding);
        e.error(&error);
        e.skipped(&skipped);
        let bytes = e.finish();
        let mut d = Dec::new(&bytes).unwrap();
        let with_path = |p: &str| Finding {
            path: p.into(),
            ..finding.clone()
        };
        assert_eq!(d.finding("p"), Some(with_path("p")));
        assert_eq!(d.error("").as_ref(), Some(&error));
        assert_eq!(d.skipped("").as_ref(), Some(&skipped));
        assert!(d.is_done());
        // Truncated anywhere: None, never a panic.
        for n in 0..bytes.len() {
            let all = Dec::new(&bytes[..n]).and_then(|mut d| {
                d.finding("")?;
                d.error("")?;
                d.skipped("")?;
                d.is_done().then_some(())
            });
            assert!(all.is_none(), "{n}");
        }
        // A byte changed anywhere: a value or None, never a panic.
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0xA5;
            if let Some(mut d) = Dec::new(&damaged) {
                let _ = d.finding("").and_then(|_| d.error("")).and(d.skipped(""));
            }
        }
    }

    #[test]
    fn blocks_round_trip_and_damage_or_counts_that_do_not_add_up_are_none() {
        let block = FileBlock {
            path: "dir/ø.txt".into(),
            text: BlockText::Here(b"{\n      \"rule\": \"no.fnr\"\n    }".to_vec()),
            count: 3,
            by_category: vec![("national_id".into(), 1), ("phone".into(), 2)],
            by_severity: [0, 2, 0, 1, 0],
        };
        let encode = |b: &FileBlock| {
            let mut e = Enc::default();
            e.block(b);
            e.finish()
        };
        let bytes = encode(&block);
        let mut d = Dec::new(&bytes).unwrap();
        let apart = FileBlock {
            text: BlockText::Stored {
                at: 5,
                len: 30,
                file: [1; 16],
            },
            ..block.clone()
        };
        assert_eq!(d.block(5, [1; 16]).as_ref(), Some(&apart));
        assert!(d.is_done());
        let wrong = FileBlock {
            count: 4,
            ..block.clone()
        };
        assert_eq!(Dec::new(&encode(&wrong)).unwrap().block(5, [1; 16]), None);
        for n in 0..bytes.len() {
            assert!(Dec::new(&bytes[..n])
                .and_then(|mut d| d.block(5, [1; 16]))
                .is_none());
        }
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0xA5;
            if let Some(mut d) = Dec::new(&damaged) {
                let _ = d.block(5, [1; 16]);
            }
        }
    }
}

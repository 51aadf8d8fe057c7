//! Reading decompressed data within the [`Limits`]: the one place where member size,
//! compression ratio and the per-file budget are enforced, for zip, gzip, tar and the zip
//! containers of Office documents alike.
//!
//! Sizes declared in headers are checked first, so an honest bomb is refused without
//! decompressing a byte. Every read then goes through [`Bounded`], which counts what really
//! comes out, so a header that lies cannot make a member larger than its cap in memory.

use std::io::{self, Read};

use crate::extract::{read_retrying, Budget, ExtractError, Limits};

/// Members this small are never refused for their compression ratio (a short run of repeated
/// lines compresses far better than 200:1 and is no bomb).
pub const RATIO_FLOOR: u64 = 1024 * 1024;

/// Why reading a member failed.
#[derive(Debug)]
pub enum MemberError {
    /// This member could not be read; the rest of the container goes on.
    Failed(ExtractError),
    /// The container cannot go on: the per-file budget is spent, or the stream the container
    /// is read from hit a limit.
    Stop(ExtractError),
}

impl MemberError {
    /// The error, whatever its kind.
    pub fn into_error(self) -> ExtractError {
        match self {
            MemberError::Failed(e) | MemberError::Stop(e) => e,
        }
    }
}

impl From<ExtractError> for MemberError {
    fn from(e: ExtractError) -> Self {
        MemberError::Failed(e)
    }
}

impl From<MemberError> for ExtractError {
    fn from(e: MemberError) -> Self {
        e.into_error()
    }
}

/// A limit a [`Bounded`] reader ran into; travels inside the `io::Error` it returns, so it is
/// recognised after passing through a parser (tar, XML).
#[derive(Debug, Clone)]
struct LimitHit {
    message: String,
    out_of_budget: bool,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LimitHit {}

impl LimitHit {
    fn into_member_error(self) -> MemberError {
        let e = ExtractError::Limit(self.message);
        if self.out_of_budget {
            MemberError::Stop(e)
        } else {
            MemberError::Failed(e)
        }
    }
}

/// `n` bytes for a message, e.g. `200.0 MiB`.
pub fn human_size(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

/// The most a member `compressed` bytes long may decompress to (`None`: compressed size
/// unknown or not compressed, only the member size limit applies).
fn ratio_cap(limits: &Limits, compressed: Option<u64>) -> Option<u64> {
    compressed.map(|c| c.saturating_mul(limits.max_ratio).max(RATIO_FLOOR))
}

fn ratio_message(limits: &Limits, size: &str, compressed: u64) -> String {
    format!(
        "{size} from {} compressed is over the {}:1 compression ratio limit (a zip bomb?); not read",
        human_size(compressed),
        limits.max_ratio
    )
}

fn member_size_message(limits: &Limits, size: &str) -> String {
    format!(
        "{size} decompressed is over the {} limit for one member; not read",
        human_size(limits.max_member_bytes)
    )
}

fn budget_message(e: &ExtractError) -> String {
    let reason = match e {
        ExtractError::Limit(m) => m.clone(),
        e => e.to_string(),
    };
    format!("{reason}; the rest of this container is not read")
}

/// Takes `bytes` from `budget`, or empties it when there is less left.
///
/// A member refused for its ratio still counts its declared size against the per-file total:
/// in a nest of bombs (42.zip) the first refusal then spends the budget and every level stops
/// at its next member, instead of reporting a million refusals. (`Budget` has no "empty"
/// operation, so what is left is taken in halving steps: at most ~128 calls.)
fn charge_or_empty(budget: &Budget, bytes: u64) {
    if budget.charge(bytes).is_ok() {
        return;
    }
    let mut step = bytes;
    while step > 0 {
        if budget.charge(step).is_err() {
            step /= 2;
        }
    }
}

/// Checks the sizes a header declares, before anything is decompressed. `compressed` is
/// `None` when the data is not compressed (tar) or its compressed size is unknown.
pub fn check_declared(
    limits: &Limits,
    budget: &Budget,
    declared: u64,
    compressed: Option<u64>,
) -> Result<(), MemberError> {
    if declared > limits.max_member_bytes {
        let size = format!("{} declared", human_size(declared));
        return Err(MemberError::Failed(ExtractError::Limit(
            member_size_message(limits, &size),
        )));
    }
    match compressed {
        Some(c) => check_ratio(limits, budget, declared, c),
        None => Ok(()),
    }
}

/// Checks only the compression ratio a header declares (for data that is streamed, not held
/// in memory, so the member size limit does not apply).
pub fn check_ratio(
    limits: &Limits,
    budget: &Budget,
    declared: u64,
    compressed: u64,
) -> Result<(), MemberError> {
    if ratio_cap(limits, Some(compressed)).is_some_and(|cap| declared > cap) {
        charge_or_empty(budget, declared);
        let size = format!("{} declared", human_size(declared));
        return Err(MemberError::Failed(ExtractError::Limit(ratio_message(
            limits, &size, compressed,
        ))));
    }
    Ok(())
}

/// A reader that stops with an error once more than its cap has come out, and charges every
/// byte to the per-file budget (when it has one).
pub struct Bounded<'b, R> {
    inner: R,
    read: u64,
    cap: u64,
    /// `Some(compressed)` when the cap comes from the ratio limit.
    ratio_of: Option<u64>,
    limits: Limits,
    budget: Option<&'b Budget>,
    hit: Option<LimitHit>,
}

impl<'b, R: Read> Bounded<'b, R> {
    /// Wraps `inner`, whose data was `compressed` bytes before decompression (`None`: not
    /// compressed or unknown). `max_bytes` caps it further (usually `limits.max_member_bytes`).
    pub fn new(
        inner: R,
        limits: &Limits,
        compressed: Option<u64>,
        max_bytes: u64,
        budget: Option<&'b Budget>,
    ) -> Self {
        let ratio = ratio_cap(limits, compressed);
        let (cap, ratio_of) = match (ratio, compressed) {
            (Some(r), Some(c)) if r < max_bytes => (r, Some(c)),
            _ => (max_bytes, None),
        };
        Bounded {
            inner,
            read: 0,
            cap,
            ratio_of,
            limits: limits.clone(),
            budget,
            hit: None,
        }
    }

    /// The reader inside.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Bytes that came out so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Turns a parser's error into the member's error: the limit when this reader hit one
    /// (the parser then saw a failed read), else `otherwise`.
    pub fn explain(&self, otherwise: ExtractError) -> MemberError {
        match &self.hit {
            Some(hit) => hit.clone().into_member_error(),
            None => MemberError::Failed(otherwise),
        }
    }

    /// Reads everything (within the cap) into memory: first as much as `size_hint` says
    /// (at least 64 KiB); when more comes (a header that lies, or none), room for all the cap
    /// allows is reserved at once instead of doubling the buffer. Doubling left each freed half
    /// resident until the allocator gave it back: a gzip whose trailer lies peaked at 111-127
    /// MB for its 40 MB of output. Untouched reserved pages take no memory.
    pub fn read_to_vec(&mut self, size_hint: u64) -> Result<Vec<u8>, MemberError> {
        let first = size_hint
            .max(64 << 10)
            .min(self.cap.saturating_add(1))
            .min(64 << 20);
        let mut data = Vec::with_capacity(first as usize);
        let read = (&mut *self)
            .take(first)
            .read_to_end(&mut data)
            .and_then(|_| self.read_rest(&mut data, first));
        match read {
            Ok(()) => Ok(data),
            Err(e) => Err(match (&self.hit, read_error(&e)) {
                (Some(hit), _) => hit.clone().into_member_error(),
                // A limit of the stream underneath (the gzip around a tar): nothing follows.
                (None, MemberError::Failed(ExtractError::Limit(m))) => {
                    MemberError::Stop(ExtractError::Limit(m))
                }
                (None, other) => other,
            }),
        }
    }

    /// After `data` got the `first` bytes asked for: the rest, if there is any.
    fn read_rest(&mut self, data: &mut Vec<u8>, first: u64) -> io::Result<()> {
        if (data.len() as u64) < first {
            return Ok(()); // ended within the hint
        }
        let mut probe = [0u8; 8 << 10];
        let n = read_retrying(self, &mut probe)?;
        if n == 0 {
            return Ok(());
        }
        let room = self.cap.saturating_add(1).saturating_sub(data.len() as u64);
        // Where the whole reservation is refused (strict overcommit), the Vec grows as usual.
        let _ = data.try_reserve_exact(usize::try_from(room).unwrap_or(usize::MAX));
        data.extend_from_slice(&probe[..n]);
        self.read_to_end(data).map(drop)
    }

    fn over_cap(&self) -> LimitHit {
        let size = format!("more than {}", human_size(self.cap));
        let message = match self.ratio_of {
            Some(c) => ratio_message(&self.limits, &size, c),
            None => member_size_message(&self.limits, &size),
        };
        LimitHit {
            message,
            out_of_budget: false,
        }
    }

    fn fail(&mut self, hit: LimitHit) -> io::Error {
        self.hit = Some(hit.clone());
        io::Error::other(hit)
    }
}

/// The member error for an I/O error met while decompressing or parsing: the limit a
/// [`Bounded`] reader hit, else corrupt data (or, rarely, a failing disk).
pub fn read_error(e: &io::Error) -> MemberError {
    if let Some(hit) = e.get_ref().and_then(|i| i.downcast_ref::<LimitHit>()) {
        return hit.clone().into_member_error();
    }
    MemberError::Failed(match e.kind() {
        io::ErrorKind::PermissionDenied => {
            ExtractError::Io(io::Error::new(e.kind(), e.to_string()))
        }
        _ => ExtractError::Corrupt(e.to_string()),
    })
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(hit) = &self.hit {
            return Err(io::Error::other(hit.clone()));
        }
        // One byte past the cap is allowed through, to tell "exactly the cap" from "more".
        let room = (self.cap - self.read).saturating_add(1);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        if self.read > self.cap {
            let hit = self.over_cap();
            return Err(self.fail(hit));
        }
        if let Some(budget) = self.budget {
            if let Err(e) = budget.charge(n as u64) {
                let hit = LimitHit {
                    message: budget_message(&e),
                    out_of_budget: true,
                };
                return Err(self.fail(hit));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_member_bytes: 10 << 20,
            max_ratio: 100,
            ..Limits::default()
        }
    }

    #[test]
    fn declared_sizes_are_checked_before_reading() {
        let budget = Budget::new(100 << 20);
        let l = limits();
        assert!(check_declared(&l, &budget, 5 << 20, Some(1 << 20)).is_ok());
        // Small members are never refused for their ratio.
        assert!(check_declared(&l, &budget, 500_000, Some(10)).is_ok());
        let e = check_declared(&l, &budget, 11 << 20, Some(11 << 20)).unwrap_err();
        assert!(e.into_error().to_string().contains("limit for one member"));
        let e = check_declared(&l, &budget, 9 << 20, Some(1000)).unwrap_err();
        assert!(e.into_error().to_string().contains("100:1"));
        // The refused bomb's declared size was charged, and no more.
        assert!(budget.charge(92 << 20).is_err());
        assert!(budget.charge(90 << 20).is_ok());
    }

    #[test]
    fn a_refused_bomb_larger_than_the_budget_empties_it() {
        let budget = Budget::new(1 << 20);
        let l = limits();
        assert!(check_declared(&l, &budget, 9 << 20, Some(10)).is_err());
        assert!(budget.charge(1).is_err());
    }

    #[test]
    fn reading_stops_at_the_cap_whatever_the_header_says() {
        let l = limits();
        let zeros = std::io::repeat(0).take(50 << 20);
        let mut b = Bounded::new(zeros, &l, Some(20_000), l.max_member_bytes, None);
        let e = b.read_to_vec(0).unwrap_err().into_error();
        assert!(e.to_string().contains("100:1"), "{e}");
        assert_eq!(b.bytes_read(), 2_000_001);

        let mut b = Bounded::new(std::io::repeat(1).take(20 << 20), &l, None, 1000, None);
        let e = b.read_to_vec(0).unwrap_err().into_error();
        assert!(e.to_string().contains("limit for one member"), "{e}");

        let mut b = Bounded::new(&b"exactly"[..], &l, None, 7, None);
        assert_eq!(b.read_to_vec(7).unwrap(), b"exactly");
    }

    #[test]
    fn everything_is_read_whether_the_hint_is_right_short_or_missing() {
        let l = limits();
        // Not a repeating pattern, so a misplaced or repeated piece would show.
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (hint, len) in [
            (300_000, 300_000), // right
            (1000, 300_000),    // short: more than the hint comes
            (0, 300_000),       // missing
            (0, 65_536),        // exactly the first read's size
            (0, 65_537),
            (70_000, 70_000),
            (70_000, 0),
        ] {
            let want = &data[..len];
            let mut b = Bounded::new(want, &l, None, l.max_member_bytes, None);
            let got = b.read_to_vec(hint).unwrap();
            assert!(got == want, "hint {hint}, {len} bytes");
            assert_eq!(b.bytes_read(), len as u64);
        }
        // A right hint is all the room taken.
        let mut b = Bounded::new(&data[..], &l, None, l.max_member_bytes, None);
        assert_eq!(b.read_to_vec(300_000).unwrap().capacity(), 300_000);
        // A short one: the cap's worth is reserved at once (not touched), and the cap holds.
        let mut b = Bounded::new(&data[..], &l, None, 200_000, None);
        let e = b.read_to_vec(1000).unwrap_err().into_error();
        assert!(e.to_string().contains("limit for one member"), "{e}");
    }

    #[test]
    fn the_budget_is_charged_and_stops_reading() {
        let l = limits();
        let budget = Budget::new(1000);
        let mut b = Bounded::new(&[7u8; 3000][..], &l, None, 1 << 20, Some(&budget));
        match b.read_to_vec(0) {
            Err(MemberError::Stop(e)) => {
                assert!(e.to_string().contains("per-file limit"), "{e}")
            }
            other => panic!("{other:?}"),
        }
    }
}

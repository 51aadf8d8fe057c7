//! Thirty-two positions at a time: which bytes can start a match, or a word. One AVX2 vector
//! holds a block where the CPU has AVX2; elsewhere two SSSE3 vectors do (without SSSE3 the
//! callers use their scalar tables).
//!
//! A byte set is tested with two table look-ups per vector (`pshufb`): each byte's high nibble
//! picks the bit of its row (the low nibbles the set holds under that high nibble; high
//! nibbles with the same row share a bit), its low nibble the bits of the rows that hold it;
//! the byte is in the set when the two share a bit. Any set with at most eight distinct rows is
//! tested exactly this way, whatever its number of ranges, and "is an ASCII letter or digit"
//! too, so "starts a match and does not follow a letter or digit" is two look-ups and a shift.
//! The block loop runs inside the vector code, with the tables held in registers.

use std::arch::x86_64::{
    __m128i, __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256,
    _mm256_movemask_epi8, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8,
    _mm256_srli_epi16, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8,
    _mm_set1_epi8, _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_epi16,
};

/// Bytes per block: bit `k` of a block's candidates stands for its byte `k`.
pub(crate) const BLOCK: usize = 32;

/// The bytes that can start a match, and whether a start right after an ASCII letter or digit
/// is excluded.
#[derive(Clone, Debug)]
pub(crate) struct StartBytes {
    ssse3: Lanes16,
    /// The same test on 32 lanes; `Some` only when the CPU has AVX2.
    avx2: Option<Lanes32>,
}

/// A byte set as two nibble tables: `b` is in it when `low[b & 15] & high[b >> 4] != 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Nibbles {
    low: [u8; 16],
    high: [u8; 16],
}

impl Nibbles {
    /// The tables of `set`; `None` when its rows (the low nibbles it holds under each high
    /// nibble) take more than eight distinct values.
    fn of(set: &[bool; 256]) -> Option<Nibbles> {
        let tables = Nibbles::covering(set);
        (0..=255u8)
            .all(|b| tables.has(b) == set[usize::from(b)])
            .then_some(tables)
    }

    /// The tables of the smallest set found that holds `set` and fits them: while its rows
    /// (the low nibbles it holds under each high nibble) take more than eight distinct
    /// values, the two rows whose union adds the fewest bytes are merged.
    fn covering(set: &[bool; 256]) -> Nibbles {
        let mut rows: [u16; 16] = std::array::from_fn(|h| {
            (0..16)
                .filter(|&l| set[h * 16 + l])
                .fold(0u16, |r, l| r | 1 << l)
        });
        loop {
            let mut distinct: Vec<u16> = rows.iter().copied().filter(|&r| r != 0).collect();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() <= 8 {
                break;
            }
            // Bytes added by widening every row `a` and every row `b` to `a | b`.
            let added = |a: u16, b: u16| -> u32 {
                rows.iter()
                    .filter(|&&r| r == a || r == b)
                    .map(|&r| (a | b).count_ones() - r.count_ones())
                    .sum()
            };
            let mut pairs = Vec::new();
            for (i, &a) in distinct.iter().enumerate() {
                for &b in &distinct[i + 1..] {
                    pairs.push((added(a, b), a, b));
                }
            }
            let (_, a, b) = *pairs.iter().min().expect("more than eight rows make pairs");
            for r in rows.iter_mut().filter(|r| **r == a || **r == b) {
                *r = a | b;
            }
        }
        let mut tables = Nibbles {
            low: [0; 16],
            high: [0; 16],
        };
        let mut bits: Vec<u16> = Vec::new();
        for (h, &row) in rows.iter().enumerate() {
            if row == 0 {
                continue;
            }
            let bit = bits.iter().position(|&r| r == row).unwrap_or_else(|| {
                bits.push(row);
                bits.len() - 1
            });
            tables.high[h] = 1 << bit;
            for (l, low) in tables.low.iter_mut().enumerate() {
                if row & 1 << l != 0 {
                    *low |= 1 << bit;
                }
            }
        }
        tables
    }

    /// True when `b` is in the set the tables hold.
    fn has(&self, b: u8) -> bool {
        self.low[usize::from(b & 15)] & self.high[usize::from(b >> 4)] != 0
    }

    /// The tables of the ASCII letters and digits.
    fn alnum() -> Nibbles {
        let mut alnum = [false; 256];
        for b in 0..=255u8 {
            alnum[usize::from(b)] = b.is_ascii_alphanumeric();
        }
        Nibbles::of(&alnum).expect("letters and digits take five rows")
    }
}

/// What a block is tested for.
#[derive(Clone, Copy, Debug)]
struct Test {
    set: Nibbles,
    /// ASCII letters and digits.
    alnum: Nibbles,
    skip_after_alnum: bool,
    /// Bytes a match can hold (or more): a candidate is kept only when the `run` bytes from
    /// it are all such bytes (bytes past the text count as such).
    inner: Nibbles,
    /// See `inner`; 0 keeps every candidate. A power of two up to [`MAX_RUN`].
    run: usize,
}

/// The longest run of [`Test::inner`] bytes a candidate is tested for: the bytes after a pair
/// of blocks are read one block at a time.
pub(crate) const MAX_RUN: usize = BLOCK;

/// The run tested for runs of `run` bytes: the largest power of two within `run` and
/// [`MAX_RUN`] (found in a fixed number of doublings), 0 (no test) below 2.
fn tested_run(run: usize) -> usize {
    match run.min(MAX_RUN) {
        0 | 1 => 0,
        r => 1 << r.ilog2(),
    }
}

impl StartBytes {
    /// The candidates are the bytes of `first` that the `run` bytes from them are all bytes
    /// of `inner` (a match's bytes: a match `run` bytes long or more starts nowhere else; see
    /// [`tested_run`], 0 for no such test). `None` when the nibble tables cannot hold `first`
    /// exactly (see [`Nibbles::of`]) or the CPU lacks SSSE3; `inner` may be widened to fit.
    pub(crate) fn new(
        first: &[bool; 256],
        skip_after_alnum: bool,
        inner: &[bool; 256],
        run: usize,
    ) -> Option<StartBytes> {
        let test = Test {
            set: Nibbles::of(first)?,
            alnum: Nibbles::alnum(),
            skip_after_alnum,
            inner: Nibbles::covering(inner),
            run: tested_run(run),
        };
        if !std::arch::is_x86_feature_detected!("ssse3") {
            return None;
        }
        // SAFETY: the CPU has SSSE3 (checked just before).
        let ssse3 = unsafe { Lanes16::new(test) };
        let avx2 = std::arch::is_x86_feature_detected!("avx2")
            // SAFETY: the CPU has AVX2 (checked just before).
            .then(|| unsafe { Lanes32::new(test) });
        Some(StartBytes { ssse3, avx2 })
    }

    /// The first block `hay[p..p + BLOCK]`, for `p` = `at`, `at + BLOCK`, … while the block
    /// ends by `end`, with a candidate, and the block after it when that ends by `end` too
    /// (one call serves both: dense text has candidates in most blocks): `(p, bits, span)`,
    /// bit `k` of `bits` set when `hay[p + k]` is in the set (and, when skipping, follows no
    /// ASCII letter or digit; the byte before `at` counts) and begins a run of inner bytes
    /// (see [`StartBytes::new`]), for `k` below `span` (`BLOCK` or `2 * BLOCK`). A block whose
    /// candidates all fail the run test is passed over with the block it was paired with.
    /// `(p, 0, 0)` when none has one: `p` is the first position not tested.
    #[inline]
    pub(crate) fn next_block(&self, hay: &[u8], at: usize, end: usize) -> (usize, u64, usize) {
        let end = end.min(hay.len());
        match &self.avx2 {
            // SAFETY: `avx2` is `Some` only when the CPU has AVX2 (see `of_set`).
            Some(wide) => unsafe { wide.next_block(hay, at, end) },
            None => self.next_block_ssse3(hay, at, end),
        }
    }

    /// [`StartBytes::next_block`] with two SSSE3 vectors per block.
    #[inline]
    fn next_block_ssse3(&self, hay: &[u8], at: usize, end: usize) -> (usize, u64, usize) {
        // SAFETY: a `StartBytes` exists only when the CPU has SSSE3 (see `of_set`).
        unsafe { self.ssse3.next_block(hay, at, end.min(hay.len())) }
    }
}

/// The word starts where one of a list of words may begin, told by the first three bytes,
/// thirty-two positions at a time (a "Teddy" filter). The words' first three bytes, ASCII case
/// folded, are spread over eight buckets; at each of the three offsets a byte is in a bucket
/// when its low nibble and its (folded) high nibble both occur at that offset in the bucket's
/// words, and a position passes when some bucket holds all three of its bytes. Every word
/// start a word begins at passes, and few others: the caller checks each.
#[derive(Clone, Debug)]
pub(crate) struct WordPrefixes {
    ssse3: Prefixes16,
    /// The same filter on 32 lanes; `Some` only when the CPU has AVX2.
    avx2: Option<Prefixes32>,
}

/// A [`WordPrefixes`] filter's tables: per offset, the buckets each low and each high nibble
/// is in (bit `k`: bucket `k`), and the ASCII letters and digits.
#[derive(Clone, Copy, Debug)]
struct Buckets {
    at: [Nibbles; 3],
    alnum: Nibbles,
}

/// Per offset, the low nibbles and the high nibbles (bit `n`: nibble `n`) a bucket's words
/// have there.
type BucketSets = [(u16, u16); 3];

impl Buckets {
    /// Spreads `prefixes` (a word's first three bytes; `None` past a shorter word's end, which
    /// any byte matches) over the buckets: widest first, each into the bucket whose byte sets
    /// it widens least.
    fn of(prefixes: &[[Option<u8>; 3]]) -> Buckets {
        let sets = |p: &[Option<u8>; 3]| -> BucketSets {
            p.map(|b| match b {
                Some(b) => {
                    let folded = b | 0x20;
                    (1 << (folded & 15), 1 << (folded >> 4))
                }
                None => (u16::MAX, u16::MAX),
            })
        };
        let size = |b: &BucketSets| -> u64 {
            b.iter()
                .map(|&(low, high)| u64::from(low.count_ones() * high.count_ones()))
                .product()
        };
        let mut words: Vec<BucketSets> = prefixes.iter().map(sets).collect();
        words.sort_unstable();
        words.dedup();
        words.sort_by_key(|w| std::cmp::Reverse(size(w)));
        let mut buckets = [[(0u16, 0u16); 3]; 8];
        for w in words {
            let merged = |b: &BucketSets| -> BucketSets {
                std::array::from_fn(|j| (b[j].0 | w[j].0, b[j].1 | w[j].1))
            };
            let k = (0..buckets.len())
                .min_by_key(|&k| size(&merged(&buckets[k])) - size(&buckets[k]))
                .expect("eight buckets");
            buckets[k] = merged(&buckets[k]);
        }
        let table = |j: usize| {
            let mut t = Nibbles {
                low: [0; 16],
                high: [0; 16],
            };
            for (k, b) in buckets.iter().enumerate() {
                for n in 0..16 {
                    if b[j].0 & 1 << n != 0 {
                        t.low[n] |= 1 << k;
                    }
                    // A text byte's high nibble is looked up as it is, and folded here.
                    if b[j].1 & 1 << (n | 2) != 0 {
                        t.high[n] |= 1 << k;
                    }
                }
            }
            t
        };
        Buckets {
            at: [table(0), table(1), table(2)],
            alnum: Nibbles::alnum(),
        }
    }
}

impl WordPrefixes {
    /// The filter for words beginning with `prefixes` (see [`Buckets::of`]); `None` when the
    /// CPU lacks SSSE3.
    pub(crate) fn new(prefixes: &[[Option<u8>; 3]]) -> Option<WordPrefixes> {
        let buckets = Buckets::of(prefixes);
        if !std::arch::is_x86_feature_detected!("ssse3") {
            return None;
        }
        // SAFETY: the CPU has SSSE3 (checked just before).
        let ssse3 = unsafe { Prefixes16::new(buckets) };
        let avx2 = std::arch::is_x86_feature_detected!("avx2")
            // SAFETY: the CPU has AVX2 (checked just before).
            .then(|| unsafe { Prefixes32::new(buckets) });
        Some(WordPrefixes { ssse3, avx2 })
    }

    /// Calls `each(p)`, in order, with every position `p` of the blocks `hay[b..b + BLOCK]`,
    /// for `b` = `at`, `at + BLOCK`, … while the block ends by `end` and two more bytes
    /// follow it in `hay`, that follows no ASCII letter or digit (the byte before `at` counts)
    /// and whose three bytes pass the filter; returns the first position not tested. One call
    /// runs every block, so the tables stay in registers and `each` is inlined into the loop.
    #[inline]
    pub(crate) fn for_each(
        &self,
        hay: &[u8],
        at: usize,
        end: usize,
        mut each: impl FnMut(usize),
    ) -> usize {
        let end = end.min(hay.len());
        match &self.avx2 {
            // SAFETY: `avx2` is `Some` only when the CPU has AVX2 (see `new`).
            Some(wide) => unsafe { wide.for_each(hay, at, end, &mut each) },
            None => self.for_each_ssse3(hay, at, end, &mut each),
        }
    }

    /// [`WordPrefixes::for_each`] with two SSSE3 vectors per block.
    #[inline]
    fn for_each_ssse3(
        &self,
        hay: &[u8],
        at: usize,
        end: usize,
        each: &mut impl FnMut(usize),
    ) -> usize {
        // SAFETY: a `WordPrefixes` exists only when the CPU has SSSE3 (see `new`).
        unsafe { self.ssse3.for_each(hay, at, end.min(hay.len()), each) }
    }
}

/// A [`Test`] on the lanes of one vector type: the same steps for SSSE3 and AVX2, written
/// once with each instruction set's intrinsics.
macro_rules! lanes {
    (
        $(#[$doc:meta])*
        $name:ident,
        $(#[$prefixes_doc:meta])*
        $prefixes:ident,
        $vector:ty, $feature:literal, $width:literal,
        load: $load:ident, set1: $set1:ident, zero: $zero:ident, and: $and:ident,
        srli: $srli:ident, shuffle: $shuffle:ident, cmpeq: $cmpeq:ident,
        movemask: $movemask:ident $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        struct $name {
            /// The set's nibble tables, repeated in every 16-byte lane.
            set: [$vector; 2],
            alnum: [$vector; 2],
            skip_after_alnum: bool,
            inner: [$vector; 2],
            /// The inner bytes' tables as they are, for the bytes at the end of a text.
            inner_set: Nibbles,
            run: usize,
        }

        impl $name {
            #[target_feature(enable = $feature)]
            fn new(test: Test) -> $name {
                let table = |t: [u8; 16]| {
                    let repeated: [u8; $width] = std::array::from_fn(|i| t[i % 16]);
                    // SAFETY: `repeated` is one vector of readable bytes; the load is unaligned.
                    unsafe { $load(repeated.as_ptr().cast::<$vector>()) }
                };
                let tables = |n: Nibbles| [table(n.low), table(n.high)];
                $name {
                    set: tables(test.set),
                    alnum: tables(test.alnum),
                    skip_after_alnum: test.skip_after_alnum,
                    inner: tables(test.inner),
                    inner_set: test.inner,
                    run: test.run,
                }
            }

            /// Bit `k` set when lane `k` (low nibble in `low`, high nibble in `high`) is in the
            /// set of `tables`.
            #[inline]
            #[target_feature(enable = $feature)]
            fn members(tables: [$vector; 2], low: $vector, high: $vector) -> u32 {
                Self::nonzero(Self::hits(tables, low, high))
            }

            /// Per lane (low nibble in `low`, high nibble in `high`): the bits its two nibbles
            /// share in `tables`.
            #[inline]
            #[target_feature(enable = $feature)]
            fn hits(tables: [$vector; 2], low: $vector, high: $vector) -> $vector {
                $and($shuffle(tables[0], low), $shuffle(tables[1], high))
            }

            /// Bit `k` set when lane `k` of `v` is not zero.
            #[inline]
            #[target_feature(enable = $feature)]
            fn nonzero(v: $vector) -> u32 {
                let zero = $movemask($cmpeq(v, $zero())) as u32;
                !zero & (u32::MAX >> (32 - $width))
            }

            /// The candidate bits of the block `hay[at..at + BLOCK]` (see
            /// [`StartBytes::next_block`]; `prev_alnum`: the byte before it is an ASCII letter or
            /// digit, and the run test not yet applied), whether its own last byte is one, and
            /// its inner bytes.
            #[inline]
            #[target_feature(enable = $feature)]
            fn block(&self, hay: &[u8], at: usize, prev_alnum: bool) -> (u32, bool, u32) {
                let block = &hay[at..at + BLOCK];
                let nibble = $set1(0x0F);
                let (mut starts, mut alnum, mut inner) = (0u32, 0u32, 0u32);
                for k in 0..BLOCK / $width {
                    // SAFETY: `block` holds `BLOCK` readable bytes, so the vector at
                    // `k * $width` does; the load is unaligned.
                    let v = unsafe { $load(block.as_ptr().add(k * $width).cast::<$vector>()) };
                    let low = $and(v, nibble);
                    let high = $and($srli::<4>(v), nibble);
                    starts |= Self::members(self.set, low, high) << (k * $width);
                    alnum |= Self::members(self.alnum, low, high) << (k * $width);
                    inner |= Self::members(self.inner, low, high) << (k * $width);
                }
                let bits = match self.skip_after_alnum {
                    true => starts & !((alnum << 1) | u32::from(prev_alnum)),
                    false => starts,
                };
                (bits, alnum >> (BLOCK - 1) != 0, inner)
            }

            /// Bit `k` set when the `run` bytes from `at + k` are all inner bytes, for `k`
            /// below `span` where `bits` has a candidate (others may be set too): `inner` holds
            /// the inner bytes of the `span` bytes from `at`, the block after them is read
            /// here when a candidate's run reaches into it (bytes past the text count as
            /// inner).
            #[inline]
            #[target_feature(enable = $feature)]
            fn runs(&self, hay: &[u8], at: usize, span: usize, bits: u64, inner: u64) -> u64 {
                let after = at + span;
                let tail = if bits >> (span - (self.run - 1)) == 0 {
                    u32::MAX // no candidate's run leaves the span
                } else if after + BLOCK <= hay.len() {
                    self.block(hay, after, false).2
                } else {
                    (0..BLOCK).fold(0u32, |bits, k| match hay.get(after + k) {
                        Some(&b) if !self.inner_set.has(b) => bits,
                        _ => bits | 1 << k,
                    })
                };
                // Bit `k` of `runs(w)`, for `k` below 32: bits `k..k + run` of `w` are set
                // (runs of ones doubled `log2(run)` times).
                let runs = |w: u64| {
                    let w = match self.run {
                        2 => doubled::<1>(w),
                        4 => doubled::<2>(w),
                        8 => doubled::<3>(w),
                        16 => doubled::<4>(w),
                        _ => doubled::<5>(w),
                    };
                    w & u64::from(u32::MAX)
                };
                let tail = u64::from(tail) << BLOCK;
                match span == BLOCK {
                    true => runs(inner | tail),
                    false => runs(inner) | runs(inner >> BLOCK | tail) << BLOCK,
                }
            }

            /// See [`StartBytes::next_block`]; `end <= hay.len()`.
            #[target_feature(enable = $feature)]
            fn next_block(&self, hay: &[u8], mut at: usize, end: usize) -> (usize, u64, usize) {
                assert!(end <= hay.len());
                // Carried from block to block, so only the first reads the byte before it.
                let mut prev_alnum = at > 0 && hay[at - 1].is_ascii_alphanumeric();
                while at + BLOCK <= end {
                    let (bits, last_alnum, inner) = self.block(hay, at, prev_alnum);
                    if bits == 0 {
                        prev_alnum = last_alnum;
                        at += BLOCK;
                        continue;
                    }
                    let (mut bits, inner, span, last_alnum) = match at + 2 * BLOCK > end {
                        true => (u64::from(bits), u64::from(inner), BLOCK, last_alnum),
                        false => {
                            let (next, next_alnum, next_inner) =
                                self.block(hay, at + BLOCK, last_alnum);
                            let pair = |a: u32, b: u32| u64::from(a) | (u64::from(b) << BLOCK);
                            (pair(bits, next), pair(inner, next_inner), 2 * BLOCK, next_alnum)
                        }
                    };
                    if self.run > 0 {
                        bits &= self.runs(hay, at, span, bits, inner);
                    }
                    if bits != 0 {
                        return (at, bits, span);
                    }
                    prev_alnum = last_alnum;
                    at += span;
                }
                (at, 0, 0)
            }
        }

        $(#[$prefixes_doc])*
        #[derive(Clone, Debug)]
        struct $prefixes {
            /// Per offset, the buckets' nibble tables, repeated in every 16-byte lane.
            at: [[$vector; 2]; 3],
            alnum: [$vector; 2],
        }

        impl $prefixes {
            #[target_feature(enable = $feature)]
            fn new(buckets: Buckets) -> $prefixes {
                let table = |t: [u8; 16]| {
                    let repeated: [u8; $width] = std::array::from_fn(|i| t[i % 16]);
                    // SAFETY: `repeated` is one vector of readable bytes; the load is unaligned.
                    unsafe { $load(repeated.as_ptr().cast::<$vector>()) }
                };
                let tables = |n: Nibbles| [table(n.low), table(n.high)];
                $prefixes {
                    at: buckets.at.map(tables),
                    alnum: tables(buckets.alnum),
                }
            }

            /// The candidate bits of the block `hay[at..at + BLOCK]` (see
            /// [`WordPrefixes::for_each`]; `prev_alnum`: the byte before it is an ASCII letter
            /// or digit), and whether its own last byte is one. Reads two bytes past the block.
            #[inline]
            #[target_feature(enable = $feature)]
            fn block(&self, hay: &[u8], at: usize, prev_alnum: bool) -> (u32, bool) {
                let bytes = &hay[at..at + BLOCK + 2];
                let nibble = $set1(0x0F);
                let (mut found, mut alnum) = (0u32, 0u32);
                for k in 0..BLOCK / $width {
                    let mut hit = $set1(-1);
                    for (j, tables) in self.at.iter().enumerate() {
                        // SAFETY: `bytes` holds `BLOCK + 2` readable bytes, so the vector at
                        // `k * $width + j` (`j` ≤ 2) does; the load is unaligned.
                        let v = unsafe {
                            $load(bytes.as_ptr().add(k * $width + j).cast::<$vector>())
                        };
                        let low = $and(v, nibble);
                        let high = $and($srli::<4>(v), nibble);
                        if j == 0 {
                            alnum |= $name::members(self.alnum, low, high) << (k * $width);
                        }
                        hit = $and(hit, $name::hits(*tables, low, high));
                    }
                    found |= $name::nonzero(hit) << (k * $width);
                }
                let bits = found & !((alnum << 1) | u32::from(prev_alnum));
                (bits, alnum >> (BLOCK - 1) != 0)
            }

            /// See [`WordPrefixes::for_each`]; `end <= hay.len()`.
            #[target_feature(enable = $feature)]
            fn for_each(
                &self,
                hay: &[u8],
                mut at: usize,
                end: usize,
                each: &mut impl FnMut(usize),
            ) -> usize {
                assert!(end <= hay.len());
                // Carried from block to block, so only the first reads the byte before it.
                let mut prev_alnum = at > 0 && hay[at - 1].is_ascii_alphanumeric();
                // Two blocks at a time while they fit: `each` is a call that clobbers the
                // vector registers, so the tables are reloaded once per pair, not per block.
                while at + 2 * BLOCK <= end && at + 2 * BLOCK + 2 <= hay.len() {
                    let (first, first_alnum) = self.block(hay, at, prev_alnum);
                    let (second, last_alnum) = self.block(hay, at + BLOCK, first_alnum);
                    let mut bits = u64::from(first) | (u64::from(second) << BLOCK);
                    while bits != 0 {
                        each(at + bits.trailing_zeros() as usize);
                        bits &= bits - 1;
                    }
                    prev_alnum = last_alnum;
                    at += 2 * BLOCK;
                }
                while at + BLOCK <= end && at + BLOCK + 2 <= hay.len() {
                    let (mut bits, last_alnum) = self.block(hay, at, prev_alnum);
                    while bits != 0 {
                        each(at + bits.trailing_zeros() as usize);
                        bits &= bits - 1;
                    }
                    prev_alnum = last_alnum;
                    at += BLOCK;
                }
                at
            }
        }
    };
}

/// Bit `k` of the result: bits `k..k + 2^STEPS` of `w` are all set.
#[inline(always)]
fn doubled<const STEPS: u32>(mut w: u64) -> u64 {
    for step in 0..STEPS {
        w &= w >> (1 << step);
    }
    w
}

lanes!(
    /// A [`Test`] on sixteen lanes (SSSE3), two vectors per block.
    Lanes16,
    /// A [`WordPrefixes`] filter on sixteen lanes (SSSE3), two vectors per block.
    Prefixes16,
    __m128i, "ssse3", 16,
    load: _mm_loadu_si128, set1: _mm_set1_epi8, zero: _mm_setzero_si128, and: _mm_and_si128,
    srli: _mm_srli_epi16, shuffle: _mm_shuffle_epi8, cmpeq: _mm_cmpeq_epi8,
    movemask: _mm_movemask_epi8,
);

lanes!(
    /// A [`Test`] on thirty-two lanes (AVX2).
    Lanes32,
    /// A [`WordPrefixes`] filter on thirty-two lanes (AVX2).
    Prefixes32,
    __m256i, "avx2", 32,
    load: _mm256_loadu_si256, set1: _mm256_set1_epi8, zero: _mm256_setzero_si256,
    and: _mm256_and_si256, srli: _mm256_srli_epi16, shuffle: _mm256_shuffle_epi8,
    cmpeq: _mm256_cmpeq_epi8, movemask: _mm256_movemask_epi8,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// [`StartBytes::next_block`] a byte at a time: `set` holds the candidates, `inner` the
    /// bytes of the runs they begin.
    fn reference(
        (set, skip, inner, run): (&[bool; 256], bool, &[bool; 256], usize),
        hay: &[u8],
        mut at: usize,
        end: usize,
    ) -> (usize, u64, usize) {
        let starts = |p: usize| {
            let after_alnum = p > 0 && hay[p - 1].is_ascii_alphanumeric();
            set[usize::from(hay[p])] && !(skip && after_alnum)
        };
        let candidate = |p: usize| {
            let in_run = (p..p + run).all(|i| hay.get(i).is_none_or(|&b| inner[usize::from(b)]));
            starts(p) && (run < 2 || in_run)
        };
        while at + BLOCK <= end {
            if !(at..at + BLOCK).any(starts) {
                at += BLOCK;
                continue;
            }
            let span = if at + 2 * BLOCK > end {
                BLOCK
            } else {
                2 * BLOCK
            };
            let bits = (0..span)
                .filter(|&k| candidate(at + k))
                .fold(0u64, |bits, k| bits | 1 << k);
            if bits != 0 {
                return (at, bits, span);
            }
            at += span;
        }
        (at, 0, 0)
    }

    /// A set as the flags of its bytes.
    fn set_of(members: &[u8]) -> [bool; 256] {
        let mut set = [false; 256];
        for &m in members {
            set[usize::from(m)] = true;
        }
        set
    }

    #[test]
    fn covering_tables_hold_the_set_and_fit_eight_rows() {
        // The built-in rules' match bytes take nine rows.
        let mut inner = set_of(b"0123456789 \t\r\n.-+()nNoOMVA");
        for b in [0xC2, 0xA0, 0xE2, 0x80, 0xAF] {
            inner[b] = true;
        }
        assert!(Nibbles::of(&inner).is_none());
        let tables = Nibbles::covering(&inner);
        for b in 0..=255u8 {
            assert!(!inner[usize::from(b)] || tables.has(b), "{b:#x}");
        }
        let extra = (0..=255u8).filter(|&b| tables.has(b) && !inner[usize::from(b)]);
        assert!(extra.count() <= 2);
        let exact = set_of(b"0123456789+(Nn");
        assert_eq!(Nibbles::covering(&exact), Nibbles::of(&exact).unwrap());
    }

    #[test]
    fn the_sets_the_searches_use_fit_the_nibble_tables() {
        let main = set_of(b"0123456789+(Nn");
        assert!(StartBytes::new(&main, true, &[true; 256], 8).is_some());
        // Nine high nibbles with different rows: too many for eight bits.
        let mut nine = [false; 256];
        for h in 0..9 {
            nine[h * 16 + h] = true;
        }
        assert!(Nibbles::of(&nine).is_none());
    }

    /// The positions [`WordPrefixes::for_each`] reports, by the AVX2 lanes (where the CPU has
    /// them) and by the SSSE3 pairs, and where each stopped.
    fn prefix_positions(
        words: &[&str],
        hay: &[u8],
        at: usize,
        end: usize,
    ) -> [(Vec<usize>, usize); 2] {
        let prefixes: Vec<[Option<u8>; 3]> = words
            .iter()
            .map(|w| std::array::from_fn(|i| w.as_bytes().get(i).copied()))
            .collect();
        let filter = WordPrefixes::new(&prefixes).expect("the test machine has SSSE3");
        let mut wide = Vec::new();
        let wide_stop = filter.for_each(hay, at, end, |p| wide.push(p));
        let mut narrow = Vec::new();
        let narrow_stop = filter.for_each_ssse3(hay, at, end, &mut |p| narrow.push(p));
        [(wide, wide_stop), (narrow, narrow_stop)]
    }

    #[test]
    fn word_prefixes_leave_out_words_that_begin_otherwise() {
        let hay = b"Diagnose: data, dia og diagnosen; xdiagnose og helse -- 1dia ... slutt";
        let words = ["diagnos", "helse", "lo"];
        for (found, stop) in prefix_positions(&words, hay, 0, hay.len()) {
            assert_eq!(stop, 2 * BLOCK);
            let words: Vec<&[u8]> = found.iter().map(|&p| &hay[p..p + 3]).collect();
            assert_eq!(words, [&b"Dia"[..], b"dia", b"dia", b"hel"]);
        }
    }

    proptest::proptest! {
        /// Both the AVX2 lanes (where the CPU has them) and the SSSE3 pairs find exactly the
        /// blocks and bytes a byte-at-a-time test finds.
        #[test]
        fn blocks_agree_with_a_byte_at_a_time(
            members in proptest::collection::vec(0u8..=255, 0..12),
            inner in proptest::collection::vec(0u8..=255, 0..40),
            hay in proptest::collection::vec(
                proptest::prop_oneof![0u8..=255, b'0'..=b'9', b'a'..=b'z', b'A'..=b'Z'],
                0..5 * BLOCK,
            ),
            at in 0usize..4 * BLOCK,
            end in 0usize..6 * BLOCK,
            skip in proptest::bool::ANY,
            run in 0usize..40,
        ) {
            let set = set_of(&members);
            // Digits and letters are inner bytes often, so runs of them pass.
            let mut inner = set_of(&inner);
            for b in b'0'..=b'9' {
                inner[usize::from(b)] = true;
            }
            let Some(bytes) = StartBytes::new(&set, skip, &inner, run) else {
                return Ok(());
            };
            // The run test reads the covering tables' set, which may hold a few bytes more.
            let covering = Nibbles::covering(&inner);
            let inner: [bool; 256] = std::array::from_fn(|b| covering.has(b as u8));
            let at = at.min(hay.len());
            let end_in = end.min(hay.len());
            let want = reference((&set, skip, &inner, tested_run(run)), &hay, at, end_in);
            proptest::prop_assert_eq!(bytes.next_block(&hay, at, end), want);
            proptest::prop_assert_eq!(bytes.next_block_ssse3(&hay, at, end), want);
        }

        /// Every word start where a word begins (ASCII case aside) is reported, in order, and
        /// nothing that follows an ASCII letter or digit; the blocks run while they can.
        #[test]
        fn word_prefixes_report_every_word_start_a_word_begins_at(
            words in proptest::collection::vec("[a-dA-D\\-0-1\u{e5}\u{c5}]{1,4}", 1..12),
            hay in "[a-dA-D\\-0-1\u{e5}\u{c5} .\u{a0}\u{d7}]{0,120}",
            at in 0usize..160,
            end in 0usize..200,
        ) {
            let hay = hay.as_bytes();
            let at = at.min(hay.len());
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let end_in = end.min(hay.len());
            for (found, stop) in prefix_positions(&words, hay, at, end) {
                proptest::prop_assert!(stop >= at && (stop - at) % BLOCK == 0);
                proptest::prop_assert!(stop + BLOCK > end_in || stop + BLOCK + 2 > hay.len());
                proptest::prop_assert!(found.windows(2).all(|w| w[0] < w[1]));
                for p in at..stop {
                    let word_start = p == 0 || !hay[p - 1].is_ascii_alphanumeric();
                    let begins = words.iter().any(|w| {
                        let n = w.len().min(3);
                        hay.len() >= p + n && hay[p..p + n].eq_ignore_ascii_case(&w.as_bytes()[..n])
                    });
                    proptest::prop_assert!(!found.contains(&p) || word_start, "{} reported", p);
                    if word_start && begins {
                        proptest::prop_assert!(found.contains(&p), "{} missed", p);
                    }
                }
                proptest::prop_assert!(found.iter().all(|&p| p >= at && p < stop));
            }
        }
    }
}

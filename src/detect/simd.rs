//! Thirty-two positions at a time: which bytes can start a match, or a word. One AVX2 vector
//! holds a block where the CPU has AVX2; elsewhere two SSE2 vectors do (SSE2 is part of every
//! x86-64).
//!
//! A byte set made of a few ranges is tested with two vector operations per range
//! (`min(b - lo, hi - lo) == b - lo`, unsigned); "is an ASCII letter or digit" the same way,
//! so "starts a match and does not follow a letter or digit" is two masks and a shift.

use std::arch::x86_64::{
    __m128i, __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_sub_epi8, _mm_cmpeq_epi8,
    _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    _mm_setzero_si128, _mm_sub_epi8,
};

/// Bytes per block: bit `k` of a block's candidates stands for its byte `k`.
pub(crate) const BLOCK: usize = 32;

/// At most this many ranges are tested per block; larger sets use the scalar table.
const MAX_RANGES: usize = 6;

/// The bytes that can start a match, as ranges, and whether a start right after an ASCII
/// letter or digit is excluded.
#[derive(Clone, Debug)]
pub(crate) struct StartBytes {
    sse2: Lanes16,
    /// The same test on 32 lanes; `Some` only when the CPU has AVX2.
    avx2: Option<Lanes32>,
}

/// What a block is tested for.
#[derive(Clone, Copy, Debug)]
struct Test<'a> {
    /// Byte ranges `(lo, hi)`.
    ranges: &'a [(u8, u8)],
    /// OR-ed into each byte before the ranges are tested.
    fold: u8,
    skip_after_alnum: bool,
}

impl StartBytes {
    /// `None` when `first` needs more than [`MAX_RANGES`] ranges.
    pub(crate) fn new(first: &[bool; 256], skip_after_alnum: bool) -> Option<StartBytes> {
        Self::of_ranges(first, 0, skip_after_alnum)
    }

    /// Like [`StartBytes::new`], but each byte is tested with its `0x20` bit set, so `A` and
    /// `a` need one range: the blocks' candidates are every byte of `first` and the bytes that
    /// differ from one of them in that bit only (a superset, for a caller that checks each
    /// candidate anyway). `None` when the folded set needs more than [`MAX_RANGES`] ranges.
    pub(crate) fn folded(first: &[bool; 256], skip_after_alnum: bool) -> Option<StartBytes> {
        let mut folded = [false; 256];
        for b in 0..=255u8 {
            if first[usize::from(b)] {
                folded[usize::from(b | 0x20)] = true;
            }
        }
        Self::of_ranges(&folded, 0x20, skip_after_alnum)
    }

    fn of_ranges(set: &[bool; 256], fold: u8, skip_after_alnum: bool) -> Option<StartBytes> {
        let mut ranges = Vec::new();
        let mut b = 0usize;
        while b < 256 {
            if set[b] {
                let lo = b;
                while b + 1 < 256 && set[b + 1] {
                    b += 1;
                }
                ranges.push((lo as u8, b as u8));
            }
            b += 1;
        }
        if ranges.len() > MAX_RANGES {
            return None;
        }
        let test = Test {
            ranges: &ranges,
            fold,
            skip_after_alnum,
        };
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        let sse2 = unsafe { Lanes16::new(test) };
        let avx2 = std::arch::is_x86_feature_detected!("avx2")
            // SAFETY: the CPU has AVX2 (checked just before).
            .then(|| unsafe { Lanes32::new(test) });
        Some(StartBytes { sse2, avx2 })
    }

    /// Bit `k` set when `block[k]` can start a match; `prev_alnum` says whether the byte
    /// before the block is an ASCII letter or digit.
    #[inline]
    pub(crate) fn candidates(&self, block: &[u8; BLOCK], prev_alnum: bool) -> u32 {
        match &self.avx2 {
            // SAFETY: `avx2` is `Some` only when the CPU has AVX2 (see `of_ranges`).
            Some(wide) => unsafe { wide.candidates(block, prev_alnum) },
            None => self.candidates_sse2(block, prev_alnum),
        }
    }

    /// [`StartBytes::candidates`] with two SSE2 halves.
    #[inline]
    fn candidates_sse2(&self, block: &[u8; BLOCK], prev_alnum: bool) -> u32 {
        let low: &[u8; 16] = block[..16].try_into().expect("16 bytes");
        let high: &[u8; 16] = block[16..].try_into().expect("16 bytes");
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe {
            self.sse2.candidates(low, prev_alnum)
                | self
                    .sse2
                    .candidates(high, block[15].is_ascii_alphanumeric())
                    << 16
        }
    }
}

/// A [`Test`] on the lanes of one vector type: the same steps for SSE2 and AVX2, written
/// once with each instruction set's intrinsics.
macro_rules! lanes {
    (
        $(#[$doc:meta])*
        $name:ident, $vector:ty, $feature:literal, $width:literal,
        load: $load:ident, set1: $set1:ident, zero: $zero:ident, or: $or:ident,
        sub: $sub:ident, min: $min:ident, cmpeq: $cmpeq:ident, movemask: $movemask:ident $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        struct $name {
            /// Per range: its low end and width, in every lane.
            ranges: Vec<[$vector; 2]>,
            fold: $vector,
            skip_after_alnum: bool,
            digit: [$vector; 2],
            lower: [$vector; 2],
            case_bit: $vector,
        }

        impl $name {
            #[target_feature(enable = $feature)]
            fn new(test: Test<'_>) -> $name {
                let range = |lo: u8, hi: u8| [$set1(lo as i8), $set1((hi - lo) as i8)];
                $name {
                    ranges: test.ranges.iter().map(|&(lo, hi)| range(lo, hi)).collect(),
                    fold: $set1(test.fold as i8),
                    skip_after_alnum: test.skip_after_alnum,
                    digit: range(b'0', b'9'),
                    lower: range(b'a', b'z'),
                    case_bit: $set1(0x20),
                }
            }

            /// 0xFF in each lane of `v` inside `range`.
            #[inline]
            #[target_feature(enable = $feature)]
            fn within(v: $vector, [lo, width]: [$vector; 2]) -> $vector {
                let d = $sub(v, lo);
                $cmpeq($min(d, width), d)
            }

            #[inline]
            #[target_feature(enable = $feature)]
            fn candidates(&self, block: &[u8; $width], prev_alnum: bool) -> u32 {
                // SAFETY: `block` is one vector of readable bytes and the load is unaligned.
                let v = unsafe { $load(block.as_ptr().cast::<$vector>()) };
                let tested = $or(v, self.fold);
                let mut starts = $zero();
                for &r in &self.ranges {
                    starts = $or(starts, Self::within(tested, r));
                }
                let starts = $movemask(starts) as u32;
                if starts == 0 || !self.skip_after_alnum {
                    return starts;
                }
                let alnum = $or(
                    Self::within(v, self.digit),
                    Self::within($or(v, self.case_bit), self.lower),
                );
                let alnum = $movemask(alnum) as u32;
                starts & !((alnum << 1) | u32::from(prev_alnum))
            }
        }
    };
}

lanes!(
    /// A [`Test`] on sixteen lanes (SSE2).
    Lanes16, __m128i, "sse2", 16,
    load: _mm_loadu_si128, set1: _mm_set1_epi8, zero: _mm_setzero_si128, or: _mm_or_si128,
    sub: _mm_sub_epi8, min: _mm_min_epu8, cmpeq: _mm_cmpeq_epi8, movemask: _mm_movemask_epi8,
);

lanes!(
    /// A [`Test`] on thirty-two lanes (AVX2).
    Lanes32, __m256i, "avx2", 32,
    load: _mm256_loadu_si256, set1: _mm256_set1_epi8, zero: _mm256_setzero_si256,
    or: _mm256_or_si256, sub: _mm256_sub_epi8, min: _mm256_min_epu8, cmpeq: _mm256_cmpeq_epi8,
    movemask: _mm256_movemask_epi8,
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit `k`: `block[k]` (with `fold` OR-ed in) is in a range of `ranges` and, when
    /// skipping, does not follow an ASCII letter or digit (`prev` is the byte before).
    fn reference(ranges: &[(u8, u8)], fold: u8, skip: bool, prev: u8, block: &[u8]) -> u32 {
        let mut bits = 0;
        for (k, &b) in block.iter().enumerate() {
            let before = if k == 0 { prev } else { block[k - 1] };
            let inside = ranges
                .iter()
                .any(|&(lo, hi)| (lo..=hi).contains(&(b | fold)));
            if inside && !(skip && before.is_ascii_alphanumeric()) {
                bits |= 1 << k;
            }
        }
        bits
    }

    proptest::proptest! {
        /// Both the AVX2 lanes (where the CPU has them) and the SSE2 halves find exactly the
        /// bytes of the set, folded or not.
        #[test]
        fn blocks_agree_with_a_byte_at_a_time(
            members in proptest::collection::vec(0u8..=255, 0..12),
            block in proptest::collection::vec(
                proptest::prop_oneof![0u8..=255, b'0'..=b'9', b'a'..=b'z', b'A'..=b'Z'],
                BLOCK,
            ),
            prev in 0u8..=255,
            fold in proptest::bool::ANY,
            skip in proptest::bool::ANY,
        ) {
            let mut set = [false; 256];
            for &m in &members {
                set[usize::from(m)] = true;
            }
            let Some(bytes) = (match fold {
                true => StartBytes::folded(&set, skip),
                false => StartBytes::new(&set, skip),
            }) else {
                return Ok(());
            };
            let (tested, fold_bit) = match fold {
                true => {
                    let mut folded = [false; 256];
                    for b in 0..=255u8 {
                        folded[usize::from(b | 0x20)] |= set[usize::from(b)];
                    }
                    (folded, 0x20)
                }
                false => (set, 0),
            };
            let ranges: Vec<(u8, u8)> = (0..=255u8)
                .filter(|&b| tested[usize::from(b)])
                .map(|b| (b, b))
                .collect();
            let block: [u8; BLOCK] = block.try_into().unwrap();
            let want = reference(&ranges, fold_bit, skip, prev, &block);
            let prev_alnum = prev.is_ascii_alphanumeric();
            proptest::prop_assert_eq!(bytes.candidates(&block, prev_alnum), want);
            proptest::prop_assert_eq!(bytes.candidates_sse2(&block, prev_alnum), want);
        }
    }
}

//! Sixteen positions at a time: which bytes can start a match, or a word (SSE2, part of
//! every x86-64).
//!
//! A byte set made of a few ranges is tested with two vector operations per range
//! (`min(b - lo, hi - lo) == b - lo`, unsigned); "is an ASCII letter or digit" the same way,
//! so "starts a match and does not follow a letter or digit" is two masks and a shift.

use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
    _mm_set1_epi8, _mm_setzero_si128, _mm_sub_epi8,
};

/// At most this many ranges are tested per block; larger sets use the scalar table.
const MAX_RANGES: usize = 6;

/// One byte range `lo..=lo + width`, broadcast to every lane.
#[derive(Clone, Copy, Debug)]
struct Range {
    lo: __m128i,
    width: __m128i,
}

impl Range {
    #[target_feature(enable = "sse2")]
    fn new(lo: u8, hi: u8) -> Range {
        Range {
            lo: _mm_set1_epi8(lo as i8),
            width: _mm_set1_epi8((hi - lo) as i8),
        }
    }

    /// 0xFF in each lane of `v` inside the range.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn test(&self, v: __m128i) -> __m128i {
        let d = _mm_sub_epi8(v, self.lo);
        _mm_cmpeq_epi8(_mm_min_epu8(d, self.width), d)
    }
}

/// The bytes that can start a match, as ranges, and whether a start right after an ASCII
/// letter or digit is excluded.
#[derive(Clone, Debug)]
pub(crate) struct StartBytes {
    ranges: Vec<Range>,
    /// OR-ed into each byte before the ranges are tested: `0x20` when they hold bytes with the
    /// ASCII case bit set (see [`StartBytes::folded`]), else 0.
    fold: __m128i,
    skip_after_alnum: bool,
    digit: Range,
    lower: Range,
    case_bit: __m128i,
}

impl StartBytes {
    /// `None` when `first` needs more than [`MAX_RANGES`] ranges.
    pub(crate) fn new(first: &[bool; 256], skip_after_alnum: bool) -> Option<StartBytes> {
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe { Self::new_sse2(first, skip_after_alnum, 0) }
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
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe { Self::new_sse2(&folded, skip_after_alnum, 0x20) }
    }

    #[target_feature(enable = "sse2")]
    fn new_sse2(first: &[bool; 256], skip_after_alnum: bool, fold: u8) -> Option<StartBytes> {
        let mut ranges = Vec::new();
        let mut b = 0usize;
        while b < 256 {
            if first[b] {
                let lo = b;
                while b + 1 < 256 && first[b + 1] {
                    b += 1;
                }
                ranges.push(Range::new(lo as u8, b as u8));
            }
            b += 1;
        }
        (ranges.len() <= MAX_RANGES).then(|| StartBytes {
            ranges,
            fold: _mm_set1_epi8(fold as i8),
            skip_after_alnum,
            digit: Range::new(b'0', b'9'),
            lower: Range::new(b'a', b'z'),
            case_bit: _mm_set1_epi8(0x20),
        })
    }

    /// Bit `k` set when `block[k]` can start a match; `prev_alnum` says whether the byte
    /// before the block is an ASCII letter or digit.
    #[inline]
    pub(crate) fn candidates(&self, block: &[u8; 16], prev_alnum: bool) -> u32 {
        // SAFETY: SSE2 is part of the x86-64 baseline: every x86-64 CPU has it.
        unsafe { self.candidates_sse2(block, prev_alnum) }
    }

    #[inline]
    #[target_feature(enable = "sse2")]
    fn candidates_sse2(&self, block: &[u8; 16], prev_alnum: bool) -> u32 {
        // SAFETY: `block` is 16 readable bytes and the load is unaligned.
        let v = unsafe { _mm_loadu_si128(block.as_ptr().cast::<__m128i>()) };
        let tested = _mm_or_si128(v, self.fold);
        let mut starts = _mm_setzero_si128();
        for r in &self.ranges {
            starts = _mm_or_si128(starts, r.test(tested));
        }
        let starts = _mm_movemask_epi8(starts) as u32;
        if starts == 0 || !self.skip_after_alnum {
            return starts;
        }
        let alnum = _mm_or_si128(
            self.digit.test(v),
            self.lower.test(_mm_or_si128(v, self.case_bit)),
        );
        let alnum = _mm_movemask_epi8(alnum) as u32;
        starts & !((alnum << 1) | u32::from(prev_alnum))
    }
}

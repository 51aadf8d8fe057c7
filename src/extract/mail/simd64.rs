//! Base64 digits sixteen or thirty-two at a time (SSSE3, AVX2, checked at run time): the
//! lookup and packing of Muła and Lemire ("Faster Base64 Encoding and Decoding using AVX2
//! Instructions", 2018). Only whole groups of digits are decoded here; line breaks, padding
//! and a short tail are left to the scalar decoder in [`super::body`].

/// Decodes whole groups of four base64 digits from the start of `encoded` into `out`, up to
/// the first group with anything but a digit in it, as far as blocks of sixteen digits (and
/// sixteen bytes of room in `out` for their twelve) reach: the number of groups decoded.
/// Nothing is decoded on a CPU without SSSE3.
pub fn decode_blocks(encoded: &[u8], out: &mut [u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, and with it SSSE3 (checked just above).
            return unsafe { x86::decode_avx2(encoded, out) };
        }
        if std::arch::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3 (checked just above).
            return unsafe { x86::decode_ssse3(encoded, out) };
        }
    }
    let _ = (encoded, out);
    0
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, __m256i, _mm256_add_epi8, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256,
        _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_movemask_epi8, _mm256_permutevar8x32_epi32,
        _mm256_set1_epi32, _mm256_set1_epi8, _mm256_setr_epi32, _mm256_setr_m128i,
        _mm256_setzero_si256, _mm256_shuffle_epi8, _mm256_srli_epi32, _mm256_storeu_si256,
        _mm_add_epi8, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_madd_epi16,
        _mm_maddubs_epi16, _mm_movemask_epi8, _mm_set1_epi32, _mm_set1_epi8, _mm_setr_epi8,
        _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_epi32, _mm_storeu_si128,
    };

    /// Per low nibble of a byte, and per high nibble, bit sets whose intersection is empty
    /// exactly for the 64 digits.
    #[target_feature(enable = "ssse3")]
    fn lut_lo() -> __m128i {
        _mm_setr_epi8(
            0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B,
            0x1B, 0x1A,
        )
    }

    #[target_feature(enable = "ssse3")]
    fn lut_hi() -> __m128i {
        _mm_setr_epi8(
            0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
            0x10, 0x10,
        )
    }

    /// Per high nibble (one less for '/'), what to add to a digit for its value.
    #[target_feature(enable = "ssse3")]
    fn lut_roll() -> __m128i {
        _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// The three bytes of each 32-bit lane, big-endian, then four bytes of scratch.
    #[target_feature(enable = "ssse3")]
    fn pack() -> __m128i {
        _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1)
    }

    /// Sixteen bytes: a bit per lane that holds a digit, and the twelve bytes the block stands
    /// for (then four of scratch) when all do.
    #[target_feature(enable = "ssse3")]
    fn block16(text: &[u8; 16]) -> (u32, __m128i) {
        // SAFETY: `text` is 16 bytes long (an unaligned load).
        let s = unsafe { _mm_loadu_si128(text.as_ptr().cast::<__m128i>()) };
        let mask_2f = _mm_set1_epi8(0x2f);
        let hi_nibbles = _mm_and_si128(_mm_srli_epi32(s, 4), mask_2f);
        let lo = _mm_shuffle_epi8(lut_lo(), _mm_and_si128(s, mask_2f));
        let hi = _mm_shuffle_epi8(lut_hi(), hi_nibbles);
        let clean = _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());
        let digits = _mm_movemask_epi8(clean) as u32;
        let eq_2f = _mm_cmpeq_epi8(s, mask_2f);
        let roll = _mm_shuffle_epi8(lut_roll(), _mm_add_epi8(eq_2f, hi_nibbles));
        let values = _mm_add_epi8(s, roll);
        // 6-bit values to 12-bit pairs, to 24-bit lanes, to 12 bytes.
        let pairs = _mm_maddubs_epi16(values, _mm_set1_epi32(0x0140_0140));
        let lanes = _mm_madd_epi16(pairs, _mm_set1_epi32(0x0001_1000));
        (digits, _mm_shuffle_epi8(lanes, pack()))
    }

    /// Stores a decoded block of sixteen digits (twelve bytes and four of scratch) at group
    /// `group` of `out`; false when `out` has no room for it.
    #[target_feature(enable = "ssse3")]
    fn store16(out: &mut [u8], group: usize, bytes: __m128i) -> bool {
        let Some(room) = out.get_mut(group * 3..group * 3 + 16) else {
            return false;
        };
        // SAFETY: `room` is 16 bytes long (an unaligned store).
        unsafe { _mm_storeu_si128(room.as_mut_ptr().cast::<__m128i>(), bytes) };
        true
    }

    /// Sixteen digits at a time from group `group` on; then the digits before the first
    /// other byte, as one block that ends there (overlapping groups already decoded, with the
    /// same bytes). The number of groups decoded in all.
    #[target_feature(enable = "ssse3")]
    fn blocks16(encoded: &[u8], out: &mut [u8], mut group: usize) -> usize {
        while let Some(text) = encoded.get(group * 4..group * 4 + 16) {
            let text: &[u8; 16] = text.try_into().expect("16 bytes");
            let (digits, bytes) = block16(text);
            if digits != 0xFFFF {
                // Whole groups of digits up to the first other byte, as one last block.
                let end = (group * 4 + (!digits).trailing_zeros() as usize) / 4;
                if end > group && end >= 4 {
                    let text = &encoded[end * 4 - 16..end * 4];
                    let (_, bytes) = block16(text.try_into().expect("16 bytes"));
                    if store16(out, end - 4, bytes) {
                        return end;
                    }
                }
                return group;
            }
            if !store16(out, group, bytes) {
                return group;
            }
            group += 4;
        }
        group
    }

    /// [`super::decode_blocks`] with SSSE3.
    #[target_feature(enable = "ssse3")]
    pub fn decode_ssse3(encoded: &[u8], out: &mut [u8]) -> usize {
        blocks16(encoded, out, 0)
    }

    /// [`super::decode_blocks`] with AVX2: thirty-two digits at a time, then as with SSSE3.
    #[target_feature(enable = "avx2")]
    pub fn decode_avx2(encoded: &[u8], out: &mut [u8]) -> usize {
        let (lut_lo, lut_hi, lut_roll) = (lut_lo(), lut_hi(), lut_roll());
        let lut_lo = _mm256_setr_m128i(lut_lo, lut_lo);
        let lut_hi = _mm256_setr_m128i(lut_hi, lut_hi);
        let lut_roll = _mm256_setr_m128i(lut_roll, lut_roll);
        let pack = pack();
        let pack = _mm256_setr_m128i(pack, pack);
        // The twelve bytes of each half next to each other, then eight of scratch.
        let gather = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
        let mask_2f = _mm256_set1_epi8(0x2f);
        let mut group = 0;
        while let (Some(text), Some(room)) = (
            encoded.get(group * 4..group * 4 + 32),
            out.get_mut(group * 3..group * 3 + 32),
        ) {
            // SAFETY: `text` is 32 bytes long (an unaligned load).
            let s = unsafe { _mm256_loadu_si256(text.as_ptr().cast::<__m256i>()) };
            let hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(s, 4), mask_2f);
            let lo = _mm256_shuffle_epi8(lut_lo, _mm256_and_si256(s, mask_2f));
            let hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
            let clean = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
            if _mm256_movemask_epi8(clean) != -1 {
                break;
            }
            let eq_2f = _mm256_cmpeq_epi8(s, mask_2f);
            let roll = _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(eq_2f, hi_nibbles));
            let values = _mm256_add_epi8(s, roll);
            let pairs = _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x0140_0140));
            let lanes = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_1000));
            let bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(lanes, pack), gather);
            // SAFETY: `room` is 32 bytes long (an unaligned store).
            unsafe { _mm256_storeu_si256(room.as_mut_ptr().cast::<__m256i>(), bytes) };
            group += 8;
        }
        blocks16(encoded, out, group)
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::super::body::scalar_groups;
    use proptest::prelude::*;

    /// One level of vector instructions.
    type Level = unsafe fn(&[u8], &mut [u8]) -> usize;

    proptest! {
        /// Each level the CPU has decodes groups as the scalar decoder does, and the scalar
        /// decoder then ends where it alone would have.
        #[test]
        fn each_level_decodes_as_scalar(
            data in proptest::collection::vec(any::<u8>(), 0..200),
            stray in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            room in 0usize..300,
        ) {
            let mut encoded = data_encoding::BASE64.encode(&data).into_bytes();
            for (at, byte) in stray {
                let i = at.index(encoded.len() + 1);
                encoded.insert(i, byte);
            }
            let mut want = vec![0u8; room];
            let all = scalar_groups(&encoded, &mut want);
            let mut levels: Vec<Level> = Vec::new();
            if std::arch::is_x86_feature_detected!("ssse3") {
                levels.push(super::x86::decode_ssse3);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                levels.push(super::x86::decode_avx2);
            }
            for level in levels {
                let mut got = vec![0u8; room];
                // SAFETY: the CPU has the level's instructions (checked above).
                let groups = unsafe { level(&encoded, &mut got) };
                prop_assert!(groups <= all);
                let rest = scalar_groups(&encoded[groups * 4..], &mut got[groups * 3..]);
                prop_assert_eq!(groups + rest, all);
                prop_assert_eq!(&got[..all * 3], &want[..all * 3]);
            }
        }
    }
}

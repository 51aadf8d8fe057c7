//! Base64 digits sixteen at a time (SSSE3, checked at run time): the lookup and packing of
//! Muła and Lemire ("Faster Base64 Encoding and Decoding using AVX2 Instructions", 2018),
//! on 128-bit vectors. Only whole blocks of sixteen digits are decoded here; whatever else
//! (line breaks, padding, a short tail) is left to the scalar decoder in [`super::body`].

/// Decodes whole blocks of sixteen base64 digits from the start of `encoded` into `out`, up to
/// the first block with anything but a digit in it or the first block whose twelve bytes (and
/// four bytes of scratch after them) do not fit in `out`: the number of groups of four digits
/// decoded (a multiple of four). Nothing is decoded on a CPU without SSSE3.
pub fn decode_blocks(encoded: &[u8], out: &mut [u8]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("ssse3") {
        // SAFETY: the CPU has SSSE3 (checked just above).
        return unsafe { x86::decode_blocks(encoded, out) };
    }
    let _ = (encoded, out);
    0
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_madd_epi16,
        _mm_maddubs_epi16, _mm_movemask_epi8, _mm_set1_epi32, _mm_set1_epi8, _mm_setr_epi8,
        _mm_setzero_si128, _mm_shuffle_epi8, _mm_srli_epi32, _mm_storeu_si128,
    };

    /// See [`super::decode_blocks`].
    #[target_feature(enable = "ssse3")]
    pub fn decode_blocks(encoded: &[u8], out: &mut [u8]) -> usize {
        // Per low nibble and per high nibble, bit sets whose intersection is empty exactly
        // for the 64 digits; per high nibble (one less for '/'), what to add to a digit.
        let lut_lo = _mm_setr_epi8(
            0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B,
            0x1B, 0x1A,
        );
        let lut_hi = _mm_setr_epi8(
            0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
            0x10, 0x10,
        );
        let lut_roll = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
        let mask_2f = _mm_set1_epi8(0x2f);
        // The three bytes of each 32-bit lane, big-endian, then four bytes of scratch.
        let pack = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
        let mut blocks = 0;
        while let (Some(text), Some(room)) = (
            encoded.get(blocks * 16..blocks * 16 + 16),
            out.get_mut(blocks * 12..blocks * 12 + 16),
        ) {
            // SAFETY: `text` is 16 bytes long (an unaligned load).
            let s = unsafe { _mm_loadu_si128(text.as_ptr().cast::<__m128i>()) };
            let hi_nibbles = _mm_and_si128(_mm_srli_epi32(s, 4), mask_2f);
            let lo = _mm_shuffle_epi8(lut_lo, _mm_and_si128(s, mask_2f));
            let hi = _mm_shuffle_epi8(lut_hi, hi_nibbles);
            let clean = _mm_cmpeq_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128());
            if _mm_movemask_epi8(clean) != 0xFFFF {
                break;
            }
            let eq_2f = _mm_cmpeq_epi8(s, mask_2f);
            let values = _mm_add_epi8(
                s,
                _mm_shuffle_epi8(lut_roll, _mm_add_epi8(eq_2f, hi_nibbles)),
            );
            // 6-bit values to 12-bit pairs, to 24-bit lanes, to 12 bytes.
            let pairs = _mm_maddubs_epi16(values, _mm_set1_epi32(0x0140_0140));
            let lanes = _mm_madd_epi16(pairs, _mm_set1_epi32(0x0001_1000));
            let bytes = _mm_shuffle_epi8(lanes, pack);
            // SAFETY: `room` is 16 bytes long (an unaligned store).
            unsafe { _mm_storeu_si128(room.as_mut_ptr().cast::<__m128i>(), bytes) };
            blocks += 1;
        }
        blocks * 4
    }
}

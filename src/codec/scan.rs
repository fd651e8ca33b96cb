//! Word-at-a-time byte searches for the decoders' hot paths.
//!
//! Owns the eight-bytes-per-step scanning primitive ([`find_by`]) and the searches built on it
//! that look for the bytes a control line treats specially: line ends (CR, LF), NUL and Telnet
//! IAC (RFC 959 §4.1, RFC 854). It knows nothing of lines, commands or replies.
//!
//! A search is a function `marks(word) -> u64` that sets the high bit (0x80) of the bytes of
//! a 64-bit word it is looking for. It may also set marks *above* a byte it is looking for
//! (the borrow of a subtraction runs upwards), never below one, so the lowest mark of a word is
//! always exact; the word is read little-endian, so `trailing_zeros / 8` is its index. Two
//! such tests or-ed together keep that property: a false mark of either test lies above a true
//! mark of the same test. No `unsafe`.

/// 0x01 in every byte.
const LO: u64 = 0x0101_0101_0101_0101;
/// 0x80 in every byte.
const HI: u64 = 0x8080_8080_8080_8080;

/// Marks the zero bytes of `v` (the classic `(v - 0x01..) & !v & 0x80..`).
#[inline(always)]
pub(crate) const fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(LO) & !v & HI
}

/// Marks the bytes of `v` below `n` (`n <= 0x80`).
#[inline(always)]
pub(crate) const fn bytes_below(v: u64, n: u8) -> u64 {
    v.wrapping_sub(LO * n as u64) & !v & HI
}

/// Marks the bytes of `v` equal to `x`.
#[inline(always)]
pub(crate) const fn bytes_equal(v: u64, x: u8) -> u64 {
    zero_bytes(v ^ (LO * x as u64))
}

/// The index of the first byte of `haystack` that `marks` marks (see the module doc).
///
/// Whole words are read with `u64::from_le_bytes`; the last partial word is the final eight
/// bytes shifted down (when the haystack has eight bytes or more) or the tail alone, with the
/// marks beyond the haystack masked off.
#[inline(always)]
pub(crate) fn find_by(haystack: &[u8], marks: impl Fn(u64) -> u64) -> Option<usize> {
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let hits = marks(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        if hits != 0 {
            return Some(offset + (hits.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = chunks.remainder();
    if tail.is_empty() {
        return None;
    }
    // With eight bytes or more, the final eight (overlapping bytes already searched) shifted
    // down so that the tail's first byte is byte 0; otherwise the tail alone. Either way the
    // upper bytes are zero, and `tail.len()` is 1..=7, so the mask keeps the tail's marks only.
    let word = match haystack.len().checked_sub(8) {
        Some(start) => {
            let last = haystack[start..].try_into().unwrap_or([0; 8]);
            u64::from_le_bytes(last) >> ((8 - tail.len()) * 8)
        }
        None => tail
            .iter()
            .rev()
            .fold(0u64, |word, &b| (word << 8) | u64::from(b)),
    };
    let hits = marks(word) & ((1u64 << (tail.len() * 8)) - 1);
    (hits != 0).then(|| offset + (hits.trailing_zeros() / 8) as usize)
}

/// The first byte below 0x0E (NUL, the C0 controls up to CR: LF and CR among them) or equal to
/// 0xFF (Telnet IAC). A line that has none before its line end needs no Telnet handling and
/// holds no byte a command or reply may not carry: this one test per word finds the line end
/// and proves the line clean at the same time.
#[inline(always)]
pub(crate) fn find_control_or_iac(haystack: &[u8]) -> Option<usize> {
    find_by(haystack, |v| bytes_below(v, 0x0E) | zero_bytes(!v))
}

/// The first CR, LF or NUL: bytes no argument or reply text may carry (RFC 959 §4.1.3
/// `<char>`). One test per word finds every byte below 0x0E; other control bytes among those
/// (TAB, for example, is allowed) are stepped over.
#[inline(always)]
pub(crate) fn find_line_break(haystack: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let i = from + find_by(&haystack[from..], |v| bytes_below(v, 0x0E))?;
        if matches!(haystack[i], b'\r' | b'\n' | 0) {
            return Some(i);
        }
        from = i + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn naive(haystack: &[u8], want: impl Fn(u8) -> bool) -> Option<usize> {
        haystack.iter().position(|&b| want(b))
    }

    #[test]
    fn each_length_and_position() {
        for len in 0..40 {
            for at in 0..len {
                for b in [0u8, b'\t', b'\n', b'\r', 0x0D, 0x0E, 0x7F, 0x80, 0xFE, 0xFF] {
                    let mut h: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    h[at] = b;
                    let control = b < 0x0E || b == 0xFF;
                    assert_eq!(find_control_or_iac(&h), control.then_some(at), "{h:?}");
                    let brk = matches!(b, b'\r' | b'\n' | 0);
                    assert_eq!(find_line_break(&h), brk.then_some(at), "{h:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_a_byte_loop(h in proptest::collection::vec(
            prop_oneof![Just(0u8), Just(b'\t'), Just(b'\n'), Just(b'\r'), Just(0x0E),
                        Just(0xFF), Just(0xFE), Just(0x80), any::<u8>(), 0x20u8..0x7F],
            0..64,
        )) {
            prop_assert_eq!(find_control_or_iac(&h), naive(&h, |b| b < 0x0E || b == 0xFF));
            prop_assert_eq!(find_line_break(&h), naive(&h, |b| matches!(b, b'\r' | b'\n' | 0)));
            prop_assert_eq!(
                find_by(&h, |v| bytes_equal(v, b'\r') | bytes_equal(v, 0xFF)),
                naive(&h, |b| b == b'\r' || b == 0xFF)
            );
        }
    }
}

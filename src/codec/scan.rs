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
//! mark of the same test. No `unsafe`, no SIMD: eight bytes per step in plain integers, which
//! every target (wasm32, thumbv7em) runs.

/// 0x01 in every byte.
pub(crate) const LO: u64 = 0x0101_0101_0101_0101;
/// 0x80 in every byte.
pub(crate) const HI: u64 = 0x8080_8080_8080_8080;

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

/// Eight bytes as a little-endian word (byte 0 lowest).
#[inline(always)]
fn word(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8]))
}

/// The last partial word of `haystack`, whose final `tail` bytes (1 to 7) the whole words
/// did not cover, with its first byte as byte 0 and zeros above: the final eight bytes shifted
/// down when there are eight or more (no copy), otherwise the bytes themselves.
#[inline(always)]
fn tail_word(haystack: &[u8], tail: usize) -> u64 {
    match haystack.len().checked_sub(8) {
        Some(start) => word(&haystack[start..]) >> ((8 - tail) * 8),
        None => haystack
            .iter()
            .rev()
            .fold(0u64, |word, &b| (word << 8) | u64::from(b)),
    }
}

/// The index of the first byte of `haystack` that `marks` marks (see the module doc).
#[inline(always)]
pub(crate) fn find_by(haystack: &[u8], marks: impl Fn(u64) -> u64) -> Option<usize> {
    find_prefiltered(haystack, &marks, |_| true, &marks)
}

/// The index of the first byte of `haystack` that `exact` marks (`is_stop` says the same of
/// one byte), eight bytes per step, with a cheaper prefilter.
///
/// `maybe` marks a superset of those bytes (its lowest mark exact): when the first byte it
/// marks in a word is a stop byte (at a line end, nearly always), that is the answer, and
/// `exact` only runs on the rare words that hold another candidate (a tab, a byte above
/// 0x7F). With `maybe` = `exact` and `is_stop` always true, this is a plain search
/// ([`find_by`]). The last partial word is read by [`tail_word`] and its marks beyond the
/// haystack masked off.
#[inline(always)]
pub(crate) fn find_prefiltered(
    haystack: &[u8],
    maybe: impl Fn(u64) -> u64,
    is_stop: impl Fn(u8) -> bool,
    exact: impl Fn(u64) -> u64,
) -> Option<usize> {
    let mut words = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut words {
        let v = word(chunk);
        let candidates = maybe(v);
        if candidates != 0 {
            // The first candidate, read from the word (little-endian: byte k is bits 8k..).
            let bit = candidates.trailing_zeros() & !7;
            if is_stop((v >> bit) as u8) {
                return Some(offset + (bit / 8) as usize);
            }
            let hits = exact(v);
            if hits != 0 {
                return Some(offset + (hits.trailing_zeros() / 8) as usize);
            }
        }
        offset += 8;
    }
    let tail = words.remainder().len();
    if tail == 0 {
        return None;
    }
    let hits = exact(tail_word(haystack, tail)) & ((1u64 << (tail * 8)) - 1);
    (hits != 0).then(|| offset + (hits.trailing_zeros() / 8) as usize)
}

/// The position of the first byte of `haystack` equal to one of `needles`: the marks of
/// [`bytes_equal`] for each needle, or-ed.
#[inline(always)]
pub(crate) fn find_any<const N: usize>(haystack: &[u8], needles: [u8; N]) -> Option<usize> {
    find_by(haystack, |v| {
        needles
            .iter()
            .fold(0, |marks, &n| marks | bytes_equal(v, n))
    })
}

/// The position of the first byte of `haystack` equal to `a`, `b` or `c` ([`find_any`]).
#[inline]
pub(crate) fn find3(haystack: &[u8], a: u8, b: u8, c: u8) -> Option<usize> {
    find_any(haystack, [a, b, c])
}

/// Marks the bytes of `v` that are 0x00 or 0xFF (NUL or Telnet IAC): the bytes whose eight
/// bits are all equal. `v ^ (v >> 1)` compares each bit with the next one up; masked to seven
/// bits per byte, every comparison stays within its byte, and a byte of it is zero exactly
/// when its byte of `v` has all bits equal. Six operations, where testing the two values
/// apart takes nine.
#[inline(always)]
pub(crate) const fn nul_or_iac_bytes(v: u64) -> u64 {
    zero_bytes((v ^ (v >> 1)) & !HI)
}

/// The first NUL or IAC of a long haystack (a whole received chunk, which the line framer
/// copies in one piece when it holds neither): [`nul_or_iac_bytes`] two words per step, so
/// that there is one branch per sixteen bytes, then the last fifteen bytes at most. Kept for
/// long haystacks because on short ones (most lines) the wider step costs more than it saves.
#[inline(always)]
pub(crate) fn find_nul_or_iac_wide(haystack: &[u8]) -> Option<usize> {
    let mut pairs = haystack.chunks_exact(16);
    let mut offset = 0;
    for pair in &mut pairs {
        let (lo, hi) = pair.split_at(8);
        let (lo, hi) = (nul_or_iac_bytes(word(lo)), nul_or_iac_bytes(word(hi)));
        if lo | hi != 0 {
            let at = if lo != 0 {
                lo.trailing_zeros()
            } else {
                64 + hi.trailing_zeros()
            };
            return Some(offset + (at / 8) as usize);
        }
        offset += 16;
    }
    find_by(pairs.remainder(), nul_or_iac_bytes).map(|i| offset + i)
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
                    let nul_or_iac = b == 0 || b == 0xFF;
                    assert_eq!(find_nul_or_iac_wide(&h), nul_or_iac.then_some(at), "{h:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_a_byte_loop(h in proptest::collection::vec(
            prop_oneof![Just(0u8), Just(b'\t'), Just(b'\n'), Just(b'\r'), Just(0x0E),
                        Just(0xFF), Just(0xFE), Just(0x80), any::<u8>(), 0x20u8..0x7F],
            0..80,
        )) {
            prop_assert_eq!(find_control_or_iac(&h), naive(&h, |b| b < 0x0E || b == 0xFF));
            prop_assert_eq!(find_line_break(&h), naive(&h, |b| matches!(b, b'\r' | b'\n' | 0)));
            prop_assert_eq!(
                find_by(&h, |v| bytes_equal(v, b'\r') | bytes_equal(v, 0xFF)),
                naive(&h, |b| b == b'\r' || b == 0xFF)
            );
            prop_assert_eq!(find_nul_or_iac_wide(&h), naive(&h, |b| b == 0 || b == 0xFF));
            prop_assert_eq!(find_any(&h, [b'\n', b'\t']), naive(&h, |b| b == b'\n' || b == b'\t'));
        }
    }
}

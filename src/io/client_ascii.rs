//! `TYPE A` for the client adapters (RFC 959 §3.1.1.1): a file crosses the data connection
//! as NVT-ASCII lines ending in CRLF and is kept locally with the local line end, LF.
//!
//! Owns the two streaming conversions the client adapters apply to `RETR`/`STOR`/`APPE`/
//! `STOU` bytes while `TYPE A` is in force: [`CrlfToLf`] for downloads (a CR at the end of
//! one buffer waits for the next byte, so a CRLF split across reads still becomes one LF)
//! and [`lf_to_crlf`] for uploads. Must not decide when they apply (the adapters follow the
//! type the caller set) and must not touch listings (LIST/NLST/MLSD reach the caller as
//! sent, CRLF included).

use std::vec::Vec;

/// Download conversion: every CRLF becomes LF; a CR not followed by LF is kept as data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct CrlfToLf {
    /// The previous buffer ended in CR: whether it is a line end depends on the next byte.
    held_cr: bool,
}

impl CrlfToLf {
    /// Appends the conversion of the next received bytes to `out`.
    pub(crate) fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        if input.is_empty() {
            // Nothing decides a held CR yet.
            return;
        }
        out.reserve(input.len() + 1);
        let mut rest = input;
        if self.held_cr {
            self.held_cr = false;
            if rest.first() != Some(&b'\n') {
                out.push(b'\r');
            }
        }
        while let Some(i) = rest.iter().position(|b| *b == b'\r') {
            out.extend_from_slice(rest.get(..i).unwrap_or_default());
            match rest.get(i + 1) {
                // CRLF: the LF is copied with the next run.
                Some(b'\n') => {}
                Some(_) => out.push(b'\r'),
                None => self.held_cr = true,
            }
            rest = rest.get(i + 1..).unwrap_or_default();
        }
        out.extend_from_slice(rest);
    }

    /// The data ended: a CR still held was data (appended to `out`).
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) {
        if core::mem::take(&mut self.held_cr) {
            out.push(b'\r');
        }
    }
}

/// Upload conversion: every LF of the local file goes out as CRLF (stateless: a LF needs no
/// look-behind, so any split of the input converts the same).
pub(crate) fn lf_to_crlf(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len() + input.len() / 16);
    let mut rest = input;
    while let Some(i) = rest.iter().position(|b| *b == b'\n') {
        out.extend_from_slice(rest.get(..i).unwrap_or_default());
        out.extend_from_slice(b"\r\n");
        rest = rest.get(i + 1..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn download(chunks: &[&[u8]]) -> Vec<u8> {
        let mut c = CrlfToLf::default();
        let mut out = Vec::new();
        for chunk in chunks {
            c.convert(chunk, &mut out);
        }
        c.finish(&mut out);
        out
    }

    #[test]
    fn crlf_becomes_lf_and_a_lone_cr_stays() {
        assert_eq!(download(&[b"a\r\nb\r\n"]), b"a\nb\n");
        assert_eq!(download(&[b"a\rb\r\r\nc\r"]), b"a\rb\r\nc\r");
        assert_eq!(download(&[b"a\r", b"\nb"]), b"a\nb");
        assert_eq!(download(&[b"a\r", b"", b"\r", b"\n"]), b"a\r\n");
        assert_eq!(download(&[b"\n\n"]), b"\n\n");
    }

    #[test]
    fn every_lf_goes_out_as_crlf() {
        let mut out = Vec::new();
        lf_to_crlf(b"one\ntwo\n\nthree", &mut out);
        assert_eq!(out, b"one\r\ntwo\r\n\r\nthree");
    }

    /// The whole-buffer reference: CRLF -> LF.
    fn reference_download(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            if input[i] == b'\r' && input.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            out.push(input[i]);
            i += 1;
        }
        out
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        // Mostly CR, LF and letters, so that line ends meet every split.
        proptest::collection::vec(
            prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a'), any::<u8>()],
            0..200,
        )
    }

    proptest! {
        #[test]
        fn download_conversion_is_the_same_split_anywhere(
            input in bytes(),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
        ) {
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
            at.sort_unstable();
            let mut chunks = Vec::new();
            let mut from = 0;
            for cut in at {
                chunks.push(&input[from..cut]);
                from = cut;
            }
            chunks.push(&input[from..]);
            prop_assert_eq!(download(&chunks), reference_download(&input));
        }

        #[test]
        fn upload_conversion_is_the_same_split_anywhere_and_round_trips(
            input in bytes(),
            cut in any::<prop::sample::Index>(),
        ) {
            let cut = cut.index(input.len() + 1);
            let mut whole = Vec::new();
            lf_to_crlf(&input, &mut whole);
            let mut split = Vec::new();
            lf_to_crlf(&input[..cut], &mut split);
            lf_to_crlf(&input[cut..], &mut split);
            prop_assert_eq!(&split, &whole);
            // A file without CR comes back as it was.
            if !input.contains(&b'\r') {
                prop_assert_eq!(download(&[&whole]), input);
            }
        }
    }
}

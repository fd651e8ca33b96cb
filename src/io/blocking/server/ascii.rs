//! `TYPE A` (RFC 959 §3.1.1.1): files cross the data connection as NVT-ASCII lines ending in
//! CRLF, and are stored with the local (Unix) line end, LF.
//!
//! Owns the two stream conversions. Must not decide when they apply (the session machine's
//! transfer type does) and must not touch listings (LIST/NLST/MLSD are built with CRLF).

use std::io::{self, Read, Write};
use std::vec::Vec;

/// A download in ASCII: every LF of the file goes out as CRLF.
pub(super) struct ToNetwork<R> {
    inner: R,
    pending: Vec<u8>,
    at: usize,
    raw: Vec<u8>,
}

impl<R: Read> ToNetwork<R> {
    pub fn new(inner: R) -> Self {
        ToNetwork {
            inner,
            pending: Vec::new(),
            at: 0,
            raw: std::vec![0u8; 64 * 1024],
        }
    }
}

impl<R: Read> Read for ToNetwork<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.pending.len() {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                return Ok(0);
            }
            self.pending.clear();
            self.at = 0;
            for &b in self.raw.get(..n).unwrap_or(&[]) {
                if b == b'\n' {
                    self.pending.push(b'\r');
                }
                self.pending.push(b);
            }
        }
        let avail = self.pending.get(self.at..).unwrap_or(&[]);
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}

/// An upload in ASCII: every CRLF that arrives is stored as LF; a CR not followed by LF is
/// kept. A CR at the end of one read waits for the next byte.
pub(super) struct FromNetwork<W> {
    inner: W,
    held_cr: bool,
    out: Vec<u8>,
}

impl<W: Write> FromNetwork<W> {
    pub fn new(inner: W) -> Self {
        FromNetwork {
            inner,
            held_cr: false,
            out: Vec::new(),
        }
    }
}

impl<W: Write> Write for FromNetwork<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.clear();
        for &b in buf {
            if self.held_cr {
                self.held_cr = false;
                if b != b'\n' {
                    self.out.push(b'\r');
                }
            }
            if b == b'\r' {
                self.held_cr = true;
            } else {
                self.out.push(b);
            }
        }
        self.inner.write_all(&self.out)?;
        Ok(buf.len())
    }

    /// The end of the stream: a CR still held is data.
    fn flush(&mut self) -> io::Result<()> {
        if self.held_cr {
            self.held_cr = false;
            self.inner.write_all(b"\r")?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_turns_lf_into_crlf_across_reads() {
        let mut r = ToNetwork::new(&b"a\nbb\n\nc\r\n"[..]);
        let mut out = Vec::new();
        let mut small = [0u8; 3];
        loop {
            let n = r.read(&mut small).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&small[..n]);
        }
        assert_eq!(out, b"a\r\nbb\r\n\r\nc\r\r\n");
    }

    #[test]
    fn upload_turns_crlf_into_lf_even_split_between_writes() {
        let mut stored = Vec::new();
        {
            let mut w = FromNetwork::new(&mut stored);
            for chunk in [&b"line1\r"[..], b"\nline2\r\n", b"lone\rcr", b"\r"] {
                w.write_all(chunk).unwrap();
            }
            w.flush().unwrap();
        }
        assert_eq!(stored, b"line1\nline2\nlone\rcr\r");
    }
}

//! `TYPE A` (RFC 959 §3.1.1.1): files cross the data connection as NVT-ASCII lines ending in
//! CRLF, and are stored with the local (Unix) line end, LF.
//!
//! Owns the two stream conversions and the sizes and offsets they imply: `SIZE` under TYPE A
//! counts the octets as transferred, CRLF expanded, and a `REST` offset in ASCII mode counts
//! transferred octets too (RFC 3659 §4, §5.2). Must not decide when they apply (the session
//! machine's transfer type does) and must not touch listings (LIST/NLST/MLSD are built with
//! CRLF).

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

    /// A restarted download from a [`Located`] point: `inner` is positioned at its
    /// `file_offset`; when the point lies between the CR and the LF of a line end, the
    /// first LF goes out without its CR (the client has that CR already).
    pub fn resumed(inner: R, at: Located) -> Self {
        let mut t = ToNetwork::new(inner);
        if at.inside_line_end {
            let mut first = [0u8; 1];
            if let Ok(1) = t.inner.read(&mut first) {
                t.pending.push(first[0]);
            }
        }
        t
    }
}

/// A point in a file named by an offset in its transferred (CRLF) form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Located {
    /// Where in the stored file the point is.
    pub file_offset: u64,
    /// The point lies between the CR and the LF that stand for the stored LF at
    /// `file_offset`.
    pub inside_line_end: bool,
}

/// The size of `file` as transferred under TYPE A: every stored LF goes out as CRLF
/// (RFC 3659 §4: "the exact number of octets ... that would be transmitted").
pub(super) fn network_size(mut file: impl Read) -> io::Result<u64> {
    let mut buf = std::vec![0u8; 64 * 1024];
    let mut n = 0u64;
    loop {
        let got = match file.read(&mut buf) {
            Ok(0) => return Ok(n),
            Ok(got) => got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..got).unwrap_or(&[]);
        let lfs = chunk.iter().filter(|&&b| b == b'\n').count();
        n = n.saturating_add((got + lfs) as u64);
    }
}

/// Where transferred offset `offset` (a `REST` in ASCII mode, RFC 3659 §5.2) falls in
/// `file`, read from its start; `None` when it lies past the end of the transferred form.
pub(super) fn locate(mut file: impl Read, offset: u64) -> io::Result<Option<Located>> {
    let mut buf = std::vec![0u8; 64 * 1024];
    let mut net = 0u64; // transferred octets before file position `pos`
    let mut pos = 0u64;
    loop {
        if net == offset {
            return Ok(Some(Located {
                file_offset: pos,
                inside_line_end: false,
            }));
        }
        let got = match file.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(got) => got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = buf.get(..got).unwrap_or(&[]);
        let lfs = chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        if net + got as u64 + lfs <= offset {
            // The whole chunk lies before the point.
            net += got as u64 + lfs;
            pos += got as u64;
            continue;
        }
        for &b in chunk {
            if net == offset {
                return Ok(Some(Located {
                    file_offset: pos,
                    inside_line_end: false,
                }));
            }
            if b == b'\n' {
                if net + 1 == offset {
                    return Ok(Some(Located {
                        file_offset: pos,
                        inside_line_end: true,
                    }));
                }
                net += 2;
            } else {
                net += 1;
            }
            pos += 1;
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
    fn network_size_counts_each_lf_twice() {
        // RFC 3659 §4: the size as transferred. 3 line ends -> 3 more octets.
        assert_eq!(network_size(&b"a\nbb\n\nc"[..]).unwrap(), 7 + 3);
        assert_eq!(network_size(&b""[..]).unwrap(), 0);
        let big: Vec<u8> = (0..200_000)
            .map(|i| if i % 10 == 9 { b'\n' } else { b'x' })
            .collect();
        assert_eq!(network_size(&big[..]).unwrap(), 220_000);
    }

    /// Every transferred offset of a file: `locate` + `resumed` gives exactly the tail of
    /// the full transferred form (REST n + RETR under TYPE A, RFC 3659 §5.2).
    #[test]
    fn every_ascii_restart_point_yields_the_tail_of_the_transferred_form() {
        let file = b"ab\n\ncd\r\ne\n";
        let mut full = Vec::new();
        ToNetwork::new(&file[..]).read_to_end(&mut full).unwrap();
        assert_eq!(full.len() as u64, network_size(&file[..]).unwrap());
        for n in 0..=full.len() {
            let at = locate(&file[..], n as u64).unwrap().unwrap();
            let rest = &file[at.file_offset as usize..];
            let mut got = Vec::new();
            ToNetwork::resumed(rest, at).read_to_end(&mut got).unwrap();
            assert_eq!(got, &full[n..], "offset {n}");
        }
        assert_eq!(locate(&file[..], full.len() as u64 + 1).unwrap(), None);
        // A point between the CR and LF of a line end: the stored LF itself.
        assert_eq!(
            locate(&file[..], 3).unwrap(),
            Some(Located {
                file_offset: 2,
                inside_line_end: true
            })
        );
    }

    /// REST n + STOR under TYPE A: the file cut at the located point, then the rest of the
    /// transferred form written through `FromNetwork`, is the whole upload.
    #[test]
    fn every_ascii_restart_point_of_an_upload_rebuilds_the_file() {
        let wire = b"one\r\ntwo\r\n\r\nthree";
        let mut whole = Vec::new();
        {
            let mut w = FromNetwork::new(&mut whole);
            w.write_all(wire).unwrap();
            w.flush().unwrap();
        }
        for n in 0..=wire.len() {
            let at = locate(&whole[..], n as u64).unwrap().unwrap();
            let mut stored = whole[..at.file_offset as usize].to_vec();
            {
                let mut w = FromNetwork::new(&mut stored);
                w.write_all(&wire[n..]).unwrap();
                w.flush().unwrap();
            }
            assert_eq!(stored, whole, "offset {n}");
        }
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

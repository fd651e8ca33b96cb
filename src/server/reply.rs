//! Reply formatting for the session: the exact wire form of single- and multi-line replies
//! (RFC 959 §4.2), `257` path quoting (RFC 959 Appendix II) and the `227`/`229` payloads.
//!
//! Owns only byte formatting. Texts come from validated [`crate::types`] values, so no line
//! break can reach the wire from here (a CR of a path name, RFC 2640 §3.1, is written as a
//! space: a reply line cannot carry it); `0xFF` is doubled (`IAC IAC`, RFC 959 §4.1). It must
//! not decide which reply to send.

use alloc::vec::Vec;
use core::fmt::Write as _;
use core::net::Ipv4Addr;

use crate::types::ReplyCode;

/// A reply being built in a byte buffer.
pub(crate) struct ReplyWriter {
    bytes: Vec<u8>,
}

impl ReplyWriter {
    pub(crate) fn new() -> Self {
        ReplyWriter { bytes: Vec::new() }
    }

    /// A single-line reply `ddd text CRLF`.
    pub(crate) fn line(mut self, code: ReplyCode, text: &[u8]) -> Self {
        self.bytes.extend_from_slice(&code.digits());
        self.bytes.push(b' ');
        self.push_text(text);
        self.bytes.extend_from_slice(b"\r\n");
        self
    }

    /// The first line of a multi-line reply `ddd-text CRLF`.
    pub(crate) fn first(mut self, code: ReplyCode, text: &[u8]) -> Self {
        self.bytes.extend_from_slice(&code.digits());
        self.bytes.push(b'-');
        self.push_text(text);
        self.bytes.extend_from_slice(b"\r\n");
        self
    }

    /// A middle line of a multi-line reply, always started with a space so it can never be
    /// read as the last line (RFC 959 §4.2).
    pub(crate) fn middle(mut self, text: &[u8]) -> Self {
        self.bytes.push(b' ');
        self.push_text(text);
        self.bytes.extend_from_slice(b"\r\n");
        self
    }

    /// A `257 "path" text` reply, quotes in the path doubled (RFC 959 Appendix II).
    pub(crate) fn pathname(mut self, code: ReplyCode, path: &[u8], text: &[u8]) -> Self {
        self.bytes.extend_from_slice(&code.digits());
        self.bytes.extend_from_slice(b" \"");
        for &b in path {
            if b == b'"' {
                self.bytes.extend_from_slice(b"\"\"");
            } else {
                self.push_byte(b);
            }
        }
        self.bytes.extend_from_slice(b"\" ");
        self.push_text(text);
        self.bytes.extend_from_slice(b"\r\n");
        self
    }

    /// A reply whose text is formatted (numbers, addresses; never user bytes).
    pub(crate) fn formatted(mut self, code: ReplyCode, args: core::fmt::Arguments<'_>) -> Self {
        let mut s = alloc::string::String::new();
        let _ = s.write_fmt(args);
        self = self.line(code, s.as_bytes());
        self
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.bytes
    }

    fn push_text(&mut self, text: &[u8]) {
        for &b in text {
            self.push_byte(b);
        }
    }

    fn push_byte(&mut self, b: u8) {
        // Validated values never hold LF or NUL, and only a path name a CR; keep a reply line
        // free of all three even for formatted text.
        match b {
            b'\r' | b'\n' | 0 => self.bytes.push(b' '),
            0xFF => self.bytes.extend_from_slice(&[0xFF, 0xFF]),
            _ => self.bytes.push(b),
        }
    }
}

/// `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).` (RFC 959 §4.1.2).
pub(crate) fn passive(ip: Ipv4Addr, port: u16) -> Vec<u8> {
    let [a, b, c, d] = ip.octets();
    ReplyWriter::new()
        .formatted(
            ReplyCode::ENTERING_PASSIVE,
            format_args!(
                "Entering Passive Mode ({a},{b},{c},{d},{},{}).",
                port >> 8,
                port & 0xFF
            ),
        )
        .finish()
}

/// `229 Entering Extended Passive Mode (|||port|)` (RFC 2428 §3).
pub(crate) fn extended_passive(port: u16) -> Vec<u8> {
    ReplyWriter::new()
        .formatted(
            ReplyCode::ENTERING_EXTENDED_PASSIVE,
            format_args!("Entering Extended Passive Mode (|||{port}|)"),
        )
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_multi_and_quoted() {
        let r = ReplyWriter::new()
            .first(ReplyCode::SYSTEM_STATUS, b"Extensions supported")
            .middle(b"PBSZ")
            .line(ReplyCode::SYSTEM_STATUS, b"End")
            .finish();
        assert_eq!(r, b"211-Extensions supported\r\n PBSZ\r\n211 End\r\n");
        let r = ReplyWriter::new()
            .pathname(
                ReplyCode::PATHNAME_CREATED,
                b"/a \"b\"\xff",
                b"is current directory",
            )
            .finish();
        assert_eq!(r, b"257 \"/a \"\"b\"\"\xff\xff\" is current directory\r\n");
        assert_eq!(
            passive(Ipv4Addr::new(192, 0, 2, 7), 50_001),
            b"227 Entering Passive Mode (192,0,2,7,195,81).\r\n"
        );
        assert_eq!(
            extended_passive(50_001),
            b"229 Entering Extended Passive Mode (|||50001|)\r\n"
        );
    }
}

//! What a transfer's opening reply (125 or 150) says beyond "starting": the `(N bytes)` size
//! hint (not standardised; wu-ftpd, vsftpd, ProFTPD and IIS all send it) and the name a server
//! gave the file of a `STOU` (`FILE: pppp`, RFC 1123 §4.1.2.9).
//!
//! Owns those two payloads only. The size hint must not be trusted as the transfer's size: it
//! is for progress display (the data connection's clean end says when a transfer is complete).

use super::leading_number;
use crate::codec::Reply;
use crate::types::{Pathname, ReplyCode};

/// Whether this is a transfer's opening reply: 125 (data connection already open) or 150.
fn is_opening(reply: &Reply<'_>) -> bool {
    reply.code() == ReplyCode::FILE_STATUS_OK || reply.code() == ReplyCode::DATA_ALREADY_OPEN
}

/// 150 (or 125): the `(N bytes)` size hint many servers put in their opening reply, as in
/// `150 Opening BINARY mode data connection for f (1234 bytes)`. `None` when absent, when
/// the reply has another code, or when the number does not fit `u64`. The last such group in
/// the first line wins (the file name itself may contain one); `bytes` is case-insensitive.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_opening_size_hint};
///
/// let (_, reply) =
///     decode_reply(b"150 Opening BINARY mode data connection for f (1234 bytes).\r\n").unwrap();
/// assert_eq!(parse_opening_size_hint(&reply), Some(1234));
/// ```
pub fn parse_opening_size_hint(reply: &Reply<'_>) -> Option<u64> {
    if !is_opening(reply) {
        return None;
    }
    let text = reply.text();
    (0..text.len())
        .rev()
        .filter(|&i| text[i] == b'(')
        .find_map(|i| size_group(&text[i + 1..]))
}

/// `N bytes)` at the start of `input`.
fn size_group(input: &[u8]) -> Option<u64> {
    let (n, len) = leading_number(input, 20)?;
    let rest = input[len..].strip_prefix(b" ")?;
    let word = rest.get(..6)?;
    (word.eq_ignore_ascii_case(b"bytes)")).then_some(n)
}

/// 125 or 150 after `STOU`: the unique name the server stored the file under. RFC 1123
/// §4.1.2.9 makes the form `125 FILE: pppp` / `150 FILE: pppp` a MUST; vsftpd, ProFTPD and
/// pyftpdlib send exactly that, pure-ftpd puts it on the first line of a multi-line 150
/// (`150-FILE: pureftpd.6b017a9c.4c.0000` / `150 Accepted data connection`). So the first line
/// of the reply whose text starts with `FILE:` (any letter case) names the file, after the
/// spaces that follow the colon (an indented line counts too). `None` for another code, when
/// no line says `FILE:`, or when the name is empty.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_unique_name};
///
/// let (_, reply) = decode_reply(b"150 FILE: upload.1\r\n").unwrap();
/// assert_eq!(parse_unique_name(&reply).unwrap().as_bytes(), b"upload.1");
/// ```
pub fn parse_unique_name<'r>(reply: &'r Reply<'_>) -> Option<Pathname<'r>> {
    if !is_opening(reply) {
        return None;
    }
    reply.text_lines().find_map(|line| {
        // Intermediate lines of a multi-line reply are often indented (RFC 959 §4.2).
        let line = &line[line.iter().position(|&b| b != b' ')?..];
        let (label, rest) = line.split_at_checked(5)?;
        if !label.eq_ignore_ascii_case(b"FILE:") {
            return None;
        }
        let start = rest.iter().position(|&b| b != b' ')?;
        // A reply line holds no CR, LF or NUL, so this cannot fail; `ok` keeps it total.
        Pathname::new(&rest[start..]).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    fn hint(wire: &[u8]) -> Option<u64> {
        parse_opening_size_hint(&decode_reply(wire).unwrap().1)
    }

    fn unique(wire: &[u8]) -> Option<alloc::vec::Vec<u8>> {
        let (_, reply) = decode_reply(wire).unwrap();
        parse_unique_name(&reply).map(|p| p.as_bytes().to_vec())
    }

    #[test]
    fn unique_names_from_real_servers() {
        // Captured after `STOU` (PROT P, passive) on 127.0.0.1, 2026-11-21.
        // vsftpd 3.0.3
        assert_eq!(unique(b"150 FILE: STOU.1\r\n").unwrap(), b"STOU.1");
        // ProFTPD
        assert_eq!(unique(b"150 FILE: ftp5MS918\r\n").unwrap(), b"ftp5MS918");
        // pyftpdlib, data connection already open
        assert_eq!(
            unique(b"125 FILE: ftpd.yrr0ao51\r\n").unwrap(),
            b"ftpd.yrr0ao51"
        );
        // pure-ftpd: the name on the first line of a multi-line 150
        assert_eq!(
            unique(b"150-FILE: pureftpd.6b017a9c.4c.0000\r\n150 Accepted data connection\r\n")
                .unwrap(),
            b"pureftpd.6b017a9c.4c.0000"
        );
    }

    #[test]
    fn unique_name_edge_cases() {
        // Letter case of the label, several spaces, spaces inside the name are kept.
        assert_eq!(unique(b"150 file:   my file \r\n").unwrap(), b"my file ");
        assert_eq!(unique(b"150 FILE:x\r\n").unwrap(), b"x");
        // A later line of a multi-line reply.
        assert_eq!(
            unique(b"150-Ok\r\n FILE: deep\r\n150 Go\r\n").unwrap(),
            b"deep"
        );
        assert_eq!(unique(b"150 FILE:\r\n"), None);
        assert_eq!(unique(b"150 FILE:   \r\n"), None);
        assert_eq!(unique(b"150 FILES: x\r\n"), None);
        assert_eq!(unique(b"150 Opening BINARY mode data connection\r\n"), None);
        assert_eq!(unique(b"226 FILE: x\r\n"), None);
        assert_eq!(unique(b"250 FILE: x\r\n"), None);
    }

    #[test]
    fn real_servers() {
        // vsftpd
        assert_eq!(
            hint(b"150 Opening BINARY mode data connection for f (1234 bytes).\r\n"),
            Some(1234)
        );
        // wu-ftpd / ProFTPD
        assert_eq!(
            hint(b"150 Opening ASCII mode data connection for a (b) (0 Bytes)\r\n"),
            Some(0)
        );
        // A name with its own group: the last one wins.
        assert_eq!(hint(b"150 Opening for x (5 bytes) (7 bytes)\r\n"), Some(7));
        // IIS on an open data connection
        assert_eq!(
            hint(b"125 Data connection already open; Transfer starting (9 bytes)\r\n"),
            Some(9)
        );
        assert_eq!(hint(b"150 Opening BINARY mode data connection\r\n"), None);
        assert_eq!(hint(b"150 (99999999999999999999999 bytes)\r\n"), None);
        assert_eq!(hint(b"150 (12 kbytes)\r\n"), None);
        assert_eq!(hint(b"226 (12 bytes)\r\n"), None);
    }
}

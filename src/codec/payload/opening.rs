//! The `(N bytes)` size hint in a 150 or 125 reply (not standardised; wu-ftpd, vsftpd,
//! ProFTPD and IIS all send it).
//!
//! Owns that hint only. Must not be trusted as the transfer's size: it is a hint for progress
//! display (the data connection's clean end says when a transfer is complete).

use super::leading_number;
use crate::codec::Reply;
use crate::types::ReplyCode;

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
    if reply.code() != ReplyCode::FILE_STATUS_OK && reply.code() != ReplyCode::DATA_ALREADY_OPEN {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    fn hint(wire: &[u8]) -> Option<u64> {
        parse_opening_size_hint(&decode_reply(wire).unwrap().1)
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

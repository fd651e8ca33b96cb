//! 229 `Entering Extended Passive Mode (|||port|)` (RFC 2428 §3).
//!
//! Owns the scan for the delimited port. Must not connect anywhere: the host is always the
//! control connection's peer.

use super::{expect_code, leading_number, malformed, PayloadError};
use crate::codec::{Expected, Reply};
use crate::types::{ReplyCode, Text};

/// 229: the port of `Entering Extended Passive Mode (|||port|)`.
///
/// RFC 2428 §3: the text holds `(<d><d><d><tcp-port><d>)` where the delimiter `<d>` is any
/// character from 33 to 126 (the same four times; §2 recommends `|`; a digit is refused, it
/// could not be told from the port) and the network protocol and address fields are empty.
/// The parenthesised part is found anywhere in the text; the port must be 1 to 65535. The
/// error reported is the first parenthesised candidate's.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_epsv_reply};
///
/// let (_, reply) = decode_reply(b"229 Entering Extended Passive Mode (|||6446|)\r\n").unwrap();
/// assert_eq!(parse_epsv_reply(&reply), Ok(6446));
/// ```
pub fn parse_epsv_reply(reply: &Reply<'_>) -> Result<u16, PayloadError> {
    expect_code(reply, ReplyCode::ENTERING_EXTENDED_PASSIVE)?;
    let text = reply.text();
    let mut first_error = None;
    for open in (0..text.len()).filter(|&i| text[i] == b'(') {
        match delimited_port(text, open + 1) {
            Ok(port) => return Ok(port),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(malformed(text.len(), Expected::ExtendedAddress)))
}

/// The 229 reply a server sends for EPSV: `229 Entering Extended Passive Mode (|||port|)`
/// (RFC 2428 §3, with the `|` delimiter §2 recommends). The inverse of [`parse_epsv_reply`].
///
/// ```
/// use ftps_proto::codec::{epsv_reply, parse_epsv_reply};
///
/// let mut wire = Vec::new();
/// epsv_reply(6446).encode(&mut wire);
/// assert_eq!(wire, b"229 Entering Extended Passive Mode (|||6446|)\r\n");
/// assert_eq!(parse_epsv_reply(&epsv_reply(6446)), Ok(6446));
/// ```
pub fn epsv_reply(port: u16) -> Reply<'static> {
    let text = alloc::format!("Entering Extended Passive Mode (|||{port}|)");
    Reply::new(
        ReplyCode::ENTERING_EXTENDED_PASSIVE,
        Text::new_unchecked(text.into_bytes()),
    )
}

/// `<d><d><d>port<d>)` starting at `at`.
fn delimited_port(text: &[u8], at: usize) -> Result<u16, PayloadError> {
    let bad = |offset| malformed(offset, Expected::ExtendedAddress);
    let d = *text.get(at).ok_or(bad(at))?;
    if !(33..=126).contains(&d) || d.is_ascii_digit() {
        return Err(bad(at));
    }
    for i in 1..3 {
        if text.get(at + i) != Some(&d) {
            return Err(bad(at + i));
        }
    }
    let port_at = at + 3;
    let (port, len) = leading_number(&text[port_at.min(text.len())..], 5)
        .ok_or(malformed(port_at, Expected::Number))?;
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p != 0)
        .ok_or(malformed(port_at, Expected::Number))?;
    let end = port_at + len;
    if text.get(end) != Some(&d) {
        return Err(bad(end));
    }
    if text.get(end + 1) != Some(&b')') {
        return Err(bad(end + 1));
    }
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    fn epsv(wire: &[u8]) -> Result<u16, PayloadError> {
        parse_epsv_reply(&decode_reply(wire).unwrap().1)
    }

    #[test]
    fn any_delimiter() {
        // S: 229 Entering Extended Passive Mode (|||6446|)     (RFC 2428 §3)
        assert_eq!(
            epsv(b"229 Entering Extended Passive Mode (|||6446|)\r\n"),
            Ok(6446)
        );
        assert_eq!(
            epsv(b"229 Entering Extended Passive Mode (!!!65535!)\r\n"),
            Ok(65535)
        );
        // S: 229 EPSV ok (|||1|) and more (text around it)
        assert_eq!(epsv(b"229 ok (x) then (###1#).\r\n"), Ok(1));
    }

    #[test]
    fn refusals() {
        assert_eq!(
            epsv(b"229 Entering Extended Passive Mode (|||0|)\r\n"),
            Err(malformed(35, Expected::Number))
        );
        assert_eq!(
            epsv(b"229 Entering Extended Passive Mode (|||65536|)\r\n"),
            Err(malformed(35, Expected::Number))
        );
        assert_eq!(
            epsv(b"229 Entering Extended Passive Mode (||6446|)\r\n"),
            Err(malformed(34, Expected::ExtendedAddress))
        );
        assert_eq!(
            epsv(b"229 Entering Extended Passive Mode (|||6446/)\r\n"),
            Err(malformed(39, Expected::ExtendedAddress))
        );
        assert_eq!(
            epsv(b"229 Entering Extended Passive Mode (111222|)\r\n"),
            Err(malformed(32, Expected::ExtendedAddress))
        );
        assert_eq!(
            epsv(b"229 Entering\r\n"),
            Err(malformed(8, Expected::ExtendedAddress))
        );
        assert_eq!(
            epsv(b"229 (\r\n"),
            Err(malformed(1, Expected::ExtendedAddress))
        );
        assert_eq!(
            epsv(b"227 (|||1|)\r\n"),
            Err(PayloadError::UnexpectedCode(227))
        );
    }
}

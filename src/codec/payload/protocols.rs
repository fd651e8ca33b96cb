//! 522 `Network protocol not supported, use (1,2)` (RFC 2428 §2): the network protocols a
//! server supports for `EPRT` and `EPSV <net-prt>`.
//!
//! Owns the scan for the parenthesised protocol list and its exact inverse. Must not decide
//! what a client does with the list (that is the client's transfer negotiation).

use alloc::vec::Vec;

use super::{expect_code, leading_number, malformed, PayloadError};
use crate::codec::{Expected, Reply};
use crate::types::{NetworkProtocol, ReplyCode, Text};

/// 522: the protocols of `Network protocol not supported, use (prot1,prot2,...)`.
///
/// RFC 2428 §2: "the server MUST return the 522 reply ... The text portion of the response
/// MUST indicate which network protocols the server does support ... (prot1,prot2,...,protn)".
/// The first parenthesised group of one or more decimal numbers (1 to 65535, the address
/// family numbers), separated by commas with optional spaces after them, is the list; it is
/// found anywhere in the text (a reply without one is [`PayloadError::Malformed`], so a
/// client knows the server named nothing). The error reported is the first candidate's.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_protocols_reply};
/// use ftps_proto::types::NetworkProtocol;
///
/// let (_, reply) = decode_reply(b"522 Network protocol not supported, use (1,2)\r\n").unwrap();
/// assert_eq!(
///     parse_protocols_reply(&reply),
///     Ok(vec![NetworkProtocol::IPV4, NetworkProtocol::IPV6])
/// );
/// ```
pub fn parse_protocols_reply(reply: &Reply<'_>) -> Result<Vec<NetworkProtocol>, PayloadError> {
    expect_code(reply, ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED)?;
    let text = reply.text();
    let mut first_error = None;
    for open in (0..text.len()).filter(|&i| text[i] == b'(') {
        match protocol_list(text, open + 1) {
            Ok(list) => return Ok(list),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(malformed(text.len(), Expected::NetworkProtocol)))
}

/// The 522 reply naming `protocols`: `522 Network protocol not supported, use (1,2)`
/// (RFC 2428 §2). The inverse of [`parse_protocols_reply`]; `None` for an empty list (RFC
/// 2428 asks for the protocols the server supports, and a reply naming none would not parse
/// back).
///
/// ```
/// use ftps_proto::codec::{parse_protocols_reply, protocols_reply};
/// use ftps_proto::types::NetworkProtocol;
///
/// let reply = protocols_reply(&[NetworkProtocol::IPV6]).unwrap();
/// let mut wire = Vec::new();
/// reply.encode(&mut wire);
/// assert_eq!(wire, b"522 Network protocol not supported, use (2)\r\n");
/// assert_eq!(parse_protocols_reply(&reply), Ok(vec![NetworkProtocol::IPV6]));
/// assert!(protocols_reply(&[]).is_none());
/// ```
pub fn protocols_reply(protocols: &[NetworkProtocol]) -> Option<Reply<'static>> {
    use core::fmt::Write as _;
    if protocols.is_empty() {
        return None;
    }
    let mut text = alloc::string::String::from("Network protocol not supported, use (");
    for (i, p) in protocols.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        let _ = write!(text, "{}", p.0);
    }
    text.push(')');
    Some(Reply::new(
        ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED,
        Text::new_unchecked(text.into_bytes()),
    ))
}

/// `n[,n]...)` starting at `at`.
fn protocol_list(text: &[u8], mut at: usize) -> Result<Vec<NetworkProtocol>, PayloadError> {
    let mut list = Vec::new();
    loop {
        let (n, len) = leading_number(text.get(at..).unwrap_or(&[]), 5)
            .ok_or(malformed(at, Expected::NetworkProtocol))?;
        let n = u16::try_from(n)
            .ok()
            .filter(|n| *n != 0)
            .ok_or(malformed(at, Expected::NetworkProtocol))?;
        list.push(NetworkProtocol(n));
        at += len;
        match text.get(at) {
            Some(b')') => return Ok(list),
            Some(b',') => {
                at += 1;
                while text.get(at) == Some(&b' ') {
                    at += 1;
                }
            }
            _ => return Err(malformed(at, Expected::NetworkProtocol)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    fn protocols(wire: &[u8]) -> Result<Vec<NetworkProtocol>, PayloadError> {
        parse_protocols_reply(&decode_reply(wire).unwrap().1)
    }

    #[test]
    fn rfc_2428_examples() {
        // S: 522 Network protocol not supported, use (1)     (RFC 2428 §2)
        assert_eq!(
            protocols(b"522 Network protocol not supported, use (1)\r\n"),
            Ok(alloc::vec![NetworkProtocol::IPV4])
        );
        // S: 522 Network protocol not supported, use (1,2)
        assert_eq!(
            protocols(b"522 Network protocol not supported, use (1,2)\r\n"),
            Ok(alloc::vec![NetworkProtocol::IPV4, NetworkProtocol::IPV6])
        );
        // Spaces after commas, text after the list, an earlier non-list parenthesis.
        assert_eq!(
            protocols(b"522 (sorry) use (2, 1) please\r\n"),
            Ok(alloc::vec![NetworkProtocol::IPV6, NetworkProtocol::IPV4])
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            protocols(b"522 Network protocol not supported\r\n"),
            Err(malformed(30, Expected::NetworkProtocol))
        );
        assert_eq!(
            protocols(b"522 use ()\r\n"),
            Err(malformed(5, Expected::NetworkProtocol))
        );
        assert_eq!(
            protocols(b"522 use (1,)\r\n"),
            Err(malformed(7, Expected::NetworkProtocol))
        );
        assert_eq!(
            protocols(b"522 use (0)\r\n"),
            Err(malformed(5, Expected::NetworkProtocol))
        );
        assert_eq!(
            protocols(b"522 use (65536)\r\n"),
            Err(malformed(5, Expected::NetworkProtocol))
        );
        assert_eq!(
            protocols(b"522 use (1;2)\r\n"),
            Err(malformed(6, Expected::NetworkProtocol))
        );
        assert_eq!(
            protocols(b"522 use (1\r\n"),
            Err(malformed(6, Expected::NetworkProtocol))
        );
        assert_eq!(
            protocols(b"500 use (1)\r\n"),
            Err(PayloadError::UnexpectedCode(500))
        );
    }
}

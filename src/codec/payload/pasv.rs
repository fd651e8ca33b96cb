//! 227 `Entering Passive Mode (h1,h2,h3,h4,p1,p2)` (RFC 959 §4.1.2 PASV, §4.2.2).
//!
//! Owns the scan for the six numbers. Must not decide whether the address is trusted (a
//! client replaces it by the control connection's peer by default; that is the client's).

use core::net::{Ipv4Addr, SocketAddrV4};

use super::{expect_code, leading_number, malformed, PayloadError};
use crate::codec::{Expected, Reply};
use crate::types::{ReplyCode, Text};

/// 227: the address of `Entering Passive Mode (h1,h2,h3,h4,p1,p2)`.
///
/// The format "is not well standardized" (RFC 1123 §4.1.2.6): parentheses may be missing
/// (`227 Entering Passive Mode 10,0,0,1,4,1`, `227 =10,0,0,1,4,1`), so the text is scanned for
/// the first run of six comma-separated numbers, each 0 to 255 (spaces after a comma are
/// tolerated). The port is `p1 * 256 + p2`.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_pasv_reply};
///
/// let (_, reply) = decode_reply(b"227 Entering Passive Mode (192,168,1,2,19,137)\r\n").unwrap();
/// assert_eq!(parse_pasv_reply(&reply).unwrap(), "192.168.1.2:5001".parse().unwrap());
/// ```
pub fn parse_pasv_reply(reply: &Reply<'_>) -> Result<SocketAddrV4, PayloadError> {
    expect_code(reply, ReplyCode::ENTERING_PASSIVE)?;
    let text = reply.text();
    // The error reported is where the first candidate (run of digits) stopped fitting.
    let mut first_error = None;
    for start in 0..text.len() {
        let starts_number =
            text[start].is_ascii_digit() && (start == 0 || !text[start - 1].is_ascii_digit());
        if !starts_number {
            continue;
        }
        match six_numbers(&text[start..]) {
            Ok(addr) => return Ok(addr),
            Err(at) => {
                first_error.get_or_insert(start + at);
            }
        }
    }
    Err(malformed(
        first_error.unwrap_or(text.len()),
        Expected::HostPort,
    ))
}

/// The 227 reply a server sends for PASV: `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).`
/// (RFC 959 §4.1.2, §4.2.2, with the parentheses most clients look for). The inverse of
/// [`parse_pasv_reply`].
///
/// ```
/// use ftps_proto::codec::{parse_pasv_reply, pasv_reply};
///
/// let addr = "192.0.2.7:50001".parse().unwrap();
/// let mut wire = Vec::new();
/// pasv_reply(addr).encode(&mut wire);
/// assert_eq!(wire, b"227 Entering Passive Mode (192,0,2,7,195,81).\r\n");
/// assert_eq!(parse_pasv_reply(&pasv_reply(addr)), Ok(addr));
/// ```
pub fn pasv_reply(addr: SocketAddrV4) -> Reply<'static> {
    let [a, b, c, d] = addr.ip().octets();
    let port = addr.port();
    let text = alloc::format!(
        "Entering Passive Mode ({a},{b},{c},{d},{},{}).",
        port >> 8,
        port & 0xff
    );
    Reply::new(
        ReplyCode::ENTERING_PASSIVE,
        Text::new_unchecked(text.into_bytes()),
    )
}

/// `h1,h2,h3,h4,p1,p2` at the start of `input`; on failure, the offset where it stopped fitting.
fn six_numbers(input: &[u8]) -> Result<SocketAddrV4, usize> {
    let mut n = [0u8; 6];
    let mut at = 0;
    for (i, slot) in n.iter_mut().enumerate() {
        if i > 0 {
            if input.get(at) != Some(&b',') {
                return Err(at);
            }
            at += 1;
            while input.get(at) == Some(&b' ') {
                at += 1;
            }
        }
        let (v, len) = leading_number(&input[at..], 3).ok_or(at)?;
        *slot = u8::try_from(v).map_err(|_| at)?;
        at += len;
    }
    if input.get(at).is_some_and(u8::is_ascii_digit) {
        return Err(at);
    }
    let ip = Ipv4Addr::new(n[0], n[1], n[2], n[3]);
    Ok(SocketAddrV4::new(
        ip,
        u16::from(n[4]) << 8 | u16::from(n[5]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    fn pasv(wire: &[u8]) -> Result<SocketAddrV4, PayloadError> {
        parse_pasv_reply(&decode_reply(wire).unwrap().1)
    }

    #[test]
    fn with_and_without_parentheses() {
        let want: SocketAddrV4 = "10.0.0.1:1025".parse().unwrap();
        // S: 227 Entering Passive Mode (10,0,0,1,4,1)      (RFC 959 §4.2.2)
        assert_eq!(
            pasv(b"227 Entering Passive Mode (10,0,0,1,4,1)\r\n"),
            Ok(want)
        );
        // S: 227 Entering Passive Mode 10,0,0,1,4,1        (RFC 959 Figure 3, RFC 1123 §4.1.2.6)
        assert_eq!(
            pasv(b"227 Entering Passive Mode 10,0,0,1,4,1\r\n"),
            Ok(want)
        );
        // S: 227 =10,0,0,1,4,1                             (seen from some mainframe servers)
        assert_eq!(pasv(b"227 =10,0,0,1,4,1\r\n"), Ok(want));
        // S: 227 Entering Passive Mode (10, 0, 0, 1, 4, 1).
        assert_eq!(
            pasv(b"227 Entering Passive Mode (10, 0, 0, 1, 4, 1).\r\n"),
            Ok(want)
        );
        // Digits before the address are skipped.
        assert_eq!(pasv(b"227 Mode 2 (10,0,0,1,4,1)\r\n"), Ok(want));
    }

    #[test]
    fn refusals() {
        assert_eq!(
            pasv(b"227 Entering Passive Mode (10,0,0,256,4,1)\r\n"),
            Err(malformed(30, Expected::HostPort))
        );
        assert_eq!(
            pasv(b"227 Entering Passive Mode\r\n"),
            Err(malformed(21, Expected::HostPort))
        );
        assert_eq!(
            pasv(b"227 (10,0,0,1,4)\r\n"),
            Err(malformed(11, Expected::HostPort))
        );
        assert_eq!(
            pasv(b"227 (10,0,0,1,4,1000)\r\n"),
            Err(malformed(12, Expected::HostPort))
        );
        assert_eq!(
            pasv(b"229 Entering Extended Passive Mode (|||6446|)\r\n"),
            Err(PayloadError::UnexpectedCode(229))
        );
    }
}

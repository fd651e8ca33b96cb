//! The `time-val` of RFC 3659 §2.3 (`YYYYMMDDHHMMSS[.F+]`) and the 213 reply to MDTM (§3).
//!
//! Owns the time-val grammar, shared with the command codec (MFMT) and the MLSx `modify` and
//! `create` facts. Must not convert between time zones: a time-val is always UTC.

use super::{expect_code, malformed, trim_end, PayloadError};
use crate::codec::{Expected, Reply};
use alloc::vec::Vec;

use crate::types::{InvalidTimestamp, ReplyCode, Text, Timestamp};

/// A `time-val` (RFC 3659 §2.3): `YYYYMMDDHHMMSS[.F+]`, exactly the whole input.
///
/// Each field is range-checked (month 1 to 12, a day that exists in that month, hour 0 to 23,
/// minute 0 to 59, second 0 to 60 for a leap second). The fraction keeps its digits (1 to 9;
/// more than nanoseconds is refused), so the value re-encodes exactly. The error offset points
/// at the first digit of the wrong field.
///
/// ```
/// use ftps_proto::codec::parse_timestamp;
///
/// let t = parse_timestamp(b"19980615100045.014").unwrap();
/// assert_eq!((t.year(), t.month(), t.day(), t.second()), (1998, 6, 15, 45));
/// assert_eq!(t.fraction(), Some((14, 3)));
/// ```
pub fn parse_timestamp(input: &[u8]) -> Result<Timestamp, PayloadError> {
    let bad = |offset| malformed(offset, Expected::Timestamp);
    if let Some(i) = input.iter().take(14).position(|b| !b.is_ascii_digit()) {
        return Err(bad(i));
    }
    if input.len() < 14 {
        return Err(bad(input.len()));
    }
    let num = |from: usize, len: usize| {
        input[from..from + len]
            .iter()
            .fold(0u32, |v, b| v * 10 + u32::from(b - b'0'))
    };
    // Every field is at most 4 digits, so these conversions cannot truncate.
    let t = Timestamp::new(
        num(0, 4) as u16,
        num(4, 2) as u8,
        num(6, 2) as u8,
        num(8, 2) as u8,
        num(10, 2) as u8,
        num(12, 2) as u8,
    )
    .map_err(|e| {
        let InvalidTimestamp::OutOfRange { field } = e;
        bad(match field {
            "year" => 0,
            "month" => 4,
            "day" => 6,
            "hour" => 8,
            "minute" => 10,
            _ => 12,
        })
    })?;
    match input.get(14) {
        None => Ok(t),
        Some(b'.') => {
            let digits = &input[15..];
            if let Some(i) = digits.iter().position(|b| !b.is_ascii_digit()) {
                return Err(bad(15 + i));
            }
            if digits.is_empty() || digits.len() > 9 {
                return Err(bad(15 + digits.len().min(9)));
            }
            let value = digits
                .iter()
                .fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
            // 1 to 9 digits: always in range.
            t.with_fraction(value, digits.len() as u8)
                .map_err(|_| bad(15))
        }
        Some(_) => Err(bad(14)),
    }
}

/// 213: the time of an MDTM reply, `213 SP time-val` (RFC 3659 §3.2). Trailing spaces are
/// tolerated.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_mdtm_reply};
///
/// let (_, reply) = decode_reply(b"213 19980615100045.014\r\n").unwrap();
/// assert_eq!(parse_mdtm_reply(&reply).unwrap().hour(), 10);
/// ```
pub fn parse_mdtm_reply(reply: &Reply<'_>) -> Result<Timestamp, PayloadError> {
    expect_code(reply, ReplyCode::FILE_STATUS)?;
    parse_timestamp(trim_end(reply.text()))
}

/// Appends the `time-val` of `t` (RFC 3659 §2.3): `YYYYMMDDHHMMSS`, then `.` and the
/// fraction's digits as they were given. The inverse of [`parse_timestamp`].
///
/// ```
/// use ftps_proto::codec::{encode_timestamp, parse_timestamp};
///
/// let t = parse_timestamp(b"19980615100045.014").unwrap();
/// let mut out = Vec::new();
/// encode_timestamp(&t, &mut out);
/// assert_eq!(out, b"19980615100045.014");
/// ```
pub fn encode_timestamp(t: &Timestamp, out: &mut Vec<u8>) {
    fn digits(out: &mut Vec<u8>, value: u32, width: u32) {
        for i in (0..width).rev() {
            // One decimal digit: always fits a byte.
            out.push(b'0' + (value / 10u32.pow(i) % 10) as u8);
        }
    }
    digits(out, u32::from(t.year()), 4);
    for field in [t.month(), t.day(), t.hour(), t.minute(), t.second()] {
        digits(out, u32::from(field), 2);
    }
    if let Some((value, width)) = t.fraction() {
        out.push(b'.');
        digits(out, value, u32::from(width));
    }
}

/// The 213 reply a server sends for MDTM: `213 <time-val>` (RFC 3659 §3.2). The inverse of
/// [`parse_mdtm_reply`].
///
/// ```
/// use ftps_proto::codec::{mdtm_reply, parse_mdtm_reply};
/// use ftps_proto::types::Timestamp;
///
/// let t = Timestamp::new(1999, 9, 29, 0, 33, 55).unwrap();
/// let mut wire = Vec::new();
/// mdtm_reply(&t).encode(&mut wire);
/// assert_eq!(wire, b"213 19990929003355\r\n");
/// assert_eq!(parse_mdtm_reply(&mdtm_reply(&t)), Ok(t));
/// ```
pub fn mdtm_reply(t: &Timestamp) -> Reply<'static> {
    let mut text = Vec::with_capacity(24);
    encode_timestamp(t, &mut text);
    Reply::new(ReplyCode::FILE_STATUS, Text::new_unchecked(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    #[test]
    fn rfc3659_examples() {
        // S: 213 19980615100045.014      (RFC 3659 §3.3)
        let (_, r) = decode_reply(b"213 19980615100045.014\r\n").unwrap();
        let t = parse_mdtm_reply(&r).unwrap();
        assert_eq!(
            t,
            Timestamp::new(1998, 6, 15, 10, 0, 45)
                .unwrap()
                .with_fraction(14, 3)
                .unwrap()
        );
        // S: 213 19990929003355
        let (_, r) = decode_reply(b"213 19990929003355 \r\n").unwrap();
        assert_eq!(
            parse_mdtm_reply(&r).unwrap(),
            Timestamp::new(1999, 9, 29, 0, 33, 55).unwrap()
        );
        assert_eq!(parse_timestamp(b"20161231235960").unwrap().second(), 60);
        assert_eq!(
            parse_timestamp(b"20240101000000.123456789")
                .unwrap()
                .nanos(),
            123_456_789
        );
    }

    #[test]
    fn refusals_point_at_the_field() {
        let bad = |input: &[u8], offset| {
            assert_eq!(
                parse_timestamp(input),
                Err(malformed(offset, Expected::Timestamp)),
                "{input:?}"
            );
        };
        bad(b"", 0);
        bad(b"2024", 4);
        bad(b"2024010100000", 13);
        bad(b"2024x101000000", 4);
        bad(b"20241301000000", 4);
        bad(b"20230229000000", 6);
        bad(b"20240101240000", 8);
        bad(b"20240101006000", 10);
        bad(b"20240101000061", 12);
        bad(b"20240101000000Z", 14);
        bad(b"20240101000000.", 15);
        bad(b"20240101000000.1a", 16);
        bad(b"20240101000000.1234567890", 24);
        bad(b"\xff", 0);
        let (_, r) = decode_reply(b"550 no\r\n").unwrap();
        assert_eq!(parse_mdtm_reply(&r), Err(PayloadError::UnexpectedCode(550)));
    }
}

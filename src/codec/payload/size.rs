//! 213 reply to SIZE (RFC 3659 §4.2).
//!
//! Owns the size grammar. Must not decide what the size means (it depends on TYPE, §4).

use super::{expect_code, leading_number, malformed, trim_end, PayloadError};
use crate::codec::{Expected, Reply};
use crate::types::{ReplyCode, Text};

/// 213: the size of a SIZE reply, `213 SP 1*DIGIT` (RFC 3659 §4.2). Trailing spaces are
/// tolerated; anything else after the digits is refused.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_size_reply};
///
/// let (_, reply) = decode_reply(b"213 3796\r\n").unwrap();
/// assert_eq!(parse_size_reply(&reply), Ok(3796));
/// ```
pub fn parse_size_reply(reply: &Reply<'_>) -> Result<u64, PayloadError> {
    expect_code(reply, ReplyCode::FILE_STATUS)?;
    let text = trim_end(reply.text());
    let (size, len) = leading_number(text, 20).ok_or(malformed(0, Expected::Number))?;
    if len != text.len() {
        return Err(malformed(len, Expected::Number));
    }
    Ok(size)
}

/// The 213 reply a server sends for SIZE: `213 <size>` (RFC 3659 §4.2). The inverse of
/// [`parse_size_reply`].
///
/// ```
/// use ftps_proto::codec::{parse_size_reply, size_reply};
///
/// assert_eq!(parse_size_reply(&size_reply(3796)), Ok(3796));
/// ```
pub fn size_reply(size: u64) -> Reply<'static> {
    let text = alloc::format!("{size}");
    Reply::new(
        ReplyCode::FILE_STATUS,
        Text::new_unchecked(text.into_bytes()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    fn size(wire: &[u8]) -> Result<u64, PayloadError> {
        parse_size_reply(&decode_reply(wire).unwrap().1)
    }

    #[test]
    fn sizes() {
        // S: 213 3796        (RFC 3659 §4.3)
        assert_eq!(size(b"213 3796\r\n"), Ok(3796));
        assert_eq!(size(b"213 0 \r\n"), Ok(0));
        assert_eq!(size(b"213 18446744073709551615\r\n"), Ok(u64::MAX));
        assert_eq!(
            size(b"213 18446744073709551616\r\n"),
            Err(malformed(0, Expected::Number))
        );
        assert_eq!(
            size(b"213 12 bytes\r\n"),
            Err(malformed(2, Expected::Number))
        );
        assert_eq!(size(b"213 \r\n"), Err(malformed(0, Expected::Number)));
        assert_eq!(
            size(b"550 nope\r\n"),
            Err(PayloadError::UnexpectedCode(550))
        );
    }
}

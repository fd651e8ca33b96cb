//! 257 `"PATHNAME" created` / `"PATHNAME" is current directory` (RFC 959 §4.2.2 and
//! Appendix II).
//!
//! Owns the quoted-path grammar. Must not interpret the path (separators, encoding).

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::{expect_code, malformed, PayloadError};
use crate::codec::{Expected, Reply};
use crate::types::{Pathname, ReplyCode, Text};

/// 257: the quoted path name, with doubled quotes undone. RFC 959 Appendix II: the reply is
/// `257<space>"<directory-name>"<space><commentary>` and "embedded double-quotes should be
/// escaped by double-quotes (the "quote-doubling" convention)".
///
/// The path is borrowed from the reply unless it holds doubled quotes. RFC 959 puts the
/// quoted name first; being liberal (RFC 1123 §1.2.2), text before the first quote is
/// skipped (`257 PWD: "/home"` style servers). An empty path (`""`) is refused.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_pathname_reply};
///
/// let (_, reply) = decode_reply(b"257 \"/a \"\"b\"\" c\" created\r\n").unwrap();
/// assert_eq!(parse_pathname_reply(&reply).unwrap().as_bytes(), b"/a \"b\" c");
/// ```
pub fn parse_pathname_reply<'a>(reply: &'a Reply<'_>) -> Result<Pathname<'a>, PayloadError> {
    expect_code(reply, ReplyCode::PATHNAME_CREATED)?;
    let text = reply.text();
    let open = text
        .iter()
        .position(|&b| b == b'"')
        .ok_or(malformed(0, Expected::QuotedPathname))?;
    let body = &text[open + 1..];
    // Find the closing quote: a quote not followed by another one.
    let mut i = 0;
    let mut doubled = false;
    let close = loop {
        match body[i..].iter().position(|&b| b == b'"') {
            None => return Err(malformed(text.len(), Expected::QuotedPathname)),
            Some(j) => {
                let q = i + j;
                if body.get(q + 1) == Some(&b'"') {
                    doubled = true;
                    i = q + 2;
                } else {
                    break q;
                }
            }
        }
    };
    let raw = &body[..close];
    if raw.is_empty() {
        return Err(malformed(open + 1, Expected::Pathname));
    }
    let path: Cow<'a, [u8]> = if doubled {
        let mut v = Vec::with_capacity(raw.len());
        let mut k = 0;
        while k < raw.len() {
            v.push(raw[k]);
            k += if raw[k] == b'"' { 2 } else { 1 };
        }
        Cow::Owned(v)
    } else {
        Cow::Borrowed(raw)
    };
    // A reply line holds no CR, LF or NUL, so this cannot fail; map it anyway.
    Pathname::new(path).map_err(|_| malformed(open + 1, Expected::Pathname))
}

/// The 257 reply a server sends for PWD or MKD: `257 "path" commentary`, embedded quotes
/// doubled (RFC 959 Appendix II); an empty commentary leaves just the quoted path. The
/// inverse of [`parse_pathname_reply`] for every path without a CR. 0xFF bytes of the path
/// become `IAC IAC` when the reply is encoded. A CR, which a path name may hold (RFC 2640
/// §3.1, sent as `CR NUL` in commands), cannot stand in a reply line ([`Reply`] lines are
/// [`Text`]): it is written as a space.
///
/// ```
/// use ftps_proto::codec::{parse_pathname_reply, pathname_reply};
/// use ftps_proto::types::{Pathname, Text};
///
/// let path = Pathname::try_from("/a \"b\"").unwrap();
/// let reply = pathname_reply(&path, &Text::from_static("is the current directory"));
/// let mut wire = Vec::new();
/// reply.encode(&mut wire);
/// assert_eq!(wire, b"257 \"/a \"\"b\"\"\" is the current directory\r\n");
/// assert_eq!(parse_pathname_reply(&reply).unwrap(), path);
/// ```
pub fn pathname_reply(path: &Pathname<'_>, commentary: &Text<'_>) -> Reply<'static> {
    let path = path.as_bytes();
    let quotes = path.iter().filter(|&&b| b == b'"').count();
    let mut text = Vec::with_capacity(path.len() + quotes + 3 + commentary.as_bytes().len());
    text.push(b'"');
    for &b in path {
        text.push(if b == b'\r' { b' ' } else { b });
        if b == b'"' {
            text.push(b'"');
        }
    }
    text.push(b'"');
    if !commentary.as_bytes().is_empty() {
        text.push(b' ');
        text.extend_from_slice(commentary.as_bytes());
    }
    // Built from a path name (its CR replaced) and a text: no CR, LF or NUL.
    Reply::new(ReplyCode::PATHNAME_CREATED, Text::new_unchecked(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;

    fn pwd(wire: &[u8]) -> Result<Vec<u8>, PayloadError> {
        let (_, r) = decode_reply(wire).unwrap();
        parse_pathname_reply(&r).map(|p| p.as_bytes().to_vec())
    }

    #[test]
    fn quoted_paths() {
        // S: 257 "/usr/dm" created.         (RFC 959 Appendix II)
        assert_eq!(pwd(b"257 \"/usr/dm\" created.\r\n").unwrap(), b"/usr/dm");
        // S: 257 "/usr/dm/""a"" b" created   (embedded quotes doubled)
        assert_eq!(
            pwd(b"257 \"/usr/dm/\"\"a\"\" b\" created\r\n").unwrap(),
            b"/usr/dm/\"a\" b"
        );
        // S: 257 """" created (a path that is one quote)
        assert_eq!(pwd(b"257 \"\"\"\" created\r\n").unwrap(), b"\"");
        // S: 257 PWD: "/home"   (text before the quote)
        assert_eq!(pwd(b"257 PWD: \"/home\"\r\n").unwrap(), b"/home");
        assert_eq!(pwd(b"257 \"/\"\r\n").unwrap(), b"/");
        let (_, r) = decode_reply(b"257 \"/x\" ok\r\n").unwrap();
        assert!(matches!(
            parse_pathname_reply(&r).unwrap().into_inner(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn refusals() {
        assert_eq!(
            pwd(b"257 /home\r\n"),
            Err(malformed(0, Expected::QuotedPathname))
        );
        assert_eq!(
            pwd(b"257 \"/home\r\n"),
            Err(malformed(6, Expected::QuotedPathname))
        );
        assert_eq!(
            pwd(b"257 \"\" empty\r\n"),
            Err(malformed(1, Expected::Pathname))
        );
        assert_eq!(
            pwd(b"250 \"/x\"\r\n"),
            Err(PayloadError::UnexpectedCode(250))
        );
    }
}

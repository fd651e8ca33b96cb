//! 211 reply to FEAT (RFC 2389 §3.2).
//!
//! Owns the feature-listing grammar and its tolerated variants. Must not decide what a
//! feature implies (that is [`Features`]' accessors and the client).

use alloc::vec::Vec;

use super::{expect_code, trim_end, PayloadError};
use crate::codec::{strip_repeated_prefix, Reply};
use crate::types::{Feature, Features, ReplyCode, Text};

/// 211: the features of a FEAT reply (RFC 2389 §3.2).
///
/// A single-line 211 is the "no-features" reply. In a multi-line reply the first and last
/// lines are free text and every line between is `SP feature-label [SP feature-parms]`.
/// Variants seen in the wild are read too (see [`parse_feature_line`]): the leading space missing
/// or replaced by a tab or several spaces, and lines repeating the `211-` prefix. Lines that
/// hold no valid label (blank lines, commentary with non-ASCII bytes) are skipped rather than
/// failing the whole listing.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_feat_reply};
///
/// let wire = b"211-Extensions supported:\r\n MLST size*;create;modify*;perm;media-type\r\n SIZE\r\n COMPRESSION\r\n MDTM\r\n211 END\r\n";
/// let (_, reply) = decode_reply(wire).unwrap();
/// let features = parse_feat_reply(&reply).unwrap();
/// assert!(features.size() && features.mdtm() && features.contains("compression"));
/// assert_eq!(features.len(), 4);
/// ```
pub fn parse_feat_reply(reply: &Reply<'_>) -> Result<Features, PayloadError> {
    expect_code(reply, ReplyCode::SYSTEM_STATUS)?;
    let mut features = Features::new();
    if !reply.is_multiline() {
        return Ok(features);
    }
    let count = reply.line_count();
    for line in reply.lines().take(count - 1).skip(1) {
        if let Some(f) = parse_feature_line(reply.code(), line) {
            features.insert(f);
        }
    }
    Ok(features)
}

/// Quirk-tolerant reading of one feature line: a repeated `211-` prefix (ProFTPD, IIS) is
/// removed, then the leading white space, whatever it is (RFC 2389 requires exactly one SP;
/// some servers send a tab, several spaces or none), then trailing white space. The label
/// ends at the first space or tab; the parameters are the rest, leading white space removed.
pub fn parse_feature_line(code: ReplyCode, line: &[u8]) -> Option<Feature> {
    let line = strip_repeated_prefix(code, line);
    let start = line.iter().position(|b| *b != b' ' && *b != b'\t')?;
    let line = trim_end(&line[start..]);
    let (label, params) = match line.iter().position(|b| *b == b' ' || *b == b'\t') {
        Some(i) => {
            let rest = &line[i..];
            let p = rest
                .iter()
                .position(|b| *b != b' ' && *b != b'\t')
                .map_or(&rest[rest.len()..], |j| &rest[j..]);
            (&line[..i], p)
        }
        None => (line, &line[line.len()..]),
    };
    Feature::new(label, Text::new(params).ok()?)
}

/// The 211 reply a server sends for FEAT (RFC 2389 §3.2): `211-Extensions supported:`, one
/// `SP label [SP parameters]` line per feature, `211 End`; with no features, the single-line
/// `211 No extensions supported` ("no-features" MUST be one line). The inverse of
/// [`parse_feat_reply`] for every feature whose parameters neither start nor end with white
/// space (those are read back trimmed).
///
/// ```
/// use ftps_proto::codec::{feat_reply, parse_feat_reply};
/// use ftps_proto::types::{Feature, Features, Text};
///
/// let mut features = Features::new();
/// features.insert(Feature::new(b"AUTH", Text::from_static("TLS")).unwrap());
/// features.insert(Feature::new(b"UTF8", Text::EMPTY).unwrap());
/// let mut wire = Vec::new();
/// feat_reply(&features).encode(&mut wire);
/// assert_eq!(wire, b"211-Extensions supported:\r\n AUTH TLS\r\n UTF8\r\n211 End\r\n");
/// assert_eq!(parse_feat_reply(&feat_reply(&features)), Ok(features));
/// ```
pub fn feat_reply(features: &Features) -> Reply<'static> {
    if features.is_empty() {
        return Reply::new(
            ReplyCode::SYSTEM_STATUS,
            Text::from_static("No extensions supported"),
        );
    }
    let mut lines = Vec::with_capacity(features.len() + 2);
    lines.push(Text::from_static("Extensions supported:"));
    for f in features.iter() {
        let params = f.parameters().as_bytes();
        let mut line = Vec::with_capacity(1 + f.name().len() + 1 + params.len());
        line.push(b' ');
        line.extend_from_slice(f.name().as_bytes());
        if !params.is_empty() {
            line.push(b' ');
            line.extend_from_slice(params);
        }
        // A label is visible ASCII and the parameters a text: no CR, LF or NUL.
        lines.push(Text::new_unchecked(line));
    }
    lines.push(Text::from_static("End"));
    Reply::multiline(ReplyCode::SYSTEM_STATUS, lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;
    use crate::types::FactName;

    fn feat(wire: &[u8]) -> Features {
        parse_feat_reply(&decode_reply(wire).unwrap().1).unwrap()
    }

    #[test]
    fn rfc2389_example() {
        let f = feat(b"211-Extensions supported:\r\n MLST size*;create;modify*;perm;media-type\r\n SIZE\r\n COMPRESSION\r\n MDTM\r\n211 END\r\n");
        let names: alloc::vec::Vec<&str> = f.iter().map(Feature::name).collect();
        assert_eq!(names, ["MLST", "SIZE", "COMPRESSION", "MDTM"]);
        assert_eq!(f.mlst_facts().unwrap()[0], (FactName::Size, true));
    }

    #[test]
    fn no_features_single_line() {
        // S: 211 no-features       (RFC 2389 §3.2)
        assert!(feat(b"211 no-features\r\n").is_empty());
        assert_eq!(
            parse_feat_reply(&decode_reply(b"502 FEAT not implemented\r\n").unwrap().1),
            Err(PayloadError::UnexpectedCode(502))
        );
    }

    #[test]
    fn quirks_from_real_servers() {
        // ProFTPD-style repeated prefixes, a tab, a missing space, extra spaces, a blank line.
        let f = feat(
            b"211-Features:\r\n211-AUTH TLS\r\n\tPBSZ\r\nPROT\r\n   REST   STREAM  \r\n\r\n UTF8\r\n \xe9t\xe9\r\n211 End\r\n",
        );
        let names: alloc::vec::Vec<&str> = f.iter().map(Feature::name).collect();
        assert_eq!(names, ["AUTH", "PBSZ", "PROT", "REST", "UTF8"]);
        assert!(f.rest_stream() && f.pbsz() && f.prot() && f.utf8());
        assert_eq!(f.get("REST").unwrap().parameters().as_bytes(), b"STREAM");
        // FileZilla Server lists AUTH twice.
        let f = feat(b"211-Features:\r\n AUTH SSL\r\n AUTH TLS\r\n211 End\r\n");
        assert_eq!(f.auth_mechanisms().len(), 2);
    }
}

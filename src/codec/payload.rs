//! Parsers for the payloads of particular replies and data-connection listings.
//!
//! SKELETON: to be implemented (owner: reply codec helper).

use alloc::borrow::Cow;
use core::net::SocketAddrV4;

use super::Reply;
use crate::types::{Facts, Features, Pathname, Timestamp};

/// Why a reply payload could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The reply has another code than the parser needs.
    #[error("unexpected reply code {0}")]
    UnexpectedCode(u16),
    /// The payload does not fit its grammar at this offset of the text.
    #[error("malformed payload at offset {offset}: expected {expected:?}")]
    Malformed {
        /// Offset in the reply text (or line).
        offset: usize,
        /// What was expected.
        expected: super::Expected,
    },
}

/// 227: the address of `Entering Passive Mode (h1,h2,h3,h4,p1,p2)`, found by scanning for six
/// numbers as RFC 1123 §4.1.2.6 advises (with or without parentheses).
pub fn parse_pasv_reply(_reply: &Reply<'_>) -> Result<SocketAddrV4, PayloadError> {
    todo!()
}

/// 229: the port of `Entering Extended Passive Mode (|||port|)` (RFC 2428 §3), with any
/// delimiter character.
pub fn parse_epsv_reply(_reply: &Reply<'_>) -> Result<u16, PayloadError> {
    todo!()
}

/// 257: the quoted path name, with doubled quotes undone (RFC 959 Appendix II).
pub fn parse_pathname_reply<'a>(_reply: &'a Reply<'_>) -> Result<Pathname<'a>, PayloadError> {
    todo!()
}

/// 211: the features of a FEAT reply (RFC 2389 §3.2).
pub fn parse_feat_reply(_reply: &Reply<'_>) -> Result<Features, PayloadError> {
    todo!()
}

/// 213: the size of a SIZE reply (RFC 3659 §4.2).
pub fn parse_size_reply(_reply: &Reply<'_>) -> Result<u64, PayloadError> {
    todo!()
}

/// 213: the time of an MDTM reply (RFC 3659 §3.2).
pub fn parse_mdtm_reply(_reply: &Reply<'_>) -> Result<Timestamp, PayloadError> {
    todo!()
}

/// A `time-val` (RFC 3659 §2.3): `YYYYMMDDHHMMSS[.F+]`.
pub fn parse_timestamp(_input: &[u8]) -> Result<Timestamp, PayloadError> {
    todo!()
}

/// One MLSx entry `fact=value;fact=value; pathname` (RFC 3659 §7.2), line end excluded.
pub fn parse_facts(_line: &[u8]) -> Result<Facts<'_>, PayloadError> {
    todo!()
}

/// 150: the `(N bytes)` size hint many servers put in their opening reply.
pub fn parse_opening_size_hint(_reply: &Reply<'_>) -> Option<u64> {
    todo!()
}

/// Which LIST format a line was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListFormat {
    /// Unix `ls -l`.
    Unix,
    /// DOS / IIS.
    Dos,
}

/// A LIST line, best effort; the raw line is always kept.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListEntry<'a> {
    /// The line as received (line end excluded).
    pub raw: Cow<'a, [u8]>,
    /// The format it was read as.
    pub format: ListFormat,
    /// The name.
    pub name: Cow<'a, [u8]>,
    /// True for a directory.
    pub is_dir: bool,
    /// Size in bytes, when given.
    pub size: Option<u64>,
}

/// Parses a LIST line in Unix or DOS format; `None` for lines that are neither (such as
/// `total 12`).
pub fn parse_list_line(_line: &[u8]) -> Option<ListEntry<'_>> {
    todo!()
}

//! Parsers for the payloads of particular replies (227, 229, 257, 211 FEAT, 213 SIZE and
//! MDTM, 250 MLST, the 150 size hint, the 522 protocol list) and of data-connection lines
//! (MLSx facts, LIST), and for servers the exact inverse of the reply parsers (`pasv_reply`,
//! `epsv_reply`, `pathname_reply`, `feat_reply`, `size_reply`, `mdtm_reply`, `mlst_reply`,
//! `protocols_reply`, `encode_timestamp`, `encode_facts`).
//!
//! Owns the grammars of reply *texts* and listing lines, one concept per file. It must not
//! frame lines or decode replies (that is `reply`) and keeps no state: every parser takes a
//! decoded [`Reply`] or one line, never panics, and reports a precise
//! [`PayloadError::Malformed`] offset where a grammar is strict.

mod epsv;
mod facts;
mod feat;
mod list;
mod opening;
mod pasv;
mod pathname;
mod protocols;
mod size;
mod timestamp;

pub use epsv::{epsv_reply, parse_epsv_reply};
pub use facts::{encode_facts, mlst_reply, parse_facts, parse_mlst_reply};
pub use feat::{feat_reply, parse_feat_reply, parse_feature_line};
pub use list::{parse_list_line, ListEntry, ListFormat};
pub use opening::{parse_opening_size_hint, parse_unique_name};
pub use pasv::{parse_pasv_reply, pasv_reply};
pub use pathname::{parse_pathname_reply, pathname_reply};
pub use protocols::{parse_protocols_reply, protocols_reply};
pub use size::{parse_size_reply, size_reply};
pub use timestamp::{encode_timestamp, mdtm_reply, parse_mdtm_reply, parse_timestamp};

use super::{Expected, Reply};
use crate::types::ReplyCode;

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
        /// Offset in the reply's first line text (after `ddd SP`), or in the line given to a
        /// line parser, or in the line of a multi-line reply that the parser reads (for
        /// [`parse_mlst_reply`], the entry line).
        offset: usize,
        /// What was expected.
        expected: Expected,
    },
}

/// Refuses a reply of another code.
fn expect_code(reply: &Reply<'_>, code: ReplyCode) -> Result<(), PayloadError> {
    if reply.code() == code {
        Ok(())
    } else {
        Err(PayloadError::UnexpectedCode(reply.code().value()))
    }
}

fn malformed(offset: usize, expected: Expected) -> PayloadError {
    PayloadError::Malformed { offset, expected }
}

/// A decimal number of at most `max_digits` digits at the start of `input`: (value, digits).
fn leading_number(input: &[u8], max_digits: usize) -> Option<(u64, usize)> {
    let n = input.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 || n > max_digits {
        return None;
    }
    let mut v: u64 = 0;
    for &b in &input[..n] {
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some((v, n))
}

/// `input` without trailing spaces and tabs.
fn trim_end(input: &[u8]) -> &[u8] {
    let n = input
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(0, |i| i + 1);
    &input[..n]
}

//! [`Reply`]: a reply code and its text, single- or multi-line (RFC 959 §4.2), its exact
//! encoder, and the streaming client-side decoder.
//!
//! SKELETON: to be implemented (owner: reply codec helper).

use alloc::vec::Vec;

use super::{DecodeError, Limits};
use crate::types::{ReplyCode, Text};

/// A reply: a code and one or more lines of text (RFC 959 §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply<'a> {
    code: ReplyCode,
    lines: Vec<Text<'a>>,
}

impl<'a> Reply<'a> {
    /// A single-line reply.
    pub fn new(code: ReplyCode, text: Text<'a>) -> Self {
        let _ = (code, text);
        todo!()
    }

    /// A multi-line reply from its lines' texts (at least one). Lines that would end the reply
    /// early (starting with the code and a space) are padded as RFC 959 §4.2 advises.
    pub fn multiline(code: ReplyCode, lines: Vec<Text<'a>>) -> Self {
        let _ = (code, lines);
        todo!()
    }

    /// The reply code.
    pub fn code(&self) -> ReplyCode {
        self.code
    }

    /// The text of the first line (after `ddd SP` or `ddd-`).
    pub fn text(&self) -> &[u8] {
        todo!()
    }

    /// Every line's text: the first and last without their `ddd-`/`ddd SP` prefix, the
    /// others as sent.
    pub fn lines(&self) -> impl Iterator<Item = &[u8]> {
        self.lines.iter().map(|l| l.as_bytes())
    }

    /// True for a multi-line reply.
    pub fn is_multiline(&self) -> bool {
        todo!()
    }

    /// Appends the exact wire form, CRLF-terminated, 0xFF doubled.
    pub fn encode(&self, _out: &mut Vec<u8>) {
        todo!()
    }

    /// An owned copy.
    pub fn into_owned(self) -> Reply<'static> {
        todo!()
    }
}

/// Decodes one complete reply from the start of `input`; returns the remainder.
pub fn decode_reply(_input: &[u8]) -> Result<(&[u8], Reply<'_>), DecodeError> {
    todo!()
}

/// A streaming decoder of server replies, for the client: feed bytes in any chunks, take
/// complete replies out. Bounded by [`Limits`].
#[derive(Debug)]
pub struct ReplyDecoder {
    limits: Limits,
}

impl ReplyDecoder {
    /// A decoder with these limits.
    pub fn new(limits: Limits) -> Self {
        ReplyDecoder { limits }
    }
    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }
    /// Appends received bytes.
    pub fn feed(&mut self, _bytes: &[u8]) {
        todo!()
    }
    /// The next complete reply, or `None` when more bytes are needed. After an error the
    /// decoder has resynchronised and can be called again.
    pub fn next_reply(&mut self) -> Option<Result<Reply<'_>, DecodeError>> {
        todo!()
    }
    /// Bytes buffered and not yet returned (for example bytes behind a 234 reply, which
    /// must not be read as plaintext once TLS starts, RFC 4217 §4).
    pub fn buffered(&self) -> usize {
        todo!()
    }
    /// Discards everything buffered.
    pub fn clear(&mut self) {
        todo!()
    }
}

//! Server side: a streaming, bounded decoder of command lines.
//!
//! SKELETON: to be implemented (owner: command codec helper).

use alloc::borrow::Cow;

use super::{Command, CommandError, DecodeError, Limits, TelnetSignal};

/// A streaming decoder of client command lines, for the server: feed it bytes in any chunks,
/// take complete lines out. Bounded by [`Limits::max_line_len`].
#[derive(Debug)]
pub struct CommandDecoder {
    limits: Limits,
}

/// One item out of [`CommandDecoder`].
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandLine<'a> {
    /// A complete command line; the parse result, the command borrowing from the decoder's
    /// buffer (or owned when Telnet escapes had to be removed).
    Command(Result<Command<'a>, CommandError>),
    /// A Telnet signal, in stream order relative to the commands.
    Telnet(TelnetSignal),
    /// A line longer than the limit was skipped (answer 500). Nothing was buffered beyond it.
    TooLong,
}

impl CommandDecoder {
    /// A decoder with these limits.
    pub fn new(limits: Limits) -> Self {
        CommandDecoder { limits }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Appends received bytes.
    pub fn feed(&mut self, _bytes: &[u8]) {
        todo!()
    }

    /// The next complete item, or `None` when more bytes are needed.
    pub fn next_line(&mut self) -> Option<CommandLine<'_>> {
        todo!()
    }

    /// Bytes buffered but not yet returned (for example plaintext pipelined behind
    /// `AUTH TLS`, which a server must discard, RFC 4217 §4).
    pub fn buffered(&self) -> usize {
        todo!()
    }

    /// Discards everything buffered.
    pub fn clear(&mut self) {
        todo!()
    }
}

#[allow(dead_code)]
fn _unused(_: Cow<'_, [u8]>, _: DecodeError) {}

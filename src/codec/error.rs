//! The codec's public errors: small, precise, with byte offsets. nom's types stay private.

use crate::types::{InvalidText, ReplyCode};

/// What a parser expected at the offset where it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// CRLF (or a lone LF) ending a line.
    LineEnd,
    /// A three-digit reply code.
    ReplyCode,
    /// A space or `-` after a reply code.
    ReplyCodeSeparator,
    /// The last line of a multi-line reply (`ddd SP`).
    MultilineEnd,
    /// A command verb (letters).
    Verb,
    /// A space before an argument.
    Space,
    /// An argument.
    Argument,
    /// No argument.
    NoArgument,
    /// A decimal number.
    Number,
    /// A type, structure, mode or protection code letter.
    Code,
    /// A host-port `h1,h2,h3,h4,p1,p2`.
    HostPort,
    /// An extended address `|af|addr|port|`.
    ExtendedAddress,
    /// A time-val `YYYYMMDDHHMMSS[.F]`.
    Timestamp,
    /// A quoted path name.
    QuotedPathname,
    /// A text without CR, LF or NUL.
    Text,
    /// An MLSx fact `name=value;` (RFC 3659 §7.2). (Added with the payload parsers.)
    Fact,
    /// A path name (at least one byte).
    Pathname,
    /// A network protocol this grammar knows: `1` (IPv4) or `2` (IPv6) in EPRT (RFC 2428
    /// §2). A well-formed EPRT with another number is this error, which
    /// [`CommandError::reply_code`] answers with 522, not 501.
    NetworkProtocol,
}

/// An error decoding bytes from the control connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// More bytes are needed; nothing is wrong yet.
    #[error("incomplete: more input needed")]
    Incomplete,
    /// The bytes do not fit the grammar at `offset` (from the start of the input given).
    #[error("invalid input at offset {offset}: expected {expected:?}")]
    Invalid {
        /// Byte offset of the problem.
        offset: usize,
        /// What the grammar expected there.
        expected: Expected,
    },
    /// A line longer than the configured maximum; the decoder skips to the next line end.
    #[error("line longer than {max} bytes")]
    LineTooLong {
        /// The configured maximum.
        max: usize,
    },
    /// A multi-line reply with more lines than the configured maximum.
    #[error("reply longer than {max} lines")]
    TooManyLines {
        /// The configured maximum.
        max: usize,
    },
}

/// Why a complete command line is not a valid command. The line was consumed: a server
/// answers it (500/501/504) and carries on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// The line has no verb (empty, or starts with a space). Answer 500.
    #[error("no command verb at offset {offset}")]
    MissingVerb {
        /// Byte offset in the line.
        offset: usize,
    },
    /// The verb is not printable ASCII or longer than 16 bytes. Answer 500.
    #[error("invalid command verb at offset {offset}")]
    InvalidVerb {
        /// Byte offset in the line.
        offset: usize,
    },
    /// An unrecognised verb whose argument carries a CR (one not part of the line end, for
    /// example from Telnet `CR NUL`) or a NUL, which no command may contain (RFC 959 §4.1.3
    /// `<char>`). Answer 500. (With a known verb the same line is
    /// [`CommandError::InvalidText`], answered 501.)
    #[error("byte 0x{byte:02x} at offset {offset} may not stand in a command line")]
    ForbiddenByte {
        /// Byte offset in the line.
        offset: usize,
        /// The byte (0x0d or 0x00).
        byte: u8,
    },
    /// A known verb whose argument does not fit its grammar. Answer 501.
    #[error("invalid argument for {verb} at offset {offset}: expected {expected:?}")]
    InvalidArgument {
        /// The verb, upper-case.
        verb: &'static str,
        /// Byte offset in the line.
        offset: usize,
        /// What the grammar expected there.
        expected: Expected,
    },
    /// A text argument with a forbidden byte. Answer 501.
    #[error("invalid text for {verb}: {source}")]
    InvalidText {
        /// The verb, upper-case.
        verb: &'static str,
        /// What was wrong; offsets in it count from the start of the line.
        source: InvalidText,
    },
}

impl CommandError {
    /// The reply a server sends for this error (RFC 959 §4.2.1, §5.4): 500 when no command
    /// was recognised, 501 when a known command's argument is wrong, and 522 for an EPRT
    /// whose network protocol is neither 1 nor 2 (RFC 2428 §2: "the server MUST return 522";
    /// its text lists the protocols the server supports), and 504 for a `PROT` level the
    /// grammar does not know (`PROT X`, RFC 2228 §3: "not implemented for that parameter").
    pub fn reply_code(&self) -> ReplyCode {
        match self {
            CommandError::InvalidArgument {
                expected: Expected::NetworkProtocol,
                ..
            } => ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED,
            // RFC 2228 §3 (PROT): a level the server does not know is "not implemented for
            // that parameter" (`PROT X`); a malformed argument stays 501.
            CommandError::InvalidArgument {
                verb: "PROT",
                expected: Expected::Code,
                ..
            } => ReplyCode::NOT_IMPLEMENTED_FOR_PARAMETER,
            CommandError::MissingVerb { .. }
            | CommandError::InvalidVerb { .. }
            | CommandError::ForbiddenByte { .. } => ReplyCode::SYNTAX_ERROR,
            CommandError::InvalidArgument { .. } | CommandError::InvalidText { .. } => {
                ReplyCode::SYNTAX_ERROR_ARGUMENTS
            }
        }
    }

    /// The recognised verb, upper-case, when the error is about its argument.
    pub fn verb(&self) -> Option<&'static str> {
        match self {
            CommandError::InvalidArgument { verb, .. } | CommandError::InvalidText { verb, .. } => {
                Some(verb)
            }
            _ => None,
        }
    }
}

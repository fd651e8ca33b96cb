//! The client's errors and the state they name: [`Error`] (the caller misused the API; the
//! machine is unchanged), [`ProtocolError`] (the server violated the protocol), [`State`].
//!
//! Owns only their shapes. Must not decide anything.

use crate::codec::{DecodeError, PayloadError};
use crate::types::ReplyCode;

/// Where the client is, as errors and [`super::Client::state`] name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Waiting for the greeting (and, in implicit mode, the TLS handshake).
    Connecting,
    /// HOST, AUTH and the control TLS handshake.
    Securing,
    /// Connected and secured as configured; no one logged in.
    Connected,
    /// USER/PASS/ACCT, then PBSZ/PROT, CCC, FEAT, OPTS UTF8, TYPE.
    LoggingIn,
    /// Logged in, nothing in flight.
    Ready,
    /// Logged in, one command in flight.
    Busy,
    /// A transfer runs.
    Transferring,
    /// QUIT sent.
    Closing,
    /// The session ended.
    Closed,
}

/// What the caller did wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Another request is in flight: the client runs one command at a time (FTP replies carry
    /// no tag, so pipelining would mis-attribute them after any error).
    #[error("another request is in flight")]
    Busy,
    /// The request needs a logged-in session.
    #[error("not logged in")]
    NotLoggedIn,
    /// Already logged in (use `reinitialize` first).
    #[error("already logged in")]
    AlreadyLoggedIn,
    /// The session has ended.
    #[error("the session has ended")]
    Closed,
    /// `abort` without a transfer.
    #[error("no transfer to abort")]
    NoTransfer,
    /// The login needs TLS (certificate login) but the control connection is in clear.
    #[error("this login needs a protected control connection")]
    NeedsTls,
    /// `PROT P` was refused: no transfer until it is in force.
    #[error("data protection (PROT P) is not in force")]
    DataProtection,
    /// A raw command that would desynchronise the machine (AUTH, USER, a transfer...): use
    /// the named request.
    #[error("this command has a named request; raw commands may not change session state")]
    UseNamedRequest,
    /// The control connection is already protected.
    #[error("the control connection is already protected")]
    AlreadyProtected,
    /// Not possible in this security mode (for example REIN under implicit TLS).
    #[error("not supported in this security mode")]
    Unsupported,
}

/// A misuse of the API: the request was not started and the client is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} (state {state:?})")]
pub struct Error {
    /// What was wrong.
    pub kind: ErrorKind,
    /// The state the client was in.
    pub state: State,
}

/// What the server did wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// Bytes that are not a reply.
    MalformedReply(DecodeError),
    /// A reply code the command in flight does not allow (RFC 959 §5.4).
    UnexpectedReply(ReplyCode),
    /// Bytes arrived in clear behind the `234` reply to `AUTH`, before TLS was up: they
    /// are dropped and the session closed (no plaintext injection, RFC 4217 §4).
    PlaintextAfterAuth {
        /// How many bytes.
        bytes: usize,
    },
    /// Replies that answer no command, more than the client tolerates.
    UnsolicitedReplies,
    /// A reply whose payload does not parse (227, 229, 257, 213, FEAT, MLST).
    MalformedPayload(PayloadError),
}

/// A protocol violation by the server, with the state it happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("protocol error in state {state:?}: {kind:?}")]
pub struct ProtocolError {
    /// What was wrong.
    pub kind: ProtocolErrorKind,
    /// The state the client was in.
    pub state: State,
}

//! [`Event`]: what a [`super::Client`] tells the application, and the values events carry:
//! [`RequestId`], [`Response`], [`Failure`], [`CloseReason`], [`TransferCommand`].
//!
//! Owns only the shapes of those values. Must not decide anything. No event ever carries a
//! password or an account.

use core::fmt;

use super::{ProtocolError, Timer};
use crate::codec::Reply;
use crate::types::{Channel, DataEnd, Facts, Features, Pathname, Timestamp};

/// Names one request. Every request method returns one; the matching
/// [`Event::Completed`] carries it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The number, unique within one client (counting from 1).
    pub const fn value(self) -> u64 {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The command that actually runs a transfer (it can differ from the request: an `MLSD`
/// refused with 500/502 is retried as `LIST`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferCommand {
    /// `LIST`: a listing in the server's own format (see `codec::parse_list_line`).
    List,
    /// `NLST`: one name per line.
    Nlst,
    /// `MLSD`: one `facts; name` entry per line (RFC 3659 §7, see `codec::parse_facts`).
    Mlsd,
    /// `RETR`: the server sends a file.
    Retr,
    /// `STOR`: the client sends a file.
    Stor,
    /// `APPE`: the client sends data appended to a file.
    Appe,
    /// `STOU`: the client sends a file stored under a unique name.
    Stou,
}

impl TransferCommand {
    /// True when the client sends the bytes (STOR, APPE, STOU).
    pub const fn is_upload(self) -> bool {
        matches!(
            self,
            TransferCommand::Stor | TransferCommand::Appe | TransferCommand::Stou
        )
    }
}

/// What a successful request produced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Response {
    /// Logged in; the server's features (empty if FEAT was refused).
    LoggedIn {
        /// What FEAT announced.
        features: Features,
    },
    /// The final reply of a command that returns nothing more (CWD, DELE, RNTO, SITE, NOOP,
    /// a raw command...).
    Done(Reply<'static>),
    /// The path name of a `257` reply (PWD, MKD). `None` for a 257 without a quoted name.
    Path(Option<Pathname<'static>>),
    /// SIZE (RFC 3659 §4).
    Size(u64),
    /// MDTM (RFC 3659 §3).
    ModifyTime(Timestamp),
    /// MLST (RFC 3659 §7): the facts of one entry.
    Facts(Facts<'static>),
    /// FEAT (RFC 2389).
    Features(Features),
    /// A transfer ended with both a final 226/250 reply and a clean end of the data
    /// connection (TLS close_notify under PROT P).
    Transferred {
        /// The command that ran.
        command: TransferCommand,
        /// The final reply.
        reply: Reply<'static>,
    },
}

/// Why a request failed. The control connection stays usable unless an
/// [`Event::Closed`] follows.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The server refused (4xx, 5xx), or answered with a code the command does not allow.
    Refused(Reply<'static>),
    /// The data connection did not end cleanly (`Truncated` under PROT P, or `Failed`), so
    /// the data may be incomplete, whatever the server's final reply said.
    DataConnection {
        /// How it ended.
        end: DataEnd,
        /// The server's final reply, if one came.
        reply: Option<Reply<'static>>,
    },
    /// The data connection could not be opened or accepted.
    DataUnavailable,
    /// The server wants an account (332) and the login has none.
    AccountRequired(Reply<'static>),
    /// The server wants a password (331) and the login has none.
    PasswordRequired(Reply<'static>),
    /// `PROT P` was asked for but the server refused `PBSZ` or `PROT`: transfers are refused
    /// locally until a new login succeeds.
    DataProtectionRefused(Reply<'static>),
    /// A TLS handshake failed on this channel.
    Tls(Channel),
    /// The transfer was aborted by [`super::Client::abort`].
    Aborted,
    /// A deadline passed.
    Timeout(Timer),
    /// The server violated the protocol.
    Protocol(ProtocolError),
    /// The control connection closed (see the [`Event::Closed`] that follows).
    ConnectionClosed,
}

/// Why the session ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// After `QUIT` (the server's reply, if it came).
    Quit(Option<Reply<'static>>),
    /// The server said `421` (RFC 959 §4.2), or refused the greeting (`5xx`).
    ServiceNotAvailable(Reply<'static>),
    /// TLS was required but the server refused `AUTH` (RFC 4217 §4.1); nothing secret was
    /// sent.
    TlsRefused(Reply<'static>),
    /// The server refused `HOST` (RFC 7151 §3.2).
    HostRefused(Reply<'static>),
    /// The control channel's TLS handshake failed.
    TlsFailed,
    /// A deadline passed.
    Timeout(Timer),
    /// The server violated the protocol.
    Protocol(ProtocolError),
    /// The adapter reported the control connection closed.
    PeerClosed,
    /// The idle timer fired and `QUIT` was sent.
    Idle,
}

/// Something the application should know, in order with the adapter's actions.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The greeting arrived and the control connection is secured as configured: a login
    /// can start (one given early starts by itself). Also emitted after `REIN` completes.
    Connected {
        /// The greeting (or the reply to `HOST`, when sent).
        greeting: Reply<'static>,
        /// True when the control connection is protected by TLS.
        tls: bool,
    },
    /// `AUTH` was refused in [`super::Security::ExplicitOpportunistic`] mode: the session
    /// carries on in clear.
    TlsDeclined(Reply<'static>),
    /// The data connection of this request is ready (connected, 1xx seen, TLS up under
    /// PROT P): move the bytes now, then report the end with
    /// [`super::Client::handle_data_ended`] (for an upload: after sending everything and
    /// closing cleanly, with close_notify under PROT P).
    TransferStarted {
        /// The request.
        request: RequestId,
        /// What runs (tells a listing's format).
        command: TransferCommand,
        /// The `(N bytes)` hint of the 150 reply, when given.
        size_hint: Option<u64>,
    },
    /// A 1yz (positive preliminary) reply to a raw command ([`super::Client::raw`],
    /// [`super::Client::raw_unchecked`]); the request goes on until its final reply.
    Preliminary {
        /// The request.
        request: RequestId,
        /// The 1yz reply.
        reply: Reply<'static>,
    },
    /// A request ended.
    Completed {
        /// The request.
        request: RequestId,
        /// Its outcome.
        result: Result<Response, Failure>,
    },
    /// A reply that answers nothing in flight (for example a late 226 behind an ABOR's
    /// 225); it was ignored.
    Unsolicited(Reply<'static>),
    /// A multi-line reply had more lines than [`crate::codec::Limits::max_reply_lines`]
    /// (see [`super::Config::with_limits`]): the lines past the limit were dropped as they
    /// arrived, never buffered (RFC 1123 §4.1.2.11, "ignoring the excess lines"). The reply
    /// itself, with its first lines and its end line, is handled as usual right after this
    /// event (a `STAT`, `HELP` or `SITE` request completes with it).
    ExcessLinesIgnored {
        /// The reply's code.
        code: crate::types::ReplyCode,
        /// How many lines were dropped.
        lines: usize,
    },
    /// The session ended; [`Output::Close`](super::Output::Close) follows.
    Closed(CloseReason),
}

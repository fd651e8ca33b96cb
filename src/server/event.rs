//! [`Event`]: what the session tells the application, and the [`Decision`] handle the
//! application answers with.
//!
//! Owns the vocabulary of decisions (one event per file-system or login question, each
//! carrying a [`Decision`]) and of notices that need no answer. It must not format replies
//! (that is the session's) and must not touch storage.

use super::State;
use crate::types::{Password, Pathname, ReplyCode, Text, Timestamp, Username};

/// A handle for one question the session asked ([`Event`]). Answer it with exactly one of the
/// session's decision methods (`accept`, `accept_path`, `reject`, ...); for a transfer, the same
/// handle is later given to `transfer_done` / `transfer_failed`.
///
/// Handles carry a tag of the session that issued them, so a handle given to another session
/// is refused ([`super::Misuse::UnknownDecision`]) rather than taken for one of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Decision {
    pub(crate) session: u32,
    pub(crate) id: u32,
}

impl Decision {
    /// A number unique within the session, counting from 1 (for logs).
    pub fn id(self) -> u32 {
        self.id
    }
}

/// Something the application must decide or should know. Every variant with a `decision`
/// blocks the session (later commands wait, in order) until it is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `HOST <name>` (RFC 7151 §3): accept (`220`) or reject (`504` unknown host, or `421` to
    /// close). Only asked before `USER`; afterwards the session answers `503` itself. When the
    /// TLS client hello carried a server name, RFC 7151 §3 requires the application to check
    /// that it matches `hostname`.
    Host {
        /// The handle to answer.
        decision: Decision,
        /// The virtual host name as sent.
        hostname: Text<'static>,
    },
    /// `USER <name>`: answer `accept` (`331`, password needed), `require_tls` (this user may not
    /// log in without a protected control connection: `530` unless it is protected),
    /// `accept_certificate` (`232`, only when `client_certificate`) or `reject`.
    ///
    /// RFC 2577 §5 advises answering `331` even for unknown users.
    User {
        /// The handle to answer.
        decision: Decision,
        /// The user name.
        user: Username<'static>,
        /// `anonymous` or `ftp` (case-insensitive).
        anonymous: bool,
        /// Whether the control connection is protected by TLS now.
        protected: bool,
        /// Whether the TLS client presented a verified certificate and certificate login is
        /// enabled. The identity itself (and whether it matches `user`, RFC 4217 §4.2) is read
        /// from the TLS session by the adapter or application.
        client_certificate: bool,
    },
    /// `PASS`: accept (`230`) or reject (`530`, held back by the login delay).
    Authenticate {
        /// The handle to answer.
        decision: Decision,
        /// The user of the preceding `USER`.
        user: Username<'static>,
        /// The password (redacted in `Debug`).
        password: Password<'static>,
    },
    /// `CWD` / `XCWD`: accept (`250`) or reject (e.g. `550`).
    ChangeDirectory {
        /// The handle to answer.
        decision: Decision,
        /// The directory.
        path: Pathname<'static>,
    },
    /// `CDUP` / `XCUP`: accept (`200`, RFC 959 §5.4) or reject.
    ChangeToParent {
        /// The handle to answer.
        decision: Decision,
    },
    /// `PWD` / `XPWD`: `accept_path` with the current directory (`257`).
    PrintDirectory {
        /// The handle to answer.
        decision: Decision,
    },
    /// `MKD` / `XMKD`: `accept_path` with the created directory (`257`) or reject.
    MakeDirectory {
        /// The handle to answer.
        decision: Decision,
        /// The directory to create.
        path: Pathname<'static>,
    },
    /// `RMD` / `XRMD`: accept (`250`) or reject.
    RemoveDirectory {
        /// The handle to answer.
        decision: Decision,
        /// The directory to remove.
        path: Pathname<'static>,
    },
    /// `DELE`: accept (`250`) or reject.
    Delete {
        /// The handle to answer.
        decision: Decision,
        /// The file to delete.
        path: Pathname<'static>,
    },
    /// `RNFR`: accept (`350`, the source exists) or reject (`450`/`550`).
    RenameFrom {
        /// The handle to answer.
        decision: Decision,
        /// The source.
        path: Pathname<'static>,
    },
    /// `RNTO` after an accepted `RNFR`: accept (`250`) or reject (e.g. `553`).
    Rename {
        /// The handle to answer.
        decision: Decision,
        /// The source of the `RNFR`.
        from: Pathname<'static>,
        /// The new name.
        to: Pathname<'static>,
    },
    /// `SIZE` (RFC 3659 §4): `accept_size` (`213`) or reject (`550`).
    Size {
        /// The handle to answer.
        decision: Decision,
        /// The file.
        path: Pathname<'static>,
    },
    /// `MDTM` (RFC 3659 §3): `accept_time` (`213`) or reject (`550`).
    ModificationTime {
        /// The handle to answer.
        decision: Decision,
        /// The file.
        path: Pathname<'static>,
    },
    /// `MFMT` (draft-somers-ftp-mfxx): accept (`213 Modify=...; path`) or reject.
    SetModificationTime {
        /// The handle to answer.
        decision: Decision,
        /// The file.
        path: Pathname<'static>,
        /// The time to set.
        time: Timestamp,
    },
    /// `SITE <command>`: `accept_lines` (`200`, the lines as text) or reject (`500`/`502`/`504`).
    Site {
        /// The handle to answer.
        decision: Decision,
        /// The SITE argument as sent.
        command: Text<'static>,
    },
    /// `STAT <path>` (RFC 959 §4.1.3, like LIST over the control connection): `accept_lines`
    /// (`213` for a file) or `accept_directory_status` (`212` for a directory), one line per
    /// entry, or reject (`450`/`550`).
    Status {
        /// The handle to answer.
        decision: Decision,
        /// The path.
        path: Pathname<'static>,
    },
    /// `MLST [path]` (RFC 3659 §7): `accept_facts` with the entry line (`250`) or reject (`550`).
    MachineList {
        /// The handle to answer.
        decision: Decision,
        /// The path; `None` means the current directory.
        path: Option<Pathname<'static>>,
    },
    /// `RETR` (with a preceding `REST` offset, RFC 3659 §5): accept (the session sequences
    /// `150`, the data connection and `226`) or reject (`450`/`550`).
    Retrieve {
        /// The handle to answer, and later to finish the transfer with.
        decision: Decision,
        /// The file.
        path: Pathname<'static>,
        /// Where to start, 0 without `REST`.
        offset: u64,
    },
    /// `STOR` (with a `REST` offset): accept or reject (`450`/`452`/`553`).
    Store {
        /// The handle to answer, and later to finish the transfer with.
        decision: Decision,
        /// The file.
        path: Pathname<'static>,
        /// Where to start writing, 0 without `REST`.
        offset: u64,
    },
    /// `APPE`: accept or reject.
    Append {
        /// The handle to answer, and later to finish the transfer with.
        decision: Decision,
        /// The file.
        path: Pathname<'static>,
    },
    /// `STOU`: `accept_unique` with the name chosen (`150 FILE: name`, RFC 1123 §4.1.2.9) or
    /// reject.
    StoreUnique {
        /// The handle to answer, and later to finish the transfer with.
        decision: Decision,
        /// A name the client suggested (not standard; some clients send one).
        hint: Option<Pathname<'static>>,
    },
    /// `LIST [path]`: accept (the adapter writes the listing on the data connection) or reject.
    List {
        /// The handle to answer, and later to finish the transfer with.
        decision: Decision,
        /// The argument as sent (may be options such as `-la`).
        path: Option<Pathname<'static>>,
    },
    /// `NLST [path]`: accept or reject.
    NameList {
        /// The handle to answer, and later to finish the transfer with.
        decision: Decision,
        /// The argument as sent.
        path: Option<Pathname<'static>>,
    },
    /// `MLSD [path]` (RFC 3659 §7): accept or reject (`501` not a directory, `550`).
    MachineListDirectory {
        /// The handle to answer, and later to finish the transfer with.
        decision: Decision,
        /// The directory; `None` means the current directory.
        path: Option<Pathname<'static>>,
    },
    /// A notice: an accepted transfer ended, and how (no answer needed). A failed upload's
    /// partial file is the application's to keep or remove.
    TransferEnded {
        /// The transfer's handle.
        decision: Decision,
        /// The final reply code sent (`226` on success).
        reply: ReplyCode,
        /// True only for a complete transfer (final reply `226` and a clean data end).
        success: bool,
    },
    /// A notice: `REIN` (or `AUTH`) reset the login; the application forgets the user.
    LoggedOut,
    /// A notice: the peer broke the protocol or a policy; the session already answered it.
    PeerError(PeerError),
}

impl Event {
    /// The handle to answer, for events that ask a question.
    pub fn decision(&self) -> Option<Decision> {
        match self {
            Event::Host { decision, .. }
            | Event::User { decision, .. }
            | Event::Authenticate { decision, .. }
            | Event::ChangeDirectory { decision, .. }
            | Event::ChangeToParent { decision }
            | Event::PrintDirectory { decision }
            | Event::MakeDirectory { decision, .. }
            | Event::RemoveDirectory { decision, .. }
            | Event::Delete { decision, .. }
            | Event::RenameFrom { decision, .. }
            | Event::Rename { decision, .. }
            | Event::Size { decision, .. }
            | Event::ModificationTime { decision, .. }
            | Event::SetModificationTime { decision, .. }
            | Event::Site { decision, .. }
            | Event::Status { decision, .. }
            | Event::MachineList { decision, .. }
            | Event::Retrieve { decision, .. }
            | Event::Store { decision, .. }
            | Event::Append { decision, .. }
            | Event::StoreUnique { decision, .. }
            | Event::List { decision, .. }
            | Event::NameList { decision, .. }
            | Event::MachineListDirectory { decision, .. } => Some(*decision),
            Event::TransferEnded { .. } | Event::LoggedOut | Event::PeerError(_) => None,
        }
    }
}

/// A remote error: what the peer did wrong, and in which state. The session has already
/// answered it (a reply or a close); this is for logs and metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerError {
    /// The state the session was in.
    pub state: State,
    /// What happened.
    pub kind: PeerErrorKind,
}

/// The kinds of [`PeerError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerErrorKind {
    /// Bytes pipelined in clear behind `AUTH TLS` were discarded (RFC 4217 §4; no plaintext
    /// injection across the upgrade).
    PlaintextAfterAuth {
        /// How many bytes were discarded.
        discarded: usize,
    },
    /// A command line longer than the limit (answered `500`).
    LineTooLong,
    /// More pipelined bytes than the limit while the session was blocked (answered `421`).
    Flood,
    /// Too many failed logins (answered `421`, RFC 2577 §4).
    TooManyLoginFailures,
    /// No command within the idle timeout (answered `421`).
    IdleTimeout,
    /// No successful login within [`super::Config::login_timeout`] (answered `421`).
    LoginTimeout,
    /// A data connection ended without TLS close_notify or failed: the transfer failed.
    DataConnectionBroken,
    /// The TLS handshake failed on this channel.
    TlsFailed(crate::types::Channel),
    /// A protected data connection did not resume the control session (answered `522`).
    DataSessionNotResumed,
    /// `PORT`/`EPRT` to another host than the control peer or to a port below 1024 (RFC 2577
    /// §3, answered `504`).
    ForbiddenDataAddress,
}

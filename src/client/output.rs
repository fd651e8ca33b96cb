//! [`Output`]: the one ordered stream of actions and events a [`super::Client`] asks its
//! adapter to carry out, and [`DataAddress`]: where a passive data connection goes.
//!
//! Owns only the shapes of those values. Must not decide anything.

use alloc::vec::Vec;
use core::fmt;

use super::{Event, RequestId};
use crate::types::{Channel, Instant, TlsRole};

/// Where the adapter connects a passive data connection.
///
/// By default the client never connects where a `227` reply says: it keeps only the port and
/// the adapter pairs it with the IP address of the control connection's peer (RFC 2577 §3,
/// and the NAT case where the server announces a private address). `EPSV` replies carry
/// only a port anyway (RFC 2428 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataAddress {
    /// The control connection's peer IP address, with this port.
    ControlPeer {
        /// The TCP port.
        port: u16,
    },
    /// Exactly this address (a `227` reply with [`super::Config::trust_pasv_address`] set).
    Exact(core::net::SocketAddr),
}

/// One action or event, in the order the adapter must handle them.
///
/// After every input (`handle_*` or a request), call [`super::Client::poll_output`] until
/// it returns [`Output::Timeout`] or [`Output::Idle`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Write these bytes on the control connection (through TLS when it is protected).
    Send(Vec<u8>),
    /// Start a TLS handshake on this channel; report the result with
    /// [`super::Client::handle_tls_ready`] or [`super::Client::handle_tls_failed`].
    StartTls {
        /// The channel.
        channel: Channel,
        /// Always [`TlsRole::Client`]: the FTP client is the TLS client on both connections,
        /// whoever connected (RFC 4217 §7).
        role: TlsRole,
        /// The data channel's handshake must resume the control channel's TLS session
        /// (servers such as vsftpd and proftpd refuse a data connection that does not).
        resume_session: bool,
    },
    /// Close TLS on this channel with close_notify and carry on in clear on the same TCP
    /// connection (after `CCC`, RFC 4217 §5, or the reply to `REIN`, §13). Complete the
    /// exchange before sending the next [`Output::Send`].
    EndTls {
        /// The channel (always [`Channel::Control`] today).
        channel: Channel,
    },
    /// Open a data connection (passive mode); report it with
    /// [`super::Client::handle_data_connected`] or `handle_data_ended(DataEnd::Failed)`.
    OpenData {
        /// The request the connection belongs to.
        request: RequestId,
        /// Where to connect.
        address: DataAddress,
    },
    /// Listen for a data connection (active mode) on the control connection's local IP and
    /// a port the operating system picks (not a predictable one: RFC 2577 §8 port
    /// stealing); report the address with [`super::Client::handle_data_listening`].
    ListenData {
        /// The request the connection belongs to.
        request: RequestId,
    },
    /// Accept the server's data connection on the listener; report it with
    /// [`super::Client::handle_data_connected`]. Accept only a connection from the control
    /// connection's peer IP address (RFC 2577 §8: anyone else could inject or steal data);
    /// under `PROT P` the TLS handshake with session resumption binds it further.
    AcceptData {
        /// The request the connection belongs to.
        request: RequestId,
    },
    /// Close the data connection (or the listener) now, without waiting for the peer.
    CloseData,
    /// Close the control connection (and any data connection). Nothing follows.
    Close,
    /// Something the application should know.
    Event(Event),
    /// Nothing more to do until this instant (or until another input): call
    /// [`super::Client::handle_timeout`] then.
    Timeout(Instant),
    /// Nothing more to do until another input.
    Idle,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Control bytes may carry a password (PASS): show only the verb.
            Output::Send(bytes) => {
                let verb_end = bytes
                    .iter()
                    .position(|b| *b == b' ' || *b == b'\r')
                    .unwrap_or(bytes.len());
                let verb = &bytes[..verb_end];
                if verb.eq_ignore_ascii_case(b"PASS") || verb.eq_ignore_ascii_case(b"ACCT") {
                    write!(f, "Send({} <redacted>)", verb.escape_ascii())
                } else {
                    write!(f, "Send(\"{}\")", bytes.escape_ascii())
                }
            }
            Output::StartTls {
                channel,
                role,
                resume_session,
            } => f
                .debug_struct("StartTls")
                .field("channel", channel)
                .field("role", role)
                .field("resume_session", resume_session)
                .finish(),
            Output::EndTls { channel } => {
                f.debug_struct("EndTls").field("channel", channel).finish()
            }
            Output::OpenData { request, address } => f
                .debug_struct("OpenData")
                .field("request", request)
                .field("address", address)
                .finish(),
            Output::ListenData { request } => f
                .debug_struct("ListenData")
                .field("request", request)
                .finish(),
            Output::AcceptData { request } => f
                .debug_struct("AcceptData")
                .field("request", request)
                .finish(),
            Output::CloseData => f.write_str("CloseData"),
            Output::Close => f.write_str("Close"),
            Output::Event(e) => f.debug_tuple("Event").field(e).finish(),
            Output::Timeout(t) => f.debug_tuple("Timeout").field(t).finish(),
            Output::Idle => f.write_str("Idle"),
        }
    }
}

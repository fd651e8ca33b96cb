//! [`Output`]: the one ordered stream of things the adapter must do, and [`TlsDetails`], what
//! the adapter reports about a finished handshake.
//!
//! Owns the I/O vocabulary between the session and its adapter. It must not decide anything.

use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use super::{Decision, Event};
use crate::types::{Channel, Instant, Text, TlsRole};

/// The next thing the adapter must do, from [`super::Session::poll_output`]. Perform them in
/// order; drain until [`Output::Timeout`] or [`Output::Idle`] after every input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Write these bytes on the control connection, through TLS when it is protected: one or
    /// more complete replies, or a three-byte Telnet refusal (`IAC DONT x` / `IAC WONT x`) of
    /// an option the client tried to negotiate (RFC 1123 §4.1.2.12).
    Send(Vec<u8>),
    /// Start a TLS handshake on this channel. The server is always the TLS server
    /// (RFC 4217 §7). Report with `handle_tls_ready` / `handle_tls_failed`. Under PROT P the
    /// data handshake is asked as soon as the data TCP connection is up, so clients that
    /// handshake before the `150` (curl) and after it (lftp, ftplib) both work.
    StartTls {
        /// Which connection.
        channel: Channel,
        /// Always [`TlsRole::Server`] here.
        role: TlsRole,
        /// For the data channel: the policy wants the control connection's TLS session
        /// resumed (report whether it was in [`TlsDetails::resumed`]).
        resume_session: bool,
    },
    /// Send TLS close_notify on this channel and continue in clear on the same TCP
    /// connection (`CCC`, RFC 4217 §5; `REIN`, RFC 4217 §13). Everything before this output
    /// goes out protected; everything after goes out in clear.
    EndTls {
        /// Which connection.
        channel: Channel,
    },
    /// Open a passive listener on the control connection's local address, and accept data
    /// connections on it only from `peer` (RFC 2577 §3, port stealing). Report the bound
    /// address with `handle_data_listening` (or `handle_data_listen_failed`), then each
    /// accepted connection with `handle_data_connected`. Replaces any earlier data setup
    /// (a [`Output::CloseData`] comes first).
    ListenData {
        /// The only address allowed to connect.
        peer: IpAddr,
    },
    /// Connect to the client for active mode (`PORT`/`EPRT`); report with
    /// `handle_data_connected` or `handle_data_ended(DataEnd::Failed)`.
    OpenData {
        /// Where to connect (already checked: the control peer, port 1024 or above).
        to: SocketAddr,
    },
    /// The data connection is up (and protected when PROT P), and the application accepted
    /// this transfer: move the bytes now. Downloads end with `transfer_done`; uploads with
    /// `handle_data_ended` and `transfer_done` (in either order).
    StartTransfer {
        /// The transfer's handle.
        decision: Decision,
        /// Which way the bytes go.
        direction: Direction,
    },
    /// Stop any transfer, close the data connection (TLS close_notify first under PROT P,
    /// then FIN) and any passive listener.
    CloseData,
    /// Close the control connection (after sending everything before this output).
    Close,
    /// Tell the application something, or ask it to decide.
    Event(Event),
    /// Nothing more to do now; call `handle_timeout` at this instant unless an input comes
    /// first.
    Timeout(Instant),
    /// Nothing more to do and no timer (the session is closed, or waits for a decision).
    Idle,
}

/// Which way a transfer's bytes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// Server to client: `RETR`, `LIST`, `NLST`, `MLSD`.
    Send,
    /// Client to server: `STOR`, `APPE`, `STOU`.
    Receive,
}

/// What the adapter reports about a finished TLS handshake.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TlsDetails {
    /// The handshake resumed an earlier session (for a data connection: the control
    /// connection's). Default: false.
    pub resumed: bool,
    /// The client presented a certificate the TLS layer verified. Default: false.
    pub client_certificate: bool,
    /// The host name the client asked for in the TLS handshake (the `server_name`
    /// extension, RFC 6066 §3; rustls: `ServerConnection::server_name()`), for the control
    /// connection. The session checks `HOST` against it (RFC 7151 §3) and hands it to the
    /// application with [`super::Event::Authenticate`]. Default: none.
    pub server_name: Option<Text<'static>>,
}

impl TlsDetails {
    /// A full handshake, no client certificate.
    pub fn new() -> Self {
        TlsDetails::default()
    }
    /// Sets whether the session was resumed.
    pub fn with_resumed(mut self, resumed: bool) -> Self {
        self.resumed = resumed;
        self
    }
    /// Sets whether a verified client certificate was presented.
    pub fn with_client_certificate(mut self, presented: bool) -> Self {
        self.client_certificate = presented;
        self
    }
    /// Sets the TLS server name the client sent, if it sent one.
    pub fn with_server_name(mut self, name: Option<Text<'_>>) -> Self {
        self.server_name = name.map(Text::into_owned);
        self
    }
}

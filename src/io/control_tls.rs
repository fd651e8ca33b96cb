//! The TLS state of a server session's control connection, shared by the blocking and tokio
//! server adapters: clear, then TLS once the session machine asks for it
//! ([`Output::StartTls`](crate::server::Output::StartTls)), then back to clear after
//! `CCC`/`REIN` ([`Output::EndTls`](crate::server::Output::EndTls)) once the client's
//! close_notify arrived (RFC 4217 §5).
//!
//! Owns the `rustls::ServerConnection` and the record boundaries while closing. Writes what it
//! must send to any `io::Write` the adapter gives (its socket, or a buffer it writes out later);
//! must not own or wait on a socket, and must not interpret FTP: plaintext goes to the machine
//! unchanged.

use std::boxed::Box;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::vec::Vec;

use rustls::pki_types::CertificateDer;
use rustls::{HandshakeKind, ServerConfig, ServerConnection};

/// The control connection's TLS state.
#[derive(Debug)]
pub(crate) enum ControlTls {
    /// No TLS.
    Clear,
    /// Handshaking or established.
    Active(Box<ServerConnection>),
    /// Our close_notify was sent after `EndTls`; waiting for the client's, then clear.
    /// Bytes are handed to rustls one TLS record at a time, so that clear text right behind
    /// the client's close_notify is not swallowed as TLS (RFC 4217 §5).
    Closing(Box<ServerConnection>, RecordCursor),
}

/// Where the raw byte stream stands within TLS records (header 5 bytes, then its length).
#[derive(Debug, Default)]
pub(crate) struct RecordCursor {
    header: Vec<u8>,
    body_left: usize,
}

impl RecordCursor {
    /// How many of the next bytes belong to the current record (header or body) and whether
    /// they complete it.
    pub(crate) fn take(&mut self, available: &[u8]) -> (usize, bool) {
        if self.body_left == 0 {
            let want = 5 - self.header.len();
            let n = want.min(available.len());
            self.header
                .extend_from_slice(available.get(..n).unwrap_or(&[]));
            if self.header.len() == 5 {
                let len = u16::from_be_bytes([self.header[3], self.header[4]]);
                self.header.clear();
                self.body_left = usize::from(len);
                return (n, self.body_left == 0);
            }
            return (n, false);
        }
        let n = self.body_left.min(available.len());
        self.body_left -= n;
        (n, self.body_left == 0)
    }
}

/// What feeding raw bytes produced.
#[derive(Debug, Default)]
pub(crate) struct Fed {
    /// Plaintext for the machine's `handle_input`.
    pub plaintext: Vec<u8>,
    /// The TLS handshake just completed: `(client certificate chain's leaf, resumed)`.
    pub handshake_done: Option<(Option<CertificateDer<'static>>, bool)>,
    /// With `handshake_done`: the server name the client sent (SNI, RFC 6066 §3).
    pub server_name: Option<crate::types::Text<'static>>,
    /// The TLS layer failed (handshake or record error).
    pub tls_failed: bool,
    /// The client closed TLS (close_notify) while TLS was active: the control connection is
    /// over.
    pub closed: bool,
}

impl ControlTls {
    /// Starts the server side of a TLS handshake; the client's bytes come through
    /// [`ControlTls::feed`].
    pub(crate) fn start(&mut self, config: Arc<ServerConfig>) -> Result<(), rustls::Error> {
        *self = ControlTls::Active(Box::new(ServerConnection::new(config)?));
        Ok(())
    }

    /// Whether a TLS handshake is in progress.
    pub(crate) fn is_handshaking(&self) -> bool {
        matches!(self, ControlTls::Active(c) if c.is_handshaking())
    }

    /// Feeds raw bytes received from the client; what TLS answers (handshake messages,
    /// alerts) is written to `out`.
    pub(crate) fn feed<W: Write>(&mut self, raw: &[u8], out: &mut W) -> io::Result<Fed> {
        let mut fed = Fed::default();
        match self {
            ControlTls::Clear => {
                fed.plaintext.extend_from_slice(raw);
                Ok(fed)
            }
            ControlTls::Closing(conn, cursor) => {
                let mut rest = raw;
                while !rest.is_empty() {
                    let (n, record_done) = cursor.take(rest);
                    let mut chunk = rest.get(..n).unwrap_or(&[]);
                    rest = rest.get(n..).unwrap_or(&[]);
                    while !chunk.is_empty() {
                        if conn.read_tls(&mut chunk).is_err() {
                            fed.tls_failed = true;
                            return Ok(fed);
                        }
                    }
                    if !record_done {
                        continue;
                    }
                    match conn.process_new_packets() {
                        Ok(state) if state.peer_has_closed() => {
                            // CCC complete (RFC 4217 §5): the rest is clear text.
                            *self = ControlTls::Clear;
                            fed.plaintext.extend_from_slice(rest);
                            return Ok(fed);
                        }
                        Ok(_) => {
                            // Application data after our close_notify is discarded.
                            drain_plaintext(conn, &mut Vec::new());
                        }
                        Err(_) => {
                            fed.tls_failed = true;
                            return Ok(fed);
                        }
                    }
                }
                Ok(fed)
            }
            ControlTls::Active(conn) => {
                let was_handshaking = conn.is_handshaking();
                let mut rest = raw;
                let mut peer_closed = false;
                while !rest.is_empty() && !peer_closed {
                    if conn.read_tls(&mut rest).is_err() {
                        fed.tls_failed = true;
                        break;
                    }
                    match conn.process_new_packets() {
                        Ok(state) => peer_closed = state.peer_has_closed(),
                        Err(_) => {
                            // Send the alert rustls queued, then give up.
                            let _ = write_tls(conn, out);
                            fed.tls_failed = true;
                            break;
                        }
                    }
                    drain_plaintext(conn, &mut fed.plaintext);
                    write_tls(conn, out)?;
                }
                if was_handshaking && !conn.is_handshaking() && !fed.tls_failed {
                    let leaf = conn
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .map(|c| c.clone().into_owned());
                    let resumed = conn.handshake_kind() == Some(HandshakeKind::Resumed);
                    fed.handshake_done = Some((leaf, resumed));
                    fed.server_name = conn.server_name().and_then(|n| {
                        crate::types::Text::try_from(std::string::String::from(n)).ok()
                    });
                }
                fed.closed = peer_closed;
                Ok(fed)
            }
        }
    }

    /// Writes `bytes` for the client to `out`: through TLS when active, else in clear.
    pub(crate) fn send<W: Write>(&mut self, bytes: &[u8], out: &mut W) -> io::Result<()> {
        match self {
            ControlTls::Clear => {
                out.write_all(bytes)?;
                out.flush()
            }
            ControlTls::Active(conn) | ControlTls::Closing(conn, _) => {
                let mut rest = bytes;
                while !rest.is_empty() {
                    let n = conn.writer().write(rest)?;
                    rest = rest.get(n..).unwrap_or(&[]);
                    write_tls(conn, out)?;
                }
                write_tls(conn, out)
            }
        }
    }

    /// `EndTls`: writes close_notify to `out`; the connection goes back to clear once the
    /// client's close_notify arrives (RFC 4217 §5).
    pub(crate) fn end<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        match core::mem::replace(self, ControlTls::Clear) {
            ControlTls::Active(mut conn) | ControlTls::Closing(mut conn, _) => {
                conn.send_close_notify();
                write_tls(&mut conn, out)?;
                *self = ControlTls::Closing(conn, RecordCursor::default());
                Ok(())
            }
            ControlTls::Clear => Ok(()),
        }
    }

    /// Before the connection closes: writes close_notify to `out` under established TLS.
    pub(crate) fn close<W: Write>(&mut self, out: &mut W) {
        if let ControlTls::Active(conn) = self {
            if !conn.is_handshaking() {
                conn.send_close_notify();
                let _ = write_tls(conn, out);
            }
        }
    }
}

/// Appends the plaintext rustls holds to `out`.
fn drain_plaintext(conn: &mut ServerConnection, out: &mut Vec<u8>) {
    let mut buf = [0u8; 4096];
    loop {
        match conn.reader().read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(buf.get(..n).unwrap_or(&[])),
            Err(_) => break, // WouldBlock: nothing more now
        }
    }
}

/// Writes every TLS record rustls has queued to `out`.
fn write_tls<W: Write>(conn: &mut ServerConnection, out: &mut W) -> io::Result<()> {
    while conn.wants_write() {
        conn.write_tls(out)?;
    }
    out.flush()
}

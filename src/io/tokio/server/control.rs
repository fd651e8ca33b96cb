//! The control connection of one async session: raw TCP bytes in, plaintext out, through
//! TLS once the session machine asked for it
//! ([`Output::StartTls`](crate::server::Output::StartTls)), back to clear after `CCC`/`REIN`
//! ([`Output::EndTls`](crate::server::Output::EndTls)).
//!
//! Owns the write half of the control `TcpStream` and its `rustls::ServerConnection`. The
//! session's reader task hands raw bytes in as they arrive, so this type never waits on
//! reading; TLS records it must send are collected in a buffer and written with one
//! `write_all`. Must not interpret FTP: plaintext goes to the machine unchanged.

use std::boxed::Box;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Duration;
use std::vec::Vec;

use rustls::pki_types::CertificateDer;
use rustls::{HandshakeKind, ServerConfig, ServerConnection};
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;

use crate::io::blocking::server::control::RecordCursor;

/// How long one write to the control connection may wait for the client to read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the control connection's TLS stands.
#[derive(Debug)]
enum Tls {
    /// No TLS.
    Clear,
    /// Handshaking or established.
    Active(Box<ServerConnection>),
    /// Our close_notify was sent after `EndTls`; waiting for the client's, then clear.
    /// Bytes go to rustls one record at a time so that clear text right behind the client's
    /// close_notify is not swallowed as TLS (RFC 4217 §5).
    Closing(Box<ServerConnection>, RecordCursor),
}

/// What feeding raw bytes produced.
#[derive(Debug, Default)]
pub(super) struct Fed {
    /// Plaintext for the machine's `handle_input`.
    pub plaintext: Vec<u8>,
    /// The TLS handshake just completed: `(client certificate's leaf, resumed)`.
    pub handshake_done: Option<(Option<CertificateDer<'static>>, bool)>,
    /// The TLS layer failed (handshake or record error).
    pub tls_failed: bool,
    /// The client sent close_notify while TLS was active: the control connection is over.
    pub closed: bool,
}

/// The control connection.
#[derive(Debug)]
pub(super) struct Control {
    tcp: OwnedWriteHalf,
    tls: Tls,
    /// TLS records waiting to be written.
    out: Vec<u8>,
}

impl Control {
    /// Wraps the write half of the accepted connection (clear until [`Control::start_tls`]).
    pub fn new(tcp: OwnedWriteHalf) -> Control {
        Control {
            tcp,
            tls: Tls::Clear,
            out: Vec::new(),
        }
    }

    /// Starts the server side of a TLS handshake; the client's bytes come through
    /// [`Control::feed`].
    pub fn start_tls(&mut self, config: Arc<ServerConfig>) -> Result<(), rustls::Error> {
        self.tls = Tls::Active(Box::new(ServerConnection::new(config)?));
        Ok(())
    }

    /// Whether a TLS handshake is in progress.
    pub fn is_handshaking(&self) -> bool {
        matches!(&self.tls, Tls::Active(c) if c.is_handshaking())
    }

    /// Feeds raw bytes received from the client; writes whatever TLS answers (handshake
    /// messages, alerts).
    pub async fn feed(&mut self, raw: &[u8]) -> io::Result<Fed> {
        let fed = self.feed_tls(raw);
        self.flush().await?;
        Ok(fed)
    }

    fn feed_tls(&mut self, raw: &[u8]) -> Fed {
        let mut fed = Fed::default();
        let Control { tls, out, .. } = self;
        match tls {
            Tls::Clear => fed.plaintext.extend_from_slice(raw),
            Tls::Closing(conn, cursor) => {
                let mut rest = raw;
                while !rest.is_empty() {
                    let (n, record_done) = cursor.take(rest);
                    let mut chunk = rest.get(..n).unwrap_or(&[]);
                    rest = rest.get(n..).unwrap_or(&[]);
                    while !chunk.is_empty() {
                        if conn.read_tls(&mut chunk).is_err() {
                            fed.tls_failed = true;
                            return fed;
                        }
                    }
                    if !record_done {
                        continue;
                    }
                    match conn.process_new_packets() {
                        Ok(state) if state.peer_has_closed() => {
                            // CCC complete (RFC 4217 §5): the rest is clear text.
                            *tls = Tls::Clear;
                            fed.plaintext.extend_from_slice(rest);
                            return fed;
                        }
                        // Application data after our close_notify is discarded.
                        Ok(_) => drain_plaintext(conn, &mut Vec::new()),
                        Err(_) => {
                            fed.tls_failed = true;
                            return fed;
                        }
                    }
                }
            }
            Tls::Active(conn) => {
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
                            collect_tls(conn, out);
                            fed.tls_failed = true;
                            break;
                        }
                    }
                    drain_plaintext(conn, &mut fed.plaintext);
                    collect_tls(conn, out);
                }
                if was_handshaking && !conn.is_handshaking() && !fed.tls_failed {
                    let leaf = conn
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .map(|c| c.clone().into_owned());
                    let resumed = conn.handshake_kind() == Some(HandshakeKind::Resumed);
                    fed.handshake_done = Some((leaf, resumed));
                }
                fed.closed = peer_closed;
            }
        }
        fed
    }

    /// Writes bytes to the client: through TLS when active, else in clear.
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.tls {
            Tls::Clear => self.out.extend_from_slice(bytes),
            Tls::Active(conn) | Tls::Closing(conn, _) => {
                let mut rest = bytes;
                while !rest.is_empty() {
                    let n = conn.writer().write(rest)?;
                    rest = rest.get(n..).unwrap_or(&[]);
                    collect_tls(conn, &mut self.out);
                }
            }
        }
        self.flush().await
    }

    /// `EndTls`: sends close_notify; the connection goes back to clear once the client's
    /// close_notify arrives (RFC 4217 §5).
    pub async fn end_tls(&mut self) -> io::Result<()> {
        match core::mem::replace(&mut self.tls, Tls::Clear) {
            Tls::Active(mut conn) | Tls::Closing(mut conn, _) => {
                conn.send_close_notify();
                collect_tls(&mut conn, &mut self.out);
                self.tls = Tls::Closing(conn, RecordCursor::default());
                self.flush().await
            }
            Tls::Clear => Ok(()),
        }
    }

    /// Closes the connection: close_notify under TLS, then FIN.
    pub async fn close(&mut self) {
        if let Tls::Active(conn) = &mut self.tls {
            if !conn.is_handshaking() {
                conn.send_close_notify();
                collect_tls(conn, &mut self.out);
            }
        }
        let _ = self.flush().await;
        let _ = tokio::time::timeout(WRITE_TIMEOUT, self.tcp.shutdown()).await;
    }

    async fn flush(&mut self) -> io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let written = tokio::time::timeout(WRITE_TIMEOUT, self.tcp.write_all(&self.out)).await;
        self.out.clear();
        // Keep the buffer small between bursts (a long listing reply, say).
        self.out.shrink_to(4096);
        match written {
            Ok(r) => r,
            Err(_) => Err(io::ErrorKind::TimedOut.into()),
        }
    }
}

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

fn collect_tls(conn: &mut ServerConnection, out: &mut Vec<u8>) {
    while conn.wants_write() {
        if conn.write_tls(out).is_err() {
            break;
        }
    }
}

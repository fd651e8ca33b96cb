//! The control connection of one session: raw TCP bytes in, plaintext out, through TLS once
//! the session machine asked for it ([`Output::StartTls`](crate::server::Output::StartTls)),
//! back to clear after `CCC`/`REIN` ([`Output::EndTls`](crate::server::Output::EndTls)).
//!
//! Owns the control `TcpStream` (write side) and its `rustls::ServerConnection`. A separate
//! reader thread (see `session.rs`) hands the raw bytes in as they arrive, so this type never
//! blocks on reading. Must not interpret FTP: plaintext goes to the machine unchanged.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::vec::Vec;

use rustls::pki_types::CertificateDer;
use rustls::{HandshakeKind, ServerConfig, ServerConnection};

/// Where the control connection's TLS stands.
#[derive(Debug)]
enum Tls {
    /// No TLS.
    Clear,
    /// Handshaking or established.
    Active(ServerConnection),
    /// Our close_notify was sent after `EndTls`; waiting for the client's, then clear.
    /// Bytes are handed to rustls one TLS record at a time, so that clear text right behind
    /// the client's close_notify is not swallowed as TLS.
    Closing(ServerConnection, RecordCursor),
}

/// Where the raw byte stream stands within TLS records (header 5 bytes, then its length).
#[derive(Debug, Default)]
struct RecordCursor {
    header: Vec<u8>,
    body_left: usize,
}

impl RecordCursor {
    /// How many of the next bytes belong to the current record (header or body) and whether
    /// they complete it.
    fn take(&mut self, available: &[u8]) -> (usize, bool) {
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
pub struct Fed {
    /// Plaintext for the machine's `handle_input`.
    pub plaintext: Vec<u8>,
    /// The TLS handshake just completed: `(client certificate chain's leaf, resumed)`.
    pub handshake_done: Option<(Option<CertificateDer<'static>>, bool)>,
    /// The TLS layer failed (handshake or record error).
    pub tls_failed: bool,
    /// The client closed TLS (close_notify) while TLS was active: the control connection is
    /// over.
    pub closed: bool,
}

/// The control connection.
#[derive(Debug)]
pub struct Control {
    tcp: TcpStream,
    tls: Tls,
}

impl Control {
    /// Wraps the accepted TCP connection (clear until [`Control::start_tls`]).
    pub fn new(tcp: TcpStream) -> Control {
        Control {
            tcp,
            tls: Tls::Clear,
        }
    }

    /// Starts the server side of a TLS handshake; the client's bytes come through
    /// [`Control::feed`].
    pub fn start_tls(&mut self, config: Arc<ServerConfig>) -> Result<(), rustls::Error> {
        let conn = ServerConnection::new(config)?;
        self.tls = Tls::Active(conn);
        Ok(())
    }

    /// Whether a TLS handshake is in progress.
    pub fn is_handshaking(&self) -> bool {
        matches!(&self.tls, Tls::Active(c) if c.is_handshaking())
    }

    /// Feeds raw bytes received from the client.
    pub fn feed(&mut self, raw: &[u8]) -> io::Result<Fed> {
        let mut fed = Fed::default();
        let Control { tcp, tls } = self;
        match tls {
            Tls::Clear => {
                fed.plaintext.extend_from_slice(raw);
                Ok(fed)
            }
            Tls::Closing(conn, cursor) => {
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
                            *tls = Tls::Clear;
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
                            let _ = flush_tls(conn, tcp);
                            fed.tls_failed = true;
                            break;
                        }
                    }
                    drain_plaintext(conn, &mut fed.plaintext);
                    flush_tls(conn, tcp)?;
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
                Ok(fed)
            }
        }
    }

    /// Writes bytes to the client: through TLS when active, else in clear.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.tls {
            Tls::Clear => {
                self.tcp.write_all(bytes)?;
                self.tcp.flush()
            }
            Tls::Active(conn) | Tls::Closing(conn, _) => {
                let mut rest = bytes;
                while !rest.is_empty() {
                    let n = conn.writer().write(rest)?;
                    rest = rest.get(n..).unwrap_or(&[]);
                    flush_tls(conn, &mut self.tcp)?;
                }
                flush_tls(conn, &mut self.tcp)
            }
        }
    }

    /// `EndTls`: sends close_notify; the connection goes back to clear once the client's
    /// close_notify arrives (RFC 4217 §5).
    pub fn end_tls(&mut self) -> io::Result<()> {
        match core::mem::replace(&mut self.tls, Tls::Clear) {
            Tls::Active(mut conn) | Tls::Closing(mut conn, _) => {
                conn.send_close_notify();
                flush_tls(&mut conn, &mut self.tcp)?;
                self.tls = Tls::Closing(conn, RecordCursor::default());
                Ok(())
            }
            Tls::Clear => Ok(()),
        }
    }

    /// Closes the connection: close_notify under TLS, then FIN.
    pub fn close(&mut self) {
        if let Tls::Active(conn) = &mut self.tls {
            if !conn.is_handshaking() {
                conn.send_close_notify();
                let _ = flush_tls(conn, &mut self.tcp);
            }
        }
        let _ = self.tcp.shutdown(Shutdown::Both);
    }
}

fn drain_plaintext(conn: &mut ServerConnection, out: &mut Vec<u8>) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match conn.reader().read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(buf.get(..n).unwrap_or(&[])),
            Err(_) => break, // WouldBlock: nothing more now
        }
    }
}

fn flush_tls(conn: &mut ServerConnection, tcp: &mut TcpStream) -> io::Result<()> {
    while conn.wants_write() {
        conn.write_tls(tcp)?;
    }
    tcp.flush()
}

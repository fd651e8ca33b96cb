//! The control connection of one session: raw TCP bytes in, plaintext out, through TLS once
//! the session machine asked for it ([`Output::StartTls`](crate::server::Output::StartTls)),
//! back to clear after `CCC`/`REIN` ([`Output::EndTls`](crate::server::Output::EndTls)).
//!
//! Owns the control `TcpStream` (write side); its TLS state is a shared
//! [`ControlTls`](crate::io::control_tls::ControlTls). A separate
//! reader thread (see `session.rs`) hands the raw bytes in as they arrive, so this type never
//! blocks on reading. Must not interpret FTP: plaintext goes to the machine unchanged.

use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;

use rustls::ServerConfig;

use crate::io::control_tls::ControlTls;
pub(crate) use crate::io::control_tls::Fed;

/// The control connection.
#[derive(Debug)]
pub struct Control {
    tcp: TcpStream,
    tls: ControlTls,
}

impl Control {
    /// Wraps the accepted TCP connection (clear until [`Control::start_tls`]).
    pub fn new(tcp: TcpStream) -> Control {
        Control {
            tcp,
            tls: ControlTls::Clear,
        }
    }

    /// Starts the server side of a TLS handshake; the client's bytes come through
    /// [`Control::feed`].
    pub fn start_tls(&mut self, config: Arc<ServerConfig>) -> Result<(), rustls::Error> {
        self.tls.start(config)
    }

    /// Whether a TLS handshake is in progress.
    pub fn is_handshaking(&self) -> bool {
        self.tls.is_handshaking()
    }

    /// Feeds raw bytes received from the client.
    pub fn feed(&mut self, raw: &[u8]) -> io::Result<Fed> {
        self.tls.feed(raw, &mut self.tcp)
    }

    /// Writes bytes to the client: through TLS when active, else in clear.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.tls.send(bytes, &mut self.tcp)
    }

    /// `EndTls`: sends close_notify; the connection goes back to clear once the client's
    /// close_notify arrives (RFC 4217 §5).
    pub fn end_tls(&mut self) -> io::Result<()> {
        self.tls.end(&mut self.tcp)
    }

    /// Closes the connection: close_notify under TLS, then FIN.
    pub fn close(&mut self) {
        self.tls.close(&mut self.tcp);
        let _ = self.tcp.shutdown(Shutdown::Both);
    }
}

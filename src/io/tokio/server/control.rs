//! The control connection of one async session: raw TCP bytes in, plaintext out, through
//! TLS once the session machine asked for it
//! ([`Output::StartTls`](crate::server::Output::StartTls)), back to clear after `CCC`/`REIN`
//! ([`Output::EndTls`](crate::server::Output::EndTls)).
//!
//! Owns the write half of the control `TcpStream`; its TLS state is a shared
//! [`ControlTls`](crate::io::control_tls::ControlTls). The
//! session's reader task hands raw bytes in as they arrive, so this type never waits on
//! reading; TLS records it must send are collected in a buffer and written with one
//! `write_all`. Must not interpret FTP: plaintext goes to the machine unchanged.

use std::io;
use std::sync::Arc;
use std::time::Duration;
use std::vec::Vec;

use rustls::ServerConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::OwnedWriteHalf;

use crate::io::control_tls::ControlTls;
pub(super) use crate::io::control_tls::Fed;

/// How long one write to the control connection may wait for the client to read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// The control connection.
#[derive(Debug)]
pub(super) struct Control {
    tcp: OwnedWriteHalf,
    tls: ControlTls,
    /// TLS records waiting to be written.
    out: Vec<u8>,
}

impl Control {
    /// Wraps the write half of the accepted connection (clear until [`Control::start_tls`]).
    pub fn new(tcp: OwnedWriteHalf) -> Control {
        Control {
            tcp,
            tls: ControlTls::Clear,
            out: Vec::new(),
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

    /// Feeds raw bytes received from the client; writes whatever TLS answers (handshake
    /// messages, alerts).
    pub async fn feed(&mut self, raw: &[u8]) -> io::Result<Fed> {
        let fed = self.tls.feed(raw, &mut self.out)?;
        self.flush().await?;
        Ok(fed)
    }

    /// Writes bytes to the client: through TLS when active, else in clear.
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.tls.send(bytes, &mut self.out)?;
        self.flush().await
    }

    /// `EndTls`: sends close_notify; the connection goes back to clear once the client's
    /// close_notify arrives (RFC 4217 §5).
    pub async fn end_tls(&mut self) -> io::Result<()> {
        self.tls.end(&mut self.out)?;
        self.flush().await
    }

    /// Closes the connection: close_notify under TLS, then FIN.
    pub async fn close(&mut self) {
        self.tls.close(&mut self.out);
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

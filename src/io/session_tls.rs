//! The TLS configurations of one server session, shared by the blocking and tokio server
//! adapters: one for the control connection and one for its data connections, both with the
//! same session cache and ticket key (built by [`crate::io::tls::per_session_config`]) so a
//! data connection resumes exactly this control connection's TLS session (RFC 4217 §10).
//!
//! Owns the choice of how many TLS 1.3 tickets each connection sends. Must not touch sockets
//! or decide anything about FTP: the session machine says when TLS starts.

use std::sync::Arc;

use rustls::ServerConfig;

use crate::io::blocking::server::{DataTickets, ServerOptions};
use crate::io::tls::TlsConfigError;

/// TLS 1.3 tickets sent after the control handshake: as many as a rustls client keeps per
/// server (8), since such a client spends one per resumed data connection.
const CONTROL_TICKETS: usize = 8;

/// One session's TLS configurations.
#[derive(Debug)]
pub(crate) struct SessionTls {
    /// The control connection's: sends [`CONTROL_TICKETS`] tickets.
    control: Arc<ServerConfig>,
    /// A data connection's when it gets no tickets.
    data_quiet: Arc<ServerConfig>,
    /// When a data connection gets tickets.
    data_tickets: DataTickets,
}

impl SessionTls {
    /// Fresh configurations for one session of a server with these options.
    pub(crate) fn new(options: &ServerOptions) -> Result<SessionTls, TlsConfigError> {
        let session = crate::io::tls::per_session_config(&options.tls)?;
        Ok(SessionTls {
            control: with_tickets(&session, CONTROL_TICKETS),
            data_quiet: with_tickets(&session, 0),
            data_tickets: options.data_tickets,
        })
    }

    /// The control connection's configuration.
    pub(crate) fn control(&self) -> Arc<ServerConfig> {
        self.control.clone()
    }

    /// A data connection's configuration. `download_prepared`: the transfer that follows is
    /// a download, so the client will read this connection.
    ///
    /// Why data connections may get no tickets: an uploading client never reads its data
    /// connection; tickets left unread in its receive buffer turn its close into a TCP reset
    /// that can destroy the end of the upload (seen with curl 7.88 + OpenSSL 3: about one
    /// 1 MiB upload in ten lost its tail; vsftpd shows the same). See [`DataTickets`].
    pub(crate) fn data(&self, download_prepared: bool) -> Arc<ServerConfig> {
        let tickets = match self.data_tickets {
            DataTickets::Always => true,
            DataTickets::Downloads => download_prepared,
            _ => false,
        };
        if tickets {
            self.control.clone()
        } else {
            self.data_quiet.clone()
        }
    }
}

/// The session's configuration (same session cache and ticket key) sending `tickets` TLS 1.3
/// tickets after each handshake.
fn with_tickets(session: &Arc<ServerConfig>, tickets: usize) -> Arc<ServerConfig> {
    let mut config = ServerConfig::clone(session);
    config.send_tls13_tickets = tickets;
    Arc::new(config)
}

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

/// TLS 1.3 tickets sent after every data handshake (under [`DataTickets::Always`]).
///
/// At least one, because OpenSSL clients (curl) keep only the latest ticket and treat a
/// TLS 1.3 session as single-use (removed once resumed), and rustls clients (ours, suppaftp)
/// pop one ticket per connection: each data connection must pay back the ticket it spent.
/// Two rather than one so that a rustls client's store (8 per server) refills when a
/// connection's tickets are lost (a transfer aborted before the client read them), instead of
/// shrinking by one each time until the session can no longer resume. GnuTLS (lftp, wget)
/// and Python reuse the control connection's session and ignore them; the tickets are
/// stateless (the session's own key, [`crate::io::tls::per_session_config`]), so resuming one
/// many times works too.
pub(crate) const DATA_TICKETS: usize = 2;

/// One session's TLS configurations.
#[derive(Debug)]
pub(crate) struct SessionTls {
    /// The control connection's: sends [`CONTROL_TICKETS`] tickets.
    control: Arc<ServerConfig>,
    /// A data connection's when it gets tickets: [`DATA_TICKETS`].
    data_tickets: Arc<ServerConfig>,
    /// A data connection's when it gets no tickets.
    data_quiet: Arc<ServerConfig>,
    /// When a data connection gets tickets.
    policy: DataTickets,
}

impl SessionTls {
    /// Fresh configurations for one session of a server with these options.
    pub(crate) fn new(options: &ServerOptions) -> Result<SessionTls, TlsConfigError> {
        let session = crate::io::tls::per_session_config(&options.tls)?;
        Ok(SessionTls {
            control: with_tickets(&session, CONTROL_TICKETS),
            data_tickets: with_tickets(&session, DATA_TICKETS),
            data_quiet: with_tickets(&session, 0),
            policy: options.data_tickets,
        })
    }

    /// The control connection's configuration.
    pub(crate) fn control(&self) -> Arc<ServerConfig> {
        self.control.clone()
    }

    /// A data connection's configuration. `download_prepared`: the transfer that follows is
    /// a download (only [`DataTickets::Downloads`] looks at it).
    ///
    /// The adapters write the tickets as part of the handshake, before they report it done
    /// (so before any file byte), and order the client's control input after a data
    /// handshake it began (`crate::io::control_hold`, so before the `125`/`150` of a client
    /// that handshakes first): a client that reads its data
    /// connection only once before closing it (curl) finds them, and nothing is left unread
    /// to turn its close into a reset.
    pub(crate) fn data(&self, download_prepared: bool) -> Arc<ServerConfig> {
        let tickets = match self.policy {
            DataTickets::Always => true,
            DataTickets::Downloads => download_prepared,
            _ => false,
        };
        if tickets {
            self.data_tickets.clone()
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

//! The blocking server adapter: std sockets + rustls, a thread per session and one per data
//! connection, serving a rooted local directory ([`crate::io::fs::Root`]) to a list of
//! [`User`]s.
//!
//! It performs the [`crate::server::Output`]s of each [`crate::server::Session`] and reports
//! what happened; every protocol decision (replies, policy, whether a transfer succeeded) is
//! the machine's. The application side (who may log in, what a path means) answers the
//! machine's events from the user list and the file system.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use ftps_proto::io::blocking::server::{Server, ServerOptions, User};
//! use ftps_proto::io::tls::{ServerIdentity, ServerTlsOptions};
//! use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
//!
//! let tls = ServerTlsOptions::new(ServerIdentity::PemFiles {
//!     chain: "cert.pem".into(),
//!     key: "key.pem".into(),
//! })
//! .build()?;
//! let mut options = ServerOptions::new(tls, "/srv/ftp".into());
//! options.explicit = Some("127.0.0.1:2121".parse()?);
//! options.users.push(User::with_password("alice", "secret"));
//! options.session = Config::default()
//!     .with_control(ControlPolicy::Required)
//!     .with_data(DataPolicy::Required);
//! Server::bind(options)?.run()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Data connections: a passive listener is bound on the control connection's local address
//! in [`ServerOptions::passive_ports`] and accepts only the control peer's address (others
//! are dropped while waiting goes on). Under PROT P the TLS handshake starts as soon as the
//! connection is up, so clients that handshake before the `150` (curl) and after it (lftp,
//! ftplib) both work; whether it resumed the control connection's session is reported to the
//! machine, which refuses it when its policy requires resumption.

pub(crate) mod control;
pub mod data;
mod session;
mod transfer;

use std::boxed::Box;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use std::vec::Vec;

use rustls::ServerConfig;

use crate::io::admission::{Admission, Limits, Refusal};
pub use crate::io::fs::PartialUploads;
use crate::io::fs::{FsError, Root};
pub use crate::io::user::User;

/// Whether TLS 1.3 session tickets are sent after a data connection's handshake.
///
/// The default, [`DataTickets::Always`], is the only policy under which every client tested
/// resumes on every data connection of a session over TLS 1.3 (curl 7.88 + OpenSSL 3, lftp
/// 4.9 with GnuTLS, Python's ftplib with `session=`, this crate's clients), so that the
/// default "data connections must resume the control session" (RFC 4217 §10) holds for any
/// number of transfers. Why each client needs what:
/// - OpenSSL (curl) keeps only the latest ticket and drops a TLS 1.3 session once resumed:
///   it needs a new ticket on *every* data connection, and it handshakes right after
///   connecting, before the transfer command, so the server cannot know yet whether the
///   transfer is a download.
/// - rustls clients pop one ticket per connection (8 kept per server): without tickets on
///   data connections the 9th transfer of a session cannot resume. Two per connection refill
///   the store even when a connection's tickets are lost (a transfer cut before the client
///   read them).
/// - GnuTLS and Python reuse the control connection's session; tickets do not matter.
///
/// Except on an upload the client asked for before its data handshake (lftp, ftplib, this
/// crate's clients: they wait for the `150`), where they go out with the server's
/// close_notify after the client's (lftp never reads an upload connection: tickets left
/// unread there make its close a reset, `426`), the tickets are written as part of the data
/// handshake, before the session is told it is done (so before any file byte), and the
/// client's control input is held while a data handshake it began finishes (so, for a client
/// that handshakes before its transfer command, before the `125`/`150`): an uploading client that reads its data connection only
/// once before closing it (curl) finds them there instead of leaving them unread, which
/// would turn its close into a TCP reset that can cut the upload (`426`).
///
/// TLS 1.2 does not use this: session IDs and session tickets there may be resumed any number
/// of times, and every client tested resumes the control session on every data connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DataTickets {
    /// Never. Breaks TLS 1.3 resumption: curl's second transfer of a session gets `522`
    /// (measured with curl 7.88), and a rustls client's 9th (it spent the 8 tickets of the
    /// control connection).
    Never,
    /// Only when a download is already known to follow (the client handshakes after the
    /// transfer command). curl handshakes before it, so curl's data connections get none and
    /// its second transfer gets `522` (measured with curl 7.88); rustls clients that mostly
    /// upload run out after 8 transfers.
    Downloads,
    /// After every data handshake (2 tickets; the control connection sends 8), the default.
    #[default]
    Always,
}

/// Everything the blocking server needs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerOptions {
    /// Address for explicit FTPS (and plain FTP, as the policy allows). Default: none.
    pub explicit: Option<SocketAddr>,
    /// Address for implicit FTPS (TLS first). Default: none.
    pub implicit: Option<SocketAddr>,
    /// The shared TLS configuration (see [`crate::io::tls::ServerTlsOptions::build`]); each
    /// session derives its own with [`crate::io::tls::per_session_config`].
    pub tls: Arc<ServerConfig>,
    /// The session machine's policy for explicit sessions; implicit sessions use it with
    /// [`crate::server::ControlPolicy::Implicit`]. Default: [`crate::server::Config::default`],
    /// which requires TLS on control and data connections, with the MLSx facts of
    /// [`crate::io::fs::MLST_FACTS`] (FEAT offers only the facts of this list that the file
    /// system can produce).
    pub session: crate::server::Config,
    /// The directory served as `/`.
    pub root: PathBuf,
    /// Who may log in (anonymous login is the session policy's `anonymous`, read-only).
    pub users: Vec<User>,
    /// Passive ports (`0..=0`: any free port). Default: `0..=0`.
    pub passive_ports: RangeInclusive<u16>,
    /// How long one read or write on a data connection may block. Default: 120 s.
    pub data_idle_timeout: Duration,
    /// Sessions served at the same time. When full, a newcomer displaces the oldest session
    /// that has not logged in yet (it is closed); when every session is logged in, the
    /// newcomer is answered `421` and closed (see [`ServerOptions::max_sessions_per_address`]
    /// and the pre-login deadline [`crate::server::Config::login_timeout`]). Default: 64.
    pub max_sessions: usize,
    /// Stop accepting after this many sessions and return from [`Server::run`] when they
    /// have ended (for tests and CI). Default: none.
    pub exit_after: Option<usize>,
    /// TLS 1.3 tickets on data connections. Default: [`DataTickets::Always`].
    pub data_tickets: DataTickets,
    /// Print every output of every session and every data notice to stderr (passwords are
    /// redacted by their `Debug`). Default: false.
    pub trace: bool,
    /// Sessions from one address (an IPv4 address, or an IPv6 /64) at the same time. When
    /// reached, a newcomer from that address displaces that address's oldest session not
    /// logged in yet; when all of them are logged in, it is answered `421` and closed (RFC
    /// 959 §4.2). Default: 16.
    pub max_sessions_per_address: usize,
    /// Failed `PASS` attempts from one address, counted across its sessions within
    /// [`ServerOptions::login_failure_window`], after which that address is refused for one
    /// window: new connections get `421` and are closed, `PASS` in its open sessions gets
    /// `530` whatever the password (RFC 2577 §4; the per-session bound is
    /// [`crate::server::Config::max_login_attempts`]). 0 turns it off. Default: 10.
    pub max_login_failures_per_address: u32,
    /// The window of [`ServerOptions::max_login_failures_per_address`], and how long an
    /// address stays refused once over it. Default: 15 min.
    pub login_failure_window: Duration,
    /// How long the control connection's TLS handshake may take (after `AUTH TLS`'s `234`, or
    /// from the connection under implicit FTPS); a stalled handshake is reported as failed
    /// and the session closed. Default: 10 s.
    pub handshake_timeout: Duration,
    /// What becomes of an upload that does not complete. Default:
    /// [`PartialUploads::Temporary`] (a STOR is renamed into place on `226`; resumed uploads
    /// are written in place).
    pub partial_uploads: PartialUploads,
}

impl ServerOptions {
    /// Options serving `root` with this TLS configuration and the defaults.
    pub fn new(tls: Arc<ServerConfig>, root: PathBuf) -> ServerOptions {
        ServerOptions {
            explicit: None,
            implicit: None,
            tls,
            session: crate::server::Config::default()
                .with_mlst_facts(crate::types::Text::from_static(crate::io::fs::MLST_FACTS)),
            root,
            users: Vec::new(),
            passive_ports: 0..=0,
            data_idle_timeout: Duration::from_secs(120),
            max_sessions: 64,
            exit_after: None,
            data_tickets: DataTickets::Always,
            trace: false,
            max_sessions_per_address: 16,
            max_login_failures_per_address: 10,
            login_failure_window: Duration::from_secs(15 * 60),
            handshake_timeout: Duration::from_secs(10),
            partial_uploads: PartialUploads::default(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Neither an explicit nor an implicit address was given.
    #[error("no listening address configured")]
    NoAddress,
    /// The root directory is unusable.
    #[error("root directory: {0}")]
    Root(#[from] FsError),
    /// A listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
}

/// Stops a running [`Server`] from another thread.
#[derive(Clone, Debug)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Stops accepting; [`Server::run`] returns once the current sessions have ended.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A bound server, ready to [`Server::run`].
#[derive(Debug)]
pub struct Server {
    explicit: Option<TcpListener>,
    implicit: Option<TcpListener>,
    shared: Arc<session::Shared>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Binds the listeners and opens the root.
    pub fn bind(options: ServerOptions) -> Result<Server, ServerError> {
        if options.explicit.is_none() && options.implicit.is_none() {
            return Err(ServerError::NoAddress);
        }
        let root = Root::new(&options.root)?;
        let bind = |addr: Option<SocketAddr>| {
            addr.map(|addr| {
                TcpListener::bind(addr).map_err(|source| ServerError::Bind { addr, source })
            })
            .transpose()
        };
        let explicit = bind(options.explicit)?;
        let implicit = bind(options.implicit)?;
        Ok(Server {
            explicit,
            implicit,
            shared: Arc::new(session::Shared { options, root }),
            stop: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The bound explicit address (with the real port when 0 was asked).
    pub fn explicit_addr(&self) -> Option<SocketAddr> {
        self.explicit.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The bound implicit address.
    pub fn implicit_addr(&self) -> Option<SocketAddr> {
        self.implicit.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// A handle to stop the server from another thread.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop.clone())
    }

    /// Accepts sessions until stopped (or until [`ServerOptions::exit_after`] sessions were
    /// served), a thread per session; returns when every session has ended.
    pub fn run(self) -> io::Result<()> {
        let listeners: Vec<(TcpListener, bool)> = self
            .explicit
            .into_iter()
            .map(|l| (l, false))
            .chain(self.implicit.into_iter().map(|l| (l, true)))
            .collect();
        for (l, _) in &listeners {
            l.set_nonblocking(true)?;
        }
        let admission = Admission::new(Limits::of(&self.shared.options));
        let mut accepted = 0usize;
        let mut sessions = Vec::new();
        let limit = self.shared.options.exit_after;
        while !self.stop.load(Ordering::Relaxed) && limit.map_or(true, |n| accepted < n) {
            let mut any = false;
            for (l, implicit) in &listeners {
                let (tcp, peer) = match l.accept() {
                    Ok(c) => c,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => continue, // e.g. a connection reset before accept
                };
                any = true;
                let _ = tcp.set_nonblocking(false);
                // Displacing a session shuts its socket: its reader sees the end.
                let Ok(handle) = tcp.try_clone() else {
                    continue;
                };
                let evict = Box::new(move || {
                    let _ = handle.shutdown(std::net::Shutdown::Both);
                });
                let ticket = match admission.admit(peer.ip(), evict) {
                    Ok(t) => t,
                    Err(refusal) => {
                        refuse(tcp, *implicit, refusal);
                        continue;
                    }
                };
                accepted += 1;
                let shared = self.shared.clone();
                let implicit = *implicit;
                let spawned = std::thread::Builder::new()
                    .name(std::string::ToString::to_string("ftps-session"))
                    .spawn(move || session::run(&shared, tcp, implicit, ticket));
                if let Ok(h) = spawned {
                    sessions.push(h);
                }
                sessions.retain(|h: &std::thread::JoinHandle<()>| !h.is_finished());
            }
            if !any {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        drop(listeners);
        for h in sessions {
            let _ = h.join();
        }
        Ok(())
    }
}

/// Not admitted: an explicit client gets `421` in clear (RFC 959 §4.2: "service not
/// available"); an implicit one is closed, since nothing can be said before TLS.
fn refuse(mut tcp: TcpStream, implicit: bool, refusal: Refusal) {
    if !implicit {
        let _ = tcp.write_all(refusal.reply());
    }
    let _ = tcp.shutdown(std::net::Shutdown::Both);
}

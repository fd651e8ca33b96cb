//! The tokio server adapter: a task per session (control reader + session task) and a task
//! per data connection, serving a rooted local directory ([`crate::io::fs::Root`]) to a list
//! of [`User`]s, with the same options, policy and security properties as the
//! [blocking server](crate::io::blocking::server).
//!
//! ```no_run
//! use ftps_proto::io::tokio::server::{Server, ServerOptions, User};
//! use ftps_proto::io::tls::{ServerIdentity, ServerTlsOptions};
//! use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
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
//! Server::bind(options).await?.run().await;
//! # Ok(())
//! # }
//! ```
//!
//! Security, as in the blocking adapter: a passive data connection is accepted only from the
//! control peer's address (others are dropped while waiting goes on); each session derives
//! its own TLS configuration ([`crate::io::tls::per_session_config`]), so a data connection
//! can resume only its own control connection's session, and the machine refuses one that
//! did not resume when its policy requires it; a download ends with close_notify then FIN,
//! an upload is complete only when the client's close_notify arrived (EOF without it is
//! reported as [`crate::types::DataEnd::Truncated`], a failed transfer).
//!
//! Memory: a session holds the [`crate::server::Session`] machine, a 4 KiB control read
//! buffer, rustls's control connection state and a bounded inbox of 8 messages; a transfer
//! adds its data connection's rustls state and at most [`data::PIPELINE`] + 1 chunks of
//! [`data::CHUNK`] bytes (and [`data::TLS_READ_AHEAD`] under TLS). Application answers (file
//! system look-ups, opening files, listings) run on the session task, inside
//! `block_in_place` on a multi-threaded runtime; file contents are read and written on
//! tokio's blocking pool. Measured with 1,000 concurrent TLS sessions (`benches/e2e.sh`):
//! about 28 KiB of RSS per logged-in idle session, 75 KiB per session at peak when every
//! one moves a 64 KiB file at the same time.

mod control;
mod cork;
pub mod data;
mod session;

use std::boxed::Box;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use crate::io::admission::{Admission, Limits, Refusal};
use crate::io::fs::Root;

pub use crate::io::blocking::server::{DataTickets, PartialUploads, ServerError, ServerOptions};
pub use crate::io::user::User;

/// Things shared by every session of a server.
#[derive(Debug)]
struct Shared {
    options: ServerOptions,
    root: Root,
}

/// Stops a running [`Server`] (from any task or thread).
#[derive(Clone, Debug)]
pub struct StopHandle(Arc<watch::Sender<bool>>);

impl StopHandle {
    /// Stops accepting; [`Server::run`] returns once the current sessions have ended.
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

/// A bound server, ready to [`Server::run`].
#[derive(Debug)]
pub struct Server {
    explicit: Option<TcpListener>,
    implicit: Option<TcpListener>,
    shared: Arc<Shared>,
    stop: Arc<watch::Sender<bool>>,
}

impl Server {
    /// Binds the listeners and opens the root.
    pub async fn bind(options: ServerOptions) -> Result<Server, ServerError> {
        if options.explicit.is_none() && options.implicit.is_none() {
            return Err(ServerError::NoAddress);
        }
        let root = Root::new(&options.root)?;
        let explicit = bind(options.explicit).await?;
        let implicit = bind(options.implicit).await?;
        Ok(Server {
            explicit,
            implicit,
            shared: Arc::new(Shared { options, root }),
            stop: Arc::new(watch::Sender::new(false)),
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

    /// A handle to stop the server.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop.clone())
    }

    /// Accepts sessions until stopped (or until [`ServerOptions::exit_after`] sessions were
    /// served), each on its own task; returns when every session has ended.
    pub async fn run(self) {
        let mut stopped = self.stop.subscribe();
        let mut sessions = JoinSet::new();
        let admission = Admission::new(Limits::of(&self.shared.options));
        let mut accepted = 0usize;
        let limit = self.shared.options.exit_after;
        while !*stopped.borrow() && limit.map_or(true, |n| accepted < n) {
            let (tcp, implicit) = tokio::select! {
                r = accept(self.explicit.as_ref()) => (r, false),
                r = accept(self.implicit.as_ref()) => (r, true),
                _ = stopped.changed() => continue,
                Some(_) = sessions.join_next(), if !sessions.is_empty() => continue,
            };
            // Accept errors (a connection reset before accept, fd exhaustion) end one
            // attempt, not the server.
            let Ok((tcp, peer)) = tcp else {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                continue;
            };
            // Displacing a session wakes it to close.
            let displaced = Arc::new(Notify::new());
            let wake = displaced.clone();
            let evict = Box::new(move || wake.notify_one());
            let ticket = match admission.admit(peer.ip(), evict) {
                Ok(t) => t,
                Err(refusal) => {
                    sessions.spawn(refuse(tcp, implicit, refusal));
                    continue;
                }
            };
            accepted += 1;
            let shared = self.shared.clone();
            sessions.spawn(session::run(shared, tcp, implicit, ticket, displaced));
        }
        drop(self.explicit);
        drop(self.implicit);
        while sessions.join_next().await.is_some() {}
    }
}

async fn bind(addr: Option<SocketAddr>) -> Result<Option<TcpListener>, ServerError> {
    match addr {
        Some(addr) => TcpListener::bind(addr)
            .await
            .map(Some)
            .map_err(|source| ServerError::Bind { addr, source }),
        None => Ok(None),
    }
}

async fn accept(listener: Option<&TcpListener>) -> io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(l) => l.accept().await,
        None => core::future::pending().await,
    }
}

/// Not admitted: an explicit client gets `421` in clear (RFC 959 §4.2); an implicit one is
/// closed, since nothing can be said before TLS.
async fn refuse(mut tcp: TcpStream, implicit: bool, refusal: Refusal) {
    if !implicit {
        let _ = tcp.write_all(refusal.reply()).await;
    }
    let _ = tcp.shutdown().await;
}

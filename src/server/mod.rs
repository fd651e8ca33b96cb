//! The server side: [`Session`], a sans-IO FTPS server state machine for one control
//! connection, with its security policy as data ([`Config`]).
//!
//! This module owns command sequencing (RFC 959 §5.4 and the extensions), policy checks,
//! login and data-connection sequencing. It must not touch sockets, TLS libraries, clocks or
//! the file system: the adapter performs [`Output`]s and reports what happened; the
//! application answers [`Event`]s. File bytes never pass through here.
//!
//! # The contract
//!
//! After **every** input (`handle_input`, `handle_tls_ready`, `handle_tls_failed`,
//! `handle_data_*`, `handle_timeout`, and every decision method), drain
//! [`Session::poll_output`] until it returns [`Output::Timeout`] (call
//! [`Session::handle_timeout`] then, unless an input comes first) or [`Output::Idle`].
//! Perform the outputs in order: a reply sent before an [`Output::StartTls`] goes out in
//! clear, one after it protected. `handle_input` checks with `debug_assert!` that the queue
//! was drained.
//!
//! ```text
//! inputs : handle_input(bytes, now)              control plaintext (decrypted under TLS)
//!          handle_tls_ready(channel, details, now) / handle_tls_failed(channel, now)
//!          handle_data_listening(addr, now) / handle_data_listen_failed(now)
//!          handle_data_connected(now) / handle_data_ended(DataEnd, now)
//!          handle_timeout(now)
//!          decisions: accept / accept_path / accept_size / accept_time / accept_facts /
//!                     accept_lines / accept_unique / accept_certificate / require_tls /
//!                     reject / transfer_done / transfer_failed
//! outputs: Send | StartTls | EndTls | ListenData | OpenData | StartTransfer | CloseData
//!          | Close | Event | Timeout | Idle
//! ```
//!
//! Errors come in two kinds. The caller's mistakes are returned as [`Misuse`] and change
//! nothing. The peer's mistakes are answered on the wire (the right reply code, or `421` and
//! [`Output::Close`]) and reported as [`Event::PeerError`].
//!
//! # Transfers
//!
//! A transfer command becomes an event (`Event::Retrieve { path, offset }`, ...). When the
//! application accepts, the session sends `150` (or `125`), asks for the data connection if
//! active mode, and emits [`Output::StartTransfer`] once the connection is up and — under
//! `PROT P` — its TLS handshake done. Under `PROT P` the session asks for the data handshake
//! as soon as the TCP connection arrives, so clients that handshake before the `150` (curl)
//! and after it (lftp, Python's ftplib) both work. A download completes with
//! [`Session::transfer_done`]; an upload needs both `transfer_done` and
//! `handle_data_ended(DataEnd::Clean)` (TLS close_notify seen), in either order. An upload
//! whose data connection ends without close_notify is answered `426`, never `226`.
//!
//! # Example
//!
//! ```no_run
//! use core::net::SocketAddr;
//! use ftps_proto::server::{Config, ControlPolicy, DataPolicy, Event, Output, Session};
//! use ftps_proto::types::{Instant, ReplyCode, Text};
//!
//! let config = Config::default()
//!     .with_control(ControlPolicy::Required)
//!     .with_data(DataPolicy::Required);
//! let local: SocketAddr = "192.0.2.1:21".parse().unwrap();
//! let peer: SocketAddr = "198.51.100.7:50000".parse().unwrap();
//! let mut session = Session::new(config, local, peer, Instant::ZERO);
//! session.handle_input(b"AUTH TLS\r\n", Instant::from_millis(10));
//! loop {
//!     match session.poll_output() {
//!         Output::Send(bytes) => { /* write bytes to the control connection */ let _ = bytes; }
//!         Output::StartTls { .. } => { /* run the TLS handshake, then handle_tls_ready */ }
//!         Output::Event(Event::Authenticate { decision, password, .. }) => {
//!             if password.as_bytes() == b"secret" {
//!                 session.accept(decision).unwrap();
//!             } else {
//!                 let text = Text::from_static("Login incorrect");
//!                 session.reject(decision, ReplyCode::NOT_LOGGED_IN, text).unwrap();
//!             }
//!         }
//!         Output::Timeout(_) | Output::Idle => break,
//!         _ => { /* the other outputs */ }
//!     }
//! }
//! ```

mod config;
mod error;
mod event;
mod output;
mod reply;
mod session;

pub use config::{Config, ControlPolicy, DataPolicy};
pub use error::{Misuse, State};
pub use event::{Decision, Event, PeerError, PeerErrorKind};
pub use output::{Direction, Output, TlsDetails};
pub use session::Session;

//! Adapters: the only place where sockets, TLS sessions, timers and files live.
//!
//! An adapter performs the actions a state machine emits (`Send`, `StartTls`, `OpenData`, ...)
//! and reports what happened back to it (`handle_input`, `handle_tls_ready`, data events,
//! `handle_timeout`). It contains no protocol decision: which command to send, which reply to
//! give, whether a transfer succeeded is always the machine's call.
//!
//! - [`blocking`]: std sockets + rustls, a thread per session.
//! - `tokio` (feature `tokio`): tokio + tokio-rustls, a task per session.
//! - [`fs`]: a rooted local file system and the listing formats, for server adapters.
//! - [`tls`]: rustls configuration shared by the adapters (certificates, verification,
//!   versions, cipher suites, session resumption).
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

mod admission;
mod answers;
pub mod blocking;
mod client_ascii;
mod control_hold;
mod control_tls;
mod data_notice;
pub mod fs;
mod passive;
mod session_tls;
pub mod tls;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;
mod user;

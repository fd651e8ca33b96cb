//! Adapters: the only place where sockets, TLS sessions, timers and files live.
//!
//! An adapter performs the actions a state machine emits (`Send`, `StartTls`, `OpenData`, ...)
//! and reports what happened back to it (`handle_input`, `handle_tls_ready`, data events,
//! `handle_timeout`). It contains no protocol decision: which command to send, which reply to
//! give, whether a transfer succeeded is always the machine's call.
//!
//! - [`blocking`]: std sockets + rustls, a thread per session.
//! - [`fs`]: a rooted local file system and the listing formats, for server adapters.
//! - [`tls`]: rustls configuration shared by the adapters (certificates, verification,
//!   versions, cipher suites, session resumption).
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

pub mod blocking;
pub mod fs;
pub mod tls;

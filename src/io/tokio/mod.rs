//! Async adapters on tokio + tokio-rustls (feature `tokio`).
//!
//! As thin as the [blocking](crate::io::blocking) ones: they perform the actions a state
//! machine emits and report what happened, nothing more. Reads and writes of a session
//! proceed concurrently (a reader task per control connection feeds a bounded inbox; the
//! session task writes), so a full socket buffer never deadlocks a session, and sessions run
//! concurrently as tasks. TLS configuration ([`crate::io::tls`]), the rooted file system
//! ([`crate::io::fs`]) and the server's application answers are shared with the blocking
//! adapters.
//!
//! - [`client`]: one FTPS client session (async calls, one request at a time).
//! - [`server`]: an FTPS server serving a rooted directory, a task per session.
//!
//! Must not make protocol decisions: which reply, which command, whether a transfer
//! succeeded is always the machine's call.

pub mod client;
pub mod server;

//! The blocking FTPS client adapter: std `TcpStream` + rustls 0.23, driving the
//! [`crate::client`] state machine.
//!
//! Owns the sockets, TLS sessions and timers of one client session, and moving file bytes
//! between data connections and the caller's `Read`/`Write`. Must not make protocol
//! decisions: which command to send, what a reply means and whether a transfer succeeded are
//! the machine's calls; this module performs its actions and reports what happened.

// Used by the session driver, which lands with the client machine's API.
#[allow(dead_code)]
mod clock;
#[allow(dead_code)]
mod data;
#[allow(dead_code)]
mod stream;
mod url;

pub use url::{FtpUrl, UrlError, UrlHost, UrlSecurity};

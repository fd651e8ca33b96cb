//! The blocking FTPS client adapter: std `TcpStream` + rustls 0.23, driving the
//! [`crate::client`] state machine.
//!
//! Owns the sockets, TLS sessions and timers of one client session, and moving file bytes
//! between data connections and the caller's `Read`/`Write`. Must not make protocol
//! decisions: which command to send, what a reply means and whether a transfer succeeded are
//! the machine's calls; this module performs its actions and reports what happened.

mod clock;
mod data;
mod error;
mod session;
mod stream;
mod url;

pub use error::Error;
pub use session::{BlockingClient, Options, Progress, Trace, DEFAULT_BUFFER_SIZE};
pub use url::{FtpUrl, UrlError, UrlHost, UrlSecurity};

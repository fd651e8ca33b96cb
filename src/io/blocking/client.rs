//! The blocking FTPS client adapter: std `TcpStream` + rustls 0.23, driving the
//! [`crate::client`] state machine, one thread per session.
//!
//! Owns the sockets, TLS sessions and timers of one client session, and moving file bytes
//! between data connections and the caller's `Read`/`Write`. Must not make protocol
//! decisions: which command to send, what a reply means and whether a transfer succeeded are
//! the machine's calls; this module performs its [`Output`](crate::client::Output)s in order
//! and reports what happened.
//!
//! - [`BlockingClient`]: `connect` → `login` → `retrieve` / `store` / `mlsd` / `delete` /
//!   ... → `quit`. Every call blocks until the machine completes the request; a refusal
//!   comes back as an [`Error`] that names the server's reply (code and text).
//! - [`FtpUrl`]: `ftp://` / `ftpes://` (explicit TLS, required) and `ftps://` (implicit TLS,
//!   port 990) URLs, with percent-decoded credentials.
//!
//! # TLS
//!
//! Verification comes from [`crate::io::tls::ClientTlsOptions`] (webpki roots or a CA file;
//! never off unless asked). Every data connection's handshake uses the control connection's
//! `Arc<ClientConfig>` and server name, so it resumes the control session (vsftpd
//! `require_ssl_reuse`, ProFTPD). Under TLS 1.3 the server's session tickets arrive after
//! the control handshake; the adapter reads them with the replies that follow (USER, PASS,
//! PBSZ, PROT ...), long before the first data connection needs one.
//!
//! # Ending data connections without losing data
//!
//! - **Upload**: after the last byte, close_notify, a TCP half-close, then the adapter keeps
//!   reading the data connection until the server's close_notify or EOF (bounded by the data
//!   timeout), and only then closes the socket. Clients that close right after their
//!   close_notify leave unread bytes in their receive buffer (TLS 1.3 tickets on the data
//!   connection, the server's close_notify); their kernel then answers with a reset, and a
//!   server that had not yet read the tail of the file loses it (vsftpd: `426 Failure
//!   reading network stream`).
//! - **Upload whose source fails**: the connection is dropped *without* close_notify, so a
//!   strict server cannot take the partial file for a complete one.
//! - **Download**: only the server's close_notify is a clean end; an EOF without it is
//!   reported as [`DataEnd::Truncated`](crate::types::DataEnd::Truncated), and the machine
//!   fails the transfer whatever the final reply said.
//!
//! # Timeouts
//!
//! Every blocking call has a deadline from the machine's
//! [`Timeouts`](crate::client::Timeouts): `connect` (TCP connect), `reply` (control
//! writes; control reads wait until the machine's next deadline), `data` (data connect,
//! accept, and each wait for data bytes), `tls` (handshakes). In active mode the adapter
//! polls the control connection while it waits for the server's connection, so a refusal
//! does not wait for the data timeout.
//!
//! # Performance
//!
//! Data moves through one buffer of [`Options::buffer_size`] bytes (256 KiB by default):
//! reads go through a `BufReader` of that size, so one `read(2)` feeds rustls many records;
//! writes are encrypted into a queue of twice that size and leave with vectored writes.

mod abort;
mod clock;
mod data;
mod error;
mod session;
mod stream;
mod url;

pub use abort::AbortHandle;
pub use error::Error;
pub use session::{
    BlockingClient, ListingChunks, Options, Progress, StoredUnique, Trace, DEFAULT_BUFFER_SIZE,
};
pub use url::{FtpUrl, UrlError, UrlHost, UrlSecurity};

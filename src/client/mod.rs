//! The sans-IO FTPS client: [`Client`], a state machine that turns server replies, adapter
//! notices and the application's requests into one ordered stream of [`Output`]s.
//!
//! This module owns the client side of the protocol: the order of commands (RFC 959 §5.4,
//! RFC 2228, RFC 4217, RFC 7151), what each reply means, when a data connection is opened,
//! secured and closed, when a transfer succeeded, and every deadline. It must not touch a
//! socket, a TLS library, a file or a clock: the adapter does all I/O and passes the time in.
//!
//! # The contract
//!
//! After **every** input (a `handle_*` call or a request), call [`Client::poll_output`]
//! until it returns [`Output::Timeout`] (call [`Client::handle_timeout`] at that instant
//! unless another input comes first) or [`Output::Idle`]. Outputs must be carried out in
//! order: a [`Output::StartTls`] comes before the [`Output::Send`] that must go through TLS.
//! Debug builds check that the output queue is drained.
//!
//! ```text
//! inputs : handle_input(&[u8], now)           control-channel plaintext (after TLS decryption)
//!          handle_tls_ready / handle_tls_failed(Channel, now)
//!          handle_data_connected / handle_data_listening(addr) / handle_data_ended(DataEnd)
//!          handle_control_closed(now), handle_timeout(now)
//!          requests: login, cwd, list, retrieve, store, ... (return a RequestId or an Error)
//! outputs: poll_output() -> Send | StartTls | EndTls | OpenData | ListenData | AcceptData
//!                           | CloseData | Close | Event | Timeout(deadline) | Idle
//! ```
//!
//! # An event loop
//!
//! A real adapter writes [`Output::Send`] to the socket (through TLS once started), performs
//! the other actions, and feeds back what it reads and observes. Here the server is a script
//! that answers each command in turn:
//!
//! ```
//! use ftps_proto::client::{Client, Config, Event, Login, Output, Response, Security};
//! use ftps_proto::types::{Instant, Password, Username};
//!
//! let now = Instant::ZERO;
//! let mut client = Client::new(Config::default().with_security(Security::Plain), now);
//! let login = Login::new(Username::try_from("alice")?, Password::try_from("secret")?);
//! let request = client.login(login, now)?; // starts once the greeting is in
//!
//! let mut script = ["331 Password?", "230 Welcome", "211 End", "200 Binary"].into_iter();
//! let mut inbox: Vec<&str> = vec!["220 Ready"]; // what the server sends next
//! let mut sent = Vec::new();
//! let mut outcome = None;
//! while outcome.is_none() {
//!     for line in inbox.drain(..) {
//!         client.handle_input(format!("{line}\r\n").as_bytes(), now);
//!     }
//!     // The contract: drain after every input.
//!     loop {
//!         match client.poll_output() {
//!             Output::Send(bytes) => {
//!                 sent.push(String::from_utf8(bytes)?);
//!                 inbox.extend(script.next()); // the server's answer
//!             }
//!             Output::Event(Event::Completed { request: r, result }) if r == request => {
//!                 outcome = Some(result);
//!             }
//!             Output::Event(_) => {}
//!             Output::Timeout(_) | Output::Idle => break,
//!             other => unreachable!("plain FTP, no data connection: {other:?}"),
//!         }
//!     }
//! }
//! assert_eq!(sent, ["USER alice\r\n", "PASS secret\r\n", "FEAT\r\n", "TYPE I\r\n"]);
//! assert!(matches!(outcome, Some(Ok(Response::LoggedIn { .. }))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Choices this client makes (and why)
//!
//! - **One command in flight.** FTP replies carry no tag; after an error a pipelined
//!   sequence is misattributed. A request while another runs is a local [`Error`] with
//!   [`ErrorKind::Busy`], and the client is unchanged. The only exception: a request made
//!   while the client itself is busy (the connection set-up, a keep-alive `NOOP`) is parked
//!   in a single slot and started as soon as possible.
//! - **Session order**: greeting → `HOST` (RFC 7151 §3.3: before `AUTH`) → `AUTH TLS` → TLS →
//!   `USER` → `PASS` [→ `ACCT`] → `PBSZ 0` → `PROT P|C` [→ `CCC`] → `FEAT` [→ `OPTS UTF8 ON`]
//!   → `TYPE`. `PBSZ`/`PROT` after login is what vsftpd, proftpd, pure-ftpd, pyftpdlib and
//!   IIS all accept (RFC 4217 §6 allows either; some servers refuse them before login).
//!   `FEAT` after login because several servers announce more once a user is known. The
//!   timing is overridable (RFC 4217 §10.3): [`Config::with_command_before_auth`],
//!   [`Config::protection_before_login`], [`Client::auth_tls`] (AUTH in a logged-in session)
//!   and [`Client::set_data_protection`] (PBSZ/PROT at any time).
//! - **Capabilities**: FEAT decides `OPTS UTF8 ON`, whether `MLSD` runs (else `LIST`) and
//!   which passive command goes first (`EPSV` unless FEAT lists features without it);
//!   whatever FEAT said, a `500`/`502` to `EPSV`, `PASV` or `MLSD` falls back to the other
//!   command, and the refusal is remembered for the session.
//! - **Security state** follows the RFCs: `REIN` clears TLS, the login, the data protection
//!   level and the features (RFC 4217 §13); a new `AUTH` sets the data level back to Clear
//!   (§9). Bytes in clear behind a `234` end the session before any handshake.
//! - **Passive data address**: the client never needs the control peer's address. Replies
//!   to `EPSV` carry only a port; from a `227` it keeps only the port unless
//!   [`Config::trust_pasv_address`] is set, and asks the adapter to connect to
//!   [`DataAddress::ControlPeer`] with that port.
//! - **Data TLS**: under `PROT P` the client asks for the data handshake after the server's
//!   `150`/`125` (servers start their TLS accept after that reply; a blocking adapter that
//!   shook hands earlier would deadlock), always as TLS client, always resuming the control
//!   session ([`Output::StartTls`] `resume_session: true`).
//! - **Completion**: a transfer succeeds only with both a final `226`/`250` and
//!   [`DataEnd::Clean`](crate::types::DataEnd::Clean), in either order. A data connection
//!   that ends before the transfer command was sent, or (under `PROT P`) before its TLS
//!   handshake completed, counts as truncated.
//! - **Timers**: connect (until the greeting), reply (suspended from the `1xx` of a transfer
//!   until its data connection ends), data (connect, listen, accept), TLS handshake, optional
//!   keep-alive `NOOP` and idle `QUIT` (keep-alives do not count as activity). A reply
//!   timeout ends the session: the command/reply pairing can no longer be trusted.
//! - **ABOR** is sent as a plain line (no Telnet Synch: urgent data cannot cross TLS). After
//!   it, `426` then `226`, `226` alone, or `225` end the transfer as aborted. A `226` of the
//!   transfer itself racing the `ABOR` is taken as the `ABOR`'s reply; the late second reply
//!   is reported as [`Event::Unsolicited`].

mod command;
mod config;
mod error;
mod event;
mod machine;
mod output;
mod requests;
mod setup;
mod timer;
mod transfer;

pub use config::{Config, DataMode, DataProtection, Login, Security, Timeouts};
pub use error::{Error, ErrorKind, ProtocolError, ProtocolErrorKind, State};
pub use event::{CloseReason, Event, Failure, RequestId, Response, TransferCommand};
pub use machine::Client;
pub use output::{DataAddress, Output};
pub use timer::Timer;

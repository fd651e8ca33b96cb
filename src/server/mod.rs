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
//! After [`Session::new`] and after **every** input (`handle_input`, `handle_tls_ready`, `handle_tls_failed`,
//! `handle_data_*`, `handle_timeout`, `handle_control_closed`, and every decision method), drain
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
//!          handle_control_closed(now)             EOF or error on control: ends the session
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
//! # States
//!
//! ```text
//! Session::new ──► NotLoggedIn            (Implicit: Handshake ─handle_tls_ready─► 220 first)
//!
//! NotLoggedIn ──AUTH TLS──► SecuringControl ──handle_tls_ready──► NotLoggedIn (protected)
//!                 234, plaintext behind it discarded; handshake failure ─► Close
//! NotLoggedIn ──USER──► Deciding ──accept──► NeedPassword   (331)
//!                                 ──accept_certificate──► LoggedIn (232)
//!                                 ──reject / require_tls in clear──► NotLoggedIn (530)
//! NeedPassword ──PASS──► Deciding ──accept──► LoggedIn (230)
//!                                  ──reject──► LoginDelay ──deadline──► NotLoggedIn (530)
//!                                                          └─ too many ─► Close (530, 421)
//! LoggedIn ──PASV/EPSV──► OpeningListener ──handle_data_listening──► LoggedIn (227/229)
//! LoggedIn ──RETR/STOR/LIST/…──► Deciding ──accept──► Transferring (150/125)
//!                                           └─reject──► LoggedIn (4yz/5yz)
//! Transferring ──transfer_done + clean end──► LoggedIn (226)
//!              ──ABOR──► LoggedIn (426, 226)   ──broken / truncated──► LoggedIn (426)
//!              ──no data connection in time──► LoggedIn (425)   ──TLS refused──► (522)
//! any ──REIN──► NotLoggedIn (220, TLS cleared)     any ──QUIT──► Close (221)
//! any ──idle timeout──► Close (421)
//! ```
//!
//! # Secure by default
//!
//! [`Config::default`] requires TLS on both channels (RFC 4217 §10): [`ControlPolicy::Required`]
//! ("no unprotected commands": `USER` in clear is `530`, every other command but `AUTH`,
//! `FEAT`, `HOST` and `QUIT` is `533` until `AUTH TLS`) and [`DataPolicy::Required`] ("no
//! unprotected data": `PROT C` is `534` and every transfer command is `521` until `PROT P`;
//! `PASV`, `EPSV`, `PORT` and `EPRT` are served before it, RFC 4217 §10.2).
//! Plaintext FTP is an explicit choice of the host:
//!
//! ```
//! use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
//!
//! let plaintext_allowed = Config::default()
//!     .with_control(ControlPolicy::Optional)
//!     .with_data(DataPolicy::Optional);
//! # assert_eq!(plaintext_allowed.data, DataPolicy::Optional);
//! ```
//!
//! # Policy, as reply codes
//!
//! | Situation | Reply |
//! |---|---|
//! | [`ControlPolicy::Required`], before AUTH: USER, PASS, ACCT | `530` |
//! | [`ControlPolicy::Required`], before AUTH: anything but AUTH, FEAT, HOST, QUIT | `533` |
//! | [`ControlPolicy::RequiredForCredentials`], USER of a non-anonymous user in clear | `530` |
//! | The application's `require_tls` for a user in clear | `530` |
//! | PBSZ or PROT on a clear control connection; PROT before PBSZ (strict) | `503` |
//! | PROT S or E | `536` |
//! | PROT P under [`DataPolicy::Denied`]; PROT C under [`DataPolicy::Required`] | `534` |
//! | A transfer command without PROT P under [`DataPolicy::Required`] (RFC 4217 §10.2; PASV, EPSV, PORT, EPRT are served) | `521` |
//! | A second AUTH on a protected control connection (RFC 2228 §3) | `534` |
//! | PASS not right after the USER it answers (RFC 959 §5.4) | `503` |
//! | PROT with an unknown level (`PROT X`, RFC 2228 §3) | `504` |
//! | Data TLS not resumed (when required), data handshake failed, protection mismatch | `522` |
//! | Upload ended without TLS close_notify, or the data connection broke | `426` |
//! | PORT/EPRT to another host or a port below 1024 (RFC 2577 §3) | `504` |
//! | CCC disabled / control not protected / before login | `500` / `533` / `534` |
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
//! A complete event loop, with the adapter's I/O simulated in memory: the client logs in,
//! opens a passive data connection and downloads a file.
//!
//! ```
//! use core::net::SocketAddr;
//! use ftps_proto::server::{Config, ControlPolicy, DataPolicy, Direction, Event, Output, Session};
//! use ftps_proto::types::{Instant, Pathname, ReplyCode, Text};
//!
//! /// Drains the session until Timeout or Idle, performing every output in order.
//! fn drain(session: &mut Session, now: Instant, wire: &mut Vec<u8>) {
//!     loop {
//!         match session.poll_output() {
//!             Output::Send(bytes) => wire.extend_from_slice(&bytes),
//!             Output::Event(Event::User { decision, .. }) => session.accept(decision).unwrap(),
//!             Output::Event(Event::Authenticate { decision, password, .. }) => {
//!                 if password.as_bytes() == b"secret" {
//!                     session.accept(decision).unwrap();
//!                 } else {
//!                     let text = Text::from_static("Login incorrect");
//!                     session.reject(decision, ReplyCode::NOT_LOGGED_IN, text).unwrap();
//!                 }
//!             }
//!             Output::ListenData { peer } => {
//!                 // Bind a listener that accepts only `peer`, then report its address.
//!                 assert_eq!(peer, "198.51.100.7".parse::<core::net::IpAddr>().unwrap());
//!                 session.handle_data_listening("192.0.2.1:50001".parse().unwrap(), now).unwrap();
//!                 // The client connects right away.
//!                 session.handle_data_connected(now).unwrap();
//!             }
//!             Output::Event(Event::Retrieve { decision, path, offset }) => {
//!                 assert_eq!((path, offset), (Pathname::try_from("notes.txt").unwrap(), 0));
//!                 session.accept(decision).unwrap(); // the file exists
//!             }
//!             Output::StartTransfer { decision, direction: Direction::Send } => {
//!                 // Stream the file on the data connection, then:
//!                 session.transfer_done(decision).unwrap();
//!             }
//!             Output::CloseData => { /* close_notify (under PROT P), then FIN */ }
//!             Output::Timeout(_) | Output::Idle => return,
//!             _ => {}
//!         }
//!     }
//! }
//!
//! let local: SocketAddr = "192.0.2.1:21".parse().unwrap();
//! let peer: SocketAddr = "198.51.100.7:50000".parse().unwrap();
//! let mut now = Instant::ZERO;
//! // This in-memory example has no TLS library, so it opts out of the secure default; a real
//! // server keeps `Config::default()` and performs `Output::StartTls`.
//! let config = Config::default()
//!     .with_control(ControlPolicy::Optional)
//!     .with_data(DataPolicy::Optional);
//! let mut session = Session::new(config, local, peer, now);
//! let mut wire = Vec::new(); // what the adapter wrote on the control connection
//! drain(&mut session, now, &mut wire); // the greeting
//!
//! // The client's commands, one read each.
//! for line in ["USER alice\r\n", "PASS secret\r\n", "PASV\r\n", "RETR notes.txt\r\n"] {
//!     now = Instant::from_millis(now.as_millis() + 10);
//!     session.handle_input(line.as_bytes(), now);
//!     drain(&mut session, now, &mut wire);
//! }
//! let wire = String::from_utf8(wire).unwrap();
//! assert!(wire.starts_with("220 "));
//! assert!(wire.contains("\r\n230 "));
//! assert!(wire.contains("\r\n227 Entering Passive Mode (192,0,2,1,195,81)."));
//! assert!(wire.ends_with("125 Data connection already open; transfer starting\r\n226 Transfer complete\r\n"));
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

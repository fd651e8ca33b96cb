//! # ftps-proto
//!
//! A sans-IO FTP and FTP over TLS (FTPS, RFC 4217) engine: a typed codec, a client state
//! machine and a server session state machine that never open a socket, read a clock or call
//! a TLS library, and thin adapters (behind cargo features) that connect them to std sockets,
//! tokio and rustls.
//!
//! ## Layers
//!
//! ```text
//! io/        adapters (features rustls, tokio): tls, fs, blocking, tokio
//!   |        own sockets, TLS sessions, timers and files; make no protocol decision
//! client/    Client state machine         server/   Session state machine + Config (policy)
//!   |                                       |
//! codec/     nom parsers + exact encoders: commands, replies, framing (CRLF, Telnet IAC),
//!   |        reply payloads (227, 229, 257, FEAT, SIZE, MDTM, MLSx facts, LIST lines)
//! types/     validated values: ReplyCode, Pathname, Username, Password (redacted), Prot,
//!            TransferType, Timestamp, Features, Facts, Instant, Channel, DataEnd
//! ```
//!
//! [`types`], [`codec`], [`client`] and [`server`] are `no_std` + `alloc`; `io` needs the
//! `rustls` feature (on by default) and `io::tokio` the `tokio` feature.
//!
//! ## The contract of both state machines
//!
//! Inputs are method calls: bytes received on the control connection (after TLS decryption),
//! `handle_tls_ready(channel)`, data-connection events (connected, listening, ended
//! [`Clean`](types::DataEnd::Clean) / [`Truncated`](types::DataEnd::Truncated) /
//! [`Failed`](types::DataEnd::Failed)), `handle_timeout(now)` and the application's requests
//! (client) or decisions (server). Time is always an argument ([`types::Instant`]).
//!
//! **After every input, call `poll_output()` until it returns `Timeout(deadline)` or `Idle`,
//! and carry out the outputs in order** (`Send`, `StartTls { channel, resume_session, .. }`,
//! open/listen/accept data, `CloseData`, `Close`, `Event`). Debug builds check that the queue
//! was drained. Caller mistakes are local errors that leave the machine unchanged; protocol
//! violations by the peer are answered with the right reply or a clean close. Both name the
//! state they happened in.
//!
//! A complete client event loop is in the [`client`] module docs, a complete server event
//! loop in the [`server`] module docs; the README's examples below are compiled as tests too.
//!
//! ## Where the RFCs are met
//!
//! Every requirement of RFC 959, 1123, 2228, 2389, 2428, 2577, 2640, 3659, 4217 and 7151 that
//! applies is listed in the repository's `spec-notes/` with the code that meets it and the test
//! that proves it.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod client;
pub mod codec;
pub mod server;
pub mod types;

#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
pub mod io;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

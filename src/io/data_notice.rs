//! What a server session's data connection (a thread in the blocking adapter, a task in the
//! tokio one) reports to its session, and how each report becomes an input of the session
//! machine ([`crate::server::Session`]).
//!
//! Owns the notice vocabulary and its one mapping to machine calls, shared by both server
//! adapters. Must not touch sockets, TLS sessions, files or clocks, and decides nothing: a
//! notice is handed to the machine, which makes every protocol decision (RFC 959 §5.4 reply
//! codes included).

use crate::server::{Decision, Session, TlsDetails};
use crate::types::{Channel, DataEnd, Instant, ReplyCode, Text};

/// What a data connection reports.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Notice {
    /// The TCP connection is up.
    Connected,
    /// The active-mode connection could not be made.
    ConnectFailed,
    /// The client's first TLS bytes arrived on the data connection (its handshake has
    /// begun; the server's flight is not written yet). No machine input: the session adapter
    /// holds control input until the handshake ends (`crate::io::control_hold`).
    TlsStarted,
    /// TLS handshake done, every byte rustls queued (the TLS 1.3 session tickets) written.
    TlsReady {
        resumed: bool,
        client_certificate: bool,
    },
    /// TLS handshake failed.
    TlsFailed,
    /// A download ended; `end` is `Clean` when every byte went out and the end was signalled.
    Sent { end: DataEnd },
    /// The download's source failed to read.
    SourceFailed,
    /// An upload's stream ended this way; every byte received was written and flushed.
    Received { end: DataEnd },
    /// The upload's sink failed (disk full...).
    SinkFailed { no_space: bool },
}

/// Hands `notice` to `machine`. `transfer` is the running transfer's decision, taken when the
/// notice ends that transfer.
pub(crate) fn apply(
    machine: &mut Session,
    transfer: &mut Option<Decision>,
    notice: Notice,
    now: Instant,
) {
    let m = machine;
    // Misuse errors mean the notice lost a race with a machine decision (for example the
    // transfer already failed); the machine is unchanged, so they are dropped.
    let _ = match notice {
        Notice::Connected => m.handle_data_connected(now),
        Notice::ConnectFailed => m.handle_data_ended(DataEnd::Failed, now),
        Notice::TlsReady {
            resumed,
            client_certificate,
        } => m.handle_tls_ready(
            Channel::Data,
            TlsDetails::new()
                .with_resumed(resumed)
                .with_client_certificate(client_certificate),
            now,
        ),
        Notice::TlsFailed => m.handle_tls_failed(Channel::Data, now),
        // Ordering only (see the variant); nothing for the machine.
        Notice::TlsStarted => Ok(()),
        Notice::Sent { end } => match (end, transfer.take()) {
            (DataEnd::Clean, Some(d)) => m.transfer_done(d),
            (end, _) => m.handle_data_ended(end, now),
        },
        Notice::SourceFailed => match transfer.take() {
            Some(d) => {
                m.transfer_failed(d, ReplyCode::LOCAL_ERROR, Text::from_static("Read error"))
            }
            None => Ok(()),
        },
        Notice::Received { end } => {
            let ended = m.handle_data_ended(end, now);
            match (end, transfer.take()) {
                (DataEnd::Clean, Some(d)) => m.transfer_done(d),
                _ => ended,
            }
        }
        Notice::SinkFailed { no_space } => match transfer.take() {
            Some(d) => {
                let (code, text) = if no_space {
                    (
                        ReplyCode::INSUFFICIENT_STORAGE,
                        "Insufficient storage space",
                    )
                } else {
                    (ReplyCode::LOCAL_ERROR, "Write error")
                };
                m.transfer_failed(d, code, Text::from_static(text))
            }
            None => Ok(()),
        },
    };
}

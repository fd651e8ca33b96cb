//! [`Error`]: why a [`super::BlockingClient`] call failed, naming the server's reply
//! whenever there is one, with the socket or TLS error the adapter saw underneath.
//!
//! Owns the translation of the machine's [`Failure`] / [`CloseReason`] / local
//! [`ClientError`] plus the adapter's `io::Error`s into one error type. Must not decide
//! anything: the machine already did.

use std::fmt;
use std::io;
use std::prelude::rust_2021::*;

use crate::client::{CloseReason, Error as ClientError, Failure, Timer};
use crate::codec::Reply;
use crate::io::tls::TlsConfigError;
use crate::types::{Channel, DataEnd};

/// Why a blocking client call failed.
///
/// `Display` names the server's reply (code and text) when the failure is the server's
/// answer, and the adapter's I/O or TLS error when there is one.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The TLS configuration could not be built (CA file, client certificate...).
    TlsConfig(TlsConfigError),
    /// The control connection could not be opened.
    Connect {
        /// Host and port as given.
        target: String,
        /// The socket error.
        source: io::Error,
    },
    /// The server refused the request: its reply.
    Refused(Reply<'static>),
    /// The request failed for another reason.
    Failed {
        /// What the client machine concluded.
        failure: Failure,
        /// The socket or TLS error behind it, when the adapter saw one.
        cause: Option<io::Error>,
    },
    /// The session ended (the client cannot be used any more).
    Closed {
        /// Why.
        reason: CloseReason,
        /// The socket or TLS error behind it, when the adapter saw one.
        cause: Option<io::Error>,
    },
    /// The request could not start (for example: not logged in). Nothing was sent.
    Usage(ClientError),
    /// The caller's reader or writer failed; the transfer was abandoned.
    File(io::Error),
}

impl Error {
    /// The server reply this error carries, if any (the refusal, the final reply of a
    /// transfer whose data connection failed, a 421...).
    pub fn reply(&self) -> Option<&Reply<'static>> {
        match self {
            Error::Refused(r) => Some(r),
            Error::Failed { failure, .. } => match failure {
                Failure::Refused(r)
                | Failure::AccountRequired(r)
                | Failure::PasswordRequired(r)
                | Failure::DataProtectionRefused(r) => Some(r),
                Failure::DataConnection { reply, .. } => reply.as_ref(),
                _ => None,
            },
            Error::Closed { reason, .. } => match reason {
                CloseReason::ServiceNotAvailable(r)
                | CloseReason::TlsRefused(r)
                | CloseReason::HostRefused(r) => Some(r),
                CloseReason::Quit(r) => r.as_ref(),
                _ => None,
            },
            _ => None,
        }
    }

    /// True when the session is over and the client must be dropped.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Error::Closed { .. } | Error::Connect { .. } | Error::TlsConfig(_)
        ) || matches!(
            self,
            Error::Failed {
                failure: Failure::ConnectionClosed,
                ..
            }
        )
    }

    pub(crate) fn from_failure(failure: Failure, cause: Option<io::Error>) -> Error {
        match failure {
            Failure::Refused(r) => Error::Refused(r),
            failure => Error::Failed { failure, cause },
        }
    }
}

/// `550 Failed to open file.` (lossy UTF-8, control characters escaped).
pub(crate) struct ShowReply<'a>(pub(crate) &'a Reply<'a>);

impl fmt::Display for ShowReply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(self.0.text());
        write!(f, "{} {}", self.0.code(), text.escape_debug())
    }
}

fn show_end(end: DataEnd) -> &'static str {
    match end {
        DataEnd::Clean => "ended cleanly",
        DataEnd::Truncated => "ended without TLS close_notify (the data may be truncated)",
        DataEnd::Failed => "failed",
    }
}

fn show_timer(t: Timer) -> &'static str {
    match t {
        Timer::Connect => "no greeting in time",
        Timer::Reply => "no reply in time",
        Timer::Data => "the data connection was not established in time",
        Timer::Tls => "the TLS handshake did not finish in time",
        Timer::Idle => "idle for too long",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TlsConfig(e) => write!(f, "TLS configuration: {e}")?,
            Error::Connect { target, source } => write!(f, "cannot connect to {target}: {source}")?,
            Error::Refused(r) => write!(f, "the server refused: {}", ShowReply(r))?,
            Error::Failed { failure, .. } => match failure {
                Failure::Refused(r) => write!(f, "the server refused: {}", ShowReply(r))?,
                Failure::DataConnection { end, reply } => {
                    write!(f, "transfer failed: the data connection {}", show_end(*end))?;
                    if let Some(r) = reply {
                        write!(f, "; the server said: {}", ShowReply(r))?;
                    }
                }
                Failure::DataUnavailable => {
                    f.write_str("the data connection could not be opened")?
                }
                Failure::AccountRequired(r) => {
                    write!(f, "the server wants an account: {}", ShowReply(r))?
                }
                Failure::PasswordRequired(r) => {
                    write!(f, "the server wants a password: {}", ShowReply(r))?
                }
                Failure::DataProtectionRefused(r) => write!(
                    f,
                    "the server refused data protection (PBSZ/PROT): {}",
                    ShowReply(r)
                )?,
                Failure::Tls(Channel::Data) => {
                    f.write_str("the data connection's TLS handshake failed")?
                }
                Failure::Tls(Channel::Control) => {
                    f.write_str("the control connection's TLS handshake failed")?
                }
                Failure::Aborted => f.write_str("the transfer was aborted")?,
                Failure::Timeout(t) => write!(f, "timeout: {}", show_timer(*t))?,
                Failure::Protocol(p) => write!(f, "the server broke the protocol: {p}")?,
                Failure::ConnectionClosed => f.write_str("the control connection closed")?,
            },
            Error::Closed { reason, .. } => match reason {
                CloseReason::Quit(_) => f.write_str("the session has ended (QUIT)")?,
                CloseReason::ServiceNotAvailable(r) => {
                    write!(f, "service not available: {}", ShowReply(r))?
                }
                CloseReason::TlsRefused(r) => write!(
                    f,
                    "the server refused TLS (nothing secret was sent): {}",
                    ShowReply(r)
                )?,
                CloseReason::HostRefused(r) => {
                    write!(f, "the server refused HOST: {}", ShowReply(r))?
                }
                CloseReason::TlsFailed => {
                    f.write_str("the control connection's TLS handshake failed")?
                }
                CloseReason::Timeout(t) => write!(f, "timeout: {}", show_timer(*t))?,
                CloseReason::Protocol(p) => write!(f, "the server broke the protocol: {p}")?,
                CloseReason::PeerClosed => {
                    f.write_str("the server closed the control connection")?
                }
                CloseReason::Idle => f.write_str("the session was closed for inactivity")?,
            },
            Error::Usage(e) => write!(f, "cannot do that now: {e}")?,
            Error::File(e) => write!(f, "local file: {e}")?,
        }
        let cause = match self {
            Error::Failed { cause, .. } | Error::Closed { cause, .. } => cause.as_ref(),
            _ => None,
        };
        if let Some(c) = cause {
            write!(f, " ({c}")?;
            // rustls errors travel inside io::Error; show the TLS reason itself.
            if let Some(inner) = c.get_ref() {
                let shown = std::format!("{c}");
                let inner = std::format!("{inner}");
                if inner != shown {
                    write!(f, ": {inner}")?;
                }
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::TlsConfig(e) => Some(e),
            Error::Connect { source, .. } => Some(source),
            Error::Failed { cause, .. } | Error::Closed { cause, .. } => cause
                .as_ref()
                .map(|c| c as &(dyn std::error::Error + 'static)),
            Error::Usage(e) => Some(e),
            Error::File(e) => Some(e),
            Error::Refused(_) => None,
        }
    }
}

impl From<TlsConfigError> for Error {
    fn from(e: TlsConfigError) -> Self {
        Error::TlsConfig(e)
    }
}

impl From<ClientError> for Error {
    fn from(e: ClientError) -> Self {
        Error::Usage(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ReplyCode, Text};

    fn reply(code: u16, text: &'static str) -> Reply<'static> {
        Reply::new(ReplyCode::new(code).unwrap(), Text::from_static(text))
    }

    #[test]
    fn a_refusal_names_the_servers_code_and_text() {
        let e = Error::from_failure(Failure::Refused(reply(550, "Failed to open file.")), None);
        assert_eq!(
            e.to_string(),
            "the server refused: 550 Failed to open file."
        );
        assert_eq!(e.reply().unwrap().code().value(), 550);
        assert!(!e.is_fatal());
    }

    #[test]
    fn a_truncated_transfer_says_so_even_with_a_226() {
        let e = Error::from_failure(
            Failure::DataConnection {
                end: DataEnd::Truncated,
                reply: Some(reply(226, "Transfer complete.")),
            },
            Some(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no close_notify",
            )),
        );
        assert_eq!(
            e.to_string(),
            "transfer failed: the data connection ended without TLS close_notify (the data may \
             be truncated); the server said: 226 Transfer complete. (no close_notify)"
        );
        assert_eq!(e.reply().unwrap().code().value(), 226);
    }

    #[test]
    fn the_tls_reason_is_shown_under_a_closed_session() {
        let cause = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let e = Error::Closed {
            reason: CloseReason::TlsFailed,
            cause: Some(cause),
        };
        let shown = e.to_string();
        assert!(
            shown.starts_with("the control connection's TLS handshake failed ("),
            "{shown}"
        );
        assert!(shown.contains("UnknownIssuer"), "{shown}");
        assert!(e.is_fatal());
    }

    #[test]
    fn control_characters_in_reply_text_are_escaped() {
        let r = Reply::new(
            ReplyCode::new(550).unwrap(),
            Text::new(&b"bad\x1b[31m name"[..]).unwrap(),
        );
        assert_eq!(
            Error::Refused(r).to_string(),
            "the server refused: 550 bad\\u{1b}[31m name"
        );
    }
}

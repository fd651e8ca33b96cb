//! [`Misuse`]: local errors (the caller used the API wrongly), and [`State`], the coarse state
//! every error names.
//!
//! A misuse leaves the session unchanged and usable. Remote errors (the peer broke the
//! protocol) are never returned: the session answers them itself and reports
//! [`super::PeerError`] events.

/// The coarse state of a session, named by errors and events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Implicit FTPS: waiting for the first TLS handshake before the greeting.
    Handshake,
    /// `234` sent; waiting for the control TLS handshake (nothing is read meanwhile).
    SecuringControl,
    /// Not logged in.
    NotLoggedIn,
    /// `USER` accepted; waiting for `PASS`.
    NeedPassword,
    /// Logged in, no transfer.
    LoggedIn,
    /// A transfer is accepted and not finished.
    Transferring,
    /// Waiting for the application's answer to an event.
    Deciding,
    /// Waiting for a passive listener's address.
    OpeningListener,
    /// A failed login's reply is held back.
    LoginDelay,
    /// The session asked to close; nothing more happens.
    Closed,
}

/// The caller used the API wrongly. Nothing changed; the session is still usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// This handle is not the question the session is waiting for (already answered, from
    /// another session, or never issued).
    #[error("decision {decision} is not pending (state {state:?})")]
    UnknownDecision {
        /// The handle given.
        decision: u32,
        /// The session's state.
        state: State,
    },
    /// The answer does not fit the question (for example `accept_size` to a `CWD`).
    #[error("{answer} does not answer {question} (state {state:?})")]
    WrongAnswer {
        /// The method called.
        answer: &'static str,
        /// The command asked about.
        question: &'static str,
        /// The session's state.
        state: State,
    },
    /// `reject` needs a 4yz or 5yz code.
    #[error("reply code {code} is not a negative reply")]
    NotNegative {
        /// The code given.
        code: u16,
    },
    /// An I/O notice that does not fit the session's state (for example a data connection
    /// while none was asked for, or a TLS handshake that was never started).
    #[error("{input} was not expected (state {state:?})")]
    Unexpected {
        /// The method called.
        input: &'static str,
        /// The session's state.
        state: State,
    },
}

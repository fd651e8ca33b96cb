//! [`Timer`]: the client's deadlines, and [`Timers`]: which of them are armed.
//!
//! Owns deadline arithmetic only. Must not read a clock: every instant comes from the caller.

use core::time::Duration;

use crate::types::Instant;

/// Which deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Timer {
    /// No greeting (or implicit TLS) in time.
    Connect,
    /// No reply to a command in time.
    Reply,
    /// The data connection was not connected or accepted in time.
    Data,
    /// A TLS handshake did not finish in time.
    Tls,
    /// Nothing happened for the configured idle time.
    Idle,
}

/// The armed deadlines. At most one of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Timers {
    pub(crate) connect: Option<Instant>,
    pub(crate) reply: Option<Instant>,
    pub(crate) data: Option<Instant>,
    pub(crate) tls: Option<Instant>,
    pub(crate) keepalive: Option<Instant>,
    pub(crate) idle: Option<Instant>,
}

/// `now + d`, or `None` when the timer is disabled.
pub(crate) fn deadline(now: Instant, d: Option<Duration>) -> Option<Instant> {
    d.map(|d| now + d)
}

impl Timers {
    /// The earliest armed deadline.
    pub(crate) fn earliest(&self) -> Option<Instant> {
        [
            self.connect,
            self.reply,
            self.data,
            self.tls,
            self.keepalive,
            self.idle,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The first timer (in a fixed priority order) whose deadline is at or before `now`.
    /// Keep-alive is reported separately: it is not a failure.
    pub(crate) fn expired(&self, now: Instant) -> Option<Timer> {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if due(self.connect) {
            Some(Timer::Connect)
        } else if due(self.tls) {
            Some(Timer::Tls)
        } else if due(self.reply) {
            Some(Timer::Reply)
        } else if due(self.data) {
            Some(Timer::Data)
        } else if due(self.idle) {
            Some(Timer::Idle)
        } else {
            None
        }
    }

    /// True when the keep-alive deadline has passed.
    pub(crate) fn keepalive_due(&self, now: Instant) -> bool {
        self.keepalive.is_some_and(|t| t <= now)
    }
}

//! [`Clock`]: the adapter's one source of time, and [`Deadline`]: a point in time turned into
//! the per-call timeouts std sockets understand.
//!
//! Owns every `std::time::Instant::now()` of the blocking client: the machine is handed
//! [`crate::types::Instant`] values from here and never reads a clock. Must not decide what a
//! timeout means for the protocol (the machine does, in `handle_timeout`).

use std::io;
use std::net::TcpStream;
use std::prelude::rust_2021::*;
use std::time::{Duration, Instant as StdInstant};

use crate::types::Instant;

/// Milliseconds since the adapter started, as the machine's [`Instant`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    epoch: StdInstant,
}

impl Clock {
    /// A clock whose epoch is now.
    pub(crate) fn start() -> Clock {
        Clock {
            epoch: StdInstant::now(),
        }
    }

    /// Now, for the machine.
    pub(crate) fn now(&self) -> Instant {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        Instant::from_millis(ms)
    }

    /// The machine's instant as a std deadline.
    pub(crate) fn deadline_at(&self, at: Instant) -> Deadline {
        // An instant too far off to represent (a huge configured timeout) is no limit.
        Deadline(
            self.epoch
                .checked_add(Duration::from_millis(at.as_millis())),
        )
    }
}

/// When a blocking operation must give up; `Deadline::NEVER` blocks without limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Deadline(Option<StdInstant>);

impl Deadline {
    /// No limit.
    pub(crate) const NEVER: Deadline = Deadline(None);

    /// `timeout` from now (`None`: no limit).
    pub(crate) fn after(timeout: Option<Duration>) -> Deadline {
        Deadline(timeout.and_then(|t| StdInstant::now().checked_add(t)))
    }

    /// The earlier of two deadlines.
    pub(crate) fn min(self, other: Deadline) -> Deadline {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Deadline(Some(a.min(b))),
            (a, b) => Deadline(a.or(b)),
        }
    }

    /// The time left, or a `TimedOut` error when it has passed. Never zero (std refuses a
    /// zero socket timeout).
    pub(crate) fn remaining(self) -> io::Result<Option<Duration>> {
        match self.0 {
            None => Ok(None),
            Some(at) => {
                let left = at.saturating_duration_since(StdInstant::now());
                if left.is_zero() {
                    Err(timed_out())
                } else {
                    Ok(Some(left.max(Duration::from_millis(1))))
                }
            }
        }
    }

    /// True once the deadline has passed.
    pub(crate) fn has_passed(self) -> bool {
        self.remaining().is_err()
    }

    /// Sets the socket's read and write timeouts to the time left.
    pub(crate) fn apply(self, tcp: &TcpStream) -> io::Result<()> {
        let left = self.remaining()?;
        tcp.set_read_timeout(left)?;
        tcp.set_write_timeout(left)
    }
}

/// The error every expired deadline turns into.
pub(crate) fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "deadline passed")
}

/// A socket read or write that hit its timeout reports `WouldBlock` (EAGAIN) on Unix and
/// `TimedOut` on Windows; both mean the deadline passed. rustls uses `WouldBlock` for "no
/// plaintext yet", so socket timeouts are renamed before they meet rustls's.
pub(crate) fn socket_error(e: io::Error) -> io::Error {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => timed_out(),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_order_and_expire() {
        let soon = Deadline::after(Some(Duration::from_millis(5)));
        let later = Deadline::after(Some(Duration::from_secs(60)));
        assert_eq!(soon.min(later), soon);
        assert_eq!(Deadline::NEVER.min(later), later);
        assert_eq!(Deadline::NEVER.remaining().unwrap(), None);
        std::thread::sleep(Duration::from_millis(10));
        assert!(soon.has_passed());
        assert_eq!(
            soon.remaining().unwrap_err().kind(),
            io::ErrorKind::TimedOut
        );
        assert!(later.remaining().unwrap().unwrap() > Duration::from_secs(59));
    }

    #[test]
    fn clock_maps_machine_instants_back_to_deadlines() {
        let clock = Clock::start();
        let now = clock.now();
        let d = clock.deadline_at(Instant::from_millis(now.as_millis() + 60_000));
        let left = d.remaining().unwrap().unwrap();
        assert!(left > Duration::from_secs(59) && left <= Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(2));
        assert!(clock.deadline_at(Instant::ZERO).has_passed());
        assert!(clock.now() > now);
    }

    #[test]
    fn deadlines_too_far_off_are_no_limit_not_a_panic() {
        assert_eq!(Deadline::after(Some(Duration::MAX)), Deadline::NEVER);
        // The farthest machine instant: either no limit or a very distant one, never a panic.
        let far = Clock::start().deadline_at(Instant::from_millis(u64::MAX));
        if let Some(left) = far.remaining().unwrap() {
            assert!(left > Duration::from_secs(365 * 24 * 3600), "{left:?}");
        }
    }

    #[test]
    fn socket_timeouts_become_timed_out() {
        let e = socket_error(io::Error::from(io::ErrorKind::WouldBlock));
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        let e = socket_error(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(e.kind(), io::ErrorKind::ConnectionReset);
    }
}

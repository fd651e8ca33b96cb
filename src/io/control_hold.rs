//! Control-connection input held back while a data-connection TLS handshake that the client
//! has already begun is finishing, shared by the blocking and tokio server adapters.
//!
//! Why: a client such as curl runs the data connection's TLS handshake *before* it sends the
//! transfer command, and sends the command as soon as its side of the handshake is done. The
//! server's side is not done yet: it still has to read the client's Finished and write the
//! TLS 1.3 session tickets. If the command overtook the handshake, the session machine would
//! answer `150` while the tickets were not on the wire; the client then uploads and closes,
//! the tickets arrive after its last read, its kernel resets the connection (the tail of the
//! upload is lost: `426`) and it has no ticket for the next data connection (`522`). Holding
//! the control input from the moment the client's first TLS bytes arrive on the data
//! connection until the adapter reports the handshake's end restores the order in which the
//! client did things: handshake (tickets written), then the command, then `150`.
//!
//! curl sends its ClientHello and its transfer command back to back, so the command can reach
//! the session before the data connection has even been accepted. Hence a second rule: the
//! first control input after `PASV`/`EPSV` waits (briefly) for the data handshake to begin
//! when the client is known to handshake first; while the session does not know yet, it
//! waits once, at most [`PROBE_WAIT`] (from the data connection's arrival if it comes), and
//! learns from what happens (see [`Style`]).
//!
//! Owns the queue and its bound only. Must not parse or interpret anything: the adapter says
//! when holding starts and ends and what counts as control input; the machine still makes
//! every protocol decision, on the same inputs, in the client's order.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// At most this many inputs are held; one more ends the hold (everything is then processed
/// in order), so a client cannot make the server buffer without bound.
pub(crate) const MAX_HELD: usize = 32;

/// While the session does not know yet whether the client handshakes before its transfer
/// command (curl) or after the `150` (lftp, ftplib, this crate's clients), how long a control
/// input that arrived after `PASV`/`EPSV` waits for the client's first TLS bytes, counted
/// from the input's arrival or, once it is up, from the data connection's. The latter
/// clients pay it once per session (so does one that sends commands after `PASV` without
/// connecting); then the session knows. It only has to cover the server's own latency (an
/// accept, one read): curl connects and sends its ClientHello before the command.
pub(crate) const PROBE_WAIT: Duration = Duration::from_millis(250);

/// How long a control input that arrived after `PASV`/`EPSV` waits for the data handshake to
/// begin, from its arrival, once the client has shown it handshakes first. If nothing begins
/// in that time the hold ends, and the session asks again next time.
pub(crate) const HANDSHAKE_FIRST_WAIT: Duration = Duration::from_secs(1);

/// Whether the client begins a data handshake before the server answers its transfer
/// command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// Not seen yet.
    Unknown,
    /// It does (curl): its control input after `PASV`/`EPSV` waits for the handshake.
    HandshakeFirst,
    /// It waits for the `150` (lftp, Python's ftplib, this crate's clients): no waiting.
    ReplyFirst,
}

/// Held control inputs (`T` is the adapter's input type), in arrival order.
#[derive(Debug)]
pub(crate) struct ControlHold<T> {
    style: Style,
    /// A passive data connection is awaited and its handshake has not begun: the next
    /// control input starts a time-limited hold.
    armed: bool,
    holding: bool,
    /// When the time-limited hold began (`None`: the hold lasts until [`ControlHold::end`]).
    since: Option<Instant>,
    /// When the awaited data connection came up.
    connected: Option<Instant>,
    queue: VecDeque<T>,
}

impl<T> ControlHold<T> {
    /// Nothing held.
    pub(crate) fn new() -> Self {
        ControlHold {
            style: Style::Unknown,
            armed: false,
            holding: false,
            since: None,
            connected: None,
            queue: VecDeque::new(),
        }
    }

    /// The client's first TLS bytes arrived on the data connection: hold control input
    /// until [`ControlHold::end`] (the adapter's handshake deadline bounds it).
    /// `transfer_accepted`: the server has already answered a transfer command for this data
    /// connection; if not, the client handshakes before its command ([`Style::HandshakeFirst`]).
    pub(crate) fn data_handshake_started(&mut self, transfer_accepted: bool) {
        if !transfer_accepted {
            self.style = Style::HandshakeFirst;
        }
        self.armed = false;
        self.holding = true;
        self.since = None;
    }

    /// A passive data connection is now awaited (`PASV`/`EPSV` answered): unless the client
    /// is known to wait for the `150`, the next control input waits a little for the data
    /// handshake to begin ([`PROBE_WAIT`], [`HANDSHAKE_FIRST_WAIT`]).
    pub(crate) fn passive_listening(&mut self) {
        self.armed = self.style != Style::ReplyFirst;
        self.connected = None;
    }

    /// The awaited data connection is up (TCP).
    pub(crate) fn data_connected(&mut self, now: Instant) {
        self.connected = Some(now);
    }

    /// When [`ControlHold::expire`] should be called, if the hold has a time limit.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let since = self.since.filter(|_| self.holding)?;
        Some(match (self.style, self.connected) {
            (Style::Unknown, Some(up)) => since.max(up) + PROBE_WAIT,
            (Style::Unknown, None) => since + PROBE_WAIT,
            _ => since + HANDSHAKE_FIRST_WAIT,
        })
    }

    /// Ends a time-limited hold whose time is up (no data handshake began): a client not
    /// known yet is taken to wait for the `150`; a known one is asked again next time.
    pub(crate) fn expire(&mut self, now: Instant) {
        if self.deadline().is_some_and(|t| now >= t) {
            self.style = match self.style {
                Style::Unknown => Style::ReplyFirst,
                _ => Style::Unknown,
            };
            self.end();
        }
    }

    /// What the session has learnt about the client.
    #[cfg(test)]
    pub(crate) fn style(&self) -> Style {
        self.style
    }

    /// The data handshake ended (ready or failed) or the data connection went away: what
    /// was held is released, in order, by [`ControlHold::next`].
    pub(crate) fn end(&mut self) {
        self.armed = false;
        self.holding = false;
        self.since = None;
    }

    /// Whether control input is being held.
    #[cfg(test)]
    pub(crate) fn is_holding(&self) -> bool {
        self.holding
    }

    /// Offers one control input: `Some(input)` to process now, `None` when it was queued
    /// (behind other held input, so that the order never changes).
    pub(crate) fn offer(&mut self, input: T, now: Instant) -> Option<T> {
        if self.armed && !self.holding {
            self.armed = false;
            self.holding = true;
            self.since = Some(now);
        }
        if !self.holding && self.queue.is_empty() {
            return Some(input);
        }
        self.queue.push_back(input);
        if self.queue.len() >= MAX_HELD {
            self.holding = false;
        }
        None
    }

    /// The next released input, once the hold has ended.
    pub(crate) fn next(&mut self) -> Option<T> {
        if self.holding {
            None
        } else {
            self.queue.pop_front()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_input_through_when_not_holding() {
        let mut h = ControlHold::new();
        assert_eq!(h.offer(1, Instant::now()), Some(1));
        assert_eq!(h.next(), None);
    }

    #[test]
    fn holds_until_the_end_then_releases_in_order() {
        let now = Instant::now();
        let mut h = ControlHold::new();
        h.data_handshake_started(true);
        assert_eq!(h.offer(1, now), None);
        assert_eq!(h.offer(2, now), None);
        assert_eq!(h.next(), None, "nothing is released while holding");
        h.end();
        // Input that arrives after the end but before the queue is empty waits its turn.
        assert_eq!(h.offer(3, now), None);
        assert_eq!(h.next(), Some(1));
        assert_eq!(h.next(), Some(2));
        assert_eq!(h.next(), Some(3));
        assert_eq!(h.next(), None);
        assert_eq!(h.offer(4, now), Some(4));
        assert_eq!(h.style(), Style::Unknown, "it handshook after the 150");
    }

    #[test]
    fn a_client_that_waits_for_the_150_is_held_once_per_session() {
        let t0 = Instant::now();
        let mut h = ControlHold::new();
        h.passive_listening();
        assert!(!h.is_holding(), "nothing held before control input comes");
        assert_eq!(h.offer("STOR", t0), None);
        assert_eq!(h.deadline(), Some(t0 + PROBE_WAIT), "no connection yet");
        let up = t0 + Duration::from_millis(10);
        h.data_connected(up);
        assert_eq!(
            h.deadline(),
            Some(up + PROBE_WAIT),
            "counted from the connection"
        );
        h.expire(up);
        assert!(h.is_holding(), "not yet");
        h.expire(up + PROBE_WAIT);
        assert_eq!(h.next(), Some("STOR"));
        assert_eq!(h.style(), Style::ReplyFirst);
        h.passive_listening();
        assert_eq!(
            h.offer("RETR", t0),
            Some("RETR"),
            "known now: no more waiting"
        );
    }

    #[test]
    fn a_client_that_handshakes_first_is_held_until_each_handshake_ends() {
        let t0 = Instant::now();
        let mut h = ControlHold::new();
        h.passive_listening();
        h.data_handshake_started(false);
        assert_eq!(h.style(), Style::HandshakeFirst);
        assert_eq!(
            h.deadline(),
            None,
            "the handshake's own deadline bounds it now"
        );
        assert_eq!(h.offer("STOR", t0), None);
        h.expire(t0 + HANDSHAKE_FIRST_WAIT * 2);
        assert!(h.is_holding());
        h.end();
        assert_eq!(h.next(), Some("STOR"));
        // Next time the command comes before the server saw the ClientHello: it waits.
        h.passive_listening();
        assert_eq!(h.offer("STOR", t0), None);
        assert_eq!(h.deadline(), Some(t0 + HANDSHAKE_FIRST_WAIT));
        h.data_handshake_started(false);
        h.end();
        assert_eq!(h.next(), Some("STOR"));
        // No data connection this time: released after the wait, asked again next time.
        h.passive_listening();
        assert_eq!(h.offer("QUIT", t0), None);
        h.expire(t0 + HANDSHAKE_FIRST_WAIT);
        assert_eq!(h.next(), Some("QUIT"));
        assert_eq!(h.style(), Style::Unknown);
    }

    #[test]
    fn commands_after_pasv_without_a_connection_are_held_once() {
        // 200 PASV in a row (tests/hostile_load.rs): one short wait, then none.
        let t0 = Instant::now();
        let mut h = ControlHold::new();
        h.passive_listening();
        assert_eq!(h.offer("PASV", t0), None);
        h.expire(t0 + PROBE_WAIT);
        assert_eq!(h.next(), Some("PASV"));
        assert_eq!(h.style(), Style::ReplyFirst);
        for _ in 0..200 {
            h.passive_listening();
            assert_eq!(h.offer("PASV", t0), Some("PASV"));
        }
    }

    #[test]
    fn the_bound_ends_the_hold() {
        let now = Instant::now();
        let mut h = ControlHold::new();
        h.data_handshake_started(true);
        for i in 0..MAX_HELD {
            assert_eq!(h.offer(i, now), None);
        }
        assert!(!h.is_holding(), "a full queue ends the hold");
        for i in 0..MAX_HELD {
            assert_eq!(h.next(), Some(i));
        }
        assert_eq!(h.next(), None);
    }
}

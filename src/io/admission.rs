//! Admission control shared by both server adapters: which connections get a session, which
//! one makes room for a newcomer, which addresses may still try to log in, and the control
//! TLS handshake deadline.
//!
//! Owns the server-wide bookkeeping ([`Admission`]: the sessions in admission order, who is
//! logged in, failed logins per address) and each session's share of it ([`Ticket`], released
//! when dropped). Must not touch sockets itself (an admitted connection comes with the adapter's
//! own way of closing it) and must not format FTP replies beyond the one-line refusal an
//! adapter writes before a session exists.
//!
//! The rules (documented on [`ServerOptions`](crate::io::blocking::server::ServerOptions)):
//! - a session counts against [`max_sessions`](crate::io::blocking::server::ServerOptions::max_sessions)
//!   and against its address's
//!   [`max_sessions_per_address`](crate::io::blocking::server::ServerOptions::max_sessions_per_address);
//!   an address is an IPv4 address, or an IPv6 /64 (one subscriber's usual allocation);
//! - a newcomer that would exceed a limit displaces the *oldest not-logged-in* session within
//!   that limit's scope (its own address for the per-address limit, any address for the global
//!   one); a logged-in session is never displaced: when every session in the scope is logged
//!   in, the newcomer is refused (`421`);
//! - [`max_login_failures_per_address`](crate::io::blocking::server::ServerOptions::max_login_failures_per_address)
//!   failed `PASS` within
//!   [`login_failure_window`](crate::io::blocking::server::ServerOptions::login_failure_window)
//!   (counted across sessions) refuse that address for one more window: new connections get
//!   `421`, `PASS` in sessions already open gets `530`, whatever the password (RFC 2577 §4).

use std::boxed::Box;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant as StdInstant};
use std::vec::Vec;

/// How many addresses with failed logins are remembered at most (bounded memory whatever the
/// number of attacking addresses); beyond it, the oldest record is forgotten.
const MAX_FAILURE_RECORDS: usize = 4096;

/// How an admitted session is closed to make room for a newcomer (shuts its socket, or wakes
/// its task).
pub(crate) type Evict = Box<dyn FnOnce() + Send>;

/// Why a connection was refused before it got a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Every session slot holds a logged-in user.
    Busy,
    /// Every slot of this address holds a logged-in user.
    AddressBusy,
    /// Too many failed logins from this address lately.
    LoginsBlocked,
}

impl Refusal {
    /// The `421` line an explicit-FTPS adapter writes before closing (RFC 959 §4.2: "service
    /// not available, closing control connection"); implicit FTPS closes without a word.
    pub(crate) fn reply(self) -> &'static [u8] {
        match self {
            Refusal::Busy => b"421 Too many sessions, try again later\r\n",
            Refusal::AddressBusy => b"421 Too many sessions from your address\r\n",
            Refusal::LoginsBlocked => {
                b"421 Too many failed logins from your address, try again later\r\n"
            }
        }
    }
}

/// The limits, from the server options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub max_sessions: usize,
    pub per_address: usize,
    pub failures: u32,
    pub window: Duration,
}

impl Limits {
    /// The limits these options set.
    pub(crate) fn of(options: &crate::io::blocking::server::ServerOptions) -> Limits {
        Limits {
            max_sessions: options.max_sessions,
            per_address: options.max_sessions_per_address,
            failures: options.max_login_failures_per_address,
            window: options.login_failure_window,
        }
    }
}

struct Entry {
    id: u64,
    address: IpAddr,
    logged_in: bool,
    evict: Option<Evict>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    since: StdInstant,
    blocked_until: Option<StdInstant>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// In admission order: the first not-logged-in entry is the oldest one.
    sessions: Vec<Entry>,
    failures: HashMap<IpAddr, Failures>,
}

/// The server-wide admission bookkeeping (one per server, shared by its sessions).
pub(crate) struct Admission {
    limits: Limits,
    state: Mutex<State>,
}

impl core::fmt::Debug for Admission {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Admission")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// The address an admission limit counts: IPv4 (or IPv4-mapped) as is, IPv6 by its /64.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

impl Admission {
    /// Bookkeeping under these limits.
    pub(crate) fn new(limits: Limits) -> Arc<Admission> {
        Arc::new(Admission {
            limits,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves consistent data (each change is
        // one push/remove): carry on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Admits a connection from `peer` now, or says why not. `evict` closes it later should
    /// a newcomer need its slot while it is not logged in.
    pub(crate) fn admit(self: &Arc<Self>, peer: IpAddr, evict: Evict) -> Result<Ticket, Refusal> {
        self.admit_at(peer, evict, StdInstant::now())
    }

    fn admit_at(
        self: &Arc<Self>,
        peer: IpAddr,
        evict: Evict,
        now: StdInstant,
    ) -> Result<Ticket, Refusal> {
        let address = address_key(peer);
        let mut state = self.lock();
        if blocked(&mut state, address, now) {
            return Err(Refusal::LoginsBlocked);
        }
        let from_address = state
            .sessions
            .iter()
            .filter(|e| e.address == address)
            .count();
        if from_address >= self.limits.per_address
            && !displace(&mut state, |e| e.address == address)
        {
            return Err(Refusal::AddressBusy);
        }
        if state.sessions.len() >= self.limits.max_sessions && !displace(&mut state, |_| true) {
            return Err(Refusal::Busy);
        }
        state.next_id += 1;
        let id = state.next_id;
        state.sessions.push(Entry {
            id,
            address,
            logged_in: false,
            evict: Some(evict),
        });
        Ok(Ticket {
            admission: self.clone(),
            id,
            address,
        })
    }

    /// Sessions admitted and not yet ended or displaced.
    #[cfg(test)]
    fn sessions(&self) -> usize {
        self.lock().sessions.len()
    }
}

/// Closes the oldest not-logged-in session among those `in_scope`; false if there is none.
fn displace(state: &mut State, in_scope: impl Fn(&Entry) -> bool) -> bool {
    let Some(i) = state
        .sessions
        .iter()
        .position(|e| !e.logged_in && in_scope(e))
    else {
        return false;
    };
    let mut entry = state.sessions.remove(i);
    if let Some(evict) = entry.evict.take() {
        evict();
    }
    true
}

/// Whether `address` is refused now; forgets records whose time is over.
fn blocked(state: &mut State, address: IpAddr, now: StdInstant) -> bool {
    let Some(f) = state.failures.get(&address).copied() else {
        return false;
    };
    match f.blocked_until {
        Some(until) if now < until => true,
        Some(_) => {
            state.failures.remove(&address);
            false
        }
        None => false,
    }
}

/// One session's share of the admission bookkeeping; dropping it releases the slot.
pub(crate) struct Ticket {
    admission: Arc<Admission>,
    id: u64,
    address: IpAddr,
}

impl core::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ticket").field("id", &self.id).finish()
    }
}

impl Ticket {
    /// The session's user logged in (`true`: never displaced) or out (`REIN`).
    pub(crate) fn set_logged_in(&self, logged_in: bool) {
        let mut state = self.admission.lock();
        if let Some(e) = state.sessions.iter_mut().find(|e| e.id == self.id) {
            e.logged_in = logged_in;
        }
    }

    /// Whether logins from this session's address are refused now.
    pub(crate) fn logins_blocked(&self) -> bool {
        blocked(&mut self.admission.lock(), self.address, StdInstant::now())
    }

    /// A `PASS` from this session failed.
    pub(crate) fn login_failed(&self) {
        self.login_failed_at(StdInstant::now());
    }

    fn login_failed_at(&self, now: StdInstant) {
        let limits = self.admission.limits;
        if limits.failures == 0 {
            return;
        }
        let mut state = self.admission.lock();
        if !state.failures.contains_key(&self.address)
            && state.failures.len() >= MAX_FAILURE_RECORDS
        {
            forget_one(&mut state.failures, now);
        }
        let f = state.failures.entry(self.address).or_insert(Failures {
            count: 0,
            since: now,
            blocked_until: None,
        });
        if f.blocked_until.is_none() && now.saturating_duration_since(f.since) > limits.window {
            // A new window.
            f.count = 0;
            f.since = now;
        }
        f.count = f.count.saturating_add(1);
        if f.count >= limits.failures && f.blocked_until.is_none() {
            f.blocked_until = Some(now + limits.window);
        }
    }
}

/// Makes room for one failure record: an expired one if any, else the oldest.
fn forget_one(failures: &mut HashMap<IpAddr, Failures>, now: StdInstant) {
    let expired = failures
        .iter()
        .find(|(_, f)| f.blocked_until.is_some_and(|u| now >= u))
        .map(|(a, _)| *a);
    let victim = expired.or_else(|| {
        failures
            .iter()
            .min_by_key(|(_, f)| f.since)
            .map(|(a, _)| *a)
    });
    if let Some(a) = victim {
        failures.remove(&a);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut state = self.admission.lock();
        // Absent when it was displaced.
        if let Some(i) = state.sessions.iter().position(|e| e.id == self.id) {
            state.sessions.remove(i);
        }
    }
}

/// The control connection's TLS handshake deadline (explicit `AUTH TLS` and implicit FTPS):
/// an adapter starts it with the handshake, stops it when the handshake ends, bounds its waits
/// with it, and reports a handshake that outlived it as failed (the machine then closes).
#[derive(Debug, Default)]
pub(crate) struct HandshakeDeadline {
    until: Option<StdInstant>,
}

impl HandshakeDeadline {
    /// A handshake starts now and may last `timeout`.
    pub(crate) fn start(&mut self, timeout: Duration) {
        self.until = Some(StdInstant::now() + timeout);
    }

    /// The handshake ended (either way).
    pub(crate) fn stop(&mut self) {
        self.until = None;
    }

    /// How long the adapter may wait: the machine's own wait, bounded by the deadline.
    pub(crate) fn bound(&self, machine: Option<Duration>) -> Option<Duration> {
        let mine = self
            .until
            .map(|u| u.saturating_duration_since(StdInstant::now()));
        match (machine, mine) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Whether the deadline passed (then it is stopped: it fires once).
    pub(crate) fn expired(&mut self) -> bool {
        let passed = self.until.is_some_and(|u| StdInstant::now() >= u);
        if passed {
            self.until = None;
        }
        passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn limits(max_sessions: usize, per_address: usize) -> Limits {
        Limits {
            max_sessions,
            per_address,
            failures: 3,
            window: Duration::from_secs(60),
        }
    }

    fn counter() -> (Arc<AtomicUsize>, impl Fn() -> Evict) {
        let n = Arc::new(AtomicUsize::new(0));
        let m = n.clone();
        (n, move || {
            let m = m.clone();
            Box::new(move || {
                m.fetch_add(1, Ordering::Relaxed);
            })
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn full_server_displaces_the_oldest_not_logged_in_never_a_logged_in_one() {
        let a = Admission::new(limits(3, 10));
        let (evicted, evict) = counter();
        let user = a.admit(ip("10.0.0.1"), evict()).unwrap();
        user.set_logged_in(true);
        let _silent1 = a.admit(ip("10.0.0.2"), evict()).unwrap();
        let _silent2 = a.admit(ip("10.0.0.3"), evict()).unwrap();
        // Full: the newcomer displaces silent1 (the oldest not logged in), not the user.
        let newcomer = a.admit(ip("10.0.0.4"), evict()).unwrap();
        assert_eq!(evicted.load(Ordering::Relaxed), 1);
        assert_eq!(a.sessions(), 3);
        newcomer.set_logged_in(true);
        let _s3 = a.admit(ip("10.0.0.5"), evict()).unwrap();
        assert_eq!(evicted.load(Ordering::Relaxed), 2);
        // Now: user, newcomer (logged in), s3 (not): s3 goes for the next one...
        let last = a.admit(ip("10.0.0.6"), evict()).unwrap();
        last.set_logged_in(true);
        // ...and with all three logged in, a newcomer is refused.
        assert_eq!(a.admit(ip("10.0.0.7"), evict()).unwrap_err(), Refusal::Busy);
        assert_eq!(evicted.load(Ordering::Relaxed), 3);
        drop(user);
        assert!(a.admit(ip("10.0.0.7"), evict()).is_ok());
    }

    #[test]
    fn per_address_limit_displaces_only_within_the_address() {
        let a = Admission::new(limits(10, 2));
        let (evicted, evict) = counter();
        let one = a.admit(ip("10.0.0.1"), evict()).unwrap();
        let _other = a.admit(ip("10.0.0.9"), evict()).unwrap();
        let two = a.admit(ip("10.0.0.1"), evict()).unwrap();
        two.set_logged_in(true);
        // 10.0.0.1 is full: its own oldest silent session (one) goes, not 10.0.0.9's.
        let three = a.admit(ip("10.0.0.1"), evict()).unwrap();
        assert_eq!(evicted.load(Ordering::Relaxed), 1);
        three.set_logged_in(true);
        assert_eq!(
            a.admit(ip("10.0.0.1"), evict()).unwrap_err(),
            Refusal::AddressBusy
        );
        let _b = a.admit(ip("10.0.0.2"), evict()).unwrap();
        assert_eq!(a.sessions(), 4);
        drop(one); // displaced already: dropping it changes nothing
        assert_eq!(a.sessions(), 4);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_prefix() {
        let a = Admission::new(limits(10, 1));
        let (_, evict) = counter();
        let t = a.admit(ip("2001:db8:1:2::1"), evict()).unwrap();
        t.set_logged_in(true);
        assert_eq!(
            a.admit(ip("2001:db8:1:2::ffff"), evict()).unwrap_err(),
            Refusal::AddressBusy
        );
        assert!(a.admit(ip("2001:db8:1:3::1"), evict()).is_ok());
        // IPv4-mapped IPv6 is the IPv4 address.
        let v4 = a.admit(ip("10.1.1.1"), evict()).unwrap();
        v4.set_logged_in(true);
        assert_eq!(
            a.admit(ip("::ffff:10.1.1.1"), evict()).unwrap_err(),
            Refusal::AddressBusy
        );
    }

    #[test]
    fn failed_logins_across_sessions_block_the_address_for_a_window() {
        let a = Admission::new(limits(10, 10));
        let (_, evict) = counter();
        let t0 = StdInstant::now();
        let s1 = a.admit_at(ip("10.0.0.1"), evict(), t0).unwrap();
        let s2 = a.admit_at(ip("10.0.0.1"), evict(), t0).unwrap();
        let other = a.admit_at(ip("10.0.0.2"), evict(), t0).unwrap();
        s1.login_failed_at(t0);
        s2.login_failed_at(t0 + Duration::from_secs(1));
        assert!(a.admit_at(ip("10.0.0.1"), evict(), t0).is_ok());
        s1.login_failed_at(t0 + Duration::from_secs(2));
        let at = t0 + Duration::from_secs(3);
        assert_eq!(
            a.admit_at(ip("10.0.0.1"), evict(), at).unwrap_err(),
            Refusal::LoginsBlocked
        );
        assert!(a.admit_at(ip("10.0.0.2"), evict(), at).is_ok());
        drop(other);
        // One window after the failure that reached the budget, the address is free again.
        let later = t0 + Duration::from_secs(63);
        assert!(a.admit_at(ip("10.0.0.1"), evict(), later).is_ok());
    }

    #[test]
    fn failures_spread_beyond_the_window_do_not_add_up() {
        let a = Admission::new(limits(10, 10));
        let (_, evict) = counter();
        let t0 = StdInstant::now();
        let s = a.admit_at(ip("10.0.0.1"), evict(), t0).unwrap();
        for i in 0..10u64 {
            // Two failures per window, ever: never three in one.
            s.login_failed_at(t0 + Duration::from_secs(61 * i));
            s.login_failed_at(t0 + Duration::from_secs(61 * i + 1));
            let at = t0 + Duration::from_secs(61 * i + 2);
            assert!(a.admit_at(ip("10.0.0.1"), evict(), at).is_ok(), "{i}");
        }
    }

    #[test]
    fn failure_records_are_bounded() {
        let a = Admission::new(limits(10, 10));
        let (_, evict) = counter();
        let t0 = StdInstant::now();
        for i in 0..(MAX_FAILURE_RECORDS as u32 + 100) {
            let addr = IpAddr::V4((0x0a00_0000 + i).into());
            let s = a.admit_at(addr, evict(), t0).unwrap();
            s.login_failed_at(t0);
        }
        assert!(a.lock().failures.len() <= MAX_FAILURE_RECORDS);
    }

    #[test]
    fn handshake_deadline_bounds_waits_and_fires_once() {
        let mut d = HandshakeDeadline::default();
        assert_eq!(d.bound(None), None);
        assert_eq!(
            d.bound(Some(Duration::from_secs(5))),
            Some(Duration::from_secs(5))
        );
        d.start(Duration::ZERO);
        assert_eq!(d.bound(Some(Duration::from_secs(5))), Some(Duration::ZERO));
        assert!(d.expired());
        assert!(!d.expired());
        d.start(Duration::from_secs(100));
        assert!(d.bound(None).is_some_and(|w| w > Duration::from_secs(90)));
        d.stop();
        assert_eq!(d.bound(None), None);
    }
}

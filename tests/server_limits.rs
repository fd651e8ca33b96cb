//! Hardening of `server::Session` (RFC 2577): login attempts with a delay (a deadline, not a
//! sleep), idle timeout, overlong lines, floods, pipelining in order with a bounded output
//! queue, misuse of the decision API, and the size of the machine.

mod server_harness;

use std::time::Duration;

use ftps_proto::codec::Limits;
use ftps_proto::server::{Config, Event, Misuse, Output, PeerErrorKind, Session, State};
use ftps_proto::types::Instant;
use server_harness::*;

fn fail_login(h: &mut Harness) {
    h.c("USER alice");
    if matches!(
        h.items.front(),
        Some(Item::Action(Output::Event(Event::LoggedOut)))
    ) {
        h.items.pop_front();
    }
    let (d, _) = h.decision();
    h.accept(d);
    h.s(331);
    h.c("PASS wrong");
    let (d, _) = h.decision();
    h.reject(d, 530, "Login incorrect");
}

/// A failed login's 530 is held back by the delay; commands pipelined behind it wait.
#[test]
fn failed_login_reply_is_delayed() {
    let mut h = Harness::greeted(plain_config());
    fail_login(&mut h);
    h.quiet();
    assert_eq!(h.session.state(), State::LoginDelay);
    let Some(Output::Timeout(t)) = h.last_wait.clone() else {
        panic!("{:?}", h.last_wait)
    };
    assert_eq!(t.as_millis(), h.now.as_millis() + 5_000);
    h.c("NOOP"); // 1 ms later
    h.quiet();
    h.advance(4_998);
    h.quiet();
    h.advance(1);
    assert_eq!(h.s(530), "Login incorrect");
    h.s(200);
    h.quiet();
}

/// After the allowed attempts: 530, then 421 and close (RFC 2577 §4).
#[test]
fn too_many_login_failures_close() {
    let mut h = Harness::greeted(plain_config().with_login_attempts(2, Duration::from_secs(1)));
    fail_login(&mut h);
    h.advance(1_000);
    h.s(530);
    fail_login(&mut h);
    h.advance(1_000);
    h.s(530);
    assert_eq!(h.peer_error(), PeerErrorKind::TooManyLoginFailures);
    h.s(421);
    assert_eq!(h.action(), Output::Close);
    assert_eq!(h.session.state(), State::Closed);
    h.c("USER alice");
    h.quiet();
}

/// A successful login resets the count.
#[test]
fn successful_login_resets_failures() {
    let mut h = Harness::greeted(plain_config().with_login_attempts(2, Duration::from_millis(10)));
    fail_login(&mut h);
    h.advance(10);
    h.s(530);
    h.login("alice");
    fail_login(&mut h);
    h.advance(10);
    h.s(530);
    h.c("NOOP");
    h.s(200);
}

/// Idle timeout: 421 and close.
#[test]
fn idle_timeout() {
    // The pre-login deadline is pushed out of the way: this is about the idle timeout.
    let mut h = Harness::greeted(
        plain_config()
            .with_idle_timeout(Duration::from_secs(60))
            .with_login_timeout(Duration::from_secs(3600)),
    );
    let Some(Output::Timeout(t)) = h.last_wait.clone() else {
        panic!()
    };
    assert_eq!(t.as_millis(), 60_000);
    h.advance(30_000);
    h.c("NOOP");
    h.s(200);
    h.advance(59_000);
    h.quiet();
    h.advance(1_000);
    assert_eq!(h.peer_error(), PeerErrorKind::IdleTimeout);
    h.s(421);
    assert_eq!(h.action(), Output::Close);
    assert_eq!(h.last_wait, Some(Output::Idle));
}

/// Pre-login deadline: NOOP every 20 s keeps the idle timeout away, but 60 s after the
/// connection without a login: 421 and close (RFC 959 §4.2).
#[test]
fn a_client_that_keeps_talking_but_never_logs_in_gets_421_at_the_login_timeout() {
    let mut h = Harness::greeted(plain_config().with_login_timeout(Duration::from_secs(60)));
    for _ in 0..2 {
        h.advance(20_000);
        h.c("NOOP");
        h.s(200);
    }
    let Some(Output::Timeout(t)) = h.last_wait.clone() else {
        panic!("{:?}", h.last_wait)
    };
    assert_eq!(t.as_millis(), 60_000);
    h.advance(t.as_millis() - h.now.as_millis() - 1);
    h.quiet();
    h.advance(1);
    assert_eq!(h.peer_error(), PeerErrorKind::LoginTimeout);
    assert!(h.s(421).contains("Login timeout"));
    assert_eq!(h.action(), Output::Close);
    assert_eq!(h.session.state(), State::Closed);
}

/// A login before the deadline lifts it; `REIN` starts a new login period.
#[test]
fn login_timeout_ends_with_login_and_restarts_at_rein() {
    let mut h = Harness::greeted(
        plain_config()
            .with_login_timeout(Duration::from_secs(10))
            .with_idle_timeout(Duration::from_secs(1000)),
    );
    h.advance(9_000);
    h.login("alice");
    h.advance(100_000);
    h.c("NOOP");
    h.s(200);
    h.c("REIN");
    h.s(220);
    if matches!(
        h.items.front(),
        Some(Item::Action(Output::Event(Event::LoggedOut)))
    ) {
        h.items.pop_front();
    }
    let Some(Output::Timeout(t)) = h.last_wait.clone() else {
        panic!("{:?}", h.last_wait)
    };
    assert_eq!(t.as_millis(), h.now.as_millis() + 10_000);
    h.advance(9_999);
    h.quiet();
    h.advance(1);
    assert_eq!(h.peer_error(), PeerErrorKind::LoginTimeout);
    h.s(421);
    assert_eq!(h.action(), Output::Close);
}

/// A held-back 530 does not outlive the login deadline: 421 and close.
#[test]
fn login_timeout_during_a_login_delay_closes() {
    let mut h = Harness::greeted(
        plain_config()
            .with_login_timeout(Duration::from_secs(3))
            .with_login_attempts(3, Duration::from_secs(5)),
    );
    fail_login(&mut h);
    h.advance(3_000);
    assert_eq!(h.peer_error(), PeerErrorKind::LoginTimeout);
    h.s(421);
    assert_eq!(h.action(), Output::Close);
}

/// Under implicit FTPS a handshake that never ends is closed at the login deadline, without
/// a reply (nothing can be said in clear).
#[test]
fn login_timeout_during_the_implicit_handshake_closes_silently() {
    let config = plain_config()
        .with_control(ftps_proto::server::ControlPolicy::Implicit)
        .with_login_timeout(Duration::from_secs(5));
    let mut h = Harness::new(config);
    assert!(matches!(h.action(), Output::StartTls { .. }));
    h.advance(5_000);
    assert_eq!(h.peer_error(), PeerErrorKind::LoginTimeout);
    assert_eq!(h.action(), Output::Close);
    h.quiet();
}

/// An overlong line is answered 500 and the session carries on.
#[test]
fn overlong_line() {
    let mut h =
        Harness::greeted(plain_config().with_limits(Limits::default().with_max_line_len(64)));
    let long = format!("USER {}", "a".repeat(200));
    h.c(&long);
    assert_eq!(h.peer_error(), PeerErrorKind::LineTooLong);
    h.s(500);
    h.c("NOOP");
    h.s(200);
}

/// Pipelined commands are answered in order, and the burst is taken out of the buffer only
/// as fast as the outputs are drained (the session stops at a decision).
#[test]
fn pipelining_in_order_and_bounded() {
    let mut h = Harness::greeted(plain_config());
    h.login("alice");
    let mut burst = Vec::new();
    for _ in 0..500 {
        burst.extend_from_slice(b"NOOP\r\n");
    }
    burst.extend_from_slice(b"TYPE I\r\nPWD\r\nSYST\r\n");
    h.now = Instant::from_millis(h.now.as_millis() + 1);
    h.session.handle_input(&burst, h.now);
    // Pull one output at a time.
    let mut replies = 0;
    let pwd = loop {
        match h.session.poll_output() {
            Output::Send(b) => replies += self::replies(&b).len(),
            Output::Event(e) => break Some(e),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(replies, 501);
    let d = pwd.and_then(|e| e.decision()).unwrap();
    h.session.accept_path(d, path("/")).unwrap();
    h.drain();
    h.s(257);
    h.s(215);
}

/// A peer that floods while the session waits for a decision is cut off with 421.
#[test]
fn flood_while_blocked() {
    let mut h = Harness::greeted(plain_config().with_max_pipelined_bytes(1024));
    h.c("USER alice");
    let (_d, _) = h.decision();
    let flood = b"NOOP\r\n".repeat(400);
    h.raw(&flood);
    assert_eq!(h.peer_error(), PeerErrorKind::Flood);
    h.s(421);
    assert_eq!(h.action(), Output::Close);
}

/// Misuse is a local error: the session is unchanged.
#[test]
fn decision_misuse() {
    let mut h = Harness::greeted(plain_config());
    h.login("alice");
    h.c("CWD /x");
    let (d, _) = h.decision();
    assert!(matches!(
        h.session.accept_size(d, 1),
        Err(Misuse::WrongAnswer {
            question: "CWD",
            ..
        })
    ));
    assert!(matches!(
        h.session.accept_path(d, path("/")),
        Err(Misuse::WrongAnswer { .. })
    ));
    assert_eq!(
        h.session.reject(d, code(250), text("no")),
        Err(Misuse::NotNegative { code: 250 })
    );
    h.accept(d);
    h.s(250);
    // Answering twice is refused.
    assert!(matches!(
        h.session.accept(d),
        Err(Misuse::UnknownDecision { .. })
    ));
    h.drain();
    h.quiet();
    assert!(matches!(
        h.session.handle_data_connected(h.now),
        Err(Misuse::Unexpected { .. })
    ));
    h.c("NOOP");
    h.s(200);
}

/// Unknown commands: 502; the session carries on.
#[test]
fn unknown_command() {
    let mut h = Harness::greeted(plain_config());
    h.c("XYZZY plugh");
    h.s(502);
    h.c("NOOP");
    h.s(200);
}

/// The session's own size stays small (rare parts are boxed).
#[test]
fn session_is_small() {
    let size = std::mem::size_of::<Session>();
    assert!(size <= 512, "size_of::<Session>() = {size}");
}

/// A greeting and the documented initial state.
#[test]
fn greeting() {
    let mut h = Harness::new(Config::default().with_greeting(text("Welcome")));
    assert_eq!(h.s(220), "Welcome");
    assert_eq!(h.session.state(), State::NotLoggedIn);
    assert!(matches!(h.last_wait, Some(Output::Timeout(_))));
    let _ = Event::LoggedOut;
}

/// A NUL or bare CR inside a command line never reaches the application: 501 for a known
/// verb, 500 otherwise (RFC 959 §4.1.3 `<char>`).
#[test]
fn forbidden_bytes_in_lines() {
    let mut h = Harness::greeted(plain_config());
    h.raw(b"USER a\x00b\r\n");
    h.s(501);
    h.raw(b"XY\x00Z\r\n");
    h.s(500);
    h.quiet();
    h.c("NOOP");
    h.s(200);
}

/// An application answer of 421 closes the session (RFC 959 §4.2.2), e.g. an unknown HOST.
#[test]
fn reject_with_421_closes() {
    let mut h = Harness::greeted(Config::default());
    h.c("HOST nowhere.example");
    let (d, _) = h.decision();
    h.reject(d, 421, "No such host");
    h.s(421);
    assert_eq!(h.action(), Output::Close);
    assert_eq!(h.session.state(), State::Closed);
}

/// Telnet option negotiation is refused (RFC 1123 §4.1.2.12): WILL → DONT, DO → WONT;
/// WONT/DONT need no answer; the command around it is served.
#[test]
fn telnet_negotiation_is_refused() {
    let mut h = Harness::greeted(plain_config());
    h.raw(b"\xff\xfb\x18\xff\xfd\x01\xff\xfc\x03NOOP\r\n");
    match (h.items.pop_front(), h.items.pop_front()) {
        (Some(Item::Telnet(a)), Some(Item::Telnet(b))) => {
            assert_eq!((a, b), (vec![0xFF, 254, 0x18], vec![0xFF, 252, 0x01]));
        }
        other => panic!("{other:?}"),
    }
    h.s(200);
    h.quiet();
}

/// A handle from another session is refused, even with the same number.
#[test]
fn decision_from_another_session_is_refused() {
    let mut a = Harness::greeted(plain_config());
    let mut b = Harness::with_addresses(plain_config(), LOCAL, "198.51.100.7:50002");
    b.s(220);
    a.c("USER alice");
    b.c("USER bob");
    let (da, _) = a.decision();
    let (db, _) = b.decision();
    assert_eq!(da.id(), db.id());
    assert!(matches!(
        a.session.accept(db),
        Err(Misuse::UnknownDecision { .. })
    ));
    a.accept(da);
    a.s(331);
}

//! Security negotiation transcripts (RFC 4217 §4, §10.3): AUTH refused with TLS required or
//! opportunistic, the AUTH SSL fallback, no plaintext across the upgrade, TLS failures, and
//! the greeting's codes.

mod client_support;

use client_support::*;
use ftps_proto::client::{
    CloseReason, Config, Event, Output, ProtocolErrorKind, Response, Security, State,
};
use ftps_proto::types::Channel;

#[test]
fn auth_refused_with_tls_required_closes_before_any_credential() {
    let mut t = Transcript::new(Config::default());
    let id = t.client.login(user_login("u", "secret"), t.now).unwrap();
    t.drain();
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("530 Please login with USER and PASS.");
    assert!(t.completed(id).is_err());
    match t.event() {
        Event::Closed(CloseReason::TlsRefused(r)) => assert_eq!(r.code().value(), 530),
        other => panic!("{other:?}"),
    }
    t.expect(Output::Close);
    // Never USER, never PASS.
    t.quiet();
}

#[test]
fn auth_refused_in_opportunistic_mode_carries_on_in_clear_without_pbsz() {
    let config = Config::default().with_security(Security::ExplicitOpportunistic);
    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("502 AUTH not supported");
    assert!(matches!(t.event(), Event::TlsDeclined(_)));
    assert!(matches!(t.event(), Event::Connected { tls: false, .. }));
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 pw");
    t.c("PASS p");
    t.s("230 ok");
    // No PBSZ/PROT without TLS on the control connection.
    t.c("FEAT");
    t.s("500 no");
    t.c("TYPE I");
    t.s("200 ok");
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
}

#[test]
fn auth_ssl_fallback_when_configured() {
    let mut config = Config::default();
    config.auth_ssl_fallback = true;
    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("504 Unknown mechanism");
    t.c("AUTH SSL");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    assert!(matches!(t.event(), Event::Connected { tls: true, .. }));
}

#[test]
fn plaintext_behind_234_in_the_same_read_is_a_protocol_error() {
    let mut t = Transcript::new(Config::default());
    t.s("220 hi");
    t.c("AUTH TLS");
    // An attacker appends a forged reply behind the 234, in clear.
    t.s("234 ok\n230 forged login");
    match t.event() {
        Event::Closed(CloseReason::Protocol(e)) => {
            assert!(matches!(
                e.kind,
                ProtocolErrorKind::PlaintextAfterAuth { .. }
            ));
        }
        other => panic!("{other:?}"),
    }
    t.expect(Output::Close);
    t.quiet();
}

#[test]
fn plaintext_after_234_before_tls_ready_is_a_protocol_error() {
    let mut t = Transcript::new(Config::default());
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.feed(b"230 injected\r\n");
    match t.event() {
        Event::Closed(CloseReason::Protocol(e)) => {
            assert_eq!(e.kind, ProtocolErrorKind::PlaintextAfterAuth { bytes: 14 });
            assert_eq!(e.state, State::Securing);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nothing_is_sent_between_234_and_tls_ready() {
    let mut t = Transcript::new(Config::default());
    t.s("220 hi");
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.quiet();
    t.tls_ready(Channel::Control);
    assert!(matches!(t.event(), Event::Connected { .. }));
    t.c("USER u");
    let _ = id;
}

#[test]
fn control_tls_failure_closes() {
    let mut t = Transcript::new(Config::default());
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.client.handle_tls_failed(Channel::Control, t.now);
    t.drain();
    assert_eq!(t.event(), Event::Closed(CloseReason::TlsFailed));
    t.expect(Output::Close);
}

#[test]
fn greeting_120_then_220() {
    let mut t = Transcript::new(Config::default());
    t.s("120 Service ready in 1 minute");
    t.quiet();
    t.s("220 ready now");
    t.c("AUTH TLS");
}

#[test]
fn greeting_421_closes() {
    let mut t = Transcript::new(Config::default());
    t.s("421 Too many connections");
    assert!(matches!(
        t.event(),
        Event::Closed(CloseReason::ServiceNotAvailable(_))
    ));
    t.expect(Output::Close);
}

#[test]
fn a_garbage_line_closes_the_session() {
    let mut t = Transcript::new(Config::default());
    t.s("hello there");
    match t.event() {
        Event::Closed(CloseReason::Protocol(e)) => {
            assert!(matches!(e.kind, ProtocolErrorKind::MalformedReply(_)));
            assert_eq!(e.state, State::Connecting);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn replies_split_across_reads_are_reassembled() {
    let mut t = Transcript::new(Config::default());
    t.feed(b"22");
    t.quiet();
    t.feed(b"0-multi\r\n220 ");
    t.quiet();
    t.feed(b"end\r\n");
    t.c("AUTH TLS");
}

/// RFC 4217 §10.3: a control handshake that completed but is refused (here: after
/// `handle_tls_ready`, the certificate does not name the HOST) ends with a protected QUIT;
/// a failed handshake is dropped without one (`control_tls_failure_closes`).
#[test]
fn rejected_control_tls_sends_quit_then_closes() {
    let mut t = Transcript::new(Config::default());
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    assert!(matches!(t.event(), Event::Connected { tls: true, .. }));
    let login = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.client.handle_tls_rejected(t.now);
    t.drain();
    t.c("QUIT");
    assert_eq!(
        t.completed(login),
        Err(ftps_proto::client::Failure::ConnectionClosed)
    );
    assert_eq!(t.event(), Event::Closed(CloseReason::TlsFailed));
    t.expect(Output::Close);
    t.quiet();
    // On a closed session it does nothing.
    t.client.handle_tls_rejected(t.now);
    t.drain();
    t.quiet();
    // Nor in clear, before any TLS.
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    t.s("220 hi");
    assert!(matches!(t.event(), Event::Connected { .. }));
    t.client.handle_tls_rejected(t.now);
    t.drain();
    t.quiet();
}

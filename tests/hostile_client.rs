//! Hostile-input catalogue, client side: one named test per malicious or broken server
//! behaviour, each asserting the precise error, event or action, bounded memory, and that
//! nothing is reported complete that was not.
//!
//! Transcripts: `S:` is what the hostile server sends, `C:` what the client answers.

mod client_support;

use std::time::Duration;

use client_support::{path, user_login, Transcript};
use ftps_proto::client::{
    CloseReason, Config, DataAddress, DataMode, ErrorKind, Event, Failure, Output,
    ProtocolErrorKind, Response, Security, Timeouts, Timer,
};
use ftps_proto::codec::{Command, DecodeError, Limits};
use ftps_proto::types::{
    Account, Channel, DataEnd, Mechanism, Password, Pathname, Text, Username, Verb,
};

const FEAT: &str = "211-Features:\n EPSV\n MLST type*;size*;\n211 End";

fn tls() -> Transcript {
    Transcript::logged_in_tls(Config::default(), FEAT)
}

/// The session ended with this reason, and `Close` followed; returns the reason.
#[track_caller]
fn closed(t: &mut Transcript) -> CloseReason {
    let mut reason = None;
    while let Some(o) = t.pending.pop_front() {
        match o {
            Output::Event(Event::Closed(r)) => reason = Some(r),
            Output::Close => return reason.expect("Close without Closed"),
            Output::Event(Event::Completed { .. }) | Output::CloseData => {}
            other => panic!("unexpected {other:?} before Close"),
        }
    }
    panic!("no Close (reason so far {reason:?})")
}

#[track_caller]
fn protocol(reason: CloseReason) -> ProtocolErrorKind {
    match reason {
        CloseReason::Protocol(e) => e.kind,
        other => panic!("expected a protocol close, got {other:?}"),
    }
}

/// `C: EPSV` / `S: 229` / OpenData / connected / `C: RETR f` / `S: 150` / StartTls(Data) /
/// ready / TransferStarted. Returns the request.
fn download_started(t: &mut Transcript) -> ftps_proto::client::RequestId {
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40001|)");
    t.open_data(id, 40001);
    t.data_connected();
    t.c("RETR f");
    t.s("150 Opening BINARY mode data connection for f (10 bytes)");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    assert!(matches!(t.event(), Event::TransferStarted { request, .. } if request == id));
    id
}

// ---------------------------------------------------------------- framing

#[test]
fn overlong_reply_line_closes_the_session_with_line_too_long() {
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    let mut bytes = b"220 ".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 100_000));
    bytes.extend_from_slice(b"\r\n");
    t.feed(&bytes);
    let k = protocol(closed(&mut t));
    assert!(
        matches!(
            k,
            ProtocolErrorKind::MalformedReply(DecodeError::LineTooLong { .. })
        ),
        "{k:?}"
    );
}

/// RFC 1123 §4.1.2.11: a reply longer than the line limit does not end the session; the
/// excess lines are dropped as they come (memory stays bounded), counted, and the reply's
/// code still arrives.
#[test]
fn endless_multiline_reply_is_cut_at_the_line_limit() {
    let mut c = Config::default().with_security(Security::Plain);
    c.limits = Limits::default();
    let max = c.limits.max_reply_lines;
    let mut t = Transcript::new(c);
    t.feed(b"220-Welcome\r\n");
    for _ in 0..(max + 10_000) {
        t.feed(b" more banner\r\n");
        assert_ne!(t.client.state(), ftps_proto::client::State::Closed);
    }
    t.quiet();
    t.feed(b"220 Ready\r\n");
    assert_eq!(
        t.event(),
        Event::ExcessLinesIgnored {
            code: ftps_proto::types::ReplyCode::SERVICE_READY,
            lines: 10_000 + 1
        }
    );
    match t.event() {
        Event::Connected { greeting, .. } => {
            assert_eq!(greeting.code().value(), 220);
            // The first `max` lines (the first line and max - 1 banner lines) and the end line.
            assert_eq!(greeting.line_count(), max + 1);
            assert_eq!(greeting.lines().next(), Some(&b"Welcome"[..]));
            assert_eq!(greeting.lines().last(), Some(&b"Ready"[..]));
        }
        other => panic!("{other:?}"),
    }
    t.quiet();
}

#[test]
fn nul_in_a_reply_is_malformed() {
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    t.feed(b"220 hello\0world\r\n");
    let k = protocol(closed(&mut t));
    assert!(matches!(k, ProtocolErrorKind::MalformedReply(_)), "{k:?}");
}

#[test]
fn bare_cr_in_a_reply_is_malformed_or_harmless_never_a_second_reply() {
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    t.feed(b"220 hi\r230 fake login\r\n");
    match t.pending.front() {
        Some(Output::Event(Event::Connected { greeting, .. })) => {
            assert_eq!(greeting.code().value(), 220);
            t.pending.pop_front();
            t.quiet();
        }
        _ => {
            let k = protocol(closed(&mut t));
            assert!(matches!(k, ProtocolErrorKind::MalformedReply(_)), "{k:?}");
        }
    }
}

#[test]
fn telnet_iac_sequences_in_replies_are_removed() {
    // S: IAC WILL ECHO, then the greeting; IAC IAC is a 0xFF in the text.
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    t.feed(b"\xff\xfb\x01220 caf\xff\xff ready\r\n");
    match t.event() {
        Event::Connected { greeting, .. } => {
            assert_eq!(greeting.code().value(), 220);
            assert_eq!(greeting.text(), b"caf\xff ready");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn reply_code_out_of_range_is_malformed() {
    for bad in [
        &b"700 x\r\n"[..],
        b"099 x\r\n",
        b"1234 x\r\n",
        b"22 x\r\n",
        b"2a0 x\r\n",
    ] {
        let mut t = Transcript::new(Config::default().with_security(Security::Plain));
        t.feed(bad);
        let k = protocol(closed(&mut t));
        assert!(
            matches!(k, ProtocolErrorKind::MalformedReply(_)),
            "{:?}: {k:?}",
            bad.escape_ascii().to_string()
        );
    }
}

#[test]
fn rfc2228_6yz_code_to_a_plain_command_is_an_unexpected_reply() {
    // 6yz replies are protected replies (RFC 2228 §4): never an answer in TLS mode.
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    t.feed(b"631 x\r\n");
    assert_eq!(
        protocol(closed(&mut t)),
        ProtocolErrorKind::UnexpectedReply(ftps_proto::types::ReplyCode::new(631).unwrap())
    );
}

#[test]
fn unexpected_reply_code_for_the_command_is_a_protocol_error() {
    // S: 334 to USER (an ADAT challenge makes no sense here).
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    t.s("220 ready");
    let _ = t.event();
    let _id = t.client.login(user_login("alice", "x"), t.now).unwrap();
    t.drain();
    t.c("USER alice");
    t.s("334 what");
    let mut saw = false;
    for o in t.pending.iter() {
        if let Output::Event(Event::Completed {
            result: Err(Failure::Protocol(e)),
            ..
        }) = o
        {
            saw |= matches!(e.kind, ProtocolErrorKind::UnexpectedReply(c) if c.value() == 334);
        }
        if let Output::Event(Event::Closed(CloseReason::Protocol(e))) = o {
            saw |= matches!(e.kind, ProtocolErrorKind::UnexpectedReply(c) if c.value() == 334);
        }
    }
    assert!(saw, "{:?}", t.pending);
}

#[test]
fn unsolicited_reply_flood_closes_the_session() {
    let mut t = tls();
    for _ in 0..50 {
        t.feed(b"200 nobody asked\r\n");
        if t.client.state() == ftps_proto::client::State::Closed {
            break;
        }
    }
    let mut unsolicited = 0;
    while let Some(Output::Event(Event::Unsolicited(_))) = t.pending.front() {
        t.pending.pop_front();
        unsolicited += 1;
    }
    assert!(unsolicited <= 8);
    assert_eq!(
        protocol(closed(&mut t)),
        ProtocolErrorKind::UnsolicitedReplies
    );
}

// ---------------------------------------------------------------- TLS upgrade

#[test]
fn plaintext_pipelined_behind_234_ends_the_session_before_any_handshake() {
    // S: 234 and a forged 230 in the same segment (injected before TLS starts).
    let mut t = Transcript::new(Config::default());
    t.s("220 ready");
    t.c("AUTH TLS");
    t.feed(b"234 go ahead\r\n230 forged\r\n");
    let k = protocol(closed(&mut t));
    assert_eq!(k, ProtocolErrorKind::PlaintextAfterAuth { bytes: 12 });
}

#[test]
fn plaintext_arriving_while_the_handshake_runs_ends_the_session() {
    let mut t = Transcript::new(Config::default());
    t.s("220 ready");
    t.c("AUTH TLS");
    t.s("234 go ahead");
    t.start_tls(Channel::Control);
    t.feed(b"230 forged\r\n");
    assert_eq!(
        protocol(closed(&mut t)),
        ProtocolErrorKind::PlaintextAfterAuth { bytes: 12 }
    );
}

#[test]
fn auth_refused_under_required_tls_never_sends_user() {
    let mut t = Transcript::new(Config::default());
    let _ = t
        .client
        .login(user_login("alice", "secret"), t.now)
        .unwrap();
    t.drain();
    t.s("220 ready");
    t.c("AUTH TLS");
    t.s("502 AUTH not supported");
    let reason = closed(&mut t);
    assert!(matches!(reason, CloseReason::TlsRefused(_)), "{reason:?}");
}

#[test]
fn control_handshake_failure_closes_with_tls_failed() {
    let mut t = Transcript::new(Config::default());
    t.s("220 ready");
    t.c("AUTH TLS");
    t.s("234 go ahead");
    t.start_tls(Channel::Control);
    t.client.handle_tls_failed(Channel::Control, t.now);
    t.drain();
    assert_eq!(closed(&mut t), CloseReason::TlsFailed);
}

#[test]
fn prot_p_refused_blocks_transfers_locally() {
    let mut t = Transcript::new(Config::default());
    let id = t
        .client
        .login(user_login("alice", "secret"), t.now)
        .unwrap();
    t.drain();
    t.s("220 ready");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    let _ = t.event();
    t.c("USER alice");
    t.s("331 pw");
    t.c("PASS secret");
    t.s("230 ok");
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT P");
    t.s("534 no private data here");
    // The login itself goes on (PROT C is not silently chosen), but no transfer may run.
    t.c("FEAT");
    t.s("211 no features");
    t.c("TYPE I");
    t.s("200 ok");
    let r = t.completed(id);
    assert!(matches!(r, Err(Failure::DataProtectionRefused(_))), "{r:?}");
    let e = t.client.retrieve(path("f"), 0, t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DataProtection);
}

// ---------------------------------------------------------------- data connections

#[test]
fn pasv_reply_pointing_at_another_host_is_replaced_by_the_control_peer() {
    // S: 227 to a third party (RFC 2577 §3): only the port is used.
    let mut c = Config::default();
    c.extended_data_commands = false;
    let mut t = Transcript::logged_in_tls(c, FEAT);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("PASV");
    t.s("227 Entering Passive Mode (203,0,113,66,156,65)");
    t.expect(Output::OpenData {
        request: id,
        address: DataAddress::ControlPeer { port: 40001 },
    });
}

#[test]
fn pasv_port_zero_is_a_malformed_payload() {
    let mut c = Config::default();
    c.extended_data_commands = false;
    let mut t = Transcript::logged_in_tls(c, FEAT);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("PASV");
    t.s("227 Entering Passive Mode (10,0,0,1,0,0)");
    let mut found = None;
    while let Some(o) = t.pending.pop_front() {
        if let Output::Event(Event::Completed { request, result }) = o {
            assert_eq!(request, id);
            found = Some(result);
        }
    }
    assert!(
        matches!(&found, Some(Err(Failure::Protocol(e))) if matches!(e.kind, ProtocolErrorKind::MalformedPayload(_))),
        "{found:?}"
    );
}

#[test]
fn epsv_port_zero_falls_back_to_pasv() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||0|)");
    t.c("PASV");
    t.s("227 Entering Passive Mode (10,0,0,1,0,0)");
    let mut found = None;
    while let Some(o) = t.pending.pop_front() {
        match o {
            Output::Event(Event::Completed { request, result }) if request == id => {
                found = Some(result)
            }
            Output::OpenData { .. } => panic!("connecting to port 0"),
            _ => {}
        }
    }
    assert!(
        matches!(&found, Some(Err(Failure::Protocol(e))) if matches!(e.kind, ProtocolErrorKind::MalformedPayload(_))),
        "{found:?}"
    );
}

#[test]
fn truncated_tls_download_is_a_failure_even_with_226() {
    let mut t = tls();
    let id = download_started(&mut t);
    t.data_ended(DataEnd::Truncated);
    t.s("226 Transfer complete");
    let r = t.completed(id);
    assert!(
        matches!(
            r,
            Err(Failure::DataConnection {
                end: DataEnd::Truncated,
                reply: Some(_)
            })
        ),
        "{r:?}"
    );
}

#[test]
fn truncated_tls_download_is_a_failure_when_226_comes_first() {
    let mut t = tls();
    let id = download_started(&mut t);
    t.s("226 Transfer complete");
    t.quiet();
    t.data_ended(DataEnd::Truncated);
    let r = t.completed(id);
    assert!(
        matches!(
            r,
            Err(Failure::DataConnection {
                end: DataEnd::Truncated,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn truncated_upload_fails_even_if_the_server_says_226() {
    let mut t = tls();
    let id = t.client.store(path("up"), t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40002|)");
    t.open_data(id, 40002);
    t.data_connected();
    t.c("STOR up");
    t.s("150 Ok to send data.");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    let _ = t.event();
    t.data_ended(DataEnd::Failed);
    t.s("226 Transfer complete");
    let r = t.completed(id);
    assert!(
        matches!(
            r,
            Err(Failure::DataConnection {
                end: DataEnd::Failed,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn data_handshake_failure_fails_the_transfer_not_the_session() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40003|)");
    t.open_data(id, 40003);
    t.data_connected();
    t.c("RETR f");
    t.s("150 here it comes");
    t.start_tls(Channel::Data);
    t.client.handle_tls_failed(Channel::Data, t.now);
    t.drain();
    t.s("426 Failure");
    let mut result = None;
    while let Some(o) = t.pending.pop_front() {
        match o {
            Output::Event(Event::Completed { request, result: r }) if request == id => {
                result = Some(r)
            }
            Output::CloseData | Output::Send(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(matches!(result, Some(Err(_))), "{result:?}");
    assert_ne!(t.client.state(), ftps_proto::client::State::Closed);
}

#[test]
fn service_421_mid_transfer_fails_the_transfer_and_closes() {
    let mut t = tls();
    let id = download_started(&mut t);
    t.s("421 Shutting down");
    let mut failure = None;
    let mut reason = None;
    while let Some(o) = t.pending.pop_front() {
        match o {
            Output::Event(Event::Completed { request, result }) if request == id => {
                failure = Some(result)
            }
            Output::Event(Event::Closed(r)) => reason = Some(r),
            _ => {}
        }
    }
    assert!(matches!(failure, Some(Err(_))), "{failure:?}");
    assert!(
        matches!(reason, Some(CloseReason::ServiceNotAvailable(_))),
        "{reason:?}"
    );
}

#[test]
fn active_mode_listens_and_names_only_its_own_address() {
    let mut t = Transcript::logged_in_tls(Config::default().with_data_mode(DataMode::Active), FEAT);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.expect(Output::ListenData { request: id });
    t.data_listening("192.0.2.10:50123".parse().unwrap());
    t.c("EPRT |1|192.0.2.10|50123|");
}

// ---------------------------------------------------------------- timers

#[test]
fn silent_server_hits_the_reply_timeout() {
    let mut t = tls();
    let id = t.client.noop(t.now).unwrap();
    t.drain();
    t.c("NOOP");
    t.advance(Duration::from_secs(31));
    let r = t.completed(id);
    assert_eq!(r, Err(Failure::Timeout(Timer::Reply)));
    assert_eq!(closed(&mut t), CloseReason::Timeout(Timer::Reply));
}

#[test]
fn slowloris_server_one_byte_at_a_time_still_hits_the_reply_timeout() {
    let mut t = tls();
    let _id = t.client.noop(t.now).unwrap();
    t.drain();
    t.c("NOOP");
    let mut closed_at = None;
    for (i, b) in b"200 NOOP ok".iter().enumerate() {
        t.now = t.now + Duration::from_secs(10);
        t.client.handle_timeout(t.now);
        t.feed(&[*b]);
        if t.client.state() == ftps_proto::client::State::Closed {
            closed_at = Some(i);
            break;
        }
    }
    assert!(matches!(closed_at, Some(i) if i <= 3), "{closed_at:?}");
}

#[test]
fn data_connection_never_connecting_hits_the_data_timeout() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40004|)");
    t.open_data(id, 40004);
    t.advance(Duration::from_secs(31));
    // The EPSV connection never came: PASV is tried once (a firewall may pass only that).
    t.expect(Output::CloseData);
    t.c("PASV");
    t.s("227 Entering Passive Mode (10,0,0,1,156,69)");
    t.open_data(id, 40005);
    t.advance(Duration::from_secs(31));
    let mut result = None;
    while let Some(o) = t.pending.pop_front() {
        if let Output::Event(Event::Completed { request, result: r }) = o {
            assert_eq!(request, id);
            result = Some(r);
        }
    }
    // Neither connection came: the data connection is unavailable.
    assert_eq!(result, Some(Err(Failure::DataUnavailable)));
}

#[test]
fn greeting_never_arriving_hits_the_connect_timeout() {
    let mut t = Transcript::new(Config::default().with_timeouts(Timeouts::default()));
    t.advance(Duration::from_secs(31));
    assert_eq!(closed(&mut t), CloseReason::Timeout(Timer::Connect));
}

// ---------------------------------------------------------------- the API cannot inject

#[test]
fn crlf_cannot_be_injected_through_any_client_api() {
    for evil in ["a\r\nDELE x", "a\nDELE x", "a\rDELE x", "a\0b"] {
        assert!(Username::try_from(evil).is_err(), "{evil:?}");
        assert!(Password::try_from(evil).is_err(), "{evil:?}");
        assert!(Account::try_from(evil).is_err(), "{evil:?}");
        if evil != "a\rDELE x" {
            assert!(Pathname::try_from(evil).is_err(), "{evil:?}");
        }
        assert!(Text::try_from(evil).is_err(), "{evil:?}");
        assert!(Verb::try_from(evil).is_err(), "{evil:?}");
        assert!(Mechanism::try_from(evil).is_err(), "{evil:?}");
    }
    // A path name may hold a bare CR (RFC 2640 §3.1): it is sent as CR NUL, so the line is
    // still one RETR of that name, never a second command.
    let p = Pathname::try_from("a\rDELE x").unwrap();
    let mut wire = Vec::new();
    ftps_proto::codec::Command::Retr(p.clone()).encode(&mut wire);
    assert_eq!(wire, b"RETR a\r\0DELE x\r\n");
    assert_eq!(
        ftps_proto::codec::decode_command(&wire),
        Ok((&b""[..], ftps_proto::codec::Command::Retr(p)))
    );
    // The byte-string forms refuse the same bytes.
    assert!(Pathname::try_from(b"a\r\nDELE x".to_vec()).is_err());
    assert!(Text::try_from(String::from("a\nb")).is_err());
}

#[test]
fn raw_commands_that_would_desynchronise_the_session_are_refused() {
    let mut t = tls();
    for cmd in [
        Command::User(Username::try_from("root").unwrap()),
        Command::Pass(Password::try_from("x").unwrap()),
        Command::Retr(path("f")),
        Command::Ccc,
        Command::Rein,
    ] {
        let e = t.client.raw(cmd, t.now).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UseNamedRequest);
    }
    t.quiet();
}

#[test]
fn commands_before_auth_cannot_smuggle_credentials() {
    let e = Config::default()
        .with_command_before_auth(Command::User(Username::try_from("root").unwrap()))
        .unwrap_err();
    assert_eq!(e, ErrorKind::UseNamedRequest);
}

#[test]
fn a_request_while_busy_is_refused_and_changes_nothing() {
    let mut t = tls();
    let _ = t.client.noop(t.now).unwrap();
    t.drain();
    t.c("NOOP");
    let e = t.client.delete(path("x"), t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Busy);
    t.quiet();
    t.s("200 ok");
    assert!(matches!(
        t.event(),
        Event::Completed {
            result: Ok(Response::Done(_)),
            ..
        }
    ));
}

// ---------------------------------------------------------------- secrets and odd timings

#[test]
fn output_debug_never_shows_the_password_or_account() {
    // Logs of the output stream must not leak credentials (RFC 2577 §7 spirit).
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    let login =
        user_login("alice", "hunter2").with_account(Account::try_from("acct-secret").unwrap());
    assert!(!format!("{login:?}").contains("hunter2"));
    assert!(!format!("{login:?}").contains("acct-secret"));
    let id = t.client.login(login, t.now).unwrap();
    t.drain();
    t.s("220 ready");
    let _ = t.event();
    t.c("USER alice");
    t.s("331 pw");
    let pass = t.next();
    let shown = format!("{pass:?}");
    assert!(matches!(&pass, Output::Send(b) if b == b"PASS hunter2\r\n"));
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("PASS"), "{shown}");
    t.s("332 need account");
    let acct = t.next();
    assert!(!format!("{acct:?}").contains("acct-secret"), "{acct:?}");
    t.s("230 ok");
    let _ = id;
}

#[test]
fn keepalive_noop_answered_421_closes_the_session() {
    let mut timeouts = Timeouts::default();
    timeouts.keepalive = Some(Duration::from_secs(60));
    let mut t = Transcript::logged_in_tls(Config::default().with_timeouts(timeouts), FEAT);
    t.advance(Duration::from_secs(61));
    t.c("NOOP");
    t.s("421 Idle too long");
    assert!(
        matches!(closed(&mut t), CloseReason::ServiceNotAvailable(r) if r.code().value() == 421)
    );
}

#[test]
fn abort_while_the_data_connection_is_still_connecting() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40006|)");
    t.open_data(id, 40006);
    t.client.abort(t.now).unwrap();
    t.drain();
    // No RETR was sent, so no ABOR is needed either: the connect is dropped.
    let mut result = None;
    while let Some(o) = t.pending.pop_front() {
        match o {
            Output::Event(Event::Completed { request, result: r }) if request == id => {
                result = Some(r)
            }
            Output::CloseData => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(result, Some(Err(Failure::Aborted)));
    assert_eq!(
        t.client.abort(t.now).unwrap_err().kind,
        ErrorKind::NoTransfer
    );
}

#[test]
fn active_listener_never_reported_is_data_unavailable() {
    let mut t = Transcript::logged_in_tls(Config::default().with_data_mode(DataMode::Active), FEAT);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.expect(Output::ListenData { request: id });
    t.advance(Duration::from_secs(31));
    let mut result = None;
    while let Some(o) = t.pending.pop_front() {
        if let Output::Event(Event::Completed { request, result: r }) = o {
            assert_eq!(request, id);
            result = Some(r);
        }
    }
    assert_eq!(result, Some(Err(Failure::DataUnavailable)));
}

#[test]
fn eprt_refused_with_an_ipv6_listener_cannot_fall_back_to_port() {
    // PORT carries only IPv4 (RFC 959 §4.1.2): nothing to fall back to.
    let mut t = Transcript::logged_in_tls(Config::default().with_data_mode(DataMode::Active), FEAT);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.expect(Output::ListenData { request: id });
    t.data_listening("[2001:db8::2]:50123".parse().unwrap());
    t.c("EPRT |2|2001:db8::2|50123|");
    t.s("522 Network protocol not supported, use (1)");
    let mut result = None;
    while let Some(o) = t.pending.pop_front() {
        match o {
            Output::Event(Event::Completed { request, result: r }) if request == id => {
                result = Some(r)
            }
            Output::CloseData => {}
            Output::Send(b) => panic!("sent {:?}", String::from_utf8_lossy(&b)),
            _ => {}
        }
    }
    assert!(
        matches!(result, Some(Err(Failure::Refused(ref r))) if r.code().value() == 522),
        "{result:?}"
    );
}

// ---------------------------------------------------------------- sequencing from the client

#[test]
fn rein_during_a_transfer_is_refused_locally() {
    let mut t = tls();
    let _id = download_started(&mut t);
    let e = t.client.reinitialize(t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Busy);
    t.quiet();
}

#[test]
fn rest_past_the_end_refused_554_fails_the_download_without_retr() {
    // S: 554 to REST (RFC 3659 §5.4): RETR must not run from offset 0 instead.
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 1 << 40, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40007|)");
    t.open_data(id, 40007);
    t.data_connected();
    t.c(&format!("REST {}", 1u64 << 40));
    t.s("554 Invalid REST parameter");
    let mut result = None;
    while let Some(o) = t.pending.pop_front() {
        match o {
            Output::Event(Event::Completed { request, result: r }) if request == id => {
                result = Some(r)
            }
            Output::CloseData => {}
            Output::Send(b) => panic!("sent {:?}", String::from_utf8_lossy(&b)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        matches!(result, Some(Err(Failure::Refused(ref r))) if r.code().value() == 554),
        "{result:?}"
    );
}

#[test]
fn rnfr_refused_means_rnto_is_never_sent() {
    let mut t = tls();
    let id = t.client.rename(path("a"), path("b"), t.now).unwrap();
    t.drain();
    t.c("RNFR a");
    t.s("550 No such file");
    let r = t.completed(id);
    assert!(
        matches!(r, Err(Failure::Refused(ref r)) if r.code().value() == 550),
        "{r:?}"
    );
    t.quiet();
}

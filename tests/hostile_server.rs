//! Hostile-input catalogue, server side: one named test per attack or malformed input, each
//! asserting the precise reply (or the precise action told to the adapter), that memory stays
//! bounded and that nothing legitimate is lost afterwards.
//!
//! Transcripts: `C:` is what the hostile client sends, `S:` what the session answers.

mod server_harness;

use ftps_proto::codec::Limits;
use ftps_proto::server::{
    Config, ControlPolicy, DataPolicy, Direction, Event, Misuse, Output, PeerErrorKind, TlsDetails,
};
use ftps_proto::types::{Channel, DataEnd, Instant, ReplyCode, TlsRole};
use server_harness::{code, path, plain_config, text, Harness, Item};

fn logged_in(config: Config) -> Harness {
    let mut h = Harness::greeted(config);
    h.auth_tls();
    h.login("alice");
    h
}

/// Skips `PeerError` notices; returns their kinds.
fn take_peer_errors(h: &mut Harness) -> Vec<PeerErrorKind> {
    let mut v = Vec::new();
    while let Some(Item::Action(Output::Event(Event::PeerError(_)))) = h.items.front() {
        if let Some(Item::Action(Output::Event(Event::PeerError(p)))) = h.items.pop_front() {
            v.push(p.kind);
        }
    }
    v
}

// ---------------------------------------------------------------- line framing

#[test]
fn overlong_command_line_is_answered_500_and_the_next_command_works() {
    let mut h =
        Harness::greeted(plain_config().with_limits(Limits::default().with_max_line_len(512)));
    let mut line = b"USER ".to_vec();
    line.extend(std::iter::repeat_n(b'a', 10_000));
    line.extend_from_slice(b"\r\nNOOP\r\n");
    h.raw(&line);
    assert_eq!(h.peer_error(), PeerErrorKind::LineTooLong);
    assert!(h.s(500).contains("too long"));
    h.s(200); // S: 200 NOOP ok — nothing after the overlong line is lost.
    h.quiet();
}

#[test]
fn endless_line_without_crlf_is_bounded_then_resynchronises() {
    // C: 1 MiB without a line end, 4 KiB at a time.
    let mut h = Harness::greeted(plain_config());
    let chunk = vec![b'A'; 4096];
    for _ in 0..256 {
        h.raw(&chunk);
    }
    // One 500 for the whole runaway line, at most (it may come at the line end).
    h.raw(b"\r\nNOOP\r\n");
    let mut codes = Vec::new();
    while let Some(item) = h.items.pop_front() {
        match item {
            Item::Reply(r) => codes.push(r.code().value()),
            Item::Action(Output::Event(Event::PeerError(p))) => {
                assert_eq!(p.kind, PeerErrorKind::LineTooLong)
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(codes, [500, 200]);
    assert!(h.session.state() != ftps_proto::server::State::Closed);
}

#[test]
fn nul_inside_a_command_is_a_syntax_error() {
    // C: USER al<NUL>ice — a NUL would truncate the name in C-string back ends.
    let mut h = Harness::greeted(plain_config());
    h.raw(b"USER al\0ice\r\n");
    h.s(501);
    h.c("NOOP");
    h.s(200);
    h.quiet();
}

#[test]
fn bare_cr_does_not_split_one_line_into_two_commands() {
    // C: NOOP<CR>DELE x<CRLF> — a bare CR must not end a line (RFC 959 §4.1: CRLF ends it).
    let mut h = Harness::greeted(Config::default());
    h.raw(b"NOOP\rDELE x\r\n");
    let r = h.reply();
    assert!(r.code().value() >= 500, "{r:?}");
    h.quiet();
}

#[test]
fn telnet_option_negotiation_is_stripped_from_commands() {
    // C: IAC WILL ECHO, IAC DO SGA, then NOOP (RFC 1123 §4.1.2.12: refuse options silently).
    let mut h = Harness::greeted(plain_config());
    h.raw(b"\xff\xfb\x01\xff\xfd\x03NOOP\r\n");
    // Each option refused (WILL -> DONT, DO -> WONT), then the command runs untouched.
    let mut refusals = Vec::new();
    while let Some(Item::Telnet(_)) = h.items.front() {
        if let Some(Item::Telnet(b)) = h.items.pop_front() {
            refusals.push(b);
        }
    }
    assert_eq!(refusals, [vec![0xff, 0xfe, 0x01], vec![0xff, 0xfc, 0x03]]);
    h.s(200);
    h.quiet();
}

#[test]
fn telnet_ip_and_synch_before_abor_still_abort() {
    // C: IAC IP IAC DM ABOR (RFC 959 §4.1.3), nothing running: 226.
    let mut h = logged_in(Config::default());
    h.raw(b"\xff\xf4\xff\xf2ABOR\r\n");
    h.s(226);
    h.quiet();
}

#[test]
fn iac_iac_in_a_path_is_a_single_0xff_byte() {
    let mut h = logged_in(Config::default());
    h.raw(b"DELE a\xff\xffb\r\n");
    let (d, e) = h.decision();
    assert!(
        matches!(&e, Event::Delete { path, .. } if path.as_bytes() == b"a\xffb"),
        "{e:?}"
    );
    h.accept(d);
    h.s(250);
}

// ---------------------------------------------------------------- TLS upgrade

#[test]
fn plaintext_pipelined_behind_auth_tls_is_discarded_not_executed() {
    // C: AUTH TLS<CRLF>USER evil<CRLF> in one segment (CVE-2011-0411 class).
    let mut h = Harness::greeted(Config::default());
    h.raw(b"AUTH TLS\r\nUSER evil\r\nPASS x\r\n");
    h.s(234);
    // The 19 bytes behind the AUTH line are dropped before the handshake starts.
    assert_eq!(
        h.peer_error(),
        PeerErrorKind::PlaintextAfterAuth { discarded: 19 }
    );
    assert_eq!(
        h.action(),
        Output::StartTls {
            channel: Channel::Control,
            role: TlsRole::Server,
            resume_session: false
        }
    );
    h.tls_ready(Channel::Control, TlsDetails::new());
    // Nothing of the injected USER/PASS runs under TLS.
    h.quiet();
    h.c("USER alice");
    let (_, e) = h.decision();
    assert!(
        matches!(
            e,
            Event::User {
                protected: true,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn plaintext_arriving_during_the_handshake_is_discarded_and_reported() {
    let mut h = Harness::greeted(Config::default());
    h.c("AUTH TLS");
    h.s(234);
    let _start = h.action();
    h.raw(b"USER evil\r\n");
    assert_eq!(
        h.peer_error(),
        PeerErrorKind::PlaintextAfterAuth { discarded: 11 }
    );
    h.tls_ready(Channel::Control, TlsDetails::new());
    h.quiet();
}

#[test]
fn pbsz_before_auth_is_503() {
    let mut h = Harness::greeted(plain_config());
    h.c("PBSZ 0");
    h.s(503);
    h.quiet();
}

#[test]
fn prot_before_pbsz_is_503() {
    // RFC 4217 §9: PROT MUST be preceded by PBSZ.
    let mut h = Harness::greeted(Config::default());
    h.auth_tls();
    h.c("PROT P");
    h.s(503);
    assert!(!h.session.is_data_protected());
}

#[test]
fn prot_c_under_required_data_policy_is_refused_534() {
    let mut h = logged_in(Config::default().with_data(DataPolicy::Required));
    h.c("PBSZ 0");
    h.s(200);
    h.c("PROT C");
    let r = h.reply();
    assert_eq!(r.code().value(), 534, "{r:?}");
}

#[test]
fn ccc_before_login_is_refused() {
    let mut h = Harness::greeted(Config::default().with_ccc(true));
    h.auth_tls();
    h.c("CCC");
    let r = h.reply();
    assert!(r.code().is_negative(), "{r:?}");
    assert!(h.session.is_control_protected());
    h.quiet();
}

#[test]
fn ccc_in_clear_is_533_and_ccc_when_disallowed_is_refused() {
    let mut h = Harness::greeted(Config::default().with_ccc(true));
    h.c("CCC");
    h.s(533); // RFC 2228 §3: CCC on an unprotected channel.
    let mut h = logged_in(Config::default());
    h.c("CCC");
    let r = h.reply();
    assert!(r.code().is_negative(), "{r:?}");
    assert!(h.session.is_control_protected());
}

#[test]
fn user_in_clear_under_required_control_policy_is_530() {
    let mut h = Harness::greeted(Config::default().with_control(ControlPolicy::Required));
    h.c("USER alice");
    h.s(530);
    // RFC 2228 §3 / RFC 4217 §10.1: 533, command protection level denied for policy reasons.
    h.c("PASV");
    h.s(533);
    h.quiet();
}

#[test]
fn data_handshake_without_session_resumption_is_refused_522() {
    let mut h = logged_in(Config::default());
    h.prot_p();
    h.pasv();
    h.c("RETR f");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert!(matches!(
        h.action(),
        Output::StartTls {
            channel: Channel::Data,
            resume_session: true,
            ..
        }
    ));
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(false));
    assert_eq!(h.peer_error(), PeerErrorKind::DataSessionNotResumed);
    let mut saw_522 = false;
    while let Some(item) = h.items.pop_front() {
        if let Item::Reply(r) = item {
            saw_522 |= r.code().value() == 522;
        }
    }
    assert!(saw_522);
}

// ---------------------------------------------------------------- data connections

#[test]
fn port_bounce_to_another_host_is_504() {
    // RFC 2577 §3: PORT to a third party (the FTP bounce attack).
    let mut h = logged_in(plain_config());
    h.c("PORT 203,0,113,9,0,25");
    assert_eq!(h.peer_error(), PeerErrorKind::ForbiddenDataAddress);
    h.s(504);
    h.quiet();
}

#[test]
fn port_to_a_privileged_port_of_the_peer_is_504() {
    let mut h = logged_in(plain_config());
    h.c("PORT 198,51,100,7,0,25");
    assert_eq!(h.peer_error(), PeerErrorKind::ForbiddenDataAddress);
    h.s(504);
}

#[test]
fn eprt_bounce_over_ipv6_syntax_is_504() {
    let mut h = logged_in(plain_config());
    h.c("EPRT |2|2001:db8::1|2121|");
    let errors = take_peer_errors(&mut h);
    let r = h.reply();
    assert!(matches!(r.code().value(), 504 | 522), "{r:?} {errors:?}");
}

#[test]
fn port_to_the_control_peer_high_port_is_accepted_and_connected_there_only() {
    let mut h = logged_in(plain_config());
    h.c("PORT 198,51,100,7,195,80");
    h.s(200);
    h.c("RETR f");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    assert_eq!(
        h.action(),
        Output::OpenData {
            to: "198.51.100.7:50000".parse().unwrap()
        }
    );
}

#[test]
fn passive_listener_only_accepts_the_control_peer_port_theft() {
    // Passive-port theft is enforced by the adapter; the session tells it whom to accept.
    let mut h = logged_in(plain_config());
    h.c("EPSV");
    assert_eq!(
        h.action(),
        Output::ListenData {
            peer: "198.51.100.7".parse().unwrap()
        }
    );
}

#[test]
fn data_connection_nobody_asked_for_is_a_local_misuse() {
    let mut h = logged_in(Config::default());
    let e = h.session.handle_data_connected(h.now).unwrap_err();
    assert!(matches!(e, Misuse::Unexpected { .. }), "{e:?}");
    h.quiet();
    h.c("NOOP");
    h.s(200);
}

#[test]
fn truncated_tls_upload_is_426_never_226() {
    let mut h = logged_in(Config::default());
    h.prot_p();
    h.pasv();
    h.c("STOR f");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    let _ = h.action(); // StartTls(Data)
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Receive);
    h.data_ended(DataEnd::Truncated);
    assert_eq!(h.peer_error(), PeerErrorKind::DataConnectionBroken);
    assert_eq!(h.action(), Output::CloseData);
    h.s(426);
    h.transfer_ended(d, 426, false);
    // A late transfer_done from the application is ignored: no 226 ever follows the 426.
    h.session.transfer_done(d).unwrap();
    h.drain();
    h.quiet();
}

#[test]
fn truncated_tls_download_is_426() {
    let mut h = logged_in(Config::default());
    h.prot_p();
    h.pasv();
    h.c("RETR f");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    let _ = h.action();
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Send);
    h.data_ended(DataEnd::Truncated);
    assert_eq!(h.peer_error(), PeerErrorKind::DataConnectionBroken);
    assert_eq!(h.action(), Output::CloseData);
    h.s(426);
    h.transfer_ended(d, 426, false);
}

#[test]
fn application_421_mid_transfer_closes_data_then_control() {
    let mut h = logged_in(plain_config());
    h.pasv();
    h.c("RETR f");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.session
        .transfer_failed(d, code(421), text("Shutting down"))
        .unwrap();
    h.drain();
    assert_eq!(h.action(), Output::CloseData);
    h.s(421);
    let mut rest = Vec::new();
    while let Some(i) = h.items.pop_front() {
        rest.push(i);
    }
    // RFC 959 §4.2: 421 means the control connection is being closed.
    assert!(
        rest.iter()
            .any(|i| matches!(i, Item::Action(Output::Close))),
        "{rest:?}"
    );
    assert_eq!(h.session.state(), ftps_proto::server::State::Closed);
}

#[test]
fn rein_mid_transfer_waits_for_the_transfer_then_logs_out() {
    // RFC 959 §4.1.1: REIN lets a transfer in progress complete.
    let mut h = logged_in(plain_config());
    h.pasv();
    h.c("RETR f");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.c("REIN");
    h.quiet();
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);
    let mut codes = Vec::new();
    let mut logged_out = false;
    while let Some(i) = h.items.pop_front() {
        match i {
            Item::Reply(r) => codes.push(r.code().value()),
            Item::Action(Output::Event(Event::LoggedOut)) => logged_out = true,
            _ => {}
        }
    }
    assert_eq!(codes, [220]);
    assert!(logged_out);
    assert!(h.session.user().is_none());
}

#[test]
fn abor_with_no_transfer_is_226() {
    let mut h = logged_in(Config::default());
    h.c("ABOR");
    h.s(226);
    h.quiet();
}

#[test]
fn rest_past_the_end_reaches_the_application_which_refuses_554() {
    // RFC 3659 §5.4: a REST offset beyond the file is the application's 554.
    let mut h = logged_in(plain_config());
    h.pasv();
    h.c("REST 18446744073709551615");
    h.s(350);
    h.c("RETR small.txt");
    let (d, e) = h.decision();
    assert!(
        matches!(
            e,
            Event::Retrieve {
                offset: u64::MAX,
                ..
            }
        ),
        "{e:?}"
    );
    h.reject(d, 554, "Invalid REST parameter");
    h.s(554);
    // The offset does not leak into the next transfer (the passive setup is still there).
    h.c("RETR small.txt");
    let (_, e) = h.decision();
    assert!(matches!(e, Event::Retrieve { offset: 0, .. }), "{e:?}");
}

#[test]
fn rest_beyond_u64_is_501() {
    let mut h = logged_in(Config::default());
    h.c("REST 18446744073709551616");
    h.s(501);
    h.c("REST -1");
    h.s(501);
}

#[test]
fn rnto_without_rnfr_is_503() {
    let mut h = logged_in(Config::default());
    h.c("RNTO b");
    h.s(503);
    h.quiet();
}

#[test]
fn rnto_not_immediately_after_rnfr_is_503() {
    let mut h = logged_in(Config::default());
    h.c("RNFR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(350);
    h.c("NOOP");
    h.s(200);
    h.c("RNTO b");
    h.s(503);
}

// ---------------------------------------------------------------- floods and timers

#[test]
fn pipelined_flood_while_a_decision_is_pending_is_421_and_bounded() {
    let mut h = Harness::greeted(plain_config().with_max_pipelined_bytes(1024));
    h.c("USER alice");
    let (_d, _) = h.decision(); // the application is slow
    let flood = b"NOOP\r\n".repeat(400);
    h.raw(&flood);
    assert_eq!(h.peer_error(), PeerErrorKind::Flood);
    h.s(421);
    assert_eq!(h.action(), Output::Close);
}

#[test]
fn slowloris_one_byte_per_idle_period_does_not_keep_the_session_alive() {
    // C: one byte every 250 s against a 300 s idle timeout: only whole commands are activity.
    // (The pre-login deadline is pushed out of the way: this is about the idle timeout; see
    // `a_client_that_keeps_talking_but_never_logs_in_gets_421_at_the_login_timeout`.)
    let mut h = Harness::greeted(
        Config::default().with_login_timeout(std::time::Duration::from_secs(3600)),
    );
    for b in b"NOOP".iter().cycle().take(4) {
        h.advance(250_000);
        h.raw(&[*b]);
        if h.session.state() == ftps_proto::server::State::Closed {
            break;
        }
    }
    assert_eq!(h.session.state(), ftps_proto::server::State::Closed);
    let errors = take_peer_errors(&mut h);
    assert_eq!(errors, [PeerErrorKind::IdleTimeout]);
    h.s(421);
    assert_eq!(h.action(), Output::Close);
}

#[test]
fn repeated_failed_logins_are_delayed_then_421() {
    // RFC 2577 §4: delay each 530, close after the limit.
    let mut h = Harness::greeted(Config::default());
    h.auth_tls();
    for attempt in 1..=3 {
        h.c("USER alice");
        let (d, _) = h.decision();
        h.accept(d);
        h.s(331);
        h.c("PASS wrong");
        let (d, _) = h.decision();
        h.reject(d, 530, "Login incorrect");
        h.quiet(); // held back
        h.advance(5_000);
        h.s(530);
        if attempt == 3 {
            assert_eq!(h.peer_error(), PeerErrorKind::TooManyLoginFailures);
            h.s(421);
            assert_eq!(h.action(), Output::Close);
        }
    }
}

// ---------------------------------------------------------------- the API cannot inject

#[test]
fn crlf_cannot_be_injected_through_any_server_answer() {
    use ftps_proto::types::{Pathname, Text};
    assert!(Text::try_from("ok\r\n230 fake").is_err());
    assert!(Text::try_from("ok\n230 fake").is_err());
    assert!(Text::try_from("ok\r230 fake").is_err());
    assert!(Pathname::try_from("/a\r\n226 fake").is_err());
    assert!(Pathname::try_from("/a\0b").is_err());
    // A quote in a 257 path is doubled, not a way to end the quoted name (RFC 959 App. II).
    let mut h = logged_in(Config::default());
    h.c("PWD");
    let (d, _) = h.decision();
    h.session.accept_path(d, path("/a\"b")).unwrap();
    h.drain();
    assert!(h.s(257).starts_with("\"/a\"\"b\""));
}

#[test]
fn reject_with_a_positive_code_is_a_local_misuse_and_changes_nothing() {
    let mut h = logged_in(Config::default());
    h.c("DELE x");
    let (d, _) = h.decision();
    let e = h
        .session
        .reject(d, ReplyCode::new(250).unwrap(), text("ok"))
        .unwrap_err();
    assert!(matches!(e, Misuse::NotNegative { code: 250 }), "{e:?}");
    h.reject(d, 550, "No");
    h.s(550);
}

#[test]
fn accept_lines_cannot_end_a_multiline_reply_early() {
    // A SITE answer line that looks like "200 fake" is padded so it does not end the reply.
    let mut h = logged_in(Config::default());
    h.c("SITE HELP");
    let (d, _) = h.decision();
    h.session
        .accept_lines(d, &[text("200 fake end"), text("real")])
        .unwrap();
    h.drain();
    let r = h.reply();
    assert_eq!(r.code().value(), 200);
    assert!(r.line_count() >= 2, "{r:?}");
    h.quiet();
}

#[test]
fn timestamps_and_decisions_of_another_session_are_refused() {
    let mut a = logged_in(Config::default());
    let mut b = logged_in(Config::default());
    a.c("DELE x");
    let (da, _) = a.decision();
    b.c("NOOP");
    b.s(200);
    assert!(matches!(
        b.session.accept(da),
        Err(Misuse::UnknownDecision { .. })
    ));
    let _ = Instant::ZERO;
}

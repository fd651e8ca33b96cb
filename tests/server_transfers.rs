//! Transfer sequencing of `server::Session`: both data-TLS orders (curl handshakes before the
//! 150, lftp/ftplib after it), session resumption, the completion rule (final reply and a
//! clean data end), ABOR, QUIT and STAT during a transfer, active and passive modes, RFC 2577
//! address checks, and data-connection timeouts.

mod server_harness;

use ftps_proto::server::{Config, Direction, Event, Misuse, Output, PeerErrorKind, TlsDetails};
use ftps_proto::types::{Channel, DataEnd, TlsRole};
use server_harness::*;

fn protected_session(config: Config) -> Harness {
    let mut h = Harness::greeted(config);
    h.auth_tls();
    h.login("alice");
    h.prot_p();
    h
}

fn data_tls() -> Output {
    Output::StartTls {
        channel: Channel::Data,
        role: TlsRole::Server,
        resume_session: true,
    }
}

/// curl: connects and handshakes on the data connection right after 227, before RETR.
#[test]
fn curl_order_handshake_before_retr() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.quiet();
    h.c("RETR a.txt");
    let (d, _) = h.decision();
    h.accept(d);
    // S: 125 Data connection already open; transfer starting
    h.s(125);
    h.start_transfer(d, Direction::Send);
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);
}

/// lftp / ftplib: RETR, 150, then connect and handshake.
#[test]
fn lftp_order_handshake_after_150() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.c("RETR a.txt");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.quiet();
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.quiet();
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Send);
}

/// Handshake started before RETR, finished after the 150: no deadlock either way.
#[test]
fn handshake_straddles_the_150() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.c("STOR b.bin");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(125);
    h.quiet();
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Receive);
}

/// Python's FTP_TLS never resumes: refused with 522 and a clear text (RFC 4217 §10.2),
/// after the 150.
#[test]
fn not_resumed_after_150_is_522() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.c("RETR a.txt");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.tls_ready(Channel::Data, TlsDetails::new());
    assert_eq!(h.peer_error(), PeerErrorKind::DataSessionNotResumed);
    assert_eq!(h.action(), Output::CloseData);
    assert_eq!(h.s(522), "TLS session of data connection not resumed");
    h.transfer_ended(d, 522, false);
    h.quiet();
}

/// ... and before the transfer command (curl order): the transfer command gets the 522.
#[test]
fn not_resumed_before_retr_is_522_at_retr() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.tls_ready(Channel::Data, TlsDetails::new());
    assert_eq!(h.peer_error(), PeerErrorKind::DataSessionNotResumed);
    assert_eq!(h.action(), Output::CloseData);
    h.quiet();
    h.c("RETR a.txt");
    assert_eq!(h.s(522), "TLS session of data connection not resumed");
    h.quiet();
    // The refusal is used up: a new PASV works.
    h.pasv();
}

/// Without the resumption requirement a fresh handshake is fine.
#[test]
fn resumption_not_required() {
    let mut h = protected_session(Config::default().with_data_session_resumption(false));
    h.pasv();
    h.c("LIST");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert_eq!(
        h.action(),
        Output::StartTls {
            channel: Channel::Data,
            role: TlsRole::Server,
            resume_session: false
        }
    );
    h.tls_ready(Channel::Data, TlsDetails::new());
    h.start_transfer(d, Direction::Send);
}

/// A data handshake failure fails the transfer with 522.
#[test]
fn data_handshake_failure_is_522() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.session.handle_tls_failed(Channel::Data, h.now).unwrap();
    h.drain();
    assert_eq!(h.peer_error(), PeerErrorKind::TlsFailed(Channel::Data));
    assert_eq!(h.action(), Output::CloseData);
    h.s(522);
    h.transfer_ended(d, 522, false);
}

/// An upload whose data connection ends without close_notify is a failed transfer, never 226.
#[test]
fn truncated_upload_is_426_never_226() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.c("STOR big.iso");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Receive);
    h.data_ended(DataEnd::Truncated);
    assert_eq!(h.peer_error(), PeerErrorKind::DataConnectionBroken);
    assert_eq!(h.action(), Output::CloseData);
    h.s(426);
    h.transfer_ended(d, 426, false);
    // The adapter finishes storing afterwards: ignored, no 226 ever.
    h.done(d);
    h.quiet();
}

/// Upload completion in the other order: stored first, then the clean end.
#[test]
fn upload_stored_then_clean_end() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.c("APPE log.txt");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::Append {
            decision: d,
            path: path("log.txt")
        }
    );
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Receive);
    h.done(d);
    h.quiet();
    h.data_ended(DataEnd::Clean);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);
}

/// A download whose data connection breaks before the end is 426.
#[test]
fn broken_download_is_426() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.data_ended(DataEnd::Failed);
    assert_eq!(h.peer_error(), PeerErrorKind::DataConnectionBroken);
    assert_eq!(h.action(), Output::CloseData);
    h.s(426);
    h.transfer_ended(d, 426, false);
}

/// The application's own failure (storage full) is sent as given.
#[test]
fn transfer_failed_by_application() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("STOR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Receive);
    assert_eq!(
        h.session.transfer_failed(d, code(226), text("no")),
        Err(Misuse::NotNegative { code: 226 })
    );
    h.session
        .transfer_failed(d, code(452), text("Insufficient storage space"))
        .unwrap();
    h.drain();
    assert_eq!(h.action(), Output::CloseData);
    h.s(452);
    h.transfer_ended(d, 452, false);
}

/// ABOR during a transfer: 426 then 226 (RFC 959 §4.1.3).
#[test]
fn abor_during_transfer() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.c("ABOR");
    assert_eq!(h.action(), Output::CloseData);
    h.s(426);
    h.s(226);
    h.transfer_ended(d, 426, false);
    h.c("ABOR");
    h.s(226);
}

/// STAT during a transfer reports it; NOOP is answered; other commands wait their turn.
#[test]
fn commands_during_a_transfer() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.c("STAT");
    let r = h.reply();
    assert_eq!(r.code().value(), 211);
    assert!(
        r.lines().any(|l| l == b" Transfer in progress: RETR"),
        "{r:?}"
    );
    h.c("NOOP");
    h.s(200);
    h.c("PWD");
    h.quiet();
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);
    let (p, e) = h.decision();
    assert_eq!(e, Event::PrintDirectory { decision: p });
}

/// QUIT waits for a running transfer, then 221 and close.
#[test]
fn quit_waits_for_transfer() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.c("QUIT");
    h.quiet();
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);
    h.s(221);
    assert_eq!(h.action(), Output::Close);
}

/// Active mode: PORT to the control peer, port >= 1024; the session connects after the 150.
#[test]
fn active_mode() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.c("PORT 198,51,100,7,195,80");
    h.s(200);
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    assert_eq!(
        h.action(),
        Output::OpenData {
            to: "198.51.100.7:50000".parse().unwrap()
        }
    );
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);
    // EPRT as well.
    h.c("EPRT |1|198.51.100.7|50002|");
    h.s(200);
    // An active connect that fails: 425.
    h.c("LIST");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    assert!(matches!(h.action(), Output::OpenData { .. }));
    h.data_ended(DataEnd::Failed);
    assert_eq!(h.action(), Output::CloseData);
    h.s(425);
    h.transfer_ended(d, 425, false);
}

/// RFC 2577 §3: no bounce to a third host, no privileged port; refused before connecting.
#[test]
fn port_hardening() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.c("PORT 203,0,113,9,195,80");
    assert_eq!(h.peer_error(), PeerErrorKind::ForbiddenDataAddress);
    h.s(504);
    h.c("PORT 198,51,100,7,0,21");
    assert_eq!(h.peer_error(), PeerErrorKind::ForbiddenDataAddress);
    h.s(504);
    h.c("EPRT |1|203.0.113.9|50000|");
    assert_eq!(h.peer_error(), PeerErrorKind::ForbiddenDataAddress);
    h.s(504);
    h.c("EPRT |2|2001:db8::1|50000|");
    h.s(522);
    // RFC 2428 §2: a network protocol that is not defined is 522 too (not 501), listing the
    // supported one.
    h.c("EPRT |3|198.51.100.7|50000|");
    assert_eq!(h.s(522), "Network protocol not supported, use (1)");
    h.quiet();
    h.c("RETR a");
    h.s(425);
    // Active mode off.
    let mut h = Harness::greeted(plain_config().with_active(false));
    h.login("bob");
    h.c("PORT 198,51,100,7,195,80");
    h.s(502);
}

/// The passive listener accepts only the control peer (told to the adapter).
#[test]
fn passive_listener_is_bound_to_peer() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.c("EPSV");
    assert_eq!(
        h.action(),
        Output::ListenData {
            peer: "198.51.100.7".parse().unwrap()
        }
    );
    h.session
        .handle_data_listening("192.0.2.1:50009".parse().unwrap(), h.now)
        .unwrap();
    h.drain();
    assert_eq!(h.s(229), "Entering Extended Passive Mode (|||50009|)");
    // A second PASV replaces the first listener.
    h.c("PASV");
    assert_eq!(h.action(), Output::CloseData);
    assert!(matches!(h.action(), Output::ListenData { .. }));
    h.session.handle_data_listen_failed(h.now).unwrap();
    h.drain();
    h.s(425);
    h.c("RETR a");
    h.s(425);
}

/// NAT: the passive address override is announced in 227.
#[test]
fn passive_address_override() {
    let mut h = Harness::greeted(
        plain_config().with_passive_address(Some("203.0.113.50".parse().unwrap())),
    );
    h.login("bob");
    h.c("PASV");
    let _ = h.action();
    h.session
        .handle_data_listening("192.0.2.1:50001".parse().unwrap(), h.now)
        .unwrap();
    h.drain();
    assert_eq!(h.s(227), "Entering Passive Mode (203,0,113,50,195,81).");
}

/// EPSV ALL: afterwards only EPSV sets up data connections (RFC 2428 §4).
#[test]
fn epsv_all() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.c("EPSV ALL");
    h.s(200);
    h.c("PASV");
    h.s(503);
    h.c("PORT 198,51,100,7,195,80");
    h.s(503);
    h.c("EPRT |1|198.51.100.7|50000|");
    h.s(503);
    h.c("EPSV 2");
    h.s(522);
    h.c("EPSV 1");
    assert!(matches!(h.action(), Output::ListenData { .. }));
}

/// IPv6 control connection: PASV cannot express it (425), EPSV works, EPSV 1 is 522.
#[test]
fn ipv6_control() {
    let mut h = Harness::with_addresses(plain_config(), "[2001:db8::1]:21", "[2001:db8::7]:50000");
    h.s(220);
    h.login("bob");
    h.c("PASV");
    h.s(425);
    h.c("EPSV 1");
    h.s(522);
    h.c("EPRT |2|2001:db8::7|50000|");
    h.s(200);
    h.c("EPSV");
    assert_eq!(h.action(), Output::CloseData);
    assert_eq!(
        h.action(),
        Output::ListenData {
            peer: "2001:db8::7".parse().unwrap()
        }
    );
}

/// An accepted transfer whose data connection never comes: 425 at the deadline.
#[test]
fn data_connection_timeout() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    let Some(Output::Timeout(t)) = h.last_wait.clone() else {
        panic!("{:?}", h.last_wait)
    };
    assert_eq!(t.as_millis(), h.now.as_millis() + 30_000);
    h.advance(29_999);
    h.quiet();
    h.advance(1);
    assert_eq!(h.action(), Output::CloseData);
    h.s(425);
    h.transfer_ended(d, 425, false);
}

/// REST gives the offset of the next RETR or STOR (RFC 3659 §5).
#[test]
fn rest_then_retr_and_stor() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.c("REST 1000");
    h.s(350);
    h.pasv();
    h.c("RETR a");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::Retrieve {
            decision: d,
            path: path("a"),
            offset: 1000
        }
    );
    h.reject(d, 550, "No such file");
    h.s(550);
    h.c("REST 7");
    h.s(350);
    h.c("STOR b");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::Store {
            decision: d,
            path: path("b"),
            offset: 7
        }
    );
    h.reject(d, 553, "Not allowed");
    h.s(553);
    h.c("RETR a");
    let (_, e) = h.decision();
    assert!(matches!(e, Event::Retrieve { offset: 0, .. }));
}

/// STOU: the application names the file, sent as `150 FILE: name` (RFC 1123 §4.1.2.9).
#[test]
fn store_unique() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("STOU");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::StoreUnique {
            decision: d,
            hint: None
        }
    );
    assert!(matches!(
        h.session.accept(d),
        Err(Misuse::WrongAnswer { .. })
    ));
    h.session.accept_unique(d, path("upload.1")).unwrap();
    h.drain();
    assert_eq!(h.s(150), "FILE: upload.1");
}

/// LIST/NLST/MLSD go over the data connection; the session only sequences 150/226.
#[test]
fn listings() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    for (cmd, expect) in [
        ("NLST", "NameList"),
        ("MLSD /pub", "MachineListDirectory"),
        ("LIST -la", "List"),
    ] {
        h.pasv();
        h.c(cmd);
        let (d, e) = h.decision();
        assert!(format!("{e:?}").starts_with(expect), "{e:?}");
        h.accept(d);
        h.s(150);
        h.data_connected();
        h.start_transfer(d, Direction::Send);
        h.done(d);
        assert_eq!(h.action(), Output::CloseData);
        h.s(226);
        h.transfer_ended(d, 226, true);
    }
}

/// A transfer command without PORT/PASV: 425.
#[test]
fn transfer_without_data_setup() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    for cmd in ["RETR a", "STOR a", "APPE a", "STOU", "LIST", "NLST", "MLSD"] {
        h.c(cmd);
        h.s(425);
    }
}

/// Misuse of the transfer API changes nothing.
#[test]
fn transfer_misuse() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    // transfer_done before the data connection is even up.
    assert!(matches!(
        h.session.transfer_done(d),
        Err(Misuse::Unexpected { .. })
    ));
    assert!(matches!(
        h.session
            .handle_data_listening("192.0.2.1:1".parse().unwrap(), h.now),
        Err(Misuse::Unexpected { .. })
    ));
    assert!(matches!(
        h.session
            .handle_tls_ready(Channel::Data, TlsDetails::new(), h.now),
        Err(Misuse::Unexpected { .. })
    ));
    h.drain();
    h.quiet();
    h.data_connected();
    h.start_transfer(d, Direction::Send);
}

/// A data connection made under one PROT level is not used under another (RFC 4217 §9:
/// the level applies to data connections made after it).
#[test]
fn data_connection_protection_must_match_prot() {
    let mut h = Harness::greeted(plain_config());
    h.auth_tls();
    h.login("alice");
    h.c("PBSZ 0");
    h.s(200);
    h.pasv();
    h.data_connected(); // PROT C: no handshake asked
    h.quiet();
    h.c("PROT P");
    h.s(200);
    // Refused before the application is asked.
    h.c("RETR a");
    assert_eq!(h.action(), Output::CloseData);
    assert_eq!(h.s(522), "Data connection protection does not match PROT");
    h.quiet();
    // The same when PROT changes while the application decides: it hears the transfer ended.
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.data_connected();
    assert!(matches!(
        h.action(),
        Output::StartTls {
            channel: Channel::Data,
            ..
        }
    ));
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.quiet();
    h.session.reject(d, code(550), text("x")).unwrap();
    h.drain();
    h.s(550);
    h.c("PROT C");
    h.s(200);
    h.c("RETR a");
    assert_eq!(h.action(), Output::CloseData);
    h.s(522);
}

/// A data connection refused while the application decides: accept gets 522 and a
/// TransferEnded notice, so the application can release what it opened.
#[test]
fn refusal_while_deciding_reports_transfer_end() {
    let mut h = protected_session(Config::default());
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.data_connected();
    assert_eq!(h.action(), data_tls());
    h.tls_ready(Channel::Data, TlsDetails::new());
    assert_eq!(h.peer_error(), PeerErrorKind::DataSessionNotResumed);
    assert_eq!(h.action(), Output::CloseData);
    h.quiet();
    h.accept(d);
    h.s(522);
    h.transfer_ended(d, 522, false);
    h.quiet();
}

/// ABOR the RFC 959 §4.1.3 way: Telnet IP and Synch (DM) before it; the signals are
/// dropped and ABOR served during the transfer.
#[test]
fn abor_after_telnet_ip_and_synch() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.raw(b"\xff\xf4\xff\xf2ABOR\r\n");
    assert_eq!(h.action(), Output::CloseData);
    h.s(426);
    h.s(226);
    h.transfer_ended(d, 426, false);
}

/// QUIT before the data connection of an accepted transfer came: no need to wait for it.
#[test]
fn quit_before_data_connection() {
    let mut h = Harness::greeted(plain_config());
    h.login("bob");
    h.pasv();
    h.c("RETR a");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.c("QUIT");
    assert_eq!(h.action(), Output::CloseData);
    h.s(426);
    h.transfer_ended(d, 426, false);
    h.s(221);
    assert_eq!(h.action(), Output::Close);
}

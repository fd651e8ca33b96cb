//! Transfer transcripts: EPSV with PASV fallbacks (5xx, malformed 229, failed connect), the
//! PASV address policy, active mode (EPRT, PORT), REST, PROT P data TLS resuming the control
//! session, completion only with both the final reply and a clean data end (either order),
//! every failure code, 421, MLSD → LIST, and ABOR's three endings.

mod client_support;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

use client_support::*;
use ftps_proto::client::{
    CloseReason, Config, DataAddress, DataMode, DataProtection, Event, Failure, Output, RequestId,
    Response, State, TransferCommand,
};
use ftps_proto::types::{Channel, DataEnd};

fn tls() -> Transcript {
    Transcript::logged_in_tls(Config::default(), FEAT_VSFTPD)
}

/// EPSV → 229 → connect → `command` → 150 → data TLS → ready.
fn start_download(t: &mut Transcript, id: RequestId, command: &str, port: u16) {
    t.c("EPSV");
    t.s(&format!("229 Entering Extended Passive Mode (|||{port}|)"));
    t.open_data(id, port);
    t.data_connected();
    t.c(command);
    t.s("150 Opening BINARY mode data connection.");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    assert!(matches!(t.event(), Event::TransferStarted { request, .. } if request == id));
    t.quiet();
}

#[test]
fn protected_download_226_then_clean_end() {
    let mut t = tls();
    let id = t.client.retrieve(path("a.bin"), 0, t.now).unwrap();
    t.drain();
    assert_eq!(t.client.state(), State::Transferring);
    start_download(&mut t, id, "RETR a.bin", 40000);
    t.s("226 Transfer complete.");
    t.quiet(); // not yet: no close_notify seen
    t.data_ended(DataEnd::Clean);
    assert!(matches!(
        t.completed(id),
        Ok(Response::Transferred {
            command: TransferCommand::Retr,
            ..
        })
    ));
    t.quiet();
    assert_eq!(t.client.state(), State::Ready);
}

#[test]
fn protected_download_clean_end_then_226() {
    let mut t = tls();
    let id = t.client.retrieve(path("a.bin"), 0, t.now).unwrap();
    t.drain();
    start_download(&mut t, id, "RETR a.bin", 40000);
    t.data_ended(DataEnd::Clean);
    t.quiet(); // not yet: no final reply
    t.s("226 Transfer complete.");
    assert!(matches!(t.completed(id), Ok(Response::Transferred { .. })));
}

#[test]
fn truncated_data_is_a_failure_even_with_226() {
    let mut t = tls();
    let id = t.client.retrieve(path("a.bin"), 0, t.now).unwrap();
    t.drain();
    start_download(&mut t, id, "RETR a.bin", 40000);
    t.data_ended(DataEnd::Truncated);
    t.quiet();
    t.s("226 Transfer complete.");
    match t.completed(id) {
        Err(Failure::DataConnection { end, reply }) => {
            assert_eq!(end, DataEnd::Truncated);
            assert_eq!(reply.unwrap().code().value(), 226);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn data_end_before_the_data_handshake_counts_as_truncated_under_prot_p() {
    let mut t = tls();
    let id = t.client.retrieve(path("a.bin"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 ok (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("RETR a.bin");
    // The adapter reports a FIN as "clean" before any TLS: it proves nothing.
    t.data_ended(DataEnd::Clean);
    t.s("150 here\n226 done");
    match t.completed(id) {
        Err(Failure::DataConnection { end, .. }) => assert_eq!(end, DataEnd::Truncated),
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_failure_code_is_reported_with_code_and_text() {
    for code in [425u16, 426, 450, 451, 452, 550, 552, 553] {
        let mut t = tls();
        let id = t.client.store(path("f"), t.now).unwrap();
        t.drain();
        t.c("EPSV");
        t.s("229 (|||40000|)");
        t.open_data(id, 40000);
        t.data_connected();
        t.c("STOR f");
        t.s(&format!("{code} failure text {code}"));
        t.expect(Output::CloseData);
        match t.completed(id) {
            Err(Failure::Refused(r)) => {
                assert_eq!(r.code().value(), code);
                assert_eq!(r.text(), format!("failure text {code}").as_bytes());
            }
            other => panic!("{code}: {other:?}"),
        }
        t.quiet();
        assert_eq!(t.client.state(), State::Ready, "{code}");
    }
}

#[test]
fn failure_after_150_while_data_runs() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    start_download(&mut t, id, "RETR f", 40000);
    t.s("426 Connection closed; transfer aborted.");
    t.expect(Output::CloseData);
    assert!(matches!(t.completed(id), Err(Failure::Refused(r)) if r.code().value() == 426));
    // The adapter's late report is ignored.
    t.data_ended(DataEnd::Failed);
    t.quiet();
}

#[test]
fn service_closing_421_mid_transfer() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    start_download(&mut t, id, "RETR f", 40000);
    t.s("421 Timeout.");
    t.expect(Output::CloseData);
    assert!(matches!(t.completed(id), Err(Failure::Refused(r)) if r.code().value() == 421));
    assert!(matches!(
        t.event(),
        Event::Closed(CloseReason::ServiceNotAvailable(_))
    ));
    t.expect(Output::Close);
    t.quiet();
}

#[test]
fn epsv_refused_falls_back_to_pasv_and_replaces_its_address() {
    let mut t = tls();
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("500 EPSV not understood");
    t.c("PASV");
    // A private (or hostile) address: only the port is used.
    t.s("227 Entering Passive Mode (10,0,0,7,156,65).");
    t.open_data(id, 40001);
    t.data_connected();
    t.c("LIST");
    // Later transfers go straight to PASV.
    t.s("150 ok\n226 ok");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    t.event();
    t.data_ended(DataEnd::Clean);
    assert!(t.completed(id).is_ok());
    let id = t.client.nlst(None, t.now).unwrap();
    t.drain();
    t.c("PASV");
    let _ = id;
}

#[test]
fn trusted_pasv_address_is_used_as_is() {
    let mut config = Config::default();
    config.trust_pasv_address = true;
    config.extended_data_commands = false;
    let mut t = Transcript::logged_in_tls(config, FEAT_VSFTPD);
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("PASV");
    t.s("227 Entering Passive Mode (192,0,2,7,156,65)");
    t.expect(Output::OpenData {
        request: id,
        address: DataAddress::Exact(SocketAddr::V4(SocketAddrV4::new(
            Ipv4Addr::new(192, 0, 2, 7),
            40001,
        ))),
    });
}

#[test]
fn malformed_229_falls_back_to_pasv() {
    let mut t = tls();
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (no port here)");
    t.c("PASV");
    t.s("227 (127,0,0,1,4,1)");
    t.open_data(id, 1025);
}

#[test]
fn failed_epsv_connect_falls_back_to_pasv_then_gives_up() {
    let mut t = tls();
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_ended(DataEnd::Failed);
    t.c("PASV");
    t.s("227 (127,0,0,1,156,64)");
    t.open_data(id, 40000);
    t.data_ended(DataEnd::Failed);
    assert!(matches!(t.completed(id), Err(Failure::DataUnavailable)));
    assert_eq!(t.client.state(), State::Ready);
}

#[test]
fn pasv_refused_is_a_refusal() {
    let mut config = Config::default();
    config.extended_data_commands = false;
    let mut t = Transcript::logged_in_tls(config, FEAT_VSFTPD);
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("PASV");
    t.s("502 PASV not implemented");
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
    t.quiet();
}

#[test]
fn retrieve_with_offset_sends_rest_after_the_data_address() {
    let mut t = tls();
    let id = t
        .client
        .retrieve(path("big.iso"), 1_000_000, t.now)
        .unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("REST 1000000");
    t.s("350 Restart position accepted (1000000).");
    t.c("RETR big.iso");
}

#[test]
fn rest_refused_fails_and_closes_data() {
    let mut t = tls();
    let id = t.client.retrieve(path("big.iso"), 5, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("REST 5");
    t.s("502 REST not implemented");
    t.expect(Output::CloseData);
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
}

#[test]
fn active_mode_eprt_then_accept_then_protected_data() {
    let config = Config::default().with_data_mode(DataMode::Active);
    let mut t = Transcript::logged_in_tls(config, FEAT_VSFTPD);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.expect(Output::ListenData { request: id });
    t.quiet();
    t.data_listening("192.0.2.10:40000".parse().unwrap());
    t.c("EPRT |1|192.0.2.10|40000|");
    t.s("200 EPRT command successful.");
    t.c("RETR f");
    t.expect(Output::AcceptData { request: id });
    t.s("150 Opening data connection.");
    t.quiet(); // not connected yet
    t.data_connected();
    // RFC 4217 §7: the FTP client is the TLS client even when it accepted the connection.
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    assert!(matches!(t.event(), Event::TransferStarted { .. }));
    t.data_ended(DataEnd::Clean);
    t.s("226 done");
    assert!(t.completed(id).is_ok());
}

#[test]
fn active_mode_eprt_refused_falls_back_to_port() {
    let config = Config::default().with_data_mode(DataMode::Active);
    let mut t = Transcript::logged_in_tls(config, FEAT_VSFTPD);
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.expect(Output::ListenData { request: id });
    t.data_listening("192.0.2.10:40000".parse().unwrap());
    t.c("EPRT |1|192.0.2.10|40000|");
    t.s("500 EPRT not understood");
    t.c("PORT 192,0,2,10,156,64");
    t.s("200 PORT ok");
    t.c("LIST");
}

#[test]
fn active_mode_accept_timeout_waits_for_the_servers_reply() {
    let config = Config::default().with_data_mode(DataMode::Active);
    let mut t = Transcript::logged_in_tls(config, FEAT_VSFTPD);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.next();
    t.data_listening("192.0.2.10:40000".parse().unwrap());
    t.c("EPRT |1|192.0.2.10|40000|");
    t.s("200 ok");
    t.c("RETR f");
    t.expect(Output::AcceptData { request: id });
    t.s("150 connecting");
    t.fire_deadline();
    t.expect(Output::CloseData);
    t.quiet();
    t.s("425 Failed to establish connection.");
    match t.completed(id) {
        Err(Failure::DataUnavailable) => {}
        other => panic!("{other:?}"),
    }
}

const FEAT_MLST: &str = "211-Features:\n EPSV\n MLST type*;size*;modify*;\n211 End";

#[test]
fn mlsd_refused_falls_back_to_list() {
    // FEAT says MLST, but MLSD is refused anyway.
    let mut t = Transcript::logged_in_tls(Config::default(), FEAT_MLST);
    let id = t.client.mlsd(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("MLSD");
    t.s("500 Unknown command.");
    t.expect(Output::CloseData);
    t.c("EPSV");
    t.s("229 (|||40001|)");
    t.open_data(id, 40001);
    t.data_connected();
    t.c("LIST");
    t.s("150 listing");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    assert_eq!(
        t.event(),
        Event::TransferStarted {
            request: id,
            command: TransferCommand::List,
            size_hint: None
        }
    );
    t.data_ended(DataEnd::Clean);
    t.s("226 ok");
    assert!(matches!(
        t.completed(id),
        Ok(Response::Transferred {
            command: TransferCommand::List,
            ..
        })
    ));
    // Remembered: the next MLSD request runs LIST directly.
    let id = t.client.mlsd(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40002|)");
    t.open_data(id, 40002);
    t.data_connected();
    t.c("LIST");
}

#[test]
fn data_tls_failure_closes_data_and_waits_for_the_final_reply() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("RETR f");
    t.s("150 ok");
    t.start_tls(Channel::Data);
    t.client.handle_tls_failed(Channel::Data, t.now);
    t.drain();
    t.expect(Output::CloseData);
    t.quiet();
    t.s("522 SSL connection failed: session reuse required");
    match t.completed(id) {
        Err(Failure::Tls(Channel::Data)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(t.client.state(), State::Ready);
}

#[test]
fn abort_426_then_226() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    start_download(&mut t, id, "RETR f", 40000);
    t.client.abort(t.now).unwrap();
    t.drain();
    t.expect(Output::CloseData);
    t.c("ABOR");
    t.s("426 Connection closed; transfer aborted.");
    t.quiet();
    t.s("226 Closing data connection.");
    assert_eq!(t.completed(id), Err(Failure::Aborted));
    t.quiet();
    assert_eq!(t.client.state(), State::Ready);
}

#[test]
fn abort_226_alone() {
    let mut t = tls();
    let id = t.client.store(path("f"), t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("STOR f");
    t.s("150 ok");
    t.start_tls(Channel::Data);
    t.client.abort(t.now).unwrap();
    t.drain();
    t.expect(Output::CloseData);
    t.c("ABOR");
    t.s("226 ABOR command successful.");
    assert_eq!(t.completed(id), Err(Failure::Aborted));
}

#[test]
fn abort_225_then_a_late_226_is_unsolicited() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    start_download(&mut t, id, "RETR f", 40000);
    t.client.abort(t.now).unwrap();
    t.drain();
    t.expect(Output::CloseData);
    t.c("ABOR");
    t.s("225 No transfer to ABOR.");
    assert_eq!(t.completed(id), Err(Failure::Aborted));
    t.s("226 Transfer complete.");
    assert!(matches!(t.event(), Event::Unsolicited(_)));
    assert_eq!(t.client.state(), State::Ready);
}

#[test]
fn abort_before_the_transfer_command_sends_no_abor() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.client.abort(t.now).unwrap();
    t.drain();
    t.quiet();
    t.s("229 (|||40000|)");
    assert_eq!(t.completed(id), Err(Failure::Aborted));
    t.quiet();
    // While waiting for the passive connect: cancelled at once.
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.client.abort(t.now).unwrap();
    t.drain();
    t.expect(Output::CloseData);
    assert_eq!(t.completed(id), Err(Failure::Aborted));
}

#[test]
fn uploads_stou_and_appe() {
    let mut t = Transcript::logged_in_plain(Config::default());
    let id = t.client.store_unique(t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("STOU");
    assert_eq!(t.client.unique_name(), None);
    t.s("150 FILE: unique.1");
    assert_eq!(t.client.unique_name(), Some(&path("unique.1")));
    assert!(matches!(
        t.event(),
        Event::TransferStarted {
            command: TransferCommand::Stou,
            ..
        }
    ));
    t.data_ended(DataEnd::Clean);
    t.s("226 Transfer complete (unique file name:unique.1).");
    assert!(t.completed(id).is_ok());
    assert_eq!(t.client.unique_name(), Some(&path("unique.1")));
    let id = t.client.append(path("log.txt"), t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40001|)");
    t.open_data(id, 40001);
    t.data_connected();
    t.c("APPE log.txt");
}

/// C: STOU / S: 150 FILE: a.1 ... then C: STOU / S: 150 Opening (no name): the second upload
/// has no name, never the first one's (RFC 1123 §4.1.2.9).
#[test]
fn a_stou_without_a_name_does_not_keep_the_previous_one() {
    let mut t = Transcript::logged_in_plain(Config::default());
    for (port, opening, name) in [
        (40000, "150 FILE: a.1", Some(path("a.1"))),
        (40001, "150 Opening BINARY mode data connection", None),
    ] {
        let id = t.client.store_unique(t.now).unwrap();
        t.drain();
        t.c("EPSV");
        t.s(&format!("229 (|||{port}|)"));
        t.open_data(id, port);
        t.data_connected();
        t.c("STOU");
        t.s(opening);
        assert!(matches!(t.event(), Event::TransferStarted { .. }));
        t.data_ended(DataEnd::Clean);
        t.s("226 Transfer complete");
        assert!(t.completed(id).is_ok());
        assert_eq!(t.client.unique_name(), name.as_ref());
    }
}

#[test]
fn prot_c_data_starts_without_tls() {
    let config = Config::default().with_data_protection(DataProtection::Clear);
    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    t.event();
    t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("230 ok");
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT C");
    t.s("200 ok");
    t.c("FEAT");
    t.s("211 end");
    t.c("TYPE I");
    t.s("200 ok");
    t.event();
    let id = t.client.nlst(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("NLST");
    t.s("150 ok");
    assert!(matches!(t.event(), Event::TransferStarted { .. }));
}

/// Found by the property test: a data connection that ends while REST is in flight (before
/// the transfer command) must not let a later 150/226 count as a complete download.
#[test]
fn data_end_before_the_transfer_command_is_never_a_success() {
    let mut t = Transcript::logged_in_plain(Config::default());
    let id = t.client.retrieve(path("f"), 179, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("REST 179");
    t.data_ended(DataEnd::Clean);
    t.s("350 ok");
    t.c("RETR f");
    t.s("150 here\n226 done");
    match t.completed(id) {
        Err(Failure::DataConnection { end, reply }) => {
            assert_eq!(end, DataEnd::Truncated);
            assert_eq!(reply.unwrap().code().value(), 226);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mlsd_runs_list_when_feat_has_no_mlst() {
    // vsftpd's FEAT has no MLST: LIST runs directly and the events say so.
    let mut t = tls();
    let id = t.client.mlsd(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("LIST");
}

#[test]
fn feat_without_epsv_starts_with_pasv_and_a_refused_pasv_falls_back_to_epsv() {
    let mut t = Transcript::logged_in_tls(Config::default(), "211-Features:\n SIZE\n211 End");
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("PASV");
    t.s("502 PASV not implemented (IPv6 only)");
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("LIST");
    t.s("150 ok");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    t.event();
    t.data_ended(DataEnd::Clean);
    t.s("226 ok");
    assert!(t.completed(id).is_ok());
    // Remembered: EPSV first from now on.
    t.client.nlst(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    // And when both are refused, the transfer fails without looping.
    t.s("502 no EPSV either");
    t.c("PASV");
    t.s("502 no");
    assert!(matches!(
        t.event(),
        Event::Completed {
            result: Err(Failure::Refused(_)),
            ..
        }
    ));
    t.quiet();
}

#[test]
fn epsv_refused_for_a_session_reason_does_not_fall_back() {
    // 530 says "not logged in", not "no EPSV": PASV would fail the same way.
    let mut t = tls();
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("530 Please login with USER and PASS");
    assert!(matches!(t.completed(id), Err(Failure::Refused(r)) if r.code().value() == 530));
    t.quiet();
    // EPSV is still the first choice.
    t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
}

#[test]
fn a_421_while_waiting_for_the_data_connection_ends_the_session() {
    let mut t = tls();
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    // Nothing is in flight on the control connection, yet the server gives up.
    t.s("421 Timeout waiting for the data connection.");
    t.expect(Output::CloseData);
    assert!(matches!(t.completed(id), Err(Failure::Refused(r)) if r.code().value() == 421));
    assert!(matches!(
        t.event(),
        Event::Closed(CloseReason::ServiceNotAvailable(_))
    ));
    t.expect(Output::Close);
    t.quiet();
}

#[test]
fn store_at_an_offset_sends_rest_before_stor() {
    // RFC 3659 §5: REST applies to STOR too in stream mode (resuming an upload).
    let mut t = tls();
    let id = t.client.store_at(path("big.iso"), 4096, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("REST 4096");
    t.s("350 Restarting at 4096.");
    t.c("STOR big.iso");
    // Offset 0 is a STOR without restart: after the failed restarted one, `REST 0` first
    // clears the marker the server may still hold (RFC 3659 §5.3).
    t.s("550 denied");
    t.expect(Output::CloseData);
    assert!(t.completed(id).is_err());
    t.client.store_at(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40001|)");
    t.next();
    t.data_connected();
    t.c("REST 0");
    t.s("350 Restarting at 0.");
    t.c("STOR f");
}

/// RFC 3659 §5.3: after a restarted transfer that failed, the server may still hold the
/// marker: the next transfer that is not restarted sends `REST 0` first; once a transfer
/// succeeds, no more `REST 0`.
#[test]
fn failed_restarted_transfer_is_followed_by_rest_0() {
    let mut t = tls();
    let id = t.client.retrieve(path("big.iso"), 4096, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("REST 4096");
    t.s("350 Restart position accepted (4096).");
    t.c("RETR big.iso");
    t.s("550 Failed to open file.");
    t.expect(Output::CloseData);
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
    t.quiet();

    // C: EPSV / S: 229 / C: REST 0 / S: 350 / C: RETR
    let id = t.client.retrieve(path("other"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40001|)");
    t.open_data(id, 40001);
    t.data_connected();
    t.c("REST 0");
    t.s("350 Restart position accepted (0).");
    t.c("RETR other");
    t.s("150 Opening BINARY mode data connection.");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    assert!(matches!(t.event(), Event::TransferStarted { .. }));
    t.data_ended(DataEnd::Clean);
    t.s("226 Transfer complete.");
    assert!(matches!(t.completed(id), Ok(Response::Transferred { .. })));
    t.quiet();

    // The marker is gone: a plain LIST.
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    start_download(&mut t, id, "LIST", 40002);
}

/// A refused `REST 0` (a server without REST) does not block the transfer (RFC 3659 §5.3:
/// an error to REST means the command is not implemented).
#[test]
fn refused_rest_0_still_sends_the_command() {
    let mut t = tls();
    let id = t.client.retrieve(path("big.iso"), 10, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("REST 10");
    t.s("350 ok");
    t.c("RETR big.iso");
    t.s("150 Opening BINARY mode data connection.");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    assert!(matches!(t.event(), Event::TransferStarted { .. }));
    t.data_ended(DataEnd::Truncated);
    t.s("426 Failure writing network stream.");
    assert!(t.completed(id).is_err());
    t.quiet();
    let id = t.client.store(path("up"), t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40001|)");
    t.open_data(id, 40001);
    t.data_connected();
    t.c("REST 0");
    t.s("502 REST not implemented");
    t.c("STOR up");
}

/// RFC 2428 §4: with `epsv_all`, `EPSV ALL` goes first (once per login), then only EPSV: a
/// refused EPSV fails the transfer instead of falling back to PASV.
#[test]
fn epsv_all_then_never_pasv() {
    let mut t = Transcript::logged_in_tls(Config::default().with_epsv_all(true), FEAT_VSFTPD);
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV ALL");
    t.s("200 EPSV ALL ok.");
    start_download(&mut t, id, "LIST", 40000);
    t.data_ended(DataEnd::Clean);
    t.s("226 ok");
    assert!(matches!(t.completed(id), Ok(Response::Transferred { .. })));
    // The second transfer: no EPSV ALL again; a refused EPSV is final.
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("500 EPSV not understood");
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
    t.quiet();
    // A failed connect is final too.
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40001|)");
    t.open_data(id, 40001);
    t.data_ended(DataEnd::Failed);
    assert!(matches!(t.completed(id), Err(Failure::DataUnavailable)));
    t.quiet();
    // Active mode cannot follow EPSV ALL.
    let active = Config::default()
        .with_epsv_all(true)
        .with_data_mode(DataMode::Active);
    let mut t = Transcript::logged_in_tls(active, FEAT_VSFTPD);
    assert_eq!(
        t.client.list(None, t.now).unwrap_err().kind,
        ftps_proto::client::ErrorKind::Unsupported
    );
}

/// RFC 2428 §2: the 522 protocol list is read and used: a server without IPv4 (`(2)`) gets
/// no PASV after its refused EPSV, and the list is exposed.
#[test]
fn protocol_list_of_522_is_used() {
    let mut t = tls();
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("522 Network protocol not supported, use (2)");
    assert!(matches!(t.completed(id), Err(Failure::Refused(r)) if r.code().value() == 522));
    t.quiet();
    assert_eq!(
        t.client.network_protocols(),
        Some(&[ftps_proto::types::NetworkProtocol::IPV6][..])
    );
    // With IPv4 in the list, PASV is still tried.
    let mut t = tls();
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("522 Network protocol not supported, use (1)");
    t.c("PASV");
    t.s("227 Entering Passive Mode (192,0,2,1,156,64).");
    t.open_data(id, 40000);
}

/// RFC 2428 §2 for EPRT: a 522 whose list leaves IPv4 out is final (PORT is IPv4 only).
#[test]
fn eprt_522_without_ipv4_is_final() {
    let config = Config::default().with_data_mode(DataMode::Active);
    let mut t = Transcript::logged_in_tls(config, FEAT_VSFTPD);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.expect(Output::ListenData { request: id });
    t.data_listening("192.0.2.10:40000".parse().unwrap());
    t.c("EPRT |1|192.0.2.10|40000|");
    t.s("522 Network protocol not supported, use (2)");
    t.expect(Output::CloseData);
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
    // With (1) it falls back to PORT.
    let config = Config::default().with_data_mode(DataMode::Active);
    let mut t = Transcript::logged_in_tls(config, FEAT_VSFTPD);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.expect(Output::ListenData { request: id });
    t.data_listening("192.0.2.10:40001".parse().unwrap());
    t.c("EPRT |1|192.0.2.10|40001|");
    t.s("522 Network protocol not supported, use (1)");
    t.c("PORT 192,0,2,10,156,65");
}

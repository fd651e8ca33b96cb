//! Client and server machines against each other (the `Pair` harness): whole sessions in
//! memory and virtual time, every byte of both control streams produced by the machines.

mod pair_support;

use std::time::Duration;

use ftps_proto::client::{self, DataMode, DataProtection, Event, Failure, Response, Security};
use ftps_proto::server::{self, ControlPolicy, DataPolicy};
use pair_support::{alice, path, DataFault, Pair};

fn logged_in(c: client::Config, s: server::Config) -> Pair {
    let mut p = Pair::new(c, s, 7, 64);
    let id = p.client.login(alice(), p.now).unwrap();
    p.drain();
    p.settle();
    assert!(
        matches!(p.result(id), Some(Ok(Response::LoggedIn { .. }))),
        "login: {:?}\nclient sent {:?}\nserver wire {}",
        p.result(id),
        p.sent_lines(),
        String::from_utf8_lossy(&p.server_wire)
    );
    p
}

#[test]
fn explicit_ftps_login_runs_auth_then_credentials_under_tls() {
    // C: AUTH TLS / S: 234 / (TLS) / C: USER alice / S: 331 / C: PASS / S: 230 / C: PBSZ 0 ...
    let p = logged_in(client::Config::default(), server::Config::default());
    let lines = p.sent_lines();
    assert_eq!(lines[0], "AUTH TLS");
    assert_eq!(lines[1], "USER alice");
    assert!(lines.contains(&"PBSZ 0".to_string()));
    assert!(lines.contains(&"PROT P".to_string()));
    assert!(p.client_lines[1..].iter().all(|(_, protected)| *protected));
    assert!(p.server.is_control_protected());
    assert!(p.server.is_data_protected());
    assert!(
        p.transfer_violations().is_empty(),
        "{:?}",
        p.transfer_violations()
    );
}

#[test]
fn download_under_prot_p_arrives_identical_and_completes_on_both_ends() {
    let mut p = logged_in(client::Config::default(), server::Config::default());
    let body: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    p.files.insert("big.bin".into(), body.clone());
    let id = p.client.retrieve(path("big.bin"), 0, p.now).unwrap();
    p.drain();
    p.settle();
    assert!(
        matches!(p.result(id), Some(Ok(Response::Transferred { .. }))),
        "{:?}",
        p.result(id)
    );
    let r = &p.transfers[0];
    assert_eq!(r.received, body);
    assert!(r.protected);
    assert_eq!((r.client_ok, r.server_ok), (Some(true), Some(true)));
    assert!(
        p.transfer_violations().is_empty(),
        "{:?}",
        p.transfer_violations()
    );
}

#[test]
fn upload_then_download_round_trips_through_the_store() {
    let mut p = logged_in(client::Config::default(), server::Config::default());
    let body = b"hello over FTPS\r\n\xff\x00binary".to_vec();
    let up = p.client.store(path("up.txt"), p.now).unwrap();
    p.uploads.insert(up, body.clone());
    p.drain();
    p.settle();
    assert!(
        matches!(p.result(up), Some(Ok(Response::Transferred { .. }))),
        "{:?}",
        p.result(up)
    );
    assert_eq!(p.files.get("up.txt"), Some(&body));
    let down = p.client.retrieve(path("up.txt"), 6, p.now).unwrap();
    p.drain();
    p.settle();
    assert!(matches!(
        p.result(down),
        Some(Ok(Response::Transferred { .. }))
    ));
    assert_eq!(p.transfers[1].received, body[6..].to_vec());
    assert!(p.sent_lines().contains(&"REST 6".to_string()));
}

#[test]
fn active_mode_with_prot_c_moves_a_listing() {
    let c = client::Config::default()
        .with_data_mode(DataMode::Active)
        .with_data_protection(DataProtection::Clear);
    // PROT C: the server must allow clear data (the default requires PROT P).
    let s = server::Config::default().with_data(DataPolicy::Optional);
    let mut p = logged_in(c, s);
    p.files.insert("a".into(), vec![1]);
    p.files.insert("b".into(), vec![2]);
    let id = p.client.nlst(None, p.now).unwrap();
    p.drain();
    p.settle();
    assert!(
        matches!(p.result(id), Some(Ok(Response::Transferred { .. }))),
        "{:?}",
        p.result(id)
    );
    assert_eq!(p.transfers[0].received, b"a\r\nb\r\n");
    assert!(!p.transfers[0].protected);
    assert!(p
        .sent_lines()
        .iter()
        .any(|l| l.starts_with("EPRT |1|10.0.0.2|")));
}

#[test]
fn stripped_close_notify_on_download_is_never_a_success() {
    let mut p = logged_in(client::Config::default(), server::Config::default());
    p.files.insert("f".into(), b"0123456789".to_vec());
    p.next_fault = DataFault::StripCloseNotify;
    let id = p.client.retrieve(path("f"), 0, p.now).unwrap();
    p.drain();
    p.settle();
    assert!(
        matches!(
            p.result(id),
            Some(Err(Failure::DataConnection {
                end: ftps_proto::types::DataEnd::Truncated,
                ..
            }))
        ),
        "{:?}",
        p.result(id)
    );
    assert!(
        p.transfer_violations().is_empty(),
        "{:?}",
        p.transfer_violations()
    );
}

#[test]
fn truncated_upload_is_answered_426_and_nothing_is_stored() {
    let mut p = logged_in(client::Config::default(), server::Config::default());
    p.next_fault = DataFault::StripCloseNotify;
    let id = p.client.store(path("t.bin"), p.now).unwrap();
    p.uploads.insert(id, vec![9; 300]);
    p.drain();
    p.settle();
    assert!(
        matches!(p.result(id), Some(Err(Failure::Refused(r))) if r.code().value() == 426),
        "{:?}",
        p.result(id)
    );
    assert!(!p.files.contains_key("t.bin"));
    assert_eq!(p.transfers[0].server_ok, Some(false));
}

#[test]
fn required_data_policy_and_required_control_policy_session_quits_cleanly() {
    let s = server::Config::default()
        .with_control(ControlPolicy::Required)
        .with_data(DataPolicy::Required);
    let mut p = logged_in(client::Config::default(), s);
    let q = p.client.quit(p.now).unwrap();
    p.drain();
    p.settle();
    assert!(matches!(p.result(q), Some(Ok(_))), "{:?}", p.result(q));
    assert!(p
        .client_events
        .iter()
        .any(|e| matches!(e, Event::Closed(_))));
}

#[test]
fn implicit_tls_on_both_sides_logs_in() {
    let c = client::Config::default().with_security(Security::Implicit);
    let s = server::Config::default().with_control(ControlPolicy::Implicit);
    let p = logged_in(c, s);
    assert_eq!(p.sent_lines()[0], "USER alice");
    assert!(p.client_lines.iter().all(|(_, protected)| *protected));
}

#[test]
fn data_connection_that_never_comes_times_out_on_both_ends() {
    let mut p = logged_in(client::Config::default(), server::Config::default());
    p.files.insert("f".into(), b"x".to_vec());
    p.next_fault = DataFault::BlackHole;
    let id = p.client.retrieve(path("f"), 0, p.now).unwrap();
    p.drain();
    p.settle();
    p.wait(Duration::from_secs(120));
    assert!(matches!(p.result(id), Some(Err(_))), "{:?}", p.result(id));
}

#[test]
fn ccc_after_login_clears_the_control_channel_and_transfers_still_use_prot_p() {
    // C: CCC / S: 200 / EndTls on both ends (RFC 4217 §5); data stays protected.
    let c = client::Config::default().with_clear_command_channel(true);
    let s = server::Config::default().with_ccc(true);
    let mut p = logged_in(c, s);
    assert!(p.sent_lines().contains(&"CCC".to_string()));
    assert!(!p.control_protected);
    assert!(!p.server.is_control_protected());
    p.files.insert("f".into(), b"after CCC".to_vec());
    let id = p.client.retrieve(path("f"), 0, p.now).unwrap();
    p.drain();
    p.settle();
    assert!(
        matches!(p.result(id), Some(Ok(Response::Transferred { .. }))),
        "{:?}",
        p.result(id)
    );
    assert!(p.transfers[0].protected);
    // The commands after CCC went in clear, as asked.
    let (last, protected) = p.client_lines.last().unwrap();
    assert_eq!(last, b"RETR f\r\n");
    assert!(!protected);
}

#[test]
fn plain_client_against_a_tls_required_server_is_refused_before_any_data_action() {
    // C: USER alice / S: 530 (RFC 4217 §10.1): the login fails, nothing else happens.
    let c = client::Config::default().with_security(Security::Plain);
    let s = server::Config::default().with_control(ControlPolicy::Required);
    let mut p = Pair::new(c, s, 3, 5);
    let id = p.client.login(alice(), p.now).unwrap();
    p.drain();
    p.settle();
    assert!(
        matches!(p.result(id), Some(Err(Failure::Refused(r))) if r.code().value() == 530),
        "{:?}",
        p.result(id)
    );
    assert_eq!(p.sent_lines(), ["USER alice"]);
    assert!(p.server.user().is_none());
    assert!(p.transfer_violations().is_empty());
}

#[test]
fn implicit_client_against_an_explicit_server_never_logs_in_and_times_out() {
    // The client waits for a handshake the server never starts; the 220 sent in clear is
    // never read as a reply, and no credential is sent.
    let c = client::Config::default().with_security(Security::Implicit);
    let mut p = Pair::new(c, server::Config::default(), 4, 64);
    let id = p.client.login(alice(), p.now).unwrap();
    p.drain();
    p.settle();
    p.wait(Duration::from_secs(60));
    assert!(p.sent_lines().is_empty(), "{:?}", p.sent_lines());
    assert!(matches!(p.result(id), Some(Err(_))), "{:?}", p.result(id));
    assert!(p
        .client_events
        .iter()
        .any(|e| matches!(e, Event::Closed(_))));
}

#[test]
fn data_handshake_without_resumption_fails_the_transfer_on_both_ends() {
    // The server requires the control session to be resumed (RFC 4217 §10.2): 522.
    let mut p = logged_in(client::Config::default(), server::Config::default());
    p.files.insert("f".into(), b"secret data".to_vec());
    p.next_fault = DataFault::NoResumption;
    let id = p.client.retrieve(path("f"), 0, p.now).unwrap();
    p.drain();
    p.settle();
    assert!(matches!(p.result(id), Some(Err(_))), "{:?}", p.result(id));
    assert!(p.server_wire.windows(4).any(|w| w == b"522 "));
    // The session stays usable.
    let n = p.client.noop(p.now).unwrap();
    p.drain();
    p.settle();
    assert!(matches!(p.result(n), Some(Ok(_))));
}

#[test]
fn server_shutdown_421_mid_session_fails_the_request_and_closes_the_client() {
    let mut p = logged_in(client::Config::default(), server::Config::default());
    p.files.insert("f".into(), vec![7; 10]);
    p.next_fault = DataFault::BlackHole;
    let id = p.client.retrieve(path("f"), 0, p.now).unwrap();
    p.shutdown_at = Some(p.now + Duration::from_millis(1));
    p.drain();
    p.settle();
    assert!(matches!(p.result(id), Some(Err(_))), "{:?}", p.result(id));
    assert!(p.client_events.iter().any(|e| matches!(
        e,
        Event::Closed(client::CloseReason::ServiceNotAvailable(_))
    )));
}

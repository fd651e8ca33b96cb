//! Local errors leave the client unchanged and usable: a second request while one runs, a
//! request before login, after the end, `abort` without a transfer. Also the parked slot
//! (a request during a keep-alive NOOP) and the size bound.

mod client_support;

use client_support::*;
use ftps_proto::client::{Client, Config, ErrorKind, Output, Response, State};

#[test]
fn a_second_request_while_one_runs_is_busy_and_changes_nothing() {
    let mut t = Transcript::logged_in_plain(Config::default());
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    let e = t.client.store(path("g"), t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Busy);
    assert_eq!(e.state, State::Transferring);
    let e = t.client.cwd(path("/"), t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Busy);
    t.drain();
    t.quiet();
    // The transfer carries on as if nothing happened.
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
}

#[test]
fn requests_before_login_are_local_errors() {
    let mut t = Transcript::new(Config::default());
    let e = t.client.list(None, t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotLoggedIn);
    assert_eq!(e.state, State::Connecting);
    assert_eq!(
        t.client.pwd(t.now).unwrap_err().kind,
        ErrorKind::NotLoggedIn
    );
    assert_eq!(
        t.client.abort(t.now).unwrap_err().kind,
        ErrorKind::NoTransfer
    );
    t.drain();
    t.quiet();
    // Still usable: the greeting is handled normally.
    t.s("220 hi");
    t.c("AUTH TLS");
}

#[test]
fn login_twice_is_a_local_error() {
    let mut t = Transcript::logged_in_plain(Config::default());
    let e = t.client.login(user_login("u", "p"), t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::AlreadyLoggedIn);
    // Two early logins: the second is busy.
    let mut t = Transcript::new(Config::default());
    t.client.login(user_login("u", "p"), t.now).unwrap();
    assert_eq!(
        t.client
            .login(user_login("u", "p"), t.now)
            .unwrap_err()
            .kind,
        ErrorKind::Busy
    );
}

#[test]
fn abort_without_a_transfer() {
    let mut t = Transcript::logged_in_plain(Config::default());
    assert_eq!(
        t.client.abort(t.now).unwrap_err().kind,
        ErrorKind::NoTransfer
    );
    t.client.noop(t.now).unwrap();
    assert_eq!(
        t.client.abort(t.now).unwrap_err().kind,
        ErrorKind::NoTransfer
    );
}

#[test]
fn a_request_during_a_keepalive_noop_is_parked_then_sent() {
    let mut config = Config::default();
    config.timeouts.keepalive = Some(std::time::Duration::from_secs(60));
    let mut t = Transcript::logged_in_plain(config);
    t.fire_deadline();
    t.c("NOOP");
    let id = t.client.pwd(t.now).unwrap();
    t.drain();
    t.quiet(); // parked behind the NOOP
    assert_eq!(
        t.client.cwd(path("/"), t.now).unwrap_err().kind,
        ErrorKind::Busy
    );
    t.s("200 NOOP ok");
    t.c("PWD");
    t.s("257 \"/\"");
    assert!(matches!(t.completed(id), Ok(Response::Path(Some(_)))));
}

#[test]
fn after_close_everything_is_a_closed_error() {
    let mut t = Transcript::logged_in_plain(Config::default());
    t.client.handle_control_closed(t.now);
    t.drain();
    t.event();
    t.expect(Output::Close);
    assert_eq!(t.client.noop(t.now).unwrap_err().kind, ErrorKind::Closed);
    assert_eq!(t.client.quit(t.now).unwrap_err().kind, ErrorKind::Closed);
    assert_eq!(t.client.abort(t.now).unwrap_err().kind, ErrorKind::Closed);
    t.client.handle_input(b"200 ignored\r\n", t.now);
    assert_eq!(t.client.poll_output(), Output::Idle);
}

#[test]
fn reinitialize_is_unsupported_under_implicit_tls() {
    let mut t =
        Transcript::new(Config::default().with_security(ftps_proto::client::Security::Implicit));
    assert_eq!(
        t.client.reinitialize(t.now).unwrap_err().kind,
        ErrorKind::Unsupported
    );
    t.drain();
}

#[test]
fn the_machine_is_small() {
    let size = std::mem::size_of::<Client>();
    assert!(size <= 512, "size_of::<Client>() = {size}");
}

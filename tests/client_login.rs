//! Login transcripts: every reply of RFC 959 §5.4 to USER, PASS and ACCT (230, 202, 331,
//! 332, 530, 421, other 4xx/5xx), 232 certificate logins (RFC 2228 §3), PBSZ/PROT refusals,
//! and that secrets never show in `Debug` output or events.

mod client_support;

use client_support::*;
use ftps_proto::client::{
    CloseReason, Config, ErrorKind, Event, Failure, Login, Output, Response, Security, State,
};
use ftps_proto::types::{Account, Channel, Password, Username};

/// A client past greeting and AUTH TLS, ready for USER.
fn secured() -> Transcript {
    let mut t = Transcript::new(Config::default());
    t.s("220 ready");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    assert!(matches!(t.event(), Event::Connected { tls: true, .. }));
    t
}

fn finish_setup(t: &mut Transcript) {
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT P");
    t.s("200 ok");
    t.c("FEAT");
    t.s("211 End");
    t.c("TYPE I");
    t.s("200 ok");
}

#[test]
fn user_230_logs_in_without_password() {
    let mut t = secured();
    let id = t.client.login(user_login("anon", "x"), t.now).unwrap();
    t.drain();
    t.c("USER anon");
    t.s("230 User logged in, proceed.");
    assert_eq!(t.client.state(), State::LoggingIn);
    finish_setup(&mut t);
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
    assert!(t.client.is_logged_in());
}

#[test]
fn pass_202_superfluous_counts_as_logged_in() {
    let mut t = secured();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 need password");
    t.c("PASS p");
    t.s("202 Command not implemented, superfluous at this site.");
    finish_setup(&mut t);
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
}

#[test]
fn pass_332_sends_acct_when_given() {
    let mut t = secured();
    let login = user_login("u", "p").with_account(Account::try_from("dept-42").unwrap());
    let id = t.client.login(login, t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 need password");
    t.c("PASS p");
    t.s("332 Need account for login.");
    t.c("ACCT dept-42");
    t.s("230 ok");
    finish_setup(&mut t);
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
}

#[test]
fn user_332_goes_straight_to_acct() {
    let mut t = secured();
    let login = user_login("u", "p").with_account(Account::try_from("a").unwrap());
    let id = t.client.login(login, t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("332 Need account");
    t.c("ACCT a");
    t.s("202 superfluous");
    finish_setup(&mut t);
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
}

#[test]
fn account_required_without_account_fails_and_client_stays_usable() {
    let mut t = secured();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 need password");
    t.c("PASS p");
    t.s("332 Need account for login.");
    match t.completed(id) {
        Err(Failure::AccountRequired(r)) => assert_eq!(r.code().value(), 332),
        other => panic!("{other:?}"),
    }
    t.quiet();
    assert_eq!(t.client.state(), State::Connected);
    // A second attempt works.
    let again = t.client.login(user_login("u", "p"), t.now).unwrap();
    assert_ne!(again, id);
    t.drain();
    t.c("USER u");
    t.s("230 ok");
    finish_setup(&mut t);
    assert!(matches!(t.completed(again), Ok(Response::LoggedIn { .. })));
}

#[test]
fn pass_530_is_a_refusal_and_login_can_be_retried() {
    let mut t = secured();
    let id = t.client.login(user_login("u", "wrong"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 need password");
    t.c("PASS wrong");
    t.s("530 Login incorrect.");
    match t.completed(id) {
        Err(Failure::Refused(r)) => assert_eq!(r.code().value(), 530),
        other => panic!("{other:?}"),
    }
    assert!(!t.client.is_logged_in());
    let again = t.client.login(user_login("u", "right"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 need password");
    t.c("PASS right");
    t.s("230 ok");
    finish_setup(&mut t);
    assert!(matches!(t.completed(again), Ok(Response::LoggedIn { .. })));
}

#[test]
fn user_530_500_501_and_4xx_are_refusals() {
    for line in [
        "530 Not logged in",
        "500 what",
        "501 bad user",
        "450 try later",
    ] {
        let mut t = secured();
        let id = t.client.login(user_login("u", "p"), t.now).unwrap();
        t.drain();
        t.c("USER u");
        t.s(line);
        assert!(
            matches!(t.completed(id), Err(Failure::Refused(_))),
            "{line}"
        );
        assert_eq!(t.client.state(), State::Connected, "{line}");
    }
}

#[test]
fn acct_refused_is_a_refusal() {
    let mut t = secured();
    let login = user_login("u", "p").with_account(Account::try_from("a").unwrap());
    let id = t.client.login(login, t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("332 acct");
    t.c("ACCT a");
    t.s("530 bad account");
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
}

#[test]
fn login_421_fails_the_request_then_closes() {
    let mut t = secured();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 pw");
    t.c("PASS p");
    t.s("421 Service not available, closing control connection.");
    match t.completed(id) {
        Err(Failure::Refused(r)) => assert_eq!(r.code().value(), 421),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        t.event(),
        Event::Closed(CloseReason::ServiceNotAvailable(_))
    ));
    t.expect(Output::Close);
    t.quiet();
    assert_eq!(t.client.state(), State::Closed);
    assert_eq!(t.client.noop(t.now).unwrap_err().kind, ErrorKind::Closed);
}

#[test]
fn unexpected_3xx_to_pass_is_a_protocol_failure() {
    let mut t = secured();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 pw");
    t.c("PASS p");
    t.s("350 what?");
    assert!(matches!(t.completed(id), Err(Failure::Protocol(_))));
}

#[test]
fn certificate_user_login_expects_232() {
    let mut t = secured();
    let login = Login::certificate_user(Username::try_from("cert-user").unwrap());
    let id = t.client.login(login, t.now).unwrap();
    t.drain();
    t.c("USER cert-user");
    t.s("232 User logged in, authorized by security data exchange.");
    finish_setup(&mut t);
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
}

#[test]
fn certificate_user_login_fails_on_331_without_sending_a_password() {
    let mut t = secured();
    let login = Login::certificate_user(Username::try_from("cert-user").unwrap());
    let id = t.client.login(login, t.now).unwrap();
    t.drain();
    t.c("USER cert-user");
    t.s("331 Password required");
    assert!(matches!(t.completed(id), Err(Failure::PasswordRequired(_))));
    t.quiet();
}

#[test]
fn certificate_login_sends_no_user_at_all() {
    let mut t = secured();
    let id = t.client.login(Login::certificate(), t.now).unwrap();
    t.drain();
    finish_setup(&mut t);
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
}

#[test]
fn certificate_login_needs_tls() {
    let mut t = Transcript::new(Config::default().with_security(Security::Plain));
    let e = t.client.login(Login::certificate(), t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NeedsTls);
}

#[test]
fn pbsz_refused_under_prot_p_fails_login_and_blocks_transfers() {
    let mut t = secured();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("230 ok");
    t.c("PBSZ 0");
    t.s("502 PBSZ not implemented");
    // PROT is never sent without a successful PBSZ (RFC 4217 §8).
    t.c("FEAT");
    t.s("211 End");
    t.c("TYPE I");
    t.s("200 ok");
    assert!(matches!(
        t.completed(id),
        Err(Failure::DataProtectionRefused(_))
    ));
    assert!(t.client.is_logged_in());
    assert_eq!(t.client.data_protection(), None);
    let e = t.client.list(None, t.now).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DataProtection);
    t.drain();
    t.quiet();
}

#[test]
fn prot_p_refused_fails_login_and_blocks_transfers() {
    let mut t = secured();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("230 ok");
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT P");
    t.s("536 Requested PROT level not supported by mechanism.");
    t.c("FEAT");
    t.s("211 End");
    t.c("TYPE I");
    t.s("200 ok");
    assert!(matches!(
        t.completed(id),
        Err(Failure::DataProtectionRefused(_))
    ));
    assert_eq!(
        t.client.retrieve(path("f"), 0, t.now).unwrap_err().kind,
        ErrorKind::DataProtection
    );
}

#[test]
fn secrets_never_appear_in_debug_output_or_events() {
    let mut t = secured();
    let login = Login::new(
        Username::try_from("u").unwrap(),
        Password::try_from("hunter2").unwrap(),
    )
    .with_account(Account::try_from("acct-secret").unwrap());
    assert!(!format!("{login:?}").contains("hunter2"));
    assert!(!format!("{login:?}").contains("acct-secret"));
    let id = t.client.login(login, t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 pw");
    // The PASS output shows the secret on the wire, but never in Debug.
    let pass = t.next();
    assert_eq!(pass, Output::Send(b"PASS hunter2\r\n".to_vec()));
    assert!(!format!("{pass:?}").contains("hunter2"), "{pass:?}");
    t.s("332 acct");
    let acct = t.next();
    assert!(!format!("{acct:?}").contains("acct-secret"), "{acct:?}");
    assert!(!format!("{:?}", t.client).contains("hunter2"));
    t.s("230 ok");
    finish_setup(&mut t);
    let done = t.completed(id);
    assert!(!format!("{done:?}").contains("hunter2"));
}

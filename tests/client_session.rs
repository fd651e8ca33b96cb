//! Whole sessions, as transcripts: the seeds session (USER, PASS, LIST in clear; AUTH TLS;
//! RETR with clear data; PBSZ 0; PROT P; STOR protected; QUIT), explicit and implicit TLS,
//! HOST, CCC, REIN and the overridable timing of AUTH/PBSZ/PROT.

mod client_support;

use client_support::*;
use ftps_proto::client::{
    CloseReason, Config, DataProtection, Event, Output, Response, Security, State, TransferCommand,
};
use ftps_proto::types::{Channel, DataEnd, Text};

#[test]
fn seeds_plain_session_user_pass_list_in_clear() {
    let mut t = Transcript::logged_in_plain(Config::default());
    assert_eq!(t.client.state(), State::Ready);
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40001|)");
    t.open_data(id, 40001);
    t.data_connected();
    t.c("LIST");
    t.s("150 Here comes the directory listing.");
    // PROT C (plain FTP): no data TLS, the bytes flow at once.
    assert_eq!(
        t.event(),
        Event::TransferStarted {
            request: id,
            command: TransferCommand::List,
            size_hint: None
        }
    );
    t.data_ended(DataEnd::Clean);
    t.quiet();
    t.s("226 Directory send OK.");
    match t.completed(id) {
        Ok(Response::Transferred { command, reply }) => {
            assert_eq!(command, TransferCommand::List);
            assert_eq!(reply.code().value(), 226);
        }
        other => panic!("{other:?}"),
    }
    t.quiet();
}

#[test]
fn tls_session_retr_clear_then_prot_p_stor_protected_then_quit() {
    let config = Config::default().with_data_protection(DataProtection::Clear);
    let mut t = Transcript::new(config);
    assert_eq!(t.client.state(), State::Connecting);
    // S: greeting, C: AUTH TLS, S: 234, then the control handshake.
    t.s("220 (vsFTPd 3.0.3)");
    t.c("AUTH TLS");
    t.s("234 Proceed with negotiation.");
    t.start_tls(Channel::Control);
    t.quiet();
    t.tls_ready(Channel::Control);
    assert!(matches!(t.event(), Event::Connected { tls: true, .. }));
    let login = t
        .client
        .login(user_login("alice", "secret"), t.now)
        .unwrap();
    t.drain();
    t.c("USER alice");
    t.s("331 Please specify the password.");
    t.c("PASS secret");
    t.s("230 Login successful.");
    t.c("PBSZ 0");
    t.s("200 PBSZ set to 0.");
    t.c("PROT C");
    t.s("200 PROT now Clear.");
    t.c("FEAT");
    t.s(FEAT_VSFTPD);
    t.c("TYPE I");
    t.s("200 Switching to Binary mode.");
    assert!(matches!(t.completed(login), Ok(Response::LoggedIn { .. })));
    assert_eq!(t.client.data_protection(), Some(DataProtection::Clear));

    // RETR with clear data (PROT C): no data TLS.
    let get = t.client.retrieve(path("seed.txt"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||50000|)");
    t.open_data(get, 50000);
    t.data_connected();
    t.c("RETR seed.txt");
    // 150 and 226 in one read.
    t.s("150 Opening BINARY mode data connection for seed.txt (42 bytes).\n226 Transfer complete.");
    assert_eq!(
        t.event(),
        Event::TransferStarted {
            request: get,
            command: TransferCommand::Retr,
            size_hint: Some(42)
        }
    );
    t.quiet(); // 226 alone is not completion
    t.data_ended(DataEnd::Clean);
    assert!(matches!(t.completed(get), Ok(Response::Transferred { .. })));

    // PBSZ 0 then PROT P, then STOR protected.
    let prot = t
        .client
        .set_data_protection(DataProtection::Private, t.now)
        .unwrap();
    t.drain();
    t.c("PBSZ 0");
    t.s("200 PBSZ set to 0.");
    t.c("PROT P");
    t.s("200 PROT now Private.");
    assert!(matches!(t.completed(prot), Ok(Response::Done(_))));
    assert_eq!(t.client.data_protection(), Some(DataProtection::Private));

    let put = t.client.store(path("up.bin"), t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||50001|)");
    t.open_data(put, 50001);
    t.data_connected();
    t.c("STOR up.bin");
    t.s("150 Ok to send data.");
    // The data handshake resumes the control session, after the 150.
    t.start_tls(Channel::Data);
    t.quiet();
    t.tls_ready(Channel::Data);
    assert_eq!(
        t.event(),
        Event::TransferStarted {
            request: put,
            command: TransferCommand::Stor,
            size_hint: None
        }
    );
    // The adapter sent everything, close_notify, FIN.
    t.data_ended(DataEnd::Clean);
    t.quiet();
    t.s("226 Transfer complete.");
    assert!(matches!(t.completed(put), Ok(Response::Transferred { .. })));

    let quit = t.client.quit(t.now).unwrap();
    t.drain();
    t.c("QUIT");
    t.s("221 Goodbye.");
    assert!(matches!(t.completed(quit), Ok(Response::Done(_))));
    assert!(matches!(
        t.event(),
        Event::Closed(CloseReason::Quit(Some(_)))
    ));
    t.expect(Output::Close);
    t.quiet();
    assert_eq!(t.client.state(), State::Closed);
    assert_eq!(t.client.poll_output(), Output::Idle);
}

#[test]
fn implicit_tls_starts_with_a_handshake_then_reads_the_greeting() {
    let mut t = Transcript::new(Config::default().with_security(Security::Implicit));
    t.start_tls(Channel::Control);
    t.quiet();
    assert_eq!(t.client.state(), State::Connecting);
    t.tls_ready(Channel::Control);
    t.quiet();
    t.s("220 Implicit FTPS ready");
    // No AUTH under implicit TLS.
    assert!(matches!(t.event(), Event::Connected { tls: true, .. }));
    let id = t.client.login(user_login("bob", "pw"), t.now).unwrap();
    t.drain();
    t.c("USER bob");
    t.s("230 Logged in without password");
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT P");
    t.s("200 ok");
    t.c("FEAT");
    t.s("502 FEAT not implemented");
    t.c("TYPE I");
    t.s("200 ok");
    match t.completed(id) {
        Ok(Response::LoggedIn { features }) => assert!(features.is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn host_is_sent_before_auth_as_rfc7151_says() {
    let config = Config::default()
        .with_host(ftps_proto::types::Hostname::try_from("ftp.example.com").unwrap());
    let mut t = Transcript::new(config);
    // A login given early is parked until the connection is secured.
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.quiet();
    t.s("220 generic greeting");
    t.c("HOST ftp.example.com");
    t.s("220 Welcome to ftp.example.com");
    t.c("AUTH TLS");
    t.s("234 go");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    match t.event() {
        Event::Connected { greeting, tls } => {
            assert!(tls);
            assert_eq!(greeting.text(), b"Welcome to ftp.example.com");
        }
        other => panic!("{other:?}"),
    }
    t.c("USER u");
    t.s("331 pw");
    t.c("PASS p");
    t.s("230 ok");
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT P");
    t.s("200 ok");
    t.c("FEAT");
    t.s("211-Features:\n UTF8\n211 End");
    t.c("OPTS UTF8 ON");
    t.s("200 ok");
    t.c("TYPE I");
    t.s("200 ok");
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
}

#[test]
fn host_not_implemented_is_skipped_but_refused_host_ends_the_session() {
    let config =
        Config::default().with_host(ftps_proto::types::Hostname::try_from("a.example").unwrap());
    let mut t = Transcript::new(config.clone());
    t.s("220 hi");
    t.c("HOST a.example");
    t.s("502 HOST not implemented");
    t.c("AUTH TLS");

    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("HOST a.example");
    t.s("504 Unknown virtual host");
    assert!(matches!(
        t.event(),
        Event::Closed(CloseReason::HostRefused(_))
    ));
    t.expect(Output::Close);
    t.quiet();
}

#[test]
fn ccc_after_login_clears_the_control_channel() {
    let config = Config::default().with_clear_command_channel(true);
    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("234 go");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    t.event();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("331 pw");
    t.c("PASS p");
    t.s("230 ok");
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT P");
    t.s("200 ok");
    t.c("CCC");
    t.s("200 CCC ok");
    t.expect(Output::EndTls {
        channel: Channel::Control,
    });
    t.c("FEAT");
    assert!(!t.client.is_control_protected());
    t.s("211 no features");
    t.c("TYPE I");
    t.s("200 ok");
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
    // Data stays protected after CCC (RFC 4217 §12.3).
    assert_eq!(t.client.data_protection(), Some(DataProtection::Private));
}

#[test]
fn reinitialize_clears_tls_and_runs_the_setup_again() {
    let mut t = Transcript::logged_in_tls(Config::default(), FEAT_VSFTPD);
    let id = t.client.reinitialize(t.now).unwrap();
    t.drain();
    t.c("REIN");
    t.s("220 Service ready for new user.");
    // RFC 4217 §13: the reply is protected, then TLS is cleared.
    t.expect(Output::EndTls {
        channel: Channel::Control,
    });
    assert!(matches!(t.completed(id), Ok(Response::Done(_))));
    assert!(!t.client.is_logged_in());
    assert_eq!(t.client.data_protection(), None);
    t.c("AUTH TLS");
    t.s("234 again");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    assert!(matches!(t.event(), Event::Connected { tls: true, .. }));
    assert_eq!(t.client.state(), State::Connected);
}

#[test]
fn pbsz_and_prot_before_login_when_configured() {
    // RFC 4217 §10.3: the timing of PBSZ/PROT must be overridable.
    let mut config = Config::default();
    config.protection_before_login = true;
    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    t.event();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("PBSZ 0");
    t.s("200 PBSZ=0");
    t.c("PROT P");
    t.s("200 Protection set to Private");
    t.c("USER u");
    t.s("331 pw");
    t.c("PASS p");
    t.s("230 ok");
    t.c("FEAT");
    t.s("211 End");
    t.c("TYPE I");
    t.s("200 ok");
    assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
    assert_eq!(t.client.data_protection(), Some(DataProtection::Private));
}

#[test]
fn commands_before_auth_when_configured() {
    // RFC 4217 §10.3: a server may need a SITE or quoted command before AUTH.
    use ftps_proto::client::ErrorKind;
    use ftps_proto::codec::Command;
    let config = Config::default()
        .with_command_before_auth(Command::Site(Text::try_from("ZONE").unwrap()))
        .unwrap();
    assert_eq!(
        Config::default()
            .with_command_before_auth(Command::Pbsz(0))
            .unwrap_err(),
        ErrorKind::UseNamedRequest
    );
    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("SITE ZONE");
    t.s("502 whatever");
    t.c("AUTH TLS");
}

/// The seeds' example session, in its order: USER, PASS, LIST in clear; AUTH TLS; RETR with
/// clear data; PBSZ 0; PROT P; STOR protected; QUIT. After the AUTH the login runs again, as
/// RFC 4217 §4.2 requires (the server forgets the user on AUTH).
#[test]
fn seeds_session_in_order() {
    let config = Config::default().with_data_protection(DataProtection::Clear);
    let mut t = Transcript::logged_in_plain(config);
    // LIST in clear.
    let list = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40000|)");
    t.open_data(list, 40000);
    t.data_connected();
    t.c("LIST");
    t.s("150 Here comes the directory listing.");
    assert!(matches!(t.event(), Event::TransferStarted { .. }));
    t.data_ended(DataEnd::Clean);
    t.s("226 Directory send OK.");
    assert!(t.completed(list).is_ok());

    // AUTH TLS mid-session.
    let auth = t.client.auth_tls(t.now).unwrap();
    t.drain();
    t.c("AUTH TLS");
    t.s("234 Proceed with negotiation.");
    t.start_tls(Channel::Control);
    t.quiet();
    t.tls_ready(Channel::Control);
    assert!(matches!(t.completed(auth), Ok(Response::Done(r)) if r.code().value() == 234));
    assert!(t.client.is_control_protected());
    // RFC 4217 §4.2: the server forgot the login and the transfer parameters; log in again,
    // protected now, with clear data for the RETR that follows.
    assert_eq!(t.client.state(), State::Connected);
    assert_eq!(t.client.data_protection(), None);
    let login = t
        .client
        .login(user_login("alice", "secret"), t.now)
        .unwrap();
    t.drain();
    t.c("USER alice");
    t.s("331 Password required");
    t.c("PASS secret");
    t.s("230 Logged in");
    t.c("PBSZ 0");
    t.s("200 PBSZ=0");
    t.c("PROT C");
    t.s("200 Protection set to Clear");
    t.c("FEAT");
    t.s("211 End");
    t.c("TYPE I");
    t.s("200 Type set to I");
    assert!(matches!(t.completed(login), Ok(Response::LoggedIn { .. })));
    assert_eq!(t.client.data_protection(), Some(DataProtection::Clear));

    // RETR with clear data.
    let get = t.client.retrieve(path("seed.txt"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40001|)");
    t.open_data(get, 40001);
    t.data_connected();
    t.c("RETR seed.txt");
    t.s("150 Opening BINARY mode data connection.");
    assert!(matches!(t.event(), Event::TransferStarted { .. })); // no data TLS
    t.data_ended(DataEnd::Clean);
    t.s("226 Transfer complete.");
    assert!(t.completed(get).is_ok());

    // PBSZ 0; PROT P.
    let prot = t
        .client
        .set_data_protection(DataProtection::Private, t.now)
        .unwrap();
    t.drain();
    t.c("PBSZ 0");
    t.s("200 PBSZ set to 0.");
    t.c("PROT P");
    t.s("200 PROT now Private.");
    assert!(t.completed(prot).is_ok());

    // STOR protected.
    let put = t.client.store(path("up.bin"), t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 Entering Extended Passive Mode (|||40002|)");
    t.open_data(put, 40002);
    t.data_connected();
    t.c("STOR up.bin");
    t.s("150 Ok to send data.");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    assert!(matches!(t.event(), Event::TransferStarted { .. }));
    t.data_ended(DataEnd::Clean);
    t.s("226 Transfer complete.");
    assert!(t.completed(put).is_ok());

    // QUIT.
    let quit = t.client.quit(t.now).unwrap();
    t.drain();
    t.c("QUIT");
    t.s("221 Goodbye.");
    assert!(t.completed(quit).is_ok());
    assert!(matches!(
        t.event(),
        Event::Closed(CloseReason::Quit(Some(_)))
    ));
    t.expect(Output::Close);
    t.quiet();
}

#[test]
fn auth_tls_mid_session_refused_or_misused() {
    use ftps_proto::client::ErrorKind;
    let mut t = Transcript::logged_in_plain(Config::default());
    let id = t.client.auth_tls(t.now).unwrap();
    t.drain();
    t.c("AUTH TLS");
    t.s("502 AUTH not supported");
    assert!(matches!(
        t.completed(id),
        Err(ftps_proto::client::Failure::Refused(_))
    ));
    assert!(!t.client.is_control_protected());
    assert_eq!(t.client.state(), State::Ready);
    // Plaintext behind the 234 is refused here too: no handshake, the session ends.
    let id = t.client.auth_tls(t.now).unwrap();
    t.drain();
    t.c("AUTH TLS");
    t.s("234 ok\n200 injected");
    match t.completed(id) {
        Err(ftps_proto::client::Failure::Protocol(e)) => assert!(matches!(
            e.kind,
            ftps_proto::client::ProtocolErrorKind::PlaintextAfterAuth { .. }
        )),
        other => panic!("{other:?}"),
    }
    assert!(matches!(t.event(), Event::Closed(CloseReason::Protocol(_))));
    t.expect(Output::Close);
    t.quiet();
    // Already protected: a local error.
    let mut t = Transcript::logged_in_tls(Config::default(), FEAT_VSFTPD);
    assert_eq!(
        t.client.auth_tls(t.now).unwrap_err().kind,
        ErrorKind::AlreadyProtected
    );
}

#[test]
fn host_is_sent_again_after_rein() {
    // RFC 7151 §3.3: "after any REIN command, before attempting to authenticate".
    let config = Config::default()
        .with_host(ftps_proto::types::Hostname::try_from("ftp.example.com").unwrap());
    let mut t = Transcript::new(config);
    t.s("220 hi");
    t.c("HOST ftp.example.com");
    t.s("220 welcome");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.tls_ready(Channel::Control);
    t.event();
    let id = t.client.login(user_login("u", "p"), t.now).unwrap();
    t.drain();
    t.c("USER u");
    t.s("230 ok");
    t.c("PBSZ 0");
    t.s("200 ok");
    t.c("PROT P");
    t.s("200 ok");
    t.c("FEAT");
    t.s("211 End");
    t.c("TYPE I");
    t.s("200 ok");
    assert!(t.completed(id).is_ok());
    let rein = t.client.reinitialize(t.now).unwrap();
    t.drain();
    t.c("REIN");
    t.s("220 ready for a new user");
    t.expect(Output::EndTls {
        channel: Channel::Control,
    });
    assert!(t.completed(rein).is_ok());
    t.c("HOST ftp.example.com");
    t.s("220 welcome again");
    t.c("AUTH TLS");
}

/// RFC 1123 §4.1.2.11: a STAT reply longer than the configured line limit completes the
/// request with its first lines and its code; the excess is reported, the session goes on.
#[test]
fn long_stat_reply_keeps_the_session() {
    let config =
        Config::default().with_limits(ftps_proto::codec::Limits::default().with_max_reply_lines(6));
    let mut t = Transcript::logged_in_plain(config);
    let id = t
        .client
        .raw(ftps_proto::codec::Command::Stat(None), t.now)
        .unwrap();
    t.drain();
    t.c("STAT");
    t.s("211-status\n one\n two\n three\n four\n five\n six\n seven\n eight\n211 End of status");
    assert_eq!(
        t.event(),
        Event::ExcessLinesIgnored {
            code: ftps_proto::types::ReplyCode::SYSTEM_STATUS,
            lines: 3
        }
    );
    match t.completed(id) {
        Ok(Response::Done(reply)) => {
            assert_eq!(reply.code().value(), 211);
            let lines: Vec<&[u8]> = reply.lines().collect();
            assert_eq!(
                lines,
                [
                    &b"status"[..],
                    b" one",
                    b" two",
                    b" three",
                    b" four",
                    b" five",
                    b"End of status"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    t.quiet();
    assert_eq!(t.client.state(), State::Ready);
    let id = t.client.noop(t.now).unwrap();
    t.drain();
    t.c("NOOP");
    t.s("200 ok");
    assert!(t.completed(id).is_ok());
}

/// RFC 7151 §3: the client's HOST value is a host name or an IP literal, never a port; an
/// IPv6 literal is sent in brackets, and the name to check the certificate against is
/// the address without them.
#[test]
fn host_value_is_validated() {
    use ftps_proto::types::{Hostname, InvalidHostname};
    assert_eq!(
        Hostname::try_from("ftp.example.com:2121"),
        Err(InvalidHostname::Port)
    );
    assert_eq!(
        Hostname::try_from("2001:db8::1"),
        Err(InvalidHostname::UnbracketedIpv6)
    );
    assert!(matches!(
        Hostname::try_from("ftp example"),
        Err(InvalidHostname::Invalid { .. })
    ));
    let v6 = Hostname::try_from("[2001:db8::1]").unwrap();
    assert_eq!(v6.server_name(), "2001:db8::1");
    let mut t = Transcript::new(Config::default().with_host(v6));
    t.s("220 hi");
    t.c("HOST [2001:db8::1]");
}

/// RFC 2640 §4: FEAT's LANG line is parsed, and a configured language is asked for with
/// `LANG` after FEAT; a refusal keeps the default and the login succeeds.
#[test]
fn lang_is_sent_when_configured_and_announced() {
    use ftps_proto::types::LanguageTag;
    let fr = LanguageTag::try_from("fr").unwrap();
    for (answer, accepted) in [("200 Language set to fr", true), ("504 no", false)] {
        let config = Config::default()
            .with_security(Security::Plain)
            .with_language(fr.clone());
        let mut t = Transcript::new(config);
        t.s("220 ready");
        assert!(matches!(t.event(), Event::Connected { .. }));
        let id = t.client.login(user_login("u", "p"), t.now).unwrap();
        t.drain();
        t.c("USER u");
        t.s("331 pw");
        t.c("PASS p");
        t.s("230 ok");
        t.c("FEAT");
        t.s("211-Features:\n LANG EN*;fr\n UTF8\n211 End");
        t.c("OPTS UTF8 ON");
        t.s("200 ok");
        t.c("LANG fr");
        t.s(answer);
        t.c("TYPE I");
        t.s("200 ok");
        match t.completed(id) {
            Ok(Response::LoggedIn { features }) => {
                let langs = features.languages().unwrap();
                assert_eq!(
                    langs,
                    vec![(LanguageTag::english(), true), (fr.clone(), false)]
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(t.client.language(), accepted.then_some(&fr));
    }
    // Not announced: not sent.
    let mut t = Transcript::logged_in_plain(Config::default().with_language(fr));
    assert_eq!(t.client.language(), None);
    t.quiet();
}

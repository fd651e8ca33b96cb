//! Transcript tests of `server::Session`: the seeds' example session and the four policies
//! ("no unprotected commands", "no unprotected data", "certain users need security",
//! "AUTH before PBSZ before PROT"), written as `C:` / `S:` exchanges.

mod server_harness;

use ftps_proto::server::{Config, ControlPolicy, DataPolicy, Direction, Event, Output, TlsDetails};
use ftps_proto::types::{Channel, DataEnd, TlsRole};
use server_harness::*;

/// The seeds' example: USER, PASS, LIST in clear; AUTH TLS; RETR with clear data; PBSZ 0;
/// PROT P; STOR protected; QUIT. RFC 4217 §4 resets the login after AUTH, so the client logs
/// in again behind it.
#[test]
fn seeds_example_session() {
    let mut h = Harness::greeted(plain_config());
    // C: USER alice / S: 331 / C: PASS / S: 230
    h.login("alice");
    // C: PASV / S: 227 / C: LIST / S: 150 ... 226, data in clear
    h.pasv();
    h.c("LIST");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::List {
            decision: d,
            path: None
        }
    );
    h.accept(d);
    h.s(150);
    h.quiet();
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);

    // C: AUTH TLS / S: 234, then the handshake; the login is reset (RFC 4217 §4).
    h.auth_tls();
    assert!(h.session.is_control_protected());
    h.c("PWD");
    h.s(530);
    h.login("alice");

    // RETR with clear data (PROT C is the initial level, RFC 4217 §9).
    h.pasv();
    h.c("RETR report.pdf");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::Retrieve {
            decision: d,
            path: path("report.pdf"),
            offset: 0
        }
    );
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Send);
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);

    // C: PBSZ 0 / S: 200 / C: PROT P / S: 200
    h.prot_p();
    assert!(h.session.is_data_protected());

    // STOR protected: the data handshake is asked as soon as the connection is up.
    h.pasv();
    h.c("STOR upload.bin");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::Store {
            decision: d,
            path: path("upload.bin"),
            offset: 0
        }
    );
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert_eq!(
        h.action(),
        Output::StartTls {
            channel: Channel::Data,
            role: TlsRole::Server,
            resume_session: true
        }
    );
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Receive);
    // close_notify + EOF seen, then the file is stored: 226.
    h.data_ended(DataEnd::Clean);
    h.quiet();
    h.done(d);
    assert_eq!(h.action(), Output::CloseData);
    h.s(226);
    h.transfer_ended(d, 226, true);

    // C: QUIT / S: 221, close.
    h.c("QUIT");
    h.s(221);
    assert_eq!(h.action(), Output::Close);
    h.quiet();
}

/// Secure by default (RFC 4217 §10.1, §10.2): `Config::default()` is "no unprotected
/// commands" and "no unprotected data". A password is never taken in clear, and no data
/// connection is set up before `PROT P`.
#[test]
fn default_config_requires_tls_on_control_and_data() {
    let config = Config::default();
    assert_eq!(config.control, ControlPolicy::Required);
    assert_eq!(config.data, DataPolicy::Required);
    let mut h = Harness::greeted(config);
    // C: USER alice (in clear) / S: 530, the application is not even asked.
    h.c("USER alice");
    h.s(530);
    h.quiet();
    // C: PASS secret / S: 530.
    h.c("PASS secret");
    h.s(530);
    h.quiet();
    // C: AUTH TLS / S: 234, then USER/PASS are served.
    h.auth_tls();
    h.login("alice");
    // C: LIST (no PROT P yet) / S: 521, the application is not asked (RFC 4217 §10.2).
    h.c("LIST");
    h.s(521);
    h.quiet();
    // C: PBSZ 0 / S: 200; C: PROT C / S: 534 (clear data refused).
    h.c("PBSZ 0");
    h.s(200);
    h.c("PROT C");
    h.s(534);
    h.c("RETR x");
    h.s(521);
    h.quiet();
    // C: PROT P / S: 200; now the transfer is served.
    h.c("PROT P");
    h.s(200);
    h.pasv();
    h.c("RETR x");
    let (_, e) = h.decision();
    assert!(matches!(e, Event::Retrieve { .. }), "{e:?}");
}

/// Opting out of the secure default (`ControlPolicy::Optional`, `DataPolicy::Optional`)
/// serves a plaintext login and a plaintext data connection.
#[test]
fn explicit_opt_out_allows_plaintext() {
    let mut h = Harness::greeted(plain_config());
    // C: USER alice / S: 331 / C: PASS secret / S: 230, all in clear.
    h.login("alice");
    // C: PASV / S: 227; the data connection arrives and no handshake is asked for.
    h.pasv();
    h.data_connected();
    h.quiet();
}

/// Policy 1, "no unprotected commands" (RFC 4217 §10.1, RFC 2228 §3): before AUTH only AUTH,
/// FEAT, HOST and QUIT are served.
#[test]
fn policy_no_unprotected_commands() {
    let mut h = Harness::greeted(Config::default().with_control(ControlPolicy::Required));
    h.c("USER alice");
    h.s(530);
    h.c("PASS secret");
    h.s(530);
    for cmd in [
        "SYST",
        "PWD",
        "NOOP",
        "PBSZ 0",
        "PROT P",
        "PASV",
        "LIST",
        "STAT",
        "HELP",
        "OPTS UTF8 ON",
        "SITE CHMOD 600 x",
        "FOO",
    ] {
        h.c(cmd);
        h.s(533);
    }
    h.c("FEAT");
    let feat = h.reply();
    assert_eq!(feat.code().value(), 211);
    h.c("HOST ftp.example.com");
    let (d, e) = h.decision();
    assert!(matches!(e, Event::Host { .. }));
    h.accept(d);
    h.s(220);
    h.auth_tls();
    h.login("alice");
    h.c("SYST");
    h.s(215);
    h.c("QUIT");
    h.s(221);
    assert_eq!(h.action(), Output::Close);
}

/// QUIT is always served, even before AUTH under "no unprotected commands".
#[test]
fn policy_no_unprotected_commands_allows_quit() {
    let mut h = Harness::greeted(Config::default().with_control(ControlPolicy::Required));
    h.c("QUIT");
    h.s(221);
    assert_eq!(h.action(), Output::Close);
}

/// Policy 2, "no unprotected data": the transfer commands are refused with 521 until PROT P
/// (RFC 4217 §10.2 checks the policy "on the actual command that will initiate the data
/// transfer (and not on the PORT or PASV)"); PROT C is refused.
#[test]
fn policy_no_unprotected_data() {
    let mut h = Harness::greeted(Config::default().with_data(DataPolicy::Required));
    h.auth_tls();
    h.login("alice");
    // C: PASV / S: 227 and C: EPSV / S: 229 before PROT P; PORT/EPRT are 200.
    h.pasv();
    h.c("EPSV");
    assert!(matches!(h.action(), Output::CloseData));
    assert!(matches!(h.action(), Output::ListenData { .. }));
    h.session
        .handle_data_listening("192.0.2.1:50002".parse().unwrap(), h.now)
        .unwrap();
    h.drain();
    h.s(229);
    h.c("PORT 198,51,100,7,195,80");
    assert!(matches!(h.action(), Output::CloseData));
    h.s(200);
    h.c("EPRT |1|198.51.100.7|50000|");
    assert!(matches!(h.action(), Output::CloseData));
    h.s(200);
    h.quiet();
    h.c("RETR x");
    h.s(521); // RFC 4217 §10.2
    h.c("LIST");
    h.s(521);
    h.c("PBSZ 0");
    h.s(200);
    h.c("PROT C");
    h.s(534);
    h.c("PROT P");
    h.s(200);
    // The EPRT address is still set: PASV replaces it.
    h.c("PASV");
    assert!(matches!(h.action(), Output::CloseData));
    assert!(matches!(h.action(), Output::ListenData { .. }));
    h.session
        .handle_data_listening("192.0.2.1:50001".parse().unwrap(), h.now)
        .unwrap();
    h.drain();
    h.s(227);
    h.c("RETR x");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert!(matches!(
        h.action(),
        Output::StartTls {
            channel: Channel::Data,
            ..
        }
    ));
    h.tls_ready(Channel::Data, TlsDetails::new().with_resumed(true));
    h.start_transfer(d, Direction::Send);
}

/// Policy 3, "certain users need security": the application decides at USER.
#[test]
fn policy_certain_users_need_security() {
    let mut h = Harness::greeted(plain_config().with_anonymous(true));
    // An anonymous user may log in in clear.
    h.c("USER anonymous");
    let (d, e) = h.decision();
    assert!(
        matches!(
            e,
            Event::User {
                anonymous: true,
                protected: false,
                ..
            }
        ),
        "{e:?}"
    );
    h.accept(d);
    h.s(331);
    h.c("PASS guest@example.com");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(230);
    // alice may not: 530 in clear.
    h.c("USER alice");
    assert_eq!(h.event(), Event::LoggedOut);
    let (d, e) = h.decision();
    assert!(
        matches!(
            e,
            Event::User {
                anonymous: false,
                protected: false,
                ..
            }
        ),
        "{e:?}"
    );
    h.session.require_tls(d).unwrap();
    h.drain();
    h.s(530);
    h.c("PASS secret");
    h.s(503);
    // After AUTH TLS the same answer lets her in.
    h.auth_tls();
    h.c("USER alice");
    let (d, e) = h.decision();
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
    h.session.require_tls(d).unwrap();
    h.drain();
    h.s(331);
    h.c("PASS secret");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(230);
}

/// Policy 4, "AUTH before PBSZ before PROT" (RFC 4217 §9): 503 out of order.
#[test]
fn policy_auth_before_pbsz_before_prot() {
    let mut h = Harness::greeted(plain_config());
    h.c("PBSZ 0");
    h.s(503);
    h.c("PROT P");
    h.s(503);
    h.auth_tls();
    h.c("PROT P");
    h.s(503);
    h.c("PBSZ 0");
    assert_eq!(h.s(200), "PBSZ=0");
    h.c("PROT P");
    h.s(200);
    h.c("PROT S");
    h.s(536);
    h.c("PROT E");
    h.s(536);
}

/// Lenient mode lets PROT come without PBSZ (still after AUTH).
#[test]
fn lenient_pbsz() {
    let mut h = Harness::greeted(plain_config().with_strict_pbsz(false));
    h.c("PROT P");
    h.s(503);
    h.auth_tls();
    h.c("PROT P");
    h.s(200);
}

/// "Require only for credentials": USER refused in clear, anonymous allowed in clear.
#[test]
fn policy_required_for_credentials() {
    let mut h = Harness::greeted(
        Config::default()
            .with_control(ControlPolicy::RequiredForCredentials)
            .with_anonymous(true),
    );
    h.c("SYST");
    h.s(215);
    h.c("USER alice");
    h.s(530);
    h.c("USER ftp");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(331);
    h.auth_tls();
    h.login("alice");
}

/// Anonymous login off: refused without asking the application.
#[test]
fn anonymous_disabled() {
    let mut h = Harness::greeted(Config::default());
    h.c("USER anonymous");
    h.s(530);
    h.c("USER FTP");
    h.s(530);
    h.quiet();
}

/// Implicit FTPS: TLS first, then the greeting; AUTH is superfluous.
#[test]
fn implicit_tls() {
    let mut h = Harness::new(Config::default().with_control(ControlPolicy::Implicit));
    assert_eq!(
        h.action(),
        Output::StartTls {
            channel: Channel::Control,
            role: TlsRole::Server,
            resume_session: false
        }
    );
    h.quiet();
    // Plaintext before the handshake is discarded.
    h.raw(b"USER x\r\n");
    assert!(matches!(
        h.peer_error(),
        ftps_proto::server::PeerErrorKind::PlaintextAfterAuth { discarded: 8 }
    ));
    h.tls_ready(Channel::Control, TlsDetails::new());
    h.s(220);
    // RFC 2228 §3: AUTH on a protected connection is not accepted (534).
    h.c("AUTH TLS");
    h.s(534);
    h.c("FEAT");
    let feat = h.reply();
    assert!(!feat.lines().any(|l| l.starts_with(b" AUTH")));
    h.c("PBSZ 0");
    h.s(200);
    h.c("PROT P");
    h.s(200);
    h.login("alice");
}

/// TLS client-certificate login: USER answered 232 (RFC 2228 §4).
#[test]
fn certificate_login() {
    let mut h = Harness::greeted(Config::default().with_certificate_login(true));
    h.c("AUTH TLS");
    h.s(234);
    let _ = h.action();
    h.tls_ready(
        Channel::Control,
        TlsDetails::new().with_client_certificate(true),
    );
    h.c("USER alice");
    let (d, e) = h.decision();
    assert!(
        matches!(
            e,
            Event::User {
                client_certificate: true,
                ..
            }
        ),
        "{e:?}"
    );
    h.session.accept_certificate(d).unwrap();
    h.drain();
    h.s(232);
    h.c("PWD");
    let (d, _) = h.decision();
    h.session.accept_path(d, path("/home/alice")).unwrap();
    h.drain();
    assert_eq!(h.s(257), "\"/home/alice\" is the current directory");
}

/// Without a certificate, accept_certificate is a misuse and changes nothing.
#[test]
fn certificate_login_needs_a_certificate() {
    let mut h = Harness::greeted(Config::default().with_certificate_login(true));
    h.auth_tls();
    h.c("USER alice");
    let (d, e) = h.decision();
    assert!(matches!(
        e,
        Event::User {
            client_certificate: false,
            ..
        }
    ));
    assert!(matches!(
        h.session.accept_certificate(d),
        Err(ftps_proto::server::Misuse::WrongAnswer { .. })
    ));
    h.accept(d);
    h.s(331);
}

/// FEAT lists exactly what is enabled (RFC 2389 §3.2, RFC 4217 §6).
#[test]
fn feat_lists_what_is_enabled() {
    let mut h = Harness::greeted(Config::default());
    h.c("FEAT");
    let r = h.reply();
    let lines: Vec<String> = r
        .lines()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    assert_eq!(
        lines.first().map(String::as_str),
        Some("Extensions supported")
    );
    for f in [
        " AUTH TLS",
        " PBSZ",
        " PROT",
        " EPRT",
        " EPSV",
        " HOST",
        " MDTM",
        " MFMT",
        " MLST type*;size*;modify*;",
        " REST STREAM",
        " SIZE",
        " UTF8",
    ] {
        assert!(lines.iter().any(|l| l == f), "{f} missing in {lines:?}");
    }
    assert!(!lines.iter().any(|l| l == " CCC"), "{lines:?}");

    let mut h = Harness::greeted(
        Config::default()
            .with_ccc(true)
            .with_active(false)
            .with_utf8(false),
    );
    h.c("FEAT");
    let lines: Vec<String> = h
        .reply()
        .lines()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    assert!(lines.iter().any(|l| l == " CCC"));
    assert!(
        !lines.iter().any(|l| l == " EPRT" || l == " UTF8"),
        "{lines:?}"
    );
}

/// Bytes pipelined in clear behind AUTH TLS are discarded, never executed (RFC 4217 §4).
#[test]
fn plaintext_behind_auth_is_discarded() {
    let mut h = Harness::greeted(Config::default());
    h.raw(b"AUTH TLS\r\nUSER injected\r\nDELE x\r\n");
    h.s(234);
    assert!(matches!(
        h.peer_error(),
        ftps_proto::server::PeerErrorKind::PlaintextAfterAuth { discarded: 23 }
    ));
    assert!(matches!(
        h.action(),
        Output::StartTls {
            channel: Channel::Control,
            ..
        }
    ));
    h.quiet();
    h.tls_ready(Channel::Control, TlsDetails::new());
    h.quiet();
    h.c("NOOP");
    h.s(200);
}

/// A failed control handshake drops the connection without a reply (RFC 4217 §10.1).
#[test]
fn control_handshake_failure_closes() {
    let mut h = Harness::greeted(Config::default());
    h.c("AUTH TLS");
    h.s(234);
    let _ = h.action();
    h.session
        .handle_tls_failed(Channel::Control, h.now)
        .unwrap();
    h.drain();
    assert!(matches!(
        h.peer_error(),
        ftps_proto::server::PeerErrorKind::TlsFailed(Channel::Control)
    ));
    assert_eq!(h.action(), Output::Close);
    h.quiet();
}

/// CCC after login only; 200 then EndTls; PBSZ/PROT no longer accepted (RFC 4217 §5).
#[test]
fn ccc_after_login() {
    let mut h = Harness::greeted(Config::default().with_ccc(true));
    h.c("CCC");
    h.s(533);
    h.auth_tls();
    h.c("CCC");
    h.s(534);
    h.login("alice");
    h.prot_p();
    h.c("CCC");
    h.s(200);
    assert_eq!(
        h.action(),
        Output::EndTls {
            channel: Channel::Control
        }
    );
    assert!(!h.session.is_control_protected());
    assert!(h.session.is_data_protected());
    h.c("PROT C");
    h.s(503);
    h.c("PBSZ 0");
    h.s(503);
    // CCC disabled: 500 (RFC 4217 §5).
    let mut h = Harness::greeted(Config::default());
    h.auth_tls();
    h.login("alice");
    h.c("CCC");
    h.s(500);
}

/// REIN resets security (RFC 4217 §13): the 220 goes out protected, then TLS ends.
#[test]
fn rein_resets_security() {
    let mut h = Harness::greeted(plain_config());
    h.auth_tls();
    h.login("alice");
    h.prot_p();
    h.c("REIN");
    h.s(220);
    assert_eq!(h.event(), Event::LoggedOut);
    assert_eq!(
        h.action(),
        Output::EndTls {
            channel: Channel::Control
        }
    );
    assert!(!h.session.is_control_protected());
    assert!(!h.session.is_data_protected());
    h.c("PWD");
    h.s(530);
    h.c("PBSZ 0");
    h.s(503);
    // The virtual host is forgotten too (RFC 7151 §3.2.1): HOST is asked again.
    h.c("HOST ftp.example.com");
    assert!(matches!(h.decision().1, Event::Host { .. }));
}

/// OPTS MLST chooses the facts (RFC 3659 §7.9); FEAT marks the selection (§7.8).
#[test]
fn opts_mlst_selects_facts() {
    let mut h = Harness::greeted(
        plain_config().with_mlst_facts(text("type*;size*;modify*;perm;UNIX.mode;")),
    );
    assert_eq!(h.session.mlst_facts().as_bytes(), b"type;size;modify;");
    h.c("OPTS MLST Type;perm;bogus;unix.MODE;");
    assert_eq!(h.s(200), "MLST OPTS type;perm;UNIX.mode;");
    assert_eq!(h.session.mlst_facts().as_bytes(), b"type;perm;UNIX.mode;");
    h.c("FEAT");
    let r = h.reply();
    assert!(
        r.lines()
            .any(|l| l == b" MLST type*;size;modify;perm*;UNIX.mode*;"),
        "{r:?}"
    );
    // No facts: names only.
    h.c("OPTS MLST");
    assert_eq!(h.s(200), "MLST OPTS");
    assert_eq!(h.session.mlst_facts().as_bytes(), b"");
    h.c("OPTS MLST type");
    h.s(501);
}

/// HELP lists what this configuration serves; HELP <verb> answers for one verb.
#[test]
fn help_follows_the_configuration() {
    let mut h = Harness::greeted(plain_config());
    h.c("HELP");
    let r = h.reply();
    assert_eq!(r.code().value(), 214);
    let all: Vec<u8> = r
        .lines()
        .flat_map(|l| l.iter().copied().chain([b' ']))
        .collect();
    let all = String::from_utf8(all).unwrap();
    assert!(
        all.contains("PORT") && all.contains("AUTH") && !all.contains("CCC"),
        "{all}"
    );
    h.c("HELP ccc");
    h.s(502);
    h.c("HELP stor");
    assert_eq!(h.s(214), "STOR is supported");
    let mut h = Harness::greeted(plain_config().with_ccc(true).with_active(false));
    h.c("HELP CCC");
    h.s(214);
    h.c("HELP PORT");
    h.s(502);
}

/// RFC 4217 §10.2: a client that sends PROT P after PASV works under "no unprotected data":
/// `PASV` / `227`, `PBSZ 0`, `PROT P`, `RETR` / `150`, then the data handshake.
#[test]
fn prot_after_pasv_is_served() {
    let mut h = Harness::greeted(Config::default());
    h.auth_tls();
    h.login("alice");
    h.pasv();
    h.prot_p();
    h.c("RETR x");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    assert!(matches!(
        h.action(),
        Output::StartTls {
            channel: Channel::Data,
            ..
        }
    ));
}

/// RFC 959 §5.4: PASS must follow the USER it answers; another command in between ends the
/// half-done login and PASS gets 503 (the application is not asked).
#[test]
fn pass_after_another_command_is_bad_sequence() {
    let mut h = Harness::greeted(plain_config());
    h.c("USER alice");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(331);
    h.c("NOOP");
    h.s(200);
    h.c("PASS secret");
    h.s(503);
    h.quiet();
    // HOST is still refused (a USER came before it, RFC 7151 §3).
    h.c("HOST 192.0.2.1");
    h.s(503);
    // A fresh USER (the half-done login ends) then PASS logs in.
    h.c("USER alice");
    assert_eq!(h.event(), Event::LoggedOut);
    let (d, _) = h.decision();
    h.accept(d);
    h.s(331);
    h.c("PASS secret");
    let (d, e) = h.decision();
    assert!(matches!(e, Event::Authenticate { .. }), "{e:?}");
    h.accept(d);
    h.s(230);
}

/// RFC 1123 §4.1.2.2: TYPE T is implemented as TYPE N: `TYPE A T` is 200 and ASCII.
#[test]
fn type_a_t_is_type_a_n() {
    let mut h = Harness::greeted(plain_config());
    h.login("alice");
    h.c("TYPE I");
    h.s(200);
    assert!(h.session.is_binary());
    h.c("TYPE A T");
    h.s(200);
    assert!(!h.session.is_binary());
    h.c("TYPE E");
    h.s(504);
}

/// RFC 2228 §3: an unknown PROT level (`PROT X`) is 504; a malformed argument stays 501.
#[test]
fn prot_unknown_level_is_504() {
    let mut h = Harness::greeted(Config::default());
    h.auth_tls();
    h.c("PBSZ 0");
    h.s(200);
    h.c("PROT X");
    h.s(504);
    h.c("PROT PP");
    h.s(501);
    h.c("PROT S");
    h.s(536);
}

/// RFC 2228 §3: a second AUTH on a protected control connection is 534 ("not willing to
/// accept"), and the session stays protected.
#[test]
fn second_auth_is_534() {
    let mut h = Harness::greeted(Config::default());
    h.auth_tls();
    h.c("AUTH TLS");
    h.s(534);
    h.quiet();
    assert!(h.session.is_control_protected());
    h.login("alice");
}

/// Losing the control connection during a transfer fails the transfer and ends the
/// session; nothing is sent.
#[test]
fn control_closed_fails_the_transfer() {
    let mut h = Harness::greeted(plain_config());
    h.login("alice");
    h.pasv();
    h.c("STOR up.bin");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(150);
    h.data_connected();
    h.start_transfer(d, Direction::Receive);
    h.session.handle_control_closed(h.now);
    h.drain();
    h.transfer_ended(d, 426, false);
    assert_eq!(h.action(), Output::CloseData);
    assert_eq!(h.action(), Output::Close);
    h.quiet();
    assert_eq!(h.session.state(), ftps_proto::server::State::Closed);
    // The application's late answer is not a success.
    assert!(h.session.transfer_done(d).is_ok());
    h.drain();
    h.quiet();
    // A second call does nothing.
    h.session.handle_control_closed(h.now);
    h.drain();
    h.quiet();
}

/// Losing the control connection while the application decides drops the decision.
#[test]
fn control_closed_while_deciding() {
    let mut h = Harness::greeted(plain_config());
    h.c("USER alice");
    let (d, _) = h.decision();
    h.session.handle_control_closed(h.now);
    h.drain();
    assert_eq!(h.action(), Output::Close);
    h.quiet();
    assert!(h.session.accept(d).is_err());
}

/// RFC 7151 §3: a HOST with a port is 501, an IP literal that is not the server's address
/// 504 (the harness's server is 192.0.2.1), an IPv6 literal needs brackets; the server's
/// own address and a domain name go to the application.
#[test]
fn host_refuses_ports_and_foreign_addresses() {
    let mut h = Harness::greeted(plain_config());
    for (line, code) in [
        ("HOST 192.0.2.1:2112", 501),
        ("HOST ftp.example.com:21", 501),
        ("HOST [2001:db8::c000:201]:2112", 501),
        ("HOST 2001:db8::1", 501),
        ("HOST not a name", 501),
        ("HOST 203.0.113.9", 504),
        ("HOST [2001:db8::c000:201]", 504),
    ] {
        h.c(line);
        h.s(code);
        h.quiet();
    }
    h.c("HOST 192.0.2.1");
    let (d, e) = h.decision();
    assert!(matches!(e, Event::Host { .. }), "{e:?}");
    h.accept(d);
    h.s(220);
    assert_eq!(
        h.session.host().map(|h| h.to_string()),
        Some("192.0.2.1".into())
    );
}

/// RFC 7151 §3: after AUTH TLS with a server name (SNI), HOST must match it (else 504);
/// the match is case-insensitive. The Authenticate event carries both, for the
/// application's decision.
#[test]
fn host_must_match_the_tls_server_name() {
    let mut h = Harness::greeted(Config::default());
    h.c("AUTH TLS");
    h.s(234);
    let _ = h.action();
    h.tls_ready(
        Channel::Control,
        TlsDetails::new().with_server_name(Some(text("ftp.example.com"))),
    );
    assert_eq!(
        h.session.tls_server_name().map(|t| t.as_bytes().to_vec()),
        Some(b"ftp.example.com".to_vec())
    );
    h.c("HOST other.example.com");
    h.s(504);
    h.quiet();
    h.c("HOST FTP.Example.com");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(220);
    h.c("USER alice");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(331);
    h.c("PASS secret");
    match h.event() {
        Event::Authenticate {
            host, server_name, ..
        } => {
            assert_eq!(host, Some(text("FTP.Example.com")));
            assert_eq!(server_name, Some(text("ftp.example.com")));
        }
        other => panic!("{other:?}"),
    }
}

/// RFC 7151 §3: a HOST sent before AUTH TLS that the handshake's server name contradicts
/// ends the session (421, protected) before any command is read.
#[test]
fn host_before_auth_contradicted_by_the_server_name_closes() {
    let mut h = Harness::greeted(Config::default());
    h.c("HOST ftp.example.com");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(220);
    h.c("AUTH TLS");
    h.s(234);
    let _ = h.action();
    h.tls_ready(
        Channel::Control,
        TlsDetails::new().with_server_name(Some(text("evil.example.net"))),
    );
    h.s(421);
    assert_eq!(h.action(), Output::Close);
    h.quiet();
}

/// RFC 2640 §4: FEAT lists the languages (`*` on the one in use); `LANG` without a tag is
/// the default, a tag offered (any case) or its primary tag is 200, a malformed tag 501, an
/// unknown one 504; HOST and REIN go back to the default.
#[test]
fn lang_negotiates_among_the_configured_languages() {
    use ftps_proto::types::LanguageTag;
    let langs = vec![
        LanguageTag::english(),
        LanguageTag::try_from("fr").unwrap(),
        LanguageTag::try_from("de-CH").unwrap(),
    ];
    let mut h = Harness::greeted(plain_config().with_languages(langs));
    let feat_lang = |h: &mut Harness| {
        h.c("FEAT");
        let feat = h.reply();
        feat.lines()
            .find(|l| l.starts_with(b" LANG "))
            .map(|l| String::from_utf8_lossy(l).into_owned())
    };
    assert_eq!(feat_lang(&mut h).as_deref(), Some(" LANG EN*;fr;de-CH"));
    h.c("LANG FR");
    assert_eq!(h.s(200), "Language set to fr");
    assert_eq!(h.session.language().as_text().as_bytes(), b"fr");
    assert_eq!(feat_lang(&mut h).as_deref(), Some(" LANG EN;fr*;de-CH"));
    // en-AU: primary tag EN is offered.
    h.c("LANG en-AU");
    assert_eq!(h.s(200), "Language set to EN");
    h.c("LANG de");
    assert_eq!(h.s(200), "Language set to de-CH");
    h.c("LANG ja");
    h.s(504);
    h.c("LANG en_US");
    h.s(501);
    h.c("LANG");
    assert_eq!(h.s(200), "Language set to EN");
    h.c("LANG fr");
    h.s(200);
    h.c("HOST 192.0.2.1");
    let (d, _) = h.decision();
    h.accept(d);
    h.s(220);
    assert_eq!(h.session.language(), LanguageTag::english());
    h.c("LANG fr");
    h.s(200);
    h.c("REIN");
    h.s(220);
    assert_eq!(h.session.language(), LanguageTag::english());
    // No languages: LANG is not implemented and FEAT says nothing.
    let mut h = Harness::greeted(plain_config().with_languages(vec![]));
    h.c("LANG");
    h.s(502);
    assert_eq!(feat_lang(&mut h), None);
}

/// RFC 2640 §3.1: a CR inside a path name arrives as `CR NUL` and reaches the application
/// as the CR; the path echoed in a reply shows it as a space (a reply line cannot hold it).
#[test]
fn cr_nul_in_a_pathname_is_a_cr() {
    let mut h = Harness::greeted(plain_config());
    h.login("alice");
    h.raw(b"DELE a\r\0b\r\n");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::Delete {
            decision: d,
            path: ftps_proto::types::Pathname::new(&b"a\rb"[..]).unwrap()
        }
    );
    h.accept(d);
    h.s(250);
    h.raw(b"MKD x\r\0\r\n");
    let (d, _) = h.decision();
    h.session
        .accept_path(d, ftps_proto::types::Pathname::new(&b"/x\r"[..]).unwrap())
        .unwrap();
    h.drain();
    assert_eq!(h.s(257), "\"/x \" created");
    // Outside a path name a CR stays refused.
    h.raw(b"SITE a\r\0b\r\n");
    h.s(501);
}

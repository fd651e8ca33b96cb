//! Table tests of `server::Session`: every command × relevant state × policy → the exact
//! reply code (RFC 959 §5.4, RFC 2228 §8.2, RFC 4217, RFC 2428, RFC 3659, RFC 7151), or the
//! question asked of the application. Plus the IIS-style control × data policy matrix.

mod server_harness;

use ftps_proto::server::{Config, ControlPolicy, DataPolicy, Event, Output};
use ftps_proto::types::Channel;
use server_harness::*;

#[derive(Clone, Copy, Debug)]
enum Setup {
    /// Greeted, clear, not logged in.
    Fresh,
    /// USER accepted, waiting for PASS.
    NeedPassword,
    /// Logged in, clear.
    LoggedIn,
    /// AUTH TLS done, not logged in.
    Protected,
    /// AUTH TLS, PBSZ 0 done, not logged in.
    ProtectedPbsz,
    /// AUTH TLS, logged in.
    ProtectedLoggedIn,
}

/// What the session did first about the command.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// A reply with this code.
    Code(u16),
    /// A question to the application (the event's name).
    Asks(&'static str),
    /// A passive listener.
    Listen,
}
use Outcome::{Asks, Code, Listen};

fn setup(config: Config, s: Setup) -> Harness {
    let mut h = Harness::greeted(config);
    match s {
        Setup::Fresh => {}
        Setup::NeedPassword => {
            h.c("USER alice");
            let (d, _) = h.decision();
            h.accept(d);
            h.s(331);
        }
        Setup::LoggedIn => h.login("alice"),
        Setup::Protected => h.auth_tls(),
        Setup::ProtectedPbsz => {
            h.auth_tls();
            h.c("PBSZ 0");
            h.s(200);
        }
        Setup::ProtectedLoggedIn => {
            h.auth_tls();
            h.login("alice");
        }
    }
    h.quiet();
    h
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Host { .. } => "Host",
        Event::User { .. } => "User",
        Event::Authenticate { .. } => "Authenticate",
        Event::ChangeDirectory { .. } => "ChangeDirectory",
        Event::ChangeToParent { .. } => "ChangeToParent",
        Event::PrintDirectory { .. } => "PrintDirectory",
        Event::MakeDirectory { .. } => "MakeDirectory",
        Event::RemoveDirectory { .. } => "RemoveDirectory",
        Event::Delete { .. } => "Delete",
        Event::RenameFrom { .. } => "RenameFrom",
        Event::Rename { .. } => "Rename",
        Event::Size { .. } => "Size",
        Event::ModificationTime { .. } => "ModificationTime",
        Event::SetModificationTime { .. } => "SetModificationTime",
        Event::Site { .. } => "Site",
        Event::Status { .. } => "Status",
        Event::MachineList { .. } => "MachineList",
        Event::Retrieve { .. } => "Retrieve",
        Event::Store { .. } => "Store",
        Event::Append { .. } => "Append",
        Event::StoreUnique { .. } => "StoreUnique",
        Event::List { .. } => "List",
        Event::NameList { .. } => "NameList",
        Event::MachineListDirectory { .. } => "MachineListDirectory",
        other => panic!("not a question: {other:?}"),
    }
}

fn run(config: &Config, s: Setup, cmd: &str) -> Outcome {
    let mut h = setup(config.clone(), s);
    h.c(cmd);
    loop {
        match h.items.pop_front() {
            Some(Item::Reply(r)) => return Code(r.code().value()),
            Some(Item::Action(Output::Event(Event::LoggedOut | Event::PeerError(_)))) => {}
            Some(Item::Action(Output::Event(e))) => return Asks(event_name(&e)),
            Some(Item::Action(Output::ListenData { .. })) => return Listen,
            Some(Item::Action(Output::CloseData)) => {}
            other => panic!("{cmd}: unexpected {other:?}"),
        }
    }
}

fn check(config: Config, rows: &[(Setup, &str, Outcome)]) {
    let mut failures = Vec::new();
    for (s, cmd, want) in rows {
        let got = run(&config, *s, cmd);
        if &got != want {
            failures.push(format!("{s:?} C: {cmd} -> {got:?}, want {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const PORT: &str = "PORT 198,51,100,7,195,80";
const EPRT: &str = "EPRT |1|198.51.100.7|50000|";
const MFMT: &str = "MFMT 20240102030405 a.txt";

/// RFC 959 §5.4 before login: access-control commands work, everything else is 530.
#[test]
fn not_logged_in() {
    use Setup::Fresh as F;
    check(
        plain_config(),
        &[
            (F, "USER alice", Asks("User")),
            (F, "PASS x", Code(503)),
            (F, "ACCT x", Code(503)),
            (F, "CWD /", Code(530)),
            (F, "XCWD /", Code(530)),
            (F, "CDUP", Code(530)),
            (F, "XCUP", Code(530)),
            (F, "PWD", Code(530)),
            (F, "XPWD", Code(530)),
            (F, "MKD a", Code(530)),
            (F, "XMKD a", Code(530)),
            (F, "RMD a", Code(530)),
            (F, "XRMD a", Code(530)),
            (F, "DELE a", Code(530)),
            (F, "RNFR a", Code(530)),
            (F, "RNTO a", Code(530)),
            (F, "SIZE a", Code(530)),
            (F, "MDTM a", Code(530)),
            (F, MFMT, Code(530)),
            (F, "MLST", Code(530)),
            (F, "MLSD", Code(530)),
            (F, "LIST", Code(530)),
            (F, "NLST", Code(530)),
            (F, "RETR a", Code(530)),
            (F, "STOR a", Code(530)),
            (F, "APPE a", Code(530)),
            (F, "STOU", Code(530)),
            (F, "REST 10", Code(530)),
            (F, "TYPE I", Code(530)),
            (F, "MODE S", Code(530)),
            (F, "STRU F", Code(530)),
            (F, "PASV", Code(530)),
            (F, "EPSV", Code(530)),
            (F, PORT, Code(530)),
            (F, EPRT, Code(530)),
            (F, "ALLO 10", Code(530)),
            (F, "SITE CHMOD 600 a", Code(530)),
            (F, "STAT /", Code(530)),
            (F, "STAT", Code(211)),
            (F, "SMNT /", Code(502)),
            (F, "SYST", Code(215)),
            (F, "NOOP", Code(200)),
            (F, "HELP", Code(214)),
            (F, "HELP retr", Code(214)),
            (F, "HELP BOGUS", Code(502)),
            (F, "FEAT", Code(211)),
            (F, "FEAT x", Code(501)),
            (F, "HOST", Code(501)),
            (F, "OPTS UTF8 ON", Code(200)),
            (F, "OPTS UTF8 OFF", Code(200)),
            (F, "OPTS UTF8 MAYBE", Code(501)),
            (F, "OPTS MODE Z", Code(501)),
            (F, "AUTH TLS", Code(234)),
            (F, "AUTH tls", Code(234)),
            (F, "AUTH TLS-C", Code(234)),
            (F, "AUTH SSL", Code(234)),
            (F, "AUTH GSSAPI", Code(504)),
            (F, "PBSZ 0", Code(503)),
            (F, "PROT P", Code(503)),
            (F, "CCC", Code(500)),
            (F, "ADAT aGVsbG8=", Code(502)),
            (F, "MIC aGVsbG8=", Code(502)),
            (F, "CONF aGVsbG8=", Code(502)),
            (F, "ENC aGVsbG8=", Code(502)),
            (F, "LANG en", Code(502)),
            (F, "HOST ftp.example.com", Asks("Host")),
            (F, "ABOR", Code(226)),
            (F, "REIN", Code(220)),
            (F, "QUIT", Code(221)),
            (F, "XYZZY", Code(502)),
            (F, "", Code(500)),
            (F, " RETR", Code(500)),
        ],
    );
}

/// Between USER and PASS.
#[test]
fn need_password() {
    use Setup::NeedPassword as N;
    check(
        plain_config(),
        &[
            (N, "PASS secret", Asks("Authenticate")),
            (N, "PASS", Asks("Authenticate")),
            (N, "ACCT x", Code(503)),
            (N, "USER bob", Asks("User")),
            (N, "HOST ftp.example.com", Code(503)),
            (N, "PWD", Code(530)),
            (N, "RETR a", Code(530)),
        ],
    );
}

/// RFC 959 §5.4 after login, clear control connection.
#[test]
fn logged_in() {
    use Setup::LoggedIn as L;
    check(
        plain_config(),
        &[
            (L, "USER bob", Asks("User")),
            (L, "PASS x", Code(202)),
            (L, "ACCT x", Code(202)),
            (L, "CWD /pub", Asks("ChangeDirectory")),
            (L, "XCWD /pub", Asks("ChangeDirectory")),
            (L, "CDUP", Asks("ChangeToParent")),
            (L, "XCUP", Asks("ChangeToParent")),
            (L, "PWD", Asks("PrintDirectory")),
            (L, "XPWD", Asks("PrintDirectory")),
            (L, "MKD a", Asks("MakeDirectory")),
            (L, "XMKD a", Asks("MakeDirectory")),
            (L, "RMD a", Asks("RemoveDirectory")),
            (L, "XRMD a", Asks("RemoveDirectory")),
            (L, "DELE a", Asks("Delete")),
            (L, "RNFR a", Asks("RenameFrom")),
            (L, "RNTO b", Code(503)),
            (L, "SIZE a", Asks("Size")),
            (L, "MDTM a", Asks("ModificationTime")),
            (L, MFMT, Asks("SetModificationTime")),
            (L, "MLST", Asks("MachineList")),
            (L, "MLST a", Asks("MachineList")),
            (L, "SITE CHMOD 600 a", Asks("Site")),
            (L, "STAT /pub", Asks("Status")),
            (L, "STAT", Code(211)),
            (L, "TYPE I", Code(200)),
            (L, "TYPE A", Code(200)),
            (L, "TYPE A N", Code(200)),
            (L, "TYPE L 8", Code(200)),
            (L, "TYPE E", Code(504)),
            (L, "TYPE A T", Code(504)),
            (L, "TYPE A C", Code(504)),
            (L, "TYPE L 7", Code(504)),
            (L, "TYPE X", Code(501)),
            (L, "TYPE", Code(501)),
            (L, "MODE S", Code(200)),
            (L, "MODE B", Code(504)),
            (L, "MODE C", Code(504)),
            (L, "MODE Z", Code(501)),
            (L, "STRU F", Code(200)),
            (L, "STRU R", Code(504)),
            (L, "STRU P", Code(504)),
            (L, "ALLO 1000", Code(202)),
            (L, "ALLO 1000 R 100", Code(202)),
            (L, "REST 100", Code(350)),
            (L, "REST x", Code(501)),
            (L, "RETR a", Code(425)),
            (L, "STOR a", Code(425)),
            (L, "RETR", Code(501)),
            (L, "PASV", Listen),
            (L, "EPSV", Listen),
            (L, "EPSV 1", Listen),
            (L, "EPSV 2", Code(522)),
            (L, "EPSV ALL", Code(200)),
            (L, PORT, Code(200)),
            (L, EPRT, Code(200)),
            (L, "PORT 1,2,3", Code(501)),
            (L, "HOST ftp.example.com", Code(503)),
            (L, "CCC", Code(500)),
            (L, "PBSZ 0", Code(503)),
            (L, "PROT C", Code(503)),
            (L, "AUTH TLS", Code(234)),
            (L, "REIN", Code(220)),
            (L, "NOOP", Code(200)),
            (L, "SYST", Code(215)),
            (L, "XYZZY", Code(502)),
        ],
    );
}

/// RFC 4217 §§4–9 on a protected control connection.
#[test]
fn protected() {
    use Setup::{Protected as P, ProtectedLoggedIn as PL, ProtectedPbsz as PB};
    check(
        plain_config(),
        &[
            (P, "AUTH TLS", Code(503)),
            (P, "PBSZ 0", Code(200)),
            (P, "PBSZ 1024", Code(200)),
            (P, "PROT P", Code(503)),
            (P, "CCC", Code(500)),
            (P, "USER alice", Asks("User")),
            (PB, "PROT P", Code(200)),
            (PB, "PROT C", Code(200)),
            (PB, "PROT S", Code(536)),
            (PB, "PROT E", Code(536)),
            (PB, "PROT X", Code(501)),
            (PL, "PWD", Asks("PrintDirectory")),
            (PL, "PASV", Listen),
        ],
    );
    let ccc = plain_config().with_ccc(true);
    check(
        ccc.clone(),
        &[(P, "CCC", Code(534)), (Setup::Fresh, "CCC", Code(533))],
    );
}

/// "No unprotected commands": 530 for login commands, 533 for the rest, before AUTH.
#[test]
fn control_required() {
    use Setup::Fresh as F;
    check(
        Config::default().with_control(ControlPolicy::Required),
        &[
            (F, "USER alice", Code(530)),
            (F, "PASS x", Code(530)),
            (F, "ACCT x", Code(530)),
            (F, "SYST", Code(533)),
            (F, "NOOP", Code(533)),
            (F, "PBSZ 0", Code(533)),
            (F, "PASV", Code(533)),
            (F, "REIN", Code(533)),
            (F, "XYZZY", Code(533)),
            (F, "FEAT", Code(211)),
            (F, "HOST ftp.example.com", Asks("Host")),
            (F, "AUTH TLS", Code(234)),
            (F, "QUIT", Code(221)),
            (Setup::Protected, "USER alice", Asks("User")),
            (Setup::Protected, "SYST", Code(215)),
        ],
    );
}

/// "Require only for credentials": USER refused in clear; other commands served.
#[test]
fn control_required_for_credentials() {
    use Setup::Fresh as F;
    check(
        Config::default()
            .with_control(ControlPolicy::RequiredForCredentials)
            .with_anonymous(true),
        &[
            (F, "USER alice", Code(530)),
            (F, "USER anonymous", Asks("User")),
            (F, "SYST", Code(215)),
            (F, "FEAT", Code(211)),
            (Setup::Protected, "USER alice", Asks("User")),
        ],
    );
}

/// "No unprotected data" and "data protection denied".
#[test]
fn data_policies() {
    use Setup::ProtectedLoggedIn as PL;
    check(
        Config::default().with_data(DataPolicy::Required),
        &[
            (PL, "PASV", Code(534)),
            (PL, "EPSV", Code(534)),
            (PL, PORT, Code(534)),
            (PL, EPRT, Code(534)),
            (PL, "RETR a", Code(521)),
            (PL, "STOR a", Code(521)),
            (PL, "APPE a", Code(521)),
            (PL, "STOU", Code(521)),
            (PL, "LIST", Code(521)),
            (PL, "NLST", Code(521)),
            (PL, "MLSD", Code(521)),
            (PL, "PWD", Asks("PrintDirectory")),
        ],
    );
    check(
        Config::default().with_data(DataPolicy::Denied),
        &[
            (Setup::ProtectedPbsz, "PROT P", Code(534)),
            (Setup::ProtectedPbsz, "PROT C", Code(200)),
            (PL, "PASV", Listen),
        ],
    );
}

/// The answers the session formats from the application's decisions.
#[test]
fn decision_replies() {
    let mut h = setup(plain_config(), Setup::LoggedIn);
    let ask = |h: &mut Harness, cmd: &str| {
        h.c(cmd);
        h.decision().0
    };
    let d = ask(&mut h, "CWD /pub");
    h.accept(d);
    h.s(250);
    let d = ask(&mut h, "CDUP");
    h.accept(d);
    h.s(200);
    let d = ask(&mut h, "MKD new");
    h.session.accept_path(d, path("/pub/new")).unwrap();
    h.drain();
    assert_eq!(h.s(257), "\"/pub/new\" created");
    let d = ask(&mut h, "RMD old");
    h.accept(d);
    h.s(250);
    let d = ask(&mut h, "DELE f");
    h.reject(d, 550, "No such file");
    assert_eq!(h.s(550), "No such file");
    let d = ask(&mut h, "SIZE f");
    h.session.accept_size(d, 123_456).unwrap();
    h.drain();
    assert_eq!(h.s(213), "123456");
    let d = ask(&mut h, "MDTM f");
    let t = ftps_proto::types::Timestamp::new(2024, 1, 2, 3, 4, 5).unwrap();
    h.session.accept_time(d, t).unwrap();
    h.drain();
    assert_eq!(h.s(213), "20240102030405");
    let d = ask(&mut h, MFMT);
    h.accept(d);
    assert_eq!(h.s(213), "Modify=20240102030405; a.txt");
    let d = ask(&mut h, "MLST f");
    h.session
        .accept_facts(d, text("type=file;size=12; /pub/f"))
        .unwrap();
    h.drain();
    let r = h.reply();
    assert_eq!(r.code().value(), 250);
    assert!(
        r.lines().any(|l| l == b" type=file;size=12; /pub/f"),
        "{r:?}"
    );
    let d = ask(&mut h, "SITE HELP");
    h.session
        .accept_lines(d, &[text("CHMOD"), text("UMASK")])
        .unwrap();
    h.drain();
    let r = h.reply();
    assert_eq!(r.code().value(), 200);
    assert!(r.lines().any(|l| l == b" UMASK"));
    // STAT of a directory: 212 "Directory status"; of a file: 213 "File status" (RFC 959
    // §4.2). Only STAT takes the directory answer.
    let d = ask(&mut h, "STAT pub");
    h.session
        .accept_directory_status(d, &[text("a"), text("b")])
        .unwrap();
    h.drain();
    let r = h.reply();
    assert_eq!(r.code().value(), 212);
    assert!(r.lines().any(|l| l == b" b"), "{r:?}");
    let d = ask(&mut h, "STAT pub/a");
    h.session.accept_lines(d, &[text("-rw-r--r-- a")]).unwrap();
    h.drain();
    assert_eq!(h.s(213), "-rw-r--r-- a");
    let d = ask(&mut h, "SITE HELP");
    assert!(h.session.accept_directory_status(d, &[]).is_err());
    h.session.accept_lines(d, &[]).unwrap();
    h.drain();
    assert_eq!(h.s(200), "OK");
    // RNFR then RNTO pairs; anything between breaks the pair (RFC 959 §4.1.3).
    let d = ask(&mut h, "RNFR a");
    h.accept(d);
    h.s(350);
    h.c("RNTO b");
    let (d, e) = h.decision();
    assert_eq!(
        e,
        Event::Rename {
            decision: d,
            from: path("a"),
            to: path("b")
        }
    );
    h.accept(d);
    h.s(250);
    let d = ask(&mut h, "RNFR a");
    h.accept(d);
    h.s(350);
    h.c("NOOP");
    h.s(200);
    h.c("RNTO b");
    h.s(503);
    // HOST accepted before USER (RFC 7151).
    let mut h = setup(plain_config(), Setup::Fresh);
    let d = ask(&mut h, "HOST ftp.example.com");
    h.accept(d);
    h.s(220);
    let d = ask(&mut h, "HOST other.example.com");
    h.reject(d, 504, "Unknown host");
    h.s(504);
}

fn transfer_works(h: &mut Harness, protected: bool) -> Result<(), u16> {
    let step = |h: &mut Harness, cmd: &str, want: u16| -> Result<(), u16> {
        h.c(cmd);
        let got = loop {
            match h.items.pop_front() {
                Some(Item::Reply(r)) => break r.code().value(),
                Some(Item::Action(Output::Event(Event::LoggedOut))) => {}
                Some(Item::Action(Output::ListenData { .. })) => {
                    h.session
                        .handle_data_listening("192.0.2.1:50001".parse().unwrap(), h.now)
                        .unwrap();
                    h.drain();
                }
                Some(Item::Action(Output::Event(e))) => {
                    let d = e.decision().unwrap();
                    h.accept(d);
                }
                other => panic!("{cmd}: {other:?}"),
            }
        };
        if got == want {
            Ok(())
        } else {
            Err(got)
        }
    };
    step(h, "PASV", 227)?;
    step(h, "RETR a", 150)?;
    h.data_connected();
    if protected {
        assert!(matches!(
            h.action(),
            Output::StartTls {
                channel: Channel::Data,
                ..
            }
        ));
        h.tls_ready(
            Channel::Data,
            ftps_proto::server::TlsDetails::new().with_resumed(true),
        );
    }
    assert!(matches!(h.action(), Output::StartTransfer { .. }));
    Ok(())
}

/// How far a client script got: `Ok` when the transfer started, else the refusing code.
type Outcomes = Result<(), u16>;

/// A client script: log in and fetch a file, with or without TLS on each channel.
fn script(config: Config, auth: bool, prot_p: Option<bool>) -> Result<(), u16> {
    let mut h = Harness::greeted(config);
    let expect = |h: &mut Harness, cmd: &str, want: u16| -> Result<(), u16> {
        h.c(cmd);
        loop {
            match h.items.pop_front() {
                Some(Item::Reply(r)) if r.code().value() == want => {
                    if let Some(Item::Action(Output::StartTls {
                        channel: Channel::Control,
                        ..
                    })) = h.items.front()
                    {
                        h.items.pop_front();
                        h.tls_ready(Channel::Control, ftps_proto::server::TlsDetails::new());
                    }
                    return Ok(());
                }
                Some(Item::Reply(r)) => return Err(r.code().value()),
                Some(Item::Action(Output::Event(e))) => {
                    if let Some(d) = e.decision() {
                        h.accept(d);
                    }
                }
                Some(Item::Action(Output::StartTls {
                    channel: Channel::Control,
                    ..
                })) => {
                    h.tls_ready(Channel::Control, ftps_proto::server::TlsDetails::new());
                }
                other => panic!("{cmd}: {other:?}"),
            }
        }
    };
    if auth {
        expect(&mut h, "AUTH TLS", 234)?;
    }
    expect(&mut h, "USER alice", 331)?;
    expect(&mut h, "PASS secret", 230)?;
    if let Some(p) = prot_p {
        expect(&mut h, "PBSZ 0", 200)?;
        expect(&mut h, if p { "PROT P" } else { "PROT C" }, 200)?;
    }
    transfer_works(&mut h, prot_p == Some(true))
}

/// The IIS-style matrix: control {Allow, Require only for credentials, Require} × data
/// {Allow, Require, Deny}, against three clients: all clear; TLS on both; TLS on control only.
/// Each cell says which step fails with which code (`Ok` = the transfer starts).
#[test]
fn iis_control_by_data_matrix() {
    use ControlPolicy::{Optional as CA, Required as CR, RequiredForCredentials as CC};
    use DataPolicy::{Denied as DD, Optional as DA, Required as DR};
    #[rustfmt::skip]
    let rows: [(ControlPolicy, DataPolicy, [Outcomes; 3]); 9] = [
        //           all clear   TLS both    TLS control only
        (CA, DA, [Ok(()),    Ok(()),    Ok(())]),
        (CA, DR, [Err(534),  Ok(()),    Err(534)]),
        (CA, DD, [Ok(()),    Err(534),  Ok(())]),
        (CC, DA, [Err(530),  Ok(()),    Ok(())]),
        (CC, DR, [Err(530),  Ok(()),    Err(534)]),
        (CC, DD, [Err(530),  Err(534),  Ok(())]),
        (CR, DA, [Err(530),  Ok(()),    Ok(())]),
        (CR, DR, [Err(530),  Ok(()),    Err(534)]),
        (CR, DD, [Err(530),  Err(534),  Ok(())]),
    ];
    for (control, data, want) in rows {
        let config = Config::default().with_control(control).with_data(data);
        let got = [
            script(config.clone(), false, None),
            script(config.clone(), true, Some(true)),
            script(config.clone(), true, Some(false)),
        ];
        assert_eq!(got, want, "control {control:?} × data {data:?}");
    }
}

//! One-reply command transcripts: CWD, CDUP, PWD, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM,
//! MLST, FEAT, SITE, NOOP, TYPE and raw commands, with their refusals.

mod client_support;

use client_support::*;
use ftps_proto::client::{Config, Error, ErrorKind, Event, Failure, RequestId, Response, State};
use ftps_proto::codec::Command;
use ftps_proto::types::{Text, TransferType, Verb};

fn ready() -> Transcript {
    Transcript::logged_in_plain(Config::default())
}

#[test]
fn pwd_and_mkd_return_the_quoted_path() {
    let mut t = ready();
    let id = t.client.pwd(t.now).unwrap();
    t.drain();
    t.c("PWD");
    t.s("257 \"/home/a \"\"quoted\"\"\" is the current directory");
    match t.completed(id) {
        Ok(Response::Path(Some(p))) => assert_eq!(p.as_bytes(), b"/home/a \"quoted\""),
        other => panic!("{other:?}"),
    }
    let id = t.client.mkdir(path("new"), t.now).unwrap();
    t.drain();
    t.c("MKD new");
    t.s("257 \"/home/new\" created");
    assert!(matches!(t.completed(id), Ok(Response::Path(Some(_)))));
    // A 250 to MKD (some servers): done, without a name.
    let id = t.client.mkdir(path("x"), t.now).unwrap();
    t.drain();
    t.c("MKD x");
    t.s("250 ok");
    assert_eq!(t.completed(id), Ok(Response::Path(None)));
}

#[test]
fn cwd_cdup_rmd_dele_site_noop_type() {
    let mut t = ready();
    type Request = Box<dyn Fn(&mut Transcript) -> Result<RequestId, Error>>;
    let cases: Vec<(&str, Request, &str)> = vec![
        (
            "CWD /pub",
            Box::new(|t: &mut Transcript| t.client.cwd(path("/pub"), t.now)),
            "250 ok",
        ),
        (
            "CDUP",
            Box::new(|t: &mut Transcript| t.client.cdup(t.now)),
            "200 ok",
        ),
        (
            "RMD d",
            Box::new(|t: &mut Transcript| t.client.rmdir(path("d"), t.now)),
            "250 ok",
        ),
        (
            "DELE f",
            Box::new(|t: &mut Transcript| t.client.delete(path("f"), t.now)),
            "250 ok",
        ),
        (
            "SITE CHMOD 644 f",
            Box::new(|t: &mut Transcript| {
                t.client.site(Text::try_from("CHMOD 644 f").unwrap(), t.now)
            }),
            "200 SITE CHMOD command ok.",
        ),
        (
            "NOOP",
            Box::new(|t: &mut Transcript| t.client.noop(t.now)),
            "200 NOOP ok.",
        ),
        (
            "TYPE A",
            Box::new(|t: &mut Transcript| t.client.set_type(TransferType::Ascii(None), t.now)),
            "200 Switching to ASCII mode.",
        ),
    ];
    for (line, request, reply) in cases {
        let id = request(&mut t).unwrap();
        t.drain();
        t.c(line);
        t.s(reply);
        assert!(matches!(t.completed(id), Ok(Response::Done(_))), "{line}");
        t.quiet();
    }
}

#[test]
fn cwd_550_is_a_refusal_and_the_session_goes_on() {
    let mut t = ready();
    let id = t.client.cwd(path("/nope"), t.now).unwrap();
    t.drain();
    t.c("CWD /nope");
    t.s("550 Failed to change directory.");
    match t.completed(id) {
        Err(Failure::Refused(r)) => assert_eq!(r.code().value(), 550),
        other => panic!("{other:?}"),
    }
    assert_eq!(t.client.state(), State::Ready);
    t.client.noop(t.now).unwrap();
}

#[test]
fn rename_is_rnfr_then_rnto() {
    let mut t = ready();
    let id = t.client.rename(path("a"), path("b"), t.now).unwrap();
    t.drain();
    t.c("RNFR a");
    t.s("350 Ready for RNTO.");
    t.c("RNTO b");
    t.s("250 Rename successful.");
    assert!(matches!(t.completed(id), Ok(Response::Done(_))));
    let id = t.client.rename(path("a"), path("b"), t.now).unwrap();
    t.drain();
    t.c("RNFR a");
    t.s("550 RNFR command failed.");
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
    t.quiet();
}

#[test]
fn size_and_mdtm_are_parsed() {
    let mut t = ready();
    let id = t.client.size(path("f"), t.now).unwrap();
    t.drain();
    t.c("SIZE f");
    t.s("213 123456789");
    assert_eq!(t.completed(id), Ok(Response::Size(123_456_789)));
    let id = t.client.mdtm(path("f"), t.now).unwrap();
    t.drain();
    t.c("MDTM f");
    t.s("213 20240102030405");
    match t.completed(id) {
        Ok(Response::ModifyTime(ts)) => assert_eq!(ts.unix_seconds(), 1_704_164_645),
        other => panic!("{other:?}"),
    }
    let id = t.client.size(path("f"), t.now).unwrap();
    t.drain();
    t.c("SIZE f");
    t.s("213 not-a-number");
    assert!(matches!(t.completed(id), Err(Failure::Protocol(_))));
    assert_eq!(t.client.state(), State::Ready);
}

#[test]
fn mlst_returns_the_facts() {
    let mut t = ready();
    let id = t.client.mlst(Some(path("f.txt")), t.now).unwrap();
    t.drain();
    t.c("MLST f.txt");
    t.s("250-Listing f.txt\n type=file;size=42;modify=20240102030405; f.txt\n250 End");
    match t.completed(id) {
        Ok(Response::Facts(facts)) => assert_eq!(facts.size(), Some(42)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn feat_request_updates_features() {
    let mut t = ready();
    let id = t.client.feat(t.now).unwrap();
    t.drain();
    t.c("FEAT");
    t.s("211-Extensions supported:\n MLST size*;type*;\n REST STREAM\n211 END");
    match t.completed(id) {
        Ok(Response::Features(f)) => assert!(f.rest_stream()),
        other => panic!("{other:?}"),
    }
    assert!(t.client.features().rest_stream());
}

#[test]
fn raw_commands_return_any_final_reply_but_never_change_session_state() {
    let mut t = ready();
    let id = t.client.raw(Command::Syst, t.now).unwrap();
    t.drain();
    t.c("SYST");
    t.s("215 UNIX Type: L8");
    assert!(matches!(t.completed(id), Ok(Response::Done(r)) if r.code().value() == 215));
    let id = t.client.raw(Command::Help(None), t.now).unwrap();
    t.drain();
    t.c("HELP");
    t.s("502 no help");
    assert!(matches!(t.completed(id), Ok(Response::Done(r)) if r.code().value() == 502));
    for c in [
        Command::Pasv,
        Command::Rein,
        Command::Ccc,
        Command::Quit,
        Command::Abor,
    ] {
        assert_eq!(
            t.client.raw(c, t.now).unwrap_err().kind,
            ErrorKind::UseNamedRequest
        );
    }
    // Even disguised as an unknown verb.
    let sneaky = Command::Unknown {
        verb: Verb::try_from("auth").unwrap(),
        argument: Some(Text::try_from("TLS").unwrap()),
    };
    assert_eq!(
        t.client.raw(sneaky, t.now).unwrap_err().kind,
        ErrorKind::UseNamedRequest
    );
    t.drain();
    t.quiet();
}

#[test]
fn preliminary_reply_to_a_simple_command_is_tolerated() {
    let mut t = ready();
    let id = t.client.delete(path("f"), t.now).unwrap();
    t.drain();
    t.c("DELE f");
    t.s("150 hmm");
    t.quiet();
    t.s("250 deleted");
    assert!(t.completed(id).is_ok());
}

#[test]
fn unsolicited_replies_are_reported_then_bounded() {
    let mut t = ready();
    t.s("200 stray");
    assert!(matches!(t.event(), Event::Unsolicited(_)));
    for _ in 0..8 {
        t.s("200 stray");
    }
    let mut closed = false;
    while let Some(o) = t.pending.pop_front() {
        if let ftps_proto::client::Output::Event(Event::Closed(_)) = o {
            closed = true;
        }
    }
    assert!(closed);
    assert_eq!(t.client.state(), State::Closed);
}

#[test]
fn x_forms_after_500_or_502_as_rfc1123_says() {
    // RFC 1123 §4.1.3.1: a 500/502 to MKD, RMD, PWD, CDUP, CWD → try XMKD, XRMD, XPWD, XCUP,
    // XCWD; any other reply goes to the user.
    let mut t = ready();
    let id = t.client.mkdir(path("d"), t.now).unwrap();
    t.drain();
    t.c("MKD d");
    t.s("500 MKD not understood");
    t.c("XMKD d");
    t.s("257 \"/d\" created");
    assert!(matches!(t.completed(id), Ok(Response::Path(Some(_)))));
    let id = t.client.pwd(t.now).unwrap();
    t.drain();
    t.c("PWD");
    t.s("502 not implemented");
    t.c("XPWD");
    t.s("502 not implemented either");
    assert!(
        matches!(t.completed(id), Err(Failure::Refused(r)) if r.text() == b"not implemented either")
    );
    for (request, rfc, x) in [
        (0, "CWD d", "XCWD d"),
        (1, "CDUP", "XCUP"),
        (2, "RMD d", "XRMD d"),
    ] {
        let id = match request {
            0 => t.client.cwd(path("d"), t.now),
            1 => t.client.cdup(t.now),
            _ => t.client.rmdir(path("d"), t.now),
        }
        .unwrap();
        t.drain();
        t.c(rfc);
        t.s("500 unknown");
        t.c(x);
        t.s("250 ok");
        assert!(matches!(t.completed(id), Ok(Response::Done(_))));
    }
    // A 550 is the user's answer, not a reason to try the X form.
    let id = t.client.cwd(path("nope"), t.now).unwrap();
    t.drain();
    t.c("CWD nope");
    t.s("550 No such directory");
    assert!(matches!(t.completed(id), Err(Failure::Refused(_))));
    t.quiet();
}

/// `raw_unchecked` lets through a verb `raw` refuses (the caller insists), and 1yz replies
/// to a raw command are shown to the caller before its final reply.
#[test]
fn raw_unchecked_sends_any_verb_and_shows_preliminary_replies() {
    let mut t = ready();
    assert_eq!(
        t.client.raw(Command::Pasv, t.now).unwrap_err().kind,
        ErrorKind::UseNamedRequest
    );
    let id = t.client.raw_unchecked(Command::Pasv, t.now).unwrap();
    t.drain();
    t.c("PASV");
    t.s("227 Entering Passive Mode (192,0,2,1,195,80).");
    assert!(matches!(t.completed(id), Ok(Response::Done(r)) if r.code().value() == 227));
    let disguised = Command::Unknown {
        verb: Verb::try_from("XRETR").unwrap(),
        argument: Some(Text::try_from("f").unwrap()),
    };
    let id = t.client.raw_unchecked(disguised, t.now).unwrap();
    t.drain();
    t.c("XRETR f");
    t.s("150 Opening data connection.");
    match t.event() {
        Event::Preliminary { request, reply } => {
            assert_eq!(request, id);
            assert_eq!(reply.code().value(), 150);
        }
        other => panic!("{other:?}"),
    }
    t.quiet();
    t.s("425 No data connection.");
    assert!(matches!(t.completed(id), Ok(Response::Done(r)) if r.code().value() == 425));
    assert_eq!(t.client.state(), State::Ready);
    t.quiet();
}

//! Every example command line of the RFCs, decoded to the value the RFC means and re-encoded
//! to the same bytes (or to the documented canonical form: upper-case verb, `|` EPRT
//! delimiter and lower-case IPv6 text; see the documentation of `Command`).
//!
//! Each row names where the example stands. `C: ...` is what the client sends.

use std::net::{SocketAddr, SocketAddrV4};

use ftps_proto::codec::{decode_command, Command, CommandDecoder, CommandLine, Limits};
use ftps_proto::types::{
    Account, AllocSize, EpsvArgument, FormatControl, Mechanism, Mode, NetworkProtocol, Password,
    Pathname, Prot, Structure, Text, Timestamp, TransferType, Username,
};

fn path(s: &str) -> Pathname<'static> {
    Pathname::try_from(s.to_string()).unwrap()
}
fn text(s: &str) -> Text<'static> {
    Text::try_from(s.to_string()).unwrap()
}

/// (where, the line as in the RFC, the canonical re-encoding if it differs, the value).
fn examples() -> Vec<(
    &'static str,
    &'static str,
    Option<&'static str>,
    Command<'static>,
)> {
    vec![
        // --- RFC 959 ---
        (
            "RFC 959 §4.1.2 TYPE L 36",
            "TYPE L 36",
            None,
            Command::Type(TransferType::Local(36)),
        ),
        (
            "RFC 959 §5.3.1 TYPE A N",
            "TYPE A N",
            None,
            Command::Type(TransferType::Ascii(Some(FormatControl::NonPrint))),
        ),
        (
            "RFC 959 §5.1 MODE S",
            "MODE S",
            None,
            Command::Mode(Mode::Stream),
        ),
        (
            "RFC 959 §5.1 STRU F",
            "STRU F",
            None,
            Command::Stru(Structure::File),
        ),
        (
            "RFC 959 §5.1 STRU R",
            "STRU R",
            None,
            Command::Stru(Structure::Record),
        ),
        (
            "RFC 959 §5.1 TYPE E",
            "TYPE E",
            None,
            Command::Type(TransferType::Ebcdic(None)),
        ),
        (
            "RFC 959 App. II MKD MYDIR",
            "MKD MYDIR",
            None,
            Command::Mkd(path("MYDIR")),
        ),
        (
            "RFC 959 App. II CWD MYDIR",
            "CWD MYDIR",
            None,
            Command::Cwd(path("MYDIR")),
        ),
        (
            "RFC 959 App. II CWD /usr/dm",
            "CWD /usr/dm",
            None,
            Command::Cwd(path("/usr/dm")),
        ),
        (
            "RFC 959 App. II MKD foo\"bar",
            "MKD foo\"bar",
            None,
            Command::Mkd(path("foo\"bar")),
        ),
        (
            "RFC 959 App. II CWD /usr/dm/foo\"bar",
            "CWD /usr/dm/foo\"bar",
            None,
            Command::Cwd(path("/usr/dm/foo\"bar")),
        ),
        (
            "RFC 959 App. II MKD overrainbow",
            "MKD overrainbow",
            None,
            Command::Mkd(path("overrainbow")),
        ),
        ("RFC 959 App. II PWD", "PWD", None, Command::Pwd),
        ("RFC 959 App. II CDUP", "CDUP", None, Command::Cdup),
        (
            "RFC 959 App. II RMD",
            "RMD pathname",
            None,
            Command::Rmd(path("pathname")),
        ),
        (
            "RFC 959 §4.1.3 ALLO",
            "ALLO 1000 R 80",
            None,
            Command::Allo(AllocSize {
                size: 1000,
                record_size: Some(80),
            }),
        ),
        // --- RFC 1123 §4.1.3.1: the X-forms ---
        (
            "RFC 1123 §4.1.3.1 XMKD",
            "XMKD dir",
            None,
            Command::Xmkd(path("dir")),
        ),
        (
            "RFC 1123 §4.1.3.1 XRMD",
            "XRMD dir",
            None,
            Command::Xrmd(path("dir")),
        ),
        ("RFC 1123 §4.1.3.1 XPWD", "XPWD", None, Command::Xpwd),
        ("RFC 1123 §4.1.3.1 XCUP", "XCUP", None, Command::Xcup),
        (
            "RFC 1123 §4.1.3.1 XCWD",
            "XCWD dir",
            None,
            Command::Xcwd(path("dir")),
        ),
        // --- RFC 2228 ---
        (
            "RFC 2228 §3 PROT C",
            "PROT C",
            None,
            Command::Prot(Prot::Clear),
        ),
        (
            "RFC 2228 §3 PROT S",
            "PROT S",
            None,
            Command::Prot(Prot::Safe),
        ),
        (
            "RFC 2228 §3 PROT E",
            "PROT E",
            None,
            Command::Prot(Prot::Confidential),
        ),
        ("RFC 2228 §3 CCC", "CCC", None, Command::Ccc),
        (
            "RFC 2228 App. I AUTH GSSAPI",
            "AUTH GSSAPI",
            None,
            Command::Auth(Mechanism::try_from("GSSAPI").unwrap()),
        ),
        (
            "RFC 2228 §3 ADAT",
            "ADAT YIIBgQYJKoZIhvcSAQICAQBuggF",
            None,
            Command::Adat(text("YIIBgQYJKoZIhvcSAQICAQBuggF")),
        ),
        (
            "RFC 2228 §3 MIC",
            "MIC c2lnbmVk",
            None,
            Command::Mic(text("c2lnbmVk")),
        ),
        (
            "RFC 2228 §3 CONF",
            "CONF Y29uZg==",
            None,
            Command::Conf(text("Y29uZg==")),
        ),
        (
            "RFC 2228 §3 ENC",
            "ENC ZW5j",
            None,
            Command::Enc(text("ZW5j")),
        ),
        // --- RFC 2389 ---
        ("RFC 2389 §3 FEAT", "FEAT", None, Command::Feat),
        (
            "RFC 2389 §4 OPTS",
            "OPTS UTF8 ON",
            None,
            Command::Opts(text("UTF8 ON")),
        ),
        // --- RFC 2428 ---
        (
            "RFC 2428 §2 EPRT IPv4",
            "EPRT |1|132.235.1.2|6275|",
            None,
            Command::Eprt("132.235.1.2:6275".parse::<SocketAddr>().unwrap()),
        ),
        (
            "RFC 2428 §2 EPRT IPv6",
            "EPRT |2|1080::8:800:200C:417A|5282|",
            Some("EPRT |2|1080::8:800:200c:417a|5282|"),
            Command::Eprt(
                "[1080::8:800:200C:417A]:5282"
                    .parse::<SocketAddr>()
                    .unwrap(),
            ),
        ),
        ("RFC 2428 §3 EPSV", "EPSV", None, Command::Epsv(None)),
        (
            "RFC 2428 §3 EPSV <net-prt>",
            "EPSV 1",
            None,
            Command::Epsv(Some(EpsvArgument::Protocol(NetworkProtocol::IPV4))),
        ),
        (
            "RFC 2428 §3 EPSV <net-prt>",
            "EPSV 2",
            None,
            Command::Epsv(Some(EpsvArgument::Protocol(NetworkProtocol::IPV6))),
        ),
        (
            "RFC 2428 §4 EPSV ALL",
            "EPSV ALL",
            None,
            Command::Epsv(Some(EpsvArgument::All)),
        ),
        // --- RFC 2640 ---
        (
            "RFC 2640 §4.1 LANG fr",
            "LANG fr",
            None,
            Command::Lang(Some(text("fr"))),
        ),
        ("RFC 2640 §4.1 LANG", "LANG", None, Command::Lang(None)),
        // --- RFC 3659 ---
        (
            "RFC 3659 §3.4 MDTM A",
            "MDTM A",
            None,
            Command::Mdtm(path("A")),
        ),
        (
            "RFC 3659 §3.4 mdtm file6",
            "mdtm file6",
            Some("MDTM file6"),
            Command::Mdtm(path("file6")),
        ),
        (
            "RFC 3659 §3.4 MdTm (a path that looks like a time)",
            "MdTm 19990929043300 File6",
            Some("MDTM 19990929043300 File6"),
            Command::Mdtm(path("19990929043300 File6")),
        ),
        ("RFC 3659 §3.4 Feat", "Feat", Some("FEAT"), Command::Feat),
        (
            "RFC 3659 §4.4 TYPE I",
            "TYPE I",
            None,
            Command::Type(TransferType::Image),
        ),
        (
            "RFC 3659 §4.4 TYPE A",
            "TYPE A",
            None,
            Command::Type(TransferType::Ascii(None)),
        ),
        (
            "RFC 3659 §4.4 size Example",
            "size Example",
            Some("SIZE Example"),
            Command::Size(path("Example")),
        ),
        (
            "RFC 3659 §4.4 Size Example",
            "Size Example",
            Some("SIZE Example"),
            Command::Size(path("Example")),
        ),
        (
            "RFC 3659 §5.5 PORT",
            "PORT 127,0,0,1,15,107",
            None,
            Command::Port(SocketAddrV4::new([127, 0, 0, 1].into(), 15 * 256 + 107)),
        ),
        (
            "RFC 3659 §5.5 REST",
            "REST 802816",
            None,
            Command::Rest(802_816),
        ),
        (
            "RFC 3659 §5.5 RETR",
            "RETR cap60.pl198.tar",
            None,
            Command::Retr(path("cap60.pl198.tar")),
        ),
        (
            "RFC 3659 §7.7.1 MLst",
            "MLst cap60.pl198.tar.gz",
            Some("MLST cap60.pl198.tar.gz"),
            Command::Mlst(Some(path("cap60.pl198.tar.gz"))),
        ),
        ("RFC 3659 §7.7.1 PWD", "PWD", None, Command::Pwd),
        (
            "RFC 3659 §7.7.2 MLSD tmp",
            "MLSD tmp",
            None,
            Command::Mlsd(Some(path("tmp"))),
        ),
        ("RFC 3659 §7.7.3 MLST", "MLST", None, Command::Mlst(None)),
        ("RFC 3659 §7.7.3 MLSD", "MLSD", None, Command::Mlsd(None)),
        (
            "RFC 3659 §7.7.4 MlsD",
            "MlsD",
            Some("MLSD"),
            Command::Mlsd(None),
        ),
        (
            "RFC 3659 §7.7.4 MlsD src/install",
            "MlsD src/install",
            Some("MLSD src/install"),
            Command::Mlsd(Some(path("src/install"))),
        ),
        (
            "RFC 3659 §7.7.4 MLst SRC/INSTALL/WINDOWS.C",
            "MLst SRC/INSTALL/WINDOWS.C",
            Some("MLST SRC/INSTALL/WINDOWS.C"),
            Command::Mlst(Some(path("SRC/INSTALL/WINDOWS.C"))),
        ),
        (
            "RFC 3659 §7.7.5 CWD dir/ect",
            "CWD dir/ect",
            None,
            Command::Cwd(path("dir/ect")),
        ),
        ("RFC 3659 §7.7.5 PASV", "PASV", None, Command::Pasv),
        (
            "RFC 3659 §7.7.6 RNFR",
            "RNFR mlst.c",
            None,
            Command::Rnfr(path("mlst.c")),
        ),
        (
            "RFC 3659 §7.7.6 RNTO",
            "RNTO list.c",
            None,
            Command::Rnto(path("list.c")),
        ),
        (
            "RFC 3659 §7.9 OptS",
            "OptS Mlst Type;UNIX.mode;Perm;",
            Some("OPTS Mlst Type;UNIX.mode;Perm;"),
            Command::Opts(text("Mlst Type;UNIX.mode;Perm;")),
        ),
        (
            "RFC 3659 §7.9 opts",
            "opts MLst fish cakes;",
            Some("OPTS MLst fish cakes;"),
            Command::Opts(text("MLst fish cakes;")),
        ),
        (
            "RFC 3659 §7.9 Opts MLST",
            "Opts MLST",
            Some("OPTS MLST"),
            Command::Opts(text("MLST")),
        ),
        // --- RFC 4217 §12 (AUTH, PBSZ, PROT, USER, PASS, CCC) ---
        (
            "RFC 4217 §12.1 AUTH TLS",
            "AUTH TLS",
            None,
            Command::Auth(Mechanism::TLS),
        ),
        ("RFC 4217 §12.1 PBSZ 0", "PBSZ 0", None, Command::Pbsz(0)),
        (
            "RFC 4217 §12.1 PROT P",
            "PROT P",
            None,
            Command::Prot(Prot::Private),
        ),
        (
            "RFC 4217 §12.1 USER fred",
            "USER fred",
            None,
            Command::User(Username::try_from("fred").unwrap()),
        ),
        (
            "RFC 4217 §12.1 PASS pass",
            "PASS pass",
            None,
            Command::Pass(Password::try_from("pass").unwrap()),
        ),
        ("RFC 4217 §12.3 CCC", "CCC", None, Command::Ccc),
        ("RFC 4217 §6 FEAT", "FEAT", None, Command::Feat),
        // --- RFC 7151 ---
        (
            "RFC 7151 §3.2 HOST ftp.example.com",
            "HOST ftp.example.com",
            None,
            Command::Host(text("ftp.example.com")),
        ),
        (
            "RFC 7151 §3.2 HOST foo.example.com",
            "HOST foo.example.com",
            None,
            Command::Host(text("foo.example.com")),
        ),
        (
            "RFC 7151 §3.2 USER foo",
            "USER foo",
            None,
            Command::User(Username::try_from("foo").unwrap()),
        ),
        (
            "RFC 7151 §3.2 PASS bar",
            "PASS bar",
            None,
            Command::Pass(Password::try_from("bar").unwrap()),
        ),
        (
            "RFC 7151 §3.2 ACCT project1",
            "ACCT project1",
            None,
            Command::Acct(Account::try_from("project1").unwrap()),
        ),
        (
            "RFC 7151 §3.2 HOST IPv6 literal",
            "HOST [2001:db8::1]",
            None,
            Command::Host(text("[2001:db8::1]")),
        ),
        (
            "RFC 7151 §6 USER foo@example.com",
            "USER foo@example.com",
            None,
            Command::User(Username::try_from("foo@example.com").unwrap()),
        ),
        // --- draft-somers-ftp-mfxx ---
        (
            "MFMT",
            "MFMT 20020717210715 file",
            None,
            Command::Mfmt(
                Timestamp::new(2002, 7, 17, 21, 7, 15).unwrap(),
                path("file"),
            ),
        ),
    ]
}

#[test]
fn every_rfc_example_decodes_and_re_encodes() {
    let mut count = 0;
    for (place, line, canonical, expected) in examples() {
        let wire = format!("{line}\r\n");
        let (rest, decoded) =
            decode_command(wire.as_bytes()).unwrap_or_else(|e| panic!("{place}: C: {line}: {e}"));
        assert!(rest.is_empty(), "{place}");
        assert_eq!(decoded, expected, "{place}: C: {line}");
        let mut out = Vec::new();
        decoded.encode(&mut out);
        let want = format!("{}\r\n", canonical.unwrap_or(line));
        assert_eq!(
            String::from_utf8_lossy(&out),
            want,
            "{place}: re-encoding of C: {line}"
        );
        // The canonical form is a fixed point.
        let (_, again) = decode_command(&out).unwrap();
        assert_eq!(again, expected, "{place}");
        count += 1;
    }
    assert!(count >= 75, "{count} examples");
}

#[test]
fn the_rfc_examples_stream_through_the_command_decoder() {
    // All examples pipelined in one stream, then byte by byte: same commands, same order.
    let all = examples();
    let mut stream = Vec::new();
    for (_, line, _, _) in &all {
        stream.extend_from_slice(line.as_bytes());
        stream.extend_from_slice(b"\r\n");
    }
    for chunk in [stream.len(), 1, 7] {
        let mut decoder = CommandDecoder::new(Limits::default());
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            decoder.feed(piece);
            while let Some(item) = decoder.next_line() {
                match item {
                    CommandLine::Command(Ok(c)) => got.push(c.into_owned()),
                    other => panic!("{other:?}"),
                }
            }
        }
        let want: Vec<_> = all.iter().map(|(_, _, _, c)| c.clone()).collect();
        assert_eq!(got, want, "chunk size {chunk}");
        assert_eq!(decoder.buffered(), 0);
    }
}

#[test]
fn rfc_4217_session_transcript() {
    // RFC 4217 §12.1, client side, with the server's replies as comments:
    let transcript: &[u8] = b"AUTH TLS\r\n\
        PBSZ 0\r\n\
        PROT P\r\n\
        USER fred\r\n\
        PASS pass\r\n";
    // S: 234 / S: 200 / S: 200 / S: 331 / S: 230
    let mut decoder = CommandDecoder::new(Limits::default());
    decoder.feed(transcript);
    let mut verbs = Vec::new();
    while let Some(CommandLine::Command(Ok(c))) = decoder.next_line() {
        verbs.push(c.verb().to_string());
    }
    assert_eq!(verbs, ["AUTH", "PBSZ", "PROT", "USER", "PASS"]);
}

//! Properties of the command codec (proptest):
//!
//! - every `Command` (a strategy covering every variant) decodes back from its encoding, both
//!   through `decode_command` and through the streaming `CommandDecoder`;
//! - a stream of encoded commands with Telnet commands inserted anywhere yields the same items
//!   however it is chunked, and the commands are the ones encoded;
//! - arbitrary bytes never panic, and the decoder never buffers more than one bounded line;
//! - `decode_command` (with its clean-line shortcut), the streaming decoder and
//!   `Command::parse` agree on every line, whatever the verb's letter case.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

use ftps_proto::codec::{decode_command, Command, CommandDecoder, CommandLine, Limits};
use ftps_proto::types::{
    Account, AllocSize, EpsvArgument, FormatControl, Mechanism, Mode, NetworkProtocol, Password,
    Pathname, Prot, Structure, Text, Timestamp, TransferType, Username, Verb,
};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

/// Bytes that may stand on a line: no CR, LF or NUL; spaces and 0xFF are frequent.
fn line_bytes(min: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => any::<u8>().prop_map(|b| if matches!(b, b'\r' | b'\n' | 0) { b'_' } else { b }),
        1 => Just(b' '),
        1 => Just(0xffu8),
    ];
    prop::collection::vec(byte, min..12)
}

/// Path names: line bytes with a CR now and then (RFC 2640 §3.1: sent as `CR NUL`).
fn path() -> impl Strategy<Value = Pathname<'static>> {
    (
        line_bytes(1),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
    )
        .prop_map(|(mut b, crs)| {
            for i in crs {
                let at = i.index(b.len() + 1);
                b.insert(at, b'\r');
            }
            Pathname::new(b).unwrap()
        })
}

fn text() -> impl Strategy<Value = Text<'static>> {
    line_bytes(0).prop_map(|b| Text::new(b).unwrap())
}

fn token(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0x21u8..=0x7e, 1..=max)
}

fn form() -> impl Strategy<Value = Option<FormatControl>> {
    prop::option::of(prop_oneof![
        Just(FormatControl::NonPrint),
        Just(FormatControl::Telnet),
        Just(FormatControl::Asa),
    ])
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        (0u16..=9999, 1u8..=12, 1u8..=28),
        (0u8..=23, 0u8..=59, 0u8..=60),
        prop::option::of((1u8..=9, any::<u32>())),
    )
        .prop_map(|((y, mo, d), (h, mi, s), fraction)| {
            let t = Timestamp::new(y, mo, d, h, mi, s).unwrap();
            match fraction {
                None => t,
                Some((digits, v)) => t
                    .with_fraction(v % 10u32.pow(u32::from(digits)), digits)
                    .unwrap(),
            }
        })
}

/// One strategy per variant of `Command`.
fn command() -> impl Strategy<Value = Command<'static>> {
    let b = |s: BoxedStrategy<Command<'static>>| s;
    let unit = [
        Command::Cdup,
        Command::Rein,
        Command::Quit,
        Command::Pasv,
        Command::Abor,
        Command::Pwd,
        Command::Syst,
        Command::Noop,
        Command::Xcup,
        Command::Xpwd,
        Command::Ccc,
        Command::Feat,
    ];
    let mut arms: Vec<BoxedStrategy<Command<'static>>> =
        unit.into_iter().map(|c| Just(c).boxed()).collect();
    type P = fn(Pathname<'static>) -> Command<'static>;
    let paths: [P; 15] = [
        Command::Cwd,
        Command::Smnt,
        Command::Retr,
        Command::Stor,
        Command::Appe,
        Command::Rnfr,
        Command::Rnto,
        Command::Dele,
        Command::Rmd,
        Command::Mkd,
        Command::Xcwd,
        Command::Xmkd,
        Command::Xrmd,
        Command::Size,
        Command::Mdtm,
    ];
    arms.extend(paths.into_iter().map(|f| path().prop_map(f).boxed()));
    type O = fn(Option<Pathname<'static>>) -> Command<'static>;
    let optional_paths: [O; 6] = [
        Command::Stou,
        Command::List,
        Command::Nlst,
        Command::Stat,
        Command::Mlst,
        Command::Mlsd,
    ];
    arms.extend(
        optional_paths
            .into_iter()
            .map(|f| prop::option::of(path()).prop_map(f).boxed()),
    );
    type T = fn(Text<'static>) -> Command<'static>;
    let texts: [T; 7] = [
        Command::Site,
        Command::Adat,
        Command::Mic,
        Command::Conf,
        Command::Enc,
        Command::Opts,
        Command::Host,
    ];
    arms.extend(texts.into_iter().map(|f| text().prop_map(f).boxed()));
    type OT = fn(Option<Text<'static>>) -> Command<'static>;
    let optional_texts: [OT; 2] = [Command::Help, Command::Lang];
    arms.extend(
        optional_texts
            .into_iter()
            .map(|f| prop::option::of(text()).prop_map(f).boxed()),
    );
    arms.extend([
        b(line_bytes(1)
            .prop_map(|v| Command::User(Username::new(v).unwrap()))
            .boxed()),
        b(line_bytes(0)
            .prop_map(|v| Command::Pass(Password::new(v).unwrap()))
            .boxed()),
        b(line_bytes(1)
            .prop_map(|v| Command::Acct(Account::new(v).unwrap()))
            .boxed()),
        b((any::<[u8; 4]>(), any::<u16>())
            .prop_map(|(ip, port)| Command::Port(SocketAddrV4::new(Ipv4Addr::from(ip), port)))
            .boxed()),
        b(prop_oneof![
            form().prop_map(TransferType::Ascii),
            form().prop_map(TransferType::Ebcdic),
            Just(TransferType::Image),
            any::<u8>().prop_map(TransferType::Local),
        ]
        .prop_map(Command::Type)
        .boxed()),
        b(prop_oneof![
            Just(Structure::File),
            Just(Structure::Record),
            Just(Structure::Page)
        ]
        .prop_map(Command::Stru)
        .boxed()),
        b(prop_oneof![
            Just(Mode::Stream),
            Just(Mode::Block),
            Just(Mode::Compressed)
        ]
        .prop_map(Command::Mode)
        .boxed()),
        b((any::<u64>(), prop::option::of(any::<u64>()))
            .prop_map(|(size, record_size)| Command::Allo(AllocSize { size, record_size }))
            .boxed()),
        b(any::<u64>().prop_map(Command::Rest).boxed()),
        b(token(64)
            .prop_map(|m| Command::Auth(Mechanism::new(m).unwrap()))
            .boxed()),
        b(prop_oneof![
            Just(Prot::Clear),
            Just(Prot::Safe),
            Just(Prot::Confidential),
            Just(Prot::Private)
        ]
        .prop_map(Command::Prot)
        .boxed()),
        b(any::<u32>().prop_map(Command::Pbsz).boxed()),
        b(prop_oneof![
            any::<[u8; 4]>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
            any::<[u8; 16]>().prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
        ]
        .prop_flat_map(|ip| any::<u16>().prop_map(move |port| SocketAddr::new(ip, port)))
        .prop_map(Command::Eprt)
        .boxed()),
        b(prop::option::of(prop_oneof![
            Just(EpsvArgument::All),
            any::<u16>().prop_map(|n| EpsvArgument::Protocol(NetworkProtocol(n))),
        ])
        .prop_map(Command::Epsv)
        .boxed()),
        b((timestamp(), path())
            .prop_map(|(t, p)| Command::Mfmt(t, p))
            .boxed()),
        b((
            token(16).prop_filter("an unknown verb", |v| {
                matches!(Command::parse(v), Ok(Command::Unknown { .. }))
            }),
            prop::option::of(text()),
        )
            .prop_map(|(verb, argument)| Command::Unknown {
                verb: Verb::new(verb).unwrap(),
                argument,
            })
            .boxed()),
    ]);
    assert_eq!(arms.len(), 58, "one arm per variant");
    Union::new(arms)
}

fn encode(c: &Command<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    c.encode(&mut out);
    out
}

/// An owned copy of a decoder item, to compare runs.
#[derive(Debug, PartialEq)]
enum Item {
    Command(Result<Command<'static>, ftps_proto::codec::CommandError>),
    Telnet(ftps_proto::codec::TelnetSignal),
    TooLong,
}

fn drain(decoder: &mut CommandDecoder, into: &mut Vec<Item>) {
    while let Some(item) = decoder.next_line() {
        into.push(match item {
            CommandLine::Command(r) => Item::Command(r.map(Command::into_owned)),
            CommandLine::Telnet(s) => Item::Telnet(s),
            CommandLine::TooLong => Item::TooLong,
            other => panic!("unexpected {other:?}"),
        });
    }
}

fn run(limits: Limits, stream: &[u8], cuts: &[usize]) -> Vec<Item> {
    let mut decoder = CommandDecoder::new(limits);
    let mut items = Vec::new();
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.sort_unstable();
    for cut in cuts.into_iter().chain([stream.len()]) {
        decoder.feed(&stream[at..cut]);
        drain(&mut decoder, &mut items);
        at = cut;
    }
    items
}

/// Telnet commands to insert: IAC NOP, IAC IP, IAC DM, IAC DO <option>.
fn telnet_command() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![0xff, 241]),
        Just(vec![0xff, 244]),
        Just(vec![0xff, 242]),
        any::<u8>().prop_map(|o| vec![0xff, 253, o]),
    ]
}

/// Positions where a Telnet command may be inserted: anywhere but between the two bytes of
/// an `IAC IAC` or `CR NUL` escape.
fn insertion_points(stream: &[u8]) -> Vec<usize> {
    let mut points = Vec::new();
    let mut i = 0;
    while i <= stream.len() {
        points.push(i);
        if stream.get(i) == Some(&0xff) || stream.get(i..i + 2) == Some(&b"\r\0"[..]) {
            i += 2;
        } else {
            i += 1;
        }
    }
    points
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_inverts_encode(c in command()) {
        let wire = encode(&c);
        // RFC 2640 §3.1: every CR of a path name is sent as CR NUL; only the line end is CRLF.
        let crs = wire.iter().filter(|&&b| b == b'\r').count();
        let cr_nuls = wire.windows(2).filter(|w| *w == b"\r\0").count();
        prop_assert_eq!(crs, cr_nuls + 1);
        prop_assert!(wire.ends_with(b"\r\n"));
        prop_assert_eq!(wire.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
        let (rest, back) = decode_command(&wire).unwrap();
        prop_assert!(rest.is_empty());
        prop_assert_eq!(&back, &c);
        let mut decoder = CommandDecoder::new(Limits::default());
        decoder.feed(&wire);
        match decoder.next_line() {
            Some(CommandLine::Command(Ok(streamed))) => prop_assert_eq!(streamed, c.clone()),
            other => prop_assert!(false, "{:?}", other),
        }
        prop_assert_eq!(c.into_owned(), back);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn chunking_and_telnet_do_not_change_the_items(
        commands in prop::collection::vec(command(), 1..12),
        inserts in prop::collection::vec((any::<prop::sample::Index>(), telnet_command()), 0..16),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
    ) {
        let mut stream = Vec::new();
        for c in &commands {
            c.encode(&mut stream);
        }
        let points = insertion_points(&stream);
        let mut at: Vec<(usize, Vec<u8>)> =
            inserts.into_iter().map(|(i, t)| (points[i.index(points.len())], t)).collect();
        at.sort_by_key(|(p, _)| std::cmp::Reverse(*p));
        for (p, t) in at {
            stream.splice(p..p, t);
        }
        let whole = run(Limits::default(), &stream, &[]);
        let chunked = run(Limits::default(), &stream, &cuts);
        prop_assert_eq!(&chunked, &whole);
        let bytewise: Vec<usize> = (0..stream.len()).collect();
        prop_assert_eq!(&run(Limits::default(), &stream, &bytewise), &whole);
        let decoded: Vec<Command<'static>> = whole
            .into_iter()
            .filter_map(|i| match i {
                Item::Command(Ok(c)) => Some(c),
                Item::Command(Err(e)) => panic!("{e}"),
                _ => None,
            })
            .collect();
        prop_assert_eq!(decoded, commands);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        stream in prop::collection::vec(
            prop_oneof![
                6 => any::<u8>(),
                1 => Just(b'\n'),
                1 => Just(b'\r'),
                1 => Just(0xffu8),
                1 => Just(b' '),
            ],
            0..600,
        ),
        cuts in prop::collection::vec(any::<usize>(), 0..20),
        max in 0usize..40,
    ) {
        let _ = decode_command(&stream);
        let _ = Command::parse(&stream);
        let limits = Limits::default().with_max_line_len(max);
        let mut decoder = CommandDecoder::new(limits);
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
        cuts.sort_unstable();
        let mut at = 0;
        let mut items = Vec::new();
        for cut in cuts.into_iter().chain([stream.len()]) {
            decoder.feed(&stream[at..cut]);
            drain(&mut decoder, &mut items);
            // Only the unterminated tail is left: at most one line and a CR.
            prop_assert!(decoder.buffered() <= max + 1, "{} > {}", decoder.buffered(), max + 1);
            at = cut;
        }
        // Same items whole as chunked, unless the bounded signal queue may have filled up
        // (64 signals pending), which is the one documented case where chunking matters.
        if stream.iter().filter(|&&b| b == 0xff).count() < 64 {
            prop_assert_eq!(items, run(limits, &stream, &[]));
        }
    }
}

#[test]
fn a_command_line_is_the_bound_exactly() {
    // C: RETR <path of 4091 bytes>: 4096 bytes of content is accepted, one more is TooLong.
    let mut decoder = CommandDecoder::new(Limits::default());
    let mut line = b"RETR ".to_vec();
    line.resize(4096, b'a');
    decoder.feed(&line);
    decoder.feed(b"\r\n");
    assert!(matches!(
        decoder.next_line(),
        Some(CommandLine::Command(Ok(Command::Retr(p)))) if p.as_bytes().len() == 4091
    ));
    line.push(b'a');
    decoder.feed(&line);
    decoder.feed(b"\r\nNOOP\r\n");
    assert_eq!(decoder.next_line(), Some(CommandLine::TooLong));
    assert_eq!(
        decoder.next_line(),
        Some(CommandLine::Command(Ok(Command::Noop)))
    );
    assert_eq!(decoder.next_line(), None);
}

/// Verbs of every shape: known ones in any letter case, other letters, digits, punctuation,
/// non-ASCII and empty, so that both the letter-verb dispatch and the general path run.
fn any_verb() -> impl Strategy<Value = Vec<u8>> {
    const KNOWN: &[&str] = &[
        "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PORT", "PASV", "TYPE",
        "STRU", "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR",
        "DELE", "RMD", "MKD", "PWD", "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP",
        "XCWD", "XCUP", "XMKD", "XRMD", "XPWD", "AUTH", "ADAT", "PROT", "PBSZ", "CCC", "MIC",
        "CONF", "ENC", "FEAT", "OPTS", "EPRT", "EPSV", "SIZE", "MDTM", "MLST", "MLSD", "MFMT",
        "HOST", "LANG",
    ];
    prop_oneof![
        4 => (prop::sample::select(KNOWN), any::<u8>()).prop_map(|(v, case)| {
            v.bytes()
                .enumerate()
                .map(|(i, b)| if case >> i & 1 == 1 { b.to_ascii_lowercase() } else { b })
                .collect()
        }),
        2 => prop::collection::vec(
            prop_oneof![b'A'..=b'Z', b'a'..=b'z', Just(b'@'), Just(b'['), Just(b'`'),
                        Just(b'{'), Just(0xc1u8), Just(0xe1u8), b'0'..=b'9', Just(b'\t')],
            0..6,
        ),
    ]
}

/// Argument bytes with the ones that matter to the scanners: CR, NUL, TAB and other C0
/// controls, 0xFF, spaces, digits and the separators of typed arguments.
fn any_argument() -> impl Strategy<Value = Option<Vec<u8>>> {
    let byte = prop_oneof![
        4 => 0x20u8..0x7f,
        2 => prop::sample::select(&b"0123456789,|. "[..]),
        1 => prop::sample::select(&[b'\r', 0u8, b'\t', 0x0b, 0x0c, 0x0e, 0x1f, 0x7f, 0x80, 0xfe][..]),
        1 => Just(0xffu8),
    ];
    prop::option::of(prop::collection::vec(byte, 0..24))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// `decode_command` takes a shortcut for a line without control bytes or IAC (its line-end
    /// scan proves the line clean, so the parser does not scan again) and dispatches verbs of
    /// 3 or 4 letters by an integer key; `Command::parse` always scans. Both must agree on
    /// every line, with the streaming decoder, and whatever the verb's letter case.
    #[test]
    fn every_decoder_agrees_with_the_parser(verb in any_verb(), argument in any_argument()) {
        let mut line = verb.clone();
        if let Some(a) = &argument {
            line.push(b' ');
            line.extend_from_slice(a);
        }
        let parsed = Command::parse(&line);
        let upper: Vec<u8> = verb.to_ascii_uppercase().into_iter()
            .chain(line[verb.len()..].iter().copied()).collect();
        match (&parsed, Command::parse(&upper)) {
            (Ok(Command::Unknown { .. }), Ok(Command::Unknown { .. })) => {}
            (p, u) => prop_assert_eq!(p, &u, "letter case changed the outcome"),
        }
        if !line.contains(&0xff) {
            for end in [&b"\r\n"[..], b"\n"] {
                if end == b"\n" && line.last() == Some(&b'\r') {
                    continue; // that CR and the LF would be the line end
                }
                let wire = [&line[..], end, b"NOOP\r\n"].concat();
                match (decode_command(&wire), &parsed) {
                    (Ok((rest, c)), Ok(p)) => {
                        prop_assert_eq!(&c, p);
                        prop_assert_eq!(rest, b"NOOP\r\n");
                    }
                    (Err(e), Err(_)) => prop_assert!(
                        matches!(e, ftps_proto::codec::DecodeError::Invalid { .. }), "{:?}", e
                    ),
                    (d, p) => prop_assert!(false, "decode_command {:?} but parse {:?}", d, p),
                }
            }
            // The framer turns CR NUL into a bare CR (RFC 854); elsewhere it passes bytes on.
            if !line.windows(2).any(|w| w == b"\r\0") {
                let mut decoder = CommandDecoder::new(Limits::default());
                decoder.feed(&line);
                decoder.feed(b"\r\n");
                match decoder.next_line() {
                    Some(CommandLine::Command(streamed)) => prop_assert_eq!(&streamed, &parsed),
                    other => prop_assert!(false, "{:?}", other),
                }
            }
        }
    }
}

//! Properties of the payload parsers (proptest): each parser reads back what a server would
//! write for any value (227 address, 229 port, 257 path with quotes, 213 size and time-val,
//! MLSx facts, FEAT), the crate's own builders included, and no parser panics or mis-reports
//! on arbitrary input.

use std::net::{Ipv4Addr, SocketAddrV4};

use ftps_proto::codec::{
    decode_reply, encode_facts, encode_timestamp, epsv_reply, feat_reply, mdtm_reply, mlst_reply,
    parse_epsv_reply, parse_facts, parse_feat_reply, parse_list_line, parse_mdtm_reply,
    parse_mlst_reply, parse_opening_size_hint, parse_pasv_reply, parse_pathname_reply,
    parse_protocols_reply, parse_size_reply, parse_timestamp, pasv_reply, pathname_reply,
    protocols_reply, size_reply, PayloadError, Reply,
};
use ftps_proto::types::{FactName, Feature, Features, NetworkProtocol, Pathname, Text, Timestamp};
use proptest::prelude::*;

fn reply(wire: &[u8]) -> Reply<'_> {
    let (rest, r) = decode_reply(wire).unwrap();
    assert!(rest.is_empty());
    r
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        0u16..=9999,
        1u8..=12,
        1u8..=31,
        0u8..=23,
        0u8..=59,
        0u8..=60,
        prop::option::of((1u8..=9, any::<u32>())),
    )
        .prop_filter_map("a real date", |(y, mo, d, h, mi, s, frac)| {
            let t = Timestamp::new(y, mo, d, h, mi, s).ok()?;
            match frac {
                None => Some(t),
                Some((digits, v)) => t
                    .with_fraction(v % 10u32.pow(u32::from(digits)), digits)
                    .ok(),
            }
        })
}

/// The RFC 3659 §2.3 time-val of `t`.
fn time_val(t: &Timestamp) -> String {
    let mut s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if let Some((v, d)) = t.fraction() {
        s += &format!(".{:0width$}", v, width = usize::from(d));
    }
    s
}

fn path_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![Just(b'"'), Just(b' '), Just(0xffu8), any::<u8>()]
            .prop_filter("no line break", |b| !matches!(b, b'\r' | b'\n' | 0)),
        1..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn pasv_reads_any_address(ip in any::<u32>(), port in any::<u16>(), style in 0usize..4) {
        let addr = SocketAddrV4::new(Ipv4Addr::from(ip), port);
        let [a, b, c, d] = addr.ip().octets();
        let numbers = format!("{a},{b},{c},{d},{},{}", port >> 8, port & 0xff);
        let text = match style {
            0 => format!("227 Entering Passive Mode ({numbers})\r\n"),
            1 => format!("227 Entering Passive Mode {numbers}\r\n"),
            2 => format!("227 ={numbers}\r\n"),
            _ => format!("227 Entering Passive Mode ({numbers}).\r\n"),
        };
        prop_assert_eq!(parse_pasv_reply(&reply(text.as_bytes())), Ok(addr));
    }

    #[test]
    fn epsv_reads_any_port_and_delimiter(port in 1u16..=65535, d in (33u8..=126).prop_filter("not a digit", |d| !d.is_ascii_digit())) {
        let d = char::from(d);
        let text = format!("229 Entering Extended Passive Mode ({d}{d}{d}{port}{d})\r\n");
        prop_assert_eq!(parse_epsv_reply(&reply(text.as_bytes())), Ok(port));
    }

    #[test]
    fn pathname_reads_any_quoted_path(path in path_bytes(), comment in "[ a-z]{0,12}") {
        let mut wire = b"257 \"".to_vec();
        for &b in &path {
            if b == b'"' {
                wire.push(b'"');
            }
            wire.push(b);
            if b == 0xff {
                wire.push(0xff); // IAC IAC on the wire
            }
        }
        wire.extend_from_slice(b"\" ");
        wire.extend_from_slice(comment.as_bytes());
        wire.extend_from_slice(b"\r\n");
        let r = reply(&wire);
        let p = parse_pathname_reply(&r).unwrap();
        prop_assert_eq!(p.as_bytes(), &path[..]);
    }

    #[test]
    fn size_and_mdtm_read_any_value(size in any::<u64>(), t in timestamp()) {
        let size_reply = format!("213 {size}\r\n");
        prop_assert_eq!(parse_size_reply(&reply(size_reply.as_bytes())), Ok(size));
        let tv = time_val(&t);
        prop_assert_eq!(parse_timestamp(tv.as_bytes()), Ok(t));
        let mdtm_reply = format!("213 {tv}\r\n");
        prop_assert_eq!(parse_mdtm_reply(&reply(mdtm_reply.as_bytes())), Ok(t));
    }

    #[test]
    fn facts_read_any_entry(
        facts in prop::collection::vec(("[A-Za-z][A-Za-z0-9.-]{0,8}", "[A-Za-z0-9=.:/+!-]{0,12}"), 0..6),
        name in path_bytes(),
    ) {
        let mut line = Vec::new();
        for (n, v) in &facts {
            line.extend_from_slice(format!("{n}={v};").as_bytes());
        }
        line.push(b' ');
        line.extend_from_slice(&name);
        let entry = parse_facts(&line).unwrap();
        prop_assert_eq!(entry.pathname.as_bytes(), &name[..]);
        prop_assert_eq!(entry.facts.len(), facts.len());
        for (got, (n, v)) in entry.facts.iter().zip(&facts) {
            prop_assert_eq!(&got.name, &FactName::from_bytes(n.as_bytes()));
            prop_assert_eq!(got.value.as_bytes(), v.as_bytes());
        }
        // The server side writes the same entry back (canonical fact-name spelling).
        let mut again = Vec::new();
        encode_facts(&entry, &mut again).unwrap();
        prop_assert_eq!(parse_facts(&again).unwrap(), entry.clone());
        let mlst_wire = encoded(&mlst_reply(&entry).unwrap());
        let mlst = reply(&mlst_wire);
        prop_assert_eq!(parse_mlst_reply(&mlst).unwrap(), entry.clone());
        // The same entry in an MLST reply (RFC 3659 §7.2: preceded by one space).
        let mut wire = b"250- Listing\r\n ".to_vec();
        for &b in &line {
            wire.push(b);
            if b == 0xff {
                wire.push(0xff);
            }
        }
        wire.extend_from_slice(b"\r\n250 End\r\n");
        let r = reply(&wire);
        prop_assert_eq!(parse_mlst_reply(&r).unwrap(), entry);
    }

    #[test]
    fn line_parsers_never_panic(line in prop::collection::vec(prop_oneof![any::<u8>(), Just(b' '), Just(b';'), Just(b'='), Just(b'-'), Just(b'1')], 0..80)) {
        if let Ok(entry) = parse_facts(&line) {
            prop_assert!(line.ends_with(entry.pathname.as_bytes()));
        }
        if let Some(entry) = parse_list_line(&line) {
            prop_assert_eq!(&entry.raw[..], &line[..]);
            prop_assert!(line.ends_with(&entry.name) || entry.link_target.is_some());
        }
        match parse_timestamp(&line) {
            Ok(t) => prop_assert_eq!(time_val(&t).into_bytes(), line.clone()),
            Err(PayloadError::Malformed { offset, .. }) => prop_assert!(offset <= line.len()),
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    #[test]
    fn reply_parsers_never_panic(code in 100u16..=699, text in prop::collection::vec(any::<u8>().prop_filter("no line break", |b| !matches!(b, b'\r' | b'\n' | 0)), 0..60), extra in prop::collection::vec("[ -~]{0,20}", 0..4)) {
        let mut wire = format!("{code}").into_bytes();
        wire.push(if extra.is_empty() { b' ' } else { b'-' });
        for &b in &text {
            wire.push(b);
            if b == 0xff {
                wire.push(0xff);
            }
        }
        wire.extend_from_slice(b"\r\n");
        for l in &extra {
            wire.extend_from_slice(b" ");
            wire.extend_from_slice(l.as_bytes());
            wire.extend_from_slice(b"\r\n");
        }
        if !extra.is_empty() {
            wire.extend_from_slice(format!("{code} End\r\n").as_bytes());
        }
        let r = reply(&wire);
        let len = r.text().len();
        let check = |e: PayloadError| match e {
            PayloadError::UnexpectedCode(c) => c == code,
            PayloadError::Malformed { offset, .. } => offset <= len + 1 + extra.iter().map(|l| l.len()).max().unwrap_or(0),
            _ => false,
        };
        if let Err(e) = parse_pasv_reply(&r) { prop_assert!(check(e)); }
        if let Err(e) = parse_epsv_reply(&r) { prop_assert!(check(e)); }
        if let Err(e) = parse_pathname_reply(&r) { prop_assert!(check(e)); }
        if let Err(e) = parse_feat_reply(&r) { prop_assert!(check(e)); }
        if let Err(e) = parse_size_reply(&r) { prop_assert!(check(e)); }
        if let Err(e) = parse_mdtm_reply(&r) { prop_assert!(check(e)); }
        if let Err(e) = parse_mlst_reply(&r) { prop_assert!(check(e)); }
        match parse_protocols_reply(&r) {
            Err(e) => prop_assert!(check(e)),
            // A list read back is in the text, and rebuilt it parses to itself.
            Ok(list) => {
                prop_assert!(code == 522 && !list.is_empty());
                let again = encoded(&protocols_reply(&list).unwrap());
                prop_assert_eq!(parse_protocols_reply(&reply(&again)), Ok(list));
            }
        }
        if let Some(n) = parse_opening_size_hint(&r) {
            prop_assert!(code == 150 || code == 125);
            let needle = format!("({n} ");
            prop_assert!(r.text().windows(needle.len()).any(|w| w == needle.as_bytes()));
        }
    }
}

fn encoded(r: &Reply<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    r.encode(&mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every builder is the inverse of its parser, on the wire too.
    #[test]
    fn server_builders_are_inverses_of_the_parsers(
        ip in any::<u32>(),
        port in any::<u16>(),
        path in path_bytes(),
        comment in "[ -~]{0,20}",
        size in any::<u64>(),
        t in timestamp(),
        feats in prop::collection::vec(("[!-~]{1,10}", "([!-~]([ -~]{0,10}[!-~])?)?"), 0..8),
    ) {
        let addr = SocketAddrV4::new(Ipv4Addr::from(ip), port);
        let wire = encoded(&pasv_reply(addr));
        prop_assert_eq!(parse_pasv_reply(&reply(&wire)), Ok(addr));
        if port != 0 {
            let wire = encoded(&epsv_reply(port));
            prop_assert_eq!(parse_epsv_reply(&reply(&wire)), Ok(port));
        }
        let p = Pathname::new(path.clone()).unwrap();
        let wire = encoded(&pathname_reply(&p, &Text::try_from(comment.as_str()).unwrap()));
        let r = reply(&wire);
        prop_assert_eq!(parse_pathname_reply(&r).unwrap(), p);
        let wire = encoded(&size_reply(size));
        prop_assert_eq!(parse_size_reply(&reply(&wire)), Ok(size));
        let wire = encoded(&mdtm_reply(&t));
        prop_assert_eq!(parse_mdtm_reply(&reply(&wire)), Ok(t));
        let mut tv = Vec::new();
        encode_timestamp(&t, &mut tv);
        prop_assert_eq!(tv, time_val(&t).into_bytes());

        let mut features = Features::new();
        for (label, params) in &feats {
            features.insert(Feature::new(label.as_bytes(), Text::try_from(params.as_str()).unwrap()).unwrap());
        }
        let wire = encoded(&feat_reply(&features));
        prop_assert_eq!(parse_feat_reply(&reply(&wire)), Ok(features));
    }

    /// The 522 protocol list (RFC 2428 §2): the builder is the parser's exact inverse, and
    /// the parser finds the list in any server text around it.
    #[test]
    fn protocol_list_round_trips(
        list in prop::collection::vec(1u16..=65535, 1..6),
        before in "[ -'*-~]{0,20}",
        after in "[ -~]{0,20}",
        spaced in any::<bool>(),
    ) {
        let list: Vec<NetworkProtocol> = list.into_iter().map(NetworkProtocol).collect();
        let built = protocols_reply(&list).unwrap();
        let wire = encoded(&built);
        prop_assert_eq!(parse_protocols_reply(&reply(&wire)), Ok(list.clone()));
        // Another server's wording (no parenthesis before the list).
        let sep = if spaced { ", " } else { "," };
        let numbers: Vec<String> = list.iter().map(|p| p.0.to_string()).collect();
        let wire = format!("522 {before}({}){after}\r\n", numbers.join(sep));
        prop_assert_eq!(parse_protocols_reply(&reply(wire.as_bytes())), Ok(list));
    }
}

//! Properties of the reply codec (proptest):
//! - `decode_reply(encode(x)) == x` for every reply a server can build, whatever its lines
//!   hold (0xFF, text that looks like a reply code, empty lines);
//! - a stream of encoded replies with Telnet commands inserted, fed to `ReplyDecoder` in
//!   arbitrary chunks, yields the same replies as fed whole, and those are the originals;
//! - arbitrary bytes never panic either decoder, errors point inside the input, and a drained
//!   streaming decoder holds no more than one bounded reply.

use ftps_proto::codec::{decode_reply, DecodeError, Limits, Reply, ReplyDecoder};
use ftps_proto::types::{ReplyCode, Text};
use proptest::prelude::*;

/// Bytes for one line: any byte but CR, LF and NUL, biased towards what could confuse a
/// decoder (digits, spaces, `-`, 0xFF).
fn line_bytes(code: u16) -> impl Strategy<Value = Vec<u8>> {
    let tricky = prop_oneof![
        Just(format!("{code} ").into_bytes()),
        Just(format!("{code}-").into_bytes()),
        Just(format!("{code}").into_bytes()),
        Just(b"\xff".to_vec()),
        Just(b"\xff\xff".to_vec()),
        Just(b" ".to_vec()),
        Just(b"211 ".to_vec()),
    ];
    let plain = prop::collection::vec(
        any::<u8>().prop_filter("no line break", |b| !matches!(b, b'\r' | b'\n' | 0)),
        0..12,
    );
    prop::collection::vec(prop_oneof![tricky, plain], 0..4).prop_map(|parts| parts.concat())
}

fn reply() -> impl Strategy<Value = Reply<'static>> {
    (100u16..=699)
        .prop_flat_map(|code| (Just(code), prop::collection::vec(line_bytes(code), 0..6)))
        .prop_map(|(code, lines)| {
            let lines = lines
                .into_iter()
                .map(|l| Text::try_from(l).unwrap())
                .collect();
            Reply::multiline(ReplyCode::new(code).unwrap(), lines)
        })
}

fn encode(r: &Reply<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    r.encode(&mut out);
    out
}

/// Inserts Telnet commands (which the decoder must remove) at the given token boundaries of
/// an encoded stream: never between the two bytes of an `IAC IAC`.
fn with_telnet(wire: &[u8], at: &[(usize, u8)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(wire.len() + 3 * at.len());
    let mut i = 0;
    let mut token = 0;
    let mut inserts = at.to_vec();
    inserts.sort_unstable();
    let mut next = inserts.into_iter().peekable();
    while i < wire.len() {
        while let Some(&(t, kind)) = next.peek() {
            if t != token {
                break;
            }
            match kind % 4 {
                0 => out.extend_from_slice(b"\xff\xf1"),     // IAC NOP
                1 => out.extend_from_slice(b"\xff\xfd\x0a"), // IAC DO <option 10 = LF byte>
                2 => out.extend_from_slice(b"\xff\xfb\xff"), // IAC WILL <option 255>
                _ => out.extend_from_slice(b"\xff\xf4"),     // IAC IP
            }
            next.next();
        }
        let len = if wire[i] == 0xff { 2 } else { 1 };
        out.extend_from_slice(&wire[i..i + len]);
        i += len;
        token += 1;
    }
    out
}

fn stream(limits: Limits, chunks: &[&[u8]]) -> Vec<Result<Reply<'static>, DecodeError>> {
    let mut d = ReplyDecoder::new(limits);
    let mut out = Vec::new();
    for c in chunks {
        d.feed(c);
        while let Some(r) = d.next_reply() {
            out.push(r.map(Reply::into_owned));
        }
    }
    out
}

fn split_at_points<'a>(data: &'a [u8], points: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = points.iter().map(|p| p % (data.len() + 1)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts {
        out.push(&data[prev..c]);
        prev = c;
    }
    out.push(&data[prev..]);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn decode_of_encode_is_identity(r in reply()) {
        let wire = encode(&r);
        prop_assert_eq!(wire.len(), r.encoded_len());
        let (rest, back) = decode_reply(&wire).unwrap();
        prop_assert!(rest.is_empty());
        prop_assert_eq!(&back, &r);
        // Every prefix is incomplete, never invalid.
        for cut in 0..wire.len() {
            prop_assert_eq!(decode_reply(&wire[..cut]).unwrap_err(), DecodeError::Incomplete);
        }
        // The owned copy and a re-encoding agree.
        prop_assert_eq!(encode(&back.clone().into_owned()), wire);
    }

    #[test]
    fn multiline_keeps_every_line_and_pads_only_false_ends(
        (code, texts) in (100u16..=699).prop_flat_map(|code| {
            (Just(code), prop::collection::vec(line_bytes(code), 2..8))
        }),
    ) {
        let c = ReplyCode::new(code).unwrap();
        let lines: Vec<Text<'static>> =
            texts.iter().map(|t| Text::try_from(t.clone()).unwrap()).collect();
        let r = Reply::multiline(c, lines);
        let got: Vec<&[u8]> = r.lines().collect();
        prop_assert_eq!(got.len(), texts.len());
        let digits = code.to_string().into_bytes();
        for (i, (got, given)) in got.iter().zip(&texts).enumerate() {
            let ends_early = given.starts_with(&digits)
                && (given.len() == 3 || given[3] == b' ');
            if i > 0 && i + 1 < texts.len() && ends_early {
                // RFC 959 §4.2: the server pads the front.
                prop_assert_eq!(got[0], b' ');
                prop_assert_eq!(&got[1..], &given[..]);
            } else {
                prop_assert_eq!(*got, &given[..]);
            }
        }
    }

    #[test]
    fn chunking_does_not_change_the_replies(
        replies in prop::collection::vec(reply(), 1..6),
        telnet in prop::collection::vec((0usize..400, any::<u8>()), 0..8),
        points in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut wire = Vec::new();
        for r in &replies {
            r.encode(&mut wire);
        }
        let wire = with_telnet(&wire, &telnet);
        let limits = Limits::default();
        let whole = stream(limits, &[&wire]);
        let expected: Vec<_> = replies.iter().cloned().map(Ok).collect();
        prop_assert_eq!(&whole, &expected);
        prop_assert_eq!(&stream(limits, &split_at_points(&wire, &points)), &whole);
        let bytewise: Vec<&[u8]> = wire.chunks(1).collect();
        prop_assert_eq!(&stream(limits, &bytewise), &whole);
        // The slice decoder reads the same stream the same way.
        let mut rest = &wire[..];
        let mut sliced = Vec::new();
        while !rest.is_empty() {
            let (tail, r) = decode_reply(rest).unwrap();
            sliced.push(Ok(r.into_owned()));
            rest = tail;
        }
        prop_assert_eq!(sliced, whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        data in prop::collection::vec(prop_oneof![any::<u8>(), Just(b'\n'), Just(b'2'), Just(b'-'), Just(b' '), Just(0xff)], 0..600),
        points in prop::collection::vec(any::<usize>(), 0..10),
        max_line_len in 1usize..40,
        max_reply_lines in 1usize..6,
    ) {
        let limits = Limits::default().with_max_line_len(max_line_len).with_max_reply_lines(max_reply_lines);
        let chunks = split_at_points(&data, &points);
        let mut d = ReplyDecoder::new(limits);
        let mut whole = Vec::new();
        for c in &chunks {
            d.feed(c);
            while let Some(r) = d.next_reply() {
                whole.push(r.map(Reply::into_owned));
            }
            // Drained: at most a pending reply's complete lines and a bounded tail.
            let bound = max_reply_lines * (max_line_len + 2) + max_line_len + 2;
            prop_assert!(d.buffered() <= bound, "{} > {}", d.buffered(), bound);
        }
        prop_assert_eq!(&stream(limits, &[&data]), &whole);
        for r in whole.iter().flatten() {
            let lines: Vec<&[u8]> = r.lines().collect();
            prop_assert!(lines.len() <= max_reply_lines.max(1));
            prop_assert!(lines.iter().all(|l| l.len() <= max_line_len));
            // Whatever was accepted re-encodes and decodes to itself.
            let again = encode(r);
            prop_assert_eq!(&decode_reply(&again).unwrap().1, r);
        }

        let mut rest = &data[..];
        let mut sliced = Vec::new();
        let stopped_on_error = loop {
            match decode_reply(rest) {
                Ok((tail, r)) => {
                    prop_assert!(tail.len() < rest.len());
                    let again = encode(&r);
                    prop_assert_eq!(&decode_reply(&again).unwrap().1, &r);
                    sliced.push(r.into_owned());
                    rest = tail;
                }
                Err(DecodeError::Invalid { offset, .. }) => {
                    prop_assert!(offset < rest.len());
                    break true;
                }
                Err(DecodeError::Incomplete) => break false,
                Err(other) => prop_assert!(false, "slice decoder has no limits: {other:?}"),
            }
        };
        // With limits out of reach, the streaming decoder reads the same replies as the slice
        // decoder up to the first error, and fails only where the slice decoder fails (which
        // may report a wrong byte before its line end has arrived).
        let roomy = Limits::default().with_max_line_len(1 << 20).with_max_reply_lines(1 << 20);
        let streamed = stream(roomy, &chunks);
        let ok_prefix: Vec<Reply<'static>> =
            streamed.iter().map_while(|r| r.as_ref().ok().cloned()).collect();
        prop_assert_eq!(&ok_prefix, &sliced);
        if streamed.len() > sliced.len() {
            prop_assert!(stopped_on_error);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `ReplyDecoder::ignoring_excess_lines` (RFC 1123 §4.1.2.11): a stream of replies of any
    /// length, in any chunks, yields every reply; one within the limit exactly as sent, a
    /// longer one as its first `max` lines and its end line with the rest counted; memory
    /// stays within the same bound as the strict decoder's.
    #[test]
    fn long_replies_keep_their_first_lines_and_code(
        replies in prop::collection::vec(reply(), 1..5),
        extra in prop::collection::vec(0usize..12, 5),
        points in prop::collection::vec(any::<usize>(), 0..10),
        max_reply_lines in 1usize..6,
    ) {
        // Longer replies: the generated ones with `extra` more middle lines.
        let replies: Vec<Reply<'static>> = replies
            .into_iter()
            .zip(&extra)
            .map(|(r, &n)| {
                let mut lines: Vec<Text<'static>> =
                    r.lines().map(|l| Text::try_from(l.to_vec()).unwrap()).collect();
                let last = lines.pop();
                for i in 0..n {
                    lines.push(Text::try_from(format!("line {i}")).unwrap());
                }
                lines.extend(last);
                Reply::multiline(r.code(), lines)
            })
            .collect();
        let wire: Vec<u8> = replies.iter().flat_map(encode).collect();
        let max_line_len = 64;
        let limits = Limits::default()
            .with_max_line_len(max_line_len)
            .with_max_reply_lines(max_reply_lines);
        let mut d = ReplyDecoder::ignoring_excess_lines(limits);
        let mut got = Vec::new();
        for c in split_at_points(&wire, &points) {
            d.feed(c);
            while let Some(r) = d.next_reply() {
                let r = r.unwrap().into_owned();
                got.push((r, d.excess_lines()));
            }
            let bound = max_reply_lines * (max_line_len + 2) + max_line_len + 2;
            prop_assert!(d.buffered() <= bound, "{} > {}", d.buffered(), bound);
        }
        prop_assert_eq!(got.len(), replies.len());
        for (sent, (back, excess)) in replies.iter().zip(&got) {
            let sent_lines: Vec<&[u8]> = sent.lines().collect();
            let back_lines: Vec<&[u8]> = back.lines().collect();
            prop_assert_eq!(back.code(), sent.code());
            if sent_lines.len() <= max_reply_lines {
                prop_assert_eq!(back, sent);
                prop_assert_eq!(*excess, 0);
            } else {
                prop_assert_eq!(&back_lines[..max_reply_lines], &sent_lines[..max_reply_lines]);
                prop_assert_eq!(back_lines.last(), sent_lines.last());
                prop_assert_eq!(back_lines.len(), max_reply_lines + 1);
                prop_assert_eq!(*excess, sent_lines.len() - max_reply_lines - 1);
                // It re-encodes and decodes to itself.
                let again = encode(back);
                prop_assert_eq!(&decode_reply(&again).unwrap().1, back);
            }
        }
    }
}

//! Client side: arbitrary bytes from a server, in arbitrary chunks.
//!
//! Properties: no panic; the streaming decoder's output does not depend on how the bytes were
//! chunked; a drained decoder holds no more than one reply's worth (bounded memory);
//! `decode_reply` always consumes something or asks for more; every payload parser accepts or
//! refuses every decoded reply without panicking, and so do the line parsers (facts, LIST,
//! time-val) on every line of the input; whatever a payload parser accepts, the matching
//! server-side builder (`pasv_reply`, `epsv_reply`, `pathname_reply`, `feat_reply`,
//! `size_reply`, `mdtm_reply`, `mlst_reply`, `encode_facts`, `encode_timestamp`) writes back
//! so that it parses to the same value; on input within the limits the slice and streaming
//! decoders agree.
#![no_main]

mod common;

use ftps_proto::codec::{
    decode_reply, encode_facts, encode_timestamp, epsv_reply, feat_reply, mdtm_reply, mlst_reply,
    parse_epsv_reply, parse_facts, parse_feat_reply, parse_feature_line, parse_list_line,
    parse_mdtm_reply, parse_mlst_reply, parse_opening_size_hint, parse_pasv_reply,
    parse_pathname_reply, parse_size_reply, parse_timestamp, pasv_reply, pathname_reply,
    size_reply, strip_repeated_prefix, DecodeError, Limits, Reply,
};
use ftps_proto::types::Text;
use libfuzzer_sys::fuzz_target;

fn every_payload_parser(reply: &Reply<'_>) {
    let _ = reply.code();
    let _ = reply.text();
    let _ = reply.is_multiline();
    assert!(reply.lines().count() >= 1, "a reply without a line");
    // Every payload a parser accepts, the matching server-side builder writes back in a form
    // the parser reads as the same value (parse, build, parse).
    if let Ok(addr) = parse_pasv_reply(reply) {
        assert_eq!(parse_pasv_reply(&pasv_reply(addr)), Ok(addr), "{reply:?}");
    }
    if let Ok(port) = parse_epsv_reply(reply) {
        assert_eq!(parse_epsv_reply(&epsv_reply(port)), Ok(port), "{reply:?}");
    }
    if let Ok(path) = parse_pathname_reply(reply) {
        let built = pathname_reply(&path, &Text::EMPTY);
        let back = parse_pathname_reply(&built).map(|p| p.into_owned());
        assert_eq!(back, Ok(path.into_owned()), "{reply:?}");
    }
    if let Ok(features) = parse_feat_reply(reply) {
        let built = feat_reply(&features);
        assert_eq!(parse_feat_reply(&built), Ok(features), "{reply:?}");
    }
    if let Ok(size) = parse_size_reply(reply) {
        assert_eq!(parse_size_reply(&size_reply(size)), Ok(size), "{reply:?}");
    }
    if let Ok(time) = parse_mdtm_reply(reply) {
        assert_eq!(parse_mdtm_reply(&mdtm_reply(&time)), Ok(time), "{reply:?}");
    }
    if let Ok(entry) = parse_mlst_reply(reply) {
        let built = mlst_reply(&entry)
            .unwrap_or_else(|e| panic!("parsed MLST entry {entry:?} cannot be rebuilt: {e}"));
        let back = parse_mlst_reply(&built).map(|e| e.into_owned());
        assert_eq!(back, Ok(entry.into_owned()), "{reply:?}");
    }
    let _ = parse_opening_size_hint(reply);
    let _ = parse_mlst_reply(reply);
    for line in reply.lines() {
        let _ = parse_feature_line(reply.code(), line);
        let stripped = strip_repeated_prefix(reply.code(), line);
        assert!(
            line.ends_with(stripped),
            "strip_repeated_prefix did not strip a prefix"
        );
    }
    let mut wire = Vec::new();
    reply.encode(&mut wire);
    assert!(
        common::is_clean_lines(&wire),
        "{reply:?} encoded as {wire:?}"
    );
}

fn every_line_parser(line: &[u8]) {
    if let Ok(facts) = parse_facts(line) {
        let _ = facts.size();
        let _ = facts.file_type();
        let _ = facts.modify();
        // An entry the parser accepts can be written back and reads as the same entry.
        let mut out = Vec::new();
        encode_facts(&facts, &mut out)
            .unwrap_or_else(|e| panic!("parsed entry {facts:?} cannot be encoded: {e}"));
        let back = parse_facts(&out).map(|f| f.into_owned());
        assert_eq!(
            back,
            Ok(facts.into_owned()),
            "{line:?} re-encoded as {out:?}"
        );
    }
    if let Some(entry) = parse_list_line(line) {
        assert_eq!(
            &entry.raw[..],
            line,
            "LIST entry does not keep the raw line"
        );
    }
    if let Ok(time) = parse_timestamp(line) {
        // The fraction's digits are kept, so a time-val re-encodes byte for byte.
        let mut out = Vec::new();
        encode_timestamp(&time, &mut out);
        assert_eq!(out, line, "time-val re-encoded differently");
    }
}

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::default(), common::tight_limits()] {
        let whole = common::stream_replies(limits, &[data]);
        let chunked = common::stream_replies(limits, &common::chunks(data));
        assert_eq!(whole, chunked, "chunking changed the decoded replies");
        if data.len() <= 512 {
            let bytewise: Vec<&[u8]> = data.chunks(1).collect();
            assert_eq!(whole, common::stream_replies(limits, &bytewise));
        }
        for reply in whole.iter().flatten() {
            every_payload_parser(reply);
        }
    }

    // The slice decoder: each step consumes bytes, or says Incomplete, or fails.
    let mut rest = data;
    let mut sliced = Vec::new();
    let mut slice_failed = false;
    loop {
        match decode_reply(rest) {
            Ok((tail, reply)) => {
                assert!(tail.len() < rest.len(), "decode_reply consumed nothing");
                every_payload_parser(&reply);
                if !slice_failed {
                    sliced.push(reply.into_owned());
                }
                rest = tail;
            }
            Err(DecodeError::Incomplete) => break,
            Err(e) => {
                if let DecodeError::Invalid { offset, .. } = e {
                    assert!(
                        offset <= rest.len(),
                        "offset {offset} beyond input {}",
                        rest.len()
                    );
                }
                slice_failed = true;
                match rest.iter().position(|&b| b == b'\n') {
                    Some(i) => rest = &rest[i + 1..],
                    None => break,
                }
            }
        }
    }

    // Without NUL (the framer reads CR NUL as a bare CR), overlong lines or overlong replies,
    // the slice decoder and the streaming decoder agree up to the first refused reply: same
    // grammar and the same Telnet handling, different framing.
    let limits = Limits::default();
    let plain = !data.contains(&0)
        && data.split(|&b| b == b'\n').count() < limits.max_reply_lines
        && data
            .split(|&b| b == b'\n')
            .all(|l| l.len() < limits.max_line_len);
    if plain {
        let agreed: Vec<_> = common::stream_replies(limits, &[data])
            .into_iter()
            .map_while(Result::ok)
            .collect();
        assert_eq!(sliced, agreed, "slice and stream decoders disagree");
    }

    for line in data.split(|&b| b == b'\n') {
        every_line_parser(line.strip_suffix(b"\r").unwrap_or(line));
    }
});

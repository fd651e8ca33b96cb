//! Decode → encode → decode: every reply that decodes re-encodes to bytes that decode to the
//! same reply, and re-encoding that is a fixed point (the encoder is the exact inverse of the
//! decoder, DESIGN.md "Codec").
#![no_main]

mod common;

use ftps_proto::codec::{decode_reply, Limits, ReplyDecoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok((tail, first)) = decode_reply(rest) {
        assert!(tail.len() < rest.len(), "decode_reply consumed nothing");
        rest = tail;

        let mut wire = Vec::new();
        first.encode(&mut wire);
        assert!(
            common::is_clean_lines(&wire),
            "{first:?} encoded as {wire:?}"
        );

        let (left, second) = decode_reply(&wire)
            .unwrap_or_else(|e| panic!("{first:?} encoded as {wire:?} does not decode: {e}"));
        assert!(left.is_empty(), "{wire:?} left {left:?}");
        assert_eq!(first, second, "wire {wire:?}");

        let mut again = Vec::new();
        second.encode(&mut again);
        assert_eq!(wire, again, "encoding is not a fixed point");

        // The client's streaming decoder reads it back too.
        let lines = first.lines().count();
        let longest = first.lines().map(<[u8]>::len).max().unwrap_or(0) + 4;
        let limits = Limits::default()
            .with_max_line_len(longest.max(Limits::default().max_line_len))
            .with_max_reply_lines(lines.max(Limits::default().max_reply_lines));
        let mut decoder = ReplyDecoder::new(limits);
        decoder.feed(&wire);
        match decoder.next_reply() {
            Some(Ok(third)) => assert_eq!(first, third, "wire {wire:?}"),
            other => panic!("{wire:?} streamed as {other:?}"),
        }
        assert!(decoder.next_reply().is_none());
        assert_eq!(decoder.buffered(), 0);

        assert_eq!(first.clone().into_owned(), first);
    }
});

//! Any reply that can be built (an `Arbitrary` value, valid by construction) encodes as whole
//! CRLF lines and decodes back to itself, through the slice decoder and the client's streaming
//! decoder: a multi-line text cannot end the reply early (RFC 959 §4.2).
#![no_main]

mod common;

use ftps_proto::codec::{decode_reply, Limits, Reply, ReplyDecoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|reply: Reply<'static>| {
    let mut wire = Vec::new();
    reply.encode(&mut wire);
    assert!(
        common::is_clean_lines(&wire),
        "{reply:?} encoded as {wire:?}"
    );

    let (left, back) = decode_reply(&wire)
        .unwrap_or_else(|e| panic!("{reply:?} encoded as {wire:?} does not decode: {e}"));
    assert!(left.is_empty(), "{wire:?} left {left:?}");
    assert_eq!(reply, back, "wire {wire:?}");

    let limits = Limits::default()
        .with_max_line_len(wire.len())
        .with_max_reply_lines(reply.lines().count().max(1));
    let mut decoder = ReplyDecoder::new(limits);
    for chunk in common::chunks(&wire) {
        decoder.feed(chunk);
    }
    match decoder.next_reply() {
        Some(Ok(streamed)) => assert_eq!(reply, streamed, "wire {wire:?}"),
        other => panic!("{reply:?} encoded as {wire:?} streamed as {other:?}"),
    }
    assert!(
        decoder.next_reply().is_none(),
        "{wire:?} decoded as more than one reply"
    );
    assert_eq!(decoder.buffered(), 0);
});

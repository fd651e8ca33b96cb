//! Decode → encode → decode: every command that decodes re-encodes to bytes that decode to
//! the same command, and re-encoding that is a fixed point (the encoder is the exact inverse
//! of the decoder, DESIGN.md "Codec").
#![no_main]

mod common;

use ftps_proto::codec::{decode_command, CommandDecoder, CommandLine, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok((tail, first)) = decode_command(rest) {
        assert!(tail.len() < rest.len(), "decode_command consumed nothing");
        rest = tail;

        let mut wire = Vec::new();
        first.encode(&mut wire);
        assert!(common::is_one_line(&wire), "{first:?} encoded as {wire:?}");

        // The slice decoder reads the encoding back, whole.
        let (left, second) = decode_command(&wire)
            .unwrap_or_else(|e| panic!("{first:?} encoded as {wire:?} does not decode: {e}"));
        assert!(left.is_empty(), "{wire:?} left {left:?}");
        assert_eq!(first, second, "wire {wire:?}");
        assert_eq!(first.verb(), second.verb());

        let mut again = Vec::new();
        second.encode(&mut again);
        assert_eq!(wire, again, "encoding is not a fixed point");

        // The server's streaming decoder (with Telnet processing) reads it back too: the
        // encoder doubles 0xFF, the decoder undoes it.
        let mut decoder = CommandDecoder::new(Limits::default().with_max_line_len(wire.len()));
        decoder.feed(&wire);
        match decoder.next_line() {
            Some(CommandLine::Command(Ok(third))) => assert_eq!(first, third, "wire {wire:?}"),
            other => panic!("{wire:?} streamed as {other:?}"),
        }
        assert!(decoder.next_line().is_none());
        assert_eq!(decoder.buffered(), 0);

        // Owned and borrowed forms are equal.
        assert_eq!(first.clone().into_owned(), first);
    }
});

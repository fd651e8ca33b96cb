//! Any command that can be built (an `Arbitrary` value, valid by construction) encodes as
//! exactly one line and decodes back to itself, through the slice decoder and the server's
//! streaming decoder: encoding cannot produce a second command (DESIGN.md "Codec").
#![no_main]

mod common;

use ftps_proto::codec::{Command, CommandDecoder, CommandLine, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|command: Command<'static>| {
    let mut wire = Vec::new();
    command.encode(&mut wire);
    assert!(
        common::is_one_line(&wire),
        "{command:?} encoded as {wire:?}"
    );

    let mut decoder = CommandDecoder::new(Limits::default().with_max_line_len(wire.len()));
    for chunk in common::chunks(&wire) {
        decoder.feed(chunk);
    }
    match decoder.next_line() {
        Some(CommandLine::Command(Ok(back))) => assert_eq!(command, back, "wire {wire:?}"),
        other => panic!("{command:?} encoded as {wire:?} decoded as {other:?}"),
    }
    assert!(
        decoder.next_line().is_none(),
        "{wire:?} decoded as more than one item"
    );
    assert_eq!(decoder.buffered(), 0);
});

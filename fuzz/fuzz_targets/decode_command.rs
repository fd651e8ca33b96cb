//! Server side: arbitrary bytes from a client, in arbitrary chunks.
//!
//! Properties: no panic; the commands and overlong-line reports the streaming decoder returns
//! do not depend on how the bytes were chunked (Telnet signals are compared out: the framer's
//! bounded signal queue drops signals once full, which depends on when the caller drains); a
//! drained decoder never holds more than one line (bounded memory); `Command::parse` and
//! `decode_command` never panic and `decode_command` always consumes something or asks for
//! more; every command that decodes re-encodes as exactly one line; without Telnet commands the
//! slice and streaming decoders agree.
#![no_main]

mod common;

use ftps_proto::codec::{decode_command, Command, DecodeError, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Streaming: the same bytes in one piece and in data-derived chunks, under the default and
    // tight limits, give the same items.
    for limits in [Limits::default(), common::tight_limits()] {
        let whole = common::stream_commands(limits, &[data]);
        let chunked = common::stream_commands(limits, &common::chunks(data));
        let commands = common::without_signals(whole.clone());
        assert_eq!(
            commands,
            common::without_signals(chunked),
            "chunking changed the decoded commands"
        );
        if data.len() <= 512 {
            let bytewise: Vec<&[u8]> = data.chunks(1).collect();
            assert_eq!(
                commands,
                common::without_signals(common::stream_commands(limits, &bytewise)),
                "byte-by-byte feeding changed the decoded commands"
            );
        }
        for item in &whole {
            if let common::CommandItem::Command(Ok(command)) = item {
                let mut wire = Vec::new();
                command.encode(&mut wire);
                assert!(
                    common::is_one_line(&wire),
                    "{command:?} encoded as {wire:?}"
                );
            }
        }
    }

    // The whole input as one line, and every LF-separated piece of it.
    let _ = Command::parse(data);
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Ok(command) = Command::parse(line) {
            let _ = command.verb();
            let mut wire = Vec::new();
            command.encode(&mut wire);
            assert!(
                common::is_one_line(&wire),
                "{command:?} encoded as {wire:?}"
            );
        }
    }

    // The slice decoder: each step consumes bytes, or says Incomplete, or fails.
    let mut rest = data;
    let mut sliced = Vec::new();
    let mut slice_failed = false;
    loop {
        match decode_command(rest) {
            Ok((tail, command)) => {
                assert!(tail.len() < rest.len(), "decode_command consumed nothing");
                if !slice_failed {
                    sliced.push(common::CommandItem::Command(Ok(command.into_owned())));
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
                // A line with an invalid command: skip it as a server would.
                slice_failed = true;
                match rest.iter().position(|&b| b == b'\n') {
                    Some(i) => rest = &rest[i + 1..],
                    None => break,
                }
            }
        }
    }

    // Without Telnet commands (every 0xFF doubled as `IAC IAC`, which both decoders undo), CR
    // NUL (which the framer turns into a bare CR) or overlong lines, the slice decoder and the
    // streaming decoder agree up to the first refused line (same grammar, different framing).
    let plain = common::only_doubled_iac(data)
        && !data.contains(&0)
        && data
            .split(|&b| b == b'\n')
            .all(|l| l.len() < Limits::default().max_line_len);
    if plain {
        let streamed = common::stream_commands(Limits::default(), &[data]);
        let agreed: Vec<_> = streamed
            .into_iter()
            .take_while(|i| matches!(i, common::CommandItem::Command(Ok(_))))
            .collect();
        assert_eq!(sliced, agreed, "slice and stream decoders disagree");
    }
});

//! Shared by the fuzz targets: how an input is cut into chunks, and owned snapshots of what
//! the streaming decoders return (so runs with different chunkings can be compared).
//!
//! Owns nothing of the codec; must not re-implement any of its grammar.

#![allow(dead_code)]

use ftps_proto::codec::Command;
use ftps_proto::codec::{
    CommandDecoder, CommandError, CommandLine, DecodeError, Limits, Reply, ReplyDecoder,
    TelnetSignal,
};

/// Slack allowed above `max_line_len` in a drained decoder's buffer: a partial line end
/// (`CR`) and a partial Telnet sequence (`IAC`, `IAC WILL`) may wait for their next byte.
pub const BUFFER_SLACK: usize = 4;

/// The tight limits used beside the defaults, so that overlong lines and overlong replies
/// are reached by small inputs.
pub fn tight_limits() -> Limits {
    Limits::default()
        .with_max_line_len(24)
        .with_max_reply_lines(4)
}

/// Cuts `data` into chunks whose sizes (1 to 13 bytes, and sometimes everything left) are
/// derived from the data itself, so raw transcripts stay valid seeds.
pub fn chunks(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0usize;
    while !rest.is_empty() {
        let b = rest[0] as usize;
        let n = if b.is_multiple_of(11) {
            rest.len()
        } else {
            (b.wrapping_mul(31).wrapping_add(i)) % 13 + 1
        };
        let n = n.min(rest.len());
        let (head, tail) = rest.split_at(n);
        out.push(head);
        rest = tail;
        i += 1;
    }
    out
}

/// An owned snapshot of one [`CommandLine`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandItem {
    /// A parsed (or refused) command line.
    Command(Result<Command<'static>, CommandError>),
    /// A Telnet signal.
    Telnet(TelnetSignal),
    /// An overlong line was skipped.
    TooLong,
}

impl CommandItem {
    fn of(line: CommandLine<'_>) -> CommandItem {
        match line {
            CommandLine::Command(r) => CommandItem::Command(r.map(Command::into_owned)),
            CommandLine::Telnet(t) => CommandItem::Telnet(t),
            CommandLine::TooLong => CommandItem::TooLong,
            other => panic!("a CommandLine variant the fuzz targets do not know: {other:?}"),
        }
    }
}

/// The items without Telnet signals. The line framer bounds its signal queue by coalescing
/// identical signals and dropping them once the queue is full (documented in the codec's
/// `line` module), so how many signals come out depends on how often the caller drains;
/// commands and overlong-line reports never do.
pub fn without_signals(items: Vec<CommandItem>) -> Vec<CommandItem> {
    items
        .into_iter()
        .filter(|i| !matches!(i, CommandItem::Telnet(_)))
        .collect()
}

/// Drains `decoder`, asserting after the drain that it holds no more than one line's worth.
pub fn drain_commands(decoder: &mut CommandDecoder, out: &mut Vec<CommandItem>) {
    while let Some(line) = decoder.next_line() {
        out.push(CommandItem::of(line));
        // A decoder that yields an endless stream of items from finite input is a bug.
        assert!(
            out.len() <= 1 << 20,
            "CommandDecoder does not make progress"
        );
    }
    let max = decoder.limits().max_line_len;
    assert!(
        decoder.buffered() <= max + BUFFER_SLACK,
        "CommandDecoder holds {} bytes with max_line_len {max}",
        decoder.buffered()
    );
}

/// Feeds `chunks` one by one into a fresh command decoder with `limits`, draining after each.
pub fn stream_commands(limits: Limits, chunks: &[&[u8]]) -> Vec<CommandItem> {
    let mut decoder = CommandDecoder::new(limits);
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk);
        drain_commands(&mut decoder, &mut out);
    }
    out
}

/// Drains `decoder`, asserting after the drain that it holds no more than one line's worth.
pub fn drain_replies(
    decoder: &mut ReplyDecoder,
    out: &mut Vec<Result<Reply<'static>, DecodeError>>,
) {
    while let Some(item) = decoder.next_reply() {
        out.push(item.map(Reply::into_owned));
        assert!(out.len() <= 1 << 20, "ReplyDecoder does not make progress");
    }
    // A multi-line reply in progress may hold up to max_reply_lines lines of max_line_len.
    let limits = decoder.limits();
    let bound = (limits.max_line_len + 2 + BUFFER_SLACK) * (limits.max_reply_lines + 1);
    assert!(
        decoder.buffered() <= bound,
        "ReplyDecoder holds {} bytes, bound {bound}",
        decoder.buffered()
    );
}

/// Feeds `chunks` one by one into a fresh reply decoder with `limits`, draining after each.
pub fn stream_replies(
    limits: Limits,
    chunks: &[&[u8]],
) -> Vec<Result<Reply<'static>, DecodeError>> {
    let mut decoder = ReplyDecoder::new(limits);
    let mut out = Vec::new();
    for chunk in chunks {
        decoder.feed(chunk);
        drain_replies(&mut decoder, &mut out);
    }
    out
}

/// True when an encoded control line is exactly one line: it ends with CRLF and holds no
/// LF, and no CR or NUL except a path name's CR sent as CR NUL (RFC 959 §4.1.3 `<string>`
/// excludes CR and LF; RFC 2640 §3.1).
pub fn is_one_line(wire: &[u8]) -> bool {
    let Some(body) = wire.strip_suffix(b"\r\n") else {
        return false;
    };
    // No LF at all; a CR only as the CR NUL that carries a path name's CR (RFC 2640 §3.1,
    // RFC 959's Telnet end-of-line rules), and a NUL only right after such a CR.
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        match b {
            b'\n' | 0 => return false,
            b'\r' if body.get(i + 1) != Some(&0) => return false,
            b'\r' => i += 2,
            _ => i += 1,
        }
    }
    true
}

/// True when `wire` is whole CRLF-terminated lines with no stray CR, LF or NUL inside a line.
pub fn is_clean_lines(wire: &[u8]) -> bool {
    let Some(body) = wire.strip_suffix(b"\r\n") else {
        return false;
    };
    body.split(|&b| b == b'\n').all(|segment| {
        let segment = segment.strip_suffix(b"\r").unwrap_or(segment);
        !segment.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0)
    }) && body
        .iter()
        .enumerate()
        .all(|(i, &b)| b != b'\n' || (i > 0 && body[i - 1] == b'\r'))
}

/// True when every 0xFF in `data` is part of an `IAC IAC` pair (an escaped data byte).
pub fn only_doubled_iac(data: &[u8]) -> bool {
    let mut i = 0;
    while i < data.len() {
        if data[i] == 0xFF {
            if data.get(i + 1) != Some(&0xFF) {
                return false;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    true
}

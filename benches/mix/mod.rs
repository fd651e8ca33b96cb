//! The benchmark's command and reply mix and the decode loops, shared by `benches/codec.rs`
//! (criterion, wall clock) and `benches/codec_icount.rs` (one loop per run, for callgrind's
//! instruction counts), so both measure exactly the same bytes with exactly the same loops.

use std::hint::black_box;

use ftps_proto::codec::{
    decode_command, decode_reply, Command, CommandDecoder, CommandLine, ReplyDecoder,
};

/// One client session as a server sees it: login, directory work, listings, transfers.
pub const SESSION_COMMANDS: &[&str] = &[
    "USER alice",
    "PASS correct horse battery staple",
    "SYST",
    "FEAT",
    "OPTS UTF8 ON",
    "PWD",
    "CWD /pub/releases/2024",
    "TYPE I",
    "EPSV",
    "MLSD",
    "PASV",
    "LIST -la",
    "SIZE linux-6.8.tar.xz",
    "MDTM linux-6.8.tar.xz",
    "REST 1048576",
    "EPSV",
    "RETR linux-6.8.tar.xz",
    "NOOP",
    "CWD /incoming/uploads",
    "PASV",
    "STOR reports/2024-Q1 summary.pdf",
    "MLST reports/2024-Q1 summary.pdf",
    "RNFR reports/2024-Q1 summary.pdf",
    "RNTO reports/archive/2024-Q1 summary.pdf",
    "DELE tmp/upload.part",
    "CDUP",
    "MKD new folder",
    "NOOP",
    "QUIT",
];

/// The replies a client reads in such a session.
pub const SESSION_REPLIES: &[&[&str]] = &[
    &["220 ProFTPD 1.3.8 Server (Example FTPS) [192.0.2.10]"],
    &["331 Password required for alice"],
    &["230 User alice logged in"],
    &["215 UNIX Type: L8"],
    &[
        "211-Features:",
        " AUTH TLS",
        " CCC",
        " EPRT",
        " EPSV",
        " HOST",
        " LANG en-US*",
        " MDTM",
        " MFMT",
        " MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;",
        " PBSZ",
        " PROT",
        " REST STREAM",
        " SIZE",
        " TVFS",
        " UTF8",
        "211 End",
    ],
    &["200 UTF8 set to on"],
    &["257 \"/home/alice\" is the current directory"],
    &["250 CWD command successful"],
    &["200 Type set to I"],
    &["229 Entering Extended Passive Mode (|||50123|)"],
    &["150 Opening BINARY mode data connection for MLSD"],
    &["226 Transfer complete"],
    &["227 Entering Passive Mode (192,0,2,10,195,80)."],
    &["150 Opening ASCII mode data connection for file list"],
    &["226 Transfer complete"],
    &["213 134217728"],
    &["213 20240310120000"],
    &["350 Restarting at 1048576. Send STORE or RETRIEVE to initiate transfer"],
    &["229 Entering Extended Passive Mode (|||50124|)"],
    &["150 Opening BINARY mode data connection for linux-6.8.tar.xz (134217728 bytes)"],
    &["226 Transfer complete"],
    &["200 NOOP command successful"],
    &["250 CWD command successful"],
    &[
        "250-Start of list for reports/2024-Q1 summary.pdf",
        " modify=20240401093000;perm=adfrw;size=482133;type=file; /incoming/uploads/reports/2024-Q1 summary.pdf",
        "250 End of list",
    ],
    &["350 File or directory exists, ready for destination name"],
    &["250 Rename successful"],
    &["250 DELE command successful"],
    &["257 \"/incoming/new folder\" - Directory successfully created"],
    &["221 Goodbye."],
];

/// Sessions per benchmark buffer (the binary prints the resulting sizes).
pub const SESSIONS: usize = 64;

/// A TCP segment's worth of bytes per `feed`.
pub const CHUNK: usize = 1460;

pub fn command_stream() -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    for _ in 0..SESSIONS {
        for line in SESSION_COMMANDS {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    (out, SESSIONS * SESSION_COMMANDS.len())
}

pub fn reply_stream() -> (Vec<u8>, usize, usize) {
    let mut out = Vec::new();
    let mut lines = 0;
    for _ in 0..SESSIONS {
        for reply in SESSION_REPLIES {
            for line in *reply {
                out.extend_from_slice(line.as_bytes());
                out.extend_from_slice(b"\r\n");
                lines += 1;
            }
        }
    }
    (out, SESSIONS * SESSION_REPLIES.len(), lines)
}

/// The baseline: count CRLF-terminated lines with `memchr`, touching each line once.
pub fn memchr_lines(buf: &[u8]) -> usize {
    let mut start = 0;
    let mut lines = 0;
    for end in memchr::memchr_iter(b'\n', buf) {
        black_box(&buf[start..end]);
        lines += 1;
        start = end + 1;
    }
    lines
}

pub fn slice_commands(buf: &[u8]) -> usize {
    let mut rest = buf;
    let mut n = 0;
    while !rest.is_empty() {
        let (tail, command) = decode_command(rest).expect("the command mix is valid");
        black_box(&command);
        rest = tail;
        n += 1;
    }
    n
}

pub fn slice_commands_owned(buf: &[u8]) -> usize {
    let mut rest = buf;
    let mut n = 0;
    while !rest.is_empty() {
        let (tail, command) = decode_command(rest).expect("the command mix is valid");
        let owned: Command<'static> = command.into_owned();
        black_box(&owned);
        rest = tail;
        n += 1;
    }
    n
}

pub fn stream_commands(decoder: &mut CommandDecoder, buf: &[u8]) -> usize {
    let mut n = 0;
    for chunk in buf.chunks(CHUNK) {
        decoder.feed(chunk);
        while let Some(item) = decoder.next_line() {
            match item {
                CommandLine::Command(Ok(command)) => {
                    black_box(&command);
                    n += 1;
                }
                other => panic!("the command mix decoded as {other:?}"),
            }
        }
    }
    n
}

pub fn slice_replies(buf: &[u8]) -> usize {
    let mut rest = buf;
    let mut n = 0;
    while !rest.is_empty() {
        let (tail, reply) = decode_reply(rest).expect("the reply mix is valid");
        black_box(&reply);
        rest = tail;
        n += 1;
    }
    n
}

pub fn slice_replies_owned(buf: &[u8]) -> usize {
    let mut rest = buf;
    let mut n = 0;
    while !rest.is_empty() {
        let (tail, reply) = decode_reply(rest).expect("the reply mix is valid");
        black_box(reply.into_owned());
        rest = tail;
        n += 1;
    }
    n
}

pub fn stream_replies(decoder: &mut ReplyDecoder, buf: &[u8]) -> usize {
    let mut n = 0;
    for chunk in buf.chunks(CHUNK) {
        decoder.feed(chunk);
        while let Some(item) = decoder.next_reply() {
            let reply = item.expect("the reply mix is valid");
            black_box(&reply);
            n += 1;
        }
    }
    n
}

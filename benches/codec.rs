//! Codec throughput and allocations: a busy server's command stream and a busy client's reply
//! stream, decoded by the slice decoders and the streaming decoders, beside a bare `memchr`
//! CRLF split of the same bytes (the floor any line-based decoder pays).
//!
//! ```text
//! cargo bench --bench codec               # full run, well under 2 minutes
//! cargo bench --bench codec -- --quick    # shorter still
//! cargo bench --bench codec -- --test     # each benchmark once, as a correctness check
//! ```
//!
//! Every benchmark asserts that it decoded exactly the items the stream holds, so `--test` is
//! a real check. Before timing, the binary prints heap allocations per decoded item, counted by
//! a wrapper around the system allocator; after timing, each decoder's time relative to the
//! `memchr` split (read back from criterion's estimates).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use ftps_proto::codec::{
    decode_command, decode_reply, Command, CommandDecoder, CommandLine, Limits, ReplyDecoder,
};

/// Counts every allocation and reallocation made through the global allocator.
struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract is `System`'s; the counter is a relaxed atomic and never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations made while `f` runs.
fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

/// One client session as a server sees it: login, directory work, listings, transfers.
const SESSION_COMMANDS: &[&str] = &[
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
const SESSION_REPLIES: &[&[&str]] = &[
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
const SESSIONS: usize = 64;

/// A TCP segment's worth of bytes per `feed`.
const CHUNK: usize = 1460;

fn command_stream() -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    for _ in 0..SESSIONS {
        for line in SESSION_COMMANDS {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    (out, SESSIONS * SESSION_COMMANDS.len())
}

fn reply_stream() -> (Vec<u8>, usize, usize) {
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
fn memchr_lines(buf: &[u8]) -> usize {
    let mut start = 0;
    let mut lines = 0;
    for end in memchr::memchr_iter(b'\n', buf) {
        black_box(&buf[start..end]);
        lines += 1;
        start = end + 1;
    }
    lines
}

fn slice_commands(buf: &[u8]) -> usize {
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

fn slice_commands_owned(buf: &[u8]) -> usize {
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

fn stream_commands(decoder: &mut CommandDecoder, buf: &[u8]) -> usize {
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

fn slice_replies(buf: &[u8]) -> usize {
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

fn slice_replies_owned(buf: &[u8]) -> usize {
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

fn stream_replies(decoder: &mut ReplyDecoder, buf: &[u8]) -> usize {
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

/// Prints heap allocations per decoded item for each path (a warm-up pass first, so buffers
/// that a streaming decoder keeps are not counted), and checks the item counts.
fn report_allocations() {
    let (commands, n_commands) = command_stream();
    let (replies, n_replies, _) = reply_stream();
    let mut command_decoder = CommandDecoder::new(Limits::default());
    let mut reply_decoder = ReplyDecoder::new(Limits::default());
    assert_eq!(stream_commands(&mut command_decoder, &commands), n_commands);
    assert_eq!(stream_replies(&mut reply_decoder, &replies), n_replies);

    let per = |allocs: usize, items: usize| allocs as f64 / items as f64;
    let rows = [
        (
            "decode_command (borrowed)",
            per(
                allocations_during(|| assert_eq!(slice_commands(&commands), n_commands)),
                n_commands,
            ),
        ),
        (
            "decode_command + into_owned",
            per(
                allocations_during(|| assert_eq!(slice_commands_owned(&commands), n_commands)),
                n_commands,
            ),
        ),
        (
            "CommandDecoder (borrowed)",
            per(
                allocations_during(|| {
                    assert_eq!(stream_commands(&mut command_decoder, &commands), n_commands)
                }),
                n_commands,
            ),
        ),
        (
            "decode_reply (borrowed)",
            per(
                allocations_during(|| assert_eq!(slice_replies(&replies), n_replies)),
                n_replies,
            ),
        ),
        (
            "decode_reply + into_owned",
            per(
                allocations_during(|| assert_eq!(slice_replies_owned(&replies), n_replies)),
                n_replies,
            ),
        ),
        (
            "ReplyDecoder (borrowed)",
            per(
                allocations_during(|| {
                    assert_eq!(stream_replies(&mut reply_decoder, &replies), n_replies)
                }),
                n_replies,
            ),
        ),
    ];
    println!(
        "buffers: {n_commands} commands in {} bytes, {n_replies} replies in {} bytes",
        commands.len(),
        replies.len()
    );
    println!("heap allocations per decoded item:");
    for (name, value) in rows {
        println!("  {name:<30} {value:>6.2}");
    }
}

fn bench_commands(c: &mut Criterion) {
    let (buf, n) = command_stream();
    let mut group = c.benchmark_group("commands");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_with_input(
        BenchmarkId::from_parameter("memchr_lines"),
        &buf,
        |b, buf| b.iter(|| assert_eq!(memchr_lines(buf), n)),
    );
    group.bench_with_input(
        BenchmarkId::from_parameter("decode_command"),
        &buf,
        |b, buf| b.iter(|| assert_eq!(slice_commands(buf), n)),
    );
    group.bench_with_input(
        BenchmarkId::from_parameter("decode_command_owned"),
        &buf,
        |b, buf| b.iter(|| assert_eq!(slice_commands_owned(buf), n)),
    );
    group.bench_with_input(
        BenchmarkId::from_parameter("CommandDecoder"),
        &buf,
        |b, buf| {
            let mut decoder = CommandDecoder::new(Limits::default());
            b.iter(|| assert_eq!(stream_commands(&mut decoder, buf), n))
        },
    );
    group.finish();
}

fn bench_replies(c: &mut Criterion) {
    let (buf, n, lines) = reply_stream();
    let mut group = c.benchmark_group("replies");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_with_input(
        BenchmarkId::from_parameter("memchr_lines"),
        &buf,
        |b, buf| b.iter(|| assert_eq!(memchr_lines(buf), lines)),
    );
    group.bench_with_input(
        BenchmarkId::from_parameter("decode_reply"),
        &buf,
        |b, buf| b.iter(|| assert_eq!(slice_replies(buf), n)),
    );
    group.bench_with_input(
        BenchmarkId::from_parameter("decode_reply_owned"),
        &buf,
        |b, buf| b.iter(|| assert_eq!(slice_replies_owned(buf), n)),
    );
    group.bench_with_input(
        BenchmarkId::from_parameter("ReplyDecoder"),
        &buf,
        |b, buf| {
            let mut decoder = ReplyDecoder::new(Limits::default());
            b.iter(|| assert_eq!(stream_replies(&mut decoder, buf), n))
        },
    );
    group.finish();
}

/// Short warm-up and measurement so the whole run stays well under two minutes on a shared
/// two-core machine; `--quick` (criterion's flag) shortens it further.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(2500))
        .sample_size(30)
        .without_plots()
}

/// The median time criterion recorded for `group/id`, in nanoseconds, if it wrote one.
fn median_ns(group: &str, id: &str) -> Option<f64> {
    let root = std::env::var_os("CRITERION_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(|t| std::path::PathBuf::from(t).join("criterion"))
        })
        .unwrap_or_else(|| std::path::PathBuf::from("target/criterion"));
    let text =
        std::fs::read_to_string(root.join(group).join(id).join("new").join("estimates.json"))
            .ok()?;
    // {"mean":{...},"median":{"confidence_interval":{...},"point_estimate":N,...},...}
    let median = &text[text.find("\"median\"")?..];
    let value = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

/// Prints, from criterion's medians, each decoder's bytes/s, items/s and time relative to the
/// `memchr` split of the same buffer (criterion itself reports bytes/s only).
fn report_ratios() {
    let (commands, n_commands) = command_stream();
    let (replies, n_replies, _) = reply_stream();
    let rows = [
        (
            "commands",
            commands.len(),
            n_commands,
            ["decode_command", "decode_command_owned", "CommandDecoder"],
        ),
        (
            "replies",
            replies.len(),
            n_replies,
            ["decode_reply", "decode_reply_owned", "ReplyDecoder"],
        ),
    ];
    println!("median throughput, and time relative to the memchr CRLF split of the same buffer:");
    for (group, bytes, items, ids) in rows {
        let Some(base) = median_ns(group, "memchr_lines") else {
            println!("  {group}: no estimates recorded");
            continue;
        };
        println!(
            "  {group:<9} {:<22} {:>9.1} MiB/s {:>7.2} M items/s   1.0x",
            "memchr_lines",
            mib_per_s(bytes, base),
            items as f64 / base * 1e3
        );
        for id in ids {
            if let Some(t) = median_ns(group, id) {
                println!(
                    "  {group:<9} {id:<22} {:>9.1} MiB/s {:>7.2} M items/s {:>6.1}x",
                    mib_per_s(bytes, t),
                    items as f64 / t * 1e3,
                    t / base
                );
            }
        }
    }
}

fn mib_per_s(bytes: usize, ns: f64) -> f64 {
    bytes as f64 / (ns / 1e9) / (1024.0 * 1024.0)
}

fn main() {
    report_allocations();
    let mut c = config().configure_from_args();
    bench_commands(&mut c);
    bench_replies(&mut c);
    c.final_summary();
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        report_ratios();
    }
}

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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use ftps_proto::codec::{CommandDecoder, Limits, ReplyDecoder};

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

mod mix;

use mix::*;

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

//! One decode loop over the codec benchmark's buffer, repeated, for instruction counting.
//!
//! Wall-clock figures on a shared machine are noisy; instruction counts are repeatable. This
//! binary runs exactly one of the loops of `benches/codec.rs` (same bytes, same loops, see
//! `benches/mix/mod.rs`) `N` times, so callgrind's total for a decoder minus its total for
//! `none` (buffer construction only), divided by `N` × items, is the cost per decoded item:
//!
//! ```text
//! cargo bench --bench codec_icount --no-run    # prints the binary's path
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/deps/codec_icount-* slice-commands 20
//! ```
//!
//! Loops: `none`, `memchr-commands`, `slice-commands`, `stream-commands`, `memchr-replies`,
//! `slice-replies`, `stream-replies`. Run without valgrind (or with `--test`, as
//! `cargo test --benches` does), it checks every loop once and prints the item counts.

#[allow(dead_code)]
mod mix;

use ftps_proto::codec::{CommandDecoder, Limits, ReplyDecoder};
use mix::*;

fn run(name: &str, times: usize) -> usize {
    let (commands, n_commands) = command_stream();
    let (replies, n_replies, n_reply_lines) = reply_stream();
    let mut command_decoder = CommandDecoder::new(Limits::default());
    let mut reply_decoder = ReplyDecoder::new(Limits::default());
    let mut total = 0;
    for _ in 0..times {
        total += match name {
            "none" => 0,
            "memchr-commands" => check(memchr_lines(&commands), n_commands),
            "slice-commands" => check(slice_commands(&commands), n_commands),
            "stream-commands" => {
                check(stream_commands(&mut command_decoder, &commands), n_commands)
            }
            "memchr-replies" => check(memchr_lines(&replies), n_reply_lines),
            "slice-replies" => check(slice_replies(&replies), n_replies),
            "stream-replies" => check(stream_replies(&mut reply_decoder, &replies), n_replies),
            other => panic!("unknown loop {other:?}"),
        };
    }
    total
}

fn check(got: usize, want: usize) -> usize {
    assert_eq!(got, want, "the loop decoded an unexpected number of items");
    got
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    match args.as_slice() {
        [name, times] => {
            let times = times.parse().expect("N is a count");
            println!("{name}: {} items in {times} passes", run(name, times));
        }
        _ => {
            for name in [
                "memchr-commands",
                "slice-commands",
                "stream-commands",
                "memchr-replies",
                "slice-replies",
                "stream-replies",
            ] {
                println!("{name}: {} items per pass", run(name, 1));
            }
        }
    }
}

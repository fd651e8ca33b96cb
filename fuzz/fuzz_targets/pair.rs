//! The client and server machines against each other (the `Pair` harness of
//! `tests/pair_support`), driven by an arbitrary setup (both sides' policies), chunking seed
//! and operation sequence (requests, data faults, a `421` shutdown, time passing).
//!
//! Properties (checked by the harness and here): no panic, debug assertions included (every
//! output queue drained after every input); no livelock (bounded steps); no false "complete"
//! (a receiver reports success only for identical bytes and a clean end); without a fault both
//! ends agree; no credentials in clear under required TLS; no server data action without
//! `PROT P` under `DataPolicy::Required`; every client command is one line; every accepted
//! request completes exactly once when the session ends.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/pair_support/mod.rs"]
mod pair_support;

use pair_support::script::{run, Op, Setup};

#[derive(Arbitrary, Debug)]
struct Input {
    setup: Setup,
    seed: u64,
    chunk: u8,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let ops = &input.ops[..input.ops.len().min(24)];
    let p = run(
        input.setup.client(),
        input.setup.server(),
        input.seed,
        usize::from(input.chunk % 96) + 1,
        ops,
    );
    let v = p.transfer_violations();
    assert!(v.is_empty(), "{v:?}");
});

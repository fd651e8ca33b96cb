//! Property tests of the `Pair`: random request sequences, random chunking of the control
//! streams, random policies on both sides and random faults, client and server machines
//! against each other.
//!
//! Invariants checked after every run:
//! - no panic (debug assertions on: both output queues are drained after every input);
//! - no livelock: the harness bounds the steps (`Pair::step_limit`);
//! - every transfer either completes with identical bytes on both ends, or is reported failed
//!   (a receiver never reports success for bytes that differ or a connection that ended
//!   without close_notify under PROT P); without an injected fault both ends agree;
//! - security rules: no `USER`/`PASS`/`ACCT` in clear when the client requires TLS; no server
//!   data action (`ListenData`, `OpenData`, `StartTransfer`) without `PROT P` under
//!   `DataPolicy::Required`; no client command while its control handshake is pending; every
//!   client command is exactly one line;
//! - every request the client accepted ends with exactly one `Completed` event once the
//!   session is over.

mod pair_support;

use ftps_proto::client::{self, DataMode, DataProtection, Security};
use ftps_proto::server::{self, ControlPolicy, DataPolicy};
use pair_support::script::{fault, run, Op, Setup};
use pair_support::DataFault;
use proptest::prelude::*;

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), any::<u16>()).prop_map(|(f, o)| Op::Retrieve(f, o)),
        4 => (any::<u8>(), 0u16..3000).prop_map(|(f, n)| Op::Store(f, n)),
        1 => (any::<u8>(), 0u16..300).prop_map(|(f, n)| Op::Append(f, n)),
        1 => (0u16..300).prop_map(Op::StoreUnique),
        1 => Just(Op::List),
        1 => Just(Op::Nlst),
        1 => Just(Op::Mlsd),
        1 => any::<u8>().prop_map(Op::Size),
        1 => any::<u8>().prop_map(Op::Mdtm),
        1 => any::<u8>().prop_map(Op::Delete),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::Rename(a, b)),
        1 => any::<u8>().prop_map(Op::Mkdir),
        1 => any::<u8>().prop_map(Op::Cwd),
        1 => Just(Op::Pwd),
        1 => Just(Op::Noop),
        2 => Just(Op::Abort),
        1 => Just(Op::Rein),
        1 => Just(Op::Login),
        3 => any::<u8>().prop_map(Op::Fault),
        1 => (0u16..100).prop_map(Op::Shutdown421),
        2 => (0u16..400).prop_map(Op::Wait),
    ]
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        (
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            any::<u8>(),
            any::<u8>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        0u8..4,
    )
        .prop_map(
            |(
                (security, prot_clear, active, extended, trust_pasv),
                (control, data, allow_active, resume, strict_pbsz),
                ccc,
            )| Setup {
                security,
                prot_clear,
                active,
                extended,
                trust_pasv,
                control,
                data,
                allow_active,
                resume,
                strict_pbsz,
                ccc,
            },
        )
}

proptest! {
    // 1500 cases by default; `PROPTEST_CASES=N` runs more (for soak runs in release mode).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1500),
        ..ProptestConfig::default()
    })]

    #[test]
    fn pair_sessions_keep_every_invariant(
        setup in setup(),
        seed in any::<u64>(),
        chunk in 1usize..80,
        ops in proptest::collection::vec(op(), 0..14),
    ) {
        let p = run(setup.client(), setup.server(), seed, chunk, &ops);
        let v = p.transfer_violations();
        prop_assert!(v.is_empty(), "violations {:?}\nclient sent {:?}\nserver wire {}", v, p.sent_lines(), String::from_utf8_lossy(&p.server_wire));
    }

    #[test]
    fn fault_free_transfers_between_compatible_peers_always_succeed(
        seed in any::<u64>(),
        chunk in 1usize..80,
        active in any::<bool>(),
        clear in any::<bool>(),
        sizes in proptest::collection::vec(0u16..4000, 1..5),
    ) {
        let c = client::Config::default()
            .with_data_mode(if active { DataMode::Active } else { DataMode::Passive })
            .with_data_protection(if clear { DataProtection::Clear } else { DataProtection::Private });
        let ops: Vec<Op> = sizes.iter().enumerate().flat_map(|(i, n)| [Op::Store(i as u8, *n), Op::Retrieve(i as u8, 0)]).collect();
        // PROT C needs a server that allows clear data (the default requires PROT P).
        let s = server::Config::default().with_data(DataPolicy::Optional);
        let p = run(c, s, seed, chunk, &ops);
        prop_assert!(p.transfer_violations().is_empty(), "{:?}", p.transfer_violations());
        prop_assert_eq!(p.transfers.len(), ops.len());
        for r in &p.transfers {
            prop_assert_eq!(r.client_ok, Some(true), "{:?}", r);
            prop_assert_eq!(r.server_ok, Some(true), "{:?}", r);
            prop_assert_eq!(&r.sent, &r.received);
            prop_assert_eq!(r.protected, !clear);
        }
    }
}

/// The generator is not vacuous: over every pairing of client security mode and server control
/// policy, and every fault, transfers both succeed and fail, and each fault that must fail a
/// transfer does.
#[test]
fn every_security_pairing_and_fault_is_exercised() {
    let securities = [
        Security::Plain,
        Security::ExplicitRequired,
        Security::ExplicitOpportunistic,
        Security::Implicit,
    ];
    let controls = [
        ControlPolicy::Optional,
        ControlPolicy::RequiredForCredentials,
        ControlPolicy::Required,
        ControlPolicy::Implicit,
    ];
    let (mut ok, mut failed) = (0, 0);
    for (i, sec) in securities.iter().enumerate() {
        for (j, ctl) in controls.iter().enumerate() {
            for f in 0..8u8 {
                let c = client::Config::default().with_security(*sec);
                // Clear data allowed, so plaintext pairings still move data.
                let s = server::Config::default()
                    .with_control(*ctl)
                    .with_data(DataPolicy::Optional);
                let p = run(
                    c,
                    s,
                    (i * 100 + j * 10) as u64 + u64::from(f),
                    17,
                    &[
                        Op::Fault(f),
                        Op::Retrieve(0, 0),
                        Op::Fault(f),
                        Op::Store(1, 700),
                    ],
                );
                assert!(
                    p.transfer_violations().is_empty(),
                    "{:?}",
                    p.transfer_violations()
                );
                for r in &p.transfers {
                    match r.client_ok {
                        Some(true) => ok += 1,
                        Some(false) => failed += 1,
                        None => {}
                    }
                    if matches!(
                        r.fault,
                        DataFault::Reset
                            | DataFault::Truncate
                            | DataFault::StripCloseNotify
                            | DataFault::TlsFailure
                    ) {
                        assert_ne!(r.client_ok, Some(true), "{sec:?}/{ctl:?}: {r:?}");
                    }
                }
                // Explicit client and explicit server, no fault: both transfers succeed.
                let compatible = matches!(
                    sec,
                    Security::ExplicitRequired | Security::ExplicitOpportunistic
                ) && *ctl != ControlPolicy::Implicit
                    || *sec == Security::Implicit && *ctl == ControlPolicy::Implicit;
                if compatible && fault(f) == DataFault::None {
                    assert_eq!(
                        p.transfers.len(),
                        2,
                        "{sec:?}/{ctl:?}: {:?}",
                        p.sent_lines()
                    );
                    assert!(
                        p.transfers
                            .iter()
                            .all(|r| r.client_ok == Some(true) && r.server_ok == Some(true)),
                        "{:?}",
                        p.transfers
                    );
                }
            }
        }
    }
    assert!(ok > 20 && failed > 20, "ok {ok}, failed {failed}");
}

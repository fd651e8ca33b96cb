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

use std::time::Duration;

use ftps_proto::client::{self, DataMode, DataProtection, Event, Security};
use ftps_proto::server::{self, ControlPolicy, DataPolicy};
use pair_support::{alice, path, DataFault, Pair};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Retrieve(u8, u16),
    Store(u8, u16),
    Append(u8, u16),
    StoreUnique(u16),
    List,
    Nlst,
    Mlsd,
    Size(u8),
    Mdtm(u8),
    Delete(u8),
    Rename(u8, u8),
    Mkdir(u8),
    Cwd(u8),
    Pwd,
    Noop,
    Abort,
    Rein,
    Login,
    Fault(u8),
    Shutdown421(u16),
    Wait(u16),
}

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

fn client_config() -> impl Strategy<Value = client::Config> {
    (
        0u8..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(sec, clear, active, ext, trust)| {
            let security = [
                Security::Plain,
                Security::ExplicitRequired,
                Security::ExplicitOpportunistic,
                Security::Implicit,
            ][sec as usize];
            let mut c = client::Config::default()
                .with_security(security)
                .with_data_protection(if clear {
                    DataProtection::Clear
                } else {
                    DataProtection::Private
                })
                .with_data_mode(if active {
                    DataMode::Active
                } else {
                    DataMode::Passive
                });
            c.extended_data_commands = ext;
            c.trust_pasv_address = trust;
            c
        })
}

fn server_config() -> impl Strategy<Value = server::Config> {
    (0u8..4, 0u8..3, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(control, data, active, resume, strict)| {
            server::Config::default()
                .with_control(
                    [
                        ControlPolicy::Optional,
                        ControlPolicy::RequiredForCredentials,
                        ControlPolicy::Required,
                        ControlPolicy::Implicit,
                    ][control as usize],
                )
                .with_data(
                    [
                        DataPolicy::Optional,
                        DataPolicy::Required,
                        DataPolicy::Denied,
                    ][data as usize],
                )
                .with_active(active)
                .with_data_session_resumption(resume)
                .with_strict_pbsz(strict)
                .with_login_attempts(3, Duration::from_secs(1))
        },
    )
}

const NAMES: [&str; 4] = ["a.bin", "b.txt", "dir/c", "missing"];

fn name(i: u8) -> String {
    NAMES[i as usize % NAMES.len()].to_string()
}

fn fault(i: u8) -> DataFault {
    [
        DataFault::None,
        DataFault::None,
        DataFault::Reset,
        DataFault::Truncate,
        DataFault::StripCloseNotify,
        DataFault::TlsFailure,
        DataFault::BlackHole,
        DataFault::NoResumption,
    ][i as usize % 8]
}

fn body(n: u16, salt: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect()
}

fn run(c: client::Config, s: server::Config, seed: u64, chunk: usize, ops: &[Op]) -> Pair {
    let mut p = Pair::new(c, s, seed, chunk);
    p.files.insert("a.bin".into(), body(1500, 1));
    p.files
        .insert("b.txt".into(), b"line one\r\nline two\r\n".to_vec());
    let mut ids = Vec::new();
    if let Ok(id) = p.client.login(alice(), p.now) {
        ids.push(id);
    }
    p.drain();
    p.settle();
    for op in ops {
        let now = p.now;
        let c = &mut p.client;
        let r = match op {
            Op::Retrieve(f, o) => c.retrieve(path(&name(*f)), u64::from(*o % 2000), now),
            Op::Store(f, n) | Op::Append(f, n) => {
                let r = if matches!(op, Op::Store(..)) {
                    c.store(path(&name(*f)), now)
                } else {
                    c.append(path(&name(*f)), now)
                };
                if let Ok(id) = r {
                    p.uploads.insert(id, body(*n, *f));
                }
                r
            }
            Op::StoreUnique(n) => {
                let r = c.store_unique(now);
                if let Ok(id) = r {
                    p.uploads.insert(id, body(*n, 9));
                }
                r
            }
            Op::List => c.list(None, now),
            Op::Nlst => c.nlst(None, now),
            Op::Mlsd => c.mlsd(None, now),
            Op::Size(f) => c.size(path(&name(*f)), now),
            Op::Mdtm(f) => c.mdtm(path(&name(*f)), now),
            Op::Delete(f) => c.delete(path(&name(*f)), now),
            Op::Rename(a, b) => c.rename(path(&name(*a)), path(&name(*b)), now),
            Op::Mkdir(f) => c.mkdir(path(&name(*f)), now),
            Op::Cwd(f) => c.cwd(path(&name(*f)), now),
            Op::Pwd => c.pwd(now),
            Op::Noop => c.noop(now),
            Op::Abort => c
                .abort(now)
                .map(|()| ids.last().copied().unwrap_or_else(|| ids[0])),
            Op::Rein => c.reinitialize(now),
            Op::Login => c.login(alice(), now),
            Op::Fault(f) => {
                p.next_fault = fault(*f);
                continue;
            }
            Op::Shutdown421(ms) => {
                p.shutdown_at = Some(p.now + Duration::from_millis(u64::from(*ms)));
                continue;
            }
            Op::Wait(s) => {
                p.wait(Duration::from_secs(u64::from(*s)));
                continue;
            }
        };
        if let Ok(id) = r {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        // A fault applies to the next data connection only when it is set before it.
        p.drain();
        p.settle();
    }
    if let Ok(id) = p.client.quit(p.now) {
        ids.push(id);
    }
    p.drain();
    p.settle();
    p.wait(Duration::from_secs(900));
    // Every accepted request ended exactly once, unless the session is still usable.
    let closed = p
        .client_events
        .iter()
        .any(|e| matches!(e, Event::Closed(_)));
    if closed {
        for id in &ids {
            let n = p
                .client_events
                .iter()
                .filter(|e| matches!(e, Event::Completed { request, .. } if request == id))
                .count();
            assert_eq!(
                n, 1,
                "request {id} completed {n} times; events {:?}",
                p.client_events
            );
        }
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn pair_sessions_keep_every_invariant(
        c in client_config(),
        s in server_config(),
        seed in any::<u64>(),
        chunk in 1usize..80,
        ops in proptest::collection::vec(op(), 0..14),
    ) {
        let p = run(c, s, seed, chunk, &ops);
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
        let p = run(c, server::Config::default(), seed, chunk, &ops);
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
                let s = server::Config::default().with_control(*ctl);
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

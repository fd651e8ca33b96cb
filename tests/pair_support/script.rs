//! Scripted sessions for the `Pair`: [`Op`], one step (a request, a fault, time), and
//! [`run`], which plays a script against a pair and checks completion bookkeeping. Shared by
//! the proptests (`tests/pair_props.rs`) and the fuzz target (`fuzz/fuzz_targets/pair.rs`).
//!
//! Owns no invariant beyond "every request completes once"; the rest lives in `Pair`.

use std::time::Duration;

use ftps_proto::client::{self, DataMode, DataProtection, Event, Security};
use ftps_proto::server::{self, ControlPolicy, DataPolicy};

use super::{alice, path, DataFault, Pair};

/// One step of a scripted session: a client request, a fault to inject, or time passing.
#[derive(Clone, Debug, arbitrary::Arbitrary)]
pub enum Op {
    /// `RETR` of file `.0` from offset `.1 % 2000`.
    Retrieve(u8, u16),
    /// `STOR` of file `.0` with `.1` bytes.
    Store(u8, u16),
    /// `APPE` to file `.0` with `.1` bytes.
    Append(u8, u16),
    /// `STOU` with `.0` bytes.
    StoreUnique(u16),
    /// `LIST`.
    List,
    /// `NLST`.
    Nlst,
    /// `MLSD`.
    Mlsd,
    /// `SIZE` of file `.0`.
    Size(u8),
    /// `MDTM` of file `.0`.
    Mdtm(u8),
    /// `DELE` of file `.0`.
    Delete(u8),
    /// `RNFR`/`RNTO` from file `.0` to file `.1`.
    Rename(u8, u8),
    /// `MKD`.
    Mkdir(u8),
    /// `CWD`.
    Cwd(u8),
    /// `PWD`.
    Pwd,
    /// `NOOP`.
    Noop,
    /// `ABOR` of whatever runs.
    Abort,
    /// `REIN`.
    Rein,
    /// Another login.
    Login,
    /// The fault for the next data connection (see `fault`).
    Fault(u8),
    /// The server host sends `421` and closes after `.0` ms.
    Shutdown421(u16),
    /// Time passes: `.0` seconds.
    Wait(u16),
}

/// The file names scripts use.
pub const NAMES: [&str; 4] = ["a.bin", "b.txt", "dir/c", "missing"];

/// A file name of the script (the last one never exists).
pub fn name(i: u8) -> String {
    NAMES[i as usize % NAMES.len()].to_string()
}

/// The fault a byte selects (two in eight are no fault).
pub fn fault(i: u8) -> DataFault {
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

/// Deterministic file contents.
pub fn body(n: u16, salt: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect()
}

/// Runs a script: login, every op, quit, then 15 minutes of virtual time; checks that every
/// request accepted by the client completed exactly once when the session ended.
pub fn run(c: client::Config, s: server::Config, seed: u64, chunk: usize, ops: &[Op]) -> Pair {
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

/// Both sides' configuration as small numbers, so proptest and the fuzzer pick them alike.
#[derive(Clone, Copy, Debug, arbitrary::Arbitrary)]
pub struct Setup {
    /// Client security mode (mod 4): plain, explicit required, explicit opportunistic, implicit.
    pub security: u8,
    /// Client asks for `PROT C` instead of `PROT P`.
    pub prot_clear: bool,
    /// Client uses active mode.
    pub active: bool,
    /// Client tries EPSV/EPRT first.
    pub extended: bool,
    /// Client trusts the 227 address.
    pub trust_pasv: bool,
    /// Server control policy (mod 4): optional, for credentials, required, implicit.
    pub control: u8,
    /// Server data policy (mod 3): optional, required, denied.
    pub data: u8,
    /// Server allows active mode.
    pub allow_active: bool,
    /// Server requires data-session resumption.
    pub resume: bool,
    /// Server requires PBSZ before PROT.
    pub strict_pbsz: bool,
    /// Client asks for `CCC` after login (bit 0); server allows it (bit 1).
    pub ccc: u8,
}

impl Setup {
    /// The client's configuration.
    pub fn client(&self) -> client::Config {
        let security = [
            Security::Plain,
            Security::ExplicitRequired,
            Security::ExplicitOpportunistic,
            Security::Implicit,
        ][self.security as usize % 4];
        let mut c = client::Config::default()
            .with_security(security)
            .with_data_protection(if self.prot_clear {
                DataProtection::Clear
            } else {
                DataProtection::Private
            })
            .with_data_mode(if self.active {
                DataMode::Active
            } else {
                DataMode::Passive
            });
        c.extended_data_commands = self.extended;
        c.trust_pasv_address = self.trust_pasv;
        c.with_clear_command_channel(self.ccc & 1 != 0)
    }

    /// The server's configuration.
    pub fn server(&self) -> server::Config {
        server::Config::default()
            .with_control(
                [
                    ControlPolicy::Optional,
                    ControlPolicy::RequiredForCredentials,
                    ControlPolicy::Required,
                    ControlPolicy::Implicit,
                ][self.control as usize % 4],
            )
            .with_data(
                [
                    DataPolicy::Optional,
                    DataPolicy::Required,
                    DataPolicy::Denied,
                ][self.data as usize % 3],
            )
            .with_active(self.allow_active)
            .with_data_session_resumption(self.resume)
            .with_strict_pbsz(self.strict_pbsz)
            .with_ccc(self.ccc & 2 != 0)
            .with_login_attempts(3, Duration::from_secs(1))
    }
}

//! `Pair`: a `client::Client` and a `server::Session` connected in memory, in virtual time.
//!
//! The harness plays every adapter role and nothing more: it carries control bytes (in chunks
//! of a chosen size), completes a TLS handshake once *both* sides asked for it (resumption:
//! the data handshake reports `resumed` exactly when the client asked to resume), models
//! close_notify (`DataEnd::Clean` only when the sender closed properly), opens passive and
//! active data connections, moves file bytes over them, answers the server's questions from
//! an in-memory file store, and advances the clock to the next deadline whenever both sides
//! are otherwise idle (quinn-proto's `Pair` is the model). Faults are injected on demand.
//!
//! It owns no protocol decision: every reply, command and data action comes from the machines.
#![allow(dead_code)]

pub mod script;

use std::collections::{BTreeMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ftps_proto::client::{
    self, Client, DataAddress, Event as CEvent, Failure, Login, RequestId, Response,
};
use ftps_proto::server::{
    self, Decision, Direction, Event as SEvent, Output as SOutput, Session, TlsDetails,
};
use ftps_proto::types::{
    Channel, DataEnd, Instant, Password, Pathname, ReplyCode, Text, Timestamp, Username,
};

/// The server's control address.
pub const SERVER: &str = "10.0.0.1:21";
/// The client's control address.
pub const CLIENT: &str = "10.0.0.2:50000";

/// A tiny deterministic generator (xorshift64*), so a failing case replays from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is remapped).
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `1..=max`.
    pub fn chunk(&mut self, max: usize) -> usize {
        1 + (self.next() as usize) % max.max(1)
    }
}

/// A fault the harness injects into the next data connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataFault {
    /// Everything works.
    #[default]
    None,
    /// The connection is reset halfway: both ends see `Failed`.
    Reset,
    /// The receiver sees EOF without close_notify halfway; the sender's writes fail.
    Truncate,
    /// All bytes arrive but the close_notify is stripped: the receiver sees `Truncated`,
    /// the sender believes it finished.
    StripCloseNotify,
    /// The data TLS handshake fails on both ends.
    TlsFailure,
    /// The data connection never connects (black hole): only timers can end it.
    BlackHole,
    /// The data handshake is a full one (no resumption of the control session).
    NoResumption,
}

/// How the server-side application answers.
#[derive(Clone, Debug)]
pub struct StorePolicy {
    /// Reject every transfer with this code instead of accepting (e.g. 421, 550).
    pub refuse_transfers: Option<u16>,
    /// Users that must use TLS (`require_tls`).
    pub tls_users: bool,
    /// The password that logs in.
    pub password: &'static str,
}

impl Default for StorePolicy {
    fn default() -> Self {
        StorePolicy {
            refuse_transfers: None,
            tls_users: false,
            password: "secret",
        }
    }
}

/// What a finished transfer looked like from each end.
#[derive(Clone)]
pub struct TransferRecord {
    /// The client's request.
    pub request: RequestId,
    /// Upload or download.
    pub upload: bool,
    /// The bytes the sender had.
    pub sent: Vec<u8>,
    /// The bytes the receiver got.
    pub received: Vec<u8>,
    /// The fault injected.
    pub fault: DataFault,
    /// The client's outcome (`None` until its `Completed` event).
    pub client_ok: Option<bool>,
    /// The server's `TransferEnded { success }` (`None` if it never started on the server).
    pub server_ok: Option<bool>,
    /// Whether the data connection was TLS-protected when bytes moved.
    pub protected: bool,
}

impl std::fmt::Debug for TransferRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Transfer {{ {} {}, sent {} bytes, received {} bytes (identical: {}), fault {:?}, \
             client_ok {:?}, server_ok {:?}, protected {} }}",
            self.request,
            if self.upload { "upload" } else { "download" },
            self.sent.len(),
            self.received.len(),
            self.sent == self.received,
            self.fault,
            self.client_ok,
            self.server_ok,
            self.protected
        )
    }
}

#[derive(Debug, Default)]
struct DataLink {
    /// Server listener (passive): its address and the only allowed peer.
    listener: Option<(SocketAddr, IpAddr)>,
    /// Client listener (active).
    client_listener: Option<SocketAddr>,
    /// The server connected to the client's listener; waiting for the client's accept.
    pending_accept: bool,
    /// The client asked to accept.
    client_accepting: bool,
    /// Connected (TCP) on the client side / on the server side.
    client_up: bool,
    server_up: bool,
    /// TLS asked by each side; done.
    client_tls: Option<bool>,
    server_tls: bool,
    tls_done: bool,
    /// Transfer started on each side.
    client_started: Option<(RequestId, bool)>,
    server_started: Option<(Decision, Direction)>,
    moved: bool,
    fault: DataFault,
    /// The active transfer's record index.
    record: Option<usize>,
}

/// A client and a server wired together.
pub struct Pair {
    /// The client machine.
    pub client: Client,
    /// The server machine.
    pub server: Session,
    /// Virtual time.
    pub now: Instant,
    /// Control bytes on their way client → server / server → client.
    pub to_server: VecDeque<u8>,
    /// See `to_server`.
    pub to_client: VecDeque<u8>,
    /// Every control line the client sent, with whether the control channel was protected.
    pub client_lines: Vec<(Vec<u8>, bool)>,
    /// Every byte the server sent on the control connection.
    pub server_wire: Vec<u8>,
    /// Client events in order.
    pub client_events: Vec<CEvent>,
    /// Server events in order (decisions included).
    pub server_events: Vec<SEvent>,
    /// The server's files.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Bytes each client upload request sends.
    pub uploads: BTreeMap<RequestId, Vec<u8>>,
    /// Finished or running transfers.
    pub transfers: Vec<TransferRecord>,
    /// The application's answers.
    pub policy: StorePolicy,
    /// Fault for the next data connection.
    pub next_fault: DataFault,
    /// Largest chunk of control bytes delivered at once.
    pub max_chunk: usize,
    /// The chunking generator.
    pub rng: Rng,
    /// Steps taken (each delivery, handshake or timer firing); bounded by `step_limit`.
    pub steps: usize,
    /// The bound on steps in one `run`.
    pub step_limit: usize,
    /// Security invariant violations seen (empty when all held).
    pub violations: Vec<String>,
    /// Whether the control channel is TLS-protected now, for each direction of the wire.
    pub control_protected: bool,
    client_wants_tls: bool,
    server_wants_tls: bool,
    /// Whether the server accepted `PROT P` (reply `200` to `PROT P`) and not reset since.
    data: DataLink,
    client_closed: bool,
    server_closed: bool,
    client_deadline: Option<Instant>,
    server_deadline: Option<Instant>,
    pending_server_decisions: VecDeque<SEvent>,
    /// The server sends a `421` and closes at this instant (a fault).
    pub shutdown_at: Option<Instant>,
    /// Ports handed out for listeners.
    next_port: u16,
    /// The path each accepted upload writes to, per decision.
    upload_paths: BTreeMap<Decision, String>,
    /// The bytes each accepted download sends, per decision.
    sources: BTreeMap<Decision, Vec<u8>>,
}

/// Parses an address constant.
pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A path from a string.
pub fn path(p: &str) -> Pathname<'static> {
    Pathname::try_from(p.to_string()).unwrap()
}

/// `alice` / `secret`.
pub fn alice() -> Login {
    Login::new(
        Username::try_from("alice").unwrap(),
        Password::try_from("secret").unwrap(),
    )
}

impl Pair {
    /// A pair with these configurations, at t = 1 s, control chunks of at most `max_chunk`.
    pub fn new(
        client: client::Config,
        server: server::Config,
        seed: u64,
        max_chunk: usize,
    ) -> Self {
        let now = Instant::from_millis(1_000);
        let mut p = Pair {
            client: Client::new(client, now),
            server: Session::new(server, addr(SERVER), addr(CLIENT), now),
            now,
            to_server: VecDeque::new(),
            to_client: VecDeque::new(),
            client_lines: Vec::new(),
            server_wire: Vec::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            files: BTreeMap::new(),
            uploads: BTreeMap::new(),
            transfers: Vec::new(),
            policy: StorePolicy::default(),
            next_fault: DataFault::None,
            max_chunk: max_chunk.max(1),
            rng: Rng::new(seed),
            steps: 0,
            step_limit: 20_000,
            violations: Vec::new(),
            control_protected: false,
            client_wants_tls: false,
            server_wants_tls: false,
            data: DataLink::default(),
            client_closed: false,
            server_closed: false,
            client_deadline: None,
            server_deadline: None,
            pending_server_decisions: VecDeque::new(),
            shutdown_at: None,
            next_port: 40_000,
            upload_paths: BTreeMap::new(),
            sources: BTreeMap::new(),
        };
        p.drain();
        p
    }

    /// Both sides closed.
    pub fn closed(&self) -> bool {
        self.client_closed && self.server_closed
    }

    /// The control lines the client sent, as strings.
    pub fn sent_lines(&self) -> Vec<String> {
        self.client_lines
            .iter()
            .map(|(l, _)| String::from_utf8_lossy(l).trim_end().to_string())
            .collect()
    }

    /// The client's `Completed` result for `id`, if it came.
    pub fn result(&self, id: RequestId) -> Option<&Result<Response, Failure>> {
        self.client_events.iter().find_map(|e| match e {
            CEvent::Completed { request, result } if *request == id => Some(result),
            _ => None,
        })
    }

    /// Drains both machines, performing every output.
    pub fn drain(&mut self) {
        self.drain_client();
        self.drain_server();
    }

    fn drain_client(&mut self) {
        let mut n = 0;
        loop {
            n += 1;
            assert!(n < 10_000, "client output did not settle");
            match self.client.poll_output() {
                client::Output::Idle => {
                    self.client_deadline = None;
                    break;
                }
                client::Output::Timeout(t) => {
                    self.client_deadline = Some(t);
                    break;
                }
                o => self.client_output(o),
            }
        }
    }

    fn drain_server(&mut self) {
        let mut n = 0;
        loop {
            n += 1;
            assert!(n < 10_000, "server output did not settle");
            match self.server.poll_output() {
                SOutput::Idle => {
                    self.server_deadline = None;
                    break;
                }
                SOutput::Timeout(t) => {
                    self.server_deadline = Some(t);
                    break;
                }
                o => self.server_output(o),
            }
        }
    }

    fn check_client_line(&mut self, line: &[u8]) {
        let verb: Vec<u8> = line
            .iter()
            .take_while(|b| **b != b' ' && **b != b'\r')
            .map(|b| b.to_ascii_uppercase())
            .collect();
        let needs_tls = matches!(
            self.client.config().security,
            client::Security::ExplicitRequired | client::Security::Implicit
        );
        if needs_tls && !self.control_protected && matches!(&verb[..], b"USER" | b"PASS" | b"ACCT")
        {
            self.violations.push(format!(
                "{} sent in clear under required TLS",
                String::from_utf8_lossy(&verb)
            ));
        }
        if line.iter().filter(|b| **b == b'\n').count() != 1 || !line.ends_with(b"\r\n") {
            self.violations.push(format!(
                "not one line: {:?}",
                line.escape_ascii().to_string()
            ));
        }
    }

    fn client_output(&mut self, o: client::Output) {
        use client::Output as O;
        match o {
            O::Send(bytes) => {
                if self.client_wants_tls && !self.control_protected {
                    self.violations
                        .push("client sent while its handshake was pending".into());
                }
                self.check_client_line(&bytes);
                self.client_lines
                    .push((bytes.clone(), self.control_protected));
                if !self.server_closed {
                    self.to_server.extend(bytes);
                }
            }
            O::StartTls {
                channel,
                resume_session,
                ..
            } => match channel {
                Channel::Control => {
                    self.client_wants_tls = true;
                }
                _ => self.data.client_tls = Some(resume_session),
            },
            O::EndTls { .. } => {
                self.client_wants_tls = false;
                self.server_wants_tls = false;
                self.control_protected = false;
            }
            O::OpenData { address, .. } => {
                let port = match address {
                    DataAddress::ControlPeer { port } => port,
                    DataAddress::Exact(a) => {
                        if a.ip() != addr(SERVER).ip() {
                            self.violations.push(format!("client connects to {a}"));
                        }
                        a.port()
                    }
                    _ => 0,
                };
                match self.data.listener {
                    Some((l, peer))
                        if l.port() == port
                            && peer == addr(CLIENT).ip()
                            && self.data.fault != DataFault::BlackHole
                            && self.next_fault != DataFault::BlackHole =>
                    {
                        self.data.client_up = true;
                        self.data.server_up = true;
                        self.client.handle_data_connected(self.now);
                        let _ = self.server.handle_data_connected(self.now);
                    }
                    _ if self.next_fault == DataFault::BlackHole => {}
                    _ => self.client.handle_data_ended(DataEnd::Failed, self.now),
                }
            }
            O::ListenData { .. } => {
                self.next_port += 1;
                let a = SocketAddr::new(addr(CLIENT).ip(), self.next_port);
                self.data.client_listener = Some(a);
                self.client.handle_data_listening(a, self.now);
            }
            O::AcceptData { .. } => {
                self.data.client_accepting = true;
                self.try_accept();
            }
            O::CloseData => {
                let was_up = self.data.client_up;
                self.data.client_listener = None;
                self.data.client_accepting = false;
                self.data.client_up = false;
                if was_up && self.data.server_up {
                    self.data.server_up = false;
                    self.end_server_data(DataEnd::Clean);
                }
            }
            O::Close => {
                self.client_closed = true;
                if !self.server_closed {
                    // The server's adapter sees EOF only after the bytes in flight.
                }
            }
            O::Event(e) => self.client_event(e),
            other => panic!("unexpected client output {other:?}"),
        }
    }

    fn end_server_data(&mut self, end: DataEnd) {
        let _ = self.server.handle_data_ended(end, self.now);
    }

    fn try_accept(&mut self) {
        if self.data.client_accepting && self.data.pending_accept {
            self.data.client_accepting = false;
            self.data.pending_accept = false;
            self.data.client_up = true;
            self.client.handle_data_connected(self.now);
        }
    }

    fn client_event(&mut self, e: CEvent) {
        match &e {
            CEvent::TransferStarted {
                request, command, ..
            } => {
                self.data.client_started = Some((*request, command.is_upload()));
                if self.data.record.is_none() {
                    self.transfers.push(TransferRecord {
                        request: *request,
                        upload: command.is_upload(),
                        sent: Vec::new(),
                        received: Vec::new(),
                        fault: self.data.fault,
                        client_ok: None,
                        server_ok: None,
                        protected: false,
                    });
                    self.data.record = Some(self.transfers.len() - 1);
                }
            }
            CEvent::Completed { request, result } => {
                if let Some(r) = self.transfers.iter_mut().find(|r| r.request == *request) {
                    r.client_ok = Some(matches!(result, Ok(Response::Transferred { .. })));
                }
                if self
                    .data
                    .client_started
                    .is_some_and(|(id, _)| id == *request)
                {
                    self.data.client_started = None;
                    self.data.record = None;
                    self.data.moved = false;
                }
            }
            CEvent::Closed(_) => {}
            _ => {}
        }
        self.client_events.push(e);
    }

    fn server_output(&mut self, o: SOutput) {
        match o {
            SOutput::Send(bytes) => {
                self.server_wire.extend_from_slice(&bytes);
                if !self.client_closed {
                    self.to_client.extend(bytes);
                }
            }
            SOutput::StartTls { channel, .. } => match channel {
                Channel::Control => self.server_wants_tls = true,
                _ => self.data.server_tls = true,
            },
            SOutput::EndTls { .. } => {}
            SOutput::ListenData { peer } => {
                // A listener before PROT P is allowed: the policy is checked on the transfer
                // command (RFC 4217 §10.2); OpenData and StartTransfer are checked.
                self.next_port += 1;
                let a = SocketAddr::new(addr(SERVER).ip(), self.next_port);
                self.data.listener = Some((a, peer));
                self.data.fault = self.next_fault;
                let _ = self.server.handle_data_listening(a, self.now);
            }
            SOutput::OpenData { to } => {
                self.check_server_data_action("OpenData");
                self.data.fault = self.next_fault;
                if to.ip() != addr(CLIENT).ip() || to.port() < 1024 {
                    self.violations.push(format!("server connects to {to}"));
                }
                if self.data.fault == DataFault::BlackHole {
                    return;
                }
                if self.data.client_listener == Some(to) {
                    self.data.server_up = true;
                    self.data.pending_accept = true;
                    let _ = self.server.handle_data_connected(self.now);
                    self.try_accept();
                } else {
                    let _ = self.server.handle_data_ended(DataEnd::Failed, self.now);
                }
            }
            SOutput::StartTransfer {
                decision,
                direction,
            } => {
                if self.server.config().data == server::DataPolicy::Required && !self.data.tls_done
                {
                    self.violations
                        .push("server started a transfer without data TLS under Required".into());
                }
                self.data.server_started = Some((decision, direction));
            }
            SOutput::CloseData => {
                let was_up = self.data.server_up;
                self.data.listener = None;
                self.data.server_up = false;
                self.data.server_tls = false;
                self.data.pending_accept = false;
                if was_up && self.data.client_up {
                    self.data.client_up = false;
                    let end =
                        if self.data.fault == DataFault::StripCloseNotify && self.data.tls_done {
                            DataEnd::Truncated
                        } else {
                            DataEnd::Clean
                        };
                    self.reset_link();
                    self.client.handle_data_ended(end, self.now);
                } else {
                    self.reset_link();
                }
            }
            SOutput::Close => self.server_closed = true,
            SOutput::Event(e) => {
                if let SEvent::TransferEnded {
                    decision, success, ..
                } = &e
                {
                    if let Some(r) = self.data.record.and_then(|i| self.transfers.get_mut(i)) {
                        r.server_ok = Some(*success);
                    } else if let Some(r) = self.transfers.last_mut() {
                        if r.server_ok.is_none() {
                            r.server_ok = Some(*success);
                        }
                    }
                    self.upload_paths.remove(decision);
                    self.sources.remove(decision);
                }
                if e.decision().is_some() {
                    self.pending_server_decisions.push_back(e.clone());
                }
                self.server_events.push(e);
            }
            other => panic!("unexpected server output {other:?}"),
        }
    }

    /// Under `DataPolicy::Required`, no data action without `PROT P` in force.
    fn check_server_data_action(&mut self, what: &str) {
        if self.server.config().data == server::DataPolicy::Required
            && !self.server.is_data_protected()
        {
            self.violations.push(format!(
                "server {what} without PROT P under DataPolicy::Required"
            ));
        }
    }

    fn reset_link(&mut self) {
        let client_listener = self.data.client_listener;
        let fault = self.data.fault;
        let record = self.data.record;
        let client_started = self.data.client_started;
        self.data = DataLink {
            client_listener,
            fault,
            record,
            client_started,
            ..DataLink::default()
        };
    }

    /// Answers the server application's questions from the file store.
    fn decide(&mut self) -> bool {
        let Some(e) = self.pending_server_decisions.pop_front() else {
            return false;
        };
        let s = &mut self.server;
        let refuse = self
            .policy
            .refuse_transfers
            .and_then(|c| ReplyCode::new(c).ok());
        let no = |s: &mut Session, d: Decision| {
            let _ = s.reject(
                d,
                ReplyCode::new(550).unwrap(),
                Text::from_static("No such file"),
            );
        };
        match e {
            SEvent::Host { decision, .. } | SEvent::ChangeToParent { decision } => {
                let _ = s.accept(decision);
            }
            SEvent::User {
                decision,
                protected,
                ..
            } => {
                if self.policy.tls_users && !protected {
                    let _ = s.require_tls(decision);
                } else {
                    let _ = s.accept(decision);
                }
            }
            SEvent::Authenticate {
                decision, password, ..
            } => {
                if password.as_bytes() == self.policy.password.as_bytes() {
                    let _ = s.accept(decision);
                } else {
                    let _ = s.reject(
                        decision,
                        ReplyCode::NOT_LOGGED_IN,
                        Text::from_static("Login incorrect"),
                    );
                }
            }
            SEvent::ChangeDirectory { decision, .. } | SEvent::RemoveDirectory { decision, .. } => {
                let _ = s.accept(decision);
            }
            SEvent::PrintDirectory { decision } => {
                let _ = s.accept_path(decision, path("/"));
            }
            SEvent::MakeDirectory { decision, path: p } => {
                let _ = s.accept_path(decision, p);
            }
            SEvent::Delete { decision, path: p } => {
                if self.files.remove(&lossy(p.as_bytes())).is_some() {
                    let _ = s.accept(decision);
                } else {
                    no(s, decision);
                }
            }
            SEvent::RenameFrom { decision, path: p } => {
                if self.files.contains_key(&lossy(p.as_bytes())) {
                    let _ = s.accept(decision);
                } else {
                    no(s, decision);
                }
            }
            SEvent::Rename { decision, from, to } => {
                match self.files.remove(&lossy(from.as_bytes())) {
                    Some(f) => {
                        self.files.insert(lossy(to.as_bytes()), f);
                        let _ = s.accept(decision);
                    }
                    None => no(s, decision),
                }
            }
            SEvent::Size { decision, path: p } => match self.files.get(&lossy(p.as_bytes())) {
                Some(f) => {
                    let _ = s.accept_size(decision, f.len() as u64);
                }
                None => no(s, decision),
            },
            SEvent::ModificationTime { decision, path: p } => {
                if self.files.contains_key(&lossy(p.as_bytes())) {
                    let t = Timestamp::new(2024, 1, 2, 3, 4, 5).unwrap();
                    let _ = s.accept_time(decision, t);
                } else {
                    no(s, decision);
                }
            }
            SEvent::SetModificationTime { decision, .. } => {
                let _ = s.accept(decision);
            }
            SEvent::Site { decision, .. } => {
                let _ = s.accept_lines(decision, &[Text::from_static("ok")]);
            }
            SEvent::Status { decision, .. } => {
                let _ = s.accept_lines(decision, &[Text::from_static("-rw-r--r-- 1 a a 1 f")]);
            }
            SEvent::MachineList { decision, .. } => {
                let _ = s.accept_facts(decision, Text::from_static("type=file;size=1; f"));
            }
            SEvent::Retrieve {
                decision,
                path: p,
                offset,
            } => {
                if let Some(c) = refuse {
                    let _ = s.reject(decision, c, Text::from_static("Refused by policy"));
                } else if let Some(f) = self.files.get(&lossy(p.as_bytes())) {
                    let start = (offset as usize).min(f.len());
                    self.sources.insert(decision, f[start..].to_vec());
                    let _ = s.accept(decision);
                } else {
                    no(s, decision);
                }
            }
            SEvent::Store {
                decision, path: p, ..
            }
            | SEvent::Append { decision, path: p } => {
                if let Some(c) = refuse {
                    let _ = s.reject(decision, c, Text::from_static("Refused by policy"));
                } else {
                    self.upload_paths.insert(decision, lossy(p.as_bytes()));
                    let _ = s.accept(decision);
                }
            }
            SEvent::StoreUnique { decision, .. } => {
                self.upload_paths.insert(decision, "unique.1".into());
                let _ = s.accept_unique(decision, path("unique.1"));
            }
            SEvent::List { decision, .. }
            | SEvent::NameList { decision, .. }
            | SEvent::MachineListDirectory { decision, .. } => {
                let listing: String = self.files.keys().map(|k| format!("{k}\r\n")).collect();
                self.sources.insert(decision, listing.into_bytes());
                let _ = s.accept(decision);
            }
            other => panic!("undecided server question {other:?}"),
        }
        true
    }

    /// Completes handshakes and moves data when both ends are ready. True if anything moved.
    fn link(&mut self) -> bool {
        let mut moved = false;
        if self.client_wants_tls && self.server_wants_tls && !self.control_protected {
            self.control_protected = true;
            self.client_wants_tls = false;
            self.server_wants_tls = false;
            let _ = self
                .server
                .handle_tls_ready(Channel::Control, TlsDetails::new(), self.now);
            self.client.handle_tls_ready(Channel::Control, self.now);
            moved = true;
        }
        if let Some(resume) = self.data.client_tls {
            if self.data.server_tls && self.data.client_up && self.data.server_up {
                self.data.client_tls = None;
                self.data.server_tls = false;
                match self.data.fault {
                    DataFault::TlsFailure => {
                        self.data.client_up = false;
                        self.data.server_up = false;
                        let _ = self.server.handle_tls_failed(Channel::Data, self.now);
                        self.client.handle_tls_failed(Channel::Data, self.now);
                    }
                    f => {
                        self.data.tls_done = true;
                        let resumed = resume && f != DataFault::NoResumption;
                        let _ = self.server.handle_tls_ready(
                            Channel::Data,
                            TlsDetails::new().with_resumed(resumed),
                            self.now,
                        );
                        self.client.handle_tls_ready(Channel::Data, self.now);
                    }
                }
                moved = true;
            }
        }
        if !self.data.moved {
            if let (Some((request, upload)), Some((decision, direction))) =
                (self.data.client_started, self.data.server_started)
            {
                if upload != (direction == Direction::Receive) {
                    self.violations
                        .push("client and server disagree on direction".into());
                }
                self.data.moved = true;
                self.move_bytes(request, decision, direction);
                moved = true;
            }
        }
        moved
    }

    fn move_bytes(&mut self, request: RequestId, decision: Decision, direction: Direction) {
        let protected = self.data.tls_done;
        // TLS faults mean nothing on a clear data connection.
        let fault = match self.data.fault {
            DataFault::StripCloseNotify | DataFault::TlsFailure | DataFault::NoResumption
                if !protected =>
            {
                DataFault::None
            }
            f => f,
        };
        let source = if direction == Direction::Send {
            self.sources.get(&decision).cloned().unwrap_or_default()
        } else {
            self.uploads.get(&request).cloned().unwrap_or_default()
        };
        let half = source.len() / 2;
        let delivered = match fault {
            DataFault::Reset | DataFault::Truncate => source[..half].to_vec(),
            _ => source.clone(),
        };
        if let Some(r) = self.data.record.and_then(|i| self.transfers.get_mut(i)) {
            r.sent = source.clone();
            r.received = delivered.clone();
            r.protected = protected;
            r.fault = fault;
        }
        // Under PROT C a FIN is a clean end: close_notify does not exist there.
        let strip = |end: DataEnd| if protected { end } else { DataEnd::Clean };
        match (direction, fault) {
            (Direction::Send, DataFault::Reset) => {
                self.data.client_up = false;
                self.data.server_up = false;
                self.client.handle_data_ended(DataEnd::Failed, self.now);
                self.end_server_data(DataEnd::Failed);
            }
            (Direction::Send, DataFault::Truncate) => {
                self.data.client_up = false;
                self.data.server_up = false;
                self.client
                    .handle_data_ended(strip(DataEnd::Truncated), self.now);
                self.end_server_data(DataEnd::Failed);
            }
            (Direction::Send, _) => {
                // The server's adapter wrote everything: transfer_done, whose CloseData
                // delivers the (possibly stripped) close_notify.
                let _ = self.server.transfer_done(decision);
            }
            (_, DataFault::Reset) => {
                self.data.client_up = false;
                self.data.server_up = false;
                self.client.handle_data_ended(DataEnd::Failed, self.now);
                self.end_server_data(DataEnd::Failed);
            }
            (_, DataFault::Truncate) => {
                self.data.client_up = false;
                self.data.server_up = false;
                self.client.handle_data_ended(DataEnd::Failed, self.now);
                self.end_server_data(strip(DataEnd::Truncated));
            }
            (_, f) => {
                self.data.client_up = false;
                self.data.server_up = false;
                let end = if f == DataFault::StripCloseNotify {
                    strip(DataEnd::Truncated)
                } else {
                    DataEnd::Clean
                };
                // The client closed properly after writing everything.
                self.client.handle_data_ended(DataEnd::Clean, self.now);
                self.end_server_data(end);
                if end == DataEnd::Clean {
                    let name = self
                        .upload_paths
                        .get(&decision)
                        .cloned()
                        .unwrap_or_default();
                    self.files.insert(name, delivered);
                    let _ = self.server.transfer_done(decision);
                }
            }
        }
        let _ = request;
    }

    /// Delivers one chunk of control bytes each way. True if anything moved.
    fn deliver(&mut self) -> bool {
        let mut moved = false;
        if !self.to_server.is_empty() && !self.server_wants_tls {
            let n = self.rng.chunk(self.max_chunk).min(self.to_server.len());
            let chunk: Vec<u8> = self.to_server.drain(..n).collect();
            if !self.server_closed {
                self.server.handle_input(&chunk, self.now);
            }
            moved = true;
        }
        self.drain();
        if !self.to_client.is_empty() && (!self.client_wants_tls || self.control_protected) {
            let n = self.rng.chunk(self.max_chunk).min(self.to_client.len());
            let chunk: Vec<u8> = self.to_client.drain(..n).collect();
            if !self.client_closed {
                self.client.handle_input(&chunk, self.now);
            }
            moved = true;
        }
        moved
    }

    /// One step: deliver, decide, link; else fire the earliest deadline. False when nothing
    /// can ever happen again.
    pub fn step(&mut self) -> bool {
        self.steps += 1;
        assert!(
            self.steps <= self.step_limit,
            "livelock: {} steps (client {:?}, server {:?})",
            self.steps,
            self.client.state(),
            self.server.state()
        );
        // Bounded memory: neither machine may queue unbounded control output.
        assert!(
            self.to_server.len() <= 64 * 1024 && self.to_client.len() <= 64 * 1024,
            "control bytes in flight grew without bound ({} / {})",
            self.to_server.len(),
            self.to_client.len()
        );
        let mut moved = self.deliver();
        self.drain();
        moved |= self.decide();
        self.drain();
        moved |= self.link();
        self.drain();
        if moved {
            return true;
        }
        // Both control connections closed: the other side's adapter sees EOF.
        if self.server_closed && !self.client_closed && self.to_client.is_empty() {
            self.client.handle_control_closed(self.now);
            self.drain();
            return true;
        }
        if self.client_closed && !self.server_closed && self.to_server.is_empty() {
            // The server's adapter sees EOF: it closes the session (no API; a timeout ends it).
        }
        let mut deadlines: Vec<Instant> = [self.client_deadline, self.server_deadline]
            .into_iter()
            .flatten()
            .collect();
        if let Some(t) = self.shutdown_at {
            deadlines.push(t);
        }
        let Some(next) = deadlines.into_iter().min() else {
            return false;
        };
        if self.client_closed && self.server_closed {
            return false;
        }
        if next > self.now {
            self.now = next;
        }
        if self.shutdown_at.is_some_and(|t| t <= self.now) {
            self.shutdown_at = None;
            // The server's host shuts down: 421 and close (RFC 959 §4.2).
            self.to_client.extend(b"421 Service shutting down\r\n");
            self.server_closed = true;
            return true;
        }
        if self.client_closed && self.server_closed {
            return false;
        }
        if !self.client_closed {
            self.client.handle_timeout(self.now);
        }
        if !self.server_closed {
            self.server.handle_timeout(self.now);
        }
        self.drain();
        true
    }

    /// Steps until nothing is in flight and no request is pending on the client (or both
    /// are closed), without firing timers beyond `horizon` past now.
    pub fn settle(&mut self) {
        loop {
            let busy = !self.to_server.is_empty()
                || !self.to_client.is_empty()
                || !self.pending_server_decisions.is_empty()
                || self.client_wants_tls
                || self.server_wants_tls
                || self.client.state() == client::State::Busy
                || self.client.state() == client::State::Transferring
                || self.client.state() == client::State::LoggingIn
                || self.client.state() == client::State::Securing
                || self.client.state() == client::State::Connecting
                || self.client.state() == client::State::Closing;
            if self.client_closed && (self.server_closed || !busy) {
                // Let the server see the rest.
                if !self.step() {
                    return;
                }
                if self.to_server.is_empty() {
                    return;
                }
                continue;
            }
            if !busy {
                return;
            }
            if !self.step() {
                return;
            }
        }
    }

    /// Advances virtual time by `d` (firing every deadline on the way).
    pub fn wait(&mut self, d: Duration) {
        let until = self.now + d;
        loop {
            let next = [self.client_deadline, self.server_deadline]
                .into_iter()
                .flatten()
                .min();
            match next {
                Some(t) if t <= until => {
                    self.now = self.now.max(t);
                    if !self.client_closed {
                        self.client.handle_timeout(self.now);
                    }
                    if !self.server_closed {
                        self.server.handle_timeout(self.now);
                    }
                    self.drain();
                    self.settle();
                }
                _ => break,
            }
            if self.closed() {
                break;
            }
        }
        self.now = self.now.max(until);
    }

    /// Checks the transfer invariants; returns the violations (empty when all hold).
    pub fn transfer_violations(&self) -> Vec<String> {
        let mut v = self.violations.clone();
        for r in &self.transfers {
            if r.client_ok == Some(true) && r.received != r.sent {
                v.push(format!("false complete at the client: {r:?}"));
            }
            if r.client_ok == Some(true)
                && r.fault != DataFault::None
                && r.fault != DataFault::NoResumption
            {
                v.push(format!("client reported success despite {r:?}"));
            }
            if r.upload && r.server_ok == Some(true) && r.received != r.sent {
                v.push(format!("false complete at the server: {r:?}"));
            }
            if r.fault == DataFault::None && r.client_ok == Some(false) && r.server_ok == Some(true)
            {
                v.push(format!("ends disagree without a fault: {r:?}"));
            }
            if r.fault == DataFault::None && r.client_ok == Some(true) && r.server_ok == Some(false)
            {
                v.push(format!("ends disagree without a fault: {r:?}"));
            }
        }
        v
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

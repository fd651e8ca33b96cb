//! One session's thread: drives a [`crate::server::Session`] with the control connection's
//! bytes, the data thread's notices and the clock, and performs every [`Output`] in order.
//!
//! Owns the session's inbox (a bounded channel fed by a control-reader thread and the data
//! thread), the control connection and the data thread handle. Must not decide anything
//! about FTP: outputs are performed as given, notices become machine inputs, questions go to
//! [`Answers`].

use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};
use std::vec::Vec;

use rustls::pki_types::CertificateDer;

use super::control::Control;
use super::data::listen_in_range;
use super::transfer::{Command, Notice, Setup, Timing, Worker};
use super::ServerOptions;
use crate::io::admission::{HandshakeDeadline, Ticket};
use crate::io::answers::{Answers, Prepared};
use crate::io::control_hold::ControlHold;
use crate::io::fs::Root;
use crate::io::passive::PassiveSlot;
use crate::io::session_tls::SessionTls;
use crate::server::{Config, Decision, Direction, Output, Session, TlsDetails};
use crate::types::{Channel, DataEnd, Instant, ReplyCode, Text};

/// Inputs of the session thread, in arrival order.
enum Input {
    /// Raw bytes from the control connection.
    Control(Vec<u8>),
    /// The control connection reached EOF or failed.
    ControlClosed,
    /// A notice from data thread `id`.
    Data(u64, Notice),
}

/// How many inbox slots: the reader blocks when they are full, so a client that floods
/// commands is read no faster than the session processes them (bounded memory).
const INBOX: usize = 16;
/// Size of one control read.
const CONTROL_READ: usize = 16 * 1024;
/// How long one write to the control connection may block.
const CONTROL_WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Things shared by every session of a server.
#[derive(Debug)]
pub(super) struct Shared {
    pub options: ServerOptions,
    pub root: Root,
}

struct Run<'a> {
    shared: &'a Shared,
    machine: Session,
    control: Control,
    tls: SessionTls,
    certificate: Option<CertificateDer<'static>>,
    answers: Answers<'a>,
    worker: Option<Worker>,
    next_worker: u64,
    transfer: Option<Decision>,
    inbox: SyncSender<Input>,
    /// Control input held while a data handshake the client began is finishing.
    hold: ControlHold<Input>,
    /// An accepted upload waits for its data connection (read by the data side when the
    /// client's handshake begins: then the TLS 1.3 tickets are kept for the upload's end).
    upload_waiting: Arc<AtomicBool>,
    epoch: StdInstant,
    local: SocketAddr,
    closed: bool,
    handshake: HandshakeDeadline,
}

/// Runs one session to its end. `implicit` selects implicit FTPS (TLS before the greeting);
/// `ticket` is its admission, released when it ends.
pub(super) fn run(shared: &Shared, tcp: TcpStream, implicit: bool, ticket: Ticket) {
    let (Ok(local), Ok(peer)) = (tcp.local_addr(), tcp.peer_addr()) else {
        return;
    };
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_write_timeout(Some(CONTROL_WRITE_TIMEOUT));
    let Ok(reader) = tcp.try_clone() else { return };
    let Ok(tls) = SessionTls::new(&shared.options) else {
        return;
    };
    let mut config: Config = shared.options.session.clone();
    if implicit {
        config = config.with_control(crate::server::ControlPolicy::Implicit);
    }
    // FEAT offers only the MLSx facts the file system can produce (RFC 3659 §7.8).
    let facts = crate::io::fs::offered_facts(config.mlst_facts.as_bytes());
    config = config.with_mlst_facts(Text::new(facts).unwrap_or(Text::EMPTY));
    let anonymous = config.anonymous;
    let epoch = StdInstant::now();
    let (tx, rx) = sync_channel(INBOX);
    let reader_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name(std::format!("ftps-control-{peer}"))
        .spawn(move || read_control(reader, reader_tx));
    if spawned.is_err() {
        return;
    }
    let mut run = Run {
        shared,
        machine: Session::new(config, local, peer, Instant::ZERO),
        control: Control::new(tcp),
        tls,
        certificate: None,
        answers: Answers::new(shared.root.clone(), &shared.options.users, anonymous)
            .with_ticket(ticket)
            .with_partial_uploads(shared.options.partial_uploads),
        worker: None,
        next_worker: 0,
        transfer: None,
        inbox: tx,
        hold: ControlHold::new(),
        upload_waiting: Arc::new(AtomicBool::new(false)),
        epoch,
        local,
        closed: false,
        handshake: HandshakeDeadline::default(),
    };
    run.serve(&rx);
    if let Some(w) = run.worker.take() {
        w.abort();
    }
    run.control.close();
}

fn read_control(mut tcp: TcpStream, tx: SyncSender<Input>) {
    let mut buf = std::vec![0u8; CONTROL_READ];
    loop {
        match tcp.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = tx.send(Input::ControlClosed);
                return;
            }
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]).to_vec();
                if tx.send(Input::Control(chunk)).is_err() {
                    return;
                }
            }
        }
    }
}

impl Run<'_> {
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn serve(&mut self, rx: &Receiver<Input>) {
        loop {
            let deadline = self.drain();
            if self.closed {
                return;
            }
            if let Some(held) = self.hold.next() {
                self.input(held);
                continue;
            }
            let machine = deadline.map(|t| t.saturating_duration_since(self.now()));
            let hold = self
                .hold
                .deadline()
                .map(|t| t.saturating_duration_since(StdInstant::now()));
            let wait = match (self.handshake.bound(machine), hold) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let input = match wait {
                Some(wait) => match rx.recv_timeout(wait) {
                    Ok(i) => i,
                    Err(RecvTimeoutError::Timeout) => {
                        self.hold.expire(StdInstant::now());
                        self.timed_out();
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                },
                None => match rx.recv() {
                    Ok(i) => i,
                    Err(_) => return,
                },
            };
            let input = match input {
                Input::Data(..) => input,
                control => match self.hold.offer(control, StdInstant::now()) {
                    Some(now) => now,
                    None => continue,
                },
            };
            self.input(input);
        }
    }

    /// A wait ended: a stalled control handshake is reported as failed (the machine closes),
    /// then the machine's own timers run.
    fn timed_out(&mut self) {
        let now = self.now();
        if self.handshake.expired() {
            let _ = self.machine.handle_tls_failed(Channel::Control, now);
        }
        self.machine.handle_timeout(now);
    }

    /// Performs outputs until the machine has nothing more; returns its deadline.
    fn drain(&mut self) -> Option<Instant> {
        loop {
            match self.machine.poll_output() {
                Output::Timeout(t) => return Some(t),
                Output::Idle => return None,
                o => self.perform(o),
            }
            if self.closed {
                return None;
            }
        }
    }

    fn input(&mut self, input: Input) {
        let now = self.now();
        match input {
            Input::Control(bytes) => {
                let fed = match self.control.feed(&bytes) {
                    Ok(f) => f,
                    Err(_) => {
                        self.closed = true;
                        return;
                    }
                };
                if fed.tls_failed {
                    self.handshake.stop();
                    if self.control.is_handshaking() {
                        let _ = self.machine.handle_tls_failed(Channel::Control, now);
                    } else {
                        self.closed = true;
                    }
                    return;
                }
                if let Some((leaf, resumed)) = fed.handshake_done {
                    self.handshake.stop();
                    let details = TlsDetails::new()
                        .with_resumed(resumed)
                        .with_client_certificate(leaf.is_some());
                    self.certificate = leaf;
                    let _ = self
                        .machine
                        .handle_tls_ready(Channel::Control, details, now);
                    // Perform what the handshake unlocked (the greeting, or processing of
                    // commands) before any plaintext that came with it.
                    let _ = self.drain();
                }
                if !fed.plaintext.is_empty() {
                    self.machine.handle_input(&fed.plaintext, now);
                }
                if fed.closed {
                    let _ = self.drain();
                    self.closed = true;
                }
            }
            Input::ControlClosed => self.closed = true,
            Input::Data(id, notice) => {
                if self.worker.as_ref().is_some_and(|w| w.id == id) {
                    // The client began its data handshake: what it sends on the control
                    // connection from now on comes after that handshake, so it waits for
                    // its end (the tickets written) to reach the machine in that order.
                    match notice {
                        Notice::TlsStarted => {
                            let accepted = self.answers.transfer_prepared();
                            self.hold.data_handshake_started(accepted);
                        }
                        Notice::Connected => self.hold.data_connected(StdInstant::now()),
                        _ => self.hold.end(),
                    }
                    self.data_notice(notice, now);
                }
            }
        }
    }

    fn data_notice(&mut self, notice: Notice, now: Instant) {
        if self.shared.options.trace {
            std::eprintln!("[{}] data: {:?}", self.local, notice);
        }
        if let (
            Notice::Received {
                end: DataEnd::Clean,
            },
            Some(d),
        ) = (notice, self.transfer)
        {
            // Stored whole, clean end: the 226 follows; the file goes in place first.
            self.answers.upload_complete(d);
        }
        crate::io::data_notice::apply(&mut self.machine, &mut self.transfer, notice, now);
    }

    fn spawn_worker(&mut self, setup: Setup) -> bool {
        self.stop_worker();
        self.next_worker += 1;
        let id = self.next_worker;
        let inbox = self.inbox.clone();
        let timing = Timing {
            connect: self.machine.config().data_connection_timeout,
            idle: self.shared.options.data_idle_timeout,
        };
        match Worker::spawn(id, setup, timing, move |id, n| {
            inbox.send(Input::Data(id, n)).is_ok()
        }) {
            Ok(w) => {
                self.worker = Some(w);
                true
            }
            Err(_) => false,
        }
    }

    fn stop_worker(&mut self) {
        self.hold.end();
        if let Some(w) = self.worker.take() {
            if self.transfer.take().is_some() {
                // A transfer is running (ABOR, or a failure): cut it.
                w.abort();
            } else {
                // Idle or finished: close properly (close_notify, FIN) if still open, or stop
                // waiting in accept (the listener closes with it).
                w.close();
            }
        }
    }

    // Each arm performs an action; folding the actions into match guards would hide them.
    #[allow(clippy::collapsible_match)]
    fn perform(&mut self, output: Output) {
        let now = self.now();
        if self.shared.options.trace {
            match &output {
                Output::Send(b) => std::eprint!(
                    "[{}] S: {}",
                    self.local,
                    std::string::String::from_utf8_lossy(b)
                ),
                o => std::eprintln!("[{}] {:?}", self.local, o),
            }
        }
        match output {
            Output::Send(bytes) => {
                if self.control.send(&bytes).is_err() {
                    self.closed = true;
                }
            }
            Output::StartTls { channel, .. } => match channel {
                Channel::Control => {
                    if self.control.start_tls(self.tls.control()).is_err() {
                        let _ = self.machine.handle_tls_failed(Channel::Control, now);
                    } else {
                        self.handshake.start(self.shared.options.handshake_timeout);
                    }
                }
                Channel::Data => match &self.worker {
                    Some(w) => {
                        let config = self.tls.data(self.answers.download_prepared());
                        w.command(Command::Tls(config, self.upload_waiting.clone()))
                    }
                    None => {
                        let _ = self.machine.handle_tls_failed(Channel::Data, now);
                    }
                },
            },
            Output::EndTls { channel } => {
                if channel == Channel::Control && self.control.end_tls().is_err() {
                    self.closed = true;
                }
            }
            Output::ListenData { peer } => {
                // One listener per session: the previous one (if any) closes now.
                self.stop_worker();
                let listener =
                    listen_in_range(self.local.ip(), self.shared.options.passive_ports.clone());
                let addr = listener.as_ref().ok().and_then(|l| l.local_addr().ok());
                let ok = match (listener, addr) {
                    (Ok(listener), Some(addr)) => self
                        .spawn_worker(Setup::Accept {
                            listener: PassiveSlot::new(listener),
                            peer,
                        })
                        .then_some(addr),
                    _ => None,
                };
                if ok.is_some() {
                    // A client that handshakes first sends its transfer command right behind
                    // its ClientHello: let the handshake (and its tickets) go first.
                    self.hold.passive_listening();
                }
                let _ = match ok {
                    Some(addr) => self.machine.handle_data_listening(addr, now),
                    None => self.machine.handle_data_listen_failed(now),
                };
            }
            Output::OpenData { to } => {
                if !self.spawn_worker(Setup::Connect { to }) {
                    let _ = self.machine.handle_data_ended(DataEnd::Failed, now);
                }
            }
            Output::StartTransfer {
                decision,
                direction,
            } => {
                let prepared = self.answers.take_prepared(decision);
                match (&self.worker, prepared, direction) {
                    (Some(w), Ok(Prepared::Source(src)), Direction::Send) => {
                        self.transfer = Some(decision);
                        w.command(Command::Send(src));
                    }
                    (Some(w), Ok(Prepared::Sink(sink)), Direction::Receive) => {
                        self.transfer = Some(decision);
                        w.command(Command::Receive(sink));
                    }
                    // The upload's file could not be opened (the reply says why).
                    (_, Err((code, text)), _) => {
                        let _ = self.machine.transfer_failed(decision, code, text);
                    }
                    _ => {
                        let _ = self.machine.transfer_failed(
                            decision,
                            ReplyCode::LOCAL_ERROR,
                            Text::from_static("Transfer not prepared"),
                        );
                    }
                }
            }
            Output::CloseData => self.stop_worker(),
            Output::Close => {
                self.stop_worker();
                self.control.close();
                self.closed = true;
            }
            Output::Event(event) => {
                let certificate = self.certificate.clone();
                self.answers
                    .answer(&mut self.machine, event, certificate.as_ref());
                self.upload_waiting.store(
                    self.answers.transfer_prepared() && !self.answers.download_prepared(),
                    AtomicOrdering::SeqCst,
                );
            }
            // Timeout and Idle end the drain loop before reaching here; outputs added later
            // are ignored.
            _ => {}
        }
    }
}

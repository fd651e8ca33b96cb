//! One async session: drives a [`crate::server::Session`] with the control connection's
//! bytes, the data task's notices and the clock, and performs every [`Output`] in order.
//!
//! Owns the session's inbox (a bounded channel fed by the control reader task and the data
//! task), the control connection's write side and the data task. Must not decide anything
//! about FTP: outputs are performed as given, notices become machine inputs, questions go to
//! the shared application answers (`crate::io::answers`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::time::Instant as StdInstant;
use std::vec::Vec;

use rustls::pki_types::CertificateDer;
use tokio::io::AsyncReadExt;
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;

use super::control::Control;
use super::data::{self, Command, Notice, Setup, Timing};
use super::Shared;
use crate::io::admission::{HandshakeDeadline, Ticket};
use crate::io::answers::{Answers, Prepared};
use crate::io::blocking::server::data::listen_in_range;
use crate::io::control_hold::ControlHold;
use crate::io::passive::PassiveSlot;
use crate::io::session_tls::SessionTls;
use crate::server::{Config, Decision, Direction, Output, Session, TlsDetails};
use crate::types::{Channel, DataEnd, Instant, ReplyCode, Text};

/// Inputs of the session task, in arrival order.
enum Input {
    /// Raw bytes from the control connection.
    Control(Vec<u8>),
    /// The control connection reached EOF or failed.
    ControlClosed,
    /// A notice from data task `id`.
    Data(u64, Notice),
}

/// Inbox slots: the reader waits when they are full, so a client that floods commands is
/// read no faster than the session processes them (bounded memory).
const INBOX: usize = 8;
/// Size of one control read (commands are short; a TLS record is at most 16 KiB + 256, and
/// rustls accepts it in pieces).
const CONTROL_READ: usize = 4096;

/// The session's handle on its data task.
struct Worker {
    id: u64,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
    /// The passive listener, closed when the worker is stopped.
    passive: Option<PassiveSlot<TcpListener>>,
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
    inbox: mpsc::Sender<Input>,
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
/// `ticket` is its admission (released when it ends), and `displaced` wakes it to close when
/// a newcomer takes its slot.
pub(super) async fn run(
    shared: Arc<Shared>,
    tcp: TcpStream,
    implicit: bool,
    ticket: Ticket,
    displaced: Arc<Notify>,
) {
    let shared = &*shared;
    let (Ok(local), Ok(peer)) = (tcp.local_addr(), tcp.peer_addr()) else {
        return;
    };
    let _ = tcp.set_nodelay(true);
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
    let (reader, writer) = tcp.into_split();
    let (tx, mut rx) = mpsc::channel(INBOX);
    let reading = tokio::spawn(read_control(reader, tx.clone()));
    let mut run = Run {
        shared,
        machine: Session::new(config, local, peer, Instant::ZERO),
        control: Control::new(writer),
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
        epoch: StdInstant::now(),
        local,
        closed: false,
        handshake: HandshakeDeadline::default(),
    };
    tokio::select! {
        () = run.serve(&mut rx) => {}
        () = displaced.notified() => {}
    }
    if let Some(w) = run.worker.take() {
        if let Some(p) = &w.passive {
            p.close();
        }
        w.task.abort();
    }
    run.control.close().await;
    reading.abort();
}

async fn read_control(mut tcp: OwnedReadHalf, tx: mpsc::Sender<Input>) {
    let mut buf = [0u8; CONTROL_READ];
    loop {
        match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = tx.send(Input::ControlClosed).await;
                return;
            }
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]).to_vec();
                if tx.send(Input::Control(chunk)).await.is_err() {
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

    async fn serve(&mut self, rx: &mut mpsc::Receiver<Input>) {
        loop {
            let deadline = self.drain().await;
            if self.closed {
                return;
            }
            if let Some(held) = self.hold.next() {
                self.input(held).await;
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
                Some(wait) => match tokio::time::timeout(wait, rx.recv()).await {
                    Ok(Some(i)) => i,
                    Ok(None) => return,
                    Err(_) => {
                        self.hold.expire(StdInstant::now());
                        self.timed_out();
                        continue;
                    }
                },
                None => match rx.recv().await {
                    Some(i) => i,
                    None => return,
                },
            };
            let input = match input {
                Input::Data(..) => input,
                control => match self.hold.offer(control, StdInstant::now()) {
                    Some(now) => now,
                    None => continue,
                },
            };
            self.input(input).await;
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
    async fn drain(&mut self) -> Option<Instant> {
        loop {
            match self.machine.poll_output() {
                Output::Timeout(t) => return Some(t),
                Output::Idle => return None,
                o => self.perform(o).await,
            }
            if self.closed {
                return None;
            }
        }
    }

    async fn input(&mut self, input: Input) {
        let now = self.now();
        match input {
            Input::Control(bytes) => {
                let Ok(fed) = self.control.feed(&bytes).await else {
                    self.closed = true;
                    return;
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
                    // Perform what the handshake unlocked before any plaintext behind it.
                    let _ = self.drain().await;
                }
                if !fed.plaintext.is_empty() {
                    self.machine.handle_input(&fed.plaintext, now);
                }
                if fed.closed {
                    let _ = self.drain().await;
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
            let answers = &mut self.answers;
            blocking(|| answers.upload_complete(d));
        }
        crate::io::data_notice::apply(&mut self.machine, &mut self.transfer, notice, now);
    }

    fn spawn_worker(&mut self, setup: Setup) {
        self.stop_worker();
        self.next_worker += 1;
        let id = self.next_worker;
        let inbox = self.inbox.clone();
        let timing = Timing {
            connect: self.machine.config().data_connection_timeout,
            idle: self.shared.options.data_idle_timeout,
        };
        let (commands, rx) = mpsc::channel(2);
        let passive = match &setup {
            Setup::Accept { listener, .. } => Some(listener.clone()),
            Setup::Connect { .. } => None,
        };
        let task = tokio::spawn(data::run(setup, timing, rx, move |n| {
            let inbox = inbox.clone();
            async move { inbox.send(Input::Data(id, n)).await.is_ok() }
        }));
        self.worker = Some(Worker {
            id,
            commands,
            task,
            passive,
        });
    }

    fn command(&self, c: Command) {
        if let Some(w) = &self.worker {
            // Capacity 2, and the session sends at most a TLS command then a transfer.
            let _ = w.commands.try_send(c);
        }
    }

    fn stop_worker(&mut self) {
        self.hold.end();
        if let Some(w) = self.worker.take() {
            // The passive listener (if still open) closes before the next reply.
            if let Some(p) = &w.passive {
                p.close();
            }
            if self.transfer.take().is_some() {
                // A transfer is running (ABOR, or a failure): cut it (no close_notify).
                w.task.abort();
            } else {
                // Idle or finished: close properly (close_notify, FIN) if still open.
                let _ = w.commands.try_send(Command::Close);
            }
        }
    }

    // Each arm performs an action; folding the actions into match guards would hide them.
    #[allow(clippy::collapsible_match)]
    async fn perform(&mut self, output: Output) {
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
                if self.control.send(&bytes).await.is_err() {
                    self.closed = true;
                }
            }
            Output::StartTls {
                channel: Channel::Control,
                ..
            } => {
                if self.control.start_tls(self.tls.control()).is_err() {
                    let _ = self.machine.handle_tls_failed(Channel::Control, now);
                } else {
                    self.handshake.start(self.shared.options.handshake_timeout);
                }
            }
            Output::StartTls {
                channel: Channel::Data,
                ..
            } => {
                if self.worker.is_some() {
                    let config = self.tls.data(self.answers.download_prepared());
                    self.command(Command::Tls(config, self.upload_waiting.clone()));
                } else {
                    let _ = self.machine.handle_tls_failed(Channel::Data, now);
                }
            }
            Output::EndTls { channel } => {
                if channel == Channel::Control && self.control.end_tls().await.is_err() {
                    self.closed = true;
                }
            }
            Output::ListenData { peer } => {
                // One listener per session: the previous one (if any) closes now.
                self.stop_worker();
                let listener =
                    listen_in_range(self.local.ip(), self.shared.options.passive_ports.clone())
                        .and_then(|l| {
                            l.set_nonblocking(true)?;
                            TcpListener::from_std(l)
                        });
                match listener.and_then(|l| Ok((l.local_addr()?, l))) {
                    Ok((addr, listener)) => {
                        self.spawn_worker(Setup::Accept {
                            listener: PassiveSlot::new(listener),
                            peer,
                        });
                        // A client that handshakes first sends its transfer command right
                        // behind its ClientHello: let the handshake (and tickets) go first.
                        self.hold.passive_listening();
                        let _ = self.machine.handle_data_listening(addr, now);
                    }
                    Err(_) => {
                        let _ = self.machine.handle_data_listen_failed(now);
                    }
                }
            }
            Output::OpenData { to } => self.spawn_worker(Setup::Connect { to }),
            Output::StartTransfer {
                decision,
                direction,
            } => {
                // Opens the upload's file (truncation can take a while on a large file).
                let answers = &mut self.answers;
                let prepared = blocking(|| answers.take_prepared(decision));
                match (self.worker.is_some(), prepared, direction) {
                    (true, Ok(Prepared::Source(src)), Direction::Send) => {
                        self.transfer = Some(decision);
                        self.command(Command::Send(src));
                    }
                    (true, Ok(Prepared::Sink(sink)), Direction::Receive) => {
                        self.transfer = Some(decision);
                        self.command(Command::Receive(sink));
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
                self.control.close().await;
                self.closed = true;
            }
            Output::Event(event) => {
                let certificate = self.certificate.clone();
                let (answers, machine) = (&mut self.answers, &mut self.machine);
                let answer = || answers.answer(machine, event, certificate.as_ref());
                // Answers touch the file system (stat, open, list): on a multi-threaded
                // runtime, tell tokio this worker blocks so other sessions move elsewhere.
                match tokio::runtime::Handle::current().runtime_flavor() {
                    tokio::runtime::RuntimeFlavor::MultiThread => {
                        tokio::task::block_in_place(answer)
                    }
                    _ => answer(),
                }
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

/// Runs file-system work (opening, renaming an upload's file) on the session task: inside
/// `block_in_place` on a multi-threaded runtime, as the application answers are.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

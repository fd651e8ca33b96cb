//! [`Client`]: the state, the inputs, the output queue and the reply dispatch.
//!
//! Owns the session's state (what is in flight, what is secured, who is logged in), the
//! output queue and the timers. The meaning of each reply lives with the job it answers:
//! [`super::setup`] (greeting, HOST, AUTH, login), [`super::command`] (one-reply commands)
//! and [`super::transfer`] (data connections). Must not do I/O.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use core::net::SocketAddr;

use super::command::CommandKind;
use super::error::{ProtocolErrorKind, State};
use super::event::{CloseReason, Event, Failure, RequestId, Response};
use super::setup::LoginJob;
use super::timer::{deadline, Timer, Timers};
use super::transfer::Transfer;
use super::{Config, DataProtection, Output, ProtocolError, Security};
use crate::codec::{Command, Reply, ReplyDecoder};
use crate::types::{Channel, DataEnd, Features, Instant, Pathname, ReplyCode, TlsRole};

/// Outputs the queue holds before debug builds complain that the caller does not drain it.
/// Every input produces a small bounded number of outputs; stray replies are capped by
/// [`MAX_STRAY_REPLIES`].
pub(crate) const MAX_QUEUED_OUTPUTS: usize = 256;

/// Consecutive replies that answer nothing before the server is judged broken.
pub(crate) const MAX_STRAY_REPLIES: u8 = 8;

/// What is in flight (or being waited for).
#[derive(Debug)]
pub(crate) enum Job {
    /// Waiting for the greeting (120 then 220, RFC 959 §5.4 connection establishment).
    Greeting,
    /// `HOST` sent (RFC 7151).
    Host,
    /// The configured command number `next - 1` before `AUTH` was sent (RFC 4217 §10.3).
    BeforeAuth { next: usize },
    /// `AUTH TLS` (or `AUTH SSL` when `ssl`) sent.
    Auth { ssl: bool },
    /// Waiting for the control channel's TLS handshake (after 234, or first in implicit mode).
    /// `secure` names a mid-session [`Client::auth_tls`] request and its 234 reply.
    ControlTls {
        secure: Option<(RequestId, Box<Reply<'static>>)>,
    },
    /// `AUTH TLS` sent by [`Client::auth_tls`] in a logged-in session.
    Secure { id: RequestId },
    /// A login.
    Login(Box<LoginJob>),
    /// One command, one final reply.
    Command {
        id: RequestId,
        kind: Box<CommandKind>,
    },
    /// A transfer.
    Transfer(Box<Transfer>),
    /// A keep-alive `NOOP` the client sent by itself.
    KeepAlive,
    /// `QUIT` sent (`id` is `None` when the idle timer sent it).
    Quit { id: Option<RequestId> },
    /// `REIN` sent.
    Rein { id: RequestId },
}

/// The sans-IO FTPS client state machine. See the [module docs](super) for the contract.
///
/// ```
/// use ftps_proto::client::{Client, Config, Output};
/// use ftps_proto::types::{Channel, Instant};
///
/// let mut client = Client::new(Config::default(), Instant::ZERO);
/// // Explicit TLS: nothing to send until the greeting arrives.
/// assert!(matches!(client.poll_output(), Output::Timeout(_)));
/// ```
pub struct Client {
    pub(crate) config: Box<Config>,
    pub(crate) decoder: ReplyDecoder,
    pub(crate) out: VecDeque<Output>,
    pub(crate) job: Option<Job>,
    /// A request accepted while the client itself was busy; started when possible.
    pub(crate) parked: Option<Job>,
    pub(crate) timers: Timers,
    /// The greeting, kept until [`Event::Connected`].
    pub(crate) greeting: Option<Reply<'static>>,
    pub(crate) features: Features,
    pub(crate) next_id: u64,
    pub(crate) strays: u8,
    pub(crate) control_tls: bool,
    pub(crate) connected: bool,
    pub(crate) logged_in: bool,
    /// The data protection in force once logged in; `None` after `PROT P` was refused.
    pub(crate) prot: Option<DataProtection>,
    pub(crate) epsv_refused: bool,
    pub(crate) pasv_refused: bool,
    pub(crate) eprt_refused: bool,
    pub(crate) mlsd_refused: bool,
    /// A `REST` was accepted and no transfer has succeeded since: the server may still
    /// hold its restart marker, so the next transfer that is not restarted sends `REST 0`
    /// first (RFC 3659 §5.3).
    pub(crate) restart_marker: bool,
    /// `EPSV ALL` was sent in this login (RFC 2428 §4).
    pub(crate) epsv_all_sent: bool,
    /// The language the server accepted with `LANG` (RFC 2640 §4).
    pub(crate) language: Option<Box<crate::types::LanguageTag>>,
    /// The network protocols the server's last 522 named (RFC 2428 §2).
    pub(crate) network_protocols: Option<Box<[crate::types::NetworkProtocol]>>,
    pub(crate) closed: bool,
    /// The name the server gave the file of the last `STOU` (RFC 1123 §4.1.2.9).
    pub(crate) unique_name: Option<Pathname<'static>>,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state())
            .field("control_tls", &self.control_tls)
            .field("prot", &self.prot)
            .field("job", &self.job)
            .field("queued_outputs", &self.out.len())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client whose control connection the adapter is opening now (`now` starts the
    /// connect timer). In implicit mode the first output is a control-channel
    /// [`Output::StartTls`]; otherwise the client waits for the greeting.
    pub fn new(config: Config, now: Instant) -> Client {
        let decoder = ReplyDecoder::ignoring_excess_lines(config.limits);
        let mut client = Client {
            timers: Timers {
                connect: deadline(now, config.timeouts.connect),
                ..Timers::default()
            },
            config: Box::new(config),
            decoder,
            out: VecDeque::new(),
            job: Some(Job::Greeting),
            parked: None,
            greeting: None,
            features: Features::new(),
            next_id: 0,
            strays: 0,
            control_tls: false,
            connected: false,
            logged_in: false,
            prot: None,
            epsv_refused: false,
            pasv_refused: false,
            eprt_refused: false,
            mlsd_refused: false,
            restart_marker: false,
            epsv_all_sent: false,
            language: None,
            network_protocols: None,
            unique_name: None,
            closed: false,
        };
        if client.config.security == Security::Implicit {
            client.job = Some(Job::ControlTls { secure: None });
            client.start_tls(Channel::Control, now);
        }
        client
    }

    /// The configuration the client was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Where the client is.
    pub fn state(&self) -> State {
        if self.closed {
            return State::Closed;
        }
        match &self.job {
            Some(Job::Greeting) => State::Connecting,
            Some(Job::ControlTls { .. }) if !self.connected && self.greeting.is_none() => {
                if self.config.security == Security::Implicit {
                    State::Connecting
                } else {
                    State::Securing
                }
            }
            Some(
                Job::Host
                | Job::BeforeAuth { .. }
                | Job::Auth { .. }
                | Job::ControlTls { .. }
                | Job::Secure { .. },
            ) => State::Securing,
            Some(Job::Login(_)) => State::LoggingIn,
            Some(Job::Transfer(_)) => State::Transferring,
            Some(Job::Quit { .. }) => State::Closing,
            Some(Job::Rein { .. }) | Some(Job::Command { .. }) => State::Busy,
            Some(Job::KeepAlive) | None => {
                if self.logged_in {
                    State::Ready
                } else if self.connected {
                    State::Connected
                } else {
                    State::Securing
                }
            }
        }
    }

    /// True once a login succeeded (and until `REIN` or the end of the session).
    pub fn is_logged_in(&self) -> bool {
        self.logged_in && !self.closed
    }

    /// True while the control connection is protected by TLS.
    pub fn is_control_protected(&self) -> bool {
        self.control_tls
    }

    /// The data protection in force (`None` before login, or when `PROT P` was refused).
    pub fn data_protection(&self) -> Option<DataProtection> {
        self.prot
    }

    /// The name the server stored the file of the last `STOU` under, from its `125`/`150
    /// FILE: pppp` reply (RFC 1123 §4.1.2.9; see [`crate::codec::parse_unique_name`] for the
    /// forms real servers send). `None` until that reply of the latest `STOU` arrived, or
    /// when it named no file. Read it once the request completed: it belongs to the latest
    /// `STOU` sent, whether or not its transfer succeeded.
    pub fn unique_name(&self) -> Option<&Pathname<'static>> {
        self.unique_name.as_ref()
    }

    /// What the server's last FEAT reply announced (empty before login or if refused).
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// The language the server accepted for its replies (`200` to `LANG`, RFC 2640 §4),
    /// sent at login when [`Config::language`] is set and FEAT announces `LANG`. `None`:
    /// the server's default language.
    pub fn language(&self) -> Option<&crate::types::LanguageTag> {
        self.language.as_deref()
    }

    /// The network protocols the server said it supports in its last `522` reply to `EPSV`
    /// or `EPRT` (RFC 2428 §2, `522 ... (1,2)`; see [`crate::codec::parse_protocols_reply`]).
    /// `None` until such a reply named some. The client uses them itself: `PASV` and `PORT`
    /// (IPv4 only) are not tried after a 522 whose list leaves out IPv4 (`1`).
    pub fn network_protocols(&self) -> Option<&[crate::types::NetworkProtocol]> {
        self.network_protocols.as_deref()
    }

    /// The next output. See the [module docs](super) for the contract.
    pub fn poll_output(&mut self) -> Output {
        if let Some(o) = self.out.pop_front() {
            return o;
        }
        if self.closed {
            return Output::Idle;
        }
        match self.timers.earliest() {
            Some(t) => Output::Timeout(t),
            None => Output::Idle,
        }
    }

    // ----------------------------------------------------------------------------------
    // Inputs
    // ----------------------------------------------------------------------------------

    /// Control-channel bytes from the server (plaintext, after TLS decryption), in any
    /// chunks. Replies split across calls are reassembled; several replies in one call are
    /// handled in order.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.check_drained();
        if self.closed || bytes.is_empty() {
            return;
        }
        if matches!(self.job, Some(Job::ControlTls { .. })) {
            // Nothing may arrive in clear between 234 and the handshake (RFC 4217 §4).
            self.protocol_close(ProtocolErrorKind::PlaintextAfterAuth { bytes: bytes.len() });
            return;
        }
        self.decoder.feed(bytes);
        self.drain_replies(now);
    }

    /// Handles every complete reply buffered in the decoder.
    pub(crate) fn drain_replies(&mut self, now: Instant) {
        loop {
            if self.closed || matches!(self.job, Some(Job::ControlTls { .. })) {
                break;
            }
            let reply = match self.decoder.next_reply() {
                None => break,
                Some(Ok(reply)) => reply.into_owned(),
                Some(Err(e)) => {
                    self.protocol_close(ProtocolErrorKind::MalformedReply(e));
                    break;
                }
            };
            // RFC 1123 §4.1.2.11: the excess lines of a reply over the line limit were
            // ignored; the reply (its first lines and its code) is still handled.
            let excess = self.decoder.excess_lines();
            if excess > 0 {
                self.push_event(Event::ExcessLinesIgnored {
                    code: reply.code(),
                    lines: excess,
                });
            }
            self.on_reply(reply, now);
        }
        if !self.closed
            && matches!(self.job, Some(Job::ControlTls { .. }))
            && self.decoder.buffered() > 0
        {
            let n = self.decoder.buffered();
            self.decoder.clear();
            self.protocol_close(ProtocolErrorKind::PlaintextAfterAuth { bytes: n });
        }
    }

    /// The adapter finished a TLS handshake on this channel.
    pub fn handle_tls_ready(&mut self, channel: Channel, now: Instant) {
        self.check_drained();
        if self.closed {
            return;
        }
        match channel {
            Channel::Control => {
                let secure = match self.job.take() {
                    Some(Job::ControlTls { secure }) => secure,
                    other => {
                        self.job = other;
                        return;
                    }
                };
                self.timers.tls = None;
                self.control_tls = true;
                if let Some((id, reply)) = secure {
                    // RFC 4217 §4.2 (and RFC 2228 §3): after AUTH the server resets the
                    // login and the transfer parameters, almost as after REIN; the PROT
                    // level ends too (§9). Log in again.
                    self.logged_in = false;
                    self.prot = None;
                    self.features = Features::new();
                    self.language = None;
                    self.epsv_all_sent = false;
                    self.restart_marker = false;
                    self.timers.keepalive = None;
                    self.timers.idle = None;
                    self.complete(id, Ok(Response::Done(*reply)));
                    self.job_done(now, true);
                } else if self.greeting.is_none() && !self.connected {
                    // Implicit TLS: now the greeting.
                    self.job = Some(Job::Greeting);
                } else {
                    self.job = None;
                    self.secured(now);
                }
            }
            Channel::Data => self.transfer_tls_ready(now),
        }
    }

    /// A TLS handshake failed on this channel. On the control connection the session ends
    /// without a word (RFC 4217 §10.3: "the control connection is in an unknown state and
    /// the client should simply drop the control connection"); see
    /// [`Client::handle_tls_rejected`] for a handshake that completed but is refused.
    pub fn handle_tls_failed(&mut self, channel: Channel, now: Instant) {
        self.check_drained();
        if self.closed {
            return;
        }
        match channel {
            Channel::Control => {
                if matches!(self.job, Some(Job::ControlTls { .. })) {
                    self.close(CloseReason::TlsFailed);
                }
            }
            Channel::Data => self.transfer_data_failure(Failure::Tls(Channel::Data), now),
        }
    }

    /// The control connection's TLS handshake completed, but the adapter or the application
    /// does not accept the session it set up (for example the certificate does not name the
    /// HOST the client asked for, RFC 7151 §4): RFC 4217 §10.3 says "the control connection
    /// should still be up in a protected state, so the client should issue a protected QUIT
    /// command to end the session". The client sends `QUIT` (the adapter sends it through the
    /// TLS session) and ends the session ([`CloseReason::TlsFailed`]) without waiting for
    /// the reply. Use [`Client::handle_tls_failed`] when the handshake itself failed: the
    /// connection is then in an unknown state and is simply dropped. Only while the control
    /// handshake is awaited or right after [`Client::handle_tls_ready`] on it; otherwise
    /// nothing happens.
    pub fn handle_tls_rejected(&mut self, now: Instant) {
        self.check_drained();
        if self.closed || (!self.control_tls && !matches!(self.job, Some(Job::ControlTls { .. }))) {
            return;
        }
        self.send(&Command::Quit, now);
        self.close(CloseReason::TlsFailed);
    }

    /// The data connection is connected (passive: the adapter's connect succeeded; active:
    /// it accepted the server's connection).
    pub fn handle_data_connected(&mut self, now: Instant) {
        self.check_drained();
        if !self.closed {
            self.transfer_data_connected(now);
        }
    }

    /// The adapter listens for the active-mode data connection on this address (after
    /// [`Output::ListenData`]).
    pub fn handle_data_listening(&mut self, address: SocketAddr, now: Instant) {
        self.check_drained();
        if !self.closed {
            self.transfer_data_listening(address, now);
        }
    }

    /// The data connection ended (or could not be opened: [`DataEnd::Failed`]). For an
    /// upload, report the end of the adapter's own sending: [`DataEnd::Clean`] once everything
    /// was written and the connection closed cleanly (close_notify sent under PROT P).
    pub fn handle_data_ended(&mut self, end: DataEnd, now: Instant) {
        self.check_drained();
        if !self.closed {
            self.transfer_data_ended(end, now);
        }
    }

    /// The control connection was closed by the peer or failed.
    pub fn handle_control_closed(&mut self, _now: Instant) {
        self.check_drained();
        if self.closed {
            return;
        }
        if let Some(Job::Quit { id }) = self.job {
            self.job = None;
            if let Some(id) = id {
                // QUIT answered by a close without a reply.
                self.complete(id, Err(Failure::ConnectionClosed));
            }
            self.close(CloseReason::Quit(None));
            return;
        }
        self.close(CloseReason::PeerClosed);
    }

    /// Time passed; call at (or after) the instant of the last [`Output::Timeout`].
    pub fn handle_timeout(&mut self, now: Instant) {
        self.check_drained();
        if self.closed {
            return;
        }
        if let Some(timer) = self.timers.expired(now) {
            match timer {
                Timer::Connect | Timer::Reply => self.close(CloseReason::Timeout(timer)),
                Timer::Tls => {
                    if matches!(self.job, Some(Job::ControlTls { .. })) {
                        self.close(CloseReason::Timeout(Timer::Tls));
                    } else {
                        self.timers.tls = None;
                        self.transfer_data_failure(Failure::Timeout(Timer::Tls), now);
                    }
                }
                Timer::Data => {
                    self.timers.data = None;
                    self.transfer_data_timeout(now);
                }
                Timer::Idle => {
                    self.timers.idle = None;
                    self.timers.keepalive = None;
                    match self.job {
                        None => {
                            self.job = Some(Job::Quit { id: None });
                            self.send(&Command::Quit, now);
                        }
                        // QUIT right after the keep-alive's reply.
                        Some(Job::KeepAlive) if self.parked.is_none() => {
                            self.parked = Some(Job::Quit { id: None });
                        }
                        // A request runs: not idle (its end re-arms the timer).
                        _ => {}
                    }
                }
            }
            return;
        }
        if self.timers.keepalive_due(now) {
            self.timers.keepalive = None;
            if self.job.is_none() && self.logged_in {
                self.job = Some(Job::KeepAlive);
                self.send(&Command::Noop, now);
            }
        }
    }

    // ----------------------------------------------------------------------------------
    // Reply dispatch
    // ----------------------------------------------------------------------------------

    fn on_reply(&mut self, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        let Some(job) = self.job.take() else {
            self.stray(reply);
            return;
        };
        // Jobs waiting for something other than a reply.
        if let Job::Transfer(t) = &job {
            if !t.awaits_reply() {
                self.job = Some(job);
                self.stray(reply);
                return;
            }
        }
        self.strays = 0;
        if !code.is_preliminary() {
            self.timers.reply = None;
        }
        match job {
            Job::Greeting => self.on_greeting(reply, now),
            Job::Host => self.on_host(reply, now),
            Job::BeforeAuth { next } => self.on_before_auth(next, reply, now),
            Job::Auth { ssl } => self.on_auth(ssl, reply, now),
            Job::Secure { id } => self.on_secure_reply(id, reply, now),
            Job::ControlTls { secure } => {
                self.job = Some(Job::ControlTls { secure });
                self.protocol_close(ProtocolErrorKind::PlaintextAfterAuth { bytes: 1 });
            }
            Job::Login(login) => self.on_login_reply(login, reply, now),
            Job::Command { id, kind } => self.on_command_reply(id, kind, reply, now),
            Job::Transfer(t) => self.on_transfer_reply(t, reply, now),
            Job::KeepAlive => {
                if code.is_preliminary() {
                    self.job = Some(Job::KeepAlive);
                } else if code == ReplyCode::SERVICE_NOT_AVAILABLE {
                    self.close(CloseReason::ServiceNotAvailable(reply));
                } else {
                    self.job_done(now, false);
                }
            }
            Job::Quit { id } => {
                if code.is_preliminary() {
                    self.job = Some(Job::Quit { id });
                    return;
                }
                let reason = match id {
                    Some(id) => {
                        self.push_event(Event::Completed {
                            request: id,
                            result: Ok(Response::Done(reply.clone())),
                        });
                        CloseReason::Quit(Some(reply))
                    }
                    None => CloseReason::Idle,
                };
                self.close(reason);
            }
            Job::Rein { id } => self.on_rein_reply(id, reply, now),
        }
    }

    fn stray(&mut self, reply: Reply<'static>) {
        if reply.code() == ReplyCode::SERVICE_NOT_AVAILABLE {
            // The request in flight fails with the 421 itself: code and text.
            self.fail_job(Failure::Refused(reply.clone()));
            self.close(CloseReason::ServiceNotAvailable(reply));
            return;
        }
        self.strays = self.strays.saturating_add(1);
        if self.strays > MAX_STRAY_REPLIES {
            self.protocol_close(ProtocolErrorKind::UnsolicitedReplies);
            return;
        }
        self.push_event(Event::Unsolicited(reply));
    }

    // ----------------------------------------------------------------------------------
    // Shared actions
    // ----------------------------------------------------------------------------------

    /// A fresh request id.
    pub(crate) fn new_id(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    pub(crate) fn push(&mut self, o: Output) {
        self.out.push_back(o);
    }

    pub(crate) fn push_event(&mut self, e: Event) {
        self.out.push_back(Output::Event(e));
    }

    /// Encodes and queues a command, arming the reply timer.
    pub(crate) fn send(&mut self, command: &Command<'_>, now: Instant) {
        let mut bytes = alloc::vec::Vec::new();
        command.encode(&mut bytes);
        self.push(Output::Send(bytes));
        self.timers.reply = deadline(now, self.config.timeouts.reply);
        self.timers.keepalive = None;
    }

    /// Asks for a TLS handshake, arming the TLS timer.
    pub(crate) fn start_tls(&mut self, channel: Channel, now: Instant) {
        self.push(Output::StartTls {
            channel,
            role: TlsRole::Client,
            resume_session: channel == Channel::Data,
        });
        self.timers.tls = deadline(now, self.config.timeouts.tls);
    }

    /// A request completed.
    pub(crate) fn complete(&mut self, id: RequestId, result: Result<Response, Failure>) {
        self.push_event(Event::Completed {
            request: id,
            result,
        });
    }

    /// Nothing in flight any more: start a parked request, or arm the idle timers.
    /// `user` says whether the job that ended was the application's (it resets the idle
    /// timer).
    pub(crate) fn job_done(&mut self, now: Instant, user: bool) {
        self.job = None;
        if self.closed {
            return;
        }
        if let Some(job) = self.parked.take() {
            if self.can_start_parked(&job) {
                self.start_job(job, now);
                return;
            }
            self.parked = Some(job);
        }
        if self.logged_in {
            self.timers.keepalive = deadline(now, self.config.timeouts.keepalive);
            if user || self.timers.idle.is_none() {
                self.timers.idle = deadline(now, self.config.timeouts.idle);
            }
        }
    }

    pub(crate) fn can_start_parked(&self, job: &Job) -> bool {
        match job {
            Job::Login(_) => self.connected && !self.logged_in,
            Job::Quit { .. } => self.connected,
            _ => self.logged_in,
        }
    }

    pub(crate) fn id_of(&self, job: &Job) -> RequestId {
        match job {
            Job::Login(l) => l.id,
            Job::Command { id, .. } | Job::Rein { id } | Job::Secure { id } => *id,
            Job::ControlTls {
                secure: Some((id, _)),
            } => *id,
            Job::Transfer(t) => t.id,
            Job::Quit { id: Some(id) } => *id,
            _ => RequestId(0),
        }
    }

    /// Fails whatever request is in flight or parked (the session is ending).
    pub(crate) fn fail_job(&mut self, failure: Failure) {
        if let Some(job) = self.job.take() {
            let id = self.id_of(&job);
            if id.0 != 0 {
                if let Job::Transfer(t) = &job {
                    if t.data_open() {
                        self.push(Output::CloseData);
                    }
                }
                self.complete(id, Err(failure.clone()));
            }
        }
        if let Some(job) = self.parked.take() {
            let id = self.id_of(&job);
            if id.0 != 0 {
                self.complete(id, Err(failure));
            }
        }
    }

    /// Ends the session: fails what is in flight, then `Closed` and `Close`.
    pub(crate) fn close(&mut self, reason: CloseReason) {
        if self.closed {
            return;
        }
        let failure = match &reason {
            CloseReason::Timeout(t) => Failure::Timeout(*t),
            CloseReason::Protocol(e) => Failure::Protocol(*e),
            CloseReason::ServiceNotAvailable(r) => Failure::Refused(r.clone()),
            _ => Failure::ConnectionClosed,
        };
        self.fail_job(failure);
        self.closed = true;
        self.logged_in = false;
        self.timers = Timers::default();
        self.decoder.clear();
        self.push_event(Event::Closed(reason));
        self.push(Output::Close);
    }

    /// The server violated the protocol: the session cannot stay in sync, so it ends.
    pub(crate) fn protocol_close(&mut self, kind: ProtocolErrorKind) {
        let state = self.state();
        self.close(CloseReason::Protocol(ProtocolError { kind, state }));
    }

    /// A protocol error scoped to one request (the session stays usable).
    pub(crate) fn protocol_error(&self, kind: ProtocolErrorKind) -> Failure {
        Failure::Protocol(ProtocolError {
            kind,
            state: self.state(),
        })
    }

    fn check_drained(&self) {
        debug_assert!(
            self.out.len() < MAX_QUEUED_OUTPUTS,
            "ftps-proto client: drain poll_output() after every input ({} outputs queued)",
            self.out.len()
        );
    }
}

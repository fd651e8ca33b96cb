//! Transfers: the data connection's negotiation (`EPSV` → `PASV` fallback, or `EPRT` →
//! `PORT`; RFC 959 §4.1.2, RFC 2428), `REST` (RFC 3659 §5), the transfer command, the data
//! channel's TLS (RFC 4217 §7, §9), completion (final reply *and* clean data end, RFC 4217
//! §10) and `ABOR` (RFC 959 §4.1.3).
//!
//! Owns everything between a transfer request and its [`super::Event::Completed`]. Must not
//! touch file bytes: the adapter moves them.

use alloc::boxed::Box;
use core::net::SocketAddr;

use super::error::ProtocolErrorKind;
use super::event::{CloseReason, Event, Failure, RequestId, Response, TransferCommand};
use super::machine::{Client, Job};
use super::timer::deadline;
use super::{DataAddress, DataMode, DataProtection, Output};
use crate::codec::{
    parse_epsv_reply, parse_opening_size_hint, parse_pasv_reply, parse_protocols_reply,
    parse_unique_name, Command, Expected, PayloadError, Reply,
};
use crate::types::{
    Channel, DataEnd, EpsvArgument, FunctionGroup, Instant, NetworkProtocol, Pathname, ReplyCode,
};

/// Where a transfer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `EPSV`, `PASV`, `EPRT` or `PORT` in flight.
    Negotiate,
    /// Waiting for the adapter's listener (active mode).
    AwaitListen,
    /// Waiting for the adapter's connect (passive mode).
    Connecting,
    /// `REST` in flight.
    Rest,
    /// The transfer command was sent.
    Command,
    /// `ABOR` sent.
    Aborting,
}

/// How the data connection is being negotiated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// `EPSV ALL` (RFC 2428 §4), then `EPSV`.
    EpsvAll,
    Epsv,
    Pasv,
    Eprt,
    Port,
}

/// The data connection as the client knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Data {
    /// Nothing asked yet (or closed by the client).
    None,
    /// Connect, listen or accept asked.
    Opening,
    /// Connected, TLS not started.
    Connected,
    /// Data TLS handshake running.
    Tls,
    /// Bytes may flow.
    Ready,
    /// The adapter reported its end.
    Ended(DataEnd),
}

/// One transfer in progress.
#[derive(Debug)]
pub(crate) struct Transfer {
    pub(crate) id: RequestId,
    pub(crate) command: TransferCommand,
    pub(crate) path: Option<Pathname<'static>>,
    pub(crate) offset: u64,
    pub(crate) step: Step,
    pub(crate) method: Method,
    pub(crate) data: Data,
    pub(crate) data_tls_done: bool,
    pub(crate) preliminary: bool,
    pub(crate) size_hint: Option<u64>,
    pub(crate) final_reply: Option<Reply<'static>>,
    pub(crate) failure: Option<Failure>,
    pub(crate) abort_requested: bool,
    pub(crate) aborted: bool,
    /// The adapter's listener (active mode).
    pub(crate) listen: Option<SocketAddr>,
    /// EPSV was sent for this transfer (so a refused PASV does not loop back to it).
    pub(crate) epsv_tried: bool,
    /// The `REST` in flight is `REST 0`, clearing a marker an earlier transfer left.
    pub(crate) rest_zero: bool,
}

impl Transfer {
    pub(crate) fn new(
        id: RequestId,
        command: TransferCommand,
        path: Option<Pathname<'static>>,
        offset: u64,
    ) -> Self {
        Transfer {
            id,
            command,
            path,
            offset,
            step: Step::Negotiate,
            method: Method::Epsv,
            data: Data::None,
            data_tls_done: false,
            preliminary: false,
            size_hint: None,
            final_reply: None,
            failure: None,
            abort_requested: false,
            aborted: false,
            listen: None,
            epsv_tried: false,
            rest_zero: false,
        }
    }

    /// True when a reply is expected now (otherwise a reply is unsolicited).
    pub(crate) fn awaits_reply(&self) -> bool {
        match self.step {
            Step::Negotiate | Step::Rest | Step::Aborting => true,
            Step::Command => self.final_reply.is_none(),
            Step::AwaitListen | Step::Connecting => false,
        }
    }

    /// True while the adapter holds a data connection or listener for this transfer.
    pub(crate) fn data_open(&self) -> bool {
        matches!(
            self.data,
            Data::Opening | Data::Connected | Data::Tls | Data::Ready
        )
    }

    fn wire_command(&self) -> Command<'_> {
        let path = self.path.as_ref().map(Pathname::borrow);
        match (self.command, path) {
            (TransferCommand::List, p) => Command::List(p),
            (TransferCommand::Nlst, p) => Command::Nlst(p),
            (TransferCommand::Mlsd, p) => Command::Mlsd(p),
            (TransferCommand::Stou, p) => Command::Stou(p),
            (TransferCommand::Retr, Some(p)) => Command::Retr(p),
            (TransferCommand::Stor, Some(p)) => Command::Stor(p),
            (TransferCommand::Appe, Some(p)) => Command::Appe(p),
            // The request methods always give these a path; keep a defined answer anyway.
            (TransferCommand::Retr | TransferCommand::Stor | TransferCommand::Appe, None) => {
                Command::Noop
            }
        }
    }
}

impl Client {
    /// Starts (or restarts, after an MLSD → LIST fallback) the data negotiation.
    pub(crate) fn start_transfer(&mut self, mut t: Box<Transfer>, now: Instant) {
        t.data = Data::None;
        t.preliminary = false;
        t.final_reply = None;
        t.data_tls_done = false;
        match self.config.data_mode {
            DataMode::Passive => {
                if self.config.epsv_all && !self.epsv_all_sent {
                    let all = Command::Epsv(Some(EpsvArgument::All));
                    self.negotiate(t, Method::EpsvAll, &all, now);
                } else if self.prefer_epsv() {
                    self.negotiate(t, Method::Epsv, &Command::Epsv(None), now);
                } else {
                    self.negotiate(t, Method::Pasv, &Command::Pasv, now);
                }
            }
            DataMode::Active => {
                t.step = Step::AwaitListen;
                t.data = Data::Opening;
                self.push(Output::ListenData { request: t.id });
                self.timers.data = deadline(now, self.config.timeouts.data);
                self.job = Some(Job::Transfer(t));
            }
        }
    }

    /// EPSV first (it works through NAT and with IPv6), unless it is disabled or was
    /// refused, or the server's FEAT list leaves it out (RFC 2428 predates FEAT, so that is
    /// only a hint: a refused PASV still falls back to EPSV).
    fn prefer_epsv(&self) -> bool {
        self.config.epsv_all
            || self.config.extended_data_commands
                && !self.epsv_refused
                && (self.pasv_refused || self.features.is_empty() || self.features.epsv())
    }

    fn negotiate(&mut self, mut t: Box<Transfer>, method: Method, c: &Command<'_>, now: Instant) {
        t.step = Step::Negotiate;
        t.method = method;
        if method == Method::Epsv {
            t.epsv_tried = true;
        }
        self.job = Some(Job::Transfer(t));
        self.send(c, now);
    }

    pub(crate) fn on_transfer_reply(
        &mut self,
        mut t: Box<Transfer>,
        reply: Reply<'static>,
        now: Instant,
    ) {
        let code = reply.code();
        if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            if t.data_open() {
                self.push(Output::CloseData);
            }
            self.complete(t.id, Err(Failure::Refused(reply.clone())));
            self.close(CloseReason::ServiceNotAvailable(reply));
            return;
        }
        if code.is_preliminary() && t.step != Step::Command {
            self.job = Some(Job::Transfer(t));
            return;
        }
        if t.abort_requested && matches!(t.step, Step::Negotiate | Step::Rest) {
            t.aborted = true;
            self.finish(t, now);
            return;
        }
        match t.step {
            Step::Negotiate => self.on_negotiate_reply(t, reply, now),
            Step::Rest => {
                if code == ReplyCode::PENDING_FURTHER_INFORMATION {
                    if t.rest_zero {
                        self.restart_marker = false;
                    }
                    self.send_transfer_command(t, now);
                } else if t.rest_zero {
                    // RFC 3659 §5.3: an error to REST means the server does not implement it
                    // (or the value is malformed, and 0 is not): no marker to clear.
                    self.restart_marker = false;
                    self.send_transfer_command(t, now);
                } else {
                    // The server did not take the marker.
                    self.restart_marker = false;
                    self.refused(t, reply, now);
                }
            }
            Step::Command => self.on_command_step_reply(t, reply, now),
            Step::Aborting => {
                if code.is_completion() {
                    // 226 or 225 (RFC 959 §4.1.3); a 426 before it was the transfer's.
                    t.aborted = true;
                    self.finish(t, now);
                } else {
                    self.job = Some(Job::Transfer(t));
                    self.timers.reply = deadline(now, self.config.timeouts.reply);
                }
            }
            Step::AwaitListen | Step::Connecting => {
                // Filtered out by `awaits_reply`; keep the transfer as it was.
                self.job = Some(Job::Transfer(t));
            }
        }
    }

    fn on_negotiate_reply(&mut self, mut t: Box<Transfer>, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code == ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED {
            // RFC 2428 §2: the text names the protocols the server supports.
            if let Ok(list) = parse_protocols_reply(&reply) {
                self.network_protocols = Some(list.into_boxed_slice());
            }
        }
        match t.method {
            Method::EpsvAll => {
                // Sent once per login, whatever the answer: from now on only EPSV.
                self.epsv_all_sent = true;
                if (code.is_negative() && code.function_group() == FunctionGroup::Authentication)
                    || code.is_transient_negative()
                {
                    self.refused(t, reply, now);
                } else {
                    self.negotiate(t, Method::Epsv, &Command::Epsv(None), now);
                }
            }
            Method::Epsv => {
                if code.is_transient_negative() {
                    self.refused(t, reply, now);
                    return;
                }
                // A refusal about the session (530 not logged in, 534 policy...) is not about
                // EPSV: PASV would be refused the same way.
                if code.is_permanent_negative()
                    && code.function_group() == FunctionGroup::Authentication
                {
                    self.refused(t, reply, now);
                    return;
                }
                match parse_epsv_reply(&reply) {
                    // Port 0 is nowhere to connect to: treated like a malformed 229.
                    Ok(port) if code == ReplyCode::ENTERING_EXTENDED_PASSIVE && port != 0 => {
                        self.open_data(t, DataAddress::ControlPeer { port }, now)
                    }
                    // Another 5xx, or a malformed 229: PASV (RFC 2428 §3 leaves EPSV
                    // optional), unless EPSV ALL is configured (RFC 2428 §4: no other data
                    // command after it) or a 522 said the server has no IPv4 (PASV is
                    // IPv4 only).
                    _ => {
                        if self.config.epsv_all || !self.ipv4_possible() {
                            if code.is_negative() {
                                self.refused(t, reply, now);
                            } else {
                                let e = parse_epsv_reply(&reply).err().unwrap_or(
                                    PayloadError::Malformed {
                                        offset: 0,
                                        expected: Expected::Number,
                                    },
                                );
                                t.failure = Some(
                                    self.protocol_error(ProtocolErrorKind::MalformedPayload(e)),
                                );
                                self.finish(t, now);
                            }
                            return;
                        }
                        self.epsv_refused = true;
                        self.negotiate(t, Method::Pasv, &Command::Pasv, now);
                    }
                }
            }
            Method::Pasv => {
                let not_implemented =
                    code == ReplyCode::SYNTAX_ERROR || code == ReplyCode::NOT_IMPLEMENTED;
                if not_implemented
                    && !t.epsv_tried
                    && self.config.extended_data_commands
                    && !self.epsv_refused
                {
                    // FEAT left EPSV out, but PASV is not there either (an IPv6 server).
                    self.pasv_refused = true;
                    self.negotiate(t, Method::Epsv, &Command::Epsv(None), now);
                    return;
                }
                if code != ReplyCode::ENTERING_PASSIVE {
                    self.refused(t, reply, now);
                    return;
                }
                // Port 0 is nowhere to connect to (RFC 959 §4.1.2 gives a port to connect to).
                let parsed = parse_pasv_reply(&reply).and_then(|addr| {
                    if addr.port() == 0 {
                        Err(PayloadError::Malformed {
                            offset: 0,
                            expected: Expected::HostPort,
                        })
                    } else {
                        Ok(addr)
                    }
                });
                match parsed {
                    Ok(addr) => {
                        let address = if self.config.trust_pasv_address {
                            DataAddress::Exact(SocketAddr::V4(addr))
                        } else {
                            DataAddress::ControlPeer { port: addr.port() }
                        };
                        self.open_data(t, address, now);
                    }
                    Err(e) => {
                        t.failure =
                            Some(self.protocol_error(ProtocolErrorKind::MalformedPayload(e)));
                        self.finish(t, now);
                    }
                }
            }
            Method::Eprt | Method::Port => {
                if code.is_completion() {
                    self.after_data_address(t, now);
                } else if t.method == Method::Eprt
                    && (code == ReplyCode::SYNTAX_ERROR
                        || code == ReplyCode::NOT_IMPLEMENTED
                        || code == ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED)
                {
                    self.eprt_refused = true;
                    match listen_v4(&t).filter(|_| self.ipv4_possible()) {
                        Some(v4) => self.negotiate(t, Method::Port, &Command::Port(v4), now),
                        None => self.refused(t, reply, now),
                    }
                } else {
                    self.refused(t, reply, now);
                }
            }
        }
    }

    fn open_data(&mut self, mut t: Box<Transfer>, address: DataAddress, now: Instant) {
        t.step = Step::Connecting;
        t.data = Data::Opening;
        self.push(Output::OpenData {
            request: t.id,
            address,
        });
        self.timers.data = deadline(now, self.config.timeouts.data);
        self.job = Some(Job::Transfer(t));
    }

    /// The server knows the data address: `REST` if resuming, then the command.
    fn after_data_address(&mut self, mut t: Box<Transfer>, now: Instant) {
        if t.abort_requested {
            t.aborted = true;
            self.finish(t, now);
        } else if t.offset > 0 && matches!(t.command, TransferCommand::Retr | TransferCommand::Stor)
        {
            t.step = Step::Rest;
            let offset = t.offset;
            // Until this restarted transfer succeeds, the server may hold the marker.
            self.restart_marker = true;
            self.job = Some(Job::Transfer(t));
            self.send(&Command::Rest(offset), now);
        } else if self.restart_marker {
            // RFC 3659 §5.3: "a user-PI that has issued a REST command, but that has not
            // successfully transmitted the following data transfer command for any reason,
            // should send another REST command before the next data transfer command. If
            // that transfer is not to be restarted, then "REST 0" should be issued."
            t.step = Step::Rest;
            t.rest_zero = true;
            self.job = Some(Job::Transfer(t));
            self.send(&Command::Rest(0), now);
        } else {
            self.send_transfer_command(t, now);
        }
    }

    fn send_transfer_command(&mut self, mut t: Box<Transfer>, now: Instant) {
        t.step = Step::Command;
        if t.command == TransferCommand::Stou {
            // A name from an earlier STOU must not pass for this one's.
            self.unique_name = None;
        }
        let command = t.wire_command().into_owned();
        let id = t.id;
        let active = self.config.data_mode == DataMode::Active;
        self.job = Some(Job::Transfer(t));
        self.send(&command, now);
        if active {
            self.push(Output::AcceptData { request: id });
            self.timers.data = deadline(now, self.config.timeouts.data);
        }
    }

    fn on_command_step_reply(&mut self, mut t: Box<Transfer>, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code.is_preliminary() {
            // 125/150: the transfer runs; the control timer is suspended until the data ends.
            t.preliminary = true;
            t.size_hint = parse_opening_size_hint(&reply);
            if t.command == TransferCommand::Stou {
                self.unique_name = parse_unique_name(&reply).map(Pathname::into_owned);
            }
            self.timers.reply = None;
            self.maybe_start_data(t, now);
        } else if code.is_completion() {
            t.final_reply = Some(reply);
            if t.data_open() {
                // Wait for the clean end of the data connection (either order), but not
                // forever: a close_notify that never comes is a truncation, not a success.
                if t.data != Data::Opening {
                    self.timers.data = deadline(now, self.config.timeouts.data);
                }
                self.job = Some(Job::Transfer(t));
            } else {
                self.finish(t, now);
            }
        } else if t.command == TransferCommand::Mlsd
            && (code == ReplyCode::SYNTAX_ERROR || code == ReplyCode::NOT_IMPLEMENTED)
        {
            // FEAT said MLST but MLSD is refused: fall back to LIST (RFC 3659 §7 is optional).
            if t.data_open() {
                self.push(Output::CloseData);
            }
            self.timers.data = None;
            self.timers.tls = None;
            self.mlsd_refused = true;
            t.command = TransferCommand::List;
            self.start_transfer(t, now);
        } else if code.is_negative() {
            self.refused(t, reply, now);
        } else {
            let f = self.protocol_error(ProtocolErrorKind::UnexpectedReply(code));
            t.failure.get_or_insert(f);
            t.final_reply = Some(reply);
            self.finish(t, now);
        }
    }

    /// A 4xx/5xx ends the transfer with that reply (an earlier data failure keeps priority,
    /// with the reply attached).
    fn refused(&mut self, mut t: Box<Transfer>, reply: Reply<'static>, now: Instant) {
        match &mut t.failure {
            Some(Failure::DataConnection { reply: r, .. }) if r.is_none() => *r = Some(reply),
            Some(_) => {}
            None => t.failure = Some(Failure::Refused(reply)),
        }
        self.finish(t, now);
    }

    /// 1xx seen and the connection up: secure it under PROT P, else let the bytes flow.
    fn maybe_start_data(&mut self, mut t: Box<Transfer>, now: Instant) {
        if t.preliminary && t.data == Data::Connected {
            if self.prot == Some(DataProtection::Private) {
                t.data = Data::Tls;
                self.start_tls(Channel::Data, now);
            } else {
                t.data = Data::Ready;
                self.push_event(Event::TransferStarted {
                    request: t.id,
                    command: t.command,
                    size_hint: t.size_hint,
                });
            }
        }
        self.job = Some(Job::Transfer(t));
    }

    /// Ends the transfer and reports it.
    // The transfer arrives boxed from the job slot; unboxing would copy it for nothing.
    #[allow(clippy::boxed_local)]
    pub(crate) fn finish(&mut self, mut t: Box<Transfer>, now: Instant) {
        if t.data_open() {
            self.push(Output::CloseData);
            t.data = Data::None;
        }
        self.timers.data = None;
        self.timers.tls = None;
        self.timers.reply = None;
        let result = if t.aborted {
            Err(Failure::Aborted)
        } else if let Some(mut f) = t.failure.take() {
            if let Failure::DataConnection { reply, .. } = &mut f {
                if reply.is_none() {
                    *reply = t.final_reply.take();
                }
            }
            Err(f)
        } else {
            match (t.final_reply.take(), t.data) {
                (Some(reply), Data::Ended(DataEnd::Clean)) => {
                    // The marker was used by this transfer.
                    self.restart_marker = false;
                    Ok(Response::Transferred {
                        command: t.command,
                        reply,
                    })
                }
                (reply, Data::Ended(end)) => Err(Failure::DataConnection { end, reply }),
                (reply, _) => Err(Failure::DataConnection {
                    end: DataEnd::Failed,
                    reply,
                }),
            }
        };
        self.complete(t.id, result);
        self.job_done(now, true);
    }

    fn take_transfer(&mut self) -> Option<Box<Transfer>> {
        match self.job.take() {
            Some(Job::Transfer(t)) => Some(t),
            other => {
                self.job = other;
                None
            }
        }
    }

    /// Whether an IPv4-only command (`PASV`, `PORT`) can help: not after a 522 whose
    /// protocol list leaves IPv4 out (RFC 2428 §2).
    fn ipv4_possible(&self) -> bool {
        self.network_protocols
            .as_ref()
            .map_or(true, |l| l.contains(&NetworkProtocol::IPV4))
    }

    pub(crate) fn transfer_data_listening(&mut self, address: SocketAddr, now: Instant) {
        let Some(t) = self.take_transfer() else {
            return;
        };
        if t.step != Step::AwaitListen {
            self.job = Some(Job::Transfer(t));
            return;
        }
        self.timers.data = None;
        let mut t = t;
        t.listen = Some(address);
        if self.config.extended_data_commands && !self.eprt_refused {
            self.negotiate(t, Method::Eprt, &Command::Eprt(address), now);
        } else if let SocketAddr::V4(v4) = address {
            self.negotiate(t, Method::Port, &Command::Port(v4), now);
        } else {
            t.failure = Some(Failure::DataUnavailable);
            self.finish(t, now);
        }
    }

    pub(crate) fn transfer_data_connected(&mut self, now: Instant) {
        let Some(mut t) = self.take_transfer() else {
            return;
        };
        if t.data != Data::Opening {
            self.job = Some(Job::Transfer(t));
            return;
        }
        match t.step {
            Step::Connecting => {
                self.timers.data = None;
                t.data = Data::Connected;
                self.after_data_address(t, now);
            }
            Step::Command | Step::Aborting => {
                self.timers.data = None;
                t.data = Data::Connected;
                if t.step == Step::Aborting {
                    self.job = Some(Job::Transfer(t));
                } else {
                    self.maybe_start_data(t, now);
                }
            }
            _ => self.job = Some(Job::Transfer(t)),
        }
    }

    pub(crate) fn transfer_data_ended(&mut self, end: DataEnd, now: Instant) {
        let Some(mut t) = self.take_transfer() else {
            return;
        };
        if !t.data_open() {
            self.job = Some(Job::Transfer(t));
            return;
        }
        match t.step {
            Step::Connecting => {
                // The passive connect failed.
                self.timers.data = None;
                t.data = Data::None;
                self.connect_failed(t, now);
            }
            Step::AwaitListen => {
                self.timers.data = None;
                t.data = Data::None;
                t.failure = Some(Failure::DataUnavailable);
                self.finish(t, now);
            }
            _ => {
                // An end before the transfer command was sent, or (under PROT P) before the
                // data handshake finished, proves nothing about the file: possibly truncated.
                let premature = !matches!(t.step, Step::Command | Step::Aborting)
                    || (self.prot == Some(DataProtection::Private) && !t.data_tls_done);
                let end = if end == DataEnd::Clean && premature {
                    DataEnd::Truncated
                } else {
                    end
                };
                t.data = Data::Ended(end);
                self.timers.data = None;
                self.timers.tls = None;
                if end != DataEnd::Clean && t.failure.is_none() {
                    t.failure = Some(Failure::DataConnection { end, reply: None });
                }
                self.after_data_end(t, now);
            }
        }
    }

    /// The data side is over: finish if the final reply is in, else wait for it.
    fn after_data_end(&mut self, t: Box<Transfer>, now: Instant) {
        if t.final_reply.is_some() {
            self.finish(t, now);
        } else if t.step == Step::Command || t.step == Step::Aborting {
            self.timers.reply = deadline(now, self.config.timeouts.reply);
            self.job = Some(Job::Transfer(t));
        } else {
            // Negotiate or Rest in flight: the reply will come and decide.
            self.job = Some(Job::Transfer(t));
        }
    }

    /// A passive connect failed or timed out: after EPSV, try PASV once (RFC 2428 §3 with a
    /// middlebox that mangles it); after PASV, give up.
    fn connect_failed(&mut self, mut t: Box<Transfer>, now: Instant) {
        if t.abort_requested {
            t.aborted = true;
            self.finish(t, now);
        } else if t.method == Method::Epsv && !self.config.epsv_all && self.ipv4_possible() {
            self.epsv_refused = true;
            self.negotiate(t, Method::Pasv, &Command::Pasv, now);
        } else {
            t.failure = Some(Failure::DataUnavailable);
            self.finish(t, now);
        }
    }

    pub(crate) fn transfer_tls_ready(&mut self, _now: Instant) {
        let Some(mut t) = self.take_transfer() else {
            return;
        };
        if t.data == Data::Tls {
            self.timers.tls = None;
            t.data = Data::Ready;
            t.data_tls_done = true;
            self.push_event(Event::TransferStarted {
                request: t.id,
                command: t.command,
                size_hint: t.size_hint,
            });
        }
        self.job = Some(Job::Transfer(t));
    }

    /// The data connection failed in a way the adapter cannot recover (TLS failure or
    /// timeout): close it, and wait for the server's final reply to stay in step.
    pub(crate) fn transfer_data_failure(&mut self, failure: Failure, now: Instant) {
        let Some(mut t) = self.take_transfer() else {
            return;
        };
        if !t.data_open() {
            self.job = Some(Job::Transfer(t));
            return;
        }
        self.push(Output::CloseData);
        t.data = Data::None;
        self.timers.tls = None;
        self.timers.data = None;
        t.failure.get_or_insert(failure);
        self.after_data_end(t, now);
    }

    pub(crate) fn transfer_data_timeout(&mut self, now: Instant) {
        let Some(mut t) = self.take_transfer() else {
            return;
        };
        if t.final_reply.is_some() && t.data_open() && t.data != Data::Opening {
            // The final reply came, the end of the data connection did not.
            t.failure
                .get_or_insert(Failure::Timeout(super::Timer::Data));
            self.finish(t, now);
            return;
        }
        if t.data != Data::Opening {
            self.job = Some(Job::Transfer(t));
            return;
        }
        self.push(Output::CloseData);
        t.data = Data::None;
        match t.step {
            Step::Connecting => self.connect_failed(t, now),
            Step::AwaitListen => {
                t.failure = Some(Failure::DataUnavailable);
                self.finish(t, now);
            }
            _ => {
                t.failure.get_or_insert(Failure::DataUnavailable);
                self.after_data_end(t, now);
            }
        }
    }

    /// [`Client::abort`]'s work.
    pub(crate) fn abort_transfer(&mut self, now: Instant) -> bool {
        let Some(mut t) = self.take_transfer() else {
            return false;
        };
        match t.step {
            Step::Negotiate | Step::Rest => {
                t.abort_requested = true;
                self.job = Some(Job::Transfer(t));
            }
            Step::AwaitListen | Step::Connecting => {
                t.aborted = true;
                self.finish(t, now);
            }
            Step::Command if t.final_reply.is_some() => {
                t.aborted = true;
                self.finish(t, now);
            }
            Step::Command => {
                if t.data_open() {
                    self.push(Output::CloseData);
                    t.data = Data::None;
                }
                self.timers.data = None;
                self.timers.tls = None;
                t.step = Step::Aborting;
                self.job = Some(Job::Transfer(t));
                self.send(&Command::Abor, now);
            }
            Step::Aborting => self.job = Some(Job::Transfer(t)),
        }
        true
    }
}

/// The IPv4 listener address, for `PORT` (which cannot carry IPv6, RFC 2428 §1).
fn listen_v4(t: &Transfer) -> Option<core::net::SocketAddrV4> {
    match t.listen {
        Some(SocketAddr::V4(a)) => Some(a),
        _ => None,
    }
}

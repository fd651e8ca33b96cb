//! [`Session`]: the server side of one FTP/FTPS control connection, as a sans-IO state machine.
//!
//! Owns the command sequencing of RFC 959 §5.4 (with RFC 2228, 4217, 2389, 2428, 3659, 7151,
//! 2640 and 2577), the security policy checks of [`Config`], the login and rename pairings, the
//! data-connection setup and the completion rule of transfers. It must not touch sockets, TLS
//! libraries, clocks or storage: those are the adapter's and the application's, reached only
//! through [`Output`] and [`Event`].

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use super::reply::{self, ReplyWriter};
use super::{
    Config, ControlPolicy, DataPolicy, Decision, Direction, Event, Misuse, Output, PeerError,
    PeerErrorKind, State, TlsDetails,
};
use crate::codec::{Command, CommandDecoder, CommandError, CommandLine, TelnetSignal};
use crate::types::{
    Channel, DataEnd, EpsvArgument, FormatControl, Instant, Mode, NetworkProtocol, Pathname, Prot,
    ReplyCode, Structure, Text, Timestamp, TlsRole, TransferType, Username,
};

/// The session stops taking commands out of its buffer while this many outputs wait to be
/// drained, so a peer that pipelines thousands of commands cannot grow the output queue.
const OUTPUT_BOUND: usize = 16;

/// The server side of one control connection (see the [module docs](super) for the contract).
#[derive(Debug)]
pub struct Session {
    config: Box<Config>,
    local: IpAddr,
    peer: IpAddr,
    decoder: CommandDecoder,
    out: VecDeque<Output>,
    now: Instant,
    last_activity: Instant,
    /// When the current login period began (connection or `REIN`).
    login_since: Instant,
    phase: Phase,
    security: Security,
    login: Login,
    failed_logins: u32,
    params: Params,
    data: Data,
    transfer: Option<Box<Transfer>>,
    deferred: Option<Box<Command<'static>>>,
    quit_after_transfer: bool,
    next_decision: u32,
    /// Tags this session's [`Decision`]s (from its addresses and start time).
    tag: u32,
}

/// What the session waits for, if anything.
#[derive(Debug)]
enum Phase {
    /// Implicit FTPS: the first handshake.
    Handshake,
    /// `234` sent, control handshake running.
    SecuringControl,
    /// Reading commands.
    Ready,
    /// Waiting for the application's answer.
    Deciding(Box<Pending>),
    /// Waiting for the adapter's passive listener address.
    OpeningListener { extended: bool },
    /// A failed login's reply is held back until `until`.
    LoginDelay {
        until: Instant,
        reply: Box<(ReplyCode, Text<'static>)>,
        close: bool,
    },
    /// Closed; nothing more happens.
    Closed,
}

#[derive(Debug)]
struct Pending {
    decision: Decision,
    question: Question,
}

#[derive(Debug)]
enum Question {
    Host,
    User {
        user: Username<'static>,
        client_certificate: bool,
    },
    Password,
    Cwd,
    Cdup,
    Pwd,
    Mkd,
    Rmd,
    Dele,
    Rnfr(Pathname<'static>),
    Rnto,
    Size,
    Mdtm,
    Mfmt(Pathname<'static>, Timestamp),
    Site,
    Stat,
    Mlst,
    Transfer(TransferKind),
}

impl Question {
    fn name(&self) -> &'static str {
        match self {
            Question::Host => "HOST",
            Question::User { .. } => "USER",
            Question::Password => "PASS",
            Question::Cwd => "CWD",
            Question::Cdup => "CDUP",
            Question::Pwd => "PWD",
            Question::Mkd => "MKD",
            Question::Rmd => "RMD",
            Question::Dele => "DELE",
            Question::Rnfr(_) => "RNFR",
            Question::Rnto => "RNTO",
            Question::Size => "SIZE",
            Question::Mdtm => "MDTM",
            Question::Mfmt(..) => "MFMT",
            Question::Site => "SITE",
            Question::Stat => "STAT",
            Question::Mlst => "MLST",
            Question::Transfer(k) => k.verb(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TransferKind {
    Retr,
    Stor,
    Appe,
    Stou,
    List,
    Nlst,
    Mlsd,
}

impl TransferKind {
    fn verb(self) -> &'static str {
        match self {
            TransferKind::Retr => "RETR",
            TransferKind::Stor => "STOR",
            TransferKind::Appe => "APPE",
            TransferKind::Stou => "STOU",
            TransferKind::List => "LIST",
            TransferKind::Nlst => "NLST",
            TransferKind::Mlsd => "MLSD",
        }
    }
    fn direction(self) -> Direction {
        match self {
            TransferKind::Retr | TransferKind::List | TransferKind::Nlst | TransferKind::Mlsd => {
                Direction::Send
            }
            TransferKind::Stor | TransferKind::Appe | TransferKind::Stou => Direction::Receive,
        }
    }
}

#[derive(Debug, Default)]
struct Security {
    /// `AUTH TLS` succeeded (or implicit TLS) in this login cycle; survives `CCC`.
    secured: bool,
    /// The control connection is protected right now.
    protected: bool,
    /// The control handshake presented a verified client certificate.
    client_certificate: bool,
    /// `PBSZ` was accepted.
    pbsz: bool,
    /// `PROT P` is in force.
    private: bool,
}

#[derive(Debug)]
enum Login {
    None,
    NeedPassword(Username<'static>),
    LoggedIn(Username<'static>),
}

#[derive(Debug)]
struct Params {
    binary: bool,
    rest: Option<u64>,
    rename_from: Option<Pathname<'static>>,
    epsv_all: bool,
    utf8: bool,
    host_given: bool,
    /// The facts chosen by `OPTS MLST` (RFC 3659 §7.9), as `fact;fact;`; `None` means the
    /// configured defaults.
    mlst: Option<Box<Text<'static>>>,
}

impl Params {
    fn new() -> Self {
        Params {
            binary: false,
            rest: None,
            rename_from: None,
            epsv_all: false,
            utf8: false,
            host_given: false,
            mlst: None,
        }
    }
}

#[derive(Debug, Default)]
struct Data {
    setup: Setup,
    conn: Conn,
    /// The current data connection completed a TLS handshake.
    protected: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum Setup {
    #[default]
    None,
    Passive,
    Active(SocketAddr),
    /// The data connection was refused (TLS failed or not resumed); the next transfer command
    /// gets `522` with this text.
    Refused(&'static str),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Conn {
    #[default]
    None,
    Connecting,
    Handshaking,
    Ready,
}

#[derive(Debug)]
struct Transfer {
    decision: Decision,
    kind: TransferKind,
    /// `StartTransfer` was emitted.
    started: bool,
    /// Upload: the data connection ended cleanly.
    data_clean: bool,
    /// Upload: the application finished storing.
    stored: bool,
    /// Waiting for the data connection until then.
    deadline: Option<Instant>,
}

const NOT_RESUMED: &str = "TLS session of data connection not resumed";
const DATA_TLS_FAILED: &str = "TLS negotiation on data connection failed";

fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

fn is_anonymous(user: &Username<'_>) -> bool {
    let b = user.as_bytes();
    b.eq_ignore_ascii_case(b"anonymous") || b.eq_ignore_ascii_case(b"ftp")
}

fn owned<'a>(p: Option<Pathname<'a>>) -> Option<Pathname<'static>> {
    p.map(Pathname::into_owned)
}

impl Session {
    /// A session for a control connection from `peer` accepted on `local`, at `now`.
    ///
    /// The first outputs are the `220` greeting, or, under [`ControlPolicy::Implicit`], a
    /// control-channel [`Output::StartTls`] (the greeting follows the handshake).
    pub fn new(config: Config, local: SocketAddr, peer: SocketAddr, now: Instant) -> Session {
        let implicit = config.control == ControlPolicy::Implicit;
        let mut s = Session {
            decoder: CommandDecoder::new(config.limits),
            config: Box::new(config),
            local: canonical(local.ip()),
            peer: canonical(peer.ip()),
            out: VecDeque::new(),
            now,
            last_activity: now,
            login_since: now,
            phase: Phase::Ready,
            security: Security::default(),
            login: Login::None,
            failed_logins: 0,
            params: Params::new(),
            data: Data::default(),
            transfer: None,
            deferred: None,
            quit_after_transfer: false,
            next_decision: 1,
            tag: session_tag(local, peer, now),
        };
        if implicit {
            s.phase = Phase::Handshake;
            s.out.push_back(Output::StartTls {
                channel: Channel::Control,
                role: TlsRole::Server,
                resume_session: false,
            });
        } else {
            s.greet();
        }
        s
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The coarse state (what errors and events name).
    pub fn state(&self) -> State {
        match &self.phase {
            Phase::Handshake => State::Handshake,
            Phase::SecuringControl => State::SecuringControl,
            Phase::Deciding(_) => State::Deciding,
            Phase::OpeningListener { .. } => State::OpeningListener,
            Phase::LoginDelay { .. } => State::LoginDelay,
            Phase::Closed => State::Closed,
            Phase::Ready => {
                if self.transfer.is_some() {
                    State::Transferring
                } else {
                    match self.login {
                        Login::None => State::NotLoggedIn,
                        Login::NeedPassword(_) => State::NeedPassword,
                        Login::LoggedIn(_) => State::LoggedIn,
                    }
                }
            }
        }
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&Username<'static>> {
        match &self.login {
            Login::LoggedIn(u) => Some(u),
            _ => None,
        }
    }

    /// Whether the control connection is protected by TLS now.
    pub fn is_control_protected(&self) -> bool {
        self.security.protected
    }

    /// Whether `PROT P` is in force (data connections are protected).
    pub fn is_data_protected(&self) -> bool {
        self.security.private
    }

    /// Whether `TYPE I` (image) is in force rather than `TYPE A`.
    pub fn is_binary(&self) -> bool {
        self.params.binary
    }

    /// Whether the client said `OPTS UTF8 ON` (RFC 2640 §3.2).
    pub fn is_utf8(&self) -> bool {
        self.params.utf8
    }

    /// The MLSx facts to send (RFC 3659 §7.9), as `fact;fact;`: those chosen by the client's
    /// `OPTS MLST`, else the configured defaults (the facts marked `*` in
    /// [`Config::mlst_facts`]). The application formats `MLST`/`MLSD` entries with these facts
    /// only.
    pub fn mlst_facts(&self) -> Text<'_> {
        match &self.params.mlst {
            Some(t) => t.borrow(),
            None => {
                let mut out = Vec::new();
                for (name, default) in self.supported_facts() {
                    if default {
                        out.extend_from_slice(name);
                        out.push(b';');
                    }
                }
                Text::new(out).unwrap_or(Text::EMPTY)
            }
        }
    }

    // ------------------------------------------------------------------ inputs

    /// Control-connection plaintext received (after TLS decryption when protected).
    ///
    /// Bytes given while a control handshake is pending (behind `AUTH TLS`, or before the
    /// implicit handshake) are plaintext injected across the upgrade: they are discarded and
    /// reported (RFC 4217 §4).
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        debug_assert!(
            self.out.is_empty(),
            "drain poll_output until Idle or Timeout before the next input"
        );
        self.tick(now);
        match self.phase {
            Phase::Closed => return,
            Phase::Handshake | Phase::SecuringControl => {
                if !bytes.is_empty() {
                    self.peer_error(PeerErrorKind::PlaintextAfterAuth {
                        discarded: bytes.len(),
                    });
                }
                return;
            }
            _ => {}
        }
        if bytes.is_empty() {
            return;
        }
        // Only complete lines count as activity (see `process`): a client that trickles one
        // byte per idle period (slowloris) still times out.
        self.decoder.feed(bytes);
        self.process();
        if self.decoder.buffered() > self.config.max_pipelined_bytes {
            self.decoder.clear();
            self.peer_error(PeerErrorKind::Flood);
            self.send_line(
                ReplyCode::SERVICE_NOT_AVAILABLE,
                b"Too many pipelined commands",
            );
            self.close();
        }
    }

    /// The adapter finished a TLS handshake on `channel`.
    pub fn handle_tls_ready(
        &mut self,
        channel: Channel,
        details: TlsDetails,
        now: Instant,
    ) -> Result<(), Misuse> {
        self.tick(now);
        match channel {
            Channel::Control => match self.phase {
                Phase::Handshake => {
                    self.security.secured = true;
                    self.security.protected = true;
                    self.security.client_certificate = details.client_certificate;
                    self.last_activity = self.now;
                    self.phase = Phase::Ready;
                    self.greet();
                    Ok(())
                }
                Phase::SecuringControl => {
                    self.security.secured = true;
                    self.security.protected = true;
                    self.security.client_certificate = details.client_certificate;
                    self.last_activity = self.now;
                    self.phase = Phase::Ready;
                    self.process();
                    Ok(())
                }
                _ => Err(self.unexpected("handle_tls_ready(Control)")),
            },
            Channel::Data => {
                if self.data.conn != Conn::Handshaking {
                    return Err(self.unexpected("handle_tls_ready(Data)"));
                }
                if self.config.require_data_session_resumption && !details.resumed {
                    self.peer_error(PeerErrorKind::DataSessionNotResumed);
                    self.refuse_data(NOT_RESUMED);
                } else {
                    self.data.conn = Conn::Ready;
                    self.data.protected = true;
                    self.try_start_transfer();
                }
                Ok(())
            }
        }
    }

    /// The TLS handshake on `channel` failed. On the control connection the session closes
    /// without a reply (RFC 4217 §10.1: the connection is in an unknown state); on a data
    /// connection the transfer fails with `522`.
    pub fn handle_tls_failed(&mut self, channel: Channel, now: Instant) -> Result<(), Misuse> {
        self.tick(now);
        match channel {
            Channel::Control => match self.phase {
                Phase::Handshake | Phase::SecuringControl => {
                    self.peer_error(PeerErrorKind::TlsFailed(Channel::Control));
                    self.close();
                    Ok(())
                }
                _ => Err(self.unexpected("handle_tls_failed(Control)")),
            },
            Channel::Data => {
                if self.data.conn != Conn::Handshaking {
                    return Err(self.unexpected("handle_tls_failed(Data)"));
                }
                self.peer_error(PeerErrorKind::TlsFailed(Channel::Data));
                self.refuse_data(DATA_TLS_FAILED);
                Ok(())
            }
        }
    }

    /// The passive listener asked by [`Output::ListenData`] is bound at `address`.
    pub fn handle_data_listening(
        &mut self,
        address: SocketAddr,
        now: Instant,
    ) -> Result<(), Misuse> {
        self.tick(now);
        let Phase::OpeningListener { extended } = self.phase else {
            return Err(self.unexpected("handle_data_listening"));
        };
        self.phase = Phase::Ready;
        self.last_activity = self.now;
        let port = address.port();
        let bytes = if extended {
            reply::extended_passive(port)
        } else {
            let announced = self
                .config
                .passive_address
                .map(canonical)
                .unwrap_or(self.local);
            match announced {
                IpAddr::V4(v4) => reply::passive(v4, port),
                IpAddr::V6(_) => {
                    // Checked before ListenData; kept total.
                    self.out.push_back(Output::CloseData);
                    self.send_line(ReplyCode::CANT_OPEN_DATA, b"PASV needs IPv4; use EPSV");
                    self.process();
                    return Ok(());
                }
            }
        };
        self.data = Data {
            setup: Setup::Passive,
            conn: Conn::None,
            protected: false,
        };
        self.out.push_back(Output::Send(bytes));
        self.process();
        Ok(())
    }

    /// The passive listener could not be opened: the client gets `425`.
    pub fn handle_data_listen_failed(&mut self, now: Instant) -> Result<(), Misuse> {
        self.tick(now);
        if !matches!(self.phase, Phase::OpeningListener { .. }) {
            return Err(self.unexpected("handle_data_listen_failed"));
        }
        self.phase = Phase::Ready;
        self.last_activity = self.now;
        self.data = Data::default();
        self.send_line(ReplyCode::CANT_OPEN_DATA, b"Can't open passive connection");
        self.process();
        Ok(())
    }

    /// A data connection is up: accepted on the passive listener (from the control peer
    /// only), or connected for active mode. Under PROT P the session answers with a data
    /// [`Output::StartTls`] at once, whatever the transfer state.
    pub fn handle_data_connected(&mut self, now: Instant) -> Result<(), Misuse> {
        self.tick(now);
        let ok = match self.data.setup {
            Setup::Passive => self.data.conn == Conn::None,
            Setup::Active(_) => self.data.conn == Conn::Connecting,
            _ => false,
        };
        if !ok || self.phase_is_closed() {
            return Err(self.unexpected("handle_data_connected"));
        }
        self.data.protected = false;
        if self.security.private {
            self.data.conn = Conn::Handshaking;
            self.out.push_back(Output::StartTls {
                channel: Channel::Data,
                role: TlsRole::Server,
                resume_session: self.config.require_data_session_resumption,
            });
        } else {
            self.data.conn = Conn::Ready;
            self.try_start_transfer();
        }
        Ok(())
    }

    /// The data connection ended (or an active connect failed), as the adapter saw it.
    ///
    /// During an upload only [`DataEnd::Clean`] (TLS close_notify then EOF under PROT P)
    /// counts as the end of the file; anything else fails the transfer with `426`. During a
    /// download, any end before `transfer_done` fails it.
    pub fn handle_data_ended(&mut self, end: DataEnd, now: Instant) -> Result<(), Misuse> {
        self.tick(now);
        if self.data.conn == Conn::None && self.transfer.is_none() {
            return Err(self.unexpected("handle_data_ended"));
        }
        let was = self.data.conn;
        self.data.conn = Conn::None;
        self.data.protected = false;
        let Some(t) = self.transfer.as_mut() else {
            return Ok(());
        };
        if was == Conn::Connecting {
            self.finish(
                ReplyCode::CANT_OPEN_DATA,
                b"Can't open data connection",
                false,
            );
            return Ok(());
        }
        if !t.started {
            // The connection went away before the transfer could start: wait for another
            // one until the data-connection deadline.
            if t.deadline.is_none() {
                t.deadline = Some(self.now + self.config.data_connection_timeout);
            }
            return Ok(());
        }
        match (t.kind.direction(), end) {
            (Direction::Receive, DataEnd::Clean) => {
                t.data_clean = true;
                if t.stored {
                    self.finish(ReplyCode::CLOSING_DATA, b"Transfer complete", true);
                }
            }
            (Direction::Receive, DataEnd::Truncated) => {
                self.peer_error(PeerErrorKind::DataConnectionBroken);
                self.finish(
                    ReplyCode::TRANSFER_ABORTED,
                    b"Data connection closed without TLS close_notify; transfer aborted",
                    false,
                );
            }
            _ => {
                self.peer_error(PeerErrorKind::DataConnectionBroken);
                self.finish(
                    ReplyCode::TRANSFER_ABORTED,
                    b"Data connection closed; transfer aborted",
                    false,
                );
            }
        }
        Ok(())
    }

    /// Time passed: `now` is at or after the last [`Output::Timeout`] (earlier calls are
    /// harmless). Releases a held-back login reply, fails a transfer whose data connection
    /// did not come (`425`), or ends an idle session (`421`).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        let now = self.now;
        if let Phase::LoginDelay { until, .. } = self.phase {
            if now >= until {
                let Phase::LoginDelay { reply, close, .. } =
                    core::mem::replace(&mut self.phase, Phase::Ready)
                else {
                    return;
                };
                self.send_line(reply.0, reply.1.as_bytes());
                if close {
                    self.peer_error(PeerErrorKind::TooManyLoginFailures);
                    self.send_line(
                        ReplyCode::SERVICE_NOT_AVAILABLE,
                        b"Too many failed logins; closing control connection",
                    );
                    self.close();
                    return;
                }
                self.last_activity = self.now;
                self.process();
            }
        }
        if let Some(deadline) = self.transfer.as_ref().and_then(|t| t.deadline) {
            if now >= deadline {
                self.finish(
                    ReplyCode::CANT_OPEN_DATA,
                    b"Can't open data connection: timed out",
                    false,
                );
            }
        }
        if self.login_deadline().is_some_and(|t| now >= t) {
            self.peer_error(PeerErrorKind::LoginTimeout);
            if matches!(self.phase, Phase::Ready | Phase::LoginDelay { .. }) {
                self.send_line(
                    ReplyCode::SERVICE_NOT_AVAILABLE,
                    b"Login timeout; closing control connection",
                );
            }
            self.close();
            return;
        }
        if let Some(idle) = self.idle_deadline() {
            if now >= idle {
                self.peer_error(PeerErrorKind::IdleTimeout);
                if matches!(self.phase, Phase::Ready) {
                    self.send_line(
                        ReplyCode::SERVICE_NOT_AVAILABLE,
                        b"Idle timeout; closing control connection",
                    );
                }
                self.close();
            }
        }
    }

    /// The next thing to do. Drain until [`Output::Timeout`] or [`Output::Idle`].
    pub fn poll_output(&mut self) -> Output {
        if self.out.is_empty() {
            self.process();
        }
        if let Some(o) = self.out.pop_front() {
            return o;
        }
        match self.deadline() {
            Some(t) => Output::Timeout(t),
            None => Output::Idle,
        }
    }

    // ------------------------------------------------------------------ decisions

    /// Accepts the question: `USER` → `331`, `PASS` → `230`, `CWD` → `250`, `CDUP` → `200`,
    /// `RMD`/`DELE` → `250`, `RNFR` → `350`, `RNTO` → `250`, `MFMT` → `213`, `HOST` → `220`,
    /// and every transfer (the session sequences `150`/`125`, the data connection and the
    /// final reply). Questions that need a value have their own method.
    pub fn accept(&mut self, decision: Decision) -> Result<(), Misuse> {
        let pending = self.take_pending(decision, "accept", |q| {
            matches!(
                q,
                Question::Host
                    | Question::User { .. }
                    | Question::Password
                    | Question::Cwd
                    | Question::Cdup
                    | Question::Rmd
                    | Question::Dele
                    | Question::Rnfr(_)
                    | Question::Rnto
                    | Question::Mfmt(..)
                    | Question::Transfer(TransferKind::Retr)
                    | Question::Transfer(TransferKind::Stor)
                    | Question::Transfer(TransferKind::Appe)
                    | Question::Transfer(TransferKind::List)
                    | Question::Transfer(TransferKind::Nlst)
                    | Question::Transfer(TransferKind::Mlsd)
            )
        })?;
        match pending.question {
            Question::Host => {
                self.params.host_given = true;
                self.send_line(ReplyCode::SERVICE_READY, b"Host accepted");
            }
            Question::User { user, .. } => self.ask_password(user),
            Question::Password => {
                let user = match core::mem::replace(&mut self.login, Login::None) {
                    Login::NeedPassword(u) | Login::LoggedIn(u) => u,
                    Login::None => Username::new_unchecked(&b"?"[..]).into_owned(),
                };
                self.login = Login::LoggedIn(user);
                self.failed_logins = 0;
                self.send_line(ReplyCode::LOGGED_IN, b"User logged in, proceed");
            }
            Question::Cwd => {
                self.send_line(ReplyCode::FILE_ACTION_OK, b"Directory successfully changed")
            }
            Question::Cdup => {
                self.send_line(ReplyCode::COMMAND_OK, b"Directory successfully changed")
            }
            Question::Rmd => self.send_line(ReplyCode::FILE_ACTION_OK, b"Directory removed"),
            Question::Dele => self.send_line(ReplyCode::FILE_ACTION_OK, b"File deleted"),
            Question::Rnfr(path) => {
                self.params.rename_from = Some(path);
                self.send_line(ReplyCode::PENDING_FURTHER_INFORMATION, b"Ready for RNTO");
            }
            Question::Rnto => self.send_line(ReplyCode::FILE_ACTION_OK, b"Rename successful"),
            Question::Mfmt(path, time) => {
                let mut text = Vec::from(&b"Modify="[..]);
                push_timestamp(&mut text, &time);
                text.extend_from_slice(b"; ");
                text.extend_from_slice(path.as_bytes());
                self.send_line(ReplyCode::FILE_STATUS, &text);
            }
            Question::Transfer(kind) => self.begin_transfer(pending.decision, kind, None),
            _ => {}
        }
        self.resume();
        Ok(())
    }

    /// Answers `USER` for a user who may not log in without a protected control connection
    /// (RFC 4217 §10.1 "deny insecure USER commands for certain users"): `331` when the
    /// control connection is protected, `530` otherwise.
    pub fn require_tls(&mut self, decision: Decision) -> Result<(), Misuse> {
        let pending = self.take_pending(decision, "require_tls", |q| {
            matches!(q, Question::User { .. })
        })?;
        if let Question::User { user, .. } = pending.question {
            if self.security.protected {
                self.ask_password(user);
            } else {
                self.login = Login::None;
                self.send_line(
                    ReplyCode::NOT_LOGGED_IN,
                    b"This user must use a protected session: AUTH TLS first",
                );
            }
        }
        self.resume();
        Ok(())
    }

    /// Answers `USER` by logging the user in on the strength of the TLS client certificate:
    /// `232` (RFC 2228 §4). Only for an [`Event::User`] with `client_certificate: true`.
    pub fn accept_certificate(&mut self, decision: Decision) -> Result<(), Misuse> {
        let pending = self.take_pending(decision, "accept_certificate", |q| {
            matches!(
                q,
                Question::User {
                    client_certificate: true,
                    ..
                }
            )
        })?;
        if let Question::User { user, .. } = pending.question {
            self.login = Login::LoggedIn(user);
            self.failed_logins = 0;
            self.send_line(
                ReplyCode::LOGGED_IN_SECURITY,
                b"User logged in, authorized by security data exchange",
            );
        }
        self.resume();
        Ok(())
    }

    /// Answers `PWD` (the current directory) or `MKD` (the directory created) with `257`.
    pub fn accept_path(&mut self, decision: Decision, path: Pathname<'_>) -> Result<(), Misuse> {
        let pending = self.take_pending(decision, "accept_path", |q| {
            matches!(q, Question::Pwd | Question::Mkd)
        })?;
        let text: &[u8] = match pending.question {
            Question::Pwd => b"is the current directory",
            _ => b"created",
        };
        let bytes = ReplyWriter::new()
            .pathname(ReplyCode::PATHNAME_CREATED, path.as_bytes(), text)
            .finish();
        self.out.push_back(Output::Send(bytes));
        self.resume();
        Ok(())
    }

    /// Answers `SIZE` with `213 <size>` (RFC 3659 §4.2).
    pub fn accept_size(&mut self, decision: Decision, size: u64) -> Result<(), Misuse> {
        self.take_pending(decision, "accept_size", |q| matches!(q, Question::Size))?;
        let bytes = ReplyWriter::new()
            .formatted(ReplyCode::FILE_STATUS, format_args!("{size}"))
            .finish();
        self.out.push_back(Output::Send(bytes));
        self.resume();
        Ok(())
    }

    /// Answers `MDTM` with `213 YYYYMMDDHHMMSS[.F]` (RFC 3659 §3.2).
    pub fn accept_time(&mut self, decision: Decision, time: Timestamp) -> Result<(), Misuse> {
        self.take_pending(decision, "accept_time", |q| matches!(q, Question::Mdtm))?;
        let mut text = Vec::new();
        push_timestamp(&mut text, &time);
        self.send_line(ReplyCode::FILE_STATUS, &text);
        self.resume();
        Ok(())
    }

    /// Answers `MLST` with its entry: `facts` is the whole entry line the application
    /// formats (`type=file;size=12; /path`, RFC 3659 §7.2), sent as
    /// `250-Listing` / ` <facts>` / `250 End`.
    pub fn accept_facts(&mut self, decision: Decision, facts: Text<'_>) -> Result<(), Misuse> {
        self.take_pending(decision, "accept_facts", |q| matches!(q, Question::Mlst))?;
        let bytes = ReplyWriter::new()
            .first(ReplyCode::FILE_ACTION_OK, b"Listing")
            .middle(facts.as_bytes())
            .line(ReplyCode::FILE_ACTION_OK, b"End")
            .finish();
        self.out.push_back(Output::Send(bytes));
        self.resume();
        Ok(())
    }

    /// Answers `SITE` (`200`) or `STAT <file>` (`213`; a directory is
    /// [`Session::accept_directory_status`]) with lines of text (at least one is sent; an
    /// empty list sends `OK`).
    pub fn accept_lines(&mut self, decision: Decision, lines: &[Text<'_>]) -> Result<(), Misuse> {
        let pending = self.take_pending(decision, "accept_lines", |q| {
            matches!(q, Question::Site | Question::Stat)
        })?;
        let code = match pending.question {
            Question::Site => ReplyCode::COMMAND_OK,
            _ => ReplyCode::FILE_STATUS,
        };
        self.send_lines(code, lines);
        self.resume();
        Ok(())
    }

    /// `code` with `lines` (one line: a single-line reply; none: `OK`).
    fn send_lines(&mut self, code: ReplyCode, lines: &[Text<'_>]) {
        let bytes = match lines {
            [] => ReplyWriter::new().line(code, b"OK").finish(),
            [one] => ReplyWriter::new().line(code, one.as_bytes()).finish(),
            many => {
                let mut w = ReplyWriter::new().first(code, b"Status follows");
                for l in many {
                    w = w.middle(l.as_bytes());
                }
                w.line(code, b"End").finish()
            }
        };
        self.out.push_back(Output::Send(bytes));
    }

    /// Answers `STAT <directory>` with `212` and the directory's lines (RFC 959 §4.2: "212
    /// Directory status"; a file's `STAT` is [`Session::accept_lines`]' `213 File status`).
    pub fn accept_directory_status(
        &mut self,
        decision: Decision,
        lines: &[Text<'_>],
    ) -> Result<(), Misuse> {
        self.take_pending(decision, "accept_directory_status", |q| {
            matches!(q, Question::Stat)
        })?;
        self.send_lines(ReplyCode::DIRECTORY_STATUS, lines);
        self.resume();
        Ok(())
    }

    /// Accepts `STOU` with the unique name chosen: `150 FILE: <name>` (RFC 1123 §4.1.2.9),
    /// then the transfer proceeds like `STOR`.
    pub fn accept_unique(&mut self, decision: Decision, name: Pathname<'_>) -> Result<(), Misuse> {
        let pending = self.take_pending(decision, "accept_unique", |q| {
            matches!(q, Question::Transfer(TransferKind::Stou))
        })?;
        self.begin_transfer(pending.decision, TransferKind::Stou, Some(name.as_bytes()));
        self.resume();
        Ok(())
    }

    /// Refuses the question with a 4yz or 5yz `code` and `text` (a refused `PASS` is held
    /// back by the login delay and counted, RFC 2577 §4). `421` also closes the session.
    pub fn reject(
        &mut self,
        decision: Decision,
        code: ReplyCode,
        text: Text<'_>,
    ) -> Result<(), Misuse> {
        if !code.is_negative() {
            return Err(Misuse::NotNegative { code: code.value() });
        }
        let pending = self.take_pending(decision, "reject", |_| true)?;
        if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            // 421 closes the control connection (RFC 959 §4.2.2).
            self.send_line(code, text.as_bytes());
            self.close();
            return Ok(());
        }
        match pending.question {
            Question::Password => {
                self.login = Login::None;
                self.failed_logins = self.failed_logins.saturating_add(1);
                let close = self.failed_logins >= self.config.max_login_attempts.max(1);
                self.phase = Phase::LoginDelay {
                    until: self.now + self.config.login_failure_delay,
                    reply: Box::new((code, text.into_owned())),
                    close,
                };
                return Ok(());
            }
            Question::User { .. } => self.login = Login::None,
            _ => {}
        }
        self.send_line(code, text.as_bytes());
        self.resume();
        Ok(())
    }

    /// A download finished writing (the session closes the data connection, TLS close_notify
    /// first, then sends `226`), or an upload finished storing (`226` once the data
    /// connection has also ended cleanly, in either order).
    ///
    /// A transfer that already failed (for example its data connection broke) ignores this.
    pub fn transfer_done(&mut self, decision: Decision) -> Result<(), Misuse> {
        let Some(t) = self.transfer.as_mut().filter(|t| t.decision == decision) else {
            return self.stale_transfer(decision, "transfer_done");
        };
        if !t.started {
            return Err(self.unexpected("transfer_done"));
        }
        match t.kind.direction() {
            Direction::Send => self.finish(ReplyCode::CLOSING_DATA, b"Transfer complete", true),
            Direction::Receive => {
                t.stored = true;
                if t.data_clean {
                    self.finish(ReplyCode::CLOSING_DATA, b"Transfer complete", true);
                }
            }
        }
        Ok(())
    }

    /// The transfer failed on the application's side (storage full `452`/`552`, read error
    /// `451`, ...): the data connection is closed and `code` sent. `421` also closes the
    /// session (RFC 959 §4.2).
    pub fn transfer_failed(
        &mut self,
        decision: Decision,
        code: ReplyCode,
        text: Text<'_>,
    ) -> Result<(), Misuse> {
        if !code.is_negative() {
            return Err(Misuse::NotNegative { code: code.value() });
        }
        if !self
            .transfer
            .as_ref()
            .is_some_and(|t| t.decision == decision)
        {
            return self.stale_transfer(decision, "transfer_failed");
        }
        self.finish(code, text.as_bytes(), false);
        if code == ReplyCode::SERVICE_NOT_AVAILABLE && !self.phase_is_closed() {
            // 421 closes the control connection (RFC 959 §4.2), as with `reject`.
            self.close();
        }
        Ok(())
    }

    // ------------------------------------------------------------------ internals

    fn tick(&mut self, now: Instant) {
        if now > self.now {
            self.now = now;
        }
    }

    fn phase_is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    fn unexpected(&self, input: &'static str) -> Misuse {
        Misuse::Unexpected {
            input,
            state: self.state(),
        }
    }

    /// A transfer handle that is not the current transfer: already finished (ignored) or
    /// never issued (misuse).
    fn stale_transfer(&self, decision: Decision, input: &'static str) -> Result<(), Misuse> {
        if decision.session == self.tag && decision.id != 0 && decision.id < self.next_decision {
            Ok(())
        } else if self.transfer.is_some() {
            Err(Misuse::UnknownDecision {
                decision: decision.id,
                state: self.state(),
            })
        } else {
            Err(self.unexpected(input))
        }
    }

    fn take_pending(
        &mut self,
        decision: Decision,
        answer: &'static str,
        fits: impl Fn(&Question) -> bool,
    ) -> Result<Pending, Misuse> {
        let state = self.state();
        match &self.phase {
            Phase::Deciding(p) if p.decision == decision => {
                if !fits(&p.question) {
                    return Err(Misuse::WrongAnswer {
                        answer,
                        question: p.question.name(),
                        state,
                    });
                }
            }
            _ => {
                return Err(Misuse::UnknownDecision {
                    decision: decision.id,
                    state,
                })
            }
        }
        // The client waited for this answer: its idle time starts now.
        self.last_activity = self.now;
        match core::mem::replace(&mut self.phase, Phase::Ready) {
            Phase::Deciding(p) => Ok(*p),
            _ => Err(Misuse::UnknownDecision {
                decision: decision.id,
                state,
            }),
        }
    }

    /// After a decision: carry on with pipelined commands.
    fn resume(&mut self) {
        if matches!(self.phase, Phase::Ready) {
            self.process();
        }
    }

    fn ask(&mut self, question: Question, event: impl FnOnce(Decision) -> Event) {
        let decision = Decision {
            session: self.tag,
            id: self.next_decision,
        };
        self.next_decision = self.next_decision.wrapping_add(1).max(1);
        self.out.push_back(Output::Event(event(decision)));
        self.phase = Phase::Deciding(Box::new(Pending { decision, question }));
    }

    fn ask_password(&mut self, user: Username<'static>) {
        let text: &[u8] = if is_anonymous(&user) {
            b"Guest login ok, send your e-mail address as password"
        } else {
            b"Password required"
        };
        self.login = Login::NeedPassword(user);
        self.send_line(ReplyCode::NEED_PASSWORD, text);
    }

    fn greet(&mut self) {
        let bytes = ReplyWriter::new()
            .line(ReplyCode::SERVICE_READY, self.config.greeting.as_bytes())
            .finish();
        self.out.push_back(Output::Send(bytes));
    }

    fn send_line(&mut self, code: ReplyCode, text: &[u8]) {
        let bytes = ReplyWriter::new().line(code, text).finish();
        self.out.push_back(Output::Send(bytes));
    }

    fn peer_error(&mut self, kind: PeerErrorKind) {
        let state = self.state();
        self.out
            .push_back(Output::Event(Event::PeerError(PeerError { state, kind })));
    }

    fn close(&mut self) {
        if self.data.setup != Setup::None || self.data.conn != Conn::None {
            self.out.push_back(Output::CloseData);
        }
        self.data = Data::default();
        self.transfer = None;
        self.deferred = None;
        self.decoder.clear();
        self.out.push_back(Output::Close);
        self.phase = Phase::Closed;
    }

    fn idle_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Ready | Phase::Handshake | Phase::SecuringControl if self.transfer.is_none() => {
                Some(self.last_activity + self.config.idle_timeout)
            }
            _ => None,
        }
    }

    /// The pre-login deadline (RFC 959 §4.2 `421`): while nobody is logged in, except while
    /// the application holds a decision (it is checked again once answered).
    fn login_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Closed | Phase::Deciding(_) => None,
            _ if self.logged_in() => None,
            _ => Some(self.login_since + self.config.login_timeout),
        }
    }

    fn deadline(&self) -> Option<Instant> {
        let login = match self.phase {
            Phase::LoginDelay { until, .. } => Some(until),
            _ => None,
        };
        let data = self.transfer.as_ref().and_then(|t| t.deadline);
        [login, data, self.idle_deadline(), self.login_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    fn can_read(&self) -> bool {
        matches!(self.phase, Phase::Ready) && self.deferred.is_none() && !self.quit_after_transfer
    }

    /// Takes commands out of the decoder while the session is free to answer them.
    fn process(&mut self) {
        while self.out.len() < OUTPUT_BOUND {
            if self.transfer.is_none() && matches!(self.phase, Phase::Ready) {
                if let Some(cmd) = self.deferred.take() {
                    self.dispatch(*cmd);
                    continue;
                }
            }
            if !self.can_read() {
                break;
            }
            enum Item {
                Command(Command<'static>),
                Error(CommandError),
                TooLong,
                Refuse([u8; 3]),
                Skip,
            }
            let item = match self.decoder.next_line() {
                None => break,
                Some(CommandLine::Command(Ok(c))) => Item::Command(c.into_owned()),
                Some(CommandLine::Command(Err(e))) => Item::Error(e),
                Some(CommandLine::TooLong) => Item::TooLong,
                // RFC 1123 §4.1.2.12: a server refuses Telnet option negotiation: WILL is
                // answered DONT, DO is answered WONT (WONT/DONT need no answer, RFC 854).
                Some(CommandLine::Telnet(TelnetSignal::Negotiation { verb: 251, option })) => {
                    Item::Refuse([0xFF, 254, option])
                }
                Some(CommandLine::Telnet(TelnetSignal::Negotiation { verb: 253, option })) => {
                    Item::Refuse([0xFF, 252, option])
                }
                // IP and DM before ABOR/STAT, and the rest, carry no command.
                Some(_) => Item::Skip,
            };
            // A complete line (even an invalid one) is activity; partial bytes are not.
            self.last_activity = self.now;
            match item {
                Item::Command(c) => self.dispatch(c),
                Item::Error(e) => {
                    self.params.rename_from = None;
                    let code = e.reply_code();
                    let text: &[u8] = if code == ReplyCode::SYNTAX_ERROR {
                        b"Syntax error, command unrecognized"
                    } else if code == ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED {
                        self.supported_protocols()
                    } else {
                        b"Syntax error in parameters or arguments"
                    };
                    self.send_line(code, text);
                }
                Item::TooLong => {
                    self.peer_error(PeerErrorKind::LineTooLong);
                    self.send_line(ReplyCode::SYNTAX_ERROR, b"Command line too long");
                }
                Item::Refuse(bytes) => self.out.push_back(Output::Send(bytes.to_vec())),
                Item::Skip => {}
            }
        }
    }

    fn logged_in(&self) -> bool {
        matches!(self.login, Login::LoggedIn(_))
    }

    /// Answers one command. Policy gates first, then the command's own sequencing.
    fn dispatch(&mut self, cmd: Command<'static>) {
        // During a transfer only ABOR, STAT, NOOP and QUIT are answered at once (RFC 959
        // §4.1.3, RFC 4217 §14); anything else waits, in order, for the transfer to end.
        if self.transfer.is_some() {
            match cmd {
                Command::Abor => self.abort(),
                Command::Stat(None) => self.status(),
                Command::Noop => self.send_line(ReplyCode::COMMAND_OK, b"NOOP ok"),
                Command::Quit => {
                    // RFC 959 §4.1.1: a transfer in progress completes first; one whose data
                    // connection has not even come is not worth waiting for.
                    self.quit_after_transfer = true;
                    if self.transfer.as_ref().is_some_and(|t| !t.started) {
                        self.finish(
                            ReplyCode::TRANSFER_ABORTED,
                            b"Transfer aborted: QUIT before the data connection",
                            false,
                        );
                    }
                }
                other => self.deferred = Some(Box::new(other)),
            }
            return;
        }
        // RNTO must immediately follow RNFR (RFC 959 §4.1.3).
        let rename_from = self.params.rename_from.take();

        // "No unprotected commands" (RFC 4217 §10.1, RFC 2228 §3).
        if self.config.control == ControlPolicy::Required && !self.security.secured {
            match cmd {
                Command::Auth(_) | Command::Feat | Command::Host(_) | Command::Quit => {}
                Command::User(_) | Command::Pass(_) | Command::Acct(_) => {
                    self.send_line(
                        ReplyCode::NOT_LOGGED_IN,
                        b"Policy requires a protected session: AUTH TLS first",
                    );
                    return;
                }
                _ => {
                    self.send_line(
                        ReplyCode::PROTECTION_DENIED,
                        b"Policy requires a protected session: AUTH TLS first",
                    );
                    return;
                }
            }
        }

        // Commands that need a login.
        let needs_login = !matches!(
            cmd,
            Command::User(_)
                | Command::Pass(_)
                | Command::Acct(_)
                | Command::Auth(_)
                | Command::Adat(_)
                | Command::Pbsz(_)
                | Command::Prot(_)
                | Command::Ccc
                | Command::Mic(_)
                | Command::Conf(_)
                | Command::Enc(_)
                | Command::Quit
                | Command::Rein
                | Command::Feat
                | Command::Opts(_)
                | Command::Help(_)
                | Command::Noop
                | Command::Syst
                | Command::Stat(None)
                | Command::Host(_)
                | Command::Lang(_)
                | Command::Abor
                | Command::Smnt(_)
                | Command::Unknown { .. }
        );
        if needs_login && !self.logged_in() {
            self.send_line(ReplyCode::NOT_LOGGED_IN, b"Please login with USER and PASS");
            return;
        }

        match cmd {
            // --- RFC 959 §4.1.1 access control
            Command::User(user) => self.login_user(user),
            Command::Pass(password) => match &self.login {
                Login::None => self.send_line(ReplyCode::BAD_SEQUENCE, b"Login with USER first"),
                Login::LoggedIn(_) => self.send_line(ReplyCode::SUPERFLUOUS, b"Already logged in"),
                Login::NeedPassword(user) => {
                    let user = user.clone();
                    let password = password.into_owned();
                    self.ask(Question::Password, |decision| Event::Authenticate {
                        decision,
                        user,
                        password,
                    });
                }
            },
            Command::Acct(_) => match self.login {
                Login::LoggedIn(_) => self.send_line(ReplyCode::SUPERFLUOUS, b"ACCT not needed"),
                _ => self.send_line(ReplyCode::BAD_SEQUENCE, b"Login with USER and PASS first"),
            },
            Command::Cwd(path) | Command::Xcwd(path) => self.ask(Question::Cwd, |decision| {
                Event::ChangeDirectory { decision, path }
            }),
            Command::Cdup | Command::Xcup => self.ask(Question::Cdup, |decision| {
                Event::ChangeToParent { decision }
            }),
            Command::Smnt(_) => self.send_line(ReplyCode::NOT_IMPLEMENTED, b"SMNT not implemented"),
            Command::Rein => self.reinitialize(),
            Command::Quit => {
                self.send_line(ReplyCode::CLOSING_CONTROL, b"Goodbye");
                self.close();
            }
            // --- RFC 959 §4.1.2 transfer parameters
            Command::Type(t) => self.set_type(t),
            Command::Stru(s) => match s {
                Structure::File => self.send_line(ReplyCode::COMMAND_OK, b"Structure set to F"),
                _ => self.send_line(
                    ReplyCode::NOT_IMPLEMENTED_FOR_PARAMETER,
                    b"Only STRU F is supported",
                ),
            },
            Command::Mode(m) => match m {
                Mode::Stream => self.send_line(ReplyCode::COMMAND_OK, b"Mode set to S"),
                _ => self.send_line(
                    ReplyCode::NOT_IMPLEMENTED_FOR_PARAMETER,
                    b"Only MODE S is supported",
                ),
            },
            Command::Port(addr) => self.active(SocketAddr::V4(addr), false),
            Command::Eprt(addr) => self.active(addr, true),
            Command::Pasv => self.passive(false, None),
            Command::Epsv(arg) => self.passive(true, arg),
            // --- RFC 959 §4.1.3 service commands
            Command::Retr(path) => {
                let offset = self.params.rest.take().unwrap_or(0);
                if self.transfer_allowed() {
                    self.ask(Question::Transfer(TransferKind::Retr), |decision| {
                        Event::Retrieve {
                            decision,
                            path,
                            offset,
                        }
                    });
                }
            }
            Command::Stor(path) => {
                let offset = self.params.rest.take().unwrap_or(0);
                if self.transfer_allowed() {
                    self.ask(Question::Transfer(TransferKind::Stor), |decision| {
                        Event::Store {
                            decision,
                            path,
                            offset,
                        }
                    });
                }
            }
            Command::Appe(path) => {
                self.params.rest = None;
                if self.transfer_allowed() {
                    self.ask(Question::Transfer(TransferKind::Appe), |decision| {
                        Event::Append { decision, path }
                    });
                }
            }
            Command::Stou(hint) => {
                self.params.rest = None;
                if self.transfer_allowed() {
                    let hint = owned(hint);
                    self.ask(Question::Transfer(TransferKind::Stou), |decision| {
                        Event::StoreUnique { decision, hint }
                    });
                }
            }
            Command::List(path) => {
                self.params.rest = None;
                if self.transfer_allowed() {
                    let path = owned(path);
                    self.ask(Question::Transfer(TransferKind::List), |decision| {
                        Event::List { decision, path }
                    });
                }
            }
            Command::Nlst(path) => {
                self.params.rest = None;
                if self.transfer_allowed() {
                    let path = owned(path);
                    self.ask(Question::Transfer(TransferKind::Nlst), |decision| {
                        Event::NameList { decision, path }
                    });
                }
            }
            Command::Mlsd(path) => {
                self.params.rest = None;
                if self.transfer_allowed() {
                    let path = owned(path);
                    self.ask(Question::Transfer(TransferKind::Mlsd), |decision| {
                        Event::MachineListDirectory { decision, path }
                    });
                }
            }
            Command::Allo(_) => self.send_line(ReplyCode::SUPERFLUOUS, b"ALLO not needed"),
            Command::Rest(offset) => {
                self.params.rest = Some(offset);
                let bytes = ReplyWriter::new()
                    .formatted(
                        ReplyCode::PENDING_FURTHER_INFORMATION,
                        format_args!("Restarting at {offset}. Send STOR or RETR"),
                    )
                    .finish();
                self.out.push_back(Output::Send(bytes));
            }
            Command::Rnfr(path) => {
                let p = path.clone();
                self.ask(Question::Rnfr(p), |decision| Event::RenameFrom {
                    decision,
                    path,
                })
            }
            Command::Rnto(to) => match rename_from {
                None => self.send_line(ReplyCode::BAD_SEQUENCE, b"RNFR required first"),
                Some(from) => self.ask(Question::Rnto, |decision| Event::Rename {
                    decision,
                    from,
                    to,
                }),
            },
            Command::Abor => {
                if self.data.setup != Setup::None || self.data.conn != Conn::None {
                    self.out.push_back(Output::CloseData);
                    self.data = Data::default();
                }
                self.send_line(ReplyCode::CLOSING_DATA, b"No transfer to abort");
            }
            Command::Dele(path) => {
                self.ask(Question::Dele, |decision| Event::Delete { decision, path })
            }
            Command::Rmd(path) | Command::Xrmd(path) => self.ask(Question::Rmd, |decision| {
                Event::RemoveDirectory { decision, path }
            }),
            Command::Mkd(path) | Command::Xmkd(path) => self.ask(Question::Mkd, |decision| {
                Event::MakeDirectory { decision, path }
            }),
            Command::Pwd | Command::Xpwd => {
                self.ask(Question::Pwd, |decision| Event::PrintDirectory { decision })
            }
            Command::Site(command) => {
                self.ask(Question::Site, |decision| Event::Site { decision, command })
            }
            Command::Syst => {
                let bytes = ReplyWriter::new()
                    .line(ReplyCode::SYSTEM_TYPE, self.config.system_type.as_bytes())
                    .finish();
                self.out.push_back(Output::Send(bytes));
            }
            Command::Stat(None) => self.status(),
            Command::Stat(Some(path)) => {
                self.ask(Question::Stat, |decision| Event::Status { decision, path })
            }
            Command::Help(topic) => self.help(topic),
            Command::Noop => self.send_line(ReplyCode::COMMAND_OK, b"NOOP ok"),
            // --- RFC 2228 / RFC 4217
            Command::Auth(mechanism) => self.auth(&mechanism),
            Command::Pbsz(_) => {
                if !self.security.protected {
                    self.send_line(
                        ReplyCode::BAD_SEQUENCE,
                        b"PBSZ requires a protected control connection (AUTH TLS)",
                    );
                } else {
                    self.security.pbsz = true;
                    self.send_line(ReplyCode::COMMAND_OK, b"PBSZ=0");
                }
            }
            Command::Prot(level) => self.prot(level),
            Command::Ccc => self.ccc(),
            Command::Adat(_) | Command::Mic(_) | Command::Conf(_) | Command::Enc(_) => self
                .send_line(
                    ReplyCode::NOT_IMPLEMENTED,
                    b"Not used with AUTH TLS (RFC 4217 section 4)",
                ),
            // --- RFC 2389
            Command::Feat => self.feat(),
            Command::Opts(arg) => self.opts(arg.as_bytes()),
            // --- RFC 3659
            Command::Size(path) => {
                self.ask(Question::Size, |decision| Event::Size { decision, path })
            }
            Command::Mdtm(path) => self.ask(Question::Mdtm, |decision| Event::ModificationTime {
                decision,
                path,
            }),
            Command::Mlst(path) => {
                let path = owned(path);
                self.ask(Question::Mlst, |decision| Event::MachineList {
                    decision,
                    path,
                })
            }
            Command::Mfmt(time, path) => {
                let p = path.clone();
                self.ask(Question::Mfmt(p, time), |decision| {
                    Event::SetModificationTime {
                        decision,
                        path,
                        time,
                    }
                })
            }
            // --- RFC 7151
            Command::Host(hostname) => {
                if !matches!(self.login, Login::None) {
                    self.send_line(ReplyCode::BAD_SEQUENCE, b"HOST must come before USER");
                } else {
                    self.ask(Question::Host, |decision| Event::Host {
                        decision,
                        hostname,
                    })
                }
            }
            Command::Lang(_) => self.send_line(ReplyCode::NOT_IMPLEMENTED, b"LANG not implemented"),
            Command::Unknown { .. } => {
                self.send_line(ReplyCode::NOT_IMPLEMENTED, b"Command not implemented")
            }
            #[allow(unreachable_patterns)]
            _ => self.send_line(ReplyCode::NOT_IMPLEMENTED, b"Command not implemented"),
        }
    }

    fn login_user(&mut self, user: Username<'static>) {
        // A new USER starts a new login (RFC 959 §4.1.1).
        if !matches!(self.login, Login::None) {
            self.login = Login::None;
            self.out.push_back(Output::Event(Event::LoggedOut));
        }
        let anonymous = is_anonymous(&user);
        if anonymous && !self.config.anonymous {
            self.send_line(ReplyCode::NOT_LOGGED_IN, b"Anonymous login is not allowed");
            return;
        }
        if self.config.control == ControlPolicy::RequiredForCredentials
            && !self.security.protected
            && !anonymous
        {
            self.send_line(
                ReplyCode::NOT_LOGGED_IN,
                b"Policy requires a protected session for credentials: AUTH TLS first",
            );
            return;
        }
        let protected = self.security.protected;
        let client_certificate =
            self.config.certificate_login && protected && self.security.client_certificate;
        let u = user.clone();
        self.ask(
            Question::User {
                user: u,
                client_certificate,
            },
            |decision| Event::User {
                decision,
                user,
                anonymous,
                protected,
                client_certificate,
            },
        );
    }

    fn set_type(&mut self, t: TransferType) {
        match t {
            TransferType::Image | TransferType::Local(8) => {
                self.params.binary = true;
                self.send_line(ReplyCode::COMMAND_OK, b"Switching to binary mode");
            }
            TransferType::Ascii(None | Some(FormatControl::NonPrint)) => {
                self.params.binary = false;
                self.send_line(ReplyCode::COMMAND_OK, b"Switching to ASCII mode");
            }
            _ => self.send_line(
                ReplyCode::NOT_IMPLEMENTED_FOR_PARAMETER,
                b"Only TYPE A, A N, I and L 8 are supported",
            ),
        }
    }

    /// "No unprotected data": the data policy as it applies to data-connection setup.
    fn data_setup_allowed(&mut self) -> bool {
        if self.config.data == DataPolicy::Required && !self.security.private {
            self.send_line(
                ReplyCode::DENIED_FOR_POLICY,
                b"Policy requires protected data connections: PBSZ 0 and PROT P first",
            );
            return false;
        }
        true
    }

    /// Checks before asking the application about a transfer.
    fn transfer_allowed(&mut self) -> bool {
        if self.config.data == DataPolicy::Required && !self.security.private {
            // RFC 4217 §10.2.
            self.send_line(
                ReplyCode::new(521).unwrap_or(ReplyCode::DENIED_FOR_POLICY),
                b"Data connection cannot be opened with this PROT setting",
            );
            return false;
        }
        match self.data_refusal() {
            Some((code, text, close)) => {
                self.refuse_transfer(code, text, close);
                false
            }
            None => true,
        }
    }

    /// The text of a 522 (RFC 2428 §2: it lists the network protocols the server supports):
    /// data connections go to or from the control connection's address family only, so the
    /// one protocol of that family.
    fn supported_protocols(&self) -> &'static [u8] {
        if self.local.is_ipv4() {
            b"Network protocol not supported, use (1)"
        } else {
            b"Network protocol not supported, use (2)"
        }
    }

    fn active(&mut self, addr: SocketAddr, extended: bool) {
        if self.params.epsv_all {
            self.send_line(
                ReplyCode::BAD_SEQUENCE,
                b"EPSV ALL in effect: only EPSV is allowed",
            );
            return;
        }
        if !self.config.allow_active {
            self.send_line(ReplyCode::NOT_IMPLEMENTED, b"Active mode is disabled");
            return;
        }
        if !self.data_setup_allowed() {
            return;
        }
        if extended && addr.is_ipv4() != self.peer.is_ipv4() {
            let text = self.supported_protocols();
            self.send_line(ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED, text);
            return;
        }
        // RFC 2577 §3: no bounce to third hosts, no privileged ports.
        if canonical(addr.ip()) != self.peer || addr.port() < 1024 {
            self.peer_error(PeerErrorKind::ForbiddenDataAddress);
            self.send_line(
                ReplyCode::NOT_IMPLEMENTED_FOR_PARAMETER,
                b"Data address must be the control peer's, port 1024 or above",
            );
            return;
        }
        if self.data.setup != Setup::None || self.data.conn != Conn::None {
            self.out.push_back(Output::CloseData);
        }
        self.data = Data {
            setup: Setup::Active(addr),
            conn: Conn::None,
            protected: false,
        };
        let text: &[u8] = if extended {
            b"EPRT command successful"
        } else {
            b"PORT command successful"
        };
        self.send_line(ReplyCode::COMMAND_OK, text);
    }

    fn passive(&mut self, extended: bool, arg: Option<EpsvArgument>) {
        let local_v4 = self.local.is_ipv4();
        if extended {
            match arg {
                Some(EpsvArgument::All) => {
                    self.params.epsv_all = true;
                    self.send_line(ReplyCode::COMMAND_OK, b"EPSV ALL ok");
                    return;
                }
                Some(EpsvArgument::Protocol(p)) => {
                    let fits = (p == NetworkProtocol::IPV4 && local_v4)
                        || (p == NetworkProtocol::IPV6 && !local_v4);
                    if !fits {
                        let text = self.supported_protocols();
                        self.send_line(ReplyCode::NETWORK_PROTOCOL_NOT_SUPPORTED, text);
                        return;
                    }
                }
                None => {}
            }
        } else {
            if self.params.epsv_all {
                self.send_line(
                    ReplyCode::BAD_SEQUENCE,
                    b"EPSV ALL in effect: only EPSV is allowed",
                );
                return;
            }
            let announced = self
                .config
                .passive_address
                .map(canonical)
                .unwrap_or(self.local);
            if !announced.is_ipv4() {
                self.send_line(ReplyCode::CANT_OPEN_DATA, b"PASV needs IPv4; use EPSV");
                return;
            }
        }
        if !self.data_setup_allowed() {
            return;
        }
        if self.data.setup != Setup::None || self.data.conn != Conn::None {
            self.out.push_back(Output::CloseData);
        }
        self.data = Data::default();
        self.out.push_back(Output::ListenData { peer: self.peer });
        self.phase = Phase::OpeningListener { extended };
    }

    /// Why the data connection cannot serve a transfer now, if it cannot: the reply, and
    /// whether an open data connection must be closed.
    fn data_refusal(&self) -> Option<(ReplyCode, &'static [u8], bool)> {
        let code_522 = ReplyCode::new(522).unwrap_or(ReplyCode::CANT_OPEN_DATA);
        match self.data.setup {
            Setup::None => Some((
                ReplyCode::CANT_OPEN_DATA,
                b"Use PORT, PASV, EPRT or EPSV first",
                false,
            )),
            Setup::Refused(text) => Some((code_522, text.as_bytes(), false)),
            _ if self.data.conn == Conn::Ready && self.security.private != self.data.protected => {
                // Connected before PROT changed: its protection is not the one in force now.
                Some((
                    code_522,
                    b"Data connection protection does not match PROT",
                    true,
                ))
            }
            _ => None,
        }
    }

    /// Answers a refused data connection: closes what must be closed, resets the setup.
    fn refuse_transfer(&mut self, code: ReplyCode, text: &[u8], close: bool) {
        if close {
            self.out.push_back(Output::CloseData);
        }
        self.data = Data::default();
        self.send_line(code, text);
    }

    fn begin_transfer(&mut self, decision: Decision, kind: TransferKind, unique: Option<&[u8]>) {
        // The data connection may have been refused or dropped while the application decided;
        // the application accepted, so it hears that the transfer ended.
        if let Some((code, text, close)) = self.data_refusal() {
            self.refuse_transfer(code, text, close);
            self.out.push_back(Output::Event(Event::TransferEnded {
                decision,
                reply: code,
                success: false,
            }));
            return;
        }
        let already_open = self.data.conn != Conn::None;
        let code = if already_open {
            ReplyCode::DATA_ALREADY_OPEN
        } else {
            ReplyCode::FILE_STATUS_OK
        };
        let bytes = match unique {
            Some(name) => {
                let mut text = Vec::from(&b"FILE: "[..]);
                text.extend_from_slice(name);
                ReplyWriter::new().line(code, &text).finish()
            }
            None if already_open => ReplyWriter::new()
                .line(code, b"Data connection already open; transfer starting")
                .finish(),
            None => ReplyWriter::new()
                .line(code, b"File status okay; about to open data connection")
                .finish(),
        };
        self.out.push_back(Output::Send(bytes));
        let deadline = if self.data.conn == Conn::Ready {
            None
        } else {
            Some(self.now + self.config.data_connection_timeout)
        };
        self.transfer = Some(Box::new(Transfer {
            decision,
            kind,
            started: false,
            data_clean: false,
            stored: false,
            deadline,
        }));
        if let Setup::Active(to) = self.data.setup {
            if self.data.conn == Conn::None {
                self.data.conn = Conn::Connecting;
                self.out.push_back(Output::OpenData { to });
            }
        }
        self.try_start_transfer();
    }

    fn try_start_transfer(&mut self) {
        if self.data.conn != Conn::Ready {
            return;
        }
        if let Some(t) = self.transfer.as_mut() {
            if !t.started {
                t.started = true;
                t.deadline = None;
                let (decision, direction) = (t.decision, t.kind.direction());
                self.out.push_back(Output::StartTransfer {
                    decision,
                    direction,
                });
            }
        }
    }

    /// The data connection was refused (TLS failed or not resumed): `522` now if a transfer
    /// waits for it, else at the next transfer command (RFC 4217 §10.2).
    fn refuse_data(&mut self, text: &'static str) {
        if self.transfer.is_some() {
            self.finish(
                ReplyCode::new(522).unwrap_or(ReplyCode::CANT_OPEN_DATA),
                text.as_bytes(),
                false,
            );
        } else {
            self.out.push_back(Output::CloseData);
            self.data = Data {
                setup: Setup::Refused(text),
                conn: Conn::None,
                protected: false,
            };
        }
    }

    /// Ends the current transfer: close data, final reply, notice; then a deferred QUIT.
    fn finish(&mut self, code: ReplyCode, text: &[u8], success: bool) {
        let Some(t) = self.transfer.take() else {
            return;
        };
        self.out.push_back(Output::CloseData);
        self.data = Data::default();
        self.send_line(code, text);
        self.out.push_back(Output::Event(Event::TransferEnded {
            decision: t.decision,
            reply: code,
            success,
        }));
        self.last_activity = self.now;
        self.after_transfer();
    }

    fn after_transfer(&mut self) {
        if self.quit_after_transfer {
            self.send_line(ReplyCode::CLOSING_CONTROL, b"Goodbye");
            self.close();
        }
    }

    fn abort(&mut self) {
        let Some(t) = self.transfer.take() else {
            return;
        };
        self.out.push_back(Output::CloseData);
        self.data = Data::default();
        self.send_line(
            ReplyCode::TRANSFER_ABORTED,
            b"Connection closed; transfer aborted",
        );
        self.send_line(ReplyCode::CLOSING_DATA, b"ABOR command successful");
        self.out.push_back(Output::Event(Event::TransferEnded {
            decision: t.decision,
            reply: ReplyCode::TRANSFER_ABORTED,
            success: false,
        }));
        self.last_activity = self.now;
        self.after_transfer();
    }

    fn status(&mut self) {
        let mut w = ReplyWriter::new().first(ReplyCode::SYSTEM_STATUS, b"FTPS server status");
        w = match &self.login {
            Login::LoggedIn(u) => {
                let mut line = Vec::from(&b"Logged in as "[..]);
                line.extend_from_slice(u.as_bytes());
                w.middle(&line)
            }
            _ => w.middle(b"Not logged in"),
        };
        w = w.middle(if self.security.protected {
            b"Control connection: TLS"
        } else {
            b"Control connection: clear"
        });
        w = w.middle(if self.security.private {
            b"Data connections: protected (PROT P)"
        } else {
            b"Data connections: clear (PROT C)"
        });
        w = w.middle(if self.params.binary {
            b"TYPE: BINARY"
        } else {
            b"TYPE: ASCII"
        });
        if let Some(t) = &self.transfer {
            let mut line = Vec::from(&b"Transfer in progress: "[..]);
            line.extend_from_slice(t.kind.verb().as_bytes());
            w = w.middle(&line);
        }
        let bytes = w.line(ReplyCode::SYSTEM_STATUS, b"End of status").finish();
        self.out.push_back(Output::Send(bytes));
    }

    fn help(&mut self, topic: Option<Text<'static>>) {
        const VERBS: &[&str] = &[
            "ABOR", "ACCT", "ALLO", "APPE", "AUTH", "CCC", "CDUP", "CWD", "DELE", "EPRT", "EPSV",
            "FEAT", "HELP", "HOST", "LIST", "MDTM", "MFMT", "MKD", "MLSD", "MLST", "MODE", "NLST",
            "NOOP", "OPTS", "PASS", "PASV", "PBSZ", "PORT", "PROT", "PWD", "QUIT", "REIN", "REST",
            "RETR", "RMD", "RNFR", "RNTO", "SITE", "SIZE", "STAT", "STOR", "STOU", "STRU", "SYST",
            "TYPE", "USER", "XCUP", "XCWD", "XMKD", "XPWD", "XRMD",
        ];
        // Only what this configuration serves.
        let enabled: Vec<&str> = VERBS
            .iter()
            .copied()
            .filter(|v| match *v {
                "CCC" => self.config.allow_ccc,
                "PORT" | "EPRT" => self.config.allow_active,
                "AUTH" => self.config.control != ControlPolicy::Implicit,
                _ => true,
            })
            .collect();
        match topic {
            None => {
                let mut w = ReplyWriter::new().first(
                    ReplyCode::HELP_MESSAGE,
                    b"The following commands are recognized:",
                );
                for chunk in enabled.chunks(10) {
                    let mut line = Vec::new();
                    for v in chunk {
                        line.extend_from_slice(v.as_bytes());
                        line.push(b' ');
                    }
                    line.pop();
                    w = w.middle(&line);
                }
                let bytes = w.line(ReplyCode::HELP_MESSAGE, b"Help OK").finish();
                self.out.push_back(Output::Send(bytes));
            }
            Some(t) => {
                let word = t.as_bytes().split(|b| *b == b' ').next().unwrap_or(b"");
                if let Some(v) = enabled
                    .iter()
                    .find(|v| v.as_bytes().eq_ignore_ascii_case(word))
                {
                    let bytes = ReplyWriter::new()
                        .formatted(ReplyCode::HELP_MESSAGE, format_args!("{v} is supported"))
                        .finish();
                    self.out.push_back(Output::Send(bytes));
                } else {
                    self.send_line(ReplyCode::NOT_IMPLEMENTED, b"Unknown command");
                }
            }
        }
    }

    fn auth(&mut self, mechanism: &crate::types::Mechanism<'_>) {
        let tls = mechanism.eq_ignore_ascii_case(b"TLS")
            || mechanism.eq_ignore_ascii_case(b"TLS-C")
            || mechanism.eq_ignore_ascii_case(b"SSL");
        if !tls {
            self.send_line(
                ReplyCode::NOT_IMPLEMENTED_FOR_PARAMETER,
                b"AUTH mechanism not supported; use AUTH TLS",
            );
            return;
        }
        if self.security.protected {
            self.send_line(
                ReplyCode::BAD_SEQUENCE,
                b"Control connection already protected",
            );
            return;
        }
        self.send_line(
            ReplyCode::AUTH_OK,
            b"AUTH TLS successful; start TLS negotiation",
        );
        // RFC 4217 §4: plaintext pipelined behind AUTH is discarded, never read as protected.
        let discarded = self.decoder.buffered();
        self.decoder.clear();
        if discarded > 0 {
            self.peer_error(PeerErrorKind::PlaintextAfterAuth { discarded });
        }
        // RFC 4217 §4: reset the user identity and every transfer parameter.
        self.reset_login_and_parameters();
        self.out.push_back(Output::StartTls {
            channel: Channel::Control,
            role: TlsRole::Server,
            resume_session: false,
        });
        self.phase = Phase::SecuringControl;
    }

    fn reset_login_and_parameters(&mut self) {
        if !matches!(self.login, Login::None) {
            self.out.push_back(Output::Event(Event::LoggedOut));
        }
        self.login = Login::None;
        let host_given = self.params.host_given;
        let utf8 = self.params.utf8;
        self.params = Params::new();
        self.params.host_given = host_given;
        self.params.utf8 = utf8;
        if self.data.setup != Setup::None || self.data.conn != Conn::None {
            self.out.push_back(Output::CloseData);
        }
        self.data = Data::default();
        self.security.pbsz = false;
        self.security.private = false;
    }

    fn prot(&mut self, level: Prot) {
        if !self.security.protected {
            self.send_line(
                ReplyCode::BAD_SEQUENCE,
                b"PROT requires a protected control connection (AUTH TLS)",
            );
            return;
        }
        if self.config.strict_pbsz && !self.security.pbsz {
            self.send_line(ReplyCode::BAD_SEQUENCE, b"PROT requires PBSZ first");
            return;
        }
        match level {
            Prot::Private if self.config.data == DataPolicy::Denied => self.send_line(
                ReplyCode::DENIED_FOR_POLICY,
                b"Policy forbids protected data connections",
            ),
            Prot::Private => {
                self.security.private = true;
                self.send_line(ReplyCode::COMMAND_OK, b"Protection level set to P");
            }
            Prot::Clear if self.config.data == DataPolicy::Required => self.send_line(
                ReplyCode::DENIED_FOR_POLICY,
                b"Policy requires protected data connections (PROT P)",
            ),
            Prot::Clear => {
                self.security.private = false;
                self.send_line(ReplyCode::COMMAND_OK, b"Protection level set to C");
            }
            _ => self.send_line(
                ReplyCode::PROT_LEVEL_NOT_SUPPORTED,
                b"Only PROT C and PROT P are supported with TLS",
            ),
        }
    }

    fn ccc(&mut self) {
        if !self.config.allow_ccc {
            // RFC 4217 §5: a server that does not accept CCC answers 500.
            self.send_line(ReplyCode::SYNTAX_ERROR, b"CCC not accepted");
            return;
        }
        if !self.security.protected {
            self.send_line(
                ReplyCode::PROTECTION_DENIED,
                b"Control connection is not protected",
            );
            return;
        }
        if !self.logged_in() || self.config.control == ControlPolicy::Implicit {
            self.send_line(
                ReplyCode::DENIED_FOR_POLICY,
                b"CCC is allowed only after login",
            );
            return;
        }
        self.send_line(ReplyCode::COMMAND_OK, b"Control connection cleared");
        self.out.push_back(Output::EndTls {
            channel: Channel::Control,
        });
        self.security.protected = false;
    }

    fn reinitialize(&mut self) {
        self.send_line(ReplyCode::SERVICE_READY, b"Service ready for new user");
        self.reset_login_and_parameters();
        // A new login period: the pre-login deadline starts again.
        self.login_since = self.now;
        self.params.host_given = false;
        self.params.utf8 = false;
        // RFC 4217 §13: the reply goes out protected, then TLS is cleared (implicit FTPS
        // keeps it: it has no clear mode).
        if self.security.protected && self.config.control != ControlPolicy::Implicit {
            self.out.push_back(Output::EndTls {
                channel: Channel::Control,
            });
        }
        if self.config.control != ControlPolicy::Implicit {
            self.security = Security::default();
        } else {
            self.security.pbsz = false;
            self.security.private = false;
        }
    }

    fn feat(&mut self) {
        let mut w = ReplyWriter::new().first(ReplyCode::SYSTEM_STATUS, b"Extensions supported");
        if self.config.control != ControlPolicy::Implicit {
            w = w.middle(b"AUTH TLS");
        }
        w = w.middle(b"PBSZ").middle(b"PROT");
        if self.config.allow_ccc {
            w = w.middle(b"CCC");
        }
        if self.config.allow_active {
            w = w.middle(b"EPRT");
        }
        w = w
            .middle(b"EPSV")
            .middle(b"HOST")
            .middle(b"MDTM")
            .middle(b"MFMT");
        // RFC 3659 §7.8: `*` marks the facts currently selected.
        let mut mlst = Vec::from(&b"MLST "[..]);
        let selected = self.mlst_facts().into_owned();
        for (name, _) in self.supported_facts() {
            mlst.extend_from_slice(name);
            if selected
                .as_bytes()
                .split(|b| *b == b';')
                .any(|c| c.eq_ignore_ascii_case(name))
            {
                mlst.push(b'*');
            }
            mlst.push(b';');
        }
        w = w.middle(&mlst).middle(b"REST STREAM").middle(b"SIZE");
        if self.config.utf8 {
            w = w.middle(b"UTF8");
        }
        let bytes = w.line(ReplyCode::SYSTEM_STATUS, b"End").finish();
        self.out.push_back(Output::Send(bytes));
    }

    fn opts(&mut self, arg: &[u8]) {
        let mut words = arg.split(|b| *b == b' ').filter(|w| !w.is_empty());
        let name = words.next().unwrap_or(b"");
        let value = words.next();
        if name.eq_ignore_ascii_case(b"UTF8") && self.config.utf8 {
            match value {
                None => {
                    self.params.utf8 = true;
                    self.send_line(ReplyCode::COMMAND_OK, b"UTF8 mode on");
                }
                Some(v) if v.eq_ignore_ascii_case(b"ON") => {
                    self.params.utf8 = true;
                    self.send_line(ReplyCode::COMMAND_OK, b"UTF8 mode on");
                }
                Some(v) if v.eq_ignore_ascii_case(b"OFF") => {
                    self.params.utf8 = false;
                    self.send_line(ReplyCode::COMMAND_OK, b"UTF8 mode off");
                }
                Some(_) => self.send_line(
                    ReplyCode::SYNTAX_ERROR_ARGUMENTS,
                    b"Use OPTS UTF8 ON or OFF",
                ),
            }
        } else if name.eq_ignore_ascii_case(b"MLST") {
            self.opts_mlst(value.unwrap_or(b""));
        } else {
            self.send_line(ReplyCode::SYNTAX_ERROR_ARGUMENTS, b"Option not understood")
        }
    }

    /// The facts of [`Config::mlst_facts`]: each name, and whether it is a default (`*`).
    fn supported_facts(&self) -> impl Iterator<Item = (&[u8], bool)> + '_ {
        self.config
            .mlst_facts
            .as_bytes()
            .split(|b| *b == b';')
            .filter(|f| !f.is_empty())
            .map(|f| match f.strip_suffix(b"*") {
                Some(name) => (name, true),
                None => (f, false),
            })
    }

    /// `OPTS MLST [fact;fact;]` (RFC 3659 §7.9): keeps the supported facts asked for,
    /// answers `200 MLST OPTS fact;fact;`. Unsupported names are dropped, not an error.
    fn opts_mlst(&mut self, list: &[u8]) {
        if !list.is_empty() && !list.ends_with(b";") {
            self.send_line(
                ReplyCode::SYNTAX_ERROR_ARGUMENTS,
                b"Use OPTS MLST fact;fact;",
            );
            return;
        }
        let mut chosen = Vec::new();
        for asked in list.split(|b| *b == b';').filter(|f| !f.is_empty()) {
            let supported = self
                .supported_facts()
                .find(|(name, _)| name.eq_ignore_ascii_case(asked))
                .map(|(name, _)| name.to_vec());
            if let Some(name) = supported {
                if !chosen
                    .split(|b| *b == b';')
                    .any(|c: &[u8]| c.eq_ignore_ascii_case(&name))
                {
                    chosen.extend_from_slice(&name);
                    chosen.push(b';');
                }
            }
        }
        let mut reply = Vec::from(&b"MLST OPTS"[..]);
        if !chosen.is_empty() {
            reply.push(b' ');
            reply.extend_from_slice(&chosen);
        }
        self.params.mlst = Text::new(chosen).ok().map(Box::new);
        self.send_line(ReplyCode::COMMAND_OK, &reply);
    }
}

/// A tag for the decisions of one session: FNV-1a over its addresses and start time. Not a
/// secret; it only keeps handles of concurrent sessions apart.
fn session_tag(local: SocketAddr, peer: SocketAddr, now: Instant) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    };
    for addr in [local, peer] {
        match addr.ip() {
            IpAddr::V4(ip) => eat(&ip.octets()),
            IpAddr::V6(ip) => eat(&ip.octets()),
        }
        eat(&addr.port().to_be_bytes());
    }
    eat(&now.as_millis().to_be_bytes());
    h
}

/// `YYYYMMDDHHMMSS[.F]` (RFC 3659 §2.3).
fn push_timestamp(out: &mut Vec<u8>, t: &Timestamp) {
    use core::fmt::Write as _;
    let mut s = alloc::string::String::new();
    let _ = write!(
        s,
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if let Some((value, digits)) = t.fraction() {
        let _ = write!(s, ".{:0width$}", value, width = usize::from(digits));
    }
    out.extend_from_slice(s.as_bytes());
}

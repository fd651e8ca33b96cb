//! A scripted-client harness for `server::Session`: in memory, virtual time, read like a
//! transcript (`h.c("AUTH TLS")` / `h.s(234)`).
//!
//! Every `Output::Send` is split into replies with `codec::decode_reply`, and must decode
//! completely: a malformed reply fails the test where it was sent.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;

use ftps_proto::codec::{decode_reply, Reply};
use ftps_proto::server::{
    Config, ControlPolicy, DataPolicy, Decision, Direction, Event, Output, PeerErrorKind, Session,
    TlsDetails,
};
use ftps_proto::types::{Channel, DataEnd, Instant, Pathname, ReplyCode, Text, TlsRole};

/// The server's control address.
pub const LOCAL: &str = "192.0.2.1:21";
/// The client's control address.
pub const PEER: &str = "198.51.100.7:50000";

/// One thing the session did, in order.
#[derive(Debug)]
pub enum Item {
    Reply(Reply<'static>),
    /// A Telnet refusal (`IAC DONT x` / `IAC WONT x`, RFC 1123 §4.1.2.12).
    Telnet(Vec<u8>),
    Action(Output),
}

/// `IAC DONT x` or `IAC WONT x`.
pub fn is_telnet_refusal(bytes: &[u8]) -> bool {
    matches!(bytes, [0xFF, 252 | 254, _])
}

pub struct Harness {
    pub session: Session,
    pub now: Instant,
    pub items: VecDeque<Item>,
    /// The last `Timeout` / `Idle` seen after draining.
    pub last_wait: Option<Output>,
}

/// Splits sent bytes into replies; panics (fails the test) on a malformed one.
pub fn replies(bytes: &[u8]) -> Vec<Reply<'static>> {
    let mut rest = bytes;
    let mut out = Vec::new();
    assert!(!bytes.is_empty(), "empty Send");
    while !rest.is_empty() {
        match decode_reply(rest) {
            Ok((r, reply)) => {
                out.push(reply.into_owned());
                rest = r;
            }
            Err(e) => panic!("malformed reply {:?}: {e}", String::from_utf8_lossy(bytes)),
        }
    }
    out
}

/// The default configuration with plaintext explicitly allowed on both channels
/// (`ControlPolicy::Optional`, `DataPolicy::Optional`), for tests about plaintext sessions:
/// `Config::default()` requires TLS (RFC 4217 §10).
pub fn plain_config() -> Config {
    Config::default()
        .with_control(ControlPolicy::Optional)
        .with_data(DataPolicy::Optional)
}

pub fn text(s: &str) -> Text<'static> {
    Text::try_from(s.to_owned()).unwrap()
}

pub fn path(s: &str) -> Pathname<'static> {
    Pathname::try_from(s.to_owned()).unwrap()
}

pub fn code(v: u16) -> ReplyCode {
    ReplyCode::new(v).unwrap()
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Self::with_addresses(config, LOCAL, PEER)
    }

    pub fn with_addresses(config: Config, local: &str, peer: &str) -> Self {
        let local: SocketAddr = local.parse().unwrap();
        let peer: SocketAddr = peer.parse().unwrap();
        let session = Session::new(config, local, peer, Instant::ZERO);
        let mut h = Harness {
            session,
            now: Instant::ZERO,
            items: VecDeque::new(),
            last_wait: None,
        };
        h.drain();
        h
    }

    /// A session past the greeting.
    pub fn greeted(config: Config) -> Self {
        let mut h = Self::new(config);
        h.s(220);
        h
    }

    /// Drains every output into `items`.
    pub fn drain(&mut self) {
        for _ in 0..10_000 {
            match self.session.poll_output() {
                Output::Send(bytes) if is_telnet_refusal(&bytes) => {
                    self.items.push_back(Item::Telnet(bytes))
                }
                Output::Send(bytes) => {
                    for r in replies(&bytes) {
                        self.items.push_back(Item::Reply(r));
                    }
                }
                o @ (Output::Timeout(_) | Output::Idle) => {
                    self.last_wait = Some(o);
                    return;
                }
                o => self.items.push_back(Item::Action(o)),
            }
        }
        panic!("poll_output never became idle");
    }

    pub fn advance(&mut self, ms: u64) {
        self.now = Instant::from_millis(self.now.as_millis() + ms);
        self.session.handle_timeout(self.now);
        self.drain();
    }

    /// `C: <line>`.
    pub fn c(&mut self, line: &str) {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        self.raw(&bytes);
    }

    /// Raw bytes from the client.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.now = Instant::from_millis(self.now.as_millis() + 1);
        self.session.handle_input(bytes, self.now);
        self.drain();
    }

    /// `S: <code> ...`: the next item is a reply with this code; returns its first line.
    #[track_caller]
    pub fn s(&mut self, expected: u16) -> String {
        match self.items.pop_front() {
            Some(Item::Reply(r)) => {
                assert_eq!(
                    r.code().value(),
                    expected,
                    "expected {expected}, got {:?} {:?}",
                    r.code(),
                    String::from_utf8_lossy(r.text())
                );
                String::from_utf8_lossy(r.text()).into_owned()
            }
            other => panic!("expected reply {expected}, got {other:?}"),
        }
    }

    /// The next item is a reply; returns it whole.
    #[track_caller]
    pub fn reply(&mut self) -> Reply<'static> {
        match self.items.pop_front() {
            Some(Item::Reply(r)) => r,
            other => panic!("expected a reply, got {other:?}"),
        }
    }

    /// The next item is an action (not a reply).
    #[track_caller]
    pub fn action(&mut self) -> Output {
        match self.items.pop_front() {
            Some(Item::Action(o)) => o,
            other => panic!("expected an action, got {other:?}"),
        }
    }

    /// The next item is an event.
    #[track_caller]
    pub fn event(&mut self) -> Event {
        match self.action() {
            Output::Event(e) => e,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// The next item is an event asking a question; returns its handle.
    #[track_caller]
    pub fn decision(&mut self) -> (Decision, Event) {
        let e = self.event();
        (
            e.decision()
                .unwrap_or_else(|| panic!("not a question: {e:?}")),
            e,
        )
    }

    /// The next item is a PeerError of this kind.
    #[track_caller]
    pub fn peer_error(&mut self) -> PeerErrorKind {
        match self.event() {
            Event::PeerError(p) => p.kind,
            other => panic!("expected PeerError, got {other:?}"),
        }
    }

    #[track_caller]
    pub fn quiet(&self) {
        assert!(self.items.is_empty(), "unexpected items: {:?}", self.items);
    }

    pub fn accept(&mut self, d: Decision) {
        self.session.accept(d).unwrap();
        self.drain();
    }

    pub fn reject(&mut self, d: Decision, c: u16, t: &str) {
        self.session.reject(d, code(c), text(t)).unwrap();
        self.drain();
    }

    pub fn tls_ready(&mut self, channel: Channel, details: TlsDetails) {
        self.session
            .handle_tls_ready(channel, details, self.now)
            .unwrap();
        self.drain();
    }

    /// `C: AUTH TLS` / `S: 234` / StartTls / handshake done.
    pub fn auth_tls(&mut self) {
        self.c("AUTH TLS");
        self.s(234);
        // RFC 4217 §4: AUTH resets the login.
        if matches!(
            self.items.front(),
            Some(Item::Action(Output::Event(Event::LoggedOut)))
        ) {
            self.items.pop_front();
        }
        assert_eq!(
            self.action(),
            Output::StartTls {
                channel: Channel::Control,
                role: TlsRole::Server,
                resume_session: false
            }
        );
        self.tls_ready(Channel::Control, TlsDetails::new());
    }

    /// USER/PASS accepted.
    pub fn login(&mut self, user: &str) {
        self.c(&format!("USER {user}"));
        let (d, _) = self.decision();
        self.accept(d);
        self.s(331);
        self.c("PASS secret");
        let (d, e) = self.decision();
        assert!(matches!(e, Event::Authenticate { .. }), "{e:?}");
        self.accept(d);
        self.s(230);
    }

    /// `PBSZ 0` / `PROT P`.
    pub fn prot_p(&mut self) {
        self.c("PBSZ 0");
        self.s(200);
        self.c("PROT P");
        self.s(200);
    }

    /// `C: PASV` / ListenData / bound on port 50001 / `S: 227`.
    pub fn pasv(&mut self) {
        self.c("PASV");
        assert!(matches!(self.action(), Output::ListenData { .. }));
        self.session
            .handle_data_listening("192.0.2.1:50001".parse().unwrap(), self.now)
            .unwrap();
        self.drain();
        let t = self.s(227);
        assert!(t.contains("(192,0,2,1,195,81)"), "{t}");
    }

    pub fn data_connected(&mut self) {
        self.session.handle_data_connected(self.now).unwrap();
        self.drain();
    }

    pub fn data_ended(&mut self, end: DataEnd) {
        self.session.handle_data_ended(end, self.now).unwrap();
        self.drain();
    }

    pub fn done(&mut self, d: Decision) {
        self.session.transfer_done(d).unwrap();
        self.drain();
    }

    /// The next action is StartTransfer for `d` in this direction.
    #[track_caller]
    pub fn start_transfer(&mut self, d: Decision, direction: Direction) {
        assert_eq!(
            self.action(),
            Output::StartTransfer {
                decision: d,
                direction
            }
        );
    }

    #[track_caller]
    pub fn transfer_ended(&mut self, d: Decision, reply: u16, success: bool) {
        assert_eq!(
            self.event(),
            Event::TransferEnded {
                decision: d,
                reply: code(reply),
                success
            }
        );
    }
}

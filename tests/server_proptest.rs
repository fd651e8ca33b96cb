//! Property tests of `server::Session` driven by arbitrary client bytes, application
//! decisions and adapter notices:
//! - nothing panics (debug assertions on);
//! - every `Output::Send` is one or more complete, valid replies per `codec::decode_reply`;
//! - under `DataPolicy::Required`, no data action (`ListenData`, `OpenData`, `StartTransfer`)
//!   ever happens unless `PROT P` was accepted and not reset since.

use std::net::SocketAddr;
use std::time::Duration;

use ftps_proto::codec::decode_reply;
use ftps_proto::server::{
    Config, ControlPolicy, DataPolicy, Decision, Event, Output, Session, TlsDetails,
};
use ftps_proto::types::{Channel, DataEnd, Instant, Pathname, ReplyCode, Text, Timestamp};
use proptest::prelude::*;

const LINES: &[&str] = &[
    "USER alice",
    "USER anonymous",
    "PASS secret",
    "PASS",
    "ACCT a",
    "AUTH TLS",
    "AUTH SSL",
    "AUTH X",
    "PBSZ 0",
    "PROT P",
    "PROT C",
    "PROT S",
    "CCC",
    "REIN",
    "QUIT",
    "FEAT",
    "HELP",
    "HELP RETR",
    "SYST",
    "NOOP",
    "STAT",
    "STAT /",
    "OPTS UTF8 ON",
    "HOST example.com",
    "PWD",
    "CWD /a",
    "CDUP",
    "MKD d",
    "RMD d",
    "DELE f",
    "RNFR a",
    "RNTO b",
    "SIZE f",
    "MDTM f",
    "MFMT 20240101000000 f",
    "MLST",
    "MLSD",
    "LIST",
    "NLST",
    "RETR f",
    "STOR f",
    "APPE f",
    "STOU",
    "REST 10",
    "TYPE I",
    "TYPE A",
    "TYPE E",
    "MODE S",
    "MODE B",
    "STRU F",
    "STRU R",
    "ALLO 5",
    "PASV",
    "EPSV",
    "EPSV ALL",
    "EPSV 2",
    "PORT 198,51,100,7,195,80",
    "PORT 10,0,0,1,0,21",
    "EPRT |1|198.51.100.7|50000|",
    "ABOR",
    "SITE X",
    "LANG",
    "XYZZY",
    "",
    "TYPE",
    "PORT 1,2",
    "\u{ff}\u{fe}",
];

/// The lines that set up and run transfers, drawn more often.
const DATA_LINES: &[&str] = &[
    "PROT P",
    "PROT C",
    "PASV",
    "EPSV",
    "PORT 198,51,100,7,195,80",
    "RETR f",
    "STOR f",
    "LIST",
    "ABOR",
    "REST 10",
    "REIN",
    "CCC",
];

fn index(line: &str) -> usize {
    LINES.iter().position(|x| *x == line).unwrap()
}

#[derive(Clone, Debug)]
enum Step {
    Line(usize),
    Pipelined(Vec<usize>),
    Bytes(Vec<u8>),
    Answer(u8, u16),
    TlsReady(bool, bool, bool),
    TlsFailed(bool),
    Listening(u16),
    ListenFailed,
    DataConnected,
    DataEnded(u8),
    TransferDone,
    TransferFailed(u16),
    Advance(u32),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..LINES.len()).prop_map(Step::Line),
        4 => prop::sample::select(DATA_LINES).prop_map(|l| Step::Line(index(l))),
        1 => prop::collection::vec(0..LINES.len(), 1..6).prop_map(Step::Pipelined),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Step::Bytes),
        4 => (any::<u8>(), 100u16..700).prop_map(|(k, c)| Step::Answer(k, c)),
        2 => (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(c, r, k)| Step::TlsReady(c, r, k)),
        1 => any::<bool>().prop_map(Step::TlsFailed),
        3 => any::<u16>().prop_map(Step::Listening),
        1 => Just(Step::ListenFailed),
        3 => Just(Step::DataConnected),
        1 => (0u8..3).prop_map(Step::DataEnded),
        2 => Just(Step::TransferDone),
        1 => (100u16..700).prop_map(Step::TransferFailed),
        1 => (0u32..400_000).prop_map(Step::Advance),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        0u8..4,
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(c, d, anon, cert, ccc, strict)| {
            let control = [
                ControlPolicy::Optional,
                ControlPolicy::RequiredForCredentials,
                ControlPolicy::Required,
                ControlPolicy::Implicit,
            ][c as usize];
            let data = [
                DataPolicy::Optional,
                DataPolicy::Required,
                DataPolicy::Denied,
            ][d as usize];
            Config::default()
                .with_control(control)
                .with_data(data)
                .with_anonymous(anon)
                .with_certificate_login(cert)
                .with_ccc(ccc)
                .with_strict_pbsz(strict)
                .with_login_attempts(2, Duration::from_millis(100))
        })
}

struct Driver {
    s: Session,
    now: Instant,
    pending: Option<Decision>,
    /// The question of `pending`.
    question: Option<Event>,
    transfer: Option<Decision>,
    /// The last time handed to the machine (decisions carry none, so the machine's clock
    /// stays there until the next input that does).
    told: Instant,
    /// Whether the replies seen say PROT P is in force.
    prot_p: bool,
    data_required: bool,
}

impl Driver {
    fn drain(&mut self) -> Result<(), TestCaseError> {
        for _ in 0..100_000 {
            match self.s.poll_output() {
                // A Telnet refusal (RFC 1123 §4.1.2.12) is the only non-reply Send.
                Output::Send(bytes) if matches!(bytes[..], [0xFF, 252 | 254, _]) => {}
                Output::Send(bytes) => {
                    prop_assert!(!bytes.is_empty());
                    let mut rest = &bytes[..];
                    while !rest.is_empty() {
                        let (r, reply) = decode_reply(rest).map_err(|e| {
                            TestCaseError::fail(format!(
                                "malformed reply {:?}: {e}",
                                String::from_utf8_lossy(&bytes)
                            ))
                        })?;
                        rest = r;
                        let text = reply.text();
                        match reply.code().value() {
                            200 if text == b"Protection level set to P" => self.prot_p = true,
                            200 if text == b"Protection level set to C" => self.prot_p = false,
                            234 => self.prot_p = false,
                            220 if text == b"Service ready for new user" => self.prot_p = false,
                            _ => {}
                        }
                    }
                }
                Output::Event(e) => {
                    if let Some(d) = e.decision() {
                        if matches!(
                            e,
                            Event::Retrieve { .. }
                                | Event::Store { .. }
                                | Event::Append { .. }
                                | Event::StoreUnique { .. }
                                | Event::List { .. }
                                | Event::NameList { .. }
                                | Event::MachineListDirectory { .. }
                        ) {
                            self.transfer = Some(d);
                        }
                        self.pending = Some(d);
                        self.question = Some(e);
                    }
                }
                // ListenData before PROT P is allowed (RFC 4217 §10.2: the policy is checked
                // on the transfer command); the connect and the transfer are not.
                o @ (Output::OpenData { .. } | Output::StartTransfer { .. }) => {
                    prop_assert!(!self.data_required || self.prot_p, "{o:?} without PROT P");
                }
                // Never a deadline earlier than the last time the machine was told.
                Output::Timeout(t) => {
                    prop_assert!(t >= self.told, "deadline {t:?} before {:?}", self.told);
                    return Ok(());
                }
                Output::Idle => return Ok(()),
                _ => {}
            }
        }
        Err(TestCaseError::fail("poll_output never settled"))
    }

    fn run(&mut self, step: &Step) -> Result<(), TestCaseError> {
        self.now = Instant::from_millis(self.now.as_millis() + 1);
        let now = self.now;
        if !matches!(
            step,
            Step::Answer(..) | Step::TransferDone | Step::TransferFailed(_)
        ) {
            self.told = now;
        }
        match step {
            Step::Line(i) => {
                let line = format!("{}\r\n", LINES[*i]);
                self.s.handle_input(line.as_bytes(), now);
            }
            Step::Pipelined(is) => {
                let mut bytes = Vec::new();
                for i in is {
                    bytes.extend_from_slice(LINES[*i].as_bytes());
                    bytes.extend_from_slice(b"\r\n");
                }
                self.s.handle_input(&bytes, now);
            }
            Step::Bytes(b) => self.s.handle_input(b, now),
            Step::Answer(kind, code) => {
                if let Some(d) = self.pending {
                    let code = ReplyCode::new(*code).unwrap();
                    let text = Text::try_from("answer").unwrap();
                    let path = Pathname::try_from("/x").unwrap();
                    let _ = match kind % 12 {
                        // The right answer for the question: most sessions move on.
                        0..=5 => match &self.question {
                            Some(Event::PrintDirectory { .. } | Event::MakeDirectory { .. }) => {
                                self.s.accept_path(d, path)
                            }
                            Some(Event::Size { .. }) => self.s.accept_size(d, 42),
                            Some(Event::ModificationTime { .. }) => self
                                .s
                                .accept_time(d, Timestamp::new(2024, 1, 1, 0, 0, 0).unwrap()),
                            Some(Event::MachineList { .. }) => self
                                .s
                                .accept_facts(d, Text::try_from("type=file; x").unwrap()),
                            Some(Event::Site { .. } | Event::Status { .. }) => {
                                self.s.accept_lines(d, &[text])
                            }
                            Some(Event::StoreUnique { .. }) => self.s.accept_unique(d, path),
                            _ => self.s.accept(d),
                        },
                        6 => self.s.reject(d, code, text),
                        7 => self.s.accept_path(d, path),
                        8 => self.s.accept_size(d, u64::from(code.value())),
                        9 => self.s.accept_unique(d, path),
                        10 => self.s.require_tls(d),
                        _ => self.s.accept_certificate(d),
                    };
                }
            }
            Step::TlsReady(control, resumed, cert) => {
                let ch = if *control {
                    Channel::Control
                } else {
                    Channel::Data
                };
                let details = TlsDetails::new()
                    .with_resumed(*resumed)
                    .with_client_certificate(*cert);
                let _ = self.s.handle_tls_ready(ch, details, now);
            }
            Step::TlsFailed(control) => {
                let ch = if *control {
                    Channel::Control
                } else {
                    Channel::Data
                };
                let _ = self.s.handle_tls_failed(ch, now);
            }
            Step::Listening(port) => {
                let addr: SocketAddr = SocketAddr::new("192.0.2.1".parse().unwrap(), *port);
                let _ = self.s.handle_data_listening(addr, now);
            }
            Step::ListenFailed => {
                let _ = self.s.handle_data_listen_failed(now);
            }
            Step::DataConnected => {
                let _ = self.s.handle_data_connected(now);
            }
            Step::DataEnded(k) => {
                let end = [DataEnd::Clean, DataEnd::Truncated, DataEnd::Failed][*k as usize];
                let _ = self.s.handle_data_ended(end, now);
            }
            Step::TransferDone => {
                if let Some(d) = self.transfer {
                    let _ = self.s.transfer_done(d);
                }
            }
            Step::TransferFailed(code) => {
                if let Some(d) = self.transfer {
                    let code = ReplyCode::new(*code).unwrap();
                    let _ = self
                        .s
                        .transfer_failed(d, code, Text::try_from("failed").unwrap());
                }
            }
            Step::Advance(ms) => {
                self.now = Instant::from_millis(self.now.as_millis() + u64::from(*ms));
                self.told = self.now;
                self.s.handle_timeout(self.now);
            }
        }
        self.drain()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_sessions_never_panic_and_reply_well(
        config in config(),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let data_required = config.data == DataPolicy::Required;
        let s = Session::new(
            config,
            "192.0.2.1:21".parse().unwrap(),
            "198.51.100.7:50000".parse().unwrap(),
            Instant::ZERO,
        );
        let mut d = Driver { s, now: Instant::ZERO, told: Instant::ZERO, pending: None, question: None, transfer: None, prot_p: false, data_required };
        d.drain()?;
        for st in &steps {
            d.run(st)?;
        }
    }

    /// The same, starting from a protected, logged-in session, where most commands matter.
    #[test]
    fn arbitrary_steps_after_login(
        config in config(),
        prot_p in any::<bool>(),
        steps in prop::collection::vec(step(), 0..120),
    ) {
        let data_required = config.data == DataPolicy::Required;
        let implicit = config.control == ControlPolicy::Implicit;
        let s = Session::new(
            config,
            "192.0.2.1:21".parse().unwrap(),
            "198.51.100.7:50000".parse().unwrap(),
            Instant::ZERO,
        );
        let mut d = Driver { s, now: Instant::ZERO, told: Instant::ZERO, pending: None, question: None, transfer: None, prot_p: false, data_required };
        d.drain()?;
        let line = |l: &str| Step::Line(index(l));
        let mut prefix = Vec::new();
        if !implicit {
            prefix.push(line("AUTH TLS"));
        }
        prefix.extend([
            Step::TlsReady(true, false, false),
            line("USER alice"),
            Step::Answer(0, 200),
            line("PASS secret"),
            Step::Answer(0, 200),
            line("PBSZ 0"),
        ]);
        if prot_p {
            prefix.push(line("PROT P"));
        }
        for st in prefix.iter().chain(&steps) {
            d.run(st)?;
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..20),
    ) {
        let config = Config::default();
        let data_required = config.data == DataPolicy::Required;
        let s = Session::new(
            config,
            "192.0.2.1:21".parse().unwrap(),
            "198.51.100.7:50000".parse().unwrap(),
            Instant::ZERO,
        );
        let mut d = Driver { s, now: Instant::ZERO, told: Instant::ZERO, pending: None, question: None, transfer: None, prot_p: false, data_required };
        d.drain()?;
        for c in &chunks {
            d.run(&Step::Bytes(c.clone()))?;
        }
    }
}

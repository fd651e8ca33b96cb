//! Server session: arbitrary client bytes, application decisions and adapter notices drive a
//! `server::Session`.
//!
//! Properties: no panic (debug assertions on); `poll_output` always settles; every
//! `Output::Send` is one or more complete, valid replies per `decode_reply`; under
//! `DataPolicy::Required` no data action (`ListenData`, `OpenData`, `StartTransfer`) happens
//! unless the replies say `PROT P` was accepted and not reset since.
#![no_main]

use std::time::Duration;

use arbitrary::{Result, Unstructured};
use ftps_proto::codec::decode_reply;
use ftps_proto::server::{
    Config, ControlPolicy, DataPolicy, Decision, Event, Output, Session, TlsDetails,
};
use ftps_proto::types::{Channel, DataEnd, Instant, Pathname, ReplyCode, Text, Timestamp};
use libfuzzer_sys::fuzz_target;

/// Command lines worth splicing in, so the fuzzer reaches deep states quickly.
const LINES: &[&[u8]] = &[
    b"USER alice\r\n",
    b"USER anonymous\r\n",
    b"PASS secret\r\n",
    b"AUTH TLS\r\n",
    b"PBSZ 0\r\n",
    b"PROT P\r\n",
    b"PROT C\r\n",
    b"CCC\r\n",
    b"REIN\r\n",
    b"QUIT\r\n",
    b"FEAT\r\n",
    b"STAT\r\n",
    b"HOST example.com\r\n",
    b"HOST ftp.example.com\r\n",
    b"HOST 192.0.2.1:21\r\n",
    b"LANG\r\n",
    b"LANG fr\r\n",
    b"DELE a\r\0b\r\n",
    b"PWD\r\n",
    b"CWD /a\r\n",
    b"RNFR a\r\n",
    b"RNTO b\r\n",
    b"SIZE f\r\n",
    b"MLST f\r\n",
    b"MLSD\r\n",
    b"LIST\r\n",
    b"RETR f\r\n",
    b"STOR f\r\n",
    b"STOU\r\n",
    b"REST 10\r\n",
    b"TYPE I\r\n",
    b"PASV\r\n",
    b"EPSV\r\n",
    b"EPSV ALL\r\n",
    b"PORT 198,51,100,7,195,80\r\n",
    b"EPRT |1|198.51.100.7|50000|\r\n",
    b"ABOR\r\n",
    b"SITE X\r\n",
    b"NOOP\r\n",
];

struct Driver {
    session: Session,
    now: Instant,
    pending: Option<(Decision, Event)>,
    transfer: Option<Decision>,
    prot_p: bool,
    data_required: bool,
}

impl Driver {
    fn drain(&mut self) {
        for _ in 0..100_000 {
            match self.session.poll_output() {
                // A Telnet refusal (RFC 1123 §4.1.2.12) is the only non-reply Send.
                Output::Send(bytes) if matches!(bytes[..], [0xFF, 252 | 254, _]) => {}
                Output::Send(bytes) => {
                    assert!(!bytes.is_empty(), "empty Send");
                    let mut rest = &bytes[..];
                    while !rest.is_empty() {
                        let (tail, reply) = decode_reply(rest).unwrap_or_else(|e| {
                            panic!("malformed reply {:?}: {e}", String::from_utf8_lossy(&bytes))
                        });
                        rest = tail;
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
                        self.pending = Some((d, e));
                    }
                }
                // A listener before PROT P is allowed (RFC 4217 §10.2: the data-protection
                // policy is checked on the transfer command); a connect or a transfer is not.
                o @ (Output::OpenData { .. } | Output::StartTransfer { .. }) => {
                    assert!(!self.data_required || self.prot_p, "{o:?} without PROT P");
                }
                Output::Timeout(_) | Output::Idle => return,
                _ => {}
            }
        }
        panic!("poll_output never settled");
    }

    fn answer(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let Some((d, question)) = self.pending.clone() else {
            return Ok(());
        };
        let path = Pathname::try_from("/x").unwrap();
        let text = Text::try_from("answer").unwrap();
        let code = ReplyCode::new(u.int_in_range(100..=699)?).unwrap();
        let _ = match u.int_in_range(0..=9u8)? {
            0..=4 => match question {
                Event::PrintDirectory { .. } | Event::MakeDirectory { .. } => {
                    self.session.accept_path(d, path)
                }
                Event::Size { .. } => self.session.accept_size(d, u.arbitrary()?),
                Event::ModificationTime { .. } => {
                    let t = Timestamp::from_unix_seconds(u.int_in_range(0..=4_000_000_000i64)?)
                        .unwrap_or(Timestamp::new(2024, 1, 1, 0, 0, 0).unwrap());
                    self.session.accept_time(d, t)
                }
                Event::MachineList { .. } => {
                    let raw: Vec<u8> = u.arbitrary()?;
                    match Text::new(raw) {
                        Ok(t) => self.session.accept_facts(d, t),
                        Err(_) => self.session.accept(d),
                    }
                }
                Event::Site { .. } | Event::Status { .. } => {
                    let n = u.int_in_range(0..=3usize)?;
                    self.session.accept_lines(d, &vec![text; n])
                }
                Event::StoreUnique { .. } => self.session.accept_unique(d, path),
                _ => self.session.accept(d),
            },
            5 => self.session.reject(d, code, text),
            6 => self.session.require_tls(d),
            7 => self.session.accept_certificate(d),
            8 => self.session.accept(d),
            _ => self.session.accept_size(d, 1),
        };
        Ok(())
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        self.now = Instant::from_millis(self.now.as_millis() + 1);
        let now = self.now;
        match u.int_in_range(0..=14u8)? {
            0..=3 => {
                let line = *u.choose(LINES)?;
                self.session.handle_input(line, now);
            }
            4 => {
                let len = u.int_in_range(0..=600usize)?;
                let bytes = u.bytes(len.min(u.len()))?;
                self.session.handle_input(bytes, now);
            }
            5 | 6 => self.answer(u)?,
            7 => {
                let channel = if u.arbitrary()? {
                    Channel::Control
                } else {
                    Channel::Data
                };
                let name = (*u.choose(&[None, Some("ftp.example.com"), Some("other.example")])?)
                    .map(Text::from_static);
                let details = TlsDetails::new()
                    .with_resumed(u.arbitrary()?)
                    .with_client_certificate(u.arbitrary()?)
                    .with_server_name(name);
                if u.ratio(1u8, 16)? {
                    // The control connection is lost (EOF or error).
                    self.session.handle_control_closed(now);
                } else if u.ratio(1u8, 8)? {
                    let _ = self.session.handle_tls_failed(channel, now);
                } else {
                    let _ = self.session.handle_tls_ready(channel, details, now);
                }
            }
            8 => {
                if u.ratio(1u8, 8)? {
                    let _ = self.session.handle_data_listen_failed(now);
                } else {
                    let port: u16 = u.arbitrary()?;
                    let addr = std::net::SocketAddr::new([192, 0, 2, 1].into(), port);
                    let _ = self.session.handle_data_listening(addr, now);
                }
            }
            9 => {
                let _ = self.session.handle_data_connected(now);
            }
            10 => {
                let end = *u.choose(&[DataEnd::Clean, DataEnd::Truncated, DataEnd::Failed])?;
                let _ = self.session.handle_data_ended(end, now);
            }
            11 => {
                if let Some(d) = self.transfer {
                    if u.ratio(1u8, 4)? {
                        let code = ReplyCode::new(u.int_in_range(100..=699)?).unwrap();
                        let _ = self.session.transfer_failed(d, code, Text::EMPTY);
                    } else {
                        let _ = self.session.transfer_done(d);
                    }
                }
            }
            _ => {
                let ms: u32 = u.arbitrary()?;
                self.now = Instant::from_millis(self.now.as_millis() + u64::from(ms % 600_000));
                self.session.handle_timeout(self.now);
            }
        }
        self.drain();
        Ok(())
    }
}

fn run(data: &[u8]) -> Result<()> {
    let mut u = Unstructured::new(data);
    let control = *u.choose(&[
        ControlPolicy::Optional,
        ControlPolicy::RequiredForCredentials,
        ControlPolicy::Required,
        ControlPolicy::Implicit,
    ])?;
    let data_policy = *u.choose(&[
        DataPolicy::Optional,
        DataPolicy::Required,
        DataPolicy::Denied,
    ])?;
    let config = Config::default()
        .with_control(control)
        .with_data(data_policy)
        .with_anonymous(u.arbitrary()?)
        .with_certificate_login(u.arbitrary()?)
        .with_ccc(u.arbitrary()?)
        .with_strict_pbsz(u.arbitrary()?)
        .with_data_session_resumption(u.arbitrary()?)
        .with_login_attempts(u.int_in_range(1..=4)?, Duration::from_millis(100))
        .with_max_pipelined_bytes(u.int_in_range(16..=8192)?);
    let session = Session::new(
        config,
        "192.0.2.1:21".parse().unwrap(),
        "198.51.100.7:50000".parse().unwrap(),
        Instant::ZERO,
    );
    let mut driver = Driver {
        session,
        now: Instant::ZERO,
        pending: None,
        transfer: None,
        prot_p: false,
        data_required: data_policy == DataPolicy::Required,
    };
    driver.drain();
    while !u.is_empty() {
        driver.step(&mut u)?;
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});

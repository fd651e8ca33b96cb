//! Properties over arbitrary server behaviour: whatever the server sends and whatever the
//! adapter reports, the client never panics, keeps its output queue bounded, never sends
//! `PROT` without a `PBSZ` before it, never sends `USER`/`PASS` in clear when TLS is
//! required, and never reports a transfer complete without both a final 2xx reply and a
//! clean end of the data connection (after the data handshake under PROT P).

use std::net::SocketAddr;
use std::time::Duration;

use ftps_proto::client::{
    Client, Config, DataMode, DataProtection, Event, Login, Output, Response, Security,
};
use ftps_proto::codec::Command;
use ftps_proto::types::{Channel, DataEnd, Instant, Password, Pathname, Username};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Action {
    Reply(u16, u8),
    Bytes(Vec<u8>),
    TlsReady(bool),
    TlsFailed(bool),
    DataConnected,
    DataListening,
    DataEnded(u8),
    ControlClosed,
    Advance(u32),
    Request(u8),
    Abort,
    /// Whatever a well-behaved server or adapter would do next (to reach deep states).
    Cooperate,
}

const CODES: &[u16] = &[
    110, 120, 125, 150, 200, 202, 211, 213, 215, 220, 221, 225, 226, 227, 229, 230, 232, 234, 250,
    257, 331, 332, 350, 421, 425, 426, 450, 451, 452, 500, 501, 502, 503, 504, 522, 530, 534, 536,
    550, 552, 553,
];

fn reply_text(code: u16, variant: u8) -> String {
    match (code, variant % 4) {
        (229, 0) => "229 Entering Extended Passive Mode (|||40000|)\r\n".into(),
        (229, 1) => "229 garbage\r\n".into(),
        (227, 0) => "227 Entering Passive Mode (127,0,0,1,156,64)\r\n".into(),
        (227, 1) => "227 nonsense\r\n".into(),
        (211, _) => "211-Features:\r\n UTF8\r\n EPSV\r\n MLST type*;size*;\r\n211 End\r\n".into(),
        (257, _) => "257 \"/a\"\"b\" ok\r\n".into(),
        (213, 0) => "213 42\r\n".into(),
        (213, 1) => "213 20240102030405\r\n".into(),
        (250, 3) => "250-Listing\r\n type=file;size=1; f\r\n250 End\r\n".into(),
        (150, 2) => "150 Opening (12 bytes)\r\n".into(),
        (c, 3) => format!("{c}-multi\r\n{c} end\r\n"),
        (c, _) => format!("{c} text\r\n"),
    }
}

fn action() -> impl Strategy<Value = Action> {
    // Mostly a cooperative peer (to reach deep states), with every kind of disruption mixed in.
    prop_oneof![
        60 => Just(Action::Cooperate),
        12 => any::<u8>().prop_map(Action::Request),
        6 => (prop::sample::select(CODES), any::<u8>()).prop_map(|(c, v)| Action::Reply(c, v)),
        1 => prop::collection::vec(any::<u8>(), 0..40).prop_map(Action::Bytes),
        2 => any::<bool>().prop_map(Action::TlsReady),
        1 => any::<bool>().prop_map(Action::TlsFailed),
        2 => Just(Action::DataConnected),
        1 => Just(Action::DataListening),
        2 => any::<u8>().prop_map(Action::DataEnded),
        1 => Just(Action::ControlClosed),
        2 => (0u32..40_000).prop_map(Action::Advance),
        2 => Just(Action::Abort),
    ]
}

fn config() -> impl Strategy<Value = Config> {
    (
        0u8..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(sec, active, clear, ccc, ssl, early)| {
            let mut c = Config::default()
                .with_security(match sec {
                    0 => Security::Plain,
                    1 => Security::ExplicitRequired,
                    2 => Security::ExplicitOpportunistic,
                    _ => Security::Implicit,
                })
                .with_data_mode(if active {
                    DataMode::Active
                } else {
                    DataMode::Passive
                })
                .with_data_protection(if clear {
                    DataProtection::Clear
                } else {
                    DataProtection::Private
                })
                .with_clear_command_channel(ccc);
            c.auth_ssl_fallback = ssl;
            c.protection_before_login = early;
            c.timeouts.keepalive = Some(Duration::from_secs(20));
            c
        })
}

fn p(s: &str) -> Pathname<'static> {
    Pathname::try_from(s.to_string()).unwrap()
}

/// What the test knows of the session, to check the invariants.
#[derive(Default)]
struct Observer {
    tls_requested: Option<Channel>,
    control_tls: bool,
    pbsz_seen: bool,
    data_tls_ready: bool,
    data_clean: bool,
    transfer_sent: bool,
    last_verb: Vec<u8>,
    data_asked: Option<bool>,
    data_started: bool,
    prelim_sent: bool,
    awaiting: bool,
    greeted: bool,
    successes: usize,
}

impl Observer {
    fn output(&mut self, o: &Output, security: Security, prot_private: bool) {
        match o {
            Output::Send(bytes) => {
                assert!(bytes.ends_with(b"\r\n"), "unterminated line");
                let body = &bytes[..bytes.len() - 2];
                assert!(
                    !body.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)),
                    "line break inside a command"
                );
                let verb: Vec<u8> = bytes
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .copied()
                    .collect();
                self.last_verb = verb.clone();
                self.prelim_sent = false;
                self.awaiting = true;
                match &verb[..] {
                    b"PBSZ" => self.pbsz_seen = true,
                    b"PROT" => assert!(self.pbsz_seen, "PROT before PBSZ"),
                    b"USER" | b"PASS" | b"ACCT"
                        if security == Security::ExplicitRequired
                            || security == Security::Implicit =>
                    {
                        assert!(self.control_tls, "credentials sent in clear")
                    }
                    b"AUTH" | b"REIN" => self.pbsz_seen = false,
                    b"RETR" | b"STOR" | b"LIST" | b"NLST" | b"MLSD" | b"APPE" | b"STOU" => {
                        self.transfer_sent = true;
                        self.data_clean = false;
                        self.data_tls_ready = false;
                    }
                    _ => {}
                }
            }
            Output::StartTls { channel, .. } => self.tls_requested = Some(*channel),
            Output::OpenData { .. } | Output::AcceptData { .. } => self.data_asked = Some(true),
            Output::ListenData { .. } => self.data_asked = Some(false),
            Output::CloseData | Output::Close => {
                self.data_asked = None;
                self.data_started = false;
            }
            Output::Event(Event::TransferStarted { .. }) => self.data_started = true,
            Output::EndTls { .. } => self.control_tls = false,
            Output::Event(Event::Completed {
                result: Ok(Response::Transferred { reply, .. }),
                ..
            }) => {
                assert!(self.transfer_sent, "transfer completed without a command");
                assert!(reply.code().is_completion(), "success without a 2xx");
                assert!(self.data_clean, "success without a clean data end");
                if prot_private {
                    assert!(self.data_tls_ready, "success without data TLS under PROT P");
                }
                self.transfer_sent = false;
                self.successes += 1;
            }
            _ => {}
        }
    }
}

/// The next move of a cooperative server or adapter.
fn cooperate(client: &mut Client, obs: &mut Observer, now: Instant) {
    if let Some(ch) = obs.tls_requested.take() {
        if ch == Channel::Control {
            obs.control_tls = true;
        } else {
            obs.data_tls_ready = true;
        }
        client.handle_tls_ready(ch, now);
        return;
    }
    match obs.data_asked.take() {
        Some(true) => return client.handle_data_connected(now),
        Some(false) => {
            return client.handle_data_listening("127.0.0.1:40000".parse().unwrap(), now)
        }
        None => {}
    }
    if obs.data_started {
        obs.data_started = false;
        obs.data_clean = true;
        return client.handle_data_ended(DataEnd::Clean, now);
    }
    if obs.last_verb.is_empty() && !obs.greeted {
        obs.greeted = true;
        return client.handle_input(b"220 hello\r\n", now);
    }
    if !obs.awaiting {
        return;
    }
    obs.awaiting = false;
    let reply: &str = match &obs.last_verb[..] {
        b"AUTH" => "234 go\r\n",
        b"USER" => "331 pw\r\n",
        b"PASS" | b"ACCT" => "230 in\r\n",
        b"FEAT" => "211-Features:\r\n UTF8\r\n EPSV\r\n MLST type*;\r\n211 End\r\n",
        b"EPSV" => "229 Entering Extended Passive Mode (|||40000|)\r\n",
        b"PASV" => "227 Entering Passive Mode (127,0,0,1,156,64)\r\n",
        b"REST" | b"RNFR" => "350 go on\r\n",
        b"RNTO" | b"DELE" | b"CWD" | b"RMD" => "250 ok\r\n",
        b"PWD" | b"MKD" => "257 \"/\"\r\n",
        b"SIZE" => "213 42\r\n",
        b"MLST" => "250-Listing\r\n type=file;size=1; f\r\n250 End\r\n",
        b"RETR" | b"STOR" | b"LIST" | b"NLST" | b"MLSD" | b"APPE" | b"STOU" => {
            if obs.prelim_sent {
                "226 done\r\n"
            } else {
                obs.prelim_sent = true;
                obs.awaiting = true;
                "150 here\r\n"
            }
        }
        b"QUIT" => "221 bye\r\n",
        b"REIN" | b"HOST" => "220 hello again\r\n",
        b"ABOR" => "226 aborted\r\n",
        b"SYST" => "215 UNIX\r\n",
        _ => "200 ok\r\n",
    };
    client.handle_input(reply.as_bytes(), now);
}

fn drain(client: &mut Client, obs: &mut Observer, security: Security) -> usize {
    let mut n = 0;
    loop {
        let prot_private = client.data_protection() == Some(DataProtection::Private);
        match client.poll_output() {
            Output::Idle | Output::Timeout(_) => return n,
            o => {
                if std::env::var("TRACE").is_ok() {
                    eprintln!("{o:?}");
                }
                obs.output(&o, security, prot_private);
                n += 1;
                assert!(n < 200, "unbounded outputs");
            }
        }
    }
}

fn request(client: &mut Client, k: u8, now: Instant) {
    let login = || {
        Login::new(
            Username::try_from("u").unwrap(),
            Password::try_from("secret").unwrap(),
        )
    };
    let _ = match k % 18 {
        0 | 1 => client.login(login(), now).map(|_| ()),
        2 => client.list(None, now).map(|_| ()),
        3 => client.retrieve(p("f"), u64::from(k), now).map(|_| ()),
        4 => client.store(p("f"), now).map(|_| ()),
        5 => client.mlsd(None, now).map(|_| ()),
        6 => client.pwd(now).map(|_| ()),
        7 => client.rename(p("a"), p("b"), now).map(|_| ()),
        8 => client.size(p("f"), now).map(|_| ()),
        9 => client.mlst(None, now).map(|_| ()),
        10 => client.quit(now).map(|_| ()),
        11 => client.reinitialize(now).map(|_| ()),
        12 => client.noop(now).map(|_| ()),
        13 => client.raw(Command::Syst, now).map(|_| ()),
        14 => client
            .set_data_protection(DataProtection::Private, now)
            .map(|_| ()),
        15 => client.auth_tls(now).map(|_| ()),
        16 => client.store_at(p("f"), u64::from(k), now).map(|_| ()),
        _ => client.feat(now).map(|_| ()),
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_server_behaviour_keeps_every_invariant(
        config in config(),
        actions in prop::collection::vec(action(), 0..160),
    ) {
        let security = config.security;
        let mut now = Instant::from_millis(0);
        let mut client = Client::new(config, now);
        let mut obs = Observer::default();
        drain(&mut client, &mut obs, security);
        for a in actions {
            match a {
                Action::Reply(code, v) => client.handle_input(reply_text(code, v).as_bytes(), now),
                Action::Bytes(b) => client.handle_input(&b, now),
                Action::TlsReady(control) => {
                    let ch = if control { Channel::Control } else { Channel::Data };
                    if obs.tls_requested == Some(ch) {
                        obs.tls_requested = None;
                        if ch == Channel::Control { obs.control_tls = true } else { obs.data_tls_ready = true }
                    }
                    client.handle_tls_ready(ch, now);
                }
                Action::TlsFailed(control) => client.handle_tls_failed(
                    if control { Channel::Control } else { Channel::Data }, now),
                Action::DataConnected => client.handle_data_connected(now),
                Action::DataListening => {
                    let addr: SocketAddr = "127.0.0.1:40000".parse().unwrap();
                    client.handle_data_listening(addr, now)
                }
                Action::DataEnded(e) => {
                    let end = match e % 3 { 0 => DataEnd::Clean, 1 => DataEnd::Truncated, _ => DataEnd::Failed };
                    if end == DataEnd::Clean { obs.data_clean = true; }
                    client.handle_data_ended(end, now)
                }
                Action::ControlClosed => client.handle_control_closed(now),
                Action::Advance(ms) => {
                    now = now + Duration::from_millis(u64::from(ms));
                    client.handle_timeout(now)
                }
                Action::Request(k) => request(&mut client, k, now),
                Action::Abort => { let _ = client.abort(now); }
                Action::Cooperate => cooperate(&mut client, &mut obs, now),
            }
            drain(&mut client, &mut obs, security);
        }
    }
}

/// The cooperative moves alone drive a whole protected session to a successful transfer, so
/// the property above does reach completions (and checks them).
#[test]
fn cooperation_reaches_a_successful_protected_transfer() {
    let mut now = Instant::from_millis(0);
    let mut client = Client::new(Config::default(), now);
    let mut obs = Observer::default();
    let security = Security::ExplicitRequired;
    drain(&mut client, &mut obs, security);
    request(&mut client, 0, now);
    drain(&mut client, &mut obs, security);
    for i in 0..60 {
        if i == 20 {
            request(&mut client, 2, now);
            drain(&mut client, &mut obs, security);
        }
        cooperate(&mut client, &mut obs, now);
        drain(&mut client, &mut obs, security);
        now = now + Duration::from_millis(10);
    }
    assert!(obs.successes >= 1, "no transfer completed");
    assert_eq!(client.data_protection(), Some(DataProtection::Private));
}

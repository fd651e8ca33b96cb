//! A scripted server for client transcripts: `S:` lines are fed to the client, `C:` lines are
//! the commands it must send, in memory and in virtual time.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use ftps_proto::client::{
    Client, Config, DataAddress, Event, Failure, Login, Output, RequestId, Response, Security,
};
use ftps_proto::types::{Channel, DataEnd, Instant, Password, Pathname, TlsRole, Username};

/// A client under test, its pending outputs and the virtual clock.
pub struct Transcript {
    pub client: Client,
    pub now: Instant,
    pub pending: VecDeque<Output>,
    pub deadline: Option<Instant>,
}

pub fn path(p: &str) -> Pathname<'static> {
    Pathname::try_from(p.to_string()).unwrap()
}

pub fn user_login(user: &str, pass: &str) -> Login {
    Login::new(
        Username::try_from(user).unwrap(),
        Password::try_from(pass).unwrap(),
    )
}

impl Transcript {
    pub fn new(config: Config) -> Self {
        let now = Instant::from_millis(1_000);
        let client = Client::new(config, now);
        let mut t = Transcript {
            client,
            now,
            pending: VecDeque::new(),
            deadline: None,
        };
        t.drain();
        t
    }

    /// Drains the client's outputs into `pending` (the contract: until Timeout or Idle).
    pub fn drain(&mut self) {
        loop {
            match self.client.poll_output() {
                Output::Idle => {
                    self.deadline = None;
                    break;
                }
                Output::Timeout(t) => {
                    self.deadline = Some(t);
                    break;
                }
                o => self.pending.push_back(o),
            }
        }
    }

    /// `S: ...`: the server sends these lines (separated by `\n`), CRLF-terminated.
    pub fn s(&mut self, text: &str) {
        let mut bytes = Vec::new();
        for line in text.split('\n') {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        self.feed(&bytes);
    }

    /// Raw bytes from the server.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.client.handle_input(bytes, self.now);
        self.drain();
    }

    /// `C: ...`: the next output must be this command line.
    pub fn c(&mut self, line: &str) {
        match self.pending.pop_front() {
            Some(Output::Send(bytes)) => {
                let expected = format!("{line}\r\n");
                assert_eq!(
                    String::from_utf8_lossy(&bytes),
                    expected,
                    "C: expected {line:?}"
                );
            }
            other => panic!(
                "C: expected {line:?}, got {other:?} (then {:?})",
                self.pending
            ),
        }
    }

    /// The next output, whatever it is.
    pub fn next(&mut self) -> Output {
        self.pending
            .pop_front()
            .unwrap_or_else(|| panic!("expected an output, got none"))
    }

    /// The next output must be this one.
    pub fn expect(&mut self, expected: Output) {
        let got = self.next();
        assert_eq!(got, expected, "(then {:?})", self.pending);
    }

    /// The next output must be an event; returns it.
    pub fn event(&mut self) -> Event {
        match self.next() {
            Output::Event(e) => e,
            other => panic!("expected an event, got {other:?} (then {:?})", self.pending),
        }
    }

    /// The next output must complete `id`; returns the result.
    pub fn completed(&mut self, id: RequestId) -> Result<Response, Failure> {
        match self.event() {
            Event::Completed { request, result } => {
                assert_eq!(request, id, "completion of another request");
                result
            }
            other => panic!("expected Completed({id}), got {other:?}"),
        }
    }

    /// Nothing is pending.
    pub fn quiet(&mut self) {
        assert!(
            self.pending.is_empty(),
            "unexpected outputs: {:?}",
            self.pending
        );
    }

    /// The next output must be `StartTls` on `channel` as TLS client.
    pub fn start_tls(&mut self, channel: Channel) {
        self.expect(Output::StartTls {
            channel,
            role: TlsRole::Client,
            resume_session: channel == Channel::Data,
        });
    }

    pub fn tls_ready(&mut self, channel: Channel) {
        self.client.handle_tls_ready(channel, self.now);
        self.drain();
    }

    pub fn data_connected(&mut self) {
        self.client.handle_data_connected(self.now);
        self.drain();
    }

    pub fn data_listening(&mut self, addr: SocketAddr) {
        self.client.handle_data_listening(addr, self.now);
        self.drain();
    }

    pub fn data_ended(&mut self, end: DataEnd) {
        self.client.handle_data_ended(end, self.now);
        self.drain();
    }

    /// Advances the clock and fires the timeout.
    pub fn advance(&mut self, d: Duration) {
        self.now = self.now + d;
        self.client.handle_timeout(self.now);
        self.drain();
    }

    /// Advances to the pending deadline and fires it.
    pub fn fire_deadline(&mut self) {
        let t = self.deadline.expect("no deadline armed");
        self.now = t;
        self.client.handle_timeout(self.now);
        self.drain();
    }

    /// The next output must be `OpenData` for `id` to the control peer on `port`.
    pub fn open_data(&mut self, id: RequestId, port: u16) {
        self.expect(Output::OpenData {
            request: id,
            address: DataAddress::ControlPeer { port },
        });
    }

    /// Greeting, AUTH TLS, handshake, USER/PASS, PBSZ/PROT P, FEAT, TYPE I: a protected,
    /// logged-in client with the given FEAT lines.
    pub fn logged_in_tls(config: Config, feat: &str) -> Self {
        let mut t = Transcript::new(config);
        t.s("220 ready");
        t.c("AUTH TLS");
        t.s("234 AUTH TLS OK.");
        t.start_tls(Channel::Control);
        t.tls_ready(Channel::Control);
        assert!(matches!(t.event(), Event::Connected { tls: true, .. }));
        let id = t
            .client
            .login(user_login("alice", "secret"), t.now)
            .unwrap();
        t.drain();
        t.c("USER alice");
        t.s("331 Please specify the password.");
        t.c("PASS secret");
        t.s("230 Login successful.");
        t.c("PBSZ 0");
        t.s("200 PBSZ set to 0.");
        t.c("PROT P");
        t.s("200 PROT now Private.");
        t.c("FEAT");
        t.s(feat);
        if feat.contains("UTF8") {
            t.c("OPTS UTF8 ON");
            t.s("200 Always in UTF8 mode.");
        }
        t.c("TYPE I");
        t.s("200 Switching to Binary mode.");
        assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
        t.quiet();
        t
    }

    /// Like [`Transcript::logged_in_tls`] in plain FTP.
    pub fn logged_in_plain(config: Config) -> Self {
        let mut t = Transcript::new(config.with_security(Security::Plain));
        t.s("220 ready");
        assert!(matches!(t.event(), Event::Connected { tls: false, .. }));
        let id = t
            .client
            .login(user_login("alice", "secret"), t.now)
            .unwrap();
        t.drain();
        t.c("USER alice");
        t.s("331 Password required");
        t.c("PASS secret");
        t.s("230 Logged in");
        t.c("FEAT");
        t.s("211-Features:\n EPSV\n MDTM\n SIZE\n MLST type*;size*;modify*;\n211 End");
        t.c("TYPE I");
        t.s("200 Type set to I");
        assert!(matches!(t.completed(id), Ok(Response::LoggedIn { .. })));
        t.quiet();
        t
    }
}

pub const FEAT_VSFTPD: &str =
    "211-Features:\n EPRT\n EPSV\n MDTM\n PASV\n PBSZ\n PROT\n REST STREAM\n SIZE\n TVFS\n211 End";

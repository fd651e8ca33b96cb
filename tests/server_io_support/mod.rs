//! The server adapters' session transcripts, written once and run against each adapter:
//! a real `TcpStream` + rustls client written here speaks to a server started through
//! [`Adapter`] (the blocking `io::blocking::server::Server` in `tests/server_io_session.rs`,
//! the async `io::tokio::server::Server` in `tests/tokio_server_session.rs`). Both adapters
//! take the same `ServerOptions` and must behave identically on the wire. Transcripts are
//! spelled out as `C:` / `S:` exchanges.
//!
//! Owns the test client, the server fixture and the shared test bodies; it must not know
//! which adapter it runs against beyond [`Adapter`].

pub mod identity;
#[macro_use]
pub mod storage;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ftps_proto::io::blocking::server::{DataTickets, ServerOptions, User};
use ftps_proto::io::tls::{ClientTlsOptions, TrustRoots};
use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, StreamOwned};

/// A server adapter under test: binds a server with the given options and runs it on a
/// thread of its own.
pub trait Adapter {
    /// Short name, part of the test directories' names.
    const NAME: &'static str;
    /// Binds a server with `options` and starts running it on a new thread.
    fn launch(options: ServerOptions) -> Launched;
}

/// A server running on its own thread: its addresses and how to stop it.
pub struct Launched {
    /// The explicit-FTPS control address, if one was asked for.
    pub explicit: Option<SocketAddr>,
    /// The implicit-FTPS control address, if one was asked for.
    pub implicit: Option<SocketAddr>,
    /// Asks the server to stop accepting and end.
    pub stop: Box<dyn Fn() + Send + Sync>,
    /// The thread running the server; ends when the server does.
    pub thread: std::thread::JoinHandle<()>,
}

impl Launched {
    /// Waits for the server thread to end (panics if it panicked).
    pub fn join(self) {
        self.thread.join().unwrap();
    }
}

/// Each shared session test as a `#[test]` against one adapter:
/// `server_io_session_tests!(Blocking);`.
macro_rules! server_io_session_tests {
    ($adapter:ty) => {
        server_io_session_tests!(@each $adapter;
            explicit_ftps_upload_and_download_with_close_notify,
            upload_without_close_notify_is_426_never_226,
            implicit_ftps_greets_only_after_tls,
            data_connection_that_does_not_resume_the_control_session_is_refused,
            the_root_is_a_jail_for_the_session,
            wrong_password_is_530_and_the_user_list_is_enforced,
            without_data_tickets_a_rustls_client_resumes_only_8_uploads,
            by_default_a_rustls_client_never_runs_out,
            curl_order_uploads_find_the_tickets_before_the_reply,
            lftp_order_uploads_get_their_tickets_only_at_the_end,
            type_a_stores_lf_and_sends_crlf,
            client_certificate_logs_its_user_in_with_232,
            abor_during_a_download_is_426_then_226_and_the_session_goes_on,
            anonymous_login_is_read_only,
            exit_after_one_session_the_server_stops,
            ccc_returns_the_control_connection_to_clear_text,
            a_newcomer_displaces_a_silent_session_when_full,
        );
    };
    (@each $adapter:ty; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::server_io_support::$name::<$adapter>()
            }
        )*
    };
}

/// A server started by [`start`]: a fresh root (`pub/hello.txt` inside), user `alice` /
/// `secret`, explicit and implicit listeners; stopped and its root removed on drop.
pub struct Running {
    /// Explicit-FTPS control address.
    pub explicit: SocketAddr,
    /// Implicit-FTPS control address.
    pub implicit: SocketAddr,
    /// The server's root directory.
    pub root: PathBuf,
    /// A client TLS configuration trusting the server's certificate.
    pub client: Arc<ClientConfig>,
    cert: CertificateDer<'static>,
    server: Option<Launched>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            (s.stop)();
            let _ = s.thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Starts a server on adapter `A` with session `config` and the default data tickets.
pub fn start<A: Adapter>(tag: &str, config: Config) -> Running {
    start_with::<A>(tag, config, DataTickets::default())
}

fn start_with<A: Adapter>(tag: &str, config: Config, tickets: DataTickets) -> Running {
    let (cert, tls) = identity::localhost();
    let tls = tls.build().unwrap();
    let root = std::env::temp_dir().join(format!(
        "ftps-proto-{}-session-{tag}-{}",
        A::NAME,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("pub")).unwrap();
    std::fs::write(root.join("pub/hello.txt"), b"hello\r\n").unwrap();
    let mut o = ServerOptions::new(tls, root.clone());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.implicit = Some("127.0.0.1:0".parse().unwrap());
    o.users.push(User::with_password("alice", "secret"));
    o.session = config;
    o.data_tickets = tickets;
    let server = A::launch(o);
    let explicit = server.explicit.unwrap();
    let implicit = server.implicit.unwrap();
    let mut c = ClientTlsOptions::default();
    c.roots = TrustRoots::Certificates(vec![cert.clone()]);
    Running {
        explicit,
        implicit,
        root,
        client: c.build().unwrap(),
        cert,
        server: Some(server),
    }
}

/// TLS required on control and data (RFC 4217 §§4, 8), three login attempts.
pub fn strict() -> Config {
    Config::default()
        .with_control(ControlPolicy::Required)
        .with_data(DataPolicy::Required)
        .with_login_attempts(3, Duration::from_millis(10))
}

/// A connection of the test client, clear or under TLS.
pub enum Conn {
    /// Clear TCP.
    Clear(TcpStream),
    /// TLS over TCP.
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Clear(s) => s.read(b),
            Conn::Tls(s) => s.read(b),
        }
    }
}
impl Write for Conn {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Clear(s) => s.write(b),
            Conn::Tls(s) => s.write(b),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Conn::Clear(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// The test's FTP client: control connection and the transcript helpers.
pub struct Client {
    ctl: Option<BufReader<Conn>>,
    config: Arc<ClientConfig>,
}

/// Starts a client TLS session (for `localhost`) over `tcp`.
pub fn tls(config: &Arc<ClientConfig>, tcp: TcpStream) -> Conn {
    let c =
        ClientConnection::new(config.clone(), ServerName::try_from("localhost").unwrap()).unwrap();
    Conn::Tls(Box::new(StreamOwned::new(c, tcp)))
}

impl Client {
    /// Connects to `addr`; under TLS at once if `implicit`.
    pub fn connect(addr: SocketAddr, config: &Arc<ClientConfig>, implicit: bool) -> Client {
        let tcp = TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let conn = if implicit {
            tls(config, tcp)
        } else {
            Conn::Clear(tcp)
        };
        Client {
            ctl: Some(BufReader::new(conn)),
            config: config.clone(),
        }
    }

    /// S: one complete reply (multi-line replies joined); returns (code, text).
    pub fn reply(&mut self) -> (u16, String) {
        let r = self.ctl.as_mut().unwrap();
        let mut all = String::new();
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert!(line.len() >= 4, "short reply {line:?}");
        let code: u16 = line[..3].parse().unwrap();
        all.push_str(&line);
        if line.as_bytes()[3] == b'-' {
            loop {
                line.clear();
                r.read_line(&mut line).unwrap();
                all.push_str(&line);
                if line.starts_with(&format!("{code} ")) {
                    break;
                }
            }
        }
        (code, all)
    }

    /// C: `cmd`, S: the expected code.
    pub fn cmd(&mut self, cmd: &str, want: u16) -> String {
        let r = self.ctl.as_mut().unwrap().get_mut();
        r.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        r.flush().unwrap();
        let (code, text) = self.reply();
        assert_eq!(code, want, "C: {cmd}  S: {text}");
        text
    }

    /// C: a transfer command, S: 150 (connection about to open) or 125 (already open: the
    /// client connected first), both right per RFC 959 §4.2.
    pub fn start(&mut self, cmd: &str) {
        let r = self.ctl.as_mut().unwrap().get_mut();
        r.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        r.flush().unwrap();
        let (code, text) = self.reply();
        assert!(code == 150 || code == 125, "C: {cmd}  S: {text}");
    }

    /// C: AUTH TLS, S: 234, then the TLS handshake on the control connection.
    pub fn auth_tls(&mut self) {
        self.cmd("AUTH TLS", 234);
        let Conn::Clear(tcp) = self.ctl.take().unwrap().into_inner() else {
            panic!("already TLS")
        };
        self.ctl = Some(BufReader::new(tls(&self.config, tcp)));
    }

    /// C: USER alice / PASS secret / PBSZ 0 / PROT P / TYPE I.
    pub fn login_private(&mut self) {
        self.cmd("USER alice", 331);
        self.cmd("PASS secret", 230);
        self.cmd("PBSZ 0", 200);
        self.cmd("PROT P", 200);
        self.cmd("TYPE I", 200);
    }

    /// C: EPSV, then connects the data connection and (PROT P) starts TLS with `config`.
    pub fn epsv(&mut self, config: &Arc<ClientConfig>) -> Conn {
        let port = self.epsv_port();
        data_connection(port, config)
    }

    /// C: EPSV, S: 229 (RFC 2428 §3); returns the port in `(|||port|)`.
    pub fn epsv_port(&mut self) -> u16 {
        let text = self.cmd("EPSV", 229);
        text.split("|||")
            .nth(1)
            .unwrap()
            .split('|')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// Connects a data connection to `127.0.0.1:port` and (PROT P) starts TLS with `config`.
pub fn data_connection(port: u16, config: &Arc<ClientConfig>) -> Conn {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tls(config, tcp)
}

/// Completes a data connection's TLS handshake now (curl's order), before the command.
pub fn handshake(c: &mut Conn) {
    if let Conn::Tls(s) = c {
        while s.conn.is_handshaking() {
            s.conn.complete_io(&mut s.sock).unwrap();
        }
    }
}

/// Run per adapter as `#[test] fn explicit_ftps_upload_and_download_with_close_notify` by `server_io_session_tests!`.
pub fn explicit_ftps_upload_and_download_with_close_notify<A: Adapter>() {
    let srv = start::<A>("updown", strict());
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220); // S: 220 FTPS server ready
    c.cmd("USER alice", 530); // C: USER before AUTH TLS under Required: refused
    c.auth_tls();
    c.login_private();
    c.cmd("PWD", 257);
    c.cmd("CWD pub", 250);

    // Upload, curl style: TLS on the data connection before STOR.
    let payload: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut data = c.epsv(&srv.client);
    handshake(&mut data);
    c.start("STOR up.bin");
    data.write_all(&payload).unwrap();
    if let Conn::Tls(s) = &mut data {
        s.conn.send_close_notify();
        s.flush().unwrap();
        s.sock.shutdown(std::net::Shutdown::Write).unwrap();
    }
    assert_eq!(c.reply().0, 226);
    drop(data);
    assert_eq!(std::fs::read(srv.root.join("pub/up.bin")).unwrap(), payload);

    // Download, lftp style: TLS after the 150.
    let mut data = c.epsv(&srv.client);
    c.start("RETR up.bin");
    let mut got = Vec::new();
    // read_to_end fails with UnexpectedEof unless the server sent close_notify.
    data.read_to_end(&mut got).unwrap();
    assert_eq!(c.reply().0, 226);
    assert_eq!(got, payload);

    // REST + RETR
    let mut data = c.epsv(&srv.client);
    c.cmd("REST 2999990", 350);
    c.start("RETR up.bin");
    let mut tail = Vec::new();
    data.read_to_end(&mut tail).unwrap();
    assert_eq!(c.reply().0, 226);
    assert_eq!(tail, &payload[2_999_990..]);

    // LIST and MLSD go through the data connection too.
    let mut data = c.epsv(&srv.client);
    c.start("MLSD");
    let mut listing = String::new();
    data.read_to_string(&mut listing).unwrap();
    assert_eq!(c.reply().0, 226);
    assert!(listing.contains("type=file;size=3000000;"), "{listing}");
    assert!(listing.contains("; hello.txt\r\n"), "{listing}");
    c.cmd("SIZE up.bin", 213);
    c.cmd("QUIT", 221);
}

/// Run per adapter as `#[test] fn upload_without_close_notify_is_426_never_226` by `server_io_session_tests!`.
pub fn upload_without_close_notify_is_426_never_226<A: Adapter>() {
    let srv = start::<A>("trunc", strict());
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    let mut data = c.epsv(&srv.client);
    c.start("STOR cut.bin");
    data.write_all(&[1u8; 100_000]).unwrap();
    data.flush().unwrap();
    // An attacker (or a crash) ends the TCP stream without TLS close_notify.
    if let Conn::Tls(s) = &data {
        s.sock.shutdown(std::net::Shutdown::Both).unwrap();
    }
    let (code, text) = c.reply();
    assert_eq!(code, 426, "{text}");
}

/// Run per adapter as `#[test] fn implicit_ftps_greets_only_after_tls` by `server_io_session_tests!`.
pub fn implicit_ftps_greets_only_after_tls<A: Adapter>() {
    let srv = start::<A>("implicit", strict());
    let mut c = Client::connect(srv.implicit, &srv.client, true);
    assert_eq!(c.reply().0, 220);
    c.login_private();
    let mut data = c.epsv(&srv.client);
    c.start("NLST pub");
    let mut names = String::new();
    data.read_to_string(&mut names).unwrap();
    assert_eq!(c.reply().0, 226);
    assert_eq!(names, "hello.txt\r\n");
}

/// Run per adapter as `#[test] fn data_connection_that_does_not_resume_the_control_session_is_refused` by `server_io_session_tests!`.
pub fn data_connection_that_does_not_resume_the_control_session_is_refused<A: Adapter>() {
    let srv = start::<A>("resume", strict());
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    // A client config with its own (empty) session cache, like stock Python FTP_TLS.
    let mut fresh = ClientConfig::clone(&srv.client);
    fresh.resumption = rustls::client::Resumption::in_memory_sessions(4);
    let fresh = Arc::new(fresh);
    let mut data = c.epsv(&fresh);
    c.start("LIST");
    let mut sink = Vec::new();
    let _ = data.read_to_end(&mut sink);
    let (code, text) = c.reply();
    assert_eq!(code, 522, "{text}");
    // The same session still works with a resuming data connection.
    let mut data = c.epsv(&srv.client);
    c.start("LIST");
    let mut listing = String::new();
    data.read_to_string(&mut listing).unwrap();
    assert_eq!(c.reply().0, 226);
    assert!(listing.contains(" pub\r\n"), "{listing}");
    let _ = srv.cert;
}

/// Run per adapter as `#[test] fn the_root_is_a_jail_for_the_session` by `server_io_session_tests!`.
pub fn the_root_is_a_jail_for_the_session<A: Adapter>() {
    let srv = start::<A>("jail", strict());
    std::fs::write(
        srv.root
            .parent()
            .unwrap()
            .join(format!("outside-{}", std::process::id())),
        b"x",
    )
    .unwrap();
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    c.cmd("CWD ../../..", 250);
    let pwd = c.cmd("PWD", 257);
    assert!(pwd.contains("\"/\""), "{pwd}");
    c.cmd(&format!("SIZE ../outside-{}", std::process::id()), 550);
    c.cmd("MKD ../escape", 257); // created as /escape, inside the root
    assert!(srv.root.join("escape").is_dir());
    c.cmd("RNFR pub/hello.txt", 350);
    c.cmd("RNTO ../../moved.txt", 250); // lands at /moved.txt, inside the root
    assert!(srv.root.join("moved.txt").is_file());
    let _ = std::fs::remove_file(
        srv.root
            .parent()
            .unwrap()
            .join(format!("outside-{}", std::process::id())),
    );
}

/// Run per adapter as `#[test] fn wrong_password_is_530_and_the_user_list_is_enforced` by `server_io_session_tests!`.
pub fn wrong_password_is_530_and_the_user_list_is_enforced<A: Adapter>() {
    let srv = start::<A>("login", strict());
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.cmd("USER alice", 331);
    c.cmd("PASS wrong", 530);
    c.cmd("USER mallory", 331); // RFC 2577 §5: no hint whether the user exists
    c.cmd("PASS secret", 530);
    c.cmd("USER anonymous", 530); // anonymous is off by default
}

/// TLS on the data connection completed before STOR, `n` times in one session, by a rustls
/// client, which spends each TLS 1.3 ticket once. Returns the reply to each upload.
fn early_handshake_uploads(srv: &Running, n: usize) -> Vec<u16> {
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    (0..n)
        .map(|i| {
            let mut data = c.epsv(&srv.client);
            handshake(&mut data);
            let r = c.ctl.as_mut().unwrap().get_mut();
            r.write_all(format!("STOR f{i}.bin\r\n").as_bytes())
                .unwrap();
            r.flush().unwrap();
            let (code, _) = c.reply();
            if code != 150 && code != 125 {
                return code; // refused before the transfer
            }
            data.write_all(b"data").unwrap();
            if let Conn::Tls(s) = &mut data {
                s.conn.send_close_notify();
                let _ = s.flush();
            }
            // A careful client waits for the server's close_notify (and so reads whatever
            // the server sent on the connection, tickets included).
            let _ = data.read_to_end(&mut Vec::new());
            c.reply().0
        })
        .collect()
}

/// Run per adapter as `#[test] fn without_data_tickets_a_rustls_client_resumes_only_8_uploads` by `server_io_session_tests!`.
pub fn without_data_tickets_a_rustls_client_resumes_only_8_uploads<A: Adapter>() {
    // What the non-default policies break: no tickets on these data connections (uploads
    // after an early handshake are not known downloads), 8 from the control connection, so a
    // rustls client resumes 8 uploads; the 9th is refused (522).
    for (tag, tickets) in [
        ("tickets-downloads", DataTickets::Downloads),
        ("tickets-never", DataTickets::Never),
    ] {
        let srv = start_with::<A>(tag, strict(), tickets);
        let codes = early_handshake_uploads(&srv, 9);
        assert_eq!(
            codes,
            [226, 226, 226, 226, 226, 226, 226, 226, 522],
            "{tickets:?}"
        );
    }
}

/// Run per adapter as `#[test] fn by_default_a_rustls_client_never_runs_out` by `server_io_session_tests!`.
pub fn by_default_a_rustls_client_never_runs_out<A: Adapter>() {
    // The default policy: tickets on every data connection, so the store of a client that
    // spends one per connection (8 kept) never empties.
    assert_eq!(
        ServerOptions::new(identity::localhost().1.build().unwrap(), ".".into()).data_tickets,
        DataTickets::Always
    );
    let srv = start::<A>("tickets-default", strict());
    let codes = early_handshake_uploads(&srv, 30);
    assert!(codes.iter().all(|&c| c == 226), "{codes:?}");
}

/// A client session store that behaves like OpenSSL's client as curl uses it: it keeps only
/// the latest TLS 1.3 ticket and a resumed session is gone (single use). It counts tickets.
#[derive(Debug, Default)]
pub struct LatestTicketOnly {
    inner: Option<Arc<rustls::client::ClientSessionMemoryCache>>,
    latest: std::sync::Mutex<Option<rustls::client::Tls13ClientSessionValue>>,
    /// TLS 1.3 tickets received so far.
    pub received: std::sync::atomic::AtomicUsize,
}

impl LatestTicketOnly {
    fn new() -> Self {
        LatestTicketOnly {
            inner: Some(Arc::new(rustls::client::ClientSessionMemoryCache::new(4))),
            ..Default::default()
        }
    }

    fn received(&self) -> usize {
        self.received.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn inner(&self) -> &rustls::client::ClientSessionMemoryCache {
        self.inner.as_ref().unwrap()
    }
}

impl rustls::client::ClientSessionStore for LatestTicketOnly {
    fn set_kx_hint(&self, name: ServerName<'static>, group: rustls::NamedGroup) {
        self.inner().set_kx_hint(name, group)
    }
    fn kx_hint(&self, name: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.inner().kx_hint(name)
    }
    fn set_tls12_session(
        &self,
        name: ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        self.inner().set_tls12_session(name, value)
    }
    fn tls12_session(
        &self,
        name: &ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.inner().tls12_session(name)
    }
    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        self.inner().remove_tls12_session(name)
    }
    fn insert_tls13_ticket(
        &self,
        _name: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        self.received
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        *self.latest.lock().unwrap() = Some(value);
    }
    fn take_tls13_ticket(
        &self,
        _name: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        self.latest.lock().unwrap().take()
    }
}

/// Run per adapter as `#[test] fn curl_order_uploads_find_the_tickets_before_the_reply` by `server_io_session_tests!`.
pub fn curl_order_uploads_find_the_tickets_before_the_reply<A: Adapter>() {
    // curl 7.88 + OpenSSL 3 exactly: the ClientHello, then at once the transfer command, then
    // the rest of the handshake; after the reply it uploads, and reads its data connection
    // only once, without waiting, right before it closes it. It keeps only the latest
    // ticket, and a resumed TLS 1.3 session cannot be resumed again. So each data connection
    // must hand it a ticket before the reply (else the upload's close can reset the
    // connection and cut the file, and the next transfer cannot resume: 522).
    let srv = start::<A>("tickets-curl", strict());
    let store = Arc::new(LatestTicketOnly::new());
    let mut config = ClientConfig::clone(&srv.client);
    config.resumption = rustls::client::Resumption::store(store.clone());
    let config = Arc::new(config);
    let mut c = Client::connect(srv.explicit, &config, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i * 13 % 251) as u8).collect();
    for i in 0..20 {
        let before = store.received();
        let mut data = c.epsv(&config);
        let Conn::Tls(s) = &mut data else {
            unreachable!()
        };
        // C (data): ClientHello.
        while s.conn.wants_write() {
            s.conn.write_tls(&mut s.sock).unwrap();
        }
        // C: STOR, right behind it.
        let r = c.ctl.as_mut().unwrap().get_mut();
        r.write_all(format!("STOR c{i}.bin\r\n").as_bytes())
            .unwrap();
        r.flush().unwrap();
        handshake(&mut data);
        let (code, text) = c.reply();
        assert!(code == 150 || code == 125, "transfer {i}: {text}");
        // One read of whatever is already there, without waiting: the tickets must be.
        let Conn::Tls(s) = &mut data else {
            unreachable!()
        };
        s.sock.set_nonblocking(true).unwrap();
        loop {
            match s.conn.read_tls(&mut s.sock) {
                Ok(0) => break,
                Ok(_) => {
                    s.conn.process_new_packets().unwrap();
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("transfer {i}: {e}"),
            }
        }
        s.sock.set_nonblocking(false).unwrap();
        assert!(
            store.received() > before,
            "transfer {i}: no TLS 1.3 ticket on the data connection before the {code} reply"
        );
        assert_eq!(
            s.conn.handshake_kind(),
            Some(rustls::HandshakeKind::Resumed),
            "transfer {i}"
        );
        data.write_all(&payload).unwrap();
        if let Conn::Tls(s) = &mut data {
            s.conn.send_close_notify();
            s.flush().unwrap();
        }
        drop(data); // closed without reading again, as curl does
        let (code, text) = c.reply();
        assert_eq!(code, 226, "transfer {i}: {text}");
        assert_eq!(
            std::fs::read(srv.root.join(format!("c{i}.bin"))).unwrap(),
            payload,
            "transfer {i}"
        );
    }
}

/// Run per adapter as `#[test] fn lftp_order_uploads_get_their_tickets_only_at_the_end` by `server_io_session_tests!`.
pub fn lftp_order_uploads_get_their_tickets_only_at_the_end<A: Adapter>() {
    // lftp (GnuTLS), ftplib and this crate's clients: STOR, the 150, then the data handshake,
    // then only writes. Tickets sent right after that handshake would sit unread in an lftp
    // client's socket and turn its close into a reset (426, tail lost): the server keeps
    // them for its close_notify, which follows the client's; a client that reads to the
    // server's end (ours) still gets them and resumes every time.
    let srv = start::<A>("tickets-lftp", strict());
    let store = Arc::new(LatestTicketOnly::new());
    let mut config = ClientConfig::clone(&srv.client);
    config.resumption = rustls::client::Resumption::store(store.clone());
    let config = Arc::new(config);
    let mut c = Client::connect(srv.explicit, &config, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    let payload: Vec<u8> = (0..50_000u32).map(|i| (i * 31 % 253) as u8).collect();
    for i in 0..12 {
        let port = c.epsv_port();
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.start(&format!("STOR l{i}.bin"));
        let mut data = tls(&config, tcp);
        handshake(&mut data);
        let Conn::Tls(s) = &mut data else {
            unreachable!()
        };
        assert_eq!(
            s.conn.handshake_kind(),
            Some(rustls::HandshakeKind::Resumed),
            "upload {i}"
        );
        let before = store.received();
        // Give the server time to write anything it would write after the handshake.
        std::thread::sleep(Duration::from_millis(50));
        s.sock.set_nonblocking(true).unwrap();
        let mut early = 0;
        loop {
            match s.conn.read_tls(&mut s.sock) {
                Ok(0) => break,
                Ok(n) => {
                    early += n;
                    s.conn.process_new_packets().unwrap();
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("upload {i}: {e}"),
            }
        }
        s.sock.set_nonblocking(false).unwrap();
        assert_eq!(
            (early, store.received()),
            (0, before),
            "upload {i}: the server wrote on the upload connection before its end"
        );
        data.write_all(&payload).unwrap();
        if let Conn::Tls(s) = &mut data {
            s.conn.send_close_notify();
            s.flush().unwrap();
        }
        // Read to the server's close_notify: the tickets come with it.
        let _ = data.read_to_end(&mut Vec::new());
        assert!(
            store.received() > before,
            "upload {i}: no ticket before the server's close_notify"
        );
        let (code, text) = c.reply();
        assert_eq!(code, 226, "upload {i}: {text}");
        assert_eq!(
            std::fs::read(srv.root.join(format!("l{i}.bin"))).unwrap(),
            payload,
            "upload {i}"
        );
    }
}

/// Run per adapter as `#[test] fn type_a_stores_lf_and_sends_crlf` by `server_io_session_tests!`.
pub fn type_a_stores_lf_and_sends_crlf<A: Adapter>() {
    let srv = start::<A>("ascii", strict());
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    c.cmd("TYPE A", 200);
    // C: STOR in ASCII, NVT lines: stored with Unix line ends (RFC 959 §3.1.1.1).
    let mut data = c.epsv(&srv.client);
    c.start("STOR text.txt");
    data.write_all(b"one\r\ntwo\r\nbare\rcr\r\n").unwrap();
    if let Conn::Tls(s) = &mut data {
        s.conn.send_close_notify();
        s.flush().unwrap();
    }
    assert_eq!(c.reply().0, 226);
    assert_eq!(
        std::fs::read(srv.root.join("text.txt")).unwrap(),
        b"one\ntwo\nbare\rcr\n"
    );
    // C: RETR in ASCII: CRLF on the wire again.
    let mut data = c.epsv(&srv.client);
    c.start("RETR text.txt");
    let mut got = Vec::new();
    data.read_to_end(&mut got).unwrap();
    assert_eq!(c.reply().0, 226);
    assert_eq!(got, b"one\r\ntwo\r\nbare\rcr\r\n");
    // TYPE I: bytes as stored.
    c.cmd("TYPE I", 200);
    let mut data = c.epsv(&srv.client);
    c.start("RETR text.txt");
    let mut got = Vec::new();
    data.read_to_end(&mut got).unwrap();
    assert_eq!(c.reply().0, 226);
    assert_eq!(got, b"one\ntwo\nbare\rcr\n");
}

/// Run per adapter as `#[test] fn client_certificate_logs_its_user_in_with_232` by `server_io_session_tests!`.
pub fn client_certificate_logs_its_user_in_with_232<A: Adapter>() {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    };
    let dir = std::env::temp_dir().join(format!(
        "ftps-proto-{}-certlogin-{}",
        A::NAME,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("root")).unwrap();
    // A private CA, a client certificate for alice, and the server's own certificate.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "test client CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let alice_key = KeyPair::generate().unwrap();
    let mut alice_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    alice_params
        .distinguished_name
        .push(DnType::CommonName, "alice");
    alice_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let alice = alice_params.signed_by(&alice_key, &ca, &ca_key).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("alice.pem"), alice.pem()).unwrap();
    std::fs::write(dir.join("alice.key"), alice_key.serialize_pem()).unwrap();

    let (server_cert, mut tls) = identity::localhost();
    tls.client_ca = Some(dir.join("ca.pem"));
    let mut o = ServerOptions::new(tls.build().unwrap(), dir.join("root"));
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.session = strict().with_certificate_login(true);
    o.users.push(User::with_certificate(
        "alice",
        CertificateDer::from(alice.der().to_vec()),
    ));
    o.users.push(User::with_password("bob", "pw"));
    let server = A::launch(o);
    let addr = server.explicit.unwrap();

    let mut opts = ClientTlsOptions::default();
    opts.roots = TrustRoots::Certificates(vec![server_cert]);
    opts.client_certificate = Some((dir.join("alice.pem"), dir.join("alice.key")));
    let client = opts.build().unwrap();
    let mut c = Client::connect(addr, &client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    // S: 232: logged in by the certificate, no PASS (RFC 4217 §10.1).
    c.cmd("USER alice", 232);
    c.cmd("PWD", 257);
    c.cmd("QUIT", 221);

    // The same certificate does not log in another user: bob still needs his password.
    let mut c = Client::connect(addr, &client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.cmd("USER bob", 331);
    c.cmd("PASS pw", 230);
    c.cmd("QUIT", 221);

    (server.stop)();
    server.join();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run per adapter as `#[test] fn abor_during_a_download_is_426_then_226_and_the_session_goes_on` by `server_io_session_tests!`.
pub fn abor_during_a_download_is_426_then_226_and_the_session_goes_on<A: Adapter>() {
    let srv = start::<A>("abor", strict());
    std::fs::write(srv.root.join("big.bin"), vec![7u8; 64 * 1024 * 1024]).unwrap();
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    let mut data = c.epsv(&srv.client);
    handshake(&mut data);
    c.start("RETR big.bin");
    // Read a little, then stop reading: the server blocks on a full socket buffer.
    let mut some = [0u8; 1000];
    data.read_exact(&mut some).unwrap();
    // C: ABOR  S: 426 (transfer aborted)  S: 226 (ABOR successful), RFC 959 §4.1.3.
    let r = c.ctl.as_mut().unwrap().get_mut();
    r.write_all(b"ABOR\r\n").unwrap();
    r.flush().unwrap();
    assert_eq!(c.reply().0, 426);
    assert_eq!(c.reply().0, 226);
    drop(data);
    c.cmd("PWD", 257);
    // The next transfer works.
    let mut data = c.epsv(&srv.client);
    c.start("NLST");
    let mut names = String::new();
    data.read_to_string(&mut names).unwrap();
    assert_eq!(c.reply().0, 226);
    assert!(names.contains("big.bin"), "{names}");
}

/// Run per adapter as `#[test] fn anonymous_login_is_read_only` by `server_io_session_tests!`.
pub fn anonymous_login_is_read_only<A: Adapter>() {
    let srv = start::<A>("anon", strict().with_anonymous(true));
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.cmd("USER anonymous", 331);
    c.cmd("PASS guest@example.org", 230);
    c.cmd("PBSZ 0", 200);
    c.cmd("PROT P", 200);
    c.cmd("TYPE I", 200);
    c.cmd("MKD new", 550);
    c.cmd("DELE pub/hello.txt", 550);
    c.cmd("RNFR pub/hello.txt", 550);
    let _data = c.epsv(&srv.client);
    c.cmd("STOR up.bin", 550);
    assert!(!srv.root.join("up.bin").exists());
    let mut data = c.epsv(&srv.client);
    c.start("RETR pub/hello.txt");
    let mut got = Vec::new();
    data.read_to_end(&mut got).unwrap();
    assert_eq!(c.reply().0, 226);
    assert_eq!(got, b"hello\r\n");
}

/// Run per adapter as `#[test] fn exit_after_one_session_the_server_stops` by `server_io_session_tests!`.
pub fn exit_after_one_session_the_server_stops<A: Adapter>() {
    let (_, tls) = identity::localhost();
    let mut o = ServerOptions::new(tls.build().unwrap(), std::env::temp_dir());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.exit_after = Some(1);
    let server = A::launch(o);
    let addr = server.explicit.unwrap();
    let mut first = TcpStream::connect(addr).unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut line = [0u8; 4];
    first.read_exact(&mut line).unwrap();
    assert_eq!(&line, b"220 ");
    // The server stopped accepting after one session: a second client is not greeted.
    let second = TcpStream::connect(addr);
    if let Ok(mut s) = second {
        s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut b = [0u8; 4];
        assert!(!matches!(s.read(&mut b), Ok(4) if &b == b"220 "));
    }
    // run() returns once the one session has ended.
    first.write_all(b"QUIT\r\n").unwrap();
    server.join();
}

/// Run per adapter as `#[test] fn ccc_returns_the_control_connection_to_clear_text` by `server_io_session_tests!`.
pub fn ccc_returns_the_control_connection_to_clear_text<A: Adapter>() {
    let srv = start::<A>("ccc", strict().with_ccc(true));
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    // C: CCC  S: 200, then both sides send close_notify and go on in clear (RFC 4217 §5).
    c.cmd("CCC", 200);
    let Conn::Tls(mut s) = c.ctl.take().unwrap().into_inner() else {
        panic!("not TLS")
    };
    // S: close_notify (the TLS stream ends cleanly).
    let mut b = [0u8; 1];
    assert_eq!(s.read(&mut b).unwrap(), 0);
    s.conn.send_close_notify();
    let mut wire = Vec::new();
    while s.conn.wants_write() {
        s.conn.write_tls(&mut wire).unwrap();
    }
    // C: close_notify and the next command in clear, in one write: the server must not take
    // the clear text for TLS.
    wire.extend_from_slice(b"PWD\r\n");
    s.sock.write_all(&wire).unwrap();
    let mut reader = BufReader::new(s.sock);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("257 \"/\""), "{line:?}");
}

/// Run per adapter as `#[test] fn a_newcomer_displaces_a_silent_session_when_full` by
/// `server_io_session_tests!`: with `max_sessions = 1`, a session that has not logged in is
/// closed to admit a newcomer (silent connections never starve real clients; a logged-in
/// session is never displaced: `tests/hostile_load.rs` checks the 421 then).
pub fn a_newcomer_displaces_a_silent_session_when_full<A: Adapter>() {
    let srv = {
        let (_, tls) = identity::localhost();
        let mut o = ServerOptions::new(tls.build().unwrap(), std::env::temp_dir());
        o.explicit = Some("127.0.0.1:0".parse().unwrap());
        o.max_sessions = 1;
        A::launch(o)
    };
    let addr = srv.explicit.unwrap();
    let read4 = |s: &mut TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        b
    };
    let mut first = TcpStream::connect(addr).unwrap();
    assert_eq!(&read4(&mut first), b"220 ");
    let mut second = TcpStream::connect(addr).unwrap();
    assert_eq!(&read4(&mut second), b"220 ");
    // The first, silent, was closed to make room: nothing after its greeting, then the end.
    let mut rest = Vec::new();
    let _ = first.read_to_end(&mut rest);
    assert_eq!(rest, b"FTPS server ready\r\n");
    // Once the second session ends, a new one is served.
    second.write_all(b"QUIT\r\n").unwrap();
    let mut rest = Vec::new();
    let _ = second.read_to_end(&mut rest);
    let mut third = None;
    for _ in 0..50 {
        let mut s = TcpStream::connect(addr).unwrap();
        if &read4(&mut s) == b"220 " {
            third = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(third.is_some(), "no session after the first ended");
    drop(third);
    (srv.stop)();
    srv.join();
}

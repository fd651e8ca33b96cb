//! The blocking server adapter end to end on loopback: a real `TcpStream` + rustls client
//! written in the test speaks to `io::blocking::server::Server`. Transcripts are spelled out
//! as `C:` / `S:` exchanges.
#![cfg(feature = "rustls")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ftps_proto::io::blocking::server::{DataTickets, Server, ServerOptions, StopHandle, User};
use ftps_proto::io::tls::{ClientTlsOptions, ServerIdentity, ServerTlsOptions, TrustRoots};
use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, StreamOwned};

struct Running {
    explicit: SocketAddr,
    implicit: SocketAddr,
    root: PathBuf,
    client: Arc<ClientConfig>,
    cert: CertificateDer<'static>,
    stop: StopHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn start(tag: &str, config: Config) -> Running {
    start_with(tag, config, DataTickets::default())
}

fn start_with(tag: &str, config: Config, tickets: DataTickets) -> Running {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = CertificateDer::from(ck.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let tls = ServerTlsOptions::new(ServerIdentity::Loaded {
        chain: vec![cert.clone()],
        key: Arc::new(key),
    })
    .build()
    .unwrap();
    let root =
        std::env::temp_dir().join(format!("ftps-proto-session-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("pub")).unwrap();
    std::fs::write(root.join("pub/hello.txt"), b"hello\r\n").unwrap();
    let mut o = ServerOptions::new(tls, root.clone());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.implicit = Some("127.0.0.1:0".parse().unwrap());
    o.users.push(User::with_password("alice", "secret"));
    o.session = config;
    o.data_tickets = tickets;
    let server = Server::bind(o).unwrap();
    let explicit = server.explicit_addr().unwrap();
    let implicit = server.implicit_addr().unwrap();
    let stop = server.stop_handle();
    let thread = std::thread::spawn(move || server.run().unwrap());
    let mut c = ClientTlsOptions::default();
    c.roots = TrustRoots::Certificates(vec![cert.clone()]);
    Running {
        explicit,
        implicit,
        root,
        client: c.build().unwrap(),
        cert,
        stop,
        thread: Some(thread),
    }
}

fn strict() -> Config {
    Config::default()
        .with_control(ControlPolicy::Required)
        .with_data(DataPolicy::Required)
        .with_login_attempts(3, Duration::from_millis(10))
}

enum Conn {
    Clear(TcpStream),
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
struct Client {
    ctl: Option<BufReader<Conn>>,
    config: Arc<ClientConfig>,
}

fn tls(config: &Arc<ClientConfig>, tcp: TcpStream) -> Conn {
    let c =
        ClientConnection::new(config.clone(), ServerName::try_from("localhost").unwrap()).unwrap();
    Conn::Tls(Box::new(StreamOwned::new(c, tcp)))
}

impl Client {
    fn connect(addr: SocketAddr, config: &Arc<ClientConfig>, implicit: bool) -> Client {
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
    fn reply(&mut self) -> (u16, String) {
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
    fn cmd(&mut self, cmd: &str, want: u16) -> String {
        let r = self.ctl.as_mut().unwrap().get_mut();
        r.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        r.flush().unwrap();
        let (code, text) = self.reply();
        assert_eq!(code, want, "C: {cmd}  S: {text}");
        text
    }

    /// C: a transfer command, S: 150 (connection about to open) or 125 (already open: the
    /// client connected first), both right per RFC 959 §4.2.
    fn start(&mut self, cmd: &str) {
        let r = self.ctl.as_mut().unwrap().get_mut();
        r.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        r.flush().unwrap();
        let (code, text) = self.reply();
        assert!(code == 150 || code == 125, "C: {cmd}  S: {text}");
    }

    fn auth_tls(&mut self) {
        self.cmd("AUTH TLS", 234);
        let Conn::Clear(tcp) = self.ctl.take().unwrap().into_inner() else {
            panic!("already TLS")
        };
        self.ctl = Some(BufReader::new(tls(&self.config, tcp)));
    }

    fn login_private(&mut self) {
        self.cmd("USER alice", 331);
        self.cmd("PASS secret", 230);
        self.cmd("PBSZ 0", 200);
        self.cmd("PROT P", 200);
        self.cmd("TYPE I", 200);
    }

    /// C: EPSV, then connects the data connection and (PROT P) starts TLS with `config`.
    fn epsv(&mut self, config: &Arc<ClientConfig>) -> Conn {
        let text = self.cmd("EPSV", 229);
        let port: u16 = text
            .split("|||")
            .nth(1)
            .unwrap()
            .split('|')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        tls(config, tcp)
    }
}

fn handshake(c: &mut Conn) {
    if let Conn::Tls(s) = c {
        while s.conn.is_handshaking() {
            s.conn.complete_io(&mut s.sock).unwrap();
        }
    }
}

#[test]
fn explicit_ftps_upload_and_download_with_close_notify() {
    let srv = start("updown", strict());
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

#[test]
fn upload_without_close_notify_is_426_never_226() {
    let srv = start("trunc", strict());
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

#[test]
fn implicit_ftps_greets_only_after_tls() {
    let srv = start("implicit", strict());
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

#[test]
fn data_connection_that_does_not_resume_the_control_session_is_refused() {
    let srv = start("resume", strict());
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

#[test]
fn the_root_is_a_jail_for_the_session() {
    let srv = start("jail", strict());
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

#[test]
fn wrong_password_is_530_and_the_user_list_is_enforced() {
    let srv = start("login", strict());
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.cmd("USER alice", 331);
    c.cmd("PASS wrong", 530);
    c.cmd("USER mallory", 331); // RFC 2577 §5: no hint whether the user exists
    c.cmd("PASS secret", 530);
    c.cmd("USER anonymous", 530); // anonymous is off by default
}

/// curl's order (TLS on the data connection before STOR), `n` times in one session, by a
/// rustls client, which spends each TLS 1.3 ticket once. Returns the reply to each upload.
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

#[test]
fn early_handshake_uploads_resume_with_the_control_tickets() {
    // Default (DataTickets::Downloads): no tickets on these data connections, 8 from the
    // control connection, so a rustls client resumes 8 uploads; the 9th is refused (522).
    let srv = start("tickets-default", strict());
    let codes = early_handshake_uploads(&srv, 9);
    assert_eq!(codes, [226, 226, 226, 226, 226, 226, 226, 226, 522]);
}

#[test]
fn with_data_tickets_always_a_rustls_client_never_runs_out() {
    let srv = start_with("tickets-always", strict(), DataTickets::Always);
    let codes = early_handshake_uploads(&srv, 12);
    assert!(codes.iter().all(|&c| c == 226), "{codes:?}");
}

#[test]
fn type_a_stores_lf_and_sends_crlf() {
    let srv = start("ascii", strict());
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

#[test]
fn client_certificate_logs_its_user_in_with_232() {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    };
    let dir = std::env::temp_dir().join(format!("ftps-proto-certlogin-{}", std::process::id()));
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

    let server_ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let server_cert = CertificateDer::from(server_ck.cert.der().to_vec());
    let mut tls = ServerTlsOptions::new(ServerIdentity::Loaded {
        chain: vec![server_cert.clone()],
        key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            server_ck.key_pair.serialize_der(),
        ))),
    });
    tls.client_ca = Some(dir.join("ca.pem"));
    let mut o = ServerOptions::new(tls.build().unwrap(), dir.join("root"));
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.session = strict().with_certificate_login(true);
    o.users.push(User::with_certificate(
        "alice",
        CertificateDer::from(alice.der().to_vec()),
    ));
    o.users.push(User::with_password("bob", "pw"));
    let server = Server::bind(o).unwrap();
    let addr = server.explicit_addr().unwrap();
    let stop = server.stop_handle();
    let thread = std::thread::spawn(move || server.run().unwrap());

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

    stop.stop();
    thread.join().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn abor_during_a_download_is_426_then_226_and_the_session_goes_on() {
    let srv = start("abor", strict());
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

#[test]
fn anonymous_login_is_read_only() {
    let srv = start("anon", strict().with_anonymous(true));
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

#[test]
fn exit_after_one_session_the_server_stops() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let tls = ServerTlsOptions::new(ServerIdentity::Loaded {
        chain: vec![CertificateDer::from(ck.cert.der().to_vec())],
        key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            ck.key_pair.serialize_der(),
        ))),
    })
    .build()
    .unwrap();
    let mut o = ServerOptions::new(tls, std::env::temp_dir());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.exit_after = Some(1);
    let server = Server::bind(o).unwrap();
    let addr = server.explicit_addr().unwrap();
    let thread = std::thread::spawn(move || server.run().unwrap());
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
    thread.join().unwrap();
}

#[test]
fn ccc_returns_the_control_connection_to_clear_text() {
    let srv = start("ccc", strict().with_ccc(true));
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

#[test]
fn sessions_beyond_max_sessions_get_421() {
    let srv = {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let tls = ServerTlsOptions::new(ServerIdentity::Loaded {
            chain: vec![CertificateDer::from(ck.cert.der().to_vec())],
            key: Arc::new(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                ck.key_pair.serialize_der(),
            ))),
        })
        .build()
        .unwrap();
        let mut o = ServerOptions::new(tls, std::env::temp_dir());
        o.explicit = Some("127.0.0.1:0".parse().unwrap());
        o.max_sessions = 1;
        Server::bind(o).unwrap()
    };
    let addr = srv.explicit_addr().unwrap();
    let stop = srv.stop_handle();
    let thread = std::thread::spawn(move || srv.run().unwrap());
    let read4 = |s: &mut TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        b
    };
    let mut first = TcpStream::connect(addr).unwrap();
    assert_eq!(&read4(&mut first), b"220 ");
    let mut second = TcpStream::connect(addr).unwrap();
    assert_eq!(&read4(&mut second), b"421 ");
    // Once the first session ends, a new one is served.
    first.write_all(b"QUIT\r\n").unwrap();
    let mut rest = Vec::new();
    let _ = first.read_to_end(&mut rest);
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
    stop.stop();
    thread.join().unwrap();
}

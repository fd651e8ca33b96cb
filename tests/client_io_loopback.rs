//! The blocking client adapter against a tiny scripted FTPS server on 127.0.0.1, over real
//! sockets and rustls. Each test reads as the transcript the server plays (`S:` lines it
//! sends, `C:` lines it expects), and the server checks what real servers check: TLS on the
//! data connection resumes the control session (vsftpd `require_ssl_reuse`, ProFTPD), an
//! upload ends with close_notify (vsftpd `strict_ssl_read_eof`), nothing is reset under it.
#![cfg(feature = "rustls")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ftps_proto::client::{CloseReason, DataMode, Failure, Login, ProtocolErrorKind, Security};
use ftps_proto::codec::Command;
use ftps_proto::io::blocking::client::{BlockingClient, Error, Options};
use ftps_proto::io::tls::{
    per_session_config, ClientTlsOptions, ServerIdentity, ServerTlsOptions, TlsVersions, TrustRoots,
};
use ftps_proto::types::{DataEnd, Password, Pathname, Text, Username};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{HandshakeKind, ServerConfig, ServerConnection, StreamOwned};

#[path = "server_io_support/identity.rs"]
mod identity;

// ---------------------------------------------------------------------------------------
// The scripted server
// ---------------------------------------------------------------------------------------

type TlsStream = StreamOwned<ServerConnection, TcpStream>;

/// The server's side of the control connection, in clear or under TLS.
struct Control {
    clear: Option<BufReader<TcpStream>>,
    tls: Option<BufReader<TlsStream>>,
    config: Arc<ServerConfig>,
}

impl Control {
    /// `C: <line>`: the next command, CRLF removed.
    fn recv(&mut self) -> String {
        let mut line = String::new();
        let n = match (&mut self.clear, &mut self.tls) {
            (_, Some(t)) => t.read_line(&mut line),
            (Some(c), None) => c.read_line(&mut line),
            _ => unreachable!(),
        }
        .expect("server: reading a command");
        assert!(n > 0, "server: the client closed the control connection");
        assert!(
            line.ends_with("\r\n"),
            "server: command without CRLF: {line:?}"
        );
        line.truncate(line.len() - 2);
        line
    }

    /// Asserts the next command is exactly `want`.
    fn expect(&mut self, want: &str) {
        let got = self.recv();
        assert_eq!(got, want, "server: unexpected command");
    }

    /// `S: <text>` (may hold several CRLF-separated lines).
    fn send(&mut self, text: &str) {
        let bytes = format!("{text}\r\n");
        match (&mut self.clear, &mut self.tls) {
            (_, Some(t)) => {
                t.get_mut().write_all(bytes.as_bytes()).unwrap();
                t.get_mut().flush().unwrap();
            }
            (Some(c), None) => c.get_mut().write_all(bytes.as_bytes()).unwrap(),
            _ => unreachable!(),
        }
    }

    /// The TLS handshake after `234` (or first, for implicit TLS).
    fn start_tls(&mut self) {
        let clear = self.clear.take().unwrap();
        assert!(
            clear.buffer().is_empty(),
            "client sent bytes before the 234"
        );
        let mut tcp = clear.into_inner();
        let mut conn = ServerConnection::new(self.config.clone()).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)
                .expect("server: control handshake");
        }
        self.tls = Some(BufReader::new(StreamOwned::new(conn, tcp)));
    }

    /// The usual explicit-TLS opening and login as alice, ending with `TYPE I`.
    fn explicit_login(&mut self) {
        self.send("220 scripted server ready");
        self.expect("AUTH TLS");
        self.send("234 Proceed with negotiation.");
        self.start_tls();
        self.login_after_tls();
    }

    fn login_after_tls(&mut self) {
        self.expect("USER alice");
        self.send("331 Please specify the password.");
        self.expect("PASS secret");
        self.send("230 Login successful.");
        self.expect("PBSZ 0");
        self.send("200 PBSZ set to 0.");
        self.expect("PROT P");
        self.send("200 PROT now Private.");
        self.expect("FEAT");
        self.send("211-Features:\r\n EPSV\r\n REST STREAM\r\n SIZE\r\n211 End");
        self.expect("TYPE I");
        self.send("200 Switching to Binary mode.");
    }

    /// `C: EPSV` / `S: 229 ...`: returns the listener the client will connect to.
    fn passive(&mut self) -> TcpListener {
        self.expect("EPSV");
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        self.send(&format!("229 Entering Extended Passive Mode (|||{port}|)"));
        l
    }

    /// Accepts the data connection and runs the server side of its TLS handshake; returns
    /// the stream and whether it resumed the control session.
    fn data_tls(&self, listener: &TcpListener) -> (TlsStream, bool) {
        let (tcp, _) = listener.accept().unwrap();
        self.data_tls_on(tcp)
    }

    fn data_tls_on(&self, mut tcp: TcpStream) -> (TlsStream, bool) {
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut conn = ServerConnection::new(self.config.clone()).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp).expect("server: data handshake");
        }
        let resumed = conn.handshake_kind() == Some(HandshakeKind::Resumed);
        // TLS 1.3 tickets go out now, as OpenSSL servers send them: the client must read
        // them before it closes, or its close resets the connection.
        while conn.wants_write() {
            conn.write_tls(&mut tcp).unwrap();
        }
        (StreamOwned::new(conn, tcp), resumed)
    }

    fn quit(&mut self) {
        self.expect("QUIT");
        self.send("221 Goodbye.");
    }
}

/// Sends `data` and ends the stream with close_notify (a correct server).
fn send_file(d: &mut TlsStream, data: &[u8]) {
    d.write_all(data).unwrap();
    d.conn.send_close_notify();
    d.flush().unwrap();
}

/// Reads an upload: `Ok` after the client's close_notify, `Err` on EOF without one.
fn read_upload(d: &mut TlsStream) -> Result<Vec<u8>, (Vec<u8>, std::io::ErrorKind)> {
    let mut got = Vec::new();
    match d.read_to_end(&mut got) {
        Ok(_) => Ok(got),
        Err(e) => Err((got, e.kind())),
    }
}

struct Fixture {
    options: Options,
    server: Arc<ServerConfig>,
}

fn fixture(versions: TlsVersions) -> Fixture {
    fixture_with(versions, None)
}

/// `client_ca`: the server asks for client certificates and verifies them against it.
fn fixture_with(versions: TlsVersions, client_ca: Option<std::path::PathBuf>) -> Fixture {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = CertificateDer::from(ck.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let mut s = ServerTlsOptions::new(ServerIdentity::Loaded {
        chain: vec![cert.clone()],
        key: Arc::new(key),
    });
    s.versions = versions;
    s.client_ca = client_ca;
    // One session cache and ticket key per control connection, as vsftpd: a data connection
    // can only resume its own control session.
    let server = per_session_config(&s.build().unwrap()).unwrap();
    let mut tls = ClientTlsOptions::default();
    tls.roots = TrustRoots::Certificates(vec![cert]);
    tls.versions = versions;
    let mut options = Options::default()
        .with_tls(tls)
        .with_tls_server_name("localhost");
    options.config.timeouts.reply = Some(Duration::from_secs(5));
    options.config.timeouts.data = Some(Duration::from_secs(5));
    options.config.timeouts.tls = Some(Duration::from_secs(5));
    options.config.timeouts.connect = Some(Duration::from_secs(5));
    Fixture { options, server }
}

/// Starts the scripted server; `script` plays the server's side of the transcript.
fn serve<T: Send + 'static>(
    f: &Fixture,
    script: impl FnOnce(&mut Control) -> T + Send + 'static,
) -> (u16, JoinHandle<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = f.server.clone();
    let handle = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut c = Control {
            clear: Some(BufReader::new(tcp)),
            tls: None,
            config,
        };
        script(&mut c)
    });
    (port, handle)
}

fn alice() -> Login {
    Login::new(
        Username::try_from("alice").unwrap(),
        Password::try_from("secret").unwrap(),
    )
}

fn connect(port: u16, options: Options) -> Result<BlockingClient, Error> {
    BlockingClient::connect_to(("127.0.0.1", port), "localhost", options)
}

fn p(s: &'static str) -> Pathname<'static> {
    Pathname::try_from(s).unwrap()
}

fn file(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------

#[test]
fn download_over_resumed_data_tls_tls13_and_tls12() {
    for versions in [TlsVersions::Tls13Only, TlsVersions::Tls12Only] {
        let f = fixture(versions);
        let body = file(2 * 1024 * 1024 + 5);
        let sent = body.clone();
        let (port, server) = serve(&f, move |c| {
            c.explicit_login();
            let l = c.passive();
            c.expect("RETR big.bin");
            c.send("150 Opening BINARY mode data connection for big.bin (2097157 bytes).");
            let (mut d, resumed) = c.data_tls(&l);
            send_file(&mut d, &sent);
            c.send("226 Transfer complete.");
            c.quit();
            resumed
        });
        let mut client = connect(port, f.options).unwrap();
        client.login(alice()).unwrap();
        let mut got = Vec::new();
        let n = client.retrieve(p("big.bin"), 0, &mut got).unwrap();
        client.quit().unwrap();
        assert!(
            server.join().unwrap(),
            "{versions:?}: data TLS resumed the control session"
        );
        assert_eq!(n, body.len() as u64);
        assert!(got == body, "{versions:?}: the file arrived intact");
    }
}

#[test]
fn upload_ends_with_close_notify_and_waits_for_the_server() {
    let f = fixture(TlsVersions::Tls13Only);
    let body = file(3 * 1024 * 1024 + 1);
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        let l = c.passive();
        c.expect("STOR up.bin");
        c.send("150 Ok to send data.");
        let (mut d, resumed) = c.data_tls(&l);
        // A server that writes to a slow disk reads late; nothing may be lost meanwhile.
        std::thread::sleep(Duration::from_millis(100));
        let got = read_upload(&mut d);
        // Our close_notify back; the client closes only after it: EOF, not a reset.
        d.conn.send_close_notify();
        d.flush().unwrap();
        let mut rest = [0u8; 16];
        let after = d.sock.read(&mut rest).map_err(|e| e.kind());
        c.send("226 Transfer complete.");
        c.quit();
        (got, resumed, after)
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let n = client.store(p("up.bin"), &mut &body[..]).unwrap();
    client.quit().unwrap();
    let (got, resumed, after) = server.join().unwrap();
    assert!(resumed);
    assert_eq!(n, body.len() as u64);
    let got = got.expect("the upload ended with close_notify");
    assert!(got == body, "the server received every byte");
    assert_eq!(
        after,
        Ok(0),
        "the client closed with a FIN after the server's close_notify"
    );
}

#[test]
fn a_download_without_close_notify_fails_even_with_226() {
    let f = fixture(TlsVersions::Tls13Only);
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        let l = c.passive();
        c.expect("RETR cut.bin");
        c.send("150 Here it comes.");
        let (mut d, _) = c.data_tls(&l);
        d.write_all(&file(100_000)).unwrap();
        d.flush().unwrap();
        // Truncation: a FIN where the close_notify should be.
        d.sock.shutdown(Shutdown::Both).unwrap();
        c.send("226 Transfer complete.");
        c.quit();
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let mut got = Vec::new();
    let e = client.retrieve(p("cut.bin"), 0, &mut got).unwrap_err();
    match &e {
        Error::Failed {
            failure:
                Failure::DataConnection {
                    end: DataEnd::Truncated,
                    reply: Some(r),
                },
            ..
        } => assert_eq!(r.code().value(), 226),
        other => panic!("expected a truncated transfer, got {other:?}"),
    }
    assert!(e.to_string().contains("without TLS close_notify"), "{e}");
    assert!(e.to_string().contains("226 Transfer complete."), "{e}");
    // The session is still usable.
    client.quit().unwrap();
    server.join().unwrap();
}

#[test]
fn a_refusal_returns_the_servers_reply_and_the_session_goes_on() {
    let f = fixture(TlsVersions::Both);
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        let l = c.passive();
        c.expect("RETR missing.bin");
        c.send("550 Failed to open file.");
        drop(l);
        c.expect("SIZE hello.txt");
        c.send("213 26");
        c.expect("SYST");
        c.send("215 UNIX Type: L8");
        c.expect("SITE CHMOD 600 hello.txt");
        c.send("500 Unknown SITE command.");
        c.quit();
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let mut got = Vec::new();
    let e = client.retrieve(p("missing.bin"), 0, &mut got).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the server refused: 550 Failed to open file."
    );
    assert_eq!(e.reply().unwrap().code().value(), 550);
    assert!(!e.is_fatal());
    assert_eq!(client.size(p("hello.txt")).unwrap(), 26);
    let syst = client.raw(Command::Syst).unwrap();
    assert_eq!(syst.code().value(), 215);
    assert_eq!(syst.text(), b"UNIX Type: L8");
    let e = client
        .site(Text::try_from("CHMOD 600 hello.txt").unwrap())
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the server refused: 500 Unknown SITE command."
    );
    client.quit().unwrap();
    server.join().unwrap();
}

#[test]
fn resume_sends_rest_with_the_local_length() {
    let f = fixture(TlsVersions::Tls13Only);
    let body = file(500_000);
    let tail = body[123_456..].to_vec();
    let (port, server) = serve(&f, move |c| {
        c.explicit_login();
        let l = c.passive();
        c.expect("REST 123456");
        c.send("350 Restart position accepted (123456).");
        c.expect("RETR r.bin");
        c.send("150 Opening BINARY mode data connection.");
        let (mut d, _) = c.data_tls(&l);
        send_file(&mut d, &tail);
        c.send("226 Transfer complete.");
        c.quit();
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let mut local = body[..123_456].to_vec();
    client.retrieve(p("r.bin"), 123_456, &mut local).unwrap();
    client.quit().unwrap();
    server.join().unwrap();
    assert!(local == body);
}

#[test]
fn implicit_tls_and_active_mode() {
    let mut f = fixture(TlsVersions::Tls13Only);
    f.options.config.security = Security::Implicit;
    f.options.config.data_mode = DataMode::Active;
    let (port, server) = serve(&f, |c| {
        c.start_tls();
        c.send("220 implicit server ready");
        c.login_after_tls();
        let cmd = c.recv();
        // EPRT |1|127.0.0.1|port|
        let port: u16 = cmd
            .strip_prefix("EPRT |1|127.0.0.1|")
            .and_then(|r| r.strip_suffix('|'))
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("server: expected EPRT, got {cmd:?}"));
        c.send("200 EPRT command successful.");
        c.expect("LIST");
        // The server connects; the client is still the TLS client (RFC 4217 §7).
        let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.send("150 Here comes the directory listing.");
        let (mut d, resumed) = c.data_tls_on(tcp);
        send_file(
            &mut d,
            b"-rw-r--r-- 1 ftp ftp 26 Jan 01 00:00 hello.txt\r\n",
        );
        c.send("226 Directory send OK.");
        c.quit();
        resumed
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let mut listing = Vec::new();
    client.list(None, &mut listing).unwrap();
    client.quit().unwrap();
    assert!(
        server.join().unwrap(),
        "active data TLS resumed the control session"
    );
    assert_eq!(
        listing,
        b"-rw-r--r-- 1 ftp ftp 26 Jan 01 00:00 hello.txt\r\n"
    );
}

#[test]
fn an_active_mode_refusal_does_not_wait_for_the_data_timeout() {
    let mut f = fixture(TlsVersions::Tls13Only);
    f.options.config.data_mode = DataMode::Active;
    f.options.config.timeouts.data = Some(Duration::from_secs(20));
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        let cmd = c.recv();
        assert!(cmd.starts_with("EPRT |1|127.0.0.1|"), "{cmd}");
        c.send("200 EPRT command successful.");
        c.expect("RETR nope.bin");
        c.send("550 Permission denied.");
        c.quit();
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let started = Instant::now();
    let e = client
        .retrieve(p("nope.bin"), 0, &mut Vec::new())
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.reply().unwrap().code().value(), 550);
    client.quit().unwrap();
    server.join().unwrap();
}

#[test]
fn plaintext_glued_behind_234_is_refused_before_any_credential() {
    let f = fixture(TlsVersions::Tls13Only);
    let (port, server) = serve(&f, |c| {
        c.send("220 scripted server ready");
        c.expect("AUTH TLS");
        // An attacker on the path appends a forged reply in clear behind the 234.
        c.send("234 Proceed with negotiation.\r\n230 Logged in, no password needed.");
        let mut rest = Vec::new();
        let _ = c.clear.as_mut().unwrap().read_to_end(&mut rest);
        rest
    });
    let e = connect(port, f.options).unwrap_err();
    match &e {
        Error::Closed {
            reason: CloseReason::Protocol(p),
            ..
        } => assert!(
            matches!(p.kind, ProtocolErrorKind::PlaintextAfterAuth { .. }),
            "{p:?}"
        ),
        other => panic!("expected a protocol close, got {other:?}"),
    }
    let after = server.join().unwrap();
    // Nothing left the client after the injection: no TLS hello, no credential.
    assert!(after.is_empty(), "nothing after the injection: {after:?}");
}

#[test]
fn an_unknown_certificate_fails_the_handshake_and_names_the_reason() {
    let f = fixture(TlsVersions::Tls13Only);
    let mut options = f.options.clone();
    // Trust another CA than the one that signed the server.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let mut tls = ClientTlsOptions::default();
    tls.roots = TrustRoots::Certificates(vec![CertificateDer::from(other.cert.der().to_vec())]);
    options.tls = tls;
    let (port, server) = serve(&f, |c| {
        c.send("220 scripted server ready");
        c.expect("AUTH TLS");
        c.send("234 Proceed with negotiation.");
        let mut tcp = c.clear.take().unwrap().into_inner();
        let mut conn = ServerConnection::new(c.config.clone()).unwrap();
        let mut failed = false;
        while conn.is_handshaking() {
            if conn.complete_io(&mut tcp).is_err() {
                failed = true;
                break;
            }
        }
        failed
    });
    let e = connect(port, options).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Closed {
                reason: CloseReason::TlsFailed,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("invalid peer certificate"), "{e}");
    assert!(server.join().unwrap(), "the server saw the handshake fail");
}

#[test]
fn a_silent_server_times_out_at_the_reply_deadline() {
    let mut f = fixture(TlsVersions::Tls13Only);
    f.options.config.timeouts.reply = Some(Duration::from_millis(300));
    let (port, server) = serve(&f, |c| {
        c.send("220 scripted server ready");
        c.expect("AUTH TLS");
        c.send("234 Proceed with negotiation.");
        c.start_tls();
        c.expect("USER alice");
        // ... and never answers.
        std::thread::sleep(Duration::from_millis(1500));
    });
    let mut client = connect(port, f.options).unwrap();
    let started = Instant::now();
    let e = client.login(alice()).unwrap_err();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_millis(1200),
        "{took:?}"
    );
    assert!(e.to_string().contains("no reply in time"), "{e}");
    server.join().unwrap();
}

#[test]
fn the_transcript_shows_tls_and_commands_but_never_the_password() {
    let f = fixture(TlsVersions::Tls13Only);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let options = f
        .options
        .clone()
        .with_trace(move |l| sink.lock().unwrap().push(l.to_owned()));
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        c.quit();
    });
    let mut client = connect(port, options).unwrap();
    client.login(alice()).unwrap();
    client.quit().unwrap();
    server.join().unwrap();
    let all = lines.lock().unwrap().join("\n");
    assert!(all.contains("C: AUTH TLS"), "{all}");
    assert!(all.contains("control TLS: TLSv1_3"), "{all}");
    assert!(all.contains("C: PASS <redacted>"), "{all}");
    assert!(all.contains("S: 230 Login successful."), "{all}");
    assert!(!all.contains("secret"), "{all}");
}

#[test]
fn plain_ftp_only_when_asked_moves_data_in_clear() {
    let mut f = fixture(TlsVersions::Both);
    f.options.config.security = Security::Plain;
    let body = file(300_000);
    let expected = body.clone();
    let (port, server) = serve(&f, move |c| {
        c.send("220 plain server");
        c.expect("USER alice");
        c.send("331 Password?");
        c.expect("PASS secret");
        c.send("230 Logged in.");
        c.expect("FEAT");
        c.send("211 no features");
        c.expect("TYPE I");
        c.send("200 Binary.");
        let l = c.passive();
        c.expect("STOR clear.bin");
        let (mut d, _) = l.accept().unwrap();
        c.send("150 Ok to send data.");
        let mut got = Vec::new();
        d.read_to_end(&mut got).unwrap();
        drop(d);
        c.send("226 Transfer complete.");
        let l = c.passive();
        c.expect("RETR clear.bin");
        let (mut d, _) = l.accept().unwrap();
        c.send("150 Here it comes.");
        d.write_all(&got).unwrap();
        drop(d);
        c.send("226 Transfer complete.");
        c.quit();
        got
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    assert_eq!(client.tls_version(), None);
    client.store(p("clear.bin"), &mut &body[..]).unwrap();
    let mut back = Vec::new();
    client.retrieve(p("clear.bin"), 0, &mut back).unwrap();
    client.quit().unwrap();
    assert!(server.join().unwrap() == expected);
    assert!(back == expected);
}

#[test]
fn an_abort_from_another_thread_stops_the_download_and_the_session_goes_on() {
    let f = fixture(TlsVersions::Tls13Only);
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        let l = c.passive();
        c.expect("RETR endless.bin");
        c.send("150 Opening BINARY mode data connection.");
        let (mut d, _) = c.data_tls(&l);
        // Much more than the client wants; stop when it drops the connection.
        let chunk = vec![7u8; 64 * 1024];
        let mut sent = 0usize;
        while sent < 512 * 1024 * 1024 {
            if d.write_all(&chunk).and_then(|_| d.flush()).is_err() {
                break;
            }
            sent += chunk.len();
        }
        c.expect("ABOR");
        c.send("426 Connection closed; transfer aborted.");
        c.send("226 ABOR successful.");
        c.expect("NOOP");
        c.send("200 NOOP ok.");
        c.quit();
        sent
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let handle = client.abort_handle();
    client.set_progress(move |p| {
        if p.bytes >= 1024 * 1024 {
            handle.abort();
        }
    });
    let mut got = Vec::new();
    let e = client.retrieve(p("endless.bin"), 0, &mut got).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Failed {
                failure: Failure::Aborted,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(got.len() >= 1024 * 1024 && got.len() < 512 * 1024 * 1024);
    client.noop().unwrap();
    client.quit().unwrap();
    let sent = server.join().unwrap();
    assert!(
        sent < 512 * 1024 * 1024,
        "the server noticed the dropped connection"
    );
}

#[test]
fn a_client_certificate_is_presented_on_control_and_data() {
    use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
    let dir = std::env::temp_dir().join(format!("ftps-client-io-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["alice".to_owned()]).unwrap();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
    let (ca_pem, cert_pem, key_pem) = (
        dir.join("ca.pem"),
        dir.join("alice.pem"),
        dir.join("alice.key"),
    );
    std::fs::write(&ca_pem, ca.pem()).unwrap();
    std::fs::write(&cert_pem, cert.pem()).unwrap();
    std::fs::write(&key_pem, key.serialize_pem()).unwrap();

    let mut f = fixture_with(TlsVersions::Tls13Only, Some(ca_pem));
    f.options.tls.client_certificate = Some((cert_pem, key_pem));
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        let control_cert = c
            .tls
            .as_ref()
            .and_then(|t| t.get_ref().conn.peer_certificates().map(|p| p.len()));
        let l = c.passive();
        c.expect("RETR a.txt");
        c.send("150 Here it comes.");
        let (mut d, resumed) = c.data_tls(&l);
        let data_cert = d.conn.peer_certificates().map(|p| p.len());
        send_file(&mut d, b"for alice");
        c.send("226 Transfer complete.");
        c.quit();
        (control_cert, data_cert, resumed)
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let mut got = Vec::new();
    client.retrieve(p("a.txt"), 0, &mut got).unwrap();
    client.quit().unwrap();
    let (control_cert, data_cert, resumed) = server.join().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        control_cert,
        Some(1),
        "the control handshake carried the certificate"
    );
    assert!(resumed);
    assert_eq!(
        data_cert,
        Some(1),
        "the resumed data session carries it too"
    );
    assert_eq!(got, b"for alice");
}

#[test]
fn an_upload_does_not_wait_for_a_server_that_keeps_the_data_connection_open() {
    let mut f = fixture(TlsVersions::Tls13Only);
    f.options.config.timeouts.data = Some(Duration::from_secs(20));
    let body = file(1024 * 1024);
    let (port, server) = serve(&f, |c| {
        c.explicit_login();
        let l = c.passive();
        c.expect("STOR lazy.bin");
        c.send("150 Ok to send data.");
        let (mut d, _) = c.data_tls(&l);
        let got = read_upload(&mut d);
        // Reply at once, but leave the data connection open until the client closes it.
        c.send("226 Transfer complete.");
        let mut rest = [0u8; 16];
        let after = d.sock.read(&mut rest).map_err(|e| e.kind());
        c.quit();
        (got.map(|g| g.len()), after)
    });
    let mut client = connect(port, f.options).unwrap();
    client.login(alice()).unwrap();
    let started = Instant::now();
    client.store(p("lazy.bin"), &mut &body[..]).unwrap();
    let took = started.elapsed();
    client.quit().unwrap();
    let (got, after) = server.join().unwrap();
    assert_eq!(got, Ok(body.len()));
    assert_eq!(after, Ok(0), "closed with a FIN");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

// ---------------------------------------------------------------------------------------
// Against our own blocking server: the requests beyond the basics (FEAT, CDUP, STOU, TYPE,
// REIN, REST+STOR, PBSZ/PROT, AUTH TLS in a clear session), checked against what the
// server really did, with the client's transcript as the record of what went over the wire.
// ---------------------------------------------------------------------------------------

/// Our blocking server on 127.0.0.1 serving a fresh directory to alice, and client options
/// that trust it and record the transcript. Stops the server and removes the directory
/// when dropped.
struct OurServer {
    addr: std::net::SocketAddr,
    root: std::path::PathBuf,
    stop: ftps_proto::io::blocking::server::StopHandle,
    running: Option<JoinHandle<()>>,
    options: Options,
    lines: Arc<Mutex<Vec<String>>>,
}

impl OurServer {
    fn start(tag: &str, session: ftps_proto::server::Config) -> OurServer {
        use ftps_proto::io::blocking::server::{Server, ServerOptions, User};
        let (cert, tls) = identity::localhost();
        let root =
            std::env::temp_dir().join(format!("ftps-proto-client-io-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let mut o = ServerOptions::new(tls.build().unwrap(), root.clone());
        o.explicit = Some("127.0.0.1:0".parse().unwrap());
        o.users.push(User::with_password("alice", "secret"));
        o.session = session;
        let server = Server::bind(o).unwrap();
        let addr = server.explicit_addr().unwrap();
        let stop = server.stop_handle();
        let running = std::thread::spawn(move || server.run().unwrap());
        let mut tls = ClientTlsOptions::default();
        tls.roots = TrustRoots::Certificates(vec![cert]);
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = lines.clone();
        let mut options = Options::default()
            .with_tls(tls)
            .with_tls_server_name("localhost")
            .with_trace(move |l| sink.lock().unwrap().push(l.to_owned()));
        let t = &mut options.config.timeouts;
        for limit in [&mut t.reply, &mut t.data, &mut t.tls, &mut t.connect] {
            *limit = Some(Duration::from_secs(10));
        }
        OurServer {
            addr,
            root,
            stop,
            running: Some(running),
            options,
            lines,
        }
    }

    /// TLS required on both channels (the server's default).
    fn strict(tag: &str) -> OurServer {
        OurServer::start(tag, ftps_proto::server::Config::default())
    }

    fn connect(&self) -> BlockingClient {
        BlockingClient::connect_to(self.addr, "localhost", self.options.clone()).unwrap()
    }

    fn logged_in(&self) -> BlockingClient {
        let mut c = self.connect();
        c.login(alice()).unwrap();
        c
    }

    /// The transcript so far, one line each.
    fn transcript(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }
}

impl Drop for OurServer {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(r) = self.running.take() {
            let _ = r.join();
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// RFC 7151 §4: with `config.host` set (and no `tls_server_name`), the adapter checks the
/// certificate against the HOST name, whatever name the caller connected with; our server
/// checks the same name against the HOST (SNI). Without it, the wrong name fails TLS.
#[test]
fn the_host_name_is_the_tls_server_name() {
    let s = OurServer::strict("hostname");
    let mut options = s.options.clone();
    options.tls_server_name = None;
    let err = BlockingClient::connect_to(s.addr, "wrong.example", options.clone());
    assert!(
        err.is_err(),
        "connected with a name the certificate does not carry"
    );
    options.config.host = Some(ftps_proto::types::Hostname::try_from("localhost").unwrap());
    let mut c = BlockingClient::connect_to(s.addr, "wrong.example", options).unwrap();
    c.login(alice()).unwrap();
    c.quit().unwrap();
    assert!(
        s.transcript().contains("C: HOST localhost"),
        "{}",
        s.transcript()
    );
}

/// C: FEAT / S: 211-...: the features our server announces come back parsed, and are the
/// ones the client keeps.
#[test]
fn feat_returns_what_our_server_announces() {
    let s = OurServer::strict("feat");
    let mut c = s.logged_in();
    let features = c.feat().unwrap();
    for name in [
        "UTF8", "MLST", "AUTH", "PBSZ", "PROT", "EPSV", "SIZE", "REST",
    ] {
        assert!(features.contains(name), "{name} missing from {features:?}");
    }
    assert!(
        features
            .get_all("AUTH")
            .any(|f| f.parameters().as_bytes() == b"TLS"),
        "{features:?}"
    );
    assert_eq!(c.features(), &features);
    c.quit().unwrap();
    // Once at login, once asked for.
    assert_eq!(
        s.transcript().matches("C: FEAT").count(),
        2,
        "{}",
        s.transcript()
    );
}

/// C: CWD sub, C: CDUP: PWD goes from `/sub` back to `/`.
#[test]
fn cdup_after_cwd_returns_to_the_parent() {
    let s = OurServer::strict("cdup");
    let mut c = s.logged_in();
    c.mkdir(p("sub")).unwrap();
    c.cwd(p("sub")).unwrap();
    assert_eq!(c.pwd().unwrap().unwrap().as_bytes(), b"/sub");
    c.cdup().unwrap();
    assert_eq!(c.pwd().unwrap().unwrap().as_bytes(), b"/");
    // The root is its own parent (the server's virtual root cannot be left).
    c.cdup().unwrap();
    assert_eq!(c.pwd().unwrap().unwrap().as_bytes(), b"/");
    c.noop().unwrap();
    c.quit().unwrap();
    assert!(s.transcript().contains("C: CDUP"), "{}", s.transcript());
}

/// C: STOU / S: 150 (or 125) FILE: <name>: the bytes land in a new file, under the name the server
/// announced, and come back whole with RETR.
#[test]
fn store_unique_stores_bytes_retrievable_under_the_servers_name() {
    let s = OurServer::strict("stou");
    let mut c = s.logged_in();
    let body = file(200_000);
    c.store(p("taken.bin"), &mut &b"x"[..]).unwrap();
    let stored = c.store_unique(&mut &body[..]).unwrap();
    assert_eq!(stored.bytes, body.len() as u64);
    assert_eq!(stored.reply.code().value(), 226, "{:?}", stored.reply);
    let all = s.transcript();
    let name = all
        .lines()
        .find_map(|l| {
            // RFC 1123 §4.1.2.9: `125 FILE: pppp` when the data connection is already open.
            l.strip_prefix("S: 150 FILE: ")
                .or_else(|| l.strip_prefix("S: 125 FILE: "))
        })
        .unwrap_or_else(|| panic!("no 1xx FILE: line in\n{all}"));
    // The adapter reports the name of that 1xx line (the machine parses it).
    assert_eq!(
        stored.name.as_ref().map(|n| n.as_bytes()),
        Some(name.as_bytes())
    );
    let name = name.trim_start_matches('/').to_owned();
    assert_ne!(name, "taken.bin");
    let mut names = Vec::new();
    c.nlst(None, &mut names).unwrap();
    let names = String::from_utf8(names).unwrap();
    assert!(
        names.lines().any(|n| n.trim_start_matches('/') == name),
        "{names}"
    );
    let mut back = Vec::new();
    let path = Pathname::try_from(name.as_str()).unwrap();
    c.retrieve(path, 0, &mut back).unwrap();
    assert!(back == body, "the bytes read back differ");
    assert!(std::fs::read(s.root.join(&name)).unwrap() == body);
    c.quit().unwrap();
}

/// C: TYPE A, then LIST works in ASCII; C: TYPE I again, SIZE gives the exact byte count.
#[test]
fn type_ascii_then_list_then_binary_again() {
    use ftps_proto::types::TransferType;
    let s = OurServer::strict("type");
    let mut c = s.logged_in();
    c.store(p("text.txt"), &mut &b"one\ntwo\n"[..]).unwrap();
    c.set_type(TransferType::Ascii(None)).unwrap();
    let mut listing = Vec::new();
    c.list(None, &mut listing).unwrap();
    let listing = String::from_utf8(listing).unwrap();
    assert!(listing.contains("text.txt"), "{listing}");
    assert!(
        listing.contains("\r\n"),
        "an ASCII listing ends lines with CRLF: {listing:?}"
    );
    c.set_type(TransferType::Image).unwrap();
    assert_eq!(c.size(p("text.txt")).unwrap(), 8);
    c.quit().unwrap();
    let all = s.transcript();
    assert!(all.contains("C: TYPE A\nS: 200"), "{all}");
}

/// C: REIN / S: 220: the login is gone (requests are refused locally), TLS is set up again,
/// and a new login works, with transfers under PROT P.
#[test]
fn reinitialize_then_login_again() {
    let s = OurServer::strict("rein");
    let mut c = s.logged_in();
    c.store(p("kept.bin"), &mut &b"kept"[..]).unwrap();
    c.reinitialize().unwrap();
    assert_eq!(c.state(), ftps_proto::client::State::Connected);
    assert!(c.tls_version().is_some(), "TLS is set up again after REIN");
    assert!(matches!(c.pwd(), Err(Error::Usage(_))));
    c.login(alice()).unwrap();
    let mut back = Vec::new();
    c.retrieve(p("kept.bin"), 0, &mut back).unwrap();
    assert_eq!(back, b"kept");
    c.quit().unwrap();
    let all = s.transcript();
    let after = &all[all.find("C: REIN").expect("REIN sent")..];
    for want in [
        "S: 220",
        "C: AUTH TLS",
        "C: USER alice",
        "C: PROT P",
        "C: RETR kept.bin",
    ] {
        assert!(after.contains(want), "{want:?} missing after REIN:\n{all}");
    }
}

/// C: REST n, C: STOR: the second half of a file appended at the server's size.
#[test]
fn store_at_resumes_an_upload_where_the_server_copy_ends() {
    let s = OurServer::strict("restor");
    let mut c = s.logged_in();
    let body = file(300_000);
    let half = 123_457;
    c.store(p("part.bin"), &mut &body[..half]).unwrap();
    let offset = c.size(p("part.bin")).unwrap();
    assert_eq!(offset, half as u64);
    let sent = c
        .store_at(p("part.bin"), offset, &mut &body[half..])
        .unwrap();
    assert_eq!(sent, (body.len() - half) as u64);
    assert!(std::fs::read(s.root.join("part.bin")).unwrap() == body);
    c.quit().unwrap();
    assert!(
        s.transcript().contains(&format!("C: REST {half}\nS: 350")),
        "{}",
        s.transcript()
    );
}

/// PBSZ 0 / PROT C where the server allows clear data: a listing moves without data TLS;
/// back to PROT P, the next one is protected. Where the server requires PROT P, PROT C is
/// refused (534) and PROT P stays in force.
#[test]
fn set_data_protection_switches_prot_for_the_next_transfers() {
    use ftps_proto::client::DataProtection;
    use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
    let session = Config::default()
        .with_control(ControlPolicy::Required)
        .with_data(DataPolicy::Optional);
    let s = OurServer::start("prot", session);
    let mut c = s.logged_in();
    c.set_data_protection(DataProtection::Clear).unwrap();
    let mut listing = Vec::new();
    c.list(None, &mut listing).unwrap();
    let clear = s.transcript();
    let tail = &clear[clear.find("C: PROT C").expect("PROT C sent")..];
    assert!(!tail.contains("data TLS"), "{clear}");
    c.set_data_protection(DataProtection::Private).unwrap();
    c.list(None, &mut listing).unwrap();
    c.quit().unwrap();
    let all = s.transcript();
    let tail = &all[all.rfind("C: PROT P").unwrap()..];
    assert!(tail.contains("data TLS"), "{all}");

    let strict = OurServer::strict("prot-strict");
    let mut c = strict.logged_in();
    assert_eq!(c.machine().data_protection(), Some(DataProtection::Private));
    let e = c.set_data_protection(DataProtection::Clear).unwrap_err();
    // RFC 4217 §9: 534, refused for policy reasons.
    assert!(
        matches!(&e, Error::Refused(r) if r.code().value() == 534),
        "{e:?}"
    );
    assert_eq!(c.machine().data_protection(), Some(DataProtection::Private));
    let mut listing = Vec::new();
    c.list(None, &mut listing).unwrap();
    c.quit().unwrap();
}

/// A plain session (TLS optional at the server) logs in in clear, then `AUTH TLS`: the
/// control connection is secured, the login must be redone, and is.
#[test]
fn auth_tls_secures_a_clear_session_which_logs_in_again() {
    use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
    let session = Config::default()
        .with_control(ControlPolicy::Optional)
        .with_data(DataPolicy::Optional);
    let mut s = OurServer::start("auth", session);
    s.options.config.security = Security::Plain;
    let mut c = s.logged_in();
    assert_eq!(c.tls_version(), None);
    // REIN in clear: no AUTH follows (the client is configured for plain FTP).
    c.reinitialize().unwrap();
    assert_eq!(c.state(), ftps_proto::client::State::Connected);
    assert_eq!(c.tls_version(), None);
    c.login(alice()).unwrap();
    c.auth_tls().unwrap();
    assert!(c.tls_version().is_some());
    assert_eq!(c.state(), ftps_proto::client::State::Connected);
    assert!(matches!(c.auth_tls(), Err(Error::Usage(_))));
    c.login(alice()).unwrap();
    c.store(p("safe.bin"), &mut &b"now protected"[..]).unwrap();
    c.quit().unwrap();
    assert_eq!(
        std::fs::read(s.root.join("safe.bin")).unwrap(),
        b"now protected"
    );
    let all = s.transcript();
    let after = &all[all.find("C: AUTH TLS").expect("AUTH TLS sent")..];
    for want in [
        "S: 234",
        "control TLS",
        "C: USER alice",
        "C: PROT P",
        "data TLS",
    ] {
        assert!(
            after.contains(want),
            "{want:?} missing after AUTH TLS:\n{all}"
        );
    }
}

//! The tokio adapters on loopback against each other and against the blocking ones:
//! tokio client ↔ tokio server, tokio client ↔ blocking server, blocking client ↔ tokio
//! server, and many concurrent tokio sessions. Explicit FTPS (`AUTH TLS`), `PROT P`, every
//! file compared byte for byte after the round trip.
#![cfg(feature = "tokio")]

#[path = "server_io_support/identity.rs"]
mod identity;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ftps_proto::client::{Login, Security, TransferCommand};
use ftps_proto::io::blocking::client::BlockingClient;
use ftps_proto::io::tls::{ClientTlsOptions, TrustRoots};
use ftps_proto::io::tokio::client::{Client, Error, Options};
use ftps_proto::io::tokio::server::{Server, ServerOptions, StopHandle, User};
use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
use ftps_proto::types::{Password, Pathname, Username};
use rustls::pki_types::CertificateDer;

struct Fixture {
    root: PathBuf,
    cert: CertificateDer<'static>,
    options: ServerOptions,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn fixture(tag: &str) -> Fixture {
    let (cert, tls) = identity::localhost();
    let tls = tls.build().unwrap();
    let root = std::env::temp_dir().join(format!("ftps-proto-tokio-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let mut o = ServerOptions::new(tls, root.clone());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.implicit = Some("127.0.0.1:0".parse().unwrap());
    o.users.push(User::with_password("alice", "secret"));
    o.max_sessions = 512;
    o.max_sessions_per_address = 512;
    o.session = Config::default()
        .with_control(ControlPolicy::Required)
        .with_data(DataPolicy::Required);
    Fixture {
        root,
        cert,
        options: o,
    }
}

/// A tokio server spawned on the current runtime.
struct Serving {
    explicit: SocketAddr,
    implicit: SocketAddr,
    stop: StopHandle,
    running: tokio::task::JoinHandle<()>,
}

impl Serving {
    /// Binds a tokio server with `options` and spawns its accept loop.
    async fn start(options: ServerOptions) -> Serving {
        let server = Server::bind(options).await.unwrap();
        Serving {
            explicit: server.explicit_addr().unwrap(),
            implicit: server.implicit_addr().unwrap(),
            stop: server.stop_handle(),
            running: tokio::spawn(server.run()),
        }
    }

    /// Stops the server and waits for its accept loop to end.
    async fn stop(self) {
        self.stop.stop();
        self.running.await.unwrap();
    }
}

/// Connects the tokio client to `addr` and logs in as alice.
async fn logged_in(addr: SocketAddr, options: Options) -> Client {
    let mut c = Client::connect(addr, "localhost", options).await.unwrap();
    c.login(alice()).await.unwrap();
    c
}

fn client_options(cert: &CertificateDer<'static>) -> Options {
    let mut tls = ClientTlsOptions::default();
    tls.roots = TrustRoots::Certificates(vec![cert.clone()]);
    Options::default().with_tls(tls)
}

fn alice() -> Login {
    Login::new(
        Username::try_from("alice").unwrap(),
        Password::try_from("secret").unwrap(),
    )
}

fn payload(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn p(s: &'static str) -> Pathname<'static> {
    Pathname::try_from(s).unwrap()
}

/// C: AUTH TLS, USER/PASS, PBSZ 0, PROT P, PWD, STOR, RETR, LIST, QUIT through the tokio
/// client; the stored file and the downloaded bytes must equal what was sent.
async fn round_trip(addr: SocketAddr, cert: &CertificateDer<'static>, name: &str, data: &[u8]) {
    let mut c = Client::connect(addr, "localhost", client_options(cert))
        .await
        .unwrap();
    c.login(alice()).await.unwrap();
    assert_eq!(c.pwd().await.unwrap().unwrap().as_bytes(), b"/");
    let path = Pathname::try_from(name).unwrap();
    let sent = c.store(path.clone(), &mut &data[..]).await.unwrap();
    assert_eq!(sent, data.len() as u64);
    let mut got = Vec::new();
    let n = c.retrieve(path, 0, &mut got).await.unwrap();
    assert_eq!(n, data.len() as u64);
    assert!(got == data, "downloaded bytes differ from the upload");
    let mut listing = Vec::new();
    c.list(None, &mut listing).await.unwrap();
    assert!(
        String::from_utf8_lossy(&listing).contains(name),
        "LIST lacks {name}"
    );
    c.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_against_tokio_server() {
    let f = fixture("t2t");
    let server = Serving::start(f.options.clone()).await;
    let addr = server.explicit;
    let data = payload(3_000_000, 1);
    round_trip(addr, &f.cert, "t2t.bin", &data).await;
    assert_eq!(std::fs::read(f.root.join("t2t.bin")).unwrap(), data);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_against_blocking_server() {
    let f = fixture("t2b");
    let mut o =
        ftps_proto::io::blocking::server::ServerOptions::new(f.options.tls.clone(), f.root.clone());
    o.explicit = f.options.explicit;
    o.users = f.options.users.clone();
    o.session = f.options.session.clone();
    let server = ftps_proto::io::blocking::server::Server::bind(o).unwrap();
    let addr = server.explicit_addr().unwrap();
    let stop = server.stop_handle();
    let running = std::thread::spawn(move || server.run().unwrap());
    let data = payload(3_000_000, 2);
    round_trip(addr, &f.cert, "t2b.bin", &data).await;
    assert_eq!(std::fs::read(f.root.join("t2b.bin")).unwrap(), data);
    stop.stop();
    tokio::task::spawn_blocking(move || running.join().unwrap())
        .await
        .unwrap();
}

#[test]
fn blocking_client_against_tokio_server() {
    let f = fixture("b2t");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(Server::bind(f.options.clone())).unwrap();
    let addr = server.explicit_addr().unwrap();
    let stop = server.stop_handle();
    let running = rt.spawn(server.run());
    let data = payload(3_000_000, 3);
    let mut tls = ClientTlsOptions::default();
    tls.roots = TrustRoots::Certificates(vec![f.cert.clone()]);
    let options = ftps_proto::io::blocking::client::Options::default().with_tls(tls);
    let mut c = BlockingClient::connect_to(addr, "localhost", options).unwrap();
    c.login(alice()).unwrap();
    let path = Pathname::try_from("b2t.bin").unwrap();
    assert_eq!(
        c.store(path.clone(), &mut &data[..]).unwrap(),
        data.len() as u64
    );
    let mut got = Vec::new();
    c.retrieve(path, 0, &mut got).unwrap();
    assert!(got == data, "downloaded bytes differ from the upload");
    c.quit().unwrap();
    assert_eq!(std::fs::read(f.root.join("b2t.bin")).unwrap(), data);
    stop.stop();
    rt.block_on(running).unwrap();
}

/// 64 sessions at once on one server: every one logs in, uploads its own file and reads it
/// back; every byte must come back to the session that sent it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_sessions_each_get_their_own_bytes_back() {
    let f = fixture("many");
    let server = Serving::start(f.options.clone()).await;
    let addr = server.explicit;
    let mut sessions = tokio::task::JoinSet::new();
    for i in 0..64u32 {
        let cert = f.cert.clone();
        sessions.spawn(async move {
            let data = payload(20_000 + i as usize * 97, i + 10);
            round_trip(addr, &cert, &format!("s{i}.bin"), &data).await;
        });
    }
    while let Some(r) = sessions.join_next().await {
        r.unwrap();
    }
    server.stop().await;
}

/// A missing file: `C: RETR nothing.bin` / `S: 550`, and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_retrieve_is_an_error_and_the_session_goes_on() {
    let f = fixture("refused");
    let server = Serving::start(f.options.clone()).await;
    let addr = server.explicit;
    let mut c = logged_in(addr, client_options(&f.cert)).await;
    let mut got = Vec::new();
    let e = c
        .retrieve(Pathname::try_from("nothing.bin").unwrap(), 0, &mut got)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Refused(r) if r.code().value() == 550),
        "{e:?}"
    );
    c.noop().await.unwrap();
    c.quit().await.unwrap();
    server.stop().await;
}

/// Implicit FTPS (TLS first, RFC 4217 §1 / port 990 style) and the file-management requests,
/// tokio client against tokio server:
/// `MKD`, `CWD`, `STOR`, `SIZE`, `APPE`, `RNFR`/`RNTO`, `MLST`, `MDTM`, `MLSD`, `NLST`,
/// `DELE`, `RMD`; every answer checked against the server's directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_session_manages_files() {
    let f = fixture("manage");
    let server = Serving::start(f.options.clone()).await;
    let addr = server.implicit;
    let config = ftps_proto::client::Config::default().with_security(Security::Implicit);
    let mut c = logged_in(addr, client_options(&f.cert).with_config(config)).await;
    let made = c.mkdir(p("dir")).await.unwrap();
    assert_eq!(made.unwrap().as_bytes(), b"/dir");
    c.cwd(p("dir")).await.unwrap();
    assert_eq!(c.pwd().await.unwrap().unwrap().as_bytes(), b"/dir");
    c.store(p("a.bin"), &mut &b"0123456789"[..]).await.unwrap();
    assert_eq!(c.size(p("a.bin")).await.unwrap(), 10);
    c.append(p("a.bin"), &mut &b"abc"[..]).await.unwrap();
    assert_eq!(c.size(p("a.bin")).await.unwrap(), 13);
    c.rename(p("a.bin"), p("b.bin")).await.unwrap();
    assert_eq!(
        std::fs::read(f.root.join("dir/b.bin")).unwrap(),
        b"0123456789abc"
    );
    let facts = c.mlst(Some(p("b.bin"))).await.unwrap();
    assert!(format!("{facts:?}").contains("b.bin"), "{facts:?}");
    c.mdtm(p("b.bin")).await.unwrap();
    let mut listing = Vec::new();
    assert_eq!(
        c.mlsd(None, &mut listing).await.unwrap(),
        TransferCommand::Mlsd
    );
    let text = String::from_utf8(listing).unwrap();
    assert!(
        text.contains("type=file") && text.contains("b.bin"),
        "{text}"
    );
    let mut names = Vec::new();
    c.nlst(None, &mut names).await.unwrap();
    assert!(String::from_utf8_lossy(&names).contains("b.bin"));
    // C: SITE HELP  S: 200 (the file-system adapter answers HELP and CHMOD); C: SITE NOPE
    // S: 500: the refusal is an error and the session goes on.
    let site = c
        .site(ftps_proto::types::Text::try_from("HELP").unwrap())
        .await;
    assert!(
        matches!(&site, Ok(r) if r.code().value() == 200),
        "{site:?}"
    );
    let site = c
        .site(ftps_proto::types::Text::try_from("NOPE").unwrap())
        .await;
    assert!(
        matches!(&site, Err(Error::Refused(r)) if r.code().value() == 500),
        "{site:?}"
    );
    c.delete(p("b.bin")).await.unwrap();
    assert!(!f.root.join("dir/b.bin").exists());
    c.cwd(p("/")).await.unwrap();
    c.rmdir(p("dir")).await.unwrap();
    assert!(!f.root.join("dir").exists());
    c.quit().await.unwrap();
    server.stop().await;
}

/// RFC 959 §4.1.3: an abort during a 64 MiB download drops the data connection, sends
/// `ABOR` (the server answers 426 then 226), fails the transfer as aborted, and the session
/// goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_during_a_download_fails_it_and_the_session_goes_on() {
    let f = fixture("abort");
    std::fs::write(f.root.join("big.bin"), vec![5u8; 64 * 1024 * 1024]).unwrap();
    let server = Serving::start(f.options.clone()).await;
    let addr = server.explicit;
    let mut c = logged_in(addr, client_options(&f.cert)).await;
    let abort = c.abort_handle();
    // A sink that asks for the abort once the first megabyte arrived.
    struct Stopper(ftps_proto::io::tokio::client::AbortHandle, usize);
    impl tokio::io::AsyncWrite for Stopper {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            b: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            self.1 += b.len();
            if self.1 > 1024 * 1024 {
                self.0.abort();
            }
            std::task::Poll::Ready(Ok(b.len()))
        }
        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn poll_shutdown(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }
    let mut sink = Stopper(abort, 0);
    let r = c.retrieve(p("big.bin"), 0, &mut sink).await;
    assert!(
        matches!(
            &r,
            Err(Error::Failed {
                failure: ftps_proto::client::Failure::Aborted,
                ..
            })
        ),
        "{r:?}"
    );
    assert!(sink.1 < 64 * 1024 * 1024, "the whole file arrived");
    c.noop().await.unwrap();
    assert_eq!(c.pwd().await.unwrap().unwrap().as_bytes(), b"/");
    c.quit().await.unwrap();
    server.stop().await;
}

/// The transcript hook sees commands and replies, and never the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_shows_the_transcript_with_the_password_redacted() {
    let f = fixture("trace");
    let server = Serving::start(f.options.clone()).await;
    let addr = server.explicit;
    let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let options = client_options(&f.cert).with_trace(move |l| sink.lock().unwrap().push(l.into()));
    let c = logged_in(addr, options).await;
    c.quit().await.unwrap();
    let all = lines.lock().unwrap().join("\n");
    for want in [
        "C: AUTH TLS",
        "S: 234",
        "C: USER alice",
        "C: PASS <redacted>",
        "S: 230",
        "C: QUIT",
    ] {
        assert!(all.contains(want), "{want:?} missing from:\n{all}");
    }
    assert!(!all.contains("secret"), "the password leaked:\n{all}");
    server.stop().await;
}

/// Active mode (RFC 2428 EPRT / RFC 959 PORT): the tokio client listens, the tokio server
/// connects out, under PROT P both ways; bytes checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_mode_round_trip() {
    let mut f = fixture("active");
    f.options.session = f.options.session.clone().with_active(true);
    let server = Serving::start(f.options.clone()).await;
    let addr = server.explicit;
    let config =
        ftps_proto::client::Config::default().with_data_mode(ftps_proto::client::DataMode::Active);
    let mut c = logged_in(addr, client_options(&f.cert).with_config(config)).await;
    let data = payload(500_000, 7);
    c.store(p("act.bin"), &mut &data[..]).await.unwrap();
    let mut got = Vec::new();
    c.retrieve(p("act.bin"), 0, &mut got).await.unwrap();
    assert!(got == data, "downloaded bytes differ from the upload");
    assert_eq!(std::fs::read(f.root.join("act.bin")).unwrap(), data);
    c.quit().await.unwrap();
    server.stop().await;
}

/// RFC 4217 §5: after login, `C: CCC` / `S: 200`, close_notify both ways, and the session
/// goes on in clear on the same TCP connection (data connections stay under PROT P).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ccc_after_login_goes_on_in_clear() {
    let mut f = fixture("ccc");
    f.options.session = f.options.session.clone().with_ccc(true);
    let server = Serving::start(f.options.clone()).await;
    let addr = server.explicit;
    let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let config = ftps_proto::client::Config::default().with_clear_command_channel(true);
    let options = client_options(&f.cert)
        .with_config(config)
        .with_trace(move |l| sink.lock().unwrap().push(l.into()));
    let mut c = logged_in(addr, options).await;
    assert!(!c.machine().is_control_protected());
    assert_eq!(c.pwd().await.unwrap().unwrap().as_bytes(), b"/");
    let data = payload(100_000, 9);
    c.store(p("ccc.bin"), &mut &data[..]).await.unwrap();
    let mut got = Vec::new();
    c.retrieve(p("ccc.bin"), 0, &mut got).await.unwrap();
    assert!(got == data);
    c.quit().await.unwrap();
    let all = lines.lock().unwrap().join("\n");
    assert!(
        all.contains("C: CCC") && all.contains("control TLS ended"),
        "{all}"
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------
// The requests beyond the basics (FEAT, CDUP, STOU, TYPE, REIN, REST+STOR, PBSZ/PROT, AUTH
// TLS in a clear session) against our tokio server, checked against what the server really
// did, with the client's transcript as the record of what went over the wire.
// ---------------------------------------------------------------------------------------

type Lines = Arc<std::sync::Mutex<Vec<String>>>;

/// Client options that trust the fixture's certificate, bound every wait to 10 s and
/// record the transcript.
fn traced(cert: &CertificateDer<'static>) -> (Options, Lines) {
    let lines = Lines::default();
    let sink = lines.clone();
    let mut options = client_options(cert).with_trace(move |l| sink.lock().unwrap().push(l.into()));
    let t = &mut options.config.timeouts;
    for limit in [&mut t.reply, &mut t.data, &mut t.tls, &mut t.connect] {
        *limit = Some(std::time::Duration::from_secs(10));
    }
    (options, lines)
}

fn transcript(lines: &Lines) -> String {
    lines.lock().unwrap().join("\n")
}

/// C: FEAT / S: 211-...: the features our server announces come back parsed, and are the
/// ones the client keeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feat_returns_what_our_server_announces() {
    let f = fixture("feat");
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let mut c = logged_in(server.explicit, options).await;
    let features = c.feat().await.unwrap();
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
    c.quit().await.unwrap();
    // Once at login, once asked for.
    let all = transcript(&lines);
    assert_eq!(all.matches("C: FEAT").count(), 2, "{all}");
    server.stop().await;
}

/// C: CWD sub, C: CDUP: PWD goes from `/sub` back to `/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cdup_after_cwd_returns_to_the_parent() {
    let f = fixture("cdup");
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let mut c = logged_in(server.explicit, options).await;
    c.mkdir(p("sub")).await.unwrap();
    c.cwd(p("sub")).await.unwrap();
    assert_eq!(c.pwd().await.unwrap().unwrap().as_bytes(), b"/sub");
    c.cdup().await.unwrap();
    assert_eq!(c.pwd().await.unwrap().unwrap().as_bytes(), b"/");
    c.quit().await.unwrap();
    assert!(transcript(&lines).contains("C: CDUP"));
    server.stop().await;
}

/// C: STOU / S: 150 (or 125) FILE: <name>: the bytes land in a new file, under the name the server
/// announced, and come back whole with RETR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_unique_stores_bytes_retrievable_under_the_servers_name() {
    let f = fixture("stou");
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let mut c = logged_in(server.explicit, options).await;
    let data = payload(200_000, 11);
    c.store(p("taken.bin"), &mut &b"x"[..]).await.unwrap();
    let stored = c.store_unique(&mut &data[..]).await.unwrap();
    assert_eq!(stored.bytes, data.len() as u64);
    assert_eq!(stored.reply.code().value(), 226, "{:?}", stored.reply);
    let all = transcript(&lines);
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
    c.nlst(None, &mut names).await.unwrap();
    let names = String::from_utf8(names).unwrap();
    assert!(
        names.lines().any(|n| n.trim_start_matches('/') == name),
        "{names}"
    );
    let mut back = Vec::new();
    let path = Pathname::try_from(name.as_str()).unwrap();
    c.retrieve(path, 0, &mut back).await.unwrap();
    assert!(back == data, "the bytes read back differ");
    assert!(std::fs::read(f.root.join(&name)).unwrap() == data);
    c.quit().await.unwrap();
    server.stop().await;
}

/// C: TYPE A, then LIST works in ASCII; C: TYPE I again, SIZE gives the exact byte count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn type_ascii_then_list_then_binary_again() {
    use ftps_proto::types::TransferType;
    let f = fixture("type");
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let mut c = logged_in(server.explicit, options).await;
    c.store(p("text.txt"), &mut &b"one\ntwo\n"[..])
        .await
        .unwrap();
    c.set_type(TransferType::Ascii(None)).await.unwrap();
    let mut listing = Vec::new();
    c.list(None, &mut listing).await.unwrap();
    let listing = String::from_utf8(listing).unwrap();
    assert!(listing.contains("text.txt"), "{listing}");
    assert!(
        listing.contains("\r\n"),
        "an ASCII listing ends lines with CRLF: {listing:?}"
    );
    c.set_type(TransferType::Image).await.unwrap();
    assert_eq!(c.size(p("text.txt")).await.unwrap(), 8);
    c.quit().await.unwrap();
    let all = transcript(&lines);
    assert!(all.contains("C: TYPE A\nS: 200"), "{all}");
    server.stop().await;
}

/// C: REIN / S: 220: the login is gone (requests are refused locally), TLS is set up again,
/// and a new login works, with transfers under PROT P.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reinitialize_then_login_again() {
    let f = fixture("rein");
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let mut c = logged_in(server.explicit, options).await;
    c.store(p("kept.bin"), &mut &b"kept"[..]).await.unwrap();
    c.reinitialize().await.unwrap();
    assert_eq!(c.state(), ftps_proto::client::State::Connected);
    assert!(c.machine().is_control_protected(), "TLS is set up again");
    assert!(matches!(c.pwd().await, Err(Error::Usage(_))));
    c.login(alice()).await.unwrap();
    let mut back = Vec::new();
    c.retrieve(p("kept.bin"), 0, &mut back).await.unwrap();
    assert_eq!(back, b"kept");
    c.quit().await.unwrap();
    let all = transcript(&lines);
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
    server.stop().await;
}

/// C: REST n, C: STOR: the second half of a file appended at the server's size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_at_resumes_an_upload_where_the_server_copy_ends() {
    let f = fixture("restor");
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let mut c = logged_in(server.explicit, options).await;
    let data = payload(300_000, 12);
    let half = 123_457;
    c.store(p("part.bin"), &mut &data[..half]).await.unwrap();
    let offset = c.size(p("part.bin")).await.unwrap();
    assert_eq!(offset, half as u64);
    let sent = c
        .store_at(p("part.bin"), offset, &mut &data[half..])
        .await
        .unwrap();
    assert_eq!(sent, (data.len() - half) as u64);
    assert!(std::fs::read(f.root.join("part.bin")).unwrap() == data);
    c.quit().await.unwrap();
    let all = transcript(&lines);
    assert!(all.contains(&format!("C: REST {half}\nS: 350")), "{all}");
    server.stop().await;
}

/// PBSZ 0 / PROT C where the server allows clear data: a listing moves in clear; back to
/// PROT P. Where the server requires PROT P, PROT C is refused (534) and PROT P stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_data_protection_switches_prot_for_the_next_transfers() {
    use ftps_proto::client::DataProtection;
    let mut f = fixture("prot");
    f.options.session = f.options.session.clone().with_data(DataPolicy::Optional);
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let mut c = logged_in(server.explicit, options.clone()).await;
    c.set_data_protection(DataProtection::Clear).await.unwrap();
    assert_eq!(c.machine().data_protection(), Some(DataProtection::Clear));
    let mut listing = Vec::new();
    c.list(None, &mut listing).await.unwrap();
    c.set_data_protection(DataProtection::Private)
        .await
        .unwrap();
    assert_eq!(c.machine().data_protection(), Some(DataProtection::Private));
    c.list(None, &mut listing).await.unwrap();
    c.quit().await.unwrap();
    let all = transcript(&lines);
    assert!(all.contains("C: PROT C\nS: 200"), "{all}");
    server.stop().await;

    let strict = fixture("prot-strict");
    let server = Serving::start(strict.options.clone()).await;
    let mut c = logged_in(server.explicit, traced(&strict.cert).0).await;
    let e = c
        .set_data_protection(DataProtection::Clear)
        .await
        .unwrap_err();
    // RFC 4217 §9: 534, refused for policy reasons.
    assert!(
        matches!(&e, Error::Refused(r) if r.code().value() == 534),
        "{e:?}"
    );
    assert_eq!(c.machine().data_protection(), Some(DataProtection::Private));
    let mut listing = Vec::new();
    c.list(None, &mut listing).await.unwrap();
    c.quit().await.unwrap();
    server.stop().await;
}

/// A plain session (TLS optional at the server) logs in in clear, then `AUTH TLS`: the
/// control connection is secured, the login must be redone, and is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_tls_secures_a_clear_session_which_logs_in_again() {
    let mut f = fixture("auth");
    f.options.session = Config::default()
        .with_control(ControlPolicy::Optional)
        .with_data(DataPolicy::Optional);
    let server = Serving::start(f.options.clone()).await;
    let (options, lines) = traced(&f.cert);
    let config = ftps_proto::client::Config::default().with_security(Security::Plain);
    let mut c = logged_in(server.explicit, options.with_config(config)).await;
    assert!(!c.machine().is_control_protected());
    // REIN in clear: no AUTH follows (the client is configured for plain FTP).
    c.reinitialize().await.unwrap();
    assert_eq!(c.state(), ftps_proto::client::State::Connected);
    assert!(!c.machine().is_control_protected());
    c.login(alice()).await.unwrap();
    c.auth_tls().await.unwrap();
    assert!(c.machine().is_control_protected());
    assert_eq!(c.state(), ftps_proto::client::State::Connected);
    assert!(matches!(c.auth_tls().await, Err(Error::Usage(_))));
    c.login(alice()).await.unwrap();
    c.store(p("safe.bin"), &mut &b"now protected"[..])
        .await
        .unwrap();
    c.quit().await.unwrap();
    assert_eq!(
        std::fs::read(f.root.join("safe.bin")).unwrap(),
        b"now protected"
    );
    let all = transcript(&lines);
    let after = &all[all.find("C: AUTH TLS").expect("AUTH TLS sent")..];
    for want in [
        "S: 234",
        "C: USER alice",
        "C: PBSZ 0",
        "C: PROT P",
        "C: STOR safe.bin",
    ] {
        assert!(
            after.contains(want),
            "{want:?} missing after AUTH TLS:\n{all}"
        );
    }
    server.stop().await;
}

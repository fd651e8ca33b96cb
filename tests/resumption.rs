//! RFC 4217 §10 with the default server configuration (data connections must resume the
//! control connection's TLS session): this crate's blocking client and its tokio client each
//! run one long control session of more than 30 transfers, uploads and downloads mixed
//! (`STOR`, `RETR`, `REST`+`STOR` then `RETR`, `APPE`, `LIST`, `MLSD`), against both server
//! adapters, over TLS 1.3 and over TLS 1.2. Every file is compared by SHA-256 on both sides.
//!
//! Over TLS 1.3 a rustls client spends one ticket per data connection and keeps at most 8, so
//! the session only lasts if every data connection hands it new ones and the client reads
//! them (on an upload, after its close_notify): the server sends 2 per data connection and
//! the clients read their data connections to the server's end. Each client also makes 30
//! uploads in a row in one session (under the former default, tickets only on downloads, the
//! 9th failed with `522`).
#![cfg(feature = "tokio")]

#[path = "server_io_support/identity.rs"]
mod identity;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ftps_proto::client::{Login, TransferCommand};
use ftps_proto::io::blocking::client::BlockingClient;
use ftps_proto::io::blocking::server::{DataTickets, ServerOptions, User};
use ftps_proto::io::tls::{ClientTlsOptions, TlsVersions, TrustRoots};
use ftps_proto::types::{Password, Pathname, Username};
use rustls::pki_types::CertificateDer;
use sha2::{Digest, Sha256};

/// Transfers per session (each round below does 8).
const ROUNDS: usize = 4;

#[derive(Clone, Copy, Debug)]
enum ServerKind {
    Blocking,
    Tokio,
}

/// A server on loopback with the default configuration and data-ticket policy.
struct Serving {
    addr: SocketAddr,
    root: PathBuf,
    cert: CertificateDer<'static>,
    stop: Box<dyn FnOnce()>,
}

impl Serving {
    fn start(kind: ServerKind, versions: TlsVersions, tag: &str) -> Serving {
        let (cert, mut tls) = identity::localhost();
        tls.versions = versions;
        let root = std::env::temp_dir().join(format!(
            "ftps-proto-resumption-{tag}-{kind:?}-{versions:?}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let mut o = ServerOptions::new(tls.build().unwrap(), root.clone());
        o.explicit = Some("127.0.0.1:0".parse().unwrap());
        o.users.push(User::with_password("alice", "secret"));
        // The defaults under test: resumption required, tickets on every data connection.
        assert!(o.session.require_data_session_resumption);
        assert_eq!(o.data_tickets, DataTickets::Always);
        match kind {
            ServerKind::Blocking => {
                let server = ftps_proto::io::blocking::server::Server::bind(o).unwrap();
                let addr = server.explicit_addr().unwrap();
                let stop = server.stop_handle();
                let thread = std::thread::spawn(move || server.run().unwrap());
                Serving {
                    addr,
                    root,
                    cert,
                    stop: Box::new(move || {
                        stop.stop();
                        thread.join().unwrap();
                    }),
                }
            }
            ServerKind::Tokio => {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                let server = rt
                    .block_on(ftps_proto::io::tokio::server::Server::bind(o))
                    .unwrap();
                let addr = server.explicit_addr().unwrap();
                let stop = server.stop_handle();
                let running = rt.spawn(server.run());
                Serving {
                    addr,
                    root,
                    cert,
                    stop: Box::new(move || {
                        stop.stop();
                        rt.block_on(running).unwrap();
                    }),
                }
            }
        }
    }

    fn client_tls(&self, versions: TlsVersions) -> ClientTlsOptions {
        let mut tls = ClientTlsOptions::default();
        tls.roots = TrustRoots::Certificates(vec![self.cert.clone()]);
        tls.versions = versions;
        tls
    }

    fn stored(&self, name: &str) -> [u8; 32] {
        sha(&std::fs::read(self.root.join(name)).unwrap())
    }

    fn finish(self) {
        (self.stop)();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn alice() -> Login {
    Login::new(
        Username::try_from("alice").unwrap(),
        Password::try_from("secret").unwrap(),
    )
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
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

fn p(s: &str) -> Pathname<'static> {
    Pathname::try_from(s.to_owned()).unwrap()
}

/// The files of round `r`: a whole upload, one sent in two parts (`REST`), an appended tail.
fn round_files(r: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let seed = u32::try_from(r).unwrap();
    (
        payload(40_000 + r * 37_001, seed * 3 + 1),
        payload(90_000 + r * 11_003, seed * 3 + 2),
        payload(5_000 + r * 977, seed * 3 + 3),
    )
}

/// The blocking client: one session, `ROUNDS` x 8 transfers. Returns how many it made.
fn blocking_session(srv: &Serving, versions: TlsVersions) -> usize {
    let options =
        ftps_proto::io::blocking::client::Options::default().with_tls(srv.client_tls(versions));
    let mut c = BlockingClient::connect_to(srv.addr, "localhost", options).unwrap();
    c.login(alice()).unwrap();
    let want = match versions {
        TlsVersions::Tls12Only => rustls::ProtocolVersion::TLSv1_2,
        _ => rustls::ProtocolVersion::TLSv1_3,
    };
    assert_eq!(c.tls_version(), Some(want));
    let mut transfers = 0;
    for r in 0..ROUNDS {
        let (whole, parts, tail) = round_files(r);
        let ctx = format!("{versions:?} round {r}");
        // STOR, then RETR.
        let name = format!("b{r}.bin");
        c.store(p(&name), &mut &whole[..]).expect(&ctx);
        let mut got = Vec::new();
        c.retrieve(p(&name), 0, &mut got).expect(&ctx);
        assert_eq!(sha(&got), sha(&whole), "{ctx}: RETR");
        assert_eq!(srv.stored(&name), sha(&whole), "{ctx}: stored");
        // STOR the first half, REST + STOR the rest, then RETR the whole.
        let half = parts.len() / 2;
        let name = format!("b{r}-rest.bin");
        c.store(p(&name), &mut &parts[..half]).expect(&ctx);
        c.store_at(p(&name), half as u64, &mut &parts[half..])
            .expect(&ctx);
        let mut got = Vec::new();
        c.retrieve(p(&name), 0, &mut got).expect(&ctx);
        assert_eq!(sha(&got), sha(&parts), "{ctx}: REST+STOR then RETR");
        // APPE, then RETR.
        let name = format!("b{r}.bin");
        c.append(p(&name), &mut &tail[..]).expect(&ctx);
        let mut got = Vec::new();
        c.retrieve(p(&name), 0, &mut got).expect(&ctx);
        let mut both = whole.clone();
        both.extend_from_slice(&tail);
        assert_eq!(sha(&got), sha(&both), "{ctx}: APPE then RETR");
        // A listing, LIST and MLSD in turn.
        let mut listing = Vec::new();
        if r % 2 == 0 {
            c.list(None, &mut listing).expect(&ctx);
        } else {
            let used = c.mlsd(None, &mut listing).expect(&ctx);
            assert_eq!(used, TransferCommand::Mlsd, "{ctx}");
        }
        let listing = String::from_utf8_lossy(&listing);
        assert!(
            listing.contains(&format!("b{r}-rest.bin")),
            "{ctx}: {listing}"
        );
        transfers += 8;
    }
    c.quit().unwrap();
    transfers
}

/// The tokio client: the same session.
fn tokio_session(srv: &Serving, versions: TlsVersions) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use ftps_proto::io::tokio::client::{Client, Options};
        let options = Options::default().with_tls(srv.client_tls(versions));
        let mut c = Client::connect(srv.addr, "localhost", options)
            .await
            .unwrap();
        c.login(alice()).await.unwrap();
        let mut transfers = 0;
        for r in 0..ROUNDS {
            let (whole, parts, tail) = round_files(r + 100);
            let ctx = format!("{versions:?} round {r}");
            let name = format!("t{r}.bin");
            c.store(p(&name), &mut &whole[..]).await.expect(&ctx);
            let mut got = Vec::new();
            c.retrieve(p(&name), 0, &mut got).await.expect(&ctx);
            assert_eq!(sha(&got), sha(&whole), "{ctx}: RETR");
            assert_eq!(srv.stored(&name), sha(&whole), "{ctx}: stored");
            let half = parts.len() / 2;
            let name = format!("t{r}-rest.bin");
            c.store(p(&name), &mut &parts[..half]).await.expect(&ctx);
            c.store_at(p(&name), half as u64, &mut &parts[half..])
                .await
                .expect(&ctx);
            let mut got = Vec::new();
            c.retrieve(p(&name), 0, &mut got).await.expect(&ctx);
            assert_eq!(sha(&got), sha(&parts), "{ctx}: REST+STOR then RETR");
            let name = format!("t{r}.bin");
            c.append(p(&name), &mut &tail[..]).await.expect(&ctx);
            let mut got = Vec::new();
            c.retrieve(p(&name), 0, &mut got).await.expect(&ctx);
            let mut both = whole.clone();
            both.extend_from_slice(&tail);
            assert_eq!(sha(&got), sha(&both), "{ctx}: APPE then RETR");
            let mut listing = Vec::new();
            if r % 2 == 0 {
                c.list(None, &mut listing).await.expect(&ctx);
            } else {
                let used = c.mlsd(None, &mut listing).await.expect(&ctx);
                assert_eq!(used, TransferCommand::Mlsd, "{ctx}");
            }
            let listing = String::from_utf8_lossy(&listing);
            assert!(
                listing.contains(&format!("t{r}-rest.bin")),
                "{ctx}: {listing}"
            );
            transfers += 8;
        }
        c.quit().await.unwrap();
        transfers
    })
}

/// 30 uploads in a row, no download between them to bring tickets (a rustls client keeps 8):
/// the blocking client, then the tokio client, one session each.
fn uploads_only(srv: &Serving, versions: TlsVersions) {
    let options =
        ftps_proto::io::blocking::client::Options::default().with_tls(srv.client_tls(versions));
    let mut c = BlockingClient::connect_to(srv.addr, "localhost", options).unwrap();
    c.login(alice()).unwrap();
    for i in 0..30u32 {
        let body = payload(1_000 + i as usize * 101, i + 500);
        let name = format!("ub{i}.bin");
        c.store(p(&name), &mut &body[..])
            .unwrap_or_else(|e| panic!("{versions:?} upload {i}: {e}"));
        assert_eq!(srv.stored(&name), sha(&body), "{versions:?} upload {i}");
    }
    c.quit().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use ftps_proto::io::tokio::client::{Client, Options};
        let options = Options::default().with_tls(srv.client_tls(versions));
        let mut c = Client::connect(srv.addr, "localhost", options)
            .await
            .unwrap();
        c.login(alice()).await.unwrap();
        for i in 0..30u32 {
            let body = payload(1_000 + i as usize * 103, i + 700);
            let name = format!("ut{i}.bin");
            c.store(p(&name), &mut &body[..])
                .await
                .unwrap_or_else(|e| panic!("{versions:?} upload {i}: {e}"));
            assert_eq!(srv.stored(&name), sha(&body), "{versions:?} upload {i}");
        }
        c.quit().await.unwrap();
    });
}

fn both_clients_against(kind: ServerKind, versions: TlsVersions) {
    let srv = Serving::start(kind, versions, "mixed");
    let started = std::time::Instant::now();
    assert!(blocking_session(&srv, versions) >= 30);
    assert!(tokio_session(&srv, versions) >= 30);
    uploads_only(&srv, versions);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{kind:?} {versions:?}: took {:?}",
        started.elapsed()
    );
    srv.finish();
}

#[test]
fn tls13_thirty_two_transfers_per_session_against_the_blocking_server() {
    both_clients_against(ServerKind::Blocking, TlsVersions::Tls13Only);
}

#[test]
fn tls13_thirty_two_transfers_per_session_against_the_tokio_server() {
    both_clients_against(ServerKind::Tokio, TlsVersions::Tls13Only);
}

#[test]
fn tls12_thirty_two_transfers_per_session_against_the_blocking_server() {
    both_clients_against(ServerKind::Blocking, TlsVersions::Tls12Only);
}

#[test]
fn tls12_thirty_two_transfers_per_session_against_the_tokio_server() {
    both_clients_against(ServerKind::Tokio, TlsVersions::Tls12Only);
}

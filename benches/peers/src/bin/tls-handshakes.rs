//! The limit for the control plane: full TLS handshakes per second per core with rustls
//! alone (ring, default suites and groups: TLS 1.3, X25519, AES-128-GCM), in memory, no
//! sockets, no FTP. Client and server run on this one thread; the time spent in the server's
//! calls is measured apart, so `server` is what one core of an FTPS server can do at most.
//!
//! Usage: tls-handshakes --cert PEM --key PEM --ca PEM [--seconds S] [--tickets N]
//! (`--tickets`: TLS 1.3 tickets the server sends after each handshake, default 0.)
//! Prints `server N handshakes/s per core, client+server M/s`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use suppaftp::rustls::pki_types::pem::PemObject;
use suppaftp::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use suppaftp::rustls::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection,
};

fn arg(args: &[String], name: &str) -> Option<String> {
    let flag = format!("--{name}");
    args.windows(2).find(|w| w[0] == flag).map(|w| w[1].clone())
}

/// Moves every pending TLS byte from one side to the other.
fn pump(from: &mut dyn FnMut(&mut Vec<u8>) -> usize, to: &mut dyn FnMut(&[u8])) -> bool {
    let mut buf = Vec::new();
    if from(&mut buf) == 0 {
        return false;
    }
    to(&buf);
    true
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let need = |n: &str| {
        arg(&args, n).unwrap_or_else(|| {
            eprintln!("tls-handshakes: --{n} is required");
            std::process::exit(2)
        })
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(need("cert"))
        .expect("cert")
        .map(|c| c.expect("cert"))
        .collect();
    let key = PrivateKeyDer::from_pem_file(need("key")).expect("key");
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(need("ca")).expect("ca") {
        roots.add(c.expect("ca")).expect("ca");
    }
    let seconds: u64 = arg(&args, "seconds").map_or(3, |s| s.parse().expect("--seconds"));
    let tickets: usize = arg(&args, "tickets").map_or(0, |s| s.parse().expect("--tickets"));
    let mut server = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    server.send_tls13_tickets = tickets;
    let server = Arc::new(server);
    let mut client = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Every handshake a full one.
    client.resumption = suppaftp::rustls::client::Resumption::disabled();
    let client = Arc::new(client);
    let name = ServerName::try_from("localhost").expect("name");

    let until = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut in_server = Duration::ZERO;
    let mut n = 0u64;
    while Instant::now() < until {
        let mut c = ClientConnection::new(client.clone(), name.clone()).expect("client");
        let t = Instant::now();
        let mut s = ServerConnection::new(server.clone()).expect("server");
        in_server += t.elapsed();
        while c.is_handshaking() || s.is_handshaking() {
            let mut moved = pump(&mut |b| c.write_tls(b).expect("client write"), &mut |b| {
                let t = Instant::now();
                s.read_tls(&mut &b[..]).expect("server read");
                s.process_new_packets().expect("server process");
                in_server += t.elapsed();
            });
            moved |= pump(
                &mut |b| {
                    let t = Instant::now();
                    let r = s.write_tls(b).expect("server write");
                    in_server += t.elapsed();
                    r
                },
                &mut |b| {
                    let mut rd = b;
                    while !rd.is_empty() {
                        c.read_tls(&mut rd).expect("client read");
                        c.process_new_packets().expect("client process");
                    }
                },
            );
            assert!(moved, "handshake stalled");
        }
        n += 1;
    }
    let all = start.elapsed().as_secs_f64();
    println!(
        "server {:.0} handshakes/s per core, client+server {:.0}/s ({n} full handshakes, {} tickets each)",
        n as f64 / in_server.as_secs_f64(),
        n as f64 / all,
        tickets
    );
}

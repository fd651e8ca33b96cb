//! `TYPE A` through both client adapters against the crate's own servers (RFC 959
//! §3.1.1.1): the network form is CRLF lines, the local form LF lines. Our servers store LF
//! and send CRLF under `TYPE A`, so a file that goes up and comes back in ASCII must be the
//! local file again, and one that has a CR of its own keeps it (`a\r\n` locally is sent as
//! `a\r\r\n` and stored as `a\r\n`). Files are big enough (1 MiB+) to put line ends across
//! every buffer boundary of the data path.
#![cfg(feature = "tokio")]

use std::path::PathBuf;

use ftps_proto::client::Login;
use ftps_proto::io::blocking::client::{BlockingClient, Options};
use ftps_proto::io::blocking::server::{Server, ServerOptions, User};
use ftps_proto::io::tls::{ClientTlsOptions, TrustRoots};
use ftps_proto::types::{Password, Pathname, TransferType, Username};
use rustls::pki_types::CertificateDer;

#[path = "server_io_support/identity.rs"]
mod identity;

fn alice() -> Login {
    Login::new(
        Username::try_from("alice").unwrap(),
        Password::try_from("secret").unwrap(),
    )
}

fn p(s: &str) -> Pathname<'static> {
    Pathname::try_from(s.to_owned()).unwrap()
}

fn options(cert: &CertificateDer<'static>) -> Options {
    let mut tls = ClientTlsOptions::default();
    tls.roots = TrustRoots::Certificates(vec![cert.clone()]);
    Options::default().with_tls(tls)
}

fn root(tag: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!(
        "ftps-proto-client-ascii-{tag}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// Text lines of varied length, LF-ended, about `len` bytes.
fn text(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 100);
    let mut i = 0u32;
    while out.len() < len {
        let width = (i.wrapping_mul(2_654_435_761) >> 24) as usize % 90;
        out.extend(std::iter::repeat(b'a' + (i % 26) as u8).take(width));
        out.push(b'\n');
        i += 1;
    }
    out
}

/// The network form of a local text: every LF as CRLF.
fn crlf(local: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &b in local {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

#[test]
fn blocking_client_converts_line_ends_both_ways_under_type_a() {
    let (cert, tls) = identity::localhost();
    let root = root("blocking");
    let mut o = ServerOptions::new(tls.build().unwrap(), root.clone());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.users.push(User::with_password("alice", "secret"));
    let server = Server::bind(o).unwrap();
    let addr = server.explicit_addr().unwrap();
    let stop = server.stop_handle();
    let thread = std::thread::spawn(move || server.run().unwrap());

    let mut c = BlockingClient::connect_to(addr, "localhost", options(&cert)).unwrap();
    c.login(alice()).unwrap();
    c.set_type(TransferType::Ascii(None)).unwrap();
    let local = text(1 << 20);
    // Upload: LF -> CRLF on the wire (the count is the wire's), stored as LF.
    let sent = c.store(p("t.txt"), &mut &local[..]).unwrap();
    assert_eq!(sent, crlf(&local).len() as u64);
    assert!(std::fs::read(root.join("t.txt")).unwrap() == local);
    // Download: the server sends CRLF, the sink gets LF.
    let mut got = Vec::new();
    let n = c.retrieve(p("t.txt"), 0, &mut got).unwrap();
    assert_eq!(n, crlf(&local).len() as u64);
    assert!(got == local, "TYPE A download was not converted back to LF");
    // A CR of the file's own is data: sent as CR CRLF, stored and fetched back as CR LF.
    c.store(p("cr.txt"), &mut &b"dos line\r\nlone\rcr\n"[..])
        .unwrap();
    assert_eq!(
        std::fs::read(root.join("cr.txt")).unwrap(),
        b"dos line\r\nlone\rcr\n"
    );
    let mut got = Vec::new();
    c.retrieve(p("cr.txt"), 0, &mut got).unwrap();
    assert_eq!(got, b"dos line\r\nlone\rcr\n");
    // Listings are not converted; binary again is byte for byte.
    let mut listing = Vec::new();
    c.list(None, &mut listing).unwrap();
    assert!(listing.windows(2).any(|w| w == b"\r\n"), "LIST as sent");
    c.set_type(TransferType::Image).unwrap();
    let mut got = Vec::new();
    c.retrieve(p("cr.txt"), 0, &mut got).unwrap();
    assert_eq!(got, b"dos line\r\nlone\rcr\n");
    c.quit().unwrap();
    stop.stop();
    thread.join().unwrap();
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_converts_line_ends_both_ways_under_type_a() {
    use ftps_proto::io::tokio::client::Client;
    use ftps_proto::io::tokio::server::{Server, ServerOptions, User};
    let (cert, tls) = identity::localhost();
    let root = root("tokio");
    let mut o = ServerOptions::new(tls.build().unwrap(), root.clone());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.users.push(User::with_password("alice", "secret"));
    let server = Server::bind(o).await.unwrap();
    let addr = server.explicit_addr().unwrap();
    let stop = server.stop_handle();
    let running = tokio::spawn(server.run());

    let mut c = Client::connect(addr, "localhost", options(&cert))
        .await
        .unwrap();
    c.login(alice()).await.unwrap();
    c.set_type(TransferType::Ascii(None)).await.unwrap();
    let local = text(1 << 20);
    let sent = c.store(p("t.txt"), &mut &local[..]).await.unwrap();
    assert_eq!(sent, crlf(&local).len() as u64);
    assert!(std::fs::read(root.join("t.txt")).unwrap() == local);
    let mut got = Vec::new();
    let n = c.retrieve(p("t.txt"), 0, &mut got).await.unwrap();
    assert_eq!(n, crlf(&local).len() as u64);
    assert!(got == local, "TYPE A download was not converted back to LF");
    c.store(p("cr.txt"), &mut &b"dos line\r\nlone\rcr\n"[..])
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(root.join("cr.txt")).unwrap(),
        b"dos line\r\nlone\rcr\n"
    );
    let mut got = Vec::new();
    c.retrieve(p("cr.txt"), 0, &mut got).await.unwrap();
    assert_eq!(got, b"dos line\r\nlone\rcr\n");
    c.set_type(TransferType::Image).await.unwrap();
    let mut got = Vec::new();
    c.retrieve(p("cr.txt"), 0, &mut got).await.unwrap();
    assert_eq!(got, b"dos line\r\nlone\rcr\n");
    c.quit().await.unwrap();
    stop.stop();
    running.await.unwrap();
    let _ = std::fs::remove_dir_all(&root);
}

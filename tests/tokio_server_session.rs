//! The tokio server adapter end to end on loopback: the shared session transcripts of
//! `tests/server_io_support` (the same as the blocking server's, `tests/server_io_session.rs`:
//! both adapters must behave identically on the wire) run against `io::tokio::server::Server`
//! on a multi-threaded runtime of its own, plus the tokio-only cases below. Transcripts are
//! spelled out as `C:` / `S:` exchanges.
#![cfg(feature = "tokio")]

#[macro_use]
mod server_io_support;

use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use ftps_proto::io::tokio::server::{Server, ServerOptions};
use server_io_support::{data_connection, start, strict, Adapter, Client, Launched};

/// The tokio server on a multi-threaded runtime of its own, run on a thread of its own.
struct Tokio;

impl Adapter for Tokio {
    const NAME: &'static str = "tokio";

    fn launch(options: ServerOptions) -> Launched {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(Server::bind(options)).unwrap();
        let explicit = server.explicit_addr();
        let implicit = server.implicit_addr();
        let stop = server.stop_handle();
        let thread = std::thread::spawn(move || rt.block_on(server.run()));
        Launched {
            explicit,
            implicit,
            stop: Box::new(move || stop.stop()),
            thread,
        }
    }
}

server_io_session_tests!(Tokio);
server_io_storage_tests!(Tokio);

/// RFC 2577 §3 / RFC 4217 §10.1: a passive data connection from another address than the
/// control connection's peer is closed at once, and the real client still gets its data.
#[test]
fn passive_connection_from_a_stranger_is_dropped_and_the_client_still_connects() {
    let srv = start::<Tokio>("stranger", strict());
    let mut c = Client::connect(srv.explicit, &srv.client, false);
    assert_eq!(c.reply().0, 220);
    c.auth_tls();
    c.login_private();
    let port = c.epsv_port();
    // The thief: 127.0.0.2 is loopback too, but not the control peer (127.0.0.1).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let closed_at_once = rt.block_on(async {
        use tokio::io::AsyncReadExt;
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        let mut thief = socket
            .connect(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap();
        let mut b = [0u8; 16];
        matches!(
            tokio::time::timeout(Duration::from_secs(5), thief.read(&mut b)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    });
    assert!(
        closed_at_once,
        "the server kept a stranger's data connection"
    );
    // The real client connects and downloads.
    let mut data = data_connection(port, &srv.client);
    c.start("RETR pub/hello.txt");
    let mut got = Vec::new();
    data.read_to_end(&mut got).unwrap();
    assert_eq!(c.reply().0, 226);
    assert_eq!(got, b"hello\r\n");
}

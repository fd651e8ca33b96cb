//! The tokio client adapter against a scripted FTPS server (std sockets + rustls in a
//! thread) that misbehaves on purpose: a download whose data connection ends without TLS
//! close_notify must fail, even though the server says `226` — a truncated file is never a
//! success (RFC 4217 §12.6 style truncation attack).
#![cfg(feature = "tokio")]

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;

use ftps_proto::client::{Failure, Login};
use ftps_proto::io::tls::{ClientTlsOptions, ServerIdentity, ServerTlsOptions, TrustRoots};
use ftps_proto::io::tokio::client::{Client, Error, Options};
use ftps_proto::types::{DataEnd, Password, Pathname, Username};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

fn tls_accept(
    config: &Arc<ServerConfig>,
    mut tcp: TcpStream,
) -> StreamOwned<ServerConnection, TcpStream> {
    let mut conn = ServerConnection::new(config.clone()).unwrap();
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).unwrap();
    }
    StreamOwned::new(conn, tcp)
}

/// S: 220, C: AUTH TLS, S: 234, then answers the login sequence; on `RETR` sends `body`
/// over TLS and closes the data connection with a bare FIN (no close_notify), then `226`.
fn scripted_server(config: Arc<ServerConfig>, listener: TcpListener, body: Vec<u8>) {
    let (mut tcp, _) = listener.accept().unwrap();
    tcp.write_all(b"220 scripted\r\n").unwrap();
    let mut line = String::new();
    BufReader::new(&mut tcp).read_line(&mut line).unwrap();
    assert_eq!(line, "AUTH TLS\r\n");
    tcp.write_all(b"234 go\r\n").unwrap();
    let mut ctl = BufReader::new(tls_accept(&config, tcp));
    let data = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = data.local_addr().unwrap().port();
    loop {
        let mut line = String::new();
        if ctl.read_line(&mut line).unwrap() == 0 {
            return;
        }
        let verb = line.split([' ', '\r']).next().unwrap().to_string();
        let reply = match verb.as_str() {
            "USER" => "331 password\r\n".to_string(),
            "PASS" => "230 in\r\n".to_string(),
            "FEAT" => "211-Features:\r\n EPSV\r\n211 End\r\n".to_string(),
            "EPSV" => format!("229 Entering Extended Passive Mode (|||{port}|)\r\n"),
            "RETR" => {
                ctl.get_mut().write_all(b"150 here it comes\r\n").unwrap();
                ctl.get_mut().flush().unwrap();
                let (d, _) = data.accept().unwrap();
                let mut s = tls_accept(&config, d);
                s.write_all(&body).unwrap();
                s.flush().unwrap();
                // The attack: FIN without close_notify.
                s.sock.shutdown(Shutdown::Both).unwrap();
                "226 all sent (a lie)\r\n".to_string()
            }
            "QUIT" => {
                ctl.get_mut().write_all(b"221 bye\r\n").unwrap();
                return;
            }
            _ => "200 ok\r\n".to_string(),
        };
        ctl.get_mut().write_all(reply.as_bytes()).unwrap();
        ctl.get_mut().flush().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_without_close_notify_fails_even_after_226() {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = CertificateDer::from(ck.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let config = ServerTlsOptions::new(ServerIdentity::Loaded {
        chain: vec![cert.clone()],
        key: Arc::new(key),
    })
    .build()
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || scripted_server(config, listener, vec![9u8; 100_000]));

    let mut tls = ClientTlsOptions::default();
    tls.roots = TrustRoots::Certificates(vec![cert]);
    let mut c = Client::connect(addr, "localhost", Options::default().with_tls(tls))
        .await
        .unwrap();
    c.login(Login::new(
        Username::try_from("alice").unwrap(),
        Password::try_from("secret").unwrap(),
    ))
    .await
    .unwrap();
    let mut got = Vec::new();
    let r = c
        .retrieve(Pathname::try_from("file.bin").unwrap(), 0, &mut got)
        .await;
    assert!(
        matches!(
            &r,
            Err(Error::Failed {
                failure: Failure::DataConnection {
                    end: DataEnd::Truncated,
                    reply: Some(_),
                },
                ..
            })
        ),
        "a download cut without close_notify was reported as {r:?}"
    );
    // Every byte that did arrive was handed over; the failure is about the missing end.
    assert_eq!(got.len(), 100_000);
    let _ = c.quit().await;
    tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
}

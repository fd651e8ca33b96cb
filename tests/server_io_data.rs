//! Data connections of the blocking server adapter, on loopback: passive connections only
//! from the control peer, TLS accepted whenever the client starts it, "must resume" enforced
//! (RFC 4217 §10.2), and the end of an upload told apart: close_notify (clean) versus a bare
//! EOF (truncated, RFC 4217 §10 / RFC 5246 §7.2.1).
#![cfg(feature = "rustls")]

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftps_proto::io::blocking::server::data::{
    accept_from, listen_in_range, DataError, DataStream, DataTls,
};
use ftps_proto::io::tls::{
    per_session_config, ClientTlsOptions, ServerIdentity, ServerTlsOptions, TrustRoots,
};
use ftps_proto::types::DataEnd;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConnection, StreamOwned};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn tls_pair() -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = CertificateDer::from(ck.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let server = ServerTlsOptions::new(ServerIdentity::Loaded {
        chain: vec![cert.clone()],
        key: Arc::new(key),
    })
    .build()
    .unwrap();
    let mut c = ClientTlsOptions::default();
    c.roots = TrustRoots::Certificates(vec![cert]);
    (c.build().unwrap(), per_session_config(&server).unwrap())
}

fn tls_client(
    config: &Arc<rustls::ClientConfig>,
    tcp: TcpStream,
) -> StreamOwned<ClientConnection, TcpStream> {
    let conn =
        ClientConnection::new(config.clone(), ServerName::try_from("localhost").unwrap()).unwrap();
    StreamOwned::new(conn, tcp)
}

/// A "control connection" handshake: the client gets a session (and TLS 1.3 tickets, which
/// arrive with the first application data) that a data connection can resume.
fn control_handshake(client: &Arc<rustls::ClientConfig>, server: &Arc<rustls::ServerConfig>) {
    let l = TcpListener::bind((LOCALHOST, 0)).unwrap();
    let addr = l.local_addr().unwrap();
    let server = server.clone();
    let t = std::thread::spawn(move || {
        let (tcp, _) = l.accept().unwrap();
        let mut s = StreamOwned::new(rustls::ServerConnection::new(server).unwrap(), tcp);
        s.write_all(b"220 ready\r\n").unwrap();
        s.flush().unwrap();
        let mut b = [0u8; 1];
        let _ = s.read(&mut b);
    });
    let mut c = tls_client(client, TcpStream::connect(addr).unwrap());
    let mut line = [0u8; 11];
    c.read_exact(&mut line).unwrap();
    assert_eq!(&line, b"220 ready\r\n");
    c.write_all(b"x").unwrap();
    c.flush().unwrap();
    t.join().unwrap();
}

fn deadline(ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(ms)
}

#[test]
fn passive_connection_from_another_address_is_dropped_and_waiting_goes_on() {
    let listener = listen_in_range(LOCALHOST, 0..=0).unwrap();
    let addr = listener.local_addr().unwrap();
    let cancel = AtomicBool::new(false);
    // The control peer is 127.0.0.2; this connection comes from 127.0.0.1: a port thief.
    let mut thief = TcpStream::connect(addr).unwrap();
    let started = Instant::now();
    let r = accept_from(
        &listener,
        "127.0.0.2".parse().unwrap(),
        deadline(300),
        &cancel,
    );
    assert!(matches!(r, Err(DataError::Timeout)), "{r:?}");
    assert!(started.elapsed() >= Duration::from_millis(250));
    // The thief was disconnected, not served.
    thief
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut b = [0u8; 1];
    assert!(matches!(thief.read(&mut b), Ok(0) | Err(_)));

    // The real client (same address as the control connection) is accepted.
    let _client = TcpStream::connect(addr).unwrap();
    let s = accept_from(&listener, LOCALHOST, deadline(2000), &cancel).unwrap();
    assert_eq!(s.peer_addr().unwrap().ip(), LOCALHOST);
}

#[test]
fn cancel_stops_waiting() {
    let listener = listen_in_range(LOCALHOST, 0..=0).unwrap();
    let cancel = AtomicBool::new(true);
    assert!(matches!(
        accept_from(&listener, LOCALHOST, deadline(5000), &cancel),
        Err(DataError::Cancelled)
    ));
}

#[test]
fn passive_port_range_is_respected_and_exhaustion_reported() {
    // Find two free adjacent-ish ports by binding a small range.
    let a = listen_in_range(LOCALHOST, 47100..=47103).unwrap();
    let b = listen_in_range(LOCALHOST, 47100..=47103).unwrap();
    for l in [&a, &b] {
        assert!((47100..=47103).contains(&l.local_addr().unwrap().port()));
    }
    assert_ne!(a.local_addr().unwrap(), b.local_addr().unwrap());
    let c = listen_in_range(LOCALHOST, 47100..=47103).unwrap();
    let d = listen_in_range(LOCALHOST, 47100..=47103).unwrap();
    assert!(listen_in_range(LOCALHOST, 47100..=47103).is_err());
    drop((a, b, c, d));
}

/// Accepts one data connection and runs the TLS server handshake on it.
fn tls_data_server(
    server: Arc<rustls::ServerConfig>,
    require_resumption: bool,
) -> (
    std::net::SocketAddr,
    std::thread::JoinHandle<Result<DataStream, DataError>>,
) {
    let listener = listen_in_range(LOCALHOST, 0..=0).unwrap();
    let addr = listener.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let cancel = AtomicBool::new(false);
        let tcp = accept_from(&listener, LOCALHOST, deadline(5000), &cancel)?;
        DataStream::tls_accept(
            tcp,
            &DataTls {
                config: server,
                require_resumption,
            },
            deadline(5000),
        )
    });
    (addr, t)
}

#[test]
fn resumption_required_refuses_a_fresh_session_and_accepts_the_control_one() {
    let (client, server) = tls_pair();
    control_handshake(&client, &server);

    // Data connection by a client that resumes (same client config = same session cache).
    let (addr, t) = tls_data_server(server.clone(), true);
    let mut c = tls_client(&client, TcpStream::connect(addr).unwrap());
    c.flush().unwrap();
    while c.conn.is_handshaking() {
        c.conn.complete_io(&mut c.sock).unwrap();
    }
    let data = t.join().unwrap().unwrap();
    assert_eq!(data.resumed(), Some(true));
    drop(data);

    // A client with its own, empty session cache (like stock Python FTP_TLS) cannot resume.
    let (addr, t) = tls_data_server(server.clone(), true);
    let mut fresh = rustls::ClientConfig::clone(&client);
    fresh.resumption = rustls::client::Resumption::in_memory_sessions(8);
    let fresh = Arc::new(fresh);
    let mut c = tls_client(&fresh, TcpStream::connect(addr).unwrap());
    let _ = c.flush();
    while c.conn.is_handshaking() {
        if c.conn.complete_io(&mut c.sock).is_err() {
            break;
        }
    }
    let r = t.join().unwrap();
    assert!(matches!(r, Err(DataError::NotResumed)), "{r:?}");
}

#[test]
fn upload_clean_only_with_close_notify_truncated_on_bare_eof() {
    let (client, server) = tls_pair();
    for with_close_notify in [true, false] {
        let (addr, t) = tls_data_server(server.clone(), false);
        let receiver = std::thread::spawn(move || {
            let data = t.join().unwrap().unwrap();
            let mut file = Vec::new();
            let r = data
                .receive_into(&mut file, &AtomicBool::new(false))
                .unwrap();
            (r, file)
        });
        let mut c = tls_client(&client, TcpStream::connect(addr).unwrap());
        let payload: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        c.write_all(&payload).unwrap();
        c.flush().unwrap();
        if with_close_notify {
            c.conn.send_close_notify();
            c.flush().unwrap();
        }
        c.sock.shutdown(std::net::Shutdown::Write).unwrap();
        let ((n, end), file) = receiver.join().unwrap();
        assert_eq!(n, payload.len() as u64);
        assert_eq!(file, payload);
        let want = if with_close_notify {
            DataEnd::Clean
        } else {
            DataEnd::Truncated
        };
        assert_eq!(end, want);
    }
}

#[test]
fn download_ends_with_close_notify_that_the_client_sees() {
    let (client, server) = tls_pair();
    let (addr, t) = tls_data_server(server, false);
    let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
    let expected = payload.clone();
    let sender = std::thread::spawn(move || {
        let data = t.join().unwrap().unwrap();
        let sent = data
            .send_from(&mut &payload[..], &AtomicBool::new(false))
            .unwrap();
        let outcome = (sent.bytes, sent.end);
        sent.linger();
        outcome
    });
    let mut c = tls_client(&client, TcpStream::connect(addr).unwrap());
    let mut got = Vec::new();
    // read_to_end fails with UnexpectedEof if the server closes without close_notify.
    c.read_to_end(&mut got).unwrap();
    assert_eq!(got, expected);
    drop(c);
    assert_eq!(sender.join().unwrap(), (1_000_000, DataEnd::Clean));
}

#[test]
fn clear_upload_ends_clean_on_fin() {
    let listener = listen_in_range(LOCALHOST, 0..=0).unwrap();
    let addr = listener.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let tcp = accept_from(
            &listener,
            LOCALHOST,
            deadline(5000),
            &AtomicBool::new(false),
        )
        .unwrap();
        let mut file = Vec::new();
        let r = DataStream::Clear(tcp)
            .receive_into(&mut file, &AtomicBool::new(false))
            .unwrap();
        (r, file)
    });
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(b"plain bytes").unwrap();
    drop(c);
    let ((n, end), file) = t.join().unwrap();
    assert_eq!((n, end), (11, DataEnd::Clean));
    assert_eq!(file, b"plain bytes");
}

#[test]
fn a_client_that_never_handshakes_times_out() {
    let (_, server) = tls_pair();
    let listener = listen_in_range(LOCALHOST, 0..=0).unwrap();
    let addr = listener.local_addr().unwrap();
    let _silent = TcpStream::connect(addr).unwrap();
    let tcp = accept_from(
        &listener,
        LOCALHOST,
        deadline(2000),
        &AtomicBool::new(false),
    )
    .unwrap();
    let started = Instant::now();
    let r = DataStream::tls_accept(
        tcp,
        &DataTls {
            config: server,
            require_resumption: false,
        },
        deadline(300),
    );
    assert!(matches!(r, Err(DataError::Timeout)), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

//! Both client adapters against a scripted server that goes silent after `150`: on the data
//! connection (no byte, no end) and on the control connection (no final reply). The
//! transfer must fail after ONE data timeout (plus a short grace for the final reply), not
//! after the data timeout and then a second, full reply timeout. Timeouts are short (1 s)
//! so that the difference is measured, not waited for.
//!
//! `S:` is what the scripted server sends, `C:` what it expects. Plain FTP (the stall has
//! nothing to do with TLS; the loopback suites cover TLS).
#![cfg(feature = "tokio")]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ftps_proto::client::{Config, Login, Security, Timeouts};
use ftps_proto::io::blocking::client::{BlockingClient, Error, Options};
use ftps_proto::types::{Password, Pathname, Username};

/// The data and reply timeouts of every test.
const TIMEOUT: Duration = Duration::from_secs(1);

/// Less than two timeouts: one timeout, the grace for the final reply, and slack for a
/// loaded machine.
const AT_MOST: Duration = Duration::from_millis(1800);

/// A scripted server: logs anyone in, answers `EPSV`, and after `S: 150` on `RETR`/`STOR`
/// says nothing more on either connection (it never reads the data connection either). It
/// holds both connections until the client closes the control connection (or 20 s pass).
fn silent_after_150() -> (SocketAddr, JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let thread = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut out = tcp.try_clone().unwrap();
        let mut input = BufReader::new(tcp);
        let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let mut seen = Vec::new();
        let send = |out: &mut TcpStream, s: &str| {
            out.write_all(format!("{s}\r\n").as_bytes()).unwrap();
        };
        send(&mut out, "220 scripted server");
        let mut silent = false;
        loop {
            let mut line = String::new();
            match input.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let line = line.trim_end().to_owned();
            seen.push(line.clone());
            if silent {
                continue;
            }
            let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "USER" => send(&mut out, "331 Password please."),
                "PASS" => send(&mut out, "230 Logged in."),
                "FEAT" => send(&mut out, "211-Features:\r\n EPSV\r\n SIZE\r\n211 End"),
                "EPSV" => {
                    let data = TcpListener::bind("127.0.0.1:0").unwrap();
                    let port = data.local_addr().unwrap().port();
                    let held = held.clone();
                    std::thread::spawn(move || {
                        if let Ok((tcp, _)) = data.accept() {
                            held.lock().unwrap().push(tcp);
                        }
                    });
                    send(
                        &mut out,
                        &format!("229 Entering Extended Passive Mode (|||{port}|)"),
                    );
                }
                "RETR" | "STOR" => {
                    send(&mut out, "150 Opening data connection.");
                    silent = true;
                }
                "QUIT" => {
                    send(&mut out, "221 Bye.");
                    break;
                }
                _ => send(&mut out, "200 OK."),
            }
        }
        // Keep the data connection open until the control connection is over.
        drop(held);
        seen
    });
    (addr, thread)
}

fn options() -> Options {
    let mut timeouts = Timeouts::default();
    timeouts.data = Some(TIMEOUT);
    timeouts.reply = Some(TIMEOUT);
    Options::default().with_config(
        Config::default()
            .with_security(Security::Plain)
            .with_timeouts(timeouts),
    )
}

fn login() -> Login {
    Login::new(
        Username::try_from("alice").unwrap(),
        Password::try_from("secret").unwrap(),
    )
}

fn path(s: &str) -> Pathname<'static> {
    Pathname::try_from(s.to_owned()).unwrap()
}

/// The failure came after one timeout: not before it, and well before two.
#[track_caller]
fn after_one_timeout(took: Duration, e: &Error) {
    assert!(
        took >= TIMEOUT && took < AT_MOST,
        "failed after {took:?} (one timeout is {TIMEOUT:?}): {e}"
    );
    assert!(
        e.to_string().contains("stopped responding"),
        "the error says why: {e}"
    );
}

fn blocking_client(addr: SocketAddr) -> BlockingClient {
    let mut c = BlockingClient::connect_to(addr, "localhost", options()).unwrap();
    c.login(login()).unwrap();
    c
}

#[test]
fn blocking_download_stalled_after_150_fails_after_one_timeout() {
    let (addr, server) = silent_after_150();
    let mut c = blocking_client(addr);
    let started = Instant::now();
    let mut sink = Vec::new();
    let e = c.retrieve(path("f"), 0, &mut sink).unwrap_err();
    after_one_timeout(started.elapsed(), &e);
    assert!(
        e.is_fatal(),
        "a server silent on both connections is given up: {e}"
    );
    assert!(sink.is_empty());
    drop(c);
    assert!(server.join().unwrap().contains(&"RETR f".to_owned()));
}

#[test]
fn blocking_small_upload_unanswered_after_150_fails_after_one_timeout() {
    // A small file fits in the socket buffers: the upload ends, but the server neither ends
    // its side nor replies.
    let (addr, server) = silent_after_150();
    let mut c = blocking_client(addr);
    let started = Instant::now();
    let e = c.store(path("f"), &mut &b"small file"[..]).unwrap_err();
    after_one_timeout(started.elapsed(), &e);
    drop(c);
    assert!(server.join().unwrap().contains(&"STOR f".to_owned()));
}

#[test]
fn blocking_large_upload_stalled_after_150_fails_after_one_timeout() {
    // The server never reads: the writes stop once the socket buffers are full.
    let (addr, server) = silent_after_150();
    let mut c = blocking_client(addr);
    let big = vec![7u8; 64 << 20];
    let started = Instant::now();
    let e = c.store(path("f"), &mut &big[..]).unwrap_err();
    after_one_timeout(started.elapsed(), &e);
    drop(c);
    server.join().unwrap();
}

async fn tokio_client(addr: SocketAddr) -> ftps_proto::io::tokio::client::Client {
    let mut c = ftps_proto::io::tokio::client::Client::connect(addr, "localhost", options())
        .await
        .unwrap();
    c.login(login()).await.unwrap();
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_download_stalled_after_150_fails_after_one_timeout() {
    let (addr, server) = silent_after_150();
    let mut c = tokio_client(addr).await;
    let started = Instant::now();
    let mut sink = Vec::new();
    let e = c.retrieve(path("f"), 0, &mut sink).await.unwrap_err();
    after_one_timeout(started.elapsed(), &e);
    assert!(e.is_fatal(), "{e}");
    drop(c);
    let seen = tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    assert!(seen.contains(&"RETR f".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_large_upload_stalled_after_150_fails_after_one_timeout() {
    let (addr, server) = silent_after_150();
    let mut c = tokio_client(addr).await;
    let big = vec![7u8; 64 << 20];
    let started = Instant::now();
    let e = c.store(path("f"), &mut &big[..]).await.unwrap_err();
    after_one_timeout(started.elapsed(), &e);
    drop(c);
    tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
}

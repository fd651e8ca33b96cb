//! The state machines in memory, no I/O: commands per second through a logged-in server
//! [`Session`] and request/reply round trips per second through a logged-in [`Client`], plus
//! `size_of` of each machine (the issue's target: at most 512 bytes of inline state).
//!
//! ```text
//! cargo bench --bench machines               # full run, well under 2 minutes
//! cargo bench --bench machines -- --test     # each benchmark once, as a correctness check
//! ```
//!
//! Every iteration asserts the reply it got (`200` for NOOP, `257` for PWD), so `--test` is
//! a real check; a machine that stopped answering fails the run instead of timing nothing.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use ftps_proto::client::{self, Client, Login, Security};
use ftps_proto::server::{self, ControlPolicy, DataPolicy, Event, Session};
use ftps_proto::types::{Instant, Password, Pathname, Username};

const T: Instant = Instant::ZERO;

/// Drains a server session, answering login questions with yes and PWD with
/// `/home/alice`; appends the bytes it sent to `sent`.
fn drain_server(s: &mut Session, sent: &mut Vec<u8>) {
    loop {
        match s.poll_output() {
            server::Output::Send(b) => sent.extend_from_slice(&b),
            server::Output::Event(Event::User { decision, .. })
            | server::Output::Event(Event::Authenticate { decision, .. }) => {
                s.accept(decision).unwrap();
            }
            server::Output::Event(Event::PrintDirectory { decision, .. }) => {
                s.accept_path(decision, Pathname::try_from("/home/alice").unwrap())
                    .unwrap();
            }
            server::Output::Idle | server::Output::Timeout(_) => return,
            _ => {}
        }
    }
}

/// A server session logged in over a clear control connection (the policy allows it), so
/// the numbers are the machine's alone, not TLS's.
fn logged_in_session() -> Session {
    let config = server::Config::default()
        .with_control(ControlPolicy::Optional)
        .with_data(DataPolicy::Optional);
    let local: SocketAddr = "127.0.0.1:21".parse().unwrap();
    let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let mut s = Session::new(config, local, peer, T);
    let mut sent = Vec::new();
    drain_server(&mut s, &mut sent);
    assert!(
        sent.starts_with(b"220"),
        "S: {:?}",
        String::from_utf8_lossy(&sent)
    );
    for line in [&b"USER alice\r\n"[..], b"PASS secret\r\n"] {
        s.handle_input(line, T);
        drain_server(&mut s, &mut sent);
    }
    assert!(
        String::from_utf8_lossy(&sent).contains("\r\n230"),
        "no 230 in {:?}",
        String::from_utf8_lossy(&sent)
    );
    s
}

/// The scripted server's reply to one client command line.
fn reply_to(line: &[u8]) -> &'static [u8] {
    let verb = line
        .split(|&b| b == b' ' || b == b'\r')
        .next()
        .unwrap_or(b"");
    match verb {
        b"USER" => b"331 Password required\r\n",
        b"PASS" => b"230 Logged in\r\n",
        b"FEAT" => b"211-Features:\r\n EPSV\r\n SIZE\r\n211 End\r\n",
        b"PWD" => b"257 \"/home/alice\" is the current directory\r\n",
        _ => b"200 OK\r\n",
    }
}

/// Drains a client; every command it sends is answered (fed back) at once. Returns the
/// completed requests' responses.
fn drain_client(c: &mut Client, done: &mut Vec<Result<client::Response, client::Failure>>) {
    loop {
        match c.poll_output() {
            client::Output::Send(b) => {
                let r = reply_to(&b);
                c.handle_input(r, T);
            }
            client::Output::Event(client::Event::Completed { result, .. }) => done.push(result),
            client::Output::Idle | client::Output::Timeout(_) => return,
            _ => {}
        }
    }
}

fn logged_in_client() -> Client {
    let config = client::Config::default()
        .with_security(Security::Plain)
        .with_data_protection(client::DataProtection::Clear);
    let mut c = Client::new(config, T);
    let mut done = Vec::new();
    c.handle_input(b"220 ready\r\n", T);
    drain_client(&mut c, &mut done);
    c.login(
        Login::new(
            Username::try_from("alice").unwrap(),
            Password::try_from("secret").unwrap(),
        ),
        T,
    )
    .unwrap();
    drain_client(&mut c, &mut done);
    assert!(c.is_logged_in(), "login did not complete: {done:?}");
    c
}

fn bench(cr: &mut Criterion) {
    println!(
        "size_of: server::Session = {} bytes, client::Client = {} bytes (target <= 512)",
        std::mem::size_of::<Session>(),
        std::mem::size_of::<Client>()
    );

    let mut g = cr.benchmark_group("server_session");
    g.throughput(Throughput::Elements(1));
    let mut s = logged_in_session();
    let mut sent = Vec::with_capacity(256);
    g.bench_function("NOOP", |b| {
        b.iter(|| {
            sent.clear();
            s.handle_input(black_box(b"NOOP\r\n"), T);
            drain_server(&mut s, &mut sent);
            assert!(
                sent.starts_with(b"200"),
                "{:?}",
                String::from_utf8_lossy(&sent)
            );
        })
    });
    g.bench_function("PWD", |b| {
        b.iter(|| {
            sent.clear();
            s.handle_input(black_box(b"PWD\r\n"), T);
            drain_server(&mut s, &mut sent);
            assert!(
                sent.starts_with(b"257"),
                "{:?}",
                String::from_utf8_lossy(&sent)
            );
        })
    });
    // A client that pipelines: 32 commands in one read.
    let batch: Vec<u8> = b"NOOP\r\n".repeat(32);
    g.throughput(Throughput::Elements(32));
    g.bench_function("NOOP x32 pipelined", |b| {
        b.iter(|| {
            sent.clear();
            s.handle_input(black_box(&batch), T);
            drain_server(&mut s, &mut sent);
            assert_eq!(sent.iter().filter(|&&b| b == b'\n').count(), 32);
        })
    });
    g.finish();

    let mut g = cr.benchmark_group("client");
    g.throughput(Throughput::Elements(1));
    let mut c = logged_in_client();
    let mut done = Vec::with_capacity(4);
    g.bench_function("NOOP request + 200", |b| {
        b.iter(|| {
            done.clear();
            c.noop(T).unwrap();
            drain_client(&mut c, &mut done);
            assert!(matches!(done.as_slice(), [Ok(_)]), "{done:?}");
        })
    });
    g.bench_function("PWD request + 257", |b| {
        b.iter(|| {
            done.clear();
            c.pwd(T).unwrap();
            drain_client(&mut c, &mut done);
            assert!(
                matches!(done.as_slice(), [Ok(client::Response::Path(Some(_)))]),
                "{done:?}"
            );
        })
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench(&mut c);
    c.final_summary();
}

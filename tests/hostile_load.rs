//! Hostile load against both server adapters (blocking and tokio) on loopback: passive
//! listeners that must not pile up (200 PASV/EPSV, a 10-port range shared with another
//! user), 500 silent connections beside a real client, stalled TLS handshakes, connections
//! that never log in, login guessing from many sessions of one address, the per-address
//! limit. Every test runs against both adapters, with short deadlines set through the
//! options, and counts what it can see: LISTEN sockets in the passive range
//! (`/proc/net/tcp`), the blocking adapter's data threads (`/proc/self/task/*/comm`) and the
//! tokio runtime's live tasks.
//!
//! Clients are raw FTP over `TcpStream` (plain FTP, `ControlPolicy::Optional`, except where
//! TLS is the point), so that a client can take a source address (127.0.0.2, ...) by binding
//! its socket before connecting (tokio's `TcpSocket`, converted to a std stream).
//!
//! The tests take a process-wide lock: they count threads, tasks and sockets of the process.
#![cfg(all(feature = "tokio", target_os = "linux"))]

#[path = "server_io_support/identity.rs"]
mod identity;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ftps_proto::io::blocking::server as blocking;
use ftps_proto::io::tokio::server as tokio_server;
use ftps_proto::io::tokio::server::{ServerOptions, User};
use ftps_proto::server::{Config, ControlPolicy, DataPolicy};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Adapter {
    Blocking,
    Tokio,
}

/// `NAME::blocking` and `NAME::tokio`: the test body `fn NAME(Adapter)` once per adapter,
/// each under the process-wide lock.
macro_rules! both_adapters {
    ($name:ident) => {
        mod $name {
            #[test]
            fn blocking() {
                let _serial = super::serial();
                super::$name(super::Adapter::Blocking);
            }
            #[test]
            fn tokio() {
                let _serial = super::serial();
                super::$name(super::Adapter::Tokio);
            }
        }
    };
}

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A file in the served root: 200 000 bytes that do not repeat with a short period.
fn payload() -> Vec<u8> {
    (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ (i >> 9) as u8)
        .collect()
}

/// Plain-FTP options (so that raw clients can speak), alice/secret, a file `f.bin`.
fn options(tag: &str, adapter: Adapter) -> (ServerOptions, PathBuf) {
    let (_, tls) = identity::localhost();
    let root = std::env::temp_dir().join(format!(
        "ftps-proto-hostile-load-{tag}-{adapter:?}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("f.bin"), payload()).unwrap();
    let mut o = ServerOptions::new(tls.build().unwrap(), root.clone());
    o.explicit = Some("127.0.0.1:0".parse().unwrap());
    o.implicit = Some("127.0.0.1:0".parse().unwrap());
    o.users.push(User::with_password("alice", "secret"));
    o.session = Config::default()
        .with_control(ControlPolicy::Optional)
        .with_data(DataPolicy::Optional)
        .with_login_attempts(3, Duration::from_millis(10));
    (o, root)
}

/// A server running on its own thread (the tokio one on a 2-worker runtime).
struct Running {
    explicit: SocketAddr,
    implicit: SocketAddr,
    stop: Box<dyn FnOnce()>,
    thread: JoinHandle<()>,
    tokio: Option<tokio::runtime::Handle>,
    root: PathBuf,
}

fn start(adapter: Adapter, options: ServerOptions, root: PathBuf) -> Running {
    match adapter {
        Adapter::Blocking => {
            let server = blocking::Server::bind(options).unwrap();
            let (explicit, implicit) = (
                server.explicit_addr().unwrap(),
                server.implicit_addr().unwrap(),
            );
            let stop = server.stop_handle();
            let thread = std::thread::spawn(move || server.run().unwrap());
            Running {
                explicit,
                implicit,
                stop: Box::new(move || stop.stop()),
                thread,
                tokio: None,
                root,
            }
        }
        Adapter::Tokio => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let server = rt.block_on(tokio_server::Server::bind(options)).unwrap();
            let (explicit, implicit) = (
                server.explicit_addr().unwrap(),
                server.implicit_addr().unwrap(),
            );
            let stop = server.stop_handle();
            let handle = rt.handle().clone();
            let thread = std::thread::spawn(move || rt.block_on(server.run()));
            Running {
                explicit,
                implicit,
                stop: Box::new(move || stop.stop()),
                thread,
                tokio: Some(handle),
                root,
            }
        }
    }
}

impl Running {
    /// Live tasks of the tokio runtime (`None` for the blocking adapter).
    fn tasks(&self) -> Option<usize> {
        self.tokio.as_ref().map(|h| h.metrics().num_alive_tasks())
    }

    /// Stops the server; it must return within 15 s (every session ended).
    fn stop(self) {
        (self.stop)();
        let until = Instant::now() + Duration::from_secs(15);
        while !self.thread.is_finished() {
            assert!(Instant::now() < until, "the server did not stop");
            std::thread::sleep(Duration::from_millis(10));
        }
        self.thread.join().unwrap();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A runtime used only to make sockets bound to a source address before connecting.
fn connector() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap()
    })
}

/// A TCP connection to `to` from `source` (any port).
fn connect_from(source: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    if source == LOCALHOST {
        return TcpStream::connect(to);
    }
    let s = connector().block_on(async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(source, 0))?;
        socket.connect(to).await
    })?;
    let s = s.into_std()?;
    s.set_nonblocking(false)?;
    Ok(s)
}

/// A raw FTP client.
struct Ftp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    source: IpAddr,
    server: IpAddr,
}

impl Ftp {
    /// Connects from `source` without reading anything.
    fn open(source: IpAddr, to: SocketAddr) -> Ftp {
        let tcp = connect_from(source, to).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Ftp {
            reader: BufReader::new(tcp.try_clone().unwrap()),
            writer: tcp,
            source,
            server: to.ip(),
        }
    }

    /// Connects from `source` and reads the first reply (220, or 421 when refused).
    fn connect(source: IpAddr, to: SocketAddr) -> (Ftp, u16, String) {
        let mut f = Ftp::open(source, to);
        let (code, text) = f.reply();
        (f, code, text)
    }

    /// One reply (multi-line replies joined); code 0 at EOF.
    fn reply(&mut self) -> (u16, String) {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) | Err(_) => return (0, all),
                Ok(_) => {}
            }
            all.push_str(&line);
            let b = line.as_bytes();
            if b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ' {
                return (line[..3].parse().unwrap(), all);
            }
        }
    }

    fn cmd(&mut self, line: &str) -> (u16, String) {
        if self
            .writer
            .write_all(format!("{line}\r\n").as_bytes())
            .is_err()
        {
            return (0, String::new());
        }
        self.reply()
    }

    fn login(&mut self, user: &str, pass: &str) -> u16 {
        let (c, _) = self.cmd(&format!("USER {user}"));
        if c != 331 {
            return c;
        }
        self.cmd(&format!("PASS {pass}")).0
    }

    fn logged_in(source: IpAddr, to: SocketAddr) -> Ftp {
        let (mut f, code, text) = Ftp::connect(source, to);
        assert_eq!(code, 220, "{text}");
        assert_eq!(f.login("alice", "secret"), 230);
        assert_eq!(f.cmd("TYPE I").0, 200);
        f
    }

    /// PASV: the port of the 227 reply.
    fn pasv(&mut self) -> u16 {
        let (code, text) = self.cmd("PASV");
        assert_eq!(code, 227, "{text}");
        let inner = text.split('(').nth(1).unwrap().split(')').next().unwrap();
        let n: Vec<u16> = inner
            .split(',')
            .map(|x| x.trim().parse().unwrap())
            .collect();
        n[4] * 256 + n[5]
    }

    /// EPSV: the port of the 229 reply.
    fn epsv(&mut self) -> u16 {
        let (code, text) = self.cmd("EPSV");
        assert_eq!(code, 229, "{text}");
        let inner = text.split("(|||").nth(1).unwrap();
        inner.split('|').next().unwrap().parse().unwrap()
    }

    /// PASV + RETR: the file's bytes (asserting 150 and 226).
    fn retr(&mut self, name: &str) -> Vec<u8> {
        let port = self.pasv();
        let mut data = connect_from(self.source, SocketAddr::new(self.server, port)).unwrap();
        data.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (code, text) = self.cmd(&format!("RETR {name}"));
        assert!(code == 150 || code == 125, "{text}");
        let mut got = Vec::new();
        data.read_to_end(&mut got).unwrap();
        let (code, text) = self.reply();
        assert_eq!(code, 226, "{text}");
        got
    }
}

/// Waits until the peer closes `tcp` (EOF or reset); how long it took. Panics after `limit`.
fn closed_after(tcp: &mut TcpStream, limit: Duration) -> Duration {
    let start = Instant::now();
    tcp.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 1024];
    loop {
        assert!(start.elapsed() < limit, "still open after {limit:?}");
        match tcp.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return start.elapsed(),
        }
    }
}

/// LISTEN sockets on 127.0.0.1 with a port in `range` (from `/proc/net/tcp`).
fn listeners(range: &std::ops::RangeInclusive<u16>) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp is readable");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let port = f[1]
                .split(':')
                .nth(1)
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            f[3] == "0A" && port.is_some_and(|p| range.contains(&p))
        })
        .count()
}

/// Threads of this process whose name starts with `prefix`.
fn threads(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task is readable")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

/// Waits (at most `limit`) until `ok` holds; whether it did.
fn eventually(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    loop {
        if ok() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ------------------------------------------------------------------------------ passive

/// C: 100 × (PASV, EPSV) in one session: after each reply at most one listener of the
/// session is open (the one just announced) and, for the blocking adapter, at most one data
/// thread; a transfer closes it; after QUIT no listener, no data thread and no extra task.
fn two_hundred_pasv_and_epsv_leave_no_listener_or_data_worker_behind(adapter: Adapter) {
    let range = match adapter {
        Adapter::Blocking => 22100..=22199,
        Adapter::Tokio => 22200..=22299,
    };
    let (mut o, root) = options("pasv", adapter);
    o.passive_ports = range.clone();
    let server = start(adapter, o, root);
    let tasks_idle = server.tasks();
    assert_eq!(listeners(&range), 0, "{adapter:?}: range not free");
    let mut c = Ftp::logged_in(LOCALHOST, server.explicit);
    let tasks_session = server.tasks();
    for i in 0..200 {
        let port = if i % 2 == 0 { c.pasv() } else { c.epsv() };
        assert!(range.contains(&port), "{adapter:?}: {port}");
        assert!(
            eventually(Duration::from_secs(1), || listeners(&range) == 1),
            "{adapter:?}: after {} passive commands, {} listeners",
            i + 1,
            listeners(&range)
        );
        assert!(
            eventually(Duration::from_secs(1), || threads("ftps-data") <= 1),
            "{adapter:?}: {} data threads",
            threads("ftps-data")
        );
        if let (Some(now), Some(base)) = (server.tasks(), tasks_session) {
            // The session's own tasks plus its one data task.
            assert!(
                eventually(Duration::from_secs(1), || server.tasks().unwrap()
                    <= base + 1),
                "{adapter:?}: {now} tasks, {base} with the session idle"
            );
        }
    }
    // A transfer ends with its listener closed.
    assert_eq!(c.retr("f.bin"), payload(), "{adapter:?}");
    assert!(
        eventually(Duration::from_secs(2), || listeners(&range) == 0),
        "{adapter:?}: listener left after a transfer"
    );
    c.epsv();
    assert_eq!(c.cmd("QUIT").0, 221);
    assert!(
        eventually(Duration::from_secs(2), || listeners(&range) == 0),
        "{adapter:?}: {} listeners after QUIT",
        listeners(&range)
    );
    assert!(
        eventually(Duration::from_secs(4), || threads("ftps-data") == 0),
        "{adapter:?}: {} data threads after QUIT",
        threads("ftps-data")
    );
    if let Some(idle) = tasks_idle {
        assert!(
            eventually(Duration::from_secs(4), || server.tasks() == Some(idle)),
            "{adapter:?}: {:?} tasks after QUIT, {idle} before the session",
            server.tasks()
        );
    }
    server.stop();
}

both_adapters!(two_hundred_pasv_and_epsv_leave_no_listener_or_data_worker_behind);

/// With a 10-port range, one session doing 60 PASV (never connecting) does not take passive
/// mode from another user, who transfers five files in between.
fn one_session_cannot_exhaust_a_ten_port_range(adapter: Adapter) {
    let range = match adapter {
        Adapter::Blocking => 22300..=22309,
        Adapter::Tokio => 22310..=22319,
    };
    let (mut o, root) = options("range", adapter);
    o.passive_ports = range.clone();
    let server = start(adapter, o, root);
    let mut hog = Ftp::logged_in(LOCALHOST, server.explicit);
    let mut user = Ftp::logged_in(OTHER, server.explicit);
    let mut ports = std::collections::BTreeSet::new();
    for round in 0..5 {
        for _ in 0..12 {
            ports.insert(hog.pasv());
        }
        assert_eq!(user.retr("f.bin"), payload(), "{adapter:?} round {round}");
    }
    // Random choice within the range: 60 draws from 10 ports cover most of them.
    assert!(ports.len() >= 5, "{adapter:?}: ports {ports:?}");
    assert!(ports.iter().all(|p| range.contains(p)));
    assert_eq!(hog.cmd("QUIT").0, 221);
    assert_eq!(user.cmd("QUIT").0, 221);
    server.stop();
}

both_adapters!(one_session_cannot_exhaust_a_ten_port_range);

// ------------------------------------------------------------------------------ admission

/// The soft limit on open files, from `/proc/self/limits`.
fn open_files_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let soft = line.split_whitespace().nth(3).unwrap();
    soft.parse().unwrap_or(u64::MAX)
}

/// A logged-in user, then 500 connections that never speak from 50 addresses (10 each),
/// against the default limits (64 sessions, 16 per address): the logged-in user keeps its
/// session, and a new client connects, logs in and downloads.
fn five_hundred_silent_connections_do_not_starve_a_real_client(adapter: Adapter) {
    // 500 client sockets + the server's (64 sessions, 3 descriptors each at most) + slack.
    let limit = open_files_limit();
    assert!(
        limit >= 1000,
        "this test needs 1000 open files, the soft limit is {limit}: raise it (ulimit -n)"
    );
    let (o, root) = options("silent", adapter);
    assert_eq!((o.max_sessions, o.max_sessions_per_address), (64, 16));
    let server = start(adapter, o, root);
    let mut early = Ftp::logged_in(LOCALHOST, server.explicit);
    let started = Instant::now();
    let mut silent = Vec::new();
    for i in 0..500u32 {
        let source = IpAddr::V4(Ipv4Addr::new(127, 0, 1, 1 + (i % 50) as u8));
        silent.push(connect_from(source, server.explicit).unwrap());
    }
    let opened = started.elapsed();
    // Let the server accept them all (and make room each time).
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        early.cmd("NOOP").0,
        200,
        "{adapter:?}: the logged-in user lost"
    );
    let t = Instant::now();
    let mut late = Ftp::logged_in(LOCALHOST, server.explicit);
    assert_eq!(late.retr("f.bin"), payload(), "{adapter:?}");
    let served = t.elapsed();
    assert_eq!(early.retr("f.bin"), payload(), "{adapter:?}");
    eprintln!("{adapter:?}: 500 silent connections opened in {opened:?}; new client logged in and downloaded in {served:?}");
    assert_eq!(late.cmd("QUIT").0, 221);
    assert_eq!(early.cmd("QUIT").0, 221);
    drop(silent);
    server.stop();
}

both_adapters!(five_hundred_silent_connections_do_not_starve_a_real_client);

/// `AUTH TLS`, `234`, then five bytes of a ClientHello and nothing more: closed at the
/// handshake deadline (1 s), not at the login deadline (30 s); the same for an implicit
/// connection that sends nothing.
fn stalled_tls_handshakes_are_closed_at_the_handshake_deadline(adapter: Adapter) {
    let (mut o, root) = options("handshake", adapter);
    o.handshake_timeout = Duration::from_secs(1);
    o.session = o
        .session
        .clone()
        .with_login_timeout(Duration::from_secs(30));
    let server = start(adapter, o, root);
    let (mut c, code, _) = Ftp::connect(LOCALHOST, server.explicit);
    assert_eq!(code, 220);
    assert_eq!(c.cmd("AUTH TLS").0, 234);
    c.writer.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00]).unwrap();
    let took = closed_after(&mut c.writer, Duration::from_secs(6));
    assert!(took >= Duration::from_millis(800), "{adapter:?}: {took:?}");

    let mut implicit = connect_from(LOCALHOST, server.implicit).unwrap();
    let took = closed_after(&mut implicit, Duration::from_secs(6));
    assert!(took >= Duration::from_millis(800), "{adapter:?}: {took:?}");
    server.stop();
}

both_adapters!(stalled_tls_handshakes_are_closed_at_the_handshake_deadline);

/// A client that sends NOOP every 200 ms but never logs in gets `421` at the pre-login
/// deadline (1.5 s) and is closed.
fn a_connection_that_never_logs_in_is_closed_at_the_login_deadline(adapter: Adapter) {
    let (mut o, root) = options("prelogin", adapter);
    o.session = o
        .session
        .clone()
        .with_login_timeout(Duration::from_millis(1500));
    let server = start(adapter, o, root);
    let start = Instant::now();
    let (mut c, code, _) = Ftp::connect(LOCALHOST, server.explicit);
    assert_eq!(code, 220);
    let (code, text) = loop {
        std::thread::sleep(Duration::from_millis(200));
        let r = c.cmd("NOOP");
        if r.0 != 200 {
            break r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(6),
            "{adapter:?}: never closed"
        );
    };
    assert_eq!(code, 421, "{adapter:?}: {text}");
    assert!(text.contains("Login timeout"), "{text}");
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(1400), "{adapter:?}: {took:?}");
    closed_after(&mut c.writer, Duration::from_secs(3));
    server.stop();
}

both_adapters!(a_connection_that_never_logs_in_is_closed_at_the_login_deadline);

/// Three sessions from 127.0.0.1 guess passwords (2 per session, then the session's own
/// limit closes it); after 5 failures from that address: a new connection from it gets
/// `421`, a session of it opened earlier gets `530` even with the right password, and
/// 127.0.0.2 still logs in.
fn login_guessing_from_many_sessions_blocks_the_address_but_not_others(adapter: Adapter) {
    let (mut o, root) = options("guess", adapter);
    o.max_login_failures_per_address = 5;
    o.login_failure_window = Duration::from_secs(60);
    o.session = o
        .session
        .clone()
        .with_login_attempts(2, Duration::from_millis(10));
    let server = start(adapter, o, root);
    let (mut waiting, code, _) = Ftp::connect(LOCALHOST, server.explicit);
    assert_eq!(code, 220);
    let mut failures = 0;
    while failures < 5 {
        let (mut g, code, text) = Ftp::connect(LOCALHOST, server.explicit);
        assert_eq!(code, 220, "{adapter:?} after {failures} failures: {text}");
        for _ in 0..2 {
            if failures == 5 {
                break;
            }
            assert_eq!(g.login("alice", &format!("guess{failures}")), 530);
            failures += 1;
        }
    }
    let (_, code, text) = Ftp::connect(LOCALHOST, server.explicit);
    assert_eq!(code, 421, "{adapter:?}: {text}");
    assert!(text.contains("failed logins"), "{text}");
    assert_eq!(waiting.login("alice", "secret"), 530, "{adapter:?}");
    let mut other = Ftp::logged_in(OTHER, server.explicit);
    assert_eq!(other.retr("f.bin"), payload());
    assert_eq!(other.cmd("QUIT").0, 221);
    drop(waiting);
    server.stop();
}

both_adapters!(login_guessing_from_many_sessions_blocks_the_address_but_not_others);

/// Per address 3, in all 5: three logged-in sessions from 127.0.0.1 fill its share (a
/// fourth gets `421`) while 127.0.0.2 is admitted; with all five slots logged in, 127.0.0.3
/// gets `421`; a silent connection is displaced for a newcomer of its address, never a
/// logged-in one.
fn per_address_limit_refuses_that_address_and_admits_others(adapter: Adapter) {
    let third = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
    let (mut o, root) = options("per-address", adapter);
    o.max_sessions = 5;
    o.max_sessions_per_address = 3;
    let server = start(adapter, o, root);
    let mut mine: Vec<Ftp> = (0..3)
        .map(|_| Ftp::logged_in(LOCALHOST, server.explicit))
        .collect();
    let (_, code, text) = Ftp::connect(LOCALHOST, server.explicit);
    assert_eq!(code, 421, "{adapter:?}: {text}");
    assert!(text.contains("your address"), "{text}");
    let mut others: Vec<Ftp> = (0..2)
        .map(|_| Ftp::logged_in(OTHER, server.explicit))
        .collect();
    let (_, code, text) = Ftp::connect(third, server.explicit);
    assert_eq!(code, 421, "{adapter:?}: {text}");
    assert!(text.contains("Too many sessions"), "{text}");
    // One of 127.0.0.1's users leaves; a silent connection takes the slot, and is
    // displaced when a real newcomer of that address arrives.
    assert_eq!(mine.pop().unwrap().cmd("QUIT").0, 221);
    assert!(eventually(Duration::from_secs(2), || {
        let (mut s, code, _) = Ftp::connect(LOCALHOST, server.explicit);
        if code != 220 {
            return false;
        }
        let (mut n, code, _) = Ftp::connect(LOCALHOST, server.explicit);
        if code != 220 {
            return false;
        }
        closed_after(&mut s.writer, Duration::from_secs(3));
        assert_eq!(n.login("alice", "secret"), 230);
        mine.push(n);
        true
    }));
    for c in mine.iter_mut().chain(others.iter_mut()) {
        assert_eq!(
            c.cmd("NOOP").0,
            200,
            "{adapter:?}: a logged-in user was dropped"
        );
    }
    drop((mine, others));
    server.stop();
}

both_adapters!(per_address_limit_refuses_that_address_and_admits_others);

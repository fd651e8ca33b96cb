//! The loopback benchmark's Rust side, driven by `benches/e2e.sh` (run by hand, never a CI
//! timing gate). Everything is on 127.0.0.1 and stops by itself.
//!
//! ```text
//! ftps-bench serve --root DIR --port P --cert PEM --key KEY --user U --pass P [--lifetime S] [--max-sessions N]
//! ftps-bench get   --port P --ca PEM --user U --pass P --path REMOTE [--out FILE]
//! ftps-bench put   --port P --ca PEM --user U --pass P --path REMOTE --in FILE
//! ftps-bench load  --port P --ca PEM --user U --pass P --clients N --seconds S
//! ftps-bench scale --port P --ca PEM --user U --pass P --sessions N --size BYTES
//! ```
//!
//! `serve` is the tokio server adapter (explicit FTPS, `PROT P` required), printing `ready`
//! once bound. `get`/`put` are the tokio client adapter, printing `bytes seconds`. `load`
//! runs N concurrent clients for S seconds, each repeating connect, `AUTH TLS`, login
//! (`USER`/`PASS`, `PBSZ`/`PROT`, `FEAT`, `TYPE`), `PWD`, `QUIT`, printing completed
//! sessions per second. `scale` opens N sessions, waits until every one is logged in, then
//! each uploads its own file of BYTES bytes and downloads it back; every file's SHA-256 must
//! match (a small SHA-256 below, no dependency); prints `ok N`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftps_proto::client::Login;
use ftps_proto::io::tls::{ClientTlsOptions, ServerIdentity, ServerTlsOptions, TrustRoots};
use ftps_proto::io::tokio::client::{Client, Options};
use ftps_proto::io::tokio::server::{Server, ServerOptions, User};
use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
use ftps_proto::types::{Password, Pathname, Username};

struct Args(Vec<String>);

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        let flag = format!("--{name}");
        self.0
            .iter()
            .position(|a| *a == flag)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }
    fn need(&self, name: &str) -> &str {
        self.get(name).unwrap_or_else(|| panic!("missing --{name}"))
    }
    fn num(&self, name: &str, default: u64) -> u64 {
        self.get(name)
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("--{name}: not a number"))
            })
            .unwrap_or(default)
    }
    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.num("port", 2121) as u16))
    }
}

fn options(a: &Args) -> Options {
    let mut tls = ClientTlsOptions::default();
    tls.roots = TrustRoots::CaFile(PathBuf::from(a.need("ca")));
    Options::default().with_tls(tls)
}

fn login(a: &Args) -> Login {
    Login::new(
        Username::try_from(a.need("user")).expect("user"),
        Password::try_from(a.need("pass")).expect("password"),
    )
}

async fn session(a: &Args) -> Client {
    let mut c = Client::connect(a.addr(), "localhost", options(a))
        .await
        .expect("connect");
    c.login(login(a)).await.expect("login");
    c
}

fn main() {
    let args = Args(std::env::args().skip(1).collect());
    let command = args.0.first().cloned().unwrap_or_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        match command.as_str() {
            "serve" => serve(&args).await,
            "get" => get(&args).await,
            "put" => put(&args).await,
            "load" => load(&args).await,
            "scale" => scale(&args).await,
            _ => {
                eprintln!("usage: ftps-bench serve|get|put|load|scale ... (see the source)");
                std::process::exit(2);
            }
        }
    });
}

async fn serve(a: &Args) {
    let tls = ServerTlsOptions::new(ServerIdentity::PemFiles {
        chain: a.need("cert").into(),
        key: a.need("key").into(),
    })
    .build()
    .expect("TLS identity");
    let mut o = ServerOptions::new(tls, a.need("root").into());
    o.explicit = Some(a.addr());
    o.users
        .push(User::with_password(a.need("user"), a.need("pass")));
    o.max_sessions = a.num("max-sessions", 2048) as usize;
    // Every benchmark client comes from 127.0.0.1.
    o.max_sessions_per_address = o.max_sessions;
    o.session = Config::default()
        .with_control(ControlPolicy::Required)
        .with_data(DataPolicy::Required);
    let server = Server::bind(o).await.expect("bind");
    let stop = server.stop_handle();
    let lifetime = Duration::from_secs(a.num("lifetime", 600));
    tokio::spawn(async move {
        tokio::time::sleep(lifetime).await;
        stop.stop();
    });
    println!("ready");
    server.run().await;
}

async fn get(a: &Args) {
    let mut c = session(a).await;
    let path = Pathname::try_from(a.need("path")).expect("path");
    let start = Instant::now();
    let n = match a.get("out") {
        Some(out) => {
            let mut f = tokio::fs::File::create(out).await.expect("create");
            c.retrieve(path, 0, &mut f).await.expect("RETR")
        }
        None => c
            .retrieve(path, 0, &mut tokio::io::sink())
            .await
            .expect("RETR"),
    };
    println!("{n} {:.6}", start.elapsed().as_secs_f64());
    c.quit().await.expect("QUIT");
}

async fn put(a: &Args) {
    let mut c = session(a).await;
    let path = Pathname::try_from(a.need("path")).expect("path");
    let mut f = tokio::fs::File::open(a.need("in")).await.expect("open");
    let start = Instant::now();
    let n = c.store(path, &mut f).await.expect("STOR");
    println!("{n} {:.6}", start.elapsed().as_secs_f64());
    c.quit().await.expect("QUIT");
}

async fn load(a: &Args) {
    let a = Arc::new(Args(a.0.clone()));
    let clients = a.num("clients", 16);
    let until = Instant::now() + Duration::from_secs(a.num("seconds", 5));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (a, done, failed) = (a.clone(), done.clone(), failed.clone());
        tasks.spawn(async move {
            while Instant::now() < until {
                let one = async {
                    let mut c = Client::connect(a.addr(), "localhost", options(&a)).await?;
                    c.login(login(&a)).await?;
                    c.pwd().await?;
                    c.quit().await
                };
                match one.await {
                    Ok(()) => done.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let secs = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "{:.1} sessions/s ({n} sessions, {} failed, {clients} clients, {secs:.2} s)",
        n as f64 / secs,
        failed.load(Ordering::Relaxed)
    );
}

async fn scale(a: &Args) {
    let a = Arc::new(Args(a.0.clone()));
    let sessions = a.num("sessions", 1000) as usize;
    let size = a.num("size", 16 * 1024) as usize;
    let barrier = Arc::new(tokio::sync::Barrier::new(sessions + 1));
    let release = Arc::new(tokio::sync::Barrier::new(sessions + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..sessions {
        let (a, barrier, release) = (a.clone(), barrier.clone(), release.clone());
        tasks.spawn(async move {
            // Connect in waves so the listen backlog is never the bottleneck.
            tokio::time::sleep(Duration::from_millis((i / 50) as u64 * 20)).await;
            let c = session(&a).await;
            barrier.wait().await;
            release.wait().await;
            let mut c = c;
            let data: Vec<u8> = (0..size)
                .map(|k| {
                    (k as u32)
                        .wrapping_mul(2_654_435_761)
                        .wrapping_add(i as u32) as u8
                })
                .collect();
            let path = Pathname::try_from(format!("scale-{i}.bin")).expect("path");
            c.store(path.clone(), &mut &data[..]).await.expect("STOR");
            let mut back = Vec::new();
            c.retrieve(path, 0, &mut back).await.expect("RETR");
            assert_eq!(sha256(&back), sha256(&data), "session {i}: SHA-256 differs");
            c.quit().await.expect("QUIT");
        });
    }
    barrier.wait().await;
    // Every session is logged in at once: the script samples the server's memory now.
    println!("logged-in {sessions}");
    if let Some(wait) = a.get("hold") {
        tokio::time::sleep(Duration::from_millis(wait.parse().unwrap_or(0))).await;
    }
    release.wait().await;
    let mut ok = 0;
    while let Some(r) = tasks.join_next().await {
        r.expect("session");
        ok += 1;
    }
    println!("ok {ok}");
}

/// SHA-256 (FIPS 180-4), small and slow enough: only used to verify the scale test's files.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (t, word) in block.chunks_exact(4).enumerate() {
            w[t] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for t in 16..64 {
            let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
            let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16]
                .wrapping_add(s0)
                .wrapping_add(w[t - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for t in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[t])
                .wrapping_add(w[t]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (o, v) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&v.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_known_answers() {
        // FIPS 180-4 examples: "abc" and the empty string.
        let hex = |d: [u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(super::sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(super::sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

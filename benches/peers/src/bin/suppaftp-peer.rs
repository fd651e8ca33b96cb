//! suppaftp 12 (sync, rustls with ring) as a peer FTPS client for benches/e2e.sh: explicit
//! FTPS (AUTH TLS, then suppaftp's own PBSZ 0 / PROT P), binary type, passive mode.
//!
//! Usage:
//!   suppaftp-peer get  --port P --ca PEM --user U --pass P --path REMOTE [--out FILE]
//!   suppaftp-peer put  --port P --ca PEM --user U --pass P --path REMOTE --in FILE
//!   suppaftp-peer load --port P --ca PEM --user U --pass P [--clients N] [--seconds S]
//! Always connects to 127.0.0.1 and checks the certificate for `localhost`.
//! `load` runs N client threads for S seconds, each repeating one whole session (connect,
//! AUTH TLS, PBSZ/PROT, USER/PASS, PWD, QUIT) with one shared rustls `ClientConfig` (as one
//! suppaftp application would: it may resume TLS sessions), and prints
//! `R sessions/s (N sessions, F failed, C clients, T s)`. get/put print `BYTES SECONDS`
//! (the transfer alone, like ftps-bench).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use suppaftp::rustls::pki_types::pem::PemObject;
use suppaftp::rustls::pki_types::CertificateDer;
use suppaftp::rustls::{ClientConfig, RootCertStore};
use suppaftp::types::FileType;
use suppaftp::{FtpError, RustlsConnector, RustlsFtpStream};

/// How long one read or write of the control connection may wait.
const STALL: Duration = Duration::from_secs(5);

struct Args(Vec<String>);

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        let flag = format!("--{name}");
        self.0
            .windows(2)
            .find(|w| w[0] == flag)
            .map(|w| w[1].as_str())
    }
    fn need(&self, name: &str) -> &str {
        self.get(name).unwrap_or_else(|| {
            eprintln!("suppaftp-peer: --{name} is required (see the source's top comment)");
            std::process::exit(2)
        })
    }
    fn num(&self, name: &str, default: u64) -> u64 {
        self.get(name)
            .map(|s| s.parse().expect("a number"))
            .unwrap_or(default)
    }
}

fn config(cafile: &str) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(cafile).map_err(|e| format!("{cafile}: {e}"))? {
        let cert = cert.map_err(|e| format!("{cafile}: {e}"))?;
        roots.add(cert).map_err(|e| format!("{cafile}: {e}"))?;
    }
    Ok(Arc::new(
        ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

fn session(a: &Args, config: &Arc<ClientConfig>) -> Result<RustlsFtpStream, FtpError> {
    let addr = format!("127.0.0.1:{}", a.need("port"));
    // A stalled server fails the session instead of hanging the run (libunftp 0.24 sometimes
    // never answers a session's first command under load).
    let tcp = std::net::TcpStream::connect(addr).map_err(FtpError::ConnectionError)?;
    tcp.set_read_timeout(Some(STALL))
        .map_err(FtpError::ConnectionError)?;
    tcp.set_write_timeout(Some(STALL))
        .map_err(FtpError::ConnectionError)?;
    let mut ftp = RustlsFtpStream::connect_with_stream(tcp)?
        .into_secure(RustlsConnector::from(Arc::clone(config)), "localhost")?;
    ftp.login(a.need("user"), a.need("pass"))?;
    Ok(ftp)
}

fn get(a: &Args, config: &Arc<ClientConfig>) -> Result<(), FtpError> {
    let mut ftp = session(a, config)?;
    ftp.transfer_type(FileType::Binary)?;
    let start = Instant::now();
    let n = match a.get("out") {
        Some(out) => {
            let mut dst = BufWriter::with_capacity(
                256 * 1024,
                File::create(out).map_err(FtpError::ConnectionError)?,
            );
            let n = ftp.retr(a.need("path"), |r| {
                std::io::copy(r, &mut dst).map_err(FtpError::ConnectionError)
            })?;
            dst.flush().map_err(FtpError::ConnectionError)?;
            n
        }
        None => ftp.retr(a.need("path"), |r| {
            std::io::copy(r, &mut std::io::sink()).map_err(FtpError::ConnectionError)
        })?,
    };
    println!("{n} {:.6}", start.elapsed().as_secs_f64());
    ftp.quit()
}

fn put(a: &Args, config: &Arc<ClientConfig>) -> Result<(), FtpError> {
    let mut ftp = session(a, config)?;
    ftp.transfer_type(FileType::Binary)?;
    let mut src = File::open(a.need("in")).map_err(FtpError::ConnectionError)?;
    let start = Instant::now();
    let n = ftp.put_file(a.need("path"), &mut src)?;
    println!("{n} {:.6}", start.elapsed().as_secs_f64());
    ftp.quit()
}

fn load(a: Arc<Args>, config: Arc<ClientConfig>) {
    let clients = a.num("clients", 16);
    let until = Instant::now() + Duration::from_secs(a.num("seconds", 5));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(std::sync::Mutex::new(None::<String>));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (a, config, done, failed, first_error) = (
                a.clone(),
                config.clone(),
                done.clone(),
                failed.clone(),
                first_error.clone(),
            );
            std::thread::spawn(move || {
                while Instant::now() < until {
                    let one = || -> Result<(), FtpError> {
                        let mut ftp = session(&a, &config)?;
                        ftp.pwd()?;
                        ftp.quit()
                    };
                    match one() {
                        Ok(()) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            first_error
                                .lock()
                                .expect("lock")
                                .get_or_insert_with(|| e.to_string());
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("load thread");
    }
    let secs = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "{:.1} sessions/s ({n} sessions, {} failed, {clients} clients, {secs:.2} s)",
        n as f64 / secs,
        failed.load(Ordering::Relaxed)
    );
    let first = first_error.lock().expect("lock").take();
    if let Some(e) = first {
        eprintln!("suppaftp-peer load: first failure: {e}");
    }
}

fn main() -> ExitCode {
    let a = Args(std::env::args().skip(1).collect());
    let command = a.0.first().cloned().unwrap_or_default();
    let config = match config(a.need("ca")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("suppaftp-peer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command.as_str() {
        "get" => get(&a, &config),
        "put" => put(&a, &config),
        "load" => {
            load(Arc::new(a), config);
            Ok(())
        }
        _ => {
            eprintln!("usage: suppaftp-peer get|put|load ... (see the source's top comment)");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("suppaftp-peer {command}: {e}");
            ExitCode::FAILURE
        }
    }
}

//! A working FTPS server in one command:
//!
//! ```text
//! cargo run --example ftps-server --features rustls
//! curl --ssl-reqd --cacert <printed certificate path> ftp://ftps:<printed password>@127.0.0.1:2121/
//! ```
//!
//! Explicit FTPS on 127.0.0.1:2121, implicit FTPS on 127.0.0.1:2990, a fresh temporary
//! directory as `/` unless `--root DIR`, a self-signed certificate for `localhost` and
//! `127.0.0.1` unless `--cert/--key`. Every policy of the session machine has a flag; run with
//! `--help` for the list. Argument parsing is hand-rolled (no extra dependency).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ftps_proto::io::blocking::server::{DataTickets, PartialUploads, Server, ServerOptions, User};
use ftps_proto::io::fs::MLST_FACTS;
use ftps_proto::io::tls::{load_certificates, ServerIdentity, ServerTlsOptions, TlsVersions};
use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
use ftps_proto::types::Text;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const HELP: &str = "\
ftps-server: an FTPS server built on ftps-proto (blocking adapter, rustls)

USAGE: ftps-server [OPTIONS]

Listening:
  --listen ADDR:PORT            explicit FTPS (AUTH TLS) address   [127.0.0.1:2121]
  --implicit-listen ADDR:PORT   implicit FTPS address              [127.0.0.1:2990]
  --no-explicit / --no-implicit don't listen for that mode
  --passive-ports FROM-TO       passive data port range            [any free port]
  --passive-address IP          address announced in 227 replies (NAT)
Files and users:
  --root DIR                    directory served as /              [a fresh temporary dir]
  --user NAME:PASS              a user with a password (repeatable)
                                [ftps:<random>, printed at start]
  --cert-user NAME:CERT.pem     a user logging in with this client certificate (repeatable)
  --partial-uploads temporary|keep|delete
                                a STOR that does not complete: written under a temporary
                                name and renamed on 226 / left as cut / removed; resumed
                                uploads (REST, APPE) go in place    [temporary]
                                (SITE HELP and SITE CHMOD are answered; CHMOD needs a
                                user who may write)
TLS:
  --cert PEM --key PEM          certificate chain and key          [self-signed, printed]
  --client-ca PEM               verify client certificates against these CAs
  --tls-versions both|1.2|1.3   protocol versions                  [both]
  --data-tickets never|downloads|always
                                TLS 1.3 tickets after each data handshake [always]
                                (always: 2 per data connection, needed by curl/OpenSSL
                                and rustls clients to resume every transfer; never and
                                downloads make curl's 2nd transfer and a rustls client's
                                9th upload fail with 522)
Policy (the session machine's Config):
  --control optional|credentials|required
                                control channel policy             [required]
  --data optional|required|denied
                                data channel policy                [required]
  --anonymous on|off            anonymous (read-only) login        [off]
  --certificate-login on|off    client certificate instead of PASS [off]
  --resume-required on|off      data TLS must resume control session [on]
  --strict-pbsz on|off          PROT without PBSZ is refused       [on]
  --ccc on|off                  allow CCC                          [off]
  --active on|off               allow PORT/EPRT                    [on]
  --utf8 on|off                 announce UTF8                      [on]
  --max-login-attempts N        failed PASS before 421             [3]
  --login-failure-delay MS      delay of a failed login's 530      [5000]
  --idle-timeout SECS           control idle timeout               [300]
  --data-timeout SECS           wait for a data connection         [30]
  --login-timeout SECS          connection to login, then 421      [60]
Process:
  --max-sessions N              concurrent sessions; when full, the oldest
                                not-logged-in one makes room       [64]
Admission control (per client address, IPv6 by /64):
  --max-per-address N           concurrent sessions per address    [16]
  --address-login-failures N    failed PASS per address (all its sessions) before
                                it is refused (421, 530) for a window; 0: off [10]
  --address-login-window SECS   that window                        [900]
  --handshake-timeout SECS      control TLS handshake deadline     [10]
  --exit-after N                stop after N sessions (CI)
  --trace                       print every session output to stderr
  --async                       serve on the tokio adapter (needs --features tokio)
                                instead of a thread per session
  --help                        this text
";

#[derive(Debug)]
struct Args {
    explicit: Option<SocketAddr>,
    implicit: Option<SocketAddr>,
    passive_ports: (u16, u16),
    passive_address: Option<IpAddr>,
    root: Option<PathBuf>,
    users: Vec<(String, String)>,
    cert_users: Vec<(String, PathBuf)>,
    cert: Option<(PathBuf, PathBuf)>,
    client_ca: Option<PathBuf>,
    versions: TlsVersions,
    config: Config,
    max_sessions: usize,
    exit_after: Option<usize>,
    trace: bool,
    data_tickets: DataTickets,
    async_runtime: bool,
    admission: AdmissionArgs,
    partial_uploads: PartialUploads,
}

/// The admission-control flags (ServerOptions' fields of the same meaning).
#[derive(Debug, PartialEq, Eq)]
struct AdmissionArgs {
    per_address: usize,
    login_failures: u32,
    login_window: Duration,
    handshake_timeout: Duration,
}

fn on_off(v: &str, flag: &str) -> Result<bool, String> {
    match v {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" => Ok(false),
        _ => Err(format!("{flag}: expected on or off, got {v:?}")),
    }
}

fn number<T: std::str::FromStr>(v: &str, flag: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: not a valid number: {v:?}"))
}

fn parse_args(argv: &[String]) -> Result<Option<Args>, String> {
    let mut a = Args {
        explicit: Some(SocketAddr::from(([127, 0, 0, 1], 2121))),
        implicit: Some(SocketAddr::from(([127, 0, 0, 1], 2990))),
        passive_ports: (0, 0),
        passive_address: None,
        root: None,
        users: Vec::new(),
        cert_users: Vec::new(),
        cert: None,
        client_ca: None,
        versions: TlsVersions::Both,
        config: Config::default()
            .with_control(ControlPolicy::Required)
            .with_data(DataPolicy::Required)
            .with_mlst_facts(Text::from_static(MLST_FACTS)),
        max_sessions: 64,
        exit_after: None,
        trace: false,
        data_tickets: DataTickets::Always,
        async_runtime: false,
        admission: AdmissionArgs {
            per_address: 16,
            login_failures: 10,
            login_window: Duration::from_secs(900),
            handshake_timeout: Duration::from_secs(10),
        },
        partial_uploads: PartialUploads::default(),
    };
    let mut key: Option<PathBuf> = None;
    let mut cert: Option<PathBuf> = None;
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let flag = flag.as_str();
        // Flags without a value.
        match flag {
            "--help" | "-h" => return Ok(None),
            "--no-explicit" => {
                a.explicit = None;
                continue;
            }
            "--no-implicit" => {
                a.implicit = None;
                continue;
            }
            "--trace" => {
                a.trace = true;
                continue;
            }
            "--async" => {
                a.async_runtime = true;
                continue;
            }
            _ => {}
        }
        let v = it
            .next()
            .ok_or_else(|| format!("{flag}: missing value (see --help)"))?
            .as_str();
        let c = a.config.clone();
        match flag {
            "--listen" => a.explicit = Some(number(v, flag)?),
            "--implicit-listen" => a.implicit = Some(number(v, flag)?),
            "--passive-ports" => {
                let (from, to) = v
                    .split_once('-')
                    .ok_or_else(|| format!("{flag}: expected FROM-TO, got {v:?}"))?;
                let (from, to): (u16, u16) = (number(from, flag)?, number(to, flag)?);
                if from == 0 || to < from {
                    return Err(format!("{flag}: empty or invalid range {v:?}"));
                }
                a.passive_ports = (from, to);
            }
            "--passive-address" => {
                let ip: IpAddr = number(v, flag)?;
                a.passive_address = Some(ip);
                a.config = c.with_passive_address(Some(ip));
            }
            "--root" => a.root = Some(PathBuf::from(v)),
            "--user" => {
                let (n, p) = v
                    .split_once(':')
                    .ok_or_else(|| format!("{flag}: expected NAME:PASS"))?;
                if n.is_empty() {
                    return Err(format!("{flag}: empty user name"));
                }
                a.users.push((n.to_string(), p.to_string()));
            }
            "--cert-user" => {
                let (n, p) = v
                    .split_once(':')
                    .ok_or_else(|| format!("{flag}: expected NAME:CERT.pem"))?;
                a.cert_users.push((n.to_string(), PathBuf::from(p)));
            }
            "--cert" => cert = Some(PathBuf::from(v)),
            "--key" => key = Some(PathBuf::from(v)),
            "--client-ca" => a.client_ca = Some(PathBuf::from(v)),
            "--tls-versions" => {
                a.versions = match v {
                    "both" => TlsVersions::Both,
                    "1.2" => TlsVersions::Tls12Only,
                    "1.3" => TlsVersions::Tls13Only,
                    _ => return Err(format!("{flag}: expected both, 1.2 or 1.3")),
                }
            }
            "--control" => {
                a.config = c.with_control(match v {
                    "optional" => ControlPolicy::Optional,
                    "credentials" => ControlPolicy::RequiredForCredentials,
                    "required" => ControlPolicy::Required,
                    _ => {
                        return Err(format!(
                            "{flag}: expected optional, credentials or required"
                        ))
                    }
                })
            }
            "--data" => {
                a.config = c.with_data(match v {
                    "optional" => DataPolicy::Optional,
                    "required" => DataPolicy::Required,
                    "denied" => DataPolicy::Denied,
                    _ => return Err(format!("{flag}: expected optional, required or denied")),
                })
            }
            "--anonymous" => a.config = c.with_anonymous(on_off(v, flag)?),
            "--certificate-login" => a.config = c.with_certificate_login(on_off(v, flag)?),
            "--resume-required" => a.config = c.with_data_session_resumption(on_off(v, flag)?),
            "--strict-pbsz" => a.config = c.with_strict_pbsz(on_off(v, flag)?),
            "--ccc" => a.config = c.with_ccc(on_off(v, flag)?),
            "--active" => a.config = c.with_active(on_off(v, flag)?),
            "--utf8" => a.config = c.with_utf8(on_off(v, flag)?),
            "--max-login-attempts" => {
                let delay = c.login_failure_delay;
                a.config = c.with_login_attempts(number(v, flag)?, delay);
            }
            "--login-failure-delay" => {
                let max = c.max_login_attempts;
                a.config = c.with_login_attempts(max, Duration::from_millis(number(v, flag)?));
            }
            "--idle-timeout" => {
                a.config = c.with_idle_timeout(Duration::from_secs(number(v, flag)?))
            }
            "--data-timeout" => {
                a.config = c.with_data_connection_timeout(Duration::from_secs(number(v, flag)?))
            }
            "--data-tickets" => {
                a.data_tickets = match v {
                    "never" => DataTickets::Never,
                    "downloads" => DataTickets::Downloads,
                    "always" => DataTickets::Always,
                    _ => return Err(format!("{flag}: expected never, downloads or always")),
                }
            }
            "--partial-uploads" => {
                a.partial_uploads = match v {
                    "temporary" => PartialUploads::Temporary,
                    "keep" => PartialUploads::Keep,
                    "delete" => PartialUploads::Delete,
                    _ => return Err(format!("{flag}: expected temporary, keep or delete")),
                }
            }
            "--max-sessions" => a.max_sessions = number(v, flag)?,
            "--login-timeout" => {
                a.config = c.with_login_timeout(Duration::from_secs(number(v, flag)?))
            }
            "--max-per-address" => a.admission.per_address = number(v, flag)?,
            "--address-login-failures" => a.admission.login_failures = number(v, flag)?,
            "--address-login-window" => {
                a.admission.login_window = Duration::from_secs(number(v, flag)?)
            }
            "--handshake-timeout" => {
                a.admission.handshake_timeout = Duration::from_secs(number(v, flag)?)
            }
            "--exit-after" => a.exit_after = Some(number(v, flag)?),
            _ => return Err(format!("unknown option {flag:?} (see --help)")),
        }
    }
    match (cert, key) {
        (Some(c), Some(k)) => a.cert = Some((c, k)),
        (None, None) => {}
        _ => return Err("--cert and --key go together".into()),
    }
    if a.explicit.is_none() && a.implicit.is_none() {
        return Err("nothing to listen on".into());
    }
    Ok(Some(a))
}

/// A password nobody guesses, without a random-number dependency: the standard library's
/// randomly keyed hasher, fed with the time and the process id.
fn random_password() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

fn fresh_dir(tag: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!(
        "ftps-server-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn run(argv: &[String]) -> Result<(), String> {
    let Some(args) = parse_args(argv)? else {
        print!("{HELP}");
        return Ok(());
    };
    let root = match &args.root {
        Some(r) => r.clone(),
        None => fresh_dir("root")?,
    };
    // TLS identity: given, or self-signed for localhost and 127.0.0.1, written out so that a
    // client can trust it with --cacert.
    let (identity, cert_note) = match &args.cert {
        Some((chain, key)) => (
            ServerIdentity::PemFiles {
                chain: chain.clone(),
                key: key.clone(),
            },
            chain.display().to_string(),
        ),
        None => {
            let ck = rcgen::generate_simple_self_signed(vec![
                "localhost".to_string(),
                "127.0.0.1".to_string(),
            ])
            .map_err(|e| format!("self-signed certificate: {e}"))?;
            let dir = fresh_dir("tls")?;
            let path = dir.join("cert.pem");
            std::fs::write(&path, ck.cert.pem()).map_err(|e| format!("{}: {e}", path.display()))?;
            let cert = CertificateDer::from(ck.cert.der().to_vec());
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
            (
                ServerIdentity::Loaded {
                    chain: vec![cert],
                    key: Arc::new(key),
                },
                path.display().to_string(),
            )
        }
    };
    let mut tls = ServerTlsOptions::new(identity);
    tls.client_ca = args.client_ca.clone();
    tls.versions = args.versions;
    let tls = tls.build().map_err(|e| e.to_string())?;

    let mut users: Vec<User> = args
        .users
        .iter()
        .map(|(n, p)| User::with_password(n.clone(), p.clone()))
        .collect();
    let mut default_user = None;
    if users.is_empty() && args.cert_users.is_empty() {
        let pass = random_password();
        users.push(User::with_password("ftps", pass.clone()));
        default_user = Some(("ftps".to_string(), pass));
    }
    for (name, pem) in &args.cert_users {
        let certs = load_certificates(pem).map_err(|e| e.to_string())?;
        if let Some(c) = certs.into_iter().next() {
            users.push(User::with_certificate(name.clone(), c));
        }
    }

    let mut options = ServerOptions::new(tls, root.clone());
    options.explicit = args.explicit;
    options.implicit = args.implicit;
    options.session = args.config.clone();
    options.users = users;
    options.passive_ports = args.passive_ports.0..=args.passive_ports.1;
    options.max_sessions = args.max_sessions;
    options.exit_after = args.exit_after;
    options.trace = args.trace;
    options.data_tickets = args.data_tickets;
    options.max_sessions_per_address = args.admission.per_address;
    options.max_login_failures_per_address = args.admission.login_failures;
    options.login_failure_window = args.admission.login_window;
    options.handshake_timeout = args.admission.handshake_timeout;
    options.partial_uploads = args.partial_uploads;
    if args.async_runtime {
        return run_async(options, &args, &root, &cert_note, default_user.as_ref());
    }
    let server = Server::bind(options).map_err(|e| e.to_string())?;
    print_banner(
        &args,
        &root,
        &cert_note,
        default_user.as_ref(),
        server.explicit_addr(),
        server.implicit_addr(),
        "blocking, a thread per session",
    );
    server.run().map_err(|e| e.to_string())
}

/// Serves on the tokio adapter: same options, sessions as tasks (see `io::tokio::server`).
#[cfg(feature = "tokio")]
fn run_async(
    options: ServerOptions,
    args: &Args,
    root: &std::path::Path,
    cert_note: &str,
    default_user: Option<&(String, String)>,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let server = ftps_proto::io::tokio::server::Server::bind(options)
            .await
            .map_err(|e| e.to_string())?;
        print_banner(
            args,
            root,
            cert_note,
            default_user,
            server.explicit_addr(),
            server.implicit_addr(),
            "tokio, a task per session",
        );
        server.run().await;
        Ok(())
    })
}

#[cfg(not(feature = "tokio"))]
fn run_async(
    _: ServerOptions,
    _: &Args,
    _: &std::path::Path,
    _: &str,
    _: Option<&(String, String)>,
) -> Result<(), String> {
    Err("--async needs the tokio adapter: cargo run --example ftps-server --features tokio -- --async".into())
}

fn print_banner(
    args: &Args,
    root: &std::path::Path,
    cert_note: &str,
    default_user: Option<&(String, String)>,
    explicit: Option<SocketAddr>,
    implicit: Option<SocketAddr>,
    adapter: &str,
) {
    println!("ftps-server (ftps-proto {})", env!("CARGO_PKG_VERSION"));
    println!("  adapter:     {adapter}");
    println!("  root:        {}", root.display());
    println!("  certificate: {cert_note}");
    if let Some(a) = explicit {
        println!("  explicit:    ftp://{a}/ (AUTH TLS)");
    }
    if let Some(a) = implicit {
        println!("  implicit:    ftps://{a}/");
    }
    if let Some((u, p)) = default_user {
        println!("  user:        {u}:{p}");
        if let Some(a) = explicit {
            println!("  try:         curl --ssl-reqd --cacert {cert_note} ftp://{u}:{p}@{a}/");
        }
    }
    println!(
        "  policy:      control {:?}, data {:?}, anonymous {}, resume required {}",
        args.config.control,
        args.config.data,
        args.config.anonymous,
        args.config.require_data_session_resumption
    );
    if let Some(n) = args.exit_after {
        println!("  exits after {n} session(s)");
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match run(&argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ftps-server: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Option<Args>, String> {
        let v: Vec<String> = s.split_whitespace().map(String::from).collect();
        parse_args(&v)
    }

    #[test]
    fn defaults_are_explicit_2121_implicit_2990_and_tls_required() {
        let a = args("").unwrap().unwrap();
        assert_eq!(a.explicit, Some("127.0.0.1:2121".parse().unwrap()));
        assert_eq!(a.implicit, Some("127.0.0.1:2990".parse().unwrap()));
        assert_eq!(a.config.control, ControlPolicy::Required);
        assert_eq!(a.config.data, DataPolicy::Required);
        assert!(a.config.require_data_session_resumption);
    }

    #[test]
    fn every_policy_flag_lands_in_the_config() {
        let a = args(
            "--control credentials --data denied --anonymous on --certificate-login on \
             --resume-required off --strict-pbsz off --ccc on --active off --utf8 off \
             --max-login-attempts 7 --login-failure-delay 10 --idle-timeout 9 --data-timeout 4 \
             --passive-ports 40400-40449 --passive-address 192.0.2.7 --user a:b --user c:d:e \
             --exit-after 3 --max-sessions 5 --no-implicit --listen 127.0.0.1:0",
        )
        .unwrap()
        .unwrap();
        let c = &a.config;
        assert_eq!(c.control, ControlPolicy::RequiredForCredentials);
        assert_eq!(c.data, DataPolicy::Denied);
        assert!(c.anonymous && c.certificate_login && c.allow_ccc);
        assert!(!c.require_data_session_resumption && !c.strict_pbsz && !c.allow_active);
        assert!(!c.utf8);
        assert_eq!(c.max_login_attempts, 7);
        assert_eq!(c.login_failure_delay, Duration::from_millis(10));
        assert_eq!(c.idle_timeout, Duration::from_secs(9));
        assert_eq!(c.data_connection_timeout, Duration::from_secs(4));
        assert_eq!(c.passive_address, Some("192.0.2.7".parse().unwrap()));
        assert_eq!(a.passive_ports, (40400, 40449));
        assert_eq!(
            a.users,
            [("a".into(), "b".into()), ("c".into(), "d:e".into())]
        );
        assert_eq!((a.exit_after, a.max_sessions), (Some(3), 5));
        assert_eq!(a.implicit, None);
    }

    #[test]
    fn admission_flags_land_in_the_options() {
        let a = args(
            "--login-timeout 7 --max-per-address 3 --address-login-failures 4 \
             --address-login-window 50 --handshake-timeout 2",
        )
        .unwrap()
        .unwrap();
        assert_eq!(a.config.login_timeout, Duration::from_secs(7));
        assert_eq!(
            a.admission,
            AdmissionArgs {
                per_address: 3,
                login_failures: 4,
                login_window: Duration::from_secs(50),
                handshake_timeout: Duration::from_secs(2),
            }
        );
        let d = args("").unwrap().unwrap();
        assert_eq!(d.config.login_timeout, Duration::from_secs(60));
        assert_eq!(d.admission.per_address, 16);
    }

    #[test]
    fn mistakes_are_reported_not_ignored() {
        for bad in [
            "--control maybe",
            "--passive-ports 5-1",
            "--passive-ports 100",
            "--user nocolon",
            "--cert a.pem",
            "--listen nowhere",
            "--anonymous perhaps",
            "--frobnicate 1",
            "--root",
            "--no-explicit --no-implicit",
        ] {
            assert!(args(bad).is_err(), "{bad}");
        }
        assert!(args("--help").unwrap().is_none());
    }
}

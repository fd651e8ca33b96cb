//! `ftps-client`: a command-line FTPS client on the blocking adapter.
//!
//! ```text
//! ftps-client [--ca-file PEM] [--insecure] [--cert PEM --key PEM] [--active] [--no-tls]
//!             [--tls12|--tls13] [--continue] [--verbose] URL COMMAND [ARGS]
//!
//! URL      ftp://user:pass@host[:port]/   explicit FTPS (AUTH TLS), TLS required
//!          ftpes://...                    the same
//!          ftps://...                     implicit FTPS (default port 990)
//!          user and password are percent-decoded; ftp:// is plain FTP only with --no-tls
//! COMMAND  ls [PATH]            MLSD (LIST if the server refuses MLSD)
//!          get REMOTE LOCAL     download (--continue: resume LOCAL with REST)
//!          put LOCAL REMOTE     upload
//!          put-unique LOCAL     upload under a name the server picks (STOU); prints it
//!          rm PATH | mkdir PATH | mv FROM TO | size PATH
//! ```
//!
//! Exit status 0 only when the server confirmed the operation and, for transfers, the data
//! connection ended cleanly (TLS close_notify); 1 on any failure, with a message naming the
//! server's reply; 2 on a usage error.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ftps_proto::client::{DataMode, Security, TransferCommand};
use ftps_proto::codec::parse_facts;
use ftps_proto::io::blocking::client::{BlockingClient, FtpUrl, Options, UrlSecurity};
use ftps_proto::io::tls::{ClientTlsOptions, TlsVersions, TrustRoots};
use ftps_proto::types::{FactName, FileType, Pathname};

const USAGE: &str = "usage: ftps-client [--ca-file PEM] [--insecure] [--cert PEM --key PEM] \
[--active] [--no-tls] [--tls12|--tls13] [--continue] [--verbose] URL COMMAND [ARGS]
commands: ls [PATH] | get REMOTE LOCAL | put LOCAL REMOTE | put-unique LOCAL | rm PATH | mkdir PATH \
| mv FROM TO | size PATH";

/// What to do once logged in.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Command {
    Ls(Option<String>),
    Get { remote: String, local: PathBuf },
    Put { local: PathBuf, remote: String },
    PutUnique(PathBuf),
    Rm(String),
    Mkdir(String),
    Mv { from: String, to: String },
    Size(String),
}

/// The parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cli {
    ca_file: Option<PathBuf>,
    insecure: bool,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    active: bool,
    no_tls: bool,
    versions: TlsVersions,
    resume: bool,
    verbose: bool,
    url: String,
    command: Command,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Cli, String> {
    let mut ca_file = None;
    let mut insecure = false;
    let (mut cert, mut key) = (None, None);
    let (mut active, mut no_tls, mut resume, mut verbose) = (false, false, false, false);
    let mut versions = TlsVersions::Both;
    let mut words = Vec::new();
    let mut args = args.into_iter();
    let mut only_words = false;
    while let Some(arg) = args.next() {
        if only_words || !(arg.starts_with("--") || arg == "-v") {
            words.push(arg);
            continue;
        }
        let mut value = |name: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{name} needs a file name"))
        };
        match arg.as_str() {
            "--" => only_words = true,
            "--ca-file" => ca_file = Some(value("--ca-file")?),
            "--cert" => cert = Some(value("--cert")?),
            "--key" => key = Some(value("--key")?),
            "--insecure" => insecure = true,
            "--active" => active = true,
            "--no-tls" => no_tls = true,
            "--continue" => resume = true,
            "--verbose" | "-v" => verbose = true,
            "--tls12" | "--tls13" => {
                let v = if arg == "--tls12" {
                    TlsVersions::Tls12Only
                } else {
                    TlsVersions::Tls13Only
                };
                if versions != TlsVersions::Both && versions != v {
                    return Err("--tls12 and --tls13 exclude each other".into());
                }
                versions = v;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if cert.is_some() != key.is_some() {
        return Err("--cert and --key go together".into());
    }
    let mut words = words.into_iter();
    let url = words.next().ok_or("missing URL")?;
    let name = words.next().ok_or("missing COMMAND")?;
    let rest: Vec<String> = words.collect();
    let want = |n: usize| -> Result<(), String> {
        if rest.len() == n {
            Ok(())
        } else {
            Err(format!("{name} takes {n} argument(s), got {}", rest.len()))
        }
    };
    let command = match name.as_str() {
        "ls" => {
            if rest.len() > 1 {
                return Err("ls takes at most one PATH".into());
            }
            Command::Ls(rest.first().cloned())
        }
        "get" => {
            want(2)?;
            Command::Get {
                remote: rest[0].clone(),
                local: rest[1].clone().into(),
            }
        }
        "put" => {
            want(2)?;
            Command::Put {
                local: rest[0].clone().into(),
                remote: rest[1].clone(),
            }
        }
        "put-unique" => {
            want(1)?;
            Command::PutUnique(rest[0].clone().into())
        }
        "rm" => {
            want(1)?;
            Command::Rm(rest[0].clone())
        }
        "mkdir" => {
            want(1)?;
            Command::Mkdir(rest[0].clone())
        }
        "mv" => {
            want(2)?;
            Command::Mv {
                from: rest[0].clone(),
                to: rest[1].clone(),
            }
        }
        "size" => {
            want(1)?;
            Command::Size(rest[0].clone())
        }
        other => return Err(format!("unknown command {other}")),
    };
    if resume && !matches!(command, Command::Get { .. }) {
        return Err("--continue only applies to get".into());
    }
    Ok(Cli {
        ca_file,
        insecure,
        cert,
        key,
        active,
        no_tls,
        versions,
        resume,
        verbose,
        url,
        command,
    })
}

/// The options the command line asks for.
fn options(cli: &Cli, url: &FtpUrl) -> Result<Options, String> {
    let mut tls = ClientTlsOptions::default();
    if let Some(ca) = &cli.ca_file {
        tls.roots = TrustRoots::CaFile(ca.clone());
    }
    tls.danger_accept_invalid_certs = cli.insecure;
    if let (Some(c), Some(k)) = (&cli.cert, &cli.key) {
        tls.client_certificate = Some((c.clone(), k.clone()));
    }
    tls.versions = cli.versions;
    let mut options = Options::default().with_tls(tls);
    if cli.no_tls {
        if url.security() == UrlSecurity::Implicit {
            return Err("--no-tls contradicts ftps:// (implicit TLS)".into());
        }
        options.config.security = Security::Plain;
    }
    if cli.active {
        options.config.data_mode = DataMode::Active;
    }
    Ok(options)
}

fn path(s: &str) -> Result<Pathname<'static>, String> {
    Pathname::try_from(s.to_owned()).map_err(|e| format!("invalid remote path {s:?}: {e}"))
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
struct Bar {
    total: Option<u64>,
    offset: u64,
    started: Instant,
    last: Option<Instant>,
}

impl Bar {
    fn draw(&mut self, bytes: u64, size_hint: Option<u64>, done: bool) {
        let now = Instant::now();
        if !done
            && self
                .last
                .is_some_and(|l| now - l < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        if self.total.is_none() {
            self.total = size_hint.map(|s| s + self.offset);
        }
        let have = self.offset + bytes;
        let total = self.total;
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = bytes as f64 / secs / (1024.0 * 1024.0);
        let mut line = String::new();
        if let Some(t) = total.filter(|t| *t > 0) {
            let frac = (have as f64 / t as f64).clamp(0.0, 1.0);
            let filled = (frac * 30.0) as usize;
            line.push_str(&format!(
                "[{}{}] {:5.1}% ",
                "#".repeat(filled),
                "-".repeat(30 - filled),
                frac * 100.0
            ));
        }
        line.push_str(&format!("{} bytes  {rate:.1} MiB/s", have));
        eprint!("\r{line}\x1b[K");
        if done {
            eprintln!();
        }
    }
}

fn run(cli: &Cli) -> Result<(), String> {
    let url = FtpUrl::parse(&cli.url).map_err(|e| format!("invalid URL: {e}"))?;
    let mut options = options(cli, &url)?;
    if cli.verbose {
        options = options.with_trace(|line| eprintln!("{line}"));
    }
    let mut client = BlockingClient::connect(&url, options).map_err(|e| e.to_string())?;
    client.login_from_url(&url).map_err(|e| e.to_string())?;

    let show_bar = !cli.verbose && io::stderr().is_terminal();
    let bar: Arc<Mutex<Option<Bar>>> = Arc::new(Mutex::new(None));
    if show_bar {
        let bar = bar.clone();
        client.set_progress(move |p| {
            if let Ok(mut b) = bar.lock() {
                if let Some(b) = b.as_mut() {
                    b.draw(p.bytes, p.size_hint, false);
                }
            }
        });
    }
    let start_bar = |total: Option<u64>, offset: u64| {
        if show_bar {
            if let Ok(mut b) = bar.lock() {
                *b = Some(Bar {
                    total,
                    offset,
                    started: Instant::now(),
                    last: None,
                });
            }
        }
    };
    let end_bar = |bytes: u64| {
        if let Ok(mut b) = bar.lock() {
            if let Some(mut b) = b.take() {
                b.draw(bytes, None, true);
            }
        }
    };

    match &cli.command {
        Command::Ls(p) => {
            let mut listing = Vec::new();
            // Without PATH: the URL's path, if it has one.
            let p = match p.as_deref() {
                Some(p) => Some(path(p)?),
                None => url.path().cloned(),
            };
            let ran = client.mlsd(p, &mut listing).map_err(|e| e.to_string())?;
            let mut out = io::stdout().lock();
            print_listing(&mut out, ran, &listing).map_err(|e| e.to_string())?;
        }
        Command::Get { remote, local } => {
            let (file, offset) = if cli.resume {
                let f = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(local)
                    .map_err(|e| format!("{}: {e}", local.display()))?;
                let len = f.metadata().map_err(|e| e.to_string())?.len();
                (f, len)
            } else {
                let f = File::create(local).map_err(|e| format!("{}: {e}", local.display()))?;
                (f, 0)
            };
            start_bar(None, offset);
            let mut sink = BufWriter::with_capacity(1 << 20, file);
            let result = client.retrieve(path(remote)?, offset, &mut sink);
            let flushed = sink.flush().and_then(|_| sink.get_ref().sync_all());
            match result {
                Ok(n) => {
                    end_bar(n);
                    flushed.map_err(|e| format!("{}: {e}", local.display()))?;
                }
                Err(e) => {
                    end_bar(0);
                    let kept = std::fs::metadata(local).map(|m| m.len()).unwrap_or(0);
                    if kept == 0 && !cli.resume {
                        // Nothing arrived: leave no empty file behind.
                        let _ = std::fs::remove_file(local);
                        return Err(e.to_string());
                    }
                    return Err(format!(
                        "{e}\n{} is incomplete ({kept} bytes); resume with --continue",
                        local.display()
                    ));
                }
            }
        }
        Command::Put { local, remote } => {
            let file = File::open(local).map_err(|e| format!("{}: {e}", local.display()))?;
            let total = file.metadata().ok().map(|m| m.len());
            start_bar(total, 0);
            let mut source = io::BufReader::with_capacity(1 << 20, file);
            let n = client.store(path(remote)?, &mut source);
            end_bar(*n.as_ref().unwrap_or(&0));
            n.map_err(|e| e.to_string())?;
        }
        Command::PutUnique(local) => {
            let file = File::open(local).map_err(|e| format!("{}: {e}", local.display()))?;
            let total = file.metadata().ok().map(|m| m.len());
            start_bar(total, 0);
            let mut source = io::BufReader::with_capacity(1 << 20, file);
            let stored = client.store_unique(&mut source);
            end_bar(stored.as_ref().map_or(0, |s| s.bytes));
            let stored = stored.map_err(|e| e.to_string())?;
            // RFC 1123 §4.1.2.9: the name is in the server's 125/150 reply.
            match stored.name {
                Some(name) => println!("stored as {}", String::from_utf8_lossy(name.as_bytes())),
                None => println!("stored (the server did not say under which name)"),
            }
        }
        Command::Rm(p) => client.delete(path(p)?).map_err(|e| e.to_string())?,
        Command::Mkdir(p) => {
            client.mkdir(path(p)?).map_err(|e| e.to_string())?;
        }
        Command::Mv { from, to } => client
            .rename(path(from)?, path(to)?)
            .map_err(|e| e.to_string())?,
        Command::Size(p) => {
            let n = client.size(path(p)?).map_err(|e| e.to_string())?;
            println!("{n}");
        }
    }
    // The operation is done and verified; a QUIT that goes wrong does not undo it.
    if let Err(e) = client.quit() {
        eprintln!("ftps-client: warning: QUIT: {e}");
    }
    Ok(())
}

/// MLSD entries as `type size modify name`; LIST and NLST output as received.
fn print_listing(out: &mut dyn Write, ran: TransferCommand, listing: &[u8]) -> io::Result<()> {
    if ran != TransferCommand::Mlsd {
        return out.write_all(listing);
    }
    for line in listing.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        match parse_facts(line) {
            Ok(f) => {
                let kind = match f.file_type() {
                    Some(FileType::Dir) => "dir",
                    Some(FileType::File) => "file",
                    Some(FileType::CurrentDir | FileType::ParentDir) => continue,
                    Some(_) => "other",
                    None => "?",
                };
                let size = f
                    .size()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into());
                let modify = f
                    .get(&FactName::Modify)
                    .and_then(|m| m.to_str().map(str::to_owned))
                    .unwrap_or_else(|| "-".into());
                writeln!(
                    out,
                    "{kind:5} {size:>12} {modify:14} {}",
                    f.pathname.as_bytes().escape_ascii()
                )?;
            }
            // An entry that does not parse is shown as sent rather than dropped.
            Err(_) => writeln!(out, "{}", line.escape_ascii())?,
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ftps-client: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ftps-client: error: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_anywhere_and_get_with_continue() {
        let cli = parse_args(args(
            "--ca-file ca.pem --tls13 ftp://u:p@h/ get --continue remote.bin local.bin",
        ))
        .unwrap();
        assert_eq!(cli.ca_file, Some(PathBuf::from("ca.pem")));
        assert_eq!(cli.versions, TlsVersions::Tls13Only);
        assert!(cli.resume);
        assert_eq!(cli.url, "ftp://u:p@h/");
        assert_eq!(
            cli.command,
            Command::Get {
                remote: "remote.bin".into(),
                local: "local.bin".into()
            }
        );
    }

    #[test]
    fn every_command_parses_with_its_arguments() {
        let c = |s: &str| parse_args(args(&format!("ftp://h/ {s}"))).map(|c| c.command);
        assert_eq!(c("ls"), Ok(Command::Ls(None)));
        assert_eq!(c("ls pub"), Ok(Command::Ls(Some("pub".into()))));
        assert_eq!(
            c("put a b"),
            Ok(Command::Put {
                local: "a".into(),
                remote: "b".into()
            })
        );
        assert_eq!(c("put-unique a"), Ok(Command::PutUnique("a".into())));
        assert_eq!(c("rm x"), Ok(Command::Rm("x".into())));
        assert_eq!(c("mkdir d"), Ok(Command::Mkdir("d".into())));
        assert_eq!(
            c("mv a b"),
            Ok(Command::Mv {
                from: "a".into(),
                to: "b".into()
            })
        );
        assert_eq!(c("size f"), Ok(Command::Size("f".into())));
    }

    #[test]
    fn a_double_dash_lets_paths_start_with_dashes() {
        let cli = parse_args(args("ftp://h/ rm -- --weird")).unwrap();
        assert_eq!(cli.command, Command::Rm("--weird".into()));
    }

    #[test]
    fn usage_errors_say_what_is_wrong() {
        let e = |s: &str| parse_args(args(s)).unwrap_err();
        assert_eq!(e(""), "missing URL");
        assert_eq!(e("ftp://h/"), "missing COMMAND");
        assert_eq!(e("ftp://h/ get a"), "get takes 2 argument(s), got 1");
        assert_eq!(e("ftp://h/ frob"), "unknown command frob");
        assert_eq!(e("--bogus ftp://h/ ls"), "unknown option --bogus");
        assert_eq!(
            e("--tls12 --tls13 ftp://h/ ls"),
            "--tls12 and --tls13 exclude each other"
        );
        assert_eq!(
            e("--cert c.pem ftp://h/ ls"),
            "--cert and --key go together"
        );
        assert_eq!(
            e("--continue ftp://h/ put a b"),
            "--continue only applies to get"
        );
        assert_eq!(e("ftp://h/ ls --ca-file"), "--ca-file needs a file name");
    }

    #[test]
    fn no_tls_is_refused_for_implicit_urls() {
        let cli = parse_args(args("--no-tls ftps://h/ ls")).unwrap();
        let url = FtpUrl::parse(&cli.url).unwrap();
        assert_eq!(
            options(&cli, &url).unwrap_err(),
            "--no-tls contradicts ftps:// (implicit TLS)"
        );
        let cli = parse_args(args("--no-tls --active ftp://h/ ls")).unwrap();
        let url = FtpUrl::parse(&cli.url).unwrap();
        let o = options(&cli, &url).unwrap();
        assert_eq!(o.config.security, Security::Plain);
        assert_eq!(o.config.data_mode, DataMode::Active);
    }

    #[test]
    fn mlsd_listing_is_shown_as_type_size_modify_name() {
        let listing = b"type=cdir;modify=20240101000000; .\r\n\
type=file;size=1024;modify=20240102030405; report.pdf\r\n\
type=dir;modify=20240103000000; pub\r\n";
        let mut out = Vec::new();
        print_listing(&mut out, TransferCommand::Mlsd, listing).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "file          1024 20240102030405 report.pdf\n\
             dir              - 20240103000000 pub\n"
        );
        let mut out = Vec::new();
        print_listing(
            &mut out,
            TransferCommand::List,
            b"-rw-r--r-- 1 u g 5 Jan 1 x\r\n",
        )
        .unwrap();
        assert_eq!(out, b"-rw-r--r-- 1 u g 5 Jan 1 x\r\n");
    }
}

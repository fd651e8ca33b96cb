//! `ftps-client`: a command-line FTPS client on the blocking adapter.
//!
//! ```text
//! ftps-client [--ca-file PEM] [--insecure] [--cert PEM --key PEM] [--active] [--no-tls]
//!             [--tls12|--tls13] [--continue] [--ascii] [--verbose] URL COMMAND [ARGS]
//!
//! URL      ftp://user:pass@host[:port]/   explicit FTPS (AUTH TLS), TLS required
//!          ftpes://...                    the same
//!          ftps://...                     implicit FTPS (default port 990)
//!          user and password are percent-decoded; ftp:// is plain FTP only with --no-tls
//! COMMAND  ls [PATH]            MLSD (LIST if the server refuses MLSD), streamed to stdout
//!          get REMOTE LOCAL     download (--continue: resume LOCAL with REST, unless SIZE or
//!                               MDTM show the remote file changed: then start over)
//!          put LOCAL REMOTE     upload
//!          put-unique LOCAL     upload under a name the server picks (STOU); prints it
//!          rm PATH | mkdir PATH | mv FROM TO | size PATH | cd PATH
//!          batch FILE|-         run the commands of FILE (or stdin), one a line, in ONE
//!                               control session (see below)
//! --ascii  get/put in TYPE A: line endings converted (RFC 959 §3.1.1.1)
//! ```
//!
//! # Batch files
//!
//! One command a line, the same words as on the command line (`get REMOTE LOCAL`, `put LOCAL
//! REMOTE`, `ls [PATH]`, `rm PATH`, `mkdir PATH`, `mv FROM TO`, `size PATH`, `cd PATH`,
//! `put-unique LOCAL`); `get` and `put` take `--ascii`, `get` takes `--continue` (the
//! command line's `--continue` / `--ascii` apply to every line that can take them). Words are
//! separated by blanks; a word with blanks goes in double quotes (`\"` and `\\` inside).
//! Blank lines and lines starting with `#` are skipped. Every line is checked before the
//! session opens (a bad line is a usage error, exit 2). Each line's result goes to stderr
//! (`batch: line N: ok: ...` or `batch: line N: FAILED: ...`); after a failure the next lines
//! still run, unless the session has ended (they are then reported as skipped).
//!
//! Everything shown that came from the server (listing lines, names, reply texts inside error
//! messages) goes through [`shown`]: control characters and invalid UTF-8 are escaped, so a
//! hostile server cannot drive the terminal.
//!
//! Exit status 0 only when the server confirmed every operation and, for transfers, the data
//! connection ended cleanly (TLS close_notify); 1 on any failure, with a message naming the
//! server's reply; 2 on a usage error.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ftps_proto::client::{DataMode, Security, State, TransferCommand};
use ftps_proto::codec::parse_facts;
use ftps_proto::io::blocking::client::{BlockingClient, Error, FtpUrl, Options, UrlSecurity};
use ftps_proto::io::tls::{ClientTlsOptions, TlsVersions, TrustRoots};
use ftps_proto::types::{FactName, FileType, Pathname, Timestamp, TransferType};

const USAGE: &str = "usage: ftps-client [--ca-file PEM] [--insecure] [--cert PEM --key PEM] \
[--active] [--no-tls] [--tls12|--tls13] [--continue] [--ascii] [--verbose] URL COMMAND [ARGS]
commands: ls [PATH] | get REMOTE LOCAL | put LOCAL REMOTE | put-unique LOCAL | rm PATH | mkdir PATH \
| mv FROM TO | size PATH | cd PATH | batch FILE|-";

/// The longest batch file read (bytes): a batch is a list of commands, not data.
const MAX_BATCH: u64 = 16 << 20;

/// What to do once logged in.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Command {
    Ls(Option<String>),
    Get {
        remote: String,
        local: PathBuf,
        resume: bool,
        ascii: bool,
    },
    Put {
        local: PathBuf,
        remote: String,
        ascii: bool,
    },
    PutUnique(PathBuf),
    Rm(String),
    Mkdir(String),
    Mv {
        from: String,
        to: String,
    },
    Size(String),
    Cd(String),
    /// A batch: the file (`-`: stdin) is read by [`read_batch`].
    Batch(String),
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
    ascii: bool,
    verbose: bool,
    url: String,
    command: Command,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Cli, String> {
    let mut ca_file = None;
    let mut insecure = false;
    let (mut cert, mut key) = (None, None);
    let (mut active, mut no_tls, mut resume, mut verbose) = (false, false, false, false);
    let mut ascii = false;
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
            "--ascii" => ascii = true,
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
    let command = if name == "batch" {
        if rest.len() != 1 {
            return Err(format!("batch takes 1 argument(s), got {}", rest.len()));
        }
        Command::Batch(rest[0].clone())
    } else {
        parse_command(&name, &rest, resume, ascii)?
    };
    if resume && !matches!(command, Command::Get { .. } | Command::Batch(_)) {
        return Err("--continue only applies to get".into());
    }
    if ascii
        && !matches!(
            command,
            Command::Get { .. } | Command::Put { .. } | Command::Batch(_)
        )
    {
        return Err("--ascii only applies to get and put".into());
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
        ascii,
        verbose,
        url,
        command,
    })
}

/// One command and its arguments (the command line's, or a batch line's).
fn parse_command(
    name: &str,
    rest: &[String],
    resume: bool,
    ascii: bool,
) -> Result<Command, String> {
    let want = |n: usize| -> Result<(), String> {
        if rest.len() == n {
            Ok(())
        } else {
            Err(format!("{name} takes {n} argument(s), got {}", rest.len()))
        }
    };
    Ok(match name {
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
                resume,
                ascii,
            }
        }
        "put" => {
            want(2)?;
            Command::Put {
                local: rest[0].clone().into(),
                remote: rest[1].clone(),
                ascii,
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
        "cd" => {
            want(1)?;
            Command::Cd(rest[0].clone())
        }
        other => return Err(format!("unknown command {other}")),
    })
}

/// Splits a batch line into words: blanks separate, `"..."` groups (with `\"` and `\\`).
fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Ok(words);
        };
        let mut word = String::new();
        if first == '"' {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("unterminated quote".into()),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\')) => word.push(c),
                        _ => return Err("only \\\" and \\\\ are escapes inside quotes".into()),
                    },
                    Some(c) => word.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err("a closing quote must end the word".into());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                if c == '"' {
                    return Err("a quote may only start a word".into());
                }
                word.push(c);
                chars.next();
            }
        }
        words.push(word);
    }
}

/// One batch line: its number, its text (for the result line) and its command.
#[derive(Clone, Debug, PartialEq, Eq)]
struct BatchLine {
    number: usize,
    text: String,
    command: Command,
}

/// Parses a batch; `resume` / `ascii` are the command line's flags, applied to every line
/// that takes them. Any bad line fails the whole batch (nothing has run yet).
fn parse_batch(text: &str, resume: bool, ascii: bool) -> Result<Vec<BatchLine>, String> {
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let bad = |e: String| format!("batch line {number}: {e}");
        let words = split_words(trimmed).map_err(bad)?;
        let (mut line_resume, mut line_ascii) = (resume, ascii);
        let mut plain = Vec::new();
        let mut only_words = false;
        for w in &words[1..] {
            match w.as_str() {
                _ if only_words => plain.push(w.clone()),
                "--" => only_words = true,
                "--continue" => line_resume = true,
                "--ascii" => line_ascii = true,
                s if s.starts_with("--") => return Err(bad(format!("unknown option {s}"))),
                _ => plain.push(w.clone()),
            }
        }
        let name = words[0].as_str();
        if name == "batch" {
            return Err(bad("a batch cannot run a batch".into()));
        }
        let command = parse_command(name, &plain, false, false).map_err(bad)?;
        let command = match command {
            Command::Get { remote, local, .. } => Command::Get {
                remote,
                local,
                resume: line_resume,
                ascii: line_ascii,
            },
            Command::Put { local, remote, .. } => Command::Put {
                local,
                remote,
                ascii: line_ascii,
            },
            other => {
                if words[1..]
                    .iter()
                    .any(|w| w == "--continue" || w == "--ascii")
                {
                    return Err(bad(format!("{name} takes neither --continue nor --ascii")));
                }
                other
            }
        };
        lines.push(BatchLine {
            number,
            text: trimmed.to_owned(),
            command,
        });
    }
    Ok(lines)
}

/// Reads a batch file (`-`: stdin), at most [`MAX_BATCH`] bytes.
fn read_batch(source: &str) -> Result<String, String> {
    let mut text = String::new();
    let read = if source == "-" {
        io::stdin()
            .lock()
            .take(MAX_BATCH + 1)
            .read_to_string(&mut text)
    } else {
        File::open(source).and_then(|f| f.take(MAX_BATCH + 1).read_to_string(&mut text))
    };
    read.map_err(|e| format!("batch {source}: {e}"))?;
    if text.len() as u64 > MAX_BATCH {
        return Err(format!("batch {source}: longer than {MAX_BATCH} bytes"));
    }
    Ok(text)
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

/// Text that came from the server, safe to print on a terminal: every control character
/// (C0, DEL, C1), every Unicode format character that reorders or hides text (bidi
/// overrides and isolates, zero-width marks) and every byte that is not UTF-8 is escaped
/// (`\x1b`, `\u{202e}`, `\xff`); everything else is kept as sent. Backslashes are kept, so
/// escaping twice changes nothing more.
fn shown(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let hidden = matches!(c,
                '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
                | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}' | '\u{feff}');
            if !hidden {
                out.push(c);
            } else if (c as u32) < 0x80 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// An error for the user: the adapter's message (which carries server text) escaped.
fn failed(e: Error) -> String {
    shown(e.to_string().as_bytes())
}

/// The longest listing line kept whole (a longer one is shown as sent, in pieces).
const MAX_LISTING_LINE: usize = 64 * 1024;

/// Prints a listing as it arrives, line by line: MLSD entries as `type size modify name`,
/// LIST and NLST lines as sent; everything escaped ([`shown`]). Holds at most one line
/// ([`MAX_LISTING_LINE`]), so a listing of any size runs in bounded memory.
struct ListingPrinter<W: Write> {
    out: W,
    /// MLSD (facts) or a LIST/NLST format.
    mlsd: bool,
    line: Vec<u8>,
    /// The current line outgrew [`MAX_LISTING_LINE`]: its rest is shown as it comes.
    overlong: bool,
}

impl<W: Write> ListingPrinter<W> {
    fn new(out: W, command: TransferCommand) -> Self {
        ListingPrinter {
            out,
            mlsd: command == TransferCommand::Mlsd,
            line: Vec::new(),
            overlong: false,
        }
    }

    /// Takes the next bytes of the listing.
    fn feed(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        while !bytes.is_empty() {
            let end = bytes.iter().position(|b| *b == b'\n');
            let (part, rest) = match end {
                Some(i) => (&bytes[..i], &bytes[i + 1..]),
                None => (bytes, &[][..]),
            };
            if self.overlong {
                self.out.write_all(shown(part).as_bytes())?;
            } else {
                let room = MAX_LISTING_LINE - self.line.len();
                if part.len() > room {
                    self.line.extend_from_slice(&part[..room]);
                    self.out.write_all(shown(&self.line).as_bytes())?;
                    self.out.write_all(shown(&part[room..]).as_bytes())?;
                    self.line.clear();
                    self.overlong = true;
                } else {
                    self.line.extend_from_slice(part);
                }
            }
            if end.is_some() {
                self.end_line()?;
            }
            bytes = rest;
        }
        Ok(())
    }

    fn end_line(&mut self) -> io::Result<()> {
        if self.overlong {
            self.overlong = false;
            return self.out.write_all(b"\n");
        }
        let line = std::mem::take(&mut self.line);
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        let result = if text.is_empty() {
            Ok(())
        } else if self.mlsd {
            print_facts(&mut self.out, text)
        } else {
            writeln!(self.out, "{}", shown(text))
        };
        self.line = line;
        self.line.clear();
        result
    }

    /// The listing ended: shows a last line without a line end.
    fn finish(&mut self) -> io::Result<()> {
        if self.overlong || !self.line.is_empty() {
            self.end_line()?;
        }
        self.out.flush()
    }
}

/// One MLSD entry as `type size modify name` (the `cdir`/`pdir` entries skipped); an entry
/// that does not parse is shown as sent rather than dropped.
fn print_facts(out: &mut dyn Write, line: &[u8]) -> io::Result<()> {
    match parse_facts(line) {
        Ok(f) => {
            let kind = match f.file_type() {
                Some(FileType::Dir) => "dir",
                Some(FileType::File) => "file",
                Some(FileType::CurrentDir | FileType::ParentDir) => return Ok(()),
                Some(_) => "other",
                None => "?",
            };
            let size = f
                .size()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into());
            let modify = f
                .get(&FactName::Modify)
                .and_then(|m| m.to_str().map(|s| shown(s.as_bytes())))
                .unwrap_or_else(|| "-".into());
            writeln!(
                out,
                "{kind:5} {size:>12} {modify:14} {}",
                shown(f.pathname.as_bytes())
            )
        }
        Err(_) => writeln!(out, "{}", shown(line)),
    }
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
        let line = self.line(bytes, size_hint);
        eprint!("\r{line}\x1b[K");
        if done {
            eprintln!();
        }
    }

    /// The bar's text. Sizes come from the server (the `150` reply's hint): every sum
    /// saturates, so a hint of `u64::MAX` plus a resume offset cannot overflow.
    fn line(&mut self, bytes: u64, size_hint: Option<u64>) -> String {
        if self.total.is_none() {
            self.total = size_hint.map(|s| s.saturating_add(self.offset));
        }
        let have = self.offset.saturating_add(bytes);
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = bytes as f64 / secs / (1024.0 * 1024.0);
        let mut line = String::new();
        if let Some(t) = self.total.filter(|t| *t > 0) {
            let frac = (have as f64 / t as f64).clamp(0.0, 1.0);
            let filled = ((frac * 30.0) as usize).min(30);
            line.push_str(&format!(
                "[{}{}] {:5.1}% ",
                "#".repeat(filled),
                "-".repeat(30 - filled),
                frac * 100.0
            ));
        }
        line.push_str(&format!("{have} bytes  {rate:.1} MiB/s"));
        line
    }
}

/// What `get --continue` does with a partial local file (RFC 3659 §5: a restart is only
/// sound if the remote file is the one the partial copy came from).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resume {
    /// Resume at this offset (`REST`).
    From(u64),
    /// The local file already has every byte the remote one has.
    Complete,
    /// The remote file changed: download it again from the start (why).
    Restart(&'static str),
}

/// Decides how to resume: `local` is the partial file's length and modification time;
/// `remote_size` / `remote_modified` are the server's `SIZE` and `MDTM` answers (`None` when
/// it has no such command or refused it: then there is nothing to compare and the partial
/// file is trusted, as before).
fn resume_point(
    local_len: u64,
    local_modified: Option<SystemTime>,
    remote_size: Option<u64>,
    remote_modified: Option<Timestamp>,
) -> Resume {
    if local_len == 0 {
        return Resume::From(0);
    }
    if let Some(size) = remote_size {
        if size < local_len {
            return Resume::Restart("the remote file is smaller than the local part");
        }
    }
    if let (Some(remote), Some(local)) = (remote_modified, local_modified) {
        let local_secs = match local.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        if remote.unix_seconds() > local_secs {
            return Resume::Restart("the remote file was modified after the local part");
        }
    }
    match remote_size {
        Some(size) if size == local_len => Resume::Complete,
        _ => Resume::From(local_len),
    }
}

/// Progress-bar handles shared with the client's progress callback.
#[derive(Clone)]
struct Display {
    show: bool,
    bar: Arc<Mutex<Option<Bar>>>,
}

impl Display {
    fn start(&self, total: Option<u64>, offset: u64) {
        if self.show {
            if let Ok(mut b) = self.bar.lock() {
                *b = Some(Bar {
                    total,
                    offset,
                    started: Instant::now(),
                    last: None,
                });
            }
        }
    }

    fn end(&self, bytes: u64) {
        if let Ok(mut b) = self.bar.lock() {
            if let Some(mut b) = b.take() {
                b.draw(bytes, None, true);
            }
        }
    }
}

/// A logged-in session and what it remembers between commands.
struct Session<'a> {
    client: BlockingClient,
    url: &'a FtpUrl,
    display: Display,
    /// The transfer type in force (`TYPE I` after login).
    ascii: bool,
}

impl Session<'_> {
    /// Sends `TYPE A` or `TYPE I` when the next transfer needs the other one.
    fn set_ascii(&mut self, ascii: bool) -> Result<(), String> {
        if self.ascii != ascii {
            let t = if ascii {
                TransferType::Ascii(None)
            } else {
                TransferType::Image
            };
            self.client.set_type(t).map_err(failed)?;
            self.ascii = ascii;
        }
        Ok(())
    }

    /// Runs one command; `Ok` carries a short summary for batch results.
    fn execute(&mut self, command: &Command) -> Result<String, String> {
        match command {
            Command::Ls(p) => {
                // Without PATH: the URL's path, if it has one.
                let p = match p.as_deref() {
                    Some(p) => Some(path(p)?),
                    None => self.url.path().cloned(),
                };
                let stdout = io::stdout();
                let out = BufWriter::with_capacity(64 * 1024, stdout.lock());
                let mut printer: Option<ListingPrinter<_>> = None;
                let mut out = Some(out);
                let ran = self.client.mlsd_each(p, &mut |command, bytes| {
                    let printer = match printer.as_mut() {
                        Some(p) => p,
                        None => printer.insert(ListingPrinter::new(
                            out.take().expect("one printer per listing"),
                            command,
                        )),
                    };
                    printer.feed(bytes)
                });
                if let Some(p) = printer.as_mut() {
                    p.finish().map_err(|e| format!("stdout: {e}"))?;
                }
                let ran = ran.map_err(failed)?;
                Ok(format!("{ran:?} listed"))
            }
            Command::Get {
                remote,
                local,
                resume,
                ascii,
            } => self.get(remote, local, *resume, *ascii),
            Command::Put {
                local,
                remote,
                ascii,
            } => {
                self.set_ascii(*ascii)?;
                let file = File::open(local).map_err(|e| format!("{}: {e}", local.display()))?;
                let total = file.metadata().ok().map(|m| m.len());
                self.display.start(total, 0);
                let mut source = io::BufReader::with_capacity(1 << 20, file);
                let n = self.client.store(path(remote)?, &mut source);
                self.display.end(*n.as_ref().unwrap_or(&0));
                let n = n.map_err(failed)?;
                Ok(format!("{n} bytes sent"))
            }
            Command::PutUnique(local) => {
                let file = File::open(local).map_err(|e| format!("{}: {e}", local.display()))?;
                let total = file.metadata().ok().map(|m| m.len());
                self.display.start(total, 0);
                let mut source = io::BufReader::with_capacity(1 << 20, file);
                let stored = self.client.store_unique(&mut source);
                self.display.end(stored.as_ref().map_or(0, |s| s.bytes));
                let stored = stored.map_err(failed)?;
                // RFC 1123 §4.1.2.9: the name is in the server's 125/150 reply.
                match stored.name {
                    Some(name) => {
                        let name = shown(name.as_bytes());
                        println!("stored as {name}");
                        Ok(format!("stored as {name}"))
                    }
                    None => {
                        println!("stored (the server did not say under which name)");
                        Ok("stored".into())
                    }
                }
            }
            Command::Rm(p) => {
                self.client.delete(path(p)?).map_err(failed)?;
                Ok("deleted".into())
            }
            Command::Mkdir(p) => {
                self.client.mkdir(path(p)?).map_err(failed)?;
                Ok("created".into())
            }
            Command::Mv { from, to } => {
                self.client.rename(path(from)?, path(to)?).map_err(failed)?;
                Ok("renamed".into())
            }
            Command::Size(p) => {
                let n = self.client.size(path(p)?).map_err(failed)?;
                println!("{n}");
                Ok(format!("{n} bytes"))
            }
            Command::Cd(p) => {
                self.client.cwd(path(p)?).map_err(failed)?;
                Ok("changed directory".into())
            }
            Command::Batch(_) => Err("a batch cannot run a batch".into()),
        }
    }

    fn get(
        &mut self,
        remote: &str,
        local: &Path,
        resume: bool,
        ascii: bool,
    ) -> Result<String, String> {
        if resume && ascii {
            // RFC 3659 §5: a TYPE A restart marker counts transferred (CRLF) bytes, not the
            // local file's.
            return Err("--continue cannot resume an --ascii download".into());
        }
        self.set_ascii(ascii)?;
        let remote_path = path(remote)?;
        let (file, offset) = if resume {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(local)
                .map_err(|e| format!("{}: {e}", local.display()))?;
            let meta = f.metadata().map_err(|e| e.to_string())?;
            let len = meta.len();
            let point = if len == 0 {
                Resume::From(0)
            } else {
                // A refused SIZE or MDTM leaves nothing to compare, not a failure.
                let size = self.client.size(remote_path.clone()).ok();
                let modified = self.client.mdtm(remote_path.clone()).ok();
                resume_point(len, meta.modified().ok(), size, modified)
            };
            match point {
                Resume::From(offset) => (f, offset),
                Resume::Complete => return Ok(format!("already complete ({len} bytes)")),
                Resume::Restart(why) => {
                    eprintln!(
                        "ftps-client: {}: {why}: downloading it again",
                        local.display()
                    );
                    drop(f);
                    let f = File::create(local).map_err(|e| format!("{}: {e}", local.display()))?;
                    (f, 0)
                }
            }
        } else {
            let f = File::create(local).map_err(|e| format!("{}: {e}", local.display()))?;
            (f, 0)
        };
        self.display.start(None, offset);
        let mut sink = BufWriter::with_capacity(1 << 20, file);
        let result = self.client.retrieve(remote_path, offset, &mut sink);
        let flushed = sink.flush().and_then(|_| sink.get_ref().sync_all());
        match result {
            Ok(n) => {
                self.display.end(n);
                flushed.map_err(|e| format!("{}: {e}", local.display()))?;
                Ok(format!("{n} bytes received"))
            }
            Err(e) => {
                self.display.end(0);
                let kept = std::fs::metadata(local).map(|m| m.len()).unwrap_or(0);
                if kept == 0 && !resume {
                    // Nothing arrived: leave no empty file behind.
                    let _ = std::fs::remove_file(local);
                    return Err(failed(e));
                }
                Err(format!(
                    "{}\n{} is incomplete ({kept} bytes); resume with --continue",
                    failed(e),
                    local.display()
                ))
            }
        }
    }
}

/// Runs the command line's command (or `batch`: its lines, read and checked already).
fn run(cli: &Cli, batch: Option<Vec<BatchLine>>) -> Result<(), String> {
    let url = FtpUrl::parse(&cli.url).map_err(|e| format!("invalid URL: {e}"))?;
    let mut options = options(cli, &url)?;
    if cli.verbose {
        options = options.with_trace(|line| eprintln!("{}", shown(line.as_bytes())));
    }
    let mut client = BlockingClient::connect(&url, options).map_err(failed)?;
    client.login_from_url(&url).map_err(failed)?;

    let display = Display {
        show: !cli.verbose && io::stderr().is_terminal(),
        bar: Arc::new(Mutex::new(None)),
    };
    if display.show {
        let bar = display.bar.clone();
        client.set_progress(move |p| {
            if let Ok(mut b) = bar.lock() {
                if let Some(b) = b.as_mut() {
                    b.draw(p.bytes, p.size_hint, false);
                }
            }
        });
    }
    let mut session = Session {
        client,
        url: &url,
        display,
        ascii: false,
    };
    let result = match batch {
        None => session.execute(&cli.command).map(|_| ()),
        Some(lines) => run_batch(&mut session, &lines, &mut io::stderr()),
    };
    // The operations are done and verified; a QUIT that goes wrong does not undo them.
    if session.client.state() != State::Closed {
        if let Err(e) = session.client.quit() {
            eprintln!("ftps-client: warning: QUIT: {}", failed(e));
        }
    }
    result
}

/// Runs every line of a batch in the one session, writing each line's result to `report`.
/// `Err` names how many lines failed.
fn run_batch(
    session: &mut Session<'_>,
    lines: &[BatchLine],
    report: &mut dyn Write,
) -> Result<(), String> {
    let mut failures = 0usize;
    for line in lines {
        let text = shown(line.text.as_bytes());
        if session.client.state() == State::Closed {
            failures += 1;
            let _ = writeln!(
                report,
                "batch: line {}: FAILED: {text}: skipped, the session has ended",
                line.number
            );
            continue;
        }
        match session.execute(&line.command) {
            Ok(summary) => {
                let _ = writeln!(report, "batch: line {}: ok: {text}: {summary}", line.number);
            }
            Err(e) => {
                failures += 1;
                let _ = writeln!(report, "batch: line {}: FAILED: {text}: {e}", line.number);
            }
        }
    }
    if failures == 0 {
        Ok(())
    } else {
        Err(format!(
            "batch: {failures} of {} operation(s) failed",
            lines.len()
        ))
    }
}

fn main() -> ExitCode {
    let cli = match parse_args(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ftps-client: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let batch = match &cli.command {
        // A bad batch is a usage error: nothing has run.
        Command::Batch(source) => {
            match read_batch(source).and_then(|t| parse_batch(&t, cli.resume, cli.ascii)) {
                Ok(lines) => Some(lines),
                Err(e) => {
                    eprintln!("ftps-client: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => None,
    };
    match run(&cli, batch) {
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
                local: "local.bin".into(),
                resume: true,
                ascii: false,
            }
        );
    }

    #[test]
    fn every_command_parses_with_its_arguments() {
        let c = |s: &str| parse_args(args(&format!("ftp://h/ {s}"))).map(|c| c.command);
        assert_eq!(c("ls"), Ok(Command::Ls(None)));
        assert_eq!(c("ls pub"), Ok(Command::Ls(Some("pub".into()))));
        assert_eq!(
            c("put --ascii a b"),
            Ok(Command::Put {
                local: "a".into(),
                remote: "b".into(),
                ascii: true,
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
        assert_eq!(c("cd d"), Ok(Command::Cd("d".into())));
        assert_eq!(c("batch -"), Ok(Command::Batch("-".into())));
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
        assert_eq!(
            e("--ascii ftp://h/ ls"),
            "--ascii only applies to get and put"
        );
        assert_eq!(e("ftp://h/ ls --ca-file"), "--ca-file needs a file name");
        assert_eq!(e("ftp://h/ batch"), "batch takes 1 argument(s), got 0");
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

    // ------------------------------------------------------------ escaping

    #[test]
    fn server_text_is_escaped_control_bytes_bidi_and_bad_utf8() {
        assert_eq!(shown(b"plain name.txt"), "plain name.txt");
        assert_eq!(shown("caf\u{e9} \u{65e5}".as_bytes()), "caf\u{e9} \u{65e5}");
        assert_eq!(shown(b"\x1b[2J\x07bell"), "\\x1b[2J\\x07bell");
        assert_eq!(shown(b"a\r\nb\tc\x7f"), "a\\x0d\\x0ab\\x09c\\x7f");
        // C1 CSI (U+009B) and a bidi override are escaped too.
        assert_eq!(shown("x\u{9b}31m".as_bytes()), "x\\u{9b}31m");
        assert_eq!(
            shown("evil\u{202e}txt.exe".as_bytes()),
            "evil\\u{202e}txt.exe"
        );
        assert_eq!(shown(b"\xff\xfe ok"), "\\xff\\xfe ok");
        // Idempotent: what is already escaped stays as it is.
        let once = shown(b"\x1b]0;title\x07");
        assert_eq!(shown(once.as_bytes()), once);
        assert!(!once.bytes().any(|b| b.is_ascii_control()));
    }

    #[test]
    fn error_messages_with_server_text_are_escaped() {
        use ftps_proto::codec::Reply;
        use ftps_proto::types::{ReplyCode, Text};
        let reply = Reply::new(
            ReplyCode::new(550).unwrap(),
            Text::new(&b"no \x9b\xff such file"[..])
                .unwrap()
                .into_owned(),
        );
        let shown = failed(Error::Refused(reply));
        assert!(shown.starts_with("the server refused: 550 no "), "{shown}");
        assert!(
            shown.is_ascii() || !shown.chars().any(|c| c.is_control()),
            "{shown}"
        );
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
    }

    // ------------------------------------------------------------ listings

    fn printed(command: TransferCommand, chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        let mut p = ListingPrinter::new(&mut out, command);
        for c in chunks {
            p.feed(c).unwrap();
        }
        p.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    const MLSD: &[u8] = b"type=cdir;modify=20240101000000; .\r\n\
type=file;size=1024;modify=20240102030405; report.pdf\r\n\
type=dir;modify=20240103000000; pub\r\n";

    #[test]
    fn mlsd_listing_is_shown_as_type_size_modify_name() {
        assert_eq!(
            printed(TransferCommand::Mlsd, &[MLSD]),
            "file          1024 20240102030405 report.pdf\n\
             dir              - 20240103000000 pub\n"
        );
        assert_eq!(
            printed(TransferCommand::List, &[b"-rw-r--r-- 1 u g 5 Jan 1 x\r\n"]),
            "-rw-r--r-- 1 u g 5 Jan 1 x\n"
        );
    }

    #[test]
    fn a_listing_split_anywhere_prints_the_same() {
        let whole = printed(TransferCommand::Mlsd, &[MLSD]);
        for cut in 0..=MLSD.len() {
            for cut2 in cut..=MLSD.len() {
                let got = printed(
                    TransferCommand::Mlsd,
                    &[&MLSD[..cut], &MLSD[cut..cut2], &MLSD[cut2..]],
                );
                assert_eq!(got, whole, "cut at {cut} and {cut2}");
            }
        }
    }

    #[test]
    fn listing_lines_and_mlsd_names_are_escaped() {
        assert_eq!(
            printed(
                TransferCommand::Mlsd,
                &[b"type=file;size=1; evil\x1b[31mname\x07\r\n"]
            ),
            "file             1 -              evil\\x1b[31mname\\x07\n"
        );
        assert_eq!(
            printed(
                TransferCommand::List,
                &[b"-rw 1 u g 5 Jan 1 \x1b]0;pwned\x07\r\n"]
            ),
            "-rw 1 u g 5 Jan 1 \\x1b]0;pwned\\x07\n"
        );
        // An entry that does not parse is shown escaped, not dropped.
        assert_eq!(
            printed(TransferCommand::Mlsd, &[b"garbage\x1b\r\n"]),
            "garbage\\x1b\n"
        );
        // A last line without a line end is still shown.
        assert_eq!(printed(TransferCommand::Nlst, &[b"a\r\nb"]), "a\nb\n");
    }

    #[test]
    fn an_overlong_listing_line_is_shown_in_pieces_without_growing() {
        let mut line = vec![b'x'; 3 * MAX_LISTING_LINE];
        line.extend_from_slice(b"\x1b\r\nnext\r\n");
        let mut out = Vec::new();
        let mut p = ListingPrinter::new(&mut out, TransferCommand::List);
        for chunk in line.chunks(1000) {
            p.feed(chunk).unwrap();
            assert!(p.line.capacity() <= 2 * MAX_LISTING_LINE);
        }
        p.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 3 * MAX_LISTING_LINE + "\\x1b\\x0d".len());
        assert!(lines[0].ends_with("x\\x1b\\x0d"));
        assert_eq!(lines[1], "next");
    }

    // ------------------------------------------------------------ progress bar

    #[test]
    fn a_size_hint_of_u64_max_with_a_resume_offset_does_not_overflow() {
        let mut bar = Bar {
            total: None,
            offset: 1000,
            started: Instant::now(),
            last: None,
        };
        let line = bar.line(500, Some(u64::MAX));
        assert_eq!(bar.total, Some(u64::MAX));
        assert!(line.contains("1500 bytes"), "{line}");
        assert!(line.starts_with("[---"), "{line}");
        // Bytes and offset near the top saturate too.
        let mut bar = Bar {
            total: None,
            offset: u64::MAX - 1,
            started: Instant::now(),
            last: None,
        };
        let line = bar.line(u64::MAX, Some(u64::MAX));
        assert!(line.contains(&format!("{} bytes", u64::MAX)), "{line}");
        assert!(line.contains("100.0%"), "{line}");
        // And a hint smaller than what arrived fills the bar, no more.
        let mut bar = Bar {
            total: None,
            offset: 0,
            started: Instant::now(),
            last: None,
        };
        let line = bar.line(10, Some(1));
        assert!(line.starts_with(&format!("[{}]", "#".repeat(30))), "{line}");
    }

    // ------------------------------------------------------------ resume decision

    #[test]
    fn continue_resumes_only_an_unchanged_remote_file() {
        let t = |s: i64| Timestamp::from_unix_seconds(s).unwrap();
        let at = |s: u64| Some(UNIX_EPOCH + Duration::from_secs(s));
        // Older remote, bigger: resume at the local length.
        assert_eq!(
            resume_point(100, at(2000), Some(300), Some(t(1000))),
            Resume::From(100)
        );
        // Smaller remote: start over.
        assert!(matches!(
            resume_point(100, at(2000), Some(50), Some(t(1000))),
            Resume::Restart(_)
        ));
        // Modified after the local part was written: start over.
        assert!(matches!(
            resume_point(100, at(2000), Some(300), Some(t(2001))),
            Resume::Restart(_)
        ));
        // Same size and not newer: nothing to fetch.
        assert_eq!(
            resume_point(100, at(2000), Some(100), Some(t(2000))),
            Resume::Complete
        );
        // Nothing to compare: the partial file is trusted.
        assert_eq!(resume_point(100, at(2000), None, None), Resume::From(100));
        assert_eq!(resume_point(0, None, Some(5), None), Resume::From(0));
    }

    // ------------------------------------------------------------ batch

    #[test]
    fn batch_lines_parse_with_quotes_comments_and_per_line_flags() {
        let text =
            "# a comment\n\nget a.bin local.bin\nget --continue \"with space\" \"l \\\"q\\\"\"\n\
                    put --ascii notes.txt notes.txt\nls\nls pub\nrm x\nmv a b\ncd pub\n";
        let lines = parse_batch(text, false, false).unwrap();
        assert_eq!(lines.len(), 8);
        assert_eq!(lines[0].number, 3);
        assert_eq!(
            lines[1].command,
            Command::Get {
                remote: "with space".into(),
                local: "l \"q\"".into(),
                resume: true,
                ascii: false,
            }
        );
        assert_eq!(
            lines[2].command,
            Command::Put {
                local: "notes.txt".into(),
                remote: "notes.txt".into(),
                ascii: true,
            }
        );
        assert_eq!(lines[7].command, Command::Cd("pub".into()));
        // The command line's flags reach every get.
        let lines = parse_batch("get a b\n", true, true).unwrap();
        assert_eq!(
            lines[0].command,
            Command::Get {
                remote: "a".into(),
                local: "b".into(),
                resume: true,
                ascii: true,
            }
        );
    }

    #[test]
    fn a_bad_batch_line_is_named_before_anything_runs() {
        let e = |t: &str| parse_batch(t, false, false).unwrap_err();
        assert_eq!(
            e("ls\nget a\n"),
            "batch line 2: get takes 2 argument(s), got 1"
        );
        assert_eq!(e("frob\n"), "batch line 1: unknown command frob");
        assert_eq!(e("get \"a b\n"), "batch line 1: unterminated quote");
        assert_eq!(
            e("rm --continue x\n"),
            "batch line 1: rm takes neither --continue nor --ascii"
        );
        assert_eq!(
            e("get --bogus a b\n"),
            "batch line 1: unknown option --bogus"
        );
        assert_eq!(e("batch x\n"), "batch line 1: a batch cannot run a batch");
    }

    // ------------------------------------------------------------ against our server

    mod loopback {
        use super::super::*;
        use ftps_proto::io::blocking::server::{Server, ServerOptions, StopHandle, User};
        use ftps_proto::io::tls::{ServerIdentity, ServerTlsOptions};
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        use std::thread::JoinHandle;

        /// Our blocking server on a fresh root, user alice / secret.
        pub(super) struct Running {
            pub(super) root: PathBuf,
            pub(super) url: FtpUrl,
            cert: CertificateDer<'static>,
            stop: StopHandle,
            thread: Option<JoinHandle<()>>,
        }

        impl Drop for Running {
            fn drop(&mut self) {
                self.stop.stop();
                if let Some(t) = self.thread.take() {
                    let _ = t.join();
                }
                let _ = std::fs::remove_dir_all(&self.root);
            }
        }

        pub(super) fn start(tag: &str) -> Running {
            let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
            let cert = CertificateDer::from(ck.cert.der().to_vec());
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
            let tls = ServerTlsOptions::new(ServerIdentity::Loaded {
                chain: vec![cert.clone()],
                key: Arc::new(key),
            })
            .build()
            .unwrap();
            let root = std::env::temp_dir()
                .join(format!("ftps-client-example-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(&root).unwrap();
            let mut o = ServerOptions::new(tls, root.clone());
            o.explicit = Some("127.0.0.1:0".parse().unwrap());
            o.users.push(User::with_password("alice", "secret"));
            let server = Server::bind(o).unwrap();
            let addr = server.explicit_addr().unwrap();
            let stop = server.stop_handle();
            let thread = std::thread::spawn(move || server.run().unwrap());
            let url =
                FtpUrl::parse(&format!("ftp://alice:secret@localhost:{}/", addr.port())).unwrap();
            Running {
                root,
                url,
                cert,
                stop,
                thread: Some(thread),
            }
        }

        impl Running {
            pub(super) fn session(&self) -> Session<'_> {
                let mut tls = ClientTlsOptions::default();
                tls.roots = TrustRoots::Certificates(vec![self.cert.clone()]);
                let mut client =
                    BlockingClient::connect(&self.url, Options::default().with_tls(tls)).unwrap();
                client.login_from_url(&self.url).unwrap();
                Session {
                    client,
                    url: &self.url,
                    display: Display {
                        show: false,
                        bar: Arc::new(Mutex::new(None)),
                    },
                    ascii: false,
                }
            }
        }
    }

    fn local_dir(tag: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("ftps-client-local-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn batch_runs_every_line_in_one_session_and_reports_each() {
        let server = loopback::start("batch");
        let local = local_dir("batch");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(local.join("up.bin"), &content).unwrap();
        let mut text = String::new();
        for i in 0..10 {
            text.push_str(&format!(
                "put {} r{i}.bin\n",
                local.join("up.bin").display()
            ));
            text.push_str(&format!(
                "get r{i}.bin {}\n",
                local.join(format!("down{i}.bin")).display()
            ));
        }
        text.push_str("get missing.bin /nonexistent-dir/x\nrm r0.bin\nsize r1.bin\n");
        let lines = parse_batch(&text, false, false).unwrap();
        let mut session = server.session();
        let mut report = Vec::new();
        let result = run_batch(&mut session, &lines, &mut report);
        let report = String::from_utf8(report).unwrap();
        assert_eq!(
            result,
            Err(format!("batch: 1 of {} operation(s) failed", lines.len())),
            "{report}"
        );
        let rows: Vec<&str> = report.lines().collect();
        assert_eq!(rows.len(), lines.len(), "{report}");
        for (i, row) in rows.iter().enumerate() {
            if i == 20 {
                assert!(
                    row.starts_with("batch: line 21: FAILED: get missing.bin"),
                    "{row}"
                );
            } else {
                assert!(
                    row.starts_with(&format!("batch: line {}: ok: ", i + 1)),
                    "{row}"
                );
            }
        }
        for i in 0..10 {
            assert_eq!(
                std::fs::read(local.join(format!("down{i}.bin"))).unwrap(),
                content
            );
        }
        assert!(!server.root.join("r0.bin").exists());
        assert!(rows[22].ends_with("200000 bytes"), "{}", rows[22]);
        session.client.quit().unwrap();
        let _ = std::fs::remove_dir_all(&local);
    }

    #[test]
    fn continue_starts_over_when_the_remote_file_changed() {
        let server = loopback::start("continue");
        let local = local_dir("continue");
        let part = local.join("f.bin");
        // A partial copy of an old version, and a remote file that is now smaller.
        std::fs::write(&part, b"old version, long partial copy").unwrap();
        std::fs::write(server.root.join("f.bin"), b"new, short").unwrap();
        let mut session = server.session();
        session.get("f.bin", &part, true, false).unwrap();
        assert_eq!(std::fs::read(&part).unwrap(), b"new, short");
        // The remote grew, but was rewritten after the local part was written: start over.
        std::fs::write(&part, b"new, s").unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        File::options()
            .write(true)
            .open(&part)
            .unwrap()
            .set_modified(old)
            .unwrap();
        std::fs::write(server.root.join("f.bin"), b"NEW, short and longer").unwrap();
        session.get("f.bin", &part, true, false).unwrap();
        assert_eq!(std::fs::read(&part).unwrap(), b"NEW, short and longer");
        // Unchanged and older than the local part: resumed with REST.
        std::fs::write(&part, b"NEW, short").unwrap();
        let summary = session.get("f.bin", &part, true, false).unwrap();
        assert_eq!(summary, "11 bytes received");
        assert_eq!(std::fs::read(&part).unwrap(), b"NEW, short and longer");
        session.client.quit().unwrap();
        let _ = std::fs::remove_dir_all(&local);
    }
}

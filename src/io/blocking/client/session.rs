//! [`BlockingClient`]: one FTPS session over std sockets and rustls, driving a
//! [`crate::client::Client`] machine, with a call-and-return API
//! (`connect` → `login` → `retrieve` / `store` / ... → `quit`).
//!
//! Owns the event loop of the blocking adapter: it performs each [`Output`] in order
//! (writes, TLS handshakes, data connections), reports what happened to the machine, waits
//! on the control connection until the machine's next deadline, and moves file bytes when
//! the machine says a transfer started. Must not make protocol decisions: what to send,
//! what a reply means and whether a transfer succeeded are the machine's.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::prelude::rust_2021::*;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;

use super::abort::AbortHandle;
use super::clock::{Clock, Deadline};
use super::data::{self, Outcome};
use super::error::{Error, ShowReply};
use super::stream::{Confirmation, Received, Stream};
use super::url::{FtpUrl, UrlSecurity};
use crate::client::{
    Client, CloseReason, Config, DataAddress, DataProtection, Event, Failure, Login, Output,
    RequestId, Response, Security, State, TransferCommand,
};
use crate::codec::{Command, Reply};
use crate::io::client_ascii::{lf_to_crlf, CrlfToLf};
use crate::io::tls::ClientTlsOptions;
use crate::types::{Channel, DataEnd, Facts, Features, Pathname, Text, Timestamp, TransferType};

/// Bytes buffered per data-connection read and write (through rustls: one `read(2)` feeds
/// many TLS records, one `writev(2)` sends many).
pub const DEFAULT_BUFFER_SIZE: usize = 256 * 1024;

/// Control-connection read size (replies are small; the codec bounds lines).
const CONTROL_BUFFER: usize = 16 * 1024;

/// After a stalled transfer: how long the final reply may take once the data connection is
/// closed (a live server answers `426` at once). See `BlockingClient::after_stall`.
pub(crate) const STALL_GRACE: Duration = Duration::from_millis(250);

/// A protocol transcript sink: see [`Options::with_trace`].
pub type Trace = Arc<dyn Fn(&str) + Send + Sync>;

/// How a [`BlockingClient`] connects: the machine's [`Config`] (security, data mode, PROT,
/// timeouts), the TLS options, buffer sizes, and an optional transcript.
#[derive(Clone)]
#[non_exhaustive]
pub struct Options {
    /// The state machine's configuration. Its timeouts also bound every blocking call:
    /// `connect` (TCP connect and greeting), `reply` (control writes), `data` (data connect,
    /// and every wait for data bytes), `tls` (handshakes).
    pub config: Config,
    /// Certificate verification, client certificate, versions, cipher suites.
    pub tls: ClientTlsOptions,
    /// The name the server's certificate must carry (and SNI), when it differs from the
    /// host connected to.
    pub tls_server_name: Option<String>,
    /// Data buffer size (default [`DEFAULT_BUFFER_SIZE`]).
    pub buffer_size: usize,
    /// Where the transcript goes (see [`Options::with_trace`]).
    pub trace: Option<Trace>,
}

impl core::fmt::Debug for Options {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Options")
            .field("config", &self.config)
            .field("tls", &self.tls)
            .field("tls_server_name", &self.tls_server_name)
            .field("buffer_size", &self.buffer_size)
            .field("trace", &self.trace.is_some())
            .finish()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config: Config::default(),
            tls: ClientTlsOptions::default(),
            tls_server_name: None,
            buffer_size: DEFAULT_BUFFER_SIZE,
            trace: None,
        }
    }
}

impl Options {
    /// Sets the machine's configuration.
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }
    /// Sets the TLS options.
    pub fn with_tls(mut self, tls: ClientTlsOptions) -> Self {
        self.tls = tls;
        self
    }
    /// Sets the name checked in the server's certificate.
    pub fn with_tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.tls_server_name = Some(name.into());
        self
    }
    /// Calls `f` with a human-readable line for every command sent (`PASS`/`ACCT`
    /// arguments redacted), every reply line received, every TLS handshake (version,
    /// resumed or not) and every data connection: a protocol transcript for `--verbose`
    /// output and logs, from the first byte of the session.
    pub fn with_trace(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.trace = Some(Arc::new(f));
        self
    }
    /// Sets the data buffer size (at least 16 KiB).
    pub fn with_buffer_size(mut self, bytes: usize) -> Self {
        self.buffer_size = bytes.max(16 * 1024);
        self
    }
}

/// How far a transfer has come, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The command that runs.
    pub command: TransferCommand,
    /// Bytes moved so far in this transfer (not counting a resumed download's offset).
    pub bytes: u64,
    /// The size the server announced in its opening reply, if it did.
    pub size_hint: Option<u64>,
}

/// What a `STOU` upload produced ([`BlockingClient::store_unique`], and the tokio client's
/// `store_unique`).
///
/// RFC 1123 §4.1.2.9 has the server name the file it chose in the 1xx reply that opens the
/// transfer (`150 FILE: pppp`, or `125 FILE: pppp`): that name is `name`
/// ([`crate::client::Client::unique_name`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredUnique {
    /// File bytes sent.
    pub bytes: u64,
    /// The server's final reply (`226` or `250`).
    pub reply: Reply<'static>,
    /// The name the server stored the file under, from its opening reply; `None` when that
    /// reply named no file (a server that does not follow RFC 1123 §4.1.2.9).
    pub name: Option<Pathname<'static>>,
}

type ProgressFn = Box<dyn FnMut(&Progress) + Send>;

/// The data connection, as far as it goes.
#[derive(Debug)]
enum DataSlot {
    None,
    /// Active mode: listening, the server has not been told to connect yet.
    Listening(TcpListener),
    /// Active mode: the transfer command is out; accept when the server connects.
    Accepting(TcpListener),
    Open(Stream),
}

/// A listing consumer that is told which command produced the bytes
/// ([`BlockingClient::mlsd_each`]).
pub type ListingChunks<'a> = dyn FnMut(TransferCommand, &[u8]) -> io::Result<()> + 'a;

/// What a transfer does with its bytes.
enum Body<'a, 'b> {
    Download(&'a mut dyn Write),
    Upload(&'a mut dyn Read),
    /// A listing handed over chunk by chunk with the command that runs.
    Listing(&'a mut ListingChunks<'b>),
}

/// A download's sink under `TYPE A`: CRLF → LF on the way in. `data::receive` flushes once,
/// at the clean end: that is when a CR held at the end of the last chunk is written.
struct AsciiSink<'a> {
    inner: &'a mut dyn Write,
    convert: CrlfToLf,
    out: Vec<u8>,
}

impl Write for AsciiSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.clear();
        self.convert.convert(buf, &mut self.out);
        self.inner.write_all(&self.out)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.clear();
        self.convert.finish(&mut self.out);
        self.inner.write_all(&self.out)?;
        self.inner.flush()
    }
}

/// An upload's source under `TYPE A`: LF → CRLF on the way out.
struct AsciiSource<'a> {
    inner: &'a mut dyn Read,
    raw: Vec<u8>,
    pending: Vec<u8>,
    at: usize,
}

impl Read for AsciiSource<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at >= self.pending.len() {
            let n = self.inner.read(&mut self.raw)?;
            if n == 0 {
                return Ok(0);
            }
            self.pending.clear();
            self.at = 0;
            lf_to_crlf(self.raw.get(..n).unwrap_or_default(), &mut self.pending);
        }
        let avail = self.pending.get(self.at..).unwrap_or_default();
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}

/// A [`Write`] that hands each chunk to a [`ListingChunks`] callback.
struct ChunkSink<'a, 'b> {
    command: TransferCommand,
    f: &'a mut ListingChunks<'b>,
}

impl Write for ChunkSink<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (self.f)(self.command, buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a run of the event loop waits for.
#[derive(Clone, Copy)]
enum Target {
    Connected,
    Request(RequestId),
}

/// One FTPS session over std sockets and rustls.
///
/// ```no_run
/// use ftps_proto::io::blocking::client::{BlockingClient, FtpUrl, Options};
/// use ftps_proto::types::Pathname;
///
/// let url: FtpUrl = "ftp://alice:secret@ftp.example.org/".parse()?;
/// let mut client = BlockingClient::connect(&url, Options::default())?;
/// client.login_from_url(&url)?;
/// let mut file = std::fs::File::create("report.pdf")?;
/// client.retrieve(Pathname::try_from("report.pdf")?, 0, &mut file)?;
/// client.quit()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Every call blocks until the machine completes the request, and returns the server's
/// reply as an [`Error`] when it refused. Transfers succeed only when the server's final
/// reply *and* a clean end of the data connection (TLS close_notify under `PROT P`) were
/// both seen.
pub struct BlockingClient {
    machine: Client,
    clock: Clock,
    control: Option<Stream>,
    tls_config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    peer: SocketAddr,
    local: SocketAddr,
    data: DataSlot,
    events: VecDeque<Event>,
    next_timeout: Option<crate::types::Instant>,
    closed: Option<CloseReason>,
    /// The last socket or TLS error the adapter saw, attached to the next failure.
    cause: Option<io::Error>,
    /// The caller's reader or writer failed during the current transfer.
    file_error: Option<io::Error>,
    buffer: Vec<u8>,
    control_buffer: Vec<u8>,
    config: Config,
    progress: Option<ProgressFn>,
    trace: Option<Trace>,
    abort: AbortHandle,
    /// `TYPE A` is in force: file transfers convert line ends (RFC 959 §3.1.1.1).
    ascii: bool,
}

impl core::fmt::Debug for BlockingClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BlockingClient")
            .field("machine", &self.machine)
            .field("peer", &self.peer)
            .field("data", &self.data)
            .finish_non_exhaustive()
    }
}

impl BlockingClient {
    /// Connects to the URL's host and port and secures the session as its scheme says
    /// (`ftps://`: implicit TLS; `ftp://`, `ftpes://`: `AUTH TLS`, required unless
    /// `options.config.security` says otherwise). Returns once the server's greeting has
    /// arrived and TLS is up; then call [`BlockingClient::login`].
    pub fn connect(url: &FtpUrl, mut options: Options) -> Result<BlockingClient, Error> {
        match url.security() {
            UrlSecurity::Implicit => options.config.security = Security::Implicit,
            UrlSecurity::Explicit => {
                if options.config.security == Security::Implicit {
                    options.config.security = Security::ExplicitRequired;
                }
            }
        }
        let name = options
            .tls_server_name
            .clone()
            .unwrap_or_else(|| url.host().as_tls_name());
        let (host, port) = url.socket_target();
        let shown = std::format!("{}:{port}", url.host());
        let addrs: Vec<SocketAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|source| Error::Connect {
                target: shown.clone(),
                source,
            })?
            .collect();
        BlockingClient::connect_shown(&addrs, shown, &name, options)
    }

    /// Connects to `target` (anything `ToSocketAddrs` takes) and checks the server's
    /// certificate against `tls_name` (`options.tls_server_name` wins if set). The security
    /// mode is `options.config.security`.
    pub fn connect_to(
        target: impl ToSocketAddrs,
        tls_name: &str,
        options: Options,
    ) -> Result<BlockingClient, Error> {
        let addrs: Vec<SocketAddr> = match target.to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(source) => {
                return Err(Error::Connect {
                    target: tls_name.to_owned(),
                    source,
                })
            }
        };
        let shown = match addrs.first() {
            Some(a) => a.to_string(),
            None => tls_name.to_owned(),
        };
        BlockingClient::connect_shown(&addrs[..], shown, tls_name, options)
    }

    fn connect_shown(
        addrs: &[SocketAddr],
        shown: String,
        tls_name: &str,
        options: Options,
    ) -> Result<BlockingClient, Error> {
        let connect_error = |source| Error::Connect {
            target: shown.clone(),
            source,
        };
        let tls_config = options.tls.build()?;
        let name = options.tls_server_name.as_deref().unwrap_or(tls_name);
        let server_name = ServerName::try_from(name.to_owned())
            .map_err(|e| connect_error(io::Error::new(io::ErrorKind::InvalidInput, e)))?;
        let deadline = Deadline::after(options.config.timeouts.connect);
        let tcp = data::connect(addrs, deadline).map_err(connect_error)?;
        let mut client =
            BlockingClient::over(tcp, tls_config, server_name, options).map_err(connect_error)?;
        client.run(Target::Connected, None)?;
        Ok(client)
    }

    fn over(
        tcp: TcpStream,
        tls_config: Arc<ClientConfig>,
        server_name: ServerName<'static>,
        options: Options,
    ) -> io::Result<BlockingClient> {
        let peer = tcp.peer_addr()?;
        let local = tcp.local_addr()?;
        let clock = Clock::start();
        let machine = Client::new(options.config.clone(), clock.now());
        Ok(BlockingClient {
            machine,
            clock,
            control: Some(Stream::new(tcp, CONTROL_BUFFER)),
            tls_config,
            server_name,
            peer,
            local,
            data: DataSlot::None,
            events: VecDeque::new(),
            next_timeout: None,
            closed: None,
            cause: None,
            file_error: None,
            buffer: std::vec![0u8; options.buffer_size.max(16 * 1024)],
            control_buffer: std::vec![0u8; CONTROL_BUFFER],
            trace: options.trace,
            config: options.config,
            progress: None,
            abort: AbortHandle::default(),
            ascii: false,
        })
    }

    /// Calls `f` as transfers progress (at most once per buffer moved).
    pub fn set_progress(&mut self, f: impl FnMut(&Progress) + Send + 'static) {
        self.progress = Some(Box::new(f));
    }

    /// Replaces the transcript sink (see [`Options::with_trace`]).
    pub fn set_trace(&mut self, f: impl Fn(&str) + Send + Sync + 'static) {
        self.trace = Some(Arc::new(f));
    }

    /// A handle that stops the running transfer from another thread (see
    /// [`AbortHandle`]).
    pub fn abort_handle(&self) -> AbortHandle {
        self.abort.clone()
    }

    /// The machine (state, features, protection of both channels), as the tokio client's
    /// `machine()`.
    pub fn machine(&self) -> &Client {
        &self.machine
    }

    /// The machine's state.
    pub fn state(&self) -> State {
        self.machine.state()
    }

    /// What the server's FEAT reply announced (after login).
    pub fn features(&self) -> &Features {
        self.machine.features()
    }

    /// The TLS version of the control connection (`None` in clear).
    pub fn tls_version(&self) -> Option<rustls::ProtocolVersion> {
        self.control.as_ref().and_then(Stream::tls_version)
    }

    /// The control connection's peer.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// Logs in (then `PBSZ 0`/`PROT`, `FEAT`, `TYPE` as configured).
    pub fn login(&mut self, login: Login) -> Result<&mut Self, Error> {
        let id = self.machine.login(login, self.clock.now())?;
        self.run(Target::Request(id), None)?;
        self.ascii = matches!(self.config.transfer_type, TransferType::Ascii(_));
        Ok(self)
    }

    /// Logs in with the URL's credentials ([`FtpUrl::login`]: its user and password, or
    /// `anonymous`).
    pub fn login_from_url(&mut self, url: &FtpUrl) -> Result<&mut Self, Error> {
        self.login(url.login())
    }

    /// `RETR path` (after `REST offset` when `offset > 0`) into `sink`. Returns the bytes
    /// written. `Err` unless the server's final reply and a clean data-connection end were
    /// both seen.
    pub fn retrieve(
        &mut self,
        path: Pathname<'_>,
        offset: u64,
        sink: &mut dyn Write,
    ) -> Result<u64, Error> {
        let id = self.machine.retrieve(path, offset, self.clock.now())?;
        self.transfer(id, Body::Download(sink))
    }

    /// `STOR path` from `source`. Returns the bytes sent. The data connection is ended with
    /// close_notify and the server's own end is awaited before the socket closes, so the
    /// server reads everything (see the adapter's module docs).
    pub fn store(&mut self, path: Pathname<'_>, source: &mut dyn Read) -> Result<u64, Error> {
        let id = self.machine.store(path, self.clock.now())?;
        self.transfer(id, Body::Upload(source))
    }

    /// `APPE path` from `source`.
    pub fn append(&mut self, path: Pathname<'_>, source: &mut dyn Read) -> Result<u64, Error> {
        let id = self.machine.append(path, self.clock.now())?;
        self.transfer(id, Body::Upload(source))
    }

    /// `STOR path` from `source`, preceded by `REST offset` when `offset > 0` (RFC 3659 §5:
    /// resume an upload in stream mode; the server writes from `offset` on).
    /// [`BlockingClient::size`] tells where the server's copy ends. `source` must yield the
    /// local file from `offset` on (seek it first): the adapter sends what it reads. Returns
    /// the bytes sent (not counting `offset`); fails like [`BlockingClient::store`], and with
    /// [`Error::Refused`] when the server refuses `REST` (`350` expected).
    pub fn store_at(
        &mut self,
        path: Pathname<'_>,
        offset: u64,
        source: &mut dyn Read,
    ) -> Result<u64, Error> {
        let id = self.machine.store_at(path, offset, self.clock.now())?;
        self.transfer(id, Body::Upload(source))
    }

    /// `STOU` from `source` (RFC 959 §4.1.3, RFC 1123 §4.1.2.9): the server stores the bytes
    /// under a name of its choosing, which it gives in the 1xx reply opening the transfer
    /// (`150 FILE: pppp`). Returns the bytes sent, the server's final reply and that name.
    /// Fails like [`BlockingClient::store`]: [`Error::Refused`] with the server's reply, or an
    /// error unless the final reply and a clean end of the data connection were both seen.
    pub fn store_unique(&mut self, source: &mut dyn Read) -> Result<StoredUnique, Error> {
        let id = self.machine.store_unique(self.clock.now())?;
        let mut moved = 0u64;
        match self.run_moving(Target::Request(id), Some(Body::Upload(source)), &mut moved)? {
            Some(Response::Transferred { reply, .. }) => Ok(StoredUnique {
                bytes: moved,
                reply,
                name: self.machine.unique_name().cloned(),
            }),
            other => Err(unexpected(other)),
        }
    }

    /// `MLSD [path]` (RFC 3659 §7) into `sink`, falling back to `LIST` when the server
    /// refuses it; returns which command ran (it tells the listing's format).
    pub fn mlsd(
        &mut self,
        path: Option<Pathname<'_>>,
        sink: &mut dyn Write,
    ) -> Result<TransferCommand, Error> {
        let id = self.machine.mlsd(path, self.clock.now())?;
        self.listing(id, sink)
    }

    /// `LIST [path]` into `sink` (the server's own format).
    pub fn list(&mut self, path: Option<Pathname<'_>>, sink: &mut dyn Write) -> Result<(), Error> {
        let id = self.machine.list(path, self.clock.now())?;
        self.listing(id, sink).map(|_| ())
    }

    /// `NLST [path]` into `sink` (names only).
    pub fn nlst(&mut self, path: Option<Pathname<'_>>, sink: &mut dyn Write) -> Result<(), Error> {
        let id = self.machine.nlst(path, self.clock.now())?;
        self.listing(id, sink).map(|_| ())
    }

    /// `MLSD [path]` like [`BlockingClient::mlsd`], handing the listing to `f` chunk by chunk
    /// as it arrives, with the command that produces it (`MLSD`, or `LIST` after the server
    /// refused MLSD): the caller knows the format before the first byte, and can show a
    /// listing of any size in bounded memory. An error from `f` abandons the transfer
    /// ([`Error::File`]).
    pub fn mlsd_each(
        &mut self,
        path: Option<Pathname<'_>>,
        f: &mut ListingChunks<'_>,
    ) -> Result<TransferCommand, Error> {
        let id = self.machine.mlsd(path, self.clock.now())?;
        match self.run(Target::Request(id), Some(Body::Listing(f)))? {
            Some(Response::Transferred { command, .. }) => Ok(command),
            other => Err(unexpected(other)),
        }
    }

    fn listing(&mut self, id: RequestId, sink: &mut dyn Write) -> Result<TransferCommand, Error> {
        match self.run(Target::Request(id), Some(Body::Download(sink)))? {
            Some(Response::Transferred { command, .. }) => Ok(command),
            other => Err(unexpected(other)),
        }
    }

    fn transfer(&mut self, id: RequestId, body: Body<'_, '_>) -> Result<u64, Error> {
        let mut moved = 0u64;
        match self.run_moving(Target::Request(id), Some(body), &mut moved)? {
            Some(Response::Transferred { .. }) => Ok(moved),
            other => Err(unexpected(other)),
        }
    }

    /// `DELE path`.
    pub fn delete(&mut self, path: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.delete(path, self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `MKD path`; returns the created directory's name when the server quoted it.
    pub fn mkdir(&mut self, path: Pathname<'_>) -> Result<Option<Pathname<'static>>, Error> {
        let id = self.machine.mkdir(path, self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::Path(p)) => Ok(p),
            Some(Response::Done(_)) => Ok(None),
            other => Err(unexpected(other)),
        }
    }

    /// `RMD path`.
    pub fn rmdir(&mut self, path: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.rmdir(path, self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `RNFR from` then `RNTO to`.
    pub fn rename(&mut self, from: Pathname<'_>, to: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.rename(from, to, self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `CWD path`.
    pub fn cwd(&mut self, path: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.cwd(path, self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `CDUP` (RFC 959 §4.1.1): changes to the parent of the working directory. A server that
    /// answers `500`/`502` is asked again with `XCUP` (RFC 1123 §4.1.3.1). A refusal is
    /// [`Error::Refused`] with the server's reply; the session goes on.
    pub fn cdup(&mut self) -> Result<(), Error> {
        let id = self.machine.cdup(self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `PWD`.
    pub fn pwd(&mut self) -> Result<Option<Pathname<'static>>, Error> {
        let id = self.machine.pwd(self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::Path(p)) => Ok(p),
            other => Err(unexpected(other)),
        }
    }

    /// `SIZE path` (RFC 3659 §4), in the current transfer type (binary by default).
    pub fn size(&mut self, path: Pathname<'_>) -> Result<u64, Error> {
        let id = self.machine.size(path, self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::Size(n)) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    /// `MDTM path` (RFC 3659 §3).
    pub fn mdtm(&mut self, path: Pathname<'_>) -> Result<Timestamp, Error> {
        let id = self.machine.mdtm(path, self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::ModifyTime(t)) => Ok(t),
            other => Err(unexpected(other)),
        }
    }

    /// `MLST [path]` (RFC 3659 §7).
    pub fn mlst(&mut self, path: Option<Pathname<'_>>) -> Result<Facts<'static>, Error> {
        let id = self.machine.mlst(path, self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::Facts(f)) => Ok(f),
            other => Err(unexpected(other)),
        }
    }

    /// `NOOP`.
    pub fn noop(&mut self) -> Result<(), Error> {
        let id = self.machine.noop(self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `FEAT` (RFC 2389 §3): asks the server again what it supports (the login already did).
    /// Returns the parsed [`Features`], which [`BlockingClient::features`] then also shows
    /// (and which decide, for example, whether `MLSD` is tried). A refusal (`500`/`502`: no
    /// FEAT) is [`Error::Refused`] and keeps the features known so far; a malformed reply
    /// is [`Error::Failed`] with [`Failure::Protocol`].
    pub fn feat(&mut self) -> Result<Features, Error> {
        let id = self.machine.feat(self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::Features(f)) => Ok(f),
            other => Err(unexpected(other)),
        }
    }

    /// `TYPE t` (RFC 959 §4.1.2, §3.1.1): the representation of the transfers that follow,
    /// for example `TYPE A` for listings and text in the server's line endings. The login
    /// already sent [`Config::transfer_type`](crate::client::Config::transfer_type) (`TYPE I`
    /// by default), and sends it again after a new login. `SIZE` answers in the current type
    /// (RFC 3659 §4). A refusal is [`Error::Refused`]; the type in force does not change.
    ///
    /// Under `TYPE A` the adapter converts the line ends of file transfers (RFC 959
    /// §3.1.1.1): `retrieve` writes each CRLF received as LF (a CR alone stays), `store` /
    /// `append` / `store_at` / `store_unique` send each LF of the source as CRLF. The byte
    /// counts they return are those of the data connection. Listings (`mlsd`, `list`,
    /// `nlst`) are handed over as sent. REST offsets are the caller's to count (RFC 3659 §5:
    /// in transferred bytes).
    pub fn set_type(&mut self, t: TransferType) -> Result<(), Error> {
        let id = self.machine.set_type(t, self.clock.now())?;
        self.run(Target::Request(id), None)?;
        self.ascii = matches!(t, TransferType::Ascii(_));
        Ok(())
    }

    /// `PBSZ 0` then `PROT P` or `PROT C` (RFC 4217 §8, §9): changes the protection of the
    /// data connections that follow (the login set up
    /// [`Config::data_protection`](crate::client::Config::data_protection)). Needs a
    /// protected control connection ([`Error::Usage`] otherwise). A refusal is
    /// [`Error::Refused`] and leaves the protection in force unchanged.
    pub fn set_data_protection(&mut self, level: DataProtection) -> Result<(), Error> {
        let id = self.machine.set_data_protection(level, self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `AUTH TLS` in a logged-in session whose control connection is in clear (RFC 4217 §4,
    /// §10.3), then the TLS handshake. As RFC 4217 §4.2 requires, the server forgets the
    /// login: on success the session is in [`State::Connected`] and must log in again with
    /// [`BlockingClient::login`] (which sets up `PBSZ`/`PROT` and `TYPE` again, now
    /// protected). A refusal is [`Error::Refused`] (the session goes on in clear); an already
    /// protected or implicit-TLS session is [`Error::Usage`]; a failed handshake ends the
    /// session ([`Error::Closed`]).
    pub fn auth_tls(&mut self) -> Result<(), Error> {
        let id = self.machine.auth_tls(self.clock.now())?;
        self.run(Target::Request(id), None).map(|_| ())
    }

    /// `REIN` (RFC 959 §4.1.1): the server ends the login and resets the session's state.
    /// On `220` the control connection goes back to clear (RFC 4217 §13) and is secured
    /// again as configured (`HOST`, `AUTH TLS`); this call returns once that is done, with
    /// the session in [`State::Connected`]: it **must log in again** with
    /// [`BlockingClient::login`] before any other request. A refusal is [`Error::Refused`]
    /// (the login stays); under implicit TLS the call is refused locally ([`Error::Usage`]);
    /// if securing the connection again fails, the session ends ([`Error::Closed`]).
    pub fn reinitialize(&mut self) -> Result<(), Error> {
        let id = self.machine.reinitialize(self.clock.now())?;
        self.run(Target::Request(id), None)?;
        self.run(Target::Connected, None).map(|_| ())
    }

    /// `SITE text`: returns the server's completion reply (a 4xx/5xx is [`Error::Refused`]).
    pub fn site(&mut self, text: Text<'_>) -> Result<Reply<'static>, Error> {
        let id = self.machine.site(text, self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::Done(r)) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// Any other command (`STAT`, `HELP`, `SYST`, `MFMT`, an extension): returns its first
    /// final reply, whatever the code. Commands that change state the machine tracks are
    /// refused ([`ErrorKind::UseNamedRequest`](crate::client::ErrorKind::UseNamedRequest)).
    pub fn raw(&mut self, command: Command<'_>) -> Result<Reply<'static>, Error> {
        let id = self.machine.raw(command, self.clock.now())?;
        match self.run(Target::Request(id), None)? {
            Some(Response::Done(r)) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// `QUIT`, then closes the connection.
    pub fn quit(mut self) -> Result<(), Error> {
        let id = self.machine.quit(self.clock.now())?;
        match self.run(Target::Request(id), None) {
            Ok(_) => Ok(()),
            // A server that closes right after its 221 (or instead of it) has still quit.
            Err(Error::Closed {
                reason: CloseReason::Quit(_),
                ..
            }) => Ok(()),
            Err(Error::Failed {
                failure: Failure::ConnectionClosed,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    // ----------------------------------------------------------------------------------
    // The event loop
    // ----------------------------------------------------------------------------------

    fn run(
        &mut self,
        target: Target,
        body: Option<Body<'_, '_>>,
    ) -> Result<Option<Response>, Error> {
        let mut moved = 0;
        self.run_moving(target, body, &mut moved)
    }

    /// Performs outputs and waits for input until `target` happens. Returns the request's
    /// response (`None` for [`Target::Connected`]); `moved` receives the bytes a transfer
    /// moved.
    fn run_moving(
        &mut self,
        target: Target,
        mut body: Option<Body<'_, '_>>,
        moved: &mut u64,
    ) -> Result<Option<Response>, Error> {
        self.cause = None;
        self.file_error = None;
        self.abort.clear();
        loop {
            self.pump();
            while let Some(event) = self.events.pop_front() {
                match event {
                    Event::Connected { greeting, tls } => {
                        self.note(|| {
                            std::format!("connected (TLS: {tls}): {}", ShowReply(&greeting))
                        });
                        if matches!(target, Target::Connected) {
                            return Ok(None);
                        }
                    }
                    Event::TransferStarted {
                        request,
                        command,
                        size_hint,
                    } => {
                        let body = match (&target, body.as_mut()) {
                            (Target::Request(id), Some(b)) if *id == request => Some(b),
                            _ => None,
                        };
                        let outcome = self.move_bytes(command, size_hint, body);
                        *moved = outcome.bytes;
                        let stalled = outcome.stalled();
                        if outcome.aborted {
                            // The machine closes the data side and sends ABOR.
                            self.note(|| std::format!("data: aborted after {moved} bytes"));
                            if self.machine.abort(self.clock.now()).is_err() {
                                self.report_data_end(outcome);
                            }
                        } else {
                            self.report_data_end(outcome);
                        }
                        self.pump();
                        if stalled {
                            self.after_stall();
                            self.pump();
                        }
                    }
                    Event::Completed { request, result } => {
                        if let Target::Request(id) = target {
                            if id == request {
                                return self.completed(result);
                            }
                        }
                        self.note(|| std::format!("request {request} completed: {result:?}"));
                    }
                    Event::TlsDeclined(reply) => {
                        self.note(|| std::format!("TLS declined: {}", ShowReply(&reply)));
                    }
                    Event::Unsolicited(reply) => {
                        self.note(|| std::format!("unsolicited reply: {}", ShowReply(&reply)));
                    }
                    Event::Closed(reason) => {
                        self.closed = Some(reason.clone());
                        self.data = DataSlot::None;
                        return Err(Error::Closed {
                            reason,
                            cause: self.cause.take(),
                        });
                    }
                }
            }
            if let Some(reason) = &self.closed {
                return Err(Error::Closed {
                    reason: reason.clone(),
                    cause: self.cause.take(),
                });
            }
            self.wait();
        }
    }

    fn completed(&mut self, result: Result<Response, Failure>) -> Result<Option<Response>, Error> {
        if let Some(e) = self.file_error.take() {
            return Err(Error::File(e));
        }
        match result {
            Ok(r) => {
                self.cause = None;
                Ok(Some(r))
            }
            Err(f) => Err(Error::from_failure(f, self.cause.take())),
        }
    }

    fn note(&mut self, line: impl FnOnce() -> String) {
        if let Some(t) = self.trace.as_ref() {
            t(&line());
        }
    }

    /// Performs every queued output, in order, until the machine waits.
    fn pump(&mut self) {
        loop {
            match self.machine.poll_output() {
                Output::Send(bytes) => self.send_control(&bytes),
                Output::StartTls {
                    channel: Channel::Control,
                    ..
                } => self.start_control_tls(),
                Output::StartTls {
                    channel: Channel::Data,
                    resume_session,
                    ..
                } => self.start_data_tls(resume_session),
                Output::EndTls { .. } => self.end_control_tls(),
                Output::OpenData { address, .. } => self.open_data(address),
                Output::ListenData { .. } => self.listen_data(),
                Output::AcceptData { .. } => {
                    self.data = match core::mem::replace(&mut self.data, DataSlot::None) {
                        DataSlot::Listening(l) => DataSlot::Accepting(l),
                        other => other,
                    };
                    if !matches!(self.data, DataSlot::Accepting(_)) {
                        self.machine
                            .handle_data_ended(DataEnd::Failed, self.clock.now());
                    }
                }
                Output::CloseData => self.data = DataSlot::None,
                Output::Close => {
                    self.data = DataSlot::None;
                    if let Some(c) = self.control.take() {
                        c.close_after_peer(Deadline::after(Some(Duration::from_secs(1))));
                    }
                }
                Output::Event(e) => self.events.push_back(e),
                Output::Timeout(at) => {
                    self.next_timeout = Some(at);
                    return;
                }
                Output::Idle => {
                    self.next_timeout = None;
                    return;
                }
            }
        }
    }

    fn control_failed(&mut self, e: io::Error) {
        self.note(|| std::format!("control connection: {e}"));
        self.cause = Some(e);
        self.control = None;
        self.data = DataSlot::None;
        self.machine.handle_control_closed(self.clock.now());
    }

    fn send_control(&mut self, bytes: &[u8]) {
        if self.trace.is_some() {
            let shown = redact(bytes);
            self.note(|| std::format!("C: {shown}"));
        }
        let deadline = Deadline::after(self.config.timeouts.reply);
        let result = match self.control.as_mut() {
            Some(c) => c.write_all(bytes, deadline),
            None => return,
        };
        if let Err(e) = result {
            self.control_failed(e);
        }
    }

    fn start_control_tls(&mut self) {
        let deadline = Deadline::after(self.config.timeouts.tls);
        let Some(c) = self.control.as_mut() else {
            return;
        };
        match c.start_tls(
            self.tls_config.clone(),
            self.server_name.clone(),
            64 * 1024,
            deadline,
        ) {
            Ok(()) => {
                let version = show_version(c.tls_version());
                self.note(|| std::format!("control TLS: {version}"));
                self.machine
                    .handle_tls_ready(Channel::Control, self.clock.now());
            }
            Err(e) => {
                self.note(|| std::format!("control TLS handshake failed: {e}"));
                self.cause = Some(e);
                self.machine
                    .handle_tls_failed(Channel::Control, self.clock.now());
            }
        }
    }

    fn end_control_tls(&mut self) {
        let deadline = Deadline::after(self.config.timeouts.tls);
        let result = match self.control.as_mut() {
            Some(c) => c.end_tls(deadline),
            None => return,
        };
        match result {
            Ok(()) => self.note(|| "control TLS ended (clear command channel)".into()),
            Err(e) => self.control_failed(e),
        }
    }

    fn start_data_tls(&mut self, resume_session: bool) {
        let deadline = Deadline::after(self.config.timeouts.tls);
        let send_buffer = self.buffer.len() * 2;
        let DataSlot::Open(stream) = &mut self.data else {
            self.machine
                .handle_tls_failed(Channel::Data, self.clock.now());
            return;
        };
        match stream.start_tls(
            self.tls_config.clone(),
            self.server_name.clone(),
            send_buffer,
            deadline,
        ) {
            Ok(()) => {
                let (version, resumed) = (show_version(stream.tls_version()), stream.resumed());
                self.note(|| {
                    std::format!(
                        "data TLS: {version} ({})",
                        match resumed {
                            Some(true) => "resumed the control session",
                            _ if resume_session => "NOT resumed: the server may refuse",
                            _ => "full handshake",
                        }
                    )
                });
                self.machine
                    .handle_tls_ready(Channel::Data, self.clock.now());
            }
            Err(e) => {
                self.note(|| std::format!("data TLS handshake failed: {e}"));
                self.cause = Some(e);
                self.data = DataSlot::None;
                self.machine
                    .handle_tls_failed(Channel::Data, self.clock.now());
            }
        }
    }

    fn open_data(&mut self, address: DataAddress) {
        let addr = match address {
            DataAddress::ControlPeer { port } => SocketAddr::new(self.peer.ip(), port),
            DataAddress::Exact(a) => a,
        };
        self.note(|| std::format!("data: connecting to {addr}"));
        match data::connect(addr, Deadline::after(self.config.timeouts.data)) {
            Ok(tcp) => {
                self.data = DataSlot::Open(Stream::new(tcp, self.buffer.len()));
                self.machine.handle_data_connected(self.clock.now());
            }
            Err(e) => {
                self.note(|| std::format!("data: connect to {addr} failed: {e}"));
                self.cause = Some(e);
                self.machine
                    .handle_data_ended(DataEnd::Failed, self.clock.now());
            }
        }
    }

    fn listen_data(&mut self) {
        match data::listen(self.local.ip()).and_then(|l| Ok((l.local_addr()?, l))) {
            Ok((addr, listener)) => {
                self.note(|| std::format!("data: listening on {addr}"));
                self.data = DataSlot::Listening(listener);
                self.machine.handle_data_listening(addr, self.clock.now());
            }
            Err(e) => {
                self.cause = Some(e);
                self.machine
                    .handle_data_ended(DataEnd::Failed, self.clock.now());
            }
        }
    }

    /// Waits for control input, an accepted data connection, or the machine's deadline,
    /// and reports it.
    fn wait(&mut self) {
        let until = match self.next_timeout {
            Some(at) => self.clock.deadline_at(at),
            None => Deadline::NEVER,
        };
        if self.control.is_none() {
            // Nothing can arrive any more: let the machine's timers run out.
            if let Ok(Some(left)) = until.remaining() {
                std::thread::sleep(left);
            }
            self.machine.handle_timeout(self.clock.now());
            return;
        }
        loop {
            let slice = if let DataSlot::Accepting(listener) = &self.data {
                match data::accept(
                    listener,
                    self.peer.ip(),
                    Deadline::after(Some(Duration::ZERO)),
                ) {
                    Ok(tcp) => {
                        self.note(|| "data: accepted the server's connection".into());
                        self.data = DataSlot::Open(Stream::new(tcp, self.buffer.len()));
                        self.machine.handle_data_connected(self.clock.now());
                        return;
                    }
                    Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                    Err(e) => {
                        self.cause = Some(e);
                        self.data = DataSlot::None;
                        self.machine
                            .handle_data_ended(DataEnd::Failed, self.clock.now());
                        return;
                    }
                }
                // Poll the control connection in short slices: a refusal (550) must not
                // wait for the data timeout.
                Deadline::after(Some(Duration::from_millis(10))).min(until)
            } else {
                until
            };
            let Some(control) = self.control.as_mut() else {
                return;
            };
            match control.read(&mut self.control_buffer, slice) {
                Ok(Received::Data(n)) => {
                    self.trace_received(n);
                    self.machine
                        .handle_input(&self.control_buffer[..n], self.clock.now());
                    return;
                }
                Ok(Received::End(end)) => {
                    self.control_failed(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        std::format!("the server closed the control connection ({end:?})"),
                    ));
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    if until.has_passed() {
                        self.machine.handle_timeout(self.clock.now());
                        return;
                    }
                    // A slice of the accept poll, or a socket timeout a hair early.
                }
                Err(e) => {
                    self.control_failed(e);
                    return;
                }
            }
        }
    }

    /// Shows the first `n` bytes of the control buffer in the transcript, line by line.
    fn trace_received(&mut self, n: usize) {
        if self.trace.is_some() {
            let text = String::from_utf8_lossy(&self.control_buffer[..n]).into_owned();
            for line in text.split_terminator('\n') {
                let line = line.trim_end_matches('\r').to_owned();
                self.note(|| std::format!("S: {}", line.escape_debug()));
            }
        }
    }

    /// Moves the bytes of a started transfer.
    fn move_bytes(
        &mut self,
        command: TransferCommand,
        size_hint: Option<u64>,
        body: Option<&mut Body<'_, '_>>,
    ) -> Outcome {
        let stream = match core::mem::replace(&mut self.data, DataSlot::None) {
            DataSlot::Open(s) => s,
            other => {
                self.data = other;
                return Outcome {
                    bytes: 0,
                    end: DataEnd::Failed,
                    cause: Some(io::Error::other("no data connection")),
                    local: None,
                    aborted: false,
                };
            }
        };
        let idle = self.config.timeouts.data;
        let abort = &self.abort;
        let mut progress = self.progress.take();
        let mut report = |bytes: u64| {
            if let Some(p) = progress.as_mut() {
                p(&Progress {
                    command,
                    bytes,
                    size_hint,
                });
            }
        };
        let mut discard = io::sink();
        let buffer = &mut self.buffer;
        let mut nothing = io::empty();
        // TYPE A converts files only: listings reach the caller as sent.
        let ascii = self.ascii
            && matches!(
                command,
                TransferCommand::Retr
                    | TransferCommand::Stor
                    | TransferCommand::Appe
                    | TransferCommand::Stou
            );
        let sent = match body {
            Some(Body::Download(w)) if ascii => {
                let mut sink = AsciiSink {
                    inner: *w,
                    convert: CrlfToLf::default(),
                    out: Vec::new(),
                };
                Err(data::receive(
                    stream,
                    &mut sink,
                    buffer,
                    idle,
                    abort,
                    &mut report,
                ))
            }
            Some(Body::Upload(r)) if ascii => {
                let mut source = AsciiSource {
                    inner: *r,
                    raw: std::vec![0u8; 64 * 1024],
                    pending: Vec::new(),
                    at: 0,
                };
                data::send_body(stream, &mut source, buffer, idle, abort, &mut report)
            }
            Some(Body::Download(w)) => {
                Err(data::receive(stream, *w, buffer, idle, abort, &mut report))
            }
            Some(Body::Listing(f)) => {
                let mut sink = ChunkSink { command, f: *f };
                Err(data::receive(
                    stream,
                    &mut sink,
                    buffer,
                    idle,
                    abort,
                    &mut report,
                ))
            }
            Some(Body::Upload(r)) => data::send_body(stream, *r, buffer, idle, abort, &mut report),
            // A transfer nobody asked for (cannot happen: one request at a time).
            None if command.is_upload() => {
                data::send_body(stream, &mut nothing, buffer, idle, abort, &mut report)
            }
            None => Err(data::receive(
                stream,
                &mut discard,
                buffer,
                idle,
                abort,
                &mut report,
            )),
        };
        self.progress = progress;
        match sent {
            Ok((stream, bytes)) => self.await_upload_end(stream, bytes),
            Err(outcome) => outcome,
        }
    }

    /// After an upload's close_notify: waits for the server's end of the data connection
    /// (its close_notify or EOF) before the socket is closed, so that nothing unread is left
    /// to make our kernel reset the connection under the server. Watches the control
    /// connection meanwhile: once the server has answered there (226, or an error), it has
    /// read everything it will read, and a server that keeps the data connection open until
    /// the client closes does not stall the upload until the data timeout.
    fn await_upload_end(&mut self, mut stream: Stream, bytes: u64) -> Outcome {
        let overall = Deadline::after(self.config.timeouts.data);
        let mut replied = false;
        loop {
            // After the server replied: one short last look at the data connection.
            let slice = Duration::from_millis(if replied { 20 } else { 50 });
            let confirmation = stream.await_peer_end(Deadline::after(Some(slice)).min(overall));
            let waiting = matches!(
                &confirmation,
                Confirmation::Unconfirmed(e)
                    if e.kind() == io::ErrorKind::TimedOut
            );
            if !waiting || replied || overall.has_passed() {
                return data::ended_upload(bytes, confirmation);
            }
            let Some(control) = self.control.as_mut() else {
                return data::ended_upload(bytes, confirmation);
            };
            match control.read(
                &mut self.control_buffer,
                Deadline::after(Some(Duration::from_millis(1))),
            ) {
                Ok(Received::Data(n)) => {
                    self.trace_received(n);
                    self.machine
                        .handle_input(&self.control_buffer[..n], self.clock.now());
                    self.pump();
                    replied = true;
                }
                Ok(Received::End(end)) => {
                    self.control_failed(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        std::format!("the server closed the control connection ({end:?})"),
                    ));
                    return data::ended_upload(bytes, confirmation);
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                Err(e) => {
                    self.control_failed(e);
                    return data::ended_upload(bytes, confirmation);
                }
            }
        }
    }

    /// A transfer stalled: the data connection carried nothing for the whole data timeout,
    /// and the control connection has not been read meanwhile. The machine now waits for the
    /// final reply; a live server sends it (`426`) as soon as it sees the data connection
    /// close, and anything it said during the stall is already in our receive buffer. So the
    /// adapter reads what is there for a short grace ([`STALL_GRACE`], at most the reply
    /// timeout), and if the request is still open the server has said nothing on either
    /// connection for the data timeout: the control connection is given up, which fails
    /// the transfer now instead of after a second, full reply timeout (one deadline for a
    /// stalled transfer, not two).
    fn after_stall(&mut self) {
        let grace =
            Deadline::after(Some(STALL_GRACE)).min(Deadline::after(self.config.timeouts.reply));
        loop {
            let settled = self
                .events
                .iter()
                .any(|e| matches!(e, Event::Completed { .. } | Event::Closed(_)));
            if settled || self.closed.is_some() {
                return;
            }
            let Some(control) = self.control.as_mut() else {
                return;
            };
            match control.read(&mut self.control_buffer, grace) {
                Ok(Received::Data(n)) => {
                    self.trace_received(n);
                    self.machine
                        .handle_input(&self.control_buffer[..n], self.clock.now());
                    self.pump();
                }
                Ok(Received::End(end)) => {
                    return self.control_failed(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        std::format!("the server closed the control connection ({end:?})"),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut && grace.has_passed() => {
                    let waited = self.config.timeouts.data.unwrap_or_default();
                    return self.control_failed(io::Error::new(
                        io::ErrorKind::TimedOut,
                        std::format!(
                            "the server stopped responding: nothing on the data or control \
                             connection for {} ms",
                            waited.as_millis()
                        ),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                Err(e) => return self.control_failed(e),
            }
        }
    }

    fn report_data_end(&mut self, outcome: Outcome) {
        let Outcome {
            bytes,
            end,
            cause,
            local,
            ..
        } = outcome;
        self.note(|| {
            std::format!(
                "data: {bytes} bytes, ended {end:?}{}",
                cause
                    .as_ref()
                    .map(|c| std::format!(" ({c})"))
                    .unwrap_or_default()
            )
        });
        if let Some(c) = cause {
            self.cause = Some(c);
        }
        if let Some(l) = local {
            self.file_error = Some(l);
        }
        self.machine.handle_data_ended(end, self.clock.now());
    }
}

fn unexpected(response: Option<Response>) -> Error {
    Error::Failed {
        failure: Failure::ConnectionClosed,
        cause: Some(io::Error::other(std::format!(
            "unexpected response from the client machine: {response:?}"
        ))),
    }
}

fn show_version(v: Option<rustls::ProtocolVersion>) -> String {
    match v {
        Some(v) => std::format!("{v:?}"),
        None => "unknown version".into(),
    }
}

/// A command line for the transcript, with `PASS`/`ACCT` arguments hidden.
fn redact(bytes: &[u8]) -> String {
    let line = String::from_utf8_lossy(bytes);
    let line = line.trim_end_matches(['\r', '\n']);
    let verb = line.split(' ').next().unwrap_or("");
    if verb.eq_ignore_ascii_case("PASS") || verb.eq_ignore_ascii_case("ACCT") {
        std::format!("{verb} <redacted>")
    } else {
        line.escape_debug().to_string()
    }
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<BlockingClient>();
}

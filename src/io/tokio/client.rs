//! The tokio client adapter: one FTPS session over tokio sockets and tokio-rustls, driving a
//! [`crate::client::Client`] machine. Each call performs the machine's outputs and reports
//! what happened until the request completes; every protocol decision is the machine's.
//!
//! ```no_run
//! use ftps_proto::client::Login;
//! use ftps_proto::io::tokio::client::{Client, Options};
//! use ftps_proto::types::{Password, Pathname, Username};
//!
//! # async fn get() -> Result<(), Box<dyn std::error::Error>> {
//! let mut client = Client::connect("127.0.0.1:21".parse()?, "localhost", Options::default()).await?;
//! client
//!     .login(Login::new(Username::try_from("alice")?, Password::try_from("secret")?))
//!     .await?;
//! let mut file = tokio::fs::File::create("report.pdf").await?;
//! client.retrieve(Pathname::try_from("report.pdf")?, 0, &mut file).await?;
//! client.quit().await?;
//! # Ok(())
//! # }
//! ```
//!
//! Owns the control connection, the data connection (or active-mode listener) and the
//! machine. Options and errors are the blocking client's ([`Options`], [`Error`]), so both
//! adapters are configured and fail alike; [`Options::with_trace`] receives every command
//! sent (`PASS`/`ACCT` redacted) and every reply line.
//!
//! The end of a transfer is observed exactly: a download is clean only when the server's
//! close_notify arrived before EOF under `PROT P` (EOF without it is
//! [`DataEnd::Truncated`], a failed transfer); an upload ends with our close_notify and FIN,
//! then waits (bounded) for the server's close_notify or EOF, so closing never resets bytes
//! the server has not read. A running transfer can be stopped with an [`AbortHandle`]
//! (`ABOR`). `CCC` (RFC 4217 §5) exchanges close_notify both ways and carries on in clear.

use std::boxed::Box;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::string::{String, ToString};
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};
use std::vec::Vec;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::client::{
    CloseReason, DataAddress, DataProtection, Event, Failure, Login, Output, RequestId, Response,
    State, TransferCommand,
};
use crate::codec::{Command, Reply};
use crate::io::client_ascii::{lf_to_crlf, CrlfToLf};
use crate::types::{
    Channel, DataEnd, Facts, Features, Instant, Pathname, Text, Timestamp, TransferType,
};

pub use crate::io::blocking::client::{Error, Options, StoredUnique};

/// How long an upload waits for the server's close after our close_notify and FIN.
const LINGER: Duration = Duration::from_secs(2);

/// After a stalled transfer: how long the final reply may take once the data connection is
/// closed (a live server answers `426` at once). See `Client::after_stall`.
const STALL_GRACE: Duration = Duration::from_millis(250);
/// Size of one control read.
const CONTROL_READ: usize = 4096;
/// Read-ahead of a TLS data connection: rustls reads its input 4 KiB at a time, so without
/// it a 16 KiB record costs four or five `read` system calls.
const DATA_READ_AHEAD: usize = 32 * 1024;

/// A connection, clear or under TLS (the FTP client is the TLS client on both, RFC 4217 §7).
enum Stream {
    Clear(TcpStream),
    Tls(Box<TlsStream<BufReader<TcpStream>>>),
}

impl Stream {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Clear(s) => s.read(buf).await,
            Stream::Tls(s) => s.read(buf).await,
        }
    }

    async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Clear(s) => s.write_all(buf).await,
            Stream::Tls(s) => {
                s.write_all(buf).await?;
                s.flush().await
            }
        }
    }

    /// close_notify under TLS, then FIN.
    async fn shutdown(&mut self) -> io::Result<()> {
        match self {
            Stream::Clear(s) => s.shutdown().await,
            Stream::Tls(s) => s.shutdown().await,
        }
    }
}

/// The data connection, as far as it goes.
enum DataSlot {
    None,
    /// Active mode: listening; the server has not been told to connect yet.
    Listening(TcpListener),
    /// Active mode: the transfer command is out; accept when the server connects.
    Accepting(TcpListener),
    Open(Stream),
}

/// What a transfer does with its bytes.
enum Body<'a> {
    Download(&'a mut (dyn AsyncWrite + Unpin + Send)),
    Upload(&'a mut (dyn AsyncRead + Unpin + Send)),
}

/// What a run of the event loop waits for.
#[derive(Clone, Copy)]
enum Target {
    Connected,
    Request(RequestId),
}

/// How a transfer's bytes moved.
struct Outcome {
    bytes: u64,
    end: DataEnd,
    cause: Option<io::Error>,
    local: Option<io::Error>,
}

impl Outcome {
    /// The data connection stalled: nothing moved for the whole data timeout.
    fn stalled(&self) -> bool {
        self.local.is_none()
            && self
                .cause
                .as_ref()
                .is_some_and(|c| c.kind() == io::ErrorKind::TimedOut)
    }
}

/// Stops the running transfer of the [`Client`] it came from, from any task or thread (RFC
/// 959 §4.1.3 ABOR): the data connection is dropped without close_notify (so the server
/// cannot take a partial upload for a complete one), `ABOR` is sent, and the transfer call
/// returns an error with [`Failure::Aborted`]; the session stays usable. The request is
/// cleared when the next request starts, so an abort while no transfer runs has no effect.
#[derive(Clone, Debug)]
pub struct AbortHandle(Arc<tokio::sync::watch::Sender<bool>>);

impl AbortHandle {
    /// Asks the running transfer to stop.
    pub fn abort(&self) {
        self.0.send_replace(true);
    }
}

/// One FTPS session over tokio and tokio-rustls.
///
/// Every call completes one request of the machine and returns the server's refusal as an
/// [`Error`]. Transfers succeed only when the final reply *and* a clean end of the data
/// connection (TLS close_notify under `PROT P`) were both seen.
pub struct Client {
    machine: crate::client::Client,
    epoch: StdInstant,
    control: Option<Stream>,
    connector: TlsConnector,
    server_name: ServerName<'static>,
    peer: SocketAddr,
    local: SocketAddr,
    data: DataSlot,
    events: VecDeque<Event>,
    next_timeout: Option<Instant>,
    closed: Option<CloseReason>,
    cause: Option<io::Error>,
    file_error: Option<io::Error>,
    buffer: Vec<u8>,
    options: Options,
    abort: Arc<tokio::sync::watch::Sender<bool>>,
    /// `TYPE A` is in force: file transfers convert line ends (RFC 959 §3.1.1.1).
    ascii: bool,
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("machine", &self.machine)
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

async fn within<T>(
    limit: Option<Duration>,
    f: impl core::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match limit {
        Some(d) => tokio::time::timeout(d, f)
            .await
            .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into())),
        None => f.await,
    }
}

impl Client {
    /// Connects to `addr`, checks the server's certificate against `tls_name`
    /// (`options.tls_server_name` wins if set) and secures the session as
    /// `options.config.security` says. Returns once the greeting arrived and TLS is up.
    pub async fn connect(
        addr: SocketAddr,
        tls_name: &str,
        options: Options,
    ) -> Result<Client, Error> {
        let tls_config: Arc<ClientConfig> = options.tls.build()?;
        let shown = std::format!("{addr}");
        let name = options.tls_server_name.as_deref().unwrap_or(tls_name);
        let server_name = ServerName::try_from(String::from(name)).map_err(|e| Error::Connect {
            target: shown.clone(),
            source: io::Error::new(io::ErrorKind::InvalidInput, e),
        })?;
        let tcp = within(options.config.timeouts.connect, TcpStream::connect(addr))
            .await
            .map_err(|source| Error::Connect {
                target: shown.clone(),
                source,
            })?;
        let _ = tcp.set_nodelay(true);
        let local = tcp.local_addr().map_err(|source| Error::Connect {
            target: shown.clone(),
            source,
        })?;
        let buffer_size = options.buffer_size;
        let epoch = StdInstant::now();
        let mut client = Client {
            machine: crate::client::Client::new(options.config.clone(), Instant::ZERO),
            epoch,
            control: Some(Stream::Clear(tcp)),
            connector: TlsConnector::from(tls_config),
            server_name,
            peer: addr,
            local,
            data: DataSlot::None,
            events: VecDeque::new(),
            next_timeout: None,
            closed: None,
            cause: None,
            file_error: None,
            buffer: std::vec![0u8; buffer_size],
            options,
            abort: Arc::new(tokio::sync::watch::Sender::new(false)),
            ascii: false,
        };
        client.run(Target::Connected, None).await?;
        Ok(client)
    }

    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    /// A handle that aborts the running transfer (see [`AbortHandle`]).
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle(self.abort.clone())
    }

    /// The machine (state, features, protection).
    pub fn machine(&self) -> &crate::client::Client {
        &self.machine
    }

    /// The machine's state.
    pub fn state(&self) -> State {
        self.machine.state()
    }

    /// What the server's FEAT reply announced (after login, or after [`Client::feat`]).
    pub fn features(&self) -> &Features {
        self.machine.features()
    }

    /// Logs in (then `PBSZ 0`/`PROT`, `FEAT`, `TYPE` as configured).
    pub async fn login(&mut self, login: Login) -> Result<(), Error> {
        let id = self.machine.login(login, self.now())?;
        self.run(Target::Request(id), None).await?;
        self.ascii = matches!(self.options.config.transfer_type, TransferType::Ascii(_));
        Ok(())
    }

    /// `PWD`.
    pub async fn pwd(&mut self) -> Result<Option<Pathname<'static>>, Error> {
        let id = self.machine.pwd(self.now())?;
        match self.run(Target::Request(id), None).await? {
            Some(Response::Path(p)) => Ok(p),
            other => Err(unexpected(other)),
        }
    }

    /// `NOOP`.
    pub async fn noop(&mut self) -> Result<(), Error> {
        let id = self.machine.noop(self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `RETR path` (after `REST offset` when `offset > 0`) into `sink`. Returns the bytes
    /// written. `Err` unless the server's final reply and a clean data-connection end were
    /// both seen.
    pub async fn retrieve(
        &mut self,
        path: Pathname<'_>,
        offset: u64,
        sink: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64, Error> {
        let id = self.machine.retrieve(path, offset, self.now())?;
        self.transfer(id, Body::Download(sink)).await
    }

    /// `STOR path` from `source`. Returns the bytes sent.
    pub async fn store(
        &mut self,
        path: Pathname<'_>,
        source: &mut (dyn AsyncRead + Unpin + Send),
    ) -> Result<u64, Error> {
        let id = self.machine.store(path, self.now())?;
        self.transfer(id, Body::Upload(source)).await
    }

    /// `LIST` of `path` (or the working directory) into `sink`.
    pub async fn list(
        &mut self,
        path: Option<Pathname<'_>>,
        sink: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64, Error> {
        let id = self.machine.list(path, self.now())?;
        self.transfer(id, Body::Download(sink)).await
    }

    /// `STOR path` from `source`, preceded by `REST offset` when `offset > 0` (RFC 3659 §5:
    /// resume an upload in stream mode; the server writes from `offset` on).
    /// [`Client::size`] tells where the server's copy ends. `source` must yield the local
    /// file from `offset` on (seek it first): the adapter sends what it reads. Returns the
    /// bytes sent (not counting `offset`); fails like [`Client::store`], and with
    /// [`Error::Refused`] when the server refuses `REST` (`350` expected).
    pub async fn store_at(
        &mut self,
        path: Pathname<'_>,
        offset: u64,
        source: &mut (dyn AsyncRead + Unpin + Send),
    ) -> Result<u64, Error> {
        let id = self.machine.store_at(path, offset, self.now())?;
        self.transfer(id, Body::Upload(source)).await
    }

    /// `STOU` from `source` (RFC 959 §4.1.3, RFC 1123 §4.1.2.9): the server stores the bytes
    /// under a name of its choosing, which it gives in the 1xx reply opening the transfer
    /// (`150 FILE: pppp`). Returns the bytes sent, the server's final reply and that name.
    /// Fails like [`Client::store`]: [`Error::Refused`] with the server's reply, or an error
    /// unless the final reply and a clean end of the data connection were both seen.
    pub async fn store_unique(
        &mut self,
        source: &mut (dyn AsyncRead + Unpin + Send),
    ) -> Result<StoredUnique, Error> {
        let id = self.machine.store_unique(self.now())?;
        let mut moved = 0u64;
        match self
            .run_moving(Target::Request(id), Some(Body::Upload(source)), &mut moved)
            .await?
        {
            Some(Response::Transferred { reply, .. }) => Ok(StoredUnique {
                bytes: moved,
                reply,
                name: self.machine.unique_name().cloned(),
            }),
            other => Err(unexpected(other)),
        }
    }

    /// `APPE path` from `source`. Returns the bytes sent.
    pub async fn append(
        &mut self,
        path: Pathname<'_>,
        source: &mut (dyn AsyncRead + Unpin + Send),
    ) -> Result<u64, Error> {
        let id = self.machine.append(path, self.now())?;
        self.transfer(id, Body::Upload(source)).await
    }

    /// `NLST` of `path` (or the working directory) into `sink`.
    pub async fn nlst(
        &mut self,
        path: Option<Pathname<'_>>,
        sink: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<u64, Error> {
        let id = self.machine.nlst(path, self.now())?;
        self.transfer(id, Body::Download(sink)).await
    }

    /// `MLSD [path]` (RFC 3659 §7) into `sink`, falling back to `LIST` when the server
    /// refuses it; returns which command ran (it tells the listing's format).
    pub async fn mlsd(
        &mut self,
        path: Option<Pathname<'_>>,
        sink: &mut (dyn AsyncWrite + Unpin + Send),
    ) -> Result<TransferCommand, Error> {
        let id = self.machine.mlsd(path, self.now())?;
        let mut moved = 0;
        match self
            .run_moving(Target::Request(id), Some(Body::Download(sink)), &mut moved)
            .await?
        {
            Some(Response::Transferred { command, .. }) => Ok(command),
            other => Err(unexpected(other)),
        }
    }

    /// `CWD path`.
    pub async fn cwd(&mut self, path: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.cwd(path, self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `CDUP` (RFC 959 §4.1.1): changes to the parent of the working directory. A server that
    /// answers `500`/`502` is asked again with `XCUP` (RFC 1123 §4.1.3.1). A refusal is
    /// [`Error::Refused`] with the server's reply; the session goes on.
    pub async fn cdup(&mut self) -> Result<(), Error> {
        let id = self.machine.cdup(self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `MKD path`; returns the created directory's name when the server quoted it.
    pub async fn mkdir(&mut self, path: Pathname<'_>) -> Result<Option<Pathname<'static>>, Error> {
        let id = self.machine.mkdir(path, self.now())?;
        match self.run(Target::Request(id), None).await? {
            Some(Response::Path(p)) => Ok(p),
            Some(Response::Done(_)) => Ok(None),
            other => Err(unexpected(other)),
        }
    }

    /// `RMD path`.
    pub async fn rmdir(&mut self, path: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.rmdir(path, self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `DELE path`.
    pub async fn delete(&mut self, path: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.delete(path, self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `RNFR from` then `RNTO to`.
    pub async fn rename(&mut self, from: Pathname<'_>, to: Pathname<'_>) -> Result<(), Error> {
        let id = self.machine.rename(from, to, self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `SIZE path` (RFC 3659 §4).
    pub async fn size(&mut self, path: Pathname<'_>) -> Result<u64, Error> {
        let id = self.machine.size(path, self.now())?;
        match self.run(Target::Request(id), None).await? {
            Some(Response::Size(n)) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    /// `MDTM path` (RFC 3659 §3).
    pub async fn mdtm(&mut self, path: Pathname<'_>) -> Result<Timestamp, Error> {
        let id = self.machine.mdtm(path, self.now())?;
        match self.run(Target::Request(id), None).await? {
            Some(Response::ModifyTime(t)) => Ok(t),
            other => Err(unexpected(other)),
        }
    }

    /// `MLST [path]` (RFC 3659 §7).
    pub async fn mlst(&mut self, path: Option<Pathname<'_>>) -> Result<Facts<'static>, Error> {
        let id = self.machine.mlst(path, self.now())?;
        match self.run(Target::Request(id), None).await? {
            Some(Response::Facts(f)) => Ok(f),
            other => Err(unexpected(other)),
        }
    }

    /// `SITE text`: the server's reply (RFC 959 §4.1.3).
    pub async fn site(&mut self, text: Text<'_>) -> Result<Reply<'static>, Error> {
        let id = self.machine.site(text, self.now())?;
        match self.run(Target::Request(id), None).await? {
            Some(Response::Done(r)) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// `FEAT` (RFC 2389 §3): asks the server again what it supports (the login already did).
    /// Returns the parsed [`Features`], which [`Client::features`] then also shows (and which
    /// decide, for example, whether `MLSD` is tried). A refusal (`500`/`502`: no FEAT) is
    /// [`Error::Refused`] and keeps the features known so far; a malformed reply is
    /// [`Error::Failed`] with [`Failure::Protocol`].
    pub async fn feat(&mut self) -> Result<Features, Error> {
        let id = self.machine.feat(self.now())?;
        match self.run(Target::Request(id), None).await? {
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
    /// Under `TYPE A` file transfers convert line ends as the blocking client's `set_type`
    /// says (RFC 959 §3.1.1.1: CRLF received → LF, LF sent → CRLF; listings as sent).
    pub async fn set_type(&mut self, t: TransferType) -> Result<(), Error> {
        let id = self.machine.set_type(t, self.now())?;
        self.run(Target::Request(id), None).await?;
        self.ascii = matches!(t, TransferType::Ascii(_));
        Ok(())
    }

    /// `PBSZ 0` then `PROT P` or `PROT C` (RFC 4217 §8, §9): changes the protection of the
    /// data connections that follow (the login set up
    /// [`Config::data_protection`](crate::client::Config::data_protection)). Needs a
    /// protected control connection ([`Error::Usage`] otherwise). A refusal is
    /// [`Error::Refused`] and leaves the protection in force unchanged.
    pub async fn set_data_protection(&mut self, level: DataProtection) -> Result<(), Error> {
        let id = self.machine.set_data_protection(level, self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `AUTH TLS` in a logged-in session whose control connection is in clear (RFC 4217 §4,
    /// §10.3), then the TLS handshake. As RFC 4217 §4.2 requires, the server forgets the
    /// login: on success the session is in [`State::Connected`] and must log in again with
    /// [`Client::login`] (which sets up `PBSZ`/`PROT` and `TYPE` again, now protected). A
    /// refusal is [`Error::Refused`] (the session goes on in clear); an already protected or
    /// implicit-TLS session is [`Error::Usage`]; a failed handshake ends the session
    /// ([`Error::Closed`]).
    pub async fn auth_tls(&mut self) -> Result<(), Error> {
        let id = self.machine.auth_tls(self.now())?;
        self.run(Target::Request(id), None).await.map(|_| ())
    }

    /// `REIN` (RFC 959 §4.1.1): the server ends the login and resets the session's state.
    /// On `220` the control connection goes back to clear (RFC 4217 §13) and is secured
    /// again as configured (`HOST`, `AUTH TLS`); this call returns once that is done, with
    /// the session in [`State::Connected`]: it **must log in again** with [`Client::login`]
    /// before any other request. A refusal is [`Error::Refused`] (the login stays); under
    /// implicit TLS the call is refused locally ([`Error::Usage`]); if securing the
    /// connection again fails, the session ends ([`Error::Closed`]).
    pub async fn reinitialize(&mut self) -> Result<(), Error> {
        let id = self.machine.reinitialize(self.now())?;
        self.run(Target::Request(id), None).await?;
        self.run(Target::Connected, None).await.map(|_| ())
    }

    /// Any command the machine accepts as raw (no data connection): the server's reply.
    pub async fn raw(&mut self, command: Command<'_>) -> Result<Reply<'static>, Error> {
        let id = self.machine.raw(command, self.now())?;
        match self.run(Target::Request(id), None).await? {
            Some(Response::Done(r)) => Ok(r),
            other => Err(unexpected(other)),
        }
    }

    /// `QUIT`, then closes the connection.
    pub async fn quit(mut self) -> Result<(), Error> {
        let id = self.machine.quit(self.now())?;
        match self.run(Target::Request(id), None).await {
            Ok(_)
            | Err(Error::Closed {
                reason: CloseReason::Quit(_),
                ..
            })
            | Err(Error::Failed {
                failure: Failure::ConnectionClosed,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn transfer(&mut self, id: RequestId, body: Body<'_>) -> Result<u64, Error> {
        let mut moved = 0u64;
        match self
            .run_moving(Target::Request(id), Some(body), &mut moved)
            .await?
        {
            Some(Response::Transferred { .. }) => Ok(moved),
            other => Err(unexpected(other)),
        }
    }

    async fn run(
        &mut self,
        target: Target,
        body: Option<Body<'_>>,
    ) -> Result<Option<Response>, Error> {
        let mut moved = 0;
        self.run_moving(target, body, &mut moved).await
    }

    /// Performs outputs and waits for input until `target` happens.
    async fn run_moving(
        &mut self,
        target: Target,
        mut body: Option<Body<'_>>,
        moved: &mut u64,
    ) -> Result<Option<Response>, Error> {
        self.cause = None;
        self.file_error = None;
        self.abort.send_replace(false);
        loop {
            self.pump().await;
            while let Some(event) = self.events.pop_front() {
                match event {
                    Event::Connected { .. } => {
                        if matches!(target, Target::Connected) {
                            return Ok(None);
                        }
                    }
                    Event::TransferStarted {
                        request, command, ..
                    } => {
                        let body = match (&target, body.as_mut()) {
                            (Target::Request(id), Some(b)) if *id == request => Some(b),
                            _ => None,
                        };
                        // TYPE A converts files only: listings reach the caller as sent.
                        let ascii = self.ascii
                            && matches!(
                                command,
                                TransferCommand::Retr
                                    | TransferCommand::Stor
                                    | TransferCommand::Appe
                                    | TransferCommand::Stou
                            );
                        let mut aborted = self.abort.subscribe();
                        let outcome = tokio::select! {
                            o = self.move_bytes(body, ascii) => Some(o),
                            // Dropping the transfer drops the data connection, unclean.
                            _ = aborted.wait_for(|&a| a) => None,
                        };
                        let now = self.now();
                        let stalled = outcome.as_ref().is_some_and(Outcome::stalled);
                        match outcome {
                            Some(outcome) => {
                                *moved = outcome.bytes;
                                if let Some(c) = outcome.cause {
                                    self.cause = Some(c);
                                }
                                if let Some(l) = outcome.local {
                                    self.file_error = Some(l);
                                }
                                self.machine.handle_data_ended(outcome.end, now);
                            }
                            None => {
                                // The machine closes the data side and sends ABOR.
                                if self.machine.abort(now).is_err() {
                                    self.machine.handle_data_ended(DataEnd::Failed, now);
                                }
                            }
                        }
                        self.pump().await;
                        if stalled {
                            self.after_stall().await;
                            self.pump().await;
                        }
                    }
                    Event::Completed { request, result } => {
                        if let Target::Request(id) = target {
                            if id == request {
                                if let Some(e) = self.file_error.take() {
                                    return Err(Error::File(e));
                                }
                                return match result {
                                    Ok(r) => Ok(Some(r)),
                                    Err(f) => Err(Error::from_failure(f, self.cause.take())),
                                };
                            }
                        }
                    }
                    Event::Closed(reason) => {
                        self.closed = Some(reason.clone());
                        self.data = DataSlot::None;
                        return Err(Error::Closed {
                            reason,
                            cause: self.cause.take(),
                        });
                    }
                    // TlsDeclined, Unsolicited and later events change nothing here.
                    _ => {}
                }
            }
            if let Some(reason) = &self.closed {
                return Err(Error::Closed {
                    reason: reason.clone(),
                    cause: self.cause.take(),
                });
            }
            self.wait().await;
        }
    }

    /// Performs every queued output, in order, until the machine waits.
    async fn pump(&mut self) {
        loop {
            let now = self.now();
            match self.machine.poll_output() {
                Output::Send(bytes) => {
                    self.note(|| std::format!("C: {}", redact(&bytes)));
                    let limit = self.options.config.timeouts.reply;
                    let result = match self.control.as_mut() {
                        Some(c) => within(limit, c.write_all(&bytes)).await,
                        None => continue,
                    };
                    if let Err(e) = result {
                        self.control_failed(e);
                    }
                }
                Output::StartTls {
                    channel: Channel::Control,
                    ..
                } => match self.control.take() {
                    Some(Stream::Clear(tcp)) => {
                        let tcp = BufReader::with_capacity(CONTROL_READ, tcp);
                        let connect = self.connector.connect(self.server_name.clone(), tcp);
                        match within(self.options.config.timeouts.tls, connect).await {
                            Ok(s) => {
                                self.control = Some(Stream::Tls(Box::new(s)));
                                self.machine.handle_tls_ready(Channel::Control, now);
                            }
                            Err(e) => {
                                self.cause = Some(e);
                                self.machine.handle_tls_failed(Channel::Control, now);
                            }
                        }
                    }
                    other => {
                        self.control = other;
                        self.machine.handle_tls_failed(Channel::Control, now);
                    }
                },
                Output::StartTls {
                    channel: Channel::Data,
                    ..
                } => match core::mem::replace(&mut self.data, DataSlot::None) {
                    DataSlot::Open(Stream::Clear(tcp)) => {
                        let tcp = BufReader::with_capacity(DATA_READ_AHEAD, tcp);
                        let connect =
                            self.connector
                                .connect_with(self.server_name.clone(), tcp, |c| {
                                    c.set_buffer_limit(Some(self.buffer.len() * 2))
                                });
                        match within(self.options.config.timeouts.tls, connect).await {
                            Ok(s) => {
                                self.data = DataSlot::Open(Stream::Tls(Box::new(s)));
                                self.machine.handle_tls_ready(Channel::Data, now);
                            }
                            Err(e) => {
                                self.cause = Some(e);
                                self.machine.handle_tls_failed(Channel::Data, now);
                            }
                        }
                    }
                    _ => self.machine.handle_tls_failed(Channel::Data, now),
                },
                Output::EndTls { .. } => self.end_control_tls().await,
                Output::OpenData { address, .. } => {
                    let addr = match address {
                        DataAddress::ControlPeer { port } => SocketAddr::new(self.peer.ip(), port),
                        DataAddress::Exact(a) => a,
                    };
                    match within(self.options.config.timeouts.data, TcpStream::connect(addr)).await
                    {
                        Ok(tcp) => {
                            let _ = tcp.set_nodelay(true);
                            self.data = DataSlot::Open(Stream::Clear(tcp));
                            self.machine.handle_data_connected(now);
                        }
                        Err(e) => {
                            self.cause = Some(e);
                            self.machine.handle_data_ended(DataEnd::Failed, now);
                        }
                    }
                }
                Output::ListenData { .. } => {
                    let bound = TcpListener::bind(SocketAddr::new(self.local.ip(), 0))
                        .await
                        .and_then(|l| Ok((l.local_addr()?, l)));
                    match bound {
                        Ok((addr, l)) => {
                            self.data = DataSlot::Listening(l);
                            self.machine.handle_data_listening(addr, now);
                        }
                        Err(e) => {
                            self.cause = Some(e);
                            self.machine.handle_data_ended(DataEnd::Failed, now);
                        }
                    }
                }
                Output::AcceptData { .. } => {
                    match core::mem::replace(&mut self.data, DataSlot::None) {
                        DataSlot::Listening(l) => self.data = DataSlot::Accepting(l),
                        _ => self.machine.handle_data_ended(DataEnd::Failed, now),
                    }
                }
                Output::CloseData => self.data = DataSlot::None,
                Output::Close => {
                    self.data = DataSlot::None;
                    if let Some(mut c) = self.control.take() {
                        let _ = tokio::time::timeout(LINGER, c.shutdown()).await;
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

    /// `CCC` (RFC 4217 §5): our close_notify, then the server's (application data before
    /// it is discarded), then clear text on the same TCP connection. The server says nothing
    /// before our next command, so a byte already buffered behind its close_notify is
    /// plaintext injected across the downgrade: the session is ended.
    async fn end_control_tls(&mut self) {
        let Some(Stream::Tls(mut s)) = self.control.take() else {
            return;
        };
        let closed = within(self.options.config.timeouts.tls, async {
            s.get_mut().1.send_close_notify();
            s.flush().await?;
            let mut scratch = [0u8; 512];
            while s.read(&mut scratch).await? != 0 {}
            Ok(())
        })
        .await;
        match closed {
            Ok(()) => {
                let (io, _) = (*s).into_inner();
                if io.buffer().is_empty() {
                    self.note(|| "control TLS ended (clear command channel)".into());
                    self.control = Some(Stream::Clear(io.into_inner()));
                } else {
                    self.control_failed(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "bytes behind the server's close_notify after CCC",
                    ));
                }
            }
            Err(e) => self.control_failed(e),
        }
    }

    /// Hands a transcript line to [`Options::with_trace`]'s function, if any.
    fn note(&self, line: impl FnOnce() -> String) {
        if let Some(t) = self.options.trace.as_ref() {
            t(&line());
        }
    }

    fn control_failed(&mut self, e: io::Error) {
        self.note(|| std::format!("control connection: {e}"));
        self.cause = Some(e);
        self.control = None;
        self.data = DataSlot::None;
        let now = self.now();
        self.machine.handle_control_closed(now);
    }

    /// Waits for control input, an accepted data connection, or the machine's deadline,
    /// and reports it.
    async fn wait(&mut self) {
        let sleep = match self.next_timeout {
            Some(at) => {
                let left = at.saturating_duration_since(self.now());
                tokio::time::sleep(left)
            }
            None => tokio::time::sleep(Duration::from_secs(365 * 24 * 3600)),
        };
        tokio::pin!(sleep);
        let Some(control) = self.control.as_mut() else {
            sleep.await;
            let now = self.now();
            self.machine.handle_timeout(now);
            return;
        };
        let mut buf = [0u8; CONTROL_READ];
        let accepting = match &self.data {
            DataSlot::Accepting(l) => Some(l),
            _ => None,
        };
        let peer = self.peer.ip();
        let accept = async {
            match accepting {
                Some(l) => loop {
                    match l.accept().await {
                        // Only the control peer may connect (RFC 2577 §3).
                        Ok((s, from)) if from.ip().to_canonical() == peer.to_canonical() => {
                            return Ok(s)
                        }
                        Ok(_) => continue,
                        Err(e) => return Err(e),
                    }
                },
                None => core::future::pending().await,
            }
        };
        tokio::select! {
            r = control.read(&mut buf) => {
                let now = self.now();
                match r {
                    Ok(0) => self.control_failed(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the control connection",
                    )),
                    Ok(n) => {
                        let got = buf.get(..n).unwrap_or(&[]);
                        if self.options.trace.is_some() {
                            let text = String::from_utf8_lossy(got).into_owned();
                            for line in text.split_terminator('\n') {
                                let line = line.trim_end_matches('\r').escape_debug().to_string();
                                self.note(|| std::format!("S: {line}"));
                            }
                        }
                        self.machine.handle_input(got, now);
                    }
                    Err(e) => self.control_failed(e),
                }
            }
            a = accept => {
                let now = self.now();
                match a {
                    Ok(tcp) => {
                        let _ = tcp.set_nodelay(true);
                        self.data = DataSlot::Open(Stream::Clear(tcp));
                        self.machine.handle_data_connected(now);
                    }
                    Err(e) => {
                        self.cause = Some(e);
                        self.data = DataSlot::None;
                        self.machine.handle_data_ended(DataEnd::Failed, now);
                    }
                }
            }
            _ = &mut sleep => {
                let now = self.now();
                self.machine.handle_timeout(now);
            }
        }
    }

    /// A transfer stalled: the data connection carried nothing for the whole data timeout.
    /// The machine now waits for the final reply; a live server sends it (`426`) as soon as
    /// it sees the data connection close, and anything it said during the stall is already
    /// buffered. So the final reply gets a short grace ([`STALL_GRACE`], at most the reply
    /// timeout); if the request is still open then, the server has said nothing on either
    /// connection for the data timeout and the control connection is given up: the transfer
    /// fails after one deadline, not after a second, full reply timeout.
    async fn after_stall(&mut self) {
        let grace = match self.options.config.timeouts.reply {
            Some(r) => r.min(STALL_GRACE),
            None => STALL_GRACE,
        };
        let until = tokio::time::Instant::now() + grace;
        let mut buf = [0u8; CONTROL_READ];
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
            match tokio::time::timeout_at(until, control.read(&mut buf)).await {
                Ok(Ok(0)) => {
                    return self.control_failed(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the control connection",
                    ))
                }
                Ok(Ok(n)) => {
                    let now = self.now();
                    self.machine.handle_input(buf.get(..n).unwrap_or(&[]), now);
                    self.pump().await;
                }
                Ok(Err(e)) => return self.control_failed(e),
                Err(_) => {
                    let waited = self.options.config.timeouts.data.unwrap_or_default();
                    return self.control_failed(io::Error::new(
                        io::ErrorKind::TimedOut,
                        std::format!(
                            "the server stopped responding: nothing on the data or control \
                             connection for {} ms",
                            waited.as_millis()
                        ),
                    ));
                }
            }
        }
    }

    /// Moves the bytes of a started transfer and ends the data connection.
    async fn move_bytes(&mut self, body: Option<&mut Body<'_>>, ascii: bool) -> Outcome {
        let DataSlot::Open(mut stream) = core::mem::replace(&mut self.data, DataSlot::None) else {
            return Outcome {
                bytes: 0,
                end: DataEnd::Failed,
                cause: Some(io::Error::other("no data connection")),
                local: None,
            };
        };
        let idle = self.options.config.timeouts.data;
        let buf = &mut self.buffer;
        match body {
            Some(Body::Upload(source)) => {
                upload(&mut stream, &mut **source, buf, idle, ascii).await
            }
            Some(Body::Download(sink)) => {
                download(&mut stream, &mut **sink, buf, idle, ascii).await
            }
            // A transfer nobody asked for (one request at a time: cannot happen): drain it.
            None => download(&mut stream, &mut tokio::io::sink(), buf, idle, false).await,
        }
    }
}

/// A download: reads until the stream ends. Clean only for close_notify before EOF under
/// TLS (tokio-rustls reports EOF without it as `UnexpectedEof`), or FIN in clear. `ascii`:
/// `TYPE A`, CRLF written as LF (counts stay those of the data connection).
async fn download(
    stream: &mut Stream,
    sink: &mut (dyn AsyncWrite + Unpin + Send),
    buf: &mut [u8],
    idle: Option<Duration>,
    ascii: bool,
) -> Outcome {
    let mut bytes = 0u64;
    let mut convert = CrlfToLf::default();
    let mut converted = Vec::new();
    loop {
        match within(idle, stream.read(buf)).await {
            Ok(0) => break,
            Ok(n) => {
                let got = buf.get(..n).unwrap_or(&[]);
                let out = if ascii {
                    converted.clear();
                    convert.convert(got, &mut converted);
                    &converted[..]
                } else {
                    got
                };
                if let Err(e) = sink.write_all(out).await {
                    return Outcome {
                        bytes,
                        end: DataEnd::Failed,
                        cause: None,
                        local: Some(e),
                    };
                }
                bytes = bytes.saturating_add(n as u64);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                let end = if e.kind() == io::ErrorKind::UnexpectedEof {
                    DataEnd::Truncated
                } else {
                    DataEnd::Failed
                };
                return Outcome {
                    bytes,
                    end,
                    cause: Some(e),
                    local: None,
                };
            }
        }
    }
    converted.clear();
    convert.finish(&mut converted);
    let local = match sink.write_all(&converted).await {
        Ok(()) => sink.flush().await.err(),
        Err(e) => Some(e),
    };
    // Answer the server's close_notify with ours (nothing depends on it arriving).
    let _ = tokio::time::timeout(LINGER, stream.shutdown()).await;
    Outcome {
        bytes,
        end: DataEnd::Clean,
        cause: None,
        local,
    }
}

/// An upload: sends everything, then close_notify (under TLS) and FIN, then waits (at most
/// [`LINGER`]) for the server's close_notify or EOF so the close never resets unread bytes.
///
/// `ascii`: `TYPE A`, each LF of the source sent as CRLF (counts are those of the data
/// connection).
async fn upload(
    stream: &mut Stream,
    source: &mut (dyn AsyncRead + Unpin + Send),
    buf: &mut [u8],
    idle: Option<Duration>,
    ascii: bool,
) -> Outcome {
    let mut bytes = 0u64;
    let mut converted = Vec::new();
    loop {
        let n = match source.read(buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Outcome {
                    bytes,
                    end: DataEnd::Failed,
                    cause: None,
                    local: Some(e),
                }
            }
        };
        let read = buf.get(..n).unwrap_or(&[]);
        let out = if ascii {
            converted.clear();
            lf_to_crlf(read, &mut converted);
            &converted[..]
        } else {
            read
        };
        if let Err(e) = within(idle, stream.write_all(out)).await {
            return Outcome {
                bytes,
                end: DataEnd::Failed,
                cause: Some(e),
                local: None,
            };
        }
        bytes = bytes.saturating_add(out.len() as u64);
    }
    if let Err(e) = within(idle, stream.shutdown()).await {
        return Outcome {
            bytes,
            end: DataEnd::Failed,
            cause: Some(e),
            local: None,
        };
    }
    let mut scratch = [0u8; 1024];
    let _ = tokio::time::timeout(LINGER, async {
        while let Ok(n) = stream.read(&mut scratch).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    Outcome {
        bytes,
        end: DataEnd::Clean,
        cause: None,
        local: None,
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

fn unexpected(response: Option<Response>) -> Error {
    Error::Failed {
        failure: Failure::ConnectionClosed,
        cause: Some(io::Error::other(std::format!(
            "unexpected response from the client machine: {response:?}"
        ))),
    }
}

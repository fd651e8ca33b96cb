//! The data-connection task of an async session: accepts (passive, only from the control
//! peer's address) or makes (active) one data connection, runs its TLS handshake when the
//! session machine asks, moves one transfer's bytes between the connection and storage, and
//! reports each step back to the session task.
//!
//! Owns the data socket, its TLS session and the task that does blocking file I/O for it.
//! Must not decide anything: every notice goes to the machine as an input, and the session
//! aborts this task (dropping the socket without close_notify) on ABOR or session end.
//!
//! File I/O runs on tokio's blocking pool, one reader or writer per transfer, connected to
//! the socket side by a channel of at most [`PIPELINE`] chunks of [`CHUNK`] bytes, so disk
//! and TLS work overlap and memory per transfer stays bounded (under TLS, plus a
//! [`TLS_READ_AHEAD`] buffer).

use std::boxed::Box;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use std::vec::Vec;

use rustls::{HandshakeKind, ServerConfig};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::cork::Cork;

use crate::io::passive::PassiveSlot;
use crate::types::DataEnd;

/// Bytes moved per chunk between storage and the connection.
pub const CHUNK: usize = 128 * 1024;
/// Size of a transfer's first chunk (one full TLS record of plaintext).
const FIRST_CHUNK: usize = 16 * 1024;
/// Chunks in flight between the storage task and the connection.
pub const PIPELINE: usize = 2;
/// Read-ahead under TLS: rustls reads its input 4 KiB at a time, so without it a 16 KiB
/// record costs four or five `read` system calls.
pub const TLS_READ_AHEAD: usize = 32 * 1024;
/// How long a download waits for the peer's close after our close_notify and FIN.
const LINGER: Duration = Duration::from_secs(2);

/// How the data connection comes about.
#[derive(Debug)]
pub(super) enum Setup {
    /// Passive: accept on this listener (which the session may close), only from `peer`.
    Accept {
        listener: PassiveSlot<TcpListener>,
        peer: IpAddr,
    },
    /// Active: connect to the client.
    Connect { to: SocketAddr },
}

/// What the session task asks of the data task.
pub(super) enum Command {
    /// Run the TLS server handshake with the session's configuration. The flag, read when
    /// the client's first TLS bytes arrive, says an upload is accepted and waits: its TLS 1.3
    /// tickets are held for its end (see `Cork`).
    Tls(Arc<ServerConfig>, Arc<std::sync::atomic::AtomicBool>),
    /// Download: send everything this source yields.
    Send(Box<dyn Read + Send>),
    /// Upload: write what arrives into this sink.
    Receive(Box<dyn Write + Send>),
    /// Close an idle connection properly.
    Close,
}

pub(super) use crate::io::data_notice::Notice;

/// Timing bounds of a data task.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timing {
    /// How long to wait for the connection, and for the TLS handshake.
    pub connect: Duration,
    /// How long one read or write may wait during a transfer.
    pub idle: Duration,
}

/// Runs one data connection; `notify` delivers notices to the session (false: it is gone).
pub(super) async fn run<N, F>(
    setup: Setup,
    timing: Timing,
    mut commands: mpsc::Receiver<Command>,
    notify: N,
) where
    N: Fn(Notice) -> F,
    F: core::future::Future<Output = bool>,
{
    let tcp = match setup {
        Setup::Accept { listener, peer } => {
            let accept = tokio::time::timeout(timing.connect, accept_from(&listener, peer));
            let accepted = tokio::select! {
                r = accept => r.ok().and_then(Result::ok),
                // Before the connection is up the session sends nothing but `Close` (after
                // closing the listener: a new PASV/EPSV, the session's end), or drops its
                // sender: stop waiting.
                _ = commands.recv() => None,
            };
            // One connection per listener: it closes now, accepted or not.
            listener.close();
            match accepted {
                Some(s) => s,
                // The session machine keeps its own deadline for a passive connection.
                None => return,
            }
        }
        Setup::Connect { to } => {
            match tokio::time::timeout(timing.connect, TcpStream::connect(to)).await {
                Ok(Ok(s)) => s,
                _ => {
                    notify(Notice::ConnectFailed).await;
                    return;
                }
            }
        }
    };
    let _ = tcp.set_nodelay(true);
    if !notify(Notice::Connected).await {
        return;
    }
    let mut tls: Option<Box<TlsStream<Cork<BufReader<TcpStream>>>>> = None;
    let mut clear = Some(tcp);
    while let Some(command) = commands.recv().await {
        match command {
            Command::Tls(config, defer_tickets) => {
                let Some(tcp) = clear.take() else {
                    notify(Notice::TlsFailed).await;
                    return;
                };
                // Wait for the client's first TLS bytes and say so before answering them:
                // the client cannot finish its handshake (and send the transfer command)
                // before it has our flight, so the session orders its control input after
                // this notice (see `crate::io::control_hold`).
                let mut one = [0u8; 1];
                let deadline = tokio::time::Instant::now() + timing.connect;
                if !matches!(
                    tokio::time::timeout_at(deadline, tcp.peek(&mut one)).await,
                    Ok(Ok(_))
                ) {
                    notify(Notice::TlsFailed).await;
                    return;
                }
                if !notify(Notice::TlsStarted).await {
                    return;
                }
                let defer_tickets = defer_tickets.load(std::sync::atomic::Ordering::SeqCst);
                let tcp = Cork::new(BufReader::with_capacity(TLS_READ_AHEAD, tcp), defer_tickets);
                // tokio-rustls's accept future resolves only after flushing what the
                // handshake queued, the TLS 1.3 tickets included: they are on the wire
                // before `TlsReady`, so before any file byte, unless `defer_tickets` (an
                // upload whose command came first): then `Cork` holds them for the end.
                let accept = TlsAcceptor::from(config).accept_with(tcp, |conn| {
                    conn.set_buffer_limit(Some(CHUNK));
                });
                match tokio::time::timeout_at(deadline, accept).await {
                    Ok(Ok(mut s)) => {
                        let tls13 = s.get_ref().1.protocol_version()
                            == Some(rustls::ProtocolVersion::TLSv1_3);
                        s.get_mut().0.accepted();
                        if !tls13 {
                            // Only TLS 1.3 tickets may wait (TLS 1.2's last flight may not).
                            if tokio::time::timeout_at(deadline, s.flush()).await.is_err() {
                                notify(Notice::TlsFailed).await;
                                return;
                            }
                        }
                        let (_, conn) = s.get_ref();
                        let resumed = conn.handshake_kind() == Some(HandshakeKind::Resumed);
                        let client_certificate = conn.peer_certificates().is_some();
                        tls = Some(Box::new(s));
                        notify(Notice::TlsReady {
                            resumed,
                            client_certificate,
                        })
                        .await;
                    }
                    _ => {
                        notify(Notice::TlsFailed).await;
                        return;
                    }
                }
            }
            Command::Send(source) => {
                let notice = match (tls.take(), clear.take()) {
                    (Some(mut s), _) => {
                        let n = send_from(&mut *s, source, timing.idle).await;
                        let (tcp, _) = s.into_inner();
                        linger(tcp.into_inner().into_inner(), n).await
                    }
                    (None, Some(mut tcp)) => {
                        let n = send_from(&mut tcp, source, timing.idle).await;
                        linger(tcp, n).await
                    }
                    (None, None) => Notice::Sent {
                        end: DataEnd::Failed,
                    },
                };
                notify(notice).await;
                return;
            }
            Command::Receive(sink) => {
                let notice = match (tls.take(), clear.take()) {
                    (Some(mut s), _) => receive_into(&mut *s, sink, timing.idle, true).await,
                    (None, Some(mut tcp)) => receive_into(&mut tcp, sink, timing.idle, false).await,
                    (None, None) => Notice::Received {
                        end: DataEnd::Failed,
                    },
                };
                notify(notice).await;
                return;
            }
            Command::Close => {
                if let Some(mut s) = tls.take() {
                    let _ = tokio::time::timeout(timing.idle, s.shutdown()).await;
                } else if let Some(mut tcp) = clear.take() {
                    let _ = tokio::time::timeout(timing.idle, tcp.shutdown()).await;
                }
                return;
            }
        }
    }
    // The session dropped its sender: it went away (the socket closes with this task).
}

/// Accepts on `listener` until a connection comes from `peer` (the control connection's
/// peer); connections from any other address are closed at once and waiting goes on
/// (RFC 2577 §3 "bounce"/port theft; RFC 4217 §10.1).
async fn accept_from(slot: &PassiveSlot<TcpListener>, peer: IpAddr) -> io::Result<TcpStream> {
    loop {
        let accepted = core::future::poll_fn(|cx| {
            slot.with(|l| l.poll_accept(cx))
                .unwrap_or(core::task::Poll::Ready(Err(
                    io::ErrorKind::NotConnected.into()
                )))
        });
        let (stream, from) = accepted.await?;
        if from.ip().to_canonical() == peer.to_canonical() {
            return Ok(stream);
        }
        drop(stream);
    }
}

async fn timed<T>(
    idle: Duration,
    f: impl core::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match tokio::time::timeout(idle, f).await {
        Ok(r) => r,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

/// What a download's storage reader hands over.
enum Chunk {
    Bytes(Vec<u8>),
    Failed,
}

/// A download: reads `source` on the blocking pool and writes it to `stream`, then ends the
/// stream properly (`shutdown`: close_notify under TLS, then FIN). `Err(())` when the source
/// failed (the connection is then dropped without close_notify: the client sees an unclean
/// end, never a short file that looks complete).
async fn send_from<S>(
    stream: &mut S,
    source: Box<dyn Read + Send>,
    idle: Duration,
) -> Result<DataEnd, ()>
where
    S: AsyncWrite + Unpin,
{
    let (tx, mut rx) = mpsc::channel::<Chunk>(PIPELINE);
    let reader = tokio::task::spawn_blocking(move || {
        let mut source = source;
        // Chunks start small and double up to CHUNK: a small file or listing costs a small
        // buffer, a large file gets large writes.
        let mut size = FIRST_CHUNK;
        loop {
            let mut buf = std::vec![0u8; size];
            let mut filled = 0;
            // Fill whole chunks: fewer, larger TLS writes.
            while filled < size {
                match source.read(buf.get_mut(filled..).unwrap_or(&mut [])) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        let _ = tx.blocking_send(Chunk::Failed);
                        return;
                    }
                }
            }
            if filled == 0 {
                return;
            }
            buf.truncate(filled);
            size = (size * 2).min(CHUNK);
            if tx.blocking_send(Chunk::Bytes(buf)).is_err() {
                return; // the connection side gave up
            }
        }
    });
    let mut end = DataEnd::Clean;
    while let Some(chunk) = rx.recv().await {
        match chunk {
            Chunk::Bytes(b) => {
                if timed(idle, stream.write_all(&b)).await.is_err() {
                    end = DataEnd::Failed;
                    break;
                }
            }
            Chunk::Failed => return Err(()),
        }
    }
    drop(rx);
    let _ = reader.await;
    if end == DataEnd::Clean && timed(idle, stream.shutdown()).await.is_err() {
        end = DataEnd::Failed;
    }
    Ok(end)
}

/// After a download: reports it, and waits (at most [`LINGER`]) for the peer's close so that
/// closing never resets bytes still in flight.
async fn linger(mut tcp: TcpStream, sent: Result<DataEnd, ()>) -> Notice {
    let end = match sent {
        Ok(end) => end,
        Err(()) => return Notice::SourceFailed,
    };
    if end == DataEnd::Clean {
        // Our side is complete; the peer's close is awaited off the session's path.
        tokio::spawn(async move {
            let mut sink = [0u8; 1024];
            let _ = tokio::time::timeout(LINGER, async {
                while let Ok(n) = tcp.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        });
    }
    Notice::Sent { end }
}

/// An upload: reads `stream` until it ends and writes it into `sink` on the blocking pool.
/// The end is [`DataEnd::Clean`] for close_notify under TLS (answered with ours) or FIN in
/// clear, [`DataEnd::Truncated`] for EOF without close_notify under TLS, else
/// [`DataEnd::Failed`]. The notice comes only after every received byte was written and the
/// sink flushed.
///
/// The sink is closed (dropped) on the blocking pool *after* its outcome is handed back, off
/// the reply's path: closing a file the upload replaced can take a long time (ext4 starts
/// writing back the whole file at `close` when it replaced one by truncation), and nothing
/// is lost, since dropping a `File` ignores `close`'s result anyway (the blocking adapter
/// likewise replies before it drops the sink).
async fn receive_into<S>(
    stream: &mut S,
    sink: Box<dyn Write + Send>,
    idle: Duration,
    tls: bool,
) -> Notice
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(PIPELINE);
    let (done, written) = oneshot::channel::<io::Result<()>>();
    // The join handle is not kept: the outcome comes through `done` (a dropped sender, should
    // the task never get to send, reads as a failure below).
    drop(tokio::task::spawn_blocking(move || {
        let mut sink = sink;
        let mut write = || -> io::Result<()> {
            while let Some(b) = rx.blocking_recv() {
                sink.write_all(&b)?;
            }
            sink.flush()
        };
        let result = write();
        let _ = done.send(result);
        // Closed only now, after the outcome was handed over (see above).
        drop(sink);
    }));
    let end = 'stream: loop {
        // Gather a whole chunk before handing it over (a read returns about one TLS record):
        // fewer channel hops and larger file writes. `read_buf` appends without zeroing.
        let mut buf = Vec::with_capacity(FIRST_CHUNK);
        let end = loop {
            // Grow by at least a TLS record's worth (amortised doubling up to CHUNK): a
            // small upload keeps a small buffer.
            if buf.capacity() - buf.len() < FIRST_CHUNK {
                buf.reserve(FIRST_CHUNK);
            }
            match timed(idle, stream.read_buf(&mut buf)).await {
                Ok(0) => break Some(DataEnd::Clean),
                Ok(_) if buf.len() < CHUNK => {}
                Ok(_) => break None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    break Some(DataEnd::Truncated)
                }
                Err(_) => break Some(DataEnd::Failed),
            }
        };
        // Bytes received before the end are written whatever the end (the machine decides
        // whether the transfer succeeded; a partial file is reported as failed).
        if !buf.is_empty() && tx.send(buf).await.is_err() {
            // The writer failed: its error is reported below.
            break 'stream DataEnd::Failed;
        }
        if let Some(end) = end {
            break 'stream end;
        }
    };
    drop(tx);
    if end == DataEnd::Clean && tls {
        // Answer the client's close_notify with ours, then FIN.
        let _ = timed(idle, stream.shutdown()).await;
    }
    match written.await {
        Ok(Ok(())) => Notice::Received { end },
        Ok(Err(e)) => Notice::SinkFailed {
            no_space: matches!(
                e.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            ),
        },
        Err(_) => Notice::SinkFailed { no_space: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc as std_mpsc;

    /// A sink whose close (drop) waits until the test says the upload was reported, and
    /// which hands its bytes back when closed.
    struct SlowClose {
        bytes: Vec<u8>,
        reported: std_mpsc::Receiver<()>,
        closed: std_mpsc::Sender<Vec<u8>>,
    }

    impl Write for SlowClose {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.bytes.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Drop for SlowClose {
        fn drop(&mut self) {
            let _ = self.reported.recv_timeout(Duration::from_secs(10));
            let _ = self.closed.send(core::mem::take(&mut self.bytes));
        }
    }

    /// C: STOR up.bin / S: 150 ... / (data: 300 000 bytes, FIN) / S: 226 — the upload is
    /// reported (RFC 959 §4.2: 226 after the data connection's end) with every byte written,
    /// before the sink is closed: a slow `close` is kept off the reply's path.
    #[tokio::test]
    async fn upload_is_reported_before_the_sink_is_closed() {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let (report, reported) = std_mpsc::channel();
        let (closed_tx, closed) = std_mpsc::channel();
        let sink = SlowClose {
            bytes: Vec::new(),
            reported,
            closed: closed_tx,
        };
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let writer = tokio::spawn(async move {
            client.write_all(&sent).await.unwrap();
            client.shutdown().await.unwrap();
            client
        });
        let notice = tokio::time::timeout(
            Duration::from_secs(5),
            receive_into(&mut server, Box::new(sink), Duration::from_secs(5), false),
        )
        .await
        .expect("the notice must not wait for the sink's close");
        assert!(matches!(
            notice,
            Notice::Received {
                end: DataEnd::Clean
            }
        ));
        report.send(()).unwrap();
        let written = tokio::task::spawn_blocking(move || {
            closed.recv_timeout(Duration::from_secs(10)).unwrap()
        })
        .await
        .unwrap();
        assert_eq!(written, data);
        drop(writer.await.unwrap());
    }
}

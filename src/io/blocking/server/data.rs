//! Data connections of the blocking server adapter: accepting a passive connection only from
//! the control peer's address, connecting out for active mode, the TLS server handshake
//! (with "must resume the control session" enforcement), and streaming bytes with the end
//! of stream observed exactly (close_notify versus bare EOF).
//!
//! Owns sockets and the data connection's `rustls::ServerConnection`. Must not decide
//! anything about FTP: it reports [`DataEnd`] and handshake outcomes; the session machine
//! decides whether a transfer succeeded.

use std::boxed::Box;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};
use std::vec;

use rustls::{HandshakeKind, ProtocolVersion, ServerConfig, ServerConnection, StreamOwned};

use crate::io::passive::PassiveSlot;
use crate::types::DataEnd;

/// Size of the buffer that moves file bytes (and of rustls's outgoing buffer).
pub const TRANSFER_BUFFER: usize = 256 * 1024;

/// How long the adapter waits for the peer to close after our close_notify and FIN on a
/// download (so that closing never resets data still in flight).
const LINGER: Duration = Duration::from_secs(2);

/// Why a data connection could not be accepted or made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// Nobody (from the control peer's address) connected before the deadline.
    #[error("no data connection before the deadline")]
    Timeout,
    /// The session ended or the transfer was aborted while waiting.
    #[error("cancelled")]
    Cancelled,
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {0}")]
    Tls(io::Error),
    /// The handshake succeeded but did not resume the control connection's TLS session,
    /// and the policy requires it (RFC 4217 §10.2; vsftpd's `require_ssl_reuse`).
    #[error("TLS session of the control connection not resumed")]
    NotResumed,
    /// A socket error.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// TLS settings of a data connection: the control connection's per-session configuration
/// (see [`crate::io::tls::per_session_config`]) and whether resumption is required.
#[derive(Clone, Debug)]
pub struct DataTls {
    /// The per-session rustls configuration shared with the control connection.
    pub config: Arc<ServerConfig>,
    /// Refuse a handshake that does not resume a session of this control connection.
    pub require_resumption: bool,
}

/// Waits on `listener` for a connection from `peer` (the control connection's peer address)
/// until `deadline`. Connections from any other address are closed at once and waiting goes
/// on (RFC 2577 §3 "bounce"/port-theft protection; RFC 4217 §10.1 notes the same for TLS).
pub fn accept_from(
    listener: &TcpListener,
    peer: IpAddr,
    deadline: StdInstant,
    cancel: &AtomicBool,
) -> Result<TcpStream, DataError> {
    listener.set_nonblocking(true)?;
    accept_polling(peer, deadline, cancel, |peer| {
        accept_once(listener, peer).map(Some)
    })
}

/// [`accept_from`] on a session's [`PassiveSlot`]: the wait ends as [`DataError::Cancelled`]
/// as soon as the session closes the listener (the slot is locked only for each
/// non-blocking `accept`).
pub(crate) fn accept_from_slot(
    slot: &PassiveSlot<TcpListener>,
    peer: IpAddr,
    deadline: StdInstant,
    cancel: &AtomicBool,
) -> Result<TcpStream, DataError> {
    if let Some(r) = slot.with(|l| l.set_nonblocking(true)) {
        r?;
    }
    accept_polling(peer, deadline, cancel, |peer| {
        slot.with(|l| accept_once(l, peer)).transpose()
    })
}

/// Polls `attempt` (one non-blocking accept; `Ok(None)`: the listener is gone) every 5 ms.
fn accept_polling(
    peer: IpAddr,
    deadline: StdInstant,
    cancel: &AtomicBool,
    mut attempt: impl FnMut(IpAddr) -> io::Result<Option<Option<TcpStream>>>,
) -> Result<TcpStream, DataError> {
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(DataError::Cancelled);
        }
        match attempt(peer) {
            Ok(None) => return Err(DataError::Cancelled),
            Ok(Some(Some(stream))) => {
                stream.set_nonblocking(false)?;
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Ok(Some(None)) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if StdInstant::now() >= deadline {
                    return Err(DataError::Timeout);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// One non-blocking accept: the connection if it comes from `peer`; a stranger is dropped
/// (`None`) and waiting goes on.
fn accept_once(listener: &TcpListener, peer: IpAddr) -> io::Result<Option<TcpStream>> {
    let (stream, from) = listener.accept()?;
    if same_host(from.ip(), peer) {
        Ok(Some(stream))
    } else {
        let _ = stream.shutdown(Shutdown::Both);
        Ok(None)
    }
}

/// Whether two addresses are the same host (an IPv4-mapped IPv6 address equals its IPv4).
fn same_host(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}

/// Connects to the client's active-mode address (PORT/EPRT), until `deadline`.
pub fn connect_to(addr: SocketAddr, deadline: StdInstant) -> Result<TcpStream, DataError> {
    let left = deadline.saturating_duration_since(StdInstant::now());
    if left.is_zero() {
        return Err(DataError::Timeout);
    }
    let stream = TcpStream::connect_timeout(&addr, left).map_err(|e| {
        if e.kind() == io::ErrorKind::TimedOut {
            DataError::Timeout
        } else {
            DataError::Io(e)
        }
    })?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// An established data connection, clear or under TLS.
#[derive(Debug)]
pub enum DataStream {
    /// PROT C.
    Clear(TcpStream),
    /// PROT P.
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl DataStream {
    /// Runs the TLS server handshake (the FTP client is the TLS client on the data
    /// connection too, RFC 4217 §2) until `deadline`, then checks resumption.
    ///
    /// It returns only once everything rustls queued during the handshake is written,
    /// including the TLS 1.3 session tickets that follow the client's Finished (the
    /// configuration's `send_tls13_tickets`): they are on the wire before the caller can
    /// report the handshake done, hence before any file byte (and, with the session's hold on
    /// control input, before the reply to a command sent during the handshake), so a client
    /// that reads its data connection only once, right before it closes it (curl), finds them.
    pub fn tls_accept(
        tcp: TcpStream,
        tls: &DataTls,
        deadline: StdInstant,
    ) -> Result<DataStream, DataError> {
        Self::tls_accept_notifying(tcp, tls, deadline, || false)
    }

    /// [`DataStream::tls_accept`], calling `started` once the client's first TLS bytes have
    /// arrived and before anything is answered: until the client gets the server's flight it
    /// cannot finish its handshake, so anything it sends after its handshake (the transfer
    /// command on the control connection) comes after `started`.
    ///
    /// `started` returns whether to defer the tickets: true for an upload already accepted
    /// when the client began its handshake (its command came before it: lftp,
    /// ftplib, this crate's clients): the TLS 1.3 tickets stay queued and go out with the
    /// server's close_notify, after the client's. A client that reads to the server's end
    /// (ours) gets them; one that closes right after its close_notify (lftp) has nothing
    /// unread that would turn its close into a reset cutting the upload.
    pub fn tls_accept_notifying(
        tcp: TcpStream,
        tls: &DataTls,
        deadline: StdInstant,
        started: impl FnOnce() -> bool,
    ) -> Result<DataStream, DataError> {
        let mut conn =
            ServerConnection::new(tls.config.clone()).map_err(|e| DataError::Tls(io_other(e)))?;
        conn.set_buffer_limit(Some(TRANSFER_BUFFER));
        let mut tcp = tcp;
        wait_readable(&tcp, deadline)?;
        let defer_tickets = started();
        let timed_out = |e: &io::Error| {
            e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut
        };
        // The handshake, one write or one read at a time, so that what the client's Finished
        // produces (the tickets) is written only below.
        while conn.is_handshaking() {
            let left = deadline.saturating_duration_since(StdInstant::now());
            if left.is_zero() {
                return Err(DataError::Timeout);
            }
            tcp.set_read_timeout(Some(left))?;
            tcp.set_write_timeout(Some(left))?;
            if conn.wants_write() {
                match conn.write_tls(&mut tcp) {
                    Ok(0) => return Err(DataError::Tls(io::ErrorKind::WriteZero.into())),
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if timed_out(&e) => return Err(DataError::Timeout),
                    Err(e) => return Err(DataError::Tls(e)),
                }
                continue;
            }
            match conn.read_tls(&mut tcp) {
                Ok(0) => return Err(DataError::Tls(io::ErrorKind::UnexpectedEof.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if timed_out(&e) => return Err(DataError::Timeout),
                Err(e) => return Err(DataError::Tls(e)),
            }
            if let Err(e) = conn.process_new_packets() {
                // The alert describing the error, if rustls queued one.
                let _ = conn.write_tls(&mut tcp);
                return Err(DataError::Tls(io::Error::new(
                    io::ErrorKind::InvalidData,
                    e,
                )));
            }
        }
        // What is still queued: TLS 1.3 tickets, or TLS 1.2's final flight (never deferred:
        // the client waits for it).
        let defer = defer_tickets && conn.protocol_version() == Some(ProtocolVersion::TLSv1_3);
        while !defer && conn.wants_write() {
            match conn.write_tls(&mut tcp) {
                Ok(0) => return Err(DataError::Tls(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if timed_out(&e) => return Err(DataError::Timeout),
                Err(e) => return Err(DataError::Tls(e)),
            }
        }
        tcp.flush()?;
        if tls.require_resumption && conn.handshake_kind() != Some(HandshakeKind::Resumed) {
            // Close properly; the session machine explains the refusal on the control
            // connection.
            conn.send_close_notify();
            let _ = conn.complete_io(&mut tcp);
            return Err(DataError::NotResumed);
        }
        tcp.set_read_timeout(None)?;
        tcp.set_write_timeout(None)?;
        Ok(DataStream::Tls(Box::new(StreamOwned::new(conn, tcp))))
    }

    fn tcp(&self) -> &TcpStream {
        match self {
            DataStream::Clear(s) => s,
            DataStream::Tls(s) => &s.sock,
        }
    }

    /// Sets how long one read or write may block (the data connection's idle timeout).
    pub fn set_idle_timeout(&self, idle: Option<Duration>) -> io::Result<()> {
        self.tcp().set_read_timeout(idle)?;
        self.tcp().set_write_timeout(idle)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().peer_addr()
    }

    /// Whether the client presented a (verified) certificate on this connection.
    pub fn client_certificate(&self) -> bool {
        match self {
            DataStream::Clear(_) => false,
            DataStream::Tls(s) => s.conn.peer_certificates().is_some(),
        }
    }

    /// A second handle on the socket, to shut it down from another thread (ABOR).
    pub fn try_clone_socket(&self) -> io::Result<TcpStream> {
        self.tcp().try_clone()
    }

    /// Whether the TLS handshake resumed an earlier session (`None` in clear).
    pub fn resumed(&self) -> Option<bool> {
        match self {
            DataStream::Clear(_) => None,
            DataStream::Tls(s) => Some(s.conn.handshake_kind() == Some(HandshakeKind::Resumed)),
        }
    }

    /// A download (RETR, LIST, NLST, MLSD): copies `source` to the peer, then ends the stream
    /// properly: close_notify under TLS, then FIN. Returns how much was sent and how the
    /// stream ended ([`DataEnd::Clean`] only if everything was written and the end was
    /// signalled); a `source` read error is returned as `Err` (the connection is aborted).
    /// Call [`Sent::linger`] afterwards, off the control path, to wait briefly for the peer's
    /// close so that closing never resets bytes still in flight.
    pub fn send_from(self, source: &mut dyn Read, cancel: &AtomicBool) -> io::Result<Sent> {
        let mut this = self;
        let mut buf = vec![0u8; TRANSFER_BUFFER];
        let mut bytes = 0u64;
        let failed = |this: DataStream, bytes| {
            this.abort();
            Ok(Sent {
                bytes,
                end: DataEnd::Failed,
                closing: None,
            })
        };
        loop {
            if cancel.load(Ordering::Relaxed) {
                return failed(this, bytes);
            }
            let n = match source.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    this.abort();
                    return Err(e);
                }
            };
            let Some(chunk) = buf.get(..n) else { break };
            if this.write_all(chunk).is_err() {
                return failed(this, bytes);
            }
            bytes += n as u64;
        }
        Ok(match this.finish_send() {
            Some(tcp) => Sent {
                bytes,
                end: DataEnd::Clean,
                closing: Some(tcp),
            },
            None => Sent {
                bytes,
                end: DataEnd::Failed,
                closing: None,
            },
        })
    }

    fn write_all(&mut self, chunk: &[u8]) -> io::Result<()> {
        match self {
            DataStream::Clear(s) => s.write_all(chunk),
            DataStream::Tls(s) => s.write_all(chunk),
        }
    }

    /// close_notify (under TLS), then FIN; the socket is handed back for lingering.
    fn finish_send(self) -> Option<TcpStream> {
        let mut tcp = match self {
            DataStream::Clear(s) => s,
            DataStream::Tls(mut s) => {
                s.conn.send_close_notify();
                while s.conn.wants_write() {
                    if s.conn.write_tls(&mut s.sock).is_err() {
                        return None;
                    }
                }
                s.sock
            }
        };
        if tcp.flush().is_err() || tcp.shutdown(Shutdown::Write).is_err() {
            return None;
        }
        Some(tcp)
    }

    /// Ends an idle data connection properly (close_notify under TLS, then FIN), as
    /// `CloseData` without a transfer asks.
    pub fn close(self) {
        if let Some(tcp) = self.finish_send() {
            let _ = tcp.shutdown(Shutdown::Both);
        }
    }

    /// An upload (STOR, APPE, STOU): copies what the peer sends into `sink` until the stream
    /// ends. Returns the bytes received and how it ended: [`DataEnd::Clean`] for close_notify
    /// (then EOF) under TLS or FIN in clear, [`DataEnd::Truncated`] for an EOF without
    /// close_notify under TLS, [`DataEnd::Failed`] for errors; a `sink` write error (disk
    /// full...) is returned as `Err`.
    pub fn receive_into(
        mut self,
        sink: &mut dyn Write,
        cancel: &AtomicBool,
    ) -> Result<(u64, DataEnd), io::Error> {
        let mut buf = vec![0u8; TRANSFER_BUFFER];
        let mut received = 0u64;
        let end = loop {
            if cancel.load(Ordering::Relaxed) {
                self.abort();
                break DataEnd::Failed;
            }
            let r = match &mut self {
                DataStream::Clear(s) => s.read(&mut buf),
                DataStream::Tls(s) => read_without_writing(s, &mut buf),
            };
            match r {
                Ok(0) => break DataEnd::Clean,
                Ok(n) => {
                    let Some(chunk) = buf.get(..n) else {
                        break DataEnd::Failed;
                    };
                    if let Err(e) = sink.write_all(chunk) {
                        self.abort();
                        return Err(e);
                    }
                    received += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break DataEnd::Truncated,
                Err(_) => break DataEnd::Failed,
            }
        };
        if end == DataEnd::Clean {
            if let DataStream::Tls(mut s) = self {
                // Answer the client's close_notify with ours, then close.
                s.conn.send_close_notify();
                let _ = s.conn.complete_io(&mut s.sock);
                let _ = s.sock.shutdown(Shutdown::Both);
            }
        }
        sink.flush()?;
        Ok((received, end))
    }

    /// Closes at once, without close_notify (ABOR, errors): the peer sees an unclean end.
    pub fn abort(&self) {
        let _ = self.tcp().shutdown(Shutdown::Both);
    }
}

/// Reads plaintext under TLS without writing anything (rustls's `Stream` would first write
/// what is queued: deferred tickets must wait for the end of the upload). `Ok(0)` after the
/// peer's close_notify; `UnexpectedEof` for an EOF without it.
fn read_without_writing(
    s: &mut StreamOwned<ServerConnection, TcpStream>,
    buf: &mut [u8],
) -> io::Result<usize> {
    loop {
        match s.conn.reader().read(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            r => return r,
        }
        match s.conn.read_tls(&mut s.sock) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if let Err(e) = s.conn.process_new_packets() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
        }
    }
}

/// Blocks until `tcp` has bytes to read (or EOF), at most until `deadline`.
fn wait_readable(tcp: &TcpStream, deadline: StdInstant) -> Result<(), DataError> {
    let mut one = [0u8; 1];
    loop {
        let left = deadline.saturating_duration_since(StdInstant::now());
        if left.is_zero() {
            return Err(DataError::Timeout);
        }
        tcp.set_read_timeout(Some(left))?;
        match tcp.peek(&mut one) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                return Err(DataError::Timeout)
            }
            Err(e) => return Err(DataError::Tls(e)),
        }
    }
}

fn io_other(e: rustls::Error) -> io::Error {
    io::Error::other(e)
}

/// A passive listener bound in a port range on `ip`, on a port chosen at random (RFC 2577
/// §5: unpredictable passive ports make port stealing harder): the ports of `range` are tried
/// in a random order (a random start and a random step coprime with the range's size, so each
/// port is tried once) until one is free. `0..=0` (or an empty range) lets the system choose.
pub fn listen_in_range(
    ip: IpAddr,
    range: core::ops::RangeInclusive<u16>,
) -> io::Result<TcpListener> {
    let (lo, hi) = (*range.start(), *range.end());
    if lo == 0 || hi < lo {
        return TcpListener::bind(SocketAddr::new(ip, 0));
    }
    let mut last = io::Error::new(io::ErrorKind::AddrInUse, "passive port range exhausted");
    for port in random_order(lo, hi, random_u64()) {
        match TcpListener::bind(SocketAddr::new(ip, port)) {
            Ok(l) => return Ok(l),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Every port of `lo..=hi` once, in an order drawn from `seed`.
fn random_order(lo: u16, hi: u16, seed: u64) -> impl Iterator<Item = u16> {
    let count = u64::from(hi - lo) + 1;
    let start = seed % count;
    // A step coprime with `count` visits every residue once.
    let mut step = (seed >> 32) % count;
    while gcd(step.max(1), count) != 1 {
        step += 1;
    }
    let step = step.max(1);
    (0..count).map(move |i| {
        let offset = (start + i * step) % count;
        lo + u16::try_from(offset).unwrap_or(0)
    })
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// 64 random bits without a random-number dependency: std's `RandomState` is seeded from the
/// operating system's random source once per thread and then varies its keys per instance;
/// hashing a process-wide counter and the time with a fresh instance gives a value an
/// outsider cannot predict (not a cryptographic generator, but unpredictable ports need no
/// more than that).
pub(crate) fn random_u64() -> u64 {
    use core::hash::{BuildHasher, Hasher};
    use std::collections::hash_map::RandomState;
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod port_tests {
    use super::*;

    #[test]
    fn random_order_tries_every_port_once() {
        for (lo, hi) in [(1000u16, 1000u16), (1000, 1009), (60000, 65535), (1, 65535)] {
            for seed in [0u64, 1, 7, u64::MAX, random_u64(), random_u64()] {
                let mut ports: std::vec::Vec<u16> = random_order(lo, hi, seed).collect();
                ports.sort_unstable();
                let all: std::vec::Vec<u16> = (lo..=hi).collect();
                assert_eq!(ports, all, "{lo}..={hi} seed {seed}");
            }
        }
    }

    #[test]
    fn random_values_differ_and_ports_are_spread() {
        let a: std::vec::Vec<u64> = (0..64).map(|_| random_u64()).collect();
        let mut b = a.clone();
        b.sort_unstable();
        b.dedup();
        assert_eq!(b.len(), a.len());
        // First port over many draws covers most of a 10-port range.
        let mut seen = [false; 10];
        for _ in 0..200 {
            let first = random_order(0, 9, random_u64()).next().unwrap();
            seen[usize::from(first)] = true;
        }
        assert!(seen.iter().filter(|s| **s).count() >= 8, "{seen:?}");
    }
}

/// The outcome of [`DataStream::send_from`].
#[derive(Debug)]
pub struct Sent {
    /// Bytes written.
    pub bytes: u64,
    /// [`DataEnd::Clean`] when everything was written and the end signalled.
    pub end: DataEnd,
    closing: Option<TcpStream>,
}

impl Sent {
    /// Waits (at most 2 s) for the peer to close its side; whatever it sends is
    /// ignored. Our side is already complete, so this never changes the outcome.
    pub fn linger(self) {
        let Some(mut tcp) = self.closing else { return };
        let until = StdInstant::now() + LINGER;
        let mut sink = [0u8; 4096];
        loop {
            let left = until.saturating_duration_since(StdInstant::now());
            if left.is_zero() || tcp.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match tcp.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

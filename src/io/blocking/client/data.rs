//! Data connections: opening them (passive: connect; active: listen and accept), and moving
//! a file's bytes between one and the caller's `Read`/`Write`, ending it the way that loses
//! nothing and reporting how it ended.
//!
//! Owns the transfer loops and their buffers. Must not decide whether a transfer succeeded:
//! it reports a [`DataEnd`] and the machine weighs it against the server's final reply.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::prelude::rust_2021::*;
use std::thread;
use std::time::Duration;

use super::abort::AbortHandle;
use super::clock::{socket_error, timed_out, Deadline};
use super::stream::{Confirmation, Received, Stream};
use crate::types::DataEnd;

/// How a transfer on a data connection went, as the adapter saw it.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// File bytes moved.
    pub(crate) bytes: u64,
    /// What to report to the machine.
    pub(crate) end: DataEnd,
    /// The network or TLS error behind a non-clean end.
    pub(crate) cause: Option<io::Error>,
    /// The caller's `Read`/`Write` failed (the transfer was abandoned because of it).
    pub(crate) local: Option<io::Error>,
    /// The caller asked to stop (the connection was dropped without close_notify).
    pub(crate) aborted: bool,
}

impl Outcome {
    fn failed(bytes: u64, cause: io::Error) -> Outcome {
        Outcome {
            bytes,
            end: DataEnd::Failed,
            cause: Some(cause),
            local: None,
            aborted: false,
        }
    }

    fn aborted(bytes: u64) -> Outcome {
        Outcome {
            bytes,
            end: DataEnd::Failed,
            cause: None,
            local: None,
            aborted: true,
        }
    }

    /// The data connection stalled: nothing moved for the whole data timeout (a download
    /// that waited for bytes, an upload whose write could not finish, or a server that never
    /// ended its side after our upload).
    pub(crate) fn stalled(&self) -> bool {
        !self.aborted
            && self.local.is_none()
            && self
                .cause
                .as_ref()
                .is_some_and(|c| c.kind() == io::ErrorKind::TimedOut)
    }

    fn local(bytes: u64, e: io::Error) -> Outcome {
        Outcome {
            bytes,
            end: DataEnd::Failed,
            cause: None,
            local: Some(e),
            aborted: false,
        }
    }
}

/// How often a download that waits for bytes looks at the abort flag.
const ABORT_POLL: Duration = Duration::from_millis(250);

/// Connects to the first address of `target` that answers before the deadline.
pub(crate) fn connect(target: impl ToSocketAddrs, deadline: Deadline) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in target.to_socket_addrs()? {
        let attempt = match deadline.remaining()? {
            Some(left) => TcpStream::connect_timeout(&addr, left),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(socket_error(e)),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the host name has no address")))
}

/// Listens for an active-mode data connection on `local` (the control connection's own
/// address) and an ephemeral port.
pub(crate) fn listen(local: IpAddr) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(SocketAddr::new(local, 0))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Accepts the server's data connection. Connections from any address other than the
/// control connection's peer are refused and waiting goes on (RFC 2577 §5: a third party
/// must not be able to steal or inject the data).
pub(crate) fn accept(
    listener: &TcpListener,
    server: IpAddr,
    deadline: Deadline,
) -> io::Result<TcpStream> {
    loop {
        match listener.accept() {
            Ok((tcp, peer)) if peer.ip() == server => {
                tcp.set_nonblocking(false)?;
                return Ok(tcp);
            }
            Ok((stranger, _)) => drop(stranger),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if deadline.has_passed() {
                    return Err(timed_out());
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Reads the data connection into `sink` until it ends.
///
/// Under TLS only a close_notify is a clean end; an EOF without one is
/// [`DataEnd::Truncated`] (RFC 4217 §10: a truncated file must not pass for a complete one).
/// `idle` bounds every wait for bytes. After a clean end the close_notify is answered and
/// the socket closed.
pub(crate) fn receive(
    mut stream: Stream,
    sink: &mut dyn Write,
    buf: &mut [u8],
    idle: Option<Duration>,
    abort: &AbortHandle,
    progress: &mut dyn FnMut(u64),
) -> Outcome {
    let mut bytes = 0u64;
    let mut idle_deadline = Deadline::after(idle);
    loop {
        if abort.is_set() {
            return Outcome::aborted(bytes);
        }
        let slice = Deadline::after(Some(ABORT_POLL)).min(idle_deadline);
        match stream.read(buf, slice) {
            Ok(Received::Data(n)) => {
                if let Err(e) = sink.write_all(&buf[..n]) {
                    return Outcome::local(bytes, e);
                }
                bytes = bytes.saturating_add(n as u64);
                progress(bytes);
                idle_deadline = Deadline::after(idle);
            }
            Ok(Received::End(DataEnd::Clean)) => {
                stream.close_after_peer(Deadline::after(Some(Duration::from_secs(1))));
                return match sink.flush() {
                    Ok(()) => Outcome {
                        bytes,
                        end: DataEnd::Clean,
                        cause: None,
                        local: None,
                        aborted: false,
                    },
                    Err(e) => Outcome::local(bytes, e),
                };
            }
            Ok(Received::End(end)) => {
                return Outcome {
                    bytes,
                    end,
                    cause: Some(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the data connection without TLS close_notify",
                    )),
                    local: None,
                    aborted: false,
                }
            }
            // A slice ended: look at the abort flag, then wait on until the idle deadline.
            Err(e) if e.kind() == io::ErrorKind::TimedOut && !idle_deadline.has_passed() => {}
            Err(e) => return Outcome::failed(bytes, e),
        }
    }
}

/// Writes everything `source` yields on the data connection, then ends it properly: our
/// close_notify, a half-close, and waiting for the server's end before closing (see
/// [`Stream::end_sending`]).
///
/// If `source` fails, the connection is dropped *without* close_notify, so that a server
/// checking for it (vsftpd `strict_ssl_read_eof`) cannot take the partial file for a
/// complete one.
#[cfg(test)]
pub(crate) fn send(
    stream: Stream,
    source: &mut dyn Read,
    buf: &mut [u8],
    idle: Option<Duration>,
    abort: &AbortHandle,
    progress: &mut dyn FnMut(u64),
) -> Outcome {
    let (mut stream, bytes) = match send_body(stream, source, buf, idle, abort, progress) {
        Ok(sent) => sent,
        Err(outcome) => return outcome,
    };
    ended_upload(bytes, stream.await_peer_end(Deadline::after(idle)))
}

/// An upload up to our end: every byte, then close_notify and a half-close
/// ([`Stream::end_sending`]). Returns the stream to wait on for the server's end
/// ([`Stream::await_peer_end`]), or the failed outcome. A failing `source` drops the
/// connection without close_notify.
pub(crate) fn send_body(
    mut stream: Stream,
    source: &mut dyn Read,
    buf: &mut [u8],
    idle: Option<Duration>,
    abort: &AbortHandle,
    progress: &mut dyn FnMut(u64),
) -> Result<(Stream, u64), Outcome> {
    let mut bytes = 0u64;
    loop {
        if abort.is_set() {
            return Err(Outcome::aborted(bytes));
        }
        let n = match source.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                drop(stream);
                return Err(Outcome::local(bytes, e));
            }
        };
        if let Err(e) = stream.write_all(&buf[..n], Deadline::after(idle)) {
            return Err(Outcome::failed(bytes, e));
        }
        bytes = bytes.saturating_add(n as u64);
        progress(bytes);
    }
    match stream.end_sending(Deadline::after(idle)) {
        Ok(()) => Ok((stream, bytes)),
        Err(e) => Err(Outcome::failed(bytes, e)),
    }
}

/// The outcome of an upload whose end went out whole. Whether the server kept everything is
/// its final reply's to say; how it closed its side is only a diagnostic.
pub(crate) fn ended_upload(bytes: u64, confirmation: Confirmation) -> Outcome {
    Outcome {
        bytes,
        end: DataEnd::Clean,
        cause: match confirmation {
            Confirmation::Confirmed => None,
            Confirmation::Unconfirmed(why) => Some(why),
        },
        local: None,
        aborted: false,
    }
}

#[cfg(test)]
mod tests {
    //! Real loopback sockets, a rustls server in a thread: the ends of data connections as
    //! vsftpd-like servers produce them.
    use super::*;
    use crate::io::tls::{ClientTlsOptions, ServerIdentity, ServerTlsOptions, TrustRoots};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    use rustls::{ClientConfig, ServerConfig, ServerConnection};
    use std::sync::Arc;
    use std::thread::JoinHandle;

    fn configs() -> (Arc<ClientConfig>, Arc<ServerConfig>) {
        let ck = rcgen::generate_simple_self_signed(std::vec!["localhost".into()]).unwrap();
        let cert = CertificateDer::from(ck.cert.der().to_vec());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
        let server = ServerTlsOptions::new(ServerIdentity::Loaded {
            chain: std::vec![cert.clone()],
            key: Arc::new(key),
        })
        .build()
        .unwrap();
        let client = ClientTlsOptions {
            roots: TrustRoots::Certificates(std::vec![cert]),
            ..ClientTlsOptions::default()
        };
        (client.build().unwrap(), server)
    }

    /// Runs `serve` on the one connection a fresh listener receives.
    fn server<T: Send + 'static>(
        serve: impl FnOnce(TcpStream) -> T + Send + 'static,
    ) -> (SocketAddr, JoinHandle<T>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let (tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            serve(tcp)
        });
        (addr, handle)
    }

    /// Writes out every TLS record the connection has queued.
    fn flush<D>(conn: &mut rustls::ConnectionCommon<D>, tcp: &mut TcpStream) {
        while conn.wants_write() {
            conn.write_tls(tcp).unwrap();
        }
    }

    fn server_tls(config: Arc<ServerConfig>, tcp: &mut TcpStream) -> ServerConnection {
        let mut conn = ServerConnection::new(config).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(tcp).unwrap();
        }
        // TLS 1.3 session tickets go out now, as OpenSSL servers send them.
        flush(&mut conn, tcp);
        conn
    }

    /// Writes all of `data`, a buffer-full at a time.
    fn server_send(conn: &mut ServerConnection, tcp: &mut TcpStream, data: &[u8]) {
        for chunk in data.chunks(16 * 1024) {
            conn.writer().write_all(chunk).unwrap();
            flush(conn, tcp);
        }
    }

    /// Reads everything the client sends; `Ok(bytes)` after its close_notify, `Err` with the
    /// bytes so far on an EOF without close_notify.
    fn server_read_all(
        conn: &mut ServerConnection,
        tcp: &mut TcpStream,
    ) -> Result<Vec<u8>, Vec<u8>> {
        let mut got = Vec::new();
        let mut buf = std::vec![0u8; 64 * 1024];
        loop {
            match conn.reader().read(&mut buf) {
                Ok(0) => return Ok(got),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if conn.read_tls(tcp).is_err() {
                        return Err(got);
                    }
                    conn.process_new_packets().unwrap();
                }
                Err(_) => return Err(got),
            }
        }
    }

    fn client(addr: SocketAddr, config: &Arc<ClientConfig>) -> Stream {
        let tcp = connect(addr, Deadline::after(Some(Duration::from_secs(5)))).unwrap();
        let mut s = Stream::new(tcp, 256 * 1024);
        s.start_tls(
            config.clone(),
            ServerName::try_from("localhost").unwrap(),
            512 * 1024,
            Deadline::after(Some(Duration::from_secs(5))),
        )
        .unwrap();
        s
    }

    /// A download with no abort and no progress display.
    fn download(
        stream: Stream,
        sink: &mut dyn Write,
        buf: &mut [u8],
        idle: Option<Duration>,
    ) -> Outcome {
        receive(
            stream,
            sink,
            buf,
            idle,
            &AbortHandle::default(),
            &mut |_| {},
        )
    }

    /// An upload with no abort and no progress display.
    fn upload(
        stream: Stream,
        source: &mut dyn Read,
        buf: &mut [u8],
        idle: Option<Duration>,
    ) -> Outcome {
        send(
            stream,
            source,
            buf,
            idle,
            &AbortHandle::default(),
            &mut |_| {},
        )
    }

    fn file(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    const IDLE: Option<Duration> = Some(Duration::from_secs(5));

    #[test]
    fn download_ending_with_close_notify_is_clean() {
        let (cc, sc) = configs();
        let body = file(3 * 1024 * 1024 + 17);
        let sent = body.clone();
        let (addr, h) = server(move |mut tcp| {
            let mut conn = server_tls(sc, &mut tcp);
            server_send(&mut conn, &mut tcp, &sent);
            conn.send_close_notify();
            flush(&mut conn, &mut tcp);
        });
        let mut sink = Vec::new();
        let mut seen = 0;
        let mut buf = std::vec![0u8; 256 * 1024];
        let out = receive(
            client(addr, &cc),
            &mut sink,
            &mut buf,
            IDLE,
            &AbortHandle::default(),
            &mut |n| seen = n,
        );
        h.join().unwrap();
        assert_eq!(out.end, DataEnd::Clean, "{out:?}");
        assert_eq!(out.bytes, body.len() as u64);
        assert_eq!(seen, body.len() as u64);
        assert!(sink == body);
    }

    #[test]
    fn a_read_takes_every_record_already_received() {
        let (cc, sc) = configs();
        let (addr, h) = server(move |mut tcp| {
            let mut conn = server_tls(sc, &mut tcp);
            // 64 records of 1 KiB, each flushed on its own.
            for i in 0..64u8 {
                conn.writer().write_all(&[i; 1024]).unwrap();
                flush(&mut conn, &mut tcp);
            }
            std::thread::sleep(Duration::from_millis(500));
        });
        let mut s = client(addr, &cc);
        std::thread::sleep(Duration::from_millis(200));
        let mut buf = std::vec![0u8; 256 * 1024];
        let got = s.read(&mut buf, Deadline::after(IDLE)).unwrap();
        assert_eq!(got, Received::Data(64 * 1024), "one read, every record");
        assert!((0..64usize).all(|i| buf[i * 1024..(i + 1) * 1024].iter().all(|b| *b == i as u8)));
        h.join().unwrap();
    }

    #[test]
    fn download_ending_without_close_notify_is_truncated() {
        let (cc, sc) = configs();
        let (addr, h) = server(move |mut tcp| {
            let mut conn = server_tls(sc, &mut tcp);
            server_send(&mut conn, &mut tcp, &file(100_000));
            // FIN without close_notify: a truncation attack looks exactly like this.
            tcp.shutdown(std::net::Shutdown::Both).unwrap();
        });
        let mut sink = Vec::new();
        let mut buf = std::vec![0u8; 256 * 1024];
        let out = download(client(addr, &cc), &mut sink, &mut buf, IDLE);
        h.join().unwrap();
        assert_eq!(out.end, DataEnd::Truncated);
        assert_eq!(out.bytes, 100_000);
        assert!(out.cause.is_some());
    }

    #[test]
    fn upload_sends_close_notify_and_waits_for_the_servers_end() {
        let (cc, sc) = configs();
        let body = file(5 * 1024 * 1024 + 3);
        let (addr, h) = server(move |mut tcp| {
            let mut conn = server_tls(sc, &mut tcp);
            // Read slowly, as a server writing to disk does: the client must not reset the
            // connection under bytes the server has not read yet.
            std::thread::sleep(Duration::from_millis(200));
            let got = server_read_all(&mut conn, &mut tcp);
            conn.send_close_notify();
            flush(&mut conn, &mut tcp);
            // The client closes only after our close_notify: a FIN here, not a reset.
            let mut rest = [0u8; 64];
            let after = tcp.read(&mut rest).map_err(|e| e.kind());
            (got, after)
        });
        let mut buf = std::vec![0u8; 256 * 1024];
        let out = upload(client(addr, &cc), &mut &body[..], &mut buf, IDLE);
        let (got, after) = h.join().unwrap();
        assert_eq!(out.end, DataEnd::Clean, "{out:?}");
        assert!(
            out.cause.is_none(),
            "the server's close_notify was seen: {out:?}"
        );
        assert_eq!(out.bytes, body.len() as u64);
        let got = got.expect("the server saw our close_notify");
        assert!(got == body, "the server received the whole file");
        assert_eq!(after, Ok(0), "the client closed with a FIN, not a reset");
    }

    /// The negative control of the test above: a client that closes right after its
    /// close_notify (as curl and lftp do) leaves the server's TLS 1.3 tickets unread, its
    /// kernel answers with a reset, and the server sees the connection reset, possibly
    /// before it has read the whole file (vsftpd's `426 Failure reading network stream`).
    #[test]
    fn a_naive_close_after_close_notify_resets_the_connection() {
        let (cc, sc) = configs();
        let body = file(2 * 1024 * 1024);
        let (addr, h) = server(move |mut tcp| {
            let mut conn = server_tls(sc, &mut tcp);
            std::thread::sleep(Duration::from_millis(200));
            let got = server_read_all(&mut conn, &mut tcp);
            conn.send_close_notify();
            let wrote = conn.write_tls(&mut tcp).map(|_| ()).map_err(|e| e.kind());
            let mut rest = [0u8; 64];
            let after = tcp.read(&mut rest).map(|_| ()).map_err(|e| e.kind());
            (got.map(|g| g.len()), wrote, after)
        });
        let mut tcp = TcpStream::connect(addr).unwrap();
        let mut c =
            rustls::ClientConnection::new(cc, ServerName::try_from("localhost").unwrap()).unwrap();
        while c.is_handshaking() {
            c.complete_io(&mut tcp).unwrap();
        }
        for chunk in body.chunks(16 * 1024) {
            c.writer().write_all(chunk).unwrap();
            flush(&mut c, &mut tcp);
        }
        c.send_close_notify();
        flush(&mut c, &mut tcp);
        // Give the tickets time to land in our receive buffer, then close without reading.
        std::thread::sleep(Duration::from_millis(50));
        drop(tcp);
        let (got, wrote, after) = h.join().unwrap();
        let reset = |r: &Result<(), io::ErrorKind>| {
            matches!(
                r,
                Err(io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe)
            )
        };
        assert!(
            got.is_err() || reset(&wrote) || reset(&after),
            "the server should have seen a reset: {got:?} {wrote:?} {after:?}"
        );
    }

    #[test]
    fn upload_whose_source_fails_ends_without_close_notify() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(b'x');
                self.0 -= n;
                Ok(n)
            }
        }
        let (cc, sc) = configs();
        let (addr, h) = server(move |mut tcp| {
            let mut conn = server_tls(sc, &mut tcp);
            server_read_all(&mut conn, &mut tcp)
        });
        let mut buf = std::vec![0u8; 256 * 1024];
        let out = upload(client(addr, &cc), &mut Failing(300_000), &mut buf, IDLE);
        let got = h.join().unwrap();
        assert_eq!(out.end, DataEnd::Failed);
        assert_eq!(out.local.unwrap().to_string(), "disk on fire");
        let partial = got.expect_err("no close_notify: the server can tell the file is partial");
        // Dropping the socket with unread TLS 1.3 tickets in it resets the connection, so the
        // server may not even see all that was sent; never more.
        assert!(partial.len() <= 300_000);
    }

    #[test]
    fn a_silent_server_fails_the_transfer_at_the_idle_timeout() {
        let (cc, sc) = configs();
        let (addr, h) = server(move |mut tcp| {
            let _conn = server_tls(sc, &mut tcp);
            std::thread::sleep(Duration::from_millis(800));
        });
        let mut sink = Vec::new();
        let mut buf = std::vec![0u8; 1024];
        let started = std::time::Instant::now();
        let out = download(
            client(addr, &cc),
            &mut sink,
            &mut buf,
            Some(Duration::from_millis(200)),
        );
        assert!(started.elapsed() < Duration::from_millis(700));
        assert_eq!(out.end, DataEnd::Failed);
        assert_eq!(out.cause.unwrap().kind(), io::ErrorKind::TimedOut);
        h.join().unwrap();
    }

    #[test]
    fn clear_download_ends_cleanly_at_eof_and_clear_upload_at_the_servers_fin() {
        let (addr, h) = server(|mut tcp| tcp.write_all(b"clear bytes").unwrap());
        let tcp = connect(addr, Deadline::NEVER).unwrap();
        let mut sink = Vec::new();
        let mut buf = std::vec![0u8; 4];
        let out = download(Stream::new(tcp, 4096), &mut sink, &mut buf, IDLE);
        h.join().unwrap();
        assert_eq!((out.end, &sink[..]), (DataEnd::Clean, &b"clear bytes"[..]));

        let (addr, h) = server(|mut tcp| {
            let mut got = Vec::new();
            tcp.read_to_end(&mut got).unwrap();
            got
        });
        let tcp = connect(addr, Deadline::NEVER).unwrap();
        let out = upload(Stream::new(tcp, 4096), &mut &b"up"[..], &mut buf, IDLE);
        assert_eq!(h.join().unwrap(), b"up");
        assert_eq!(out.end, DataEnd::Clean);
        assert!(out.cause.is_none());
    }

    #[test]
    fn start_tls_refuses_clear_bytes_already_buffered() {
        let (cc, _sc) = configs();
        let (addr, h) = server(|mut tcp| {
            // A reply and, glued behind it, bytes an attacker injected in clear.
            tcp.write_all(b"234 go\r\n\x16\x03\x01 injected").unwrap();
            std::thread::sleep(Duration::from_millis(200));
        });
        let tcp = connect(addr, Deadline::NEVER).unwrap();
        let mut s = Stream::new(tcp, 4096);
        std::thread::sleep(Duration::from_millis(50));
        let mut line = [0u8; 8];
        assert_eq!(
            s.read(&mut line, Deadline::NEVER).unwrap(),
            Received::Data(8)
        );
        let err = s
            .start_tls(
                cc,
                ServerName::try_from("localhost").unwrap(),
                0,
                Deadline::NEVER,
            )
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(!s.is_tls());
        h.join().unwrap();
    }

    #[test]
    fn accept_refuses_strangers_and_times_out() {
        let listener = listen("127.0.0.1".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        // The expected server is 127.0.0.2: our own connection from 127.0.0.1 is a stranger.
        let stranger = std::thread::spawn(move || TcpStream::connect(addr).map(|_| ()));
        let r = accept(
            &listener,
            "127.0.0.2".parse().unwrap(),
            Deadline::after(Some(Duration::from_millis(150))),
        );
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::TimedOut);
        stranger.join().unwrap().unwrap();
        let ok = std::thread::spawn(move || TcpStream::connect(addr).map(|_| ()));
        let r = accept(
            &listener,
            "127.0.0.1".parse().unwrap(),
            Deadline::after(Some(Duration::from_secs(5))),
        );
        assert!(r.is_ok());
        ok.join().unwrap().unwrap();
    }
}

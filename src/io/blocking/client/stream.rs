//! [`Stream`]: one TCP connection of the client (control or data), in clear or under TLS
//! (rustls 0.23's buffered `ClientConnection`), with a deadline on every blocking call.
//!
//! Owns the socket, the TLS session on it, and the exact shapes of the TLS start and end:
//! the handshake, close_notify, and how an end of stream is classified
//! ([`DataEnd::Clean`] only after a close_notify under TLS). Must not interpret the bytes it
//! carries (FTP replies and file contents are the machine's and the caller's business).
//!
//! Reads go through a `BufReader` so that one `read(2)` feeds many TLS records to rustls
//! (rustls itself asks for at most a few kilobytes per call); writes are encrypted into
//! rustls's buffer and written out with vectored writes.

use std::io::{self, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::prelude::rust_2021::*;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, HandshakeKind};

use super::clock::{socket_error, Deadline};
use crate::types::DataEnd;

/// What one [`Stream::read`] produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Received {
    /// This many plaintext bytes were put at the start of the buffer.
    Data(usize),
    /// The peer ended its side of the stream; how cleanly.
    End(DataEnd),
}

/// How the peer confirmed the end of an upload (see [`Stream::await_peer_end`]).
#[derive(Debug)]
pub(crate) enum Confirmation {
    /// It answered with close_notify (under TLS) or closed its side (in clear).
    Confirmed,
    /// Our side ended properly but the peer's did not follow cleanly (EOF without
    /// close_notify, reset, or the deadline passed first).
    Unconfirmed(io::Error),
}

/// A TCP connection, in clear or under TLS.
#[derive(Debug)]
pub(crate) struct Stream {
    tcp: BufReader<TcpStream>,
    tls: Option<Box<ClientConnection>>,
}

fn tls_error(e: rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

impl Stream {
    /// Wraps a connected socket; reads are buffered `read_buffer` bytes at a time.
    pub(crate) fn new(tcp: TcpStream, read_buffer: usize) -> Stream {
        // Commands and the last segment of a file should not wait for Nagle's algorithm.
        let _ = tcp.set_nodelay(true);
        Stream {
            tcp: BufReader::with_capacity(read_buffer, tcp),
            tls: None,
        }
    }

    /// True while TLS is on.
    #[cfg(test)]
    pub(crate) fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Whether the TLS handshake resumed an earlier session (`None` in clear or before the
    /// handshake finished).
    pub(crate) fn resumed(&self) -> Option<bool> {
        self.tls
            .as_ref()
            .and_then(|t| t.handshake_kind())
            .map(|k| k == HandshakeKind::Resumed)
    }

    /// The negotiated TLS version, for diagnostics.
    pub(crate) fn tls_version(&self) -> Option<rustls::ProtocolVersion> {
        self.tls.as_ref().and_then(|t| t.protocol_version())
    }

    /// Runs a TLS handshake as the client. `send_buffer` bounds the encrypted bytes rustls
    /// may queue (big for data connections, so one large write becomes one `writev`).
    ///
    /// Refuses to start if bytes received in clear are still buffered: they arrived behind
    /// the reply that started TLS and must never be read as if they had been protected
    /// (RFC 4217 §4; the machine has already been shown every byte read so far).
    pub(crate) fn start_tls(
        &mut self,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
        send_buffer: usize,
        deadline: Deadline,
    ) -> io::Result<()> {
        if self.tls.is_some() {
            return Err(io::Error::other("TLS is already on"));
        }
        if !self.tcp.buffer().is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "bytes received in clear are pending at the start of TLS",
            ));
        }
        let mut tls = Box::new(ClientConnection::new(config, name).map_err(tls_error)?);
        tls.set_buffer_limit(Some(send_buffer.max(64 * 1024)));
        loop {
            flush_tls(&mut tls, self.tcp.get_mut(), deadline)?;
            if !tls.is_handshaking() {
                break;
            }
            deadline.apply(self.tcp.get_ref())?;
            let n = match tls.read_tls(&mut self.tcp) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(socket_error(e)),
            };
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed during the TLS handshake",
                ));
            }
            if let Err(e) = tls.process_new_packets() {
                // Send the alert that describes the failure, then fail.
                let _ = flush_tls(&mut tls, self.tcp.get_mut(), deadline);
                return Err(tls_error(e));
            }
        }
        self.tls = Some(tls);
        Ok(())
    }

    /// Reads what is available (at least one byte, or the end) into `buf`.
    pub(crate) fn read(&mut self, buf: &mut [u8], deadline: Deadline) -> io::Result<Received> {
        if buf.is_empty() {
            return Ok(Received::Data(0));
        }
        let Some(tls) = self.tls.as_mut() else {
            loop {
                deadline.apply(self.tcp.get_ref())?;
                return match self.tcp.read(buf) {
                    Ok(0) => Ok(Received::End(DataEnd::Clean)),
                    Ok(n) => Ok(Received::Data(n)),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(socket_error(e)),
                };
            }
        };
        // Fill as much of `buf` as the bytes already received allow (one `read(2)` into the
        // BufReader holds many records), blocking only while nothing has been read.
        let mut filled = 0;
        loop {
            match tls.reader().read(&mut buf[filled..]) {
                // Ok(0) from rustls's reader: the peer's close_notify, everything before it
                // read. Data read in this call goes first; the end is reported next call.
                Ok(0) if filled > 0 => return Ok(Received::Data(filled)),
                Ok(0) => return Ok(Received::End(DataEnd::Clean)),
                Ok(n) => {
                    filled += n;
                    if filled == buf.len() {
                        return Ok(Received::Data(filled));
                    }
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if filled > 0 && self.tcp.buffer().is_empty() {
                        return Ok(Received::Data(filled));
                    }
                }
                Err(_) if filled > 0 => return Ok(Received::Data(filled)),
                // TCP EOF without close_notify: possibly truncated (RFC 4217 §10).
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(Received::End(DataEnd::Truncated))
                }
                Err(e) => return Err(e),
            }
            if self.tcp.buffer().is_empty() {
                // The next read_tls reaches the socket: bound it.
                deadline.apply(self.tcp.get_ref())?;
            }
            match tls.read_tls(&mut self.tcp) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(socket_error(e)),
            }
            if let Err(e) = tls.process_new_packets() {
                let _ = flush_tls(tls, self.tcp.get_mut(), deadline);
                return Err(tls_error(e));
            }
            // Key updates and similar want an answer.
            if tls.wants_write() {
                flush_tls(tls, self.tcp.get_mut(), deadline)?;
            }
        }
    }

    /// Writes every byte (encrypted under TLS) before the deadline.
    pub(crate) fn write_all(&mut self, data: &[u8], deadline: Deadline) -> io::Result<()> {
        let Some(tls) = self.tls.as_mut() else {
            // One deadline for all of `data`: a socket timeout bounds one write(2) only, and
            // a peer that takes a few bytes a second would renew it forever.
            let mut rest = data;
            while !rest.is_empty() {
                deadline.apply(self.tcp.get_ref())?;
                match self.tcp.get_mut().write(rest) {
                    Ok(0) => {
                        return Err(io::Error::new(
                            io::ErrorKind::WriteZero,
                            "connection closed while writing",
                        ))
                    }
                    Ok(n) => rest = rest.get(n..).unwrap_or_default(),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(socket_error(e)),
                }
            }
            return Ok(());
        };
        let mut written = 0;
        while written < data.len() {
            let n = tls.writer().write(&data[written..])?;
            written += n;
            if n == 0 && !tls.wants_write() {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "TLS session refuses more data",
                ));
            }
            flush_tls(tls, self.tcp.get_mut(), deadline)?;
        }
        Ok(())
    }

    /// Ends TLS and carries on in clear on the same TCP connection (after `CCC`, RFC 4217
    /// §12): sends close_notify and waits for the peer's.
    ///
    /// Limitation: plaintext the peer sends right behind its close_notify, in the same
    /// segment, may be swallowed by rustls; FTP servers send nothing until the next command.
    pub(crate) fn end_tls(&mut self, deadline: Deadline) -> io::Result<()> {
        let Some(tls) = self.tls.as_mut() else {
            return Ok(());
        };
        tls.send_close_notify();
        flush_tls(tls, self.tcp.get_mut(), deadline)?;
        let mut scratch = [0u8; 512];
        match self.read(&mut scratch, deadline)? {
            Received::End(DataEnd::Clean) => {}
            Received::Data(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "protected data after the clear command channel exchange",
                ))
            }
            Received::End(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed instead of TLS close_notify",
                ))
            }
        }
        self.tls = None;
        Ok(())
    }

    /// Ends an upload properly: close_notify (under TLS), a TCP half-close, then reads until
    /// the peer's close_notify or EOF before the caller closes the socket.
    ///
    /// Closing right after close_notify is how clients lose uploads: bytes the server sent
    /// and we never read (TLS 1.3 session tickets on the data connection, the server's own
    /// close_notify) make our kernel answer with a reset, and the server can lose the tail
    /// of the file it had not read yet (vsftpd: `426 Failure reading network stream`).
    ///
    /// This is the first half, our end: close_notify (under TLS), then a TCP half-close.
    /// The second is [`Stream::await_peer_end`].
    pub(crate) fn end_sending(&mut self, deadline: Deadline) -> io::Result<()> {
        if let Some(tls) = self.tls.as_mut() {
            tls.send_close_notify();
            flush_tls(tls, self.tcp.get_mut(), deadline)?;
        }
        self.tcp
            .get_ref()
            .shutdown(Shutdown::Write)
            .map_err(socket_error)
    }

    /// After [`Stream::end_sending`]: reads (and discards) until the peer's end. A
    /// `TimedOut` in the [`Confirmation`] can be waited on again with a new deadline.
    pub(crate) fn await_peer_end(&mut self, deadline: Deadline) -> Confirmation {
        let mut scratch = [0u8; 4096];
        loop {
            match self.read(&mut scratch, deadline) {
                // Anything the server sends on an upload connection is not ours to keep.
                Ok(Received::Data(_)) => continue,
                Ok(Received::End(DataEnd::Clean)) => return Confirmation::Confirmed,
                Ok(Received::End(end)) => {
                    return Confirmation::Unconfirmed(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        std::format!("peer ended the upload connection as {end:?}"),
                    ))
                }
                Err(e) => return Confirmation::Unconfirmed(e),
            }
        }
    }

    /// After the peer ended a download with close_notify: answers with ours (best effort;
    /// the peer may already have closed) and closes.
    pub(crate) fn close_after_peer(mut self, deadline: Deadline) {
        if let Some(tls) = self.tls.as_mut() {
            tls.send_close_notify();
            let _ = flush_tls(tls, self.tcp.get_mut(), deadline);
        }
        let _ = self.tcp.get_ref().shutdown(Shutdown::Both);
    }
}

/// Writes everything rustls has queued.
fn flush_tls(
    tls: &mut ClientConnection,
    tcp: &mut TcpStream,
    deadline: Deadline,
) -> io::Result<()> {
    while tls.wants_write() {
        deadline.apply(tcp)?;
        match tls.write_tls(tcp) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "connection closed while writing",
                ))
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(socket_error(e)),
        }
    }
    Ok(())
}

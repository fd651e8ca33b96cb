//! The tokio data connection's socket wrapper that can hold back the TLS 1.3 session tickets
//! of an upload until the upload's end (the blocking adapter does the same in
//! `DataStream::tls_accept_notifying`).
//!
//! Why: a client that sends its transfer command before the data handshake and then only
//! writes (lftp with GnuTLS) never reads the tickets; left unread, they turn its close into a
//! TCP reset that can cut the upload (`426`). Held here, they go out with the server's
//! close_notify, after the client's: a client that reads to the server's end (this crate's)
//! gets them, one that has closed loses nothing.
//!
//! Owns only the held bytes. It does not parse TLS: tokio-rustls writes the tickets in the
//! accept future after reading the client's Finished, so while the handshake runs, writes
//! that follow a read (after a first write) are held, and released as soon as the handshake
//! wants to read again (a HelloRetryRequest round, TLS 1.2's longer exchange). After the
//! handshake, [`Cork::accepted`] either keeps them (TLS 1.3) or lets them go.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::vec::Vec;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// See the module docs.
#[derive(Debug)]
pub(super) struct Cork<T> {
    inner: T,
    /// Hold the tickets (an upload whose command came first).
    enabled: bool,
    /// The handshake is over.
    accepted: bool,
    /// A write has reached `inner` during the handshake.
    wrote: bool,
    /// Writes are held.
    corked: bool,
    held: Vec<u8>,
}

impl<T> Cork<T> {
    /// `enabled`: hold the tickets of this connection's handshake.
    pub(super) fn new(inner: T, enabled: bool) -> Self {
        Cork {
            inner,
            enabled,
            accepted: false,
            wrote: false,
            corked: false,
            held: Vec::new(),
        }
    }

    /// The handshake is over: nothing more is held, and what was held goes out before the
    /// next write, flush or shutdown (flush at once unless the connection is TLS 1.3).
    pub(super) fn accepted(&mut self) {
        self.accepted = true;
        self.corked = false;
    }

    /// Whether bytes are held.
    pub(super) fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    /// The wrapped stream.
    pub(super) fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncWrite + Unpin> Cork<T> {
    fn poll_release(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.held.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.held))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.held.drain(..n);
        }
        self.corked = false;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Cork<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.accepted && this.holding() {
            // The handshake needs the peer again: what was held was not the tickets.
            ready!(this.poll_release(cx))?;
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if this.enabled && !this.accepted && this.wrote && buf.filled().len() > before {
            this.corked = true;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Cork<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.corked && !this.accepted {
            this.held.extend_from_slice(data);
            return Poll::Ready(Ok(data.len()));
        }
        ready!(this.poll_release(cx))?;
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, data))?;
        if n > 0 {
            this.wrote = true;
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.corked && !this.accepted {
            return Poll::Ready(Ok(()));
        }
        ready!(this.poll_release(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_release(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

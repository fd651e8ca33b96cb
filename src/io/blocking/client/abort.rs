//! [`AbortHandle`]: lets another thread stop the transfer a [`super::BlockingClient`] is
//! running (RFC 959 §4.1.3 ABOR).
//!
//! Owns only the shared flag. Must not touch sockets: the transfer loops read the flag
//! between buffers and the client machine decides how the abort goes on the wire.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Stops the running transfer of the [`super::BlockingClient`] it came from, from any
/// thread (a Ctrl-C handler, a UI). The data connection is dropped without close_notify
/// (so the server cannot take a partial upload for a complete one), `ABOR` is sent, and
/// the transfer call returns an error with
/// [`Failure::Aborted`](crate::client::Failure::Aborted); the session stays usable.
///
/// The flag is looked at between data buffers (and at least every 250 ms while a download
/// waits for bytes). It is cleared when the next request starts, so an abort while no
/// transfer runs has no effect.
#[derive(Clone, Debug, Default)]
pub struct AbortHandle(Arc<AtomicBool>);

impl AbortHandle {
    /// Asks the running transfer to stop.
    pub fn abort(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn clear(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let a = AbortHandle::default();
        let b = a.clone();
        assert!(!a.is_set());
        b.abort();
        assert!(a.is_set());
        a.clear();
        assert!(!b.is_set());
    }
}

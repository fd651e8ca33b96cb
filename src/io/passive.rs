//! A session's passive listener, shared between the session (which closes it) and the data
//! worker (which accepts on it), so that closing is immediate: when a new `PASV`/`EPSV`
//! replaces it or the session ends, the session takes the listener out and drops it, and the
//! port is free before the next reply goes out (no listener left waiting in accept).
//!
//! Owns only the slot; accepting, and whom to accept, is the adapters' data code.

use std::sync::{Arc, Mutex};

/// The slot holding one passive listener (`L`: a std or a tokio listener).
#[derive(Debug)]
pub(crate) struct PassiveSlot<L>(Arc<Mutex<Option<L>>>);

impl<L> Clone for PassiveSlot<L> {
    fn clone(&self) -> Self {
        PassiveSlot(self.0.clone())
    }
}

impl<L> PassiveSlot<L> {
    /// A slot holding `listener`.
    pub(crate) fn new(listener: L) -> Self {
        PassiveSlot(Arc::new(Mutex::new(Some(listener))))
    }

    /// Closes the listener now (if still open).
    pub(crate) fn close(&self) {
        let taken = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(taken);
    }

    /// Runs `f` on the listener while it is open (`None` once closed). Holds the lock while
    /// `f` runs: `f` must not block.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&L) -> R) -> Option<R> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().map(f)
    }
}

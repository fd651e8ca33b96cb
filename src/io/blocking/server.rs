//! Blocking server adapter (in progress).

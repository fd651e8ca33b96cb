//! Blocking client adapter (in progress).

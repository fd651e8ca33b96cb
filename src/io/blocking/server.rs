//! The blocking server adapter: std sockets + rustls, a thread per session, a thread per
//! data connection. It performs the actions the server session machine emits and reports
//! what happened; every protocol decision is the machine's.

pub mod data;

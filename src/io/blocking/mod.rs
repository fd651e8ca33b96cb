//! The blocking adapter: std `TcpStream` + rustls 0.23's buffered connection API, one thread
//! per session. It performs the actions a state machine emits and reports what happened; it
//! makes no protocol decision.

pub mod client;
pub mod server;

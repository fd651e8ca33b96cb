//! The blocking server adapter end to end on loopback: the shared session transcripts of
//! `tests/server_io_support` run against `io::blocking::server::Server`.
#![cfg(feature = "rustls")]

#[macro_use]
mod server_io_support;

use ftps_proto::io::blocking::server::{Server, ServerOptions};
use server_io_support::{Adapter, Launched};

/// The blocking server, run on a thread of its own.
struct Blocking;

impl Adapter for Blocking {
    const NAME: &'static str = "blocking";

    fn launch(options: ServerOptions) -> Launched {
        let server = Server::bind(options).unwrap();
        let explicit = server.explicit_addr();
        let implicit = server.implicit_addr();
        let stop = server.stop_handle();
        let thread = std::thread::spawn(move || server.run().unwrap());
        Launched {
            explicit,
            implicit,
            stop: Box::new(move || stop.stop()),
            thread,
        }
    }
}

server_io_session_tests!(Blocking);
server_io_storage_tests!(Blocking);

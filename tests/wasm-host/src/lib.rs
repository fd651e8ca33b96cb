//! A WebAssembly host for the sans-IO core: the codec and the client machine compiled for
//! `wasm32-unknown-unknown`, driven from JavaScript (`run.mjs`) through a handful of exported
//! functions and one shared byte buffer. It proves that the core needs nothing from the host:
//! no clock, no socket, no allocator or panic hook imported from `env`.
//!
//! The ABI: JavaScript writes inputs into the buffer at [`io_buffer`] (capacity
//! [`io_capacity`]) and calls a function with the length; outputs come back as text written
//! into the same buffer, the function returning its length. Time is always passed in, in
//! milliseconds. Owns only this glue; the protocol is entirely the crate's.
//!
//! There is no `unsafe` block here: the buffer is a fixed-size, initialised array inside a
//! `Mutex`, and JavaScript reaches it through the address [`io_buffer`] returns. `#[no_mangle]`
//! (needed to export the functions by name) is the only attribute the main crate forbids.

use std::fmt::Write as _;
use std::sync::Mutex;

use ftps_proto::client::{
    Client, Config, DataAddress, Event, Failure, Login, Output, Response, Security,
};
use ftps_proto::codec::decode_reply;
use ftps_proto::types::{Channel, DataEnd, Instant, Password, Pathname, Username};

/// The size of the shared buffer.
const CAPACITY: usize = 64 * 1024;

struct Host {
    buffer: [u8; CAPACITY],
    client: Option<Client>,
}

static HOST: Mutex<Host> = Mutex::new(Host {
    buffer: [0; CAPACITY],
    client: None,
});

fn host() -> std::sync::MutexGuard<'static, Host> {
    // Single-threaded host; a poisoned lock can only follow a panic, which aborts anyway.
    HOST.lock().unwrap_or_else(|e| e.into_inner())
}

fn input(h: &Host, len: u32) -> &[u8] {
    &h.buffer[..(len as usize).min(CAPACITY)]
}

fn write_out(h: &mut Host, text: &str) -> u32 {
    let n = text.len().min(CAPACITY);
    h.buffer[..n].copy_from_slice(&text.as_bytes()[..n]);
    n as u32
}

/// The address of the shared buffer in linear memory.
#[no_mangle]
pub extern "C" fn io_buffer() -> *mut u8 {
    host().buffer.as_mut_ptr()
}

/// The size of the shared buffer.
#[no_mangle]
pub extern "C" fn io_capacity() -> u32 {
    CAPACITY as u32
}

/// Decodes one reply from the first `len` bytes of the buffer: its code, or -1 if the bytes are
/// not a complete, valid reply.
#[no_mangle]
pub extern "C" fn decode_reply_code(len: u32) -> i32 {
    let h = host();
    match decode_reply(input(&h, len)) {
        Ok((_, reply)) => i32::from(reply.code().value()),
        Err(_) => -1,
    }
}

/// A new client at `now_ms`: security 0 plain, 1 explicit required (default), 2 explicit
/// opportunistic, 3 implicit; default PROT P, passive mode with EPSV.
#[no_mangle]
pub extern "C" fn client_new(security: u32, now_ms: u64) {
    let security = match security {
        0 => Security::Plain,
        2 => Security::ExplicitOpportunistic,
        3 => Security::Implicit,
        _ => Security::ExplicitRequired,
    };
    let client = Client::new(
        Config::default().with_security(security),
        Instant::from_millis(now_ms),
    );
    host().client = Some(client);
}

/// Control-channel bytes from the server: the first `len` bytes of the buffer.
#[no_mangle]
pub extern "C" fn client_input(len: u32, now_ms: u64) {
    let mut h = host();
    let bytes = input(&h, len).to_vec();
    if let Some(c) = h.client.as_mut() {
        c.handle_input(&bytes, Instant::from_millis(now_ms));
    }
}

fn channel(c: u32) -> Channel {
    if c == 0 {
        Channel::Control
    } else {
        Channel::Data
    }
}

/// A TLS handshake finished: channel 0 control, 1 data.
#[no_mangle]
pub extern "C" fn client_tls_ready(ch: u32, now_ms: u64) {
    if let Some(c) = host().client.as_mut() {
        c.handle_tls_ready(channel(ch), Instant::from_millis(now_ms));
    }
}

/// The data connection is up.
#[no_mangle]
pub extern "C" fn client_data_connected(now_ms: u64) {
    if let Some(c) = host().client.as_mut() {
        c.handle_data_connected(Instant::from_millis(now_ms));
    }
}

/// The data connection ended: 0 clean (close_notify), 1 truncated, 2 failed.
#[no_mangle]
pub extern "C" fn client_data_ended(end: u32, now_ms: u64) {
    let end = match end {
        0 => DataEnd::Clean,
        1 => DataEnd::Truncated,
        _ => DataEnd::Failed,
    };
    if let Some(c) = host().client.as_mut() {
        c.handle_data_ended(end, Instant::from_millis(now_ms));
    }
}

/// Deadlines reached.
#[no_mangle]
pub extern "C" fn client_timeout(now_ms: u64) {
    if let Some(c) = host().client.as_mut() {
        c.handle_timeout(Instant::from_millis(now_ms));
    }
}

/// Login with a user name and password written in the buffer as `user NUL password` (`len`
/// bytes). Returns the request number, or -1 for a local error (bad name, busy...).
#[no_mangle]
pub extern "C" fn client_login(len: u32, now_ms: u64) -> i64 {
    let mut h = host();
    let bytes = input(&h, len).to_vec();
    let Some(split) = bytes.iter().position(|b| *b == 0) else {
        return -1;
    };
    let (Ok(user), Ok(password)) = (
        Username::try_from(bytes[..split].to_vec()),
        Password::try_from(bytes[split + 1..].to_vec()),
    ) else {
        return -1;
    };
    match h.client.as_mut() {
        Some(c) => c
            .login(Login::new(user, password), Instant::from_millis(now_ms))
            .map_or(-1, |id| id.value() as i64),
        None => -1,
    }
}

/// `RETR` of the path in the first `len` bytes. Returns the request number or -1.
#[no_mangle]
pub extern "C" fn client_retrieve(len: u32, now_ms: u64) -> i64 {
    let mut h = host();
    let Ok(path) = Pathname::try_from(input(&h, len).to_vec()) else {
        return -1;
    };
    match h.client.as_mut() {
        Some(c) => c
            .retrieve(path, 0, Instant::from_millis(now_ms))
            .map_or(-1, |id| id.value() as i64),
        None => -1,
    }
}

/// `QUIT`. Returns the request number or -1.
#[no_mangle]
pub extern "C" fn client_quit(now_ms: u64) -> i64 {
    match host().client.as_mut() {
        Some(c) => c
            .quit(Instant::from_millis(now_ms))
            .map_or(-1, |id| id.value() as i64),
        None => -1,
    }
}

/// The next output, written into the buffer as one line of text; returns its length.
///
/// `send <line without CRLF>` (a `PASS` shows `send PASS <redacted>`), `starttls
/// control|data resume=<bool>`, `endtls`, `opendata #<id> peer:<port>` or `opendata #<id>
/// <addr>`, `listendata #<id>`, `acceptdata #<id>`, `closedata`, `close`, `connected
/// tls=<bool>`, `transfer-started #<id>`, `completed #<id> ok <what>` / `completed #<id> err
/// <why>`, `closed <reason>`, `event <debug>`, `timeout <ms>`, `idle`.
#[no_mangle]
pub extern "C" fn client_poll() -> u32 {
    let mut h = host();
    let Some(c) = h.client.as_mut() else {
        return write_out(&mut h, "idle");
    };
    let mut s = String::new();
    match c.poll_output() {
        Output::Send(bytes) => {
            let line = String::from_utf8_lossy(&bytes);
            let line = line.trim_end_matches("\r\n");
            if line.len() >= 4 && line[..4].eq_ignore_ascii_case("PASS") {
                s.push_str("send PASS <redacted>");
            } else {
                let _ = write!(s, "send {line}");
            }
        }
        Output::StartTls {
            channel,
            resume_session,
            ..
        } => {
            let ch = if channel == Channel::Control {
                "control"
            } else {
                "data"
            };
            let _ = write!(s, "starttls {ch} resume={resume_session}");
        }
        Output::EndTls { .. } => s.push_str("endtls"),
        Output::OpenData { request, address } => match address {
            DataAddress::ControlPeer { port } => {
                let _ = write!(s, "opendata {request} peer:{port}");
            }
            other => {
                let _ = write!(s, "opendata {request} {other:?}");
            }
        },
        Output::ListenData { request } => {
            let _ = write!(s, "listendata {request}");
        }
        Output::AcceptData { request } => {
            let _ = write!(s, "acceptdata {request}");
        }
        Output::CloseData => s.push_str("closedata"),
        Output::Close => s.push_str("close"),
        Output::Event(Event::Connected { tls, .. }) => {
            let _ = write!(s, "connected tls={tls}");
        }
        Output::Event(Event::TransferStarted { request, .. }) => {
            let _ = write!(s, "transfer-started {request}");
        }
        Output::Event(Event::Completed { request, result }) => match result {
            Ok(Response::Transferred { reply, .. }) => {
                let _ = write!(
                    s,
                    "completed {request} ok transferred {}",
                    reply.code().value()
                );
            }
            Ok(Response::LoggedIn { .. }) => {
                let _ = write!(s, "completed {request} ok logged-in");
            }
            Ok(other) => {
                let _ = write!(s, "completed {request} ok {other:?}");
            }
            Err(Failure::DataConnection { end, .. }) => {
                let _ = write!(s, "completed {request} err data-connection {end:?}");
            }
            Err(other) => {
                let _ = write!(s, "completed {request} err {other:?}");
            }
        },
        Output::Event(Event::Closed(reason)) => {
            let _ = write!(s, "closed {reason:?}");
        }
        Output::Event(other) => {
            let _ = write!(s, "event {other:?}");
        }
        Output::Timeout(t) => {
            let _ = write!(s, "timeout {}", t.as_millis());
        }
        Output::Idle => s.push_str("idle"),
        other => {
            let _ = write!(s, "other {other:?}");
        }
    }
    write_out(&mut h, &s)
}

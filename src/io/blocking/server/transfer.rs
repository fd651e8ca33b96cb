//! The data-connection thread of a session: accepts (or makes) one data connection, runs
//! its TLS handshake when the session machine asks, moves one transfer's bytes between the
//! connection and storage, and reports each step back to the session thread.
//!
//! Owns the thread and the command/notice vocabulary between it and the session thread.
//! Must not decide anything: every notice goes to the machine as an input.

use std::boxed::Box;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant as StdInstant};

use rustls::ServerConfig;

use super::data::{accept_from_slot, connect_to, DataStream, DataTls};
use crate::io::passive::PassiveSlot;

/// How the data connection comes about.
#[derive(Debug)]
pub(super) enum Setup {
    /// Passive: accept on this listener (which the session may close), only from `peer`.
    Accept {
        listener: PassiveSlot<TcpListener>,
        peer: IpAddr,
    },
    /// Active: connect to the client.
    Connect { to: SocketAddr },
}

/// What the session thread asks of the data thread.
pub(super) enum Command {
    /// Run the TLS server handshake with the session's configuration. The flag, read when
    /// the client's first TLS bytes arrive, says an upload is accepted and waits: its TLS 1.3
    /// tickets are kept for its end (see [`DataStream::tls_accept_notifying`]).
    Tls(Arc<ServerConfig>, Arc<AtomicBool>),
    /// Download: send everything this source yields.
    Send(Box<dyn Read + Send>),
    /// Upload: write what arrives into this sink.
    Receive(Box<dyn Write + Send>),
    /// Close an idle connection properly.
    Close,
}

pub(super) use crate::io::data_notice::Notice;

/// The session thread's handle on its data thread.
#[derive(Debug)]
pub(super) struct Worker {
    /// Notices carry this id; a notice from an older worker is stale.
    pub id: u64,
    commands: Sender<Command>,
    cancel: Arc<AtomicBool>,
    /// The passive listener, closed by [`Worker::close`] and [`Worker::abort`].
    passive: Option<PassiveSlot<TcpListener>>,
    socket: Arc<Mutex<Option<TcpStream>>>,
}

impl core::fmt::Debug for Command {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Command::Tls(..) => "Tls",
            Command::Send(_) => "Send",
            Command::Receive(_) => "Receive",
            Command::Close => "Close",
        })
    }
}

/// Timing bounds of a data thread.
#[derive(Clone, Copy, Debug)]
pub(super) struct Timing {
    /// How long to wait for the connection and for each step before it (handshake).
    pub connect: Duration,
    /// How long one read or write may block during a transfer.
    pub idle: Duration,
}

impl Worker {
    /// Starts the data thread. `notify` delivers `(id, notice)` to the session thread.
    pub fn spawn<F>(id: u64, setup: Setup, timing: Timing, notify: F) -> io::Result<Worker>
    where
        F: Fn(u64, Notice) -> bool + Send + 'static,
    {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let socket = Arc::new(Mutex::new(None));
        let passive = match &setup {
            Setup::Accept { listener, .. } => Some(listener.clone()),
            Setup::Connect { .. } => None,
        };
        let worker = Worker {
            id,
            commands: tx,
            cancel: cancel.clone(),
            passive,
            socket: socket.clone(),
        };
        let flags = Flags { cancel, socket };
        std::thread::Builder::new()
            .name(std::format!("ftps-data-{id}"))
            .spawn(move || run(setup, timing, rx, &flags, |n| notify(id, n)))?;
        Ok(worker)
    }

    /// Ends the data connection properly (close_notify, FIN) if it is up and idle, or stops
    /// waiting for it: the passive listener is closed before this returns.
    pub fn close(&self) {
        if let Some(p) = &self.passive {
            p.close();
        }
        self.command(Command::Close);
    }

    /// Sends a command (ignored if the thread is gone).
    pub fn command(&self, c: Command) {
        let _ = self.commands.send(c);
    }

    /// Stops at once: cancels waiting and transfers, and shuts the socket so that a blocked
    /// read or write returns (ABOR, session end).
    pub fn abort(&self) {
        self.cancel.store(true, Ordering::Relaxed);
        if let Some(p) = &self.passive {
            p.close();
        }
        if let Ok(slot) = self.socket.lock() {
            if let Some(s) = slot.as_ref() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

/// What the data thread shares with its [`Worker`].
struct Flags {
    cancel: Arc<AtomicBool>,
    socket: Arc<Mutex<Option<TcpStream>>>,
}

fn run(
    setup: Setup,
    timing: Timing,
    commands: Receiver<Command>,
    flags: &Flags,
    notify: impl Fn(Notice) -> bool,
) {
    let (cancel, socket) = (&*flags.cancel, &*flags.socket);
    let deadline = StdInstant::now() + timing.connect;
    let tcp = match setup {
        Setup::Accept { listener, peer } => {
            let accepted = accept_from_slot(&listener, peer, deadline, cancel);
            // One connection per listener: it closes now, accepted or not.
            listener.close();
            match accepted {
                Ok(s) => s,
                // The session machine keeps its own deadline for a passive connection.
                Err(_) => return,
            }
        }
        Setup::Connect { to } => match connect_to(to, deadline) {
            Ok(s) => s,
            Err(_) => {
                notify(Notice::ConnectFailed);
                return;
            }
        },
    };
    if let (Ok(mut slot), Ok(clone)) = (socket.lock(), tcp.try_clone()) {
        *slot = Some(clone);
    }
    if cancel.load(Ordering::Relaxed) || !notify(Notice::Connected) {
        let _ = tcp.shutdown(Shutdown::Both);
        return;
    }
    let mut stream = DataStream::Clear(tcp);
    loop {
        let Ok(command) = commands.recv() else {
            // The session went away.
            stream.abort();
            return;
        };
        match command {
            Command::Tls(config, defer_tickets) => {
                let DataStream::Clear(tcp) = stream else {
                    notify(Notice::TlsFailed);
                    return;
                };
                let tls = DataTls {
                    config,
                    // The machine decides about resumption from what is reported.
                    require_resumption: false,
                };
                let deadline = StdInstant::now() + timing.connect;
                let started = || {
                    notify(Notice::TlsStarted);
                    defer_tickets.load(Ordering::SeqCst)
                };
                match DataStream::tls_accept_notifying(tcp, &tls, deadline, started) {
                    Ok(s) => {
                        let resumed = s.resumed().unwrap_or(false);
                        let client_certificate = s.client_certificate();
                        stream = s;
                        notify(Notice::TlsReady {
                            resumed,
                            client_certificate,
                        });
                    }
                    Err(_) => {
                        notify(Notice::TlsFailed);
                        return;
                    }
                }
            }
            Command::Send(mut source) => {
                let _ = stream.set_idle_timeout(Some(timing.idle));
                match stream.send_from(&mut source, cancel) {
                    Ok(sent) => {
                        notify(Notice::Sent { end: sent.end });
                        sent.linger();
                    }
                    Err(_) => {
                        notify(Notice::SourceFailed);
                    }
                }
                return;
            }
            Command::Receive(mut sink) => {
                let _ = stream.set_idle_timeout(Some(timing.idle));
                match stream.receive_into(&mut sink, cancel) {
                    Ok((_, end)) => {
                        notify(Notice::Received { end });
                    }
                    Err(e) => {
                        let no_space = matches!(
                            e.kind(),
                            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
                        );
                        notify(Notice::SinkFailed { no_space });
                    }
                }
                return;
            }
            Command::Close => {
                stream.close();
                return;
            }
        }
    }
}

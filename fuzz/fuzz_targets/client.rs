//! The client state machine driven by arbitrary server bytes, adapter notices, timeouts and
//! requests, decoded from the fuzz input.
//!
//! Properties: no panic (debug assertions included: the outputs are drained after every
//! input, as the contract says); a bounded number of outputs per input; `PROT` never sent
//! without a `PBSZ` since the last `AUTH`/`REIN`; `USER`/`PASS`/`ACCT` never sent in clear
//! when TLS is required; a transfer is reported complete only after a clean data end, a 2xx
//! final reply and, under `PROT P`, a finished data handshake.
#![no_main]

use std::net::SocketAddr;
use std::time::Duration;

use arbitrary::{Arbitrary, Unstructured};
use ftps_proto::client::{
    Client, Config, DataMode, DataProtection, Event, Login, Output, Response, Security,
};
use ftps_proto::codec::Command;
use ftps_proto::types::{Channel, DataEnd, Instant, Password, Pathname, Username};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Step {
    /// Raw server bytes (the reply decoder and the dispatch see anything).
    Bytes(Vec<u8>),
    /// A well-formed reply with this code (mod 600 + 100) and a chosen payload shape.
    Reply(u16, u8),
    TlsReady(bool),
    TlsFailed(bool),
    DataConnected,
    DataListening(bool),
    DataEnded(u8),
    ControlClosed,
    Advance(u16),
    Request(u8, u32),
    Abort,
}

fn reply(code: u16, shape: u8) -> Vec<u8> {
    let code = 100 + code % 600;
    match shape % 8 {
        0 => format!("{code} Entering Extended Passive Mode (|||40000|)\r\n"),
        1 => format!("{code} Entering Passive Mode (10,0,0,1,156,64)\r\n"),
        2 => format!("{code}-Features:\r\n UTF8\r\n EPSV\r\n MLST type*;\r\n{code} End\r\n"),
        3 => format!("{code} \"/a\"\"b\" created\r\n"),
        4 => format!("{code} 20240102030405\r\n"),
        5 => format!("{code}-Listing\r\n type=file;size=1; f\r\n{code} End\r\n"),
        6 => format!("{code} Opening (12 bytes)\r\n"),
        _ => format!("{code} text\r\n"),
    }
    .into_bytes()
}

#[derive(Default)]
struct Observer {
    tls_requested: Option<Channel>,
    control_tls: bool,
    pbsz_seen: bool,
    data_tls_ready: bool,
    data_clean: bool,
}

fn drain(client: &mut Client, obs: &mut Observer, required: bool) {
    for _ in 0..512 {
        let prot_private = client.data_protection() == Some(DataProtection::Private);
        match client.poll_output() {
            Output::Idle | Output::Timeout(_) => return,
            Output::Send(bytes) => {
                let verb: Vec<u8> = bytes
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .copied()
                    .collect();
                match &verb[..] {
                    b"PBSZ" => obs.pbsz_seen = true,
                    b"PROT" => assert!(obs.pbsz_seen, "PROT before PBSZ"),
                    b"USER" | b"PASS" | b"ACCT" if required => {
                        assert!(obs.control_tls, "credentials in clear")
                    }
                    b"AUTH" | b"REIN" => obs.pbsz_seen = false,
                    b"RETR" | b"STOR" | b"LIST" | b"NLST" | b"MLSD" | b"APPE" | b"STOU" => {
                        obs.data_clean = false;
                        obs.data_tls_ready = false;
                    }
                    _ => {}
                }
                // Exactly one line: CRLF at the end and nowhere else.
                assert!(bytes.ends_with(b"\r\n"), "unterminated line");
                let body = &bytes[..bytes.len() - 2];
                assert!(
                    !body.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)),
                    "line break inside a command"
                );
            }
            Output::StartTls { channel, .. } => obs.tls_requested = Some(channel),
            Output::EndTls { .. } => obs.control_tls = false,
            Output::Event(Event::Completed {
                result: Ok(Response::Transferred { reply, .. }),
                ..
            }) => {
                assert!(reply.code().is_completion(), "success without 2xx");
                assert!(obs.data_clean, "success without a clean data end");
                if prot_private {
                    assert!(obs.data_tls_ready, "success without data TLS under PROT P");
                }
            }
            _ => {}
        }
    }
    panic!("more than 512 outputs for one input");
}

fn path(s: &str) -> Pathname<'static> {
    Pathname::try_from(s.to_string()).unwrap()
}

fn request(client: &mut Client, k: u8, n: u32, now: Instant) {
    let _ = match k % 20 {
        0 | 1 => client
            .login(
                Login::new(
                    Username::try_from("u").unwrap(),
                    Password::try_from("pw").unwrap(),
                ),
                now,
            )
            .map(|_| ()),
        2 => client.list(None, now).map(|_| ()),
        3 => client.retrieve(path("f"), u64::from(n), now).map(|_| ()),
        4 => client.store(path("f"), now).map(|_| ()),
        5 => client.mlsd(None, now).map(|_| ()),
        6 => client.pwd(now).map(|_| ()),
        7 => client.rename(path("a"), path("b"), now).map(|_| ()),
        8 => client.size(path("f"), now).map(|_| ()),
        9 => client.mlst(None, now).map(|_| ()),
        10 => client.quit(now).map(|_| ()),
        11 => client.reinitialize(now).map(|_| ()),
        12 => client.noop(now).map(|_| ()),
        13 => client.raw(Command::Syst, now).map(|_| ()),
        14 => client
            .set_data_protection(DataProtection::Private, now)
            .map(|_| ()),
        15 => client.mdtm(path("f"), now).map(|_| ()),
        16 => client.store_unique(now).map(|_| ()),
        17 => client.auth_tls(now).map(|_| ()),
        18 => client.store_at(path("f"), u64::from(n), now).map(|_| ()),
        _ => client.feat(now).map(|_| ()),
    };
}

fn run(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let security = match u.int_in_range(0u8..=3)? {
        0 => Security::Plain,
        1 => Security::ExplicitRequired,
        2 => Security::ExplicitOpportunistic,
        _ => Security::Implicit,
    };
    let mut config = Config::default()
        .with_security(security)
        .with_data_mode(if u.arbitrary()? {
            DataMode::Active
        } else {
            DataMode::Passive
        })
        .with_data_protection(if u.arbitrary()? {
            DataProtection::Clear
        } else {
            DataProtection::Private
        })
        .with_clear_command_channel(u.arbitrary()?);
    config.auth_ssl_fallback = u.arbitrary()?;
    config.trust_pasv_address = u.arbitrary()?;
    config.protection_before_login = u.arbitrary()?;
    config.timeouts.keepalive = Some(Duration::from_secs(20));
    let required = matches!(security, Security::ExplicitRequired | Security::Implicit);
    let mut now = Instant::ZERO;
    let mut client = Client::new(config, now);
    let mut obs = Observer::default();
    drain(&mut client, &mut obs, required);
    while !u.is_empty() {
        match Step::arbitrary(u)? {
            Step::Bytes(b) => client.handle_input(&b, now),
            Step::Reply(code, shape) => client.handle_input(&reply(code, shape), now),
            Step::TlsReady(control) => {
                let ch = if control {
                    Channel::Control
                } else {
                    Channel::Data
                };
                if obs.tls_requested == Some(ch) {
                    obs.tls_requested = None;
                    if control {
                        obs.control_tls = true;
                    } else {
                        obs.data_tls_ready = true;
                    }
                }
                client.handle_tls_ready(ch, now);
            }
            Step::TlsFailed(control) => client.handle_tls_failed(
                if control {
                    Channel::Control
                } else {
                    Channel::Data
                },
                now,
            ),
            Step::DataConnected => client.handle_data_connected(now),
            Step::DataListening(v6) => {
                let addr: SocketAddr = if v6 { "[::1]:40000" } else { "127.0.0.1:40000" }
                    .parse()
                    .unwrap();
                client.handle_data_listening(addr, now);
            }
            Step::DataEnded(e) => {
                let end = match e % 3 {
                    0 => DataEnd::Clean,
                    1 => DataEnd::Truncated,
                    _ => DataEnd::Failed,
                };
                if end == DataEnd::Clean {
                    obs.data_clean = true;
                }
                client.handle_data_ended(end, now);
            }
            Step::ControlClosed => client.handle_control_closed(now),
            Step::Advance(ms) => {
                now = now + Duration::from_millis(u64::from(ms) * 10);
                client.handle_timeout(now);
            }
            Step::Request(k, n) => request(&mut client, k, n, now),
            Step::Abort => {
                let _ = client.abort(now);
            }
        }
        drain(&mut client, &mut obs, required);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});

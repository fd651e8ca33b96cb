//! Deadlines, in virtual time: connect, reply, data, TLS, keep-alive NOOP, idle QUIT, and
//! the control timer suspended while a transfer runs.

mod client_support;

use std::time::Duration;

use client_support::*;
use ftps_proto::client::{CloseReason, Config, Event, Failure, Output, Timeouts, Timer};
use ftps_proto::types::{Channel, DataEnd, Instant};

#[test]
fn connect_timeout_when_no_greeting() {
    let mut t = Transcript::new(Config::default());
    assert_eq!(t.deadline, Some(Instant::from_millis(31_000)));
    t.advance(Duration::from_secs(29));
    t.quiet();
    t.advance(Duration::from_secs(1));
    assert_eq!(
        t.event(),
        Event::Closed(CloseReason::Timeout(Timer::Connect))
    );
    t.expect(Output::Close);
}

#[test]
fn reply_timeout_fails_the_request_and_closes() {
    let mut t = Transcript::logged_in_plain(Config::default());
    let id = t.client.pwd(t.now).unwrap();
    t.drain();
    t.c("PWD");
    t.fire_deadline();
    assert_eq!(t.completed(id), Err(Failure::Timeout(Timer::Reply)));
    assert_eq!(t.event(), Event::Closed(CloseReason::Timeout(Timer::Reply)));
    t.expect(Output::Close);
}

#[test]
fn control_tls_handshake_timeout() {
    let mut t = Transcript::new(Config::default());
    t.s("220 hi");
    t.c("AUTH TLS");
    t.s("234 ok");
    t.start_tls(Channel::Control);
    t.fire_deadline();
    assert_eq!(t.event(), Event::Closed(CloseReason::Timeout(Timer::Tls)));
}

#[test]
fn reply_timer_is_suspended_while_the_transfer_runs() {
    let mut t = Transcript::logged_in_plain(Config::default());
    let id = t.client.retrieve(path("huge"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("RETR huge");
    t.s("150 ok");
    t.event();
    // An hour of data: no deadline at all.
    assert_eq!(t.deadline, None);
    t.now = t.now + Duration::from_secs(3600);
    t.data_ended(DataEnd::Clean);
    // Now the final reply is due within the reply timeout.
    assert_eq!(t.deadline, Some(t.now + Duration::from_secs(30)));
    t.s("226 ok");
    assert!(t.completed(id).is_ok());
}

#[test]
fn passive_connect_timeout_falls_back_to_pasv() {
    let mut t = Transcript::logged_in_plain(Config::default());
    let id = t.client.list(None, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.fire_deadline();
    t.expect(Output::CloseData);
    t.c("PASV");
}

#[test]
fn data_tls_timeout_fails_the_transfer_after_the_final_reply() {
    let mut t = Transcript::logged_in_tls(Config::default(), FEAT_VSFTPD);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("RETR f");
    t.s("150 ok");
    t.start_tls(Channel::Data);
    t.fire_deadline();
    t.expect(Output::CloseData);
    t.s("426 aborted");
    assert_eq!(t.completed(id), Err(Failure::Timeout(Timer::Tls)));
}

#[test]
fn keepalive_noop_is_sent_when_idle_and_its_reply_is_silent() {
    let mut config = Config::default();
    config.timeouts.keepalive = Some(Duration::from_secs(60));
    let mut t = Transcript::logged_in_plain(config);
    let start = t.now;
    assert_eq!(t.deadline, Some(start + Duration::from_secs(60)));
    t.fire_deadline();
    t.c("NOOP");
    t.s("200 ok");
    t.quiet();
    assert_eq!(t.deadline, Some(t.now + Duration::from_secs(60)));
}

#[test]
fn idle_timeout_sends_quit() {
    let mut timeouts = Timeouts::default();
    timeouts.idle = Some(Duration::from_secs(300));
    let config = Config::default().with_timeouts(timeouts);
    let mut t = Transcript::logged_in_plain(config);
    t.fire_deadline();
    t.c("QUIT");
    t.s("221 bye");
    assert_eq!(t.event(), Event::Closed(CloseReason::Idle));
    t.expect(Output::Close);
}

#[test]
fn disabled_timers_give_no_deadline() {
    let mut timeouts = Timeouts::default();
    timeouts.connect = None;
    timeouts.reply = None;
    timeouts.data = None;
    timeouts.tls = None;
    let config = Config::default().with_timeouts(timeouts);
    let mut t = Transcript::new(config);
    assert_eq!(t.deadline, None);
    assert_eq!(t.client.poll_output(), Output::Idle);
}

#[test]
fn keepalive_noops_do_not_postpone_the_idle_quit() {
    let mut config = Config::default();
    config.timeouts.keepalive = Some(Duration::from_secs(60));
    config.timeouts.idle = Some(Duration::from_secs(150));
    let mut t = Transcript::logged_in_plain(config);
    let start = t.now;
    t.fire_deadline();
    assert_eq!(t.now, start + Duration::from_secs(60));
    t.c("NOOP");
    t.s("200 ok");
    t.fire_deadline();
    assert_eq!(t.now, start + Duration::from_secs(120));
    t.c("NOOP");
    t.s("200 ok");
    t.fire_deadline();
    assert_eq!(t.now, start + Duration::from_secs(150));
    t.c("QUIT");
    t.s("221 bye");
    assert_eq!(t.event(), Event::Closed(CloseReason::Idle));
}

#[test]
fn idle_deadline_during_a_keepalive_noop_quits_after_its_reply() {
    let mut config = Config::default();
    config.timeouts.keepalive = Some(Duration::from_secs(60));
    config.timeouts.idle = Some(Duration::from_secs(61));
    let mut t = Transcript::logged_in_plain(config);
    t.fire_deadline();
    t.c("NOOP");
    t.fire_deadline(); // idle passes while the NOOP is in flight
    t.quiet();
    t.s("200 ok");
    t.c("QUIT");
}

#[test]
fn a_request_restarts_the_idle_timer() {
    let mut config = Config::default();
    config.timeouts.idle = Some(Duration::from_secs(100));
    let mut t = Transcript::logged_in_plain(config);
    t.now = t.now + Duration::from_secs(90);
    let id = t.client.noop(t.now).unwrap();
    t.drain();
    t.c("NOOP");
    t.s("200 ok");
    assert!(t.completed(id).is_ok());
    assert_eq!(t.deadline, Some(t.now + Duration::from_secs(100)));
}

#[test]
fn final_reply_without_a_data_end_is_not_a_success_forever() {
    // 226 arrives, but the close_notify never does (a truncation attack, or a lost FIN).
    let mut t = Transcript::logged_in_tls(Config::default(), FEAT_VSFTPD);
    let id = t.client.retrieve(path("f"), 0, t.now).unwrap();
    t.drain();
    t.c("EPSV");
    t.s("229 (|||40000|)");
    t.open_data(id, 40000);
    t.data_connected();
    t.c("RETR f");
    t.s("150 ok");
    t.start_tls(Channel::Data);
    t.tls_ready(Channel::Data);
    t.event();
    assert_eq!(t.deadline, None); // bytes flow: no control deadline
    t.s("226 Transfer complete.");
    assert_eq!(t.deadline, Some(t.now + Duration::from_secs(30)));
    t.fire_deadline();
    t.expect(Output::CloseData);
    assert_eq!(t.completed(id), Err(Failure::Timeout(Timer::Data)));
    assert_eq!(t.client.state(), ftps_proto::client::State::Ready);
}

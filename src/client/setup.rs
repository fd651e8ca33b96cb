//! Connection set-up and login: the greeting, `HOST` (RFC 7151), `AUTH TLS`/`AUTH SSL` and
//! the control handshake (RFC 4217 §4), `USER`/`PASS`/`ACCT` (RFC 959 §4.1.1, §5.4), then
//! `PBSZ 0` → `PROT` (RFC 4217 §8, §9) → `CCC` (§12.3) → `FEAT` (RFC 2389) → `OPTS UTF8 ON`
//! (→ `LANG`, RFC 2640 §4, when configured)
//! (RFC 2640 §3.3) → `TYPE`, and `REIN` (RFC 4217 §13).
//!
//! Owns the meaning of every reply to those commands. Must not handle data connections.

use alloc::boxed::Box;

use super::error::ProtocolErrorKind;
use super::event::{CloseReason, Event, Failure, RequestId, Response};
use super::machine::{Client, Job};
use super::{DataProtection, Login, Output, Security};
use crate::codec::{parse_feat_reply, Command, Reply};
use crate::types::{Channel, Features, Instant, Mechanism, ReplyCode, Text};

/// Where a login is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoginStep {
    User,
    Pass,
    Acct,
    Pbsz,
    Prot,
    Ccc,
    Feat,
    Utf8,
    Lang,
    Type,
}

/// A login in progress.
#[derive(Debug)]
pub(crate) struct LoginJob {
    pub(crate) id: RequestId,
    pub(crate) login: Login,
    pub(crate) step: LoginStep,
    /// `PBSZ`/`PROT` were sent before `USER` ([`super::Config::protection_before_login`]).
    pub(crate) protected_early: bool,
    /// The refusal of `PBSZ`/`PROT P`, reported when the login completes.
    pub(crate) prot_refused: Option<Reply<'static>>,
}

impl LoginJob {
    pub(crate) fn new(id: RequestId, login: Login) -> Self {
        LoginJob {
            id,
            login,
            step: LoginStep::User,
            protected_early: false,
            prot_refused: None,
        }
    }
}

impl Client {
    /// The greeting: `120` (wait), `220` (go on), anything else ends the session.
    pub(crate) fn on_greeting(&mut self, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code.is_preliminary() {
            self.job = Some(Job::Greeting);
        } else if code.is_completion() {
            self.timers.connect = None;
            self.greeting = Some(reply);
            self.begin_security(now);
        } else if code.is_negative() {
            self.close(CloseReason::ServiceNotAvailable(reply));
        } else {
            self.protocol_close(ProtocolErrorKind::UnexpectedReply(code));
        }
    }

    /// After the greeting (or `REIN`): `HOST` if configured (RFC 7151 §3.3: before `AUTH`),
    /// then `AUTH`.
    pub(crate) fn begin_security(&mut self, now: Instant) {
        if let Some(host) = self.config.host.as_ref().map(|h| h.as_text().clone()) {
            self.job = Some(Job::Host);
            self.send(&Command::Host(host), now);
        } else {
            self.after_host(now);
        }
    }

    pub(crate) fn on_host(&mut self, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code.is_preliminary() {
            self.job = Some(Job::Host);
        } else if code.is_completion() {
            // RFC 7151 §3.2: the reply to HOST is a sensible place for the welcome message.
            self.greeting = Some(reply);
            self.after_host(now);
        } else if code == ReplyCode::SYNTAX_ERROR || code == ReplyCode::NOT_IMPLEMENTED {
            // A server that predates RFC 7151: carry on without virtual hosting.
            self.after_host(now);
        } else if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.close(CloseReason::ServiceNotAvailable(reply));
        } else if code.is_negative() {
            self.close(CloseReason::HostRefused(reply));
        } else {
            self.protocol_close(ProtocolErrorKind::UnexpectedReply(code));
        }
    }

    fn after_host(&mut self, now: Instant) {
        self.before_auth(0, now);
    }

    /// Sends the configured command number `index` before `AUTH`, or `AUTH` when done.
    fn before_auth(&mut self, index: usize, now: Instant) {
        if let Some(command) = self.config.before_auth.get(index).cloned() {
            self.job = Some(Job::BeforeAuth { next: index + 1 });
            self.send(&command, now);
        } else {
            self.auth(now);
        }
    }

    pub(crate) fn on_before_auth(&mut self, next: usize, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code.is_preliminary() {
            self.job = Some(Job::BeforeAuth { next });
        } else if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.close(CloseReason::ServiceNotAvailable(reply));
        } else {
            self.before_auth(next, now);
        }
    }

    fn auth(&mut self, now: Instant) {
        match self.config.security {
            Security::ExplicitRequired | Security::ExplicitOpportunistic if !self.control_tls => {
                self.job = Some(Job::Auth { ssl: false });
                self.send(&Command::Auth(Mechanism::TLS), now);
            }
            _ => self.secured(now),
        }
    }

    /// The reply to `AUTH`: `234` starts TLS (and nothing may follow it in clear); a refusal
    /// tries `AUTH SSL` if configured, then carries on in clear (opportunistic) or ends the
    /// session before any credential is sent (required).
    pub(crate) fn on_auth(&mut self, ssl: bool, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code.is_preliminary() {
            self.job = Some(Job::Auth { ssl });
        } else if code == ReplyCode::AUTH_OK {
            self.job = Some(Job::ControlTls { secure: None });
            let behind = self.decoder.buffered();
            if behind > 0 {
                // Bytes in clear behind the 234 would be read as if protected (RFC 4217 §4):
                // drop them and end the session before any handshake.
                self.decoder.clear();
                self.protocol_close(ProtocolErrorKind::PlaintextAfterAuth { bytes: behind });
                return;
            }
            self.start_tls(Channel::Control, now);
        } else if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.close(CloseReason::ServiceNotAvailable(reply));
        } else if !ssl && self.config.auth_ssl_fallback && code.is_permanent_negative() {
            self.job = Some(Job::Auth { ssl: true });
            self.send(&Command::Auth(Mechanism::SSL), now);
        } else if self.config.security == Security::ExplicitOpportunistic {
            self.push_event(Event::TlsDeclined(reply));
            self.secured(now);
        } else {
            self.close(CloseReason::TlsRefused(reply));
        }
    }

    /// The reply to a mid-session `AUTH TLS` ([`Client::auth_tls`]).
    pub(crate) fn on_secure_reply(&mut self, id: RequestId, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code.is_preliminary() {
            self.job = Some(Job::Secure { id });
        } else if code == ReplyCode::AUTH_OK {
            let behind = self.decoder.buffered();
            self.job = Some(Job::ControlTls {
                secure: Some((id, Box::new(reply))),
            });
            if behind > 0 {
                self.decoder.clear();
                self.protocol_close(ProtocolErrorKind::PlaintextAfterAuth { bytes: behind });
                return;
            }
            self.start_tls(Channel::Control, now);
        } else if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.complete(id, Err(Failure::Refused(reply.clone())));
            self.close(CloseReason::ServiceNotAvailable(reply));
        } else {
            self.complete(id, Err(Failure::Refused(reply)));
            self.job_done(now, true);
        }
    }

    /// The control connection is as secure as it will get: tell the application, then start
    /// a parked login.
    pub(crate) fn secured(&mut self, now: Instant) {
        self.connected = true;
        if let Some(greeting) = self.greeting.take() {
            self.push_event(Event::Connected {
                greeting,
                tls: self.control_tls,
            });
        }
        self.job_done(now, false);
    }

    /// Sends the first command of a login.
    pub(crate) fn start_login(&mut self, mut job: Box<LoginJob>, now: Instant) {
        match job.login.user.clone() {
            Some(_) if self.config.protection_before_login && self.control_tls => {
                job.protected_early = true;
                self.login_send(job, LoginStep::Pbsz, &Command::Pbsz(0), now);
            }
            Some(user) => self.login_send(job, LoginStep::User, &Command::User(user), now),
            None => {
                if !self.control_tls {
                    let id = job.id;
                    self.complete(id, Err(Failure::Tls(Channel::Control)));
                    self.job_done(now, true);
                    return;
                }
                // Certificate login: the handshake already authenticated the user.
                self.logged_in_then_protect(job, now);
            }
        }
    }

    pub(crate) fn on_login_reply(
        &mut self,
        mut job: Box<LoginJob>,
        reply: Reply<'static>,
        now: Instant,
    ) {
        let code = reply.code();
        if code.is_preliminary() {
            self.job = Some(Job::Login(job));
            return;
        }
        if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.complete(job.id, Err(Failure::Refused(reply.clone())));
            self.close(CloseReason::ServiceNotAvailable(reply));
            return;
        }
        match job.step {
            LoginStep::User | LoginStep::Pass | LoginStep::Acct => {
                if code.is_completion() {
                    // 230, 232 (RFC 2228 §3), 202 (PASS/ACCT superfluous).
                    self.logged_in_then_protect(job, now);
                } else if code == ReplyCode::NEED_PASSWORD && job.step == LoginStep::User {
                    match job.login.password.clone() {
                        Some(password) => {
                            self.login_send(job, LoginStep::Pass, &Command::Pass(password), now)
                        }
                        None => self.login_failed(job.id, Failure::PasswordRequired(reply), now),
                    }
                } else if code == ReplyCode::NEED_ACCOUNT && job.step != LoginStep::Acct {
                    match job.login.account.clone() {
                        Some(account) => {
                            self.login_send(job, LoginStep::Acct, &Command::Acct(account), now)
                        }
                        None => self.login_failed(job.id, Failure::AccountRequired(reply), now),
                    }
                } else if code.is_negative() {
                    self.login_failed(job.id, Failure::Refused(reply), now);
                } else {
                    let f = self.protocol_error(ProtocolErrorKind::UnexpectedReply(code));
                    self.login_failed(job.id, f, now);
                }
            }
            LoginStep::Pbsz => {
                if code.is_completion() {
                    let prot = match self.config.data_protection {
                        DataProtection::Private => crate::types::Prot::Private,
                        DataProtection::Clear => crate::types::Prot::Clear,
                    };
                    self.login_send(job, LoginStep::Prot, &Command::Prot(prot), now);
                } else {
                    self.protection_refused(&mut job, reply);
                    self.after_prot(job, now);
                }
            }
            LoginStep::Prot => {
                if code.is_completion() {
                    self.prot = Some(self.config.data_protection);
                } else {
                    self.protection_refused(&mut job, reply);
                }
                self.after_prot(job, now);
            }
            LoginStep::Ccc => {
                if code.is_completion() {
                    // RFC 4217 §12.3: close_notify, then the control connection is clear.
                    self.push(Output::EndTls {
                        channel: Channel::Control,
                    });
                    self.control_tls = false;
                }
                self.login_send(job, LoginStep::Feat, &Command::Feat, now);
            }
            LoginStep::Feat => {
                self.features = if code.is_completion() {
                    parse_feat_reply(&reply).unwrap_or_else(|_| Features::new())
                } else {
                    Features::new()
                };
                if self.config.utf8 && self.features.utf8() {
                    let opts = Text::new_unchecked(&b"UTF8 ON"[..]);
                    self.login_send(job, LoginStep::Utf8, &Command::Opts(opts), now);
                } else {
                    self.send_lang(job, now);
                }
            }
            LoginStep::Utf8 => self.send_lang(job, now),
            LoginStep::Lang => {
                // A refusal leaves the server's default language (RFC 2640 §4.2): not fatal.
                if code.is_completion() {
                    self.language = self.config.language.clone().map(Box::new);
                }
                self.send_type(job, now);
            }
            LoginStep::Type => {
                let id = job.id;
                let result = if !code.is_completion() {
                    Err(Failure::Refused(reply))
                } else if let Some(refusal) = job.prot_refused.take() {
                    Err(Failure::DataProtectionRefused(refusal))
                } else {
                    Ok(Response::LoggedIn {
                        features: self.features.clone(),
                    })
                };
                self.complete(id, result);
                self.job_done(now, true);
            }
        }
    }

    fn login_send(
        &mut self,
        mut job: Box<LoginJob>,
        step: LoginStep,
        command: &Command<'_>,
        now: Instant,
    ) {
        job.step = step;
        self.job = Some(Job::Login(job));
        self.send(command, now);
    }

    fn login_failed(&mut self, id: RequestId, failure: Failure, now: Instant) {
        self.complete(id, Err(failure));
        self.job_done(now, true);
    }

    /// Logged in: protect data connections when the control connection is protected.
    fn logged_in_then_protect(&mut self, job: Box<LoginJob>, now: Instant) {
        self.logged_in = true;
        if self.control_tls && job.protected_early {
            self.after_prot(job, now);
        } else if self.control_tls {
            // RFC 4217 §8: PBSZ 0 always precedes PROT.
            self.login_send(job, LoginStep::Pbsz, &Command::Pbsz(0), now);
        } else {
            self.prot = Some(DataProtection::Clear);
            self.login_send(job, LoginStep::Feat, &Command::Feat, now);
        }
    }

    fn protection_refused(&mut self, job: &mut LoginJob, reply: Reply<'static>) {
        match self.config.data_protection {
            DataProtection::Private => {
                self.prot = None;
                job.prot_refused = Some(reply);
            }
            // PROT C is the default level anyway (RFC 2228 §3).
            DataProtection::Clear => self.prot = Some(DataProtection::Clear),
        }
    }

    fn after_prot(&mut self, job: Box<LoginJob>, now: Instant) {
        if !self.logged_in {
            // Protection was set up before login: now USER.
            match job.login.user.clone() {
                Some(user) => self.login_send(job, LoginStep::User, &Command::User(user), now),
                None => self.logged_in_then_protect(job, now),
            }
        } else if self.config.clear_command_channel && self.control_tls {
            self.login_send(job, LoginStep::Ccc, &Command::Ccc, now);
        } else {
            self.login_send(job, LoginStep::Feat, &Command::Feat, now);
        }
    }

    /// `LANG tag` when configured and FEAT announced `LANG` (RFC 2640 §4.1: "a user-PI
    /// SHOULD issue a FEAT command prior to a LANG command").
    fn send_lang(&mut self, job: Box<LoginJob>, now: Instant) {
        match self.config.language.clone() {
            Some(tag) if self.features.languages().is_some() => {
                let lang = Command::Lang(Some(tag.as_text().clone()));
                self.login_send(job, LoginStep::Lang, &lang, now);
            }
            _ => self.send_type(job, now),
        }
    }

    fn send_type(&mut self, job: Box<LoginJob>, now: Instant) {
        let t = self.config.transfer_type;
        self.login_send(job, LoginStep::Type, &Command::Type(t), now);
    }

    /// The reply to `REIN`: on `220` the session is back to just after the greeting. TLS is
    /// cleared after the (protected) reply (RFC 4217 §13), then `HOST` and `AUTH` run again.
    pub(crate) fn on_rein_reply(&mut self, id: RequestId, reply: Reply<'static>, now: Instant) {
        let code = reply.code();
        if code.is_preliminary() {
            self.job = Some(Job::Rein { id });
        } else if code == ReplyCode::SERVICE_NOT_AVAILABLE {
            self.complete(id, Err(Failure::Refused(reply.clone())));
            self.close(CloseReason::ServiceNotAvailable(reply));
        } else if code.is_completion() {
            if self.control_tls {
                self.push(Output::EndTls {
                    channel: Channel::Control,
                });
            }
            self.control_tls = false;
            self.logged_in = false;
            self.connected = false;
            self.prot = None;
            self.features = Features::new();
            self.language = None;
            self.epsv_all_sent = false;
            self.restart_marker = false;
            self.timers.keepalive = None;
            self.timers.idle = None;
            self.complete(id, Ok(Response::Done(reply.clone())));
            self.greeting = Some(reply);
            self.begin_security(now);
        } else {
            let failure = if code.is_negative() {
                Failure::Refused(reply)
            } else {
                self.protocol_error(ProtocolErrorKind::UnexpectedReply(code))
            };
            self.complete(id, Err(failure));
            self.job_done(now, true);
        }
    }
}

//! The application's requests: one public method per FTP operation, each checking that it
//! may start now (a local [`Error`] otherwise, the client unchanged) and returning the
//! [`RequestId`] its [`super::Event::Completed`] will carry.
//!
//! Owns the admission rules (logged in? something in flight? closed?). Must not interpret
//! replies.

use alloc::boxed::Box;

use super::command::{is_reserved, CommandKind};
use super::error::{Error, ErrorKind};
use super::event::{RequestId, TransferCommand};
use super::machine::{Client, Job};
use super::setup::LoginJob;
use super::transfer::Transfer;
use super::{DataProtection, Login, Security};
use crate::codec::Command;
use crate::types::{Instant, Pathname, Text, TransferType};

impl Client {
    fn error(&self, kind: ErrorKind) -> Error {
        Error {
            kind,
            state: self.state(),
        }
    }

    /// Starts `job` now, or parks it behind the client's own work (set-up, keep-alive).
    fn submit(&mut self, job: Job, now: Instant) -> Result<RequestId, Error> {
        let id = self.id_of(&job);
        let own_work = matches!(
            self.job,
            Some(
                Job::KeepAlive
                    | Job::Greeting
                    | Job::Host
                    | Job::BeforeAuth { .. }
                    | Job::Auth { .. }
                    | Job::ControlTls { secure: None }
            )
        );
        if self.job.is_none() && self.can_start_parked(&job) {
            self.start_job(job, now);
        } else if (self.job.is_none() || own_work) && self.parked.is_none() {
            self.parked = Some(job);
        } else {
            return Err(self.error(ErrorKind::Busy));
        }
        Ok(id)
    }

    /// Sends the first command of a job.
    pub(crate) fn start_job(&mut self, job: Job, now: Instant) {
        // Only the application's requests count as activity for the idle timer.
        if !matches!(job, Job::Quit { id: None }) {
            self.timers.idle = None;
        }
        match job {
            Job::Login(l) => self.start_login(l, now),
            Job::Command { id, kind } => self.start_command(id, kind, now),
            Job::Transfer(t) => self.start_transfer(t, now),
            Job::Quit { id } => {
                self.job = Some(Job::Quit { id });
                self.send(&Command::Quit, now);
            }
            Job::Rein { id } => {
                self.job = Some(Job::Rein { id });
                self.send(&Command::Rein, now);
            }
            Job::Secure { id } => {
                self.job = Some(Job::Secure { id });
                self.send(&Command::Auth(crate::types::Mechanism::TLS), now);
            }
            other => self.job = Some(other),
        }
    }

    fn check_logged_in(&self) -> Result<(), Error> {
        if self.closed {
            Err(self.error(ErrorKind::Closed))
        } else if !self.logged_in {
            Err(self.error(ErrorKind::NotLoggedIn))
        } else {
            Ok(())
        }
    }

    fn command(&mut self, kind: CommandKind, now: Instant) -> Result<RequestId, Error> {
        self.check_logged_in()?;
        self.busy_check()?;
        let id = self.new_id();
        let kind = Box::new(kind);
        self.submit(Job::Command { id, kind }, now)
    }

    /// Fails early (before an id is spent) when a request could not be accepted.
    fn busy_check(&self) -> Result<(), Error> {
        let own_work = matches!(self.job, Some(Job::KeepAlive));
        if self.job.is_some() && !(own_work && self.parked.is_none()) {
            return Err(self.error(ErrorKind::Busy));
        }
        Ok(())
    }

    fn transfer(
        &mut self,
        command: TransferCommand,
        path: Option<Pathname<'_>>,
        offset: u64,
        now: Instant,
    ) -> Result<RequestId, Error> {
        self.check_logged_in()?;
        if self.prot.is_none() {
            return Err(self.error(ErrorKind::DataProtection));
        }
        if self.config.epsv_all && self.config.data_mode == super::DataMode::Active {
            // RFC 2428 §4: after EPSV ALL no PORT or EPRT.
            return Err(self.error(ErrorKind::Unsupported));
        }
        self.busy_check()?;
        // MLSD when it was refused before, or when FEAT was answered without MLST (RFC 3659
        // §7.8: MLST in FEAT announces both MLST and MLSD).
        let no_mlsd =
            self.mlsd_refused || (!self.features.is_empty() && !self.features.contains("MLST"));
        let command = if command == TransferCommand::Mlsd && no_mlsd {
            TransferCommand::List
        } else {
            command
        };
        let id = self.new_id();
        let t = Transfer::new(id, command, path.map(Pathname::into_owned), offset);
        self.submit(Job::Transfer(Box::new(t)), now)
    }

    /// Logs in (RFC 959 §5.4), then sets up data protection (`PBSZ 0`, `PROT`), `CCC` if
    /// configured, `FEAT`, `OPTS UTF8 ON` and `TYPE`. May be called right after
    /// [`Client::new`]: the login then starts once the connection is secured.
    pub fn login(&mut self, login: Login, now: Instant) -> Result<RequestId, Error> {
        if self.closed {
            return Err(self.error(ErrorKind::Closed));
        }
        if self.logged_in {
            return Err(self.error(ErrorKind::AlreadyLoggedIn));
        }
        let cleartext =
            self.config.security == Security::Plain || (self.connected && !self.control_tls);
        if login.user.is_none() && cleartext {
            return Err(self.error(ErrorKind::NeedsTls));
        }
        let own_work = matches!(
            self.job,
            Some(
                Job::Greeting
                    | Job::Host
                    | Job::BeforeAuth { .. }
                    | Job::Auth { .. }
                    | Job::ControlTls { secure: None }
            )
        );
        if (self.job.is_some() && !own_work) || self.parked.is_some() {
            return Err(self.error(ErrorKind::Busy));
        }
        let id = self.new_id();
        self.submit(Job::Login(Box::new(LoginJob::new(id, login))), now)
    }

    /// `CWD path`.
    pub fn cwd(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Cwd(path.into_owned()), now)
    }

    /// `CDUP`.
    pub fn cdup(&mut self, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Cdup, now)
    }

    /// `PWD`: completes with [`super::Response::Path`].
    pub fn pwd(&mut self, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Pwd, now)
    }

    /// `MKD path`: completes with [`super::Response::Path`] (the created directory).
    pub fn mkdir(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Mkd(path.into_owned()), now)
    }

    /// `RMD path`.
    pub fn rmdir(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Rmd(path.into_owned()), now)
    }

    /// `DELE path`.
    pub fn delete(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Dele(path.into_owned()), now)
    }

    /// `RNFR from`, then `RNTO to` after `350`.
    pub fn rename(
        &mut self,
        from: Pathname<'_>,
        to: Pathname<'_>,
        now: Instant,
    ) -> Result<RequestId, Error> {
        let kind = CommandKind::Rnfr {
            from: from.into_owned(),
            to: to.into_owned(),
        };
        self.command(kind, now)
    }

    /// `SIZE path` (RFC 3659 §4): completes with [`super::Response::Size`]. The size
    /// depends on the transfer type; the client logs in with `TYPE I` by default.
    pub fn size(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Size(path.into_owned()), now)
    }

    /// `MDTM path` (RFC 3659 §3): completes with [`super::Response::ModifyTime`].
    pub fn mdtm(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Mdtm(path.into_owned()), now)
    }

    /// `MLST [path]` (RFC 3659 §7): completes with [`super::Response::Facts`].
    pub fn mlst(&mut self, path: Option<Pathname<'_>>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Mlst(path.map(Pathname::into_owned)), now)
    }

    /// `FEAT` (RFC 2389): completes with [`super::Response::Features`] and updates
    /// [`Client::features`].
    pub fn feat(&mut self, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Feat, now)
    }

    /// `SITE text`.
    pub fn site(&mut self, text: Text<'_>, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Site(text.into_owned()), now)
    }

    /// `NOOP`.
    pub fn noop(&mut self, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Noop, now)
    }

    /// `PBSZ 0` then `PROT P` or `PROT C` (RFC 4217 §8, §9), to change the data protection
    /// the login set up. Needs a protected control connection. If the server refuses, the
    /// level in force does not change.
    pub fn set_data_protection(
        &mut self,
        level: DataProtection,
        now: Instant,
    ) -> Result<RequestId, Error> {
        self.check_logged_in()?;
        if !self.control_tls {
            return Err(self.error(ErrorKind::NeedsTls));
        }
        self.command(CommandKind::Pbsz(level), now)
    }

    /// `AUTH TLS` in a logged-in session whose control connection is in clear (RFC 4217
    /// §10.3: the client must not insist on AUTH being first). On `234` the control channel
    /// is secured ([`super::Output::StartTls`]). As RFC 4217 §4.2 requires, the server then
    /// forgets the login and the transfer parameters: the request completes with the client
    /// in [`super::State::Connected`], and [`Client::login`] runs the login (and `PBSZ`/`PROT`,
    /// `TYPE`) again, now protected.
    pub fn auth_tls(&mut self, now: Instant) -> Result<RequestId, Error> {
        self.check_logged_in()?;
        if self.control_tls {
            return Err(self.error(ErrorKind::AlreadyProtected));
        }
        if self.config.security == Security::Implicit {
            return Err(self.error(ErrorKind::Unsupported));
        }
        self.busy_check()?;
        let id = self.new_id();
        self.submit(Job::Secure { id }, now)
    }

    /// `TYPE t` (the login already sent [`super::Config::transfer_type`]).
    pub fn set_type(&mut self, t: TransferType, now: Instant) -> Result<RequestId, Error> {
        self.command(CommandKind::Type(t), now)
    }

    /// Any other command, for example `STAT`, `HELP`, `SYST`, `MFMT` or an extension. Its
    /// first final reply (any code, 3xx included) completes it as
    /// [`super::Response::Done`]. Commands that change state the client tracks (login,
    /// security, transfers, data connections, `TYPE`, `RNFR`...) are refused with
    /// [`ErrorKind::UseNamedRequest`].
    /// A 1yz reply is shown as [`super::Event::Preliminary`] and the request waits for the
    /// final one.
    pub fn raw(&mut self, command: Command<'_>, now: Instant) -> Result<RequestId, Error> {
        if is_reserved(&command) {
            return Err(self.error(ErrorKind::UseNamedRequest));
        }
        self.command(CommandKind::Raw(command.into_owned()), now)
    }

    /// Any command, the verbs [`Client::raw`] refuses included (`PORT`, `RETR`, `TYPE`,
    /// `PROT`, `REST`, `USER`...): the explicit opt-in for a caller who insists. Like `raw`,
    /// its first final reply completes it ([`super::Response::Done`]) and 1yz replies are
    /// shown as [`super::Event::Preliminary`].
    ///
    /// # Dangers
    ///
    /// The client does not know what the command did, so what it tracks can become false:
    /// `TYPE` changes the representation behind [`super::Config::transfer_type`], `PROT` or
    /// `CCC` the protection the client applies, `REST` leaves a marker the next transfer
    /// inherits, `USER`/`REIN`/`AUTH` the login and security state, `PORT`/`PASV`/`RETR` a
    /// data connection the client never opens (the server then waits for it, and its 425 or
    /// 426 arrives as this request's final reply, or as an unsolicited reply after it).
    /// `QUIT` completes with `221`; the session ends when the adapter reports the control
    /// connection closed. Use it for diagnostics or a server's private extensions, not for
    /// what a named request does.
    pub fn raw_unchecked(
        &mut self,
        command: Command<'_>,
        now: Instant,
    ) -> Result<RequestId, Error> {
        self.command(CommandKind::Raw(command.into_owned()), now)
    }

    /// `LIST [path]`: a listing in the server's format over a data connection.
    pub fn list(&mut self, path: Option<Pathname<'_>>, now: Instant) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::List, path, 0, now)
    }

    /// `NLST [path]`: names only.
    pub fn nlst(&mut self, path: Option<Pathname<'_>>, now: Instant) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::Nlst, path, 0, now)
    }

    /// `MLSD [path]` (RFC 3659 §7). `LIST` runs instead when FEAT was answered without
    /// `MLST`, and as a fallback when the server answers 500/502 (whatever its FEAT said);
    /// [`super::Event::TransferStarted`] and the completion tell which ran.
    pub fn mlsd(&mut self, path: Option<Pathname<'_>>, now: Instant) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::Mlsd, path, 0, now)
    }

    /// `RETR path`, preceded by `REST offset` when `offset > 0` (RFC 3659 §5: resume a
    /// download in stream mode).
    pub fn retrieve(
        &mut self,
        path: Pathname<'_>,
        offset: u64,
        now: Instant,
    ) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::Retr, Some(path), offset, now)
    }

    /// `STOR path`.
    pub fn store(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::Stor, Some(path), 0, now)
    }

    /// `STOR path` preceded by `REST offset` when `offset > 0` (RFC 3659 §5: resume an
    /// upload in stream mode; the server writes from `offset`). The adapter sends the local
    /// file from the same offset. [`Client::size`] tells where the server's copy ends.
    pub fn store_at(
        &mut self,
        path: Pathname<'_>,
        offset: u64,
        now: Instant,
    ) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::Stor, Some(path), offset, now)
    }

    /// `APPE path`.
    pub fn append(&mut self, path: Pathname<'_>, now: Instant) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::Appe, Some(path), 0, now)
    }

    /// `STOU`: the server picks the name, reported in its `125`/`150 FILE: pppp` reply (RFC 1123
    /// §4.1.2.9) and kept as [`super::Client::unique_name`].
    pub fn store_unique(&mut self, now: Instant) -> Result<RequestId, Error> {
        self.transfer(TransferCommand::Stou, None, 0, now)
    }

    /// Aborts the running transfer: before the transfer command is sent it is simply
    /// cancelled; afterwards the data connection is closed and `ABOR` sent (RFC 959 §4.1.3).
    /// The transfer completes with [`super::Failure::Aborted`].
    pub fn abort(&mut self, now: Instant) -> Result<(), Error> {
        if self.closed {
            return Err(self.error(ErrorKind::Closed));
        }
        if self.abort_transfer(now) {
            Ok(())
        } else {
            Err(self.error(ErrorKind::NoTransfer))
        }
    }

    /// `REIN` (RFC 959 §4.1.1): logs out; on `220` TLS is cleared (RFC 4217 §13) and the
    /// set-up runs again (`HOST`, `AUTH`), ending with [`super::Event::Connected`]. Not
    /// available under implicit TLS.
    pub fn reinitialize(&mut self, now: Instant) -> Result<RequestId, Error> {
        if self.config.security == Security::Implicit {
            return Err(self.error(ErrorKind::Unsupported));
        }
        self.check_logged_in()?;
        self.busy_check()?;
        let id = self.new_id();
        self.submit(Job::Rein { id }, now)
    }

    /// `QUIT`: completes with the server's reply, then [`super::Event::Closed`]. Allowed in
    /// any state but while another request is in flight.
    pub fn quit(&mut self, now: Instant) -> Result<RequestId, Error> {
        if self.closed {
            return Err(self.error(ErrorKind::Closed));
        }
        if !self.connected {
            return Err(self.error(ErrorKind::Busy));
        }
        self.busy_check()?;
        let id = self.new_id();
        let job = Job::Quit { id: Some(id) };
        if self.job.is_none() {
            self.start_job(job, now);
        } else {
            self.parked = Some(job);
        }
        Ok(id)
    }
}

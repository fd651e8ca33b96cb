//! [`Config`]: how a [`super::Client`] secures the session and opens data connections, and
//! [`Login`]: the credentials of one login.
//!
//! Owns the client's choices (security mode, data protection, passive or active mode,
//! timeouts, codec limits). Must not hold session state: the machine copies what it needs.

use core::fmt;
use core::time::Duration;

use alloc::vec::Vec;

use super::ErrorKind;
use crate::codec::{Command, Limits};
use crate::types::{Account, Hostname, LanguageTag, Password, TransferType, Username};

/// How the control connection is secured (RFC 4217 §4, and implicit FTPS on port 990).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Security {
    /// No TLS at all. Credentials and data travel in clear.
    Plain,
    /// `AUTH TLS` after the greeting; if the server refuses, the session is closed before any
    /// credential is sent (RFC 4217 §4.1). The default.
    #[default]
    ExplicitRequired,
    /// `AUTH TLS` after the greeting; if the server refuses it (4xx/5xx), the session carries
    /// on in clear and [`super::Event::TlsDeclined`] says so.
    ExplicitOpportunistic,
    /// TLS from the first byte (the adapter connects, usually to port 990, and the first
    /// output is a control-channel `StartTls`). No `AUTH` is sent.
    Implicit,
}

/// The protection the client asks for on data connections (RFC 4217 §9: `PROT P` or `PROT C`).
///
/// Only meaningful when the control connection is protected; `PBSZ 0` always precedes
/// `PROT` (RFC 4217 §8, RFC 2228 §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataProtection {
    /// `PROT P`: TLS on every data connection, resuming the control session. The default.
    #[default]
    Private,
    /// `PROT C`: data connections in clear (the control connection stays protected).
    Clear,
}

/// Who opens data connections (RFC 959 §3.2, RFC 2428).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataMode {
    /// The client connects to the server: `EPSV` first (unless disabled or refused), `PASV`
    /// as the fallback (RFC 2428 §3, RFC 959 §4.1.2). The default.
    #[default]
    Passive,
    /// The server connects to the client: the adapter listens, the client sends `EPRT`
    /// (falling back to `PORT` on 500/502 for IPv4, RFC 2428 §2).
    Active,
}

/// Every deadline the client computes. A `None` disables that timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Timeouts {
    /// From [`super::Client::new`] until the server's greeting (implicit mode: including the
    /// TLS handshake). Default 30 s.
    pub connect: Option<Duration>,
    /// From sending a command until its reply. Suspended while a transfer runs (between the
    /// 1xx reply and the end of the data connection). Default 30 s.
    pub reply: Option<Duration>,
    /// From asking for a data connection (open, listen, accept) until the adapter reports it
    /// connected; and from a transfer's final reply until the end of its data connection
    /// (a close_notify that never comes is a truncation). A data connection that stalls
    /// while bytes flow is the adapter's to detect: it sees the bytes. Default 30 s.
    pub data: Option<Duration>,
    /// From a `StartTls` until the adapter reports the handshake done. Default 30 s.
    pub tls: Option<Duration>,
    /// With nothing in flight, how long before a keep-alive `NOOP` is sent. Default: off.
    pub keepalive: Option<Duration>,
    /// With nothing in flight, how long before the client sends `QUIT` by itself. Default:
    /// off. Keep-alive NOOPs do not count as activity for this timer.
    pub idle: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        let t = Some(Duration::from_secs(30));
        Timeouts {
            connect: t,
            reply: t,
            data: t,
            tls: t,
            keepalive: None,
            idle: None,
        }
    }
}

/// The client's configuration. Start from [`Config::default`] and change fields or use the
/// `with_*` methods.
///
/// The defaults are the safe ones: explicit TLS required, `PROT P`, passive mode with EPSV,
/// the PASV address replaced by the control connection's peer address, binary transfers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// How the control connection is secured.
    pub security: Security,
    /// If `AUTH TLS` is refused with 5xx, try `AUTH SSL` before giving up (some old servers
    /// only know the historic name). Default `false`.
    pub auth_ssl_fallback: bool,
    /// `PROT P` or `PROT C` once logged in under TLS.
    pub data_protection: DataProtection,
    /// Send `CCC` after login and the `PBSZ`/`PROT` exchange, to let NAT firewalls read the
    /// control connection (RFC 4217 §6, §12.3). Default `false`.
    pub clear_command_channel: bool,
    /// Send `PBSZ 0` and `PROT` right after the control handshake, before `USER`, for
    /// servers that want them first (RFC 4217 §10.3: the timing must be overridable).
    /// Default `false`: after login, which every common server accepts.
    pub protection_before_login: bool,
    /// Commands sent after the greeting (and `HOST`), before `AUTH` (RFC 4217 §10.3: a
    /// server may need a `SITE` or quoted command first). Set with
    /// [`Config::with_command_before_auth`].
    pub(crate) before_auth: Vec<Command<'static>>,
    /// `HOST <name>` before authenticating (RFC 7151 §3.3: before `AUTH` in explicit mode,
    /// right after the greeting or the TLS handshake in implicit mode). The name the user
    /// typed, without a port; an IPv6 literal in brackets (RFC 7151 §3.1). `500`/`502` mean
    /// the server has no virtual hosts and the session carries on; any other refusal ends it
    /// ([`super::CloseReason::HostRefused`]). Default: not sent.
    ///
    /// A [`Hostname`] is checked when it is made: a domain name or an IP literal, never a
    /// port (RFC 7151 §3). RFC 7151 §4 wants the server's certificate checked against the
    /// same name: [`Hostname::server_name`] is the name to verify it with, and the crate's
    /// client adapters use it as the TLS server name when `tls_server_name` is not set.
    pub host: Option<Hostname>,
    /// Passive or active data connections.
    pub data_mode: DataMode,
    /// Try `EPSV` before `PASV` in passive mode, `EPRT` before `PORT` in active mode.
    /// Default `true`.
    pub extended_data_commands: bool,
    /// Use the address of a `227` reply as is. Default `false`: only its port is used and the
    /// adapter connects to the control connection's peer address
    /// ([`super::DataAddress::ControlPeer`]), which defeats PASV-based bounce and
    /// data-redirection attacks (RFC 2577 §3) and NAT mistakes.
    pub trust_pasv_address: bool,
    /// Send `EPSV ALL` before the first transfer of a login (RFC 2428 §4: it tells NATs and
    /// firewalls that only `EPSV` follows) and then never `PASV`, `PORT` or `EPRT`: a
    /// refused or unusable `EPSV` fails the transfer instead of falling back. Needs
    /// [`DataMode::Passive`] (a transfer request in active mode is refused with
    /// [`super::ErrorKind::Unsupported`]). Default `false`.
    pub epsv_all: bool,
    /// `TYPE` sent after login. Default `TYPE I`.
    pub transfer_type: TransferType,
    /// Send `OPTS UTF8 ON` after login when FEAT announces `UTF8` (RFC 2640 §3.3). Default
    /// `true`.
    pub utf8: bool,
    /// Send `LANG <tag>` after FEAT when FEAT announces `LANG` (RFC 2640 §4: the language of
    /// the server's reply texts; see [`crate::types::Features::languages`] for the tags it
    /// offers). A refusal keeps the server's default. Default: not sent.
    pub language: Option<LanguageTag>,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// Memory bounds of the reply decoder (see [`Config::with_limits`]).
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            security: Security::default(),
            auth_ssl_fallback: false,
            data_protection: DataProtection::default(),
            clear_command_channel: false,
            protection_before_login: false,
            before_auth: Vec::new(),
            host: None,
            data_mode: DataMode::default(),
            extended_data_commands: true,
            trust_pasv_address: false,
            epsv_all: false,
            transfer_type: TransferType::Image,
            utf8: true,
            language: None,
            timeouts: Timeouts::default(),
            limits: Limits::default(),
        }
    }
}

impl Config {
    /// Sets the security mode.
    pub fn with_security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }
    /// Sets the data protection level.
    pub fn with_data_protection(mut self, p: DataProtection) -> Self {
        self.data_protection = p;
        self
    }
    /// Sets the data connection mode.
    pub fn with_data_mode(mut self, mode: DataMode) -> Self {
        self.data_mode = mode;
        self
    }
    /// Sets the virtual host name sent with `HOST` (see [`Config::host`]).
    pub fn with_host(mut self, host: Hostname) -> Self {
        self.host = Some(host);
        self
    }
    /// Asks for `CCC` after login.
    pub fn with_clear_command_channel(mut self, on: bool) -> Self {
        self.clear_command_channel = on;
        self
    }
    /// Adds a command to send after the greeting and before `AUTH` (RFC 4217 §10.3). Its
    /// reply is ignored (except `421`, which ends the session). Commands that change state
    /// the client tracks (login, security, transfers...) are refused with
    /// [`ErrorKind::UseNamedRequest`].
    pub fn with_command_before_auth(mut self, command: Command<'_>) -> Result<Self, ErrorKind> {
        if super::command::is_reserved(&command) {
            return Err(ErrorKind::UseNamedRequest);
        }
        self.before_auth.push(command.into_owned());
        Ok(self)
    }

    /// The commands sent before `AUTH`, in order.
    pub fn commands_before_auth(&self) -> &[Command<'static>] {
        &self.before_auth
    }

    /// Sets the reply decoder's memory bounds: the longest line and the most lines one reply
    /// keeps ([`Limits::max_reply_lines`], default 1024). A longer reply does not end the
    /// session: its excess lines are dropped and reported
    /// ([`super::Event::ExcessLinesIgnored`]), its code still answers the request.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets [`Config::language`].
    pub fn with_language(mut self, tag: LanguageTag) -> Self {
        self.language = Some(tag);
        self
    }

    /// Sets [`Config::epsv_all`].
    pub fn with_epsv_all(mut self, on: bool) -> Self {
        self.epsv_all = on;
        self
    }

    /// Sets the timeouts.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }
}

/// The credentials of one login (RFC 959 §4.1.1, §5.4; RFC 2228 §3 for 232).
///
/// Its `Debug` output never shows the password or the account.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub(crate) user: Option<Username<'static>>,
    pub(crate) password: Option<Password<'static>>,
    pub(crate) account: Option<Account<'static>>,
}

impl Login {
    /// `USER` then `PASS` (and `ACCT` if the server asks and one was given).
    pub fn new(user: Username<'_>, password: Password<'_>) -> Self {
        Login {
            user: Some(user.into_owned()),
            password: Some(password.into_owned()),
            account: None,
        }
    }

    /// `USER anonymous` with an e-mail address (or anything) as the password (RFC 1635).
    pub fn anonymous(password: Password<'_>) -> Self {
        Login {
            user: Some(Username::new_unchecked(&b"anonymous"[..])),
            password: Some(password.into_owned()),
            account: None,
        }
    }

    /// No `USER`/`PASS` at all: the server authenticated the TLS client certificate during
    /// the control handshake (RFC 4217 §15.1.2). Needs a protected control connection.
    pub fn certificate() -> Self {
        Login {
            user: None,
            password: None,
            account: None,
        }
    }

    /// `USER` only, expecting `232` (logged in by the security exchange, RFC 2228 §3, with
    /// the TLS client certificate). A `331` then fails the login: no password was given.
    pub fn certificate_user(user: Username<'_>) -> Self {
        Login {
            user: Some(user.into_owned()),
            password: None,
            account: None,
        }
    }

    /// The account to send if the server answers `332` (RFC 959 §4.1.1 ACCT).
    pub fn with_account(mut self, account: Account<'_>) -> Self {
        self.account = Some(account.into_owned());
        self
    }

    /// The user name, if one is sent.
    pub fn user(&self) -> Option<&Username<'static>> {
        self.user.as_ref()
    }
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("account", &self.account.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

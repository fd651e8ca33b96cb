//! [`Config`]: the server's security policy and limits, as data.
//!
//! Owns every knob a host can turn on a [`super::Session`]: the control-channel policy
//! ([`ControlPolicy`]), the data-channel policy ([`DataPolicy`]), anonymous and client-certificate
//! login, TLS session resumption on data connections, strict `PBSZ`-before-`PROT`, `CCC`, active
//! mode, the passive address override for NAT, login-attempt limits and timeouts. It must not
//! hold session state and must not do I/O.

use core::net::IpAddr;
use core::time::Duration;

use crate::codec::Limits;
use crate::types::Text;

/// What the server requires of the control connection (RFC 4217 §10.1; the IIS-style "control
/// channel" setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ControlPolicy {
    /// `AUTH TLS` is offered; plaintext sessions are allowed ("Allow").
    Optional,
    /// Plaintext is allowed, but `USER`/`PASS` for non-anonymous users are refused with `530`
    /// until `AUTH TLS` has succeeded ("Require only for credentials").
    RequiredForCredentials,
    /// Every command before `AUTH TLS` is refused except `AUTH`, `FEAT`, `HOST` and `QUIT`
    /// ("no unprotected commands", RFC 4217 §10.1 first bullet).
    Required,
    /// Implicit FTPS: TLS starts as soon as the connection is made, before the `220` greeting
    /// (the historic port 990 convention). `AUTH` is then superfluous.
    Implicit,
}

/// What the server requires of data connections (RFC 4217 §10.2; the IIS-style "data channel"
/// setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DataPolicy {
    /// The client chooses `PROT C` or `PROT P` ("Allow").
    Optional,
    /// "No unprotected data": `PROT C` is refused, and every data command (`PASV`, `EPSV`,
    /// `PORT`, `EPRT`, and the transfer commands) is refused until `PROT P` is in force.
    Required,
    /// Data connections are never protected: `PROT P` is refused with `534`.
    Denied,
}

/// The session's configuration: security policy as data, plus limits and texts.
///
/// Build it from [`Config::default`] and the `with_*` methods; fields are public for reading.
///
/// # Secure by default
///
/// The default requires TLS on both channels: [`ControlPolicy::Required`] (every command but
/// `AUTH`, `FEAT`, `HOST` and `QUIT` is refused until `AUTH TLS` has succeeded, `USER` with
/// `530`, RFC 4217 §10.1) and [`DataPolicy::Required`] (`PROT C` and every data command are
/// refused until `PROT P` is in force, RFC 4217 §10.2). No password and no file ever crosses
/// the network in clear unless the host asks for it. To serve plaintext clients as well, opt
/// out explicitly:
///
/// ```
/// use ftps_proto::server::{Config, ControlPolicy, DataPolicy};
///
/// let secure = Config::default();
/// assert_eq!((secure.control, secure.data), (ControlPolicy::Required, DataPolicy::Required));
///
/// let plaintext_allowed = Config::default()
///     .with_control(ControlPolicy::Optional)
///     .with_data(DataPolicy::Optional);
/// assert_eq!(plaintext_allowed.control, ControlPolicy::Optional);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Control-channel policy. Default: [`ControlPolicy::Required`] (no command but `AUTH`,
    /// `FEAT`, `HOST` and `QUIT` before `AUTH TLS`, RFC 4217 §10.1).
    pub control: ControlPolicy,
    /// Data-channel policy. Default: [`DataPolicy::Required`] (no data connection without
    /// `PROT P`, RFC 4217 §10.2).
    pub data: DataPolicy,
    /// Whether `USER anonymous` / `USER ftp` may log in at all. Default: false. When true, the
    /// application still decides ([`super::Event::User`] says `anonymous: true`), and
    /// [`ControlPolicy::RequiredForCredentials`] lets anonymous users in without TLS.
    pub anonymous: bool,
    /// Whether a TLS client certificate may replace the password (`USER` answered `232`,
    /// RFC 2228 §4, RFC 4217 §10.1 "TLS authentication as a substitute"). Default: false.
    pub certificate_login: bool,
    /// Whether a protected data connection must resume the control connection's TLS session
    /// (RFC 4217 §10.2). The adapter is told in [`super::Output::StartTls`] and reports what
    /// happened in [`super::TlsDetails`]; a fresh handshake is then refused with `522`.
    /// Default: true (vsftpd's and proftpd's default, defeats data-connection stealing).
    pub require_data_session_resumption: bool,
    /// Whether `PROT` without an earlier `PBSZ` is refused with `503` (RFC 4217 §9: "the PROT
    /// command MUST be preceded by a PBSZ command"). Default: true.
    pub strict_pbsz: bool,
    /// Whether `CCC` (RFC 4217 §5) is accepted after login. Default: false.
    pub allow_ccc: bool,
    /// Whether active mode (`PORT`, `EPRT`) is accepted. Default: true.
    pub allow_active: bool,
    /// The address announced in `227` replies instead of the control connection's local
    /// address, for servers behind NAT or a load balancer. Default: none.
    pub passive_address: Option<IpAddr>,
    /// Failed `PASS` attempts allowed per session before `421` and close (RFC 2577 §4).
    /// Default: 3.
    pub max_login_attempts: u32,
    /// How long a failed login's `530` is held back (RFC 2577 §4 suggests 5 s). A deadline,
    /// never a sleep. Default: 5 s.
    pub login_failure_delay: Duration,
    /// Silence on the control connection after which the session answers `421` and closes
    /// (not counted while a transfer runs). Default: 300 s.
    pub idle_timeout: Duration,
    /// How long an accepted transfer waits for its data connection before `425`.
    /// Default: 30 s.
    pub data_connection_timeout: Duration,
    /// The pre-login deadline: time from the connection (or from `REIN`) to a successful
    /// login, whatever the client sends meanwhile; then `421` and close (RFC 959 §4.2 "service
    /// not available, closing control connection"), or a bare close while a control TLS
    /// handshake is pending. Bounds how long a connection that never logs in holds a
    /// session slot (RFC 2577 §4 spirit: limit what an unauthenticated peer can hold).
    /// Default: 60 s.
    pub login_timeout: Duration,
    /// Line-length bound of the command decoder (an overlong line is answered `500`).
    pub limits: Limits,
    /// Most bytes of pipelined, not yet processed commands held while the session waits for a
    /// decision or a handshake; beyond it the session answers `421` and closes. Default: 64 KiB.
    pub max_pipelined_bytes: usize,
    /// Text of the `220` greeting. Default: `FTPS server ready`.
    pub greeting: Text<'static>,
    /// Text of the `215` SYST reply. Default: `UNIX Type: L8`.
    pub system_type: Text<'static>,
    /// Whether `UTF8` is announced in FEAT and `OPTS UTF8 ON` accepted (RFC 2640 §3.2).
    /// Default: true.
    pub utf8: bool,
    /// The MLSx facts offered, `*` marking those sent by default (RFC 3659 §7.8); the FEAT
    /// line marks the facts currently selected, which `OPTS MLST` changes (§7.9).
    /// Default: `type*;size*;modify*;`.
    pub mlst_facts: Text<'static>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            control: ControlPolicy::Required,
            data: DataPolicy::Required,
            anonymous: false,
            certificate_login: false,
            require_data_session_resumption: true,
            strict_pbsz: true,
            allow_ccc: false,
            allow_active: true,
            passive_address: None,
            max_login_attempts: 3,
            login_failure_delay: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(300),
            data_connection_timeout: Duration::from_secs(30),
            login_timeout: Duration::from_secs(60),
            limits: Limits::default(),
            max_pipelined_bytes: 64 * 1024,
            greeting: Text::from_static("FTPS server ready"),
            system_type: Text::from_static("UNIX Type: L8"),
            utf8: true,
            mlst_facts: Text::from_static("type*;size*;modify*;"),
        }
    }
}

impl Config {
    /// Sets the control-channel policy.
    pub fn with_control(mut self, policy: ControlPolicy) -> Self {
        self.control = policy;
        self
    }
    /// Sets the data-channel policy.
    pub fn with_data(mut self, policy: DataPolicy) -> Self {
        self.data = policy;
        self
    }
    /// Allows or forbids anonymous login.
    pub fn with_anonymous(mut self, allowed: bool) -> Self {
        self.anonymous = allowed;
        self
    }
    /// Allows or forbids TLS client-certificate login (`232`).
    pub fn with_certificate_login(mut self, allowed: bool) -> Self {
        self.certificate_login = allowed;
        self
    }
    /// Requires (or not) TLS session resumption on protected data connections.
    pub fn with_data_session_resumption(mut self, required: bool) -> Self {
        self.require_data_session_resumption = required;
        self
    }
    /// Makes `PROT` without `PBSZ` an error (true) or tolerated (false).
    pub fn with_strict_pbsz(mut self, strict: bool) -> Self {
        self.strict_pbsz = strict;
        self
    }
    /// Allows or forbids `CCC`.
    pub fn with_ccc(mut self, allowed: bool) -> Self {
        self.allow_ccc = allowed;
        self
    }
    /// Allows or forbids active mode (`PORT`, `EPRT`).
    pub fn with_active(mut self, allowed: bool) -> Self {
        self.allow_active = allowed;
        self
    }
    /// Announces this address in `227` replies (NAT, load balancer).
    pub fn with_passive_address(mut self, address: Option<IpAddr>) -> Self {
        self.passive_address = address;
        self
    }
    /// Sets the number of failed logins before `421`, and the delay of each failure's `530`.
    pub fn with_login_attempts(mut self, max: u32, delay: Duration) -> Self {
        self.max_login_attempts = max;
        self.login_failure_delay = delay;
        self
    }
    /// Sets the idle timeout.
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }
    /// Sets how long an accepted transfer waits for its data connection.
    pub fn with_data_connection_timeout(mut self, timeout: Duration) -> Self {
        self.data_connection_timeout = timeout;
        self
    }
    /// Sets the pre-login deadline ([`Config::login_timeout`]).
    pub fn with_login_timeout(mut self, timeout: Duration) -> Self {
        self.login_timeout = timeout;
        self
    }
    /// Sets the command decoder's limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
    /// Sets the bound on pipelined, unprocessed command bytes.
    pub fn with_max_pipelined_bytes(mut self, bytes: usize) -> Self {
        self.max_pipelined_bytes = bytes;
        self
    }
    /// Sets the `220` greeting text.
    pub fn with_greeting(mut self, text: Text<'static>) -> Self {
        self.greeting = text;
        self
    }
    /// Sets the `215` SYST text.
    pub fn with_system_type(mut self, text: Text<'static>) -> Self {
        self.system_type = text;
        self
    }
    /// Sets the MLSx facts offered, `*` marking the defaults (`type*;size*;modify*;perm;`).
    pub fn with_mlst_facts(mut self, facts: Text<'static>) -> Self {
        self.mlst_facts = facts;
        self
    }
    /// Announces (or not) `UTF8` and accepts `OPTS UTF8 ON`.
    pub fn with_utf8(mut self, enabled: bool) -> Self {
        self.utf8 = enabled;
        self
    }
}

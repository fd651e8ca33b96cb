//! [`FtpUrl`]: the `ftp://`, `ftpes://` and `ftps://` URLs a user types, parsed into what
//! the blocking client needs (security mode, host, port, credentials, path).
//!
//! Owns the URL grammar (RFC 1738 §3.2 for `ftp`, RFC 3986 §3.2 for the authority and
//! percent-encoding) and the scheme → security mapping. Must not open connections or build
//! commands: values come out as validated [`crate::types`] values, or an error.
//!
//! | scheme     | security                                 | default port |
//! |------------|------------------------------------------|--------------|
//! | `ftp://`   | explicit TLS (`AUTH TLS`), TLS required   | 21           |
//! | `ftpes://` | the same, spelt out                      | 21           |
//! | `ftps://`  | implicit TLS from the first byte         | 990          |
//!
//! `ftp://` means *TLS required* here, not plain FTP: a plain session is only made when the
//! caller asks for it explicitly (the example's `--no-tls`).

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::prelude::rust_2021::*;
use std::string::String;
use std::vec::Vec;

use crate::client::Login;
use crate::types::{InvalidText, Password, Pathname, Username};

/// How the control connection is secured, as the URL's scheme says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlSecurity {
    /// `ftp://` or `ftpes://`: `AUTH TLS` after the greeting, TLS required (RFC 4217 §4).
    Explicit,
    /// `ftps://`: TLS from the first byte (port 990 by default).
    Implicit,
}

/// The host part of a URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlHost {
    /// A DNS name (kept as written, lower-cased).
    Name(String),
    /// An IPv4 or IPv6 literal (`[::1]` in the URL).
    Ip(IpAddr),
}

impl UrlHost {
    /// The host as the TLS layer names it (SNI and certificate check): the DNS name or the
    /// address literal.
    pub fn as_tls_name(&self) -> String {
        match self {
            UrlHost::Name(n) => n.clone(),
            UrlHost::Ip(ip) => ip.to_string(),
        }
    }
}

impl fmt::Display for UrlHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlHost::Name(n) => f.write_str(n),
            UrlHost::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            UrlHost::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Why a URL was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// No `scheme://`.
    #[error("not a URL (expected ftp://, ftpes:// or ftps://)")]
    NoScheme,
    /// A scheme other than `ftp`, `ftpes`, `ftps`.
    #[error("unsupported scheme {0:?} (expected ftp, ftpes or ftps)")]
    UnsupportedScheme(String),
    /// No host between `//` and the port or path.
    #[error("the URL has no host")]
    NoHost,
    /// The host is neither a DNS name nor an IP literal.
    #[error("invalid host {0:?}")]
    InvalidHost(String),
    /// The port is not a number from 1 to 65535.
    #[error("invalid port {0:?}")]
    InvalidPort(String),
    /// A `%` not followed by two hexadecimal digits, at this byte offset of the URL.
    #[error("invalid percent-encoding at offset {0}")]
    InvalidPercentEncoding(usize),
    /// A decoded user name, password or path that may not stand on a control line.
    #[error("the {part} of the URL is not allowed on an FTP command line: {reason}")]
    InvalidPart {
        /// "user name", "password" or "path".
        part: &'static str,
        /// Why.
        reason: InvalidText,
    },
    /// A password without a user name (`ftp://:secret@host/`).
    #[error("the URL has a password but no user name")]
    PasswordWithoutUser,
}

/// An FTP URL, parsed and percent-decoded.
///
/// ```
/// use ftps_proto::io::blocking::client::{FtpUrl, UrlSecurity};
/// let url: FtpUrl = "ftps://alice:p%40ss@files.example.org/pub".parse().unwrap();
/// assert_eq!(url.security(), UrlSecurity::Implicit);
/// assert_eq!(url.port(), 990);
/// assert_eq!(url.user().unwrap().as_bytes(), b"alice");
/// assert_eq!(url.password().unwrap().as_bytes(), b"p@ss");
/// assert_eq!(url.path().unwrap().as_bytes(), b"pub");
/// ```
///
/// Its `Debug` output never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct FtpUrl {
    security: UrlSecurity,
    host: UrlHost,
    port: u16,
    user: Option<Username<'static>>,
    password: Option<Password<'static>>,
    path: Option<Pathname<'static>>,
    login: Login,
}

impl fmt::Debug for FtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FtpUrl")
            .field("security", &self.security)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password)
            .field("path", &self.path)
            .finish()
    }
}

impl fmt::Display for FtpUrl {
    /// The URL without credentials (safe to log).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.security {
            UrlSecurity::Explicit => "ftp",
            UrlSecurity::Implicit => "ftps",
        };
        write!(f, "{scheme}://{}:{}/", self.host, self.port)?;
        if let Some(p) = &self.path {
            write!(f, "{}", p.as_bytes().escape_ascii())?;
        }
        Ok(())
    }
}

impl FtpUrl {
    /// Parses a URL (same as `str::parse`).
    pub fn parse(input: &str) -> Result<FtpUrl, UrlError> {
        let (scheme, rest) = input.split_once("://").ok_or(UrlError::NoScheme)?;
        let scheme_offset = scheme.len() + 3;
        let (security, default_port) = match scheme.to_ascii_lowercase().as_str() {
            "ftp" | "ftpes" => (UrlSecurity::Explicit, 21),
            "ftps" => (UrlSecurity::Implicit, 990),
            _ => return Err(UrlError::UnsupportedScheme(scheme.into())),
        };
        // RFC 3986 §3.2: the authority ends at the first '/', '?' or '#'.
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        // The last '@' separates userinfo from host (an unencoded '@' in a password is common).
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (u, p) = match info.split_once(':') {
                    Some((u, p)) => (u, Some((p, u.len() + 1))),
                    None => (info, None),
                };
                let base = scheme_offset;
                let user = if u.is_empty() {
                    None
                } else {
                    let bytes = percent_decode(u, base)?;
                    Some(
                        Username::new(bytes).map_err(|reason| UrlError::InvalidPart {
                            part: "user name",
                            reason,
                        })?,
                    )
                };
                let password = match p {
                    None => None,
                    Some((p, off)) => {
                        let bytes = percent_decode(p, base + off)?;
                        Some(
                            Password::new(bytes).map_err(|reason| UrlError::InvalidPart {
                                part: "password",
                                reason,
                            })?,
                        )
                    }
                };
                if user.is_none() && password.as_ref().is_some_and(|p| !p.as_bytes().is_empty()) {
                    return Err(UrlError::PasswordWithoutUser);
                }
                (user, password)
            }
        };
        let (host, port) = parse_hostport(hostport, default_port)?;
        // The path: everything after the authority's '/', up to '?' or '#', percent-decoded.
        // RFC 1738 `;type=` suffixes are not supported: transfers are always binary here.
        let path_part = tail
            .strip_prefix('/')
            .map(|p| &p[..p.find(['?', '#']).unwrap_or(p.len())])
            .unwrap_or("");
        let path = if path_part.is_empty() {
            None
        } else {
            let bytes = percent_decode(path_part, scheme_offset + authority_end + 1)?;
            Some(
                Pathname::new(bytes).map_err(|reason| UrlError::InvalidPart {
                    part: "path",
                    reason,
                })?,
            )
        };
        // The login the URL names: its user with its password (empty when it has none), or
        // `anonymous` (RFC 1738 §3.2.1) with the conventional e-mail-style password.
        let login = match &user {
            Some(u) => {
                let password = match &password {
                    Some(p) => p.clone(),
                    None => Password::new(&b""[..]).map_err(|reason| UrlError::InvalidPart {
                        part: "password",
                        reason,
                    })?,
                };
                Login::new(u.clone(), password)
            }
            None => Login::anonymous(Password::new(&b"anonymous@"[..]).map_err(|reason| {
                UrlError::InvalidPart {
                    part: "password",
                    reason,
                }
            })?),
        };
        Ok(FtpUrl {
            security,
            host,
            port,
            user,
            password,
            path,
            login,
        })
    }

    /// Explicit or implicit TLS.
    pub fn security(&self) -> UrlSecurity {
        self.security
    }
    /// The host.
    pub fn host(&self) -> &UrlHost {
        &self.host
    }
    /// The port (the scheme's default when the URL has none).
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The percent-decoded user name, if the URL has one.
    pub fn user(&self) -> Option<&Username<'static>> {
        self.user.as_ref()
    }
    /// The percent-decoded password, if the URL has one.
    pub fn password(&self) -> Option<&Password<'static>> {
        self.password.as_ref()
    }
    /// The credentials the URL names: its user and password (an empty password when it has
    /// none), or `anonymous` when it has no user (RFC 1738 §3.2.1).
    pub fn login(&self) -> Login {
        self.login.clone()
    }
    /// The percent-decoded path after the host (without its leading `/`), if not empty.
    pub fn path(&self) -> Option<&Pathname<'static>> {
        self.path.as_ref()
    }
    /// The host and port as `std::net::ToSocketAddrs` takes them.
    pub fn socket_target(&self) -> (String, u16) {
        let host = match &self.host {
            UrlHost::Name(n) => n.clone(),
            UrlHost::Ip(ip) => ip.to_string(),
        };
        (host, self.port)
    }
}

impl core::str::FromStr for FtpUrl {
    type Err = UrlError;
    fn from_str(s: &str) -> Result<FtpUrl, UrlError> {
        FtpUrl::parse(s)
    }
}

fn parse_hostport(hostport: &str, default_port: u16) -> Result<(UrlHost, u16), UrlError> {
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        // RFC 3986 §3.2.2: IP-literal = "[" IPv6address "]".
        let close = rest
            .find(']')
            .ok_or_else(|| UrlError::InvalidHost(hostport.into()))?;
        let ip: Ipv6Addr = rest[..close]
            .parse()
            .map_err(|_| UrlError::InvalidHost(hostport.into()))?;
        let after = &rest[close + 1..];
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| UrlError::InvalidHost(hostport.into()))?,
            ),
        };
        (UrlHost::Ip(IpAddr::V6(ip)), port)
    } else {
        let (h, p) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        if h.is_empty() {
            return Err(UrlError::NoHost);
        }
        let host = match h.parse::<IpAddr>() {
            Ok(ip) => UrlHost::Ip(ip),
            Err(_) => {
                let valid = h.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                });
                if !valid || h.len() > 253 {
                    return Err(UrlError::InvalidHost(h.into()));
                }
                UrlHost::Name(h.to_ascii_lowercase())
            }
        };
        (host, p)
    };
    let port = match port {
        None | Some("") => default_port,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(UrlError::InvalidPort(p.into())),
        },
    };
    Ok((host, port))
}

/// RFC 3986 §2.1 percent-decoding; `offset` is where `s` starts in the whole URL (for errors).
fn percent_decode(s: &str, offset: usize) -> Result<Cow<'static, [u8]>, UrlError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    // Two hex digits: the value fits a byte.
                    out.push(u8::try_from(h * 16 + l).unwrap_or(0));
                    i += 3;
                }
                _ => return Err(UrlError::InvalidPercentEncoding(offset + i)),
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ftp_means_explicit_tls_on_port_21() {
        let u = FtpUrl::parse("ftp://bob:secret@127.0.0.1/").unwrap();
        assert_eq!(u.security(), UrlSecurity::Explicit);
        assert_eq!(u.port(), 21);
        assert_eq!(u.host(), &UrlHost::Ip("127.0.0.1".parse().unwrap()));
        assert_eq!(u.user().unwrap().as_bytes(), b"bob");
        assert_eq!(u.password().unwrap().as_bytes(), b"secret");
        assert_eq!(u.path(), None);
        assert_eq!(u.login().user().unwrap().as_bytes(), b"bob");
    }

    #[test]
    fn a_url_without_user_logs_in_anonymously() {
        let u = FtpUrl::parse("ftp://h/").unwrap();
        assert_eq!(u.login().user().unwrap().as_bytes(), b"anonymous");
        let u = FtpUrl::parse("ftp://carol@h/").unwrap();
        assert_eq!(u.login().user().unwrap().as_bytes(), b"carol");
        assert_eq!(u.password(), None);
    }

    #[test]
    fn ftpes_is_explicit_and_ftps_is_implicit_on_990() {
        let u = FtpUrl::parse("FTPES://h.example:2121").unwrap();
        assert_eq!((u.security(), u.port()), (UrlSecurity::Explicit, 2121));
        let u = FtpUrl::parse("ftps://h.example").unwrap();
        assert_eq!((u.security(), u.port()), (UrlSecurity::Implicit, 990));
        assert_eq!(u.host(), &UrlHost::Name("h.example".into()));
        assert_eq!(u.user(), None);
    }

    #[test]
    fn credentials_are_percent_decoded_and_last_at_splits() {
        let u = FtpUrl::parse("ftp://us%65r:p@ss%3Aw%2Fd@localhost:21/a%20b/c").unwrap();
        assert_eq!(u.user().unwrap().as_bytes(), b"user");
        assert_eq!(u.password().unwrap().as_bytes(), b"p@ss:w/d");
        assert_eq!(u.path().unwrap().as_bytes(), b"a b/c");
    }

    #[test]
    fn ipv6_literal_with_and_without_port() {
        let u = FtpUrl::parse("ftp://[::1]:2121/x").unwrap();
        assert_eq!(u.host(), &UrlHost::Ip("::1".parse().unwrap()));
        assert_eq!(u.port(), 2121);
        assert_eq!(u.socket_target(), ("::1".into(), 2121));
        assert_eq!(u.host().to_string(), "[::1]");
        let u = FtpUrl::parse("ftps://[fe80::2]").unwrap();
        assert_eq!(u.port(), 990);
    }

    #[test]
    fn a_percent_encoded_line_break_cannot_reach_the_control_line() {
        // `PASS x\r\nDELE y` must never be sent: the decoded password is refused.
        let e = FtpUrl::parse("ftp://u:x%0D%0ADELE%20y@h/").unwrap_err();
        assert_eq!(
            e,
            UrlError::InvalidPart {
                part: "password",
                reason: InvalidText::LineBreak {
                    offset: 1,
                    byte: b'\r'
                }
            }
        );
        assert!(matches!(
            FtpUrl::parse("ftp://h/a%00b"),
            Err(UrlError::InvalidPart { part: "path", .. })
        ));
    }

    #[test]
    fn malformed_urls_are_refused_with_the_reason() {
        assert_eq!(FtpUrl::parse("localhost:21"), Err(UrlError::NoScheme));
        assert_eq!(
            FtpUrl::parse("http://h/"),
            Err(UrlError::UnsupportedScheme("http".into()))
        );
        assert_eq!(FtpUrl::parse("ftp:///x"), Err(UrlError::NoHost));
        assert_eq!(FtpUrl::parse("ftp://u@:21/"), Err(UrlError::NoHost));
        assert_eq!(
            FtpUrl::parse("ftp://h:0/"),
            Err(UrlError::InvalidPort("0".into()))
        );
        assert_eq!(
            FtpUrl::parse("ftp://h:99999/"),
            Err(UrlError::InvalidPort("99999".into()))
        );
        assert_eq!(
            FtpUrl::parse("ftp://h:+21/"),
            Err(UrlError::InvalidPort("+21".into()))
        );
        assert_eq!(
            FtpUrl::parse("ftp://u:%zz@h/"),
            Err(UrlError::InvalidPercentEncoding(8))
        );
        assert_eq!(
            FtpUrl::parse("ftp://bad host/"),
            Err(UrlError::InvalidHost("bad host".into()))
        );
        assert_eq!(
            FtpUrl::parse("ftp://:pw@h/"),
            Err(UrlError::PasswordWithoutUser)
        );
        assert!(matches!(
            FtpUrl::parse("ftp://[::1/"),
            Err(UrlError::InvalidHost(_))
        ));
    }

    #[test]
    fn debug_and_display_never_show_the_password() {
        let u = FtpUrl::parse("ftp://alice:hunter2@h.example/dir").unwrap();
        let shown = std::format!("{u:?} {u}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(u.to_string(), "ftp://h.example:21/dir");
    }

    #[test]
    fn query_and_fragment_are_not_part_of_the_path() {
        let u = FtpUrl::parse("ftp://h/f.txt?x=1#frag").unwrap();
        assert_eq!(u.path().unwrap().as_bytes(), b"f.txt");
        let u = FtpUrl::parse("ftp://h?x").unwrap();
        assert_eq!(u.path(), None);
    }
}

//! [`Hostname`]: the argument of `HOST` (RFC 7151 §3), a domain name or an IP literal, never
//! a port.
//!
//! Owns the validation of that value (the grammar of RFC 7151 §3 and the length limits of RFC
//! 1034 §3.1) and how it compares with a TLS server name. Must not decide what a server does
//! with a host it does not serve (that is the server session's and the application's).

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Text;

/// A `HOST` argument (RFC 7151 §3):
///
/// ```text
/// hostname   = domain / IP-literal
/// domain     = sub-domain *("." sub-domain)
/// sub-domain = let-dig [ldh-str]          ; letters, digits, inner hyphens
/// IP-literal = ( "[" IPv6address "]" ) / IPv4address
/// ```
///
/// A label is at most 63 bytes and the name at most 253 (RFC 1034 §3.1). A port
/// (`192.0.2.1:2112`, `ftp.example.com:21`, `[::1]:21`) is refused with
/// [`InvalidHostname::Port`] ("the server-PI MUST respond with a 501 reply", RFC 7151 §3),
/// an IPv6 address without brackets with [`InvalidHostname::UnbracketedIpv6`].
///
/// ```
/// use ftps_proto::types::{Hostname, InvalidHostname};
///
/// let h = Hostname::try_from("ftp.example.com").unwrap();
/// assert!(h.matches_server_name(b"FTP.Example.COM"));
/// let v6 = Hostname::try_from("[2001:db8::c000:201]").unwrap();
/// assert_eq!(v6.ip(), Some("2001:db8::c000:201".parse().unwrap()));
/// assert_eq!(v6.server_name(), "2001:db8::c000:201");
/// assert_eq!(Hostname::try_from("192.0.2.1:2112"), Err(InvalidHostname::Port));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hostname {
    text: Text<'static>,
    ip: Option<IpAddr>,
}

/// Why a value is not a [`Hostname`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidHostname {
    /// It carries a port (RFC 7151 §3: "The client MUST NOT send the port number").
    #[error("a HOST value carries no port (RFC 7151 section 3)")]
    Port,
    /// An IPv6 address without the square brackets RFC 7151 §3 requires.
    #[error("an IPv6 literal needs square brackets (RFC 7151 section 3)")]
    UnbracketedIpv6,
    /// Not a domain name or IP literal: the byte at `offset` does not fit (or the name or a
    /// label is too long, or empty).
    #[error("not a host name or IP literal (at byte {offset})")]
    Invalid {
        /// Where it went wrong.
        offset: usize,
    },
}

impl Hostname {
    /// Checks `bytes` (see the type's grammar).
    pub fn new(bytes: &[u8]) -> Result<Hostname, InvalidHostname> {
        let ip = classify(bytes)?;
        Ok(Hostname {
            text: Text::new_unchecked(bytes.to_vec()),
            ip,
        })
    }

    /// The value as sent after `HOST `.
    pub fn as_text(&self) -> &Text<'static> {
        &self.text
    }

    /// The address of an IP literal; `None` for a domain name.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The name to check a server certificate against (RFC 6125): the domain name, or the
    /// address of an IP literal without its brackets.
    pub fn server_name(&self) -> &str {
        let b = self.text.as_bytes();
        let b = match self.ip {
            Some(IpAddr::V6(_)) => b.get(1..b.len() - 1).unwrap_or(b),
            _ => b,
        };
        // Checked ASCII at construction.
        core::str::from_utf8(b).unwrap_or("")
    }

    /// Whether `name` (a TLS server name, RFC 6066 §3) names the same host: domain names
    /// compare case-insensitively (RFC 7151 §2.1), an IP literal never matches (TLS server
    /// names are DNS names only).
    pub fn matches_server_name(&self, name: &[u8]) -> bool {
        self.ip.is_none() && self.text.as_bytes().eq_ignore_ascii_case(name)
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(core::str::from_utf8(self.text.as_bytes()).unwrap_or(""))
    }
}

impl TryFrom<&str> for Hostname {
    type Error = InvalidHostname;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Hostname::new(s.as_bytes())
    }
}

impl TryFrom<&[u8]> for Hostname {
    type Error = InvalidHostname;
    fn try_from(b: &[u8]) -> Result<Self, Self::Error> {
        Hostname::new(b)
    }
}

fn parse_ip<T: core::str::FromStr>(b: &[u8]) -> Option<T> {
    core::str::from_utf8(b).ok()?.parse().ok()
}

/// The address of an IP literal, `None` for a valid domain name, or why it is neither.
fn classify(b: &[u8]) -> Result<Option<IpAddr>, InvalidHostname> {
    let invalid = |offset| Err(InvalidHostname::Invalid { offset });
    if let Some(inner) = b.strip_prefix(b"[") {
        let Some(close) = inner.iter().position(|&c| c == b']') else {
            return invalid(b.len());
        };
        let Some(v6) = parse_ip::<Ipv6Addr>(&inner[..close]) else {
            return invalid(1);
        };
        return match &inner[close + 1..] {
            [] => Ok(Some(IpAddr::V6(v6))),
            [b':', ..] => Err(InvalidHostname::Port),
            _ => invalid(close + 2),
        };
    }
    if let Some(v4) = parse_ip::<Ipv4Addr>(b) {
        return Ok(Some(IpAddr::V4(v4)));
    }
    if let Some(colon) = b.iter().position(|&c| c == b':') {
        if parse_ip::<Ipv6Addr>(b).is_some() {
            return Err(InvalidHostname::UnbracketedIpv6);
        }
        let (host, port) = (&b[..colon], &b[colon + 1..]);
        let port_like = !port.is_empty() && port.iter().all(u8::is_ascii_digit);
        if port_like && (parse_ip::<Ipv4Addr>(host).is_some() || classify_domain(host).is_ok()) {
            return Err(InvalidHostname::Port);
        }
        return invalid(colon);
    }
    classify_domain(b).map(|()| None)
}

/// `sub-domain *("." sub-domain)`, labels of 1 to 63 bytes, 253 in all.
fn classify_domain(b: &[u8]) -> Result<(), InvalidHostname> {
    let invalid = |offset| Err(InvalidHostname::Invalid { offset });
    if b.is_empty() || b.len() > 253 {
        return invalid(b.len().min(253));
    }
    let mut start = 0;
    for label in b.split(|&c| c == b'.') {
        let end = start + label.len();
        if label.is_empty() || label.len() > 63 {
            return invalid(start + label.len().min(63));
        }
        if let Some(i) = label
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || c == b'-'))
        {
            return invalid(start + i);
        }
        if label[0] == b'-' {
            return invalid(start);
        }
        if label[label.len() - 1] == b'-' {
            return invalid(end - 1);
        }
        start = end + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Result<Hostname, InvalidHostname> {
        Hostname::try_from(s)
    }

    #[test]
    fn rfc_7151_examples() {
        // C: HOST ftp.example.com / HOST 192.0.2.1 / HOST [2001:db8::c000:201] / HOST [::192.0.2.1]
        assert_eq!(h("ftp.example.com").unwrap().ip(), None);
        assert_eq!(
            h("192.0.2.1").unwrap().ip(),
            Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)))
        );
        assert!(matches!(
            h("[2001:db8::c000:201]").unwrap().ip(),
            Some(IpAddr::V6(_))
        ));
        assert!(h("[::192.0.2.1]").is_ok());
        // RFC 7151 §3: "HOST 192.0.2.1:2112" and "HOST [2001:db8::c000:201]:2112" are 501.
        assert_eq!(h("192.0.2.1:2112"), Err(InvalidHostname::Port));
        assert_eq!(h("[2001:db8::c000:201]:2112"), Err(InvalidHostname::Port));
        assert_eq!(h("ftp.example.com:21"), Err(InvalidHostname::Port));
    }

    #[test]
    fn refusals() {
        assert_eq!(h("2001:db8::1"), Err(InvalidHostname::UnbracketedIpv6));
        assert_eq!(h(""), Err(InvalidHostname::Invalid { offset: 0 }));
        assert_eq!(h("a..b"), Err(InvalidHostname::Invalid { offset: 2 }));
        assert_eq!(h("a.b."), Err(InvalidHostname::Invalid { offset: 4 }));
        assert_eq!(h("-a.b"), Err(InvalidHostname::Invalid { offset: 0 }));
        assert_eq!(h("a-.b"), Err(InvalidHostname::Invalid { offset: 1 }));
        assert_eq!(h("a b"), Err(InvalidHostname::Invalid { offset: 1 }));
        assert_eq!(
            h("a_b.example"),
            Err(InvalidHostname::Invalid { offset: 1 })
        );
        assert_eq!(h("[::1"), Err(InvalidHostname::Invalid { offset: 4 }));
        assert_eq!(h("[x]"), Err(InvalidHostname::Invalid { offset: 1 }));
        assert_eq!(h("[::1]x"), Err(InvalidHostname::Invalid { offset: 5 }));
        assert_eq!(h("a:b"), Err(InvalidHostname::Invalid { offset: 1 }));
        let long_label = "a".repeat(64);
        assert_eq!(h(&long_label), Err(InvalidHostname::Invalid { offset: 63 }));
        let long_name = ["a".repeat(63).as_str(); 4].join(".");
        assert_eq!(h(&long_name), Err(InvalidHostname::Invalid { offset: 253 }));
        assert!(h(&["a".repeat(63).as_str(); 3].join(".")).is_ok());
    }

    #[test]
    fn server_names() {
        let d = h("Ftp.Example.com").unwrap();
        assert_eq!(d.server_name(), "Ftp.Example.com");
        assert!(d.matches_server_name(b"ftp.example.COM"));
        assert!(!d.matches_server_name(b"example.com"));
        let ip = h("192.0.2.1").unwrap();
        assert!(!ip.matches_server_name(b"192.0.2.1"));
        assert_eq!(ip.server_name(), "192.0.2.1");
        assert_eq!(h("[::1]").unwrap().server_name(), "::1");
        assert_eq!(h("[::1]").unwrap().as_text().as_bytes(), b"[::1]");
    }
}

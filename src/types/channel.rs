//! Connection vocabulary shared by the client and server machines and their adapters.

/// Which connection an action or a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Channel {
    /// The control connection.
    Control,
    /// The (current) data connection.
    Data,
}

/// Which side of the TLS handshake this endpoint plays (RFC 4217 §2: the FTP client is the
/// TLS client on both connections, whatever the direction of the data connection).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum TlsRole {
    /// TLS client.
    Client,
    /// TLS server.
    Server,
}

/// How a data connection ended, as the adapter observed it.
///
/// Under PROT P only [`DataEnd::Clean`] after a TLS close_notify proves the peer sent
/// everything (RFC 4217 §10, and RFC 5246 §7.2.1 truncation attacks); an EOF without
/// close_notify is [`DataEnd::Truncated`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum DataEnd {
    /// The peer ended the stream properly: TLS close_notify then EOF under PROT P, or a TCP
    /// FIN in clear.
    Clean,
    /// EOF without TLS close_notify while the channel was protected: possibly truncated.
    Truncated,
    /// Reset, I/O error or TLS error.
    Failed,
}

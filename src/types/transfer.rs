//! Transfer parameters: TYPE, STRU, MODE (RFC 959 §3.1, §3.4), PROT (RFC 2228 §3),
//! EPSV arguments (RFC 2428 §3) and ALLO sizes (RFC 959 §4.1.3).

/// Format control for ASCII and EBCDIC types (RFC 959 §3.1.1.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum FormatControl {
    /// `N`: non-print (the default).
    NonPrint,
    /// `T`: Telnet format effectors.
    Telnet,
    /// `C`: carriage control (ASA).
    Asa,
}

/// The representation type of TYPE (RFC 959 §3.1.1, §4.1.2).
///
/// The optional format control is kept as sent, so `TYPE A` and `TYPE A N` re-encode exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum TransferType {
    /// `A [N|T|C]`: ASCII.
    Ascii(Option<FormatControl>),
    /// `E [N|T|C]`: EBCDIC.
    Ebcdic(Option<FormatControl>),
    /// `I`: image (binary).
    Image,
    /// `L <byte size>`: local byte size (1 to 255).
    Local(u8),
}

/// File structure of STRU (RFC 959 §3.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Structure {
    /// `F`: file (no record structure), the default.
    File,
    /// `R`: record structure.
    Record,
    /// `P`: page structure.
    Page,
}

/// Transmission mode of MODE (RFC 959 §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Mode {
    /// `S`: stream, the default.
    Stream,
    /// `B`: block.
    Block,
    /// `C`: compressed.
    Compressed,
}

/// Data channel protection level of PROT (RFC 2228 §3, RFC 4217 §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Prot {
    /// `C`: clear, no protection.
    Clear,
    /// `S`: safe (integrity only; not offered by TLS, RFC 4217 §9).
    Safe,
    /// `E`: confidential (not offered by TLS, RFC 4217 §9).
    Confidential,
    /// `P`: private (TLS on the data connection).
    Private,
}

impl Prot {
    /// The letter on the wire.
    pub const fn letter(self) -> u8 {
        match self {
            Prot::Clear => b'C',
            Prot::Safe => b'S',
            Prot::Confidential => b'E',
            Prot::Private => b'P',
        }
    }
}

/// A network protocol number for EPSV and EPRT (RFC 2428 §2: address family numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct NetworkProtocol(pub u16);

impl NetworkProtocol {
    /// 1: IPv4.
    pub const IPV4: NetworkProtocol = NetworkProtocol(1);
    /// 2: IPv6.
    pub const IPV6: NetworkProtocol = NetworkProtocol(2);
}

/// The argument of EPSV (RFC 2428 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum EpsvArgument {
    /// `EPSV ALL`: from now on only EPSV is accepted (PORT, PASV, EPRT are refused).
    All,
    /// `EPSV <net-prt>`: a passive address of this network protocol.
    Protocol(NetworkProtocol),
}

/// The argument of ALLO (RFC 959 §4.1.3): `<decimal-integer> [<SP> R <SP> <decimal-integer>]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct AllocSize {
    /// Bytes (logical bytes) to reserve.
    pub size: u64,
    /// Maximum record or page size, when given.
    pub record_size: Option<u64>,
}

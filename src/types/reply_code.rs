//! [`ReplyCode`]: the three-digit reply code of RFC 959 §4.2.

use core::fmt;

/// A three-digit FTP reply code (RFC 959 §4.2).
///
/// The first digit is 1 to 6 (6 is RFC 2228's protected reply, §4), the second and third
/// digits 0 to 9. RFC 959 only defines second digits 0 to 5; others are accepted (be liberal,
/// RFC 1123 §1.2.2) and reported as [`FunctionGroup::Unknown`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyCode(u16);

/// What the first digit of a reply code says (RFC 959 §4.2.1, RFC 2228 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// 1yz: the action is being started; expect another reply.
    PositivePreliminary,
    /// 2yz: the action completed.
    PositiveCompletion,
    /// 3yz: accepted, more information is needed.
    PositiveIntermediate,
    /// 4yz: not done, the error is temporary.
    TransientNegative,
    /// 5yz: not done, the error is permanent.
    PermanentNegative,
    /// 6yz: a protected reply (RFC 2228 §4).
    Protected,
}

/// What the second digit of a reply code says (RFC 959 §4.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunctionGroup {
    /// x0z: syntax.
    Syntax,
    /// x1z: information.
    Information,
    /// x2z: connections.
    Connections,
    /// x3z: authentication and accounting.
    Authentication,
    /// x4z: unspecified (RFC 959 leaves it open).
    Unspecified,
    /// x5z: file system.
    FileSystem,
    /// x6z to x9z: not defined by RFC 959.
    Unknown(u8),
}

/// A number that is not a valid reply code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a reply code (expected 100 to 699)")]
pub struct InvalidReplyCode(pub u16);

macro_rules! codes {
    ($($(#[$m:meta])* $name:ident = $v:expr;)*) => {
        impl ReplyCode {
            $($(#[$m])* pub const $name: ReplyCode = ReplyCode($v);)*
        }
    };
}

codes! {
    /// 110 Restart marker reply.
    RESTART_MARKER = 110;
    /// 120 Service ready in nnn minutes.
    SERVICE_READY_IN = 120;
    /// 125 Data connection already open; transfer starting.
    DATA_ALREADY_OPEN = 125;
    /// 150 File status okay; about to open data connection.
    FILE_STATUS_OK = 150;
    /// 200 Command okay.
    COMMAND_OK = 200;
    /// 202 Command not implemented, superfluous at this site.
    SUPERFLUOUS = 202;
    /// 211 System status, or system help reply (also FEAT).
    SYSTEM_STATUS = 211;
    /// 212 Directory status.
    DIRECTORY_STATUS = 212;
    /// 213 File status (also SIZE and MDTM).
    FILE_STATUS = 213;
    /// 214 Help message.
    HELP_MESSAGE = 214;
    /// 215 NAME system type.
    SYSTEM_TYPE = 215;
    /// 220 Service ready for new user.
    SERVICE_READY = 220;
    /// 221 Service closing control connection.
    CLOSING_CONTROL = 221;
    /// 225 Data connection open; no transfer in progress.
    DATA_OPEN_NO_TRANSFER = 225;
    /// 226 Closing data connection; requested file action successful.
    CLOSING_DATA = 226;
    /// 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).
    ENTERING_PASSIVE = 227;
    /// 229 Entering Extended Passive Mode (|||port|) (RFC 2428 §3).
    ENTERING_EXTENDED_PASSIVE = 229;
    /// 230 User logged in, proceed.
    LOGGED_IN = 230;
    /// 232 User logged in, authorized by security data exchange (RFC 2228).
    LOGGED_IN_SECURITY = 232;
    /// 234 Security data exchange complete (RFC 2228; AUTH TLS accepted, RFC 4217 §4).
    AUTH_OK = 234;
    /// 235 Security data exchange completed successfully (RFC 2228).
    ADAT_OK = 235;
    /// 250 Requested file action okay, completed.
    FILE_ACTION_OK = 250;
    /// 257 "PATHNAME" created.
    PATHNAME_CREATED = 257;
    /// 331 User name okay, need password.
    NEED_PASSWORD = 331;
    /// 332 Need account for login.
    NEED_ACCOUNT = 332;
    /// 334 Requested security mechanism is ok (RFC 2228).
    SECURITY_MECHANISM_OK = 334;
    /// 336 Username okay, need password. Challenge is "...." (RFC 2228).
    CHALLENGE = 336;
    /// 350 Requested file action pending further information.
    PENDING_FURTHER_INFORMATION = 350;
    /// 421 Service not available, closing control connection.
    SERVICE_NOT_AVAILABLE = 421;
    /// 425 Can't open data connection.
    CANT_OPEN_DATA = 425;
    /// 426 Connection closed; transfer aborted.
    TRANSFER_ABORTED = 426;
    /// 430 Invalid username or password (used by some servers).
    INVALID_CREDENTIALS = 430;
    /// 431 Need some unavailable resource to process security (RFC 2228).
    NEED_SECURITY_RESOURCE = 431;
    /// 450 Requested file action not taken (file unavailable).
    FILE_UNAVAILABLE_TRANSIENT = 450;
    /// 451 Requested action aborted: local error in processing.
    LOCAL_ERROR = 451;
    /// 452 Requested action not taken. Insufficient storage space in system.
    INSUFFICIENT_STORAGE = 452;
    /// 500 Syntax error, command unrecognized (also: line too long).
    SYNTAX_ERROR = 500;
    /// 501 Syntax error in parameters or arguments.
    SYNTAX_ERROR_ARGUMENTS = 501;
    /// 502 Command not implemented.
    NOT_IMPLEMENTED = 502;
    /// 503 Bad sequence of commands.
    BAD_SEQUENCE = 503;
    /// 504 Command not implemented for that parameter.
    NOT_IMPLEMENTED_FOR_PARAMETER = 504;
    /// 521 Data connection cannot be opened with this PROT setting (RFC 4217 §10.2).
    PROT_SETTING_REFUSED = 521;
    /// 522 Network protocol not supported (RFC 2428 §2, §3).
    NETWORK_PROTOCOL_NOT_SUPPORTED = 522;
    /// 522 as RFC 4217 §10.2 uses it: the data connection's TLS negotiation failed or was
    /// unacceptable (the same number as [`Self::NETWORK_PROTOCOL_NOT_SUPPORTED`]).
    DATA_TLS_REFUSED = 522;
    /// 530 Not logged in.
    NOT_LOGGED_IN = 530;
    /// 532 Need account for storing files.
    NEED_ACCOUNT_FOR_STORING = 532;
    /// 533 Command protection level denied for policy reasons (RFC 2228).
    PROTECTION_DENIED = 533;
    /// 534 Request denied for policy reasons (RFC 2228; RFC 4217 §9, §10).
    DENIED_FOR_POLICY = 534;
    /// 535 Failed security check (RFC 2228).
    FAILED_SECURITY_CHECK = 535;
    /// 536 Requested PROT level not supported by mechanism (RFC 2228).
    PROT_LEVEL_NOT_SUPPORTED = 536;
    /// 550 Requested action not taken. File unavailable.
    FILE_UNAVAILABLE = 550;
    /// 551 Requested action aborted: page type unknown.
    PAGE_TYPE_UNKNOWN = 551;
    /// 552 Requested file action aborted. Exceeded storage allocation.
    EXCEEDED_STORAGE = 552;
    /// 553 Requested action not taken. File name not allowed.
    FILE_NAME_NOT_ALLOWED = 553;
    /// 631 Integrity protected reply (RFC 2228).
    INTEGRITY_PROTECTED = 631;
    /// 632 Confidentiality and integrity protected reply (RFC 2228).
    PRIVACY_PROTECTED = 632;
    /// 633 Confidentiality protected reply (RFC 2228).
    CONFIDENTIALITY_PROTECTED = 633;
}

impl ReplyCode {
    /// A reply code from its numeric value (100 to 699).
    pub const fn new(value: u16) -> Result<Self, InvalidReplyCode> {
        if value >= 100 && value <= 699 {
            Ok(ReplyCode(value))
        } else {
            Err(InvalidReplyCode(value))
        }
    }

    /// A reply code from three ASCII digits, as it stands on the wire.
    pub const fn from_digits(d: [u8; 3]) -> Option<Self> {
        if d[0] < b'1' || d[0] > b'6' || !d[1].is_ascii_digit() || !d[2].is_ascii_digit() {
            return None;
        }
        Some(ReplyCode(
            (d[0] - b'0') as u16 * 100 + (d[1] - b'0') as u16 * 10 + (d[2] - b'0') as u16,
        ))
    }

    /// The numeric value.
    pub const fn value(self) -> u16 {
        self.0
    }

    /// The three ASCII digits, as they stand on the wire.
    pub const fn digits(self) -> [u8; 3] {
        [
            b'0' + (self.0 / 100) as u8,
            b'0' + (self.0 / 10 % 10) as u8,
            b'0' + (self.0 % 10) as u8,
        ]
    }

    /// What the first digit says (RFC 959 §4.2.1).
    pub const fn category(self) -> Category {
        match self.0 / 100 {
            1 => Category::PositivePreliminary,
            2 => Category::PositiveCompletion,
            3 => Category::PositiveIntermediate,
            4 => Category::TransientNegative,
            5 => Category::PermanentNegative,
            _ => Category::Protected,
        }
    }

    /// What the second digit says (RFC 959 §4.2.1).
    pub const fn function_group(self) -> FunctionGroup {
        match (self.0 / 10 % 10) as u8 {
            0 => FunctionGroup::Syntax,
            1 => FunctionGroup::Information,
            2 => FunctionGroup::Connections,
            3 => FunctionGroup::Authentication,
            4 => FunctionGroup::Unspecified,
            5 => FunctionGroup::FileSystem,
            n => FunctionGroup::Unknown(n),
        }
    }

    /// 1yz.
    pub const fn is_preliminary(self) -> bool {
        self.0 / 100 == 1
    }
    /// 2yz.
    pub const fn is_completion(self) -> bool {
        self.0 / 100 == 2
    }
    /// 3yz.
    pub const fn is_intermediate(self) -> bool {
        self.0 / 100 == 3
    }
    /// 4yz or 5yz.
    pub const fn is_negative(self) -> bool {
        self.0 / 100 == 4 || self.0 / 100 == 5
    }
    /// 4yz.
    pub const fn is_transient_negative(self) -> bool {
        self.0 / 100 == 4
    }
    /// 5yz.
    pub const fn is_permanent_negative(self) -> bool {
        self.0 / 100 == 5
    }
}

impl TryFrom<u16> for ReplyCode {
    type Error = InvalidReplyCode;
    fn try_from(v: u16) -> Result<Self, Self::Error> {
        ReplyCode::new(v)
    }
}

impl From<ReplyCode> for u16 {
    fn from(c: ReplyCode) -> u16 {
        c.0
    }
}

impl fmt::Debug for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplyCode({})", self.0)
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for ReplyCode {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ReplyCode(u.int_in_range(100..=699)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_checked() {
        assert!(ReplyCode::new(99).is_err());
        assert!(ReplyCode::new(700).is_err());
        assert_eq!(ReplyCode::new(226).unwrap(), ReplyCode::CLOSING_DATA);
        assert_eq!(
            ReplyCode::from_digits(*b"631"),
            Some(ReplyCode::INTEGRITY_PROTECTED)
        );
        assert_eq!(ReplyCode::from_digits(*b"026"), None);
        assert_eq!(ReplyCode::from_digits(*b"7 0"), None);
        assert_eq!(ReplyCode::from_digits(*b"2a6"), None);
    }

    #[test]
    fn digits_category_and_group() {
        let c = ReplyCode::new(553).unwrap();
        assert_eq!(&c.digits(), b"553");
        assert_eq!(c.category(), Category::PermanentNegative);
        assert_eq!(c.function_group(), FunctionGroup::FileSystem);
        assert!(c.is_negative() && c.is_permanent_negative() && !c.is_transient_negative());
        assert_eq!(
            ReplyCode::new(190).unwrap().function_group(),
            FunctionGroup::Unknown(9)
        );
        assert_eq!(ReplyCode::AUTH_OK.category(), Category::PositiveCompletion);
        assert_eq!(ReplyCode::PRIVACY_PROTECTED.category(), Category::Protected);
        for v in 100..=699u16 {
            let c = ReplyCode::new(v).unwrap();
            assert_eq!(ReplyCode::from_digits(c.digits()), Some(c));
        }
    }
}

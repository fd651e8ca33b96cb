//! [`Command`]: every FTP/FTPS command as a typed value, and its exact encoder.
//!
//! Owns the mapping between a command line (without its CRLF, Telnet already removed) and
//! [`Command`]. Must not frame lines or handle Telnet (that is `command_line`), and must not
//! know about sessions.

use core::net::{SocketAddr, SocketAddrV4};

use crate::types::{
    Account, AllocSize, EpsvArgument, Mechanism, Mode, Password, Pathname, Prot, Structure, Text,
    Timestamp, TransferType, Username, Verb,
};

/// An FTP command (RFC 959 §4.1, §5.3.1 and the extensions named on each variant).
///
/// Verbs are case-insensitive when decoded and upper-case when encoded. Every argument is a
/// validated value, so encoding can never produce a second line. An unknown verb decodes to
/// [`Command::Unknown`] (a server answers 502), never to an error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command<'a> {
    // --- RFC 959 §4.1.1 access control ---
    /// `USER <username>`.
    User(Username<'a>),
    /// `PASS <password>` (may be empty).
    Pass(Password<'a>),
    /// `ACCT <account-information>`.
    Acct(Account<'a>),
    /// `CWD <pathname>`.
    Cwd(Pathname<'a>),
    /// `CDUP`.
    Cdup,
    /// `SMNT <pathname>`.
    Smnt(Pathname<'a>),
    /// `REIN`.
    Rein,
    /// `QUIT`.
    Quit,
    // --- RFC 959 §4.1.2 transfer parameters ---
    /// `PORT h1,h2,h3,h4,p1,p2`.
    Port(SocketAddrV4),
    /// `PASV`.
    Pasv,
    /// `TYPE <type-code>`.
    Type(TransferType),
    /// `STRU <structure-code>`.
    Stru(Structure),
    /// `MODE <mode-code>`.
    Mode(Mode),
    // --- RFC 959 §4.1.3 service commands ---
    /// `RETR <pathname>`.
    Retr(Pathname<'a>),
    /// `STOR <pathname>`.
    Stor(Pathname<'a>),
    /// `STOU` (a file name is not standard but some clients send one).
    Stou(Option<Pathname<'a>>),
    /// `APPE <pathname>`.
    Appe(Pathname<'a>),
    /// `ALLO <decimal-integer> [R <decimal-integer>]`.
    Allo(AllocSize),
    /// `REST <offset>`: a byte offset (RFC 3659 §5, stream mode).
    Rest(u64),
    /// `RNFR <pathname>`.
    Rnfr(Pathname<'a>),
    /// `RNTO <pathname>`.
    Rnto(Pathname<'a>),
    /// `ABOR`.
    Abor,
    /// `DELE <pathname>`.
    Dele(Pathname<'a>),
    /// `RMD <pathname>`.
    Rmd(Pathname<'a>),
    /// `MKD <pathname>`.
    Mkd(Pathname<'a>),
    /// `PWD`.
    Pwd,
    /// `LIST [<pathname>]`.
    List(Option<Pathname<'a>>),
    /// `NLST [<pathname>]`.
    Nlst(Option<Pathname<'a>>),
    /// `SITE <string>`.
    Site(Text<'a>),
    /// `SYST`.
    Syst,
    /// `STAT [<pathname>]`.
    Stat(Option<Pathname<'a>>),
    /// `HELP [<string>]`.
    Help(Option<Text<'a>>),
    /// `NOOP`.
    Noop,
    // --- RFC 775 / RFC 1123 §4.1.3.1 X-forms (kept distinct so they re-encode exactly) ---
    /// `XCWD <pathname>` (same meaning as CWD).
    Xcwd(Pathname<'a>),
    /// `XCUP` (same meaning as CDUP).
    Xcup,
    /// `XMKD <pathname>` (same meaning as MKD).
    Xmkd(Pathname<'a>),
    /// `XRMD <pathname>` (same meaning as RMD).
    Xrmd(Pathname<'a>),
    /// `XPWD` (same meaning as PWD).
    Xpwd,
    // --- RFC 2228 security extensions ---
    /// `AUTH <mechanism-name>` (RFC 2228 §3, RFC 4217 §4: `AUTH TLS`).
    Auth(Mechanism<'a>),
    /// `ADAT <base64data>`.
    Adat(Text<'a>),
    /// `PROT <prot-code>`.
    Prot(Prot),
    /// `PBSZ <decimal-integer>` (RFC 4217 §8: `PBSZ 0`).
    Pbsz(u32),
    /// `CCC` (RFC 4217 §12).
    Ccc,
    /// `MIC <base64data>`.
    Mic(Text<'a>),
    /// `CONF <base64data>`.
    Conf(Text<'a>),
    /// `ENC <base64data>`.
    Enc(Text<'a>),
    // --- RFC 2389 ---
    /// `FEAT`.
    Feat,
    /// `OPTS <command-name> [<SP> <command-options>]`; the argument as sent.
    Opts(Text<'a>),
    // --- RFC 2428 ---
    /// `EPRT |<net-prt>|<net-addr>|<tcp-port>|` (IPv4 or IPv6).
    Eprt(SocketAddr),
    /// `EPSV`, `EPSV ALL` or `EPSV <net-prt>`.
    Epsv(Option<EpsvArgument>),
    // --- RFC 3659 ---
    /// `SIZE <pathname>`.
    Size(Pathname<'a>),
    /// `MDTM <pathname>`.
    Mdtm(Pathname<'a>),
    /// `MLST [<pathname>]`.
    Mlst(Option<Pathname<'a>>),
    /// `MLSD [<pathname>]`.
    Mlsd(Option<Pathname<'a>>),
    // --- draft-somers-ftp-mfxx ---
    /// `MFMT <time-val> <pathname>`.
    Mfmt(Timestamp, Pathname<'a>),
    // --- RFC 7151 ---
    /// `HOST <hostname>`.
    Host(Text<'a>),
    // --- RFC 2640 ---
    /// `LANG [<lang-tag>]`.
    Lang(Option<Text<'a>>),
    /// A verb this crate does not know, with its argument as sent (a server answers 502).
    Unknown {
        /// The verb as sent (case kept).
        verb: Verb<'a>,
        /// Everything after the first space, if anything.
        argument: Option<Text<'a>>,
    },
}

use super::{CommandError, DecodeError};
use alloc::vec::Vec;

impl<'a> Command<'a> {
    /// Parses one command line (no CRLF, Telnet already removed).
    ///
    /// SKELETON: to be implemented (owner: command codec helper).
    pub fn parse(_line: &'a [u8]) -> Result<Command<'a>, CommandError> {
        todo!()
    }

    /// Appends the exact wire form, CRLF-terminated, 0xFF doubled as IAC IAC.
    pub fn encode(&self, _out: &mut Vec<u8>) {
        todo!()
    }

    /// The verb, upper-case (`"RETR"`); for [`Command::Unknown`] the verb as sent.
    pub fn verb(&self) -> &str {
        todo!()
    }

    /// An owned copy.
    pub fn into_owned(self) -> Command<'static> {
        todo!()
    }
}

/// Decodes one CRLF- (or LF-) terminated command from the start of `input`, without Telnet
/// processing (for tests and simple hosts; a server uses [`super::CommandDecoder`]).
pub fn decode_command<'a>(_input: &'a [u8]) -> Result<(&'a [u8], Command<'a>), DecodeError> {
    todo!()
}

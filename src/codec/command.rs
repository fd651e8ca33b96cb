//! [`Command`]: every FTP/FTPS command as a typed value, its parser and its exact encoder.
//!
//! Owns the mapping between a command line (without its line end, Telnet already removed) and
//! [`Command`], and [`decode_command`] for simple hosts. Must not frame a stream or handle
//! Telnet signals (that is the `line` framer behind [`super::CommandDecoder`]), and must not
//! know about sessions: whether a command is allowed now is the server session's business.
//!
//! The grammar, the canonical forms and the tolerated quirks are documented on [`Command`].

use alloc::vec::Vec;
use core::fmt::Write as _;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

use nom::bytes::complete::{tag, tag_no_case, take_while1};
use nom::character::complete::digit1;
use nom::combinator::opt;
use nom::error::{ErrorKind, ParseError};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::line::{find_any, push_escaped, IAC};
use super::scan::{find_control_or_iac, find_line_break};
use super::{encode_timestamp, parse_timestamp, CommandError, DecodeError, Expected, PayloadError};
use crate::types::{
    Account, AllocSize, EpsvArgument, FormatControl, InvalidText, Mechanism, Mode, NetworkProtocol,
    Password, Pathname, Prot, Structure, Text, Timestamp, TransferType, Username, Verb,
};

#[cfg(feature = "arbitrary")]
#[path = "arbitrary_command.rs"]
mod arbitrary_command;

/// An FTP command (RFC 959 §4.1, §5.3.1 and the extensions named on each variant).
///
/// Verbs are case-insensitive when decoded and upper-case when encoded. Every argument is a
/// validated value, so encoding can never produce a second line. An unknown verb decodes to
/// [`Command::Unknown`] (a server answers 502), never to an error.
///
/// # Grammar (RFC 959 §5.3.1, §5.3.2)
///
/// A line is `<verb>` or `<verb> SP <argument>`. The verb ends at the first SP; it is
/// case-insensitive (RFC 959 §5.3.1). **Exactly one SP separates verb and argument**:
/// everything after it is the argument, so a path name may begin with spaces
/// (`RETR  x` retrieves ` x`). A line that carries NUL anywhere, or a CR outside a path name,
/// is refused as a whole ([`CommandError::ForbiddenByte`] or [`CommandError::InvalidText`]):
/// no other argument may contain them (RFC 959 §4.1.3 `<char>`). A path name may hold a CR
/// (RFC 2640 §3.1): it is sent as Telnet `CR NUL` (RFC 854) and both decoders read that back
/// as the CR, so it can never end the line.
///
/// # Canonical form
///
/// [`Command::encode`] writes the upper-case verb, one SP and the argument (0xFF doubled as
/// `IAC IAC`, RFC 959 §4.1), then CRLF. Where several spellings decode to one value the
/// encoder writes this canonical one:
///
/// | accepted on decode                      | value                      | encoded as      |
/// |-----------------------------------------|----------------------------|-----------------|
/// | `retr x`, `Retr x`                      | `Retr("x")`                | `RETR x`        |
/// | `LIST`, `LIST ` (also NLST STAT MLST MLSD STOU) | `List(None)`       | `LIST`          |
/// | `PASS`, `PASS `                         | `Pass("")`                 | `PASS `         |
/// | `NOOP`, `NOOP  ` (any no-argument verb, and `EPSV`) | `Noop`         | `NOOP`          |
/// | `TYPE I `, `PBSZ 0  ` (any typed argument) | `Type(Image)`, `Pbsz(0)` | `TYPE I`, `PBSZ 0` |
/// | `type a n`, `prot p`, `ALLO 9 r 2`      | code letters               | upper-case      |
/// | `REST 0100`, `PORT 1,2,3,4,0,021`       | numbers                    | no leading zeros |
/// | `EPSV all`                              | `Epsv(Some(All))`          | `EPSV ALL`      |
/// | `EPRT !2!1080::8:800:200C:417A!21!`     | `Eprt([1080::8:800:200c:417a]:21)` | `EPRT \|2\|1080::8:800:200c:417a\|21\|` |
/// | `AUTH tls`                              | `Auth("tls")` (case kept)  | `AUTH tls`      |
///
/// Required free-text arguments (SITE, ADAT, MIC, CONF, ENC, OPTS, HOST) must be present but
/// may be empty (`SITE ` is `Site("")`): the grammar keeps every value representable, and the
/// server session decides whether an empty one makes sense (it answers 501).
/// Optional free-text arguments (HELP, LANG, and the argument of an unknown verb) keep the
/// difference between "absent" (`HELP`) and "present but empty" (`HELP `), so both
/// round-trip exactly. Apart from the spellings above, re-encoding a decoded line gives back
/// its exact bytes.
///
/// # Liberal acceptance (RFC 1123 §1.2.2 "be liberal in what you accept")
///
/// Each tolerance is one named function in `src/codec/command.rs`, with a test of its sample:
/// `tolerate_trailing_spaces` (`PASV `), `tolerate_pass_without_space` (`PASS`),
/// `tolerate_empty_optional_path` (`LIST `). Numbers may carry leading zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command<'a> {
    // --- RFC 959 §4.1.1 access control ---
    /// `USER <username>`.
    User(Username<'a>),
    /// `PASS <password>` (may be empty: `PASS ` and `PASS` both decode to the empty password).
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
    /// `TYPE <type-code>`. A local byte size of 0 decodes (the value is representable; a
    /// server refuses it with 504).
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
    /// `HELP [<string>]` (`HELP` is `None`, `HELP ` is an empty text).
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
    /// `EPRT |<net-prt>|<net-addr>|<tcp-port>|` (IPv4 or IPv6). The network protocol (1 or 2)
    /// follows from the address. The IPv6 flow information and scope id are not part of EPRT:
    /// they are not encoded and decode as 0.
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
    ///
    /// The decoder never produces it for a known verb. Built by hand with a known verb (in any
    /// case), it encodes as that verb's line and decodes as the known command.
    Unknown {
        /// The verb as sent (case kept).
        verb: Verb<'a>,
        /// Everything after the first space, if anything.
        argument: Option<Text<'a>>,
    },
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// The private nom error: where a grammar stopped and what it expected there.
#[derive(Debug)]
struct GrammarError<'a> {
    input: &'a [u8],
    expected: Expected,
}

impl<'a> ParseError<&'a [u8]> for GrammarError<'a> {
    fn from_error_kind(input: &'a [u8], _kind: ErrorKind) -> Self {
        GrammarError {
            input,
            expected: Expected::Argument,
        }
    }
    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = IResult<&'a [u8], T, GrammarError<'a>>;

fn fail<T>(input: &[u8], expected: Expected) -> PResult<'_, T> {
    Err(nom::Err::Error(GrammarError { input, expected }))
}

/// Runs `parser` and, if it fails, reports `expected` at the position where it failed.
fn expect<'a, O>(
    expected: Expected,
    mut parser: impl Parser<&'a [u8], Output = O, Error = GrammarError<'a>>,
) -> impl Parser<&'a [u8], Output = O, Error = GrammarError<'a>> {
    move |input: &'a [u8]| {
        parser.parse(input).map_err(|e| {
            e.map(|mut e| {
                e.expected = expected;
                e
            })
        })
    }
}

/// `<decimal-integer>` (RFC 959 §5.3.2) as a u64; leading zeros accepted, overflow refused.
#[inline]
fn decimal(input: &[u8]) -> PResult<'_, u64> {
    let (rest, digits) = expect(Expected::Number, digit1).parse(input)?;
    let mut value: u64 = 0;
    for &d in digits {
        value = match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => v,
            None => return fail(input, Expected::Number),
        };
    }
    Ok((rest, value))
}

/// A decimal number that fits `T`.
fn decimal_as<T: TryFrom<u64>>(input: &[u8]) -> PResult<'_, T> {
    let (rest, value) = decimal(input)?;
    match T::try_from(value) {
        Ok(v) => Ok((rest, v)),
        Err(_) => fail(input, Expected::Number),
    }
}

/// One byte out of `set` (ASCII letters compared case-insensitively), mapped to a value.
fn code<'a, T: Copy>(set: &'static [(u8, T)]) -> impl FnMut(&'a [u8]) -> PResult<'a, T> {
    move |input: &'a [u8]| {
        if let Some(&b) = input.first() {
            let upper = b.to_ascii_uppercase();
            if let Some(&(_, v)) = set.iter().find(|(c, _)| *c == upper) {
                return Ok((&input[1..], v));
            }
        }
        fail(input, Expected::Code)
    }
}

const FORMS: &[(u8, FormatControl)] = &[
    (b'N', FormatControl::NonPrint),
    (b'T', FormatControl::Telnet),
    (b'C', FormatControl::Asa),
];
const STRUCTURES: &[(u8, Structure)] = &[
    (b'F', Structure::File),
    (b'R', Structure::Record),
    (b'P', Structure::Page),
];
const MODES: &[(u8, Mode)] = &[
    (b'S', Mode::Stream),
    (b'B', Mode::Block),
    (b'C', Mode::Compressed),
];
const PROTS: &[(u8, Prot)] = &[
    (b'C', Prot::Clear),
    (b'S', Prot::Safe),
    (b'E', Prot::Confidential),
    (b'P', Prot::Private),
];

#[derive(Clone, Copy)]
enum TypeLetter {
    Ascii,
    Ebcdic,
    Image,
    Local,
}

const TYPES: &[(u8, TypeLetter)] = &[
    (b'A', TypeLetter::Ascii),
    (b'E', TypeLetter::Ebcdic),
    (b'I', TypeLetter::Image),
    (b'L', TypeLetter::Local),
];

/// `<type-code>` (RFC 959 §5.3.2): `A [SP <form-code>]`, `E [SP <form-code>]`, `I`,
/// `L SP <byte-size>`.
fn type_code(input: &[u8]) -> PResult<'_, TransferType> {
    let (rest, letter) = code(TYPES)(input)?;
    match letter {
        TypeLetter::Ascii => {
            let (rest, form) = opt(preceded(tag(&b" "[..]), code(FORMS))).parse(rest)?;
            Ok((rest, TransferType::Ascii(form)))
        }
        TypeLetter::Ebcdic => {
            let (rest, form) = opt(preceded(tag(&b" "[..]), code(FORMS))).parse(rest)?;
            Ok((rest, TransferType::Ebcdic(form)))
        }
        TypeLetter::Image => Ok((rest, TransferType::Image)),
        TypeLetter::Local => {
            let (rest, _) = expect(Expected::Space, tag(&b" "[..])).parse(rest)?;
            let (rest, size) = decimal_as::<u8>(rest)?;
            Ok((rest, TransferType::Local(size)))
        }
    }
}

/// `<host-port>` (RFC 959 §4.1.2 PORT): `h1,h2,h3,h4,p1,p2`, each a number 0 to 255.
fn host_port(input: &[u8]) -> PResult<'_, SocketAddrV4> {
    let mut fields = [0u8; 6];
    let mut rest = input;
    for (i, field) in fields.iter_mut().enumerate() {
        if i > 0 {
            rest = expect(Expected::HostPort, tag(&b","[..])).parse(rest)?.0;
        }
        let (r, v) = expect(Expected::HostPort, decimal_as::<u8>).parse(rest)?;
        *field = v;
        rest = r;
    }
    let [a, b, c, d, p1, p2] = fields;
    let port = u16::from_be_bytes([p1, p2]);
    Ok((rest, SocketAddrV4::new(Ipv4Addr::new(a, b, c, d), port)))
}

/// One delimiter byte `d`.
fn delimiter(d: u8) -> impl FnMut(&[u8]) -> PResult<'_, ()> {
    move |input: &[u8]| match input.split_first() {
        Some((&b, rest)) if b == d => Ok((rest, ())),
        _ => fail(input, Expected::ExtendedAddress),
    }
}

/// `EPRT` argument (RFC 2428 §2): `<d><net-prt><d><net-addr><d><tcp-port><d>`, where the
/// delimiter `<d>` is any one character from 33 to 126 (`|` recommended). The network protocol
/// must match the address: 1 with a dotted IPv4 address, 2 with an IPv6 address in RFC 4291
/// text form (RFC 2428 cites RFC 2373, which it replaced).
fn extended_address(input: &[u8]) -> PResult<'_, SocketAddr> {
    let d = match input.first() {
        Some(&d) if (33..=126).contains(&d) => d,
        _ => return fail(input, Expected::ExtendedAddress),
    };
    let (rest, ()) = delimiter(d)(input)?;
    let protocol_start = rest;
    let (rest, protocol) = expect(Expected::ExtendedAddress, decimal_as::<u16>).parse(rest)?;
    let (rest, ()) = delimiter(d)(rest)?;
    let address_start = rest;
    let (rest, address) =
        expect(Expected::ExtendedAddress, take_while1(move |b: u8| b != d)).parse(rest)?;
    let (rest, ()) = delimiter(d)(rest)?;
    let (rest, port) = expect(Expected::ExtendedAddress, decimal_as::<u16>).parse(rest)?;
    let (rest, ()) = delimiter(d)(rest)?;
    let text = core::str::from_utf8(address).ok();
    let ip = match protocol {
        1 => text
            .and_then(|t| t.parse::<Ipv4Addr>().ok())
            .map(IpAddr::V4),
        2 => text
            .and_then(|t| t.parse::<Ipv6Addr>().ok())
            .map(IpAddr::V6),
        // Well formed, but a protocol RFC 2428 §2 does not define: 522, not 501.
        _ => return fail(protocol_start, Expected::NetworkProtocol),
    };
    match ip {
        Some(ip) => Ok((rest, SocketAddr::new(ip, port))),
        None => fail(address_start, Expected::ExtendedAddress),
    }
}

/// `ALLO` argument (RFC 959 §4.1.3): `<decimal-integer> [SP R SP <decimal-integer>]`.
fn alloc_size(input: &[u8]) -> PResult<'_, AllocSize> {
    let (rest, size) = decimal(input)?;
    let (rest, record_size) = opt(preceded(
        expect(Expected::Code, tag_no_case(&b" R "[..])),
        decimal,
    ))
    .parse(rest)?;
    Ok((rest, AllocSize { size, record_size }))
}

/// `EPSV` argument (RFC 2428 §3): `ALL` or a network protocol number.
fn epsv_argument(input: &[u8]) -> PResult<'_, EpsvArgument> {
    if let Ok((rest, _)) = tag_no_case::<_, _, GrammarError<'_>>(&b"ALL"[..]).parse(input) {
        return Ok((rest, EpsvArgument::All));
    }
    let (rest, n) = expect(Expected::Argument, decimal_as::<u16>).parse(input)?;
    Ok((rest, EpsvArgument::Protocol(NetworkProtocol(n))))
}

/// Quirk (RFC 1123 §1.2.2): spaces at the end of a line where they cannot belong to a value
/// are ignored: after a verb that takes no argument (`PASV `, `NOOP  `), and after a complete
/// typed argument (`TYPE I `, `PBSZ 0 `, `PORT 10,0,0,1,4,1 `). Some clients build every line
/// as `verb + " " + argument`, or pad arguments; the spaces carry no meaning there. (Spaces
/// after a path name or a text are part of it and are kept.)
#[inline]
fn tolerate_trailing_spaces(argument: &[u8]) -> bool {
    argument.iter().all(|&b| b == b' ')
}

/// Quirk (RFC 1123 §1.2.2): `PASS` without the SP is an empty password. Anonymous logins with
/// an empty password are sent this way by clients that drop the SP before an empty argument;
/// `PASS ` (with the SP) is the canonical form.
#[inline]
fn tolerate_pass_without_space(argument: Option<&[u8]>) -> &[u8] {
    argument.unwrap_or_default()
}

/// Quirk (RFC 1123 §1.2.2): `LIST ` (SP and nothing after it) is `LIST` with no path name
/// (likewise NLST, STAT, MLST, MLSD, STOU). An empty path name is not a path name
/// (RFC 959 §5.3.2 `<pathname> ::= <string>`, one character at least), and clients that
/// always append `" " + path` produce exactly this line.
#[inline]
fn tolerate_empty_optional_path(argument: Option<&[u8]>) -> Option<&[u8]> {
    argument.filter(|a| !a.is_empty())
}

/// The argument part of a line being parsed, with the context every error needs.
#[derive(Clone, Copy)]
struct Argument<'a> {
    /// The verb, upper-case, for errors.
    verb: &'static str,
    /// Everything after the SP that follows the verb, if there is an SP.
    bytes: Option<&'a [u8]>,
    /// Offset of `bytes` (or of the line end when there is no argument) in the line.
    offset: usize,
}

impl<'a> Argument<'a> {
    #[inline]
    fn error(&self, offset_in_argument: usize, expected: Expected) -> CommandError {
        CommandError::InvalidArgument {
            verb: self.verb,
            offset: self.offset + offset_in_argument,
            expected,
        }
    }

    /// No argument allowed (spaces only tolerated, see `tolerate_trailing_spaces`).
    #[inline]
    fn none(&self) -> Result<(), CommandError> {
        match self.bytes {
            Some(a) if !tolerate_trailing_spaces(a) => Err(self.error(0, Expected::NoArgument)),
            _ => Ok(()),
        }
    }

    /// An argument is required (it may be empty).
    #[inline]
    fn required(&self) -> Result<&'a [u8], CommandError> {
        self.bytes.ok_or(CommandError::InvalidArgument {
            verb: self.verb,
            offset: self.offset,
            expected: Expected::Space,
        })
    }

    /// A non-empty argument is required.
    #[inline]
    fn nonempty(&self) -> Result<&'a [u8], CommandError> {
        let a = self.required()?;
        if a.is_empty() {
            return Err(self.error(0, Expected::Argument));
        }
        Ok(a)
    }

    #[inline]
    fn pathname(&self) -> Result<Pathname<'a>, CommandError> {
        // The line was checked for CR, LF and NUL; non-empty was just checked.
        self.nonempty().map(Pathname::new_unchecked)
    }

    #[inline]
    fn optional_pathname(&self) -> Option<Pathname<'a>> {
        tolerate_empty_optional_path(self.bytes).map(Pathname::new_unchecked)
    }

    #[inline]
    fn text(&self) -> Result<Text<'a>, CommandError> {
        self.required().map(Text::new_unchecked)
    }

    #[inline]
    fn optional_text(&self) -> Option<Text<'a>> {
        self.bytes.map(Text::new_unchecked)
    }

    /// `MFMT` argument: `<time-val> SP <pathname>` (the time-val grammar is the one of
    /// [`parse_timestamp`], RFC 3659 §2.3).
    fn mfmt(&self) -> Result<(Timestamp, Pathname<'a>), CommandError> {
        let input = self.required()?;
        let (time, path) = match input.iter().position(|&b| b == b' ') {
            Some(i) => (&input[..i], Some(&input[i + 1..])),
            None => (input, None),
        };
        let ts = parse_timestamp(time).map_err(|e| {
            let at = match e {
                PayloadError::Malformed { offset, .. } => offset,
                _ => 0,
            };
            self.error(at, Expected::Timestamp)
        })?;
        match path {
            None => Err(self.error(input.len(), Expected::Space)),
            Some([]) => Err(self.error(input.len(), Expected::Argument)),
            Some(path) => Ok((ts, Pathname::new_unchecked(path))),
        }
    }

    /// Runs a grammar over the whole (required) argument.
    fn grammar<T>(
        &self,
        mut parser: impl FnMut(&'a [u8]) -> PResult<'a, T>,
    ) -> Result<T, CommandError> {
        let input = self.required()?;
        match parser(input) {
            Ok((&[], value)) => Ok(value),
            Ok((rest, value)) if tolerate_trailing_spaces(rest) => Ok(value),
            Ok((rest, _)) => Err(self.error(input.len() - rest.len(), Expected::LineEnd)),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                Err(self.error(input.len() - e.input.len(), e.expected))
            }
            Err(nom::Err::Incomplete(_)) => Err(self.error(input.len(), Expected::Argument)),
        }
    }
}

/// Moves the offset of a validation error from the value to the line.
fn shift_invalid_text(e: InvalidText, by: usize) -> InvalidText {
    match e {
        InvalidText::LineBreak { offset, byte } => InvalidText::LineBreak {
            offset: offset + by,
            byte,
        },
        InvalidText::Forbidden { offset, byte } => InvalidText::Forbidden {
            offset: offset + by,
            byte,
        },
        other => other,
    }
}

/// Every verb this crate knows, upper-case (RFC 959 §4.1, RFC 1123 §4.1.3.1, RFC 2228 §3,
/// RFC 2389, RFC 2428, RFC 3659, RFC 7151, RFC 2640, MFMT).
const KNOWN_VERBS: [&str; 57] = [
    "USER", "PASS", "ACCT", "CWD", "CDUP", "SMNT", "REIN", "QUIT", "PORT", "PASV", "TYPE", "STRU",
    "MODE", "RETR", "STOR", "STOU", "APPE", "ALLO", "REST", "RNFR", "RNTO", "ABOR", "DELE", "RMD",
    "MKD", "PWD", "LIST", "NLST", "SITE", "SYST", "STAT", "HELP", "NOOP", "XCWD", "XCUP", "XMKD",
    "XRMD", "XPWD", "AUTH", "ADAT", "PROT", "PBSZ", "CCC", "MIC", "CONF", "ENC", "FEAT", "OPTS",
    "EPRT", "EPSV", "SIZE", "MDTM", "MLST", "MLSD", "MFMT", "HOST", "LANG",
];

/// The known verb with this dispatch key (see [`verb_key`]).
fn known_verb(key: u32) -> Option<&'static str> {
    KNOWN_VERBS
        .iter()
        .copied()
        .find(|v| verb_key(v.as_bytes()) == key)
}

/// The dispatch key of a verb of 3 or 4 ASCII letters: its letters upper-cased (`b & !0x20`),
/// little-endian in a `u32`, 0 in the fourth byte of a three-letter verb. Every known verb
/// has 3 or 4 letters, so one integer `match` dispatches them all (RFC 959 §5.3: "the command
/// codes ... may be in upper or lower case").
const fn verb_key(upper: &[u8]) -> u32 {
    let mut key = 0;
    let mut i = 0;
    while i < upper.len() && i < 4 {
        key |= ((upper[i] & !0x20) as u32) << (8 * i);
        i += 1;
    }
    key
}

/// The dispatch keys of the known verbs, named after them.
mod keys {
    use super::verb_key;
    macro_rules! keys {
        ($($verb:ident)*) => {
            $(pub(super) const $verb: u32 = verb_key(stringify!($verb).as_bytes());)*
        };
    }
    keys! {
        USER PASS ACCT CWD CDUP SMNT REIN QUIT PORT PASV TYPE STRU MODE RETR STOR STOU APPE ALLO
        REST RNFR RNTO ABOR DELE RMD MKD PWD LIST NLST SITE SYST STAT HELP NOOP XCWD XCUP XMKD
        XRMD XPWD AUTH ADAT PROT PBSZ CCC MIC CONF ENC FEAT OPTS EPRT EPSV SIZE MDTM MLST MLSD
        MFMT HOST LANG
    }
}

/// The verb of `line` when it is 3 or 4 ASCII letters followed by SP or the end of the
/// line: its length and dispatch key. This is the shape of every known verb, checked in a few
/// instructions without scanning the line; any other line takes the general path, which
/// validates the verb and can only find an unknown one.
#[inline(always)]
fn letter_verb(line: &[u8]) -> Option<(usize, u32)> {
    // The first four bytes (three and a zero for a three-byte line), little-endian.
    let (word, len) = match *line {
        [a, b, c] => (u32::from_le_bytes([a, b, c, 0]), 3),
        [a, b, c, d, ref rest @ ..] => {
            let word = u32::from_le_bytes([a, b, c, d]);
            match (d, rest.first()) {
                (b' ', _) => (word & 0x00FF_FFFF, 3),
                (_, None | Some(b' ')) => (word, 4),
                _ => return None,
            }
        }
        _ => return None,
    };
    // `b & !0x20` is an upper-case ASCII letter exactly when `b` is an ASCII letter; with the
    // high bits of the bytes kept apart, two additions per word tell which bytes are at least
    // 'A' and which are above 'Z' without carries between bytes.
    let upper = word & 0xDFDF_DFDF;
    let low7 = upper & 0x7F7F_7F7F;
    let at_least_a = (low7 + 0x3F3F_3F3F) & 0x8080_8080;
    let above_z = (low7 + 0x2525_2525) & 0x8080_8080;
    let want = if len == 3 { 0x0080_8080 } else { 0x8080_8080 };
    (upper & 0x8080_8080 == 0 && at_least_a == want && above_z == 0).then_some((len, upper))
}

/// The maximum length of a verb (RFC 959 verbs have 3 or 4 letters; [`Verb`] keeps unknown
/// ones up to this length).
const MAX_VERB_LEN: usize = 16;

/// What a decoder makes of a parsed command line. The verb dispatch hands each arm's value
/// straight to the sink, so the decoder's own return value (a `Result` of a different shape
/// for each decoder) is built where it is returned rather than moved there from a
/// `Result<Command, CommandError>`: on 16-byte command lines those moves cost as much as the
/// parsing.
pub(crate) trait ParseSink<'a>: Copy {
    /// The decoder's return value.
    type Out;
    /// A command was parsed.
    fn command(self, command: Command<'a>) -> Self::Out;
    /// The line is not a valid command.
    fn error(self, error: CommandError) -> Self::Out;
}

/// The sink of [`Command::parse`].
#[derive(Clone, Copy)]
pub(crate) struct AsResult;

impl<'a> ParseSink<'a> for AsResult {
    type Out = Result<Command<'a>, CommandError>;
    #[inline(always)]
    fn command(self, command: Command<'a>) -> Self::Out {
        Ok(command)
    }
    #[inline(always)]
    fn error(self, error: CommandError) -> Self::Out {
        Err(error)
    }
}

/// The sink of [`decode_command`]: the command and the input after its line.
#[derive(Clone, Copy)]
struct WithRest<'a>(&'a [u8]);

impl<'a> ParseSink<'a> for WithRest<'a> {
    type Out = Result<(&'a [u8], Command<'a>), DecodeError>;
    #[inline(always)]
    fn command(self, command: Command<'a>) -> Self::Out {
        Ok((self.0, command))
    }
    #[inline(always)]
    fn error(self, error: CommandError) -> Self::Out {
        Err(invalid(error))
    }
}

/// Whether the caller of [`Command::parse_into`] has scanned the line for CR, LF and NUL.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// It has not: the parser looks for them in the argument.
    No,
    /// It has, and found none.
    Clean,
}

/// The argument after the verb that ends at `verb_end`, and its offset in the line.
#[inline(always)]
fn split_argument(line: &[u8], verb_end: usize) -> (Option<&[u8]>, usize) {
    match line.get(verb_end + 1..) {
        Some(bytes) => (Some(bytes), verb_end + 1),
        None => (None, verb_end),
    }
}

/// The first CR, LF or NUL in an argument, as (offset in the line, byte): no argument may
/// carry one (RFC 959 §4.1.3 `<char>`).
#[inline(always)]
fn forbidden_in(bytes: Option<&[u8]>, offset: usize) -> Option<(usize, u8)> {
    let a = bytes?;
    find_line_break(a).map(|i| (offset + i, a[i]))
}

/// Whether the verb's argument is a path name (RFC 959 §5.3.2 `<pathname>`, and the path of
/// `MFMT`).
fn takes_pathname(key: u32) -> bool {
    use keys::*;
    matches!(
        key,
        CWD | XCWD
            | SMNT
            | RETR
            | STOR
            | STOU
            | APPE
            | RNFR
            | RNTO
            | DELE
            | RMD
            | XRMD
            | MKD
            | XMKD
            | LIST
            | NLST
            | STAT
            | SIZE
            | MDTM
            | MLST
            | MLSD
            | MFMT
    )
}

/// [`forbidden_in`] for a path name argument: a CR is allowed (RFC 2640 §3.1: it arrived as
/// `CR NUL`), LF and NUL are not.
fn forbidden_in_path(bytes: Option<&[u8]>, offset: usize) -> Option<(usize, u8)> {
    let a = bytes?;
    a.iter()
        .position(|&b| b == b'\n' || b == 0)
        .map(|i| (offset + i, a[i]))
}

impl<'a> Command<'a> {
    /// Parses one command line (no line end, Telnet already removed).
    ///
    /// An unknown verb is not an error: it decodes to [`Command::Unknown`] (answer 502). A
    /// known verb with a missing, extra or malformed argument is a
    /// [`CommandError::InvalidArgument`] (answer 501) that names the verb, the offset in the
    /// line and what was expected there. See [`Command`] for the canonical
    /// forms and the tolerated quirks.
    ///
    /// ```
    /// use ftps_proto::codec::Command;
    /// use ftps_proto::types::Prot;
    ///
    /// assert_eq!(Command::parse(b"prot p"), Ok(Command::Prot(Prot::Private)));
    /// assert_eq!(Command::parse(b"PBSZ 0"), Ok(Command::Pbsz(0)));
    /// assert!(Command::parse(b"PBSZ x").is_err());
    /// ```
    pub fn parse(line: &'a [u8]) -> Result<Command<'a>, CommandError> {
        Self::parse_into(line, Scanned::No, AsResult)
    }

    /// [`Command::parse`], inlined into the decoders, handing the outcome to `sink` so that
    /// each decoder's return value is built in place; `scanned` says whether the caller has
    /// already proved that the line holds no CR, LF or NUL.
    #[inline(always)]
    pub(crate) fn parse_into<S: ParseSink<'a>>(
        line: &'a [u8],
        scanned: Scanned,
        sink: S,
    ) -> S::Out {
        match letter_verb(line) {
            Some((verb_end, key)) => Self::parse_letter_verb(line, verb_end, key, scanned, sink),
            None => match Self::parse_other_verb(line) {
                Ok(command) => sink.command(command),
                Err(e) => sink.error(e),
            },
        }
    }

    /// A line whose verb is not 3 or 4 ASCII letters: an error or an unknown verb.
    #[cold]
    #[inline(never)]
    fn parse_other_verb(line: &'a [u8]) -> Result<Command<'a>, CommandError> {
        let verb_end = find_any(line, [b' ']).unwrap_or(line.len());
        let verb = &line[..verb_end];
        if verb.is_empty() {
            return Err(CommandError::MissingVerb { offset: 0 });
        }
        if let Some(offset) = verb.iter().position(|b| !b.is_ascii_graphic()) {
            return Err(CommandError::InvalidVerb { offset });
        }
        if verb.len() > MAX_VERB_LEN {
            return Err(CommandError::InvalidVerb {
                offset: MAX_VERB_LEN,
            });
        }
        let (bytes, offset) = split_argument(line, verb_end);
        if let Some((offset, byte)) = forbidden_in(bytes, offset) {
            return Err(CommandError::ForbiddenByte { offset, byte });
        }
        Ok(Command::Unknown {
            verb: Verb::new_unchecked(verb),
            argument: bytes.map(Text::new_unchecked),
        })
    }

    /// A line whose verb is 3 or 4 ASCII letters, with its dispatch key.
    #[inline(always)]
    fn parse_letter_verb<S: ParseSink<'a>>(
        line: &'a [u8],
        verb_end: usize,
        key: u32,
        scanned: Scanned,
        sink: S,
    ) -> S::Out {
        // `?` for the arms below: an error goes to the sink.
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => return sink.error(e),
                }
            };
        }
        let (bytes, offset) = split_argument(line, verb_end);
        let arg = |verb: &'static str| Argument {
            verb,
            bytes,
            offset,
        };
        use keys::*;
        let forbidden = match scanned {
            Scanned::Clean => None,
            Scanned::No if takes_pathname(key) => forbidden_in_path(bytes, offset),
            Scanned::No => forbidden_in(bytes, offset),
        };
        if let Some((offset, byte)) = forbidden {
            // No argument may carry CR, LF or NUL: 501 for a known verb, 500 otherwise.
            return sink.error(match known_verb(key) {
                Some(verb) => CommandError::InvalidText {
                    verb,
                    source: InvalidText::LineBreak { offset, byte },
                },
                None => CommandError::ForbiddenByte { offset, byte },
            });
        }
        match key {
            USER => sink.command(Command::User(Username::new_unchecked(tri!(
                arg("USER").nonempty()
            )))),
            PASS => sink.command(Command::Pass(Password::new_unchecked(
                tolerate_pass_without_space(bytes),
            ))),
            ACCT => sink.command(Command::Acct(Account::new_unchecked(tri!(
                arg("ACCT").nonempty()
            )))),
            CWD => sink.command(Command::Cwd(tri!(arg("CWD").pathname()))),
            CDUP => {
                tri!(arg("CDUP").none());
                sink.command(Command::Cdup)
            }
            SMNT => sink.command(Command::Smnt(tri!(arg("SMNT").pathname()))),
            REIN => {
                tri!(arg("REIN").none());
                sink.command(Command::Rein)
            }
            QUIT => {
                tri!(arg("QUIT").none());
                sink.command(Command::Quit)
            }
            PORT => sink.command(Command::Port(tri!(arg("PORT").grammar(host_port)))),
            PASV => {
                tri!(arg("PASV").none());
                sink.command(Command::Pasv)
            }
            TYPE => sink.command(Command::Type(tri!(arg("TYPE").grammar(type_code)))),
            STRU => sink.command(Command::Stru(tri!(arg("STRU").grammar(code(STRUCTURES))))),
            MODE => sink.command(Command::Mode(tri!(arg("MODE").grammar(code(MODES))))),
            RETR => sink.command(Command::Retr(tri!(arg("RETR").pathname()))),
            STOR => sink.command(Command::Stor(tri!(arg("STOR").pathname()))),
            STOU => sink.command(Command::Stou(arg("STOU").optional_pathname())),
            APPE => sink.command(Command::Appe(tri!(arg("APPE").pathname()))),
            ALLO => sink.command(Command::Allo(tri!(arg("ALLO").grammar(alloc_size)))),
            REST => sink.command(Command::Rest(tri!(arg("REST").grammar(decimal)))),
            RNFR => sink.command(Command::Rnfr(tri!(arg("RNFR").pathname()))),
            RNTO => sink.command(Command::Rnto(tri!(arg("RNTO").pathname()))),
            ABOR => {
                tri!(arg("ABOR").none());
                sink.command(Command::Abor)
            }
            DELE => sink.command(Command::Dele(tri!(arg("DELE").pathname()))),
            RMD => sink.command(Command::Rmd(tri!(arg("RMD").pathname()))),
            MKD => sink.command(Command::Mkd(tri!(arg("MKD").pathname()))),
            PWD => {
                tri!(arg("PWD").none());
                sink.command(Command::Pwd)
            }
            LIST => sink.command(Command::List(arg("LIST").optional_pathname())),
            NLST => sink.command(Command::Nlst(arg("NLST").optional_pathname())),
            SITE => sink.command(Command::Site(tri!(arg("SITE").text()))),
            SYST => {
                tri!(arg("SYST").none());
                sink.command(Command::Syst)
            }
            STAT => sink.command(Command::Stat(arg("STAT").optional_pathname())),
            HELP => sink.command(Command::Help(arg("HELP").optional_text())),
            NOOP => {
                tri!(arg("NOOP").none());
                sink.command(Command::Noop)
            }
            XCWD => sink.command(Command::Xcwd(tri!(arg("XCWD").pathname()))),
            XCUP => {
                tri!(arg("XCUP").none());
                sink.command(Command::Xcup)
            }
            XMKD => sink.command(Command::Xmkd(tri!(arg("XMKD").pathname()))),
            XRMD => sink.command(Command::Xrmd(tri!(arg("XRMD").pathname()))),
            XPWD => {
                tri!(arg("XPWD").none());
                sink.command(Command::Xpwd)
            }
            AUTH => {
                let a = arg("AUTH");
                let m = tri!(a.nonempty());
                sink.command(Command::Auth(tri!(Mechanism::new(m).map_err(|e| {
                    CommandError::InvalidText {
                        verb: "AUTH",
                        source: shift_invalid_text(e, a.offset),
                    }
                }))))
            }
            ADAT => sink.command(Command::Adat(tri!(arg("ADAT").text()))),
            PROT => sink.command(Command::Prot(tri!(arg("PROT").grammar(code(PROTS))))),
            PBSZ => sink.command(Command::Pbsz(tri!(arg("PBSZ").grammar(decimal_as::<u32>)))),
            CCC => {
                tri!(arg("CCC").none());
                sink.command(Command::Ccc)
            }
            MIC => sink.command(Command::Mic(tri!(arg("MIC").text()))),
            CONF => sink.command(Command::Conf(tri!(arg("CONF").text()))),
            ENC => sink.command(Command::Enc(tri!(arg("ENC").text()))),
            FEAT => {
                tri!(arg("FEAT").none());
                sink.command(Command::Feat)
            }
            OPTS => sink.command(Command::Opts(tri!(arg("OPTS").text()))),
            EPRT => sink.command(Command::Eprt(tri!(arg("EPRT").grammar(extended_address)))),
            EPSV => {
                let a = arg("EPSV");
                sink.command(match a.bytes {
                    None => Command::Epsv(None),
                    Some(b) if tolerate_trailing_spaces(b) => Command::Epsv(None),
                    Some(_) => Command::Epsv(Some(tri!(a.grammar(epsv_argument)))),
                })
            }
            SIZE => sink.command(Command::Size(tri!(arg("SIZE").pathname()))),
            MDTM => sink.command(Command::Mdtm(tri!(arg("MDTM").pathname()))),
            MLST => sink.command(Command::Mlst(arg("MLST").optional_pathname())),
            MLSD => sink.command(Command::Mlsd(arg("MLSD").optional_pathname())),
            MFMT => {
                let (ts, path) = tri!(arg("MFMT").mfmt());
                sink.command(Command::Mfmt(ts, path))
            }
            HOST => sink.command(Command::Host(tri!(arg("HOST").text()))),
            LANG => sink.command(Command::Lang(arg("LANG").optional_text())),
            _ => sink.command(Command::Unknown {
                verb: Verb::new_unchecked(&line[..verb_end]),
                argument: bytes.map(Text::new_unchecked),
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// Appends SP and the escaped argument.
fn push_argument(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b' ');
    push_escaped(out, bytes);
}

/// Appends a decimal number, at least `width` digits (zero-padded).
fn push_decimal(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut n = value;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in (digits.len() - i)..width {
        out.push(b'0');
    }
    out.extend_from_slice(&digits[i..]);
}

/// `fmt::Write` into a byte vector (for IP addresses).
struct Sink<'v>(&'v mut Vec<u8>);

impl core::fmt::Write for Sink<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn form_letter(form: FormatControl) -> u8 {
    match form {
        FormatControl::NonPrint => b'N',
        FormatControl::Telnet => b'T',
        FormatControl::Asa => b'C',
    }
}

impl Command<'_> {
    /// Appends the exact wire form, CRLF-terminated, 0xFF doubled as IAC IAC.
    ///
    /// The output decodes to an equal value (`Command::parse` after Telnet removal, or
    /// [`decode_command`]); [`Command`] lists the canonical forms.
    ///
    /// ```
    /// use ftps_proto::codec::Command;
    /// use ftps_proto::types::Pathname;
    ///
    /// let mut out = Vec::new();
    /// Command::Retr(Pathname::new(&b"a\xffb"[..]).unwrap()).encode(&mut out);
    /// assert_eq!(out, b"RETR a\xff\xffb\r\n");
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.verb().as_bytes());
        match self {
            Command::User(v) => push_argument(out, v.as_bytes()),
            Command::Pass(v) => push_argument(out, v.as_bytes()),
            Command::Acct(v) => push_argument(out, v.as_bytes()),
            Command::Cwd(p)
            | Command::Smnt(p)
            | Command::Retr(p)
            | Command::Stor(p)
            | Command::Appe(p)
            | Command::Rnfr(p)
            | Command::Rnto(p)
            | Command::Dele(p)
            | Command::Rmd(p)
            | Command::Mkd(p)
            | Command::Xcwd(p)
            | Command::Xmkd(p)
            | Command::Xrmd(p)
            | Command::Size(p)
            | Command::Mdtm(p) => push_argument(out, p.as_bytes()),
            Command::Stou(p)
            | Command::List(p)
            | Command::Nlst(p)
            | Command::Stat(p)
            | Command::Mlst(p)
            | Command::Mlsd(p) => {
                if let Some(p) = p {
                    push_argument(out, p.as_bytes());
                }
            }
            Command::Site(t)
            | Command::Adat(t)
            | Command::Mic(t)
            | Command::Conf(t)
            | Command::Enc(t)
            | Command::Opts(t)
            | Command::Host(t) => push_argument(out, t.as_bytes()),
            Command::Help(t) | Command::Lang(t) | Command::Unknown { argument: t, .. } => {
                if let Some(t) = t {
                    push_argument(out, t.as_bytes());
                }
            }
            Command::Cdup
            | Command::Rein
            | Command::Quit
            | Command::Pasv
            | Command::Abor
            | Command::Pwd
            | Command::Syst
            | Command::Noop
            | Command::Xcup
            | Command::Xpwd
            | Command::Ccc
            | Command::Feat => {}
            Command::Port(addr) => {
                out.push(b' ');
                let [p1, p2] = addr.port().to_be_bytes();
                let [a, b, c, d] = addr.ip().octets();
                for (i, n) in [a, b, c, d, p1, p2].into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    push_decimal(out, n.into(), 1);
                }
            }
            Command::Type(t) => {
                out.push(b' ');
                match t {
                    TransferType::Ascii(form) | TransferType::Ebcdic(form) => {
                        out.push(if matches!(t, TransferType::Ascii(_)) {
                            b'A'
                        } else {
                            b'E'
                        });
                        if let Some(form) = form {
                            out.push(b' ');
                            out.push(form_letter(*form));
                        }
                    }
                    TransferType::Image => out.push(b'I'),
                    TransferType::Local(size) => {
                        out.extend_from_slice(b"L ");
                        push_decimal(out, (*size).into(), 1);
                    }
                }
            }
            Command::Stru(s) => {
                out.push(b' ');
                out.push(
                    STRUCTURES
                        .iter()
                        .find(|(_, v)| v == s)
                        .map_or(b'F', |(c, _)| *c),
                );
            }
            Command::Mode(m) => {
                out.push(b' ');
                out.push(MODES.iter().find(|(_, v)| v == m).map_or(b'S', |(c, _)| *c));
            }
            Command::Allo(a) => {
                out.push(b' ');
                push_decimal(out, a.size, 1);
                if let Some(r) = a.record_size {
                    out.extend_from_slice(b" R ");
                    push_decimal(out, r, 1);
                }
            }
            Command::Rest(n) => {
                out.push(b' ');
                push_decimal(out, *n, 1);
            }
            Command::Auth(m) => push_argument(out, m.as_bytes()),
            Command::Prot(p) => {
                out.push(b' ');
                out.push(p.letter());
            }
            Command::Pbsz(n) => {
                out.push(b' ');
                push_decimal(out, (*n).into(), 1);
            }
            Command::Eprt(addr) => {
                let protocol = if addr.is_ipv4() { b'1' } else { b'2' };
                out.extend_from_slice(&[b' ', b'|', protocol, b'|']);
                // Writing into a Vec cannot fail.
                let _ = write!(Sink(out), "{}", addr.ip());
                out.push(b'|');
                push_decimal(out, addr.port().into(), 1);
                out.push(b'|');
            }
            Command::Epsv(arg) => match arg {
                None => {}
                Some(EpsvArgument::All) => out.extend_from_slice(b" ALL"),
                Some(EpsvArgument::Protocol(NetworkProtocol(n))) => {
                    out.push(b' ');
                    push_decimal(out, (*n).into(), 1);
                }
            },
            Command::Mfmt(ts, path) => {
                out.push(b' ');
                encode_timestamp(ts, out);
                push_argument(out, path.as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The verb, upper-case (`"RETR"`); for [`Command::Unknown`] the verb as sent.
    pub fn verb(&self) -> &str {
        match self {
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Acct(_) => "ACCT",
            Command::Cwd(_) => "CWD",
            Command::Cdup => "CDUP",
            Command::Smnt(_) => "SMNT",
            Command::Rein => "REIN",
            Command::Quit => "QUIT",
            Command::Port(_) => "PORT",
            Command::Pasv => "PASV",
            Command::Type(_) => "TYPE",
            Command::Stru(_) => "STRU",
            Command::Mode(_) => "MODE",
            Command::Retr(_) => "RETR",
            Command::Stor(_) => "STOR",
            Command::Stou(_) => "STOU",
            Command::Appe(_) => "APPE",
            Command::Allo(_) => "ALLO",
            Command::Rest(_) => "REST",
            Command::Rnfr(_) => "RNFR",
            Command::Rnto(_) => "RNTO",
            Command::Abor => "ABOR",
            Command::Dele(_) => "DELE",
            Command::Rmd(_) => "RMD",
            Command::Mkd(_) => "MKD",
            Command::Pwd => "PWD",
            Command::List(_) => "LIST",
            Command::Nlst(_) => "NLST",
            Command::Site(_) => "SITE",
            Command::Syst => "SYST",
            Command::Stat(_) => "STAT",
            Command::Help(_) => "HELP",
            Command::Noop => "NOOP",
            Command::Xcwd(_) => "XCWD",
            Command::Xcup => "XCUP",
            Command::Xmkd(_) => "XMKD",
            Command::Xrmd(_) => "XRMD",
            Command::Xpwd => "XPWD",
            Command::Auth(_) => "AUTH",
            Command::Adat(_) => "ADAT",
            Command::Prot(_) => "PROT",
            Command::Pbsz(_) => "PBSZ",
            Command::Ccc => "CCC",
            Command::Mic(_) => "MIC",
            Command::Conf(_) => "CONF",
            Command::Enc(_) => "ENC",
            Command::Feat => "FEAT",
            Command::Opts(_) => "OPTS",
            Command::Eprt(_) => "EPRT",
            Command::Epsv(_) => "EPSV",
            Command::Size(_) => "SIZE",
            Command::Mdtm(_) => "MDTM",
            Command::Mlst(_) => "MLST",
            Command::Mlsd(_) => "MLSD",
            Command::Mfmt(..) => "MFMT",
            Command::Host(_) => "HOST",
            Command::Lang(_) => "LANG",
            // A Verb is printable ASCII, hence UTF-8.
            Command::Unknown { verb, .. } => verb.to_str().unwrap_or_default(),
        }
    }

    /// An owned copy that borrows nothing (for storing a command past the decoder's next
    /// `feed`).
    pub fn into_owned(self) -> Command<'static> {
        fn opt<T, U>(v: Option<T>, f: impl FnOnce(T) -> U) -> Option<U> {
            v.map(f)
        }
        match self {
            Command::User(v) => Command::User(v.into_owned()),
            Command::Pass(v) => Command::Pass(v.into_owned()),
            Command::Acct(v) => Command::Acct(v.into_owned()),
            Command::Cwd(p) => Command::Cwd(p.into_owned()),
            Command::Cdup => Command::Cdup,
            Command::Smnt(p) => Command::Smnt(p.into_owned()),
            Command::Rein => Command::Rein,
            Command::Quit => Command::Quit,
            Command::Port(a) => Command::Port(a),
            Command::Pasv => Command::Pasv,
            Command::Type(t) => Command::Type(t),
            Command::Stru(s) => Command::Stru(s),
            Command::Mode(m) => Command::Mode(m),
            Command::Retr(p) => Command::Retr(p.into_owned()),
            Command::Stor(p) => Command::Stor(p.into_owned()),
            Command::Stou(p) => Command::Stou(opt(p, Pathname::into_owned)),
            Command::Appe(p) => Command::Appe(p.into_owned()),
            Command::Allo(a) => Command::Allo(a),
            Command::Rest(n) => Command::Rest(n),
            Command::Rnfr(p) => Command::Rnfr(p.into_owned()),
            Command::Rnto(p) => Command::Rnto(p.into_owned()),
            Command::Abor => Command::Abor,
            Command::Dele(p) => Command::Dele(p.into_owned()),
            Command::Rmd(p) => Command::Rmd(p.into_owned()),
            Command::Mkd(p) => Command::Mkd(p.into_owned()),
            Command::Pwd => Command::Pwd,
            Command::List(p) => Command::List(opt(p, Pathname::into_owned)),
            Command::Nlst(p) => Command::Nlst(opt(p, Pathname::into_owned)),
            Command::Site(t) => Command::Site(t.into_owned()),
            Command::Syst => Command::Syst,
            Command::Stat(p) => Command::Stat(opt(p, Pathname::into_owned)),
            Command::Help(t) => Command::Help(opt(t, Text::into_owned)),
            Command::Noop => Command::Noop,
            Command::Xcwd(p) => Command::Xcwd(p.into_owned()),
            Command::Xcup => Command::Xcup,
            Command::Xmkd(p) => Command::Xmkd(p.into_owned()),
            Command::Xrmd(p) => Command::Xrmd(p.into_owned()),
            Command::Xpwd => Command::Xpwd,
            Command::Auth(m) => Command::Auth(m.into_owned()),
            Command::Adat(t) => Command::Adat(t.into_owned()),
            Command::Prot(p) => Command::Prot(p),
            Command::Pbsz(n) => Command::Pbsz(n),
            Command::Ccc => Command::Ccc,
            Command::Mic(t) => Command::Mic(t.into_owned()),
            Command::Conf(t) => Command::Conf(t.into_owned()),
            Command::Enc(t) => Command::Enc(t.into_owned()),
            Command::Feat => Command::Feat,
            Command::Opts(t) => Command::Opts(t.into_owned()),
            Command::Eprt(a) => Command::Eprt(a),
            Command::Epsv(a) => Command::Epsv(a),
            Command::Size(p) => Command::Size(p.into_owned()),
            Command::Mdtm(p) => Command::Mdtm(p.into_owned()),
            Command::Mlst(p) => Command::Mlst(opt(p, Pathname::into_owned)),
            Command::Mlsd(p) => Command::Mlsd(opt(p, Pathname::into_owned)),
            Command::Mfmt(ts, p) => Command::Mfmt(ts, p.into_owned()),
            Command::Host(t) => Command::Host(t.into_owned()),
            Command::Lang(t) => Command::Lang(opt(t, Text::into_owned)),
            Command::Unknown { verb, argument } => Command::Unknown {
                verb: verb.into_owned(),
                argument: opt(argument, Text::into_owned),
            },
        }
    }
}

/// Where a [`CommandError`] points and what it expected, for [`DecodeError::Invalid`].
fn invalid(e: CommandError) -> DecodeError {
    let (offset, expected) = match e {
        CommandError::MissingVerb { offset } | CommandError::InvalidVerb { offset } => {
            (offset, Expected::Verb)
        }
        CommandError::InvalidArgument {
            offset, expected, ..
        } => (offset, expected),
        CommandError::InvalidText { source, .. } => match source {
            InvalidText::LineBreak { offset, .. } | InvalidText::Forbidden { offset, .. } => {
                (offset, Expected::Text)
            }
            _ => (0, Expected::Text),
        },
        CommandError::ForbiddenByte { offset, .. } => (offset, Expected::Text),
    };
    DecodeError::Invalid { offset, expected }
}

/// Decodes one CRLF- (or LF-) terminated command from the start of `input`, for tests and
/// simple hosts; a server reading a stream uses [`super::CommandDecoder`], which also bounds
/// line length and surfaces Telnet signals.
///
/// This is the exact inverse of [`Command::encode`]: the only Telnet sequence it understands
/// is the `IAC IAC` escape that `encode` writes for a 0xFF byte (undone here, which copies the
/// line; without 0xFF nothing is allocated). Any other IAC is
/// [`DecodeError::Invalid`] (use the streaming decoder for Telnet). Returns the remainder
/// after the line end, [`DecodeError::Incomplete`] when there is no LF yet, and
/// [`DecodeError::Invalid`] with the offset in the line for a line that is not a valid
/// command. An unknown verb is `Ok` ([`Command::Unknown`]).
///
/// ```
/// use ftps_proto::codec::{decode_command, Command, DecodeError};
///
/// let (rest, cmd) = decode_command(b"PBSZ 0\r\nPROT P\r\n").unwrap();
/// assert_eq!((cmd, rest), (Command::Pbsz(0), &b"PROT P\r\n"[..]));
/// assert_eq!(decode_command(b"PROT P"), Err(DecodeError::Incomplete));
/// ```
pub fn decode_command(input: &[u8]) -> Result<(&[u8], Command<'_>), DecodeError> {
    // The common line: no control byte and no IAC before its CRLF (or lone LF). One scan
    // finds that line end and proves the line clean, so the parser need not look again.
    let first = find_control_or_iac(input).ok_or(DecodeError::Incomplete)?;
    let line_end = match input[first..] {
        [b'\n', ..] => Some(first + 1),
        [b'\r', b'\n', ..] => Some(first + 2),
        _ => None,
    };
    if let Some(end) = line_end {
        return Command::parse_into(&input[..first], Scanned::Clean, WithRest(&input[end..]));
    }
    decode_unusual_command(input)
}

/// [`decode_command`] for a line with a control byte or an IAC in it (or not yet complete).
#[cold]
#[inline(never)]
fn decode_unusual_command(input: &[u8]) -> Result<(&[u8], Command<'_>), DecodeError> {
    // One scan finds the line end and tells whether the line holds an IAC: the first LF or
    // IAC; only after an IAC does the rest of the line need a second look for its LF.
    let first = find_any(input, [b'\n', IAC]).ok_or(DecodeError::Incomplete)?;
    let has_iac = input[first] == IAC;
    let lf = if has_iac {
        first + find_any(&input[first..], [b'\n']).ok_or(DecodeError::Incomplete)?
    } else {
        first
    };
    let rest = &input[lf + 1..];
    let line = match input[..lf].strip_suffix(b"\r") {
        Some(l) => l,
        None => &input[..lf],
    };
    // `CR NUL` is a bare CR (RFC 854; RFC 2640 §3.1 for a CR in a path name).
    let has_cr_nul = line.windows(2).any(|w| w == b"\r\0");
    if !has_iac && !has_cr_nul {
        return Command::parse(line).map(|c| (rest, c)).map_err(invalid);
    }
    let mut clean = Vec::with_capacity(line.len());
    let mut bytes = line.iter().enumerate().peekable();
    while let Some((i, &b)) = bytes.next() {
        if b == IAC {
            match bytes.next() {
                Some((_, &IAC)) => {}
                _ => {
                    return Err(DecodeError::Invalid {
                        offset: i,
                        expected: Expected::Text,
                    })
                }
            }
        } else if b == b'\r' && bytes.peek().is_some_and(|(_, &n)| n == 0) {
            bytes.next();
        }
        clean.push(b);
    }
    let command = Command::parse(&clean).map_err(invalid)?.into_owned();
    Ok((rest, command))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ok(line: &[u8]) -> Command<'_> {
        match Command::parse(line) {
            Ok(c) => c,
            Err(e) => panic!("{:?}: {e}", line.escape_ascii().to_string()),
        }
    }

    fn enc(c: &Command<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        c.encode(&mut out);
        out
    }

    fn bad_arg(line: &[u8], verb: &'static str, offset: usize, expected: Expected) {
        assert_eq!(
            Command::parse(line),
            Err(CommandError::InvalidArgument {
                verb,
                offset,
                expected
            }),
            "{}",
            line.escape_ascii()
        );
    }

    fn path(s: &str) -> Pathname<'_> {
        Pathname::try_from(s).unwrap()
    }

    use alloc::string::ToString;

    #[test]
    fn verbs_are_case_insensitive_and_encode_upper_case() {
        // C: retr README / C: Retr README
        for line in [&b"retr README"[..], b"Retr README", b"RETR README"] {
            assert_eq!(ok(line), Command::Retr(path("README")));
        }
        assert_eq!(enc(&ok(b"rEtR README")), b"RETR README\r\n");
        assert_eq!(ok(b"xcup"), Command::Xcup);
    }

    #[test]
    fn exactly_one_space_separates_verb_and_argument() {
        // A path name may start with spaces (RFC 959 §5.3.2 <pathname> ::= <string>).
        assert_eq!(ok(b"RETR  x"), Command::Retr(path(" x")));
        assert_eq!(enc(&ok(b"RETR  x")), b"RETR  x\r\n");
        assert_eq!(ok(b"CWD a b "), Command::Cwd(path("a b ")));
    }

    #[test]
    fn missing_and_empty_required_arguments() {
        bad_arg(b"RETR", "RETR", 4, Expected::Space);
        bad_arg(b"RETR ", "RETR", 5, Expected::Argument);
        bad_arg(b"USER", "USER", 4, Expected::Space);
        bad_arg(b"SITE", "SITE", 4, Expected::Space);
        bad_arg(b"HOST", "HOST", 4, Expected::Space);
        bad_arg(b"AUTH ", "AUTH", 5, Expected::Argument);
        bad_arg(b"MFMT", "MFMT", 4, Expected::Space);
    }

    #[test]
    fn no_argument_verbs_refuse_an_argument() {
        bad_arg(b"QUIT now", "QUIT", 5, Expected::NoArgument);
        bad_arg(b"CCC x", "CCC", 4, Expected::NoArgument);
        bad_arg(b"PASV  x", "PASV", 5, Expected::NoArgument);
    }

    #[test]
    fn quirk_trailing_spaces_after_a_verb_without_argument() {
        // C: PASV␠ (a client that always appends " " + argument)
        assert!(tolerate_trailing_spaces(b"  "));
        assert!(!tolerate_trailing_spaces(b" x"));
        assert_eq!(ok(b"PASV "), Command::Pasv);
        assert_eq!(ok(b"NOOP   "), Command::Noop);
        assert_eq!(ok(b"EPSV "), Command::Epsv(None));
        assert_eq!(enc(&ok(b"FEAT ")), b"FEAT\r\n");
        // C: TYPE I␠ / C: PORT 10,0,0,1,4,1␠␠
        assert_eq!(enc(&ok(b"TYPE I ")), b"TYPE I\r\n");
        assert_eq!(enc(&ok(b"PORT 10,0,0,1,4,1  ")), b"PORT 10,0,0,1,4,1\r\n");
        assert_eq!(enc(&ok(b"PROT P ")), b"PROT P\r\n");
        // Spaces after a path name are part of it.
        assert_eq!(enc(&ok(b"RETR a ")), b"RETR a \r\n");
        // Not spaces only: still an error.
        bad_arg(b"TYPE I x", "TYPE", 6, Expected::LineEnd);
    }

    #[test]
    fn quirk_pass_without_space_is_an_empty_password() {
        // C: USER anonymous / S: 331 ... / C: PASS
        assert_eq!(tolerate_pass_without_space(None), b"");
        assert_eq!(ok(b"PASS"), Command::Pass(Password::try_from("").unwrap()));
        assert_eq!(ok(b"PASS "), Command::Pass(Password::try_from("").unwrap()));
        assert_eq!(enc(&ok(b"PASS")), b"PASS \r\n");
        // A password may start or end with spaces.
        assert_eq!(enc(&ok(b"PASS  s3cret ")), b"PASS  s3cret \r\n");
    }

    #[test]
    fn quirk_list_with_empty_argument_has_no_path() {
        // C: LIST␠ (client that always appends " " + path)
        assert_eq!(tolerate_empty_optional_path(Some(b"")), None);
        assert_eq!(ok(b"LIST "), Command::List(None));
        assert_eq!(ok(b"LIST"), Command::List(None));
        assert_eq!(enc(&ok(b"NLST ")), b"NLST\r\n");
        assert_eq!(ok(b"MLSD  "), Command::Mlsd(Some(path(" "))));
        assert_eq!(ok(b"LIST -la"), Command::List(Some(path("-la"))));
        assert_eq!(ok(b"STOU"), Command::Stou(None));
    }

    #[test]
    fn optional_text_keeps_absent_and_empty_apart() {
        assert_eq!(ok(b"HELP"), Command::Help(None));
        assert_eq!(ok(b"HELP "), Command::Help(Some(Text::EMPTY)));
        assert_eq!(enc(&ok(b"HELP ")), b"HELP \r\n");
        assert_eq!(ok(b"LANG"), Command::Lang(None));
        assert_eq!(ok(b"LANG fr"), Command::Lang(Some(Text::from_static("fr"))));
    }

    #[test]
    fn unknown_verbs_are_not_errors() {
        // C: XYZZY plugh / S: 502
        let c = ok(b"Xyzzy plugh");
        assert_eq!(
            c,
            Command::Unknown {
                verb: Verb::try_from("Xyzzy").unwrap(),
                argument: Some(Text::from_static("plugh"))
            }
        );
        assert_eq!(c.verb(), "Xyzzy");
        assert_eq!(enc(&c), b"Xyzzy plugh\r\n");
        assert_eq!(
            ok(b"CLNT"),
            Command::Unknown {
                verb: Verb::try_from("CLNT").unwrap(),
                argument: None
            }
        );
        // A known verb's prefix or extension is not the known verb.
        assert!(matches!(ok(b"RETRX a"), Command::Unknown { .. }));
        assert!(matches!(ok(b"RET a"), Command::Unknown { .. }));
    }

    #[test]
    fn verbs_must_be_printable_and_short() {
        assert_eq!(
            Command::parse(b""),
            Err(CommandError::MissingVerb { offset: 0 })
        );
        assert_eq!(
            Command::parse(b" NOOP"),
            Err(CommandError::MissingVerb { offset: 0 })
        );
        assert_eq!(
            Command::parse(b"NO\xffOP"),
            Err(CommandError::InvalidVerb { offset: 2 })
        );
        assert_eq!(
            Command::parse(b"NO\tOP"),
            Err(CommandError::InvalidVerb { offset: 2 })
        );
        assert_eq!(
            Command::parse(b"ABCDEFGHIJKLMNOPQ x"),
            Err(CommandError::InvalidVerb { offset: 16 })
        );
        assert!(matches!(
            Command::parse(b"ABCDEFGHIJKLMNOP x"),
            Ok(Command::Unknown { .. })
        ));
    }

    #[test]
    fn cr_in_a_pathname_travels_as_cr_nul() {
        // RFC 2640 §3.1: "to store a pathname foo<CR><LF>boo.bar the pathname would become
        // foo<CR><NUL><LF>boo.bar" -- an LF cannot be in a name here (it ends the line, RFC
        // 1123 §4.1.2.10 liberal line ends), a CR can.
        let p = Pathname::new(&b"foo\rboo.bar"[..]).unwrap();
        let wire = enc(&Command::Stor(p.clone()));
        assert_eq!(wire, b"STOR foo\r\0boo.bar\r\n");
        assert_eq!(
            decode_command(&wire),
            Ok((&b""[..], Command::Stor(p.clone())))
        );
        let mut d = crate::codec::CommandDecoder::new(crate::codec::Limits::default());
        d.feed(&wire);
        assert_eq!(
            d.next_line().map(|l| match l {
                crate::codec::CommandLine::Command(c) => c.map(Command::into_owned),
                _ => panic!("not a command"),
            }),
            Some(Ok(Command::Stor(p)))
        );
        // A CR at the end of the name, before the line end.
        let q = Pathname::new(&b"x\r"[..]).unwrap();
        let wire = enc(&Command::Dele(q.clone()));
        assert_eq!(wire, b"DELE x\r\0\r\n");
        assert_eq!(decode_command(&wire), Ok((&b""[..], Command::Dele(q))));
        // With 0xFF too: both escapes.
        let r = Pathname::new(&b"\xff\r"[..]).unwrap();
        let wire = enc(&Command::Mkd(r.clone()));
        assert_eq!(wire, b"MKD \xff\xff\r\0\r\n");
        assert_eq!(decode_command(&wire), Ok((&b""[..], Command::Mkd(r))));
    }

    #[test]
    fn cr_and_nul_are_refused_anywhere() {
        // A known verb: its argument is wrong (501), offset in the line.
        assert_eq!(
            Command::parse(b"SITE a\rDELE b"),
            Err(CommandError::InvalidText {
                verb: "SITE",
                source: InvalidText::LineBreak {
                    offset: 6,
                    byte: b'\r'
                }
            })
        );
        // A path name may hold a CR (RFC 2640 §3.1): one RETR of that name, never a second
        // command; NUL stays refused there.
        assert_eq!(
            Command::parse(b"RETR a\rDELE b"),
            Ok(Command::Retr(Pathname::new(&b"a\rDELE b"[..]).unwrap()))
        );
        assert_eq!(
            Command::parse(b"RETR a\0b"),
            Err(CommandError::InvalidText {
                verb: "RETR",
                source: InvalidText::LineBreak { offset: 6, byte: 0 }
            })
        );
        assert_eq!(
            Command::parse(b"noop \0"),
            Err(CommandError::InvalidText {
                verb: "NOOP",
                source: InvalidText::LineBreak { offset: 5, byte: 0 }
            })
        );
        // An unknown verb (500).
        assert_eq!(
            Command::parse(b"XYZ a\0"),
            Err(CommandError::ForbiddenByte { offset: 5, byte: 0 })
        );
        // In the verb itself: not a verb (500).
        assert_eq!(
            Command::parse(b"X\nY"),
            Err(CommandError::InvalidVerb { offset: 1 })
        );
        assert_eq!(
            Command::parse(b"NOOP\r"),
            Err(CommandError::InvalidVerb { offset: 4 })
        );
    }

    #[test]
    fn errors_name_the_reply_code() {
        // C: XYZZY\0 / S: 500 -- C: RETR / S: 501 -- C: (empty line) / S: 500
        let code = |l: &[u8]| Command::parse(l).unwrap_err().reply_code().value();
        assert_eq!(code(b"XYZZY \0"), 500);
        assert_eq!(code(b""), 500);
        assert_eq!(code(b"N\xffOP"), 500);
        assert_eq!(code(b"RETR"), 501);
        assert_eq!(code(b"RETR \0"), 501);
        assert_eq!(Command::parse(b"PBSZ x").unwrap_err().verb(), Some("PBSZ"));
        assert_eq!(Command::parse(b" x").unwrap_err().verb(), None);
    }

    #[test]
    fn letter_verbs_are_exactly_three_or_four_ascii_letters() {
        // The definition: the verb ends at the first SP or the line end; it takes the fast
        // dispatch when it has 3 or 4 bytes, all ASCII letters, keyed by its upper case.
        let reference = |line: &[u8]| {
            let end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
            let verb = &line[..end];
            ((end == 3 || end == 4) && verb.iter().all(u8::is_ascii_alphabetic))
                .then(|| (end, verb_key(&verb.to_ascii_uppercase())))
        };
        // Every byte value in every position of 2- to 5-byte verbs, with what may follow.
        for len in 2usize..=5 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut verb = b"rEtRz"[..len].to_vec();
                    verb[at] = b;
                    for tail in [&b""[..], b" ", b" x", b"x", b"xx"] {
                        let line = [&verb[..], tail].concat();
                        assert_eq!(letter_verb(&line), reference(&line), "{line:?}");
                    }
                }
            }
        }
        assert_eq!(letter_verb(b""), None);
    }

    #[test]
    fn the_verb_table_matches_the_parser() {
        for verb in KNOWN_VERBS {
            assert!(
                !matches!(Command::parse(verb.as_bytes()), Ok(Command::Unknown { .. })),
                "{verb}"
            );
        }
        for c in [Command::Noop, Command::Retr(path("x")), Command::Mlsd(None)] {
            assert_eq!(known_verb(verb_key(c.verb().as_bytes())), Some(c.verb()));
        }
    }

    #[test]
    fn port_host_port() {
        // RFC 959 §4.1.2: PORT h1,h2,h3,h4,p1,p2
        let c = ok(b"PORT 192,168,1,2,7,138");
        assert_eq!(
            c,
            Command::Port(SocketAddrV4::new(
                Ipv4Addr::new(192, 168, 1, 2),
                7 * 256 + 138
            ))
        );
        assert_eq!(enc(&c), b"PORT 192,168,1,2,7,138\r\n");
        assert_eq!(enc(&ok(b"PORT 010,0,0,1,0,021")), b"PORT 10,0,0,1,0,21\r\n");
        bad_arg(b"PORT 1,2,3,4,5", "PORT", 14, Expected::HostPort);
        bad_arg(b"PORT 1,2,3,256,5,6", "PORT", 11, Expected::HostPort);
        bad_arg(b"PORT 1,2,3,4,5,6,7", "PORT", 16, Expected::LineEnd);
        bad_arg(b"PORT 1, 2,3,4,5,6", "PORT", 7, Expected::HostPort);
        bad_arg(b"PORT", "PORT", 4, Expected::Space);
        bad_arg(b"PORT -1,2,3,4,5,6", "PORT", 5, Expected::HostPort);
    }

    #[test]
    fn eprt_extended_addresses() {
        // RFC 2428 §2 examples.
        let c = ok(b"EPRT |1|132.235.1.2|6275|");
        assert_eq!(c, Command::Eprt("132.235.1.2:6275".parse().unwrap()));
        assert_eq!(enc(&c), b"EPRT |1|132.235.1.2|6275|\r\n");
        let c = ok(b"EPRT |2|1080::8:800:200C:417A|5282|");
        assert_eq!(
            c,
            Command::Eprt("[1080::8:800:200c:417a]:5282".parse().unwrap())
        );
        assert_eq!(enc(&c), b"EPRT |2|1080::8:800:200c:417a|5282|\r\n");
        // Any delimiter from 33 to 126.
        assert_eq!(ok(b"EPRT !1!10.0.0.1!21!"), ok(b"EPRT |1|10.0.0.1|21|"));
        // The protocol must match the address.
        bad_arg(b"EPRT |1|::1|21|", "EPRT", 8, Expected::ExtendedAddress);
        bad_arg(
            b"EPRT |2|10.0.0.1|21|",
            "EPRT",
            8,
            Expected::ExtendedAddress,
        );
        bad_arg(
            b"EPRT |3|10.0.0.1|21|",
            "EPRT",
            6,
            Expected::NetworkProtocol,
        );
        // RFC 2428 §2: an unknown network protocol is answered 522, bad syntax 501.
        let e = Command::parse(b"EPRT |3|10.0.0.1|21|").unwrap_err();
        assert_eq!(e.reply_code().value(), 522);
        let e = Command::parse(b"EPRT |3|10.0.0.1|21").unwrap_err();
        assert_eq!(e.reply_code().value(), 501);
        bad_arg(
            b"EPRT |1|10.0.0.1|65536|",
            "EPRT",
            17,
            Expected::ExtendedAddress,
        );
        bad_arg(
            b"EPRT |1|10.0.0.1|21",
            "EPRT",
            19,
            Expected::ExtendedAddress,
        );
        bad_arg(b"EPRT |1||21|", "EPRT", 8, Expected::ExtendedAddress);
        bad_arg(
            b"EPRT  1 10.0.0.1 21 ",
            "EPRT",
            5,
            Expected::ExtendedAddress,
        );
        bad_arg(b"EPRT |1|10.0.0.1|21|x", "EPRT", 20, Expected::LineEnd);
    }

    #[test]
    fn epsv_arguments() {
        assert_eq!(ok(b"EPSV"), Command::Epsv(None));
        assert_eq!(ok(b"epsv all"), Command::Epsv(Some(EpsvArgument::All)));
        assert_eq!(enc(&ok(b"epsv all")), b"EPSV ALL\r\n");
        assert_eq!(
            ok(b"EPSV 2"),
            Command::Epsv(Some(EpsvArgument::Protocol(NetworkProtocol::IPV6)))
        );
        bad_arg(b"EPSV ALLX", "EPSV", 8, Expected::LineEnd);
        assert_eq!(ok(b"EPSV ALL "), Command::Epsv(Some(EpsvArgument::All)));
        bad_arg(b"EPSV x", "EPSV", 5, Expected::Argument);
    }

    #[test]
    fn type_stru_mode_prot_codes() {
        assert_eq!(ok(b"TYPE I"), Command::Type(TransferType::Image));
        assert_eq!(ok(b"type i"), Command::Type(TransferType::Image));
        assert_eq!(ok(b"TYPE A"), Command::Type(TransferType::Ascii(None)));
        assert_eq!(
            ok(b"TYPE a n"),
            Command::Type(TransferType::Ascii(Some(FormatControl::NonPrint)))
        );
        assert_eq!(enc(&ok(b"TYPE e c")), b"TYPE E C\r\n");
        assert_eq!(ok(b"TYPE L 8"), Command::Type(TransferType::Local(8)));
        bad_arg(b"TYPE L8", "TYPE", 6, Expected::Space);
        bad_arg(b"TYPE L 256", "TYPE", 7, Expected::Number);
        bad_arg(b"TYPE X", "TYPE", 5, Expected::Code);
        bad_arg(b"TYPE I N", "TYPE", 6, Expected::LineEnd);
        bad_arg(b"TYPE A X", "TYPE", 6, Expected::LineEnd);
        assert_eq!(ok(b"STRU r"), Command::Stru(Structure::Record));
        assert_eq!(enc(&ok(b"stru p")), b"STRU P\r\n");
        assert_eq!(ok(b"MODE B"), Command::Mode(Mode::Block));
        bad_arg(b"MODE X", "MODE", 5, Expected::Code);
        bad_arg(b"MODE SS", "MODE", 6, Expected::LineEnd);
        for (l, p) in [
            (b"PROT C", Prot::Clear),
            (b"PROT S", Prot::Safe),
            (b"PROT E", Prot::Confidential),
            (b"prot p", Prot::Private),
        ] {
            assert_eq!(ok(l), Command::Prot(p));
        }
        bad_arg(b"PROT X", "PROT", 5, Expected::Code);
        bad_arg(b"PROT", "PROT", 4, Expected::Space);
    }

    #[test]
    fn numbers() {
        assert_eq!(ok(b"PBSZ 0"), Command::Pbsz(0));
        assert_eq!(ok(b"PBSZ 4294967295"), Command::Pbsz(u32::MAX));
        bad_arg(b"PBSZ 4294967296", "PBSZ", 5, Expected::Number);
        bad_arg(b"PBSZ -1", "PBSZ", 5, Expected::Number);
        bad_arg(b"PBSZ ", "PBSZ", 5, Expected::Number);
        assert_eq!(ok(b"REST 18446744073709551615"), Command::Rest(u64::MAX));
        bad_arg(b"REST 18446744073709551616", "REST", 5, Expected::Number);
        assert_eq!(enc(&ok(b"REST 000100")), b"REST 100\r\n");
        assert_eq!(ok(b"REST 1 "), Command::Rest(1));
        assert_eq!(
            ok(b"ALLO 1000 r 80"),
            Command::Allo(AllocSize {
                size: 1000,
                record_size: Some(80)
            })
        );
        assert_eq!(enc(&ok(b"ALLO 1000 r 80")), b"ALLO 1000 R 80\r\n");
        assert_eq!(enc(&ok(b"ALLO 5")), b"ALLO 5\r\n");
        bad_arg(b"ALLO 5 X 3", "ALLO", 6, Expected::LineEnd);
    }

    #[test]
    fn auth_mechanisms() {
        assert_eq!(ok(b"AUTH TLS"), Command::Auth(Mechanism::TLS));
        // Case kept (mechanism names compare case-insensitively, RFC 2228 §3).
        assert_eq!(enc(&ok(b"AUTH tls")), b"AUTH tls\r\n");
        assert_eq!(
            Command::parse(b"AUTH TLS C"),
            Err(CommandError::InvalidText {
                verb: "AUTH",
                source: InvalidText::Forbidden {
                    offset: 8,
                    byte: b' '
                }
            })
        );
    }

    #[test]
    fn mfmt_time_val_and_path() {
        // draft-somers-ftp-mfxx: C: MFMT 20020717210715 file
        let c = ok(b"MFMT 20020717210715 file");
        assert_eq!(
            c,
            Command::Mfmt(
                Timestamp::new(2002, 7, 17, 21, 7, 15).unwrap(),
                path("file")
            )
        );
        assert_eq!(enc(&c), b"MFMT 20020717210715 file\r\n");
        let c = ok(b"MFMT 19980811130000.050  spaced");
        assert_eq!(enc(&c), b"MFMT 19980811130000.050  spaced\r\n");
        bad_arg(b"MFMT 2002071721071 file", "MFMT", 18, Expected::Timestamp);
        bad_arg(b"MFMT 20021317210715 file", "MFMT", 9, Expected::Timestamp);
        bad_arg(
            b"MFMT 20020717210715.1234567890 f",
            "MFMT",
            29,
            Expected::Timestamp,
        );
        bad_arg(b"MFMT 20020717210715", "MFMT", 19, Expected::Space);
        bad_arg(b"MFMT 200207172107150 f", "MFMT", 19, Expected::Timestamp);
        bad_arg(b"MFMT 20020717210715 ", "MFMT", 20, Expected::Argument);
    }

    #[test]
    fn ff_bytes_are_escaped_on_encode() {
        let c = Command::Stor(Pathname::new(vec![0xff, b'a', 0xff]).unwrap());
        assert_eq!(enc(&c), b"STOR \xff\xffa\xff\xff\r\n");
        let (rest, back) = decode_command(b"STOR \xff\xffa\xff\xff\r\nX").unwrap();
        assert_eq!((back, rest), (c, &b"X"[..]));
    }

    #[test]
    fn decode_command_line_ends_and_errors() {
        assert_eq!(decode_command(b"NOOP"), Err(DecodeError::Incomplete));
        assert_eq!(decode_command(b"NOOP\r"), Err(DecodeError::Incomplete));
        assert_eq!(decode_command(b"NOOP\n"), Ok((&b""[..], Command::Noop)));
        assert_eq!(
            decode_command(b"NOOP\r\nQUIT\r\n"),
            Ok((&b"QUIT\r\n"[..], Command::Noop))
        );
        assert_eq!(
            decode_command(b"PBSZ x\r\n"),
            Err(DecodeError::Invalid {
                offset: 5,
                expected: Expected::Number
            })
        );
        assert_eq!(
            decode_command(b"\r\n"),
            Err(DecodeError::Invalid {
                offset: 0,
                expected: Expected::Verb
            })
        );
        // Only IAC IAC is understood; other Telnet commands need the streaming decoder.
        assert_eq!(
            decode_command(b"\xff\xf4ABOR\r\n"),
            Err(DecodeError::Invalid {
                offset: 0,
                expected: Expected::Text
            })
        );
        assert!(matches!(
            decode_command(b"SITE CHMOD 755 x\r\n"),
            Ok((_, Command::Site(_)))
        ));
    }

    #[test]
    fn into_owned_keeps_the_value() {
        let line = b"MLST /a b".to_vec();
        let owned: Command<'static> = ok(&line).into_owned();
        drop(line);
        assert_eq!(owned, Command::Mlst(Some(path("/a b"))));
        assert_eq!(owned.verb(), "MLST");
    }
}

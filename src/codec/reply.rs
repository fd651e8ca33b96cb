//! [`Reply`]: a reply code and its text, single- or multi-line (RFC 959 §4.2), its exact
//! encoder, the slice decoder [`decode_reply`] and the streaming client-side
//! [`ReplyDecoder`].
//!
//! Owns the reply grammar and its real-world quirks (each a named function below, each with
//! the sample that motivated it in a test). It must not interpret reply texts (that is
//! `payload`) nor keep session state; the streaming decoder delegates line framing and Telnet
//! to the shared line framer.
//!
//! # Grammar (RFC 959 §4.2)
//!
//! ```text
//! single-line: ddd SP text CRLF
//! multi-line:  ddd "-" text CRLF
//!              any number of lines, each anything but the end line CRLF
//!              ddd SP text CRLF          (the same ddd)
//! ```
//!
//! # Quirks accepted (be liberal, RFC 1123 §1.2.2 and §4.1.2.11)
//!
//! - [`is_code_only_line`]: a code with no text at all (`226` alone on its line) is a complete
//!   single-line reply, and ends a multi-line reply of that code.
//! - `content_len`: a lone LF ends a line as well as CRLF (RFC 1123 §4.1.2.10 only promises
//!   CRLF).
//! - [`strip_repeated_prefix`]: intermediate lines that repeat `ddd-` (ProFTPD, IIS) are kept
//!   as sent by [`Reply::lines`] and shown without the prefix by [`Reply::text_lines`].
//! - `unescape_into`, Telnet (RFC 959 §4.1, RFC 1123 §4.1.2.12): in [`decode_reply`],
//!   `IAC IAC` is a data byte 0xFF and other Telnet commands (`IAC NOP`, option negotiation)
//!   are removed wherever they stand, even before or inside the reply code.
//!
//! The streaming [`ReplyDecoder`] gets the last two from the shared line framer, so both
//! decoders read any byte stream the same way (a property test checks it).
//!
//! # What is refused
//!
//! A CR that does not end a line and a NUL are refused inside a reply line
//! ([`Expected::Text`]): a [`Reply`]'s lines are always valid [`Text`], so a client can hand
//! them on and a re-encoded reply cannot change its line structure.
//!
//! # Representation
//!
//! A decoded reply borrows the raw block of its lines from the input (one `Cow`, no per-line
//! allocation, none at all unless a line carries a Telnet escape); [`Reply::lines`] splits it
//! lazily. Equality, hashing and encoding look only at the code and the lines, never at how the
//! lines were ended on the wire.
//!
//! # Cost
//!
//! Nearly every reply is made of plain lines (`ddd SP text CRLF`, no Telnet, no CR or NUL in a
//! text). [`decode_reply`] reads such a reply in one pass, eight bytes per step, with a
//! prefilter of three operations per word ([`decode_plain`]); anything else goes to the general
//! path ([`parse_reply`]), which reads every form above and gives the same result for a plain
//! reply (a property test checks it). [`ReplyDecoder`] runs the same one-pass reading over the
//! framer's clean lines whenever no Telnet signal or overlong line is pending (another property
//! test holds it against the frame-by-frame path), checks a usual first line the same way
//! otherwise, and hands consumed frames back to the framer once per `feed`, not once per reply.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Range;

use super::line::{push_escaped, Cursor, Frame, LineFramer};
use super::scan::{bytes_below, find_any, find_prefiltered, zero_bytes, HI, LO};
use super::{DecodeError, Expected, Limits};
use crate::types::{ReplyCode, Text};

/// Telnet "interpret as command" (RFC 854).
const IAC: u8 = 0xFF;

/// A reply: a code and one or more lines of text (RFC 959 §4.2).
///
/// Decoded replies borrow from the input; [`Reply::into_owned`] makes a `'static` copy.
/// Servers build replies with [`Reply::new`] and [`Reply::multiline`].
///
/// ```
/// use ftps_proto::codec::{decode_reply, Reply};
/// use ftps_proto::types::{ReplyCode, Text};
///
/// // S: 257 "/home/ftp" is the current directory
/// let (rest, reply) = decode_reply(b"257 \"/home/ftp\" is the current directory\r\n").unwrap();
/// assert!(rest.is_empty());
/// assert_eq!(reply.code(), ReplyCode::PATHNAME_CREATED);
/// assert_eq!(reply.text(), b"\"/home/ftp\" is the current directory");
///
/// let mut wire = Vec::new();
/// Reply::new(ReplyCode::COMMAND_OK, Text::from_static("TYPE set to I")).encode(&mut wire);
/// assert_eq!(wire, b"200 TYPE set to I\r\n");
/// ```
#[derive(Clone)]
pub struct Reply<'a> {
    code: ReplyCode,
    /// Single-line: the text. Multi-line: the first line's text, then every following line
    /// with its line end (`\n` or `\r\n`), the last line *with* its `ddd SP` (or bare `ddd`)
    /// prefix and without its line end.
    body: Cow<'a, [u8]>,
    multiline: bool,
}

impl<'a> Reply<'a> {
    /// A single-line reply `ddd SP text`.
    pub fn new(code: ReplyCode, text: Text<'a>) -> Self {
        Reply {
            code,
            body: text.into_inner(),
            multiline: false,
        }
    }

    /// A reply from the texts of its lines, first to last.
    ///
    /// With two or more lines the reply is multi-line (`ddd-first`, the middle lines as given,
    /// `ddd SP last`). An intermediate line that would end the reply early — one that starts
    /// with this reply's code followed by a space, or is the bare code (see
    /// [`is_code_only_line`]) — gets a leading space, as RFC 959 §4.2 requires ("If an
    /// intermediary line begins with a 3-digit number, the Server must pad the front to avoid
    /// confusion"). Only lines that would really end the reply are padded (a client searches
    /// for "the same reply code, followed by \<SP\>"), so other texts stay exactly as given.
    /// With one line this is [`Reply::new`]; with none, a single-line reply with an empty
    /// text.
    pub fn multiline(code: ReplyCode, lines: Vec<Text<'a>>) -> Self {
        let n = lines.len();
        if n < 2 {
            let text = lines.into_iter().next().unwrap_or(Text::EMPTY);
            return Reply::new(code, text);
        }
        let digits = code.digits();
        let total: usize = lines.iter().map(|l| l.as_bytes().len() + 2).sum::<usize>() + 4;
        let mut body = Vec::with_capacity(total);
        for (i, line) in lines.iter().enumerate() {
            let text = line.as_bytes();
            if i == 0 {
                body.extend_from_slice(text);
            } else if i + 1 < n {
                body.push(b'\n');
                if would_end_reply(digits, text) {
                    body.push(b' ');
                }
                body.extend_from_slice(text);
            } else {
                body.push(b'\n');
                body.extend_from_slice(&digits);
                body.push(b' ');
                body.extend_from_slice(text);
            }
        }
        Reply {
            code,
            body: Cow::Owned(body),
            multiline: true,
        }
    }

    /// The reply code.
    pub fn code(&self) -> ReplyCode {
        self.code
    }

    /// The text of the first line (after `ddd SP` or `ddd-`).
    pub fn text(&self) -> &[u8] {
        if self.multiline {
            let first = match self.body.iter().position(|&b| b == b'\n') {
                Some(i) => &self.body[..i],
                None => &self.body[..],
            };
            strip_cr(first)
        } else {
            &self.body
        }
    }

    /// Every line's text: the first and last without their `ddd-`/`ddd SP` prefix, the
    /// others exactly as sent (a repeated `ddd-` prefix included; see
    /// [`Reply::text_lines`]). A single-line reply has one line.
    pub fn lines(&self) -> Lines<'_> {
        if !self.multiline {
            return Lines {
                head: None,
                last: Some(&self.body),
            };
        }
        // A multi-line body always holds at least one line end.
        let split = self.body.iter().rposition(|&b| b == b'\n').unwrap_or(0);
        let head = strip_cr(&self.body[..split]);
        let last_line = self.body.get(split + 1..).unwrap_or(&[]);
        // The last line is `ddd SP text` or the bare `ddd`.
        let last = last_line.get(4..).unwrap_or(&[]);
        Lines {
            head: Some(head),
            last: Some(last),
        }
    }

    /// Like [`Reply::lines`], but intermediate lines that repeat this reply's `ddd-` prefix
    /// (ProFTPD and IIS style, see [`strip_repeated_prefix`]) are shown without it.
    pub fn text_lines(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let code = self.code;
        let last = self.line_count() - 1;
        self.lines().enumerate().map(move |(i, l)| {
            if i == 0 || i == last {
                l
            } else {
                strip_repeated_prefix(code, l)
            }
        })
    }

    /// The number of lines (1 for a single-line reply).
    pub fn line_count(&self) -> usize {
        if self.multiline {
            1 + self.body.iter().filter(|&&b| b == b'\n').count()
        } else {
            1
        }
    }

    /// True for a multi-line reply.
    pub fn is_multiline(&self) -> bool {
        self.multiline
    }

    /// The number of bytes [`Reply::encode`] appends.
    pub fn encoded_len(&self) -> usize {
        let prefixes = if self.multiline { 8 } else { 4 };
        prefixes
            + self
                .lines()
                .map(|l| l.len() + 2 + l.iter().filter(|&&b| b == IAC).count())
                .sum::<usize>()
    }

    /// Appends the exact wire form, CRLF-terminated, 0xFF doubled (`IAC IAC`, RFC 959 §4.1).
    ///
    /// [`decode_reply`] of the output gives back an equal reply; a lone-LF or bare-code reply
    /// that was decoded is written in the canonical form (`CRLF`, `ddd SP`).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let digits = self.code.digits();
        let count = self.line_count();
        out.reserve(self.body.len() + 6 * count);
        for (i, line) in self.lines().enumerate() {
            if i == 0 || i + 1 == count {
                out.extend_from_slice(&digits);
                out.push(if i + 1 == count { b' ' } else { b'-' });
            }
            push_escaped(out, line);
            out.extend_from_slice(b"\r\n");
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> Reply<'static> {
        Reply {
            code: self.code,
            body: Cow::Owned(self.body.into_owned()),
            multiline: self.multiline,
        }
    }

    /// A copy that borrows from `self`.
    pub fn borrow(&self) -> Reply<'_> {
        Reply {
            code: self.code,
            body: Cow::Borrowed(&self.body),
            multiline: self.multiline,
        }
    }
}

/// Valid by construction: a code and one to eight arbitrary [`Text`] lines put together by
/// [`Reply::multiline`] (which pads lines that would end the reply early), so
/// `decode_reply(encode(x)) == x` always holds.
#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Reply<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let code: ReplyCode = u.arbitrary()?;
        let n = u.int_in_range(1..=8usize)?;
        let mut lines = Vec::with_capacity(n);
        for _ in 0..n {
            lines.push(Text::<'static>::arbitrary(u)?);
        }
        Ok(Reply::multiline(code, lines))
    }
}

impl PartialEq for Reply<'_> {
    fn eq(&self, other: &Reply<'_>) -> bool {
        self.code == other.code
            && self.multiline == other.multiline
            && self.lines().eq(other.lines())
    }
}

impl Eq for Reply<'_> {}

impl Hash for Reply<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code.hash(state);
        self.multiline.hash(state);
        for line in self.lines() {
            line.hash(state);
        }
    }
}

impl fmt::Debug for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Line<'l>(&'l [u8]);
        impl fmt::Debug for Line<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "\"{}\"", self.0.escape_ascii())
            }
        }
        f.debug_struct("Reply")
            .field("code", &self.code.value())
            .field("lines", &f_list(self.lines().map(Line)))
            .finish()
    }
}

fn f_list<I: Iterator<Item = T> + Clone, T: fmt::Debug>(it: I) -> impl fmt::Debug {
    struct List<I>(I);
    impl<I: Iterator<Item = T> + Clone, T: fmt::Debug> fmt::Debug for List<I> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_list().entries(self.0.clone()).finish()
        }
    }
    List(it)
}

/// The lines of a [`Reply`], first to last (see [`Reply::lines`]).
#[derive(Clone, Debug)]
pub struct Lines<'r> {
    /// The lines before the last, `\n`-separated (each may end in `\r`), already without the
    /// first line's prefix; `None` for a single-line reply or once they are all returned.
    head: Option<&'r [u8]>,
    /// The last line's text, until it is returned.
    last: Option<&'r [u8]>,
}

impl<'r> Iterator for Lines<'r> {
    type Item = &'r [u8];

    fn next(&mut self) -> Option<&'r [u8]> {
        if let Some(head) = self.head {
            return Some(match head.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.head = Some(&head[i + 1..]);
                    strip_cr(&head[..i])
                }
                None => {
                    self.head = None;
                    strip_cr(head)
                }
            });
        }
        self.last.take()
    }
}

impl core::iter::FusedIterator for Lines<'_> {}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// True if `line` would end a multi-line reply of code `digits` (so a server must pad it).
fn would_end_reply(digits: [u8; 3], line: &[u8]) -> bool {
    line.starts_with(&digits) && (line.len() == 3 || line[3] == b' ')
}

/// Quirk: a reply line that is the bare code with no separator and no text (`226` alone, or
/// `220` before the line end), sent by some embedded servers and proxies.
///
/// RFC 959 §4.2 requires `ddd SP text`; RFC 1123 §1.2.2 asks to be liberal, and such a line
/// cannot mean anything else, so it is read as `ddd SP` with an empty text: a complete
/// single-line reply, or the end line of a multi-line reply of the same code.
pub fn is_code_only_line(code: ReplyCode, line: &[u8]) -> bool {
    line == code.digits()
}

/// Quirk: intermediate lines of a multi-line reply that repeat the `ddd-` prefix, as ProFTPD
/// and IIS send them (`211-Features:` / `211-MDTM` / `211 End`). Returns the line without
/// the prefix, or unchanged when it has none.
///
/// RFC 959 §4.2 leaves intermediate lines free, so [`Reply::lines`] keeps them exactly as
/// sent; payload parsers use this to read such lines like standard ones.
pub fn strip_repeated_prefix(code: ReplyCode, line: &[u8]) -> &[u8] {
    let digits = code.digits();
    match line.strip_prefix(&digits[..]) {
        Some(rest) => rest.strip_prefix(b"-").unwrap_or(line),
        None => line,
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// One line found in the input: raw bounds and whether it carries Telnet escapes.
struct RawLine {
    /// Offset of the first byte of the line.
    start: usize,
    /// Offset of the line end (the LF, or the CR of CRLF), i.e. the end of the content.
    content_end: usize,
    /// Offset just past the LF.
    next: usize,
    /// True when the line holds an IAC byte (only possible when Telnet is handled).
    telnet: bool,
    /// The first CR (not ending the line) or NUL in the raw line, if any. Meaningful only
    /// without Telnet escapes (they are checked again after Telnet removal).
    forbidden: Option<usize>,
}

/// Bytes the line scanner must stop at: LF, CR, NUL and IAC.
const STOP: [u8; 4] = [b'\n', b'\r', 0, IAC];

/// Finds the line starting at `start` in one pass, noting Telnet escapes and bytes a reply
/// line may not hold; `None` if its line end has not arrived.
fn find_line(input: &[u8], start: usize, telnet: bool) -> Option<RawLine> {
    let mut i = start;
    let mut seen_iac = false;
    let mut forbidden = None;
    loop {
        let rest = input.get(i..)?;
        let j = i + find_any(rest, STOP)?;
        match input[j] {
            b'\n' => {
                return Some(RawLine {
                    start,
                    content_end: start + content_len(&input[start..j]),
                    next: j + 1,
                    telnet: seen_iac,
                    forbidden: forbidden.filter(|&f| f + 1 != j || input[f] != b'\r'),
                })
            }
            // The usual line end, CRLF, in one step: this CR is not forbidden (the filter
            // above would forgive it), an earlier CR or NUL still is.
            b'\r' if input.get(j + 1) == Some(&b'\n') => {
                return Some(RawLine {
                    start,
                    content_end: j,
                    next: j + 2,
                    telnet: seen_iac,
                    forbidden,
                })
            }
            IAC if telnet => {
                seen_iac = true;
                // A two-byte command, or a three-byte option negotiation (WILL WONT DO
                // DONT), whose option byte may be anything, LF included.
                i = match *input.get(j + 1)? {
                    251..=254 => j + 3,
                    _ => j + 2,
                };
                if i > input.len() {
                    return None;
                }
            }
            IAC => i = j + 1,
            _ => {
                // CR or NUL: the first one is noted; a CR just before the LF is part of the
                // line end and is forgiven there.
                forbidden.get_or_insert(j);
                i = j + 1;
            }
        }
    }
}

/// Quirk: a lone LF ends a line as well as CRLF. `before_lf` is a line up to (excluding) its
/// LF; the result is the length of its content: a CR just before the LF belongs to the line
/// end, and without one the LF alone ended the line.
///
/// RFC 959 §4.2 and RFC 1123 §4.1.2.10 speak of the Telnet end-of-line CRLF, but servers on
/// Unix hosts behind careless proxies and some embedded servers send LF alone
/// (`230-Hello\nthere\r\n230 Done\n`); RFC 1123 §1.2.2 asks to accept that. The shared line
/// framer makes the same decision for the streaming decoder.
fn content_len(before_lf: &[u8]) -> usize {
    before_lf.strip_suffix(b"\r").unwrap_or(before_lf).len()
}

/// Quirk and rule: Telnet on the reply stream (RFC 959 §4.1 and §4.2 put replies in Telnet
/// NVT; RFC 1123 §4.1.2.12). Appends `raw` with `IAC IAC` made one 0xFF data byte (how a
/// server must send 0xFF, for example in a UTF-8 or Latin-1 path name, `257 "/caf\xff\xff"`)
/// and every other Telnet command removed (`IAC NOP`; option negotiation, whose option byte
/// may even be LF; a server should not send them, a client ignores them).
fn unescape_into(out: &mut Vec<u8>, raw: &[u8]) {
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != IAC {
            out.push(b);
            i += 1;
            continue;
        }
        match raw.get(i + 1) {
            Some(&IAC) => {
                out.push(IAC);
                i += 2;
            }
            Some(251..=254) => i += 3,
            _ => i += 2,
        }
    }
}

/// Checks a line's content (raw or clean) for bytes a reply line may not hold. Returns the
/// offset within `content` of the first such byte.
#[inline]
fn forbidden_byte(content: &[u8]) -> Option<usize> {
    find_prefiltered(
        content,
        maybe_forbidden,
        |b| b == b'\r' || b == 0,
        forbidden_marks,
    )
}

/// A line's bytes (`range` from a [`Frame::Line`]) and, after them, up to seven more bytes of
/// the buffer (its line end, the next line), so that the line can be scanned in whole words
/// (see [`forbidden_in`]).
#[inline(always)]
fn padded_line<'f>(framer: &'f LineFramer, range: &Range<usize>) -> &'f [u8] {
    let padded_len = (range.end - range.start + 7) & !7;
    framer.slice(range.start..range.start + padded_len)
}

/// The first CR or NUL in a clean line of `len` bytes at the start of `padded`, which may run
/// on past the line (into its line end and the next line) so that the scan reads whole words
/// and skips [`find_prefiltered`]'s partial last word: a hit past the line is no hit.
#[inline(always)]
fn forbidden_in(padded: &[u8], len: usize) -> Option<usize> {
    forbidden_byte(padded).filter(|&at| at < len)
}

/// Where the text of a line ends, after Telnet removal, as a clean byte string.
enum LineText<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl LineText<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            LineText::Borrowed(b) => b,
            LineText::Owned(v) => v,
        }
    }
}

/// Reads the content of `line` as clean text, validating it. `raw_offset` maps errors.
fn line_text<'a>(input: &'a [u8], line: &RawLine) -> Result<LineText<'a>, DecodeError> {
    let raw = &input[line.start..line.content_end];
    if !line.telnet {
        if let Some(at) = line.forbidden {
            return Err(invalid(at, Expected::Text));
        }
        return Ok(LineText::Borrowed(raw));
    }
    // The final CR may precede the LF only after Telnet removal ("a\r IAC NOP \n"); find it
    // on the raw bytes up to the LF.
    let raw_to_lf = &input[line.start..line.next - 1];
    let mut clean = Vec::with_capacity(raw_to_lf.len());
    unescape_into(&mut clean, raw_to_lf);
    if clean.last() == Some(&b'\r') {
        clean.pop();
    }
    if let Some(off) = forbidden_byte(&clean) {
        // Map the clean offset back to the raw one for a precise error.
        return Err(invalid(
            line.start + raw_offset(raw_to_lf, off),
            Expected::Text,
        ));
    }
    Ok(LineText::Owned(clean))
}

/// The raw offset of the clean byte at `clean_off` in `raw` (Telnet-escaped).
fn raw_offset(raw: &[u8], clean_off: usize) -> usize {
    let (mut i, mut c) = (0, 0);
    while i < raw.len() {
        if raw[i] == IAC {
            match raw.get(i + 1) {
                Some(&IAC) => {
                    if c == clean_off {
                        return i;
                    }
                    c += 1;
                    i += 2;
                }
                Some(251..=254) => i += 3,
                _ => i += 2,
            }
            continue;
        }
        if c == clean_off {
            return i;
        }
        c += 1;
        i += 1;
    }
    raw.len()
}

/// The first (up to) four Telnet-free bytes at the start of `input`, their raw offsets, and
/// how many there are (fewer when the input stops, or stops inside a Telnet command).
fn clean_head(input: &[u8], telnet: bool) -> ([u8; 4], [usize; 4], usize) {
    // Fast path, nearly every reply: four bytes with no IAC among them are the head as is.
    if let Some(head) = input.first_chunk::<4>() {
        if !telnet || !head.contains(&IAC) {
            return (*head, [0, 1, 2, 3], 4);
        }
    }
    let (mut bytes, mut at, mut n, mut i) = ([0u8; 4], [0usize; 4], 0, 0);
    while n < 4 && i < input.len() {
        let b = input[i];
        if telnet && b == IAC {
            match input.get(i + 1) {
                None => break,
                Some(&IAC) => {
                    (bytes[n], at[n]) = (IAC, i);
                    n += 1;
                    i += 2;
                }
                Some(251..=254) => i += 3,
                Some(_) => i += 2,
            }
        } else {
            (bytes[n], at[n]) = (b, i);
            n += 1;
            i += 1;
        }
    }
    (bytes, at, n)
}

fn invalid(offset: usize, expected: Expected) -> DecodeError {
    DecodeError::Invalid { offset, expected }
}

/// Checks the reply code at the start of a line, byte by byte as far as the input goes, so
/// that a wrong byte is reported before the line end arrives.
fn check_code_prefix(input: &[u8], start: usize) -> Result<Option<ReplyCode>, DecodeError> {
    let have = &input[start..];
    for (i, &b) in have.iter().take(3).enumerate() {
        let ok = if i == 0 {
            (b'1'..=b'6').contains(&b)
        } else {
            b.is_ascii_digit()
        };
        if !ok {
            return Err(invalid(start + i, Expected::ReplyCode));
        }
    }
    if have.len() < 3 {
        return Ok(None);
    }
    Ok(ReplyCode::from_digits([have[0], have[1], have[2]]))
}

/// The result of parsing: the reply and where the input after it starts.
pub(crate) struct Parsed<'a> {
    pub(crate) reply: Reply<'a>,
    pub(crate) next: usize,
}

/// Parses one reply at the start of `input`.
///
/// With `telnet`, IAC sequences are interpreted (the raw wire); without, the input is already
/// clean (the framer removed Telnet) and 0xFF is a data byte. `max_lines` bounds a multi-line
/// reply: once that many lines are seen without the end line, [`DecodeError::TooManyLines`]
/// is returned (the caller resynchronises).
///
/// Not inlined: [`decode_reply`] tries [`decode_plain`] first, and keeping this general path
/// out of line keeps the fast path's frame small.
#[inline(never)]
pub(crate) fn parse_reply(
    input: &[u8],
    telnet: bool,
    max_lines: usize,
) -> Result<Parsed<'_>, DecodeError> {
    // The code and separator are checked on the first Telnet-free bytes as soon as they
    // arrive, so that a wrong byte is reported before the line end.
    let (head, head_at, n) = clean_head(input, telnet);
    let code = match check_code_prefix(&head[..n], 0) {
        Ok(Some(code)) => code,
        Ok(None) => return Err(DecodeError::Incomplete),
        Err(DecodeError::Invalid { offset, expected }) => {
            return Err(invalid(head_at[offset], expected))
        }
        Err(e) => return Err(e),
    };
    if n < 4 {
        return Err(DecodeError::Incomplete);
    }
    let bad_separator = invalid(head_at[3], Expected::ReplyCodeSeparator);
    match head[3] {
        b' ' | b'-' | b'\n' => {}
        b'\r' => match input.get(head_at[3] + 1) {
            None => return Err(DecodeError::Incomplete),
            Some(b'\n') => {}
            Some(&IAC) if telnet => {}
            Some(_) => return Err(bad_separator),
        },
        _ => return Err(bad_separator),
    }
    let first = find_line(input, 0, telnet).ok_or(DecodeError::Incomplete)?;
    let first_text = line_text(input, &first)?;
    let clean = first_text.bytes();
    let (multiline, text_start) = match clean.get(3) {
        None if is_code_only_line(code, clean) => (false, 3),
        Some(b' ') => (false, 4),
        Some(b'-') => (true, 4),
        _ => return Err(bad_separator),
    };
    if !multiline {
        let body = match first_text {
            LineText::Borrowed(b) => Cow::Borrowed(&b[text_start..]),
            LineText::Owned(mut v) => {
                v.drain(..text_start);
                Cow::Owned(v)
            }
        };
        return Ok(Parsed {
            reply: Reply {
                code,
                body,
                multiline: false,
            },
            next: first.next,
        });
    }

    // Multi-line: the body is borrowed from `body_start` while no line needs unescaping.
    let body_start = first.start + 4;
    let mut owned: Option<Vec<u8>> = match first_text {
        LineText::Borrowed(_) => None,
        LineText::Owned(mut v) => {
            v.drain(..4);
            Some(v)
        }
    };
    let digits = code.digits();
    let mut pos = first.next;
    let mut lines = 1usize;
    loop {
        if lines >= max_lines {
            return Err(DecodeError::TooManyLines { max: max_lines });
        }
        let line = match find_line(input, pos, telnet) {
            Some(line) => line,
            None => return Err(DecodeError::Incomplete),
        };
        let text = line_text(input, &line)?;
        lines += 1;
        let is_end = would_end_reply(digits, text.bytes());
        match (&mut owned, text) {
            (None, LineText::Borrowed(_)) => {}
            (Some(v), t) => {
                v.push(b'\n');
                v.extend_from_slice(t.bytes());
            }
            (slot @ None, LineText::Owned(t)) => {
                // First escaped line: copy what was borrowed so far, then go on owned.
                let mut v = Vec::with_capacity(line.start - body_start + t.len() + 1);
                v.extend_from_slice(&input[body_start..line.start]);
                // The copied block ends with its line end; keep `\n` separators only.
                if v.last() == Some(&b'\n') {
                    v.pop();
                }
                v.push(b'\n');
                v.extend_from_slice(&t);
                *slot = Some(v);
            }
        }
        pos = line.next;
        if is_end {
            let body = match owned {
                Some(v) => Cow::Owned(v),
                None => Cow::Borrowed(&input[body_start..line.content_end]),
            };
            return Ok(Parsed {
                reply: Reply {
                    code,
                    body,
                    multiline: true,
                },
                next: pos,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fast path
// ---------------------------------------------------------------------------------------------

/// Marks (lowest exact) of the bytes that stop [`plain_line`]: LF, CR, NUL and IAC.
#[inline(always)]
fn line_stops(v: u64) -> u64 {
    zero_bytes(v) | zero_bytes(v ^ (LO * 0x0A)) | zero_bytes(v ^ (LO * 0x0D)) | zero_bytes(!v)
}

/// A cheap superset of [`line_stops`]: every byte below 0x0E or with its high bit set. No byte
/// of an ASCII text but a tab is one, so a word of ordinary text costs three operations.
#[inline(always)]
fn maybe_line_stops(v: u64) -> u64 {
    (v.wrapping_sub(LO * 0x0E) | v) & HI
}

/// Marks (lowest exact) of the bytes a clean reply line may not hold: CR and NUL.
#[inline(always)]
fn forbidden_marks(v: u64) -> u64 {
    zero_bytes(v) | zero_bytes(v ^ (LO * 0x0D))
}

/// A cheap superset of [`forbidden_marks`]: every byte below 0x0E.
#[inline(always)]
fn maybe_forbidden(v: u64) -> u64 {
    bytes_below(v, 0x0E)
}

/// The plain line starting at `start`: one that holds no CR, NUL or IAC before its line end
/// (CRLF or a lone LF). Returns the end of its content and the start of the next line, or
/// `None` for any other line (or none yet), which only the general path reads.
///
/// For a plain line [`find_line`] and [`line_text`] would find the same bounds and a
/// borrowed text with nothing forbidden in it: nothing is left to check.
#[inline(always)]
fn plain_line(input: &[u8], start: usize) -> Option<(usize, usize)> {
    let rest = input.get(start..)?;
    let j = find_prefiltered(
        rest,
        maybe_line_stops,
        |b| matches!(b, b'\n' | b'\r' | 0 | IAC),
        line_stops,
    )?;
    match rest[j] {
        b'\n' => Some((start + j, start + j + 1)),
        b'\r' if rest.get(j + 1) == Some(&b'\n') => Some((start + j, start + j + 2)),
        _ => None,
    }
}

/// Fast path of [`decode_reply`] for replies made of plain lines only (see [`plain_line`])
/// whose first line is `ddd SP` or `ddd-`: nearly every reply a server sends. Each byte is
/// looked at once and the reply borrows its text. `None` sends the input to the general path
/// [`parse_reply`], which gives the same result for everything this accepts (a property test
/// checks it) and reads every other form, error and quirk (Telnet, a bare code, CR or NUL in
/// a line, an incomplete reply), and so does a multi-line reply of more than `max_lines`
/// lines (the streaming decoder's limit; `usize::MAX` for the slice decoder, which has none).
#[inline(always)]
fn decode_plain(input: &[u8], max_lines: usize) -> Option<Parsed<'_>> {
    let &[d0, d1, d2, sep, ..] = input else {
        return None;
    };
    let code = ReplyCode::from_digits([d0, d1, d2])?;
    let multiline = match sep {
        b' ' => false,
        b'-' => true,
        _ => return None,
    };
    let (end, mut next) = plain_line(input, 4)?;
    if multiline {
        // RFC 959 §4.2: the reply ends at the first line starting with the same code and SP
        // (or made of the bare code, see `is_code_only_line`).
        let mut lines = 1;
        loop {
            let start = next;
            let (line_end, after) = plain_line(input, start)?;
            next = after;
            lines += 1;
            if lines > max_lines {
                return None;
            }
            if would_end_reply([d0, d1, d2], &input[start..line_end]) {
                return Some(Parsed {
                    reply: Reply {
                        code,
                        body: Cow::Borrowed(&input[4..line_end]),
                        multiline: true,
                    },
                    next,
                });
            }
        }
    }
    Some(Parsed {
        reply: Reply {
            code,
            body: Cow::Borrowed(&input[4..end]),
            multiline: false,
        },
        next,
    })
}

/// Decodes one complete reply from the start of `input`; returns the remainder.
///
/// `input` is the raw control stream: `IAC IAC` is read as 0xFF and other Telnet commands are
/// dropped (a client that wants to see them uses [`ReplyDecoder`]). Lines end in CRLF or a
/// lone LF. [`DecodeError::Incomplete`] means the reply is not complete yet;
/// [`DecodeError::Invalid`] gives the offset in `input` of the first byte that cannot belong
/// to a reply. The slice decoder puts no limit on lines (it is bounded by its input).
///
/// ```
/// use ftps_proto::codec::decode_reply;
///
/// // RFC 959 §4.2
/// let wire = b"123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n";
/// let (rest, reply) = decode_reply(wire).unwrap();
/// assert!(rest.is_empty());
/// assert_eq!(reply.lines().count(), 4);
/// assert_eq!(reply.lines().last().unwrap(), b"The last line");
/// ```
pub fn decode_reply(input: &[u8]) -> Result<(&[u8], Reply<'_>), DecodeError> {
    let parsed = match decode_plain(input, usize::MAX) {
        Some(parsed) => parsed,
        None => parse_reply(input, true, usize::MAX)?,
    };
    Ok((&input[parsed.next..], parsed.reply))
}

// ---------------------------------------------------------------------------------------------
// Streaming
// ---------------------------------------------------------------------------------------------

/// A streaming decoder of server replies, for the client: feed bytes in any chunks, take
/// complete replies out. Bounded by [`Limits`].
///
/// Built on the shared line framer: Telnet is removed as bytes are fed (`IAC IAC` is a data
/// 0xFF; signals a server should never send are dropped, since a client has nothing to do with
/// them, RFC 1123 §4.1.2.12), lines end in CRLF or a lone LF, and an unterminated line never
/// holds more than [`Limits::max_line_len`] bytes. A reply is returned borrowing the decoder's
/// buffer: no allocation, even for a multi-line reply with Telnet escapes.
///
/// # Errors and resynchronisation
///
/// - A line longer than [`Limits::max_line_len`] gives [`DecodeError::LineTooLong`].
/// - A multi-line reply with more than [`Limits::max_reply_lines`] lines gives
///   [`DecodeError::TooManyLines`] as soon as that many lines are buffered without the end
///   line: memory stays bounded even for an endless reply.
/// - A line that is not a reply line gives [`DecodeError::Invalid`], with the offset from the
///   start of the reply's first line in the Telnet-free stream.
///
/// After any of these inside a multi-line reply, RFC 1123 §4.1.2.11 asks the client to
/// "recover, e.g., by ignoring the excess lines until the end of the multi-line reply is
/// reached": the decoder discards lines up to the end line (`ddd SP` of the same code) and
/// then returns that end line as a single-line reply, so the client still learns the reply's
/// code and can carry on with its command. The same holds for a bad first line of a
/// multi-line reply (`ddd-` with a NUL in it). Any other bad first line is dropped alone.
///
/// ```
/// use ftps_proto::codec::{Limits, ReplyDecoder};
///
/// let mut decoder = ReplyDecoder::new(Limits::default());
/// decoder.feed(b"220-Welcome\r\n220 Rea");
/// assert!(decoder.next_reply().is_none());
/// decoder.feed(b"dy\r\n");
/// let reply = decoder.next_reply().unwrap().unwrap();
/// assert_eq!(reply.code().value(), 220);
/// assert_eq!(reply.lines().collect::<Vec<_>>(), [&b"Welcome"[..], b"Ready"]);
/// assert!(decoder.next_reply().is_none());
/// ```
#[derive(Debug)]
pub struct ReplyDecoder {
    limits: Limits,
    framer: LineFramer,
    state: StreamState,
    /// Where the next reply starts. The frames before it were returned (or dropped) but are
    /// consumed from the framer only at the next `feed`: one `consume` per chunk instead of
    /// one per reply, and a returned reply still borrows the buffer until then anyway.
    at: Cursor,
    /// [`ReplyDecoder::ignoring_excess_lines`]: a reply over the line limit is kept
    /// (truncated) instead of being an error.
    ignore_excess: bool,
    /// In that mode, while the rest of an overlong reply is skipped: what is kept of it.
    /// Boxed: rare, and the client machine embeds the decoder.
    overflow: Option<Box<Overflow>>,
    /// Lines the last reply returned lost (see [`ReplyDecoder::excess_lines`]).
    last_excess: usize,
    /// Tests turn the plain-lines path off to compare it with the frame-by-frame path.
    #[cfg(test)]
    plain_path: bool,
}

/// An overlong reply being skipped by [`ReplyDecoder::ignoring_excess_lines`].
#[derive(Debug)]
struct Overflow {
    /// The body of its first lines (as [`Reply`] holds it, without the last line's end).
    kept: Vec<u8>,
    /// Lines skipped so far.
    skipped: usize,
}

/// Where the streaming decoder stands between two calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamState {
    /// At the start of a reply.
    Start,
    /// Inside a multi-line reply whose first line is the frame at `at`: `lines` lines were
    /// checked, up to `resume`, an offset from `at` (so that a reply arriving line by line is
    /// scanned once, not once per `feed`).
    Multiline {
        code: ReplyCode,
        lines: usize,
        resume: (usize, usize),
    },
    /// Discarding the rest of a multi-line reply of this code (and these digits, kept so as
    /// not to work them out again for every call) after an error in it.
    Skipping(ReplyCode, [u8; 3]),
}

/// What the look-ahead over a pending multi-line reply found.
enum Scan {
    /// More bytes are needed; `lines` lines were checked, up to `resume` (as in
    /// [`StreamState::Multiline`]).
    Incomplete {
        lines: usize,
        resume: (usize, usize),
    },
    /// The end line: the reply is the bytes from the first line's text to `end`, and the
    /// frames up to `next` are consumed with it.
    Complete { end: usize, next: Cursor },
    /// An error at `next` (consumed with it); `ended` when the bad line was the end line.
    Error {
        error: DecodeError,
        next: Cursor,
        ended: bool,
    },
}

impl ReplyDecoder {
    /// A decoder with these limits.
    pub fn new(limits: Limits) -> Self {
        let framer = LineFramer::new(limits.max_line_len);
        ReplyDecoder {
            limits,
            at: framer.front(),
            framer,
            state: StreamState::Start,
            ignore_excess: false,
            overflow: None,
            last_excess: 0,
            #[cfg(test)]
            plain_path: true,
        }
    }

    /// A decoder that keeps a session going through a reply of more than
    /// [`Limits::max_reply_lines`] lines (a large `STAT`, `HELP` or `SITE` output): instead
    /// of [`DecodeError::TooManyLines`], the reply is returned with its first
    /// `max_reply_lines` lines and its end line (so its code still arrives, RFC 1123
    /// §4.1.2.11: "ignoring the excess lines until the end of the multi-line reply is
    /// reached"); the lines in between are dropped as they arrive, never buffered, and
    /// counted ([`Self::excess_lines`]). Memory stays bounded by the limits.
    ///
    /// ```
    /// use ftps_proto::codec::{Limits, ReplyDecoder};
    ///
    /// let mut decoder = ReplyDecoder::ignoring_excess_lines(Limits::default().with_max_reply_lines(2));
    /// decoder.feed(b"211-Status\r\n one\r\n two\r\n three\r\n211 End\r\n");
    /// let reply = decoder.next_reply().unwrap().unwrap().into_owned();
    /// assert_eq!(reply.code().value(), 211);
    /// assert_eq!(reply.lines().collect::<Vec<_>>(), [&b"Status"[..], b" one", b"End"]);
    /// assert_eq!(decoder.excess_lines(), 2);
    /// ```
    pub fn ignoring_excess_lines(limits: Limits) -> Self {
        let mut d = ReplyDecoder::new(limits);
        d.ignore_excess = true;
        d
    }

    /// How many lines the reply last returned by [`Self::next_reply`] lost to the line
    /// limit (only with [`Self::ignoring_excess_lines`]); 0 for a complete reply.
    pub fn excess_lines(&self) -> usize {
        self.last_excess
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Appends received bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        // A pending multi-line look-ahead is kept as an offset from `at`, which becomes the
        // framer's front here: it stays valid.
        self.framer.consume(self.at);
        self.framer.feed(bytes);
        self.at = self.framer.front();
    }

    /// The next complete reply, or `None` when more bytes are needed. After an error the
    /// decoder has resynchronised and can be called again.
    #[inline]
    pub fn next_reply(&mut self) -> Option<Result<Reply<'_>, DecodeError>> {
        self.last_excess = 0;
        // Nearly always: at the start of a reply, plain lines buffered and no Telnet signal
        // or overlong line pending. Then the slice decoder's one-pass path reads the reply
        // from the framer's clean bytes as the frames would (it refuses 0xFF, which is data
        // here, CR and NUL, so those lines take the frames), a multi-line reply only within
        // the line limit the look-ahead enforces. Found as positions, so that the frame path
        // (out of line, to keep this one short) may borrow the decoder when it is not taken.
        let plain_path = self.state == StreamState::Start;
        #[cfg(test)]
        let plain_path = plain_path && self.plain_path;
        let found = self
            .framer
            .plain_lines(self.at)
            .filter(|_| plain_path)
            .and_then(|lines| decode_plain(lines, self.limits.max_reply_lines))
            .map(|p| (p.reply.code, p.reply.multiline, p.reply.body.len(), p.next));
        if let Some((code, multiline, body_len, next)) = found {
            let at = self.at;
            self.at = self.framer.skip(at, next);
            // `decode_plain` reads the text from after `ddd SP` or `ddd-`.
            let text = at.pos() + 4;
            return Some(Ok(Reply {
                code,
                body: Cow::Borrowed(self.framer.slice(text..text + body_len)),
                multiline,
            }));
        }
        self.next_reply_frames()
    }

    /// [`Self::next_reply`] frame by frame: after a Telnet signal or an overlong line, with
    /// lines the one-pass path refuses, and for a reply not complete yet.
    #[inline(never)]
    fn next_reply_frames(&mut self) -> Option<Result<Reply<'_>, DecodeError>> {
        loop {
            match self.state {
                StreamState::Skipping(code, digits) => {
                    let (frame, next) = self.framer.next_frame(self.at)?;
                    self.at = next;
                    let Frame::Line(range) = frame else {
                        if let (Frame::TooLong, Some(o)) = (frame, self.overflow.as_mut()) {
                            o.skipped += 1;
                        }
                        continue;
                    };
                    {
                        let line = self.framer.slice(range.clone());
                        if !would_end_reply(digits, line) {
                            if let Some(o) = self.overflow.as_mut() {
                                o.skipped += 1;
                            }
                        } else {
                            self.state = StreamState::Start;
                            let bad = forbidden_in(padded_line(&self.framer, &range), line.len())
                                .is_some();
                            if let Some(o) = self.overflow.take() {
                                let Overflow {
                                    kept: mut body,
                                    mut skipped,
                                } = *o;
                                // The first lines kept, then this end line with its prefix (a
                                // bad end line is dropped too: its bare code ends the reply).
                                body.push(b'\n');
                                if bad {
                                    skipped += 1;
                                    body.extend_from_slice(&digits);
                                    body.push(b' ');
                                } else {
                                    body.extend_from_slice(line);
                                }
                                self.last_excess = skipped;
                                return Some(Ok(Reply {
                                    code,
                                    body: Cow::Owned(body),
                                    multiline: true,
                                }));
                            }
                            if bad {
                                continue;
                            }
                            let text = line.get(4..).map_or(range.end, |_| range.start + 4);
                            let body = self.framer.slice(text..range.end);
                            return Some(Ok(Reply {
                                code,
                                body: Cow::Borrowed(body),
                                multiline: false,
                            }));
                        }
                    }
                }
                StreamState::Start => {
                    let (frame, next) = self.framer.next_frame(self.at)?;
                    let range = match frame {
                        Frame::Telnet(_) => {
                            self.at = next;
                            continue;
                        }
                        Frame::TooLong => {
                            self.at = next;
                            let max = self.limits.max_line_len;
                            return Some(Err(DecodeError::LineTooLong { max }));
                        }
                        Frame::Line(range) => range,
                    };
                    let padded = padded_line(&self.framer, &range);
                    let line = &padded[..range.end - range.start];
                    let (code, multiline, text_start) = match first_line(line, padded) {
                        Ok(first) => first,
                        Err(e) => {
                            // A bad first line of a multi-line reply: skip the whole reply, or
                            // its intermediate lines would be read as replies of their own.
                            let code = ReplyCode::from_digits([
                                line.first().copied().unwrap_or(0),
                                line.get(1).copied().unwrap_or(0),
                                line.get(2).copied().unwrap_or(0),
                            ])
                            .filter(|_| line.get(3) == Some(&b'-'));
                            self.at = next;
                            if let Some(code) = code {
                                self.state = StreamState::Skipping(code, code.digits());
                            }
                            return Some(Err(e));
                        }
                    };
                    if multiline {
                        self.state = StreamState::Multiline {
                            code,
                            lines: 1,
                            resume: self.offset_from_at(next),
                        };
                        continue;
                    }
                    self.at = next;
                    let body = &line[text_start..];
                    return Some(Ok(Reply {
                        code,
                        body: Cow::Borrowed(body),
                        multiline: false,
                    }));
                }
                StreamState::Multiline {
                    code,
                    lines,
                    resume,
                } => {
                    let first_start = self.at.pos();
                    match self.scan_multiline(code, lines, resume) {
                        Scan::Incomplete { lines, resume } => {
                            self.state = StreamState::Multiline {
                                code,
                                lines,
                                resume,
                            };
                            return None;
                        }
                        Scan::Error {
                            error: DecodeError::TooManyLines { .. },
                            next,
                            ..
                        } if self.ignore_excess => {
                            // Keep the lines checked so far; skip the rest up to the end line.
                            let kept = self.framer.slice(first_start + 4..next.pos());
                            let kept = kept.strip_suffix(b"\n").unwrap_or(kept);
                            let kept = kept.strip_suffix(b"\r").unwrap_or(kept);
                            self.overflow = Some(Box::new(Overflow {
                                kept: kept.to_vec(),
                                skipped: 0,
                            }));
                            self.at = next;
                            self.state = StreamState::Skipping(code, code.digits());
                        }
                        Scan::Error { error, next, ended } => {
                            self.at = next;
                            self.state = if ended {
                                StreamState::Start
                            } else {
                                StreamState::Skipping(code, code.digits())
                            };
                            return Some(Err(error));
                        }
                        Scan::Complete { end, next } => {
                            self.at = next;
                            self.state = StreamState::Start;
                            let body = self.framer.slice(first_start + 4..end);
                            return Some(Ok(Reply {
                                code,
                                body: Cow::Borrowed(body),
                                multiline: true,
                            }));
                        }
                    }
                }
            }
        }
    }

    /// Looks ahead over the buffered lines of the pending multi-line reply, from where the
    /// last look stopped. Out of line: it runs for a few replies only, and kept apart it
    /// leaves [`Self::next_reply`]'s path for a single-line reply short.
    #[inline(never)]
    fn scan_multiline(&self, code: ReplyCode, mut lines: usize, resume: (usize, usize)) -> Scan {
        let first_start = self.at.pos();
        let digits = code.digits();
        let mut cursor = self.cursor_from_at(resume);
        loop {
            if lines >= self.limits.max_reply_lines {
                let max = self.limits.max_reply_lines;
                return Scan::Error {
                    error: DecodeError::TooManyLines { max },
                    next: cursor,
                    ended: false,
                };
            }
            let Some((frame, next)) = self.framer.next_frame(cursor) else {
                return Scan::Incomplete {
                    lines,
                    resume: self.offset_from_at(cursor),
                };
            };
            match frame {
                Frame::Telnet(_) => cursor = next,
                Frame::TooLong => {
                    let max = self.limits.max_line_len;
                    return Scan::Error {
                        error: DecodeError::LineTooLong { max },
                        next,
                        ended: false,
                    };
                }
                Frame::Line(range) => {
                    let padded = padded_line(&self.framer, &range);
                    let line = &padded[..range.end - range.start];
                    let ended = would_end_reply(digits, line);
                    if let Some(off) = forbidden_in(padded, line.len()) {
                        let offset = range.start - first_start + off;
                        return Scan::Error {
                            error: invalid(offset, Expected::Text),
                            next,
                            ended,
                        };
                    }
                    lines += 1;
                    cursor = next;
                    if ended {
                        return Scan::Complete {
                            end: range.end,
                            next,
                        };
                    }
                }
            }
        }
    }

    /// `c` as an offset from `at` (bytes, events), valid across `feed` (see `feed`).
    fn offset_from_at(&self, c: Cursor) -> (usize, usize) {
        let (pos, event) = self.framer.offset_of(c);
        let (at_pos, at_event) = self.framer.offset_of(self.at);
        (pos - at_pos, event - at_event)
    }

    /// The cursor for an offset from [`Self::offset_from_at`].
    fn cursor_from_at(&self, offset: (usize, usize)) -> Cursor {
        let (at_pos, at_event) = self.framer.offset_of(self.at);
        self.framer
            .cursor_at((at_pos + offset.0, at_event + offset.1))
    }

    /// Bytes received and not yet returned as a reply: the Telnet-free bytes buffered, plus
    /// one for each pending Telnet signal or incomplete Telnet command and for an overlong
    /// line being discarded. Zero exactly when nothing at all arrived behind the replies
    /// returned so far — a client checks this after `234`: bytes that came in clear behind
    /// it must not be read once TLS starts (RFC 4217 §4, no plaintext injection).
    pub fn buffered(&self) -> usize {
        let pending_event = matches!(
            self.framer.next_frame(self.at),
            Some((Frame::Telnet(_) | Frame::TooLong, _))
        );
        // The bytes before `at` were returned; they are consumed at the next `feed`.
        self.framer.buffered() - self.framer.offset_of(self.at).0
            + usize::from(pending_event)
            + usize::from(self.framer.holds_partial_input())
    }

    /// Discards everything buffered (and any reply in progress). The buffer's memory is kept.
    pub fn clear(&mut self) {
        self.framer.clear();
        self.at = self.framer.front();
        self.state = StreamState::Start;
        self.overflow = None;
        self.last_excess = 0;
    }
}

/// Reads the first line of a reply (Telnet-free, line end excluded): its code, whether it
/// starts a multi-line reply, and where its text starts.
///
/// `padded` is `line` and the bytes after it in the buffer (see [`forbidden_in`]).
#[inline]
fn first_line(line: &[u8], padded: &[u8]) -> Result<(ReplyCode, bool, usize), DecodeError> {
    // The usual line, `ddd SP text` or `ddd-text` with nothing forbidden in the text, without
    // going through the general checks below (which give the same result for it; the code
    // and separator are neither CR nor NUL, so the whole line can be scanned).
    if let &[d0, d1, d2, sep @ (b' ' | b'-'), ..] = line {
        if let Some(code) = ReplyCode::from_digits([d0, d1, d2]) {
            if forbidden_in(padded, line.len()).is_none() {
                return Ok((code, sep == b'-', 4));
            }
        }
    }
    first_line_checked(line)
}

/// [`first_line`] for every line, with the precise error of a bad one.
fn first_line_checked(line: &[u8]) -> Result<(ReplyCode, bool, usize), DecodeError> {
    let code = match check_code_prefix(line, 0)? {
        Some(code) => code,
        None => return Err(invalid(line.len(), Expected::ReplyCode)),
    };
    let (multiline, text_start) = match line.get(3) {
        None if is_code_only_line(code, line) => (false, 3),
        Some(b' ') => (false, 4),
        Some(b'-') => (true, 4),
        _ => return Err(invalid(3, Expected::ReplyCodeSeparator)),
    };
    if let Some(off) = forbidden_byte(line) {
        return Err(invalid(off, Expected::Text));
    }
    Ok((code, multiline, text_start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn code(v: u16) -> ReplyCode {
        ReplyCode::new(v).unwrap()
    }

    fn lines<'r>(r: &'r Reply<'_>) -> Vec<&'r [u8]> {
        r.lines().collect()
    }

    fn encoded(r: &Reply<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        r.encode(&mut out);
        assert_eq!(out.len(), r.encoded_len());
        out
    }

    #[test]
    fn single_line_borrows_and_round_trips() {
        // S: 220 Service ready
        let wire = b"220 Service ready\r\n331 next";
        let (rest, r) = decode_reply(wire).unwrap();
        assert_eq!(rest, b"331 next");
        assert_eq!(r.code(), ReplyCode::SERVICE_READY);
        assert_eq!(r.text(), b"Service ready");
        assert!(!r.is_multiline());
        assert!(
            matches!(r.body, Cow::Borrowed(_)),
            "no allocation for a plain line"
        );
        assert_eq!(encoded(&r), b"220 Service ready\r\n");
    }

    #[test]
    fn multi_line_rfc959_example_borrows() {
        // RFC 959 §4.2
        let wire = b"123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n";
        let (rest, r) = decode_reply(wire).unwrap();
        assert!(rest.is_empty());
        assert!(r.is_multiline());
        assert!(matches!(r.body, Cow::Borrowed(_)));
        assert_eq!(
            lines(&r),
            vec![
                &b"First line"[..],
                b"Second line",
                b"  234 A line beginning with numbers",
                b"The last line"
            ]
        );
        assert_eq!(r.text(), b"First line");
        assert_eq!(r.line_count(), 4);
        assert_eq!(encoded(&r), wire);
    }

    #[test]
    fn intermediate_lines_may_start_with_other_codes() {
        // S: 211-Status
        // S: 200 not the end, another code
        // S: 211- not the end either
        // S: 211 End
        let wire =
            b"211-Status\r\n200 not the end\r\n211- nor this\r\n211x nor this\r\n211 End\r\n";
        let (_, r) = decode_reply(wire).unwrap();
        assert_eq!(r.line_count(), 5);
        assert_eq!(lines(&r)[1], b"200 not the end");
    }

    #[test]
    fn quirk_code_only_line() {
        // S: 226      (a bare code: seen from embedded servers)
        let (rest, r) = decode_reply(b"226\r\n").unwrap();
        assert!(rest.is_empty());
        assert_eq!(r.text(), b"");
        assert_eq!(encoded(&r), b"226 \r\n");
        // S: 220      (lone LF, no space)
        let (_, r) = decode_reply(b"220\n").unwrap();
        assert_eq!(r.code(), ReplyCode::SERVICE_READY);
        // The bare code also ends a multi-line reply.
        let (_, r) = decode_reply(b"230-Welcome\r\n230\r\n").unwrap();
        assert_eq!(lines(&r), vec![&b"Welcome"[..], b""]);
        assert!(is_code_only_line(code(230), b"230"));
        assert!(!is_code_only_line(code(230), b"231"));
        assert!(!is_code_only_line(code(230), b"230 "));
    }

    #[test]
    fn quirk_repeated_prefix_proftpd_style() {
        // ProFTPD answers FEAT with:
        let wire = b"211-Features:\r\n211-MDTM\r\n211-SIZE\r\n AUTH TLS\r\n211 End\r\n";
        let (_, r) = decode_reply(wire).unwrap();
        assert_eq!(lines(&r)[1], b"211-MDTM");
        let text: Vec<&[u8]> = r.text_lines().collect();
        assert_eq!(
            text,
            vec![&b"Features:"[..], b"MDTM", b"SIZE", b" AUTH TLS", b"End"]
        );
        assert_eq!(strip_repeated_prefix(code(211), b"211-"), b"");
        assert_eq!(strip_repeated_prefix(code(211), b"212-x"), b"212-x");
        assert_eq!(strip_repeated_prefix(code(211), b"211 x"), b"211 x");
        assert_eq!(encoded(&r), wire);
    }

    #[test]
    fn quirk_lone_lf_line_ends() {
        // vsftpd behind some proxies: LF only.
        let wire = b"230-Hello\nthere\r\n230 Done\n";
        let (rest, r) = decode_reply(wire).unwrap();
        assert!(rest.is_empty());
        assert_eq!(lines(&r), vec![&b"Hello"[..], b"there", b"Done"]);
        assert_eq!(encoded(&r), b"230-Hello\r\nthere\r\n230 Done\r\n");
        let again = encoded(&r);
        assert_eq!(decode_reply(&again).unwrap().1, r);
    }

    #[test]
    fn telnet_iac_iac_is_data_and_commands_are_removed() {
        // S: 257 "/caf\xff" created   (0xFF doubled on the wire)
        let wire = b"257 \"/caf\xff\xff\" created\r\n";
        let (_, r) = decode_reply(wire).unwrap();
        assert_eq!(r.text(), b"\"/caf\xff\" created");
        assert_eq!(encoded(&r), wire);
        // IAC NOP and IAC DO <option 10, which is LF> vanish; they do not end the line.
        let wire = b"200 o\xff\xf1k\xff\xfd\n!\r\n";
        let (rest, r) = decode_reply(wire).unwrap();
        assert!(rest.is_empty());
        assert_eq!(r.text(), b"ok!");
        // Multi-line with an escape in a middle line: owned, same lines.
        let wire = b"211-a\r\nb\xff\xffc\r\n\xff\xf1211 end\r\n";
        let (_, r) = decode_reply(wire).unwrap();
        assert_eq!(lines(&r), vec![&b"a"[..], b"b\xffc", b"end"]);
        assert_eq!(encoded(&r), b"211-a\r\nb\xff\xffc\r\n211 end\r\n");
    }

    #[test]
    fn telnet_before_and_inside_the_code() {
        // S: IAC NOP 2 IAC NOP 20 Ready    (a Telnet command may stand anywhere)
        let (rest, r) = decode_reply(b"\xff\xf12\xff\xf120 Ready\r\n").unwrap();
        assert!(rest.is_empty());
        assert_eq!(
            (r.code(), r.text()),
            (ReplyCode::SERVICE_READY, &b"Ready"[..])
        );
        assert_eq!(
            decode_reply(b"\xff\xfd").unwrap_err(),
            DecodeError::Incomplete
        );
        assert_eq!(
            decode_reply(b"\xff\xf122").unwrap_err(),
            DecodeError::Incomplete
        );
        assert_eq!(
            decode_reply(b"\xff\xf12x").unwrap_err(),
            DecodeError::Invalid {
                offset: 3,
                expected: Expected::ReplyCode
            }
        );
        assert_eq!(
            decode_reply(b"22\xff\xfb\x010\xff\xff").unwrap_err(),
            DecodeError::Invalid {
                offset: 6,
                expected: Expected::ReplyCodeSeparator
            }
        );
    }

    #[test]
    fn incomplete_versus_invalid() {
        for partial in [
            &b""[..],
            b"2",
            b"22",
            b"220",
            b"220\r",
            b"220 Ready",
            b"220 Ready\r",
            b"220-a\r\n",
            b"220-a\r\n220",
            b"220-a\r\n220 b",
            b"220 a\xff",
            b"220 a\xff\xfb",
        ] {
            assert_eq!(
                decode_reply(partial).unwrap_err(),
                DecodeError::Incomplete,
                "{partial:?}"
            );
        }
        let bad = |input: &[u8], offset, expected| {
            assert_eq!(
                decode_reply(input).unwrap_err(),
                DecodeError::Invalid { offset, expected },
                "{:?}",
                alloc::string::ToString::to_string(&input.escape_ascii())
            );
        };
        bad(b"x", 0, Expected::ReplyCode);
        bad(b"022 a\r\n", 0, Expected::ReplyCode);
        bad(b"720 a\r\n", 0, Expected::ReplyCode);
        bad(b"2a", 1, Expected::ReplyCode);
        bad(b"22 ", 2, Expected::ReplyCode);
        bad(b"220Welcome", 3, Expected::ReplyCodeSeparator);
        bad(b"220\rx", 3, Expected::ReplyCodeSeparator);
        bad(b"\r\n", 0, Expected::ReplyCode);
        bad(b"220 a\0b\r\n", 5, Expected::Text);
        bad(b"220 a\rb\r\n", 5, Expected::Text);
        bad(b"220-a\r\nx\ry\r\n220 b\r\n", 8, Expected::Text);
        bad(b"220 \xff\xffa\0\r\n", 7, Expected::Text);
    }

    #[test]
    fn constructors_pad_lines_that_would_end_the_reply() {
        let t = |s: &'static str| Text::from_static(s);
        let r = Reply::multiline(
            code(214),
            vec![
                t("The following commands are recognized:"),
                t("214 looks like the end"),
                t("214"),
                t("214-fine"),
                t("Help OK"),
            ],
        );
        let wire = encoded(&r);
        assert_eq!(
            wire,
            b"214-The following commands are recognized:\r\n 214 looks like the end\r\n 214\r\n214-fine\r\n214 Help OK\r\n"
        );
        let (_, back) = decode_reply(&wire).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.line_count(), 5);
        // Fewer than two lines: single-line.
        let one = Reply::multiline(code(200), vec![t("ok")]);
        assert_eq!(one, Reply::new(code(200), t("ok")));
        assert!(!Reply::multiline(code(200), vec![]).is_multiline());
        // First line empty.
        let r = Reply::multiline(code(250), vec![t(""), t("")]);
        assert_eq!(encoded(&r), b"250-\r\n250 \r\n");
        assert_eq!(decode_reply(&encoded(&r)).unwrap().1, r);
    }

    #[test]
    fn equality_ignores_wire_form_and_owned_copies_compare_equal() {
        let (_, a) = decode_reply(b"220-x\ny\n220 z\n").unwrap();
        let (_, b) = decode_reply(b"220-x\r\ny\r\n220 z\r\n").unwrap();
        assert_eq!(a, b);
        let owned: Reply<'static> = a.clone().into_owned();
        assert_eq!(owned, b);
        assert_ne!(a, decode_reply(b"220-x\r\ny\r\n220 Z\r\n").unwrap().1);
        assert_ne!(
            decode_reply(b"220 x\r\n").unwrap().1,
            Reply::multiline(code(220), vec![Text::from_static("x"), Text::EMPTY])
        );
        assert_eq!(
            alloc::format!("{:?}", a),
            "Reply { code: 220, lines: [\"x\", \"y\", \"z\"] }"
        );
    }

    fn drain(d: &mut ReplyDecoder) -> Vec<Result<Reply<'static>, DecodeError>> {
        let mut out = Vec::new();
        while let Some(r) = d.next_reply() {
            out.push(r.map(Reply::into_owned));
        }
        out
    }

    fn ok(wire: &[u8]) -> Result<Reply<'static>, DecodeError> {
        Ok(decode_reply(wire).unwrap().1.into_owned())
    }

    #[test]
    fn streaming_byte_by_byte_with_telnet() {
        // S: 220-Welcome to \xff          (IAC IAC on the wire)
        // S: 220 Ready                     (IAC NOP inside, lone LF)
        // S: 331 Password required
        let wire = b"220-Welcome to \xff\xff\r\n22\xff\xf10 Ready\n331 Password required\r\n";
        let mut d = ReplyDecoder::new(Limits::default());
        let mut got = Vec::new();
        for b in wire {
            d.feed(core::slice::from_ref(b));
            got.extend(drain(&mut d));
        }
        assert_eq!(
            got,
            vec![
                ok(b"220-Welcome to \xff\xff\r\n220 Ready\r\n"),
                ok(b"331 Password required\r\n")
            ]
        );
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn streaming_reply_borrows_the_buffer() {
        let mut d = ReplyDecoder::new(Limits::default());
        d.feed(b"211-Features:\r\n MDTM\r\n REST STREAM\r\n211 End\r\n");
        let r = d.next_reply().unwrap().unwrap();
        assert!(matches!(r.body, Cow::Borrowed(_)));
        assert_eq!(r.line_count(), 4);
    }

    #[test]
    fn bytes_behind_234_are_reported() {
        // C: AUTH TLS
        // S: 234 AUTH TLS OK
        // S: (plaintext injected before the TLS handshake)
        let mut d = ReplyDecoder::new(Limits::default());
        d.feed(b"234 AUTH TLS OK\r\n230 fake login\r\n");
        assert_eq!(d.next_reply().unwrap().unwrap().code(), ReplyCode::AUTH_OK);
        assert_eq!(d.buffered(), b"230 fake login\r\n".len());
        d.clear();
        assert_eq!(d.buffered(), 0);
        assert!(d.next_reply().is_none());
        // Even a lone IAC or a Telnet command behind the reply counts.
        for tail in [&b"\xff"[..], b"\xff\xf1", b"\xff\xfd"] {
            let mut d = ReplyDecoder::new(Limits::default());
            d.feed(b"234 AUTH TLS OK\r\n");
            d.feed(tail);
            assert!(d.next_reply().unwrap().is_ok());
            assert!(d.buffered() > 0, "{tail:?}");
        }
    }

    #[test]
    fn endless_multiline_reply_is_bounded_and_recovers() {
        let limits = Limits::default()
            .with_max_reply_lines(4)
            .with_max_line_len(64);
        let mut d = ReplyDecoder::new(limits);
        d.feed(b"150-start\r\n");
        let mut errors = 0;
        for _ in 0..10_000 {
            d.feed(b"more and more\r\n");
            for r in drain(&mut d) {
                assert_eq!(r, Err(DecodeError::TooManyLines { max: 4 }));
                errors += 1;
            }
            assert!(d.buffered() <= 4 * 16, "bounded: {}", d.buffered());
        }
        assert_eq!(errors, 1);
        // The end line comes back as a single-line reply, then decoding carries on.
        d.feed(b"150 the end\r\n226 Transfer complete\r\n");
        assert_eq!(
            drain(&mut d),
            vec![ok(b"150 the end\r\n"), ok(b"226 Transfer complete\r\n")]
        );
    }

    #[test]
    fn overlong_lines_resynchronise() {
        let limits = Limits::default().with_max_line_len(16);
        let mut d = ReplyDecoder::new(limits);
        // A first line too long: dropped alone.
        d.feed(b"220 0123456789abcdefghij\r\n200 ok\r\n");
        assert_eq!(
            drain(&mut d),
            vec![Err(DecodeError::LineTooLong { max: 16 }), ok(b"200 ok\r\n")]
        );
        // Inside a multi-line reply: the rest of the reply is skipped to its end line.
        d.feed(b"211-a\r\n0123456789abcdefghijkl\r\n x\r\n211 end\r\n200 ok\r\n");
        assert_eq!(
            drain(&mut d),
            vec![
                Err(DecodeError::LineTooLong { max: 16 }),
                ok(b"211 end\r\n"),
                ok(b"200 ok\r\n")
            ]
        );
    }

    #[test]
    fn invalid_lines_are_dropped_with_their_offset() {
        let mut d = ReplyDecoder::new(Limits::default());
        d.feed(b"hello\r\n220 ok\r\n230-a\r\nb\0c\r\nd\r\n230 e\r\n221 bye\r\n");
        assert_eq!(
            drain(&mut d),
            vec![
                Err(DecodeError::Invalid {
                    offset: 0,
                    expected: Expected::ReplyCode
                }),
                ok(b"220 ok\r\n"),
                Err(DecodeError::Invalid {
                    offset: 8,
                    expected: Expected::Text
                }),
                ok(b"230 e\r\n"),
                ok(b"221 bye\r\n"),
            ]
        );
        // A bad first line of a multi-line reply: the whole reply is skipped to its end line.
        d.feed(b"211-bad\0first\r\n200 not a reply\r\n211 End\r\n221 bye\r\n");
        assert_eq!(
            drain(&mut d),
            vec![
                Err(DecodeError::Invalid {
                    offset: 7,
                    expected: Expected::Text
                }),
                ok(b"211 End\r\n"),
                ok(b"221 bye\r\n"),
            ]
        );
        d.feed(b"22\r\n");
        assert_eq!(
            drain(&mut d),
            vec![Err(DecodeError::Invalid {
                offset: 2,
                expected: Expected::ReplyCode
            })]
        );
    }

    #[test]
    fn deferred_consume_keeps_look_ahead_and_buffered_across_feeds() {
        // S: 200 ok / S: 211-a / (IAC NOP) / S: b / S: 211 end / S: 221 bye, arriving in pieces
        // while replies returned before are still held in the buffer.
        let mut d = ReplyDecoder::new(Limits::default());
        d.feed(b"200 ok\r\n211-a\r\n");
        assert_eq!(d.next_reply().unwrap().unwrap().code(), code(200));
        assert!(d.next_reply().is_none());
        assert_eq!(d.buffered(), b"211-a\r\n".len());
        d.feed(b"\xff\xf1b\r\n21");
        assert!(d.next_reply().is_none());
        assert_eq!(d.buffered(), b"211-a\r\nb\r\n21".len());
        d.feed(b"1 end\r\n221 bye\r\n\xff");
        assert_eq!(
            drain(&mut d),
            vec![ok(b"211-a\r\nb\r\n211 end\r\n"), ok(b"221 bye\r\n")]
        );
        // Only the lone IAC is left: one byte held outside the buffer.
        assert_eq!(d.buffered(), 1);
        d.clear();
        assert_eq!(d.buffered(), 0);
        // Consumed bytes are compacted away on the next feed, as before.
        for _ in 0..1000 {
            d.feed(b"226 Transfer complete\r\n");
            assert_eq!(drain(&mut d), vec![ok(b"226 Transfer complete\r\n")]);
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn scanners_find_the_first_stop_byte() {
        // Every length up to a few words, every position of one stop byte among ordinary
        // bytes, tabs and high bytes (candidates of the prefilters that are not stops).
        for len in 0..40 {
            for filler in [b'a', b'\t', 0x80, 0xfe, 0x0e, 0x0b] {
                for at in 0..=len {
                    for stop in [b'\n', b'\r', 0, IAC] {
                        let mut hay = vec![filler; len];
                        if at < len {
                            hay[at] = stop;
                        }
                        let want = hay
                            .iter()
                            .position(|&b| matches!(b, b'\n' | b'\r' | 0 | IAC));
                        let got = find_prefiltered(
                            &hay,
                            maybe_line_stops,
                            |b| matches!(b, b'\n' | b'\r' | 0 | IAC),
                            line_stops,
                        );
                        assert_eq!(got, want, "{hay:?}");
                        let want = hay.iter().position(|&b| b == b'\r' || b == 0);
                        assert_eq!(forbidden_byte(&hay), want, "{hay:?}");
                        assert_eq!(forbidden_byte(&hay), find_any(&hay, [b'\r', 0]));
                    }
                }
            }
        }
    }

    mod props {
        use super::super::*;
        use alloc::vec;
        use alloc::vec::Vec;
        use proptest::prelude::*;

        /// Reply-like bytes: codes, separators, line ends, Telnet, NUL, digits and text, so
        /// that both the fast path and every branch of the general path are reached.
        fn reply_like() -> impl Strategy<Value = Vec<u8>> {
            let token = prop_oneof![
                4 => Just(&b"211 "[..]),
                4 => Just(&b"211-"[..]),
                2 => Just(&b"211"[..]),
                2 => Just(&b"200 "[..]),
                6 => Just(&b"\r\n"[..]),
                2 => Just(&b"\n"[..]),
                2 => Just(&b"\r"[..]),
                1 => Just(&b"\0"[..]),
                1 => Just(&b"\xff"[..]),
                1 => Just(&b"\xff\xff"[..]),
                1 => Just(&b"\xff\xf1"[..]),
                1 => Just(&b"\xff\xfd"[..]),
                2 => Just(&b" "[..]),
                2 => Just(&b"-"[..]),
                2 => Just(&b"\t"[..]),
                4 => Just(&b"Features: MDTM SIZE"[..]),
                2 => Just(&b"caf\xc3\xa9"[..]),
            ];
            let byte = prop_oneof![
                Just(b'\r'),
                Just(b'\n'),
                Just(0u8),
                Just(0xffu8),
                Just(b' '),
                Just(b'-'),
                b'0'..=b'9',
                any::<u8>(),
            ];
            // Mostly a reply's start, then tokens; line ends often followed by a code.
            let start = prop_oneof![
                3 => Just(&b"211-"[..]),
                3 => Just(&b"211 "[..]),
                1 => Just(&b"211"[..]),
                1 => Just(&b""[..]),
            ];
            let parts = prop::collection::vec(
                prop_oneof![
                    3 => token.prop_map(|t| t.to_vec()),
                    1 => byte.prop_map(|b| vec![b]),
                    2 => Just(b"\r\n211 ".to_vec()),
                    1 => Just(b"\n211".to_vec()),
                ],
                0..24,
            );
            (start, parts).prop_map(|(start, parts)| [start.to_vec(), parts.concat()].concat())
        }

        /// A line for the streaming decoder (no LF: the framer cut it there) and the bytes
        /// that follow it in the buffer.
        fn line_and_padding() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
            let line = reply_like().prop_map(|mut v| {
                v.retain(|&b| b != b'\n');
                v
            });
            let pad = prop::collection::vec(
                prop_oneof![Just(b'\r'), Just(b'\n'), Just(0u8), any::<u8>()],
                0..8,
            );
            (line, pad)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2048))]

            /// The fast path gives exactly what the general path gives for every input it
            /// accepts (same reply, same bytes borrowed, same end), and `decode_reply` as a
            /// whole gives the general path's result for every input.
            #[test]
            fn fast_path_agrees_with_general_path(input in reply_like()) {
                let general = parse_reply(&input, true, usize::MAX);
                if let Some(fast) = decode_plain(&input, usize::MAX) {
                    let general = general.as_ref().expect("the general path accepts it too");
                    prop_assert_eq!(fast.next, general.next);
                    prop_assert_eq!(&fast.reply, &general.reply);
                    prop_assert_eq!(&*fast.reply.body, &*general.reply.body);
                    prop_assert!(matches!(fast.reply.body, Cow::Borrowed(_)));
                    prop_assert!(matches!(general.reply.body, Cow::Borrowed(_)));
                }
                let public = decode_reply(&input).map(|(rest, r)| (rest.len(), r));
                let general = general.map(|p| (input.len() - p.next, p.reply));
                prop_assert_eq!(public, general);
            }

            /// The streaming decoder's first-line fast path agrees with the full checks,
            /// whatever bytes follow the line in the buffer.
            #[test]
            fn first_line_fast_path_agrees_with_the_checks((line, pad) in line_and_padding()) {
                let padded = [&line[..], &pad[..]].concat();
                prop_assert_eq!(first_line(&line, &padded), first_line_checked(&line));
                prop_assert_eq!(
                    forbidden_in(&padded, line.len()),
                    find_any(&line, [b'\r', 0])
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The plain-lines path of `ReplyDecoder::next_reply` (the slice decoder's one-pass
        /// reading over the framer's clean bytes) gives exactly the replies and errors of the
        /// frame-by-frame path, for any bytes, chunking and limits: Telnet (IAC IAC is a 0xFF
        /// data byte in the clean bytes), CR, NUL, overlong lines, multi-line replies at and
        /// past the line limit, bad first lines and the replies skipped after them.
        #[test]
        fn plain_lines_path_agrees_with_the_frames(
            lines in proptest::collection::vec((
                proptest::sample::select(&["213", "250", "21", "2130", ""][..]),
                proptest::sample::select(&[" ", "-", "", "x"][..]),
                proptest::collection::vec(proptest::prop_oneof![
                    6 => proptest::sample::select(&b"abc 213-"[..]),
                    1 => proptest::sample::select(&[0u8, 0xff, 0xf4, 0xf2, 0xfb, b'\t', b'\r'][..]),
                    1 => proptest::prelude::any::<u8>(),
                ], 0..12),
                proptest::sample::select(&["\r\n", "\n", "\r\n", ""][..]),
            ), 0..12),
            cuts in proptest::collection::vec(0usize..300, 0..4),
            max_line_len in 1usize..30,
            max_reply_lines in 1usize..5,
        ) {
            let limits = Limits::default()
                .with_max_line_len(max_line_len)
                .with_max_reply_lines(max_reply_lines);
            let data: Vec<u8> = lines
                .iter()
                .flat_map(|(code, sep, text, end)| {
                    [code.as_bytes(), sep.as_bytes(), &text[..], end.as_bytes()].concat()
                })
                .collect();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let run = |plain_path: bool| {
                let mut d = ReplyDecoder::new(limits);
                d.plain_path = plain_path;
                let (mut out, mut buffered) = (Vec::new(), Vec::new());
                let mut at = 0;
                for cut in cuts.iter().copied().chain([data.len()]) {
                    d.feed(&data[at..cut]);
                    at = cut;
                    while let Some(r) = d.next_reply() {
                        out.push(r.map(Reply::into_owned));
                    }
                    buffered.push(d.buffered());
                }
                (out, buffered)
            };
            proptest::prop_assert_eq!(run(true), run(false));
        }
    }
}

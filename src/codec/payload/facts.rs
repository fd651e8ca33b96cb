//! MLSx entries `fact=value;...; pathname` (RFC 3659 §7.2) and the 250 reply to MLST (§7.2,
//! §7.7.2).
//!
//! Owns the entry grammar. Must not interpret fact values beyond what [`Facts`]' accessors do.

use alloc::vec::Vec;

use super::{expect_code, malformed, PayloadError};
use crate::codec::{Expected, Reply};
use crate::types::{Fact, FactName, Facts, Pathname, ReplyCode, Text};

/// One MLSx entry `fact=value;fact=value; pathname` (RFC 3659 §7.2), line end excluded, as
/// sent on the data connection by MLSD.
///
/// `entry = [ facts ] SP pathname`, `facts = 1*( fact ";" )`, `fact = factname "=" value`.
/// No spaces are permitted in the facts; exactly one space separates them from the path name
/// and every other space belongs to the path name. With no facts the line is `SP pathname`.
/// Fact names are case-insensitive ([`FactName`]); values are kept as sent, borrowed from
/// the line. Being liberal, a last fact without its `;` is accepted.
///
/// For the entry line of an MLST reply, which begins with one more space, use
/// [`parse_mlst_reply`].
///
/// ```
/// use ftps_proto::codec::parse_facts;
/// use ftps_proto::types::FileType;
///
/// let entry = parse_facts(b"type=file;size=1830;modify=19940916055648; my file.txt").unwrap();
/// assert_eq!(entry.pathname.as_bytes(), b"my file.txt");
/// assert_eq!(entry.size(), Some(1830));
/// assert_eq!(entry.file_type(), Some(FileType::File));
/// ```
pub fn parse_facts(line: &[u8]) -> Result<Facts<'_>, PayloadError> {
    let sp = line
        .iter()
        .position(|&b| b == b' ')
        .ok_or(malformed(line.len(), Expected::Space))?;
    let mut facts = Vec::new();
    let mut at = 0;
    while at < sp {
        let end = line[at..sp]
            .iter()
            .position(|&b| b == b';')
            .map_or(sp, |i| at + i);
        let fact = &line[at..end];
        let eq = fact
            .iter()
            .position(|&b| b == b'=')
            .filter(|&i| i > 0)
            .ok_or(malformed(at, Expected::Fact))?;
        // RFC 3659 §7.2: a fact name is visible ASCII (`RCHAR`s, `.`-separated); 8-bit or
        // control bytes there are not a fact, and could not be written back.
        if !fact[..eq].iter().all(u8::is_ascii_graphic) {
            return Err(malformed(at, Expected::Fact));
        }
        let value = &fact[eq + 1..];
        facts.push(Fact {
            name: FactName::from_bytes(&fact[..eq]),
            value: Text::new(value).map_err(|_| malformed(at + eq + 1, Expected::Text))?,
        });
        at = end + 1;
    }
    let path = &line[sp + 1..];
    let pathname = Pathname::new(path).map_err(|_| malformed(sp + 1, Expected::Pathname))?;
    Ok(Facts { facts, pathname })
}

/// 250: the entry of an MLST reply (RFC 3659 §7.2): a multi-line reply whose second line is
/// the entry preceded by one space (`250-Listing /x`, ` type=dir; /x`, `250 End`). The
/// offsets of errors are in the entry line, leading space included. RFC 3659 allows more than
/// one entry only to give one file several `type` facts, all with the same path name; the
/// first entry is returned.
///
/// ```
/// use ftps_proto::codec::{decode_reply, parse_mlst_reply};
///
/// let wire = b"250- Listing tmp\r\n Type=dir;Modify=19990929003355; /tmp\r\n250 End\r\n";
/// let (_, reply) = decode_reply(wire).unwrap();
/// let entry = parse_mlst_reply(&reply).unwrap();
/// assert_eq!(entry.pathname.as_bytes(), b"/tmp");
/// assert_eq!(entry.modify().unwrap().year(), 1999);
/// ```
pub fn parse_mlst_reply<'r>(reply: &'r Reply<'_>) -> Result<Facts<'r>, PayloadError> {
    expect_code(reply, ReplyCode::FILE_ACTION_OK)?;
    if !reply.is_multiline() {
        return Err(malformed(reply.text().len(), Expected::LineEnd));
    }
    let line = reply
        .lines()
        .nth(1)
        .filter(|_| reply.line_count() > 2)
        .ok_or(malformed(0, Expected::Fact))?;
    let entry = line
        .strip_prefix(b" ")
        .ok_or(malformed(0, Expected::Space))?;
    parse_facts(entry).map_err(|e| match e {
        PayloadError::Malformed { offset, expected } => malformed(offset + 1, expected),
        other => other,
    })
}

/// Appends one MLSx entry line for `entry` (RFC 3659 §7.2), line end excluded: every fact as
/// `name=value;` (known names in the RFC's lower-case spelling, others as stored), one space,
/// the path name. The inverse of [`parse_facts`]: a server writes these lines on the data
/// connection for MLSD (CRLF-terminated) and in the MLST reply ([`mlst_reply`]).
///
/// A fact that the grammar cannot carry is refused, with the offset in `out`'s new bytes
/// where it would have started: a name that is empty or holds a byte other than visible
/// ASCII, `=` or `;`, or a value with a space or `;` (RFC 3659 §7.2, `value = *SCHAR`).
/// Nothing is appended then.
///
/// ```
/// use ftps_proto::codec::{encode_facts, parse_facts};
///
/// let entry = parse_facts(b"Type=file;Size=1830; hatch.c").unwrap();
/// let mut line = Vec::new();
/// encode_facts(&entry, &mut line).unwrap();
/// assert_eq!(line, b"type=file;size=1830; hatch.c");
/// ```
pub fn encode_facts(entry: &Facts<'_>, out: &mut Vec<u8>) -> Result<(), PayloadError> {
    let start = out.len();
    let mut at = 0;
    for fact in &entry.facts {
        let name = fact.name.as_str().as_bytes();
        let value = fact.value.as_bytes();
        let name_ok = !name.is_empty()
            && name
                .iter()
                .all(|b| b.is_ascii_graphic() && *b != b'=' && *b != b';');
        if !name_ok || value.iter().any(|b| *b == b' ' || *b == b';') {
            out.truncate(start);
            return Err(malformed(at, Expected::Fact));
        }
        out.extend_from_slice(name);
        out.push(b'=');
        out.extend_from_slice(value);
        out.push(b';');
        at += name.len() + value.len() + 2;
    }
    out.push(b' ');
    out.extend_from_slice(entry.pathname.as_bytes());
    Ok(())
}

/// The 250 reply a server sends for MLST (RFC 3659 §7.2): `250-Listing <path>`, the entry
/// line preceded by one space, `250 End`. The inverse of [`parse_mlst_reply`]; refused like
/// [`encode_facts`] (offsets in the entry line, leading space included).
///
/// ```
/// use ftps_proto::codec::{mlst_reply, parse_facts, parse_mlst_reply};
///
/// let entry = parse_facts(b"type=dir;modify=19990929003355; /tmp").unwrap();
/// let reply = mlst_reply(&entry).unwrap();
/// let mut wire = Vec::new();
/// reply.encode(&mut wire);
/// assert_eq!(wire, b"250-Listing /tmp\r\n type=dir;modify=19990929003355; /tmp\r\n250 End\r\n");
/// assert_eq!(parse_mlst_reply(&reply).unwrap(), entry);
/// ```
pub fn mlst_reply(entry: &Facts<'_>) -> Result<Reply<'static>, PayloadError> {
    let mut line = Vec::with_capacity(64);
    line.push(b' ');
    encode_facts(entry, &mut line).map_err(|e| match e {
        PayloadError::Malformed { offset, expected } => malformed(offset + 1, expected),
        other => other,
    })?;
    let mut first = b"Listing ".to_vec();
    first.extend_from_slice(entry.pathname.as_bytes());
    // Built from a path name and validated facts: no CR, LF or NUL.
    Ok(Reply::multiline(
        ReplyCode::FILE_ACTION_OK,
        alloc::vec![
            Text::new_unchecked(first),
            Text::new_unchecked(line),
            Text::from_static("End"),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_reply;
    use crate::types::FileType;
    use alloc::string::String;

    #[test]
    fn rfc3659_mlsd_lines() {
        // RFC 3659 §7.7.3
        let e = parse_facts(b"Type=cdir;Modify=19981107085215;Perm=el; tmp").unwrap();
        assert_eq!(e.file_type(), Some(FileType::CurrentDir));
        assert_eq!(e.get(&FactName::Perm).unwrap().as_bytes(), b"el");
        let e =
            parse_facts(b"Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z").unwrap();
        assert_eq!(e.size(), Some(25730));
        assert_eq!(e.get(&FactName::Perm).unwrap().as_bytes(), b"");
        assert_eq!(e.pathname.as_bytes(), b"capmux.tar.z");
        // OS-specific facts are kept upper-cased.
        let e = parse_facts(b"type=OS.unix=slink:/x;UNIX.mode=0755; link").unwrap();
        assert_eq!(
            e.file_type(),
            Some(FileType::Other("OS.unix=slink:/x".into()))
        );
        assert_eq!(
            e.get(&FactName::Other("UNIX.MODE".into()))
                .unwrap()
                .as_bytes(),
            b"0755"
        );
    }

    #[test]
    fn spaces_and_empty_fact_lists() {
        // No facts: SP pathname.
        let e = parse_facts(b" just a name").unwrap();
        assert!(e.facts.is_empty());
        assert_eq!(e.pathname.as_bytes(), b"just a name");
        // Only the first space separates: the rest belongs to the name.
        let e = parse_facts(b"size=1;  two leading spaces ").unwrap();
        assert_eq!(e.pathname.as_bytes(), b" two leading spaces ");
        // A last fact without its ';' (some Windows servers).
        let e = parse_facts(b"type=file;size=3 f").unwrap();
        assert_eq!(e.size(), Some(3));
        let e = parse_facts(b"type=dir; \xffname").unwrap();
        assert_eq!(e.pathname.as_bytes(), b"\xffname");
    }

    #[test]
    fn refusals() {
        assert_eq!(
            parse_facts(b"type=file;"),
            Err(malformed(10, Expected::Space))
        );
        assert_eq!(
            parse_facts(b"type=file; "),
            Err(malformed(11, Expected::Pathname))
        );
        assert_eq!(
            parse_facts(b"type=file;junk; x"),
            Err(malformed(10, Expected::Fact))
        );
        assert_eq!(parse_facts(b"=x; x"), Err(malformed(0, Expected::Fact)));
        // Found by fuzzing (seed `regress-fact-name-8bit`): 8-bit and control bytes in a fact
        // name are refused, so every entry parsed can be encoded again.
        assert_eq!(
            parse_facts(b"size=1;\xffname=x; f"),
            Err(malformed(7, Expected::Fact))
        );
        assert_eq!(
            parse_facts(b"ty\tpe=file; f"),
            Err(malformed(0, Expected::Fact))
        );
        assert_eq!(
            parse_facts(b"a=b;;c=d; x"),
            Err(malformed(4, Expected::Fact))
        );
    }

    #[test]
    fn encoding_refuses_what_the_grammar_cannot_carry() {
        let mut e = parse_facts(b"type=file;size=3; f").unwrap();
        let mut out = b"keep".to_vec();
        e.facts[1].value = Text::from_static("1 2");
        assert_eq!(
            encode_facts(&e, &mut out),
            Err(malformed(10, Expected::Fact))
        );
        assert_eq!(out, b"keep", "nothing appended");
        e.facts[1].value = Text::from_static("1;2");
        assert_eq!(
            encode_facts(&e, &mut out),
            Err(malformed(10, Expected::Fact))
        );
        e.facts[1].value = Text::from_static("3");
        e.facts[0].name = FactName::Other("A=B".into());
        assert_eq!(
            encode_facts(&e, &mut out),
            Err(malformed(0, Expected::Fact))
        );
        assert_eq!(mlst_reply(&e), Err(malformed(1, Expected::Fact)));
        e.facts[0].name = FactName::Other(String::new());
        assert_eq!(
            encode_facts(&e, &mut out),
            Err(malformed(0, Expected::Fact))
        );
        e.facts[0].name = FactName::Other("UNIX.MODE".into());
        encode_facts(&e, &mut out).unwrap();
        assert_eq!(out, b"keepUNIX.MODE=file;size=3; f");
        // No facts: `SP pathname`.
        let mut out = Vec::new();
        encode_facts(&parse_facts(b" lone").unwrap(), &mut out).unwrap();
        assert_eq!(out, b" lone");
    }

    #[test]
    fn mlst_replies() {
        // RFC 3659 §7.7.2:  C> MLst tmp
        let wire = b"250- Listing tmp\r\n Type=dir;Modify=19990929003355;Perm=el;Unique=keVO1+ZF4; tmp\r\n250 End\r\n";
        let (_, r) = decode_reply(wire).unwrap();
        let e = parse_mlst_reply(&r).unwrap();
        assert_eq!(e.file_type(), Some(FileType::Dir));
        assert_eq!(e.get(&FactName::Unique).unwrap().as_bytes(), b"keVO1+ZF4");
        let (_, r) = decode_reply(b"250-x\r\nType=dir; tmp\r\n250 End\r\n").unwrap();
        assert_eq!(parse_mlst_reply(&r), Err(malformed(0, Expected::Space)));
        let (_, r) = decode_reply(b"250-x\r\n Type; tmp\r\n250 End\r\n").unwrap();
        assert_eq!(parse_mlst_reply(&r), Err(malformed(1, Expected::Fact)));
        let (_, r) = decode_reply(b"250 ok\r\n").unwrap();
        assert_eq!(parse_mlst_reply(&r), Err(malformed(2, Expected::LineEnd)));
        let (_, r) = decode_reply(b"250-x\r\n250 End\r\n").unwrap();
        assert_eq!(parse_mlst_reply(&r), Err(malformed(0, Expected::Fact)));
    }
}

//! LIST lines from the data connection, best effort: Unix `ls -l` and DOS/IIS formats.
//!
//! LIST output is not standardised (RFC 959 §4.1.3: "the data ... is intended to be
//! human-readable"; RFC 3659 §7 introduced MLSD for machines). Owns the recognition of the
//! two formats almost every server uses; must not guess anything else (an unknown line is
//! `None`, never a wrong entry) and always keeps the raw line.

use alloc::borrow::Cow;

use super::leading_number;

/// Which LIST format a line was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListFormat {
    /// Unix `ls -l`.
    Unix,
    /// DOS / IIS.
    Dos,
}

/// A LIST line, best effort; the raw line is always kept.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListEntry<'a> {
    /// The line as received (line end excluded).
    pub raw: Cow<'a, [u8]>,
    /// The format it was read as.
    pub format: ListFormat,
    /// The name (for a symbolic link, without ` -> target`).
    pub name: Cow<'a, [u8]>,
    /// True for a directory.
    pub is_dir: bool,
    /// Size in bytes, when given (not for directories in DOS format, nor for device files).
    pub size: Option<u64>,
    /// The target of a symbolic link (Unix `l` entries, `name -> target`).
    pub link_target: Option<Cow<'a, [u8]>>,
    /// The date and time column(s) as sent (`Jan  5 12:34`, `Jan  5  2023`,
    /// `01-02-24  10:30AM`): their meaning depends on the server's time zone and locale.
    pub modified: Cow<'a, [u8]>,
}

impl ListEntry<'_> {
    /// An owned copy.
    pub fn into_owned(self) -> ListEntry<'static> {
        ListEntry {
            raw: Cow::Owned(self.raw.into_owned()),
            format: self.format,
            name: Cow::Owned(self.name.into_owned()),
            is_dir: self.is_dir,
            size: self.size,
            link_target: self.link_target.map(|t| Cow::Owned(t.into_owned())),
            modified: Cow::Owned(self.modified.into_owned()),
        }
    }
}

/// Parses a LIST line in Unix or DOS format; `None` for lines that are neither (such as
/// `total 12`) and for lines without a name.
///
/// ```
/// use ftps_proto::codec::{parse_list_line, ListFormat};
///
/// let e = parse_list_line(b"-rw-r--r--   1 ftp  ftp   1234 Jan  5 12:34 read me.txt").unwrap();
/// assert_eq!((&e.name[..], e.size, e.format), (&b"read me.txt"[..], Some(1234), ListFormat::Unix));
/// let e = parse_list_line(b"01-02-24  10:30AM       <DIR>          Program Files").unwrap();
/// assert!(e.is_dir && e.format == ListFormat::Dos);
/// ```
pub fn parse_list_line(line: &[u8]) -> Option<ListEntry<'_>> {
    parse_unix(line).or_else(|| parse_dos(line))
}

/// Start and end offsets of the space-separated words of `line`.
fn words(line: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = 0;
    core::iter::from_fn(move || {
        while i < line.len() && line[i] == b' ' {
            i += 1;
        }
        if i >= line.len() {
            return None;
        }
        let start = i;
        while i < line.len() && line[i] != b' ' {
            i += 1;
        }
        Some((start, i))
    })
}

/// `ls -l`: `perms links owner [group] size month day time|year name`, and device files
/// with `major, minor` in place of the size.
fn parse_unix(line: &[u8]) -> Option<ListEntry<'_>> {
    // perms links owner [group] size (or `major, minor`) month day time|year: the month is
    // the 4th to 7th word. Words after the 9th can only be part of the name.
    let mut w: [(usize, usize); 9] = [(0, 0); 9];
    let mut n = 0;
    for (slot, word) in w.iter_mut().zip(words(line)) {
        *slot = word;
        n += 1;
    }
    let word = |i: usize| &line[w[i].0..w[i].1];
    let perms = word(0);
    if n < 6 || !is_unix_perms(perms) {
        return None;
    }
    // The first month word followed by a valid day and time or year (an owner or group may
    // be named like a month).
    let m = (3..=6).filter(|&m| m + 2 < n).find(|&m| {
        let (day, time) = (word(m + 1), word(m + 2));
        is_month(word(m))
            && matches!(leading_number(day, 2), Some((1..=31, l)) if l == day.len())
            && (is_clock(time) || is_year(time))
    })?;
    let size_word = &line[w[m - 1].0..w[m - 1].1];
    let device = m >= 2 && line[w[m - 2].0..w[m - 2].1].ends_with(b",");
    let size = match leading_number(size_word, 20) {
        Some((v, l)) if l == size_word.len() && !device => Some(v),
        _ => None,
    };
    // Exactly one space after the time or year; anything after it is the name.
    let name_at = w[m + 2].1 + 1;
    let full_name = line.get(name_at..).filter(|s| !s.is_empty())?;
    let (name, link_target) = if perms[0] == b'l' {
        match find(full_name, b" -> ") {
            Some(i) => (&full_name[..i], Some(Cow::Borrowed(&full_name[i + 4..]))),
            None => (full_name, None),
        }
    } else {
        (full_name, None)
    };
    Some(ListEntry {
        raw: Cow::Borrowed(line),
        format: ListFormat::Unix,
        name: Cow::Borrowed(name),
        is_dir: perms[0] == b'd',
        size,
        link_target,
        modified: Cow::Borrowed(&line[w[m].0..w[m + 2].1]),
    })
}

/// `drwxr-xr-x`: a type letter then nine permission letters, possibly followed by an ACL
/// or extended-attribute mark (`+`, `@`, `.`).
fn is_unix_perms(p: &[u8]) -> bool {
    p.len() >= 10
        && p.len() <= 11
        && b"-dlcbpsD".contains(&p[0])
        && p[1..10].iter().all(|b| b"rwxsStTlL-".contains(b))
        && p.get(10).map_or(true, |b| b"+@.".contains(b))
}

fn is_month(w: &[u8]) -> bool {
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    MONTHS.iter().any(|m| w.eq_ignore_ascii_case(m))
}

/// `HH:MM`.
fn is_clock(w: &[u8]) -> bool {
    w.len() == 5 && w[2] == b':' && w[..2].iter().chain(&w[3..]).all(u8::is_ascii_digit)
}

fn is_year(w: &[u8]) -> bool {
    w.len() == 4 && w.iter().all(u8::is_ascii_digit)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// DOS / IIS: `MM-DD-YY[YY]  HH:MM(AM|PM)  (<DIR>|size)  name`. The columns are padded with
/// spaces, so a name's own leading spaces cannot be told from the padding and are lost.
fn parse_dos(line: &[u8]) -> Option<ListEntry<'_>> {
    let mut it = words(line);
    let date = it.next()?;
    let time = it.next()?;
    let kind = it.next()?;
    let name = it.next()?;
    if !is_dos_date(&line[date.0..date.1]) || !is_dos_time(&line[time.0..time.1]) {
        return None;
    }
    let kind_word = &line[kind.0..kind.1];
    let (is_dir, size) = if kind_word.eq_ignore_ascii_case(b"<DIR>") {
        (true, None)
    } else {
        match leading_number(kind_word, 20) {
            Some((v, l)) if l == kind_word.len() => (false, Some(v)),
            _ => return None,
        }
    };
    Some(ListEntry {
        raw: Cow::Borrowed(line),
        format: ListFormat::Dos,
        name: Cow::Borrowed(&line[name.0..]),
        is_dir,
        size,
        link_target: None,
        modified: Cow::Borrowed(&line[date.0..time.1]),
    })
}

/// `MM-DD-YY`, `MM-DD-YYYY` (or with `/`).
fn is_dos_date(w: &[u8]) -> bool {
    (w.len() == 8 || w.len() == 10)
        && (w[2] == b'-' || w[2] == b'/')
        && w[5] == w[2]
        && w.iter()
            .enumerate()
            .all(|(i, b)| i == 2 || i == 5 || b.is_ascii_digit())
}

/// `HH:MM` followed by `AM`/`PM` (or nothing, 24-hour servers).
fn is_dos_time(w: &[u8]) -> bool {
    let (clock, suffix) = w.split_at(w.len().min(5));
    is_clock(clock)
        && (suffix.is_empty()
            || suffix.eq_ignore_ascii_case(b"AM")
            || suffix.eq_ignore_ascii_case(b"PM"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: &[u8]) -> ListEntry<'_> {
        parse_list_line(line).unwrap_or_else(|| {
            panic!(
                "{:?}",
                alloc::string::ToString::to_string(&line.escape_ascii())
            )
        })
    }

    #[test]
    fn unix_variants() {
        // vsftpd / GNU ls, with group, recent file (time) and a name with spaces.
        let e = entry(b"-rw-r--r--    1 1000     1000         4096 Mar 14 09:26 a b  c");
        assert_eq!(
            (&e.name[..], e.size, e.is_dir),
            (&b"a b  c"[..], Some(4096), false)
        );
        assert_eq!(&e.modified[..], b"Mar 14 09:26");
        // Older file: year instead of time.
        let e = entry(b"drwxr-xr-x   2 root root 4096 Jan  1  2023 pub");
        assert!(e.is_dir);
        assert_eq!(&e.name[..], b"pub");
        assert_eq!(&e.modified[..], b"Jan  1  2023");
        // No group column (some embedded servers, `ls -lG`).
        let e = entry(b"-rw-r--r--   1 owner     1234 Dec 31 23:59 file.txt");
        assert_eq!((&e.name[..], e.size), (&b"file.txt"[..], Some(1234)));
        // Symbolic link.
        let e = entry(b"lrwxrwxrwx   1 root root    7 Feb  2 10:00 bin -> usr/bin");
        assert_eq!(&e.name[..], b"bin");
        assert_eq!(e.link_target.as_deref(), Some(&b"usr/bin"[..]));
        // Device file: major, minor instead of a size.
        let e = entry(b"crw-rw-rw-   1 root root  1,   3 Apr 10 08:00 null");
        assert_eq!((&e.name[..], e.size), (&b"null"[..], None));
        // ACL mark, name starting with a space.
        let e = entry(b"-rw-r--r--+  1 u g 5 May  5 05:05  lead");
        assert_eq!(&e.name[..], b" lead");
        // A file named like a month.
        let e = entry(b"-rw-r--r--   1 u g 5 Jun  5 05:05 Jun");
        assert_eq!(&e.name[..], b"Jun");
        // An owner named like a month.
        let e = entry(b"-rw-r--r--   1 may may 5 Jun  5 05:05 x");
        assert_eq!((&e.name[..], e.size), (&b"x"[..], Some(5)));
        assert_eq!(e.clone().into_owned(), e);
    }

    #[test]
    fn dos_variants() {
        // IIS
        let e = entry(b"01-02-24  10:30AM       <DIR>          Program Files");
        assert_eq!(
            (&e.name[..], e.is_dir, e.size),
            (&b"Program Files"[..], true, None)
        );
        let e = entry(b"12-31-2023  11:59PM             1234 report 2023.pdf");
        assert_eq!(
            (&e.name[..], e.size, e.format),
            (&b"report 2023.pdf"[..], Some(1234), ListFormat::Dos)
        );
        assert_eq!(&e.modified[..], b"12-31-2023  11:59PM");
        let e = entry(b"01/02/24  13:30 17 x");
        assert_eq!(e.size, Some(17));
    }

    #[test]
    fn other_lines_are_none() {
        for line in [
            &b"total 12"[..],
            b"",
            b"drwxr-xr-x 2 root root 4096 Jan 1 2023",
            b"drwxr-xr-x 2 root root 4096 Foo 1 2023 x",
            b"drwxr-xr-x 2 root root 4096 Jan 32 2023 x",
            b"drwxr-xr-x 2 root root 4096 Jan 1 20:3 x",
            b"xrwxr-xr-x 2 root root 4096 Jan 1 2023 x",
            b"01-02-24  10:30XM  <DIR>  x",
            b"01-02-24  10:30AM  <DIR>",
            b"01-02-24  10:30AM  12k  x",
            b"type=file; x",
        ] {
            assert_eq!(
                parse_list_line(line),
                None,
                "{:?}",
                alloc::string::ToString::to_string(&line.escape_ascii())
            );
        }
    }
}

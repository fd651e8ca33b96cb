//! [`Facts`]: the facts of an MLST/MLSD entry (RFC 3659 §7).

use alloc::string::String;
use alloc::vec::Vec;

use super::{Pathname, Text, Timestamp};

/// The name of a fact (RFC 3659 §7.5). Names are case-insensitive; unknown names are kept
/// (upper-cased) in [`FactName::Other`], OS-specific ones like `UNIX.mode` included.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FactName {
    /// `size` (§7.5.7).
    Size,
    /// `modify` (§7.5.3).
    Modify,
    /// `create` (§7.5.4).
    Create,
    /// `type` (§7.5.1).
    Type,
    /// `unique` (§7.5.2).
    Unique,
    /// `perm` (§7.5.5).
    Perm,
    /// `lang` (§7.5.6).
    Lang,
    /// `media-type` (§7.5.8).
    MediaType,
    /// `charset` (§7.5.9).
    Charset,
    /// Any other fact, its name upper-cased.
    Other(String),
}

impl FactName {
    /// The fact name for these bytes (case-insensitive).
    pub fn from_bytes(name: &[u8]) -> FactName {
        const KNOWN: [(&[u8], FactName); 9] = [
            (b"size", FactName::Size),
            (b"modify", FactName::Modify),
            (b"create", FactName::Create),
            (b"type", FactName::Type),
            (b"unique", FactName::Unique),
            (b"perm", FactName::Perm),
            (b"lang", FactName::Lang),
            (b"media-type", FactName::MediaType),
            (b"charset", FactName::Charset),
        ];
        for (k, v) in KNOWN {
            if name.eq_ignore_ascii_case(k) {
                return v;
            }
        }
        FactName::Other(
            name.iter()
                .map(|b| b.to_ascii_uppercase())
                .map(char::from)
                .collect(),
        )
    }

    /// The canonical spelling (RFC 3659 §7.5 lower case; others as stored).
    pub fn as_str(&self) -> &str {
        match self {
            FactName::Size => "size",
            FactName::Modify => "modify",
            FactName::Create => "create",
            FactName::Type => "type",
            FactName::Unique => "unique",
            FactName::Perm => "perm",
            FactName::Lang => "lang",
            FactName::MediaType => "media-type",
            FactName::Charset => "charset",
            FactName::Other(s) => s,
        }
    }
}

/// The value of the `type` fact (RFC 3659 §7.5.1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileType {
    /// `file`.
    File,
    /// `dir`.
    Dir,
    /// `cdir`: the listed directory itself.
    CurrentDir,
    /// `pdir`: a parent directory.
    ParentDir,
    /// Anything else, such as `OS.unix=symlink`, as sent.
    Other(String),
}

/// One `name=value` fact.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fact<'a> {
    /// The fact name.
    pub name: FactName,
    /// The value as sent.
    pub value: Text<'a>,
}

/// An MLST/MLSD entry: its facts and its path name (RFC 3659 §7.2 `entry`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Facts<'a> {
    /// The facts, in the order sent.
    pub facts: Vec<Fact<'a>>,
    /// The path name after the single space.
    pub pathname: Pathname<'a>,
}

impl<'a> Facts<'a> {
    /// The raw value of a fact.
    pub fn get(&self, name: &FactName) -> Option<&Text<'a>> {
        self.facts
            .iter()
            .find(|f| &f.name == name)
            .map(|f| &f.value)
    }

    /// The `size` fact as a number.
    pub fn size(&self) -> Option<u64> {
        let v = self.get(&FactName::Size)?;
        core::str::from_utf8(v.as_bytes()).ok()?.parse().ok()
    }

    /// The `type` fact.
    pub fn file_type(&self) -> Option<FileType> {
        let v = self.get(&FactName::Type)?.as_bytes();
        Some(if v.eq_ignore_ascii_case(b"file") {
            FileType::File
        } else if v.eq_ignore_ascii_case(b"dir") {
            FileType::Dir
        } else if v.eq_ignore_ascii_case(b"cdir") {
            FileType::CurrentDir
        } else if v.eq_ignore_ascii_case(b"pdir") {
            FileType::ParentDir
        } else {
            FileType::Other(String::from_utf8_lossy(v).into_owned())
        })
    }

    /// The `modify` fact as a timestamp, if it parses (RFC 3659 §2.3).
    pub fn modify(&self) -> Option<Timestamp> {
        crate::codec::parse_timestamp(self.get(&FactName::Modify)?.as_bytes()).ok()
    }

    /// The `create` fact as a timestamp, if it parses (RFC 3659 §7.5.4, §2.3).
    pub fn create(&self) -> Option<Timestamp> {
        crate::codec::parse_timestamp(self.get(&FactName::Create)?.as_bytes()).ok()
    }

    /// The `unique` fact (RFC 3659 §7.5.2): equal values name the same file.
    pub fn unique(&self) -> Option<&[u8]> {
        Some(self.get(&FactName::Unique)?.as_bytes())
    }

    /// An owned copy.
    pub fn into_owned(self) -> Facts<'static> {
        Facts {
            facts: self
                .facts
                .into_iter()
                .map(|f| Fact {
                    name: f.name,
                    value: f.value.into_owned(),
                })
                .collect(),
            pathname: self.pathname.into_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::parse_facts;

    #[test]
    fn names_are_case_insensitive_and_canonical() {
        assert_eq!(FactName::from_bytes(b"SIZE"), FactName::Size);
        assert_eq!(FactName::from_bytes(b"Media-Type"), FactName::MediaType);
        assert_eq!(
            FactName::from_bytes(b"unix.mode"),
            FactName::Other("UNIX.MODE".into())
        );
        assert_eq!(FactName::from_bytes(b"CharSet").as_str(), "charset");
    }

    #[test]
    fn typed_accessors() {
        // RFC 3659 §7.7.5 and §7.5: facts in any case, values as sent.
        let e = parse_facts(
            b"TYPE=File;Size=1830;Modify=19990929003355.237;Create=19980101000000;Unique=keVO1+8G4; f",
        )
        .unwrap();
        assert_eq!(e.file_type(), Some(FileType::File));
        assert_eq!(e.size(), Some(1830));
        assert_eq!(e.modify().unwrap().nanos(), 237_000_000);
        assert_eq!(e.create().unwrap().year(), 1998);
        assert_eq!(e.unique(), Some(&b"keVO1+8G4"[..]));
        assert_eq!(e.get(&FactName::Perm), None);
        let owned: Facts<'static> = e.clone().into_owned();
        assert_eq!(owned, e);
        // Unparsable values are absent, not errors.
        let e = parse_facts(b"size=12k;modify=yesterday;type=pdir; ..").unwrap();
        assert_eq!((e.size(), e.modify()), (None, None));
        assert_eq!(e.file_type(), Some(FileType::ParentDir));
    }
}

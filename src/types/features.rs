//! [`Features`]: what a server said it supports in its FEAT reply (RFC 2389 §3).

use alloc::string::String;
use alloc::vec::Vec;

use super::{FactName, Mechanism, Text};

/// One feature line of a FEAT reply: a name (case-insensitive, kept upper-cased) and its
/// parameters as sent (RFC 2389 §3.2: `feat-name [SP feat-params]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Feature {
    name: String,
    parameters: Text<'static>,
}

impl Feature {
    /// A feature from its name (letters, digits, `-`, `.`, `_`; upper-cased here) and
    /// parameters. Returns `None` if the name is empty or has other bytes.
    pub fn new(name: &[u8], parameters: Text<'_>) -> Option<Self> {
        if name.is_empty()
            || !name
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'+'))
        {
            return None;
        }
        let name = name
            .iter()
            .map(|b| b.to_ascii_uppercase() as char)
            .collect();
        Some(Feature {
            name,
            parameters: parameters.into_owned(),
        })
    }

    /// The feature name, upper-cased (`MLST`, `REST`, `UTF8`...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters as sent (may be empty).
    pub fn parameters(&self) -> &Text<'static> {
        &self.parameters
    }
}

/// The features a server announced (RFC 2389 §3), with typed accessors for those this crate
/// acts on. Order is kept; names compare case-insensitively.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Features {
    list: Vec<Feature>,
}

impl Features {
    /// No features (also what a server that answers FEAT with 500 or 502 supports).
    pub const fn new() -> Self {
        Features { list: Vec::new() }
    }

    /// Adds a feature; a repeated name replaces the earlier one.
    pub fn insert(&mut self, feature: Feature) {
        if let Some(f) = self.list.iter_mut().find(|f| f.name == feature.name) {
            *f = feature;
        } else {
            self.list.push(feature);
        }
    }

    /// Every feature, in the order announced.
    pub fn iter(&self) -> impl Iterator<Item = &Feature> {
        self.list.iter()
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when nothing was announced.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The feature of this name (case-insensitive), if announced.
    pub fn get(&self, name: &str) -> Option<&Feature> {
        self.list.iter().find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// True if a feature of this name (case-insensitive) was announced.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// `UTF8` (RFC 2640 §3.3).
    pub fn utf8(&self) -> bool {
        self.contains("UTF8")
    }
    /// `EPSV` (RFC 2428; announced by many servers, though RFC 2428 predates FEAT).
    pub fn epsv(&self) -> bool {
        self.contains("EPSV")
    }
    /// `EPRT`.
    pub fn eprt(&self) -> bool {
        self.contains("EPRT")
    }
    /// `SIZE` (RFC 3659 §4).
    pub fn size(&self) -> bool {
        self.contains("SIZE")
    }
    /// `MDTM` (RFC 3659 §3).
    pub fn mdtm(&self) -> bool {
        self.contains("MDTM")
    }
    /// `MFMT` (draft-somers-ftp-mfxx).
    pub fn mfmt(&self) -> bool {
        self.contains("MFMT")
    }
    /// `REST STREAM` (RFC 3659 §5.4).
    pub fn rest_stream(&self) -> bool {
        self.get("REST").is_some_and(|f| {
            f.parameters
                .as_bytes()
                .split(|b| *b == b' ')
                .any(|w| w.eq_ignore_ascii_case(b"STREAM"))
        })
    }
    /// `TVFS` (RFC 3659 §6).
    pub fn tvfs(&self) -> bool {
        self.contains("TVFS")
    }
    /// `HOST` (RFC 7151 §3.1).
    pub fn host(&self) -> bool {
        self.contains("HOST")
    }
    /// `PBSZ` (RFC 4217 §6).
    pub fn pbsz(&self) -> bool {
        self.contains("PBSZ")
    }
    /// `CCC` (RFC 4217 §12).
    pub fn ccc(&self) -> bool {
        self.contains("CCC")
    }
    /// `PROT` (RFC 4217 §6).
    pub fn prot(&self) -> bool {
        self.contains("PROT")
    }
    /// `LANG` with its language tags (RFC 2640 §4.1).
    pub fn lang(&self) -> bool {
        self.contains("LANG")
    }

    /// The AUTH mechanisms of an `AUTH TLS;TLS-C;SSL` style line (RFC 4217 §6), in order.
    pub fn auth_mechanisms(&self) -> Vec<Mechanism<'static>> {
        self.get("AUTH")
            .map(|f| {
                f.parameters
                    .as_bytes()
                    .split(|b| *b == b';' || *b == b',' || *b == b' ')
                    .filter_map(|m| Mechanism::new(m).ok().map(Mechanism::into_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The facts of an `MLST size*;modify*;type*;` line (RFC 3659 §7.8), with whether each
    /// is enabled by default (marked `*`). `None` when MLST is not announced.
    pub fn mlst_facts(&self) -> Option<Vec<(FactName, bool)>> {
        let f = self.get("MLST")?;
        Some(
            f.parameters
                .as_bytes()
                .split(|b| *b == b';')
                .filter(|s| !s.is_empty())
                .map(|s| match s.strip_suffix(b"*") {
                    Some(n) => (FactName::from_bytes(n), true),
                    None => (FactName::from_bytes(s), false),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(lines: &[(&str, &str)]) -> Features {
        let mut f = Features::new();
        for (n, p) in lines {
            f.insert(Feature::new(n.as_bytes(), Text::try_from(*p).unwrap()).unwrap());
        }
        f
    }

    #[test]
    fn typed_accessors() {
        let f = feats(&[
            ("mdtm", ""),
            ("REST", "STREAM"),
            ("MLST", "type*;size*;modify*;UNIX.mode;"),
            ("AUTH", "TLS;SSL"),
            ("UTF8", ""),
        ]);
        assert!(f.mdtm() && f.rest_stream() && f.utf8() && !f.epsv() && !f.size());
        assert_eq!(
            f.auth_mechanisms(),
            alloc::vec![Mechanism::TLS, Mechanism::SSL]
        );
        let m = f.mlst_facts().unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!(m[0], (FactName::Type, true));
        assert!(!m[3].1);
        assert!(Feature::new(b"", Text::EMPTY).is_none());
        assert!(Feature::new(b"A B", Text::EMPTY).is_none());
    }

    #[test]
    fn rest_without_stream_is_not_rest_stream() {
        assert!(!feats(&[("REST", "")]).rest_stream());
    }
}

//! [`Features`]: what a server said it supports in its FEAT reply (RFC 2389 §3).

use alloc::string::String;
use alloc::vec::Vec;

use super::{FactName, LanguageTag, Mechanism, Text};

/// One feature line of a FEAT reply: a name (case-insensitive, kept upper-cased) and its
/// parameters as sent (RFC 2389 §3.2: `feat-name [SP feat-params]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Feature {
    name: String,
    parameters: Text<'static>,
}

impl Feature {
    /// A feature from its label and parameters (RFC 2389 §3.2: `feature-label = 1*VCHAR`,
    /// visible ASCII; upper-cased here, since labels are compared case-insensitively).
    /// Returns `None` if the label is empty or holds another byte (a space, a control
    /// character, a non-ASCII byte).
    pub fn new(name: &[u8], parameters: Text<'_>) -> Option<Self> {
        if name.is_empty() || !name.iter().all(u8::is_ascii_graphic) {
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
/// acts on. Order is kept; names compare case-insensitively. A label may be announced on
/// several lines (some servers send ` AUTH TLS` and ` AUTH SSL` separately): every line is
/// kept, [`Features::get`] gives the first and [`Features::get_all`] all of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Features {
    list: Vec<Feature>,
}

impl Features {
    /// No features (also what a server that answers FEAT with 500 or 502 supports).
    pub const fn new() -> Self {
        Features { list: Vec::new() }
    }

    /// Adds a feature line; an exact repeat (same label and parameters) is ignored.
    pub fn insert(&mut self, feature: Feature) {
        if !self.list.contains(&feature) {
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

    /// Every line announcing a feature of this name (case-insensitive), in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Feature> + 's {
        self.list
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
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
        self.get_all("REST").any(|f| {
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

    /// The AUTH mechanisms of `AUTH TLS;TLS-C;SSL` style lines (RFC 4217 §6), in order,
    /// from every AUTH line, without repeats.
    pub fn auth_mechanisms(&self) -> Vec<Mechanism<'static>> {
        let mut out: Vec<Mechanism<'static>> = Vec::new();
        for f in self.get_all("AUTH") {
            let words = f
                .parameters
                .as_bytes()
                .split(|b| *b == b';' || *b == b',' || *b == b' ');
            for m in words.filter_map(|m| Mechanism::new(m).ok()) {
                if !out.iter().any(|o| o.eq_ignore_ascii_case(m.as_bytes())) {
                    out.push(m.into_owned());
                }
            }
        }
        out
    }

    /// The language tags of a `LANG EN*;FR` line (RFC 2640 §4.3), with whether each is the
    /// one in use (marked `*`). Tags that do not fit the grammar are skipped. `None` when
    /// LANG is not announced.
    pub fn languages(&self) -> Option<Vec<(LanguageTag, bool)>> {
        let f = self.get("LANG")?;
        Some(
            f.parameters()
                .as_bytes()
                .split(|b| *b == b';')
                .filter_map(|t| {
                    let (t, current) = match t.strip_suffix(b"*") {
                        Some(t) => (t, true),
                        None => (t, false),
                    };
                    LanguageTag::new(t).ok().map(|tag| (tag, current))
                })
                .collect(),
        )
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
        assert!(Feature::new(b"X\xe9", Text::EMPTY).is_none());
        assert_eq!(
            Feature::new(b"x-Sig*", Text::EMPTY).unwrap().name(),
            "X-SIG*"
        );
    }

    #[test]
    fn repeated_labels_are_all_kept() {
        // S:  AUTH TLS
        // S:  AUTH SSL
        // S:  REST
        // S:  REST STREAM
        let f = feats(&[
            ("AUTH", "TLS"),
            ("AUTH", "SSL"),
            ("REST", ""),
            ("REST", "STREAM"),
            ("AUTH", "tls"),
        ]);
        assert_eq!(
            f.auth_mechanisms(),
            alloc::vec![Mechanism::TLS, Mechanism::SSL]
        );
        assert!(f.rest_stream());
        assert_eq!(f.get_all("auth").count(), 3);
        assert_eq!(f.get("AUTH").unwrap().parameters().as_bytes(), b"TLS");
        let mut g = f.clone();
        g.insert(Feature::new(b"auth", Text::try_from("TLS").unwrap()).unwrap());
        assert_eq!(g, f, "an exact repeat is ignored");
    }

    #[test]
    fn languages_of_the_lang_line() {
        // S:  LANG EN*;FR;de-CH;bad_tag     (RFC 2640 §4.3.1)
        let f = feats(&[("LANG", "EN*;FR;de-CH;bad_tag")]);
        let l = f.languages().unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[0], (LanguageTag::english(), true));
        assert_eq!(l[2].0.as_text().as_bytes(), b"de-CH");
        assert!(!l[2].1);
        assert!(feats(&[("UTF8", "")]).languages().is_none());
    }

    #[test]
    fn rest_without_stream_is_not_rest_stream() {
        assert!(!feats(&[("REST", "")]).rest_stream());
    }
}

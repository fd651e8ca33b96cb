//! [`LanguageTag`]: the argument of `LANG` and the tags of FEAT's `LANG` line (RFC 2640 §4.2,
//! §4.3).
//!
//! Owns the tag grammar and the case-insensitive comparison of tags. Must not decide which
//! languages a server offers (that is the server's [`crate::server::Config`]).

use core::fmt;

use super::Text;

/// A language tag (RFC 2640 §4.2, after RFC 1766):
///
/// ```text
/// lang-tag    = Primary-tag *( "-" Sub-tag)
/// Primary-tag = 1*8ALPHA
/// Sub-tag     = 1*8ALPHA
/// ```
///
/// Tags compare case-insensitively ([`LanguageTag::matches`]); the tag keeps the case it was
/// given.
///
/// ```
/// use ftps_proto::types::LanguageTag;
///
/// let tag = LanguageTag::try_from("en-US").unwrap();
/// assert_eq!(tag.primary(), b"en");
/// assert!(tag.matches(&LanguageTag::try_from("EN-us").unwrap()));
/// assert!(LanguageTag::try_from("en_US").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LanguageTag(Text<'static>);

/// Why a value is not a [`LanguageTag`]: the byte at `offset` does not fit the grammar (or a
/// part is empty or longer than 8 letters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("not a language tag (RFC 2640 section 4.2) at byte {offset}")]
pub struct InvalidLanguageTag {
    /// Where it went wrong.
    pub offset: usize,
}

impl LanguageTag {
    /// English, the default language RFC 2640 §4.1 recommends.
    pub fn english() -> LanguageTag {
        LanguageTag(Text::from_static("EN"))
    }

    /// Checks `bytes`.
    pub fn new(bytes: &[u8]) -> Result<LanguageTag, InvalidLanguageTag> {
        let mut start = 0;
        for part in bytes.split(|&b| b == b'-') {
            if part.is_empty() || part.len() > 8 {
                return Err(InvalidLanguageTag {
                    offset: start + part.len().min(8),
                });
            }
            if let Some(i) = part.iter().position(|b| !b.is_ascii_alphabetic()) {
                return Err(InvalidLanguageTag { offset: start + i });
            }
            start += part.len() + 1;
        }
        Ok(LanguageTag(Text::new_unchecked(bytes.to_vec())))
    }

    /// The tag as text.
    pub fn as_text(&self) -> &Text<'static> {
        &self.0
    }

    /// The primary tag (`en` of `en-US`).
    pub fn primary(&self) -> &[u8] {
        let b = self.0.as_bytes();
        b.split(|&c| c == b'-').next().unwrap_or(b)
    }

    /// Whether both name the same language, ignoring case (RFC 2640 §4.2).
    pub fn matches(&self, other: &LanguageTag) -> bool {
        self.0.as_bytes().eq_ignore_ascii_case(other.0.as_bytes())
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(core::str::from_utf8(self.0.as_bytes()).unwrap_or(""))
    }
}

impl TryFrom<&str> for LanguageTag {
    type Error = InvalidLanguageTag;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        LanguageTag::new(s.as_bytes())
    }
}

impl TryFrom<&[u8]> for LanguageTag {
    type Error = InvalidLanguageTag;
    fn try_from(b: &[u8]) -> Result<Self, Self::Error> {
        LanguageTag::new(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        for ok in ["EN", "en", "en-US", "zh-Hant-TW", "abcdefgh-abcdefgh"] {
            assert!(LanguageTag::try_from(ok).is_ok(), "{ok}");
        }
        for (bad, offset) in [
            ("", 0),
            ("en-", 3),
            ("-en", 0),
            ("abcdefghi", 8),
            ("en-U5", 4),
            ("en US", 2),
            ("e1", 1),
        ] {
            assert_eq!(
                LanguageTag::try_from(bad),
                Err(InvalidLanguageTag { offset }),
                "{bad}"
            );
        }
        assert_eq!(LanguageTag::try_from("fr-CA").unwrap().primary(), b"fr");
        assert_eq!(LanguageTag::english().as_text().as_bytes(), b"EN");
    }
}

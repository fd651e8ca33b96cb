//! Validated byte strings that may stand on a control-connection line.
//!
//! Every argument that reaches the wire is one of these newtypes. Their constructors reject
//! CR, LF and NUL, so an encoder can never be made to emit a second command or reply line
//! (RFC 959 §4.1.3: `<string> ::= <char> | <char><string>`, `<char>` excludes CR and LF;
//! NUL is rejected because many peers treat it as a line end). The one exception is a CR in
//! a [`Pathname`] (RFC 2640 §3.1), which the command encoder sends as `CR NUL`, so it cannot
//! end the line either. 0xFF is allowed: encoders double it (`IAC IAC`, RFC 959 §4.1, RFC
//! 1123 §4.1.2.12).
//!
//! Values are bytes, not `str`: path names on real servers are not always UTF-8 (RFC 2640
//! §2.2). Borrowed (`Cow::Borrowed`) on the decoding hot path; `into_owned` for storage.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

/// Why a byte string was refused by a validated constructor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidText {
    /// A CR, LF or NUL at this byte offset: it would end the line early.
    #[error("byte 0x{byte:02x} at offset {offset} may not stand on a control line")]
    LineBreak {
        /// Offset of the offending byte.
        offset: usize,
        /// The byte (0x0d, 0x0a or 0x00).
        byte: u8,
    },
    /// The value may not be empty.
    #[error("the value may not be empty")]
    Empty,
    /// A byte that this kind of value does not allow (for example a space in a verb).
    #[error("byte 0x{byte:02x} at offset {offset} is not allowed here")]
    Forbidden {
        /// Offset of the offending byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// Longer than this kind of value allows.
    #[error("longer than {max} bytes")]
    TooLong {
        /// The maximum length.
        max: usize,
    },
}

fn check_line(bytes: &[u8]) -> Result<(), InvalidText> {
    match bytes
        .iter()
        .position(|&b| b == b'\r' || b == b'\n' || b == 0)
    {
        Some(offset) => Err(InvalidText::LineBreak {
            offset,
            byte: bytes[offset],
        }),
        None => Ok(()),
    }
}

/// A path name may hold a CR (RFC 2640 §3.1: it travels as `CR NUL`), never LF or NUL.
fn check_path(bytes: &[u8]) -> Result<(), InvalidText> {
    match bytes.iter().position(|&b| b == b'\n' || b == 0) {
        Some(offset) => Err(InvalidText::LineBreak {
            offset,
            byte: bytes[offset],
        }),
        None => Ok(()),
    }
}

fn check_nonempty(bytes: &[u8]) -> Result<(), InvalidText> {
    if bytes.is_empty() {
        Err(InvalidText::Empty)
    } else {
        Ok(())
    }
}

fn check_token(bytes: &[u8], max: usize) -> Result<(), InvalidText> {
    check_nonempty(bytes)?;
    if bytes.len() > max {
        return Err(InvalidText::TooLong { max });
    }
    match bytes.iter().position(|&b| !b.is_ascii_graphic()) {
        Some(offset) => Err(InvalidText::Forbidden {
            offset,
            byte: bytes[offset],
        }),
        None => Ok(()),
    }
}

macro_rules! validated_bytes {
    (
        $(#[$meta:meta])*
        $name:ident, check = $check:expr, debug = $debug:ident
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name<'a>(Cow<'a, [u8]>);

        impl<'a> $name<'a> {
            /// Validates and wraps borrowed or owned bytes.
            pub fn new(bytes: impl Into<Cow<'a, [u8]>>) -> Result<Self, InvalidText> {
                let bytes = bytes.into();
                let check: fn(&[u8]) -> Result<(), InvalidText> = $check;
                check(&bytes)?;
                Ok($name(bytes))
            }

            /// Wraps bytes that were already validated by the caller's own parser.
            ///
            /// Debug builds re-check; release builds trust the caller. Crate-private so the
            /// public API can never construct an invalid value.
            #[allow(dead_code)]
            pub(crate) fn new_unchecked(bytes: impl Into<Cow<'a, [u8]>>) -> Self {
                let bytes = bytes.into();
                let check: fn(&[u8]) -> Result<(), InvalidText> = $check;
                debug_assert!(check(&bytes).is_ok(), "invalid {}", stringify!($name));
                $name(bytes)
            }

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The value as UTF-8, if it is.
            pub fn to_str(&self) -> Option<&str> {
                core::str::from_utf8(&self.0).ok()
            }

            /// An owned copy that borrows nothing.
            pub fn into_owned(self) -> $name<'static> {
                $name(Cow::Owned(self.0.into_owned()))
            }

            /// A copy that borrows from `self`.
            pub fn borrow(&self) -> $name<'_> {
                $name(Cow::Borrowed(&self.0))
            }

            /// The inner bytes.
            pub fn into_inner(self) -> Cow<'a, [u8]> {
                self.0
            }
        }

        impl<'a> TryFrom<&'a str> for $name<'a> {
            type Error = InvalidText;
            fn try_from(s: &'a str) -> Result<Self, InvalidText> {
                $name::new(s.as_bytes())
            }
        }

        impl<'a> TryFrom<&'a [u8]> for $name<'a> {
            type Error = InvalidText;
            fn try_from(s: &'a [u8]) -> Result<Self, InvalidText> {
                $name::new(s)
            }
        }

        impl TryFrom<alloc::string::String> for $name<'static> {
            type Error = InvalidText;
            fn try_from(s: alloc::string::String) -> Result<Self, InvalidText> {
                $name::new(s.into_bytes())
            }
        }

        impl TryFrom<Vec<u8>> for $name<'static> {
            type Error = InvalidText;
            fn try_from(s: Vec<u8>) -> Result<Self, InvalidText> {
                $name::new(s)
            }
        }

        impl AsRef<[u8]> for $name<'_> {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        validated_bytes!(@debug $name, $debug);

        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name<'static> {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                let raw: Vec<u8> = u.arbitrary()?;
                let check: fn(&[u8]) -> Result<(), InvalidText> = $check;
                // Valid by construction: map forbidden bytes to printable ones, then fall back
                // to a fixed valid value if the rules still refuse it.
                let mapped: Vec<u8> = raw
                    .into_iter()
                    .take(64)
                    .map(|b| if b == b'\r' || b == b'\n' || b == 0 { b'_' } else { b })
                    .collect();
                match check(&mapped) {
                    Ok(()) => Ok($name(Cow::Owned(mapped))),
                    Err(_) => {
                        let alt: Vec<u8> = mapped
                            .iter()
                            .map(|b| if b.is_ascii_graphic() { *b } else { b'x' })
                            .take(16)
                            .collect();
                        if check(&alt).is_ok() {
                            Ok($name(Cow::Owned(alt)))
                        } else {
                            Ok($name(Cow::Owned(b"x".to_vec())))
                        }
                    }
                }
            }
        }
    };
    (@debug $name:ident, plain) => {
        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(\"{}\")", stringify!($name), self.0.escape_ascii())
            }
        }
    };
    (@debug $name:ident, redacted) => {
        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(<redacted>)", stringify!($name))
            }
        }
    };
}

validated_bytes! {
    /// A path name argument (RFC 959 §5.3.2 `<pathname>`): any bytes but LF and NUL, at
    /// least one byte. A CR is allowed: RFC 2640 §3.1 ("When a \<CR\> character is encountered
    /// as part of a pathname it MUST be padded with a \<NUL\> character prior to sending the
    /// command"), so the command encoder sends it as `CR NUL` and both command decoders
    /// read that back as the CR. Interpretation (separators, UTF-8) is the server's.
    Pathname, check = |b| { check_nonempty(b)?; check_path(b) }, debug = plain
}

validated_bytes! {
    /// A user name (RFC 959 §4.1.1 USER): any bytes but CR, LF and NUL, at least one byte.
    Username, check = |b| { check_nonempty(b)?; check_line(b) }, debug = plain
}

validated_bytes! {
    /// A password (RFC 959 §4.1.1 PASS): any bytes but CR, LF and NUL; may be empty.
    ///
    /// Its `Debug` output never shows the secret.
    Password, check = check_line, debug = redacted
}

validated_bytes! {
    /// An account (RFC 959 §4.1.1 ACCT): any bytes but CR, LF and NUL, at least one byte.
    ///
    /// Its `Debug` output never shows the value (accounts often carry billing secrets).
    Account, check = |b| { check_nonempty(b)?; check_line(b) }, debug = redacted
}

validated_bytes! {
    /// Free text on one line: reply text, SITE and HELP arguments, HOST names, base64 security
    /// data (ADAT, MIC, CONF, ENC), OPTS arguments. Any bytes but CR, LF and NUL; may be empty.
    Text, check = check_line, debug = plain
}

validated_bytes! {
    /// A command verb as sent (RFC 959 §5.3.1: an alphabetic string of 3 or 4 characters;
    /// unknown verbs are kept as printable ASCII up to 16 bytes).
    Verb, check = |b| check_token(b, 16), debug = plain
}

validated_bytes! {
    /// A security mechanism name for AUTH (RFC 2228 §3: `TLS`, `SSL`, `TLS-C`, `GSSAPI`...):
    /// printable ASCII without spaces, up to 64 bytes. Compare with
    /// [`Mechanism::eq_ignore_ascii_case`].
    Mechanism, check = |b| check_token(b, 64), debug = plain
}

impl Mechanism<'_> {
    /// `AUTH TLS` (RFC 4217 §4).
    pub const TLS: Mechanism<'static> = Mechanism(Cow::Borrowed(b"TLS"));
    /// `AUTH SSL` (historic; still accepted by many servers).
    pub const SSL: Mechanism<'static> = Mechanism(Cow::Borrowed(b"SSL"));

    /// Case-insensitive comparison (mechanism names are case-insensitive, RFC 2228 §3).
    pub fn eq_ignore_ascii_case(&self, other: &[u8]) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Verb<'_> {
    /// Case-insensitive comparison (verbs are case-insensitive, RFC 959 §5.3).
    pub fn eq_ignore_ascii_case(&self, other: &[u8]) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Text<'_> {
    /// The empty text.
    pub const EMPTY: Text<'static> = Text(Cow::Borrowed(b""));

    /// A text from a `&'static str` known at compile time to be valid.
    ///
    /// # Panics
    /// If the string contains CR, LF or NUL (a programming error caught by tests).
    pub fn from_static(s: &'static str) -> Text<'static> {
        match Text::new(s.as_bytes()) {
            Ok(t) => t,
            Err(e) => panic!("invalid static text {s:?}: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn line_breaks_are_refused_with_offset() {
        // A path name may hold a CR (RFC 2640 §3.1), never LF or NUL.
        assert_eq!(
            Pathname::new(&b"a\r\nDELE x"[..]),
            Err(InvalidText::LineBreak {
                offset: 2,
                byte: b'\n'
            })
        );
        assert!(Pathname::new(&b"a\rb"[..]).is_ok());
        assert_eq!(
            Pathname::new(&b"a\0"[..]),
            Err(InvalidText::LineBreak { offset: 1, byte: 0 })
        );
        assert_eq!(
            Text::new(&b"a\rb"[..]),
            Err(InvalidText::LineBreak {
                offset: 1,
                byte: b'\r'
            })
        );
        assert_eq!(
            Username::try_from("bob\n"),
            Err(InvalidText::LineBreak {
                offset: 3,
                byte: b'\n'
            })
        );
        assert_eq!(
            Text::try_from("a\0b"),
            Err(InvalidText::LineBreak { offset: 1, byte: 0 })
        );
        assert_eq!(Pathname::try_from(""), Err(InvalidText::Empty));
        assert!(Password::try_from("").is_ok());
        assert!(Pathname::new(&[0xffu8, b'a'][..]).is_ok());
    }

    #[test]
    fn tokens_are_printable_ascii() {
        assert!(Verb::try_from("XCUP").is_ok());
        assert_eq!(
            Verb::try_from("A B"),
            Err(InvalidText::Forbidden {
                offset: 1,
                byte: b' '
            })
        );
        assert_eq!(
            Verb::try_from("ABCDEFGHIJKLMNOPQ"),
            Err(InvalidText::TooLong { max: 16 })
        );
        assert!(Mechanism::TLS.eq_ignore_ascii_case(b"tls"));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let p = Password::try_from("hunter2").unwrap();
        let a = Account::try_from("acct-secret").unwrap();
        let shown = format!("{p:?} {a:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("acct-secret"),
            "{shown}"
        );
        assert_eq!(
            format!("{:?}", Pathname::try_from("a\"b").unwrap()),
            "Pathname(\"a\\\"b\")"
        );
    }

    #[test]
    fn owned_and_borrowed() {
        let v = alloc::vec![b'a', b'b'];
        let p = Pathname::new(&v[..]).unwrap();
        let owned: Pathname<'static> = p.clone().into_owned();
        assert_eq!(owned, p);
        assert_eq!(p.to_str(), Some("ab"));
    }
}

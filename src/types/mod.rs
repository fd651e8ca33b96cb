//! Validated values: the vocabulary of the whole crate.
//!
//! This module owns plain data types whose constructors check every invariant the protocol
//! needs (no LF, NUL or unescaped CR inside anything that is put on a control line, reply codes in
//! range, ...). It must not parse wire formats (that is [`crate::codec`]) and must not do I/O.

mod channel;
mod facts;
mod features;
mod host;
mod instant;
mod lang;
mod reply_code;
mod text;
mod timestamp;
mod transfer;

pub use channel::{Channel, DataEnd, TlsRole};
pub use facts::{Fact, FactName, Facts, FileType};
pub use features::{Feature, Features};
pub use host::{Hostname, InvalidHostname};
pub use instant::Instant;
pub use lang::{InvalidLanguageTag, LanguageTag};
pub use reply_code::{Category, FunctionGroup, ReplyCode};
pub use text::{Account, InvalidText, Mechanism, Password, Pathname, Text, Username, Verb};
pub use timestamp::{InvalidTimestamp, Timestamp};
pub use transfer::{
    AllocSize, EpsvArgument, FormatControl, Mode, NetworkProtocol, Prot, Structure, TransferType,
};

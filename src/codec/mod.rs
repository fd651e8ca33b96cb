//! The codec: control-connection bytes to typed values and back.
//!
//! Owns line framing (CRLF, a tolerated lone LF, Telnet IAC, bounded length), the command and
//! reply grammars, and the payload grammars of particular replies (227, 229, 257, FEAT, SIZE,
//! MDTM, MLSx facts, LIST lines, the 150 size hint). It must not keep session state, read a
//! clock or do I/O. nom is an implementation detail: its types never appear in this API.
//!
//! Decoding is streaming: functions take `&'a [u8]` and return the unconsumed remainder with a
//! value borrowing from the input, and [`DecodeError::Incomplete`] (need more bytes) is
//! distinct from every error that means the bytes are wrong. Encoding is the exact inverse of
//! decoding and cannot emit a second line: every argument is a validated value from
//! [`crate::types`].

mod command;
mod command_line;
mod error;
mod line;
mod payload;
mod reply;
mod scan;

pub use command::Command;
pub use command_line::{CommandDecoder, CommandLine};
pub use error::{CommandError, DecodeError, Expected};
pub use line::{Limits, TelnetSignal};
pub use payload::{
    encode_facts, encode_timestamp, epsv_reply, feat_reply, mdtm_reply, mlst_reply,
    parse_epsv_reply, parse_facts, parse_feat_reply, parse_feature_line, parse_list_line,
    parse_mdtm_reply, parse_mlst_reply, parse_opening_size_hint, parse_pasv_reply,
    parse_pathname_reply, parse_protocols_reply, parse_size_reply, parse_timestamp,
    parse_unique_name, pasv_reply, pathname_reply, protocols_reply, size_reply, ListEntry,
    ListFormat, PayloadError,
};
pub use reply::{
    decode_reply, is_code_only_line, strip_repeated_prefix, Lines, Reply, ReplyDecoder,
};

pub use command::decode_command;

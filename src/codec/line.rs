//! Line framing shared by both directions: CRLF (a lone LF tolerated), Telnet IAC handling
//! (RFC 959 §4.1, RFC 1123 §4.1.2.12) and memory bounds.
//!
//! SKELETON: to be implemented (owner: command codec helper).

/// Memory bounds for the streaming decoders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Maximum bytes in one line, line end excluded. An overlong line is an error and the
    /// decoder resynchronises at the next line end. Default: 4096.
    pub max_line_len: usize,
    /// Maximum lines in one multi-line reply. Default: 1024.
    pub max_reply_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_len: 4096,
            max_reply_lines: 1024,
        }
    }
}

impl Limits {
    /// Sets the maximum line length.
    pub fn with_max_line_len(mut self, n: usize) -> Self {
        self.max_line_len = n;
        self
    }
    /// Sets the maximum number of lines in one reply.
    pub fn with_max_reply_lines(mut self, n: usize) -> Self {
        self.max_reply_lines = n;
        self
    }
}

/// A Telnet signal removed from the control stream (RFC 854), surfaced to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TelnetSignal {
    /// `IAC IP`: interrupt process (sent before ABOR, RFC 959 §4.1.3).
    InterruptProcess,
    /// `IAC DM`: data mark, the end of a Synch (sent before ABOR).
    DataMark,
    /// `IAC WILL/WONT/DO/DONT <option>`: option negotiation, which FTP does not use.
    Negotiation {
        /// 251 WILL, 252 WONT, 253 DO, 254 DONT.
        verb: u8,
        /// The option code.
        option: u8,
    },
    /// Any other `IAC <command>` (AO, AYT, EC, EL, GA, NOP, BRK...).
    Other(u8),
}

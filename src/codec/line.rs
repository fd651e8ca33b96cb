//! Line framing shared by both directions: CRLF (a lone LF tolerated), Telnet IAC handling
//! (RFC 959 §4.1, RFC 1123 §4.1.2.12) and memory bounds.
//!
//! Owns [`LineFramer`]: it turns the raw control-connection byte stream into a *clean* stream
//! (Telnet commands removed, `IAC IAC` turned into one 0xFF data byte) held in one reusable
//! buffer, and cuts that clean stream into lines. It must not parse commands or replies (that
//! is `command`, `command_line` and `reply`) and keeps no session state.
//!
//! # Decisions (each one documented here, tested below)
//!
//! - **Telnet at feed time, in place.** [`LineFramer::feed`] runs a byte state machine
//!   (normal / after IAC / after IAC WILL|WONT|DO|DONT; or its bulk path, below) that appends
//!   clean bytes to the buffer and records every removed Telnet command as a [`TelnetSignal`]
//!   with its position in the clean stream. Lines are then plain slices of the buffer: no
//!   allocation per line, even when the line had Telnet escapes in it. State carries across
//!   `feed` calls, so a chunk may end after a lone IAC, between `IAC DO` and its option byte,
//!   or between CR and LF.
//! - **`IAC SB`** (subnegotiation, which FTP never uses) is reported as
//!   [`TelnetSignal::Other`]`(250)`; the bytes after it are *not* swallowed up to `IAC SE`,
//!   because a peer that never sends `IAC SE` would otherwise make every later command vanish.
//! - **Line ends** (RFC 959 §4.1 and §4.2 say CRLF; RFC 1123 §4.1.2.12 asks us to be liberal):
//!   a line ends at LF; a CR just before that LF is part of the line end, not of the content.
//!   A lone LF therefore ends a line too. A CR that is *not* followed by LF stays in the
//!   content (the command and reply parsers refuse it where a line may not carry it).
//! - **CR NUL** is how Telnet NVT (RFC 854, "The NVT printer and keyboard") sends a bare
//!   carriage return: the NUL is removed at feed time and the CR stays in the content as a
//!   bare CR. Consequently `CR NUL LF` ends a line exactly like `CR LF`: in NVT terms it is a
//!   carriage return followed by a line feed.
//! - **Bounded memory.** The unterminated tail of the buffer never holds more than
//!   `max_line_len` content bytes (plus one CR that may be the start of the line end). When a
//!   line grows beyond that, its bytes are dropped from the buffer, a [`Frame::TooLong`] is
//!   queued at the position where the line started, and every byte up to and including the
//!   next LF is discarded without being stored: the framer then resynchronises on the next
//!   line. Complete lines that arrive together in one big `feed` are all kept (the caller
//!   already holds them in memory) until they are consumed.
//! - **Bounded signal queue.** At most [`MAX_PENDING_SIGNALS`] Telnet signals wait to be
//!   taken. A signal identical to the one just before it with no data byte in between (an
//!   `IAC NOP` flood, a repeated `IAC IP`) is coalesced into it, whether or not the first one
//!   was already taken, so the items do not depend on how the stream was chunked; once the
//!   queue is full further signals are dropped (more distinct signals than that arriving
//!   before the consumer takes them is the only case where the items depend on chunking).
//!   Both cases are counted by [`LineFramer::signals_dropped`]. An overlong line is never
//!   coalesced or dropped: each one is reported once.
//! - **Any byte after IAC** is a Telnet command (RFC 854): `IAC` followed by a byte that names
//!   no command, LF included, is reported as [`TelnetSignal::Other`] and both bytes are
//!   removed from the clean stream.
//! - **Compaction** of the buffer happens in `feed`, only when at least half of the buffer has
//!   been consumed, so the cost of moving bytes is amortised over the bytes consumed and the
//!   `Vec` is reused rather than reallocated.
//! - **Bulk path.** Most chunks hold no Telnet at all, so [`LineFramer::feed`] first looks
//!   for the first IAC or NUL in the whole chunk (one scan) and, while the state machine is
//!   in plain data and not discarding an overlong line, appends everything before it with one
//!   copy, without looking at line ends. This is exactly what the state machine would do with
//!   those bytes: without IAC it removes and queues nothing, without NUL no `CR NUL` can be
//!   undone (a NUL right after a CR that ended the previous chunk stops the bulk path at
//!   once), and the only other thing it decides is an overflow, which depends on nothing but
//!   a line's length and last byte (over the bound, unless by one CR). So the bulk path is
//!   taken only when no line of those bytes overflows: always when the buffered tail plus the
//!   bytes fit in the bound (every chunk shorter than the bound), otherwise after measuring
//!   each line. A chunk with an overlong line, complete or not, goes to the state machine,
//!   so overlong lines are never stored, the tail bound holds at every `feed`, and
//!   [`LineFramer::buffered`] is unchanged. The state after the copy (tail start after the
//!   last LF, `after_cr` when the last byte is CR, no coalescing across the data) is the
//!   state machine's; a proptest checks the items and the whole state against it.
//! - **Scanning** for line ends, Telnet and forbidden bytes goes eight bytes at a time
//!   (the `scan` module: [`find_any`]; the bulk path's scan of a whole chunk for NUL or IAC
//!   tests two words per branch; popping a line looks for the first byte below 0x0E, which
//!   finds its end and proves it free of CR, LF and NUL at once). In the
//!   state machine, a run of ordinary bytes is copied together with its CRLF in one step. Line
//!   ends are looked for once, when the lines are read.
//!
//! # Reading frames
//!
//! The consumer walks the buffered frames with a [`Cursor`] and [`LineFramer::next_frame`]
//! without consuming anything (a reply decoder can look ahead for the last line of a
//! multi-line reply), then calls [`LineFramer::consume`] with the cursor it stopped at. A
//! Telnet signal or overlong-line marker is returned before the line in which (or at whose
//! start) it occurred, so items come out in stream order. A cursor is valid until the next
//! `feed`, `consume` or `clear`. [`LineFramer::pop`] does both in one step. With no event
//! queued at or after the cursor (the common case), reading a frame is only a search for the
//! next LF; the event paths are kept out of line.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::ops::Range;

use super::scan::find_nul_or_iac_wide;
use super::scan::{bytes_below, find_by};
pub(crate) use super::scan::{find3, find_any};

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

/// Telnet "interpret as command" (RFC 854).
pub(crate) const IAC: u8 = 0xFF;

/// Appends `bytes` with each 0xFF doubled (`IAC IAC`, RFC 959 §4.1, RFC 1123 §4.1.2.12) and
/// each CR followed by NUL (a bare CR in Telnet NVT, RFC 854; RFC 2640 §3.1 for path names):
/// the escaping both encoders use so the bytes survive the peer's Telnet handling. Only a
/// [`crate::types::Pathname`] can hold a CR.
pub(crate) fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut rest = bytes;
    while let Some(i) = rest.iter().position(|&b| b == IAC || b == b'\r') {
        out.extend_from_slice(&rest[..=i]);
        out.push(if rest[i] == IAC { IAC } else { 0 });
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}
const DM: u8 = 242;
const IP: u8 = 244;
const WILL: u8 = 251;
const DONT: u8 = 254;

/// How many Telnet signals may wait in a [`LineFramer`] before further ones are dropped.
pub(crate) const MAX_PENDING_SIGNALS: usize = 64;

/// One item of the framed stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A complete line: the range of its content (line end excluded) in the framer's buffer;
    /// read it with [`LineFramer::slice`].
    Line(Range<usize>),
    /// A Telnet command removed from the stream.
    Telnet(TelnetSignal),
    /// A line longer than `max_line_len` stood here; its bytes were discarded.
    TooLong,
}

/// A position in a [`LineFramer`]'s buffered frames. Valid until the next `feed`, `consume`
/// or `clear` of the framer that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cursor {
    /// Byte position in the buffer.
    pos: usize,
    /// Index of the next event in the event queue.
    event: usize,
}

impl Cursor {
    /// The byte position in the framer's buffer (for [`LineFramer::slice`]).
    pub(crate) fn pos(self) -> usize {
        self.pos
    }
}

/// Something removed from the byte stream at a position of the clean stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Signal(TelnetSignal),
    TooLong,
}

/// Where the Telnet byte state machine stands between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TelnetState {
    /// Plain data.
    Data,
    /// An IAC was seen.
    Iac,
    /// `IAC WILL|WONT|DO|DONT` was seen; the option byte comes next.
    Negotiation(u8),
}

/// The line framer: Telnet removal, line cutting and memory bounds for one direction of a
/// control connection. See the module documentation for every decision it makes.
#[derive(Debug)]
pub(crate) struct LineFramer {
    /// The clean stream; bytes before `start` were consumed.
    buf: Vec<u8>,
    /// First unconsumed byte of `buf`.
    start: usize,
    /// Start of the unterminated tail: every byte of `buf[..tail_start]` belongs to a complete
    /// line, `buf[tail_start - 1]` is LF when `tail_start > 0`.
    tail_start: usize,
    /// Signals and overlong-line markers in stream order, with their clean-stream position.
    events: VecDeque<(usize, Event)>,
    /// How many `Event::Signal` are in `events`.
    pending_signals: usize,
    /// Signals coalesced or dropped since creation.
    signals_dropped: u64,
    /// The last Telnet signal, while no data byte has followed it (for coalescing repeats
    /// independently of how the stream was chunked and drained).
    last_signal: Option<TelnetSignal>,
    telnet: TelnetState,
    /// The last clean byte was CR (a following NUL is removed: CR NUL is a bare CR).
    after_cr: bool,
    /// Discarding an overlong line up to its LF.
    discarding: bool,
    max_line_len: usize,
}

impl LineFramer {
    /// A framer that bounds unterminated lines to `max_line_len` content bytes.
    pub(crate) fn new(max_line_len: usize) -> Self {
        LineFramer {
            buf: Vec::new(),
            start: 0,
            tail_start: 0,
            events: VecDeque::new(),
            pending_signals: 0,
            signals_dropped: 0,
            last_signal: None,
            telnet: TelnetState::Data,
            after_cr: false,
            discarding: false,
            max_line_len,
        }
    }

    /// The line bound in force.
    #[allow(dead_code)]
    pub(crate) fn max_line_len(&self) -> usize {
        self.max_line_len
    }

    /// Appends raw bytes from the connection: Telnet commands are removed (and queued as
    /// signals), overlong lines are discarded. Invalidates every [`Cursor`].
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        self.compact();
        let taken = self.feed_bulk(bytes);
        self.feed_bytes(&bytes[taken..]);
    }

    /// [`Self::feed`] without the bulk path: every byte goes through the state machine.
    /// The reference the bulk path is tested against.
    #[cfg(test)]
    pub(crate) fn feed_unbatched(&mut self, bytes: &[u8]) {
        self.compact();
        self.feed_bytes(bytes);
    }

    /// The bulk path of [`Self::feed`]: appends the longest prefix of `bytes` that the state
    /// machine would append unchanged, in one copy, and returns its length (0 when the
    /// state machine must handle the chunk from its first byte).
    ///
    /// That prefix is the one before the first IAC or NUL, taken while the Telnet state is
    /// plain data and no overlong line is being discarded, and only if no line in it (the
    /// first one continuing the buffered tail, the last one the new unterminated tail) goes
    /// over the bound. On such bytes the state machine removes nothing (no IAC, and no
    /// NUL that could follow a CR), queues nothing and never overflows, so the clean stream
    /// is the raw prefix; its state afterwards is what is set here: the tail starts after
    /// the last LF, `after_cr` says whether the last byte is CR, and `last_signal` is reset
    /// by the data bytes. Whether a line overflows depends only on its length and last byte
    /// (see [`Self::overflows`]), so the check needs no byte-by-byte walk.
    fn feed_bulk(&mut self, bytes: &[u8]) -> usize {
        if self.telnet != TelnetState::Data || self.discarding {
            return 0;
        }
        let clean = find_nul_or_iac_wide(bytes).map_or(bytes, |i| &bytes[..i]);
        let Some(&last) = clean.last() else {
            return 0;
        };
        let tail = self.buf.len() - self.tail_start;
        // Within the bound as a whole (always, for chunks shorter than the bound), no line
        // can be over it; otherwise each line is checked.
        if tail.saturating_add(clean.len()) > self.max_line_len && !self.fits(clean, tail) {
            return 0;
        }
        self.buf.extend_from_slice(clean);
        if let Some(i) = clean.iter().rposition(|&b| b == b'\n') {
            self.tail_start = self.buf.len() - (clean.len() - i - 1);
        }
        self.after_cr = last == b'\r';
        self.last_signal = None;
        clean.len()
    }

    /// Whether no line of the clean bytes `bytes`, the first continuing the `tail` bytes
    /// buffered after `tail_start` and the last one unterminated, overflows.
    fn fits(&self, bytes: &[u8], tail: usize) -> bool {
        let mut prefix = tail;
        let mut rest = bytes;
        loop {
            let len = find_any(rest, [b'\n']).unwrap_or(rest.len());
            let last = match len.checked_sub(1) {
                Some(i) => rest.get(i).copied(),
                // Only the first line has a prefix: its last byte is the buffer's.
                None if prefix > 0 => self.buf.last().copied(),
                None => None,
            };
            if self.overflows(prefix + len, last) {
                return false;
            }
            match rest.get(len + 1..) {
                Some(next) if len < rest.len() => rest = next,
                _ => return true,
            }
            prefix = 0;
        }
    }

    /// Whether the state machine overflows on a line (or tail) of `len` clean bytes ending
    /// with `last`, LF excluded: [`Self::data_byte`] overflows at the first byte that is
    /// content beyond the bound, where one CR beyond it is allowed as the possible start of
    /// the line end. So a line overflows exactly when it is longer than the bound, unless it
    /// is one byte longer and that byte is a CR.
    fn overflows(&self, len: usize, last: Option<u8>) -> bool {
        len > self.max_line_len && !(len - 1 == self.max_line_len && last == Some(b'\r'))
    }

    /// The byte state machine of [`Self::feed`].
    fn feed_bytes(&mut self, mut bytes: &[u8]) {
        while let Some((&b, rest)) = bytes.split_first() {
            match self.telnet {
                TelnetState::Iac => {
                    self.telnet = TelnetState::Data;
                    match b {
                        IAC => self.data_byte(IAC),
                        IP => self.signal(TelnetSignal::InterruptProcess),
                        DM => self.signal(TelnetSignal::DataMark),
                        WILL..=DONT => self.telnet = TelnetState::Negotiation(b),
                        other => self.signal(TelnetSignal::Other(other)),
                    }
                    bytes = rest;
                }
                TelnetState::Negotiation(verb) => {
                    self.telnet = TelnetState::Data;
                    self.signal(TelnetSignal::Negotiation { verb, option: b });
                    bytes = rest;
                }
                TelnetState::Data if self.discarding => {
                    // Skip to the next byte that matters: LF ends the discarded line, IAC
                    // may carry a signal or an escaped 0xFF (which is discarded too).
                    match find3(bytes, b'\n', IAC, IAC) {
                        None => {
                            self.last_signal = None;
                            bytes = &[];
                        }
                        Some(i) => {
                            if i > 0 {
                                self.last_signal = None;
                            }
                            if bytes[i] == b'\n' {
                                self.last_signal = None;
                                self.discarding = false;
                                self.after_cr = false;
                            } else {
                                self.telnet = TelnetState::Iac;
                            }
                            bytes = &bytes[i + 1..];
                        }
                    }
                }
                TelnetState::Data if !self.after_cr => {
                    // Fast path: copy the run of ordinary bytes in one go.
                    let run = find3(bytes, b'\n', b'\r', IAC).unwrap_or(bytes.len());
                    if run == 0 {
                        if b == IAC {
                            self.telnet = TelnetState::Iac;
                        } else {
                            self.data_byte(b);
                        }
                        bytes = rest;
                    } else {
                        self.last_signal = None;
                        let tail = self.buf.len() - self.tail_start;
                        if tail.saturating_add(run) > self.max_line_len {
                            self.overflow();
                            bytes = &bytes[run..];
                            continue;
                        }
                        // The common case: the run and its line end (LF or CRLF) in one go.
                        let end = match bytes[run..] {
                            [b'\n', ..] => run + 1,
                            [b'\r', b'\n', ..] => run + 2,
                            _ => run,
                        };
                        self.buf.extend_from_slice(&bytes[..end]);
                        if end > run {
                            self.tail_start = self.buf.len();
                        }
                        bytes = &bytes[end..];
                    }
                }
                TelnetState::Data => {
                    if b == IAC {
                        self.telnet = TelnetState::Iac;
                    } else {
                        self.data_byte(b);
                    }
                    bytes = rest;
                }
            }
        }
    }

    /// One clean data byte.
    fn data_byte(&mut self, b: u8) {
        self.last_signal = None;
        if self.discarding {
            if b == b'\n' {
                self.discarding = false;
                self.after_cr = false;
            }
            return;
        }
        if self.after_cr {
            self.after_cr = false;
            if b == 0 {
                // CR NUL: a bare CR in Telnet NVT (RFC 854); the CR is already buffered.
                return;
            }
        }
        self.buf.push(b);
        match b {
            b'\n' => self.tail_start = self.buf.len(),
            b'\r' => {
                self.after_cr = true;
                // One CR beyond the bound is allowed: it may start the line end.
                if self.buf.len() - self.tail_start > self.max_line_len.saturating_add(1) {
                    self.overflow();
                }
            }
            _ => {
                // A CR that was allowed just past the bound is content after all once a
                // byte other than LF follows it: this count includes it.
                if self.buf.len() - self.tail_start > self.max_line_len {
                    self.overflow();
                }
            }
        }
    }

    /// The unterminated tail went over the bound: drop it, mark it, discard up to the next LF.
    fn overflow(&mut self) {
        let at = self.tail_start;
        self.buf.truncate(at);
        for (pos, _) in self.events.iter_mut().rev() {
            if *pos <= at {
                break;
            }
            *pos = at;
        }
        self.events.push_back((at, Event::TooLong));
        self.discarding = true;
        self.after_cr = false;
    }

    /// Queues a Telnet signal at the current clean-stream position, within the queue bound.
    fn signal(&mut self, signal: TelnetSignal) {
        let at = if self.discarding {
            self.tail_start
        } else {
            self.buf.len()
        };
        let repeat = self.last_signal == Some(signal);
        self.last_signal = Some(signal);
        if repeat || self.pending_signals >= MAX_PENDING_SIGNALS {
            self.signals_dropped = self.signals_dropped.saturating_add(1);
            return;
        }
        self.pending_signals += 1;
        self.events.push_back((at, Event::Signal(signal)));
    }

    /// Moves unconsumed bytes to the front when at least half the buffer is consumed.
    fn compact(&mut self) {
        if self.start == 0 {
            return;
        }
        if self.start == self.buf.len() {
            self.buf.clear();
        } else if self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
        } else {
            return;
        }
        let shift = self.start;
        self.tail_start -= shift;
        for (pos, _) in self.events.iter_mut() {
            *pos = pos.saturating_sub(shift);
        }
        self.start = 0;
    }

    /// The cursor at the first unconsumed frame.
    pub(crate) fn front(&self) -> Cursor {
        Cursor {
            pos: self.start,
            event: 0,
        }
    }

    /// The frame at `at` and the cursor after it, or `None` when no complete frame is
    /// buffered there. Consumes nothing.
    ///
    /// Always inlined: the reply decoder calls it once per line from a large function, where
    /// a plain `#[inline]` was not taken, and the call cost as much as the frame.
    #[inline(always)]
    pub(crate) fn next_frame(&self, at: Cursor) -> Option<(Frame, Cursor)> {
        if at.event >= self.events.len() {
            // No event left to pass: the next frame can only be a line.
            let (range, after) = self.line_at(at.pos)?;
            let next = Cursor {
                pos: after,
                event: at.event,
            };
            return Some((Frame::Line(range), next));
        }
        self.next_frame_with_events(at)
    }

    /// [`Self::next_frame`] when an event is queued at or after `at`, kept out of line so that
    /// the common path stays small.
    #[inline(never)]
    fn next_frame_with_events(&self, at: Cursor) -> Option<(Frame, Cursor)> {
        let line = self.line_at(at.pos);
        if let Some(&(pos, event)) = self.events.get(at.event) {
            // An event at or before the LF comes before the line.
            if line.as_ref().map_or(true, |(_, after)| pos < *after) {
                let next = Cursor {
                    pos: at.pos,
                    event: at.event + 1,
                };
                let frame = match event {
                    Event::Signal(s) => Frame::Telnet(s),
                    Event::TooLong => Frame::TooLong,
                };
                return Some((frame, next));
            }
        }
        let (range, after) = line?;
        Some((
            Frame::Line(range),
            Cursor {
                pos: after,
                event: at.event,
            },
        ))
    }

    /// The complete line starting at `pos`: the range of its content (line end excluded)
    /// and the position after its LF.
    #[inline(always)]
    fn line_at(&self, pos: usize) -> Option<(Range<usize>, usize)> {
        // The tail starts right after an LF, so the search succeeds whenever `pos` is before
        // the tail.
        let lf = pos + find_any(self.buf.get(pos..self.tail_start)?, [b'\n'])?;
        let end = if lf > pos && self.buf[lf - 1] == b'\r' {
            lf - 1
        } else {
            lf
        };
        Some((pos..end, lf + 1))
    }

    /// Bytes of the buffer (ranges from [`Frame::Line`] and [`Cursor::pos`]).
    ///
    /// # Panics
    /// Never for ranges built from this framer's frames and cursors since the last `feed`;
    /// other ranges are clamped to the buffer.
    #[inline]
    pub(crate) fn slice(&self, range: Range<usize>) -> &[u8] {
        let end = range.end.min(self.buf.len());
        let start = range.start.min(end);
        &self.buf[start..end]
    }

    /// Consumes every frame before `at` (a cursor from [`Self::next_frame`] or
    /// [`Self::front`]). Ranges already handed out stay readable until the next `feed`.
    #[inline]
    pub(crate) fn consume(&mut self, at: Cursor) {
        // Most cursors pass no event: skip the queue then.
        if at.event > 0 && !self.events.is_empty() {
            self.consume_events(at.event);
        }
        // Never before what was consumed, never past the last complete line.
        self.start = at.pos.min(self.tail_start).max(self.start);
    }

    /// Takes the first `n` events (at most all) out of the queue.
    #[inline(never)]
    fn consume_events(&mut self, n: usize) {
        let taken = n.min(self.events.len());
        for (_, event) in self.events.drain(..taken) {
            if let Event::Signal(_) = event {
                self.pending_signals = self.pending_signals.saturating_sub(1);
            }
        }
    }

    /// Takes the next frame out (a shortcut for `next_frame(front())` then `consume`).
    /// (The decoders use [`Self::pop_scanned`]; the framer's tests use this.)
    #[cfg(test)]
    pub(crate) fn pop(&mut self) -> Option<Frame> {
        self.pop_scanned().map(|(frame, _)| frame)
    }

    /// [`Self::pop`], also telling whether a line is proved to hold no CR, LF or NUL: the
    /// line end is found by looking for the first byte below 0x0E, and when that byte is the
    /// LF (or the CR of CRLF) no such byte stands before it, so a parser need not look again
    /// (`Command::parse_into` with `Scanned::Clean`). Another control byte first (a TAB, a
    /// bare CR) means a second search for the LF, and `false`.
    #[inline]
    pub(crate) fn pop_scanned(&mut self) -> Option<(Frame, bool)> {
        if !self.events.is_empty() {
            return self.pop_with_events().map(|frame| (frame, false));
        }
        // No event queued: the next frame can only be a line (what `next_frame` and
        // `consume` would do, without the cursor and queue work).
        let pos = self.start;
        let bytes = self.buf.get(pos..self.tail_start)?;
        let clean_end = find_by(bytes, |v| bytes_below(v, 0x0E)).and_then(|i| match bytes[i..] {
            [b'\n', ..] => Some((i, i + 1)),
            [b'\r', b'\n', ..] => Some((i, i + 2)),
            _ => None,
        });
        match clean_end {
            Some((end, after)) => {
                self.start = pos + after;
                Some((Frame::Line(pos..pos + end), true))
            }
            None => self.pop_unscanned_line(),
        }
    }

    /// [`Self::pop_scanned`] for a line with a control byte before its line end (a TAB, a
    /// bare CR, a NUL), or none complete: the plain LF search. Out of line, as it is rare.
    #[inline(never)]
    fn pop_unscanned_line(&mut self) -> Option<(Frame, bool)> {
        let (range, after) = self.line_at(self.start)?;
        self.start = after;
        Some((Frame::Line(range), false))
    }

    /// [`Self::pop`] with events queued, kept out of line so that the common path stays small.
    #[inline(never)]
    fn pop_with_events(&mut self) -> Option<Frame> {
        let (frame, next) = self.next_frame(self.front())?;
        self.consume(next);
        Some(frame)
    }

    /// Clean bytes buffered and not yet consumed (complete lines and the unterminated tail).
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The complete lines buffered from `at` on, when no Telnet signal or overlong-line
    /// marker is queued from `at` on: then every frame there is a line, and a decoder may cut
    /// the lines itself (with [`Self::skip`] after the bytes it took). `None` while an event
    /// is pending, so that events keep their place in the stream.
    #[inline]
    pub(crate) fn plain_lines(&self, at: Cursor) -> Option<&[u8]> {
        if at.event < self.events.len() {
            return None;
        }
        self.buf.get(at.pos..self.tail_start)
    }

    /// The cursor `n` bytes after `at`, within the bytes [`Self::plain_lines`] gave for
    /// `at` (that is, after whole lines: `n` is the end of a line there).
    #[inline]
    pub(crate) fn skip(&self, at: Cursor, n: usize) -> Cursor {
        Cursor {
            pos: at.pos.saturating_add(n).min(self.tail_start.max(at.pos)),
            event: at.event,
        }
    }

    /// `at` as a position relative to the first unconsumed frame. Unlike a [`Cursor`], it
    /// stays valid across `feed` (which only appends, and compacts consumed bytes away) until
    /// the next `consume` or `clear`. Used by the reply decoder to resume its look-ahead.
    /// (Added by the reply codec engineer.)
    pub(crate) fn offset_of(&self, at: Cursor) -> (usize, usize) {
        (at.pos.saturating_sub(self.start), at.event)
    }

    /// The cursor for an offset from [`Self::offset_of`] taken since the last `consume`.
    pub(crate) fn cursor_at(&self, offset: (usize, usize)) -> Cursor {
        Cursor {
            pos: (self.start + offset.0).min(self.tail_start.max(self.start)),
            event: offset.1.min(self.events.len()),
        }
    }

    /// True while received bytes are held outside the buffer: an incomplete Telnet command
    /// (a lone IAC, `IAC DO` without its option) or an overlong line being discarded.
    /// (Added by the reply codec engineer, for `ReplyDecoder::buffered`.)
    pub(crate) fn holds_partial_input(&self) -> bool {
        self.telnet != TelnetState::Data || self.discarding
    }

    /// Signals coalesced into an identical one or dropped because the queue was full.
    pub(crate) fn signals_dropped(&self) -> u64 {
        self.signals_dropped
    }

    /// Discards everything buffered and queued, and resets the Telnet and line state (for
    /// example the plaintext pipelined behind `AUTH TLS`, RFC 4217 §4). The buffer's memory
    /// is kept for reuse.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
        self.tail_start = 0;
        self.events.clear();
        self.pending_signals = 0;
        self.last_signal = None;
        self.telnet = TelnetState::Data;
        self.after_cr = false;
        self.discarding = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// Every frame as owned data, for comparisons.
    #[derive(Debug, PartialEq, Eq)]
    enum F {
        L(Vec<u8>),
        T(TelnetSignal),
        TooLong,
    }

    fn drain(f: &mut LineFramer) -> Vec<F> {
        let mut out = Vec::new();
        while let Some(frame) = f.pop() {
            out.push(match frame {
                Frame::Line(r) => F::L(f.slice(r).to_vec()),
                Frame::Telnet(s) => F::T(s),
                Frame::TooLong => F::TooLong,
            });
        }
        out
    }

    fn l(s: &[u8]) -> F {
        F::L(s.to_vec())
    }

    fn feed_all(max: usize, chunks: &[&[u8]]) -> Vec<F> {
        let mut f = LineFramer::new(max);
        let mut out = Vec::new();
        for c in chunks {
            f.feed(c);
            out.extend(drain(&mut f));
        }
        out
    }

    /// Feeds `input` split at every possible single point and byte by byte; all must agree
    /// with feeding it whole.
    fn check_splits(max: usize, input: &[u8], expected: &[F]) {
        assert_eq!(feed_all(max, &[input]), expected, "whole");
        for i in 0..=input.len() {
            assert_eq!(
                feed_all(max, &[&input[..i], &input[i..]]),
                expected,
                "split at {i}"
            );
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(feed_all(max, &bytes), expected, "byte by byte");
    }

    #[test]
    fn find3_agrees_with_a_byte_scan() {
        let mut seed: u32 = 1;
        for len in 0..70 {
            for _ in 0..50 {
                let hay: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        // Mostly bytes next to the needles, to catch carry mistakes.
                        [
                            0x0c, 0x0d, 0x0e, 0x09, 0x0a, 0x0b, 0xfe, 0xff, 0x80, 0x00, b'a',
                        ][(seed >> 16) as usize % 11]
                    })
                    .collect();
                for (a, b, c) in [
                    (b'\n', b'\r', IAC),
                    (b'\r', b'\n', 0),
                    (b'\n', b'\n', b'\n'),
                ] {
                    let want = hay.iter().position(|&x| x == a || x == b || x == c);
                    assert_eq!(find3(&hay, a, b, c), want, "{hay:?}");
                }
            }
        }
    }

    #[test]
    fn find_nul_or_iac_wide_agrees_with_a_byte_scan() {
        let mut seed: u32 = 7;
        for len in 0..100 {
            for _ in 0..50 {
                let mut hay: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        [0x01, 0xfe, 0x7f, 0x80, b'a', b'\r', b'\n'][(seed >> 16) as usize % 7]
                    })
                    .collect();
                // One or two needles at random places (or none), to hit each word of a pair.
                for _ in 0..(seed >> 8) % 3 {
                    if len > 0 {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        hay[(seed >> 16) as usize % len] = [0, IAC][(seed >> 4) as usize % 2];
                    }
                }
                let want = hay.iter().position(|&x| x == IAC || x == 0);
                assert_eq!(find_nul_or_iac_wide(&hay), want, "{hay:?}");
            }
        }
    }

    #[test]
    fn crlf_lines_split_anywhere() {
        // C: USER anonymous / C: PASS guest
        check_splits(
            100,
            b"USER anonymous\r\nPASS guest\r\n",
            &[l(b"USER anonymous"), l(b"PASS guest")],
        );
    }

    #[test]
    fn lone_lf_ends_a_line() {
        check_splits(100, b"NOOP\nQUIT\r\n", &[l(b"NOOP"), l(b"QUIT")]);
    }

    #[test]
    fn empty_lines_are_lines() {
        check_splits(100, b"\r\n\n\r\n", &[l(b""), l(b""), l(b"")]);
    }

    #[test]
    fn bare_cr_stays_in_content() {
        check_splits(100, b"RETR a\rb\r\n", &[l(b"RETR a\rb")]);
        check_splits(100, b"RETR a\r\r\n", &[l(b"RETR a\r")]);
    }

    #[test]
    fn cr_nul_is_a_bare_cr() {
        check_splits(100, b"RETR a\r\0b\r\n", &[l(b"RETR a\rb")]);
        // CR NUL LF: a carriage return then a line feed, i.e. a line end.
        check_splits(100, b"NOOP\r\0\n", &[l(b"NOOP")]);
        // A NUL not after CR is content (parsers refuse it).
        check_splits(100, b"A\0B\r\n", &[l(b"A\0B")]);
    }

    #[test]
    fn iac_iac_is_one_ff_byte() {
        check_splits(100, b"RETR \xff\xffx\r\n", &[l(b"RETR \xffx")]);
        check_splits(100, b"\xff\xff\xff\xff\r\n", &[l(b"\xff\xff")]);
    }

    #[test]
    fn abort_sequence_signals_come_before_the_line() {
        // RFC 959 §4.1.3 ABOR: C: IAC IP, IAC DM (Synch), then ABOR.
        check_splits(
            100,
            b"RETR x\r\n\xff\xf4\xff\xf2ABOR\r\n",
            &[
                l(b"RETR x"),
                F::T(TelnetSignal::InterruptProcess),
                F::T(TelnetSignal::DataMark),
                l(b"ABOR"),
            ],
        );
    }

    #[test]
    fn signal_inside_a_line_and_inside_crlf() {
        check_splits(
            100,
            b"NO\xff\xfbXOP\r\xff\xf1\n",
            &[
                F::T(TelnetSignal::Negotiation {
                    verb: 251,
                    option: b'X',
                }),
                F::T(TelnetSignal::Other(241)),
                l(b"NOOP"),
            ],
        );
    }

    #[test]
    fn negotiation_option_may_be_ff_or_lf() {
        check_splits(
            100,
            b"\xff\xfd\xff\xff\xfe\nA\n",
            &[
                F::T(TelnetSignal::Negotiation {
                    verb: 253,
                    option: 0xff,
                }),
                F::T(TelnetSignal::Negotiation {
                    verb: 254,
                    option: b'\n',
                }),
                l(b"A"),
            ],
        );
    }

    #[test]
    fn iac_at_chunk_end_waits_for_the_next_chunk() {
        let mut f = LineFramer::new(100);
        f.feed(b"RETR a\xff");
        assert_eq!(drain(&mut f), vec![]);
        f.feed(b"\xffb\r\n");
        assert_eq!(drain(&mut f), vec![l(b"RETR a\xffb")]);
    }

    #[test]
    fn signals_are_reported_before_the_line_completes() {
        let mut f = LineFramer::new(100);
        f.feed(b"\xff\xf4\xff\xf2AB");
        assert_eq!(
            drain(&mut f),
            vec![
                F::T(TelnetSignal::InterruptProcess),
                F::T(TelnetSignal::DataMark)
            ]
        );
        f.feed(b"OR\r\n");
        assert_eq!(drain(&mut f), vec![l(b"ABOR")]);
    }

    #[test]
    fn overlong_line_in_one_chunk_then_resync() {
        check_splits(
            8,
            b"NOOP\r\nRETR 123456789\r\nPWD\r\n",
            &[l(b"NOOP"), F::TooLong, l(b"PWD")],
        );
    }

    #[test]
    fn line_of_exactly_the_bound_is_accepted() {
        check_splits(
            4,
            b"NOOP\r\nNOOPS\r\nPWD\n",
            &[l(b"NOOP"), F::TooLong, l(b"PWD")],
        );
        // A CR at the bound is the line end; a CR then another byte is content, over the bound.
        check_splits(4, b"NOO\r\r\n", &[l(b"NOO\r")]);
        check_splits(4, b"NOOP\rX\nA\n", &[F::TooLong, l(b"A")]);
        check_splits(0, b"\r\nA\r\n\n", &[l(b""), F::TooLong, l(b"")]);
    }

    #[test]
    fn overlong_line_across_chunks_is_never_buffered() {
        let mut f = LineFramer::new(16);
        f.feed(b"STOR ");
        for _ in 0..1000 {
            f.feed(b"aaaaaaaaaa");
            assert!(f.buffered() <= 17, "buffered {}", f.buffered());
        }
        assert_eq!(drain(&mut f), vec![F::TooLong]);
        f.feed(b"aaa\xff\xf4aaa\r\nNOOP\r\n");
        assert_eq!(
            drain(&mut f),
            vec![F::T(TelnetSignal::InterruptProcess), l(b"NOOP")]
        );
        assert_eq!(f.buffered(), 0);
    }

    #[test]
    fn unbounded_limit_does_not_overflow() {
        check_splits(usize::MAX, b"NOOP\r\r\nX\r\n", &[l(b"NOOP\r"), l(b"X")]);
    }

    #[test]
    fn two_overlong_lines_are_two_reports() {
        check_splits(3, b"AAAA\r\nBBBB\nC\n", &[F::TooLong, F::TooLong, l(b"C")]);
    }

    #[test]
    fn signals_inside_an_overlong_line_keep_their_order() {
        check_splits(
            3,
            b"AB\xff\xf4CDEF\xff\xf2G\nH\n",
            &[
                F::T(TelnetSignal::InterruptProcess),
                F::TooLong,
                F::T(TelnetSignal::DataMark),
                l(b"H"),
            ],
        );
    }

    #[test]
    fn signal_queue_is_bounded() {
        let mut f = LineFramer::new(100_000);
        // A NOP flood at one position coalesces into one signal.
        for _ in 0..10_000 {
            f.feed(b"\xff\xf1");
        }
        assert_eq!(f.events.len(), 1);
        assert_eq!(f.signals_dropped(), 9_999);
        // Distinct signals at distinct positions stop at the bound.
        for _ in 0..10_000 {
            f.feed(b"x\xff\xf1");
        }
        assert_eq!(f.events.len(), MAX_PENDING_SIGNALS);
        f.feed(b"\n");
        let frames = drain(&mut f);
        assert_eq!(frames.len(), MAX_PENDING_SIGNALS + 1);
        // Once drained, signals are queued again.
        f.feed(b"\xff\xf4\xff\xf2ABOR\r\n");
        assert_eq!(
            drain(&mut f),
            vec![
                F::T(TelnetSignal::InterruptProcess),
                F::T(TelnetSignal::DataMark),
                l(b"ABOR")
            ]
        );
    }

    #[test]
    fn coalescing_does_not_depend_on_chunking_or_draining() {
        // C: IAC NOP IAC NOP ... NOOP, split anywhere and drained after every chunk.
        let mut input = Vec::new();
        for _ in 0..50 {
            input.extend_from_slice(b"\xff\xf1");
        }
        input.extend_from_slice(b"NOOP\r\n\xff\xf4\xff\xf4\xff\xf2\xff\xf4ABOR\r\n");
        check_splits(
            100,
            &input,
            &[
                F::T(TelnetSignal::Other(241)),
                l(b"NOOP"),
                F::T(TelnetSignal::InterruptProcess),
                F::T(TelnetSignal::DataMark),
                F::T(TelnetSignal::InterruptProcess),
                l(b"ABOR"),
            ],
        );
    }

    #[test]
    fn peek_without_consuming_then_consume() {
        // S: 211-Features / S:  MDTM / S: 211 End (a multi-line reply read as one slice)
        let mut f = LineFramer::new(100);
        f.feed(b"211-Features:\r\n MDTM\r\n211 End\r\n220 next");
        let first = f.front();
        let mut at = first;
        let mut lines = Vec::new();
        while let Some((Frame::Line(r), next)) = f.next_frame(at) {
            lines.push(f.slice(r.clone()).to_vec());
            at = next;
            if f.slice(r).starts_with(b"211 ") {
                break;
            }
        }
        assert_eq!(lines.len(), 3);
        assert_eq!(
            f.slice(first.pos()..at.pos()),
            b"211-Features:\r\n MDTM\r\n211 End\r\n"
        );
        // Nothing consumed yet.
        assert_eq!(f.buffered(), 39);
        f.consume(at);
        assert_eq!(f.buffered(), 8);
        assert_eq!(f.next_frame(f.front()), None);
    }

    #[test]
    fn buffer_is_reused_and_compacted() {
        let mut f = LineFramer::new(100);
        for _ in 0..10_000 {
            f.feed(b"NOOP\r\nNO");
            assert_eq!(drain(&mut f), vec![l(b"NOOP")]);
            f.feed(b"OP\r\n");
            assert_eq!(drain(&mut f), vec![l(b"NOOP")]);
        }
        assert!(f.buf.capacity() < 64, "capacity {}", f.buf.capacity());
    }

    #[test]
    fn clear_discards_everything_and_resets_telnet() {
        // C: AUTH TLS\r\nUSER evil (pipelined plaintext) -- discarded by the server.
        let mut f = LineFramer::new(100);
        f.feed(b"AUTH TLS\r\nUSER evil\r\nPASS x\xff");
        assert_eq!(f.pop(), Some(Frame::Line(0..8)));
        assert!(f.buffered() > 0);
        f.clear();
        assert_eq!(f.buffered(), 0);
        assert_eq!(f.pop(), None);
        // The pending IAC was reset: 0xFF 0xFF is no longer split across the clear.
        f.feed(b"\xffPBSZ 0\r\n");
        assert_eq!(
            drain(&mut f),
            vec![F::T(TelnetSignal::Other(b'P')), l(b"BSZ 0")]
        );
    }

    // --- The bulk path of `feed` against the byte state machine ---------------------------

    /// Drains through the general consumer API (`next_frame` from `front`, then `consume`),
    /// which `pop` shortcuts when no event is queued.
    fn drain_by_cursor(f: &mut LineFramer) -> Vec<F> {
        let mut out = Vec::new();
        while let Some((frame, next)) = f.next_frame(f.front()) {
            out.push(match frame {
                Frame::Line(r) => F::L(f.slice(r).to_vec()),
                Frame::Telnet(s) => F::T(s),
                Frame::TooLong => F::TooLong,
            });
            f.consume(next);
        }
        out
    }

    /// The invariant behind the memory bound: the unterminated tail holds at most
    /// `max_line_len` bytes, plus one CR that may start the line end.
    fn assert_tail_bounded(f: &LineFramer) {
        let tail = &f.buf[f.tail_start..];
        assert!(
            tail.len() <= f.max_line_len
                || (tail.len() - 1 == f.max_line_len && tail.last() == Some(&b'\r')),
            "tail {tail:?} over the bound {}",
            f.max_line_len
        );
    }

    /// Feeds `chunks` with `feed` (bulk path allowed) and with `feed_unbatched` (state
    /// machine only), draining after each chunk: the items and the whole framer state must
    /// agree after every chunk. Returns the items.
    fn bulk_vs_unbatched(max: usize, chunks: &[&[u8]]) -> Vec<F> {
        let mut bulk = LineFramer::new(max);
        let mut reference = LineFramer::new(max);
        let mut out = Vec::new();
        for chunk in chunks {
            bulk.feed(chunk);
            reference.feed_unbatched(chunk);
            assert_eq!(
                alloc::format!("{bulk:?}"),
                alloc::format!("{reference:?}"),
                "after {chunk:?}"
            );
            assert_tail_bounded(&bulk);
            let items = drain(&mut bulk);
            assert_eq!(items, drain_by_cursor(&mut reference), "items of {chunk:?}");
            out.extend(items);
        }
        out
    }

    #[test]
    fn bulk_path_takes_clean_chunks_whole() {
        let mut f = LineFramer::new(100);
        assert_eq!(f.feed_bulk(b"USER a\r\nPASS b\r\nSY"), 18);
        assert_eq!(f.tail_start, 16);
        // Up to the first IAC or NUL only, and nothing in a Telnet command.
        assert_eq!(f.feed_bulk(b"ST\r\n\xff\xf4"), 4);
        f.feed(b"ST\r\n\xff");
        assert_eq!(f.feed_bulk(b"\xf4ABOR\r\n"), 0);
        assert_eq!(f.feed_bulk(b"\0"), 0);
        // Nothing that would overflow: the state machine handles those.
        let mut f = LineFramer::new(3);
        assert_eq!(f.feed_bulk(b"ABC\r\nDEF\r"), 9);
        assert_eq!(f.feed_bulk(b"\n"), 1);
        assert_eq!(f.feed_bulk(b"ABCD\n"), 0);
        assert_eq!(f.feed_bulk(b"ABCD"), 0);
    }

    #[test]
    fn bulk_overlong_line_after_a_signal_from_an_earlier_chunk() {
        // The signal inside the line (and one at its start) come before the marker, as when
        // the state machine drops the line.
        let items = vec![
            F::T(TelnetSignal::InterruptProcess),
            F::T(TelnetSignal::DataMark),
            F::TooLong,
            l(b"OK"),
        ];
        let got = bulk_vs_unbatched(4, &[b"\xff\xf4AB\xff\xf2", b"CDEFGH\r\nOK\r\n"]);
        assert_eq!(got, items);
        let got = bulk_vs_unbatched(4, &[b"\xff\xf4\xff\xf2", b"ABCDEFG\nOK\n"]);
        assert_eq!(got, items);
        // A chunk longer than the bound whose lines all fit goes in whole.
        let got = bulk_vs_unbatched(4, &[b"\xff\xf4AB", b"CD\r\nEFGH\nOK\r\nXYZ"]);
        assert_eq!(
            got,
            vec![
                F::T(TelnetSignal::InterruptProcess),
                l(b"ABCD"),
                l(b"EFGH"),
                l(b"OK")
            ]
        );
    }

    #[test]
    fn bulk_chunk_ending_in_cr_then_a_chunk_starting_with_nul() {
        assert_eq!(
            bulk_vs_unbatched(100, &[b"RETR a\r", b"\0b\r\n"]),
            vec![l(b"RETR a\rb")]
        );
        assert_eq!(
            bulk_vs_unbatched(100, &[b"NOOP\r", b"\0\n"]),
            vec![l(b"NOOP")]
        );
        // CR at the end of one chunk, LF at the start of the next: a CRLF.
        assert_eq!(
            bulk_vs_unbatched(100, &[b"NOOP\r", b"\nPWD\r", b"\n"]),
            vec![l(b"NOOP"), l(b"PWD")]
        );
    }

    #[test]
    fn bulk_tail_crossing_the_bound() {
        assert_eq!(
            bulk_vs_unbatched(4, &[b"OK\nABCD", b"E", b"F\nG\n"]),
            vec![l(b"OK"), F::TooLong, l(b"G")]
        );
        assert_eq!(
            bulk_vs_unbatched(4, &[b"OK\nABCDE", b"\nG\n"]),
            vec![l(b"OK"), F::TooLong, l(b"G")]
        );
        // One CR beyond the bound may start the line end...
        assert_eq!(bulk_vs_unbatched(4, &[b"ABCD\r", b"\n"]), vec![l(b"ABCD")]);
        // ...and is content once something else follows it.
        assert_eq!(
            bulk_vs_unbatched(4, &[b"ABCD\r", b"X\nY\n"]),
            vec![F::TooLong, l(b"Y")]
        );
        assert_eq!(
            bulk_vs_unbatched(4, &[b"AB", b"CD\r\r\n"]),
            vec![F::TooLong]
        );
    }

    #[test]
    fn bulk_with_max_line_len_zero() {
        assert_eq!(
            bulk_vs_unbatched(0, &[b"\r\n\n\r", b"\n", b"\r"]),
            vec![l(b""), l(b""), l(b"")]
        );
        assert_eq!(
            bulk_vs_unbatched(0, &[b"\r\nA\r\n\n", b"A", b"\n\r\r\n"]),
            vec![l(b""), F::TooLong, l(b""), F::TooLong, F::TooLong]
        );
    }

    /// Bytes biased towards the ones the framer treats specially.
    fn stream() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let byte = prop_oneof![
            4 => Just(b'\r'),
            4 => Just(b'\n'),
            2 => Just(0u8),
            4 => Just(IAC),
            2 => 240u8..=254,
            2 => Just(b' '),
            6 => b'a'..=b'e',
            1 => Just(b'-'),
            1 => b'0'..=b'9',
            1 => any::<u8>(),
        ];
        // At most 127 bytes: fewer than MAX_PENDING_SIGNALS Telnet commands, so the items
        // cannot depend on the chunking (see the module documentation).
        proptest::collection::vec(byte, 0..128)
    }

    /// Cuts `input` into chunks of the given lengths (cycled; the rest in one last chunk).
    fn chunked<'a>(input: &'a [u8], lens: &[usize]) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        let mut rest = input;
        for &n in lens.iter().cycle().take(input.len()) {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at(n.min(rest.len()));
            out.push(chunk);
            rest = tail;
        }
        if !rest.is_empty() {
            out.push(rest);
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Fed in arbitrary chunks (bulk path allowed), the framer yields exactly the items
        /// of the same stream fed one byte at a time through the state machine only, its
        /// state after each chunk is the state machine's, and its tail stays bounded.
        #[test]
        fn bulk_feed_agrees_with_the_byte_state_machine(
            input in stream(),
            max in 0usize..40,
            lens in proptest::collection::vec(1usize..50, 1..8),
        ) {
            let chunks = chunked(&input, &lens);
            let got = bulk_vs_unbatched(max, &chunks);
            let mut one_by_one = LineFramer::new(max);
            let mut want = Vec::new();
            for b in &input {
                one_by_one.feed_unbatched(core::slice::from_ref(b));
                assert_tail_bounded(&one_by_one);
                want.extend(drain_by_cursor(&mut one_by_one));
            }
            proptest::prop_assert_eq!(got, want);
        }
    }
}

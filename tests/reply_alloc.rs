//! Heap allocations on the reply decoding hot path, counted with a wrapping global allocator
//! (a test binary of its own, so the crate's `forbid(unsafe_code)` is untouched; one test
//! function, so no other test thread allocates while counting).
//!
//! Measured: 0 allocations to decode a single-line or multi-line reply from a slice, and 0 per
//! reply in the streaming decoder once its buffer has grown, Telnet escapes included.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use ftps_proto::codec::{decode_reply, Limits, ReplyDecoder};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let r = f();
    (ALLOCATIONS.load(Ordering::Relaxed) - before, r)
}

const SINGLE: &[u8] = b"226 Transfer complete.\r\n";
const MULTI: &[u8] = b"211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n MLST size*;modify*;type*;\r\n REST STREAM\r\n UTF8\r\n211 End\r\n";
const ESCAPED: &[u8] = b"257 \"/caf\xff\xff\" is the current directory\r\n";

#[test]
fn decoding_replies_does_not_allocate() {
    // S: 226 Transfer complete.   (slice decoder)
    let (n, lines) = allocations(|| decode_reply(SINGLE).unwrap().1.lines().count());
    assert_eq!((n, lines), (0, 1), "single-line reply");
    // S: 211-Features: ... 211 End   (slice decoder, multi-line)
    let (n, lines) = allocations(|| decode_reply(MULTI).unwrap().1.lines().count());
    assert_eq!((n, lines), (0, 8), "multi-line reply");
    // With IAC IAC the slice decoder must build the unescaped text: one allocation.
    let (n, _) = allocations(|| decode_reply(ESCAPED).unwrap().1.text().len());
    assert_eq!(n, 1, "escaped reply from a slice");

    // The streaming decoder, warmed up: nothing per reply, even with Telnet escapes (the
    // framer removes them in place).
    let mut decoder = ReplyDecoder::new(Limits::default());
    let mut session = Vec::new();
    for _ in 0..4 {
        session.extend_from_slice(SINGLE);
        session.extend_from_slice(MULTI);
        session.extend_from_slice(ESCAPED);
    }
    let run = |decoder: &mut ReplyDecoder| {
        let mut replies = 0;
        for chunk in session.chunks(7) {
            decoder.feed(chunk);
            while let Some(r) = decoder.next_reply() {
                assert!(r.unwrap().line_count() >= 1);
                replies += 1;
            }
        }
        replies
    };
    assert_eq!(run(&mut decoder), 12);
    let (n, replies) = allocations(|| run(&mut decoder));
    assert_eq!((n, replies), (0, 12), "streaming, steady state");
}

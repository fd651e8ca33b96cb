//! `CommandDecoder` decodes a well-formed line without touching the heap: the command borrows
//! from the decoder's buffer, Telnet escapes included (they are removed in place at feed time).
//!
//! Measured with a counting global allocator. This integration test is its own crate, so it
//! may implement `GlobalAlloc` (which needs `unsafe impl`); the library itself forbids unsafe
//! code. Only allocations made on the test's own thread while counting is switched on are
//! counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use ftps_proto::codec::{Command, CommandDecoder, CommandLine, Limits, TelnetSignal};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a side
// effect that does not touch the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let out = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.load(Ordering::Relaxed) - before, out)
}

#[test]
fn well_formed_lines_decode_without_allocating() {
    // A session's worth of pipelined commands, one with an escaped 0xFF and one behind the
    // Telnet ABOR sequence (RFC 959 §4.1.3).
    let session: &[u8] = b"USER anonymous\r\nPASS guest\r\nAUTH TLS\r\nPBSZ 0\r\nPROT P\r\n\
        TYPE I\r\nEPSV\r\nEPRT |2|1080::8:800:200C:417A|5282|\r\nPORT 127,0,0,1,15,107\r\n\
        REST 802816\r\nRETR caf\xff\xffe.tar\r\nMFMT 20020717210715 file\r\nMLSD /pub\r\n\
        \xff\xf4\xff\xf2ABOR\r\nQUIT\r\n";
    let mut decoder = CommandDecoder::new(Limits::default());
    // Warm up once: the buffer grows to its working size on the first feed.
    decoder.feed(session);
    while decoder.next_line().is_some() {}

    let mut verbs = 0;
    let mut signals = 0;
    let (count, ()) = allocations(|| {
        for _ in 0..100 {
            decoder.feed(session);
            while let Some(item) = decoder.next_line() {
                match item {
                    CommandLine::Command(Ok(c)) => {
                        if let Command::Retr(p) = &c {
                            assert_eq!(p.as_bytes(), b"caf\xffe.tar");
                        }
                        verbs += 1;
                    }
                    CommandLine::Telnet(
                        TelnetSignal::InterruptProcess | TelnetSignal::DataMark,
                    ) => signals += 1,
                    other => panic!("{other:?}"),
                }
            }
        }
    });
    assert_eq!((verbs, signals), (1500, 200));
    assert_eq!(
        count, 0,
        "heap allocations while decoding 1500 command lines"
    );
}

#[test]
fn the_counter_sees_allocations() {
    // The measurement above is meaningful only if the counter works.
    let (count, v) = allocations(|| vec![1u8; 64]);
    assert_eq!(v.len(), 64);
    assert!(count >= 1);
}

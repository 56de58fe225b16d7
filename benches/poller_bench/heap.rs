//! Heap bytes in use, counted by the benchmark's global allocator, split between the local
//! endpoint's thread and every other thread (the waiting side: waits, poller, SDK client).
//!
//! The resident set of a process counts the endpoint too, which stands in for AWS Batch
//! and is no part of the waiting process; a memory child therefore runs the endpoint on a
//! thread of its own (see `scenario::Endpoint`) and this allocator tells its bytes apart.
//! A byte counts on the side of the thread that allocates or frees it: the two sides
//! share nothing but sockets while a run is measured, so what one side allocates it
//! frees itself (a histogram of the waiting side's allocations by size, counted while
//! looking into the poller's peak, found one 504-byte allocation in a 10,000-job run
//! freed there and not allocated there).
//!
//! Counting is off until [`enable`]: the other benchmarks' CPU times stay as they were.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};

/// The system allocator, counting.
pub(crate) struct Counting;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Bytes in use and their peak: the waiting side, the endpoint, and both.
struct Side {
    live: AtomicIsize,
    peak: AtomicIsize,
}

impl Side {
    const fn new() -> Self {
        Self {
            live: AtomicIsize::new(0),
            peak: AtomicIsize::new(0),
        }
    }

    fn add(&self, bytes: isize) {
        let live = self.live.fetch_add(bytes, Relaxed) + bytes;
        if bytes > 0 {
            self.peak.fetch_max(live, Relaxed);
        }
    }

    fn reset_peak(&self) -> isize {
        let live = self.live.load(Relaxed);
        self.peak.store(live, Relaxed);
        live
    }
}

static WAITING: Side = Side::new();
static ENDPOINT: Side = Side::new();
static ALL: Side = Side::new();

thread_local! {
    static ON_ENDPOINT: Cell<bool> = const { Cell::new(false) };
}

fn count(bytes: isize) {
    if !ENABLED.load(Relaxed) {
        return;
    }
    // A thread being torn down counts on the waiting side.
    let endpoint = ON_ENDPOINT.try_with(Cell::get).unwrap_or(false);
    if endpoint { &ENDPOINT } else { &WAITING }.add(bytes);
    ALL.add(bytes);
}

fn signed(bytes: usize) -> isize {
    isize::try_from(bytes).unwrap_or(isize::MAX)
}

// SAFETY: every call goes to `System` unchanged; counting touches only atomics and a
// thread-local without destructor, neither of which allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            count(signed(layout.size()));
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let pointer = unsafe { System.alloc_zeroed(layout) };
        if !pointer.is_null() {
            count(signed(layout.size()));
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(pointer, layout) };
        count(-signed(layout.size()));
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            count(signed(new_size) - signed(layout.size()));
        }
        moved
    }
}

/// Starts counting (a memory child, before it allocates anything it measures).
pub(crate) fn enable() {
    ENABLED.store(true, Relaxed);
}

/// Counts this thread's allocations as the endpoint's from now on.
pub(crate) fn on_endpoint_thread() {
    ON_ENDPOINT.with(|on| on.set(true));
}

/// Heap bytes in use, per side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Bytes {
    pub(crate) waiting: i64,
    pub(crate) endpoint: i64,
    pub(crate) all: i64,
}

/// Bytes in use now, with every peak reset to them (the baseline).
pub(crate) fn reset_peaks() -> Bytes {
    Bytes {
        waiting: WAITING.reset_peak() as i64,
        endpoint: ENDPOINT.reset_peak() as i64,
        all: ALL.reset_peak() as i64,
    }
}

/// The peaks since the last [`reset_peaks`].
pub(crate) fn peaks() -> Bytes {
    Bytes {
        waiting: WAITING.peak.load(Relaxed) as i64,
        endpoint: ENDPOINT.peak.load(Relaxed) as i64,
        all: ALL.peak.load(Relaxed) as i64,
    }
}

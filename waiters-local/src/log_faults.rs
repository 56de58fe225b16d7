//! The Logs API's faults (throttling) and counters, kept in the server state.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Throttling of the Logs API (`GetLogEvents`, `FilterLogEvents`, `DescribeLogStreams`),
/// and how many calls it received. Per-job log faults (a late stream, late lines) are
/// schedule parameters (`local:logStreamDelayMillis`, `local:logLagMillis`).
#[derive(Debug)]
pub struct LogFaults {
    /// The share of calls answered with `ThrottlingException`, and the generator that
    /// picks them (seeded: a run repeats).
    throttle: Mutex<(f64, StdRng)>,
    counters: [AtomicU64; 4],
}

/// Calls the Logs API received since the start (or the last reset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogCounters {
    /// `GetLogEvents` calls, throttled ones included.
    pub get_log_events: u64,
    /// `FilterLogEvents` calls, throttled ones included.
    pub filter_log_events: u64,
    /// `DescribeLogStreams` calls, throttled ones included.
    pub describe_log_streams: u64,
    /// Calls answered with `ThrottlingException`.
    pub throttled: u64,
}

impl LogCounters {
    /// Every call.
    pub fn calls(&self) -> u64 {
        self.get_log_events + self.filter_log_events + self.describe_log_streams
    }
}

/// A Logs API operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LogOperation {
    GetLogEvents = 0,
    FilterLogEvents = 1,
    DescribeLogStreams = 2,
}

impl Default for LogFaults {
    fn default() -> Self {
        Self {
            throttle: Mutex::new((0.0, StdRng::seed_from_u64(19))),
            counters: Default::default(),
        }
    }
}

impl LogFaults {
    /// Answers this share of calls (0.0 to 1.0) with `ThrottlingException` from now on.
    pub fn throttle(&self, share: f64) {
        self.throttle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .0 = share.clamp(0.0, 1.0);
    }

    /// The calls so far.
    pub fn counters(&self) -> LogCounters {
        let get = |i: usize| self.counters[i].load(Ordering::Relaxed);
        LogCounters {
            get_log_events: get(0),
            filter_log_events: get(1),
            describe_log_streams: get(2),
            throttled: get(3),
        }
    }

    /// Zeroes the counters.
    pub fn reset_counters(&self) {
        for counter in &self.counters {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// Counts a call; whether to throttle it.
    pub(crate) fn call(&self, operation: LogOperation) -> bool {
        self.counters[operation as usize].fetch_add(1, Ordering::Relaxed);
        let mut throttle = self.throttle.lock().unwrap_or_else(PoisonError::into_inner);
        let (share, rng) = &mut *throttle;
        let throttled = *share > 0.0 && rng.random::<f64>() < *share;
        if throttled {
            self.counters[3].fetch_add(1, Ordering::Relaxed);
        }
        throttled
    }
}

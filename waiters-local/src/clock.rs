//! The server's notion of time.
//!
//! Everything time-dependent (job phases, visibility delays, timed fault windows) is
//! measured as a `Duration` since the server started. That keeps arithmetic free of
//! `Instant` overflow, follows tokio's clock (so `tokio::time::pause`/`advance` work),
//! and lets tests fast-forward the server alone with [`ServerClock::advance`].

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct ServerClock {
    started: Instant,
    /// Wall-clock epoch millis at `started`, the base for every timestamp reported on the wire.
    started_epoch_millis: i64,
    /// Extra time added by `advance`.
    offset: Mutex<Duration>,
    /// Signalled by `advance`, for tasks that sleep until a server time.
    advanced: Notify,
}

impl ServerClock {
    pub(crate) fn new() -> Self {
        let started_epoch_millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self {
            started: Instant::now(),
            started_epoch_millis,
            offset: Mutex::new(Duration::ZERO),
            advanced: Notify::new(),
        }
    }

    /// Server time: how long the server has been running, plus any manual advance.
    pub(crate) fn now(&self) -> Duration {
        let offset = *self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        self.started.elapsed().saturating_add(offset)
    }

    /// Moves server time forward without sleeping.
    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *offset = offset.saturating_add(by);
        drop(offset);
        self.advanced.notify_one();
    }

    /// Completes after the next [`advance`](Self::advance) (or at once if one happened
    /// since the last call): a task sleeping until a server time must wake up then,
    /// as tokio's timers know nothing of the manual offset.
    #[cfg(feature = "eventbridge")]
    pub(crate) async fn advanced(&self) {
        self.advanced.notified().await;
    }

    /// Converts a server time to Unix epoch milliseconds, saturating on absurd values.
    pub(crate) fn epoch_millis(&self, at: Duration) -> i64 {
        let millis = i64::try_from(at.as_millis()).unwrap_or(i64::MAX);
        self.started_epoch_millis.saturating_add(millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn follows_tokio_clock_and_manual_advance() {
        let clock = ServerClock::new();
        let before = clock.now();
        tokio::time::advance(Duration::from_secs(5)).await;
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.now() - before, Duration::from_secs(65));
        assert_eq!(
            clock.epoch_millis(Duration::from_secs(1)) - clock.epoch_millis(Duration::ZERO),
            1000
        );
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let clock = ServerClock::new();
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert_eq!(clock.now(), Duration::MAX);
        assert_eq!(clock.epoch_millis(Duration::MAX), i64::MAX);
    }
}

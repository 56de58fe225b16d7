//! The poller's pace: an optional calls-per-second limit for the whole process, and an
//! adaptive one that throttling answers set, so the service slowing us down slows every
//! wait together (as the SDK's adaptive retry does for one client).

use std::time::Duration;

use tokio::time::Instant;

/// The slowest the adaptive limit goes.
const MIN_RATE: f64 = 0.5;
/// How much one throttled call cuts the rate.
const DECREASE: f64 = 0.5;
/// How much one successful call raises a reduced rate (multiplied, then this added).
const INCREASE_FACTOR: f64 = 1.1;
const INCREASE_STEP: f64 = 0.1;
/// Without a configured limit, the adaptive one lifts once it is back above this rate.
const UNLIMITED_ABOVE: f64 = 50.0;

#[derive(Debug)]
pub(super) struct RateLimiter {
    /// The user's limit, if any.
    configured: Option<f64>,
    /// The limit now: the configured one, or lower after throttling; `None` is unlimited.
    current: Option<f64>,
    /// When the next call may start.
    next_slot: Option<Instant>,
    /// Start times of recent calls (at most a few), to measure the rate throttling cuts.
    recent: Vec<Instant>,
}

impl Default for RateLimiter {
    /// No limit until the service throttles.
    fn default() -> Self {
        Self::new(None)
    }
}

impl RateLimiter {
    pub(super) fn new(configured: Option<f64>) -> Self {
        Self {
            configured,
            current: configured,
            next_slot: None,
            recent: Vec::new(),
        }
    }

    /// Reserves the next call's start: the time to wait until (now when there is no
    /// limit).
    pub(super) fn reserve(&mut self, now: Instant) -> Instant {
        self.recent
            .retain(|t| now.saturating_duration_since(*t) < Duration::from_secs(1));
        if self.recent.len() < 64 {
            self.recent.push(now);
        }
        let Some(rate) = self.current else {
            return now;
        };
        let start = self.next_slot.map_or(now, |slot| slot.max(now));
        self.next_slot = Some(start + Duration::from_secs_f64(1.0 / rate));
        start
    }

    /// The service throttled a call: cut the rate for every wait.
    pub(super) fn throttled(&mut self) {
        let measured = self.recent.len().max(1) as f64;
        let base = self.current.unwrap_or(measured).min(measured.max(MIN_RATE));
        self.current = Some((base * DECREASE).max(MIN_RATE));
    }

    /// A call went through: win back some of what throttling took.
    pub(super) fn succeeded(&mut self) {
        let Some(rate) = self.current else {
            return;
        };
        let raised = rate * INCREASE_FACTOR + INCREASE_STEP;
        self.current = match self.configured {
            Some(limit) => Some(raised.min(limit)),
            None if raised >= UNLIMITED_ABOVE => None,
            None => Some(raised),
        };
    }

    /// The limit now, in calls per second (`None`: unlimited).
    pub(super) fn current(&self) -> Option<f64> {
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_limit_spaces_calls_and_throttling_slows_them_further() {
        let now = Instant::now();
        let mut limiter = RateLimiter::new(Some(2.0));
        assert_eq!(limiter.reserve(now), now);
        assert_eq!(limiter.reserve(now), now + Duration::from_millis(500));
        limiter.throttled();
        assert!(limiter.current().is_some_and(|r| r < 2.0));
        for _ in 0..100 {
            limiter.succeeded();
        }
        assert_eq!(
            limiter.current(),
            Some(2.0),
            "never above the configured limit"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_limit_throttling_sets_one_until_calls_succeed_again() {
        let now = Instant::now();
        let mut limiter = RateLimiter::new(None);
        for _ in 0..10 {
            assert_eq!(limiter.reserve(now), now, "unlimited");
        }
        limiter.throttled();
        assert_eq!(limiter.current(), Some(5.0), "half the measured 10 calls/s");
        assert!(limiter.reserve(now) >= now);
        while limiter.current().is_some() {
            limiter.succeeded();
        }
        assert_eq!(limiter.reserve(now), now);
    }
}

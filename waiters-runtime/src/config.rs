//! How a wait is paced: the delay between attempts, jitter, budgets and transient retries.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A waiter's settings for one wait: start from the model's values, change any of them
/// without touching the model or other waiters.
///
/// ```
/// use std::time::Duration;
/// use waiters_runtime::config::DelayStrategy;
/// use waiters_runtime::WaiterConfig;
///
/// let mut config = WaiterConfig::new(Duration::from_secs(300), Some(288));
/// config.delay = Duration::from_secs(10);
/// config.max_attempts = Some(10);
/// config.max_wait = Some(Duration::from_secs(60));
/// config.delay_strategy = DelayStrategy::airflow_jitter();
/// config.call_timeout = Some(Duration::from_secs(20));
/// config.connect_give_up = Some(Duration::from_secs(120));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WaiterConfig {
    /// The base delay between attempts (the model's `delay`).
    pub delay: Duration,
    /// How many calls at most; `None` polls until an acceptor ends the wait or `max_wait`
    /// runs out. `Some(0)` and `Some(1)` both mean a single call, as in botocore.
    pub max_attempts: Option<u32>,
    /// A deadline for the whole wait, measured from its start.
    pub max_wait: Option<Duration>,
    /// How `delay` becomes each sleep.
    pub delay_strategy: DelayStrategy,
    /// What happens to throttling, 5xx, timeouts and connection failures that no acceptor
    /// matched.
    pub transient_errors: TransientRetry,
    /// Where jitter draws its random numbers.
    pub random: RandomSource,
    /// How long one call may take before it is abandoned and counted as a transient
    /// timeout ([`DEFAULT_CALL_TIMEOUT`], botocore's read timeout, unless changed);
    /// `None` lets a call run as long as it takes. The SDK's own retries run inside it.
    pub call_timeout: Option<Duration>,
    /// How long calls may go on failing without an answer (connection failures and
    /// timeouts, in a row) before the wait gives up with
    /// [`FailureReason::Unreachable`](crate::error::FailureReason::Unreachable)
    /// ([`DEFAULT_CONNECT_GIVE_UP`] unless changed); measured from the start of the first
    /// of those calls. `None` keeps retrying them until the attempt or time budget ends.
    pub connect_give_up: Option<Duration>,
}

/// The default [`WaiterConfig::call_timeout`]: 60 s, botocore's read timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The default [`WaiterConfig::connect_give_up`]: a minute of calls without an answer.
pub const DEFAULT_CONNECT_GIVE_UP: Duration = Duration::from_secs(60);

impl WaiterConfig {
    /// Fixed delay, the given attempt budget, no deadline, transient errors retried, each
    /// call bounded by [`DEFAULT_CALL_TIMEOUT`], and [`DEFAULT_CONNECT_GIVE_UP`] for
    /// calls that get no answer.
    pub fn new(delay: Duration, max_attempts: Option<u32>) -> Self {
        Self {
            delay,
            max_attempts,
            max_wait: None,
            delay_strategy: DelayStrategy::Fixed,
            transient_errors: TransientRetry::default(),
            random: RandomSource::default(),
            call_timeout: Some(DEFAULT_CALL_TIMEOUT),
            connect_give_up: Some(DEFAULT_CONNECT_GIVE_UP),
        }
    }

    /// The same pacing as botocore: fixed delay, and every unmatched error ends the wait
    /// (a call that times out after [`DEFAULT_CALL_TIMEOUT`] too).
    pub fn botocore(delay: Duration, max_attempts: u32) -> Self {
        Self {
            transient_errors: TransientRetry::Disabled,
            ..Self::new(delay, Some(max_attempts))
        }
    }

    /// The sleep after `attempt` calls, before the next one.
    pub(crate) fn sleep_after(&self, attempt: u32) -> Duration {
        self.delay_strategy.delay(attempt, self.delay, &self.random)
    }
}

/// How the base delay becomes each sleep between attempts.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum DelayStrategy {
    /// Always the base delay (botocore).
    #[default]
    Fixed,
    /// Airflow's `add_jitter(delay, width, minima)`: uniform in
    /// `[max(minimum, delay - width), delay + width]`, drawn for every sleep.
    Jitter {
        /// How far from the base delay a sleep may be.
        width: Duration,
        /// The shortest sleep.
        minimum: Duration,
    },
    /// Airflow's `exponential_delay(tries)`: `d = min(600, 1 + (0.6 * tries)^2)` seconds,
    /// uniform in `[d / 3, d]`; ignores the base delay.
    Exponential,
    /// Your own function of the attempt count and base delay.
    Custom(Arc<dyn Fn(DelayInput) -> Duration + Send + Sync>),
}

impl DelayStrategy {
    /// The jitter Airflow's `wait_for_job` applies to each waiter: width 2 s, at least 1 s.
    pub fn airflow_jitter() -> Self {
        Self::Jitter {
            width: Duration::from_secs(2),
            minimum: Duration::from_secs(1),
        }
    }

    /// A strategy from a function; it gets a uniform draw in `[0, 1)` from the waiter's
    /// [`RandomSource`], so custom jitter is reproducible in tests too.
    pub fn custom(f: impl Fn(DelayInput) -> Duration + Send + Sync + 'static) -> Self {
        Self::Custom(Arc::new(f))
    }

    /// The sleep after `attempt` calls.
    pub fn delay(&self, attempt: u32, base: Duration, random: &RandomSource) -> Duration {
        match self {
            Self::Fixed => base,
            Self::Jitter { width, minimum } => add_jitter(base, *width, *minimum, random),
            Self::Exponential => exponential_delay(attempt, random),
            Self::Custom(f) => f(DelayInput {
                attempt,
                base,
                random: random.unit(),
            }),
        }
    }
}

impl fmt::Debug for DelayStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed => f.write_str("Fixed"),
            Self::Jitter { width, minimum } => f
                .debug_struct("Jitter")
                .field("width", width)
                .field("minimum", minimum)
                .finish(),
            Self::Exponential => f.write_str("Exponential"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// What a custom delay function is given.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct DelayInput {
    /// Calls made so far (1 after the first call).
    pub attempt: u32,
    /// The configured base delay.
    pub base: Duration,
    /// A uniform draw in `[0, 1)`.
    pub random: f64,
}

/// Airflow's `add_jitter(delay, width, minima)`: a uniform draw in
/// `[max(minimum, delay - width), delay + width]`.
pub fn add_jitter(
    delay: Duration,
    width: Duration,
    minimum: Duration,
    random: &RandomSource,
) -> Duration {
    let low = minimum.max(delay.saturating_sub(width));
    let high = delay.saturating_add(width);
    if high <= low {
        return low;
    }
    low + (high - low).mul_f64(random.unit())
}

/// Airflow's `exponential_delay(tries)`: `d = min(600, 1 + (0.6 * tries)^2)` seconds,
/// uniform in `[d / 3, d]`.
pub fn exponential_delay(tries: u32, random: &RandomSource) -> Duration {
    let d = (1.0 + (0.6 * f64::from(tries)).powi(2)).min(600.0);
    let low = d / 3.0;
    Duration::from_secs_f64(low + (d - low) * random.unit())
}

/// What happens to transient errors (throttling, HTTP 5xx, timeouts, connection failures)
/// that no acceptor matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransientRetry {
    /// Fail the wait at once, as botocore does.
    Disabled,
    /// Poll again; after `k` transient errors in a row the sleep is at least
    /// `min(initial * 2^(k-1), max)`. Each such call still counts as an attempt.
    Backoff {
        /// The shortest backoff.
        initial: Duration,
        /// The longest backoff.
        max: Duration,
    },
}

impl Default for TransientRetry {
    fn default() -> Self {
        Self::Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
}

impl TransientRetry {
    /// The shortest sleep after `consecutive` transient errors in a row, if retrying.
    pub(crate) fn backoff(&self, consecutive: u32) -> Option<Duration> {
        match self {
            Self::Disabled => None,
            Self::Backoff { initial, max } => {
                let factor = 2u32.saturating_pow(consecutive.saturating_sub(1));
                Some(initial.saturating_mul(factor).min(*max))
            }
        }
    }
}

/// Where jitter gets its randomness: the thread's generator by default, a seeded one or a
/// fixed sequence for reproducible runs and tests. Cloning shares the generator.
#[derive(Clone, Default)]
pub struct RandomSource(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    Thread,
    Seeded(Arc<Mutex<StdRng>>),
    Function(Arc<dyn Fn() -> f64 + Send + Sync>),
}

impl RandomSource {
    /// The thread-local generator of `rand`.
    pub fn thread() -> Self {
        Self(Source::Thread)
    }

    /// A generator seeded with `seed`: the same draws on every run.
    pub fn seeded(seed: u64) -> Self {
        Self(Source::Seeded(Arc::new(Mutex::new(StdRng::seed_from_u64(
            seed,
        )))))
    }

    /// Always the same draw `value` (clamped to `[0, 1)`); `fixed(0.0)` gives the low end of
    /// every jitter range.
    pub fn fixed(value: f64) -> Self {
        let value = clamp_unit(value);
        Self(Source::Function(Arc::new(move || value)))
    }

    /// Draws from a function returning values in `[0, 1)` (out-of-range values are clamped).
    pub fn from_fn(f: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        Self(Source::Function(Arc::new(f)))
    }

    /// A uniform draw in `[0, 1)`.
    pub fn unit(&self) -> f64 {
        match &self.0 {
            Source::Thread => rand::random::<f64>(),
            Source::Seeded(rng) => {
                // A poisoned lock still holds a usable generator.
                let mut rng = rng.lock().unwrap_or_else(|e| e.into_inner());
                rng.random::<f64>()
            }
            Source::Function(f) => clamp_unit(f()),
        }
    }

    /// A uniform draw in `[low, high)`.
    pub fn uniform(&self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }
}

fn clamp_unit(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0 - f64::EPSILON)
    }
}

impl fmt::Debug for RandomSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Source::Thread => "RandomSource::thread()",
            Source::Seeded(_) => "RandomSource::seeded(..)",
            Source::Function(_) => "RandomSource::from_fn(..)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn add_jitter_spans_airflow_range() {
        let (d, w, m) = (secs(5.0), secs(2.0), secs(1.0));
        assert_eq!(add_jitter(d, w, m, &RandomSource::fixed(0.0)), secs(3.0));
        assert_eq!(add_jitter(d, w, m, &RandomSource::fixed(0.5)), secs(5.0));
        let top = add_jitter(d, w, m, &RandomSource::fixed(1.0));
        // Python's random.uniform(a, b) may return b too.
        assert!(top <= secs(7.0) && top > secs(6.999), "{top:?}");
    }

    #[test]
    fn add_jitter_respects_minimum() {
        // delay 2, width 2: Airflow's low end is max(1, 0) = 1.
        let low = add_jitter(secs(2.0), secs(2.0), secs(1.0), &RandomSource::fixed(0.0));
        assert_eq!(low, secs(1.0));
        // A minimum above delay + width gives the minimum.
        let floor = add_jitter(secs(1.0), secs(0.0), secs(3.0), &RandomSource::fixed(0.7));
        assert_eq!(floor, secs(3.0));
    }

    #[test]
    fn exponential_delay_matches_airflow_formula() {
        // tries = 10: d = 1 + 36 = 37, range [12.333.., 37].
        let low = exponential_delay(10, &RandomSource::fixed(0.0));
        assert!((low.as_secs_f64() - 37.0 / 3.0).abs() < 1e-9);
        let mid = exponential_delay(10, &RandomSource::fixed(0.5));
        assert!((mid.as_secs_f64() - (37.0 / 3.0 + (37.0 - 37.0 / 3.0) / 2.0)).abs() < 1e-9);
        // Capped at 600 s.
        let capped = exponential_delay(1000, &RandomSource::fixed(0.0));
        assert_eq!(capped, secs(200.0));
    }

    #[test]
    fn seeded_source_repeats() {
        let a: Vec<f64> = (0..5).map(|_| RandomSource::seeded(7).unit()).collect();
        let one = RandomSource::seeded(7);
        let b: Vec<f64> = (0..5).map(|_| one.unit()).collect();
        assert!(
            a.iter().all(|x| *x == a[0]),
            "a fresh generator starts over"
        );
        assert_eq!(b[0], a[0]);
        assert_ne!(b[0], b[1], "a shared generator moves on");
        assert!(b.iter().all(|x| (0.0..1.0).contains(x)));
    }

    #[test]
    fn backoff_doubles_up_to_max() {
        let retry = TransientRetry::Backoff {
            initial: secs(1.0),
            max: secs(5.0),
        };
        let got: Vec<_> = (1..=5).map(|k| retry.backoff(k)).collect();
        assert_eq!(
            got,
            [1.0, 2.0, 4.0, 5.0, 5.0].map(|s| Some(secs(s))).to_vec()
        );
        assert_eq!(TransientRetry::Disabled.backoff(3), None);
    }
}

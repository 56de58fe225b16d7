//! Run-time fault injection: throttling, injected 5xx, dropped connections, latency.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::clock::ServerClock;
use crate::operation::Operation;

/// What an injected fault does to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// HTTP 429 with `x-amzn-errortype: TooManyRequestsException`; the SDK retries it
    /// as a throttling error.
    Throttle,
    /// HTTP 500 with `x-amzn-errortype: ServerException`; the SDK retries it as a
    /// transient error.
    ServerError,
    /// The TCP connection is closed without any response; the SDK sees a dispatch
    /// (I/O) failure.
    DropConnection,
    /// The request is read and never answered; the connection stays open. Clients need
    /// a timeout of their own.
    NeverAnswer,
    /// HTTP 200 with a JSON body that never ends (a `statusReason` of unbounded length,
    /// sent as fast as the client reads). Clients need a bound on what they read.
    EndlessBody,
}

impl FaultKind {
    /// A stable lower-camel-case name: `throttle`, `serverError`, `dropConnection`,
    /// `neverAnswer`, `endlessBody`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::ServerError => "serverError",
            FaultKind::DropConnection => "dropConnection",
            FaultKind::NeverAnswer => "neverAnswer",
            FaultKind::EndlessBody => "endlessBody",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which requests a [`FaultRule`] hits. Only requests matching the rule's operation
/// filter and reaching the rule (see [`Faults`]) count.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultSchedule {
    /// The next `n` requests; the rule is then removed.
    Next(u64),
    /// Every `n`th request (the `n`th, `2n`th, ...), counted from when the rule was
    /// added. `n` must be at least 1.
    EveryNth(u64),
    /// Each request independently with this probability (0.0 to 1.0), drawn from an
    /// RNG seeded with `seed` so runs are reproducible.
    Probability {
        /// Chance that a request is hit.
        probability: f64,
        /// RNG seed.
        seed: u64,
    },
    /// Every request for this long (server time) after the rule is added; the rule is
    /// then removed.
    For(Duration),
    /// Every request until the rule is cleared.
    Always,
}

/// One fault-injection rule: what to do, to which requests, optionally for one
/// operation only.
///
/// ```
/// use std::time::Duration;
/// use waiters_local::{FaultKind, FaultRule, FaultSchedule, Operation};
///
/// let rule = FaultRule::new(FaultKind::Throttle, FaultSchedule::EveryNth(3))
///     .only_for(Operation::DescribeJobs);
/// assert_eq!(rule.operation, Some(Operation::DescribeJobs));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// The fault injected.
    pub kind: FaultKind,
    /// Which requests are hit.
    pub schedule: FaultSchedule,
    /// Restrict the rule to one operation; `None` means every operation.
    pub operation: Option<Operation>,
}

impl FaultRule {
    /// A rule for every operation.
    pub fn new(kind: FaultKind, schedule: FaultSchedule) -> Self {
        Self {
            kind,
            schedule,
            operation: None,
        }
    }

    /// Restricts the rule to `operation`.
    pub fn only_for(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }
}

/// A rule that cannot be installed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// [`FaultSchedule::EveryNth`] with `n == 0`.
    #[error("EveryNth needs an interval of at least 1")]
    ZeroInterval,
    /// [`FaultSchedule::Probability`] outside `0.0..=1.0` (or NaN).
    #[error("fault probability must be between 0.0 and 1.0, got {0}")]
    InvalidProbability(f64),
}

/// Where a [`FaultSchedule`] stands: how many requests it has seen, its RNG, its
/// deadline. Shared with the event faults (`crate::events`).
#[derive(Debug)]
pub(crate) enum RuleState {
    Remaining(u64),
    Every { nth: u64, seen: u64 },
    Random { probability: f64, rng: Box<StdRng> },
    Until(Duration),
    Always,
}

impl RuleState {
    /// The state of a schedule that starts at server time `now`.
    pub(crate) fn new(schedule: &FaultSchedule, now: Duration) -> Result<Self, FaultError> {
        Ok(match schedule {
            FaultSchedule::Next(n) => RuleState::Remaining(*n),
            FaultSchedule::EveryNth(0) => return Err(FaultError::ZeroInterval),
            FaultSchedule::EveryNth(nth) => RuleState::Every { nth: *nth, seen: 0 },
            FaultSchedule::Probability { probability, seed } => {
                if !(0.0..=1.0).contains(probability) {
                    return Err(FaultError::InvalidProbability(*probability));
                }
                RuleState::Random {
                    probability: *probability,
                    rng: Box::new(StdRng::seed_from_u64(*seed)),
                }
            }
            FaultSchedule::For(window) => RuleState::Until(now.saturating_add(*window)),
            FaultSchedule::Always => RuleState::Always,
        })
    }

    pub(crate) fn is_spent(&self, now: Duration) -> bool {
        match self {
            RuleState::Remaining(n) => *n == 0,
            RuleState::Until(deadline) => now >= *deadline,
            RuleState::Every { .. } | RuleState::Random { .. } | RuleState::Always => false,
        }
    }

    /// Counts one request (or event) against the schedule and says whether it is hit.
    pub(crate) fn hits(&mut self, now: Duration) -> bool {
        match self {
            RuleState::Remaining(n) => {
                if *n == 0 {
                    return false;
                }
                *n -= 1;
                true
            }
            RuleState::Every { nth, seen } => {
                *seen = seen.saturating_add(1);
                *seen % *nth == 0
            }
            RuleState::Random { probability, rng } => rng.random::<f64>() < *probability,
            RuleState::Until(deadline) => now < *deadline,
            RuleState::Always => true,
        }
    }
}

#[derive(Debug)]
struct ActiveRule {
    rule: FaultRule,
    state: RuleState,
}

impl ActiveRule {
    fn is_spent(&self, now: Duration) -> bool {
        self.state.is_spent(now)
    }

    fn hits(&mut self, now: Duration) -> bool {
        self.state.hits(now)
    }
}

#[derive(Debug, Default)]
struct FaultState {
    rules: Vec<ActiveRule>,
    latency: Duration,
}

/// The fault-injection handle of a running server; cheap to clone, shared with the
/// request path, so changes apply to the next request.
///
/// Rules are consulted in the order they were added; the first one that hits
/// decides the request's fault, and later rules do not see (or count) that request.
/// Latency applies to every Batch request, faulted or not, before it is answered.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use aws_sdk_batch::config::retry::RetryConfig;
/// use aws_sdk_batch::error::ProvideErrorMetadata;
/// use waiters_local::LocalBatch;
///
/// let server = LocalBatch::builder().start().await?;
/// let client = aws_sdk_batch::Client::from_conf(
///     server.client_config().retry_config(RetryConfig::disabled()).build(),
/// );
/// server.faults().throttle_next(1);
/// let err = client.describe_jobs().jobs("j").send().await.unwrap_err();
/// assert_eq!(err.code(), Some("TooManyRequestsException"));
/// assert!(client.describe_jobs().jobs("j").send().await.is_ok());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
    clock: Arc<ServerClock>,
}

impl Faults {
    pub(crate) fn new(clock: Arc<ServerClock>) -> Self {
        Self {
            state: Arc::default(),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, FaultState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Installs a rule after the existing ones.
    pub fn add(&self, rule: FaultRule) -> Result<(), FaultError> {
        let state = RuleState::new(&rule.schedule, self.clock.now())?;
        tracing::info!(kind = %rule.kind, schedule = ?rule.schedule, operation = ?rule.operation, "fault rule added");
        self.lock().rules.push(ActiveRule { rule, state });
        Ok(())
    }

    /// Throttles (429) the next `n` requests.
    pub fn throttle_next(&self, n: u64) {
        self.add_infallible(FaultKind::Throttle, FaultSchedule::Next(n));
    }

    /// Throttles (429) every request for `window` of server time.
    pub fn throttle_for(&self, window: Duration) {
        self.add_infallible(FaultKind::Throttle, FaultSchedule::For(window));
    }

    /// Answers the next `n` requests with 500 `ServerException`.
    pub fn server_error_next(&self, n: u64) {
        self.add_infallible(FaultKind::ServerError, FaultSchedule::Next(n));
    }

    /// Answers every request with 500 `ServerException` for `window` of server time.
    pub fn server_error_for(&self, window: Duration) {
        self.add_infallible(FaultKind::ServerError, FaultSchedule::For(window));
    }

    /// Closes the connection of the next `n` requests without responding.
    pub fn drop_next_connections(&self, n: u64) {
        self.add_infallible(FaultKind::DropConnection, FaultSchedule::Next(n));
    }

    /// Closes connections without responding for `window` of server time.
    pub fn drop_connections_for(&self, window: Duration) {
        self.add_infallible(FaultKind::DropConnection, FaultSchedule::For(window));
    }

    /// Leaves the next `n` requests unanswered, their connections open.
    pub fn never_answer_next(&self, n: u64) {
        self.add_infallible(FaultKind::NeverAnswer, FaultSchedule::Next(n));
    }

    /// Answers the next `n` requests with a 200 whose body never ends.
    pub fn endless_body_next(&self, n: u64) {
        self.add_infallible(FaultKind::EndlessBody, FaultSchedule::Next(n));
    }

    fn add_infallible(&self, kind: FaultKind, schedule: FaultSchedule) {
        // Next and For schedules have no invalid values.
        if let Err(error) = self.add(FaultRule::new(kind, schedule)) {
            tracing::warn!(%error, "fault rule rejected");
        }
    }

    /// Delays every Batch response (and every dropped connection) by `latency`.
    /// `Duration::ZERO` turns it off.
    pub fn set_latency(&self, latency: Duration) {
        tracing::info!(?latency, "latency set");
        self.lock().latency = latency;
    }

    /// The added per-request latency.
    pub fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// The rules still active (spent `Next` and expired `For` rules are gone).
    pub fn rules(&self) -> Vec<FaultRule> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.rules.retain(|rule| !rule.is_spent(now));
        state
            .rules
            .iter()
            .map(|active| active.rule.clone())
            .collect()
    }

    /// Removes every rule and the latency.
    pub fn clear(&self) {
        tracing::info!("faults cleared");
        let mut state = self.lock();
        state.rules.clear();
        state.latency = Duration::ZERO;
    }

    /// Decides the fault (if any) for one request and the latency to add.
    pub(crate) fn decide(&self, operation: Operation) -> (Option<FaultKind>, Duration) {
        let now = self.clock.now();
        let mut state = self.lock();
        state.rules.retain(|rule| !rule.is_spent(now));
        let fault = state
            .rules
            .iter_mut()
            .filter(|active| active.rule.operation.is_none_or(|only| only == operation))
            .find_map(|active| active.hits(now).then_some(active.rule.kind));
        (fault, state.latency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults() -> Faults {
        Faults::new(Arc::new(ServerClock::new()))
    }

    fn pattern(faults: &Faults, operation: Operation, n: usize) -> Vec<Option<FaultKind>> {
        (0..n).map(|_| faults.decide(operation).0).collect()
    }

    #[test]
    fn next_n_hits_exactly_n_then_disappears() {
        let f = faults();
        f.throttle_next(2);
        let hits = pattern(&f, Operation::DescribeJobs, 4);
        assert_eq!(
            hits,
            [
                Some(FaultKind::Throttle),
                Some(FaultKind::Throttle),
                None,
                None
            ]
        );
        assert!(f.rules().is_empty());
    }

    #[test]
    fn every_nth_hits_on_multiples() {
        let f = faults();
        f.add(FaultRule::new(
            FaultKind::ServerError,
            FaultSchedule::EveryNth(3),
        ))
        .unwrap();
        let hit_at: Vec<usize> = pattern(&f, Operation::ListJobs, 9)
            .iter()
            .enumerate()
            .filter_map(|(i, hit)| hit.map(|_| i + 1))
            .collect();
        assert_eq!(hit_at, [3, 6, 9]);
    }

    #[test]
    fn operation_filter_leaves_other_operations_alone() {
        let f = faults();
        f.add(
            FaultRule::new(FaultKind::Throttle, FaultSchedule::Next(1))
                .only_for(Operation::DescribeJobs),
        )
        .unwrap();
        assert_eq!(f.decide(Operation::SubmitJob).0, None);
        assert_eq!(
            f.decide(Operation::DescribeJobs).0,
            Some(FaultKind::Throttle)
        );
        assert_eq!(f.decide(Operation::DescribeJobs).0, None);
    }

    #[test]
    fn first_hitting_rule_wins_and_later_rules_keep_their_budget() {
        let f = faults();
        f.drop_next_connections(1);
        f.throttle_next(1);
        assert_eq!(
            f.decide(Operation::CancelJob).0,
            Some(FaultKind::DropConnection)
        );
        assert_eq!(f.decide(Operation::CancelJob).0, Some(FaultKind::Throttle));
        assert_eq!(f.decide(Operation::CancelJob).0, None);
    }

    #[test]
    fn probability_is_reproducible_and_roughly_right() {
        let run = |seed| {
            let f = faults();
            f.add(FaultRule::new(
                FaultKind::Throttle,
                FaultSchedule::Probability {
                    probability: 0.3,
                    seed,
                },
            ))
            .unwrap();
            pattern(&f, Operation::DescribeJobs, 1000)
        };
        let first = run(7);
        assert_eq!(first, run(7));
        assert_ne!(first, run(8));
        let hits = first.iter().filter(|hit| hit.is_some()).count();
        // Binomial(1000, 0.3): sd ~14.5, so 200..400 is > 6 sd either side.
        assert!((200..400).contains(&hits), "{hits} hits");
    }

    #[test]
    fn probability_extremes() {
        let f = faults();
        f.add(FaultRule::new(
            FaultKind::Throttle,
            FaultSchedule::Probability {
                probability: 0.0,
                seed: 1,
            },
        ))
        .unwrap();
        assert!(
            pattern(&f, Operation::SubmitJob, 100)
                .iter()
                .all(Option::is_none)
        );
        f.clear();
        f.add(FaultRule::new(
            FaultKind::Throttle,
            FaultSchedule::Probability {
                probability: 1.0,
                seed: 1,
            },
        ))
        .unwrap();
        assert!(
            pattern(&f, Operation::SubmitJob, 100)
                .iter()
                .all(Option::is_some)
        );
    }

    #[test]
    fn invalid_rules_are_rejected() {
        let f = faults();
        for probability in [-0.1, 1.5, f64::NAN] {
            assert!(matches!(
                f.add(FaultRule::new(
                    FaultKind::Throttle,
                    FaultSchedule::Probability {
                        probability,
                        seed: 0
                    },
                )),
                Err(FaultError::InvalidProbability(_))
            ));
        }
        assert_eq!(
            f.add(FaultRule::new(
                FaultKind::Throttle,
                FaultSchedule::EveryNth(0)
            )),
            Err(FaultError::ZeroInterval)
        );
        assert!(f.rules().is_empty());
    }

    #[test]
    fn timed_window_expires_with_server_time() {
        let clock = Arc::new(ServerClock::new());
        let f = Faults::new(Arc::clone(&clock));
        f.server_error_for(Duration::from_secs(3600));
        assert_eq!(
            f.decide(Operation::DescribeJobs).0,
            Some(FaultKind::ServerError)
        );
        clock.advance(Duration::from_secs(3600));
        assert_eq!(f.decide(Operation::DescribeJobs).0, None);
        assert!(f.rules().is_empty());
    }

    #[test]
    fn latency_is_reported_and_cleared() {
        let f = faults();
        f.set_latency(Duration::from_millis(250));
        assert_eq!(
            f.decide(Operation::SubmitJob),
            (None, Duration::from_millis(250))
        );
        f.clear();
        assert_eq!(f.latency(), Duration::ZERO);
    }
}

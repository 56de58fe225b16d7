//! The shared DescribeJobs poller: many waits on jobs, few calls.
//!
//! Every wait that goes through a [`JobPoller`] asks it, instead of the service, for its
//! jobs when a call is due. The poller merges what is due at about the same time into
//! DescribeJobs calls of at most 100 ids (each id asked once), and gives every wait a
//! response holding only the jobs it asked for, so its acceptors, attempts, reasons and
//! last response are what polling alone would give. A wait keeps its own delay, jitter,
//! attempt budget and deadline.
//!
//! - **Early, never late.** When a call goes out, waits whose next call is due within
//!   [`JobPoller::tolerance`] (10 s by default, and never more than half of that wait's
//!   sleep) are answered by it too: their call comes that much early. A wait is late only
//!   by the round trip of a call already in flight.
//! - **Errors.** A throttling, 5xx, timeout or connection error reaches every wait of the
//!   call, which handles it as it would alone (backoff, one attempt each). Any other error
//!   on a call for several waits splits the call in halves, until the wait it belongs to
//!   is found: one bad id never fails the others' waits.
//! - **Pace.** An optional calls-per-second limit for the whole poller; throttling from
//!   the service lowers the pace of every wait together, and successful calls raise it
//!   again.
//! - **Lifetime.** Dropping a wait removes its ids at once; with no wait left, no call is
//!   made and no task remains.
//!
//! ```no_run
//! # async fn run(client: aws_sdk_batch::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use waiters_runtime::engine::NoObserver;
//! use waiters_runtime::{JobPoller, JobWaitOptions, typed};
//!
//! let poller = JobPoller::builder(&client).rate_limit(5.0).build();
//! let options = JobWaitOptions { poller: Some(poller.clone()), ..JobWaitOptions::default() };
//! let waits = ["job-1", "job-2", "job-3"]
//!     .map(|id| typed::wait_for_job(&client, id, &options, NoObserver));
//! for result in futures_util::future::join_all(waits).await {
//!     println!("{:?}", result.map(|job| job.status().cloned()));
//! }
//! println!("{} DescribeJobs calls", poller.stats().calls);
//! # Ok(()) }
//! ```

mod decode;
mod entry;
mod known;
mod rate;
mod round;
mod share;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use aws_sdk_batch::Client;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::config::RandomSource;
use crate::engine::Call;
use crate::operation::DescribeJobsSdkError;
use crate::response::DescribeJobsResponse;
use entry::{Asked, Entry};
use known::EventMode;
use rate::RateLimiter;

/// DescribeJobs takes at most this many job ids.
pub const MAX_IDS_PER_CALL: usize = 100;

/// The default [`JobPoller::tolerance`].
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(10);

/// A shared DescribeJobs poller; clones share it. See the [module docs](self).
#[derive(Clone)]
pub struct JobPoller {
    shared: Arc<Shared>,
}

/// What a poller has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollerStats {
    /// DescribeJobs calls made (including those of split calls).
    pub calls: u64,
    /// Rounds: times the poller gathered due waits and called for them.
    pub rounds: u64,
    /// Job ids asked for, over all calls.
    pub ids: u64,
    /// Responses handed to waits (a wait's attempt served by a shared call).
    pub served: u64,
    /// Calls the service throttled.
    pub throttled: u64,
    /// Calls split after an error that was not transient.
    pub splits: u64,
    /// The most ids in one call.
    pub max_ids_in_a_call: u64,
    /// Job state events that moved a waited job forward.
    pub events: u64,
    /// Due calls answered from the known job states, without a call (events feeding).
    pub answered_without_a_call: u64,
}

struct Shared {
    client: Client,
    tolerance: Duration,
    /// The one jitter draw `wait_for_job` uses for every wait through the poller, if
    /// shared (see [`JobPoller::shared_jitter_from`]).
    shared_jitter: Option<RandomSource>,
    decoder: decode::JobDecoder,
    state: Mutex<State>,
    /// Wakes the round task when a wait asks or events start while it idles.
    wake_round: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    next_key: u64,
    waits: HashMap<u64, Entry>,
    /// How many waits ask for each id.
    refs: HashMap<String, usize>,
    /// With events feeding the poller: what they told, and the reconciliation polls.
    events: Option<EventMode>,
    /// The task running rounds, while there is one.
    round: Option<AbortHandle>,
    limiter: RateLimiter,
    stats: PollerStats,
}

/// What a wait's answers hold besides the typed output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// Only the output: a typed wait converts its answer to it.
    Typed,
    /// The raw JSON body and its document too: a run-time wait's acceptors search them.
    Raw,
}

/// An answer as the poller hands it out: its error boxed (see `Kept` in engine.rs), as
/// every wait's channel holds room for one.
type Answer = Result<DescribeJobsResponse, Box<DescribeJobsSdkError>>;

impl JobPoller {
    /// A poller calling DescribeJobs on `client`, with the default tolerance, a shared
    /// jitter draw and no rate limit: `JobPoller::builder(client).build()`.
    pub fn new(client: &Client) -> Self {
        Self::builder(client).build()
    }

    /// Configures a poller: its settings are fixed once it is built, before any wait.
    pub fn builder(client: &Client) -> JobPollerBuilder {
        JobPollerBuilder {
            client: client.clone(),
            tolerance: DEFAULT_TOLERANCE,
            shared_jitter: Some(RandomSource::fixed(RandomSource::thread().unit())),
            rate_limit: None,
        }
    }

    /// How early a wait's call may come to share a call with others (see
    /// [`JobPollerBuilder::tolerance`]).
    pub fn tolerance(&self) -> Duration {
        self.shared.tolerance
    }

    /// The jitter draws shared by this poller's waits, if shared (see
    /// [`JobPollerBuilder::shared_jitter_from`]).
    pub fn shared_jitter(&self) -> Option<&RandomSource> {
        self.shared.shared_jitter.as_ref()
    }

    /// What the poller has done so far.
    pub fn stats(&self) -> PollerStats {
        self.lock().stats
    }

    /// Waits registered now.
    pub fn waits(&self) -> usize {
        self.lock().waits.len()
    }

    /// The client the poller calls.
    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Registers a wait on `ids`, whose answers take `form`; its calls go through the
    /// poller until it is dropped.
    pub(crate) fn register(&self, ids: Vec<String>, form: Form) -> PolledCall {
        let mut state = self.lock();
        let key = state.next_key;
        state.next_key += 1;
        hold_ids(&mut state, &ids);
        state.waits.insert(key, Entry::new(ids.into(), form));
        PolledCall {
            poller: self.clone(),
            key,
        }
    }

    /// Keeps `ids` waited on (what is known of them, when they were last polled) until
    /// the hold is dropped, while no wait of its own is registered: `wait_for_job` holds
    /// its job from one phase to the next, so that events do not lose track of it when
    /// one phase's waiter has ended and the next one has not asked yet.
    pub(crate) fn hold(&self, ids: Vec<String>) -> Hold {
        hold_ids(&mut self.lock(), &ids);
        Hold {
            poller: self.clone(),
            ids,
        }
    }
}

/// Settings of a [`JobPoller`], fixed when it is built (see [`JobPoller::builder`]).
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct JobPollerBuilder {
    client: Client,
    tolerance: Duration,
    shared_jitter: Option<RandomSource>,
    rate_limit: Option<f64>,
}

impl JobPollerBuilder {
    /// How early a wait's call may come so that it shares a call with others (never more
    /// than half of that wait's sleep); default [`DEFAULT_TOLERANCE`]. Zero merges only
    /// calls due at the same instant. With events feeding the poller, reconciliation polls
    /// go early by the same (at most half the interval), so that jobs first polled apart
    /// share their calls.
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Where `wait_for_job` through this poller draws Airflow's jitter (its initial delay
    /// and each phase's delay): `Some(random)` makes one draw from `random`, shared by
    /// every wait of the poller; `None` lets each wait draw from its own
    /// [`JobWaitOptions::random`](crate::JobWaitOptions::random), as without a poller.
    ///
    /// Shared is the default (one draw from the thread's generator). Jitter keeps
    /// independent pollers apart, so that they do not call the service in step; inside
    /// one process the poller puts waits in step on purpose, to answer them with few
    /// calls, and per-wait draws would pull them apart again: with them, 1,000 waits make
    /// several times more calls (BENCHMARKS.md). Each process, and each poller, still
    /// draws its own value.
    pub fn shared_jitter_from(mut self, random: Option<&RandomSource>) -> Self {
        self.shared_jitter = random.map(|random| RandomSource::fixed(random.unit()));
        self
    }

    /// At most `calls_per_second` DescribeJobs calls, for every wait together; a value that
    /// is not positive and finite means no limit (the default).
    pub fn rate_limit(mut self, calls_per_second: f64) -> Self {
        self.rate_limit =
            (calls_per_second.is_finite() && calls_per_second > 0.0).then_some(calls_per_second);
        self
    }

    /// The poller.
    pub fn build(self) -> JobPoller {
        let state = State {
            limiter: RateLimiter::new(self.rate_limit),
            ..State::default()
        };
        JobPoller {
            shared: Arc::new(Shared {
                client: self.client,
                tolerance: self.tolerance,
                shared_jitter: self.shared_jitter,
                decoder: decode::JobDecoder::new(),
                state: Mutex::new(state),
                wake_round: tokio::sync::Notify::new(),
            }),
        }
    }
}

/// Each of `ids` once (a wait may name a job twice).
fn unique(ids: &[String]) -> Vec<&String> {
    let mut unique: Vec<&String> = ids.iter().collect();
    unique.sort();
    unique.dedup();
    unique
}

/// Counts one more wait (or hold) on each of `ids`.
fn hold_ids(state: &mut State, ids: &[String]) {
    for id in unique(ids) {
        *state.refs.entry(id.clone()).or_default() += 1;
    }
}

/// Counts one wait (or hold) less on each of `ids`; an id no longer waited on is
/// forgotten.
fn release_ids(state: &mut State, ids: &[String]) {
    for id in unique(ids) {
        if let Some(count) = state.refs.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                state.refs.remove(id);
                if let Some(events) = &mut state.events {
                    events.forget(id);
                }
            }
        }
    }
}

/// Ids kept waited on without a wait (see [`JobPoller::hold`]).
pub(crate) struct Hold {
    poller: JobPoller,
    ids: Vec<String>,
}

impl Drop for Hold {
    fn drop(&mut self) {
        release_ids(&mut self.poller.lock(), &self.ids);
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the state consistent enough to go on.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for JobPoller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("JobPoller")
            .field("tolerance", &self.shared.tolerance)
            .field("waits", &state.waits.len())
            .field("rate_limit", &state.limiter.current())
            .field("stats", &state.stats)
            .finish_non_exhaustive()
    }
}

/// The calls of one wait, through the poller. Dropping it unregisters the wait.
pub(crate) struct PolledCall {
    poller: JobPoller,
    key: u64,
}

type AnswerFuture =
    Pin<Box<dyn Future<Output = Result<DescribeJobsResponse, DescribeJobsSdkError>> + Send>>;
type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

impl PolledCall {
    /// The next answer: an early one if it came, else a call in the next round.
    fn answer(&mut self) -> AnswerFuture {
        let shared = self.poller.shared.clone();
        let key = self.key;
        let receiver = {
            let mut state = shared.lock();
            let Some(entry) = state.waits.get_mut(&key) else {
                return Box::pin(async { Err(unregistered()) });
            };
            let receiver = match entry.ask() {
                Asked::Kept(answer) => {
                    return Box::pin(async move { answer.map_err(|error| *error) });
                }
                Asked::ToCome(receiver) => receiver,
            };
            round::ensure_running(&shared, &mut state);
            receiver
        };
        Box::pin(async move {
            match receiver.await {
                Ok(answer) => answer.map_err(|error| *error),
                Err(_) => Err(unregistered()),
            }
        })
    }
}

fn unregistered() -> DescribeJobsSdkError {
    aws_smithy_runtime_api::client::result::SdkError::construction_failure(
        "the shared DescribeJobs poller stopped serving this wait",
    )
}

impl Call<DescribeJobsResponse, DescribeJobsSdkError> for PolledCall {
    type Fut = AnswerFuture;
    type Sleep = SleepFuture;

    fn call(&mut self) -> AnswerFuture {
        self.answer()
    }

    fn sleep_until(&mut self, at: Instant) -> SleepFuture {
        let window = self
            .poller
            .shared
            .tolerance
            .min(at.saturating_duration_since(Instant::now()) / 2);
        // Unregistered, the sender is gone at once and so is the sleep.
        let woken = match self.poller.lock().waits.get_mut(&self.key) {
            Some(entry) => entry.sleep(at, window),
            None => oneshot::channel().1,
        };
        // An early answer ends the sleep before `at`.
        Box::pin(async move {
            let _ = tokio::time::timeout_at(at, woken).await;
        })
    }
}

impl Drop for PolledCall {
    fn drop(&mut self) {
        let mut state = self.poller.lock();
        if let Some(entry) = state.waits.remove(&self.key) {
            release_ids(&mut state, &entry.ids);
        }
        if state.waits.is_empty()
            && let Some(round) = state.round.take()
        {
            round.abort();
        }
    }
}

/// A typed answer: the poller's response converted to the output a waiter wants.
pub(crate) struct TypedCall<O> {
    inner: PolledCall,
    convert: fn(DescribeJobsResponse) -> O,
}

impl<O> TypedCall<O> {
    pub(crate) fn new(inner: PolledCall, convert: fn(DescribeJobsResponse) -> O) -> Self {
        Self { inner, convert }
    }
}

impl<O: 'static> Call<O, DescribeJobsSdkError> for TypedCall<O> {
    type Fut = Pin<Box<dyn Future<Output = Result<O, DescribeJobsSdkError>> + Send>>;
    type Sleep = SleepFuture;

    fn call(&mut self) -> Self::Fut {
        let answer = self.inner.answer();
        let convert = self.convert;
        Box::pin(async move { answer.await.map(convert) })
    }

    fn sleep_until(&mut self, at: Instant) -> SleepFuture {
        self.inner.sleep_until(at)
    }
}

//! The wait loop: botocore's semantics plus transient retries, deadlines and observers.
//!
//! It knows nothing about Batch: it calls an operation, asks a classifier which acceptor (if
//! any) matched, and paces the calls. Typed (generated) waiters and run-time (model-driven)
//! waiters both run on [`wait`].

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use waiters_model::AcceptorState;

use crate::config::WaiterConfig;
use crate::error::{AcceptorMatch, ErrorClass, FailureReason, OperationError, WaitError};

/// A successful wait: the response that matched a `success` acceptor, and how it got there.
///
/// Read through its methods, as a [`WaitError`] is.
#[derive(Debug)]
pub struct Waited<O, E> {
    pub(crate) response: Result<O, E>,
    pub(crate) acceptor: AcceptorMatch,
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
}

impl<O, E> Waited<O, E> {
    /// The response that matched: usually the output; an error for waiters that succeed
    /// on an error code (a "not exists" waiter).
    pub fn response(&self) -> &Result<O, E> {
        &self.response
    }

    /// Takes the response out.
    pub fn into_response(self) -> Result<O, E> {
        self.response
    }

    /// The output, when the matching response was one.
    pub fn output(&self) -> Option<&O> {
        self.response.as_ref().ok()
    }

    /// Takes the output out, when the matching response was one.
    pub fn into_output(self) -> Option<O> {
        self.response.ok()
    }

    /// The `success` acceptor that matched.
    pub fn acceptor(&self) -> &AcceptorMatch {
        &self.acceptor
    }

    /// Calls made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the start of the wait to its end.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// What an observer is told after each call.
#[derive(Debug)]
#[non_exhaustive]
pub struct Attempt<'a, O, E> {
    /// The waiter's name.
    pub waiter: &'a str,
    /// Calls made so far, this one included.
    pub number: u32,
    /// What the call returned.
    pub response: &'a Result<O, E>,
    /// The acceptor that matched, if any.
    pub matched: Option<&'a AcceptorMatch>,
    /// The sleep before the next call; `None` when this call ended the wait.
    pub next_poll: Option<Duration>,
    /// Time since the wait started.
    pub elapsed: Duration,
}

/// Receives every [`Attempt`]; closures `FnMut(&Attempt<O, E>)` are observers.
pub trait Observer<O, E> {
    /// Called after each call, before any sleep.
    fn on_attempt(&mut self, attempt: &Attempt<'_, O, E>);
}

impl<O, E, F: FnMut(&Attempt<'_, O, E>)> Observer<O, E> for F {
    fn on_attempt(&mut self, attempt: &Attempt<'_, O, E>) {
        self(attempt)
    }
}

/// An observer that does nothing (log lines still go to `tracing`).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoObserver;

impl<O, E> Observer<O, E> for NoObserver {
    fn on_attempt(&mut self, _: &Attempt<'_, O, E>) {}
}

/// How a wait makes its calls: any `FnMut() -> impl Future` closure, or a caller that also
/// wants to know when the next call is due (the shared poller, which can then fetch a
/// wait's result together with others' a little early).
pub trait Call<O, E> {
    /// The future of one call.
    type Fut: Future<Output = Result<O, E>>;
    /// The future of one sleep.
    type Sleep: Future<Output = ()>;

    /// Makes one call.
    fn call(&mut self) -> Self::Fut;

    /// Sleeps until the next call, due at `at`; returning earlier makes the call earlier
    /// (the shared poller does, when it fetched this wait's answer with others' already).
    fn sleep_until(&mut self, at: Instant) -> Self::Sleep;
}

impl<O, E, F, Fut> Call<O, E> for F
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<O, E>>,
{
    type Fut = Fut;
    type Sleep = tokio::time::Sleep;

    fn call(&mut self) -> Fut {
        self()
    }

    fn sleep_until(&mut self, at: Instant) -> tokio::time::Sleep {
        tokio::time::sleep_until(at)
    }
}

/// Where a wait starts, for `wait_for_job`'s phases: the first one sleeps the initial
/// delay through its [`Call`] (so a shared poller may answer it early, with others'), and
/// through a poller each later one takes the response that ended the phase before as its
/// first attempt (a call at the same instant would ask the same question).
pub(crate) struct Start<O, E> {
    /// No call before this instant.
    pub(crate) at: Option<Instant>,
    /// The first attempt's response, already in hand (boxed: see [`Kept`]).
    pub(crate) response: Option<Box<Result<O, E>>>,
}

impl<O, E> Default for Start<O, E> {
    fn default() -> Self {
        Self {
            at: None,
            response: None,
        }
    }
}

/// Runs a wait.
///
/// - `operation` makes one call (a closure, or any [`Call`]); the first call is immediate and the engine sleeps only
///   between calls.
/// - `classify` returns the first acceptor (in model order) that matches a response.
/// - A `success` match returns; a `failure` match fails; a `retry` match or an unmatched
///   output polls again; an unmatched error fails at once unless it is transient and
///   `config.transient_errors` retries it.
/// - Each call is bounded by `config.call_timeout`; one that runs longer is abandoned and
///   counts as a transient timeout ([`OperationError::call_timed_out`]).
/// - Calls that get no answer (connection failures and timeouts) are retried after the
///   transient backoff alone, not the waiter's delay, and end the wait with
///   [`FailureReason::Unreachable`] once they have gone on in a row for
///   `config.connect_give_up`.
/// - The attempt budget and the `max_wait` deadline end the wait with the last response.
///
/// Dropping the returned future cancels the wait: no further calls are made.
pub async fn wait<O, E, Op, C, Obs>(
    waiter: impl Into<Cow<'static, str>>,
    config: &WaiterConfig,
    operation: Op,
    classify: C,
    observer: Obs,
) -> Result<Waited<O, E>, WaitError<O, E>>
where
    Op: Call<O, E>,
    C: Fn(&Result<O, E>) -> Option<AcceptorMatch>,
    E: OperationError,
    Obs: Observer<O, E>,
{
    wait_from(
        waiter,
        config,
        Start::default(),
        operation,
        classify,
        observer,
    )
    .await
}

/// [`wait`] from `start`.
pub(crate) async fn wait_from<O, E, Op, C, Obs>(
    waiter: impl Into<Cow<'static, str>>,
    config: &WaiterConfig,
    start: Start<O, E>,
    mut operation: Op,
    classify: C,
    mut observer: Obs,
) -> Result<Waited<O, E>, WaitError<O, E>>
where
    Op: Call<O, E>,
    C: Fn(&Result<O, E>) -> Option<AcceptorMatch>,
    E: OperationError,
    Obs: Observer<O, E>,
{
    let mut state = LoopState::new(waiter.into(), config);
    let Start {
        at: first_call_at,
        response: mut first_response,
    } = start;
    if let Some(at) = first_call_at {
        match state.deadline {
            // Past the deadline the wait ends without a call, as after any sleep: no
            // early answer may start one.
            Some(deadline) if at >= deadline => tokio::time::sleep_until(deadline).await,
            _ => operation.sleep_until(at).await,
        }
    }
    loop {
        // The call is awaited here rather than in a `LoopState` method: an inner future
        // would keep its own copy of the loop's locals in every waiting job's future.
        let call = state.call_window()?;
        let finished = match (first_response.take(), call.limit) {
            (Some(response), _) => Some(*response),
            (None, Some(limit)) => tokio::time::timeout_at(limit, operation.call()).await.ok(),
            (None, None) => Some(operation.call().await),
        };
        let response = state.call_outcome(finished, &call)?;
        let call_started = call.started;
        state.attempts = state.attempts.saturating_add(1);
        let matched = classify(&response);
        let verdict = state.judge(&response, matched.as_ref(), call_started);
        let next_poll = state.next_sleep(&verdict);
        let elapsed = state.started.elapsed();
        tracing::debug!(
            waiter = %state.waiter,
            attempt = state.attempts,
            matched = matched.as_ref().map(|m| m.explanation.as_ref()),
            state = matched.as_ref().map(|m| m.state.as_str()),
            error = response.as_ref().err().map(|e| e.describe()),
            next_poll = ?next_poll,
            "waiter attempt"
        );
        observer.on_attempt(&Attempt {
            waiter: &state.waiter,
            number: state.attempts,
            response: &response,
            matched: matched.as_ref(),
            next_poll,
            elapsed,
        });
        // `Next` is taken apart before the sleep: held across it (as a match scrutinee
        // would be), it would put a whole result into every sleeping wait's future.
        let (wake, sleep) = match state.settle(verdict, response, next_poll, elapsed) {
            Next::CallAt(wake) => (Some(wake), Duration::ZERO),
            Next::CallAfter(sleep) => (None, sleep),
            Next::Done(result) => return result,
        };
        match wake {
            Some(wake) => operation.sleep_until(wake).await,
            // Too far to represent: tokio sleeps "forever" without overflowing.
            None => tokio::time::sleep(sleep).await,
        }
    }
}

/// What comes after an attempt.
enum Next<O, E> {
    /// Another call, after sleeping until then.
    CallAt(Instant),
    /// Another call, after a sleep too long to represent as an instant.
    CallAfter(Duration),
    /// The end of the wait.
    Done(Result<Waited<O, E>, WaitError<O, E>>),
}

/// When a call started and the instants that cut it short.
struct CallWindow {
    started: Instant,
    /// When the call's own timeout ends it.
    call_deadline: Option<Instant>,
    /// The earlier of the wait's deadline and `call_deadline`.
    limit: Option<Instant>,
}

/// What the wait loop carries from one attempt to the next.
struct LoopState<'a, O, E> {
    waiter: Cow<'static, str>,
    config: &'a WaiterConfig,
    started: Instant,
    /// No call starts at or after it; `None` also when too far to represent.
    deadline: Option<Instant>,
    attempts: u32,
    /// The last acceptor that matched, for "Previously accepted state".
    previously_accepted: Option<AcceptorMatch>,
    /// Transient errors in a row, for the backoff and the reason text.
    consecutive_transient: u32,
    /// When the current run of calls without an answer started, and how many it has.
    unanswered: Option<(Instant, u32)>,
    /// Kept across every sleep: see [`Kept`].
    last_response: Option<Kept<O, E>>,
}

impl<'a, O, E: OperationError> LoopState<'a, O, E> {
    fn new(waiter: Cow<'static, str>, config: &'a WaiterConfig) -> Self {
        let started = Instant::now();
        Self {
            waiter,
            config,
            started,
            // A deadline too far to represent is no deadline.
            deadline: config.max_wait.and_then(|w| started.checked_add(w)),
            attempts: 0,
            previously_accepted: None,
            consecutive_transient: 0,
            unanswered: None,
            last_response: None,
        }
    }

    /// The window of the next call: no call starts at or after the deadline, and none runs
    /// past it or past its own timeout.
    fn call_window(&mut self) -> Result<CallWindow, WaitError<O, E>> {
        let started = Instant::now();
        if self.deadline.is_some_and(|deadline| started >= deadline) {
            return Err(self.max_wait_exceeded());
        }
        let call_deadline = self
            .config
            .call_timeout
            .and_then(|timeout| started.checked_add(timeout));
        let limit = match (self.deadline, call_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(CallWindow {
            started,
            call_deadline,
            limit,
        })
    }

    /// The response of a call made in `window`; `None` when its limit came first: the
    /// deadline ends the wait, a call timeout is a transient error where `E` has one.
    fn call_outcome(
        &mut self,
        finished: Option<Result<O, E>>,
        window: &CallWindow,
    ) -> Result<Result<O, E>, WaitError<O, E>> {
        match finished {
            Some(response) => Ok(response),
            // The deadline came first (or at the same time).
            None if self
                .deadline
                .is_some_and(|d| window.call_deadline.is_none_or(|c| d <= c)) =>
            {
                Err(self.max_wait_exceeded())
            }
            None => {
                let timeout = self.config.call_timeout.unwrap_or_default();
                tracing::debug!(waiter = %self.waiter, ?timeout, "call abandoned after its timeout");
                match E::call_timed_out(timeout) {
                    Some(error) => Ok(Err(error)),
                    None => {
                        self.attempts = self.attempts.saturating_add(1);
                        Err(self.fail(FailureReason::CallTimedOut { timeout }))
                    }
                }
            }
        }
    }

    /// What `response` (which `matched`) means for the wait; remembers the match, and the
    /// run of calls without an answer (which gives up after `connect_give_up`).
    fn judge(
        &mut self,
        response: &Result<O, E>,
        matched: Option<&AcceptorMatch>,
        call_started: Instant,
    ) -> Verdict {
        let verdict = match (matched, response) {
            (Some(m), _) => match m.state {
                AcceptorState::Success => Verdict::Success(m.clone()),
                AcceptorState::Failure => Verdict::Failure(FailureReason::TerminalFailure {
                    acceptor: m.clone(),
                }),
                AcceptorState::Retry => Verdict::Poll { backoff: None },
            },
            (None, Ok(_)) => Verdict::Poll { backoff: None },
            (None, Err(e)) => self.judge_error(e),
        };
        if let Some(m) = matched {
            self.previously_accepted = Some(m.clone());
        }
        let (Verdict::Unanswered { .. }, Err(error)) = (&verdict, response) else {
            self.unanswered = None;
            return verdict;
        };
        let (since, failures) = self.unanswered.get_or_insert((call_started, 0));
        *failures = failures.saturating_add(1);
        let duration = since.elapsed();
        if self
            .config
            .connect_give_up
            .is_some_and(|give_up| duration >= give_up)
        {
            return Verdict::Failure(FailureReason::Unreachable {
                failures: *failures,
                duration,
                last_error: error.describe(),
            });
        }
        verdict
    }

    /// An error no acceptor matched: retried after a backoff when transient (and the
    /// config retries those), else the end of the wait.
    fn judge_error(&self, error: &E) -> Verdict {
        let class = error.class();
        let backoff = self
            .config
            .transient_errors
            .backoff(self.consecutive_transient + 1)
            .filter(|_| class.is_transient());
        match backoff {
            Some(backoff) if no_answer(class) => Verdict::Unanswered { backoff },
            Some(backoff) => Verdict::Poll {
                backoff: Some(backoff),
            },
            None => Verdict::Failure(unmatched_error(class, error)),
        }
    }

    /// The sleep before the next call; `None` when this attempt ends the wait.
    fn next_sleep(&self, verdict: &Verdict) -> Option<Duration> {
        let max_attempts = self.config.max_attempts.map(|n| n.max(1));
        match verdict {
            _ if max_attempts.is_some_and(|max| self.attempts >= max) => None,
            // Nothing answered: the backoff alone, not the waiter's delay (which can be
            // minutes), so that an endpoint that comes back is found soon.
            Verdict::Unanswered { backoff } => Some(*backoff),
            Verdict::Poll { backoff } => {
                let sleep = self.config.sleep_after(self.attempts);
                Some(backoff.map_or(sleep, |b| sleep.max(b)))
            }
            Verdict::Success(_) | Verdict::Failure(_) => None,
        }
    }

    /// Ends the wait, or keeps `response` and says when to call next. A sleep that would
    /// reach the deadline ends the wait now.
    fn settle(
        &mut self,
        verdict: Verdict,
        response: Result<O, E>,
        next_poll: Option<Duration>,
        elapsed: Duration,
    ) -> Next<O, E> {
        let transient = match verdict {
            Verdict::Success(acceptor) => {
                return Next::Done(Ok(Waited {
                    response,
                    acceptor,
                    attempts: self.attempts,
                    elapsed,
                }));
            }
            Verdict::Failure(reason) => {
                self.last_response = Some(keep(response));
                return Next::Done(Err(self.fail(reason)));
            }
            Verdict::Poll { backoff } => backoff.is_some(),
            Verdict::Unanswered { .. } => true,
        };
        self.consecutive_transient = if transient {
            self.consecutive_transient + 1
        } else {
            0
        };
        self.last_response = Some(keep(response));
        let Some(sleep) = next_poll else {
            let reason = FailureReason::MaxAttemptsExceeded {
                previously_accepted: self.previously_accepted.take(),
                last_error: self.transient_text(),
            };
            return Next::Done(Err(self.fail(reason)));
        };
        let wake = Instant::now().checked_add(sleep);
        if let Some(deadline) = self.deadline
            && wake.is_none_or(|wake| wake >= deadline)
        {
            return Next::Done(Err(self.max_wait_exceeded()));
        }
        match wake {
            Some(wake) => Next::CallAt(wake),
            None => Next::CallAfter(sleep),
        }
    }

    /// The error that ends the wait, with the last response kept.
    fn fail(&mut self, reason: FailureReason) -> WaitError<O, E> {
        tracing::debug!(waiter = %self.waiter, attempts = self.attempts, %reason, "wait failed");
        WaitError {
            waiter: self.waiter.clone(),
            reason,
            attempts: self.attempts,
            elapsed: self.started.elapsed(),
            last_response: self.last_response.take().map(unkeep),
        }
    }

    /// The wait's deadline came.
    fn max_wait_exceeded(&mut self) -> WaitError<O, E> {
        let reason = FailureReason::MaxWaitExceeded {
            max_wait: self.config.max_wait.unwrap_or_default(),
            previously_accepted: self.previously_accepted.take(),
            last_error: self.transient_text(),
        };
        self.fail(reason)
    }

    /// The text of the last transient error, when the wait ends right after one (the
    /// last response is then that error).
    fn transient_text(&self) -> Option<String> {
        if self.consecutive_transient == 0 {
            return None;
        }
        let error = self.last_response.as_ref()?.as_ref().err()?;
        Some(match error.class().code_and_message() {
            Some((code, message)) => FailureReason::ServiceError { code, message }.to_string(),
            None => error.describe(),
        })
    }
}

/// Failures without an answer from the service: the endpoint may be unreachable.
fn no_answer(class: ErrorClass<'_>) -> bool {
    matches!(class, ErrorClass::Timeout | ErrorClass::Connection)
}

/// What one response means for the wait.
enum Verdict {
    Success(AcceptorMatch),
    Failure(FailureReason),
    /// Poll again; `backoff` is the shortest sleep after a transient error.
    Poll {
        backoff: Option<Duration>,
    },
    /// A call got no answer (connection failure, timeout): poll again after `backoff`.
    Unanswered {
        backoff: Duration,
    },
}

/// A response kept across a sleep: its output or its error, boxed.
///
/// Every waiting task's future holds what the wait keeps across its sleeps, so the size of
/// that future is what each of many waiting jobs costs (BENCHMARKS.md measures it). What
/// is kept rarely is boxed, here and in [`Start::response`], in the poller's answers, and
/// in the SDK call futures of typed and run-time waits: a response inline would take its
/// largest form's room in every task. The output and the error are boxed apart, because
/// an SDK error is several times larger than most outputs.
type Kept<O, E> = Result<Box<O>, Box<E>>;

fn keep<O, E>(response: Result<O, E>) -> Kept<O, E> {
    response.map(Box::new).map_err(Box::new)
}

fn unkeep<O, E>(kept: Kept<O, E>) -> Result<O, E> {
    kept.map(|output| *output).map_err(|error| *error)
}

fn unmatched_error<E: OperationError>(class: ErrorClass<'_>, error: &E) -> FailureReason {
    match class.code_and_message() {
        Some((code, message)) => FailureReason::ServiceError { code, message },
        None => FailureReason::RequestFailed {
            message: error.describe(),
        },
    }
}

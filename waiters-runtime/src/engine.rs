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
#[derive(Debug)]
#[non_exhaustive]
pub struct Waited<O, E> {
    /// The response that matched: usually the output; an error for waiters that succeed on
    /// an error code (a "not exists" waiter).
    pub response: Result<O, E>,
    /// The `success` acceptor that matched.
    pub acceptor: AcceptorMatch,
    /// Calls made.
    pub attempts: u32,
    /// Time from the start of the wait to its end.
    pub elapsed: Duration,
}

impl<O, E> Waited<O, E> {
    /// The output, when the matching response was one.
    pub fn output(&self) -> Option<&O> {
        self.response.as_ref().ok()
    }

    /// Takes the output out, when the matching response was one.
    pub fn into_output(self) -> Option<O> {
        self.response.ok()
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
    /// The first attempt's response, already in hand (boxed: a `Start` is kept in the
    /// wait's future, whose size every waiting task pays).
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
    let waiter = waiter.into();
    let started = Instant::now();
    // A deadline too far to represent is no deadline.
    let deadline = config.max_wait.and_then(|w| started.checked_add(w));
    let max_attempts = config.max_attempts.map(|n| n.max(1));
    let mut attempts = 0u32;
    let mut previously_accepted: Option<AcceptorMatch> = None;
    let mut consecutive_transient = 0u32;
    // When the current run of calls without an answer started, and how many it has.
    let mut unanswered: Option<(Instant, u32)> = None;
    // Boxed, as is `Start::response`: kept across every sleep, so inline it would grow the
    // future of every waiting task. The output and the error are boxed apart: a box of the
    // whole `Result` takes an SDK error's room (360 bytes for DescribeJobs) for an output
    // that needs far less (48), in every waiting task.
    let mut last_response: Option<Kept<O, E>> = None;
    let Start {
        at: first_call_at,
        response: mut first_response,
    } = start;
    if let Some(at) = first_call_at {
        match deadline {
            // Past the deadline the wait ends without a call, as after any sleep: no
            // early answer may start one.
            Some(deadline) if at >= deadline => tokio::time::sleep_until(deadline).await,
            _ => operation.sleep_until(at).await,
        }
    }

    loop {
        // No call starts at or after the deadline, and none runs past it or past its
        // own timeout.
        let call_started = Instant::now();
        if deadline.is_some_and(|deadline| call_started >= deadline) {
            return Err(failed(
                &waiter,
                started,
                max_wait_exceeded(
                    config,
                    previously_accepted,
                    last_error(&last_response),
                    consecutive_transient,
                ),
                attempts,
                last_response,
            ));
        }
        let call_deadline = config
            .call_timeout
            .and_then(|timeout| call_started.checked_add(timeout));
        let limit = match (deadline, call_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let finished = match (first_response.take(), limit) {
            (Some(response), _) => Some(*response),
            (None, Some(limit)) => tokio::time::timeout_at(limit, operation.call()).await.ok(),
            (None, None) => Some(operation.call().await),
        };
        let response = match finished {
            Some(response) => response,
            // The deadline came first (or at the same time).
            None if deadline.is_some_and(|d| call_deadline.is_none_or(|c| d <= c)) => {
                return Err(failed(
                    &waiter,
                    started,
                    max_wait_exceeded(
                        config,
                        previously_accepted,
                        last_error(&last_response),
                        consecutive_transient,
                    ),
                    attempts,
                    last_response,
                ));
            }
            None => {
                let timeout = config.call_timeout.unwrap_or_default();
                tracing::debug!(waiter = %waiter, ?timeout, "call abandoned after its timeout");
                match E::call_timed_out(timeout) {
                    Some(error) => Err(error),
                    None => {
                        return Err(failed(
                            &waiter,
                            started,
                            FailureReason::CallTimedOut { timeout },
                            attempts.saturating_add(1),
                            last_response,
                        ));
                    }
                }
            }
        };
        attempts = attempts.saturating_add(1);
        let matched = classify(&response);

        let mut verdict = match (&matched, &response) {
            (Some(m), _) => match m.state {
                AcceptorState::Success => Verdict::Success(m.clone()),
                AcceptorState::Failure => Verdict::Failure(FailureReason::TerminalFailure {
                    acceptor: m.clone(),
                }),
                AcceptorState::Retry => Verdict::Poll { backoff: None },
            },
            (None, Ok(_)) => Verdict::Poll { backoff: None },
            (None, Err(e)) => {
                let class = e.class();
                match config
                    .transient_errors
                    .backoff(consecutive_transient + 1)
                    .filter(|_| class.is_transient())
                {
                    Some(backoff) if no_answer(class) => Verdict::Unanswered { backoff },
                    Some(backoff) => Verdict::Poll {
                        backoff: Some(backoff),
                    },
                    None => Verdict::Failure(unmatched_error(class, e)),
                }
            }
        };
        if let Some(m) = &matched {
            previously_accepted = Some(m.clone());
        }
        if let (Verdict::Unanswered { .. }, Err(error)) = (&verdict, &response) {
            let (since, failures) = unanswered.get_or_insert((call_started, 0));
            *failures = failures.saturating_add(1);
            let duration = since.elapsed();
            if config
                .connect_give_up
                .is_some_and(|give_up| duration >= give_up)
            {
                verdict = Verdict::Failure(FailureReason::Unreachable {
                    failures: *failures,
                    duration,
                    last_error: error.describe(),
                });
            }
        } else {
            unanswered = None;
        }

        let elapsed = started.elapsed();
        let next_poll = match verdict {
            _ if max_attempts.is_some_and(|max| attempts >= max) => None,
            // Nothing answered: the backoff alone, not the waiter's delay (which can be
            // minutes), so that an endpoint that comes back is found soon.
            Verdict::Unanswered { backoff } => Some(backoff),
            Verdict::Poll { backoff } => {
                let sleep = config.sleep_after(attempts);
                Some(backoff.map_or(sleep, |b| sleep.max(b)))
            }
            Verdict::Success(_) | Verdict::Failure(_) => None,
        };
        tracing::debug!(
            waiter = %waiter,
            attempt = attempts,
            matched = matched.as_ref().map(|m| m.explanation.as_ref()),
            state = matched.as_ref().map(|m| m.state.as_str()),
            error = response.as_ref().err().map(|e| e.describe()),
            next_poll = ?next_poll,
            "waiter attempt"
        );
        observer.on_attempt(&Attempt {
            waiter: &waiter,
            number: attempts,
            response: &response,
            matched: matched.as_ref(),
            next_poll,
            elapsed,
        });

        let transient = match verdict {
            Verdict::Success(acceptor) => {
                return Ok(Waited {
                    response,
                    acceptor,
                    attempts,
                    elapsed,
                });
            }
            Verdict::Failure(reason) => {
                return Err(failed(
                    &waiter,
                    started,
                    reason,
                    attempts,
                    Some(keep(response)),
                ));
            }
            Verdict::Poll { backoff } => backoff.is_some(),
            Verdict::Unanswered { .. } => true,
        };
        consecutive_transient = if transient {
            consecutive_transient + 1
        } else {
            0
        };
        let Some(sleep) = next_poll else {
            let last_error = transient_text(response.as_ref().err(), consecutive_transient);
            return Err(failed(
                &waiter,
                started,
                FailureReason::MaxAttemptsExceeded {
                    previously_accepted,
                    last_error,
                },
                attempts,
                Some(keep(response)),
            ));
        };
        last_response = Some(keep(response));
        if let Some(deadline) = deadline
            && Instant::now()
                .checked_add(sleep)
                .is_none_or(|wake| wake >= deadline)
        {
            return Err(failed(
                &waiter,
                started,
                max_wait_exceeded(
                    config,
                    previously_accepted,
                    last_error(&last_response),
                    consecutive_transient,
                ),
                attempts,
                last_response,
            ));
        }
        match Instant::now().checked_add(sleep) {
            Some(wake) => operation.sleep_until(wake).await,
            // Too far to represent: tokio sleeps "forever" without overflowing.
            None => tokio::time::sleep(sleep).await,
        }
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

/// The error that ends a wait (a function, not a closure in `wait_from`: a closure's
/// captures would take room in the future of every waiting task).
// The name is cloned as a `Cow`: a static name stays borrowed, as it was in the closure.
#[allow(clippy::ptr_arg)]
fn failed<O, E>(
    waiter: &Cow<'static, str>,
    started: Instant,
    reason: FailureReason,
    attempts: u32,
    last_response: Option<Kept<O, E>>,
) -> WaitError<O, E> {
    tracing::debug!(waiter = %waiter, attempts, %reason, "wait failed");
    WaitError {
        waiter: waiter.clone(),
        reason,
        attempts,
        elapsed: started.elapsed(),
        last_response: last_response.map(unkeep),
    }
}

/// A response kept across a sleep: its output or its error, boxed (see `wait_from`).
type Kept<O, E> = Result<Box<O>, Box<E>>;

fn keep<O, E>(response: Result<O, E>) -> Kept<O, E> {
    response.map(Box::new).map_err(Box::new)
}

fn unkeep<O, E>(kept: Kept<O, E>) -> Result<O, E> {
    kept.map(|output| *output).map_err(|error| *error)
}

/// The error of the kept response, if it is one.
fn last_error<O, E>(kept: &Option<Kept<O, E>>) -> Option<&E> {
    kept.as_ref()?.as_ref().err().map(|error| &**error)
}

fn max_wait_exceeded<E: OperationError>(
    config: &WaiterConfig,
    previously_accepted: Option<AcceptorMatch>,
    last_error: Option<&E>,
    consecutive_transient: u32,
) -> FailureReason {
    FailureReason::MaxWaitExceeded {
        max_wait: config.max_wait.unwrap_or_default(),
        previously_accepted,
        last_error: transient_text(last_error, consecutive_transient),
    }
}

fn unmatched_error<E: OperationError>(class: ErrorClass<'_>, error: &E) -> FailureReason {
    match class {
        ErrorClass::Service {
            code,
            message,
            status,
        } => {
            let (code, message) = code_and_message(code, message, status);
            FailureReason::ServiceError { code, message }
        }
        ErrorClass::Timeout | ErrorClass::Connection | ErrorClass::Other => {
            FailureReason::RequestFailed {
                message: error.describe(),
            }
        }
    }
}

/// The text of the last transient error (`error`: the last response's, if it is one), when
/// the wait ends right after one.
fn transient_text<E: OperationError>(
    error: Option<&E>,
    consecutive_transient: u32,
) -> Option<String> {
    if consecutive_transient == 0 {
        return None;
    }
    let error = error?;
    Some(match error.class() {
        ErrorClass::Service {
            code,
            message,
            status,
        } => {
            let (code, message) = code_and_message(code, message, status);
            FailureReason::ServiceError { code, message }.to_string()
        }
        _ => error.describe(),
    })
}

/// A service error's code and message for botocore's reason text. Without a code the
/// HTTP status stands in, as in botocore (`An error occurred (403): ...`).
fn code_and_message(
    code: Option<&str>,
    message: Option<&str>,
    status: Option<u16>,
) -> (String, String) {
    let code = match (code, status) {
        (Some(code), _) => code.to_owned(),
        (None, Some(status)) => status.to_string(),
        (None, None) => "Unknown".to_owned(),
    };
    let message = match (message, status) {
        (Some(message), _) => message.to_owned(),
        (None, Some(status)) => format!("the HTTP {status} response has no error message"),
        (None, None) => "the response has no error message".to_owned(),
    };
    (code, message)
}

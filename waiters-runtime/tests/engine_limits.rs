//! The engine against endpoints that do not answer, on tokio's paused clock: the call
//! timeout, the transient backoff for connection failures, and giving up on an
//! unreachable endpoint.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;
use waiters_runtime::engine::wait;
use waiters_runtime::engine::{Attempt, NoObserver};
use waiters_runtime::error::{AcceptorMatch, ErrorClass, FailureReason, OperationError};
use waiters_runtime::{AcceptorState, WaiterConfig};

/// What a scripted call does.
#[derive(Clone, Debug, PartialEq)]
enum Call {
    Status(&'static str),
    /// Connection refused, after `0` seconds.
    Refused(u64),
    /// Never completes.
    Hang,
    Throttled,
    /// A 403 with a body the client could not read a code or message from.
    Forbidden,
}

#[derive(Debug, PartialEq)]
enum Failure {
    Refused,
    TimedOut(Duration),
    Throttled,
    Forbidden,
}

impl OperationError for Failure {
    fn class(&self) -> ErrorClass<'_> {
        match self {
            Failure::Refused => ErrorClass::Connection,
            Failure::TimedOut(_) => ErrorClass::Timeout,
            Failure::Throttled => ErrorClass::Service {
                code: Some("ThrottlingException"),
                message: Some("slow down"),
                status: Some(400),
            },
            Failure::Forbidden => ErrorClass::Service {
                code: None,
                message: None,
                status: Some(403),
            },
        }
    }
    fn describe(&self) -> String {
        match self {
            Failure::Refused => "connection refused by 127.0.0.1:1".to_owned(),
            Failure::TimedOut(after) => format!("no answer within {after:?}"),
            Failure::Throttled => "throttled".to_owned(),
            Failure::Forbidden => "forbidden".to_owned(),
        }
    }
    fn call_timed_out(timeout: Duration) -> Option<Self> {
        Some(Failure::TimedOut(timeout))
    }
}

/// An error type that cannot express a timeout (the trait's default).
#[derive(Debug)]
struct Opaque;

impl OperationError for Opaque {
    fn class(&self) -> ErrorClass<'_> {
        ErrorClass::Other
    }
    fn describe(&self) -> String {
        "opaque".to_owned()
    }
}

fn classify<E>(result: &Result<&'static str, E>) -> Option<AcceptorMatch> {
    match result {
        Ok("SUCCEEDED") => Some(AcceptorMatch {
            index: 0,
            state: AcceptorState::Success,
            explanation: Cow::Borrowed("all SUCCEEDED"),
        }),
        _ => None,
    }
}

struct Run {
    result: Result<u32, (FailureReason, u32)>,
    /// When each call started, in seconds from the start.
    starts: Vec<f64>,
    /// The sleep the engine announced after each call.
    next_polls: Vec<Option<f64>>,
}

async fn run(config: WaiterConfig, script: &[Call], then: Call) -> Run {
    let script = RefCell::new(script.iter().cloned().collect::<VecDeque<_>>());
    let starts = RefCell::new(Vec::new());
    let next_polls = RefCell::new(Vec::new());
    let start = Instant::now();
    let result = wait(
        "JobComplete",
        &config,
        || {
            starts.borrow_mut().push(start.elapsed().as_secs_f64());
            let call = script
                .borrow_mut()
                .pop_front()
                .unwrap_or_else(|| then.clone());
            async move {
                match call {
                    Call::Status(s) => Ok(s),
                    Call::Refused(after) => {
                        tokio::time::sleep(Duration::from_secs(after)).await;
                        Err(Failure::Refused)
                    }
                    Call::Hang => std::future::pending().await,
                    Call::Throttled => Err(Failure::Throttled),
                    Call::Forbidden => Err(Failure::Forbidden),
                }
            }
        },
        classify,
        |attempt: &Attempt<'_, &'static str, Failure>| {
            next_polls
                .borrow_mut()
                .push(attempt.next_poll.map(|d| d.as_secs_f64()))
        },
    )
    .await;
    Run {
        result: result
            .map(|w| w.attempts())
            .map_err(|e| (e.reason().clone(), e.attempts())),
        starts: starts.into_inner(),
        next_polls: next_polls.into_inner(),
    }
}

/// The bundled JobComplete's pacing: 300 s between polls, 288 attempts.
fn job_complete() -> WaiterConfig {
    WaiterConfig::new(Duration::from_secs(300), Some(288))
}

#[test]
fn defaults_are_a_minute() {
    let config = job_complete();
    assert_eq!(config.call_timeout, Some(Duration::from_secs(60)));
    assert_eq!(config.connect_give_up, Some(Duration::from_secs(60)));
}

#[tokio::test(start_paused = true)]
async fn a_call_that_never_answers_times_out_and_is_retried_as_transient() {
    let mut config = job_complete();
    config.call_timeout = Some(Duration::from_secs(10));
    config.connect_give_up = None;
    let r = run(config, &[Call::Hang, Call::Hang], Call::Status("SUCCEEDED")).await;
    assert_eq!(r.result, Ok(3));
    // 10 s timeout, 1 s backoff, 10 s timeout, 2 s backoff: not the 300 s delay.
    assert_eq!(r.starts, [0.0, 11.0, 23.0]);
    assert_eq!(r.next_polls, [Some(1.0), Some(2.0), None]);
}

#[tokio::test(start_paused = true)]
async fn without_a_call_timeout_a_hanging_call_waits_for_the_deadline() {
    let mut config = job_complete();
    config.call_timeout = None;
    config.max_wait = Some(Duration::from_secs(3600));
    let r = run(config, &[], Call::Hang).await;
    assert_eq!(r.starts, [0.0]);
    assert!(
        matches!(r.result, Err((FailureReason::MaxWaitExceeded { .. }, 0))),
        "{:?}",
        r.result
    );
}

#[tokio::test(start_paused = true)]
async fn the_deadline_wins_over_a_call_timeout_at_the_same_instant() {
    let mut config = job_complete();
    config.call_timeout = Some(Duration::from_secs(30));
    config.max_wait = Some(Duration::from_secs(30));
    let r = run(config, &[], Call::Hang).await;
    assert!(
        matches!(r.result, Err((FailureReason::MaxWaitExceeded { .. }, 0))),
        "{:?}",
        r.result
    );
}

#[tokio::test(start_paused = true)]
async fn an_error_type_without_timeouts_ends_the_wait_on_a_call_timeout() {
    let mut config = job_complete();
    config.call_timeout = Some(Duration::from_secs(5));
    let start = Instant::now();
    let result = wait(
        "JobComplete",
        &config,
        std::future::pending::<Result<&'static str, Opaque>>,
        classify,
        NoObserver,
    )
    .await;
    let error = result.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(
        error.reason(),
        &FailureReason::CallTimedOut {
            timeout: Duration::from_secs(5)
        }
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(
        error.to_string(),
        "Waiter JobComplete failed: Call timed out: no answer within 5s"
    );
}

#[tokio::test(start_paused = true)]
async fn refused_connections_back_off_then_give_up_after_a_minute() {
    let r = run(job_complete(), &[], Call::Refused(0)).await;
    // Backoff 1, 2, 4, 8, 16, 32 s (not the model's 300 s): the seventh failure is at
    // 63 s, more than a minute after the first.
    assert_eq!(r.starts, [0.0, 1.0, 3.0, 7.0, 15.0, 31.0, 63.0]);
    let (reason, attempts) = r.result.unwrap_err();
    assert_eq!(attempts, 7);
    assert_eq!(
        reason,
        FailureReason::Unreachable {
            failures: 7,
            duration: Duration::from_secs(63),
            last_error: "connection refused by 127.0.0.1:1".to_owned(),
        }
    );
    assert_eq!(
        reason.to_string(),
        "Gave up after 7 calls in a row without an answer over 63s: connection refused by 127.0.0.1:1"
    );
    assert_eq!(r.next_polls.last(), Some(&None));
}

#[tokio::test(start_paused = true)]
async fn the_give_up_clock_counts_from_the_start_of_the_first_failed_call() {
    let mut config = job_complete();
    config.connect_give_up = Some(Duration::from_secs(30));
    // Each refusal takes 20 s to arrive (say, a slow SYN timeout inside the SDK).
    let r = run(config, &[], Call::Refused(20)).await;
    // 0-20 s, sleep 1, 21-41 s: 41 s > 30 s of failures.
    assert_eq!(r.starts, [0.0, 21.0]);
    assert!(
        matches!(
            r.result,
            Err((FailureReason::Unreachable { failures: 2, duration, .. }, 2)) if duration == Duration::from_secs(41)
        ),
        "{:?}",
        r.result
    );
}

#[tokio::test(start_paused = true)]
async fn an_answer_in_between_starts_the_count_again() {
    let mut config = WaiterConfig::new(Duration::from_secs(20), None);
    config.connect_give_up = Some(Duration::from_secs(30));
    let refused = Call::Refused(0);
    let r = run(
        config,
        &[
            refused.clone(),
            refused.clone(),
            refused.clone(),
            refused.clone(),
            Call::Status("RUNNING"),
            refused.clone(),
            refused.clone(),
            refused.clone(),
            refused.clone(),
        ],
        Call::Status("SUCCEEDED"),
    )
    .await;
    // Failures at 0, 1, 3, 7; an answer at 15 (backoff 8); then 35, 36, 38, 42 (the
    // answer's 20 s delay first; the backoff restarts at 1 s), then success at 50.
    assert_eq!(
        r.starts,
        [0.0, 1.0, 3.0, 7.0, 15.0, 35.0, 36.0, 38.0, 42.0, 50.0]
    );
    assert_eq!(r.result, Ok(10));
}

#[tokio::test(start_paused = true)]
async fn without_give_up_connection_failures_last_until_the_budget() {
    let mut config = WaiterConfig::new(Duration::from_secs(300), Some(12));
    config.connect_give_up = None;
    let r = run(config, &[], Call::Refused(0)).await;
    assert_eq!(r.starts.len(), 12);
    // The backoff is capped at 60 s.
    assert_eq!(
        r.starts.last(),
        Some(&(1.0 + 2.0 + 4.0 + 8.0 + 16.0 + 32.0 + 60.0 * 5.0))
    );
    assert!(
        matches!(
            &r.result,
            Err((FailureReason::MaxAttemptsExceeded { last_error: Some(e), .. }, 12)) if e == "connection refused by 127.0.0.1:1"
        ),
        "{:?}",
        r.result
    );
}

#[tokio::test(start_paused = true)]
async fn throttling_still_waits_for_the_models_delay() {
    let r = run(
        job_complete(),
        &[Call::Throttled],
        Call::Status("SUCCEEDED"),
    )
    .await;
    // A throttled call got an answer: max(300 s delay, 1 s backoff).
    assert_eq!(r.starts, [0.0, 300.0]);
    assert_eq!(r.result, Ok(2));
}

#[tokio::test(start_paused = true)]
async fn botocore_mode_fails_on_the_first_connection_failure() {
    let config = WaiterConfig::botocore(Duration::from_secs(300), 288);
    let r = run(config, &[], Call::Refused(0)).await;
    assert_eq!(r.starts, [0.0]);
    assert!(
        matches!(&r.result, Err((FailureReason::RequestFailed { message }, 1)) if message == "connection refused by 127.0.0.1:1"),
        "{:?}",
        r.result
    );
}

#[tokio::test(start_paused = true)]
async fn a_service_error_without_code_names_the_http_status() {
    let r = run(job_complete(), &[], Call::Forbidden).await;
    let (reason, attempts) = r.result.unwrap_err();
    assert_eq!(attempts, 1);
    assert_eq!(
        reason.to_string(),
        "An error occurred (403): the HTTP 403 response has no error message"
    );
}

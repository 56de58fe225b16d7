//! The wait loop on tokio's paused clock: exact poll times, attempt counts, reason strings.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use tokio::time::Instant;
use waiters_runtime::config::{DelayStrategy, RandomSource, TransientRetry};
use waiters_runtime::engine::Attempt;
use waiters_runtime::engine::wait;
use waiters_runtime::error::{AcceptorMatch, ErrorClass, FailureReason, OperationError};
use waiters_runtime::{AcceptorState, WaiterConfig};

/// A scripted operation result: a job status, or an error.
#[derive(Clone, Debug, PartialEq)]
enum Fake {
    Status(&'static str),
    Service(&'static str, u16),
    Timeout,
    Credentials,
}

#[derive(Debug, PartialEq)]
struct FakeError(Fake);

impl fmt::Display for FakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl OperationError for FakeError {
    fn class(&self) -> ErrorClass<'_> {
        match &self.0 {
            Fake::Service(code, status) => ErrorClass::Service {
                code: Some(code),
                message: Some("scripted"),
                status: Some(*status),
            },
            Fake::Timeout => ErrorClass::Timeout,
            _ => ErrorClass::Other,
        }
    }
    fn describe(&self) -> String {
        match &self.0 {
            Fake::Credentials => "no credentials in the environment".to_owned(),
            other => format!("{other:?}"),
        }
    }
}

/// The acceptors of JobComplete plus a retry on RUNNABLE, over a status string.
fn classify(result: &Result<&'static str, FakeError>) -> Option<AcceptorMatch> {
    let (index, state, explanation) = match result {
        Ok("SUCCEEDED") => (0, AcceptorState::Success, "all SUCCEEDED"),
        Ok("FAILED") => (1, AcceptorState::Failure, "any FAILED"),
        Ok("RUNNABLE") => (2, AcceptorState::Retry, "RUNNABLE means retry"),
        Err(FakeError(Fake::Service("JobNotFound", _))) => {
            (3, AcceptorState::Retry, "not found yet")
        }
        _ => return None,
    };
    Some(AcceptorMatch {
        index,
        state,
        explanation: Cow::Borrowed(explanation),
    })
}

struct Run {
    result: Result<u32, (String, Option<usize>, u32)>,
    /// Seconds since the start at which each call was made.
    call_times: Vec<f64>,
}

async fn run(config: WaiterConfig, script: &[Fake]) -> Run {
    let script = RefCell::new(script.iter().cloned().collect::<VecDeque<_>>());
    let times = RefCell::new(Vec::new());
    let start = Instant::now();
    let result = wait(
        "JobComplete",
        &config,
        || {
            times
                .borrow_mut()
                .push((Instant::now() - start).as_secs_f64());
            let next = script
                .borrow_mut()
                .pop_front()
                .unwrap_or(Fake::Status("RUNNING"));
            async move {
                match next {
                    Fake::Status(s) => Ok(s),
                    other => Err(FakeError(other)),
                }
            }
        },
        classify,
        |_: &Attempt<'_, &'static str, FakeError>| {},
    )
    .await;
    Run {
        result: result
            .map(|w| w.attempts())
            .map_err(|e| (e.to_string(), e.acceptor().map(|a| a.index), e.attempts())),
        call_times: times.into_inner(),
    }
}

fn fixed(delay: u64, attempts: u32) -> WaiterConfig {
    WaiterConfig::new(Duration::from_secs(delay), Some(attempts))
}

#[tokio::test(start_paused = true)]
async fn first_call_is_immediate_and_sleeps_only_between_calls() {
    let r = run(
        fixed(300, 288),
        &[
            Fake::Status("RUNNING"),
            Fake::Status("RUNNING"),
            Fake::Status("SUCCEEDED"),
        ],
    )
    .await;
    assert_eq!(r.result, Ok(3));
    assert_eq!(r.call_times, [0.0, 300.0, 600.0]);
}

#[tokio::test(start_paused = true)]
async fn a_full_job_complete_budget_runs_in_virtual_time() {
    // 288 calls, 287 sleeps of 300 s: a day of waiting, no real time.
    let r = run(fixed(300, 288), &[]).await;
    assert_eq!(
        r.result,
        Err((
            "Waiter JobComplete failed: Max attempts exceeded".to_owned(),
            None,
            288
        ))
    );
    assert_eq!(r.call_times.len(), 288);
    assert_eq!(r.call_times.last(), Some(&(287.0 * 300.0)));
}

#[tokio::test(start_paused = true)]
async fn max_attempts_zero_or_one_means_one_call() {
    for attempts in [0, 1] {
        let r = run(fixed(5, attempts), &[]).await;
        assert_eq!(r.call_times, [0.0]);
        assert_eq!(r.result.unwrap_err().2, 1);
    }
}

#[tokio::test(start_paused = true)]
async fn failure_acceptor_ends_the_wait_with_botocore_reason() {
    let r = run(
        fixed(2, 10),
        &[Fake::Status("RUNNING"), Fake::Status("FAILED")],
    )
    .await;
    assert_eq!(
        r.result,
        Err((
            "Waiter JobComplete failed: Waiter encountered a terminal failure state: any FAILED"
                .to_owned(),
            Some(1),
            2
        ))
    );
    assert_eq!(r.call_times, [0.0, 2.0]);
}

#[tokio::test(start_paused = true)]
async fn previously_accepted_names_the_acceptor_that_matched_last() {
    let r = run(
        fixed(1, 3),
        &[
            Fake::Status("RUNNABLE"),
            Fake::Status("RUNNING"),
            Fake::Status("RUNNING"),
        ],
    )
    .await;
    assert_eq!(
        r.result,
        Err((
            "Waiter JobComplete failed: Max attempts exceeded. Previously accepted state: RUNNABLE means retry"
                .to_owned(),
            Some(2),
            3
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn unmatched_service_error_fails_at_once() {
    let r = run(fixed(1, 10), &[Fake::Service("ClientException", 400)]).await;
    assert_eq!(
        r.result,
        Err((
            "Waiter JobComplete failed: An error occurred (ClientException): scripted".to_owned(),
            None,
            1
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn matched_service_error_follows_its_acceptor() {
    let r = run(
        fixed(1, 10),
        &[Fake::Service("JobNotFound", 404), Fake::Status("SUCCEEDED")],
    )
    .await;
    assert_eq!(r.result, Ok(2));
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_with_backoff() {
    let mut config = fixed(2, 10);
    config.transient_errors = TransientRetry::Backoff {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(8),
    };
    let throttled = Fake::Service("TooManyRequestsException", 429);
    let r = run(
        config,
        &[
            throttled.clone(),
            throttled.clone(),
            throttled.clone(),
            throttled,
            Fake::Status("SUCCEEDED"),
        ],
    )
    .await;
    assert_eq!(r.result, Ok(5));
    // Sleeps: max(2, 1), max(2, 2), max(2, 4), max(2, 8).
    assert_eq!(r.call_times, [0.0, 2.0, 4.0, 8.0, 16.0]);
}

#[tokio::test(start_paused = true)]
async fn server_errors_and_timeouts_are_transient_too() {
    let r = run(
        fixed(1, 10),
        &[
            Fake::Service("ServerException", 500),
            Fake::Timeout,
            Fake::Status("SUCCEEDED"),
        ],
    )
    .await;
    assert_eq!(r.result, Ok(3));
    assert_eq!(r.call_times, [0.0, 1.0, 3.0]);
}

#[tokio::test(start_paused = true)]
async fn persistent_throttling_still_ends_with_the_budget() {
    let throttled = Fake::Service("ThrottlingException", 400);
    let r = run(
        fixed(1, 3),
        &[throttled.clone(), throttled.clone(), throttled],
    )
    .await;
    assert_eq!(
        r.result,
        Err((
            "Waiter JobComplete failed: Max attempts exceeded (last attempt: An error occurred (ThrottlingException): scripted)"
                .to_owned(),
            None,
            3
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn botocore_mode_fails_on_throttling() {
    let r = run(
        WaiterConfig::botocore(Duration::from_secs(1), 3),
        &[Fake::Service("ThrottlingException", 400)],
    )
    .await;
    assert_eq!(
        r.result.unwrap_err().0,
        "Waiter JobComplete failed: An error occurred (ThrottlingException): scripted"
    );
}

#[tokio::test(start_paused = true)]
async fn non_service_errors_fail_at_once() {
    let r = run(fixed(1, 10), &[Fake::Credentials]).await;
    assert_eq!(
        r.result,
        Err((
            "Waiter JobComplete failed: Request failed: no credentials in the environment"
                .to_owned(),
            None,
            1
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn max_wait_stops_before_a_sleep_that_would_pass_it() {
    let mut config = WaiterConfig::new(Duration::from_secs(10), None);
    config.max_wait = Some(Duration::from_secs(35));
    let r = run(config, &[Fake::Status("RUNNABLE")]).await;
    assert_eq!(r.call_times, [0.0, 10.0, 20.0, 30.0]);
    assert_eq!(
        r.result,
        Err((
            "Waiter JobComplete failed: Max wait time of 35s exceeded. Previously accepted state: RUNNABLE means retry"
                .to_owned(),
            Some(2),
            4
        ))
    );
}

#[tokio::test(start_paused = true)]
async fn max_wait_bounds_a_slow_call() {
    let mut config = WaiterConfig::new(Duration::from_secs(1), None);
    config.max_wait = Some(Duration::from_secs(5));
    let start = Instant::now();
    let result = wait(
        "JobComplete",
        &config,
        || async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok::<&'static str, FakeError>("SUCCEEDED")
        },
        classify,
        waiters_runtime::engine::NoObserver,
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(err.attempts(), 0);
    assert!(err.last_response().is_none());
    assert!(matches!(
        err.reason(),
        FailureReason::MaxWaitExceeded { .. }
    ));
}

#[tokio::test(start_paused = true)]
async fn jitter_is_drawn_from_the_injected_source() {
    let mut config = fixed(5, 4);
    config.delay_strategy = DelayStrategy::airflow_jitter();
    // Draws 0.0, 0.5, 0.25: sleeps 3 s, 5 s, 4 s (range [3, 7]).
    let draws = std::sync::Mutex::new(vec![0.25, 0.5, 0.0]);
    config.random = RandomSource::from_fn(move || draws.lock().unwrap().pop().unwrap_or(0.0));
    let r = run(config, &[]).await;
    assert_eq!(r.call_times, [0.0, 3.0, 8.0, 12.0]);
}

#[tokio::test(start_paused = true)]
async fn custom_delay_function() {
    let mut config = fixed(1, 4);
    config.delay_strategy = DelayStrategy::custom(|input| input.base * input.attempt);
    let r = run(config, &[]).await;
    assert_eq!(r.call_times, [0.0, 1.0, 3.0, 6.0]);
}

#[tokio::test(start_paused = true)]
async fn observer_sees_every_attempt_and_the_next_poll() {
    let seen = RefCell::new(Vec::new());
    let config = fixed(7, 3);
    let _ = wait(
        "JobComplete",
        &config,
        {
            let mut script = vec!["SUCCEEDED", "RUNNABLE"];
            move || {
                let next = script.pop().unwrap_or("RUNNING");
                async move { Ok::<_, FakeError>(next) }
            }
        },
        classify,
        |a: &Attempt<'_, &'static str, FakeError>| {
            seen.borrow_mut().push((
                a.number,
                *a.response.as_ref().unwrap(),
                a.matched.map(|m| m.state),
                a.next_poll,
            ))
        },
    )
    .await
    .unwrap();
    assert_eq!(
        seen.into_inner(),
        [
            (
                1,
                "RUNNABLE",
                Some(AcceptorState::Retry),
                Some(Duration::from_secs(7))
            ),
            (2, "SUCCEEDED", Some(AcceptorState::Success), None),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn dropping_the_wait_stops_the_calls() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let config = WaiterConfig::new(Duration::from_secs(1), None);
    let counter = calls.clone();
    let waiting = wait(
        "JobComplete",
        &config,
        move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok::<_, FakeError>("RUNNING") }
        },
        classify,
        waiters_runtime::engine::NoObserver,
    );
    let timed_out = tokio::time::timeout(Duration::from_millis(4500), waiting).await;
    assert!(timed_out.is_err());
    let made = calls.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(made, 5);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), made);
}

#[tokio::test(start_paused = true)]
async fn success_returns_the_response_and_acceptor() {
    let config = fixed(1, 3);
    let waited = wait(
        "JobComplete",
        &config,
        || async { Ok::<_, FakeError>("SUCCEEDED") },
        classify,
        waiters_runtime::engine::NoObserver,
    )
    .await
    .unwrap();
    assert_eq!(waited.output(), Some(&"SUCCEEDED"));
    assert_eq!(waited.acceptor().index, 0);
    assert_eq!(waited.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn huge_deadlines_and_delays_do_not_overflow() {
    let mut config = WaiterConfig::new(Duration::MAX, Some(2));
    config.max_wait = Some(Duration::MAX);
    config.delay_strategy = DelayStrategy::airflow_jitter();
    let r = run(config, &[Fake::Status("SUCCEEDED")]).await;
    assert_eq!(r.result, Ok(1));

    let mut config = WaiterConfig::new(Duration::from_secs(u64::MAX / 2), Some(2));
    config.max_wait = Some(Duration::from_secs(60));
    let r = run(config, &[]).await;
    assert_eq!(r.call_times, [0.0]);
    assert!(
        r.result
            .unwrap_err()
            .0
            .contains("Max wait time of 60s exceeded")
    );
}

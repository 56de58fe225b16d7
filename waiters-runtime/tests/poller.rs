//! The shared DescribeJobs poller, against a scripted Batch that answers from job-state
//! timelines at the current (paused) tokio time, through the real SDK client:
//! - many waits, few calls: each call at most 100 ids, each id once, at most
//!   ceil(N/100) calls a round;
//! - each wait sees what it would see alone (a property over random timelines and
//!   waits, typed and run-time);
//! - transient errors reach every wait of the call, a bad id fails only its own wait;
//! - the rate limit paces calls, throttling slows them; dropping waits stops calls.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use common::{FakeBatch, Timeline, done_at};
use futures_util::future::join_all;
use proptest::prelude::*;
use serde_json::{Value, json};
use tokio::time::Instant;
use waiters_runtime::engine::{Attempt, NoObserver};
use waiters_runtime::error::{AcceptorMatch, FailureReason};
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::poller::DEFAULT_TOLERANCE;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::typed::{JobComplete, JobRunning};
use waiters_runtime::{BatchWaiters, JobPoller, JobWaitOptions, WaitError, Waited, WaiterConfig};

/// How a wait ended, in terms comparable across runs.
#[derive(Debug, PartialEq)]
enum Outcome {
    Success {
        acceptor: AcceptorMatch,
        attempts: u32,
        elapsed: Duration,
        statuses: Vec<String>,
    },
    Failure {
        reason: FailureReason,
        attempts: u32,
        elapsed: Duration,
        statuses: Option<Vec<String>>,
    },
}

fn statuses(output: &DescribeJobsOutput) -> Vec<String> {
    output
        .jobs()
        .iter()
        .map(|j| {
            format!(
                "{}={}",
                j.job_id().unwrap_or("?"),
                j.status().map_or("?", |s| s.as_str())
            )
        })
        .collect()
}

fn outcome<O>(
    result: Result<Waited<O, DescribeJobsSdkError>, WaitError<O, DescribeJobsSdkError>>,
    output: impl Fn(&O) -> &DescribeJobsOutput,
) -> Outcome {
    match result {
        Ok(w) => Outcome::Success {
            statuses: w.output().map(|o| statuses(output(o))).unwrap_or_default(),
            acceptor: w.acceptor().clone(),
            attempts: w.attempts(),
            elapsed: w.elapsed(),
        },
        Err(e) => Outcome::Failure {
            statuses: e.last_output().map(|o| statuses(output(o))),
            reason: e.reason().clone(),
            attempts: e.attempts(),
            elapsed: e.elapsed(),
        },
    }
}

#[tokio::test(start_paused = true)]
async fn many_waits_few_calls() {
    const N: usize = 250;
    let ids: Vec<String> = (0..N).map(|i| format!("job-{i}")).collect();
    let fake = FakeBatch::new(
        ids.iter()
            .map(|id| (id.clone(), done_at(40 + (id.len() as u64 % 3) * 10))),
    );
    let client = fake.client();
    let poller = JobPoller::new(&client);
    let waits = ids.iter().map(|id| {
        let waiter = JobComplete::new(&client)
            .jobs(id)
            .delay(Duration::from_secs(10))
            .poller(&poller);
        async move { waiter.wait().await }
    });
    let results = join_all(waits).await;
    assert!(results.iter().all(Result::is_ok), "every job SUCCEEDED");

    let calls = fake.calls();
    let stats = poller.stats();
    assert_eq!(stats.calls, calls.len() as u64);
    assert!(
        calls.iter().all(|(_, ids)| ids.len() <= 100),
        "at most 100 ids a call"
    );
    for (_, ids) in &calls {
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "each id asked once in a call");
    }
    // Every wait polls at the same instants: one round each, three calls a round.
    let mut rounds: HashMap<Instant, usize> = HashMap::new();
    for (at, _) in &calls {
        *rounds.entry(*at).or_default() += 1;
    }
    assert!(
        rounds.values().all(|calls| *calls <= N.div_ceil(100)),
        "{rounds:?}"
    );
    let solo_calls: u32 = results.iter().map(|r| r.as_ref().unwrap().attempts()).sum();
    assert!(
        u64::from(solo_calls) >= 70 * stats.calls,
        "{solo_calls} attempts served by {} calls",
        stats.calls
    );
    assert_eq!(poller.waits(), 0, "finished waits leave the poller");
}

#[tokio::test(start_paused = true)]
async fn duplicate_ids_across_waits_are_asked_once() {
    let fake = FakeBatch::new([("j".to_owned(), done_at(4))]);
    let client = fake.client();
    let poller = JobPoller::new(&client);
    let waits = (0..5).map(|_| {
        let waiter = JobComplete::new(&client)
            .jobs("j")
            .delay(Duration::from_secs(1))
            .poller(&poller);
        async move { waiter.wait().await }
    });
    let results = join_all(waits).await;
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|w| w.attempts() == 5))
    );
    let calls = fake.calls();
    assert_eq!(calls.len(), 5, "one call a round for five waits");
    assert!(calls.iter().all(|(_, ids)| ids == &["j"]));
}

#[tokio::test(start_paused = true)]
async fn each_answer_keeps_the_other_members_and_only_its_own_jobs() {
    let fake = FakeBatch::new(["a", "b", "c"].map(|id| (id.to_owned(), done_at(4))));
    fake.body(json!({"before": {"x": [1, 2]}, "jobs": [], "after": "z"}));
    let client = fake.client();
    let poller = JobPoller::new(&client);
    let waiters = BatchWaiters::new(client.clone());
    let waits = [vec!["c", "a"], vec!["b"]].map(|ids| {
        let mut waiter = waiters.get_waiter("JobComplete").unwrap();
        waiter.config = WaiterConfig::botocore(Duration::from_secs(1), 10);
        let waiter = waiter.poller(&poller);
        async move { waiter.wait(ids).await }
    });
    let bodies: Vec<Value> = join_all(waits)
        .await
        .into_iter()
        .map(|waited| waited.unwrap().into_response().unwrap().body)
        .collect();
    assert!(
        fake.calls().iter().all(|(_, ids)| ids.len() == 3),
        "shared calls"
    );
    for (body, own) in bodies.iter().zip([["c", "a"].as_slice(), &["b"]]) {
        let members: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(members, ["before", "jobs", "after"], "{body}");
        assert_eq!(body["before"], json!({"x": [1, 2]}));
        assert_eq!(body["after"], "z");
        let jobs: Vec<&str> = body["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|job| job["jobId"].as_str().unwrap())
            .collect();
        assert_eq!(jobs, own, "only its own jobs, in the order asked");
    }
}

#[tokio::test(start_paused = true)]
async fn a_bad_id_fails_only_its_own_wait() {
    let fake = FakeBatch::new(["a", "c"].map(|id| (id.to_owned(), done_at(2))));
    let client = fake.client();
    let poller = JobPoller::new(&client);
    let waits = ["a", "bad-b", "c"].map(|id| {
        let waiter = JobComplete::new(&client)
            .jobs(id)
            .delay(Duration::from_secs(1))
            .poller(&poller);
        async move { waiter.wait().await }
    });
    let [a, b, c] = <[_; 3]>::try_from(join_all(waits).await).ok().unwrap();
    assert!(a.is_ok() && c.is_ok());
    let b = b.unwrap_err();
    assert_eq!(b.attempts(), 1);
    assert!(
        matches!(b.reason(), FailureReason::ServiceError { code, message }
            if code == "ClientException" && message.contains("bad-b")),
        "{b}"
    );
    assert!(poller.stats().splits >= 1);
}

#[tokio::test(start_paused = true)]
async fn throttling_reaches_every_wait_and_slows_the_poller() {
    let fake = FakeBatch::new(["a", "b"].map(|id| (id.to_owned(), done_at(20))));
    let client = fake.client();
    let poller = JobPoller::new(&client);
    fake.throttle_until(Instant::now() + Duration::from_millis(1));
    let waits = ["a", "b"].map(|id| {
        let waiter = JobComplete::new(&client)
            .jobs(id)
            .delay(Duration::from_secs(5))
            .poller(&poller);
        async move { waiter.wait().await }
    });
    let results = join_all(waits).await;
    for result in &results {
        let waited = result.as_ref().unwrap();
        // The throttled first call counts as an attempt for both, as alone.
        assert_eq!(waited.attempts(), 5, "{waited:?}");
    }
    let stats = poller.stats();
    assert_eq!(stats.throttled, 1);
    assert_eq!(stats.calls, 5, "one call a round for both waits");
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_spaces_the_calls() {
    let ids: Vec<String> = (0..300).map(|i| format!("job-{i}")).collect();
    let fake = FakeBatch::new(ids.iter().map(|id| (id.clone(), done_at(10))));
    let client = fake.client();
    let poller = JobPoller::builder(&client).rate_limit(1.0).build();
    let waits = ids.iter().map(|id| {
        let waiter = JobComplete::new(&client)
            .jobs(id)
            .delay(Duration::from_secs(5))
            .poller(&poller);
        async move { waiter.wait().await }
    });
    assert!(join_all(waits).await.iter().all(Result::is_ok));
    let calls = fake.calls();
    assert!(calls.len() >= 6);
    for pair in calls.windows(2) {
        assert!(
            pair[1].0 - pair[0].0 >= Duration::from_secs(1),
            "{:?}",
            pair[1].0 - pair[0].0
        );
    }
}

#[tokio::test(start_paused = true)]
async fn dropping_the_waits_stops_the_calls() {
    let fake = FakeBatch::new([("j".to_owned(), done_at(1000))]);
    let client = fake.client();
    let poller = JobPoller::new(&client);
    let waits: Vec<_> = (0..3)
        .map(|_| {
            let waiter = JobComplete::new(&client)
                .jobs("j")
                .delay(Duration::from_secs(1))
                .poller(&poller);
            tokio::spawn(async move { waiter.wait().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(poller.waits(), 3);
    let before = fake.calls().len();
    assert_eq!(before, 3, "rounds at 0 s, 1 s and 2 s");
    for wait in &waits {
        wait.abort();
    }
    for wait in waits {
        assert!(wait.await.unwrap_err().is_cancelled());
    }
    assert_eq!(poller.waits(), 0, "dropped waits leave at once");
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        fake.calls().len(),
        before,
        "no call after the last wait left"
    );
}

#[tokio::test(start_paused = true)]
async fn waits_due_within_the_tolerance_share_a_call() {
    let fake = FakeBatch::new(["a", "b"].map(|id| (id.to_owned(), done_at(100))));
    let client = fake.client();
    let poller = JobPoller::builder(&client)
        .tolerance(Duration::from_secs(2))
        .build();
    // b starts 1.5 s after a: without the tolerance every round would take two calls.
    let a = JobComplete::new(&client)
        .jobs("a")
        .delay(Duration::from_secs(10))
        .poller(&poller);
    let b = JobComplete::new(&client)
        .jobs("b")
        .delay(Duration::from_secs(10))
        .poller(&poller);
    let later_b = async {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        b.wait().await
    };
    let (a, b) = tokio::join!(a.wait(), later_b);
    assert!(a.is_ok() && b.is_ok());
    let calls = fake.calls();
    // The first round of each is its own (b is not registered yet); from then on b is
    // answered 1.5 s early, with a.
    let shared = calls.iter().filter(|(_, ids)| ids.len() == 2).count();
    assert!(shared >= 8, "{calls:?}");
    assert!(calls.len() <= 12, "{} calls", calls.len());
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_runs_every_phase_through_the_poller() {
    let ids: Vec<String> = (0..120).map(|i| format!("job-{i}")).collect();
    let fake = FakeBatch::new(ids.iter().map(|id| (id.clone(), done_at(30))));
    let client = fake.client();
    let poller = JobPoller::new(&client);
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        phase_delay: waiters_runtime::config::DelayStrategy::Fixed,
        poller: Some(poller.clone()),
        ..JobWaitOptions::default()
    };
    let runtime = BatchWaiters::new(client.clone());
    let waits = ids.iter().enumerate().map(|(i, id)| {
        let (client, runtime, options) = (&client, &runtime, &options);
        async move {
            let job = if i % 2 == 0 {
                waiters_runtime::typed::wait_for_job(client, id, options, NoObserver)
                    .await
                    .map_err(|e| e.to_string())
            } else {
                runtime
                    .wait_for_job_with(id, options, NoObserver)
                    .await
                    .map_err(|e| e.to_string())
            };
            job.map(|j| j.status().map(|s| s.as_str().to_owned()))
        }
    });
    let results = join_all(waits).await;
    assert!(
        results
            .iter()
            .all(|r| r == &Ok(Some("SUCCEEDED".to_owned()))),
        "{results:?}"
    );
    assert!(fake.calls().iter().all(|(_, ids)| ids.len() <= 100));
    let rounds: std::collections::HashSet<Instant> =
        fake.calls().iter().map(|(at, _)| *at).collect();
    assert!(
        fake.calls().len() <= rounds.len() * 2,
        "at most ceil(120/100) calls a round"
    );
}

// --- Equivalence with polling alone ------------------------------------------------------

#[derive(Clone, Debug)]
enum Kind {
    TypedComplete,
    TypedRunning,
    RunTime,
}

#[derive(Clone, Debug)]
struct WaitSpec {
    kind: Kind,
    jobs: Vec<usize>,
    start: Duration,
    delay: Duration,
    max_attempts: u32,
}

const STATUSES: [&str; 5] = ["PENDING", "RUNNABLE", "RUNNING", "SUCCEEDED", "FAILED"];

fn timeline() -> impl Strategy<Value = Timeline> {
    // Changes at half seconds, never at a (whole-second) poll.
    prop::collection::vec((0u64..20, 0usize..STATUSES.len()), 1..5).prop_map(|steps| {
        let mut at = Duration::ZERO;
        steps
            .into_iter()
            .map(|(gap, status)| {
                let step = (at, STATUSES[status]);
                at += Duration::from_millis(gap * 1000 + 500);
                step
            })
            .collect()
    })
}

fn wait_spec(jobs: usize) -> impl Strategy<Value = WaitSpec> {
    (
        prop_oneof![
            Just(Kind::TypedComplete),
            Just(Kind::TypedRunning),
            Just(Kind::RunTime)
        ],
        prop::collection::vec(0..jobs, 1..3),
        0u64..6,
        1u64..5,
        1u32..12,
    )
        .prop_map(|(kind, jobs, start, delay, max_attempts)| WaitSpec {
            kind,
            jobs,
            start: Duration::from_secs(start),
            delay: Duration::from_secs(delay),
            max_attempts,
        })
}

/// Each attempt of a wait: when (since the wait started), and the jobs its response held.
type Attempts = Vec<(Duration, Vec<String>)>;

/// Records every attempt of a wait into `log`.
fn record<'a, O: 'a>(
    log: &'a mut Attempts,
    output: impl Fn(&O) -> &DescribeJobsOutput + 'a,
) -> impl FnMut(&Attempt<'_, O, DescribeJobsSdkError>) + 'a {
    move |attempt| {
        let jobs = attempt
            .response
            .as_ref()
            .map(|o| {
                let mut jobs = statuses(output(o));
                jobs.sort();
                jobs
            })
            .unwrap_or_default();
        log.push((attempt.elapsed, jobs));
    }
}

async fn run_wait(
    client: &Client,
    poller: Option<&JobPoller>,
    spec: &WaitSpec,
) -> (Outcome, Attempts) {
    tokio::time::sleep(spec.start).await;
    let ids: Vec<String> = spec.jobs.iter().map(|j| format!("job-{j}")).collect();
    let config = WaiterConfig::botocore(spec.delay, spec.max_attempts);
    let mut log = Attempts::new();
    let outcome = match spec.kind {
        Kind::TypedComplete | Kind::TypedRunning => {
            macro_rules! typed {
                ($waiter:ty) => {{
                    let mut waiter = <$waiter>::new(client)
                        .set_jobs(Some(ids))
                        .with_config(config);
                    if let Some(poller) = poller {
                        waiter = waiter.poller(poller);
                    }
                    let result = waiter.wait_observed(record(&mut log, |o| o)).await;
                    outcome(result, |o| o)
                }};
            }
            match spec.kind {
                Kind::TypedComplete => typed!(JobComplete),
                _ => typed!(JobRunning),
            }
        }
        Kind::RunTime => {
            let mut waiter = BatchWaiters::new(client.clone())
                .get_waiter("JobComplete")
                .unwrap();
            waiter.config = config;
            if let Some(poller) = poller {
                waiter = waiter.poller(poller);
            }
            let result = waiter
                .wait_observed(ids, record(&mut log, |r: &DescribeJobsResponse| &r.output))
                .await;
            outcome(result, |r| &r.output)
        }
    };
    (outcome, log)
}

async fn scenario(jobs: &[Timeline], waits: &[WaitSpec], pooled: bool) -> (Vec<Outcome>, usize) {
    let (outcomes, calls) = scenario_at(jobs, waits, pooled.then_some(Duration::ZERO)).await;
    (outcomes.into_iter().map(|(o, _)| o).collect(), calls)
}

/// Runs the waits alone (`tolerance` `None`) or through a poller with that tolerance;
/// returns each wait's outcome and attempts, and the calls the service saw.
async fn scenario_at(
    jobs: &[Timeline],
    waits: &[WaitSpec],
    tolerance: Option<Duration>,
) -> (Vec<(Outcome, Attempts)>, usize) {
    let fake = FakeBatch::new(
        jobs.iter()
            .enumerate()
            .map(|(i, t)| (format!("job-{i}"), t.clone())),
    );
    let client = fake.client();
    let poller =
        tolerance.map(|tolerance| JobPoller::builder(&client).tolerance(tolerance).build());
    let outcomes = join_all(
        waits
            .iter()
            .map(|spec| run_wait(&client, poller.as_ref(), spec)),
    )
    .await;
    (outcomes, fake.calls().len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn each_wait_sees_what_it_would_alone(
        (jobs, waits) in prop::collection::vec(timeline(), 1..6)
            .prop_flat_map(|jobs| {
                let n = jobs.len();
                (Just(jobs), prop::collection::vec(wait_spec(n), 1..8))
            })
    ) {
        let run = |pooled| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap()
                .block_on(scenario(&jobs, &waits, pooled))
        };
        let (alone, calls_alone) = run(false);
        let (pooled, calls_pooled) = run(true);
        // Every call reached the scripted service.
        prop_assert!(!alone.iter().any(|o| matches!(o,
            Outcome::Failure { reason: FailureReason::RequestFailed { .. }, .. })), "{:?}", alone);
        prop_assert_eq!(&alone, &pooled);
        prop_assert!(calls_pooled <= calls_alone);
    }
}

/// What the model's acceptors decide on a response: `Some(true)` success, `Some(false)`
/// failure, `None` retry (JobComplete: all SUCCEEDED, any FAILED; JobRunning: all
/// RUNNING, all FAILED or all SUCCEEDED).
fn verdict(kind: &Kind, jobs: &[String]) -> Option<bool> {
    let all =
        |status: &str| !jobs.is_empty() && jobs.iter().all(|j| j.ends_with(&format!("={status}")));
    match kind {
        Kind::TypedRunning => (all("RUNNING") || all("FAILED") || all("SUCCEEDED")).then_some(true),
        Kind::TypedComplete | Kind::RunTime => {
            if all("SUCCEEDED") {
                Some(true)
            } else if jobs.iter().any(|j| j.ends_with("=FAILED")) {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// What each wait must have seen through a poller that answers up to `tolerance` early:
/// its first call at its start; each next one at most `min(tolerance, delay / 2)` early
/// and never late (a call's round trip takes no time here); every response the jobs'
/// states at the time of its call; every response but the last one undecided by the
/// acceptors; the last one decided, or the attempt budget spent; and the outcome saying so.
fn check_against_the_timelines(
    jobs: &[Timeline],
    spec: &WaitSpec,
    (outcome, attempts): &(Outcome, Attempts),
    tolerance: Duration,
) -> Result<(), TestCaseError> {
    let early = tolerance.min(spec.delay / 2);
    prop_assert_eq!(attempts.first().map(|(at, _)| *at), Some(Duration::ZERO));
    for pair in attempts.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        prop_assert!(
            gap >= spec.delay - early && gap <= spec.delay,
            "a call {:?} after the previous one, delay {:?}, at most {:?} early: {:?}",
            gap,
            spec.delay,
            early,
            attempts
        );
    }
    for (at, seen) in attempts {
        let mut truth: Vec<String> = spec
            .jobs
            .iter()
            .map(|j| {
                let status = jobs[*j]
                    .iter()
                    .rev()
                    .find(|(t, _)| *t <= spec.start + *at)
                    .unwrap()
                    .1;
                format!("job-{j}={status}")
            })
            .collect();
        truth.sort();
        truth.dedup();
        prop_assert_eq!(seen, &truth, "at {:?} of {:?}", at, attempts);
    }
    let (last_at, last) = attempts.last().unwrap();
    for (_, seen) in &attempts[..attempts.len() - 1] {
        prop_assert_eq!(verdict(&spec.kind, seen), None, "{:?}", attempts);
    }
    let count = attempts.len() as u32;
    match (verdict(&spec.kind, last), outcome) {
        (
            Some(true),
            Outcome::Success {
                attempts,
                elapsed,
                statuses,
                ..
            },
        ) => {
            let mut statuses = statuses.clone();
            statuses.sort();
            prop_assert_eq!((*attempts, *elapsed, &statuses), (count, *last_at, last));
        }
        (
            Some(false),
            Outcome::Failure {
                reason: FailureReason::TerminalFailure { .. },
                attempts,
                elapsed,
                statuses,
            },
        )
        | (
            None,
            Outcome::Failure {
                reason: FailureReason::MaxAttemptsExceeded { .. },
                attempts,
                elapsed,
                statuses,
            },
        ) => {
            let statuses = statuses.clone().map(|mut s| {
                s.sort();
                s
            });
            prop_assert_eq!((*attempts, *elapsed), (count, *last_at));
            prop_assert_eq!(statuses.as_ref(), Some(last));
            prop_assert!(verdict(&spec.kind, last).is_some() || count == spec.max_attempts);
        }
        (verdict, outcome) => {
            return Err(TestCaseError::fail(format!(
                "the last response decides {verdict:?}, the wait ended {outcome:?}"
            )));
        }
    }
    Ok(())
}

/// Waits with delays either below twice the default tolerance (early by half the delay at
/// most) or above it (early by the tolerance at most).
fn wide_wait_spec(jobs: usize) -> impl Strategy<Value = WaitSpec> {
    (wait_spec(jobs), prop_oneof![1u64..5, 20u64..40]).prop_map(|(mut spec, delay)| {
        spec.delay = Duration::from_secs(delay);
        spec
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// At the default tolerance (10 s) calls come early to share: each wait still sees
    /// the jobs' real states at every call, decides as its acceptors say, and no call
    /// comes earlier than the tolerance (or half the delay) allows, nor late. Alone, each
    /// wait's calls come exactly at its delay, which the same check holds to.
    #[test]
    fn each_wait_at_the_default_tolerance_sees_what_the_timelines_say(
        (jobs, waits) in prop::collection::vec(timeline(), 1..6)
            .prop_flat_map(|jobs| {
                let n = jobs.len();
                (Just(jobs), prop::collection::vec(wide_wait_spec(n), 1..8))
            })
    ) {
        let run = |tolerance| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap()
                .block_on(scenario_at(&jobs, &waits, tolerance))
        };
        let (alone, _) = run(None);
        let (pooled, _) = run(Some(DEFAULT_TOLERANCE));
        for (spec, seen) in waits.iter().zip(&alone) {
            check_against_the_timelines(&jobs, spec, seen, Duration::ZERO)?;
        }
        for (spec, seen) in waits.iter().zip(&pooled) {
            check_against_the_timelines(&jobs, spec, seen, DEFAULT_TOLERANCE)?;
        }
    }
}

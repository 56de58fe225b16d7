//! Job state events feeding the shared poller (what `events::EventSource` does with an SQS
//! queue), on the paused clock against a scripted Batch: changes are reported at once,
//! calls drop to the reconciliation rate, and with events lost, duplicated, late or out of
//! order every wait still ends as the documented rules say (outcome, attempts, when it
//! returned, last response), worked out by a model apart from the poller.

mod common;

use std::time::Duration;

use aws_sdk_batch::Client;
use common::{FakeBatch, Timeline, job_json};
use futures_util::future::join_all;
use proptest::prelude::*;
use serde_json::Value;
use tokio::time::Instant;
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::engine::NoObserver;
use waiters_runtime::error::FailureReason;
use waiters_runtime::events::{EventOutcome, JobStateEvent};
use waiters_runtime::typed::JobComplete;
use waiters_runtime::{JobPoller, JobWaitOptions, typed};

fn lifecycle(finish: u64, outcome: &'static str) -> Timeline {
    vec![
        (Duration::ZERO, "RUNNABLE"),
        (Duration::from_millis(finish * 500 + 250), "RUNNING"),
        (Duration::from_millis(finish * 1000 + 500), outcome),
    ]
}

fn event(id: &str, status: &str) -> JobStateEvent {
    JobStateEvent {
        detail: job_json(id, status),
        time: None,
    }
}

/// Publishes each change of each job at its time (plus `delay`), unless `keep` says no;
/// `keep` returns how many copies to send.
async fn publish(
    poller: &JobPoller,
    fake: &FakeBatch,
    jobs: &[(String, Timeline)],
    copies: impl Fn(usize) -> (u32, Duration),
) {
    let mut changes: Vec<(Instant, String, &str)> = Vec::new();
    for (id, timeline) in jobs {
        for (at, status) in timeline.iter().skip(1) {
            let index = changes.len();
            let (n, delay) = copies(index);
            for _ in 0..n {
                changes.push((fake.start() + *at + delay, id.clone(), status));
            }
        }
    }
    changes.sort_by_key(|(at, _, _)| *at);
    for (at, id, status) in changes {
        tokio::time::sleep_until(at).await;
        poller.job_event(&event(&id, status)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn events_report_changes_at_once_with_few_calls() {
    let jobs: Vec<(String, Timeline)> = (0..50)
        .map(|i| (format!("job-{i}"), lifecycle(600 + i * 20, "SUCCEEDED")))
        .collect();
    let fake = FakeBatch::new(jobs.clone());
    let client = fake.client();
    let poller = JobPoller::new(&client);
    poller.set_events(Some(Duration::from_secs(300)));
    let waiters: Vec<JobComplete> = jobs
        .iter()
        .map(|(id, _)| {
            JobComplete::new(&client)
                .jobs(id)
                .unlimited_attempts()
                .poller(&poller)
        })
        .collect();
    let waits = join_all(waiters.iter().map(JobComplete::wait));
    let (results, ()) = tokio::join!(
        waits,
        publish(&poller, &fake, &jobs, |_| (1, Duration::ZERO))
    );
    for ((_, timeline), result) in jobs.iter().zip(&results) {
        let waited = result.as_ref().expect("SUCCEEDED");
        // Reported at the event, not at the next 300 s poll.
        assert_eq!(waited.elapsed(), timeline.last().unwrap().0);
    }
    let stats = poller.stats();
    // One call for all 50 at the start, then reconciliation every 300 s until the last
    // job ends at 1580.5 s: six calls; polling alone would need a call every 300 s per
    // wait round anyway, and would report up to 300 s late.
    assert!(fake.calls().len() <= 7, "{} calls", fake.calls().len());
    assert_eq!(stats.events, 100);
    assert!(stats.answered_without_a_call > 0);
}

#[tokio::test(start_paused = true)]
async fn reconciliation_polls_jobs_falling_due_about_together_in_one_call() {
    // Ten waits starting 0.4 s apart: ten first calls, ids polled at ten instants; and a
    // wait asking every second (answered from the known states), which keeps the poller
    // busy in between.
    let mut jobs: Vec<(String, Timeline)> = (0..10)
        .map(|i| (format!("job-{i}"), lifecycle(1000, "SUCCEEDED")))
        .collect();
    jobs.push(("busy".to_owned(), lifecycle(1000, "SUCCEEDED")));
    let fake = FakeBatch::new(jobs.clone());
    let client = fake.client();
    let poller = JobPoller::new(&client);
    poller.set_events(Some(Duration::from_secs(300)));
    let busy = JobComplete::new(&client)
        .jobs("busy")
        .delay(Duration::from_secs(1))
        .unlimited_attempts()
        .poller(&poller);
    let waits = join_all(jobs.iter().take(10).enumerate().map(|(i, (id, _))| {
        let waiter = JobComplete::new(&client)
            .jobs(id)
            .unlimited_attempts()
            .poller(&poller);
        async move {
            tokio::time::sleep(Duration::from_millis(400) * i as u32 + Duration::from_millis(100))
                .await;
            waiter.wait().await
        }
    }));
    let (results, busy, ()) = tokio::join!(
        waits,
        busy.wait(),
        publish(&poller, &fake, &jobs, |_| (1, Duration::ZERO))
    );
    assert!(results.iter().all(Result::is_ok) && busy.is_ok());
    let calls = fake.calls();
    // Each reconciliation goes out when the first job falls due (300, 600 and 900 s
    // after job-0's first call, not earlier because the poller was busy) and takes
    // along the jobs due within the poller's tolerance (10 s): all eleven in one call,
    // instead of a call for each.
    let first = calls
        .iter()
        .find(|(_, ids)| ids.contains(&"job-0".to_owned()))
        .map(|(at, _)| *at)
        .unwrap();
    let reconciliations: Vec<&(Instant, Vec<String>)> = calls.iter().skip(11).collect();
    assert_eq!(reconciliations.len(), 3, "{calls:?}");
    for (k, (at, ids)) in reconciliations.iter().enumerate() {
        assert_eq!(
            *at - first,
            Duration::from_secs(300) * (k as u32 + 1),
            "{calls:?}"
        );
        assert_eq!(ids.len(), 11, "{calls:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_keeps_what_events_told_from_one_phase_to_the_next() {
    let jobs: Vec<(String, Timeline)> = (0..10)
        .map(|i| (format!("job-{i}"), lifecycle(10 + i, "SUCCEEDED")))
        .collect();
    let fake = FakeBatch::new(jobs.clone());
    let client = fake.client();
    let poller = JobPoller::new(&client);
    poller.set_events(Some(Duration::from_secs(300)));
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.0),
        poller: Some(poller.clone()),
        ..JobWaitOptions::default()
    };
    let waits = join_all(
        jobs.iter()
            .map(|(id, _)| typed::wait_for_job(&client, id, &options, NoObserver)),
    );
    let (results, ()) = tokio::join!(
        waits,
        publish(&poller, &fake, &jobs, |_| (1, Duration::ZERO))
    );
    for result in &results {
        assert_eq!(
            result
                .as_ref()
                .ok()
                .and_then(|job| job.status())
                .map(|s| s.as_str()),
            Some("SUCCEEDED")
        );
    }
    // One call for all ten at the start; JobRunning and JobComplete start from what the
    // first call and the events told, without asking again.
    let calls = fake.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(poller.waits(), 0);
}

#[tokio::test(start_paused = true)]
async fn stale_and_unwaited_events_change_nothing() {
    let jobs = vec![("j".to_owned(), lifecycle(100, "SUCCEEDED"))];
    let fake = FakeBatch::new(jobs.clone());
    let client = fake.client();
    let poller = JobPoller::new(&client);
    poller.set_events(Some(Duration::from_secs(300)));
    let waiter = JobComplete::new(&client)
        .jobs("j")
        .unlimited_attempts()
        .poller(&poller);
    let wait = waiter.wait();
    let check = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            poller.job_event(&event("other", "SUCCEEDED")).await,
            EventOutcome::NotWaited
        );
        assert!(matches!(
            poller.job_event(&event("j", "RUNNING")).await,
            EventOutcome::Applied { .. }
        ));
        // Out of order: an older state after a newer one never moves the job back.
        assert_eq!(
            poller.job_event(&event("j", "RUNNABLE")).await,
            EventOutcome::Stale
        );
        assert_eq!(
            poller.job_event(&event("j", "RUNNING")).await,
            EventOutcome::Stale,
            "a duplicate"
        );
        let not_a_job = JobStateEvent {
            detail: Value::String("not a job".into()),
            time: None,
        };
        assert_eq!(poller.job_event(&not_a_job).await, EventOutcome::NotWaited);
        tokio::time::sleep(Duration::from_secs(200)).await;
        poller.job_event(&event("j", "SUCCEEDED")).await
    };
    let (waited, last) = tokio::join!(wait, check);
    assert!(matches!(last, EventOutcome::Applied { woken: 1 }));
    assert_eq!(waited.unwrap().elapsed(), Duration::from_secs(201));
}

#[tokio::test(start_paused = true)]
async fn turning_events_off_falls_back_to_polling() {
    let jobs = vec![("j".to_owned(), lifecycle(1000, "FAILED"))];
    let fake = FakeBatch::new(jobs.clone());
    let client = fake.client();
    let poller = JobPoller::new(&client);
    poller.set_events(Some(Duration::from_secs(3000)));
    let waiter = JobComplete::new(&client)
        .jobs("j")
        .delay(Duration::from_secs(60))
        .unlimited_attempts()
        .poller(&poller);
    let wait = waiter.wait();
    let queue_gone = async {
        tokio::time::sleep(Duration::from_secs(400)).await;
        // No event ever came; the queue went away: plain polling again.
        poller.set_events(None);
    };
    let (result, ()) = tokio::join!(wait, queue_gone);
    let error = result.unwrap_err();
    assert!(matches!(
        error.reason(),
        FailureReason::TerminalFailure { .. }
    ));
    // The job FAILED at 1000.5 s; polling every 60 s sees it at 1020 s.
    assert_eq!(error.elapsed(), Duration::from_secs(1020));
}

/// A job's life with a change every 1 to 20 s (at half seconds, never at a whole-second
/// poll): done at once, retried after a failed attempt (back to RUNNABLE, one attempt
/// listed), or FAILED on attempt 1 and then SUCCEEDED on attempt 2. In the last, the order
/// of the events decides the outcome: FAILED applied after SUCCEEDED would fail a wait
/// that should succeed.
fn retrying_lifecycle() -> impl Strategy<Value = Timeline> {
    (0usize..3, prop::collection::vec(1u64..20, 4), any::<bool>()).prop_map(|(shape, gaps, ok)| {
        let end: &'static str = if ok { "SUCCEEDED" } else { "FAILED" };
        let statuses: Vec<&'static str> = match shape {
            0 => vec![
                "RUNNABLE",
                "RUNNING",
                if ok { "SUCCEEDED:1" } else { "FAILED:1" },
            ],
            1 => vec![
                "RUNNABLE",
                "RUNNING",
                "RUNNABLE:1",
                "RUNNING:1",
                if end == "SUCCEEDED" {
                    "SUCCEEDED:2"
                } else {
                    "FAILED:2"
                },
            ],
            _ => vec!["RUNNABLE", "RUNNING", "FAILED:1", "SUCCEEDED:2"],
        };
        let mut at = Duration::ZERO;
        statuses
            .into_iter()
            .enumerate()
            .map(|(i, status)| {
                if i > 0 {
                    at = Duration::from_millis(
                        (at.as_millis() as u64 / 1000 + gaps[i - 1]) * 1000 + 500,
                    );
                }
                (at, status)
            })
            .collect()
    })
}

/// What a user sees of a wait: how it ended, its attempts, when it returned, and the jobs
/// of its last response (id, status, attempts listed), sorted.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    succeeded: bool,
    attempts: u32,
    returned: Duration,
    jobs: Vec<(String, String, usize)>,
}

/// A job's status and the number of attempts listed.
type JobState = (String, usize);

/// A job state reaching the poller: when (since the start), which job, what state.
type Delivery = (Duration, usize, JobState);

/// How far a job has come, as the documented rule orders it: attempts made, then the
/// status in SUBMITTED < PENDING < RUNNABLE < STARTING < RUNNING < SUCCEEDED | FAILED.
fn progress(state: &JobState) -> (usize, usize) {
    let order = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING"];
    let rank = order
        .iter()
        .position(|s| *s == state.0)
        .unwrap_or(order.len());
    (state.1, rank)
}

fn parse_state(status: &str) -> JobState {
    match status.split_once(':') {
        Some((status, n)) => (status.to_owned(), n.parse().unwrap()),
        None => (status.to_owned(), 0),
    }
}

fn true_state(timeline: &Timeline, at: Duration) -> JobState {
    let status = timeline.iter().rev().find(|(t, _)| *t <= at).unwrap().1;
    parse_state(status)
}

/// JobComplete's acceptors on the jobs of a response: `Some(true)` when all SUCCEEDED,
/// `Some(false)` when any FAILED, `None` to go on waiting.
fn verdict(jobs: &[(String, String, usize)]) -> Option<bool> {
    if !jobs.is_empty() && jobs.iter().all(|(_, s, _)| s == "SUCCEEDED") {
        Some(true)
    } else if jobs.iter().any(|(_, s, _)| s == "FAILED") {
        Some(false)
    } else {
        None
    }
}

const DELAY: Duration = Duration::from_secs(7);
const RECONCILE_EVERY: Duration = Duration::from_secs(30);

/// What each wait must see, worked out apart from the poller: the poller's knowledge of
/// each job is what the deliveries so far (the events as published, and the answers of the
/// DescribeJobs calls the service saw) tell, each moving a job only forward. A wait's
/// first call is at 0; after that it hears of every change of its jobs' knowledge at once
/// and otherwise asks every `DELAY`, each time answered from the knowledge; it ends on the
/// first answer JobComplete's acceptors decide.
///
/// The schedule keeps instants apart, so that the expected answer is unambiguous: events
/// come at half seconds plus a millisecond of their own, DescribeJobs calls at whole
/// seconds (0 and every `RECONCILE_EVERY`), and no wait's due call meets a call in the
/// first 210 s (7 k = 30 m).
fn expected(
    jobs: &[(String, Timeline)],
    waits: &[Vec<usize>],
    events: &[Delivery],
    calls: &[(Duration, Vec<String>)],
) -> Vec<Seen> {
    let index = |id: &str| jobs.iter().position(|(j, _)| j == id).unwrap();
    let mut deliveries: Vec<Delivery> = events.to_vec();
    for (at, ids) in calls {
        for id in ids {
            let job = index(id);
            deliveries.push((*at, job, true_state(&jobs[job].1, *at)));
        }
    }
    deliveries.sort_by_key(|(at, _, _)| *at);
    // Each change of knowledge: when, which job, what is known of every job after it.
    let mut known: Vec<Option<JobState>> = vec![None; jobs.len()];
    let mut changes: Vec<(Duration, usize, Vec<Option<JobState>>)> = Vec::new();
    for (at, job, state) in deliveries {
        if known[job]
            .as_ref()
            .is_none_or(|k| progress(&state) > progress(k))
        {
            known[job] = Some(state);
            changes.push((at, job, known.clone()));
        }
    }
    let known_at = |at: Duration| {
        changes
            .iter()
            .rev()
            .find(|(t, _, _)| *t <= at)
            .map(|(_, _, k)| k.clone())
            .unwrap_or_else(|| vec![None; jobs.len()])
    };
    waits
        .iter()
        .map(|ids| {
            let answer = |at: Duration| {
                let known = known_at(at);
                let mut seen: Vec<(String, String, usize)> = ids
                    .iter()
                    .map(|j| {
                        let (status, attempts) = known[*j].clone().expect("known after 0");
                        (jobs[*j].0.clone(), status, attempts)
                    })
                    .collect();
                seen.sort();
                seen.dedup();
                seen
            };
            let (mut at, mut attempts) = (Duration::ZERO, 1);
            loop {
                let jobs = answer(at);
                if let Some(succeeded) = verdict(&jobs) {
                    return Seen {
                        succeeded,
                        attempts,
                        returned: at,
                        jobs,
                    };
                }
                let due = at + DELAY;
                at = changes
                    .iter()
                    .map(|(t, job, _)| (*t, *job))
                    .find(|(t, job)| *t > at && *t < due && ids.contains(job))
                    .map_or(due, |(t, _)| t);
                attempts += 1;
                assert!(at < Duration::from_secs(1000), "the model never ends");
            }
        })
        .collect()
}

fn seen(
    output: &aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput,
) -> Vec<(String, String, usize)> {
    let mut jobs: Vec<(String, String, usize)> = output
        .jobs()
        .iter()
        .map(|j| {
            (
                j.job_id().unwrap_or("?").to_owned(),
                j.status().map_or("?", |s| s.as_str()).to_owned(),
                j.attempts().len(),
            )
        })
        .collect();
    jobs.sort();
    jobs
}

/// Runs the waits with events delivered as `faults` say (per change, in turn: copies, 0
/// for lost and 2 for duplicated; delay in seconds, which reorders), typed and run-time
/// waits alternating. Returns what each wait saw, the events as published, and the calls
/// the service saw (times since the start).
async fn run_with_events(
    jobs: &[(String, Timeline)],
    waits: &[Vec<usize>],
    faults: &[(u32, u64)],
) -> (Vec<Seen>, Vec<Delivery>, Vec<(Duration, Vec<String>)>) {
    let fake = FakeBatch::new(jobs.to_vec());
    let client: Client = fake.client();
    // Tolerance 0: a wait's due call is never answered early by a reconciliation call,
    // so that when each wait returns is exact.
    let poller = JobPoller::builder(&client)
        .tolerance(Duration::ZERO)
        .build();
    poller.set_events(Some(RECONCILE_EVERY));
    let mut deliveries: Vec<Delivery> = Vec::new();
    let mut change = 0;
    for (job, (_, timeline)) in jobs.iter().enumerate() {
        for (at, status) in timeline.iter().skip(1) {
            let (copies, delay) = faults[change % faults.len()];
            change += 1;
            for _ in 0..copies {
                let ms = deliveries.len() as u64 + 1;
                let when = *at + Duration::from_secs(delay) + Duration::from_millis(ms);
                deliveries.push((when, job, parse_state(status)));
            }
        }
    }
    deliveries.sort_by_key(|(at, _, _)| *at);
    let one = |i: usize, ids: &Vec<usize>| {
        let ids: Vec<String> = ids.iter().map(|j| jobs[*j].0.clone()).collect();
        let client = client.clone();
        let poller = poller.clone();
        async move {
            if i.is_multiple_of(2) {
                let waiter = JobComplete::new(&client)
                    .set_jobs(Some(ids))
                    .delay(DELAY)
                    .unlimited_attempts()
                    .poller(&poller);
                match waiter.wait().await {
                    Ok(w) => Seen {
                        succeeded: true,
                        attempts: w.attempts(),
                        returned: w.elapsed(),
                        jobs: w.output().map(seen).unwrap_or_default(),
                    },
                    Err(e) => Seen {
                        succeeded: false,
                        attempts: e.attempts(),
                        returned: e.elapsed(),
                        jobs: e.last_output().map(seen).unwrap_or_default(),
                    },
                }
            } else {
                let mut waiter = waiters_runtime::BatchWaiters::new(client.clone())
                    .get_waiter("JobComplete")
                    .unwrap();
                waiter.config = waiters_runtime::WaiterConfig::botocore(DELAY, u32::MAX);
                let waiter = waiter.poller(&poller);
                match waiter.wait(ids).await {
                    Ok(w) => Seen {
                        succeeded: true,
                        attempts: w.attempts(),
                        returned: w.elapsed(),
                        jobs: w.output().map(|r| seen(&r.output)).unwrap_or_default(),
                    },
                    Err(e) => Seen {
                        succeeded: false,
                        attempts: e.attempts(),
                        returned: e.elapsed(),
                        jobs: e.last_output().map(|r| seen(&r.output)).unwrap_or_default(),
                    },
                }
            }
        }
    };
    let waited = join_all(waits.iter().enumerate().map(|(i, ids)| one(i, ids)));
    let publish = async {
        let start = fake.start();
        for (at, job, (status, attempts)) in &deliveries {
            tokio::time::sleep_until(start + *at).await;
            let status = if *attempts > 0 {
                format!("{status}:{attempts}")
            } else {
                status.clone()
            };
            poller.job_event(&event(&jobs[*job].0, &status)).await;
        }
    };
    let (seen, ()) = tokio::join!(waited, publish);
    let start = fake.start();
    let calls = fake
        .calls()
        .into_iter()
        .map(|(at, ids)| (at - start, ids))
        .collect();
    (seen, deliveries, calls)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Timelines where the order of events matters (retries, FAILED on attempt 1 and then
    /// SUCCEEDED on attempt 2), with events lost, duplicated, late and out of order: every
    /// wait ends as the poller's documented rules say, seen as a user sees it (outcome,
    /// attempts, when it returned, its last response), and within one reconciliation
    /// interval of its jobs' final states. A wait that never returns fails the case after
    /// an hour of paused-clock time.
    #[test]
    fn events_in_any_order_end_each_wait_as_documented(
        (jobs, waits, faults) in prop::collection::vec(retrying_lifecycle(), 1..4).prop_flat_map(|timelines| {
            let n = timelines.len();
            (
                Just(timelines),
                prop::collection::vec(prop::collection::vec(0..n, 1..3), 1..5),
                // (copies: 0 = lost, 2 = duplicated; delay in seconds: reorders)
                prop::collection::vec((0u32..3, 0u64..15), 1..8),
            )
        })
    ) {
        let jobs: Vec<(String, Timeline)> =
            jobs.into_iter().enumerate().map(|(i, t)| (format!("job-{i}"), t)).collect();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let bound = Duration::from_secs(3600);
        let run = async { tokio::time::timeout(bound, run_with_events(&jobs, &waits, &faults)).await };
        let Ok((seen, events, calls)) = runtime.block_on(run) else {
            return Err(TestCaseError::fail(format!(
                "a wait did not return within {bound:?} of paused-clock time"
            )));
        };
        // The service saw calls only at the start and at reconciliations.
        for (at, _) in &calls {
            prop_assert_eq!(at.as_secs() % RECONCILE_EVERY.as_secs(), 0, "{:?}", calls);
            prop_assert_eq!(at.subsec_nanos(), 0, "{:?}", calls);
        }
        let expected = expected(&jobs, &waits, &events, &calls);
        prop_assert_eq!(&seen, &expected, "events {:?}, calls {:?}", events, calls);
        // The documented bound: a lost event costs at most one reconciliation interval
        // after the last of a wait's jobs reached its final state.
        for (ids, seen) in waits.iter().zip(&seen) {
            let last_final = ids.iter().map(|j| jobs[*j].1.last().unwrap().0).max().unwrap();
            prop_assert!(
                seen.returned <= last_final + RECONCILE_EVERY,
                "returned at {:?}, final at {:?}", seen.returned, last_final
            );
        }
    }
}

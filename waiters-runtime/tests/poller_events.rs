//! Job state events feeding the shared poller (what `events::EventSource` does with an SQS
//! queue), on the paused clock against a scripted Batch: changes are reported at once,
//! calls drop to the reconciliation rate, and lost, duplicated or reordered events still
//! give the outcomes polling gives.

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
use waiters_runtime::error::{AcceptorMatch, FailureReason};
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

/// A realistic lifecycle: RUNNABLE, RUNNING, then SUCCEEDED or FAILED.
fn job_lifecycle() -> impl Strategy<Value = Timeline> {
    (1u64..40, 1u64..40, any::<bool>()).prop_map(|(start, run, ok)| {
        vec![
            (Duration::ZERO, "RUNNABLE"),
            (Duration::from_millis(start * 1000 + 500), "RUNNING"),
            (
                Duration::from_millis((start + run) * 1000 + 500),
                if ok { "SUCCEEDED" } else { "FAILED" },
            ),
        ]
    })
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Success(AcceptorMatch),
    Failure(Option<AcceptorMatch>),
}

async fn run(
    jobs: &[(String, Timeline)],
    waits: &[Vec<usize>],
    faults: Option<&[(u32, u64)]>,
) -> Vec<Outcome> {
    let fake = FakeBatch::new(jobs.to_vec());
    let client: Client = fake.client();
    let poller = JobPoller::new(&client);
    if faults.is_some() {
        poller.set_events(Some(Duration::from_secs(30)));
    }
    let waiters: Vec<JobComplete> = waits
        .iter()
        .map(|ids| {
            let ids: Vec<String> = ids.iter().map(|i| jobs[*i].0.clone()).collect();
            JobComplete::new(&client)
                .set_jobs(Some(ids))
                .delay(Duration::from_secs(7))
                .unlimited_attempts()
                .poller(&poller)
        })
        .collect();
    let waited = join_all(waiters.iter().map(JobComplete::wait));
    let events = async {
        if let Some(faults) = faults {
            publish(&poller, &fake, jobs, |i| {
                let (copies, delay) = faults[i % faults.len()];
                (copies, Duration::from_secs(delay))
            })
            .await;
        }
    };
    let (results, ()) = tokio::join!(waited, events);
    results
        .into_iter()
        .map(|r| match r {
            Ok(w) => Outcome::Success(w.acceptor().clone()),
            Err(e) => Outcome::Failure(e.acceptor().cloned()),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The same timelines through events (some lost, duplicated or late, so reordered)
    /// and through polling alone end every wait the same way.
    #[test]
    fn events_with_faults_give_the_outcomes_polling_gives(
        (jobs, waits, faults) in prop::collection::vec(job_lifecycle(), 1..5).prop_flat_map(|timelines| {
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
        let runtime = || tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        let polling = runtime().block_on(run(&jobs, &waits, None));
        let events = runtime().block_on(run(&jobs, &waits, Some(&faults)));
        // Every wait ended on an acceptor (its job's end), not on an error.
        prop_assert!(!polling.contains(&Outcome::Failure(None)), "{:?}", polling);
        prop_assert_eq!(polling, events);
    }
}

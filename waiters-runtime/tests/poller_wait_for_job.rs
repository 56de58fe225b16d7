//! `wait_for_job` through the shared poller, on the paused clock against a scripted Batch:
//! - the initial delay is a sleep the poller may end early, so waits that start apart
//!   share their first call;
//! - a phase after the first starts from the response that ended the one before, without
//!   a call;
//! - the poller's waits share one jitter draw (unless told not to);
//! - none of that moves a call past the caller's deadline.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use common::{FakeBatch, Timeline};
use futures_util::future::join_all;
use tokio::time::Instant;
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::engine::{Attempt, NoObserver};
use waiters_runtime::error::FailureReason;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::{BatchWaiters, JobPoller, JobWaitError, JobWaitOptions, typed};

fn succeeded() -> Timeline {
    vec![(Duration::ZERO, "SUCCEEDED")]
}

/// Calls made, as (seconds since the fake started, ids asked).
fn calls(fake: &FakeBatch) -> Vec<(f64, Vec<String>)> {
    let start = fake.start();
    fake.calls()
        .into_iter()
        .map(|(at, ids)| ((at - start).as_secs_f64(), ids))
        .collect()
}

fn options(poller: Option<&JobPoller>, initial: Duration) -> JobWaitOptions {
    JobWaitOptions {
        initial_delay: Some(initial),
        phase_delay: DelayStrategy::Fixed,
        poller: poller.cloned(),
        ..JobWaitOptions::default()
    }
}

/// A poller whose waits all draw 0.5: an `initial_delay` of d is exactly d.
fn poller(fake: &FakeBatch) -> JobPoller {
    JobPoller::builder(&fake.client())
        .shared_jitter_from(Some(&RandomSource::fixed(0.5)))
        .build()
}

#[tokio::test(start_paused = true)]
async fn each_phase_starts_from_the_response_that_ended_the_one_before() {
    let fake = FakeBatch::new([("done".to_owned(), succeeded())]);
    let client = fake.client();
    let poller = poller(&fake);
    let options = options(Some(&poller), Duration::from_secs(3));

    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = {
        let seen = seen.clone();
        move |attempt: &Attempt<'_, DescribeJobsOutput, DescribeJobsSdkError>| {
            let status = attempt
                .response
                .as_ref()
                .ok()
                .and_then(|o| o.jobs()[0].status());
            seen.lock().unwrap().push((
                attempt.waiter.to_owned(),
                attempt.number,
                status.map(|s| s.as_str().to_owned()),
            ));
        }
    };
    let job = typed::wait_for_job(&client, "done", &options, record)
        .await
        .expect("the job succeeded");
    assert_eq!(job.job_id(), Some("done"));
    assert_eq!(
        calls(&fake),
        [(3.0, vec!["done".to_owned()])],
        "one call, after the initial delay, for all three phases"
    );
    let succeeded = Some("SUCCEEDED".to_owned());
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("JobExists".to_owned(), 1, succeeded.clone()),
            ("JobRunning".to_owned(), 1, succeeded.clone()),
            ("JobComplete".to_owned(), 1, succeeded),
        ],
        "every phase still sees its first attempt"
    );

    // Run-time waiters alike; alone, each phase calls.
    let runtime = BatchWaiters::new(client.clone());
    let before = fake.calls().len();
    let job = runtime
        .wait_for_job_with("done", &options, NoObserver)
        .await
        .expect("the job succeeded");
    assert_eq!(job.job_id(), Some("done"));
    assert_eq!(fake.calls().len() - before, 1);
    let alone = options_alone();
    let before = fake.calls().len();
    typed::wait_for_job(&client, "done", &alone, NoObserver)
        .await
        .expect("the job succeeded");
    assert_eq!(fake.calls().len() - before, 3, "alone: a call per phase");
}

fn options_alone() -> JobWaitOptions {
    JobWaitOptions {
        random: RandomSource::fixed(0.5),
        ..options(None, Duration::from_secs(3))
    }
}

#[tokio::test(start_paused = true)]
async fn a_phase_that_does_not_end_at_once_polls_at_its_delay_from_the_reused_response() {
    // RUNNABLE until 12 s, RUNNING until 40 s.
    let timeline = vec![
        (Duration::ZERO, "RUNNABLE"),
        (Duration::from_secs(12), "RUNNING"),
        (Duration::from_secs(40), "SUCCEEDED"),
    ];
    let fake = FakeBatch::new([("job".to_owned(), timeline)]);
    let client = fake.client();
    let poller = poller(&fake);
    let options = options(Some(&poller), Duration::from_secs(1));
    let runtime = BatchWaiters::new(client.clone());
    runtime
        .wait_for_job_with("job", &options, NoObserver)
        .await
        .expect("the job succeeded");
    let times: Vec<f64> = calls(&fake).into_iter().map(|(at, _)| at).collect();
    // JobExists at 1 s (RUNNABLE: exists); JobRunning from that answer, then every 5 s:
    // 6, 11, 16 (RUNNING); JobComplete from that answer, then 300 s later.
    assert_eq!(times, [1.0, 6.0, 11.0, 16.0, 316.0]);
}

#[tokio::test(start_paused = true)]
async fn waits_that_start_apart_share_their_first_call() {
    let ids = ["a", "b", "c"];
    let fake = FakeBatch::new(ids.map(|id| (id.to_owned(), succeeded())));
    let client = fake.client();
    // The default tolerance (10 s), so at most half of the 6 s initial delay: 3 s early.
    let poller = poller(&fake);
    let options = options(Some(&poller), Duration::from_secs(6));
    let waits = ids.iter().enumerate().map(|(i, id)| {
        let (client, options) = (&client, &options);
        async move {
            tokio::time::sleep(Duration::from_secs(2 * i as u64)).await;
            typed::wait_for_job(client, id, options, NoObserver).await
        }
    });
    let results = join_all(waits).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    // a is due at 6 s, b at 8 s (from 5 s on within its window), c at 10 s (from 7 s).
    assert_eq!(
        calls(&fake),
        [
            (6.0, vec!["a".to_owned(), "b".to_owned()]),
            (10.0, vec!["c".to_owned()]),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_initial_delay_past_the_deadline_makes_no_call() {
    let fake = FakeBatch::new([
        ("late".to_owned(), succeeded()),
        ("early".to_owned(), succeeded()),
    ]);
    let client = fake.client();
    let poller = poller(&fake);
    let late = JobWaitOptions {
        max_wait: Some(Duration::from_secs(5)),
        ..options(Some(&poller), Duration::from_secs(10))
    };
    // Another wait's call at 4 s must not answer the one whose deadline comes first.
    let early = options(Some(&poller), Duration::from_secs(4));
    let started = Instant::now();
    let (late, early) = tokio::join!(
        typed::wait_for_job(&client, "late", &late, NoObserver),
        typed::wait_for_job(&client, "early", &early, NoObserver),
    );
    assert!(early.is_ok());
    match late {
        Err(JobWaitError::Wait { source, .. }) => {
            assert!(
                matches!(source.reason(), FailureReason::MaxWaitExceeded { max_wait, .. }
                    if *max_wait == Duration::from_secs(5)),
                "{source}"
            );
            assert_eq!(source.attempts(), 0);
        }
        other => panic!("expected the deadline, got {other:?}"),
    }
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(calls(&fake), [(4.0, vec!["early".to_owned()])]);
}

/// JobRunning's polling delay, as its first attempt reports it, for each wait.
async fn running_delays(
    poller: impl FnOnce(&aws_sdk_batch::Client) -> JobPoller,
    seeds: &[u64],
) -> Vec<Duration> {
    let timeline = vec![
        (Duration::ZERO, "RUNNABLE"),
        (Duration::from_secs(30), "SUCCEEDED"),
    ];
    let fake = FakeBatch::new([("slow".to_owned(), timeline)]);
    let client = fake.client();
    let poller = poller(&client);
    let waits = seeds.iter().map(|seed| {
        let options = JobWaitOptions {
            initial_delay: Some(Duration::from_secs(1)),
            random: RandomSource::seeded(*seed),
            poller: Some(poller.clone()),
            ..JobWaitOptions::default()
        };
        let client = client.clone();
        async move {
            let delay = Arc::new(Mutex::new(None));
            let observe = {
                let delay = delay.clone();
                move |attempt: &Attempt<'_, DescribeJobsResponse, DescribeJobsSdkError>| {
                    if attempt.waiter == "JobRunning" && attempt.number == 1 {
                        *delay.lock().unwrap() = attempt.next_poll;
                    }
                }
            };
            let _ = BatchWaiters::new(client)
                .wait_for_job_with("slow", &options, observe)
                .await;
            delay
                .lock()
                .unwrap()
                .take()
                .expect("JobRunning polled again")
        }
    });
    join_all(waits).await
}

#[tokio::test(start_paused = true)]
async fn waits_through_a_poller_share_its_jitter_draw() {
    let seeds = [1, 2, 3, 4];

    let delays = running_delays(JobPoller::new, &seeds).await;
    assert!(delays.iter().all(|d| *d == delays[0]), "{delays:?}");
    let low = Duration::from_secs(3);
    assert!(
        (low..=Duration::from_secs(7)).contains(&delays[0]),
        "Airflow's jitter around 5 s: {delays:?}"
    );

    let fixed = |client: &aws_sdk_batch::Client| {
        JobPoller::builder(client)
            .shared_jitter_from(Some(&RandomSource::fixed(0.25)))
            .build()
    };
    let delays = running_delays(fixed, &seeds).await;
    assert_eq!(
        delays,
        [Duration::from_secs(4); 4],
        "5 s - 2 s + 4 s * 0.25"
    );

    let own = |client: &aws_sdk_batch::Client| {
        JobPoller::builder(client).shared_jitter_from(None).build()
    };
    let delays = running_delays(own, &seeds).await;
    let distinct: std::collections::HashSet<_> = delays.iter().collect();
    assert_eq!(
        distinct.len(),
        seeds.len(),
        "each wait its own draw: {delays:?}"
    );
}

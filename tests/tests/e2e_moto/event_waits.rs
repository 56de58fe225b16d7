//! Event-driven waits end to end: the local endpoint publishes its jobs' state changes
//! to moto's EventBridge, a rule made by `waiters_cli::events::setup` sends them to an
//! SQS queue on moto, and an `EventSource` reads them into the shared poller the waits
//! go through. Real time: jobs of 3 s, a reconciliation every few seconds.
//!
//! moto delivers about 150 events a second (each one is matched against every rule and
//! sent on to SQS in Python), so the jobs here have two events each (RUNNING, then
//! SUCCEEDED or FAILED): the other phases last no time. Even so, the events of 1,000
//! jobs take moto longer than the jobs take; the reconciliation polls make up for it,
//! which is what they are for.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_batch::Client;
use serde_json::json;
use tokio::task::JoinSet;
use waiters_cli::events::{SetupOptions, TeardownOptions, setup, teardown};
use waiters_local::{
    EventFaultKind, EventFaultRule, FaultSchedule, JobPhase, JobProfile, LocalBatch,
};
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::engine::NoObserver;
use waiters_runtime::events::{EventSource, EventSourceError, EventTask};
use waiters_runtime::{BatchWaiters, JobPoller, JobWaitError, JobWaitOptions};

use super::endpoint;
use super::events::{clients, unique};

/// A job is SUBMITTED this long, then RUNNING twice as long, then finished.
const PHASE: Duration = Duration::from_secs(1);
/// The waiters' polling delay: what the shared poller alone would poll at.
const DELAY: f64 = 0.25;

/// SUBMITTED for [`PHASE`], RUNNING for two, then SUCCEEDED (or what the job's
/// `local:outcome` says): two events.
fn profile() -> JobProfile {
    JobProfile::default()
        .with_every_phase(Duration::ZERO)
        .with_phase_duration(JobPhase::Submitted, PHASE)
        .with_phase_duration(JobPhase::Running, PHASE * 2)
}

/// A local endpoint publishing job events to moto.
async fn evented_server() -> LocalBatch {
    LocalBatch::builder()
        .default_profile(profile())
        .eventbridge(endpoint())
        .start()
        .await
        .expect("local endpoint")
}

/// Submits `n` jobs, all at once; every seventh fails. Returns (id, expected final
/// status), in order.
async fn submit(client: &Client, n: usize) -> Vec<(String, &'static str)> {
    let outcome = |i: usize| if i % 7 == 3 { "FAILED" } else { "SUCCEEDED" };
    let mut set = JoinSet::new();
    for i in 0..n {
        let request = client
            .submit_job()
            .job_name(format!("evented-{i}"))
            .job_queue("q")
            .job_definition("d")
            .parameters("local:outcome", outcome(i));
        set.spawn(async move { (i, request.send().await) });
    }
    let mut jobs = vec![(String::new(), ""); n];
    while let Some(done) = set.join_next().await {
        let (i, output) = done.expect("a submission does not panic");
        let id = output
            .expect("SubmitJob")
            .job_id()
            .expect("jobId")
            .to_owned();
        jobs[i] = (id, outcome(i));
    }
    jobs
}

/// The bundled model with every delay at [`DELAY`], polled exactly (no jitter), through
/// `poller`, with a deadline.
fn fast_waiters(client: &Client, poller: &JobPoller) -> (BatchWaiters, JobWaitOptions) {
    let mut config = BatchWaiters::new(client.clone()).default_config();
    for name in ["JobExists", "JobRunning", "JobComplete"] {
        config["waiters"][name]["delay"] = json!(DELAY);
    }
    let waiters = BatchWaiters::with_config(client.clone(), &config).expect("valid model");
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        max_wait: Some(Duration::from_secs(120)),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.0),
        poller: Some(poller.clone()),
        ..JobWaitOptions::default()
    };
    (waiters, options)
}

/// Waits for every job concurrently; returns each one's final status (or the error), in
/// order. `finished` counts the waits that ended.
async fn wait_all(
    waiters: &BatchWaiters,
    options: &JobWaitOptions,
    jobs: &[(String, &'static str)],
    finished: &Arc<AtomicUsize>,
) -> Vec<String> {
    let mut set = JoinSet::new();
    for (index, (id, _)) in jobs.iter().enumerate() {
        let (waiters, options, id, finished) = (
            waiters.clone(),
            options.clone(),
            id.clone(),
            finished.clone(),
        );
        set.spawn(async move {
            let status = match waiters.wait_for_job_with(&id, &options, NoObserver).await {
                Ok(job) => job.status().map_or("?", |s| s.as_str()).to_owned(),
                Err(JobWaitError::JobFailed { .. }) => "FAILED".to_owned(),
                Err(other) => format!("error: {other}"),
            };
            finished.fetch_add(1, Ordering::SeqCst);
            (index, status)
        });
    }
    let mut statuses = vec![String::new(); jobs.len()];
    while let Some(done) = set.join_next().await {
        let (index, status) = done.expect("a wait does not panic");
        statuses[index] = status;
    }
    statuses
}

fn assert_outcomes(jobs: &[(String, &'static str)], statuses: &[String]) {
    for ((id, expected), got) in jobs.iter().zip(statuses) {
        assert_eq!(got, expected, "job {id}");
    }
}

/// The queue and rule for one test, and the source reading it into a fresh poller.
struct Evented {
    queue: String,
    queue_url: String,
    poller: JobPoller,
    task: EventTask,
}

async fn evented(name: &str, server: &LocalBatch, reconcile_every: Duration) -> Evented {
    let queue = unique(name);
    let report = setup(&clients(), &SetupOptions::new(&queue))
        .await
        .expect("setup");
    let poller = JobPoller::new(&server.client());
    let task = EventSource::new(&clients().sqs, &report.queue.url, &poller)
        .reconcile_every(reconcile_every)
        .spawn();
    Evented {
        queue,
        queue_url: report.queue.url,
        poller,
        task,
    }
}

impl Evented {
    async fn teardown(self) {
        drop(self.task);
        teardown(&clients(), &TeardownOptions::new(&self.queue))
            .await
            .expect("teardown");
    }
}

#[tokio::test]
async fn moto_events_wait_for_a_thousand_jobs_with_few_calls() {
    const JOBS: usize = 1000;
    const RECONCILE: Duration = Duration::from_secs(5);
    let server = evented_server().await;
    let events = evented("waiters-moto-1000", &server, RECONCILE).await;
    let client = server.client();
    let jobs = submit(&client, JOBS).await;
    server.reset_counters();
    let (waiters, options) = fast_waiters(&client, &events.poller);
    let started = Instant::now();
    let statuses = wait_all(&waiters, &options, &jobs, &Arc::default()).await;
    let elapsed = started.elapsed();
    assert_outcomes(&jobs, &statuses);
    let calls = server.counters().describe_jobs.requests;
    let poller = events.poller.stats();
    let source = events.task.stats();
    println!(
        "moto events: {JOBS} jobs in {elapsed:.1?}: {calls} DescribeJobs calls ({} answers from known states), {} messages, {} applied, {} stale, {} receives; {:?}",
        poller.answered_without_a_call,
        source.messages,
        source.applied,
        source.stale,
        source.receives,
        server.event_counters()
    );
    assert!(!events.task.is_finished(), "{:?}", events.task.error());
    // Events came and moved jobs (the rest of them came after a reconciliation poll).
    assert!(
        source.applied > 0 && poller.answered_without_a_call > 0,
        "{source:?}"
    );
    assert!(poller.max_ids_in_a_call <= 100, "{poller:?}");
    // Every job is asked for once at first, then at most once per reconciliation
    // interval (a call of 100 ids per 100 jobs, and one more for ids that fell due apart).
    let per_round = JOBS.div_ceil(100) as u64;
    let intervals = (elapsed.as_secs_f64() / RECONCILE.as_secs_f64()).floor() as u64;
    let bound = (per_round + 1) * (1 + intervals);
    assert!(
        calls <= bound,
        "{calls} calls, over the reconciliation bound {bound}: {poller:?}"
    );
    server.shutdown().await;
    events.teardown().await;

    // The same jobs through the shared poller alone, on the paused clock: an exact count
    // that the machine's load cannot move.
    let alone = tokio::task::spawn_blocking(|| polling_alone(JOBS))
        .await
        .expect("the run without events does not panic");
    println!("moto events: the poller alone: {alone} DescribeJobs calls");
    // A round of ceil(1000 / 100) calls at 0 s and every 0.25 s until the jobs end at 3 s.
    assert_eq!(alone, 13 * per_round, "polling alone on the paused clock");
    // Events must save at least half of the calls. The evented run goes by the real clock
    // and moto's SQS, so its count grows with the machine's load (within the bound
    // above); the exact figures are the events benchmark's (BENCHMARKS.md).
    assert!(
        calls * 2 <= alone,
        "{calls} calls with events, {alone} polling alone"
    );
}

/// The DescribeJobs calls of waiting for `jobs` jobs through the shared poller alone, on
/// a local endpoint without events, on a paused clock of its own.
fn polling_alone(jobs: usize) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a paused runtime");
    runtime.block_on(async {
        let plain = LocalBatch::builder()
            .default_profile(profile())
            .start()
            .await
            .expect("local endpoint");
        let client = plain.client();
        let jobs = submit(&client, jobs).await;
        plain.reset_counters();
        // The waits' one jitter draw fixed too, so the count is the same every run.
        let poller = JobPoller::builder(&client)
            .shared_jitter_from(Some(&RandomSource::fixed(0.0)))
            .build();
        let (waiters, options) = fast_waiters(&client, &poller);
        let statuses = wait_all(&waiters, &options, &jobs, &Arc::default()).await;
        assert_outcomes(&jobs, &statuses);
        let calls = plain.counters().describe_jobs.requests;
        plain.shutdown().await;
        calls
    })
}

#[tokio::test]
async fn moto_events_dropped_duplicated_and_delayed_still_give_the_right_outcomes() {
    const JOBS: usize = 200;
    let server = evented_server().await;
    let faults = server.event_faults();
    let rules = [
        (EventFaultKind::Drop, 4),
        (EventFaultKind::Duplicate, 5),
        (EventFaultKind::Delay(Duration::from_millis(2500)), 3),
    ];
    for (kind, n) in rules {
        faults
            .add(EventFaultRule::new(kind, FaultSchedule::EveryNth(n)))
            .expect("a valid rule");
    }
    let events = evented("waiters-moto-faults", &server, Duration::from_secs(3)).await;
    let client = server.client();
    let jobs = submit(&client, JOBS).await;
    let (waiters, options) = fast_waiters(&client, &events.poller);
    let statuses = wait_all(&waiters, &options, &jobs, &Arc::default()).await;
    assert_outcomes(&jobs, &statuses);
    let published = server.event_counters();
    let source = events.task.stats();
    println!("moto event faults: {published:?}; source {source:?}");
    assert!(
        published.dropped > 0 && published.duplicated > 0 && published.delayed > 0,
        "{published:?}"
    );
    assert!(source.applied > 0 && source.stale > 0, "{source:?}");
    server.shutdown().await;
    events.teardown().await;
}

/// Polls `done` every 20 ms; fails the test with `what` after `bound` (generous: a signal
/// that does not come is a failure, not a hang).
async fn until(what: &str, bound: Duration, mut done: impl FnMut() -> bool) {
    let poll = async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    if tokio::time::timeout(bound, poll).await.is_err() {
        panic!("{what}: not within {bound:?}");
    }
}

#[tokio::test]
async fn moto_events_queue_deleted_mid_wait_falls_back_to_polling() {
    const JOBS: usize = 50;
    const HOUR: Duration = Duration::from_secs(3600);
    // SUBMITTED and RUNNING last an hour each: jobs move only when the test moves the
    // endpoint's clock, so none can end while events are on, whatever the load.
    let server = LocalBatch::builder()
        .default_profile(
            JobProfile::default()
                .with_every_phase(Duration::ZERO)
                .with_phase_duration(JobPhase::Submitted, HOUR)
                .with_phase_duration(JobPhase::Running, HOUR),
        )
        .eventbridge(endpoint())
        .start()
        .await
        .expect("local endpoint");
    // No reconciliation within the test: while events are on, only they move the waits.
    let events = evented("waiters-moto-gone", &server, Duration::from_secs(600)).await;
    let client = server.client();
    let jobs = submit(&client, JOBS).await;
    server.reset_counters();
    let (waiters, options) = fast_waiters(&client, &events.poller);
    let finished = Arc::new(AtomicUsize::new(0));
    let waiting = wait_all(&waiters, &options, &jobs, &finished);
    let watching = async {
        // The waits' first call saw every job SUBMITTED; then they all go RUNNING, and
        // the queue is deleted once those events flow.
        until(
            "the first DescribeJobs call",
            Duration::from_secs(60),
            || server.counters().describe_jobs.requests > 0,
        )
        .await;
        server.advance_clock(HOUR);
        until("an event applied", Duration::from_secs(120), || {
            events.task.stats().applied > 0
        })
        .await;
        clients()
            .sqs
            .delete_queue()
            .queue_url(&events.queue_url)
            .send()
            .await
            .expect("DeleteQueue");
        // moto answers the long poll in flight after its 20 s; the next one fails.
        until("the source stopping", Duration::from_secs(120), || {
            events.task.is_finished()
        })
        .await;
        let at_stop = (
            finished.load(Ordering::SeqCst),
            server.counters().describe_jobs.requests,
        );
        // Now every job ends; its events go nowhere, the waits see it by polling.
        server.advance_clock(HOUR * 2);
        at_stop
    };
    let (statuses, (finished_at_stop, calls_at_stop)) = tokio::join!(waiting, watching);
    assert_outcomes(&jobs, &statuses);
    let error = events.task.error();
    assert!(
        matches!(&error, Some(EventSourceError::QueueGone { queue_url }) if *queue_url == events.queue_url),
        "{error:?}"
    );
    assert_eq!(events.poller.events(), None, "the poller polls alone again");
    assert_eq!(
        finished_at_stop, 0,
        "no wait could end while events were on"
    );
    let calls = server.counters().describe_jobs.requests;
    assert!(calls > calls_at_stop, "the waits finished by polling");
    println!(
        "moto queue deleted: {error:?}; {calls_at_stop} DescribeJobs calls before the stop, {calls} in all"
    );
    server.shutdown().await;
    events.teardown().await;
}

//! A fault suite at scale: 1,000 Batch jobs with random durations and outcomes, each waited
//! with `wait_for_job` end to end (aws-sdk-batch over HTTP against the local endpoint) while
//! the endpoint throttles 30% of DescribeJobs calls, answers 5% with HTTP 500, drops 2% of
//! connections and has latency spikes. Once with every wait calling alone, once through the
//! shared poller. Two focused cases beside it: throttling that outlasts the budget, and an
//! endpoint that restarts and forgets its jobs.
//!
//! Everything runs on tokio's paused clock: 10 to 30 minutes of job time per run, seconds of
//! real time. The figures in the README's "Reliability" section come from
//! `cargo test -p waiters-tests --test faults -- --nocapture`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::retry::{RetryConfig, RetryPartition};
use aws_sdk_batch::config::timeout::TimeoutConfig;
use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::JobDetail;
use tokio::task::JoinSet;
use waiters_local::{
    FaultKind, FaultRule, FaultSchedule, Faults, JobProfile, LocalBatch, Operation,
    OperationCounters,
};
use waiters_runtime::config::{DelayStrategy, RandomSource, TransientRetry};
use waiters_runtime::engine::Attempt;
use waiters_runtime::error::{ErrorClass, FailureReason, OperationError};
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::{BatchWaiters, JobPoller, JobWaitError, JobWaitOptions, typed};

/// Jobs in the suite.
const JOBS: usize = 1000;
/// Everything random (schedules, outcomes, faults, jitter) derives from this.
const SEED: u64 = 0x12_05;
/// Shares of all DescribeJobs requests that get each fault.
const THROTTLED: f64 = 0.30;
const SERVER_ERRORS: f64 = 0.05;
const DROPPED: f64 = 0.02;
/// Tries per SDK call (the SDK's standard retry mode: the first and two retries).
const SDK_TRIES: u32 = 3;
/// Latency spikes: every `SPIKE_EVERY`, every request waits `SPIKE` for `SPIKE_FOR`.
const SPIKE_EVERY: Duration = Duration::from_secs(60);
const SPIKE_FOR: Duration = Duration::from_secs(10);
const SPIKE: Duration = Duration::from_secs(2);
/// The budget of every wait. The longest job takes 10 minutes 20 seconds; after a job ends
/// its wait needs one successful JobComplete poll, and each failed one costs a whole delay
/// (about 300 s: the transient backoff only sets a minimum). A call fails when all the
/// SDK's tries are faulted, or, once the SDK's retry quota has run dry, when its one try is
/// (37%). Three hours leave room for 33 failed polls in a row after the job ended:
/// 0.37^33 is below 1e-14 per wait.
const MAX_WAIT: Duration = Duration::from_secs(3 * 3600);
/// Polling delays are the model's (JobExists 2 s, JobRunning 5 s, JobComplete 300 s) with
/// Airflow's jitter (+/- 2 s, at least 1 s): these are the shortest.
const MIN_RUNNING_DELAY: f64 = 3.0;
const MIN_COMPLETE_DELAY: f64 = 298.0;
/// Through the poller a call may come early by up to the poller's tolerance (10 s), and by
/// never more than half the sleep.
const POLLER_TOLERANCE: f64 = 10.0;

// ---------------------------------------------------------------------------------------
// Panics anywhere in a test: its waits, the poller's round task and the endpoint's tasks
// all run on the test's thread (a current-thread runtime), so a panic hook counts them per
// thread.

thread_local! {
    static PANICS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn panics_on_this_thread() -> u64 {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|count| count.set(count.get() + 1));
            previous(info);
        }));
    });
    PANICS.with(std::cell::Cell::get)
}

// ---------------------------------------------------------------------------------------
// The endpoint and the client.

async fn start_server(seed: u64) -> LocalBatch {
    LocalBatch::builder()
        .seed(seed)
        .default_profile(JobProfile::default())
        .start()
        .await
        .expect("local endpoint starts")
}

/// The SDK client as a user has it (standard retry mode, 3 tries per call), with three
/// changes for a test on the paused clock: no timeouts (one could fire while a request is on
/// the socket), no jitter in the SDK's own backoff, and a retry partition of its own so its
/// retry quota is not shared with other tests in this process.
fn client(server: &LocalBatch, partition: &'static str) -> Client {
    Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(SDK_TRIES)
                    .with_use_static_exponential_base(true),
            )
            .retry_partition(RetryPartition::new(partition))
            .build(),
    )
}

// ---------------------------------------------------------------------------------------
// The jobs.

#[derive(Clone, Debug, PartialEq)]
enum Expected {
    Succeeded,
    Failed { exit_code: i32, reason: String },
}

#[derive(Clone, Debug)]
struct PlannedJob {
    id: String,
    expected: Expected,
    /// From submission: when the job is RUNNING, and when it ends.
    running_at: Duration,
    done_at: Duration,
}

const FAILURE_REASONS: [&str; 3] = [
    "OutOfMemoryError: Container killed due to memory usage",
    "Essential container in task exited",
    "Host EC2 (instance i-0123456789abcdef0) terminated.",
];

/// Random schedules: SUBMITTED, PENDING and STARTING up to 2 s each, RUNNABLE up to 14 s,
/// RUNNING 1 to 10 minutes; 30% of the jobs fail with an exit code from 1 to 255.
async fn submit_jobs(client: &Client, random: &RandomSource) -> Vec<PlannedJob> {
    let millis = |low: f64, high: f64| (random.uniform(low, high) * 1000.0).round() as u64;
    let mut jobs = Vec::with_capacity(JOBS);
    for index in 0..JOBS {
        let phases = [
            ("local:submittedMillis", millis(0.0, 2.0)),
            ("local:pendingMillis", millis(0.0, 2.0)),
            ("local:runnableMillis", millis(0.0, 14.0)),
            ("local:startingMillis", millis(0.0, 2.0)),
            ("local:runningMillis", millis(60.0, 600.0)),
        ];
        let expected = if random.unit() < 0.3 {
            Expected::Failed {
                exit_code: 1 + (random.unit() * 255.0) as i32,
                reason: FAILURE_REASONS[(random.unit() * 3.0) as usize].to_owned(),
            }
        } else {
            Expected::Succeeded
        };
        let mut request = client
            .submit_job()
            .job_name(format!("fault-suite-{index}"))
            .job_queue("queue")
            .job_definition("definition:1");
        for (key, value) in phases {
            request = request.parameters(key, value.to_string());
        }
        if let Expected::Failed { exit_code, reason } = &expected {
            request = request
                .parameters("local:outcome", "FAILED")
                .parameters("local:exitCode", exit_code.to_string())
                .parameters("local:statusReason", reason);
        }
        let submitted = request.send().await.expect("SubmitJob");
        let running_at: u64 = phases[..4].iter().map(|(_, ms)| ms).sum();
        jobs.push(PlannedJob {
            id: submitted.job_id().expect("jobId").to_owned(),
            expected,
            running_at: Duration::from_millis(running_at),
            done_at: Duration::from_millis(running_at + phases[4].1),
        });
    }
    jobs
}

impl PlannedJob {
    /// The most successful DescribeJobs answers each phase of this job's wait can see, when
    /// consecutive answers of a phase are at least `running_delay` (JobRunning) and
    /// `complete_delay` (JobComplete) apart. JobExists: one (the job is visible at once).
    /// JobRunning: every answer but the last saw the job before `running_at`, so at most
    /// `running_at / running_delay + 1` of them, plus the last. JobComplete: every answer
    /// but the last saw it RUNNING, in `[running_at, done_at)`.
    fn answer_bound(&self, running_delay: f64, complete_delay: f64) -> [u64; 3] {
        let running = self.running_at.as_secs_f64();
        let complete = (self.done_at - self.running_at).as_secs_f64();
        [
            1,
            (running / running_delay).floor() as u64 + 2,
            (complete / complete_delay).floor() as u64 + 2,
        ]
    }
}

/// The shared poller, its jitter drawn from the seed (so that runs repeat).
fn poller(client: &Client) -> JobPoller {
    JobPoller::builder(client)
        .shared_jitter_from(Some(&RandomSource::seeded(SEED)))
        .build()
}

// ---------------------------------------------------------------------------------------
// What each wait saw and how it ended.

/// Attempts of one wait: successful answers per phase, and the errors (after the SDK's own
/// retries) by kind.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    answers: [u64; 3],
    throttled: u64,
    server_errors: u64,
    connection: u64,
    other_errors: u64,
}

impl Tally {
    fn record<O, E: OperationError>(&mut self, attempt: &Attempt<'_, O, E>) {
        match attempt.response {
            Ok(_) => {
                let phase = waiters_runtime::job::JOB_PHASES
                    .iter()
                    .position(|name| *name == attempt.waiter)
                    .expect("a wait_for_job phase");
                self.answers[phase] += 1;
            }
            Err(error) => match error.class() {
                ErrorClass::Service {
                    code: Some("TooManyRequestsException"),
                    ..
                } => self.throttled += 1,
                ErrorClass::Service {
                    status: Some(500..),
                    ..
                } => self.server_errors += 1,
                ErrorClass::Connection => self.connection += 1,
                _ => self.other_errors += 1,
            },
        }
    }

    fn attempts(&self) -> u64 {
        self.answers.iter().sum::<u64>() + self.errors()
    }

    fn errors(&self) -> u64 {
        self.throttled + self.server_errors + self.connection + self.other_errors
    }

    fn add(&mut self, other: &Tally) {
        for (mine, theirs) in self.answers.iter_mut().zip(other.answers) {
            *mine += theirs;
        }
        self.throttled += other.throttled;
        self.server_errors += other.server_errors;
        self.connection += other.connection;
        self.other_errors += other.other_errors;
    }
}

/// How a `wait_for_job` ended, typed or run-time alike.
#[derive(Debug, PartialEq)]
enum Ending {
    Succeeded {
        job_id: Option<String>,
        status: Option<String>,
        exit_code: Option<i32>,
    },
    Failed {
        job_id: String,
        exit_code: Option<i32>,
        reason: Option<String>,
    },
    Other(String),
}

impl Ending {
    fn of<O: fmt::Debug>(result: Result<JobDetail, JobWaitError<O>>) -> Self {
        match result {
            Ok(job) => Ending::Succeeded {
                job_id: job.job_id().map(str::to_owned),
                status: job.status().map(|s| s.as_str().to_owned()),
                exit_code: waiters_runtime::job::exit_code(&job),
            },
            Err(JobWaitError::JobFailed { job_id, job, .. }) => Ending::Failed {
                job_id,
                exit_code: waiters_runtime::job::exit_code(&job),
                reason: job.status_reason().map(str::to_owned),
            },
            Err(other) => Ending::Other(other.to_string()),
        }
    }

    /// The job id the result itself names.
    fn job_id(&self) -> Option<&str> {
        match self {
            Ending::Succeeded { job_id, .. } => job_id.as_deref(),
            Ending::Failed { job_id, .. } => Some(job_id),
            Ending::Other(_) => None,
        }
    }

    fn is_right_for(&self, job: &PlannedJob) -> bool {
        match (&job.expected, self) {
            (
                Expected::Succeeded,
                Ending::Succeeded {
                    job_id,
                    status,
                    exit_code,
                },
            ) => {
                job_id.as_deref() == Some(&job.id)
                    && status.as_deref() == Some("SUCCEEDED")
                    && *exit_code == Some(0)
            }
            (
                Expected::Failed {
                    exit_code: expected_code,
                    reason: expected_reason,
                },
                Ending::Failed {
                    job_id,
                    exit_code,
                    reason,
                },
            ) => {
                *job_id == job.id
                    && *exit_code == Some(*expected_code)
                    && reason.as_deref() == Some(expected_reason)
            }
            _ => false,
        }
    }
}

/// One wait's result: which job, how it ended, what it saw and when it ended.
struct WaitResult {
    index: usize,
    ending: Ending,
    tally: Tally,
    ended: tokio::time::Instant,
}

impl WaitResult {
    fn new(index: usize, ending: Ending, tally: Tally) -> Self {
        Self {
            index,
            ending,
            tally,
            ended: tokio::time::Instant::now(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Faults.

/// The three probabilistic rules, for DescribeJobs only. Rules are consulted in order and
/// the first hit decides, so each later rule's probability is its share of what the
/// earlier ones left.
fn inject_faults(faults: &Faults, seed: u64) {
    let rules = [
        (FaultKind::Throttle, THROTTLED),
        (FaultKind::ServerError, SERVER_ERRORS / (1.0 - THROTTLED)),
        (
            FaultKind::DropConnection,
            DROPPED / (1.0 - THROTTLED - SERVER_ERRORS),
        ),
    ];
    for (offset, (kind, probability)) in (0..).zip(rules) {
        faults
            .add(
                FaultRule::new(
                    kind,
                    FaultSchedule::Probability {
                        probability,
                        seed: seed + offset,
                    },
                )
                .only_for(Operation::DescribeJobs),
            )
            .expect("valid fault rule");
    }
}

/// Turns the latency on (`SPIKE`) for `SPIKE_FOR` every `SPIKE_EVERY`, counting the spikes,
/// until aborted.
fn spike_latency(faults: Faults, spikes: Arc<AtomicU64>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(SPIKE_EVERY - SPIKE_FOR).await;
            faults.set_latency(SPIKE);
            spikes.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(SPIKE_FOR).await;
            faults.set_latency(Duration::ZERO);
        }
    })
}

/// `part` of `whole` is `share` give or take five standard deviations (the fault rules are
/// seeded, so this is the same on every run that makes about as many requests).
fn assert_share(what: &str, part: u64, whole: u64, share: f64) {
    let n = whole as f64;
    let measured = part as f64 / n;
    let tolerance = 5.0 * (share * (1.0 - share) / n).sqrt();
    assert!(
        (measured - share).abs() <= tolerance,
        "{what}: {part} of {whole} = {measured:.4}, expected {share} +/- {tolerance:.4}"
    );
}

// ---------------------------------------------------------------------------------------
// The suite.

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    PerJob,
    Poller,
}

/// One wait per job, half on the typed waiters and half on the run-time ones, with
/// Airflow-like options: the initial delay drawn from 1-10 s, the model's delays with
/// Airflow's jitter (drawn from a generator seeded per job), no attempt limit, a budget of
/// three hours and the default transient backoff (1 s doubling to 60 s).
fn spawn_waits(
    waits: &mut JoinSet<WaitResult>,
    client: &Client,
    jobs: &[PlannedJob],
    poller: Option<&JobPoller>,
) {
    let run_time = BatchWaiters::new(client.clone());
    for (index, job) in jobs.iter().enumerate() {
        let options = JobWaitOptions {
            initial_delay: None,
            max_wait: Some(MAX_WAIT),
            max_attempts: None,
            phase_delay: DelayStrategy::airflow_jitter(),
            transient_errors: TransientRetry::Backoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(60),
            },
            random: RandomSource::seeded(SEED.wrapping_mul(7919).wrapping_add(index as u64)),
            poller: poller.cloned(),
            ..JobWaitOptions::default()
        };
        let job_id = job.id.clone();
        if index % 2 == 0 {
            let client = client.clone();
            waits.spawn(async move {
                let mut tally = Tally::default();
                let observe = |attempt: &Attempt<'_, DescribeJobsOutput, DescribeJobsSdkError>| {
                    tally.record(attempt)
                };
                let result = typed::wait_for_job(&client, &job_id, &options, observe).await;
                WaitResult::new(index, Ending::of(result), tally)
            });
        } else {
            let waiters = run_time.clone();
            waits.spawn(async move {
                let mut tally = Tally::default();
                let observe =
                    |attempt: &Attempt<'_, DescribeJobsResponse, DescribeJobsSdkError>| {
                        tally.record(attempt)
                    };
                let result = waiters.wait_for_job_with(&job_id, &options, observe).await;
                WaitResult::new(index, Ending::of(result), tally)
            });
        }
    }
}

struct Figures {
    mode: Mode,
    succeeded: usize,
    failed: usize,
    right: usize,
    spikes: u64,
    server: OperationCounters,
    tally: Tally,
    bound: u64,
    poller: Option<waiters_runtime::poller::PollerStats>,
    job_time: Duration,
    lag: Duration,
    real_time: Duration,
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.server;
        let t = &self.tally;
        writeln!(f, "fault suite, {:?}", self.mode)?;
        writeln!(
            f,
            "  jobs: {JOBS} ({} SUCCEEDED, {} FAILED); outcomes right: {}/{JOBS}",
            self.succeeded, self.failed, self.right
        )?;
        writeln!(
            f,
            "  DescribeJobs requests at the endpoint: {} ({} answered, {} throttled, {} HTTP 500, {} connections dropped; {} latency spikes of {:?})",
            s.requests,
            s.served(),
            s.throttled,
            s.server_errors,
            s.dropped_connections,
            self.spikes,
            SPIKE
        )?;
        writeln!(
            f,
            "  wait attempts: {} ({} answers: {} JobExists, {} JobRunning, {} JobComplete; errors after the SDK's retries: {} throttled, {} HTTP 500, {} connection, {} other)",
            t.attempts(),
            t.answers.iter().sum::<u64>(),
            t.answers[0],
            t.answers[1],
            t.answers[2],
            t.throttled,
            t.server_errors,
            t.connection,
            t.other_errors
        )?;
        writeln!(
            f,
            "  answers bound (sum over jobs of the per-phase bounds): {}",
            self.bound
        )?;
        if let Some(p) = &self.poller {
            writeln!(
                f,
                "  poller: {} DescribeJobs calls in {} rounds ({} ids asked, at most {} in a call, {} answers handed out, {} calls throttled, {} splits)",
                p.calls, p.rounds, p.ids, p.max_ids_in_a_call, p.served, p.throttled, p.splits
            )?;
        }
        write!(
            f,
            "  {:.1} min on the paused clock (the longest wait ended {:.0} s after its job), {:.1} s of real time",
            self.job_time.as_secs_f64() / 60.0,
            self.lag.as_secs_f64(),
            self.real_time.as_secs_f64()
        )
    }
}

async fn run_suite(mode: Mode) -> Figures {
    let panics_before = panics_on_this_thread();
    let real_start = std::time::Instant::now();
    let seed = SEED + mode as u64;
    let server = start_server(seed).await;
    let client = client(
        &server,
        match mode {
            Mode::PerJob => "fault-suite-per-job",
            Mode::Poller => "fault-suite-poller",
        },
    );
    let submitted = tokio::time::Instant::now();
    let jobs = submit_jobs(&client, &RandomSource::seeded(SEED)).await;
    let started = tokio::time::Instant::now();

    inject_faults(server.faults(), seed);
    let spikes = Arc::new(AtomicU64::new(0));
    let spiking = spike_latency(server.faults().clone(), spikes.clone());

    let poller = (mode == Mode::Poller).then(|| poller(&client));
    let mut waits = JoinSet::new();
    spawn_waits(&mut waits, &client, &jobs, poller.as_ref());

    // A wait that hangs (or a task that never ends) shows up as this timeout on the paused
    // clock: every wait has a budget.
    let mut results: Vec<WaitResult> = Vec::with_capacity(JOBS);
    let mut panicked = 0;
    let drained = tokio::time::timeout(MAX_WAIT + Duration::from_secs(600), async {
        while let Some(joined) = waits.join_next().await {
            match joined {
                Ok(result) => results.push(result),
                Err(error) => {
                    eprintln!("a wait task ended abnormally: {error}");
                    panicked += 1;
                }
            }
        }
    })
    .await;
    let job_time = started.elapsed();
    spiking.abort();

    // What happened, printed before anything is asserted.
    let server_counts = server.counters().describe_jobs;
    let requests = server_counts.requests;
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for WaitResult { ending, .. } in &results {
        if let Some(id) = ending.job_id() {
            *by_id.entry(id).or_default() += 1;
        }
    }
    let wrong: Vec<String> = results
        .iter()
        .filter(|result| !result.ending.is_right_for(&jobs[result.index]))
        .map(|result| format!("{:?}: {:?}", jobs[result.index], result.ending))
        .collect();
    // Per wait: its answers in each phase stay within the bound its schedule gives.
    let (running_delay, complete_delay) = match mode {
        Mode::PerJob => (MIN_RUNNING_DELAY, MIN_COMPLETE_DELAY),
        // An answer through the poller may be fetched early, by at most the tolerance and
        // at most half the sleep.
        Mode::Poller => (
            MIN_RUNNING_DELAY / 2.0,
            MIN_COMPLETE_DELAY - POLLER_TOLERANCE,
        ),
    };
    let mut total = Tally::default();
    let mut bound = 0;
    let mut over_bound = Vec::new();
    let mut lag = Duration::ZERO;
    for WaitResult {
        index,
        tally,
        ended,
        ..
    } in &results
    {
        // How long after its job ended the wait did.
        lag = lag.max(ended.saturating_duration_since(submitted + jobs[*index].done_at));
        let phase_bounds = jobs[*index].answer_bound(running_delay, complete_delay);
        for (phase, (answers, most)) in tally.answers.iter().zip(phase_bounds).enumerate() {
            if *answers > most {
                over_bound.push(format!(
                    "{:?}: {answers} answers in {}, bound {most}",
                    jobs[*index],
                    waiters_runtime::job::JOB_PHASES[phase]
                ));
            }
        }
        bound += phase_bounds.iter().sum::<u64>();
        total.add(tally);
    }
    let count = |succeeded: bool| {
        jobs.iter()
            .filter(|job| (job.expected == Expected::Succeeded) == succeeded)
            .count()
    };
    let figures = Figures {
        mode,
        succeeded: count(true),
        failed: count(false),
        right: results.len() - wrong.len(),
        spikes: spikes.load(Ordering::SeqCst),
        server: server_counts,
        tally: total,
        bound,
        poller: poller.as_ref().map(JobPoller::stats),
        job_time,
        lag,
        real_time: real_start.elapsed(),
    };
    println!("{figures}");

    // Nothing hung, nothing panicked.
    assert!(
        drained.is_ok(),
        "{} waits still running after {:?}",
        waits.len(),
        MAX_WAIT + Duration::from_secs(600)
    );
    assert_eq!(panicked, 0, "wait tasks panicked");
    assert_eq!(panics_on_this_thread(), panics_before, "something panicked");

    // Every job exactly once, by the id its result names, with the right outcome.
    assert_eq!(results.len(), JOBS, "a wait was lost");
    let twice: Vec<_> = by_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "jobs reported more than once: {twice:?}");
    assert!(
        wrong.is_empty(),
        "{} wrong outcomes, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
    for job in &jobs {
        assert_eq!(by_id.get(job.id.as_str()), Some(&1), "job {}", job.id);
    }

    // The faults were injected at the stated rates.
    assert_share("throttled", server_counts.throttled, requests, THROTTLED);
    assert_share(
        "HTTP 500",
        server_counts.server_errors,
        requests,
        SERVER_ERRORS,
    );
    assert_share(
        "dropped",
        server_counts.dropped_connections,
        requests,
        DROPPED,
    );
    assert!(figures.spikes >= 5, "a latency spike a minute");

    // Calls. Each wait's answers, phase by phase, stay within what its job's schedule
    // allows (`PlannedJob::answer_bound`): a phase's answers are at least its shortest
    // delay apart, and all but the last saw the job before the status the phase waits for.
    assert!(
        over_bound.is_empty(),
        "{} phases over their bound, e.g. {:?}",
        over_bound.len(),
        &over_bound[..over_bound.len().min(5)]
    );
    assert_eq!(total.other_errors, 0, "only injected faults fail calls");
    let faulted_share = THROTTLED + SERVER_ERRORS + DROPPED;
    match &poller {
        None => {
            // Alone, an error reaches a wait only after an injected fault of its kind...
            assert!(total.throttled <= server_counts.throttled);
            assert!(total.server_errors <= server_counts.server_errors);
            assert!(total.connection <= server_counts.dropped_connections);
            // ...each successful attempt is exactly one answered request...
            assert_eq!(server_counts.served(), total.answers.iter().sum::<u64>());
            // ...and each attempt is one SDK call of at most SDK_TRIES requests.
            assert!(requests <= u64::from(SDK_TRIES) * total.attempts());
            // Each request is faulted with probability 0.37 independently, so the endpoint
            // sees about answers / 0.63 requests; with 1 point of margin on the share:
            let most = (bound as f64 / (1.0 - faulted_share - 0.01)).floor() as u64;
            assert!(
                requests <= most,
                "{requests} DescribeJobs requests, bound {most}"
            );
        }
        Some(poller) => {
            let stats = poller.stats();
            // Every attempt of every wait was answered by the poller, once, except the
            // first of JobRunning and of JobComplete: each starts from the answer that
            // ended the phase before.
            let from_previous_phase: u64 = results
                .iter()
                .map(|r| r.tally.answers[1..].iter().filter(|n| **n > 0).count() as u64)
                .sum();
            assert_eq!(stats.served + from_previous_phase, total.attempts());
            assert_eq!(stats.splits, 0, "no error here is one wait's own");
            assert!(stats.throttled <= server_counts.throttled);
            assert!(stats.max_ids_in_a_call <= 100);
            // Each wait asks for one job of its own, so every id asked is one answer.
            assert_eq!(stats.ids, stats.served);
            // A round asks for each of its ids once, in calls of at most 100: at most
            // ceil(N / 100) calls, and at most one more than its ids / 100. Each call is at
            // most SDK_TRIES requests, and only calls are answered.
            let per_round = JOBS.div_ceil(100) as u64;
            assert!(
                stats.calls <= stats.rounds * per_round,
                "{} calls in {} rounds",
                stats.calls,
                stats.rounds
            );
            assert!(
                stats.calls * 100 <= stats.ids + 100 * stats.rounds,
                "{} calls for {} ids in {} rounds",
                stats.calls,
                stats.ids,
                stats.rounds
            );
            assert!(stats.calls <= requests && requests <= u64::from(SDK_TRIES) * stats.calls);
            assert!(server_counts.served() <= stats.calls);
            assert_eq!(poller.waits(), 0, "every wait left the poller");
        }
    }
    figures
}

#[tokio::test(start_paused = true)]
async fn a_thousand_jobs_under_faults_each_wait_polling_alone() {
    let figures = run_suite(Mode::PerJob).await;
    assert_eq!(figures.right, JOBS);
}

#[tokio::test(start_paused = true)]
async fn a_thousand_jobs_under_faults_through_the_shared_poller() {
    let figures = run_suite(Mode::Poller).await;
    assert_eq!(figures.right, JOBS);
}

// ---------------------------------------------------------------------------------------
// Focused cases.

/// Starts at once and polls at the model's delays exactly.
fn exact_options(max_wait: Duration, poller: Option<JobPoller>) -> JobWaitOptions {
    JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        max_wait: Some(max_wait),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.5),
        poller,
        ..JobWaitOptions::default()
    }
}

#[tokio::test(start_paused = true)]
async fn throttling_longer_than_the_budget_ends_naming_the_throttling() {
    for mode in [Mode::PerJob, Mode::Poller] {
        let server = start_server(SEED).await;
        let client = client(
            &server,
            match mode {
                Mode::PerJob => "throttled-per-job",
                Mode::Poller => "throttled-poller",
            },
        );
        let job_id = client
            .submit_job()
            .job_name("throttled")
            .job_queue("queue")
            .job_definition("definition:1")
            .send()
            .await
            .unwrap()
            .job_id()
            .unwrap()
            .to_owned();
        server
            .faults()
            .add(
                FaultRule::new(FaultKind::Throttle, FaultSchedule::Always)
                    .only_for(Operation::DescribeJobs),
            )
            .unwrap();
        let poller = (mode == Mode::Poller).then(|| poller(&client));
        let options = exact_options(Duration::from_secs(600), poller);
        let mut attempts = 0u64;
        let started = tokio::time::Instant::now();
        let err = typed::wait_for_job(
            &client,
            &job_id,
            &options,
            |_: &Attempt<'_, DescribeJobsOutput, DescribeJobsSdkError>| attempts += 1,
        )
        .await
        .unwrap_err();
        // The initial delay (0.5 s: jitter drawn at the middle) and the 15th attempt's
        // three tries (586 s + 3 s): the 16th would start after the budget.
        // The initial delay (per-job: Airflow's jitter on 0 s drawn at the middle, 0.5 s;
        // through the poller: its one draw from SEED, 0.942 s), then the 15th attempt's
        // three tries (586 s + 3 s); a 16th would start after the budget.
        let initial = match mode {
            Mode::PerJob => Duration::from_millis(500),
            Mode::Poller => Duration::from_millis(942),
        };
        assert_eq!(
            started.elapsed(),
            initial + Duration::from_secs(589),
            "{mode:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "waiting for Batch job {job_id}: Waiter JobExists failed: Max wait time of 600s exceeded \
                 (last attempt: An error occurred (TooManyRequestsException): Too Many Requests)"
            ),
            "{mode:?}"
        );
        let JobWaitError::Wait { source, .. } = &err else {
            panic!("{mode:?}: expected a waiter error, got {err:?}");
        };
        assert!(
            matches!(
                source.reason(),
                FailureReason::MaxWaitExceeded { last_error: Some(e), .. } if e.contains("TooManyRequestsException")
            ),
            "{mode:?}: {:?}",
            source.reason()
        );
        // It kept trying until the budget ran out. Each attempt is one SDK call of three
        // throttled tries, 1 s and 2 s apart (3 s); after the k-th failed attempt in a row
        // the wait sleeps max(2 s, min(2^(k-1) s, 60 s)). Attempts start at 0, 5, 10, 17,
        // 28, 47, 82, 145 s and every 63 s from there: the 15th at 586 s, and a 16th would
        // start at 649 s, after the 600 s budget.
        let counts = server.counters().describe_jobs;
        assert_eq!(attempts, 15, "{mode:?}");
        assert_eq!(counts.requests, u64::from(SDK_TRIES) * attempts, "{mode:?}");
        assert_eq!(counts.throttled, counts.requests, "{mode:?}");
        println!(
            "throttled for longer than the budget ({mode:?}): {attempts} attempts, {} requests, all throttled; {err}",
            counts.requests
        );
    }
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_that_forgets_a_running_job_is_not_a_success() {
    for mode in [Mode::PerJob, Mode::Poller] {
        let server = start_server(SEED).await;
        let address = server.local_addr();
        let client = client(
            &server,
            match mode {
                Mode::PerJob => "forgotten-per-job",
                Mode::Poller => "forgotten-poller",
            },
        );
        // RUNNING from 8 s on, for an hour.
        let job_id = client
            .submit_job()
            .job_name("forgotten")
            .job_queue("queue")
            .job_definition("definition:1")
            .parameters("local:phaseMillis", "2000")
            .parameters("local:runningMillis", "3600000")
            .send()
            .await
            .unwrap()
            .job_id()
            .unwrap()
            .to_owned();

        let poller = (mode == Mode::Poller).then(|| poller(&client));
        let options = exact_options(Duration::from_secs(1800), poller);
        let waiters = BatchWaiters::new(client.clone());
        let seen = Arc::new(std::sync::Mutex::new(Vec::<(String, usize)>::new()));
        let wait = {
            let seen = seen.clone();
            let job_id = job_id.clone();
            tokio::spawn(async move {
                let observe =
                    |attempt: &Attempt<'_, DescribeJobsResponse, DescribeJobsSdkError>| {
                        if let Ok(response) = attempt.response {
                            seen.lock()
                                .unwrap()
                                .push((attempt.waiter.to_owned(), response.jobs().len()));
                        }
                    };
                waiters.wait_for_job_with(&job_id, &options, observe).await
            })
        };

        // JobExists at 0 s, JobRunning at 0, 5 and 10 s (RUNNING), JobComplete at 10 s:
        // then the endpoint restarts on the same address with no jobs.
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(
            seen.lock().unwrap().last(),
            Some(&("JobComplete".to_owned(), 1)),
            "{mode:?}"
        );
        server.shutdown().await;
        let restarted = LocalBatch::builder()
            .bind(address)
            .seed(SEED + 1)
            .start()
            .await
            .expect("the endpoint restarts on the same address");

        let err = wait.await.expect("the wait does not panic").unwrap_err();
        // JobComplete polls at 310, 610, 910, 1210 and 1510 s and sees `jobs: []` each
        // time; the next poll would pass the 1800 s budget.
        let after: Vec<_> = seen.lock().unwrap().split_off(5);
        assert_eq!(after, vec![("JobComplete".to_owned(), 0); 5], "{mode:?}");
        assert_eq!(restarted.counters().describe_jobs.requests, 5, "{mode:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "waiting for Batch job {job_id}: Waiter JobComplete failed: Max wait time of 1800s exceeded"
            ),
            "{mode:?}"
        );
        let JobWaitError::Wait { source, .. } = &err else {
            panic!("{mode:?}: expected a waiter error, got {err:?}");
        };
        assert!(
            matches!(source.reason(), FailureReason::MaxWaitExceeded { .. }),
            "{mode:?}"
        );
        assert_eq!(
            source.last_output().map(|response| &response.body),
            Some(&serde_json::json!({"jobs": []})),
            "{mode:?}: the last answer shows the job gone"
        );
        println!("endpoint forgot a RUNNING job ({mode:?}): {err}");
    }
}

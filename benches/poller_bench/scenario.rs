//! One run: N jobs with seeded random schedules on the local Batch endpoint and N
//! concurrent `typed::wait_for_job`, each polling alone or all through one `JobPoller`, on
//! tokio's paused clock (with the network frozen, see `net`).

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant as WallInstant};

use aws_sdk_batch::Client;
use aws_sdk_batch::config::StalledStreamProtectionConfig;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::JobStatus;
use tokio::task::JoinSet;
use tokio::time::Instant;
use waiters_local::parameter_keys;
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::engine::Attempt;
use waiters_runtime::job::JOB_PHASES;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::poller::PollerStats;
use waiters_runtime::{JobPoller, JobWaitError, JobWaitOptions, typed};

use crate::endpoint::Endpoint;
use crate::memory;
use crate::net::Network;
use crate::rounds::{self, RoundRecord};

/// Per-job polling opens one connection per call in flight, and with fixed delays every
/// wait calls at the same instant: above this many waits a per-job run is made in shards
/// of this many jobs, one after the other (per-job waits share nothing, so the calls add
/// up). 10,000 connections at once would need more file descriptors than allowed here.
pub(crate) const SHARD: usize = 1000;

/// How the waits are paced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Delays {
    /// Every wait starts after 0.5 s and polls at the model's delays (2 s, 5 s, 300 s).
    Fixed,
    /// Airflow's `wait_for_job` (`JobWaitOptions::default()`): initial delay uniform in
    /// 1-10 s, each phase's delay drawn once in [max(1, d - 2), d + 2] s.
    Jitter,
    /// Diagnostic: every wait starts after 0.5 s, phase delays jittered as Airflow's.
    PhaseJitter,
}

impl Delays {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::Jitter => "jitter",
            Self::PhaseJitter => "phase jitter",
        }
    }

    /// JobComplete's longest sleep: the detection lag bound before the round trip.
    pub(crate) fn lag_bound(self) -> Duration {
        match self {
            Self::Fixed => Duration::from_secs(300),
            Self::Jitter | Self::PhaseJitter => Duration::from_secs(302),
        }
    }

    /// The one draw a poller shares among its waits: the waits' own fixed draw, or one
    /// from the run's seed; none for the per-wait phase jitter this diagnostic is about.
    fn poller_jitter(self, seed: u64) -> Option<RandomSource> {
        match self {
            Self::Fixed => Some(RandomSource::fixed(0.5)),
            Self::Jitter => Some(RandomSource::seeded(seed)),
            Self::PhaseJitter => None,
        }
    }

    fn options(self, wait_seed: u64) -> JobWaitOptions {
        match self {
            Self::Fixed => JobWaitOptions {
                // add_jitter(0, 1 s) at the middle of its range: 0.5 s for every wait.
                initial_delay: Some(Duration::ZERO),
                phase_delay: DelayStrategy::Fixed,
                random: RandomSource::fixed(0.5),
                ..JobWaitOptions::default()
            },
            Self::Jitter => JobWaitOptions {
                random: RandomSource::seeded(wait_seed),
                ..JobWaitOptions::default()
            },
            Self::PhaseJitter => {
                let phases = RandomSource::seeded(wait_seed);
                let first = AtomicBool::new(true);
                JobWaitOptions {
                    initial_delay: Some(Duration::ZERO),
                    random: RandomSource::from_fn(move || {
                        if first.swap(false, Ordering::Relaxed) {
                            0.5
                        } else {
                            phases.unit()
                        }
                    }),
                    ..JobWaitOptions::default()
                }
            }
        }
    }
}

/// Who makes the calls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Polling {
    /// Every wait its own DescribeJobs calls (no poller).
    PerJob,
    /// Every wait through one `JobPoller` with this tolerance; `shared_jitter`: the
    /// poller's one jitter draw for every wait (the library's default), else each wait's
    /// own draws.
    Poller {
        tolerance: Duration,
        shared_jitter: bool,
    },
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Scenario {
    pub(crate) n: usize,
    pub(crate) delays: Delays,
    pub(crate) polling: Polling,
    pub(crate) seed: u64,
}

/// What a run measured.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// DescribeJobs requests the endpoint received.
    pub(crate) calls: u64,
    /// Attempts of all waits, by phase (JobExists, JobRunning, JobComplete).
    pub(crate) attempts: [u64; 3],
    /// The poller's rounds.
    pub(crate) rounds: Vec<RoundRecord>,
    pub(crate) stats: Option<PollerStats>,
    /// When each call started, from the start of the waits (benchmark clock).
    pub(crate) call_offsets: Vec<Duration>,
    /// Each call's real duration.
    pub(crate) round_trips: Vec<Duration>,
    /// When each wait made its first call (JobExists attempt 1), from the start.
    pub(crate) start_offsets: Vec<Duration>,
    /// Per wait: job terminal -> wait returned, in seconds (benchmark clock).
    pub(crate) lags: Vec<f64>,
    /// Waits that did not end as their job did.
    pub(crate) wrong: Vec<String>,
    /// Real time of the waits.
    pub(crate) wall: Duration,
    /// Benchmark-clock time from the start of the waits to the last one's end.
    pub(crate) span: Duration,
    pub(crate) memory: Option<memory::Sample>,
    /// Size of one `typed::wait_for_job` future, in bytes.
    pub(crate) future_bytes: usize,
}

impl Outcome {
    fn absorb(&mut self, shard: Outcome) {
        self.calls += shard.calls;
        for (total, part) in self.attempts.iter_mut().zip(shard.attempts) {
            *total += part;
        }
        self.rounds.extend(shard.rounds);
        self.call_offsets.extend(shard.call_offsets);
        self.round_trips.extend(shard.round_trips);
        self.start_offsets.extend(shard.start_offsets);
        self.lags.extend(shard.lags);
        self.wrong.extend(shard.wrong);
        self.wall += shard.wall;
        self.span = self.span.max(shard.span);
        self.future_bytes = shard.future_bytes;
    }
}

/// A job's schedule, drawn from the seed and its index alone (so shards and modes agree).
struct Schedule {
    /// SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING.
    phases: [Duration; 5],
    failed: bool,
}

/// The random ranges of the job schedules, in seconds, phase by phase.
pub(crate) const PHASE_RANGES: [(&str, f64, f64); 5] = [
    ("SUBMITTED", 0.5, 2.0),
    ("PENDING", 0.5, 3.0),
    ("RUNNABLE", 1.0, 60.0),
    ("STARTING", 2.0, 15.0),
    ("RUNNING", 60.0, 1800.0),
];
/// The share of jobs that end FAILED.
pub(crate) const FAILED_SHARE: f64 = 0.1;

fn schedule(seed: u64, index: usize) -> Schedule {
    let random = RandomSource::seeded(mix(seed, index, 0));
    Schedule {
        phases: PHASE_RANGES.map(|(_, low, high)| {
            Duration::from_millis((random.uniform(low, high) * 1000.0).round() as u64)
        }),
        failed: random.unit() < FAILED_SHARE,
    }
}

/// A seed for one job's draws (splitmix64).
fn mix(seed: u64, index: usize, salt: u64) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (salt << 56);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Runs a scenario (in shards for per-job polling above [`SHARD`] waits, unless it
/// measures memory: then every wait runs at once).
pub(crate) fn run(scenario: Scenario, measure_memory: bool) -> Outcome {
    if scenario.polling != Polling::PerJob || scenario.n <= SHARD || measure_memory {
        return run_jobs(scenario, 0..scenario.n, measure_memory);
    }
    let mut total = Outcome::default();
    for start in (0..scenario.n).step_by(SHARD) {
        total.absorb(run_jobs(
            scenario,
            start..(start + SHARD).min(scenario.n),
            false,
        ));
    }
    total
}

fn run_jobs(scenario: Scenario, jobs: Range<usize>, measure_memory: bool) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run_async(scenario, jobs, measure_memory))
}

async fn run_async(scenario: Scenario, jobs: Range<usize>, measure_memory: bool) -> Outcome {
    // Measuring memory, the endpoint runs apart so that its heap counts apart.
    let endpoint = Endpoint::start(scenario.seed, measure_memory).await;
    let network = Network::new(endpoint.clock_sync());
    let server = endpoint.server();
    let http = server
        .client_config()
        .build()
        .http_client()
        .expect("the local endpoint's HTTP client");
    // The SDK's default retries; no timeouts (the clock is paused), no stalled-stream timer.
    let client = Client::from_conf(
        server
            .client_config()
            .http_client(network.wrap(http))
            .timeout_config(TimeoutConfig::disabled())
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .build(),
    );

    let schedules: Vec<Schedule> = jobs.clone().map(|i| schedule(scenario.seed, i)).collect();
    let submitted = submit_all(&client, jobs.clone(), &schedules).await;
    server.reset_counters();
    network.take_log();
    rounds::take();
    rounds::watch_endpoint(Some(Arc::downgrade(server)));

    let baseline = measure_memory.then(memory::Baseline::take);
    let poller = match scenario.polling {
        Polling::PerJob => None,
        Polling::Poller {
            tolerance,
            shared_jitter,
        } => Some(
            JobPoller::builder(&client)
                .tolerance(tolerance)
                .shared_jitter_from(
                    scenario
                        .delays
                        .poller_jitter(scenario.seed)
                        .filter(|_| shared_jitter)
                        .as_ref(),
                )
                .build(),
        ),
    };
    let future_bytes = {
        let mut options = scenario.delays.options(0);
        options.poller = poller.clone();
        let future = typed::wait_for_job(
            &client,
            "job",
            &options,
            waiters_runtime::engine::NoObserver,
        );
        std::mem::size_of_val(&future)
    };

    let started = Instant::now();
    let wall = WallInstant::now();
    let sampler = baseline.as_ref().map(|_| memory::Sampler::start());
    let mut waits = JoinSet::new();
    for ((index, (id, at)), schedule) in jobs.zip(submitted).zip(&schedules) {
        let mut options = scenario.delays.options(mix(scenario.seed, index, 1));
        options.poller = poller.clone();
        waits.spawn(wait_one(client.clone(), id, options, at, schedule.failed));
    }
    let mut outcome = Outcome {
        future_bytes,
        ..Outcome::default()
    };
    while let Some(done) = waits.join_next().await {
        let record = done.expect("a wait task");
        for (total, n) in outcome.attempts.iter_mut().zip(record.attempts) {
            *total += u64::from(n);
        }
        match record.lag {
            Some(lag) => outcome.lags.push(lag),
            None => outcome.wrong.push(record.summary),
        }
        if let Some(first) = record.first_call {
            outcome.start_offsets.push(first - started);
        }
    }
    outcome.span = started.elapsed();
    outcome.wall = wall.elapsed();
    outcome.memory = baseline.zip(sampler).map(|(b, s)| b.finish(s));
    outcome.calls = server.counters().describe_jobs.requests;
    let log = network.take_log();
    outcome.call_offsets = log.iter().map(|c| c.at - started).collect();
    outcome.round_trips = log.iter().map(|c| c.wall).collect();
    outcome.rounds = rounds::take();
    rounds::watch_endpoint(None);
    rounds::on_the_wire(&mut outcome.rounds, outcome.calls);
    outcome.stats = poller.as_ref().map(JobPoller::stats);
    drop(poller);
    endpoint.shutdown().await;
    outcome
}

/// Submits the jobs (64 at a time); returns each job's id and when it was submitted.
async fn submit_all(
    client: &Client,
    jobs: Range<usize>,
    schedules: &[Schedule],
) -> Vec<(String, Instant)> {
    let mut submitted = vec![(String::new(), Instant::now()); schedules.len()];
    let mut calls = JoinSet::new();
    for (slot, (index, schedule)) in jobs.zip(schedules).enumerate() {
        if calls.len() >= 64 {
            let (slot, done) = calls.join_next().await.expect("a call").expect("SubmitJob");
            submitted[slot] = done;
        }
        let mut request = client
            .submit_job()
            .job_name(format!("bench-{index}"))
            .job_queue("bench")
            .job_definition("bench:1")
            .parameters(
                parameter_keys::OUTCOME,
                if schedule.failed {
                    "FAILED"
                } else {
                    "SUCCEEDED"
                },
            );
        let keys = [
            parameter_keys::SUBMITTED_MILLIS,
            parameter_keys::PENDING_MILLIS,
            parameter_keys::RUNNABLE_MILLIS,
            parameter_keys::STARTING_MILLIS,
            parameter_keys::RUNNING_MILLIS,
        ];
        for (key, duration) in keys.into_iter().zip(schedule.phases) {
            request = request.parameters(key, duration.as_millis().to_string());
        }
        calls.spawn(async move {
            let at = Instant::now();
            let output = request.send().await.expect("SubmitJob");
            let id = output.job_id().expect("a job id").to_owned();
            (slot, (id, at))
        });
    }
    while let Some(done) = calls.join_next().await {
        let (slot, done) = done.expect("SubmitJob");
        submitted[slot] = done;
    }
    submitted
}

struct WaitRecord {
    attempts: [u32; 3],
    first_call: Option<Instant>,
    /// Job terminal -> wait returned (s), when the wait ended as the job did.
    lag: Option<f64>,
    summary: String,
}

async fn wait_one(
    client: Client,
    job_id: String,
    options: JobWaitOptions,
    submitted: Instant,
    failed: bool,
) -> WaitRecord {
    let attempts = Arc::new(Mutex::new(([0u32; 3], None)));
    let counted = attempts.clone();
    let observer = move |attempt: &Attempt<'_, DescribeJobsOutput, DescribeJobsSdkError>| {
        if let Some(phase) = JOB_PHASES.iter().position(|p| *p == attempt.waiter) {
            let mut counted = counted.lock().expect("attempt counts");
            counted.0[phase] += 1;
            if phase == 0 && attempt.number == 1 {
                counted.1 = Some(Instant::now());
            }
        }
    };
    let result = typed::wait_for_job(&client, &job_id, &options, observer).await;
    let returned = Instant::now();
    let job = match (&result, failed) {
        (Ok(job), false) if job.status() == Some(&JobStatus::Succeeded) => Some(job),
        (Err(JobWaitError::JobFailed { job, .. }), true) => Some(&**job),
        _ => None,
    };
    // The job's own times (server clock): created -> stopped is its run to the terminal
    // status; it was created when it was submitted (the clock stands still in between).
    let lag = job.and_then(|job| {
        let ran = job.stopped_at()? - job.created_at()?;
        Some((returned - submitted).as_secs_f64() - ran as f64 / 1000.0)
    });
    let (attempts, first_call) = *attempts.lock().expect("attempt counts");
    let summary = match lag {
        Some(_) => String::new(),
        None => format!("{job_id} (FAILED expected: {failed}): {result:?}"),
    };
    WaitRecord {
        attempts,
        first_call,
        lag,
        summary,
    }
}

//! The jobs and the waits: seeded job schedules scaled down from the poller benchmark's,
//! submission to the local endpoint, and one `typed::wait_for_job` per job with every
//! delay scaled by the same factor.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::{JobDetail, JobStatus};
use tokio::task::JoinSet;
use waiters_local::parameter_keys;
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::engine::Attempt;
use waiters_runtime::job::JOB_PHASES;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::{JobPoller, JobWaitError, JobWaitOptions, typed};

/// The random ranges of the job schedules at real scale, in seconds: the poller
/// benchmark's, with PENDING, RUNNABLE and STARTING folded into SUBMITTED (sums of the
/// ranges), so that each job sends two events, RUNNING and SUCCEEDED or FAILED, the two
/// that end a phase of `wait_for_job`. moto sustains about 70 to 150 events a second on
/// this machine and its queue slows down as it fills (`moto_capacity.py`): with every
/// event Batch sends, the first seconds' bursts (a thousand jobs changing status
/// together) would measure moto's backlog rather than the waits.
pub(crate) const PHASE_RANGES: [(&str, f64, f64); 2] =
    [("SUBMITTED", 4.0, 80.0), ("RUNNING", 60.0, 1800.0)];
/// The share of jobs that end FAILED.
pub(crate) const FAILED_SHARE: f64 = 0.1;
/// Every wait's initial delay at real scale (the poller benchmark's fixed start).
pub(crate) const INITIAL_DELAY: Duration = Duration::from_millis(500);

/// One job's schedule at the run's scale.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Schedule {
    /// SUBMITTED, RUNNING.
    pub(crate) phases: [Duration; 2],
    pub(crate) failed: bool,
}

impl Schedule {
    /// Drawn from the seed and the job's index alone, so every mode gets the same jobs.
    pub(crate) fn draw(seed: u64, index: usize, scale: f64) -> Self {
        let random = RandomSource::seeded(mix(seed, index));
        Self {
            phases: PHASE_RANGES
                .map(|(_, low, high)| Duration::from_secs_f64(random.uniform(low, high) / scale)),
            failed: random.unit() < FAILED_SHARE,
        }
    }

    pub(crate) fn total(&self) -> Duration {
        self.phases.iter().sum()
    }
}

/// A seed for one job's draws (splitmix64).
fn mix(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The same options for every wait in every mode: the initial delay and the bundled
/// model's delays (JobExists 2 s, JobRunning 5 s, JobComplete 300 s) divided by `scale`,
/// exactly (no jitter), with a deadline; only the poller differs.
pub(crate) fn options(scale: f64, max_wait: Duration, poller: Option<JobPoller>) -> JobWaitOptions {
    // `initial_delay` is drawn in [d - 1 s, d + 1 s] (at least 0): with d = 0 the fixed
    // draw u gives u seconds.
    let initial = (INITIAL_DELAY.as_secs_f64() / scale).min(1.0);
    JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        random: RandomSource::fixed(initial),
        max_wait: Some(max_wait),
        phase_delay: DelayStrategy::custom(move |input| input.base.div_f64(scale)),
        poller,
        ..JobWaitOptions::default()
    }
}

/// Submits the jobs (64 at a time), each held in SUBMITTED until `start` before its
/// drawn schedule begins, so that every job's schedule starts when the waits start
/// however long the submissions take; returns their ids in order.
pub(crate) async fn submit_all(
    client: &Client,
    schedules: &[Schedule],
    start: Instant,
) -> Result<Vec<String>, String> {
    let mut ids = vec![String::new(); schedules.len()];
    let mut calls = JoinSet::new();
    let mut next = schedules.iter().enumerate();
    loop {
        while calls.len() < 64 {
            let Some((index, schedule)) = next.next() else {
                break;
            };
            let held = start.saturating_duration_since(Instant::now());
            calls.spawn(submit(client.clone(), index, *schedule, held));
        }
        let Some(done) = calls.join_next().await else {
            break;
        };
        let (index, id) = done.map_err(|e| format!("a submission task: {e}"))??;
        ids[index] = id;
    }
    Ok(ids)
}

async fn submit(
    client: Client,
    index: usize,
    schedule: Schedule,
    held: Duration,
) -> Result<(usize, String), String> {
    let outcome = if schedule.failed {
        "FAILED"
    } else {
        "SUCCEEDED"
    };
    let millis = |d: Duration| d.as_millis().to_string();
    let output = client
        .submit_job()
        .job_name(format!("bench-{index}"))
        .job_queue("bench")
        .job_definition("bench:1")
        .parameters(parameter_keys::OUTCOME, outcome)
        .parameters(
            parameter_keys::SUBMITTED_MILLIS,
            millis(held + schedule.phases[0]),
        )
        .parameters(parameter_keys::PENDING_MILLIS, "0")
        .parameters(parameter_keys::RUNNABLE_MILLIS, "0")
        .parameters(parameter_keys::STARTING_MILLIS, "0")
        .parameters(parameter_keys::RUNNING_MILLIS, millis(schedule.phases[1]))
        .send()
        .await
        .map_err(|e| {
            format!(
                "SubmitJob: {}",
                aws_sdk_batch::error::DisplayErrorContext(e)
            )
        })?;
    let id = output.job_id().ok_or("SubmitJob returned no jobId")?;
    Ok((index, id.to_owned()))
}

/// How one wait ended.
#[derive(Clone, Debug)]
pub(crate) struct WaitRecord {
    pub(crate) job_id: String,
    /// Attempts by phase (JobExists, JobRunning, JobComplete).
    pub(crate) attempts: [u32; 3],
    pub(crate) returned: Instant,
    /// When the job became SUCCEEDED or FAILED (its `stoppedAt`), when the wait ended as
    /// the job did.
    pub(crate) terminal: Option<Instant>,
    /// The terminal status the wait saw.
    pub(crate) status: &'static str,
    /// What went wrong, when the wait did not end as its job did.
    pub(crate) wrong: Option<String>,
}

/// Converts the endpoint's epoch milliseconds to this process's `Instant`s (the local
/// endpoint runs in the process, on the same clocks).
#[derive(Clone, Copy, Debug)]
pub(crate) struct EpochClock {
    instant: Instant,
    epoch_millis: i64,
}

impl EpochClock {
    pub(crate) fn now() -> Self {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Self {
            instant: Instant::now(),
            epoch_millis: epoch,
        }
    }

    fn instant(&self, epoch_millis: i64) -> Option<Instant> {
        let offset = epoch_millis.checked_sub(self.epoch_millis)?;
        let magnitude = Duration::from_millis(offset.unsigned_abs());
        if offset >= 0 {
            self.instant.checked_add(magnitude)
        } else {
            self.instant.checked_sub(magnitude)
        }
    }
}

/// Waits for one job and records how it ended.
pub(crate) async fn wait_one(
    client: Client,
    job_id: String,
    options: JobWaitOptions,
    failed: bool,
    clock: EpochClock,
) -> WaitRecord {
    let attempts = Arc::new(Mutex::new([0u32; 3]));
    let counted = attempts.clone();
    let observer = move |attempt: &Attempt<'_, DescribeJobsOutput, DescribeJobsSdkError>| {
        if let Some(phase) = JOB_PHASES.iter().position(|p| *p == attempt.waiter) {
            counted.lock().unwrap_or_else(PoisonError::into_inner)[phase] += 1;
        }
    };
    let result = typed::wait_for_job(&client, &job_id, &options, observer).await;
    let returned = Instant::now();
    let ended: Option<(&JobDetail, &'static str)> = match (&result, failed) {
        (Ok(job), false) if job.status() == Some(&JobStatus::Succeeded) => Some((job, "SUCCEEDED")),
        (Err(JobWaitError::JobFailed { job, .. }), true) => Some((&**job, "FAILED")),
        _ => None,
    };
    let terminal = ended.and_then(|(job, _)| clock.instant(job.stopped_at()?));
    let wrong = match (ended, terminal) {
        (Some(_), Some(_)) => None,
        (Some(_), None) => Some(format!("{job_id}: the job has no stoppedAt")),
        (None, _) => Some(format!("{job_id} (FAILED expected: {failed}): {result:?}")),
    };
    WaitRecord {
        job_id,
        attempts: *attempts.lock().unwrap_or_else(PoisonError::into_inner),
        returned,
        terminal,
        status: ended.map_or("", |(_, status)| status),
        wrong,
    }
}

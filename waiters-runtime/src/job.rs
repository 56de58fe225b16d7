//! `wait_for_job`: JobExists, JobRunning, JobComplete and the final status check, run the
//! same way on run-time waiters and on the typed waiters generated from the bundled model.

use std::fmt;
use std::time::Duration;

use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::{JobDetail, JobStatus};

use crate::config::{
    DEFAULT_CALL_TIMEOUT, DEFAULT_CONNECT_GIVE_UP, DelayStrategy, RandomSource, TransientRetry,
    WaiterConfig, add_jitter,
};
use crate::engine::{Attempt, Observer, Start, Waited};
use crate::error::{FailureReason, UnknownWaiter, WaitError};
use crate::operation::DescribeJobsSdkError;
use crate::poller::JobPoller;
#[cfg(doc)]
use crate::poller::JobPollerBuilder;
use crate::response::{DescribeJobsResponse, is_job};

/// A DescribeJobs result in which a job can be looked up.
pub trait JobsOutput: fmt::Debug + 'static {
    /// One job by id or ARN (DescribeJobs accepts both).
    fn job(&self, job_id: &str) -> Option<&JobDetail>;
}

impl JobsOutput for DescribeJobsOutput {
    fn job(&self, job_id: &str) -> Option<&JobDetail> {
        self.jobs().iter().find(|job| is_job(job, job_id))
    }
}

impl JobsOutput for DescribeJobsResponse {
    fn job(&self, job_id: &str) -> Option<&JobDetail> {
        self.output.job(job_id)
    }
}

/// A waiter `wait_for_job` runs as one of its phases, already given the job id: a typed
/// [`Waiter`](crate::typed::Waiter) on DescribeJobs, or a run-time
/// [`BatchWaiter`](crate::BatchWaiter).
pub(crate) trait JobPhase {
    type Output: JobsOutput;

    fn config_mut(&mut self) -> &mut WaiterConfig;

    async fn wait_phase<Obs>(
        &self,
        start: Start<Self::Output, DescribeJobsSdkError>,
        observer: Obs,
    ) -> Result<
        Waited<Self::Output, DescribeJobsSdkError>,
        WaitError<Self::Output, DescribeJobsSdkError>,
    >
    where
        Obs: Observer<Self::Output, DescribeJobsSdkError>;
}

/// Airflow's `wait_for_job` over its three phase waiters (JobExists, JobRunning,
/// JobComplete): the initial delay, each phase with its delay drawn once through
/// `phase_delay`, then the final status check.
///
/// Through a shared poller, the initial delay is JobExists' first sleep, so the poller may
/// answer it early with other waits' calls, and each later phase starts from the response
/// that ended the phase before instead of asking again at the same instant.
///
/// Each phase's waiter is made when the phase starts (`exists`, `running`, `complete`
/// make them): held from the start, all three would sit in every waiting future.
pub(crate) async fn run_job_phases<O, Obs, E, R, C>(
    job_id: &str,
    exists: impl FnOnce() -> E,
    running: impl FnOnce() -> R,
    complete: impl FnOnce() -> C,
    options: &JobWaitOptions,
    mut observer: Obs,
) -> Result<JobDetail, JobWaitError<O>>
where
    O: JobsOutput,
    Obs: Observer<O, DescribeJobsSdkError>,
    E: JobPhase<Output = O>,
    R: JobPhase<Output = O>,
    C: JobPhase<Output = O>,
{
    let started = tokio::time::Instant::now();
    let random = options
        .poller
        .as_ref()
        .and_then(JobPoller::shared_jitter)
        .unwrap_or(&options.random);
    let initial = match options.initial_delay {
        None => Duration::from_secs_f64(random.uniform(1.0, 10.0)),
        Some(delay) => add_jitter(delay, Duration::from_secs(1), Duration::ZERO, random),
    };
    // With events feeding the poller, what is known of the job must outlive each phase's
    // waiter: else every phase would start by asking DescribeJobs for it again.
    let _held = options
        .poller
        .as_ref()
        .map(|poller| poller.hold(vec![job_id.to_owned()]));
    let phase = PhaseRun {
        job_id,
        options,
        random,
        started,
    };
    // The initial delay counts against the deadline too (the engine's deadline check
    // after the sleep); a delay too long to represent is no first call at all.
    let first = Start {
        at: Some(started.checked_add(initial).unwrap_or_else(far_future)),
        response: None,
    };
    let last = phase.run(exists, first, &mut observer).await?;
    let last = phase.run(running, phase.next(last), &mut observer).await?;
    let last = phase.run(complete, phase.next(last), &mut observer).await?;
    let job = last
        .as_ref()
        .and_then(|response| response.job(job_id))
        .ok_or_else(|| JobWaitError::NotFound {
            job_id: job_id.to_owned(),
        })?;
    check_job_status(job_id, job)
}

/// About 30 years from now: later than any wait, and representable.
fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// What every phase of one `wait_for_job` shares.
struct PhaseRun<'a> {
    job_id: &'a str,
    options: &'a JobWaitOptions,
    /// The jitter draws: the wait's own, or its poller's shared ones.
    random: &'a RandomSource,
    started: tokio::time::Instant,
}

impl PhaseRun<'_> {
    /// How the phase after one that ended with `last` starts: through a poller, from that
    /// response (a call now would ask the same question at the same instant); alone, with
    /// a call, as Airflow's waiters do.
    fn next<O>(&self, last: Option<O>) -> Start<O, DescribeJobsSdkError> {
        Start {
            at: None,
            response: last
                .filter(|_| self.options.poller.is_some())
                .map(|output| Box::new(Ok(output))),
        }
    }

    /// Runs one phase with the options applied; returns its last output.
    async fn run<P, Obs>(
        &self,
        phase: impl FnOnce() -> P,
        start: Start<P::Output, DescribeJobsSdkError>,
        observer: &mut Obs,
    ) -> Result<Option<P::Output>, JobWaitError<P::Output>>
    where
        P: JobPhase,
        Obs: Observer<P::Output, DescribeJobsSdkError>,
    {
        let mut phase = phase();
        let options = self.options;
        let config = phase.config_mut();
        // Airflow draws the jitter once per waiter.
        config.delay = options.phase_delay.delay(0, config.delay, self.random);
        config.max_attempts = options.max_attempts;
        config.transient_errors = options.transient_errors;
        config.random = self.random.clone();
        config.call_timeout = options.call_timeout;
        config.connect_give_up = options.connect_give_up;
        if let Some(max_wait) = options.max_wait {
            config.max_wait = Some(max_wait.saturating_sub(self.started.elapsed()));
        }
        let phase_observer =
            |attempt: &Attempt<'_, P::Output, DescribeJobsSdkError>| observer.on_attempt(attempt);
        match phase.wait_phase(start, phase_observer).await {
            Ok(waited) => Ok(waited.into_output()),
            Err(mut error) => {
                // A phase's deadline is what was left of the caller's: report theirs.
                if let (FailureReason::MaxWaitExceeded { max_wait, .. }, Some(overall)) =
                    (&mut error.reason, options.max_wait)
                {
                    *max_wait = overall;
                }
                Err(job_failure(self.job_id, error))
            }
        }
    }
}

/// The waiters `wait_for_job` runs, in order.
pub const JOB_PHASES: [&str; 3] = ["JobExists", "JobRunning", "JobComplete"];

/// Budget and randomness for [`BatchWaiters::wait_for_job_with`](crate::BatchWaiters::wait_for_job_with) and
/// [`crate::typed::wait_for_job`].
#[derive(Clone, Debug)]
pub struct JobWaitOptions {
    /// The seed's `delay`: `None` draws the initial sleep uniformly from 1-10 s.
    pub initial_delay: Option<Duration>,
    /// A deadline for the whole wait, initial delay included.
    pub max_wait: Option<Duration>,
    /// An attempt budget for each phase; `None` (Airflow's choice) polls without limit.
    pub max_attempts: Option<u32>,
    /// How each phase's model delay becomes its polling delay, drawn once per phase:
    /// Airflow's jitter (+/- 2 s, at least 1 s) by default; `DelayStrategy::Fixed` polls
    /// exactly at the model's delays.
    pub phase_delay: DelayStrategy,
    /// What happens to transient errors.
    pub transient_errors: TransientRetry,
    /// Where the jitter comes from. Through a poller that shares its jitter (the default,
    /// see [`JobPollerBuilder::shared_jitter_from`]), the poller's draw is used instead.
    pub random: RandomSource,
    /// Each phase's [`WaiterConfig::call_timeout`].
    pub call_timeout: Option<Duration>,
    /// Each phase's [`WaiterConfig::connect_give_up`].
    pub connect_give_up: Option<Duration>,
    /// A shared poller for the DescribeJobs calls of every phase (see [`JobPoller`]);
    /// `None` calls for this job alone. Through a
    /// poller, the first call may come early with other waits' (the initial delay is a
    /// sleep like the others), and a phase after the first starts from the response that
    /// ended the one before rather than calling again at the same instant.
    pub poller: Option<JobPoller>,
}

impl Default for JobWaitOptions {
    fn default() -> Self {
        Self {
            initial_delay: None,
            max_wait: None,
            max_attempts: None,
            phase_delay: DelayStrategy::airflow_jitter(),
            transient_errors: TransientRetry::default(),
            random: RandomSource::default(),
            call_timeout: Some(DEFAULT_CALL_TIMEOUT),
            connect_give_up: Some(DEFAULT_CONNECT_GIVE_UP),
            poller: None,
        }
    }
}

/// Why `wait_for_job` did not return a SUCCEEDED job. `O` is the response type of the
/// waiters that ran: [`DescribeJobsResponse`] for run-time waiters ([`BatchWaiters`](crate::BatchWaiters)),
/// `DescribeJobsOutput` for the typed ones ([`crate::typed::wait_for_job`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobWaitError<O: fmt::Debug + 'static = DescribeJobsResponse> {
    /// The job ended FAILED.
    /// [`status_reason`](Self::status_reason) and [`exit_code`](Self::exit_code) read it.
    #[error("Batch job {job_id} failed: {}{}", .job.status_reason().unwrap_or("no status reason given"), exit_code_text(exit_code(job)))]
    JobFailed {
        /// The job.
        job_id: String,
        /// The whole job description.
        job: Box<JobDetail>,
    },
    /// The waiters finished but the job is neither SUCCEEDED nor FAILED (a custom model
    /// can do that).
    #[error("Batch job {job_id} is not complete: status {status}")]
    NotComplete {
        /// The job.
        job_id: String,
        /// Its status.
        status: String,
        /// The whole job description.
        job: Box<JobDetail>,
    },
    /// The job has a status this client does not know.
    #[error("Batch job {job_id} has unknown status {status}")]
    UnknownStatus {
        /// The job.
        job_id: String,
        /// The status as sent.
        status: String,
    },
    /// The last response did not describe the job.
    #[error("Batch job {job_id} was not in the DescribeJobs response")]
    NotFound {
        /// The job.
        job_id: String,
    },
    /// The model lacks one of JobExists, JobRunning, JobComplete.
    #[error("cannot wait for Batch job {job_id}: {source}")]
    MissingWaiter {
        /// The job.
        job_id: String,
        /// Which waiter is missing.
        #[source]
        source: UnknownWaiter,
    },
    /// A waiter failed (budget exhausted, service error, failure acceptor).
    #[error("waiting for Batch job {job_id}: {source}")]
    Wait {
        /// The job.
        job_id: String,
        /// The waiter's error, with its last response.
        #[source]
        source: Box<WaitError<O, DescribeJobsSdkError>>,
    },
}

impl<O: fmt::Debug + 'static> JobWaitError<O> {
    /// The job's description, when the wait saw one (`JobFailed`, `NotComplete`).
    pub fn job(&self) -> Option<&JobDetail> {
        match self {
            Self::JobFailed { job, .. } | Self::NotComplete { job, .. } => Some(job),
            _ => None,
        }
    }

    /// Batch's `statusReason` for a job that ended FAILED.
    pub fn status_reason(&self) -> Option<&str> {
        match self {
            Self::JobFailed { job, .. } => job.status_reason(),
            _ => None,
        }
    }

    /// The container's exit code for a job that ended FAILED, when it ran (see [`exit_code`]).
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::JobFailed { job, .. } => exit_code(job),
            _ => None,
        }
    }
}

fn exit_code_text(code: Option<i32>) -> String {
    code.map(|c| format!(" (exit code {c})"))
        .unwrap_or_default()
}

/// A failure acceptor that matched a FAILED job becomes `JobFailed` with the job's details.
fn job_failure<O: JobsOutput>(
    job_id: &str,
    error: WaitError<O, DescribeJobsSdkError>,
) -> JobWaitError<O> {
    if let FailureReason::TerminalFailure { .. } = error.reason()
        && let Some(job) = error.last_output().and_then(|r| r.job(job_id))
        && job.status() == Some(&JobStatus::Failed)
    {
        return failed(job_id, job);
    }
    JobWaitError::Wait {
        job_id: job_id.to_owned(),
        source: Box::new(error),
    }
}

fn failed<O: fmt::Debug>(job_id: &str, job: &JobDetail) -> JobWaitError<O> {
    JobWaitError::JobFailed {
        job_id: job_id.to_owned(),
        job: Box::new(job.clone()),
    }
}

/// The container's exit code: from the job's container, else from its last attempt.
pub fn exit_code(job: &JobDetail) -> Option<i32> {
    job.container().and_then(|c| c.exit_code()).or_else(|| {
        job.attempts()
            .last()
            .and_then(|a| a.container())
            .and_then(|c| c.exit_code())
    })
}

/// Airflow's final check: SUCCEEDED returns the job, FAILED is an error with the reason
/// and exit code, anything else is "not complete" or "unknown status".
pub fn check_job_status<O: fmt::Debug>(
    job_id: &str,
    job: &JobDetail,
) -> Result<JobDetail, JobWaitError<O>> {
    match job.status() {
        Some(JobStatus::Succeeded) => Ok(job.clone()),
        Some(JobStatus::Failed) => Err(failed(job_id, job)),
        Some(
            status @ (JobStatus::Submitted
            | JobStatus::Pending
            | JobStatus::Runnable
            | JobStatus::Starting
            | JobStatus::Running),
        ) => Err(JobWaitError::NotComplete {
            job_id: job_id.to_owned(),
            status: status.as_str().to_owned(),
            job: Box::new(job.clone()),
        }),
        other => Err(JobWaitError::UnknownStatus {
            job_id: job_id.to_owned(),
            status: other.map_or("(none)", |s| s.as_str()).to_owned(),
        }),
    }
}

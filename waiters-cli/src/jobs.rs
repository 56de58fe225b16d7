//! `waiters wait-for-job`: JobExists, JobRunning, JobComplete and the final status check,
//! for one or many jobs at once.

use std::cell::RefCell;

use futures_util::future::join_all;
use waiters_runtime::{BatchWaiters, JOB_PHASES, JobWaitOptions};

use crate::aws::batch_client;
use crate::cli::WaitForJobArgs;
use crate::error::{CliError, Exit};
use crate::models::LoadedModel;
use crate::progress::{BatchAttempt, Progress};
use crate::report::{JobReport, Seen, overall, print_jobs};
use crate::signals::{Ended, Signal, Signals};
use crate::wait::check_job_ids;

pub(crate) async fn run(args: &WaitForJobArgs) -> Result<Exit, CliError> {
    // From here on SIGINT and SIGTERM end the waits with a report instead of killing them.
    let mut signals = Signals::install()?;
    let ids = check_job_ids(&args.job_ids)?;
    let model = LoadedModel::load(args.model.as_deref())?;
    // All three phases are checked before any waiting, so a bad model fails at once
    // rather than after the first phase.
    if let Some(missing) = JOB_PHASES
        .iter()
        .find(|phase| model.model.waiter(phase).is_none())
    {
        return Err(CliError::Usage(format!(
            "{}: no waiter {missing} (wait-for-job runs {})",
            model.source,
            JOB_PHASES.join(", ")
        )));
    }
    // Models may have waiters on any operation now; these three are given job ids.
    if let Some(other) = JOB_PHASES
        .iter()
        .filter_map(|phase| model.model.waiter(phase))
        .find(|waiter| waiter.operation() != "DescribeJobs")
    {
        return Err(CliError::Usage(format!(
            "{}: waiter {} polls {}; wait-for-job gives its waiters job ids, for DescribeJobs",
            model.source,
            other.name(),
            other.operation()
        )));
    }
    let batch = batch_client(&args.aws).await?;
    let waiters = model.into_waiters(batch.client)?;
    let defaults = JobWaitOptions::default();
    let options = JobWaitOptions {
        initial_delay: args.delay,
        max_wait: args.max_wait,
        call_timeout: args.aws.call_timeout.or(defaults.call_timeout),
        connect_give_up: args.aws.connect_give_up.or(defaults.connect_give_up),
        ..defaults
    };
    tracing::debug!(jobs = ids.len(), ?options, "waiting for jobs");

    let progress = Progress::new(args.output);
    let board = JobBoard::new(&ids);
    let tracker = PerJobWaits {
        waiters,
        options,
        endpoint: batch.endpoint,
    };
    let ended = signals
        .run(progress.drive(tracker.track(&board, &progress)))
        .await;
    progress.clear();
    let (reports, exit) = match ended {
        Ended::Finished(()) => {
            let reports = board.reports(None);
            let exit = overall(&reports).exit();
            (reports, exit)
        }
        Ended::Signalled(signal) => (board.reports(Some(signal)), signal.exit()),
    };
    print_jobs(&reports, args.output);
    Ok(exit)
}

/// Every job of one `wait-for-job`, in the order given: what its waits have seen so far,
/// and its report once they end. Interrupted jobs are reported from what was seen.
#[derive(Debug)]
pub(crate) struct JobBoard {
    jobs: Vec<JobEntry>,
}

#[derive(Debug)]
struct JobEntry {
    id: String,
    seen: RefCell<Seen>,
    report: RefCell<Option<JobReport>>,
}

impl JobBoard {
    fn new(ids: &[String]) -> Self {
        Self {
            jobs: ids
                .iter()
                .map(|id| JobEntry {
                    id: id.clone(),
                    seen: RefCell::default(),
                    report: RefCell::default(),
                })
                .collect(),
        }
    }

    /// The job ids, in order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = &str> {
        self.jobs.iter().map(|job| job.id.as_str())
    }

    fn entry(&self, id: &str) -> Option<&JobEntry> {
        self.jobs.iter().find(|job| job.id == id)
    }

    /// Takes in one attempt of one of the job's waiters.
    pub(crate) fn attempt(&self, id: &str, attempt: &BatchAttempt<'_>) {
        if let Some(job) = self.entry(id) {
            job.seen
                .borrow_mut()
                .attempt(attempt.waiter, attempt.response, id);
        }
    }

    /// What the job's waits have seen so far.
    pub(crate) fn seen(&self, id: &str) -> Seen {
        self.entry(id)
            .map(|job| job.seen.borrow().clone())
            .unwrap_or_default()
    }

    /// Records the job's final report.
    pub(crate) fn finish(&self, id: &str, report: JobReport) {
        if let Some(job) = self.entry(id) {
            *job.report.borrow_mut() = Some(report);
        }
    }

    /// One report per job: the final one, or, for a job still being waited on when
    /// `signal` came, an interrupted one.
    fn reports(&self, signal: Option<Signal>) -> Vec<JobReport> {
        self.jobs
            .iter()
            .map(|job| match (job.report.borrow_mut().take(), signal) {
                (Some(report), _) => report,
                (None, Some(signal)) => {
                    JobReport::interrupted(&job.id, job.seen.borrow().clone(), signal)
                }
                // Every tracker finishes every job; should one not, say so.
                (None, None) => JobReport::without_result(&job.id, job.seen.borrow().clone()),
            })
            .collect()
    }
}

/// How the jobs of one `wait-for-job` are watched: every job of the board gets a final
/// report ([`JobBoard::finish`]), and every attempt is reported as it happens
/// ([`JobBoard::attempt`]), so an interruption can report what was seen.
///
/// [`PerJobWaits`] runs every job's own waiter sequence. The planned shared poller, which
/// batches the DescribeJobs calls of many jobs (100 ids per call), is meant to be another
/// implementation of this trait, so the argument checks and reporting around it stay as
/// they are.
pub(crate) trait JobTracker {
    async fn track(&self, board: &JobBoard, progress: &Progress);
}

/// Airflow's `wait_for_job` for each job, all running concurrently on this task.
#[derive(Debug)]
pub(crate) struct PerJobWaits {
    waiters: BatchWaiters,
    options: JobWaitOptions,
    /// Named when the endpoint cannot be reached.
    endpoint: String,
}

impl PerJobWaits {
    async fn track_one(&self, id: &str, board: &JobBoard, progress: &Progress) {
        let ids = [id.to_owned()];
        let observer = |attempt: &BatchAttempt<'_>| {
            board.attempt(id, attempt);
            progress.attempt(Some(id), attempt, &ids);
        };
        // The library bounds the whole wait, initial delay included, by `max_wait`.
        let result = self
            .waiters
            .wait_for_job_with(id, &self.options, observer)
            .await;
        let seen = board.seen(id);
        let report = JobReport::new(id, &result, seen.waiter, seen.attempts, &self.endpoint);
        board.finish(id, report);
    }
}

impl JobTracker for PerJobWaits {
    async fn track(&self, board: &JobBoard, progress: &Progress) {
        join_all(board.ids().map(|id| self.track_one(id, board, progress))).await;
    }
}

//! `waiters wait-for-job`: JobExists, JobRunning, JobComplete and the final status check,
//! for one or many jobs at once.

use std::cell::{Cell, RefCell};

use futures_util::future::join_all;
use waiters_runtime::{BatchWaiters, JOB_PHASES, JobWaitOptions};

use crate::aws::batch_client;
use crate::cli::WaitForJobArgs;
use crate::error::{CliError, Exit};
use crate::models::LoadedModel;
use crate::progress::{BatchAttempt, Progress};
use crate::report::{JobReport, overall, print_jobs};
use crate::wait::check_job_ids;

pub(crate) async fn run(args: &WaitForJobArgs) -> Result<Exit, CliError> {
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
    let waiters = model.into_waiters(batch_client(&args.aws).await?)?;
    let options = JobWaitOptions {
        initial_delay: args.delay,
        max_wait: args.max_wait,
        ..JobWaitOptions::default()
    };
    tracing::debug!(jobs = ids.len(), ?options, "waiting for jobs");

    let progress = Progress::new(args.output);
    let tracker = PerJobWaits { waiters, options };
    let reports = progress.drive(tracker.track(&ids, &progress)).await;
    print_jobs(&reports, args.output);
    Ok(overall(&reports).exit())
}

/// How the jobs of one `wait-for-job` are watched, one report per job in the order given.
///
/// [`PerJobWaits`] runs every job's own waiter sequence. The planned shared poller, which
/// batches the DescribeJobs calls of many jobs (100 ids per call), is meant to be another
/// implementation of this trait, so the argument checks and reporting around it stay as
/// they are.
pub(crate) trait JobTracker {
    async fn track(&self, ids: &[String], progress: &Progress) -> Vec<JobReport>;
}

/// Airflow's `wait_for_job` for each job, all running concurrently on this task.
#[derive(Debug)]
pub(crate) struct PerJobWaits {
    waiters: BatchWaiters,
    options: JobWaitOptions,
}

impl PerJobWaits {
    async fn track_one(&self, id: &str, progress: &Progress) -> JobReport {
        let attempts = Cell::new(0u32);
        let waiter = RefCell::new(None::<String>);
        let ids = [id.to_owned()];
        let observer = |attempt: &BatchAttempt<'_>| {
            attempts.set(attempts.get().saturating_add(1));
            *waiter.borrow_mut() = Some(attempt.waiter.to_owned());
            progress.attempt(Some(id), attempt, &ids);
        };
        // The library bounds the whole wait, initial delay included, by `max_wait`.
        let result = self
            .waiters
            .wait_for_job_with(id, &self.options, observer)
            .await;
        JobReport::new(id, &result, waiter.into_inner(), attempts.get())
    }
}

impl JobTracker for PerJobWaits {
    async fn track(&self, ids: &[String], progress: &Progress) -> Vec<JobReport> {
        join_all(ids.iter().map(|id| self.track_one(id, progress))).await
    }
}

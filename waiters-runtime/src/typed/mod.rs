//! The bundled model's waiters, typed: `JobExists`, `JobRunning` and `JobComplete`,
//! generated at build time by [`waiters!`](crate::waiters) from
//! `models/batch-waiters.json`, and [`wait_for_job`] running on them.
//!
//! ```no_run
//! # async fn run(client: aws_sdk_batch::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use waiters_runtime::JobWaitOptions;
//! use waiters_runtime::typed::{self, Waiters as _};
//!
//! // One waiter, through the client; the result is the typed DescribeJobsOutput.
//! let waited = client
//!     .wait_until_job_running()
//!     .jobs("job-id")
//!     .max_wait(Duration::from_secs(600))
//!     .wait()
//!     .await?;
//! println!("{:?}", waited.output().map(|o| o.jobs().len()));
//!
//! // Airflow's wait_for_job on the typed waiters.
//! let job = typed::wait_for_job(&client, "job-id", &JobWaitOptions::default(), waiters_runtime::engine::NoObserver).await?;
//! println!("{:?}", job.status());
//! # Ok(()) }
//! ```

pub(crate) mod operations;
mod waiter;

pub use waiter::{Acceptor, Definition, ResponseOf, TypedWaitError, Waiter};

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::describe_jobs::{DescribeJobs, DescribeJobsOutput};
use aws_sdk_batch::types::JobDetail;

use crate::config::WaiterConfig;
use crate::engine::{Observer, Start, Waited};
use crate::job::{JobPhase, JobWaitError, JobWaitOptions, run_job_phases};
use crate::operation::DescribeJobsSdkError;

crate::waiters!("models/batch-waiters.json");

/// Airflow's `wait_for_job` on the typed bundled waiters: an initial delay, then
/// [`JobExists`], [`JobRunning`] and [`JobComplete`] with Airflow's jitter and no attempt
/// limit (unless `options` sets a budget), then the final status check. Returns the job
/// when it SUCCEEDED; a FAILED job is [`JobWaitError::JobFailed`] with its reason and exit
/// code.
///
/// # Errors
///
/// [`JobWaitError`], whose waiter errors carry the last typed `DescribeJobsOutput`.
pub async fn wait_for_job<Obs>(
    client: &Client,
    job_id: &str,
    options: &JobWaitOptions,
    observer: Obs,
) -> Result<JobDetail, JobWaitError<DescribeJobsOutput>>
where
    Obs: Observer<DescribeJobsOutput, DescribeJobsSdkError>,
{
    fn phase<D: Definition<Operation = DescribeJobs>>(
        waiter: Waiter<D>,
        job_id: &str,
        options: &JobWaitOptions,
    ) -> Waiter<D> {
        let waiter = waiter.jobs(job_id);
        match &options.poller {
            Some(poller) => waiter.poller(poller),
            None => waiter,
        }
    }
    run_job_phases(
        job_id,
        || phase(JobExists::new(client), job_id, options),
        || phase(JobRunning::new(client), job_id, options),
        || phase(JobComplete::new(client), job_id, options),
        options,
        observer,
    )
    .await
}

/// Any typed waiter on DescribeJobs, given its job id, is a phase of `wait_for_job`.
impl<D: Definition<Operation = DescribeJobs>> JobPhase for Waiter<D> {
    type Output = DescribeJobsOutput;

    fn config_mut(&mut self) -> &mut WaiterConfig {
        Waiter::config_mut(self)
    }

    async fn wait_phase<Obs>(
        &self,
        start: Start<DescribeJobsOutput, DescribeJobsSdkError>,
        observer: Obs,
    ) -> Result<Waited<DescribeJobsOutput, DescribeJobsSdkError>, TypedWaitError<DescribeJobs>>
    where
        Obs: Observer<DescribeJobsOutput, DescribeJobsSdkError>,
    {
        self.wait_from(start, observer).await
    }
}

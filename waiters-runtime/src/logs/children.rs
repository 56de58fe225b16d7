//! A job's streams including its children's: an array job's child jobs and a multi-node
//! job's nodes, found with `ListJobs` (every status, every page) and described 100 at a
//! time, as the poller does.

use aws_sdk_batch::Client;
use aws_sdk_batch::types::{JobDetail, JobStatus};

use super::location::{JobLog, PartLogs, job_logs};
use crate::error::OperationError;

/// `DescribeJobs` takes at most this many ids per call.
const DESCRIBE_BATCH: usize = 100;

/// `ListJobs` answers only RUNNING jobs unless asked for a status, so children are listed
/// once per status.
const STATUSES: [JobStatus; 7] = [
    JobStatus::Submitted,
    JobStatus::Pending,
    JobStatus::Runnable,
    JobStatus::Starting,
    JobStatus::Running,
    JobStatus::Succeeded,
    JobStatus::Failed,
];

/// Why a job's streams could not be found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FindLogsError {
    /// `DescribeJobs` does not know the job.
    #[error("job {job_id} not found")]
    JobNotFound {
        /// The job asked for.
        job_id: String,
    },
    /// A Batch call failed.
    #[error("{operation} for job {job_id} failed: {message}")]
    Call {
        /// The job whose streams were looked for.
        job_id: String,
        /// `DescribeJobs` or `ListJobs`.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// Every stream of a job, children included: [`job_logs`] of the job, and for an array job
/// or a multi-node job, of each child or node (`ListJobs` with `arrayJobId` or
/// `multiNodeJobId`). Children that are not created yet leave [`PartLogs::InChildren`].
pub async fn find_job_logs(batch: &Client, job_id: &str) -> Result<Vec<JobLog>, FindLogsError> {
    let mut jobs = describe(batch, job_id, &[job_id.to_owned()]).await?;
    let job = jobs.pop().ok_or_else(|| FindLogsError::JobNotFound {
        job_id: job_id.to_owned(),
    })?;
    expand_job_logs(batch, &job).await
}

/// [`job_logs`] of a job already described, with its children's streams when it has
/// children.
pub async fn expand_job_logs(
    batch: &Client,
    job: &JobDetail,
) -> Result<Vec<JobLog>, FindLogsError> {
    let mut logs = job_logs(job);
    if !logs.iter().any(|log| log.logs == PartLogs::InChildren) {
        return Ok(logs);
    }
    let job_id = job.job_id().unwrap_or_default();
    let multi_node = job.node_properties().is_some();
    let children = list_children(batch, job_id, multi_node).await?;
    if children.is_empty() {
        return Ok(logs);
    }
    logs.retain(|log| log.logs != PartLogs::InChildren);
    let mut described = Vec::with_capacity(children.len());
    for ids in children.chunks(DESCRIBE_BATCH) {
        described.extend(describe(batch, job_id, ids).await?);
    }
    let mut children: Vec<JobLog> = described.iter().flat_map(job_logs).collect();
    children.sort_by(|a, b| a.part.cmp(&b.part));
    logs.extend(children);
    Ok(logs)
}

async fn describe(
    batch: &Client,
    job_id: &str,
    ids: &[String],
) -> Result<Vec<JobDetail>, FindLogsError> {
    let output = batch
        .describe_jobs()
        .set_jobs(Some(ids.to_vec()))
        .send()
        .await
        .map_err(|e| FindLogsError::Call {
            job_id: job_id.to_owned(),
            operation: "DescribeJobs",
            message: e.describe(),
        })?;
    Ok(output.jobs().to_vec())
}

/// The ids of an array job's children or a multi-node job's nodes, in every status.
async fn list_children(
    batch: &Client,
    job_id: &str,
    multi_node: bool,
) -> Result<Vec<String>, FindLogsError> {
    let mut ids = Vec::new();
    for status in STATUSES {
        let mut token = None;
        loop {
            let request = batch
                .list_jobs()
                .job_status(status.clone())
                .set_next_token(token);
            let request = if multi_node {
                request.multi_node_job_id(job_id)
            } else {
                request.array_job_id(job_id)
            };
            let output = request.send().await.map_err(|e| FindLogsError::Call {
                job_id: job_id.to_owned(),
                operation: "ListJobs",
                message: e.describe(),
            })?;
            ids.extend(
                output
                    .job_summary_list()
                    .iter()
                    .filter_map(|s| s.job_id().map(str::to_owned)),
            );
            token = output
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    // A child that changed status between two calls is listed twice.
    ids.sort();
    ids.dedup();
    Ok(ids)
}

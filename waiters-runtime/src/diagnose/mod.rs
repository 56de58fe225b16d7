//! Why a job is not starting: [`diagnose`] reads a job, its queue, the queue's compute
//! environments, the job's resource requirements and the queue's front, and returns
//! [`Finding`]s, each with its [`Cause`], the [`Evidence`] (which field said what), whether
//! it can fix itself, and one line on what to change.
//!
//! ```no_run
//! # async fn run(client: aws_sdk_batch::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let diagnosis = waiters_runtime::diagnose::diagnose(&client, "job-id").await?;
//! for finding in diagnosis.findings() {
//!     println!("{finding}");
//! }
//! if diagnosis.stuck_for_good() {
//!     eprintln!("the job will not start until something changes");
//! }
//! # Ok(()) }
//! ```
//!
//! It makes at most five calls: DescribeJobs, then (for a `RUNNABLE` job only)
//! DescribeJobQueues, one DescribeComputeEnvironments for all of the queue's compute
//! environments, DescribeJobDefinitions when the job does not carry its vCPUs and memory,
//! and GetJobQueueSnapshot. The last two are optional: when they fail, the diagnosis
//! says what it could not check instead of failing.

// The user guide's examples compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/diagnose.md")]
struct DiagnoseGuide;

mod analyze;
mod cause;
mod fit;
pub mod sizes;

use std::fmt;

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::get_job_queue_snapshot::GetJobQueueSnapshotOutput;
use aws_sdk_batch::types::{
    ComputeEnvironmentDetail, JobDefinition, JobDetail, JobQueueDetail, JobStatus,
};
use waiters_model::limits::escape_unsafe;

use crate::error::OperationError;

pub use analyze::analyze;
pub use cause::Cause;

/// Everything a diagnosis reads, as the SDK returned it. [`gather`] fills it; tests and
/// callers that already hold the outputs build it themselves and call [`analyze`].
#[derive(Clone, Debug)]
pub struct Facts {
    /// The job (DescribeJobs).
    pub job: JobDetail,
    /// Its queue (DescribeJobQueues); `None` when not read or not found.
    pub queue: Option<JobQueueDetail>,
    /// The queue's compute environments (DescribeComputeEnvironments).
    pub compute_environments: Vec<ComputeEnvironmentDetail>,
    /// The job's definition, read only when the job lacks its vCPUs or memory.
    pub definition: Option<JobDefinition>,
    /// The queue's front (GetJobQueueSnapshot).
    pub snapshot: Option<GetJobQueueSnapshotOutput>,
    /// What could not be read, one line each.
    pub unchecked: Vec<String>,
}

/// One field of one resource that a finding rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// `job 1234`, `job queue high`, `compute environment spot-ce`.
    pub source: String,
    /// The field, as Batch names it: `statusReason`, `computeResources.maxvCpus`.
    pub field: String,
    /// What it said.
    pub value: String,
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = escape_unsafe(&self.value);
        write!(f, "{} {}: {value}", self.source, self.field)
    }
}

/// One reason the job is not starting.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// What keeps the job back.
    pub cause: Cause,
    /// The fields that show it.
    pub evidence: Vec<Evidence>,
    /// Whether the job can start without anyone changing anything (capacity can come
    /// back; a misconfiguration stays).
    pub fixes_itself: bool,
    /// What to change, in one line.
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let evidence: Vec<String> = self.evidence.iter().map(ToString::to_string).collect();
        write!(f, "{} ({})", self.cause, evidence.join("; "))?;
        if !self.fixes_itself {
            f.write_str(", will not fix itself")?;
        }
        write!(f, "; fix: {}", self.fix)
    }
}

/// Why a job is, or is not, starting.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnosis {
    /// The job's id.
    pub job_id: String,
    /// Its status when read (`RUNNABLE`, ...).
    pub status: String,
    /// Its `statusReason`, if any.
    pub status_reason: Option<String>,
    /// Its queue's name (or ARN when the queue could not be read).
    pub queue: Option<String>,
    /// The reasons found, the ones that will not fix themselves first. Never empty:
    /// a job that is not `RUNNABLE`, or `RUNNABLE` for no visible reason, has a finding
    /// saying so.
    pub findings: Vec<Finding>,
    /// What could not be checked (an unknown instance type, a call that failed).
    pub unchecked: Vec<String>,
}

impl Diagnosis {
    /// The findings, the ones that will not fix themselves first.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// True when the job is `RUNNABLE` and some finding says it will not start until
    /// someone changes something.
    pub fn stuck_for_good(&self) -> bool {
        self.findings.iter().any(|f| !f.fixes_itself)
    }

    /// One line: the job, its status and the first finding.
    pub fn summary(&self) -> String {
        let first = self
            .findings
            .first()
            .map_or_else(|| "no finding".to_owned(), ToString::to_string);
        format!(
            "job {} is {}: {first}",
            escape_unsafe(&self.job_id),
            self.status
        )
    }

    /// The diagnosis as JSON (what `waiters diagnose --output json` prints).
    pub fn to_json(&self) -> serde_json::Value {
        let findings: Vec<serde_json::Value> = self
            .findings
            .iter()
            .map(|f| {
                let evidence: Vec<serde_json::Value> = f
                    .evidence
                    .iter()
                    .map(|e| serde_json::json!({"source": e.source, "field": e.field, "value": e.value}))
                    .collect();
                serde_json::json!({
                    "cause": f.cause.code(),
                    "description": f.cause.to_string(),
                    "evidence": evidence,
                    "fixesItself": f.fixes_itself,
                    "fix": f.fix,
                })
            })
            .collect();
        serde_json::json!({
            "jobId": self.job_id,
            "status": self.status,
            "statusReason": self.status_reason,
            "jobQueue": self.queue,
            "stuckForGood": self.stuck_for_good(),
            "findings": findings,
            "unchecked": self.unchecked,
        })
    }
}

/// Why a diagnosis could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnoseError {
    /// A call that the diagnosis needs failed.
    #[error("diagnosing job {}: {operation} failed: {message}", escape_unsafe(.job_id))]
    Call {
        /// The job.
        job_id: String,
        /// The operation (`DescribeJobQueues`).
        operation: &'static str,
        /// What went wrong, in one line.
        message: String,
    },
    /// DescribeJobs does not know the job.
    #[error("diagnosing job {}: DescribeJobs returned no such job", escape_unsafe(.job_id))]
    JobNotFound {
        /// The job.
        job_id: String,
    },
}

/// Reads what a diagnosis needs, in as few calls as it can (see the module docs).
pub async fn gather(client: &Client, job_id: &str) -> Result<Facts, DiagnoseError> {
    let call_error = |operation: &'static str| {
        move |error: &dyn OperationError| DiagnoseError::Call {
            job_id: job_id.to_owned(),
            operation,
            message: error.describe(),
        }
    };
    let jobs = client.describe_jobs().jobs(job_id).send().await;
    let jobs = jobs.map_err(|e| call_error("DescribeJobs")(&e))?;
    let job = jobs
        .jobs()
        .first()
        .cloned()
        .ok_or_else(|| DiagnoseError::JobNotFound {
            job_id: job_id.to_owned(),
        })?;
    let mut facts = Facts {
        job,
        queue: None,
        compute_environments: Vec::new(),
        definition: None,
        snapshot: None,
        unchecked: Vec::new(),
    };
    if facts.job.status() != Some(&JobStatus::Runnable) {
        return Ok(facts);
    }
    let Some(queue_arn) = facts.job.job_queue().map(str::to_owned) else {
        facts.unchecked.push("the job names no queue".into());
        return Ok(facts);
    };
    let (queue, compute_environments) = read_queue(client, job_id, &queue_arn).await?;
    facts.queue = queue;
    facts.compute_environments = compute_environments;
    read_optional(client, &mut facts, &queue_arn).await;
    Ok(facts)
}

/// A job queue (`None` when Batch does not know it) and its compute environments, in two
/// calls: DescribeJobQueues, then one DescribeComputeEnvironments for all of them.
/// `job_id` names the job in errors.
pub async fn read_queue(
    client: &Client,
    job_id: &str,
    queue: &str,
) -> Result<(Option<JobQueueDetail>, Vec<ComputeEnvironmentDetail>), DiagnoseError> {
    let call_error = |operation: &'static str, error: &dyn OperationError| DiagnoseError::Call {
        job_id: job_id.to_owned(),
        operation,
        message: error.describe(),
    };
    let queues = client.describe_job_queues().job_queues(queue).send().await;
    let queues = queues.map_err(|e| call_error("DescribeJobQueues", &e))?;
    let Some(queue) = queues.job_queues().first().cloned() else {
        return Ok((None, Vec::new()));
    };
    let names: Vec<String> = queue
        .compute_environment_order()
        .iter()
        .filter_map(|o| o.compute_environment().map(str::to_owned))
        .collect();
    if names.is_empty() {
        return Ok((Some(queue), Vec::new()));
    }
    let output = client
        .describe_compute_environments()
        .set_compute_environments(Some(names))
        .send()
        .await
        .map_err(|e| call_error("DescribeComputeEnvironments", &e))?;
    Ok((Some(queue), output.compute_environments().to_vec()))
}

/// The job definition (when the job lacks its numbers) and the queue's front; a failure
/// here is noted, not fatal.
async fn read_optional(client: &Client, facts: &mut Facts, queue_arn: &str) {
    let definition = facts.job.job_definition().map(str::to_owned);
    if let Some(definition) =
        definition.filter(|_| fit::Request::of(&facts.job, None).is_incomplete())
    {
        match client
            .describe_job_definitions()
            .job_definitions(&definition)
            .send()
            .await
        {
            Ok(output) => facts.definition = output.job_definitions().first().cloned(),
            Err(e) => facts
                .unchecked
                .push(format!("DescribeJobDefinitions failed: {}", e.describe())),
        }
    }
    match client
        .get_job_queue_snapshot()
        .job_queue(queue_arn)
        .send()
        .await
    {
        Ok(output) => facts.snapshot = Some(output),
        Err(e) => facts
            .unchecked
            .push(format!("GetJobQueueSnapshot failed: {}", e.describe())),
    }
}

/// Diagnoses one job: [`gather`], then [`analyze`].
pub async fn diagnose(client: &Client, job_id: &str) -> Result<Diagnosis, DiagnoseError> {
    Ok(analyze(&gather(client, job_id).await?))
}

//! Array and multi-node jobs in `wait-for-job`: the progress line while an array parent
//! is waited on, `--children`, and what its report says once the wait ended.

use std::cell::{Cell, RefCell};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use waiters_runtime::array::{ArrayProgress, failed_children, wait_for_children};
use waiters_runtime::aws_sdk_batch::Client;
use waiters_runtime::aws_sdk_batch::types::{JobDetail, JobStatus, JobSummary};
use waiters_runtime::job::exit_code;
use waiters_runtime::{BatchWaiters, JobWaitError, JobWaitOptions};

use crate::array_report::{ArrayReport, FamilyReport, MemberOutcome};
use crate::progress::{BatchAttempt, Progress};

/// Without a terminal, a progress line at most this often.
pub(super) const LINE_EVERY: Duration = Duration::from_secs(30);

/// The progress of one array parent as its wait's attempts show it: a live line on a
/// terminal (the spinner's label), else a line when it changed, at most every
/// [`LINE_EVERY`].
pub(super) struct ArrayWatch {
    terminal: bool,
    last: RefCell<Option<ArrayProgress>>,
    last_line: Cell<Option<Instant>>,
}

impl ArrayWatch {
    pub(super) fn new() -> Self {
        Self {
            terminal: std::io::stderr().is_terminal(),
            last: RefCell::new(None),
            last_line: Cell::new(None),
        }
    }

    /// Takes one attempt; `true` when it described an array parent (whose progress is
    /// shown here instead of a line per attempt).
    pub(super) fn attempt(
        &self,
        id: &str,
        attempt: &BatchAttempt<'_>,
        progress: &Progress,
    ) -> bool {
        let Some(now) = attempt
            .response
            .as_ref()
            .ok()
            .and_then(|r| waiters_runtime::job::JobsOutput::job(r, id))
            .and_then(ArrayProgress::from_job)
        else {
            return false;
        };
        let text = format!("[{id}] {now}");
        if self.terminal {
            progress.set_label(text);
        } else if self.last.borrow().as_ref() != Some(&now)
            && self
                .last_line
                .get()
                .is_none_or(|at| at.elapsed() >= LINE_EVERY)
        {
            progress.line(&text);
            self.last_line.set(Some(Instant::now()));
        }
        *self.last.borrow_mut() = Some(now);
        true
    }
}

/// The job the wait ended with, if it saw it.
pub(super) fn final_job<'a>(
    result: &'a Result<JobDetail, JobWaitError>,
    id: &str,
) -> Option<&'a JobDetail> {
    match result {
        Ok(job) => Some(job),
        Err(JobWaitError::Wait { source, .. }) => source
            .last_output()
            .and_then(|r| waiters_runtime::job::JobsOutput::job(r, id)),
        Err(error) => error.job(),
    }
}

/// `--children`: the parent's size (one DescribeJobs call), then every child's wait
/// through the shared poller; a line per child as it ends. `None` for a job that is not
/// an array parent.
pub(super) async fn wait_children(
    waiters: &BatchWaiters,
    id: &str,
    options: &JobWaitOptions,
    progress: &Progress,
) -> Option<Vec<MemberOutcome>> {
    let described = waiters
        .client()
        .describe_jobs()
        .jobs(id)
        .send()
        .await
        .ok()?;
    let size = described
        .jobs()
        .first()
        .and_then(ArrayProgress::from_job)?
        .size();
    let outcomes = wait_for_children(waiters, id, size, options, |outcome| {
        let member = child_outcome(&outcome.job_id, outcome.index, &outcome.result);
        progress.line(&member.text("child"));
    })
    .await;
    let mut members: Vec<MemberOutcome> = outcomes
        .iter()
        .map(|o| child_outcome(&o.job_id, o.index, &o.result))
        .collect();
    members.sort_by_key(|m| m.index);
    Some(members)
}

fn child_outcome(
    job_id: &str,
    index: u32,
    result: &Result<JobDetail, JobWaitError>,
) -> MemberOutcome {
    let job = final_job(result, job_id);
    MemberOutcome {
        job_id: job_id.to_owned(),
        index: Some(index),
        is_main: false,
        status: job.and_then(|j| j.status()).map(|s| s.as_str().to_owned()),
        status_reason: match (job, result) {
            (Some(job), _) => job.status_reason().map(str::to_owned),
            (None, Err(error)) => Some(error.to_string()),
            (None, Ok(_)) => None,
        },
        exit_code: job.and_then(exit_code),
    }
}

/// What the report says of an array parent (its progress and failed children) or a
/// multi-node job (each node), read from the job the wait ended with.
pub(super) async fn family_report(
    client: &Client,
    job: &JobDetail,
    children: Option<Vec<MemberOutcome>>,
) -> FamilyReport {
    let id = job.job_id().unwrap_or_default();
    if let Some(progress) = ArrayProgress::from_job(job) {
        let (failed_children, failed_children_error) = if progress.failed() > 0 {
            match failed_children(client, id).await {
                Ok(found) => (found.children, None),
                Err(error) => (Vec::new(), Some(error.to_string())),
            }
        } else {
            (Vec::new(), None)
        };
        let array = ArrayReport {
            progress,
            failed_children,
            failed_children_error,
            children,
        };
        return FamilyReport {
            array: Some(array),
            nodes: Vec::new(),
        };
    }
    if job.node_properties().is_some() {
        return FamilyReport {
            array: None,
            nodes: nodes(client, id).await,
        };
    }
    FamilyReport::default()
}

/// Each node of a multi-node job that ended, in node order: `ListJobs` with
/// `multiNodeJobId`, once for `SUCCEEDED` and once for `FAILED` (a node job list is
/// short: at most 1,000 nodes, one page each).
async fn nodes(client: &Client, id: &str) -> Vec<MemberOutcome> {
    let mut nodes = Vec::new();
    for status in [JobStatus::Succeeded, JobStatus::Failed] {
        let listed = client
            .list_jobs()
            .multi_node_job_id(id)
            .job_status(status)
            .max_results(1000)
            .send()
            .await;
        if let Ok(page) = listed {
            nodes.extend(page.job_summary_list().iter().map(node_outcome));
        }
    }
    nodes.sort_by_key(|n| n.index);
    nodes
}

fn node_outcome(summary: &JobSummary) -> MemberOutcome {
    let properties = summary.node_properties();
    MemberOutcome {
        job_id: summary.job_id().unwrap_or_default().to_owned(),
        index: properties
            .and_then(|p| p.node_index())
            .and_then(|i| u32::try_from(i).ok()),
        is_main: properties.and_then(|p| p.is_main_node()).unwrap_or(false),
        status: summary.status().map(|s| s.as_str().to_owned()),
        status_reason: summary.status_reason().map(str::to_owned),
        exit_code: summary.container().and_then(|c| c.exit_code()),
    }
}

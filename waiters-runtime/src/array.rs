//! Array jobs: their progress, their failed children, and waits on them.
//!
//! - [`ArrayProgress`] reads a parent's `arrayProperties.statusSummary`: size, counts per
//!   status, done, succeeded and failed.
//! - [`ProgressObserver`] turns the attempts of
//!   [`wait_for_job_with`](crate::BatchWaiters::wait_for_job_with) into progress changes.
//! - [`wait_for_array`] waits on a parent like `wait_for_job`, and also ends when every
//!   child has ended while the parent still says otherwise (moto leaves a parent `RUNNING`
//!   for ever when a child fails; Batch marks it `FAILED`).
//! - [`failed_children`] lists the failed children with their reasons and exit codes:
//!   `ListJobs` with `arrayJobId` and `jobStatus` `FAILED`, pages of
//!   [`LIST_PAGE_SIZE`], so one call per 1,000 failed children (Batch's page limit when
//!   `jobStatus` is given), well within one call per 100 children.
//! - [`wait_for_children`] waits on every child through a shared [`JobPoller`]
//!   (100 children per DescribeJobs call), reporting each as it ends.
//!
//! ```no_run
//! # async fn run(client: aws_sdk_batch::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use waiters_runtime::array::{ProgressObserver, failed_children, wait_for_array};
//! use waiters_runtime::{BatchWaiters, JobWaitError, JobWaitOptions};
//!
//! let waiters = BatchWaiters::new(client.clone());
//! let progress = ProgressObserver::new("parent-job-id", |p| println!("{p}"));
//! // 412/1000 succeeded, 3 failed, 585 running
//! match wait_for_array(&waiters, "parent-job-id", &JobWaitOptions::default(), progress).await {
//!     Ok(_) => println!("every child succeeded"),
//!     Err(JobWaitError::JobFailed { .. }) => {
//!         for child in failed_children(&client, "parent-job-id").await?.children {
//!             println!("{} {:?} {:?}", child.job_id, child.status_reason, child.exit_code);
//!         }
//!     }
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_batch::Client;
use aws_sdk_batch::error::{DisplayErrorContext, SdkError};
use aws_sdk_batch::operation::list_jobs::ListJobsError;
use aws_sdk_batch::types::{JobDetail, JobStatus, JobSummary};
use futures_util::future::Either;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::Notify;

use crate::batch::BatchWaiters;
use crate::engine::{Attempt, NoObserver, Observer};
use crate::job::{JobWaitError, JobWaitOptions, JobsOutput};
use crate::poller::JobPoller;

/// `maxResults` of each `ListJobs` call: the most Batch returns when `jobStatus` is given.
pub const LIST_PAGE_SIZE: i32 = 1000;

/// The statuses of a `statusSummary`, in lifecycle order.
const STATUSES: [&str; 7] = [
    "SUBMITTED",
    "PENDING",
    "RUNNABLE",
    "STARTING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
];

/// An array parent's progress, from its `arrayProperties`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArrayProgress {
    size: u32,
    /// Children per status, in the order of `STATUSES`.
    counts: [u32; 7],
}

impl ArrayProgress {
    /// The progress of an array parent; `None` for a job that is not one (no
    /// `arrayProperties.size`). Statuses missing from the summary count as 0; negative
    /// counts as 0.
    pub fn from_job(job: &JobDetail) -> Option<ArrayProgress> {
        let array = job.array_properties()?;
        let size = u32::try_from(array.size()?).unwrap_or(0);
        let mut counts = [0; 7];
        if let Some(summary) = array.status_summary() {
            for (slot, status) in counts.iter_mut().zip(STATUSES) {
                *slot = summary
                    .get(status)
                    .map_or(0, |n| u32::try_from(*n).unwrap_or(0));
            }
        }
        Some(ArrayProgress { size, counts })
    }

    /// The number of children.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Children in `status`.
    pub fn count(&self, status: &JobStatus) -> u32 {
        STATUSES
            .iter()
            .position(|s| *s == status.as_str())
            .map_or(0, |i| self.counts[i])
    }

    /// Every status with its number of children, in lifecycle order (zeros included).
    pub fn counts(&self) -> impl Iterator<Item = (&'static str, u32)> + '_ {
        STATUSES.into_iter().zip(self.counts)
    }

    /// Children that ended `SUCCEEDED`.
    pub fn succeeded(&self) -> u32 {
        self.counts[5]
    }

    /// Children that ended `FAILED`.
    pub fn failed(&self) -> u32 {
        self.counts[6]
    }

    /// Children that ended, either way.
    pub fn done(&self) -> u32 {
        self.succeeded().saturating_add(self.failed())
    }

    /// Children `RUNNING`.
    pub fn running(&self) -> u32 {
        self.counts[4]
    }

    /// Children not yet running: `SUBMITTED` to `STARTING`.
    pub fn waiting(&self) -> u32 {
        self.counts[..4].iter().sum()
    }

    /// Whether every child has ended.
    pub fn all_ended(&self) -> bool {
        self.size > 0 && self.done() >= self.size
    }
}

/// `412/1000 succeeded, 3 failed, 585 running` (and `, N waiting` when some are not
/// running yet).
impl fmt::Display for ArrayProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} succeeded, {} failed, {} running",
            self.succeeded(),
            self.size,
            self.failed(),
            self.running()
        )?;
        match self.waiting() {
            0 => Ok(()),
            n => write!(f, ", {n} waiting"),
        }
    }
}

/// An [`Observer`] that calls `on_change` each time an attempt shows the array's progress
/// changed (the first time it is seen included), and passes every attempt on to `inner`.
#[derive(Debug)]
pub struct ProgressObserver<F, Obs = NoObserver> {
    job_id: String,
    last: Option<ArrayProgress>,
    on_change: F,
    inner: Obs,
}

impl<F: FnMut(&ArrayProgress)> ProgressObserver<F> {
    /// Progress of the array parent `job_id`, to `on_change`.
    pub fn new(job_id: impl Into<String>, on_change: F) -> Self {
        Self::wrapping(job_id, on_change, NoObserver)
    }
}

impl<F: FnMut(&ArrayProgress), Obs> ProgressObserver<F, Obs> {
    /// As [`new`](ProgressObserver::new), passing every attempt on to `inner` too.
    pub fn wrapping(job_id: impl Into<String>, on_change: F, inner: Obs) -> Self {
        Self {
            job_id: job_id.into(),
            last: None,
            on_change,
            inner,
        }
    }
}

impl<O, E, F, Obs> Observer<O, E> for ProgressObserver<F, Obs>
where
    O: JobsOutput,
    F: FnMut(&ArrayProgress),
    Obs: Observer<O, E>,
{
    fn on_attempt(&mut self, attempt: &Attempt<'_, O, E>) {
        self.inner.on_attempt(attempt);
        let Ok(output) = attempt.response else { return };
        let Some(progress) = output.job(&self.job_id).and_then(ArrayProgress::from_job) else {
            return;
        };
        if self.last.as_ref() != Some(&progress) {
            (self.on_change)(&progress);
            self.last = Some(progress);
        }
    }
}

/// Where the observer of [`wait_for_array`] leaves a parent whose children all ended.
#[derive(Default)]
struct EndedArray {
    job: Mutex<Option<JobDetail>>,
    notify: Notify,
}

/// Watches the attempts for a parent that is not `SUCCEEDED` or `FAILED` although its
/// summary shows every child ended.
struct EndWatch<Obs> {
    job_id: String,
    ended: Arc<EndedArray>,
    inner: Obs,
}

impl<O: JobsOutput, E, Obs: Observer<O, E>> Observer<O, E> for EndWatch<Obs> {
    fn on_attempt(&mut self, attempt: &Attempt<'_, O, E>) {
        self.inner.on_attempt(attempt);
        let Ok(output) = attempt.response else { return };
        let Some(job) = output.job(&self.job_id) else {
            return;
        };
        let finished = matches!(job.status(), Some(JobStatus::Succeeded | JobStatus::Failed));
        if !finished && ArrayProgress::from_job(job).is_some_and(|p| p.all_ended()) {
            *self
                .ended
                .job
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(job.clone());
            self.ended.notify.notify_one();
        }
    }
}

/// [`wait_for_job_with`](BatchWaiters::wait_for_job_with) on an array parent, which also
/// ends as soon as an attempt shows every child ended while the parent is neither
/// `SUCCEEDED` nor `FAILED`: with a failed child that is
/// [`JobWaitError::JobFailed`], else success, in both cases with the parent as described
/// (its status unchanged). On any other job it is `wait_for_job_with`.
pub async fn wait_for_array<Obs>(
    waiters: &BatchWaiters,
    job_id: &str,
    options: &JobWaitOptions,
    observer: Obs,
) -> Result<JobDetail, JobWaitError>
where
    Obs: Observer<crate::response::DescribeJobsResponse, crate::operation::DescribeJobsSdkError>,
{
    let ended = Arc::new(EndedArray::default());
    let watch = EndWatch {
        job_id: job_id.to_owned(),
        ended: Arc::clone(&ended),
        inner: observer,
    };
    let wait = std::pin::pin!(waiters.wait_for_job_with(job_id, options, watch));
    let all_ended = std::pin::pin!(ended.notify.notified());
    // The wait is polled first: a response that ends it wins over the watch.
    match futures_util::future::select(wait, all_ended).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => {
            let job = ended
                .job
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            match job {
                Some(job) if ArrayProgress::from_job(&job).is_some_and(|p| p.failed() > 0) => {
                    Err(JobWaitError::JobFailed {
                        job_id: job_id.to_owned(),
                        job: Box::new(job),
                    })
                }
                Some(job) => Ok(job),
                None => Err(JobWaitError::NotFound {
                    job_id: job_id.to_owned(),
                }),
            }
        }
    }
}

/// A child of an array that ended `FAILED`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedChild {
    /// `PARENT:INDEX`.
    pub job_id: String,
    /// Its index in the array (from `arrayProperties.index`, else from the id).
    pub index: Option<u32>,
    /// Why it failed, as Batch says.
    pub status_reason: Option<String>,
    /// Its container's exit code, when it ran.
    pub exit_code: Option<i32>,
}

impl FailedChild {
    fn from_summary(summary: &JobSummary) -> Option<FailedChild> {
        let job_id = summary.job_id()?.to_owned();
        let index = summary
            .array_properties()
            .and_then(|a| a.index())
            .and_then(|i| u32::try_from(i).ok())
            .or_else(|| job_id.rsplit_once(':').and_then(|(_, i)| i.parse().ok()));
        Some(FailedChild {
            index,
            status_reason: summary.status_reason().map(str::to_owned),
            exit_code: summary.container().and_then(|c| c.exit_code()),
            job_id,
        })
    }
}

/// An array's failed children, in the order `ListJobs` gave them, and how many calls it
/// took.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailedChildren {
    /// The failed children.
    pub children: Vec<FailedChild>,
    /// `ListJobs` calls made.
    pub list_calls: u32,
}

/// Listing an array's failed children failed.
#[derive(Debug, thiserror::Error)]
#[error("listing the failed children of array job {job_id} (ListJobs call {call}): {}", DisplayErrorContext(.source))]
pub struct FailedChildrenError {
    /// The array parent.
    pub job_id: String,
    /// Which call failed (1 for the first page).
    pub call: u32,
    /// The SDK's error.
    #[source]
    pub source: Box<SdkError<ListJobsError>>,
}

/// Every failed child of the array `job_id`, all pages: `ListJobs` with `arrayJobId`,
/// `jobStatus` `FAILED` and `maxResults` [`LIST_PAGE_SIZE`]. A `ListJobs` summary carries
/// `statusReason` and the exit code, so no DescribeJobs call is needed.
pub async fn failed_children(
    client: &Client,
    job_id: &str,
) -> Result<FailedChildren, FailedChildrenError> {
    let mut found = FailedChildren::default();
    let mut token: Option<String> = None;
    loop {
        found.list_calls += 1;
        let page = client
            .list_jobs()
            .array_job_id(job_id)
            .job_status(JobStatus::Failed)
            .max_results(LIST_PAGE_SIZE)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|source| FailedChildrenError {
                job_id: job_id.to_owned(),
                call: found.list_calls,
                source: Box::new(source),
            })?;
        found.children.extend(
            page.job_summary_list()
                .iter()
                // Batch filters by status; a service that does not is filtered here.
                .filter(|s| s.status() == Some(&JobStatus::Failed))
                .filter_map(FailedChild::from_summary),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
}

/// How one child's wait ended.
#[derive(Debug)]
pub struct ChildOutcome {
    /// `PARENT:INDEX`.
    pub job_id: String,
    /// Its index.
    pub index: u32,
    /// The child as it ended, or why the wait did not see it succeed.
    pub result: Result<JobDetail, JobWaitError>,
}

/// Waits on every child `PARENT:0` to `PARENT:size-1` with `wait_for_job`, all through
/// one shared [`JobPoller`] (the one in `options`, else a new one on the waiters'
/// client), so each round asks DescribeJobs for at most 100 children per call. Calls
/// `on_child` as each child's wait ends, and returns every outcome in the order they
/// ended.
pub async fn wait_for_children<F>(
    waiters: &BatchWaiters,
    job_id: &str,
    size: u32,
    options: &JobWaitOptions,
    mut on_child: F,
) -> Vec<ChildOutcome>
where
    F: FnMut(&ChildOutcome),
{
    let mut options = options.clone();
    let poller = options
        .poller
        .get_or_insert_with(|| JobPoller::new(waiters.client()))
        .clone();
    let waiters = waiters.clone().with_poller(poller);
    let options = &options;
    let waiters = &waiters;
    let mut waits: FuturesUnordered<_> = (0..size)
        .map(|index| async move {
            let child = format!("{job_id}:{index}");
            let result = waiters.wait_for_job_with(&child, options, NoObserver).await;
            ChildOutcome {
                job_id: child,
                index,
                result,
            }
        })
        .collect();
    let mut outcomes = Vec::with_capacity(size as usize);
    while let Some(outcome) = waits.next().await {
        on_child(&outcome);
        outcomes.push(outcome);
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use aws_sdk_batch::types::ArrayPropertiesDetail;

    use super::*;

    fn parent(size: i32, summary: &[(&str, i32)]) -> JobDetail {
        let mut array = ArrayPropertiesDetail::builder().size(size);
        for (status, n) in summary {
            array = array.status_summary(*status, *n);
        }
        JobDetail::builder()
            .job_id("p")
            .status(JobStatus::Running)
            .array_properties(array.build())
            .build()
    }

    #[test]
    fn progress_counts_and_text() {
        let progress = ArrayProgress::from_job(&parent(
            1000,
            &[("SUCCEEDED", 412), ("FAILED", 3), ("RUNNING", 585)],
        ))
        .unwrap();
        assert_eq!(
            progress.to_string(),
            "412/1000 succeeded, 3 failed, 585 running"
        );
        assert_eq!((progress.done(), progress.all_ended()), (415, false));
        assert_eq!(progress.count(&JobStatus::Running), 585);
        let waiting = ArrayProgress::from_job(&parent(
            10,
            &[
                ("SUBMITTED", 2),
                ("RUNNABLE", 3),
                ("RUNNING", 5),
                ("PENDING", -1),
            ],
        ))
        .unwrap();
        assert_eq!(
            waiting.to_string(),
            "0/10 succeeded, 0 failed, 5 running, 5 waiting"
        );
        let ended =
            ArrayProgress::from_job(&parent(4, &[("SUCCEEDED", 3), ("FAILED", 1)])).unwrap();
        assert!(ended.all_ended());
        let plain = JobDetail::builder().job_id("j").build();
        assert_eq!(ArrayProgress::from_job(&plain), None);
    }

    #[test]
    fn a_failed_child_from_a_summary() {
        let summary = JobSummary::builder()
            .job_id("p:17")
            .job_name("n")
            .status(JobStatus::Failed)
            .status_reason("Essential container in task exited")
            .container(
                aws_sdk_batch::types::ContainerSummary::builder()
                    .exit_code(3)
                    .build(),
            )
            .build();
        let child = FailedChild::from_summary(&summary).unwrap();
        assert_eq!(child.index, Some(17), "from the id when no arrayProperties");
        assert_eq!(child.exit_code, Some(3));
    }
}

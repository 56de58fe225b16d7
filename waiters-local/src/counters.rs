//! Per-operation request and fault counters.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::faults::FaultKind;

/// A Batch operation served by the local endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `POST /v1/submitjob`
    SubmitJob,
    /// `POST /v1/describejobs`
    DescribeJobs,
    /// `POST /v1/terminatejob`
    TerminateJob,
    /// `POST /v1/canceljob`
    CancelJob,
    /// `POST /v1/listjobs`
    ListJobs,
}

impl Operation {
    /// Every served operation.
    pub const ALL: [Operation; 5] = [
        Operation::SubmitJob,
        Operation::DescribeJobs,
        Operation::TerminateJob,
        Operation::CancelJob,
        Operation::ListJobs,
    ];

    /// The operation's API name, e.g. `"DescribeJobs"`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::SubmitJob => "SubmitJob",
            Operation::DescribeJobs => "DescribeJobs",
            Operation::TerminateJob => "TerminateJob",
            Operation::CancelJob => "CancelJob",
            Operation::ListJobs => "ListJobs",
        }
    }

    /// The request path the restJson1 protocol uses for this operation.
    pub fn path(self) -> &'static str {
        match self {
            Operation::SubmitJob => "/v1/submitjob",
            Operation::DescribeJobs => "/v1/describejobs",
            Operation::TerminateJob => "/v1/terminatejob",
            Operation::CancelJob => "/v1/canceljob",
            Operation::ListJobs => "/v1/listjobs",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`Operation::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown operation `{0}`; expected one of SubmitJob, DescribeJobs, TerminateJob, CancelJob, ListJobs"
)]
pub struct UnknownOperation(pub String);

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| op.name() == s)
            .ok_or_else(|| UnknownOperation(s.to_owned()))
    }
}

/// Counts for one operation since the server started (or since the last reset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OperationCounters {
    /// Requests received, including those answered with an injected fault.
    pub requests: u64,
    /// Requests answered with an injected 429 `TooManyRequestsException`.
    pub throttled: u64,
    /// Requests answered with an injected 500 `ServerException`.
    pub server_errors: u64,
    /// Requests whose connection was closed without a response, or left without one
    /// (`neverAnswer`), or answered with a body that never ends (`endlessBody`).
    pub dropped_connections: u64,
}

impl OperationCounters {
    /// Requests that were served normally (successfully or with a genuine client error).
    pub fn served(&self) -> u64 {
        self.requests
            .saturating_sub(self.throttled)
            .saturating_sub(self.server_errors)
            .saturating_sub(self.dropped_connections)
    }

    fn add(self, other: OperationCounters) -> OperationCounters {
        OperationCounters {
            requests: self.requests.saturating_add(other.requests),
            throttled: self.throttled.saturating_add(other.throttled),
            server_errors: self.server_errors.saturating_add(other.server_errors),
            dropped_connections: self
                .dropped_connections
                .saturating_add(other.dropped_connections),
        }
    }
}

/// A snapshot of every operation's counters.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use waiters_local::{LocalBatch, Operation};
///
/// let server = LocalBatch::builder().start().await?;
/// server.client().describe_jobs().jobs("no-such-job").send().await?;
/// let counters = server.counters();
/// assert_eq!(counters.describe_jobs.requests, 1);
/// assert_eq!(counters.get(Operation::DescribeJobs).requests, 1);
/// assert_eq!(counters.total().requests, 1);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// `SubmitJob` counters.
    pub submit_job: OperationCounters,
    /// `DescribeJobs` counters.
    pub describe_jobs: OperationCounters,
    /// `TerminateJob` counters.
    pub terminate_job: OperationCounters,
    /// `CancelJob` counters.
    pub cancel_job: OperationCounters,
    /// `ListJobs` counters.
    pub list_jobs: OperationCounters,
}

impl Counters {
    /// The counters of one operation.
    pub fn get(&self, operation: Operation) -> OperationCounters {
        match operation {
            Operation::SubmitJob => self.submit_job,
            Operation::DescribeJobs => self.describe_jobs,
            Operation::TerminateJob => self.terminate_job,
            Operation::CancelJob => self.cancel_job,
            Operation::ListJobs => self.list_jobs,
        }
    }

    /// The sum over all operations.
    pub fn total(&self) -> OperationCounters {
        Operation::ALL
            .into_iter()
            .fold(OperationCounters::default(), |acc, op| {
                acc.add(self.get(op))
            })
    }

    fn slot(&mut self, operation: Operation) -> &mut OperationCounters {
        match operation {
            Operation::SubmitJob => &mut self.submit_job,
            Operation::DescribeJobs => &mut self.describe_jobs,
            Operation::TerminateJob => &mut self.terminate_job,
            Operation::CancelJob => &mut self.cancel_job,
            Operation::ListJobs => &mut self.list_jobs,
        }
    }
}

#[derive(Debug, Default)]
struct AtomicOperationCounters {
    requests: AtomicU64,
    throttled: AtomicU64,
    server_errors: AtomicU64,
    dropped_connections: AtomicU64,
}

/// Live counters, updated lock-free by the request path.
#[derive(Debug, Default)]
pub(crate) struct CounterSet {
    operations: [AtomicOperationCounters; 5],
}

impl CounterSet {
    pub(crate) fn record_request(&self, operation: Operation) {
        self.operations[operation.index()]
            .requests
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn record_fault(&self, operation: Operation, kind: FaultKind) {
        let slot = &self.operations[operation.index()];
        let counter = match kind {
            FaultKind::Throttle => &slot.throttled,
            FaultKind::ServerError => &slot.server_errors,
            FaultKind::DropConnection | FaultKind::NeverAnswer | FaultKind::EndlessBody => {
                &slot.dropped_connections
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Counters {
        let mut counters = Counters::default();
        for operation in Operation::ALL {
            let live = &self.operations[operation.index()];
            *counters.slot(operation) = OperationCounters {
                requests: live.requests.load(Ordering::Relaxed),
                throttled: live.throttled.load(Ordering::Relaxed),
                server_errors: live.server_errors.load(Ordering::Relaxed),
                dropped_connections: live.dropped_connections.load(Ordering::Relaxed),
            };
        }
        counters
    }

    pub(crate) fn reset(&self) {
        for live in &self.operations {
            live.requests.store(0, Ordering::Relaxed);
            live.throttled.store(0, Ordering::Relaxed);
            live.server_errors.store(0, Ordering::Relaxed);
            live.dropped_connections.store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_round_trip() {
        for op in Operation::ALL {
            assert_eq!(op.name().parse::<Operation>(), Ok(op));
        }
        assert!("describejobs".parse::<Operation>().is_err());
    }

    #[test]
    fn snapshot_separates_operations_and_faults() {
        let set = CounterSet::default();
        set.record_request(Operation::DescribeJobs);
        set.record_request(Operation::DescribeJobs);
        set.record_fault(Operation::DescribeJobs, FaultKind::Throttle);
        set.record_request(Operation::SubmitJob);
        set.record_fault(Operation::SubmitJob, FaultKind::DropConnection);
        let snap = set.snapshot();
        assert_eq!(snap.describe_jobs.requests, 2);
        assert_eq!(snap.describe_jobs.throttled, 1);
        assert_eq!(snap.describe_jobs.served(), 1);
        assert_eq!(snap.submit_job.dropped_connections, 1);
        assert_eq!(snap.list_jobs, OperationCounters::default());
        assert_eq!(snap.total().requests, 3);
        set.reset();
        assert_eq!(set.snapshot(), Counters::default());
    }
}

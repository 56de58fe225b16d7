//! Per-operation request and fault counters.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::faults::FaultKind;
use crate::operation::Operation;

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
    /// `CreateComputeEnvironment` counters.
    pub create_compute_environment: OperationCounters,
    /// `UpdateComputeEnvironment` counters.
    pub update_compute_environment: OperationCounters,
    /// `DescribeComputeEnvironments` counters.
    pub describe_compute_environments: OperationCounters,
    /// `CreateJobQueue` counters.
    pub create_job_queue: OperationCounters,
    /// `UpdateJobQueue` counters.
    pub update_job_queue: OperationCounters,
    /// `DescribeJobQueues` counters.
    pub describe_job_queues: OperationCounters,
    /// `RegisterJobDefinition` counters.
    pub register_job_definition: OperationCounters,
    /// `DescribeJobDefinitions` counters.
    pub describe_job_definitions: OperationCounters,
    /// `GetJobQueueSnapshot` counters.
    pub get_job_queue_snapshot: OperationCounters,
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
            Operation::CreateComputeEnvironment => self.create_compute_environment,
            Operation::UpdateComputeEnvironment => self.update_compute_environment,
            Operation::DescribeComputeEnvironments => self.describe_compute_environments,
            Operation::CreateJobQueue => self.create_job_queue,
            Operation::UpdateJobQueue => self.update_job_queue,
            Operation::DescribeJobQueues => self.describe_job_queues,
            Operation::RegisterJobDefinition => self.register_job_definition,
            Operation::DescribeJobDefinitions => self.describe_job_definitions,
            Operation::GetJobQueueSnapshot => self.get_job_queue_snapshot,
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
            Operation::CreateComputeEnvironment => &mut self.create_compute_environment,
            Operation::UpdateComputeEnvironment => &mut self.update_compute_environment,
            Operation::DescribeComputeEnvironments => &mut self.describe_compute_environments,
            Operation::CreateJobQueue => &mut self.create_job_queue,
            Operation::UpdateJobQueue => &mut self.update_job_queue,
            Operation::DescribeJobQueues => &mut self.describe_job_queues,
            Operation::RegisterJobDefinition => &mut self.register_job_definition,
            Operation::DescribeJobDefinitions => &mut self.describe_job_definitions,
            Operation::GetJobQueueSnapshot => &mut self.get_job_queue_snapshot,
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
    operations: [AtomicOperationCounters; Operation::ALL.len()],
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

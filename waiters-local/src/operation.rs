//! The Batch operations the endpoint serves, by name and by request path.

use std::fmt;
use std::str::FromStr;

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
    /// `POST /v1/createcomputeenvironment`
    CreateComputeEnvironment,
    /// `POST /v1/updatecomputeenvironment`
    UpdateComputeEnvironment,
    /// `POST /v1/describecomputeenvironments`
    DescribeComputeEnvironments,
    /// `POST /v1/createjobqueue`
    CreateJobQueue,
    /// `POST /v1/updatejobqueue`
    UpdateJobQueue,
    /// `POST /v1/describejobqueues`
    DescribeJobQueues,
    /// `POST /v1/registerjobdefinition`
    RegisterJobDefinition,
    /// `POST /v1/describejobdefinitions`
    DescribeJobDefinitions,
    /// `POST /v1/getjobqueuesnapshot`
    GetJobQueueSnapshot,
}

impl Operation {
    /// Every served operation.
    pub const ALL: [Operation; 14] = [
        Operation::SubmitJob,
        Operation::DescribeJobs,
        Operation::TerminateJob,
        Operation::CancelJob,
        Operation::ListJobs,
        Operation::CreateComputeEnvironment,
        Operation::UpdateComputeEnvironment,
        Operation::DescribeComputeEnvironments,
        Operation::CreateJobQueue,
        Operation::UpdateJobQueue,
        Operation::DescribeJobQueues,
        Operation::RegisterJobDefinition,
        Operation::DescribeJobDefinitions,
        Operation::GetJobQueueSnapshot,
    ];

    /// The operation's API name, e.g. `"DescribeJobs"`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::SubmitJob => "SubmitJob",
            Operation::DescribeJobs => "DescribeJobs",
            Operation::TerminateJob => "TerminateJob",
            Operation::CancelJob => "CancelJob",
            Operation::ListJobs => "ListJobs",
            Operation::CreateComputeEnvironment => "CreateComputeEnvironment",
            Operation::UpdateComputeEnvironment => "UpdateComputeEnvironment",
            Operation::DescribeComputeEnvironments => "DescribeComputeEnvironments",
            Operation::CreateJobQueue => "CreateJobQueue",
            Operation::UpdateJobQueue => "UpdateJobQueue",
            Operation::DescribeJobQueues => "DescribeJobQueues",
            Operation::RegisterJobDefinition => "RegisterJobDefinition",
            Operation::DescribeJobDefinitions => "DescribeJobDefinitions",
            Operation::GetJobQueueSnapshot => "GetJobQueueSnapshot",
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
            Operation::CreateComputeEnvironment => "/v1/createcomputeenvironment",
            Operation::UpdateComputeEnvironment => "/v1/updatecomputeenvironment",
            Operation::DescribeComputeEnvironments => "/v1/describecomputeenvironments",
            Operation::CreateJobQueue => "/v1/createjobqueue",
            Operation::UpdateJobQueue => "/v1/updatejobqueue",
            Operation::DescribeJobQueues => "/v1/describejobqueues",
            Operation::RegisterJobDefinition => "/v1/registerjobdefinition",
            Operation::DescribeJobDefinitions => "/v1/describejobdefinitions",
            Operation::GetJobQueueSnapshot => "/v1/getjobqueuesnapshot",
        }
    }

    /// The operation's slot in per-operation arrays.
    pub(crate) fn index(self) -> usize {
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
#[error("unknown operation `{0}`; expected one of {names}", names = operation_names())]
pub struct UnknownOperation(pub String);

fn operation_names() -> String {
    Operation::ALL.map(Operation::name).join(", ")
}

impl FromStr for Operation {
    type Err = UnknownOperation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| op.name() == s)
            .ok_or_else(|| UnknownOperation(s.to_owned()))
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
}

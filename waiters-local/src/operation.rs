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

//! The operations code generation supports, and how the SDK names them.

/// One operation a generated waiter can call.
#[derive(Debug)]
pub(crate) struct OperationSpec {
    /// The model's name (`DescribeJobs`).
    pub(crate) name: &'static str,
    /// The client method (`describe_jobs`).
    pub(crate) client_method: &'static str,
    /// The module under `aws_sdk_batch::operation`.
    pub(crate) module: &'static str,
    /// The output type in that module.
    pub(crate) output: &'static str,
    /// The error type in that module.
    pub(crate) error: &'static str,
    /// The input member the waiter sets: a list of strings, set with `set_<param>`.
    pub(crate) param: &'static str,
    /// What one element of the input member is, for docs (`a job ID or ARN`).
    pub(crate) param_doc: &'static str,
}

/// Every supported operation.
pub(crate) const SUPPORTED: &[OperationSpec] = &[OperationSpec {
    name: "DescribeJobs",
    client_method: "describe_jobs",
    module: "describe_jobs",
    output: "DescribeJobsOutput",
    error: "DescribeJobsError",
    param: "jobs",
    param_doc: "a job ID or ARN (DescribeJobs takes at most 100)",
}];

/// The spec of a supported operation.
pub(crate) fn supported(name: &str) -> Option<&'static OperationSpec> {
    SUPPORTED.iter().find(|op| op.name == name)
}

/// The names of the supported operations, for messages.
pub(crate) fn supported_names() -> String {
    SUPPORTED
        .iter()
        .map(|op| op.name)
        .collect::<Vec<_>>()
        .join(", ")
}

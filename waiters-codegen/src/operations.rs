//! The operations code generation supports, and how the SDK names them. The runtime
//! declares the same operations (`waiters_runtime::operation::Operation`, with the input
//! setters); this list is what the generator checks models against.

/// One operation a generated waiter can call.
#[derive(Debug)]
pub(crate) struct OperationSpec {
    /// The model's name, which is also the SDK's operation type (`DescribeJobs`).
    pub(crate) name: &'static str,
    /// The module under `aws_sdk_batch::operation` (`describe_jobs`).
    pub(crate) module: &'static str,
    /// The output type in that module.
    pub(crate) output: &'static str,
    /// The input setter the docs show (`jobs`).
    pub(crate) example_setter: &'static str,
}

/// Every supported operation.
pub(crate) const SUPPORTED: &[OperationSpec] = &[OperationSpec {
    name: "DescribeJobs",
    module: "describe_jobs",
    output: "DescribeJobsOutput",
    example_setter: "jobs",
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

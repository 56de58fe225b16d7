//! The operations code generation supports, and how the SDK names them: every read-only
//! Batch operation (`Describe*`, `List*`, `Get*`) of aws-sdk-batch. The runtime declares
//! the same operations (`waiters_runtime::operation::Operation`, with the input setters,
//! in its `batch_operations!` table); this list is what the generator checks models
//! against, and a test in waiters-macros checks that the two lists agree.

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
    /// Whether the operation pages its results (`nextToken`): a waiter sees the first
    /// page only, as botocore's does.
    pub(crate) paginated: bool,
}

/// `operation!(DescribeJobs, describe_jobs, jobs)` and `operation!(.., paginated)`.
macro_rules! operation {
    ($name:ident, $module:ident, $setter:ident $(, $paginated:ident)?) => {
        OperationSpec {
            name: stringify!($name),
            module: stringify!($module),
            output: concat!(stringify!($name), "Output"),
            example_setter: stringify!($setter),
            paginated: operation!(@paginated $($paginated)?),
        }
    };
    (@paginated paginated) => {
        true
    };
    (@paginated) => {
        false
    };
}

/// Every supported operation, sorted by name.
pub(crate) const SUPPORTED: &[OperationSpec] = &[
    operation!(
        DescribeComputeEnvironments,
        describe_compute_environments,
        compute_environments,
        paginated
    ),
    operation!(
        DescribeConsumableResource,
        describe_consumable_resource,
        consumable_resource
    ),
    operation!(
        DescribeJobDefinitions,
        describe_job_definitions,
        job_definitions,
        paginated
    ),
    operation!(
        DescribeJobQueues,
        describe_job_queues,
        job_queues,
        paginated
    ),
    operation!(DescribeJobs, describe_jobs, jobs),
    operation!(DescribeQuotaShare, describe_quota_share, quota_share_arn),
    operation!(
        DescribeSchedulingPolicies,
        describe_scheduling_policies,
        arns
    ),
    operation!(
        DescribeServiceEnvironments,
        describe_service_environments,
        service_environments,
        paginated
    ),
    operation!(DescribeServiceJob, describe_service_job, job_id),
    operation!(GetJobQueueSnapshot, get_job_queue_snapshot, job_queue),
    operation!(
        ListConsumableResources,
        list_consumable_resources,
        filters,
        paginated
    ),
    operation!(ListJobs, list_jobs, job_queue, paginated),
    operation!(
        ListJobsByConsumableResource,
        list_jobs_by_consumable_resource,
        consumable_resource,
        paginated
    ),
    operation!(ListQuotaShares, list_quota_shares, job_queue, paginated),
    operation!(
        ListSchedulingPolicies,
        list_scheduling_policies,
        max_results,
        paginated
    ),
    operation!(ListServiceJobs, list_service_jobs, job_queue, paginated),
    operation!(ListTagsForResource, list_tags_for_resource, resource_arn),
];

/// The spec of a supported operation.
pub(crate) fn supported(name: &str) -> Option<&'static OperationSpec> {
    SUPPORTED.iter().find(|op| op.name == name)
}

/// The spec the fallback of a waiter on an unknown operation uses: DescribeJobs, so
/// user code written for the bundled model keeps compiling.
pub(crate) fn fallback() -> &'static OperationSpec {
    supported("DescribeJobs").unwrap_or(&SUPPORTED[0])
}

/// The names of the supported operations, for messages.
pub(crate) fn supported_names() -> String {
    SUPPORTED
        .iter()
        .map(|op| op.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names of the supported operations (for the test that compares them with the
/// runtime's list).
pub(crate) fn names() -> impl Iterator<Item = &'static str> {
    SUPPORTED.iter().map(|op| op.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique_and_in_the_shape_table() {
        let names: Vec<&str> = names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        let table = crate::shapes::ShapeTable::batch().expect("bundled table");
        for op in SUPPORTED {
            assert!(
                matches!(table.operations.get(op.name), Some(Some(_))),
                "{} has no output in the shape table",
                op.name
            );
            assert_eq!(crate::naming::snake_case(op.name), op.module);
        }
        // Exactly the operations the table has outputs for.
        let in_table = table.operations.values().filter(|o| o.is_some()).count();
        assert_eq!(in_table, SUPPORTED.len());
        assert_eq!(fallback().name, "DescribeJobs");
    }
}

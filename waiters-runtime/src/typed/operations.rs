//! The Batch operations waiters can poll: every read-only operation of aws-sdk-batch
//! (`Describe*`, `List*`, `Get*`). One table declares each operation once; from it come
//!
//! - the [`Operation`] impl on the SDK's operation type (the typed call, and the input
//!   from request JSON),
//! - the input setters of [`Waiter`], named and typed as on the SDK's fluent builder
//!   (`jobs`, `set_jobs`, `get_jobs`),
//! - the run-time [`BatchInput`] and [`BatchOutput`] enums and the run-time call that
//!   keeps the raw JSON body for the acceptors.

use aws_sdk_batch::Client;
use aws_sdk_batch::operation;
use aws_sdk_batch::operation::describe_jobs::DescribeJobs;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::Value;
use waiters_model::suggest;

use crate::input::{self, At, InputError};
use crate::operation::{BatchSdkError, Operation, Response};
use crate::poller::{Form, JobPoller, TypedCall};
use crate::response::{RawResponse, describe_jobs_input, read_captured};
use crate::sdk::CapturedResponse;
use crate::typed::waiter::{Definition, PooledCall, Route, Waiter};

/// One block per operation: its SDK module and types, whether it pages its results, and
/// optionally the function its run-time calls go through (`via`); then one line per input
/// member: `name(setter argument) / set_name(Option<stored>) / get_name = "jsonName":
/// kind, "what it is";` where `kind` is a function of `input::kind`.
macro_rules! batch_operations {
    (@run_time $client:ident, $input:ident, [$via:path], $name:ident, $module:ident, [$($set:ident $get:ident)*]) => {
        $via($client, $input).await
    };
    (@run_time $client:ident, $input:ident, [], $name:ident, $module:ident, [$($set:ident $get:ident)*]) => {{
        let captured = CapturedResponse::default();
        match $client
            .$module()
            $(.$set($input.$get().clone()))*
            .customize()
            .interceptor(captured.clone())
            .send()
            .await
        {
            Ok(output) => read_captured(&captured, stringify!($name))
                .map(|raw| (output, raw))
                .map_err(SdkError::construction_failure),
            Err(error) => Err(error),
        }
    }};
    ($(
        $name:ident in $module:ident ($builder:ident -> $output:ident, $error:ident),
            pages: $pages:literal $(, via $via:path)? {
            $($member:ident($param:ty) / $set:ident($stored:ty) / $get:ident = $json:literal: $kind:ident,
                $what:literal;)*
        }
    )*) => {
        $(
            impl Operation for operation::$module::$name {
                const NAME: &'static str = stringify!($name);
                const INPUT_MEMBERS: &'static [&'static str] = &[$($json),*];
                const PAGINATED: bool = $pages;
                type Input = operation::$module::builders::$builder;
                type Output = operation::$module::$output;
                type Error = operation::$module::$error;

                fn send(
                    client: &Client,
                    input: &Self::Input,
                ) -> impl Future<Output = Response<Self>> + Send + 'static {
                    client.$module()$(.$set(input.$get().clone()))*.send()
                }

                fn input_from_json(input: &Value) -> Result<Self::Input, InputError> {
                    let members = input::members(Self::NAME, Self::INPUT_MEMBERS, input)?;
                    let builder = Self::Input::default();
                    $(
                        let builder = match input::member(members, $json) {
                            Some(value) => {
                                let at = At { operation: Self::NAME, member: $json };
                                builder.$set(Some(input::kind::$kind(at, value)?))
                            }
                            None => builder,
                        };
                    )*
                    Ok(builder)
                }
            }

            impl<D: Definition<Operation = operation::$module::$name>>
                Waiter<D, operation::$module::$name>
            {$(
                #[doc = concat!("Adds to the `", stringify!($name), "` input's `", $json,
                    "` (", $what, "), as the SDK's builder does.")]
                pub fn $member(mut self, input: $param) -> Self {
                    self.input = self.input.$member(input);
                    self
                }

                #[doc = concat!("Sets or clears the `", stringify!($name), "` input's `",
                    $json, "`.")]
                pub fn $set(mut self, input: Option<$stored>) -> Self {
                    self.input = self.input.$set(input);
                    self
                }

                #[doc = concat!("The `", stringify!($name), "` input's `", $json, "`.")]
                pub fn $get(&self) -> &Option<$stored> {
                    self.input.$get()
                }
            )*}
        )*

        /// The operations waiters can poll, sorted.
        pub(crate) const OPERATIONS: &[&str] = &[$(stringify!($name)),*];

        /// The input of one run-time call: the SDK's input builder of one of the
        /// operations waiters can poll. Build it from request JSON with
        /// [`from_json`](Self::from_json), or wrap a builder you filled yourself.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum BatchInput {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name(operation::$module::builders::$builder),
            )*
        }

        /// The typed output of one run-time call.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        // One per response, as the SDK returns it; boxing would only add an allocation.
        #[allow(clippy::large_enum_variant)]
        pub enum BatchOutput {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                $name(operation::$module::$output),
            )*
        }

        impl BatchInput {
            /// `operation`'s input from request JSON as the Batch API reference writes
            /// it (`{"computeEnvironments": ["ce"]}`), checked member by member.
            ///
            /// # Errors
            ///
            /// An [`InputError`] naming the first member that does not fit (unknown,
            /// with the closest name; or of the wrong type), or the operation when
            /// waiters cannot poll it.
            pub fn from_json(operation: &str, input: &Value) -> Result<Self, InputError> {
                match operation {
                    $(stringify!($name) => {
                        <operation::$module::$name as Operation>::input_from_json(input)
                            .map(Self::$name)
                    })*
                    _ => Err(InputError::UnsupportedOperation {
                        operation: operation.to_owned(),
                        suggestion: suggest(operation, OPERATIONS.iter().copied()),
                        supported: OPERATIONS,
                    }),
                }
            }

            /// The operation this is the input of.
            pub fn operation(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }

            /// The input's members as request JSON names them, for `operation`.
            pub fn members(operation: &str) -> Option<&'static [&'static str]> {
                match operation {
                    $(stringify!($name) => {
                        Some(<operation::$module::$name as Operation>::INPUT_MEMBERS)
                    })*
                    _ => None,
                }
            }

            /// One call, with the raw body captured for the run-time acceptors.
            pub(crate) async fn send_capturing(
                &self,
                client: &Client,
            ) -> Result<(BatchOutput, RawResponse), BatchSdkError> {
                match self {
                    $(Self::$name(input) => batch_operations!(
                        @run_time client, input, [$($via)?], $name, $module, [$($set $get)*]
                    )
                    .map(|(output, raw)| (BatchOutput::$name(output), raw))
                    .map_err(|e| e.map_service_error(Into::into)),)*
                }
            }
        }

        impl BatchOutput {
            /// The operation this is the output of.
            pub fn operation(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }
        }
    };
}

/// DescribeJobs waits can share calls through a [`JobPoller`].
impl<D: Definition<Operation = DescribeJobs>> Waiter<D, DescribeJobs> {
    /// Makes this wait's calls through `poller`, merged with other waits' (see
    /// [`JobPoller`]); the outputs it sees hold only its own jobs.
    pub fn poller(mut self, poller: &JobPoller) -> Self {
        self.route = Some(Route {
            poller: poller.clone(),
            calls: |poller, input| {
                let ids = input.get_jobs().clone().unwrap_or_default();
                let calls = poller.register(ids, Form::Typed);
                PooledCall(Box::new(TypedCall::new(calls, |r| r.output)))
            },
        });
        self
    }

    /// The shared poller this wait's calls go through, if any.
    pub fn get_poller(&self) -> Option<&JobPoller> {
        self.route.as_ref().map(|route| &route.poller)
    }
}

batch_operations! {
    DescribeComputeEnvironments in describe_compute_environments
        (DescribeComputeEnvironmentsInputBuilder -> DescribeComputeEnvironmentsOutput,
            DescribeComputeEnvironmentsError), pages: true {
        compute_environments(impl Into<String>) / set_compute_environments(Vec<String>)
            / get_compute_environments = "computeEnvironments": string_list,
            "a compute environment name or ARN; at most 100";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    DescribeConsumableResource in describe_consumable_resource
        (DescribeConsumableResourceInputBuilder -> DescribeConsumableResourceOutput,
            DescribeConsumableResourceError), pages: false {
        consumable_resource(impl Into<String>) / set_consumable_resource(String)
            / get_consumable_resource = "consumableResource": string,
            "the consumable resource's name or ARN";
    }
    DescribeJobDefinitions in describe_job_definitions
        (DescribeJobDefinitionsInputBuilder -> DescribeJobDefinitionsOutput,
            DescribeJobDefinitionsError), pages: true {
        job_definitions(impl Into<String>) / set_job_definitions(Vec<String>)
            / get_job_definitions = "jobDefinitions": string_list,
            "a job definition `name:revision` or ARN; at most 100";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        job_definition_name(impl Into<String>) / set_job_definition_name(String)
            / get_job_definition_name = "jobDefinitionName": string,
            "only the job definitions of this name";
        status(impl Into<String>) / set_status(String) / get_status = "status": string,
            "only job definitions of this status, `ACTIVE` or `INACTIVE`";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    DescribeJobQueues in describe_job_queues
        (DescribeJobQueuesInputBuilder -> DescribeJobQueuesOutput, DescribeJobQueuesError),
        pages: true {
        job_queues(impl Into<String>) / set_job_queues(Vec<String>) / get_job_queues
            = "jobQueues": string_list, "a job queue name or ARN; at most 100";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    DescribeJobs in describe_jobs
        (DescribeJobsInputBuilder -> DescribeJobsOutput, DescribeJobsError), pages: false,
        via describe_jobs_input {
        jobs(impl Into<String>) / set_jobs(Vec<String>) / get_jobs = "jobs": string_list,
            "a job ID or ARN; DescribeJobs takes at most 100";
    }
    DescribeQuotaShare in describe_quota_share
        (DescribeQuotaShareInputBuilder -> DescribeQuotaShareOutput, DescribeQuotaShareError),
        pages: false {
        quota_share_arn(impl Into<String>) / set_quota_share_arn(String) / get_quota_share_arn
            = "quotaShareArn": string, "the quota share's ARN";
    }
    DescribeSchedulingPolicies in describe_scheduling_policies
        (DescribeSchedulingPoliciesInputBuilder -> DescribeSchedulingPoliciesOutput,
            DescribeSchedulingPoliciesError), pages: false {
        arns(impl Into<String>) / set_arns(Vec<String>) / get_arns = "arns": string_list,
            "a scheduling policy ARN; at most 100";
    }
    DescribeServiceEnvironments in describe_service_environments
        (DescribeServiceEnvironmentsInputBuilder -> DescribeServiceEnvironmentsOutput,
            DescribeServiceEnvironmentsError), pages: true {
        service_environments(impl Into<String>) / set_service_environments(Vec<String>)
            / get_service_environments = "serviceEnvironments": string_list,
            "a service environment name or ARN; at most 100";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    DescribeServiceJob in describe_service_job
        (DescribeServiceJobInputBuilder -> DescribeServiceJobOutput, DescribeServiceJobError),
        pages: false {
        job_id(impl Into<String>) / set_job_id(String) / get_job_id = "jobId": string,
            "the service job's ID";
    }
    GetJobQueueSnapshot in get_job_queue_snapshot
        (GetJobQueueSnapshotInputBuilder -> GetJobQueueSnapshotOutput,
            GetJobQueueSnapshotError), pages: false {
        job_queue(impl Into<String>) / set_job_queue(String) / get_job_queue
            = "jobQueue": string, "the job queue's name or ARN";
    }
    ListConsumableResources in list_consumable_resources
        (ListConsumableResourcesInputBuilder -> ListConsumableResourcesOutput,
            ListConsumableResourcesError), pages: true {
        filters(aws_sdk_batch::types::KeyValuesPair)
            / set_filters(Vec<aws_sdk_batch::types::KeyValuesPair>) / get_filters
            = "filters": filters, "a filter, `{name, values}`";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    ListJobs in list_jobs (ListJobsInputBuilder -> ListJobsOutput, ListJobsError),
        pages: true {
        job_queue(impl Into<String>) / set_job_queue(String) / get_job_queue
            = "jobQueue": string, "the job queue's name or ARN";
        array_job_id(impl Into<String>) / set_array_job_id(String) / get_array_job_id
            = "arrayJobId": string, "the array job whose children to list";
        multi_node_job_id(impl Into<String>) / set_multi_node_job_id(String)
            / get_multi_node_job_id = "multiNodeJobId": string,
            "the multi-node parallel job whose nodes to list";
        job_status(aws_sdk_batch::types::JobStatus)
            / set_job_status(aws_sdk_batch::types::JobStatus) / get_job_status
            = "jobStatus": job_status, "only jobs of this status; Batch's default is RUNNING";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
        filters(aws_sdk_batch::types::KeyValuesPair)
            / set_filters(Vec<aws_sdk_batch::types::KeyValuesPair>) / get_filters
            = "filters": filters, "a filter, `{name, values}`: `JOB_NAME`, `JOB_DEFINITION`, ...";
    }
    ListJobsByConsumableResource in list_jobs_by_consumable_resource
        (ListJobsByConsumableResourceInputBuilder -> ListJobsByConsumableResourceOutput,
            ListJobsByConsumableResourceError), pages: true {
        consumable_resource(impl Into<String>) / set_consumable_resource(String)
            / get_consumable_resource = "consumableResource": string,
            "the consumable resource's name or ARN";
        filters(aws_sdk_batch::types::KeyValuesPair)
            / set_filters(Vec<aws_sdk_batch::types::KeyValuesPair>) / get_filters
            = "filters": filters, "a filter, `{name, values}`";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    ListQuotaShares in list_quota_shares
        (ListQuotaSharesInputBuilder -> ListQuotaSharesOutput, ListQuotaSharesError),
        pages: true {
        job_queue(impl Into<String>) / set_job_queue(String) / get_job_queue
            = "jobQueue": string, "the job queue's name or ARN";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    ListSchedulingPolicies in list_scheduling_policies
        (ListSchedulingPoliciesInputBuilder -> ListSchedulingPoliciesOutput,
            ListSchedulingPoliciesError), pages: true {
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
    }
    ListServiceJobs in list_service_jobs
        (ListServiceJobsInputBuilder -> ListServiceJobsOutput, ListServiceJobsError),
        pages: true {
        job_queue(impl Into<String>) / set_job_queue(String) / get_job_queue
            = "jobQueue": string, "the job queue's name or ARN";
        job_status(aws_sdk_batch::types::ServiceJobStatus)
            / set_job_status(aws_sdk_batch::types::ServiceJobStatus) / get_job_status
            = "jobStatus": service_job_status, "only service jobs of this status";
        max_results(i32) / set_max_results(i32) / get_max_results = "maxResults": integer,
            "the page size";
        next_token(impl Into<String>) / set_next_token(String) / get_next_token
            = "nextToken": string, "the page to read";
        filters(aws_sdk_batch::types::KeyValuesPair)
            / set_filters(Vec<aws_sdk_batch::types::KeyValuesPair>) / get_filters
            = "filters": filters, "a filter, `{name, values}`";
    }
    ListTagsForResource in list_tags_for_resource
        (ListTagsForResourceInputBuilder -> ListTagsForResourceOutput,
            ListTagsForResourceError), pages: false {
        resource_arn(impl Into<String>) / set_resource_arn(String) / get_resource_arn
            = "resourceArn": string, "the ARN of the resource whose tags to list";
    }
}

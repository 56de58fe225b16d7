//! The Batch operations waiters call, as types: each operation's input, output and error,
//! how to send it, and how to read its input from request JSON. The marker types are the
//! SDK's own operation structs (`aws_sdk_batch::operation::describe_jobs::DescribeJobs`),
//! so generated code names an operation exactly as the SDK does. Every read-only Batch
//! operation is one ([`SUPPORTED_OPERATIONS`](crate::batch::SUPPORTED_OPERATIONS)).

use std::fmt;
use std::future::Future;

use aws_sdk_batch::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;

use crate::input::InputError;

/// A Batch operation a typed waiter can poll.
pub trait Operation: 'static {
    /// The operation's name in the model (`DescribeJobs`).
    const NAME: &'static str;
    /// The input's members as request JSON names them (`computeEnvironments`).
    const INPUT_MEMBERS: &'static [&'static str];
    /// Whether the operation pages its results (`nextToken`). A waiter reads the page its
    /// input selects, the first by default, as botocore's waiters do.
    const PAGINATED: bool;
    /// The SDK's input builder (`DescribeJobsInputBuilder`): what a waiter's setters fill.
    type Input: Clone + fmt::Debug + Default + Send + Sync + 'static;
    /// The SDK's output (`DescribeJobsOutput`).
    type Output: fmt::Debug + Send + Sync + 'static;
    /// The SDK's operation error (`DescribeJobsError`).
    type Error: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static;

    /// Makes one call with `input`.
    fn send(
        client: &Client,
        input: &Self::Input,
    ) -> impl Future<Output = Response<Self>> + Send + 'static;

    /// The input from request JSON as the Batch API reference writes it
    /// (`{"computeEnvironments": ["ce"]}`), member by member.
    ///
    /// # Errors
    ///
    /// An [`InputError`] naming the first member that does not fit the input's shape.
    fn input_from_json(input: &Value) -> Result<Self::Input, InputError>;
}

/// The error of one call of `Op`: the SDK's error for it.
pub type CallError<Op> = SdkError<<Op as Operation>::Error, HttpResponse>;

/// What one call of `Op` returns: the output or the error.
pub type Response<Op> = Result<<Op as Operation>::Output, CallError<Op>>;

/// The error of a run-time call of any operation: the SDK's error with the service-wide
/// error type (`aws_sdk_batch::Error`), which keeps the code, message and raw response.
pub type BatchSdkError = SdkError<aws_sdk_batch::Error, HttpResponse>;

/// The error type of a DescribeJobs call.
pub type DescribeJobsSdkError = CallError<aws_sdk_batch::operation::describe_jobs::DescribeJobs>;

//! The Batch operations typed waiters call, as types: each operation's input, output and
//! error, and how to send it. The marker types are the SDK's own operation structs
//! (`aws_sdk_batch::operation::describe_jobs::DescribeJobs`), so generated code names an
//! operation exactly as the SDK does.

use std::fmt;
use std::future::Future;

use aws_sdk_batch::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A Batch operation a typed waiter can poll.
pub trait Operation: 'static {
    /// The operation's name in the model (`DescribeJobs`).
    const NAME: &'static str;
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
}

/// The error of one call of `Op`: the SDK's error for it.
pub type CallError<Op> = SdkError<<Op as Operation>::Error, HttpResponse>;

/// What one call of `Op` returns: the output or the error.
pub type Response<Op> = Result<<Op as Operation>::Output, CallError<Op>>;

/// The error type of a DescribeJobs call.
pub type DescribeJobsSdkError = CallError<aws_sdk_batch::operation::describe_jobs::DescribeJobs>;

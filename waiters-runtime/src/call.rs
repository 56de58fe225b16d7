//! Run-time calls of any operation waiters can poll: the response keeps its raw JSON
//! body next to the typed output, for the acceptors of models loaded at run time.

use aws_sdk_batch::Client;
use serde_json::Value;
use waiters_model::Document;

use crate::operation::BatchSdkError;
use crate::response::{DescribeJobsResponse, RawResponse};
use crate::typed::operations::{BatchInput, BatchOutput};

/// A response of any operation: the typed output, plus the raw JSON the acceptors
/// searched.
#[derive(Clone, Debug)]
pub struct BatchResponse {
    /// The typed output.
    pub output: BatchOutput,
    /// The HTTP status code.
    pub status: u16,
    /// The response body as the service sent it.
    pub body: Value,
    pub(crate) document: Document,
}

impl BatchResponse {
    /// The operation that answered.
    pub fn operation(&self) -> &'static str {
        self.output.operation()
    }
}

impl From<DescribeJobsResponse> for BatchResponse {
    fn from(response: DescribeJobsResponse) -> Self {
        Self {
            output: BatchOutput::DescribeJobs(response.output),
            status: response.status,
            body: response.body,
            document: response.document,
        }
    }
}

/// Calls the operation of `input` once (DescribeJobs through `response::describe_jobs`,
/// like every run-time DescribeJobs call).
pub(crate) async fn call(
    client: &Client,
    input: &BatchInput,
) -> Result<BatchResponse, BatchSdkError> {
    let (output, raw) = input.send_capturing(client).await?;
    let RawResponse {
        status,
        body,
        document,
    } = raw;
    Ok(BatchResponse {
        output,
        status,
        body,
        document,
    })
}

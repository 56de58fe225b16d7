//! A DescribeJobs response as run-time waiters see it: the typed output and the raw JSON
//! body their acceptors search; and reading that body for any operation.

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::operation::describe_jobs::builders::DescribeJobsInputBuilder;
use aws_sdk_batch::types::JobDetail;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::Value;
use waiters_model::Document;

use crate::operation::DescribeJobsSdkError;
use crate::sdk::CapturedResponse;
pub use crate::sdk::MAX_RESPONSE_BYTES;

/// A DescribeJobs response: the typed output, plus the raw JSON the acceptors searched.
#[derive(Clone, Debug)]
pub struct DescribeJobsResponse {
    /// The typed output.
    pub output: DescribeJobsOutput,
    /// The HTTP status code.
    pub status: u16,
    /// The response body as the service sent it.
    pub body: Value,
    pub(crate) document: Document,
}

impl DescribeJobsResponse {
    /// A response for a typed wait, which reads only the output: no body, no document.
    pub(crate) fn typed(output: DescribeJobsOutput) -> Self {
        Self {
            output,
            status: 200,
            body: Value::Null,
            document: null_document(),
        }
    }

    /// The jobs in the response.
    pub fn jobs(&self) -> &[JobDetail] {
        self.output.jobs()
    }

    /// One job by id or ARN (DescribeJobs accepts both).
    pub fn job(&self, job_id: &str) -> Option<&JobDetail> {
        self.output.jobs().iter().find(|job| is_job(job, job_id))
    }
}

/// Whether `job` is the one `id` names: its id or its ARN (DescribeJobs accepts both).
pub(crate) fn is_job(job: &JobDetail, id: &str) -> bool {
    job.job_id() == Some(id) || job.job_arn() == Some(id)
}

/// Calls DescribeJobs and keeps the raw JSON body next to the typed output. Every
/// run-time DescribeJobs call goes through here.
pub(crate) async fn describe_jobs(
    client: &Client,
    job_ids: Vec<String>,
) -> Result<DescribeJobsResponse, DescribeJobsSdkError> {
    describe_jobs_keeping(client, job_ids, Keep::Document).await
}

/// What a DescribeJobs call keeps besides the typed output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Nothing: the body and document are null, the status 200 (typed waits read only
    /// the output).
    Output,
    /// The JSON body, without the document for the acceptors (the shared poller's merged
    /// calls, which hand each wait its own part).
    Body,
    /// The JSON body and its document.
    Document,
}

/// [`describe_jobs`], keeping only what `keep` says: a merged call of the shared poller
/// for typed waits need not parse, copy and prepare the whole body again.
pub(crate) async fn describe_jobs_keeping(
    client: &Client,
    job_ids: Vec<String>,
    keep: Keep,
) -> Result<DescribeJobsResponse, DescribeJobsSdkError> {
    let call = client.describe_jobs().set_jobs(Some(job_ids));
    if keep == Keep::Output {
        return Ok(DescribeJobsResponse::typed(call.send().await?));
    }
    let captured = CapturedResponse::default();
    let output = call
        .customize()
        .interceptor(captured.clone())
        .send()
        .await?;
    let (status, body) =
        read_captured_body(&captured, "DescribeJobs").map_err(SdkError::construction_failure)?;
    Ok(DescribeJobsResponse {
        document: match keep {
            Keep::Document => Document::new(&body),
            Keep::Output | Keep::Body => null_document(),
        },
        output,
        status,
        body,
    })
}

/// The document of a null body, shared (it is immutable).
pub(crate) fn null_document() -> Document {
    static NULL: std::sync::LazyLock<Document> =
        std::sync::LazyLock::new(|| Document::new(&Value::Null));
    NULL.clone()
}

/// [`describe_jobs`] for a DescribeJobs input of the run-time waiters.
pub(crate) async fn describe_jobs_input(
    client: &Client,
    input: &DescribeJobsInputBuilder,
) -> Result<(DescribeJobsOutput, RawResponse), DescribeJobsSdkError> {
    let job_ids = input.get_jobs().clone().unwrap_or_default();
    let response = describe_jobs(client, job_ids).await?;
    let raw = RawResponse {
        status: response.status,
        body: response.body,
        document: response.document,
    };
    Ok((response.output, raw))
}

/// The raw side of one response: the HTTP status and the JSON body, as a document for
/// the run-time acceptors.
#[derive(Clone, Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) document: Document,
}

/// What the interceptor captured during a successful call of `operation`, as JSON; the
/// error says what went wrong (callers make it the SDK's construction failure).
pub(crate) fn read_captured(
    captured: &CapturedResponse,
    operation: &str,
) -> Result<RawResponse, String> {
    let (status, body) = read_captured_body(captured, operation)?;
    Ok(RawResponse {
        document: Document::new(&body),
        status,
        body,
    })
}

/// The status and JSON body the interceptor captured.
fn read_captured_body(
    captured: &CapturedResponse,
    operation: &str,
) -> Result<(u16, Value), String> {
    let (status, bytes) = captured.take().ok_or_else(|| {
        format!("the {operation} response body did not reach the run-time acceptors")
    })?;
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{operation} returned a body that is not JSON: {e}"))?
    };
    Ok((status, body))
}

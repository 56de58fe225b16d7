//! A DescribeJobs response as run-time waiters see it: the typed output and the raw JSON
//! body their acceptors search.

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::JobDetail;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::Value;
use waiters_model::Document;

use crate::operation::DescribeJobsSdkError;
use crate::sdk::CapturedResponse;

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
    /// The jobs in the response.
    pub fn jobs(&self) -> &[JobDetail] {
        self.output.jobs()
    }

    /// One job by id or ARN (DescribeJobs accepts both).
    pub fn job(&self, job_id: &str) -> Option<&JobDetail> {
        self.output
            .jobs()
            .iter()
            .find(|j| j.job_id() == Some(job_id) || j.job_arn() == Some(job_id))
    }
}

/// Calls DescribeJobs and keeps the raw JSON body next to the typed output.
pub(crate) async fn describe_jobs(
    client: &Client,
    job_ids: Vec<String>,
) -> Result<DescribeJobsResponse, DescribeJobsSdkError> {
    let captured = CapturedResponse::default();
    let output = client
        .describe_jobs()
        .set_jobs(Some(job_ids))
        .customize()
        .interceptor(captured.clone())
        .send()
        .await?;
    let (status, bytes) = captured.take().ok_or_else(|| {
        SdkError::construction_failure(
            "the DescribeJobs response body did not reach the run-time acceptors",
        )
    })?;
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            SdkError::construction_failure(format!(
                "DescribeJobs returned a body that is not JSON: {e}"
            ))
        })?
    };
    Ok(DescribeJobsResponse {
        document: Document::new(&body),
        output,
        status,
        body,
    })
}

//! Turning a job's JSON (the `detail` of a Batch job state event) into the SDK's typed
//! `JobDetail`, with the SDK's own deserializer: a Batch client whose HTTP connector
//! answers DescribeJobs from memory. Typed acceptors then read an event exactly as they
//! read a DescribeJobs response.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_batch::config::retry::RetryConfig;
use aws_sdk_batch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_batch::types::JobDetail;
use aws_sdk_batch::{Client, Config};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};

/// Decodes job JSON with the SDK's deserializer, no network involved.
#[derive(Clone, Debug)]
pub(crate) struct JobDecoder {
    client: Client,
    bodies: Bodies,
    next: Arc<AtomicU64>,
}

/// The response bodies waiting to be "received", by the id the request asks for.
#[derive(Clone, Debug, Default)]
struct Bodies(Arc<Mutex<HashMap<String, Vec<u8>>>>);

impl JobDecoder {
    pub(crate) fn new() -> Self {
        let bodies = Bodies::default();
        let http: SharedHttpClient = bodies.clone().into_shared();
        let client = Client::from_conf(
            Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::from_static("us-east-1"))
                .credentials_provider(Credentials::new("decode", "decode", None, None, "decode"))
                .endpoint_url("http://decode.invalid")
                .retry_config(RetryConfig::disabled())
                .http_client(http)
                .build(),
        );
        Self {
            client,
            bodies,
            next: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The typed `JobDetail` of `detail` (a DescribeJobs job object); `None` when the SDK
    /// does not accept it as one.
    pub(crate) async fn job(&self, detail: &Value) -> Option<JobDetail> {
        let key = format!("decode-{}", self.next.fetch_add(1, Ordering::Relaxed));
        let body = serde_json::to_vec(&json!({ "jobs": [detail] })).ok()?;
        self.bodies.lock().insert(key.clone(), body);
        let output = self.client.describe_jobs().jobs(&key).send().await;
        self.bodies.lock().remove(&key);
        output.ok()?.jobs.and_then(|mut jobs| jobs.pop())
    }
}

impl Bodies {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl HttpConnector for Bodies {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let key = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .and_then(|v| v["jobs"][0].as_str().map(str::to_owned));
        let body = key.and_then(|key| self.lock().get(&key).cloned());
        HttpConnectorFuture::ready(match body {
            Some(body) => Ok(HttpResponse::new(
                200u16.try_into().expect("200 is a status"),
                SdkBody::from(body),
            )),
            None => Err(ConnectorError::other(
                "no job JSON to decode for this request".into(),
                None,
            )),
        })
    }
}

impl HttpClient for Bodies {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.clone().into_shared()
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        Some(ConnectorMetadata::new("waiters-job-decoder", None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn job_json_decodes_as_describe_jobs_would() {
        let decoder = JobDecoder::new();
        let job = decoder
            .job(
                &json!({"jobId": "j", "jobName": "n", "jobQueue": "q", "jobDefinition": "d",
                "status": "FAILED", "startedAt": 1, "statusReason": "boom",
                "container": {"exitCode": 3}, "attempts": [{"container": {"exitCode": 3}}]}),
            )
            .await
            .expect("decodes");
        assert_eq!(job.job_id(), Some("j"));
        assert_eq!(job.status().map(|s| s.as_str()), Some("FAILED"));
        assert_eq!(job.container().and_then(|c| c.exit_code()), Some(3));
        assert_eq!(job.attempts().len(), 1);
        assert!(decoder.job(&json!("not a job")).await.is_none());
        assert!(decoder.bodies.lock().is_empty(), "nothing kept");
    }
}

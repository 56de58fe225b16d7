//! What the benchmark sees on the wire: every SDK client of a run (Batch, SQS, and the
//! local endpoint's EventBridge publisher) goes through one HTTP client wrapper that
//! counts the calls by operation and notes when each job state event was published
//! (the `PutEvents` call carrying it was sent) and received (a `ReceiveMessage` answer
//! carried it). Counting on the wire counts what the services bill, retries included,
//! and needs nothing from the library.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde_json::Value;

/// One DescribeJobs call: when it was sent and the ids it asked for.
#[derive(Clone, Debug)]
pub(crate) struct DescribeCall {
    pub(crate) at: Instant,
    pub(crate) ids: Vec<String>,
}

/// What the wire carried since the last [`Tap::take`].
#[derive(Debug, Default)]
pub(crate) struct Wire {
    pub(crate) describe_jobs: Vec<DescribeCall>,
    pub(crate) receives: u64,
    pub(crate) deletes: u64,
    pub(crate) put_events: u64,
    /// (job id, status) -> when the first `PutEvents` carrying it (answered 200) was sent.
    pub(crate) published: HashMap<(String, String), Instant>,
    /// (job id, status) -> when the first `ReceiveMessage` answer carrying it came in.
    pub(crate) received: HashMap<(String, String), Instant>,
    /// How long each `ReceiveMessage` that returned messages took.
    pub(crate) receive_times: Vec<Duration>,
}

/// Shared by the clients of one run.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tap {
    wire: Arc<Mutex<Wire>>,
}

impl Tap {
    /// `inner`, counted.
    pub(crate) fn wrap(&self, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(Tapped {
            inner,
            tap: self.clone(),
        })
    }

    /// What was seen so far, leaving the record empty.
    pub(crate) fn take(&self) -> Wire {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Wire> {
        self.wire.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug)]
struct Tapped {
    inner: SharedHttpClient,
    tap: Tap,
}

impl HttpClient for Tapped {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(TappedConnector {
            inner: self.inner.http_connector(settings, components),
            tap: self.tap.clone(),
        })
    }
}

#[derive(Debug)]
struct TappedConnector {
    inner: SharedHttpConnector,
    tap: Tap,
}

/// What a request is, as far as the benchmark cares.
enum Kind {
    DescribeJobs,
    Receive,
    Delete,
    /// The (job id, status) pairs of a `PutEvents` call's entries.
    PutEvents(Vec<(String, String)>),
    Other,
}

fn classify(request: &HttpRequest) -> Kind {
    let body = || {
        request
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok())
            .unwrap_or(Value::Null)
    };
    // Batch speaks restJson1 (the operation is in the path), SQS and EventBridge speak
    // awsJson (the operation is in `X-Amz-Target`).
    if request.uri().ends_with("/v1/describejobs") {
        return Kind::DescribeJobs;
    }
    match request.headers().get("x-amz-target") {
        Some("AmazonSQS.ReceiveMessage") => Kind::Receive,
        Some("AmazonSQS.DeleteMessageBatch" | "AmazonSQS.DeleteMessage") => Kind::Delete,
        Some("AWSEvents.PutEvents") => Kind::PutEvents(event_keys(&body())),
        _ => Kind::Other,
    }
}

/// (job id, status) of each entry of a `PutEvents` body.
fn event_keys(body: &Value) -> Vec<(String, String)> {
    let entries = body.get("Entries").and_then(Value::as_array);
    entries
        .into_iter()
        .flatten()
        .filter_map(|entry| detail_key(entry.get("Detail")?.as_str()?))
        .collect()
}

/// (job id, status) of each message of a `ReceiveMessage` answer (EventBridge envelopes).
fn received_keys(body: &Value) -> Vec<(String, String)> {
    let messages = body.get("Messages").and_then(Value::as_array);
    messages
        .into_iter()
        .flatten()
        .filter_map(|message| {
            let envelope: Value = serde_json::from_str(message.get("Body")?.as_str()?).ok()?;
            let detail = envelope.get("detail")?;
            Some((
                detail.get("jobId")?.as_str()?.to_owned(),
                detail.get("status")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

fn detail_key(detail: &str) -> Option<(String, String)> {
    let detail: Value = serde_json::from_str(detail).ok()?;
    Some((
        detail.get("jobId")?.as_str()?.to_owned(),
        detail.get("status")?.as_str()?.to_owned(),
    ))
}

/// The whole body of `response`, and the response rebuilt around it.
async fn buffered(response: HttpResponse) -> Result<(HttpResponse, Vec<u8>), ConnectorError> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = ByteStream::new(response.into_body())
        .collect()
        .await
        .map_err(|e| ConnectorError::io(e.into()))?
        .into_bytes();
    let mut rebuilt = HttpResponse::new(status, SdkBody::from(body.clone()));
    *rebuilt.headers_mut() = headers;
    Ok((rebuilt, body.to_vec()))
}

fn job_ids(request: &HttpRequest) -> Vec<String> {
    let body = request
        .body()
        .bytes()
        .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok())
        .unwrap_or(Value::Null);
    let ids = body.get("jobs").and_then(Value::as_array);
    ids.into_iter()
        .flatten()
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect()
}

impl HttpConnector for TappedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let kind = classify(&request);
        {
            let mut wire = self.tap.lock();
            match &kind {
                Kind::DescribeJobs => wire.describe_jobs.push(DescribeCall {
                    at: Instant::now(),
                    ids: job_ids(&request),
                }),
                Kind::Receive => wire.receives += 1,
                Kind::Delete => wire.deletes += 1,
                Kind::PutEvents(_) => wire.put_events += 1,
                Kind::Other => {}
            }
        }
        let call = self.inner.call(request);
        let tap = self.tap.clone();
        let sent = Instant::now();
        HttpConnectorFuture::new(async move {
            let response = call.await?;
            match kind {
                Kind::PutEvents(keys) if response.status().is_success() => {
                    // Published when sent: moto delivers to the queue before it answers.
                    let mut wire = tap.lock();
                    for key in keys {
                        wire.published.entry(key).or_insert(sent);
                    }
                }
                Kind::Receive if response.status().is_success() => {
                    let (response, body) = buffered(response).await?;
                    let now = Instant::now();
                    let body = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
                    let keys = received_keys(&body);
                    let mut wire = tap.lock();
                    if !keys.is_empty() {
                        wire.receive_times.push(now.duration_since(sent));
                    }
                    for key in keys {
                        wire.received.entry(key).or_insert(now);
                    }
                    return Ok(response);
                }
                _ => {}
            }
            Ok(response)
        })
    }
}

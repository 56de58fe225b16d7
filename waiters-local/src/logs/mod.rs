//! The CloudWatch Logs API for the server's own jobs (`POST /` with `X-Amz-Target:
//! Logs_20140328.<Operation>`, the JSON 1.1 protocol): `GetLogEvents`, `FilterLogEvents`
//! and `DescribeLogStreams` over the group `/aws/batch/job`, where each job that ran has
//! the stream its `DescribeJobs` document names.

mod operations;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use serde_json::{Value, json};

use crate::app::App;
use crate::log_faults::LogOperation;

/// The one log group jobs write to.
pub(crate) const GROUP: &str = "/aws/batch/job";

const TARGET_PREFIX: &str = "Logs_20140328.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A Logs API error: HTTP 400 with `__type` and `message`, as CloudWatch Logs answers.
#[derive(Debug)]
pub(crate) struct LogsError {
    code: &'static str,
    message: String,
}

impl LogsError {
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self {
            code: "ResourceNotFoundException",
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: "InvalidParameterException",
            message: message.into(),
        }
    }
}

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/", post(logs_request))
}

async fn logs_request(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .unwrap_or_default();
    let operation = match target {
        "GetLogEvents" => LogOperation::GetLogEvents,
        "FilterLogEvents" => LogOperation::FilterLogEvents,
        "DescribeLogStreams" => LogOperation::DescribeLogStreams,
        other => {
            let message = format!(
                "waiters-local serves GetLogEvents, FilterLogEvents and DescribeLogStreams, not `{other}`"
            );
            return respond(Err(LogsError {
                code: "UnknownOperationException",
                message,
            }));
        }
    };
    if app.logs.call(operation) {
        return respond(Err(LogsError {
            code: "ThrottlingException",
            message: "Rate exceeded".to_owned(),
        }));
    }
    let body = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
        Err(e) => {
            return respond(Err(LogsError::invalid(format!(
                "could not read the request body: {e}"
            ))));
        }
    };
    if !body.is_object() {
        return respond(Err(LogsError {
            code: "SerializationException",
            message: "the body is not a JSON object".to_owned(),
        }));
    }
    let now = app.clock.now();
    let jobs = app.jobs();
    let answer = match operation {
        LogOperation::GetLogEvents => operations::get_log_events(&jobs, &app.clock, now, &body),
        LogOperation::FilterLogEvents => {
            operations::filter_log_events(&jobs, &app.clock, now, &body)
        }
        LogOperation::DescribeLogStreams => {
            operations::describe_log_streams(&jobs, &app.clock, now, &body)
        }
    };
    respond(answer)
}

fn respond(answer: Result<Value, LogsError>) -> Response {
    let (status, body) = match answer {
        Ok(body) => (StatusCode::OK, body),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            json!({ "__type": error.code, "message": error.message }),
        ),
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

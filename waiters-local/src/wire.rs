//! restJson1 responses: success bodies and Batch's error shapes.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub(crate) const REQUEST_ID_HEADER: &str = "x-amzn-requestid";
pub(crate) const ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

/// Why a Batch request was not answered with a success body.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400 `ClientException`: the request is well-formed JSON but invalid.
    #[error("{0}")]
    Client(String),
    /// 400 `SerializationException`: the body is not the JSON the operation expects.
    #[error("{0}")]
    Serialization(String),
    /// 404 `UnknownOperationException`: no such route.
    #[error("{0}")]
    UnknownOperation(String),
    /// 429 `TooManyRequestsException` (injected).
    #[error("Too Many Requests")]
    Throttled,
    /// 500 `ServerException` (injected).
    #[error("Internal server error (injected by waiters-local)")]
    InjectedServerError,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Client(_) | ApiError::Serialization(_) => StatusCode::BAD_REQUEST,
            ApiError::UnknownOperation(_) => StatusCode::NOT_FOUND,
            ApiError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            ApiError::InjectedServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn error_type(&self) -> &'static str {
        match self {
            ApiError::Client(_) => "ClientException",
            ApiError::Serialization(_) => "SerializationException",
            ApiError::UnknownOperation(_) => "UnknownOperationException",
            ApiError::Throttled => "TooManyRequestsException",
            ApiError::InjectedServerError => "ServerException",
        }
    }

    /// The `message` member. Batch wraps its service errors as
    /// `Error executing request, Exception : DETAIL, RequestId: ID`; do the same so
    /// code that matches on real messages also matches here.
    fn message(&self, request_id: &str) -> String {
        match self {
            ApiError::Client(_) | ApiError::InjectedServerError => {
                format!("Error executing request, Exception : {self}, RequestId: {request_id}")
            }
            other => other.to_string(),
        }
    }

    pub(crate) fn into_response(self, request_id: &str) -> Response {
        let body = json!({ "message": self.message(request_id) });
        let mut response = json_response(self.status(), &body, request_id);
        response.headers_mut().insert(
            ERROR_TYPE_HEADER,
            HeaderValue::from_static(self.error_type()),
        );
        response
    }
}

/// A JSON response with the request id header every Batch response carries.
pub(crate) fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// A request body as the operation's input type.
pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // The SDK always sends an object, but an empty body means "no members".
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::Serialization(format!("Could not parse the request body: {e}")))
}

pub(crate) fn required(value: Option<String>, name: &str) -> Result<String, ApiError> {
    match value {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(ApiError::Client(format!(
            "Missing required parameter: {name}"
        ))),
    }
}

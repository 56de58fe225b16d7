//! Glue to the AWS SDK: how its errors look to the engine, and capturing raw response bodies.

use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextMut,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::ErrorKind;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use waiters_model::limits::escape_unsafe;

use crate::error::{CallTimeout, ErrorClass, OperationError, ResponseTooLarge};

/// The largest response body run-time waiters read: 16 MiB. A DescribeJobs answer for
/// 100 jobs is far smaller; a body that goes on for ever ends the call with
/// [`ResponseTooLarge`] instead of exhausting memory.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

impl<E> OperationError for SdkError<E, HttpResponse>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn class(&self) -> ErrorClass<'_> {
        let status = self.raw_response().map(|r| r.status().as_u16());
        match self {
            // A success status with an error: the body is not what the operation returns
            // (a proxy's page, another service). Not a service error, and not retried.
            SdkError::ServiceError(_) if status.is_some_and(|s| (200..300).contains(&s)) => {
                ErrorClass::Other
            }
            SdkError::ServiceError(service) => ErrorClass::Service {
                code: service.err().code(),
                message: service.err().message(),
                status,
            },
            SdkError::TimeoutError(_) => ErrorClass::Timeout,
            SdkError::DispatchFailure(failure) if failure.is_timeout() => ErrorClass::Timeout,
            SdkError::DispatchFailure(failure)
                if failure.is_io() || failure.as_other() == Some(ErrorKind::TransientError) =>
            {
                // hyper reports a connection closed mid-request as a transient "other".
                ErrorClass::Connection
            }
            // A response that could not be read: a 5xx with a body the SDK did not
            // understand is still a server error; anything else is not retried.
            SdkError::ResponseError(_) if status.is_some_and(|s| s >= 500) => ErrorClass::Service {
                code: None,
                message: None,
                status,
            },
            _ => ErrorClass::Other,
        }
    }

    /// One line of prose: what went wrong, then the causes the SDK reports, without the
    /// `Debug` dump that the SDK's own `DisplayErrorContext` appends.
    fn describe(&self) -> String {
        let status = self.raw_response().map(|r| r.status().as_u16());
        let what = match (self, status) {
            (SdkError::ConstructionFailure(_), _) => "the request could not be built".to_owned(),
            (SdkError::TimeoutError(_), _) => "the call timed out".to_owned(),
            (SdkError::DispatchFailure(f), _) if f.is_timeout() => {
                "the connection timed out".to_owned()
            }
            (SdkError::DispatchFailure(f), _) if f.is_io() => "the connection failed".to_owned(),
            (SdkError::DispatchFailure(_), _) => "the request could not be sent".to_owned(),
            (SdkError::ResponseError(_), Some(status)) => {
                format!("the HTTP {status} response could not be read")
            }
            (SdkError::ResponseError(_), None) => "the response could not be read".to_owned(),
            (SdkError::ServiceError(_), Some(status)) if (200..300).contains(&status) => {
                match operation_name::<E>() {
                    Some(operation) => {
                        format!("the HTTP {status} response is not a {operation} response")
                    }
                    None => format!("the HTTP {status} response is not the operation's response"),
                }
            }
            (SdkError::ServiceError(service), status) => {
                let status = status.map(|s| format!("HTTP {s} ")).unwrap_or_default();
                let code = service.err().code().unwrap_or("an error without a code");
                match service.err().message() {
                    Some(message) => format!("the service answered {status}{code}: {message}"),
                    None => format!("the service answered {status}{code}"),
                }
            }
            _ => "the request failed".to_owned(),
        };
        let mut causes = causes(self);
        // A modeled service error's source repeats its code and message.
        causes.retain(|cause| !what.contains(cause.as_str()));
        let line = if causes.is_empty() {
            what
        } else {
            format!("{what}: {}", causes.join(": "))
        };
        escape_unsafe(&collapse_whitespace(&line)).into_owned()
    }

    fn call_timed_out(timeout: Duration) -> Option<Self> {
        Some(SdkError::timeout_error(CallTimeout { timeout }))
    }
}

/// The operation an SDK error type belongs to: `DescribeJobs` for `DescribeJobsError`.
fn operation_name<E>() -> Option<&'static str> {
    let name = std::any::type_name::<E>();
    let name = name.rsplit("::").next()?.strip_suffix("Error")?;
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then_some(name)
}

/// The messages of an error's sources, without repeats and without the SDK's words for
/// its own layers (`io error`, `other`, ...), which say nothing the first part does not.
fn causes(error: &(dyn StdError + 'static)) -> Vec<String> {
    const LAYERS: &[&str] = &[
        "io error",
        "other",
        "timeout",
        "user error",
        "unhandled error",
        "dispatch failure",
        "response error",
        "service error",
        "timeout error",
        "failed to construct request",
    ];
    let mut causes: Vec<String> = Vec::new();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        let text = text.trim();
        // An error code the SDK does not model: `unhandled error (Code)` over the
        // metadata's `Error { code: .., message: .. }`, both already in the first part.
        let unhandled = text.starts_with("unhandled error (") || text.starts_with("Error { ");
        if !text.is_empty()
            && !LAYERS.contains(&text)
            && !unhandled
            && causes.last().is_none_or(|last| !last.contains(text))
        {
            causes.push(text.to_owned());
        }
        next = cause.source();
    }
    causes
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The raw JSON body and HTTP status of the last response, captured by an SDK interceptor so
/// run-time acceptors search the same document botocore would. Bodies are read up to
/// [`MAX_RESPONSE_BYTES`].
#[derive(Clone, Debug, Default)]
pub(crate) struct CapturedResponse(Arc<Mutex<Option<RawResponse>>>);

/// HTTP status and body bytes.
type RawResponse = (u16, Vec<u8>);

impl CapturedResponse {
    /// Takes what the last call captured.
    pub(crate) fn take(&self) -> Option<RawResponse> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

impl Intercept for CapturedResponse {
    fn name(&self) -> &'static str {
        "waiters::CapturedResponse"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The SDK reads the whole body before deserializing it; bound what it reads.
        let body = context.response_mut().body_mut();
        let unlimited = std::mem::replace(body, SdkBody::taken());
        *body = SdkBody::from_body_1_x(Limited::new(unlimited, MAX_RESPONSE_BYTES).map_err(
            |error| -> BoxError {
                if error.is::<LengthLimitError>() {
                    Box::new(ResponseTooLarge {
                        limit: MAX_RESPONSE_BYTES,
                    })
                } else {
                    error
                }
            },
        ));
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        if let Some(bytes) = response.body().bytes() {
            // The SDK's own retries run this once per try; the last try is the one returned.
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((response.status().as_u16(), bytes.to_vec()));
        }
        Ok(())
    }
}

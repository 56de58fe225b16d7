//! Glue to the AWS SDK: how its errors look to the engine, and capturing raw response bodies.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::ErrorKind;

use crate::error::{ErrorClass, OperationError};

impl<E> OperationError for SdkError<E, HttpResponse>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    fn class(&self) -> ErrorClass<'_> {
        let status = self.raw_response().map(|r| r.status().as_u16());
        match self {
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

    fn describe(&self) -> String {
        DisplayErrorContext(self).to_string()
    }
}

/// The raw JSON body and HTTP status of the last response, captured by an SDK interceptor so
/// run-time acceptors search the same document botocore would.
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

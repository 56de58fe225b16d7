//! Why a wait failed, and how the engine sees an operation's errors.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use waiters_model::AcceptorState;
use waiters_model::limits::escape_unsafe;

pub use crate::input::InputError;

/// An acceptor that matched a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptorMatch {
    /// Its position in the waiter's acceptor list.
    pub index: usize,
    /// What the match means.
    pub state: AcceptorState,
    /// botocore's explanation text for it
    /// (`For expression "jobs[].status" we matched expected path: "FAILED" at least once`).
    pub explanation: Cow<'static, str>,
}

/// Why a wait ended without success. Displays exactly as botocore's reason strings where
/// botocore has one.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FailureReason {
    /// An acceptor in state `failure` matched.
    #[error("Waiter encountered a terminal failure state: {}", .acceptor.explanation)]
    TerminalFailure {
        /// The acceptor that matched.
        acceptor: AcceptorMatch,
    },
    /// The attempt budget ran out.
    #[error("Max attempts exceeded{}{}", previously(.previously_accepted), last_error_text(.last_error))]
    MaxAttemptsExceeded {
        /// The last acceptor that matched (a `retry` one), if any.
        previously_accepted: Option<AcceptorMatch>,
        /// The transient error of the last attempt, when it ended in one.
        last_error: Option<String>,
    },
    /// The `max_wait` deadline came before an acceptor ended the wait.
    #[error("Max wait time of {max_wait:?} exceeded{}{}", previously(.previously_accepted), last_error_text(.last_error))]
    MaxWaitExceeded {
        /// The deadline.
        max_wait: Duration,
        /// The last acceptor that matched (a `retry` one), if any.
        previously_accepted: Option<AcceptorMatch>,
        /// The transient error of the last attempt, when it ended in one.
        last_error: Option<String>,
    },
    /// The service answered with an error that no acceptor matched and that is not transient.
    /// Control characters in the service's text are shown escaped.
    #[error("An error occurred ({}): {}", escape_unsafe(.code), escape_unsafe(.message))]
    ServiceError {
        /// The error code (`Unknown` when the service sent none).
        code: String,
        /// The error message (`Unknown` when the service sent none).
        message: String,
    },
    /// The request failed without a service answer, for a reason that retrying would not fix
    /// (for example missing credentials, or a response that is not the operation's).
    #[error("Request failed: {}", escape_unsafe(.message))]
    RequestFailed {
        /// What the client reported.
        message: String,
    },
    /// Calls went on failing without an answer (connection failures, call timeouts) for
    /// [`WaiterConfig::connect_give_up`](crate::WaiterConfig::connect_give_up).
    #[error(
        "Gave up after {failures} calls in a row without an answer over {}: {}",
        seconds(.duration), escape_unsafe(.last_error)
    )]
    Unreachable {
        /// The calls that failed in a row.
        failures: u32,
        /// From the start of the first of them to the end of the last.
        duration: Duration,
        /// The last failure.
        last_error: String,
    },
    /// A call ran longer than [`WaiterConfig::call_timeout`](crate::WaiterConfig::call_timeout)
    /// and the operation's error type cannot express a timeout
    /// ([`OperationError::call_timed_out`] returns `None`), so the wait ends.
    #[error("Call timed out: no answer within {}", seconds(.timeout))]
    CallTimedOut {
        /// The call timeout.
        timeout: Duration,
    },
    /// The wait was not started: an input is unusable (a job id with control characters).
    #[error("{0}")]
    InvalidInput(#[from] InvalidInput),
}

/// An input refused before any call is made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// A job id has control characters (newlines, escapes, ...): no job has such an id,
    /// and printing it could forge output lines.
    #[error("job id \"{}\" contains control characters", escape_unsafe(.job_id))]
    ControlCharactersInJobId {
        /// The job id as given.
        job_id: String,
    },
}

/// A duration for messages: `60s`, `61.5s`, `250ms`.
fn seconds(duration: &Duration) -> String {
    if *duration < Duration::from_secs(1) {
        return format!("{duration:?}");
    }
    let text = format!("{:.1}", duration.as_secs_f64());
    format!("{}s", text.strip_suffix(".0").unwrap_or(&text))
}

fn previously(acceptor: &Option<AcceptorMatch>) -> String {
    match acceptor {
        Some(a) => format!(". Previously accepted state: {}", a.explanation),
        None => String::new(),
    }
}

fn last_error_text(error: &Option<String>) -> String {
    match error {
        Some(e) => format!(" (last attempt: {e})"),
        None => String::new(),
    }
}

/// A wait that ended without success: `Waiter {name} failed: {reason}`.
///
/// It keeps what the caller needs to act on the failure: the reason, the acceptor that
/// matched, how many calls were made, and the last response (output or error).
pub struct WaitError<O, E> {
    pub(crate) waiter: Cow<'static, str>,
    pub(crate) reason: FailureReason,
    pub(crate) attempts: u32,
    pub(crate) elapsed: Duration,
    pub(crate) last_response: Option<Result<O, E>>,
}

impl<O, E> WaitError<O, E> {
    /// The waiter's name.
    pub fn waiter(&self) -> &str {
        &self.waiter
    }

    /// Why the wait failed.
    pub fn reason(&self) -> &FailureReason {
        &self.reason
    }

    /// The acceptor behind the failure: the `failure` acceptor that matched, or the last
    /// accepted (`retry`) one when a budget ran out.
    pub fn acceptor(&self) -> Option<&AcceptorMatch> {
        match &self.reason {
            FailureReason::TerminalFailure { acceptor } => Some(acceptor),
            FailureReason::MaxAttemptsExceeded {
                previously_accepted,
                ..
            }
            | FailureReason::MaxWaitExceeded {
                previously_accepted,
                ..
            } => previously_accepted.as_ref(),
            _ => None,
        }
    }

    /// Calls made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Time from the start of the wait to its end.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The last response, when a call completed: the output, or the operation's error.
    pub fn last_response(&self) -> Option<&Result<O, E>> {
        self.last_response.as_ref()
    }

    /// The last successful output, if the last call succeeded.
    pub fn last_output(&self) -> Option<&O> {
        self.last_response.as_ref()?.as_ref().ok()
    }

    /// Takes the last response out.
    pub fn into_last_response(self) -> Option<Result<O, E>> {
        self.last_response
    }
}

impl<O, E> fmt::Display for WaitError<O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Waiter {} failed: {}", self.waiter, self.reason)
    }
}

impl<O: fmt::Debug, E: fmt::Debug> fmt::Debug for WaitError<O, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitError")
            .field("waiter", &self.waiter)
            .field("reason", &self.reason)
            .field("attempts", &self.attempts)
            .field("elapsed", &self.elapsed)
            .field("last_response", &self.last_response)
            .finish()
    }
}

impl<O, E> StdError for WaitError<O, E>
where
    O: fmt::Debug,
    E: StdError + 'static,
{
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match (&self.reason, &self.last_response) {
            (
                FailureReason::ServiceError { .. }
                | FailureReason::RequestFailed { .. }
                | FailureReason::Unreachable { .. },
                Some(Err(e)),
            ) => Some(e),
            _ => None,
        }
    }
}

/// What kind of failure an operation error is, as the wait engine needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass<'a> {
    /// The service answered with an error.
    Service {
        /// The error code, when the service sent one.
        code: Option<&'a str>,
        /// The error message, when the service sent one.
        message: Option<&'a str>,
        /// The HTTP status code, when known.
        status: Option<u16>,
    },
    /// The call timed out.
    Timeout,
    /// The connection failed or was dropped.
    Connection,
    /// Anything else (building the request, credentials, an unreadable response).
    Other,
}

/// Error codes AWS services use for throttling; retried like 5xx when no acceptor matched.
pub const THROTTLING_ERROR_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

impl ErrorClass<'_> {
    /// Whether retrying may help: throttling, HTTP 5xx, timeouts and connection failures.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Service { status, .. } => {
                self.is_throttling() || status.is_some_and(|s| s >= 500)
            }
            Self::Timeout | Self::Connection => true,
            Self::Other => false,
        }
    }

    /// Whether the service throttled the call: a code of [`THROTTLING_ERROR_CODES`], or
    /// HTTP 429.
    pub fn is_throttling(&self) -> bool {
        match self {
            Self::Service { code, status, .. } => {
                code.is_some_and(|c| THROTTLING_ERROR_CODES.contains(&c)) || *status == Some(429)
            }
            _ => false,
        }
    }

    /// A service error's code and message, as reasons and reports show them (`None` for
    /// other errors). Without a code the HTTP status stands in, as in botocore
    /// (`An error occurred (403): ...`); without a message, a sentence says so.
    pub fn code_and_message(&self) -> Option<(String, String)> {
        let Self::Service {
            code,
            message,
            status,
        } = *self
        else {
            return None;
        };
        let code = match (code, status) {
            (Some(code), _) => code.to_owned(),
            (None, Some(status)) => status.to_string(),
            (None, None) => "Unknown".to_owned(),
        };
        let message = match (message, status) {
            (Some(message), _) => message.to_owned(),
            (None, Some(status)) => format!("the HTTP {status} response has no error message"),
            (None, None) => "the response has no error message".to_owned(),
        };
        Some((code, message))
    }
}

/// An operation's error as the wait engine sees it. Implemented for the AWS SDK's
/// `SdkError`; implement it for your own operations to use the engine directly.
pub trait OperationError {
    /// What kind of failure this is.
    fn class(&self) -> ErrorClass<'_>;

    /// A one-line description for reasons and logs.
    fn describe(&self) -> String;

    /// The error for a call the engine abandoned after
    /// [`WaiterConfig::call_timeout`](crate::WaiterConfig::call_timeout); it should be
    /// of class [`ErrorClass::Timeout`], so that it is retried like any timeout. The
    /// default, `None`, ends the wait with [`FailureReason::CallTimedOut`] instead.
    fn call_timed_out(timeout: Duration) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = timeout;
        None
    }
}

/// A waiter name that the model does not define. (Models refuse names with control
/// characters, so such a name is never found; it is shown escaped.)
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Waiter does not exist: {} (known waiters: {})", escape_unsafe(.name), .known.join(", "))]
pub struct UnknownWaiter {
    /// The name asked for.
    pub name: String,
    /// The names the model defines, sorted.
    pub known: Vec<String>,
}

/// A response body longer than [`MAX_RESPONSE_BYTES`](crate::response::MAX_RESPONSE_BYTES).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the response body is longer than {limit} bytes, the limit for run-time waiters (MAX_RESPONSE_BYTES)"
)]
pub struct ResponseTooLarge {
    /// The limit, [`MAX_RESPONSE_BYTES`](crate::response::MAX_RESPONSE_BYTES).
    pub limit: usize,
}

/// A call the wait engine abandoned after `WaiterConfig::call_timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no answer within {timeout:?} (the waiter's call timeout)")]
pub struct CallTimeout {
    /// The call timeout.
    pub timeout: Duration,
}

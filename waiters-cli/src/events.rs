//! Set-up for event-driven waits: an SQS queue that receives AWS Batch's "Batch Job State
//! Change" events from an EventBridge rule (`waiters events setup` and `teardown`).
//!
//! [`setup`] creates, or finds and brings up to date, three things, and says which it
//! did for each:
//!
//! 1. the **queue** (a standard SQS queue; long polling of 20 s by default);
//! 2. the **rule** on the default event bus, matching
//!    `{"source": ["aws.batch"], "detail-type": ["Batch Job State Change", "Batch Job Queue Blocked"]}`, narrowed to
//!    some job queues with `"detail": {"jobQueue": [ARN, ...]}` when asked;
//! 3. a statement in the **queue policy** that lets `events.amazonaws.com` call
//!    `sqs:SendMessage` on the queue for this rule only (`aws:SourceArn`), and the
//!    rule's **target**, the queue, with the event itself as the message body.
//!
//! [`teardown`] removes the target, then the rule (unless other targets still use it),
//! then the queue; what is already gone is reported, not an error.
//!
//! Every call goes through the clients of [`EventsClients`]; build them from the
//! `SdkConfig` that `aws_config` loads, and the standard endpoint settings apply
//! (`AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_EVENTBRIDGE`, `AWS_ENDPOINT_URL`, or an
//! `endpoint_url` set on the loader, which wins over the environment).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use waiters_cli::events::{EventsClients, SetupOptions, setup};
//!
//! let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
//! let clients = EventsClients::from_sdk_config(&config);
//! let report = setup(&clients, &SetupOptions::new("batch-events").job_queue("etl")).await?;
//! println!("{}", report.queue.url);
//! # Ok(()) }
//! ```

mod calls;
mod documents;
mod names;
mod setup;
mod teardown;

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};

pub use documents::{event_pattern, policy_statement, policy_statement_id};
pub use names::{MAX_RULE_NAME_CHARS, default_rule_name};
pub use setup::{QueueReport, RuleReport, SetupOptions, SetupReport, SetupStatus, setup};
pub use teardown::{RemovalStatus, TeardownOptions, TeardownReport, teardown};

/// The `Source` of Batch's events.
pub const EVENT_SOURCE: &str = "aws.batch";
/// The `detail-type` of Batch's job events.
pub const EVENT_DETAIL_TYPE: &str = "Batch Job State Change";
/// The service principal EventBridge sends to SQS as.
pub const EVENTS_PRINCIPAL: &str = "events.amazonaws.com";
/// The id of the rule's target that [`setup`] puts and [`teardown`] removes.
pub const TARGET_ID: &str = "waiters-events-queue";
/// The queue's default long-poll wait, in seconds (SQS's maximum).
pub const RECEIVE_WAIT_SECONDS: u32 = 20;

/// The SQS and EventBridge clients the set-up uses.
#[derive(Clone, Debug)]
pub struct EventsClients {
    /// SQS: the queue and its policy.
    pub sqs: aws_sdk_sqs::Client,
    /// EventBridge: the rule and its target.
    pub eventbridge: aws_sdk_eventbridge::Client,
}

impl EventsClients {
    /// Clients from a loaded configuration: region, credentials, and each service's
    /// own endpoint (`AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_EVENTBRIDGE`, resolved
    /// by the SDK from the configuration's service settings).
    pub fn from_sdk_config(config: &SdkConfig) -> Self {
        Self {
            sqs: aws_sdk_sqs::Client::new(config),
            eventbridge: aws_sdk_eventbridge::Client::new(config),
        }
    }

    /// Clients built by the caller.
    pub fn new(sqs: aws_sdk_sqs::Client, eventbridge: aws_sdk_eventbridge::Client) -> Self {
        Self { sqs, eventbridge }
    }
}

/// Why a set-up or tear-down stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventsError {
    /// A name or ARN that cannot be used; nothing was sent.
    #[error("{0}")]
    Invalid(String),
    /// A call failed.
    #[error("{action}: {message}{}", Progress::note(done))]
    Call {
        /// What was being done, with the operation (`creating queue q (CreateQueue)`).
        action: String,
        /// The service's error code and message, or the client's description of the
        /// failure, on one line.
        message: String,
        /// The service's error code, when it answered with one.
        code: Option<String>,
        /// What had been changed before the failure.
        done: Vec<String>,
    },
    /// A response lacked what the operation promises (a queue URL, an ARN).
    #[error("{action}: the response has no {missing}{}", Progress::note(done))]
    Incomplete {
        /// What was being done.
        action: String,
        /// What the response lacked.
        missing: &'static str,
        /// What had been changed before.
        done: Vec<String>,
    },
}

impl EventsError {
    /// Whether the input was at fault (a usage error) rather than a call.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Self::Invalid(_))
    }

    /// The service's error code, if a call failed with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Call { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// What a set-up or tear-down has changed so far, for the message of a later failure
/// (so nobody wonders whether the first half happened).
#[derive(Debug, Default)]
struct Progress {
    done: Vec<String>,
}

impl Progress {
    fn record(&mut self, change: impl Into<String>) {
        self.done.push(change.into());
    }

    fn note(done: &[String]) -> String {
        if done.is_empty() {
            String::new()
        } else {
            format!(" (done before this: {})", done.join("; "))
        }
    }

    /// The error of a failed call.
    fn failed<E, R>(&self, action: impl Into<String>, error: &SdkError<E, R>) -> EventsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        let (code, message) = describe(error);
        EventsError::Call {
            action: action.into(),
            message,
            code,
            done: self.done.clone(),
        }
    }

    fn incomplete(&self, action: impl Into<String>, missing: &'static str) -> EventsError {
        EventsError::Incomplete {
            action: action.into(),
            missing,
            done: self.done.clone(),
        }
    }
}

/// The error code (if the service answered with one) and a one-line description.
fn describe<E, R>(error: &SdkError<E, R>) -> (Option<String>, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let text = match error.as_service_error() {
        Some(service) => match (service.code(), service.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            (None, _) => format!(
                "the service answered with an error the client could not read: {}",
                chain(error)
            ),
        },
        None => chain(error),
    };
    let code = error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code)
        .map(str::to_owned);
    (code, one_line(&text))
}

/// An error and its sources, `outer: inner: innermost` (what failed, down to why),
/// skipping a source whose text its parent already shows.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// Collapses whitespace (SDK descriptions span lines).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The service's error code of a failed call, if any.
fn code_of<E, R>(error: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_name_what_was_done_before() {
        let mut progress = Progress::default();
        let error = progress.incomplete("creating queue q (CreateQueue)", "queue URL");
        assert_eq!(
            error.to_string(),
            "creating queue q (CreateQueue): the response has no queue URL"
        );
        progress.record("created queue q");
        progress.record("created rule r");
        let error = progress.incomplete("reading rule r (DescribeRule)", "rule ARN");
        assert_eq!(
            error.to_string(),
            "reading rule r (DescribeRule): the response has no rule ARN (done before this: created queue q; created rule r)"
        );
        assert!(!error.is_invalid_input());
        assert!(EventsError::Invalid("x".into()).is_invalid_input());
    }

    #[test]
    fn chains_read_from_what_failed_down_to_why() {
        #[derive(Debug, thiserror::Error)]
        #[error("dispatch failure")]
        struct Outer(#[source] std::io::Error);
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused",
        ));
        assert_eq!(chain(&error), "dispatch failure: Connection refused");
    }

    #[test]
    fn one_line_collapses_whitespace() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }
}

//! Event-driven waits: Batch job state events from an SQS queue (the target of an
//! EventBridge rule on `{"source": ["aws.batch"], "detail-type": ["Batch Job State
//! Change"]}`), feeding a [`JobPoller`] so that waits learn of a change within one long
//! poll of it, with polling kept as the safety net (see [`JobPoller::set_events`]).
//!
//! The event types ([`JobStateEvent`], [`EventOutcome`]) are always here; reading them from
//! SQS (`EventSource`) needs the `events` feature.
//!
//! ```no_run
//! # #[cfg(feature = "events")]
//! # async fn run(sdk_config: aws_types::SdkConfig) -> Result<(), Box<dyn std::error::Error>> {
//! use waiters_runtime::events::EventSource;
//! use waiters_runtime::engine::NoObserver;
//! use waiters_runtime::{JobPoller, JobWaitOptions, typed};
//!
//! // Clients from aws-config honour AWS_ENDPOINT_URL_BATCH and AWS_ENDPOINT_URL_SQS.
//! let batch = aws_sdk_batch::Client::new(&sdk_config);
//! let sqs = aws_sdk_sqs::Client::new(&sdk_config);
//! let poller = JobPoller::new(&batch);
//! let events = EventSource::new(&sqs, "https://sqs.../batch-events", &poller).spawn();
//! let options = JobWaitOptions { poller: Some(poller.clone()), ..JobWaitOptions::default() };
//! let job = typed::wait_for_job(&batch, "job-id", &options, NoObserver).await?;
//! drop(events); // stops receiving; the poller polls as usual again
//! # Ok(()) }
//! ```
//!
//! One queue serves one process: every message is deleted once read, including events for
//! jobs no wait here is on (another process cannot use them, and leaving them would only
//! fill the queue). A fleet of processes uses one queue (and rule target) per process.

pub use crate::job_event::{DEFAULT_RECONCILE_EVERY, EventError, EventOutcome, JobStateEvent};
#[cfg(feature = "events")]
pub use source::{EventSource, EventSourceError, EventStats, EventTask};

#[cfg(doc)]
use crate::poller::JobPoller;

#[cfg(feature = "events")]
mod source;

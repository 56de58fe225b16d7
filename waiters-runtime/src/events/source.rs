//! The SQS side of event-driven waits: receiving Batch job state events from a queue and
//! applying them to a [`JobPoller`].

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sqs::Client as SqsClient;
use aws_sdk_sqs::operation::receive_message::ReceiveMessageError;
use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use tokio::sync::Notify;
use tokio::sync::futures::Notified;
use tokio::task::JoinHandle;

use crate::error::OperationError;
use crate::job_event::{
    DEFAULT_RECONCILE_EVERY, EventOutcome, JobStateEvent, parse_envelope, queue_blocked_job_in,
};
use crate::poller::JobPoller;

/// SQS's longest long poll.
const LONG_POLL: Duration = Duration::from_secs(20);
/// SQS's most messages a receive.
const MAX_MESSAGES: i32 = 10;
/// Receive failures in a row after which waits fall back to polling alone.
const FAILURES_BEFORE_FALLBACK: u32 = 3;

/// What an event source has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventStats {
    /// `ReceiveMessage` calls.
    pub receives: u64,
    /// Messages received (and deleted).
    pub messages: u64,
    /// Job state events that moved a waited job forward.
    pub applied: u64,
    /// Events not ahead of what was known (duplicates, late ones).
    pub stale: u64,
    /// Events for jobs no wait here is on.
    pub not_waited: u64,
    /// Messages that were not Batch job state events, or not readable.
    pub skipped: u64,
    /// "Batch Job Queue Blocked" events (see [`EventTask::queue_blocked`]).
    pub queue_blocked: u64,
}

/// The jobs that Batch said block their queue ("Batch Job Queue Blocked" events), by job
/// id, as read so far; shared with whoever wants to diagnose them at once.
#[derive(Clone, Debug, Default)]
pub struct QueueBlocked {
    shared: Arc<(Mutex<HashSet<String>>, Notify)>,
}

impl QueueBlocked {
    /// Whether an event said job `job_id` blocks its queue.
    pub fn contains(&self, job_id: &str) -> bool {
        self.jobs().contains(job_id)
    }

    /// Completes at the next blocked event read after this call (create it before
    /// checking [`contains`](Self::contains), then await it).
    pub fn changed(&self) -> Notified<'_> {
        self.shared.1.notified()
    }

    fn insert(&self, job_id: String) {
        self.jobs().insert(job_id);
        self.shared.1.notify_waiters();
    }

    fn jobs(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.shared.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Why an event source stopped.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventSourceError {
    /// The queue does not exist (any more).
    #[error("SQS queue {queue_url} does not exist; waits poll DescribeJobs alone")]
    QueueGone {
        /// The queue.
        queue_url: String,
    },
    /// Receiving failed in a way retrying will not mend (access denied, ...).
    #[error(
        "receiving from SQS queue {queue_url} failed: {message}; waits poll DescribeJobs alone"
    )]
    Receive {
        /// The queue.
        queue_url: String,
        /// What SQS said.
        message: String,
    },
}

/// Reads Batch job state events from an SQS queue into a [`JobPoller`].
#[derive(Debug)]
pub struct EventSource {
    sqs: SqsClient,
    queue_url: String,
    poller: JobPoller,
    reconcile_every: Duration,
    stats: Arc<Mutex<EventStats>>,
    blocked: QueueBlocked,
}

impl EventSource {
    /// A source reading `queue_url` into `poller`, reconciling every 5 minutes.
    pub fn new(sqs: &SqsClient, queue_url: impl Into<String>, poller: &JobPoller) -> Self {
        Self {
            sqs: sqs.clone(),
            queue_url: queue_url.into(),
            poller: poller.clone(),
            reconcile_every: DEFAULT_RECONCILE_EVERY,
            stats: Arc::default(),
            blocked: QueueBlocked::default(),
        }
    }

    /// How often every waited job is still polled while events flow (default 5 minutes).
    pub fn reconcile_every(mut self, every: Duration) -> Self {
        self.reconcile_every = every;
        self
    }

    /// Runs the source on a task of its own; dropping the handle stops it. The poller
    /// takes events from now on: waits started right after this do not first poll
    /// alone, waiting for the task to run.
    pub fn spawn(self) -> EventTask {
        self.poller.set_events(Some(self.reconcile_every));
        let stats = self.stats.clone();
        let blocked = self.blocked.clone();
        let poller = self.poller.clone();
        let stopped = Arc::new(Mutex::new(None));
        let record = stopped.clone();
        let task = tokio::spawn(async move {
            let result = self.run().await;
            if let Err(error) = &result {
                *record.lock().unwrap_or_else(|e| e.into_inner()) = Some(error.clone());
            }
            result
        });
        EventTask {
            task,
            stats,
            blocked,
            poller,
            stopped,
        }
    }

    /// Receives and applies events until the queue goes away or receiving keeps
    /// failing; then the poller polls alone again (a warning is logged) and this returns
    /// why.
    ///
    /// # Errors
    ///
    /// [`EventSourceError`]: the queue does not exist, or receiving failed for good.
    pub async fn run(self) -> Result<(), EventSourceError> {
        self.poller.set_events(Some(self.reconcile_every));
        let mut failures = 0u32;
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .wait_time_seconds(LONG_POLL.as_secs() as i32)
                .max_number_of_messages(MAX_MESSAGES)
                .send()
                .await;
            self.stats().receives += 1;
            let messages = match received {
                Ok(output) => {
                    if failures >= FAILURES_BEFORE_FALLBACK {
                        tracing::info!(queue = %self.queue_url, "events flow again");
                        self.poller.set_events(Some(self.reconcile_every));
                    }
                    failures = 0;
                    output.messages.unwrap_or_default()
                }
                Err(error) => {
                    let gone = matches!(
                        error.as_service_error(),
                        Some(ReceiveMessageError::QueueDoesNotExist(_))
                    );
                    if gone || !error.class().is_transient() {
                        return Err(self.stop(gone, error.describe()));
                    }
                    failures += 1;
                    if failures == FAILURES_BEFORE_FALLBACK {
                        tracing::warn!(queue = %self.queue_url, error = %error.describe(),
                            "receiving events keeps failing; waits poll DescribeJobs alone meanwhile");
                        self.poller.set_events(None);
                    }
                    tokio::time::sleep(Duration::from_secs(1 << failures.min(5))).await;
                    continue;
                }
            };
            let mut handles = Vec::new();
            for message in messages {
                self.stats().messages += 1;
                self.apply(message.body().unwrap_or("")).await;
                if let Some(handle) = message.receipt_handle {
                    handles.push(handle);
                }
            }
            self.delete(handles).await;
        }
    }

    async fn apply(&self, body: &str) {
        // Parsed once, then read as each kind of event.
        let envelope = parse_envelope(body);
        if let Some(job_id) = envelope.as_ref().ok().and_then(queue_blocked_job_in) {
            tracing::debug!(job = %job_id, "job queue blocked event");
            self.stats().queue_blocked += 1;
            self.blocked.insert(job_id);
            return;
        }
        let event = match envelope.and_then(JobStateEvent::from_parsed) {
            Ok(Some(event)) => event,
            Ok(None) => {
                self.stats().skipped += 1;
                return;
            }
            Err(error) => {
                tracing::debug!(queue = %self.queue_url, %error, "skipped a message");
                self.stats().skipped += 1;
                return;
            }
        };
        let outcome = self.poller.job_event(&event).await;
        tracing::debug!(
            job = event.job_id(),
            status = event.status(),
            ?outcome,
            "job state event"
        );
        let mut stats = self.stats();
        match outcome {
            EventOutcome::Applied { .. } => stats.applied += 1,
            EventOutcome::Stale => stats.stale += 1,
            EventOutcome::NotWaited => stats.not_waited += 1,
            _ => stats.skipped += 1,
        }
    }

    /// Deletes what was read; a message that could not be deleted comes again and is
    /// then a duplicate, which events tolerate.
    async fn delete(&self, handles: Vec<String>) {
        if handles.is_empty() {
            return;
        }
        let entries: Vec<DeleteMessageBatchRequestEntry> = handles
            .into_iter()
            .enumerate()
            .filter_map(|(i, handle)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(handle)
                    .build()
                    .ok()
            })
            .collect();
        let deleted = self
            .sqs
            .delete_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await;
        if let Err(error) = deleted {
            tracing::warn!(queue = %self.queue_url, error = %error.describe(),
                "could not delete received messages; they will come again");
        }
    }

    fn stop(&self, gone: bool, message: String) -> EventSourceError {
        self.poller.set_events(None);
        let error = if gone {
            EventSourceError::QueueGone {
                queue_url: self.queue_url.clone(),
            }
        } else {
            EventSourceError::Receive {
                queue_url: self.queue_url.clone(),
                message,
            }
        };
        tracing::warn!(%error, "event source stopped");
        error
    }

    fn stats(&self) -> std::sync::MutexGuard<'_, EventStats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running [`EventSource`]; dropping it stops the source and the poller polls alone.
#[derive(Debug)]
pub struct EventTask {
    task: JoinHandle<Result<(), EventSourceError>>,
    stats: Arc<Mutex<EventStats>>,
    blocked: QueueBlocked,
    poller: JobPoller,
    stopped: Arc<Mutex<Option<EventSourceError>>>,
}

impl EventTask {
    /// What the source has done so far.
    pub fn stats(&self) -> EventStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The jobs "Batch Job Queue Blocked" events named so far.
    pub fn queue_blocked(&self) -> QueueBlocked {
        self.blocked.clone()
    }

    /// Whether the source stopped (the queue went away, or receiving failed for good).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Why the source stopped, once it has (the queue went away, or receiving failed for
    /// good); `None` while it runs.
    pub fn error(&self) -> Option<EventSourceError> {
        self.stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for EventTask {
    fn drop(&mut self) {
        self.task.abort();
        self.poller.set_events(None);
    }
}

//! Batch job state events as the poller applies them: one "Batch Job State Change" from
//! EventBridge, what applying it did, and how far a job has come (so that an event never
//! moves a job backwards). Users reach these through [`crate::events`].

use std::time::Duration;

use serde_json::Value;

/// The default interval at which waited jobs are still polled while events flow.
pub const DEFAULT_RECONCILE_EVERY: Duration = Duration::from_secs(300);

/// How far a job has come: attempts made, then its status's place in the lifecycle.
pub(crate) fn progress(job: &Value) -> (usize, u8) {
    let attempts = job
        .get("attempts")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let rank = match job.get("status").and_then(Value::as_str) {
        Some("SUBMITTED") => 1,
        Some("PENDING") => 2,
        Some("RUNNABLE") => 3,
        Some("STARTING") => 4,
        Some("RUNNING") => 5,
        Some("SUCCEEDED" | "FAILED") => 6,
        _ => 0,
    };
    (attempts, rank)
}

/// One Batch job state change, as EventBridge delivers it.
#[derive(Clone, Debug, PartialEq)]
pub struct JobStateEvent {
    /// The job's `detail`: a DescribeJobs `JobDetail` as JSON.
    pub detail: Value,
    /// The event's `time`, as sent (whole seconds, UTC).
    pub time: Option<String>,
}

/// Why a message is not a Batch job state event.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The message is not JSON.
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    /// The event's `detail` has no `jobId` or `status`.
    #[error("the Batch job state event has no {0} in its detail")]
    Missing(&'static str),
}

impl JobStateEvent {
    /// Parses an EventBridge envelope (the SQS message body): `Ok(None)` for events that
    /// are not "Batch Job State Change" from `aws.batch` (service job events, others).
    ///
    /// # Errors
    ///
    /// [`EventError`] when the body is not JSON or a job state event lacks its job's id
    /// or status.
    pub fn from_envelope(body: &str) -> Result<Option<Self>, EventError> {
        Self::from_parsed(parse_envelope(body)?)
    }

    /// [`from_envelope`](Self::from_envelope) on an envelope already parsed.
    pub(crate) fn from_parsed(mut envelope: Value) -> Result<Option<Self>, EventError> {
        if !is_batch_event(&envelope, "Batch Job State Change") {
            return Ok(None);
        }
        let detail = envelope.get_mut("detail").map_or(Value::Null, Value::take);
        if detail.get("jobId").and_then(Value::as_str).is_none() {
            return Err(EventError::Missing("jobId"));
        }
        if detail.get("status").and_then(Value::as_str).is_none() {
            return Err(EventError::Missing("status"));
        }
        Ok(Some(Self {
            detail,
            time: envelope
                .get("time")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }))
    }

    /// The job's id.
    pub fn job_id(&self) -> &str {
        self.detail
            .get("jobId")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The job's status in this event.
    pub fn status(&self) -> &str {
        self.detail
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The `detail-type` of Batch's event for a `RUNNABLE` job that blocks its queue.
pub const QUEUE_BLOCKED_DETAIL_TYPE: &str = "Batch Job Queue Blocked";

/// The id of the job a "Batch Job Queue Blocked" event from `aws.batch` names; `None`
/// for any other message.
pub fn queue_blocked_job(body: &str) -> Option<String> {
    queue_blocked_job_in(&parse_envelope(body).ok()?)
}

/// [`queue_blocked_job`] on an envelope already parsed.
pub(crate) fn queue_blocked_job_in(envelope: &Value) -> Option<String> {
    if !is_batch_event(envelope, QUEUE_BLOCKED_DETAIL_TYPE) {
        return None;
    }
    let id = envelope.get("detail")?.get("jobId")?.as_str()?;
    Some(id.to_owned())
}

/// An SQS message body as JSON, so that each kind of event reads the same parse.
pub(crate) fn parse_envelope(body: &str) -> Result<Value, EventError> {
    serde_json::from_str(body).map_err(|e| EventError::NotJson(e.to_string()))
}

/// Whether the envelope is an `aws.batch` event of this `detail-type`.
fn is_batch_event(envelope: &Value, detail_type: &str) -> bool {
    envelope.get("source").and_then(Value::as_str) == Some("aws.batch")
        && envelope.get("detail-type").and_then(Value::as_str) == Some(detail_type)
}

/// What an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventOutcome {
    /// It moved the job forward and woke this many waits.
    Applied {
        /// Waits answered at once.
        woken: usize,
    },
    /// It was not ahead of what is known (a duplicate, or late and out of order).
    Stale,
    /// No wait here is on that job.
    NotWaited,
    /// The SDK does not read its detail as a job.
    Undecodable,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn envelopes_parse_and_other_events_are_skipped() {
        let body = r#"{"version":"0","id":"1","detail-type":"Batch Job State Change",
            "source":"aws.batch","time":"2026-11-28T05:00:00Z","resources":["arn"],
            "detail":{"jobId":"j","status":"RUNNING","attempts":[]}}"#;
        let event = JobStateEvent::from_envelope(body).unwrap().unwrap();
        assert_eq!((event.job_id(), event.status()), ("j", "RUNNING"));
        assert_eq!(event.time.as_deref(), Some("2026-11-28T05:00:00Z"));
        let other = body.replace("Batch Job State Change", "Batch Service Job State Change");
        assert_eq!(JobStateEvent::from_envelope(&other), Ok(None));
        assert!(matches!(
            JobStateEvent::from_envelope("{"),
            Err(EventError::NotJson(_))
        ));
        let no_status = body.replace(r#""status":"RUNNING","#, "");
        assert_eq!(
            JobStateEvent::from_envelope(&no_status),
            Err(EventError::Missing("status"))
        );
    }

    #[test]
    fn queue_blocked_events_name_their_job() {
        let body = r#"{"version":"0","detail-type":"Batch Job Queue Blocked","source":"aws.batch",
            "detail":{"jobId":"j","status":"RUNNABLE","statusReason":"MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT"}}"#;
        assert_eq!(queue_blocked_job(body).as_deref(), Some("j"));
        assert_eq!(JobStateEvent::from_envelope(body), Ok(None));
        let change = body.replace("Batch Job Queue Blocked", "Batch Job State Change");
        assert_eq!(queue_blocked_job(&change), None);
        assert_eq!(
            queue_blocked_job(&body.replace("aws.batch", "my.app")),
            None
        );
        assert_eq!(queue_blocked_job("{"), None);
    }

    #[test]
    fn progress_orders_the_lifecycle_and_retries() {
        let job = |status: &str, attempts: usize| json!({"status": status, "attempts": vec![json!({}); attempts]});
        assert!(progress(&job("RUNNING", 0)) > progress(&job("RUNNABLE", 0)));
        assert!(progress(&job("SUCCEEDED", 0)) > progress(&job("RUNNING", 0)));
        assert!(
            progress(&job("RUNNABLE", 1)) > progress(&job("RUNNING", 0)),
            "a retry"
        );
        assert_eq!(progress(&job("FAILED", 1)), progress(&job("SUCCEEDED", 1)));
    }
}

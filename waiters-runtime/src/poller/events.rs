//! Batch job state events feeding the poller: the latest known state of every waited job
//! (from DescribeJobs and from events), answers built from it, and the rules that keep it
//! right when events are late, duplicated, out of order or lost.
//!
//! - An event never moves a job backwards: its progress (the number of attempts, then the
//!   status in the order SUBMITTED < PENDING < RUNNABLE < STARTING < RUNNING <
//!   SUCCEEDED | FAILED) must be ahead of what is known. A job that goes back to RUNNABLE
//!   for a retry has one attempt more, so that is progress.
//! - An event wakes the waits on its job at once with a DescribeJobs-shaped answer built
//!   from the known states, so their acceptors decide exactly as when polling.
//! - A wait's due call is answered from the known states when all of its jobs are known;
//!   the poller itself still asks DescribeJobs for every waited job once per
//!   reconciliation interval (jobs due within its tolerance of a reconciliation call go
//!   along, a little early, so that they share calls; a job it never asked for at once),
//!   and a poll that shows a job further on than known wakes its waits as an event would.
//!   A lost event costs lag, at most one interval, never a wrong or missing result.

use std::time::Duration;

use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::JobDetail;
use serde_json::{Value, json};
use tokio::time::Instant;
use waiters_model::Document;

use super::{Answer, Form, JobPoller, State};
use crate::response::DescribeJobsResponse;

/// The default interval at which waited jobs are still polled while events flow.
pub const DEFAULT_RECONCILE_EVERY: Duration = Duration::from_secs(300);

/// What is known of one waited job.
#[derive(Clone, Debug)]
pub(super) struct KnownJob {
    pub(super) typed: JobDetail,
    pub(super) raw: Value,
}

/// How far a job has come: attempts made, then its status's place in the lifecycle.
fn progress(job: &Value) -> (usize, u8) {
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
        let envelope: Value =
            serde_json::from_str(body).map_err(|e| EventError::NotJson(e.to_string()))?;
        if envelope.get("source").and_then(Value::as_str) != Some("aws.batch")
            || envelope.get("detail-type").and_then(Value::as_str) != Some("Batch Job State Change")
        {
            return Ok(None);
        }
        let detail = envelope.get("detail").cloned().unwrap_or(Value::Null);
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

impl JobPoller {
    /// Makes events feed this poller: due calls are answered from the known job states,
    /// every waited job is still polled once per `reconcile_every`, and each event wakes
    /// the waits on its job at once. An
    /// `events::EventSource` (feature `events`) turns this on; `None` turns it off
    /// (polling as usual, as when the queue went away).
    pub fn set_events(&self, reconcile_every: Option<Duration>) {
        let mut state = self.lock();
        state.reconcile_every = reconcile_every;
        if reconcile_every.is_none() {
            state.known.clear();
            state.last_polled.clear();
        }
    }

    /// Whether events feed this poller now, and the reconciliation interval.
    pub fn events(&self) -> Option<Duration> {
        self.lock().reconcile_every
    }

    /// Applies one job state event (see [`set_events`](Self::set_events)).
    pub async fn job_event(&self, event: &JobStateEvent) -> EventOutcome {
        let keys: Vec<String> = ["jobId", "jobArn"]
            .iter()
            .filter_map(|k| event.detail.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        {
            let state = self.lock();
            if state.reconcile_every.is_none() || !keys.iter().any(|k| state.refs.contains_key(k)) {
                return EventOutcome::NotWaited;
            }
        }
        let Some(typed) = self.shared.decoder.job(&event.detail).await else {
            return EventOutcome::Undecodable;
        };
        let mut state = self.lock();
        let ahead = progress(&event.detail);
        let mut applied = false;
        let waited: Vec<&String> = keys
            .iter()
            .filter(|k| state.refs.contains_key(*k))
            .collect();
        for key in waited {
            let behind = state
                .known
                .get(key)
                .is_some_and(|known| progress(&known.raw) >= ahead);
            if behind {
                continue;
            }
            state.known.insert(
                key.clone(),
                KnownJob {
                    typed: typed.clone(),
                    raw: event.detail.clone(),
                },
            );
            applied = true;
        }
        if !applied {
            return EventOutcome::Stale;
        }
        let woken = wake_waits_on(&mut state, &keys);
        state.stats.events += 1;
        EventOutcome::Applied { woken }
    }
}

/// Answers at once every sleeping wait on one of `keys` whose jobs are all known.
pub(super) fn wake_waits_on(state: &mut State, keys: &[String]) -> usize {
    let State { waits, known, .. } = state;
    let mut woken = 0;
    for entry in waits.values_mut() {
        if entry.request.is_some()
            || entry.early.is_some()
            || !entry.ids.iter().any(|id| keys.contains(id))
        {
            continue;
        }
        let Some(answer) = known_answer(known, &entry.ids, entry.form) else {
            continue;
        };
        entry.early = Some(Box::new(answer));
        entry.due = None;
        if let Some(wake) = entry.wake.take() {
            let _ = wake.send(());
        }
        woken += 1;
    }
    woken
}

/// A DescribeJobs answer for `ids` from the known states, when every job is known.
pub(super) fn known_answer(
    known: &std::collections::HashMap<String, KnownJob>,
    ids: &[String],
    form: Form,
) -> Option<Answer> {
    let mut jobs = Vec::new();
    let mut raw = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        let job = known.get(id)?;
        // A job asked for twice (by id and by ARN) is described once, as Batch does.
        if seen.insert(job.typed.job_id().unwrap_or(id).to_owned()) {
            jobs.push(job.typed.clone());
            if form == Form::Raw {
                raw.push(job.raw.clone());
            }
        }
    }
    let output = DescribeJobsOutput::builder().set_jobs(Some(jobs)).build();
    if form == Form::Typed {
        return Some(Ok(DescribeJobsResponse::typed(output)));
    }
    let body = json!({ "jobs": raw });
    Some(Ok(DescribeJobsResponse {
        output,
        status: 200,
        document: Document::new(&body),
        body,
    }))
}

/// Counts `ids` as polled at `now` (when a call for them starts, whatever it returns, so
/// that a failing call does not make reconciliation spin).
pub(super) fn mark_polled(state: &mut State, ids: &[String], now: Instant) {
    if state.reconcile_every.is_none() {
        return;
    }
    for id in ids.iter().filter(|id| state.refs.contains_key(*id)) {
        state.last_polled.insert(id.clone(), now);
    }
}

/// Records what a DescribeJobs answer for `ids` says, when events feed the poller: a job
/// further on than known moves forward (never back). Returns the ids that moved, whose
/// waits learn of it as from an event.
pub(super) fn record_poll(
    state: &mut State,
    ids: &[String],
    answer: &DescribeJobsResponse,
) -> Vec<String> {
    if state.reconcile_every.is_none() {
        return Vec::new();
    }
    let raw = answer.body.get("jobs").and_then(Value::as_array);
    let mut moved = Vec::new();
    for (index, typed) in answer.output.jobs().iter().enumerate() {
        let Some(raw) = raw.and_then(|r| r.get(index)) else {
            continue;
        };
        for id in ids.iter().filter(|id| {
            state.refs.contains_key(*id)
                && (typed.job_id() == Some(id.as_str()) || typed.job_arn() == Some(id.as_str()))
        }) {
            let ahead = state
                .known
                .get(id)
                .is_none_or(|known| progress(raw) > progress(&known.raw));
            if ahead {
                state.known.insert(
                    id.clone(),
                    KnownJob {
                        typed: typed.clone(),
                        raw: raw.clone(),
                    },
                );
                moved.push(id.clone());
            }
        }
    }
    moved
}

/// The ids due for reconciliation: waited and not polled within the interval; and, when
/// one is due or the round calls anyway (`calling`), those due within `tolerance` (at
/// most half the interval) too. Early, never late, as for waits: ids first polled in
/// different rounds (waits that started apart) would otherwise each fall due alone,
/// forever in calls of their own, partly filled.
pub(super) fn due_for_reconciliation(
    state: &State,
    now: Instant,
    tolerance: Duration,
    calling: bool,
) -> Vec<String> {
    let Some(every) = state.reconcile_every else {
        return Vec::new();
    };
    let due_by = |at: Instant| {
        move |id: &&String| {
            state
                .last_polled
                .get(*id)
                .is_none_or(|polled| at.saturating_duration_since(*polled) >= every)
        }
    };
    if !calling && !state.refs.keys().any(|id| due_by(now)(&id)) {
        return Vec::new();
    }
    let soon = now + tolerance.min(every / 2);
    let mut ids: Vec<String> = state.refs.keys().filter(due_by(soon)).cloned().collect();
    ids.sort();
    ids
}

/// When the next job falls due for reconciliation.
pub(super) fn next_reconciliation(state: &State) -> Option<Instant> {
    let every = state.reconcile_every?;
    state
        .refs
        .keys()
        .map(|id| {
            state
                .last_polled
                .get(id)
                .map_or_else(Instant::now, |at| *at + every)
        })
        .min()
}

#[cfg(test)]
mod tests {
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

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

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::JobDetail;
use serde_json::{Value, json};
use tokio::time::Instant;
use waiters_model::Document;

use super::{Answer, Form, JobPoller, State};
use crate::job_event::{EventOutcome, JobStateEvent, progress};
use crate::response::DescribeJobsResponse;
use crate::response::is_job;

/// What is known of one waited job.
#[derive(Clone, Debug)]
struct KnownJob {
    typed: JobDetail,
    raw: Value,
}

/// The poller's state while events feed it: what is known of each waited job, and when
/// each was last polled. It exists only then (`State::events`), so turning events off
/// forgets all of it at once.
pub(super) struct EventMode {
    reconcile_every: Duration,
    known: HashMap<String, KnownJob>,
    /// When a DescribeJobs call last went out for each waited id.
    last_polled: HashMap<String, Instant>,
}

impl JobPoller {
    /// Makes events feed this poller: due calls are answered from the known job states,
    /// every waited job is still polled once per `reconcile_every`, and each event wakes
    /// the waits on its job at once. An
    /// `events::EventSource` (feature `events`) turns this on; `None` turns it off
    /// (polling as usual, as when the queue went away).
    pub fn set_events(&self, reconcile_every: Option<Duration>) {
        let mut state = self.lock();
        match (reconcile_every, &mut state.events) {
            (Some(every), Some(events)) => events.reconcile_every = every,
            (Some(every), None) => {
                state.events = Some(EventMode {
                    reconcile_every: every,
                    known: HashMap::new(),
                    last_polled: HashMap::new(),
                });
            }
            (None, _) => state.events = None,
        }
    }

    /// Whether events feed this poller now, and the reconciliation interval.
    pub fn events(&self) -> Option<Duration> {
        self.lock()
            .events
            .as_ref()
            .map(|events| events.reconcile_every)
    }

    /// Applies one job state event (see [`set_events`](Self::set_events)).
    pub async fn job_event(&self, event: &JobStateEvent) -> EventOutcome {
        let keys: Vec<String> = ["jobId", "jobArn"]
            .iter()
            .filter_map(|k| event.detail.get(*k).and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        if !self.waits_on_any(&keys) {
            return EventOutcome::NotWaited;
        }
        let Some(typed) = self.shared.decoder.job(&event.detail).await else {
            return EventOutcome::Undecodable;
        };
        let mut guard = self.lock();
        let state = &mut *guard;
        // Events may have been turned off while the detail was decoded.
        let Some(events) = &mut state.events else {
            return EventOutcome::NotWaited;
        };
        let ahead = progress(&event.detail);
        let mut applied = false;
        for key in keys.iter().filter(|k| state.refs.contains_key(*k)) {
            let behind = events
                .known
                .get(key)
                .is_some_and(|known| progress(&known.raw) >= ahead);
            if behind {
                continue;
            }
            let job = KnownJob {
                typed: typed.clone(),
                raw: event.detail.clone(),
            };
            events.known.insert(key.clone(), job);
            applied = true;
        }
        if !applied {
            return EventOutcome::Stale;
        }
        let woken = wake_waits_on(state, &keys);
        state.stats.events += 1;
        EventOutcome::Applied { woken }
    }

    /// Whether events feed the poller and a wait is on one of `keys`.
    fn waits_on_any(&self, keys: &[String]) -> bool {
        let state = self.lock();
        state.events.is_some() && keys.iter().any(|k| state.refs.contains_key(k))
    }
}

/// Answers at once every wait on one of `keys` that is not asking and has no answer yet,
/// when all of its jobs are known.
pub(super) fn wake_waits_on(state: &mut State, keys: &[String]) -> usize {
    let State {
        waits,
        events: Some(events),
        ..
    } = state
    else {
        return 0;
    };
    let mut woken = 0;
    for entry in waits.values_mut() {
        if !entry.awaits_news() || !entry.ids.iter().any(|id| keys.contains(id)) {
            continue;
        }
        if let Some(answer) = events.answer(&entry.ids, entry.form) {
            entry.answer(answer);
            woken += 1;
        }
    }
    woken
}

/// With events feeding the poller, answers the waits that asked and whose jobs are all
/// known, from what is known; returns how many.
pub(super) fn answer_from_known(state: &mut State) -> u64 {
    let State {
        waits,
        events: Some(events),
        ..
    } = state
    else {
        return 0;
    };
    let mut answered = 0;
    for entry in waits.values_mut().filter(|entry| entry.is_asking()) {
        if let Some(answer) = events.answer(&entry.ids, entry.form) {
            entry.answer(answer);
            answered += 1;
        }
    }
    answered
}

/// Counts `ids` as polled at `now` (when a call for them starts, whatever it returns, so
/// that a failing call does not make reconciliation spin).
pub(super) fn mark_polled(state: &mut State, ids: &[String], now: Instant) {
    let State {
        refs,
        events: Some(events),
        ..
    } = state
    else {
        return;
    };
    for id in ids.iter().filter(|id| refs.contains_key(*id)) {
        events.last_polled.insert(id.clone(), now);
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
    let State {
        refs,
        events: Some(events),
        ..
    } = state
    else {
        return Vec::new();
    };
    let raw = answer.body.get("jobs").and_then(Value::as_array);
    let mut moved = Vec::new();
    for (index, typed) in answer.output.jobs().iter().enumerate() {
        let Some(raw) = raw.and_then(|r| r.get(index)) else {
            continue;
        };
        for id in ids
            .iter()
            .filter(|id| refs.contains_key(*id) && is_job(typed, id))
        {
            let ahead = events
                .known
                .get(id)
                .is_none_or(|known| progress(raw) > progress(&known.raw));
            if ahead {
                let job = KnownJob {
                    typed: typed.clone(),
                    raw: raw.clone(),
                };
                events.known.insert(id.clone(), job);
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
    let Some(events) = &state.events else {
        return Vec::new();
    };
    let every = events.reconcile_every;
    let due_by = |at: Instant| {
        move |id: &&String| {
            events
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

/// When the next job falls due for reconciliation (`None` without events).
pub(super) fn next_reconciliation(state: &State) -> Option<Instant> {
    let events = state.events.as_ref()?;
    state
        .refs
        .keys()
        .map(|id| {
            events
                .last_polled
                .get(id)
                .map_or_else(Instant::now, |at| *at + events.reconcile_every)
        })
        .min()
}

impl EventMode {
    /// Forgets a job no wait is on any more.
    pub(super) fn forget(&mut self, id: &str) {
        self.known.remove(id);
        self.last_polled.remove(id);
    }

    /// A DescribeJobs answer for `ids` from the known states, when every job is known.
    fn answer(&self, ids: &[String], form: Form) -> Option<Answer> {
        let mut jobs = Vec::new();
        let mut raw = Vec::new();
        let mut seen = HashSet::new();
        for id in ids {
            let job = self.known.get(id)?;
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
}

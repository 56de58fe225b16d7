//! Rounds: gather the waits whose call is due (and those due soon enough to come early),
//! call DescribeJobs for their ids in calls of at most 100, and hand each wait its answer.
//! One task runs rounds while any wait asks; it ends when none does.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

use super::known::{
    answer_from_known, due_for_reconciliation, mark_polled, next_reconciliation, record_poll,
    wake_waits_on,
};
use super::share::{replicate, share_out};
use super::{Answer, Form, MAX_IDS_PER_CALL, Shared, State};
use crate::error::OperationError;
use crate::operation::DescribeJobsSdkError;
use crate::response::{DescribeJobsResponse, Keep, describe_jobs_keeping};

/// Starts the round task unless one is running, else wakes it (called with the state
/// locked).
pub(super) fn ensure_running(shared: &Arc<Shared>, state: &mut State) {
    if state.round.is_none() {
        let task = tokio::spawn(run(shared.clone()));
        state.round = Some(task.abort_handle());
    } else {
        shared.wake_round.notify_one();
    }
}

/// One DescribeJobs call planned: the ids, and the waits it answers.
struct Batch {
    ids: Vec<String>,
    waits: Vec<Waiting>,
}

/// A wait a call answers.
#[derive(Clone)]
struct Waiting {
    key: u64,
    ids: Arc<[String]>,
    form: Form,
}

impl Batch {
    fn new() -> Self {
        Self {
            ids: Vec::new(),
            waits: Vec::new(),
        }
    }

    /// Adds a wait if its ids fit (every wait fits an empty batch); duplicate ids are
    /// asked once.
    fn try_add(&mut self, wait: &Waiting, known: &mut HashSet<String>) -> bool {
        let new: Vec<&String> = {
            let mut seen = HashSet::new();
            wait.ids
                .iter()
                .filter(|id| !known.contains(*id) && seen.insert(*id))
                .collect()
        };
        if !self.ids.is_empty() && self.ids.len() + new.len() > MAX_IDS_PER_CALL {
            return false;
        }
        for id in new {
            known.insert(id.clone());
            self.ids.push(id.clone());
        }
        self.waits.push(wait.clone());
        true
    }
}

async fn run(shared: Arc<Shared>) {
    loop {
        // Waits woken at the same instant ask now too.
        tokio::task::yield_now().await;
        let (batches, idle_until) = {
            let mut state = shared.lock();
            let now = Instant::now();
            let answered = answer_from_known(&mut state);
            state.stats.answered_without_a_call += answered;
            state.stats.served += answered;
            let mut batches = plan(&mut state, now);
            add_reconciliation(&state, now, shared.tolerance, &mut batches);
            if batches.is_empty() {
                match next_reconciliation(&state) {
                    // Events feed the poller: idle until a job falls due or a wait asks.
                    Some(at) if !state.waits.is_empty() => (batches, Some(at)),
                    _ => {
                        state.round = None;
                        return;
                    }
                }
            } else {
                (batches, None)
            }
        };
        if let Some(at) = idle_until {
            let _ = tokio::time::timeout_at(at, shared.wake_round.notified()).await;
            continue;
        }
        let span = tracing::debug_span!(
            "describe_jobs_round",
            waits = batches.iter().map(|b| b.waits.len()).sum::<usize>(),
            ids = batches.iter().map(|b| b.ids.len()).sum::<usize>(),
            calls = batches.len(),
        );
        execute(&shared, batches).instrument(span).await;
    }
}

/// With events feeding the poller, adds the waited ids not polled within the
/// reconciliation interval (to the round's calls where they fit, else calls of their own).
fn add_reconciliation(
    state: &State,
    now: Instant,
    tolerance: std::time::Duration,
    batches: &mut Vec<Batch>,
) {
    let asked: HashSet<&String> = batches.iter().flat_map(|b| b.ids.iter()).collect();
    let due: Vec<String> = due_for_reconciliation(state, now, tolerance, !batches.is_empty())
        .into_iter()
        .filter(|id| !asked.contains(id))
        .collect();
    let mut due = due.into_iter().peekable();
    for batch in batches.iter_mut() {
        while batch.ids.len() < MAX_IDS_PER_CALL {
            match due.next() {
                Some(id) => batch.ids.push(id),
                None => return,
            }
        }
    }
    while due.peek().is_some() {
        batches.push(Batch {
            ids: due.by_ref().take(MAX_IDS_PER_CALL).collect(),
            waits: Vec::new(),
        });
    }
}

/// The calls of the next round: every wait that asked, then the waits due within their
/// window that fit into those calls (or are due already).
fn plan(state: &mut State, now: Instant) -> Vec<Batch> {
    let mut asked: Vec<Waiting> = Vec::new();
    let mut early: Vec<(Instant, Waiting)> = Vec::new();
    for (key, entry) in &state.waits {
        let waiting = || Waiting {
            key: *key,
            ids: entry.ids.clone(),
            form: entry.form,
        };
        if entry.is_asking() {
            asked.push(waiting());
        } else if let Some(at) = entry.due_by(now) {
            early.push((at, waiting()));
        }
    }
    if asked.is_empty() {
        return Vec::new();
    }
    asked.sort_by_key(|wait| wait.key);
    early.sort_by_key(|(at, wait)| (*at, wait.key));
    let mut batches: Vec<Batch> = Vec::new();
    let mut known: Vec<HashSet<String>> = Vec::new();
    let mut place = |wait: &Waiting, may_open: bool| {
        for (batch, known) in batches.iter_mut().zip(known.iter_mut()) {
            if batch.try_add(wait, known) {
                return;
            }
        }
        if may_open {
            let mut batch = Batch::new();
            let mut batch_known = HashSet::new();
            batch.try_add(wait, &mut batch_known);
            batches.push(batch);
            known.push(batch_known);
        }
    };
    for wait in &asked {
        place(wait, true);
    }
    for (at, wait) in &early {
        place(wait, *at <= now);
    }
    state.stats.rounds += 1;
    batches
}

/// Makes the round's calls at once (each paced by the rate limit) and hands out the
/// answers as they come.
async fn execute(shared: &Arc<Shared>, batches: Vec<Batch>) {
    let mut calls = JoinSet::new();
    for batch in batches {
        calls.spawn(call(shared.clone(), batch));
    }
    while let Some(done) = calls.join_next().await {
        let Ok(answers) = done else {
            continue;
        };
        hand_out(shared, answers);
    }
}

/// Gives each wait its answer (see [`Entry::answer`](super::entry::Entry::answer)).
fn hand_out(shared: &Shared, answers: Answers) {
    let mut state = shared.lock();
    for (key, answer) in answers {
        let Some(entry) = state.waits.get_mut(&key) else {
            // The wait was dropped meanwhile.
            continue;
        };
        entry.answer(answer);
        state.stats.served += 1;
    }
}

type Answers = Vec<(u64, Answer)>;

/// One call for a batch; a call for several waits that fails with an error that is not
/// transient is split in halves until the wait it belongs to is found.
fn call(shared: Arc<Shared>, batch: Batch) -> Pin<Box<dyn Future<Output = Answers> + Send>> {
    Box::pin(async move {
        let (start, events_on) = {
            let mut state = shared.lock();
            mark_polled(&mut state, &batch.ids, Instant::now());
            state.stats.calls += 1;
            state.stats.ids += batch.ids.len() as u64;
            state.stats.max_ids_in_a_call =
                state.stats.max_ids_in_a_call.max(batch.ids.len() as u64);
            let start = state.limiter.reserve(Instant::now());
            (start, state.events.is_some())
        };
        tokio::time::sleep_until(start).await;
        tracing::trace!(
            ids = batch.ids.len(),
            waits = batch.waits.len(),
            "DescribeJobs"
        );
        // The merged body is read only when some wait of the call, or the known job
        // states (events), need the raw JSON.
        let keep = if events_on || batch.waits.iter().any(|wait| wait.form == Form::Raw) {
            Keep::Body
        } else {
            Keep::Output
        };
        match describe_jobs_keeping(&shared.client, batch.ids.clone(), keep).await {
            Ok(merged) => answered(&shared, &batch, merged),
            Err(error) if error.class().is_transient() || batch.waits.len() == 1 => {
                failed(&shared, &batch, error)
            }
            Err(error) => {
                count_throttling(&shared, &error);
                split_and_retry(shared, batch).await
            }
        }
    })
}

/// A call answered: what it tells the known job states (events), and each wait's part.
fn answered(shared: &Shared, batch: &Batch, merged: DescribeJobsResponse) -> Answers {
    {
        let mut guard = shared.lock();
        let state = &mut *guard;
        state.limiter.succeeded();
        let moved = record_poll(state, &batch.ids, &merged);
        if !moved.is_empty() {
            // A poll found what an event should have told: wake those waits.
            wake_waits_on(state, &moved);
        }
    }
    let waits: Vec<(&[String], Form)> = batch
        .waits
        .iter()
        .map(|wait| (&wait.ids[..], wait.form))
        .collect();
    let parts = share_out(merged, &waits);
    batch
        .waits
        .iter()
        .zip(parts)
        .map(|(wait, part)| (wait.key, Ok(part)))
        .collect()
}

/// A call failed with an error every wait of it gets, as it would alone (a transient
/// error, or any error of a call for one wait).
fn failed(shared: &Shared, batch: &Batch, error: DescribeJobsSdkError) -> Answers {
    count_throttling(shared, &error);
    let mut answers: Answers = batch
        .waits
        .iter()
        .skip(1)
        .map(|wait| (wait.key, Err(Box::new(replicate(&error)))))
        .collect();
    if let Some(first) = batch.waits.first() {
        answers.insert(0, (first.key, Err(Box::new(error))));
    }
    answers
}

/// Throttling slows the whole poller down.
fn count_throttling(shared: &Shared, error: &DescribeJobsSdkError) {
    if error.class().is_throttling() {
        let mut state = shared.lock();
        state.stats.throttled += 1;
        state.limiter.throttled();
    }
}

/// A call for several waits failed with an error that is not transient: one of its ids
/// may be the cause, so each half of the waits is asked again on its own.
async fn split_and_retry(shared: Arc<Shared>, batch: Batch) -> Answers {
    shared.lock().stats.splits += 1;
    let mut halves = split(batch);
    let second = halves.pop();
    let mut answers = match halves.pop() {
        Some(first) => call(shared.clone(), first).await,
        None => Vec::new(),
    };
    if let Some(second) = second {
        answers.extend(call(shared, second).await);
    }
    answers
}

/// The waits of a batch in two halves, each with the ids it needs.
fn split(batch: Batch) -> Vec<Batch> {
    let middle = batch.waits.len() / 2;
    let mut waits = batch.waits;
    let second = waits.split_off(middle);
    [waits, second]
        .into_iter()
        .map(|waits| {
            let mut seen = HashSet::new();
            let ids = waits
                .iter()
                .flat_map(|wait| wait.ids.iter())
                .filter(|id| seen.insert(id.as_str()))
                .cloned()
                .collect();
            Batch { ids, waits }
        })
        .collect()
}

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

use super::events::{
    due_for_reconciliation, known_answer, mark_polled, next_reconciliation, record_poll,
    wake_waits_on,
};
use super::rate::RateLimiter;
use super::share::{is_throttling, replicate, share_out};
use super::{Answer, Form, MAX_IDS_PER_CALL, Shared, State};
use crate::error::OperationError;
use crate::response::{Keep, describe_jobs_keeping};

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

/// A wait a call answers: its key, its ids and the form of its answer.
type Waiting = (u64, Arc<[String]>, Form);

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
        let (_, ids, _) = wait;
        let new: Vec<&String> = {
            let mut seen = HashSet::new();
            ids.iter()
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
            answer_from_known(&mut state);
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

/// With events feeding the poller, answers the waits that asked and whose jobs are all
/// known, from what is known.
fn answer_from_known(state: &mut State) {
    if state.reconcile_every.is_none() {
        return;
    }
    let State {
        waits,
        known,
        stats,
        ..
    } = state;
    for entry in waits.values_mut() {
        if entry.request.is_none() {
            continue;
        }
        if let Some(answer) = known_answer(known, &entry.ids, entry.form)
            && let Some(request) = entry.request.take()
        {
            let _ = request.send(answer);
            stats.answered_without_a_call += 1;
            stats.served += 1;
        }
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
        let waiting = || (*key, entry.ids.clone(), entry.form);
        if entry.request.is_some() {
            asked.push(waiting());
        } else if entry.early.is_none()
            && let Some((at, window)) = entry.due
            && at <= now + window
        {
            early.push((at, waiting()));
        }
    }
    if asked.is_empty() {
        return Vec::new();
    }
    asked.sort_by_key(|(key, _, _)| *key);
    early.sort_by_key(|(at, (key, _, _))| (*at, *key));
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

/// Gives each wait its answer: to its call if it asked, else kept as an early answer
/// that ends its sleep.
fn hand_out(shared: &Shared, answers: Answers) {
    let mut state = shared.lock();
    for (key, answer) in answers {
        let Some(entry) = state.waits.get_mut(&key) else {
            // The wait was dropped meanwhile.
            continue;
        };
        match entry.request.take() {
            Some(request) => {
                let _ = request.send(answer);
            }
            None => {
                entry.early = Some(Box::new(answer));
                entry.due = None;
                if let Some(wake) = entry.wake.take() {
                    let _ = wake.send(());
                }
            }
        }
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
            let start = state
                .limiter
                .get_or_insert_with(|| RateLimiter::new(None))
                .reserve(Instant::now());
            (start, state.reconcile_every.is_some())
        };
        tokio::time::sleep_until(start).await;
        tracing::trace!(
            ids = batch.ids.len(),
            waits = batch.waits.len(),
            "DescribeJobs"
        );
        // The merged body is read only when some wait of the call, or the known job
        // states (events), need the raw JSON.
        let keep = if events_on || batch.waits.iter().any(|(_, _, form)| *form == Form::Raw) {
            Keep::Body
        } else {
            Keep::Output
        };
        match describe_jobs_keeping(&shared.client, batch.ids.clone(), keep).await {
            Ok(merged) => {
                {
                    let mut state = shared.lock();
                    if let Some(limiter) = state.limiter.as_mut() {
                        limiter.succeeded();
                    }
                    let moved = record_poll(&mut state, &batch.ids, &merged);
                    if !moved.is_empty() {
                        // A poll found what an event should have told: wake those waits.
                        wake_waits_on(&mut state, &moved);
                    }
                }
                let waits: Vec<(&[String], Form)> = batch
                    .waits
                    .iter()
                    .map(|(_, ids, form)| (&ids[..], *form))
                    .collect();
                let parts = share_out(merged, &waits);
                batch
                    .waits
                    .iter()
                    .zip(parts)
                    .map(|((key, _, _), part)| (*key, Ok(part)))
                    .collect()
            }
            Err(error) => {
                if is_throttling(&error) {
                    let mut state = shared.lock();
                    state.stats.throttled += 1;
                    if let Some(limiter) = state.limiter.as_mut() {
                        limiter.throttled();
                    }
                }
                if error.class().is_transient() || batch.waits.len() == 1 {
                    // Every wait of the call gets the error, as it would alone.
                    let mut answers: Answers = batch
                        .waits
                        .iter()
                        .skip(1)
                        .map(|(key, _, _)| (*key, Err(Box::new(replicate(&error)))))
                        .collect();
                    if let Some((key, _, _)) = batch.waits.first() {
                        answers.insert(0, (*key, Err(Box::new(error))));
                    }
                    answers
                } else {
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
            }
        }
    })
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
                .flat_map(|(_, ids, _)| ids.iter())
                .filter(|id| seen.insert(id.as_str()))
                .cloned()
                .collect();
            Batch { ids, waits }
        })
        .collect()
}

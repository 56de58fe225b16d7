//! Terminating the jobs a wait leaves unfinished, as Airflow's `BatchOperator.on_kill`
//! does when its task is killed: one `TerminateJob` call per job, with a reason that
//! Batch records as the job's `statusReason`.
//!
//! [`Termination`] keeps each job's state as the calls go, so a caller that stops early
//! (a second Ctrl-C) can still tell which jobs were terminated and which may still run;
//! [`terminate_jobs`] is the one-call form.
//!
//! ```no_run
//! # async fn example(client: &waiters_runtime::aws_sdk_batch::Client) {
//! use waiters_runtime::terminate::{TerminationState, terminate_jobs};
//!
//! let unfinished = ["job-1", "job-2"];
//! let results = terminate_jobs(client, unfinished, "terminated by waiters on SIGINT").await;
//! for (job_id, state) in results {
//!     match state {
//!         TerminationState::Terminated => println!("terminated {job_id}"),
//!         TerminationState::Failed(error) => eprintln!("{error}"),
//!         _ => {}
//!     }
//! }
//! # }
//! ```
//!
//! The caller needs the IAM permission `batch:TerminateJob` on the jobs.

use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_batch::Client;
use tokio::task::JoinSet;

use crate::error::OperationError;

/// At most this many `TerminateJob` calls are in flight at once.
pub const TERMINATE_CONCURRENCY: usize = 10;

/// Where one job's termination is.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TerminationState {
    /// No `TerminateJob` call has been made yet.
    NotAsked,
    /// The call was sent and has not been answered: Batch may or may not have it.
    InFlight,
    /// Batch accepted the call: the job ends `FAILED` with the reason as its status
    /// reason (at once if it had not started, once its container stops if it had).
    Terminated,
    /// The call failed.
    Failed(TerminateJobError),
}

impl TerminationState {
    /// Whether the job may still run: not terminated, for whatever reason.
    pub fn may_still_run(&self) -> bool {
        !matches!(self, Self::Terminated)
    }
}

/// A `TerminateJob` call that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("TerminateJob for Batch job {job_id} failed: {message}")]
pub struct TerminateJobError {
    job_id: String,
    message: String,
}

impl TerminateJobError {
    /// The job the call was for.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// What went wrong, in one line (the service's code and message, or the transport
    /// error).
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The termination of a set of jobs, one `TerminateJob` call each, at most
/// [`TERMINATE_CONCURRENCY`] at a time.
///
/// [`run`](Self::run) may be dropped part way (its calls are then abandoned); the
/// [`states`](Self::states) say where each job got to.
#[derive(Debug)]
pub struct Termination {
    client: Client,
    reason: String,
    states: Arc<Mutex<Vec<(String, TerminationState)>>>,
}

impl Termination {
    /// The termination of `job_ids` (each once, in the order given) with `reason`.
    pub fn new<I, S>(client: &Client, job_ids: I, reason: impl Into<String>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut states: Vec<(String, TerminationState)> = Vec::new();
        for id in job_ids {
            let id = id.into();
            if !states.iter().any(|(seen, _)| *seen == id) {
                states.push((id, TerminationState::NotAsked));
            }
        }
        Self {
            client: client.clone(),
            reason: reason.into(),
            states: Arc::new(Mutex::new(states)),
        }
    }

    /// The reason sent with every call.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Makes one `TerminateJob` call for each job not yet asked, and records each answer.
    pub async fn run(&self) {
        let pending: Vec<usize> = self
            .lock()
            .iter()
            .enumerate()
            .filter(|(_, (_, state))| *state == TerminationState::NotAsked)
            .map(|(index, _)| index)
            .collect();
        // Dropping the set (when `run` is dropped) aborts the calls in flight.
        let mut calls = JoinSet::new();
        for index in pending {
            if calls.len() >= TERMINATE_CONCURRENCY {
                calls.join_next().await;
            }
            calls.spawn(self.call(index));
        }
        while calls.join_next().await.is_some() {}
    }

    /// One job's call, recording its state before and after.
    fn call(&self, index: usize) -> impl Future<Output = ()> + Send + 'static {
        let states = Arc::clone(&self.states);
        let client = self.client.clone();
        let reason = self.reason.clone();
        let job_id = {
            let mut states = self.lock();
            states[index].1 = TerminationState::InFlight;
            states[index].0.clone()
        };
        async move {
            tracing::debug!(%job_id, %reason, "TerminateJob");
            let result = client
                .terminate_job()
                .job_id(&job_id)
                .reason(&reason)
                .send()
                .await;
            let state = match result {
                Ok(_) => TerminationState::Terminated,
                Err(error) => TerminationState::Failed(TerminateJobError {
                    message: error.describe(),
                    job_id,
                }),
            };
            states.lock().unwrap_or_else(PoisonError::into_inner)[index].1 = state;
        }
    }

    /// Each job and where its termination is, in the order given.
    pub fn states(&self) -> Vec<(String, TerminationState)> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(String, TerminationState)>> {
        self.states.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Terminates `job_ids` (one `TerminateJob` call each, with `reason`) and returns each
/// job's final state: [`TerminationState::Terminated`] or [`TerminationState::Failed`].
pub async fn terminate_jobs<I, S>(
    client: &Client,
    job_ids: I,
    reason: &str,
) -> Vec<(String, TerminationState)>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let termination = Termination::new(client, job_ids, reason);
    termination.run().await;
    termination.states()
}

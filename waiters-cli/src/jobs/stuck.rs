//! `--stuck-after` and `--fail-if-stuck`: a job RUNNABLE for that long is diagnosed once
//! (why is it not starting?), and with `--fail-if-stuck` its wait ends when the diagnosis
//! says it will not start until something changes.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use tokio::time::Instant;
use waiters_runtime::aws_sdk_batch::Client;
use waiters_runtime::diagnose::{Diagnosis, diagnose};

use super::board::JobBoard;
use crate::diagnose_command::warning_line;
use crate::progress::Progress;

/// The checks of one `wait-for-job`.
#[derive(Debug)]
pub(super) struct StuckWatch {
    pub(super) client: Client,
    /// How long a job may be RUNNABLE before it is diagnosed.
    pub(super) after: Duration,
    /// End the wait of a job that will not start without a change.
    pub(super) fail: bool,
}

/// What the watch of one job found: its diagnosis, once made.
#[derive(Debug, Default)]
pub(super) struct StuckJob {
    runnable_since: Cell<Option<Instant>>,
    pub(super) diagnosis: RefCell<Option<Diagnosis>>,
}

impl StuckWatch {
    /// How often the job's last seen status is looked at: often enough for short
    /// `--stuck-after`s, rarely enough for many jobs.
    fn tick(&self) -> Duration {
        (self.after / 10).clamp(Duration::from_millis(100), Duration::from_secs(5))
    }

    /// Watches job `id` while its wait runs: diagnoses it once it has been RUNNABLE for
    /// [`after`](Self::after) (a warning on stderr in text output). Returns the
    /// diagnosis when the wait should end (`--fail-if-stuck` and the job will not start
    /// without a change); else it never returns.
    pub(super) async fn watch(
        &self,
        id: &str,
        board: &JobBoard,
        progress: &Progress,
        job: &StuckJob,
    ) -> Diagnosis {
        loop {
            tokio::time::sleep(self.tick()).await;
            let runnable = board.seen(id).status.as_deref() == Some("RUNNABLE");
            let now = Instant::now();
            let since = match (runnable, job.runnable_since.get()) {
                (false, _) => {
                    job.runnable_since.set(None);
                    continue;
                }
                (true, Some(since)) => since,
                (true, None) => {
                    job.runnable_since.set(Some(now));
                    now
                }
            };
            if now.duration_since(since) >= self.after {
                break;
            }
        }
        self.diagnose_once(id, progress, job, Some(self.after))
            .await
    }

    /// Diagnoses job `id` and reports it; returns only when its wait should end.
    pub(super) async fn diagnose_once(
        &self,
        id: &str,
        progress: &Progress,
        job: &StuckJob,
        after: Option<Duration>,
    ) -> Diagnosis {
        match diagnose(&self.client, id).await {
            Ok(diagnosis) => {
                progress.line(&warning_line(&diagnosis, after));
                let end = self.fail && diagnosis.stuck_for_good();
                *job.diagnosis.borrow_mut() = Some(diagnosis.clone());
                if end {
                    return diagnosis;
                }
            }
            Err(error) => progress.line(&format!("waiters: warning: {error}")),
        }
        std::future::pending().await
    }
}

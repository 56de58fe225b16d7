//! `wait-for-job --terminate-on-interrupt`: after SIGINT or SIGTERM, one `TerminateJob`
//! call for every job whose wait had not finished, as Airflow's `BatchOperator.on_kill`
//! does. A second signal stops the calls at once; the report then says which jobs may
//! still run.

use serde_json::{Value, json};
use waiters_runtime::aws_sdk_batch::Client;
use waiters_runtime::terminate::{Termination, TerminationState};

use crate::progress::Progress;
use crate::report::JobReport;
use crate::signals::{Ended, Signal, Signals};

/// The terminations after a signal, and the signal that stopped them, if one did.
#[derive(Debug)]
pub(super) struct Terminations {
    termination: Termination,
    stopped_by: Option<Signal>,
}

/// Terminates `unfinished` (the jobs `signal` interrupted), unless another signal comes
/// first.
pub(super) async fn terminate_unfinished(
    client: &Client,
    unfinished: Vec<String>,
    signal: Signal,
    signals: &mut Signals,
    progress: &Progress,
) -> Terminations {
    let termination = Termination::new(
        client,
        unfinished,
        format!("terminated by waiters on {}", signal.name()),
    );
    let count = termination.states().len();
    if count > 0 {
        progress.line(&format!(
            "waiters: {}: terminating {count} unfinished job{} (TerminateJob); a second Ctrl-C stops at once",
            signal.name(),
            if count == 1 { "" } else { "s" }
        ));
    }
    let stopped_by = match signals.run(termination.run()).await {
        Ended::Finished(()) => None,
        Ended::Signalled(second) => Some(second),
    };
    let terminations = Terminations {
        termination,
        stopped_by,
    };
    if let Some(second) = stopped_by {
        let may_still_run = terminations.ids(TerminationState::may_still_run).join(", ");
        progress.line(&format!(
            "waiters: terminating stopped by {}; these jobs may still run: {may_still_run}",
            second.name()
        ));
    }
    terminations
}

impl Terminations {
    /// The jobs whose state passes `filter`.
    fn ids(&self, filter: impl Fn(&TerminationState) -> bool) -> Vec<String> {
        self.termination
            .states()
            .into_iter()
            .filter(|(_, state)| filter(state))
            .map(|(id, _)| id)
            .collect()
    }

    /// Adds what became of each terminated job to its report's reason.
    pub(super) fn annotate(&self, reports: &mut [JobReport]) {
        let states = self.termination.states();
        for report in reports {
            let Some((_, state)) = states.iter().find(|(id, _)| id == report.job_id()) else {
                continue;
            };
            let note = match state {
                TerminationState::Terminated => {
                    format!("terminated (TerminateJob: {})", self.termination.reason())
                }
                TerminationState::Failed(error) => format!("not terminated: {error}"),
                _ => match self.stopped_by {
                    Some(second) => format!(
                        "may still run: terminating was stopped by {}",
                        second.name()
                    ),
                    None => "may still run: not terminated".to_owned(),
                },
            };
            report.add_to_reason(&note);
        }
    }

    /// `wait-for-job`'s JSON member `terminations`.
    pub(super) fn json(&self) -> Value {
        let failed: Vec<Value> = self
            .termination
            .states()
            .into_iter()
            .filter_map(|(id, state)| match state {
                TerminationState::Failed(error) => {
                    Some(json!({"job_id": id, "error": error.message()}))
                }
                _ => None,
            })
            .collect();
        json!({
            "reason": self.termination.reason(),
            "terminated": self.ids(|state| *state == TerminationState::Terminated),
            "failed": failed,
            "may_still_run": self.ids(TerminationState::may_still_run),
            "stopped_by": self.stopped_by.map(Signal::name),
        })
    }
}

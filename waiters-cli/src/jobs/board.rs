//! The jobs of one `wait-for-job`: what their waits have seen so far, and each one's report
//! once its wait ends (an interrupted job is reported from what was seen).

use std::cell::RefCell;
use std::collections::HashMap;

use crate::progress::BatchAttempt;
use crate::report::{JobReport, Seen};
use crate::signals::Signal;
use crate::summary::Summary;

/// Every job of one `wait-for-job`, in the order given: what its waits have seen so far,
/// and its report once they end. Interrupted jobs are reported from what was seen.
#[derive(Debug)]
pub(crate) struct JobBoard {
    jobs: Vec<JobEntry>,
    /// Where each id is in `jobs`.
    index: HashMap<String, usize>,
}

#[derive(Debug)]
struct JobEntry {
    id: String,
    seen: RefCell<Seen>,
    report: RefCell<Option<JobReport>>,
}

impl JobBoard {
    pub(crate) fn new(ids: &[String]) -> Self {
        Self {
            jobs: ids
                .iter()
                .map(|id| JobEntry {
                    id: id.clone(),
                    seen: RefCell::default(),
                    report: RefCell::default(),
                })
                .collect(),
            index: ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect(),
        }
    }

    /// The job ids, in order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = &str> {
        self.jobs.iter().map(|job| job.id.as_str())
    }

    fn entry(&self, id: &str) -> Option<&JobEntry> {
        self.index.get(id).map(|i| &self.jobs[*i])
    }

    /// Takes in one attempt of one of the job's waiters.
    pub(crate) fn attempt(&self, id: &str, attempt: &BatchAttempt<'_>) {
        if let Some(job) = self.entry(id) {
            job.seen
                .borrow_mut()
                .attempt(attempt.waiter, attempt.response, id);
        }
    }

    /// What the job's waits have seen so far.
    pub(crate) fn seen(&self, id: &str) -> Seen {
        self.entry(id)
            .map(|job| job.seen.borrow().clone())
            .unwrap_or_default()
    }

    /// Records the job's final report.
    pub(crate) fn finish(&self, id: &str, report: JobReport) {
        if let Some(job) = self.entry(id) {
            *job.report.borrow_mut() = Some(report);
        }
    }

    /// The jobs whose waits have not finished, in order.
    pub(crate) fn unfinished(&self) -> Vec<String> {
        self.jobs
            .iter()
            .filter(|job| job.report.borrow().is_none())
            .map(|job| job.id.clone())
            .collect()
    }

    /// The jobs per last seen status, how many are done, and the calls they made.
    pub(crate) fn summary(&self) -> Summary {
        let mut summary = Summary {
            jobs: self.jobs.len(),
            ..Summary::default()
        };
        for job in &self.jobs {
            let seen = job.seen.borrow();
            summary.count(seen.status.as_deref());
            summary.calls += u64::from(seen.attempts);
            if job.report.borrow().is_some() {
                summary.done += 1;
            }
        }
        summary
    }

    /// One report per job: the final one, or, for a job still being waited on when
    /// `signal` came, an interrupted one.
    pub(crate) fn reports(&self, signal: Option<Signal>) -> Vec<JobReport> {
        self.jobs
            .iter()
            .map(|job| match (job.report.borrow_mut().take(), signal) {
                (Some(report), _) => report,
                (None, Some(signal)) => {
                    JobReport::interrupted(&job.id, job.seen.borrow().clone(), signal)
                }
                // Every wait finishes its job; should one not, say so.
                (None, None) => JobReport::without_result(&job.id, job.seen.borrow().clone()),
            })
            .collect()
    }
}

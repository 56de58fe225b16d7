//! Results of `wait` and `wait-for-job`: outcomes, exit codes, and their text and JSON forms.

use serde_json::{Map, Value, json};
use waiters_runtime::aws_sdk_batch::types::JobDetail;
use waiters_runtime::batch::BatchResponse;
use waiters_runtime::error::{ErrorClass, FailureReason, OperationError};
use waiters_runtime::events::{EventSourceError, EventStats};
use waiters_runtime::job::exit_code;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::poller::PollerStats;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::{JobWaitError, WaitError, Waited};

use crate::array_report::FamilyReport;
use crate::cli::OutputFormat;
use crate::error::{Exit, stdout_line, stdout_text};
use crate::signals::{Ended, Signal};

/// How a wait ended, as scripts see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    MaxAttempts,
    Timeout,
    Error,
    /// Stuck in RUNNABLE until something changes (`--fail-if-stuck`).
    Stuck,
    /// Stopped by SIGINT or SIGTERM before the wait ended.
    Interrupted,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::MaxAttempts => "max_attempts",
            Self::Timeout => "timeout",
            Self::Error => "error",
            Self::Stuck => "stuck",
            Self::Interrupted => "interrupted",
        }
    }

    pub(crate) fn exit(self) -> Exit {
        match self {
            Self::Success => Exit::Success,
            Self::Failure => Exit::Failure,
            Self::MaxAttempts | Self::Timeout => Exit::Incomplete,
            Self::Error => Exit::Error,
            Self::Stuck => Exit::Stuck,
            // The signal decides between 130 and 143; see `Signal::exit`.
            Self::Interrupted => Exit::Interrupted,
        }
    }

    /// Ranks outcomes for the overall result of several jobs: a FAILED job is definite
    /// news and wins; a stuck job is news too (it will not finish without a change); an
    /// error means some result is unknown; running out of time is the mildest non-success.
    fn severity(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::MaxAttempts | Self::Timeout => 1,
            Self::Error => 2,
            Self::Stuck => 3,
            Self::Failure => 4,
            Self::Interrupted => 5,
        }
    }

    /// The outcome of a failed wait, by its reason.
    fn of_reason(reason: &FailureReason) -> Self {
        match reason {
            FailureReason::TerminalFailure { .. } => Self::Failure,
            FailureReason::MaxAttemptsExceeded { .. } => Self::MaxAttempts,
            FailureReason::MaxWaitExceeded { .. } => Self::Timeout,
            // Service and request errors, and any reason added later.
            _ => Self::Error,
        }
    }
}

/// A job's status in a response, if it is there.
pub(crate) fn job_status<'a>(response: &'a DescribeJobsResponse, id: &str) -> Option<&'a str> {
    response.job(id)?.status().map(|s| s.as_str())
}

/// `Code: message` for a service error, the client's description for anything else; on
/// one line.
pub(crate) fn error_summary<E: OperationError>(error: &E) -> String {
    match error.class().code_and_message() {
        Some((code, message)) => format!("{code}: {message}"),
        None => error.describe(),
    }
}

/// A failed wait's reason; when the endpoint could not be reached, it is named.
fn reason_text(reason: &FailureReason, text: String, endpoint: &str) -> String {
    match reason {
        FailureReason::Unreachable { .. } => format!("{text} (endpoint {endpoint})"),
        _ => text,
    }
}

/// An error response as JSON: `{"error": {"code", "message", "status"}}`, or
/// `{"error": {"message"}}` when no service answered.
fn error_json<E: OperationError>(error: &E) -> Value {
    match error.class() {
        ErrorClass::Service {
            code,
            message,
            status,
        } => json!({"error": {"code": code, "message": message, "status": status}}),
        _ => json!({"error": {"message": error.describe()}}),
    }
}

/// A response whose body the JSON report shows as the service sent it.
pub(crate) trait ResponseBody {
    fn body(&self) -> &Value;
}

impl ResponseBody for DescribeJobsResponse {
    fn body(&self) -> &Value {
        &self.body
    }
}

impl ResponseBody for BatchResponse {
    fn body(&self) -> &Value {
        &self.body
    }
}

pub(crate) fn response_json<R: ResponseBody, E: OperationError>(response: &Result<R, E>) -> Value {
    match response {
        Ok(response) => response.body().clone(),
        Err(error) => error_json(error),
    }
}

/// The result of `wait`.
#[derive(Debug)]
pub(crate) struct WaitReport {
    waiter: String,
    pub(crate) outcome: Outcome,
    attempts: u32,
    /// Why the wait did not succeed; `None` on success.
    reason: Option<String>,
    /// What the success acceptor matched, for the text line.
    matched: Option<String>,
    last_response: Value,
}

impl WaitReport {
    pub(crate) fn new<R: ResponseBody, E: OperationError>(
        waiter: &str,
        result: &Result<Waited<R, E>, WaitError<R, E>>,
        endpoint: &str,
    ) -> Self {
        match result {
            Ok(waited) => Self {
                waiter: waiter.to_owned(),
                outcome: Outcome::Success,
                attempts: waited.attempts(),
                reason: None,
                matched: Some(waited.acceptor().explanation.to_string()),
                last_response: response_json(waited.response()),
            },
            Err(error) => Self {
                waiter: waiter.to_owned(),
                outcome: Outcome::of_reason(error.reason()),
                attempts: error.attempts(),
                reason: Some(reason_text(error.reason(), error.to_string(), endpoint)),
                matched: None,
                last_response: error.last_response().map_or(Value::Null, response_json),
            },
        }
    }

    /// The report of a wait that finished or was stopped by a signal (having made
    /// `attempts` calls, the last answered by `last_response`), with its exit code.
    pub(crate) fn ended<R: ResponseBody, E: OperationError>(
        waiter: &str,
        ended: Ended<Result<Waited<R, E>, WaitError<R, E>>>,
        attempts: u32,
        last_response: Option<Value>,
        endpoint: &str,
    ) -> (Self, Exit) {
        match ended {
            Ended::Finished(result) => {
                let report = Self::new(waiter, &result, endpoint);
                let exit = report.outcome.exit();
                (report, exit)
            }
            Ended::Signalled(signal) => (
                Self::interrupted(waiter, attempts, last_response, signal),
                signal.exit(),
            ),
        }
    }

    /// A wait stopped by a signal: what it had seen so far.
    pub(crate) fn interrupted(
        waiter: &str,
        attempts: u32,
        last_response: Option<Value>,
        signal: Signal,
    ) -> Self {
        Self {
            waiter: waiter.to_owned(),
            outcome: Outcome::Interrupted,
            attempts,
            reason: Some(format!(
                "Waiter {waiter} interrupted by {} after {}",
                signal.name(),
                plural(attempts, "attempt")
            )),
            matched: None,
            last_response: last_response.unwrap_or(Value::Null),
        }
    }

    pub(crate) fn print(&self, format: OutputFormat) {
        match format {
            OutputFormat::Json => stdout_line(&self.to_json().to_string()),
            OutputFormat::Text => stdout_text(&self.text_line()),
        }
    }

    fn to_json(&self) -> Value {
        json!({
            "waiter": self.waiter,
            "outcome": self.outcome.as_str(),
            "attempts": self.attempts,
            "reason": self.reason,
            "last_response": self.last_response,
        })
    }

    fn text_line(&self) -> String {
        let attempts = plural(self.attempts, "attempt");
        match (&self.reason, &self.matched) {
            (Some(reason), _) if self.outcome == Outcome::Interrupted => {
                format!("interrupted: {reason}")
            }
            (Some(reason), _) => format!("{}: {reason} ({attempts})", self.outcome.as_str()),
            (None, Some(matched)) => format!(
                "success: Waiter {} succeeded after {attempts}: {matched}",
                self.waiter
            ),
            (None, None) => format!("success: Waiter {} succeeded after {attempts}", self.waiter),
        }
    }
}

fn plural(n: u32, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The result of one job of `wait-for-job`.
#[derive(Debug)]
pub(crate) struct JobReport {
    job_id: String,
    pub(crate) outcome: Outcome,
    status: Option<String>,
    status_reason: Option<String>,
    exit_code: Option<i32>,
    /// The waiter that ended the wait (JobExists, JobRunning or JobComplete).
    waiter: Option<String>,
    /// Calls made, over every phase.
    attempts: u32,
    reason: Option<String>,
    /// The job as it FAILED, for the tail of its log.
    pub(crate) failed_job: Option<JobDetail>,
    /// The last lines of the log of a job that FAILED (`--tail-on-failure`).
    pub(crate) log_tail: Option<Vec<String>>,
    /// An array parent's progress and failed children, or a multi-node job's nodes.
    pub(crate) family: FamilyReport,
    /// Why the job sat in RUNNABLE, when it was diagnosed (`--stuck-after`).
    pub(crate) diagnosis: Option<Value>,
}

/// What the waits of one job have seen so far, kept while they run so that an
/// interrupted job can still be reported.
#[derive(Clone, Debug, Default)]
pub(crate) struct Seen {
    /// The waiter of the last attempt.
    pub(crate) waiter: Option<String>,
    /// Calls made, over every phase.
    pub(crate) attempts: u32,
    pub(crate) status: Option<String>,
    pub(crate) status_reason: Option<String>,
    pub(crate) exit_code: Option<i32>,
}

impl Seen {
    /// Takes in one attempt of one of the job's waiters.
    pub(crate) fn attempt(
        &mut self,
        waiter: &str,
        response: &Result<DescribeJobsResponse, DescribeJobsSdkError>,
        job_id: &str,
    ) {
        self.attempts = self.attempts.saturating_add(1);
        self.waiter = Some(waiter.to_owned());
        if let Some(job) = response.as_ref().ok().and_then(|r| r.job(job_id)) {
            self.status = job.status().map(|s| s.as_str().to_owned());
            self.status_reason = job.status_reason().map(str::to_owned);
            self.exit_code = exit_code(job);
        }
    }
}

impl JobReport {
    pub(crate) fn new(
        job_id: &str,
        result: &Result<JobDetail, JobWaitError>,
        waiter: Option<String>,
        attempts: u32,
        endpoint: &str,
    ) -> Self {
        let mut report = Self {
            job_id: job_id.to_owned(),
            outcome: Outcome::Success,
            status: None,
            status_reason: None,
            exit_code: None,
            waiter,
            attempts,
            reason: None,
            family: FamilyReport::default(),
            diagnosis: None,
            failed_job: None,
            log_tail: None,
        };
        let error = match result {
            Ok(job) => {
                report.describe(job);
                return report;
            }
            Err(error) => error,
        };
        report.reason = Some(match error {
            JobWaitError::Wait { source, .. } => {
                reason_text(source.reason(), error.to_string(), endpoint)
            }
            _ => error.to_string(),
        });
        match error {
            JobWaitError::JobFailed { job, .. } => {
                report.describe(job);
                report.outcome = Outcome::Failure;
                report.status_reason = job.status_reason().map(str::to_owned);
                report.exit_code = waiters_runtime::job::exit_code(job);
                report.failed_job = Some((**job).clone());
            }
            // The waiters ended but the final check did not see SUCCEEDED: a failed wait.
            JobWaitError::NotComplete { job, .. } => {
                report.describe(job);
                report.outcome = Outcome::Failure;
            }
            JobWaitError::UnknownStatus { status, .. } => {
                report.status = Some(status.clone());
                report.outcome = Outcome::Failure;
            }
            JobWaitError::Wait { source, .. } => {
                if let Some(job) = source.last_output().and_then(|r| r.job(job_id)) {
                    report.describe(job);
                }
                report.waiter = Some(source.waiter().to_owned());
                report.outcome = Outcome::of_reason(source.reason());
            }
            // NotFound, MissingWaiter and anything added later: the job's result is unknown.
            _ => report.outcome = Outcome::Error,
        }
        report
    }

    /// A job whose wait was stopped by a signal: its last seen status, if any.
    pub(crate) fn interrupted(job_id: &str, seen: Seen, signal: Signal) -> Self {
        let attempts = plural(seen.attempts, "attempt");
        let reason = match &seen.status {
            Some(status) => format!(
                "waiting for Batch job {job_id} interrupted by {} after {attempts}; last seen {status}",
                signal.name()
            ),
            None => format!(
                "waiting for Batch job {job_id} interrupted by {} after {attempts}",
                signal.name()
            ),
        };
        Self {
            job_id: job_id.to_owned(),
            outcome: Outcome::Interrupted,
            status: seen.status,
            status_reason: seen.status_reason,
            exit_code: seen.exit_code,
            waiter: seen.waiter,
            attempts: seen.attempts,
            reason: Some(reason),
            family: FamilyReport::default(),
            diagnosis: None,
            failed_job: None,
            log_tail: None,
        }
    }

    /// A job whose wait `--fail-if-stuck` ended: it will not start until something
    /// changes, as `summary` says.
    pub(crate) fn stuck(job_id: &str, seen: Seen, summary: &str) -> Self {
        Self {
            job_id: job_id.to_owned(),
            outcome: Outcome::Stuck,
            reason: Some(format!("Batch job {job_id} will not start: {summary}")),
            status: seen.status,
            status_reason: seen.status_reason,
            exit_code: seen.exit_code,
            waiter: seen.waiter,
            attempts: seen.attempts,
            family: FamilyReport::default(),
            diagnosis: None,
            failed_job: None,
            log_tail: None,
        }
    }

    pub(crate) fn job_id(&self) -> &str {
        &self.job_id
    }

    /// Adds `note` to the reason (`REASON; NOTE`): what was done about an interrupted job.
    pub(crate) fn add_to_reason(&mut self, note: &str) {
        self.reason = Some(match self.reason.take() {
            Some(reason) => format!("{reason}; {note}"),
            None => note.to_owned(),
        });
    }

    /// A job whose wait ended without a result (a tracker that failed to report it).
    pub(crate) fn without_result(job_id: &str, seen: Seen) -> Self {
        Self {
            job_id: job_id.to_owned(),
            outcome: Outcome::Error,
            reason: Some(format!(
                "the wait for Batch job {job_id} ended without a result"
            )),
            status: seen.status,
            status_reason: seen.status_reason,
            exit_code: seen.exit_code,
            waiter: seen.waiter,
            attempts: seen.attempts,
            family: FamilyReport::default(),
            diagnosis: None,
            failed_job: None,
            log_tail: None,
        }
    }

    fn describe(&mut self, job: &JobDetail) {
        self.status = job.status().map(|s| s.as_str().to_owned());
        self.status_reason = job.status_reason().map(str::to_owned);
        self.exit_code = exit_code(job);
    }

    fn to_json(&self) -> Value {
        let mut job = json!({
            "job_id": self.job_id,
            "outcome": self.outcome.as_str(),
            "status": self.status,
            "status_reason": self.status_reason,
            "exit_code": self.exit_code,
            "waiter": self.waiter,
            "attempts": self.attempts,
            "reason": self.reason,
        });
        if let Value::Object(fields) = &mut job {
            self.family.add_json(fields);
            if let Some(diagnosis) = &self.diagnosis {
                fields.insert("diagnosis".to_owned(), diagnosis.clone());
            }
        }
        if let Some(tail) = &self.log_tail {
            job["log_tail"] = json!(tail);
        }
        job
    }

    fn text_line(&self) -> String {
        let outcome = self.outcome.as_str();
        if let Some(reason) = &self.reason {
            return format!("{outcome}: {reason}");
        }
        let mut line = format!(
            "{outcome}: Batch job {} {}",
            self.job_id,
            self.status.as_deref().unwrap_or("(no status)")
        );
        if let Some(code) = self.exit_code {
            line.push_str(&format!(" (exit code {code})"));
        }
        line
    }
}

/// The overall outcome of several jobs (see [`Outcome::severity`]).
pub(crate) fn overall(reports: &[JobReport]) -> Outcome {
    reports
        .iter()
        .map(|r| r.outcome)
        .max_by_key(|o| o.severity())
        .unwrap_or(Outcome::Success)
}

/// Prints the result of `wait-for-job`: one line per job, or one JSON object (with the
/// members of `extra` after `outcome` and `jobs`).
pub(crate) fn print_jobs(reports: &[JobReport], format: OutputFormat, extra: Map<String, Value>) {
    match format {
        OutputFormat::Json => {
            let jobs: Vec<Value> = reports.iter().map(JobReport::to_json).collect();
            let mut document = Map::new();
            document.insert("outcome".to_owned(), overall(reports).as_str().into());
            document.insert("jobs".to_owned(), jobs.into());
            document.extend(extra);
            stdout_line(&Value::Object(document).to_string());
        }
        OutputFormat::Text => {
            for report in reports {
                stdout_text(&report.text_line());
                for line in report.family.text_lines() {
                    stdout_text(&format!("  {line}"));
                }
                for line in report.log_tail.iter().flatten() {
                    stdout_text(&format!("  | {line}"));
                }
            }
        }
    }
}

/// The shared poller's counters in `wait-for-job`'s JSON, under [`PollerStats`]'s names.
pub(crate) fn poller_json(stats: &PollerStats) -> Value {
    json!({
        "calls": stats.calls,
        "rounds": stats.rounds,
        "ids": stats.ids,
        "served": stats.served,
        "max_ids_in_a_call": stats.max_ids_in_a_call,
        "throttled": stats.throttled,
        "splits": stats.splits,
        "events": stats.events,
        "answered_without_a_call": stats.answered_without_a_call,
    })
}

/// The event source's counters in `wait-for-job`'s JSON, under [`EventStats`]'s names, and
/// why it stopped, if it did.
pub(crate) fn events_json(
    queue_url: &str,
    stats: &EventStats,
    stopped: Option<EventSourceError>,
) -> Value {
    json!({
        "queue_url": queue_url,
        "receives": stats.receives,
        "messages": stats.messages,
        "applied": stats.applied,
        "stale": stats.stale,
        "not_waited": stats.not_waited,
        "skipped": stats.skipped,
        "stopped": stopped.map(|error| error.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcome: Outcome) -> JobReport {
        JobReport {
            job_id: "j".to_owned(),
            outcome,
            status: None,
            status_reason: None,
            exit_code: None,
            waiter: None,
            attempts: 1,
            reason: None,
            family: FamilyReport::default(),
            diagnosis: None,
            failed_job: None,
            log_tail: None,
        }
    }

    #[test]
    fn overall_prefers_failure_then_error_then_timeout() {
        use Outcome::*;
        let of = |outcomes: &[Outcome]| {
            let reports: Vec<_> = outcomes.iter().map(|o| report(*o)).collect();
            overall(&reports)
        };
        assert_eq!(of(&[Success, Success]), Success);
        assert_eq!(of(&[Success, Timeout]), Timeout);
        assert_eq!(of(&[Timeout, Error, Success]), Error);
        assert_eq!(of(&[Error, Failure, Timeout]), Failure);
        assert_eq!(of(&[Error, Stuck, Timeout]), Stuck);
        assert_eq!(of(&[Stuck, Failure]), Failure);
        assert_eq!(of(&[Failure, Interrupted, Success]), Interrupted);
        assert_eq!(of(&[]), Success);
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(Outcome::Success.exit() as u8, 0);
        assert_eq!(Outcome::Failure.exit() as u8, 1);
        assert_eq!(Outcome::MaxAttempts.exit() as u8, 3);
        assert_eq!(Outcome::Timeout.exit() as u8, 3);
        assert_eq!(Outcome::Error.exit() as u8, 4);
        assert_eq!(Outcome::Stuck.exit() as u8, 5);
        assert_eq!(Signal::Interrupt.exit() as u8, 130);
        assert_eq!(Signal::Terminate.exit() as u8, 143);
    }
}

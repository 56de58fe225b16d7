//! Results of `wait` and `wait-for-job`: outcomes, exit codes, and their text and JSON forms.

use serde_json::{Value, json};
use waiters_runtime::aws_sdk_batch::types::JobDetail;
use waiters_runtime::{
    BatchResponse, DescribeJobsResponse, ErrorClass, FailureReason, JobWaitError, OperationError,
    WaitError, Waited, exit_code,
};

use crate::cli::OutputFormat;
use crate::error::{Exit, stdout_line};

/// How a wait ended, as scripts see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    Failure,
    MaxAttempts,
    Timeout,
    Error,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::MaxAttempts => "max_attempts",
            Self::Timeout => "timeout",
            Self::Error => "error",
        }
    }

    pub(crate) fn exit(self) -> Exit {
        match self {
            Self::Success => Exit::Success,
            Self::Failure => Exit::Failure,
            Self::MaxAttempts | Self::Timeout => Exit::Incomplete,
            Self::Error => Exit::Error,
        }
    }

    /// Ranks outcomes for the overall result of several jobs: a FAILED job is definite
    /// news and wins; an error means some result is unknown; running out of time is the
    /// mildest non-success.
    fn severity(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::MaxAttempts | Self::Timeout => 1,
            Self::Error => 2,
            Self::Failure => 3,
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

/// The job with this id (or ARN) in a DescribeJobs response.
pub(crate) fn find_job<'a>(response: &'a DescribeJobsResponse, id: &str) -> Option<&'a JobDetail> {
    response
        .jobs()
        .iter()
        .find(|job| job.job_id() == Some(id) || job.job_arn() == Some(id))
}

/// A job's status in a response, if it is there.
pub(crate) fn job_status<'a>(response: &'a DescribeJobsResponse, id: &str) -> Option<&'a str> {
    find_job(response, id)?.status().map(|s| s.as_str())
}

/// `Code: message` for a service error, the client's description for anything else; on
/// one line.
pub(crate) fn error_summary<E: OperationError>(error: &E) -> String {
    match error.class() {
        ErrorClass::Service { code, message, .. } => single_line(&format!(
            "{}: {}",
            code.unwrap_or("Unknown"),
            message.unwrap_or("no message")
        )),
        _ => single_line(&error.describe()),
    }
}

/// SDK error descriptions span several lines (a credential chain lists every provider);
/// text output keeps each result on one line.
pub(crate) fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
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

fn response_json<R: ResponseBody, E: OperationError>(response: &Result<R, E>) -> Value {
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
    ) -> Self {
        match result {
            Ok(waited) => Self {
                waiter: waiter.to_owned(),
                outcome: Outcome::Success,
                attempts: waited.attempts,
                reason: None,
                matched: Some(waited.acceptor.explanation.to_string()),
                last_response: response_json(&waited.response),
            },
            Err(error) => Self {
                waiter: waiter.to_owned(),
                outcome: Outcome::of_reason(error.reason()),
                attempts: error.attempts(),
                reason: Some(error.to_string()),
                matched: None,
                last_response: error.last_response().map_or(Value::Null, response_json),
            },
        }
    }

    pub(crate) fn print(&self, format: OutputFormat) {
        match format {
            OutputFormat::Json => stdout_line(&self.to_json().to_string()),
            OutputFormat::Text => stdout_line(&self.text_line()),
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
            (Some(reason), _) => format!(
                "{}: {} ({attempts})",
                self.outcome.as_str(),
                single_line(reason)
            ),
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
}

impl JobReport {
    pub(crate) fn new(
        job_id: &str,
        result: &Result<JobDetail, JobWaitError>,
        waiter: Option<String>,
        attempts: u32,
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
        };
        let error = match result {
            Ok(job) => {
                report.describe(job);
                return report;
            }
            Err(error) => error,
        };
        report.reason = Some(error.to_string());
        match error {
            JobWaitError::JobFailed {
                status_reason,
                exit_code,
                job,
                ..
            } => {
                report.describe(job);
                report.outcome = Outcome::Failure;
                report.status_reason.clone_from(status_reason);
                report.exit_code = *exit_code;
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
                if let Some(job) = source.last_output().and_then(|r| find_job(r, job_id)) {
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

    fn describe(&mut self, job: &JobDetail) {
        self.status = job.status().map(|s| s.as_str().to_owned());
        self.status_reason = job.status_reason().map(str::to_owned);
        self.exit_code = exit_code(job);
    }

    fn to_json(&self) -> Value {
        json!({
            "job_id": self.job_id,
            "outcome": self.outcome.as_str(),
            "status": self.status,
            "status_reason": self.status_reason,
            "exit_code": self.exit_code,
            "waiter": self.waiter,
            "attempts": self.attempts,
            "reason": self.reason,
        })
    }

    fn text_line(&self) -> String {
        let outcome = self.outcome.as_str();
        if let Some(reason) = &self.reason {
            return format!("{outcome}: {}", single_line(reason));
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

/// Prints the result of `wait-for-job`: one line per job, or one JSON object.
pub(crate) fn print_jobs(reports: &[JobReport], format: OutputFormat) {
    match format {
        OutputFormat::Json => {
            let jobs: Vec<Value> = reports.iter().map(JobReport::to_json).collect();
            let document = json!({"outcome": overall(reports).as_str(), "jobs": jobs});
            stdout_line(&document.to_string());
        }
        OutputFormat::Text => {
            for report in reports {
                stdout_line(&report.text_line());
            }
        }
    }
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
        assert_eq!(of(&[]), Success);
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(Outcome::Success.exit() as u8, 0);
        assert_eq!(Outcome::Failure.exit() as u8, 1);
        assert_eq!(Outcome::MaxAttempts.exit() as u8, 3);
        assert_eq!(Outcome::Timeout.exit() as u8, 3);
        assert_eq!(Outcome::Error.exit() as u8, 4);
    }
}

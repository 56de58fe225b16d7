//! Job schedules: how long each lifecycle phase lasts and how a job ends.

use std::fmt;
use std::time::Duration;

/// The five non-terminal phases a job passes through, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobPhase {
    /// `SUBMITTED`
    Submitted,
    /// `PENDING`
    Pending,
    /// `RUNNABLE`
    Runnable,
    /// `STARTING`
    Starting,
    /// `RUNNING`
    Running,
}

impl JobPhase {
    /// All phases in lifecycle order.
    pub const ALL: [JobPhase; 5] = [
        JobPhase::Submitted,
        JobPhase::Pending,
        JobPhase::Runnable,
        JobPhase::Starting,
        JobPhase::Running,
    ];

    /// The Batch `JobStatus` value for this phase, e.g. `"RUNNABLE"`.
    pub fn status_name(self) -> &'static str {
        match self {
            JobPhase::Submitted => "SUBMITTED",
            JobPhase::Pending => "PENDING",
            JobPhase::Runnable => "RUNNABLE",
            JobPhase::Starting => "STARTING",
            JobPhase::Running => "RUNNING",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for JobPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.status_name())
    }
}

/// How a job ends once its `RUNNING` phase is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobOutcome {
    /// The job ends `SUCCEEDED` (default exit code 0).
    Succeeded,
    /// The job ends `FAILED` (default exit code 1).
    Failed,
}

impl JobOutcome {
    /// The Batch `JobStatus` value, `"SUCCEEDED"` or `"FAILED"`.
    pub fn status_name(self) -> &'static str {
        match self {
            JobOutcome::Succeeded => "SUCCEEDED",
            JobOutcome::Failed => "FAILED",
        }
    }
}

impl fmt::Display for JobOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.status_name())
    }
}

/// The status reason real Batch reports when a container job's essential container exits.
pub const DEFAULT_STATUS_REASON: &str = "Essential container in task exited";

/// Names of the `SubmitJob` `parameters` keys that override a job's schedule.
///
/// Values are strings, as Batch parameters always are. Durations are whole
/// milliseconds; values too large to represent saturate (so a huge
/// `local:runningMillis` means "runs forever" for practical purposes).
pub mod parameter_keys {
    /// Prefix shared by all schedule keys; any other key with this prefix is rejected.
    pub const PREFIX: &str = "local:";
    /// `SUCCEEDED` or `FAILED` (case-insensitive).
    pub const OUTCOME: &str = "local:outcome";
    /// Total time from submit to the terminal status, split evenly over the five phases.
    pub const TOTAL_MILLIS: &str = "local:totalMillis";
    /// Duration of every phase; mutually exclusive with [`TOTAL_MILLIS`].
    pub const PHASE_MILLIS: &str = "local:phaseMillis";
    /// Duration of the `SUBMITTED` phase (applied after the two keys above).
    pub const SUBMITTED_MILLIS: &str = "local:submittedMillis";
    /// Duration of the `PENDING` phase.
    pub const PENDING_MILLIS: &str = "local:pendingMillis";
    /// Duration of the `RUNNABLE` phase.
    pub const RUNNABLE_MILLIS: &str = "local:runnableMillis";
    /// Duration of the `STARTING` phase.
    pub const STARTING_MILLIS: &str = "local:startingMillis";
    /// Duration of the `RUNNING` phase.
    pub const RUNNING_MILLIS: &str = "local:runningMillis";
    /// Container exit code reported once the job finishes (a 32-bit signed integer).
    pub const EXIT_CODE: &str = "local:exitCode";
    /// `statusReason` reported once the job finishes.
    pub const STATUS_REASON: &str = "local:statusReason";
    /// The job is absent from `DescribeJobs`/`ListJobs` (and unknown to
    /// `TerminateJob`/`CancelJob`) until this long after submission.
    pub const VISIBLE_AFTER_MILLIS: &str = "local:visibleAfterMillis";
    /// `statusReason` reported while the job is `RUNNABLE`, as Batch reports why a job
    /// blocks its queue. A `CAPACITY:` or `UNDETERMINED` reason lasts the `RUNNABLE`
    /// phase; any other keeps the job `RUNNABLE` until it is cancelled or terminated.
    pub const RUNNABLE_REASON: &str = "local:runnableReason";

    /// What the job prints (see the Logs API): `<millis> <text>` rows.
    pub const LOG_LINES: &str = crate::log_schedule::LOG_LINES;
    /// The job's log stream appears this long after its container starts.
    pub const LOG_STREAM_DELAY_MILLIS: &str = crate::log_schedule::LOG_STREAM_DELAY_MILLIS;
    /// Each log line can be read this long after it is written.
    pub const LOG_LAG_MILLIS: &str = crate::log_schedule::LOG_LAG_MILLIS;

    /// Every recognised key.
    pub const ALL: [&str; 15] = [
        OUTCOME,
        TOTAL_MILLIS,
        PHASE_MILLIS,
        SUBMITTED_MILLIS,
        PENDING_MILLIS,
        RUNNABLE_MILLIS,
        STARTING_MILLIS,
        RUNNING_MILLIS,
        EXIT_CODE,
        STATUS_REASON,
        VISIBLE_AFTER_MILLIS,
        RUNNABLE_REASON,
        LOG_LINES,
        LOG_STREAM_DELAY_MILLIS,
        LOG_LAG_MILLIS,
    ];
}

/// A bad schedule override in a job's `parameters`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleParameterError {
    /// A key starts with `local:` but is not one of [`parameter_keys::ALL`].
    #[error("unknown schedule parameter `{key}`; known keys are: {known}", known = parameter_keys::ALL.join(", "))]
    UnknownKey {
        /// The offending key.
        key: String,
    },
    /// A recognised key has a value that does not parse.
    #[error("schedule parameter `{key}` has invalid value `{value}`: expected {expected}")]
    InvalidValue {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// Two keys that contradict each other were both given.
    #[error("schedule parameters `{first}` and `{second}` cannot be used together")]
    Conflict {
        /// One key.
        first: &'static str,
        /// The other key.
        second: &'static str,
    },
}

/// The schedule of one job: phase durations, outcome, exit code, status reason and
/// visibility delay.
///
/// A server has a default profile ([`LocalBatchBuilder::default_profile`](crate::LocalBatchBuilder::default_profile));
/// each `SubmitJob` may override parts of it through [`parameter_keys`].
///
/// ```
/// use std::time::Duration;
/// use waiters_local::{JobOutcome, JobPhase, JobProfile};
///
/// let profile = JobProfile::failing_after(Duration::from_secs(5))
///     .with_exit_code(3)
///     .with_status_reason("OutOfMemoryError: Container killed due to memory usage")
///     .with_phase_duration(JobPhase::Running, Duration::from_secs(10));
/// assert_eq!(profile.outcome(), JobOutcome::Failed);
/// assert_eq!(profile.total_duration(), Duration::from_secs(14));
/// assert_eq!(profile.exit_code(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobProfile {
    phase_durations: [Duration; 5],
    outcome: JobOutcome,
    exit_code: Option<i32>,
    status_reason: Option<String>,
    runnable_reason: Option<String>,
    visibility_delay: Duration,
}

impl Default for JobProfile {
    /// One second per phase, then `SUCCEEDED` with exit code 0, visible at once.
    fn default() -> Self {
        Self::succeeding_after(Duration::from_secs(5))
    }
}

impl JobProfile {
    /// A job that ends `SUCCEEDED` `total` after submission, phases split evenly.
    pub fn succeeding_after(total: Duration) -> Self {
        Self {
            phase_durations: split_evenly(total),
            outcome: JobOutcome::Succeeded,
            exit_code: None,
            status_reason: None,
            runnable_reason: None,
            visibility_delay: Duration::ZERO,
        }
    }

    /// A job that ends `FAILED` `total` after submission, phases split evenly.
    pub fn failing_after(total: Duration) -> Self {
        Self::succeeding_after(total).with_outcome(JobOutcome::Failed)
    }

    /// Sets how the job ends.
    pub fn with_outcome(mut self, outcome: JobOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Sets the total lifecycle duration, split evenly over the five phases (any
    /// remainder goes to `RUNNING`, so the total is exact).
    pub fn with_total_duration(mut self, total: Duration) -> Self {
        self.phase_durations = split_evenly(total);
        self
    }

    /// Sets every phase to the same duration.
    pub fn with_every_phase(mut self, duration: Duration) -> Self {
        self.phase_durations = [duration; 5];
        self
    }

    /// Sets one phase's duration.
    pub fn with_phase_duration(mut self, phase: JobPhase, duration: Duration) -> Self {
        self.phase_durations[phase.index()] = duration;
        self
    }

    /// Sets the container exit code reported when the job finishes.
    pub fn with_exit_code(mut self, exit_code: i32) -> Self {
        self.exit_code = Some(exit_code);
        self
    }

    /// Sets the `statusReason` reported when the job finishes.
    pub fn with_status_reason(mut self, reason: impl Into<String>) -> Self {
        self.status_reason = Some(reason.into());
        self
    }

    /// Sets the `statusReason` reported while the job is `RUNNABLE` (why it blocks its
    /// queue). It does not change how long the job stays `RUNNABLE`.
    pub fn with_runnable_reason(mut self, reason: impl Into<String>) -> Self {
        self.runnable_reason = Some(reason.into());
        self
    }

    /// Hides the job from `DescribeJobs` and `ListJobs` until `delay` after submission,
    /// as an eventually consistent read would.
    pub fn with_visibility_delay(mut self, delay: Duration) -> Self {
        self.visibility_delay = delay;
        self
    }

    /// How the job ends.
    pub fn outcome(&self) -> JobOutcome {
        self.outcome
    }

    /// How long `phase` lasts.
    pub fn phase_duration(&self, phase: JobPhase) -> Duration {
        self.phase_durations[phase.index()]
    }

    /// Time from submission to the terminal status (saturating).
    pub fn total_duration(&self) -> Duration {
        self.phase_durations
            .iter()
            .fold(Duration::ZERO, |acc, d| acc.saturating_add(*d))
    }

    /// The exit code reported on completion: the one set, else 0 for success, 1 for failure.
    pub fn exit_code(&self) -> i32 {
        self.exit_code.unwrap_or(match self.outcome {
            JobOutcome::Succeeded => 0,
            JobOutcome::Failed => 1,
        })
    }

    /// The `statusReason` reported on completion: the one set, else
    /// [`DEFAULT_STATUS_REASON`].
    pub fn status_reason(&self) -> &str {
        self.status_reason
            .as_deref()
            .unwrap_or(DEFAULT_STATUS_REASON)
    }

    /// The `statusReason` reported while the job is `RUNNABLE`, if any.
    pub fn runnable_reason(&self) -> Option<&str> {
        self.runnable_reason.as_deref()
    }

    /// How long after submission the job becomes visible.
    pub fn visibility_delay(&self) -> Duration {
        self.visibility_delay
    }

    /// Server time offset (from submission) at which `phase` ends.
    pub(crate) fn phase_end(&self, phase: JobPhase) -> Duration {
        self.phase_durations[..=phase.index()]
            .iter()
            .fold(Duration::ZERO, |acc, d| acc.saturating_add(*d))
    }

    /// Applies the schedule overrides found among a job's parameters.
    ///
    /// Keys without the `local:` prefix are ignored (they are ordinary job
    /// parameters). The result does not depend on the iteration order: the total or
    /// per-phase-for-all key is applied first, then single-phase keys.
    ///
    /// ```
    /// use std::time::Duration;
    /// use waiters_local::{JobOutcome, JobPhase, JobProfile};
    ///
    /// let profile = JobProfile::default().with_parameters([
    ///     ("local:outcome", "FAILED"),
    ///     ("local:phaseMillis", "100"),
    ///     ("local:runningMillis", "2000"),
    ///     ("input", "s3://bucket/key"),
    /// ])?;
    /// assert_eq!(profile.outcome(), JobOutcome::Failed);
    /// assert_eq!(profile.phase_duration(JobPhase::Pending), Duration::from_millis(100));
    /// assert_eq!(profile.phase_duration(JobPhase::Running), Duration::from_secs(2));
    /// # Ok::<(), waiters_local::ScheduleParameterError>(())
    /// ```
    pub fn with_parameters<'a, I>(
        &self,
        parameters: I,
    ) -> Result<JobProfile, ScheduleParameterError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        use parameter_keys as keys;

        let mut total = None;
        let mut every_phase = None;
        let mut single_phases: [Option<Duration>; 5] = [None; 5];
        let mut profile = self.clone();

        for (key, value) in parameters {
            if !key.starts_with(keys::PREFIX) {
                continue;
            }
            match key {
                keys::OUTCOME => {
                    profile.outcome = parse_outcome(value)
                        .ok_or_else(|| invalid(key, value, "SUCCEEDED or FAILED"))?;
                }
                keys::TOTAL_MILLIS => total = Some(parse_millis(key, value)?),
                keys::PHASE_MILLIS => every_phase = Some(parse_millis(key, value)?),
                keys::SUBMITTED_MILLIS => single_phases[0] = Some(parse_millis(key, value)?),
                keys::PENDING_MILLIS => single_phases[1] = Some(parse_millis(key, value)?),
                keys::RUNNABLE_MILLIS => single_phases[2] = Some(parse_millis(key, value)?),
                keys::STARTING_MILLIS => single_phases[3] = Some(parse_millis(key, value)?),
                keys::RUNNING_MILLIS => single_phases[4] = Some(parse_millis(key, value)?),
                keys::EXIT_CODE => {
                    let code = value
                        .trim()
                        .parse::<i32>()
                        .map_err(|_| invalid(key, value, "a 32-bit signed integer"))?;
                    profile.exit_code = Some(code);
                }
                keys::STATUS_REASON => profile.status_reason = Some(value.to_owned()),
                keys::RUNNABLE_REASON => profile.runnable_reason = Some(value.to_owned()),
                keys::VISIBLE_AFTER_MILLIS => {
                    profile.visibility_delay = parse_millis(key, value)?;
                }
                // The log schedule is read by the Logs API; here it is only checked.
                _ if crate::log_schedule::check(key, value)
                    .map_err(|e| invalid(key, value, e.expected))? => {}
                _ => {
                    return Err(ScheduleParameterError::UnknownKey {
                        key: key.to_owned(),
                    });
                }
            }
        }

        match (total, every_phase) {
            (Some(_), Some(_)) => {
                return Err(ScheduleParameterError::Conflict {
                    first: keys::TOTAL_MILLIS,
                    second: keys::PHASE_MILLIS,
                });
            }
            (Some(total), None) => profile.phase_durations = split_evenly(total),
            (None, Some(each)) => profile.phase_durations = [each; 5],
            (None, None) => {}
        }
        for (slot, value) in profile.phase_durations.iter_mut().zip(single_phases) {
            if let Some(value) = value {
                *slot = value;
            }
        }
        Ok(profile)
    }
}

fn split_evenly(total: Duration) -> [Duration; 5] {
    let each = total / 5;
    let running = total.saturating_sub(each * 4);
    [each, each, each, each, running]
}

fn parse_outcome(value: &str) -> Option<JobOutcome> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("SUCCEEDED") {
        Some(JobOutcome::Succeeded)
    } else if value.eq_ignore_ascii_case("FAILED") {
        Some(JobOutcome::Failed)
    } else {
        None
    }
}

fn parse_millis(key: &str, value: &str) -> Result<Duration, ScheduleParameterError> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| invalid(key, value, "a whole number of milliseconds"))
}

fn invalid(key: &str, value: &str, expected: &'static str) -> ScheduleParameterError {
    ScheduleParameterError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_duration_is_split_exactly() {
        let profile = JobProfile::succeeding_after(Duration::from_nanos(503));
        assert_eq!(
            profile.phase_duration(JobPhase::Submitted),
            Duration::from_nanos(100)
        );
        assert_eq!(
            profile.phase_duration(JobPhase::Running),
            Duration::from_nanos(103)
        );
        assert_eq!(profile.total_duration(), Duration::from_nanos(503));
        assert_eq!(
            profile.phase_end(JobPhase::Starting),
            Duration::from_nanos(400)
        );
    }

    #[test]
    fn defaults_follow_outcome() {
        let ok = JobProfile::default();
        assert_eq!((ok.outcome(), ok.exit_code()), (JobOutcome::Succeeded, 0));
        assert_eq!(ok.status_reason(), DEFAULT_STATUS_REASON);
        let failed = JobProfile::failing_after(Duration::ZERO);
        assert_eq!(
            (failed.outcome(), failed.exit_code()),
            (JobOutcome::Failed, 1)
        );
    }

    #[test]
    fn parameters_override_every_field() {
        let profile = JobProfile::default()
            .with_parameters([
                ("local:runningMillis", "7"),
                ("local:totalMillis", "50"),
                ("local:outcome", "failed"),
                ("local:exitCode", "-9"),
                ("local:statusReason", "boom"),
                ("local:visibleAfterMillis", "30"),
                ("unrelated", "kept out of the schedule"),
            ])
            .unwrap();
        let durations: Vec<_> = JobPhase::ALL
            .iter()
            .map(|p| profile.phase_duration(*p).as_millis())
            .collect();
        assert_eq!(durations, [10, 10, 10, 10, 7]);
        assert_eq!(profile.outcome(), JobOutcome::Failed);
        assert_eq!(profile.exit_code(), -9);
        assert_eq!(profile.status_reason(), "boom");
        assert_eq!(profile.visibility_delay(), Duration::from_millis(30));
    }

    #[test]
    fn bad_parameters_are_reported_not_ignored() {
        let base = JobProfile::default();
        assert!(matches!(
            base.with_parameters([("local:outcom", "FAILED")]),
            Err(ScheduleParameterError::UnknownKey { key }) if key == "local:outcom"
        ));
        assert!(matches!(
            base.with_parameters([("local:phaseMillis", "-1")]),
            Err(ScheduleParameterError::InvalidValue { .. })
        ));
        assert!(matches!(
            base.with_parameters([("local:exitCode", "99999999999")]),
            Err(ScheduleParameterError::InvalidValue { .. })
        ));
        assert!(matches!(
            base.with_parameters([("local:outcome", "RUNNING")]),
            Err(ScheduleParameterError::InvalidValue { .. })
        ));
        assert!(matches!(
            base.with_parameters([("local:phaseMillis", "1"), ("local:totalMillis", "5")]),
            Err(ScheduleParameterError::Conflict { .. })
        ));
        let message = base
            .with_parameters([("local:nope", "1")])
            .unwrap_err()
            .to_string();
        assert!(message.contains("local:visibleAfterMillis"), "{message}");
    }

    #[test]
    fn huge_durations_saturate() {
        let huge = u64::MAX.to_string();
        let profile = JobProfile::default()
            .with_parameters([("local:phaseMillis", huge.as_str())])
            .unwrap();
        assert_eq!(
            profile.total_duration(),
            Duration::from_millis(u64::MAX) * 5
        );
        let saturated = JobProfile::default().with_every_phase(Duration::MAX);
        assert_eq!(saturated.total_duration(), Duration::MAX);
    }
}

//! What a job looks like at one moment, as the `JobDetail` (`DescribeJobs`) and
//! `JobSummary` (`ListJobs`) documents.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Family, Job, JobStatus, StopKind};
use crate::clock::ServerClock;
use crate::profile::{JobOutcome, JobPhase};

/// A job as seen at one moment.
struct JobView {
    status: JobStatus,
    status_reason: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    stopped_at: Option<i64>,
    exit_code: Option<i32>,
    /// Whether a container task exists yet (from `STARTING` on).
    has_task: bool,
    /// Whether the container has started (`RUNNING` reached); it then has a log stream.
    has_log_stream: bool,
    /// A finished attempt to report, if the job got as far as a container task.
    attempt: bool,
    is_cancelled: bool,
    is_terminated: bool,
}

impl Job {
    /// An array parent or a multi-node job runs no container of its own: no task, log
    /// stream, attempt or exit code (its members have them); an array parent has no
    /// `statusReason` or `startedAt` either.
    fn view(&self, now: Duration, clock: &ServerClock) -> JobView {
        let mut view = self.own_view(now, clock);
        if self.family.is_parent() {
            view.has_task = false;
            view.has_log_stream = false;
            view.attempt = false;
            view.exit_code = None;
            if matches!(self.family, Family::ArrayParent { .. }) {
                view.status_reason = None;
                view.started_at = None;
            }
        }
        view
    }

    fn own_view(&self, now: Duration, clock: &ServerClock) -> JobView {
        let profile = &self.profile;
        let running_from = profile.phase_end(JobPhase::Starting);
        let created_at = self.created_at(clock);
        if let Some(stop) = self.stop_by(now) {
            let ran = stop.phase == JobPhase::Running;
            return JobView {
                status: JobStatus::Finished(JobOutcome::Failed),
                status_reason: Some(stop.reason.clone()),
                created_at,
                started_at: ran.then(|| self.at_offset(clock, running_from)),
                stopped_at: Some(self.at_offset(clock, stop.after)),
                exit_code: None,
                has_task: stop.phase >= JobPhase::Starting,
                has_log_stream: ran,
                attempt: stop.phase >= JobPhase::Starting,
                is_cancelled: stop.kind == StopKind::Cancelled,
                is_terminated: stop.kind == StopKind::Terminated,
            };
        }
        let status = self.natural_status(self.elapsed(now));
        let reached = |phase: JobPhase| match status {
            JobStatus::Phase(current) => current >= phase,
            JobStatus::Finished(_) => true,
        };
        let finished = matches!(status, JobStatus::Finished(_));
        let status_reason = match status {
            JobStatus::Finished(_) => Some(profile.status_reason().to_owned()),
            JobStatus::Phase(JobPhase::Runnable) => profile.runnable_reason().map(str::to_owned),
            JobStatus::Phase(_) => None,
        };
        JobView {
            status,
            status_reason,
            created_at,
            started_at: reached(JobPhase::Running).then(|| self.at_offset(clock, running_from)),
            stopped_at: finished.then(|| self.at_offset(clock, profile.total_duration())),
            exit_code: finished.then(|| profile.exit_code()),
            has_task: reached(JobPhase::Starting),
            has_log_stream: reached(JobPhase::Running),
            attempt: finished,
            is_cancelled: false,
            is_terminated: false,
        }
    }

    /// The `JobDetail` document `DescribeJobs` returns.
    pub(crate) fn detail(&self, now: Duration, clock: &ServerClock) -> Value {
        let view = self.view(now, clock);
        let spec = &self.spec;
        let mut detail = Map::new();
        detail.insert("jobArn".into(), json!(self.arn));
        detail.insert("jobName".into(), json!(self.name));
        detail.insert("jobId".into(), json!(self.id));
        detail.insert("jobQueue".into(), json!(self.queue_arn));
        detail.insert("status".into(), json!(view.status.name()));
        if let Some(share) = &spec.share_identifier {
            detail.insert("shareIdentifier".into(), json!(share));
        }
        if let Some(priority) = spec.scheduling_priority {
            detail.insert("schedulingPriority".into(), json!(priority));
        }
        let attempts = if view.attempt {
            vec![self.attempt_detail(&view)]
        } else {
            Vec::new()
        };
        detail.insert("attempts".into(), Value::Array(attempts));
        if let Some(reason) = &view.status_reason {
            detail.insert("statusReason".into(), json!(reason));
        }
        detail.insert("createdAt".into(), json!(view.created_at));
        if let Some(retry) = &spec.retry_strategy {
            detail.insert("retryStrategy".into(), retry.clone());
        }
        if let Some(started) = view.started_at {
            detail.insert("startedAt".into(), json!(started));
        }
        if let Some(stopped) = view.stopped_at {
            detail.insert("stoppedAt".into(), json!(stopped));
        }
        detail.insert("dependsOn".into(), Value::Array(spec.depends_on.clone()));
        detail.insert("jobDefinition".into(), json!(self.definition_arn));
        detail.insert("parameters".into(), json!(spec.parameters));
        if !matches!(self.family, Family::MultiNode { .. }) {
            detail.insert("container".into(), self.container_detail(&view));
        }
        if let Some(timeout) = &spec.timeout {
            detail.insert("timeout".into(), timeout.clone());
        }
        detail.insert("tags".into(), json!(spec.tags));
        detail.insert("propagateTags".into(), json!(spec.propagate_tags));
        detail.insert("platformCapabilities".into(), json!(["EC2"]));
        detail.insert("eksAttempts".into(), json!([]));
        detail.insert("isCancelled".into(), json!(view.is_cancelled));
        detail.insert("isTerminated".into(), json!(view.is_terminated));
        Value::Object(detail)
    }

    fn container_detail(&self, view: &JobView) -> Value {
        let spec = &self.spec;
        let mut container = Map::new();
        container.insert("command".into(), json!(spec.command));
        container.insert("volumes".into(), json!([]));
        container.insert("environment".into(), Value::Array(spec.environment.clone()));
        container.insert("mountPoints".into(), json!([]));
        container.insert("ulimits".into(), json!([]));
        if let Some(code) = view.exit_code {
            container.insert("exitCode".into(), json!(code));
        }
        if view.has_task {
            container.insert(
                "containerInstanceArn".into(),
                json!(self.container_instance_arn),
            );
            container.insert("taskArn".into(), json!(self.task_arn));
        }
        if view.has_log_stream {
            container.insert("logStreamName".into(), json!(self.log_stream_name));
        }
        container.insert("networkInterfaces".into(), json!([]));
        container.insert(
            "resourceRequirements".into(),
            Value::Array(spec.resource_requirements.clone()),
        );
        container.insert("secrets".into(), json!([]));
        Value::Object(container)
    }

    fn attempt_detail(&self, view: &JobView) -> Value {
        let mut container = Map::new();
        container.insert(
            "containerInstanceArn".into(),
            json!(self.container_instance_arn),
        );
        container.insert("taskArn".into(), json!(self.task_arn));
        if let Some(code) = view.exit_code {
            container.insert("exitCode".into(), json!(code));
        }
        if view.has_log_stream {
            container.insert("logStreamName".into(), json!(self.log_stream_name));
        }
        container.insert("networkInterfaces".into(), json!([]));
        let mut attempt = Map::new();
        attempt.insert("container".into(), Value::Object(container));
        if let Some(started) = view.started_at {
            attempt.insert("startedAt".into(), json!(started));
        }
        if let Some(stopped) = view.stopped_at {
            attempt.insert("stoppedAt".into(), json!(stopped));
        }
        if let Some(reason) = &view.status_reason {
            attempt.insert("statusReason".into(), json!(reason));
        }
        attempt.insert("taskProperties".into(), json!([]));
        Value::Object(attempt)
    }

    /// The `JobSummary` document `ListJobs` returns.
    pub(crate) fn summary(&self, now: Duration, clock: &ServerClock) -> Value {
        let view = self.view(now, clock);
        let mut summary = Map::new();
        summary.insert("jobArn".into(), json!(self.arn));
        summary.insert("jobId".into(), json!(self.id));
        summary.insert("jobName".into(), json!(self.name));
        summary.insert("createdAt".into(), json!(view.created_at));
        if let Some(share) = &self.spec.share_identifier {
            summary.insert("shareIdentifier".into(), json!(share));
        }
        summary.insert("status".into(), json!(view.status.name()));
        if let Some(reason) = &view.status_reason {
            summary.insert("statusReason".into(), json!(reason));
        }
        if let Some(started) = view.started_at {
            summary.insert("startedAt".into(), json!(started));
        }
        if let Some(stopped) = view.stopped_at {
            summary.insert("stoppedAt".into(), json!(stopped));
        }
        if let Some(code) = view.exit_code {
            summary.insert("container".into(), json!({ "exitCode": code }));
        }
        summary.insert("jobDefinition".into(), json!(self.definition_arn));
        summary.insert("isCancelled".into(), json!(view.is_cancelled));
        summary.insert("isTerminated".into(), json!(view.is_terminated));
        Value::Object(summary)
    }
}

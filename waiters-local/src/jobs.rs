//! The job store: what was submitted, and what each job looks like at a given server time.
//!
//! Status is never stored: it is derived from the time elapsed since submission and the
//! job's [`JobProfile`], plus a recorded stop (terminate/cancel) if there was one. That
//! needs no background task and follows tokio's paused clock.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value, json};

use crate::clock::ServerClock;
use crate::profile::{JobOutcome, JobPhase, JobProfile};

/// A Batch `JobStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobStatus {
    Phase(JobPhase),
    Finished(JobOutcome),
}

impl JobStatus {
    pub(crate) const NAMES: [&'static str; 7] = [
        "SUBMITTED",
        "PENDING",
        "RUNNABLE",
        "STARTING",
        "RUNNING",
        "SUCCEEDED",
        "FAILED",
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            JobStatus::Phase(phase) => phase.status_name(),
            JobStatus::Finished(outcome) => outcome.status_name(),
        }
    }

    pub(crate) fn parse(name: &str) -> Option<JobStatus> {
        JobPhase::ALL
            .into_iter()
            .map(JobStatus::Phase)
            .chain([
                JobStatus::Finished(JobOutcome::Succeeded),
                JobStatus::Finished(JobOutcome::Failed),
            ])
            .find(|status| status.name() == name)
    }
}

/// Random identifiers in the formats the real service uses.
#[derive(Debug)]
pub(crate) struct IdGenerator {
    rng: StdRng,
}

impl IdGenerator {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// A version-4 UUID string, as Batch job ids and AWS request ids are.
    pub(crate) fn uuid(&mut self) -> String {
        let mut bytes: [u8; 16] = self.rng.random();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex = hex(&bytes);
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// 32 hex digits, as ECS task ids are.
    pub(crate) fn task_id(&mut self) -> String {
        let bytes: [u8; 16] = self.rng.random();
        hex(&bytes)
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Naming context for ARNs.
#[derive(Clone, Debug)]
pub(crate) struct ArnContext {
    pub(crate) region: String,
    pub(crate) account_id: String,
}

impl ArnContext {
    /// A queue name becomes its ARN; an ARN is kept.
    pub(crate) fn job_queue_arn(&self, queue: &str) -> String {
        if queue.starts_with("arn:") {
            queue.to_owned()
        } else {
            format!(
                "arn:aws:batch:{}:{}:job-queue/{queue}",
                self.region, self.account_id
            )
        }
    }

    /// `name` or `name:revision` becomes an ARN (revision 1 when absent); an ARN is kept.
    pub(crate) fn job_definition_arn(&self, definition: &str) -> String {
        if definition.starts_with("arn:") {
            return definition.to_owned();
        }
        let with_revision = if definition.contains(':') {
            definition.to_owned()
        } else {
            format!("{definition}:1")
        };
        format!(
            "arn:aws:batch:{}:{}:job-definition/{with_revision}",
            self.region, self.account_id
        )
    }

    fn job_arn(&self, job_id: &str) -> String {
        format!(
            "arn:aws:batch:{}:{}:job/{job_id}",
            self.region, self.account_id
        )
    }

    fn task_arn(&self, task_id: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{}:task/waiters-local/{task_id}",
            self.region, self.account_id
        )
    }

    fn container_instance_arn(&self, instance_id: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{}:container-instance/waiters-local/{instance_id}",
            self.region, self.account_id
        )
    }
}

/// The name part of a job definition ARN: `.../job-definition/NAME:REV` gives `NAME`.
pub(crate) fn job_definition_name(definition_arn: &str) -> &str {
    let tail = definition_arn
        .rsplit_once("job-definition/")
        .map_or(definition_arn, |(_, tail)| tail);
    tail.split_once(':').map_or(tail, |(name, _)| name)
}

/// What `SubmitJob` hands the store.
#[derive(Debug)]
pub(crate) struct NewJob {
    pub(crate) name: String,
    pub(crate) queue: String,
    pub(crate) definition: String,
    pub(crate) parameters: BTreeMap<String, String>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) depends_on: Vec<Value>,
    pub(crate) share_identifier: Option<String>,
    pub(crate) scheduling_priority: Option<i32>,
    pub(crate) retry_strategy: Option<Value>,
    pub(crate) timeout: Option<Value>,
    pub(crate) propagate_tags: bool,
    pub(crate) command: Vec<String>,
    pub(crate) environment: Vec<Value>,
    pub(crate) resource_requirements: Vec<Value>,
    pub(crate) profile: JobProfile,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StopKind {
    Cancelled,
    Terminated,
}

#[derive(Clone, Debug)]
struct Stop {
    /// Time since submission at which the stop was requested.
    after: Duration,
    reason: String,
    kind: StopKind,
    /// The phase the job was in when stopped.
    phase: JobPhase,
}

/// What a stop request did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StopEffect {
    Stopped,
    /// The job was past the point this request affects (finished, or running for a cancel).
    NoChange,
}

#[derive(Debug)]
pub(crate) struct Job {
    seq: u64,
    pub(crate) id: String,
    pub(crate) arn: String,
    pub(crate) name: String,
    queue_arn: String,
    definition_arn: String,
    spec: NewJob,
    submitted_at: Duration,
    task_arn: String,
    container_instance_arn: String,
    log_stream_name: String,
    stop: Option<Stop>,
}

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
    fn elapsed(&self, now: Duration) -> Duration {
        now.saturating_sub(self.submitted_at)
    }

    pub(crate) fn is_visible(&self, now: Duration) -> bool {
        self.elapsed(now) >= self.spec.profile.visibility_delay()
    }

    fn natural_status(&self, elapsed: Duration) -> JobStatus {
        let profile = &self.spec.profile;
        JobPhase::ALL
            .into_iter()
            .find(|phase| elapsed < profile.phase_end(*phase))
            .map_or(JobStatus::Finished(profile.outcome()), JobStatus::Phase)
    }

    pub(crate) fn status(&self, now: Duration) -> JobStatus {
        match self.stop {
            Some(_) => JobStatus::Finished(JobOutcome::Failed),
            None => self.natural_status(self.elapsed(now)),
        }
    }

    pub(crate) fn created_at(&self, clock: &ServerClock) -> i64 {
        clock.epoch_millis(self.submitted_at)
    }

    fn at_offset(&self, clock: &ServerClock, offset: Duration) -> i64 {
        clock.epoch_millis(self.submitted_at.saturating_add(offset))
    }

    /// `TerminateJob`: anything unfinished becomes `FAILED`; before `STARTING` that is a
    /// cancellation, as the API reference says.
    pub(crate) fn terminate(&mut self, now: Duration, reason: String) -> StopEffect {
        match self.status(now) {
            JobStatus::Finished(_) => StopEffect::NoChange,
            JobStatus::Phase(phase) => {
                let kind = if phase < JobPhase::Starting {
                    StopKind::Cancelled
                } else {
                    StopKind::Terminated
                };
                self.stop_at(now, reason, kind, phase)
            }
        }
    }

    /// `CancelJob`: only `SUBMITTED`, `PENDING` and `RUNNABLE` jobs are affected; the call
    /// still succeeds for others.
    pub(crate) fn cancel(&mut self, now: Duration, reason: String) -> StopEffect {
        match self.status(now) {
            JobStatus::Phase(phase) if phase < JobPhase::Starting => {
                self.stop_at(now, reason, StopKind::Cancelled, phase)
            }
            _ => StopEffect::NoChange,
        }
    }

    fn stop_at(
        &mut self,
        now: Duration,
        reason: String,
        kind: StopKind,
        phase: JobPhase,
    ) -> StopEffect {
        self.stop = Some(Stop {
            after: self.elapsed(now),
            reason,
            kind,
            phase,
        });
        StopEffect::Stopped
    }

    fn view(&self, now: Duration, clock: &ServerClock) -> JobView {
        let profile = &self.spec.profile;
        let running_from = profile.phase_end(JobPhase::Starting);
        let created_at = self.created_at(clock);
        if let Some(stop) = &self.stop {
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
        JobView {
            status,
            status_reason: finished.then(|| profile.status_reason().to_owned()),
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
        detail.insert("container".into(), self.container_detail(&view));
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

    pub(crate) fn queue_arn(&self) -> &str {
        &self.queue_arn
    }

    pub(crate) fn definition_arn(&self) -> &str {
        &self.definition_arn
    }

    /// Newest first, as `ListJobs` sorts.
    pub(crate) fn newest_first(a: &Job, b: &Job) -> std::cmp::Ordering {
        b.submitted_at.cmp(&a.submitted_at).then(b.seq.cmp(&a.seq))
    }
}

/// Every submitted job, visible or not.
#[derive(Debug)]
pub(crate) struct JobStore {
    jobs: Vec<Job>,
    by_id: HashMap<String, usize>,
    ids: IdGenerator,
    arns: ArnContext,
}

impl JobStore {
    pub(crate) fn new(ids: IdGenerator, arns: ArnContext) -> Self {
        Self {
            jobs: Vec::new(),
            by_id: HashMap::new(),
            ids,
            arns,
        }
    }

    pub(crate) fn arns(&self) -> &ArnContext {
        &self.arns
    }

    pub(crate) fn len(&self) -> usize {
        self.jobs.len()
    }

    pub(crate) fn next_request_id(&mut self) -> String {
        self.ids.uuid()
    }

    pub(crate) fn submit(&mut self, spec: NewJob, now: Duration) -> &Job {
        let id = self.ids.uuid();
        let task_id = self.ids.task_id();
        let instance_id = self.ids.uuid();
        let definition_arn = self.arns.job_definition_arn(&spec.definition);
        let log_stream_name = format!("{}/default/{task_id}", job_definition_name(&definition_arn));
        let job = Job {
            seq: self.jobs.len() as u64,
            arn: self.arns.job_arn(&id),
            name: spec.name.clone(),
            queue_arn: self.arns.job_queue_arn(&spec.queue),
            definition_arn,
            task_arn: self.arns.task_arn(&task_id),
            container_instance_arn: self.arns.container_instance_arn(&instance_id),
            log_stream_name,
            submitted_at: now,
            stop: None,
            spec,
            id: id.clone(),
        };
        let index = self.jobs.len();
        self.by_id.insert(id, index);
        self.jobs.push(job);
        &self.jobs[index]
    }

    fn index_of(&self, id_or_arn: &str) -> Option<usize> {
        // DescribeJobs accepts job ARNs as well as ids.
        let id = id_or_arn
            .rsplit_once(":job/")
            .map_or(id_or_arn, |(_, id)| id);
        self.by_id.get(id).copied()
    }

    /// A job that exists and is visible at `now`.
    pub(crate) fn visible(&self, id_or_arn: &str, now: Duration) -> Option<&Job> {
        self.index_of(id_or_arn)
            .map(|i| &self.jobs[i])
            .filter(|job| job.is_visible(now))
    }

    pub(crate) fn visible_mut(&mut self, id_or_arn: &str, now: Duration) -> Option<&mut Job> {
        self.index_of(id_or_arn)
            .map(|i| &mut self.jobs[i])
            .filter(|job| job.is_visible(now))
    }

    pub(crate) fn all_visible(&self, now: Duration) -> impl Iterator<Item = &Job> {
        self.jobs.iter().filter(move |job| job.is_visible(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> JobStore {
        JobStore::new(
            IdGenerator::new(1),
            ArnContext {
                region: "us-east-1".into(),
                account_id: "123456789012".into(),
            },
        )
    }

    fn spec(profile: JobProfile) -> NewJob {
        NewJob {
            name: "j".into(),
            queue: "q".into(),
            definition: "def".into(),
            parameters: BTreeMap::new(),
            tags: BTreeMap::new(),
            depends_on: Vec::new(),
            share_identifier: None,
            scheduling_priority: None,
            retry_strategy: None,
            timeout: None,
            propagate_tags: false,
            command: Vec::new(),
            environment: Vec::new(),
            resource_requirements: Vec::new(),
            profile,
        }
    }

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn status_walks_the_phases_then_the_outcome() {
        let mut store = store();
        let id = store
            .submit(spec(JobProfile::failing_after(SEC * 5)), SEC * 10)
            .id
            .clone();
        let names: Vec<&str> = (10..=16)
            .map(|t| store.visible(&id, SEC * t).unwrap().status(SEC * t).name())
            .collect();
        assert_eq!(
            names,
            [
                "SUBMITTED",
                "PENDING",
                "RUNNABLE",
                "STARTING",
                "RUNNING",
                "FAILED",
                "FAILED"
            ]
        );
    }

    #[test]
    fn ids_have_real_formats_and_arns_resolve() {
        let mut ids = IdGenerator::new(3);
        let uuid = ids.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert_eq!(ids.task_id().len(), 32);
        let arns = store().arns().clone();
        assert_eq!(
            arns.job_definition_arn("sleep"),
            "arn:aws:batch:us-east-1:123456789012:job-definition/sleep:1"
        );
        assert_eq!(
            arns.job_definition_arn("sleep:7"),
            "arn:aws:batch:us-east-1:123456789012:job-definition/sleep:7"
        );
        assert_eq!(
            job_definition_name(&arns.job_definition_arn("sleep:7")),
            "sleep"
        );
        assert_eq!(arns.job_queue_arn("arn:x"), "arn:x");

        let mut store = store();
        let job = store.submit(spec(JobProfile::default()), Duration::ZERO);
        let (id, arn) = (job.id.clone(), job.arn.clone());
        assert_eq!(store.visible(&arn, Duration::ZERO).unwrap().id, id);
    }

    #[test]
    fn invisible_until_the_delay_passes() {
        let mut store = store();
        let profile = JobProfile::default().with_visibility_delay(SEC * 3);
        let id = store.submit(spec(profile), Duration::ZERO).id.clone();
        assert!(store.visible(&id, SEC * 2).is_none());
        assert!(store.visible(&id, SEC * 3).is_some());
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn cancel_only_before_starting_terminate_until_finished() {
        let clock = ServerClock::new();
        let mut store = store();
        let profile = JobProfile::succeeding_after(SEC * 5);
        let runnable = store
            .submit(spec(profile.clone()), Duration::ZERO)
            .id
            .clone();
        let running = store
            .submit(spec(profile.clone()), Duration::ZERO)
            .id
            .clone();
        let done = store.submit(spec(profile), Duration::ZERO).id.clone();

        let at = SEC * 2; // RUNNABLE
        let job = store.visible_mut(&runnable, at).unwrap();
        assert_eq!(
            job.cancel(at, "no longer needed".into()),
            StopEffect::Stopped
        );
        let detail = job.detail(at, &clock);
        assert_eq!(detail["status"], "FAILED");
        assert_eq!(detail["statusReason"], "no longer needed");
        assert_eq!(detail["isCancelled"], true);
        assert!(detail.get("startedAt").is_none());
        assert_eq!(detail["attempts"], json!([]));

        let at = SEC * 4; // RUNNING
        let job = store.visible_mut(&running, at).unwrap();
        assert_eq!(job.cancel(at, "too late".into()), StopEffect::NoChange);
        assert_eq!(job.terminate(at, "stop it".into()), StopEffect::Stopped);
        let detail = job.detail(SEC * 100, &clock);
        assert_eq!(detail["status"], "FAILED");
        assert_eq!(detail["isTerminated"], true);
        assert!(detail.get("startedAt").is_some());
        assert_eq!(detail["attempts"][0]["statusReason"], "stop it");
        assert!(detail["container"].get("logStreamName").is_some());

        let at = SEC * 5; // SUCCEEDED
        let job = store.visible_mut(&done, at).unwrap();
        assert_eq!(job.terminate(at, "late".into()), StopEffect::NoChange);
        assert_eq!(job.detail(at, &clock)["status"], "SUCCEEDED");
    }
}

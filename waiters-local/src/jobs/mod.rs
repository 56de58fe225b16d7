//! The job store: what was submitted, and each job's lifecycle (its status at a given
//! server time, terminate and cancel). The documents a job is described by are in
//! [`documents`].
//!
//! Status is never stored: it is derived from the time elapsed since submission and the
//! job's [`JobProfile`], plus a recorded stop (terminate/cancel) if there was one. That
//! needs no background task and follows tokio's paused clock.

mod documents;
mod family;
mod logs;

pub(crate) use logs::StreamView;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::clock::ServerClock;
use crate::ids::{ArnContext, IdGenerator, job_definition_name};
use crate::profile::{JobOutcome, JobPhase, JobProfile};

pub(crate) use family::{DependencyPlan, Family, Fanout, FanoutKind, ListScope};

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
    /// A job it depends on failed: it goes from `PENDING` to `FAILED` (recomputed when
    /// a dependency is stopped, unlike the two kinds a request records).
    DependencyFailed,
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
    /// Shared by an array's or a multi-node job's members.
    spec: Arc<NewJob>,
    /// The job's own schedule, before any wait for its dependencies.
    base: JobProfile,
    /// The schedule it follows: `base` held in `PENDING` until its dependencies end
    /// (for an array parent or a multi-node job, derived from its members).
    profile: JobProfile,
    submitted_at: Duration,
    task_arn: String,
    container_instance_arn: String,
    log_stream_name: String,
    stop: Option<Stop>,
    pub(crate) family: Family,
    /// Store indexes of the jobs this one waits for.
    deps: Vec<usize>,
}

impl Job {
    fn elapsed(&self, now: Duration) -> Duration {
        now.saturating_sub(self.submitted_at)
    }

    pub(crate) fn is_visible(&self, now: Duration) -> bool {
        self.elapsed(now) >= self.profile.visibility_delay()
    }

    fn natural_status(&self, elapsed: Duration) -> JobStatus {
        let profile = &self.profile;
        JobPhase::ALL
            .into_iter()
            .find(|phase| elapsed < profile.phase_end(*phase))
            .map_or(JobStatus::Finished(profile.outcome()), JobStatus::Phase)
    }

    pub(crate) fn status(&self, now: Duration) -> JobStatus {
        match self.stop_by(now) {
            Some(_) => JobStatus::Finished(JobOutcome::Failed),
            None => self.natural_status(self.elapsed(now)),
        }
    }

    /// The recorded stop, if it had happened by `now`. (A stop is always recorded at
    /// the server time of its request, so for the API this is simply the stop; the
    /// event publisher describes a job at earlier times too.)
    fn stop_by(&self, now: Duration) -> Option<&Stop> {
        self.stop
            .as_ref()
            .filter(|stop| self.elapsed(now) >= stop.after)
    }

    /// Every status change of the job, at the server time it happens, in order: each
    /// phase after `SUBMITTED` that lasts a while (a phase of zero length is never the
    /// job's status), then the outcome, or `FAILED` at the stop for a stopped job. The
    /// initial `SUBMITTED` is not a change, as Batch sends no event for it.
    pub(crate) fn transitions(&self) -> Vec<(Duration, JobStatus)> {
        let profile = &self.profile;
        let mut changes = Vec::new();
        let mut current = self.natural_status(Duration::ZERO);
        let stop_after = self.stop.as_ref().map(|stop| stop.after);
        if current != JobStatus::Phase(JobPhase::Submitted)
            && stop_after.is_none_or(|after| after > Duration::ZERO)
        {
            // The first phases all last no time: the job starts in a later status.
            changes.push((self.submitted_at, current));
        }
        for phase in JobPhase::ALL {
            let at = profile.phase_end(phase);
            if stop_after.is_some_and(|after| at > after) {
                break;
            }
            let next = self.natural_status(at);
            if next != current {
                changes.push((self.submitted_at.saturating_add(at), next));
                current = next;
            }
        }
        if let Some(after) = stop_after {
            changes.push((
                self.submitted_at.saturating_add(after),
                JobStatus::Finished(JobOutcome::Failed),
            ));
        }
        changes
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

    /// Every job, visible or not, in submission order.
    pub(crate) fn all(&self) -> &[Job] {
        &self.jobs
    }

    pub(crate) fn next_request_id(&mut self) -> String {
        self.ids.uuid()
    }

    /// Submits a job with no dependencies and no members.
    #[cfg(test)]
    pub(crate) fn submit(&mut self, spec: NewJob, now: Duration) -> &Job {
        let index = self.submit_planned(spec, now, DependencyPlan::default(), None);
        &self.jobs[index]
    }

    /// A new job record (not yet stored): ids and ARNs drawn, schedule `profile`.
    fn new_job(
        &mut self,
        id: String,
        spec: &Arc<NewJob>,
        profile: JobProfile,
        family: Family,
        now: Duration,
    ) -> Job {
        let task_id = self.ids.task_id();
        let instance_id = self.ids.uuid();
        let definition_arn = self.arns.job_definition_arn(&spec.definition);
        let log_stream_name = format!("{}/default/{task_id}", job_definition_name(&definition_arn));
        Job {
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
            spec: Arc::clone(spec),
            base: profile.clone(),
            profile,
            family,
            deps: Vec::new(),
            id,
        }
    }

    /// Stores `job`, returning its index.
    fn push(&mut self, job: Job) -> usize {
        let index = self.jobs.len();
        self.by_id.insert(job.id.clone(), index);
        self.jobs.push(job);
        index
    }

    pub(crate) fn index_of(&self, id_or_arn: &str) -> Option<usize> {
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

    #[cfg(test)]
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
    use serde_json::json;

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

    fn names(changes: &[(Duration, JobStatus)]) -> Vec<(u64, &'static str)> {
        changes
            .iter()
            .map(|(at, status)| (at.as_secs(), status.name()))
            .collect()
    }

    #[test]
    fn transitions_skip_submitted_and_zero_length_phases() {
        let mut store = store();
        let profile = JobProfile::succeeding_after(SEC * 5)
            .with_phase_duration(JobPhase::Pending, Duration::ZERO)
            .with_phase_duration(JobPhase::Starting, Duration::ZERO);
        let job = store.submit(spec(profile), SEC * 10);
        assert_eq!(
            names(&job.transitions()),
            [(11, "RUNNABLE"), (12, "RUNNING"), (13, "SUCCEEDED")]
        );
        // Every phase empty: the job is finished the moment it is submitted.
        let job = store.submit(spec(JobProfile::failing_after(Duration::ZERO)), SEC);
        assert_eq!(names(&job.transitions()), [(1, "FAILED")]);
        // Only SUBMITTED empty: the job starts PENDING, which is a change.
        let profile = JobProfile::succeeding_after(SEC * 5)
            .with_phase_duration(JobPhase::Submitted, Duration::ZERO);
        let job = store.submit(spec(profile), Duration::ZERO);
        assert_eq!(names(&job.transitions())[0], (0, "PENDING"));
    }

    #[test]
    fn a_stop_cuts_the_transitions_and_earlier_documents_stay_natural() {
        let clock = ServerClock::new();
        let mut store = store();
        let id = store
            .submit(spec(JobProfile::succeeding_after(SEC * 5)), Duration::ZERO)
            .id
            .clone();
        let at = SEC * 3 + SEC / 2; // STARTING
        let job = store.visible_mut(&id, at).unwrap();
        assert_eq!(job.terminate(at, "stop".into()), StopEffect::Stopped);
        let changes = job.transitions();
        assert_eq!(
            names(&changes),
            [
                (1, "PENDING"),
                (2, "RUNNABLE"),
                (3, "STARTING"),
                (3, "FAILED")
            ]
        );
        assert_eq!(changes[3].0, at);
        // Described at the time of an earlier change, the job is as it was then.
        assert_eq!(job.detail(SEC * 2, &clock)["status"], "RUNNABLE");
        assert_eq!(job.detail(SEC * 2, &clock)["isTerminated"], false);
        assert_eq!(job.detail(at, &clock)["status"], "FAILED");
        assert_eq!(job.status(SEC * 3), JobStatus::Phase(JobPhase::Starting));
        assert_eq!(job.status(at), JobStatus::Finished(JobOutcome::Failed));
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

//! Array jobs, multi-node parallel jobs and job dependencies.
//!
//! Statuses stay derived from the server clock, with no task per job: what a member or a
//! dependent job does is written into its schedule when it is submitted, and written
//! again when a stop request changes when some job ends ([`JobStore::settle_from`]):
//!
//! - a job with dependencies stays `PENDING` until the last of them has succeeded (its
//!   `PENDING` phase is lengthened), or goes from `PENDING` to `FAILED` when one of them
//!   fails (a stop of kind `DependencyFailed`, reason [`DEPENDENT_JOB_FAILED`]);
//! - an array parent's schedule is computed from its children: `SUBMITTED` until the
//!   first child is `RUNNABLE`, then `PENDING` until the last child has ended, then
//!   `SUCCEEDED`, or `FAILED` if any child failed;
//! - a multi-node job follows its main node.
//!
//! Dependencies always point to jobs stored earlier (children are stored in index order
//! right after their parent), so one pass in store order settles everything.

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Job, JobStatus, JobStore, NewJob, Stop, StopEffect, StopKind};
use crate::clock::ServerClock;
use crate::profile::{JobOutcome, JobPhase, JobProfile};

/// The `statusReason` of a job whose dependency failed.
pub(crate) const DEPENDENT_JOB_FAILED: &str = "Dependent Job failed";

/// Where a job stands among array and multi-node jobs.
#[derive(Clone, Debug)]
pub(crate) enum Family {
    /// An ordinary job.
    Single,
    /// An array job's parent; its children are stored at `first..first + size`.
    ArrayParent { first: usize, size: usize },
    /// Child `index` of the array whose parent is stored at `parent`.
    ArrayChild { parent: usize, index: usize },
    /// A multi-node parallel job; its node jobs are stored at `first..first + num_nodes`.
    MultiNode {
        first: usize,
        num_nodes: usize,
        main_node: usize,
        node_properties: Box<Value>,
    },
    /// Node `index` of the multi-node job stored at `parent`.
    Node {
        parent: usize,
        index: usize,
        is_main: bool,
    },
}

impl Family {
    /// Store indexes of an array's children or a multi-node job's nodes.
    fn members(&self) -> Option<Range<usize>> {
        match self {
            Family::ArrayParent { first, size } => Some(*first..first + size),
            Family::MultiNode {
                first, num_nodes, ..
            } => Some(*first..first + num_nodes),
            _ => None,
        }
    }

    /// Whether this is an array child or a node job (not listed by job queue).
    pub(crate) fn is_member(&self) -> bool {
        matches!(self, Family::ArrayChild { .. } | Family::Node { .. })
    }

    /// Whether the job runs no container of its own.
    pub(crate) fn is_parent(&self) -> bool {
        self.members().is_some()
    }
}

/// The jobs a new job waits for, resolved to store indexes.
#[derive(Debug, Default)]
pub(crate) struct DependencyPlan {
    /// Plain dependencies: the whole job must succeed (for an array, every child waits).
    pub(crate) jobs: Vec<usize>,
    /// `SEQUENTIAL`: each child waits for the child before it.
    pub(crate) sequential: bool,
    /// `N_TO_N`: child `i` waits for child `i` of each of these array parents.
    pub(crate) n_to_n: Vec<usize>,
}

/// The members a new job fans out to.
#[derive(Debug)]
pub(crate) struct Fanout {
    pub(crate) kind: FanoutKind,
    /// Member indexes that fail (sorted), and the schedule they follow.
    pub(crate) failing: Vec<usize>,
    pub(crate) failing_profile: JobProfile,
}

#[derive(Debug)]
pub(crate) enum FanoutKind {
    Array {
        size: usize,
    },
    MultiNode {
        num_nodes: usize,
        main_node: usize,
        node_properties: Value,
    },
}

impl FanoutKind {
    fn count(&self) -> usize {
        match self {
            FanoutKind::Array { size } => *size,
            FanoutKind::MultiNode { num_nodes, .. } => *num_nodes,
        }
    }
}

/// What `ListJobs` lists.
#[derive(Debug)]
pub(crate) enum ListScope {
    /// The jobs of a queue (by ARN): no array children or node jobs.
    Queue(String),
    /// The children of an array, or the nodes of a multi-node job, in index order.
    Members(Range<usize>),
}

impl Job {
    /// When the job ends (server time) and how, as scheduled now.
    fn finish(&self) -> (Duration, JobOutcome) {
        match &self.stop {
            Some(stop) => (
                self.submitted_at.saturating_add(stop.after),
                JobOutcome::Failed,
            ),
            None => (
                self.submitted_at
                    .saturating_add(self.profile.total_duration()),
                self.profile.outcome(),
            ),
        }
    }

    /// When the job first is `RUNNABLE` or further along, if it ever is.
    fn runnable_at(&self) -> Option<Duration> {
        self.transitions()
            .into_iter()
            .find(|(_, status)| matches!(status, JobStatus::Phase(p) if *p >= JobPhase::Runnable))
            .map(|(at, _)| at)
    }

    fn stopped_by_request(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|stop| stop.kind != StopKind::DependencyFailed)
    }
}

/// `base` held in `PENDING` until `until` after submission (at least).
fn held(base: &JobProfile, until: Duration) -> JobProfile {
    let pending_end = base.phase_end(JobPhase::Pending).max(until);
    let pending = pending_end.saturating_sub(base.phase_end(JobPhase::Submitted));
    base.clone().with_phase_duration(JobPhase::Pending, pending)
}

impl JobStore {
    /// Stores a job, its children or nodes if it fans out, and what they wait for;
    /// returns the new job's store index.
    pub(crate) fn submit_planned(
        &mut self,
        spec: NewJob,
        now: Duration,
        plan: DependencyPlan,
        fanout: Option<Fanout>,
    ) -> usize {
        let spec = Arc::new(spec);
        let base = spec.profile.clone();
        let id = self.ids.uuid();
        let first = self.jobs.len() + 1;
        let family = match fanout.as_ref().map(|f| &f.kind) {
            None => Family::Single,
            Some(FanoutKind::Array { size }) => Family::ArrayParent { first, size: *size },
            Some(FanoutKind::MultiNode {
                num_nodes,
                main_node,
                node_properties,
            }) => Family::MultiNode {
                first,
                num_nodes: *num_nodes,
                main_node: *main_node,
                node_properties: Box::new(node_properties.clone()),
            },
        };
        let job = self.new_job(id.clone(), &spec, base.clone(), family, now);
        let parent = self.push(job);
        match fanout {
            None => self.jobs[parent].deps = plan.jobs,
            Some(fanout) => self.submit_members(parent, &id, &spec, &base, &plan, &fanout, now),
        }
        self.settle_from(parent);
        parent
    }

    #[allow(clippy::too_many_arguments)]
    fn submit_members(
        &mut self,
        parent: usize,
        id: &str,
        spec: &Arc<NewJob>,
        base: &JobProfile,
        plan: &DependencyPlan,
        fanout: &Fanout,
        now: Duration,
    ) {
        let first = parent + 1;
        let firsts: Vec<usize> = plan
            .n_to_n
            .iter()
            .filter_map(|&p| match self.jobs[p].family {
                Family::ArrayParent { first, .. } => Some(first),
                _ => None,
            })
            .collect();
        for index in 0..fanout.kind.count() {
            let (member_id, family) = match &fanout.kind {
                FanoutKind::Array { .. } => (
                    format!("{id}:{index}"),
                    Family::ArrayChild { parent, index },
                ),
                FanoutKind::MultiNode { main_node, .. } => (
                    format!("{id}#{index}"),
                    Family::Node {
                        parent,
                        index,
                        is_main: index == *main_node,
                    },
                ),
            };
            let profile = if fanout.failing.binary_search(&index).is_ok() {
                fanout.failing_profile.clone()
            } else {
                base.clone()
            };
            let mut job = self.new_job(member_id, spec, profile, family, now);
            job.deps = plan.jobs.clone();
            if plan.sequential && index > 0 {
                job.deps.push(first + index - 1);
            }
            job.deps.extend(firsts.iter().map(|f| f + index));
            self.push(job);
        }
    }

    /// Rewrites the schedules that depend on others, from store index `start` on:
    /// after a submission, or a stop that changed when a job ends.
    pub(crate) fn settle_from(&mut self, start: usize) {
        for index in start..self.jobs.len() {
            if !self.jobs[index].deps.is_empty() {
                self.resolve(index);
            }
            if let Some(parent) = self.completed_family(index) {
                self.sync_parent(parent);
            }
        }
    }

    /// The parent whose last member is stored at `index`.
    fn completed_family(&self, index: usize) -> Option<usize> {
        let parent = match self.jobs[index].family {
            Family::ArrayChild { parent, .. } | Family::Node { parent, .. } => parent,
            _ => return None,
        };
        let members = self.jobs[parent].family.members()?;
        (members.end == index + 1).then_some(parent)
    }

    /// Holds job `index` in `PENDING` until its dependencies have succeeded, or fails it
    /// when the first of them fails.
    fn resolve(&mut self, index: usize) {
        if self.jobs[index].stopped_by_request() {
            return;
        }
        let mut failed_at = None::<Duration>;
        let mut released_at = Duration::ZERO;
        for &dep in &self.jobs[index].deps {
            match self.jobs[dep].finish() {
                (at, JobOutcome::Failed) => failed_at = Some(failed_at.map_or(at, |f| f.min(at))),
                (at, JobOutcome::Succeeded) => released_at = released_at.max(at),
            }
        }
        let job = &mut self.jobs[index];
        job.stop = None;
        match failed_at {
            Some(at) => {
                let after = at.saturating_sub(job.submitted_at);
                // Never released: the stop ends the job.
                job.profile = held(&job.base, Duration::MAX);
                let phase = match job.natural_status(after) {
                    JobStatus::Phase(phase) => phase,
                    JobStatus::Finished(_) => JobPhase::Pending,
                };
                job.stop = Some(Stop {
                    after,
                    reason: DEPENDENT_JOB_FAILED.to_owned(),
                    kind: StopKind::DependencyFailed,
                    phase,
                });
            }
            None => {
                job.profile = held(&job.base, released_at.saturating_sub(job.submitted_at));
            }
        }
    }

    /// Recomputes the schedule of the array parent or multi-node job at `parent`.
    fn sync_parent(&mut self, parent: usize) {
        match self.jobs[parent].family.clone() {
            Family::ArrayParent { first, size } => {
                let children = &self.jobs[first..first + size];
                let runnable_at = children.iter().filter_map(Job::runnable_at).min();
                let finishes = children.iter().map(Job::finish);
                let ended_at = finishes.clone().map(|(at, _)| at).max().unwrap_or_default();
                let failed = finishes
                    .into_iter()
                    .any(|(_, outcome)| outcome == JobOutcome::Failed);
                let job = &mut self.jobs[parent];
                let ended = ended_at.saturating_sub(job.submitted_at);
                let pending_from = runnable_at
                    .map_or(ended, |at| at.saturating_sub(job.submitted_at))
                    .min(ended);
                let outcome = if failed {
                    JobOutcome::Failed
                } else {
                    JobOutcome::Succeeded
                };
                job.profile = job
                    .base
                    .clone()
                    .with_every_phase(Duration::ZERO)
                    .with_phase_duration(JobPhase::Submitted, pending_from)
                    .with_phase_duration(JobPhase::Pending, ended - pending_from)
                    .with_outcome(outcome);
            }
            Family::MultiNode {
                first, main_node, ..
            } => {
                let main = &self.jobs[first + main_node];
                let (profile, stop) = (main.profile.clone(), main.stop.clone());
                let job = &mut self.jobs[parent];
                job.profile = profile;
                job.stop = stop;
            }
            _ => {}
        }
    }

    /// `TerminateJob` or `CancelJob` (`apply`) on the job `id_or_arn`; on an array parent
    /// or a multi-node job it applies to every member. `None`: no such job.
    pub(crate) fn stop(
        &mut self,
        id_or_arn: &str,
        now: Duration,
        apply: impl Fn(&mut Job) -> StopEffect,
    ) -> Option<StopEffect> {
        let index = self
            .index_of(id_or_arn)
            .filter(|&i| self.jobs[i].is_visible(now))?;
        let effect = match self.jobs[index].family.members() {
            Some(members) => members.map(|member| apply(&mut self.jobs[member])).fold(
                StopEffect::NoChange,
                |acc, effect| {
                    if effect == StopEffect::Stopped {
                        effect
                    } else {
                        acc
                    }
                },
            ),
            None => apply(&mut self.jobs[index]),
        };
        if effect == StopEffect::Stopped {
            self.settle_from(index);
        }
        Some(effect)
    }

    /// The jobs `ListJobs` considers, visible at `now`, in the order it lists them.
    pub(crate) fn listed(&self, scope: &ListScope, now: Duration) -> Vec<&Job> {
        match scope {
            ListScope::Queue(queue_arn) => {
                let mut jobs: Vec<&Job> = self
                    .all_visible(now)
                    .filter(|job| !job.family.is_member() && job.queue_arn() == queue_arn)
                    .collect();
                jobs.sort_by(|a, b| Job::newest_first(a, b));
                jobs
            }
            ListScope::Members(range) => self.jobs[range.clone()]
                .iter()
                .filter(|job| job.is_visible(now))
                .collect(),
        }
    }

    /// The members of the array or multi-node job `id_or_arn` (empty for any other job).
    pub(crate) fn members_of(&self, id_or_arn: &str, multi_node: bool) -> ListScope {
        let range = self
            .index_of(id_or_arn)
            .and_then(|i| match &self.jobs[i].family {
                Family::ArrayParent { .. } if !multi_node => self.jobs[i].family.members(),
                Family::MultiNode { .. } if multi_node => self.jobs[i].family.members(),
                _ => None,
            });
        ListScope::Members(range.unwrap_or(0..0))
    }

    /// The `JobDetail` of `job` at `now`, with its array or node properties.
    pub(crate) fn detail(&self, job: &Job, now: Duration, clock: &ServerClock) -> Value {
        let mut detail = job.detail(now, clock);
        if let Value::Object(fields) = &mut detail {
            self.add_family_detail(job, now, fields);
        }
        detail
    }

    fn add_family_detail(&self, job: &Job, now: Duration, fields: &mut Map<String, Value>) {
        match &job.family {
            Family::Single => {}
            Family::ArrayParent { first, size } => {
                let mut counts = [0_u32; JobStatus::NAMES.len()];
                for child in &self.jobs[*first..first + size] {
                    let name = child.status(now).name();
                    if let Some(slot) = JobStatus::NAMES.iter().position(|n| *n == name) {
                        counts[slot] += 1;
                    }
                }
                let summary: Map<String, Value> = JobStatus::NAMES
                    .iter()
                    .zip(counts)
                    .map(|(name, count)| ((*name).to_owned(), json!(count)))
                    .collect();
                fields.insert(
                    "arrayProperties".into(),
                    json!({ "statusSummary": summary, "size": size }),
                );
            }
            Family::ArrayChild { index, .. } => {
                fields.insert("arrayProperties".into(), json!({ "index": index }));
            }
            Family::MultiNode {
                node_properties, ..
            } => {
                fields.insert("nodeProperties".into(), (**node_properties).clone());
            }
            Family::Node { index, is_main, .. } => {
                fields.insert(
                    "nodeDetails".into(),
                    json!({ "nodeIndex": index, "isMainNode": is_main }),
                );
            }
        }
    }

    /// The `JobSummary` of `job` at `now`, with its array or node properties.
    pub(crate) fn summary(&self, job: &Job, now: Duration, clock: &ServerClock) -> Value {
        let mut summary = job.summary(now, clock);
        let extra = match &job.family {
            Family::Single => None,
            Family::ArrayParent { size, .. } => Some(("arrayProperties", json!({ "size": size }))),
            Family::ArrayChild { index, .. } => {
                Some(("arrayProperties", json!({ "index": index })))
            }
            Family::MultiNode { num_nodes, .. } => {
                Some(("nodeProperties", json!({ "numNodes": num_nodes })))
            }
            Family::Node {
                parent,
                index,
                is_main,
            } => {
                let num_nodes = self.jobs[*parent].family.members().map_or(0, |r| r.len());
                Some((
                    "nodeProperties",
                    json!({ "isMainNode": is_main, "numNodes": num_nodes, "nodeIndex": index }),
                ))
            }
        };
        if let (Value::Object(fields), Some((key, value))) = (&mut summary, extra) {
            fields.insert(key.into(), value);
        }
        summary
    }
}

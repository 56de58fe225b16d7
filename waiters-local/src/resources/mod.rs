//! Compute environments, job queues and job definitions: what was created, and the
//! lifecycle of each. The requests that create and describe them are in
//! `crate::api::resources`.
//!
//! As for jobs, status is never stored: a compute environment or job queue is
//! `CREATING` (or `UPDATING` after an update) until its settle time has passed since the
//! last change, then `VALID`, or `INVALID` when its creation asked for it (the tag
//! `local:outcome`). Time is the server clock, so tests fast-forward it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::ids::ArnContext;

mod stuck;

pub(crate) use stuck::{Hold, Requested};

/// How a compute environment or job queue settles, from its `local:` tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settle {
    /// From creation or the last update to `VALID` or `INVALID`.
    pub(crate) after: Duration,
    /// `Some(reason)`: it becomes `INVALID` with this `statusReason`.
    pub(crate) invalid: Option<String>,
}

/// The tag keys that choose a resource's lifecycle (and, for a compute environment,
/// whether EC2 has capacity for it: [`stuck`]); any other `local:` tag is refused.
pub(crate) const TAG_KEYS: [&str; 4] = [
    "local:outcome",
    "local:readyMillis",
    "local:statusReason",
    stuck::CAPACITY_TAG,
];

/// The `statusReason` of a resource made `INVALID` without `local:statusReason`.
pub(crate) const DEFAULT_INVALID_REASON: &str =
    "CLIENT_ERROR - made INVALID on request (local:outcome)";

impl Settle {
    /// The lifecycle `tags` ask for, starting from the server's default settle time.
    pub(crate) fn from_tags(
        tags: &BTreeMap<String, String>,
        default_after: Duration,
    ) -> Result<Settle, String> {
        let mut settle = Settle {
            after: default_after,
            invalid: None,
        };
        let mut reason = None;
        for (key, value) in tags.iter().filter(|(k, _)| k.starts_with("local:")) {
            match key.as_str() {
                "local:outcome" => match value.as_str() {
                    "VALID" => settle.invalid = None,
                    "INVALID" => settle.invalid = Some(String::new()),
                    other => {
                        return Err(format!(
                            "Invalid tag local:outcome={other}: expected VALID or INVALID"
                        ));
                    }
                },
                "local:readyMillis" => {
                    let millis = value.trim().parse::<u64>().map_err(|_| {
                        format!("Invalid tag local:readyMillis={value}: expected milliseconds")
                    })?;
                    settle.after = Duration::from_millis(millis);
                }
                "local:statusReason" => reason = Some(value.clone()),
                stuck::CAPACITY_TAG => stuck::check_capacity_tag(value)?,
                other => {
                    return Err(format!(
                        "Unknown tag {other}: waiters-local reads {}",
                        TAG_KEYS.join(", ")
                    ));
                }
            }
        }
        if let Some(invalid) = &mut settle.invalid {
            *invalid = reason.unwrap_or_else(|| DEFAULT_INVALID_REASON.to_owned());
        }
        Ok(settle)
    }
}

/// The status of a compute environment or job queue at some server time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Status {
    pub(crate) status: &'static str,
    pub(crate) reason: String,
}

/// When a resource last changed and how it settles.
#[derive(Clone, Debug)]
struct Lifecycle {
    changed_at: Duration,
    /// `CREATING` or `UPDATING`.
    changing: &'static str,
    settle: Settle,
}

impl Lifecycle {
    fn status(&self, now: Duration, healthy: &str) -> Status {
        let settled = now.saturating_sub(self.changed_at) >= self.settle.after;
        match (&self.settle.invalid, settled) {
            (_, false) => Status {
                status: self.changing,
                reason: format!("{} is in progress", self.changing.to_lowercase()),
            },
            (None, true) => Status {
                status: "VALID",
                reason: healthy.to_owned(),
            },
            (Some(reason), true) => Status {
                status: "INVALID",
                reason: reason.clone(),
            },
        }
    }

    fn update(&mut self, now: Duration, after: Duration) {
        self.changed_at = now;
        self.changing = "UPDATING";
        self.settle.after = after;
    }
}

#[derive(Debug)]
pub(crate) struct ComputeEnvironment {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// `MANAGED` or `UNMANAGED`.
    kind: String,
    /// `ENABLED` or `DISABLED`.
    state: String,
    service_role: Option<String>,
    compute_resources: Option<Value>,
    tags: BTreeMap<String, String>,
    lifecycle: Lifecycle,
}

impl ComputeEnvironment {
    pub(crate) fn status(&self, now: Duration) -> Status {
        self.lifecycle.status(now, "ComputeEnvironment Healthy")
    }

    /// A `ComputeEnvironmentDetail` document.
    pub(crate) fn detail(&self, now: Duration, arns: &ArnContext) -> Value {
        let Status { status, reason } = self.status(now);
        let mut detail = json!({
            "computeEnvironmentName": self.name,
            "computeEnvironmentArn": self.arn,
            "ecsClusterArn": arns.ecs_cluster_arn(&format!("{}_Batch", self.name)),
            "tags": self.tags,
            "type": self.kind,
            "state": self.state,
            "status": status,
            "statusReason": reason,
            "containerOrchestrationType": "ECS",
        });
        if let Some(role) = &self.service_role {
            detail["serviceRole"] = json!(role);
        }
        if let Some(resources) = &self.compute_resources {
            detail["computeResources"] = resources.clone();
        }
        detail
    }
}

#[derive(Debug)]
pub(crate) struct JobQueue {
    pub(crate) name: String,
    pub(crate) arn: String,
    state: String,
    priority: i64,
    /// `[{"order": n, "computeEnvironment": ARN}]`.
    order: Vec<Value>,
    scheduling_policy_arn: Option<String>,
    tags: BTreeMap<String, String>,
    lifecycle: Lifecycle,
}

impl JobQueue {
    /// A `JobQueueDetail` document.
    pub(crate) fn detail(&self, now: Duration) -> Value {
        let Status { status, reason } = self.lifecycle.status(now, "JobQueue Healthy");
        let mut detail = json!({
            "jobQueueName": self.name,
            "jobQueueArn": self.arn,
            "state": self.state,
            "status": status,
            "statusReason": reason,
            "priority": self.priority,
            "computeEnvironmentOrder": self.order,
            "jobQueueType": "ECS",
            "tags": self.tags,
        });
        if let Some(policy) = &self.scheduling_policy_arn {
            detail["schedulingPolicyArn"] = json!(policy);
        }
        detail
    }
}

#[derive(Debug)]
pub(crate) struct JobDefinition {
    pub(crate) name: String,
    pub(crate) revision: u32,
    pub(crate) arn: String,
    /// The members of the request that a `JobDefinition` echoes.
    document: serde_json::Map<String, Value>,
}

impl JobDefinition {
    /// The `nodeProperties` of a `multinode` definition (what makes a job multi-node).
    pub(crate) fn node_properties(&self) -> Option<&Value> {
        (self.document.get("type")?.as_str()? == "multinode")
            .then(|| self.document.get("nodeProperties"))
            .flatten()
    }

    /// A `JobDefinition` document.
    pub(crate) fn detail(&self) -> Value {
        let mut detail = self.document.clone();
        detail.insert("jobDefinitionName".into(), json!(self.name));
        detail.insert("jobDefinitionArn".into(), json!(self.arn));
        detail.insert("revision".into(), json!(self.revision));
        detail.insert("status".into(), json!("ACTIVE"));
        Value::Object(detail)
    }
}

/// What `CreateComputeEnvironment` hands the store.
#[derive(Debug)]
pub(crate) struct NewComputeEnvironment {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) state: String,
    pub(crate) service_role: Option<String>,
    pub(crate) compute_resources: Option<Value>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) settle: Settle,
}

/// What `CreateJobQueue` hands the store.
#[derive(Debug)]
pub(crate) struct NewJobQueue {
    pub(crate) name: String,
    pub(crate) state: String,
    pub(crate) priority: i64,
    /// `(order, compute environment name or ARN)`.
    pub(crate) order: Vec<(i64, String)>,
    pub(crate) scheduling_policy_arn: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) settle: Settle,
}

/// Every compute environment, job queue and job definition, in creation order.
#[derive(Debug)]
pub(crate) struct ResourceStore {
    arns: ArnContext,
    /// From creation or an update to `VALID`, unless a resource's tags say otherwise.
    pub(crate) settle_after: Duration,
    compute_environments: Vec<ComputeEnvironment>,
    job_queues: Vec<JobQueue>,
    job_definitions: Vec<JobDefinition>,
}

impl ResourceStore {
    pub(crate) fn new(arns: ArnContext, settle_after: Duration) -> Self {
        Self {
            arns,
            settle_after,
            compute_environments: Vec::new(),
            job_queues: Vec::new(),
            job_definitions: Vec::new(),
        }
    }

    pub(crate) fn arns(&self) -> &ArnContext {
        &self.arns
    }

    /// A compute environment by name or ARN.
    pub(crate) fn compute_environment(&self, name_or_arn: &str) -> Option<&ComputeEnvironment> {
        self.compute_environments
            .iter()
            .find(|ce| ce.name == name_or_arn || ce.arn == name_or_arn)
    }

    pub(crate) fn compute_environments(&self) -> &[ComputeEnvironment] {
        &self.compute_environments
    }

    pub(crate) fn create_compute_environment(
        &mut self,
        spec: NewComputeEnvironment,
        now: Duration,
    ) -> Result<&ComputeEnvironment, String> {
        if self.compute_environment(&spec.name).is_some() {
            return Err(format!("Object already exists: {}", spec.name));
        }
        let arn = self.arns.compute_environment_arn(&spec.name);
        self.compute_environments.push(ComputeEnvironment {
            arn,
            name: spec.name,
            kind: spec.kind,
            state: spec.state,
            service_role: spec.service_role,
            compute_resources: spec.compute_resources,
            tags: spec.tags,
            lifecycle: Lifecycle {
                changed_at: now,
                changing: "CREATING",
                settle: spec.settle,
            },
        });
        self.compute_environments
            .last()
            .ok_or_else(|| "the compute environment was not stored".to_owned())
    }

    /// Changes a compute environment's state (when given); it is `UPDATING` for the
    /// settle time, then as before.
    pub(crate) fn update_compute_environment(
        &mut self,
        name_or_arn: &str,
        state: Option<String>,
        now: Duration,
    ) -> Option<&ComputeEnvironment> {
        let after = self.settle_after;
        let ce = self
            .compute_environments
            .iter_mut()
            .find(|ce| ce.name == name_or_arn || ce.arn == name_or_arn)?;
        if let Some(state) = state {
            ce.state = state;
        }
        ce.lifecycle.update(now, after);
        Some(ce)
    }

    /// A job queue by name or ARN.
    pub(crate) fn job_queue(&self, name_or_arn: &str) -> Option<&JobQueue> {
        self.job_queues
            .iter()
            .find(|q| q.name == name_or_arn || q.arn == name_or_arn)
    }

    pub(crate) fn job_queues(&self) -> &[JobQueue] {
        &self.job_queues
    }

    /// The `computeEnvironmentOrder` documents of `order`; every compute environment
    /// must exist.
    fn order_documents(&self, order: &[(i64, String)]) -> Result<Vec<Value>, String> {
        order
            .iter()
            .map(|(position, ce)| match self.compute_environment(ce) {
                Some(ce) => Ok(json!({"order": position, "computeEnvironment": ce.arn})),
                None => Err(format!("computeEnvironment {ce} does not exist")),
            })
            .collect()
    }

    pub(crate) fn create_job_queue(
        &mut self,
        spec: NewJobQueue,
        now: Duration,
    ) -> Result<&JobQueue, String> {
        if self.job_queue(&spec.name).is_some() {
            return Err(format!("Object already exists: {}", spec.name));
        }
        let order = self.order_documents(&spec.order)?;
        let arn = self.arns.job_queue_arn(&spec.name);
        self.job_queues.push(JobQueue {
            arn,
            name: spec.name,
            state: spec.state,
            priority: spec.priority,
            order,
            scheduling_policy_arn: spec.scheduling_policy_arn,
            tags: spec.tags,
            lifecycle: Lifecycle {
                changed_at: now,
                changing: "CREATING",
                settle: spec.settle,
            },
        });
        self.job_queues
            .last()
            .ok_or_else(|| "the job queue was not stored".to_owned())
    }

    /// Changes a job queue's state, priority or compute environments (those given); it is
    /// `UPDATING` for the settle time, then as before.
    pub(crate) fn update_job_queue(
        &mut self,
        name_or_arn: &str,
        state: Option<String>,
        priority: Option<i64>,
        order: Option<Vec<(i64, String)>>,
        now: Duration,
    ) -> Result<&JobQueue, String> {
        let order = order.map(|o| self.order_documents(&o)).transpose()?;
        let after = self.settle_after;
        let queue = self
            .job_queues
            .iter_mut()
            .find(|q| q.name == name_or_arn || q.arn == name_or_arn)
            .ok_or_else(|| format!("jobQueue {name_or_arn} does not exist"))?;
        if let Some(state) = state {
            queue.state = state;
        }
        if let Some(priority) = priority {
            queue.priority = priority;
        }
        if let Some(order) = order {
            queue.order = order;
        }
        queue.lifecycle.update(now, after);
        Ok(queue)
    }

    pub(crate) fn job_definitions(&self) -> &[JobDefinition] {
        &self.job_definitions
    }

    /// The definition `SubmitJob` names: an ARN, `name:revision`, or a name (its latest
    /// revision).
    pub(crate) fn job_definition(&self, reference: &str) -> Option<&JobDefinition> {
        let exact = self
            .job_definitions
            .iter()
            .find(|d| d.arn == reference || format!("{}:{}", d.name, d.revision) == reference);
        exact.or_else(|| {
            self.job_definitions
                .iter()
                .filter(|d| d.name == reference)
                .max_by_key(|d| d.revision)
        })
    }

    /// Registers the next revision of `name`.
    pub(crate) fn register_job_definition(
        &mut self,
        name: String,
        document: serde_json::Map<String, Value>,
    ) -> &JobDefinition {
        let revision = self
            .job_definitions
            .iter()
            .filter(|d| d.name == name)
            .map(|d| d.revision)
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        let arn = self.arns.job_definition_arn(&format!("{name}:{revision}"));
        let index = self.job_definitions.len();
        self.job_definitions.push(JobDefinition {
            name,
            revision,
            arn,
            document,
        });
        &self.job_definitions[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn tags_choose_the_lifecycle() {
        let default = Duration::from_secs(2);
        assert_eq!(
            Settle::from_tags(&tags(&[("team", "x")]), default),
            Ok(Settle {
                after: default,
                invalid: None
            })
        );
        assert_eq!(
            Settle::from_tags(
                &tags(&[("local:outcome", "INVALID"), ("local:readyMillis", "50")]),
                default
            ),
            Ok(Settle {
                after: Duration::from_millis(50),
                invalid: Some(DEFAULT_INVALID_REASON.to_owned())
            })
        );
        for bad in [
            ("local:outcome", "BROKEN"),
            ("local:readyMillis", "-1"),
            ("local:colour", "red"),
        ] {
            assert!(
                Settle::from_tags(&tags(&[bad]), default).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_resource_is_creating_then_settles_and_updates_start_over() {
        let mut lifecycle = Lifecycle {
            changed_at: Duration::from_secs(10),
            changing: "CREATING",
            settle: Settle {
                after: Duration::from_secs(5),
                invalid: None,
            },
        };
        assert_eq!(
            lifecycle.status(Duration::from_secs(14), "ok").status,
            "CREATING"
        );
        assert_eq!(
            lifecycle.status(Duration::from_secs(15), "ok").status,
            "VALID"
        );
        lifecycle.update(Duration::from_secs(20), Duration::from_secs(1));
        assert_eq!(
            lifecycle.status(Duration::from_secs(20), "ok").status,
            "UPDATING"
        );
        assert_eq!(
            lifecycle.status(Duration::from_secs(21), "ok").status,
            "VALID"
        );
        lifecycle.settle.invalid = Some("broken".into());
        let status = lifecycle.status(Duration::from_secs(21), "ok");
        assert_eq!(
            (status.status, status.reason.as_str()),
            ("INVALID", "broken")
        );
    }
}

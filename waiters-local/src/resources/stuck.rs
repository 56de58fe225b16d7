//! Why a job sits in `RUNNABLE`: decided when it is submitted, from its queue, the queue's
//! compute environments and what the job asks for, with the `statusReason` Batch documents
//! for a blocked queue. A capacity shortage (the compute environment tag
//! `local:capacity=INSUFFICIENT`) lasts the job's `RUNNABLE` phase, as EC2 capacity comes
//! back; a misconfiguration keeps the job `RUNNABLE` until it is cancelled or terminated.

use std::time::Duration;

use serde_json::Value;

use super::{ComputeEnvironment, ResourceStore};
use crate::profile::{JobPhase, JobProfile};

/// The compute environment tag that says EC2 has no capacity for its instance types.
pub(crate) const CAPACITY_TAG: &str = "local:capacity";

pub(crate) const MAX_RESOURCE: &str = "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.";
pub(crate) const JOB_RESOURCE: &str = "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.";
pub(crate) const INVALID_CES: &str =
    "ACTION_REQUIRED - CE(s) associated with the job queue are invalid";

/// `(instance type, vCPUs, MiB, GPUs)` of the types the local endpoint knows; a compute
/// environment with any other type is never called too small.
const SIZES: [(&str, f64, f64, f64); 7] = [
    ("m5.large", 2.0, 8192.0, 0.0),
    ("m5.xlarge", 4.0, 16384.0, 0.0),
    ("m5.2xlarge", 8.0, 32768.0, 0.0),
    ("c5.large", 2.0, 4096.0, 0.0),
    ("c5.xlarge", 4.0, 8192.0, 0.0),
    ("r5.large", 2.0, 16384.0, 0.0),
    ("p3.2xlarge", 8.0, 62464.0, 1.0),
];

pub(crate) fn check_capacity_tag(value: &str) -> Result<(), String> {
    match value {
        "INSUFFICIENT" | "AVAILABLE" => Ok(()),
        other => Err(format!(
            "Invalid tag {CAPACITY_TAG}={other}: expected INSUFFICIENT or AVAILABLE"
        )),
    }
}

/// What a job asks for: vCPUs, MiB of memory, GPUs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Requested {
    vcpus: Option<f64>,
    memory: Option<f64>,
    gpus: Option<f64>,
}

impl Requested {
    /// From `resourceRequirements` documents (`{"type": "VCPU", "value": "2"}`).
    pub(crate) fn from_requirements(requirements: &[Value]) -> Requested {
        let mut requested = Requested::default();
        for requirement in requirements {
            let value = requirement["value"]
                .as_str()
                .and_then(|v| v.trim().parse().ok());
            match requirement["type"].as_str() {
                Some("VCPU") => requested.vcpus = value,
                Some("MEMORY") => requested.memory = value,
                Some("GPU") => requested.gpus = value,
                _ => {}
            }
        }
        requested
    }

    /// These numbers, and `other`'s where these lack one.
    fn or(self, other: Requested) -> Requested {
        Requested {
            vcpus: self.vcpus.or(other.vcpus),
            memory: self.memory.or(other.memory),
            gpus: self.gpus.or(other.gpus),
        }
    }
}

/// How a job waits in `RUNNABLE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hold {
    pub(crate) reason: Option<String>,
    /// Until cancelled or terminated, rather than for its `RUNNABLE` phase.
    pub(crate) forever: bool,
}

impl Hold {
    fn forever(reason: Option<&str>) -> Hold {
        Hold {
            reason: reason.map(str::to_owned),
            forever: true,
        }
    }

    /// The job's schedule with this hold, and a `local:runnableReason` it was given: a
    /// reason that is not capacity or undetermined holds the job for good.
    pub(crate) fn apply(hold: Option<Hold>, mut profile: JobProfile) -> JobProfile {
        let given = profile.runnable_reason().map(str::to_owned);
        let forever = hold.as_ref().is_some_and(|h| h.forever)
            || given
                .as_deref()
                .is_some_and(|r| !r.starts_with("CAPACITY:") && !r.starts_with("UNDETERMINED"));
        if let Some(reason) = hold.and_then(|h| h.reason).filter(|_| given.is_none()) {
            profile = profile.with_runnable_reason(reason);
        }
        if forever {
            profile = profile.with_phase_duration(JobPhase::Runnable, Duration::MAX);
        }
        profile
    }
}

impl ComputeEnvironment {
    fn usable(&self, now: Duration) -> bool {
        self.state == "ENABLED" && self.status(now).status != "INVALID"
    }

    fn resource(&self, member: &str) -> Option<&Value> {
        self.compute_resources.as_ref().and_then(|r| r.get(member))
    }

    /// Whether some instance this compute environment launches fits `requested`; `true`
    /// when a type is not in [`SIZES`] (the endpoint cannot tell).
    fn has_instance_for(&self, requested: Requested) -> bool {
        let Some(types) = self.resource("instanceTypes").and_then(Value::as_array) else {
            return true;
        };
        types.iter().any(|t| {
            let size = SIZES.iter().find(|(name, ..)| Some(*name) == t.as_str());
            size.is_none_or(|&(_, vcpus, memory, gpus)| {
                requested.vcpus.is_none_or(|v| v <= vcpus)
                    && requested.memory.is_none_or(|m| m <= memory)
                    && requested.gpus.is_none_or(|g| g <= gpus)
            })
        })
    }
}

impl ResourceStore {
    /// How a job submitted to `queue` now, with `definition` and its overrides, waits in
    /// `RUNNABLE`; `None` when nothing holds it (or the queue is not known here).
    pub(crate) fn hold(
        &self,
        queue: &str,
        definition: &str,
        overrides: Requested,
        now: Duration,
    ) -> Option<Hold> {
        let queue = self.job_queue(queue)?;
        let queue_status = queue.lifecycle.status(now, "");
        if queue.state == "DISABLED" || queue_status.status == "INVALID" {
            return Some(Hold::forever(None));
        }
        let ces: Vec<&ComputeEnvironment> = queue
            .order
            .iter()
            .filter_map(|o| o["computeEnvironment"].as_str())
            .filter_map(|arn| self.compute_environment(arn))
            .collect();
        let usable: Vec<&ComputeEnvironment> =
            ces.iter().copied().filter(|ce| ce.usable(now)).collect();
        if usable.is_empty() {
            let invalid = ces.iter().any(|ce| ce.status(now).status == "INVALID");
            return Some(Hold::forever(invalid.then_some(INVALID_CES)));
        }
        let requested = overrides.or(self.definition_requests(definition));
        let max_vcpus = usable
            .iter()
            .map(|ce| ce.resource("maxvCpus").and_then(Value::as_f64))
            .collect::<Option<Vec<f64>>>();
        if let (Some(max), Some(vcpus)) = (max_vcpus, requested.vcpus)
            && max.iter().all(|m| *m < vcpus)
        {
            return Some(Hold::forever(Some(MAX_RESOURCE)));
        }
        if !usable.iter().any(|ce| ce.has_instance_for(requested)) {
            return Some(Hold::forever(Some(JOB_RESOURCE)));
        }
        let short = |ce: &&ComputeEnvironment| {
            ce.tags.get(CAPACITY_TAG).map(String::as_str) == Some("INSUFFICIENT")
        };
        usable.iter().all(short).then(|| capacity_hold(usable[0]))
    }

    /// The requirements of the definition a job names: an ARN, `name:revision`, or a name
    /// (its latest revision).
    fn definition_requests(&self, definition: &str) -> Requested {
        let found = self
            .job_definitions
            .iter()
            .filter(|d| {
                d.arn == definition
                    || format!("{}:{}", d.name, d.revision) == definition
                    || d.name == definition
            })
            .max_by_key(|d| d.revision);
        let requirements = found
            .and_then(|d| d.document.get("containerProperties"))
            .and_then(|c| c.get("resourceRequirements"))
            .and_then(Value::as_array);
        requirements.map_or_else(Requested::default, |r| Requested::from_requirements(r))
    }
}

fn capacity_hold(ce: &ComputeEnvironment) -> Hold {
    let types: Vec<&str> = ce
        .resource("instanceTypes")
        .and_then(Value::as_array)
        .map(|types| types.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Hold {
        reason: Some(format!(
            "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [{}]",
            types.join(",")
        )),
        forever: false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_given_reason_holds_for_good_unless_capacity_or_undetermined() {
        let base = JobProfile::default();
        let misconfigured = Hold::apply(None, base.clone().with_runnable_reason(JOB_RESOURCE));
        assert_eq!(
            misconfigured.phase_duration(JobPhase::Runnable),
            Duration::MAX
        );
        let capacity = base
            .clone()
            .with_runnable_reason("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY");
        assert_eq!(Hold::apply(None, capacity.clone()), capacity);
        let held = Hold::apply(Some(Hold::forever(Some(MAX_RESOURCE))), base);
        assert_eq!(held.runnable_reason(), Some(MAX_RESOURCE));
        assert_eq!(held.phase_duration(JobPhase::Runnable), Duration::MAX);
    }

    #[test]
    fn requirements_are_read_and_overrides_win() {
        let job = Requested::from_requirements(&[json!({"type": "VCPU", "value": "4"})]);
        let definition = Requested::from_requirements(&[
            json!({"type": "VCPU", "value": "1"}),
            json!({"type": "MEMORY", "value": "2048"}),
        ]);
        let both = job.or(definition);
        assert_eq!(
            (both.vcpus, both.memory, both.gpus),
            (Some(4.0), Some(2048.0), None)
        );
        assert!(check_capacity_tag("INSUFFICIENT").is_ok());
        assert!(check_capacity_tag("low").is_err());
    }
}

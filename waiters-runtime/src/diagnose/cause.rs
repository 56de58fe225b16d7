//! The causes a diagnosis names: Batch's documented reasons for a blocked queue (read
//! from the job's `statusReason`), and what waiters finds itself in the queue and its
//! compute environments.

use std::fmt;

/// Why a job is not starting.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// `CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY`: EC2 has no instances of the types asked for.
    InsufficientInstanceCapacity,
    /// `MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE`: the compute environments'
    /// `maxvCpus` is below what the job needs.
    ComputeEnvironmentMaxResource,
    /// `MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT`: no instance type of the compute
    /// environments has the vCPUs, memory or GPUs the job asks for.
    JobResourceRequirement,
    /// `MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS`: Batch's service role lacks permissions.
    ServiceRolePermissions,
    /// `MISCONFIGURATION:EC2_INSTANCE_CONFIGURATION_UNSUPPORTED`: the instance types and
    /// the image (or launch template) do not go together.
    Ec2InstanceConfigurationUnsupported,
    /// `ACTION_REQUIRED - CE(s) associated with the job queue are invalid`.
    InvalidComputeEnvironments,
    /// `UNDETERMINED`: Batch sees the queue blocked but cannot say why.
    Undetermined,
    /// The job queue is `DISABLED`.
    QueueDisabled,
    /// The job queue is `INVALID`.
    QueueInvalid,
    /// The job queue has no compute environment.
    NoComputeEnvironment,
    /// Every compute environment of the queue is `DISABLED` or `INVALID`.
    NoUsableComputeEnvironment,
    /// The job asks for more vCPUs, memory or GPUs than any compute environment of its
    /// queue can give (read from `maxvCpus` and the instance types).
    JobFitsNowhere,
    /// The job is not `RUNNABLE`, so nothing holds it there.
    NotRunnable {
        /// Its status.
        status: String,
    },
    /// The job is `RUNNABLE` and nothing waiters reads says why: it is likely waiting
    /// its turn, or for instances to launch.
    NoVisibleReason,
}

impl Cause {
    /// Batch's documented reasons, by the code a `statusReason` starts with.
    const DOCUMENTED: [(&'static str, Cause); 7] = [
        (
            "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
            Cause::InsufficientInstanceCapacity,
        ),
        (
            "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE",
            Cause::ComputeEnvironmentMaxResource,
        ),
        (
            "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
            Cause::JobResourceRequirement,
        ),
        (
            "MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS",
            Cause::ServiceRolePermissions,
        ),
        (
            "MISCONFIGURATION:EC2_INSTANCE_CONFIGURATION_UNSUPPORTED",
            Cause::Ec2InstanceConfigurationUnsupported,
        ),
        (
            "ACTION_REQUIRED - CE(s) associated with the job queue are invalid",
            Cause::InvalidComputeEnvironments,
        ),
        ("UNDETERMINED", Cause::Undetermined),
    ];

    /// The documented reason a job's `statusReason` gives, if it gives one: the code
    /// followed by the end of the text, ` - ` or `:` and Batch's explanation.
    pub fn from_status_reason(reason: &str) -> Option<Cause> {
        let reason = reason.trim();
        Self::DOCUMENTED.iter().find_map(|(code, cause)| {
            let rest = reason.strip_prefix(code)?;
            let ends = rest.is_empty() || rest.starts_with(' ') || rest.starts_with(':');
            ends.then(|| cause.clone())
        })
    }

    /// A stable name: Batch's reason code for Batch's reasons (the `reason` of
    /// `jobStateTimeLimitActions`), an upper-case name for the others.
    pub fn code(&self) -> &'static str {
        match self {
            Cause::InsufficientInstanceCapacity => "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
            Cause::ComputeEnvironmentMaxResource => {
                "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE"
            }
            Cause::JobResourceRequirement => "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
            Cause::ServiceRolePermissions => "MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS",
            Cause::Ec2InstanceConfigurationUnsupported => {
                "MISCONFIGURATION:EC2_INSTANCE_CONFIGURATION_UNSUPPORTED"
            }
            Cause::InvalidComputeEnvironments => "ACTION_REQUIRED",
            Cause::Undetermined => "UNDETERMINED",
            Cause::QueueDisabled => "JOB_QUEUE_DISABLED",
            Cause::QueueInvalid => "JOB_QUEUE_INVALID",
            Cause::NoComputeEnvironment => "NO_COMPUTE_ENVIRONMENT",
            Cause::NoUsableComputeEnvironment => "NO_USABLE_COMPUTE_ENVIRONMENT",
            Cause::JobFitsNowhere => "JOB_FITS_NOWHERE",
            Cause::NotRunnable { .. } => "NOT_RUNNABLE",
            Cause::NoVisibleReason => "NO_VISIBLE_REASON",
        }
    }

    /// Whether the job can start without anyone changing anything: capacity comes back,
    /// Batch may yet decide, a job's turn comes; a misconfiguration stays.
    pub fn fixes_itself(&self) -> bool {
        matches!(
            self,
            Cause::InsufficientInstanceCapacity
                | Cause::Undetermined
                | Cause::NotRunnable { .. }
                | Cause::NoVisibleReason
        )
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Cause::InsufficientInstanceCapacity => "EC2 has no capacity for the instance types",
            Cause::ComputeEnvironmentMaxResource => {
                "the compute environments' maxvCpus is below what the job needs"
            }
            Cause::JobResourceRequirement => {
                "no instance type of the compute environments fits the job's resources"
            }
            Cause::ServiceRolePermissions => "Batch's service role lacks permissions",
            Cause::Ec2InstanceConfigurationUnsupported => {
                "the instance types and the image or launch template do not go together"
            }
            Cause::InvalidComputeEnvironments => "the queue's compute environments are invalid",
            Cause::Undetermined => "Batch sees the queue blocked but cannot say why",
            Cause::QueueDisabled => "the job queue is DISABLED",
            Cause::QueueInvalid => "the job queue is INVALID",
            Cause::NoComputeEnvironment => "the job queue has no compute environment",
            Cause::NoUsableComputeEnvironment => {
                "every compute environment of the queue is DISABLED or INVALID"
            }
            Cause::JobFitsNowhere => {
                "the job asks for more than any compute environment of its queue can give"
            }
            Cause::NotRunnable { status } => return write!(f, "the job is {status}, not RUNNABLE"),
            Cause::NoVisibleReason => {
                "RUNNABLE for no visible reason: waiting its turn or for instances to launch"
            }
        };
        f.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_reasons_are_read_from_status_reasons() {
        assert_eq!(
            Cause::from_status_reason(
                "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [p3.2xlarge]"
            ),
            Some(Cause::InsufficientInstanceCapacity)
        );
        assert_eq!(
            Cause::from_status_reason(
                "ACTION_REQUIRED - CE(s) associated with the job queue are invalid"
            ),
            Some(Cause::InvalidComputeEnvironments)
        );
        assert_eq!(
            Cause::from_status_reason("UNDETERMINED"),
            Some(Cause::Undetermined)
        );
        // A longer code that merely starts like a known one is not that one.
        assert_eq!(Cause::from_status_reason("UNDETERMINEDX"), None);
        assert_eq!(
            Cause::from_status_reason("Essential container in task exited"),
            None
        );
        assert_eq!(Cause::from_status_reason(""), None);
    }

    #[test]
    fn capacity_fixes_itself_and_misconfiguration_does_not() {
        assert!(Cause::InsufficientInstanceCapacity.fixes_itself());
        assert!(!Cause::ServiceRolePermissions.fixes_itself());
        assert!(!Cause::JobFitsNowhere.fixes_itself());
        assert!(!Cause::QueueDisabled.fixes_itself());
    }
}

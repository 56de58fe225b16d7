//! The rules: from the [`Facts`] a diagnosis read to its [`Finding`]s.

use aws_sdk_batch::types::{
    ComputeEnvironmentDetail, JobQueueDetail, JobStatus, JqState, JqStatus,
};

use super::cause::Cause;
use super::fit::{Capacity, Request, usable};
use super::{Diagnosis, Evidence, Facts, Finding};

/// Turns what was read into findings; makes no call.
pub fn analyze(facts: &Facts) -> Diagnosis {
    let job = &facts.job;
    let job_id = job.job_id().unwrap_or_default().to_owned();
    let status = job.status().map_or("UNKNOWN", JobStatus::as_str).to_owned();
    let queue_name = facts
        .queue
        .as_ref()
        .and_then(JobQueueDetail::job_queue_name)
        .or(job.job_queue())
        .map(str::to_owned);
    let mut diagnosis = Diagnosis {
        job_id,
        status: status.clone(),
        status_reason: job.status_reason().map(str::to_owned),
        queue: queue_name,
        findings: Vec::new(),
        unchecked: facts.unchecked.clone(),
    };
    let job_source = format!("job {}", diagnosis.job_id);
    if job.status() != Some(&JobStatus::Runnable) {
        diagnosis.findings.push(Finding {
            cause: Cause::NotRunnable {
                status: status.clone(),
            },
            evidence: vec![evidence(&job_source, "status", &status)],
            fixes_itself: true,
            fix: "nothing: only a RUNNABLE job can be stuck waiting for a place to run".into(),
        });
        return diagnosis;
    }
    let mut findings = Vec::new();
    findings.extend(reason_finding(&job_source, job.status_reason()));
    if let Some(queue) = &facts.queue {
        findings.extend(queue_findings(queue));
        findings.extend(compute_environment_findings(
            queue,
            &facts.compute_environments,
        ));
    } else if facts.job.job_queue().is_some() {
        diagnosis
            .unchecked
            .push("DescribeJobQueues returned no such queue".into());
    }
    let usable_ces: Vec<&ComputeEnvironmentDetail> = facts
        .compute_environments
        .iter()
        .filter(|ce| usable(ce))
        .collect();
    let request = Request::of(job, facts.definition.as_ref());
    findings.extend(fit_finding(&request, &usable_ces, &mut diagnosis.unchecked));
    if findings.is_empty() {
        findings.push(no_visible_reason(facts, &job_source));
    }
    if let Some(queue) = &facts.queue {
        add_time_limit_actions(queue, &mut findings);
    }
    // The ones that will not fix themselves first: they are what to act on.
    findings.sort_by_key(|f| f.fixes_itself);
    diagnosis.findings = findings;
    diagnosis
}

fn evidence(source: &str, field: &str, value: &str) -> Evidence {
    Evidence {
        source: source.to_owned(),
        field: field.to_owned(),
        value: value.to_owned(),
    }
}

/// A finding for each documented reason; the fix says what Batch's troubleshooting
/// guide says to change.
fn reason_finding(job_source: &str, reason: Option<&str>) -> Option<Finding> {
    let reason = reason?;
    let cause = Cause::from_status_reason(reason)?;
    let fix = match cause {
        Cause::InsufficientInstanceCapacity => {
            "wait, or allow more instance types (or Regions/zones) in the compute environment"
        }
        Cause::ComputeEnvironmentMaxResource => {
            "raise maxvCpus of a compute environment of the queue, or ask for fewer vCPUs"
        }
        Cause::JobResourceRequirement => {
            "ask for fewer vCPUs/memory/GPUs, or add larger instance types to a compute environment"
        }
        Cause::ServiceRolePermissions => {
            "give the compute environment's service role the permissions of AWSBatchServiceRole"
        }
        Cause::Ec2InstanceConfigurationUnsupported => {
            "choose instance types that the compute environment's image or launch template supports"
        }
        Cause::InvalidComputeEnvironments => {
            "repair the INVALID compute environments (see their statusReason) or attach valid ones"
        }
        _ => "cancel the job if it blocks others; Batch gives no more detail",
    };
    Some(Finding {
        fixes_itself: cause.fixes_itself(),
        cause,
        evidence: vec![evidence(job_source, "statusReason", reason)],
        fix: fix.into(),
    })
}

fn queue_findings(queue: &JobQueueDetail) -> Vec<Finding> {
    let name = queue.job_queue_name().unwrap_or_default();
    let source = format!("job queue {name}");
    let mut findings = Vec::new();
    if queue.state() == Some(&JqState::Disabled) {
        findings.push(Finding {
            cause: Cause::QueueDisabled,
            evidence: vec![evidence(&source, "state", "DISABLED")],
            fixes_itself: false,
            fix: format!(
                "enable the queue: aws batch update-job-queue --job-queue {name} --state ENABLED"
            ),
        });
    }
    if queue.status() == Some(&JqStatus::Invalid) {
        let mut shown = vec![evidence(&source, "status", "INVALID")];
        if let Some(reason) = queue.status_reason() {
            shown.push(evidence(&source, "statusReason", reason));
        }
        findings.push(Finding {
            cause: Cause::QueueInvalid,
            evidence: shown,
            fixes_itself: false,
            fix: "repair what the queue's statusReason names, then update the queue".into(),
        });
    }
    findings
}

fn compute_environment_findings(
    queue: &JobQueueDetail,
    ces: &[ComputeEnvironmentDetail],
) -> Option<Finding> {
    let queue_name = queue.job_queue_name().unwrap_or_default();
    if queue.compute_environment_order().is_empty() {
        return Some(Finding {
            cause: Cause::NoComputeEnvironment,
            evidence: vec![evidence(
                &format!("job queue {queue_name}"),
                "computeEnvironmentOrder",
                "[]",
            )],
            fixes_itself: false,
            fix: "attach a compute environment to the queue (update-job-queue --compute-environment-order)".into(),
        });
    }
    if ces.is_empty() || ces.iter().any(usable) {
        return None;
    }
    let mut shown = Vec::new();
    for ce in ces {
        let source = format!(
            "compute environment {}",
            ce.compute_environment_name().unwrap_or_default()
        );
        if let Some(state) = ce.state().filter(|s| s.as_str() == "DISABLED") {
            shown.push(evidence(&source, "state", state.as_str()));
        }
        if let Some(status) = ce.status().filter(|s| s.as_str() == "INVALID") {
            shown.push(evidence(&source, "status", status.as_str()));
            if let Some(reason) = ce.status_reason() {
                shown.push(evidence(&source, "statusReason", reason));
            }
        }
    }
    Some(Finding {
        cause: Cause::NoUsableComputeEnvironment,
        evidence: shown,
        fixes_itself: false,
        fix: "enable the DISABLED compute environments, repair the INVALID ones (see their statusReason)".into(),
    })
}

/// A finding when every usable compute environment is too small for the job.
fn fit_finding(
    request: &Request,
    ces: &[&ComputeEnvironmentDetail],
    unchecked: &mut Vec<String>,
) -> Option<Finding> {
    let mut shown = Vec::new();
    let mut fits_somewhere = ces.is_empty();
    for ce in ces {
        let name = ce.compute_environment_name().unwrap_or_default();
        let Some(capacity) = Capacity::of(ce) else {
            unchecked.push(format!("compute environment {name}: no computeResources (unmanaged), its size is not checked"));
            fits_somewhere = true;
            continue;
        };
        for unknown in &capacity.unknown_types {
            unchecked.push(format!("compute environment {name}: instance type {unknown} has a size waiters does not know"));
        }
        let short = capacity.shortfalls(request);
        if short.is_empty() {
            fits_somewhere = true;
        }
        let source = format!("compute environment {name}");
        shown.extend(short.iter().map(|s| evidence(&source, &s.field, &s.value)));
    }
    if fits_somewhere {
        return None;
    }
    Some(Finding {
        cause: Cause::JobFitsNowhere,
        evidence: shown,
        fixes_itself: false,
        fix: "ask for less (containerOverrides.resourceRequirements), or raise maxvCpus / add larger instance types to a compute environment of the queue".into(),
    })
}

/// What the queue's front says about a job with no visible reason.
fn no_visible_reason(facts: &Facts, job_source: &str) -> Finding {
    let mut shown = vec![evidence(
        job_source,
        "statusReason",
        facts.job.status_reason().unwrap_or("(none)"),
    )];
    if let Some(front) = facts.snapshot.as_ref().and_then(|s| s.front_of_queue()) {
        let arn = facts.job.job_arn().unwrap_or_default();
        let position = front.jobs().iter().position(|j| j.job_arn() == Some(arn));
        let value = match position {
            Some(index) => format!("position {} of {}", index + 1, front.jobs().len()),
            None => format!("not among the {} jobs at the front", front.jobs().len()),
        };
        let queue = facts
            .queue
            .as_ref()
            .and_then(JobQueueDetail::job_queue_name)
            .unwrap_or_default();
        shown.push(evidence(
            &format!("job queue {queue}"),
            "frontOfQueue.jobs",
            &value,
        ));
    }
    Finding {
        cause: Cause::NoVisibleReason,
        evidence: shown,
        fixes_itself: true,
        fix: "wait; if it lasts, check the compute environments' instances and the Auto Scaling activity".into(),
    }
}

/// Batch cancels a job stuck for one of its reasons when the queue says so: shown on
/// the finding it applies to.
fn add_time_limit_actions(queue: &JobQueueDetail, findings: &mut [Finding]) {
    let source = format!("job queue {}", queue.job_queue_name().unwrap_or_default());
    for action in queue.job_state_time_limit_actions() {
        let Some(reason) = action.reason() else {
            continue;
        };
        for finding in findings.iter_mut().filter(|f| f.cause.code() == reason) {
            let what = action.action().map_or("act", |a| a.as_str());
            let after = action.max_time_seconds().unwrap_or_default();
            finding.evidence.push(evidence(
                &source,
                "jobStateTimeLimitActions",
                &format!("{what} after {after}s in RUNNABLE for {reason}"),
            ));
        }
    }
}

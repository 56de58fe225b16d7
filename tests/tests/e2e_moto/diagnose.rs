//! `diagnose` against moto: the DescribeJobQueues and DescribeComputeEnvironments calls it
//! makes (by ARN, one call for all the queue's compute environments) are answered by moto,
//! and what moto answers is read as the diagnosis reads it.

use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, JobDetail, JobStatus, JqState,
};
use waiters_runtime::diagnose::{Cause, Facts, analyze, read_queue};

use super::{batch_client, batch_service_role};

/// Two UNMANAGED compute environments, the first `first_state`, the second DISABLED, and
/// a queue over both; returns the queue's ARN.
async fn queue_over_two(name: &str, first_state: CeState) -> String {
    let client = batch_client();
    let role_arn = batch_service_role(&format!("{name}-diagnose-service")).await;
    let mut order = Vec::new();
    for (position, (suffix, state)) in [("a", first_state), ("b", CeState::Disabled)]
        .into_iter()
        .enumerate()
    {
        let created = client
            .create_compute_environment()
            .compute_environment_name(format!("{name}-ce-{suffix}"))
            .r#type(CeType::Unmanaged)
            .state(state)
            .service_role(&role_arn)
            .send()
            .await
            .expect("CreateComputeEnvironment");
        order.push(
            ComputeEnvironmentOrder::builder()
                .order(i32::try_from(position).unwrap() + 1)
                .compute_environment(created.compute_environment_arn().expect("CE ARN"))
                .build(),
        );
    }
    let queue = client
        .create_job_queue()
        .job_queue_name(format!("{name}-queue"))
        .state(JqState::Enabled)
        .priority(1)
        .set_compute_environment_order(Some(order))
        .send()
        .await
        .expect("CreateJobQueue");
    queue.job_queue_arn().expect("queue ARN").to_owned()
}

fn runnable(queue: &str) -> JobDetail {
    JobDetail::builder()
        .job_id("moto-diagnose")
        .job_queue(queue)
        .status(JobStatus::Runnable)
        .build()
}

#[tokio::test]
async fn moto_answers_the_queue_and_compute_environment_calls() {
    let queue_arn = queue_over_two("diag-usable", CeState::Enabled).await;
    let (queue, ces) = read_queue(&batch_client(), "moto-diagnose", &queue_arn)
        .await
        .expect("DescribeJobQueues and DescribeComputeEnvironments");
    let queue = queue.expect("moto knows the queue by ARN");
    assert_eq!(queue.job_queue_name(), Some("diag-usable-queue"));
    assert_eq!(queue.state(), Some(&JqState::Enabled));
    assert_eq!(queue.compute_environment_order().len(), 2);
    // One call for both, in the queue's order, with the fields a diagnosis reads.
    let seen: Vec<(Option<&str>, Option<&str>, Option<&str>)> = ces
        .iter()
        .map(|ce| {
            (
                ce.compute_environment_name(),
                ce.state().map(CeState::as_str),
                ce.r#type().map(CeType::as_str),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("diag-usable-ce-a"), Some("ENABLED"), Some("UNMANAGED")),
            (
                Some("diag-usable-ce-b"),
                Some("DISABLED"),
                Some("UNMANAGED")
            ),
        ]
    );
    assert!(ces.iter().all(|ce| ce.status().is_some()), "{ces:?}");
    // One usable compute environment: nothing holds the job for good.
    let facts = Facts {
        job: runnable(&queue_arn),
        queue: Some(queue),
        compute_environments: ces,
        definition: None,
        snapshot: None,
        unchecked: Vec::new(),
    };
    let diagnosis = analyze(&facts);
    assert_eq!(diagnosis.findings()[0].cause, Cause::NoVisibleReason);
}

#[tokio::test]
async fn moto_disabled_compute_environments_block_the_queue() {
    let queue_arn = queue_over_two("diag-blocked", CeState::Disabled).await;
    let (queue, ces) = read_queue(&batch_client(), "moto-diagnose", &queue_arn)
        .await
        .expect("DescribeJobQueues and DescribeComputeEnvironments");
    let facts = Facts {
        job: runnable(&queue_arn),
        queue,
        compute_environments: ces,
        definition: None,
        snapshot: None,
        unchecked: Vec::new(),
    };
    let diagnosis = analyze(&facts);
    assert_eq!(
        diagnosis.findings()[0].cause,
        Cause::NoUsableComputeEnvironment
    );
    let evidence: Vec<String> = diagnosis.findings()[0]
        .evidence
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        evidence,
        [
            "compute environment diag-blocked-ce-a state: DISABLED",
            "compute environment diag-blocked-ce-b state: DISABLED"
        ]
    );
    assert!(diagnosis.stuck_for_good());
}

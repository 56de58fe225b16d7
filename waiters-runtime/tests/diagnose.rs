//! `diagnose`: findings from built SDK outputs (every rule), and the calls it makes over a
//! mocked client.

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::get_job_queue_snapshot::GetJobQueueSnapshotOutput;
use aws_sdk_batch::types::{
    CeState, CeStatus, ComputeEnvironmentDetail, ComputeEnvironmentOrder, ComputeResource,
    ContainerDetail, ContainerProperties, CrType, FrontOfQueueDetail, FrontOfQueueJobSummary,
    JobDefinition, JobDetail, JobQueueDetail, JobStateTimeLimitAction,
    JobStateTimeLimitActionsAction, JobStateTimeLimitActionsState, JobStatus, JqState, JqStatus,
    ResourceRequirement, ResourceType,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use serde_json::json;
use waiters_runtime::diagnose::{Cause, DiagnoseError, Diagnosis, Facts, analyze, diagnose};

const JOB_ARN: &str = "arn:aws:batch:us-east-1:123456789012:job/j-1";
const QUEUE_ARN: &str = "arn:aws:batch:us-east-1:123456789012:job-queue/q";

fn requirement(kind: ResourceType, value: &str) -> ResourceRequirement {
    ResourceRequirement::builder()
        .r#type(kind)
        .value(value)
        .build()
}

fn job(status: JobStatus, reason: Option<&str>, vcpus: &str, memory: &str) -> JobDetail {
    job_builder(status, reason)
        .container(
            ContainerDetail::builder()
                .resource_requirements(requirement(ResourceType::Vcpu, vcpus))
                .resource_requirements(requirement(ResourceType::Memory, memory))
                .build(),
        )
        .build()
}

fn job_builder(
    status: JobStatus,
    reason: Option<&str>,
) -> aws_sdk_batch::types::builders::JobDetailBuilder {
    JobDetail::builder()
        .job_id("j-1")
        .job_arn(JOB_ARN)
        .job_name("train")
        .job_queue(QUEUE_ARN)
        .job_definition("arn:aws:batch:us-east-1:123456789012:job-definition/d:1")
        .status(status)
        .set_status_reason(reason.map(str::to_owned))
}

fn queue(state: JqState, status: JqStatus, ces: &[&str]) -> JobQueueDetail {
    queue_builder(state, status, ces).build()
}

fn queue_builder(
    state: JqState,
    status: JqStatus,
    ces: &[&str],
) -> aws_sdk_batch::types::builders::JobQueueDetailBuilder {
    let mut builder = JobQueueDetail::builder()
        .job_queue_name("q")
        .job_queue_arn(QUEUE_ARN)
        .state(state)
        .status(status);
    for (order, ce) in ces.iter().enumerate() {
        builder = builder.compute_environment_order(
            ComputeEnvironmentOrder::builder()
                .order(i32::try_from(order).unwrap())
                .compute_environment(*ce)
                .build(),
        );
    }
    builder
}

fn ce(
    name: &str,
    state: CeState,
    status: CeStatus,
    max_vcpus: i32,
    types: &[&str],
) -> ComputeEnvironmentDetail {
    ce_builder(name, state, status, max_vcpus, types).build()
}

fn ce_builder(
    name: &str,
    state: CeState,
    status: CeStatus,
    max_vcpus: i32,
    types: &[&str],
) -> aws_sdk_batch::types::builders::ComputeEnvironmentDetailBuilder {
    let mut resources = ComputeResource::builder()
        .r#type(CrType::Ec2)
        .maxv_cpus(max_vcpus)
        .minv_cpus(0);
    for t in types {
        resources = resources.instance_types(*t);
    }
    ComputeEnvironmentDetail::builder()
        .compute_environment_name(name)
        .state(state)
        .status(status)
        .compute_resources(resources.build())
}

fn facts(job: JobDetail, queue: JobQueueDetail, ces: Vec<ComputeEnvironmentDetail>) -> Facts {
    Facts {
        job,
        queue: Some(queue),
        compute_environments: ces,
        definition: None,
        snapshot: None,
        unchecked: Vec::new(),
    }
}

fn healthy(job: JobDetail) -> Facts {
    facts(
        job,
        queue(JqState::Enabled, JqStatus::Valid, &["ce"]),
        vec![ce("ce", CeState::Enabled, CeStatus::Valid, 256, &["m5"])],
    )
}

fn runnable(reason: Option<&str>) -> JobDetail {
    job(JobStatus::Runnable, reason, "2", "2048")
}

fn causes(diagnosis: &Diagnosis) -> Vec<Cause> {
    diagnosis
        .findings()
        .iter()
        .map(|f| f.cause.clone())
        .collect()
}

fn evidence_lines(diagnosis: &Diagnosis) -> Vec<String> {
    diagnosis
        .findings()
        .iter()
        .flat_map(|f| f.evidence.iter().map(ToString::to_string))
        .collect()
}

#[test]
fn a_job_that_is_not_runnable_says_so() {
    let diagnosis = analyze(&healthy(job(JobStatus::Running, None, "2", "2048")));
    assert_eq!(
        causes(&diagnosis),
        [Cause::NotRunnable {
            status: "RUNNING".into()
        }]
    );
    assert_eq!(evidence_lines(&diagnosis), ["job j-1 status: RUNNING"]);
    assert!(!diagnosis.stuck_for_good());
}

#[test]
fn each_documented_reason_is_a_finding_with_its_evidence() {
    let reasons = [
        (
            "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [p3.2xlarge]",
            Cause::InsufficientInstanceCapacity,
            true,
        ),
        (
            "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.",
            Cause::ComputeEnvironmentMaxResource,
            false,
        ),
        (
            "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.",
            Cause::JobResourceRequirement,
            false,
        ),
        (
            "MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - Batch service role has a permission issue.",
            Cause::ServiceRolePermissions,
            false,
        ),
        (
            "MISCONFIGURATION:EC2_INSTANCE_CONFIGURATION_UNSUPPORTED - The instance type is not supported by the AMI.",
            Cause::Ec2InstanceConfigurationUnsupported,
            false,
        ),
        (
            "ACTION_REQUIRED - CE(s) associated with the job queue are invalid",
            Cause::InvalidComputeEnvironments,
            false,
        ),
        ("UNDETERMINED", Cause::Undetermined, true),
    ];
    for (reason, cause, fixes_itself) in reasons {
        let diagnosis = analyze(&healthy(runnable(Some(reason))));
        assert_eq!(causes(&diagnosis), std::slice::from_ref(&cause), "{reason}");
        let finding = &diagnosis.findings()[0];
        assert_eq!(finding.fixes_itself, fixes_itself, "{reason}");
        assert_eq!(diagnosis.stuck_for_good(), !fixes_itself, "{reason}");
        assert_eq!(
            evidence_lines(&diagnosis),
            [format!("job j-1 statusReason: {reason}")]
        );
        assert!(!finding.fix.is_empty());
        assert_eq!(diagnosis.to_json()["findings"][0]["cause"], cause.code());
    }
}

#[test]
fn a_disabled_or_invalid_queue_is_a_finding() {
    let mut facts = healthy(runnable(None));
    facts.queue = Some(queue(JqState::Disabled, JqStatus::Valid, &["ce"]));
    let diagnosis = analyze(&facts);
    assert_eq!(causes(&diagnosis), [Cause::QueueDisabled]);
    assert_eq!(evidence_lines(&diagnosis), ["job queue q state: DISABLED"]);
    assert!(diagnosis.stuck_for_good());
    assert!(diagnosis.findings()[0].fix.contains("--state ENABLED"));

    let invalid = queue_builder(JqState::Enabled, JqStatus::Invalid, &["ce"]);
    facts.queue = Some(invalid.status_reason("CLIENT_ERROR - ce is gone").build());
    let diagnosis = analyze(&facts);
    assert_eq!(causes(&diagnosis), [Cause::QueueInvalid]);
    assert_eq!(
        evidence_lines(&diagnosis),
        [
            "job queue q status: INVALID",
            "job queue q statusReason: CLIENT_ERROR - ce is gone"
        ]
    );
}

#[test]
fn compute_environments_block_only_when_none_is_usable() {
    let invalid = ce_builder("b", CeState::Enabled, CeStatus::Invalid, 256, &["m5"]);
    let invalid = invalid
        .status_reason("CLIENT_ERROR - no such subnet")
        .build();
    let disabled = ce("a", CeState::Disabled, CeStatus::Valid, 256, &["m5"]);
    let queue = queue(JqState::Enabled, JqStatus::Valid, &["a", "b"]);
    let diagnosis = analyze(&facts(
        runnable(None),
        queue.clone(),
        vec![disabled.clone(), invalid.clone()],
    ));
    assert_eq!(causes(&diagnosis), [Cause::NoUsableComputeEnvironment]);
    assert_eq!(
        evidence_lines(&diagnosis),
        [
            "compute environment a state: DISABLED",
            "compute environment b status: INVALID",
            "compute environment b statusReason: CLIENT_ERROR - no such subnet",
        ]
    );
    assert!(diagnosis.stuck_for_good());

    // One usable compute environment is enough: the job waits its turn.
    let usable = ce("c", CeState::Enabled, CeStatus::Valid, 256, &["m5"]);
    let diagnosis = analyze(&facts(
        runnable(None),
        queue,
        vec![disabled, invalid, usable],
    ));
    assert_eq!(causes(&diagnosis), [Cause::NoVisibleReason]);
    assert!(!diagnosis.stuck_for_good());
}

#[test]
fn a_queue_without_compute_environments_is_a_finding() {
    let diagnosis = analyze(&facts(
        runnable(None),
        queue(JqState::Enabled, JqStatus::Valid, &[]),
        vec![],
    ));
    assert_eq!(causes(&diagnosis), [Cause::NoComputeEnvironment]);
    assert_eq!(
        evidence_lines(&diagnosis),
        ["job queue q computeEnvironmentOrder: []"]
    );
}

#[test]
fn a_job_larger_than_max_vcpus_fits_nowhere() {
    let mut facts = healthy(job(JobStatus::Runnable, None, "16", "2048"));
    facts.compute_environments = vec![ce("ce", CeState::Enabled, CeStatus::Valid, 8, &["m5"])];
    let diagnosis = analyze(&facts);
    assert_eq!(causes(&diagnosis), [Cause::JobFitsNowhere]);
    assert_eq!(
        evidence_lines(&diagnosis),
        [
            "compute environment ce computeResources.maxvCpus: 8, less than the 16 vCPUs the job asks for"
        ]
    );
    assert!(diagnosis.stuck_for_good());
}

#[test]
fn a_job_larger_than_every_instance_type_fits_nowhere() {
    // 64 GiB on m5.large and c5.xlarge (8 GiB at most).
    let mut facts = healthy(job(JobStatus::Runnable, None, "2", "65536"));
    facts.compute_environments = vec![ce(
        "ce",
        CeState::Enabled,
        CeStatus::Valid,
        256,
        &["m5.large", "c5.xlarge"],
    )];
    let diagnosis = analyze(&facts);
    assert_eq!(causes(&diagnosis), [Cause::JobFitsNowhere]);
    assert_eq!(
        evidence_lines(&diagnosis),
        [
            "compute environment ce computeResources.instanceTypes: [m5.large, c5.xlarge]: at most 8192 MiB, less than the 65536 MiB the job asks for"
        ]
    );
}

#[test]
fn a_gpu_job_on_cpu_instances_fits_nowhere_but_fits_a_gpu_family() {
    let gpu_job = job_builder(JobStatus::Runnable, None);
    let container = ContainerDetail::builder()
        .resource_requirements(requirement(ResourceType::Vcpu, "4"))
        .resource_requirements(requirement(ResourceType::Memory, "8192"))
        .resource_requirements(requirement(ResourceType::Gpu, "2"))
        .build();
    let gpu_job = gpu_job.container(container).build();
    let diagnosis = analyze(&healthy(gpu_job.clone()));
    assert_eq!(causes(&diagnosis), [Cause::JobFitsNowhere]);
    assert!(
        evidence_lines(&diagnosis)[0].ends_with("at most 0 GPUs, less than the 2 the job asks for")
    );

    let mut facts = healthy(gpu_job);
    facts
        .compute_environments
        .push(ce("gpu", CeState::Enabled, CeStatus::Valid, 256, &["g4dn"]));
    assert_eq!(causes(&analyze(&facts)), [Cause::NoVisibleReason]);
}

#[test]
fn an_unknown_instance_type_is_not_guessed() {
    let mut facts = healthy(job(JobStatus::Runnable, None, "2", "999999"));
    facts.compute_environments = vec![ce(
        "ce",
        CeState::Enabled,
        CeStatus::Valid,
        256,
        &["m5.large", "x2iedn.32xlarge"],
    )];
    let diagnosis = analyze(&facts);
    assert_eq!(causes(&diagnosis), [Cause::NoVisibleReason]);
    assert_eq!(
        diagnosis.unchecked,
        ["compute environment ce: instance type x2iedn.32xlarge has a size waiters does not know"]
    );
}

#[test]
fn the_definition_gives_what_the_job_lacks() {
    let bare = job_builder(JobStatus::Runnable, None)
        .container(ContainerDetail::builder().build())
        .build();
    let mut facts = healthy(bare);
    facts.compute_environments = vec![ce("ce", CeState::Enabled, CeStatus::Valid, 4, &["m5"])];
    facts.definition = Some(
        JobDefinition::builder()
            .container_properties(
                ContainerProperties::builder()
                    .resource_requirements(requirement(ResourceType::Vcpu, "8"))
                    .resource_requirements(requirement(ResourceType::Memory, "1024"))
                    .build(),
            )
            .build(),
    );
    let diagnosis = analyze(&facts);
    assert_eq!(causes(&diagnosis), [Cause::JobFitsNowhere]);
    assert!(
        evidence_lines(&diagnosis)[0]
            .ends_with("less than the 8 vCPUs the job definition asks for")
    );
}

#[test]
fn no_visible_reason_shows_the_queue_front() {
    let mut facts = healthy(runnable(None));
    let front = FrontOfQueueDetail::builder()
        .jobs(
            FrontOfQueueJobSummary::builder()
                .job_arn("arn:other")
                .build(),
        )
        .jobs(FrontOfQueueJobSummary::builder().job_arn(JOB_ARN).build())
        .build();
    facts.snapshot = Some(
        GetJobQueueSnapshotOutput::builder()
            .front_of_queue(front)
            .build(),
    );
    let diagnosis = analyze(&facts);
    assert_eq!(causes(&diagnosis), [Cause::NoVisibleReason]);
    assert_eq!(
        evidence_lines(&diagnosis),
        [
            "job j-1 statusReason: (none)",
            "job queue q frontOfQueue.jobs: position 2 of 2"
        ]
    );
}

#[test]
fn a_time_limit_action_is_shown_on_the_finding_it_applies_to() {
    let reason = "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [m5.large]";
    let mut facts = healthy(runnable(Some(reason)));
    let action = JobStateTimeLimitAction::builder()
        .reason("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY")
        .state(JobStateTimeLimitActionsState::Runnable)
        .max_time_seconds(14400)
        .action(JobStateTimeLimitActionsAction::Cancel)
        .build();
    facts.queue = Some(
        queue_builder(JqState::Enabled, JqStatus::Valid, &["ce"])
            .job_state_time_limit_actions(action)
            .build(),
    );
    let diagnosis = analyze(&facts);
    assert_eq!(
        evidence_lines(&diagnosis).last().map(String::as_str),
        Some(
            "job queue q jobStateTimeLimitActions: CANCEL after 14400s in RUNNABLE for CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"
        )
    );
}

fn job_body(status: &str) -> String {
    json!({"jobs": [{"jobId": "j-1", "jobArn": JOB_ARN, "jobName": "train", "jobQueue": QUEUE_ARN,
        "status": status, "jobDefinition": "arn:aws:batch:us-east-1:123456789012:job-definition/d:1",
        "createdAt": 1, "container": {}}]})
    .to_string()
}

#[tokio::test]
async fn a_runnable_job_costs_one_call_per_resource() {
    let jobs = mock!(Client::describe_jobs).then_http_response(|| http_ok(job_body("RUNNABLE")));
    let queues = mock!(Client::describe_job_queues)
        .match_requests(|input| input.job_queues() == [QUEUE_ARN])
        .then_http_response(|| http_ok(json!({"jobQueues": [{"jobQueueName": "q", "jobQueueArn": QUEUE_ARN,
            "state": "ENABLED", "status": "VALID", "priority": 1,
            "computeEnvironmentOrder": [{"order": 1, "computeEnvironment": "arn:ce/a"}, {"order": 2, "computeEnvironment": "arn:ce/b"}]}]}).to_string()));
    let ces = mock!(Client::describe_compute_environments)
        .match_requests(|input| input.compute_environments() == ["arn:ce/a", "arn:ce/b"])
        .then_http_response(|| http_ok(json!({"computeEnvironments": [
            {"computeEnvironmentName": "a", "computeEnvironmentArn": "arn:ce/a", "state": "DISABLED", "status": "VALID"},
            {"computeEnvironmentName": "b", "computeEnvironmentArn": "arn:ce/b", "state": "ENABLED", "status": "INVALID", "statusReason": "bad"}]}).to_string()));
    let definitions = mock!(Client::describe_job_definitions)
        .then_http_response(|| http_ok(json!({"jobDefinitions": []}).to_string()));
    let snapshot = mock!(Client::get_job_queue_snapshot)
        .match_requests(|input| input.job_queue() == Some(QUEUE_ARN))
        .then_http_response(|| {
            http_ok(json!({"frontOfQueue": {"jobs": [{"jobArn": JOB_ARN}]}}).to_string())
        });
    let client = mock_client!(
        aws_sdk_batch,
        RuleMode::MatchAny,
        [&jobs, &queues, &ces, &definitions, &snapshot]
    );
    let diagnosis = diagnose(&client, "j-1").await.unwrap();
    assert_eq!(causes(&diagnosis), [Cause::NoUsableComputeEnvironment]);
    for rule in [&jobs, &queues, &ces, &definitions, &snapshot] {
        assert_eq!(rule.num_calls(), 1);
    }
}

#[tokio::test]
async fn a_finished_job_costs_one_call_and_a_missing_one_is_an_error() {
    let jobs = mock!(Client::describe_jobs).then_http_response(|| http_ok(job_body("SUCCEEDED")));
    let queues = mock!(Client::describe_job_queues).then_http_response(|| http_ok("{}".into()));
    let client = mock_client!(aws_sdk_batch, RuleMode::MatchAny, [&jobs, &queues]);
    let diagnosis = diagnose(&client, "j-1").await.unwrap();
    assert_eq!(
        causes(&diagnosis),
        [Cause::NotRunnable {
            status: "SUCCEEDED".into()
        }]
    );
    assert_eq!((jobs.num_calls(), queues.num_calls()), (1, 0));

    let none = mock!(Client::describe_jobs)
        .then_http_response(|| http_ok(json!({"jobs": []}).to_string()));
    let client = mock_client!(aws_sdk_batch, RuleMode::MatchAny, [&none]);
    let error = diagnose(&client, "j-9").await.unwrap_err();
    assert!(matches!(error, DiagnoseError::JobNotFound { .. }));
    assert_eq!(
        error.to_string(),
        "diagnosing job j-9: DescribeJobs returned no such job"
    );
}

#[tokio::test]
async fn a_failed_call_names_the_job_and_the_operation() {
    let jobs = mock!(Client::describe_jobs).then_http_response(|| http_ok(job_body("RUNNABLE")));
    let queues = mock!(Client::describe_job_queues).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
            aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"ClientException","message":"denied"}"#,
            ),
        )
    });
    let client = mock_client!(aws_sdk_batch, RuleMode::MatchAny, [&jobs, &queues]);
    let error = diagnose(&client, "j-1").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "diagnosing job j-1: DescribeJobQueues failed: the service answered HTTP 400 ClientException: denied"
    );
}

fn http_ok(body: String) -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(200).unwrap(),
        aws_smithy_types::body::SdkBody::from(body),
    )
}

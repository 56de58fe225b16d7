//! Why a job is not starting, end to end: the local endpoint holds jobs in RUNNABLE for
//! each cause (a queue or compute environment DISABLED or INVALID, a job larger than
//! `maxvCpus` or every instance type, a capacity shortage) with Batch's `statusReason`, and
//! `diagnose` names the cause and its evidence over HTTP. Paused clock.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ComputeResource, ContainerOverrides,
    ContainerProperties, CrType, JobDefinitionType, JqState, ResourceRequirement, ResourceType,
};
use waiters_local::{LocalBatch, Operation};
use waiters_runtime::diagnose::{Cause, Diagnosis, diagnose};

/// A compute environment of the test: its state, tags, `maxvCpus` and instance types.
struct Ce<'a> {
    state: CeState,
    tags: &'a [(&'a str, &'a str)],
    max_vcpus: i32,
    instance_types: &'a [&'a str],
}

const HEALTHY: Ce<'static> = Ce {
    state: CeState::Enabled,
    tags: &[],
    max_vcpus: 256,
    instance_types: &["m5.large", "m5.xlarge"],
};

/// The queue `q`: its state and tags.
struct Queue<'a> {
    state: JqState,
    tags: &'a [(&'a str, &'a str)],
}

const ENABLED: Queue<'static> = Queue {
    state: JqState::Enabled,
    tags: &[],
};

async fn start() -> (LocalBatch, Client) {
    let server = LocalBatch::builder()
        .settle_after(Duration::ZERO)
        .start()
        .await
        .expect("local endpoint starts");
    let client = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    (server, client)
}

fn requirement(kind: ResourceType, value: &str) -> ResourceRequirement {
    ResourceRequirement::builder()
        .r#type(kind)
        .value(value)
        .build()
}

/// The compute environment `ce`, the queue `q` over it and the definition `d` (1 vCPU,
/// 2 GiB).
async fn set_up(client: &Client, ce: &Ce<'_>, queue: &Queue<'_>) {
    let mut resources = ComputeResource::builder()
        .r#type(CrType::Ec2)
        .minv_cpus(0)
        .maxv_cpus(ce.max_vcpus)
        .subnets("subnet-1");
    for t in ce.instance_types {
        resources = resources.instance_types(*t);
    }
    let mut request = client
        .create_compute_environment()
        .compute_environment_name("ce")
        .r#type(CeType::Managed)
        .state(ce.state.clone())
        .compute_resources(resources.build());
    for (k, v) in ce.tags {
        request = request.tags(*k, *v);
    }
    request.send().await.expect("CreateComputeEnvironment");
    let order = ComputeEnvironmentOrder::builder()
        .order(1)
        .compute_environment("ce")
        .build();
    let mut request = client
        .create_job_queue()
        .job_queue_name("q")
        .priority(1)
        .state(queue.state.clone())
        .compute_environment_order(order);
    for (k, v) in queue.tags {
        request = request.tags(*k, *v);
    }
    request.send().await.expect("CreateJobQueue");
    let properties = ContainerProperties::builder()
        .image("busybox")
        .resource_requirements(requirement(ResourceType::Vcpu, "1"))
        .resource_requirements(requirement(ResourceType::Memory, "2048"))
        .build();
    client
        .register_job_definition()
        .job_definition_name("d")
        .r#type(JobDefinitionType::Container)
        .container_properties(properties)
        .send()
        .await
        .expect("RegisterJobDefinition");
}

/// Submits a job asking for `overrides`, lets a minute pass, and diagnoses it.
async fn submit_and_diagnose(
    client: &Client,
    overrides: &[(ResourceType, &str)],
    parameters: &[(&str, &str)],
) -> Diagnosis {
    let mut container = ContainerOverrides::builder();
    for (kind, value) in overrides {
        container = container.resource_requirements(requirement(kind.clone(), value));
    }
    let mut request = client
        .submit_job()
        .job_name("stuck")
        .job_queue("q")
        .job_definition("d")
        .container_overrides(container.build());
    for (k, v) in parameters {
        request = request.parameters(*k, *v);
    }
    let job_id = request
        .send()
        .await
        .expect("SubmitJob")
        .job_id()
        .unwrap()
        .to_owned();
    // Past the default schedule's end: a job that nothing holds would have finished.
    tokio::time::sleep(Duration::from_secs(60)).await;
    diagnose(client, &job_id).await.expect("diagnose")
}

fn causes(diagnosis: &Diagnosis) -> Vec<Cause> {
    diagnosis
        .findings()
        .iter()
        .map(|f| f.cause.clone())
        .collect()
}

fn evidence(diagnosis: &Diagnosis) -> Vec<String> {
    diagnosis
        .findings()
        .iter()
        .flat_map(|f| f.evidence.iter().map(ToString::to_string))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_disabled_queue_holds_the_job() {
    let (_server, client) = start().await;
    let disabled = Queue {
        state: JqState::Disabled,
        tags: &[],
    };
    set_up(&client, &HEALTHY, &disabled).await;
    let diagnosis = submit_and_diagnose(&client, &[], &[]).await;
    assert_eq!(diagnosis.status, "RUNNABLE");
    assert_eq!(causes(&diagnosis), [Cause::QueueDisabled]);
    assert_eq!(evidence(&diagnosis), ["job queue q state: DISABLED"]);
    assert!(diagnosis.stuck_for_good());
}

#[tokio::test(start_paused = true)]
async fn an_invalid_queue_holds_the_job() {
    let (_server, client) = start().await;
    let invalid = Queue {
        state: JqState::Enabled,
        tags: &[
            ("local:outcome", "INVALID"),
            (
                "local:statusReason",
                "CLIENT_ERROR - scheduling policy missing",
            ),
        ],
    };
    set_up(&client, &HEALTHY, &invalid).await;
    let diagnosis = submit_and_diagnose(&client, &[], &[]).await;
    assert_eq!(causes(&diagnosis), [Cause::QueueInvalid]);
    assert_eq!(
        evidence(&diagnosis),
        [
            "job queue q status: INVALID",
            "job queue q statusReason: CLIENT_ERROR - scheduling policy missing"
        ]
    );
    assert!(diagnosis.stuck_for_good());
}

#[tokio::test(start_paused = true)]
async fn a_disabled_compute_environment_holds_the_job() {
    let (_server, client) = start().await;
    let disabled = Ce {
        state: CeState::Disabled,
        ..HEALTHY
    };
    set_up(&client, &disabled, &ENABLED).await;
    let diagnosis = submit_and_diagnose(&client, &[], &[]).await;
    assert_eq!(causes(&diagnosis), [Cause::NoUsableComputeEnvironment]);
    assert_eq!(
        evidence(&diagnosis),
        ["compute environment ce state: DISABLED"]
    );
    assert!(diagnosis.stuck_for_good());
}

#[tokio::test(start_paused = true)]
async fn an_invalid_compute_environment_is_action_required() {
    let (_server, client) = start().await;
    let invalid = Ce {
        tags: &[
            ("local:outcome", "INVALID"),
            (
                "local:statusReason",
                "CLIENT_ERROR - subnet-1 does not exist",
            ),
        ],
        ..HEALTHY
    };
    set_up(&client, &invalid, &ENABLED).await;
    let diagnosis = submit_and_diagnose(&client, &[], &[]).await;
    assert_eq!(
        causes(&diagnosis),
        [
            Cause::InvalidComputeEnvironments,
            Cause::NoUsableComputeEnvironment
        ]
    );
    assert_eq!(
        evidence(&diagnosis),
        [
            "job stuck statusReason: ACTION_REQUIRED - CE(s) associated with the job queue are invalid"
                .replace("stuck", &diagnosis.job_id),
            "compute environment ce status: INVALID".into(),
            "compute environment ce statusReason: CLIENT_ERROR - subnet-1 does not exist".into(),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_larger_than_max_vcpus_is_held_with_max_resource() {
    let (server, client) = start().await;
    let small = Ce {
        max_vcpus: 4,
        ..HEALTHY
    };
    set_up(&client, &small, &ENABLED).await;
    let asks = [(ResourceType::Vcpu, "8"), (ResourceType::Memory, "2048")];
    let diagnosis = submit_and_diagnose(&client, &asks, &[]).await;
    assert_eq!(
        causes(&diagnosis),
        [Cause::ComputeEnvironmentMaxResource, Cause::JobFitsNowhere]
    );
    let evidence = evidence(&diagnosis);
    assert!(evidence[0].ends_with("statusReason: MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job."), "{evidence:?}");
    assert_eq!(
        evidence[1],
        "compute environment ce computeResources.maxvCpus: 4, less than the 8 vCPUs the job asks for"
    );
    assert!(diagnosis.stuck_for_good());
    // The job carried its vCPUs and memory: the definition was not read.
    assert_eq!(server.request_count(Operation::DescribeJobDefinitions), 0);
}

#[tokio::test(start_paused = true)]
async fn a_job_larger_than_every_instance_type_is_held_with_job_resource_requirement() {
    let (server, client) = start().await;
    set_up(&client, &HEALTHY, &ENABLED).await;
    // 64 GiB from the job, its vCPUs from the definition; m5.xlarge has 16 GiB.
    let diagnosis = submit_and_diagnose(&client, &[(ResourceType::Memory, "65536")], &[]).await;
    assert_eq!(
        causes(&diagnosis),
        [Cause::JobResourceRequirement, Cause::JobFitsNowhere]
    );
    assert_eq!(
        evidence(&diagnosis)[1],
        "compute environment ce computeResources.instanceTypes: [m5.large, m5.xlarge]: at most 16384 MiB, less than the 65536 MiB the job asks for"
    );
    assert_eq!(server.request_count(Operation::DescribeJobDefinitions), 1);
}

#[tokio::test(start_paused = true)]
async fn a_capacity_shortage_fixes_itself() {
    let (_server, client) = start().await;
    let short = Ce {
        tags: &[("local:capacity", "INSUFFICIENT")],
        ..HEALTHY
    };
    set_up(&client, &short, &ENABLED).await;
    let diagnosis = submit_and_diagnose(&client, &[], &[("local:runnableMillis", "3600000")]).await;
    assert_eq!(causes(&diagnosis), [Cause::InsufficientInstanceCapacity]);
    assert_eq!(
        evidence(&diagnosis),
        [format!(
            "job {} statusReason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [m5.large,m5.xlarge]",
            diagnosis.job_id
        )]
    );
    assert!(!diagnosis.stuck_for_good());
}

#[tokio::test(start_paused = true)]
async fn a_reason_given_by_parameter_is_reported() {
    let (_server, client) = start().await;
    set_up(&client, &HEALTHY, &ENABLED).await;
    let reason =
        "MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS - Batch service role has a permission issue.";
    let diagnosis = submit_and_diagnose(&client, &[], &[("local:runnableReason", reason)]).await;
    assert_eq!(causes(&diagnosis), [Cause::ServiceRolePermissions]);
    assert!(diagnosis.stuck_for_good());
}

#[tokio::test(start_paused = true)]
async fn a_job_waiting_its_turn_shows_its_place_at_the_front() {
    let (server, client) = start().await;
    set_up(&client, &HEALTHY, &ENABLED).await;
    let diagnosis = submit_and_diagnose(&client, &[], &[("local:runnableMillis", "3600000")]).await;
    assert_eq!(causes(&diagnosis), [Cause::NoVisibleReason]);
    assert_eq!(
        evidence(&diagnosis)[1],
        "job queue q frontOfQueue.jobs: position 1 of 1"
    );
    assert!(!diagnosis.stuck_for_good());
    assert_eq!(server.request_count(Operation::GetJobQueueSnapshot), 1);
}

#[tokio::test(start_paused = true)]
async fn a_job_nothing_holds_is_not_runnable() {
    let (_server, client) = start().await;
    set_up(&client, &HEALTHY, &ENABLED).await;
    let diagnosis = submit_and_diagnose(&client, &[], &[]).await;
    assert_eq!(
        causes(&diagnosis),
        [Cause::NotRunnable {
            status: "SUCCEEDED".into()
        }]
    );
}

//! Why is my job not starting: `waiters diagnose` and `wait-for-job --stuck-after
//! --fail-if-stuck` against a local Batch endpoint that holds jobs in RUNNABLE for each
//! cause, with the exit codes scripts see.

mod common;

use common::{Local, assert_exit, fast_model, json_stdout, stderr, stdout, temp_dir};
use serde_json::Value;
use waiters_runtime::aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ComputeResource, ContainerOverrides,
    ContainerProperties, CrType, JobDefinitionType, JqState, ResourceRequirement, ResourceType,
};

/// The compute environment `ce` of a test.
struct Ce {
    state: CeState,
    tags: &'static [(&'static str, &'static str)],
    max_vcpus: i32,
}

const HEALTHY: Ce = Ce {
    state: CeState::Enabled,
    tags: &[],
    max_vcpus: 256,
};

/// The queue `q` of a test.
struct Queue {
    state: JqState,
    tags: &'static [(&'static str, &'static str)],
}

const ENABLED: Queue = Queue {
    state: JqState::Enabled,
    tags: &[],
};

fn requirement(kind: ResourceType, value: &str) -> ResourceRequirement {
    ResourceRequirement::builder()
        .r#type(kind)
        .value(value)
        .build()
}

/// `ce` (m5.large and m5.xlarge), `q` over it and the definition `d` (1 vCPU, 2 GiB),
/// settled; then a job asking for `asks` (and with `parameters`), made RUNNABLE. Its id.
fn stuck_job(
    local: &Local,
    ce: &Ce,
    queue: &Queue,
    asks: &[(ResourceType, &str)],
    parameters: &[(&str, &str)],
) -> String {
    let client = &local.client;
    let resources = ComputeResource::builder()
        .r#type(CrType::Ec2)
        .minv_cpus(0)
        .maxv_cpus(ce.max_vcpus)
        .instance_types("m5.large")
        .instance_types("m5.xlarge")
        .subnets("subnet-1")
        .build();
    let mut request = client
        .create_compute_environment()
        .compute_environment_name("ce")
        .r#type(CeType::Managed)
        .state(ce.state.clone())
        .compute_resources(resources);
    for (k, v) in ce.tags {
        request = request.tags(*k, *v);
    }
    local
        .block_on(request.send())
        .expect("CreateComputeEnvironment");
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
    local.block_on(request.send()).expect("CreateJobQueue");
    let properties = ContainerProperties::builder()
        .image("busybox")
        .resource_requirements(requirement(ResourceType::Vcpu, "1"))
        .resource_requirements(requirement(ResourceType::Memory, "2048"))
        .build();
    let definition = client
        .register_job_definition()
        .job_definition_name("d")
        .r#type(JobDefinitionType::Container)
        .container_properties(properties);
    local
        .block_on(definition.send())
        .expect("RegisterJobDefinition");
    // The queue and the compute environment settle (VALID or INVALID).
    local.advance_phases(1);
    let mut overrides = ContainerOverrides::builder();
    for (kind, value) in asks {
        overrides = overrides.resource_requirements(requirement(kind.clone(), value));
    }
    let mut submit = client
        .submit_job()
        .job_name("stuck")
        .job_queue("q")
        .job_definition("d")
        .container_overrides(overrides.build());
    for (k, v) in parameters {
        submit = submit.parameters(*k, *v);
    }
    let job = local.block_on(submit.send()).expect("SubmitJob");
    // SUBMITTED and PENDING last an hour each.
    local.advance_phases(2);
    job.job_id().expect("jobId").to_owned()
}

/// `wait-for-job JOB --stuck-after 0 --fail-if-stuck --output json`: exit 5 and the
/// job's entry.
fn fail_if_stuck(local: &Local, job: &str) -> Value {
    let model = fast_model(&temp_dir("stuck"), 0.2);
    let model = model.to_str().expect("a UTF-8 path");
    let output = local
        .waiters(&[
            "wait-for-job",
            job,
            "--delay",
            "0",
            "--model",
            model,
            "--stuck-after",
            "0",
            "--fail-if-stuck",
            "--max-wait",
            "60",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 5);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "stuck");
    let entry = result["jobs"][0].clone();
    assert_eq!(entry["outcome"], "stuck");
    assert_eq!(entry["status"], "RUNNABLE");
    assert_eq!(entry["diagnosis"]["stuckForGood"], true);
    entry
}

fn causes(entry: &Value) -> Vec<&str> {
    entry["diagnosis"]["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["cause"].as_str()).collect())
        .unwrap_or_default()
}

fn evidence(entry: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for finding in entry["diagnosis"]["findings"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for e in finding["evidence"].as_array().into_iter().flatten() {
            lines.push(format!(
                "{} {}: {}",
                e["source"].as_str().unwrap_or_default(),
                e["field"].as_str().unwrap_or_default(),
                e["value"].as_str().unwrap_or_default()
            ));
        }
    }
    lines
}

#[test]
fn diagnose_says_why_in_text_and_json() {
    let local = Local::start();
    let disabled = Queue {
        state: JqState::Disabled,
        tags: &[],
    };
    let job = stuck_job(&local, &HEALTHY, &disabled, &[], &[]);
    let output = local.waiters(&["diagnose", &job]).output().expect("runs");
    assert_exit(&output, 5);
    assert_eq!(
        stdout(&output),
        format!(
            "job {job} is RUNNABLE in queue q: it will not start until something changes\n\
             cause: the job queue is DISABLED [JOB_QUEUE_DISABLED], will not fix itself\n  \
             evidence: job queue q state: DISABLED\n  \
             fix: enable the queue: aws batch update-job-queue --job-queue q --state ENABLED\n"
        )
    );
    let output = local
        .waiters(&["diagnose", &job, "--output", "json"])
        .output()
        .expect("runs");
    assert_exit(&output, 5);
    let diagnosis = json_stdout(&output);
    assert_eq!(diagnosis["jobId"], job.as_str());
    assert_eq!(diagnosis["findings"][0]["cause"], "JOB_QUEUE_DISABLED");
    assert_eq!(diagnosis["findings"][0]["fixesItself"], false);
}

#[test]
fn diagnose_of_a_job_that_runs_exits_0_and_of_no_job_exits_4() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(4);
    let output = local.waiters(&["diagnose", &job]).output().expect("runs");
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("cause: the job is RUNNING, not RUNNABLE [NOT_RUNNABLE]"));
    let output = local
        .waiters(&["diagnose", "no-such-job"])
        .output()
        .expect("runs");
    assert_exit(&output, 4);
    assert!(
        stderr(&output).contains("diagnosing job no-such-job: DescribeJobs returned no such job"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn fail_if_stuck_ends_the_wait_of_a_job_in_a_disabled_queue() {
    let local = Local::start();
    let disabled = Queue {
        state: JqState::Disabled,
        tags: &[],
    };
    let job = stuck_job(&local, &HEALTHY, &disabled, &[], &[]);
    let entry = fail_if_stuck(&local, &job);
    assert_eq!(causes(&entry), ["JOB_QUEUE_DISABLED"]);
    assert_eq!(evidence(&entry), ["job queue q state: DISABLED"]);
}

#[test]
fn fail_if_stuck_ends_the_wait_of_a_job_in_an_invalid_queue() {
    let local = Local::start();
    let invalid = Queue {
        state: JqState::Enabled,
        tags: &[
            ("local:outcome", "INVALID"),
            ("local:statusReason", "CLIENT_ERROR - broken"),
        ],
    };
    let job = stuck_job(&local, &HEALTHY, &invalid, &[], &[]);
    let entry = fail_if_stuck(&local, &job);
    assert_eq!(causes(&entry), ["JOB_QUEUE_INVALID"]);
    assert_eq!(
        evidence(&entry),
        [
            "job queue q status: INVALID",
            "job queue q statusReason: CLIENT_ERROR - broken"
        ]
    );
}

#[test]
fn fail_if_stuck_ends_the_wait_of_a_job_on_a_disabled_compute_environment() {
    let local = Local::start();
    let disabled = Ce {
        state: CeState::Disabled,
        ..HEALTHY
    };
    let job = stuck_job(&local, &disabled, &ENABLED, &[], &[]);
    let entry = fail_if_stuck(&local, &job);
    assert_eq!(causes(&entry), ["NO_USABLE_COMPUTE_ENVIRONMENT"]);
    assert_eq!(evidence(&entry), ["compute environment ce state: DISABLED"]);
}

#[test]
fn fail_if_stuck_ends_the_wait_of_a_job_on_an_invalid_compute_environment() {
    let local = Local::start();
    let invalid = Ce {
        tags: &[
            ("local:outcome", "INVALID"),
            ("local:statusReason", "CLIENT_ERROR - no subnet"),
        ],
        ..HEALTHY
    };
    let job = stuck_job(&local, &invalid, &ENABLED, &[], &[]);
    let entry = fail_if_stuck(&local, &job);
    assert_eq!(
        causes(&entry),
        ["ACTION_REQUIRED", "NO_USABLE_COMPUTE_ENVIRONMENT"]
    );
    assert_eq!(
        evidence(&entry),
        [
            format!(
                "job {job} statusReason: ACTION_REQUIRED - CE(s) associated with the job queue are invalid"
            ),
            "compute environment ce status: INVALID".to_owned(),
            "compute environment ce statusReason: CLIENT_ERROR - no subnet".to_owned(),
        ]
    );
}

#[test]
fn fail_if_stuck_ends_the_wait_of_a_job_larger_than_max_vcpus() {
    let local = Local::start();
    let small = Ce {
        max_vcpus: 4,
        ..HEALTHY
    };
    let asks = [(ResourceType::Vcpu, "8"), (ResourceType::Memory, "2048")];
    let job = stuck_job(&local, &small, &ENABLED, &asks, &[]);
    let entry = fail_if_stuck(&local, &job);
    assert_eq!(
        causes(&entry),
        [
            "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE",
            "JOB_FITS_NOWHERE"
        ]
    );
    assert_eq!(
        evidence(&entry)[1],
        "compute environment ce computeResources.maxvCpus: 4, less than the 8 vCPUs the job asks for"
    );
}

#[test]
fn fail_if_stuck_ends_the_wait_of_a_job_larger_than_every_instance_type() {
    let local = Local::start();
    let job = stuck_job(
        &local,
        &HEALTHY,
        &ENABLED,
        &[(ResourceType::Memory, "65536")],
        &[],
    );
    let entry = fail_if_stuck(&local, &job);
    assert_eq!(
        causes(&entry),
        [
            "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
            "JOB_FITS_NOWHERE"
        ]
    );
    assert_eq!(
        evidence(&entry)[1],
        "compute environment ce computeResources.instanceTypes: [m5.large, m5.xlarge]: at most 16384 MiB, less than the 65536 MiB the job asks for"
    );
}

#[test]
fn a_capacity_shortage_is_reported_and_waited_out() {
    let local = Local::start();
    let short = Ce {
        tags: &[("local:capacity", "INSUFFICIENT")],
        ..HEALTHY
    };
    let job = stuck_job(&local, &short, &ENABLED, &[], &[]);
    let model = fast_model(&temp_dir("capacity"), 0.2);
    let model = model.to_str().expect("a UTF-8 path");
    let args = [
        "wait-for-job",
        &job,
        "--delay",
        "0",
        "--model",
        model,
        "--stuck-after",
        "0",
        "--fail-if-stuck",
        // Real time: long enough for the job to reach RUNNABLE and be diagnosed on a
        // loaded machine (3 s was not, once).
        "--max-wait",
        "10",
    ];
    let output = local.waiters(&args).output().expect("runs");
    // Not stuck for good: the wait goes on until --max-wait.
    assert_exit(&output, 3);
    let warnings: Vec<String> = stderr(&output)
        .lines()
        .filter(|l| l.starts_with("waiters: warning:"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        warnings,
        [format!(
            "waiters: warning: job {job} RUNNABLE for 0s: EC2 has no capacity for the instance types [CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY]; fix: wait, or allow more instance types (or Regions/zones) in the compute environment"
        )],
        "printed once"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--output", "json"]);
    let output = local.waiters(&json_args).output().expect("runs");
    assert_exit(&output, 3);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let entry = json_stdout(&output)["jobs"][0].clone();
    assert_eq!(entry["outcome"], "timeout");
    assert_eq!(causes(&entry), ["CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"]);
    assert_eq!(entry["diagnosis"]["findings"][0]["fixesItself"], true);
}

#[test]
fn a_job_that_starts_in_time_is_not_diagnosed() {
    let local = Local::start();
    let job = local.submit(&[("local:totalMillis", "0")]);
    let output = local
        .waiters(&[
            "wait-for-job",
            &job,
            "--delay",
            "0",
            "--fail-if-stuck",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert!(json_stdout(&output)["jobs"][0].get("diagnosis").is_none());
}

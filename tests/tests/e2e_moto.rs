//! End to end against moto, a third-party AWS emulator (`moto_server`), through the real
//! aws-sdk-batch client over HTTP.
//!
//! Needs a running moto server named by `MOTO_ENDPOINT` (for example
//! `http://127.0.0.1:5000`); `.ci/run` starts one and runs
//! `cargo test -p waiters-tests --features moto --test e2e_moto -- --test-threads=1`.
//! The tests change moto's global configuration, so they run one at a time.
#![cfg(feature = "moto")]

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ContainerProperties, JobDefinitionType, JqState,
    ResourceRequirement, ResourceType,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use waiters_runtime::{
    BatchOutput, BatchWaiters, DelayStrategy, JobWaitError, JobWaitOptions, RandomSource,
};

/// Airflow's second Batch model (`waiters/batch.json`), byte for byte.
const AIRFLOW_BATCH: &str = include_str!("../fixtures/airflow-batch.json");

mod airflow {
    waiters_runtime::waiters!("fixtures/airflow-batch.json");
}

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT must name a running moto server, e.g. http://127.0.0.1:5000")
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "moto")
}

fn batch_client() -> Client {
    Client::from_conf(
        aws_sdk_batch::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(endpoint())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    )
}

fn iam_client() -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .endpoint_url(endpoint())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    )
}

/// `POST /moto-api/config`: moto's switch between its Docker backend and instant jobs.
async fn set_moto_use_docker(use_docker: bool) {
    let url = endpoint();
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let body = format!(r#"{{"batch": {{"use_docker": {use_docker}}}}}"#);
    let request = format!(
        "POST /moto-api/config HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("moto reachable");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.1 201"),
        "moto config: {response}"
    );
}

/// Creates a service role, an UNMANAGED compute environment, a queue and a container job
/// definition, as SubmitJob needs them; returns (queue, job definition).
async fn create_batch_resources(client: &Client, name: &str) -> (String, String) {
    let role = iam_client()
        .create_role()
        .role_name(format!("{name}-batch-service"))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batch.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("CreateRole");
    let role_arn = role.role().map(|r| r.arn().to_owned()).expect("role ARN");
    let environment = client
        .create_compute_environment()
        .compute_environment_name(format!("{name}-ce"))
        .r#type(CeType::Unmanaged)
        .state(CeState::Enabled)
        .service_role(role_arn)
        .send()
        .await
        .expect("CreateComputeEnvironment");
    let queue = client
        .create_job_queue()
        .job_queue_name(format!("{name}-queue"))
        .state(JqState::Enabled)
        .priority(1)
        .compute_environment_order(
            ComputeEnvironmentOrder::builder()
                .order(1)
                .compute_environment(environment.compute_environment_arn().expect("CE ARN"))
                .build(),
        )
        .send()
        .await
        .expect("CreateJobQueue");
    let definition = client
        .register_job_definition()
        .job_definition_name(format!("{name}-definition"))
        .r#type(JobDefinitionType::Container)
        .container_properties(
            ContainerProperties::builder()
                .image("busybox")
                .command("true")
                .resource_requirements(
                    ResourceRequirement::builder()
                        .r#type(ResourceType::Vcpu)
                        .value("1")
                        .build(),
                )
                .resource_requirements(
                    ResourceRequirement::builder()
                        .r#type(ResourceType::Memory)
                        .value("128")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("RegisterJobDefinition");
    (
        queue.job_queue_arn().expect("queue ARN").to_owned(),
        definition
            .job_definition_arn()
            .expect("job definition ARN")
            .to_owned(),
    )
}

async fn submit(client: &Client, queue: &str, definition: &str) -> String {
    client
        .submit_job()
        .job_name("waiters-moto")
        .job_queue(queue)
        .job_definition(definition)
        .send()
        .await
        .expect("SubmitJob")
        .job_id()
        .expect("jobId")
        .to_owned()
}

/// Small model delays (moto's jobs take seconds at most), no jitter, a deadline.
fn fast_waiters(client: Client) -> (BatchWaiters, JobWaitOptions) {
    let mut config = BatchWaiters::new(client.clone()).default_config();
    for name in ["JobExists", "JobRunning", "JobComplete"] {
        config["waiters"][name]["delay"] = serde_json::json!(0.25);
    }
    let waiters = BatchWaiters::with_config(client, &config).expect("valid model");
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        max_wait: Some(Duration::from_secs(120)),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.5),
        ..JobWaitOptions::default()
    };
    (waiters, options)
}

#[tokio::test]
async fn moto_job_succeeds_without_docker() {
    set_moto_use_docker(false).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "succeeds").await;
    let job_id = submit(&client, &queue, &definition).await;
    let (waiters, options) = fast_waiters(client);
    let job = waiters
        .wait_for_job_with(&job_id, &options, waiters_runtime::NoObserver)
        .await
        .expect("moto reports the job SUCCEEDED");
    assert_eq!(job.job_id(), Some(job_id.as_str()));
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    println!("moto: job {job_id} SUCCEEDED");
}

#[tokio::test]
async fn moto_job_without_a_docker_engine_fails() {
    // moto's Docker backend with no Docker engine walks the job to FAILED.
    set_moto_use_docker(true).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "fails").await;
    let job_id = submit(&client, &queue, &definition).await;
    let (waiters, options) = fast_waiters(client);
    let err = waiters
        .wait_for_job_with(&job_id, &options, waiters_runtime::NoObserver)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobWaitError::JobFailed { job_id: id, .. } if *id == job_id),
        "expected JobFailed, got {err}"
    );
    println!("moto: {err}");
    set_moto_use_docker(false).await;
}

#[tokio::test]
async fn moto_unknown_job_exhausts_the_budget() {
    let (waiters, _) = fast_waiters(batch_client());
    let mut waiter = waiters.get_waiter("JobExists").unwrap();
    waiter.config.max_attempts = Some(3);
    let err = waiter.wait(["no-such-job"]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Waiter JobExists failed: Max attempts exceeded. Previously accepted state: For expression \"length(jobs)\" we matched expected path: \"0\""
    );
    assert_eq!(
        err.last_output().unwrap().body,
        serde_json::json!({"jobs": []})
    );
}

#[tokio::test]
async fn moto_reference_model_job_exists_fails_at_once() {
    // Airflow's own model, interpreted as botocore does: an empty job list matches its
    // `error: ""` acceptor, a failure state.
    let reference = include_str!("../fixtures/airflow-reference.json");
    let waiters = BatchWaiters::from_json_str(batch_client(), reference).unwrap();
    let err = waiters
        .get_waiter("JobExists")
        .unwrap()
        .wait(["no-such-job"])
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(
        err.to_string()
            .ends_with("terminal failure state: Matched expected service error code: "),
        "{err}"
    );
}

/// Airflow's `batch.json`, typed: the compute environment to VALID with
/// `compute_env_ready` (DescribeComputeEnvironments), then a job in the queue to
/// SUCCEEDED with `batch_job_complete`.
#[tokio::test]
async fn moto_airflow_batch_model_typed() {
    use airflow::Waiters as _;

    set_moto_use_docker(false).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "airflow-typed").await;
    let ready = client
        .wait_until_compute_env_ready()
        .compute_environments("airflow-typed-ce")
        .delay(Duration::from_millis(250))
        .max_wait(Duration::from_secs(60))
        .wait()
        .await
        .expect("moto reports the compute environment VALID");
    let ce = &ready
        .output()
        .expect("the last output")
        .compute_environments()[0];
    assert_eq!(ce.compute_environment_name(), Some("airflow-typed-ce"));
    assert_eq!(ce.status().map(|s| s.as_str()), Some("VALID"));

    let job_id = submit(&client, &queue, &definition).await;
    let done = client
        .wait_until_batch_job_complete()
        .jobs(&job_id)
        .delay(Duration::from_millis(250))
        .max_wait(Duration::from_secs(120))
        .wait()
        .await
        .expect("moto runs the job to SUCCEEDED");
    let job = &done.output().expect("the last output").jobs()[0];
    assert_eq!(job.status().map(|s| s.as_str()), Some("SUCCEEDED"));
    println!(
        "moto typed: compute environment VALID after {} calls, job SUCCEEDED after {}",
        ready.attempts, done.attempts
    );
}

/// Airflow's `batch.json` loaded at run time: the compute environment to VALID with the
/// input as request JSON, the queue to VALID with a DescribeJobQueues waiter of our own,
/// then a job to SUCCEEDED.
#[tokio::test]
async fn moto_airflow_batch_model_at_run_time() {
    set_moto_use_docker(false).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "airflow-runtime").await;
    let waiters = BatchWaiters::from_json_str(client.clone(), AIRFLOW_BATCH).unwrap();

    let mut ready = waiters.get_waiter("compute_env_ready").unwrap();
    ready.config.delay = Duration::from_millis(250);
    ready.config.max_wait = Some(Duration::from_secs(60));
    let input = ready
        .input(&serde_json::json!({"computeEnvironments": ["airflow-runtime-ce"]}))
        .unwrap();
    let waited = ready
        .wait_input(&input)
        .await
        .expect("moto reports the compute environment VALID");
    let response = waited.output().expect("the last response");
    // The run-time acceptors searched moto's raw body.
    assert_eq!(response.body["computeEnvironments"][0]["status"], "VALID");
    assert!(matches!(
        &response.output,
        BatchOutput::DescribeComputeEnvironments(o) if o.compute_environments().len() == 1
    ));

    let queue_model = r#"{"version": 2, "waiters": {"job_queue_ready": {
        "operation": "DescribeJobQueues", "delay": 0.25, "maxAttempts": 240,
        "acceptors": [
          {"matcher": "pathAll", "argument": "jobQueues[].status", "expected": "VALID", "state": "success"},
          {"matcher": "pathAny", "argument": "jobQueues[].status", "expected": "INVALID", "state": "failure"}]}}}"#;
    let queues = BatchWaiters::from_json_str(client.clone(), queue_model).unwrap();
    let queue_ready = queues.get_waiter("job_queue_ready").unwrap();
    let input = queue_ready
        .input(&serde_json::json!({"jobQueues": [queue]}))
        .unwrap();
    let waited = queue_ready
        .wait_input(&input)
        .await
        .expect("moto reports the queue VALID");
    assert_eq!(
        waited.output().unwrap().body["jobQueues"][0]["state"],
        "ENABLED"
    );

    let job_id = submit(&client, &queue, &definition).await;
    let mut complete = waiters.get_waiter("batch_job_complete").unwrap();
    complete.config.delay = Duration::from_millis(250);
    complete.config.max_wait = Some(Duration::from_secs(120));
    let done = complete
        .wait([job_id.as_str()])
        .await
        .expect("moto runs the job to SUCCEEDED");
    assert_eq!(
        done.output().unwrap().body["jobs"][0]["status"],
        "SUCCEEDED"
    );
}

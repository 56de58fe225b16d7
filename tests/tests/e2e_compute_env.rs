//! End to end: waiters on compute environments and job queues with Airflow's `batch.json`
//! (tests/fixtures/airflow-batch.json), typed and at run time, through the real
//! aws-sdk-batch client over HTTP against the local Batch endpoint. Lifecycles run on
//! tokio's paused clock.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use aws_sdk_batch::types::{CeStatus, CeType, ComputeEnvironmentOrder, JqStatus};
use serde_json::json;
use waiters_local::{LocalBatch, Operation};
use waiters_runtime::BatchWaiters;
use waiters_runtime::batch::BatchOutput;
use waiters_runtime::error::FailureReason;

mod airflow {
    waiters_runtime::waiters!("fixtures/airflow-batch.json");
}

const AIRFLOW_BATCH: &str = include_str!("../fixtures/airflow-batch.json");

/// Compute environments and queues settle five minutes after a change.
const SETTLE: Duration = Duration::from_secs(300);

async fn start() -> (LocalBatch, Client) {
    let server = LocalBatch::builder()
        .settle_after(SETTLE)
        .start()
        .await
        .expect("local endpoint starts");
    // On the paused clock an SDK timeout could fire while a request is on the socket.
    let client = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    (server, client)
}

async fn create_ce(client: &Client, name: &str, tags: &[(&str, &str)]) {
    let mut request = client
        .create_compute_environment()
        .compute_environment_name(name)
        .r#type(CeType::Unmanaged);
    for (k, v) in tags {
        request = request.tags(*k, *v);
    }
    request.send().await.expect("CreateComputeEnvironment");
}

#[tokio::test(start_paused = true)]
async fn typed_compute_env_ready_waits_until_valid() {
    use airflow::Waiters as _;

    let (server, client) = start().await;
    create_ce(&client, "ce", &[]).await;
    let started = tokio::time::Instant::now();
    let waited = client
        .wait_until_compute_env_ready()
        .compute_environments("ce")
        .wait()
        .await
        .unwrap();
    // CREATING at 0, 30, ..., 270 s; VALID at 300 s: eleven calls 30 s apart.
    assert_eq!(waited.attempts(), 11);
    assert_eq!(started.elapsed(), SETTLE);
    let output = waited.output().unwrap();
    assert_eq!(
        output.compute_environments()[0].status(),
        Some(&CeStatus::Valid)
    );
    assert_eq!(
        server.request_count(Operation::DescribeComputeEnvironments),
        11
    );
}

#[tokio::test(start_paused = true)]
async fn run_time_compute_env_ready_fails_on_an_invalid_environment() {
    let (_server, client) = start().await;
    create_ce(
        &client,
        "broken",
        &[
            ("local:outcome", "INVALID"),
            ("local:statusReason", "CLIENT_ERROR - no subnets"),
        ],
    )
    .await;
    let waiters = BatchWaiters::from_json_str(client, AIRFLOW_BATCH).unwrap();
    let waiter = waiters.get_waiter("compute_env_ready").unwrap();
    let input = waiter
        .input(&json!({"computeEnvironments": ["broken"]}))
        .unwrap();
    let error = waiter.wait_input(&input).await.unwrap_err();
    assert!(
        matches!(error.reason(), FailureReason::TerminalFailure { .. }),
        "{error}"
    );
    assert_eq!(error.attempts(), 11);
    // The raw body reached the run-time acceptors; the typed output came along.
    let last = error.last_output().unwrap();
    assert_eq!(
        last.body["computeEnvironments"][0]["statusReason"],
        "CLIENT_ERROR - no subnets"
    );
    assert!(matches!(
        &last.output,
        BatchOutput::DescribeComputeEnvironments(o)
            if o.compute_environments()[0].status() == Some(&CeStatus::Invalid)
    ));
}

#[tokio::test(start_paused = true)]
async fn a_job_queue_waiter_at_run_time() {
    let (_server, client) = start().await;
    create_ce(&client, "ce", &[("local:readyMillis", "0")]).await;
    client
        .create_job_queue()
        .job_queue_name("q")
        .priority(1)
        .compute_environment_order(
            ComputeEnvironmentOrder::builder()
                .order(1)
                .compute_environment("ce")
                .build(),
        )
        .send()
        .await
        .expect("CreateJobQueue");
    let model = r#"{"version": 2, "waiters": {"JobQueueReady": {
        "operation": "DescribeJobQueues", "delay": 10, "maxAttempts": 60,
        "acceptors": [
          {"matcher": "pathAll", "argument": "jobQueues[].status", "expected": "VALID", "state": "success"},
          {"matcher": "pathAny", "argument": "jobQueues[].status", "expected": "INVALID", "state": "failure"},
          {"matcher": "path", "argument": "length(jobQueues)", "expected": 0, "state": "retry"}]}}}"#;
    let waiters = BatchWaiters::from_json_str(client, model).unwrap();
    let waiter = waiters.get_waiter("JobQueueReady").unwrap();
    let input = waiter.input(&json!({"jobQueues": ["q"]})).unwrap();
    let waited = waiter.wait_input(&input).await.unwrap();
    assert_eq!(waited.attempts(), 31);
    match &waited.output().unwrap().output {
        BatchOutput::DescribeJobQueues(output) => {
            assert_eq!(output.job_queues()[0].status(), Some(&JqStatus::Valid));
        }
        other => panic!("{other:?}"),
    }
}

//! A compute environment waited to VALID with Airflow's `batch.json` waiter model
//! (`compute_env_ready`), typed and at run time, through `aws-sdk-batch` over HTTP
//! against the local Batch endpoint started in this process.
//!
//! ```sh
//! cargo run --example compute_env
//! ```

use std::time::Duration;

use serde_json::json;
use waiters_local::LocalBatch;
use waiters_runtime::BatchWaiters;
use waiters_runtime::aws_sdk_batch::types::{CeState, CeType};
use waiters_runtime::batch::{BatchOutput, BatchResponse};
use waiters_runtime::operation::BatchSdkError;

// Airflow's model, as apache-airflow-providers-amazon ships it: its waiter names are
// snake_case (`compute_env_ready` becomes the type `ComputeEnvReady`).
mod airflow {
    waiters_runtime::waiters!("../tests/fixtures/airflow-batch.json");
}

const AIRFLOW_BATCH: &str = include_str!("../tests/fixtures/airflow-batch.json");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    use airflow::Waiters as _;

    // Compute environments on this endpoint are CREATING for 4 seconds, then VALID.
    let server = LocalBatch::builder()
        .settle_after(Duration::from_secs(4))
        .start()
        .await?;
    println!("local Batch endpoint at {}", server.endpoint_url());
    let client = server.client();

    // Typed: checked at compile time against DescribeComputeEnvironments's output. The
    // model polls every 30 s, right for real Batch; here every second will do.
    create(&client, "typed-ce").await?;
    let started = std::time::Instant::now();
    let waited = client
        .wait_until_compute_env_ready()
        .compute_environments("typed-ce")
        .delay(Duration::from_secs(1))
        .wait()
        .await?;
    let status = waited
        .output()
        .and_then(|o| o.compute_environments().first())
        .and_then(|ce| ce.status())
        .map_or("?", |s| s.as_str());
    println!(
        "typed:    typed-ce {status} after {} calls, {:.1}s: {}",
        waited.attempts(),
        started.elapsed().as_secs_f64(),
        waited.acceptor().explanation
    );

    // At run time: the same model loaded from JSON, the input as request JSON.
    create(&client, "run-time-ce").await?;
    let waiters = BatchWaiters::from_json_str(client.clone(), AIRFLOW_BATCH)?;
    let mut waiter = waiters.get_waiter("compute_env_ready")?;
    waiter.config.delay = Duration::from_secs(1);
    let input = waiter.input(&json!({"computeEnvironments": ["run-time-ce"]}))?;
    let waited = waiter
        .wait_input_observed(
            &input,
            |attempt: &waiters_runtime::engine::Attempt<'_, BatchResponse, BatchSdkError>| {
                if let Ok(response) = attempt.response {
                    println!(
                        "  attempt {}: {}",
                        attempt.number, response.body["computeEnvironments"][0]["status"]
                    );
                }
            },
        )
        .await?;
    if let Some(BatchOutput::DescribeComputeEnvironments(output)) =
        waited.output().map(|r| &r.output)
    {
        let ce = &output.compute_environments()[0];
        println!(
            "run time: {} {} ({}) after {} calls",
            ce.compute_environment_name().unwrap_or("?"),
            ce.status().map_or("?", |s| s.as_str()),
            ce.status_reason().unwrap_or("-"),
            waited.attempts()
        );
    }
    println!(
        "DescribeComputeEnvironments calls served by the endpoint: {}",
        server.counters().describe_compute_environments.requests
    );
    server.shutdown().await;
    Ok(())
}

/// Creates an UNMANAGED compute environment: CREATING, then VALID 4 seconds later.
async fn create(
    client: &waiters_runtime::aws_sdk_batch::Client,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let created = client
        .create_compute_environment()
        .compute_environment_name(name)
        .r#type(CeType::Unmanaged)
        .state(CeState::Enabled)
        .send()
        .await?;
    println!(
        "created {}",
        created.compute_environment_arn().unwrap_or(name)
    );
    Ok(())
}

//! The quickstart: a real `wait_for_job` through `aws-sdk-batch`, over HTTP, against the
//! local Batch endpoint started in this process.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use std::time::Duration;

use waiters_local::{JobProfile, LocalBatch};
use waiters_runtime::engine::Attempt;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::{BatchWaiters, JobWaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local Batch endpoint on 127.0.0.1 (ephemeral port): jobs run for 8 seconds.
    let server = LocalBatch::builder()
        .default_profile(JobProfile::succeeding_after(Duration::from_secs(8)))
        .start()
        .await?;
    println!("local Batch endpoint at {}", server.endpoint_url());
    let client = server.client();

    let submitted = client
        .submit_job()
        .job_name("quickstart")
        .job_queue("default")
        .job_definition("hello-world:1")
        .send()
        .await?;
    let job_id = submitted
        .job_id()
        .ok_or("SubmitJob returned no jobId")?
        .to_owned();
    println!("submitted job {job_id}");

    // The bundled model polls JobComplete every 300 s, right for real Batch jobs; this one
    // takes seconds, so start from the default config and poll every 2 s instead.
    let defaults = BatchWaiters::new(client.clone());
    let mut config = defaults.default_config();
    config["waiters"]["JobComplete"]["delay"] = 2.into();
    let waiters = BatchWaiters::with_config(client, &config)?;
    println!("waiters: {}", waiters.list_waiters().join(", "));

    let options = JobWaitOptions {
        initial_delay: Some(Duration::from_secs(1)),
        max_wait: Some(Duration::from_secs(60)),
        ..JobWaitOptions::default()
    };
    let started = std::time::Instant::now();
    let mut last_status = String::new();
    let job = waiters
        .wait_for_job_with(
            &job_id,
            &options,
            |attempt: &Attempt<'_, DescribeJobsResponse, DescribeJobsSdkError>| {
                let status = match attempt.response {
                    Ok(response) => response
                        .job(&job_id)
                        .and_then(|j| j.status())
                        .map_or("(not visible yet)".to_owned(), |s| s.as_str().to_owned()),
                    Err(e) => format!("error: {e}"),
                };
                if status != last_status {
                    println!("  status {status}");
                    last_status = status.clone();
                }
                let verdict = attempt
                    .matched
                    .map_or("no acceptor matched".to_owned(), |m| m.state.to_string());
                let next = attempt.next_poll.map_or("done".to_owned(), |d| {
                    format!("next poll in {:.1}s", d.as_secs_f64())
                });
                println!(
                    "  [{:>11}] attempt {} at {:>5.1}s: {status} -> {verdict}; {next}",
                    attempt.waiter,
                    attempt.number,
                    started.elapsed().as_secs_f64()
                );
            },
        )
        .await?;

    println!("job finished:");
    println!("  id:            {}", job.job_id().unwrap_or("?"));
    println!("  name:          {}", job.job_name().unwrap_or("?"));
    println!(
        "  status:        {}",
        job.status().map_or("?", |s| s.as_str())
    );
    println!("  status reason: {}", job.status_reason().unwrap_or("-"));
    println!(
        "  exit code:     {}",
        waiters_runtime::job::exit_code(&job).map_or("-".to_owned(), |c| c.to_string())
    );
    println!(
        "  DescribeJobs calls served by the endpoint: {}",
        server.counters().describe_jobs.requests
    );
    server.shutdown().await;
    Ok(())
}

//! The quickstart against real AWS Batch (not run in CI: it needs an account).
//!
//! Credentials and region come from the standard AWS chain (environment, profile, SSO,
//! instance role). Either submit a job and wait for it:
//!
//! ```sh
//! cargo run -p waiters-examples --features real-aws --example real_aws -- submit JOB_QUEUE JOB_DEFINITION
//! ```
//!
//! or wait for a job that is already running:
//!
//! ```sh
//! cargo run -p waiters-examples --features real-aws --example real_aws -- wait JOB_ID
//! ```

use std::time::Duration;

use aws_config::BehaviorVersion;
use waiters_runtime::engine::Attempt;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::{BatchWaiters, JobWaitOptions};

const USAGE: &str = "usage: real_aws submit JOB_QUEUE JOB_DEFINITION | real_aws wait JOB_ID";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    if config.region().is_none() {
        return Err("no AWS region configured: set AWS_REGION or a profile region".into());
    }
    let client = aws_sdk_batch::Client::new(&config);

    let job_id = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["submit", queue, definition] => {
            let submitted = client
                .submit_job()
                .job_name("waiters-example")
                .job_queue(*queue)
                .job_definition(*definition)
                .send()
                .await?;
            let id = submitted
                .job_id()
                .ok_or("SubmitJob returned no jobId")?
                .to_owned();
            println!("submitted job {id}");
            id
        }
        ["wait", job_id] => (*job_id).to_owned(),
        _ => return Err(USAGE.into()),
    };

    // The bundled model: Airflow's timings (JobComplete polls every 300 s +/- 2 s).
    let waiters = BatchWaiters::new(client);
    let options = JobWaitOptions {
        max_wait: Some(Duration::from_secs(24 * 3600)),
        ..JobWaitOptions::default()
    };
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
                let next = attempt.next_poll.map_or("done".to_owned(), |d| {
                    format!("next poll in {:.0}s", d.as_secs_f64())
                });
                println!(
                    "[{}] attempt {}: {status}; {next}",
                    attempt.waiter, attempt.number
                );
            },
        )
        .await?;
    println!(
        "job {} {}",
        job.job_id().unwrap_or("?"),
        job.status().map_or("?", |s| s.as_str())
    );
    Ok(())
}

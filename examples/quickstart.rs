//! The quickstart: a real `wait_for_job` through `aws-sdk-batch`, over HTTP, against the
//! local Batch endpoint started in this process, with the job's log lines read from the
//! same endpoint's CloudWatch Logs API while it runs.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::types::{ContainerOverrides, JobDetail};
use aws_sdk_cloudwatchlogs::config::{Credentials, Region};
use tokio::sync::watch;
use waiters_local::{JobPhase, JobProfile, LocalBatch, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};
use waiters_runtime::engine::Attempt;
use waiters_runtime::logs::{FollowConfig, LogFollower, StreamId, find_job_logs};
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::{BatchWaiters, JobWaitOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local Batch endpoint on 127.0.0.1 (ephemeral port): jobs take a second in each
    // of SUBMITTED, PENDING, RUNNABLE and STARTING, then run for 6 seconds.
    let profile = JobProfile::default()
        .with_every_phase(Duration::from_secs(1))
        .with_phase_duration(JobPhase::Running, Duration::from_secs(6));
    let server = LocalBatch::builder()
        .default_profile(profile)
        .start()
        .await?;
    println!("local Batch endpoint at {}", server.endpoint_url());
    let client = server.client();

    let submitted = client
        .submit_job()
        .job_name("quickstart")
        .job_queue("default")
        .job_definition("hello-world:1")
        // The endpoint turns each `echo` into a log line, spread over the run.
        .container_overrides(
            ContainerOverrides::builder()
                .command("sh")
                .command("-c")
                .command("echo loading data; echo step 1 of 2; echo step 2 of 2; echo done")
                .build(),
        )
        .send()
        .await?;
    let job_id = submitted
        .job_id()
        .ok_or("SubmitJob returned no jobId")?
        .to_owned();
    println!("submitted job {job_id}");

    // Its log lines, printed while the wait goes on; `ended` tells the reader the job ended.
    let (ended, job_ended) = watch::channel(false);
    let reader = tokio::spawn(print_log_lines(
        client.clone(),
        logs_client(&server),
        job_id.clone(),
        job_ended,
    ));

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
    let job = waiters
        .wait_for_job_with(&job_id, &options, progress(&job_id))
        .await;
    // The reader reads the job's stream to its end, then stops.
    ended.send_replace(true);
    let lines = reader.await??;
    let job = job?;

    println!("job finished ({lines} log lines):");
    print_job(&job);
    println!(
        "  DescribeJobs calls served by the endpoint: {}",
        server.counters().describe_jobs.requests
    );
    server.shutdown().await;
    Ok(())
}

/// The wait's observer: prints each attempt, and each new status of the job.
fn progress(
    job_id: &str,
) -> impl FnMut(&Attempt<'_, DescribeJobsResponse, DescribeJobsSdkError>) + '_ {
    let started = std::time::Instant::now();
    let mut last_status = String::new();
    move |attempt| {
        let status = match attempt.response {
            Ok(response) => response
                .job(job_id)
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
    }
}

fn print_job(job: &JobDetail) {
    println!("  id:            {}", job.job_id().unwrap_or("?"));
    println!("  name:          {}", job.job_name().unwrap_or("?"));
    println!(
        "  status:        {}",
        job.status().map_or("?", |s| s.as_str())
    );
    println!("  status reason: {}", job.status_reason().unwrap_or("-"));
    println!(
        "  exit code:     {}",
        waiters_runtime::job::exit_code(job).map_or("-".to_owned(), |c| c.to_string())
    );
}

/// A CloudWatch Logs client for the local endpoint: the URL that serves Batch serves the
/// Logs API for its jobs too.
fn logs_client(server: &LocalBatch) -> aws_sdk_cloudwatchlogs::Client {
    let credentials = Credentials::new(
        TEST_ACCESS_KEY_ID,
        TEST_SECRET_ACCESS_KEY,
        None,
        None,
        "waiters-local",
    );
    aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::Config::builder()
            .region(Region::new(server.region().to_owned()))
            .credentials_provider(credentials)
            .endpoint_url(server.endpoint_url())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    )
}

/// Prints the job's log lines as they arrive: looks up its stream every second until the
/// container has one, follows it, and once `ended` says the job ended reads it to the end,
/// so that the last lines arrive too. Returns how many lines it printed.
async fn print_log_lines(
    batch: Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    job_id: String,
    mut ended: watch::Receiver<bool>,
) -> Result<usize, waiters_runtime::logs::FindLogsError> {
    let mut follower = LogFollower::new(logs, FollowConfig::default());
    let mut stream: Option<StreamId> = None;
    let mut finishing = false;
    let mut printed = 0;
    loop {
        let job_ended = *ended.borrow_and_update();
        if stream.is_none() {
            let found = find_job_logs(&batch, &job_id).await?;
            stream = found
                .iter()
                .find_map(|log| log.stream())
                .map(|s| follower.watch(s.clone()));
        }
        if job_ended && !finishing {
            finishing = true;
            if let Some(id) = stream {
                follower.finish(id);
            }
        }
        let round = follower.round().await;
        for line in &round.lines {
            println!("  log | {}", line.message);
        }
        printed += round.lines.len();
        for (_, error) in &round.failed {
            println!("  log | cannot read: {error}");
        }
        if finishing && follower.is_empty() {
            return Ok(printed);
        }
        let pause = if stream.is_some() {
            follower.interval()
        } else {
            Duration::from_secs(1)
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            _ = ended.changed() => {}
        }
    }
}

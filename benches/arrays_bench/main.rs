//! The calls it takes to follow a large array job: `DescribeJobs` for the parent's
//! progress, `ListJobs` pages for its failed children, and `--children` (every child
//! through one shared `JobPoller`). Against the local endpoint on tokio's paused clock,
//! so call counts are exact and no real time passes for the jobs.
//!
//! `cargo run --release -p waiters-benches --bin arrays_bench` (BENCHMARKS.md).

use std::time::{Duration, Instant};

use aws_sdk_batch::Client;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use aws_sdk_batch::types::ArrayProperties;
use clap::Parser;
use waiters_local::{JobProfile, LocalBatch};
use waiters_runtime::array::{
    ArrayProgress, ProgressObserver, failed_children, wait_for_array, wait_for_children,
};
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::{BatchWaiters, JobPoller, JobWaitOptions};

#[derive(Parser)]
#[command(about = "DescribeJobs and ListJobs calls to follow one array job")]
struct Options {
    /// Children in the array.
    #[arg(long, default_value_t = 10_000)]
    size: u32,
    /// How many of them fail (the first ones).
    #[arg(long, default_value_t = 1_000)]
    failed: u32,
}

/// Children run 10 minutes; the failing ones fail after 5.
const CHILD_MILLIS: &str = "600000";
const FAIL_MILLIS: &str = "300000";

fn exact_options() -> JobWaitOptions {
    JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.5),
        ..JobWaitOptions::default()
    }
}

async fn submit(client: &Client, options: &Options) -> Result<String, Box<dyn std::error::Error>> {
    let mut request = client
        .submit_job()
        .job_name("bench")
        .job_queue("queue")
        .job_definition("definition:1")
        .array_properties(ArrayProperties::builder().size(options.size as i32).build())
        .parameters("local:totalMillis", CHILD_MILLIS)
        .parameters("local:failAfterMillis", FAIL_MILLIS);
    if options.failed > 0 {
        request = request.parameters("local:failIndexes", format!("0-{}", options.failed - 1));
    }
    Ok(request
        .send()
        .await?
        .job_id()
        .unwrap_or_default()
        .to_owned())
}

async fn start() -> Result<(LocalBatch, Client), Box<dyn std::error::Error>> {
    let server = LocalBatch::builder()
        .default_profile(JobProfile::succeeding_after(Duration::from_secs(60)))
        .start()
        .await?;
    let client = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    Ok((server, client))
}

/// The parent's progress through `wait_for_array`, then its failed children.
async fn progress_run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let (server, client) = start().await?;
    let parent = submit(&client, options).await?;
    let waiters = BatchWaiters::new(client.clone());
    let mut changes = 0;
    let observer = ProgressObserver::new(parent.as_str(), |_: &ArrayProgress| changes += 1);
    let started = Instant::now();
    let ended = wait_for_array(&waiters, &parent, &exact_options(), observer).await;
    let waited = started.elapsed();
    let describe = server.counters().describe_jobs.requests;
    let started = Instant::now();
    let failed = failed_children(&client, &parent).await?;
    let listed = started.elapsed();
    println!(
        "progress: {} children, {} failed: wait ended {}; {describe} DescribeJobs calls \
         (one per attempt, each for the parent alone), {changes} progress changes seen, \
         {:.0} ms",
        options.size,
        options.failed,
        if ended.is_ok() { "SUCCEEDED" } else { "FAILED" },
        waited.as_secs_f64() * 1000.0
    );
    println!(
        "failed children: {} listed in {} ListJobs calls ({} on the endpoint), {:.0} ms",
        failed.children.len(),
        failed.list_calls,
        server.counters().list_jobs.requests,
        listed.as_secs_f64() * 1000.0
    );
    server.shutdown().await;
    Ok(())
}

/// `--children`: every child's wait through one poller.
async fn children_run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let (server, client) = start().await?;
    let parent = submit(&client, options).await?;
    let poller = JobPoller::new(&client);
    let wait_options = JobWaitOptions {
        poller: Some(poller.clone()),
        ..exact_options()
    };
    let waiters = BatchWaiters::new(client);
    let started = Instant::now();
    let outcomes = wait_for_children(&waiters, &parent, options.size, &wait_options, |_| {}).await;
    let elapsed = started.elapsed();
    let stats = poller.stats();
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    println!(
        "children: {} waits ended ({failed} failed); {} DescribeJobs calls in {} rounds \
         ({:.1} a round, at most {} ids a call; {} on the endpoint), {:.0} ms",
        outcomes.len(),
        stats.calls,
        stats.rounds,
        stats.calls as f64 / stats.rounds.max(1) as f64,
        stats.max_ids_in_a_call,
        server.counters().describe_jobs.requests,
        elapsed.as_secs_f64() * 1000.0
    );
    server.shutdown().await;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = Options::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()?;
    runtime.block_on(async {
        progress_run(&options).await?;
        children_run(&options).await
    })
}

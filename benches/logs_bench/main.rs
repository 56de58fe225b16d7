//! logs_bench: following the logs of many running jobs at once against the local
//! endpoint's CloudWatch Logs API, in real time. Reports the Logs calls per read round
//! (goal: at most ceil(N/100) for N streams in one group), the latency from a line's
//! timestamp to its delivery (goal: at most one interval plus one round trip), and lines
//! lost or repeated (goal: 0).
//!
//! `cargo run --release -p waiters-benches --bin logs_bench -- --jobs 1000`

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cloudwatchlogs::config::{Credentials, Region};
use clap::Parser;
use waiters_local::{JobProfile, LocalBatch};
use waiters_runtime::logs::{FollowConfig, LogFollower, StreamId, job_logs};

#[derive(Debug, Parser)]
struct Args {
    /// Jobs running at once, all logging to /aws/batch/job.
    #[arg(long, default_value_t = 1000)]
    jobs: usize,
    /// Lines each job writes, one every --every-ms.
    #[arg(long, default_value_t = 10)]
    lines: usize,
    #[arg(long, default_value_t = 3000)]
    every_ms: u64,
    /// Share of Logs calls throttled (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    throttle: f64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let server = LocalBatch::builder()
        .default_profile(JobProfile::succeeding_after(Duration::from_secs(5)))
        .start()
        .await?;
    server.log_faults().throttle(args.throttle);
    let batch = server.client();
    let running_ms = args.every_ms * args.lines as u64 + 1000;
    let mut ids = Vec::new();
    for j in 0..args.jobs {
        // Each job starts its lines at its own offset, so lines arrive all the time.
        let offset = (j as u64 * 7919) % args.every_ms;
        let schedule: Vec<String> = (0..args.lines)
            .map(|k| format!("{} j{j} l{k}", offset + k as u64 * args.every_ms))
            .collect();
        let job = batch
            .submit_job()
            .job_name(format!("job{j}"))
            .job_queue("q")
            .job_definition("bench")
            .parameters("local:phaseMillis", "500")
            .parameters("local:runningMillis", running_ms.to_string())
            .parameters("local:logLines", schedule.join("\n"))
            .send()
            .await?;
        ids.push(job.job_id().unwrap_or_default().to_owned());
    }
    // RUNNING from 2 s on: every job has its stream.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let logs = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version_latest()
            .region(Region::new(server.region().to_owned()))
            .credentials_provider(Credentials::new("AKIDLOCAL", "local", None, None, "bench"))
            .endpoint_url(server.endpoint_url())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    );
    let mut follower = LogFollower::new(logs, FollowConfig::default());
    let mut job_of: HashMap<StreamId, usize> = HashMap::new();
    for (chunk_index, chunk) in ids.chunks(100).enumerate() {
        let described = batch
            .describe_jobs()
            .set_jobs(Some(chunk.to_vec()))
            .send()
            .await?;
        for (i, job) in described.jobs().iter().enumerate() {
            let stream = job_logs(job)
                .into_iter()
                .find_map(|l| l.stream().cloned())
                .ok_or("no stream")?;
            job_of.insert(follower.watch(stream), chunk_index * 100 + i);
        }
    }
    let ends_at = tokio::time::Instant::now() + Duration::from_millis(running_ms);
    let mut delivered: Vec<Vec<String>> = vec![Vec::new(); args.jobs];
    let (mut latencies, mut calls, mut intervals, mut round_times) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut finished = false;
    loop {
        if !finished && tokio::time::Instant::now() >= ends_at {
            finished = true;
            for id in job_of.keys() {
                follower.finish(*id);
            }
        }
        let started = tokio::time::Instant::now();
        let round = follower.round().await;
        round_times.push(started.elapsed());
        let at = now_ms();
        if !finished {
            calls.push(round.calls);
            intervals.push(follower.interval());
        }
        for line in round.lines {
            latencies.push(at - line.timestamp);
            delivered[job_of[&line.stream]].push(line.message);
        }
        if follower.is_empty() {
            break;
        }
        tokio::time::sleep(follower.interval()).await;
    }
    report(
        &args,
        &delivered,
        latencies,
        calls,
        intervals,
        round_times,
        server.log_faults().counters(),
    );
    Ok(())
}

fn report(
    args: &Args,
    delivered: &[Vec<String>],
    mut latencies: Vec<i64>,
    mut calls: Vec<usize>,
    intervals: Vec<Duration>,
    mut round_times: Vec<Duration>,
    counters: waiters_local::LogCounters,
) {
    let (mut lost, mut repeated) = (0usize, 0usize);
    for (j, lines) in delivered.iter().enumerate() {
        let expected: Vec<String> = (0..args.lines).map(|k| format!("j{j} l{k}")).collect();
        lost += expected.iter().filter(|e| !lines.contains(e)).count();
        repeated += lines
            .len()
            .saturating_sub(lines.iter().collect::<std::collections::HashSet<_>>().len());
    }
    latencies.sort_unstable();
    calls.sort_unstable();
    round_times.sort_unstable();
    let pct = |v: &[i64], p: f64| {
        v.get(((v.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0)
    };
    println!(
        "jobs {} lines/job {} every {} ms throttle {}",
        args.jobs, args.lines, args.every_ms, args.throttle
    );
    println!("goal calls/round <= {}", args.jobs.div_ceil(100));
    println!(
        "calls/round while running: median {} max {} (rounds {})",
        calls.get(calls.len() / 2).unwrap_or(&0),
        calls.last().unwrap_or(&0),
        calls.len()
    );
    println!(
        "intervals: max {:?}",
        intervals.iter().max().unwrap_or(&Duration::ZERO)
    );
    println!(
        "round trip (one round): median {:?} max {:?}",
        round_times
            .get(round_times.len() / 2)
            .unwrap_or(&Duration::ZERO),
        round_times.last().unwrap_or(&Duration::ZERO)
    );
    println!(
        "latency ms (line timestamp to delivery): p50 {} p99 {} max {}",
        pct(&latencies, 0.5),
        pct(&latencies, 0.99),
        latencies.last().unwrap_or(&0)
    );
    println!(
        "lines delivered {} lost {lost} repeated {repeated}",
        latencies.len()
    );
    println!(
        "Logs calls: FilterLogEvents {} GetLogEvents {} DescribeLogStreams {} throttled {}",
        counters.filter_log_events,
        counters.get_log_events,
        counters.describe_log_streams,
        counters.throttled
    );
}

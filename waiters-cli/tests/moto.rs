//! `waiters events setup`, `wait-for-job --events-queue` and `waiters events teardown` as
//! processes against moto: the local endpoint (in this process) publishes its jobs' state
//! changes to moto's EventBridge, and the waits learn of them from moto's SQS.
//!
//! Needs a running moto server named by `MOTO_ENDPOINT`; `.ci/run` runs
//! `cargo test -p waiters-cli --features moto --test moto`.
#![cfg(feature = "moto")]

mod common;

use std::time::{Duration, Instant};

use common::{Local, json_stdout, stderr, waiters};
use waiters_local::{JobPhase, JobProfile, LocalBatch};

fn moto() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT must name a running moto server, e.g. http://127.0.0.1:5000")
}

/// `waiters events COMMAND --queue QUEUE` on moto, as JSON.
fn events(command: &str, queue: &str) -> serde_json::Value {
    let output = waiters()
        .args(["events", command, "--queue", queue, "--output", "json"])
        .args(["--endpoint-url", &moto(), "--region", "us-east-1"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    json_stdout(&output)
}

#[test]
fn wait_for_job_learns_of_changes_from_moto_events() {
    let queue = format!("waiters-cli-moto-{}", std::process::id());
    let queue_url = events("setup", &queue)["queue"]["url"]
        .as_str()
        .expect("the queue's URL")
        .to_owned();
    // SUBMITTED for 1 s, RUNNING for 2 s: two events a job.
    let local = Local::start_with(
        LocalBatch::builder()
            .default_profile(
                JobProfile::default()
                    .with_every_phase(Duration::ZERO)
                    .with_phase_duration(JobPhase::Submitted, Duration::from_secs(1))
                    .with_phase_duration(JobPhase::Running, Duration::from_secs(2)),
            )
            .eventbridge(moto()),
    );
    let jobs: Vec<(String, &str)> = (0..20)
        .map(|i| {
            let outcome = if i % 5 == 2 { "FAILED" } else { "SUCCEEDED" };
            (local.submit(&[("local:outcome", outcome)]), outcome)
        })
        .collect();
    let ids: Vec<&str> = jobs.iter().map(|(id, _)| id.as_str()).collect();

    let started = Instant::now();
    let output = waiters()
        .args(["wait-for-job", "-", "--delay", "0", "--output", "json"])
        // Far beyond the test: only events can move the waits.
        .args(["--events-queue", &queue_url, "--reconcile-every", "600"])
        .args(["--region", "us-east-1"])
        .env("AWS_ENDPOINT_URL_BATCH", local.server.endpoint_url())
        .env("AWS_ENDPOINT_URL_SQS", moto())
        .write_stdin(ids.join("\n"))
        .output()
        .expect("runs");
    let elapsed = started.elapsed();
    events("teardown", &queue);

    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let result = json_stdout(&output);
    println!(
        "moto: wait-for-job --events-queue on 20 jobs in {elapsed:.1?}: poller {}, events {}",
        result["poller"], result["events"]
    );
    for ((id, status), entry) in jobs.iter().zip(result["jobs"].as_array().expect("jobs")) {
        assert_eq!(entry["job_id"], id.as_str());
        assert_eq!(entry["status"], *status, "{entry}");
    }
    let events = &result["events"];
    assert_eq!(events["stopped"], serde_json::Value::Null, "{events}");
    assert!(
        events["applied"].as_u64().is_some_and(|n| n >= 20),
        "{events}"
    );
    // The first calls ask for all twenty (in one or two rounds: their initial delays
    // end within a millisecond or two); events tell the rest.
    let calls = local.describe_jobs_requests();
    assert_eq!(result["poller"]["calls"], calls);
    assert!(calls <= 3, "{calls} DescribeJobs calls");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
}

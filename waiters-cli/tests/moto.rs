//! `waiters events setup`, `wait-for-job --events-queue` and `waiters events teardown` as
//! processes against moto: the local endpoint (in this process) publishes its jobs' state
//! changes to moto's EventBridge, and the waits learn of them from moto's SQS.
//!
//! Needs a running moto server named by `MOTO_ENDPOINT`; `.ci/run` runs
//! `cargo test -p waiters-cli --features moto --test moto`.
#![cfg(feature = "moto")]

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{HOUR, Local, json_stdout, output_within, spawn_waiters, stderr, wait_until, waiters};
use waiters_local::{JobProfile, LocalBatch};

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
    // Every phase lasts an hour: jobs move only when the test moves the endpoint's clock,
    // whatever this machine's load.
    let local = Local::start_with(
        LocalBatch::builder()
            .default_profile(JobProfile::default().with_every_phase(HOUR))
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
    let batch = local.server.endpoint_url();
    let moto = moto();
    let mut child = spawn_waiters(
        &[
            "wait-for-job",
            "-",
            // 4-6 s, one draw for every job: their first calls fall due within
            // milliseconds of each other, well inside the poller's window (half the
            // delay), so they go out as one call.
            "--delay",
            "5",
            "--output",
            "json",
            "--events-queue",
            &queue_url,
            // Far beyond the test: only events can move the waits.
            "--reconcile-every",
            "600",
            "--region",
            "us-east-1",
        ],
        &[
            ("AWS_ENDPOINT_URL_BATCH", batch.as_str()),
            ("AWS_ENDPOINT_URL_SQS", moto.as_str()),
        ],
    );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(ids.join("\n").as_bytes())
        .expect("the ids written");
    // The endpoint's signal that the first call went out: every job was SUBMITTED then.
    wait_until(
        "wait-for-job's first DescribeJobs call",
        Duration::from_secs(60),
        || local.describe_jobs_requests() > 0,
    );
    // Every job through its phases to its end: its state changes go to moto as events.
    local.advance_phases(6);
    let output = output_within(child, Duration::from_secs(120));
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
    // Each job's end came as an event: the one call saw it SUBMITTED.
    assert!(
        events["applied"].as_u64().is_some_and(|n| n >= 20),
        "{events}"
    );
    let calls = local.describe_jobs_requests();
    assert_eq!(result["poller"]["calls"], calls);
    assert_eq!(calls, 1, "{calls} DescribeJobs calls");
}

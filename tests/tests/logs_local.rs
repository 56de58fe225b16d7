//! Job logs against the local endpoint: its CloudWatch Logs API read with the real
//! aws-sdk-cloudwatchlogs client, and the follower reading jobs to their last line with
//! throttling, a late stream and late lines. The server's clock is moved by hand (no
//! sleeping): each step is "time passes, then one round of reads".

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_batch::types::JobDetail;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::config::{Credentials, Region};
use waiters_local::{JobProfile, LocalBatch};
use waiters_runtime::logs::{FollowConfig, LogFollower, StreamId, job_logs};

async fn start() -> LocalBatch {
    LocalBatch::builder()
        .default_profile(JobProfile::failing_after(Duration::from_secs(50)))
        .start()
        .await
        .expect("server starts")
}

/// A Logs client for the server: the same endpoint URL serves Batch and Logs.
fn logs_client(server: &LocalBatch) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::Config::builder()
            .region(Region::new(server.region().to_owned()))
            .credentials_provider(Credentials::new("AKIDLOCAL", "local", None, None, "test"))
            .endpoint_url(server.endpoint_url())
            .retry_config(RetryConfig::disabled())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    )
}

async fn submit(server: &LocalBatch, command: &[&str], parameters: &[(&str, &str)]) -> String {
    let mut request = server
        .client()
        .submit_job()
        .job_name("train")
        .job_queue("q")
        .job_definition("train")
        .container_overrides(
            aws_sdk_batch::types::ContainerOverrides::builder()
                .set_command(Some(command.iter().map(|c| (*c).to_owned()).collect()))
                .build(),
        );
    for (key, value) in parameters {
        request = request.parameters(*key, *value);
    }
    request
        .send()
        .await
        .expect("submitted")
        .job_id()
        .expect("id")
        .to_owned()
}

async fn describe(server: &LocalBatch, id: &str) -> JobDetail {
    let output = server
        .client()
        .describe_jobs()
        .jobs(id)
        .send()
        .await
        .expect("described");
    output.jobs()[0].clone()
}

#[tokio::test]
async fn the_logs_api_serves_a_jobs_echoed_lines() {
    let server = start().await;
    let logs = logs_client(&server);
    // Phases of 10 s each: RUNNING from 40 s to 50 s, one line every 5 s.
    let id = submit(
        &server,
        &["sh", "-c", "echo hello; sleep 9; echo world"],
        &[],
    )
    .await;
    server.advance_clock(Duration::from_secs(41));
    let job = describe(&server, &id).await;
    let stream = job_logs(&job)[0]
        .stream()
        .cloned()
        .expect("a running job has a stream");
    assert_eq!(stream.group, "/aws/batch/job");
    let first = logs
        .get_log_events()
        .log_group_name(&stream.group)
        .log_stream_name(&stream.stream)
        .start_from_head(true)
        .send()
        .await
        .unwrap();
    let texts: Vec<&str> = first.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(texts, ["hello"]);
    server.advance_clock(Duration::from_secs(5));
    let next = logs
        .get_log_events()
        .log_group_name(&stream.group)
        .log_stream_name(&stream.stream)
        .set_next_token(first.next_forward_token().map(str::to_owned))
        .send()
        .await
        .unwrap();
    let texts: Vec<&str> = next.events().iter().filter_map(|e| e.message()).collect();
    assert_eq!(texts, ["world"]);
    let filtered = logs
        .filter_log_events()
        .log_group_name(&stream.group)
        .log_stream_names(&stream.stream)
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.events().len(), 2);
    assert!(filtered.events().iter().all(|e| e.event_id().is_some()));
    let described = logs
        .describe_log_streams()
        .log_group_name(&stream.group)
        .log_stream_name_prefix(&stream.stream)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.log_streams()[0].log_stream_name(),
        Some(stream.stream.as_str())
    );
}

#[tokio::test]
async fn missing_streams_and_groups_are_not_found() {
    let server = start().await;
    let logs = logs_client(&server);
    let error = logs
        .filter_log_events()
        .log_group_name("/aws/batch/job")
        .log_stream_names("train/default/none")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error.into_service_error().meta().code(),
        Some("ResourceNotFoundException")
    );
    let error = logs
        .get_log_events()
        .log_group_name("/other")
        .log_stream_name("s")
        .send()
        .await
        .unwrap_err();
    assert!(error.into_service_error().is_resource_not_found_exception());
}

/// Follows the jobs, one round per second of server time, until every stream is done:
/// each job's lines, and the calls of each round.
async fn follow(
    server: &LocalBatch,
    ids: &[String],
    config: FollowConfig,
) -> (HashMap<String, Vec<String>>, Vec<usize>) {
    let mut follower = LogFollower::new(logs_client(server), config);
    let mut watched: HashMap<StreamId, String> = HashMap::new();
    let mut finished: Vec<&String> = Vec::new();
    let mut lines: HashMap<String, Vec<String>> = HashMap::new();
    let mut calls = Vec::new();
    for _ in 0..400 {
        let mut described = Vec::new();
        for chunk in ids.chunks(100) {
            let jobs = server
                .client()
                .describe_jobs()
                .set_jobs(Some(chunk.to_vec()))
                .send()
                .await
                .unwrap();
            described.extend(jobs.jobs().to_vec());
        }
        for job in &described {
            let id = job.job_id().unwrap().to_owned();
            for log in job_logs(job) {
                if let Some(stream) = log.stream()
                    && !watched.values().any(|j| *j == id)
                {
                    watched.insert(follower.watch(stream.clone()), id.clone());
                }
            }
            let done = matches!(
                job.status().map(|s| s.as_str()),
                Some("SUCCEEDED" | "FAILED")
            );
            if done && !finished.contains(&&ids[ids.iter().position(|i| *i == id).unwrap()]) {
                finished.push(&ids[ids.iter().position(|i| *i == id).unwrap()]);
                for (stream, _) in watched.iter().filter(|(_, j)| **j == id) {
                    follower.finish(*stream);
                }
            }
        }
        let round = follower.round().await;
        assert!(round.failed.is_empty(), "{:?}", round.failed);
        calls.push(round.calls);
        for line in round.lines {
            lines
                .entry(watched[&line.stream].clone())
                .or_default()
                .push(line.message);
        }
        if finished.len() == ids.len() && follower.is_empty() {
            return (lines, calls);
        }
        server.advance_clock(Duration::from_secs(1));
    }
    panic!("the jobs' logs never finished")
}

#[tokio::test]
async fn a_job_that_fails_right_after_its_last_line_is_read_to_it_under_throttling() {
    let server = start().await;
    server.log_faults().throttle(0.3);
    // RUNNING lasts 10 s; the last line is written as the container exits; the stream
    // appears 3 s late and lines arrive 0.8 s after they are written (the wait learns of
    // the end first, and a finished stream is read twice, a second apart).
    let schedule = "0 loading\n2000 epoch 1\n4000 epoch 2\n10000 Traceback: CUDA out of memory";
    let id = submit(
        &server,
        &["python", "train.py"],
        &[
            ("local:logLines", schedule),
            ("local:logStreamDelayMillis", "3000"),
            ("local:logLagMillis", "800"),
        ],
    )
    .await;
    let (lines, _) = follow(&server, std::slice::from_ref(&id), FollowConfig::default()).await;
    assert_eq!(
        lines[&id],
        [
            "loading",
            "epoch 1",
            "epoch 2",
            "Traceback: CUDA out of memory"
        ]
    );
    assert!(server.log_faults().counters().throttled > 0);
}

#[tokio::test]
async fn many_jobs_are_read_together_one_call_per_100_streams() {
    let server = start().await;
    let mut ids = Vec::new();
    for j in 0..150 {
        let echo = format!("echo job {j} starts; echo job {j} works; echo job {j} ends");
        ids.push(submit(&server, &["sh", "-c", &echo], &[]).await);
    }
    let (lines, calls) = follow(&server, &ids, FollowConfig::default()).await;
    for (j, id) in ids.iter().enumerate() {
        let expected: Vec<String> = ["starts", "works", "ends"]
            .iter()
            .map(|w| format!("job {j} {w}"))
            .collect();
        assert_eq!(lines[id], expected, "job {j}");
    }
    let counters = server.log_faults().counters();
    assert_eq!(counters.get_log_events, 0, "read together, not one by one");
    // While all 150 run: two FilterLogEvents a round.
    assert!(calls.iter().all(|c| *c <= 2), "{calls:?}");
}

#[tokio::test]
async fn an_array_jobs_children_are_found_with_list_jobs_and_read() {
    let server = start().await;
    let id = server
        .client()
        .submit_job()
        .job_name("shards")
        .job_queue("q")
        .job_definition("shards")
        .array_properties(
            aws_sdk_batch::types::ArrayProperties::builder()
                .size(3)
                .build(),
        )
        .container_overrides(
            aws_sdk_batch::types::ContainerOverrides::builder()
                .set_command(Some(vec!["echo".to_owned(), "shard done".to_owned()]))
                .build(),
        )
        .send()
        .await
        .expect("submitted")
        .job_id()
        .expect("id")
        .to_owned();
    server.advance_clock(Duration::from_secs(600));
    let logs = waiters_runtime::logs::find_job_logs(&server.client(), &id)
        .await
        .unwrap();
    let indexes: Vec<Option<i32>> = logs.iter().map(|l| l.part.array_index).collect();
    assert_eq!(indexes, [Some(0), Some(1), Some(2)], "{logs:?}");
    let mut follower = LogFollower::new(logs_client(&server), FollowConfig::default());
    for log in &logs {
        let stream = log.stream().expect("each child ran").clone();
        let id = follower.watch(stream);
        follower.finish(id);
    }
    let mut lines = Vec::new();
    while !follower.is_empty() {
        lines.extend(follower.round().await.lines.into_iter().map(|l| l.message));
    }
    assert_eq!(lines, ["shard done"; 3]);
}

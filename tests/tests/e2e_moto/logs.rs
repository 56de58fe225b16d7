//! A Batch job's logs on moto: `job_logs` finds the stream from moto's `JobDetail`, and
//! `LogFollower` reads it from moto's CloudWatch Logs, each line once, to the last one.
//!
//! What moto does: its Batch without Docker (`batch_simple`) ends a job SUCCEEDED at
//! SubmitJob and names its stream as Batch does, `<job definition name>/default/<job
//! id>` (moto's job id stands for the ECS task id), in `container.logStreamName` and in
//! the attempt's container; its CloudWatch Logs serves GetLogEvents with forward tokens.
//! What moto does not do here: without a Docker engine it runs no container, so it
//! creates neither the group `/aws/batch/job` nor the stream and writes no lines (with
//! Docker it copies the container's output there when the job ends). The test writes the
//! lines itself with PutLogEvents, in batches, standing in for the container: one before
//! the first read, one during a read, one between reads and the last right before the
//! follower is told the job has ended.

use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client as LogsClient;
use aws_sdk_cloudwatchlogs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use waiters_runtime::logs::{
    DEFAULT_LOG_GROUP, FollowConfig, LogFollower, LogLine, LogStream, StreamId, job_logs,
    last_lines,
};

use super::events::unique;
use super::{batch_client, create_batch_resources, endpoint, set_moto_use_docker, submit};

fn logs_client() -> LogsClient {
    LogsClient::from_conf(
        aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .endpoint_url(endpoint())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    )
}

/// The group and stream the awslogs driver would create when the container starts; the
/// group may be left from an earlier run on the same moto.
async fn create_stream(logs: &LogsClient, stream: &LogStream) {
    if let Err(err) = logs
        .create_log_group()
        .log_group_name(&stream.group)
        .send()
        .await
    {
        assert!(
            err.as_service_error()
                .is_some_and(|e| e.is_resource_already_exists_exception()),
            "CreateLogGroup: {err:?}"
        );
    }
    logs.create_log_stream()
        .log_group_name(&stream.group)
        .log_stream_name(&stream.stream)
        .send()
        .await
        .expect("CreateLogStream");
}

/// Lines `from..to` of the job's output, `line 007` and so on, one millisecond apart
/// from `start`.
fn lines(from: usize, to: usize) -> Vec<String> {
    (from..to).map(|i| format!("line {i:03}")).collect()
}

async fn put(logs: &LogsClient, stream: &LogStream, start: i64, from: usize, messages: &[String]) {
    let mut request = logs
        .put_log_events()
        .log_group_name(&stream.group)
        .log_stream_name(&stream.stream);
    for (offset, message) in messages.iter().enumerate() {
        let timestamp = start + i64::try_from(from + offset).expect("a small index");
        request = request.log_events(
            InputLogEvent::builder()
                .timestamp(timestamp)
                .message(message)
                .build()
                .expect("timestamp and message"),
        );
    }
    request.send().await.expect("PutLogEvents");
}

/// One round of reads: its lines, after checking that no read failed.
async fn read(follower: &mut LogFollower, id: StreamId) -> (Vec<LogLine>, bool) {
    let round = follower.round().await;
    assert!(round.failed.is_empty(), "{:?}", round.failed);
    assert!(round.lines.iter().all(|l| l.stream == id), "{round:?}");
    (round.lines, round.finished.contains(&id))
}

#[tokio::test]
async fn moto_logs_follower_reads_every_line_once_to_the_last() {
    set_moto_use_docker(false).await;
    let batch = batch_client();
    // Names of this run: a second run on the same moto finds the first one's role.
    let name = unique("logs-follow");
    let (queue, definition) = create_batch_resources(&batch, &name).await;
    let job_id = submit(&batch, &queue, &definition).await;
    let described = batch
        .describe_jobs()
        .jobs(&job_id)
        .send()
        .await
        .expect("DescribeJobs");
    let job = described.jobs().first().expect("the job").clone();

    // moto names the stream in `container.logStreamName`, so the job's own location is
    // used, not one built by hand.
    assert!(
        job.container().and_then(|c| c.log_stream_name()).is_some(),
        "moto changed: no container.logStreamName in {job:?}"
    );
    let found = job_logs(&job);
    assert_eq!(found.len(), 1, "{found:?}");
    let stream = found[0].stream().expect("a CloudWatch Logs stream").clone();
    assert_eq!(
        stream,
        LogStream {
            group: DEFAULT_LOG_GROUP.to_owned(),
            stream: format!("{name}-definition/default/{job_id}"),
            region: None,
        }
    );

    let logs = logs_client();
    create_stream(&logs, &stream).await;
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    let start = i64::try_from(start).expect("milliseconds fit");
    let expected = lines(0, 40);

    let mut config = FollowConfig::default();
    config.min_interval = Duration::from_millis(20);
    config.max_interval = Duration::from_millis(100);
    let mut follower = LogFollower::new(logs.clone(), config);
    let id = follower.watch(stream.clone());
    let mut received: Vec<LogLine> = Vec::new();

    // Before the first read.
    put(&logs, &stream, start, 0, &expected[0..10]).await;
    let (first, _) = read(&mut follower, id).await;
    received.extend(first);
    assert_eq!(received.len(), 10, "the first round reads the first batch");

    // While a read is under way: the round may or may not see it, a later one must.
    let (during, ()) = tokio::join!(
        read(&mut follower, id),
        put(&logs, &stream, start, 10, &expected[10..25])
    );
    received.extend(during.0);
    tokio::time::sleep(follower.interval()).await;
    let (after, _) = read(&mut follower, id).await;
    received.extend(after);

    // Between reads.
    put(&logs, &stream, start, 25, &expected[25..37]).await;
    tokio::time::sleep(follower.interval()).await;
    let (between, _) = read(&mut follower, id).await;
    received.extend(between);

    // The job's last lines, and right after them the job ends.
    put(&logs, &stream, start, 37, &expected[37..40]).await;
    follower.finish(id);
    let mut rounds_after_finish = 0;
    while !follower.is_empty() {
        rounds_after_finish += 1;
        assert!(rounds_after_finish <= 5, "the stream is never done");
        tokio::time::sleep(follower.interval()).await;
        let (last, finished) = read(&mut follower, id).await;
        received.extend(last);
        assert_eq!(finished, follower.is_empty());
    }

    let messages: Vec<&str> = received.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(
        messages, expected,
        "every line once, in order, the last included"
    );
    let timestamps: Vec<i64> = received.iter().map(|l| l.timestamp).collect();
    assert_eq!(timestamps, (0..40).map(|i| start + i).collect::<Vec<_>>());

    let tail = last_lines(&logs, &stream, 5, Duration::from_millis(50))
        .await
        .expect("GetLogEvents from the tail");
    assert_eq!(tail, &expected[35..40]);
    println!(
        "moto: {} lines of {} read once each, {rounds_after_finish} rounds after the end; tail {tail:?}",
        received.len(),
        stream.stream
    );
}

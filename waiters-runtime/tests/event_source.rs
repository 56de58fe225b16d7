//! `events::EventSource` against a fake SQS: a source that stops says why, and the
//! poller it fed polls alone again.
#![cfg(feature = "events")]

mod common;

use std::time::Duration;

use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::test_util::infallible_client_fn;
use common::FakeBatch;
use waiters_runtime::JobPoller;
use waiters_runtime::events::{EventSource, EventSourceError, EventTask};

const QUEUE: &str = "https://sqs.us-east-1.amazonaws.com/123456789012/batch-events";

/// An SQS client whose every call gets HTTP 400 with this query error code and
/// `__type`, as SQS's JSON protocol sends errors.
fn sqs_failing_with(query_code: &'static str, json_type: &'static str) -> aws_sdk_sqs::Client {
    let http = infallible_client_fn(move |_request: http::Request<_>| {
        http::Response::builder()
            .status(400)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amzn-query-error", format!("{query_code};Sender"))
            .body(format!(
                r#"{{"__type":"com.amazonaws.sqs#{json_type}","message":"said the fake"}}"#
            ))
            .expect("a response")
    });
    aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("k", "s", None, None, "test"))
            .http_client(http)
            .build(),
    )
}

async fn stopped(task: &EventTask) -> EventSourceError {
    for _ in 0..500 {
        if task.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(task.is_finished(), "the source stops");
    task.error().expect("a stopped source says why")
}

#[tokio::test]
async fn a_queue_that_is_gone_stops_the_source_and_says_so() {
    let poller = JobPoller::new(&FakeBatch::new([]).client());
    let sqs = sqs_failing_with(
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    );
    let task = EventSource::new(&sqs, QUEUE, &poller)
        .reconcile_every(Duration::from_secs(7))
        .spawn();
    // Not started yet on this runtime's one thread: running, no error, and the poller
    // already takes events.
    assert!(!task.is_finished());
    assert!(task.error().is_none());
    assert_eq!(poller.events(), Some(Duration::from_secs(7)));
    let error = stopped(&task).await;
    assert!(
        matches!(&error, EventSourceError::QueueGone { queue_url } if queue_url == QUEUE),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("SQS queue {QUEUE} does not exist; waits poll DescribeJobs alone")
    );
    assert_eq!(poller.events(), None, "the poller polls alone again");
    assert_eq!(task.stats().receives, 1);
}

#[tokio::test]
async fn access_denied_stops_the_source_with_the_service_message() {
    let poller = JobPoller::new(&FakeBatch::new([]).client());
    let sqs = sqs_failing_with("AccessDenied", "AccessDenied");
    let task = EventSource::new(&sqs, QUEUE, &poller).spawn();
    let error = stopped(&task).await;
    assert!(
        matches!(&error, EventSourceError::Receive { .. }),
        "{error:?}"
    );
    // One line of prose, without the SDK's Debug dump of the response.
    assert_eq!(
        error.to_string(),
        format!(
            "receiving from SQS queue {QUEUE} failed: the service answered HTTP 400 AccessDenied: said the fake; waits poll DescribeJobs alone"
        )
    );
    assert_eq!(poller.events(), None);
}

/// An SQS client whose first ReceiveMessage returns `body` as one message; later receives
/// return nothing and deletes succeed.
fn sqs_delivering(body: &'static str) -> aws_sdk_sqs::Client {
    let delivered = std::sync::atomic::AtomicBool::new(false);
    let http = infallible_client_fn(move |request: http::Request<_>| {
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let answer = if target.ends_with("ReceiveMessage")
            && !delivered.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            serde_json::json!({"Messages": [{"MessageId": "m", "ReceiptHandle": "r", "Body": body}]})
        } else if target.ends_with("DeleteMessageBatch") {
            serde_json::json!({"Successful": [{"Id": "0"}], "Failed": []})
        } else {
            serde_json::json!({})
        };
        http::Response::builder()
            .status(200)
            .header("content-type", "application/x-amz-json-1.0")
            .body(answer.to_string())
            .expect("a response")
    });
    aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("k", "s", None, None, "test"))
            .http_client(http)
            .build(),
    )
}

#[tokio::test]
async fn a_queue_blocked_event_names_its_job_at_once() {
    let poller = JobPoller::new(&FakeBatch::new([]).client());
    let body = r#"{"version":"0","detail-type":"Batch Job Queue Blocked","source":"aws.batch","detail":{"jobId":"stuck-1","status":"RUNNABLE","statusReason":"MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - too big"}}"#;
    let task = EventSource::new(&sqs_delivering(body), QUEUE, &poller).spawn();
    let blocked = task.queue_blocked();
    let changed = blocked.changed();
    tokio::time::timeout(Duration::from_secs(5), changed)
        .await
        .expect("the event wakes whoever waits on it");
    assert!(blocked.contains("stuck-1"));
    assert!(!blocked.contains("other"));
    let stats = task.stats();
    assert_eq!((stats.queue_blocked, stats.applied), (1, 0));
}

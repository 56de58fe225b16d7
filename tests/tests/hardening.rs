//! Bad endpoints cannot hang or exhaust a wait: through the real aws-sdk-batch client,
//! over HTTP, against the local endpoint's faults and raw TCP listeners.
//!
//! Time-dependent tests run on tokio's paused clock, with the SDK's own timeouts off (on
//! the paused clock they could fire while a request is on the socket); only the wait
//! engine's call timeout is in play.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::retry::RetryConfig;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use waiters_local::{FaultKind, FaultRule, FaultSchedule, JobProfile, LocalBatch};
use waiters_runtime::error::{FailureReason, InvalidInput};
use waiters_runtime::response::MAX_RESPONSE_BYTES;
use waiters_runtime::{BatchWaiters, JobWaitError, JobWaitOptions};

/// A local endpoint whose jobs succeed after 30 s, and a client for it.
async fn start() -> (LocalBatch, Client) {
    start_with(JobProfile::succeeding_after(Duration::from_secs(30))).await
}

async fn start_with(profile: JobProfile) -> (LocalBatch, Client) {
    let server = LocalBatch::builder()
        .default_profile(profile)
        .start()
        .await
        .expect("local endpoint starts");
    let client = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    (server, client)
}

/// A client for `url`, configured like the local endpoint's, without SDK retries (each
/// waiter attempt is one request) or SDK timeouts.
fn client_for(server: &LocalBatch, url: &str) -> Client {
    Client::from_conf(
        server
            .client_config()
            .endpoint_url(url)
            .timeout_config(TimeoutConfig::disabled())
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

async fn submit(client: &Client) -> String {
    let output = client
        .submit_job()
        .job_name("hardening")
        .job_queue("queue")
        .job_definition("definition:1")
        .send()
        .await
        .expect("SubmitJob");
    output.job_id().expect("jobId").to_owned()
}

#[tokio::test(start_paused = true)]
async fn a_request_that_is_never_answered_times_out_and_is_retried() {
    let (server, client) = start().await;
    let job_id = submit(&client).await;
    server.advance_clock(Duration::from_secs(60));
    server.faults().never_answer_next(2);
    let mut waiter = BatchWaiters::new(client).get_waiter("JobComplete").unwrap();
    waiter.config.call_timeout = Some(Duration::from_secs(20));
    let started = tokio::time::Instant::now();
    let waited = waiter.wait([job_id.as_str()]).await.expect("success");
    assert_eq!(waited.attempts(), 3);
    // 20 s, backoff 1 s, 20 s, backoff 2 s: then the answer. Not the model's 300 s.
    assert_eq!(started.elapsed(), Duration::from_secs(43));
    assert_eq!(server.counters().describe_jobs.requests, 3);
}

#[tokio::test(start_paused = true)]
async fn an_endpoint_that_never_answers_is_given_up_on() {
    let (server, client) = start().await;
    let job_id = submit(&client).await;
    server
        .faults()
        .add(FaultRule::new(
            FaultKind::NeverAnswer,
            FaultSchedule::Always,
        ))
        .unwrap();
    let waiter = BatchWaiters::new(client).get_waiter("JobComplete").unwrap();
    let error = waiter.wait([job_id.as_str()]).await.unwrap_err();
    // The default call timeout (60 s) is as long as the default give-up time.
    match error.reason() {
        FailureReason::Unreachable {
            failures,
            duration,
            last_error,
        } => {
            assert_eq!(*failures, 1);
            assert_eq!(*duration, Duration::from_secs(60));
            assert_eq!(
                last_error,
                "the call timed out: no answer within 60s (the waiter's call timeout)"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "Waiter JobComplete failed: Gave up after 1 calls in a row without an answer over 60s: \
         the call timed out: no answer within 60s (the waiter's call timeout)"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_gives_up_on_a_refused_connection() {
    let (server, _client) = start().await;
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let waiters = BatchWaiters::new(client_for(&server, &url));
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        ..JobWaitOptions::default()
    };
    let started = tokio::time::Instant::now();
    // Used to retry for ever: wait_for_job has no attempt limit.
    let error = waiters
        .wait_for_job_with("job-1", &options, waiters_runtime::engine::NoObserver)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        (Duration::from_secs(60)..Duration::from_secs(130)).contains(&elapsed),
        "{elapsed:?}"
    );
    let JobWaitError::Wait { source, .. } = &error else {
        panic!("{error}")
    };
    assert_eq!(source.waiter(), "JobExists");
    match source.reason() {
        FailureReason::Unreachable { last_error, .. } => {
            assert!(
                last_error.starts_with("the connection failed: ")
                    && last_error.contains("Connection refused"),
                "{last_error}"
            );
        }
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(
        !text.contains("DispatchFailure") && !text.contains('\n'),
        "{text}"
    );
}

#[tokio::test]
async fn an_endless_body_is_cut_at_the_limit() {
    let (server, client) = start().await;
    let job_id = submit(&client).await;
    server
        .faults()
        .add(FaultRule::new(
            FaultKind::EndlessBody,
            FaultSchedule::Always,
        ))
        .unwrap();
    let waiter = BatchWaiters::new(client).get_waiter("JobComplete").unwrap();
    let error = waiter.wait([job_id.as_str()]).await.unwrap_err();
    assert_eq!(error.attempts(), 1);
    assert_eq!(
        error.to_string(),
        format!(
            "Waiter JobComplete failed: Request failed: the HTTP 200 response could not be read: \
             the response body is longer than {MAX_RESPONSE_BYTES} bytes, the limit for run-time \
             waiters (MAX_RESPONSE_BYTES)"
        )
    );
}

/// Serves `response` (a whole HTTP/1.1 response) to every connection.
async fn raw_server(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 64 * 1024];
                let _ = stream.read(&mut buffer).await;
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_200_that_is_not_describe_jobs_json_says_so() {
    let (server, _client) = start().await;
    let cases = [
        (
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 18\r\nconnection: close\r\n\r\n<html>hello</html>",
            "Waiter JobComplete failed: Request failed: the HTTP 200 response is not a DescribeJobs \
             response: Error at offset 0: unexpected token '<'.",
        ),
        (
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"jobs\": 5}",
            "Waiter JobComplete failed: Request failed: the HTTP 200 response is not a DescribeJobs \
             response: failed to parse JSON: expected start array or null",
        ),
    ];
    for (response, start) in cases {
        let url = raw_server(response).await;
        let waiter = BatchWaiters::new(client_for(&server, &url))
            .get_waiter("JobComplete")
            .unwrap();
        let error = waiter.wait(["job-1"]).await.unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with(start), "{text}");
        assert!(!text.contains("Unknown") && !text.contains('\n'), "{text}");
        assert_eq!(error.attempts(), 1, "not retried: {text}");
    }
}

#[tokio::test(start_paused = true)]
async fn job_ids_with_control_characters_are_refused_before_any_call() {
    let (server, client) = start().await;
    let waiters = BatchWaiters::new(client);
    let error = waiters
        .get_waiter("JobComplete")
        .unwrap()
        .wait(["ok", "evil\nsuccess: forged"])
        .await
        .unwrap_err();
    assert_eq!(
        error.reason(),
        &FailureReason::InvalidInput(InvalidInput::ControlCharactersInJobId {
            job_id: "evil\nsuccess: forged".to_owned()
        })
    );
    assert_eq!(
        error.to_string(),
        r#"Waiter JobComplete failed: job id "evil\nsuccess: forged" contains control characters"#
    );
    let started = tokio::time::Instant::now();
    let error = waiters.wait_for_job("\u{1b}[2J", None).await.unwrap_err();
    // Refused before the initial delay, too.
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(
        error
            .to_string()
            .contains(r#""\u{1b}[2J" contains control characters"#)
    );
    // Waiter names with control characters cannot exist, and are shown escaped.
    let unknown = waiters.get_waiter("Job\nComplete").unwrap_err();
    assert!(
        unknown
            .to_string()
            .starts_with(r"Waiter does not exist: Job\nComplete (")
    );
    assert_eq!(server.counters().describe_jobs.requests, 0);
}

#[tokio::test(start_paused = true)]
async fn dropping_a_wait_mid_call_leaves_no_task_and_makes_no_call() {
    let (server, client) =
        start_with(JobProfile::succeeding_after(Duration::from_secs(86400))).await;
    let job_id = submit(&client).await;
    let metrics = tokio::runtime::Handle::current().metrics();
    // Let the connection of SubmitJob go idle and close, so only the server's accept
    // loop is left.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let baseline = metrics.num_alive_tasks();
    // Each answer takes 30 s, so the wait is dropped in the middle of a call.
    server.faults().set_latency(Duration::from_secs(30));
    let mut waiter = BatchWaiters::new(client).get_waiter("JobComplete").unwrap();
    waiter.config.delay = Duration::from_secs(5);
    let waiting = waiter.wait([job_id.as_str()]);
    assert!(
        tokio::time::timeout(Duration::from_secs(50), waiting)
            .await
            .is_err()
    );
    // Calls at 0 s (answered at 30 s) and 35 s (in flight when dropped at 50 s).
    let calls = server.counters().describe_jobs.requests;
    assert_eq!(calls, 2);
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(server.counters().describe_jobs.requests, calls);
    assert_eq!(
        metrics.num_alive_tasks(),
        baseline,
        "the dropped wait left tasks running"
    );
}

//! Drives the local endpoint with the real `aws-sdk-batch` client over HTTP.
//!
//! Job phases are long (an hour) and moved with `advance_clock` or tokio's paused
//! clock, so no assertion depends on how fast this machine is.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::retry::RetryConfig;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use aws_sdk_batch::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_batch::operation::describe_jobs::DescribeJobsError;
use aws_sdk_batch::operation::submit_job::SubmitJobError;
use aws_sdk_batch::operation::terminate_job::TerminateJobError;
use aws_sdk_batch::types::{JobDetail, JobStatus, KeyValuesPair};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use waiters_local::{
    FaultKind, FaultRule, FaultSchedule, JobProfile, LocalBatch, Operation, OperationCounters,
};

const HOUR: Duration = Duration::from_secs(3600);

/// One hour per phase: a job is SUCCEEDED five hours after submission.
async fn hourly_server() -> LocalBatch {
    LocalBatch::builder()
        .default_profile(JobProfile::default().with_every_phase(HOUR))
        .start()
        .await
        .expect("server starts")
}

fn no_retry_client(server: &LocalBatch) -> Client {
    Client::from_conf(
        server
            .client_config()
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

/// The SDK's standard retry mode, with a tiny backoff so the test does not sleep long.
fn fast_retry_client(server: &LocalBatch) -> Client {
    Client::from_conf(
        server
            .client_config()
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .build(),
    )
}

async fn submit(client: &Client, name: &str, queue: &str, parameters: &[(&str, &str)]) -> String {
    let mut request = client
        .submit_job()
        .job_name(name)
        .job_queue(queue)
        .job_definition("sleep-def");
    for (key, value) in parameters {
        request = request.parameters(*key, *value);
    }
    let output = request.send().await.expect("SubmitJob succeeds");
    output.job_id().expect("jobId").to_owned()
}

async fn describe(client: &Client, id: &str) -> Option<JobDetail> {
    let output = client
        .describe_jobs()
        .jobs(id)
        .send()
        .await
        .expect("DescribeJobs succeeds");
    assert!(output.jobs().len() <= 1);
    output.jobs().first().cloned()
}

async fn status(client: &Client, id: &str) -> JobStatus {
    describe(client, id)
        .await
        .and_then(|job| job.status().cloned())
        .expect("job is visible")
}

struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

/// A hand-written HTTP/1.1 request, for bodies the SDK would never send.
async fn raw(server: &LocalBatch, method: &str, path: &str, body: &[u8]) -> RawResponse {
    let mut stream = TcpStream::connect(server.local_addr())
        .await
        .expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read response");
    let text = String::from_utf8(bytes).expect("UTF-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}

#[tokio::test]
async fn lifecycle_walks_every_status_to_succeeded() {
    let server = hourly_server().await;
    let client = server.client();
    let submitted = client
        .submit_job()
        .job_name("lifecycle")
        .job_queue("main-queue")
        .job_definition("sleep-def:3")
        .parameters("input", "s3://bucket/key")
        .tags("team", "waiters")
        .send()
        .await
        .unwrap();
    let id = submitted.job_id().unwrap();
    assert_eq!(submitted.job_name(), Some("lifecycle"));
    assert_eq!(
        submitted.job_arn(),
        Some(format!("arn:aws:batch:us-east-1:123456789012:job/{id}").as_str())
    );

    let expected = [
        JobStatus::Submitted,
        JobStatus::Pending,
        JobStatus::Runnable,
        JobStatus::Starting,
        JobStatus::Running,
    ];
    for (hour, expected) in expected.into_iter().enumerate() {
        let job = describe(&client, id).await.unwrap();
        assert_eq!(job.status(), Some(&expected), "after {hour} hours");
        let container = job.container().unwrap();
        assert_eq!(container.exit_code(), None);
        assert!(job.attempts().is_empty());
        assert_eq!(job.status_reason(), None);
        // The SDK fills the model-required startedAt with 0 when the service omits it.
        let started = job.started_at().unwrap();
        assert_eq!(started > 0, expected == JobStatus::Running, "{expected:?}");
        assert_eq!(
            container.task_arn().is_some(),
            matches!(expected, JobStatus::Starting | JobStatus::Running)
        );
        assert_eq!(
            container.log_stream_name().is_some(),
            expected == JobStatus::Running
        );
        server.advance_clock(HOUR);
    }

    let job = describe(&client, id).await.unwrap();
    assert_eq!(job.status(), Some(&JobStatus::Succeeded));
    assert_eq!(
        job.status_reason(),
        Some("Essential container in task exited")
    );
    assert_eq!(job.job_name(), Some("lifecycle"));
    assert_eq!(
        job.job_queue(),
        Some("arn:aws:batch:us-east-1:123456789012:job-queue/main-queue")
    );
    assert_eq!(
        job.job_definition(),
        Some("arn:aws:batch:us-east-1:123456789012:job-definition/sleep-def:3")
    );
    let created = job.created_at().unwrap();
    let started = job.started_at().unwrap();
    let stopped = job.stopped_at().unwrap();
    assert_eq!(started - created, 4 * 3600 * 1000);
    assert_eq!(stopped - started, 3600 * 1000);
    assert_eq!(job.parameters().unwrap()["input"], "s3://bucket/key");
    assert_eq!(job.tags().unwrap()["team"], "waiters");
    assert!(job.depends_on().is_empty());
    assert_eq!(job.platform_capabilities().len(), 1);
    assert_eq!(job.is_cancelled(), Some(false));
    let container = job.container().unwrap();
    assert_eq!(container.exit_code(), Some(0));
    let log_stream = container.log_stream_name().unwrap();
    assert!(log_stream.starts_with("sleep-def/default/"), "{log_stream}");
    let [attempt] = job.attempts() else {
        panic!("one attempt expected, got {:?}", job.attempts());
    };
    assert_eq!(attempt.container().unwrap().exit_code(), Some(0));
    assert_eq!(attempt.started_at(), Some(started));
    assert_eq!(attempt.stopped_at(), Some(stopped));
}

#[tokio::test]
async fn absent_members_are_absent_on_the_wire() {
    let server = hourly_server().await;
    let id = submit(&server.client(), "wire", "q", &[]).await;
    let body = format!(r#"{{"jobs": ["{id}"]}}"#);
    let response = raw(&server, "POST", "/v1/describejobs", body.as_bytes()).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert!(response.header("x-amzn-requestid").is_some());
    let job = &response.json()["jobs"][0];
    assert_eq!(job["status"], "SUBMITTED");
    for absent in ["startedAt", "stoppedAt", "statusReason"] {
        assert!(job.get(absent).is_none(), "{absent} present: {job}");
    }
    assert!(job["container"].get("exitCode").is_none());
    assert!(job["createdAt"].as_i64().unwrap() > 1_600_000_000_000);
}

#[tokio::test(start_paused = true)]
async fn paused_tokio_clock_drives_the_lifecycle() {
    let server = hourly_server().await;
    // Timeouts off: with a paused clock, a pending timeout could fire while waiting on I/O.
    let client = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    let id = submit(&client, "paused", "q", &[]).await;
    assert_eq!(status(&client, &id).await, JobStatus::Submitted);
    tokio::time::advance(HOUR * 5 / 2).await;
    assert_eq!(status(&client, &id).await, JobStatus::Runnable);
    tokio::time::advance(HOUR * 5 / 2).await;
    assert_eq!(status(&client, &id).await, JobStatus::Succeeded);
}

#[tokio::test]
async fn per_job_parameters_set_failure_reason_and_exit_code() {
    let server = hourly_server().await;
    let client = server.client();
    let reason = "OutOfMemoryError: Container killed due to memory usage";
    let failing = submit(
        &client,
        "oom",
        "q",
        &[
            ("local:outcome", "FAILED"),
            ("local:totalMillis", "0"),
            ("local:exitCode", "137"),
            ("local:statusReason", reason),
        ],
    )
    .await;
    let ordinary = submit(&client, "ordinary", "q", &[]).await;

    let job = describe(&client, &failing).await.unwrap();
    assert_eq!(job.status(), Some(&JobStatus::Failed));
    assert_eq!(job.status_reason(), Some(reason));
    assert_eq!(job.container().unwrap().exit_code(), Some(137));
    let attempt = &job.attempts()[0];
    assert_eq!(attempt.container().unwrap().exit_code(), Some(137));
    assert_eq!(attempt.status_reason(), Some(reason));
    // The schedule keys are echoed like any parameter.
    assert_eq!(job.parameters().unwrap()["local:exitCode"], "137");
    // Other jobs keep the server's default schedule.
    assert_eq!(status(&client, &ordinary).await, JobStatus::Submitted);
}

#[tokio::test]
async fn per_phase_parameters_override_the_default_profile() {
    let server = hourly_server().await;
    let client = server.client();
    let id = submit(
        &client,
        "quick-start",
        "q",
        &[
            ("local:submittedMillis", "0"),
            ("local:pendingMillis", "0"),
            ("local:runnableMillis", "0"),
            ("local:startingMillis", "0"),
        ],
    )
    .await;
    assert_eq!(status(&client, &id).await, JobStatus::Running);
    server.advance_clock(HOUR);
    assert_eq!(status(&client, &id).await, JobStatus::Succeeded);
}

#[tokio::test]
async fn invalid_schedule_parameter_is_a_client_exception() {
    let server = hourly_server().await;
    let err = server
        .client()
        .submit_job()
        .job_name("bad")
        .job_queue("q")
        .job_definition("d")
        .parameters("local:outcome", "MAYBE")
        .send()
        .await
        .unwrap_err();
    let SubmitJobError::ClientException(exception) = err.into_service_error() else {
        panic!("ClientException expected");
    };
    let message = exception.message().unwrap();
    assert!(message.contains("local:outcome"), "{message}");
    assert!(message.contains("MAYBE"), "{message}");
    assert_eq!(server.job_count(), 0);
}

#[tokio::test]
async fn job_is_invisible_until_its_visibility_delay_passes() {
    let server = hourly_server().await;
    let client = server.client();
    let id = submit(
        &client,
        "late",
        "q",
        &[("local:visibleAfterMillis", "3600000")],
    )
    .await;
    assert_eq!(server.job_count(), 1);

    assert!(describe(&client, &id).await.is_none());
    let listed = client
        .list_jobs()
        .job_queue("q")
        .job_status(JobStatus::Submitted)
        .send()
        .await
        .unwrap();
    assert!(listed.job_summary_list().is_empty());
    let err = client
        .terminate_job()
        .job_id(&id)
        .reason("r")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        TerminateJobError::ClientException(_)
    ));

    server.advance_clock(HOUR);
    let job = describe(&client, &id)
        .await
        .expect("visible after the delay");
    // Visibility does not pause the schedule: an hour in, the job is PENDING.
    assert_eq!(job.status(), Some(&JobStatus::Pending));
}

#[tokio::test]
async fn unknown_job_ids_are_left_out() {
    let server = hourly_server().await;
    let client = server.client();
    let output = client
        .describe_jobs()
        .jobs("no-such-job")
        .send()
        .await
        .unwrap();
    assert!(output.jobs().is_empty());

    let id = submit(&client, "known", "q", &[]).await;
    let output = client
        .describe_jobs()
        .jobs("no-such-job")
        .jobs(&id)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = output.jobs().iter().filter_map(|j| j.job_id()).collect();
    assert_eq!(ids, [id.as_str()]);

    let raw = raw(
        &server,
        "POST",
        "/v1/describejobs",
        br#"{"jobs": ["nope"]}"#,
    )
    .await;
    assert_eq!(raw.status, 200);
    assert_eq!(raw.json(), serde_json::json!({ "jobs": [] }));
}

#[tokio::test]
async fn describe_jobs_rejects_more_than_100_ids() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    let id = submit(&client, "one", "q", &[]).await;
    let mut ids: Vec<String> = (0..99).map(|i| format!("missing-{i}")).collect();
    ids.push(id.clone());
    let output = client
        .describe_jobs()
        .set_jobs(Some(ids.clone()))
        .send()
        .await
        .expect("100 ids are accepted");
    assert_eq!(output.jobs().len(), 1);

    ids.push("one-too-many".into());
    let err = client
        .describe_jobs()
        .set_jobs(Some(ids))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    let DescribeJobsError::ClientException(exception) = err.into_service_error() else {
        panic!("ClientException expected");
    };
    let message = exception.message().unwrap();
    assert!(
        message.contains("Maximum number of jobs supported is 100"),
        "{message}"
    );
}

#[tokio::test]
async fn submit_job_requires_name_queue_and_definition() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    let cases = [
        (None, Some("q"), Some("d"), "jobName"),
        (Some("n"), None, Some("d"), "jobQueue"),
        (Some("n"), Some("q"), None, "jobDefinition"),
        (Some("bad name"), Some("q"), Some("d"), "Job name"),
    ];
    for (name, queue, definition, expected) in cases {
        let err = client
            .submit_job()
            .set_job_name(name.map(str::to_owned))
            .set_job_queue(queue.map(str::to_owned))
            .set_job_definition(definition.map(str::to_owned))
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("ClientException"), "{expected}");
        let message = err.message().unwrap_or_default().to_owned();
        assert!(message.contains(expected), "{message}");
    }
    assert_eq!(server.job_count(), 0);
    assert_eq!(server.counters().submit_job.requests, 4);
}

#[tokio::test]
async fn malformed_bodies_get_serialization_exception() {
    let server = hourly_server().await;
    for (path, body) in [
        ("/v1/describejobs", &b"{"[..]),
        ("/v1/describejobs", br#"{"jobs": "not-a-list"}"#),
        ("/v1/submitjob", br#"{"jobName": 7}"#),
        (
            "/v1/submitjob",
            br#"{"jobName": "n", "parameters": {"k": 1}}"#,
        ),
        ("/v1/listjobs", b"\xff\x00garbage"),
        ("/v1/terminatejob", b"[]"),
    ] {
        let response = raw(&server, "POST", path, body).await;
        assert_eq!(response.status, 400, "{path} {body:?}");
        assert_eq!(
            response.header("x-amzn-errortype"),
            Some("SerializationException")
        );
        assert!(response.json()["message"].as_str().is_some());
    }
    let response = raw(&server, "POST", "/v1/nosuchop", b"{}").await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.header("x-amzn-errortype"),
        Some("UnknownOperationException")
    );
    let response = raw(&server, "GET", "/v1/describejobs", b"").await;
    assert_eq!(response.status, 404);
    // Still serving after all that.
    let output = server.client().describe_jobs().jobs("x").send().await;
    assert!(output.is_ok());
}

#[tokio::test]
async fn throttling_is_seen_raw_without_retries() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    server.faults().throttle_next(2);
    for _ in 0..2 {
        let err = client.describe_jobs().jobs("j").send().await.unwrap_err();
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(429));
        assert_eq!(err.code(), Some("TooManyRequestsException"));
        assert_eq!(err.message(), Some("Too Many Requests"));
    }
    client.describe_jobs().jobs("j").send().await.unwrap();
    let counters = server.counters().describe_jobs;
    assert_eq!(
        counters,
        OperationCounters {
            requests: 3,
            throttled: 2,
            server_errors: 0,
            dropped_connections: 0
        }
    );
}

#[tokio::test]
async fn sdk_retries_recover_from_one_throttle() {
    let server = hourly_server().await;
    let client = fast_retry_client(&server);
    server.faults().throttle_next(1);
    let output = client.describe_jobs().jobs("j").send().await;
    assert!(output.is_ok(), "{output:?}");
    let counters = server.counters().describe_jobs;
    assert_eq!((counters.requests, counters.throttled), (2, 1));
}

#[tokio::test]
async fn injected_server_errors_are_server_exceptions() {
    let server = hourly_server().await;
    server.faults().server_error_next(1);
    let err = no_retry_client(&server)
        .submit_job()
        .job_name("n")
        .job_queue("q")
        .job_definition("d")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(500));
    let SubmitJobError::ServerException(exception) = err.into_service_error() else {
        panic!("ServerException expected");
    };
    assert!(exception.message().unwrap().contains("injected"));
    assert_eq!(server.job_count(), 0, "a faulted SubmitJob creates no job");

    server.faults().server_error_next(1);
    let id = submit(&fast_retry_client(&server), "retried", "q", &[]).await;
    assert!(describe(&server.client(), &id).await.is_some());
    let counters = server.counters().submit_job;
    assert_eq!((counters.requests, counters.server_errors), (3, 2));
    assert_eq!(server.job_count(), 1);
}

#[tokio::test]
async fn dropped_connections_are_dispatch_failures() {
    let server = hourly_server().await;
    server.faults().drop_next_connections(1);
    let err = no_retry_client(&server)
        .describe_jobs()
        .jobs("j")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, SdkError::DispatchFailure(_)),
        "dispatch failure expected, got {err:?}"
    );
    assert!(err.raw_response().is_none(), "no response was sent");

    // With retries the SDK reconnects and succeeds.
    server.faults().drop_next_connections(1);
    let output = fast_retry_client(&server)
        .describe_jobs()
        .jobs("j")
        .send()
        .await;
    assert!(output.is_ok(), "{output:?}");
    let counters = server.counters().describe_jobs;
    assert_eq!((counters.requests, counters.dropped_connections), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn latency_delays_every_response() {
    let server = hourly_server().await;
    server.faults().set_latency(Duration::from_secs(10));

    let impatient = Client::from_conf(
        server
            .client_config()
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_secs(1))
                    .build(),
            )
            .build(),
    );
    let err = impatient
        .describe_jobs()
        .jobs("j")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, SdkError::TimeoutError(_)), "{err:?}");

    let patient = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    let before = tokio::time::Instant::now();
    patient.describe_jobs().jobs("j").send().await.unwrap();
    assert!(before.elapsed() >= Duration::from_secs(10));

    server.faults().clear();
    let before = tokio::time::Instant::now();
    patient.describe_jobs().jobs("j").send().await.unwrap();
    assert!(before.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn rules_can_target_one_operation_and_every_nth_request() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    server
        .faults()
        .add(
            FaultRule::new(FaultKind::Throttle, FaultSchedule::EveryNth(2))
                .only_for(Operation::DescribeJobs),
        )
        .unwrap();
    for i in 0..4 {
        submit(&client, &format!("j{i}"), "q", &[]).await;
    }
    let outcomes: Vec<bool> = {
        let mut outcomes = Vec::new();
        for _ in 0..4 {
            outcomes.push(client.describe_jobs().jobs("j").send().await.is_ok());
        }
        outcomes
    };
    assert_eq!(outcomes, [true, false, true, false]);
    let counters = server.counters();
    assert_eq!(counters.submit_job.throttled, 0);
    assert_eq!(counters.describe_jobs.throttled, 2);
}

#[tokio::test]
async fn timed_fault_window_ends_with_the_server_clock() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    server.faults().throttle_for(HOUR);
    assert!(client.describe_jobs().jobs("j").send().await.is_err());
    assert!(client.describe_jobs().jobs("j").send().await.is_err());
    server.advance_clock(HOUR);
    assert!(client.describe_jobs().jobs("j").send().await.is_ok());
    assert!(server.faults().rules().is_empty());
}

#[tokio::test]
async fn counters_track_each_operation() {
    let server = hourly_server().await;
    let client = server.client();
    let id = submit(&client, "count", "q", &[]).await;
    describe(&client, &id).await;
    describe(&client, &id).await;
    client.list_jobs().job_queue("q").send().await.unwrap();
    client
        .cancel_job()
        .job_id(&id)
        .reason("r")
        .send()
        .await
        .unwrap();
    client
        .terminate_job()
        .job_id(&id)
        .reason("r")
        .send()
        .await
        .unwrap();

    let counters = server.counters();
    assert_eq!(counters.submit_job.requests, 1);
    assert_eq!(counters.describe_jobs.requests, 2);
    assert_eq!(counters.list_jobs.requests, 1);
    assert_eq!(counters.cancel_job.requests, 1);
    assert_eq!(counters.terminate_job.requests, 1);
    assert_eq!(counters.total().requests, 6);
    assert_eq!(counters.total().served(), 6);
    assert_eq!(server.request_count(Operation::DescribeJobs), 2);

    server.reset_counters();
    assert_eq!(server.counters().total(), OperationCounters::default());
}

#[tokio::test]
async fn terminate_fails_unfinished_jobs_with_the_reason() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    let running = submit(&client, "running", "q", &[]).await;
    server.advance_clock(HOUR * 9 / 2);
    let fresh = submit(&client, "fresh", "q", &[]).await;
    let finished = submit(&client, "finished", "q", &[("local:totalMillis", "0")]).await;
    assert_eq!(status(&client, &running).await, JobStatus::Running);

    for id in [&running, &fresh, &finished] {
        client
            .terminate_job()
            .job_id(id)
            .reason("user abort")
            .send()
            .await
            .unwrap();
    }
    server.advance_clock(HOUR * 10);

    let job = describe(&client, &running).await.unwrap();
    assert_eq!(job.status(), Some(&JobStatus::Failed));
    assert_eq!(job.status_reason(), Some("user abort"));
    assert_eq!(job.is_terminated(), Some(true));
    assert!(job.started_at().unwrap() > 0);
    assert!(job.stopped_at().unwrap() >= job.started_at().unwrap());
    assert_eq!(job.container().unwrap().exit_code(), None);

    // Before STARTING, terminating is cancelling.
    let job = describe(&client, &fresh).await.unwrap();
    assert_eq!(job.status(), Some(&JobStatus::Failed));
    assert_eq!(job.is_cancelled(), Some(true));
    assert_eq!(job.status_reason(), Some("user abort"));

    let job = describe(&client, &finished).await.unwrap();
    assert_eq!(job.status(), Some(&JobStatus::Succeeded));
    assert_eq!(job.is_terminated(), Some(false));

    let err = client
        .terminate_job()
        .job_id("no-such-job")
        .reason("r")
        .send()
        .await
        .unwrap_err();
    let TerminateJobError::ClientException(exception) = err.into_service_error() else {
        panic!("ClientException expected");
    };
    assert!(
        exception
            .message()
            .unwrap()
            .contains("no-such-job does not exist")
    );

    let err = client
        .terminate_job()
        .job_id(&running)
        .send()
        .await
        .unwrap_err();
    assert!(err.message().unwrap_or_default().contains("reason"));
}

#[tokio::test]
async fn cancel_affects_only_jobs_that_have_not_started() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    let older = submit(&client, "older", "q", &[]).await;
    server.advance_clock(HOUR * 2);
    let younger = submit(&client, "younger", "q", &[]).await;
    server.advance_clock(HOUR * 5 / 2);
    assert_eq!(status(&client, &older).await, JobStatus::Running);
    assert_eq!(status(&client, &younger).await, JobStatus::Runnable);

    for id in [&older, &younger] {
        client
            .cancel_job()
            .job_id(id)
            .reason("not needed")
            .send()
            .await
            .expect("CancelJob succeeds even when it changes nothing");
    }
    let job = describe(&client, &younger).await.unwrap();
    assert_eq!(job.status(), Some(&JobStatus::Failed));
    assert_eq!(job.status_reason(), Some("not needed"));
    assert_eq!(job.is_cancelled(), Some(true));
    assert!(job.attempts().is_empty());

    assert_eq!(status(&client, &older).await, JobStatus::Running);
    server.advance_clock(HOUR);
    assert_eq!(status(&client, &older).await, JobStatus::Succeeded);

    let err = client
        .cancel_job()
        .job_id("no-such-job")
        .reason("r")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ClientException"));
}

#[tokio::test]
async fn list_jobs_filters_by_queue_and_status_and_pages() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    let first = submit(&client, "J1", "q1", &[]).await;
    let second = submit(&client, "j2", "q1", &[]).await;
    server.advance_clock(HOUR * 9 / 2);
    let third = submit(&client, "j3", "q1", &[]).await;
    let other = submit(&client, "j4", "q2", &[]).await;

    let ids = |output: &aws_sdk_batch::operation::list_jobs::ListJobsOutput| -> Vec<String> {
        output
            .job_summary_list()
            .iter()
            .filter_map(|s| s.job_id().map(str::to_owned))
            .collect()
    };

    // Default status is RUNNING; newest first.
    let running = client.list_jobs().job_queue("q1").send().await.unwrap();
    assert_eq!(ids(&running), [second.as_str(), first.as_str()]);
    assert!(running.next_token().is_none());
    assert!(
        running
            .job_summary_list()
            .iter()
            .all(|s| s.status() == Some(&JobStatus::Running))
    );

    let submitted = client
        .list_jobs()
        .job_queue("arn:aws:batch:us-east-1:123456789012:job-queue/q1")
        .job_status(JobStatus::Submitted)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&submitted), [third.as_str()]);
    let in_q2 = client
        .list_jobs()
        .job_queue("q2")
        .job_status(JobStatus::Submitted)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&in_q2), [other.as_str()]);

    // Paging by hand and with the SDK paginator.
    let page = client
        .list_jobs()
        .job_queue("q1")
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&page), [second.as_str()]);
    let token = page.next_token().expect("a second page").to_owned();
    let page = client
        .list_jobs()
        .job_queue("q1")
        .max_results(1)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&page), [first.as_str()]);
    assert!(page.next_token().is_none());
    server.reset_counters();
    let all: Vec<String> = client
        .list_jobs()
        .job_queue("q1")
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| s.job_id().map(str::to_owned))
        .collect();
    assert_eq!(all, [second.as_str(), first.as_str()]);
    assert_eq!(server.counters().list_jobs.requests, 2);

    // A JOB_NAME filter ignores jobStatus and matches case-insensitively with a prefix.
    let named = client
        .list_jobs()
        .job_queue("q1")
        .filters(
            KeyValuesPair::builder()
                .name("JOB_NAME")
                .values("j*")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        ids(&named),
        [third.as_str(), second.as_str(), first.as_str()]
    );

    let err = client.list_jobs().send().await.unwrap_err();
    assert_eq!(err.code(), Some("ClientException"));
    let err = client
        .list_jobs()
        .job_queue("q1")
        .job_status(JobStatus::from("SLEEPING"))
        .send()
        .await
        .unwrap_err();
    assert!(err.message().unwrap_or_default().contains("SLEEPING"));
    let err = client
        .list_jobs()
        .job_queue("q1")
        .next_token("forged")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ClientException"));
}

#[tokio::test]
async fn admin_routes_control_faults_and_report_counters() {
    let server = hourly_server().await;
    let client = no_retry_client(&server);
    let added = raw(
        &server,
        "POST",
        "/_local/faults",
        br#"{"kind": "throttle", "next": 1, "operation": "DescribeJobs"}"#,
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(
        server.faults().rules(),
        [FaultRule::new(FaultKind::Throttle, FaultSchedule::Next(1))
            .only_for(Operation::DescribeJobs)]
    );
    let listed = raw(&server, "GET", "/_local/faults", b"").await.json();
    assert_eq!(listed["rules"][0]["kind"], "throttle");

    let err = client.describe_jobs().jobs("j").send().await.unwrap_err();
    assert_eq!(err.code(), Some("TooManyRequestsException"));
    let counters = raw(&server, "GET", "/_local/counters", b"").await.json();
    assert_eq!(counters["DescribeJobs"]["requests"], 1);
    assert_eq!(counters["DescribeJobs"]["throttled"], 1);
    assert_eq!(counters["SubmitJob"]["requests"], 0);

    for bad in [
        &br#"{"kind": "throttle"}"#[..],
        br#"{"kind": "throttle", "next": 1, "always": true}"#,
        br#"{"kind": "explode", "next": 1}"#,
        br#"{"kind": "throttle", "probability": 2.0}"#,
        br#"{"kind": "throttle", "everyNth": 0}"#,
        br#"{"kind": "throttle", "next": 1, "operation": "Nope"}"#,
        b"not json",
    ] {
        let response = raw(&server, "POST", "/_local/faults", bad).await;
        assert_eq!(response.status, 400, "{}", String::from_utf8_lossy(bad));
    }

    let response = raw(&server, "PUT", "/_local/latency", br#"{"millis": 5}"#).await;
    assert_eq!(response.status, 200);
    assert_eq!(server.faults().latency(), Duration::from_millis(5));
    let response = raw(&server, "DELETE", "/_local/faults", b"").await;
    assert_eq!(response.status, 200);
    assert_eq!(server.faults().latency(), Duration::ZERO);

    let id = submit(&client, "advanced", "q", &[]).await;
    let response = raw(
        &server,
        "POST",
        "/_local/clock/advance",
        br#"{"millis": 18000000}"#,
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(status(&client, &id).await, JobStatus::Succeeded);

    let response = raw(&server, "DELETE", "/_local/counters", b"").await;
    assert_eq!(response.status, 200);
    assert_eq!(server.counters().total().requests, 0);
}

#[tokio::test]
async fn builder_settings_show_up_in_arns_and_ids() {
    let start = || {
        LocalBatch::builder()
            .region("eu-west-1")
            .account_id("000011112222")
            .seed(42)
            .start()
    };
    let (a, b) = (start().await.unwrap(), start().await.unwrap());
    assert_ne!(a.local_addr(), b.local_addr());
    assert_eq!(a.region(), "eu-west-1");
    let id_a = submit(&a.client(), "same", "q", &[]).await;
    let id_b = submit(&b.client(), "same", "q", &[]).await;
    assert_eq!(id_a, id_b, "same seed, same ids");
    let job = describe(&a.client(), &id_a).await.unwrap();
    assert_eq!(
        job.job_arn(),
        Some(format!("arn:aws:batch:eu-west-1:000011112222:job/{id_a}").as_str())
    );
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let server = hourly_server().await;
    let addr = server.local_addr();
    let client = no_retry_client(&server);
    client.describe_jobs().jobs("j").send().await.unwrap();
    server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
    let err = client.describe_jobs().jobs("j").send().await.unwrap_err();
    assert!(matches!(err, SdkError::DispatchFailure(_)), "{err:?}");
}

#[tokio::test]
async fn dropping_the_server_stops_serving() {
    let server = hourly_server().await;
    let addr = server.local_addr();
    drop(server);
    // The abort takes effect when the runtime next polls the task; give it a few turns.
    let mut refused = false;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "listener still accepting after drop");
}

//! End to end: the waiters through the real aws-sdk-batch client, over HTTP, against the
//! local Batch endpoint. The server's job schedules run on tokio's clock, so these tests
//! run on the paused clock: minutes of job time in milliseconds, and no timing races.

use std::cell::RefCell;
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use waiters_local::{JobProfile, LocalBatch};
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::engine::Attempt;
use waiters_runtime::error::FailureReason;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::{BatchWaiters, JobWaitError, JobWaitOptions};

type Observed<'a> = Attempt<'a, DescribeJobsResponse, DescribeJobsSdkError>;

async fn start(profile: JobProfile) -> (LocalBatch, Client) {
    let server = LocalBatch::builder()
        .default_profile(profile)
        .start()
        .await
        .expect("local endpoint starts");
    // On the paused clock an SDK timeout could fire while a request is on the socket.
    let client = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    (server, client)
}

async fn submit(client: &Client, parameters: &[(&str, &str)]) -> String {
    let mut request = client
        .submit_job()
        .job_name("e2e")
        .job_queue("queue")
        .job_definition("definition:1");
    for (k, v) in parameters {
        request = request.parameters(*k, *v);
    }
    let output = request.send().await.expect("SubmitJob");
    output.job_id().expect("jobId").to_owned()
}

/// Polls at the model's delays (no jitter) and starts at once.
fn exact_options() -> JobWaitOptions {
    JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.5),
        ..JobWaitOptions::default()
    }
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_success_through_http() {
    let (server, client) = start(JobProfile::succeeding_after(Duration::from_secs(600))).await;
    let job_id = submit(&client, &[]).await;
    let waiters = BatchWaiters::new(client);
    let phases = RefCell::new(Vec::new());
    let job = waiters
        .wait_for_job_with(&job_id, &exact_options(), |a: &Observed<'_>| {
            phases.borrow_mut().push(a.waiter.to_owned())
        })
        .await
        .unwrap();
    assert_eq!(job.job_id(), Some(job_id.as_str()));
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    assert_eq!(waiters_runtime::job::exit_code(&job), Some(0));
    let phases = phases.into_inner();
    assert_eq!(phases.first().map(String::as_str), Some("JobExists"));
    assert_eq!(phases.last().map(String::as_str), Some("JobComplete"));
    assert_eq!(
        server.counters().describe_jobs.requests,
        phases.len() as u64,
        "one DescribeJobs call per attempt"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_failure_reports_reason_and_exit_code() {
    let (_server, client) = start(JobProfile::default()).await;
    let job_id = submit(
        &client,
        &[
            ("local:outcome", "FAILED"),
            ("local:exitCode", "3"),
            (
                "local:statusReason",
                "OutOfMemoryError: Container killed due to memory usage",
            ),
        ],
    )
    .await;
    let err = BatchWaiters::new(client)
        .wait_for_job_with(
            &job_id,
            &exact_options(),
            waiters_runtime::engine::NoObserver,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "Batch job {job_id} failed: OutOfMemoryError: Container killed due to memory usage (exit code 3)"
        )
    );
    assert!(matches!(err, JobWaitError::JobFailed { .. }));
    assert_eq!(err.exit_code(), Some(3));
}

#[tokio::test(start_paused = true)]
async fn job_exists_keeps_polling_until_the_job_is_visible() {
    let (server, client) = start(JobProfile::default()).await;
    let job_id = submit(&client, &[("local:visibleAfterMillis", "7000")]).await;
    let waiters = BatchWaiters::new(client);
    let waited = waiters
        .get_waiter("JobExists")
        .unwrap()
        .wait([job_id.as_str()])
        .await
        .unwrap();
    // Invisible at 0, 2, 4 and 6 s; visible at 8 s.
    assert_eq!(waited.attempts(), 5);
    assert_eq!(server.counters().describe_jobs.requests, 5);
}

#[tokio::test(start_paused = true)]
async fn unknown_job_with_a_budget_is_a_clear_error() {
    let (server, client) = start(JobProfile::default()).await;
    let mut waiter = BatchWaiters::new(client).get_waiter("JobExists").unwrap();
    waiter.config.max_attempts = Some(4);
    let err = waiter.wait(["no-such-job"]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Waiter JobExists failed: Max attempts exceeded. Previously accepted state: For expression \"length(jobs)\" we matched expected path: \"0\""
    );
    assert_eq!(
        err.last_output().unwrap().body,
        serde_json::json!({"jobs": []})
    );
    assert_eq!(server.counters().describe_jobs.requests, 4);
}

#[tokio::test(start_paused = true)]
async fn a_throttling_window_is_survived() {
    let (server, client) = start(JobProfile::succeeding_after(Duration::from_secs(60))).await;
    let job_id = submit(&client, &[]).await;
    // Every DescribeJobs call in the next 20 s is throttled: longer than the SDK's own
    // retries last, so the waiter itself must ride it out.
    server.faults().throttle_for(Duration::from_secs(20));
    let job = BatchWaiters::new(client)
        .wait_for_job_with(
            &job_id,
            &exact_options(),
            waiters_runtime::engine::NoObserver,
        )
        .await
        .unwrap();
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    let counters = server.counters().describe_jobs;
    // The SDK's three tries per attempt and the waiter's backoff between attempts all
    // met the window. The counts are not exact: the SDK draws a random jitter for its
    // retries (12 throttled of 21 or 22 requests in the runs seen).
    assert!(counters.throttled >= 3, "{counters:?}");
    assert!(counters.requests > counters.throttled, "{counters:?}");
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_server_errors_is_survived() {
    let (server, client) = start(JobProfile::succeeding_after(Duration::from_secs(60))).await;
    let job_id = submit(&client, &[]).await;
    server.faults().server_error_next(7);
    let job = BatchWaiters::new(client)
        .wait_for_job_with(
            &job_id,
            &exact_options(),
            waiters_runtime::engine::NoObserver,
        )
        .await
        .unwrap();
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    assert_eq!(server.counters().describe_jobs.server_errors, 7);
}

#[tokio::test(start_paused = true)]
async fn dropped_connections_are_survived() {
    let (server, client) = start(JobProfile::succeeding_after(Duration::from_secs(30))).await;
    let job_id = submit(&client, &[]).await;
    server.faults().drop_next_connections(4);
    let job = BatchWaiters::new(client)
        .wait_for_job_with(
            &job_id,
            &exact_options(),
            waiters_runtime::engine::NoObserver,
        )
        .await
        .unwrap();
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    assert_eq!(server.counters().describe_jobs.dropped_connections, 4);
}

#[tokio::test(start_paused = true)]
async fn a_deadline_is_respected() {
    let (server, client) = start(JobProfile::succeeding_after(Duration::from_secs(3600))).await;
    let job_id = submit(&client, &[]).await;
    let options = JobWaitOptions {
        max_wait: Some(Duration::from_secs(120)),
        ..exact_options()
    };
    let started = tokio::time::Instant::now();
    let err = BatchWaiters::new(client)
        .wait_for_job_with(&job_id, &options, waiters_runtime::engine::NoObserver)
        .await
        .unwrap_err();
    // The initial delay (0.5 s), then JobRunning every 5 s: the last poll at 115.5 s, as
    // the next one would come after the deadline.
    assert_eq!(started.elapsed(), Duration::from_millis(115_500));
    match err {
        JobWaitError::Wait { source, .. } => {
            assert!(matches!(
                source.reason(),
                FailureReason::MaxWaitExceeded { .. }
            ));
            assert_eq!(source.waiter(), "JobRunning");
        }
        other => panic!("expected a deadline error, got {other}"),
    }
    let calls = server.counters().describe_jobs.requests;
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(
        server.counters().describe_jobs.requests,
        calls,
        "nothing polls after the deadline"
    );
}

#[tokio::test(start_paused = true)]
async fn dropping_a_wait_stops_the_requests() {
    let (server, client) = start(JobProfile::succeeding_after(Duration::from_secs(3600))).await;
    let job_id = submit(&client, &[]).await;
    let waiters = BatchWaiters::new(client);
    let mut waiter = waiters.get_waiter("JobComplete").unwrap();
    waiter.config.delay = Duration::from_secs(10);
    let waiting = waiter.wait([job_id.as_str()]);
    // Let it poll for a minute of virtual time, then drop it.
    assert!(
        tokio::time::timeout(Duration::from_secs(65), waiting)
            .await
            .is_err()
    );
    let calls = server.counters().describe_jobs.requests;
    assert_eq!(calls, 7, "polls at 0, 10, ..., 60 s");
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(server.counters().describe_jobs.requests, calls);
}

#[tokio::test(start_paused = true)]
async fn more_than_100_ids_is_the_services_client_error() {
    let (_server, client) = start(JobProfile::default()).await;
    let ids: Vec<String> = (0..101).map(|i| format!("job-{i}")).collect();
    let err = BatchWaiters::new(client)
        .get_waiter("JobComplete")
        .unwrap()
        .wait(ids)
        .await
        .unwrap_err();
    assert!(
        matches!(err.reason(), FailureReason::ServiceError { code, .. } if code == "ClientException")
    );
    assert!(
        err.to_string()
            .contains("Maximum number of jobs supported is 100"),
        "{err}"
    );
    assert_eq!(err.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn typed_waiters_through_http() {
    use waiters_runtime::typed::{self, Waiters as _};

    let (server, client) = start(JobProfile::succeeding_after(Duration::from_secs(600))).await;
    let job_id = submit(&client, &[]).await;
    let running = client
        .wait_until_job_running()
        .jobs(job_id.as_str())
        .wait()
        .await
        .unwrap();
    let status = running.output().unwrap().jobs()[0]
        .status()
        .unwrap()
        .as_str()
        .to_owned();
    assert_eq!(status, "RUNNING");
    let job = typed::wait_for_job(
        &client,
        &job_id,
        &exact_options(),
        waiters_runtime::engine::NoObserver,
    )
    .await
    .unwrap();
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    assert_eq!(server.counters().describe_jobs.requests, 101);
}

#[tokio::test(start_paused = true)]
async fn typed_and_run_time_waiters_agree_over_http() {
    use waiters_runtime::typed::JobComplete;

    let (_server, client) = start(JobProfile::default()).await;
    let job_id = submit(
        &client,
        &[("local:outcome", "FAILED"), ("local:totalMillis", "40000")],
    )
    .await;
    let typed_waiter = JobComplete::new(&client)
        .jobs(job_id.as_str())
        .delay(Duration::from_secs(7));
    let mut waiter = BatchWaiters::new(client).get_waiter("JobComplete").unwrap();
    waiter.config.delay = Duration::from_secs(7);
    // Side by side on the same job: both see the same schedule.
    let (typed, run_time) = tokio::join!(typed_waiter.wait(), waiter.wait([job_id.as_str()]));
    let (typed, run_time) = (typed.unwrap_err(), run_time.unwrap_err());
    // What a user must see, not only that the two agree: the job FAILED at 40 s, seen at
    // the poll at 42 s (the 7th, 7 s apart), by JobComplete's failure acceptor.
    let expected = "Waiter JobComplete failed: Waiter encountered a terminal failure state: \
                    For expression \"jobs[].status\" we matched expected path: \"FAILED\" at \
                    least once";
    for (who, text, attempts, elapsed) in [
        (
            "typed",
            typed.to_string(),
            typed.attempts(),
            typed.elapsed(),
        ),
        (
            "run-time",
            run_time.to_string(),
            run_time.attempts(),
            run_time.elapsed(),
        ),
    ] {
        assert_eq!(text, expected, "{who}");
        assert_eq!((attempts, elapsed), (7, Duration::from_secs(42)), "{who}");
    }
    assert!(matches!(
        typed.reason(),
        FailureReason::TerminalFailure { .. }
    ));
    assert_eq!(typed.acceptor(), run_time.acceptor());
    let status = |jobs: &[aws_sdk_batch::types::JobDetail]| {
        jobs.iter()
            .map(|j| j.status().map(|s| s.as_str().to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        status(typed.last_output().expect("typed last output").jobs()),
        [Some("FAILED".to_owned())]
    );
    assert_eq!(
        status(
            run_time
                .last_output()
                .expect("run-time last output")
                .output
                .jobs()
        ),
        [Some("FAILED".to_owned())]
    );
}

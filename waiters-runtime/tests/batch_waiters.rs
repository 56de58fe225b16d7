//! The seed's API (Airflow's BatchWaitersHook) over a mocked aws-sdk-batch client.
//!
//! Responses are raw HTTP bodies, so the SDK deserializes them and the run-time acceptors
//! search the same JSON document botocore would.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde_json::{Value, json};
use tokio::time::Instant;
use waiters_runtime::batch::SUPPORTED_OPERATIONS;
use waiters_runtime::config::RandomSource;
use waiters_runtime::error::FailureReason;
use waiters_runtime::{BatchWaiters, JobWaitError, JobWaitOptions};

fn job(id: &str, status: &str) -> Value {
    json!({"jobId": id, "jobName": "nightly", "jobQueue": "q", "jobDefinition": "d",
           "status": status, "createdAt": 1, "startedAt": 2})
}

fn failed_job(id: &str) -> Value {
    json!({"jobId": id, "jobName": "nightly", "jobQueue": "q", "jobDefinition": "d",
           "status": "FAILED", "statusReason": "Essential container in task exited",
           "createdAt": 1, "startedAt": 2, "stoppedAt": 3,
           "container": {"exitCode": 137, "image": "busybox"}})
}

/// A DescribeJobs rule answering with each body in turn (the last one repeats).
fn describe_jobs(responses: Vec<(u16, Value)>) -> Rule {
    let mut sequence = mock!(Client::describe_jobs).sequence();
    let last = responses.len() - 1;
    for (i, (status, body)) in responses.into_iter().enumerate() {
        sequence = sequence.http_status(status, Some(body.to_string()));
        if i == last {
            return sequence.repeatedly().build();
        }
    }
    unreachable!("at least one response")
}

fn jobs(list: Vec<Value>) -> (u16, Value) {
    (200, json!({ "jobs": list }))
}

fn client(rule: &Rule) -> Client {
    mock_client!(aws_sdk_batch, RuleMode::Sequential, [rule])
}

#[test]
fn seed_example_config_and_waiter_independence() {
    let rule = describe_jobs(vec![jobs(vec![])]);
    let waiters = BatchWaiters::new(client(&rule));

    // to inspect default waiters
    let config = waiters.default_config();
    assert_eq!(config["version"], 2);
    assert_eq!(
        waiters.list_waiters(),
        ["JobComplete", "JobExists", "JobRunning"]
    );

    // default_config is a fresh copy each time: changing it changes nothing else.
    let mut custom_config = waiters.default_config();
    custom_config["waiters"]["JobExists"]["delay"] = json!(7);
    custom_config["waiters"]["JobWhenever"] = custom_config["waiters"]["JobRunning"].clone();
    assert_eq!(waiters.default_config()["waiters"]["JobExists"]["delay"], 2);

    let custom = BatchWaiters::with_config(client(&rule), &custom_config).unwrap();
    assert_eq!(
        custom.list_waiters(),
        ["JobComplete", "JobExists", "JobRunning", "JobWhenever"]
    );
    assert_eq!(custom.waiter_config()["waiters"]["JobExists"]["delay"], 7);
}

/// What `get_waiter` hands out can be changed and used without changing what comes
/// after: a change that reached the model (shared state, a write-back into its JSON)
/// would show in the next `get_waiter` or in the model's JSON.
#[tokio::test(start_paused = true)]
async fn a_waiter_changed_through_get_waiter_changes_neither_the_next_one_nor_the_model() {
    let rule = describe_jobs(vec![jobs(vec![])]);
    let waiters = BatchWaiters::new(client(&rule));
    let model_json = waiters.waiter_config();
    let fresh = |waiters: &BatchWaiters| {
        let config = waiters.get_waiter("JobExists").unwrap().config;
        (
            config.delay,
            config.max_attempts,
            config.max_wait,
            config.transient_errors,
            config.call_timeout,
            config.connect_give_up,
        )
    };
    let before = fresh(&waiters);
    assert_eq!(
        (before.0, before.1),
        (Duration::from_secs(2), Some(100)),
        "the model's delay and attempts"
    );

    let mut waiter = waiters.get_waiter("JobExists").unwrap();
    waiter.config.delay = Duration::from_secs(10);
    waiter.config.max_attempts = Some(3);
    waiter.config.max_wait = Some(Duration::from_secs(25));
    waiter.config.transient_errors = waiters_runtime::config::TransientRetry::Disabled;
    waiter.config.call_timeout = Some(Duration::from_secs(1));
    waiter.config.connect_give_up = None;
    // Used with its changes: three attempts 10 s apart, on a job never visible.
    let start = Instant::now();
    let error = waiter.wait(["job-1"]).await.unwrap_err();
    assert_eq!(
        (error.attempts(), start.elapsed()),
        (3, Duration::from_secs(20))
    );
    assert_eq!(rule.num_calls(), 3);

    assert_eq!(fresh(&waiters), before, "the next get_waiter's config");
    assert_eq!(waiters.waiter_config(), model_json, "the model's JSON");
    assert_eq!(
        waiters.waiter_model().waiter_json("JobExists"),
        Some(model_json["waiters"]["JobExists"].clone())
    );
    let definition = waiters.waiter_model().waiter("JobExists").unwrap();
    assert_eq!(
        (definition.delay(), definition.max_attempts()),
        (Duration::from_secs(2), 100)
    );
    // And a second waiter, changed differently, is what the model says until changed.
    let mut second = waiters.get_waiter("JobExists").unwrap();
    assert_eq!(second.config.delay, Duration::from_secs(2));
    second.config.delay = Duration::from_secs(1);
    assert_eq!(waiter.config.delay, Duration::from_secs(10));
}

#[test]
fn unknown_waiter_lists_the_known_ones() {
    let rule = describe_jobs(vec![jobs(vec![])]);
    let err = BatchWaiters::new(client(&rule))
        .get_waiter("JobDone")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Waiter does not exist: JobDone (known waiters: JobComplete, JobExists, JobRunning)"
    );
}

#[test]
fn custom_config_is_validated_when_the_waiters_are_built() {
    let rule = describe_jobs(vec![jobs(vec![])]);
    let waiters = BatchWaiters::new(client(&rule));
    let mut config = waiters.default_config();
    config["waiters"]["JobComplete"]["acceptors"][1]["state"] = json!("failed");
    config["waiters"]["JobRunning"]["operation"] = json!("SubmitJob");
    let err = BatchWaiters::with_config(client(&rule), &config).unwrap_err();
    let lines: Vec<String> = err.lines().collect();
    assert_eq!(
        lines,
        [
            r#"waiters.JobComplete.acceptors[1].state: unknown state "failed" (expected success, failure or retry)"#
        ]
    );
    config["waiters"]["JobComplete"]["acceptors"][1]["state"] = json!("failure");
    let err = BatchWaiters::with_config(client(&rule), &config).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "waiters.JobRunning.operation: operation \"SubmitJob\" cannot be called by Batch \
             waiters: they poll read-only operations (supported: {})",
            SUPPORTED_OPERATIONS.join(", ")
        )
    );
}

#[tokio::test(start_paused = true)]
async fn seed_example_wait_with_changed_config() {
    let rule = describe_jobs(vec![
        jobs(vec![]),
        jobs(vec![]),
        jobs(vec![job("job-1", "RUNNABLE")]),
    ]);
    let waiters = BatchWaiters::new(client(&rule));
    let mut waiter = waiters.get_waiter("JobExists").unwrap();
    // tokio's timer counts whole milliseconds.
    let delay_ms = RandomSource::seeded(1).uniform(1000.0, 10_000.0) as u64;
    waiter.config.delay = Duration::from_millis(delay_ms);
    waiter.config.max_attempts = Some(10);
    let start = Instant::now();
    let waited = waiter.wait(["job-1"]).await.unwrap();
    assert_eq!(waited.attempts(), 3);
    assert_eq!(start.elapsed(), waiter.config.delay * 2);
    let response = waited.output().unwrap();
    assert_eq!(
        response.job("job-1").unwrap().status().unwrap().as_str(),
        "RUNNABLE"
    );
    assert_eq!(response.body["jobs"][0]["jobQueue"], "q");
    assert_eq!(response.status, 200);
    assert_eq!(
        waited.acceptor().explanation,
        "For expression \"jobs[].status\" all members matched expected path: \"RUNNABLE\""
    );
    assert_eq!(rule.num_calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn reference_model_job_exists_fails_at_once_like_botocore() {
    let reference = include_str!("../../tests/fixtures/airflow-reference.json");
    let rule = describe_jobs(vec![jobs(vec![]), jobs(vec![job("job-1", "RUNNING")])]);
    let waiters = BatchWaiters::from_json_str(client(&rule), reference).unwrap();
    let err = waiters
        .get_waiter("JobExists")
        .unwrap()
        .wait(["job-1"])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Waiter JobExists failed: Waiter encountered a terminal failure state: Matched expected service error code: "
    );
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.acceptor().unwrap().index, 7);
    assert_eq!(err.last_output().unwrap().body, json!({"jobs": []}));
}

#[tokio::test(start_paused = true)]
async fn default_model_job_exists_keeps_polling_until_visible() {
    let rule = describe_jobs(vec![
        jobs(vec![]),
        jobs(vec![]),
        jobs(vec![]),
        jobs(vec![job("job-1", "SUBMITTED")]),
    ]);
    let waiters = BatchWaiters::new(client(&rule));
    let waited = waiters
        .get_waiter("JobExists")
        .unwrap()
        .wait(["job-1"])
        .await
        .unwrap();
    assert_eq!(waited.attempts(), 4);
    assert_eq!(waited.elapsed(), Duration::from_secs(6));
}

#[tokio::test(start_paused = true)]
async fn unknown_job_with_a_budget_reports_max_attempts() {
    let rule = describe_jobs(vec![jobs(vec![])]);
    let waiters = BatchWaiters::new(client(&rule));
    let mut waiter = waiters.get_waiter("JobExists").unwrap();
    waiter.config.max_attempts = Some(5);
    let err = waiter.wait(["no-such-job"]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Waiter JobExists failed: Max attempts exceeded. Previously accepted state: For expression \"length(jobs)\" we matched expected path: \"0\""
    );
    assert_eq!(rule.num_calls(), 5);
}

#[tokio::test(start_paused = true)]
async fn service_error_fails_with_code_and_message() {
    let rule = describe_jobs(vec![(
        400,
        json!({"__type": "ClientException", "message": "jobs has more than 100 ids"}),
    )]);
    let waiters = BatchWaiters::new(client(&rule));
    let err = waiters
        .get_waiter("JobComplete")
        .unwrap()
        .wait(["a"])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Waiter JobComplete failed: An error occurred (ClientException): jobs has more than 100 ids"
    );
    assert!(matches!(err.reason(), FailureReason::ServiceError { .. }));
    assert!(err.last_response().unwrap().is_err());
}

#[tokio::test(start_paused = true)]
async fn throttling_is_survived() {
    let throttled = (
        429,
        json!({"__type": "TooManyRequestsException", "message": "Too Many Requests"}),
    );
    // The SDK's standard retry makes 3 tries per call: the first call ends throttled, and
    // the waiter polls again instead of failing.
    let mut responses = vec![throttled; 5];
    responses.push(jobs(vec![job("job-1", "SUCCEEDED")]));
    let rule = describe_jobs(responses);
    let waiters = BatchWaiters::new(client(&rule));
    let mut waiter = waiters.get_waiter("JobComplete").unwrap();
    waiter.config.delay = Duration::from_secs(1);
    let waited = waiter.wait(["job-1"]).await.unwrap();
    assert_eq!(waited.attempts(), 2);
    assert_eq!(rule.num_calls(), 6);
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_follows_airflow_timing_and_returns_the_job() {
    let rule = describe_jobs(vec![
        jobs(vec![]),
        jobs(vec![job("job-1", "RUNNABLE")]),
        jobs(vec![job("job-1", "STARTING")]),
        jobs(vec![job("job-1", "RUNNING")]),
        jobs(vec![job("job-1", "RUNNING")]),
        jobs(vec![job("job-1", "SUCCEEDED")]),
    ]);
    let waiters = BatchWaiters::new(client(&rule));
    let options = JobWaitOptions {
        random: RandomSource::fixed(0.5),
        ..JobWaitOptions::default()
    };
    let calls = std::cell::RefCell::new(Vec::new());
    let start = Instant::now();
    let job = waiters
        .wait_for_job_with(
            "job-1",
            &options,
            |a: &waiters_runtime::engine::Attempt<'_, _, _>| {
                calls
                    .borrow_mut()
                    .push((a.waiter.to_owned(), start.elapsed().as_secs_f64()))
            },
        )
        .await
        .unwrap();
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    // Initial delay uniform(1, 10) at 0.5 = 5.5 s; JobExists add_jitter(2, 2, 1) = 2.5 s;
    // JobRunning add_jitter(5, 2, 1) = 5 s; JobComplete add_jitter(300, 2, 1) = 300 s.
    let expected: Vec<(String, f64)> = [
        ("JobExists", 5.5),
        ("JobExists", 8.0),
        ("JobRunning", 8.0),
        ("JobRunning", 13.0),
        ("JobComplete", 13.0),
        ("JobComplete", 313.0),
    ]
    .iter()
    .map(|(n, t)| (n.to_string(), *t))
    .collect();
    assert_eq!(calls.into_inner(), expected);
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_reports_failure_reason_and_exit_code() {
    let rule = describe_jobs(vec![
        jobs(vec![job("job-1", "RUNNING")]),
        jobs(vec![failed_job("job-1")]),
    ]);
    let waiters = BatchWaiters::new(client(&rule));
    let err = waiters
        .wait_for_job("job-1", Some(Duration::from_secs(1)))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Batch job job-1 failed: Essential container in task exited (exit code 137)"
    );
    let exit_code = err.exit_code();
    match err {
        JobWaitError::JobFailed { job, .. } => {
            assert_eq!(exit_code, Some(137));
            assert_eq!(job.job_name(), Some("nightly"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_respects_an_overall_deadline() {
    let rule = describe_jobs(vec![jobs(vec![job("job-1", "RUNNING")])]);
    let waiters = BatchWaiters::new(client(&rule));
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        max_wait: Some(Duration::from_secs(900)),
        random: RandomSource::fixed(0.5),
        ..JobWaitOptions::default()
    };
    let start = Instant::now();
    let err = waiters
        .wait_for_job_with("job-1", &options, waiters_runtime::engine::NoObserver)
        .await
        .unwrap_err();
    assert!(start.elapsed() <= Duration::from_secs(900));
    // The reason names the caller's deadline, not what was left of it for the phase.
    assert_eq!(
        err.to_string(),
        "waiting for Batch job job-1: Waiter JobComplete failed: Max wait time of 900s exceeded"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_needs_the_three_waiters() {
    let rule = describe_jobs(vec![jobs(vec![])]);
    let base = BatchWaiters::new(client(&rule));
    let mut config = base.default_config();
    config["waiters"]
        .as_object_mut()
        .unwrap()
        .remove("JobRunning");
    let waiters = BatchWaiters::with_config(client(&rule), &config).unwrap();
    let err = waiters
        .wait_for_job("job-1", Some(Duration::ZERO))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot wait for Batch job job-1: Waiter does not exist: JobRunning (known waiters: JobComplete, JobExists)"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_initial_delay_counts_against_the_deadline() {
    let rule = describe_jobs(vec![jobs(vec![job("job-1", "RUNNING")])]);
    let waiters = BatchWaiters::new(client(&rule));
    let options = JobWaitOptions {
        initial_delay: Some(Duration::from_secs(3600)),
        max_wait: Some(Duration::from_secs(5)),
        ..JobWaitOptions::default()
    };
    let start = Instant::now();
    let err = waiters
        .wait_for_job_with("job-1", &options, waiters_runtime::engine::NoObserver)
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!(
        err.to_string(),
        "waiting for Batch job job-1: Waiter JobExists failed: Max wait time of 5s exceeded"
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_job_accepts_a_job_arn() {
    let arn = "arn:aws:batch:us-east-1:123456789012:job/job-1";
    let mut done = job("job-1", "SUCCEEDED");
    done["jobArn"] = json!(arn);
    let rule = describe_jobs(vec![jobs(vec![done])]);
    let waiters = BatchWaiters::new(client(&rule));
    let job = waiters
        .wait_for_job(arn, Some(Duration::ZERO))
        .await
        .unwrap();
    assert_eq!(job.job_id(), Some("job-1"));
}

//! Waiters on operations other than DescribeJobs, typed and at run time, over a mocked
//! client: Airflow's `batch.json` (tests/fixtures/airflow-batch.json, byte for byte as
//! apache-airflow-providers-amazon ships it), input from request JSON, and paginated
//! operations read one page per attempt.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::types::{CeStatus, JobStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde_json::{Value, json};
use waiters_runtime::BatchWaiters;
use waiters_runtime::batch::{BatchInput, BatchOutput, SUPPORTED_OPERATIONS};
use waiters_runtime::error::{FailureReason, InputError};

/// Airflow's second Batch waiter model, as the provider package ships it.
const AIRFLOW_BATCH: &str = include_str!("../../tests/fixtures/airflow-batch.json");

mod airflow {
    // snake_case waiter names become UpperCamelCase types.
    waiters_runtime::waiters!("../tests/fixtures/airflow-batch.json");
}

fn environment(name: &str, status: &str) -> Value {
    json!({"computeEnvironmentName": name,
           "computeEnvironmentArn": format!("arn:aws:batch:us-east-1:123456789012:compute-environment/{name}"),
           "state": "ENABLED", "status": status, "type": "MANAGED"})
}

/// A DescribeComputeEnvironments rule for `ce`, answering with each status in turn (the
/// last one repeats).
fn compute_environments(statuses: &[&str]) -> Rule {
    let mut sequence = mock!(Client::describe_compute_environments)
        .match_requests(|input| input.compute_environments() == ["ce"])
        .sequence();
    for status in statuses {
        let body = json!({"computeEnvironments": [environment("ce", status)]});
        sequence = sequence.http_status(200, Some(body.to_string()));
    }
    sequence.repeatedly().build()
}

fn client(rules: &[&Rule]) -> Client {
    match rules {
        [one] => mock_client!(aws_sdk_batch, RuleMode::Sequential, [*one]),
        [one, two] => mock_client!(aws_sdk_batch, RuleMode::MatchAny, [*one, *two]),
        _ => unreachable!("one or two rules"),
    }
}

#[test]
fn the_fixture_is_airflows_file_byte_for_byte() {
    // Its blank line between the waiters, its size: nobody reformatted it.
    assert_eq!(AIRFLOW_BATCH.len(), 1206);
    assert!(AIRFLOW_BATCH.contains("    },\n\n    \"compute_env_ready\": {\n"));
    assert!(AIRFLOW_BATCH.ends_with("  }\n}\n"));
}

#[test]
fn every_read_only_operation_is_supported() {
    assert_eq!(SUPPORTED_OPERATIONS.len(), 17);
    for op in SUPPORTED_OPERATIONS {
        assert!(
            ["Describe", "List", "Get"]
                .iter()
                .any(|p| op.starts_with(p)),
            "{op}"
        );
        // Every operation takes `{}` as far as the member checks go (the service checks
        // required members).
        let input = BatchInput::from_json(op, &json!({})).unwrap();
        assert_eq!(input.operation(), *op);
        assert!(BatchInput::members(op).is_some());
    }
    let error = BatchInput::from_json("DescribeComputeEnvironment", &json!({})).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "operation \"DescribeComputeEnvironment\" cannot be called by Batch waiters (did \
             you mean `DescribeComputeEnvironments`?); supported: DescribeComputeEnvironments, "
        ),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn airflows_compute_env_ready_at_run_time() {
    let rule = compute_environments(&["CREATING", "CREATING", "VALID"]);
    let waiters = BatchWaiters::from_json_str(client(&[&rule]), AIRFLOW_BATCH).unwrap();
    assert_eq!(
        waiters.list_waiters(),
        ["batch_job_complete", "compute_env_ready"]
    );
    let waiter = waiters.get_waiter("compute_env_ready").unwrap();
    assert_eq!(waiter.operation(), "DescribeComputeEnvironments");
    let input = waiter
        .input(&json!({"computeEnvironments": ["ce"]}))
        .unwrap();
    let started = tokio::time::Instant::now();
    let waited = waiter.wait_input(&input).await.unwrap();
    assert_eq!(waited.attempts(), 3);
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(60),
        "two sleeps of 30 s"
    );
    assert_eq!(
        waited.acceptor().explanation,
        "For expression \"computeEnvironments[].status\" all members matched expected path: \"VALID\""
    );
    // The raw body reached the acceptors; the typed output is there too.
    let response = waited.output().unwrap();
    assert_eq!(response.operation(), "DescribeComputeEnvironments");
    assert_eq!(response.body["computeEnvironments"][0]["status"], "VALID");
    match &response.output {
        BatchOutput::DescribeComputeEnvironments(output) => {
            assert_eq!(
                output.compute_environments()[0].status(),
                Some(&CeStatus::Valid)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rule.num_calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_invalid_compute_environment_is_a_failure_state() {
    let rule = compute_environments(&["CREATING", "INVALID"]);
    let waiters = BatchWaiters::from_json_str(client(&[&rule]), AIRFLOW_BATCH).unwrap();
    let waiter = waiters.get_waiter("compute_env_ready").unwrap();
    let input = waiter
        .input(&json!({"computeEnvironments": ["ce"]}))
        .unwrap();
    let error = waiter.wait_input(&input).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Waiter compute_env_ready failed: Waiter encountered a terminal failure state: For \
         expression \"computeEnvironments[].status\" we matched expected path: \"INVALID\" at \
         least once"
    );
    assert_eq!(error.attempts(), 2);
    let last = error.last_output().unwrap();
    assert_eq!(last.body["computeEnvironments"][0]["status"], "INVALID");
}

#[tokio::test(start_paused = true)]
async fn input_that_does_not_fit_is_refused_before_any_call() {
    let rule = compute_environments(&["VALID"]);
    let waiters = BatchWaiters::from_json_str(client(&[&rule]), AIRFLOW_BATCH).unwrap();
    let waiter = waiters.get_waiter("compute_env_ready").unwrap();
    let error = waiter
        .input(&json!({"computeEnvironment": ["ce"]}))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "DescribeComputeEnvironments input: unknown member `computeEnvironment` (did you mean \
         `computeEnvironments`?); the members there are computeEnvironments, maxResults, \
         nextToken"
    );
    let error = waiter
        .input(&json!({"computeEnvironments": "ce"}))
        .unwrap_err();
    assert!(matches!(error, InputError::WrongType { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        "DescribeComputeEnvironments input: `computeEnvironments` must be a list of strings, \
         found the string \"ce\""
    );
    let error = waiter.input(&json!({"maxResults": "10"})).unwrap_err();
    assert_eq!(
        error.to_string(),
        "DescribeComputeEnvironments input: `maxResults` must be an integer (32-bit), found \
         the string \"10\""
    );

    // The job-id shortcut is for DescribeJobs waiters; another operation's input is
    // refused too. Neither makes a call.
    let error = waiter.wait(["job-1"]).await.unwrap_err();
    assert_eq!(error.attempts(), 0);
    assert!(
        matches!(error.reason(), FailureReason::RequestFailed { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("job ids are input for DescribeJobs"),
        "{error}"
    );
    let jobs = BatchInput::from_json("DescribeJobs", &json!({"jobs": ["j"]})).unwrap();
    let error = waiter.wait_input(&jobs).await.unwrap_err();
    assert_eq!(error.attempts(), 0);
    assert!(
        error
            .to_string()
            .ends_with("waiter compute_env_ready polls DescribeComputeEnvironments, but the input given is for DescribeJobs"),
        "{error}"
    );
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn airflows_compute_env_ready_typed() {
    use airflow::{ComputeEnvReady, Waiters as _};

    assert_eq!(ComputeEnvReady::NAME, "compute_env_ready");
    assert_eq!(ComputeEnvReady::OPERATION, "DescribeComputeEnvironments");
    assert_eq!(ComputeEnvReady::DELAY, Duration::from_secs(30));
    assert_eq!(airflow::BatchJobComplete::NAME, "batch_job_complete");

    let rule = compute_environments(&["CREATING", "VALID"]);
    let client = client(&[&rule]);
    let waiter = client
        .wait_until_compute_env_ready()
        .compute_environments("ce")
        .max_results(10);
    assert_eq!(
        waiter.get_compute_environments().as_deref(),
        Some(&["ce".to_owned()][..])
    );
    assert_eq!(*waiter.get_max_results(), Some(10));
    let waited = waiter.wait().await.unwrap();
    assert_eq!(waited.attempts(), 2);
    let output = waited.output().unwrap();
    assert_eq!(
        output.compute_environments()[0].status(),
        Some(&CeStatus::Valid)
    );
}

/// ListJobs pages its results: a waiter reads one page per attempt (the first, unless
/// the input names another), as botocore's waiters do; later pages are never fetched.
#[tokio::test(start_paused = true)]
async fn a_paginated_operation_is_read_one_page_per_attempt() {
    let summary = |id: &str, status: &str| {
        json!({"jobId": id, "jobName": "n", "jobArn": format!("arn:aws:batch:us-east-1:123456789012:job/{id}"),
               "createdAt": 1, "status": status})
    };
    let first = mock!(Client::list_jobs)
        .match_requests(|input| input.next_token().is_none())
        .sequence()
        .http_status(
            200,
            Some(
                json!({"jobSummaryList": [summary("a", "SUCCEEDED")], "nextToken": "page-2"})
                    .to_string(),
            ),
        )
        .repeatedly()
        .build();
    let second = mock!(Client::list_jobs)
        .match_requests(|input| input.next_token() == Some("page-2"))
        .sequence()
        .http_status(
            200,
            Some(json!({"jobSummaryList": [summary("b", "FAILED")]}).to_string()),
        )
        .repeatedly()
        .build();
    let model = r#"{"version": 2, "waiters": {"any_failed": {
        "operation": "ListJobs", "delay": 5, "maxAttempts": 3,
        "acceptors": [
          {"matcher": "pathAny", "argument": "jobSummaryList[].status", "expected": "FAILED", "state": "failure"}]}}}"#;
    let waiters = BatchWaiters::from_json_str(client(&[&first, &second]), model).unwrap();
    let waiter = waiters.get_waiter("any_failed").unwrap();
    let input = waiter
        .input(&json!({"jobQueue": "q", "filters": [{"name": "JOB_NAME", "values": ["n"]}]}))
        .unwrap();
    let error = waiter.wait_input(&input).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Waiter any_failed failed: Max attempts exceeded"
    );
    assert_eq!((first.num_calls(), second.num_calls()), (3, 0));

    // The input picks the page.
    let input = waiter
        .input(&json!({"jobQueue": "q", "nextToken": "page-2", "jobStatus": "FAILED"}))
        .unwrap();
    match &input {
        BatchInput::ListJobs(builder) => {
            assert_eq!(builder.get_job_status(), &Some(JobStatus::Failed));
        }
        other => panic!("{other:?}"),
    }
    let error = waiter.wait_input(&input).await.unwrap_err();
    assert!(matches!(
        error.reason(),
        FailureReason::TerminalFailure { .. }
    ));
    assert_eq!(second.num_calls(), 1);
}

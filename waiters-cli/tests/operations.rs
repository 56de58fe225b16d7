//! `waiters wait WAITER --input JSON` on operations other than DescribeJobs, with
//! Airflow's `batch.json` (tests/fixtures/airflow-batch.json) against a local Batch
//! endpoint running in this process. Compute environments settle after an hour of server
//! time, which only the test moves, so every outcome is decided before the binary runs.

mod common;

use common::{
    HOUR, Local, assert_exit, json_stdout, repo_root, stderr, stdout, temp_dir, waiters, write,
};
use waiters_local::Operation;

fn airflow_batch() -> String {
    repo_root()
        .join("tests/fixtures/airflow-batch.json")
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

const SLOW: [(&str, &str); 1] = [("local:readyMillis", "3600000")];

#[test]
fn airflows_batch_json_validates_and_lists_its_waiters() {
    let model = airflow_batch();
    let output = waiters().args(["validate", &model]).output().expect("runs");
    assert_exit(&output, 0);
    assert_eq!(stdout(&output), format!("{model}: ok (2 waiters)\n"));
    let output = waiters()
        .args(["list", "--model", &model])
        .output()
        .expect("runs");
    assert_eq!(stdout(&output), "batch_job_complete\ncompute_env_ready\n");
}

#[test]
fn compute_env_ready_waits_until_the_environment_is_valid() {
    let local = Local::start();
    local.create_compute_environment("ce", &SLOW);
    let model = airflow_batch();
    let input = r#"{"computeEnvironments": ["ce"]}"#;
    let wait = |extra: &[&str]| {
        let mut args = vec![
            "wait",
            "compute_env_ready",
            "--model",
            &model,
            "--input",
            input,
            "--delay",
            "0.05",
        ];
        args.extend_from_slice(extra);
        local.waiters(&args).output().expect("runs")
    };

    // Still CREATING: the attempt budget runs out.
    let output = wait(&["--max-attempts", "2"]);
    assert_exit(&output, 3);
    let err = stderr(&output);
    assert!(
        err.contains(
            "compute_env_ready attempt 1 (0.0s): computeEnvironments[].status = [\"CREATING\"]"
        ),
        "{err}"
    );
    assert!(
        stdout(&output)
            .starts_with("max_attempts: Waiter compute_env_ready failed: Max attempts exceeded")
    );

    local.server.advance_clock(HOUR);
    let output = wait(&["--output", "json"]);
    assert_exit(&output, 0);
    let result = json_stdout(&output);
    assert_eq!(result["waiter"], "compute_env_ready");
    assert_eq!(result["outcome"], "success");
    assert_eq!(result["attempts"], 1);
    assert_eq!(
        result["last_response"]["computeEnvironments"][0]["status"],
        "VALID"
    );
    assert_eq!(
        local
            .server
            .request_count(Operation::DescribeComputeEnvironments),
        3
    );
}

#[test]
fn an_invalid_environment_is_a_failure_and_the_input_can_be_a_file() {
    let local = Local::start();
    local.create_compute_environment(
        "broken",
        &[("local:outcome", "INVALID"), ("local:readyMillis", "0")],
    );
    let dir = temp_dir("operation-input");
    let input = write(&dir, "input.json", r#"{"computeEnvironments": ["broken"]}"#);
    let input = format!("@{}", input.display());
    let output = local
        .waiters(&[
            "wait",
            "compute_env_ready",
            "--model",
            &airflow_batch(),
            "--input",
            &input,
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        "failure: Waiter compute_env_ready failed: Waiter encountered a terminal failure \
         state: For expression \"computeEnvironments[].status\" we matched expected path: \
         \"INVALID\" at least once (1 attempt)\n"
    );
}

#[test]
fn input_that_does_not_fit_is_a_usage_error_before_any_request() {
    let local = Local::start();
    let model = airflow_batch();
    for (args, needle) in [
        (
            vec!["--input", r#"{"computeEnvironment": ["ce"]}"#],
            "waiters: --input: DescribeComputeEnvironments input: unknown member \
             `computeEnvironment` (did you mean `computeEnvironments`?); the members there \
             are computeEnvironments, maxResults, nextToken",
        ),
        (
            vec!["--input", r#"{"maxResults": "ten"}"#],
            "`maxResults` must be an integer (32-bit), found the string \"ten\"",
        ),
        (vec!["--input", "{"], "--input: the value is not JSON"),
        (
            vec!["--job-id", "job-1"],
            "waiter compute_env_ready polls DescribeComputeEnvironments: --job-id is the \
             shortcut for DescribeJobs waiters",
        ),
        (
            vec!["--job-id", "job-1", "--input", "{}"],
            "cannot be used with",
        ),
    ] {
        let mut full = vec!["wait", "compute_env_ready", "--model", &model];
        full.extend(args);
        let output = local.waiters(&full).output().expect("runs");
        assert_exit(&output, 2);
        let err = stderr(&output);
        assert!(err.contains(needle), "{needle}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // A DescribeJobs waiter needs jobs.
    let output = local
        .waiters(&["wait", "batch_job_complete", "--model", &model])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    assert!(
        stderr(&output).contains("give --job-id ID"),
        "{}",
        stderr(&output)
    );
    assert_eq!(local.server.counters().total().requests, 0);
}

#[test]
fn describe_jobs_takes_its_input_as_json_too() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(6);
    let input = format!(r#"{{"jobs": ["{job}"]}}"#);
    let output = local
        .waiters(&[
            "wait",
            "batch_job_complete",
            "--model",
            &airflow_batch(),
            "--input",
            &input,
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert!(
        stderr(&output).contains("jobs[].status = [\"SUCCEEDED\"] -> success"),
        "{}",
        stderr(&output)
    );
    assert_eq!(local.describe_jobs_requests(), 1);
}

#[test]
fn a_list_operation_waits_on_its_first_page() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(6);
    let dir = temp_dir("list-jobs");
    let model = write(
        &dir,
        "list.json",
        r#"{"version": 2, "waiters": {"queue-has-succeeded-jobs": {
            "operation": "ListJobs", "delay": 0.05, "maxAttempts": 3,
            "acceptors": [{"matcher": "path", "argument": "length(jobSummaryList) > `0`",
                           "expected": true, "state": "success"}]}}}"#,
    );
    let output = local
        .waiters(&[
            "wait",
            "queue-has-succeeded-jobs",
            "--model",
            model.to_str().expect("UTF-8 path"),
            "--input",
            r#"{"jobQueue": "queue", "jobStatus": "SUCCEEDED", "maxResults": 1}"#,
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    let result = json_stdout(&output);
    assert_eq!(
        result["last_response"]["jobSummaryList"][0]["jobId"],
        job.as_str()
    );
    assert_eq!(local.server.request_count(Operation::ListJobs), 1);
}

#[test]
fn wait_for_job_needs_its_phases_on_describe_jobs() {
    let local = Local::start();
    let dir = temp_dir("phases");
    let text = std::fs::read_to_string(repo_root().join("models/batch-waiters.json"))
        .expect("the bundled model");
    let mut model: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    model["waiters"]["JobRunning"]["operation"] = "ListJobs".into();
    let model = write(&dir, "model.json", &model.to_string());
    let output = local
        .waiters(&[
            "wait-for-job",
            "job-1",
            "--model",
            model.to_str().expect("UTF-8 path"),
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    assert!(
        stderr(&output)
            .contains("waiter JobRunning polls ListJobs; wait-for-job gives its waiters job ids"),
        "{}",
        stderr(&output)
    );
    assert_eq!(local.server.counters().total().requests, 0);
}

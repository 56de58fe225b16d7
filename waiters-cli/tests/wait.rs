//! `waiters wait` against a local Batch endpoint running in this process.
//!
//! Jobs have hour-long phases and move only when the test advances the server clock, so
//! every outcome is decided before the binary runs; delays are 0.05 s.

mod common;

use common::{
    Local, assert_exit, fast_model, json_stdout, repo_root, stderr, stdout, temp_dir, waiters,
    write,
};
use serde_json::Value;

/// Past the five phases: the job has finished.
const FINISHED: u32 = 6;

#[test]
fn success_text_reports_progress_on_stderr_and_one_line_on_stdout() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&["wait", "JobComplete", "--job-id", &job, "--delay", "0.05"])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    let out = stdout(&output);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("success: Waiter JobComplete succeeded after 1 attempt: "),
        "{out}"
    );
    let err = stderr(&output);
    assert!(err.contains("JobComplete attempt 1"), "{err}");
    assert!(err.contains("SUCCEEDED -> success"), "{err}");
}

#[test]
fn success_json_for_several_jobs() {
    let local = Local::start();
    let first = local.submit(&[]);
    let second = local.submit(&[]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&[
            "wait",
            "JobComplete",
            "--job-id",
            &first,
            "--job-id",
            &second,
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    let result = json_stdout(&output);
    assert_eq!(result["waiter"], "JobComplete");
    assert_eq!(result["outcome"], "success");
    assert_eq!(result["attempts"], 1);
    assert_eq!(result["reason"], Value::Null);
    let jobs = result["last_response"]["jobs"].as_array().expect("jobs");
    let ids: Vec<&str> = jobs.iter().filter_map(|j| j["jobId"].as_str()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert!(jobs.iter().all(|j| j["status"] == "SUCCEEDED"));
    // JSON mode keeps stderr quiet.
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn failed_job_is_exit_1() {
    let local = Local::start();
    let ok = local.submit(&[]);
    let failed = local.submit(&[("local:outcome", "FAILED")]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&[
            "wait",
            "JobComplete",
            "--job-id",
            &ok,
            "--job-id",
            &failed,
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "failure");
    assert_eq!(result["attempts"], 1);
    assert_eq!(
        result["reason"],
        "Waiter JobComplete failed: Waiter encountered a terminal failure state: \
         For expression \"jobs[].status\" we matched expected path: \"FAILED\" at least once"
    );
    assert_eq!(result["last_response"]["jobs"][1]["status"], "FAILED");

    let output = local
        .waiters(&["wait", "JobComplete", "--job-id", &failed])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    assert!(stdout(&output).starts_with("failure: Waiter JobComplete failed: "));
}

#[test]
fn max_attempts_is_exit_3_with_the_last_response() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(4); // RUNNING for another hour
    let output = local
        .waiters(&[
            "wait",
            "JobComplete",
            "--job-id",
            &job,
            "--delay",
            "0.05",
            "--max-attempts",
            "3",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 3);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "max_attempts");
    assert_eq!(result["attempts"], 3);
    assert_eq!(
        result["reason"],
        "Waiter JobComplete failed: Max attempts exceeded"
    );
    assert_eq!(result["last_response"]["jobs"][0]["status"], "RUNNING");
    assert_eq!(local.describe_jobs_requests(), 3);
}

#[test]
fn text_progress_shows_every_attempt_and_the_next_poll() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(2); // RUNNABLE
    let output = local
        .waiters(&[
            "wait",
            "JobComplete",
            "--job-id",
            &job,
            "--delay",
            "0.05",
            "--max-attempts",
            "2",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 3);
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("JobComplete attempt 1 ("), "{err}");
    assert!(lines[0].ends_with("RUNNABLE; next poll in 0.05s"), "{err}");
    assert!(lines[1].starts_with("JobComplete attempt 2 ("), "{err}");
    assert!(lines[1].ends_with("RUNNABLE"), "{err}");
    assert_eq!(
        stdout(&output),
        "max_attempts: Waiter JobComplete failed: Max attempts exceeded (2 attempts)\n"
    );
}

#[test]
fn model_file_delay_and_max_attempts_apply_unless_overridden() {
    let local = Local::start();
    let dir = temp_dir("wait-model");
    let model = write(
        &dir,
        "model.json",
        r#"{"version": 2, "waiters": {"JobSucceeded": {"operation": "DescribeJobs",
            "delay": 0.05, "maxAttempts": 2, "acceptors": [
              {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]}}}"#,
    );
    let model = model.to_str().expect("UTF-8 path");
    let job = local.submit(&[]);
    let run = |extra: &[&str]| {
        let mut args = vec!["wait", "JobSucceeded", "--job-id", &job, "--model", model];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--output", "json"]);
        local.waiters(&args).output().expect("runs")
    };
    // The model's maxAttempts.
    let output = run(&[]);
    assert_exit(&output, 3);
    assert_eq!(json_stdout(&output)["attempts"], 2);
    // --max-attempts and --delay win; a delay of 0 is allowed.
    let output = run(&["--max-attempts", "4", "--delay", "0"]);
    assert_exit(&output, 3);
    assert_eq!(json_stdout(&output)["attempts"], 4);
    // The bundled model has no such waiter.
    let output = local
        .waiters(&["wait", "JobSucceeded", "--job-id", &job])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("Waiter does not exist: JobSucceeded"));
}

#[test]
fn max_wait_is_a_timeout_exit_3() {
    let local = Local::start();
    let job = local.submit(&[]);
    let output = local
        .waiters(&[
            "wait",
            "JobRunning",
            "--job-id",
            &job,
            "--delay",
            "0.05",
            "--max-wait",
            "0.3",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 3);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "timeout");
    let reason = result["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with("Waiter JobRunning failed: Max wait time of 300ms exceeded"),
        "{reason}"
    );
    assert!(result["attempts"].as_u64().is_some_and(|n| n >= 1));
    assert_eq!(result["last_response"]["jobs"][0]["status"], "SUBMITTED");
}

/// The sleeps reported in the progress lines (not measured time).
fn next_polls(stderr: &str) -> Vec<f64> {
    stderr
        .lines()
        .filter_map(|line| line.split("next poll in ").nth(1))
        .map(|s| {
            s.trim_end_matches('s')
                .parse()
                .expect("a number of seconds")
        })
        .collect()
}

#[test]
fn jitter_applies_airflows_range_to_the_delay() {
    let local = Local::start();
    let job = local.submit(&[]);
    let args = |jitter: bool| {
        let mut args = vec![
            "wait",
            "JobComplete",
            "--job-id",
            &job,
            "--delay",
            "0.05",
            "--max-attempts",
            "2",
        ];
        if jitter {
            args.push("--jitter");
        }
        args
    };
    let plain = local.waiters(&args(false)).output().expect("runs");
    assert_exit(&plain, 3);
    assert_eq!(next_polls(&stderr(&plain)), [0.05]);
    // Airflow's add_jitter(0.05, width 2, minimum 1): uniform in [1, 2.05].
    let jittered = local.waiters(&args(true)).output().expect("runs");
    assert_exit(&jittered, 3);
    let polls = next_polls(&stderr(&jittered));
    assert_eq!(polls.len(), 1, "{}", stderr(&jittered));
    assert!((1.0..=2.05).contains(&polls[0]), "{polls:?}");
}

#[test]
fn bundled_job_exists_keeps_polling_until_the_job_is_visible() {
    let local = Local::start();
    let hidden = local.submit(&[("local:visibleAfterMillis", "86400000")]);
    let output = local
        .waiters(&[
            "wait",
            "JobExists",
            "--job-id",
            &hidden,
            "--delay",
            "0.05",
            "--max-attempts",
            "3",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 3);
    let result = json_stdout(&output);
    assert_eq!(result["attempts"], 3);
    assert!(
        result["reason"]
            .as_str()
            .is_some_and(|r| r.contains("Previously accepted state")),
        "{result}"
    );

    // Airflow's own model fails at once on an empty `jobs`, as botocore does with it.
    let reference = repo_root().join("tests/fixtures/airflow-reference.json");
    let output = local
        .waiters(&[
            "wait",
            "JobExists",
            "--job-id",
            &hidden,
            "--model",
            reference.to_str().expect("UTF-8 path"),
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "failure");
    assert_eq!(result["attempts"], 1);
    assert_eq!(result["last_response"], serde_json::json!({"jobs": []}));
}

#[test]
fn service_error_is_exit_4() {
    let local = Local::start();
    // A path prefix the endpoint does not serve: a 404 UnknownOperationException, which
    // is neither matched by an acceptor nor transient.
    let url = format!("{}/not-batch", local.server.endpoint_url());
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            "some-job",
            "--endpoint-url",
            &url,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 4);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "error");
    assert_eq!(result["attempts"], 1);
    let error = &result["last_response"]["error"];
    assert_eq!(error["code"], "UnknownOperationException");
    assert_eq!(error["status"], 404);
    assert!(
        result["reason"].as_str().is_some_and(|r| r.starts_with(
            "Waiter JobComplete failed: An error occurred (UnknownOperationException)"
        )),
        "{result}"
    );
}

#[test]
fn missing_credentials_are_exit_4_on_one_line() {
    let local = Local::start();
    let output = local
        .waiters(&["wait", "JobComplete", "--job-id", "some-job"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .expect("runs");
    assert_exit(&output, 4);
    let out = stdout(&output);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("error: Waiter JobComplete failed: Request failed: "),
        "{out}"
    );
    assert!(out.contains("credential"), "{out}");
    assert_eq!(local.describe_jobs_requests(), 0);
}

#[test]
fn throttling_is_retried() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(FINISHED);
    local.server.faults().throttle_next(1);
    let output = local
        .waiters(&["wait", "JobComplete", "--job-id", &job, "--output", "json"])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_eq!(json_stdout(&output)["outcome"], "success");
    assert!(local.describe_jobs_requests() >= 2);
}

#[test]
fn persistent_throttling_ends_with_the_attempt_budget() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.server.faults().throttle_for(common::HOUR);
    let output = local
        .waiters(&[
            "wait",
            "JobComplete",
            "--job-id",
            &job,
            "--max-attempts",
            "1",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 3);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "max_attempts");
    assert!(
        result["reason"]
            .as_str()
            .is_some_and(|r| r.contains("TooManyRequestsException")),
        "{result}"
    );
    assert_eq!(
        result["last_response"]["error"]["code"],
        "TooManyRequestsException"
    );
}

#[test]
fn model_with_another_services_operation_is_rejected() {
    let local = Local::start();
    let ecs = repo_root().join("tests/fixtures/botocore/ecs.json");
    let output = local
        .waiters(&[
            "wait",
            "ServicesStable",
            "--job-id",
            "x",
            "--model",
            ecs.to_str().expect("UTF-8 path"),
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert!(
        err.lines()
            .all(|l| l.starts_with(&format!("{}: waiters.", ecs.display()))),
        "{err}"
    );
    assert!(
        err.contains(".operation: operation \"DescribeServices\""),
        "{err}"
    );
}

#[test]
fn fast_model_is_accepted() {
    // The helper other suites use must produce a model the binary accepts.
    let dir = temp_dir("fast-model");
    let model = fast_model(&dir, 0.05);
    let output = waiters()
        .args(["show", "JobRunning", "--model"])
        .arg(&model)
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    let shown: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(shown["delay"], 0.05);
}

/// Bad input is one line naming the problem, exit 2, before any request is made.
#[test]
fn bad_input_is_a_one_line_usage_error() {
    let local = Local::start();
    let dir = temp_dir("wait-bad-input");
    let malformed = write(&dir, "malformed.json", "{");
    let malformed = malformed.to_str().expect("UTF-8 path").to_owned();
    // Valid as a model, but a delay no wait can use (clock arithmetic would overflow).
    let endless = write(
        &dir,
        "endless.json",
        r#"{"version": 2, "waiters": {"JobComplete": {"operation": "DescribeJobs",
            "delay": 1e19, "maxAttempts": 2, "acceptors": [
              {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]}}}"#,
    );
    let endless = endless.to_str().expect("UTF-8 path").to_owned();
    let missing = dir.join("missing.json").to_str().expect("UTF-8").to_owned();
    let many: Vec<String> = (0..101).map(|i| format!("job-{i}")).collect();
    let mut too_many = vec!["wait", "JobComplete"];
    for id in &many {
        too_many.extend_from_slice(&["--job-id", id]);
    }
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["wait", "Nope", "--job-id", "a"],
            "Waiter does not exist: Nope",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", ""],
            "job id #1 is empty",
        ),
        (too_many, "101 job ids given"),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--delay", "-1"],
            "negative",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--delay", "NaN"],
            "NaN",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--delay", "soon"],
            "`soon` is not a number",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--max-wait", "-0.5"],
            "negative",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--max-wait", "1e19"],
            "too large",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--delay", "1e10"],
            "too large",
        ),
        (
            vec![
                "wait",
                "JobComplete",
                "--job-id",
                "a",
                "--model",
                &endless,
                "--max-wait",
                "5",
            ],
            "waiters.JobComplete.delay: the delay must be at most",
        ),
        (
            vec![
                "wait",
                "JobComplete",
                "--job-id",
                "a",
                "--max-attempts",
                "0",
            ],
            "--max-attempts",
        ),
        (
            vec![
                "wait",
                "JobComplete",
                "--job-id",
                "a",
                "--max-attempts",
                "-3",
            ],
            "--max-attempts",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--output", "yaml"],
            "yaml",
        ),
        (
            vec!["wait", "JobComplete", "--job-id", "a", "--model", &missing],
            "cannot read the file",
        ),
        (
            vec![
                "wait",
                "JobComplete",
                "--job-id",
                "a",
                "--model",
                &malformed,
            ],
            "$: invalid JSON",
        ),
        (vec!["wait", "JobComplete"], "--job-id"),
        (vec!["wait-for-job", "a", "--delay", "inf"], "too large"),
        (vec!["wait-for-job", "a", ""], "job id #2 is empty"),
        (vec!["wait-for-job"], "<ID>"),
    ];
    for (args, needle) in cases {
        let output = local.waiters(&args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {needle:?} not in {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(stdout(&output).is_empty(), "{args:?}: {output:?}");
    }
    assert_eq!(local.describe_jobs_requests(), 0);

    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            "a",
            "--endpoint-url",
            "localhost:1",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr(&output).contains("not an http:// or https:// URL"));
}

#[test]
fn no_region_is_a_clear_error() {
    let local = Local::start();
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            "a",
            "--endpoint-url",
            &local.server.endpoint_url(),
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no AWS region configured"), "{err}");
    assert_eq!(local.describe_jobs_requests(), 0);
    // AWS_REGION is enough.
    let job = local.submit(&[]);
    local.advance_phases(FINISHED);
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            &job,
            "--endpoint-url",
            &local.server.endpoint_url(),
        ])
        .env("AWS_REGION", "eu-west-1")
        .output()
        .expect("runs");
    assert_exit(&output, 0);
}

#[test]
fn the_endpoint_can_come_from_the_environment() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(FINISHED);
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            &job,
            "--region",
            "us-east-1",
        ])
        .env("AWS_ENDPOINT_URL_BATCH", local.server.endpoint_url())
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_eq!(local.describe_jobs_requests(), 1);
}

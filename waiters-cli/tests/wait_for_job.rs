//! `waiters wait-for-job` against a local Batch endpoint running in this process.
//!
//! `--delay 0` keeps the initial sleep under a second; jobs whose outcome is decided
//! before the binary runs pass every phase on its first attempt.

mod common;

use common::{
    Local, assert_exit, fast_model, json_stdout, stderr, stdout, temp_dir, waiters, write,
};
use serde_json::Value;

const FINISHED: u32 = 6;

fn job_entry<'a>(result: &'a Value, id: &str) -> &'a Value {
    result["jobs"]
        .as_array()
        .and_then(|jobs| jobs.iter().find(|j| j["job_id"] == id))
        .unwrap_or_else(|| panic!("no entry for {id} in {result}"))
}

#[test]
fn succeeded_job_text_runs_the_three_phases() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&["wait-for-job", &job, "--delay", "0"])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_eq!(
        stdout(&output),
        format!("success: Batch job {job} SUCCEEDED (exit code 0)\n")
    );
    let err = stderr(&output);
    for phase in ["JobExists", "JobRunning", "JobComplete"] {
        assert!(
            err.contains(&format!("[{job}] {phase} attempt 1 (")),
            "{phase} missing:\n{err}"
        );
    }
    // Through the shared poller (the default), JobRunning and JobComplete start from the
    // answer that ended the phase before; polling alone, each phase calls.
    assert_eq!(local.describe_jobs_requests(), 1);
    local.server.reset_counters();
    let output = local
        .waiters(&["wait-for-job", &job, "--delay", "0", "--poll-per-job"])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    assert_eq!(local.describe_jobs_requests(), 3);
}

#[test]
fn several_jobs_json_with_a_failed_one_is_exit_1() {
    let local = Local::start();
    let ok = local.submit(&[]);
    let failed = local.submit(&[
        ("local:outcome", "FAILED"),
        ("local:exitCode", "3"),
        ("local:statusReason", "OutOfMemoryError: Container killed"),
    ]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&[
            "wait-for-job",
            &ok,
            &failed,
            "--delay",
            "0",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "failure");
    let ids: Vec<&str> = result["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|j| j["job_id"].as_str())
        .collect();
    assert_eq!(ids, [ok.as_str(), failed.as_str()], "in the order given");

    let entry = job_entry(&result, &ok);
    assert_eq!(entry["outcome"], "success");
    assert_eq!(entry["status"], "SUCCEEDED");
    assert_eq!(entry["exit_code"], 0);
    assert_eq!(entry["reason"], Value::Null);
    assert_eq!(entry["attempts"], 3);

    let entry = job_entry(&result, &failed);
    assert_eq!(entry["outcome"], "failure");
    assert_eq!(entry["status"], "FAILED");
    assert_eq!(entry["exit_code"], 3);
    assert_eq!(entry["status_reason"], "OutOfMemoryError: Container killed");
    assert_eq!(entry["waiter"], "JobComplete");
    assert_eq!(
        entry["reason"],
        format!("Batch job {failed} failed: OutOfMemoryError: Container killed (exit code 3)")
    );
    assert!(stderr(&output).is_empty(), "json mode is quiet");
}

#[test]
fn max_wait_is_a_timeout_exit_3() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(4); // RUNNING for another hour
    let output = local
        .waiters(&[
            "wait-for-job",
            &job,
            "--delay",
            "0",
            "--max-wait",
            "1.5",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 3);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "timeout");
    let entry = job_entry(&result, &job);
    assert_eq!(entry["outcome"], "timeout");
    assert_eq!(entry["status"], "RUNNING");
    assert_eq!(entry["waiter"], "JobComplete");
    assert!(
        entry["reason"]
            .as_str()
            .is_some_and(|r| r.contains("Waiter JobComplete failed: Max wait time of")),
        "{entry}"
    );
}

#[test]
fn max_wait_bounds_the_initial_delay_too() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(FINISHED);
    // An initial delay of 4-6 s against a 1 s deadline: no call is ever made.
    let output = local
        .waiters(&[
            "wait-for-job",
            &job,
            "--delay",
            "5",
            "--max-wait",
            "1",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 3);
    let entry = job_entry(&json_stdout(&output), &job).clone();
    assert_eq!(entry["outcome"], "timeout");
    assert_eq!(entry["attempts"], 0);
    assert_eq!(entry["status"], Value::Null);
    assert_eq!(
        entry["reason"],
        format!(
            "waiting for Batch job {job}: Waiter JobExists failed: Max wait time of 1s exceeded"
        )
    );
    assert_eq!(local.describe_jobs_requests(), 0);
}

#[test]
fn a_job_that_really_runs_is_followed_to_the_end() {
    let local = Local::start();
    let dir = temp_dir("wait-for-job-live");
    let model = fast_model(&dir, 0.05);
    // Real time this once: 1.5 s from SUBMITTED to SUCCEEDED, polled every 1-2 s
    // (Airflow's jitter on the model's delay).
    let job = local.submit(&[("local:totalMillis", "1500")]);
    let output = local
        .waiters(&[
            "wait-for-job",
            &job,
            "--delay",
            "0",
            "--model",
            model.to_str().expect("UTF-8 path"),
            "--max-wait",
            "60",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    let err = stderr(&output);
    assert!(
        err.contains(&format!("[{job}] JobComplete attempt")),
        "{err}"
    );
    assert!(err.contains("SUCCEEDED -> success"), "{err}");
}

#[test]
fn more_than_100_jobs_are_fine() {
    let local = Local::start();
    let ids: Vec<String> = (0..120).map(|_| local.submit(&[])).collect();
    local.advance_phases(FINISHED);
    let mut args = vec!["wait-for-job", "--delay", "0", "--output", "json"];
    args.extend(ids.iter().map(String::as_str));
    let output = local.waiters(&args).output().expect("runs");
    assert_exit(&output, 0);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "success");
    let jobs = result["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 120);
    assert!(jobs.iter().all(|j| j["status"] == "SUCCEEDED"));
}

#[test]
fn job_arns_are_accepted() {
    let local = Local::start();
    let (id, arn) = local.submit_job(&[]);
    assert!(arn.ends_with(&format!("job/{id}")));
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&["wait-for-job", &arn, "--delay", "0", "--output", "json"])
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    let result = json_stdout(&output);
    // Each entry names the job as it was given.
    assert_eq!(job_entry(&result, &arn)["outcome"], "success");
}

#[test]
fn service_error_is_exit_4() {
    let local = Local::start();
    let url = format!("{}/not-batch", local.server.endpoint_url());
    let output = waiters()
        .args([
            "wait-for-job",
            "some-job",
            "--delay",
            "0",
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
    let entry = job_entry(&result, "some-job");
    assert_eq!(entry["outcome"], "error");
    assert_eq!(entry["waiter"], "JobExists");
    assert_eq!(entry["status"], Value::Null);
    assert!(
        entry["reason"]
            .as_str()
            .is_some_and(|r| r.contains("UnknownOperationException")),
        "{entry}"
    );
}

#[test]
fn failure_outranks_timeout_in_the_exit_code() {
    let local = Local::start();
    let failed = local.submit(&[("local:outcome", "FAILED")]);
    local.advance_phases(FINISHED);
    // Submitted after the clock moved: still SUBMITTED when the deadline comes.
    let pending = local.submit(&[]);
    let output = local
        .waiters(&[
            "wait-for-job",
            &pending,
            &failed,
            "--delay",
            "0",
            // Room for the initial sleep (under 1 s) and the failed job's three calls.
            "--max-wait",
            "2.5",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "failure");
    assert_eq!(job_entry(&result, &pending)["outcome"], "timeout");
    assert_eq!(job_entry(&result, &failed)["outcome"], "failure");
}

#[test]
fn model_without_the_three_waiters_is_rejected() {
    let local = Local::start();
    let dir = temp_dir("wait-for-job-model");
    let model = write(
        &dir,
        "only-complete.json",
        r#"{"version": 2, "waiters": {"JobComplete": {"operation": "DescribeJobs",
            "delay": 1, "maxAttempts": 2, "acceptors": [
              {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]}}}"#,
    );
    let output = local
        .waiters(&[
            "wait-for-job",
            "job",
            "--model",
            model.to_str().expect("UTF-8 path"),
        ])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no waiter JobExists"), "{err}");
    assert_eq!(local.describe_jobs_requests(), 0);
}

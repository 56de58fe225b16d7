//! Job logs in the CLI against a local endpoint (whose Logs API serves the jobs' lines):
//! `waiters logs`, `wait-for-job --logs`, the tail of a FAILED job, and which endpoint
//! the Logs calls go to.

mod common;

use common::{Local, json_stdout, stderr, stdout};

const FINISHED: u32 = 6;

fn lines(count: usize) -> String {
    (0..count)
        .map(|i| format!("{} line {i}", i * 10))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn waiters_logs_prints_a_finished_jobs_lines() {
    let local = Local::start();
    let job = local.submit(&[("local:logLines", "0 hello\n1000 world")]);
    local.advance_phases(FINISHED);
    let output = local.waiters(&["logs", &job]).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "cli-test: hello\ncli-test: world\n");
    assert!(local.server.log_faults().counters().get_log_events >= 1);
}

#[test]
fn waiters_logs_of_a_job_not_started_says_so() {
    let local = Local::start();
    let job = local.submit(&[("local:logLines", "0 hello")]);
    let output = local.waiters(&["logs", &job]).output().expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains(&format!("no log lines for job {job}")),
        "{}",
        stderr(&output)
    );
    let missing = local
        .waiters(&["logs", "no-such-job"])
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(4));
    assert!(
        stderr(&missing).contains("job no-such-job not found"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_failed_job_gets_its_last_20_lines_under_its_result() {
    let local = Local::start();
    let job = local.submit(&[("local:outcome", "FAILED"), ("local:logLines", &lines(25))]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&["wait-for-job", &job, "--delay", "0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let mut rows = text.lines();
    assert!(
        rows.next().is_some_and(|l| l.starts_with("failure: ")),
        "{text}"
    );
    let tail: Vec<&str> = rows.collect();
    let expected: Vec<String> = (5..25).map(|i| format!("  | line {i}")).collect();
    assert_eq!(tail, expected);

    let none = local
        .waiters(&[
            "wait-for-job",
            &job,
            "--delay",
            "0",
            "--tail-on-failure",
            "0",
        ])
        .output()
        .expect("runs");
    assert_eq!(stdout(&none).lines().count(), 1);

    let json = local
        .waiters(&[
            "wait-for-job",
            &job,
            "--delay",
            "0",
            "--output",
            "json",
            "--tail-on-failure",
            "3",
        ])
        .output()
        .expect("runs");
    let result = json_stdout(&json);
    assert_eq!(
        result["jobs"][0]["log_tail"],
        serde_json::json!(["line 22", "line 23", "line 24"])
    );
}

#[test]
fn a_succeeded_job_has_no_tail() {
    let local = Local::start();
    let job = local.submit(&[("local:logLines", "0 fine")]);
    local.advance_phases(FINISHED);
    let json = local
        .waiters(&["wait-for-job", &job, "--delay", "0", "--output", "json"])
        .output()
        .expect("runs");
    let result = json_stdout(&json);
    assert!(result["jobs"][0].get("log_tail").is_none(), "{result}");
    assert_eq!(local.server.log_faults().counters().calls(), 0);
}

#[test]
fn wait_for_job_logs_prints_each_jobs_lines_before_the_results() {
    let local = Local::start();
    let first = local.submit(&[("local:logLines", "0 one starts\n5 one ends")]);
    let second = local.submit(&[("local:logLines", "0 two starts")]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&["wait-for-job", &first, &second, "--delay", "0", "--logs"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let rows: Vec<&str> = text.lines().collect();
    let mut logged: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|r| r.starts_with("cli-test: "))
        .collect();
    logged.sort_unstable();
    assert_eq!(
        logged,
        [
            "cli-test: one ends",
            "cli-test: one starts",
            "cli-test: two starts"
        ]
    );
    let first_result = rows
        .iter()
        .position(|r| r.starts_with("success: "))
        .expect("results");
    assert!(
        rows[..first_result]
            .iter()
            .all(|r| r.starts_with("cli-test: ")),
        "{text}"
    );
}

#[test]
fn logs_calls_go_to_the_cloudwatch_logs_endpoint_variable_over_endpoint_url() {
    let batch = Local::start();
    let other = Local::start();
    let job = batch.submit(&[("local:logLines", "0 hello")]);
    batch.advance_phases(FINISHED);
    // --endpoint-url alone: both services at the one URL.
    let output = batch.waiters(&["logs", &job]).output().expect("runs");
    assert_eq!(stdout(&output), "cli-test: hello\n");
    // AWS_ENDPOINT_URL_CLOUDWATCH_LOGS wins for Logs: the other endpoint has no such stream.
    let output = batch
        .waiters(&["logs", &job])
        .env(
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
            other.server.endpoint_url(),
        )
        .output()
        .expect("runs");
    assert_eq!(stdout(&output), "");
    assert!(other.server.log_faults().counters().calls() >= 1);
}

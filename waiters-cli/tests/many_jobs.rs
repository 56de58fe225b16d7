//! `waiters wait-for-job` on many jobs against a local Batch endpoint running in this
//! process: one shared poller (and `--poll-per-job` to compare), ids on standard input,
//! and the summary line instead of a line per attempt.

mod common;

use common::{
    Local, assert_exit, fast_model, json_stdout, output_within, spawn_waiters, stderr, stdout,
    temp_dir, wait_until,
};
use serde_json::Value;
use std::io::Write;
use std::time::Duration;

const JOBS: usize = 300;
/// Hourly phases to move a job from SUBMITTED to SUCCEEDED.
const FINISHED: u32 = 6;

/// Submits `n` jobs that stay SUBMITTED until the test moves the endpoint's clock; every
/// tenth then FAILS, the others SUCCEED.
fn submit_jobs(local: &Local, n: usize) -> Vec<(String, &'static str)> {
    (0..n)
        .map(|i| {
            let outcome = if i % 10 == 3 { "FAILED" } else { "SUCCEEDED" };
            let id = local.submit(&[("local:outcome", outcome)]);
            (id, outcome)
        })
        .collect()
}

/// `wait-for-job - --output json` with `ids` on standard input, the jobs finishing while
/// it waits: once the endpoint has answered `first_calls` DescribeJobs requests (the wait
/// has seen the jobs SUBMITTED), the test finishes every job. Returns the JSON and the
/// DescribeJobs calls the endpoint received.
fn wait_for(local: &Local, ids: &[String], first_calls: u64, extra: &[&str]) -> (Value, u64) {
    let dir = temp_dir("many-jobs");
    // Polling delays of 1-2 s (the model's 0.05 s with Airflow's jitter).
    let model = fast_model(&dir, 0.05);
    local.server.reset_counters();
    let endpoint = local.server.endpoint_url();
    let mut args = vec![
        "wait-for-job",
        "-",
        "--delay",
        "0",
        "--max-wait",
        "300",
        "--model",
        model.to_str().expect("UTF-8 path"),
        "--output",
        "json",
        "--endpoint-url",
        &endpoint,
        "--region",
        "us-east-1",
    ];
    args.extend(extra);
    let mut child = spawn_waiters(&args, &[]);
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(ids.join("\n").as_bytes())
        .expect("ids written");
    drop(stdin);
    // An explicit signal from the endpoint, not a guess at how fast the process polls.
    wait_until(
        "the wait's first DescribeJobs calls",
        Duration::from_secs(120),
        || local.describe_jobs_requests() >= first_calls,
    );
    let seen_submitted = local.describe_jobs_requests();
    local.advance_phases(FINISHED);
    let output = output_within(child, Duration::from_secs(300));
    assert_exit(&output, 1);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    let calls = local.server.counters().describe_jobs;
    assert_eq!(calls.served(), calls.requests, "no faults: {calls:?}");
    assert!(
        calls.requests > seen_submitted,
        "the wait asked again after the jobs finished: {calls:?}"
    );
    (json_stdout(&output), calls.requests)
}

fn assert_every_job_right(result: &Value, jobs: &[(String, &str)]) {
    assert_eq!(result["outcome"], "failure", "a tenth of the jobs fail");
    let entries = result["jobs"].as_array().expect("jobs");
    assert_eq!(entries.len(), jobs.len());
    for (entry, (id, status)) in entries.iter().zip(jobs) {
        assert_eq!(entry["job_id"], id.as_str(), "in the order given");
        assert_eq!(entry["status"], *status, "{entry}");
        let outcome = if *status == "SUCCEEDED" {
            "success"
        } else {
            "failure"
        };
        assert_eq!(entry["outcome"], outcome, "{entry}");
        assert_eq!(entry["waiter"], "JobComplete", "{entry}");
    }
}

#[test]
fn three_hundred_jobs_from_stdin_share_few_calls() {
    let local = Local::start();
    let jobs = submit_jobs(&local, JOBS);
    let ids: Vec<String> = jobs.iter().map(|(id, _)| id.clone()).collect();
    // One round asks every job: ceil(300 / 100) calls.
    let (shared, calls) = wait_for(&local, &ids, JOBS.div_ceil(100) as u64, &[]);
    assert_every_job_right(&shared, &jobs);
    let poller = &shared["poller"];
    println!("shared poller: {calls} DescribeJobs calls for {JOBS} jobs: {poller}");
    assert_eq!(
        poller["calls"], calls,
        "every call the endpoint saw is the poller's"
    );
    assert!(
        poller["max_ids_in_a_call"]
            .as_u64()
            .is_some_and(|n| n <= 100),
        "{poller}"
    );
    assert!(calls <= 30, "{calls} calls, more than ten rounds of three");

    let jobs = submit_jobs(&local, JOBS);
    let ids: Vec<String> = jobs.iter().map(|(id, _)| id.clone()).collect();
    let (alone, per_job_calls) = wait_for(&local, &ids, JOBS as u64, &["--poll-per-job"]);
    assert_every_job_right(&alone, &jobs);
    println!("--poll-per-job: {per_job_calls} DescribeJobs calls for {JOBS} jobs");
    assert!(alone.get("poller").is_none(), "{alone}");
    // Each job calls at least once in each of its three phases.
    assert!(per_job_calls >= 3 * JOBS as u64, "{per_job_calls} calls");
}

/// `wait-for-job` in text mode on `n` finished jobs, with `extra` options.
fn text_run(local: &Local, ids: &[String], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["wait-for-job", "--delay", "0"];
    args.extend(ids.iter().map(String::as_str));
    args.extend(extra);
    local.waiters(&args).output().expect("runs")
}

#[test]
fn many_jobs_get_a_summary_line_instead_of_a_line_per_attempt() {
    let local = Local::start();
    let ids: Vec<String> = (0..30).map(|_| local.submit(&[])).collect();
    local.advance_phases(FINISHED);
    for (mode, extra) in [("poller", &[][..]), ("per job", &["--poll-per-job"][..])] {
        local.server.reset_counters();
        let output = text_run(&local, &ids, extra);
        assert_exit(&output, 0);
        let out = stdout(&output);
        assert_eq!(
            out.lines().count(),
            30,
            "{mode}: one result line per job:\n{out}"
        );
        for (line, id) in out.lines().zip(&ids) {
            assert_eq!(
                line,
                format!("success: Batch job {id} SUCCEEDED (exit code 0)")
            );
        }
        let err = stderr(&output);
        assert!(
            !err.contains(" attempt "),
            "{mode}: no line per attempt:\n{err}"
        );
        let calls = local.describe_jobs_requests();
        // The run is shorter than the summary's period: only the last line.
        assert_eq!(err.lines().count(), 1, "{mode}: one summary line:\n{err}");
        let line = err.lines().next().unwrap_or_default();
        let noun = if calls == 1 { "call" } else { "calls" };
        let expected = format!("30 jobs: 30 SUCCEEDED; 30 done; {calls} DescribeJobs {noun}; ");
        assert!(
            line.starts_with(&expected),
            "{mode}: {line:?}, {calls} calls"
        );
        println!("{mode}: {line}");
        if extra.is_empty() {
            assert!(calls < 30, "{mode}: {calls} calls");
        } else {
            assert_eq!(calls, 90, "{mode}: three phases, a call each");
        }
    }

    // Twenty jobs fit: a line per attempt, no summary.
    let output = text_run(&local, &ids[..20], &[]);
    assert_exit(&output, 0);
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 60, "{err}");
    assert!(err.lines().all(|l| l.contains(" attempt 1 (")), "{err}");
}

#[test]
fn ids_from_stdin_join_the_command_lines_and_bad_ones_are_refused() {
    let local = Local::start();
    let ids: Vec<String> = (0..3).map(|_| local.submit(&[])).collect();
    local.advance_phases(FINISHED);
    // Whitespace and newlines separate them; repeats are dropped, the order kept.
    let output = local
        .waiters(&[
            "wait-for-job",
            &ids[0],
            "-",
            "--delay",
            "0",
            "--output",
            "json",
        ])
        .write_stdin(format!(
            "{}\t{}\r\n\n{} {}\n",
            ids[1], ids[0], ids[2], ids[1]
        ))
        .output()
        .expect("runs");
    assert_exit(&output, 0);
    let result = json_stdout(&output);
    let reported: Vec<&str> = result["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|j| j["job_id"].as_str())
        .collect();
    assert_eq!(reported, [&ids[0], &ids[1], &ids[2]]);

    local.server.reset_counters();
    let too_many: String = (0..100_001).map(|i| format!("j{i}\n")).collect();
    let too_big = "j ".repeat(8 * 1024 * 1024) + "j";
    let cases: [(String, &str); 5] = [
        (
            String::new(),
            "waiters: no job ids on standard input (`-` was given)",
        ),
        (
            "good-id bad\u{1b}[2Kid".to_owned(),
            r#"waiters: job id #2 of standard input ("bad\u{1b}[2Kid") contains control characters"#,
        ),
        (
            "a b\u{0}c".to_owned(),
            r#"waiters: job id #2 of standard input ("b\0c") contains control characters"#,
        ),
        (
            too_many,
            "waiters: more than 100000 job ids; wait for them with several commands",
        ),
        (
            too_big,
            "waiters: standard input has more than 16 MiB of job ids; wait for them with several commands",
        ),
    ];
    for (input, message) in cases {
        let output = local
            .waiters(&["wait-for-job", "-", "--delay", "0"])
            .write_stdin(input)
            .output()
            .expect("runs");
        assert_exit(&output, 2);
        assert_eq!(stderr(&output), format!("{message}\n"));
        assert!(stdout(&output).is_empty());
    }
    let output = local
        .waiters(&["wait-for-job", "-", "--delay", "0"])
        .write_stdin(vec![b'j', b' ', 0xff, b'\n'])
        .output()
        .expect("runs");
    assert_exit(&output, 2);
    assert_eq!(
        stderr(&output),
        "waiters: standard input is not UTF-8 text (at byte 2)\n"
    );
    assert_eq!(local.describe_jobs_requests(), 0, "refused before any call");
}

#[test]
fn poller_options_are_checked() {
    let local = Local::start();
    for (args, needle) in [
        (&["--rate-limit", "0"][..], "--rate-limit"),
        (&["--rate-limit", "-2"][..], "--rate-limit"),
        (&["--rate-limit", "inf"][..], "--rate-limit"),
        (&["--rate-limit", "NaN"][..], "--rate-limit"),
        (
            &["--rate-limit", "5", "--poll-per-job"][..],
            "cannot be used with",
        ),
        (
            &["--events-queue", "http://127.0.0.1:1/q", "--poll-per-job"][..],
            "cannot be used with",
        ),
        (&["--events-queue", "not a url"][..], "--events-queue"),
        (&["--reconcile-every", "30"][..], "--events-queue"),
        (
            &[
                "--events-queue",
                "http://127.0.0.1:1/q",
                "--reconcile-every",
                "0",
            ][..],
            "--reconcile-every",
        ),
    ] {
        let mut all = vec!["wait-for-job", "job-1"];
        all.extend(args);
        let output = local.waiters(&all).output().expect("runs");
        assert_exit(&output, 2);
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(local.describe_jobs_requests(), 0);
}

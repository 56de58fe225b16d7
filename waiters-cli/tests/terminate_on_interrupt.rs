//! `wait-for-job --terminate-on-interrupt` as a process against the local endpoint: on
//! SIGINT or SIGTERM every unfinished job gets one TerminateJob call and ends FAILED with
//! the reason; a failed call is reported; a second SIGINT stops the calls at once.
//!
//! The tests wait for a line of the process (or a request at the endpoint) before each
//! signal, never for a time.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{Local, json_stdout};
use waiters_local::{FaultKind, FaultRule, FaultSchedule, Operation};
use waiters_runtime::aws_sdk_batch::types::JobStatus;

/// Past the five phases: the job has finished.
const FINISHED: u32 = 6;
/// The longest a test waits for the process to say or do something.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `waiters wait-for-job`, its stderr read line by line as it comes.
struct Running {
    child: Child,
    stderr: Receiver<String>,
    /// Every stderr line read so far.
    seen: Vec<String>,
    stdout: JoinHandle<String>,
}

impl Running {
    fn start(local: &Local, args: &[&str]) -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("waiters"))
            .env_clear()
            .env("AWS_ACCESS_KEY_ID", waiters_local::TEST_ACCESS_KEY_ID)
            .env(
                "AWS_SECRET_ACCESS_KEY",
                waiters_local::TEST_SECRET_ACCESS_KEY,
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent/waiters-test/config")
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/waiters-test/credentials",
            )
            .args(["wait-for-job", "--terminate-on-interrupt", "--delay", "0"])
            .args(args)
            .args([
                "--endpoint-url",
                &local.server.endpoint_url(),
                "--region",
                "us-east-1",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("waiters starts");
        let (lines, stderr) = channel();
        let err = child.stderr.take().expect("stderr is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut out = child.stdout.take().expect("stdout is piped");
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        Self {
            child,
            stderr,
            seen: Vec::new(),
            stdout,
        }
    }

    /// Waits for a stderr line containing `needle`.
    fn wait_for_line(&mut self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        panic!(
            "no stderr line with {needle:?}; stderr so far: {:#?}",
            self.seen
        );
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -s {name}");
    }

    /// The exit code, stdout, and the whole of stderr.
    fn finish(mut self) -> (Option<i32>, String, Vec<String>) {
        let status = self.child.wait().expect("waiters exits");
        let stdout = self.stdout.join().expect("stdout read");
        self.seen.extend(self.stderr.iter());
        (status.code(), stdout, self.seen)
    }
}

/// Waits until `condition` holds (checked every 10 ms).
fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The job's status and status reason at the endpoint.
fn described(local: &Local, job: &str) -> (Option<JobStatus>, Option<String>) {
    let handle = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let output = handle
        .block_on(local.client.describe_jobs().jobs(job).send())
        .expect("DescribeJobs");
    let detail = &output.jobs()[0];
    (
        detail.status().cloned(),
        detail.status_reason().map(str::to_owned),
    )
}

#[test]
fn sigint_terminates_the_unfinished_jobs_only() {
    let local = Local::start();
    let finished = local.submit(&[]);
    local.advance_phases(FINISHED);
    let unfinished = local.submit(&[]);
    let mut running = Running::start(&local, &[&finished, &unfinished]);
    // The unfinished job is past JobExists: the finished one's wait is over.
    running.wait_for_line(&format!("[{unfinished}] JobRunning attempt 1"));
    running.signal("INT");
    let (code, stdout, stderr) = running.finish();
    assert_eq!(code, Some(130), "stdout: {stdout}\nstderr: {stderr:#?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("success: "), "{stdout}");
    assert!(
        lines[1].starts_with(&format!(
            "interrupted: waiting for Batch job {unfinished} interrupted by SIGINT"
        )),
        "{stdout}"
    );
    assert!(
        lines[1].ends_with("; terminated (TerminateJob: terminated by waiters on SIGINT)"),
        "{stdout}"
    );
    assert!(
        stderr
            .iter()
            .any(|l| l == "waiters: SIGINT: terminating 1 unfinished job (TerminateJob); a second Ctrl-C stops at once"),
        "{stderr:#?}"
    );
    assert_eq!(local.server.request_count(Operation::TerminateJob), 1);
    assert_eq!(
        described(&local, &unfinished),
        (
            Some(JobStatus::Failed),
            Some("terminated by waiters on SIGINT".to_owned())
        )
    );
    assert_eq!(described(&local, &finished).0, Some(JobStatus::Succeeded));
}

#[test]
fn sigterm_terminates_every_unfinished_job_and_json_lists_them() {
    let local = Local::start();
    let jobs = [local.submit(&[]), local.submit(&[])];
    let running = Running::start(&local, &[&jobs[0], &jobs[1], "--output", "json"]);
    // The handlers are in before the first call.
    wait_until("a DescribeJobs call", || local.describe_jobs_requests() > 0);
    running.signal("TERM");
    let (code, stdout, stderr) = running.finish();
    assert_eq!(code, Some(143), "stdout: {stdout}\nstderr: {stderr:#?}");
    let output = std::process::Output {
        status: std::process::ExitStatus::default(),
        stdout: stdout.into_bytes(),
        stderr: Vec::new(),
    };
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "interrupted");
    let terminations = &result["terminations"];
    assert_eq!(terminations["reason"], "terminated by waiters on SIGTERM");
    assert_eq!(terminations["terminated"], serde_json::json!(jobs));
    assert_eq!(terminations["failed"], serde_json::json!([]));
    assert_eq!(terminations["may_still_run"], serde_json::json!([]));
    assert_eq!(terminations["stopped_by"], serde_json::Value::Null);
    for job in &jobs {
        assert_eq!(
            described(&local, job),
            (
                Some(JobStatus::Failed),
                Some("terminated by waiters on SIGTERM".to_owned())
            )
        );
    }
    assert_eq!(local.server.request_count(Operation::TerminateJob), 2);
}

#[test]
fn a_failed_terminate_call_is_reported() {
    let local = Local::start();
    let job = local.submit(&[]);
    local
        .server
        .faults()
        .add(
            FaultRule::new(FaultKind::ServerError, FaultSchedule::Always)
                .only_for(Operation::TerminateJob),
        )
        .expect("a valid rule");
    let mut running = Running::start(&local, &[&job]);
    running.wait_for_line(&format!("[{job}] JobRunning attempt 1"));
    running.signal("INT");
    let (code, stdout, stderr) = running.finish();
    assert_eq!(code, Some(130), "stdout: {stdout}\nstderr: {stderr:#?}");
    assert!(
        stdout.contains(&format!(
            "; not terminated: TerminateJob for Batch job {job} failed: "
        )),
        "{stdout}"
    );
    assert!(stdout.contains("ServerException"), "{stdout}");
    assert_eq!(described(&local, &job).0, Some(JobStatus::Submitted));
}

#[test]
fn a_second_sigint_stops_the_terminations_at_once() {
    let local = Local::start();
    let job = local.submit(&[]);
    local
        .server
        .faults()
        .add(
            FaultRule::new(FaultKind::NeverAnswer, FaultSchedule::Always)
                .only_for(Operation::TerminateJob),
        )
        .expect("a valid rule");
    let mut running = Running::start(&local, &[&job]);
    running.wait_for_line(&format!("[{job}] JobRunning attempt 1"));
    running.signal("INT");
    running.wait_for_line("terminating 1 unfinished job");
    wait_until("the TerminateJob call", || {
        local.server.request_count(Operation::TerminateJob) == 1
    });
    running.signal("INT");
    let (code, stdout, stderr) = running.finish();
    assert_eq!(code, Some(130), "stdout: {stdout}\nstderr: {stderr:#?}");
    assert!(
        stdout
            .trim_end()
            .ends_with("; may still run: terminating was stopped by SIGINT"),
        "{stdout}"
    );
    assert!(
        stderr.iter().any(|l| l
            == &format!("waiters: terminating stopped by SIGINT; these jobs may still run: {job}")),
        "{stderr:#?}"
    );
}

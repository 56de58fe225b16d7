//! `wait-for-job --terminate-on-interrupt` as a process against the local endpoint: on
//! SIGINT or SIGTERM every unfinished job gets one TerminateJob call and ends FAILED with
//! the reason; a failed call is reported; a second SIGINT stops the calls at once.
//!
//! The tests wait for a line of the process (or a request at the endpoint) before each
//! signal, never for a time.
//!
//! With the `moto` feature, the same against moto (`MOTO_ENDPOINT`), whose job waits on a
//! dependency that never finishes until it is terminated: `.ci/run` runs
//! `cargo test -p waiters-cli --features moto --test terminate_on_interrupt`.

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
    /// `waiters wait-for-job --terminate-on-interrupt --delay 0 ARGS` against `endpoint`.
    fn start(endpoint: &str, args: &[&str]) -> Self {
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
            .args(["--endpoint-url", endpoint, "--region", "us-east-1"])
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
    let mut running = Running::start(&local.server.endpoint_url(), &[&finished, &unfinished]);
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
    let running = Running::start(
        &local.server.endpoint_url(),
        &[&jobs[0], &jobs[1], "--output", "json"],
    );
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
    let mut running = Running::start(&local.server.endpoint_url(), &[&job]);
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
    let mut running = Running::start(&local.server.endpoint_url(), &[&job]);
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

#[cfg(feature = "moto")]
mod moto {
    use aws_config::{BehaviorVersion, Region, SdkConfig};
    use waiters_runtime::aws_sdk_batch::Client;
    use waiters_runtime::aws_sdk_batch::types::{
        CeState, CeType, ComputeEnvironmentOrder, ContainerProperties, JobDefinitionType,
        JobDependency, JqState, ResourceRequirement, ResourceType,
    };

    use super::*;

    fn endpoint() -> String {
        std::env::var("MOTO_ENDPOINT")
            .expect("MOTO_ENDPOINT must name a running moto server, e.g. http://127.0.0.1:5000")
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    }

    async fn config() -> SdkConfig {
        let credentials =
            aws_credential_types::Credentials::new("testing", "testing", None, None, "moto");
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials)
            .endpoint_url(endpoint())
            .load()
            .await
    }

    /// moto's switch between its Docker backend (jobs run in threads that wait on their
    /// dependencies) and instant jobs.
    async fn use_docker(on: bool) {
        let body = format!(r#"{{"batch": {{"use_docker": {on}}}}}"#);
        let status = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + '/moto-api/config', data=sys.argv[2].encode(), headers={'Content-Type': 'application/json'}), timeout=10)",
                &endpoint(),
                &body,
            ])
            .status()
            .expect("python3 runs");
        assert!(status.success(), "moto config");
    }

    /// A queue and job definition on moto; returns their ARNs.
    async fn batch_resources(config: &SdkConfig, client: &Client, name: &str) -> (String, String) {
        let role = aws_sdk_iam::Client::new(config)
            .create_role()
            .role_name(format!("{name}-batch-service"))
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batch.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .expect("CreateRole");
        let role_arn = role.role().map(|r| r.arn().to_owned()).expect("role ARN");
        let environment = client
            .create_compute_environment()
            .compute_environment_name(format!("{name}-ce"))
            .r#type(CeType::Unmanaged)
            .state(CeState::Enabled)
            .service_role(role_arn)
            .send()
            .await
            .expect("CreateComputeEnvironment");
        let queue = client
            .create_job_queue()
            .job_queue_name(format!("{name}-queue"))
            .state(JqState::Enabled)
            .priority(1)
            .compute_environment_order(
                ComputeEnvironmentOrder::builder()
                    .order(1)
                    .compute_environment(environment.compute_environment_arn().expect("CE ARN"))
                    .build(),
            )
            .send()
            .await
            .expect("CreateJobQueue");
        let requirement = |kind, value: &str| {
            ResourceRequirement::builder()
                .r#type(kind)
                .value(value)
                .build()
        };
        let definition = client
            .register_job_definition()
            .job_definition_name(format!("{name}-definition"))
            .r#type(JobDefinitionType::Container)
            .container_properties(
                ContainerProperties::builder()
                    .image("busybox")
                    .command("true")
                    .resource_requirements(requirement(ResourceType::Vcpu, "1"))
                    .resource_requirements(requirement(ResourceType::Memory, "128"))
                    .build(),
            )
            .send()
            .await
            .expect("RegisterJobDefinition");
        (
            queue.job_queue_arn().expect("queue ARN").to_owned(),
            definition
                .job_definition_arn()
                .expect("definition ARN")
                .to_owned(),
        )
    }

    #[test]
    fn sigterm_terminates_a_moto_job_which_ends_failed_with_the_reason() {
        let runtime = runtime();
        let config = runtime.block_on(config());
        let client = Client::new(&config);
        runtime.block_on(use_docker(true));
        let name = format!("waiters-terminate-{}", std::process::id());
        let (queue, definition) = runtime.block_on(batch_resources(&config, &client, &name));
        // A dependency that never finishes keeps the job waiting until it is terminated.
        let submitted = runtime
            .block_on(
                client
                    .submit_job()
                    .job_name("waiters-terminate")
                    .job_queue(queue)
                    .job_definition(definition)
                    .depends_on(
                        JobDependency::builder()
                            .job_id("waiters-no-such-job")
                            .build(),
                    )
                    .send(),
            )
            .expect("SubmitJob");
        let job = submitted.job_id().expect("jobId").to_owned();

        let mut running = Running::start(&endpoint(), &[&job]);
        running.wait_for_line(&format!("[{job}] JobRunning attempt 1"));
        running.signal("TERM");
        let (code, stdout, stderr) = running.finish();
        assert_eq!(code, Some(143), "stdout: {stdout}\nstderr: {stderr:#?}");
        assert!(
            stdout
                .trim_end()
                .ends_with("; terminated (TerminateJob: terminated by waiters on SIGTERM)"),
            "{stdout}"
        );
        // moto ends the job when its dependency loop next looks (once a second).
        let deadline = Instant::now() + PATIENCE;
        let detail = loop {
            let output = runtime
                .block_on(client.describe_jobs().jobs(&job).send())
                .expect("DescribeJobs");
            let detail = output.jobs()[0].clone();
            if detail.status() == Some(&JobStatus::Failed) || Instant::now() > deadline {
                break detail;
            }
            std::thread::sleep(Duration::from_millis(200));
        };
        runtime.block_on(use_docker(false));
        assert_eq!(detail.status(), Some(&JobStatus::Failed), "{detail:?}");
        assert_eq!(
            detail.status_reason(),
            Some("terminated by waiters on SIGTERM")
        );
        println!("moto: job {job} FAILED: terminated by waiters on SIGTERM");
    }
}

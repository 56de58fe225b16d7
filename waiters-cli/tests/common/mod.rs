//! Shared by the integration tests: the `waiters` binary with a sealed-off AWS
//! environment, and a local Batch endpoint running in this process.
#![allow(dead_code, unreachable_pub)] // each test binary uses a different part of this module

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use waiters_local::{JobProfile, LocalBatch, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};
use waiters_runtime::aws_sdk_batch::Client;

/// Phases last an hour unless a job's parameters say otherwise, so a job's status only
/// changes when a test moves the server clock: nothing depends on this machine's speed.
pub const HOUR: Duration = Duration::from_secs(3600);

/// The repository root (fixtures and the bundled model live there).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is inside the workspace")
        .to_path_buf()
}

/// The `waiters` binary with no inherited environment: test credentials, no config files,
/// no instance metadata, so nothing can reach real AWS.
pub fn waiters() -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("waiters"));
    command
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/waiters-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/waiters-test/credentials",
        )
        .timeout(Duration::from_secs(120));
    command
}

/// A fresh directory for files a test writes.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "waiters-cli-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test directory");
    dir
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path
}

/// A copy of the bundled model with every delay set to `delay` seconds.
pub fn fast_model(dir: &Path, delay: f64) -> PathBuf {
    let text = std::fs::read_to_string(repo_root().join("models/batch-waiters.json"))
        .expect("the bundled model");
    let mut model: Value = serde_json::from_str(&text).expect("the bundled model is JSON");
    for waiter in model["waiters"]
        .as_object_mut()
        .expect("waiters object")
        .values_mut()
    {
        waiter["delay"] = delay.into();
    }
    write(dir, "fast-model.json", &model.to_string())
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the process's exit code, showing its stdout and stderr when it differs.
pub fn assert_exit(output: &std::process::Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
}

/// Parses stdout as exactly one JSON object (nothing before or after it).
pub fn json_stdout(output: &std::process::Output) -> Value {
    let text = stdout(output);
    let value: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {text:?}"));
    assert!(value.is_object(), "stdout is not a JSON object: {text}");
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "one line of JSON: {text}"
    );
    value
}

/// A local Batch endpoint served by a runtime of its own, so the test thread can block on
/// the `waiters` process meanwhile.
pub struct Local {
    // Dropped before the runtime that serves it.
    pub server: LocalBatch,
    pub client: Client,
    runtime: tokio::runtime::Runtime,
}

impl Local {
    pub fn start() -> Self {
        Self::start_with(
            LocalBatch::builder().default_profile(JobProfile::default().with_every_phase(HOUR)),
        )
    }

    /// An endpoint built by `builder`.
    pub fn start_with(builder: waiters_local::LocalBatchBuilder) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let server = runtime
            .block_on(builder.start())
            .expect("the local endpoint starts");
        let client = server.client();
        Self {
            server,
            client,
            runtime,
        }
    }

    /// Submits a job with these `local:` schedule parameters; returns its id and ARN.
    pub fn submit_job(&self, parameters: &[(&str, &str)]) -> (String, String) {
        let mut request = self
            .client
            .submit_job()
            .job_name("cli-test")
            .job_queue("queue")
            .job_definition("definition");
        for (key, value) in parameters {
            request = request.parameters(*key, *value);
        }
        let output = self
            .runtime
            .block_on(request.send())
            .expect("SubmitJob succeeds");
        (
            output.job_id().expect("jobId").to_owned(),
            output.job_arn().expect("jobArn").to_owned(),
        )
    }

    /// Submits a job and returns its id.
    pub fn submit(&self, parameters: &[(&str, &str)]) -> String {
        self.submit_job(parameters).0
    }

    /// Creates an UNMANAGED compute environment with these `local:` lifecycle tags;
    /// returns its ARN.
    pub fn create_compute_environment(&self, name: &str, tags: &[(&str, &str)]) -> String {
        use waiters_runtime::aws_sdk_batch::types::CeType;
        let mut request = self
            .client
            .create_compute_environment()
            .compute_environment_name(name)
            .r#type(CeType::Unmanaged);
        for (key, value) in tags {
            request = request.tags(*key, *value);
        }
        let output = self
            .runtime
            .block_on(request.send())
            .expect("CreateComputeEnvironment succeeds");
        output
            .compute_environment_arn()
            .expect("computeEnvironmentArn")
            .to_owned()
    }

    /// Runs `future` (SDK calls through `client`) on the endpoint's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Moves every job forward by this many hourly phases.
    pub fn advance_phases(&self, phases: u32) {
        self.server.advance_clock(HOUR * phases);
    }

    /// `waiters ARGS --endpoint-url URL --region us-east-1`.
    pub fn waiters(&self, args: &[&str]) -> Command {
        let mut command = waiters();
        command.args(args).args([
            "--endpoint-url",
            &self.server.endpoint_url(),
            "--region",
            "us-east-1",
        ]);
        command
    }

    pub fn describe_jobs_requests(&self) -> u64 {
        self.server
            .request_count(waiters_local::Operation::DescribeJobs)
    }
}

/// `waiters ARGS` as a child process with the sealed-off environment of [`waiters`] plus
/// `envs`; stdin, stdout and stderr piped.
pub fn spawn_waiters(args: &[&str], envs: &[(&str, &str)]) -> std::process::Child {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin!("waiters"));
    command
        .args(args)
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/waiters-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/waiters-test/credentials",
        )
        .envs(envs.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command.spawn().expect("waiters starts")
}

/// The child's output once it exits; after `bound` the child is killed and the test
/// fails, instead of hanging.
pub fn output_within(child: std::process::Child, bound: Duration) -> std::process::Output {
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(bound) {
        Ok(output) => output.expect("the child's output"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &id.to_string()])
                .status();
            panic!("waiters did not exit within {bound:?}");
        }
    }
}

/// Waits until `done` holds, checking every 20 ms; fails the test with `what` after
/// `bound` (generous: a signal that does not come is a failure, not a hang).
pub fn wait_until(what: &str, bound: Duration, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + bound;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {bound:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

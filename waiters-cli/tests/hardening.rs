//! Hostile input, bad endpoints, signals and forged output, through the `waiters` binary.
//!
//! Every case is one line on stderr or stdout, a documented exit code, and no hang: each
//! process gets a timeout far below what the unbounded behaviour would take.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    Local, assert_exit, fast_model, json_stdout, stderr, stdout, temp_dir, waiters, write,
};
use serde_json::{Value, json};
use waiters_local::{
    FaultKind, FaultRule, FaultSchedule, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY,
};

/// One line on stderr containing `needle`, nothing on stdout, exit 2.
fn assert_usage_error(output: &std::process::Output, needle: &str) {
    assert_exit(output, 2);
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{needle:?} not in {err}");
    assert!(stdout(output).is_empty(), "{}", stdout(output));
}

fn model_with(argument: &str) -> String {
    json!({"version": 2, "waiters": {"JobComplete": {
        "operation": "DescribeJobs", "delay": 1, "maxAttempts": 2,
        "acceptors": [{"matcher": "path", "argument": argument, "expected": true, "state": "success"}]
    }}})
    .to_string()
}

#[test]
fn deeply_nested_expressions_are_refused_by_validate_and_wait_alike() {
    let local = Local::start();
    let dir = temp_dir("deep");
    let cases = [
        ("not.json", format!("{}jobs", "!".repeat(900))),
        (
            "parens.json",
            format!("{}jobs{}", "(".repeat(400), ")".repeat(400)),
        ),
        ("dots.json", format!("jobs{}", ".a".repeat(900))),
        ("slice.json", "jobs[0:2:2147483647]".to_owned()),
    ];
    for (name, argument) in cases {
        let path = write(&dir, name, &model_with(&argument));
        let validate = waiters()
            .arg("validate")
            .arg(&path)
            .timeout(Duration::from_secs(20))
            .output()
            .expect("runs");
        assert_exit(&validate, 2);
        let problem = stderr(&validate);
        assert_eq!(problem.lines().count(), 1, "{problem}");
        assert!(
            problem.contains("waiters.JobComplete.acceptors[0].argument: JMESPath expression"),
            "{problem}"
        );
        assert!(problem.len() < 400, "{problem}");
        // `wait` refuses the same model with the same line, before any request.
        let path = path.to_str().expect("UTF-8 path");
        let wait = local
            .waiters(&["wait", "JobComplete", "--job-id", "a", "--model", path])
            .timeout(Duration::from_secs(20))
            .output()
            .expect("runs");
        assert_usage_error(&wait, problem.trim_end());
    }
    assert_eq!(local.describe_jobs_requests(), 0);
}

#[test]
fn model_paths_that_are_not_regular_files_are_refused_without_blocking() {
    let dir = temp_dir("not-files");
    let fifo = dir.join("fifo.json");
    let made = Command::new("mkfifo").arg(&fifo).status();
    let mut cases = vec![
        (dir.clone(), "a directory, not a regular file"),
        ("/dev/zero".into(), "a character device, not a regular file"),
    ];
    if made.is_ok_and(|s| s.success()) {
        cases.push((fifo, "a FIFO (named pipe), not a regular file"));
    }
    let big = dir.join("big.json");
    std::fs::write(&big, vec![b' '; 4 * 1024 * 1024 + 1]).expect("write");
    cases.push((big, "larger than 4194304 bytes"));
    for (path, reason) in cases {
        for args in [
            vec!["validate"],
            vec!["list", "--model"],
            vec!["wait", "JobComplete", "--job-id", "a", "--model"],
        ] {
            let output = waiters()
                .args(&args)
                .arg(&path)
                .timeout(Duration::from_secs(10))
                .output()
                .expect("runs");
            assert_usage_error(
                &output,
                &format!("{}: $: cannot read the file: ", path.display()),
            );
            assert!(
                stderr(&output).contains(reason),
                "{args:?}: {}",
                stderr(&output)
            );
        }
    }
}

#[test]
fn control_characters_in_job_ids_and_waiter_names_are_refused() {
    let local = Local::start();
    for (args, needle) in [
        (
            vec![
                "wait",
                "JobComplete",
                "--job-id",
                "ok",
                "--job-id",
                "x\nsuccess: forged",
            ],
            r#"job id #2 ("x\nsuccess: forged") contains control characters"#,
        ),
        (
            vec!["wait-for-job", "\u{1b}[2Jx"],
            r#"job id #1 ("\u{1b}[2Jx") contains control characters"#,
        ),
        (
            vec!["wait", "Job\rComplete", "--job-id", "a"],
            r#"waiter name "Job\rComplete" contains control characters"#,
        ),
    ] {
        let output = local.waiters(&args).output().expect("runs");
        assert_usage_error(&output, needle);
    }
    let output = waiters()
        .args(["show", "Job\nComplete"])
        .output()
        .expect("runs");
    assert_usage_error(
        &output,
        r#"waiter name "Job\nComplete" contains control characters"#,
    );
    assert_eq!(local.describe_jobs_requests(), 0);
}

#[test]
fn bad_endpoints_and_regions_are_usage_errors() {
    for (args, needle) in [
        (
            vec!["--endpoint-url", "http://[::1"],
            "the IPv6 address has no closing `]`",
        ),
        (
            vec!["--endpoint-url", "http://exa mple"],
            "is not a valid URL",
        ),
        (vec!["--endpoint-url", "http://host:99999"], "is not a port"),
        (
            vec!["--endpoint-url", "http://user:pw@host"],
            "user names or passwords",
        ),
        (vec!["--region", "us east/1"], "is not a region name"),
        (vec!["--region", "US-EAST-1"], "is not a region name"),
        (vec!["--call-timeout", "0"], "--call-timeout"),
        (vec!["--connect-give-up", "-1"], "--connect-give-up"),
    ] {
        let output = waiters()
            .args(["wait", "JobComplete", "--job-id", "a"])
            .args(&args)
            .output()
            .expect("runs");
        assert_usage_error(&output, needle);
    }
    // From the environment, the same checks, naming the variable.
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            "a",
            "--region",
            "us-east-1",
        ])
        .env("AWS_ENDPOINT_URL_BATCH", "http://[::1")
        .output()
        .expect("runs");
    assert_usage_error(
        &output,
        "AWS_ENDPOINT_URL_BATCH: `http://[::1` is not a valid URL",
    );
    let output = waiters()
        .args(["wait", "JobComplete", "--job-id", "a"])
        .env("AWS_REGION", "Us-East")
        .output()
        .expect("runs");
    assert_usage_error(
        &output,
        "the configured region: `Us-East` is not a region name",
    );
}

/// A TCP port nothing listens on.
fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    url
}

#[test]
fn a_refused_connection_gives_up_with_exit_4_naming_the_endpoint() {
    let url = closed_port_url();
    let started = Instant::now();
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            "a",
            "--region",
            "us-east-1",
        ])
        .args(["--endpoint-url", &url, "--connect-give-up", "2"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    // JobComplete's model delay is 300 s: it is not what paces connection failures.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_exit(&output, 4);
    let out = stdout(&output);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("error: Waiter JobComplete failed: Gave up after "),
        "{out}"
    );
    assert!(
        out.contains("calls in a row without an answer over "),
        "{out}"
    );
    assert!(out.contains("the connection failed: "), "{out}");
    assert!(out.contains("Connection refused"), "{out}");
    assert!(out.contains(&format!("(endpoint {url})")), "{out}");
    for text in [out.as_str(), stderr(&output).as_str()] {
        assert!(!text.contains("DispatchFailure"), "a Debug dump: {text}");
        assert!(!text.contains("ConnectorError"), "a Debug dump: {text}");
    }

    // wait-for-job has no attempt limit: it used to retry for ever.
    let output = waiters()
        .args(["wait-for-job", "a", "--delay", "0", "--region", "us-east-1"])
        .args([
            "--endpoint-url",
            &url,
            "--connect-give-up",
            "2",
            "--output",
            "json",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_exit(&output, 4);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "error");
    let reason = result["jobs"][0]["reason"].as_str().expect("a reason");
    assert!(reason.contains("Gave up after "), "{reason}");
    assert!(reason.ends_with(&format!("(endpoint {url})")), "{reason}");
    assert_eq!(result["jobs"][0]["waiter"], "JobExists");
}

#[test]
fn an_endpoint_that_never_answers_is_bounded_by_the_call_timeout() {
    let local = Local::start();
    local
        .server
        .faults()
        .add(FaultRule::new(
            FaultKind::NeverAnswer,
            FaultSchedule::Always,
        ))
        .expect("a valid rule");
    let started = Instant::now();
    let output = local
        .waiters(&[
            "wait",
            "JobComplete",
            "--job-id",
            "a",
            "--call-timeout",
            "2",
            "--connect-give-up",
            "4.5",
            "--output",
            "json",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_exit(&output, 4);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "error");
    // 2 s timeout (2 s of no answer < 4.5 s), 1 s backoff, 2 s timeout: 5 s of no answer
    // >= 4.5 s. The real clock may run late by up to 2.5 s at the first timeout (a loaded
    // machine) and the count is still two.
    assert_eq!(result["attempts"], 2, "{result}");
    let reason = result["reason"].as_str().expect("a reason");
    let over = reason
        .strip_prefix(
            "Waiter JobComplete failed: Gave up after 2 calls in a row without an answer over ",
        )
        .unwrap_or_else(|| panic!("{reason}"));
    let seconds: f64 = over
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a duration: {reason}"));
    assert!(seconds >= 4.5, "gave up before --connect-give-up: {reason}");
    assert!(
        reason.contains("the call timed out: no answer within 2s"),
        "{reason}"
    );
    assert_eq!(
        result["last_response"]["error"]["message"],
        "the call timed out: no answer within 2s (the waiter's call timeout)"
    );
    assert_eq!(local.describe_jobs_requests(), 2);
}

/// Serves each connection a response with this status line, headers and body (the
/// content length is added), from a thread.
fn raw_server(head: &str, body: &str) -> String {
    let response = format!(
        "{head}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buffer = [0u8; 65536];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

#[test]
fn answers_that_are_not_describe_jobs_say_what_was_wrong() {
    let html = raw_server(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html",
        "<html>hello</html>",
    );
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            "a",
            "--region",
            "us-east-1",
        ])
        .args(["--endpoint-url", &html])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_exit(&output, 4);
    assert_eq!(
        stdout(&output),
        "error: Waiter JobComplete failed: Request failed: the HTTP 200 response is not a \
         DescribeJobs response: Error at offset 0: unexpected token '<'. Expected one of '{', \
         '[', '\"', 'null', 'true', 'false', <number> (1 attempt)\n"
    );

    // A service message that tries to forge a result line stays on its line.
    let forged = raw_server(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nx-amzn-errortype: ClientException",
        r#"{"message": "bad\nsuccess: Waiter JobComplete succeeded"}"#,
    );
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            "a",
            "--region",
            "us-east-1",
        ])
        .args(["--endpoint-url", &forged])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_exit(&output, 4);
    assert_eq!(
        stdout(&output),
        "error: Waiter JobComplete failed: An error occurred (ClientException): bad\\nsuccess: \
         Waiter JobComplete succeeded (1 attempt)\n"
    );
    assert!(
        stderr(&output)
            .lines()
            .all(|l| l.starts_with("JobComplete attempt")),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_status_reason_cannot_forge_a_result_line() {
    let local = Local::start();
    let forged = "X\nsuccess: Batch job forged SUCCEEDED (exit code 0)";
    let job = local.submit(&[
        ("local:outcome", "FAILED"),
        ("local:exitCode", "3"),
        ("local:statusReason", forged),
    ]);
    local.advance_phases(6);
    let output = local
        .waiters(&["wait-for-job", &job, "--delay", "0"])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    assert_eq!(
        stdout(&output),
        format!(
            "failure: Batch job {job} failed: X\\nsuccess: Batch job forged SUCCEEDED (exit code 0) (exit code 3)\n"
        )
    );
    let err = stderr(&output);
    assert!(!err.lines().any(|l| l.starts_with("success:")), "{err}");
    // JSON carries the text as it is, escaped by JSON itself.
    let output = local
        .waiters(&["wait-for-job", &job, "--delay", "0", "--output", "json"])
        .output()
        .expect("runs");
    assert_exit(&output, 1);
    let result = json_stdout(&output);
    assert_eq!(result["jobs"][0]["status_reason"], forged);
}

/// `waiters ARGS` against `local`, as a child process whose output is piped.
fn spawn(local: &Local, args: &[&str]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin!("waiters"))
        .args(args)
        .args([
            "--endpoint-url",
            &local.server.endpoint_url(),
            "--region",
            "us-east-1",
        ])
        .env_clear()
        .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", TEST_SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/waiters-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/waiters-test/credentials",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("waiters starts")
}

/// Waits until the endpoint has served `requests` DescribeJobs calls.
fn wait_for_requests(local: &Local, requests: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while local.describe_jobs_requests() < requests {
        assert!(Instant::now() < deadline, "the waiter never polled");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `signal` (`INT`, `TERM`) and collects the exit status and output.
fn signal(child: Child, signal: &str) -> std::process::Output {
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the process exits soon after the signal")
        .expect("output")
}

#[test]
fn sigint_reports_every_job_as_one_json_object_and_exits_130() {
    let local = Local::start();
    let finished = local.submit(&[]);
    local.advance_phases(6);
    // Submitted after the clock moved: SUBMITTED for an hour, so JobRunning keeps polling.
    let waiting = local.submit(&[]);
    let child = spawn(
        &local,
        &[
            "wait-for-job",
            &finished,
            &waiting,
            "--delay",
            "0",
            "--output",
            "json",
        ],
    );
    // The finished job's three phases, JobExists of the other and a JobRunning poll.
    wait_for_requests(&local, 5);
    let output = signal(child, "INT");
    assert_exit(&output, 130);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "interrupted");
    let jobs = result["jobs"].as_array().expect("jobs");
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["job_id"], finished.as_str());
    assert_eq!(jobs[0]["outcome"], "success");
    assert_eq!(jobs[1]["job_id"], waiting.as_str());
    assert_eq!(jobs[1]["outcome"], "interrupted");
    assert_eq!(jobs[1]["status"], "SUBMITTED");
    assert_eq!(jobs[1]["waiter"], "JobRunning");
    assert!(
        jobs[1]["attempts"].as_u64().is_some_and(|n| n >= 2),
        "{result}"
    );
    let reason = jobs[1]["reason"].as_str().expect("a reason");
    assert!(
        reason.starts_with(&format!(
            "waiting for Batch job {waiting} interrupted by SIGINT after "
        )) && reason.ends_with("; last seen SUBMITTED"),
        "{reason}"
    );
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn sigterm_reports_every_job_as_text_and_exits_143() {
    let local = Local::start();
    let finished = local.submit(&[]);
    local.advance_phases(6);
    let waiting = local.submit(&[]);
    let child = spawn(
        &local,
        &["wait-for-job", &finished, &waiting, "--delay", "0"],
    );
    wait_for_requests(&local, 5);
    let output = signal(child, "TERM");
    assert_exit(&output, 143);
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[0],
        format!("success: Batch job {finished} SUCCEEDED (exit code 0)")
    );
    assert!(
        lines[1].starts_with(&format!(
            "interrupted: waiting for Batch job {waiting} interrupted by SIGTERM after "
        )),
        "{out}"
    );
}

#[test]
fn sigint_stops_a_single_wait_with_its_last_response() {
    let local = Local::start();
    let dir = temp_dir("sigint-wait");
    let model = fast_model(&dir, 0.05);
    let job = local.submit(&[]);
    let model = model.to_str().expect("UTF-8 path");
    let child = spawn(
        &local,
        &[
            "wait",
            "JobComplete",
            "--job-id",
            &job,
            "--model",
            model,
            "--output",
            "json",
        ],
    );
    // The fourth request comes after the third answer was seen: at least three attempts.
    // (The endpoint counts a request when it arrives, before the waiter has its answer.)
    wait_for_requests(&local, 4);
    let output = signal(child, "INT");
    assert_exit(&output, 130);
    let result = json_stdout(&output);
    assert_eq!(result["outcome"], "interrupted");
    let attempts = result["attempts"].as_u64().expect("attempts");
    assert!(attempts >= 3, "{result}");
    assert_eq!(
        result["reason"],
        Value::from(format!(
            "Waiter JobComplete interrupted by SIGINT after {attempts} attempts"
        ))
    );
    assert_eq!(result["last_response"]["jobs"][0]["status"], "SUBMITTED");

    // In text mode, the result line says so too.
    let child = spawn(
        &local,
        &["wait", "JobComplete", "--job-id", &job, "--model", model],
    );
    wait_for_requests(&local, local.describe_jobs_requests() + 2);
    let output = signal(child, "INT");
    assert_exit(&output, 130);
    let out = stdout(&output);
    assert!(
        out.starts_with("interrupted: Waiter JobComplete interrupted by SIGINT after ")
            && out.lines().count() == 1,
        "{out}"
    );
}

#[test]
fn credentials_never_reach_the_output_or_trace_logs() {
    let secret = "SecretKey-9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab";
    let token = "SessionToken-6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b";
    let local = Local::start();
    let job = local.submit(&[]);
    local.server.faults().throttle_next(2);
    let closed = closed_port_url();
    let endpoint = local.server.endpoint_url();
    for (url, extra) in [
        (endpoint.as_str(), "--max-attempts"),
        (closed.as_str(), "--connect-give-up"),
    ] {
        let output = waiters()
            .args([
                "wait",
                "JobComplete",
                "--job-id",
                job.as_str(),
                "--delay",
                "0",
            ])
            .args([extra, "2", "--endpoint-url", url, "--region", "us-east-1"])
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_SESSION_TOKEN", token)
            .env("RUST_LOG", "trace")
            .timeout(Duration::from_secs(60))
            .output()
            .expect("runs");
        let err = stderr(&output);
        assert!(err.contains(" TRACE "), "trace logging is on: {err}");
        // Not a terminal: no color codes in the log.
        assert!(!err.contains('\u{1b}'), "{err}");
        for text in [stdout(&output), err] {
            assert!(
                !text.contains(secret) && !text.contains(token),
                "a secret leaked"
            );
        }
    }
}

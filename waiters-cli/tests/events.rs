//! `waiters events setup|teardown` and `wait-for-job --events-queue` as a process:
//! which endpoint each service's calls go to, one-line errors and exit codes. (The calls
//! themselves are tested against moto in `tests/tests/e2e_moto.rs`.)

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use std::time::Duration;

use common::{
    Local, json_stdout, output_within, spawn_waiters, stderr, stdout, wait_until, waiters,
};

/// A fake AWS endpoint on 127.0.0.1: records each request's `X-Amz-Target` and answers
/// every one with HTTP 400 `AccessDeniedException`, which the SDK does not retry.
struct Denier {
    url: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Denier {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&targets);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || serve(stream, &seen));
            }
        });
        Self { url, targets }
    }

    fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

/// Answers the requests of one connection until the client closes it.
fn serve(stream: std::net::TcpStream, seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut target = String::from("(none)");
        let mut length = 0usize;
        let mut line = String::new();
        // Request line and headers.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "x-amz-target" => target = value.trim().to_owned(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = r#"{"__type":"AccessDeniedException","message":"denied by the fake endpoint"}"#;
        let response = format!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: fake\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let answered = reader.get_mut().write_all(response.as_bytes()).is_ok();
        // Recorded once answered: a test that sees it knows the client has the refusal.
        seen.lock().unwrap().push(target);
        if !answered {
            return;
        }
    }
}

#[test]
fn setup_calls_sqs_at_its_own_endpoint_from_the_environment() {
    let (sqs, eventbridge) = (Denier::start(), Denier::start());
    let output = waiters()
        .args(["events", "setup", "--queue", "batch-events"])
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_SQS", &sqs.url)
        .env("AWS_ENDPOINT_URL_EVENTBRIDGE", &eventbridge.url)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert_eq!(sqs.targets(), ["AmazonSQS.GetQueueUrl"]);
    assert!(eventbridge.targets().is_empty());
    assert_eq!(
        stderr(&output),
        "waiters: looking up queue batch-events (GetQueueUrl): AccessDeniedException: denied by the fake endpoint\n"
    );
    assert_eq!(stdout(&output), "");
}

#[test]
fn teardown_calls_eventbridge_at_its_own_endpoint_from_the_environment() {
    let (sqs, eventbridge) = (Denier::start(), Denier::start());
    let output = waiters()
        .args([
            "events",
            "teardown",
            "--queue",
            "batch-events",
            "--output",
            "json",
        ])
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL_SQS", &sqs.url)
        .env("AWS_ENDPOINT_URL_EVENTBRIDGE", &eventbridge.url)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    assert_eq!(eventbridge.targets(), ["AWSEvents.ListTargetsByRule"]);
    assert!(sqs.targets().is_empty());
    let error = stderr(&output);
    assert!(
        error.starts_with("waiters: listing the targets of rule waiters-batch-events (ListTargetsByRule): AccessDeniedException"),
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");
}

#[test]
fn endpoint_url_option_wins_over_the_service_endpoints() {
    let (sqs, eventbridge, option) = (Denier::start(), Denier::start(), Denier::start());
    for command in ["setup", "teardown"] {
        let output = waiters()
            .args(["events", command, "--queue", "q", "--region", "eu-west-1"])
            .args(["--endpoint-url", &option.url])
            .env("AWS_ENDPOINT_URL_SQS", &sqs.url)
            .env("AWS_ENDPOINT_URL_EVENTBRIDGE", &eventbridge.url)
            .env("AWS_ENDPOINT_URL", &sqs.url)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    }
    assert_eq!(
        option.targets(),
        ["AmazonSQS.GetQueueUrl", "AWSEvents.ListTargetsByRule"]
    );
    assert!(sqs.targets().is_empty() && eventbridge.targets().is_empty());
}

#[test]
fn bad_names_are_usage_errors_before_any_call() {
    let endpoint = Denier::start();
    let long_rule = "r".repeat(65);
    let cases: [(&[&str], &str); 6] = [
        (
            &["setup", "--queue", "has space"],
            "queue name \"has space\"",
        ),
        (&["setup", "--queue", "jobs.fifo"], "FIFO"),
        (&["setup", "--queue", &long_rule], "--rule-name"),
        (
            &["setup", "--queue", "q", "--rule-name", &long_rule],
            "longer than 64",
        ),
        (
            &[
                "setup",
                "--queue",
                "q",
                "--job-queue",
                "arn:aws:batch:us-east-1:1:compute-environment/x",
            ],
            "not a job queue ARN",
        ),
        (&["teardown", "--queue", "q\u{1b}[2J"], r"'\u{1b}'"),
    ];
    for (args, expected) in cases {
        let output = waiters()
            .arg("events")
            .args(args)
            .args(["--endpoint-url", &endpoint.url, "--region", "us-east-1"])
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let error = stderr(&output);
        assert!(error.contains(expected), "{args:?}: {error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(!error.contains('\u{1b}'), "{error:?}");
    }
    assert!(endpoint.targets().is_empty());
}

#[test]
fn no_region_is_a_usage_error() {
    let endpoint = Denier::start();
    let output = waiters()
        .args([
            "events",
            "teardown",
            "--queue",
            "q",
            "--endpoint-url",
            &endpoint.url,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no AWS region"),
        "{}",
        stderr(&output)
    );
    assert!(endpoint.targets().is_empty());
}

#[test]
fn help_names_the_commands_and_the_queue_rule() {
    let output = waiters()
        .args(["events", "setup", "--help"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    for expected in [
        "--queue",
        "--job-queue",
        "--rule-name",
        "One queue serves one waiting process",
    ] {
        assert!(help.contains(expected), "{expected}: {help}");
    }
}

/// `wait-for-job JOB --events-queue URL` on a new job of `local`, its Batch calls to
/// `local` and its SQS calls to `sqs` (both from the environment). The job ends only after
/// `sqs` has refused the source's receive and then a DescribeJobs call has come (the
/// endpoints' signals; the refusal then had a poll interval to be handled), so the waits
/// end by polling after the source stopped, whatever this machine's load.
fn wait_with_events(local: &Local, sqs: &Denier, output: &str) -> (String, std::process::Output) {
    let job = local.submit(&[]);
    let queue = format!("{}/123456789012/batch-events", sqs.url);
    let receives = sqs.targets().len();
    let batch = local.server.endpoint_url();
    let child = spawn_waiters(
        &[
            "wait-for-job",
            &job,
            "--delay",
            "0",
            "--events-queue",
            &queue,
            "--region",
            "us-east-1",
            "--output",
            output,
        ],
        &[
            ("AWS_ENDPOINT_URL_BATCH", batch.as_str()),
            ("AWS_ENDPOINT_URL_SQS", sqs.url.as_str()),
        ],
    );
    wait_until("the source's receive", Duration::from_secs(60), || {
        sqs.targets().len() > receives
    });
    let calls = local.describe_jobs_requests();
    wait_until(
        "a DescribeJobs call after the refusal",
        Duration::from_secs(60),
        || local.describe_jobs_requests() > calls,
    );
    local.advance_phases(6);
    (job, output_within(child, Duration::from_secs(120)))
}

#[test]
fn events_that_cannot_be_read_leave_the_waits_polling_with_a_warning() {
    let local = Local::start();
    let sqs = Denier::start();

    let (job, output) = wait_with_events(&local, &sqs, "text");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("success: Batch job {job} SUCCEEDED (exit code 0)\n")
    );
    let stopped = format!(
        "receiving from SQS queue {}/123456789012/batch-events failed: the service answered HTTP 400 AccessDeniedException: denied by the fake endpoint; waits poll DescribeJobs alone",
        sqs.url
    );
    let error = stderr(&output);
    let warnings: Vec<&str> = error
        .lines()
        .filter(|line| line.starts_with("waiters: "))
        .collect();
    assert_eq!(
        warnings,
        [format!("waiters: --events-queue: {stopped}")],
        "{error}"
    );
    assert_eq!(sqs.targets(), ["AmazonSQS.ReceiveMessage"]);

    let (_, output) = wait_with_events(&local, &sqs, "json");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "JSON output is quiet");
    let result = json_stdout(&output);
    assert_eq!(result["jobs"][0]["status"], "SUCCEEDED");
    let events = &result["events"];
    assert_eq!(events["receives"], 1, "{events}");
    assert_eq!(events["messages"], 0, "{events}");
    assert_eq!(events["stopped"], stopped.as_str(), "{events}");
    assert!(result["poller"]["calls"].as_u64().is_some_and(|n| n >= 1));
}

#[test]
fn a_malformed_sqs_endpoint_is_a_usage_error_with_events_only() {
    let local = Local::start();
    let job = local.submit(&[]);
    local.advance_phases(6);
    let run = |events: bool| {
        let mut command = waiters();
        command
            .args([
                "wait-for-job",
                &job,
                "--delay",
                "0",
                "--region",
                "us-east-1",
            ])
            .env("AWS_ENDPOINT_URL_BATCH", local.server.endpoint_url())
            .env("AWS_ENDPOINT_URL_SQS", "sqs.example");
        if events {
            command.args(["--events-queue", "https://sqs.example/123456789012/q"]);
        }
        command.output().unwrap()
    };
    let output = run(true);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "waiters: AWS_ENDPOINT_URL_SQS: `sqs.example` is not an http:// or https:// URL\n"
    );
    assert_eq!(local.describe_jobs_requests(), 0, "refused before any call");
    // Without events the variable is not looked at.
    let output = run(false);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

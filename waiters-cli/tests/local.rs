//! `waiters local`: the endpoint in the foreground, its URL on the first stdout line.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::{stderr, stdout, waiters};
use serde_json::Value;

/// A `waiters local` process, stopped by SIGTERM when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin!("waiters"))
            .args(["local", "--port", "0"])
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("waiters local starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("read the first line");
        let url = first.trim_end().to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{first:?}");
        Self { child, url }
    }

    /// Sends SIGTERM by process id and waits for the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        self.child.wait().expect("waiters local exits")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only if a test failed before `terminate`: never leave the process behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A SubmitJob over plain HTTP/1.1: the test needs no SDK client for a bare URL.
fn submit_job(url: &str, parameters: &str) -> String {
    let addr = url.trim_start_matches("http://");
    let body = format!(
        r#"{{"jobName": "local-test", "jobQueue": "q", "jobDefinition": "d", "parameters": {parameters}}}"#
    );
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST /v1/submitjob HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (_, body) = response.split_once("\r\n\r\n").expect("HTTP response");
    let document: Value = serde_json::from_str(body).expect("JSON body");
    document["jobId"].as_str().expect("jobId").to_owned()
}

#[test]
fn serves_batch_until_sigterm() {
    let server = Server::start();
    let job = submit_job(&server.url, r#"{"local:totalMillis": "0"}"#);
    let output = waiters()
        .args([
            "wait-for-job",
            &job,
            "--delay",
            "0",
            "--endpoint-url",
            &server.url,
            "--region",
            "us-east-1",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        format!("success: Batch job {job} SUCCEEDED (exit code 0)\n")
    );

    let failed = submit_job(
        &server.url,
        r#"{"local:totalMillis": "0", "local:outcome": "FAILED"}"#,
    );
    let output = waiters()
        .args([
            "wait",
            "JobComplete",
            "--job-id",
            &failed,
            "--endpoint-url",
            &server.url,
            "--region",
            "us-east-1",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");

    let status = server.terminate();
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn a_port_in_use_is_exit_4() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let output = waiters()
        .args(["local", "--port", &port])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot start the local Batch endpoint"),
        "{err}"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn a_bad_port_is_a_usage_error() {
    for port in ["70000", "-1", "http"] {
        let output = waiters()
            .args(["local", "--port", port])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{port}: {output:?}");
        assert_eq!(stderr(&output).lines().count(), 1, "{output:?}");
    }
}

//! A scripted Batch for the poller's tests: DescribeJobs answers each job's status at the
//! current (paused) tokio time from a timeline, through the real SDK client.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_batch::config::Region;
use aws_sdk_batch::config::retry::RetryConfig;
use aws_sdk_batch::{Client, Config};
use aws_smithy_http_client::test_util::infallible_client_fn;
use serde_json::{Value, json};
use tokio::time::Instant;

/// A job's statuses over time: (time since the fake started, status); invisible before
/// the first.
pub type Timeline = Vec<(Duration, &'static str)>;

/// A scripted Batch: DescribeJobs answers each id's status at the current tokio time.
#[derive(Clone, Default)]
pub struct FakeBatch {
    inner: Arc<Mutex<Fake>>,
}

#[derive(Default)]
struct Fake {
    start: Option<Instant>,
    jobs: HashMap<String, Timeline>,
    /// Each call: when, and the ids asked.
    calls: Vec<(Instant, Vec<String>)>,
    /// Calls answered with 429 until then.
    throttle_until: Option<Instant>,
    /// The body's members around `jobs` (whose place in it is kept), if any.
    body: Option<Value>,
}

impl FakeBatch {
    pub fn new(jobs: impl IntoIterator<Item = (String, Timeline)>) -> Self {
        let fake = Self::default();
        {
            let mut inner = fake.inner.lock().unwrap();
            inner.start = Some(Instant::now());
            inner.jobs = jobs.into_iter().collect();
        }
        fake
    }

    pub fn client(&self) -> Client {
        let fake = self.clone();
        fake_client(move |request| fake.answer(request))
    }

    fn answer(
        &self,
        request: http::Request<aws_smithy_types::body::SdkBody>,
    ) -> http::Response<String> {
        let body: Value = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let ids: Vec<String> = body["jobs"]
            .as_array()
            .map(|ids| {
                ids.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let now = Instant::now();
        let mut fake = self.inner.lock().unwrap();
        fake.calls.push((now, ids.clone()));
        if fake.throttle_until.is_some_and(|until| now < until) {
            return error(429, "TooManyRequestsException", "Rate exceeded");
        }
        if ids.len() > 100 {
            return error(400, "ClientException", "at most 100 job ids");
        }
        if let Some(bad) = ids.iter().find(|id| id.starts_with("bad")) {
            return error(400, "ClientException", &format!("malformed job id {bad}"));
        }
        let elapsed = now - fake.start.expect("started");
        // A job asked for twice is described once, as Batch does.
        let mut seen = std::collections::HashSet::new();
        let jobs: Vec<Value> = ids
            .iter()
            .filter(|id| seen.insert(*id))
            .filter_map(|id| {
                let status = fake
                    .jobs
                    .get(id)?
                    .iter()
                    .rev()
                    .find(|(at, _)| *at <= elapsed)?
                    .1;
                Some(job_json(id, status))
            })
            .collect();
        http::Response::builder()
            .status(200)
            .body(match &fake.body {
                Some(body) => {
                    let mut body = body.clone();
                    body["jobs"] = jobs.into();
                    body.to_string()
                }
                None => json!({ "jobs": jobs }).to_string(),
            })
            .unwrap()
    }

    pub fn calls(&self) -> Vec<(Instant, Vec<String>)> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// Answers with these members around `jobs`.
    pub fn body(&self, body: Value) {
        self.inner.lock().unwrap().body = Some(body);
    }

    pub fn throttle_until(&self, until: Instant) {
        self.inner.lock().unwrap().throttle_until = Some(until);
    }
}

fn error(status: u16, code: &str, message: &str) -> http::Response<String> {
    http::Response::builder()
        .status(status)
        .header("x-amzn-errortype", code)
        .body(json!({ "message": message }).to_string())
        .unwrap()
}

pub fn done_at(seconds: u64) -> Timeline {
    vec![
        (Duration::ZERO, "RUNNABLE"),
        (Duration::from_secs(seconds / 2), "RUNNING"),
        (Duration::from_secs(seconds), "SUCCEEDED"),
    ]
}

impl FakeBatch {
    /// The job's JSON at `at` (since the fake started), as DescribeJobs describes it.
    pub fn job_at(&self, id: &str, at: Duration) -> Option<Value> {
        let fake = self.inner.lock().unwrap();
        let status = fake.jobs.get(id)?.iter().rev().find(|(t, _)| *t <= at)?.1;
        Some(job_json(id, status))
    }

    /// When the fake started.
    pub fn start(&self) -> Instant {
        self.inner.lock().unwrap().start.expect("started")
    }
}

/// A job as DescribeJobs describes it. A status may name the attempts made after a colon:
/// `RUNNABLE:1` is a job back in the queue for a retry after one failed attempt, with one
/// entry in `attempts`, as Batch lists them.
pub fn job_json(id: &str, status: &str) -> Value {
    let (status, attempts) = match status.split_once(':') {
        Some((status, attempts)) => (status, attempts.parse().expect("attempts")),
        None => (status, 0),
    };
    let mut job = json!({"jobId": id, "jobName": "n", "jobQueue": "q", "jobDefinition": "d",
        "status": status, "startedAt": 1});
    if attempts > 0 {
        let attempt = json!({"startedAt": 1, "stoppedAt": 2, "container": {"exitCode": 1}});
        job["attempts"] = vec![attempt; attempts].into();
    }
    job
}

/// A real SDK client (test defaults, us-east-1, no retries) whose every request `answer`
/// answers.
pub fn fake_client(
    answer: impl Fn(http::Request<aws_smithy_types::body::SdkBody>) -> http::Response<String>
    + Send
    + Sync
    + 'static,
) -> Client {
    let http = infallible_client_fn(move |request: http::Request<_>| answer(request));
    Client::from_conf(
        Config::builder()
            .with_test_defaults()
            .region(Region::new("us-east-1"))
            .retry_config(RetryConfig::disabled())
            .http_client(http)
            .build(),
    )
}

//! CPU per round, without the network: N waits on JobComplete (typed, or run-time from
//! the bundled model), each polling one RUNNING job every 10 s, against a scripted Batch
//! inside the process (an SDK HTTP connector that answers at once, no socket), on tokio's
//! paused clock. A round is one attempt of every wait. The CPU time of the runtime's thread
//! (`/proc/thread-self/schedstat`) over R rounds, minus the time the scripted Batch spent
//! writing its answers, divided by R: the SDK (request, signing, response parsing), the
//! poller (planning, sharing out) and the waits (acceptors, timers).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant as WallInstant};

use aws_sdk_batch::config::{
    BehaviorVersion, Credentials, HttpClient, Region, RuntimeComponents,
    StalledStreamProtectionConfig,
};
use aws_sdk_batch::{Client, Config};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use serde_json::Value;
use waiters_runtime::typed::JobComplete;
use waiters_runtime::{BatchWaiters, JobPoller};

/// The delay of every wait, so a round every 10 s of the benchmark clock.
const DELAY: Duration = Duration::from_secs(10);

/// Which waiter the waits run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Typed,
    RunTime,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Typed => "typed JobComplete",
            Self::RunTime => "run-time JobComplete",
        }
    }
}

/// CPU per round, for one kind of waiter and N waits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CpuRow {
    pub(crate) n: usize,
    pub(crate) kind: Kind,
    /// Median over the repeats, per round, for N waits.
    pub(crate) per_job: Duration,
    pub(crate) poller: Duration,
    /// DescribeJobs calls per round, each way.
    pub(crate) per_job_calls: f64,
    pub(crate) poller_calls: f64,
}

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let nanos = text
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(nanos)
}

/// Whether this machine reports per-thread CPU time.
pub(crate) fn available() -> bool {
    thread_cpu() > Duration::ZERO
}

/// Measures `kind` with and without the poller, alternating, `repeats` times each.
pub(crate) fn measure(n: usize, kind: Kind, rounds: u32, repeats: usize, job: &Value) -> CpuRow {
    let mut per_job = Vec::new();
    let mut poller = Vec::new();
    let mut calls = (0.0, 0.0);
    for _ in 0..repeats {
        let (cpu, c) = run(n, kind, false, rounds, job);
        per_job.push(cpu);
        calls.0 = c;
        let (cpu, c) = run(n, kind, true, rounds, job);
        poller.push(cpu);
        calls.1 = c;
    }
    CpuRow {
        n,
        kind,
        per_job: median(per_job),
        poller: median(poller),
        per_job_calls: calls.0,
        poller_calls: calls.1,
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// One measurement: CPU per round, and calls per round.
fn run(n: usize, kind: Kind, pooled: bool, rounds: u32, job: &Value) -> (Duration, f64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    let scripted = Scripted::new(n, job);
    runtime.block_on(async {
        let client = scripted.client();
        let poller = pooled.then(|| JobPoller::new(&client));
        for i in 0..n {
            let id = job_id(i);
            match kind {
                Kind::Typed => {
                    let mut waiter = JobComplete::new(&client)
                        .jobs(id)
                        .delay(DELAY)
                        .unlimited_attempts();
                    if let Some(poller) = &poller {
                        waiter = waiter.poller(poller);
                    }
                    tokio::spawn(async move { waiter.wait().await.is_ok() });
                }
                Kind::RunTime => {
                    let mut waiter = BatchWaiters::new(client.clone())
                        .get_waiter("JobComplete")
                        .expect("the bundled JobComplete");
                    waiter.config.delay = DELAY;
                    waiter.config.max_attempts = None;
                    if let Some(poller) = &poller {
                        waiter = waiter.poller(poller);
                    }
                    tokio::spawn(async move { waiter.wait([id]).await.is_ok() });
                }
            }
        }
        // Three rounds to warm up (at 0, 10 and 20 s), then R rounds measured.
        tokio::time::sleep(DELAY * 2 + DELAY / 2).await;
        let cpu = thread_cpu();
        let scripted_before = scripted.spent();
        let calls_before = scripted.calls();
        tokio::time::sleep(DELAY * rounds).await;
        let spent = thread_cpu()
            .saturating_sub(cpu)
            .saturating_sub(scripted.spent() - scripted_before);
        let calls = (scripted.calls() - calls_before) as f64 / f64::from(rounds);
        (spent / rounds, calls)
    })
    // Dropping the runtime cancels the waits (not measured).
}

fn job_id(i: usize) -> String {
    format!("cpu-job-{i:05}")
}

/// A Batch that answers DescribeJobs from prepared JSON, inside the process.
#[derive(Clone, Debug)]
struct Scripted {
    /// Each job's JSON, by id.
    jobs: Arc<HashMap<String, String>>,
    /// Nanoseconds spent answering.
    spent: Arc<AtomicU64>,
    calls: Arc<AtomicU64>,
}

impl Scripted {
    /// N copies of `job` (a RUNNING job as the local endpoint describes it), one per id.
    fn new(n: usize, job: &Value) -> Self {
        let jobs = (0..n)
            .map(|i| {
                let id = job_id(i);
                let mut job = job.clone();
                let arn = job["jobArn"]
                    .as_str()
                    .and_then(|arn| arn.rsplit_once('/'))
                    .map(|(prefix, _)| format!("{prefix}/{id}"))
                    .unwrap_or_default();
                job["jobId"] = id.clone().into();
                job["jobArn"] = arn.into();
                (id, job.to_string())
            })
            .collect();
        Self {
            jobs: Arc::new(jobs),
            spent: Arc::default(),
            calls: Arc::default(),
        }
    }

    fn spent(&self) -> Duration {
        Duration::from_nanos(self.spent.load(Ordering::Relaxed))
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn client(&self) -> Client {
        Client::from_conf(
            Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("AKID", "secret", None, None, "bench"))
                .endpoint_url("http://batch.scripted")
                .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
                .http_client(self.clone())
                .build(),
        )
    }

    fn answer(&self, request: &HttpRequest) -> String {
        let asked: Value = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let mut body = String::from("{\"jobs\":[");
        let ids = asked["jobs"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let mut first = true;
        for id in ids.iter().filter_map(Value::as_str) {
            if let Some(job) = self.jobs.get(id) {
                if !first {
                    body.push(',');
                }
                first = false;
                body.push_str(job);
            }
        }
        body.push_str("]}");
        body
    }
}

impl HttpClient for Scripted {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for Scripted {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let started = WallInstant::now();
        let body = self.answer(&request);
        let mut response = HttpResponse::new(
            StatusCode::try_from(200).expect("200 is a status"),
            SdkBody::from(body),
        );
        response
            .headers_mut()
            .insert("content-type", "application/json");
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.spent.fetch_add(
            u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        HttpConnectorFuture::ready(Ok(response))
    }
}

//! Conformance with botocore itself.
//!
//! `conformance/vectors/*.json` were recorded by running botocore's own waiter code on
//! scripted responses (`conformance/record.py`, with the botocore pinned in
//! `conformance/requirements.txt`; CI re-records them and fails on any drift). Every vector
//! is replayed here on tokio's paused clock:
//!
//! - through the run-time matching: `engine::wait`, with a classifier built on
//!   `WaiterModel` / `WaiterDefinition::first_match` as `BatchWaiter` builds it, and
//!   `WaiterConfig::botocore` (fixed delay, no transient retries);
//! - for the DescribeJobs models (Airflow's and the bundled one), also through
//!   `BatchWaiters` and through the typed waiters (`typed::*` for the bundled model,
//!   `waiters!` on Airflow's), over a mocked `aws-sdk-batch` client answering the same
//!   responses over HTTP.
//!
//! Each run must give what botocore gave: success or failure, the number of calls, the
//! reason and message, every sleep, the acceptor that matched (on each call where the path
//! shows it), and the last response. Where we differ on purpose the vector carries a
//! `deviation` naming the items of docs/botocore.md, with the result our documented rules give, and
//! that is what is asserted instead. Vectors whose responses include transient errors also
//! carry `default_config`: the result with our default transient-error retries, asserted
//! with `WaiterConfig::new`.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::retry::RetryConfig;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};
use tokio::time::Instant;
use waiters_runtime::config::TransientRetry;
use waiters_runtime::engine::Attempt;
use waiters_runtime::error::{AcceptorMatch, ErrorClass, OperationError};
use waiters_runtime::model::{Document, Observation, WaiterModel};
use waiters_runtime::{BatchWaiters, WaitError, Waited, WaiterConfig, engine, typed};

mod airflow {
    waiters_runtime::waiters!("../tests/fixtures/airflow-reference.json");
}

const AIRFLOW_JSON: &str = include_str!("../../tests/fixtures/airflow-reference.json");

/// The vector files, in the order they are replayed.
const FILES: [&str; 4] = ["airflow", "bundled", "handwritten", "corpus"];

/// Deviation kinds: the item of docs/botocore.md ("Where we differ from botocore, on purpose") each one
/// is, and how that item starts.
const DEVIATIONS: [(&str, u32, &str); 7] = [
    ("validation", 1, "**Validation up front.**"),
    ("transient-errors", 2, "**Transient errors are retried.**"),
    (
        "previously-accepted",
        5,
        "**\"Previously accepted state\"**",
    ),
    ("equality", 6, "**Equality**"),
    ("jmespath-error", 7, "A JMESPath run-time error"),
    (
        "string-ordering",
        8,
        "**Ordering comparisons are for numbers only.**",
    ),
    (
        "response-body",
        9,
        "**Path acceptors search the response body.**",
    ),
];

/// Vectors on which we differ from botocore although no README item says so, as
/// `(vector id, what differs)`. Each is a bug (or an undocumented deviation) that is
/// reported; the test checks that each still differs, so that a fix shows up here, and
/// prints them. Empty now: every difference is a README item. A vector that differs
/// without a deviation and is not listed here fails the test.
const UNDOCUMENTED: &[(&str, &str)] = &[];

// --- The vectors ------------------------------------------------------------------------

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// One scripted response.
#[derive(Clone, Debug)]
enum Scripted {
    Output {
        status: u16,
        body: Value,
    },
    Error {
        status: u16,
        code: String,
        message: String,
    },
}

impl Scripted {
    fn parse(value: &Value) -> Self {
        let status = u16::try_from(value["status"].as_u64().expect("a status")).expect("u16");
        match value.get("error") {
            Some(error) => Self::Error {
                status,
                code: error["code"].as_str().expect("a code").to_owned(),
                message: error["message"].as_str().expect("a message").to_owned(),
            },
            None => Self::Output {
                status,
                body: value["body"].clone(),
            },
        }
    }

    /// The HTTP response a Batch endpoint would send.
    fn http(&self) -> (u16, String) {
        match self {
            Self::Output { status, body } => (*status, body.to_string()),
            Self::Error {
                status,
                code,
                message,
            } => (
                *status,
                json!({"__type": code, "message": message}).to_string(),
            ),
        }
    }

    /// What botocore's client hands its waiter for this response (checked against the
    /// recorded `last_response`).
    fn as_botocore(&self) -> Value {
        match self {
            Self::Output { status, body } => {
                let mut parsed = body.clone();
                parsed["ResponseMetadata"] = json!({"HTTPStatusCode": status});
                parsed
            }
            Self::Error {
                status,
                code,
                message,
            } => json!({
                "Error": {"Code": code, "Message": message},
                "ResponseMetadata": {"HTTPStatusCode": status},
            }),
        }
    }

    fn last(&self) -> Last {
        match self {
            Self::Output { body, .. } => Last::Body(body.clone()),
            Self::Error {
                status,
                code,
                message,
            } => Last::Error {
                code: code.clone(),
                message: message.clone(),
                status: *status,
            },
        }
    }
}

/// A result to hold a run to: botocore's, or ours where we differ on purpose.
#[derive(Clone, Debug)]
struct Expected {
    /// `success`, `failure`, `exception` (botocore only) or `load-error` (ours only).
    outcome: String,
    calls: u32,
    reason: Option<String>,
    message: Option<String>,
    sleeps: Vec<f64>,
    matched: Vec<Option<usize>>,
    /// For `load-error`: the JSON path the model error names.
    path: Option<String>,
    /// For `exception`: what botocore raised.
    exception: Option<String>,
}

impl Expected {
    fn parse(value: &Value) -> Self {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        Self {
            outcome: text("outcome").expect("an outcome"),
            calls: value
                .get("calls")
                .and_then(Value::as_u64)
                .map_or(0, |n| u32::try_from(n).expect("few calls")),
            reason: text("reason"),
            message: text("message"),
            sleeps: value
                .get("sleeps")
                .and_then(Value::as_array)
                .map(|s| s.iter().map(|x| x.as_f64().expect("seconds")).collect())
                .unwrap_or_default(),
            matched: value
                .get("matched")
                .and_then(Value::as_array)
                .map(|m| {
                    m.iter()
                        .map(|i| i.as_u64().map(|i| usize::try_from(i).expect("index")))
                        .collect()
                })
                .unwrap_or_default(),
            path: text("path"),
            exception: text("exception"),
        }
    }

    /// The acceptor our error or success names: the one that matched last.
    fn named_acceptor(&self) -> Option<usize> {
        match self.reason.as_deref() {
            Some(r) if r.starts_with("An error occurred") => None,
            _ => self.matched.iter().rev().find_map(|m| *m),
        }
    }
}

#[derive(Clone, Debug)]
struct Vector {
    id: String,
    model: String,
    waiter: String,
    jobs: Vec<String>,
    override_config: bool,
    /// The delay and attempt budget as recorded: a model we reject may have a negative,
    /// fractional or string one.
    recorded_delay: Value,
    recorded_max_attempts: Value,
    responses: Vec<Scripted>,
    botocore: Expected,
    botocore_last: Value,
    /// Deviation kinds and README items, when we differ on purpose.
    deviation: Option<(Vec<String>, Vec<u32>)>,
    /// What we must do with `WaiterConfig::botocore`.
    expected: Expected,
    /// What we must do with the default transient retries, when that differs.
    default_config: Option<Expected>,
}

impl Vector {
    fn parse(value: &Value) -> Self {
        let id = value["id"].as_str().expect("an id").to_owned();
        let botocore = Expected::parse(&value["botocore"]);
        let deviation = value.get("deviation").map(|d| {
            let kinds = d["kinds"]
                .as_array()
                .expect("kinds")
                .iter()
                .map(|k| k.as_str().expect("a kind").to_owned())
                .collect();
            let items = d["readme"]
                .as_array()
                .expect("readme items")
                .iter()
                .map(|n| u32::try_from(n.as_u64().expect("an item")).expect("small"))
                .collect();
            (kinds, items)
        });
        let expected = match value.get("deviation") {
            Some(d) => Expected::parse(&d["ours"]),
            None => botocore.clone(),
        };
        let config = &value["config"];
        Self {
            model: value["model"].as_str().expect("a model").to_owned(),
            waiter: value["waiter"].as_str().expect("a waiter").to_owned(),
            jobs: value["input"]
                .get("jobs")
                .and_then(Value::as_array)
                .map(|j| {
                    j.iter()
                        .map(|x| x.as_str().expect("a job id").to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            override_config: config["override"].as_bool().expect("override"),
            recorded_delay: config["delay"].clone(),
            recorded_max_attempts: config["max_attempts"].clone(),
            responses: value["responses"]
                .as_array()
                .expect("responses")
                .iter()
                .map(Scripted::parse)
                .collect(),
            botocore_last: value["botocore"]["last_response"].clone(),
            default_config: value
                .get("default_config")
                .map(|d| Expected::parse(&d["ours"])),
            botocore,
            deviation,
            expected,
            id,
        }
    }

    fn delay(&self) -> Duration {
        let seconds = self.recorded_delay.as_f64();
        Duration::from_secs_f64(seconds.expect("a delay in seconds"))
    }

    fn max_attempts(&self) -> u32 {
        let attempts = self.recorded_max_attempts.as_u64();
        u32::try_from(attempts.expect("a whole attempt budget")).expect("a u32 budget")
    }

    fn botocore_config(&self) -> WaiterConfig {
        WaiterConfig::botocore(self.delay(), self.max_attempts())
    }

    fn default_config(&self) -> WaiterConfig {
        WaiterConfig::new(self.delay(), Some(self.max_attempts()))
    }

    /// The response of call `n` (1-based); the last scripted one repeats.
    fn response(&self, n: u32) -> &Scripted {
        let index = usize::try_from(n.max(1) - 1).expect("usize");
        &self.responses[index.min(self.responses.len() - 1)]
    }
}

struct VectorFile {
    name: &'static str,
    models: BTreeMap<String, Value>,
    vectors: Vec<Vector>,
}

fn load(name: &'static str) -> VectorFile {
    let path = repo_root()
        .join("conformance/vectors")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let document: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    assert_eq!(
        document["generator"],
        "conformance/record.py",
        "{}",
        path.display()
    );
    let recorded_with = document["recorded_with"].as_str().expect("recorded_with");
    assert!(
        recorded_with.starts_with("botocore "),
        "{name}: recorded with {recorded_with}"
    );
    let models = document["models"]
        .as_object()
        .expect("models")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let vectors: Vec<Vector> = document["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .map(|v| {
            assert_eq!(v["recorded_with"], recorded_with, "{}", v["id"]);
            Vector::parse(v)
        })
        .collect();
    assert!(!vectors.is_empty(), "{name} has no vectors");
    VectorFile {
        name,
        models,
        vectors,
    }
}

fn load_all() -> Vec<VectorFile> {
    FILES.into_iter().map(load).collect()
}

// --- What a run of ours gave -----------------------------------------------------------

/// The last response as a run of ours kept it.
#[derive(Clone, Debug, PartialEq)]
enum Last {
    /// The JSON body (run-time matching keeps it).
    Body(Value),
    /// The job ids of a typed `DescribeJobsOutput`.
    JobIds(Vec<String>),
    Error {
        code: String,
        message: String,
        status: u16,
    },
}

impl Last {
    fn of_error<E: OperationError>(error: &E) -> Self {
        match error.class() {
            ErrorClass::Service {
                code,
                message,
                status,
            } => Self::Error {
                code: code.unwrap_or_default().to_owned(),
                message: message.unwrap_or_default().to_owned(),
                status: status.unwrap_or_default(),
            },
            other => Self::Error {
                code: format!("{other:?}"),
                message: error.describe(),
                status: 0,
            },
        }
    }

    /// Compares with the scripted response; a typed output is compared by its job ids.
    fn matches(&self, scripted: &Scripted) -> bool {
        match (self, scripted.last()) {
            (Self::JobIds(ids), Last::Body(body)) => {
                let scripted: Vec<String> = body["jobs"]
                    .as_array()
                    .map(|jobs| {
                        jobs.iter()
                            .filter_map(|j| j["jobId"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                *ids == scripted
            }
            (ours, scripted) => *ours == scripted,
        }
    }
}

/// How one run of ours ended.
#[derive(Debug)]
struct Observed {
    outcome: &'static str,
    calls: u32,
    reason: Option<String>,
    message: Option<String>,
    /// The sleeps, from the observer's `next_poll` or from the times of the calls.
    sleeps: Vec<Duration>,
    /// The acceptor that matched on each call, where the run shows it.
    matched: Option<Vec<Option<usize>>>,
    /// The acceptor the result names (`Waited::acceptor`, `WaitError::acceptor`).
    acceptor: Option<usize>,
    last: Option<Last>,
    elapsed: Duration,
}

/// How a wait ended; `started` is when it started (on the paused clock).
fn observe<O, E>(
    result: Result<Waited<O, E>, WaitError<O, E>>,
    started: Instant,
    last: impl Fn(&Result<O, E>) -> Last,
) -> Observed {
    let elapsed = started.elapsed();
    match result {
        Ok(waited) => Observed {
            outcome: "success",
            calls: waited.attempts(),
            reason: None,
            message: None,
            sleeps: Vec::new(),
            matched: None,
            acceptor: Some(waited.acceptor().index),
            last: Some(last(waited.response())),
            elapsed,
        },
        Err(error) => Observed {
            outcome: "failure",
            calls: error.attempts(),
            reason: Some(error.reason().to_string()),
            message: Some(error.to_string()),
            sleeps: Vec::new(),
            matched: None,
            acceptor: error.acceptor().map(|a| a.index),
            last: error.last_response().map(last),
            elapsed,
        },
    }
}

/// What an observer saw of each attempt: the acceptor that matched and the next sleep.
type Seen = Vec<(Option<usize>, Option<Duration>)>;

fn record_attempt<O, E>(seen: &mut Seen, attempt: &Attempt<'_, O, E>) {
    seen.push((attempt.matched.map(|m| m.index), attempt.next_poll));
}

fn with_seen(mut observed: Observed, seen: &Seen) -> Observed {
    observed.matched = Some(seen.iter().map(|(m, _)| *m).collect());
    observed.sleeps = seen.iter().filter_map(|(_, s)| *s).collect();
    observed
}

/// The sleeps between calls, from the (paused-clock) times at which they reached the
/// mocked endpoint.
fn sleeps_between(times: &[Instant]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Every way `observed` differs from `expected`.
fn differences(vector: &Vector, expected: &Expected, observed: &Observed) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |what: &str, same: bool, want: String, got: String| {
        if !same {
            out.push(format!("{what}: expected {want}, got {got}"));
        }
    };
    check(
        "outcome",
        expected.outcome == observed.outcome,
        expected.outcome.clone(),
        observed.outcome.to_owned(),
    );
    check(
        "calls",
        expected.calls == observed.calls,
        expected.calls.to_string(),
        observed.calls.to_string(),
    );
    check(
        "reason",
        expected.reason == observed.reason,
        format!("{:?}", expected.reason),
        format!("{:?}", observed.reason),
    );
    check(
        "message",
        expected.message == observed.message,
        format!("{:?}", expected.message),
        format!("{:?}", observed.message),
    );
    let sleeps: Vec<f64> = observed.sleeps.iter().map(Duration::as_secs_f64).collect();
    check(
        "sleeps",
        expected.sleeps == sleeps,
        format!("{:?}", expected.sleeps),
        format!("{sleeps:?}"),
    );
    let total: f64 = expected.sleeps.iter().sum();
    check(
        "elapsed (paused clock)",
        (observed.elapsed.as_secs_f64() - total).abs() < 1e-9,
        format!("{total}s"),
        format!("{:?}", observed.elapsed),
    );
    if let Some(matched) = &observed.matched {
        check(
            "acceptor matched on each call",
            *matched == expected.matched,
            format!("{:?}", expected.matched),
            format!("{matched:?}"),
        );
    }
    check(
        "acceptor named by the result",
        observed.acceptor == expected.named_acceptor(),
        format!("{:?}", expected.named_acceptor()),
        format!("{:?}", observed.acceptor),
    );
    let scripted = vector.response(expected.calls);
    check(
        "last response",
        observed.last.as_ref().is_some_and(|l| l.matches(scripted)),
        format!("{:?}", scripted.last()),
        format!("{:?}", observed.last),
    );
    out
}

// --- Run-time matching on the engine ----------------------------------------------------

#[derive(Clone, Debug)]
struct ScriptOutput {
    status: u16,
    body: Value,
    document: Document,
}

#[derive(Clone, Debug)]
struct ScriptError {
    status: u16,
    code: String,
    message: String,
}

impl OperationError for ScriptError {
    fn class(&self) -> ErrorClass<'_> {
        ErrorClass::Service {
            code: Some(&self.code),
            message: Some(&self.message),
            status: Some(self.status),
        }
    }

    fn describe(&self) -> String {
        format!("{} ({}): {}", self.code, self.status, self.message)
    }
}

fn script_result(scripted: &Scripted) -> Result<ScriptOutput, ScriptError> {
    match scripted {
        Scripted::Output { status, body } => Ok(ScriptOutput {
            status: *status,
            body: body.clone(),
            document: Document::new(body),
        }),
        Scripted::Error {
            status,
            code,
            message,
        } => Err(ScriptError {
            status: *status,
            code: code.clone(),
            message: message.clone(),
        }),
    }
}

/// Runs the vector's waiter on `engine::wait` with run-time matching, as `BatchWaiter`
/// classifies responses.
async fn run_engine(model: &WaiterModel, vector: &Vector, config: &WaiterConfig) -> Observed {
    let definition = model
        .waiter(&vector.waiter)
        .expect("the waiter is in its model");
    if !vector.override_config {
        assert_eq!(definition.delay(), vector.delay(), "{}", vector.id);
        assert_eq!(
            definition.max_attempts(),
            vector.max_attempts(),
            "{}",
            vector.id
        );
    }
    let explanations: Vec<String> = definition
        .acceptors()
        .iter()
        .map(|a| a.explanation())
        .collect();
    let calls = Cell::new(0u32);
    let operation = || {
        calls.set(calls.get() + 1);
        let result = script_result(vector.response(calls.get()));
        async move { result }
    };
    let classify = |response: &Result<ScriptOutput, ScriptError>| {
        let observation = match response {
            Ok(output) => Observation::Output {
                status: Some(output.status),
                document: &output.document,
            },
            Err(error) => Observation::ServiceError {
                status: Some(error.status),
                code: &error.code,
            },
        };
        let (index, acceptor) = definition.first_match(&observation)?;
        Some(AcceptorMatch {
            index,
            state: acceptor.state,
            explanation: explanations[index].clone().into(),
        })
    };
    let mut seen = Seen::new();
    let started = Instant::now();
    let result = engine::wait(
        vector.waiter.clone(),
        config,
        operation,
        classify,
        |attempt: &Attempt<'_, ScriptOutput, ScriptError>| record_attempt(&mut seen, attempt),
    )
    .await;
    let observed = observe(result, started, |response| match response {
        Ok(output) => Last::Body(output.body.clone()),
        Err(error) => Last::of_error(error),
    });
    with_seen(observed, &seen)
}

// --- aws-sdk-batch: BatchWaiters and the typed waiters ----------------------------------

/// A Batch client answering the scripted responses in order (the last repeats) over
/// HTTP, with the SDK's own retries off; records when each call arrives.
fn batch_client(responses: &[Scripted]) -> (Client, Arc<Mutex<Vec<Instant>>>) {
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut sequence = mock!(Client::describe_jobs).sequence();
    for response in responses {
        let (status, body) = response.http();
        let times = Arc::clone(&times);
        sequence = sequence.http_response(move || {
            times.lock().expect("not poisoned").push(Instant::now());
            HttpResponse::new(
                StatusCode::try_from(status).expect("a status code"),
                SdkBody::from(body.clone()),
            )
        });
    }
    let rule = sequence.repeatedly().build();
    let client = mock_client!(aws_sdk_batch, RuleMode::Sequential, &[&rule], |config| {
        config.retry_config(RetryConfig::disabled())
    });
    (client, times)
}

fn call_times(times: &Arc<Mutex<Vec<Instant>>>) -> Vec<Instant> {
    times.lock().expect("not poisoned").clone()
}

/// Runs the vector through `BatchWaiters` built from the vector's model.
async fn run_batch_waiters(model: &Value, vector: &Vector, botocore_config: bool) -> Observed {
    let (client, times) = batch_client(&vector.responses);
    let waiters = BatchWaiters::with_config(client, model).expect("a DescribeJobs model");
    let mut waiter = waiters
        .get_waiter(&vector.waiter)
        .expect("the waiter is in its model");
    if vector.override_config {
        waiter.config.delay = vector.delay();
        waiter.config.max_attempts = Some(vector.max_attempts());
    } else {
        assert_eq!(waiter.config.delay, vector.delay(), "{}", vector.id);
        assert_eq!(
            waiter.config.max_attempts,
            Some(vector.max_attempts()),
            "{}",
            vector.id
        );
    }
    if botocore_config {
        waiter.config = WaiterConfig::botocore(
            waiter.config.delay,
            waiter.config.max_attempts.expect("a budget"),
        );
    }
    let mut seen = Seen::new();
    let started = Instant::now();
    let result = waiter
        .wait_observed(vector.jobs.clone(), |attempt: &Attempt<'_, _, _>| {
            record_attempt(&mut seen, attempt)
        })
        .await;
    let observed = observe(result, started, |response| match response {
        Ok(r) => Last::Body(r.body.clone()),
        Err(e) => Last::of_error(e),
    });
    let observed = with_seen(observed, &seen);
    // The observer's next_poll and the arrival times of the calls tell the same story.
    assert_eq!(
        observed.sleeps,
        sleeps_between(&call_times(&times)),
        "{}: the observer's next_poll vs the times of the calls",
        vector.id
    );
    observed
}

/// Runs one typed waiter type on the vector.
macro_rules! run_typed {
    ($waiter:ty, $client:expr, $vector:expr, $botocore:expr) => {{
        let mut waiter = <$waiter>::new(&$client);
        for id in &$vector.jobs {
            waiter = waiter.jobs(id.clone());
        }
        if $vector.override_config {
            waiter = waiter
                .delay($vector.delay())
                .max_attempts($vector.max_attempts());
        }
        if $botocore {
            waiter = waiter.transient_errors(TransientRetry::Disabled);
        }
        let started = Instant::now();
        observe(waiter.wait().await, started, |response| match response {
            Ok(output) => Last::JobIds(
                output
                    .jobs()
                    .iter()
                    .filter_map(|j| j.job_id().map(str::to_owned))
                    .collect(),
            ),
            Err(e) => Last::of_error(e),
        })
    }};
}

/// Runs the vector through the typed waiter generated from its model.
async fn run_typed(file: &str, vector: &Vector, botocore_config: bool) -> Observed {
    let (client, times) = batch_client(&vector.responses);
    let observed = match (file, vector.waiter.as_str()) {
        ("bundled", "JobExists") => run_typed!(typed::JobExists, client, vector, botocore_config),
        ("bundled", "JobRunning") => {
            run_typed!(typed::JobRunning, client, vector, botocore_config)
        }
        ("bundled", "JobComplete") => {
            run_typed!(typed::JobComplete, client, vector, botocore_config)
        }
        ("airflow", "JobExists") => run_typed!(airflow::JobExists, client, vector, botocore_config),
        ("airflow", "JobRunning") => {
            run_typed!(airflow::JobRunning, client, vector, botocore_config)
        }
        ("airflow", "JobComplete") => {
            run_typed!(airflow::JobComplete, client, vector, botocore_config)
        }
        (file, waiter) => panic!("no typed waiter for {file}/{waiter}"),
    };
    Observed {
        sleeps: sleeps_between(&call_times(&times)),
        ..observed
    }
}

// --- Replaying --------------------------------------------------------------------------

/// Counts and problems of one way of running the vectors.
#[derive(Default)]
struct Tally {
    replayed: usize,
    agreed: usize,
    deviations: BTreeMap<String, usize>,
    default_config: usize,
    problems: Vec<String>,
    undocumented_seen: Vec<String>,
}

impl Tally {
    fn judge(&mut self, vector: &Vector, how: &str, diffs: Vec<String>, documented: bool) {
        if let Some((_, why)) = UNDOCUMENTED.iter().find(|(id, _)| *id == vector.id) {
            if diffs.is_empty() {
                self.problems.push(format!(
                    "{} ({how}): listed in UNDOCUMENTED but now agrees with botocore: remove it",
                    vector.id
                ));
            } else {
                self.undocumented_seen.push(format!(
                    "{} ({how}): {why}\n      {}",
                    vector.id,
                    diffs.join("\n      ")
                ));
            }
            return;
        }
        if diffs.is_empty() {
            if !documented {
                return;
            }
            match &vector.deviation {
                Some((kinds, _)) => {
                    for kind in kinds {
                        *self.deviations.entry(kind.clone()).or_default() += 1;
                    }
                }
                None => self.agreed += 1,
            }
        } else {
            let mut text = format!("{} ({how}):", vector.id);
            for d in diffs {
                let _ = write!(text, "\n    {d}");
            }
            self.problems.push(text);
        }
    }

    fn report(&self, how: &str) {
        println!(
            "{how}: {} vectors replayed; {} agree with botocore; documented deviations {:?}; \
             {} default-config (transient retry) replays as documented; {} undocumented differences",
            self.replayed,
            self.agreed,
            self.deviations,
            self.default_config,
            self.undocumented_seen.len()
        );
        for line in &self.undocumented_seen {
            println!("  UNDOCUMENTED {line}");
        }
    }

    fn finish(self, how: &str) {
        self.report(how);
        assert!(
            self.problems.is_empty(),
            "{how}: {} vectors differ from botocore (or from our documented deviation):\n{}",
            self.problems.len(),
            self.problems.join("\n")
        );
    }
}

/// The recorded data is consistent: botocore's last response is the scripted response of
/// its last call, deviations name README items, and botocore only raised where a README
/// item says we do not.
fn check_vector(vector: &Vector) {
    if vector.botocore.calls > 0 {
        assert_eq!(
            vector.botocore_last,
            vector.response(vector.botocore.calls).as_botocore(),
            "{}: botocore's last response",
            vector.id
        );
    }
    if vector.botocore.outcome == "exception" {
        assert!(
            vector.deviation.is_some(),
            "{}: botocore raised {:?} and no deviation is recorded",
            vector.id,
            vector.botocore.exception
        );
    }
    if let Some((kinds, items)) = &vector.deviation {
        assert!(!kinds.is_empty(), "{}", vector.id);
        let want: Vec<u32> = kinds
            .iter()
            .map(|k| {
                DEVIATIONS
                    .iter()
                    .find(|(kind, ..)| kind == k)
                    .unwrap_or_else(|| panic!("{}: unknown deviation kind {k}", vector.id))
                    .1
            })
            .collect();
        assert_eq!(*items, want, "{}: README items", vector.id);
    }
}

#[test]
fn deviations_name_readme_items() {
    let guide =
        std::fs::read_to_string(repo_root().join("docs/botocore.md")).expect("docs/botocore.md");
    let section = guide
        .split("## Where we differ from botocore, on purpose")
        .nth(1)
        .expect("the guide lists the deliberate differences")
        .split("\n## ")
        .next()
        .expect("the section");
    for (kind, item, title) in DEVIATIONS {
        let start = format!("\n{item}. {title}");
        assert!(
            section.contains(&start),
            "README item {item} should start with {title} (deviation kind {kind})"
        );
    }
    let mut kinds = BTreeMap::<String, usize>::new();
    let mut total = 0;
    for file in load_all() {
        for vector in &file.vectors {
            total += 1;
            check_vector(vector);
            for kind in vector.deviation.iter().flat_map(|(k, _)| k) {
                *kinds.entry(kind.clone()).or_default() += 1;
            }
            if vector.default_config.is_some() {
                *kinds.entry("transient-errors".into()).or_default() += 1;
            }
        }
    }
    println!("{total} vectors; deviations by kind: {kinds:?}");
    assert!(total >= 300, "only {total} vectors");
    for (kind, ..) in DEVIATIONS {
        assert!(
            kinds.contains_key(kind),
            "no vector shows the deviation {kind}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn engine_replays_botocore() {
    let mut tally = Tally::default();
    let mut default_tally = Tally::default();
    for file in load_all() {
        for vector in &file.vectors {
            tally.replayed += 1;
            let json = &file.models[&vector.model];
            let model = WaiterModel::from_json(json);
            if vector.expected.outcome == "load-error" {
                let path = vector.expected.path.as_deref().expect("a path");
                let diffs = match model {
                    Ok(_) => vec![format!("the model loaded; expected an error at {path}")],
                    Err(e) if e.problems().iter().any(|p| p.path.as_str() == path) => vec![],
                    Err(e) => vec![format!("the model error does not name {path}: {e}")],
                };
                tally.judge(vector, "engine", diffs, true);
                continue;
            }
            let model = match model {
                Ok(model) => model,
                Err(e) => {
                    tally.judge(
                        vector,
                        "engine",
                        vec![format!("the model does not load: {e}")],
                        true,
                    );
                    continue;
                }
            };
            let observed = run_engine(&model, vector, &vector.botocore_config()).await;
            let diffs = differences(vector, &vector.expected, &observed);
            tally.judge(vector, "engine", diffs, true);
            if let Some(expected) = &vector.default_config {
                default_tally.replayed += 1;
                let observed = run_engine(&model, vector, &vector.default_config()).await;
                let diffs = differences(vector, expected, &observed);
                if diffs.is_empty() {
                    tally.default_config += 1;
                }
                default_tally.judge(vector, "engine, default config", diffs, false);
            }
        }
        println!("{}: replayed", file.name);
    }
    tally.problems.append(&mut default_tally.problems);
    tally.finish("engine::wait + WaiterModel");
}

/// The DescribeJobs vector files, with the model each one is about.
fn batch_files() -> Vec<VectorFile> {
    let files: Vec<VectorFile> = ["airflow", "bundled"].into_iter().map(load).collect();
    for file in &files {
        let source = match file.name {
            "airflow" => AIRFLOW_JSON,
            _ => waiters_runtime::batch::DEFAULT_MODEL_JSON,
        };
        let source: Value = serde_json::from_str(source).expect("JSON");
        assert_eq!(
            file.models[file.name], source,
            "{}: the vectors were recorded on another model than the typed waiters have: \
             re-record with conformance/record.sh",
            file.name
        );
        assert!(
            file.vectors.iter().all(|v| v.model == file.name),
            "{}",
            file.name
        );
    }
    files
}

#[tokio::test(start_paused = true)]
async fn batch_waiters_replay_botocore() {
    let mut tally = Tally::default();
    let mut default_tally = Tally::default();
    for file in batch_files() {
        let model = &file.models[file.name];
        for vector in &file.vectors {
            tally.replayed += 1;
            let observed = run_batch_waiters(model, vector, true).await;
            let diffs = differences(vector, &vector.expected, &observed);
            tally.judge(vector, "BatchWaiters", diffs, true);
            if let Some(expected) = &vector.default_config {
                default_tally.replayed += 1;
                let observed = run_batch_waiters(model, vector, false).await;
                let diffs = differences(vector, expected, &observed);
                if diffs.is_empty() {
                    tally.default_config += 1;
                }
                default_tally.judge(vector, "BatchWaiters, default config", diffs, false);
            }
        }
    }
    tally.problems.append(&mut default_tally.problems);
    tally.finish("BatchWaiters over aws-sdk-batch");
}

#[tokio::test(start_paused = true)]
async fn typed_waiters_replay_botocore() {
    let mut tally = Tally::default();
    let mut default_tally = Tally::default();
    for file in batch_files() {
        for vector in &file.vectors {
            tally.replayed += 1;
            let observed = run_typed(file.name, vector, true).await;
            let diffs = differences(vector, &vector.expected, &observed);
            tally.judge(vector, "typed", diffs, true);
            if let Some(expected) = &vector.default_config {
                default_tally.replayed += 1;
                let observed = run_typed(file.name, vector, false).await;
                let diffs = differences(vector, expected, &observed);
                if diffs.is_empty() {
                    tally.default_config += 1;
                }
                default_tally.judge(vector, "typed, default config", diffs, false);
            }
        }
    }
    tally.problems.append(&mut default_tally.problems);
    tally.finish("typed waiters (waiters!) over aws-sdk-batch");
}

//! Job state events: the local endpoint publishing to a fake EventBridge (an axum router
//! on 127.0.0.1 that records the `PutEvents` bodies), on tokio's paused clock.
//!
//! Job phases last an hour, so every event time is exact and nothing depends on how
//! fast this machine is.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_batch::config::timeout::TimeoutConfig;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use waiters_local::{
    EventCounters, EventFaultKind, EventFaultRule, FaultSchedule, JobProfile, LocalBatch,
};

const HOUR: Duration = Duration::from_secs(3600);

/// What the fake does with each entry.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Answer {
    Accept,
    /// Every entry rejected with an error code (FailedEntryCount = entries).
    RejectEntries,
    /// HTTP 400 for the whole call.
    Fail,
}

struct Fake {
    entries: mpsc::UnboundedSender<Value>,
    calls: Mutex<Vec<Value>>,
    answer: Answer,
}

/// A fake EventBridge: `POST /` with `X-Amz-Target: AWSEvents.PutEvents` (awsJson1_1).
struct FakeEventBridge {
    url: String,
    entries: mpsc::UnboundedReceiver<Value>,
    state: Arc<Fake>,
}

async fn put_events(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    if target != Some("AWSEvents.PutEvents") {
        return (
            StatusCode::BAD_REQUEST,
            format!("unexpected target {target:?}"),
        )
            .into_response();
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    fake.calls.lock().unwrap().push(request.clone());
    let entries = request["Entries"].as_array().cloned().unwrap_or_default();
    let answer = match fake.answer {
        Answer::Fail => {
            let body = json!({"__type": "ValidationException", "message": "refused by the fake"});
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
                body.to_string(),
            )
                .into_response();
        }
        Answer::Accept => {
            let results: Vec<Value> = (0..entries.len())
                .map(|i| json!({"EventId": format!("event-{i}")}))
                .collect();
            json!({"FailedEntryCount": 0, "Entries": results})
        }
        Answer::RejectEntries => {
            let results: Vec<Value> = entries
                .iter()
                .map(|_| json!({"ErrorCode": "InternalFailure", "ErrorMessage": "fake"}))
                .collect();
            json!({"FailedEntryCount": entries.len(), "Entries": results})
        }
    };
    for entry in entries {
        let _ = fake.entries.send(entry);
    }
    (
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
        answer.to_string(),
    )
        .into_response()
}

impl FakeEventBridge {
    async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::unbounded_channel();
        let state = Arc::new(Fake {
            entries: tx,
            calls: Mutex::new(Vec::new()),
            answer,
        });
        let router = Router::new()
            .fallback(put_events)
            .with_state(Arc::clone(&state));
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            url,
            entries: rx,
            state,
        }
    }

    /// A client with timeouts off: on the paused clock a pending timeout could fire
    /// while the call waits on I/O.
    fn client(&self) -> aws_sdk_eventbridge::Client {
        let config = aws_sdk_eventbridge::Config::builder()
            .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
            .region(aws_sdk_eventbridge::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_eventbridge::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            .endpoint_url(&self.url)
            .timeout_config(TimeoutConfig::disabled())
            .retry_config(aws_sdk_eventbridge::config::retry::RetryConfig::disabled())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        aws_sdk_eventbridge::Client::from_conf(config)
    }

    /// The next `n` entries published, in the order they arrived.
    async fn next(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::new();
        while out.len() < n {
            let entry = tokio::time::timeout(HOUR * 100, self.entries.recv())
                .await
                .expect("an event within 100 hours of server time")
                .expect("the fake is running");
            out.push(entry);
        }
        out
    }

    /// Whatever arrives within `within` of tokio time.
    async fn rest(&mut self, within: Duration) -> Vec<Value> {
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + within;
        while let Ok(Some(entry)) = tokio::time::timeout_at(deadline, self.entries.recv()).await {
            out.push(entry);
        }
        out
    }

    fn calls(&self) -> Vec<Value> {
        self.state.calls.lock().unwrap().clone()
    }
}

async fn server(fake: &FakeEventBridge) -> LocalBatch {
    LocalBatch::builder()
        .default_profile(JobProfile::default().with_every_phase(HOUR))
        .eventbridge_client(fake.client())
        .start()
        .await
        .expect("server starts")
}

fn batch_client(server: &LocalBatch) -> aws_sdk_batch::Client {
    aws_sdk_batch::Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    )
}

async fn submit(client: &aws_sdk_batch::Client, parameters: &[(&str, &str)]) -> (String, String) {
    let mut request = client
        .submit_job()
        .job_name("evented")
        .job_queue("queue")
        .job_definition("definition");
    for (key, value) in parameters {
        request = request.parameters(*key, *value);
    }
    let output = request.send().await.expect("SubmitJob");
    (
        output.job_id().unwrap().to_owned(),
        output.job_arn().unwrap().to_owned(),
    )
}

/// The event's `detail`, parsed.
fn detail(entry: &Value) -> Value {
    serde_json::from_str(entry["Detail"].as_str().expect("Detail is a string")).unwrap()
}

fn statuses(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| detail(e)["status"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn times(entries: &[Value]) -> Vec<i64> {
    entries
        .iter()
        .map(|e| e["Time"].as_f64().expect("Time is epoch seconds") as i64)
        .collect()
}

/// `POST /v1/describejobs` by hand, for the body exactly as the endpoint sends it.
async fn describe_raw(server: &LocalBatch, job_id: &str) -> String {
    let body = json!({"jobs": [job_id]}).to_string();
    let request = format!(
        "POST /v1/describejobs HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        server.local_addr(),
        body.len()
    );
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (_, body) = response.split_once("\r\n\r\n").expect("a body");
    body.to_owned()
}

#[tokio::test(start_paused = true)]
async fn every_change_after_submitted_is_published_with_its_time_and_document() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let client = batch_client(&server);
    let (job_id, job_arn) = submit(&client, &[]).await;

    let events = fake.next(5).await;
    assert_eq!(
        statuses(&events),
        ["PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    );
    for event in &events {
        assert_eq!(event["Source"], "aws.batch");
        assert_eq!(event["DetailType"], "Batch Job State Change");
        assert_eq!(event["Resources"], json!([job_arn]));
        let detail = detail(event);
        assert_eq!(detail["jobId"], job_id.as_str());
        assert_eq!(detail["jobArn"], job_arn.as_str());
        assert!(event.get("EventBusName").is_none());
    }
    // One hour apart, in whole seconds, the first an hour after submission.
    let times = times(&events);
    let created_at = detail(&events[0])["createdAt"].as_i64().unwrap();
    assert_eq!(times[0], (created_at + 3_600_000).div_euclid(1000));
    assert!(times.windows(2).all(|w| w[1] - w[0] == 3600), "{times:?}");
    // The document grows as DescribeJobs' does: no startedAt before RUNNING, an exit
    // code at the end.
    assert!(detail(&events[2]).get("startedAt").is_none());
    assert!(detail(&events[3]).get("startedAt").is_some());
    assert_eq!(detail(&events[4])["container"]["exitCode"], 0);

    // The last detail is the DescribeJobs document, byte for byte.
    let described = describe_raw(&server, &job_id).await;
    let last = events[4]["Detail"].as_str().unwrap();
    assert_eq!(described, format!(r#"{{"jobs":[{last}]}}"#));

    // Nothing more, ever; and the counters agree.
    assert!(fake.rest(HOUR * 24).await.is_empty());
    assert_eq!(
        server.event_counters(),
        EventCounters {
            state_changes: 5,
            published: 5,
            put_events_calls: 5,
            ..EventCounters::default()
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_clock_jump_sends_each_change_in_order_with_its_own_time() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let client = batch_client(&server);
    let (first, _) = submit(&client, &[]).await;
    let (second, _) = submit(
        &client,
        &[("local:outcome", "FAILED"), ("local:exitCode", "3")],
    )
    .await;
    server.advance_clock(HOUR * 10);

    let events = fake.next(10).await;
    let ids: Vec<String> = events
        .iter()
        .map(|e| detail(e)["jobId"].as_str().unwrap().to_owned())
        .collect();
    // Interleaved by time: each hour both jobs change.
    for pair in ids.chunks(2) {
        assert_eq!(pair, [first.clone(), second.clone()]);
    }
    let mut of_second: Vec<Value> = events
        .iter()
        .filter(|e| detail(e)["jobId"] == second.as_str())
        .cloned()
        .collect();
    assert_eq!(
        statuses(&of_second),
        ["PENDING", "RUNNABLE", "STARTING", "RUNNING", "FAILED"]
    );
    let times = times(&of_second);
    assert!(times.windows(2).all(|w| w[1] - w[0] == 3600), "{times:?}");
    let last = detail(&of_second.remove(4));
    assert_eq!(last["container"]["exitCode"], 3);
    // Ten changes found in one wake-up: one PutEvents call of ten entries.
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn zero_length_phases_send_nothing_and_a_stop_ends_the_stream() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let client = batch_client(&server);
    let (job_id, _) = submit(
        &client,
        &[("local:pendingMillis", "0"), ("local:startingMillis", "0")],
    )
    .await;
    // SUBMITTED 1 h, RUNNABLE 1 h, RUNNING from 2 h on.
    let events = fake.next(2).await;
    assert_eq!(statuses(&events), ["RUNNABLE", "RUNNING"]);
    tokio::time::advance(HOUR / 2).await;
    client
        .terminate_job()
        .job_id(&job_id)
        .reason("stop it")
        .send()
        .await
        .expect("TerminateJob");
    let stopped = fake.next(1).await;
    assert_eq!(statuses(&stopped), ["FAILED"]);
    let detail = detail(&stopped[0]);
    assert_eq!(detail["isTerminated"], true);
    assert_eq!(detail["statusReason"], "stop it");
    assert_eq!(times(&stopped)[0] - times(&events)[1], 1800);
    // The natural SUCCEEDED (at 3 h) never comes.
    assert!(fake.rest(HOUR * 10).await.is_empty());
}

#[tokio::test(start_paused = true)]
async fn faults_drop_duplicate_and_reorder_events() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let client = batch_client(&server);
    // PENDING dropped, RUNNABLE sent twice, STARTING held back past RUNNING.
    server.event_faults().drop_next(1);
    server.event_faults().duplicate_next(1);
    server.event_faults().delay_next(1, HOUR + HOUR / 2);
    submit(&client, &[]).await;

    let events = fake.next(5).await;
    assert_eq!(
        statuses(&events),
        ["RUNNABLE", "RUNNABLE", "RUNNING", "STARTING", "SUCCEEDED"]
    );
    // The delayed event keeps the time of its change.
    let times = times(&events);
    assert_eq!(times[3] - times[0], 3600);
    assert_eq!(times[2] - times[0], 7200);
    assert!(fake.rest(HOUR * 24).await.is_empty());
    assert_eq!(
        server.event_counters(),
        EventCounters {
            state_changes: 5,
            published: 5,
            dropped: 1,
            duplicated: 1,
            delayed: 1,
            failed: 0,
            put_events_calls: 4,
        }
    );
}

#[tokio::test(start_paused = true)]
async fn scheduled_faults_apply_to_changes_in_order() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let client = batch_client(&server);
    server
        .event_faults()
        .add(EventFaultRule::new(
            EventFaultKind::Drop,
            FaultSchedule::EveryNth(2),
        ))
        .unwrap();
    submit(&client, &[]).await;
    let events = fake.next(3).await;
    assert_eq!(statuses(&events), ["PENDING", "STARTING", "SUCCEEDED"]);
    assert_eq!(server.event_counters().dropped, 2);
    server.event_faults().clear();
    assert!(server.event_faults().rules().is_empty());
}

#[tokio::test(start_paused = true)]
async fn refused_entries_and_failed_calls_are_counted() {
    for answer in [Answer::RejectEntries, Answer::Fail] {
        let mut fake = FakeEventBridge::start(answer).await;
        let server = server(&fake).await;
        let client = batch_client(&server);
        submit(&client, &[]).await;
        tokio::time::sleep(HOUR * 6).await;
        let counters = server.event_counters();
        assert_eq!(
            (
                counters.published,
                counters.failed,
                counters.put_events_calls
            ),
            (0, 5, 5),
            "{answer:?}"
        );
        assert_eq!(fake.calls().len(), 5, "{answer:?}");
        let _ = fake.rest(Duration::ZERO).await;
        server.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn publishing_stops_with_the_server() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let client = batch_client(&server);
    submit(&client, &[]).await;
    assert_eq!(statuses(&fake.next(1).await), ["PENDING"]);
    server.shutdown().await;
    // The job would change four more times; no task is left to say so.
    assert!(fake.rest(HOUR * 24).await.is_empty());
    assert_eq!(fake.calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn without_an_endpoint_nothing_is_published() {
    let server = LocalBatch::builder()
        .default_profile(JobProfile::default().with_every_phase(HOUR))
        .start()
        .await
        .unwrap();
    assert!(!server.publishes_events());
    let client = batch_client(&server);
    submit(&client, &[]).await;
    tokio::time::sleep(HOUR * 6).await;
    assert_eq!(server.event_counters(), EventCounters::default());
}

#[tokio::test(start_paused = true)]
async fn admin_routes_show_counters_and_take_fault_rules() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let admin = |method: &'static str, path: &'static str, body: &'static str| {
        let addr = server.local_addr();
        async move {
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).await.unwrap();
            let (head, body) = response.split_once("\r\n\r\n").unwrap();
            (
                head.lines().next().unwrap_or_default().to_owned(),
                body.to_owned(),
            )
        }
    };
    let (status, body) = admin(
        "POST",
        "/_local/events/faults",
        r#"{"kind": "drop", "next": 4}"#,
    )
    .await;
    assert!(status.contains("200"), "{status} {body}");
    let (status, body) = admin(
        "POST",
        "/_local/events/faults",
        r#"{"kind": "delay", "next": 1}"#,
    )
    .await;
    assert!(
        status.contains("400") && body.contains("delayMillis"),
        "{status} {body}"
    );

    submit(&batch_client(&server), &[]).await;
    assert_eq!(statuses(&fake.next(1).await), ["SUCCEEDED"]);
    let (_, body) = admin("GET", "/_local/events", "").await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["counters"]["stateChanges"], 5);
    assert_eq!(body["counters"]["dropped"], 4);
    assert_eq!(body["counters"]["published"], 1);
    assert_eq!(body["faults"], json!([]));
    let (status, _) = admin("DELETE", "/_local/events/counters", "").await;
    assert!(status.contains("200"));
    assert_eq!(server.event_counters(), EventCounters::default());
}

#[tokio::test(start_paused = true)]
async fn array_children_send_events_as_any_job_and_the_parent_follows_them() {
    let mut fake = FakeEventBridge::start(Answer::Accept).await;
    let server = server(&fake).await;
    let client = batch_client(&server);
    let output = client
        .submit_job()
        .job_name("sweep")
        .job_queue("queue")
        .job_definition("definition")
        .array_properties(
            aws_sdk_batch::types::ArrayProperties::builder()
                .size(2)
                .build(),
        )
        .send()
        .await
        .expect("SubmitJob");
    let parent = output.job_id().unwrap().to_owned();
    // Each child: PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED (10 events); the
    // parent: PENDING when its children are RUNNABLE, SUCCEEDED with the last of them.
    let entries = fake.next(12).await;
    let of = |id: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|e| detail(e)["jobId"] == id)
            .cloned()
            .collect()
    };
    let child = of(&format!("{parent}:1"));
    assert_eq!(
        statuses(&child),
        ["PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    );
    assert_eq!(detail(&child[0])["arrayProperties"], json!({"index": 1}));
    let parent_events = of(&parent);
    assert_eq!(statuses(&parent_events), ["PENDING", "SUCCEEDED"]);
    assert_eq!(times(&parent_events)[0], times(&child)[1], "with RUNNABLE");
    assert_eq!(times(&parent_events)[1], times(&child)[4]);
    let last = detail(&parent_events[1]);
    assert_eq!(last["arrayProperties"]["size"], 2);
    assert_eq!(last["arrayProperties"]["statusSummary"]["SUCCEEDED"], 2);
    assert!(fake.rest(HOUR * 10).await.is_empty());
    server.shutdown().await;
}

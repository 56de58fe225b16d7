//! End to end against moto, a third-party AWS emulator (`moto_server`), through the real
//! aws-sdk-batch client over HTTP.
//!
//! Needs a running moto server named by `MOTO_ENDPOINT` (for example
//! `http://127.0.0.1:5000`); `.ci/run` starts one and runs
//! `cargo test -p waiters-tests --features moto --test e2e_moto -- --test-threads=1`.
//! The tests change moto's global configuration, so they run one at a time.
#![cfg(feature = "moto")]

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ContainerProperties, JobDefinitionType, JqState,
    ResourceRequirement, ResourceType,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use waiters_runtime::batch::BatchOutput;
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::{BatchWaiters, JobWaitError, JobWaitOptions};

/// Airflow's second Batch model (`waiters/batch.json`), byte for byte.
const AIRFLOW_BATCH: &str = include_str!("../fixtures/airflow-batch.json");

mod airflow {
    waiters_runtime::waiters!("fixtures/airflow-batch.json");
}

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT must name a running moto server, e.g. http://127.0.0.1:5000")
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "moto")
}

fn batch_client() -> Client {
    Client::from_conf(
        aws_sdk_batch::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(credentials())
            .endpoint_url(endpoint())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    )
}

fn iam_client() -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .endpoint_url(endpoint())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    )
}

/// `POST /moto-api/config`: moto's switch between its Docker backend and instant jobs.
async fn set_moto_use_docker(use_docker: bool) {
    let url = endpoint();
    let authority = url.trim_start_matches("http://").trim_end_matches('/');
    let body = format!(r#"{{"batch": {{"use_docker": {use_docker}}}}}"#);
    let request = format!(
        "POST /moto-api/config HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("moto reachable");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.1 201"),
        "moto config: {response}"
    );
}

/// Creates an IAM role that Batch may assume, as a compute environment's service role;
/// returns its ARN.
async fn batch_service_role(role_name: &str) -> String {
    let role = iam_client()
        .create_role()
        .role_name(role_name)
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batch.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect("CreateRole");
    role.role().map(|r| r.arn().to_owned()).expect("role ARN")
}

/// Creates a service role, an UNMANAGED compute environment, a queue and a container job
/// definition, as SubmitJob needs them; returns (queue, job definition).
async fn create_batch_resources(client: &Client, name: &str) -> (String, String) {
    let role_arn = batch_service_role(&format!("{name}-batch-service")).await;
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
    let definition = client
        .register_job_definition()
        .job_definition_name(format!("{name}-definition"))
        .r#type(JobDefinitionType::Container)
        .container_properties(
            ContainerProperties::builder()
                .image("busybox")
                .command("true")
                .resource_requirements(
                    ResourceRequirement::builder()
                        .r#type(ResourceType::Vcpu)
                        .value("1")
                        .build(),
                )
                .resource_requirements(
                    ResourceRequirement::builder()
                        .r#type(ResourceType::Memory)
                        .value("128")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("RegisterJobDefinition");
    (
        queue.job_queue_arn().expect("queue ARN").to_owned(),
        definition
            .job_definition_arn()
            .expect("job definition ARN")
            .to_owned(),
    )
}

async fn submit(client: &Client, queue: &str, definition: &str) -> String {
    client
        .submit_job()
        .job_name("waiters-moto")
        .job_queue(queue)
        .job_definition(definition)
        .send()
        .await
        .expect("SubmitJob")
        .job_id()
        .expect("jobId")
        .to_owned()
}

/// Small model delays (moto's jobs take seconds at most), no jitter, a deadline.
fn fast_waiters(client: Client) -> (BatchWaiters, JobWaitOptions) {
    let mut config = BatchWaiters::new(client.clone()).default_config();
    for name in ["JobExists", "JobRunning", "JobComplete"] {
        config["waiters"][name]["delay"] = serde_json::json!(0.25);
    }
    let waiters = BatchWaiters::with_config(client, &config).expect("valid model");
    let options = JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        max_wait: Some(Duration::from_secs(120)),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.5),
        ..JobWaitOptions::default()
    };
    (waiters, options)
}

#[tokio::test]
async fn moto_job_succeeds_without_docker() {
    set_moto_use_docker(false).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "succeeds").await;
    let job_id = submit(&client, &queue, &definition).await;
    let (waiters, options) = fast_waiters(client);
    let job = waiters
        .wait_for_job_with(&job_id, &options, waiters_runtime::engine::NoObserver)
        .await
        .expect("moto reports the job SUCCEEDED");
    assert_eq!(job.job_id(), Some(job_id.as_str()));
    assert_eq!(job.status().unwrap().as_str(), "SUCCEEDED");
    println!("moto: job {job_id} SUCCEEDED");
}

#[tokio::test]
async fn moto_job_without_a_docker_engine_fails() {
    // moto's Docker backend with no Docker engine walks the job to FAILED.
    set_moto_use_docker(true).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "fails").await;
    let job_id = submit(&client, &queue, &definition).await;
    let (waiters, options) = fast_waiters(client);
    let err = waiters
        .wait_for_job_with(&job_id, &options, waiters_runtime::engine::NoObserver)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, JobWaitError::JobFailed { job_id: id, .. } if *id == job_id),
        "expected JobFailed, got {err}"
    );
    println!("moto: {err}");
    set_moto_use_docker(false).await;
}

#[tokio::test]
async fn moto_unknown_job_exhausts_the_budget() {
    let (waiters, _) = fast_waiters(batch_client());
    let mut waiter = waiters.get_waiter("JobExists").unwrap();
    waiter.config.max_attempts = Some(3);
    let err = waiter.wait(["no-such-job"]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Waiter JobExists failed: Max attempts exceeded. Previously accepted state: For expression \"length(jobs)\" we matched expected path: \"0\""
    );
    assert_eq!(
        err.last_output().unwrap().body,
        serde_json::json!({"jobs": []})
    );
}

#[tokio::test]
async fn moto_reference_model_job_exists_fails_at_once() {
    // Airflow's own model, interpreted as botocore does: an empty job list matches its
    // `error: ""` acceptor, a failure state.
    let reference = include_str!("../fixtures/airflow-reference.json");
    let waiters = BatchWaiters::from_json_str(batch_client(), reference).unwrap();
    let err = waiters
        .get_waiter("JobExists")
        .unwrap()
        .wait(["no-such-job"])
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert!(
        err.to_string()
            .ends_with("terminal failure state: Matched expected service error code: "),
        "{err}"
    );
}

/// Airflow's `batch.json`, typed: the compute environment to VALID with
/// `compute_env_ready` (DescribeComputeEnvironments), then a job in the queue to
/// SUCCEEDED with `batch_job_complete`.
#[tokio::test]
async fn moto_airflow_batch_model_typed() {
    use airflow::Waiters as _;

    set_moto_use_docker(false).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "airflow-typed").await;
    let ready = client
        .wait_until_compute_env_ready()
        .compute_environments("airflow-typed-ce")
        .delay(Duration::from_millis(250))
        .max_wait(Duration::from_secs(60))
        .wait()
        .await
        .expect("moto reports the compute environment VALID");
    let ce = &ready
        .output()
        .expect("the last output")
        .compute_environments()[0];
    assert_eq!(ce.compute_environment_name(), Some("airflow-typed-ce"));
    assert_eq!(ce.status().map(|s| s.as_str()), Some("VALID"));

    let job_id = submit(&client, &queue, &definition).await;
    let done = client
        .wait_until_batch_job_complete()
        .jobs(&job_id)
        .delay(Duration::from_millis(250))
        .max_wait(Duration::from_secs(120))
        .wait()
        .await
        .expect("moto runs the job to SUCCEEDED");
    let job = &done.output().expect("the last output").jobs()[0];
    assert_eq!(job.status().map(|s| s.as_str()), Some("SUCCEEDED"));
    println!(
        "moto typed: compute environment VALID after {} calls, job SUCCEEDED after {}",
        ready.attempts(),
        done.attempts()
    );
}

/// Airflow's `batch.json` loaded at run time: the compute environment to VALID with the
/// input as request JSON, the queue to VALID with a DescribeJobQueues waiter of our own,
/// then a job to SUCCEEDED.
#[tokio::test]
async fn moto_airflow_batch_model_at_run_time() {
    set_moto_use_docker(false).await;
    let client = batch_client();
    let (queue, definition) = create_batch_resources(&client, "airflow-runtime").await;
    let waiters = BatchWaiters::from_json_str(client.clone(), AIRFLOW_BATCH).unwrap();

    let mut ready = waiters.get_waiter("compute_env_ready").unwrap();
    ready.config.delay = Duration::from_millis(250);
    ready.config.max_wait = Some(Duration::from_secs(60));
    let input = ready
        .input(&serde_json::json!({"computeEnvironments": ["airflow-runtime-ce"]}))
        .unwrap();
    let waited = ready
        .wait_input(&input)
        .await
        .expect("moto reports the compute environment VALID");
    let response = waited.output().expect("the last response");
    // The run-time acceptors searched moto's raw body.
    assert_eq!(response.body["computeEnvironments"][0]["status"], "VALID");
    assert!(matches!(
        &response.output,
        BatchOutput::DescribeComputeEnvironments(o) if o.compute_environments().len() == 1
    ));

    let queue_model = r#"{"version": 2, "waiters": {"job_queue_ready": {
        "operation": "DescribeJobQueues", "delay": 0.25, "maxAttempts": 240,
        "acceptors": [
          {"matcher": "pathAll", "argument": "jobQueues[].status", "expected": "VALID", "state": "success"},
          {"matcher": "pathAny", "argument": "jobQueues[].status", "expected": "INVALID", "state": "failure"}]}}}"#;
    let queues = BatchWaiters::from_json_str(client.clone(), queue_model).unwrap();
    let queue_ready = queues.get_waiter("job_queue_ready").unwrap();
    let input = queue_ready
        .input(&serde_json::json!({"jobQueues": [queue]}))
        .unwrap();
    let waited = queue_ready
        .wait_input(&input)
        .await
        .expect("moto reports the queue VALID");
    assert_eq!(
        waited.output().unwrap().body["jobQueues"][0]["state"],
        "ENABLED"
    );

    let job_id = submit(&client, &queue, &definition).await;
    let mut complete = waiters.get_waiter("batch_job_complete").unwrap();
    complete.config.delay = Duration::from_millis(250);
    complete.config.max_wait = Some(Duration::from_secs(120));
    let done = complete
        .wait([job_id.as_str()])
        .await
        .expect("moto runs the job to SUCCEEDED");
    assert_eq!(
        done.output().unwrap().body["jobs"][0]["status"],
        "SUCCEEDED"
    );
}

// Batch job state events: `waiters events setup` against moto's SQS and EventBridge, and
// the local endpoint publishing its jobs' changes there.

#[path = "e2e_moto/event_waits.rs"]
mod event_waits;

// Array jobs: moto never marks a parent with a failed child FAILED.
#[path = "e2e_moto/arrays.rs"]
mod arrays;

#[path = "e2e_moto/diagnose.rs"]
mod diagnose;

// Job logs: moto's CloudWatch Logs read by the follower (moto's Batch writes no lines
// without Docker; the test writes them).
#[path = "e2e_moto/logs.rs"]
mod logs;

mod events {
    use std::collections::BTreeSet;
    use std::time::{Duration, Instant};

    use aws_sdk_eventbridge::types::PutEventsRequestEntry;
    use serde_json::{Value, json};
    use waiters_cli::events::{
        EventsClients, RemovalStatus, SetupOptions, SetupStatus, TeardownOptions, setup, teardown,
    };
    use waiters_local::{JobProfile, LocalBatch};

    use super::endpoint;

    /// A queue name of this run, so a run that failed half-way leaves nothing in the
    /// way of the next one on the same moto.
    pub(super) fn unique(name: &str) -> String {
        format!("{name}-{}", std::process::id())
    }

    pub(super) fn clients() -> EventsClients {
        let http = || aws_smithy_http_client::Builder::new().build_http();
        let sqs = aws_sdk_sqs::Config::builder()
            .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
            .region(aws_sdk_sqs::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .endpoint_url(endpoint())
            .http_client(http())
            .build();
        let eventbridge = aws_sdk_eventbridge::Config::builder()
            .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
            .region(aws_sdk_eventbridge::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_eventbridge::config::Credentials::new(
                "testing", "testing", None, None, "moto",
            ))
            .endpoint_url(endpoint())
            .http_client(http())
            .build();
        EventsClients::new(
            aws_sdk_sqs::Client::from_conf(sqs),
            aws_sdk_eventbridge::Client::from_conf(eventbridge),
        )
    }

    /// A Batch-shaped event, published as the test (moto accepts `aws.*` sources).
    async fn publish(clients: &EventsClients, detail_type: &str, detail: &Value) {
        let output = clients
            .eventbridge
            .put_events()
            .entries(
                PutEventsRequestEntry::builder()
                    .source("aws.batch")
                    .detail_type(detail_type)
                    .resources("arn:aws:batch:us-east-1:123456789012:job/j-1")
                    .detail(detail.to_string())
                    .build(),
            )
            .send()
            .await
            .expect("PutEvents");
        assert_eq!(output.failed_entry_count(), 0);
    }

    /// Message bodies received (and deleted) until `enough` says so or `within` passes.
    async fn receive(
        clients: &EventsClients,
        queue_url: &str,
        within: Duration,
        enough: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + within;
        let mut bodies = Vec::new();
        while !enough(&bodies) && Instant::now() < deadline {
            let received = clients
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("ReceiveMessage");
            for message in received.messages() {
                let body = message.body().expect("a body");
                bodies.push(serde_json::from_str(body).expect("the body is the event JSON"));
                clients
                    .sqs
                    .delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(message.receipt_handle().expect("a receipt handle"))
                    .send()
                    .await
                    .expect("DeleteMessage");
            }
        }
        bodies
    }

    #[tokio::test]
    async fn moto_events_setup_delivers_batch_events_and_teardown_removes_it() {
        let clients = clients();
        let queue = unique("waiters-moto-events");
        let options = SetupOptions::new(&queue);
        let report = setup(&clients, &options).await.expect("setup");
        assert_eq!(report.queue.status, SetupStatus::Created);
        assert_eq!(report.rule.status, SetupStatus::Created);
        assert_eq!(report.policy, SetupStatus::Created);
        assert_eq!(report.target, SetupStatus::Created);
        assert_eq!(report.rule.name, format!("waiters-{queue}"));
        assert!(
            report.queue.arn.ends_with(&format!(":{queue}")),
            "{report:?}"
        );
        println!("moto: {}", report.to_json());

        // A second run finds everything as it should be, the policy included.
        let again = setup(&clients, &options).await.expect("setup again");
        assert_eq!(
            (
                again.queue.status,
                again.policy,
                again.rule.status,
                again.target
            ),
            (
                SetupStatus::Unchanged,
                SetupStatus::Unchanged,
                SetupStatus::Unchanged,
                SetupStatus::Unchanged
            )
        );
        assert_eq!(again.rule.arn, report.rule.arn);

        // A job event lands as a message whose body is the event envelope; another
        // detail-type does not.
        let detail = json!({"jobId": "j-1", "jobName": "n", "status": "RUNNING", "jobQueue": "arn:aws:batch:us-east-1:123456789012:job-queue/q"});
        publish(&clients, "Batch Service Job State Change", &detail).await;
        publish(&clients, "Batch Job State Change", &detail).await;
        let bodies = receive(&clients, &report.queue.url, Duration::from_secs(10), |b| {
            !b.is_empty()
        })
        .await;
        let extra = receive(&clients, &report.queue.url, Duration::from_secs(2), |_| {
            false
        })
        .await;
        assert_eq!(bodies.len(), 1, "{bodies:?}");
        assert!(extra.is_empty(), "{extra:?}");
        let event = &bodies[0];
        assert_eq!(event["source"], "aws.batch");
        assert_eq!(event["detail-type"], "Batch Job State Change");
        assert_eq!(event["detail"], detail);
        assert_eq!(
            event["resources"],
            json!(["arn:aws:batch:us-east-1:123456789012:job/j-1"])
        );
        // Real EventBridge also sends "account"; moto 5.2 leaves it out.
        for key in ["id", "version", "time", "region"] {
            assert!(event.get(key).is_some(), "{key} missing from {event}");
        }

        let removed = teardown(&clients, &TeardownOptions::new(&queue))
            .await
            .expect("teardown");
        assert_eq!(
            (&removed.target, &removed.rule, &removed.queue),
            (
                &RemovalStatus::Removed,
                &RemovalStatus::Removed,
                &RemovalStatus::Removed
            )
        );
        let gone = teardown(&clients, &TeardownOptions::new(&queue))
            .await
            .expect("teardown again");
        assert_eq!(
            (&gone.target, &gone.rule, &gone.queue),
            (
                &RemovalStatus::Missing,
                &RemovalStatus::Missing,
                &RemovalStatus::Missing
            )
        );
        let lookup = clients.sqs.get_queue_url().queue_name(&queue).send().await;
        assert!(lookup.is_err(), "the queue is gone");
        let rule = clients
            .eventbridge
            .describe_rule()
            .name(report.rule.name.as_str())
            .send()
            .await;
        assert!(rule.is_err(), "the rule is gone");
    }

    #[tokio::test]
    async fn moto_events_setup_narrows_the_rule_to_job_queues() {
        let clients = clients();
        let queue = unique("waiters-moto-narrow");
        let options = SetupOptions::new(&queue).job_queue("etl");
        let report = setup(&clients, &options).await.expect("setup");
        let etl = "arn:aws:batch:us-east-1:123456789012:job-queue/etl";
        assert_eq!(
            report.rule.event_pattern["detail"]["jobQueue"],
            json!([etl])
        );
        let other = "arn:aws:batch:us-east-1:123456789012:job-queue/other";
        publish(
            &clients,
            "Batch Job State Change",
            &json!({"jobId": "o", "status": "RUNNABLE", "jobQueue": other}),
        )
        .await;
        publish(
            &clients,
            "Batch Job State Change",
            &json!({"jobId": "e", "status": "RUNNABLE", "jobQueue": etl}),
        )
        .await;
        let bodies = receive(&clients, &report.queue.url, Duration::from_secs(10), |b| {
            !b.is_empty()
        })
        .await;
        let extra = receive(&clients, &report.queue.url, Duration::from_secs(2), |_| {
            false
        })
        .await;
        let ids: Vec<&Value> = bodies
            .iter()
            .chain(&extra)
            .map(|b| &b["detail"]["jobId"])
            .collect();
        assert_eq!(ids, [&json!("e")]);

        // Widening it again is an update.
        let wide = setup(&clients, &SetupOptions::new(&queue))
            .await
            .expect("setup without job queues");
        assert_eq!(wide.rule.status, SetupStatus::Updated);
        assert_eq!(wide.queue.status, SetupStatus::Unchanged);
        teardown(&clients, &TeardownOptions::new(&queue))
            .await
            .expect("teardown");
    }

    #[tokio::test]
    async fn moto_receives_the_local_endpoints_job_events() {
        let clients = clients();
        let queue = unique("waiters-moto-local");
        let report = setup(&clients, &SetupOptions::new(&queue))
            .await
            .expect("setup");
        let server = LocalBatch::builder()
            .default_profile(JobProfile::default().with_every_phase(Duration::from_millis(300)))
            .eventbridge(endpoint())
            .start()
            .await
            .expect("local endpoint");
        let job = server
            .client()
            .submit_job()
            .job_name("evented")
            .job_queue("q")
            .job_definition("d")
            .send()
            .await
            .expect("SubmitJob");
        let (job_id, job_arn) = (job.job_id().unwrap(), job.job_arn().unwrap());

        let finished = |bodies: &[Value]| {
            bodies
                .iter()
                .any(|b| b["detail"]["jobId"] == job_id && b["detail"]["status"] == "SUCCEEDED")
        };
        let bodies = receive(
            &clients,
            &report.queue.url,
            Duration::from_secs(30),
            finished,
        )
        .await;
        let mine: Vec<&Value> = bodies
            .iter()
            .filter(|b| b["detail"]["jobId"] == job_id)
            .collect();
        let statuses: BTreeSet<&str> = mine
            .iter()
            .filter_map(|b| b["detail"]["status"].as_str())
            .collect();
        assert_eq!(
            statuses,
            BTreeSet::from(["PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]),
            "{bodies:?}"
        );
        assert_eq!(mine.len(), 5, "one message per change: {mine:?}");
        for body in &mine {
            assert_eq!(body["source"], "aws.batch");
            assert_eq!(body["detail-type"], "Batch Job State Change");
            assert_eq!(body["resources"], json!([job_arn]));
            assert_eq!(body["detail"]["jobArn"], job_arn);
        }
        let last = mine
            .iter()
            .find(|b| b["detail"]["status"] == "SUCCEEDED")
            .unwrap();
        assert_eq!(last["detail"]["container"]["exitCode"], 0);
        let counters = server.event_counters();
        assert_eq!(
            (counters.published, counters.failed),
            (5, 0),
            "{counters:?}"
        );
        println!("moto: {} job events for {job_id}, e.g. {last}", mine.len());
        server.shutdown().await;
        teardown(&clients, &TeardownOptions::new(&queue))
            .await
            .expect("teardown");
    }
}

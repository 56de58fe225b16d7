//! Where a job's logs are: `job_logs` on JobDetails decoded by the SDK from Batch's JSON,
//! and `find_job_logs` with array children and nodes listed by ListJobs, every page.

mod common;

use std::sync::{Arc, Mutex};

use aws_sdk_batch::Client;
use aws_sdk_batch::types::JobDetail;
use serde_json::{Value, json};
use waiters_runtime::logs::{
    DEFAULT_LOG_GROUP, FindLogsError, JobLog, LogPart, LogStream, PartLogs, find_job_logs, job_logs,
};

/// A Batch that knows these jobs: DescribeJobs answers them, ListJobs lists the ones with
/// `arrayJobId` / `multiNodeJobId` set by status, two a page.
#[derive(Clone, Default)]
struct FakeBatch {
    jobs: Arc<Vec<Value>>,
    list_calls: Arc<Mutex<Vec<Value>>>,
}

impl FakeBatch {
    fn new(jobs: Vec<Value>) -> Self {
        Self {
            jobs: Arc::new(jobs),
            ..Self::default()
        }
    }

    fn client(&self) -> Client {
        let fake = self.clone();
        common::fake_client(move |request| fake.answer(request))
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
        let answer = if request.uri().path().ends_with("/v1/describejobs") {
            let ids = body["jobs"].as_array().cloned().unwrap_or_default();
            let jobs: Vec<&Value> = self
                .jobs
                .iter()
                .filter(|job| ids.contains(&job["jobId"]))
                .collect();
            json!({ "jobs": jobs })
        } else {
            self.list_calls.lock().unwrap().push(body.clone());
            self.list(&body)
        };
        http::Response::builder()
            .status(200)
            .body(answer.to_string())
            .unwrap()
    }

    fn list(&self, body: &Value) -> Value {
        let parent = body
            .get("arrayJobId")
            .or_else(|| body.get("multiNodeJobId"));
        let children: Vec<Value> = self
            .jobs
            .iter()
            .filter(|job| {
                let id = job["jobId"].as_str().unwrap_or_default();
                let of_parent = parent.and_then(Value::as_str).is_some_and(|p| {
                    id.starts_with(&format!("{p}:")) || id.starts_with(&format!("{p}#"))
                });
                of_parent && job["status"] == body["jobStatus"]
            })
            .map(|job| json!({ "jobId": job["jobId"], "jobName": job["jobName"], "status": job["status"] }))
            .collect();
        let from: usize = body["nextToken"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let page: Vec<&Value> = children.iter().skip(from).take(2).collect();
        let mut answer = json!({ "jobSummaryList": page });
        if from + 2 < children.len() {
            answer["nextToken"] = json!((from + 2).to_string());
        }
        answer
    }
}

/// A JobDetail decoded by the SDK from Batch's JSON.
async fn decode(job: Value) -> JobDetail {
    let id = job["jobId"].as_str().unwrap().to_owned();
    let batch = FakeBatch::new(vec![job]).client();
    let output = batch.describe_jobs().jobs(id).send().await.unwrap();
    output.jobs()[0].clone()
}

fn job(id: &str, status: &str, extra: Value) -> Value {
    let mut job = json!({
        "jobId": id, "jobName": "train", "jobQueue": "q", "status": status,
        "jobDefinition": "arn:aws:batch:us-east-1:123456789012:job-definition/train:1",
        "createdAt": 1, "startedAt": 2
    });
    job.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    job
}

fn stream(group: &str, stream: &str, region: Option<&str>) -> PartLogs {
    PartLogs::Stream(LogStream {
        group: group.to_owned(),
        stream: stream.to_owned(),
        region: region.map(str::to_owned),
    })
}

fn part(job_id: &str) -> LogPart {
    LogPart {
        job_id: job_id.to_owned(),
        ..LogPart::default()
    }
}

#[tokio::test]
async fn a_container_job_logs_to_the_default_group() {
    let detail = decode(job(
        "j1",
        "RUNNING",
        json!({
            "container": { "logStreamName": "train/default/abc" }
        }),
    ))
    .await;
    assert_eq!(
        job_logs(&detail),
        [JobLog {
            part: part("j1"),
            logs: stream(DEFAULT_LOG_GROUP, "train/default/abc", None)
        }]
    );
}

#[tokio::test]
async fn awslogs_options_name_the_group_and_region() {
    let detail = decode(job(
        "j1",
        "RUNNING",
        json!({
            "container": {
                "logStreamName": "etl/default/abc",
                "logConfiguration": { "logDriver": "awslogs", "options": {
                    "awslogs-group": "/team/etl", "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "etl" } }
            }
        }),
    ))
    .await;
    assert_eq!(
        job_logs(&detail)[0].logs,
        stream("/team/etl", "etl/default/abc", Some("eu-west-1"))
    );
}

#[tokio::test]
async fn a_started_task_without_a_stream_name_gets_the_prefixed_name() {
    let detail = decode(job("j1", "STARTING", json!({
        "container": {
            "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/cluster/0f1e2d",
            "logConfiguration": { "logDriver": "awslogs", "options": { "awslogs-stream-prefix": "etl" } }
        }
    })))
    .await;
    assert_eq!(
        job_logs(&detail)[0].logs,
        stream(DEFAULT_LOG_GROUP, "etl/default/0f1e2d", None)
    );
}

#[tokio::test]
async fn no_stream_yet_and_other_drivers_are_answers() {
    let waiting = decode(job(
        "j1",
        "RUNNABLE",
        json!({ "container": { "image": "busybox" } }),
    ))
    .await;
    assert_eq!(
        job_logs(&waiting)[0].logs,
        PartLogs::NoStreamYet {
            group: DEFAULT_LOG_GROUP.to_owned(),
            region: None
        }
    );
    let splunk = decode(job(
        "j2",
        "RUNNING",
        json!({ "container": {
        "logStreamName": "ignored",
        "logConfiguration": { "logDriver": "splunk", "options": {} } } }),
    ))
    .await;
    assert_eq!(
        job_logs(&splunk)[0].logs,
        PartLogs::OtherDriver {
            driver: "splunk".to_owned()
        }
    );
    let eks = decode(job(
        "j3",
        "RUNNING",
        json!({ "eksProperties": { "podProperties": {} } }),
    ))
    .await;
    assert_eq!(
        job_logs(&eks)[0].logs,
        PartLogs::OtherDriver {
            driver: "kubernetes".to_owned()
        }
    );
}

#[tokio::test]
async fn every_attempt_of_a_retried_job_has_its_stream() {
    let detail = decode(job(
        "j1",
        "RUNNING",
        json!({
            "attempts": [
                { "container": { "logStreamName": "train/default/a1", "exitCode": 1 } },
                { "container": { "logStreamName": "train/default/a2", "exitCode": 1 } }
            ],
            "container": { "logStreamName": "train/default/a3" }
        }),
    ))
    .await;
    let logs = job_logs(&detail);
    let attempts: Vec<(Option<usize>, &str)> = logs
        .iter()
        .map(|log| (log.part.attempt, log.stream().unwrap().stream.as_str()))
        .collect();
    assert_eq!(
        attempts,
        [
            (Some(1), "train/default/a1"),
            (Some(2), "train/default/a2"),
            (Some(3), "train/default/a3")
        ]
    );
    assert_eq!(logs[1].part.to_string(), " (attempt 2)");
}

#[tokio::test]
async fn a_finished_job_names_its_last_attempt_once() {
    let detail = decode(job(
        "j1",
        "FAILED",
        json!({
            "attempts": [{ "container": { "logStreamName": "train/default/a1", "exitCode": 3 } }],
            "container": { "logStreamName": "train/default/a1", "exitCode": 3 }
        }),
    ))
    .await;
    let logs = job_logs(&detail);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].part.attempt, None);
}

#[tokio::test]
async fn ecs_properties_jobs_have_a_stream_per_container_and_attempt() {
    let detail = decode(job("j1", "RUNNING", json!({
        "ecsProperties": { "taskProperties": [{ "containers": [
            { "name": "app", "image": "app", "logStreamName": "batch/app/t2" },
            { "name": "sidecar", "image": "envoy",
              "logConfiguration": { "logDriver": "awslogs", "options": { "awslogs-group": "/mesh" } },
              "logStreamName": "batch/sidecar/t2" },
            { "name": "metrics", "image": "m", "logConfiguration": { "logDriver": "fluentd" } }
        ] }] },
        "attempts": [{ "taskProperties": [{ "taskArn": "arn:aws:ecs:r:1:task/c/t1", "containers": [
            { "name": "app", "logStreamName": "batch/app/t1", "exitCode": 1 },
            { "name": "sidecar", "logStreamName": "batch/sidecar/t1" }
        ] }] }]
    })))
    .await;
    let logs: Vec<(String, PartLogs)> = job_logs(&detail)
        .into_iter()
        .map(|log| (log.part.to_string(), log.logs))
        .collect();
    assert_eq!(
        logs,
        [
            (
                "/app (attempt 1)".to_owned(),
                stream(DEFAULT_LOG_GROUP, "batch/app/t1", None)
            ),
            (
                "/app (attempt 2)".to_owned(),
                stream(DEFAULT_LOG_GROUP, "batch/app/t2", None)
            ),
            (
                "/sidecar (attempt 1)".to_owned(),
                stream("/mesh", "batch/sidecar/t1", None)
            ),
            (
                "/sidecar (attempt 2)".to_owned(),
                stream("/mesh", "batch/sidecar/t2", None)
            ),
            (
                "/metrics".to_owned(),
                PartLogs::OtherDriver {
                    driver: "fluentd".to_owned()
                }
            ),
        ]
    );
}

fn mnp_parent(status: &str) -> Value {
    job(
        "mnp",
        status,
        json!({
            "nodeProperties": { "numNodes": 2, "mainNode": 0, "nodeRangeProperties": [
                { "targetNodes": "0:", "container": { "image": "mpi",
                  "logConfiguration": { "logDriver": "awslogs", "options": { "awslogs-group": "/mpi" } } } }
            ] }
        }),
    )
}

fn mnp_node(index: i32, status: &str) -> Value {
    job(
        &format!("mnp#{index}"),
        status,
        json!({
            "nodeDetails": { "nodeIndex": index, "isMainNode": index == 0 },
            "container": { "logStreamName": format!("mpi/default/n{index}"),
                "logConfiguration": { "logDriver": "awslogs", "options": { "awslogs-group": "/mpi" } } }
        }),
    )
}

#[tokio::test]
async fn a_multi_node_job_has_a_stream_per_node() {
    let parent = decode(mnp_parent("RUNNING")).await;
    assert_eq!(
        job_logs(&parent),
        [JobLog {
            part: part("mnp"),
            logs: PartLogs::InChildren
        }]
    );
    let fake = FakeBatch::new(vec![
        mnp_parent("RUNNING"),
        mnp_node(0, "RUNNING"),
        mnp_node(1, "SUCCEEDED"),
    ]);
    let logs = find_job_logs(&fake.client(), "mnp").await.unwrap();
    let nodes: Vec<(String, PartLogs)> = logs
        .into_iter()
        .map(|l| (l.part.to_string(), l.logs))
        .collect();
    assert_eq!(
        nodes,
        [
            ("#0".to_owned(), stream("/mpi", "mpi/default/n0", None)),
            ("#1".to_owned(), stream("/mpi", "mpi/default/n1", None)),
        ]
    );
    let listed = fake.list_calls.lock().unwrap();
    assert!(
        listed.iter().all(|call| call["multiNodeJobId"] == "mnp"),
        "{listed:?}"
    );
}

#[tokio::test]
async fn an_array_job_has_every_childs_streams_across_list_pages() {
    let mut jobs = vec![job(
        "arr",
        "RUNNING",
        json!({ "arrayProperties": { "size": 5 }, "container": {} }),
    )];
    for index in 0..5 {
        let status = if index < 3 { "SUCCEEDED" } else { "RUNNING" };
        jobs.push(job(
            &format!("arr:{index}"),
            status,
            json!({
                "arrayProperties": { "index": index },
                "container": { "logStreamName": format!("train/default/c{index}") }
            }),
        ));
    }
    let fake = FakeBatch::new(jobs);
    let logs = find_job_logs(&fake.client(), "arr").await.unwrap();
    let children: Vec<(String, String)> = logs
        .iter()
        .map(|l| (l.part.to_string(), l.stream().unwrap().stream.clone()))
        .collect();
    let expected: Vec<(String, String)> = (0..5)
        .map(|i| (format!("[{i}]"), format!("train/default/c{i}")))
        .collect();
    assert_eq!(children, expected);
    // Three SUCCEEDED children take two pages of ListJobs.
    let listed = fake.list_calls.lock().unwrap();
    assert!(
        listed
            .iter()
            .any(|call| call["jobStatus"] == "SUCCEEDED" && call["nextToken"] == "2")
    );
}

#[tokio::test]
async fn an_array_without_children_yet_says_so_and_an_unknown_job_is_an_error() {
    let fake = FakeBatch::new(vec![job(
        "arr",
        "PENDING",
        json!({ "arrayProperties": { "size": 5 } }),
    )]);
    let logs = find_job_logs(&fake.client(), "arr").await.unwrap();
    assert_eq!(
        logs,
        [JobLog {
            part: part("arr"),
            logs: PartLogs::InChildren
        }]
    );
    let missing = find_job_logs(&fake.client(), "nope").await.unwrap_err();
    assert_eq!(
        missing,
        FindLogsError::JobNotFound {
            job_id: "nope".to_owned()
        }
    );
    assert_eq!(missing.to_string(), "job nope not found");
}

#[test]
fn an_empty_job_detail_does_not_panic() {
    let logs = job_logs(&JobDetail::builder().build());
    assert_eq!(logs.len(), 1);
    assert!(matches!(logs[0].logs, PartLogs::NoStreamYet { .. }));
}

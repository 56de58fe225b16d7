//! End to end: array jobs, job dependencies and multi-node jobs on the local endpoint,
//! through the real aws-sdk-batch client over HTTP. The server clock is moved with
//! `advance_clock` on tokio's paused clock, so every status is checked at an exact
//! moment of the jobs' schedules.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use aws_sdk_batch::types::{
    ArrayJobDependency, ArrayProperties, ContainerProperties, JobDefinitionType, JobDependency,
    JobDetail, JobStatus, JobSummary, NodeOverrides, NodeProperties, NodeRangeProperty,
};
use waiters_local::{JobProfile, LocalBatch};
use waiters_runtime::array::{
    ArrayProgress, ProgressObserver, failed_children, wait_for_array, wait_for_children,
};
use waiters_runtime::config::{DelayStrategy, RandomSource};
use waiters_runtime::{BatchWaiters, JobPoller, JobWaitError, JobWaitOptions};

async fn start() -> (LocalBatch, Client) {
    let server = LocalBatch::builder()
        .default_profile(JobProfile::succeeding_after(Duration::from_secs(10)))
        .start()
        .await
        .expect("local endpoint starts");
    // On the paused clock an SDK timeout could fire while a request is on the socket.
    let client = Client::from_conf(
        server
            .client_config()
            .timeout_config(TimeoutConfig::disabled())
            .build(),
    );
    (server, client)
}

/// Submits an array of `size` (or a plain job for `None`) with these parameters and
/// dependencies.
async fn submit(
    client: &Client,
    size: Option<i32>,
    parameters: &[(&str, &str)],
    depends_on: Vec<JobDependency>,
) -> Result<String, String> {
    let mut request = client
        .submit_job()
        .job_name("fanout")
        .job_queue("queue")
        .job_definition("definition:1")
        .set_depends_on(Some(depends_on));
    if let Some(size) = size {
        request = request.array_properties(ArrayProperties::builder().size(size).build());
    }
    for (k, v) in parameters {
        request = request.parameters(*k, *v);
    }
    match request.send().await {
        Ok(output) => Ok(output.job_id().expect("jobId").to_owned()),
        Err(err) => Err(aws_sdk_batch::error::DisplayErrorContext(err).to_string()),
    }
}

async fn describe(client: &Client, id: &str) -> JobDetail {
    let out = client.describe_jobs().jobs(id).send().await.unwrap();
    out.jobs().first().cloned().expect("the job is described")
}

fn status(job: &JobDetail) -> &str {
    job.status().map_or("", JobStatus::as_str)
}

/// Each status of the parent's `statusSummary` that has children, in a fixed order.
fn summary(parent: &JobDetail) -> Vec<(String, i32)> {
    let summary = parent
        .array_properties()
        .and_then(|a| a.status_summary())
        .expect("statusSummary");
    let mut counts: Vec<(String, i32)> = summary
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    counts.sort();
    counts
}

/// Every page of `ListJobs` for the members of `parent` in `status`, and the number of
/// calls made.
async fn list_members(
    client: &Client,
    parent: &str,
    multi_node: bool,
    status: JobStatus,
) -> (Vec<JobSummary>, usize) {
    let (mut all, mut calls, mut token) = (Vec::new(), 0, None);
    loop {
        let request = client
            .list_jobs()
            .job_status(status.clone())
            .max_results(1000);
        let request = if multi_node {
            request.multi_node_job_id(parent)
        } else {
            request.array_job_id(parent)
        };
        let out = request.set_next_token(token).send().await.unwrap();
        calls += 1;
        all.extend(out.job_summary_list().iter().cloned());
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            return (all, calls);
        }
    }
}

fn counts(pairs: &[(&str, i32)]) -> Vec<(String, i32)> {
    let mut out: Vec<_> = pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
    out.sort();
    out
}

fn exact_options() -> JobWaitOptions {
    JobWaitOptions {
        initial_delay: Some(Duration::ZERO),
        phase_delay: DelayStrategy::Fixed,
        random: RandomSource::fixed(0.5),
        ..JobWaitOptions::default()
    }
}

const SEC: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn an_array_of_10000_children_runs_and_lists_in_pages() {
    let (server, client) = start().await;
    let parent = submit(&client, Some(10_000), &[], vec![]).await.unwrap();

    let job = describe(&client, &parent).await;
    assert_eq!(status(&job), "SUBMITTED");
    let array = job.array_properties().unwrap();
    assert_eq!((array.size(), array.index()), (Some(10_000), None));
    assert_eq!(summary(&job), counts(&[("SUBMITTED", 10_000)]));

    // Each phase lasts 2 s: at 5 s every child is RUNNABLE, so the parent is PENDING.
    server.advance_clock(SEC * 5);
    let job = describe(&client, &parent).await;
    assert_eq!(status(&job), "PENDING");
    assert_eq!(summary(&job), counts(&[("RUNNABLE", 10_000)]));
    let (children, calls) = list_members(&client, &parent, false, JobStatus::Runnable).await;
    assert_eq!((children.len(), calls), (10_000, 10));
    let mut indexes: Vec<i32> = children
        .iter()
        .map(|c| c.array_properties().and_then(|a| a.index()).unwrap())
        .collect();
    indexes.dedup();
    assert_eq!(indexes, (0..10_000).collect::<Vec<_>>(), "index order");
    assert_eq!(children[42].job_id(), Some(format!("{parent}:42").as_str()));

    let child = describe(&client, &format!("{parent}:9999")).await;
    assert_eq!(child.array_properties().unwrap().index(), Some(9999));
    assert_eq!(child.job_name(), job.job_name());

    // The queue lists the parent, not its children.
    let queue = client
        .list_jobs()
        .job_queue("queue")
        .job_status(JobStatus::Pending)
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = queue
        .job_summary_list()
        .iter()
        .map(|j| j.job_id())
        .collect();
    assert_eq!(listed, [Some(parent.as_str())]);

    server.advance_clock(SEC * 5);
    let job = describe(&client, &parent).await;
    assert_eq!(status(&job), "SUCCEEDED");
    assert_eq!(summary(&job), counts(&[("SUCCEEDED", 10_000)]));
    let waited = BatchWaiters::new(client)
        .wait_for_job_with(
            &parent,
            &exact_options(),
            waiters_runtime::engine::NoObserver,
        )
        .await
        .unwrap();
    assert_eq!(waited.status().map(JobStatus::as_str), Some("SUCCEEDED"));
}

#[tokio::test(start_paused = true)]
async fn a_child_failing_while_the_others_run_fails_the_parent_once_all_ended() {
    let (server, client) = start().await;
    // The others spend 1 s in each phase before RUNNING, then run for 10 minutes;
    // child 7 fails 10 s in, with exit code 3.
    let params = [
        ("local:phaseMillis", "1000"),
        ("local:runningMillis", "600000"),
        ("local:failIndexes", "7"),
        ("local:failAfterMillis", "10000"),
        ("local:failExitCode", "3"),
    ];
    let parent = submit(&client, Some(100), &params, vec![]).await.unwrap();
    server.advance_clock(SEC * 11);

    let job = describe(&client, &parent).await;
    assert_eq!(status(&job), "PENDING", "still running children");
    assert_eq!(summary(&job), counts(&[("FAILED", 1), ("RUNNING", 99)]));
    let (failed, calls) = list_members(&client, &parent, false, JobStatus::Failed).await;
    assert_eq!(calls, 1);
    assert_eq!(failed.len(), 1);
    let child = &failed[0];
    assert_eq!(child.job_id(), Some(format!("{parent}:7").as_str()));
    assert_eq!(child.container().and_then(|c| c.exit_code()), Some(3));
    assert_eq!(
        child.status_reason(),
        Some(waiters_local::DEFAULT_STATUS_REASON)
    );

    server.advance_clock(Duration::from_secs(600));
    let job = describe(&client, &parent).await;
    assert_eq!(status(&job), "FAILED");
    assert_eq!(summary(&job), counts(&[("FAILED", 1), ("SUCCEEDED", 99)]));
    let err = BatchWaiters::new(client)
        .wait_for_job_with(
            &parent,
            &exact_options(),
            waiters_runtime::engine::NoObserver,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, JobWaitError::JobFailed { .. }), "{err}");
}

#[tokio::test(start_paused = true)]
async fn sequential_children_run_one_after_the_other() {
    let (server, client) = start().await;
    let sequential = JobDependency::builder()
        .r#type(ArrayJobDependency::Sequential)
        .build();
    let parent = submit(&client, Some(3), &[], vec![sequential.clone()])
        .await
        .unwrap();
    let statuses = |client: Client, parent: String| async move {
        let out = client
            .describe_jobs()
            .jobs(format!("{parent}:0"))
            .jobs(format!("{parent}:1"))
            .jobs(format!("{parent}:2"))
            .send()
            .await
            .unwrap();
        out.jobs()
            .iter()
            .map(|j| status(j).to_owned())
            .collect::<Vec<_>>()
    };
    // 10 s each: child 1 leaves PENDING at 10 s (RUNNABLE for 2 s), child 2 at 16 s.
    server.advance_clock(SEC * 11);
    assert_eq!(
        statuses(client.clone(), parent.clone()).await,
        ["SUCCEEDED", "RUNNABLE", "PENDING"]
    );
    server.advance_clock(SEC * 6);
    assert_eq!(
        statuses(client.clone(), parent.clone()).await,
        ["SUCCEEDED", "SUCCEEDED", "RUNNABLE"]
    );
    assert_eq!(status(&describe(&client, &parent).await), "PENDING");
    server.advance_clock(SEC * 5);
    assert_eq!(status(&describe(&client, &parent).await), "SUCCEEDED");

    // When a child fails, the ones after it fail without running.
    let failing = submit(
        &client,
        Some(3),
        &[("local:failIndexes", "1")],
        vec![sequential],
    )
    .await
    .unwrap();
    server.advance_clock(SEC * 30);
    let last = describe(&client, &format!("{failing}:2")).await;
    assert_eq!(status(&last), "FAILED");
    assert_eq!(last.status_reason(), Some("Dependent Job failed"));
    assert!(last.attempts().is_empty(), "it never ran: {last:?}");
    let job = describe(&client, &failing).await;
    assert_eq!(status(&job), "FAILED");
    assert_eq!(summary(&job), counts(&[("FAILED", 2), ("SUCCEEDED", 1)]));
}

#[tokio::test(start_paused = true)]
async fn n_to_n_children_wait_for_their_counterparts() {
    let (server, client) = start().await;
    // A's child 1 fails late (20 s), so B's child 1 waits for it, then fails.
    let first = submit(
        &client,
        Some(3),
        &[
            ("local:failIndexes", "1"),
            ("local:failAfterMillis", "20000"),
        ],
        vec![],
    )
    .await
    .unwrap();
    let n_to_n = JobDependency::builder()
        .job_id(&first)
        .r#type(ArrayJobDependency::NToN)
        .build();
    let second = submit(&client, Some(3), &[], vec![n_to_n]).await.unwrap();
    server.advance_clock(SEC * 15);
    let b1 = describe(&client, &format!("{second}:1")).await;
    assert_eq!(status(&b1), "PENDING", "A:1 is still running");
    let b0 = describe(&client, &format!("{second}:0")).await;
    // A:0 ended at 10 s: B:0 is RUNNABLE and STARTING for 2 s each, then RUNNING.
    assert_eq!(status(&b0), "RUNNING");
    assert_eq!(status(&describe(&client, &second).await), "PENDING");

    server.advance_clock(SEC * 6);
    let b1 = describe(&client, &format!("{second}:1")).await;
    assert_eq!(status(&b1), "FAILED");
    assert_eq!(b1.status_reason(), Some("Dependent Job failed"));
    // B:0 and B:2 ended at 16 s: every child has ended.
    let job = describe(&client, &second).await;
    assert_eq!(status(&job), "FAILED");
    assert_eq!(summary(&job), counts(&[("FAILED", 1), ("SUCCEEDED", 2)]));

    // N_TO_N needs an array of the same size, and array dependency types an array.
    let n_to_n = |id: &str| {
        JobDependency::builder()
            .job_id(id)
            .r#type(ArrayJobDependency::NToN)
            .build()
    };
    let err = submit(&client, Some(4), &[], vec![n_to_n(&first)]).await;
    assert!(err.unwrap_err().contains("same size"));
    let err = submit(&client, None, &[], vec![n_to_n(&first)]).await;
    assert!(err.unwrap_err().contains("only for array jobs"));
}

#[tokio::test(start_paused = true)]
async fn array_sizes_outside_2_to_10000_are_client_errors() {
    let (_server, client) = start().await;
    for size in [1, 10_001, -3] {
        let err = submit(&client, Some(size), &[], vec![]).await.unwrap_err();
        assert!(err.contains("ClientException"), "{err}");
        assert!(err.contains("between 2 and 10000"), "{err}");
    }
    let err = submit(&client, Some(5), &[("local:failIndexes", "5")], vec![]).await;
    assert!(err.unwrap_err().contains("below 5"));
}

#[tokio::test(start_paused = true)]
async fn terminating_a_parent_terminates_its_children() {
    let (server, client) = start().await;
    let parent = submit(&client, Some(4), &[], vec![]).await.unwrap();
    server.advance_clock(SEC * 9); // children RUNNING
    client
        .terminate_job()
        .job_id(&parent)
        .reason("stop the sweep")
        .send()
        .await
        .unwrap();
    let job = describe(&client, &parent).await;
    assert_eq!(status(&job), "FAILED");
    assert_eq!(summary(&job), counts(&[("FAILED", 4)]));
    let child = describe(&client, &format!("{parent}:3")).await;
    assert_eq!(child.status_reason(), Some("stop the sweep"));
    assert_eq!(child.is_terminated(), Some(true));
}

async fn register_multinode(client: &Client) {
    let container = ContainerProperties::builder().image("mpi").build();
    client
        .register_job_definition()
        .job_definition_name("mpi")
        .r#type(JobDefinitionType::Multinode)
        .node_properties(
            NodeProperties::builder()
                .num_nodes(3)
                .main_node(0)
                .node_range_properties(
                    NodeRangeProperty::builder()
                        .target_nodes("0:")
                        .container(container)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_multi_node_job_ends_as_its_main_node() {
    let (server, client) = start().await;
    register_multinode(&client).await;
    let submitted = client
        .submit_job()
        .job_name("mpi-run")
        .job_queue("queue")
        .job_definition("mpi")
        .node_overrides(NodeOverrides::builder().num_nodes(4).build())
        .parameters("local:failIndexes", "0")
        .parameters("local:failExitCode", "137")
        .send()
        .await
        .unwrap();
    let job_id = submitted.job_id().unwrap().to_owned();
    server.advance_clock(SEC * 9);
    let job = describe(&client, &job_id).await;
    assert_eq!(status(&job), "RUNNING");
    let nodes = job.node_properties().unwrap();
    assert_eq!((nodes.num_nodes(), nodes.main_node()), (Some(4), Some(0)));

    server.advance_clock(SEC * 2);
    let job = describe(&client, &job_id).await;
    assert_eq!(status(&job), "FAILED", "the main node failed");
    let main = describe(&client, &format!("{job_id}#0")).await;
    let details = main.node_details().unwrap();
    assert_eq!(
        (details.node_index(), details.is_main_node()),
        (Some(0), Some(true))
    );
    assert_eq!(main.container().and_then(|c| c.exit_code()), Some(137));

    let (succeeded, _) = list_members(&client, &job_id, true, JobStatus::Succeeded).await;
    let ids: Vec<_> = succeeded.iter().filter_map(|n| n.job_id()).collect();
    assert_eq!(
        ids,
        [1, 2, 3].map(|i| format!("{job_id}#{i}")),
        "the other nodes succeeded"
    );
    let summary = succeeded[0].node_properties().unwrap();
    assert_eq!(
        (
            summary.is_main_node(),
            summary.num_nodes(),
            summary.node_index()
        ),
        (Some(false), Some(4), Some(1))
    );
    let err = BatchWaiters::new(client)
        .wait_for_job_with(
            &job_id,
            &exact_options(),
            waiters_runtime::engine::NoObserver,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, JobWaitError::JobFailed { .. }), "{err}");
    assert_eq!(
        err.status_reason(),
        Some(waiters_local::DEFAULT_STATUS_REASON)
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_array_reports_progress_changes_and_the_failed_children() {
    let (_server, client) = start().await;
    // 1,000 children in 10 s; children 10, 500 to 501 fail at 5 s with exit code 2.
    let params = [
        ("local:failIndexes", "10,500-501"),
        ("local:failAfterMillis", "5000"),
        ("local:failExitCode", "2"),
    ];
    let parent = submit(&client, Some(1000), &params, vec![]).await.unwrap();
    let seen = std::cell::RefCell::new(Vec::new());
    let observer = ProgressObserver::new(parent.as_str(), |p: &ArrayProgress| {
        seen.borrow_mut().push(p.to_string())
    });
    let waiters = BatchWaiters::new(client.clone());
    let err = wait_for_array(&waiters, &parent, &exact_options(), observer)
        .await
        .unwrap_err();
    let JobWaitError::JobFailed { job, .. } = &err else {
        panic!("{err}")
    };
    let progress = ArrayProgress::from_job(job).unwrap();
    assert_eq!(
        (progress.size(), progress.failed(), progress.succeeded()),
        (1000, 3, 997)
    );
    let seen = seen.into_inner();
    assert_eq!(
        seen.first().map(String::as_str),
        Some("0/1000 succeeded, 0 failed, 0 running, 1000 waiting")
    );
    assert_eq!(
        seen.last().map(String::as_str),
        Some("997/1000 succeeded, 3 failed, 0 running")
    );
    // Polled every 5 s (JobRunning): at 5 s the others are STARTING.
    assert!(
        seen.contains(&"0/1000 succeeded, 3 failed, 0 running, 997 waiting".to_owned()),
        "{seen:?}"
    );
    let mut deduped = seen.clone();
    deduped.dedup();
    assert_eq!(deduped, seen, "a line per change only");

    let failed = failed_children(&client, &parent).await.unwrap();
    assert_eq!(failed.list_calls, 1);
    let indexes: Vec<_> = failed.children.iter().map(|c| c.index).collect();
    assert_eq!(indexes, [Some(10), Some(500), Some(501)]);
    assert!(failed.children.iter().all(|c| c.exit_code == Some(2)
        && c.status_reason.as_deref() == Some(waiters_local::DEFAULT_STATUS_REASON)));
}

#[tokio::test(start_paused = true)]
async fn failed_children_of_10000_take_one_list_call_per_1000() {
    let (server, client) = start().await;
    let parent = submit(
        &client,
        Some(10_000),
        &[("local:failIndexes", "0-2499")],
        vec![],
    )
    .await
    .unwrap();
    server.advance_clock(SEC * 10);
    let failed = failed_children(&client, &parent).await.unwrap();
    assert_eq!(failed.children.len(), 2500);
    assert_eq!(failed.list_calls, 3);
    assert_eq!(server.counters().list_jobs.requests, 3);
    assert_eq!(failed.children[2499].job_id, format!("{parent}:2499"));
}

#[tokio::test(start_paused = true)]
async fn wait_for_children_goes_through_one_poller_100_children_a_call() {
    let (server, client) = start().await;
    let parent = submit(
        &client,
        Some(250),
        &[
            ("local:failIndexes", "7,200"),
            ("local:failAfterMillis", "4000"),
        ],
        vec![],
    )
    .await
    .unwrap();
    let poller = JobPoller::new(&client);
    let options = JobWaitOptions {
        poller: Some(poller.clone()),
        ..exact_options()
    };
    let waiters = BatchWaiters::new(client);
    let mut reported = 0;
    let outcomes = wait_for_children(&waiters, &parent, 250, &options, |_| reported += 1).await;
    assert_eq!((outcomes.len(), reported), (250, 250));
    let mut failed: Vec<u32> = outcomes
        .iter()
        .filter(|o| matches!(o.result, Err(JobWaitError::JobFailed { .. })))
        .map(|o| o.index)
        .collect();
    failed.sort_unstable();
    assert_eq!(failed, [7, 200]);
    assert!(outcomes.iter().filter(|o| o.result.is_ok()).count() == 248);
    let stats = poller.stats();
    assert!(stats.max_ids_in_a_call <= 100, "{stats:?}");
    assert!(
        stats.calls <= stats.rounds * 3,
        "at most 3 calls a round: {stats:?}"
    );
    assert_eq!(server.counters().describe_jobs.requests, stats.calls);
}

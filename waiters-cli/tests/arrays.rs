//! `waiters wait-for-job` on array jobs and multi-node jobs, against a local Batch
//! endpoint running in this process.

mod common;

use common::{Local, fast_model, json_stdout, stderr, stdout, temp_dir};
use waiters_runtime::aws_sdk_batch::types::{
    ArrayProperties, ContainerProperties, JobDefinitionType, NodeProperties, NodeRangeProperty,
};

const FINISHED: u32 = 6;

/// Submits an array of `size` with these parameters; returns the parent's id.
fn submit_array(local: &Local, size: i32, parameters: &[(&str, &str)]) -> String {
    let mut request = local
        .client
        .submit_job()
        .job_name("sweep")
        .job_queue("queue")
        .job_definition("definition")
        .array_properties(ArrayProperties::builder().size(size).build());
    for (key, value) in parameters {
        request = request.parameters(*key, *value);
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let output = runtime.block_on(request.send()).expect("SubmitJob");
    output.job_id().expect("jobId").to_owned()
}

#[test]
fn a_failed_array_lists_its_first_20_failed_children_in_text_and_all_in_json() {
    let local = Local::start();
    let parent = submit_array(
        &local,
        30,
        &[("local:failIndexes", "0-24"), ("local:failExitCode", "4")],
    );
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&["wait-for-job", &parent, "--delay", "0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(&format!("failure: Batch job {parent} failed")),
        "{text}"
    );
    assert_eq!(lines[1], "  array: 5/30 succeeded, 25 failed, 0 running");
    assert_eq!(
        lines[2],
        format!("  failed child {parent}:0: Essential container in task exited (exit code 4)")
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("failed child ")).count(),
        20
    );
    assert_eq!(
        lines.last().copied(),
        Some("  ... and 5 more failed children (--output json lists them all)")
    );

    let output = local
        .waiters(&["wait-for-job", &parent, "--delay", "0", "--output", "json"])
        .output()
        .expect("runs");
    let result = json_stdout(&output);
    let array = &result["jobs"][0]["array"];
    assert_eq!(array["size"], 30);
    assert_eq!(array["status_summary"]["FAILED"], 25);
    assert_eq!(array["status_summary"]["SUCCEEDED"], 5);
    let failed = array["failed_children"].as_array().expect("a list");
    assert_eq!(failed.len(), 25);
    assert_eq!(failed[24]["job_id"], format!("{parent}:24"));
    assert_eq!(failed[24]["index"], 24);
    assert_eq!(failed[24]["exit_code"], 4);
    assert_eq!(failed[24]["reason"], "Essential container in task exited");
}

#[test]
fn children_waits_on_every_child_and_reports_each() {
    let local = Local::start();
    let parent = submit_array(&local, 5, &[("local:failIndexes", "3")]);
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&[
            "wait-for-job",
            &parent,
            "--delay",
            "0",
            "--children",
            "--output",
            "json",
        ])
        .output()
        .expect("runs");
    let result = json_stdout(&output);
    let children = result["jobs"][0]["array"]["children"]
        .as_array()
        .expect("children");
    let statuses: Vec<&str> = children
        .iter()
        .map(|c| c["status"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        statuses,
        ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "SUCCEEDED"]
    );
    assert_eq!(children[3]["exit_code"], 1);
    // Every child in one DescribeJobs call, plus the parent's size and its own wait.
    assert!(
        local.describe_jobs_requests() <= 3,
        "{}",
        local.describe_jobs_requests()
    );
}

#[test]
fn progress_without_a_terminal_is_a_line_at_most_every_30_seconds() {
    let local = Local::start();
    let dir = temp_dir("array-progress");
    let model = fast_model(&dir, 0.2);
    // Real time this once: every child ends within 2 s, polled every 0.2 s.
    let parent = submit_array(&local, 3, &[("local:totalMillis", "2000")]);
    let output = local
        .waiters(&[
            "wait-for-job",
            &parent,
            "--delay",
            "0",
            "--model",
            model.to_str().expect("utf-8 path"),
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    let progress: Vec<&str> = err.lines().filter(|l| l.contains(" succeeded, ")).collect();
    assert_eq!(progress.len(), 1, "one line within 30 s:\n{err}");
    assert!(
        progress[0].starts_with(&format!("[{parent}] 0/3 succeeded")),
        "{err}"
    );
    assert!(
        !err.contains("attempt"),
        "no line per attempt for an array:\n{err}"
    );
    assert_eq!(
        stdout(&output).lines().nth(1),
        Some("  array: 3/3 succeeded, 0 failed, 0 running")
    );
}

#[test]
fn a_multi_node_job_reports_each_node() {
    let local = Local::start();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let node_range = NodeRangeProperty::builder()
        .target_nodes("0:")
        .container(ContainerProperties::builder().image("mpi").build())
        .build();
    let register = local
        .client
        .register_job_definition()
        .job_definition_name("mpi")
        .r#type(JobDefinitionType::Multinode)
        .node_properties(
            NodeProperties::builder()
                .num_nodes(2)
                .main_node(0)
                .node_range_properties(node_range)
                .build(),
        );
    runtime.block_on(register.send()).expect("registered");
    let submit = local
        .client
        .submit_job()
        .job_name("mpi-run")
        .job_queue("queue")
        .job_definition("mpi")
        .parameters("local:failIndexes", "0")
        .parameters("local:failExitCode", "137");
    let job = runtime.block_on(submit.send()).expect("submitted");
    let job = job.job_id().expect("jobId").to_owned();
    local.advance_phases(FINISHED);
    let output = local
        .waiters(&["wait-for-job", &job, "--delay", "0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            format!(
                "  node {job}#0 (main): FAILED, Essential container in task exited (exit code 137)"
            ),
            format!("  node {job}#1: SUCCEEDED, Essential container in task exited (exit code 0)"),
        ]
    );
}

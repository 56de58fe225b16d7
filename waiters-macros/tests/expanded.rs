//! The expansions checked in under `waiters-codegen/tests/expanded/` and the shape-table
//! check in `generated/sdk_shapes.rs`, compiled as ordinary source. rustc and clippy keep most lints quiet inside macro expansions, so this is where
//! generated code meets `#![deny(warnings)]` and `clippy::all` for real; the tests below
//! then run the generated acceptors of the custom model on typed outputs.
#![deny(warnings, clippy::all)]
// The generated items are `pub`, as in a user's module; in a test binary they are neither
// reachable from outside nor all used.
#![allow(unreachable_pub, dead_code)]

#[rustfmt::skip] // prettyplease wrote it; the expand test compares it byte for byte
#[path = "../../waiters-codegen/tests/expanded/airflow_batch.rs"]
mod airflow_batch;
#[rustfmt::skip] // prettyplease wrote it; the expand test compares it byte for byte
#[path = "../../waiters-codegen/tests/expanded/custom_model.rs"]
mod custom_model;
#[rustfmt::skip] // prettyplease wrote it; the expand test compares it byte for byte
#[path = "../../waiters-codegen/tests/expanded/default_model.rs"]
mod default_model;
#[rustfmt::skip] // prettyplease wrote it; the expand test compares it byte for byte
#[path = "../../waiters-codegen/tests/expanded/kitchen_sink.rs"]
mod kitchen_sink;
/// Every member of the shape table read as generated code reads it: this compiles only
/// when the table, the naming rules and aws-sdk-batch agree.
#[rustfmt::skip] // generated; the expand test compares it byte for byte
mod generated {
    include!("generated/sdk_shapes.rs");
}
#[rustfmt::skip] // prettyplease wrote it; the expand test compares it byte for byte
#[path = "../../waiters-codegen/tests/expanded/reference_model.rs"]
mod reference_model;

use waiters_runtime::aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use waiters_runtime::aws_sdk_batch::types::{
    AttemptContainerDetail, AttemptDetail, ContainerDetail, JobDetail, JobStatus,
};

fn job(status: JobStatus) -> JobDetail {
    JobDetail::builder().status(status).build()
}

fn output(jobs: Vec<JobDetail>) -> DescribeJobsOutput {
    DescribeJobsOutput::builder().set_jobs(Some(jobs)).build()
}

type Response = Result<DescribeJobsOutput, waiters_runtime::operation::DescribeJobsSdkError>;

fn index(
    classify: fn(&Response) -> Option<waiters_runtime::error::AcceptorMatch>,
    output: DescribeJobsOutput,
) -> Option<usize> {
    classify(&Ok(output)).map(|m| m.index)
}

#[test]
fn enum_variants_have_the_wire_values_of_the_shape_table() {
    generated::accessors::check_enums();
}

#[test]
fn constants_come_from_the_model() {
    use std::time::Duration;
    assert_eq!(
        custom_model::AttemptsClean::DELAY,
        Duration::from_millis(2500)
    );
    assert_eq!(custom_model::AttemptsClean::MAX_ATTEMPTS, 10);
    assert_eq!(custom_model::AnyJobStarted::DESCRIPTION, None);
    assert_eq!(default_model::JobComplete::OPERATION, "DescribeJobs");
    assert_eq!(reference_model::JobExists::NAME, "JobExists");
    assert_eq!(airflow_batch::ComputeEnvReady::NAME, "compute_env_ready");
    assert_eq!(
        airflow_batch::ComputeEnvReady::OPERATION,
        "DescribeComputeEnvironments"
    );
}

#[test]
fn filters_and_length() {
    use custom_model::AllJobsDone;
    let failed = output(vec![job(JobStatus::Succeeded), job(JobStatus::Failed)]);
    assert_eq!(index(AllJobsDone::classify, failed), Some(0));
    let done = output(vec![job(JobStatus::Succeeded), job(JobStatus::Succeeded)]);
    assert_eq!(index(AllJobsDone::classify, done), Some(1));
    assert_eq!(index(AllJobsDone::classify, output(vec![])), Some(2));
    // `jobs` absent: length(null) is an error in JMESPath, so acceptor 2 does not match.
    assert_eq!(
        index(AllJobsDone::classify, DescribeJobsOutput::builder().build()),
        None
    );
    let running = output(vec![job(JobStatus::Running)]);
    assert_eq!(index(AllJobsDone::classify, running), None);
}

#[test]
fn an_error_in_any_filtered_element_ends_the_search() {
    use custom_model::AnyJobStarted;
    let reason = |r: &str| {
        JobDetail::builder()
            .status(JobStatus::Pending)
            .status_reason(r)
            .build()
    };
    let one_long = output(vec![reason("a reason longer than twenty"), reason("short")]);
    assert_eq!(index(AnyJobStarted::classify, one_long), Some(3));
    // The second job has no statusReason: length(null) fails the whole expression.
    let missing = output(vec![
        reason("a reason longer than twenty"),
        JobDetail::builder().status(JobStatus::Pending).build(),
    ]);
    assert_eq!(index(AnyJobStarted::classify, missing), None);
}

#[test]
fn nested_projections_and_indexes() {
    use custom_model::{AttemptsClean, AttemptsCleanDefinition};
    let attempt = |code: i32| {
        AttemptDetail::builder()
            .container(AttemptContainerDetail::builder().exit_code(code).build())
            .build()
    };
    let clean = output(vec![
        JobDetail::builder()
            .attempts(attempt(0))
            .attempts(attempt(0))
            .build(),
        JobDetail::builder().attempts(attempt(0)).build(),
    ]);
    assert_eq!(index(AttemptsClean::classify, clean), Some(0));
    let dirty = output(vec![
        JobDetail::builder()
            .attempts(attempt(0))
            .is_cancelled(true)
            .build(),
        JobDetail::builder()
            .attempts(attempt(1))
            .status_reason("Essential container in task exited")
            .build(),
    ]);
    assert_eq!(index(AttemptsClean::classify, dirty.clone()), Some(1));
    assert!(AttemptsCleanDefinition::acceptor_2(&Ok(dirty)));
    let starting = output(vec![job(JobStatus::Pending), job(JobStatus::Starting)]);
    assert_eq!(index(AttemptsClean::classify, starting), Some(3));
}

#[test]
fn logic_gives_jmespath_values() {
    use custom_model::AttemptsCleanDefinition;
    // `!contains(jobs[].jobQueue, 'q') && length(jobs) > 0` is false (expected) when
    // some job is in queue `q`.
    let in_q = output(vec![
        JobDetail::builder()
            .job_queue("q")
            .status(JobStatus::Pending)
            .build(),
    ]);
    assert!(AttemptsCleanDefinition::acceptor_4(&Ok(in_q)));
    let elsewhere = output(vec![
        JobDetail::builder()
            .job_queue("other")
            .status(JobStatus::Pending)
            .build(),
    ]);
    assert!(!AttemptsCleanDefinition::acceptor_4(&Ok(elsewhere)));
    // No jobs: `length(jobs) > 0` is false, so `&&` gives false.
    assert!(AttemptsCleanDefinition::acceptor_4(&Ok(output(vec![]))));
}

#[test]
fn exit_code_filter() {
    use custom_model::AnyJobStarted;
    let failed_with = |code: i32| {
        JobDetail::builder()
            .status(JobStatus::Failed)
            .container(ContainerDetail::builder().exit_code(code).build())
            .build()
    };
    assert_eq!(
        index(AnyJobStarted::classify, output(vec![failed_with(2)])),
        Some(2)
    );
    assert_eq!(
        index(AnyJobStarted::classify, output(vec![failed_with(0)])),
        None
    );
    // No container: null != 0 is true in JMESPath.
    assert_eq!(
        index(
            AnyJobStarted::classify,
            output(vec![job(JobStatus::Failed)])
        ),
        Some(2)
    );
}

#[test]
fn waits_are_send_and_builders_keep_the_defaults() {
    use std::time::Duration;
    use waiters_runtime::aws_sdk_batch::{Client, Config};

    fn assert_send<T: Send>(value: T) -> T {
        value
    }
    // Building and starting a wait makes no call until the future is polled.
    let client = Client::from_conf(Config::builder().with_test_defaults().build());
    let waiter = default_model::JobComplete::new(&client)
        .jobs("job-1")
        .max_wait(Duration::from_secs(60))
        .jitter(Duration::from_secs(2), Duration::from_secs(1));
    drop(assert_send(waiter.wait()));
    assert_eq!(waiter.config().max_wait, Some(Duration::from_secs(60)));
    assert_eq!(
        default_model::JobComplete::new(&client).config().max_wait,
        None,
        "each waiter starts from the model"
    );
    let mut other = waiter.clone().set_jobs(None);
    other.config_mut().delay = Duration::from_secs(1);
    assert!(other.get_jobs().is_none());
    assert_eq!(waiter.config().delay, default_model::JobComplete::DELAY);
}

#[test]
fn object_values_come_in_key_order() {
    use kitchen_sink::KitchenSinkDefinition as KitchenSink;
    // The run-time evaluator keeps an object's keys sorted, and `*` lists the values in
    // that order; the SDK's `HashMap` has none, so the generated code sorts. With 26 keys
    // an unsorted walk all but surely starts elsewhere.
    let tagged = |first: &str| {
        let job = (0..26u8).fold(JobDetail::builder(), |job, i| {
            let key = format!("k{}", char::from(b'a' + i));
            job.tags(key, if i == 0 { first } else { "other" })
        });
        output(vec![job.build()])
    };
    // `jobs[0].tags.* | [0]` == "data"
    assert!(KitchenSink::acceptor_38(&Ok(tagged("data"))));
    assert!(!KitchenSink::acceptor_38(&Ok(tagged("x"))));
    // `jobs[0].tags.*` has "data" somewhere
    assert!(KitchenSink::acceptor_37(&Ok(tagged("data"))));
    assert!(!KitchenSink::acceptor_37(&Ok(tagged("x"))));
    // `length(jobs[].tags.*[])` == 2: every job's values, flattened
    let two = output(vec![
        JobDetail::builder().tags("a", "1").build(),
        JobDetail::builder().build(),
        JobDetail::builder().tags("b", "2").build(),
    ]);
    assert!(KitchenSink::acceptor_39(&Ok(two)));
    assert!(!KitchenSink::acceptor_39(&Ok(tagged("x"))));
}

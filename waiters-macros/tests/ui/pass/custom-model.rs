//! A custom model with filters, `length`, `contains`, comparisons and logic, given with
//! every option, under `#![deny(warnings)]`.
#![deny(warnings)]

use std::time::Duration;

use waiters_runtime::aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use waiters_runtime::aws_sdk_batch::types::{ContainerDetail, JobDetail, JobStatus};
use waiters_runtime::aws_sdk_batch::{Client, Config};

waiters_runtime::waiters!(
    path = "models/custom-waiters.json",
    crate = ::waiters_runtime,
    extension_trait = CustomWaiters,
);

fn main() {
    assert_eq!(AttemptsClean::DELAY, Duration::from_millis(2500));
    // Building a waiter makes no call: a client without credentials will do.
    let client = Client::from_conf(Config::builder().with_test_defaults().build());
    let waiter = client.wait_until_all_jobs_done().jobs("job-1").unlimited_attempts();
    assert_eq!(waiter.config().max_attempts, None);
    let _ = client.wait_until_any_job_started();
    let _ = CustomWaiters::wait_until_attempts_clean(&client);

    let failed = DescribeJobsOutput::builder()
        .jobs(JobDetail::builder().status(JobStatus::Succeeded).build())
        .jobs(
            JobDetail::builder()
                .status(JobStatus::Failed)
                .container(ContainerDetail::builder().exit_code(137).build())
                .build(),
        )
        .build();
    assert_eq!(AllJobsDone::classify(&Ok(failed.clone())).map(|m| m.index), Some(0));
    assert_eq!(AnyJobStarted::classify(&Ok(failed)).map(|m| m.index), Some(2));
    let none = DescribeJobsOutput::builder().set_jobs(Some(Vec::new())).build();
    assert_eq!(AllJobsDone::classify(&Ok(none)).map(|m| m.index), Some(2));
}

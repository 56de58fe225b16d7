//! The bundled model, as a user writes it, under `#![deny(warnings)]`: constants, the
//! builder, per-call overrides that leave the defaults alone, and classification.
#![deny(warnings)]

use std::time::Duration;

use waiters_runtime::aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use waiters_runtime::aws_sdk_batch::types::{JobDetail, JobStatus};
use waiters_runtime::aws_sdk_batch::{Client, Config};

mod typed {
    waiters_runtime::waiters!("models/batch-waiters.json");
}

use typed::{JobComplete, JobExists, JobRunning, Waiters};

fn output(statuses: &[JobStatus]) -> DescribeJobsOutput {
    DescribeJobsOutput::builder()
        .set_jobs(Some(
            statuses
                .iter()
                .map(|s| JobDetail::builder().status(s.clone()).build())
                .collect(),
        ))
        .build()
}

fn main() {
    assert_eq!(JobExists::DELAY, Duration::from_secs(2));
    assert_eq!(JobRunning::MAX_ATTEMPTS, 100);
    assert_eq!(JobComplete::NAME, "JobComplete");
    assert_eq!(JobComplete::OPERATION, "DescribeJobs");
    assert_eq!(
        JobComplete::DESCRIPTION,
        Some("Wait until job status is SUCCEEDED or FAILED")
    );

    // Building a waiter makes no call: a client without credentials will do.
    let client = Client::from_conf(Config::builder().with_test_defaults().build());
    let waiter = client
        .wait_until_job_complete()
        .jobs("job-1")
        .jobs("job-2")
        .max_wait(Duration::from_secs(600))
        .delay(Duration::from_secs(30))
        .max_attempts(5);
    assert_eq!(waiter.get_jobs().as_deref(), Some(&["job-1".to_owned(), "job-2".to_owned()][..]));
    assert_eq!(waiter.config().delay, Duration::from_secs(30));
    assert_eq!(waiter.config().max_wait, Some(Duration::from_secs(600)));
    assert_eq!(waiter.config().max_attempts, Some(5));
    // A new waiter starts from the model again.
    let fresh = JobComplete::new(&client);
    assert_eq!(fresh.config().delay, JobComplete::DELAY);
    assert_eq!(fresh.config().max_attempts, Some(288));

    let done = JobComplete::classify(&Ok(output(&[JobStatus::Succeeded])));
    assert_eq!(done.map(|m| m.index), Some(0));
    let failed = JobComplete::classify(&Ok(output(&[JobStatus::Succeeded, JobStatus::Failed])))
        .expect("acceptor 1 matches");
    assert_eq!(
        failed.explanation,
        "For expression \"jobs[].status\" we matched expected path: \"FAILED\" at least once"
    );
    // Our JobExists keeps polling while the job is not visible yet.
    let empty = JobExists::classify(&Ok(output(&[]))).expect("acceptor 7 matches");
    assert_eq!((empty.index, empty.state.as_str()), (7, "retry"));
    assert!(JobRunning::classify(&Ok(output(&[JobStatus::Pending]))).is_none());
}

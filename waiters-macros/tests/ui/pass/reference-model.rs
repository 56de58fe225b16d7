//! Airflow's exact model: its JobExists ends with `error == ""` in state failure, which
//! matches every successful response, so an empty `jobs` fails the wait as in botocore.
#![deny(warnings)]

use waiters_runtime::aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use waiters_runtime::aws_sdk_batch::types::{JobDetail, JobStatus};
use waiters_runtime::AcceptorState;

waiters_runtime::waiters!("models/airflow-reference.json");

fn main() {
    let empty = DescribeJobsOutput::builder().set_jobs(Some(Vec::new())).build();
    let matched = JobExists::classify(&Ok(empty)).expect("the error acceptor matches");
    assert_eq!(matched.index, 7);
    assert_eq!(matched.state, AcceptorState::Failure);
    assert_eq!(matched.explanation, "Matched expected service error code: ");
    assert!(JobExistsDefinition::acceptor_7(&Ok(DescribeJobsOutput::builder().build())));

    let running = DescribeJobsOutput::builder()
        .jobs(JobDetail::builder().status(JobStatus::Running).build())
        .build();
    assert_eq!(JobExists::classify(&Ok(running.clone())).map(|m| m.index), Some(4));
    assert_eq!(JobRunning::classify(&Ok(running)).map(|m| m.index), Some(0));
    assert_eq!(JobComplete::MAX_ATTEMPTS, 288);
    assert_eq!(JobExists::DESCRIPTION, None);
}

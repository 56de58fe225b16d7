//! Airflow's second Batch model (`waiters/batch.json` of apache-airflow-providers-amazon,
//! byte for byte): snake_case names and a DescribeComputeEnvironments waiter, under
//! `#![deny(warnings)]`.
#![deny(warnings)]

use waiters_runtime::aws_sdk_batch::operation::describe_compute_environments::DescribeComputeEnvironmentsOutput;
use waiters_runtime::aws_sdk_batch::types::{CeStatus, ComputeEnvironmentDetail};
use waiters_runtime::aws_sdk_batch::{Client, Config};

waiters_runtime::waiters!("models/airflow-batch.json");

fn environments(statuses: &[CeStatus]) -> DescribeComputeEnvironmentsOutput {
    DescribeComputeEnvironmentsOutput::builder()
        .set_compute_environments(Some(
            statuses
                .iter()
                .map(|s| ComputeEnvironmentDetail::builder().status(s.clone()).build())
                .collect(),
        ))
        .build()
}

fn main() {
    assert_eq!(ComputeEnvReady::NAME, "compute_env_ready");
    assert_eq!(BatchJobComplete::NAME, "batch_job_complete");
    let index = |statuses: &[CeStatus]| {
        ComputeEnvReady::classify(&Ok(environments(statuses))).map(|m| m.index)
    };
    assert_eq!(index(&[CeStatus::Valid, CeStatus::Valid]), Some(0));
    assert_eq!(index(&[CeStatus::Valid, CeStatus::Invalid]), Some(1));
    assert_eq!(index(&[CeStatus::Deleted]), Some(2));
    assert_eq!(index(&[CeStatus::Creating]), None);
    assert_eq!(index(&[]), None);

    // Building a waiter makes no call: a client without credentials will do.
    let client = Client::from_conf(Config::builder().with_test_defaults().build());
    let waiter = client
        .wait_until_compute_env_ready()
        .compute_environments("ce")
        .max_results(1);
    assert_eq!(*waiter.get_max_results(), Some(1));
    let _ = client.wait_until_batch_job_complete().jobs("job-1");
}

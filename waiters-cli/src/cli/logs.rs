//! `waiters logs`: a job's log lines.

use clap::Args;

use super::AwsArgs;

pub(crate) const LOGS_HELP: &str = "\
Finds the job's log streams (container, each attempt, every child of an array job through
ListJobs, every node of a multi-node job, every container of an ECS task) and prints their
lines, each prefixed with the job's name and the part: `train[3]: ...`, `mpi#1: ...`,
`train (attempt 2): ...`. A part that logs with another driver, or has no stream yet, is
named on stderr. --follow prints new lines until the job ends, then reads each stream once
more to its end.

Endpoints: --endpoint-url applies to Batch and CloudWatch Logs; AWS_ENDPOINT_URL_CLOUDWATCH_LOGS
overrides it for Logs. IAM: batch:DescribeJobs, batch:ListJobs, logs:GetLogEvents,
logs:FilterLogEvents, logs:DescribeLogStreams.

Exit codes: 0 printed (also when there is nothing to print), 2 bad option, 4 the job was
not found or a call failed.

Examples:
  waiters logs 1a2b3c
  waiters logs 1a2b3c --follow";

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// The job id.
    #[arg(value_name = "JOB_ID")]
    pub(crate) job_id: String,
    /// Print new lines as they arrive, until the job ends.
    #[arg(long)]
    pub(crate) follow: bool,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

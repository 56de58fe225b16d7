//! `waiters events setup|teardown`: the options.

use clap::{Args, Subcommand};

use super::{AwsArgs, OutputFormat};

pub(crate) const EVENTS_HELP: &str = "\
Event-driven waits (wait-for-job --events-queue URL) read Batch's job state change events
from an SQS queue that an EventBridge rule feeds. `setup` makes the queue, the rule and the
queue policy that lets the rule send to it; `teardown` removes them. Both are idempotent.

One queue serves one waiting process: it deletes the messages of jobs it does not wait
for. Give each process (or consumer) its own queue.

Endpoints: --endpoint-url applies to SQS and EventBridge; otherwise AWS_ENDPOINT_URL_SQS,
AWS_ENDPOINT_URL_EVENTBRIDGE and AWS_ENDPOINT_URL apply as for the AWS CLI.

Exit codes: 0 done (pieces already there or already gone are reported, not errors),
2 bad option or name, or no region, 4 a call to SQS or EventBridge failed.

Example:
  waiters events setup --queue batch-events --job-queue etl --output json
  waiters events teardown --queue batch-events";

#[derive(Debug, Args)]
pub(crate) struct EventsArgs {
    #[command(subcommand)]
    pub(crate) command: EventsCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum EventsCommand {
    /// Create the SQS queue, the EventBridge rule for Batch job state changes, the queue
    /// policy that lets the rule send to the queue, and the rule's target.
    ///
    /// Prints the queue URL and ARN and the rule ARN, and for each piece whether it was
    /// created, updated or already there.
    #[command(after_help = EVENTS_HELP)]
    Setup(SetupArgs),
    /// Remove the rule's target, the rule (unless other targets use it) and the queue.
    #[command(after_help = EVENTS_HELP)]
    Teardown(TeardownArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SetupArgs {
    /// The SQS queue's name (a standard queue).
    #[arg(long, value_name = "NAME")]
    pub(crate) queue: String,
    /// Only events of jobs in this job queue (an ARN, or a name in the queue's account
    /// and region); repeat for several. Default: every job queue.
    #[arg(long = "job-queue", value_name = "ARN")]
    pub(crate) job_queues: Vec<String>,
    /// The EventBridge rule's name (default: waiters-QUEUE).
    #[arg(long, value_name = "NAME")]
    pub(crate) rule_name: Option<String>,
    /// How to report the result.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

#[derive(Debug, Args)]
pub(crate) struct TeardownArgs {
    /// The SQS queue's name.
    #[arg(long, value_name = "NAME")]
    pub(crate) queue: String,
    /// The EventBridge rule's name (default: waiters-QUEUE).
    #[arg(long, value_name = "NAME")]
    pub(crate) rule_name: Option<String>,
    /// How to report the result.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

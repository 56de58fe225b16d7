//! `waiters events setup|teardown`: the SQS queue and EventBridge rule for event-driven
//! waits. The work is in the library (`waiters_cli::events`); this is the command line.

use clap::{Args, Subcommand};
use waiters_cli::events::{
    EventsClients, EventsError, SetupOptions, TeardownOptions, setup, teardown,
};

use crate::aws::{AwsConfig, Service};
use crate::cli::{AwsArgs, OutputFormat};
use crate::error::{CliError, Exit, stderr_line, stdout_line};

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

pub(crate) async fn run(args: &EventsArgs) -> Result<Exit, CliError> {
    match &args.command {
        EventsCommand::Setup(args) => {
            let mut options = SetupOptions::new(&args.queue);
            options.rule_name.clone_from(&args.rule_name);
            options.job_queues.clone_from(&args.job_queues);
            // Names are checked before the configuration is loaded: a typo is exit 2
            // with no credentials needed.
            if let Err(error) = options.validate() {
                return Ok(failed(&error));
            }
            let clients = clients(&args.aws).await?;
            match setup(&clients, &options).await {
                Ok(report) => {
                    print(args.output, report.to_json(), report.text_lines());
                    if args.output == OutputFormat::Text {
                        stderr_line(&format!(
                            "waiters: wait with: waiters wait-for-job JOB_ID --events-queue {}",
                            report.queue.url
                        ));
                    }
                    Ok(Exit::Success)
                }
                Err(error) => Ok(failed(&error)),
            }
        }
        EventsCommand::Teardown(args) => {
            let mut options = TeardownOptions::new(&args.queue);
            options.rule_name.clone_from(&args.rule_name);
            if let Err(error) = options.validate() {
                return Ok(failed(&error));
            }
            let clients = clients(&args.aws).await?;
            match teardown(&clients, &options).await {
                Ok(report) => {
                    print(args.output, report.to_json(), report.text_lines());
                    Ok(Exit::Success)
                }
                Err(error) => Ok(failed(&error)),
            }
        }
    }
}

fn print(format: OutputFormat, json: serde_json::Value, lines: Vec<String>) {
    match format {
        OutputFormat::Json => stdout_line(&json.to_string()),
        OutputFormat::Text => lines.iter().for_each(|line| stdout_line(line)),
    }
}

/// One line on stderr; exit 2 for bad input, 4 for a failed call.
fn failed(error: &EventsError) -> Exit {
    stderr_line(&format!("waiters: {error}"));
    if error.is_invalid_input() {
        Exit::Usage
    } else {
        Exit::Error
    }
}

/// The standard chain plus --region and --endpoint-url (see [`AwsConfig`]). An
/// --endpoint-url set on the loader is the client configuration's own, so it wins over
/// AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_EVENTBRIDGE, which the SDK applies otherwise.
async fn clients(args: &AwsArgs) -> Result<EventsClients, CliError> {
    let config = AwsConfig::load(args, &[Service::Sqs, Service::EventBridge]).await?;
    Ok(config.events_clients())
}

//! `waiters events setup|teardown`: the SQS queue and EventBridge rule for event-driven
//! waits. The work is in the library (`waiters_cli::events`); this is the command line.

use waiters_cli::events::{
    EventsClients, EventsError, SetupOptions, TeardownOptions, setup, teardown,
};

use crate::aws::{AwsConfig, Service};
use crate::cli::{AwsArgs, EventsArgs, EventsCommand, OutputFormat};
use crate::error::{CliError, Exit, stderr_line, stdout_line};

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

//! `waiters-local`: run the local AWS Batch endpoint until Ctrl-C.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use tracing_subscriber::EnvFilter;
use waiters_local::{JobOutcome, JobProfile, LocalBatch};

const USAGE: &str = "\
usage: waiters-local [options]

Serves the AWS Batch API (SubmitJob, DescribeJobs, TerminateJob, CancelJob, ListJobs;
Create/Update/DescribeComputeEnvironments, Create/Update/DescribeJobQueues,
RegisterJobDefinition, DescribeJobDefinitions) over plain HTTP until Ctrl-C. Point a
client at the printed URL (e.g. AWS_ENDPOINT_URL_BATCH).

options:
  --bind ADDR          address to listen on (default 127.0.0.1:0, an ephemeral port)
  --total-millis N     default job lifetime, split evenly over the five phases (default 5000)
  --phase-millis N     default duration of every phase (instead of --total-millis)
  --outcome OUTCOME    default outcome: SUCCEEDED or FAILED (default SUCCEEDED)
  --exit-code N        default container exit code
  --settle-millis N    how long compute environments and job queues stay CREATING or
                       UPDATING (default 2000)
  --region REGION      region named in ARNs (default us-east-1)
  --seed N             seed for generated ids
  --eventbridge-url URL
                       publish every job status change to this EventBridge endpoint
                       (PutEvents, source aws.batch, detail-type Batch Job State Change;
                       plain HTTP, test credentials: for moto or another emulator)
  -h, --help           show this help

Per-job schedules: SubmitJob parameters local:outcome, local:totalMillis, local:phaseMillis,
local:<phase>Millis, local:exitCode, local:statusReason, local:visibleAfterMillis.
Compute environment and job queue tags: local:outcome (VALID or INVALID),
local:readyMillis, local:statusReason.
Admin routes: GET/DELETE /_local/counters, GET/POST/DELETE /_local/faults,
PUT /_local/latency, POST /_local/clock/advance; with --eventbridge-url also
GET /_local/events, DELETE /_local/events/counters, GET/POST/DELETE /_local/events/faults.
Logs go to stderr; RUST_LOG controls them (default info).";

#[derive(Debug, thiserror::Error)]
enum ArgsError {
    #[error("unknown option `{0}`")]
    Unknown(String),
    #[error("option `{0}` needs a value")]
    MissingValue(String),
    #[error("invalid value `{value}` for `{option}`")]
    Invalid { option: String, value: String },
}

enum Command {
    Help,
    Serve(Box<waiters_local::LocalBatchBuilder>),
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, ArgsError> {
    let mut builder = LocalBatch::builder();
    let mut profile = JobProfile::default();
    let mut args = args.into_iter();
    while let Some(option) = args.next() {
        if option == "-h" || option == "--help" {
            return Ok(Command::Help);
        }
        if !matches!(
            option.as_str(),
            "--bind"
                | "--total-millis"
                | "--phase-millis"
                | "--outcome"
                | "--exit-code"
                | "--settle-millis"
                | "--region"
                | "--seed"
                | "--eventbridge-url"
        ) {
            return Err(ArgsError::Unknown(option));
        }
        let value = args
            .next()
            .ok_or_else(|| ArgsError::MissingValue(option.clone()))?;
        let invalid = || ArgsError::Invalid {
            option: option.clone(),
            value: value.clone(),
        };
        match option.as_str() {
            "--bind" => builder = builder.bind(value.parse::<SocketAddr>().map_err(|_| invalid())?),
            "--total-millis" => {
                let millis = value.parse::<u64>().map_err(|_| invalid())?;
                profile = profile.with_total_duration(Duration::from_millis(millis));
            }
            "--phase-millis" => {
                let millis = value.parse::<u64>().map_err(|_| invalid())?;
                profile = profile.with_every_phase(Duration::from_millis(millis));
            }
            "--outcome" => {
                let outcome = match value.to_ascii_uppercase().as_str() {
                    "SUCCEEDED" => JobOutcome::Succeeded,
                    "FAILED" => JobOutcome::Failed,
                    _ => return Err(invalid()),
                };
                profile = profile.with_outcome(outcome);
            }
            "--exit-code" => {
                profile = profile.with_exit_code(value.parse::<i32>().map_err(|_| invalid())?);
            }
            "--settle-millis" => {
                let millis = value.parse::<u64>().map_err(|_| invalid())?;
                builder = builder.settle_after(Duration::from_millis(millis));
            }
            "--region" => builder = builder.region(value),
            "--seed" => builder = builder.seed(value.parse::<u64>().map_err(|_| invalid())?),
            "--eventbridge-url" => {
                if !(value.starts_with("http://") || value.starts_with("https://")) {
                    return Err(invalid());
                }
                builder = builder.eventbridge(value);
            }
            _ => return Err(ArgsError::Unknown(option)),
        }
    }
    Ok(Command::Serve(Box::new(builder.default_profile(profile))))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let builder = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Serve(builder)) => builder,
        Err(error) => {
            eprintln!("waiters-local: {error}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let server = match builder.start().await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("waiters-local: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The URL on stdout, alone on its line, so scripts can read it.
    println!("{}", server.endpoint_url());
    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("waiters-local: cannot wait for Ctrl-C: {error}");
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_options_and_rejects_bad_ones() {
        assert!(matches!(parse_args(args(&["--help"])), Ok(Command::Help)));
        assert!(matches!(
            parse_args(args(&[
                "--bind",
                "127.0.0.1:0",
                "--phase-millis",
                "10",
                "--outcome",
                "failed",
                "--settle-millis",
                "0",
                "--eventbridge-url",
                "http://127.0.0.1:5000"
            ])),
            Ok(Command::Serve(_))
        ));
        assert!(matches!(
            parse_args(args(&["--eventbridge-url", "127.0.0.1:5000"])),
            Err(ArgsError::Invalid { .. })
        ));
        assert!(matches!(
            parse_args(args(&["--nope"])),
            Err(ArgsError::Unknown(_))
        ));
        assert!(matches!(
            parse_args(args(&["--seed"])),
            Err(ArgsError::MissingValue(_))
        ));
        assert!(matches!(
            parse_args(args(&["--outcome", "RUNNING"])),
            Err(ArgsError::Invalid { .. })
        ));
        assert!(matches!(
            parse_args(args(&["--settle-millis", "-5"])),
            Err(ArgsError::Invalid { .. })
        ));
        assert!(matches!(
            parse_args(args(&["--bind", "localhost"])),
            Err(ArgsError::Invalid { .. })
        ));
    }
}

//! The command line: subcommands, options, value parsers and help text.
//!
//! The interface is a contract for shell scripts: names, exit codes and the JSON shape do
//! not change without a major version.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// DescribeJobs takes at most this many job ids in one call.
pub(crate) const MAX_DESCRIBE_JOBS: usize = 100;

/// The longest delay or deadline accepted, in seconds (about 31 years). Longer ones mean
/// "never" anyway, and clock arithmetic on them could overflow.
pub(crate) const MAX_SECONDS: f64 = 1e9;

const EXIT_CODES: &str = "\
Exit codes:
  0  success: the waiter reached a success state (every job SUCCEEDED)
  1  the waiter reached a failure state, or a job FAILED
  2  usage or model error (bad option, unreadable or invalid model, unknown waiter, no region)
  3  the attempt budget (--max-attempts) or the deadline (--max-wait) ran out
  4  a service or transport error ended the wait

Credentials and region come from the standard AWS chain (environment, shared config and
credentials files, web identity, ECS and EC2 instance metadata); SSO profiles and
credential_process are not supported. RUST_LOG=debug turns on debug logs on stderr.";

const WAIT_HELP: &str = "\
Output:
  --output text  progress on stderr (attempt, observed status, next poll; a spinner when
                 stderr is a terminal) and one line on stdout: `OUTCOME: details`.
  --output json  exactly one JSON object on stdout:
                 {\"waiter\": NAME, \"outcome\": \"success\"|\"failure\"|\"max_attempts\"|\"timeout\"|\"error\",
                  \"attempts\": N, \"reason\": TEXT|null, \"last_response\": BODY|{\"error\": {...}}|null}

Transient errors (throttling, HTTP 5xx, connection failures) are retried with backoff; when
the budget runs out during them the outcome is max_attempts or timeout (exit 3) and the
reason names the last error. Other service errors end the wait at once (exit 4).

Exit codes: 0 success, 1 failure state, 2 usage or model error, 3 max attempts or max wait
exceeded, 4 service or transport error.

Example:
  waiters wait JobComplete --job-id 1a2b3c --delay 30 --max-wait 3600 --output json";

const WAIT_FOR_JOB_HELP: &str = "\
Each job runs JobExists, JobRunning and JobComplete in turn, then its final status is checked
(SUCCEEDED is success, FAILED is failure). Jobs are waited on concurrently. The polling delay
of each waiter is the model's delay with Airflow's jitter (+/- 2 s, at least 1 s), with no
attempt limit: use --max-wait for a deadline.

Output:
  --output text  progress on stderr, and one line per job on stdout: `OUTCOME: job ID ...`.
  --output json  exactly one JSON object on stdout:
                 {\"outcome\": OVERALL, \"jobs\": [{\"job_id\", \"outcome\", \"status\",
                  \"status_reason\", \"exit_code\", \"waiter\", \"attempts\", \"reason\"}, ...]}

With several jobs the exit code is the most telling one: 1 if any job failed, else 4 if any
wait ended in an error, else 3 if any ran out of time, else 0.

Exit codes: 0 every job SUCCEEDED, 1 a job FAILED (or a waiter reached a failure state),
2 usage or model error, 3 max wait exceeded, 4 service or transport error.

Example:
  waiters wait-for-job 1a2b3c 4d5e6f --max-wait 7200 --output json";

/// Wait on AWS Batch jobs with botocore's waiter semantics.
///
/// Runs the waiters of a botocore "waiters-2" model (the bundled Batch model, or your own
/// with --model) against DescribeJobs, from shell scripts, CI pipelines and Makefiles.
#[derive(Debug, Parser)]
#[command(
    name = "waiters",
    version,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true,
    after_help = EXIT_CODES
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the waiter names of the model, one per line, sorted.
    #[command(after_help = "Exit codes: 0 success, 2 unreadable or invalid model.")]
    List(ListArgs),
    /// Print one waiter's configuration, as written in the model, as JSON.
    #[command(after_help = "Exit codes: 0 success, 2 unknown waiter or invalid model.")]
    Show(ShowArgs),
    /// Check waiter model files (any service's waiters-2.json).
    ///
    /// Prints `FILE: ok (N waiters)` on stdout for each valid file and every problem of the
    /// others on stderr as `FILE: JSON-PATH: message`.
    #[command(after_help = "Exit codes: 0 every file is valid, 2 otherwise.")]
    Validate(ValidateArgs),
    /// Run one waiter on the given jobs (one DescribeJobs call per attempt).
    #[command(after_help = WAIT_HELP)]
    Wait(WaitArgs),
    /// Wait until jobs finish: JobExists, JobRunning, JobComplete, then a status check.
    #[command(after_help = WAIT_FOR_JOB_HELP)]
    WaitForJob(WaitForJobArgs),
    /// Run a local AWS Batch endpoint (plain HTTP) until Ctrl-C or SIGTERM.
    ///
    /// The endpoint URL is the first line on stdout. Jobs follow a schedule chosen per job
    /// through SubmitJob parameters (local:outcome, local:totalMillis, local:exitCode, ...;
    /// by default SUCCEEDED after 5 seconds). Any credentials and region are accepted.
    #[command(
        after_help = "Example:\n  url=$(waiters local --port 0 | head -n 1)\n\nExit codes: 0 stopped by Ctrl-C or SIGTERM, 2 bad option, 4 the port cannot be bound."
    )]
    Local(LocalArgs),
    /// Set up (or tear down) the SQS queue and EventBridge rule for event-driven waits.
    #[command(
        after_help = "Exit codes: 0 done, 2 bad option or name, or no region, 4 a call to SQS or EventBridge failed."
    )]
    Events(crate::events_command::EventsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ModelArg {
    /// A waiters-2 model file to use instead of the bundled Batch model.
    #[arg(long, value_name = "FILE")]
    pub(crate) model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct AwsArgs {
    /// Send requests to this endpoint instead of AWS (a local endpoint, moto, ...).
    #[arg(long, value_name = "URL", value_parser = parse_endpoint_url)]
    pub(crate) endpoint_url: Option<String>,
    /// The AWS region; default from AWS_REGION, AWS_DEFAULT_REGION or the config file.
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub(crate) region: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    pub(crate) model: ModelArg,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The waiter's exact name (for example JobComplete).
    #[arg(value_name = "WAITER")]
    pub(crate) waiter: String,
    #[command(flatten)]
    pub(crate) model: ModelArg,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Model files to check.
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct WaitArgs {
    /// The waiter to run (for example JobComplete).
    #[arg(value_name = "WAITER")]
    pub(crate) waiter: String,
    /// A job id or ARN; repeat for several jobs (at most 100, one DescribeJobs call).
    #[arg(long = "job-id", value_name = "ID", required = true)]
    pub(crate) job_ids: Vec<String>,
    #[command(flatten)]
    pub(crate) model: ModelArg,
    /// Seconds between attempts, instead of the model's delay (fractions and 0 allowed).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, allow_hyphen_values = true)]
    pub(crate) delay: Option<Duration>,
    /// Most calls to make, instead of the model's maxAttempts.
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..),
        allow_hyphen_values = true
    )]
    pub(crate) max_attempts: Option<u32>,
    /// A deadline for the whole wait, in seconds.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, allow_hyphen_values = true)]
    pub(crate) max_wait: Option<Duration>,
    /// Apply Airflow's jitter to every delay: uniform in [max(1, delay - 2), delay + 2] seconds.
    #[arg(long)]
    pub(crate) jitter: bool,
    /// How to report the result.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

#[derive(Debug, Args)]
pub(crate) struct WaitForJobArgs {
    /// Job ids or ARNs.
    #[arg(value_name = "ID", required = true)]
    pub(crate) job_ids: Vec<String>,
    /// A model with JobExists, JobRunning and JobComplete instead of the bundled one.
    #[arg(long, value_name = "FILE")]
    pub(crate) model: Option<PathBuf>,
    /// The initial delay in seconds, jittered by +/- 1 s (default: uniform 1-10 s).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, allow_hyphen_values = true)]
    pub(crate) delay: Option<Duration>,
    /// A deadline for the whole wait of each job, in seconds, initial delay included.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, allow_hyphen_values = true)]
    pub(crate) max_wait: Option<Duration>,
    /// How to report the result.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

#[derive(Debug, Args)]
pub(crate) struct LocalArgs {
    /// The port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub(crate) port: u16,
    /// Publish every job status change to this EventBridge endpoint (moto, say), as
    /// Batch's "Batch Job State Change" events.
    #[arg(long, value_name = "URL", value_parser = parse_endpoint_url)]
    pub(crate) eventbridge_url: Option<String>,
}

/// How `wait` and `wait-for-job` report their result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Progress on stderr, a result line on stdout.
    Text,
    /// One JSON object on stdout, nothing on stderr.
    Json,
}

/// Seconds as a non-negative, finite decimal number (`0`, `0.05`, `30`).
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if value.is_nan() {
        return Err("NaN is not a number of seconds".to_owned());
    }
    if value < 0.0 {
        return Err(format!("`{text}` is negative; seconds must be 0 or more"));
    }
    if value > MAX_SECONDS {
        return Err(format!(
            "`{text}` seconds is too large (at most {MAX_SECONDS:.0})"
        ));
    }
    Duration::try_from_secs_f64(value).map_err(|_| format!("`{text}` is not a number of seconds"))
}

fn parse_region(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("the region must not be empty".to_owned());
    }
    Ok(text.to_owned())
}

/// Checked here so a typo is a usage error (exit 2), not a failed request (exit 4).
fn parse_endpoint_url(text: &str) -> Result<String, String> {
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(|| format!("`{text}` is not an http:// or https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || text.chars().any(char::is_whitespace) {
        return Err(format!("`{text}` is not a valid URL"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_fractions_and_zero() {
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert_eq!(parse_seconds("0.05"), Ok(Duration::from_millis(50)));
        assert_eq!(parse_seconds("1e1"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("1e9"), Ok(Duration::from_secs(1_000_000_000)));
    }

    #[test]
    fn seconds_reject_negative_nan_infinite_and_text() {
        for bad in [
            "-1", "-0.5", "NaN", "nan", "inf", "1e400", "1e19", "1.1e9", "abc", "",
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn endpoint_urls_need_a_scheme_and_host() {
        assert!(parse_endpoint_url("http://127.0.0.1:4566").is_ok());
        assert!(parse_endpoint_url("HTTPS://batch.example").is_ok());
        for bad in [
            "127.0.0.1:4566",
            "ftp://x",
            "http://",
            "http:///path",
            "http://a b",
        ] {
            assert!(parse_endpoint_url(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

//! The command line: subcommands, options, value parsers and help text.
//!
//! The interface is a contract for shell scripts: names, exit codes and the JSON shape do
//! not change without a major version.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod events;
mod logs;
mod values;

pub(crate) use events::{EventsArgs, EventsCommand};
pub(crate) use logs::{LOGS_HELP, LogsArgs};
pub(crate) use values::{parse_endpoint_url, parse_region};
use values::{parse_positive_seconds, parse_rate, parse_seconds};

/// `waiters --version`: the package version and, when built from git or from the packaged
/// crate, the commit (see build.rs).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("WAITERS_VERSION_SUFFIX"));

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
  4  a service or transport error ended the wait (including an endpoint that gave no
     answer for --connect-give-up seconds)
  5  a job is stuck in RUNNABLE and will not start until something changes
     (wait-for-job --fail-if-stuck; `waiters diagnose` says why and what to change)
  130, 143  stopped by SIGINT (Ctrl-C) or SIGTERM: every job is still reported, those not
     finished with the outcome `interrupted`

Credentials and region come from the standard AWS chain, as in the AWS CLI: the environment,
the profile (--profile or AWS_PROFILE) with its keys, IAM Identity Center (SSO) sign-in,
credential_process or role, web identity, ECS and EC2 instance metadata. They are resolved
before any call: a missing or expired SSO token is exit 2, with the `aws sso login` command
to run. RUST_LOG=debug turns on debug logs on stderr.";

const WAIT_HELP: &str = "\
Input:
  The waiter's operation gets its input as request JSON, as in the Batch API reference:
  --input '{\"computeEnvironments\": [\"my-ce\"]}', or --input @input.json. Members the
  operation does not have, or values of the wrong type, are refused before any call.
  --job-id ID is the shortcut for waiters on DescribeJobs. A waiter on another operation
  with neither polls it with an empty input (`{}`). Paginated operations (ListJobs,
  DescribeComputeEnvironments, ...) are read one page per attempt: the first, unless the
  input has a nextToken.

Output:
  --output text  progress on stderr (attempt, observed status, next poll; a spinner when
                 stderr is a terminal) and one line on stdout: `OUTCOME: details`. Control
                 characters in job ids and service text are shown escaped (\\n).
  --output json  exactly one JSON object on stdout:
                 {\"waiter\": NAME, \"outcome\": \"success\"|\"failure\"|\"max_attempts\"|\"timeout\"|\"error\"|\"interrupted\",
                  \"attempts\": N, \"reason\": TEXT|null, \"last_response\": BODY|{\"error\": {...}}|null}

Transient errors (throttling, HTTP 5xx, connection failures) are retried with backoff; when
the budget runs out during them the outcome is max_attempts or timeout (exit 3) and the
reason names the last error. Calls that get no answer (connection failures, calls longer
than --call-timeout) are retried after the backoff alone and given up on after
--connect-give-up seconds in a row (exit 4, naming the endpoint). Other service errors
end the wait at once (exit 4).

Exit codes: 0 success, 1 failure state, 2 usage or model error, 3 max attempts or max wait
exceeded, 4 service or transport error, 130/143 stopped by SIGINT/SIGTERM (outcome
`interrupted`, with the attempts and last response so far).

Examples:
  waiters wait JobComplete --job-id 1a2b3c --delay 30 --max-wait 3600 --output json
  waiters wait compute_env_ready --model batch.json --input '{\"computeEnvironments\": [\"ce\"]}'";

const WAIT_FOR_JOB_HELP: &str = "\
Each job runs JobExists, JobRunning and JobComplete in turn, then its final status is checked
(SUCCEEDED is success, FAILED is failure). Jobs are waited on concurrently. The polling delay
of each waiter is the model's delay with Airflow's jitter (+/- 2 s, at least 1 s), with no
attempt limit: use --max-wait for a deadline.

Job ids: on the command line, and `-` reads more from standard input, separated by whitespace
or newlines (`... | waiters wait-for-job -`); at most 100000 ids and 16 MiB. Repeated ids are
waited on once; empty ids and ids with control characters are refused (exit 2).

Calls: one shared poller asks DescribeJobs for up to 100 jobs a call, merging the calls of
all the jobs that fall due within a few seconds of each other; the jobs draw the same jitter,
so their calls fall due together. --rate-limit bounds its calls per second. --poll-per-job
polls each job on its own instead (a call per job per attempt, as Airflow does).

Events: --events-queue URL reads Batch's job state change events from an SQS queue (see
`waiters events setup`): a change is seen within seconds, and DescribeJobs is called only to
reconcile, for each job every --reconcile-every seconds (default 300). If the queue goes
away or cannot be read, the waits go on by polling (with a warning on stderr).

Output:
  --output text  progress on stderr, and one line per job on stdout: `OUTCOME: job ID ...`.
                 With more jobs than a screenful (the terminal's height; 20 when stderr is
                 not a terminal), a summary line every 10 s instead of a line per attempt:
                 jobs per status, jobs done, DescribeJobs calls.
  --output json  exactly one JSON object on stdout:
                 {\"outcome\": OVERALL, \"jobs\": [{\"job_id\", \"outcome\", \"status\",
                  \"status_reason\", \"exit_code\", \"waiter\", \"attempts\", \"reason\"}, ...],
                  \"poller\": {\"calls\", \"rounds\", \"ids\", \"max_ids_in_a_call\", ...},
                  \"events\": {\"queue_url\", \"messages\", \"applied\", ..., \"stopped\"}}
                 (poller without --poll-per-job, events with --events-queue).

With several jobs the exit code is the most telling one: 1 if any job failed, else 4 if any
wait ended in an error, else 3 if any ran out of time, else 0. SIGINT or SIGTERM stops every
wait and still reports every job (those not finished as `interrupted`, with the status last
seen): exit 130 or 143.

Stuck jobs: a job RUNNABLE for --stuck-after seconds (default 600) is diagnosed once, as
`waiters diagnose` would: a warning line on stderr (text output), a `diagnosis` member in
its JSON entry. With --fail-if-stuck, a job whose diagnosis says it will not start until
something changes (a misconfiguration, a DISABLED or INVALID queue or compute environment,
a job larger than any compute environment) ends its wait with the outcome `stuck` (exit 5);
a capacity shortage is waited out. With --events-queue, a \"Batch Job Queue Blocked\" event
for a job starts its diagnosis at once.

Exit codes: 0 every job SUCCEEDED, 1 a job FAILED (or a waiter reached a failure state),
2 usage or model error, 3 max wait exceeded, 4 service or transport error, 5 a job is stuck
(--fail-if-stuck), 130/143 stopped by SIGINT/SIGTERM. With several jobs: 1, then 5, then
4, then 3.

Examples:
  waiters wait-for-job 1a2b3c 4d5e6f --max-wait 7200 --output json
  aws batch list-jobs --job-queue etl --query 'jobSummaryList[].jobId' --output text \\
    | waiters wait-for-job - --rate-limit 5
  waiters wait-for-job - --events-queue https://sqs.eu-west-1.amazonaws.com/123456789012/batch-events < ids.txt";

const DIAGNOSE_HELP: &str = "\
Each finding names a cause (Batch's statusReason codes such as
MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT, a DISABLED or INVALID queue or compute
environment, a job larger than any compute environment), the fields that show it, whether
it can fix itself (capacity can; a misconfiguration cannot) and what to change. A job that
is not RUNNABLE, or RUNNABLE for no visible reason, says so.

Output:
  --output text  a line for the job, then per finding its cause, evidence and fix.
  --output json  one JSON object: {\"jobId\", \"status\", \"statusReason\", \"jobQueue\",
                 \"stuckForGood\", \"findings\": [{\"cause\", \"description\", \"evidence\":
                 [{\"source\", \"field\", \"value\"}], \"fixesItself\", \"fix\"}], \"unchecked\"}

Exit codes: 0 diagnosed, nothing holds the job for good; 5 the job will not start until
something changes; 2 usage error; 4 a call failed or the job does not exist.";

/// Wait on AWS Batch jobs with botocore's waiter semantics.
///
/// Runs the waiters of a botocore "waiters-2" model (the bundled Batch model, or your own
/// with --model) against Batch's read operations (DescribeJobs, DescribeComputeEnvironments,
/// ListJobs, ...), from shell scripts, CI pipelines and Makefiles.
#[derive(Debug, Parser)]
#[command(
    name = "waiters",
    version = VERSION,
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
    /// Run one waiter: on jobs (--job-id, one DescribeJobs call per attempt), or on its
    /// operation's input (--input JSON).
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
    /// Why is my job not starting: read the job, its queue, the queue's compute
    /// environments and the queue's front, and say what holds it in RUNNABLE.
    #[command(after_help = DIAGNOSE_HELP)]
    Diagnose(DiagnoseArgs),
    /// Set up (or tear down) the SQS queue and EventBridge rule for event-driven waits.
    #[command(
        after_help = "Exit codes: 0 done, 2 bad option or name, or no region, 4 a call to SQS or EventBridge failed."
    )]
    Events(EventsArgs),
    /// Print a job's log lines from CloudWatch Logs: every child of an array job, every
    /// node of a multi-node job, every attempt.
    #[command(after_help = LOGS_HELP)]
    Logs(LogsArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) of waiters or of one of its commands, or write them all.
    #[command(
        after_help = "Examples:\n  waiters man | man -l -\n  waiters man wait-for-job | man -l -\n  waiters man --dir /usr/local/share/man/man1\n\nExit codes: 0 done, 2 no such command, 4 cannot write."
    )]
    Man(ManArgs),
}

const COMPLETIONS_HELP: &str = "\
Install:
  bash        waiters completions bash > ~/.local/share/bash-completion/completions/waiters
  zsh         waiters completions zsh > \"${fpath[1]}/_waiters\"
  fish        waiters completions fish > ~/.config/fish/completions/waiters.fish
  powershell  waiters completions powershell >> $PROFILE

Exit codes: 0 done, 2 unknown shell.";

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The command whose page to print (for example wait-for-job); default: waiters.
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub(crate) command: Option<String>,
    /// Write every page (waiters.1, waiters-wait-for-job.1, ...) to this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ModelArg {
    /// A waiters-2 model file to use instead of the bundled Batch model.
    #[arg(long, value_name = "FILE")]
    pub(crate) model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct AwsArgs {
    /// The profile of the AWS config and credentials files to use [default: AWS_PROFILE,
    /// else `default`].
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// Send requests to this endpoint instead of AWS (a local endpoint, moto, ...): an
    /// http:// or https:// URL with a host.
    #[arg(long, value_name = "URL", value_parser = parse_endpoint_url)]
    pub(crate) endpoint_url: Option<String>,
    /// The AWS region (lowercase letters, digits and dashes); default from AWS_REGION,
    /// AWS_DEFAULT_REGION or the config file.
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub(crate) region: Option<String>,
    /// Seconds one DescribeJobs call may take, the SDK's own retries included, before it
    /// is abandoned and retried as a timeout [default: 60].
    #[arg(long, value_name = "SECS", value_parser = parse_positive_seconds, allow_hyphen_values = true)]
    pub(crate) call_timeout: Option<Duration>,
    /// Seconds that calls may go on failing without an answer (connection failures,
    /// timeouts, in a row) before the wait gives up with exit 4 [default: 60].
    #[arg(long, value_name = "SECS", value_parser = parse_positive_seconds, allow_hyphen_values = true)]
    pub(crate) connect_give_up: Option<Duration>,
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
    /// A job id or ARN; repeat for several jobs (at most 100, one DescribeJobs call). The
    /// shortcut for waiters on DescribeJobs.
    #[arg(long = "job-id", value_name = "ID")]
    pub(crate) job_ids: Vec<String>,
    /// The operation's input as request JSON (`{"computeEnvironments": ["ce"]}`), or
    /// `@FILE` to read it from a file.
    #[arg(long, value_name = "JSON|@FILE", conflicts_with = "job_ids")]
    pub(crate) input: Option<String>,
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
    /// Job ids or ARNs; `-` reads more from standard input, separated by whitespace or
    /// newlines (at most 100000 ids and 16 MiB).
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
    /// Poll DescribeJobs for each job on its own (one call per job per attempt, as
    /// Airflow does) instead of through one shared poller.
    #[arg(long)]
    pub(crate) poll_per_job: bool,
    /// At most this many DescribeJobs calls per second, for all the jobs together (the
    /// shared poller; a positive number, fractions allowed).
    #[arg(
        long,
        value_name = "CALLS_PER_SEC",
        value_parser = parse_rate,
        allow_hyphen_values = true,
        conflicts_with = "poll_per_job"
    )]
    pub(crate) rate_limit: Option<f64>,
    /// Learn of job changes from Batch's job state events in this SQS queue (see `waiters
    /// events setup`), polling only to reconcile.
    #[arg(
        long,
        value_name = "URL",
        value_parser = parse_endpoint_url,
        conflicts_with = "poll_per_job"
    )]
    pub(crate) events_queue: Option<String>,
    /// With --events-queue: seconds after which every job is polled again even without
    /// events [default: 300].
    #[arg(
        long,
        value_name = "SECS",
        value_parser = parse_positive_seconds,
        allow_hyphen_values = true,
        requires = "events_queue"
    )]
    pub(crate) reconcile_every: Option<Duration>,
    /// For an array parent, also wait on every child (through the shared poller) and
    /// report each.
    #[arg(long, conflicts_with = "poll_per_job")]
    pub(crate) children: bool,
    /// Print each job's log lines from CloudWatch Logs while it runs, prefixed with the
    /// job's name (and child index, node or container): on stdout, on stderr with
    /// --output json.
    #[arg(long)]
    pub(crate) logs: bool,
    /// Print the last N log lines of each job that FAILED under its result (in JSON, the
    /// job's `log_tail`); 0 prints none.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u16))]
    pub(crate) tail_on_failure: u16,
    /// Seconds a job may stay RUNNABLE before it is diagnosed (once).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "600",
        value_parser = parse_seconds,
        allow_hyphen_values = true
    )]
    pub(crate) stuck_after: Duration,
    /// End the wait of a job whose diagnosis says it will not start until something
    /// changes, with the outcome `stuck` (exit 5).
    #[arg(long)]
    pub(crate) fail_if_stuck: bool,
    /// On SIGINT or SIGTERM, terminate every job not finished (TerminateJob, reason
    /// "terminated by waiters on SIGINT"; needs batch:TerminateJob). A second signal
    /// stops the calls at once.
    #[arg(long)]
    pub(crate) terminate_on_interrupt: bool,
    /// How to report the result.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub(crate) output: OutputFormat,
    #[command(flatten)]
    pub(crate) aws: AwsArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DiagnoseArgs {
    /// The job id or ARN.
    #[arg(value_name = "JOB_ID")]
    pub(crate) job_id: String,
    /// How to report the diagnosis.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

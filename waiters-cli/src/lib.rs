//! `waiters`: a `wait` command for AWS Batch, for shell scripts, CI pipelines and
//! Makefiles.
//!
//! `aws batch` submits jobs but cannot wait for them. The `waiters` binary of this crate
//! does, with the library `waiters-runtime` and botocore's semantics:
//!
//! ```text
//! cargo install waiters-cli
//! waiters wait-for-job "$job_id" --max-wait 7200 --output json   # Airflow's wait_for_job
//! waiters wait JobRunning --job-id "$job_id" --delay 15          # one waiter of a model
//! waiters validate my-waiters.json                               # every problem, with its JSON path
//! waiters events setup --queue batch-events --job-queue etl      # queue and rule for event-driven waits
//! waiters local --port 0                                         # a Batch endpoint on this machine
//! ```
//!
//! The exit code says how the wait ended: 0 every job SUCCEEDED, 1 a job FAILED (or a
//! failure state), 2 a usage or model error (before any request), 3 out of attempts or
//! time, 4 a service or transport error, 130 and 143 interrupted (every job still
//! reported). `wait-for-job` takes many ids (`-` reads them from standard input) and polls
//! them through one shared poller, up to 100 ids per DescribeJobs call; with
//! `--events-queue` it learns of changes from Batch's job state events instead.
//!
//! This library is the part of the command that programs and tests can use without the
//! binary: for now the event set-up ([`events`]), the SQS queue and the EventBridge rule
//! that carry Batch's job state changes to a waiting process. What it would create:
//!
//! ```
//! use waiters_cli::events::{default_rule_name, event_pattern};
//!
//! let rule = default_rule_name("batch-events")?;
//! assert_eq!(rule, "waiters-batch-events");
//! let queues = ["arn:aws:batch:eu-west-1:123456789012:job-queue/etl".to_owned()];
//! assert_eq!(
//!     event_pattern(&queues)["detail"]["jobQueue"][0],
//!     "arn:aws:batch:eu-west-1:123456789012:job-queue/etl"
//! );
//! # Ok::<(), waiters_cli::events::EventsError>(())
//! ```

pub mod events;

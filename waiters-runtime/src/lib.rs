//! AWS Batch waiters with botocore's semantics, for Rust.
//!
//! A Batch job is submitted and then waited for: until it exists, runs, and ends. Apache
//! Airflow does this with botocore waiters driven by a JSON model (`BatchWaitersHook`:
//! JobExists, JobRunning, JobComplete and `wait_for_job`). This crate is that, for
//! `aws-sdk-batch`, in three forms that share one wait loop:
//!
//! - [`BatchWaiters`]: waiters from a model loaded at run time (the bundled one or yours),
//!   with the hook's API: `default_config`, `list_waiters`, `get_waiter`, `wait_for_job`.
//!   A model is validated completely when it is loaded, every problem with its JSON path.
//!   Waiters may poll any read-only Batch operation
//!   ([`SUPPORTED_OPERATIONS`](batch::SUPPORTED_OPERATIONS)), given its input as request JSON.
//! - [`waiters!`]: typed waiters generated from a model while your crate compiles; their
//!   acceptors are getter calls the compiler checks ([`typed`] has the bundled three).
//! - [`JobPoller`]: one shared poller for many waits, DescribeJobs calls of up to 100 ids;
//!   with the `events` feature, Batch's job state events from SQS feed it ([`events`]).
//!
//! Transient errors (throttling, 5xx, timeouts, lost connections) are retried with backoff
//! instead of ending the wait; a wait can have a deadline, is cancelled by dropping it,
//! and returns its last response on success and failure ([`Waited`], [`WaitError`]).
//!
//! The library takes `aws-sdk-batch` without default features: an application depends on
//! `aws-config` and `aws-sdk-batch` (default features: the tokio sleep and the HTTPS client)
//! beside this crate, and builds its client as usual. Here the client is a mock answering
//! RUNNING, then SUCCEEDED, on a paused clock:
//!
//! ```
//! # use aws_smithy_mocks::{RuleMode, mock, mock_client};
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let job = |status: &str| format!(r#"{{"jobs": [{{"jobId": "6d1c", "jobName": "nightly",
//! #     "jobQueue": "q", "jobDefinition": "d", "status": "{status}", "createdAt": 1,
//! #     "startedAt": 2, "container": {{"exitCode": 0}}}}]}}"#);
//! # let rule = mock!(aws_sdk_batch::Client::describe_jobs).sequence()
//! #     .http_status(200, Some(job("RUNNING")))
//! #     .http_status(200, Some(job("SUCCEEDED"))).repeatedly().build();
//! # let client = mock_client!(aws_sdk_batch, RuleMode::Sequential, [&rule]);
//! use waiters_runtime::{BatchWaiters, JobWaitError};
//!
//! let waiters = BatchWaiters::new(client.clone());
//! assert_eq!(waiters.list_waiters(), ["JobComplete", "JobExists", "JobRunning"]);
//!
//! // JobExists, JobRunning, JobComplete with Airflow's jitter, then the status check.
//! match waiters.wait_for_job("6d1c", None).await {
//!     Ok(job) => assert_eq!(job.status().map(|s| s.as_str()), Some("SUCCEEDED")),
//!     Err(e @ JobWaitError::JobFailed { .. }) => eprintln!("{e}, exit code {:?}", e.exit_code()),
//!     Err(e) => return Err(e.into()),
//! }
//!
//! // The same phase, typed: the DescribeJobsOutput comes back with the outcome.
//! let done = waiters_runtime::typed::JobComplete::new(&client).jobs("6d1c").wait().await?;
//! assert_eq!(done.attempts(), 1);
//! # Ok(()) }
//! ```
//!
//! The guide (`docs/` in the repository) has a chapter for each part.
#![warn(missing_docs)]

// Generated code names the runtime by its absolute path, also inside this crate (typed.rs).
extern crate self as waiters_runtime;

#[doc(hidden)]
#[path = "codegen_support.rs"]
pub mod __private;
pub mod array;
pub mod batch;
mod call;
pub mod config;
pub mod diagnose;
pub mod engine;
pub mod error;
pub mod events;
mod input;
pub mod job;
mod job_event;
pub mod logs;
pub mod operation;
pub mod poller;
pub mod response;
mod sdk;
pub mod terminate;
pub mod typed;

// The entry points; everything else is reached through its module.
pub use batch::{BatchWaiter, BatchWaiters};
pub use config::WaiterConfig;
pub use engine::Waited;
pub use error::WaitError;
pub use job::{JobWaitError, JobWaitOptions};
pub use poller::JobPoller;

/// The model types (`WaiterModel`, `ModelError`, ...), shared with the code generator.
pub use waiters_model as model;
/// The acceptor states; generated waiters name them here.
pub use waiters_model::AcceptorState;

/// The AWS Batch SDK these waiters are built on.
pub use aws_sdk_batch;

/// Compile-time checked, typed waiters from a waiter model (see the macro's own docs).
pub use waiters_macros::waiters;

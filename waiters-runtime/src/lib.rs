//! AWS Batch waiters with botocore's semantics, for Rust.
//!
//! - [`BatchWaiters`]: waiters from a waiter model loaded at run time (the bundled one or
//!   yours), with the API of Airflow's `BatchWaitersHook`: `default_config`,
//!   `waiter_config`, `waiter_model`, `list_waiters`, `get_waiter`, `wait` and
//!   `wait_for_job`; waiters on any read-only Batch operation
//!   ([`SUPPORTED_OPERATIONS`](batch::SUPPORTED_OPERATIONS)) take the operation's input as request JSON.
//! - [`waiters!`]: typed waiters generated from a model at build time, checked by the
//!   compiler ([`typed`]).
//! - [`engine::wait`]: the wait loop itself, generic over the operation and the acceptors,
//!   with fixed or jittered delays, attempt and time budgets, transient-error retries and
//!   cancellation by dropping the future.
//!
//! What differs from botocore, on purpose: models are validated completely up front;
//! transient errors (throttling, 5xx, timeouts, connection failures) that no acceptor
//! matched are retried with backoff instead of ending the wait; a wait can have a deadline
//! and returns its last response on success and failure; "Previously accepted state" names
//! the acceptor that really matched last; `1 == 1.0` but `1 != true`.
#![warn(missing_docs)]

// Generated code names the runtime by its absolute path, also inside this crate (typed.rs).
extern crate self as waiters_runtime;

#[doc(hidden)]
#[path = "codegen_support.rs"]
pub mod __private;
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

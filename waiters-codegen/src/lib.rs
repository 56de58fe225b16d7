//! Typed AWS Batch waiters from a botocore waiters-2 model: the code generator behind
//! `waiters_runtime::waiters!`.
//!
//! [`generate`] checks a model completely (the same validation as the run-time loader,
//! plus everything only types can tell: unknown members of the output, `expected` values
//! of the wrong type, operations without code generation, names that are not Rust types)
//! and turns every waiter into a Rust type whose acceptors are compiled to field access on
//! the SDK's typed output. It returns tokens; it knows nothing about `proc_macro`, so the
//! macro crate, a `build.rs` or a CLI can all use it.
//!
//! ```
//! use waiters_codegen::{Options, generate};
//!
//! let model = r#"{"version": 2, "waiters": {"JobComplete": {
//!   "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
//!   "acceptors": [
//!     {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"},
//!     {"matcher": "pathAny", "argument": "jobs[].status", "expected": "FAILED", "state": "failure"}]}}}"#;
//! let tokens = generate(&Options::new("models/w.json"), model)?;
//! let code = tokens.to_string();
//! assert!(code.contains("pub type JobComplete"));
//! assert!(code.contains("fn wait_until_job_complete"));
//!
//! // Every problem, with its JSON path; `fallback` still declares `JobComplete`.
//! let broken = model.replace("jobs[].status", "jobs[].statuz");
//! let failure = generate(&Options::new("models/w.json"), &broken).unwrap_err();
//! assert_eq!(
//!     failure.error.lines().next().unwrap(),
//!     "models/w.json: waiters.JobComplete.acceptors[0].argument: in `jobs[].statuz`: \
//!      JobDetail has no member `statuz` (did you mean `status`?)"
//! );
//! assert!(failure.fallback.to_string().contains("pub type JobComplete"));
//! # Ok::<(), waiters_codegen::Failure>(())
//! ```
//!
//! # What is generated
//!
//! Only what the model says; everything common lives once in the runtime. For each waiter,
//! sorted by name:
//!
//! - `pub type JobComplete = ::waiters_runtime::typed::Waiter<JobCompleteDefinition>;`, the
//!   waiter: the runtime's generic `Waiter` owns the builder (`new`, the operation's input
//!   setters such as `jobs`, and the per-wait overrides `delay`, `max_attempts`,
//!   `unlimited_attempts`, `max_wait`, `jitter`, `delay_strategy`, `transient_errors`,
//!   `with_config`), `wait`, `wait_observed`, `classify` and the constants `NAME`,
//!   `OPERATION`, `DELAY`, `MAX_ATTEMPTS`, `DESCRIPTION`, `MODEL_JSON` and `ACCEPTORS`;
//! - `pub enum JobCompleteDefinition {}`, implementing `typed::Definition` with the
//!   model's values and the `ACCEPTORS` table, and one `acceptor_N` function per acceptor,
//!   documented with the acceptor's JSON. An acceptor that compiles to the same body as an
//!   earlier one (of any waiter on the same operation) calls it instead of repeating it.
//!
//! Then one extension trait (default name `Waiters`) with a `wait_until_<snake_case name>`
//! method per waiter, implemented for the Batch client. Generated code reaches the runtime
//! only through the absolute path in [`Options::runtime`] (`::waiters_runtime` by
//! default).
//!
//! # Other services
//!
//! The generator emits Batch waiters only, but its acceptor compiler is not tied to
//! Batch: [`ShapeModel`] reads any service's shapes from botocore's `service-2.json` and
//! compiles a waiter's acceptors against them, as the tests do for every waiter model
//! botocore ships.
#![warn(missing_docs)]

mod compile;
mod error;
mod expand;
mod naming;
mod operations;
mod options;
mod shape_model;
mod shapes;

use proc_macro2::TokenStream;

pub use error::{CodegenError, Failure, Problem, ProblemKind};
pub use options::Options;
pub use shape_model::{AcceptorError, CompiledAcceptor, ShapeModel, ShapeModelError};

/// Generates the typed waiters of the waiters-2 model in `json`.
///
/// # Errors
///
/// A [`Failure`] with every problem of the model (each with its JSON path) and fallback
/// tokens to emit next to the errors: every waiter whose name can be a type, with the
/// acceptors that compiled, so that the user's code naming the waiters does not add
/// errors of its own.
pub fn generate(options: &Options, json: &str) -> Result<TokenStream, Failure> {
    let (tokens, problems) = expand::expand(options, json);
    if problems.is_empty() {
        Ok(tokens)
    } else {
        Err(Failure {
            error: CodegenError::new(&options.source_name, problems),
            fallback: tokens,
        })
    }
}

/// Code that type-checks every accessor the generator can emit against `aws-sdk-batch`:
/// for every structure the supported operations' outputs reach, a function that reads
/// each member the way generated acceptors do and binds it to the Rust type the shape
/// table predicts. Compiling it proves the table and the naming rules match the SDK.
#[doc(hidden)]
pub fn sdk_accessor_check(runtime: &TokenStream) -> TokenStream {
    shapes_check::accessor_check(runtime)
}

mod shapes_check;

/// The Batch operations code generation supports, sorted (a test compares them with the
/// runtime's `SUPPORTED_OPERATIONS`).
#[doc(hidden)]
pub fn supported_operations() -> Vec<&'static str> {
    operations::names().collect()
}

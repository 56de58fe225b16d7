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
//! assert!(code.contains("pub struct JobComplete"));
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
//! assert!(failure.fallback.to_string().contains("pub struct JobComplete"));
//! # Ok::<(), waiters_codegen::Failure>(())
//! ```
//!
//! # What is generated
//!
//! For each waiter, sorted by name: a `#[must_use]` struct named exactly as the model key,
//! with the constants `NAME`, `OPERATION`, `DELAY`, `MAX_ATTEMPTS`, `DESCRIPTION` and
//! `MODEL_JSON`; a builder (`new`, the operation's input list such as `jobs`, and the
//! per-wait overrides `delay`, `max_attempts`, `unlimited_attempts`, `max_wait`, `jitter`,
//! `delay_strategy`, `transient_errors`, `with_config`); `wait` and `wait_observed` on the
//! runtime's engine; `classify`; and one `acceptor_N` function per acceptor, documented
//! with the acceptor's JSON. Then one extension trait (default name `Waiters`) with a
//! `wait_until_<snake_case name>` method per waiter, implemented for the Batch client.
//! Generated code reaches the runtime only through the absolute path in
//! [`Options::runtime`] (`::waiters_runtime` by default).
#![warn(missing_docs)]

mod compile;
mod docs;
mod error;
mod expand;
mod naming;
mod operations;
mod shapes;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

pub use error::{CodegenError, Failure, Problem, ProblemKind};

/// How to generate: where the model came from and how the generated code names things.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// The model's name in messages and docs: the path as the user wrote it
    /// (`models/batch-waiters.json`) or `inline JSON`.
    pub source_name: String,
    /// An absolute path to `include_str!` so that cargo rebuilds when the model changes;
    /// `None` for an inline model (and for snapshots, which must not depend on a machine).
    pub include_path: Option<String>,
    /// The path generated code reaches the runtime through (`::waiters_runtime`).
    pub runtime: TokenStream,
    /// The name of the generated extension trait (`Waiters`).
    pub extension_trait: Ident,
}

impl Options {
    /// Defaults: runtime `::waiters_runtime`, trait `Waiters`, no `include_str!`.
    ///
    /// ```
    /// let options = waiters_codegen::Options::new("models/w.json")
    ///     .include_path("/src/my-crate/models/w.json")
    ///     .runtime(quote::quote!(crate))
    ///     .extension_trait(quote::format_ident!("BatchWaiters"));
    /// assert_eq!(options.runtime.to_string(), "crate");
    /// ```
    pub fn new(source_name: impl Into<String>) -> Self {
        Self {
            source_name: source_name.into(),
            include_path: None,
            runtime: quote!(::waiters_runtime),
            extension_trait: Ident::new("Waiters", Span::call_site()),
        }
    }

    /// Sets [`include_path`](Self::include_path).
    pub fn include_path(mut self, path: impl Into<String>) -> Self {
        self.include_path = Some(path.into());
        self
    }

    /// Sets [`runtime`](Self::runtime).
    pub fn runtime(mut self, path: TokenStream) -> Self {
        self.runtime = path;
        self
    }

    /// Sets [`extension_trait`](Self::extension_trait).
    pub fn extension_trait(mut self, name: Ident) -> Self {
        self.extension_trait = name;
        self
    }
}

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

//! `waiters!`: AWS Batch waiters from a botocore waiters-2 model, checked while your crate
//! compiles.
//!
//! A waiter model is JSON: each waiter names a Batch operation, a delay, an attempt budget
//! and acceptors, JMESPath expressions over the operation's response. Loaded at run time,
//! a typo in one of them (`jobs[].statuz`, a status Batch does not have) shows only when
//! the waiter runs, or never. `waiters!` reads the model at build time, checks all of it
//! against Batch's shapes, and turns each waiter into a Rust type whose acceptors are
//! getter calls on the SDK's typed output; a mistake is a compile error naming the file and
//! the JSON path, and every mistake of the model is reported in one build.
//!
//! Use it through `waiters-runtime`, which re-exports it and which the generated code
//! calls: `waiters_runtime::waiters!("models/my-waiters.json")`, the path relative to your
//! crate's `Cargo.toml` (the crate rebuilds when the file changes), or the model inline:
//!
//! ```
//! mod jobs {
//!     waiters_runtime::waiters!(json = r#"{"version": 2, "waiters": {"JobStarted": {
//!         "operation": "DescribeJobs", "delay": 10, "maxAttempts": 60,
//!         "acceptors": [
//!             {"matcher": "pathAll", "argument": "jobs[].status", "expected": "RUNNING", "state": "success"},
//!             {"matcher": "pathAny", "argument": "jobs[].status", "expected": "FAILED", "state": "failure"}]}}}"#);
//! }
//! use waiters_runtime::AcceptorState;
//! use waiters_runtime::aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
//! use waiters_runtime::aws_sdk_batch::types::{JobDetail, JobStatus};
//!
//! // The model's values are constants; `jobs::Waiters` adds `client.wait_until_job_started()`.
//! assert_eq!(jobs::JobStarted::MAX_ATTEMPTS, 60);
//! let running = JobDetail::builder()
//!     .job_id("6d1c").job_name("nightly").job_queue("q").job_definition("d")
//!     .status(JobStatus::Running).started_at(1)
//!     .build();
//! let output = DescribeJobsOutput::builder().jobs(running).build();
//! let matched = jobs::JobStarted::classify(&Ok(output)).expect("the first acceptor");
//! assert_eq!(matched.state, AcceptorState::Success);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! This crate only parses the macro input and reads the model file; `waiters-codegen`
//! does the rest, and the [`waiters!`] docs list every key.

use std::path::Path;

use proc_macro::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// Compile-time checked, typed AWS Batch waiters from a botocore "waiters-2" model.
///
/// The model is read and checked while your crate compiles. Each waiter becomes a type
/// named exactly as its key in the model, whose acceptors are compiled to Rust over the
/// SDK's typed `DescribeJobsOutput`; a problem in the model is a compile error naming the
/// file and the JSON path.
///
/// ```ignore
/// // The model file, relative to your crate's Cargo.toml; the crate rebuilds when it
/// // changes.
/// waiters_runtime::waiters!("models/batch-waiters.json");
///
/// # async fn run(client: waiters_runtime::aws_sdk_batch::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// // From the client, through the generated extension trait:
/// let done = client
///     .wait_until_job_complete()
///     .jobs("job-id")
///     .max_wait(Duration::from_secs(3600))
///     .wait()
///     .await?;
/// println!("{:?}", done.output().map(|o| o.jobs()));
///
/// // Or from the type, with its defaults as constants:
/// assert_eq!(JobComplete::MAX_ATTEMPTS, 288);
/// let waiter = JobComplete::new(&client).jobs("job-id").delay(Duration::from_secs(30));
/// match waiter.wait().await {
///     Ok(waited) => println!("{} after {} calls", waited.acceptor.explanation, waited.attempts),
///     Err(e) => println!("{e}; last response: {:?}", e.last_response()),
/// }
/// # Ok(()) }
/// ```
///
/// # Input
///
/// A model, then optional `key = value` options, separated by commas:
///
/// | key | type | meaning |
/// |---|---|---|
/// | *(first, unnamed)* or `path` | string literal | The model file, relative to the calling crate's `CARGO_MANIFEST_DIR` (the directory of its `Cargo.toml`). The expansion `include_str!`s the file so that cargo rebuilds the crate when it changes. |
/// | `json` | string literal | The model itself, inline: `json = r#"{"version": 2, ...}"#`. Give either a path or `json`, not both. |
/// | `crate` | path | Where the generated code finds the runtime; default `::waiters_runtime`. Set it when you re-export `waiters_runtime` under another name (`crate = ::my_sdk::waiters`), or to `crate` inside `waiters_runtime` itself. |
/// | `extension_trait` | identifier | The name of the generated extension trait; default `Waiters`. Change it when two `waiters!` calls share a module. |
///
/// An unknown or repeated key is an error that lists the keys accepted.
///
/// ```
/// waiters_runtime::waiters!(
///     json = r#"{"version": 2, "waiters": {"JobFailed": {
///         "operation": "DescribeJobs", "delay": 10, "maxAttempts": 30,
///         "acceptors": [
///             {"matcher": "path", "argument": "length(jobs[?status == 'FAILED']) > `0`",
///              "expected": true, "state": "success"},
///             {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED",
///              "state": "failure"}]}}}"#,
///     extension_trait = FailureWaiters,
/// );
///
/// assert_eq!(JobFailed::DELAY, std::time::Duration::from_secs(10));
/// let output = waiters_runtime::aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput::builder()
///     .jobs(
///         waiters_runtime::aws_sdk_batch::types::JobDetail::builder()
///             .status(waiters_runtime::aws_sdk_batch::types::JobStatus::Failed)
///             .build(),
///     )
///     .build();
/// let matched = JobFailed::classify(&Ok(output)).expect("acceptor 0 matches");
/// assert_eq!(matched.index, 0);
/// ```
///
/// # What it generates
///
/// In the calling module, for each waiter (sorted by name), say `JobComplete`:
///
/// - `pub struct JobComplete`, a `#[must_use]` builder holding a client, the job ids and a
///   `WaiterConfig` that starts from the model's values.
/// - Constants `NAME`, `OPERATION` (`"DescribeJobs"`), `DELAY` (a `Duration`),
///   `MAX_ATTEMPTS`, `DESCRIPTION` and `MODEL_JSON`.
/// - `new(&Client)`, `jobs(id)` (once per id), `set_jobs`, `get_jobs`, and the overrides for
///   this wait only: `delay`, `max_attempts`, `unlimited_attempts`, `max_wait`,
///   `jitter(width, minimum)`, `delay_strategy`, `transient_errors`, `with_config`,
///   `config`, `config_mut`.
/// - `async fn wait(&self) -> Result<Waited<DescribeJobsOutput, E>, WaitError<DescribeJobsOutput, E>>`
///   with `E = SdkError<DescribeJobsError, HttpResponse>`, and `wait_observed(observer)`:
///   the runtime's engine with botocore's semantics and reason strings; both results
///   carry the last typed response.
/// - `classify(&Result<DescribeJobsOutput, E>) -> Option<AcceptorMatch>`, one
///   `acceptor_N(&Result<..>) -> bool` per acceptor, whose doc comment shows the acceptor's
///   JSON, and `ACCEPTORS`, those functions in model order.
///
/// And one extension trait (`Waiters`, see `extension_trait`) implemented for
/// `aws_sdk_batch::Client`, with a method `wait_until_<snake_case name>` per waiter
/// (`wait_until_job_complete`).
///
/// Matchers: `path`, `pathAll` and `pathAny` are compiled JMESPath (see below); `status`
/// compares the HTTP status, taking a successful typed response as 200 and an error as the
/// status the service sent; `error` compares the SDK error code
/// (`ProvideErrorMetadata::code()`), where a successful call has code `""`.
///
/// # JMESPath
///
/// Arguments are compiled to getter calls on the typed output, with the semantics of the
/// run-time matchers (projections drop nulls; `pathAll`/`pathAny` need a non-empty list;
/// `1 == 1.0`; a boolean never equals a number; enums compare as their wire strings, by
/// variant where the SDK has one):
/// fields `a.b`, projections `a[].b` and `a[*].b`, flatten `a[]`, indexes `a[0]`,
/// `a[-1]`, a map's values `m.*` (in key order, as the run-time matcher lists them),
/// filters `a[?b == 'X']`, pipes `a | b`, `@`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`,
/// `||`, `!`, literals, `length()` and `contains()`. Slices, multi-selects, `*` over a
/// structure, expression references and other functions are compile errors that name the
/// construct.
///
/// # Compile errors
///
/// Every problem of the model is reported in one build, each as
/// `FILE: JSON_PATH: message` pointing at the macro input: invalid JSON (with line and
/// column), an unsupported `version`, unknown matchers and states, invalid JMESPath, a
/// construct that cannot be compiled, an `expected` of the wrong type for its argument,
/// a waiter name that is not a Rust type name, an operation code generation does not
/// support (it supports `DescribeJobs`), and members the output does not have:
///
/// ```text
/// error: models/my-waiters.json: waiters.JobDone.acceptors[0].argument: in `jobs[].statuz`:
///        JobDetail has no member `statuz` (did you mean `status`?)
/// ```
#[proc_macro]
pub fn waiters(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as MacroInput);
    expand(input).into()
}

/// The keys the macro accepts, for messages.
const KEYS: &str = "path, json, crate, extension_trait";

/// Where the model comes from.
enum Model {
    /// A file relative to `CARGO_MANIFEST_DIR`.
    Path(LitStr),
    /// The model text itself.
    Json(LitStr),
}

impl Model {
    fn literal(&self) -> &LitStr {
        match self {
            Model::Path(lit) | Model::Json(lit) => lit,
        }
    }
}

/// The parsed input: `"path"` or `json = "..."`, then options.
struct MacroInput {
    model: Model,
    runtime: Option<syn::Path>,
    extension_trait: Option<Ident>,
}

impl Parse for MacroInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut model: Option<Model> = None;
        let mut runtime = None;
        let mut extension_trait = None;
        let mut seen: Vec<String> = Vec::new();

        if input.peek(LitStr) {
            model = Some(Model::Path(input.parse()?));
            seen.push("path".to_owned());
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        while !input.is_empty() {
            if input.peek(LitStr) {
                return Err(input.error(
                    "the model path comes first: `waiters!(\"models/my-waiters.json\", ...)` \
                     (or name it: `path = \"...\"`)",
                ));
            }
            // `crate` is a keyword; every other key is an identifier.
            let key = input.call(Ident::parse_any)?;
            let name = key.to_string();
            if !KEYS.split(", ").any(|k| k == name) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown key `{name}`; expected one of: {KEYS}"),
                ));
            }
            if seen.contains(&name) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("duplicate key `{name}`: each of {KEYS} may appear once"),
                ));
            }
            let is_model = name == "path" || name == "json";
            if is_model && model.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    "give the model once: either a path or `json = ...`, not both",
                ));
            }
            seen.push(name.clone());
            input.parse::<Token![=]>()?;
            match name.as_str() {
                "path" => model = Some(Model::Path(input.parse()?)),
                "json" => model = Some(Model::Json(input.parse()?)),
                "crate" => runtime = Some(input.call(syn::Path::parse_mod_style)?),
                _ => extension_trait = Some(input.parse()?),
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        let model = model.ok_or_else(|| {
            syn::Error::new(
                proc_macro2::Span::call_site(),
                "expected a model: `waiters!(\"models/my-waiters.json\")` or \
                 `waiters!(json = r#\"{...}\"#)`",
            )
        })?;
        Ok(Self {
            model,
            runtime,
            extension_trait,
        })
    }
}

fn expand(input: MacroInput) -> proc_macro2::TokenStream {
    let literal = input.model.literal().clone();
    let span = literal.span();
    let (text, mut options) = match &input.model {
        Model::Json(lit) => (lit.value(), waiters_codegen::Options::new("inline JSON")),
        Model::Path(lit) => match read_model(&lit.value()) {
            Ok((text, absolute)) => (
                text,
                waiters_codegen::Options::new(lit.value()).include_path(absolute),
            ),
            Err(message) => return syn::Error::new(span, message).to_compile_error(),
        },
    };
    if let Some(runtime) = &input.runtime {
        options = options.runtime(quote!(#runtime));
    }
    if let Some(name) = input.extension_trait {
        options = options.extension_trait(name);
    }
    match waiters_codegen::generate(&options, &text) {
        Ok(tokens) => tokens,
        Err(failure) => {
            let errors = failure
                .error
                .lines()
                .map(|line| syn::Error::new(span, line).to_compile_error());
            let fallback = failure.fallback;
            quote! {
                #(#errors)*
                #fallback
            }
        }
    }
}

/// Reads the model at `relative` (to the calling crate's `CARGO_MANIFEST_DIR`): its text
/// and absolute path. Only a regular file of at most
/// [`MAX_MODEL_BYTES`](waiters_model::limits::MAX_MODEL_BYTES) is read.
fn read_model(relative: &str) -> Result<(String, String), String> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
        "CARGO_MANIFEST_DIR is not set, so a model path cannot be resolved (build with cargo, \
         or give the model inline with `json = ...`)"
            .to_owned()
    })?;
    let absolute = Path::new(&manifest_dir).join(relative);
    // Only a regular file, at most 4 MiB: a directory, a FIFO or a device is refused
    // without blocking the build.
    let text = waiters_model::read_model_file(&absolute).map_err(|e| {
        format!(
            "cannot read the waiter model `{relative}` (paths are relative to the crate's \
             directory, CARGO_MANIFEST_DIR): {e}"
        )
    })?;
    Ok((text, absolute.to_string_lossy().into_owned()))
}

//! The README and the guide's chapters (`docs/`), compiled and run as doctests by
//! `cargo test --workspace` (alone: `cargo test -p waiters-guide --doc`).
//!
//! Each page is included as the documentation of an empty module that exists only when
//! rustdoc collects doctests, so every Rust code block in it is a test. A new chapter is
//! one line in the `pages!` list below. Blocks that need real AWS are `no_run` (compiled only);
//! the others run against the local Batch endpoint through [`run`] or [`run_many`], called
//! from a hidden (`# `) line.

use std::error::Error;
use std::future::Future;
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use waiters_local::{JobProfile, LocalBatch};

/// Includes each page as the docs of a module compiled only for doctests.
macro_rules! pages {
    ($($module:ident = $path:literal,)*) => {
        $(
            #[cfg(doctest)]
            #[doc = include_str!($path)]
            mod $module {}
        )*
    };
}

// One line per page: a new chapter of `docs/` goes here.
pages! {
    readme = "../../README.md",
    run_time_waiters = "../../docs/run-time-waiters.md",
    typed_waiters = "../../docs/typed-waiters.md",
    poller = "../../docs/poller.md",
    events = "../../docs/events.md",
    logs = "../../docs/logs.md",
    local_endpoint = "../../docs/local-endpoint.md",
    models = "../../docs/models.md",
    limits = "../../docs/limits.md",
    botocore = "../../docs/botocore.md",
    reliability = "../../docs/reliability.md",
    arrays = "../../docs/arrays.md",
    cli = "../../docs/cli.md",
    cli_operations = "../../docs/cli-operations.md",
    development = "../../docs/development.md",
    // The crates' own READMEs (crates.io).
    runtime_readme = "../../waiters-runtime/README.md",
    model_readme = "../../waiters-model/README.md",
    codegen_readme = "../../waiters-codegen/README.md",
    macros_readme = "../../waiters-macros/README.md",
    local_readme = "../../waiters-local/README.md",
    cli_readme = "../../waiters-cli/README.md",
}

/// What an example returns: its own errors fail the doctest with their message.
pub type ExampleResult = Result<(), Box<dyn Error>>;

/// How long the examples' jobs run on the local endpoint (tokio's paused clock: no real
/// time passes).
pub const JOB_DURATION: Duration = Duration::from_secs(5 * 60);

/// Runs `example` with a client of a local Batch endpoint and the id of a job submitted to
/// it (SUCCEEDED after [`JOB_DURATION`]), on a runtime whose clock is paused, so that the
/// bundled model's 300-second delays take no real time.
///
/// # Panics
///
/// When the endpoint does not start, SubmitJob fails or the example returns an error: a
/// doctest fails by panicking.
pub fn run<F, Fut>(example: F)
where
    F: FnOnce(Client, String) -> Fut,
    Fut: Future<Output = ExampleResult>,
{
    run_many(1, |client, mut ids| example(client, ids.remove(0)));
}

/// [`run`] with `jobs` jobs submitted.
///
/// # Panics
///
/// As [`run`].
pub fn run_many<F, Fut>(jobs: usize, example: F)
where
    F: FnOnce(Client, Vec<String>) -> Fut,
    Fut: Future<Output = ExampleResult>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let server = LocalBatch::builder()
            .default_profile(JobProfile::succeeding_after(JOB_DURATION))
            .start()
            .await
            .expect("the local Batch endpoint starts");
        // On the paused clock an SDK timeout could fire while a request is on the socket.
        let config = server
            .client_config()
            .timeout_config(TimeoutConfig::disabled());
        let client = Client::from_conf(config.build());
        let mut ids = Vec::with_capacity(jobs);
        for i in 0..jobs {
            let submitted = client
                .submit_job()
                .job_name(format!("guide-{i}"))
                .job_queue("default")
                .job_definition("hello-world:1")
                .send()
                .await
                .expect("SubmitJob");
            ids.push(submitted.job_id().expect("a job id").to_owned());
        }
        if let Err(e) = example(client, ids).await {
            panic!("the example failed: {e}");
        }
    });
}

//! Event-driven waits against polling, side by side in one run: N concurrent
//! `typed::wait_for_job` on the local Batch endpoint, three ways:
//!
//! - per-job polling (no poller);
//! - the shared `JobPoller`;
//! - events: the endpoint publishes its jobs' state changes to moto's EventBridge, a rule
//!   made by `waiters events setup`'s library sends them to an SQS queue on moto, and an
//!   `EventSource` reads them into the poller, which reconciles by polling.
//!
//! Real time (moto, SQS long polls), so the jobs and every delay are scaled down by the
//! same factor (1/4 by default); the event path is not. Needs a running moto server:
//!
//! ```sh
//! MOTO_ENDPOINT=http://127.0.0.1:5000 cargo run --release -p waiters-benches --bin events_bench
//! MOTO_ENDPOINT=... cargo run -p waiters-benches --bin events_bench -- --smoke   # CI: 20 jobs, seconds
//! ```
//!
//! Results go to stdout as Markdown (BENCHMARKS.md has them, with the method); progress
//! and warnings to stderr. The exit status is non-zero when a wait ends otherwise than its
//! job, when an events mode makes more DescribeJobs calls than reconciliation requires,
//! or when the event source stops.

mod jobs;
mod moto;
mod report;
mod run;
mod tap;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use run::{Mode, Setup};
use waiters_runtime::events::DEFAULT_RECONCILE_EVERY;

/// Event-driven waits against per-job polling and the shared poller, side by side.
#[derive(Debug, clap::Parser)]
#[command(name = "events_bench")]
struct Cli {
    /// The CI run: 20 jobs at 1/200 scale, one events mode (the default interval).
    #[arg(long)]
    smoke: bool,
    /// Concurrent waits, one job each [default: 1000; smoke: 20].
    #[arg(long)]
    jobs: Option<usize>,
    /// Divide every job phase and every delay by this [default: 4; smoke: 200]. The
    /// event path is not scaled, so its load grows with the scale: keep the events
    /// published a second (in the report) within what the event bus sustains.
    #[arg(long)]
    scale: Option<f64>,
    /// The seed of the job schedules.
    #[arg(long, default_value_t = 9)]
    seed: u64,
    /// Reconciliation intervals in seconds at real scale, one events mode each
    /// [default: 300,3000; smoke: 300].
    #[arg(long, value_delimiter = ',')]
    reconcile: Option<Vec<f64>>,
    /// Only the events modes.
    #[arg(long)]
    no_polling: bool,
    /// moto's endpoint (SQS and EventBridge).
    #[arg(long, env = "MOTO_ENDPOINT")]
    moto: Option<String>,
}

/// What to run.
#[derive(Clone, Debug)]
struct Args {
    setup: Setup,
    /// Reconciliation intervals at real scale, one events mode each.
    reconcile: Vec<Duration>,
    polling: bool,
}

impl Args {
    fn from_cli(cli: Cli) -> Result<Self, String> {
        let (jobs, scale, reconcile) = if cli.smoke {
            (20, 200.0, vec![DEFAULT_RECONCILE_EVERY])
        } else {
            // 1/4: moto sustains about 70 to 150 events a second here (BENCHMARKS.md);
            // at 1/4 the first minute's RUNNING events come at up to about 70 a second,
            // at 1/10 at up to about 180, and the lag would measure moto's backlog.
            (
                1000,
                4.0,
                vec![DEFAULT_RECONCILE_EVERY, DEFAULT_RECONCILE_EVERY * 10],
            )
        };
        let reconcile = match cli.reconcile {
            Some(seconds) => seconds
                .into_iter()
                .map(|s| {
                    Duration::try_from_secs_f64(s)
                        .ok()
                        .filter(|d| !d.is_zero())
                        .ok_or_else(|| format!("--reconcile: not a positive duration: {s}"))
                })
                .collect::<Result<_, _>>()?,
            None => reconcile,
        };
        let parsed = Self {
            setup: Setup {
                jobs: cli.jobs.unwrap_or(jobs),
                scale: cli.scale.unwrap_or(scale),
                seed: cli.seed,
                moto: cli.moto,
            },
            reconcile,
            polling: !cli.no_polling,
        };
        let scale = parsed.setup.scale;
        if !(scale.is_finite() && scale >= 1.0) {
            return Err(format!("--scale must be at least 1, not {scale}"));
        }
        if parsed.setup.jobs == 0 {
            return Err("--jobs must be at least 1".to_owned());
        }
        if !parsed.reconcile.is_empty() && parsed.setup.moto.is_none() {
            return Err(
                "the events modes need moto: set MOTO_ENDPOINT or pass --moto URL".to_owned(),
            );
        }
        Ok(parsed)
    }

    fn modes(&self) -> Vec<Mode> {
        let mut modes = Vec::new();
        if self.polling {
            modes.extend([Mode::PerJob, Mode::Poller]);
        }
        for reconcile in &self.reconcile {
            modes.push(Mode::Events {
                reconcile: reconcile.div_f64(self.setup.scale),
            });
        }
        modes
    }
}

fn main() -> ExitCode {
    let args = match Args::from_cli(<Cli as clap::Parser>::parse()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("a tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for mode in args.modes() {
        match runtime.block_on(run::run(&args.setup, mode)) {
            Ok(outcome) => {
                eprintln!(
                    "N={} {:<28} {:>6} DescribeJobs calls, {:>6.1} s",
                    args.setup.jobs,
                    report::mode_name(mode),
                    outcome.calls,
                    outcome.wall.as_secs_f64()
                );
                outcomes.push(outcome);
            }
            Err(error) => {
                eprintln!("FAILED: {}: {error}", report::mode_name(mode));
                return ExitCode::FAILURE;
            }
        }
    }
    let report = report::Report {
        setup: args.setup,
        outcomes,
        total: started.elapsed(),
    };
    print!("{}", report.markdown());
    let problems = report.problems();
    for problem in &problems {
        eprintln!("FAILED: {problem}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

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
//! same factor; the event path is not. Needs a running moto server:
//!
//! ```sh
//! MOTO_ENDPOINT=http://127.0.0.1:5000 cargo run --release --example events_bench
//! MOTO_ENDPOINT=... cargo run --example events_bench -- --smoke   # CI: 20 jobs, seconds
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
use waiters_runtime::poller::DEFAULT_RECONCILE_EVERY;

/// What to run.
#[derive(Clone, Debug)]
struct Args {
    setup: Setup,
    /// Reconciliation intervals at real scale, one events mode each.
    reconcile: Vec<Duration>,
    polling: bool,
}

impl Args {
    fn full() -> Self {
        Self {
            setup: Setup {
                jobs: 1000,
                scale: 10.0,
                seed: 9,
                moto: std::env::var("MOTO_ENDPOINT").ok(),
            },
            reconcile: vec![DEFAULT_RECONCILE_EVERY, DEFAULT_RECONCILE_EVERY * 10],
            polling: true,
        }
    }

    fn smoke() -> Self {
        let mut args = Self::full();
        args.setup.jobs = 20;
        args.setup.scale = 200.0;
        args.reconcile = vec![DEFAULT_RECONCILE_EVERY];
        args
    }

    fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let args: Vec<String> = args.into_iter().collect();
        let mut parsed = if args.iter().any(|a| a == "--smoke") {
            Self::smoke()
        } else {
            Self::full()
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--smoke" => {}
                "--jobs" => parsed.setup.jobs = number(&value()?)?,
                "--scale" => parsed.setup.scale = number(&value()?)?,
                "--seed" => parsed.setup.seed = number(&value()?)?,
                "--moto" => parsed.setup.moto = Some(value()?),
                "--reconcile" => {
                    parsed.reconcile = value()?
                        .split(',')
                        .map(|s| {
                            Duration::try_from_secs_f64(number::<f64>(s)?)
                                .map_err(|_| format!("not a duration in seconds: {s:?}"))
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--no-polling" => parsed.polling = false,
                "--help" | "-h" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        let scale = parsed.setup.scale;
        if !(scale.is_finite() && scale >= 1.0) || parsed.setup.jobs == 0 {
            return Err(format!(
                "--scale must be at least 1 and --jobs at least 1\n{USAGE}"
            ));
        }
        if !parsed.reconcile.is_empty() && parsed.setup.moto.is_none() {
            return Err(format!(
                "the events modes need moto: set MOTO_ENDPOINT or pass --moto URL\n{USAGE}"
            ));
        }
        if parsed.reconcile.iter().any(|r| r.is_zero()) {
            return Err(format!("--reconcile intervals must be positive\n{USAGE}"));
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

const USAGE: &str = "usage: events_bench [--smoke] [--jobs 1000] [--scale 10] [--seed 9] \
[--reconcile 300,3000 (seconds at real scale, one events mode each)] [--no-polling] \
[--moto URL (default: $MOTO_ENDPOINT)]";

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("not a number: {text:?}"))
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
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

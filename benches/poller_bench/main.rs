//! Benchmarks of the shared DescribeJobs poller (`JobPoller`), side by side in one run:
//!
//! - DescribeJobs calls of N concurrent `typed::wait_for_job` on the local Batch endpoint
//!   (jobs with seeded random schedules), per-job polling against the poller, with fixed
//!   delays and with Airflow's jitter (several poller tolerances), on tokio's paused clock;
//! - detection lag (job terminal -> wait returns) and the real round trips;
//! - memory per waiting job (a child process per measurement);
//! - CPU per round per 1,000 jobs, without the network (a scripted Batch in the process);
//! - JobComplete's typed acceptor against botocore's own matcher on the same outputs.
//!
//! ```sh
//! cargo run --release -p waiters-benches --bin poller_bench -- --jobs 1,100,1000,10000
//! cargo run -p waiters-benches --bin poller_bench -- --smoke   # small N, about a minute; CI runs this
//! ```
//!
//! Results go to stdout as Markdown tables (BENCHMARKS.md has them, with the method);
//! progress goes to stderr. The exit status is non-zero when a wait ends otherwise than its
//! job, when a detection lag exceeds JobComplete's delay plus jitter, when a call asks for
//! more than 100 ids, when the endpoint sees more than ceil(N/100) calls in a poller round
//! or nothing was measured, and when a goal that a run of its size measures is missed
//! (calls ratio at N >= 1,000, heap of a parked wait, typed matcher against botocore; see
//! `report::Report::problems`).

mod cpu;
mod endpoint;
mod heap;
mod matcher;
mod memory;
mod net;
mod report;
mod rounds;
mod scenario;

use std::process::ExitCode;
use std::time::{Duration, Instant as WallInstant};

use scenario::{Delays, Polling, Scenario};
use waiters_runtime::poller::DEFAULT_TOLERANCE;

/// Counts heap bytes in the memory children (off elsewhere).
#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

/// The shared poller's benchmarks: calls and lag, memory, CPU, the typed matcher.
#[derive(Debug, clap::Parser)]
#[command(name = "poller_bench")]
struct Cli {
    /// The CI run: N = 1 and 150, the default tolerance, short CPU and matcher runs, and
    /// N = 1,000 with fixed delays for the calls ratio goal.
    #[arg(long)]
    smoke: bool,
    /// Numbers of concurrent waits [default: 1,100,1000,10000; smoke: 1,150].
    #[arg(long, value_delimiter = ',')]
    jobs: Option<Vec<usize>>,
    /// How the waits' delays are drawn: fixed, jitter (Airflow's) or phase-jitter.
    #[arg(long, value_delimiter = ',', value_parser = delays, default_value = "fixed,jitter")]
    delays: Vec<Delays>,
    /// Poller tolerances tried, in seconds (N = 1: only the default) [default: 0,5,10,30;
    /// smoke: 10].
    #[arg(long, value_delimiter = ',')]
    tolerances: Option<Vec<f64>>,
    /// The seed of the job schedules and of the jitter draws.
    #[arg(long, default_value_t = 9)]
    seed: u64,
    /// Numbers of waits of the CPU rows [default: 1000,10000; smoke: 100].
    #[arg(long, value_delimiter = ',')]
    cpu_jobs: Option<Vec<usize>>,
    /// Measured rounds of a CPU row [default: 10; smoke: 2].
    #[arg(long)]
    cpu_rounds: Option<u32>,
    /// Repeats of a CPU row, the median kept [default: 3; smoke: 1].
    #[arg(long)]
    cpu_repeats: Option<usize>,
    /// Time for each matcher measurement, in seconds [default: 1; smoke: 0.05].
    #[arg(long)]
    matcher_seconds: Option<f64>,
    /// Skip the memory rows.
    #[arg(long)]
    no_memory: bool,
    /// Skip the CPU rows.
    #[arg(long)]
    no_cpu: bool,
    /// Skip the matcher rows.
    #[arg(long)]
    no_matcher: bool,
    /// Skip botocore's side of the matcher rows.
    #[arg(long)]
    no_botocore: bool,
    /// Run as a memory child for N waits (the benchmark runs itself so).
    #[arg(long, hide = true)]
    memory_child: Option<usize>,
    /// What the memory child measures (`memory::Kind::arg`).
    #[arg(long, hide = true, default_value = "")]
    memory_kind: String,
}

fn delays(name: &str) -> Result<Delays, String> {
    match name {
        "fixed" => Ok(Delays::Fixed),
        "jitter" => Ok(Delays::Jitter),
        "phase-jitter" => Ok(Delays::PhaseJitter),
        other => Err(format!(
            "unknown delays {other:?} (fixed, jitter or phase-jitter)"
        )),
    }
}

/// What to run.
#[derive(Clone, Debug)]
struct Args {
    smoke: bool,
    jobs: Vec<usize>,
    /// More Ns run with fixed delays only, per-job and through a poller at the default
    /// tolerance: the calls ratio goal at its size in the smoke run.
    ratio_jobs: Vec<usize>,
    delays: Vec<Delays>,
    /// Poller tolerances tried (N = 1 only the default).
    tolerances: Vec<Duration>,
    seed: u64,
    memory: bool,
    cpu: bool,
    cpu_jobs: Vec<usize>,
    cpu_rounds: u32,
    cpu_repeats: usize,
    matcher: bool,
    botocore: bool,
    matcher_budget: Duration,
    memory_child: Option<usize>,
    /// What the memory child measures (`memory::Kind::arg`).
    memory_kind: String,
}

impl Args {
    fn from_cli(cli: Cli) -> Result<Self, String> {
        let seconds = |s: f64| {
            Duration::try_from_secs_f64(s).map_err(|_| format!("not a duration in seconds: {s}"))
        };
        let smoke = cli.smoke;
        let default_jobs = cli.jobs.is_none();
        let tolerances = match cli.tolerances {
            Some(tolerances) => tolerances
                .into_iter()
                .map(seconds)
                .collect::<Result<_, _>>()?,
            None if smoke => vec![DEFAULT_TOLERANCE],
            None => [0, 5, 10, 30].map(Duration::from_secs).to_vec(),
        };
        let matcher_budget = match cli.matcher_seconds {
            Some(s) => seconds(s)?,
            None if smoke => Duration::from_millis(50),
            None => Duration::from_secs(1),
        };
        Ok(Self {
            smoke,
            jobs: cli.jobs.unwrap_or_else(|| {
                if smoke {
                    vec![1, 150]
                } else {
                    vec![1, 100, 1000, 10_000]
                }
            }),
            ratio_jobs: if smoke && default_jobs {
                vec![report::CALLS_RATIO_MIN_N]
            } else {
                Vec::new()
            },
            delays: cli.delays,
            tolerances,
            seed: cli.seed,
            memory: !cli.no_memory,
            cpu: !cli.no_cpu,
            cpu_jobs: cli
                .cpu_jobs
                .unwrap_or_else(|| if smoke { vec![100] } else { vec![1000, 10_000] }),
            cpu_rounds: cli.cpu_rounds.unwrap_or(if smoke { 2 } else { 10 }),
            cpu_repeats: cli.cpu_repeats.unwrap_or(if smoke { 1 } else { 3 }),
            matcher: !cli.no_matcher,
            botocore: !cli.no_botocore,
            matcher_budget,
            memory_child: cli.memory_child,
            memory_kind: cli.memory_kind,
        })
    }
}

/// The scenarios for N waits, in the order they run.
fn scenarios(args: &Args, n: usize) -> Vec<Scenario> {
    let mut scenarios = Vec::new();
    for &delays in &args.delays {
        let scenario = |polling| Scenario {
            n,
            delays,
            polling,
            seed: args.seed,
        };
        scenarios.push(scenario(Polling::PerJob));
        let tolerances = if n == 1 {
            vec![DEFAULT_TOLERANCE]
        } else {
            args.tolerances.clone()
        };
        for tolerance in tolerances {
            scenarios.push(scenario(Polling::Poller {
                tolerance,
                shared_jitter: true,
            }));
        }
        if delays == Delays::Jitter && n > 1 {
            // What sharing the jitter draw saves: each wait drawing its own.
            scenarios.push(scenario(Polling::Poller {
                tolerance: DEFAULT_TOLERANCE,
                shared_jitter: false,
            }));
        }
    }
    scenarios
}

/// Every scenario of the run: those of each N, then the calls ratio runs (fixed delays,
/// per-job and through a poller at the default tolerance).
fn all_scenarios(args: &Args) -> Vec<Scenario> {
    let ratio_runs = args.ratio_jobs.iter().flat_map(|&n| {
        [
            Polling::PerJob,
            Polling::Poller {
                tolerance: DEFAULT_TOLERANCE,
                shared_jitter: true,
            },
        ]
        .map(|polling| Scenario {
            n,
            delays: Delays::Fixed,
            polling,
            seed: args.seed,
        })
    });
    args.jobs
        .iter()
        .flat_map(|&n| scenarios(args, n))
        .chain(ratio_runs)
        .collect()
}

fn main() -> ExitCode {
    let args = match Args::from_cli(<Cli as clap::Parser>::parse()) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    if let Some(n) = args.memory_child {
        return match memory::child(n, &args.memory_kind, args.seed) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        };
    }
    rounds::install();
    let started = WallInstant::now();
    let mut report = report::Report::new(args.seed);

    for scenario in all_scenarios(&args) {
        let outcome = scenario::run(scenario, false);
        eprintln!(
            "N={:>5} {:<12} {:<16} {:>7} calls, {:>6.1} s",
            scenario.n,
            scenario.delays.name(),
            report::polling_name(scenario.polling),
            outcome.calls,
            outcome.wall.as_secs_f64()
        );
        report.runs.push((scenario, outcome));
    }

    if args.memory {
        report.sizes = memory::sizes();
        let n = args.jobs.iter().copied().max().unwrap_or(1);
        let kinds: &[memory::Kind] = if args.smoke {
            &[memory::Kind::Poller(Delays::Fixed), memory::Kind::Parked]
        } else {
            &[
                memory::Kind::Poller(Delays::Fixed),
                memory::Kind::Poller(Delays::Jitter),
                memory::Kind::PerJob(Delays::Jitter),
                memory::Kind::Parked,
                memory::Kind::Responses,
            ]
        };
        for &kind in kinds {
            match memory::measure(n, kind, args.seed) {
                Ok(measured) => {
                    eprintln!(
                        "memory N={n} {}: {:.2} KiB per job (RSS), {:.2} KiB (heap, waiting side)",
                        kind.name(),
                        measured.peak_per_job_kib(),
                        measured.heap_per_job_kib().0
                    );
                    report.memory.push(measured);
                }
                Err(error) => report.errors.push(error),
            }
        }
    }

    let samples = (args.cpu || args.matcher).then(matcher::samples);
    if let Some(samples) = &samples {
        if args.cpu && cpu::available() {
            for &n in &args.cpu_jobs {
                for kind in [cpu::Kind::Typed, cpu::Kind::RunTime] {
                    let row = cpu::measure(
                        n,
                        kind,
                        args.cpu_rounds,
                        args.cpu_repeats,
                        &samples.running_job,
                    );
                    eprintln!(
                        "cpu N={n} {}: per-job {:?}, poller {:?} per round",
                        kind.name(),
                        row.per_job,
                        row.poller
                    );
                    report.cpu.push(row);
                }
            }
        } else if args.cpu {
            report
                .errors
                .push("no per-thread CPU time (/proc/thread-self/schedstat)".to_owned());
        }
        if args.matcher {
            let (rows, info) = matcher::compare(samples, args.matcher_budget, args.botocore);
            report.matcher = rows;
            report.botocore = info;
        }
    }
    report.total = started.elapsed();

    print!("{}", report.markdown());
    let problems = report.problems(args.smoke && args.botocore);
    for problem in &problems {
        eprintln!("FAILED: {problem}");
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

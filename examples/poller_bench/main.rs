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
//! cargo run --release --example poller_bench -- --jobs 1,100,1000,10000
//! cargo run --example poller_bench -- --smoke   # small N, seconds; CI runs this
//! ```
//!
//! Results go to stdout as Markdown tables (BENCHMARKS.md has them, with the method);
//! progress goes to stderr. The exit status is non-zero when a wait ends otherwise than its
//! job, when a detection lag exceeds JobComplete's delay plus jitter, when a call asks for
//! more than 100 ids, or when, with fixed delays, a poller round makes more than
//! ceil(N/100) calls.

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

/// What to run.
#[derive(Clone, Debug)]
struct Args {
    smoke: bool,
    jobs: Vec<usize>,
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
    fn full() -> Self {
        Self {
            smoke: false,
            jobs: vec![1, 100, 1000, 10_000],
            delays: vec![Delays::Fixed, Delays::Jitter],
            tolerances: [0, 5, 10, 30].map(Duration::from_secs).to_vec(),
            seed: 9,
            memory: true,
            cpu: true,
            cpu_jobs: vec![1000, 10_000],
            cpu_rounds: 10,
            cpu_repeats: 3,
            matcher: true,
            botocore: true,
            matcher_budget: Duration::from_secs(1),
            memory_child: None,
            memory_kind: String::new(),
        }
    }

    fn smoke() -> Self {
        Self {
            smoke: true,
            jobs: vec![1, 150],
            delays: vec![Delays::Fixed, Delays::Jitter],
            tolerances: vec![DEFAULT_TOLERANCE],
            cpu_jobs: vec![100],
            cpu_rounds: 2,
            cpu_repeats: 1,
            matcher_budget: Duration::from_millis(50),
            ..Self::full()
        }
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
                "--jobs" => parsed.jobs = list(&value()?)?,
                "--cpu-jobs" => parsed.cpu_jobs = list(&value()?)?,
                "--tolerances" => {
                    parsed.tolerances = list::<f64>(&value()?)?
                        .into_iter()
                        .map(Duration::from_secs_f64)
                        .collect();
                }
                "--delays" => {
                    parsed.delays = value()?
                        .split(',')
                        .map(|name| match name {
                            "fixed" => Ok(Delays::Fixed),
                            "jitter" => Ok(Delays::Jitter),
                            "phase-jitter" => Ok(Delays::PhaseJitter),
                            other => Err(format!("unknown delays {other:?}")),
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--seed" => parsed.seed = one(&value()?)?,
                "--cpu-rounds" => parsed.cpu_rounds = one(&value()?)?,
                "--cpu-repeats" => parsed.cpu_repeats = one(&value()?)?,
                "--matcher-seconds" => {
                    parsed.matcher_budget = Duration::from_secs_f64(one(&value()?)?);
                }
                "--no-memory" => parsed.memory = false,
                "--no-cpu" => parsed.cpu = false,
                "--no-matcher" => parsed.matcher = false,
                "--no-botocore" => parsed.botocore = false,
                "--memory-child" => parsed.memory_child = Some(one(&value()?)?),
                "--memory-kind" => parsed.memory_kind = value()?,
                "--help" | "-h" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        Ok(parsed)
    }
}

const USAGE: &str = "usage: poller_bench [--smoke] [--jobs 1,100,1000,10000] \
[--delays fixed,jitter,phase-jitter] [--tolerances 0,5,10,30] [--seed N] \
[--cpu-jobs 1000,10000] [--cpu-rounds R] [--cpu-repeats K] [--matcher-seconds S] \
[--no-memory] [--no-cpu] [--no-matcher] [--no-botocore]";

fn one<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("not a number: {text:?}"))
}

fn list<T: std::str::FromStr>(text: &str) -> Result<Vec<T>, String> {
    text.split(',').map(one).collect()
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

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
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

    for &n in &args.jobs {
        for scenario in scenarios(&args, n) {
            let outcome = scenario::run(scenario, false);
            eprintln!(
                "N={n:>5} {:<12} {:<16} {:>7} calls, {:>6.1} s",
                scenario.delays.name(),
                report::polling_name(scenario.polling),
                outcome.calls,
                outcome.wall.as_secs_f64()
            );
            report.runs.push((scenario, outcome));
        }
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

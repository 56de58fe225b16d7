//! Memory per waiting job: each measurement runs in a fresh child process (this program
//! again, with `--memory-child`), so that nothing measured before has grown the heap.
//!
//! The baseline is the resident set once the local endpoint runs and holds the N jobs,
//! before any wait starts (`VmRSS`, with the peak reset through `/proc/self/clear_refs`);
//! the peak is `VmHWM` when the last wait returned. The resident set is also sampled every
//! second of the benchmark clock.
//!
//! The heap is counted too (`heap`): bytes in use at the baseline and at their peak, for
//! the waiting side alone and with the endpoint, whose serving the resident set includes.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::task::JoinHandle;

use waiters_runtime::config::RandomSource;
use waiters_runtime::engine::NoObserver;
use waiters_runtime::{JobPoller, JobWaitOptions, typed};

use crate::heap;
use crate::scenario::{self, Delays, Polling, Scenario};

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The resident set before the waits.
pub(crate) struct Baseline {
    rss_kib: u64,
    peak_reset: bool,
    heap: heap::Bytes,
}

impl Baseline {
    pub(crate) fn take() -> Self {
        // "5" resets VmHWM to the current resident set (Linux 4.0 and later).
        let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        Self {
            rss_kib: status_kib("VmRSS"),
            peak_reset,
            heap: heap::reset_peaks(),
        }
    }

    pub(crate) fn finish(self, sampler: Sampler) -> Sample {
        let sampled_kib = sampler.stop();
        Sample {
            baseline_kib: self.rss_kib,
            peak_kib: if self.peak_reset {
                status_kib("VmHWM")
            } else {
                sampled_kib
            },
            sampled_kib,
            peak_reset: self.peak_reset,
            heap_baseline: self.heap,
            heap_peak: heap::peaks(),
        }
    }
}

/// Samples the resident set every second (benchmark clock), keeping the largest.
pub(crate) struct Sampler {
    max_kib: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Sampler {
    pub(crate) fn start() -> Self {
        let max_kib = Arc::new(AtomicU64::new(0));
        let max = max_kib.clone();
        let task = tokio::spawn(async move {
            loop {
                max.fetch_max(status_kib("VmRSS"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Self { max_kib, task }
    }

    fn stop(self) -> u64 {
        self.task.abort();
        self.max_kib
            .load(Ordering::Relaxed)
            .max(status_kib("VmRSS"))
    }
}

/// One memory measurement.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) baseline_kib: u64,
    pub(crate) peak_kib: u64,
    /// The largest resident set sampled once a second.
    pub(crate) sampled_kib: u64,
    /// Whether VmHWM could be reset at the baseline (else the peak is the sampled one).
    pub(crate) peak_reset: bool,
    /// Heap bytes in use at the baseline and their peaks since (all zero when the heap is
    /// not counted).
    pub(crate) heap_baseline: heap::Bytes,
    pub(crate) heap_peak: heap::Bytes,
}

/// What a memory child measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// N `wait_for_job` through one poller (the default tolerance), as in the calls benchmark.
    Poller(Delays),
    /// N `wait_for_job` each polling alone, all at once (no shards).
    PerJob(Delays),
    /// N `wait_for_job` tasks spawned with a long initial delay: no call made yet.
    Parked,
    /// N one-job DescribeJobs outputs held at once (a SUCCEEDED job as the local endpoint
    /// describes it): what a wait's last response costs by itself.
    Responses,
}

impl Kind {
    pub(crate) fn name(self) -> String {
        match self {
            Self::Poller(delays) => format!("poller (default tolerance), {}", delays.name()),
            Self::PerJob(delays) => format!("per-job, {}", delays.name()),
            Self::Parked => "parked: spawned, in the initial delay, no call yet".to_owned(),
            Self::Responses => "one job's DescribeJobs output each, held (no wait)".to_owned(),
        }
    }

    fn arg(self) -> String {
        match self {
            Self::Poller(delays) => format!("poller-{}", delays.name().replace(' ', "-")),
            Self::PerJob(delays) => format!("per-job-{}", delays.name().replace(' ', "-")),
            Self::Parked => "parked".to_owned(),
            Self::Responses => "responses".to_owned(),
        }
    }

    fn from_arg(arg: &str) -> Option<Self> {
        let delays = [Delays::Fixed, Delays::Jitter, Delays::PhaseJitter];
        delays
            .into_iter()
            .flat_map(|d| [Self::Poller(d), Self::PerJob(d)])
            .chain([Self::Parked, Self::Responses])
            .find(|kind| kind.arg() == arg)
    }
}

/// A memory measurement with its context, as the child reports it.
#[derive(Clone, Debug)]
pub(crate) struct Measured {
    pub(crate) n: usize,
    pub(crate) kind: Kind,
    pub(crate) sample: Sample,
    pub(crate) calls: u64,
}

impl Measured {
    /// (peak - baseline) / N, in KiB.
    pub(crate) fn peak_per_job_kib(&self) -> f64 {
        self.sample
            .peak_kib
            .saturating_sub(self.sample.baseline_kib) as f64
            / self.n as f64
    }

    /// (heap peak - heap baseline) / N, in KiB: the waiting side alone, and with the
    /// endpoint.
    pub(crate) fn heap_per_job_kib(&self) -> (f64, f64) {
        let (base, peak) = (self.sample.heap_baseline, self.sample.heap_peak);
        let per_job = |peak: i64, base: i64| (peak - base) as f64 / 1024.0 / self.n as f64;
        (
            per_job(peak.waiting, base.waiting),
            per_job(peak.all, base.all),
        )
    }
}

/// In the child: measure, print one JSON line.
pub(crate) fn child(n: usize, kind: &str, seed: u64) -> Result<(), String> {
    let kind = Kind::from_arg(kind).ok_or_else(|| format!("unknown memory kind {kind:?}"))?;
    heap::enable();
    let (sample, calls) = match kind {
        Kind::Parked => (parked(n), 0),
        Kind::Responses => (responses(n), 0),
        Kind::Poller(delays) | Kind::PerJob(delays) => {
            let polling = match kind {
                Kind::PerJob(_) => Polling::PerJob,
                _ => Polling::Poller {
                    tolerance: waiters_runtime::poller::DEFAULT_TOLERANCE,
                    shared_jitter: true,
                },
            };
            let scenario = Scenario {
                n,
                delays,
                polling,
                seed,
            };
            let outcome = scenario::run(scenario, true);
            if !outcome.wrong.is_empty() {
                return Err(format!("{} waits ended wrongly", outcome.wrong.len()));
            }
            (outcome.memory.ok_or("no memory sample")?, outcome.calls)
        }
    };
    println!(
        "{}",
        json!({
            "baseline_kib": sample.baseline_kib,
            "peak_kib": sample.peak_kib,
            "sampled_kib": sample.sampled_kib,
            "peak_reset": sample.peak_reset,
            "heap_baseline": bytes_json(sample.heap_baseline),
            "heap_peak": bytes_json(sample.heap_peak),
            "calls": calls,
        })
    );
    Ok(())
}

fn bytes_json(bytes: heap::Bytes) -> Value {
    json!({"waiting": bytes.waiting, "endpoint": bytes.endpoint, "all": bytes.all})
}

fn bytes_from(value: &Value) -> heap::Bytes {
    let side = |key: &str| value[key].as_i64().unwrap_or(0);
    heap::Bytes {
        waiting: side("waiting"),
        endpoint: side("endpoint"),
        all: side("all"),
    }
}

/// N `typed::wait_for_job` tasks (through a poller) in their initial delay.
fn parked(n: usize) -> Sample {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let server = waiters_local::LocalBatch::builder()
            .start()
            .await
            .expect("the local Batch endpoint starts");
        let client = aws_sdk_batch::Client::from_conf(server.client_config().build());
        let options = JobWaitOptions {
            initial_delay: Some(Duration::from_secs(1_000_000)),
            random: RandomSource::fixed(0.5),
            poller: Some(JobPoller::new(&client)),
            ..JobWaitOptions::default()
        };
        let baseline = Baseline::take();
        let sampler = Sampler::start();
        let mut waits = tokio::task::JoinSet::new();
        for i in 0..n {
            let client = client.clone();
            let options = options.clone();
            let id = format!("job-{i:05}");
            waits.spawn(async move {
                typed::wait_for_job(&client, &id, &options, NoObserver)
                    .await
                    .is_ok()
            });
        }
        // Every wait runs into its initial sleep; the sampler samples on the way.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let sample = baseline.finish(sampler);
        waits.abort_all();
        sample
    })
}

/// N copies of one job's DescribeJobs output, held at once.
fn responses(n: usize) -> Sample {
    let one = crate::matcher::samples().succeeded.swap_remove(0).output;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let baseline = Baseline::take();
        let sampler = Sampler::start();
        let held: Vec<_> = (0..n).map(|_| one.clone()).collect();
        let sample = baseline.finish(sampler);
        drop(held);
        sample
    })
}

/// In the parent: run a child for one measurement.
pub(crate) fn measure(n: usize, kind: Kind, seed: u64) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .args([
            "--memory-child",
            &n.to_string(),
            "--memory-kind",
            &kind.arg(),
            "--seed",
            &seed.to_string(),
        ])
        .output()
        .map_err(|e| format!("cannot run the memory child: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "memory child failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let line: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| format!("memory child said: {stdout}"))?;
    let number = |key: &str| line[key].as_u64().unwrap_or(0);
    Ok(Measured {
        n,
        kind,
        sample: Sample {
            baseline_kib: number("baseline_kib"),
            peak_kib: number("peak_kib"),
            sampled_kib: number("sampled_kib"),
            peak_reset: line["peak_reset"].as_bool().unwrap_or(false),
            heap_baseline: bytes_from(&line["heap_baseline"]),
            heap_peak: bytes_from(&line["heap_peak"]),
        },
        calls: number("calls"),
    })
}

/// Sizes in bytes of what one wait holds, in this build.
pub(crate) fn sizes() -> Vec<(&'static str, usize)> {
    use aws_sdk_batch::config::{BehaviorVersion, Region};
    use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
    use std::mem::{size_of, size_of_val};
    use waiters_runtime::WaiterConfig;
    use waiters_runtime::operation::DescribeJobsSdkError;
    use waiters_runtime::typed::JobComplete;

    let client = aws_sdk_batch::Client::from_conf(
        aws_sdk_batch::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .build(),
    );
    let poller = JobPoller::new(&client);
    let options = JobWaitOptions {
        poller: Some(poller.clone()),
        ..JobWaitOptions::default()
    };
    let wait_for_job = size_of_val(&typed::wait_for_job(&client, "job", &options, NoObserver));
    let waiter = JobComplete::new(&client).jobs("job").poller(&poller);
    let one_phase = size_of_val(&waiter.wait());
    vec![
        ("typed::wait_for_job future", wait_for_job),
        ("JobComplete wait() future", one_phase),
        ("typed::JobComplete", size_of::<JobComplete>()),
        ("JobWaitOptions", size_of::<JobWaitOptions>()),
        ("WaiterConfig", size_of::<WaiterConfig>()),
        (
            "Result<DescribeJobsOutput, DescribeJobsSdkError>",
            size_of::<Result<DescribeJobsOutput, DescribeJobsSdkError>>(),
        ),
    ]
}

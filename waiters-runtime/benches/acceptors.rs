//! One acceptor evaluation on DescribeJobs outputs of 1, 10 and 100 jobs: JobComplete's
//! `pathAll jobs[].status == "SUCCEEDED"` (every job SUCCEEDED, so every job is read).
//!
//! - `typed`: the acceptor `waiters!` generated (`JobCompleteDefinition::acceptor_0`);
//! - `hand_written`: a Rust loop with the same semantics (null statuses skipped, a
//!   non-empty result needed), as one would write it by hand;
//! - `runtime_jmespath`: the run-time matcher (`waiters_model`, the `jmespath` crate over
//!   the response JSON, prepared once as the run-time waiter prepares it per response).
//!
//! Run: `cargo bench -p waiters-runtime --bench acceptors`; results in BENCHMARKS.md.
//!
//! On a shared VM, criterion's one-after-the-other runs drift by tens of percent between
//! benchmarks; `WAITERS_BENCH_INTERLEAVED=1 cargo bench -p waiters-runtime --bench
//! acceptors` instead alternates typed and hand-written batches (5000 rounds of 200 calls
//! each) and prints the minimum and median time per call of each, so that both see the
//! same machine state.

use std::hint::black_box;

use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::types::{JobDetail, JobStatus};
use criterion::{BenchmarkId, Criterion, criterion_group};
use serde_json::json;
use waiters_runtime::model::{Document, Observation, WaiterModel};
use waiters_runtime::operation::DescribeJobsSdkError;

mod typed {
    waiters_runtime::waiters!("../models/batch-waiters.json");
}

type Response = Result<DescribeJobsOutput, DescribeJobsSdkError>;

/// The same jobs as the SDK's typed output and as the JSON the service sends.
fn jobs(count: usize) -> (Response, Document) {
    let details: Vec<JobDetail> = (0..count)
        .map(|i| {
            JobDetail::builder()
                .job_id(format!("job-{i}"))
                .job_name("bench")
                .job_queue("queue")
                .job_definition("definition")
                .started_at(1_700_000_000_000)
                .status(JobStatus::Succeeded)
                .build()
        })
        .collect();
    let body = json!({"jobs": (0..count).map(|i| json!({
        "jobId": format!("job-{i}"), "jobName": "bench", "jobQueue": "queue",
        "jobDefinition": "definition", "startedAt": 1_700_000_000_000_i64, "status": "SUCCEEDED",
    })).collect::<Vec<_>>()});
    let output = DescribeJobsOutput::builder()
        .set_jobs(Some(details))
        .build();
    (Ok(output), Document::new(&body))
}

/// `pathAll jobs[].status == "SUCCEEDED"`, by hand.
fn hand_written(response: &Response) -> bool {
    let Ok(output) = response else {
        return false;
    };
    let Some(jobs) = output.jobs.as_deref() else {
        return false;
    };
    let mut any = false;
    for job in jobs {
        match job.status() {
            Some(JobStatus::Succeeded) => any = true,
            None => {}
            Some(_) => return false,
        }
    }
    any
}

fn acceptor(c: &mut Criterion) {
    let model = WaiterModel::from_json_str(waiters_runtime::batch::DEFAULT_MODEL_JSON)
        .expect("bundled model");
    let runtime = &model
        .waiter("JobComplete")
        .expect("JobComplete")
        .acceptors()[0];
    let mut group = c.benchmark_group("pathAll jobs[].status");
    for count in [1, 10, 100] {
        let (response, document) = jobs(count);
        let observation = Observation::Output {
            status: Some(200),
            document: &document,
        };
        // All three agree before they are timed.
        assert!(typed::JobCompleteDefinition::acceptor_0(&response));
        assert!(hand_written(&response));
        assert!(runtime.matches(&observation));

        group.bench_with_input(BenchmarkId::new("typed", count), &response, |b, r| {
            b.iter(|| typed::JobCompleteDefinition::acceptor_0(black_box(r)))
        });
        group.bench_with_input(
            BenchmarkId::new("hand_written", count),
            &response,
            |b, r| b.iter(|| hand_written(black_box(r))),
        );
        group.bench_with_input(
            BenchmarkId::new("runtime_jmespath", count),
            &observation,
            |b, o| b.iter(|| runtime.matches(black_box(o))),
        );
    }
    group.finish();
}

/// Typed against hand-written, alternating batches: (min, median) ns per call of each.
fn interleaved(response: &Response) -> ((f64, f64), (f64, f64)) {
    const ROUNDS: usize = 5000;
    const CALLS: u32 = 200;
    let time = |f: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        for _ in 0..CALLS {
            black_box(f());
        }
        start.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS)
    };
    let mut typed_ns = Vec::with_capacity(ROUNDS);
    let mut hand_ns = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        typed_ns.push(time(&|| {
            typed::JobCompleteDefinition::acceptor_0(black_box(response))
        }));
        hand_ns.push(time(&|| hand_written(black_box(response))));
    }
    let summary = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[0], v[v.len() / 2])
    };
    (summary(typed_ns), summary(hand_ns))
}

criterion_group!(benches, acceptor);

fn main() {
    if std::env::var_os("WAITERS_BENCH_INTERLEAVED").is_some() {
        for count in [1, 10, 100] {
            let (response, _) = jobs(count);
            let ((typed_min, typed_median), (hand_min, hand_median)) = interleaved(&response);
            println!(
                "{count:>3} jobs: typed min {typed_min:.1} ns, median {typed_median:.1} ns | \
                 hand-written min {hand_min:.1} ns, median {hand_median:.1} ns | \
                 median ratio {:.2}",
                typed_median / hand_median
            );
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

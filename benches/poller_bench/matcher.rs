//! The typed matcher against botocore's: JobComplete's first acceptor (`pathAll`
//! `jobs[].status` == `"SUCCEEDED"`) on the same DescribeJobs outputs of 1, 10 and 100
//! SUCCEEDED jobs, as the local endpoint sends them. Rust times the typed acceptor
//! (`typed::JobCompleteDefinition::acceptor_0` on the SDK's output) and the run-time one
//! (`waiters_model`, JMESPath over the JSON); `botocore_matcher.py` times botocore's own
//! `matcher_func` on the same JSON files, in a venv with the pinned botocore.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant as WallInstant};

use aws_sdk_batch::Client;
use aws_sdk_batch::config::timeout::TimeoutConfig;
use serde_json::Value;
use waiters_local::LocalBatch;
use waiters_runtime::BatchWaiters;
use waiters_runtime::batch::DEFAULT_MODEL_JSON;
use waiters_runtime::model::{Document, Observation, WaiterModel};
use waiters_runtime::response::DescribeJobsResponse;
use waiters_runtime::typed::{JobCompleteDefinition, ResponseOf};

/// The job counts of the outputs.
pub(crate) const COUNTS: [usize; 3] = [1, 10, 100];

/// The script, next to this file.
const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/poller_bench/botocore_matcher.py"
);

/// DescribeJobs answers of the local endpoint, for the matchers and the CPU benchmark.
pub(crate) struct Samples {
    /// 1, 10 and 100 SUCCEEDED jobs.
    pub(crate) succeeded: Vec<DescribeJobsResponse>,
    /// One RUNNING job's JSON.
    pub(crate) running_job: Value,
}

/// Asks the local endpoint (on the paused clock) for the sample answers.
pub(crate) fn samples() -> Samples {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let server = LocalBatch::builder()
            .start()
            .await
            .expect("the local Batch endpoint starts");
        let client = Client::from_conf(
            server
                .client_config()
                .timeout_config(TimeoutConfig::disabled())
                .build(),
        );
        let submit = |name: String, parameters: &'static [(&'static str, &'static str)]| {
            let mut request = client
                .submit_job()
                .job_name(name)
                .job_queue("bench")
                .job_definition("bench:1");
            for (key, value) in parameters {
                request = request.parameters(*key, *value);
            }
            async move {
                let output = request.send().await.expect("SubmitJob");
                output.job_id().expect("a job id").to_owned()
            }
        };
        let mut done = Vec::new();
        for i in 0..COUNTS[2] {
            done.push(submit(format!("done-{i}"), &[("local:totalMillis", "10000")]).await);
        }
        let running = submit(
            "running".to_owned(),
            &[
                ("local:phaseMillis", "1000"),
                ("local:runningMillis", "3600000"),
            ],
        )
        .await;
        tokio::time::sleep(Duration::from_secs(11)).await;
        let mut exists = BatchWaiters::new(client)
            .get_waiter("JobExists")
            .expect("the bundled JobExists");
        exists.config.max_attempts = Some(1);
        let mut succeeded = Vec::new();
        for count in COUNTS {
            let waited = exists.wait(&done[..count]).await.expect("the jobs exist");
            let response = waited.into_response().expect("a DescribeJobs output");
            assert_eq!(response.jobs().len(), count);
            succeeded.push(response);
        }
        let waited = exists.wait([running]).await.expect("the job exists");
        let running_job =
            waited.into_response().expect("a DescribeJobs output").body["jobs"][0].clone();
        assert_eq!(running_job["status"], "RUNNING");
        server.shutdown().await;
        Samples {
            succeeded,
            running_job,
        }
    })
}

/// One matcher's time per evaluation, in ns.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Timing {
    pub(crate) min: f64,
    pub(crate) median: f64,
}

/// Times `f` in batches (each at least ~1 ms, as the Python side) for about `budget`.
fn time(mut f: impl FnMut() -> bool, budget: Duration) -> Timing {
    let mut batch = 1u32;
    loop {
        let started = WallInstant::now();
        for _ in 0..batch {
            black_box(f());
        }
        if started.elapsed() >= Duration::from_millis(1) || batch >= 1 << 24 {
            break;
        }
        batch *= 2;
    }
    let mut per_call = Vec::new();
    let started = WallInstant::now();
    while started.elapsed() < budget || per_call.len() < 5 {
        let batch_started = WallInstant::now();
        for _ in 0..batch {
            black_box(f());
        }
        per_call.push(batch_started.elapsed().as_secs_f64() * 1e9 / f64::from(batch));
    }
    per_call.sort_by(f64::total_cmp);
    Timing {
        min: per_call[0],
        median: per_call[per_call.len() / 2],
    }
}

/// One row: the same output through each matcher.
#[derive(Clone, Debug)]
pub(crate) struct MatcherRow {
    pub(crate) jobs: usize,
    pub(crate) typed: Timing,
    pub(crate) runtime: Timing,
    pub(crate) botocore: Option<Timing>,
}

/// What the botocore side ran with.
#[derive(Clone, Debug, Default)]
pub(crate) struct BotocoreInfo {
    pub(crate) botocore: String,
    pub(crate) python: String,
    pub(crate) error: Option<String>,
}

/// Times the three matchers on the samples; `budget` per measurement.
pub(crate) fn compare(
    samples: &Samples,
    budget: Duration,
    with_botocore: bool,
) -> (Vec<MatcherRow>, BotocoreInfo) {
    let model = WaiterModel::from_json_str(DEFAULT_MODEL_JSON).expect("the bundled model");
    let runtime_acceptor = &model
        .waiter("JobComplete")
        .expect("JobComplete")
        .acceptors()[0];
    let mut rows = Vec::new();
    for response in &samples.succeeded {
        let typed: ResponseOf<JobCompleteDefinition> = Ok(response.output.clone());
        let document = Document::new(&response.body);
        let observation = Observation::Output {
            status: Some(200),
            document: &document,
        };
        assert!(JobCompleteDefinition::acceptor_0(&typed));
        assert!(runtime_acceptor.matches(&observation));
        rows.push(MatcherRow {
            jobs: response.jobs().len(),
            typed: time(
                || JobCompleteDefinition::acceptor_0(black_box(&typed)),
                budget,
            ),
            runtime: time(|| runtime_acceptor.matches(black_box(&observation)), budget),
            botocore: None,
        });
    }
    if !with_botocore {
        let info = BotocoreInfo {
            error: Some("skipped (--no-botocore)".to_owned()),
            ..BotocoreInfo::default()
        };
        return (rows, info);
    }
    let info = match botocore(samples, budget) {
        Ok((timings, info)) => {
            for (row, timing) in rows.iter_mut().zip(timings) {
                row.botocore = Some(timing);
            }
            info
        }
        Err(error) => BotocoreInfo {
            error: Some(error),
            ..BotocoreInfo::default()
        },
    };
    (rows, info)
}

/// Writes the outputs and the model as JSON files and runs `botocore_matcher.py` on them.
fn botocore(samples: &Samples, budget: Duration) -> Result<(Vec<Timing>, BotocoreInfo), String> {
    let dir = std::env::temp_dir().join(format!("poller-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, text: &str| -> Result<PathBuf, String> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    };
    let model = write("batch-waiters.json", DEFAULT_MODEL_JSON)?;
    let mut outputs = Vec::new();
    for response in &samples.succeeded {
        outputs.push(write(
            &format!("jobs-{}.json", response.jobs().len()),
            &response.body.to_string(),
        )?);
    }
    let result = run_script(&model, &outputs, budget);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_script(
    model: &Path,
    outputs: &[PathBuf],
    budget: Duration,
) -> Result<(Vec<Timing>, BotocoreInfo), String> {
    let python = std::env::var("WAITERS_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let output = Command::new(&python)
        .arg(SCRIPT)
        .arg("--model")
        .arg(model)
        .arg("--seconds")
        .arg(budget.as_secs_f64().to_string())
        .args(outputs)
        .output()
        .map_err(|e| format!("cannot run {python} {SCRIPT}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{SCRIPT} failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut timings = Vec::new();
    let mut info = BotocoreInfo::default();
    for line in stdout.lines() {
        let Ok(value) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Some(version) = value["botocore"].as_str() {
            info.botocore = version.to_owned();
            info.python = value["python"].as_str().unwrap_or_default().to_owned();
        }
        if let (Some(min), Some(median)) = (value["min_ns"].as_f64(), value["median_ns"].as_f64()) {
            timings.push(Timing { min, median });
        }
    }
    if timings.len() != outputs.len() {
        return Err(format!("{SCRIPT} said: {stdout}"));
    }
    Ok((timings, info))
}

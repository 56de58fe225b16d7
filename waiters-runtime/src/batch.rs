//! The seed's API over `aws-sdk-batch`: waiters built from a model loaded at run time.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::describe_jobs::{DescribeJobsError, DescribeJobsOutput};
use aws_sdk_batch::types::{JobDetail, JobStatus};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::Value;
use waiters_model::{
    Document, JsonPath, ModelError, Observation, ProblemKind, WaiterDefinition, WaiterModel,
};

use crate::config::{DelayStrategy, RandomSource, TransientRetry, WaiterConfig, add_jitter};
use crate::engine::{self, Attempt, NoObserver, Observer, Waited};
use crate::error::{AcceptorMatch, ErrorClass, FailureReason, OperationError, WaitError};
use crate::sdk::CapturedResponse;

/// The bundled Batch waiter model (`models/batch-waiters.json`): Airflow's names and
/// timings, with a JobExists that keeps polling while the job is not yet visible.
pub const DEFAULT_MODEL_JSON: &str = include_str!("../../models/batch-waiters.json");

/// The operations run-time Batch waiters can call.
pub const SUPPORTED_OPERATIONS: &[&str] = &["DescribeJobs"];

static DEFAULT_MODEL: LazyLock<Arc<WaiterModel>> = LazyLock::new(|| {
    // The bundled model is also checked by the waiters! macro at build time and by a test.
    Arc::new(
        WaiterModel::from_json_str(DEFAULT_MODEL_JSON)
            .unwrap_or_else(|e| panic!("the bundled waiter model is invalid: {e}")),
    )
});

/// The error type of a DescribeJobs call.
pub type DescribeJobsSdkError = SdkError<DescribeJobsError, HttpResponse>;

/// How a run-time Batch wait fails.
pub type BatchWaitError = WaitError<DescribeJobsResponse, DescribeJobsSdkError>;

/// A DescribeJobs response: the typed output, plus the raw JSON the acceptors searched.
#[derive(Clone, Debug)]
pub struct DescribeJobsResponse {
    /// The typed output.
    pub output: DescribeJobsOutput,
    /// The HTTP status code.
    pub status: u16,
    /// The response body as the service sent it.
    pub body: Value,
    document: Document,
}

impl DescribeJobsResponse {
    /// The jobs in the response.
    pub fn jobs(&self) -> &[JobDetail] {
        self.output.jobs()
    }

    /// One job by id or ARN (DescribeJobs accepts both).
    pub fn job(&self, job_id: &str) -> Option<&JobDetail> {
        self.jobs()
            .iter()
            .find(|j| j.job_id() == Some(job_id) || j.job_arn() == Some(job_id))
    }
}

/// A waiter name that the model does not define.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Waiter does not exist: {name} (known waiters: {})", .known.join(", "))]
pub struct UnknownWaiter {
    /// The name asked for.
    pub name: String,
    /// The names the model defines, sorted.
    pub known: Vec<String>,
}

/// AWS Batch waiters driven by a waiter model loaded at run time: the Rust counterpart of
/// Airflow's `BatchWaitersHook`.
///
/// The model is validated when the waiters are built, and each instance owns its own copy:
/// changing a JSON value you passed in, or a waiter you got from [`get_waiter`], changes
/// nothing here.
///
/// ```no_run
/// # async fn run(client: aws_sdk_batch::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use waiters_runtime::BatchWaiters;
///
/// let waiters = BatchWaiters::new(client.clone());
/// assert_eq!(waiters.list_waiters(), ["JobComplete", "JobExists", "JobRunning"]);
///
/// // A custom model starts from the default one.
/// let mut config = waiters.default_config();
/// config["waiters"]["JobComplete"]["delay"] = 30.into();
/// let waiters = BatchWaiters::with_config(client, &config)?;
///
/// let mut waiter = waiters.get_waiter("JobExists")?;
/// waiter.config.delay = Duration::from_secs(10);
/// waiter.config.max_attempts = Some(10);
/// waiter.wait(["job-id"]).await?;
///
/// let job = waiters.wait_for_job("job-id", None).await?;
/// println!("{:?} finished with {:?}", job.job_name(), job.status());
/// # Ok(()) }
/// ```
///
/// [`get_waiter`]: BatchWaiters::get_waiter
#[derive(Clone, Debug)]
pub struct BatchWaiters {
    client: Client,
    model: Arc<WaiterModel>,
}

impl BatchWaiters {
    /// Waiters from the bundled model.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            model: DEFAULT_MODEL.clone(),
        }
    }

    /// Waiters from a custom model (a JSON document in botocore's waiters-2 format),
    /// validated now: every problem is reported with its JSON path, including operations
    /// the run-time waiters cannot call.
    pub fn with_config(client: Client, config: &Value) -> Result<Self, ModelError> {
        Self::with_model(client, WaiterModel::from_json(config)?)
    }

    /// Waiters from a custom model given as JSON text.
    pub fn from_json_str(client: Client, config: &str) -> Result<Self, ModelError> {
        Self::with_model(client, WaiterModel::from_json_str(config)?)
    }

    /// Waiters from an already loaded model; fails if a waiter uses an operation the
    /// run-time waiters cannot call.
    pub fn with_model(client: Client, model: WaiterModel) -> Result<Self, ModelError> {
        check_operations(&model)?;
        Ok(Self {
            client,
            model: Arc::new(model),
        })
    }

    /// The bundled model as JSON: a fresh copy on every call, yours to change.
    pub fn default_config(&self) -> Value {
        DEFAULT_MODEL.to_json()
    }

    /// This instance's model as JSON: a fresh copy on every call.
    pub fn waiter_config(&self) -> Value {
        self.model.to_json()
    }

    /// This instance's validated model.
    pub fn waiter_model(&self) -> &WaiterModel {
        &self.model
    }

    /// The waiter names, sorted: `["JobComplete", "JobExists", "JobRunning"]` for the
    /// bundled model.
    pub fn list_waiters(&self) -> Vec<String> {
        self.model.waiter_names()
    }

    /// The client the waiters call.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A new waiter; its `config` starts from the model and is yours to change.
    pub fn get_waiter(&self, name: &str) -> Result<BatchWaiter, UnknownWaiter> {
        let definition = self.model.waiter(name).ok_or_else(|| UnknownWaiter {
            name: name.to_owned(),
            known: self.list_waiters(),
        })?;
        Ok(BatchWaiter {
            config: WaiterConfig::new(definition.delay(), Some(definition.max_attempts())),
            definition: definition.clone(),
            client: self.client.clone(),
        })
    }

    /// Airflow's `wait_for_job`: an initial delay (uniform 1-10 s when `delay` is `None`,
    /// else `delay` with +/- 1 s jitter), then JobExists, JobRunning and JobComplete, each
    /// polling every `add_jitter(model delay, 2 s, at least 1 s)` with no attempt limit,
    /// then a final status check. Returns the job when it SUCCEEDED.
    ///
    /// Without a budget this waits as long as the job takes; see
    /// [`wait_for_job_with`](Self::wait_for_job_with) for a deadline.
    pub async fn wait_for_job(
        &self,
        job_id: &str,
        delay: Option<Duration>,
    ) -> Result<JobDetail, JobWaitError> {
        let options = JobWaitOptions {
            initial_delay: delay,
            ..JobWaitOptions::default()
        };
        self.wait_for_job_with(job_id, &options, NoObserver).await
    }

    /// [`wait_for_job`](Self::wait_for_job) with a budget, a random source and an observer
    /// that sees every attempt of every phase (`attempt.waiter` names the phase).
    pub async fn wait_for_job_with<Obs>(
        &self,
        job_id: &str,
        options: &JobWaitOptions,
        mut observer: Obs,
    ) -> Result<JobDetail, JobWaitError>
    where
        Obs: Observer<DescribeJobsResponse, DescribeJobsSdkError>,
    {
        // All three waiters are looked up before any waiting, so a model without one of
        // them fails at once rather than after the first phases.
        let mut phases = Vec::with_capacity(JOB_PHASES.len());
        for phase in JOB_PHASES {
            let waiter = self
                .get_waiter(phase)
                .map_err(|source| JobWaitError::MissingWaiter {
                    job_id: job_id.to_owned(),
                    source,
                })?;
            phases.push(waiter);
        }
        let started = tokio::time::Instant::now();
        let initial = match options.initial_delay {
            None => Duration::from_secs_f64(options.random.uniform(1.0, 10.0)),
            Some(delay) => add_jitter(
                delay,
                Duration::from_secs(1),
                Duration::ZERO,
                &options.random,
            ),
        };
        // The initial delay counts against the deadline too.
        tokio::time::sleep(match options.max_wait {
            Some(max_wait) => initial.min(max_wait),
            None => initial,
        })
        .await;

        let mut last = None;
        for mut waiter in phases {
            // Airflow draws the jitter once per waiter.
            waiter.config.delay =
                options
                    .phase_delay
                    .delay(0, waiter.config.delay, &options.random);
            waiter.config.max_attempts = options.max_attempts;
            waiter.config.transient_errors = options.transient_errors;
            waiter.config.random = options.random.clone();
            if let Some(max_wait) = options.max_wait {
                waiter.config.max_wait = Some(max_wait.saturating_sub(started.elapsed()));
            }
            let phase_observer =
                |attempt: &Attempt<'_, DescribeJobsResponse, DescribeJobsSdkError>| {
                    observer.on_attempt(attempt)
                };
            match waiter.wait_observed([job_id], phase_observer).await {
                Ok(waited) => last = waited.into_output(),
                Err(mut error) => {
                    // A phase's deadline is what was left of the caller's: report theirs.
                    if let (FailureReason::MaxWaitExceeded { max_wait, .. }, Some(overall)) =
                        (&mut error.reason, options.max_wait)
                    {
                        *max_wait = overall;
                    }
                    return Err(job_failure(job_id, error));
                }
            }
        }
        let job = last
            .as_ref()
            .and_then(|response| response.job(job_id))
            .ok_or_else(|| JobWaitError::NotFound {
                job_id: job_id.to_owned(),
            })?;
        check_job_status(job_id, job)
    }
}

/// The waiters `wait_for_job` runs, in order.
pub const JOB_PHASES: [&str; 3] = ["JobExists", "JobRunning", "JobComplete"];

/// Budget and randomness for [`BatchWaiters::wait_for_job_with`].
#[derive(Clone, Debug)]
pub struct JobWaitOptions {
    /// The seed's `delay`: `None` draws the initial sleep uniformly from 1-10 s.
    pub initial_delay: Option<Duration>,
    /// A deadline for the whole wait, initial delay included.
    pub max_wait: Option<Duration>,
    /// An attempt budget for each phase; `None` (Airflow's choice) polls without limit.
    pub max_attempts: Option<u32>,
    /// How each phase's model delay becomes its polling delay, drawn once per phase:
    /// Airflow's jitter (+/- 2 s, at least 1 s) by default; `DelayStrategy::Fixed` polls
    /// exactly at the model's delays.
    pub phase_delay: DelayStrategy,
    /// What happens to transient errors.
    pub transient_errors: TransientRetry,
    /// Where the jitter comes from.
    pub random: RandomSource,
}

impl Default for JobWaitOptions {
    fn default() -> Self {
        Self {
            initial_delay: None,
            max_wait: None,
            max_attempts: None,
            phase_delay: DelayStrategy::airflow_jitter(),
            transient_errors: TransientRetry::default(),
            random: RandomSource::default(),
        }
    }
}

impl JobWaitOptions {
    /// Options with a deadline for the whole wait.
    pub fn with_max_wait(max_wait: Duration) -> Self {
        Self {
            max_wait: Some(max_wait),
            ..Self::default()
        }
    }
}

/// Why `wait_for_job` did not return a SUCCEEDED job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobWaitError {
    /// The job ended FAILED.
    #[error("Batch job {job_id} failed: {}{}", .status_reason.as_deref().unwrap_or("no status reason given"), exit_code_text(*.exit_code))]
    JobFailed {
        /// The job.
        job_id: String,
        /// Batch's `statusReason`.
        status_reason: Option<String>,
        /// The container's exit code, when it ran.
        exit_code: Option<i32>,
        /// The whole job description.
        job: Box<JobDetail>,
    },
    /// The waiters finished but the job is neither SUCCEEDED nor FAILED (a custom model
    /// can do that).
    #[error("Batch job {job_id} is not complete: status {status}")]
    NotComplete {
        /// The job.
        job_id: String,
        /// Its status.
        status: String,
        /// The whole job description.
        job: Box<JobDetail>,
    },
    /// The job has a status this client does not know.
    #[error("Batch job {job_id} has unknown status {status}")]
    UnknownStatus {
        /// The job.
        job_id: String,
        /// The status as sent.
        status: String,
    },
    /// The last response did not describe the job.
    #[error("Batch job {job_id} was not in the DescribeJobs response")]
    NotFound {
        /// The job.
        job_id: String,
    },
    /// The model lacks one of JobExists, JobRunning, JobComplete.
    #[error("cannot wait for Batch job {job_id}: {source}")]
    MissingWaiter {
        /// The job.
        job_id: String,
        /// Which waiter is missing.
        #[source]
        source: UnknownWaiter,
    },
    /// A waiter failed (budget exhausted, service error, failure acceptor).
    #[error("waiting for Batch job {job_id}: {source}")]
    Wait {
        /// The job.
        job_id: String,
        /// The waiter's error, with its last response.
        #[source]
        source: Box<BatchWaitError>,
    },
}

fn exit_code_text(code: Option<i32>) -> String {
    code.map(|c| format!(" (exit code {c})"))
        .unwrap_or_default()
}

/// A failure acceptor that matched a FAILED job becomes `JobFailed` with the job's details.
fn job_failure(job_id: &str, error: BatchWaitError) -> JobWaitError {
    if let FailureReason::TerminalFailure { .. } = error.reason()
        && let Some(job) = error.last_output().and_then(|r| r.job(job_id))
        && job.status() == Some(&JobStatus::Failed)
    {
        return failed(job_id, job);
    }
    JobWaitError::Wait {
        job_id: job_id.to_owned(),
        source: Box::new(error),
    }
}

fn failed(job_id: &str, job: &JobDetail) -> JobWaitError {
    JobWaitError::JobFailed {
        job_id: job_id.to_owned(),
        status_reason: job.status_reason().map(str::to_owned),
        exit_code: exit_code(job),
        job: Box::new(job.clone()),
    }
}

/// The container's exit code: from the job's container, else from its last attempt.
pub fn exit_code(job: &JobDetail) -> Option<i32> {
    job.container().and_then(|c| c.exit_code()).or_else(|| {
        job.attempts()
            .last()
            .and_then(|a| a.container())
            .and_then(|c| c.exit_code())
    })
}

/// Airflow's final check: SUCCEEDED returns the job, FAILED is an error with the reason
/// and exit code, anything else is "not complete" or "unknown status".
pub fn check_job_status(job_id: &str, job: &JobDetail) -> Result<JobDetail, JobWaitError> {
    match job.status() {
        Some(JobStatus::Succeeded) => Ok(job.clone()),
        Some(JobStatus::Failed) => Err(failed(job_id, job)),
        Some(
            status @ (JobStatus::Submitted
            | JobStatus::Pending
            | JobStatus::Runnable
            | JobStatus::Starting
            | JobStatus::Running),
        ) => Err(JobWaitError::NotComplete {
            job_id: job_id.to_owned(),
            status: status.as_str().to_owned(),
            job: Box::new(job.clone()),
        }),
        other => Err(JobWaitError::UnknownStatus {
            job_id: job_id.to_owned(),
            status: other.map_or("(none)", |s| s.as_str()).to_owned(),
        }),
    }
}

/// One waiter of a [`BatchWaiters`] model, with its own changeable [`WaiterConfig`].
#[derive(Clone, Debug)]
pub struct BatchWaiter {
    /// Delay, attempts, deadline and the rest: starts from the model, yours to change.
    pub config: WaiterConfig,
    definition: WaiterDefinition,
    client: Client,
}

impl BatchWaiter {
    /// The waiter's name.
    pub fn name(&self) -> &str {
        self.definition.name()
    }

    /// The waiter's definition in the model.
    pub fn definition(&self) -> &WaiterDefinition {
        &self.definition
    }

    /// Waits on the given jobs (DescribeJobs `jobs`).
    pub async fn wait<I, S>(
        &self,
        job_ids: I,
    ) -> Result<Waited<DescribeJobsResponse, DescribeJobsSdkError>, BatchWaitError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.wait_observed(job_ids, NoObserver).await
    }

    /// Waits on the given jobs, telling `observer` about every attempt.
    pub async fn wait_observed<I, S, Obs>(
        &self,
        job_ids: I,
        observer: Obs,
    ) -> Result<Waited<DescribeJobsResponse, DescribeJobsSdkError>, BatchWaitError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        Obs: Observer<DescribeJobsResponse, DescribeJobsSdkError>,
    {
        let job_ids: Vec<String> = job_ids.into_iter().map(Into::into).collect();
        let explanations: Vec<String> = self
            .definition
            .acceptors()
            .iter()
            .map(|a| a.explanation())
            .collect();
        let classify = |response: &Result<DescribeJobsResponse, DescribeJobsSdkError>| {
            let observation = match response {
                Ok(r) => Observation::Output {
                    status: Some(r.status),
                    document: &r.document,
                },
                Err(e) => match e.class() {
                    ErrorClass::Service { code, status, .. } => Observation::ServiceError {
                        status,
                        code: code.unwrap_or(""),
                    },
                    // Without a service answer there is nothing for acceptors to match.
                    _ => return None,
                },
            };
            let (index, acceptor) = self.definition.first_match(&observation)?;
            Some(AcceptorMatch {
                index,
                state: acceptor.state,
                explanation: explanations[index].clone().into(),
            })
        };
        engine::wait(
            self.definition.name().to_owned(),
            &self.config,
            || describe_jobs(&self.client, job_ids.clone()),
            classify,
            observer,
        )
        .await
    }
}

/// Calls DescribeJobs and keeps the raw JSON body next to the typed output.
async fn describe_jobs(
    client: &Client,
    job_ids: Vec<String>,
) -> Result<DescribeJobsResponse, DescribeJobsSdkError> {
    let captured = CapturedResponse::default();
    let output = client
        .describe_jobs()
        .set_jobs(Some(job_ids))
        .customize()
        .interceptor(captured.clone())
        .send()
        .await?;
    let (status, bytes) = captured.take().ok_or_else(|| {
        SdkError::construction_failure(
            "the DescribeJobs response body did not reach the run-time acceptors",
        )
    })?;
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            SdkError::construction_failure(format!(
                "DescribeJobs returned a body that is not JSON: {e}"
            ))
        })?
    };
    Ok(DescribeJobsResponse {
        document: Document::new(&body),
        output,
        status,
        body,
    })
}

fn check_operations(model: &WaiterModel) -> Result<(), ModelError> {
    let problems: Vec<_> = model
        .waiters()
        .filter(|w| !SUPPORTED_OPERATIONS.contains(&w.operation()))
        .map(|w| {
            (
                JsonPath::root()
                    .key("waiters")
                    .key(w.name())
                    .key("operation"),
                ProblemKind::Unsupported(format!(
                    "operation \"{}\" cannot be called by run-time Batch waiters (supported: {})",
                    w.operation(),
                    SUPPORTED_OPERATIONS.join(", ")
                )),
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ModelError::from_problems(problems))
    }
}

//! The seed's API over `aws-sdk-batch`: waiters built from a model loaded at run time.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::operation::describe_jobs::{DescribeJobsError, DescribeJobsOutput};
use aws_sdk_batch::types::JobDetail;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::Value;
use waiters_model::{
    Document, JsonPath, ModelError, Observation, ProblemKind, WaiterDefinition, WaiterModel,
};

use crate::config::WaiterConfig;
use crate::engine::{self, NoObserver, Observer, Waited};
use crate::error::{AcceptorMatch, ErrorClass, InvalidInput, OperationError, WaitError};
use crate::job::{JOB_PHASES, JobPhase, JobWaitError, JobWaitOptions, JobsOutput, run_job_phases};
use crate::sdk::CapturedResponse;
use waiters_model::limits::{escape_unsafe, has_control_characters};

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
        self.output.job(job_id)
    }
}

/// A waiter name that the model does not define. (Models refuse names with control
/// characters, so such a name is never found; it is shown escaped.)
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Waiter does not exist: {} (known waiters: {})", escape_unsafe(.name), .known.join(", "))]
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
        observer: Obs,
    ) -> Result<JobDetail, JobWaitError>
    where
        Obs: Observer<DescribeJobsResponse, DescribeJobsSdkError>,
    {
        if let Some(problem) = job_id_problem([job_id]) {
            return Err(JobWaitError::Wait {
                job_id: job_id.to_owned(),
                source: Box::new(refused(JOB_PHASES[0], problem)),
            });
        }
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
            phases.push(RuntimePhase {
                waiter,
                job_id: job_id.to_owned(),
            });
        }
        run_job_phases(job_id, phases, options, observer).await
    }
}

/// A run-time waiter as one phase of `wait_for_job`.
struct RuntimePhase {
    waiter: BatchWaiter,
    job_id: String,
}

impl JobPhase for RuntimePhase {
    type Output = DescribeJobsResponse;

    fn config_mut(&mut self) -> &mut WaiterConfig {
        &mut self.waiter.config
    }

    async fn wait_phase<Obs>(
        &self,
        observer: Obs,
    ) -> Result<Waited<DescribeJobsResponse, DescribeJobsSdkError>, BatchWaitError>
    where
        Obs: Observer<DescribeJobsResponse, DescribeJobsSdkError>,
    {
        self.waiter
            .wait_observed([self.job_id.as_str()], observer)
            .await
    }
}

impl JobsOutput for DescribeJobsResponse {
    fn job(&self, job_id: &str) -> Option<&JobDetail> {
        self.output.job(job_id)
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
        if let Some(problem) = job_id_problem(&job_ids) {
            return Err(refused(self.definition.name(), problem));
        }
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
                "the HTTP {status} DescribeJobs response is not JSON: {e}"
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

/// The first job id with control characters, if any: no job has one, and they would be
/// echoed into logs and output.
fn job_id_problem<S: AsRef<str>>(job_ids: impl IntoIterator<Item = S>) -> Option<InvalidInput> {
    job_ids
        .into_iter()
        .find(|id| has_control_characters(id.as_ref()))
        .map(|id| InvalidInput::ControlCharactersInJobId {
            job_id: id.as_ref().to_owned(),
        })
}

/// A wait refused before any call.
fn refused(waiter: &str, problem: InvalidInput) -> BatchWaitError {
    WaitError {
        waiter: waiter.to_owned().into(),
        reason: problem.into(),
        attempts: 0,
        elapsed: Duration::ZERO,
        last_response: None,
    }
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

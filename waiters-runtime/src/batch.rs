//! The seed's API over `aws-sdk-batch`: waiters built from a model loaded at run time, on
//! any operation waiters can poll.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::types::JobDetail;
use serde_json::Value;
use waiters_model::{
    Document, JsonPath, ModelError, Observation, ProblemKind, WaiterDefinition, WaiterModel,
};

pub use crate::call::BatchResponse;
use crate::call::call;
use crate::config::WaiterConfig;
use crate::engine::{self, NoObserver, Observer, Start, Waited};
use crate::error::{
    AcceptorMatch, ErrorClass, FailureReason, InvalidInput, OperationError, UnknownWaiter,
    WaitError,
};
use crate::input::InputError;
use crate::job::{JOB_PHASES, JobPhase, JobWaitError, JobWaitOptions, run_job_phases};
use crate::operation::{BatchSdkError, DescribeJobsSdkError};
use crate::poller::{Form, JobPoller};
use crate::response::{DescribeJobsResponse, describe_jobs};
use crate::typed::operations::OPERATIONS;
pub use crate::typed::operations::{BatchInput, BatchOutput};
use waiters_model::limits::has_control_characters;

/// The bundled Batch waiter model (`models/batch-waiters.json`): Airflow's names and
/// timings, with a JobExists that keeps polling while the job is not yet visible.
pub const DEFAULT_MODEL_JSON: &str = include_str!("../models/batch-waiters.json");

/// The operations waiters can poll, run-time and typed: every read-only Batch operation
/// (`Describe*`, `List*`, `Get*`), sorted.
pub const SUPPORTED_OPERATIONS: &[&str] = OPERATIONS;

static DEFAULT_MODEL: LazyLock<Arc<WaiterModel>> = LazyLock::new(|| {
    // The bundled model is also checked by the waiters! macro at build time and by a test.
    Arc::new(
        WaiterModel::from_json_str(DEFAULT_MODEL_JSON)
            .unwrap_or_else(|e| panic!("the bundled waiter model is invalid: {e}")),
    )
});

/// How a run-time Batch wait on jobs ([`BatchWaiter::wait`]) fails.
pub type BatchWaitError = WaitError<DescribeJobsResponse, DescribeJobsSdkError>;

/// How a run-time wait on any operation ([`BatchWaiter::wait_input`]) fails.
pub type OperationWaitError = WaitError<BatchResponse, BatchSdkError>;

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
    poller: Option<JobPoller>,
}

impl BatchWaiters {
    /// Waiters from the bundled model.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            model: DEFAULT_MODEL.clone(),
            poller: None,
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
            poller: None,
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

    /// Makes every waiter from now on (and `wait_for_job`) call DescribeJobs through
    /// `poller`, merged with other waits' (see [`JobPoller`]).
    pub fn with_poller(mut self, poller: JobPoller) -> Self {
        self.poller = Some(poller);
        self
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
            poller: self.poller.clone(),
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
        let phase = |name: &str| {
            let mut waiter =
                self.get_waiter(name)
                    .map_err(|source| JobWaitError::MissingWaiter {
                        job_id: job_id.to_owned(),
                        source,
                    })?;
            if let Some(poller) = &options.poller {
                waiter = waiter.poller(poller);
            }
            Ok(RuntimePhase {
                waiter,
                job_id: job_id.to_owned(),
            })
        };
        let [exists, running, complete] = JOB_PHASES;
        let (exists, running, complete) = (phase(exists)?, phase(running)?, phase(complete)?);
        run_job_phases(
            job_id,
            || exists,
            || running,
            || complete,
            options,
            observer,
        )
        .await
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
        start: Start<DescribeJobsResponse, DescribeJobsSdkError>,
        observer: Obs,
    ) -> Result<Waited<DescribeJobsResponse, DescribeJobsSdkError>, BatchWaitError>
    where
        Obs: Observer<DescribeJobsResponse, DescribeJobsSdkError>,
    {
        self.waiter
            .wait_from([self.job_id.as_str()], start, observer)
            .await
    }
}

/// One waiter of a [`BatchWaiters`] model, with its own changeable [`WaiterConfig`].
///
/// A waiter on DescribeJobs waits on jobs with [`wait`](Self::wait); a waiter on any
/// operation waits on the operation's input with [`wait_input`](Self::wait_input), the
/// input read from request JSON by [`input`](Self::input):
///
/// ```no_run
/// # async fn run(client: aws_sdk_batch::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use serde_json::json;
/// use waiters_runtime::batch::BatchOutput;
/// use waiters_runtime::BatchWaiters;
///
/// let model = r#"{"version": 2, "waiters": {"compute_env_ready": {
///   "operation": "DescribeComputeEnvironments", "delay": 30, "maxAttempts": 100,
///   "acceptors": [
///     {"matcher": "pathAll", "argument": "computeEnvironments[].status", "expected": "VALID", "state": "success"},
///     {"matcher": "pathAny", "argument": "computeEnvironments[].status", "expected": "INVALID", "state": "failure"}]}}}"#;
/// let waiters = BatchWaiters::from_json_str(client, model)?;
/// let waiter = waiters.get_waiter("compute_env_ready")?;
/// let input = waiter.input(&json!({"computeEnvironments": ["my-ce"]}))?; // checked here
/// let waited = waiter.wait_input(&input).await?;
/// if let Some(BatchOutput::DescribeComputeEnvironments(output)) = waited.output().map(|r| &r.output) {
///     println!("{:?}", output.compute_environments()[0].status());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct BatchWaiter {
    /// Delay, attempts, deadline and the rest: starts from the model, yours to change.
    pub config: WaiterConfig,
    definition: WaiterDefinition,
    client: Client,
    poller: Option<JobPoller>,
}

impl BatchWaiter {
    /// Makes this waiter's calls through `poller`, merged with other waits' (see
    /// [`JobPoller`]); the responses it sees hold only its own jobs.
    pub fn poller(mut self, poller: &JobPoller) -> Self {
        self.poller = Some(poller.clone());
        self
    }

    /// The shared poller this waiter's calls go through, if any.
    pub fn get_poller(&self) -> Option<&JobPoller> {
        self.poller.as_ref()
    }

    /// The waiter's name.
    pub fn name(&self) -> &str {
        self.definition.name()
    }

    /// The waiter's definition in the model.
    pub fn definition(&self) -> &WaiterDefinition {
        &self.definition
    }

    /// The operation the waiter polls.
    pub fn operation(&self) -> &str {
        self.definition.operation()
    }

    /// This waiter's operation input from request JSON, as the Batch API reference writes
    /// it (`{"computeEnvironments": ["ce"]}`).
    ///
    /// # Errors
    ///
    /// An [`InputError`] naming the first member that does not fit the operation's
    /// input (unknown, with the closest name; or of the wrong type).
    pub fn input(&self, json: &Value) -> Result<BatchInput, InputError> {
        BatchInput::from_json(self.operation(), json)
    }

    /// Waits on the given jobs (DescribeJobs `jobs`): the shortcut for waiters on
    /// DescribeJobs. A waiter on another operation refuses, with no call made (see
    /// [`wait_input`](Self::wait_input)).
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
        self.wait_from(job_ids, Start::default(), observer).await
    }

    /// [`wait_observed`](Self::wait_observed) from `start`.
    pub(crate) async fn wait_from<I, S, Obs>(
        &self,
        job_ids: I,
        start: Start<DescribeJobsResponse, DescribeJobsSdkError>,
        observer: Obs,
    ) -> Result<Waited<DescribeJobsResponse, DescribeJobsSdkError>, BatchWaitError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        Obs: Observer<DescribeJobsResponse, DescribeJobsSdkError>,
    {
        if self.operation() != "DescribeJobs" {
            return Err(self.refuse(format!(
                "waiter {} polls {}: job ids are input for DescribeJobs; give the {} input \
                 to wait_input",
                self.name(),
                self.operation(),
                self.operation()
            )));
        }
        let job_ids: Vec<String> = job_ids.into_iter().map(Into::into).collect();
        if let Some(problem) = job_id_problem(&job_ids) {
            return Err(refused(self.definition.name(), problem));
        }
        let explanations = self.explanations();
        let classify = |response: &Result<DescribeJobsResponse, DescribeJobsSdkError>| {
            self.classify(&explanations, response)
        };
        let name = self.definition.name().to_owned();
        match &self.poller {
            Some(poller) => {
                let calls = poller.register(job_ids, Form::Raw);
                engine::wait_from(name, &self.config, start, calls, classify, observer).await
            }
            None => {
                // Boxed, as what a wait keeps across its sleeps is (see `Kept` in engine.rs).
                let calls = || Box::pin(describe_jobs(&self.client, job_ids.clone()));
                engine::wait_from(name, &self.config, start, calls, classify, observer).await
            }
        }
    }

    /// Waits with `input`, the input of the waiter's operation (from
    /// [`input`](Self::input), or a builder of your own in [`BatchInput`]). Each attempt
    /// is one call; a paginated operation reads the page the input selects (the first,
    /// unless it sets `nextToken`), as botocore's waiters do. An input of another
    /// operation is refused, with no call made.
    pub async fn wait_input(
        &self,
        input: &BatchInput,
    ) -> Result<Waited<BatchResponse, BatchSdkError>, OperationWaitError> {
        self.wait_input_observed(input, NoObserver).await
    }

    /// [`wait_input`](Self::wait_input), telling `observer` about every attempt.
    pub async fn wait_input_observed<Obs>(
        &self,
        input: &BatchInput,
        observer: Obs,
    ) -> Result<Waited<BatchResponse, BatchSdkError>, OperationWaitError>
    where
        Obs: Observer<BatchResponse, BatchSdkError>,
    {
        if input.operation() != self.operation() {
            return Err(self.refuse(format!(
                "waiter {} polls {}, but the input given is for {}",
                self.name(),
                self.operation(),
                input.operation()
            )));
        }
        let explanations = self.explanations();
        engine::wait(
            self.definition.name().to_owned(),
            &self.config,
            || call(&self.client, input),
            |response| self.classify(&explanations, response),
            observer,
        )
        .await
    }

    /// A wait that cannot start: it fails at once, with no call made.
    fn refuse<O, E>(&self, message: String) -> WaitError<O, E> {
        WaitError {
            waiter: self.name().to_owned().into(),
            reason: FailureReason::RequestFailed { message },
            attempts: 0,
            elapsed: Duration::ZERO,
            last_response: None,
        }
    }

    fn explanations(&self) -> Vec<String> {
        self.definition
            .acceptors()
            .iter()
            .map(|a| a.explanation())
            .collect()
    }

    /// The first acceptor of the model that matches a response's raw JSON and status.
    fn classify<R: RawBody, E: OperationError>(
        &self,
        explanations: &[String],
        response: &Result<R, E>,
    ) -> Option<AcceptorMatch> {
        let observation = match response {
            Ok(r) => Observation::Output {
                status: Some(r.status()),
                document: r.document(),
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
            explanation: explanations.get(index)?.clone().into(),
        })
    }
}

/// A run-time response as its acceptors see it: the status and the raw JSON.
trait RawBody {
    fn status(&self) -> u16;
    fn document(&self) -> &Document;
}

impl RawBody for DescribeJobsResponse {
    fn status(&self) -> u16 {
        self.status
    }

    fn document(&self) -> &Document {
        &self.document
    }
}

impl RawBody for BatchResponse {
    fn status(&self) -> u16 {
        self.status
    }

    fn document(&self) -> &Document {
        &self.document
    }
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
                    "operation \"{}\" cannot be called by Batch waiters: they poll read-only \
                     operations (supported: {})",
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

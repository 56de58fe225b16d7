//! A local AWS Batch endpoint for testing waiters.
//!
//! `waiters-local` serves the Batch restJson1 wire protocol over plain HTTP, so the
//! real [`aws_sdk_batch`] client talks to it unchanged. Jobs move through
//! `SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING → SUCCEEDED | FAILED` on a
//! schedule chosen per job; compute environments and job queues are `CREATING`, then
//! `VALID` (or `INVALID` on request); faults (throttling, 5xx, dropped connections,
//! requests never answered, endless bodies, latency) can be injected at run time.
//!
//! # Operations
//!
//! | Operation | Route | Notes |
//! | --- | --- | --- |
//! | `SubmitJob` | `POST /v1/submitjob` | any queue/definition name or ARN is accepted; array jobs, multi-node jobs and `dependsOn` (below) |
//! | `DescribeJobs` | `POST /v1/describejobs` | ids or job ARNs, at most 100; unknown or not-yet-visible ids are left out |
//! | `TerminateJob` | `POST /v1/terminatejob` | unfinished jobs become `FAILED` (`isCancelled` before `STARTING`, else `isTerminated`) |
//! | `CancelJob` | `POST /v1/canceljob` | only `SUBMITTED`/`PENDING`/`RUNNABLE` jobs are affected; others are left alone (still 200) |
//! | `ListJobs` | `POST /v1/listjobs` | by `jobQueue` (no array children or node jobs), `arrayJobId` or `multiNodeJobId` (members in index order); `jobStatus` (default `RUNNING`) or one filter (`JOB_NAME`, `JOB_DEFINITION`, `BEFORE_CREATED_AT`, `AFTER_CREATED_AT`); `maxResults`/`nextToken` paging, newest first |
//! | `CreateComputeEnvironment` | `POST /v1/createcomputeenvironment` | `MANAGED` or `UNMANAGED`; `computeResources` is kept as given; lifecycle from `local:` tags (below) |
//! | `UpdateComputeEnvironment` | `POST /v1/updatecomputeenvironment` | `state`; the environment is `UPDATING`, then as before |
//! | `DescribeComputeEnvironments` | `POST /v1/describecomputeenvironments` | names or ARNs (at most 100; unknown ones left out), or all; `maxResults`/`nextToken` paging |
//! | `CreateJobQueue` | `POST /v1/createjobqueue` | its compute environments must exist; lifecycle from `local:` tags |
//! | `UpdateJobQueue` | `POST /v1/updatejobqueue` | `state`, `priority`, `computeEnvironmentOrder`; `UPDATING`, then as before |
//! | `DescribeJobQueues` | `POST /v1/describejobqueues` | as `DescribeComputeEnvironments` |
//! | `RegisterJobDefinition` | `POST /v1/registerjobdefinition` | `container` or `multinode`; each registration is the next revision; always `ACTIVE` |
//! | `DescribeJobDefinitions` | `POST /v1/describejobdefinitions` | ARNs, `name:revision` or names; `jobDefinitionName`, `status`; paging |
//!
//! `SubmitJob` does not check that its queue or job definition exists.
//!
//! Errors use Batch's shapes: HTTP 400 with `x-amzn-errortype: ClientException` and a
//! `{"message": ...}` body for invalid input (message text in Batch's
//! `Error executing request, Exception : ..., RequestId: ...` form, e.g.
//! `Maximum number of jobs supported is 100`); HTTP 400 `SerializationException` for a
//! body that is not the expected JSON; HTTP 500 `ServerException` and HTTP 429
//! `TooManyRequestsException` (message `Too Many Requests`) when injected. Request
//! signatures are not checked. Unlike real Batch, which has been seen answering 200 to
//! `TerminateJob` for an id it does not know, an unknown id on `TerminateJob` or
//! `CancelJob` is a `ClientException` (`Job <id> does not exist`), which is what tests
//! usually want to see.
//!
//! # Job schedules
//!
//! A job's schedule is a [`JobProfile`]: the duration of each phase, the outcome, the
//! container exit code, the final `statusReason`, and a visibility delay during which
//! the job is absent from `DescribeJobs` and `ListJobs` (to test a waiter that must
//! keep polling until the job exists). The server's default profile is set with
//! [`LocalBatchBuilder::default_profile`]; a plain `SubmitJob` can override any part of
//! it through its `parameters` (values are strings, durations in milliseconds):
//!
//! | Key | Value |
//! | --- | --- |
//! | `local:outcome` | `SUCCEEDED` or `FAILED` |
//! | `local:totalMillis` | total time to the terminal status, split evenly over the five phases |
//! | `local:phaseMillis` | duration of every phase (not together with `local:totalMillis`) |
//! | `local:submittedMillis`, `local:pendingMillis`, `local:runnableMillis`, `local:startingMillis`, `local:runningMillis` | one phase's duration (applied after the two above) |
//! | `local:exitCode` | container exit code on completion (default 0 when `SUCCEEDED`, 1 when `FAILED`) |
//! | `local:statusReason` | `statusReason` on completion (default `Essential container in task exited`) |
//! | `local:visibleAfterMillis` | hide the job until this long after submission |
//!
//! Any other `local:` key, or a value that does not parse, makes `SubmitJob` fail with
//! a `ClientException` naming it. The keys stay in the job's `parameters`, as Batch
//! echoes parameters back. The names are also in [`parameter_keys`].
//!
//! Status is computed from the time since submission (only the event publisher, when
//! asked for, runs in the background).
//! Time is the server clock: tokio's clock (so `tokio::time::pause` and `advance`
//! apply) plus whatever [`LocalBatch::advance_clock`] added, which lets a test
//! fast-forward a job without sleeping.
//!
//! `DescribeJobs` returns `JobDetail` documents with `jobArn`, `jobName`, `jobId`,
//! `jobQueue` (ARN), `status`, `statusReason` (once finished or stopped), `createdAt`,
//! `startedAt` (from `RUNNING` on) and `stoppedAt` (once finished) in epoch
//! milliseconds, `jobDefinition` (ARN), `parameters`, `container` (with `taskArn` from
//! `STARTING`, `logStreamName` from `RUNNING`, `exitCode` when finished), `attempts`
//! (one `AttemptDetail` once finished), `dependsOn`, `tags`, `platformCapabilities`,
//! `isCancelled` and `isTerminated`. A terminated or cancelled job has no exit code.
//!
//! # Array jobs, multi-node jobs and dependencies
//!
//! `arrayProperties.size` (2 to 10,000) makes an array job: children `PARENT:INDEX` with
//! `arrayProperties.index`, each following the job's schedule; the parent has
//! `arrayProperties.size` and `statusSummary`, is `SUBMITTED` until a child is
//! `RUNNABLE`, `PENDING` until every child has ended, then `SUCCEEDED`, or `FAILED` if any
//! child failed. A job definition registered as `multinode` makes a multi-node job
//! (`nodeOverrides.numNodes` applies): node jobs `JOB#NODE` with `nodeDetails`, the job
//! itself with `nodeProperties`, ending as its main node ends. `dependsOn` holds a job
//! `PENDING` until its dependencies succeed, or fails it (`Dependent Job failed`) when
//! one fails; `SEQUENTIAL` (no `jobId`) chains an array's children, `N_TO_N` pairs them
//! with those of an array of the same size. Stopping a parent stops its members. Which
//! members fail is chosen with `parameters`: `local:failIndexes` (`7`, `0,5`, `100-199`),
//! `local:failAfterMillis` (their total time) and `local:failExitCode` (default 1). Every
//! member sends its own job state events.
//!
//! # Compute environments and job queues
//!
//! A new compute environment or job queue is `CREATING` for
//! [`LocalBatchBuilder::settle_after`] ([`DEFAULT_SETTLE_AFTER`] by default), then `VALID`
//! (`statusReason` `ComputeEnvironment Healthy` / `JobQueue Healthy`); an update makes it
//! `UPDATING` for as long again. Its `tags` choose otherwise:
//!
//! | Tag | Value |
//! | --- | --- |
//! | `local:outcome` | `VALID` (default) or `INVALID` |
//! | `local:readyMillis` | time to `VALID` or `INVALID`, in milliseconds |
//! | `local:statusReason` | `statusReason` once `INVALID` |
//!
//! Any other `local:` tag, or a value that does not parse, is a `ClientException`. As for
//! jobs, status follows the server clock.
//!
//! # Faults
//!
//! [`LocalBatch::faults`] returns a [`Faults`] handle: [`FaultRule`]s of a
//! [`FaultKind`] (429 throttle, 500 server error, dropped connection, a request never
//! answered, a 200 whose body never ends) with a
//! [`FaultSchedule`] (next N requests, every Nth, a seeded probability, a time window,
//! always), optionally for one [`Operation`], plus a per-request latency. Counters per
//! operation (requests, and each kind of fault served) are read with
//! [`LocalBatch::counters`].
//!
//! The same controls are exposed over HTTP on the same port, for processes that only
//! know the URL (admin requests are not counted or faulted):
//!
//! | Route | Effect |
//! | --- | --- |
//! | `GET /_local/counters` | counters per operation |
//! | `DELETE /_local/counters` | reset counters |
//! | `GET /_local/faults` | active rules and latency |
//! | `POST /_local/faults` | add a rule: `{"kind": "throttle"\|"serverError"\|"dropConnection"\|"neverAnswer"\|"endlessBody", "operation": "DescribeJobs"?, ` one of `"next": n`, `"everyNth": n`, `"probability": p, "seed": s`, `"forMillis": ms`, `"always": true}` |
//! | `DELETE /_local/faults` | remove every rule and the latency |
//! | `PUT /_local/latency` | `{"millis": ms}` |
//! | `POST /_local/clock/advance` | `{"millis": ms}` |
//!
//! # Job state events
//!
//! With [`LocalBatchBuilder::eventbridge`] (or `--eventbridge-url` on the binary), every
//! status change of every job is sent to that EventBridge endpoint with `PutEvents`, as
//! Batch sends them: `Source` [`EVENT_SOURCE`] (`aws.batch`), `DetailType`
//! [`EVENT_DETAIL_TYPE`] (`Batch Job State Change`), `Resources` the job ARN, `Time` the
//! moment of the change in whole seconds, and `Detail` the job's `DescribeJobs`
//! document at that moment, serialized exactly as `DescribeJobs` serializes it. Changes
//! are `PENDING`, `RUNNABLE`, `STARTING`, `RUNNING` (each phase that lasts a while),
//! then `SUCCEEDED` or `FAILED` (also when terminated or cancelled); there is no event
//! for the initial `SUBMITTED`. A job hidden by `local:visibleAfterMillis` still sends
//! its events, as a real event can arrive before a read sees the job.
//!
//! A task of the server sleeps until the next change is due on the server clock (so
//! the paused clock and [`LocalBatch::advance_clock`] drive it too; an advance over
//! several changes sends each of them, in order, with its own time), and stops with
//! the server. [`LocalBatch::event_faults`] drops, duplicates or delays events
//! ([`EventFaults`], with the same [`FaultSchedule`]s), and
//! [`LocalBatch::event_counters`] counts what was published, dropped and refused. Over
//! HTTP: `GET /_local/events` (counters and rules), `DELETE /_local/events/counters`,
//! `GET`/`POST`/`DELETE /_local/events/faults` (`{"kind": "drop"|"duplicate"|"delay",
//! "delayMillis": ms (delay only),` one schedule as for `/_local/faults`}).
//!
//! # Job logs (CloudWatch Logs)
//!
//! The same endpoint answers the CloudWatch Logs JSON 1.1 API (`POST /`, `X-Amz-Target:
//! Logs_20140328.GetLogEvents`, `FilterLogEvents`, `DescribeLogStreams`) for the jobs'
//! own streams: every job that reached `RUNNING` has the stream its `DescribeJobs`
//! document names (`container.logStreamName`) in the group `/aws/batch/job`. Its lines are
//! the container command's `echo` parts (`["sh", "-c", "echo a; sleep 5; echo b"]`), spread
//! evenly over `RUNNING`, or the `local:logLines` parameter (rows of `<millis after the
//! container started> <text>`); lines after a `TerminateJob` are not written. Faults:
//! `local:logStreamDelayMillis` (the stream appears late), `local:logLagMillis` (lines can
//! be read late), and [`LocalBatch::log_faults`] (a share of calls throttled, and the
//! calls counted). FilterLogEvents naming a stream that does not exist answers
//! `ResourceNotFoundException`, as CloudWatch Logs does.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use aws_sdk_batch::types::JobStatus;
//! use waiters_local::{JobProfile, LocalBatch};
//!
//! let server = LocalBatch::builder()
//!     .default_profile(JobProfile::succeeding_after(Duration::from_secs(600)))
//!     .start()
//!     .await?;
//! let client = server.client();
//!
//! // This job fails with exit code 3 after 5 minutes instead of the default.
//! let submitted = client
//!     .submit_job()
//!     .job_name("nightly")
//!     .job_queue("etl")
//!     .job_definition("etl-job:4")
//!     .parameters("local:outcome", "FAILED")
//!     .parameters("local:totalMillis", "300000")
//!     .parameters("local:exitCode", "3")
//!     .send()
//!     .await?;
//! let job_id = submitted.job_id().ok_or("no jobId")?;
//!
//! let status = |jobs: &aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput| {
//!     jobs.jobs()[0].status().cloned()
//! };
//! let described = client.describe_jobs().jobs(job_id).send().await?;
//! assert_eq!(status(&described), Some(JobStatus::Submitted));
//!
//! server.advance_clock(Duration::from_secs(300));
//! let described = client.describe_jobs().jobs(job_id).send().await?;
//! assert_eq!(status(&described), Some(JobStatus::Failed));
//! let container = described.jobs()[0].container().unwrap();
//! assert_eq!(container.exit_code(), Some(3));
//! # Ok(()) }
//! ```

mod admin;
mod api;
mod app;
mod clock;
mod counters;
mod credentials;
mod events;
mod faults;
mod hostile;
mod ids;
mod jobs;
mod log_faults;
mod log_schedule;
mod logs;
mod operation;
mod profile;
#[cfg(feature = "eventbridge")]
mod publisher;
mod resources;
mod server;
mod signers;
mod wire;

pub use counters::{Counters, OperationCounters};
pub use credentials::{TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};
pub use events::{
    EVENT_DETAIL_TYPE, EVENT_SOURCE, EventCounters, EventFaultKind, EventFaultRule, EventFaults,
};
pub use faults::{FaultError, FaultKind, FaultRule, FaultSchedule, Faults};
pub use log_faults::{LogCounters, LogFaults};
pub use log_schedule::LogParameterError;
pub use operation::{Operation, UnknownOperation};
pub use profile::{
    DEFAULT_STATUS_REASON, JobOutcome, JobPhase, JobProfile, ScheduleParameterError, parameter_keys,
};
pub use server::{DEFAULT_SETTLE_AFTER, LocalBatch, LocalBatchBuilder, LocalBatchError};

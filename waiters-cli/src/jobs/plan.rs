//! The plan of one `wait-for-job`, built from its arguments before any wait: the job ids,
//! the model's waiters and options, the shared poller and the event source.

use futures_util::future::join_all;
use waiters_runtime::array::wait_for_array;
use waiters_runtime::aws_sdk_batch::Client;
use waiters_runtime::events::DEFAULT_RECONCILE_EVERY;
use waiters_runtime::events::{EventSource, EventTask};
use waiters_runtime::job::JOB_PHASES;
use waiters_runtime::{BatchWaiters, JobPoller, JobWaitOptions};

use super::array::{self, ArrayWatch};
use super::board::JobBoard;
use super::stuck::{StuckJob, StuckWatch};
use crate::aws::{AwsConfig, Service};
use crate::cli::WaitForJobArgs;
use crate::error::CliError;
use crate::models::LoadedModel;
use crate::progress::{BatchAttempt, Progress};
use crate::report::JobReport;
use crate::wait::check_job_ids;

/// Everything a `wait-for-job` needs, checked: a bad id, model or option fails here, before
/// any wait.
#[derive(Debug)]
pub(super) struct Plan {
    pub(super) ids: Vec<String>,
    pub(super) waits: JobWaits,
    /// The shared poller (none with `--poll-per-job`).
    pub(super) poller: Option<JobPoller>,
    /// The event source of `--events-queue`.
    pub(super) events: Option<Events>,
    /// The client for `--terminate-on-interrupt`.
    pub(super) terminate_with: Option<Client>,
    /// Batch and CloudWatch Logs clients, for `--logs` and `--tail-on-failure`.
    pub(super) logs: Option<(
        waiters_runtime::aws_sdk_batch::Client,
        aws_sdk_cloudwatchlogs::Client,
    )>,
}

impl Plan {
    /// The plan for `ids` (already read from the command line and standard input).
    pub(super) async fn new(args: &WaitForJobArgs, ids: &[String]) -> Result<Self, CliError> {
        let ids = check_job_ids(ids)?;
        let model = load_model(args)?;
        let mut services = vec![Service::Batch];
        if args.events_queue.is_some() {
            services.push(Service::Sqs);
        }
        let wants_logs = args.logs || args.tail_on_failure > 0;
        if wants_logs {
            services.push(Service::Logs);
        }
        let aws = AwsConfig::load(&args.aws, &services).await?;
        let batch = aws.batch();
        let logs = wants_logs.then(|| (batch.client.clone(), aws.logs()));
        let poller = (!args.poll_per_job).then(|| {
            let builder = JobPoller::builder(&batch.client);
            match args.rate_limit {
                Some(rate) => builder.rate_limit(rate),
                None => builder,
            }
            .build()
        });
        let defaults = JobWaitOptions::default();
        let options = JobWaitOptions {
            initial_delay: args.delay,
            max_wait: args.max_wait,
            call_timeout: args.aws.call_timeout.or(defaults.call_timeout),
            connect_give_up: args.aws.connect_give_up.or(defaults.connect_give_up),
            poller: poller.clone(),
            ..defaults
        };
        tracing::debug!(jobs = ids.len(), ?options, "waiting for jobs");
        // The option parser refuses --events-queue with --poll-per-job: a poller is there.
        let events = match (&args.events_queue, &poller) {
            (Some(queue_url), Some(poller)) => Some(Events {
                queue_url: queue_url.clone(),
                task: EventSource::new(&aws.sqs(), queue_url, poller)
                    .reconcile_every(args.reconcile_every.unwrap_or(DEFAULT_RECONCILE_EVERY))
                    .spawn(),
            }),
            _ => None,
        };
        let stuck = StuckWatch {
            client: batch.client.clone(),
            after: args.stuck_after,
            fail: args.fail_if_stuck,
            blocked: events.as_ref().map(|e| e.task.queue_blocked()),
        };
        let terminate_with = args.terminate_on_interrupt.then(|| batch.client.clone());
        let waits = JobWaits {
            stuck,
            waiters: model.into_waiters(batch.client)?,
            options,
            endpoint: batch.endpoint,
            per_attempt: true,
            children: args.children,
        };
        Ok(Self {
            ids,
            waits,
            poller,
            events,
            terminate_with,
            logs,
        })
    }
}

/// The model, checked for the three waiters wait-for-job runs, on DescribeJobs.
fn load_model(args: &WaitForJobArgs) -> Result<LoadedModel, CliError> {
    let model = LoadedModel::load(args.model.as_deref())?;
    // All three phases are checked before any waiting, so a bad model fails at once
    // rather than after the first phase.
    if let Some(missing) = JOB_PHASES
        .iter()
        .find(|phase| model.model.waiter(phase).is_none())
    {
        return Err(CliError::Usage(format!(
            "{}: no waiter {missing} (wait-for-job runs {})",
            model.source,
            JOB_PHASES.join(", ")
        )));
    }
    // Models may have waiters on any operation now; these three are given job ids.
    if let Some(other) = JOB_PHASES
        .iter()
        .filter_map(|phase| model.model.waiter(phase))
        .find(|waiter| waiter.operation() != "DescribeJobs")
    {
        return Err(CliError::Usage(format!(
            "{}: waiter {} polls {}; wait-for-job gives its waiters job ids, for DescribeJobs",
            model.source,
            other.name(),
            other.operation()
        )));
    }
    Ok(model)
}

/// The event source of `--events-queue`.
#[derive(Debug)]
pub(super) struct Events {
    pub(super) queue_url: String,
    pub(super) task: EventTask,
}

/// Airflow's `wait_for_job` for each job, all running concurrently on this task; through
/// the poller of `options` when there is one. Every job of the board gets a final report
/// ([`JobBoard::finish`]), and every attempt is taken in as it happens
/// ([`JobBoard::attempt`]), so an interruption can report what was seen.
///
/// The waits of one command. Through the poller, the jobs share its jitter draw (the
/// initial delay, each phase's delay: see `JobPoller::shared_jitter_from`), so their
/// calls fall due together and go out merged; other commands draw their own.
#[derive(Debug)]
pub(super) struct JobWaits {
    waiters: BatchWaiters,
    options: JobWaitOptions,
    /// `--stuck-after` and `--fail-if-stuck`.
    stuck: StuckWatch,
    /// Named when the endpoint cannot be reached.
    endpoint: String,
    /// A progress line per attempt (else the summary says how things go).
    pub(super) per_attempt: bool,
    /// `--children`: array parents' children are waited on too.
    children: bool,
}

impl JobWaits {
    pub(super) async fn all(&self, board: &JobBoard, progress: &Progress) {
        join_all(board.ids().map(|id| self.one(id, board, progress))).await;
    }

    async fn one(&self, id: &str, board: &JobBoard, progress: &Progress) {
        let ids = [id.to_owned()];
        let array_watch = ArrayWatch::new();
        let observer = |attempt: &BatchAttempt<'_>| {
            board.attempt(id, attempt);
            // An array parent's progress replaces its per-attempt lines.
            if !array_watch.attempt(id, attempt, progress) && self.per_attempt {
                progress.attempt(Some(id), attempt, &ids);
            }
        };
        let children = match self.children {
            true => array::wait_children(&self.waiters, id, &self.options, progress).await,
            false => None,
        };
        // The library bounds the whole wait, initial delay included, by `max_wait`; on an
        // array parent it also ends when every child has ended (moto never ends a parent
        // with a failed child).
        let wait = wait_for_array(&self.waiters, id, &self.options, observer);
        let stuck = StuckJob::default();
        let mut report = tokio::select! {
            result = wait => {
                let seen = board.seen(id);
                let mut report =
                    JobReport::new(id, &result, seen.waiter, seen.attempts, &self.endpoint);
                if let Some(job) = array::final_job(&result, id) {
                    report.family =
                        array::family_report(self.waiters.client(), job, children).await;
                }
                report
            }
            diagnosis = self.stuck.watch(id, board, progress, &stuck) => {
                JobReport::stuck(id, board.seen(id), &diagnosis.summary())
            }
        };
        report.diagnosis = stuck.diagnosis.take().map(|d| d.to_json());
        board.finish(id, report);
    }
}

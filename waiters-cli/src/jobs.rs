//! `waiters wait-for-job`: JobExists, JobRunning, JobComplete and the final status check,
//! for one or many jobs at once, through one shared DescribeJobs poller (or each job on
//! its own with `--poll-per-job`), optionally fed by Batch's job state events.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Map, Value, json};
use waiters_runtime::events::{EventSource, EventTask};
use waiters_runtime::poller::DEFAULT_RECONCILE_EVERY;
use waiters_runtime::{BatchWaiters, JOB_PHASES, JobPoller, JobWaitOptions};

use crate::aws::{AwsConfig, Service};
use crate::cli::WaitForJobArgs;
use crate::error::{CliError, Exit};
use crate::job_ids;
use crate::models::LoadedModel;
use crate::progress::{BatchAttempt, Progress};
use crate::report::{JobReport, Seen, overall, print_jobs};
use crate::signals::{Ended, Signal, Signals};
use crate::summary::{SUMMARY_EVERY, Summary, summary_above};
use crate::wait::check_job_ids;

/// How often the summary and the event source are looked at.
const WATCH_TICK: Duration = Duration::from_millis(500);

pub(crate) async fn run(args: &WaitForJobArgs) -> Result<Exit, CliError> {
    // Standard input is read before the signal handlers go in, so that Ctrl-C still
    // stops a read from a terminal.
    let ids = job_ids::expand(&args.job_ids, std::io::stdin().lock())?;
    // From here on SIGINT and SIGTERM end the waits with a report instead of killing them.
    let mut signals = Signals::install()?;
    let ids = check_job_ids(&ids)?;
    let model = load_model(args)?;
    let services: &[Service] = match args.events_queue {
        Some(_) => &[Service::Batch, Service::Sqs],
        None => &[Service::Batch],
    };
    let aws = AwsConfig::load(&args.aws, services).await?;
    let batch = aws.batch();
    let poller = (!args.poll_per_job).then(|| {
        let poller = JobPoller::new(&batch.client);
        match args.rate_limit {
            Some(rate) => poller.rate_limit(rate),
            None => poller,
        }
    });
    let waiters = model.into_waiters(batch.client)?;
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

    let progress = Progress::new(args.output);
    let board = JobBoard::new(&ids);
    let summarize = progress.enabled() && ids.len() > summary_above();
    let watch = Watch {
        board: &board,
        progress: &progress,
        poller: poller.as_ref(),
        events: events.as_ref(),
        summarize,
        started: Instant::now(),
        warned: Cell::new(false),
    };
    let waits = JobWaits {
        waiters,
        options,
        endpoint: batch.endpoint,
        per_attempt: !summarize,
    };
    let ended = signals
        .run(progress.drive(watch.alongside(waits.all(&board, &progress))))
        .await;
    progress.clear();
    watch.look(true);
    let (reports, exit) = match ended {
        Ended::Finished(()) => {
            let reports = board.reports(None);
            let exit = overall(&reports).exit();
            (reports, exit)
        }
        Ended::Signalled(signal) => (board.reports(Some(signal)), signal.exit()),
    };
    let mut extra = Map::new();
    if let Some(poller) = &poller {
        let stats = poller.stats();
        extra.insert(
            "poller".to_owned(),
            json!({
                "calls": stats.calls,
                "rounds": stats.rounds,
                "ids": stats.ids,
                "max_ids_in_a_call": stats.max_ids_in_a_call,
                "throttled": stats.throttled,
                "splits": stats.splits,
                "answered_without_a_call": stats.from_known,
            }),
        );
    }
    if let Some(events) = &events {
        extra.insert("events".to_owned(), events.to_json());
    }
    print_jobs(&reports, args.output, extra);
    Ok(exit)
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
struct Events {
    queue_url: String,
    task: EventTask,
}

impl Events {
    fn to_json(&self) -> Value {
        let stats = self.task.stats();
        json!({
            "queue_url": self.queue_url,
            "receives": stats.receives,
            "messages": stats.messages,
            "applied": stats.applied,
            "stale": stats.stale,
            "not_waited": stats.not_waited,
            "skipped": stats.skipped,
            "stopped": self.task.error().map(|error| error.to_string()),
        })
    }
}

/// Every job of one `wait-for-job`, in the order given: what its waits have seen so far,
/// and its report once they end. Interrupted jobs are reported from what was seen.
#[derive(Debug)]
pub(crate) struct JobBoard {
    jobs: Vec<JobEntry>,
    /// Where each id is in `jobs`.
    index: HashMap<String, usize>,
}

#[derive(Debug)]
struct JobEntry {
    id: String,
    seen: RefCell<Seen>,
    report: RefCell<Option<JobReport>>,
}

impl JobBoard {
    fn new(ids: &[String]) -> Self {
        Self {
            jobs: ids
                .iter()
                .map(|id| JobEntry {
                    id: id.clone(),
                    seen: RefCell::default(),
                    report: RefCell::default(),
                })
                .collect(),
            index: ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.clone(), i))
                .collect(),
        }
    }

    /// The job ids, in order.
    pub(crate) fn ids(&self) -> impl Iterator<Item = &str> {
        self.jobs.iter().map(|job| job.id.as_str())
    }

    fn entry(&self, id: &str) -> Option<&JobEntry> {
        self.index.get(id).map(|i| &self.jobs[*i])
    }

    /// Takes in one attempt of one of the job's waiters.
    pub(crate) fn attempt(&self, id: &str, attempt: &BatchAttempt<'_>) {
        if let Some(job) = self.entry(id) {
            job.seen
                .borrow_mut()
                .attempt(attempt.waiter, attempt.response, id);
        }
    }

    /// What the job's waits have seen so far.
    pub(crate) fn seen(&self, id: &str) -> Seen {
        self.entry(id)
            .map(|job| job.seen.borrow().clone())
            .unwrap_or_default()
    }

    /// Records the job's final report.
    pub(crate) fn finish(&self, id: &str, report: JobReport) {
        if let Some(job) = self.entry(id) {
            *job.report.borrow_mut() = Some(report);
        }
    }

    /// The jobs per last seen status, how many are done, and the calls they made.
    fn summary(&self) -> Summary {
        let mut summary = Summary {
            jobs: self.jobs.len(),
            ..Summary::default()
        };
        for job in &self.jobs {
            let seen = job.seen.borrow();
            summary.count(seen.status.as_deref());
            summary.calls += u64::from(seen.attempts);
            if job.report.borrow().is_some() {
                summary.done += 1;
            }
        }
        summary
    }

    /// One report per job: the final one, or, for a job still being waited on when
    /// `signal` came, an interrupted one.
    fn reports(&self, signal: Option<Signal>) -> Vec<JobReport> {
        self.jobs
            .iter()
            .map(|job| match (job.report.borrow_mut().take(), signal) {
                (Some(report), _) => report,
                (None, Some(signal)) => {
                    JobReport::interrupted(&job.id, job.seen.borrow().clone(), signal)
                }
                // Every wait finishes its job; should one not, say so.
                (None, None) => JobReport::without_result(&job.id, job.seen.borrow().clone()),
            })
            .collect()
    }
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
struct JobWaits {
    waiters: BatchWaiters,
    options: JobWaitOptions,
    /// Named when the endpoint cannot be reached.
    endpoint: String,
    /// A progress line per attempt (else the summary says how things go).
    per_attempt: bool,
}

impl JobWaits {
    async fn all(&self, board: &JobBoard, progress: &Progress) {
        join_all(board.ids().map(|id| self.one(id, board, progress))).await;
    }

    async fn one(&self, id: &str, board: &JobBoard, progress: &Progress) {
        let ids = [id.to_owned()];
        let observer = |attempt: &BatchAttempt<'_>| {
            board.attempt(id, attempt);
            if self.per_attempt {
                progress.attempt(Some(id), attempt, &ids);
            }
        };
        // The library bounds the whole wait, initial delay included, by `max_wait`.
        let result = self
            .waiters
            .wait_for_job_with(id, &self.options, observer)
            .await;
        let seen = board.seen(id);
        let report = JobReport::new(id, &result, seen.waiter, seen.attempts, &self.endpoint);
        board.finish(id, report);
    }
}

/// What runs beside the waits: the summary line, and a warning when the event source
/// stops (text output only; JSON output reports both at the end).
struct Watch<'a> {
    board: &'a JobBoard,
    progress: &'a Progress,
    poller: Option<&'a JobPoller>,
    events: Option<&'a Events>,
    summarize: bool,
    started: Instant,
    /// Whether the event source's stop was reported.
    warned: Cell<bool>,
}

impl Watch<'_> {
    /// Runs `waits`, looking at things every [`WATCH_TICK`] meanwhile.
    async fn alongside(&self, waits: impl Future<Output = ()>) {
        tokio::select! {
            () = waits => {}
            never = self.watch() => match never {},
        }
    }

    async fn watch(&self) -> Infallible {
        let mut ticks = tokio::time::interval(WATCH_TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut next_line = tokio::time::Instant::now() + SUMMARY_EVERY;
        loop {
            ticks.tick().await;
            let due = tokio::time::Instant::now() >= next_line;
            if due {
                next_line += SUMMARY_EVERY;
            }
            self.look(due);
        }
    }

    /// Warns once if the event source stopped; with a summary, updates the spinner's
    /// and, when `line`, prints it.
    fn look(&self, line: bool) {
        if let Some(events) = self.events
            && !self.warned.get()
            && let Some(error) = events.task.error()
        {
            self.warned.set(true);
            self.progress
                .line(&format!("waiters: --events-queue: {error}"));
        }
        if !self.summarize {
            return;
        }
        let mut summary = self.board.summary();
        if let Some(poller) = self.poller {
            summary.calls = poller.stats().calls;
        }
        if let Some(events) = self.events {
            let stats = events.task.stats();
            summary.events = Some((stats.messages, stats.applied));
        }
        summary.elapsed = self.started.elapsed();
        let text = summary.line();
        if line {
            self.progress.line(&text);
        }
        self.progress.set_label(text);
    }
}

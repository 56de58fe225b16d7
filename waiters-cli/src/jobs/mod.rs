//! `waiters wait-for-job`: JobExists, JobRunning, JobComplete and the final status check,
//! for one or many jobs at once, through one shared DescribeJobs poller (or each job on
//! its own with `--poll-per-job`), optionally fed by Batch's job state events.
//!
//! In three steps: a [`Plan`] from the arguments (everything checked before
//! any wait), the waits run beside a [`Watch`] until they end or a signal
//! comes, and the report.

mod array;
mod board;
mod logs;
mod plan;
mod stuck;
mod terminate;
mod watch;

use std::cell::Cell;
use std::time::Instant;

use serde_json::Map;

use crate::cli::WaitForJobArgs;
use crate::error::{CliError, Exit};
use crate::job_ids;
use crate::progress::Progress;
use crate::report::{JobReport, events_json, overall, poller_json, print_jobs};
use crate::signals::{Ended, Signals};
use crate::summary::summary_above;
use board::JobBoard;
use plan::Plan;
use terminate::{Terminations, terminate_unfinished};
use watch::Watch;

pub(crate) async fn run(args: &WaitForJobArgs) -> Result<Exit, CliError> {
    // Standard input is read before the signal handlers go in, so that Ctrl-C still
    // stops a read from a terminal.
    let ids = job_ids::expand(&args.job_ids, std::io::stdin().lock())?;
    // From here on SIGINT and SIGTERM end the waits with a report instead of killing them.
    let mut signals = Signals::install()?;
    let mut plan = Plan::new(args, &ids).await?;
    let progress = Progress::new(args.output);
    let (mut reports, exit, terminations) = match plan.logs.clone().filter(|_| args.logs) {
        Some((batch, logs)) => {
            let ids = plan.ids.clone();
            let feed = logs::Streaming::new(args.output);
            let waits = async {
                let ended = wait(&mut plan, &progress, &mut signals).await;
                feed.waits_ended();
                ended
            };
            tokio::join!(waits, feed.print(batch, logs, &ids)).0
        }
        None => wait(&mut plan, &progress, &mut signals).await,
    };
    if let Some((_, logs)) = &plan.logs {
        logs::add_tails(&mut reports, logs, args.tail_on_failure).await;
    }
    let mut extra = Map::new();
    if let Some(terminations) = terminations {
        extra.insert("terminations".to_owned(), terminations.json());
    }
    if let Some(poller) = &plan.poller {
        extra.insert("poller".to_owned(), poller_json(&poller.stats()));
    }
    if let Some(events) = &plan.events {
        let json = events_json(&events.queue_url, &events.task.stats(), events.task.error());
        extra.insert("events".to_owned(), json);
    }
    print_jobs(&reports, args.output, extra);
    Ok(exit)
}

/// Runs the plan's waits until they end or a signal comes: every job's report, the exit
/// code, and with `--terminate-on-interrupt` after a signal, the terminations.
async fn wait(
    plan: &mut Plan,
    progress: &Progress,
    signals: &mut Signals,
) -> (Vec<JobReport>, Exit, Option<Terminations>) {
    let board = JobBoard::new(&plan.ids);
    let summarize = progress.enabled() && plan.ids.len() > summary_above();
    plan.waits.per_attempt = !summarize;
    let watch = Watch {
        board: &board,
        progress,
        poller: plan.poller.as_ref(),
        events: plan.events.as_ref(),
        summarize,
        started: Instant::now(),
        warned: Cell::new(false),
    };
    let ended = signals
        .run(progress.drive(watch.alongside(plan.waits.all(&board, progress))))
        .await;
    progress.clear();
    watch.look(true);
    match ended {
        Ended::Finished(()) => {
            let reports = board.reports(None);
            let exit = overall(&reports).exit();
            (reports, exit, None)
        }
        Ended::Signalled(signal) => {
            let terminations = match &plan.terminate_with {
                Some(client) => {
                    let unfinished = board.unfinished();
                    Some(terminate_unfinished(client, unfinished, signal, signals, progress).await)
                }
                None => None,
            };
            let mut reports = board.reports(Some(signal));
            if let Some(terminations) = &terminations {
                terminations.annotate(&mut reports);
            }
            (reports, signal.exit(), terminations)
        }
    }
}

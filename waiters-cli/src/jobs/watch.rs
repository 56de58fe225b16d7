//! What runs beside the waits: the summary line, and a warning when the event source stops.

use std::cell::Cell;
use std::convert::Infallible;
use std::time::{Duration, Instant};

use waiters_runtime::JobPoller;

use super::board::JobBoard;
use super::plan::Events;
use crate::progress::Progress;
use crate::summary::SUMMARY_EVERY;

/// How often the summary and the event source are looked at.
const WATCH_TICK: Duration = Duration::from_millis(500);

/// What runs beside the waits: the summary line, and a warning when the event source
/// stops (text output only; JSON output reports both at the end).
pub(super) struct Watch<'a> {
    pub(super) board: &'a JobBoard,
    pub(super) progress: &'a Progress,
    pub(super) poller: Option<&'a JobPoller>,
    pub(super) events: Option<&'a Events>,
    pub(super) summarize: bool,
    pub(super) started: Instant,
    /// Whether the event source's stop was reported.
    pub(super) warned: Cell<bool>,
}

impl Watch<'_> {
    /// Runs `waits`, looking at things every [`WATCH_TICK`] meanwhile.
    pub(super) async fn alongside(&self, waits: impl Future<Output = ()>) {
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
    pub(super) fn look(&self, line: bool) {
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

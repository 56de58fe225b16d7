//! `wait-for-job --logs`: the jobs' lines printed while the waits run; and
//! `--tail-on-failure`: the last lines of each job that FAILED, under its result.

use std::cell::Cell;
use std::time::Duration;

use tokio::sync::Notify;
use waiters_runtime::aws_sdk_batch::Client as BatchClient;
use waiters_runtime::logs::{PartLogs, job_logs, last_lines};

use crate::cli::OutputFormat;
use crate::error::{stderr_line, stdout_text};
use crate::escape;
use crate::job_logs::{LogFeed, Printed};
use crate::report::JobReport;

/// The shortest pause between two reads, whatever the follower's interval.
const MIN_PAUSE: Duration = Duration::from_millis(200);

/// The jobs' lines, printed while the waits run.
pub(super) struct Streaming {
    output: OutputFormat,
    ended: Cell<bool>,
    wake: Notify,
}

impl Streaming {
    pub(super) fn new(output: OutputFormat) -> Self {
        Self {
            output,
            ended: Cell::new(false),
            wake: Notify::new(),
        }
    }

    /// The waits are over: read every stream once more to its end and stop.
    pub(super) fn waits_ended(&self) {
        self.ended.set(true);
        self.wake.notify_one();
    }

    /// Prints lines until the waits end and every stream is read to its end.
    pub(super) async fn print(
        &self,
        batch: BatchClient,
        logs: aws_sdk_cloudwatchlogs::Client,
        ids: &[String],
    ) {
        let mut feed = LogFeed::new(batch, logs);
        let mut warned = false;
        loop {
            let ended = self.ended.get();
            match feed.refresh(ids, ended).await {
                Ok(notes) => notes
                    .iter()
                    .for_each(|n| stderr_line(&format!("waiters: {n}"))),
                Err(error) if !warned => {
                    warned = true;
                    stderr_line(&format!("waiters: --logs: {error}"));
                }
                Err(_) => {}
            }
            if ended {
                feed.finish_all(ids);
            }
            let (lines, warnings) = feed.read().await;
            self.show(&lines);
            warnings.iter().for_each(|w| stderr_line(w));
            if ended && feed.done(ids) {
                return;
            }
            let pause = feed.interval().max(MIN_PAUSE);
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = self.wake.notified() => {}
            }
        }
    }

    fn show(&self, lines: &[Printed]) {
        for line in lines {
            let text = format!("{}: {}", line.label, line.message);
            match self.output {
                OutputFormat::Text => stdout_text(&text),
                OutputFormat::Json => stderr_line(&text),
            }
        }
    }
}

/// Adds the last `count` lines of the last stream of each job that FAILED to its report.
pub(super) async fn add_tails(
    reports: &mut [JobReport],
    logs: &aws_sdk_cloudwatchlogs::Client,
    count: u16,
) {
    if count == 0 {
        return;
    }
    for report in reports.iter_mut() {
        let Some(job) = &report.failed_job else {
            continue;
        };
        // The attempt that failed logs last.
        let stream = job_logs(job)
            .into_iter()
            .rev()
            .find_map(|log| match log.logs {
                PartLogs::Stream(stream) => Some(stream),
                _ => None,
            });
        let Some(stream) = stream else {
            report.log_tail = Some(Vec::new());
            continue;
        };
        match last_lines(
            logs,
            &stream,
            usize::from(count),
            Duration::from_millis(500),
        )
        .await
        {
            Ok(lines) => {
                let lines = lines
                    .iter()
                    .map(|l| escape::text(l.trim_end_matches(['\n', '\r'])).into_owned());
                report.log_tail = Some(lines.collect());
            }
            Err(error) => stderr_line(&format!("waiters: --tail-on-failure: {error}")),
        }
    }
}

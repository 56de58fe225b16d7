//! The summary line of `wait-for-job` in text mode with more jobs than a screenful: the
//! jobs per status, how many are done, and the calls made, every [`SUMMARY_EVERY`]
//! instead of a line per attempt.

use std::io::IsTerminal;
use std::time::Duration;

/// How often the summary line is printed.
pub(crate) const SUMMARY_EVERY: Duration = Duration::from_secs(10);

/// With more jobs than this (when stderr's height is unknown), text output summarizes.
pub(crate) const DEFAULT_SUMMARY_ABOVE: usize = 20;

/// The statuses in the order jobs go through them.
const LIFECYCLE: [&str; 7] = [
    "SUBMITTED",
    "PENDING",
    "RUNNABLE",
    "STARTING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
];

/// How a job without a status so far is counted.
pub(crate) const NOT_SEEN: &str = "not seen yet";

/// With more jobs than this, text output summarizes: stderr's height when it is a
/// terminal, else [`DEFAULT_SUMMARY_ABOVE`].
pub(crate) fn summary_above() -> usize {
    let stderr = std::io::stderr();
    if !stderr.is_terminal() {
        return DEFAULT_SUMMARY_ABOVE;
    }
    terminal_rows(&stderr).unwrap_or(DEFAULT_SUMMARY_ABOVE)
}

#[cfg(unix)]
fn terminal_rows(stderr: &std::io::Stderr) -> Option<usize> {
    let size = rustix::termios::tcgetwinsize(stderr).ok()?;
    (size.ws_row > 0).then_some(usize::from(size.ws_row))
}

#[cfg(not(unix))]
fn terminal_rows(_: &std::io::Stderr) -> Option<usize> {
    None
}

/// What the summary line reports.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    /// Jobs per status (or [`NOT_SEEN`]).
    pub(crate) statuses: Vec<(String, usize)>,
    pub(crate) jobs: usize,
    /// Jobs whose wait ended.
    pub(crate) done: usize,
    /// DescribeJobs calls made.
    pub(crate) calls: u64,
    /// Job state events received and applied, with events.
    pub(crate) events: Option<(u64, u64)>,
    pub(crate) elapsed: Duration,
}

impl Summary {
    /// Counts one job's status.
    pub(crate) fn count(&mut self, status: Option<&str>) {
        let status = status.unwrap_or(NOT_SEEN);
        match self.statuses.iter_mut().find(|(s, _)| s == status) {
            Some((_, n)) => *n += 1,
            None => self.statuses.push((status.to_owned(), 1)),
        }
    }

    /// `300 jobs: 12 RUNNABLE, 40 RUNNING, 248 SUCCEEDED; 248 done; 42 DescribeJobs
    /// calls; 96 events (80 applied); 12.5s`, statuses in lifecycle order.
    pub(crate) fn line(&self) -> String {
        let rank = |status: &str| {
            if status == NOT_SEEN {
                0
            } else {
                LIFECYCLE
                    .iter()
                    .position(|s| *s == status)
                    .map_or(LIFECYCLE.len() + 1, |i| i + 1)
            }
        };
        let mut statuses: Vec<&(String, usize)> = self.statuses.iter().collect();
        statuses.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.0.cmp(&b.0)));
        let counts = statuses
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut line = format!(
            "{} jobs: {counts}; {} done; {} DescribeJobs call{}",
            self.jobs,
            self.done,
            self.calls,
            if self.calls == 1 { "" } else { "s" }
        );
        if let Some((received, applied)) = self.events {
            line.push_str(&format!("; {received} events ({applied} applied)"));
        }
        line.push_str(&format!("; {:.1}s", self.elapsed.as_secs_f64()));
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_counted_in_lifecycle_order() {
        let mut summary = Summary {
            jobs: 6,
            done: 2,
            calls: 1,
            elapsed: Duration::from_millis(12_345),
            ..Summary::default()
        };
        for status in [
            Some("SUCCEEDED"),
            Some("RUNNING"),
            None,
            Some("SUCCEEDED"),
            Some("WEIRD"),
            Some("PENDING"),
        ] {
            summary.count(status);
        }
        assert_eq!(
            summary.line(),
            "6 jobs: 1 not seen yet, 1 PENDING, 1 RUNNING, 2 SUCCEEDED, 1 WEIRD; 2 done; 1 DescribeJobs call; 12.3s"
        );
        summary.events = Some((40, 12));
        summary.calls = 3;
        assert!(
            summary
                .line()
                .ends_with("; 3 DescribeJobs calls; 40 events (12 applied); 12.3s"),
            "{}",
            summary.line()
        );
    }
}

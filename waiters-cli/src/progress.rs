//! Progress on stderr for `--output text`: one line per attempt, and a spinner while
//! sleeping between attempts when stderr is a terminal.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use waiters_runtime::engine::Attempt;
use waiters_runtime::operation::DescribeJobsSdkError;
use waiters_runtime::response::DescribeJobsResponse;

use crate::cli::OutputFormat;
use crate::escape;
use crate::report::{error_summary, job_status};

/// One attempt as the observer sees it.
pub(crate) type BatchAttempt<'a> = Attempt<'a, DescribeJobsResponse, DescribeJobsSdkError>;

const SPINNER_FRAMES: [char; 4] = ['|', '/', '-', '\\'];
const SPINNER_TICK: Duration = Duration::from_millis(120);

/// Shared by the observers of every job of one command; all of them run on one task,
/// so plain cells are enough.
#[derive(Debug)]
pub(crate) struct Progress {
    enabled: bool,
    spinner: bool,
    started: Instant,
    frame: Cell<usize>,
    /// Whether a spinner line is on screen (it must be erased before the next line).
    drawn: Cell<bool>,
    /// What the spinner line says after the frame, and when the next poll is due.
    status: RefCell<(String, Option<Instant>)>,
}

impl Progress {
    pub(crate) fn new(format: OutputFormat) -> Self {
        let enabled = format == OutputFormat::Text;
        Self {
            enabled,
            spinner: enabled && std::io::stderr().is_terminal(),
            started: Instant::now(),
            frame: Cell::new(0),
            drawn: Cell::new(false),
            status: RefCell::new(("waiting".to_owned(), None)),
        }
    }

    /// Whether progress is shown (text output).
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// What the spinner line says after its frame.
    pub(crate) fn set_label(&self, label: String) {
        *self.status.borrow_mut() = (label, None);
    }

    /// Reports one attempt of a waiter; `job` (for `wait-for-job`, where every job has
    /// its own waiters) prefixes the line.
    pub(crate) fn attempt(&self, job: Option<&str>, attempt: &BatchAttempt<'_>, ids: &[String]) {
        if self.enabled {
            self.attempt_seen(job, attempt, &observed(attempt, ids));
        }
    }

    /// Reports one attempt whose response `observed` describes.
    pub(crate) fn attempt_seen<O, E>(
        &self,
        job: Option<&str>,
        attempt: &Attempt<'_, O, E>,
        observed: &str,
    ) {
        if !self.enabled {
            return;
        }
        let mut line = String::new();
        if let Some(job) = job {
            line.push_str(&format!("[{job}] "));
        }
        line.push_str(&format!(
            "{} attempt {} ({:.1}s): {}",
            attempt.waiter,
            attempt.number,
            attempt.elapsed.as_secs_f64(),
            observed
        ));
        if let Some(matched) = attempt.matched {
            line.push_str(&format!(" -> {}", matched.state));
        }
        if let Some(next) = attempt.next_poll {
            line.push_str(&format!("; next poll in {:.2}s", next.as_secs_f64()));
            // With several jobs polling on their own schedules, no single countdown fits.
            *self.status.borrow_mut() = match job {
                Some(_) => ("waiting for jobs".to_owned(), None),
                None => (attempt.waiter.to_owned(), Instant::now().checked_add(next)),
            };
        }
        self.line(&line);
    }

    /// Writes a progress line, erasing the spinner first. Job ids, statuses and error
    /// messages in it are shown with control characters escaped.
    pub(crate) fn line(&self, text: &str) {
        if !self.enabled {
            return;
        }
        let mut err = std::io::stderr().lock();
        if self.drawn.replace(false) {
            let _ = write!(err, "\r\x1b[K");
        }
        let _ = writeln!(err, "{}", escape::text(text));
    }

    /// Runs `future`, animating the spinner meanwhile when stderr is a terminal.
    pub(crate) async fn drive<F: Future>(&self, future: F) -> F::Output {
        if !self.spinner {
            return future.await;
        }
        let mut future = std::pin::pin!(future);
        let mut ticks = tokio::time::interval(SPINNER_TICK);
        loop {
            tokio::select! {
                output = &mut future => {
                    self.clear();
                    return output;
                }
                _ = ticks.tick() => self.spin(),
            }
        }
    }

    fn spin(&self) {
        let frame = SPINNER_FRAMES[self.frame.get() % SPINNER_FRAMES.len()];
        self.frame.set(self.frame.get().wrapping_add(1));
        let (label, next_poll) = &*self.status.borrow();
        let mut text = format!(
            "{frame} {label} ({:.0}s elapsed",
            self.started.elapsed().as_secs_f64()
        );
        if let Some(at) = next_poll {
            let left = at.saturating_duration_since(Instant::now());
            text.push_str(&format!(", next poll in {:.0}s", left.as_secs_f64().ceil()));
        }
        text.push(')');
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{}", escape::text(&text));
        let _ = err.flush();
        self.drawn.set(true);
    }

    /// Erases the spinner, if it is on screen.
    pub(crate) fn clear(&self) {
        if self.drawn.replace(false) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}

/// What the attempt saw: job statuses, or the error.
fn observed(attempt: &BatchAttempt<'_>, ids: &[String]) -> String {
    let response = match attempt.response {
        Ok(response) => response,
        Err(error) => return format!("error {}", error_summary(error)),
    };
    let status = |id: &str| job_status(response, id).unwrap_or("not found");
    match ids {
        [one] => status(one).to_owned(),
        few if few.len() <= 3 => few
            .iter()
            .map(|id| format!("{id} {}", status(id)))
            .collect::<Vec<_>>()
            .join(", "),
        many => {
            // Many jobs: count them per status, in the order the statuses first appear.
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for id in many {
                let s = status(id);
                match counts.iter_mut().find(|(name, _)| *name == s) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((s, 1)),
                }
            }
            counts
                .iter()
                .map(|(s, n)| format!("{n} {s}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

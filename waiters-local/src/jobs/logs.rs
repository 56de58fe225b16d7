//! A job's log stream at one moment: what its container has printed and what CloudWatch
//! Logs would have received by then.

use std::time::Duration;

use super::Job;
use crate::log_schedule::LogSchedule;
use crate::profile::JobPhase;

/// A job's stream as the Logs API sees it at one moment.
#[derive(Clone, Debug)]
pub(crate) struct StreamView {
    pub(crate) name: String,
    /// The job's place in submission order (unique, for event ids).
    pub(crate) seq: u64,
    /// Server time the stream was created.
    pub(crate) created: Duration,
    /// Each line readable now: server times it was written and received, and its text.
    pub(crate) lines: Vec<(Duration, Duration, String)>,
}

impl Job {
    /// The job's log stream at `now`: none before its container runs (and its stream is
    /// created), none for a job stopped before it ran; lines up to the container's end
    /// that have arrived by `now`.
    pub(crate) fn log_stream(&self, now: Duration) -> Option<StreamView> {
        let profile = &self.spec.profile;
        let running_from = self
            .submitted_at
            .saturating_add(profile.phase_end(JobPhase::Starting));
        let natural_end = self.submitted_at.saturating_add(profile.total_duration());
        let end = match &self.stop {
            Some(stop) if stop.phase == JobPhase::Running => {
                self.submitted_at.saturating_add(stop.after)
            }
            Some(_) => return None,
            None => natural_end,
        };
        let schedule = LogSchedule::of(
            self.spec
                .parameters
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
            &self.spec.command,
            natural_end.saturating_sub(running_from),
        );
        let created = running_from.saturating_add(schedule.stream_delay);
        if now < running_from || now < created {
            return None;
        }
        let lines = schedule
            .lines
            .into_iter()
            .map(|(offset, text)| {
                let at = running_from.saturating_add(offset);
                (at, at.saturating_add(schedule.lag), text)
            })
            .filter(|(at, received, _)| *at <= end && *received <= now)
            .collect();
        Some(StreamView {
            name: self.log_stream_name.clone(),
            seq: self.seq,
            created,
            lines,
        })
    }
}

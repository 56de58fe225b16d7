//! Batch job state events: every status change of a job, sent to an EventBridge
//! endpoint with `PutEvents` as real Batch does, with faults (dropped, duplicated and
//! delayed events) for testing the consumers.
//!
//! This module is the events' state, which the server state ([`App`](crate::app::App))
//! holds; the job store derives statuses from the time since submission, so nothing
//! happens when a status changes; the publisher task (`crate::publisher`) computes when the next change is due,
//! sleeps until then (on the server clock: tokio's clock plus manual advances), and
//! publishes what changed. Submissions, stops and clock advances wake it.

mod counters;
mod faults;

use tokio::sync::Notify;

#[cfg(feature = "eventbridge")]
pub(crate) use counters::EventCount;
pub(crate) use counters::EventCounterSet;
pub use counters::EventCounters;
pub use faults::{EventFaultKind, EventFaultRule, EventFaults};

/// `Source` of every event, as Batch sends it.
pub const EVENT_SOURCE: &str = "aws.batch";
/// `DetailType` of every event, as Batch sends it for jobs.
pub const EVENT_DETAIL_TYPE: &str = "Batch Job State Change";
/// `PutEvents` takes at most this many entries per call.
#[cfg(feature = "eventbridge")]
pub(crate) const MAX_ENTRIES_PER_CALL: usize = 10;

/// The event side of the server state: what wakes the publisher, its faults and
/// counters. Present whether or not events are published, so the handles always work.
#[derive(Debug)]
pub(crate) struct EventState {
    /// Signalled when a job is submitted or stopped.
    jobs_changed: Notify,
    pub(crate) faults: EventFaults,
    pub(crate) counters: EventCounterSet,
}

impl EventState {
    pub(crate) fn new(faults: EventFaults) -> Self {
        Self {
            jobs_changed: Notify::new(),
            faults,
            counters: EventCounterSet::default(),
        }
    }

    /// Tells the publisher (if any) that a job was submitted or stopped.
    pub(crate) fn job_changed(&self) {
        self.jobs_changed.notify_one();
    }

    /// Completes after the next [`job_changed`](Self::job_changed), or at once if one
    /// happened since the last call.
    #[cfg(feature = "eventbridge")]
    pub(crate) async fn changed(&self) {
        self.jobs_changed.notified().await;
    }
}

//! Counters of the events the server made, published, dropped and could not deliver.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counts of job state events since the server started (or since the last reset).
///
/// Every state change is counted once in `state_changes`; what became of it is in
/// the others: `dropped` by a fault, or sent (`published` when EventBridge accepted
/// it, `failed` when the call or the entry was refused), twice when `duplicated`, late
/// when `delayed`. Without an EventBridge endpoint nothing watches the jobs, and every
/// counter stays zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounters {
    /// Job status changes seen by the publisher.
    pub state_changes: u64,
    /// Entries EventBridge accepted (a duplicated event counts twice).
    pub published: u64,
    /// Events dropped by an injected fault, never sent.
    pub dropped: u64,
    /// Events sent twice by an injected fault.
    pub duplicated: u64,
    /// Events held back by an injected delay.
    pub delayed: u64,
    /// Entries not accepted: the `PutEvents` call failed, or EventBridge rejected the entry.
    pub failed: u64,
    /// `PutEvents` calls made.
    pub put_events_calls: u64,
}

/// Live counters, updated by the publisher.
#[derive(Debug, Default)]
pub(crate) struct EventCounterSet {
    state_changes: AtomicU64,
    published: AtomicU64,
    dropped: AtomicU64,
    duplicated: AtomicU64,
    delayed: AtomicU64,
    failed: AtomicU64,
    put_events_calls: AtomicU64,
}

/// Which counter to add to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EventCount {
    StateChange,
    Published,
    Dropped,
    Duplicated,
    Delayed,
    Failed,
    PutEventsCall,
}

impl EventCounterSet {
    fn slot(&self, count: EventCount) -> &AtomicU64 {
        match count {
            EventCount::StateChange => &self.state_changes,
            EventCount::Published => &self.published,
            EventCount::Dropped => &self.dropped,
            EventCount::Duplicated => &self.duplicated,
            EventCount::Delayed => &self.delayed,
            EventCount::Failed => &self.failed,
            EventCount::PutEventsCall => &self.put_events_calls,
        }
    }

    #[cfg(any(feature = "eventbridge", test))]
    pub(crate) fn add(&self, count: EventCount, n: u64) {
        self.slot(count).fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> EventCounters {
        let load = |count| self.slot(count).load(Ordering::Relaxed);
        EventCounters {
            state_changes: load(EventCount::StateChange),
            published: load(EventCount::Published),
            dropped: load(EventCount::Dropped),
            duplicated: load(EventCount::Duplicated),
            delayed: load(EventCount::Delayed),
            failed: load(EventCount::Failed),
            put_events_calls: load(EventCount::PutEventsCall),
        }
    }

    pub(crate) fn reset(&self) {
        for count in [
            EventCount::StateChange,
            EventCount::Published,
            EventCount::Dropped,
            EventCount::Duplicated,
            EventCount::Delayed,
            EventCount::Failed,
            EventCount::PutEventsCall,
        ] {
            self.slot(count).store(0, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_reset() {
        let set = EventCounterSet::default();
        set.add(EventCount::StateChange, 3);
        set.add(EventCount::Published, 2);
        set.add(EventCount::Dropped, 1);
        set.add(EventCount::PutEventsCall, 1);
        let snapshot = set.snapshot();
        assert_eq!(
            snapshot,
            EventCounters {
                state_changes: 3,
                published: 2,
                dropped: 1,
                put_events_calls: 1,
                ..EventCounters::default()
            }
        );
        set.reset();
        assert_eq!(set.snapshot(), EventCounters::default());
    }
}

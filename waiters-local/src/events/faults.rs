//! Faults of the event stream: events dropped, sent twice, or held back so that later
//! ones overtake them. EventBridge and SQS do all three to real consumers (at-least-once
//! delivery, no ordering).

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::clock::ServerClock;
use crate::faults::{FaultError, FaultSchedule, RuleState};

/// What an event fault does to an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventFaultKind {
    /// The event is never sent.
    Drop,
    /// The event is sent twice (as two entries of the same `PutEvents` call).
    Duplicate,
    /// The event is sent this much server time after the change instead of at once,
    /// so events of later changes can arrive before it.
    Delay(Duration),
}

impl EventFaultKind {
    /// A stable name: `drop`, `duplicate`, `delay`.
    pub fn name(self) -> &'static str {
        match self {
            EventFaultKind::Drop => "drop",
            EventFaultKind::Duplicate => "duplicate",
            EventFaultKind::Delay(_) => "delay",
        }
    }
}

impl fmt::Display for EventFaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventFaultKind::Delay(by) => write!(f, "delay by {by:?}"),
            other => f.write_str(other.name()),
        }
    }
}

/// One event fault: what to do, to which events (counted in the order the changes
/// happen, over all jobs).
///
/// ```
/// use std::time::Duration;
/// use waiters_local::{EventFaultKind, EventFaultRule, FaultSchedule};
///
/// let rule = EventFaultRule::new(
///     EventFaultKind::Delay(Duration::from_secs(30)),
///     FaultSchedule::EveryNth(2),
/// );
/// assert_eq!(rule.kind.name(), "delay");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EventFaultRule {
    /// The fault.
    pub kind: EventFaultKind,
    /// Which events are hit.
    pub schedule: FaultSchedule,
}

impl EventFaultRule {
    /// A rule.
    pub fn new(kind: EventFaultKind, schedule: FaultSchedule) -> Self {
        Self { kind, schedule }
    }
}

#[derive(Debug)]
struct ActiveEventRule {
    rule: EventFaultRule,
    state: RuleState,
}

/// The event-fault handle of a running server ([`LocalBatch::event_faults`]); cheap to
/// clone, and changes apply to the next state change.
///
/// Rules are consulted in the order they were added; the first one that hits decides
/// the event's fault, and later rules do not see (or count) that event.
///
/// [`LocalBatch::event_faults`]: crate::LocalBatch::event_faults
#[derive(Clone, Debug)]
pub struct EventFaults {
    rules: Arc<Mutex<Vec<ActiveEventRule>>>,
    clock: Arc<ServerClock>,
}

impl EventFaults {
    pub(crate) fn new(clock: Arc<ServerClock>) -> Self {
        Self {
            rules: Arc::default(),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<ActiveEventRule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Installs a rule after the existing ones.
    pub fn add(&self, rule: EventFaultRule) -> Result<(), FaultError> {
        let state = RuleState::new(&rule.schedule, self.clock.now())?;
        tracing::info!(kind = %rule.kind, schedule = ?rule.schedule, "event fault rule added");
        self.lock().push(ActiveEventRule { rule, state });
        Ok(())
    }

    /// Drops the next `n` events.
    pub fn drop_next(&self, n: u64) {
        self.add_infallible(EventFaultKind::Drop, FaultSchedule::Next(n));
    }

    /// Sends the next `n` events twice.
    pub fn duplicate_next(&self, n: u64) {
        self.add_infallible(EventFaultKind::Duplicate, FaultSchedule::Next(n));
    }

    /// Holds the next `n` events back by `by` (server time).
    pub fn delay_next(&self, n: u64, by: Duration) {
        self.add_infallible(EventFaultKind::Delay(by), FaultSchedule::Next(n));
    }

    fn add_infallible(&self, kind: EventFaultKind, schedule: FaultSchedule) {
        // Next schedules have no invalid values.
        if let Err(error) = self.add(EventFaultRule::new(kind, schedule)) {
            tracing::warn!(%error, "event fault rule rejected");
        }
    }

    /// The rules still active (spent `Next` and expired `For` rules are gone).
    pub fn rules(&self) -> Vec<EventFaultRule> {
        let now = self.clock.now();
        let mut rules = self.lock();
        rules.retain(|active| !active.state.is_spent(now));
        rules.iter().map(|active| active.rule.clone()).collect()
    }

    /// Removes every rule.
    pub fn clear(&self) {
        tracing::info!("event faults cleared");
        self.lock().clear();
    }

    /// Decides the fault (if any) for one event.
    #[cfg(any(feature = "eventbridge", test))]
    pub(crate) fn decide(&self) -> Option<EventFaultKind> {
        let now = self.clock.now();
        let mut rules = self.lock();
        rules.retain(|active| !active.state.is_spent(now));
        rules
            .iter_mut()
            .find_map(|active| active.state.hits(now).then_some(active.rule.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults() -> EventFaults {
        EventFaults::new(Arc::new(ServerClock::new()))
    }

    #[test]
    fn first_hitting_rule_decides_and_spent_rules_go() {
        let f = faults();
        f.drop_next(1);
        f.duplicate_next(1);
        f.delay_next(1, Duration::from_secs(5));
        let decided: Vec<_> = (0..4).map(|_| f.decide()).collect();
        assert_eq!(
            decided,
            [
                Some(EventFaultKind::Drop),
                Some(EventFaultKind::Duplicate),
                Some(EventFaultKind::Delay(Duration::from_secs(5))),
                None
            ]
        );
        assert!(f.rules().is_empty());
    }

    #[test]
    fn schedules_are_checked_and_cleared() {
        let f = faults();
        assert_eq!(
            f.add(EventFaultRule::new(
                EventFaultKind::Drop,
                FaultSchedule::EveryNth(0)
            )),
            Err(FaultError::ZeroInterval)
        );
        f.add(EventFaultRule::new(
            EventFaultKind::Duplicate,
            FaultSchedule::EveryNth(2),
        ))
        .unwrap();
        let hits: Vec<bool> = (0..4).map(|_| f.decide().is_some()).collect();
        assert_eq!(hits, [false, true, false, true]);
        assert_eq!(f.rules().len(), 1);
        f.clear();
        assert_eq!(f.decide(), None);
    }
}

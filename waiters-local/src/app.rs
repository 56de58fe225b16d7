//! The state every request shares: clock, jobs, compute environments, job queues and job
//! definitions, default schedule, faults, counters and the event state. It has a module
//! of its own so that the server, the Batch operations and the admin routes use it
//! without importing each other.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::clock::ServerClock;
use crate::counters::CounterSet;
use crate::events::{EventFaults, EventState};
use crate::faults::Faults;
use crate::jobs::JobStore;
use crate::log_faults::LogFaults;
use crate::profile::JobProfile;
use crate::resources::ResourceStore;
use crate::signers::Signers;

/// State shared by every request.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) clock: Arc<ServerClock>,
    jobs: Mutex<JobStore>,
    resources: Mutex<ResourceStore>,
    default_profile: Mutex<JobProfile>,
    pub(crate) faults: Faults,
    pub(crate) counters: CounterSet,
    /// The access key ids that signed Batch requests.
    pub(crate) signers: Signers,
    /// Job state events: what wakes the publisher, event faults and counters.
    pub(crate) events: EventState,
    /// The Logs API's throttling and counters.
    pub(crate) logs: LogFaults,
}

impl App {
    /// A server's state with no faults, zeroed counters and the given jobs.
    pub(crate) fn new(
        clock: Arc<ServerClock>,
        jobs: JobStore,
        resources: ResourceStore,
        default_profile: JobProfile,
    ) -> Self {
        Self {
            faults: Faults::new(Arc::clone(&clock)),
            events: EventState::new(EventFaults::new(Arc::clone(&clock))),
            clock,
            jobs: Mutex::new(jobs),
            resources: Mutex::new(resources),
            default_profile: Mutex::new(default_profile),
            counters: CounterSet::default(),
            signers: Signers::default(),
            logs: LogFaults::default(),
        }
    }

    pub(crate) fn jobs(&self) -> MutexGuard<'_, JobStore> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn resources(&self) -> MutexGuard<'_, ResourceStore> {
        self.resources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn default_profile(&self) -> JobProfile {
        self.default_profile
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_default_profile(&self, profile: JobProfile) {
        *self
            .default_profile
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = profile;
    }

    pub(crate) fn request_id(&self) -> String {
        self.jobs().next_request_id()
    }
}

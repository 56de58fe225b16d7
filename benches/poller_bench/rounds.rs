//! The poller's rounds, as it reports them: every round opens a `describe_jobs_round`
//! tracing span with the number of waits, ids and calls. A minimal subscriber keeps those
//! spans (and nothing else, so other log lines cost nothing).

use std::sync::{Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// The span `JobPoller` opens for each round.
const ROUND_SPAN: &str = "describe_jobs_round";

/// One round of the poller: the calls it made and the waits and ids they served.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RoundRecord {
    pub(crate) calls: u64,
    pub(crate) waits: u64,
    pub(crate) ids: u64,
}

static ROUNDS: Mutex<Vec<RoundRecord>> = Mutex::new(Vec::new());

/// Installs the subscriber for the whole process (once, before any wait).
pub(crate) fn install() {
    tracing::subscriber::set_global_default(RoundSpans)
        .expect("no other tracing subscriber in the benchmark");
}

/// The rounds recorded since the last call.
pub(crate) fn take() -> Vec<RoundRecord> {
    std::mem::take(&mut *ROUNDS.lock().unwrap_or_else(PoisonError::into_inner))
}

struct RoundSpans;

fn is_round(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && metadata.name() == ROUND_SPAN
}

impl Subscriber for RoundSpans {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_round(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_round(metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut round = RoundRecord::default();
        span.record(&mut round);
        ROUNDS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(round);
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

impl Visit for RoundRecord {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "calls" => self.calls = value,
            "waits" => self.waits = value,
            "ids" => self.ids = value,
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, u64::try_from(value).unwrap_or(0));
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

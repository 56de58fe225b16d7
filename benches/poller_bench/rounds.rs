//! The poller's rounds, as it reports them: every round opens a `describe_jobs_round`
//! tracing span with the number of waits, ids and calls. A minimal subscriber keeps those
//! spans (and nothing else, so other log lines cost nothing).
//!
//! The span's `calls` are the calls the poller planned. What the service saw is read from
//! the endpoint: when a round's span opens, the subscriber reads the DescribeJobs requests
//! the endpoint has counted ([`watch_endpoint`]). Rounds run one after the other (a round's
//! calls are all answered before the next one is planned), so the requests the endpoint
//! counted between one round's start and the next one's are that round's calls on the wire,
//! retries and any call the span did not plan included.

use std::sync::{Mutex, PoisonError, Weak};

use waiters_local::LocalBatch;

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
    /// Calls the poller planned (the span's).
    pub(crate) calls: u64,
    pub(crate) waits: u64,
    pub(crate) ids: u64,
    /// DescribeJobs requests the endpoint had counted when the round started.
    pub(crate) endpoint_before: u64,
    /// DescribeJobs requests the endpoint counted during the round (see [`on_the_wire`]).
    pub(crate) wire_calls: u64,
}

static ROUNDS: Mutex<Vec<RoundRecord>> = Mutex::new(Vec::new());

/// The endpoint whose DescribeJobs requests a round's start reads, while a run is on.
static ENDPOINT: Mutex<Option<Weak<LocalBatch>>> = Mutex::new(None);

/// Makes every round's start read `endpoint`'s DescribeJobs requests (`None`: none).
pub(crate) fn watch_endpoint(endpoint: Option<Weak<LocalBatch>>) {
    *ENDPOINT.lock().unwrap_or_else(PoisonError::into_inner) = endpoint;
}

fn endpoint_requests() -> u64 {
    ENDPOINT
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(Weak::upgrade)
        .map_or(0, |server| server.counters().describe_jobs.requests)
}

/// Fills in each round's calls on the wire, given the endpoint's count at the end of the
/// run: the requests counted from its start to the next round's (or the run's end).
pub(crate) fn on_the_wire(rounds: &mut [RoundRecord], requests_at_end: u64) {
    let ends: Vec<u64> = rounds
        .iter()
        .skip(1)
        .map(|r| r.endpoint_before)
        .chain([requests_at_end])
        .collect();
    for (round, end) in rounds.iter_mut().zip(ends) {
        round.wire_calls = end.saturating_sub(round.endpoint_before);
    }
}

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
        let mut round = RoundRecord {
            endpoint_before: endpoint_requests(),
            ..RoundRecord::default()
        };
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

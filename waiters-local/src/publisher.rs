//! The task that turns job status changes into `PutEvents` calls.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_eventbridge::config::{BehaviorVersion, Region};
use aws_sdk_eventbridge::error::DisplayErrorContext;
use aws_sdk_eventbridge::primitives::DateTime;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use tokio::sync::oneshot;
use tracing::{debug, warn};

use crate::app::App;
use crate::credentials::test_credentials;
use crate::events::{
    EVENT_DETAIL_TYPE, EVENT_SOURCE, EventCount, EventFaultKind, MAX_ENTRIES_PER_CALL,
};
use crate::jobs::JobStatus;

/// Where events go: an EventBridge client and the bus (`None`: the account's default).
#[derive(Clone, Debug)]
pub(crate) struct EventPublisher {
    client: aws_sdk_eventbridge::Client,
}

impl EventPublisher {
    /// A client for an EventBridge endpoint such as moto's: plain HTTP, the test
    /// credentials, the server's region.
    pub(crate) fn for_endpoint(endpoint_url: &str, region: &str) -> Self {
        let config = aws_sdk_eventbridge::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(test_credentials())
            .endpoint_url(endpoint_url)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        Self::with_client(aws_sdk_eventbridge::Client::from_conf(config))
    }

    pub(crate) fn with_client(client: aws_sdk_eventbridge::Client) -> Self {
        Self { client }
    }

    /// One `PutEvents` call; the outcome goes to the counters and the log (a consumer
    /// of events must live with lost events anyway).
    async fn send(&self, app: &App, entries: Vec<PutEventsRequestEntry>) {
        let counters = &app.events.counters;
        let sent = entries.len() as u64;
        counters.add(EventCount::PutEventsCall, 1);
        match self
            .client
            .put_events()
            .set_entries(Some(entries))
            .send()
            .await
        {
            Ok(output) => {
                for entry in output.entries() {
                    if let Some(code) = entry.error_code() {
                        warn!(code, message = ?entry.error_message(), "EventBridge rejected an event");
                    }
                }
                let rejected = output.entries().iter().filter(|e| e.error_code().is_some());
                let failed = u64::try_from(output.failed_entry_count())
                    .unwrap_or(0)
                    .max(rejected.count() as u64)
                    .min(sent);
                counters.add(EventCount::Published, sent - failed);
                counters.add(EventCount::Failed, failed);
                debug!(sent, failed, "PutEvents");
            }
            Err(error) => {
                warn!(error = %DisplayErrorContext(&error), "PutEvents failed");
                counters.add(EventCount::Failed, sent);
            }
        }
    }
}

/// A status change waiting to be sent.
#[derive(Debug)]
struct Pending {
    /// Server time at which to send it: when the change happened, later when delayed.
    send_at: Duration,
    /// Breaks ties in the order the changes were seen (a duplicate right after its
    /// original).
    seq: u64,
    entry: PutEventsRequestEntry,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.send_at, self.seq) == (other.send_at, other.seq)
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.send_at, self.seq).cmp(&(other.send_at, other.seq))
    }
}

/// A change found due, before faults are applied.
struct Change {
    at: Duration,
    job: usize,
    order: usize,
    entry: PutEventsRequestEntry,
}

/// What the task remembers between wake-ups.
#[derive(Default)]
struct Tracker {
    /// Per job (by submission order): how many of its changes were handled.
    handled: Vec<usize>,
    /// Per job: all its changes handled, so it needs no more looking at.
    finished: Vec<bool>,
    outbox: BinaryHeap<Reverse<Pending>>,
    seq: u64,
}

impl Tracker {
    /// Moves the changes due by `now` to the outbox (faults applied), and says when the
    /// next one is due.
    fn collect(&mut self, app: &App, now: Duration) -> Option<Duration> {
        let mut due = Vec::new();
        let mut next = None::<Duration>;
        {
            let jobs = app.jobs();
            for (index, job) in jobs.all().iter().enumerate() {
                if index >= self.handled.len() {
                    self.handled.push(0);
                    self.finished.push(false);
                }
                if self.finished[index] {
                    continue;
                }
                let changes = job.transitions();
                for (order, (at, status)) in changes.iter().enumerate().skip(self.handled[index]) {
                    if *at > now {
                        next = Some(next.map_or(*at, |n| n.min(*at)));
                        break;
                    }
                    due.push(Change {
                        at: *at,
                        job: index,
                        order,
                        entry: entry(app, &jobs, job, *at, *status),
                    });
                    self.handled[index] = order + 1;
                }
                self.finished[index] = self.handled[index] == changes.len();
            }
        }
        due.sort_by_key(|change| (change.at, change.job, change.order));
        app.events
            .counters
            .add(EventCount::StateChange, due.len() as u64);
        for change in due {
            self.admit(app, change);
        }
        next
    }

    /// Applies the event faults to one change.
    fn admit(&mut self, app: &App, change: Change) {
        let counters = &app.events.counters;
        let mut send_at = change.at;
        match app.events.faults.decide() {
            Some(EventFaultKind::Drop) => {
                counters.add(EventCount::Dropped, 1);
                debug!(job = change.job, "event dropped (injected)");
                return;
            }
            Some(EventFaultKind::Duplicate) => {
                counters.add(EventCount::Duplicated, 1);
                self.push(send_at, change.entry.clone());
            }
            Some(EventFaultKind::Delay(by)) => {
                counters.add(EventCount::Delayed, 1);
                send_at = send_at.saturating_add(by);
            }
            None => {}
        }
        self.push(send_at, change.entry);
    }

    fn push(&mut self, send_at: Duration, entry: PutEventsRequestEntry) {
        self.seq += 1;
        self.outbox.push(Reverse(Pending {
            send_at,
            seq: self.seq,
            entry,
        }));
    }

    /// The entries due by `now`, in order.
    fn take_due(&mut self, now: Duration) -> Vec<PutEventsRequestEntry> {
        let mut due = Vec::new();
        while self
            .outbox
            .peek()
            .is_some_and(|Reverse(pending)| pending.send_at <= now)
        {
            if let Some(Reverse(pending)) = self.outbox.pop() {
                due.push(pending.entry);
            }
        }
        due
    }

    fn next_send(&self) -> Option<Duration> {
        self.outbox.peek().map(|Reverse(pending)| pending.send_at)
    }
}

/// The event Batch sends for a job that reached `status` at server time `at`: its
/// `detail` is the job's `DescribeJobs` document at that moment, serialized as
/// `DescribeJobs` serializes it.
fn entry(
    app: &App,
    jobs: &crate::jobs::JobStore,
    job: &crate::jobs::Job,
    at: Duration,
    status: JobStatus,
) -> PutEventsRequestEntry {
    let detail = jobs.detail(job, at, &app.clock);
    debug!(job_id = %job.id, status = status.name(), "job state change");
    let seconds = app.clock.epoch_millis(at).div_euclid(1000);
    PutEventsRequestEntry::builder()
        .source(EVENT_SOURCE)
        .detail_type(EVENT_DETAIL_TYPE)
        .resources(job.arn.clone())
        .time(DateTime::from_secs(seconds))
        .detail(detail.to_string())
        .build()
}

/// Publishes every job status change until `shutdown` fires (or its sender is dropped).
pub(crate) async fn run(
    app: Arc<App>,
    publisher: EventPublisher,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut tracker = Tracker::default();
    loop {
        let now = app.clock.now();
        let next_change = tracker.collect(&app, now);
        let due = tracker.take_due(now);
        let mut due = due.into_iter().peekable();
        while due.peek().is_some() {
            let batch: Vec<_> = due.by_ref().take(MAX_ENTRIES_PER_CALL).collect();
            tokio::select! {
                biased;
                _ = &mut shutdown => return,
                () = publisher.send(&app, batch) => {}
            }
        }
        let wake_at = match (next_change, tracker.next_send()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let sleep = async {
            match wake_at {
                Some(at) => tokio::time::sleep(at.saturating_sub(app.clock.now())).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = &mut shutdown => return,
            () = app.clock.advanced() => {}
            () = app.events.changed() => {}
            () = sleep => {}
        }
    }
}

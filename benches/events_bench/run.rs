//! One mode of the benchmark: a fresh local endpoint, the N jobs, N concurrent waits.

use std::time::{Duration, Instant};

use aws_sdk_batch::Client;
use tokio::task::JoinSet;
use waiters_local::{EventCounters, LocalBatch};
use waiters_runtime::JobPoller;
use waiters_runtime::events::{EventSource, EventStats};
use waiters_runtime::poller::DEFAULT_TOLERANCE;
use waiters_runtime::poller::PollerStats;

use crate::jobs::{self, EpochClock, Schedule, WaitRecord};
use crate::moto;
use crate::tap::{Tap, Wire};

/// Time for the submissions and the spawning of the waits before the jobs' schedules
/// and the waits start together.
fn hold(jobs: usize) -> Duration {
    Duration::from_secs(1)
        + Duration::from_millis(4).saturating_mul(u32::try_from(jobs).unwrap_or(u32::MAX))
}

/// Who learns of the jobs' changes, and how.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Mode {
    /// Every wait its own DescribeJobs calls.
    PerJob,
    /// Every wait through one `JobPoller`.
    Poller,
    /// Every wait through one `JobPoller` fed by an `EventSource`, reconciling at this
    /// interval (at the run's scale).
    Events { reconcile: Duration },
}

/// What the whole benchmark runs with.
#[derive(Clone, Debug)]
pub(crate) struct Setup {
    pub(crate) jobs: usize,
    pub(crate) scale: f64,
    pub(crate) seed: u64,
    pub(crate) moto: Option<String>,
}

impl Setup {
    pub(crate) fn schedules(&self) -> Vec<Schedule> {
        (0..self.jobs)
            .map(|index| Schedule::draw(self.seed, index, self.scale))
            .collect()
    }

    /// The poller's tolerance, scaled like every other delay.
    pub(crate) fn tolerance(&self) -> Duration {
        DEFAULT_TOLERANCE.div_f64(self.scale)
    }
}

/// What one mode measured.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) mode: Mode,
    pub(crate) records: Vec<WaitRecord>,
    /// DescribeJobs requests the endpoint received while the waits ran.
    pub(crate) calls: u64,
    /// The wire while the waits ran; `published` and the SQS counts from the event
    /// source's start.
    pub(crate) wire: Wire,
    /// When the waits were started.
    pub(crate) started: Instant,
    /// From the start of the waits to the last one's end.
    pub(crate) wall: Duration,
    pub(crate) poller: Option<PollerStats>,
    pub(crate) source: Option<EventStats>,
    pub(crate) published: Option<EventCounters>,
    /// Why the event source stopped, if it did.
    pub(crate) source_error: Option<String>,
}

/// The waits' deadline: the longest job, two JobComplete sleeps or reconciliation
/// intervals, and a margin; a wait that reaches it has gone wrong.
fn max_wait(setup: &Setup, schedules: &[Schedule], mode: Mode) -> Duration {
    let longest = schedules
        .iter()
        .map(Schedule::total)
        .max()
        .unwrap_or_default();
    let mut sleep = Duration::from_secs(300).div_f64(setup.scale);
    if let Mode::Events { reconcile } = mode {
        sleep = sleep.max(reconcile);
    }
    longest
        .saturating_add(sleep.saturating_mul(2))
        .saturating_add(Duration::from_secs(30))
}

pub(crate) async fn run(setup: &Setup, mode: Mode) -> Result<Outcome, String> {
    let tap = Tap::default();
    let schedules = setup.schedules();
    let events = match mode {
        Mode::Events { reconcile } => {
            let endpoint = setup
                .moto
                .as_deref()
                .ok_or("the events mode needs moto: set MOTO_ENDPOINT or pass --moto URL")?;
            let clients = moto::clients(endpoint, &tap);
            let label = format!("r{}", reconcile.as_millis());
            let queue = moto::create(&clients, &label).await?;
            Some((clients, queue, reconcile))
        }
        _ => None,
    };
    let mut builder = LocalBatch::builder().seed(setup.seed);
    if let Some((clients, _, _)) = &events {
        builder = builder.eventbridge_client(clients.eventbridge.clone());
    }
    let server = builder
        .start()
        .await
        .map_err(|e| format!("the local endpoint: {e}"))?;
    let http = server
        .client_config()
        .build()
        .http_client()
        .ok_or("the local endpoint's client has no HTTP client")?;
    let client = Client::from_conf(server.client_config().http_client(tap.wrap(http)).build());

    let poller = (mode != Mode::PerJob).then(|| {
        JobPoller::builder(&client)
            .tolerance(setup.tolerance())
            .build()
    });
    // The source runs before the jobs exist, so that no event piles up in the queue.
    let task = match (&events, &poller) {
        (Some((clients, queue, reconcile)), Some(poller)) => Some(
            EventSource::new(&clients.sqs, &queue.url, poller)
                .reconcile_every(*reconcile)
                .spawn(),
        ),
        _ => None,
    };

    // The jobs' schedules and the waits start at one instant, after the submissions and
    // the spawning of the waits (which take longer than the scaled phases and delays).
    let started = Instant::now() + hold(setup.jobs);
    let ids = jobs::submit_all(&client, &schedules, started).await?;
    let before = tap.take();
    server.reset_counters();
    let options = jobs::options(
        setup.scale,
        max_wait(setup, &schedules, mode),
        poller.clone(),
    );
    let clock = EpochClock::now();
    let mut waits = JoinSet::new();
    for (id, schedule) in ids.into_iter().zip(&schedules) {
        let wait = jobs::wait_one(client.clone(), id, options.clone(), schedule.failed, clock);
        let late = Instant::now() > started;
        waits.spawn(async move {
            tokio::time::sleep_until(started.into()).await;
            (late, wait.await)
        });
    }
    let mut records = Vec::with_capacity(schedules.len());
    let mut late = 0;
    while let Some(done) = waits.join_next().await {
        let (was_late, record) = done.map_err(|e| format!("a wait task: {e}"))?;
        late += usize::from(was_late);
        records.push(record);
    }
    if late > 0 {
        eprintln!("warning: {late} waits started late: the hold before the start is too short");
    }
    let wall = started.elapsed();
    let calls = server.counters().describe_jobs.requests;
    let source = task.as_ref().map(|task| task.stats());
    let source_error = task
        .as_ref()
        .and_then(|task| task.error())
        .map(|e| e.to_string());
    drop(task);
    let mut wire = tap.take();
    wire.receives += before.receives;
    wire.deletes += before.deletes;
    wire.put_events += before.put_events;
    for (key, at) in before.published {
        wire.published.entry(key).or_insert(at);
    }
    for (key, at) in before.received {
        wire.received.entry(key).or_insert(at);
    }
    wire.receive_times.extend(before.receive_times);
    let published = match &events {
        Some(_) => Some(settled_event_counters(&server).await),
        None => None,
    };
    server.shutdown().await;
    if let Some((clients, queue, _)) = &events {
        moto::remove(clients, queue).await?;
    }
    Ok(Outcome {
        mode,
        records,
        calls,
        wire,
        started,
        wall,
        poller: poller.as_ref().map(JobPoller::stats),
        source,
        published,
        source_error,
    })
}

/// The publisher's counters once its last `PutEvents` is accounted for (the last wait
/// can return on an event before the publisher has counted the answer to its call).
async fn settled_event_counters(server: &LocalBatch) -> EventCounters {
    for _ in 0..50 {
        let counters = server.event_counters();
        if counters.published + counters.failed + counters.dropped >= counters.state_changes {
            return counters;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.event_counters()
}

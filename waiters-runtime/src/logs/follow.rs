//! Following log streams while their jobs run: rounds of reads, each line delivered once.
//!
//! A group with one stream is read with GetLogEvents and its forward token, which is
//! exact: the token is kept until a call succeeds, so a throttled read is repeated, never
//! skipped. A group with several streams is read with FilterLogEvents, up to 100 streams
//! a call (one call per 100 jobs and interval instead of one per job); there each stream
//! keeps the newest timestamp read completely, reads go back [`FollowConfig::lookback`]
//! from it for lines ingested late, and event ids already delivered are skipped.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::Region;

use super::location::LogStream;
use super::read::{self, Outcome};

/// FilterLogEvents takes at most this many stream names.
pub const STREAMS_PER_CALL: usize = 100;

/// How a [`LogFollower`] reads.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FollowConfig {
    /// The interval while lines arrive.
    pub min_interval: Duration,
    /// The longest interval, reached by doubling while streams are quiet or throttled.
    pub max_interval: Duration,
    /// FilterLogEvents reads back this far before the newest line read, for lines that
    /// are ingested late.
    pub lookback: Duration,
    /// A read of a running stream stops after this many pages and goes on next round.
    pub max_pages: usize,
    /// Reads to the end of a finished job's streams, `min_interval` apart, before they
    /// are no longer followed: lines that reach CloudWatch Logs later than that after the
    /// wait learns of the job's end are not read. At least 1.
    pub final_reads: usize,
}

impl Default for FollowConfig {
    fn default() -> Self {
        Self {
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(8),
            lookback: Duration::from_secs(10),
            max_pages: 10,
            final_reads: 2,
        }
    }
}

/// A stream being followed, as [`LogFollower::watch`] numbered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(usize);

/// One line of a followed stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// The stream it is from.
    pub stream: StreamId,
    /// When it was written, in milliseconds since the epoch.
    pub timestamp: i64,
    /// When CloudWatch Logs received it, in milliseconds since the epoch.
    pub ingestion_time: Option<i64>,
    /// The line.
    pub message: String,
}

/// A stream that cannot be read: access denied, a malformed request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{operation} of log stream {stream} in {group} failed: {message}")]
pub struct LogReadError {
    /// The group.
    pub group: String,
    /// The stream.
    pub stream: String,
    /// `GetLogEvents`, `FilterLogEvents` or `DescribeLogStreams`.
    pub operation: &'static str,
    /// What went wrong.
    pub message: String,
}

/// What one round of reads brought.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogRound {
    /// The new lines, in each stream's order.
    pub lines: Vec<LogLine>,
    /// Finished streams read to their end, no longer followed.
    pub finished: Vec<StreamId>,
    /// Streams that cannot be read, no longer followed.
    pub failed: Vec<(StreamId, LogReadError)>,
    /// Calls made.
    pub calls: usize,
    /// Calls throttled or failed transiently (each is made again).
    pub retried: usize,
}

struct Tracked {
    stream: LogStream,
    /// Its job ended: read it to the end once more, then stop.
    finishing: bool,
    /// Reads to the end still to make before stopping, once finishing.
    final_reads: usize,
    /// `None` until the stream is first read.
    state: Option<ReadState>,
}

enum ReadState {
    Forward { token: Option<String> },
    Filter(FilterState),
}

#[derive(Default)]
struct FilterState {
    /// The newest timestamp up to which the stream has been read completely.
    mark: Option<i64>,
    /// Event ids delivered, with their timestamps, back to `mark - lookback`.
    seen: HashMap<String, i64>,
    /// A FilterLogEvents named it and the stream was missing: it rejoins once
    /// DescribeLogStreams finds it.
    missing: bool,
}

/// Follows log streams, many at once, with an interval that shortens while lines arrive
/// and lengthens while they do not.
///
/// ```no_run
/// # async fn run(logs: aws_sdk_cloudwatchlogs::Client, stream: waiters_runtime::logs::LogStream) {
/// use waiters_runtime::logs::{FollowConfig, LogFollower};
///
/// let mut follower = LogFollower::new(logs, FollowConfig::default());
/// let id = follower.watch(stream);
/// loop {
///     let round = follower.round().await;
///     for line in &round.lines {
///         println!("{}", line.message);
///     }
///     if follower.is_empty() {
///         break;
///     }
///     // ... when the job has ended: follower.finish(id), read once more to the end.
///     # follower.finish(id);
///     tokio::time::sleep(follower.interval()).await;
/// }
/// # }
/// ```
pub struct LogFollower {
    client: Client,
    regional: HashMap<String, Client>,
    config: FollowConfig,
    streams: BTreeMap<StreamId, Tracked>,
    next_id: usize,
    interval: Duration,
    /// The newest timestamp read per (region, group).
    newest: HashMap<(Option<String>, String), i64>,
    /// FilterLogEvents reads that stopped at the page limit or on a throttled page: the
    /// next round goes on with the same request and token.
    resume: Vec<Resume>,
}

/// One FilterLogEvents read: a group's streams (at most 100) from a time.
struct ChunkRead {
    key: (Option<String>, String),
    chunk: Vec<StreamId>,
    start: Option<i64>,
}

/// A FilterLogEvents read to go on with.
struct Resume {
    key: (Option<String>, String),
    chunk: Vec<StreamId>,
    start: Option<i64>,
    token: String,
}

impl std::fmt::Debug for LogFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogFollower")
            .field("config", &self.config)
            .field("streams", &self.streams.len())
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

impl LogFollower {
    /// A follower reading with this client (streams in another region get a copy of it
    /// for that region).
    pub fn new(client: Client, config: FollowConfig) -> Self {
        let interval = config.min_interval;
        Self {
            client,
            regional: HashMap::new(),
            config,
            streams: BTreeMap::new(),
            next_id: 0,
            interval,
            newest: HashMap::new(),
            resume: Vec::new(),
        }
    }

    /// Follows a stream from its first line; reads start with the next round.
    pub fn watch(&mut self, stream: LogStream) -> StreamId {
        let id = StreamId(self.next_id);
        self.next_id += 1;
        self.streams.insert(
            id,
            Tracked {
                stream,
                finishing: false,
                final_reads: 0,
                state: None,
            },
        );
        self.interval = self.config.min_interval;
        id
    }

    /// The stream's job has ended: the next round reads it to its end (and
    /// [`FollowConfig::final_reads`] rounds in all, `min_interval` apart, for lines that
    /// reach CloudWatch Logs late), then it is no longer followed (it is in
    /// [`LogRound::finished`]).
    pub fn finish(&mut self, id: StreamId) {
        if let Some(tracked) = self.streams.get_mut(&id) {
            tracked.finishing = true;
            tracked.final_reads = self.config.final_reads.max(1);
            self.interval = Duration::ZERO;
        }
    }

    /// The stream of an id still followed.
    pub fn stream(&self, id: StreamId) -> Option<&LogStream> {
        self.streams.get(&id).map(|t| &t.stream)
    }

    /// Whether no stream is followed any more.
    pub fn is_empty(&self) -> bool {
        self.streams.is_empty()
    }

    /// How long to wait before the next round: [`FollowConfig::min_interval`] after a
    /// round with lines, doubling up to [`FollowConfig::max_interval`] after quiet or
    /// throttled ones, none when a stream has finished or a read stopped at the page limit.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// One round: every stream read from where it stopped, up to the newest line.
    pub async fn round(&mut self) -> LogRound {
        let mut round = LogRound::default();
        self.assign_modes();
        let mut more = false;
        let forward: Vec<StreamId> = self.ids(|state| matches!(state, ReadState::Forward { .. }));
        for id in forward {
            more |= self.read_forward(id, &mut round).await;
        }
        let mut resumed = std::collections::HashSet::new();
        for resume in std::mem::take(&mut self.resume) {
            // A chunk that lost a stream is read afresh: the token belongs to its names.
            if resume.chunk.iter().all(|id| self.streams.contains_key(id)) {
                resumed.extend(resume.chunk.iter().copied());
                let client = self.client_for(resume.key.0.as_deref());
                let read = ChunkRead {
                    key: resume.key,
                    chunk: resume.chunk,
                    start: resume.start,
                };
                more |= self
                    .read_chunk(&client, read, Some(resume.token), &mut round)
                    .await;
            }
        }
        let lookback = i64::try_from(self.config.lookback.as_millis()).unwrap_or(i64::MAX);
        for (key, ids) in self.filter_groups() {
            let client = self.client_for(key.0.as_deref());
            let (joined, missing): (Vec<_>, Vec<_>) = ids
                .into_iter()
                .filter(|id| !resumed.contains(id))
                .partition(|id| !self.is_missing(*id));
            self.verify(&client, &key.1, &missing, &mut round).await;
            for chunk in joined.chunks(STREAMS_PER_CALL) {
                let start = self.chunk_start(chunk, lookback);
                let read = ChunkRead {
                    key: key.clone(),
                    chunk: chunk.to_vec(),
                    start,
                };
                more |= self.read_chunk(&client, read, None, &mut round).await;
            }
        }
        self.adapt(&round, more);
        round
    }

    fn adapt(&mut self, round: &LogRound, more: bool) {
        let first_final_read = self
            .streams
            .values()
            .any(|t| t.finishing && t.final_reads == self.config.final_reads.max(1));
        let finishing = self.streams.values().any(|t| t.finishing);
        self.interval = if round.retried == 0 && (more || first_final_read) {
            Duration::ZERO
        } else if round.retried == 0 && (finishing || !round.lines.is_empty()) {
            self.config.min_interval
        } else {
            (self.interval * 2).clamp(self.config.min_interval, self.config.max_interval)
        };
    }

    /// A stream is read with FilterLogEvents when its group has several streams followed
    /// when it is first read, with GetLogEvents otherwise; it keeps its way.
    fn assign_modes(&mut self) {
        let mut per_group: HashMap<(Option<String>, String), usize> = HashMap::new();
        for tracked in self.streams.values() {
            *per_group.entry(group_key(&tracked.stream)).or_default() += 1;
        }
        for tracked in self.streams.values_mut().filter(|t| t.state.is_none()) {
            tracked.state = Some(if per_group[&group_key(&tracked.stream)] > 1 {
                ReadState::Filter(FilterState::default())
            } else {
                ReadState::Forward { token: None }
            });
        }
    }

    fn ids(&self, which: impl Fn(&ReadState) -> bool) -> Vec<StreamId> {
        self.streams
            .iter()
            .filter(|(_, t)| t.state.as_ref().is_some_and(&which))
            .map(|(id, _)| *id)
            .collect()
    }

    fn filter_groups(&self) -> BTreeMap<(Option<String>, String), Vec<StreamId>> {
        let mut groups: BTreeMap<_, Vec<StreamId>> = BTreeMap::new();
        for id in self.ids(|state| matches!(state, ReadState::Filter(_))) {
            groups
                .entry(group_key(&self.streams[&id].stream))
                .or_default()
                .push(id);
        }
        groups
    }

    fn is_missing(&self, id: StreamId) -> bool {
        matches!(&self.streams[&id].state, Some(ReadState::Filter(f)) if f.missing)
    }

    fn client_for(&mut self, region: Option<&str>) -> Client {
        let own = self.client.config().region().map(|r| r.as_ref());
        match region {
            Some(region) if Some(region) != own => self
                .regional
                .entry(region.to_owned())
                .or_insert_with(|| {
                    let config = self
                        .client
                        .config()
                        .to_builder()
                        .region(Region::new(region.to_owned()));
                    Client::from_conf(config.build())
                })
                .clone(),
            _ => self.client.clone(),
        }
    }

    /// Reads one stream with GetLogEvents until the token stops moving; whether it
    /// stopped at the page limit with more to read.
    async fn read_forward(&mut self, id: StreamId, round: &mut LogRound) -> bool {
        let tracked = &self.streams[&id];
        let (group, name, finishing) = (
            tracked.stream.group.clone(),
            tracked.stream.stream.clone(),
            tracked.finishing,
        );
        let client = self.client_for(tracked.stream.region.clone().as_deref());
        let max_pages = if finishing {
            usize::MAX
        } else {
            self.config.max_pages
        };
        for _ in 0..max_pages {
            let Some(Tracked {
                state: Some(ReadState::Forward { token }),
                ..
            }) = self.streams.get_mut(&id)
            else {
                return false;
            };
            round.calls += 1;
            match read::forward(&client, &group, &name, token.as_deref()).await {
                Outcome::Done(page) => {
                    let caught_up = page.next.is_none() || page.next == *token;
                    *token = page.next.or(token.take());
                    round
                        .lines
                        .extend(page.events.into_iter().map(|e| line(id, e)));
                    if caught_up {
                        return self.finish_read(id, round);
                    }
                }
                // Not created yet; a finished job's stream that never came is done.
                Outcome::NotFound => return self.finish_read(id, round),
                Outcome::Retry => {
                    round.retried += 1;
                    return false;
                }
                Outcome::Fatal(message) => {
                    self.fail(id, "GetLogEvents", message, round);
                    return false;
                }
            }
        }
        true
    }

    /// A stream read to its current end: a finishing one is done after its last final
    /// read.
    fn finish_read(&mut self, id: StreamId, round: &mut LogRound) -> bool {
        if let Some(tracked) = self.streams.get_mut(&id).filter(|t| t.finishing) {
            tracked.final_reads = tracked.final_reads.saturating_sub(1);
            if tracked.final_reads == 0 {
                self.streams.remove(&id);
                round.finished.push(id);
            }
        }
        false
    }

    fn fail(
        &mut self,
        id: StreamId,
        operation: &'static str,
        message: String,
        round: &mut LogRound,
    ) {
        if let Some(tracked) = self.streams.remove(&id) {
            let LogStream { group, stream, .. } = tracked.stream;
            round.failed.push((
                id,
                LogReadError {
                    group,
                    stream,
                    operation,
                    message,
                },
            ));
        }
    }

    /// Streams a FilterLogEvents found missing: each rejoins once DescribeLogStreams finds
    /// it; a finishing one that still does not exist is done. At most `max_pages` calls.
    async fn verify(
        &mut self,
        client: &Client,
        group: &str,
        missing: &[StreamId],
        round: &mut LogRound,
    ) {
        for &id in missing.iter().take(self.config.max_pages) {
            let name = self.streams[&id].stream.stream.clone();
            round.calls += 1;
            match read::exists(client, group, &name).await {
                Outcome::Done(true) => {
                    if let Some(Tracked {
                        state: Some(ReadState::Filter(f)),
                        ..
                    }) = self.streams.get_mut(&id)
                    {
                        f.missing = false;
                    }
                }
                Outcome::Done(false) | Outcome::NotFound => {
                    self.finish_read(id, round);
                }
                Outcome::Retry => round.retried += 1,
                Outcome::Fatal(message) => self.fail(id, "DescribeLogStreams", message, round),
            }
        }
    }

    /// Reads up to 100 streams of a group with FilterLogEvents, from `token` when going
    /// on with an earlier read; whether it stopped at the page limit with more to read.
    async fn read_chunk(
        &mut self,
        client: &Client,
        read: ChunkRead,
        mut token: Option<String>,
        round: &mut LogRound,
    ) -> bool {
        let lookback = i64::try_from(self.config.lookback.as_millis()).unwrap_or(i64::MAX);
        let by_name: HashMap<String, StreamId> = read
            .chunk
            .iter()
            .map(|id| (self.streams[id].stream.stream.clone(), *id))
            .collect();
        let names: Vec<String> = read
            .chunk
            .iter()
            .map(|id| self.streams[id].stream.stream.clone())
            .collect();
        let finishing = read.chunk.iter().any(|id| self.streams[id].finishing);
        let max_pages = if finishing {
            usize::MAX
        } else {
            self.config.max_pages
        };
        for _ in 0..max_pages {
            round.calls += 1;
            match read::filter(client, &read.key.1, &names, read.start, token.as_deref()).await {
                Outcome::Done(page) => {
                    self.deliver(&read.key, &by_name, page.events, round);
                    token = page.next;
                    if token.is_none() {
                        self.chunk_read(&read.key, &read.chunk, lookback, round);
                        return false;
                    }
                }
                Outcome::NotFound => {
                    self.mark_missing(&read.chunk);
                    return false;
                }
                Outcome::Retry => {
                    round.retried += 1;
                    // The same page is asked for again next round.
                    self.resume_later(read, token);
                    return false;
                }
                Outcome::Fatal(message) => {
                    for &id in &read.chunk {
                        self.fail(id, "FilterLogEvents", message.clone(), round);
                    }
                    return false;
                }
            }
        }
        self.resume_later(read, token);
        true
    }

    fn resume_later(&mut self, read: ChunkRead, token: Option<String>) {
        if let Some(token) = token {
            self.resume.push(Resume {
                key: read.key,
                chunk: read.chunk,
                start: read.start,
                token,
            });
        }
    }

    /// Where a chunk's read starts: `lookback` before the oldest stream's mark, from the
    /// beginning when a stream has none.
    fn chunk_start(&self, chunk: &[StreamId], lookback: i64) -> Option<i64> {
        chunk
            .iter()
            .map(|id| match &self.streams[id].state {
                Some(ReadState::Filter(f)) => f.mark.map(|m| m.saturating_sub(lookback).max(0)),
                _ => None,
            })
            .try_fold(i64::MAX, |start, mark| mark.map(|m| start.min(m)))
    }

    fn deliver(
        &mut self,
        key: &(Option<String>, String),
        by_name: &HashMap<String, StreamId>,
        events: Vec<read::Event>,
        round: &mut LogRound,
    ) {
        let lookback = i64::try_from(self.config.lookback.as_millis()).unwrap_or(i64::MAX);
        for event in events {
            let Some(&id) = event.stream.as_ref().and_then(|s| by_name.get(s)) else {
                continue;
            };
            let Some(Tracked {
                state: Some(ReadState::Filter(f)),
                ..
            }) = self.streams.get_mut(&id)
            else {
                continue;
            };
            // Read before and its id forgotten (a chunk with a stream read less far starts
            // earlier).
            if f.mark
                .is_some_and(|mark| event.timestamp < mark.saturating_sub(lookback))
            {
                continue;
            }
            // Without an id (not CloudWatch Logs' behaviour) the timestamp and text stand in.
            let event_id = event
                .id
                .clone()
                .unwrap_or_else(|| format!("{}:{}", event.timestamp, event.message));
            if f.seen.insert(event_id, event.timestamp).is_some() {
                continue;
            }
            let newest = self.newest.entry(key.clone()).or_insert(event.timestamp);
            *newest = (*newest).max(event.timestamp);
            round.lines.push(line(id, event));
        }
    }

    /// Every stream of a chunk read to the end: marks move up to the group's newest line,
    /// ids older than the look-back are forgotten, finishing streams are done.
    fn chunk_read(
        &mut self,
        key: &(Option<String>, String),
        chunk: &[StreamId],
        lookback: i64,
        round: &mut LogRound,
    ) {
        let newest = self.newest.get(key).copied();
        for &id in chunk {
            if let Some(Tracked {
                state: Some(ReadState::Filter(f)),
                ..
            }) = self.streams.get_mut(&id)
            {
                f.mark = f.mark.max(newest);
                if let Some(mark) = f.mark {
                    let from = mark.saturating_sub(lookback);
                    f.seen.retain(|_, timestamp| *timestamp >= from);
                }
            }
            self.finish_read(id, round);
        }
    }

    /// A FilterLogEvents answered that a stream is missing: the streams never read are
    /// checked one by one (all of them when every stream has been read before: one was
    /// deleted).
    fn mark_missing(&mut self, chunk: &[StreamId]) {
        let never_read = |f: &FilterState| f.seen.is_empty() && f.mark.is_none();
        let any_never_read = chunk.iter().any(
            |id| matches!(&self.streams[id].state, Some(ReadState::Filter(f)) if never_read(f)),
        );
        for id in chunk {
            if let Some(Tracked {
                state: Some(ReadState::Filter(f)),
                ..
            }) = self.streams.get_mut(id)
            {
                f.missing = !any_never_read || never_read(f);
            }
        }
    }
}

fn group_key(stream: &LogStream) -> (Option<String>, String) {
    (stream.region.clone(), stream.group.clone())
}

fn line(stream: StreamId, event: read::Event) -> LogLine {
    LogLine {
        stream,
        timestamp: event.timestamp,
        ingestion_time: event.ingestion_time,
        message: event.message,
    }
}

/// The last `count` lines of a stream (at most 10,000), oldest first: what a job printed
/// before it ended. A stream that does not exist has none; a throttled or failed call is
/// retried up to three times, `backoff` apart, doubling.
pub async fn last_lines(
    client: &Client,
    stream: &LogStream,
    count: usize,
    backoff: Duration,
) -> Result<Vec<String>, LogReadError> {
    let limit = i32::try_from(count.clamp(1, 10_000)).unwrap_or(10_000);
    let client = match &stream.region {
        Some(region) if client.config().region().map(|r| r.as_ref()) != Some(region.as_str()) => {
            Client::from_conf(
                client
                    .config()
                    .to_builder()
                    .region(Region::new(region.clone()))
                    .build(),
            )
        }
        _ => client.clone(),
    };
    let mut delay = backoff;
    let mut last_error = String::new();
    for _ in 0..4 {
        match read::newest(&client, &stream.group, &stream.stream, limit).await {
            Outcome::Done(events) => return Ok(events.into_iter().map(|e| e.message).collect()),
            Outcome::NotFound => return Ok(Vec::new()),
            Outcome::Retry => last_error = "throttled or unavailable, four times".to_owned(),
            Outcome::Fatal(message) => {
                last_error = message;
                break;
            }
        }
        tokio::time::sleep(delay).await;
        delay *= 2;
    }
    Err(LogReadError {
        group: stream.group.clone(),
        stream: stream.stream.clone(),
        operation: "GetLogEvents",
        message: last_error,
    })
}

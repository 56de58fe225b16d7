//! The three Logs operations over the jobs' streams at one moment.

use std::time::Duration;

use serde_json::{Value, json};

use super::{GROUP, LogsError};
use crate::clock::ServerClock;
use crate::jobs::{JobStore, StreamView};

/// GetLogEvents and FilterLogEvents return at most this many events a page.
const MAX_EVENTS: usize = 10_000;
/// FilterLogEvents takes at most this many stream names.
const MAX_STREAM_NAMES: usize = 100;
/// DescribeLogStreams returns at most this many streams a page.
const MAX_STREAMS: usize = 50;

fn group(body: &Value) -> Result<(), LogsError> {
    let group = body["logGroupName"]
        .as_str()
        .or_else(|| body["logGroupIdentifier"].as_str());
    match group {
        Some(GROUP) => Ok(()),
        Some(other) => Err(LogsError::not_found(format!(
            "The specified log group does not exist: {other}"
        ))),
        None => Err(LogsError::invalid("logGroupName is required")),
    }
}

fn limit(body: &Value, max: usize) -> Result<usize, LogsError> {
    match body["limit"].as_i64() {
        None => Ok(max),
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        Some(n) => Err(LogsError::invalid(format!(
            "limit {n} is not between 1 and {max}"
        ))),
    }
}

fn streams(jobs: &JobStore, now: Duration) -> impl Iterator<Item = StreamView> + '_ {
    jobs.all_visible(now)
        .filter_map(move |job| job.log_stream(now))
}

fn stream_not_found() -> LogsError {
    LogsError::not_found("The specified log stream does not exist.")
}

/// One stream's events, `f/<index>` and `b/<index>` tokens, from the head with
/// `startFromHead`, else the newest page.
pub(super) fn get_log_events(
    jobs: &JobStore,
    clock: &ServerClock,
    now: Duration,
    body: &Value,
) -> Result<Value, LogsError> {
    group(body)?;
    let name = body["logStreamName"]
        .as_str()
        .ok_or_else(|| LogsError::invalid("logStreamName is required"))?;
    let limit = limit(body, MAX_EVENTS)?;
    let stream = streams(jobs, now)
        .find(|s| s.name == name)
        .ok_or_else(stream_not_found)?;
    let events = in_time_range(clock, &stream, body);
    let (from, to) = match body["nextToken"].as_str() {
        Some(token) => {
            let bad = || LogsError::invalid(format!("The specified nextToken is invalid: {token}"));
            let (direction, index) = token.split_once('/').ok_or_else(bad)?;
            let index: usize = index.parse().map_err(|_| bad())?;
            let index = index.min(events.len());
            match direction {
                "f" => (index, (index + limit).min(events.len())),
                "b" => (index.saturating_sub(limit), index),
                _ => return Err(bad()),
            }
        }
        None if body["startFromHead"].as_bool() == Some(true) => (0, limit.min(events.len())),
        None => (events.len().saturating_sub(limit), events.len()),
    };
    Ok(json!({
        "events": events[from..to].iter().map(|e| e.json(false)).collect::<Vec<_>>(),
        "nextForwardToken": format!("f/{to}"),
        "nextBackwardToken": format!("b/{from}"),
    }))
}

/// One event on the wire.
struct Event<'a> {
    stream: &'a str,
    id: String,
    timestamp: i64,
    ingestion_time: i64,
    message: &'a str,
}

impl Event<'_> {
    fn json(&self, filtered: bool) -> Value {
        let mut event = json!({ "timestamp": self.timestamp, "message": self.message, "ingestionTime": self.ingestion_time });
        if filtered {
            event["logStreamName"] = json!(self.stream);
            event["eventId"] = json!(self.id);
        }
        event
    }
}

/// A stream's events within `startTime`..`endTime` (milliseconds, end exclusive).
fn in_time_range<'a>(clock: &ServerClock, stream: &'a StreamView, body: &Value) -> Vec<Event<'a>> {
    let start = body["startTime"].as_i64().unwrap_or(i64::MIN);
    let end = body["endTime"].as_i64().unwrap_or(i64::MAX);
    stream
        .lines
        .iter()
        .enumerate()
        .map(|(index, (at, received, message))| {
            let timestamp = clock.epoch_millis(*at);
            Event {
                stream: &stream.name,
                // Fixed width, the timestamp first: ids sort in time order.
                id: format!("{timestamp:020}{:010}{index:08}", stream.seq),
                timestamp,
                ingestion_time: clock.epoch_millis(*received),
                message,
            }
        })
        .filter(|e| start <= e.timestamp && e.timestamp < end)
        .collect()
}

/// Events of the named streams (or those with a prefix, or all) by time; the token is the
/// last event id returned. A named stream that does not exist is an error.
pub(super) fn filter_log_events(
    jobs: &JobStore,
    clock: &ServerClock,
    now: Duration,
    body: &Value,
) -> Result<Value, LogsError> {
    group(body)?;
    let limit = limit(body, MAX_EVENTS)?;
    let names: Option<Vec<&str>> = body["logStreamNames"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect());
    let prefix = body["logStreamNamePrefix"].as_str();
    if names.is_some() && prefix.is_some() {
        return Err(LogsError::invalid(
            "logStreamNames and logStreamNamePrefix cannot both be given",
        ));
    }
    if names
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.len() > MAX_STREAM_NAMES)
    {
        return Err(LogsError::invalid(format!(
            "logStreamNames takes 1 to {MAX_STREAM_NAMES} names"
        )));
    }
    let chosen: Vec<StreamView> = streams(jobs, now)
        .filter(|s| match (&names, prefix) {
            (Some(names), _) => names.contains(&s.name.as_str()),
            (None, Some(prefix)) => s.name.starts_with(prefix),
            (None, None) => true,
        })
        .collect();
    if let Some(names) = &names
        && names
            .iter()
            .any(|name| !chosen.iter().any(|s| s.name == *name))
    {
        return Err(stream_not_found());
    }
    let after = body["nextToken"].as_str().unwrap_or_default();
    let mut events: Vec<Event<'_>> = chosen
        .iter()
        .flat_map(|s| in_time_range(clock, s, body))
        .filter(|e| e.id.as_str() > after)
        .collect();
    events.sort_by(|a, b| a.id.cmp(&b.id));
    let more = events.len() > limit;
    events.truncate(limit);
    let mut answer = json!({
        "events": events.iter().map(|e| e.json(true)).collect::<Vec<_>>(),
        "searchedLogStreams": chosen.iter().map(|s| json!({ "logStreamName": s.name, "searchedCompletely": true })).collect::<Vec<_>>(),
    });
    if more && let Some(last) = events.last() {
        answer["nextToken"] = json!(last.id);
    }
    Ok(answer)
}

/// The streams, by name (or by last event time with `orderBy: LastEventTime`), 50 a page.
pub(super) fn describe_log_streams(
    jobs: &JobStore,
    clock: &ServerClock,
    now: Duration,
    body: &Value,
) -> Result<Value, LogsError> {
    group(body)?;
    let limit = limit(body, MAX_STREAMS)?;
    let prefix = body["logStreamNamePrefix"].as_str().unwrap_or_default();
    let by_time = body["orderBy"].as_str() == Some("LastEventTime");
    if by_time && !prefix.is_empty() {
        return Err(LogsError::invalid(
            "logStreamNamePrefix cannot be given with orderBy LastEventTime",
        ));
    }
    let mut chosen: Vec<StreamView> = streams(jobs, now)
        .filter(|s| s.name.starts_with(prefix))
        .collect();
    if by_time {
        chosen.sort_by_key(|s| s.lines.last().map(|l| l.0));
    } else {
        chosen.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if body["descending"].as_bool() == Some(true) {
        chosen.reverse();
    }
    let from: usize = match body["nextToken"].as_str() {
        Some(token) => token.parse().map_err(|_| {
            LogsError::invalid(format!("The specified nextToken is invalid: {token}"))
        })?,
        None => 0,
    };
    let page: Vec<Value> = chosen
        .iter()
        .skip(from)
        .take(limit)
        .map(|s| stream_json(clock, s))
        .collect();
    let mut answer = json!({ "logStreams": page });
    if from + limit < chosen.len() {
        answer["nextToken"] = json!((from + limit).to_string());
    }
    Ok(answer)
}

fn stream_json(clock: &ServerClock, stream: &StreamView) -> Value {
    let mut json = json!({
        "logStreamName": stream.name,
        "creationTime": clock.epoch_millis(stream.created),
        "arn": format!("arn:aws:logs:local:000000000000:log-group:{GROUP}:log-stream:{}", stream.name),
        "storedBytes": 0,
    });
    if let (Some(first), Some(last)) = (stream.lines.first(), stream.lines.last()) {
        json["firstEventTimestamp"] = json!(clock.epoch_millis(first.0));
        json["lastEventTimestamp"] = json!(clock.epoch_millis(last.0));
        json["lastIngestionTime"] = json!(clock.epoch_millis(last.1));
    }
    json
}

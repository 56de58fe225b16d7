//! Following logs against a scripted CloudWatch Logs (the real SDK client over a fake HTTP
//! connector) on tokio's paused clock: every line arrives once, in order, also when 30% of
//! the calls are throttled, and a job's last line arrives when it fails right after it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::config::{Credentials, Region};
use aws_sdk_cloudwatchlogs::{Client, Config};
use aws_smithy_http_client::test_util::infallible_client_fn;
use serde_json::{Value, json};
use tokio::time::Instant;
use waiters_runtime::logs::{FollowConfig, LogFollower, LogStream, StreamId};

/// Milliseconds since the epoch at the fake's start.
const EPOCH_MS: i64 = 1_780_000_000_000;

#[derive(Clone)]
struct Line {
    /// Written at (since the start).
    at: Duration,
    /// Visible to reads from (since the start): ingestion can lag.
    visible: Duration,
    message: String,
}

#[derive(Default)]
struct Fake {
    start: Option<Instant>,
    /// Streams by (group, name), each with the time it is created.
    streams: BTreeMap<(String, String), (Duration, Vec<Line>)>,
    /// Share of calls throttled, in percent, drawn from a fixed sequence.
    throttle_percent: u64,
    seed: u64,
    /// (operation, number of streams named) per call, with its time.
    calls: Vec<(Duration, String, usize)>,
    /// Requests' hosts, for the region.
    hosts: Vec<String>,
    deny: bool,
    /// FilterLogEvents events a page (CloudWatch Logs: up to 10,000; 50 unless set, to
    /// make pages).
    filter_page: usize,
    /// Calls answered with ThrottlingException.
    throttled: usize,
}

#[derive(Clone, Default)]
struct FakeLogs(Arc<Mutex<Fake>>);

impl FakeLogs {
    fn new(throttle_percent: u64) -> Self {
        let fake = Self::default();
        let mut inner = fake.0.lock().unwrap();
        inner.start = Some(Instant::now());
        inner.throttle_percent = throttle_percent;
        inner.filter_page = 50;
        inner.seed = 0x2545_f491_4f6c_dd1d;
        drop(inner);
        fake
    }

    fn stream(&self, group: &str, name: &str, created: Duration, lines: Vec<Line>) {
        let key = (group.to_owned(), name.to_owned());
        self.0.lock().unwrap().streams.insert(key, (created, lines));
    }

    fn client(&self) -> Client {
        let fake = self.clone();
        let http = infallible_client_fn(move |request: http::Request<_>| fake.answer(request));
        Client::from_conf(
            Config::builder()
                .behavior_version_latest()
                .credentials_provider(Credentials::for_tests())
                .region(Region::new("us-east-1"))
                .retry_config(RetryConfig::disabled())
                .http_client(http)
                .build(),
        )
    }

    fn answer(
        &self,
        request: http::Request<aws_smithy_types::body::SdkBody>,
    ) -> http::Response<String> {
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim_start_matches("Logs_20140328.")
            .to_owned();
        let body: Value = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let mut fake = self.0.lock().unwrap();
        let now = Instant::now() - fake.start.unwrap();
        let named = body["logStreamNames"].as_array().map_or(1, Vec::len);
        fake.calls.push((now, target.clone(), named));
        fake.hosts
            .push(request.uri().host().unwrap_or_default().to_owned());
        // xorshift: a fixed sequence, so a failure replays.
        fake.seed ^= fake.seed << 13;
        fake.seed ^= fake.seed >> 7;
        fake.seed ^= fake.seed << 17;
        if fake.seed % 100 < fake.throttle_percent {
            fake.throttled += 1;
            return error("ThrottlingException", "Rate exceeded");
        }
        if fake.deny {
            return error(
                "AccessDeniedException",
                "not authorized to perform: logs:GetLogEvents",
            );
        }
        let answer = match target.as_str() {
            "GetLogEvents" => fake.get(&body, now),
            "FilterLogEvents" => fake.filter(&body, now),
            "DescribeLogStreams" => fake.describe(&body, now),
            other => panic!("unexpected call {other}"),
        };
        match answer {
            Some(body) => http::Response::builder()
                .status(200)
                .body(body.to_string())
                .unwrap(),
            None => error(
                "ResourceNotFoundException",
                "The specified log stream does not exist.",
            ),
        }
    }
}

impl Fake {
    fn lines(&self, group: &str, name: &str, now: Duration) -> Option<Vec<&Line>> {
        let (created, lines) = self.streams.get(&(group.to_owned(), name.to_owned()))?;
        (*created <= now).then(|| lines.iter().filter(|l| l.visible <= now).collect())
    }

    /// GetLogEvents: the stream's visible lines in order, three a page, from the forward
    /// token `f/<index>`; at the end the same token comes back.
    fn get(&self, body: &Value, now: Duration) -> Option<Value> {
        let lines = self.lines(
            body["logGroupName"].as_str()?,
            body["logStreamName"].as_str()?,
            now,
        )?;
        let from: usize = body["nextToken"]
            .as_str()
            .and_then(|t| t.strip_prefix("f/")?.parse().ok())
            .unwrap_or(0);
        let page: Vec<Value> = lines
            .iter()
            .skip(from)
            .take(3)
            .map(|l| event(l, None))
            .collect();
        let next = from + page.len();
        Some(
            json!({ "events": page, "nextForwardToken": format!("f/{next}"), "nextBackwardToken": "b/0" }),
        )
    }

    /// FilterLogEvents: the named streams' visible lines from startTime, by timestamp,
    /// `filter_page` a page; the token is the last event returned. A named stream that does not exist is
    /// an error, as in CloudWatch Logs.
    fn filter(&self, body: &Value, now: Duration) -> Option<Value> {
        let group = body["logGroupName"].as_str()?;
        let start = body["startTime"].as_i64().unwrap_or(0);
        let mut events = Vec::new();
        for name in body["logStreamNames"].as_array()? {
            let name = name.as_str()?;
            for (index, line) in self.lines(group, name, now)?.into_iter().enumerate() {
                let timestamp = EPOCH_MS + line.at.as_millis() as i64;
                if timestamp >= start {
                    events.push((timestamp, format!("{name}/{index:06}"), name, line));
                }
            }
        }
        events.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let after = body["nextToken"].as_str().and_then(|t| t.split_once(' '));
        let after = after.map(|(ts, id)| (ts.parse::<i64>().unwrap(), id.to_owned()));
        let rest: Vec<_> = events
            .iter()
            .filter(|e| after.as_ref().is_none_or(|a| (e.0, &e.1) > (a.0, &a.1)))
            .collect();
        let page: Vec<_> = rest.iter().take(self.filter_page).collect();
        let mut answer = json!({
            "events": page.iter().map(|e| { let mut v = event(e.3, Some(&e.1)); v["logStreamName"] = json!(e.2); v }).collect::<Vec<_>>(),
            "searchedLogStreams": []
        });
        if rest.len() > self.filter_page {
            let last = page.last().unwrap();
            answer["nextToken"] = json!(format!("{} {}", last.0, last.1));
        }
        Some(answer)
    }

    fn describe(&self, body: &Value, now: Duration) -> Option<Value> {
        let group = body["logGroupName"].as_str()?;
        let prefix = body["logStreamNamePrefix"].as_str().unwrap_or_default();
        let streams: Vec<Value> = self
            .streams
            .iter()
            .filter(|((g, name), (created, _))| {
                g == group && name.starts_with(prefix) && *created <= now
            })
            .map(|((_, name), _)| json!({ "logStreamName": name }))
            .collect();
        Some(json!({ "logStreams": streams }))
    }
}

fn event(line: &Line, id: Option<&str>) -> Value {
    let timestamp = EPOCH_MS + line.at.as_millis() as i64;
    let mut event =
        json!({ "timestamp": timestamp, "ingestionTime": timestamp + 5, "message": line.message });
    if let Some(id) = id {
        event["eventId"] = json!(id);
    }
    event
}

fn error(code: &str, message: &str) -> http::Response<String> {
    http::Response::builder()
        .status(400)
        .body(json!({ "__type": code, "message": message }).to_string())
        .unwrap()
}

fn stream(group: &str, name: &str) -> LogStream {
    LogStream {
        group: group.to_owned(),
        stream: name.to_owned(),
        region: None,
    }
}

/// `count` lines from `from`, `every` apart, visible `lag` after they are written.
fn lines(tag: &str, count: usize, from: Duration, every: Duration, lag: Duration) -> Vec<Line> {
    (0..count)
        .map(|k| {
            let at = from + every * k as u32;
            Line {
                at,
                visible: at + lag,
                message: format!("{tag} line {k}"),
            }
        })
        .collect()
}

fn messages(lines: &[Line]) -> Vec<String> {
    lines.iter().map(|l| l.message.clone()).collect()
}

/// Follows the streams, finishing each when its job ends (as a wait would learn it), until
/// every stream is done: the lines each stream delivered, and the calls of every round.
async fn follow(
    fake: &FakeLogs,
    jobs: &[(LogStream, Duration)],
    config: FollowConfig,
) -> (HashMap<String, Vec<String>>, Vec<usize>) {
    let start = Instant::now();
    let mut follower = LogFollower::new(fake.client(), config);
    let ids: Vec<StreamId> = jobs
        .iter()
        .map(|(s, _)| follower.watch(s.clone()))
        .collect();
    let mut finished = vec![false; jobs.len()];
    let mut delivered: HashMap<String, Vec<String>> = HashMap::new();
    let mut calls = Vec::new();
    for _ in 0..100_000 {
        for (index, (_, ends)) in jobs.iter().enumerate() {
            if !finished[index] && start.elapsed() >= *ends {
                finished[index] = true;
                follower.finish(ids[index]);
            }
        }
        let round = follower.round().await;
        assert!(round.failed.is_empty(), "{:?}", round.failed);
        calls.push(round.calls);
        for line in round.lines {
            let name = &jobs[ids.iter().position(|id| *id == line.stream).unwrap()]
                .0
                .stream;
            delivered
                .entry(name.clone())
                .or_default()
                .push(line.message);
        }
        if follower.is_empty() {
            return (delivered, calls);
        }
        tokio::time::sleep(follower.interval().max(Duration::from_millis(10))).await;
    }
    panic!("the follower never finished")
}

#[tokio::test(start_paused = true)]
async fn one_stream_loses_and_repeats_no_line_under_30_percent_throttling() {
    let fake = FakeLogs::new(30);
    // Irregular output: bursts, then quiet, then a line right before the job fails.
    let mut written = lines(
        "job",
        40,
        Duration::from_secs(1),
        Duration::from_millis(150),
        Duration::ZERO,
    );
    written.extend(lines(
        "late",
        20,
        Duration::from_secs(30),
        Duration::from_secs(2),
        Duration::from_millis(300),
    ));
    let last = Duration::from_secs(90);
    written.push(Line {
        at: last,
        visible: last,
        message: "Traceback: out of memory".to_owned(),
    });
    fake.stream(
        "/aws/batch/job",
        "train/default/a",
        Duration::ZERO,
        written.clone(),
    );
    let jobs = [(
        stream("/aws/batch/job", "train/default/a"),
        last + Duration::from_millis(1),
    )];
    let (delivered, _) = follow(&fake, &jobs, FollowConfig::default()).await;
    assert_eq!(delivered["train/default/a"], messages(&written));
    let fake = fake.0.lock().unwrap();
    assert!(
        fake.throttled * 5 > fake.calls.len(),
        "{} of {} throttled",
        fake.throttled,
        fake.calls.len()
    );
}

#[tokio::test(start_paused = true)]
async fn the_last_line_of_a_job_that_fails_right_after_it_arrives() {
    for throttle in [0, 30] {
        let fake = FakeLogs::new(throttle);
        let last = Duration::from_millis(20_003);
        let written = vec![
            Line {
                at: Duration::from_secs(1),
                visible: Duration::from_secs(1),
                message: "start".to_owned(),
            },
            Line {
                at: last,
                visible: last,
                message: "fatal: bad input".to_owned(),
            },
        ];
        fake.stream("/aws/batch/job", "s", Duration::ZERO, written);
        // The wait learns that the job failed 1 ms after the line, before any round saw it.
        let jobs = [(
            stream("/aws/batch/job", "s"),
            last + Duration::from_millis(1),
        )];
        let (delivered, _) = follow(&fake, &jobs, FollowConfig::default()).await;
        assert_eq!(
            delivered["s"],
            ["start", "fatal: bad input"],
            "throttle {throttle}%"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn many_streams_are_read_together_without_loss_under_throttling() {
    let fake = FakeLogs::new(30);
    let mut jobs = Vec::new();
    let mut written = HashMap::new();
    for j in 0..250u32 {
        let name = format!("train/default/t{j:03}");
        // Jobs start over 20 s; lines every 700 ms plus a per-job offset; ingestion lags
        // up to 2 s (less than the look-back).
        let from = Duration::from_millis(u64::from(j) * 80);
        let lag = Duration::from_millis(u64::from(j % 5) * 500);
        let job_lines = lines(
            &name,
            30 + (j as usize % 7),
            from,
            Duration::from_millis(700 + u64::from(j % 3)),
            lag,
        );
        let ends = job_lines.last().unwrap().visible + Duration::from_millis(1);
        fake.stream("/aws/batch/job", &name, from, job_lines.clone());
        written.insert(name.clone(), messages(&job_lines));
        jobs.push((stream("/aws/batch/job", &name), ends));
    }
    let (delivered, _) = follow(&fake, &jobs, FollowConfig::default()).await;
    for (name, lines) in &written {
        assert_eq!(delivered.get(name), Some(lines), "{name}");
    }
    let calls = fake.0.lock().unwrap().calls.clone();
    assert!(
        calls.iter().all(|(_, op, _)| op != "GetLogEvents"),
        "read together, not one by one"
    );
    assert!(calls.iter().all(|(_, _, named)| *named <= 100));
    assert!(fake.0.lock().unwrap().throttled * 5 > calls.len());
}

#[tokio::test(start_paused = true)]
async fn a_round_makes_one_call_per_100_streams_of_a_group() {
    let fake = FakeLogs::new(0);
    fake.0.lock().unwrap().filter_page = 10_000;
    let mut jobs = Vec::new();
    for j in 0..250 {
        let name = format!("s{j}");
        fake.stream(
            "/g",
            &name,
            Duration::ZERO,
            lines(
                &name,
                1,
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::ZERO,
            ),
        );
        jobs.push(stream("/g", &name));
    }
    for j in 0..30 {
        let name = format!("o{j}");
        fake.stream("/other", &name, Duration::ZERO, Vec::new());
        jobs.push(stream("/other", &name));
    }
    let mut follower = LogFollower::new(fake.client(), FollowConfig::default());
    for job in jobs {
        follower.watch(job);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let first = follower.round().await;
    assert_eq!((first.calls, first.lines.len()), (3 + 1, 250));
    // Every round makes ceil(250/100) + ceil(30/100) calls, with lines or without.
    tokio::time::sleep(follower.interval()).await;
    let quiet = follower.round().await;
    assert_eq!((quiet.calls, quiet.lines.len()), (3 + 1, 0));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_appears_late_is_read_from_its_first_line() {
    let fake = FakeLogs::new(0);
    let created = Duration::from_secs(12);
    let written = lines("x", 5, created, Duration::from_millis(100), Duration::ZERO);
    fake.stream("/g", "late", created, written.clone());
    fake.stream("/g", "other", Duration::ZERO, Vec::new());
    let ends = Duration::from_secs(15);
    let single = [(stream("/g", "late"), ends)];
    let (delivered, _) = follow(&fake, &single, FollowConfig::default()).await;
    assert_eq!(delivered["late"], messages(&written));
    // Read together with another stream: FilterLogEvents names a stream that is missing
    // at first, DescribeLogStreams finds it later.
    let fake2 = FakeLogs::new(0);
    fake2.stream("/g", "late", created, written.clone());
    fake2.stream("/g", "other", Duration::ZERO, Vec::new());
    let pair = [(stream("/g", "late"), ends), (stream("/g", "other"), ends)];
    let (delivered, _) = follow(&fake2, &pair, FollowConfig::default()).await;
    assert_eq!(delivered["late"], messages(&written));
    let ops: Vec<String> = fake2
        .0
        .lock()
        .unwrap()
        .calls
        .iter()
        .map(|c| c.1.clone())
        .collect();
    assert!(ops.contains(&"DescribeLogStreams".to_owned()), "{ops:?}");
}

#[tokio::test(start_paused = true)]
async fn the_interval_shortens_while_lines_arrive_and_lengthens_when_quiet() {
    let fake = FakeLogs::new(0);
    fake.stream(
        "/g",
        "s",
        Duration::ZERO,
        lines(
            "s",
            10,
            Duration::ZERO,
            Duration::from_millis(500),
            Duration::ZERO,
        ),
    );
    let config = FollowConfig::default();
    let mut follower = LogFollower::new(fake.client(), config.clone());
    follower.watch(stream("/g", "s"));
    let mut intervals = Vec::new();
    for _ in 0..12 {
        let round = follower.round().await;
        intervals.push((round.lines.len(), follower.interval()));
        tokio::time::sleep(follower.interval()).await;
    }
    // Lines every 500 ms for 5 s: the minimum interval; then doubling up to the maximum.
    assert!(
        intervals[..4]
            .iter()
            .all(|(n, i)| *n > 0 && *i == config.min_interval),
        "{intervals:?}"
    );
    let quiet: Vec<Duration> = intervals
        .iter()
        .skip_while(|(n, _)| *n > 0)
        .map(|(_, i)| *i)
        .collect();
    assert_eq!(&quiet[..4], [2, 4, 8, 8].map(Duration::from_secs));
}

#[tokio::test(start_paused = true)]
async fn a_denied_read_fails_the_stream_with_its_name() {
    let fake = FakeLogs::new(0);
    fake.stream("/g", "s", Duration::ZERO, Vec::new());
    fake.0.lock().unwrap().deny = true;
    let mut follower = LogFollower::new(fake.client(), FollowConfig::default());
    let id = follower.watch(stream("/g", "s"));
    let round = follower.round().await;
    assert_eq!(round.failed.len(), 1);
    assert_eq!(round.failed[0].0, id);
    let text = round.failed[0].1.to_string();
    assert!(
        text.starts_with("GetLogEvents of log stream s in /g failed:"),
        "{text}"
    );
    assert!(text.contains("logs:GetLogEvents"), "{text}");
    assert!(follower.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_stream_in_another_region_is_read_there() {
    let fake = FakeLogs::new(0);
    fake.stream(
        "/g",
        "s",
        Duration::ZERO,
        lines(
            "s",
            2,
            Duration::ZERO,
            Duration::from_millis(1),
            Duration::ZERO,
        ),
    );
    let mut follower = LogFollower::new(fake.client(), FollowConfig::default());
    follower.watch(LogStream {
        region: Some("eu-west-1".to_owned()),
        ..stream("/g", "s")
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(follower.round().await.lines.len(), 2);
    let hosts = fake.0.lock().unwrap().hosts.clone();
    assert!(hosts.iter().all(|h| h.contains("eu-west-1")), "{hosts:?}");
}

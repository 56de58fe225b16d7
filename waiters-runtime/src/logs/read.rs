//! The three CloudWatch Logs calls the follower makes, each answered as what the follower
//! does next: use the page, wait for the stream, retry the same request, or give up.

use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{ErrorClass, OperationError};

/// How a call ended.
pub(super) enum Outcome<T> {
    Done(T),
    /// The group or a stream does not exist (yet).
    NotFound,
    /// Throttled or transient: the same request is made again later.
    Retry,
    /// Anything else (access denied, a malformed request): reading this stream stops.
    Fatal(String),
}

/// One log event, from either read.
pub(super) struct Event {
    pub(super) stream: Option<String>,
    pub(super) id: Option<String>,
    pub(super) timestamp: i64,
    pub(super) ingestion_time: Option<i64>,
    pub(super) message: String,
}

/// A page of events and the token for the next one.
pub(super) struct Page {
    pub(super) events: Vec<Event>,
    pub(super) next: Option<String>,
}

fn outcome<T, E>(
    result: Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
) -> Outcome<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(output) => Outcome::Done(output),
        Err(error) => match error.class() {
            ErrorClass::Service {
                code: Some("ResourceNotFoundException"),
                ..
            } => Outcome::NotFound,
            class if class.is_transient() => Outcome::Retry,
            _ => Outcome::Fatal(error.describe()),
        },
    }
}

/// GetLogEvents from the forward token (from the stream's head without one). The next
/// token is the same as the one sent when the stream has nothing more now.
pub(super) async fn forward(
    client: &Client,
    group: &str,
    stream: &str,
    token: Option<&str>,
) -> Outcome<Page> {
    let request = client
        .get_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .start_from_head(true)
        .set_next_token(token.map(str::to_owned));
    match outcome(request.send().await) {
        Outcome::Done(output) => Outcome::Done(Page {
            events: output
                .events()
                .iter()
                .map(|e| Event {
                    stream: None,
                    id: None,
                    timestamp: e.timestamp().unwrap_or_default(),
                    ingestion_time: e.ingestion_time(),
                    message: e.message().unwrap_or_default().to_owned(),
                })
                .collect(),
            next: output.next_forward_token().map(str::to_owned),
        }),
        Outcome::NotFound => Outcome::NotFound,
        Outcome::Retry => Outcome::Retry,
        Outcome::Fatal(message) => Outcome::Fatal(message),
    }
}

/// FilterLogEvents over up to 100 streams of one group, from `start` (ms since the epoch).
pub(super) async fn filter(
    client: &Client,
    group: &str,
    streams: &[String],
    start: Option<i64>,
    token: Option<&str>,
) -> Outcome<Page> {
    let request = client
        .filter_log_events()
        .log_group_name(group)
        .set_log_stream_names(Some(streams.to_vec()))
        .set_start_time(start)
        .set_next_token(token.map(str::to_owned));
    match outcome(request.send().await) {
        Outcome::Done(output) => Outcome::Done(Page {
            events: output
                .events()
                .iter()
                .map(|e| Event {
                    stream: e.log_stream_name().map(str::to_owned),
                    id: e.event_id().map(str::to_owned),
                    timestamp: e.timestamp().unwrap_or_default(),
                    ingestion_time: e.ingestion_time(),
                    message: e.message().unwrap_or_default().to_owned(),
                })
                .collect(),
            next: output
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        }),
        Outcome::NotFound => Outcome::NotFound,
        Outcome::Retry => Outcome::Retry,
        Outcome::Fatal(message) => Outcome::Fatal(message),
    }
}

/// Whether a stream exists (DescribeLogStreams with its name as the prefix).
pub(super) async fn exists(client: &Client, group: &str, stream: &str) -> Outcome<bool> {
    let request = client
        .describe_log_streams()
        .log_group_name(group)
        .log_stream_name_prefix(stream)
        .limit(1);
    match outcome(request.send().await) {
        Outcome::Done(output) => Outcome::Done(
            output
                .log_streams()
                .iter()
                .any(|s| s.log_stream_name() == Some(stream)),
        ),
        Outcome::NotFound => Outcome::Done(false),
        Outcome::Retry => Outcome::Retry,
        Outcome::Fatal(message) => Outcome::Fatal(message),
    }
}

/// The newest `limit` events of a stream (GetLogEvents from its tail).
pub(super) async fn newest(
    client: &Client,
    group: &str,
    stream: &str,
    limit: i32,
) -> Outcome<Vec<Event>> {
    let request = client
        .get_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .start_from_head(false)
        .limit(limit);
    match outcome(request.send().await) {
        Outcome::Done(output) => Outcome::Done(
            output
                .events()
                .iter()
                .map(|e| Event {
                    stream: None,
                    id: None,
                    timestamp: e.timestamp().unwrap_or_default(),
                    ingestion_time: e.ingestion_time(),
                    message: e.message().unwrap_or_default().to_owned(),
                })
                .collect(),
        ),
        Outcome::NotFound => Outcome::NotFound,
        Outcome::Retry => Outcome::Retry,
        Outcome::Fatal(message) => Outcome::Fatal(message),
    }
}

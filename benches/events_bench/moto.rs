//! moto: SQS and EventBridge clients for its endpoint, and the queue and rule of one run,
//! made and removed by the library behind `waiters events setup` and `teardown`.

use std::time::{SystemTime, UNIX_EPOCH};

use waiters_cli::events::{EventsClients, SetupOptions, TeardownOptions, setup, teardown};

use crate::tap::Tap;

/// moto accepts any credentials; the region must be the local endpoint's (us-east-1), as
/// events go to the default bus of the publisher's region.
const REGION: &str = "us-east-1";

/// Clients for moto at `endpoint`, their calls counted by `tap`.
pub(crate) fn clients(endpoint: &str, tap: &Tap) -> EventsClients {
    let http = || tap.wrap(aws_smithy_http_client::Builder::new().build_http());
    let sqs = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new(REGION))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .endpoint_url(endpoint)
        .http_client(http())
        .build();
    let eventbridge = aws_sdk_eventbridge::Config::builder()
        .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
        .region(aws_sdk_eventbridge::config::Region::new(REGION))
        .credentials_provider(aws_sdk_eventbridge::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .endpoint_url(endpoint)
        .http_client(http())
        .build();
    EventsClients::new(
        aws_sdk_sqs::Client::from_conf(sqs),
        aws_sdk_eventbridge::Client::from_conf(eventbridge),
    )
}

/// The queue (and rule, named after it) of one events run.
pub(crate) struct Queue {
    pub(crate) name: String,
    pub(crate) url: String,
}

/// Creates a queue and its rule, named uniquely so that runs sharing a moto server (CI's,
/// with the other suites' queues) do not meet.
pub(crate) async fn create(clients: &EventsClients, label: &str) -> Result<Queue, String> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let name = format!("events-bench-{label}-{}-{stamp}", std::process::id());
    let report = setup(clients, &SetupOptions::new(&name))
        .await
        .map_err(|e| format!("events setup {name}: {e}"))?;
    Ok(Queue {
        name,
        url: report.queue.url,
    })
}

pub(crate) async fn remove(clients: &EventsClients, queue: &Queue) -> Result<(), String> {
    teardown(clients, &TeardownOptions::new(&queue.name))
        .await
        .map(|_| ())
        .map_err(|e| format!("events teardown {}: {e}", queue.name))
}

//! Compute environments, job queues and job definitions through the real `aws-sdk-batch`
//! client over HTTP. Lifecycles are moved with `advance_clock`, so no assertion depends
//! on how fast this machine is.

use std::time::Duration;

use aws_sdk_batch::Client;
use aws_sdk_batch::config::retry::RetryConfig;
use aws_sdk_batch::error::ProvideErrorMetadata;
use aws_sdk_batch::types::{
    CeState, CeStatus, CeType, ComputeEnvironmentOrder, ContainerProperties, JobDefinitionType,
    JqState, JqStatus,
};
use waiters_local::{LocalBatch, Operation};

const SETTLE: Duration = Duration::from_secs(60);

async fn server() -> (LocalBatch, Client) {
    let server = LocalBatch::builder()
        .settle_after(SETTLE)
        .start()
        .await
        .expect("server starts");
    let client = Client::from_conf(
        server
            .client_config()
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    (server, client)
}

async fn create_ce(client: &Client, name: &str, tags: &[(&str, &str)]) -> Result<String, String> {
    let mut request = client
        .create_compute_environment()
        .compute_environment_name(name)
        .r#type(CeType::Unmanaged)
        .state(CeState::Enabled);
    for (k, v) in tags {
        request = request.tags(*k, *v);
    }
    request
        .send()
        .await
        .map(|o| o.compute_environment_arn().unwrap_or_default().to_owned())
        .map_err(|e| {
            e.into_service_error()
                .message()
                .unwrap_or_default()
                .to_owned()
        })
}

async fn ce_status(client: &Client, name: &str) -> (Option<CeStatus>, Option<String>) {
    let described = client
        .describe_compute_environments()
        .compute_environments(name)
        .send()
        .await
        .expect("DescribeComputeEnvironments");
    let ce = &described.compute_environments()[0];
    (ce.status().cloned(), ce.status_reason().map(str::to_owned))
}

#[tokio::test]
async fn a_compute_environment_is_creating_then_valid() {
    let (server, client) = server().await;
    let arn = create_ce(&client, "ce-1", &[]).await.unwrap();
    assert_eq!(
        arn,
        "arn:aws:batch:us-east-1:123456789012:compute-environment/ce-1"
    );
    assert_eq!(ce_status(&client, "ce-1").await.0, Some(CeStatus::Creating));
    server.advance_clock(SETTLE);
    assert_eq!(
        ce_status(&client, &arn).await,
        (
            Some(CeStatus::Valid),
            Some("ComputeEnvironment Healthy".into())
        )
    );
    let described = client
        .describe_compute_environments()
        .compute_environments("ce-1")
        .send()
        .await
        .unwrap();
    let ce = &described.compute_environments()[0];
    assert_eq!(ce.r#type(), Some(&CeType::Unmanaged));
    assert_eq!(ce.state(), Some(&CeState::Enabled));

    // An update: UPDATING for the settle time, then VALID again.
    client
        .update_compute_environment()
        .compute_environment("ce-1")
        .state(CeState::Disabled)
        .send()
        .await
        .unwrap();
    assert_eq!(ce_status(&client, "ce-1").await.0, Some(CeStatus::Updating));
    server.advance_clock(SETTLE);
    assert_eq!(ce_status(&client, "ce-1").await.0, Some(CeStatus::Valid));
    assert_eq!(server.request_count(Operation::UpdateComputeEnvironment), 1);
}

#[tokio::test]
async fn tags_make_a_compute_environment_invalid_or_quick() {
    let (server, client) = server().await;
    create_ce(
        &client,
        "broken",
        &[
            ("local:outcome", "INVALID"),
            ("local:statusReason", "CLIENT_ERROR - no subnets"),
        ],
    )
    .await
    .unwrap();
    create_ce(&client, "quick", &[("local:readyMillis", "0")])
        .await
        .unwrap();
    assert_eq!(ce_status(&client, "quick").await.0, Some(CeStatus::Valid));
    assert_eq!(
        ce_status(&client, "broken").await.0,
        Some(CeStatus::Creating)
    );
    server.advance_clock(SETTLE);
    assert_eq!(
        ce_status(&client, "broken").await,
        (
            Some(CeStatus::Invalid),
            Some("CLIENT_ERROR - no subnets".into())
        )
    );

    let error = create_ce(&client, "other", &[("local:colour", "red")]).await;
    assert!(error.unwrap_err().contains("Unknown tag local:colour"));
    let error = create_ce(&client, "quick", &[]).await;
    assert!(error.unwrap_err().contains("Object already exists: quick"));
}

#[tokio::test]
async fn describe_leaves_unknown_names_out_and_pages() {
    let (_server, client) = server().await;
    for name in ["a", "b", "c"] {
        create_ce(&client, name, &[]).await.unwrap();
    }
    let names = |o: &aws_sdk_batch::operation::describe_compute_environments::DescribeComputeEnvironmentsOutput| {
        o.compute_environments()
            .iter()
            .filter_map(|ce| ce.compute_environment_name())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let some = client
        .describe_compute_environments()
        .compute_environments("c")
        .compute_environments("missing")
        .compute_environments("a")
        .send()
        .await
        .unwrap();
    assert_eq!(names(&some), ["c", "a"]);
    let first = client
        .describe_compute_environments()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&first), ["a", "b"]);
    let token = first.next_token().expect("a second page");
    let second = client
        .describe_compute_environments()
        .max_results(2)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(names(&second), ["c"]);
    assert_eq!(second.next_token(), None);
}

#[tokio::test]
async fn a_job_queue_needs_its_compute_environments_and_settles() {
    let (server, client) = server().await;
    let ce = create_ce(&client, "ce", &[]).await.unwrap();
    let order = |ce: &str| {
        ComputeEnvironmentOrder::builder()
            .order(1)
            .compute_environment(ce)
            .build()
    };
    let missing = client
        .create_job_queue()
        .job_queue_name("q")
        .priority(1)
        .compute_environment_order(order("nope"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("ClientException"));
    let created = client
        .create_job_queue()
        .job_queue_name("q")
        .priority(5)
        .state(JqState::Enabled)
        .compute_environment_order(order("ce"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.job_queue_arn(),
        Some("arn:aws:batch:us-east-1:123456789012:job-queue/q")
    );
    let describe = || async {
        let out = client
            .describe_job_queues()
            .job_queues("q")
            .send()
            .await
            .unwrap();
        out.job_queues()[0].clone()
    };
    let queue = describe().await;
    assert_eq!(queue.status(), Some(&JqStatus::Creating));
    assert_eq!(queue.priority(), Some(5));
    assert_eq!(
        queue.compute_environment_order()[0].compute_environment(),
        Some(ce.as_str())
    );
    server.advance_clock(SETTLE);
    let queue = describe().await;
    assert_eq!(
        (queue.status(), queue.state()),
        (Some(&JqStatus::Valid), Some(&JqState::Enabled))
    );
    client
        .update_job_queue()
        .job_queue("q")
        .state(JqState::Disabled)
        .send()
        .await
        .unwrap();
    let queue = describe().await;
    assert_eq!(
        (queue.status(), queue.state()),
        (Some(&JqStatus::Updating), Some(&JqState::Disabled))
    );
}

#[tokio::test]
async fn job_definitions_get_revisions() {
    let (_server, client) = server().await;
    for _ in 0..2 {
        client
            .register_job_definition()
            .job_definition_name("etl")
            .r#type(JobDefinitionType::Container)
            .container_properties(ContainerProperties::builder().image("busybox").build())
            .send()
            .await
            .unwrap();
    }
    let revisions = |entries: &[&str]| {
        let client = client.clone();
        let entries: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
        async move {
            let out = client
                .describe_job_definitions()
                .set_job_definitions(Some(entries))
                .send()
                .await
                .unwrap();
            out.job_definitions()
                .iter()
                .map(|d| (d.revision(), d.status().map(str::to_owned)))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        revisions(&["etl"]).await,
        [
            (Some(1), Some("ACTIVE".into())),
            (Some(2), Some("ACTIVE".into()))
        ]
    );
    assert_eq!(
        revisions(&["etl:2"]).await,
        [(Some(2), Some("ACTIVE".into()))]
    );
    assert_eq!(
        revisions(&["arn:aws:batch:us-east-1:123456789012:job-definition/etl:1"]).await,
        [(Some(1), Some("ACTIVE".into()))]
    );
    let described = client
        .describe_job_definitions()
        .job_definitions("etl:1")
        .send()
        .await
        .unwrap();
    let definition = &described.job_definitions()[0];
    assert_eq!(
        definition.container_properties().and_then(|c| c.image()),
        Some("busybox")
    );
}

//! The requests on compute environments, job queues and job definitions: parsing,
//! validation and response documents.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};
use tracing::debug;

use crate::app::App;
use crate::operation::Operation;
use crate::resources::{JobDefinition, NewComputeEnvironment, NewJobQueue, Settle};
use crate::wire::{ApiError, parse, required};

/// Describe* calls take at most this many names and return pages of at most this many.
const MAX_DESCRIBE: usize = 100;
const NEXT_TOKEN_PREFIX: &str = "waiters-local:";

/// The members of a RegisterJobDefinition request that its `JobDefinition` echoes.
const ECHOED_DEFINITION_MEMBERS: [&str; 13] = [
    "type",
    "parameters",
    "schedulingPriority",
    "retryStrategy",
    "containerProperties",
    "timeout",
    "nodeProperties",
    "tags",
    "propagateTags",
    "platformCapabilities",
    "eksProperties",
    "ecsProperties",
    "consumableResourceProperties",
];

pub(crate) fn handle(app: &App, operation: Operation, body: &[u8]) -> Result<Value, ApiError> {
    match operation {
        Operation::CreateComputeEnvironment => create_compute_environment(app, parse(body)?),
        Operation::UpdateComputeEnvironment => update_compute_environment(app, parse(body)?),
        Operation::DescribeComputeEnvironments => describe_compute_environments(app, parse(body)?),
        Operation::CreateJobQueue => create_job_queue(app, parse(body)?),
        Operation::UpdateJobQueue => update_job_queue(app, parse(body)?),
        Operation::DescribeJobQueues => describe_job_queues(app, parse(body)?),
        Operation::RegisterJobDefinition => register_job_definition(app, parse(body)?),
        Operation::DescribeJobDefinitions => describe_job_definitions(app, parse(body)?),
        other => Err(ApiError::Client(format!(
            "{other} is not a compute environment, job queue or job definition request"
        ))),
    }
}

/// Names of compute environments, queues and job definitions: up to 128 letters,
/// digits, hyphens and underscores, starting with a letter or digit.
fn valid_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn checked_name(value: Option<String>, member: &str) -> Result<String, ApiError> {
    let name = required(value, member)?;
    if valid_name(&name) {
        Ok(name)
    } else {
        Err(ApiError::Client(format!(
            "{member} must be 1 to 128 characters long, start with a letter or number, and \
             contain only letters, numbers, hyphens (-) and underscores (_)"
        )))
    }
}

fn one_of(
    value: Option<String>,
    member: &str,
    allowed: &[&str],
) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(ApiError::Client(format!(
            "Invalid {member} {v}: expected one of {}",
            allowed.join(", ")
        ))),
        other => Ok(other),
    }
}

/// One page of `items`: `maxResults` (1 to 100, default 100) from `nextToken` on.
fn page<T>(
    items: Vec<T>,
    max_results: Option<i64>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let size = match max_results {
        None => MAX_DESCRIBE,
        Some(n) if !(1..=MAX_DESCRIBE as i64).contains(&n) => {
            return Err(ApiError::Client(format!(
                "maxResults must be between 1 and {MAX_DESCRIBE}"
            )));
        }
        Some(n) => usize::try_from(n).unwrap_or(MAX_DESCRIBE),
    };
    let offset = match next_token {
        None | Some("") => 0,
        Some(token) => token
            .strip_prefix(NEXT_TOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::Client(format!("Invalid nextToken {token}")))?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(offset).take(size).collect();
    let next = offset.saturating_add(page.len());
    let token = (next < total).then(|| format!("{NEXT_TOKEN_PREFIX}{next}"));
    Ok((page, token))
}

fn paged(key: &str, (items, token): (Vec<Value>, Option<String>)) -> Value {
    let mut response = json!({ key: items });
    if let Some(token) = token {
        response["nextToken"] = json!(token);
    }
    response
}

fn too_many(names: &Option<Vec<String>>, member: &str) -> Result<(), ApiError> {
    match names {
        Some(names) if names.len() > MAX_DESCRIBE => Err(ApiError::Client(format!(
            "Maximum number of {member} supported is {MAX_DESCRIBE}"
        ))),
        _ => Ok(()),
    }
}

fn settle(app: &App, tags: &BTreeMap<String, String>) -> Result<Settle, ApiError> {
    Settle::from_tags(tags, app.resources().settle_after).map_err(ApiError::Client)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateComputeEnvironmentRequest {
    compute_environment_name: Option<String>,
    r#type: Option<String>,
    state: Option<String>,
    service_role: Option<String>,
    compute_resources: Option<Value>,
    tags: Option<BTreeMap<String, String>>,
}

fn create_compute_environment(
    app: &App,
    request: CreateComputeEnvironmentRequest,
) -> Result<Value, ApiError> {
    let name = checked_name(request.compute_environment_name, "computeEnvironmentName")?;
    let kind = one_of(request.r#type, "type", &["MANAGED", "UNMANAGED"])?
        .ok_or_else(|| ApiError::Client("Missing required parameter: type".into()))?;
    let state = one_of(request.state, "state", &["ENABLED", "DISABLED"])?;
    let tags = request.tags.unwrap_or_default();
    let spec = NewComputeEnvironment {
        settle: settle(app, &tags)?,
        name,
        kind,
        state: state.unwrap_or_else(|| "ENABLED".to_owned()),
        service_role: request.service_role,
        compute_resources: request.compute_resources,
        tags,
    };
    let now = app.clock.now();
    let mut resources = app.resources();
    let ce = resources
        .create_compute_environment(spec, now)
        .map_err(ApiError::Client)?;
    debug!(name = %ce.name, "compute environment created");
    Ok(json!({"computeEnvironmentName": ce.name, "computeEnvironmentArn": ce.arn}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateComputeEnvironmentRequest {
    compute_environment: Option<String>,
    state: Option<String>,
}

fn update_compute_environment(
    app: &App,
    request: UpdateComputeEnvironmentRequest,
) -> Result<Value, ApiError> {
    let name = required(request.compute_environment, "computeEnvironment")?;
    let state = one_of(request.state, "state", &["ENABLED", "DISABLED"])?;
    let now = app.clock.now();
    let mut resources = app.resources();
    let ce = resources
        .update_compute_environment(&name, state, now)
        .ok_or_else(|| ApiError::Client(format!("computeEnvironment {name} does not exist")))?;
    Ok(json!({"computeEnvironmentName": ce.name, "computeEnvironmentArn": ce.arn}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeComputeEnvironmentsRequest {
    compute_environments: Option<Vec<String>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn describe_compute_environments(
    app: &App,
    request: DescribeComputeEnvironmentsRequest,
) -> Result<Value, ApiError> {
    too_many(&request.compute_environments, "compute environments")?;
    let now = app.clock.now();
    let resources = app.resources();
    let arns = resources.arns();
    let found: Vec<Value> = match &request.compute_environments {
        // Names or ARNs, in the order asked; unknown ones are left out, as Batch does.
        Some(names) => {
            let mut seen = Vec::new();
            names
                .iter()
                .filter_map(|n| resources.compute_environment(n))
                .filter(|ce| {
                    let new = !seen.contains(&ce.arn);
                    seen.push(ce.arn.clone());
                    new
                })
                .map(|ce| ce.detail(now, arns))
                .collect()
        }
        None => resources
            .compute_environments()
            .iter()
            .map(|ce| ce.detail(now, arns))
            .collect(),
    };
    let page = page(found, request.max_results, request.next_token.as_deref())?;
    Ok(paged("computeEnvironments", page))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComputeEnvironmentOrder {
    order: Option<i64>,
    compute_environment: Option<String>,
}

fn order(entries: Vec<ComputeEnvironmentOrder>) -> Result<Vec<(i64, String)>, ApiError> {
    entries
        .into_iter()
        .map(|entry| {
            let ce = required(
                entry.compute_environment,
                "computeEnvironmentOrder.computeEnvironment",
            )?;
            let order = entry.order.ok_or_else(|| {
                ApiError::Client("Missing required parameter: computeEnvironmentOrder.order".into())
            })?;
            Ok((order, ce))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateJobQueueRequest {
    job_queue_name: Option<String>,
    state: Option<String>,
    priority: Option<i64>,
    compute_environment_order: Option<Vec<ComputeEnvironmentOrder>>,
    scheduling_policy_arn: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

fn create_job_queue(app: &App, request: CreateJobQueueRequest) -> Result<Value, ApiError> {
    let name = checked_name(request.job_queue_name, "jobQueueName")?;
    let priority = request
        .priority
        .ok_or_else(|| ApiError::Client("Missing required parameter: priority".into()))?;
    let order = order(request.compute_environment_order.unwrap_or_default())?;
    let state = one_of(request.state, "state", &["ENABLED", "DISABLED"])?;
    let tags = request.tags.unwrap_or_default();
    let spec = NewJobQueue {
        settle: settle(app, &tags)?,
        name,
        state: state.unwrap_or_else(|| "ENABLED".to_owned()),
        priority,
        order,
        scheduling_policy_arn: request.scheduling_policy_arn,
        tags,
    };
    let now = app.clock.now();
    let mut resources = app.resources();
    let queue = resources
        .create_job_queue(spec, now)
        .map_err(ApiError::Client)?;
    debug!(name = %queue.name, "job queue created");
    Ok(json!({"jobQueueName": queue.name, "jobQueueArn": queue.arn}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateJobQueueRequest {
    job_queue: Option<String>,
    state: Option<String>,
    priority: Option<i64>,
    compute_environment_order: Option<Vec<ComputeEnvironmentOrder>>,
}

fn update_job_queue(app: &App, request: UpdateJobQueueRequest) -> Result<Value, ApiError> {
    let name = required(request.job_queue, "jobQueue")?;
    let state = one_of(request.state, "state", &["ENABLED", "DISABLED"])?;
    let order = request.compute_environment_order.map(order).transpose()?;
    let now = app.clock.now();
    let mut resources = app.resources();
    let queue = resources
        .update_job_queue(&name, state, request.priority, order, now)
        .map_err(ApiError::Client)?;
    Ok(json!({"jobQueueName": queue.name, "jobQueueArn": queue.arn}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeJobQueuesRequest {
    job_queues: Option<Vec<String>>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn describe_job_queues(app: &App, request: DescribeJobQueuesRequest) -> Result<Value, ApiError> {
    too_many(&request.job_queues, "job queues")?;
    let now = app.clock.now();
    let resources = app.resources();
    let found: Vec<Value> = match &request.job_queues {
        Some(names) => {
            let mut seen = Vec::new();
            names
                .iter()
                .filter_map(|n| resources.job_queue(n))
                .filter(|q| {
                    let new = !seen.contains(&q.arn);
                    seen.push(q.arn.clone());
                    new
                })
                .map(|q| q.detail(now))
                .collect()
        }
        None => resources
            .job_queues()
            .iter()
            .map(|q| q.detail(now))
            .collect(),
    };
    let page = page(found, request.max_results, request.next_token.as_deref())?;
    Ok(paged("jobQueues", page))
}

fn register_job_definition(app: &App, request: Map<String, Value>) -> Result<Value, ApiError> {
    let name = checked_name(
        request
            .get("jobDefinitionName")
            .and_then(Value::as_str)
            .map(str::to_owned),
        "jobDefinitionName",
    )?;
    match request.get("type").and_then(Value::as_str) {
        Some("container" | "multinode") => {}
        Some(other) => {
            return Err(ApiError::Client(format!(
                "Invalid type {other}: expected container or multinode"
            )));
        }
        None => return Err(ApiError::Client("Missing required parameter: type".into())),
    }
    let document: Map<String, Value> = request
        .into_iter()
        .filter(|(key, _)| ECHOED_DEFINITION_MEMBERS.contains(&key.as_str()))
        .collect();
    let mut resources = app.resources();
    let definition = resources.register_job_definition(name, document);
    Ok(json!({
        "jobDefinitionName": definition.name,
        "jobDefinitionArn": definition.arn,
        "revision": definition.revision,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeJobDefinitionsRequest {
    job_definitions: Option<Vec<String>>,
    job_definition_name: Option<String>,
    status: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn describe_job_definitions(
    app: &App,
    request: DescribeJobDefinitionsRequest,
) -> Result<Value, ApiError> {
    too_many(&request.job_definitions, "job definitions")?;
    let status = one_of(request.status, "status", &["ACTIVE", "INACTIVE"])?;
    let resources = app.resources();
    // Each entry is an ARN or `name:revision` (a bare name matches every revision).
    let wanted = |d: &JobDefinition| {
        request.job_definitions.as_ref().is_none_or(|list| {
            list.iter().any(|entry| {
                *entry == d.arn
                    || *entry == format!("{}:{}", d.name, d.revision)
                    || *entry == d.name
            })
        })
    };
    let found: Vec<Value> = resources
        .job_definitions()
        .iter()
        .filter(|d| wanted(d))
        .filter(|d| {
            request
                .job_definition_name
                .as_ref()
                .is_none_or(|name| *name == d.name)
        })
        // Nothing is deregistered here: every definition is ACTIVE.
        .filter(|_| status.as_deref() != Some("INACTIVE"))
        .map(|d| d.detail())
        .collect();
    let page = page(found, request.max_results, request.next_token.as_deref())?;
    Ok(paged("jobDefinitions", page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_batch_rules() {
        assert!(valid_name("ce-1_a"));
        assert!(!valid_name(""));
        assert!(!valid_name("-ce"));
        assert!(!valid_name("c e"));
        assert!(!valid_name(&"a".repeat(129)));
    }

    #[test]
    fn pages_carry_a_token_until_the_end() {
        let (first, token) = page((1..=5).collect(), Some(2), None).unwrap();
        assert_eq!(
            (first, token.as_deref()),
            (vec![1, 2], Some("waiters-local:2"))
        );
        let (last, token) = page((1..=5).collect(), Some(3), Some("waiters-local:3")).unwrap();
        assert_eq!((last, token), (vec![4, 5], None));
        assert!(page(vec![1], Some(0), None).is_err());
        assert!(page(vec![1], Some(101), None).is_err());
        assert!(page(vec![1], None, Some("other")).is_err());
    }
}

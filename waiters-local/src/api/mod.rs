//! The Batch operations: request parsing, validation and response documents.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use tracing::debug;

mod families;
mod resources;
mod snapshot;

use crate::app::App;
use crate::ids::job_definition_name;
use crate::jobs::{JobStatus, ListScope, NewJob, StopEffect};
use crate::operation::Operation;
use crate::resources::{Hold, Requested};
use crate::wire::{ApiError, parse, required};

/// DescribeJobs takes at most this many ids.
const MAX_DESCRIBE_JOBS: usize = 100;
/// ListJobs page size cap (the real service returns up to 1000, or 100 with filters).
const MAX_LIST_RESULTS: usize = 1000;
const MAX_LIST_RESULTS_WITH_FILTER: usize = 100;
/// SubmitJob accepts at most this many dependencies.
const MAX_DEPENDENCIES: usize = 20;
/// TerminateJob/CancelJob reason limit.
const MAX_REASON_CHARS: usize = 1024;
const NEXT_TOKEN_PREFIX: &str = "waiters-local:";

pub(crate) fn handle(app: &App, operation: Operation, body: &[u8]) -> Result<Value, ApiError> {
    match operation {
        Operation::SubmitJob => submit_job(app, parse(body)?),
        Operation::DescribeJobs => describe_jobs(app, parse(body)?),
        Operation::TerminateJob => stop_job(app, parse(body)?, StopRequest::Terminate),
        Operation::CancelJob => stop_job(app, parse(body)?, StopRequest::Cancel),
        Operation::ListJobs => list_jobs(app, parse(body)?),
        Operation::GetJobQueueSnapshot => snapshot::get_job_queue_snapshot(app, parse(body)?),
        _ => resources::handle(app, operation, body),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubmitJobRequest {
    job_name: Option<String>,
    job_queue: Option<String>,
    job_definition: Option<String>,
    share_identifier: Option<String>,
    scheduling_priority_override: Option<i32>,
    array_properties: Option<ArrayProperties>,
    depends_on: Option<Vec<Value>>,
    parameters: Option<BTreeMap<String, String>>,
    container_overrides: Option<ContainerOverrides>,
    retry_strategy: Option<Value>,
    propagate_tags: Option<bool>,
    timeout: Option<Value>,
    tags: Option<BTreeMap<String, String>>,
    node_overrides: Option<Value>,
}

#[derive(Deserialize)]
struct ArrayProperties {
    size: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ContainerOverrides {
    command: Option<Vec<String>>,
    environment: Option<Vec<Value>>,
    resource_requirements: Option<Vec<Value>>,
}

fn valid_job_name(name: &str) -> bool {
    name.len() <= 128
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn submit_job(app: &App, request: SubmitJobRequest) -> Result<Value, ApiError> {
    let name = required(request.job_name, "jobName")?;
    let queue = required(request.job_queue, "jobQueue")?;
    let definition = required(request.job_definition, "jobDefinition")?;
    if !valid_job_name(&name) {
        return Err(ApiError::Client(
            "Job name must be 1 to 128 characters long, start with a letter or number, and \
             contain only letters, numbers, hyphens (-) and underscores (_)"
                .into(),
        ));
    }
    let array_size = families::array_size(request.array_properties.and_then(|a| a.size))?;
    let depends_on = request.depends_on.unwrap_or_default();
    if depends_on.len() > MAX_DEPENDENCIES {
        return Err(ApiError::Client(format!(
            "Job cannot have more than {MAX_DEPENDENCIES} dependencies"
        )));
    }
    let parameters = request.parameters.unwrap_or_default();
    let (schedule_keys, member_keys) = families::split_parameters(&parameters);
    let profile = app
        .default_profile()
        .with_parameters(schedule_keys)
        .map_err(|e| ApiError::Client(e.to_string()))?;
    let nodes = families::multi_node(app, &definition, request.node_overrides.as_ref())?;
    let fanout = families::fanout(array_size, nodes, &member_keys, &profile)?;
    let overrides = request.container_overrides.unwrap_or_default();
    let now = app.clock.now();
    let requested = Requested::from_requirements(
        overrides
            .resource_requirements
            .as_deref()
            .unwrap_or_default(),
    );
    let hold = app.resources().hold(&queue, &definition, requested, now);
    let profile = Hold::apply(hold, profile);
    let spec = NewJob {
        name,
        queue,
        definition,
        parameters,
        tags: request.tags.unwrap_or_default(),
        depends_on,
        share_identifier: request.share_identifier,
        scheduling_priority: request.scheduling_priority_override,
        retry_strategy: request.retry_strategy,
        timeout: request.timeout,
        propagate_tags: request.propagate_tags.unwrap_or(false),
        command: overrides.command.unwrap_or_default(),
        environment: overrides.environment.unwrap_or_default(),
        resource_requirements: overrides.resource_requirements.unwrap_or_default(),
        profile,
    };
    let mut jobs = app.jobs();
    let plan = families::dependency_plan(&jobs, &spec.depends_on, array_size)?;
    let index = jobs.submit_planned(spec, now, plan, fanout);
    let job = &jobs.all()[index];
    debug!(job_id = %job.id, job_name = %job.name, "job submitted");
    let response = json!({ "jobArn": job.arn, "jobName": job.name, "jobId": job.id });
    app.events.job_changed();
    Ok(response)
}

#[derive(Deserialize)]
struct DescribeJobsRequest {
    jobs: Option<Vec<String>>,
}

fn describe_jobs(app: &App, request: DescribeJobsRequest) -> Result<Value, ApiError> {
    let Some(ids) = request.jobs else {
        return Err(ApiError::Client("Missing required parameter: jobs".into()));
    };
    if ids.len() > MAX_DESCRIBE_JOBS {
        return Err(ApiError::Client(format!(
            "Maximum number of jobs supported is {MAX_DESCRIBE_JOBS}"
        )));
    }
    let now = app.clock.now();
    let jobs = app.jobs();
    let mut seen = std::collections::HashSet::new();
    let details: Vec<Value> = ids
        .iter()
        .filter_map(|id| jobs.visible(id, now))
        // The same job asked for twice (by id and by ARN, say) is described once.
        .filter(|job| seen.insert(job.id.clone()))
        .map(|job| jobs.detail(job, now, &app.clock))
        .collect();
    Ok(json!({ "jobs": details }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StopJobRequest {
    job_id: Option<String>,
    reason: Option<String>,
}

#[derive(Clone, Copy)]
enum StopRequest {
    Terminate,
    Cancel,
}

fn stop_job(app: &App, request: StopJobRequest, kind: StopRequest) -> Result<Value, ApiError> {
    let job_id = required(request.job_id, "jobId")?;
    let reason = required(request.reason, "reason")?;
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::Client(format!(
            "reason must be at most {MAX_REASON_CHARS} characters"
        )));
    }
    let now = app.clock.now();
    let mut jobs = app.jobs();
    // On an array parent or a multi-node job, every member is stopped.
    let effect = jobs.stop(&job_id, now, |job| match kind {
        StopRequest::Terminate => job.terminate(now, reason.clone()),
        StopRequest::Cancel => job.cancel(now, reason.clone()),
    });
    let Some(effect) = effect else {
        return Err(ApiError::Client(format!("Job {job_id} does not exist")));
    };
    debug!(%job_id, ?effect, "stop requested");
    if effect == StopEffect::Stopped {
        app.events.job_changed();
    }
    // Batch answers 200 with an empty object whether or not the job changed.
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListJobsRequest {
    job_queue: Option<String>,
    array_job_id: Option<String>,
    multi_node_job_id: Option<String>,
    job_status: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    filters: Option<Vec<KeyValuesPair>>,
}

#[derive(Deserialize)]
struct KeyValuesPair {
    name: Option<String>,
    values: Option<Vec<String>>,
}

enum ListFilter {
    JobName(String),
    JobDefinition(String),
    BeforeCreatedAt(i64),
    AfterCreatedAt(i64),
}

impl ListFilter {
    fn parse(pair: KeyValuesPair) -> Result<ListFilter, ApiError> {
        let name = pair.name.unwrap_or_default();
        let value = pair
            .values
            .and_then(|values| values.into_iter().next())
            .ok_or_else(|| ApiError::Client(format!("Filter {name} needs one value")))?;
        let millis = |value: &str| {
            value.trim().parse::<i64>().map_err(|_| {
                ApiError::Client(format!(
                    "Filter {name} needs a timestamp in milliseconds since the epoch, got {value}"
                ))
            })
        };
        match name.as_str() {
            "JOB_NAME" => Ok(ListFilter::JobName(value)),
            "JOB_DEFINITION" => Ok(ListFilter::JobDefinition(value)),
            "BEFORE_CREATED_AT" => Ok(ListFilter::BeforeCreatedAt(millis(&value)?)),
            "AFTER_CREATED_AT" => Ok(ListFilter::AfterCreatedAt(millis(&value)?)),
            other => Err(ApiError::Client(format!(
                "Unsupported filter {other}: waiters-local supports JOB_NAME, JOB_DEFINITION, \
                 BEFORE_CREATED_AT and AFTER_CREATED_AT"
            ))),
        }
    }

    fn matches(&self, job: &crate::jobs::Job, created_at: i64) -> bool {
        match self {
            ListFilter::JobName(pattern) => matches_pattern(pattern, &job.name, false),
            ListFilter::JobDefinition(pattern) => {
                if pattern.starts_with("arn:") {
                    // An ARN without a revision matches every revision.
                    job.definition_arn() == pattern
                        || job
                            .definition_arn()
                            .rsplit_once(':')
                            .is_some_and(|(base, _)| base == pattern)
                } else {
                    matches_pattern(pattern, job_definition_name(job.definition_arn()), true)
                }
            }
            ListFilter::BeforeCreatedAt(millis) => created_at < *millis,
            ListFilter::AfterCreatedAt(millis) => created_at > *millis,
        }
    }
}

/// Exact match, or prefix match when the pattern ends with `*`.
fn matches_pattern(pattern: &str, value: &str, case_sensitive: bool) -> bool {
    let (pattern, prefix) = match pattern.strip_suffix('*') {
        Some(stem) => (stem, true),
        None => (pattern, false),
    };
    let (pattern, value) = if case_sensitive {
        (pattern.to_owned(), value.to_owned())
    } else {
        (pattern.to_ascii_lowercase(), value.to_ascii_lowercase())
    };
    if prefix {
        value.starts_with(&pattern)
    } else {
        value == pattern
    }
}

fn list_jobs(app: &App, request: ListJobsRequest) -> Result<Value, ApiError> {
    let parent = request.array_job_id.map(|id| (id, false));
    let parent = parent.or(request.multi_node_job_id.map(|id| (id, true)));
    let queue = request.job_queue.filter(|q| !q.is_empty());
    if parent.is_none() && queue.is_none() {
        return Err(ApiError::Client(
            "One of jobQueue, arrayJobId or multiNodeJobId must be specified".into(),
        ));
    }
    let filters = request.filters.unwrap_or_default();
    if filters.len() > 1 {
        return Err(ApiError::Client(
            "Only one filter can be used at a time".into(),
        ));
    }
    let filter = filters
        .into_iter()
        .next()
        .map(ListFilter::parse)
        .transpose()?;
    // With a filter, jobStatus is ignored and every status is listed (API reference).
    let status = match (&filter, request.job_status.as_deref()) {
        (Some(_), _) => None,
        (None, None) => Some(JobStatus::Phase(crate::profile::JobPhase::Running)),
        (None, Some(name)) => Some(JobStatus::parse(name).ok_or_else(|| {
            ApiError::Client(format!(
                "Invalid jobStatus {name}: expected one of {}",
                JobStatus::NAMES.join(", ")
            ))
        })?),
    };
    let cap = if filter.is_some() {
        MAX_LIST_RESULTS_WITH_FILTER
    } else {
        MAX_LIST_RESULTS
    };
    let page_size = match request.max_results {
        None => cap,
        Some(n) if n < 1 => {
            return Err(ApiError::Client("maxResults must be at least 1".into()));
        }
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(cap),
    };
    let offset = match request.next_token.as_deref() {
        None | Some("") => 0,
        Some(token) => token
            .strip_prefix(NEXT_TOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::Client(format!("Invalid nextToken {token}")))?,
    };

    let now = app.clock.now();
    let jobs = app.jobs();
    let scope = match (parent, queue) {
        (Some((id, multi_node)), _) => jobs.members_of(&id, multi_node),
        (None, queue) => ListScope::Queue(jobs.arns().job_queue_arn(&queue.unwrap_or_default())),
    };
    let matching: Vec<_> = jobs
        .listed(&scope, now)
        .into_iter()
        .filter(|job| status.is_none_or(|status| job.status(now) == status))
        .filter(|job| {
            filter
                .as_ref()
                .is_none_or(|f| f.matches(job, job.created_at(&app.clock)))
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|job| jobs.summary(job, now, &app.clock))
        .collect();
    let next = offset.saturating_add(page.len());
    let mut response = json!({ "jobSummaryList": page });
    if next < matching.len() {
        response["nextToken"] = json!(format!("{NEXT_TOKEN_PREFIX}{next}"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_name_rules() {
        assert!(valid_job_name("a"));
        assert!(valid_job_name("Job_1-x"));
        assert!(valid_job_name(&"a".repeat(128)));
        assert!(!valid_job_name(&"a".repeat(129)));
        assert!(!valid_job_name(""));
        assert!(!valid_job_name("-lead"));
        assert!(!valid_job_name("has space"));
        assert!(!valid_job_name("ünïcode"));
    }

    #[test]
    fn name_patterns() {
        assert!(matches_pattern("test1", "Test1", false));
        assert!(matches_pattern("test1*", "Test10", false));
        assert!(!matches_pattern("test1", "Test10", false));
        assert!(matches_pattern("jd1*", "jd1A", true));
        assert!(!matches_pattern("jd1", "JD1", true));
    }

    #[test]
    fn bodies_that_are_not_the_expected_json_are_serialization_errors() {
        for body in [
            &b"{"[..],
            b"null",
            b"[]",
            b"{\"jobs\": \"abc\"}",
            b"{\"jobs\": [1, 2]}",
            b"\xff\xfe",
        ] {
            assert!(
                matches!(
                    parse::<DescribeJobsRequest>(body),
                    Err(ApiError::Serialization(_))
                ),
                "{body:?}"
            );
        }
        assert!(parse::<DescribeJobsRequest>(b"  ").unwrap().jobs.is_none());
    }
}

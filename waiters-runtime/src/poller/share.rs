//! One merged DescribeJobs answer, shared out: each wait gets a response holding only its
//! own jobs, and a copy of an error, so that its acceptors see what polling alone would
//! have shown them.

use aws_sdk_batch::operation::describe_jobs::{DescribeJobsError, DescribeJobsOutput};
use aws_sdk_batch::types::JobDetail;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde_json::Value;
use waiters_model::Document;

use super::Form;
use crate::operation::DescribeJobsSdkError;
use crate::response::DescribeJobsResponse;

/// The part of a merged response that answers `ids`: their jobs in the order asked, as
/// typed output and, for the `Raw` form, as raw JSON (every other member of the body kept
/// as sent).
pub(super) fn response_for(
    merged: &DescribeJobsResponse,
    ids: &[String],
    form: Form,
) -> DescribeJobsResponse {
    let typed = merged.output.jobs();
    let picks = picks(typed, ids);
    let jobs: Vec<JobDetail> = picks.iter().map(|&index| typed[index].clone()).collect();
    let output = DescribeJobsOutput::builder().set_jobs(Some(jobs)).build();
    if form == Form::Typed {
        return DescribeJobsResponse::typed(output);
    }
    let raw = merged.body.get("jobs").and_then(Value::as_array);
    let raw_jobs: Vec<Value> = picks
        .iter()
        .filter_map(|&index| raw_job(raw, &typed[index], index).cloned())
        .collect();
    // Every member but `jobs` copied, `jobs` replaced in its place: copying the whole body
    // would copy every job of the call for every wait (quadratic in the ids of a call).
    let body = match &merged.body {
        Value::Object(members) if members.contains_key("jobs") => {
            let mut raw_jobs = Some(raw_jobs);
            Value::Object(
                members
                    .iter()
                    .map(|(key, value)| {
                        let value = match key.as_str() {
                            "jobs" => Value::Array(raw_jobs.take().unwrap_or_default()),
                            _ => value.clone(),
                        };
                        (key.clone(), value)
                    })
                    .collect(),
            )
        }
        other => other.clone(),
    };
    DescribeJobsResponse {
        output,
        status: merged.status,
        document: Document::new(&body),
        body,
    }
}

/// Where the jobs answering `ids` stand in `typed`, in the order asked, each job once (a
/// wait may name a job twice, by id and by ARN).
fn picks(typed: &[JobDetail], ids: &[String]) -> Vec<usize> {
    let mut taken = vec![false; typed.len()];
    let mut picks = Vec::new();
    for id in ids {
        if let Some(index) = typed.iter().enumerate().position(|(i, job)| {
            !taken[i] && (job.job_id() == Some(id.as_str()) || job.job_arn() == Some(id.as_str()))
        }) {
            taken[index] = true;
            picks.push(index);
        }
    }
    picks
}

/// The raw JSON of the typed job at `index`: the element at the same index when it is the
/// same job (the SDK keeps the order), else the one with its id.
fn raw_job<'a>(raw: Option<&'a Vec<Value>>, job: &JobDetail, index: usize) -> Option<&'a Value> {
    let raw = raw?;
    let id_of = |value: &Value| {
        value
            .get("jobId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let wanted = job.job_id().map(str::to_owned);
    match raw.get(index) {
        Some(value) if id_of(value) == wanted => Some(value),
        _ => raw.iter().find(|value| id_of(value) == wanted),
    }
}

/// A copy of a DescribeJobs error for another wait of the same call: the same kind, code,
/// message, HTTP status, headers and body, so it classifies and reads the same.
pub(super) fn replicate(error: &DescribeJobsSdkError) -> DescribeJobsSdkError {
    match error {
        SdkError::ServiceError(service) => SdkError::service_error(
            DescribeJobsError::generic(service.err().meta().clone()),
            copy_response(service.raw()),
        ),
        SdkError::ResponseError(response) => SdkError::response_error(
            DisplayErrorContext(error).to_string(),
            copy_response(response.raw()),
        ),
        SdkError::TimeoutError(_) => {
            SdkError::timeout_error(DisplayErrorContext(error).to_string())
        }
        SdkError::DispatchFailure(failure) => {
            let text = DisplayErrorContext(error).to_string();
            let connector = if failure.is_timeout() {
                ConnectorError::timeout(text.into())
            } else if failure.is_io() {
                ConnectorError::io(text.into())
            } else if failure.is_user() {
                ConnectorError::user(text.into())
            } else {
                ConnectorError::other(text.into(), failure.as_other())
            };
            SdkError::dispatch_failure(connector)
        }
        _ => SdkError::construction_failure(DisplayErrorContext(error).to_string()),
    }
}

fn copy_response(raw: &HttpResponse) -> HttpResponse {
    let body = raw.body().bytes().map(<[u8]>::to_vec).unwrap_or_default();
    let mut copy = HttpResponse::new(raw.status(), SdkBody::from(body));
    for (name, value) in raw.headers() {
        copy.headers_mut().insert(name.to_owned(), value.to_owned());
    }
    copy
}

/// Whether an error is the service's throttling (it slows the whole poller down).
pub(super) fn is_throttling(error: &DescribeJobsSdkError) -> bool {
    let code = match error {
        SdkError::ServiceError(service) => service.err().code(),
        _ => None,
    };
    code.is_some_and(|code| crate::error::THROTTLING_ERROR_CODES.contains(&code))
        || error
            .raw_response()
            .is_some_and(|raw| raw.status().as_u16() == 429)
}

#[cfg(test)]
mod tests {
    use aws_sdk_batch::types::JobStatus;
    use serde_json::json;

    use super::*;

    fn merged(body: Value, ids: &[&str]) -> DescribeJobsResponse {
        let jobs = ids
            .iter()
            .map(|id| {
                JobDetail::builder()
                    .job_id(*id)
                    .job_name(*id)
                    .job_queue("q")
                    .job_definition("d")
                    .status(JobStatus::Running)
                    .started_at(1)
                    .build()
            })
            .collect();
        DescribeJobsResponse {
            output: DescribeJobsOutput::builder().set_jobs(Some(jobs)).build(),
            status: 200,
            document: Document::new(&body),
            body,
        }
    }

    #[test]
    fn a_waits_part_keeps_every_other_member_in_place() {
        let job = |id: &str| json!({"jobId": id, "status": "RUNNING"});
        let body =
            json!({"before": 1, "jobs": [job("a"), job("b"), job("c")], "after": {"x": [2]}});
        let merged = merged(body, &["a", "b", "c"]);
        let part = response_for(&merged, &["c".to_owned(), "a".to_owned()], Form::Raw);
        assert_eq!(
            part.body.to_string(),
            json!({"before": 1, "jobs": [job("c"), job("a")], "after": {"x": [2]}}).to_string(),
            "the same members in the same order, the asked jobs in the order asked"
        );
        let ids: Vec<_> = part.jobs().iter().filter_map(|j| j.job_id()).collect();
        assert_eq!(ids, ["c", "a"]);
        assert_eq!(part.status, 200);
    }

    #[test]
    fn a_typed_waits_part_is_the_output_alone() {
        let body = json!({"jobs": [{"jobId": "a"}, {"jobId": "b"}, {"jobId": "c"}]});
        let merged = merged(body, &["a", "b", "c"]);
        let ids = [
            "c".to_owned(),
            "a".to_owned(),
            "c".to_owned(),
            "x".to_owned(),
        ];
        let part = response_for(&merged, &ids, Form::Typed);
        let jobs: Vec<_> = part.jobs().iter().filter_map(|j| j.job_id()).collect();
        assert_eq!(
            jobs,
            ["c", "a"],
            "the asked jobs in the order asked, each once"
        );
        assert_eq!(
            part.body,
            Value::Null,
            "no copy of the body for a typed wait"
        );
        assert_eq!(
            response_for(&merged, &ids, Form::Raw).jobs(),
            part.jobs(),
            "the same typed jobs in both forms"
        );
    }

    #[test]
    fn a_body_without_jobs_is_kept_as_sent() {
        for body in [json!({"other": true}), json!([1, 2])] {
            let part = response_for(&merged(body.clone(), &[]), &["a".to_owned()], Form::Raw);
            assert_eq!(part.body, body);
            assert!(part.jobs().is_empty());
        }
    }
}

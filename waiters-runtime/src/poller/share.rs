//! One merged DescribeJobs answer, shared out: each wait gets a response holding only its
//! own jobs, and a copy of an error, so that its acceptors see what polling alone would
//! have shown them.

use aws_sdk_batch::operation::describe_jobs::{DescribeJobsError, DescribeJobsOutput};
use aws_sdk_batch::types::JobDetail;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::display::DisplayErrorContext;
use serde_json::Value;
use waiters_model::Document;

use super::Form;
use crate::operation::DescribeJobsSdkError;
use crate::response::{DescribeJobsResponse, is_job};

/// Each wait's part of a merged response, in the order of `waits` (each wait's ids and
/// the form of its answer): its jobs in the order asked, as typed output and, for the
/// `Raw` form, as raw JSON (every other member of the body kept as sent).
///
/// A job goes into the last part that asks for it and is copied only into the others
/// before it: the jobs of a call are most of what the round holds, and most jobs are
/// asked by one wait, so moving them keeps one copy of each instead of two.
pub(super) fn share_out(
    merged: DescribeJobsResponse,
    waits: &[(&[String], Form)],
) -> Vec<DescribeJobsResponse> {
    let DescribeJobsResponse {
        output,
        status,
        mut body,
        ..
    } = merged;
    let typed = output.jobs.unwrap_or_default();
    // The raw jobs come out of the body; the other members stay for the `Raw` parts.
    let raw: Vec<Value> = match body.get_mut("jobs") {
        Some(Value::Array(jobs)) => std::mem::take(jobs),
        _ => Vec::new(),
    };
    // Each wait's jobs: the typed one's index and the raw one's, found before any moves.
    let plans: Vec<Vec<(usize, Option<usize>)>> = waits
        .iter()
        .map(|(ids, form)| {
            picks(&typed, ids)
                .into_iter()
                .map(|index| {
                    let raw = (*form == Form::Raw)
                        .then(|| raw_job(&raw, &typed[index], index))
                        .flatten();
                    (index, raw)
                })
                .collect()
        })
        .collect();
    let mut typed_left = vec![0usize; typed.len()];
    let mut raw_left = vec![0usize; raw.len()];
    for &(index, raw_index) in plans.iter().flatten() {
        typed_left[index] += 1;
        if let Some(raw_index) = raw_index {
            raw_left[raw_index] += 1;
        }
    }
    let mut typed: Vec<Option<JobDetail>> = typed.into_iter().map(Some).collect();
    let mut raw = raw;
    plans
        .into_iter()
        .zip(waits)
        .map(|(plan, (_, form))| {
            let jobs: Vec<JobDetail> = plan
                .iter()
                .filter_map(|&(index, _)| take_or_copy(&mut typed, &mut typed_left, index))
                .collect();
            let output = DescribeJobsOutput::builder().set_jobs(Some(jobs)).build();
            if *form == Form::Typed {
                return DescribeJobsResponse::typed(output);
            }
            let raw_jobs: Vec<Value> = plan
                .iter()
                .filter_map(|&(_, raw_index)| {
                    let raw_index = raw_index?;
                    raw_left[raw_index] -= 1;
                    Some(if raw_left[raw_index] == 0 {
                        std::mem::take(&mut raw[raw_index])
                    } else {
                        raw[raw_index].clone()
                    })
                })
                .collect();
            let body = raw_body(&body, raw_jobs);
            DescribeJobsResponse {
                output,
                status,
                document: Document::new(&body),
                body,
            }
        })
        .collect()
}

/// The job at `index` for one more part: moved out if no later part asks for it.
fn take_or_copy(
    jobs: &mut [Option<JobDetail>],
    left: &mut [usize],
    index: usize,
) -> Option<JobDetail> {
    left[index] -= 1;
    if left[index] == 0 {
        jobs[index].take()
    } else {
        jobs[index].clone()
    }
}

/// A `Raw` part's body: every member of the merged body but `jobs` copied, `jobs`
/// replaced by the part's own in its place (copying the whole body would copy every job
/// of the call for every wait, quadratic in the ids of a call).
fn raw_body(merged: &Value, raw_jobs: Vec<Value>) -> Value {
    match merged {
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
    }
}

/// One wait's part of a merged response (see [`share_out`]).
#[cfg(test)]
fn response_for(merged: &DescribeJobsResponse, ids: &[String], form: Form) -> DescribeJobsResponse {
    share_out(merged.clone(), &[(ids, form)])
        .pop()
        .expect("one part for one wait")
}

/// Where the jobs answering `ids` stand in `typed`, in the order asked, each job once (a
/// wait may name a job twice, by id and by ARN).
fn picks(typed: &[JobDetail], ids: &[String]) -> Vec<usize> {
    let mut taken = vec![false; typed.len()];
    let mut picks = Vec::new();
    for id in ids {
        if let Some(index) = typed
            .iter()
            .enumerate()
            .position(|(i, job)| !taken[i] && is_job(job, id))
        {
            taken[index] = true;
            picks.push(index);
        }
    }
    picks
}

/// Where the raw JSON of the typed job at `index` stands in `raw`: at the same index when
/// it is the same job (the SDK keeps the order), else where its id is.
fn raw_job(raw: &[Value], job: &JobDetail, index: usize) -> Option<usize> {
    fn id_of(value: &Value) -> Option<&str> {
        value.get("jobId").and_then(Value::as_str)
    }
    let wanted = job.job_id();
    match raw.get(index) {
        Some(value) if id_of(value) == wanted => Some(index),
        _ => raw.iter().position(|value| id_of(value) == wanted),
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
    fn every_wait_gets_its_jobs_whether_moved_or_copied() {
        let job = |id: &str| json!({"jobId": id, "status": "RUNNING"});
        let body = json!({"jobs": [job("a"), job("b"), job("c")], "next": null});
        let merged = merged(body, &["a", "b", "c"]);
        let ids = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
        // "a" is asked by three waits (copied twice, moved once), "b" by one, "c" by two.
        let asked = [
            (ids(&["a", "c"]), Form::Raw),
            (ids(&["b", "a"]), Form::Typed),
            (ids(&["c", "a"]), Form::Raw),
            (ids(&["a"]), Form::Typed),
        ];
        let waits: Vec<(&[String], Form)> = asked.iter().map(|(i, f)| (&i[..], *f)).collect();
        let parts = share_out(merged.clone(), &waits);
        assert_eq!(parts.len(), asked.len());
        for (part, (ids, form)) in parts.iter().zip(&asked) {
            let alone = response_for(&merged, ids, *form);
            assert_eq!(part.jobs(), alone.jobs(), "{ids:?}");
            assert_eq!(part.body, alone.body, "{ids:?}");
            let got: Vec<_> = part.jobs().iter().filter_map(|j| j.job_id()).collect();
            assert_eq!(got, *ids, "the asked jobs in the order asked");
        }
        assert_eq!(
            parts[2].body,
            json!({"jobs": [job("c"), job("a")], "next": null})
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

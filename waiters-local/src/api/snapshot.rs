//! `GetJobQueueSnapshot`: the front of a job queue, its `RUNNABLE` jobs in the order they
//! were submitted (the local endpoint schedules first in, first out).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::app::App;
use crate::wire::{ApiError, required};

/// The real service lists at most this many jobs at the front.
const MAX_FRONT: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GetJobQueueSnapshotRequest {
    job_queue: Option<String>,
}

pub(super) fn get_job_queue_snapshot(
    app: &App,
    request: GetJobQueueSnapshotRequest,
) -> Result<Value, ApiError> {
    let name = required(request.job_queue, "jobQueue")?;
    let queue_arn = app
        .resources()
        .job_queue(&name)
        .map(|q| q.arn.clone())
        .ok_or_else(|| ApiError::Client(format!("jobQueue {name} does not exist")))?;
    let now = app.clock.now();
    let jobs = app.jobs();
    // Submission order; earliestTimeAtPosition is the submission time, an approximation
    // of when the job reached its place.
    let front: Vec<Value> = jobs
        .all_visible(now)
        .filter(|job| job.queue_arn() == queue_arn && job.status(now).name() == "RUNNABLE")
        .take(MAX_FRONT)
        .map(|job| json!({"jobArn": job.arn, "earliestTimeAtPosition": job.created_at(&app.clock)}))
        .collect();
    Ok(json!({
        "frontOfQueue": {"jobs": front, "lastUpdatedAt": app.clock.epoch_millis(now)},
    }))
}

//! `waiters diagnose JOB_ID`: why a job is not starting (the library's
//! `waiters_runtime::diagnose`), and the text both it and `wait-for-job --stuck-after` print.

use std::time::Duration;

use waiters_runtime::diagnose::{Diagnosis, diagnose};

use crate::aws::batch_client;
use crate::cli::{DiagnoseArgs, OutputFormat};
use crate::error::{CliError, Exit, stderr_line, stdout_line, stdout_text};
use crate::wait::check_job_ids;

pub(crate) async fn run(args: &DiagnoseArgs) -> Result<Exit, CliError> {
    let ids = check_job_ids(std::slice::from_ref(&args.job_id))?;
    let batch = batch_client(&args.aws).await?;
    let diagnosis = match diagnose(&batch.client, &ids[0]).await {
        Ok(diagnosis) => diagnosis,
        Err(error) => {
            stderr_line(&format!("waiters: {error} (endpoint {})", batch.endpoint));
            return Ok(Exit::Error);
        }
    };
    match args.output {
        OutputFormat::Json => stdout_line(&diagnosis.to_json().to_string()),
        OutputFormat::Text => {
            for line in text_lines(&diagnosis) {
                stdout_text(&line);
            }
        }
    }
    Ok(exit(&diagnosis))
}

/// 5 when the job will not start until something changes, else 0.
pub(crate) fn exit(diagnosis: &Diagnosis) -> Exit {
    if diagnosis.stuck_for_good() {
        Exit::Stuck
    } else {
        Exit::Success
    }
}

/// The job, then each finding: its cause, evidence and fix; then what was not checked.
pub(crate) fn text_lines(diagnosis: &Diagnosis) -> Vec<String> {
    let queue = diagnosis
        .queue
        .as_deref()
        .map(|q| format!(" in queue {q}"))
        .unwrap_or_default();
    let verdict = if diagnosis.stuck_for_good() {
        "it will not start until something changes"
    } else {
        "nothing found that keeps it from starting for good"
    };
    let mut lines = vec![format!(
        "job {} is {}{queue}: {verdict}",
        diagnosis.job_id, diagnosis.status
    )];
    for finding in diagnosis.findings() {
        let fixes = if finding.fixes_itself {
            "can fix itself"
        } else {
            "will not fix itself"
        };
        lines.push(format!(
            "cause: {} [{}], {fixes}",
            finding.cause,
            finding.cause.code()
        ));
        lines.extend(finding.evidence.iter().map(|e| format!("  evidence: {e}")));
        lines.push(format!("  fix: {}", finding.fix));
    }
    lines.extend(
        diagnosis
            .unchecked
            .iter()
            .map(|u| format!("unchecked: {u}")),
    );
    lines
}

/// The warning `wait-for-job` prints when a job has been RUNNABLE for `after`.
pub(crate) fn warning_line(diagnosis: &Diagnosis, after: Option<Duration>) -> String {
    let how_long = match after {
        Some(after) => format!("RUNNABLE for {}s", after.as_secs()),
        None => "blocking its queue (Batch Job Queue Blocked)".to_owned(),
    };
    match diagnosis.findings().first() {
        Some(finding) => format!(
            "waiters: warning: job {} {how_long}: {} [{}]; fix: {}",
            diagnosis.job_id,
            finding.cause,
            finding.cause.code(),
            finding.fix
        ),
        None => format!("waiters: warning: job {} {how_long}", diagnosis.job_id),
    }
}

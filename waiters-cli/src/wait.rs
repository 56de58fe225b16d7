//! `waiters wait`: one waiter of the model, DescribeJobs on the given jobs, or any
//! operation on its `--input` (see `operation_input`).

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use waiters_runtime::config::DelayStrategy;

use crate::aws::batch_client;
use crate::cli::{MAX_DESCRIBE_JOBS, WaitArgs};
use crate::error::{CliError, Exit};
use crate::escape;
use crate::models::LoadedModel;
use crate::operation_input;
use crate::progress::{BatchAttempt, Progress};
use crate::report::{WaitReport, response_json};
use crate::signals::Signals;

pub(crate) async fn run(args: &WaitArgs) -> Result<Exit, CliError> {
    // From here on SIGINT and SIGTERM end the wait with a report instead of killing it.
    let mut signals = Signals::install()?;
    // Everything that needs no AWS configuration is checked first, so a typo is reported
    // even where no region or credentials are set up.
    let ids = check_job_ids(&args.job_ids)?;
    if ids.len() > MAX_DESCRIBE_JOBS {
        return Err(CliError::Usage(format!(
            "{} job ids given; one DescribeJobs call takes at most {MAX_DESCRIBE_JOBS} (use wait-for-job for more)",
            ids.len()
        )));
    }
    let model = LoadedModel::load(args.model.model.as_deref())?;
    model.require(&args.waiter)?;
    let input = operation_input::operation_input(&model, args)?;
    let batch = batch_client(&args.aws).await?;
    let waiters = model.into_waiters(batch.client)?;
    let mut waiter = waiters.get_waiter(&args.waiter)?;
    if let Some(timeout) = args.aws.call_timeout {
        waiter.config.call_timeout = Some(timeout);
    }
    if let Some(give_up) = args.aws.connect_give_up {
        waiter.config.connect_give_up = Some(give_up);
    }
    if let Some(delay) = args.delay {
        waiter.config.delay = delay;
    }
    if let Some(max_attempts) = args.max_attempts {
        waiter.config.max_attempts = Some(max_attempts);
    }
    waiter.config.max_wait = args.max_wait;
    if args.jitter {
        waiter.config.delay_strategy = DelayStrategy::airflow_jitter();
    }
    if let Some(input) = input {
        tracing::debug!(waiter = %args.waiter, config = ?waiter.config, ?input, "waiting");
        return Ok(
            operation_input::wait(args, &waiter, &input, &batch.endpoint, &mut signals).await,
        );
    }
    tracing::debug!(waiter = %args.waiter, config = ?waiter.config, jobs = ids.len(), "waiting");

    let progress = Progress::new(args.output);
    // What an interruption reports: the calls made and the last response.
    let attempts = Cell::new(0u32);
    let last_response = RefCell::new(None);
    let observer = |attempt: &BatchAttempt<'_>| {
        attempts.set(attempt.number);
        *last_response.borrow_mut() = Some(response_json(attempt.response));
        progress.attempt(None, attempt, &ids);
    };
    let waiting = progress.drive(waiter.wait_observed(ids.iter().cloned(), observer));
    let ended = signals.run(waiting).await;
    progress.clear();
    let (report, exit) = WaitReport::ended(
        &args.waiter,
        ended,
        attempts.get(),
        last_response.into_inner(),
        &batch.endpoint,
    );
    report.print(args.output);
    Ok(exit)
}

/// Rejects empty ids and ids with control characters (no job has one, and they would be
/// echoed into the output), and drops repeats (keeping the first), so each job is asked
/// for once.
pub(crate) fn check_job_ids(ids: &[String]) -> Result<Vec<String>, CliError> {
    let mut seen = HashSet::with_capacity(ids.len());
    let mut unique: Vec<String> = Vec::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        if id.trim().is_empty() {
            return Err(CliError::Usage(format!("job id #{} is empty", index + 1)));
        }
        if escape::has_unsafe(id) {
            return Err(CliError::Usage(format!(
                "job id #{} (\"{}\") contains control characters",
                index + 1,
                escape::text(id)
            )));
        }
        if seen.insert(id.as_str()) {
            unique.push(id.clone());
        }
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn job_ids_are_deduplicated_in_order() {
        let got = check_job_ids(&ids(&["b", "a", "b", "c", "a"])).ok();
        assert_eq!(got, Some(ids(&["b", "a", "c"])));
    }

    #[test]
    fn job_ids_with_control_characters_are_rejected() {
        let error = check_job_ids(&ids(&["a", "b\nsuccess: forged"]))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(r#"job id #2 ("b\nsuccess: forged") contains control characters"#)
        );
    }

    #[test]
    fn empty_job_ids_are_rejected() {
        for bad in [&["a", ""][..], &[" "][..]] {
            let error = check_job_ids(&ids(bad)).err().map(|e| e.to_string());
            assert!(
                error.as_deref().is_some_and(|e| e.contains("is empty")),
                "{error:?}"
            );
        }
    }
}

//! `waiters wait WAITER --input JSON`: a waiter on any operation, given the operation's
//! input as request JSON (`--job-id` stays the shortcut for DescribeJobs).

use std::cell::{Cell, RefCell};

use std::collections::BTreeSet;

use serde_json::{Value, json};
use waiters_runtime::BatchWaiter;
use waiters_runtime::batch::{BatchInput, BatchResponse, SUPPORTED_OPERATIONS};
use waiters_runtime::engine::Attempt;
use waiters_runtime::model::{Document, Matcher, WaiterDefinition};
use waiters_runtime::operation::BatchSdkError;

use crate::cli::WaitArgs;
use crate::error::{CliError, Exit};
use crate::models::LoadedModel;
use crate::progress::Progress;
use crate::report::{WaitReport, error_summary, response_json};
use crate::signals::Signals;

/// The operation DescribeJobs, whose input `--job-id` gives.
const DESCRIBE_JOBS: &str = "DescribeJobs";

/// The input the wait runs with, checked against the waiter's operation before any AWS
/// configuration is read: `None` for the `--job-id` path (and for an operation the
/// run-time waiters cannot call, which loading the waiters reports with the model's
/// other problems).
pub(crate) fn operation_input(
    model: &LoadedModel,
    args: &WaitArgs,
) -> Result<Option<BatchInput>, CliError> {
    let Some(waiter) = model.model.waiter(&args.waiter) else {
        return Ok(None);
    };
    let operation = waiter.operation();
    if !SUPPORTED_OPERATIONS.contains(&operation) {
        return Ok(None);
    }
    let json = match (&args.input, args.job_ids.is_empty()) {
        (Some(text), _) => read_input(text)?,
        (None, false) if operation == DESCRIBE_JOBS => return Ok(None),
        (None, false) => {
            return Err(CliError::Usage(format!(
                "waiter {} polls {operation}: --job-id is the shortcut for DescribeJobs \
                 waiters; give the {operation} input with --input JSON (members: {})",
                args.waiter,
                members(operation)
            )));
        }
        (None, true) if operation == DESCRIBE_JOBS => {
            return Err(CliError::Usage(format!(
                "waiter {} polls DescribeJobs: give --job-id ID (repeatable) or --input \
                 '{{\"jobs\": [ID, ...]}}'",
                args.waiter
            )));
        }
        // Operations without required members (list everything) work without input.
        (None, true) => json!({}),
    };
    BatchInput::from_json(operation, &json)
        .map(Some)
        .map_err(|e| CliError::Usage(format!("--input: {e}")))
}

fn members(operation: &str) -> String {
    BatchInput::members(operation)
        .unwrap_or_default()
        .join(", ")
}

/// `--input JSON` or `--input @FILE`.
fn read_input(text: &str) -> Result<Value, CliError> {
    let (source, json) = match text.strip_prefix('@') {
        Some(path) => {
            let json = std::fs::read_to_string(path).map_err(|e| {
                CliError::Usage(format!("--input: cannot read the file {path}: {e}"))
            })?;
            (format!("the file {path}"), json)
        }
        None => ("the value".to_owned(), text.to_owned()),
    };
    serde_json::from_str(&json)
        .map_err(|e| CliError::Usage(format!("--input: {source} is not JSON: {e}")))
}

/// Runs `waiter` on `input` and reports as `wait` does, on an interruption too.
pub(crate) async fn wait(
    args: &WaitArgs,
    waiter: &BatchWaiter,
    input: &BatchInput,
    endpoint: &str,
    signals: &mut Signals,
) -> Exit {
    let arguments = path_arguments(waiter.definition());
    let progress = Progress::new(args.output);
    // What an interruption reports: the calls made and the last response.
    let attempts = Cell::new(0u32);
    let last_response = RefCell::new(None);
    let observer = |attempt: &Attempt<'_, BatchResponse, BatchSdkError>| {
        attempts.set(attempt.number);
        *last_response.borrow_mut() = Some(response_json(attempt.response));
        progress.attempt_seen(None, attempt, &observed(attempt, &arguments));
    };
    let waiting = progress.drive(waiter.wait_input_observed(input, observer));
    let ended = signals.run(waiting).await;
    progress.clear();
    let (report, exit) = WaitReport::ended(
        &args.waiter,
        ended,
        attempts.get(),
        last_response.into_inner(),
        endpoint,
    );
    report.print(args.output);
    exit
}

/// The distinct JMESPath arguments of the waiter's path acceptors, in model order: what
/// the progress lines show of each response.
fn path_arguments(definition: &WaiterDefinition) -> Vec<waiters_runtime::model::Expression> {
    let mut seen = BTreeSet::new();
    definition
        .acceptors()
        .iter()
        .filter_map(|a| match &a.matcher {
            Matcher::Path { argument, .. }
            | Matcher::PathAll { argument, .. }
            | Matcher::PathAny { argument, .. } => Some(argument),
            _ => None,
        })
        .filter(|argument| seen.insert(argument.as_str().to_owned()))
        .cloned()
        .collect()
}

/// What the attempt saw: each argument's value (`computeEnvironments[].status =
/// ["CREATING"]`), or the error.
fn observed(
    attempt: &Attempt<'_, BatchResponse, BatchSdkError>,
    arguments: &[waiters_runtime::model::Expression],
) -> String {
    let response = match attempt.response {
        Ok(response) => response,
        Err(error) => return format!("error {}", error_summary(error)),
    };
    if arguments.is_empty() {
        return format!("HTTP {}", response.status);
    }
    let document = Document::new(&response.body);
    arguments
        .iter()
        .map(|argument| {
            let value = argument
                .search(&document)
                .map_or_else(|| "(error)".to_owned(), |v| v.to_string());
            format!("{argument} = {value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_is_json_or_a_file() {
        assert_eq!(read_input(r#"{"a": 1}"#).ok(), Some(json!({"a": 1})));
        let error = read_input("{")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("--input: the value is not JSON"),
            "{error}"
        );
        let error = read_input("@/nonexistent/input.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("--input: cannot read the file /nonexistent/input.json"),
            "{error}"
        );
    }
}

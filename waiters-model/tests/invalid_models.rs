//! Every kind of broken model is rejected up front, with the JSON path of each problem.

use waiters_model::WaiterModel;

/// A model with one waiter whose acceptor list is `acceptors`.
fn with_acceptors(acceptors: &str) -> String {
    format!(
        r#"{{"version": 2, "waiters": {{"JobComplete": {{"operation": "DescribeJobs", "delay": 5,
        "maxAttempts": 10, "acceptors": {acceptors}}}}}}}"#
    )
}

/// A model with one waiter whose fields are `fields`.
fn with_waiter(fields: &str) -> String {
    format!(r#"{{"version": 2, "waiters": {{"JobComplete": {{{fields}}}}}}}"#)
}

const OK_ACCEPTORS: &str = r#""acceptors": [{"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]"#;

fn problems(text: &str) -> Vec<String> {
    match WaiterModel::from_json_str(text) {
        Ok(_) => panic!("model should be rejected: {text}"),
        Err(e) => e.lines().collect(),
    }
}

fn assert_single(text: &str, expected: &str) {
    assert_eq!(problems(text), [expected.to_owned()], "model: {text}");
}

#[test]
fn malformed_json_names_line_and_column() {
    assert_single(
        "{\"version\": 2,\n \"waiters\": {,}}",
        "$: invalid JSON at line 2, column 14: key must be a string",
    );
}

#[test]
fn empty_text_is_invalid_json() {
    assert_single(
        "",
        "$: invalid JSON at line 1, column 0: EOF while parsing a value",
    );
}

#[test]
fn root_must_be_an_object() {
    assert_single("[1, 2]", "$: expected an object, found an array");
}

#[test]
fn version_must_be_2() {
    assert_single(
        r#"{"version": 1, "waiters": {}}"#,
        "version: unsupported version 1 (only version 2 is supported)",
    );
    assert_single(
        r#"{"version": "2", "waiters": {}}"#,
        "version: unsupported version \"2\" (only version 2 is supported)",
    );
}

#[test]
fn missing_version_and_waiters() {
    assert_eq!(
        problems("{}"),
        [
            "$: missing required field \"version\"",
            "$: missing required field \"waiters\""
        ]
    );
}

#[test]
fn unknown_state_is_rejected_not_treated_as_retry() {
    assert_single(
        &with_acceptors(
            r#"[{"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"},
                {"matcher": "pathAny", "argument": "jobs[].status", "expected": "FAILED", "state": "failed"}]"#,
        ),
        r#"waiters.JobComplete.acceptors[1].state: unknown state "failed" (expected success, failure or retry)"#,
    );
}

#[test]
fn unknown_matcher() {
    assert_single(
        &with_acceptors(
            r#"[{"matcher": "pathEvery", "argument": "jobs[].status", "expected": "X", "state": "success"}]"#,
        ),
        r#"waiters.JobComplete.acceptors[0].matcher: unknown matcher "pathEvery" (expected path, pathAll, pathAny, status or error)"#,
    );
}

#[test]
fn bad_jmespath_syntax() {
    assert_single(
        &with_acceptors(
            r#"[{"matcher": "path", "argument": "jobs[.status", "expected": "X", "state": "success"}]"#,
        ),
        "waiters.JobComplete.acceptors[0].argument: invalid JMESPath expression \"jobs[.status\" at column 5: Expected number, ':', or '*' -- found Dot",
    );
}

#[test]
fn unknown_jmespath_function() {
    assert_single(
        &with_acceptors(
            r#"[{"matcher": "path", "argument": "size(jobs)", "expected": 1, "state": "success"}]"#,
        ),
        "waiters.JobComplete.acceptors[0].argument: JMESPath expression \"size(jobs)\" calls unknown function size()",
    );
}

#[test]
fn path_matcher_needs_argument() {
    assert_single(
        &with_acceptors(r#"[{"matcher": "pathAll", "expected": "X", "state": "success"}]"#),
        "waiters.JobComplete.acceptors[0]: missing required field \"argument\"",
    );
}

#[test]
fn status_needs_an_http_code() {
    assert_single(
        &with_acceptors(r#"[{"matcher": "status", "expected": "404", "state": "success"}]"#),
        "waiters.JobComplete.acceptors[0].expected: matcher \"status\" expects an HTTP status code (an integer from 100 to 599), found the string \"404\"",
    );
    assert_single(
        &with_acceptors(r#"[{"matcher": "status", "expected": 99, "state": "success"}]"#),
        "waiters.JobComplete.acceptors[0].expected: matcher \"status\" expects an HTTP status code (an integer from 100 to 599), found the number 99",
    );
}

#[test]
fn error_needs_string_or_bool() {
    assert_single(
        &with_acceptors(r#"[{"matcher": "error", "expected": 400, "state": "failure"}]"#),
        "waiters.JobComplete.acceptors[0].expected: matcher \"error\" expects an error code string, true or false, found the number 400",
    );
}

#[test]
fn acceptor_missing_expected_and_state() {
    assert_eq!(
        problems(&with_acceptors(
            r#"[{"matcher": "path", "argument": "jobs[0].status"}]"#
        )),
        [
            "waiters.JobComplete.acceptors[0]: missing required field \"state\"",
            "waiters.JobComplete.acceptors[0]: missing required field \"expected\"",
        ]
    );
}

#[test]
fn negative_delay() {
    assert_single(
        &with_waiter(&format!(
            r#""operation": "DescribeJobs", "delay": -1, "maxAttempts": 3, {OK_ACCEPTORS}"#
        )),
        "waiters.JobComplete.delay: the delay must be a non-negative number of seconds, found -1",
    );
}

#[test]
fn fractional_max_attempts() {
    assert_single(
        &with_waiter(&format!(
            r#""operation": "DescribeJobs", "delay": 1, "maxAttempts": 2.5, {OK_ACCEPTORS}"#
        )),
        "waiters.JobComplete.maxAttempts: maxAttempts must be a whole number from 0 to 4294967295, found 2.5",
    );
}

#[test]
fn delay_of_wrong_type() {
    assert_single(
        &with_waiter(&format!(
            r#""operation": "DescribeJobs", "delay": "5", "maxAttempts": 3, {OK_ACCEPTORS}"#
        )),
        "waiters.JobComplete.delay: expected a number of seconds, found the string \"5\"",
    );
}

#[test]
fn missing_operation_and_empty_acceptors() {
    assert_eq!(
        problems(&with_waiter(
            r#""delay": 1, "maxAttempts": 3, "acceptors": []"#
        )),
        [
            "waiters.JobComplete: missing required field \"operation\"",
            "waiters.JobComplete.acceptors: a waiter needs at least one acceptor",
        ]
    );
}

#[test]
fn misspelled_field_is_named() {
    assert_eq!(
        problems(&with_waiter(&format!(
            r#""operation": "DescribeJobs", "delay": 1, "maxAttempt": 3, {OK_ACCEPTORS}"#
        ))),
        [
            "waiters.JobComplete.maxAttempt: unknown field \"maxAttempt\" (expected one of: operation, delay, maxAttempts, acceptors, description)",
            "waiters.JobComplete: missing required field \"maxAttempts\"",
        ]
    );
}

#[test]
fn duplicate_waiter_is_not_silently_dropped() {
    let text = format!(
        r#"{{"version": 2, "waiters": {{
            "JobComplete": {{"operation": "DescribeJobs", "delay": 1, "maxAttempts": 1, {OK_ACCEPTORS}}},
            "JobComplete": {{"operation": "DescribeJobs", "delay": 2, "maxAttempts": 1, {OK_ACCEPTORS}}}}}}}"#
    );
    assert_single(&text, "waiters.JobComplete: duplicate key \"JobComplete\"");
}

#[test]
fn waiter_that_is_not_an_object() {
    assert_single(
        r#"{"version": 2, "waiters": {"JobComplete": [1]}}"#,
        "waiters.JobComplete: expected an object, found an array",
    );
}

#[test]
fn odd_waiter_names_are_quoted_in_paths() {
    assert_single(
        r#"{"version": 2, "waiters": {"Job.Complete": 3}}"#,
        r#"waiters["Job.Complete"]: expected an object, found the number 3"#,
    );
}

#[test]
fn every_problem_of_every_waiter_is_reported_together() {
    let text = r#"{"version": 3, "waiters": {
        "A": {"operation": "DescribeJobs", "delay": -2, "maxAttempts": 1,
              "acceptors": [{"matcher": "nope", "expected": 1, "state": "success"}]},
        "B": {"operation": "", "delay": 1, "maxAttempts": -1,
              "acceptors": [{"matcher": "path", "argument": "a[", "expected": 1, "state": "maybe"}]}}}"#;
    let err = WaiterModel::from_json_str(text).unwrap_err();
    let paths: Vec<&str> = err.problems().iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "version",
            "waiters.A.delay",
            "waiters.A.acceptors[0].matcher",
            "waiters.B.operation",
            "waiters.B.maxAttempts",
            "waiters.B.acceptors[0].state",
            "waiters.B.acceptors[0].argument",
        ]
    );
    let one_line = err.to_string();
    assert!(one_line.starts_with("7 problems in waiter model: version: unsupported version 3"));
    assert!(!one_line.contains('\n'));
}

#[test]
fn source_name_prefixes_every_line() {
    let err = WaiterModel::from_json_str("{}")
        .unwrap_err()
        .with_source_name("models/x.json");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [
            "models/x.json: $: missing required field \"version\"",
            "models/x.json: $: missing required field \"waiters\""
        ]
    );
}

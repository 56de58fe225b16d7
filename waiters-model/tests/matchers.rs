//! Matcher semantics (botocore's, with our documented equality rule).

use serde_json::{Value, json};
use waiters_model::{Document, Observation, WaiterModel};

/// Builds the single acceptor `acceptor` and evaluates it on `observation`.
fn matches(acceptor: Value, observation: Observation<'_>) -> bool {
    let model = json!({"version": 2, "waiters": {"W": {
        "operation": "DescribeJobs", "delay": 1, "maxAttempts": 1,
        "acceptors": [acceptor]}}});
    let model = WaiterModel::from_json(&model).unwrap();
    model.waiter("W").unwrap().acceptors()[0].matches(&observation)
}

fn on_output(acceptor: Value, body: Value) -> bool {
    let document = Document::new(&body);
    matches(
        acceptor,
        Observation::Output {
            status: Some(200),
            document: &document,
        },
    )
}

fn on_error(acceptor: Value, status: u16, code: &str) -> bool {
    matches(
        acceptor,
        Observation::ServiceError {
            status: Some(status),
            code,
        },
    )
}

fn path(matcher: &str, argument: &str, expected: Value) -> Value {
    json!({"matcher": matcher, "argument": argument, "expected": expected, "state": "success"})
}

fn jobs(statuses: &[&str]) -> Value {
    json!({"jobs": statuses.iter().map(|s| json!({"jobId": "j", "status": s})).collect::<Vec<_>>()})
}

#[test]
fn path_compares_the_search_result() {
    let a = path("path", "jobs[0].status", json!("RUNNING"));
    assert!(on_output(a.clone(), jobs(&["RUNNING", "FAILED"])));
    assert!(!on_output(a.clone(), jobs(&["FAILED", "RUNNING"])));
    // A missing member searches to null, which is not "RUNNING".
    assert!(!on_output(a, json!({"jobs": []})));
    // ... but does equal an expected null.
    assert!(on_output(
        path("path", "jobs[0].status", Value::Null),
        json!({"jobs": []})
    ));
}

#[test]
fn path_on_a_list_compares_the_whole_list() {
    let a = path("path", "jobs[].status", json!(["A", "B"]));
    assert!(on_output(a.clone(), jobs(&["A", "B"])));
    assert!(!on_output(a, jobs(&["B", "A"])));
}

#[test]
fn path_all_needs_a_non_empty_list_of_equal_elements() {
    let a = path("pathAll", "jobs[].status", json!("SUCCEEDED"));
    assert!(on_output(a.clone(), jobs(&["SUCCEEDED"])));
    assert!(on_output(a.clone(), jobs(&["SUCCEEDED", "SUCCEEDED"])));
    assert!(!on_output(a.clone(), jobs(&["SUCCEEDED", "FAILED"])));
    assert!(
        !on_output(a.clone(), jobs(&[])),
        "an empty list never matches"
    );
    assert!(!on_output(a, json!({})), "null never matches");
    // A scalar result is not a list.
    assert!(!on_output(
        path("pathAll", "jobs[0].status", json!("SUCCEEDED")),
        jobs(&["SUCCEEDED"])
    ));
}

#[test]
fn path_any_needs_one_equal_element() {
    let a = path("pathAny", "jobs[].status", json!("FAILED"));
    assert!(on_output(a.clone(), jobs(&["SUCCEEDED", "FAILED"])));
    assert!(!on_output(a.clone(), jobs(&["SUCCEEDED"])));
    assert!(!on_output(a.clone(), jobs(&[])));
    assert!(
        !on_output(
            path("pathAny", "jobs[0].status", json!("FAILED")),
            jobs(&["FAILED"])
        ),
        "a scalar result never matches pathAny"
    );
    assert!(!on_output(a, json!({"jobs": "FAILED"})));
}

#[test]
fn projections_drop_nulls() {
    // jobs[].status over [{"status":"X"},{}] is ["X"]: the job without a status vanishes.
    let body = json!({"jobs": [{"status": "SUCCEEDED"}, {"jobId": "no-status"}]});
    assert!(on_output(
        path("pathAll", "jobs[].status", json!("SUCCEEDED")),
        body.clone()
    ));
    assert!(on_output(
        path("path", "length(jobs[].status)", json!(1)),
        body
    ));
}

#[test]
fn numbers_compare_by_value_but_never_equal_booleans() {
    let body = json!({"n": 1, "f": 1.0, "t": true, "big": 9007199254740993u64});
    assert!(on_output(path("path", "n", json!(1.0)), body.clone()));
    assert!(on_output(path("path", "f", json!(1)), body.clone()));
    assert!(!on_output(path("path", "t", json!(1)), body.clone()));
    assert!(!on_output(path("path", "n", json!(true)), body.clone()));
    assert!(on_output(path("path", "t", json!(true)), body.clone()));
    // Large integers compare exactly, not through f64 rounding.
    assert!(!on_output(
        path("path", "big", json!(9007199254740992u64)),
        body.clone()
    ));
    assert!(on_output(
        path("path", "big", json!(9007199254740993u64)),
        body
    ));
}

#[test]
fn strings_do_not_equal_numbers() {
    assert!(!on_output(path("path", "n", json!("1")), json!({"n": 1})));
}

#[test]
fn path_matchers_ignore_error_responses() {
    assert!(!on_error(
        path("path", "length(jobs)", json!(0)),
        400,
        "ClientException"
    ));
    assert!(!on_error(
        path("pathAll", "jobs[].status", json!("X")),
        400,
        "X"
    ));
}

#[test]
fn status_matches_success_and_error_responses() {
    let a = json!({"matcher": "status", "expected": 404, "state": "retry"});
    assert!(on_error(a.clone(), 404, "NotFound"));
    assert!(!on_error(a.clone(), 400, "ClientException"));
    let ok = json!({"matcher": "status", "expected": 200, "state": "success"});
    assert!(on_output(ok, json!({})));
    assert!(!on_output(a, json!({})));
}

#[test]
fn error_with_code() {
    let a = json!({"matcher": "error", "expected": "ClientException", "state": "failure"});
    assert!(on_error(a.clone(), 400, "ClientException"));
    assert!(!on_error(a.clone(), 500, "ServerException"));
    assert!(!on_output(a, json!({})));
}

#[test]
fn error_with_empty_code_matches_every_success() {
    // The reference JobExists ends with this acceptor in state failure: a success with an
    // empty job list matches it, so botocore fails at once.
    let a = json!({"matcher": "error", "expected": "", "argument": "jobs[].status", "state": "failure"});
    assert!(on_output(a.clone(), json!({"jobs": []})));
    assert!(on_output(a.clone(), jobs(&["RUNNING"])));
    assert!(!on_error(a, 400, "ClientException"));
}

#[test]
fn error_true_and_false() {
    let any = json!({"matcher": "error", "expected": true, "state": "failure"});
    assert!(on_error(any.clone(), 400, "Whatever"));
    assert!(
        on_error(any.clone(), 400, ""),
        "an error without a code is still an error"
    );
    assert!(!on_output(any, json!({})));
    let none = json!({"matcher": "error", "expected": false, "state": "success"});
    assert!(on_output(none.clone(), json!({})));
    assert!(!on_error(none, 400, "Whatever"));
}

#[test]
fn filters_comparisons_and_boolean_logic() {
    let body = json!({"jobs": [
        {"status": "FAILED", "exitCode": 2},
        {"status": "SUCCEEDED", "exitCode": 0}]});
    assert!(on_output(
        path(
            "path",
            "length(jobs[?status == 'FAILED']) > `0`",
            json!(true)
        ),
        body.clone()
    ));
    assert!(on_output(
        path("pathAny", "jobs[?exitCode != `0`].status", json!("FAILED")),
        body.clone()
    ));
    assert!(on_output(
        path(
            "path",
            "!contains(jobs[].status, 'RUNNING') && length(jobs) == `2`",
            json!(true)
        ),
        body.clone()
    ));
    assert!(on_output(
        path(
            "path",
            "jobs[0].status == 'X' || jobs[1].status == 'SUCCEEDED'",
            json!(true)
        ),
        body
    ));
}

#[test]
fn a_jmespath_type_error_is_no_match() {
    // length(null) is a JMESPath run-time error; it must not abort the wait.
    assert!(!on_output(
        path("path", "length(missing)", json!(0)),
        json!({})
    ));
}

#[test]
fn first_matching_acceptor_wins() {
    let model = WaiterModel::from_json(&json!({"version": 2, "waiters": {"W": {
        "operation": "DescribeJobs", "delay": 1, "maxAttempts": 1,
        "acceptors": [
            {"matcher": "pathAny", "argument": "jobs[].status", "expected": "FAILED", "state": "failure"},
            {"matcher": "pathAny", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}]}}}))
    .unwrap();
    let body = Document::new(&jobs(&["SUCCEEDED", "FAILED"]));
    let (index, acceptor) = model
        .waiter("W")
        .unwrap()
        .first_match(&Observation::Output {
            status: Some(200),
            document: &body,
        })
        .unwrap();
    assert_eq!(index, 0);
    assert_eq!(
        acceptor.explanation(),
        "For expression \"jobs[].status\" we matched expected path: \"FAILED\" at least once"
    );
}

#[test]
fn explanations_read_as_botocore_writes_them() {
    let model = WaiterModel::from_json(&json!({"version": 2, "waiters": {"W": {
        "operation": "DescribeJobs", "delay": 1, "maxAttempts": 1,
        "acceptors": [
            {"matcher": "path", "argument": "a", "expected": true, "state": "success"},
            {"matcher": "pathAll", "argument": "b[]", "expected": "X", "state": "success"},
            {"matcher": "status", "expected": 404, "state": "retry"},
            {"matcher": "error", "expected": "NotFound", "state": "retry"},
            {"matcher": "error", "expected": true, "state": "failure"}]}}}))
    .unwrap();
    let texts: Vec<String> = model
        .waiter("W")
        .unwrap()
        .acceptors()
        .iter()
        .map(|a| a.explanation())
        .collect();
    assert_eq!(
        texts,
        [
            "For expression \"a\" we matched expected path: \"True\"",
            "For expression \"b[]\" all members matched expected path: \"X\"",
            "Matched expected HTTP status code: 404",
            "Matched expected service error code: NotFound",
            "Matched expected service error code: True",
        ]
    );
}

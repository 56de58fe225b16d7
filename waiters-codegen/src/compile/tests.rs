//! The compiler end to end: arguments over DescribeJobs's output, as code or as errors.

use quote::quote;
use serde_json::{Value, json};
use waiters_model::Expression;

use super::error::Result;
use super::{CompileError, CompiledMatch, Compiler};
use crate::shapes::ShapeTable;

/// Compiles a matcher over DescribeJobs's output: its code as a string, or the error.
fn compile(matcher: &str, argument: &str, expected: Value) -> Result<CompiledMatch> {
    let table = ShapeTable::batch().expect("bundled table");
    let mut compiler = Compiler::new(table, &quote!(rt));
    let expression = Expression::compile(argument).expect("valid JMESPath");
    match matcher {
        "path" => compiler.path("DescribeJobsResponse", expression.ast(), &expected),
        "pathAll" => compiler.path_list("DescribeJobsResponse", expression.ast(), &expected, true),
        _ => compiler.path_list("DescribeJobsResponse", expression.ast(), &expected, false),
    }
}

fn code(matcher: &str, argument: &str, expected: Value) -> String {
    let compiled =
        compile(matcher, argument, expected).unwrap_or_else(|e| panic!("{argument}: {e:?}"));
    compiled.code.to_string()
}

fn error(matcher: &str, argument: &str, expected: Value) -> CompileError {
    match compile(matcher, argument, expected) {
        Ok(compiled) => panic!("{argument} compiled to {}", compiled.code),
        Err(e) => e,
    }
}

#[test]
fn projection_of_an_enum_reads_the_list_field_and_matches_variants() {
    let status = quote!(rt::aws_sdk_batch::types::JobStatus);
    let known = quote!(#status::Submitted
        | #status::Pending
        | #status::Runnable
        | #status::Starting
        | #status::Running
        | #status::Succeeded
        | #status::Failed);
    // pathAll loops over the jobs as a hand-written loop does, and tests the SDK's
    // default for a missing status only on a mismatch.
    assert_eq!(
        code("pathAll", "jobs[].status", json!("SUCCEEDED")),
        quote!(rt::__private::path_all_fields(
            output.jobs.as_deref(),
            |__v3| __v3.status(),
            |__e4| !::core::matches!(__e4, #known) && __e4.as_str() == "no value was set",
            |__x5| ::core::matches!(__x5, #status::Succeeded)
        ))
        .to_string()
    );
    // pathAny never needs it.
    assert_eq!(
        code("pathAny", "jobs[].status", json!("FAILED")),
        quote!(rt::__private::path_any_fields(
            output.jobs.as_deref(),
            |__v3| __v3.status(),
            |__x5| ::core::matches!(__x5, #status::Failed)
        ))
        .to_string()
    );
    // A projection over a projection keeps the iterator, with the late test.
    let nested = code("pathAll", "jobs[?jobId][].status", json!("FAILED"));
    assert!(
        nested.starts_with("rt :: __private :: path_all_except"),
        "{nested}"
    );
    // Anywhere else the default is dropped from the list first.
    let length = code("path", "length(jobs[].status)", json!(1));
    assert!(
        length.contains(". filter (| & __e4 | :: core :: matches ! (__e4 ,"),
        "{length}"
    );
}

#[test]
fn enums_are_text_where_jmespath_needs_strings() {
    let length = code("path", "length(jobs[0].status)", json!(7));
    assert!(
        length.contains(". as_str ()) ? . chars () . count ()"),
        "{length}"
    );
    let contains = code("path", "contains(jobs[0].status, 'ED')", json!(true));
    assert!(contains.contains(". as_str ())"), "{contains}");
    let compared = code("path", "jobs[0].status == jobs[0].jobId", json!(true));
    assert!(compared.contains(". as_str ())"), "{compared}");
}

#[test]
fn length_of_a_member_list_can_fail() {
    let compiled = compile("path", "length(jobs)", json!(0)).expect("compiles");
    assert!(compiled.fallible, "length(null) is an error");
    assert_eq!(
        compiled.code.to_string(),
        quote!({
            let __x1 = output.jobs.as_deref()?.len();
            rt::__private::expected_int(__x1, 0i128)
        })
        .to_string()
    );
}

#[test]
fn filter_with_identity_is_a_filter() {
    let code = code(
        "path",
        "length(jobs[?status == 'FAILED']) > `0`",
        json!(true),
    );
    assert!(code.contains(". filter (| & __v3 |"), "{code}");
    assert!(code.contains("rt :: __private :: num_gt"), "{code}");
    assert!(
        !code.contains("collect"),
        "an infallible filter stays lazy: {code}"
    );
}

#[test]
fn fallible_filter_is_collected_first() {
    let compiled = compile(
        "path",
        "length(jobs[?length(statusReason) > `2`]) == `1`",
        json!(true),
    )
    .expect("compiles");
    let code = compiled.code.to_string();
    assert!(compiled.fallible);
    assert!(
        code.contains("collect :: < :: core :: option :: Option"),
        "{code}"
    );
    assert!(code.contains("status_reason () ?"), "{code}");
}

#[test]
fn nested_members_and_flatten() {
    let code = code("pathAll", "jobs[].attempts[].container.exitCode", json!(0));
    assert!(code.contains("__v3 . attempts . as_deref ()"), "{code}");
    assert!(code.contains("flat_map"), "{code}");
    assert!(
        code.contains("and_then (| __o9 | __o9 . exit_code ())"),
        "{code}"
    );
    assert!(
        code.contains("rt :: __private :: expected_int (__x10 , 0i128)"),
        "{code}"
    );
}

#[test]
fn indexes_use_first_last_and_get() {
    assert!(code("path", "jobs[0].jobId", json!("x")).contains("__l1 . first ()"));
    assert!(code("path", "jobs[-1].jobId", json!("x")).contains("__l1 . last ()"));
    assert!(code("path", "jobs[2].jobId", json!("x")).contains("__l1 . get (2)"));
    assert!(
        code("path", "jobs[-3].jobId", json!("x")).contains("checked_sub (3)"),
        "negative index from the end"
    );
}

#[test]
fn booleans_compare_without_bool_literals() {
    let code = code("path", "jobs[0].isCancelled", json!(false));
    assert!(code.ends_with("is_some_and (| __x4 | ! __x4)"), "{code}");
}

#[test]
fn null_expected_means_absent() {
    let code = code("path", "jobs[0].startedAt", Value::Null);
    assert!(code.ends_with(". is_none ()"), "{code}");
    assert!(matches!(
        error("path", "length(jobs)", Value::Null),
        CompileError::Expected { .. }
    ));
}

#[test]
fn logic_on_plain_booleans_is_rust_logic() {
    let code = code(
        "path",
        "jobs[0].status == 'RUNNING' || contains(jobs[].status, 'STARTING')",
        json!(true),
    );
    assert!(code.contains("||"), "{code}");
    assert!(!code.contains("__decided"), "{code}");
    let mixed = code_of_mixed();
    assert!(mixed.contains("__decided"), "{mixed}");
}

fn code_of_mixed() -> String {
    code(
        "path",
        "!contains(jobs[].jobQueue, 'q') && length(jobs) > `0`",
        json!(false),
    )
}

#[test]
fn unknown_members_are_suggested() {
    assert_eq!(
        error("pathAll", "jobs[].statuz", json!("X")),
        CompileError::UnknownMember {
            shape: "JobDetail".into(),
            member: "statuz".into(),
            suggestion: Some("status".into()),
            members: Vec::new(),
            missing_from_sdk: None,
        }
    );
    match error("path", "jobs[0].containr.exitCode", json!(0)) {
        CompileError::UnknownMember { suggestion, .. } => {
            assert_eq!(suggestion.as_deref(), Some("container"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn type_errors_say_why() {
    for (matcher, argument, expected, needle) in [
        ("path", "jobs.status", json!("X"), "project over the list"),
        (
            "path",
            "length(jobs[0].schedulingPriority)",
            json!(1),
            "is given a number",
        ),
        (
            "path",
            "jobs[0].status > `1`",
            json!(true),
            "only order numbers",
        ),
        ("path", "jobs[0].status == `1`", json!(true), "never equal"),
        (
            "path",
            "jobs[0].status == 'FAILD'",
            json!(true),
            "did you mean \"FAILED\"",
        ),
        (
            "path",
            "length(jobs[0].jobId) == `null`",
            json!(true),
            "never is",
        ),
        (
            "path",
            "contains(jobs[0].jobId, `1`)",
            json!(true),
            "never found",
        ),
        (
            "path",
            "contains(length(jobs), 'x')",
            json!(true),
            "string or a list",
        ),
        (
            "path",
            "length(jobs[?container])",
            json!(1),
            "truth of a ContainerDetail",
        ),
        (
            "pathAny",
            "jobs[0].status",
            json!("X"),
            "pathAny needs a list",
        ),
        ("path", "jobs[0][0]", json!(1), "not a list"),
        ("path", "jobs[0].status[]", json!(1), "not a list"),
        ("path", "length(jobs[], 'a')", json!(1), "takes 1 argument"),
    ] {
        match error(matcher, argument, expected) {
            CompileError::Type(message) => {
                assert!(message.contains(needle), "{argument}: {message}")
            }
            other => panic!("{argument}: {other:?}"),
        }
    }
}

#[test]
fn expected_mismatches() {
    for (matcher, argument, expected, gives) in [
        (
            "pathAll",
            "jobs[].status",
            json!(1),
            "its elements are JobStatus strings",
        ),
        ("path", "length(jobs)", json!("0"), "it gives a number"),
        (
            "path",
            "jobs[0].isCancelled",
            json!(1),
            "it gives a boolean",
        ),
        (
            "pathAny",
            "jobs[].status",
            json!("FAILD"),
            "did you mean \"FAILED\"",
        ),
        (
            "path",
            "jobs[0]",
            json!({"a": 1}),
            "JSON object is not supported",
        ),
    ] {
        match error(matcher, argument, expected) {
            CompileError::Expected { gives: message, .. } => {
                assert!(message.contains(gives), "{argument}: {message}")
            }
            other => panic!("{argument}: {other:?}"),
        }
    }
}

#[test]
fn unsupported_constructs_are_named() {
    for (argument, construct) in [
        ("jobs[0:1].status", "a slice"),
        (
            "jobs[0].*",
            "an object wildcard (`*`) over a JobDetail structure",
        ),
        ("jobs[].[jobId, status]", "multi-select list"),
        ("jobs[].{a: jobId}", "multi-select hash"),
        (
            "sort_by(jobs, &createdAt)[0].status",
            "the function sort_by()",
        ),
        (
            "jobs[0] == jobs[1]",
            "a comparison of a JobDetail structure",
        ),
        (
            "jobs[0].jobId || jobs[0].status",
            "`||` between a string and a JobStatus string",
        ),
        ("`\"x\"`", "only a literal"),
        ("length(jobs[0])", "length() of a JobDetail structure"),
    ] {
        match error("path", argument, json!("x")) {
            CompileError::Unsupported { construct: c, .. } => {
                assert!(c.contains(construct), "{argument}: {c}")
            }
            other => panic!("{argument}: {other:?}"),
        }
    }
}

#[test]
fn maps_are_read_by_key() {
    let code = code("path", "jobs[0].parameters.mode", json!("fast"));
    assert!(code.contains("get (\"mode\")"), "{code}");
    assert!(code.contains("as_str ()"), "{code}");
    let code = code_len_map();
    assert!(code.contains(". len ()"), "{code}");
}

fn code_len_map() -> String {
    code("path", "length(jobs[0].tags)", json!(2))
}

#[test]
fn list_literals_compare_element_by_element() {
    let code = code("path", "jobs[].status", json!(["RUNNING", "FAILED"]));
    assert!(code.contains("__it"), "{code}");
    assert!(code.ends_with(". next () . is_none () })"), "{code}");
    let inner = code_inner();
    assert!(inner.contains("rt :: __private :: num_eq"), "{inner}");
}

fn code_inner() -> String {
    code(
        "path",
        "jobs[0].dependsOn[].jobId == `[\"a\"]`",
        json!(true),
    )
    .replace("rt :: num_eq", "")
        + &code("path", "jobs[].schedulingPriority == `[1, 2]`", json!(true))
}

//! Model problems through the public API: messages, JSON paths, the fallback, and no
//! panic on any input.

use proptest::prelude::*;
use waiters_codegen::{Options, ProblemKind, generate};

fn model(waiters: &str) -> String {
    format!(r#"{{"version": 2, "waiters": {{{waiters}}}}}"#)
}

fn waiter(name: &str, operation: &str, acceptors: &str) -> String {
    format!(
        r#""{name}": {{"operation": "{operation}", "delay": 1, "maxAttempts": 2, "acceptors": [{acceptors}]}}"#
    )
}

const OK: &str = r#"{"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"}"#;

fn lines(json: &str) -> Vec<String> {
    match generate(&Options::new("m.json"), json) {
        Ok(_) => Vec::new(),
        Err(failure) => failure.error.lines().collect(),
    }
}

#[test]
fn a_valid_model_generates() {
    let json = model(&waiter("JobDone", "DescribeJobs", OK));
    assert!(generate(&Options::new("m.json"), &json).is_ok());
}

#[test]
fn snake_and_kebab_case_names_become_upper_camel_case_types() {
    let json = model(
        &[
            waiter("compute_env_ready", "DescribeJobs", OK),
            waiter("job-done", "DescribeJobs", OK),
        ]
        .join(", "),
    );
    let code = generate(&Options::new("m.json"), &json)
        .unwrap_or_else(|f| panic!("{}", f.error))
        .to_string();
    for item in [
        "pub type ComputeEnvReady",
        "pub enum ComputeEnvReadyDefinition",
        "fn wait_until_compute_env_ready",
        "const NAME : & 'static str = \"compute_env_ready\"",
        "pub type JobDone",
        "fn wait_until_job_done",
        "const NAME : & 'static str = \"job-done\"",
    ] {
        assert!(code.contains(item), "{item} in {code}");
    }
}

#[test]
fn every_problem_is_reported_in_model_order() {
    let json = model(
        &[
            waiter("A", "DescribeJobs", &OK.replace("status\"", "statuz\"")),
            waiter("B", "SubmitJob", OK),
            waiter("c.d", "DescribeJobs", OK),
        ]
        .join(", "),
    );
    assert_eq!(
        lines(&json),
        [
            "m.json: waiters.A.acceptors[0].argument: in `jobs[].statuz`: JobDetail has no \
             member `statuz` (did you mean `status`?)"
                .to_owned(),
            format!(
                "m.json: waiters.B.operation: operation \"SubmitJob\" is not supported by \
                 waiters! code generation: waiters poll read-only operations (supported: {})",
                waiters_codegen::supported_operations().join(", ")
            ),
            "m.json: waiters[\"c.d\"]: waiter name \"c.d\" is not a valid Rust type name: it may \
             only contain ASCII letters, digits, `_` and `-`"
                .to_owned(),
        ]
    );
}

#[test]
fn clashing_names_are_errors() {
    let json = model(
        &[
            waiter("JobOk", "DescribeJobs", OK),
            waiter("JobOK", "DescribeJobs", OK),
        ]
        .join(", "),
    );
    assert_eq!(
        lines(&json),
        [
            "m.json: waiters.JobOk: method `wait_until_job_ok` of waiter \"JobOk\" clashes with \
             the one generated for waiter \"JobOK\""
        ]
    );
    // Names of different cases that map to one type.
    let json = model(
        &[
            waiter("compute_env_ready", "DescribeJobs", OK),
            waiter("ComputeEnvReady", "DescribeJobs", OK),
        ]
        .join(", "),
    );
    assert_eq!(
        lines(&json),
        [
            "m.json: waiters.compute_env_ready: type `ComputeEnvReady` of waiter \
             \"compute_env_ready\" clashes with the waiter type generated for waiter \
             \"ComputeEnvReady\" (waiter names map to UpperCamelCase types: rename one of the \
             two)"
        ]
    );
    let json = model(&waiter("Waiters", "DescribeJobs", OK));
    let found = lines(&json);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].contains(
            "type `Waiters` of waiter \"Waiters\" clashes with the generated extension trait"
        ),
        "{found:?}"
    );
    // Renaming the trait resolves it.
    let options = Options::new("m.json").extension_trait(quote::format_ident!("Batch"));
    assert!(generate(&options, &json).is_ok());
}

#[test]
fn the_fallback_keeps_every_usable_waiter() {
    // An acceptor that does not compile: the waiter stays, without that acceptor.
    let json = model(&waiter(
        "JobDone",
        "DescribeJobs",
        &format!("{OK}, {}", OK.replace("SUCCEEDED", "DONE")),
    ));
    let failure = generate(&Options::new("m.json"), &json).unwrap_err();
    let code = failure.fallback.to_string();
    assert!(code.contains("pub type JobDone"), "{code}");
    assert!(code.contains("fn acceptor_0"), "{code}");
    assert!(!code.contains("fn acceptor_1"), "{code}");

    // A model that does not load: stubs from the raw JSON, for the names that can be types.
    let json = r#"{"version": 2, "waiters": {"JobDone": {"operation": "DescribeJobs", "delay": 4,
        "maxAttempts": 3, "acceptors": [{"matcher": "nope", "expected": 1, "state": "success"}]},
        "bad name": {}}}"#;
    let failure = generate(&Options::new("m.json"), json).unwrap_err();
    // The unknown matcher, four missing fields and the name.
    assert_eq!(failure.error.problems().len(), 6, "{}", failure.error);
    assert!(matches!(
        failure.error.problems()[5].kind,
        ProblemKind::InvalidWaiterName { .. }
    ));
    let code = failure.fallback.to_string();
    assert!(code.contains("pub type JobDone"), "{code}");
    assert!(code.contains("Duration :: new (4u64 , 0u32)"), "{code}");
    assert!(
        code.contains("Acceptor < Self :: Operation >] = & [] ;"),
        "no acceptors: {code}"
    );

    // Not JSON at all: only the trait.
    let failure = generate(&Options::new("m.json"), "{").unwrap_err();
    assert!(matches!(
        failure.error.problems()[0].kind,
        ProblemKind::Model(_)
    ));
    assert!(failure.fallback.to_string().contains("pub trait Waiters"));
}

#[test]
fn runtime_path_and_include_are_used() {
    let json = model(&waiter("JobDone", "DescribeJobs", OK));
    let options = Options::new("m.json")
        .runtime(quote::quote!(crate::rt))
        .include_path("/abs/m.json");
    let code = generate(&options, &json).expect("valid").to_string();
    assert!(code.contains("include_str ! (\"/abs/m.json\")"), "{code}");
    assert!(code.contains("crate :: rt :: typed :: Waiter"), "{code}");
    assert!(!code.contains("waiters_runtime"), "{code}");
}

#[test]
fn status_and_error_matchers_need_no_shape() {
    let acceptors = r#"{"matcher": "status", "expected": 404, "state": "success"},
        {"matcher": "error", "expected": "ClientException", "state": "failure"},
        {"matcher": "error", "expected": true, "state": "retry"},
        {"matcher": "error", "expected": false, "state": "retry"}"#;
    let code = generate(
        &Options::new("m.json"),
        &model(&waiter("Gone", "DescribeJobs", acceptors)),
    )
    .expect("valid")
    .to_string();
    for helper in [
        "status_matches (response , 404u16)",
        "error_code_matches (response , \"ClientException\")",
        "is_service_error (response)",
        "is_success (response)",
    ] {
        assert!(code.contains(helper), "{helper}: {code}");
    }
}

#[test]
fn real_botocore_models_are_rejected_cleanly() {
    // Other services' waiters: every waiter names an operation Batch does not have.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/botocore");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let json = std::fs::read_to_string(&path).expect("read fixture");
        let failure = generate(&Options::new("m.json"), &json).unwrap_err();
        assert!(
            failure.error.problems().iter().all(|p| matches!(
                p.kind,
                ProblemKind::UnknownOperation { .. } | ProblemKind::InvalidWaiterName { .. }
            )),
            "{}: {}",
            path.display(),
            failure.error
        );
        files += 1;
    }
    assert!(files >= 8);
}

/// JMESPath fragments, valid and not, typed right and not.
fn argument() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "jobs",
        "jobs[]",
        "jobs[*]",
        "jobs[0]",
        "jobs[-1]",
        "status",
        "jobId",
        "container",
        "exitCode",
        "attempts",
        "statuz",
        "tags",
        "parameters.x",
        "@",
        "`1`",
        "`\"X\"`",
        "`null`",
        "`[1, 2]`",
        "'RUNNING'",
        "length(jobs)",
        "length(@)",
        "isCancelled",
    ])
    .prop_map(str::to_owned);
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}.{b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[].{b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[?{b}]")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} == {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} > {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} && {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} || {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("contains({a}, {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} | {b}")),
            inner.clone().prop_map(|a| format!("length({a})")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.prop_map(|a| format!("{a}[0:1]")),
        ]
    })
}

fn expected() -> impl Strategy<Value = serde_json::Value> {
    prop::sample::select(vec![
        serde_json::json!("RUNNING"),
        serde_json::json!("X"),
        serde_json::json!(0),
        serde_json::json!(1.5),
        serde_json::json!(true),
        serde_json::Value::Null,
        serde_json::json!([1, "a"]),
        serde_json::json!({"a": 1}),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any model: generation returns tokens or problems, never panics; what it returns
    /// parses as Rust.
    #[test]
    fn generation_never_panics(
        argument in argument(),
        expected in expected(),
        matcher in prop::sample::select(vec!["path", "pathAll", "pathAny", "status", "error", "x"]),
        state in prop::sample::select(vec!["success", "failure", "retry", "failed"]),
    ) {
        let acceptor = serde_json::json!({
            "matcher": matcher, "argument": argument, "expected": expected, "state": state,
        });
        let json = model(&waiter("W", "DescribeJobs", &acceptor.to_string()));
        let tokens = match generate(&Options::new("m.json"), &json) {
            Ok(tokens) => tokens,
            Err(failure) => {
                prop_assert!(!failure.error.problems().is_empty());
                failure.fallback
            }
        };
        prop_assert!(syn::parse2::<syn::File>(tokens).is_ok());
    }

    /// Any text at all.
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = generate(&Options::new("m.json"), &text);
    }
}

#[test]
fn acceptors_are_checked_against_their_own_operations_output() {
    let ready = r#"{"matcher": "pathAll", "argument": "computeEnvironments[].status", "expected": "VALID", "state": "success"}"#;
    let json = model(&waiter("CeReady", "DescribeComputeEnvironments", ready));
    let code = generate(&Options::new("m.json"), &json)
        .unwrap_or_else(|f| panic!("{}", f.error))
        .to_string();
    assert!(
        code.contains("describe_compute_environments :: DescribeComputeEnvironments"),
        "{code}"
    );
    assert!(code.contains("CeStatus :: Valid"), "{code}");

    // DescribeJobs's argument on another operation: the output's members are listed.
    let json = model(&waiter("CeReady", "DescribeComputeEnvironments", OK));
    assert_eq!(
        lines(&json),
        [
            "m.json: waiters.CeReady.acceptors[0].argument: in `jobs[].status`: \
             DescribeComputeEnvironmentsResponse has no member `jobs` (its members: \
             `computeEnvironments`, `nextToken`)"
        ]
    );
    // An enum value of another operation's output.
    let json = model(&waiter(
        "CeReady",
        "DescribeComputeEnvironments",
        &ready.replace("VALID", "SUCCEEDED"),
    ));
    let found = lines(&json);
    assert!(
        found[0].contains("\"SUCCEEDED\" is not a CEStatus value"),
        "{found:?}"
    );
}

#[test]
fn list_operations_document_that_waiters_read_the_first_page() {
    let listed = r#"{"matcher": "path", "argument": "length(jobSummaryList) > `0`", "expected": true, "state": "success"}"#;
    let json = model(&waiter("QueueBusy", "ListJobs", listed));
    let code = generate(&Options::new("m.json"), &json)
        .unwrap_or_else(|f| panic!("{}", f.error))
        .to_string();
    assert!(
        code.contains("every attempt reads the first page only"),
        "{code}"
    );
    let json = model(&waiter("JobDone", "DescribeJobs", OK));
    let code = generate(&Options::new("m.json"), &json)
        .unwrap_or_else(|f| panic!("{}", f.error))
        .to_string();
    assert!(
        !code.contains("first page"),
        "DescribeJobs does not page: {code}"
    );
}

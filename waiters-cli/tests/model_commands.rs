//! `waiters list`, `show`, `validate`, help and argument errors: no endpoint involved.

mod common;

use std::path::PathBuf;

use common::{repo_root, stderr, stdout, temp_dir, waiters, write};
use serde_json::Value;

const SUBCOMMANDS: [&str; 7] = [
    "list",
    "show",
    "validate",
    "wait",
    "wait-for-job",
    "local",
    "events",
];

fn bundled_model() -> Value {
    let text = std::fs::read_to_string(repo_root().join("models/batch-waiters.json"))
        .expect("the bundled model");
    serde_json::from_str(&text).expect("JSON")
}

/// Every stderr line of a usage error: exactly one, naming the problem, no panic.
fn assert_one_line_error(output: &std::process::Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = stderr(output);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert!(
        err.contains(needle),
        "stderr should mention {needle:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(stdout(output).is_empty(), "nothing on stdout: {output:?}");
}

#[test]
fn list_prints_bundled_waiter_names_sorted() {
    let output = waiters().arg("list").output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output), "JobComplete\nJobExists\nJobRunning\n");
}

#[test]
fn list_reads_any_services_model() {
    let ecs = repo_root().join("tests/fixtures/botocore/ecs.json");
    let output = waiters()
        .arg("list")
        .arg("--model")
        .arg(&ecs)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(&ecs).expect("fixture")).expect("JSON");
    let mut expected: Vec<&str> = model["waiters"]
        .as_object()
        .expect("waiters")
        .keys()
        .map(String::as_str)
        .collect();
    expected.sort_unstable();
    let printed = stdout(&output);
    let got: Vec<&str> = printed.lines().collect();
    assert_eq!(got, expected);
    assert!(got.len() > 1);
}

#[test]
fn show_prints_the_waiter_config_as_json() {
    let output = waiters()
        .args(["show", "JobComplete"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let shown: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(shown, bundled_model()["waiters"]["JobComplete"]);
}

#[test]
fn show_with_model_file() {
    let dir = temp_dir("show");
    let model = write(
        &dir,
        "custom.json",
        r#"{"version": 2, "waiters": {"Quick": {"operation": "DescribeJobs", "delay": 0.5,
            "maxAttempts": 4, "acceptors": [{"matcher": "path", "argument": "length(jobs)",
            "expected": 1, "state": "success"}]}}}"#,
    );
    let output = waiters()
        .args(["show", "Quick", "--model"])
        .arg(&model)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let shown: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(shown["delay"], 0.5);
    assert_eq!(shown["maxAttempts"], 4);
}

#[test]
fn show_unknown_waiter_names_the_known_ones() {
    let output = waiters().args(["show", "JobDone"]).output().expect("runs");
    assert_one_line_error(&output, "Waiter does not exist: JobDone");
    assert!(stderr(&output).contains("JobComplete, JobExists, JobRunning"));
}

#[test]
fn missing_and_malformed_model_files_are_model_errors() {
    let dir = temp_dir("bad-model");
    let missing = dir.join("nope.json");
    let output = waiters()
        .args(["list", "--model"])
        .arg(&missing)
        .output()
        .expect("runs");
    assert_one_line_error(
        &output,
        &format!("{}: $: cannot read the file", missing.display()),
    );

    let malformed = write(&dir, "malformed.json", "{\"version\": 2, \"waiters\": ");
    let output = waiters()
        .args(["show", "JobComplete", "--model"])
        .arg(&malformed)
        .output()
        .expect("runs");
    assert_one_line_error(
        &output,
        &format!("{}: $: invalid JSON", malformed.display()),
    );
}

/// Broken models, each with the JSON path its problem must be reported at.
fn broken_models() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        (
            "bad-state.json",
            r#"{"version": 2, "waiters": {"JobComplete": {"operation": "DescribeJobs", "delay": 1,
                "maxAttempts": 2, "acceptors": [{"matcher": "pathAll", "argument": "jobs[].status",
                "expected": "SUCCEEDED", "state": "failed"}]}}}"#,
            "waiters.JobComplete.acceptors[0].state: unknown state \"failed\"",
        ),
        (
            "bad-expression.json",
            r#"{"version": 2, "waiters": {"W": {"operation": "DescribeJobs", "delay": 1,
                "maxAttempts": 2, "acceptors": [{"matcher": "path", "argument": "jobs[.status",
                "expected": "X", "state": "success"}]}}}"#,
            "waiters.W.acceptors[0].argument: invalid JMESPath expression",
        ),
        (
            "bad-version.json",
            r#"{"version": 3, "waiters": {}}"#,
            "version: unsupported version 3",
        ),
        (
            "bad-matcher.json",
            r#"{"version": 2, "waiters": {"W": {"operation": "DescribeJobs", "delay": 1,
                "maxAttempts": 2, "acceptors": [{"matcher": "pathSome", "argument": "a",
                "expected": "X", "state": "success"}]}}}"#,
            "waiters.W.acceptors[0].matcher: unknown matcher \"pathSome\"",
        ),
        (
            "missing-delay.json",
            r#"{"version": 2, "waiters": {"W": {"operation": "DescribeJobs",
                "maxAttempts": 2, "acceptors": [{"matcher": "status",
                "expected": 200, "state": "success"}]}}}"#,
            "waiters.W: missing required field \"delay\"",
        ),
        ("not-json.json", "waiters: yes", "$: invalid JSON"),
    ]
}

#[test]
fn validate_rejects_broken_models_with_their_paths() {
    let dir = temp_dir("validate-broken");
    let good = repo_root().join("models/batch-waiters.json");
    let mut files: Vec<PathBuf> = vec![good.clone()];
    let broken = broken_models();
    for (name, text, _) in &broken {
        files.push(write(&dir, name, text));
    }
    let missing = dir.join("missing.json");
    files.push(missing.clone());

    let output = waiters()
        .arg("validate")
        .args(&files)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        stdout(&output),
        format!("{}: ok (3 waiters)\n", good.display())
    );
    let err = stderr(&output);
    for (file, (_, _, expected)) in files[1..].iter().zip(&broken) {
        let line = format!("{}: {expected}", file.display());
        assert!(err.contains(&line), "expected {line:?} in:\n{err}");
    }
    assert!(err.contains(&format!("{}: $: cannot read the file", missing.display())));
    // Every stderr line has the `FILE: JSON-PATH: message` shape.
    for line in err.lines() {
        let mut parts = line.splitn(3, ": ");
        let (file, path, message) = (parts.next(), parts.next(), parts.next());
        assert!(
            file.is_some_and(|f| files.iter().any(|p| p.display().to_string() == f))
                && path.is_some_and(|p| !p.is_empty() && !p.contains(' '))
                && message.is_some_and(|m| !m.is_empty()),
            "not `FILE: JSON-PATH: message`: {line}"
        );
    }
}

#[test]
fn validate_reports_every_problem_of_a_file() {
    let dir = temp_dir("validate-many");
    let file = write(
        &dir,
        "two-problems.json",
        r#"{"version": 2, "waiters": {"A": {"operation": "DescribeJobs", "delay": -1,
            "maxAttempts": 2, "acceptors": [{"matcher": "pathAll", "argument": "x",
            "expected": "Y", "state": "done"}]}}}"#,
    );
    let output = waiters().arg("validate").arg(&file).output().expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let err = stderr(&output);
    let prefix = format!("{}: ", file.display());
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.lines().all(|l| l.starts_with(&prefix)), "{err}");
    assert!(err.contains("waiters.A.delay: "), "{err}");
    assert!(err.contains("waiters.A.acceptors[0].state: "), "{err}");
}

#[test]
fn validate_accepts_the_shipped_models() {
    let fixtures = repo_root().join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures.join("botocore"))
        .expect("botocore fixtures")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    files.push(fixtures.join("airflow-reference.json"));
    files.push(repo_root().join("models/batch-waiters.json"));
    let output = waiters()
        .arg("validate")
        .args(&files)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), files.len());
}

/// Every waiters-2.json of botocore's wheel; runs when BOTOCORE_DATA points at the
/// wheel's `botocore/data` directory (see scripts/validate-botocore.sh).
#[test]
fn validate_accepts_every_botocore_model() {
    let Some(data) = std::env::var_os("BOTOCORE_DATA") else {
        // .ci/run sets it (its botocore step); say so loudly elsewhere (with --nocapture).
        eprintln!(
            "SKIPPED validate_accepts_every_botocore_model: BOTOCORE_DATA is not set (point it \
             at botocore's data directory)"
        );
        return;
    };
    let mut files = Vec::new();
    for service in std::fs::read_dir(&data).expect("BOTOCORE_DATA is a directory") {
        let service = service.expect("entry").path();
        let Ok(versions) = std::fs::read_dir(&service) else {
            continue;
        };
        for version in versions {
            let file = version.expect("entry").path().join("waiters-2.json");
            if file.is_file() {
                files.push(file);
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 100,
        "only {} waiters-2.json files under {data:?}",
        files.len()
    );
    let output = waiters()
        .arg("validate")
        .args(&files)
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "botocore models rejected:\n{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output).lines().count(), files.len());
    println!("botocore models validated: {}", files.len());
}

#[test]
fn validate_needs_a_file() {
    let output = waiters().arg("validate").output().expect("runs");
    assert_one_line_error(&output, "<FILE>");
}

#[test]
fn help_on_every_subcommand_documents_the_exit_codes() {
    let output = waiters().arg("--help").output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let top = stdout(&output);
    for subcommand in SUBCOMMANDS {
        assert!(
            top.contains(subcommand),
            "{subcommand} missing from:\n{top}"
        );
        let output = waiters()
            .args([subcommand, "--help"])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{subcommand}: {output:?}");
        let help = stdout(&output);
        assert!(help.contains("Usage: waiters"), "{subcommand}:\n{help}");
        assert!(help.contains("Exit codes"), "{subcommand}:\n{help}");
    }
    for (subcommand, option) in [
        ("wait", "--max-attempts"),
        ("wait", "--jitter"),
        ("wait", "--output"),
        ("wait-for-job", "--max-wait"),
        ("local", "--port"),
        ("local", "--eventbridge-url"),
    ] {
        let output = waiters()
            .args([subcommand, "--help"])
            .output()
            .expect("runs");
        assert!(stdout(&output).contains(option), "{subcommand} {option}");
    }
}

#[test]
fn no_subcommand_prints_help_and_exits_2() {
    let output = waiters().output().expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(stderr(&output).contains("Usage: waiters"));
    assert!(stdout(&output).is_empty());
}

#[test]
fn version_flag() {
    let output = waiters().arg("--version").output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout(&output).starts_with("waiters "), "{output:?}");
}

#[test]
fn unknown_subcommand_and_option_are_one_line_errors() {
    let output = waiters().arg("frobnicate").output().expect("runs");
    assert_one_line_error(&output, "frobnicate");
    let output = waiters()
        .args(["wait", "JobComplete", "--jobid", "x"])
        .output()
        .expect("runs");
    assert_one_line_error(&output, "--jobid");
}

//! The run-time evaluator of acceptor arguments (`Expression::compile` when a model loads,
//! `Expression::search` on every response) over the JMESPath compliance suite.
//!
//! The suite is the one the `jmespath` crate ships in its source (`tests/compliance/*.json`);
//! it is read from the crate's copy in cargo's registry, found with `cargo metadata` (or,
//! failing that, under `$CARGO_HOME/registry/src`), and not copied into this repository.
//! The test fails, saying so, when it cannot find it.
//!
//! Each case is held to what a waiter user sees:
//! - `result`: the expression loads and the search gives that value;
//! - `error: syntax`: the model is rejected when it loads (an invalid expression);
//! - `error: unknown-function`: rejected when it loads (we check function names up front;
//!   the suite expects the error when evaluating);
//! - `error: invalid-type`, `invalid-arity`, `invalid-value`: the expression loads and the
//!   search gives no value (`None`: an acceptor over it does not match). `search` does not
//!   say which run-time error it was.
//!
//! Cases listed in `EXPECTED_DIFFERENCES` are expected to fail, each with its reason; any
//! other failure fails the test, and so does a listed case that passes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use waiters_model::jmespath::Variable;
use waiters_model::{Document, Expression, ProblemKind};

/// Cases of the suite on which our evaluator is expected to differ: (file, expression,
/// why).
const EXPECTED_DIFFERENCES: &[(&str, &str, &str)] = &[];

/// The jmespath version whose suite is run: the one the workspace builds with.
const JMESPATH_VERSION_PREFIX: &str = "0.5";

fn workspace_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .join("Cargo.toml")
}

/// The host's target triple, from `rustc -vV` (so that `cargo metadata` needs only the
/// packages this platform builds, which an offline registry has).
fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run `{rustc} -vV`: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| format!("`{rustc} -vV` names no host"))
}

/// The `jmespath` package directory, from `cargo metadata` (the exact version in
/// Cargo.lock).
fn from_cargo_metadata() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &host_triple()?])
        .arg("--manifest-path")
        .arg(workspace_manifest())
        .output()
        .map_err(|e| format!("cannot run `{cargo} metadata`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{cargo} metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    let package = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| {
            p["name"] == "jmespath"
                && p["version"]
                    .as_str()
                    .is_some_and(|v| v.starts_with(JMESPATH_VERSION_PREFIX))
        })
        .ok_or("`cargo metadata` lists no jmespath package")?;
    let manifest = package["manifest_path"]
        .as_str()
        .ok_or("jmespath has no manifest_path")?;
    Ok(Path::new(manifest)
        .parent()
        .expect("a manifest in a directory")
        .to_path_buf())
}

/// `$CARGO_HOME/registry/src/*/jmespath-0.5*`, newest first.
fn from_cargo_home() -> Result<PathBuf, String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let registry = home.join("registry/src");
    let mut found = Vec::new();
    for index in std::fs::read_dir(&registry)
        .map_err(|e| format!("cannot read {}: {e}", registry.display()))?
        .flatten()
    {
        for package in std::fs::read_dir(index.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = package.file_name().to_string_lossy().into_owned();
            if name.starts_with(&format!("jmespath-{JMESPATH_VERSION_PREFIX}")) {
                found.push(package.path());
            }
        }
    }
    found.sort();
    found.pop().ok_or_else(|| {
        format!(
            "no jmespath-{JMESPATH_VERSION_PREFIX}* in {}",
            registry.display()
        )
    })
}

/// A way to find the jmespath package directory.
type Finder = fn() -> Result<PathBuf, String>;

fn compliance_dir() -> (PathBuf, &'static str) {
    let mut tried = Vec::new();
    let ways: [(Finder, &'static str); 2] = [
        (from_cargo_metadata, "cargo metadata"),
        (from_cargo_home, "CARGO_HOME"),
    ];
    for (find, how) in ways {
        match find() {
            Ok(package) => {
                let dir = package.join("tests/compliance");
                if dir.is_dir() {
                    return (dir, how);
                }
                tried.push(format!("{} does not exist", dir.display()));
            }
            Err(e) => tried.push(e),
        }
    }
    panic!(
        "the JMESPath compliance suite of the jmespath crate (tests/compliance in its source) \
         was not found, so it cannot be run:\n  {}\n(run `cargo fetch` so that cargo's \
         registry holds the jmespath source)",
        tried.join("\n  ")
    );
}

/// What happened to one case.
enum Verdict {
    Pass,
    /// Passed, but differently from the suite's wording: we reject unknown functions when
    /// the model loads, where the suite expects the error while evaluating.
    PassUpFront,
    Fail(String),
}

fn run_case(given: &Document, expression: &str, case: &Value) -> Option<Verdict> {
    if case.get("bench").is_some() {
        return None;
    }
    let compiled = Expression::compile(expression);
    let verdict = if let Some(error) = case.get("error").and_then(Value::as_str) {
        match (error, compiled) {
            ("syntax", Err(ProblemKind::InvalidExpression { .. })) => Verdict::Pass,
            ("unknown-function", Err(ProblemKind::UnknownFunction { .. })) => Verdict::PassUpFront,
            (_, Err(problem)) => Verdict::Fail(format!(
                "expected a {error} error, but the model is rejected when it loads: {problem}"
            )),
            ("syntax" | "unknown-function", Ok(_)) => Verdict::Fail(format!(
                "expected a {error} error, but the expression loads"
            )),
            (_, Ok(compiled)) => match compiled.search(given) {
                None => Verdict::Pass,
                Some(value) => Verdict::Fail(format!(
                    "expected a {error} error when evaluating, got {}",
                    serde_json::to_string(&*value).expect("JSON")
                )),
            },
        }
    } else {
        let expected: Variable =
            serde_json::from_value(case["result"].clone()).expect("a JSON result");
        match compiled {
            Err(problem) => Verdict::Fail(format!("rejected when the model loads: {problem}")),
            Ok(compiled) => match compiled.search(given) {
                Some(value) if *value == expected => Verdict::Pass,
                Some(value) => Verdict::Fail(format!(
                    "expected {}, got {}",
                    serde_json::to_string(&expected).expect("JSON"),
                    serde_json::to_string(&*value).expect("JSON")
                )),
                None => Verdict::Fail(format!(
                    "expected {}, got a run-time error (no value)",
                    serde_json::to_string(&expected).expect("JSON")
                )),
            },
        }
    };
    Some(verdict)
}

#[test]
fn jmespath_compliance_suite() {
    let (dir, how) = compliance_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no suite files in {}", dir.display());

    let mut passed = 0usize;
    let mut benches = 0usize;
    let mut per_file = BTreeMap::<String, (usize, usize)>::new();
    let mut expected_failures = Vec::new();
    let mut unexpected = Vec::new();
    let mut up_front = Vec::new();
    for path in &files {
        let file = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(path).expect("a readable suite file");
        let suites: Vec<Value> = serde_json::from_str(&text).expect("a JSON array of suites");
        for suite in suites {
            let given = Document::new(&suite["given"]);
            for case in suite["cases"].as_array().expect("cases") {
                let expression = case["expression"].as_str().expect("an expression");
                let Some(verdict) = run_case(&given, expression, case) else {
                    benches += 1;
                    continue;
                };
                let entry = per_file.entry(file.clone()).or_default();
                let listed = EXPECTED_DIFFERENCES
                    .iter()
                    .find(|(f, e, _)| *f == file && *e == expression);
                if let Verdict::PassUpFront = verdict {
                    up_front.push(format!("{file}: `{expression}`"));
                }
                match (verdict, listed) {
                    (Verdict::Pass | Verdict::PassUpFront, None) => {
                        passed += 1;
                        entry.0 += 1;
                    }
                    (Verdict::Pass | Verdict::PassUpFront, Some(_)) => {
                        passed += 1;
                        entry.0 += 1;
                        unexpected.push(format!(
                            "{file}: `{expression}` is listed in EXPECTED_DIFFERENCES but passes"
                        ));
                    }
                    (Verdict::Fail(why), Some((_, _, reason))) => {
                        entry.1 += 1;
                        expected_failures.push(format!(
                            "{file}: `{expression}`: {why} (expected: {reason})"
                        ));
                    }
                    (Verdict::Fail(why), None) => {
                        entry.1 += 1;
                        unexpected.push(format!("{file}: `{expression}`: {why}"));
                    }
                }
            }
        }
    }
    for (file, expression, _) in EXPECTED_DIFFERENCES {
        if !per_file.contains_key(*file) {
            unexpected.push(format!(
                "{file}: not in the suite (listed for `{expression}`)"
            ));
        }
    }

    let failed = expected_failures.len() + unexpected.len();
    println!(
        "JMESPath compliance suite: {} (found with {how})",
        dir.display()
    );
    for (file, (ok, bad)) in &per_file {
        println!("  {file}: passed {ok}, failed {bad}");
    }
    println!("  ({benches} benchmark entries carry no expected result and are not run)");
    println!(
        "  {} unknown-function cases pass by being rejected when the model loads (the suite \
         expects the error while evaluating):",
        up_front.len()
    );
    for line in &up_front {
        println!("    {line}");
    }
    for line in &expected_failures {
        println!("  expected difference: {line}");
    }
    for line in &unexpected {
        println!("  FAILED: {line}");
    }
    println!(
        "JMESPath compliance: passed {passed}, failed {failed} ({} of them listed as expected differences)",
        expected_failures.len()
    );
    assert!(passed > 0, "no compliance case ran");
    assert!(
        unexpected.is_empty(),
        "{} compliance cases failed unexpectedly:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

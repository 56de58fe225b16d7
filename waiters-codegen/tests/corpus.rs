//! botocore's waiter corpus through the typed code generator: every `path`, `pathAll` and
//! `pathAny` acceptor of every waiter, compiled by the JMESPath compiler behind `waiters!`
//! against the real shapes of its own service (`ShapeModel::from_botocore`), so that a
//! failure is a construct or a type rule the compiler lacks, never a missing service.
//!
//! - Always: the waiter models in `tests/fixtures/botocore/` (the latest API version of 8
//!   services in botocore 1.44.8), with their services' shapes trimmed to what the
//!   waiters' outputs reach, in `tests/corpus/shapes/`.
//! - With `BOTOCORE_DATA` pointing at botocore's `data` directory, with each
//!   `service-2.json` decompressed (`KEEP_BOTOCORE=DIR waiters-cli/scripts/validate-botocore.sh`
//!   leaves one in `DIR/botocore/data`): every `waiters-2.json` there, and a check that the
//!   trimmed shapes are up to date (`WAITERS_BLESS=1` rewrites them).
//!
//! Both runs print their counts and every failure, and fail unless the failures are
//! exactly those listed in `tests/corpus/expected-failures.txt`.
//!
//! `cargo test -p waiters-codegen --test corpus -- --nocapture`

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use waiters_codegen::{AcceptorError, ProblemKind, ShapeModel};
use waiters_model::WaiterModel;

const DATA_VAR: &str = "BOTOCORE_DATA";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One waiter model with its service model.
struct CorpusFile {
    /// `ec2/2016-11-15`.
    label: String,
    waiters: String,
    service: String,
}

/// An acceptor the compiler rejected.
#[derive(Debug)]
struct Failure {
    line: String,
    construct: bool,
}

#[derive(Default)]
struct Counts {
    files: usize,
    waiters: usize,
    acceptors: usize,
    expressions: usize,
    compiled: usize,
    failures: Vec<Failure>,
}

/// Compiles every path acceptor of every file.
fn compile_all(files: &[CorpusFile]) -> Counts {
    let mut counts = Counts::default();
    for file in files {
        let model = WaiterModel::from_json_str(&file.waiters)
            .unwrap_or_else(|e| panic!("{}: waiters-2.json does not load: {e}", file.label));
        let shapes = ShapeModel::from_botocore(&file.service)
            .unwrap_or_else(|e| panic!("{}: service-2.json: {e}", file.label));
        counts.files += 1;
        for waiter in model.waiters() {
            counts.waiters += 1;
            for (index, acceptor) in waiter.acceptors().iter().enumerate() {
                counts.acceptors += 1;
                let result = shapes.compile(waiter.operation(), &acceptor.matcher);
                if !matches!(result, Ok(None)) {
                    counts.expressions += 1;
                }
                match result {
                    Ok(Some(_)) => counts.compiled += 1,
                    Ok(None) => {}
                    Err(error) => counts.failures.push(Failure {
                        line: format!(
                            "{} waiters.{}.acceptors[{index}]: {error}",
                            file.label,
                            waiter.name()
                        ),
                        construct: matches!(
                            &error,
                            AcceptorError::Compile(kind)
                                if matches!(**kind, ProblemKind::UnsupportedExpression { .. })
                        ),
                    }),
                }
            }
        }
    }
    counts
}

/// The failures `tests/corpus/expected-failures.txt` lists (`#` starts a comment).
fn expected_failures() -> BTreeSet<String> {
    let path = manifest_dir().join("tests/corpus/expected-failures.txt");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Prints the counts and the failures, and checks the failures are the expected ones for
/// the files compiled.
fn report_and_check(what: &str, files: &[CorpusFile], counts: &Counts) {
    let constructs = counts.failures.iter().filter(|f| f.construct).count();
    println!(
        "{what}: {} files, {} waiters, {} acceptors, {} with an expression: {} compiled, {} \
         failed ({constructs} for an unsupported construct, {} for a type rule)",
        counts.files,
        counts.waiters,
        counts.acceptors,
        counts.expressions,
        counts.compiled,
        counts.failures.len(),
        counts.failures.len() - constructs,
    );
    for failure in &counts.failures {
        println!("  {}", failure.line);
    }
    let labels: BTreeSet<&str> = files.iter().map(|f| f.label.as_str()).collect();
    let expected: BTreeSet<String> = expected_failures()
        .into_iter()
        .filter(|line| {
            line.split_once(' ')
                .is_some_and(|(label, _)| labels.contains(label))
        })
        .collect();
    let found: BTreeSet<String> = counts.failures.iter().map(|f| f.line.clone()).collect();
    let new: Vec<&String> = found.difference(&expected).collect();
    let gone: Vec<&String> = expected.difference(&found).collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "{what}: the failures differ from tests/corpus/expected-failures.txt\n\
         new failures (fix the compiler, or list them):\n{}\n\
         listed but no longer failing (remove them):\n{}",
        lines(&new),
        lines(&gone)
    );
    assert_eq!(
        counts.compiled + counts.failures.len(),
        counts.expressions,
        "every expression either compiles or fails"
    );
}

fn lines(items: &[&String]) -> String {
    items.iter().map(|l| format!("  {l}\n")).collect::<String>()
}

/// The committed fixtures: `tests/fixtures/botocore/<service>.json` with
/// `tests/corpus/shapes/<service>.json`.
fn fixture_files() -> Vec<CorpusFile> {
    let fixtures = manifest_dir().join("../tests/fixtures/botocore");
    let mut files = Vec::new();
    for path in sorted_dir(&fixtures) {
        let service = stem(&path);
        let shapes_path = shapes_fixture(&service);
        let shapes = std::fs::read_to_string(&shapes_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run this test with {DATA_VAR} and WAITERS_BLESS=1 to write it)",
                shapes_path.display()
            )
        });
        let version = serde_json::from_str::<Value>(&shapes).expect("shapes fixture is JSON")
            ["metadata"]["apiVersion"]
            .as_str()
            .expect("shapes fixture has metadata.apiVersion")
            .to_owned();
        files.push(CorpusFile {
            label: format!("{service}/{version}"),
            waiters: read(&path),
            service: shapes,
        });
    }
    files
}

fn shapes_fixture(service: &str) -> PathBuf {
    manifest_dir().join(format!("tests/corpus/shapes/{service}.json"))
}

#[test]
fn fixtures_compile() {
    let files = fixture_files();
    assert_eq!(files.len(), 8, "tests/fixtures/botocore holds 8 models");
    let counts = compile_all(&files);
    report_and_check("fixtures", &files, &counts);
    assert!(counts.expressions > 100, "{}", counts.expressions);
}

/// A few of the fixtures' acceptors as the code they compile to (formatted as functions
/// over an `Output` type), so that a change to what the compiler writes for real models
/// shows in review: `*` over a map (SES), a `pathAll` over a nested member (EC2), a
/// `path` on a scalar (DynamoDB) and a filter with `length` (ECS).
#[test]
fn sample_expansions() {
    let files = fixture_files();
    let mut text = String::new();
    for (service, waiter, index) in [
        ("ses", "IdentityExists", 0),
        ("ec2", "InstanceRunning", 0),
        ("dynamodb", "TableExists", 0),
        ("ecs", "ServicesStable", 3),
    ] {
        let file = files
            .iter()
            .find(|f| f.label.starts_with(&format!("{service}/")))
            .expect("fixture");
        let model = WaiterModel::from_json_str(&file.waiters).expect("loads");
        let definition = model.waiter(waiter).expect("waiter");
        let acceptor = &definition.acceptors()[index];
        let shapes = ShapeModel::from_botocore(&file.service).expect("shapes");
        let compiled = shapes
            .compile(definition.operation(), &acceptor.matcher)
            .expect("compiles")
            .expect("a path matcher");
        let code = compiled.code;
        let function = if compiled.fallible {
            quote::quote!(fn search(output: &Output) -> Option<bool> { Some(#code) })
        } else {
            quote::quote!(fn matches(output: &Output) -> bool { #code })
        };
        let file: syn::File = syn::parse2(function).expect("the code parses");
        let argument = acceptor
            .matcher
            .argument()
            .map(|a| a.as_str())
            .unwrap_or("");
        text += &format!(
            "// {} waiters.{waiter}.acceptors[{index}]: {} `{argument}`\n{}\n",
            file_label(service, &files),
            acceptor.matcher.name(),
            prettyplease::unparse(&file)
        );
    }
    insta::assert_snapshot!(text);
}

fn file_label(service: &str, files: &[CorpusFile]) -> String {
    files
        .iter()
        .find(|f| f.label.starts_with(&format!("{service}/")))
        .map(|f| f.label.clone())
        .unwrap_or_default()
}

/// Every `waiters-2.json` under `BOTOCORE_DATA`, with the `service-2.json` next to it.
fn corpus_files(data: &Path) -> Vec<CorpusFile> {
    let mut files = Vec::new();
    for service_dir in sorted_dir(data) {
        for version_dir in sorted_dir(&service_dir) {
            let waiters = version_dir.join("waiters-2.json");
            if !waiters.is_file() {
                continue;
            }
            let service = version_dir.join("service-2.json");
            assert!(
                service.is_file(),
                "{}: no service-2.json next to waiters-2.json (botocore ships it gzipped: \
                 `KEEP_BOTOCORE=DIR waiters-cli/scripts/validate-botocore.sh` extracts the \
                 data with every service model decompressed)",
                version_dir.display()
            );
            files.push(CorpusFile {
                label: format!("{}/{}", stem(&service_dir), stem(&version_dir)),
                waiters: read(&waiters),
                service: read(&service),
            });
        }
    }
    files
}

#[test]
fn botocore_corpus_compiles() {
    let Some(data) = std::env::var_os(DATA_VAR) else {
        println!("skipped: {DATA_VAR} is not set (point it at botocore's data directory)");
        return;
    };
    let files = corpus_files(Path::new(&data));
    assert!(!files.is_empty(), "no waiters-2.json under {data:?}");
    // First, so that blessing the fixtures does not wait for the failures to be listed.
    check_shape_fixtures(&files);
    let counts = compile_all(&files);
    report_and_check("botocore corpus", &files, &counts);
}

/// The trimmed shapes of the fixtures are those of the corpus's service models, for the
/// fixtures whose waiter model the corpus has (the same botocore release).
fn check_shape_fixtures(corpus: &[CorpusFile]) {
    let bless = std::env::var_os("WAITERS_BLESS").is_some();
    let by_label: BTreeMap<&str, &CorpusFile> =
        corpus.iter().map(|f| (f.label.as_str(), f)).collect();
    let fixtures = manifest_dir().join("../tests/fixtures/botocore");
    for path in sorted_dir(&fixtures) {
        let service = stem(&path);
        let waiters: Value = serde_json::from_str(&read(&path)).expect("fixture is JSON");
        let Some(file) = by_label
            .range(format!("{service}/").as_str()..)
            .take_while(|(label, _)| label.starts_with(&format!("{service}/")))
            .map(|(_, file)| *file)
            .find(|file| {
                serde_json::from_str::<Value>(&file.waiters).ok() == Some(waiters.clone())
            })
        else {
            println!(
                "{service}: the corpus has no waiter model equal to the fixture; not compared"
            );
            continue;
        };
        let model = WaiterModel::from_json_str(&file.waiters).expect("loads");
        let operations: BTreeSet<&str> = model.waiters().map(|w| w.operation()).collect();
        let full: Value = serde_json::from_str(&file.service).expect("service model is JSON");
        let text = one_line_per_entry(&trim(&full, &operations));
        let target = shapes_fixture(&service);
        if bless {
            std::fs::write(&target, &text).expect("write shapes fixture");
            continue;
        }
        assert!(
            std::fs::read_to_string(&target).ok().as_deref() == Some(text.as_str()),
            "{} is not the trimmed {} service model; regenerate with {DATA_VAR}=... \
             WAITERS_BLESS=1 cargo test -p waiters-codegen --test corpus",
            target.display(),
            file.label
        );
    }
}

/// A service model cut down to what the given operations' outputs reach, without
/// documentation: what `ShapeModel::from_botocore` reads, small enough to commit.
fn trim(service: &Value, operations: &BTreeSet<&str>) -> Value {
    let metadata: Map<String, Value> = ["apiVersion", "endpointPrefix", "protocol", "serviceId"]
        .into_iter()
        .filter_map(|key| Some((key.to_owned(), service["metadata"].get(key)?.clone())))
        .collect();
    let mut kept_operations = Map::new();
    let mut pending: Vec<String> = Vec::new();
    for name in operations {
        let output = &service["operations"][*name]["output"]["shape"];
        let mut operation = Map::new();
        if let Some(output) = output.as_str() {
            operation.insert("output".into(), json!({ "shape": output }));
            pending.push(output.to_owned());
        }
        kept_operations.insert((*name).to_owned(), Value::Object(operation));
    }
    let mut shapes = BTreeMap::new();
    while let Some(name) = pending.pop() {
        if shapes.contains_key(&name) {
            continue;
        }
        let shape = &service["shapes"][&name];
        let mut kept = Map::new();
        for key in ["type", "document", "required", "enum"] {
            if let Some(value) = shape.get(key) {
                kept.insert(key.into(), value.clone());
            }
        }
        for key in ["member", "key", "value"] {
            if let Some(target) = shape[key]["shape"].as_str() {
                kept.insert(key.into(), json!({ "shape": target }));
                pending.push(target.to_owned());
            }
        }
        if let Some(members) = shape["members"].as_object() {
            let members: Map<String, Value> = members
                .iter()
                .map(|(member, m)| {
                    let mut kept = Map::new();
                    kept.insert("shape".into(), m["shape"].clone());
                    if let Some(deprecated) = m.get("deprecated") {
                        kept.insert("deprecated".into(), deprecated.clone());
                    }
                    if let Some(target) = m["shape"].as_str() {
                        pending.push(target.to_owned());
                    }
                    (member.clone(), Value::Object(kept))
                })
                .collect();
            kept.insert("members".into(), Value::Object(members));
        }
        shapes.insert(name, Value::Object(kept));
    }
    json!({
        "_comment": "botocore's service model trimmed to the outputs of the operations of the \
                     service's waiters; generated by waiters-codegen/tests/corpus.rs \
                     (WAITERS_BLESS=1), do not edit.",
        "metadata": metadata,
        "operations": kept_operations,
        "shapes": shapes.into_iter().collect::<Map<_, _>>(),
    })
}

/// A trimmed model as text: one line per operation and per shape, so that a diff shows
/// which shapes changed, without the bulk of full pretty-printing.
fn one_line_per_entry(model: &Value) -> String {
    let compact = |v: &Value| serde_json::to_string(v).expect("JSON");
    let mut text = String::from("{\n");
    let sections = model.as_object().expect("an object");
    for (i, (key, value)) in sections.iter().enumerate() {
        text += &format!(" {}: ", compact(&Value::String(key.clone())));
        match value.as_object() {
            Some(entries) if matches!(key.as_str(), "operations" | "shapes") => {
                text += "{\n";
                for (j, (name, entry)) in entries.iter().enumerate() {
                    let comma = if j + 1 < entries.len() { "," } else { "" };
                    text += &format!(
                        "  {}: {}{comma}\n",
                        compact(&Value::String(name.clone())),
                        compact(entry)
                    );
                }
                text += " }";
            }
            _ => text += &compact(value),
        }
        text += if i + 1 < sections.len() { ",\n" } else { "\n" };
    }
    text + "}\n"
}

fn sorted_dir(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

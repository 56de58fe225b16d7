//! Hostile expressions and model texts are refused before the recursive `jmespath`
//! parser sees them, expressions at the limits work on a small stack, and the depth the
//! text scan measures bounds the depth of the syntax tree the parser builds.

use std::path::Path;

use proptest::prelude::*;
use serde_json::json;
use waiters_model::jmespath::ast::Ast;
use waiters_model::limits::{
    MAX_EXPRESSION_BYTES, MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_INTEGER, MAX_MODEL_BYTES,
    expression_depth,
};
use waiters_model::{Document, Expression, Observation, ProblemKind, WaiterModel};

/// Half of a test thread's or a tokio worker's stack (2 MiB), an eighth of the usual
/// main thread's.
const SMALL_STACK: usize = 1024 * 1024;

/// Runs `f` on a thread with a 1 MiB stack. A stack overflow aborts the whole test
/// binary, so a regression cannot pass unnoticed.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the thread did not panic")
}

/// A one-waiter model whose only acceptor searches `argument`.
fn model_with(argument: &str) -> String {
    json!({"version": 2, "waiters": {"W": {
        "operation": "DescribeJobs", "delay": 1, "maxAttempts": 1,
        "acceptors": [{"matcher": "path", "argument": argument, "expected": true, "state": "success"}]
    }}})
    .to_string()
}

fn problem_kinds(text: &str) -> Vec<ProblemKind> {
    match WaiterModel::from_json_str(text) {
        Ok(_) => panic!("the model should be refused"),
        Err(e) => e.problems().iter().map(|p| p.kind.clone()).collect(),
    }
}

/// The expressions that used to overflow the stack (and abort) in `wait`.
fn hostile() -> Vec<String> {
    let n = 900;
    vec![
        format!("{}jobs", "!".repeat(n)),
        format!("{}jobs{}", "(".repeat(n), ")".repeat(n)),
        format!("jobs{}", ".a".repeat(n)),
        format!("jobs{}", "[*]".repeat(n)),
        format!("{}jobs{}", "[".repeat(n), "]".repeat(n)),
        format!("{}1", "length(".repeat(n)),
        format!("a{}", " || a".repeat(n)),
        format!("{}a", "&".repeat(n)),
    ]
}

#[test]
fn hostile_expressions_are_refused_before_parsing() {
    for argument in hostile() {
        // On a small stack: had anything recursed over the expression, this would abort.
        let text = model_with(&argument);
        let kinds = on_small_stack(move || problem_kinds(&text));
        assert_eq!(kinds.len(), 1, "{kinds:?}");
        match &kinds[0] {
            ProblemKind::ExpressionTooDeep { depth, limit, .. } => {
                assert!(*depth > MAX_EXPRESSION_DEPTH && *limit == MAX_EXPRESSION_DEPTH)
            }
            ProblemKind::ExpressionTooLong { length, .. } => {
                assert!(*length > MAX_EXPRESSION_BYTES)
            }
            other => panic!("{argument:.20}: {other:?}"),
        }
    }
}

#[test]
fn refusals_are_one_line_naming_the_limit() {
    let deep = format!("{}jobs", "!".repeat(70));
    let error = WaiterModel::from_json_str(&model_with(&deep)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "waiters.W.acceptors[0].argument: JMESPath expression \"{deep}\" nests 71 levels \
             deep; the limit is 64 (see waiters_model::limits::expression_depth)"
        )
    );
    let long = format!("jobs{}", ".a".repeat(600));
    let error = WaiterModel::from_json_str(&model_with(&long)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "waiters.W.acceptors[0].argument: JMESPath expression \
         \"jobs.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a…\" is 1204 bytes long; the limit is 1024 bytes"
    );
    let error = WaiterModel::from_json_str(&model_with("jobs[0:2:2147483647]")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "waiters.W.acceptors[0].argument: JMESPath expression \"jobs[0:2:2147483647]\" has the \
         integer 2147483647; indexes and slices are limited to 1000000"
    );
    // Control characters in an expression are shown escaped, so the message stays one line.
    let error = WaiterModel::from_json_str(&model_with("jobs[\n")).unwrap_err();
    assert!(!error.to_string().contains('\n'), "{error}");
    assert!(error.to_string().contains(r#""jobs[\n""#), "{error}");
}

/// Expressions of each recursive shape, as deep as the limit allows.
fn at_the_limit() -> Vec<String> {
    type Shape = fn(usize) -> String;
    let shapes: [Shape; 12] = [
        |n| format!("{}jobs", "!".repeat(n)),
        |n| format!("jobs{}", ".a".repeat(n)),
        |n| format!("{}jobs{}", "(".repeat(n), ")".repeat(n)),
        |n| format!("{}jobs{}", "length(".repeat(n), ")".repeat(n)),
        |n| format!("jobs{}", "[*]".repeat(n)),
        |n| format!("jobs{}", "[]".repeat(n)),
        |n| format!("jobs{}", ".*".repeat(n)),
        |n| format!("{}jobs{}", "[?".repeat(n), "]".repeat(n)),
        |n| format!("a{}", " || a".repeat(n)),
        |n| format!("a{}", " | a".repeat(n)),
        |n| format!("a{}", "[0]".repeat(n)),
        |n| format!("{}a{}", "{k: ".repeat(n), "}".repeat(n)),
    ];
    shapes
        .iter()
        .map(|shape| {
            let n = (0..)
                .take_while(|&n| expression_depth(&shape(n)) <= MAX_EXPRESSION_DEPTH)
                .last()
                .expect("the shortest expression is within the limit");
            let source = shape(n);
            let depth = expression_depth(&source);
            assert!(depth + 4 >= MAX_EXPRESSION_DEPTH, "{source}: depth {depth}");
            source
        })
        .collect()
}

#[test]
fn expressions_at_the_limit_compile_and_evaluate_on_a_small_stack() {
    let document = json!({"jobs": [{"status": "RUNNING", "a": {"a": 1}}], "a": [[1, 2], [3]]});
    on_small_stack(move || {
        let document = Document::new(&document);
        for source in at_the_limit() {
            let expression = Expression::compile(&source)
                .unwrap_or_else(|e| panic!("{source} should compile: {e}"));
            // Evaluate, clone and drop: every recursion over the syntax tree.
            let _ = expression.search(&document);
            let copy = expression.clone();
            drop(expression);
            let _ = copy.search(&document);
        }
    });
}

#[test]
fn one_past_the_limit_is_refused() {
    let d = MAX_EXPRESSION_DEPTH;
    for source in [
        format!("{}jobs", "!".repeat(d)),
        format!("jobs{}", ".a".repeat(d)),
        format!("a{}", " || a".repeat(d)),
    ] {
        assert_eq!(expression_depth(&source), d + 1);
        assert!(
            matches!(
                Expression::compile(&source),
                Err(ProblemKind::ExpressionTooDeep { depth, .. }) if depth == d + 1
            ),
            "{source}"
        );
    }
    let long = format!("a{}", " ".repeat(MAX_EXPRESSION_BYTES));
    assert!(matches!(
        Expression::compile(&long),
        Err(ProblemKind::ExpressionTooLong { .. })
    ));
    let at = format!("jobs[{MAX_EXPRESSION_INTEGER}]");
    assert!(Expression::compile(&at).is_ok());
    let past = format!("jobs[-{}]", MAX_EXPRESSION_INTEGER + 1);
    assert!(matches!(
        Expression::compile(&past),
        Err(ProblemKind::ExpressionIntegerTooLarge { .. })
    ));
}

#[test]
fn large_slice_steps_no_longer_reach_the_interpreter() {
    // jmespath 0.5 steps through slices in i32 arithmetic: this step overflowed.
    assert!(Expression::compile("[1:3:2147483647]").is_err());
    let fine = Expression::compile("[1:3:1000000]").expect("a step within the limit");
    let document = Document::new(&json!([1, 2, 3]));
    let found = fine.search(&document).expect("a result");
    assert_eq!(found.as_array().map(Vec::len), Some(1));
}

#[test]
fn model_text_size_is_bounded() {
    let huge = format!(
        "{{\"version\": 2, \"waiters\": {{}}, \"pad\": \"{}\"}}",
        "x".repeat(MAX_MODEL_BYTES)
    );
    let kinds = problem_kinds(&huge);
    assert!(
        matches!(kinds.as_slice(), [ProblemKind::ModelTooLarge { limit, .. }] if *limit == MAX_MODEL_BYTES as u64),
        "{kinds:?}"
    );
}

#[test]
fn waiter_names_with_control_characters_are_refused() {
    let text = json!({"version": 2, "waiters": {"Job\nComplete": {
        "operation": "DescribeJobs", "delay": 1, "maxAttempts": 1,
        "acceptors": [{"matcher": "error", "expected": true, "state": "success"}]}}})
    .to_string();
    let error = WaiterModel::from_json_str(&text).unwrap_err();
    assert_eq!(
        error.to_string(),
        r#"waiters["Job\nComplete"]: waiter name "Job\nComplete" contains control characters"#
    );
}

/// Every expression of the botocore models in the fixtures is far inside the limits.
#[test]
fn botocore_expressions_are_well_inside_the_limits() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/botocore");
    // BOTOCORE_DATA=.../botocore/data checks every model of a botocore release as well.
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the fixtures")
        .map(|e| e.expect("an entry").path())
        .collect();
    if let Some(data) = std::env::var_os("BOTOCORE_DATA") {
        for service in std::fs::read_dir(data).expect("BOTOCORE_DATA is a directory") {
            for version in std::fs::read_dir(service.expect("entry").path())
                .into_iter()
                .flatten()
            {
                let path = version.expect("entry").path().join("waiters-2.json");
                if path.exists() {
                    files.push(path);
                }
            }
        }
    }
    let (mut deepest, mut longest, mut count) = (0, 0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let model = WaiterModel::from_json_str(&text).expect("valid");
        for waiter in model.waiters() {
            for acceptor in waiter.acceptors() {
                if let Some(argument) = acceptor.matcher.argument() {
                    deepest = deepest.max(expression_depth(argument.as_str()));
                    longest = longest.max(argument.as_str().len());
                    count += 1;
                }
            }
        }
    }
    let source = if std::env::var_os("BOTOCORE_DATA").is_some() {
        "botocore expressions"
    } else {
        // .ci/run sets BOTOCORE_DATA (its botocore step); here only the fixtures.
        "fixture expressions only (BOTOCORE_DATA is not set)"
    };
    println!(
        "{source}: {} files, {count} expressions: deepest {deepest}, longest {longest} bytes",
        files.len()
    );
    assert!(count > 100);
    assert!(deepest * 3 <= MAX_EXPRESSION_DEPTH, "deepest {deepest}");
    assert!(longest * 4 <= MAX_EXPRESSION_BYTES, "longest {longest}");
}

#[test]
fn search_on_a_small_stack_with_a_deep_document() {
    // serde_json refuses JSON nested deeper than 128, which bounds the document side.
    let deep = format!("{}1{}", "[".repeat(120), "]".repeat(120));
    let document = Document::from_slice(deep.as_bytes()).expect("120 levels parse");
    let too_deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    assert!(Document::from_slice(too_deep.as_bytes()).is_err());
    on_small_stack(move || {
        let expression = Expression::compile("[0][0][0] == `[[1]]`").expect("compiles");
        let _ = expression.search(&document);
        let observation = Observation::Output {
            status: Some(200),
            document: &document,
        };
        let model = WaiterModel::from_json_str(&model_with("@ == @")).expect("valid");
        let waiter = model.waiter("W").expect("defined");
        assert!(waiter.first_match(&observation).is_some());
    });
}

/// The depth of a syntax tree.
fn ast_depth(ast: &Ast) -> usize {
    let children: Vec<&Ast> = match ast {
        Ast::Comparison { lhs, rhs, .. }
        | Ast::And { lhs, rhs, .. }
        | Ast::Or { lhs, rhs, .. }
        | Ast::Subexpr { lhs, rhs, .. }
        | Ast::Projection { lhs, rhs, .. } => vec![lhs, rhs],
        Ast::Condition {
            predicate, then, ..
        } => vec![predicate, then],
        Ast::Expref { ast, .. } => vec![ast],
        Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
            vec![node]
        }
        Ast::Function { args, .. } | Ast::MultiList { elements: args, .. } => args.iter().collect(),
        Ast::MultiHash { elements, .. } => elements.iter().map(|kvp| &kvp.value).collect(),
        Ast::Identity { .. }
        | Ast::Field { .. }
        | Ast::Index { .. }
        | Ast::Literal { .. }
        | Ast::Slice { .. } => Vec::new(),
    };
    1 + children.into_iter().map(ast_depth).max().unwrap_or(0)
}

/// Expressions from JMESPath's grammar, nested up to about 30 levels.
fn grammar() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec!["a", "jobs", "@", "`1`", "'x'", "\"q r\"", "`[1]`"])
        .prop_map(str::to_owned);
    leaf.prop_recursive(30, 300, 3, |inner| {
        let pair = (inner.clone(), inner.clone());
        prop_oneof![
            inner.clone().prop_map(|e| format!("{e}.b")),
            inner.clone().prop_map(|e| format!("{e}[0]")),
            inner.clone().prop_map(|e| format!("{e}[-1]")),
            inner.clone().prop_map(|e| format!("{e}[*]")),
            inner.clone().prop_map(|e| format!("{e}[]")),
            inner.clone().prop_map(|e| format!("{e}.*")),
            inner.clone().prop_map(|e| format!("{e}[1:2]")),
            inner.clone().prop_map(|e| format!("!{e}")),
            inner.clone().prop_map(|e| format!("({e})")),
            inner.clone().prop_map(|e| format!("length({e})")),
            inner.clone().prop_map(|e| format!("sort_by(a, &{e})")),
            inner.clone().prop_map(|e| format!("{{k: {e}}}")),
            pair.clone().prop_map(|(a, b)| format!("{a}[?{b}]")),
            pair.clone().prop_map(|(a, b)| format!("{a} == {b}")),
            pair.clone().prop_map(|(a, b)| format!("{a} || {b}")),
            pair.clone().prop_map(|(a, b)| format!("{a} && {b}")),
            pair.clone().prop_map(|(a, b)| format!("{a} | {b}")),
            pair.clone().prop_map(|(a, b)| format!("[{a}, {b}]")),
            pair.prop_map(|(a, b)| format!("contains({a}, {b})")),
        ]
    })
}

/// Any sequence of JMESPath tokens, valid or not.
fn token_soup() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "a", ".", "[", "]", "(", ")", "{", "}", ",", ":", "!", "&", "&&", "||", "|", "==", "!=",
        "<", ">=", "*", "?", "[?", "[]", "@", "`1`", "'s'", "\"q\"", "0", "-1", " ", "k:",
    ]);
    prop::collection::vec(token, 0..80).prop_map(|tokens| tokens.concat())
}

fn check_bound(source: &str) -> Result<(), TestCaseError> {
    let estimate = expression_depth(source);
    // Only trees the estimate says are shallow are parsed, so this test cannot overflow
    // the stack itself, and it proves the estimate bounds the real depth.
    if estimate <= 64
        && let Ok(ast) = waiters_model::jmespath::parse(source)
    {
        let depth = ast_depth(&ast);
        prop_assert!(
            depth <= estimate,
            "{source}: tree depth {depth} > estimate {estimate}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn depth_estimate_bounds_the_tree_of_grammatical_expressions(source in grammar()) {
        check_bound(&source)?;
    }

    #[test]
    fn depth_estimate_bounds_the_tree_of_any_token_sequence(source in token_soup()) {
        check_bound(&source)?;
    }

    #[test]
    fn compile_never_panics(source in "\\PC{0,64}") {
        let _ = Expression::compile(&source);
    }
}

mod files {
    use std::path::{Path, PathBuf};
    use std::sync::mpsc;
    use std::time::Duration;

    use waiters_model::limits::MAX_MODEL_BYTES;
    use waiters_model::{ReadModelError, read_model_file};

    fn dir(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("model-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a test directory");
        dir
    }

    /// Reads on another thread and fails the test if that takes more than 5 s.
    fn read_within_5s(path: &Path) -> Result<String, ReadModelError> {
        let (tx, rx) = mpsc::channel();
        let path = path.to_owned();
        std::thread::spawn(move || {
            let _ = tx.send(read_model_file(&path));
        });
        rx.recv_timeout(Duration::from_secs(5))
            .expect("reading a model file must not block")
    }

    #[test]
    fn a_regular_file_is_read() {
        let dir = dir("regular");
        let path = dir.join("m.json");
        std::fs::write(&path, "{}").expect("write");
        assert_eq!(read_within_5s(&path).expect("readable"), "{}");
    }

    #[test]
    fn directories_and_devices_are_refused_unread() {
        let error = read_within_5s(&dir("dir")).unwrap_err();
        assert_eq!(error.to_string(), "a directory, not a regular file");
        let error = read_within_5s(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(error.to_string(), "a character device, not a regular file");
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let path = dir("fifo").join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&path).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("mkfifo is not available; skipping");
            return;
        }
        let error = read_within_5s(&path).unwrap_err();
        assert_eq!(error.to_string(), "a FIFO (named pipe), not a regular file");
    }

    #[test]
    fn a_large_file_is_refused_and_a_file_at_the_limit_is_read() {
        let dir = dir("large");
        let at_limit = dir.join("at.json");
        std::fs::write(&at_limit, vec![b' '; MAX_MODEL_BYTES]).expect("write");
        assert_eq!(
            read_within_5s(&at_limit).expect("readable").len(),
            MAX_MODEL_BYTES
        );
        let past = dir.join("past.json");
        std::fs::write(&past, vec![b' '; MAX_MODEL_BYTES + 1]).expect("write");
        let error = read_within_5s(&past).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the file is larger than 4194304 bytes, the limit for waiter models"
        );
    }

    #[test]
    fn missing_and_binary_files_say_why() {
        let dir = dir("other");
        let error = read_within_5s(&dir.join("missing.json")).unwrap_err();
        assert!(matches!(error, ReadModelError::Io(_)), "{error:?}");
        let binary = dir.join("binary.json");
        std::fs::write(&binary, b"{\"a\": \xff}").expect("write");
        assert_eq!(
            read_within_5s(&binary).unwrap_err().to_string(),
            "the file is not UTF-8 text (invalid byte at offset 6)"
        );
    }
}

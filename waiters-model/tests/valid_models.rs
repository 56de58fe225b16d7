//! Real models load: the bundled one, Airflow's reference, and botocore's own.

use std::path::Path;
use std::time::Duration;

use waiters_model::{AcceptorState, ErrorExpectation, Matcher, WaiterModel};

fn load(relative: &str) -> WaiterModel {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    WaiterModel::from_json_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn bundled_model_keeps_reference_names_and_timings() {
    let model = load("models/batch-waiters.json");
    assert_eq!(
        model.waiter_names(),
        ["JobComplete", "JobExists", "JobRunning"]
    );
    let timings: Vec<(String, Duration, u32, usize)> = model
        .waiters()
        .map(|w| {
            (
                w.name().to_owned(),
                w.delay(),
                w.max_attempts(),
                w.acceptors().len(),
            )
        })
        .collect();
    assert_eq!(
        timings,
        [
            ("JobComplete".to_owned(), Duration::from_secs(300), 288, 2),
            ("JobExists".to_owned(), Duration::from_secs(2), 100, 8),
            ("JobRunning".to_owned(), Duration::from_secs(5), 100, 3),
        ]
    );
    // The difference from the reference: JobExists retries while the job is invisible.
    let last = model
        .waiter("JobExists")
        .unwrap()
        .acceptors()
        .last()
        .unwrap();
    assert_eq!(last.state, AcceptorState::Retry);
}

#[test]
fn reference_model_loads_with_its_error_acceptor() {
    let model = load("tests/fixtures/airflow-reference.json");
    let exists = model.waiter("JobExists").unwrap();
    let last = exists.acceptors().last().unwrap();
    assert_eq!(last.state, AcceptorState::Failure);
    assert!(matches!(
        &last.matcher,
        Matcher::Error { expected: ErrorExpectation::Code(code) } if code.is_empty()
    ));
    assert_eq!(
        model.waiter("JobComplete").unwrap().description(),
        Some("Wait until job status is SUCCEEDED or FAILED")
    );
}

#[test]
fn botocore_models_load() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/botocore");
    let mut loaded = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let model =
            WaiterModel::from_json_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        loaded.push((
            path.file_stem().unwrap().to_string_lossy().into_owned(),
            model,
        ));
    }
    loaded.sort_by(|a, b| a.0.cmp(&b.0));
    let names: Vec<&str> = loaded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "cloudformation",
            "dynamodb",
            "ec2",
            "ecs",
            "eks",
            "lambda",
            "s3",
            "ses"
        ]
    );
    let ec2 = &loaded.iter().find(|(n, _)| n == "ec2").unwrap().1;
    assert!(ec2.waiter("InstanceRunning").is_some());
    assert!(ec2.waiters().len() > 40);
}

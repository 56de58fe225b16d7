//! The run-time matchers of fixed models (the bundled one, Airflow's, and the macro
//! tests' kitchen sink with every construct) on arbitrary responses: any JSON body as
//! a successful output, and any text as a service error code.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use waiters_model::{Document, Observation, WaiterModel};

static MODELS: LazyLock<Vec<WaiterModel>> = LazyLock::new(|| {
    [
        include_str!("../../models/batch-waiters.json"),
        include_str!("../../tests/fixtures/airflow-reference.json"),
        include_str!("../../waiters-macros/tests/models/kitchen-sink.json"),
        include_str!("../../waiters-macros/tests/models/custom-waiters.json"),
        include_str!("../../tests/fixtures/botocore/ec2.json"),
    ]
    .iter()
    .map(|text| WaiterModel::from_json_str(text).expect("the fixed models are valid"))
    .collect()
});

fuzz_target!(|data: &[u8]| {
    let mut observations = Vec::new();
    let document = Document::from_slice(data).ok();
    if let Some(document) = &document {
        for status in [Some(200), None] {
            observations.push(Observation::Output { status, document });
        }
    }
    let code = String::from_utf8_lossy(data);
    observations.push(Observation::ServiceError {
        status: Some(400),
        code: &code,
    });
    for model in MODELS.iter() {
        for waiter in model.waiters() {
            for observation in &observations {
                let _ = waiter.first_match(observation);
                for acceptor in waiter.acceptors() {
                    let _ = acceptor.matches(observation);
                }
            }
        }
    }
});

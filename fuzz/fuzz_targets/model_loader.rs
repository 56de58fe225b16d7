//! The model loader on arbitrary bytes: it returns a model or problems, never panics,
//! never overflows the stack (JMESPath arguments are bounded before they are parsed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use waiters_model::{Document, Observation, WaiterModel};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match WaiterModel::from_json_str(text) {
        Ok(model) => {
            // A model that loads can be used: every acceptor evaluates on a document.
            let document = Document::new(&serde_json::json!({"jobs": [{"status": "RUNNING"}]}));
            let observation = Observation::Output {
                status: Some(200),
                document: &document,
            };
            for waiter in model.waiters() {
                let _ = waiter.first_match(&observation);
                for acceptor in waiter.acceptors() {
                    let _ = acceptor.explanation();
                }
            }
            let _ = model.to_json();
        }
        Err(error) => {
            assert!(!error.problems().is_empty());
            // Every message is one line.
            for line in error.lines() {
                assert!(!line.contains('\n'), "{line}");
            }
        }
    }
});

//! Loading never panics, whatever the input: it returns a model or a list of problems.

use proptest::prelude::*;
use serde_json::{Value, json};
use waiters_model::WaiterModel;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("path".to_owned()),
            Just("pathAll".to_owned()),
            Just("pathAny".to_owned()),
            Just("status".to_owned()),
            Just("error".to_owned()),
            Just("success".to_owned()),
            Just("jobs[].status".to_owned()),
            Just("length(jobs)".to_owned()),
            Just("a[".to_owned()),
            ".*".prop_map(|s: String| s),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("matcher".to_owned()),
                    Just("argument".to_owned()),
                    Just("expected".to_owned()),
                    Just("state".to_owned()),
                    Just("delay".to_owned()),
                    Just("maxAttempts".to_owned()),
                    Just("operation".to_owned()),
                    Just("acceptors".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = WaiterModel::from_json_str(&text);
    }

    #[test]
    fn arbitrary_waiters_never_panic(waiter in json_value(), acceptors in prop::collection::vec(json_value(), 0..4)) {
        let mut waiter = waiter;
        if let Value::Object(map) = &mut waiter {
            map.insert("acceptors".to_owned(), Value::from(acceptors));
        }
        let doc = json!({"version": 2, "waiters": {"W": waiter}});
        match WaiterModel::from_json(&doc) {
            Ok(model) => prop_assert!(model.waiter("W").is_some()),
            Err(e) => prop_assert!(!e.problems().is_empty()),
        }
    }
}

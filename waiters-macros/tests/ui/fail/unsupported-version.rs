//! Only waiters-2 models.

waiters_runtime::waiters!(json = r#"{"version": 3, "waiters": {}}"#);

fn main() {}

//! The model file is not JSON: the error gives the line and column.

waiters_runtime::waiters!("models/malformed.json");

fn main() {}

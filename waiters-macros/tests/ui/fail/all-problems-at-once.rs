//! Every problem of a model is reported in one build, each with its JSON path.

waiters_runtime::waiters!("models/several-problems.json");

fn main() {}

//! Macro options are checked: the message lists the keys accepted.

waiters_runtime::waiters!("models/batch-waiters.json", krate = ::waiters_runtime);

fn main() {}

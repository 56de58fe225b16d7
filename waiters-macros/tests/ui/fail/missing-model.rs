//! Options but no model.

waiters_runtime::waiters!(crate = ::waiters_runtime);

fn main() {}

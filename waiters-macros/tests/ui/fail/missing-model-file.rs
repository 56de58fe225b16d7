//! A path that does not exist, relative to the crate directory.

waiters_runtime::waiters!("models/no-such-file.json");

fn main() {}

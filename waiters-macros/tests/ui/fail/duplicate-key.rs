//! An option given twice.

waiters_runtime::waiters!("models/batch-waiters.json", extension_trait = A, extension_trait = B);

fn main() {}

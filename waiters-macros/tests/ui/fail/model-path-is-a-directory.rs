//! A model path that names a directory (a FIFO or a device is refused the same way,
//! without blocking the build).

waiters_runtime::waiters!("models");

fn main() {}

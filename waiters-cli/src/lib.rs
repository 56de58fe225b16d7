//! The library side of the `waiters` command: what its subcommands do with AWS, for
//! programs and tests that want it without running the binary.
//!
//! Only the event set-up is here for now ([`events`]: the SQS queue and the EventBridge
//! rule that carry Batch job state changes to a waiting process); the binary's other
//! commands live in the binary.

pub mod events;

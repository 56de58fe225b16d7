//! botocore "waiters-2" models for Rust: load, validate up front, and evaluate acceptors.
//!
//! This crate is shared by the run-time waiters (`waiters-runtime`) and the compile-time
//! code generator (`waiters-codegen`), so both read a model the same way. It knows nothing
//! about AWS clients.
//!
//! ```
//! use waiters_model::{AcceptorState, WaiterModel};
//!
//! let model = WaiterModel::from_json_str(r#"{
//!   "version": 2,
//!   "waiters": {"JobComplete": {
//!     "operation": "DescribeJobs", "delay": 300, "maxAttempts": 288,
//!     "acceptors": [
//!       {"matcher": "pathAll", "argument": "jobs[].status", "expected": "SUCCEEDED", "state": "success"},
//!       {"matcher": "pathAny", "argument": "jobs[].status", "expected": "FAILED", "state": "failure"}]}}}"#)?;
//! let waiter = model.waiter("JobComplete").expect("defined above");
//! assert_eq!(waiter.acceptors()[1].state, AcceptorState::Failure);
//!
//! // Every problem is reported at once, each with its JSON path.
//! let err = WaiterModel::from_json_str(r#"{"version": 2, "waiters": {"W": {
//!   "operation": "DescribeJobs", "delay": 1, "maxAttempts": 1,
//!   "acceptors": [{"matcher": "pathAll", "argument": "jobs[].status", "expected": "X", "state": "failed"}]}}}"#)
//!   .unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#"waiters.W.acceptors[0].state: unknown state "failed" (expected success, failure or retry)"#
//! );
//! # Ok::<(), waiters_model::ModelError>(())
//! ```
#![warn(missing_docs)]

mod error;
mod expression;
pub mod limits;
mod load;
mod matcher;
mod model;
mod suggest;
mod text;

pub use error::{JsonPath, ModelError, Problem, ProblemKind, describe_json};
pub use expression::{Document, Expression};
pub use limits::{ReadModelError, read_model_file};
pub use matcher::{Observation, json_eq, python_str};
pub use model::{
    Acceptor, AcceptorState, ErrorExpectation, Matcher, WaiterDefinition, WaiterModel,
};
pub use suggest::suggest;

/// The JMESPath implementation the models are compiled with (its AST is what the code
/// generator walks).
pub use jmespath;

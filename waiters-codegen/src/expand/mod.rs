//! Model -> plan -> tokens, in stages: [`plan`] checks every waiter, compiles its
//! acceptors and settles the Rust names (reporting clashes); [`emit`] writes the tokens;
//! [`docs`] writes the doc comments they carry.

mod docs;
mod emit;
mod markdown;
mod plan;

use proc_macro2::TokenStream;
use waiters_model::JsonPath;

use crate::error::Problem;
use crate::options::Options;

/// Checks and compiles a model: the tokens (complete, or a fallback without the broken
/// parts) and every problem found.
pub(crate) fn expand(options: &Options, json: &str) -> (TokenStream, Vec<Problem>) {
    let mut problems = Vec::new();
    let plans = plan::plan(options, json, &mut problems);
    (emit::emit(options, &plans), problems)
}

/// `waiters.<name>`.
fn waiter_path(name: &str) -> JsonPath {
    JsonPath::root().key("waiters").key(name)
}

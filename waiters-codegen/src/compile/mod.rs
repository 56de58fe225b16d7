//! JMESPath arguments compiled to Rust over the SDK's typed outputs.
//!
//! Every expression becomes a Rust expression whose type follows from the shape table:
//! a field is a getter call (`Option<&str>`, `Option<i32>`, `Option<&JobDetail>`, ...),
//! a projection an iterator (`Option<impl Iterator>`), a comparison a `bool`. The
//! semantics are those of the run-time matchers (the `jmespath` crate over the response
//! JSON): `None` is JSON `null`, projections drop nulls, and a JMESPath run-time error
//! (`length(null)`) makes the acceptor not match, which the generated code does by
//! returning `None` through `?` from a search function.
//!
//! Two rules keep the typed and the run-time results identical:
//! - lists are read through the public field (`output.jobs.as_deref()`), not the getter:
//!   the getter turns an absent list into an empty one, and JMESPath tells `null` from `[]`
//!   (`length(jobs)` is an error on one and 0 on the other);
//! - an iterator that is consumed lazily never contains fallible code: a projection whose
//!   right side can fail is collected first, so an error in a late element is not skipped
//!   by a short-circuiting `any`/`all`.
//!
//! One file per concern: [`matchers`] (the entry points, one per matcher), [`compiler`]
//! (its state), [`types`] (what a compiled value is), [`walk`] (fields, indexes, projections
//! and flattening), [`members`] (reading the SDK's typed output), [`equality`], [`logic`],
//! [`functions`] and [`literals`] for the rest of JMESPath, [`tokens`] (helpers that write
//! code) and [`error`]. This file only declares them, so that imports between them run one
//! way.

mod compiler;
mod equality;
mod error;
mod functions;
mod literals;
mod logic;
mod matchers;
mod members;
mod tokens;
mod types;
mod walk;

#[cfg(test)]
mod tests;

pub(crate) use compiler::Compiler;
pub(crate) use error::CompileError;
pub(crate) use matchers::CompiledMatch;
pub(crate) use tokens::mentions_ident;

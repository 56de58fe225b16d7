//! What can be wrong with a model for code generation: each problem names its JSON path.

use std::fmt;

use proc_macro2::TokenStream;
use waiters_model::JsonPath;

/// What is wrong at one place of a model.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The model itself is invalid (bad JSON, unknown matcher or state, bad JMESPath, ...);
    /// the run-time loader reports the same problems.
    #[error(transparent)]
    Model(#[from] waiters_model::ProblemKind),
    /// A waiter name that cannot be the name of a Rust type.
    #[error("waiter name {name:?} is not a valid Rust type name: {reason}")]
    InvalidWaiterName {
        /// The name as written.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two waiters, or a waiter and the extension trait, would get the same Rust name.
    #[error("{what} `{rust_name}` of waiter {waiter:?} clashes with {other}")]
    NameClash {
        /// The waiter reported (the later of the two, in model order).
        waiter: String,
        /// The generated item (`method`, `type`).
        what: &'static str,
        /// The Rust name both would get.
        rust_name: String,
        /// What it clashes with.
        other: String,
    },
    /// `operation` is not an operation of the service.
    #[error(
        "Batch has no operation {operation:?}{}; waiters! can generate code for: {supported}",
        did_you_mean(.suggestion)
    )]
    UnknownOperation {
        /// The operation as written.
        operation: String,
        /// A close match, when there is one.
        suggestion: Option<String>,
        /// The operations code generation supports.
        supported: String,
    },
    /// `operation` exists but code generation does not support it.
    #[error(
        "operation {operation:?} is not supported by waiters! code generation: waiters poll \
         read-only operations (supported: {supported})"
    )]
    UnsupportedOperation {
        /// The operation as written.
        operation: String,
        /// The operations code generation supports.
        supported: String,
    },
    /// A JMESPath field that the typed output does not have.
    #[error(
        "in `{expression}`: {shape} has no member `{member}`{}{}{}",
        did_you_mean(.suggestion),
        listed(.members),
        not_in_sdk(.missing_from_sdk)
    )]
    UnknownMember {
        /// The acceptor's argument.
        expression: String,
        /// The structure looked in (its service-model name).
        shape: String,
        /// The member asked for.
        member: String,
        /// A close match, when there is one.
        suggestion: Option<String>,
        /// The structure's members, when there is no suggestion and they are few.
        members: Vec<String>,
        /// The SDK crate, when the Batch service model has the member but that SDK
        /// version does not.
        missing_from_sdk: Option<String>,
    },
    /// A valid JMESPath construct that the code generator cannot compile.
    #[error(
        "in `{expression}` at column {column}: {construct} cannot be compiled to Rust by waiters! \
         (supported: fields, `a.b`, `a[].b`, `a[*].b`, `a[N]`, `map.*`, filters `[?...]`, \
         `|`, `@`, comparisons, `&&`, `||`, `!`, literals, length() and contains())"
    )]
    UnsupportedExpression {
        /// The acceptor's argument.
        expression: String,
        /// 0-based column of the construct.
        column: usize,
        /// What it is (`a slice [1:2]`, `the function sort_by()`, ...).
        construct: String,
    },
    /// An expression that compiles in JMESPath but can never do what it says on the typed
    /// output (a field of a list, `length()` of a number, a comparison that is never true).
    #[error("in `{expression}`: {message}")]
    ExpressionType {
        /// The acceptor's argument.
        expression: String,
        /// What is wrong.
        message: String,
    },
    /// An `expected` value that can never equal what the argument gives.
    #[error("expected {found} can never match `{expression}`: {gives}")]
    ExpectedType {
        /// The acceptor's argument.
        expression: String,
        /// The expected value (`the number 1`).
        found: String,
        /// What the argument gives (`whose elements are JobStatus strings`).
        gives: String,
    },
    /// The code generator's own data is broken (a bug in this crate, not in the model).
    #[error("internal error in waiters-codegen: {0}")]
    Internal(String),
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

fn listed(members: &[String]) -> String {
    if members.is_empty() {
        return String::new();
    }
    let list: Vec<String> = members.iter().map(|m| format!("`{m}`")).collect();
    format!(" (its members: {})", list.join(", "))
}

fn not_in_sdk(sdk: &Option<String>) -> String {
    match sdk {
        Some(sdk) => format!(" (the Batch service model has it, but {sdk} does not yet)"),
        None => String::new(),
    }
}

/// One problem, with the JSON path it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Where in the model (`waiters.JobComplete.acceptors[1].argument`).
    pub path: JsonPath,
    /// What is wrong there.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// Why a model cannot become typed waiters: every problem found, in model order.
///
/// ```
/// use waiters_codegen::{Options, generate};
///
/// let failure = generate(&Options::new("models/w.json"), r#"{"version": 3, "waiters": {}}"#)
///     .unwrap_err();
/// assert_eq!(
///     failure.error.lines().collect::<Vec<_>>(),
///     ["models/w.json: version: unsupported version 3 (only version 2 is supported)"]
/// );
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct CodegenError {
    source_name: String,
    problems: Vec<Problem>,
}

impl CodegenError {
    pub(crate) fn new(source_name: &str, problems: Vec<Problem>) -> Self {
        Self {
            source_name: source_name.to_owned(),
            problems,
        }
    }

    /// Where the model came from (`models/batch-waiters.json`, or `inline JSON`).
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// Every problem, in model order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Each problem on one line, prefixed by the source name:
    /// `models/w.json: waiters.W.acceptors[0].argument: in ...`.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.problems
            .iter()
            .map(|p| format!("{}: {p}", self.source_name))
    }
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{}: {one}", self.source_name),
            many => {
                write!(
                    f,
                    "{}: {} problems in waiter model",
                    self.source_name,
                    many.len()
                )?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

/// A model that could not be turned into code: the problems, and code to emit next to
/// them so that the user's own uses of the waiters do not add errors of their own.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failure {
    /// What is wrong.
    #[source]
    pub error: CodegenError,
    /// Every waiter type whose name is usable, with the full API but without the acceptors
    /// that failed (or without any, when the model did not load).
    pub fallback: TokenStream,
}

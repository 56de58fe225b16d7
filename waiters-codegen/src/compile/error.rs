//! What can go wrong while compiling an argument.

use crate::error::ProblemKind;

/// A problem found while compiling, before it gets its JSON path and expression text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CompileError {
    UnknownMember {
        shape: String,
        member: String,
        suggestion: Option<String>,
        /// The structure's members, when there is no suggestion and they are few.
        members: Vec<String>,
        /// The SDK crate, when the service model has the member but the SDK does not.
        missing_from_sdk: Option<String>,
    },
    Unsupported {
        offset: usize,
        construct: String,
    },
    Type(String),
    Expected {
        found: String,
        gives: String,
    },
}

impl CompileError {
    /// Whether the problem is the matcher's `expected` (else its `argument`).
    pub(crate) fn is_about_expected(&self) -> bool {
        matches!(self, Self::Expected { .. })
    }

    /// The problem as reported, for the argument `expression`.
    pub(crate) fn into_problem(self, expression: String) -> ProblemKind {
        match self {
            Self::UnknownMember {
                shape,
                member,
                suggestion,
                members,
                missing_from_sdk,
            } => ProblemKind::UnknownMember {
                expression,
                shape,
                member,
                suggestion,
                members,
                missing_from_sdk,
            },
            Self::Unsupported { offset, construct } => ProblemKind::UnsupportedExpression {
                expression,
                column: offset,
                construct,
            },
            Self::Type(message) => ProblemKind::ExpressionType {
                expression,
                message,
            },
            Self::Expected { found, gives } => ProblemKind::ExpectedType {
                expression,
                found,
                gives,
            },
        }
    }
}

pub(super) type Result<T> = std::result::Result<T, CompileError>;

pub(super) fn type_error<T>(message: impl Into<String>) -> Result<T> {
    Err(CompileError::Type(message.into()))
}

pub(super) fn unsupported<T>(offset: usize, construct: impl Into<String>) -> Result<T> {
    Err(CompileError::Unsupported {
        offset,
        construct: construct.into(),
    })
}

//! What can go wrong while compiling an argument.

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

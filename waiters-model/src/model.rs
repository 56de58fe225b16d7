//! The validated model: waiters, acceptors, matchers and states.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::error::ModelError;
use crate::expression::Expression;
use crate::load;

/// What a matching acceptor means for the wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AcceptorState {
    /// The wait is over and succeeded.
    Success,
    /// The wait is over and failed.
    Failure,
    /// Poll again.
    Retry,
}

impl AcceptorState {
    /// The state as written in a model (`success`, `failure`, `retry`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Retry => "retry",
        }
    }

    /// Parses a state as written in a model.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "success" => Some(Self::Success),
            "failure" => Some(Self::Failure),
            "retry" => Some(Self::Retry),
            _ => None,
        }
    }
}

impl fmt::Display for AcceptorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an `error` matcher expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorExpectation {
    /// The error code equals this string; a successful call has code `""`, so
    /// `Code("")` matches every successful response (as in botocore).
    Code(String),
    /// Any service error (`expected: true`).
    AnyError,
    /// No error (`expected: false`).
    NoError,
}

/// The test an acceptor applies to each response.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// The call succeeded and `search(argument) == expected`.
    Path {
        /// The JMESPath expression.
        argument: Expression,
        /// The value to compare with.
        expected: Value,
    },
    /// The call succeeded, the search result is a non-empty list, and every element equals `expected`.
    PathAll {
        /// The JMESPath expression.
        argument: Expression,
        /// The value every element must equal.
        expected: Value,
    },
    /// The call succeeded, the search result is a non-empty list, and some element equals `expected`.
    PathAny {
        /// The JMESPath expression.
        argument: Expression,
        /// The value some element must equal.
        expected: Value,
    },
    /// The HTTP status code equals `expected` (successful and error responses alike).
    Status {
        /// The status code.
        expected: u16,
    },
    /// The service error code matches (see [`ErrorExpectation`]).
    Error {
        /// What is expected of the error.
        expected: ErrorExpectation,
    },
}

impl Matcher {
    /// The matcher's name as written in a model.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Path { .. } => "path",
            Self::PathAll { .. } => "pathAll",
            Self::PathAny { .. } => "pathAny",
            Self::Status { .. } => "status",
            Self::Error { .. } => "error",
        }
    }

    /// The JMESPath argument of a path matcher.
    pub fn argument(&self) -> Option<&Expression> {
        match self {
            Self::Path { argument, .. }
            | Self::PathAll { argument, .. }
            | Self::PathAny { argument, .. } => Some(argument),
            Self::Status { .. } | Self::Error { .. } => None,
        }
    }
}

/// One acceptor: a matcher and the state it leads to.
#[derive(Clone, Debug)]
pub struct Acceptor {
    /// The test.
    pub matcher: Matcher,
    /// What a match means.
    pub state: AcceptorState,
}

/// One waiter of a model.
#[derive(Clone, Debug)]
pub struct WaiterDefinition {
    pub(crate) name: String,
    pub(crate) operation: String,
    pub(crate) delay: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) description: Option<String>,
    pub(crate) acceptors: Vec<Acceptor>,
}

impl WaiterDefinition {
    /// The waiter's name: its key in the model (`JobComplete`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operation it polls (`DescribeJobs`).
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The model's delay between attempts.
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// The model's attempt budget; 0 and 1 both mean a single call.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The model's description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The acceptors, in the order they are evaluated.
    pub fn acceptors(&self) -> &[Acceptor] {
        &self.acceptors
    }
}

/// A complete, validated waiters-2 model.
///
/// Everything is checked when it is built: the version, every waiter's fields, every
/// acceptor's matcher, state, `expected` value and JMESPath argument. A model that loads
/// cannot fail later because of its own content.
#[derive(Clone, Debug)]
pub struct WaiterModel {
    pub(crate) document: Value,
    pub(crate) waiters: BTreeMap<String, WaiterDefinition>,
}

impl WaiterModel {
    /// Loads a model from JSON text, reporting every problem at once. Texts larger than
    /// [`MAX_MODEL_BYTES`](crate::limits::MAX_MODEL_BYTES) are refused unread.
    pub fn from_json_str(text: &str) -> Result<Self, ModelError> {
        crate::limits::check_model_size(text)
            .map_err(|kind| ModelError::single(crate::JsonPath::root(), kind))?;
        load::from_str(text)
    }

    /// Loads a model from a JSON value. The model keeps its own copy.
    pub fn from_json(document: &Value) -> Result<Self, ModelError> {
        load::from_value(document.clone())
    }

    /// The waiter names, sorted.
    pub fn waiter_names(&self) -> Vec<String> {
        self.waiters.keys().cloned().collect()
    }

    /// One waiter by its exact name.
    pub fn waiter(&self, name: &str) -> Option<&WaiterDefinition> {
        self.waiters.get(name)
    }

    /// All waiters, sorted by name.
    pub fn waiters(&self) -> impl ExactSizeIterator<Item = &WaiterDefinition> {
        self.waiters.values()
    }

    /// The document the model was built from (a copy; changing it changes nothing here).
    pub fn to_json(&self) -> Value {
        self.document.clone()
    }

    /// One waiter's configuration as JSON, as written in the model.
    pub fn waiter_json(&self, name: &str) -> Option<Value> {
        self.document.get("waiters")?.get(name).cloned()
    }
}

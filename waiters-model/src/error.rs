//! Problems found while loading a model: each names the JSON path it is about.

use std::fmt;

use crate::text::escape_unsafe;
use serde_json::Value;

/// A location inside a waiter model document, written the way people read it:
/// `waiters.JobComplete.acceptors[1].state`. The document root is written `$`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(String);

impl JsonPath {
    /// The document root.
    pub fn root() -> Self {
        Self::default()
    }

    /// The path of member `key` of the object at this path.
    pub fn key(&self, key: &str) -> Self {
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let mut path = self.0.clone();
        if plain {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
        } else {
            // Keys with dots, spaces or quotes stay unambiguous in bracket form.
            path.push('[');
            path.push_str(&serde_json::Value::from(key).to_string());
            path.push(']');
        }
        Self(path)
    }

    /// The path of element `index` of the array at this path.
    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0))
    }

    /// The path as text (`$` for the root).
    pub fn as_str(&self) -> &str {
        if self.0.is_empty() { "$" } else { &self.0 }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong at one place of a model.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The text is not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser expected.
        message: String,
    },
    /// A member that must be present is missing.
    #[error("missing required field \"{field}\"")]
    MissingField {
        /// The member's name.
        field: &'static str,
    },
    /// A value has the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the format asks for here.
        expected: &'static str,
        /// What the document has (`a string "2"`, `null`, ...).
        found: String,
    },
    /// `version` is not 2.
    #[error("unsupported version {found} (only version 2 is supported)")]
    UnsupportedVersion {
        /// The version found, as JSON.
        found: String,
    },
    /// `matcher` names no known matcher.
    #[error("unknown matcher \"{}\" (expected path, pathAll, pathAny, status or error)", escape_unsafe(.found))]
    UnknownMatcher {
        /// The matcher found.
        found: String,
    },
    /// `state` names no known acceptor state.
    #[error("unknown state \"{}\" (expected success, failure or retry)", escape_unsafe(.found))]
    UnknownState {
        /// The state found.
        found: String,
    },
    /// `argument` is not valid JMESPath.
    #[error("invalid JMESPath expression \"{}\" at column {column}: {}", escape_unsafe(.expression), escape_unsafe(.reason))]
    InvalidExpression {
        /// The expression text.
        expression: String,
        /// 0-based column in the expression where parsing stopped.
        column: usize,
        /// The parser's explanation.
        reason: String,
    },
    /// `argument` calls a function JMESPath does not have.
    #[error("JMESPath expression \"{}\" calls unknown function {}()", escape_unsafe(.expression), escape_unsafe(.function))]
    UnknownFunction {
        /// The expression text.
        expression: String,
        /// The function name.
        function: String,
    },
    /// `expected` does not fit the matcher.
    #[error("matcher \"{matcher}\" expects {wanted}, found {found}")]
    ExpectedMismatch {
        /// The acceptor's matcher.
        matcher: &'static str,
        /// What this matcher can compare against.
        wanted: &'static str,
        /// What the document has.
        found: String,
    },
    /// A number is outside what the field allows.
    #[error("{message}, found {found}")]
    OutOfRange {
        /// What the field allows.
        message: &'static str,
        /// The number found.
        found: String,
    },
    /// A member the format does not have (often a typo of one it does).
    #[error("unknown field \"{}\" (expected one of: {expected})", escape_unsafe(.field))]
    UnknownField {
        /// The member found.
        field: String,
        /// The members allowed here.
        expected: &'static str,
    },
    /// A waiter has no acceptors, so it could never succeed.
    #[error("a waiter needs at least one acceptor")]
    NoAcceptors,
    /// A text field that must say something is empty.
    #[error("must not be empty")]
    Empty,
    /// The same key appears twice in one object, so one value would be silently lost.
    #[error("duplicate key \"{}\"", escape_unsafe(.key))]
    DuplicateKey {
        /// The repeated key.
        key: String,
    },
    /// The model is valid, but the caller cannot use this part of it (for example an
    /// operation a client cannot call).
    #[error("{0}")]
    Unsupported(String),
    /// The model text is larger than [`MAX_MODEL_BYTES`](crate::limits::MAX_MODEL_BYTES).
    #[error("the model is {size} bytes; waiter models are limited to {limit} bytes")]
    ModelTooLarge {
        /// The size of the text.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// `argument` is longer than
    /// [`MAX_EXPRESSION_BYTES`](crate::limits::MAX_EXPRESSION_BYTES).
    #[error(
        "JMESPath expression \"{}\" is {length} bytes long; the limit is {limit} bytes",
        escape_unsafe(.start)
    )]
    ExpressionTooLong {
        /// The beginning of the expression.
        start: String,
        /// Its length in bytes.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// `argument` nests deeper than
    /// [`MAX_EXPRESSION_DEPTH`](crate::limits::MAX_EXPRESSION_DEPTH).
    #[error(
        "JMESPath expression \"{}\" nests {depth} levels deep; the limit is {limit} (see waiters_model::limits::expression_depth)",
        escape_unsafe(.expression)
    )]
    ExpressionTooDeep {
        /// The expression text (its first 80 characters and `…` when longer).
        expression: String,
        /// Its depth, as [`expression_depth`](crate::limits::expression_depth) measures it.
        depth: usize,
        /// The limit.
        limit: usize,
    },
    /// An index or slice in `argument` is larger than
    /// [`MAX_EXPRESSION_INTEGER`](crate::limits::MAX_EXPRESSION_INTEGER).
    #[error(
        "JMESPath expression \"{}\" has the integer {integer}; indexes and slices are limited to {limit}",
        escape_unsafe(.expression)
    )]
    ExpressionIntegerTooLarge {
        /// The expression text (its first 80 characters and `…` when longer).
        expression: String,
        /// The integer, as written.
        integer: String,
        /// The limit.
        limit: u64,
    },
    /// A name has control characters (newlines, escapes, ...), which would let it change
    /// the lines it is printed on.
    #[error("{what} \"{}\" contains control characters", escape_unsafe(.value))]
    ControlCharacters {
        /// What the text is (`waiter name`).
        what: &'static str,
        /// The text.
        value: String,
    },
}

/// One problem, with the JSON path it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Where in the document.
    pub path: JsonPath,
    /// What is wrong there.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// A model that failed to load: every problem found, in document order.
///
/// Displays on one line; `problems()` gives them one by one (for `FILE: PATH: message`
/// listings).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelError {
    source_name: Option<String>,
    problems: Vec<Problem>,
}

impl ModelError {
    pub(crate) fn new(problems: Vec<Problem>) -> Self {
        debug_assert!(!problems.is_empty());
        Self {
            source_name: None,
            problems,
        }
    }

    /// A model error with a single problem.
    pub fn single(path: JsonPath, kind: ProblemKind) -> Self {
        Self::new(vec![Problem { path, kind }])
    }

    /// A model error from problems found by a caller (for example a client that cannot call
    /// an operation the model names). Returns an error with no problems if given none.
    pub fn from_problems(problems: impl IntoIterator<Item = (JsonPath, ProblemKind)>) -> Self {
        Self {
            source_name: None,
            problems: problems
                .into_iter()
                .map(|(path, kind)| Problem { path, kind })
                .collect(),
        }
    }

    /// Names where the model came from (a file path); shown before every problem.
    pub fn with_source_name(mut self, name: impl Into<String>) -> Self {
        self.source_name = Some(name.into());
        self
    }

    /// Where the model came from, when known.
    pub fn source_name(&self) -> Option<&str> {
        self.source_name.as_deref()
    }

    /// Every problem, in document order.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Each problem as one line, prefixed by the source name when known:
    /// `models/x.json: waiters.X.acceptors[0].state: unknown state "failed" (...)`.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.problems.iter().map(|p| match &self.source_name {
            Some(name) => format!("{name}: {p}"),
            None => p.to_string(),
        })
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.source_name {
            write!(f, "{name}: ")?;
        }
        match self.problems.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems in waiter model: ", many.len())?;
                for (i, p) in many.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ModelError {}

/// How a JSON value is named in problem messages: its type, and the value when it is a
/// scalar. Shared with the code generator so that both name values alike.
///
/// ```
/// use serde_json::json;
/// use waiters_model::describe_json;
///
/// assert_eq!(describe_json(&json!(1)), "the number 1");
/// assert_eq!(describe_json(&json!("FAILED")), r#"the string "FAILED""#);
/// assert_eq!(describe_json(&json!([1, 2])), "an array");
/// ```
pub fn describe_json(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", Value::from(s.as_str())),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

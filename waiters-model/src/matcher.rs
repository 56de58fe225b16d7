//! Run-time acceptor evaluation over response documents, with botocore's semantics.

use jmespath::Variable;
use serde_json::Value;

use crate::expression::Document;
use crate::model::{Acceptor, ErrorExpectation, Matcher, WaiterDefinition};

/// What one call of the operation gave, as the acceptors see it.
#[derive(Clone, Copy, Debug)]
pub enum Observation<'a> {
    /// The call succeeded.
    Output {
        /// The HTTP status code, when known (200 for a typical success).
        status: Option<u16>,
        /// The response body.
        document: &'a Document,
    },
    /// The service answered with an error.
    ServiceError {
        /// The HTTP status code, when known.
        status: Option<u16>,
        /// The error code (`ClientException`); `""` when the service sent none.
        code: &'a str,
    },
}

impl Observation<'_> {
    fn status(&self) -> Option<u16> {
        match self {
            Self::Output { status, .. } | Self::ServiceError { status, .. } => *status,
        }
    }
}

impl Matcher {
    /// Whether this matcher accepts the observation.
    pub fn matches(&self, observation: &Observation<'_>) -> bool {
        match (self, observation) {
            (Self::Status { expected }, obs) => obs.status() == Some(*expected),
            (Self::Error { expected }, obs) => {
                let code = match obs {
                    Observation::Output { .. } => None,
                    Observation::ServiceError { code, .. } => Some(*code),
                };
                match expected {
                    ErrorExpectation::AnyError => code.is_some(),
                    ErrorExpectation::NoError => code.is_none(),
                    ErrorExpectation::Code(want) => code.unwrap_or("") == want,
                }
            }
            // Path matchers only look at successful responses.
            (_, Observation::ServiceError { .. }) => false,
            (Self::Path { argument, expected }, Observation::Output { document, .. }) => argument
                .search(document)
                .is_some_and(|found| json_eq(&found, expected)),
            (Self::PathAll { argument, expected }, Observation::Output { document, .. }) => {
                list_result(argument.search(document).as_deref())
                    .is_some_and(|items| items.iter().all(|item| json_eq(item, expected)))
            }
            (Self::PathAny { argument, expected }, Observation::Output { document, .. }) => {
                list_result(argument.search(document).as_deref())
                    .is_some_and(|items| items.iter().any(|item| json_eq(item, expected)))
            }
        }
    }
}

/// A non-empty list result; scalars and empty lists match neither `pathAll` nor `pathAny`.
fn list_result(found: Option<&Variable>) -> Option<&[jmespath::Rcvar]> {
    match found {
        Some(Variable::Array(items)) if !items.is_empty() => Some(items),
        _ => None,
    }
}

/// Equality of a search result and an `expected` value: JSON values, numbers by numeric
/// value (`1 == 1.0`), and a boolean never equals a number.
pub fn json_eq(found: &Variable, expected: &Value) -> bool {
    match (found, expected) {
        (Variable::Null, Value::Null) => true,
        (Variable::Bool(a), Value::Bool(b)) => a == b,
        (Variable::String(a), Value::String(b)) => a == b,
        (Variable::Number(a), Value::Number(b)) => numbers_eq(a, b),
        (Variable::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_eq(x, y))
        }
        (Variable::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && b.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|found| json_eq(found, v)))
        }
        _ => false,
    }
}

fn numbers_eq(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    // Exact for integers (no rounding of large ids through f64), by value otherwise.
    match (a.as_i128(), b.as_i128()) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

impl Acceptor {
    /// Whether this acceptor matches the observation.
    pub fn matches(&self, observation: &Observation<'_>) -> bool {
        self.matcher.matches(observation)
    }

    /// The text botocore puts in its reasons for this acceptor, for example
    /// `For expression "jobs[].status" all members matched expected path: "SUCCEEDED"`.
    pub fn explanation(&self) -> String {
        match &self.matcher {
            Matcher::Path { argument, expected } => format!(
                "For expression \"{argument}\" we matched expected path: \"{}\"",
                python_str(expected)
            ),
            Matcher::PathAll { argument, expected } => format!(
                "For expression \"{argument}\" all members matched expected path: \"{}\"",
                python_str(expected)
            ),
            Matcher::PathAny { argument, expected } => format!(
                "For expression \"{argument}\" we matched expected path: \"{}\" at least once",
                python_str(expected)
            ),
            Matcher::Status { expected } => {
                format!("Matched expected HTTP status code: {expected}")
            }
            Matcher::Error { expected } => {
                let expected = match expected {
                    ErrorExpectation::Code(code) => code.as_str(),
                    ErrorExpectation::AnyError => "True",
                    ErrorExpectation::NoError => "False",
                };
                format!("Matched expected service error code: {expected}")
            }
        }
    }
}

impl WaiterDefinition {
    /// The first acceptor that matches, with its index: acceptors are tried in model order.
    pub fn first_match(&self, observation: &Observation<'_>) -> Option<(usize, &Acceptor)> {
        self.acceptors
            .iter()
            .enumerate()
            .find(|(_, acceptor)| acceptor.matches(observation))
    }
}

/// A JSON value as Python's `str()` prints the decoded value, which is what botocore's
/// messages show (`True`, `None`, `['a', 'b']`).
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python's `repr` of a `str`: single quotes unless the text has a single quote and no
/// double quote, backslash escapes for the quote, backslashes and what Python does not
/// print (control characters and the Unicode line and paragraph separators).
fn python_string_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if u32::from(c) < 0x20 || (0x7f..=0xa0).contains(&u32::from(c)) => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => python_string_repr(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(members) => {
            let members: Vec<String> = members
                .iter()
                .map(|(k, v)| format!("{}: {}", python_string_repr(k), python_repr(v)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
    }
}

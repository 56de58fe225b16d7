//! Loading: JSON text -> checked model, collecting every problem with its path.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{JsonPath, ModelError, Problem, ProblemKind, describe_json};
use crate::expression::Expression;
use crate::model::{
    Acceptor, AcceptorState, ErrorExpectation, Matcher, WaiterDefinition, WaiterModel,
};

const ROOT_FIELDS: &str = "version, waiters";
const WAITER_FIELDS: &str = "operation, delay, maxAttempts, acceptors, description";
const ACCEPTOR_FIELDS: &str = "matcher, argument, expected, state";

impl WaiterModel {
    /// Loads a model from JSON text, reporting every problem at once.
    pub fn from_json_str(text: &str) -> Result<Self, ModelError> {
        crate::limits::check_model_size(text)
            .map_err(|kind| ModelError::single(crate::JsonPath::root(), kind))?;
        from_str(text)
    }

    /// Loads a model from a JSON value. The model keeps its own copy.
    pub fn from_json(document: &Value) -> Result<Self, ModelError> {
        from_value(document.clone())
    }
}

fn from_str(text: &str) -> Result<WaiterModel, ModelError> {
    let document: Value = serde_json::from_str(text).map_err(|e| {
        ModelError::single(
            JsonPath::root(),
            ProblemKind::Syntax {
                line: e.line(),
                column: e.column(),
                message: syntax_message(&e),
            },
        )
    })?;
    // serde_json keeps the last of two equal keys; a second pass over the text finds them
    // so that no waiter or acceptor field disappears without a word.
    let mut duplicates = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    // The text already parsed above, so this pass cannot fail on syntax.
    let _ = DuplicateScan {
        path: JsonPath::root(),
        found: &mut duplicates,
    }
    .deserialize(&mut de);
    let mut checker = Checker {
        problems: duplicates,
    };
    let model = checker.model(document);
    checker.finish(model)
}

fn from_value(document: Value) -> Result<WaiterModel, ModelError> {
    let mut checker = Checker {
        problems: Vec::new(),
    };
    let model = checker.model(document);
    checker.finish(model)
}

/// serde_json's message ends with " at line L column C"; the problem says that already.
fn syntax_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn report(&mut self, path: JsonPath, kind: ProblemKind) {
        self.problems.push(Problem { path, kind });
    }

    fn finish(self, model: Option<WaiterModel>) -> Result<WaiterModel, ModelError> {
        match model {
            Some(model) if self.problems.is_empty() => Ok(model),
            _ => Err(ModelError::new(self.problems)),
        }
    }

    fn object<'v>(&mut self, path: &JsonPath, value: &'v Value) -> Option<&'v Map<String, Value>> {
        let object = value.as_object();
        if object.is_none() {
            self.wrong_type(path, "an object", value);
        }
        object
    }

    fn wrong_type(&mut self, path: &JsonPath, expected: &'static str, found: &Value) {
        self.report(
            path.clone(),
            ProblemKind::WrongType {
                expected,
                found: describe_json(found),
            },
        );
    }

    fn unknown_fields(
        &mut self,
        path: &JsonPath,
        object: &Map<String, Value>,
        allowed: &'static str,
    ) {
        for key in object.keys() {
            if !allowed.split(", ").any(|a| a == key) {
                self.report(
                    path.key(key),
                    ProblemKind::UnknownField {
                        field: key.clone(),
                        expected: allowed,
                    },
                );
            }
        }
    }

    fn required<'v>(
        &mut self,
        path: &JsonPath,
        object: &'v Map<String, Value>,
        field: &'static str,
    ) -> Option<&'v Value> {
        let value = object.get(field);
        if value.is_none() {
            self.report(path.clone(), ProblemKind::MissingField { field });
        }
        value
    }

    fn string<'v>(&mut self, path: &JsonPath, value: &'v Value) -> Option<&'v str> {
        let text = value.as_str();
        if text.is_none() {
            self.wrong_type(path, "a string", value);
        }
        text
    }

    fn model(&mut self, document: Value) -> Option<WaiterModel> {
        let root = JsonPath::root();
        let object = self.object(&root, &document)?;
        self.unknown_fields(&root, object, ROOT_FIELDS);
        if let Some(version) = self.required(&root, object, "version")
            && version.as_u64() != Some(2)
        {
            self.report(
                root.key("version"),
                ProblemKind::UnsupportedVersion {
                    found: version.to_string(),
                },
            );
        }
        let waiters_path = root.key("waiters");
        let waiters = self.required(&root, object, "waiters")?;
        let waiters = self.object(&waiters_path, waiters)?;
        let mut definitions = BTreeMap::new();
        for (name, waiter) in waiters {
            let path = waiters_path.key(name);
            if name.is_empty() {
                self.report(path.clone(), ProblemKind::Empty);
            }
            if crate::limits::has_control_characters(name) {
                self.report(
                    path.clone(),
                    crate::limits::control_characters("waiter name", name),
                );
            }
            if let Some(definition) = self.waiter(&path, name, waiter) {
                definitions.insert(name.clone(), definition);
            }
        }
        Some(WaiterModel {
            waiters: definitions,
            document,
        })
    }

    fn waiter(&mut self, path: &JsonPath, name: &str, value: &Value) -> Option<WaiterDefinition> {
        let object = self.object(path, value)?;
        self.unknown_fields(path, object, WAITER_FIELDS);

        let operation = self.required(path, object, "operation").and_then(|v| {
            let op_path = path.key("operation");
            let text = self.string(&op_path, v)?;
            if text.is_empty() {
                self.report(op_path, ProblemKind::Empty);
                return None;
            }
            Some(text.to_owned())
        });
        let delay = self
            .required(path, object, "delay")
            .and_then(|v| self.delay(&path.key("delay"), v));
        let max_attempts = self
            .required(path, object, "maxAttempts")
            .and_then(|v| self.max_attempts(&path.key("maxAttempts"), v));
        let description = match object.get("description") {
            Some(v) => Some(
                self.string(&path.key("description"), v)
                    .map(str::to_owned)?,
            ),
            None => None,
        };
        let acceptors_path = path.key("acceptors");
        let acceptors = self
            .required(path, object, "acceptors")
            .and_then(|v| {
                let items = v.as_array();
                if items.is_none() {
                    self.wrong_type(&acceptors_path, "an array", v);
                }
                items
            })
            .and_then(|items| {
                if items.is_empty() {
                    self.report(acceptors_path.clone(), ProblemKind::NoAcceptors);
                }
                let checked: Vec<Option<Acceptor>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.acceptor(&acceptors_path.index(i), item))
                    .collect();
                checked.into_iter().collect::<Option<Vec<_>>>()
            });

        Some(WaiterDefinition {
            name: name.to_owned(),
            operation: operation?,
            delay: delay?,
            max_attempts: max_attempts?,
            description,
            acceptors: acceptors?,
        })
    }

    fn delay(&mut self, path: &JsonPath, value: &Value) -> Option<Duration> {
        let Some(seconds) = value.as_f64() else {
            self.wrong_type(path, "a number of seconds", value);
            return None;
        };
        let delay = Duration::try_from_secs_f64(seconds).ok();
        if delay.is_none() {
            self.report(
                path.clone(),
                ProblemKind::OutOfRange {
                    message: "the delay must be a non-negative number of seconds",
                    found: value.to_string(),
                },
            );
        }
        delay
    }

    fn max_attempts(&mut self, path: &JsonPath, value: &Value) -> Option<u32> {
        if !value.is_number() {
            self.wrong_type(path, "a whole number", value);
            return None;
        }
        let attempts = value.as_u64().and_then(|n| u32::try_from(n).ok());
        if attempts.is_none() {
            self.report(
                path.clone(),
                ProblemKind::OutOfRange {
                    message: "maxAttempts must be a whole number from 0 to 4294967295",
                    found: value.to_string(),
                },
            );
        }
        attempts
    }

    fn acceptor(&mut self, path: &JsonPath, value: &Value) -> Option<Acceptor> {
        let object = self.object(path, value)?;
        self.unknown_fields(path, object, ACCEPTOR_FIELDS);

        let state = self.required(path, object, "state").and_then(|v| {
            let state_path = path.key("state");
            let text = self.string(&state_path, v)?;
            let state = AcceptorState::parse(text);
            if state.is_none() {
                self.report(
                    state_path,
                    ProblemKind::UnknownState {
                        found: text.to_owned(),
                    },
                );
            }
            state
        });
        let expected = self.required(path, object, "expected");
        let matcher_name = self.required(path, object, "matcher").and_then(|v| {
            let matcher_path = path.key("matcher");
            let text = self.string(&matcher_path, v)?;
            let known = ["path", "pathAll", "pathAny", "status", "error"].contains(&text);
            if !known {
                self.report(
                    matcher_path,
                    ProblemKind::UnknownMatcher {
                        found: text.to_owned(),
                    },
                );
            }
            known.then_some(text)
        });
        let matcher = match matcher_name {
            Some(name @ ("path" | "pathAll" | "pathAny")) => {
                let argument = self.argument(path, object);
                let expected = expected.cloned();
                match (name, argument?, expected?) {
                    ("path", argument, expected) => Matcher::Path { argument, expected },
                    ("pathAll", argument, expected) => Matcher::PathAll { argument, expected },
                    (_, argument, expected) => Matcher::PathAny { argument, expected },
                }
            }
            Some("status") => {
                let expected = expected?;
                let status = expected.as_u64().and_then(|n| u16::try_from(n).ok());
                match status {
                    Some(code @ 100..=599) => Matcher::Status { expected: code },
                    _ => {
                        self.report(
                            path.key("expected"),
                            ProblemKind::ExpectedMismatch {
                                matcher: "status",
                                wanted: "an HTTP status code (an integer from 100 to 599)",
                                found: describe_json(expected),
                            },
                        );
                        return None;
                    }
                }
            }
            Some(_) => {
                let expected = match expected? {
                    Value::String(code) => ErrorExpectation::Code(code.clone()),
                    Value::Bool(true) => ErrorExpectation::AnyError,
                    Value::Bool(false) => ErrorExpectation::NoError,
                    other => {
                        self.report(
                            path.key("expected"),
                            ProblemKind::ExpectedMismatch {
                                matcher: "error",
                                wanted: "an error code string, true or false",
                                found: describe_json(other),
                            },
                        );
                        return None;
                    }
                };
                Matcher::Error { expected }
            }
            None => return None,
        };
        Some(Acceptor {
            matcher,
            state: state?,
        })
    }

    fn argument(&mut self, path: &JsonPath, object: &Map<String, Value>) -> Option<Expression> {
        let arg_path = path.key("argument");
        let text = self.required(path, object, "argument")?;
        let text = self.string(&arg_path, text)?;
        match Expression::compile(text) {
            Ok(expression) => Some(expression),
            Err(kind) => {
                self.report(arg_path, kind);
                None
            }
        }
    }
}

/// Walks the JSON text and records keys that occur twice in one object.
struct DuplicateScan<'a> {
    path: JsonPath,
    found: &'a mut Vec<Problem>,
}

impl<'de> DeserializeSeed<'de> for DuplicateScan<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DuplicateScan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(DuplicateScan {
                path: self.path.index(index),
                found: &mut *self.found,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = self.path.key(&key);
            if !seen.insert(key.clone()) {
                self.found.push(Problem {
                    path: path.clone(),
                    kind: ProblemKind::DuplicateKey { key },
                });
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            map.next_value_seed(DuplicateScan {
                path,
                found: &mut *self.found,
            })?;
        }
        Ok(())
    }
}

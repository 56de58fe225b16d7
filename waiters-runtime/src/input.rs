//! An operation's input from request JSON, as the Batch API reference writes it
//! (`{"computeEnvironments": ["ce"]}`). The SDK's input types have no serde, so the
//! `batch_operations!` table names each member's JSON name and kind once, and the
//! functions here check and convert one member at a time: whatever does not fit the
//! input's shape is refused before any call, naming the member.

use aws_sdk_batch::types::{JobStatus, KeyValuesPair, ServiceJobStatus};
use serde_json::{Map, Value};
use waiters_model::{JsonPath, describe_json, suggest};

/// Why request JSON does not fit an operation's input.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The operation is not one the waiters can call.
    #[error(
        "operation {operation:?} cannot be called by Batch waiters{}; supported: {}",
        did_you_mean(.suggestion),
        .supported.join(", ")
    )]
    UnsupportedOperation {
        /// The operation asked for.
        operation: String,
        /// A close supported operation, when there is one.
        suggestion: Option<&'static str>,
        /// The operations the waiters can call.
        supported: &'static [&'static str],
    },
    /// The input, or an element that must be an object, is something else.
    #[error("{operation} input: {path} must be a JSON object, found {found}")]
    NotAnObject {
        /// The operation.
        operation: &'static str,
        /// Where (`$` for the input itself).
        path: JsonPath,
        /// What was found there (`an array`, `the string "x"`).
        found: String,
    },
    /// A member the input shape does not have.
    #[error(
        "{operation} input: unknown member `{path}`{}; the members there are {}",
        did_you_mean(.suggestion),
        .members.join(", ")
    )]
    UnknownMember {
        /// The operation.
        operation: &'static str,
        /// The member's path (`computeEnvironment`, `filters[0].nam`).
        path: JsonPath,
        /// A close member name, when there is one.
        suggestion: Option<&'static str>,
        /// The members the object at that place can have.
        members: &'static [&'static str],
    },
    /// A member whose value has the wrong JSON type.
    #[error("{operation} input: `{path}` must be {expected}, found {found}")]
    WrongType {
        /// The operation.
        operation: &'static str,
        /// The member's path (`maxResults`, `jobs[2]`).
        path: JsonPath,
        /// What the input shape wants there (`a string`, `a list of strings`).
        expected: &'static str,
        /// What was found (`the number 3`).
        found: String,
    },
    /// A string that is not one of an enum's values.
    #[error(
        "{operation} input: `{path}`: {value:?} is not a {kind} value{}; expected one of {}",
        did_you_mean(.suggestion),
        .values.join(", ")
    )]
    UnknownValue {
        /// The operation.
        operation: &'static str,
        /// The member's path (`jobStatus`).
        path: JsonPath,
        /// The value found.
        value: String,
        /// The enum (`JobStatus`).
        kind: &'static str,
        /// A close value, when there is one.
        suggestion: Option<&'static str>,
        /// The enum's values.
        values: &'static [&'static str],
    },
}

fn did_you_mean(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

/// The members of `input` (an object whose keys are all among `members`); a JSON `null`
/// member counts as absent, as a missing one does.
pub(crate) fn members<'a>(
    operation: &'static str,
    members: &'static [&'static str],
    input: &'a Value,
) -> Result<&'a Map<String, Value>, InputError> {
    object(operation, &JsonPath::root(), members, input)
}

/// The object at `path`, checked against the member names it may have.
fn object<'a>(
    operation: &'static str,
    path: &JsonPath,
    members: &'static [&'static str],
    value: &'a Value,
) -> Result<&'a Map<String, Value>, InputError> {
    let Value::Object(object) = value else {
        return Err(InputError::NotAnObject {
            operation,
            path: path.clone(),
            found: describe_json(value),
        });
    };
    if let Some(unknown) = object.keys().find(|k| !members.contains(&k.as_str())) {
        return Err(InputError::UnknownMember {
            operation,
            path: path.key(unknown),
            suggestion: suggest(unknown, members.iter().copied()),
            members,
        });
    }
    Ok(object)
}

/// One member's value, when it is there and not `null`.
pub(crate) fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).filter(|v| !v.is_null())
}

/// Where a member's value sits, for errors.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At<'a> {
    pub(crate) operation: &'static str,
    pub(crate) member: &'a str,
}

impl At<'_> {
    fn path(&self) -> JsonPath {
        JsonPath::root().key(self.member)
    }
}

fn wrong(
    operation: &'static str,
    path: JsonPath,
    expected: &'static str,
    found: &Value,
) -> InputError {
    InputError::WrongType {
        operation,
        path,
        expected,
        found: describe_json(found),
    }
}

fn string_at(operation: &'static str, path: JsonPath, value: &Value) -> Result<String, InputError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(wrong(operation, path, "a string", other)),
    }
}

fn string_list_at(
    operation: &'static str,
    path: JsonPath,
    value: &Value,
) -> Result<Vec<String>, InputError> {
    let Value::Array(items) = value else {
        return Err(wrong(operation, path, "a list of strings", value));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| string_at(operation, path.index(index), item))
        .collect()
}

/// The kinds of member the read operations' inputs have, one function each; the
/// `batch_operations!` table names them.
pub(crate) mod kind {
    use super::*;

    /// A string member.
    pub(crate) fn string(at: At<'_>, value: &Value) -> Result<String, InputError> {
        string_at(at.operation, at.path(), value)
    }

    /// An integer member (the SDK's `i32`).
    pub(crate) fn integer(at: At<'_>, value: &Value) -> Result<i32, InputError> {
        value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| wrong(at.operation, at.path(), "an integer (32-bit)", value))
    }

    /// A list of strings.
    pub(crate) fn string_list(at: At<'_>, value: &Value) -> Result<Vec<String>, InputError> {
        string_list_at(at.operation, at.path(), value)
    }

    /// A job status (`RUNNING`).
    pub(crate) fn job_status(at: At<'_>, value: &Value) -> Result<JobStatus, InputError> {
        enum_value(at, value, "JobStatus", JobStatus::values()).map(JobStatus::from)
    }

    /// A service job status (`RUNNING`).
    pub(crate) fn service_job_status(
        at: At<'_>,
        value: &Value,
    ) -> Result<ServiceJobStatus, InputError> {
        enum_value(at, value, "ServiceJobStatus", ServiceJobStatus::values())
            .map(ServiceJobStatus::from)
    }

    /// The `filters` list: `[{"name": "JOB_NAME", "values": ["nightly*"]}]`.
    pub(crate) fn filters(at: At<'_>, value: &Value) -> Result<Vec<KeyValuesPair>, InputError> {
        const MEMBERS: &[&str] = &["name", "values"];
        let path = at.path();
        let Value::Array(items) = value else {
            return Err(wrong(
                at.operation,
                path,
                "a list of {name, values} objects",
                value,
            ));
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let path = path.index(index);
                let pair = object(at.operation, &path, MEMBERS, item)?;
                let name = member(pair, "name")
                    .map(|v| string_at(at.operation, path.key("name"), v))
                    .transpose()?;
                let values = member(pair, "values")
                    .map(|v| string_list_at(at.operation, path.key("values"), v))
                    .transpose()?;
                Ok(KeyValuesPair::builder()
                    .set_name(name)
                    .set_values(values)
                    .build())
            })
            .collect()
    }

    /// A string that must be one of an enum's `values`.
    fn enum_value<'v>(
        at: At<'_>,
        value: &'v Value,
        kind: &'static str,
        values: &'static [&'static str],
    ) -> Result<&'v str, InputError> {
        let Value::String(text) = value else {
            return Err(wrong(at.operation, at.path(), "a string", value));
        };
        if values.contains(&text.as_str()) {
            Ok(text)
        } else {
            Err(InputError::UnknownValue {
                operation: at.operation,
                path: at.path(),
                value: text.clone(),
                kind,
                suggestion: suggest(text, values.iter().copied()),
                values,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::kind::*;
    use super::*;

    const OP: &str = "ListJobs";

    fn at(member: &str) -> At<'_> {
        At {
            operation: OP,
            member,
        }
    }

    #[test]
    fn members_must_be_known_with_a_suggestion() {
        const NAMES: &[&str] = &["jobQueue", "jobStatus", "filters"];
        assert!(members(OP, NAMES, &json!({"jobQueue": "q", "filters": null})).is_ok());
        let error = members(OP, NAMES, &json!({"jobQueues": "q"})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "ListJobs input: unknown member `jobQueues` (did you mean `jobQueue`?); the \
             members there are jobQueue, jobStatus, filters"
        );
        let error = members(OP, NAMES, &json!(["q"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "ListJobs input: $ must be a JSON object, found an array"
        );
    }

    #[test]
    fn scalars_and_lists_have_their_json_types() {
        assert_eq!(string(at("jobQueue"), &json!("q")), Ok("q".to_owned()));
        assert_eq!(
            string(at("jobQueue"), &json!(1)).unwrap_err().to_string(),
            "ListJobs input: `jobQueue` must be a string, found the number 1"
        );
        assert_eq!(integer(at("maxResults"), &json!(10)), Ok(10));
        for bad in [
            json!(1.5),
            json!("10"),
            json!(4_294_967_296_i64),
            json!(true),
        ] {
            assert!(integer(at("maxResults"), &bad).is_err(), "{bad}");
        }
        assert_eq!(
            string_list(at("jobs"), &json!(["a", "b"])),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            string_list(at("jobs"), &json!(["a", 2]))
                .unwrap_err()
                .to_string(),
            "ListJobs input: `jobs[1]` must be a string, found the number 2"
        );
        assert!(string_list(at("jobs"), &json!("a")).is_err());
    }

    #[test]
    fn enums_take_their_wire_values() {
        assert_eq!(
            job_status(at("jobStatus"), &json!("RUNNING")),
            Ok(JobStatus::Running)
        );
        assert_eq!(
            job_status(at("jobStatus"), &json!("RUNING"))
                .unwrap_err()
                .to_string(),
            "ListJobs input: `jobStatus`: \"RUNING\" is not a JobStatus value (did you mean \
             `RUNNING`?); expected one of FAILED, PENDING, RUNNABLE, RUNNING, STARTING, \
             SUBMITTED, SUCCEEDED"
        );
        assert_eq!(
            service_job_status(at("jobStatus"), &json!("SCHEDULED")),
            Ok(ServiceJobStatus::Scheduled)
        );
    }

    #[test]
    fn filters_are_name_and_values_pairs() {
        let parsed = filters(
            at("filters"),
            &json!([{"name": "JOB_NAME", "values": ["nightly*"]}]),
        )
        .unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].name(), Some("JOB_NAME"));
        assert_eq!(parsed[0].values(), ["nightly*"]);
        assert_eq!(
            filters(at("filters"), &json!([{"nam": "JOB_NAME"}]))
                .unwrap_err()
                .to_string(),
            "ListJobs input: unknown member `filters[0].nam` (did you mean `name`?); the \
             members there are name, values"
        );
        assert_eq!(
            filters(at("filters"), &json!([{"name": "X", "values": "a"}]))
                .unwrap_err()
                .to_string(),
            "ListJobs input: `filters[0].values` must be a list of strings, found the string \"a\""
        );
        assert!(filters(at("filters"), &json!({"name": "X"})).is_err());
    }
}

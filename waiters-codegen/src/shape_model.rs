//! Any AWS service's output shapes, read from botocore's `service-2.json`, so that the
//! acceptors of every service's waiters go through the same compiler as Batch's: the
//! corpus test compiles every acceptor of botocore's waiter models this way, and a
//! failure there is a JMESPath construct or a type rule the compiler lacks, not a service
//! the Batch table does not describe.
//!
//! The service model is turned into the shape table's own document format (that of
//! `data/batch-shapes.json`) and read by the same parser, with what the Batch table takes
//! from the SDK's source derived by smithy-rs's rules instead (see [`table_document`]).

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value, json};
use waiters_model::Matcher;

use crate::compile::Compiler;
use crate::error::ProblemKind;
use crate::naming::{pascal_case, rust_ident};
use crate::shapes::{ShapeTable, ShapeTableError};

/// How errors name a table built from a service model.
const SERVICE_MODEL: &str = "the botocore service model";

/// The shapes of one AWS service, from botocore's `service-2.json`: what the acceptors of
/// its waiters are compiled against.
///
/// ```
/// use waiters_codegen::ShapeModel;
/// use waiters_model::WaiterModel;
///
/// let service = r#"{"metadata": {"serviceId": "Demo", "apiVersion": "2024-01-01"},
///   "operations": {"DescribeThings": {"output": {"shape": "Out"}}},
///   "shapes": {
///     "Out": {"type": "structure", "members": {"things": {"shape": "Things"}}},
///     "Things": {"type": "list", "member": {"shape": "Thing"}},
///     "Thing": {"type": "structure", "members": {"state": {"shape": "State"}}},
///     "State": {"type": "string", "enum": ["ready", "failed"]}}}"#;
/// let shapes = ShapeModel::from_botocore(service)?;
/// let waiters = WaiterModel::from_json_str(r#"{"version": 2, "waiters": {"ThingReady": {
///   "operation": "DescribeThings", "delay": 5, "maxAttempts": 3, "acceptors": [
///     {"matcher": "pathAll", "argument": "things[].state", "expected": "ready", "state": "success"},
///     {"matcher": "pathAny", "argument": "things[].state", "expected": "gone", "state": "failure"}]}}}"#)
///     .unwrap();
/// let waiter = waiters.waiter("ThingReady").unwrap();
/// let [ready, gone] = waiter.acceptors() else { unreachable!() };
/// let compiled = shapes.compile("DescribeThings", &ready.matcher).unwrap().unwrap();
/// assert!(compiled.code.to_string().contains("aws_sdk_demo :: types :: State :: Ready"));
/// assert_eq!(
///     shapes.compile("DescribeThings", &gone.matcher).unwrap_err().to_string(),
///     "expected the string \"gone\" can never match `things[].state`: \"gone\" is not a \
///      State value; State values are ready, failed"
/// );
/// # Ok::<(), waiters_codegen::ShapeModelError>(())
/// ```
#[derive(Debug)]
pub struct ShapeModel {
    table: ShapeTable,
}

/// A service model that could not be read: not JSON, not botocore's format, or a shape
/// that refers to one the model lacks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct ShapeModelError(ShapeTableError);

/// Why an acceptor did not compile against a [`ShapeModel`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptorError {
    /// The waiter's operation is not in the service model.
    #[error("the service model has no operation {0:?}")]
    UnknownOperation(String),
    /// The waiter's operation returns nothing a path matcher could search.
    #[error("operation {0:?} has no output shape")]
    NoOutput(String),
    /// The compiler's own report, as `waiters!` gives it:
    /// [`ProblemKind::UnsupportedExpression`] for a JMESPath construct it cannot compile,
    /// [`ProblemKind::UnknownMember`], [`ProblemKind::ExpressionType`] or
    /// [`ProblemKind::ExpectedType`] for an acceptor that does not fit the shapes.
    #[error(transparent)]
    Compile(Box<ProblemKind>),
}

/// A path matcher compiled to Rust.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CompiledAcceptor {
    /// A `bool` expression over `output`, a reference to the operation's output type in
    /// the service's Rust SDK (reached through `::waiters_runtime`, as generated waiters
    /// reach `aws_sdk_batch`).
    pub code: TokenStream,
    /// The code contains `?` (a JMESPath run-time error, such as `length(null)`, means no
    /// match): it must run in a function returning `Option<bool>`.
    pub fallible: bool,
}

impl ShapeModel {
    /// Reads botocore's `service-2.json` (as the wheel ships it, decompressed).
    ///
    /// # Errors
    ///
    /// When `json` is not a service model or refers to a shape it does not define.
    pub fn from_botocore(json: &str) -> Result<Self, ShapeModelError> {
        let bad = |reason: String| {
            ShapeModelError(ShapeTableError {
                what: SERVICE_MODEL,
                reason,
            })
        };
        let service: Value = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        let (document, sdk_crate) = table_document(&service).map_err(bad)?;
        let table = ShapeTable::from_document(&document, SERVICE_MODEL, &sdk_crate)
            .map_err(ShapeModelError)?;
        Ok(Self { table })
    }

    /// Where the shapes came from: the service and its API version.
    pub fn source(&self) -> &str {
        &self.table.source
    }

    /// Compiles a matcher of a waiter on `operation`: `None` for the matchers without an
    /// expression (`status`, `error`).
    ///
    /// # Errors
    ///
    /// When the operation is unknown or has no output, or the compiler rejects the
    /// acceptor (see [`AcceptorError::Compile`]).
    pub fn compile(
        &self,
        operation: &str,
        matcher: &Matcher,
    ) -> Result<Option<CompiledAcceptor>, AcceptorError> {
        let (argument, expected, list) = match matcher {
            Matcher::Path { argument, expected } => (argument, expected, None),
            Matcher::PathAll { argument, expected } => (argument, expected, Some(true)),
            Matcher::PathAny { argument, expected } => (argument, expected, Some(false)),
            Matcher::Status { .. } | Matcher::Error { .. } => return Ok(None),
        };
        let output = match self.table.operations.get(operation) {
            None => return Err(AcceptorError::UnknownOperation(operation.to_owned())),
            Some(None) => return Err(AcceptorError::NoOutput(operation.to_owned())),
            Some(Some(shapes)) => &shapes.output,
        };
        let mut compiler = Compiler::new(&self.table, &quote!(::waiters_runtime));
        let compiled = match list {
            None => compiler.path(output, argument.ast(), expected),
            Some(all) => compiler.path_list(output, argument.ast(), expected, all),
        }
        .map_err(|e| {
            AcceptorError::Compile(Box::new(e.into_problem(argument.as_str().to_owned())))
        })?;
        Ok(Some(CompiledAcceptor {
            code: compiled.code,
            fallible: compiled.fallible,
        }))
    }
}

/// A service model as a shape-table document, and the SDK crate's name.
///
/// Structures keep their members (in model order), the members botocore marks
/// deprecated, and as "corrected" their required members: smithy-rs fills those in with a
/// default when a response lacks them, for every structure an output reaches (the Batch
/// table lists exactly the SDK's, read from its source). Enums get smithy-rs's names:
/// the shape name in PascalCase, each value's variant its PascalCase, left out when that
/// is not an identifier (the value then compares as text, as for an unknown variant).
fn table_document(service: &Value) -> Result<(Value, String), String> {
    let metadata = &service["metadata"];
    let service_id = metadata["serviceId"]
        .as_str()
        .or_else(|| metadata["endpointPrefix"].as_str())
        .ok_or("no metadata.serviceId")?;
    let sdk_crate: String = std::iter::once("aws_sdk_".to_owned())
        .chain(
            service_id
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase().to_string()),
        )
        .collect();
    let mut operations = Map::new();
    for (name, operation) in service["operations"].as_object().ok_or("no operations")? {
        let entry = match operation["output"]["shape"].as_str() {
            Some(output) => json!({ "output": output }),
            None => json!({}),
        };
        operations.insert(name.clone(), entry);
    }
    let mut shapes = Map::new();
    for (name, shape) in service["shapes"].as_object().ok_or("no shapes")? {
        shapes.insert(name.clone(), table_shape(name, shape));
    }
    let source = format!(
        "botocore {service_id} {} service-2.json",
        metadata["apiVersion"].as_str().unwrap_or("(no apiVersion)")
    );
    let document = json!({
        "source": source,
        "sdk": format!("the {service_id} service model (no SDK crate checked)"),
        "notInSdk": [],
        "operations": operations,
        "shapes": shapes,
    });
    Ok((document, sdk_crate))
}

/// One shape in the table's format; what it lacks, the table's parser reports.
fn table_shape(name: &str, shape: &Value) -> Value {
    let target = |key: &str| shape[key]["shape"].clone();
    match shape["type"].as_str() {
        // A document holds any JSON; the SDK's `Document` is not walked by acceptors.
        Some("structure") if shape["document"] == Value::Bool(true) => {
            json!({ "type": "document" })
        }
        Some("structure") => {
            let members = shape["members"].as_object().cloned().unwrap_or_default();
            let names_where = |test: &dyn Fn(&str, &Value) -> bool| -> Vec<Value> {
                members
                    .iter()
                    .filter(|(member, m)| test(member, m))
                    .map(|(member, _)| Value::String(member.clone()))
                    .collect()
            };
            let required: Vec<&str> = shape["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            json!({
                "type": "structure",
                "members": members
                    .iter()
                    .map(|(member, m)| (member.clone(), m["shape"].clone()))
                    .collect::<Map<_, _>>(),
                "deprecated": names_where(&|_, m| m["deprecated"] == Value::Bool(true)),
                "corrected": names_where(&|member, _| required.contains(&member)),
            })
        }
        Some("list") => json!({ "type": "list", "member": target("member") }),
        Some("map") => json!({ "type": "map", "value": target("value") }),
        Some("string") if shape["enum"].is_array() => {
            let values: Vec<&str> = shape["enum"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let rust = pascal_case(name);
            let variants: Map<String, Value> = if rust_ident(&rust).is_some() {
                values
                    .iter()
                    .filter_map(|value| {
                        let variant = pascal_case(value);
                        rust_ident(&variant)
                            .is_some()
                            .then(|| ((*value).to_owned(), Value::String(variant)))
                    })
                    .collect()
            } else {
                Map::new()
            };
            json!({ "type": "string", "enum": values, "rust": rust, "variants": variants })
        }
        _ => json!({ "type": shape["type"] }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waiters_model::WaiterModel;

    fn matcher(argument: &str) -> Matcher {
        let model = json!({"version": 2, "waiters": {"W": {
            "operation": "Get", "delay": 1, "maxAttempts": 1,
            "acceptors": [{"matcher": "path", "argument": argument, "expected": true,
                           "state": "success"}]}}});
        let model = WaiterModel::from_json_str(&model.to_string()).expect("loads");
        model.waiter("W").expect("W").acceptors()[0].matcher.clone()
    }

    #[test]
    fn broken_service_models_are_errors() {
        for (text, reason) in [
            ("", "EOF while parsing"),
            ("{}", "no metadata.serviceId"),
            (r#"{"metadata": {"serviceId": "S"}}"#, "no operations"),
            (
                r#"{"metadata": {"serviceId": "S"}, "operations": {}, "shapes": {
                    "A": {"type": "list", "member": {"shape": "B"}}}}"#,
                "A refers to missing shape B",
            ),
            (
                r#"{"metadata": {"serviceId": "S"}, "operations": {}, "shapes": {
                    "A": {"type": "list", "member": {"shape": "A"}}}}"#,
                "A is a list or map that contains itself",
            ),
        ] {
            let error = ShapeModel::from_botocore(text).expect_err(text).to_string();
            assert!(
                error.starts_with("the botocore service model is invalid: ")
                    && error.contains(reason),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn names_rust_cannot_spell_compare_as_text_or_are_errors() {
        let shapes = ShapeModel::from_botocore(
            r#"{"metadata": {"serviceId": "Odd Service-1"},
                "operations": {"Get": {"output": {"shape": "Out"}}, "Put": {}},
                "shapes": {
                  "Out": {"type": "structure", "members": {
                    "state": {"shape": "3DState"}, "self": {"shape": "Str"},
                    "kind": {"shape": "Kind"}}},
                  "3DState": {"type": "string", "enum": ["-", "1x", "ok"]},
                  "Kind": {"type": "string", "enum": ["Self", "in-use"]},
                  "Str": {"type": "string"}}}"#,
        )
        .expect("loads");
        let code = |argument: &str| {
            shapes
                .compile("Get", &matcher(argument))
                .map(|c| c.expect("a path matcher").code.to_string())
        };
        // No Rust enum name: the text is compared.
        let state = code("state == '-'").expect("compiles");
        assert!(state.contains("as_str () == \"-\""), "{state}");
        // A variant Rust cannot name is compared as text, the others by variant.
        let kind = code("kind == 'Self' || kind == 'in-use'").expect("compiles");
        assert!(kind.contains("as_str () == \"Self\""), "{kind}");
        assert!(
            kind.contains("aws_sdk_oddservice1 :: types :: Kind :: InUse"),
            "{kind}"
        );
        let error = code("self == 'x'").expect_err("no getter").to_string();
        assert!(
            error.contains("member `self` has no Rust getter name"),
            "{error}"
        );
        assert_eq!(
            shapes
                .compile("Put", &matcher("a"))
                .unwrap_err()
                .to_string(),
            "operation \"Put\" has no output shape"
        );
        assert_eq!(
            shapes
                .compile("Nope", &matcher("a"))
                .unwrap_err()
                .to_string(),
            "the service model has no operation \"Nope\""
        );
    }
}

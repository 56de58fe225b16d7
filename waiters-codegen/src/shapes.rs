//! The shape table: what the typed outputs of a service's operations look like.
//!
//! Batch's is read from `data/batch-shapes.json`, a trimmed copy of botocore's Batch
//! service model (see `data/README.md` for how to regenerate it), and tells the code
//! generator which members each structure has and which Rust each getter returns. Any
//! other service's table is built from botocore's `service-2.json` ([`crate::shape_model`]),
//! in the same document format, so that one compiler serves both.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::Value;

use crate::naming::{pascal_case, rust_ident, snake_case};

/// The trimmed Batch service model.
const BATCH_SHAPES_JSON: &str = include_str!("../data/batch-shapes.json");

/// One shape of the service model.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Shape {
    /// A structure: members in model order, each naming its target shape.
    Structure(Vec<(String, String)>),
    /// A list of the named shape.
    List(String),
    /// A map from strings to the named shape.
    Map(String),
    /// A string; an enum when it lists its values.
    String(Option<EnumShape>),
    /// `integer` (Rust `i32`).
    Integer,
    /// `long` (Rust `i64`).
    Long,
    /// `double` (Rust `f64`).
    Double,
    /// `float` (Rust `f32`).
    Float,
    /// `boolean`.
    Boolean,
    /// `timestamp` (Rust `aws_smithy_types::DateTime`).
    Timestamp,
    /// Anything else (`blob`, ...): the getter exists but acceptors cannot use it.
    Other(String),
}

/// An enum: its values, and how the SDK names it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EnumShape {
    /// The wire values, in model order.
    pub(crate) values: Vec<String>,
    /// The Rust enum's name in `aws_sdk_batch::types`.
    pub(crate) rust: String,
    /// Wire value -> variant, for the values the SDK has a variant for.
    pub(crate) variants: BTreeMap<String, String>,
}

/// An operation of the service: its shapes, when code generation supports it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OperationShapes {
    /// The output structure's shape name.
    pub(crate) output: String,
}

/// The shape table of one service.
#[derive(Debug)]
pub(crate) struct ShapeTable {
    /// Where the table came from (botocore version and file).
    pub(crate) source: String,
    /// The SDK crate the members were checked against (`aws-sdk-batch-1.138.0`).
    pub(crate) sdk: String,
    /// The SDK crate's name in Rust paths, under the runtime (`aws_sdk_batch`).
    pub(crate) sdk_crate: String,
    /// Every operation of the service; `Some` for those with shapes in the table.
    pub(crate) operations: BTreeMap<String, Option<OperationShapes>>,
    shapes: BTreeMap<String, Shape>,
    /// `(structure, member)` pairs botocore marks deprecated (so do the SDK's getters).
    deprecated: BTreeSet<(String, String)>,
    /// `Structure.member` names the service model has but the SDK crate does not.
    not_in_sdk: BTreeSet<String>,
    /// `(structure, member)` pairs the SDK fills in with a default when a response lacks
    /// them (required members; smithy-rs "error correction").
    corrected: BTreeSet<(String, String)>,
}

/// Why a table could not be read: for the bundled one, a build of this crate with a broken
/// data file (a test checks it never happens); for one built from a service model, a model
/// that is not botocore's format or refers to shapes it lacks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} is invalid: {reason}")]
pub(crate) struct ShapeTableError {
    /// Which table (`the bundled Batch shape table (data/batch-shapes.json)`).
    pub(crate) what: &'static str,
    pub(crate) reason: String,
}

const BATCH_TABLE: &str = "the bundled Batch shape table (data/batch-shapes.json)";

impl ShapeTable {
    /// The Batch table, parsed once.
    pub(crate) fn batch() -> Result<&'static ShapeTable, ShapeTableError> {
        static TABLE: OnceLock<Result<ShapeTable, ShapeTableError>> = OnceLock::new();
        TABLE
            .get_or_init(|| Self::parse(BATCH_SHAPES_JSON))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn parse(text: &str) -> Result<Self, ShapeTableError> {
        let document: Value = serde_json::from_str(text).map_err(|e| ShapeTableError {
            what: BATCH_TABLE,
            reason: e.to_string(),
        })?;
        Self::from_document(&document, BATCH_TABLE, "aws_sdk_batch")
    }

    /// A table from its document (the format of `data/batch-shapes.json`); `what` names
    /// it in errors, `sdk_crate` is the SDK crate's name in generated paths.
    pub(crate) fn from_document(
        document: &Value,
        what: &'static str,
        sdk_crate: &str,
    ) -> Result<Self, ShapeTableError> {
        let bad = |reason: &str| ShapeTableError {
            what,
            reason: reason.to_owned(),
        };
        let source = document["source"]
            .as_str()
            .ok_or_else(|| bad("no source"))?
            .to_owned();
        let mut operations = BTreeMap::new();
        for (name, op) in document["operations"]
            .as_object()
            .ok_or_else(|| bad("no operations"))?
        {
            let shapes = op["output"].as_str().map(|output| OperationShapes {
                output: output.to_owned(),
            });
            operations.insert(name.clone(), shapes);
        }
        let sdk = document["sdk"]
            .as_str()
            .ok_or_else(|| bad("no sdk"))?
            .to_owned();
        let not_in_sdk = document["notInSdk"]
            .as_array()
            .ok_or_else(|| bad("no notInSdk"))?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let mut deprecated = BTreeSet::new();
        let mut corrected = BTreeSet::new();
        let mut shapes = BTreeMap::new();
        for (name, shape) in document["shapes"]
            .as_object()
            .ok_or_else(|| bad("no shapes"))?
        {
            let target = |key: &str| {
                shape[key]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(&format!("shape {name} has no {key}")))
            };
            for (key, set) in [
                ("deprecated", &mut deprecated),
                ("corrected", &mut corrected),
            ] {
                if let Some(members) = shape[key].as_array() {
                    for member in members.iter().filter_map(Value::as_str) {
                        set.insert((name.clone(), member.to_owned()));
                    }
                }
            }
            let parsed = match shape["type"].as_str() {
                Some("structure") => Shape::Structure(
                    shape["members"]
                        .as_object()
                        .ok_or_else(|| bad(&format!("structure {name} has no members")))?
                        .iter()
                        .map(|(member, target)| {
                            target
                                .as_str()
                                .map(|t| (member.clone(), t.to_owned()))
                                .ok_or_else(|| bad(&format!("{name}.{member} names no shape")))
                        })
                        .collect::<Result<_, _>>()?,
                ),
                Some("list") => Shape::List(target("member")?),
                Some("map") => Shape::Map(target("value")?),
                Some("string") => Shape::String(match shape["enum"].as_array() {
                    None => None,
                    Some(values) => Some(EnumShape {
                        values: values
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect(),
                        rust: shape["rust"]
                            .as_str()
                            .ok_or_else(|| bad(&format!("enum {name} has no Rust name")))?
                            .to_owned(),
                        variants: shape["variants"]
                            .as_object()
                            .map(|v| {
                                v.iter()
                                    .filter_map(|(k, v)| {
                                        v.as_str().map(|v| (k.clone(), v.to_owned()))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }),
                }),
                Some("integer") => Shape::Integer,
                Some("long") => Shape::Long,
                Some("double") => Shape::Double,
                Some("float") => Shape::Float,
                Some("boolean") => Shape::Boolean,
                Some("timestamp") => Shape::Timestamp,
                Some(other) => Shape::Other(other.to_owned()),
                None => return Err(bad(&format!("shape {name} has no type"))),
            };
            shapes.insert(name.clone(), parsed);
        }
        if rust_ident(sdk_crate).is_none() {
            return Err(bad(&format!("{sdk_crate:?} is not a crate name")));
        }
        let table = Self {
            source,
            sdk,
            sdk_crate: sdk_crate.to_owned(),
            operations,
            shapes,
            deprecated,
            not_in_sdk,
            corrected,
        };
        // Every shape a member, list or map names must be in the table.
        for (name, shape) in &table.shapes {
            let targets: Vec<&String> = match shape {
                Shape::Structure(members) => members.iter().map(|(_, t)| t).collect(),
                Shape::List(t) | Shape::Map(t) => vec![t],
                _ => Vec::new(),
            };
            if let Some(missing) = targets.iter().find(|t| !table.shapes.contains_key(**t)) {
                return Err(bad(&format!("{name} refers to missing shape {missing}")));
            }
            // A type is built by following lists and maps down to their elements; a
            // structure ends the walk (it is named, not expanded), a loop would not.
            let mut seen = BTreeSet::new();
            let mut next = Some(name);
            while let Some(current) = next {
                if !seen.insert(current) {
                    return Err(bad(&format!(
                        "{name} is a list or map that contains itself with no structure between"
                    )));
                }
                next = match table.shapes.get(current) {
                    Some(Shape::List(t) | Shape::Map(t)) => Some(t),
                    _ => None,
                };
            }
        }
        Ok(table)
    }

    /// A shape by name.
    pub(crate) fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.get(name)
    }

    /// Every shape, sorted by name.
    pub(crate) fn shapes(&self) -> impl Iterator<Item = (&str, &Shape)> {
        self.shapes.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// The target shape of `member` of structure `structure`.
    pub(crate) fn member(&self, structure: &str, member: &str) -> Option<&str> {
        match self.shapes.get(structure)? {
            Shape::Structure(members) => members
                .iter()
                .find(|(name, _)| name == member)
                .map(|(_, target)| target.as_str()),
            _ => None,
        }
    }

    /// Whether the SDK deprecates the getter of `structure.member`.
    pub(crate) fn is_deprecated(&self, structure: &str, member: &str) -> bool {
        self.deprecated
            .contains(&(structure.to_owned(), member.to_owned()))
    }

    /// Whether the SDK fills `structure.member` in with a default when a response lacks it.
    pub(crate) fn is_corrected(&self, structure: &str, member: &str) -> bool {
        self.corrected
            .contains(&(structure.to_owned(), member.to_owned()))
    }

    /// Whether the service model has `structure.member` but the SDK crate does not.
    pub(crate) fn is_missing_from_sdk(&self, structure: &str, member: &str) -> bool {
        self.not_in_sdk.contains(&format!("{structure}.{member}"))
    }

    /// The member names of a structure, in model order.
    pub(crate) fn member_names(&self, structure: &str) -> Vec<&str> {
        match self.shapes.get(structure) {
            Some(Shape::Structure(members)) => members.iter().map(|(n, _)| n.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

/// The getter (and field) name smithy-rs gives a member.
pub(crate) fn getter_name(member: &str) -> String {
    snake_case(member)
}

/// The Rust type name smithy-rs gives a shape inside `aws_sdk_batch::types`.
pub(crate) fn type_name(shape: &str) -> String {
    pascal_case(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_loads() {
        let table = ShapeTable::batch().expect("bundled table");
        assert!(table.source.starts_with("botocore-"));
        assert_eq!(
            table.operations.get("DescribeJobs"),
            Some(&Some(OperationShapes {
                output: "DescribeJobsResponse".into()
            }))
        );
        assert_eq!(table.operations.get("SubmitJob"), Some(&None));
        assert_eq!(
            table.member("ComputeEnvironmentDetail", "status"),
            Some("CEStatus")
        );
        match table.shape("CEStatus") {
            Some(Shape::String(Some(info))) => {
                assert_eq!(info.rust, "CeStatus");
                assert_eq!(info.variants["VALID"], "Valid");
            }
            other => panic!("CEStatus is {other:?}"),
        }
        assert_eq!(
            table.member("DescribeJobsResponse", "jobs"),
            Some("JobDetailList")
        );
        assert_eq!(
            table.shape("JobDetailList"),
            Some(&Shape::List("JobDetail".into()))
        );
        assert_eq!(table.member("JobDetail", "status"), Some("JobStatus"));
        match table.shape("JobStatus") {
            Some(Shape::String(Some(info))) => {
                assert!(info.values.iter().any(|v| v == "SUCCEEDED"), "{info:?}");
                assert_eq!(info.rust, "JobStatus");
                assert_eq!(info.variants["SUCCEEDED"], "Succeeded");
            }
            other => panic!("JobStatus is {other:?}"),
        }
        match table.shape("EFSAuthorizationConfigIAM") {
            Some(Shape::String(Some(info))) => assert_eq!(info.rust, "EfsAuthorizationConfigIam"),
            other => panic!("{other:?}"),
        }
        assert_eq!(table.shape("Integer"), Some(&Shape::Integer));
        assert_eq!(table.shape("Long"), Some(&Shape::Long));
        assert_eq!(table.member("JobDetail", "statuz"), None);
        assert!(table.sdk.starts_with("aws-sdk-batch-"));
        assert!(table.is_deprecated("ContainerProperties", "vcpus"));
        assert!(!table.is_deprecated("ContainerDetail", "vcpus"));
        assert!(table.is_missing_from_sdk("EksPodProperties", "securityContext"));
        assert!(table.is_corrected("JobDetail", "startedAt"));
        assert!(!table.is_corrected("JobDetail", "stoppedAt"));
        assert_eq!(table.member("EksPodProperties", "securityContext"), None);
    }

    #[test]
    fn broken_tables_are_errors() {
        for text in [
            "",
            "{}",
            r#"{"source": "x", "sdk": "s", "notInSdk": [], "operations": {}, "shapes": {"A": {"type": "list", "member": "B"}}}"#,
            r#"{"source": "x", "sdk": "s", "notInSdk": [], "operations": {}, "shapes": {"A": {}}}"#,
            r#"{"source": "x", "sdk": "s", "notInSdk": [], "operations": {}, "shapes": {"A": {"type": "list", "member": "B"}, "B": {"type": "map", "value": "A"}}}"#,
        ] {
            assert!(ShapeTable::parse(text).is_err(), "{text}");
        }
    }
}

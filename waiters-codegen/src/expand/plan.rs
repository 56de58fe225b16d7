//! Planning: which waiters are generated, with which names and acceptors; every problem
//! of the model, its names and its expressions is found here.

use std::collections::BTreeMap;
use std::time::Duration;

use proc_macro2::{Ident, TokenStream};
use quote::format_ident;
use serde_json::Value;
use waiters_model::{
    AcceptorState, ErrorExpectation, JsonPath, Matcher, WaiterDefinition, WaiterModel,
};

use super::waiter_path;
use crate::compile::{CompileError, CompiledMatch, Compiler};
use crate::error::{Problem, ProblemKind};
use crate::naming::{snake_case, suggest, waiter_type_name};
use crate::operations::{self, OperationSpec};
use crate::options::Options;
use crate::shapes::ShapeTable;

/// What gets generated for one waiter.
pub(super) struct WaiterPlan {
    pub(super) name: String,
    /// The waiter's type: an alias of the runtime's `Waiter` over `definition`.
    pub(super) ident: Ident,
    /// The type carrying the model's values and the compiled acceptors.
    pub(super) definition: Ident,
    /// The extension trait's method.
    pub(super) method: Ident,
    pub(super) operation: &'static OperationSpec,
    pub(super) delay: Duration,
    pub(super) max_attempts: u32,
    pub(super) description: Option<String>,
    /// The waiter's JSON, pretty-printed.
    pub(super) model_json: String,
    pub(super) acceptors: Vec<AcceptorPlan>,
}

/// One acceptor that compiled.
pub(super) struct AcceptorPlan {
    pub(super) index: usize,
    pub(super) state: AcceptorState,
    pub(super) explanation: String,
    pub(super) json: String,
    /// The acceptor as the model has it (for docs).
    pub(super) matcher: Matcher,
    pub(super) body: Body,
}

pub(super) enum Body {
    Path(CompiledMatch),
    Status(u16),
    ErrorCode(String),
    AnyError,
    NoError,
}

/// Checks a model and compiles its acceptors: the plans of the waiters to generate
/// (complete, or fallbacks without the broken parts), with every problem found added to
/// `problems`.
pub(super) fn plan(options: &Options, json: &str, problems: &mut Vec<Problem>) -> Vec<WaiterPlan> {
    let table = match ShapeTable::batch() {
        Ok(table) => Some(table),
        Err(e) => {
            problems.push(Problem {
                path: JsonPath::root(),
                kind: ProblemKind::Internal(e.to_string()),
            });
            None
        }
    };
    let runtime = &options.runtime;
    let mut plans = match WaiterModel::from_json_str(json) {
        Ok(model) => {
            let waiters: Vec<&WaiterDefinition> = model.waiters().collect();
            waiters
                .into_iter()
                .filter_map(|w| {
                    let raw = model.waiter_json(w.name()).unwrap_or(Value::Null);
                    plan_waiter(w, &raw, table, runtime, problems)
                })
                .collect()
        }
        Err(error) => {
            problems.extend(error.problems().iter().map(|p| Problem {
                path: p.path.clone(),
                kind: ProblemKind::Model(p.kind.clone()),
            }));
            fallback_plans(json, problems)
        }
    };
    check_clashes(&mut plans, options, problems);
    plans
}

fn plan_waiter(
    waiter: &WaiterDefinition,
    raw: &Value,
    table: Option<&ShapeTable>,
    runtime: &TokenStream,
    problems: &mut Vec<Problem>,
) -> Option<WaiterPlan> {
    let name = waiter.name();
    let path = waiter_path(name);
    let (ident, definition, method) = match rust_names(name) {
        Ok(names) => names,
        Err(reason) => {
            problems.push(Problem {
                path,
                kind: ProblemKind::InvalidWaiterName {
                    name: name.to_owned(),
                    reason,
                },
            });
            return None;
        }
    };
    let supported = operations::supported(waiter.operation());
    if supported.is_none() {
        let operation = waiter.operation().to_owned();
        let kind = match table {
            Some(table) if table.operations.contains_key(&operation) => {
                ProblemKind::UnsupportedOperation {
                    operation,
                    supported: operations::supported_names(),
                }
            }
            _ => ProblemKind::UnknownOperation {
                suggestion: table
                    .and_then(|t| suggest(&operation, t.operations.keys().map(String::as_str)))
                    .map(str::to_owned),
                operation,
                supported: operations::supported_names(),
            },
        };
        problems.push(Problem {
            path: path.key("operation"),
            kind,
        });
    }
    let mut plan = WaiterPlan {
        ident,
        definition,
        method,
        name: name.to_owned(),
        // The fallback for an unsupported operation keeps the API of a supported one.
        operation: supported.unwrap_or_else(operations::fallback),
        delay: waiter.delay(),
        max_attempts: waiter.max_attempts(),
        description: waiter.description().map(str::to_owned),
        model_json: serde_json::to_string_pretty(raw).unwrap_or_default(),
        acceptors: Vec::new(),
    };
    let (Some(table), Some(operation)) = (table, supported) else {
        return Some(plan);
    };
    let Some(Some(shapes)) = table.operations.get(operation.name) else {
        problems.push(Problem {
            path: path.key("operation"),
            kind: ProblemKind::Internal(format!(
                "the shape table has no output for {}",
                operation.name
            )),
        });
        return Some(plan);
    };
    let mut compiler = Compiler::new(table, runtime);
    for (index, acceptor) in waiter.acceptors().iter().enumerate() {
        let acceptor_path = path.key("acceptors").index(index);
        let raw_acceptor = raw
            .get("acceptors")
            .and_then(|a| a.get(index))
            .cloned()
            .unwrap_or(Value::Null);
        let compiled = match &acceptor.matcher {
            Matcher::Path { argument, expected } => compiler
                .path(&shapes.output, argument.ast(), expected)
                .map(Body::Path),
            Matcher::PathAll { argument, expected } => compiler
                .path_list(&shapes.output, argument.ast(), expected, true)
                .map(Body::Path),
            Matcher::PathAny { argument, expected } => compiler
                .path_list(&shapes.output, argument.ast(), expected, false)
                .map(Body::Path),
            Matcher::Status { expected } => Ok(Body::Status(*expected)),
            Matcher::Error { expected } => Ok(match expected {
                ErrorExpectation::Code(code) => Body::ErrorCode(code.clone()),
                ErrorExpectation::AnyError => Body::AnyError,
                ErrorExpectation::NoError => Body::NoError,
            }),
        };
        match compiled {
            Ok(body) => plan.acceptors.push(AcceptorPlan {
                index,
                state: acceptor.state,
                explanation: acceptor.explanation(),
                json: serde_json::to_string(&raw_acceptor).unwrap_or_default(),
                matcher: acceptor.matcher.clone(),
                body,
            }),
            Err(error) => {
                let expression = acceptor
                    .matcher
                    .argument()
                    .map(|a| a.as_str().to_owned())
                    .unwrap_or_default();
                problems.push(compile_problem(&acceptor_path, expression, error));
            }
        }
    }
    Some(plan)
}

fn compile_problem(acceptor: &JsonPath, expression: String, error: CompileError) -> Problem {
    let path = if error.is_about_expected() {
        acceptor.key("expected")
    } else {
        acceptor.key("argument")
    };
    Problem {
        path,
        kind: error.into_problem(expression),
    }
}

/// Stand-ins for the waiters of a model that did not load: every waiter whose name can
/// be a type, with the model's timings where they are readable and no acceptors, so that
/// the user's code that names them compiles and only the model's problems are reported.
fn fallback_plans(json: &str, problems: &mut Vec<Problem>) -> Vec<WaiterPlan> {
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let Some(Value::Object(waiters)) = root.get("waiters") else {
        return Vec::new();
    };
    let sorted: BTreeMap<&String, &Value> = waiters.iter().collect();
    sorted
        .into_iter()
        .filter_map(|(name, raw)| match rust_names(name) {
            Ok(names) => Some((name, raw, names)),
            // Reported now too, so that every problem shows in one build.
            Err(reason) => {
                if !name.is_empty() {
                    problems.push(Problem {
                        path: waiter_path(name),
                        kind: ProblemKind::InvalidWaiterName {
                            name: name.clone(),
                            reason,
                        },
                    });
                }
                None
            }
        })
        .map(|(name, raw, (ident, definition, method))| WaiterPlan {
            ident,
            definition,
            method,
            name: name.clone(),
            operation: operations::fallback(),
            delay: raw
                .get("delay")
                .and_then(Value::as_f64)
                .and_then(|d| Duration::try_from_secs_f64(d).ok())
                .unwrap_or_default(),
            max_attempts: raw
                .get("maxAttempts")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1),
            description: raw
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            model_json: serde_json::to_string_pretty(raw).unwrap_or_default(),
            acceptors: Vec::new(),
        })
        .collect()
}

/// A waiter's Rust names: its type (the model's name in UpperCamelCase), its definition
/// type and its extension-trait method (`wait_until_` + the name in snake_case).
fn rust_names(name: &str) -> Result<(Ident, Ident, Ident), &'static str> {
    let type_name = waiter_type_name(name)?;
    Ok((
        format_ident!("{}", type_name),
        format_ident!("{}Definition", type_name),
        format_ident!("wait_until_{}", snake_case(name)),
    ))
}

/// Two waiters whose types or methods would have the same name (`compute_env_ready` and
/// `ComputeEnvReady` both map to the type `ComputeEnvReady`; a waiter `Foo` and a waiter
/// `FooDefinition` both want the type `FooDefinition`), or a waiter named like the
/// extension trait: the later one is reported, naming the other, and left out.
fn check_clashes(plans: &mut Vec<WaiterPlan>, options: &Options, problems: &mut Vec<Problem>) {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    types.insert(
        options.extension_trait.to_string(),
        "the generated extension trait (rename the trait with `extension_trait = OtherName`)"
            .to_owned(),
    );
    let mut methods: BTreeMap<String, String> = BTreeMap::new();
    plans.retain(|plan| {
        let mut clash = |what: &'static str, rust_name: String, other: &String| {
            problems.push(Problem {
                path: waiter_path(&plan.name),
                kind: ProblemKind::NameClash {
                    waiter: plan.name.clone(),
                    what,
                    rust_name,
                    other: other.clone(),
                },
            });
            false
        };
        for ty in [&plan.ident, &plan.definition] {
            if let Some(other) = types.get(&ty.to_string()) {
                return clash("type", ty.to_string(), other);
            }
        }
        let method = plan.method.to_string();
        if let Some(other) = methods.get(&method) {
            return clash("method", method, other);
        }
        types.insert(
            plan.ident.to_string(),
            format!(
                "the waiter type generated for waiter {:?} (waiter names map to \
                 UpperCamelCase types: rename one of the two)",
                plan.name
            ),
        );
        types.insert(
            plan.definition.to_string(),
            format!(
                "the definition type generated for waiter {:?} (rename one of the two)",
                plan.name
            ),
        );
        methods.insert(
            method,
            format!("the one generated for waiter {:?}", plan.name),
        );
        true
    });
}

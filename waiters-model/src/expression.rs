//! JMESPath arguments, compiled when the model loads.

use std::fmt;

use jmespath::ast::Ast;
use jmespath::{Context, DEFAULT_RUNTIME, Rcvar, Variable};
use serde_json::Value;

use crate::error::ProblemKind;

/// A compiled JMESPath expression together with its source text.
#[derive(Clone)]
pub struct Expression {
    compiled: jmespath::Expression<'static>,
}

impl Expression {
    /// Compiles `source`, checking both the syntax and that every function it calls exists.
    ///
    /// The text is first checked against the [limits](crate::limits) (length, nesting
    /// depth, integer size), so that no expression that could overflow the stack of the
    /// `jmespath` crate's recursive parser or interpreter reaches them.
    pub fn compile(source: &str) -> Result<Self, ProblemKind> {
        crate::limits::check_expression(source)?;
        let compiled =
            DEFAULT_RUNTIME
                .compile(source)
                .map_err(|e| ProblemKind::InvalidExpression {
                    expression: source.to_owned(),
                    column: e.column,
                    reason: match e.reason {
                        jmespath::ErrorReason::Parse(message) => message,
                        other => other.to_string(),
                    },
                })?;
        if let Some(function) = unknown_function(compiled.as_ast()) {
            return Err(ProblemKind::UnknownFunction {
                expression: source.to_owned(),
                function,
            });
        }
        Ok(Self { compiled })
    }

    /// The expression as written in the model.
    pub fn as_str(&self) -> &str {
        self.compiled.as_str()
    }

    /// The parsed syntax tree (used by the code generator).
    pub fn ast(&self) -> &Ast {
        self.compiled.as_ast()
    }

    /// Evaluates the expression on a response document.
    ///
    /// A JMESPath run-time error (a function given the wrong type, say `length(null)`) gives
    /// `None`: such a response matches no acceptor instead of aborting the wait.
    pub fn search(&self, document: &Document) -> Option<Rcvar> {
        let mut ctx = Context::new(self.as_str(), &DEFAULT_RUNTIME);
        jmespath::interpret(&document.0, self.ast(), &mut ctx).ok()
    }
}

impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expression({:?})", self.as_str())
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

fn unknown_function(ast: &Ast) -> Option<String> {
    let children: Vec<&Ast> = match ast {
        Ast::Function { name, args, .. } => {
            if DEFAULT_RUNTIME.get_function(name).is_none() {
                return Some(name.clone());
            }
            args.iter().collect()
        }
        Ast::Comparison { lhs, rhs, .. }
        | Ast::And { lhs, rhs, .. }
        | Ast::Or { lhs, rhs, .. }
        | Ast::Subexpr { lhs, rhs, .. }
        | Ast::Projection { lhs, rhs, .. } => vec![lhs, rhs],
        Ast::Condition {
            predicate, then, ..
        } => vec![predicate, then],
        Ast::Expref { ast, .. } => vec![ast],
        Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
            vec![node]
        }
        Ast::MultiList { elements, .. } => elements.iter().collect(),
        Ast::MultiHash { elements, .. } => elements.iter().map(|kvp| &kvp.value).collect(),
        Ast::Identity { .. }
        | Ast::Field { .. }
        | Ast::Index { .. }
        | Ast::Literal { .. }
        | Ast::Slice { .. } => Vec::new(),
    };
    children.into_iter().find_map(unknown_function)
}

/// A response body prepared once for the JMESPath searches of every acceptor.
#[derive(Clone, Debug)]
pub struct Document(Rcvar);

impl Document {
    /// Prepares a JSON value.
    pub fn new(value: &Value) -> Self {
        Self(to_variable(value))
    }

    /// Parses and prepares a response body. An empty body is an empty object, as an
    /// AWS JSON service sends for an output without members.
    pub fn from_slice(body: &[u8]) -> Result<Self, serde_json::Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::new(&Value::Object(Default::default())));
        }
        let value: Value = serde_json::from_slice(body)?;
        Ok(Self::new(&value))
    }

    /// The prepared value.
    pub fn variable(&self) -> &Variable {
        &self.0
    }
}

fn to_variable(value: &Value) -> Rcvar {
    Rcvar::new(match value {
        Value::Null => Variable::Null,
        Value::Bool(b) => Variable::Bool(*b),
        Value::Number(n) => Variable::Number(n.clone()),
        Value::String(s) => Variable::String(s.clone()),
        Value::Array(items) => Variable::Array(items.iter().map(to_variable).collect()),
        Value::Object(members) => Variable::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), to_variable(v)))
                .collect(),
        ),
    })
}

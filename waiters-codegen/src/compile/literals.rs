//! JMESPath literals as Rust values.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;
use waiters_model::jmespath::Variable;

use super::error::{Result, unsupported};
use super::types::{Num, Ty, Val};

/// A literal's value.
pub(super) fn literal(value: &Variable, offset: usize) -> Result<Val> {
    Ok(match value {
        Variable::String(s) => {
            let lit = Literal::string(s);
            Val {
                constant: Some(s.clone()),
                ..Val::new(quote!(#lit), Ty::Str(None), false, false)
            }
        }
        Variable::Number(n) => {
            let kind = if n.is_f64() { Num::F64 } else { Num::I64 };
            Val::new(number_literal(n), Ty::Num(kind), false, false)
        }
        Variable::Bool(b) => Val::new(quote!(#b), Ty::Bool, false, false),
        Variable::Null => Val::new(quote!(()), Ty::Null, false, false),
        Variable::Array(_) | Variable::Object(_) => {
            let json = serde_json::to_value(value).unwrap_or(Value::Null);
            Val::new(quote!(()), Ty::Json(json), false, false)
        }
        Variable::Expref(_) => return unsupported(offset, "an expression reference (`&expr`)"),
    })
}

/// The value of a literal string, array or object operand.
pub(super) fn literal_of(value: &Val) -> Option<Value> {
    match (&value.ty, &value.constant) {
        (Ty::Json(literal), _) => Some(literal.clone()),
        (Ty::Str(None), Some(text)) => Some(Value::String(text.clone())),
        _ => None,
    }
}

/// A JSON number as a suffixed Rust literal (`5i64`, `1.5f64`).
pub(super) fn number_literal(n: &serde_json::Number) -> TokenStream {
    match n.as_i64() {
        Some(i) if !n.is_f64() => {
            let i = Literal::i64_suffixed(i);
            quote!(#i)
        }
        _ => {
            let f = Literal::f64_suffixed(n.as_f64().unwrap_or(0.0));
            quote!(#f)
        }
    }
}

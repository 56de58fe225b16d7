//! `!`, `&&` and `||`, and JMESPath truthiness.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;
use waiters_model::jmespath::ast::Ast;

use super::compiler::Compiler;
use super::error::{Result, type_error, unsupported};
use super::types::{Prec, Ty, Val};

impl Compiler<'_> {
    /// `!`, `&&` and `||` as values. JMESPath's `a && b` gives `a` when `a` is falsy, else
    /// `b` (and `||` the other way round), so they keep a Rust type only when both sides
    /// have the same scalar type; anywhere else they are used through their truth.
    pub(super) fn logic(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        let (lhs, rhs, and, offset) = match ast {
            Ast::And { lhs, rhs, offset } => (lhs, rhs, true, *offset),
            Ast::Or { lhs, rhs, offset } => (lhs, rhs, false, *offset),
            _ => return self.truthy(ast, cur),
        };
        self.with_bound(cur, |this, cur| {
            let a = this.compile(lhs, cur)?;
            let b = this.compile(rhs, cur)?;
            let fallible = a.fallible || b.fallible;
            if a.ty == Ty::Bool && b.ty == Ty::Bool && !a.nullable && !b.nullable {
                // Plain booleans: Rust's operators are exactly JMESPath's.
                let (prec, op) = if and {
                    (Prec::And, quote!(&&))
                } else {
                    (Prec::Or, quote!(||))
                };
                let (x, y) = (a.operand_at(prec), b.operand_at(Prec::Compare));
                return Ok(Val::boolean(quote!(#x #op #y), prec, fallible));
            }
            if a.ty != b.ty || !matches!(a.ty, Ty::Bool | Ty::Str(_) | Ty::Num(_)) {
                return unsupported(
                    offset,
                    format!(
                        "`{}` between {} and {} outside a filter or `!` (it gives one of the \
                         two values, which Rust cannot type)",
                        if and { "&&" } else { "||" },
                        a.ty.describe(),
                        b.ty.describe()
                    ),
                );
            }
            let first = this.fresh("a");
            let decided = this.fresh("decided");
            let truthy = this.truthy_value(&Val::variable(&first, a.ty.clone(), true));
            let (x, y) = (a.option(), b.option());
            let pick = if and {
                quote!(if #decided { #y } else { #first })
            } else {
                quote!(if #decided { #first } else { #y })
            };
            Ok(Val::new(
                quote!({
                    let #first = #x;
                    let #decided = #truthy;
                    #pick
                }),
                a.ty.clone(),
                true,
                fallible,
            ))
        })
    }

    /// `ast` as a condition (JMESPath truthiness): a non-null `bool`.
    pub(super) fn truthy(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        match ast {
            Ast::And { lhs, rhs, .. } | Ast::Or { lhs, rhs, .. } => {
                let and = matches!(ast, Ast::And { .. });
                self.with_bound(cur, |this, cur| {
                    let a = this.truthy(lhs, cur)?;
                    let b = this.truthy(rhs, cur)?;
                    let (prec, op) = if and {
                        (Prec::And, quote!(&&))
                    } else {
                        (Prec::Or, quote!(||))
                    };
                    // Left-associative: the right operand needs parentheses at equal
                    // precedence only for another operator, which is lower.
                    let (x, y) = (a.operand_at(prec), b.operand_at(prec));
                    Ok(Val::boolean(
                        quote!(#x #op #y),
                        prec,
                        a.fallible || b.fallible,
                    ))
                })
            }
            Ast::Not { node, .. } => {
                let inner = self.truthy(node, cur)?;
                let negated = match &inner.negation {
                    Some((code, prec)) => Val::boolean(code.clone(), *prec, inner.fallible),
                    None => {
                        let code = inner.operand_at(Prec::Unary);
                        Val::boolean(quote!(!#code), Prec::Unary, inner.fallible)
                    }
                };
                Ok(Val {
                    negation: Some((inner.code.clone(), inner.prec)),
                    ..negated
                })
            }
            _ => {
                let value = self.compile(ast, cur)?;
                if let Ty::Struct(shape) = &value.ty {
                    return type_error(format!(
                        "the truth of a {shape} structure depends on members the typed output \
                         may not show; test one of its members instead"
                    ));
                }
                if value.ty == Ty::Bool && !value.nullable {
                    return Ok(value);
                }
                let code = self.truthy_value(&value);
                // Matches the shapes `truthy_value` writes.
                let prec = match (&value.ty, value.nullable) {
                    (Ty::Bool, true) => Prec::Compare,
                    (Ty::Str(_) | Ty::Slice(_) | Ty::Map(_), false) => Prec::Unary,
                    _ => Prec::Atom,
                };
                let negation = (value.ty == Ty::Bool && value.nullable).then(|| {
                    let c = value.operand();
                    (
                        quote!(#c != ::core::option::Option::Some(true)),
                        Prec::Compare,
                    )
                });
                Ok(Val {
                    negation,
                    ..Val::boolean(code, prec, value.fallible)
                })
            }
        }
    }

    /// JMESPath truthiness of a compiled value, as `bool` code.
    pub(super) fn truthy_value(&mut self, value: &Val) -> TokenStream {
        let value = &self.text(value);
        let c = value.operand();
        let t = self.fresh("t");
        if value.nullable {
            match &value.ty {
                Ty::Bool => quote!(#c == ::core::option::Option::Some(true)),
                Ty::Str(_) | Ty::Slice(_) | Ty::Map(_) => {
                    quote!(#c.is_some_and(|#t| !#t.is_empty()))
                }
                Ty::Iter(_) => quote!(#c.is_some_and(|mut #t| #t.next().is_some())),
                Ty::Num(_) | Ty::Struct(_) => quote!(#c.is_some()),
                Ty::Null => quote!(false),
                Ty::Json(v) => json_truthy(v),
            }
        } else {
            match &value.ty {
                Ty::Bool => value.code.clone(),
                Ty::Str(_) | Ty::Slice(_) | Ty::Map(_) => quote!(!#c.is_empty()),
                Ty::Iter(_) => {
                    let code = &value.code;
                    quote!({ let mut #t = #code; #t.next().is_some() })
                }
                Ty::Num(_) | Ty::Struct(_) if value.fallible => {
                    let code = &value.code;
                    quote!({ let _ = #code; true })
                }
                Ty::Num(_) | Ty::Struct(_) => quote!(true),
                Ty::Null => quote!(false),
                Ty::Json(v) => json_truthy(v),
            }
        }
    }
}

/// JMESPath truthiness of a literal array or object.
fn json_truthy(value: &Value) -> TokenStream {
    let truthy = match value {
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(_) => true,
        Value::Null => false,
    };
    quote!(#truthy)
}

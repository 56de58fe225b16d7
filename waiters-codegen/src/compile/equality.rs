//! Comparisons: JMESPath's `==`, `!=` and ordering, and equality with literals and with a
//! matcher's `expected`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;
use waiters_model::jmespath::ast::Comparator;

use super::compiler::Compiler;
use super::error::{Result, type_error, unsupported};
use super::literals::{literal_of, number_literal};
use super::tokens::let_in;
use super::types::{Coded, EnumInfo, Prec, Ty, Val};
use crate::naming::suggest;

/// Which equality: JMESPath's own `==` inside an expression, or the matcher's comparison
/// of the result with `expected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Equality {
    /// The `jmespath` crate's `==`: numbers equal within a relative epsilon.
    Jmespath,
    /// `waiters_model::json_eq`: integers exactly, other numbers by `f64` value.
    Expected,
}

/// Why a value and a literal can never be equal; `Some` when there is more to say than
/// their types.
type Mismatch = Option<String>;

impl Compiler<'_> {
    pub(super) fn comparison(
        &mut self,
        comparator: &Comparator,
        a: &Val,
        b: &Val,
        offset: usize,
    ) -> Result<Val> {
        let fallible = a.fallible || b.fallible;
        if let Comparator::Equal | Comparator::NotEqual = comparator {
            let (eq, ne) = self.equality(a, b, offset)?;
            let (code, negation) = if matches!(comparator, Comparator::Equal) {
                (eq, ne)
            } else {
                (ne, eq)
            };
            return Ok(Val {
                negation: Some(negation),
                ..Val::boolean(code.0, code.1, fallible)
            });
        }
        let helper = match comparator {
            Comparator::LessThan => quote!(num_lt),
            Comparator::LessThanEqual => quote!(num_le),
            Comparator::GreaterThan => quote!(num_gt),
            _ => quote!(num_ge),
        };
        match (&a.ty, &b.ty) {
            (Ty::Num(_), Ty::Num(_)) => {
                let (x, y) = (a.option(), b.option());
                let private = &self.private;
                Ok(Val::new(
                    quote!(#private::#helper(#x, #y)),
                    Ty::Bool,
                    true,
                    fallible,
                ))
            }
            (x, y) => type_error(format!(
                "the comparison at column {offset} orders {} and {}, but `<`, `<=`, `>` and \
                 `>=` only order numbers (JMESPath gives null)",
                x.describe(),
                y.describe()
            )),
        }
    }

    /// `a == b` with JMESPath's equality: the code of `==` and of `!=`, each with its
    /// precedence (so that `!(a == b)` is never written).
    pub(super) fn equality(&mut self, a: &Val, b: &Val, offset: usize) -> Result<(Coded, Coded)> {
        let never = |a: &Ty, b: &Ty| {
            type_error(format!(
                "the comparison at column {offset} compares {} with {}, which are never equal",
                a.describe(),
                b.describe()
            ))
        };
        // Literals on the right, to halve the cases.
        let (a, b) = if matches!(a.ty, Ty::Null | Ty::Json(_)) && !matches!(b.ty, Ty::Null) {
            (b, a)
        } else {
            (a, b)
        };
        match (&a.ty, &b.ty) {
            (Ty::Null, Ty::Null) => Ok(((quote!(true), Prec::Atom), (quote!(false), Prec::Atom))),
            (_, Ty::Null) if a.nullable => {
                let x = a.operand();
                Ok((
                    (quote!(#x.is_none()), Prec::Atom),
                    (quote!(#x.is_some()), Prec::Atom),
                ))
            }
            (ty, Ty::Null) => type_error(format!(
                "the comparison at column {offset} tests whether {} is null, which it never is",
                ty.describe()
            )),
            (Ty::Json(_), _) => unsupported(offset, "a comparison of two literals"),
            (ty, Ty::Json(_) | Ty::Str(_)) if literal_of(b).is_some() => {
                let literal = literal_of(b).unwrap_or(Value::Null);
                if matches!(ty, Ty::Struct(_) | Ty::Map(_)) && literal.is_object() {
                    return unsupported(
                        offset,
                        format!("a comparison of {} with a literal object", ty.describe()),
                    );
                }
                let ty = ty.clone();
                let x = self.fresh("x");
                let eq = match self.literal_eq(Equality::Jmespath, &ty, &quote!(#x), &literal) {
                    Ok(eq) => eq,
                    Err(Some(message)) => return type_error(message),
                    Err(None) => return never(&ty, &b.ty),
                };
                let code = if a.nullable {
                    let c = a.operand();
                    quote!(#c.is_some_and(|#x| #eq))
                } else {
                    let_in(&x, a, eq)
                };
                Ok(((code.clone(), Prec::Atom), (quote!(!#code), Prec::Unary)))
            }
            (Ty::Str(enum_a), Ty::Str(enum_b)) => {
                check_enum_literal(enum_a.as_ref(), b)?;
                check_enum_literal(enum_b.as_ref(), a)?;
                // Two values of one enum compare as enums; anything else as text.
                let (a, b) = if enum_a.is_some() && enum_a == enum_b {
                    (a.clone(), b.clone())
                } else {
                    (self.text(a), self.text(b))
                };
                let (x, y) = if a.nullable == b.nullable {
                    (a.operand_at(Prec::Unary), b.operand_at(Prec::Unary))
                } else {
                    (a.option(), b.option())
                };
                Ok((
                    (quote!(#x == #y), Prec::Compare),
                    (quote!(#x != #y), Prec::Compare),
                ))
            }
            (Ty::Bool, Ty::Bool) => {
                let (x, y) = if a.nullable == b.nullable {
                    (a.operand_at(Prec::Unary), b.operand_at(Prec::Unary))
                } else {
                    (a.option(), b.option())
                };
                Ok((
                    (quote!(#x == #y), Prec::Compare),
                    (quote!(#x != #y), Prec::Compare),
                ))
            }
            (Ty::Num(_), Ty::Num(_)) => {
                let (x, y) = (a.option(), b.option());
                let private = &self.private;
                let code = quote!(#private::num_eq(#x, #y));
                Ok(((code.clone(), Prec::Atom), (quote!(!#code), Prec::Unary)))
            }
            (x, y) if x.is_list() && y.is_list() => {
                unsupported(offset, "a comparison of two lists that are not literals")
            }
            (Ty::Struct(_) | Ty::Map(_), _) | (_, Ty::Struct(_) | Ty::Map(_)) => unsupported(
                offset,
                format!(
                    "a comparison of {} with {}",
                    a.ty.describe(),
                    b.ty.describe()
                ),
            ),
            (x, y) => never(x, y),
        }
    }

    /// `x == literal` for the non-null value in `x` of type `ty`.
    pub(super) fn literal_eq(
        &mut self,
        equality: Equality,
        ty: &Ty,
        x: &TokenStream,
        literal: &Value,
    ) -> std::result::Result<TokenStream, Mismatch> {
        let private = self.private.clone();
        Ok(match (ty, literal) {
            (Ty::Str(Some(info)), Value::String(s)) => {
                if !info.values.contains(s) {
                    return Err(Some(unknown_enum_value(info, s)));
                }
                match self.variant(info, s) {
                    Some(variant) => quote!(::core::matches!(#x, #variant)),
                    // A value this SDK version has no variant for: compare the text.
                    None => {
                        let s = Literal::string(s);
                        quote!(#x.as_str() == #s)
                    }
                }
            }
            (Ty::Str(None), Value::String(s)) => {
                let s = Literal::string(s);
                quote!(#x == #s)
            }
            (Ty::Num(_), Value::Number(n)) => match equality {
                Equality::Jmespath => {
                    let n = number_literal(n);
                    quote!(#private::num_eq(
                        ::core::option::Option::Some(#x),
                        ::core::option::Option::Some(#n)
                    ))
                }
                Equality::Expected => match n.as_i128() {
                    Some(i) => {
                        let i = Literal::i128_suffixed(i);
                        quote!(#private::expected_int(#x, #i))
                    }
                    None => {
                        let f = Literal::f64_suffixed(n.as_f64().unwrap_or(0.0));
                        quote!(#private::expected_float(#x, #f))
                    }
                },
            },
            (Ty::Bool, Value::Bool(true)) => x.clone(),
            (Ty::Bool, Value::Bool(false)) => quote!(!#x),
            (list, Value::Array(items)) if list.is_list() => {
                let element = list.element().cloned().unwrap_or(Ty::Null);
                let it = self.fresh("it");
                let iter = self.iter_of(&element, list, x);
                let mut checks = Vec::new();
                for item in items {
                    let y = self.fresh("y");
                    let eq = self.literal_eq(equality, &element, &quote!(#y), item)?;
                    checks.push(quote!(#it.next().is_some_and(|#y| #eq)));
                }
                quote!({
                    let mut #it = #iter;
                    #(#checks &&)* #it.next().is_none()
                })
            }
            (Ty::Struct(_) | Ty::Map(_), Value::Object(_)) => {
                return Err(Some(format!(
                    "comparing {} with a JSON object is not supported",
                    ty.describe()
                )));
            }
            _ => return Err(None),
        })
    }
}

/// A string literal compared with an enum must be one of its values.
fn check_enum_literal(info: Option<&EnumInfo>, other: &Val) -> Result<()> {
    match (info, &other.constant) {
        (Some(info), Some(value)) if !info.values.contains(value) => {
            type_error(unknown_enum_value(info, value))
        }
        _ => Ok(()),
    }
}

fn unknown_enum_value(info: &EnumInfo, value: &str) -> String {
    let hint = match suggest(value, info.values.iter().map(String::as_str)) {
        Some(s) => format!(" (did you mean {s:?}?)"),
        None => String::new(),
    };
    format!(
        "{value:?} is not a {} value{hint}; {} values are {}",
        info.shape,
        info.shape,
        info.values.join(", ")
    )
}

//! The entry points: a `path`, `pathAll` or `pathAny` matcher compiled to `bool` code.

use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;
use waiters_model::jmespath::ast::Ast;

use super::compiler::Compiler;
use super::equality::Equality;
use super::error::{CompileError, Result, type_error, unsupported};
use super::tokens::{is_ident, let_in};
use super::types::{Correction, FieldProjection, Ty, Val};
use super::walk::offset;

/// A matcher's compiled body: `bool` code over `output: &Output`.
#[derive(Debug)]
pub(crate) struct CompiledMatch {
    pub(crate) code: TokenStream,
    /// The code contains `?`: it must run in a function returning `Option<bool>`, where
    /// `None` (a JMESPath error) means no match.
    pub(crate) fallible: bool,
    /// The code calls a getter the SDK deprecates (`#[allow(deprecated)]` goes on it).
    pub(crate) deprecated: bool,
}

impl Compiler<'_> {
    /// A `path` matcher: the result equals `expected`.
    pub(crate) fn path(
        &mut self,
        output_shape: &str,
        ast: &Ast,
        expected: &Value,
    ) -> Result<CompiledMatch> {
        self.reset();
        if let Ast::Literal { offset, .. } = ast {
            return unsupported(*offset, "an argument that is only a literal");
        }
        let found = self.compile(ast, &Self::root(output_shape))?;
        let code = match (&found.ty, expected) {
            (Ty::Null | Ty::Json(_), _) => {
                return unsupported(offset(ast), "an argument that is only a literal");
            }
            (_, Value::Null) if found.nullable => {
                let f = found.operand();
                quote!(#f.is_none())
            }
            (ty, Value::Null) => {
                return Err(CompileError::Expected {
                    found: describe_expected(expected),
                    gives: format!("it gives {}, never null", ty.describe()),
                });
            }
            (ty, _) => {
                let ty = ty.clone();
                let x = self.fresh("x");
                let eq = self
                    .literal_eq(Equality::Expected, &ty, &quote!(#x), expected)
                    .map_err(|mismatch| CompileError::Expected {
                        found: describe_expected(expected),
                        gives: mismatch.unwrap_or_else(|| format!("it gives {}", ty.describe())),
                    })?;
                if found.nullable {
                    let f = found.operand();
                    quote!(#f.is_some_and(|#x| #eq))
                } else {
                    let_in(&x, &found, eq)
                }
            }
        };
        Ok(CompiledMatch {
            code,
            fallible: found.fallible,
            deprecated: self.deprecated,
        })
    }

    /// A `pathAll` (`all`) or `pathAny` matcher: the result is a non-empty list and every
    /// (some) element equals `expected`.
    pub(crate) fn path_list(
        &mut self,
        output_shape: &str,
        ast: &Ast,
        expected: &Value,
        all: bool,
    ) -> Result<CompiledMatch> {
        self.reset();
        let found = self.compile_unsettled(ast, &Self::root(output_shape))?;
        // A pending correction is applied by `pathAll` only to elements that do not match
        // (the SDK's default never equals an enum value); `pathAny` does not need it: such
        // an element never matches, and a match means the list was not empty.
        let skip = found.skip.clone();
        let fields = found.fields.clone();
        let found = Val {
            skip: None,
            fields: None,
            ..found
        };
        let Some(element) = found.ty.element().cloned() else {
            return type_error(format!(
                "{} needs a list, but the argument gives {} (the `path` matcher compares a \
                 single value)",
                if all { "pathAll" } else { "pathAny" },
                found.ty.describe()
            ));
        };
        let x = self.fresh("x");
        let eq = self
            .literal_eq(Equality::Expected, &element, &quote!(#x), expected)
            .map_err(|mismatch| CompileError::Expected {
                found: describe_expected(expected),
                gives: mismatch.unwrap_or_else(|| format!("its elements are {}", element.plural())),
            })?;
        let private = self.private.clone();
        if let Some(FieldProjection {
            list,
            nullable,
            var,
            read,
        }) = fields
        {
            let list = if nullable {
                list
            } else {
                quote!(::core::option::Option::Some(#list))
            };
            let code = match (all, skip) {
                (true, Some(Correction { var: e, absent, .. })) => {
                    quote!(#private::path_all_fields(
                        #list, |#var| #read, |#e| #absent, |#x| #eq
                    ))
                }
                (true, None) => quote!(#private::path_all_fields(
                    #list, |#var| #read, |_| false, |#x| #eq
                )),
                (false, _) => quote!(#private::path_any_fields(#list, |#var| #read, |#x| #eq)),
            };
            return Ok(CompiledMatch {
                code,
                fallible: found.fallible,
                deprecated: self.deprecated,
            });
        }
        let items = self.option_iter(&found);
        let private = &self.private;
        let code = match (all, skip) {
            (true, Some(Correction { var, absent, .. })) => {
                quote!(#private::path_all_except(#items, |#var| #absent, |#x| #eq))
            }
            (true, None) => quote!(#private::path_all(#items, |#x| #eq)),
            (false, _) => quote!(#private::path_any(#items, |#x| #eq)),
        };
        Ok(CompiledMatch {
            code,
            fallible: found.fallible,
            deprecated: self.deprecated,
        })
    }

    /// A list value as `Option<impl Iterator<Item = element>>`.
    fn option_iter(&mut self, list: &Val) -> TokenStream {
        let element = list.ty.element().cloned().unwrap_or(Ty::Null);
        let l = self.fresh("l");
        let iter = self.iter_of(&element, &list.ty, &quote!(#l));
        if list.nullable {
            let code = list.operand();
            if is_ident(&iter, &l) {
                code
            } else {
                quote!(#code.map(|#l| #iter))
            }
        } else {
            let some = quote!(::core::option::Option::Some(#iter));
            let_in(&l, list, some)
        }
    }
}

/// A matcher's `expected` as messages name it: as the model loader does, except that an
/// array is shown, since its elements are what does not fit.
fn describe_expected(expected: &Value) -> String {
    match expected {
        Value::Array(_) => format!("the array {expected}"),
        other => waiters_model::describe_json(other),
    }
}

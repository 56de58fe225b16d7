//! The JMESPath functions acceptors use: `length` and `contains`.

use quote::quote;
use waiters_model::jmespath::ast::Ast;

use super::compiler::Compiler;
use super::equality::Equality;
use super::error::{CompileError, Result, type_error, unsupported};
use super::literals::literal_of;
use super::types::{Num, Ty, Val};

impl Compiler<'_> {
    pub(super) fn function(
        &mut self,
        name: &str,
        args: &[Ast],
        offset: usize,
        cur: &Val,
    ) -> Result<Val> {
        match (name, args) {
            ("length", [arg]) => {
                let x = self.compile(arg, cur)?;
                let x = self.text(&x);
                let subject = if x.nullable {
                    // length(null) is a JMESPath error: the acceptor does not match.
                    let c = x.operand();
                    quote!(#c?)
                } else {
                    x.operand()
                };
                let code = match &x.ty {
                    Ty::Str(_) => quote!(#subject.chars().count()),
                    Ty::Slice(_) | Ty::Map(_) => quote!(#subject.len()),
                    Ty::Iter(_) => quote!(#subject.count()),
                    Ty::Struct(shape) => {
                        return unsupported(
                            offset,
                            format!(
                                "length() of a {shape} structure (the number of members \
                                 present in the JSON, which the typed output does not keep)"
                            ),
                        );
                    }
                    other => {
                        return type_error(format!(
                            "length() at column {offset} is given {}, which is a JMESPath \
                             error at run time (it takes a string, a list or an object)",
                            other.describe()
                        ));
                    }
                };
                Ok(Val::new(
                    code,
                    Ty::Num(Num::Usize),
                    false,
                    x.fallible || x.nullable,
                ))
            }
            ("contains", [haystack, needle]) => self.with_bound(cur, |this, cur| {
                let h = this.compile(haystack, cur)?;
                let n = this.compile(needle, cur)?;
                this.contains(&h, &n, offset)
            }),
            ("length" | "contains", _) => type_error(format!(
                "{name}() at column {offset} takes {} argument(s), given {}",
                if name == "length" { 1 } else { 2 },
                args.len()
            )),
            _ => unsupported(offset, format!("the function {name}()")),
        }
    }

    fn contains(&mut self, h: &Val, n: &Val, offset: usize) -> Result<Val> {
        let (h, n) = match (&h.ty, &n.ty) {
            (Ty::Str(_), Ty::Str(_)) => (self.text(h), self.text(n)),
            _ => (h.clone(), n.clone()),
        };
        let (h, n) = (&h, &n);
        let needle_literal = literal_of(n);
        let hv = self.fresh("h");
        let nv = self.fresh("n");
        let never = |h: &Ty, n: &Ty| {
            type_error(format!(
                "contains() at column {offset} looks for {} in {}: never found",
                n.describe(),
                h.describe()
            ))
        };
        let test = match (&h.ty, &n.ty) {
            (Ty::Str(_), Ty::Str(_)) => quote!(#hv.contains(#nv)),
            (list, needle_ty) if list.is_list() => {
                let element = list.element().cloned().unwrap_or(Ty::Null);
                let e = self.fresh("e");
                let iter = self.iter_of(&element, list, &quote!(#hv));
                let eq = match (needle_ty, &needle_literal) {
                    (_, Some(literal)) => {
                        match self.literal_eq(Equality::Jmespath, &element, &quote!(#e), literal) {
                            Ok(eq) => eq,
                            Err(Some(message)) => return type_error(message),
                            Err(None) => return never(list, needle_ty),
                        }
                    }
                    (Ty::Null, _) => return never(list, needle_ty),
                    _ => {
                        let item = Val::variable(&e, element.clone(), false);
                        let needle = Val {
                            constant: n.constant.clone(),
                            ..Val::variable(&nv, needle_ty.clone(), false)
                        };
                        match self.equality(&item, &needle, offset) {
                            Ok(((eq, _), _)) => eq,
                            Err(CompileError::Type(message)) if message.contains(" is not a ") => {
                                return type_error(message);
                            }
                            Err(_) => return never(list, needle_ty),
                        }
                    }
                };
                quote!(#iter.any(|#e| #eq))
            }
            (Ty::Str(_), other) => return never(&h.ty, other),
            (other, _) => {
                return type_error(format!(
                    "contains() at column {offset} searches {}, which is a JMESPath error at \
                     run time (it takes a string or a list)",
                    other.describe()
                ));
            }
        };
        // Both arguments are evaluated first, as JMESPath does; a null haystack is an error.
        let subject = if h.nullable {
            let c = h.operand();
            quote!(#c?)
        } else {
            h.code.clone()
        };
        let needle = &n.code;
        let literal_needle = needle_literal.is_some() && h.ty.is_list();
        let (needle_init, body) = match &n.ty {
            _ if literal_needle => (quote!(), test),
            _ if n.nullable => (
                quote!(let #nv = #needle;),
                quote!(#nv.is_some_and(|#nv| #test)),
            ),
            _ => (quote!(let #nv = #needle;), test),
        };
        let binding = if matches!(h.ty, Ty::Iter(_)) {
            quote!(mut #hv)
        } else {
            quote!(#hv)
        };
        let code = quote!({
            let #binding = #subject;
            #needle_init
            #body
        });
        Ok(Val::new(
            code,
            Ty::Bool,
            false,
            h.fallible || h.nullable || n.fallible,
        ))
    }
}

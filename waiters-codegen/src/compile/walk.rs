//! The JMESPath walk: the current node, fields, indexes, projections and flattening.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use waiters_model::jmespath::ast::Ast;

use super::compiler::Compiler;
use super::error::{CompileError, Result, type_error, unsupported};
use super::literals::literal;
use super::tokens::{eager_map, let_in, mentions_ident, param_for, wrap_list};
use super::types::{FieldProjection, Num, Prec, Ty, Val};
use crate::naming::suggest;

/// Unknown-member errors list the structure's members up to this many.
const MAX_LISTED_MEMBERS: usize = 8;

impl Compiler<'_> {
    /// Compiles `ast` with `cur` as the current node.
    pub(super) fn compile(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        let value = self.compile_unsettled(ast, cur)?;
        Ok(self.settle(value))
    }

    /// [`compile`](Self::compile), leaving a projection's correction to the caller.
    pub(super) fn compile_unsettled(&mut self, ast: &Ast, cur: &Val) -> Result<Val> {
        match ast {
            Ast::Identity { .. } => Ok(cur.clone()),
            Ast::Field { name, offset } => self.field(name, *offset, cur),
            Ast::Subexpr { lhs, rhs, .. } => {
                let left = self.compile(lhs, cur)?;
                if uses_current_once(rhs) {
                    self.compile(rhs, &left)
                } else {
                    self.with_bound(&left, |this, left| this.compile(rhs, left))
                }
            }
            Ast::Index { idx, offset } => self.index(*idx, *offset, cur),
            Ast::Projection { lhs, rhs, offset } => self.projection(lhs, rhs, *offset, cur),
            Ast::Flatten { node, offset } => self.flatten(node, *offset, cur),
            Ast::Literal { value, offset } => literal(value, *offset),
            Ast::Comparison {
                comparator,
                lhs,
                rhs,
                offset,
            } => self.with_bound(cur, |this, cur| {
                let a = this.compile(lhs, cur)?;
                let b = this.compile(rhs, cur)?;
                this.comparison(comparator, &a, &b, *offset)
            }),
            Ast::Not { .. } | Ast::And { .. } | Ast::Or { .. } => self.logic(ast, cur),
            Ast::Function { name, args, offset } => self.function(name, args, *offset, cur),
            Ast::Condition { offset, .. } => unsupported(*offset, "a filter outside a projection"),
            Ast::Slice { offset, .. } => unsupported(*offset, "a slice (`[start:stop:step]`)"),
            Ast::ObjectValues { node, offset } => self.object_values(node, *offset, cur),
            Ast::MultiList { offset, .. } => unsupported(*offset, "a multi-select list (`[a, b]`)"),
            Ast::MultiHash { offset, .. } => unsupported(*offset, "a multi-select hash (`{a: b}`)"),
            Ast::Expref { offset, .. } => unsupported(*offset, "an expression reference (`&expr`)"),
        }
    }

    /// Runs `f` with `cur` held in a variable when it is not one already, so that `f` may
    /// use it several times; the variable is left out when `f` does not use it.
    pub(super) fn with_bound(
        &mut self,
        cur: &Val,
        f: impl FnOnce(&mut Self, &Val) -> Result<Val>,
    ) -> Result<Val> {
        if cur.simple {
            return f(self, cur);
        }
        let var = self.fresh("v");
        let bound = Val {
            fallible: false,
            ..Val::variable(&var, cur.ty.clone(), cur.nullable)
        };
        let mut result = f(self, &bound)?;
        let init = &cur.code;
        let body = &result.code;
        result.code = if mentions_ident(&result.code, &var) {
            quote!({ let #var = #init; #body })
        } else if cur.fallible {
            // Still evaluated: its error ends the search, as in JMESPath.
            quote!({ let _ = #init; #body })
        } else {
            return Ok(result);
        };
        result.fallible |= cur.fallible;
        result.simple = false;
        result.prec = Prec::Atom;
        result.constant = None;
        result.negation = None;
        Ok(result)
    }

    fn field(&mut self, name: &str, offset: usize, cur: &Val) -> Result<Val> {
        match &cur.ty {
            Ty::Struct(shape) => {
                let Some(target) = self.table.member(shape, name).map(str::to_owned) else {
                    let members = self.table.member_names(shape);
                    let suggestion = suggest(name, members.iter().copied()).map(str::to_owned);
                    // A short list helps most when an argument was written for another
                    // operation's output (`jobs[]` on DescribeComputeEnvironments).
                    let members = if suggestion.is_none() && members.len() <= MAX_LISTED_MEMBERS {
                        members.into_iter().map(str::to_owned).collect()
                    } else {
                        Vec::new()
                    };
                    return Err(CompileError::UnknownMember {
                        shape: shape.clone(),
                        member: name.to_owned(),
                        suggestion,
                        members,
                        missing_from_sdk: self
                            .table
                            .is_missing_from_sdk(shape, name)
                            .then(|| self.table.sdk.clone()),
                    });
                };
                let shape = shape.clone();
                let (code, ty) = if cur.nullable {
                    let o = self.fresh("o");
                    let (access, ty) = self.member_access(&shape, &quote!(#o), name, &target)?;
                    let c = cur.operand();
                    (quote!(#c.and_then(|#o| #access)), ty)
                } else {
                    self.member_access(&shape, &cur.operand(), name, &target)?
                };
                Ok(Val::new(code, ty, true, cur.fallible))
            }
            Ty::Map(value) => {
                let value = (**value).clone();
                let key = Literal::string(name);
                let m = self.fresh("m");
                let convert = self.convert_refs(&value);
                let get = quote!(#m.get(#key)#convert);
                let code = if cur.nullable {
                    let c = cur.operand();
                    quote!(#c.and_then(|#m| #get))
                } else {
                    let_in(&m, cur, get)
                };
                Ok(Val::new(code, value, true, cur.fallible))
            }
            Ty::Slice(_) | Ty::Iter(_) => type_error(format!(
                "`{name}` (column {offset}) is looked up on {}, which has no members; \
                 project over the list with `[].{name}` or `[*].{name}`",
                cur.ty.describe()
            )),
            other => type_error(format!(
                "`{name}` (column {offset}) is looked up on {}, which has no members",
                other.describe()
            )),
        }
    }

    fn index(&mut self, idx: i32, offset: usize, cur: &Val) -> Result<Val> {
        let Some(element) = cur.ty.element().cloned() else {
            return type_error(format!(
                "`[{idx}]` (column {offset}) indexes {}, which is not a list",
                cur.ty.describe()
            ));
        };
        let l = self.fresh("l");
        let n = Literal::usize_unsuffixed(idx.unsigned_abs() as usize);
        let pick = match &cur.ty {
            Ty::Slice(_) => {
                let get = if idx == 0 {
                    quote!(#l.first())
                } else if idx == -1 {
                    quote!(#l.last())
                } else if idx > 0 {
                    quote!(#l.get(#n))
                } else {
                    let i = self.fresh("i");
                    quote!(#l.len().checked_sub(#n).and_then(|#i| #l.get(#i)))
                };
                let convert = self.convert_refs(&element);
                quote!(#get #convert)
            }
            _ if idx == 0 => quote!(#l.next()),
            // Every projection iterator is double-ended.
            _ if idx == -1 => quote!(#l.next_back()),
            _ if idx > 0 => quote!(#l.nth(#n)),
            _ => {
                let all = self.fresh("all");
                let i = self.fresh("i");
                quote!({
                    let #all: ::std::vec::Vec<_> = #l.collect();
                    #all.len().checked_sub(#n).and_then(|#i| #all.into_iter().nth(#i))
                })
            }
        };
        let iterator = matches!(cur.ty, Ty::Iter(_));
        let code = if cur.nullable {
            let c = cur.operand();
            let param = if iterator { quote!(mut #l) } else { quote!(#l) };
            quote!(#c.and_then(|#param| #pick))
        } else if iterator {
            let c = &cur.code;
            quote!({ let mut #l = #c; #pick })
        } else {
            let_in(&l, cur, pick)
        };
        Ok(Val::new(code, element, true, cur.fallible))
    }

    fn projection(&mut self, lhs: &Ast, rhs: &Ast, offset: usize, cur: &Val) -> Result<Val> {
        let left = self.compile(lhs, cur)?;
        let Some(element) = left.ty.element().cloned() else {
            return type_error(format!(
                "the projection at column {offset} goes over {}, which is not a list",
                left.ty.describe()
            ));
        };
        let l = self.fresh("l");
        let base = self.iter_of(&element, &left.ty, &quote!(#l));
        let v = self.fresh("v");
        let copy = !matches!(element, Ty::Iter(_));
        let item = Val::variable(&v, element.clone(), false);
        let mut skip = None;
        let mut fields = None;
        let (iter, ty, eager) = match rhs {
            Ast::Identity { .. } => (base, element.clone(), false),
            Ast::Condition {
                predicate, then, ..
            } => {
                let keep = self.truthy(predicate, &item)?;
                if matches!(**then, Ast::Identity { .. }) && !keep.fallible {
                    let param = if !mentions_ident(&keep.code, &v) {
                        quote!(_)
                    } else if copy {
                        quote!(&#v)
                    } else {
                        quote!(#v)
                    };
                    let k = &keep.code;
                    (quote!(#base.filter(|#param| #k)), element.clone(), false)
                } else {
                    let kept = self.compile(then, &item)?;
                    let value = kept.option();
                    let k = self.fresh("keep");
                    let keep_code = &keep.code;
                    let body = quote!({
                        let #k = #keep_code;
                        if #k { #value } else { ::core::option::Option::None }
                    });
                    let fallible = keep.fallible || kept.fallible;
                    let param = param_for(&body, &v);
                    let mapped = if fallible {
                        eager_map(&base, &param, &body)
                    } else {
                        quote!(#base.filter_map(|#param| #body))
                    };
                    (mapped, kept.ty, fallible)
                }
            }
            Ast::Field { name, .. } if self.deferrable(&element, name) => {
                let shape = match &element {
                    Ty::Struct(shape) => shape.clone(),
                    _ => String::new(),
                };
                let target = self
                    .table
                    .member(&shape, name)
                    .unwrap_or_default()
                    .to_owned();
                let (read, ty, correction) =
                    self.member_read(&shape, &quote!(#v), name, &target)?;
                skip = correction;
                if matches!(left.ty, Ty::Slice(_)) {
                    fields = Some(FieldProjection {
                        list: left.code.clone(),
                        nullable: left.nullable,
                        var: v.clone(),
                        read: read.clone(),
                    });
                }
                (quote!(#base.filter_map(|#v| #read)), ty, false)
            }
            _ => {
                let mapped = self.compile(rhs, &item)?;
                let param = param_for(&mapped.code, &v);
                let body = &mapped.code;
                let code = if mapped.fallible {
                    eager_map(&base, &param, &mapped.option())
                } else if mapped.nullable {
                    quote!(#base.filter_map(|#param| #body))
                } else {
                    quote!(#base.map(|#param| #body))
                };
                (code, mapped.ty, mapped.fallible)
            }
        };
        let code = wrap_list(&left, &l, &iter, eager);
        Ok(Val {
            skip,
            fields,
            ..Val::new(
                code,
                Ty::Iter(Box::new(ty)),
                left.nullable,
                left.fallible || eager,
            )
        })
    }

    fn flatten(&mut self, node: &Ast, offset: usize, cur: &Val) -> Result<Val> {
        let left = self.compile(node, cur)?;
        let Some(element) = left.ty.element().cloned() else {
            return type_error(format!(
                "`[]` at column {offset} flattens {}, which is not a list",
                left.ty.describe()
            ));
        };
        let (iter_code, ty) = match &element {
            Ty::Slice(inner) => {
                let l = self.fresh("l");
                let base = self.iter_of(&element, &left.ty, &quote!(#l));
                let x = self.fresh("x");
                let inner_iter = self.iter_of(inner, &element, &quote!(#x));
                (
                    (l, quote!(#base.flat_map(|#x| #inner_iter))),
                    (**inner).clone(),
                )
            }
            Ty::Iter(inner) => {
                let l = self.fresh("l");
                let base = self.iter_of(&element, &left.ty, &quote!(#l));
                ((l, quote!(#base.flatten())), (**inner).clone())
            }
            // Flattening a list of non-lists gives the same list.
            _ => return Ok(left),
        };
        let (l, iter) = iter_code;
        let code = wrap_list(&left, &l, &iter, false);
        Ok(Val::new(
            code,
            Ty::Iter(Box::new(ty)),
            left.nullable,
            left.fallible,
        ))
    }

    /// `*` over an object. A map's values, in key order: the run-time evaluator (the
    /// `jmespath` crate) keeps objects sorted by key, and the SDK's `HashMap` has no order,
    /// so sorting makes `[0]` and list comparisons agree with it.
    fn object_values(&mut self, node: &Ast, offset: usize, cur: &Val) -> Result<Val> {
        let left = self.compile(node, cur)?;
        let value = match &left.ty {
            Ty::Map(value) => (**value).clone(),
            Ty::Struct(shape) => {
                return unsupported(
                    offset,
                    format!(
                        "an object wildcard (`*`) over a {shape} structure (its members' \
                         values have different Rust types)"
                    ),
                );
            }
            other => {
                return type_error(format!(
                    "`*` at column {offset} takes the values of an object, but is given {}, \
                     which gives null",
                    other.describe()
                ));
            }
        };
        let m = self.fresh("m");
        let values = self.fresh("values");
        let convert = self.convert_refs(&value);
        let iter = quote!({
            let mut #values: ::std::vec::Vec<_> = #m.iter().collect();
            #values.sort_unstable_by_key(|&(k, _)| k);
            #values.into_iter().map(|(_, v)| v) #convert
        });
        let code = wrap_list(&left, &m, &iter, false);
        Ok(Val::new(
            code,
            Ty::Iter(Box::new(value)),
            left.nullable,
            left.fallible,
        ))
    }

    /// An iterator over the elements of the non-null list in `code` (of type `list_ty`).
    pub(super) fn iter_of(
        &mut self,
        element: &Ty,
        list_ty: &Ty,
        code: &TokenStream,
    ) -> TokenStream {
        if !matches!(list_ty, Ty::Slice(_)) {
            return code.clone();
        }
        let convert = self.convert_refs(element);
        quote!(#code.iter()#convert)
    }

    /// What turns an `Option` or iterator of `&T` (list or map elements) into the value
    /// representation: `.map(|e| e.as_str())`, `.copied()`, or nothing for structures and
    /// maps, whose references already are it.
    pub(super) fn convert_refs(&mut self, element: &Ty) -> TokenStream {
        let e = self.fresh("e");
        match element {
            Ty::Str(None) => quote!(.map(|#e| #e.as_str())),
            Ty::Num(Num::Timestamp) => quote!(.map(|#e| #e.as_secs_f64())),
            Ty::Num(_) | Ty::Bool => quote!(.copied()),
            Ty::Slice(_) => quote!(.map(|#e| #e.as_slice())),
            Ty::Str(Some(_))
            | Ty::Struct(_)
            | Ty::Map(_)
            | Ty::Iter(_)
            | Ty::Null
            | Ty::Json(_) => {
                quote!()
            }
        }
    }
}

/// Whether a node reads the current node exactly once, in a position where its code can
/// be pasted (so no variable is needed).
fn uses_current_once(ast: &Ast) -> bool {
    match ast {
        Ast::Field { .. } | Ast::Index { .. } | Ast::Identity { .. } => true,
        Ast::Subexpr { lhs, .. } | Ast::Projection { lhs, .. } => uses_current_once(lhs),
        Ast::Flatten { node, .. } | Ast::ObjectValues { node, .. } => uses_current_once(node),
        _ => false,
    }
}

/// The column of a node.
pub(super) fn offset(ast: &Ast) -> usize {
    match ast {
        Ast::Comparison { offset, .. }
        | Ast::Condition { offset, .. }
        | Ast::Identity { offset }
        | Ast::Expref { offset, .. }
        | Ast::Flatten { offset, .. }
        | Ast::Function { offset, .. }
        | Ast::Field { offset, .. }
        | Ast::Index { offset, .. }
        | Ast::Literal { offset, .. }
        | Ast::MultiList { offset, .. }
        | Ast::MultiHash { offset, .. }
        | Ast::Not { offset, .. }
        | Ast::Projection { offset, .. }
        | Ast::ObjectValues { offset, .. }
        | Ast::And { offset, .. }
        | Ast::Or { offset, .. }
        | Ast::Slice { offset, .. }
        | Ast::Subexpr { offset, .. } => *offset,
    }
}

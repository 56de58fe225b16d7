//! Reading the SDK's typed output: shape types, getters, enum variants, and the SDK's
//! defaults for required members a response lacks (read as null, as JMESPath sees them).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::compiler::Compiler;
use super::error::{CompileError, Result, type_error};
use super::types::{Correction, EnumInfo, Num, Prec, Ty, Val};
use crate::naming::rust_ident;
use crate::shapes::{Shape, getter_name};

/// The value smithy-rs gives a required enum member that a response lacks.
const CORRECTED_ENUM_VALUE: &str = "no value was set";

impl Compiler<'_> {
    /// The path of an enum's variant.
    pub(super) fn variant(&self, info: &EnumInfo, value: &str) -> Option<TokenStream> {
        let variant = info.variants.get(value)?;
        let sdk = &self.sdk;
        // Names that are not identifiers (a table built from a service model only keeps
        // valid ones) compare as text instead.
        let ty = rust_ident(&info.rust)?;
        let variant = rust_ident(variant)?;
        Some(quote!(#sdk::types::#ty::#variant))
    }

    /// A string value as `&str` (an enum through `as_str()`).
    pub(super) fn text(&mut self, value: &Val) -> Val {
        if !matches!(value.ty, Ty::Str(Some(_))) {
            return value.clone();
        }
        let c = value.operand();
        let code = if value.nullable {
            let e = self.fresh("e");
            quote!(#c.map(|#e| #e.as_str()))
        } else {
            quote!(#c.as_str())
        };
        Val {
            code,
            ty: Ty::Str(None),
            simple: false,
            prec: Prec::Atom,
            negation: None,
            ..value.clone()
        }
    }

    /// The type of a shape.
    pub(super) fn ty_of_shape(&self, shape: &str) -> Result<Ty> {
        Ok(match self.table.shape(shape) {
            Some(Shape::Structure(_)) => Ty::Struct(shape.to_owned()),
            Some(Shape::List(member)) => Ty::Slice(Box::new(self.ty_of_shape(member)?)),
            Some(Shape::Map(value)) => Ty::Map(Box::new(self.ty_of_shape(value)?)),
            Some(Shape::String(info)) => Ty::Str(info.as_ref().map(|info| EnumInfo {
                shape: shape.to_owned(),
                values: info.values.clone(),
                rust: info.rust.clone(),
                variants: info.variants.clone(),
            })),
            Some(Shape::Integer) => Ty::Num(Num::I32),
            Some(Shape::Long) => Ty::Num(Num::I64),
            Some(Shape::Double) => Ty::Num(Num::F64),
            Some(Shape::Float) => Ty::Num(Num::F32),
            Some(Shape::Boolean) => Ty::Bool,
            Some(Shape::Timestamp) => Ty::Num(Num::Timestamp),
            Some(Shape::Other(kind)) => {
                return type_error(format!("{shape} is a {kind}, which acceptors cannot read"));
            }
            None => return type_error(format!("the shape table has no shape {shape}")),
        })
    }

    /// The code reading `member` (target shape `target`) of the non-null `&structure` in
    /// `owner`: an `Option` of the value representation.
    pub(crate) fn member_access(
        &mut self,
        structure: &str,
        owner: &TokenStream,
        member: &str,
        target: &str,
    ) -> Result<(TokenStream, Ty)> {
        let (code, ty, correction) = self.member_read(structure, owner, member, target)?;
        Ok(match correction {
            Some(Correction { var, present, .. }) => (quote!(#code.filter(|#var| #present)), ty),
            None => (code, ty),
        })
    }

    /// [`member_access`](Self::member_access) without applying the correction test.
    pub(super) fn member_read(
        &mut self,
        structure: &str,
        owner: &TokenStream,
        member: &str,
        target: &str,
    ) -> Result<(TokenStream, Ty, Option<Correction>)> {
        if self.table.is_deprecated(structure, member) {
            self.deprecated = true;
        }
        let getter = rust_ident(&getter_name(member)).ok_or_else(|| {
            CompileError::Type(format!(
                "member `{member}` has no Rust getter name the code generator knows"
            ))
        })?;
        let ty = self.ty_of_shape(target)?;
        let code = match &ty {
            // The field, not the getter: `null` and `[]` differ in JMESPath.
            Ty::Slice(_) => quote!(#owner.#getter.as_deref()),
            Ty::Num(Num::Timestamp) => {
                let e = self.fresh("e");
                quote!(#owner.#getter().map(|#e| #e.as_secs_f64()))
            }
            _ => quote!(#owner.#getter()),
        };
        if !self.table.is_corrected(structure, member) {
            return Ok((code, ty, None));
        }
        // A required member the response lacked holds the SDK's default ("", 0, false, [],
        // "no value was set"); JMESPath over the response sees null there, so read the
        // default as null. (AWS does not send these defaults for required members.)
        let e = self.fresh("e");
        let (present, absent) = match &ty {
            Ty::Str(Some(info)) => {
                // A known variant is set; only an unknown one can be the default (tested by
                // discriminant first, so the common case reads no string).
                let sentinel = Literal::string(CORRECTED_ENUM_VALUE);
                let known: Vec<TokenStream> = info
                    .values
                    .iter()
                    .filter_map(|v| self.variant(info, v))
                    .collect();
                if known.is_empty() {
                    (
                        quote!(#e.as_str() != #sentinel),
                        quote!(#e.as_str() == #sentinel),
                    )
                } else {
                    (
                        quote!(::core::matches!(#e, #(#known)|*) || #e.as_str() != #sentinel),
                        quote!(!::core::matches!(#e, #(#known)|*) && #e.as_str() == #sentinel),
                    )
                }
            }
            Ty::Str(None) | Ty::Slice(_) | Ty::Map(_) => {
                (quote!(!#e.is_empty()), quote!(#e.is_empty()))
            }
            Ty::Num(Num::I32 | Num::I64 | Num::Usize) => (quote!(*#e != 0), quote!(*#e == 0)),
            Ty::Num(Num::F32 | Num::F64 | Num::Timestamp) => {
                (quote!(*#e != 0.0), quote!(*#e == 0.0))
            }
            Ty::Bool => (quote!(*#e), quote!(!*#e)),
            Ty::Struct(_) | Ty::Iter(_) | Ty::Null | Ty::Json(_) => return Ok((code, ty, None)),
        };
        Ok((
            code,
            ty,
            Some(Correction {
                var: e,
                present,
                absent,
            }),
        ))
    }

    /// Whether `member` of the elements (`element`) of a projection is a corrected enum,
    /// whose correction a `pathAll` can apply late.
    pub(super) fn deferrable(&self, element: &Ty, member: &str) -> bool {
        let Ty::Struct(shape) = element else {
            return false;
        };
        let Some(target) = self.table.member(shape, member) else {
            return false;
        };
        self.table.is_corrected(shape, member)
            && matches!(self.table.shape(target), Some(Shape::String(Some(_))))
    }

    /// Applies a projection's pending correction: drops the elements that hold the SDK's
    /// default.
    pub(super) fn settle(&mut self, value: Val) -> Val {
        let value = Val {
            fields: None,
            ..value
        };
        let Some(Correction { var, present, .. }) = value.skip.clone() else {
            return value;
        };
        let c = value.operand();
        let code = if value.nullable {
            let l = self.fresh("l");
            quote!(#c.map(|#l| #l.filter(|&#var| #present)))
        } else {
            quote!(#c.filter(|&#var| #present))
        };
        Val {
            code,
            skip: None,
            simple: false,
            prec: Prec::Atom,
            ..value
        }
    }
}

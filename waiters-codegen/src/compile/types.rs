//! What a compiled (sub)expression is: its Rust code, static type and precedence.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use serde_json::Value;

/// The static type of a non-null value, which also fixes its Rust representation.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ty {
    /// `bool`.
    Bool,
    /// A number, held as the given Rust type.
    Num(Num),
    /// `&str`; for an enum, its shape name and values.
    Str(Option<EnumInfo>),
    /// `&T` for the structure shape.
    Struct(String),
    /// `&HashMap<String, V>`, with the value type.
    Map(Box<Ty>),
    /// `&[T]` (a list member), with the element type after conversion.
    Slice(Box<Ty>),
    /// `impl Iterator<Item = T> + Clone` (a projection), with the element type.
    Iter(Box<Ty>),
    /// The literal `null`.
    Null,
    /// A literal array or object; only used in comparisons.
    Json(Value),
}

/// How a number is held in Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Num {
    I32,
    I64,
    F32,
    F64,
    Usize,
    /// A timestamp: `DateTime` in the SDK, seconds since the epoch (`f64`) once read, as
    /// the JSON wire format has it.
    Timestamp,
}

/// An enum: its shape name, wire values, and the SDK's Rust names. Enum values are held
/// as `&Enum` and compared with literals by variant (a discriminant test, as a hand-written
/// `match` would), and read as text (`as_str()`) where JMESPath needs the string.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EnumInfo {
    pub(crate) shape: String,
    pub(crate) values: Vec<String>,
    /// The enum's name in `aws_sdk_batch::types`.
    pub(crate) rust: String,
    /// Wire value -> variant, for the values the SDK has a variant for.
    pub(crate) variants: std::collections::BTreeMap<String, String>,
}

impl Ty {
    pub(super) fn is_list(&self) -> bool {
        matches!(self, Ty::Slice(_) | Ty::Iter(_))
    }

    pub(super) fn element(&self) -> Option<&Ty> {
        match self {
            Ty::Slice(e) | Ty::Iter(e) => Some(e),
            _ => None,
        }
    }

    /// What a value of this type is, for messages: `a JobStatus string`, `a list of ...`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Ty::Bool => "a boolean".into(),
            Ty::Num(Num::Timestamp) => "a timestamp".into(),
            Ty::Num(_) => "a number".into(),
            Ty::Str(Some(e)) => format!("a {} string", e.shape),
            Ty::Str(None) => "a string".into(),
            Ty::Struct(s) => format!("a {s} structure"),
            Ty::Map(v) => format!("a map of {}", v.plural()),
            Ty::Slice(e) | Ty::Iter(e) => format!("a list of {}", e.plural()),
            Ty::Null => "null".into(),
            Ty::Json(Value::Array(_)) => "a literal array".into(),
            Ty::Json(_) => "a literal object".into(),
        }
    }

    /// The plural form, for `a list of ...` and `its elements are ...`.
    pub(crate) fn plural(&self) -> String {
        match self {
            Ty::Bool => "booleans".into(),
            Ty::Num(Num::Timestamp) => "timestamps".into(),
            Ty::Num(_) => "numbers".into(),
            Ty::Str(Some(e)) => format!("{} strings", e.shape),
            Ty::Str(None) => "strings".into(),
            Ty::Struct(s) => format!("{s} structures"),
            Ty::Map(_) => "maps".into(),
            Ty::Slice(e) | Ty::Iter(e) => format!("lists of {}", e.plural()),
            Ty::Null => "nulls".into(),
            Ty::Json(_) => "literals".into(),
        }
    }
}

/// Operator precedence of a value's code, so that it is parenthesized exactly where it
/// has to be (needless parentheses are a warning in the user's crate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Prec {
    Or,
    And,
    /// `a == b`, `a != b`.
    Compare,
    /// `!a`.
    Unary,
    /// Paths, calls, method chains, blocks, literals.
    Atom,
}

pub(super) fn parenthesize(code: &TokenStream, prec: Prec, needed: Prec) -> TokenStream {
    if prec < needed {
        quote!((#code))
    } else {
        code.clone()
    }
}

/// A compiled (sub)expression.
#[derive(Clone, Debug)]
pub(super) struct Val {
    /// The Rust expression: `Option<R>` when `nullable`, else `R`.
    pub(super) code: TokenStream,
    pub(super) ty: Ty,
    pub(super) nullable: bool,
    /// The code contains `?`: it must run in a function returning `Option`.
    pub(super) fallible: bool,
    /// The code is a variable (or a clone of one): using it twice costs nothing.
    pub(super) simple: bool,
    pub(super) prec: Prec,
    /// The value, when it is a string literal (to check enum values).
    pub(super) constant: Option<String>,
    /// For a `bool`: code for its negation that is simpler than `!(...)`.
    pub(super) negation: Option<Coded>,
    /// For a projection: elements still to drop (a corrected member's default), left to
    /// the consumer so that `pathAll` can test them only when they do not match.
    pub(super) skip: Option<Correction>,
    /// For a projection of one member over a list member (`jobs[].status`): the parts, so
    /// that `pathAll`/`pathAny` can loop over the list directly, as a hand-written loop.
    pub(super) fields: Option<FieldProjection>,
}

/// `list[].member`, taken apart.
#[derive(Clone, Debug)]
pub(super) struct FieldProjection {
    /// The list: `Option<&[T]>` when `nullable`, else `&[T]`.
    pub(super) list: TokenStream,
    pub(super) nullable: bool,
    /// The element variable and the member read from it (`Option<V>`).
    pub(super) var: Ident,
    pub(super) read: TokenStream,
}

/// A test for a required member's SDK default, over the variable `var`.
#[derive(Clone, Debug)]
pub(super) struct Correction {
    pub(super) var: Ident,
    /// True when the value is a real one.
    pub(super) present: TokenStream,
    /// True when it is the SDK's default (read as null).
    pub(super) absent: TokenStream,
}

/// Code with its precedence.
pub(super) type Coded = (TokenStream, Prec);

impl Val {
    pub(super) fn new(code: TokenStream, ty: Ty, nullable: bool, fallible: bool) -> Self {
        Self {
            code,
            ty,
            nullable,
            fallible,
            simple: false,
            prec: Prec::Atom,
            constant: None,
            negation: None,
            skip: None,
            fields: None,
        }
    }

    /// A non-null `bool` with the given precedence.
    pub(super) fn boolean(code: TokenStream, prec: Prec, fallible: bool) -> Self {
        Self {
            prec,
            ..Self::new(code, Ty::Bool, false, fallible)
        }
    }

    /// A variable holding a value of type `ty`.
    pub(super) fn variable(var: &Ident, ty: Ty, nullable: bool) -> Self {
        Self {
            simple: true,
            code: if matches!(ty, Ty::Iter(_)) {
                quote!(#var.clone())
            } else {
                quote!(#var)
            },
            ..Self::new(TokenStream::new(), ty, nullable, false)
        }
    }

    /// The code where an operand or method receiver goes.
    pub(super) fn operand(&self) -> TokenStream {
        self.operand_at(Prec::Atom)
    }

    pub(super) fn operand_at(&self, needed: Prec) -> TokenStream {
        parenthesize(&self.code, self.prec, needed)
    }

    /// The value as an `Option`, in argument position (nullable values are atoms).
    pub(super) fn option(&self) -> TokenStream {
        let code = &self.code;
        if self.nullable {
            code.clone()
        } else {
            quote!(::core::option::Option::Some(#code))
        }
    }
}
